//! What editors and CI read: rustc-compatible JSON (`check --message-format=json|json-cargo`),
//! `guardfix clippy`, and baselines.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use common::{guardfix, scratch_copy, stderr, text};

/// A copy of the dependency-free fixture, told to fix by scope: its default plan would switch
/// some locks to tokio's (a multi-file change with a new dependency, which is not a suggestion).
fn scoped_project() -> (tempfile::TempDir, std::path::PathBuf) {
    let (scratch, project) = scratch_copy("tests/projects/clippy_agreement");
    std::fs::write(project.join("guardfix.toml"), "strategy = \"scope\"\n").unwrap();
    (scratch, project)
}

fn check_json(project: &Path, format: &str) -> Vec<String> {
    let output = guardfix(&["check", "--message-format", format, project.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    text(&output.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn rustfix_applies_the_suggestions_to_what_fix_writes() {
    let (_scratch, project) = scoped_project();
    let lines = check_json(&project, "json");
    // What `cargo fix` does with rustc's output: MachineApplicable suggestions only.
    let mut by_file: BTreeMap<String, Vec<rustfix::Suggestion>> = BTreeMap::new();
    let only = HashSet::new();
    for line in &lines {
        let suggestions =
            rustfix::get_suggestions_from_json(line, &only, rustfix::Filter::MachineApplicableOnly)
                .expect("rustfix reads the diagnostic");
        for suggestion in suggestions {
            let file = suggestion.solutions[0].replacements[0].snippet.file_name.clone();
            by_file.entry(file).or_default().push(suggestion);
        }
    }
    let count: usize = by_file.values().map(Vec::len).sum();
    assert!(count >= 5, "scope fixes are suggested: {count}");
    let mut suggested = BTreeMap::new();
    for (file, suggestions) in &by_file {
        let before = std::fs::read_to_string(project.join(file)).unwrap();
        let after = rustfix::apply_suggestions(&before, suggestions).expect("suggestions apply");
        suggested.insert(file.clone(), after);
    }
    let output =
        guardfix(&["fix", "--write", "--no-verify", "--allow-no-vcs", project.to_str().unwrap()]);
    assert!(output.status.code().is_some_and(|code| code <= 1), "{}", stderr(&output));
    for (file, after) in &suggested {
        let written = std::fs::read_to_string(project.join(file)).unwrap();
        assert_eq!(after, &written, "{file}: rustfix's result is what `fix --write` wrote");
    }
}

#[test]
fn the_messages_are_cargo_s_and_rustc_s_types() {
    let (_scratch, project) = scoped_project();
    let bare = check_json(&project, "json");
    for line in &bare {
        let diagnostic: cargo_metadata::diagnostic::Diagnostic =
            serde_json::from_str(line).expect("a rustc diagnostic");
        let code = diagnostic.code.expect("a code").code;
        assert!(code.starts_with("guardfix::"), "{code}");
        assert!(diagnostic.spans.iter().any(|span| span.is_primary));
        assert_eq!(diagnostic.spans[0].file_name, "src/lib.rs", "relative to the workspace");
        assert!(diagnostic.rendered.expect("rendered").contains("-->"));
    }
    let wrapped = check_json(&project, "json-cargo");
    assert_eq!(wrapped.len(), bare.len());
    let joined = wrapped.join("\n");
    let mut messages = 0;
    for message in cargo_metadata::Message::parse_stream(joined.as_bytes()) {
        match message.expect("a cargo message") {
            cargo_metadata::Message::CompilerMessage(message) => {
                assert_eq!(message.target.name, "clippy_agreement");
                assert!(message.package_id.repr.contains("clippy-agreement"));
                messages += 1;
            }
            other => panic!("not a compiler message: {other:?}"),
        }
    }
    assert_eq!(messages, bare.len());
}

#[test]
fn guardfix_clippy_passes_clippy_s_lines_through_then_adds_its_own() {
    let (_scratch, project) = scoped_project();
    let output = common::guardfix(&["clippy", project.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut reasons = Vec::new();
    let mut codes = Vec::new();
    for message in cargo_metadata::Message::parse_stream(&output.stdout[..]) {
        match message.expect("cargo's messages") {
            cargo_metadata::Message::CompilerMessage(message) => {
                reasons.push("compiler-message");
                codes.push(message.message.code.map(|code| code.code).unwrap_or_default());
            }
            cargo_metadata::Message::BuildFinished(_) => reasons.push("build-finished"),
            _ => {}
        }
    }
    let clippy = codes.iter().position(|code| code == "clippy::await_holding_lock");
    let ours = codes.iter().position(|code| code.starts_with("guardfix::"));
    let finished = reasons.iter().position(|reason| *reason == "build-finished");
    assert!(clippy.is_some() && ours.is_some(), "both tools speak: {codes:?}");
    assert!(finished.is_some(), "clippy's own lines pass through");
    assert!(clippy < ours, "clippy's first, then guardfix's");
}

#[test]
fn a_baseline_fails_only_on_new_findings_and_survives_moved_lines() {
    let (_scratch, project) = scoped_project();
    let baseline = project.join("guardfix-baseline.json");
    let path = project.to_str().unwrap();
    let write = guardfix(&["check", "--write-baseline", baseline.to_str().unwrap(), path]);
    assert_eq!(write.status.code(), Some(0), "{}", stderr(&write));
    let recorded = std::fs::read_to_string(&baseline).unwrap();
    assert!(recorded.contains("\"fn\":"), "{recorded}");

    let clean = guardfix(&["check", "--baseline", baseline.to_str().unwrap(), path]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert!(stderr(&clean).contains("0 new"), "{}", stderr(&clean));

    // Lines move (a comment on top) and a new finding appears in a new fn.
    let lib = project.join("src/lib.rs");
    let old = std::fs::read_to_string(&lib).unwrap();
    let new_fn = "\npub async fn brand_new(m: &std::sync::Mutex<u32>) {\n    let g = m.lock().unwrap();\n    std::future::ready(()).await;\n    drop(g);\n}\n";
    std::fs::write(&lib, format!("// moved down\n// by two lines\n{old}{new_fn}")).unwrap();
    let config = project.join("guardfix.toml");
    std::fs::write(&config, "strategy = \"scope\"\nbaseline = \"guardfix-baseline.json\"\n")
        .unwrap();
    let one_new = guardfix(&["check", "--message-format", "json", path]);
    assert_eq!(one_new.status.code(), Some(1), "{}", stderr(&one_new));
    let reported: Vec<String> = text(&one_new.stdout).lines().map(str::to_owned).collect();
    assert_eq!(reported.len(), 1, "only the new finding: {reported:?}");
    let diagnostic: cargo_metadata::diagnostic::Diagnostic =
        serde_json::from_str(&reported[0]).unwrap();
    let line = diagnostic.spans[0].line_start;
    let source = std::fs::read_to_string(&lib).unwrap();
    let reported_line = source.lines().nth(line - 1).unwrap();
    assert!(reported_line.contains("let g = m.lock()"), "the new fn's finding: {reported_line}");

    // A baselined finding fixed: the run says the baseline can be tightened.
    std::fs::write(&lib, &old).unwrap();
    let fixed = guardfix(&["fix", "--write", "--no-verify", "--allow-no-vcs", path]);
    assert!(fixed.status.code().is_some_and(|code| code <= 1), "{}", stderr(&fixed));
    let tighter = guardfix(&["check", path]);
    assert!(stderr(&tighter).contains("baselined finding(s) are gone"), "{}", stderr(&tighter));
}

/// The README's pre-commit recipe, installed as a git hook: a commit that adds a finding is
/// stopped with the finding named, one that keeps to the baseline goes through.
#[test]
fn the_pre_commit_recipe_stops_a_commit_that_adds_a_finding() {
    let (_scratch, project) = scoped_project();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(["-c", "user.name=guardfix", "-c", "user.email=guardfix@example.invalid"])
            .args(["-c", "commit.gpgsign=false", "-c", "core.hooksPath=.git/hooks"])
            .args(args)
            .current_dir(&project)
            .output()
            .expect("git runs")
    };
    assert!(git(&["init", "--quiet"]).status.success());
    let recorded = project.join("guardfix-baseline.json");
    let baseline = guardfix(&[
        "check",
        "--write-baseline",
        recorded.to_str().unwrap(),
        project.to_str().unwrap(),
    ]);
    assert_eq!(baseline.status.code(), Some(0), "{}", stderr(&baseline));
    // The recipe, with this build's binary for `guardfix`.
    let hook = project.join(".git/hooks/pre-commit");
    let script = format!(
        "#!/bin/sh\nexec '{}' check --baseline guardfix-baseline.json\n",
        env!("CARGO_BIN_EXE_guardfix")
    );
    std::fs::write(&hook, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert!(git(&["add", "."]).status.success());
    let first = git(&["commit", "--quiet", "-m", "today's findings, baselined"]);
    assert!(first.status.success(), "{}", stderr(&first));

    let lib = project.join("src/lib.rs");
    let old = std::fs::read_to_string(&lib).unwrap();
    let new_fn = "\npub async fn added(m: &std::sync::Mutex<u32>) {\n    let g = m.lock().unwrap();\n    std::future::ready(()).await;\n    drop(g);\n}\n";
    std::fs::write(&lib, format!("{old}{new_fn}")).unwrap();
    let stopped = git(&["commit", "--quiet", "-am", "a new finding"]);
    assert!(!stopped.status.success(), "the hook stops it");
    assert!(stderr(&stopped).contains("src/lib.rs"), "{}", stderr(&stopped));

    std::fs::write(&lib, format!("// a comment moves every line\n{old}")).unwrap();
    let moved = git(&["commit", "--quiet", "-am", "lines moved"]);
    assert!(moved.status.success(), "{}", stderr(&moved));
}
