//! Fix fixtures: every file under `transforms/scope/` and `transforms/drop/` is fixed with that
//! strategy in editions 2021 and 2024; the snapshot holds the diff, what was applied and what
//! was skipped. Every result must parse, be free of findings the fix claimed to remove, and be
//! a fixpoint: fixing it again changes nothing.

use guardfix::analyse::CheckOptions;
use guardfix::discover::Edition;
use guardfix::edit::engine::{FileFixes, FixOptions, StrategyChoice, fix_file};
use guardfix::finding::Strategy;
use guardfix::render::diff::unified_diff;
use guardfix::render::line_index::LineIndex;

fn describe(name: &str, text: &str, fixes: &FileFixes) -> String {
    let index = LineIndex::new(text);
    let mut out = String::new();
    for applied in &fixes.applied {
        out.push_str(&format!(
            "applied {} ({:?}) to {}\n",
            applied.strategy.name(),
            applied.applicability,
            applied.finding.binding.as_deref().unwrap_or("a temporary")
        ));
    }
    for skipped in &fixes.skipped {
        let line = index.line_col(skipped.finding.acquire.start).0;
        out.push_str(&format!("skipped line {line}: {}\n", skipped.reason));
    }
    let after = fixes.new_text.as_deref().unwrap_or(text);
    out.push_str(&unified_diff(name, text, after, false));
    out
}

fn run(text: &str, name: &str, strategy: Strategy, edition: Edition, unsafe_fixes: bool) -> String {
    let options = FixOptions {
        strategy: StrategyChoice::Only(strategy),
        unsafe_fixes,
        check: CheckOptions::default(),
    };
    let fixes = fix_file(text, edition, None, options);
    if let Some(after) = &fixes.new_text {
        assert!(
            ra_ap_syntax::SourceFile::parse(after, edition).errors().is_empty(),
            "{name}: result does not parse"
        );
        let again = fix_file(after, edition, None, options);
        assert!(
            again.new_text.is_none(),
            "{name}: a second run changed the file again:\n{}",
            again.new_text.unwrap()
        );
    }
    describe(name, text, &fixes)
}

fn fixture_test(folder: &str, strategy: Strategy) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("../transforms", &format!("{folder}/*.rs"), |path| {
            let text = std::fs::read_to_string(path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let unsafe_fixes = text.contains("// options: unsafe-fixes");
            let e2021 = run(&text, &name, strategy, Edition::Edition2021, unsafe_fixes);
            let e2024 = run(&text, &name, strategy, Edition::Edition2024, unsafe_fixes);
            let report = if e2021 == e2024 {
                format!("== editions 2021 and 2024 ==\n{e2021}")
            } else {
                format!("== edition 2021 ==\n{e2021}\n== edition 2024 ==\n{e2024}")
            };
            insta::assert_snapshot!(folder, report);
        });
    });
}

#[test]
fn scope_fixtures() {
    fixture_test("scope", Strategy::Scope);
}

#[test]
fn drop_fixtures() {
    fixture_test("drop", Strategy::Drop);
}
