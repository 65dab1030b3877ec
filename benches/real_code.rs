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
        "# guardfix on real code\n\n| project | files | parse all (s) | ast-grep `$M.lock()` (s) | `check --semantic never` (s) | ÷ parse | ÷ ast-grep | `check` (auto) (s) | ÷ never | findings |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut projects = projects()?;
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
        let never = median(runs, || findings = check(folder, SemanticMode::Never));
        let auto = median(runs, || {
            check(folder, SemanticMode::Auto);
        });
        let seconds = |d: Duration| format!("{:.3}", d.as_secs_f64());
        let ratio = |a: Duration, b: Duration| format!("{:.2}", a.as_secs_f64() / b.as_secs_f64());
        writeln!(
            report,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {findings} |",
            files.len(),
            seconds(parse_all),
            grep.map_or("-".to_owned(), seconds),
            seconds(never),
            ratio(never, parse_all),
            grep.map_or("-".to_owned(), |grep| ratio(never, grep)),
            seconds(auto),
            ratio(auto, never),
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
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
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

fn check(folder: &Path, semantic: SemanticMode) -> usize {
    let options = RunOptions { semantic, ..RunOptions::default() };
    driver::check_path(folder, options).map_or(0, |run| run.finding_count())
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
