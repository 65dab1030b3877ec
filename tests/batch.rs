//! Batch migration as a user runs it: `migrate` writes one pending snapshot per changed file,
//! snapshots are accepted or rejected (by hand, through insta's own load-and-save, and through
//! the interactive `review` in a pseudo-terminal), `apply` writes exactly the accepted ones,
//! refuses stale ones, and `--verify` (on `apply` and `fix --write`) reverts a fix that does not
//! compile.

mod common;

use common::{copy_dir, guardfix, scratch_copy, stderr};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

/// guardfix running cargo (`--verify`), with a target folder kept between tests.
fn guardfix_with_cargo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .args(args)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("batch-projects"))
        .output()
        .expect("guardfix runs")
}

/// The demo crate with two more copies of its code (`src/b.rs`, `src/c.rs`) and a clean file:
/// three files to fix, one to leave alone. `count_hit` goes: its lock is switched to tokio's,
/// which edits `Cargo.toml` too (a lock switch's snapshots have tests of their own).
fn three_file_project() -> (tempfile::TempDir, PathBuf) {
    let (scratch, project) = scratch_copy("demo");
    let lib = std::fs::read_to_string(project.join("src/lib.rs")).unwrap();
    let start = lib.find("    /// The guard is never read").expect("the demo's count_hit");
    let end = start + lib[start..].find("    }\n\n").expect("its end") + "    }\n\n".len();
    let lib = format!("{}{}", &lib[..start], &lib[end..]);
    std::fs::write(project.join("src/lib.rs"), &lib).unwrap();
    std::fs::write(project.join("src/b.rs"), &lib).unwrap();
    std::fs::write(project.join("src/c.rs"), &lib).unwrap();
    std::fs::write(project.join("src/clean.rs"), "pub fn clean() {}\n").unwrap();
    (scratch, project)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn migrate(project: &Path) -> (PathBuf, Output) {
    let snapshots = project.join("guardfix-snapshots");
    let output = guardfix(&[
        "migrate",
        project.to_str().unwrap(),
        "--snapshots",
        snapshots.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "migrate failed:\n{}", stderr(&output));
    (snapshots, output)
}

/// What `fix --write` makes of `file` on its own copy of `project`: the expected result of
/// applying that file's snapshot.
fn fixed_by_fix_write(project: &Path, file: &str) -> String {
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("copy");
    copy_dir(project, &copy);
    let output = guardfix(&["fix", copy.to_str().unwrap(), "--write", "--allow-no-vcs"]);
    assert!(output.status.success(), "{}", stderr(&output));
    read(&copy.join(file))
}

fn accept(snapshots: &Path, stem: &str) {
    let pending = snapshots.join(format!("{stem}.snap.new"));
    std::fs::rename(&pending, snapshots.join(format!("{stem}.snap"))).unwrap();
}

#[test]
fn migrate_writes_one_pending_snapshot_per_changed_file() {
    let (_scratch, project) = three_file_project();
    let before = read(&project.join("src/lib.rs"));
    let (snapshots, output) = migrate(&project);
    assert_eq!(
        names_in(&snapshots),
        ["src__b.rs.snap.new", "src__c.rs.snap.new", "src__lib.rs.snap.new"],
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&project.join("src/lib.rs")), before, "migrate changes no source");
    assert!(stderr(&output).contains("wrote 3 pending snapshots"), "{}", stderr(&output));

    let snapshot = read(&snapshots.join("src__lib.rs.snap.new"));
    let hash: String =
        Sha256::digest(before.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let header = format!(
        "---\nsource: src/lib.rs\ndescription: 4 findings fixed (4 by scope)\nexpression: guardfix fix --strategy auto\ninfo:\n  guardfix: {}\n  root: \"..\"\n  source_hash: {hash}\n  edition: \"2021\"\n  strategy: auto\n  unsafe_fixes: false\n  include_async_locks: false\n  findings:\n    - \"line 24: guard `log` of `std::sync::RwLock` held across an await: fixed by scope\"\n",
        env!("CARGO_PKG_VERSION")
    );
    assert!(snapshot.starts_with(&header), "{snapshot}");
    // The body is the same diff `fix` prints for the file.
    let body = snapshot.split_once("\n---\n").unwrap().1;
    let fix = guardfix(&["fix", project.to_str().unwrap(), "--color", "never"]);
    let fix_diff = String::from_utf8_lossy(&fix.stdout);
    assert!(body.starts_with("--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ "), "{body}");
    assert!(fix_diff.contains(body), "body:\n{body}\nfix:\n{fix_diff}");

    // Running again rewrites the same files, byte for byte.
    migrate(&project);
    assert_eq!(read(&snapshots.join("src__lib.rs.snap.new")), snapshot);
}

#[test]
fn apply_writes_exactly_the_accepted_snapshots() {
    let (_scratch, project) = three_file_project();
    let original = read(&project.join("src/lib.rs"));
    let (snapshots, _) = migrate(&project);
    // Accepted by renaming, as `guardfix review` does.
    accept(&snapshots, "src__b.rs");
    // Accepted the way `cargo insta review` does: insta loads the pending snapshot and saves it
    // under the accepted name, keeping only the metadata it knows (`info` among them).
    let pending = snapshots.join("src__lib.rs.snap.new");
    insta::Snapshot::from_file(&pending)
        .unwrap()
        .save(&snapshots.join("src__lib.rs.snap"))
        .unwrap();
    std::fs::remove_file(&pending).unwrap();
    // Rejected.
    std::fs::remove_file(snapshots.join("src__c.rs.snap.new")).unwrap();

    let expected_b = fixed_by_fix_write(&project, "src/b.rs");
    let expected_lib = fixed_by_fix_write(&project, "src/lib.rs");
    let output = guardfix(&["apply", "--snapshots", snapshots.to_str().unwrap(), "--allow-no-vcs"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("applied 2 snapshots, refused 0"), "{}", stderr(&output));
    assert_eq!(read(&project.join("src/b.rs")), expected_b);
    assert_eq!(read(&project.join("src/lib.rs")), expected_lib);
    assert_eq!(read(&project.join("src/c.rs")), original, "the rejected file is untouched");
    assert_eq!(names_in(&snapshots), Vec::<String>::new(), "applied snapshots are deleted");

    let again = guardfix(&["apply", "--snapshots", snapshots.to_str().unwrap(), "--allow-no-vcs"]);
    assert!(stderr(&again).contains("applied 0 snapshots"), "{}", stderr(&again));
    // The rejected file comes back on the next migrate; the fixed ones do not.
    let (_, output) = migrate(&project);
    assert_eq!(names_in(&snapshots), ["src__c.rs.snap.new"], "{}", stderr(&output));
}

#[test]
fn pending_snapshots_are_not_applied() {
    let (_scratch, project) = three_file_project();
    let original = read(&project.join("src/lib.rs"));
    let (snapshots, _) = migrate(&project);
    let output = guardfix(&["apply", "--snapshots", snapshots.to_str().unwrap(), "--allow-no-vcs"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("3 pending snapshots left for review"), "{}", stderr(&output));
    assert_eq!(read(&project.join("src/lib.rs")), original);
    assert_eq!(names_in(&snapshots).len(), 3);
}

#[test]
fn a_stale_snapshot_is_refused_and_the_file_left_alone() {
    let (_scratch, project) = three_file_project();
    let (snapshots, _) = migrate(&project);
    accept(&snapshots, "src__lib.rs");
    accept(&snapshots, "src__b.rs");
    let lib = project.join("src/lib.rs");
    let edited = format!("{}// edited after the snapshot was taken\n", read(&lib));
    std::fs::write(&lib, &edited).unwrap();

    let output = guardfix(&["apply", "--snapshots", snapshots.to_str().unwrap(), "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "refused src/lib.rs: src/lib.rs changed since the snapshot was taken; run migrate again"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&lib), edited, "the stale file is untouched");
    assert!(snapshots.join("src__lib.rs.snap").exists(), "its snapshot stays");
    assert_ne!(read(&project.join("src/b.rs")), read(&project.join("src/c.rs")), "b.rs applied");
    assert!(!snapshots.join("src__b.rs.snap").exists());
}

#[test]
fn review_in_a_terminal_accepts_rejects_and_skips_with_one_key() {
    let (_scratch, project) = three_file_project();
    let (snapshots, _) = migrate(&project);
    let mut command = Command::new(env!("CARGO_BIN_EXE_guardfix"));
    command.args(["review", "--snapshots", snapshots.to_str().unwrap()]);
    command.env_remove("NO_COLOR").env("TERM", "xterm");
    let options = rexpect::session::Options::new().timeout_ms(Some(30_000));
    let mut session = rexpect::session::spawn_with_options(command, options).unwrap();

    let shown = session.exp_string("q quit").unwrap();
    assert!(shown.contains("Snapshot 1/3: src/b.rs"), "{shown}");
    assert!(shown.contains("line 24: guard `log`"), "findings are listed: {shown}");
    assert!(shown.contains("\u{1b}[32m+"), "a terminal gets a coloured diff: {shown}");
    // One key, no Enter: raw mode.
    session.send("a").unwrap();
    session.flush().unwrap();
    session.exp_string("accepted: src__b.rs.snap").unwrap();
    let shown = session.exp_string("q quit").unwrap();
    assert!(shown.contains("Snapshot 2/3: src/c.rs"), "{shown}");
    session.send("x").unwrap(); // means nothing: asked again
    session.flush().unwrap();
    session.exp_string("press a, r, s or q").unwrap();
    session.send("r").unwrap();
    session.flush().unwrap();
    session.exp_string("rejected: src__c.rs.snap.new deleted").unwrap();
    session.exp_string("Snapshot 3/3: src/lib.rs").unwrap();
    session.exp_string("q quit").unwrap();
    session.send("s").unwrap();
    session.flush().unwrap();
    session.exp_string("skipped: src__lib.rs.snap.new stays pending").unwrap();
    session.exp_eof().unwrap();

    assert_eq!(names_in(&snapshots), ["src__b.rs.snap", "src__lib.rs.snap.new"]);
}

#[test]
fn review_reads_lines_when_stdin_is_not_a_terminal() {
    let (_scratch, project) = three_file_project();
    let (snapshots, _) = migrate(&project);
    let mut child = Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .args(["review", "--snapshots", snapshots.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"r\nq\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(!shown.contains('\u{1b}'), "no colour off a terminal: {shown}");
    assert!(
        stderr(&output).contains("accepted 0, rejected 1, 2 still pending"),
        "{}",
        stderr(&output)
    );
    assert_eq!(names_in(&snapshots), ["src__c.rs.snap.new", "src__lib.rs.snap.new"]);
}

/// The git check of `fix --write` applies to `apply`, but the snapshot folder (untracked,
/// inside the repository) does not make the tree dirty.
#[test]
fn apply_checks_git_but_not_the_snapshot_folder() {
    let (_scratch, project) = three_file_project();
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&project)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {}", stderr(&output));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "start"]);
    let (snapshots, _) = migrate(&project);
    accept(&snapshots, "src__lib.rs");

    std::fs::write(project.join("notes.txt"), "uncommitted").unwrap();
    let dirty = guardfix(&["apply", "--snapshots", snapshots.to_str().unwrap()]);
    assert_eq!(dirty.status.code(), Some(2), "{}", stderr(&dirty));
    assert!(stderr(&dirty).contains("notes.txt"), "{}", stderr(&dirty));
    assert!(!stderr(&dirty).contains("guardfix-snapshots"), "{}", stderr(&dirty));
    assert!(snapshots.join("src__lib.rs.snap").exists(), "nothing was applied");

    std::fs::remove_file(project.join("notes.txt")).unwrap();
    let clean = guardfix(&["apply", "--snapshots", snapshots.to_str().unwrap()]);
    assert!(clean.status.success(), "{}", stderr(&clean));
    assert!(stderr(&clean).contains("applied src/lib.rs"), "{}", stderr(&clean));
}

/// `verify_borrow` (see `tests/verify.rs`): the fix of `names.rs` does not compile, the one of
/// `counter.rs` does. Both snapshots are accepted; `--verify` keeps one and reverts the other.
#[test]
fn apply_verify_keeps_the_snapshot_of_a_reverted_file() {
    let (_scratch, project) = scratch_copy("tests/projects/verify_borrow");
    let names = read(&project.join("src/names.rs"));
    let (snapshots, _) = migrate(&project);
    accept(&snapshots, "src__names.rs");
    accept(&snapshots, "src__counter.rs");
    let output = guardfix_with_cargo(&[
        "apply",
        "--snapshots",
        snapshots.to_str().unwrap(),
        "--verify",
        "--allow-no-vcs",
    ]);
    let report = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "a snapshot was not applied:\n{report}");
    assert!(report.contains("applied src/counter.rs"), "{report}");
    assert!(report.contains("reverted src/names.rs: cargo check failed"), "{report}");
    assert!(report.contains("E0597"), "{report}");
    assert_eq!(read(&project.join("src/names.rs")), names);
    assert_eq!(names_in(&snapshots), ["src__names.rs.snap"], "only the reverted one stays");
}
