//! End to end: `guardfix fix --write` on a real cargo project, then `cargo check`, clippy with
//! the await-holding lints denied, a module asserting the fixed futures are `Send`, and the
//! project's own tests. A second run must find nothing more to fix.

use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Cargo on a scratch copy, with a target folder kept between runs so dependencies build once.
fn cargo(project: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(project)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-projects"))
        .output()
        .expect("cargo runs")
}

fn scratch_copy(fixture: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let scratch = tempfile::tempdir().unwrap();
    let project = scratch.path().join("project");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture), &project);
    (scratch, project)
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn guardfix(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_guardfix")).args(args).output().expect("guardfix runs")
}

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
