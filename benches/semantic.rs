//! `cargo bench --bench semantic`: what rust-analyzer's semantic layer costs on a real
//! multi-crate workspace, as ratios against `cargo check` of the same workspace in the same run.
//!
//! The workspace is `tests/projects/tokio_service` (a crate on tokio: its crate graph holds
//! tokio, its dependencies and the standard library), or `GUARDFIX_BENCH_WORKSPACE`. It is
//! copied to a temporary folder, and measured:
//! - `cargo check` (the library: the fixture's tests assert `Send` and fail before a fix)
//!   with an empty target folder (every dependency compiled) and
//!   again after touching the workspace's sources (the incremental check a developer waits for);
//! - loading it into rust-analyzer (`semantic::load`: cargo metadata, the sysroot, every crate's
//!   item tree);
//! - resolving the type of every expression of its own files through the oracle the analysis
//!   uses: time per resolved site;
//! - following every lock acquisition of its own files to all the places that hold and use
//!   the lock (`lock_sites`, rust-analyzer's find-usages: what the async-mutex transform
//!   searches before it switches a lock): time per acquisition;
//! - `guardfix check` with `--semantic never` and `always`;
//! - peak memory (VmHWM) of this process after all of it.
//!
//! Run without `--bench` (as `cargo test --benches` does), it does nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use guardfix::driver::{self, RunOptions};
use guardfix::semantic::{self, SemanticMode};
use ra_ap_syntax::{AstNode, Edition, SourceFile, ast};

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|arg| arg == "--bench") {
        return Ok(());
    }
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::env::var_os("GUARDFIX_BENCH_WORKSPACE")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("tests/projects/tokio_service"));
    let scratch = tempfile::tempdir()?;
    let workspace = scratch.path().join("workspace");
    copy_dir(&source, &workspace)?;
    let target = scratch.path().join("target");

    let cold_check = time(|| cargo_check(&workspace, &target))?;
    touch_sources(&workspace)?;
    let warm_check = time(|| cargo_check(&workspace, &target))?;

    let start = Instant::now();
    let loaded = semantic::load(&workspace)?;
    let load = start.elapsed();

    // The first pass pays for rust-analyzer's lazy work (name resolution of every crate,
    // each body's inference); the second is the cost per site once that is done.
    let (sites, resolved, resolve) = resolve_every_expression(&loaded, &workspace)?;
    let (_, _, warm_resolve) = resolve_every_expression(&loaded, &workspace)?;
    let (acquisitions, followed, follow) = follow_every_lock(&loaded, &workspace)?;
    drop(loaded);

    let check_with = |mode| {
        let options = RunOptions { semantic: mode, ..RunOptions::default() };
        time(|| driver::check_path(&workspace, options.clone()).map(drop).map_err(Into::into))
    };
    let syntactic = check_with(SemanticMode::Never)?;
    let with_types = check_with(SemanticMode::Always)?;
    let peak = peak_memory_kib();

    let ratio = |part: Duration, whole: Duration| part.as_secs_f64() / whole.as_secs_f64();
    let per_site = resolve.as_secs_f64() * 1e6 / sites.max(1) as f64;
    let warm_per_site = warm_resolve.as_secs_f64() * 1e6 / sites.max(1) as f64;
    let report = format!(
        "# guardfix semantic layer on `{}`\n\n\
         | measurement | time | vs cold `cargo check` | vs incremental `cargo check` |\n\
         |---|---|---|---|\n\
         | `cargo check`, empty target folder | {:.2} s | 1.00 | {:.2} |\n\
         | `cargo check`, sources touched | {:.2} s | {:.3} | 1.00 |\n\
         | load into rust-analyzer (once per run) | {:.2} s | {:.3} | {:.2} |\n\
         | type of every expression, first pass: {} sites, {} resolved | {:.3} s ({:.1} µs per site) | {:.4} | {:.3} |\n\
         | type of every expression, again (warm) | {:.4} s ({:.1} µs per site) | {:.5} | {:.4} |\n\
         | every lock followed to its holders and uses: {} acquisitions, {} followed | {:.4} s ({:.2} ms per acquisition) | {:.5} | {:.4} |\n\
         | `guardfix check --semantic never` | {:.3} s | {:.4} | {:.3} |\n\
         | `guardfix check --semantic always` | {:.2} s | {:.3} | {:.2} |\n\n\
         Peak memory of the process (VmHWM): {} MiB.\n",
        source.display(),
        cold_check.as_secs_f64(),
        ratio(cold_check, warm_check),
        warm_check.as_secs_f64(),
        ratio(warm_check, cold_check),
        load.as_secs_f64(),
        ratio(load, cold_check),
        ratio(load, warm_check),
        sites,
        resolved,
        resolve.as_secs_f64(),
        per_site,
        ratio(resolve, cold_check),
        ratio(resolve, warm_check),
        warm_resolve.as_secs_f64(),
        warm_per_site,
        ratio(warm_resolve, cold_check),
        ratio(warm_resolve, warm_check),
        acquisitions,
        followed,
        follow.as_secs_f64(),
        follow.as_secs_f64() * 1e3 / acquisitions.max(1) as f64,
        ratio(follow, cold_check),
        ratio(follow, warm_check),
        syntactic.as_secs_f64(),
        ratio(syntactic, cold_check),
        ratio(syntactic, warm_check),
        with_types.as_secs_f64(),
        ratio(with_types, cold_check),
        ratio(with_types, warm_check),
        peak.map_or_else(|| String::from("unknown"), |kib| (kib / 1024).to_string()),
    );
    print!("{report}");
    let out = std::env::var_os("GUARDFIX_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("target/guardfix-semantic-bench.md"));
    std::fs::write(&out, &report)?;
    eprintln!("report written to {}", out.display());
    Ok(())
}

/// Asks the oracle for the type of every expression of the workspace's own files: how many
/// there were, how many it knew, and how long it took.
fn resolve_every_expression(
    loaded: &semantic::SemanticWorkspace,
    workspace: &Path,
) -> anyhow::Result<(usize, usize, Duration)> {
    let mut sites = 0usize;
    let mut resolved = 0usize;
    let start = Instant::now();
    for file in rust_files(workspace) {
        let text = std::fs::read_to_string(&file)?;
        let tree = SourceFile::parse(&text, Edition::Edition2021).tree();
        let counted = loaded.with_oracle(&file, &text, |oracle| {
            let mut counts = (0, 0);
            for expr in tree.syntax().descendants().filter_map(ast::Expr::cast) {
                counts.0 += 1;
                counts.1 += usize::from(oracle.type_of(&expr).is_some());
            }
            counts
        });
        if let Some((all, known)) = counted {
            sites += all;
            resolved += known;
        }
    }
    Ok((sites, resolved, start.elapsed()))
}

/// Follows the lock of every `lock()`/`read()`/`write()` call in the workspace's own files to
/// every holder and use (the async-mutex transform's search): how many calls, how many locks
/// it could follow to the end, and how long it took.
fn follow_every_lock(
    loaded: &semantic::SemanticWorkspace,
    workspace: &Path,
) -> anyhow::Result<(usize, usize, Duration)> {
    let mut acquisitions = 0usize;
    let mut followed = 0usize;
    let start = Instant::now();
    for file in rust_files(workspace) {
        let text = std::fs::read_to_string(&file)?;
        loaded.set_text(&file, &text);
        let tree = SourceFile::parse(&text, Edition::Edition2021).tree();
        for call in tree.syntax().descendants().filter_map(ast::MethodCallExpr::cast) {
            let name = call.name_ref().map(|name| name.text().to_string()).unwrap_or_default();
            if matches!(name.as_str(), "lock" | "read" | "write") {
                acquisitions += 1;
                let range = call.syntax().text_range();
                followed += usize::from(loaded.lock_sites(&file, range).is_ok());
            }
        }
    }
    Ok((acquisitions, followed, start.elapsed()))
}

fn time(run: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let start = Instant::now();
    run()?;
    Ok(start.elapsed())
}

fn cargo_check(workspace: &Path, target: &Path) -> anyhow::Result<()> {
    let status = Command::new(env!("CARGO"))
        .args(["check", "--quiet"])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", target)
        .status()?;
    anyhow::ensure!(status.success(), "cargo check failed in {}", workspace.display());
    Ok(())
}

fn rust_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .build()
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    files
}

/// Rewrites every source file with its own contents, so cargo sees them as changed.
fn touch_sources(root: &Path) -> anyhow::Result<()> {
    for file in rust_files(root) {
        let text = std::fs::read(&file)?;
        std::fs::write(&file, text)?;
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target)?;
            }
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
