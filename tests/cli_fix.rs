//! `guardfix fix` as a user runs it: dry run changes nothing, `--write` keeps CRLF and
//! permissions, refuses dirty git trees, read-only files, and never half-writes a file.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

const HELD: &str = "use std::sync::Mutex;\nasync fn tick() {}\npub async fn f(m: &Mutex<Vec<u32>>) -> usize {\n    let mut g = m.lock().unwrap();\n    g.push(1);\n    let n = g.len();\n    tick().await;\n    n\n}\n";

fn guardfix(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardfix")).args(args).output().expect("guardfix runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn file_with(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("lib.rs");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn dry_run_prints_a_diff_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = file_with(dir.path(), HELD);
    let output = guardfix(&["fix", path.to_str().unwrap(), "--color", "never"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let diff = String::from_utf8_lossy(&output.stdout);
    assert!(
        diff.contains("+    let n = {") && diff.contains("-    let mut g = m.lock().unwrap();"),
        "{diff}"
    );
    assert!(!diff.contains("\u{1b}["), "no colour with --color never");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), HELD);
    assert!(stderr(&output).contains("would fix 1 finding"), "{}", stderr(&output));
}

#[test]
fn write_keeps_crlf_and_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let path = file_with(dir.path(), &HELD.replace('\n', "\r\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let output = guardfix(&["fix", path.to_str().unwrap(), "--write", "--allow-no-vcs"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("let n = {\r\n"), "{written:?}");
    assert!(
        !written.replace("\r\n", "").contains('\n'),
        "every line ending stays CRLF: {written:?}"
    );
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
    let again = guardfix(&["fix", path.to_str().unwrap(), "--write", "--allow-no-vcs"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written, "a second run changes nothing");
    assert!(stderr(&again).contains("fixed 0 findings"), "{}", stderr(&again));
}

#[test]
fn write_refuses_a_read_only_file_and_leaves_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = file_with(dir.path(), HELD);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let output = guardfix(&["fix", path.to_str().unwrap(), "--write", "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("read-only"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), HELD);
}

#[test]
fn write_refuses_outside_git_and_a_dirty_tree_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = file_with(dir.path(), HELD);
    let outside = guardfix(&["fix", dir.path().to_str().unwrap(), "--write"]);
    assert_eq!(outside.status.code(), Some(2));
    assert!(stderr(&outside).contains("--allow-no-vcs"), "{}", stderr(&outside));

    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(status.status.success(), "git {args:?}: {}", stderr(&status));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "start"]);
    std::fs::write(dir.path().join("notes.txt"), "uncommitted").unwrap();
    let dirty = guardfix(&["fix", dir.path().to_str().unwrap(), "--write"]);
    assert_eq!(dirty.status.code(), Some(2));
    assert!(stderr(&dirty).contains("--allow-dirty"), "{}", stderr(&dirty));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), HELD);

    let allowed = guardfix(&["fix", dir.path().to_str().unwrap(), "--write", "--allow-dirty"]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    assert_ne!(std::fs::read_to_string(&path).unwrap(), HELD);
}

#[test]
fn files_with_syntax_errors_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let broken = format!("{HELD}\nfn broken( {{\n");
    let path = file_with(dir.path(), &broken);
    let output = guardfix(&["fix", path.to_str().unwrap(), "--write", "--allow-no-vcs"]);
    assert!(stderr(&output).contains("syntax errors"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}

#[test]
fn maybe_incorrect_fixes_need_unsafe_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let text = "use std::sync::Mutex;\nasync fn v() -> u32 { 1 }\nfn side() -> u32 { 0 }\npub async fn f(m: &Mutex<Vec<u32>>) {\n    m.lock().unwrap().extend([side(), v().await]);\n}\n";
    let path = file_with(dir.path(), text);
    let safe = guardfix(&["fix", path.to_str().unwrap()]);
    assert!(stderr(&safe).contains("--unsafe-fixes"), "{}", stderr(&safe));
    assert!(safe.stdout.is_empty());
    let unsafe_fixes = guardfix(&["fix", path.to_str().unwrap(), "--unsafe-fixes"]);
    let diff = String::from_utf8_lossy(&unsafe_fixes.stdout);
    assert!(diff.contains("+    let v_result = v().await;"), "{diff}");
    assert!(diff.starts_with("# MaybeIncorrect fixes in"), "the diff marks the unsafe fix: {diff}");
    assert!(stderr(&unsafe_fixes).contains("1 MaybeIncorrect"), "{}", stderr(&unsafe_fixes));
}
