//! Fuzz target: any UTF-8 text as one Rust file through `check_source` and `fix_file`, with
//! the properties of `tests/property.rs`:
//! - neither panics;
//! - a file with syntax errors is never edited;
//! - a fixed file parses, a second fix changes nothing, and it has no more findings than before.
//!
//! Each input runs in editions 2021 and 2024, without unsafe fixes and reporting std locks
//! only, then with unsafe fixes and async locks too. Seed the corpus with the fixtures:
//! `cargo +nightly fuzz run check_and_fix fuzz/corpus/check_and_fix transforms/detect
//! transforms/scope transforms/drop`.

#![no_main]

use guardfix::analyse::{CheckOptions, check_source};
use guardfix::discover::Edition;
use guardfix::edit::engine::{FixOptions, StrategyChoice, fix_file};
use libfuzzer_sys::fuzz_target;
use ra_ap_syntax::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for edition in [Edition::Edition2021, Edition::Edition2024] {
        for unsafe_fixes in [false, true] {
            let check = CheckOptions { include_async_locks: unsafe_fixes };
            check_and_fix(
                text,
                edition,
                FixOptions { strategy: StrategyChoice::Auto, unsafe_fixes, check },
            );
        }
    }
});

fn check_and_fix(text: &str, edition: Edition, options: FixOptions) {
    let before = check_source(text, edition, options.check);
    let fixes = fix_file(text, edition, None, options);
    assert_eq!(
        fixes.applied.is_empty(),
        fixes.new_text.is_none(),
        "applied fixes and new text disagree"
    );
    let Some(after) = fixes.new_text else { return };
    assert!(
        SourceFile::parse(text, edition).errors().is_empty(),
        "{edition:?}: a file with syntax errors was edited"
    );
    let errors = SourceFile::parse(&after, edition).errors();
    assert!(errors.is_empty(), "{edition:?}: the fixed file does not parse: {errors:?}\n{after}");
    let again = fix_file(&after, edition, None, options);
    assert!(
        again.new_text.is_none(),
        "{edition:?}: not idempotent, a second run changed the fixed file:\n{after}"
    );
    let findings_after = check_source(&after, edition, options.check);
    assert!(
        findings_after.len() <= before.len(),
        "{edition:?}: {} findings before the fix, {} after:\n{after}",
        before.len(),
        findings_after.len()
    );
}
