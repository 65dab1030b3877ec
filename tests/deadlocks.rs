//! `check --deadlocks` on a crate whose own tests reproduce each deadlock for real
//! (`tests/projects/deadlocks`: the `*_hangs` fns time out, the fixed variants and the
//! look-alikes finish): guardfix reports exactly the hanging ones.

mod common;

use std::collections::BTreeSet;

use common::{cargo, guardfix, scratch_copy, stderr, text};

/// The `--deadlocks` findings, as `file:line kind`.
fn deadlocks(args: &[&str]) -> BTreeSet<String> {
    let output = guardfix(args);
    assert!(output.status.code().is_some_and(|code| code <= 1), "{}", stderr(&output));
    text(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|finding| {
            matches!(
                finding["kind"].as_str(),
                Some("lock-taken-while-held" | "lock-order-inversion")
            )
        })
        .map(|finding| {
            let file = finding["file"].as_str().unwrap();
            format!(
                "{file}:{} {}",
                finding["acquire"]["line_start"],
                finding["kind"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn check_reports_exactly_the_locks_that_deadlock() {
    let (_scratch, project) = scratch_copy("tests/projects/deadlocks");
    let tests = cargo(&project, &["test", "--quiet"]);
    assert!(
        tests.status.success(),
        "the fixture's deadlocks should reproduce:\n{}",
        stderr(&tests)
    );

    let path = project.to_str().unwrap();
    let found = deadlocks(&["check", "--deadlocks", "--format", "json", path]);
    let expected: BTreeSet<String> = [
        "src/counter.rs:16 lock-taken-while-held",
        "src/counter.rs:38 lock-taken-while-held",
        "src/lib.rs:19 lock-taken-while-held",
        "src/lib.rs:38 lock-taken-while-held",
        "src/lib.rs:65 lock-taken-while-held",
        "src/lib.rs:88 lock-taken-while-held",
        "src/lib.rs:108 lock-taken-while-held",
        // Through fns of other files: `compact` -> `rebuild_index` (maintenance.rs) locks the
        // held `index`; `tally::count` locks the held static.
        "src/store/mod.rs:20 lock-taken-while-held",
        "src/registry.rs:12 lock-taken-while-held",
        // `append` (mod.rs) takes `log` then, in `note_in_index` (maintenance.rs), `index`;
        // `flush_hangs` takes them in the other order (and `flush_fixed` in append's).
        "src/store/mod.rs:50 lock-order-inversion",
        "src/store/maintenance.rs:24 lock-order-inversion",
        "src/store/maintenance.rs:32 lock-order-inversion",
        // `deposit` and `audit_fixed` take `deadlocks::bank`'s locks in one order,
        // `audit_hangs` in the other: each is half of a deadlock with it.
        "src/bank.rs:17 lock-order-inversion",
        "src/bank.rs:25 lock-order-inversion",
        "src/bank.rs:32 lock-order-inversion",
    ]
    .map(String::from)
    .into();
    assert_eq!(found, expected, "the `*_hangs` fns and their other halves, nothing else");

    // The std guard held across the blocking task's await is a finding of its own; `fix`
    // does not switch its lock to tokio's, where the program would hang instead.
    let fix = guardfix(&["fix", path]);
    let report = stderr(&fix);
    assert!(
        report.contains("skipped src/lib.rs:106: the lock is taken again at line 108 while this guard is alive: switched to tokio's lock, that would hang"),
        "{report}"
    );
    assert_eq!(deadlocks(&["check", "--format", "json", path]), expected, "on by default");
    let off = deadlocks(&["check", "--no-deadlocks", "--format", "json", path]);
    assert_eq!(off, BTreeSet::new(), "off with --no-deadlocks");
}

/// A tokio guard held across an await that does not need it: `check --include-async-locks`
/// offers two critical sections (MaybeIncorrect), `--unsafe-fixes` writes them and the crate's
/// tests pass; a client doing its async work under its lock gets the message-passing advice.
#[test]
fn an_async_guard_across_an_await_it_does_not_need_is_split_with_unsafe_fixes() {
    let (_scratch, project) = scratch_copy("tests/projects/deadlocks");
    let file = project.join("src/serialised.rs");
    let path = file.to_str().unwrap();
    let check = guardfix(&["check", "--include-async-locks", path]);
    let report = format!("{}{}", text(&check.stdout), stderr(&check));
    assert!(
        report.contains("`guardfix fix --unsafe-fixes` would release the lock before the await and take it again after it"),
        "{report}"
    );
    assert!(
        report.contains("a task that owns the state and takes requests over a channel"),
        "{report}"
    );
    let plain = guardfix(&["fix", "--include-async-locks", "--write", "--allow-no-vcs", path]);
    assert!(stderr(&plain).contains("fixed 0 findings"), "not by default: {}", stderr(&plain));
    let fixed = guardfix(&[
        "fix",
        "--include-async-locks",
        "--unsafe-fixes",
        "--write",
        "--allow-no-vcs",
        path,
    ]);
    assert!(stderr(&fixed).contains("1 by relock"), "{}", stderr(&fixed));
    let text_after = std::fs::read_to_string(&file).unwrap();
    assert!(text_after.contains("    }\n    tokio::time::sleep"), "{text_after}");
    let tests = cargo(&project, &["test", "--quiet"]);
    assert!(tests.status.success(), "{}", stderr(&tests));
}
