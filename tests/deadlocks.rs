//! `check --deadlocks` on a crate whose own tests reproduce each deadlock for real
//! (`tests/projects/deadlocks`: the `*_hangs` fns time out, the fixed variants and the
//! look-alikes finish): guardfix reports exactly the hanging ones.

mod common;

use std::collections::BTreeSet;

use common::{cargo, guardfix, scratch_copy, stderr, text};

fn taken_again(args: &[&str]) -> BTreeSet<String> {
    let output = guardfix(args);
    assert!(output.status.code().is_some_and(|code| code <= 1), "{}", stderr(&output));
    text(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|finding| finding["kind"] == "lock-taken-while-held")
        .map(|finding| {
            format!("{}:{}", finding["file"].as_str().unwrap(), finding["acquire"]["line_start"])
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
    let found = taken_again(&["check", "--deadlocks", "--format", "json", path]);
    let expected: BTreeSet<String> = [
        "src/counter.rs:16",
        "src/counter.rs:38",
        "src/lib.rs:13",
        "src/lib.rs:32",
        "src/lib.rs:59",
    ]
    .map(String::from)
    .into();
    assert_eq!(found, expected, "the five `*_hangs` fns, nothing else");
    assert_eq!(
        taken_again(&["check", "--format", "json", path]),
        BTreeSet::new(),
        "off by default"
    );
}
