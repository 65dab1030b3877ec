//! Helpers the end-to-end tests share: scratch copies of fixture projects, and running
//! guardfix and cargo on them.

#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Copies a fixture folder, leaving out any `target` folder.
pub fn copy_dir(from: &Path, to: &Path) {
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

/// A scratch copy of `fixture` (relative to the repository) as `<temp>/project`.
pub fn scratch_copy(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let scratch = tempfile::tempdir().unwrap();
    let project = scratch.path().join("project");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture), &project);
    (scratch, project)
}

/// Cargo on a scratch copy, with a target folder kept between tests so dependencies build once.
pub fn cargo(project: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(project)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-projects"))
        .output()
        .expect("cargo runs")
}

/// guardfix, whose `fix --write` checks the result with cargo: in the target folder `cargo`
/// uses, so dependencies build once.
pub fn guardfix(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .args(args)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-projects"))
        .output()
        .expect("guardfix runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn stderr(output: &Output) -> String {
    text(&output.stderr)
}

/// The findings of `check --format json` output as `file:line kind` (the acquisition's line).
pub fn finding_lines(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|record| record["type"] == "finding")
        .map(|record| {
            format!(
                "{}:{} {}",
                record["file"].as_str().unwrap(),
                record["acquire"]["line_start"],
                record["kind"].as_str().unwrap()
            )
        })
        .collect()
}
