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
/// method named `len` is taken to return a count).
/// This is a real fix guardfix makes today, not a planted error: the test proves that cargo's
/// error is mapped to the file whose changed lines it points at, that only that file is
/// reverted, and that the workspace compiles afterwards. Should guardfix learn to leave
/// `names.rs` alone, this fixture needs a new fix that does not compile.
#[test]
fn fix_write_verify_reverts_the_file_whose_fix_does_not_compile() {
    let (_scratch, project) = scratch_copy("tests/projects/verify_borrow");
    let names = read(&project.join("src/names.rs"));
    let dry_run = guardfix(&["fix", project.to_str().unwrap(), "--color", "never"]);
    assert!(
        String::from_utf8_lossy(&dry_run.stdout).contains("+++ b/src/names.rs"),
        "the fixture relies on guardfix fixing names.rs"
    );

    let output =
        guardfix(&["fix", project.to_str().unwrap(), "--write", "--verify", "--allow-no-vcs"]);
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    assert!(
        report.contains("reverted src/names.rs to its original contents"),
        "names.rs's fix breaks the build and must be reverted:\n{report}"
    );
    assert!(report.contains("error[E0597]: `guard` does not live long enough"), "{report}");
    assert!(
        report.contains("verified: cargo check passes (1 of 2 changed files reverted)"),
        "{report}"
    );
    assert_eq!(read(&project.join("src/names.rs")), names);
    assert!(
        read(&project.join("src/counter.rs")).contains("let value = {"),
        "counter.rs stays fixed"
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
