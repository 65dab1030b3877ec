//! `cargo bench --bench real_code`: `guardfix check` on real projects, as ratios against
//! baselines measured in the same run on the same files: reading and parsing every `.rs` file
//! in parallel, and ast-grep's single `$M.lock()` pattern (when an `ast-grep` binary is on
//! PATH or named by `GUARDFIX_AST_GREP`).
//!
//! Projects: `GUARDFIX_BENCH_PROJECTS` (folders separated by `:`, such as checkouts of real
//! applications), else the pinned crates of `tests/registry_corpus` (run `cargo fetch` there
//! first, as its test does). Also measured: one generated file of 100,000 small async fns
//! (7 MB, 16,667 findings), where cost per finding shows. `GUARDFIX_BENCH_RUNS` (default 3)
//! repetitions, the median reported; the report goes to
//! `$CARGO_TARGET_DIR/guardfix-real-code-bench.md` (or `target/…`).
//!
//! Run without `--bench` (as `cargo test --benches` does), it makes one quick pass over a small
//! generated project and writes no report.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use guardfix::driver::{self, RunOptions};
use guardfix::parse;
use guardfix::semantic::SemanticMode;
use rayon::prelude::*;

fn main() -> anyhow::Result<()> {
    let full = std::env::args().any(|arg| arg == "--bench");
    let runs: usize = match std::env::var("GUARDFIX_BENCH_RUNS") {
        Ok(value) => value.trim().parse().context("GUARDFIX_BENCH_RUNS must be a number")?,
        Err(_) => 3,
    };
    let scratch = tempfile::tempdir()?;
    let generated = generated_file(scratch.path(), if full { 100_000 } else { 600 })?;
    if !full {
        let run = check(&generated, SemanticMode::Never);
        assert!(run > 0, "the generated file has findings");
        println!("real_code bench: smoke pass done ({run} findings)");
        return Ok(());
    }
    let ast_grep = std::env::var_os("GUARDFIX_AST_GREP").map(PathBuf::from).or_else(|| {
        Command::new("ast-grep").arg("--version").output().ok().map(|_| PathBuf::from("ast-grep"))
    });
    let mut report = String::from(
        "# guardfix on real code\n\nThe guardfix binary as a user runs it, against baselines measured in the same run on the same files. Speed-ups are baseline time ÷ guardfix time (above 1: guardfix is faster).\n\n| project | files | parse all (s) | ast-grep `$M.lock()` (s) | cold `check --semantic never --no-cache` (s) | × vs ast-grep | × vs parse | warm (cached) (s) | × vs ast-grep | `check` (auto) (s) | auto ÷ never | findings |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut projects = projects()?;
    if std::env::var_os("GUARDFIX_BENCH_PROJECTS").is_none() {
        // The pinned crates as one tree too: per crate, process start-up is most of the time.
        let together = scratch.path().join("registry-corpus");
        for (_, folder) in &projects {
            copy_tree(folder, &together.join(folder.file_name().unwrap_or_default()))?;
        }
        projects.push(("all pinned registry crates, one tree".to_owned(), together));
    }
    projects.push(("generated: 100,000 async fns in one file".to_owned(), generated));
    for (name, folder) in &projects {
        let files = rust_files(folder);
        let parse_all = median(runs, || {
            files.par_iter().map(|file| parse_one(file)).sum::<usize>();
        });
        let grep = ast_grep.as_ref().map(|binary| {
            median(runs, || {
                let _ = Command::new(binary)
                    .args(["run", "-p", "$M.lock()", "-l", "rust", "--json=stream"])
                    .arg(folder)
                    .output();
            })
        });
        let mut findings = 0;
        let cold =
            median(runs, || findings = guardfix(folder, &["--semantic", "never", "--no-cache"]));
        guardfix(folder, &["--semantic", "never"]);
        let warm = median(runs, || {
            guardfix(folder, &["--semantic", "never"]);
        });
        let auto = median(runs, || {
            guardfix(folder, &["--no-cache"]);
        });
        let seconds = |d: Duration| format!("{:.3}", d.as_secs_f64());
        let times = |baseline: Duration, ours: Duration| {
            format!("{:.1}", baseline.as_secs_f64() / ours.as_secs_f64())
        };
        writeln!(
            report,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {findings} |",
            files.len(),
            seconds(parse_all),
            grep.map_or("-".to_owned(), seconds),
            seconds(cold),
            grep.map_or("-".to_owned(), |grep| times(grep, cold)),
            times(parse_all, cold),
            seconds(warm),
            grep.map_or("-".to_owned(), |grep| times(grep, warm)),
            seconds(auto),
            auto.as_secs_f64() / cold.as_secs_f64(),
        )?;
    }
    let out = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("guardfix-real-code-bench.md");
    std::fs::write(&out, &report)?;
    println!("{report}\nreport written to {}", out.display());
    Ok(())
}

/// `GUARDFIX_BENCH_PROJECTS`, else the registry corpus's pinned crates.
fn projects() -> anyhow::Result<Vec<(String, PathBuf)>> {
    if let Ok(list) = std::env::var("GUARDFIX_BENCH_PROJECTS") {
        return Ok(list
            .split(':')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let path = PathBuf::from(part);
                let name = path.file_name().map_or(part.to_owned(), |n| n.to_string_lossy().into());
                (name, path)
            })
            .collect());
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/registry_corpus");
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--locked", "--offline", "--format-version", "1", "--filter-platform"])
        .arg(host())
        .current_dir(&corpus)
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "cargo metadata in {} failed (run `cargo fetch` there first): {}",
        corpus.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let manifest = std::fs::read_to_string(corpus.join("Cargo.toml"))?;
    let mut projects = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let (Some(name), Some(version)) = (package["name"].as_str(), package["version"].as_str())
        else {
            continue;
        };
        if manifest.contains(&format!("{name} = ")) && manifest.contains(&format!("\"={version}\""))
        {
            let path = PathBuf::from(package["manifest_path"].as_str().unwrap_or_default());
            projects.push((format!("{name} {version}"), path.parent().unwrap().to_owned()));
        }
    }
    Ok(projects)
}

/// Runs the guardfix binary's `check` on `folder`; the number of findings it printed.
fn guardfix(folder: &Path, extra: &[&str]) -> usize {
    let output = Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .args(["check", "--format", "json"])
        .args(extra)
        .arg(folder)
        .output()
        .expect("guardfix runs");
    String::from_utf8_lossy(&output.stdout).matches("\"type\":\"finding\"").count()
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in ignore::WalkBuilder::new(from).hidden(false).build().filter_map(Result::ok) {
        let relative = entry.path().strip_prefix(from)?;
        let target = to.join(relative);
        if entry.file_type().is_some_and(|kind| kind.is_dir()) {
            std::fs::create_dir_all(&target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn check(folder: &Path, semantic: SemanticMode) -> usize {
    let options = RunOptions { semantic, ..RunOptions::default() };
    driver::check_path(folder, options).map_or(0, |run| run.finding_count())
}

fn host() -> String {
    let output = Command::new("rustc").arg("-vV").output().expect("rustc runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc names its host")
}

fn rust_files(folder: &Path) -> Vec<PathBuf> {
    if folder.is_file() {
        return vec![folder.to_owned()];
    }
    ignore::WalkBuilder::new(folder)
        .build()
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect()
}

fn parse_one(path: &Path) -> usize {
    let Ok(source) = parse::read_source(path) else { return 0 };
    parse::parse_source(&source.text, guardfix::discover::Edition::Edition2021)
        .map_or(0, |p| p.errors().len())
}

fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// One file of `fns` small async fns, every sixth holding a guard across an await.
fn generated_file(folder: &Path, fns: usize) -> anyhow::Result<PathBuf> {
    let mut text = String::from("use std::sync::Mutex;\nasync fn tick() {}\n");
    for i in 0..fns {
        if i % 6 == 0 {
            writeln!(
                text,
                "pub async fn f{i}(m: &Mutex<u32>) -> u32 {{ let g = m.lock().unwrap(); tick().await; *g }}"
            )?;
        } else {
            writeln!(text, "pub async fn f{i}(m: &Mutex<u32>) -> u32 {{ tick().await; {i} }}")?;
        }
    }
    let path = folder.join("generated.rs");
    std::fs::write(&path, text)?;
    Ok(path)
}
