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
