//! The `guardfix check` binary end to end: exit codes, human and JSON output, and files that
//! cannot be analysed.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn demo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/demo"))
}

fn check(path: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .arg("check")
        .arg(path)
        // Colour codes would get in the way of matching text, whatever the environment says.
        .args(["--color", "never"])
        .args(extra)
        .output()
        .expect("run guardfix")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

/// Every line of `--format json` output, each required to be one JSON object.
fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn of_type<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|line| line["type"] == kind).collect()
}

fn write(root: &Path, relative: &str, contents: &[u8]) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
    std::fs::write(path, contents).expect("write file");
}

const HELD: &str = "use std::sync::Mutex;

async fn tick() {}

pub async fn held(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    tick().await;
    drop(g);
}
";

#[test]
fn demo_has_five_findings_and_exits_1() {
    let output = check(demo(), &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("warning[guard-held-across-await]").count(), 5, "{text}");
    assert!(text.contains("5 findings"), "{text}");
}

#[test]
fn json_is_one_object_per_line_and_ends_with_the_summary() {
    let output = check(demo(), &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let lines = json_lines(&output);
    let findings = of_type(&lines, "finding");
    assert_eq!(findings.len(), 5);
    assert!(findings.iter().all(|f| f["file"] == "src/lib.rs" && f["edition"] == "2021"));
    let summary = lines.last().expect("a summary line");
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["findings"], 5);
    assert_eq!(summary["files_with_errors"], 0);
    assert_eq!(of_type(&lines, "summary").len(), 1);
}

#[test]
fn clean_crate_exits_0() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "Cargo.toml",
        b"[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    let released_in_time =
        HELD.replace("    tick().await;\n    drop(g);\n", "    drop(g);\n    tick().await;\n");
    write(dir.path(), "src/lib.rs", released_in_time.as_bytes());
    let output = check(dir.path(), &["--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1, "only the summary: {lines:?}");
    assert_eq!(lines[0]["findings"], 0);
    assert_eq!(lines[0]["files_scanned"], 1);
}

/// The parser input must also get past the prefilter: a file without `await` and a lock word is
/// never parsed, so `---\n-│\n` alone could not crash anything.
const PARSER_PANIC: &str = "---\n-│\nasync fn f() { g().await; m.lock(); }\n";

#[test]
fn unreadable_files_are_errors_and_the_others_are_still_analysed() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a_latin1.rs", b"// caf\xe9\nasync fn f() {}\n");
    write(dir.path(), "b_panics.rs", PARSER_PANIC.as_bytes());
    write(dir.path(), "c_held.rs", HELD.as_bytes());

    let output = check(dir.path(), &["--format", "json"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let lines = json_lines(&output);
    let errors = of_type(&lines, "error");
    let files: Vec<&Value> = errors.iter().map(|error| &error["file"]).collect();
    assert_eq!(files, ["a_latin1.rs", "b_panics.rs"]);
    assert!(errors[0]["message"].as_str().unwrap().contains("not valid UTF-8"), "{errors:?}");
    assert!(errors[1]["message"].as_str().unwrap().contains("parser crashed"), "{errors:?}");
    let findings = of_type(&lines, "finding");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["file"], "c_held.rs");
    let summary = lines.last().expect("summary");
    assert_eq!(summary["files_scanned"], 3);
    assert_eq!(summary["files_with_errors"], 2);

    let human = check(dir.path(), &[]);
    assert_eq!(human.status.code(), Some(2));
    let text = stdout(&human);
    for needle in ["a_latin1.rs", "b_panics.rs", "c_held.rs:6", "could not be analysed"] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

/// A generated file nested 20,000 levels deep (`0 + 1 + 1 + …`) used to overflow the stack and
/// abort the run, so no file's findings were printed: it gets an error of its own now.
#[test]
fn a_too_deeply_nested_file_is_an_error_and_the_others_are_still_analysed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let deep = format!(
        "async fn tick() {{}}\npub async fn sum(m: &std::sync::Mutex<u64>) -> u64 {{ tick().await; *m.lock().unwrap(){} }}\n",
        " + 1".repeat(20_000)
    );
    write(dir.path(), "a_deep.rs", deep.as_bytes());
    // As deep, but naming nothing that hands out a guard: never parsed, so no error.
    let lockless = format!(
        "async fn tick() {{}}\npub async fn total() -> u64 {{ tick().await; 0{} }}\n",
        " + 1".repeat(20_000)
    );
    write(dir.path(), "d_lockless.rs", lockless.as_bytes());
    // Deep but within bounds: analysed, and its guard found.
    let nested = format!(
        "use std::sync::Mutex;\nasync fn tick() {{}}\npub async fn f(m: &Mutex<u64>) -> u64 {{\n    let g = m.lock().unwrap();\n    tick().await;\n    *g{}\n}}\n",
        " + 1".repeat(1_000)
    );
    write(dir.path(), "b_nested.rs", nested.as_bytes());
    write(dir.path(), "c_held.rs", HELD.as_bytes());

    let output = check(dir.path(), &["--format", "json"]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    let lines = json_lines(&output);
    let errors = of_type(&lines, "error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "a_deep.rs");
    assert!(errors[0]["message"].as_str().unwrap().contains("too deeply nested"), "{errors:?}");
    let files: Vec<&Value> = of_type(&lines, "finding").iter().map(|f| &f["file"]).collect();
    assert_eq!(files, ["b_nested.rs", "c_held.rs"]);
}

#[test]
fn missing_path_exits_2_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-crate");
    let output = check(&missing, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert!(stderr.contains("no such file or folder"), "{stderr}");
}
