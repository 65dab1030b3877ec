//! What a run parses and walks (`driver::select`, `ItemIndex::walk_filter`) never changes what
//! it reports: a fn is skipped only when its text spells none of the words a guard needs, the
//! crate's own guard-giving names among them (a fn in another file returning a `MutexGuard`).

mod common;

use std::path::Path;
use std::process::Command;

fn write(root: &Path, relative: &str, contents: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// The findings as `file:line kind`.
fn check(root: &Path) -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .args(["check", "--format", "json", "--semantic", "never", "--no-cache"])
        .arg(root)
        .output()
        .expect("guardfix runs");
    common::finding_lines(&output.stdout)
}

const STATE: &str = "use std::sync::{Mutex, MutexGuard};

pub struct State {
    m: Mutex<u32>,
}

impl State {
    pub fn current(&self) -> MutexGuard<'_, u32> {
        self.m.lock().unwrap()
    }
}
";

/// `current` is the only word in the first fn that says it holds a guard; the file is analysed
/// for the second fn's `lock`.
const HANDLERS: &str = "use crate::state::State;

pub async fn read_through_a_crate_fn(s: &State) -> u32 {
    let value = s.current();
    crate::tick().await;
    *value
}

pub fn unrelated(m: &std::sync::Mutex<u8>) -> u8 {
    *m.lock().unwrap()
}

pub async fn nothing_held() {
    crate::tick().await;
}
";

#[test]
fn a_guard_named_only_by_a_crate_fn_in_another_file_is_still_walked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        "[package]\nname = \"walked\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(root, "src/lib.rs", "pub mod handlers;\npub mod state;\npub async fn tick() {}\n");
    write(root, "src/state.rs", STATE);
    write(root, "src/handlers.rs", HANDLERS);
    let handlers = Path::new("src").join("handlers.rs").display().to_string();
    assert_eq!(check(root), [format!("{handlers}:4 guard-held-across-await")]);
}
