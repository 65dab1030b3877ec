//! guardfix on real code nobody here wrote: the async crates pinned in
//! `tests/registry_corpus/Cargo.toml` (pools, clients, brokers, caches, rate limiters, async
//! runtimes and lock crates), fetched from crates.io by cargo and checked where cargo put their
//! sources. Their code is never committed; `tests/registry_corpus/expected.txt` holds what
//! guardfix must report on it, as facts about that code. The test fails on any finding not in
//! the list (a false alarm on code that was clean) and on any listed finding missing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/registry_corpus");

fn cargo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO")).args(args).current_dir(CORPUS).output().expect("cargo runs")
}

/// Each pinned crate's name, version and source folder.
fn pinned_crates() -> Vec<(String, String, PathBuf)> {
    let manifest = std::fs::read_to_string(Path::new(CORPUS).join("Cargo.toml")).unwrap();
    let pinned: Vec<(String, String)> = manifest
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once(" = ")?;
            let version = rest.split("\"=").nth(1)?.split('"').next()?;
            Some((name.trim().to_owned(), version.to_owned()))
        })
        .collect();
    let host = String::from_utf8_lossy(&Command::new("rustc").arg("-vV").output().unwrap().stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc names its host");
    let fetch = cargo(&["fetch", "--locked", "--target", &host]);
    assert!(fetch.status.success(), "cargo fetch: {}", String::from_utf8_lossy(&fetch.stderr));
    // Only the host's packages were fetched: metadata over every platform would want the rest.
    let metadata = cargo(&[
        "metadata",
        "--locked",
        "--offline",
        "--format-version",
        "1",
        "--filter-platform",
        &host,
    ]);
    assert!(metadata.status.success(), "{}", String::from_utf8_lossy(&metadata.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let crates: Vec<(String, String, PathBuf)> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|package| {
            let name = package["name"].as_str()?.to_owned();
            let version = package["version"].as_str()?.to_owned();
            pinned.contains(&(name.clone(), version.clone())).then(|| {
                let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
                (name, version, manifest.parent().unwrap().to_owned())
            })
        })
        .collect();
    assert_eq!(crates.len(), pinned.len(), "every pinned crate is in the lock file");
    crates
}

#[test]
fn registry_crates_have_exactly_the_expected_findings() {
    let mut found = BTreeSet::new();
    for (name, version, folder) in pinned_crates() {
        let output = Command::new(env!("CARGO_BIN_EXE_guardfix"))
            // `--deadlocks` too: a lock taken twice in these crates would be a false alarm.
            .args(["check", folder.to_str().unwrap(), "--format", "json", "--semantic", "never"])
            .arg("--deadlocks")
            .output()
            .expect("guardfix runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{name}-{version}: {}\n{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
        for record in
            stdout.lines().filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        {
            if record["type"] == "finding" {
                found.insert(format!(
                    "{name}-{version}/{}:{} {}",
                    record["file"].as_str().unwrap(),
                    record["acquire"]["line_start"],
                    record["kind"].as_str().unwrap()
                ));
            }
        }
    }
    let expected: BTreeSet<String> =
        std::fs::read_to_string(Path::new(CORPUS).join("expected.txt"))
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .map(str::to_owned)
            .collect();
    let unexpected: Vec<&String> = found.difference(&expected).collect();
    let missing: Vec<&String> = expected.difference(&found).collect();
    assert!(
        unexpected.is_empty() && missing.is_empty(),
        "not in expected.txt (false alarms?): {unexpected:#?}\nexpected but not found: {missing:#?}"
    );
}

/// Every finding (async locks' included) and every candidate for types, by file and place.
fn findings_of(folder: &Path, prefilter: bool) -> BTreeSet<String> {
    use guardfix::analyse::CheckOptions;
    use guardfix::driver::{RunOptions, check_path};
    let options = RunOptions {
        check: CheckOptions { include_async_locks: true, ..CheckOptions::default() },
        semantic: guardfix::semantic::SemanticMode::Never,
        prefilter,
        ..RunOptions::default()
    };
    let run = check_path(folder, options).expect("the folder can be checked");
    let mut seen = BTreeSet::new();
    for file in &run.checked {
        let path = file.entry.path.display();
        for finding in &file.findings {
            seen.insert(format!("{path}:{} {:?}", finding.acquire.start, finding.kind));
        }
        for candidate in &file.candidates {
            seen.insert(format!("{path}:{} candidate", candidate.start));
        }
    }
    for failure in &run.failed {
        seen.insert(format!("{} failed", failure.entry.path.display()));
    }
    seen
}

/// The text prefilter (`analyse::prefilter`) only skips files that cannot hold a guard: with it
/// and without it, the same findings and the same candidates for types, on the registry crates
/// and on every fixture of this repository.
#[test]
fn the_prefilter_loses_no_finding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut folders: Vec<PathBuf> =
        ["transforms", "tests/corpus", "demo"].iter().map(|folder| root.join(folder)).collect();
    folders.extend(pinned_crates().into_iter().map(|(_, _, folder)| folder));
    let mut compared = 0;
    for folder in folders {
        let with = findings_of(&folder, true);
        let without = findings_of(&folder, false);
        let lost: Vec<&String> = without.difference(&with).collect();
        let gained: Vec<&String> = with.difference(&without).collect();
        assert!(
            lost.is_empty() && gained.is_empty(),
            "{}: lost {lost:#?}\ngained {gained:#?}",
            folder.display()
        );
        compared += without.len();
    }
    assert!(compared > 100, "the comparison saw findings: {compared}");
}
