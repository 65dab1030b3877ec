//! End to end: the CI-facing outputs (`--format sarif`, `--format github`), configuration
//! files, and `cargo guardfix`, by running the binaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn guardfix(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("outputs-projects"))
        .output()
        .expect("guardfix runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A copy of the demo crate in a scratch folder.
fn demo_copy(scratch: &Path) -> PathBuf {
    let project = scratch.join("demo");
    write(
        &project,
        "Cargo.toml",
        &std::fs::read_to_string(manifest_dir().join("demo/Cargo.toml")).unwrap(),
    );
    write(
        &project,
        "src/lib.rs",
        &std::fs::read_to_string(manifest_dir().join("demo/src/lib.rs")).unwrap(),
    );
    project
}

const LEGACY: &str = "pub async fn tick() {}\n\
    pub async fn old(m: &std::sync::Mutex<u8>) {\n    let g = m.lock().unwrap();\n    tick().await;\n    drop(g);\n}\n";

const SERVER: &str = "use std::sync::Mutex;\n\
    use crate::legacy::tick;\n\
    pub async fn run(m: &Mutex<u8>) {\n    let g = m.lock().unwrap();\n    let _v = *g;\n    tick().await;\n}\n\
    pub async fn other(m: &Mutex<u8>) {\n    let g = m.lock().unwrap();\n    let _v = *g;\n    tick().await;\n}\n";

const GUARDS: &str = "pub struct Token;\n\
    pub fn make_token() -> Token { Token }\n\
    pub struct Span;\n\
    pub fn enter() -> Span { Span }\n\
    pub async fn with_token() {\n    let _t = make_token();\n    crate::legacy::tick().await;\n}\n\
    pub async fn with_span() {\n    let _s = enter();\n    crate::legacy::tick().await;\n}\n";

/// A crate with a legacy module, a server with an allowed fn, and user guard types.
fn configured_project(scratch: &Path) -> PathBuf {
    let project = scratch.join("svc");
    write(
        &project,
        "Cargo.toml",
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(&project, "src/lib.rs", "pub mod guards;\npub mod legacy;\npub mod server;\n");
    write(&project, "src/legacy.rs", LEGACY);
    write(&project, "src/server.rs", SERVER);
    write(&project, "src/guards.rs", GUARDS);
    write(
        &project,
        "guardfix.toml",
        "exclude = [\"src/legacy.rs\"]\n\
         allow = [{ path = \"src/server.rs\", fn = \"run\" }]\n\
         extra-guard-types = [\"svc::guards::Token\"]\n",
    );
    write(
        &project,
        "clippy.toml",
        "await-holding-invalid-types = [{ path = \"svc::guards::Span\", reason = \"enter spans in sync code only\" }]\n",
    );
    project
}

fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output).lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

#[test]
fn configuration_excludes_allows_and_adds_guard_types() {
    let scratch = tempfile::tempdir().unwrap();
    let project = configured_project(scratch.path());
    let output = guardfix(&project, &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let lines = json_lines(&output);
    let findings: Vec<(String, String)> = lines
        .iter()
        .filter(|line| line["type"] == "finding")
        .map(|f| {
            (f["file"].as_str().unwrap().to_owned(), f["binding"].as_str().unwrap().to_owned())
        })
        .collect();
    // legacy.rs is excluded, `run` is allowed; `other` stays, and so do the configured guards
    // (`Token` from guardfix.toml, `Span` from clippy.toml).
    assert_eq!(
        findings,
        [
            ("src/guards.rs".to_owned(), "_t".to_owned()),
            ("src/guards.rs".to_owned(), "_s".to_owned()),
            ("src/server.rs".to_owned(), "g".to_owned()),
        ]
    );
    let server = lines.iter().find(|l| l["file"] == "src/server.rs").unwrap();
    assert_eq!(server["acquire"]["line_start"], 9, "the finding in `other`, not `run`");
    assert_eq!(lines.last().unwrap()["files_scanned"], 3, "legacy.rs is not even read");

    // Command-line flags: `--no-config` reports everything again.
    let all = guardfix(&project, &["check", "--format", "json", "--no-config"]);
    let count = json_lines(&all).last().unwrap()["findings"].clone();
    assert_eq!(count, 3, "legacy, run and other; no configured guard types: {}", stdout(&all));
    // `--exclude` and `--guard-type` add to the file.
    let more = guardfix(&project, &["check", "--format", "json", "--exclude", "src/guards.rs"]);
    assert_eq!(json_lines(&more).last().unwrap()["findings"], 1);

    // `fix` honours the same configuration: `run` and legacy.rs are left alone.
    let fixed = guardfix(&project, &["fix", "--write", "--allow-no-vcs"]);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    let server = std::fs::read_to_string(project.join("src/server.rs")).unwrap();
    let run_fn = &SERVER[..SERVER.find("pub async fn other").unwrap()];
    assert!(server.starts_with(run_fn), "{server}");
    assert_ne!(server, SERVER);
    assert_eq!(std::fs::read_to_string(project.join("src/legacy.rs")).unwrap(), LEGACY);
}

#[test]
fn configured_strategy_is_the_default_and_the_flag_overrides_it() {
    let scratch = tempfile::tempdir().unwrap();
    let project = demo_copy(scratch.path());
    let auto = guardfix(&project, &["fix"]);
    assert!(stderr(&auto).contains("1 by async-mutex"), "{}", stderr(&auto));
    write(&project, "guardfix.toml", "strategy = \"scope\"\n");
    let scoped = guardfix(&project, &["fix"]);
    assert!(!stderr(&scoped).contains("by async-mutex"), "{}", stderr(&scoped));
    let flag = guardfix(&project, &["fix", "--strategy", "auto"]);
    assert!(stderr(&flag).contains("1 by async-mutex"), "{}", stderr(&flag));
    write(&project, "guardfix.toml", "strategy = \"fastest\"\n");
    let bad = guardfix(&project, &["check"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("guardfix.toml: unknown `strategy` \"fastest\""),
        "{}",
        stderr(&bad)
    );
}

fn sarif_schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(manifest_dir().join("tests/schemas/sarif-schema-2.1.0.json"))
            .unwrap();
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    // The schema (vendored unchanged from the serde-sarif crate) gives `language` (of a run and
    // of a tool component) a pattern with a stray `]`, which checking the schema's own `regex`
    // formats rejects. guardfix writes no `language`, so those patterns are dropped here and
    // every format is checked.
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"];
        language.as_object_mut().expect("language in the schema").remove("pattern");
    }
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_schema();
    let errors: Vec<String> =
        validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0:\n{}", errors.join("\n"));
}

/// 1-based line and char column → byte offset in `text`.
fn offset(text: &str, line: u64, column: u64) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line as usize - 1).map(str::len).sum();
    let rest = &text[line_start..];
    line_start + rest.char_indices().nth(column as usize - 1).map_or(rest.len(), |(i, _)| i)
}

/// Applies every result's fix to `text`, as a SARIF viewer applying all of them would.
fn apply_sarif_fixes(log: &Value, uri: &str, text: &str) -> String {
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for result in log["runs"][0]["results"].as_array().unwrap() {
        for fix in result["fixes"].as_array().into_iter().flatten() {
            for change in fix["artifactChanges"].as_array().unwrap() {
                assert_eq!(change["artifactLocation"]["uri"], uri);
                for replacement in change["replacements"].as_array().unwrap() {
                    let region = &replacement["deletedRegion"];
                    let at = |l: &str, c: &str| {
                        offset(text, region[l].as_u64().unwrap(), region[c].as_u64().unwrap())
                    };
                    let new = replacement["insertedContent"]["text"].as_str().unwrap().to_owned();
                    edits.push((at("startLine", "startColumn"), at("endLine", "endColumn"), new));
                }
            }
        }
    }
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.0));
    let mut out = text.to_owned();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

#[test]
fn sarif_validates_and_its_fixes_are_what_fix_writes() {
    let scratch = tempfile::tempdir().unwrap();
    let project = demo_copy(scratch.path());
    let output = guardfix(scratch.path(), &["check", "--format", "sarif", "demo"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let log: Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&log);
    // The validator does reject what is not SARIF.
    let validator = sarif_schema();
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "severe".into();
    assert!(!validator.is_valid(&broken));
    let mut broken = log.clone();
    broken["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"] = "not a uri".into();
    assert!(!validator.is_valid(&broken));

    // What code scanning needs, checked by hand too.
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "guardfix");
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        rule_ids,
        [
            "guard-held-across-await",
            "refcell-borrow-held-across-await",
            "async-guard-held-across-await",
            "dropped-but-not-send",
            "lock-taken-while-held",
            "lock-order-inversion"
        ]
    );
    for rule in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(rule[key]["text"].as_str().is_some_and(|t| !t.is_empty()), "{key} of {rule}");
        }
    }
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for result in results {
        assert!(rule_ids.contains(&result["ruleId"].as_str().unwrap()));
        assert_eq!(result["level"], "warning");
        assert!(result["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "demo/src/lib.rs");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "SRCROOT");
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(location["region"][key].as_u64().is_some_and(|n| n >= 1), "{key}");
        }
        let related = result["relatedLocations"].as_array().unwrap();
        assert!(related.iter().any(|r| r["message"]["text"] == "held across this await"));
        assert!(related.iter().any(|r| r["message"]["text"] == "released here"));
        // A lock switch spans files and needs rust-analyzer: not offered as a SARIF fix.
        let switch = result["properties"]["suggestedStrategy"] == "async-mutex";
        assert_eq!(result["fixes"].is_array(), !switch, "every other finding is fixable: {result}");
    }
    let root = runs[0]["originalUriBaseIds"]["SRCROOT"]["uri"].as_str().unwrap();
    assert!(root.starts_with("file:///") && root.ends_with('/'), "{root}");

    // Applying every fix gives exactly what `guardfix fix --write` writes with the per-file
    // fixes alone.
    let original = std::fs::read_to_string(project.join("src/lib.rs")).unwrap();
    let from_sarif = apply_sarif_fixes(&log, "demo/src/lib.rs", &original);
    let written = guardfix(
        scratch.path(),
        &["fix", "demo", "--write", "--allow-no-vcs", "--semantic", "never"],
    );
    assert!(written.status.success(), "{}", stderr(&written));
    let fixed = std::fs::read_to_string(project.join("src/lib.rs")).unwrap();
    assert_ne!(fixed, original);
    assert_eq!(from_sarif, fixed);
}

#[test]
fn sarif_of_a_clean_run_and_of_unreadable_files_validates() {
    let scratch = tempfile::tempdir().unwrap();
    write(scratch.path(), "clean.rs", "async fn f() { g().await; }\n");
    std::fs::write(scratch.path().join("bad.rs"), b"fn f() { \xff }").unwrap();
    let output = guardfix(scratch.path(), &["check", "--format", "sarif", "."]);
    assert_eq!(output.status.code(), Some(2));
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], Value::Array(vec![]));
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert_eq!(
        notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "bad.rs"
    );
}

#[test]
fn github_format_is_one_escaped_command_per_finding() {
    let output = guardfix(manifest_dir(), &["check", "--format", "github", "demo"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    for line in &lines {
        assert!(line.starts_with("::warning file=demo/src/lib.rs,line="), "{line}");
        assert!(line.contains(",title=guard-held-across-await::"), "{line}");
        assert!(line.contains("%0Anote: "), "newlines are escaped: {line}");
    }
    assert!(lines[0].contains("line=24,col=23,endLine=24,endColumn=39,"), "{}", lines[0]);

    // A path with the property delimiters in it.
    let scratch = tempfile::tempdir().unwrap();
    write(
        scratch.path(),
        "we%ird,na:me.rs",
        "async fn f(m: &std::sync::Mutex<u8>) {\n    let g = m.lock().unwrap();\n    x().await;\n}\n",
    );
    let output = guardfix(scratch.path(), &["check", "--format", "github", "."]);
    let text = stdout(&output);
    assert!(text.starts_with("::warning file=we%25ird%2Cna%3Ame.rs,line=2,col=13,"), "{text}");
}

#[test]
fn cargo_guardfix_behaves_like_guardfix() {
    let direct = guardfix(manifest_dir(), &["check", "demo"]);
    let via_cargo_name = Command::new(env!("CARGO_BIN_EXE_cargo-guardfix"))
        .args(["guardfix", "check", "demo"])
        .current_dir(manifest_dir())
        .output()
        .unwrap();
    assert_eq!(via_cargo_name.status.code(), direct.status.code());
    assert_eq!(stdout(&via_cargo_name), stdout(&direct));
    assert_eq!(stderr(&via_cargo_name), stderr(&direct));
    assert_eq!(direct.status.code(), Some(1));

    // Through cargo itself, with the binary on PATH as `cargo install` puts it.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cargo-guardfix")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_owned())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let through_cargo = Command::new(env!("CARGO"))
        .args(["guardfix", "check", "demo"])
        .current_dir(manifest_dir())
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(through_cargo.status.code(), Some(1), "{}", stderr(&through_cargo));
    assert_eq!(stdout(&through_cargo), stdout(&direct));

    let help = Command::new(env!("CARGO_BIN_EXE_cargo-guardfix"))
        .args(["guardfix", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(stdout(&help).contains("Usage: cargo guardfix"), "{}", stdout(&help));
}
