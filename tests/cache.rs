//! The persistent cache (`src/cache.rs`) end to end: a rerun answers as a fresh run would, after
//! edits to the file itself, to a declaration in another file of its crate, to the options, and
//! with the cache damaged; `--no-cache` writes none.

mod common;

use std::path::Path;
use std::process::Command;

fn write(root: &Path, relative: &str, contents: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// The findings' lines as `file:line kind`, and the exit code.
fn check(root: &Path, extra: &[&str]) -> (Vec<String>, Option<i32>) {
    let output = Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .args(["check", "--format", "json", "--semantic", "never"])
        .arg(root)
        .args(extra)
        // The cache goes to cargo's target folder: the crate's own, whatever this run uses.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .expect("guardfix runs");
    (common::finding_lines(&output.stdout), output.status.code())
}

const MANIFEST: &str =
    "[package]\nname = \"cached\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n";

const STATE_STD: &str = "pub struct State {\n    pub inner: std::sync::Mutex<Vec<u8>>,\n}\n";
/// The same field as an async-aware lock: `inner.lock()` is no blocking lock's any more.
const STATE_TOKIO: &str = "pub struct State {\n    pub inner: tokio::sync::Mutex<Vec<u8>>,\n}\n";

/// `inner` is only known to be a lock through `state.rs`: the finding depends on the index.
const HANDLER: &str = "use crate::state::State;

async fn tick() {}

pub async fn handle(s: &State) {
    let mut g = s.inner.lock().unwrap();
    g.push(1);
    tick().await;
    g.push(2);
}
";

/// A crate whose handler holds a guard of the lock `state.rs` declares.
fn one_crate(root: &Path) {
    write(root, "Cargo.toml", MANIFEST);
    write(root, "src/lib.rs", "pub mod handler;\npub mod state;\n");
    write(root, "src/state.rs", STATE_STD);
    write(root, "src/handler.rs", HANDLER);
}

#[test]
fn reruns_answer_as_fresh_runs_do() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_crate(root);
    let cache_file = root.join("target/guardfix/check-cache");

    let held = vec!["src/handler.rs:6 guard-held-across-await".to_owned()];
    assert_eq!(check(root, &[]), (held.clone(), Some(1)), "cold");
    assert!(cache_file.is_file(), "the cache lives under cargo's target folder");
    assert_eq!(check(root, &[]), (held.clone(), Some(1)), "warm: the same answer");

    // The file itself changes: analysed again.
    let released = HANDLER
        .replace(
            "    let mut g = s.inner.lock().unwrap();\n    g.push(1);\n",
            "    s.inner.lock().unwrap().push(1);\n",
        )
        .replace("    g.push(2);\n", "");
    write(root, "src/handler.rs", &released);
    assert_eq!(check(root, &[]), (vec![], Some(0)), "the edited file");
    write(root, "src/handler.rs", HANDLER);
    assert_eq!(check(root, &[]), (held.clone(), Some(1)), "back as it was");

    // Only a declaration in another file changes: the handler's cached findings must not stand.
    write(root, "src/state.rs", STATE_TOKIO);
    assert_eq!(check(root, &[]), (vec![], Some(0)), "the lock is tokio's now");
    let awaited = HANDLER.replace("s.inner.lock().unwrap()", "s.inner.lock().await");
    write(root, "src/handler.rs", &awaited);
    assert_eq!(check(root, &[]), (vec![], Some(0)), "an async lock is not reported by default");
    let async_held = vec!["src/handler.rs:6 async-guard-held-across-await".to_owned()];
    assert_eq!(
        check(root, &["--include-async-locks"]),
        (async_held, Some(1)),
        "other options, other results"
    );
    assert_eq!(check(root, &[]), (vec![], Some(0)), "and back");
    write(root, "src/handler.rs", HANDLER);
    write(root, "src/state.rs", STATE_STD);
    assert_eq!(check(root, &[]), (held.clone(), Some(1)));

    // A damaged cache is an empty one.
    std::fs::write(&cache_file, b"\x01\x02not a cache").unwrap();
    assert_eq!(check(root, &[]), (held.clone(), Some(1)), "damaged cache");
}

#[test]
fn no_cache_writes_none() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_crate(root);
    let (findings, code) = check(root, &["--no-cache"]);
    assert_eq!((findings.len(), code), (1, Some(1)));
    assert!(!root.join("target/guardfix").exists(), "nothing written with --no-cache");
}

/// A `--semantic never` run does not count the syntax errors of a file that has only
/// candidates for types (it needs no count), so the cache keeps them as not counted: an `auto`
/// run after it counts them, and leaves the broken file to syntax as a fresh run would.
#[test]
fn errors_a_never_run_did_not_count_are_counted_when_types_need_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", MANIFEST);
    // `counter.lock()` on a receiver nothing here declares, alive at the await: a candidate.
    let broken = "pub async fn tick() {}\n\npub async fn through(counter: &Counter) -> bool {\n    let result = counter.lock();\n    let ok = result.is_ok();\n    tick().await;\n    ok\n}\n\nfn broken( {\n";
    write(root, "src/lib.rs", broken);
    let run = |semantic: &str| {
        Command::new(env!("CARGO_BIN_EXE_guardfix"))
            .args(["check", "--format", "json", "--semantic", semantic])
            .arg(root)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .output()
            .expect("guardfix runs")
    };
    let fresh = run("auto");
    let fresh_stderr = String::from_utf8_lossy(&fresh.stderr).into_owned();
    assert!(!fresh_stderr.contains("loading rust-analyzer"), "{fresh_stderr}");
    std::fs::remove_dir_all(root.join("target/guardfix")).unwrap();
    run("never");
    let after_never = run("auto");
    let stderr = String::from_utf8_lossy(&after_never.stderr);
    assert!(!stderr.contains("loading rust-analyzer"), "a file with syntax errors: {stderr}");
    assert_eq!(after_never.status.code(), fresh.status.code());
}

/// A new member crate appears without any existing manifest changing (a glob in `members`):
/// the remembered `cargo metadata` must not hide it.
#[test]
fn a_new_workspace_member_is_seen_on_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n");
    write(root, "crates/first/Cargo.toml", &MANIFEST.replace("cached", "first"));
    write(root, "crates/first/src/lib.rs", "pub mod handler;\npub mod state;\n");
    write(root, "crates/first/src/state.rs", STATE_STD);
    write(root, "crates/first/src/handler.rs", HANDLER);
    let (findings, _) = check(root, &[]);
    assert_eq!(findings, ["crates/first/src/handler.rs:6 guard-held-across-await"]);

    write(root, "crates/second/Cargo.toml", &MANIFEST.replace("cached", "second"));
    write(root, "crates/second/src/lib.rs", "pub mod handler;\npub mod state;\n");
    write(root, "crates/second/src/state.rs", STATE_STD);
    write(root, "crates/second/src/handler.rs", HANDLER);
    let (findings, _) = check(root, &[]);
    assert_eq!(
        findings,
        [
            "crates/first/src/handler.rs:6 guard-held-across-await",
            "crates/second/src/handler.rs:6 guard-held-across-await"
        ]
    );
}

/// Sets a file's modification time, as an editor saving twice within one tick of the file
/// system's clock, or a checkout of old files, leaves it.
fn set_modified(root: &Path, relative: &str, time: std::time::SystemTime) {
    let file = std::fs::File::options().write(true).open(root.join(relative)).unwrap();
    file.set_modified(time).unwrap();
}

/// An edit that keeps the file's length and modification time (a second save within the
/// timestamp's granularity) is still seen: a stamp that recent is never trusted. (Analysed files
/// are read on every run anyway: the edit here makes a file that awaited nothing hold a guard.)
#[test]
fn an_edit_that_keeps_a_fresh_stamp_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_crate(root);
    let later = "use crate::state::State;\nasync fn tick() {}\npub async fn later(s: &State) {\n    let g = s.inner.lock().unwrap();\n    tick().await;\n    drop(g);\n}\n";
    let placeholder = format!("{:<width$}\n", "// nothing yet", width = later.len() - 1);
    write(root, "src/lib.rs", "pub mod handler;\npub mod later;\npub mod state;\n");
    write(root, "src/later.rs", &placeholder);
    let held = vec!["src/handler.rs:6 guard-held-across-await".to_owned()];
    assert_eq!(check(root, &[]), (held.clone(), Some(1)));

    let modified = std::fs::metadata(root.join("src/later.rs")).unwrap().modified().unwrap();
    write(root, "src/later.rs", later);
    set_modified(root, "src/later.rs", modified);
    let both = vec![held[0].clone(), "src/later.rs:4 guard-held-across-await".to_owned()];
    assert_eq!(check(root, &[]), (both, Some(1)), "the new content, not the cached verdict");
}

/// A file whose settled stamp is the one recorded is not read again (the warm run's saving):
/// content swapped under an unchanged stamp goes unseen, and a new stamp has it read.
#[test]
fn a_file_with_its_recorded_stamp_is_not_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_crate(root);
    write(root, "src/lib.rs", "pub mod handler;\npub mod notes;\npub mod state;\n");
    write(root, "src/notes.rs", "pub fn f() { }\n");
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    set_modified(root, "src/notes.rs", an_hour_ago);
    let held = vec!["src/handler.rs:6 guard-held-across-await".to_owned()];
    assert_eq!(check(root, &[]), (held.clone(), Some(1)), "cold: read, and its stamp recorded");

    // Not UTF-8 any more, same length, same time: a run that read it would fail on it.
    std::fs::write(root.join("src/notes.rs"), b"pub fn f() {\xff}\n").unwrap();
    set_modified(root, "src/notes.rs", an_hour_ago);
    assert_eq!(check(root, &[]), (held.clone(), Some(1)), "not read: the stamp says unchanged");

    set_modified(root, "src/notes.rs", std::time::SystemTime::now());
    assert_eq!(check(root, &[]), (held, Some(2)), "read again: the bad file is an error");
}
