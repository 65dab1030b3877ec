//! `guardfix fix --write --verify` on a project where one of guardfix's fixes does not compile.

mod common;

use common::scratch_copy;

use std::path::Path;
use std::process::{Command, Output};

/// guardfix running cargo, with a target folder kept between runs.
fn guardfix(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .args(args)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("verify-projects"))
        .output()
        .expect("guardfix runs")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `verify_borrow`'s two files get the same kind of fix; in `names.rs` it cannot compile
/// (`Names::len` returns a borrow of the guard, which guardfix cannot see without types: a
/// method named `len` is taken to return a count). `fix --write` checks the result with
/// cargo by default: the error is mapped to the fix whose fn it is in, only that fix is taken
/// back, and the workspace compiles afterwards.
#[test]
fn fix_write_takes_back_the_fix_that_does_not_compile() {
    let (_scratch, project) = scratch_copy("tests/projects/verify_borrow");
    let names = read(&project.join("src/names.rs"));
    let dry_run = guardfix(&["fix", project.to_str().unwrap(), "--color", "never"]);
    assert!(
        String::from_utf8_lossy(&dry_run.stdout).contains("+++ b/src/names.rs"),
        "the fixture relies on guardfix fixing names.rs"
    );

    let output = guardfix(&["fix", project.to_str().unwrap(), "--write", "--allow-no-vcs"]);
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    assert!(
        report.contains("took back the scope fix of src/names.rs:17"),
        "names.rs's fix breaks the build and must be taken back:\n{report}"
    );
    assert!(report.contains("error[E0597]: `guard` does not live long enough"), "{report}");
    assert!(
        report.contains("verified: cargo check passes (kept 1 of 2 fixes, took back 1;"),
        "{report}"
    );
    assert_eq!(read(&project.join("src/names.rs")), names);
    assert!(
        read(&project.join("src/counter.rs")).contains("let value = {"),
        "counter.rs stays fixed"
    );
}

/// One bad fix among four in one file, in a crate that did not compile before (a `!Send`
/// future handed to a fn that needs `Send`, and an error of its own in another file): only
/// the bad fix is taken back, the `!Send` error the fixes were for is gone, and the old error
/// is said but not blamed on guardfix (nothing reverted for it, exit 0).
#[test]
fn verify_takes_back_one_fix_and_leaves_errors_that_were_there_before() {
    let (_scratch, project) = scratch_copy("tests/projects/verify_per_fix");
    let before = read(&project.join("src/lib.rs"));
    let output = guardfix(&["fix", project.to_str().unwrap(), "--write", "--allow-no-vcs"]);
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    assert!(report.contains("before writing it had 2 errors"), "{report}");
    assert!(report.contains("took back the scope fix of src/lib.rs:37"), "{report}");
    assert_eq!(report.matches("took back the").count(), 1, "only the bad fix:\n{report}");
    assert!(
        report.contains("cargo check still fails, with 1 error the workspace had before guardfix wrote anything and none from its fixes (kept 3 of 4 fixes, took back 1;"),
        "{report}"
    );
    let after = read(&project.join("src/lib.rs"));
    let bad = |text: &str| {
        text[text.find("pub async fn bad").unwrap()..text.find("pub async fn good_c").unwrap()]
            .to_owned()
    };
    assert_eq!(bad(&after), bad(&before), "the bad fn is as it was");
    for kept in ["let value = {", "let count = {", "let empty = {"] {
        assert!(after.contains(kept), "{kept} missing:\n{after}");
    }
    assert_eq!(
        read(&project.join("src/old.rs")),
        read(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects/verify_per_fix/src/old.rs")
        )
    );
}

#[test]
fn verify_needs_write_and_a_cargo_project() {
    let without_write = guardfix(&["fix", ".", "--verify"]);
    assert_eq!(without_write.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&without_write.stderr).contains("--write"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.rs"), "fn f() {}\n").unwrap();
    let output =
        guardfix(&["fix", dir.path().to_str().unwrap(), "--write", "--verify", "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(2));
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(report.contains("--verify needs a cargo project"), "{report}");
}
