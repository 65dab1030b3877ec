//! End to end: `guardfix fix --write` on a real cargo project, then `cargo check`, clippy with
//! the await-holding lints denied, a module asserting the fixed futures are `Send`, and the
//! project's own tests. A second run must find nothing more to fix.

mod common;

use common::{cargo, guardfix, scratch_copy, stderr};

#[test]
fn fix_write_then_cargo_check_clippy_send_and_tests() {
    let (_scratch, project) = scratch_copy("demo");
    let project_arg = project.to_str().unwrap();

    let fixed = guardfix(&["fix", project_arg, "--write", "--allow-no-vcs"]);
    let summary = String::from_utf8_lossy(&fixed.stderr);
    assert!(fixed.status.success(), "fix --write failed:\n{summary}");
    assert!(summary.contains("fixed 5 findings"), "unexpected summary:\n{summary}");

    // The fixed futures are Send: this module only compiles if they are.
    let lib = project.join("src/lib.rs");
    let mut text = std::fs::read_to_string(&lib).unwrap();
    text.push_str(
        "\n#[cfg(test)]\nmod send_check {\n    fn assert_send<T: Send>(_: T) {}\n    #[test]\n    fn fixed_futures_are_send() {\n        let cache = super::Cache::default();\n        assert_send(cache.record(\"k\"));\n        assert_send(cache.count_hit());\n        assert_send(cache.insert_fetched(\"k\"));\n        assert_send(cache.describe(\"k\"));\n        assert_send(super::shared_counter(Default::default()));\n    }\n}\n",
    );
    std::fs::write(&lib, text).unwrap();

    let check = cargo(&project, &["check", "--all-targets", "--quiet"]);
    assert!(
        check.status.success(),
        "cargo check failed:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let clippy = cargo(
        &project,
        &[
            "clippy",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
            "-D",
            "clippy::await_holding_lock",
            "-D",
            "clippy::await_holding_refcell_ref",
        ],
    );
    assert!(
        clippy.status.success(),
        "clippy is not clean:\n{}",
        String::from_utf8_lossy(&clippy.stderr)
    );
    let tests = cargo(&project, &["test", "--quiet"]);
    assert!(
        tests.status.success(),
        "the project's tests failed:\n{}",
        String::from_utf8_lossy(&tests.stderr)
    );

    // Idempotent: a second run has nothing left to fix.
    let again = guardfix(&["fix", project_arg, "--write", "--allow-no-vcs"]);
    let summary = String::from_utf8_lossy(&again.stderr);
    assert!(summary.contains("fixed 0 findings"), "second run changed something:\n{summary}");
}

/// A tokio project in edition 2024: before the fix its `send_check` module does not compile
/// (the futures are `!Send`); after `fix --write` it does, clippy is clean with the await lints
/// denied, and its own tests (which check what each fn computes) pass.
#[test]
fn tokio_project_becomes_send_and_keeps_its_behaviour() {
    let (_scratch, project) = scratch_copy("tests/projects/tokio_service");
    let project_arg = project.to_str().unwrap();

    let before = cargo(&project, &["check", "--tests", "--locked", "--quiet"]);
    assert!(!before.status.success(), "the fixture should not compile before the fix");
    assert!(
        stderr(&before).contains("cannot be sent between threads safely"),
        "{}",
        stderr(&before)
    );

    let fixed = guardfix(&["fix", project_arg, "--write", "--allow-no-vcs"]);
    assert!(fixed.status.success(), "fix --write failed:\n{}", stderr(&fixed));
    assert!(
        stderr(&fixed).contains("fixed 10 findings"),
        "unexpected summary:\n{}",
        stderr(&fixed)
    );

    let check = cargo(&project, &["check", "--all-targets", "--locked", "--quiet"]);
    assert!(check.status.success(), "cargo check failed after the fix:\n{}", stderr(&check));
    let clippy = cargo(
        &project,
        &[
            "clippy",
            "--all-targets",
            "--locked",
            "--quiet",
            "--",
            "-D",
            "warnings",
            "-D",
            "clippy::await_holding_lock",
            "-D",
            "clippy::await_holding_refcell_ref",
        ],
    );
    assert!(clippy.status.success(), "clippy is not clean after the fix:\n{}", stderr(&clippy));
    let tests = cargo(&project, &["test", "--locked", "--quiet"]);
    assert!(
        tests.status.success(),
        "the project's own tests failed after the fix:\n{}",
        stderr(&tests)
    );

    let again = guardfix(&["fix", project_arg, "--write", "--allow-no-vcs"]);
    assert!(
        stderr(&again).contains("fixed 0 findings"),
        "second run changed something:\n{}",
        stderr(&again)
    );
    let check = guardfix(&["check", project_arg]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "findings left after the fix:\n{}",
        String::from_utf8_lossy(&check.stdout)
    );
}
