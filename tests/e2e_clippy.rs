//! guardfix against clippy on a real cargo project: `tests/projects/clippy_agreement`.
//!
//! Every fn of the fixture carries a `// expect: both|guardfix-only|clippy-only|none` comment
//! saying which of clippy's `await_holding_lock` / `await_holding_refcell_ref` and guardfix flag
//! it. The test runs both tools on a copy of the project, maps every finding to the fn whose
//! `fn NAME` line is the last one at or above it, and compares each fn with its expectation, so
//! a clippy release that starts or stops catching a shape shows up here by name.
//!
//! clippy is required: CI has it, and a silently skipped agreement test would prove nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const FIXTURE: &str = "tests/projects/clippy_agreement";
const SOURCE: &str = "src/lib.rs";
const CLIPPY_LINTS: [&str; 2] = ["clippy::await_holding_lock", "clippy::await_holding_refcell_ref"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Both,
    GuardfixOnly,
    ClippyOnly,
    None,
}

impl Expect {
    fn parse(word: &str) -> Option<Expect> {
        match word {
            "both" => Some(Expect::Both),
            "guardfix-only" => Some(Expect::GuardfixOnly),
            "clippy-only" => Some(Expect::ClippyOnly),
            "none" => Some(Expect::None),
            _ => None,
        }
    }

    fn of(clippy: bool, guardfix: bool) -> Expect {
        match (clippy, guardfix) {
            (true, true) => Expect::Both,
            (false, true) => Expect::GuardfixOnly,
            (true, false) => Expect::ClippyOnly,
            (false, false) => Expect::None,
        }
    }
}

struct FnMarker {
    name: String,
    line: usize,
    expect: Expect,
}

#[test]
fn guardfix_and_clippy_flag_the_documented_fns() {
    let project = copy_fixture();
    let source = std::fs::read_to_string(project.path().join(SOURCE)).expect("fixture source");
    let fns = fn_markers(&source);

    let clippy_lines = clippy_findings(project.path());
    let guardfix_lines = guardfix_findings(project.path());
    assert!(!clippy_lines.is_empty(), "clippy reported nothing: were the lints renamed?");

    let mut mismatches = Vec::new();
    for (index, function) in fns.iter().enumerate() {
        let end = fns.get(index + 1).map_or(usize::MAX, |next| next.line);
        let inside = |line: &&usize| (function.line..end).contains(line);
        let by_clippy: Vec<usize> = clippy_lines.iter().filter(inside).copied().collect();
        let by_guardfix: Vec<usize> = guardfix_lines.iter().filter(inside).copied().collect();
        let actual = Expect::of(!by_clippy.is_empty(), !by_guardfix.is_empty());
        if actual != function.expect {
            mismatches.push(format!(
                "fn {} (line {}): expected {:?}, got {actual:?} (clippy at lines {by_clippy:?}, guardfix at lines {by_guardfix:?})",
                function.name, function.line, function.expect
            ));
        }
    }
    let before_first_fn = |line: &usize| *line < fns[0].line;
    assert!(
        !clippy_lines.iter().chain(&guardfix_lines).any(before_first_fn),
        "a finding lies before the first fn: clippy {clippy_lines:?}, guardfix {guardfix_lines:?}"
    );
    assert!(
        mismatches.is_empty(),
        "{} fn(s) of {FIXTURE}/{SOURCE} disagree with their `// expect:` comment:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Every `fn NAME` line with the `// expect:` comment above it, in source order. A fn without
/// one is a mistake in the fixture: it would silently be expected to stay clean.
fn fn_markers(source: &str) -> Vec<FnMarker> {
    let mut fns = Vec::new();
    let mut pending = None;
    for (index, line) in source.lines().enumerate() {
        let line_number = index + 1;
        let trimmed = line.trim_start();
        if let Some(word) = trimmed.strip_prefix("// expect:") {
            let word = word.trim();
            let expect = Expect::parse(word)
                .unwrap_or_else(|| panic!("line {line_number}: unknown expectation `{word}`"));
            pending = Some(expect);
            continue;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        let Some(name) = fn_name(trimmed) else { continue };
        let expect = pending
            .take()
            .unwrap_or_else(|| panic!("line {line_number}: fn {name} has no `// expect:` comment"));
        fns.push(FnMarker { name, line: line_number, expect });
    }
    assert!(!fns.is_empty(), "no fns found in the fixture");
    fns
}

fn fn_name(code: &str) -> Option<String> {
    let mut words = code.split_whitespace();
    words.by_ref().find(|word| *word == "fn")?;
    let name: String =
        words.next()?.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    Some(name)
}

fn copy_fixture() -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&from, dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read fixture folder") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            if entry.file_name() == "target" {
                continue;
            }
            std::fs::create_dir_all(&target).expect("create folder");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// Lines of `src/lib.rs` where clippy's primary span of one of the two lints starts.
fn clippy_findings(project: &Path) -> Vec<usize> {
    let version = Command::new(cargo()).args(["clippy", "--version"]).output();
    match version {
        Ok(output) if output.status.success() => {}
        _ => panic!(
            "`cargo clippy` is not available, and this test compares guardfix with it; install it with `rustup component add clippy`"
        ),
    }
    let mut command = Command::new(cargo());
    command
        .args(["clippy", "--message-format=json", "--"])
        .args(CLIPPY_LINTS.iter().flat_map(|lint| ["-W", lint]))
        .current_dir(project)
        // Our own target folder (and its lock) must stay out of it.
        .env("CARGO_TARGET_DIR", project.join("target"));
    let output = command.output().expect("run cargo clippy");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo clippy failed on the fixture:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let message: Value = serde_json::from_str(line).expect("cargo's JSON message");
        if message["reason"] != "compiler-message" {
            continue;
        }
        let diagnostic = &message["message"];
        let Some(code) = diagnostic["code"]["code"].as_str() else { continue };
        if !CLIPPY_LINTS.contains(&code) {
            continue;
        }
        let spans = diagnostic["spans"].as_array().expect("spans");
        let primary = spans.iter().find(|span| span["is_primary"] == true).expect("primary span");
        assert_eq!(primary["file_name"], SOURCE, "{code} outside the fixture source");
        lines.push(primary["line_start"].as_u64().expect("line_start") as usize);
    }
    lines
}

/// Lines of `src/lib.rs` where guardfix's findings acquire their guard.
fn guardfix_findings(project: &Path) -> Vec<usize> {
    let output = Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .arg("check")
        .arg(project)
        .args(["--format", "json"])
        .output()
        .expect("run guardfix");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "guardfix should exit 1 (findings):\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let message: Value = serde_json::from_str(line).expect("guardfix's JSON line");
        match message["type"].as_str() {
            Some("finding") => {
                assert_eq!(message["file"], SOURCE, "finding outside the fixture source");
                lines.push(message["acquire"]["line_start"].as_u64().expect("line") as usize);
            }
            Some("summary") => {}
            _ => panic!("unexpected guardfix output: {line}"),
        }
    }
    lines
}
