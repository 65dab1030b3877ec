//! The end-to-end corpus, `tests/corpus/`: a workspace of service code written for these tests
//! in the shapes real services hold locks across awaits (caches with fill-on-miss, rate
//! limiters behind `?`, registries whose helpers return guards, connection pools, worker
//! queues, env-var test locks, a crate that does not compile because `tokio::spawn` is given a
//! `!Send` future, stdio locks), each with behaviour tests that pin what the code computes.
//!
//! `guardfix fix --write` with the default options must leave a workspace that builds with
//! `--all-targets` and passes every behaviour test; the futures that must be `Send`
//! (`--features send-checks`) are, but for exactly those guardfix refused with a reason; clippy
//! reports nothing guardfix does not still report; a second run changes nothing. The same with
//! `--unsafe-fixes`, which also applies the MaybeIncorrect fixes.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use std::process::{Command, Output};

use common::{scratch_copy, stderr, text};

/// What the default fix refuses, by the acquisition's place in the original file.
const REFUSED: &[&str] = &[
    // `for conn in self.all.lock().iter()`: iterating a clone changes what the loop sees.
    "services/src/pool.rs:76",
    // The registry's `sessions()` helper takes the lock in sync code: no switch to tokio's.
    "services/src/registry.rs:71",
    // A stdout lock used after the await: no async lock to switch to.
    "stdio/src/lib.rs:32",
];

/// The fns whose futures rustc still finds `!Send` after the default fix: those of `REFUSED`.
const STILL_NOT_SEND: &[&str] = &["ping_all", "progress", "rename"];

/// With `--unsafe-fixes`, the iteration over a snapshot is applied too.
const REFUSED_WITH_UNSAFE_FIXES: &[&str] = &["services/src/registry.rs:71", "stdio/src/lib.rs:32"];
const STILL_NOT_SEND_WITH_UNSAFE_FIXES: &[&str] = &["progress", "rename"];

#[test]
fn default_fixes_compile_keep_the_behaviour_and_leave_only_what_was_refused() {
    let (_scratch, project) = scratch_copy("tests/corpus");
    let behaviour = cargo(
        &project,
        "corpus-default",
        &["test", "--locked", "--quiet", "--workspace", "--exclude", "corpus-spawner"],
    );
    assert!(behaviour.status.success(), "the corpus's tests pass before:\n{}", stderr(&behaviour));
    let spawner = cargo(
        &project,
        "corpus-default",
        &["check", "--locked", "--quiet", "-p", "corpus-spawner"],
    );
    assert!(
        stderr(&spawner).contains("cannot be sent between threads safely"),
        "the spawner crate does not compile before:\n{}",
        stderr(&spawner)
    );

    fix_and_check(&project, "corpus-default", &[], REFUSED, STILL_NOT_SEND);
}

#[test]
fn unsafe_fixes_compile_and_keep_the_behaviour_too() {
    let (_scratch, project) = scratch_copy("tests/corpus");
    fix_and_check(
        &project,
        "corpus-unsafe",
        &["--unsafe-fixes"],
        REFUSED_WITH_UNSAFE_FIXES,
        STILL_NOT_SEND_WITH_UNSAFE_FIXES,
    );
}

/// `fix --write` with `flags`, then the checks every run must pass.
fn fix_and_check(
    project: &Path,
    scenario: &str,
    flags: &[&str],
    refused: &[&str],
    not_send: &[&str],
) {
    let project_arg = project.to_str().unwrap();
    let mut args = vec!["fix", project_arg, "--write", "--allow-no-vcs"];
    args.extend_from_slice(flags);
    let guardfix = |args: &[&str]| guardfix_in(scenario, args);
    let fixed = guardfix(&args);
    let summary = stderr(&fixed);
    assert!(fixed.status.success(), "fix --write failed:\n{summary}");
    assert_eq!(skipped_places(&summary), set(refused), "{summary}");

    let tests =
        cargo(project, scenario, &["test", "--locked", "--quiet", "--workspace", "--all-targets"]);
    assert!(tests.status.success(), "behaviour tests after the fix:\n{}", stderr(&tests));

    // Spawned tasks and `Send` assertions: only the refused fns' futures stay `!Send`.
    let send = cargo(
        project,
        scenario,
        &[
            "check",
            "--locked",
            "--keep-going",
            "--workspace",
            "--all-targets",
            "--features",
            "send-checks",
        ],
    );
    assert_eq!(not_send_fns(&stderr(&send)), set(not_send), "{}", stderr(&send));

    // clippy reports nothing that guardfix does not still report (and say why it left).
    let left = guardfix(&["check", project_arg, "--format", "json"]);
    let guardfix_left = finding_places(&text(&left.stdout));
    assert_eq!(guardfix_left.len(), refused.len(), "{}", text(&left.stdout));
    let clippy = cargo(
        project,
        scenario,
        &[
            "clippy",
            "--locked",
            "--workspace",
            "--all-targets",
            "--message-format=json",
            "--",
            "-W",
            "clippy::await_holding_lock",
            "-W",
            "clippy::await_holding_refcell_ref",
        ],
    );
    let clippy_places = clippy_await_places(&text(&clippy.stdout));
    assert!(!clippy_places.is_empty(), "clippy sees the refused guards too:\n{}", stderr(&clippy));
    // The two name different lines of one guard (its `let`, its acquisition): compare fns.
    let fns = |places: &BTreeSet<String>| -> BTreeSet<String> {
        places.iter().map(|place| enclosing_fn(project, place)).collect()
    };
    assert!(
        fns(&clippy_places).is_subset(&fns(&guardfix_left)),
        "clippy: {clippy_places:?}, guardfix: {guardfix_left:?}"
    );

    let again = guardfix(&args);
    assert!(
        stderr(&again).contains("fixed 0 findings"),
        "a second run changed:\n{}",
        stderr(&again)
    );
}

/// `file::name` of the fn whose `fn name` line is the last at or above `file:line`.
fn enclosing_fn(project: &Path, place: &str) -> String {
    let (file, line) = place.rsplit_once(':').unwrap();
    let line: usize = line.parse().unwrap();
    let source = std::fs::read_to_string(project.join(file)).unwrap();
    let name = source
        .lines()
        .take(line)
        .filter_map(|text| text.split("fn ").nth(1))
        .filter_map(|rest| rest.split(['(', '<']).next())
        .last()
        .unwrap_or("?");
    format!("{file}::{name}")
}

/// guardfix, whose `fix --write` runs `cargo check`, in the scenario's target folder.
fn guardfix_in(scenario: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .args(args)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join(scenario))
        .output()
        .expect("guardfix runs")
}

/// Cargo on a corpus copy, in the scenario's own target folder: two copies of the same
/// packages built side by side in one folder got each other's clippy warnings.
fn cargo(project: &Path, scenario: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(project)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join(scenario))
        .output()
        .expect("cargo runs")
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

/// `services/src/pool.rs:76` for each `skipped services/src/pool.rs:76: …` line.
fn skipped_places(summary: &str) -> BTreeSet<String> {
    summary
        .lines()
        .filter_map(|line| line.strip_prefix("skipped "))
        .filter_map(|rest| rest.split(": ").next())
        .map(str::to_owned)
        .collect()
}

/// The fns rustc names in "future returned by `NAME` is not `Send`".
fn not_send_fns(output: &str) -> BTreeSet<String> {
    output
        .split("future returned by `")
        .skip(1)
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect()
}

/// `file:line` of each finding in `check --format json` output.
fn finding_places(json_lines: &str) -> BTreeSet<String> {
    json_lines
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|record| record["type"] == "finding")
        .map(|record| {
            format!("{}:{}", record["file"].as_str().unwrap(), record["acquire"]["line_start"])
        })
        .collect()
}

/// `file:line` of the primary span of each await-holding warning clippy gives.
fn clippy_await_places(json_lines: &str) -> BTreeSet<String> {
    json_lines
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|record| record["reason"] == "compiler-message")
        .map(|record| record["message"].clone())
        .filter(|message| {
            message["code"]["code"]
                .as_str()
                .is_some_and(|code| code.starts_with("clippy::await_holding"))
        })
        .filter_map(|message| {
            let spans = message["spans"].as_array()?;
            let primary = spans.iter().find(|span| span["is_primary"] == true)?;
            Some(format!("{}:{}", primary["file_name"].as_str()?, primary["line_start"]))
        })
        .collect()
}
