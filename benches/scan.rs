//! `cargo bench --bench scan`: how fast `guardfix check` gets through a large corpus, as a ratio
//! against the baseline any syntax-level tool pays, reading and parsing every file, measured on
//! the same files in the same run.
//!
//! The corpus is every `.rs` file under `$CARGO_HOME/registry/src` (what `cargo fetch` put there),
//! as guardfix's own walk finds them. Environment:
//! - `GUARDFIX_BENCH_CORPUS`: another folder to scan instead (best without a `Cargo.toml` at its
//!   root, so the scan does not depend on `cargo metadata`).
//! - `GUARDFIX_BENCH_LIMIT`: at most this many files.
//! - `GUARDFIX_BENCH_RUNS`: repetitions per figure (default 3); the median is reported.
//! - `GUARDFIX_BENCH_OUT`: where to write the report (default `$CARGO_TARGET_DIR/guardfix-bench.md`,
//!   or `target/guardfix-bench.md`).
//!
//! The 25%, 50% and 100% samples are materialized as hard links (copies across file systems) in
//! a temporary folder, so `driver::check_path` runs on exactly the sampled files and the baseline
//! reads the very same inodes. Samples are prefixes of one pseudo-random order, so each holds
//! files from every crate rather than the alphabetically first crates.
//!
//! Run without `--bench` (as `cargo test --benches` does), it only makes a quick pass over a few
//! files to show the code still works, and writes no report file.

use std::{
    fmt::Write as _,
    hint::black_box,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use guardfix::{
    analyse,
    discover::{self, Edition},
    driver::{self, CheckRun, RunOptions},
    parse,
};
use rayon::prelude::*;

/// The edition every corpus file is parsed with: the registry has no `Cargo.toml` at its root,
/// so the scan gives every file the default edition too, and the baseline must match it.
const EDITION: Edition = Edition::Edition2021;

const SAMPLES: [u32; 3] = [25, 50, 100];

/// How many files the smoke pass (no `--bench`) scans.
const SMOKE_FILES: usize = 40;

struct Config {
    root: PathBuf,
    limit: Option<usize>,
    runs: usize,
    out: Option<PathBuf>,
}

/// One file of the corpus, as found under the corpus root.
struct CorpusFile {
    relative: PathBuf,
    lines: u64,
    bytes: u64,
    /// Whether it is valid UTF-8 and so contributes lines; the rest still go through both
    /// pipelines, which both reject them after the read.
    readable: bool,
}

struct Sample {
    percent: u32,
    root: PathBuf,
    files: Vec<PathBuf>,
    lines: u64,
}

/// Median and spread of several timings of the same work.
#[derive(Clone, Copy)]
struct Timing {
    median: Duration,
    min: Duration,
    max: Duration,
}

struct SampleResult {
    parse: Timing,
    scan: Timing,
}

fn main() -> anyhow::Result<()> {
    let full = std::env::args().any(|arg| arg == "--bench");
    let config = config(full)?;
    let all = corpus(&config.root)?;
    if all.is_empty() {
        bail!(
            "no .rs files under {}; run `cargo fetch` in a cargo project first, or point GUARDFIX_BENCH_CORPUS at a folder of Rust sources",
            config.root.display()
        );
    }
    let load_before = load_average();
    let found = all.len();
    let chosen = choose(all, config.limit);

    let scratch =
        tempfile::tempdir().context("cannot create a temporary folder for the samples")?;
    let samples = SAMPLES
        .iter()
        .map(|&percent| materialize(&config.root, &chosen, percent, scratch.path()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let full_sample = samples.last().expect("100% is the last sample");

    // Warm the page cache and the allocator so the first measured pipeline is not charged for it.
    parse_all_parallel(&full_sample.files);
    let scan_result = scan(&full_sample.root);

    let mut parse_seq = Vec::new();
    let mut per_sample: Vec<(Vec<Duration>, Vec<Duration>)> =
        vec![Default::default(); SAMPLES.len()];
    // Interleaved rounds, so slow drift of the machine (thermal, other load) hits the baseline and
    // the scan alike instead of whichever ran last.
    for _ in 0..config.runs {
        parse_seq.push(time(|| parse_all_sequential(&full_sample.files)));
        for (sample, (parse_times, scan_times)) in samples.iter().zip(&mut per_sample) {
            parse_times.push(time(|| parse_all_parallel(&sample.files)));
            scan_times.push(time(|| scan(&sample.root)));
        }
    }
    let results: Vec<SampleResult> = per_sample
        .iter()
        .map(|(parse_times, scan_times)| SampleResult {
            parse: timing(parse_times),
            scan: timing(scan_times),
        })
        .collect();

    // The same scan on the corpus root itself, to show the materialized sample is no easier than
    // the real tree (it runs the walk over `.gitignore`s and skipped files too).
    let on_root = (config.limit.is_none() && full).then(|| {
        let mut counts = RunCounts::default();
        let timings: Vec<Duration> = (0..config.runs)
            .map(|_| {
                time(|| {
                    let run = scan(&config.root);
                    counts = RunCounts::of(&run);
                    run
                })
            })
            .collect();
        (timing(&timings), counts)
    });
    let walk = timing(
        &(0..config.runs)
            .map(|_| time(|| discover::discover(&full_sample.root, EDITION).map(|d| d.files.len())))
            .collect::<Vec<_>>(),
    );

    let report = Report {
        load: [load_before, load_average()],
        config: &config,
        found,
        chosen: &chosen,
        samples: &samples,
        results: &results,
        parse_seq: timing(&parse_seq),
        walk,
        scan_result: &scan_result,
        on_root,
    }
    .render();
    print!("{report}");
    if let Some(out) = &config.out {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(out, &report).with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("report written to {}", out.display());
    }
    Ok(())
}

fn config(full: bool) -> anyhow::Result<Config> {
    let root = match std::env::var_os("GUARDFIX_BENCH_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => cargo_home()?.join("registry").join("src"),
    };
    let limit = match env_number("GUARDFIX_BENCH_LIMIT")? {
        Some(limit) => Some(limit),
        None if !full => Some(SMOKE_FILES),
        None => None,
    };
    let runs = if full { env_number("GUARDFIX_BENCH_RUNS")?.unwrap_or(3).max(1) } else { 1 };
    let out = full.then(|| match std::env::var_os("GUARDFIX_BENCH_OUT") {
        Some(path) => PathBuf::from(path),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"), PathBuf::from)
            .join("guardfix-bench.md"),
    });
    Ok(Config { root, limit, runs, out })
}

fn cargo_home() -> anyhow::Result<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Ok(PathBuf::from(home));
    }
    let home = std::env::var_os("HOME")
        .context("neither CARGO_HOME nor HOME is set; set GUARDFIX_BENCH_CORPUS")?;
    Ok(PathBuf::from(home).join(".cargo"))
}

fn env_number(name: &str) -> anyhow::Result<Option<usize>> {
    let Some(value) = std::env::var_os(name) else { return Ok(None) };
    let text = value.to_string_lossy();
    let number = text.parse().with_context(|| format!("{name}={text:?} is not a whole number"))?;
    Ok(Some(number))
}

/// The `.rs` files guardfix's own walk finds under `root`, so the baseline parses exactly what
/// the scan would see (hidden folders, build output and `.gitignore`d files are left out).
fn corpus(root: &Path) -> anyhow::Result<Vec<CorpusFile>> {
    let discovery = discover::discover(root, EDITION)
        .with_context(|| format!("cannot use {} as the corpus", root.display()))?;
    let mut files: Vec<CorpusFile> = discovery
        .files
        .into_par_iter()
        .map(|entry| {
            let bytes = std::fs::read(&entry.path).unwrap_or_default();
            let text = std::str::from_utf8(&bytes).ok();
            let relative = entry.path.strip_prefix(root).unwrap_or(&entry.path).to_owned();
            CorpusFile {
                relative,
                lines: text.map_or(0, |text| text.lines().count() as u64),
                bytes: bytes.len() as u64,
                readable: text.is_some(),
            }
        })
        .collect();
    files.sort_by_key(|file| fnv1a(file.relative.as_os_str().as_encoded_bytes()));
    Ok(files)
}

/// A fixed pseudo-random order: stable across runs and machines, unlike a seeded shuffle that
/// depends on the walk order.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn choose(mut files: Vec<CorpusFile>, limit: Option<usize>) -> Vec<CorpusFile> {
    if let Some(limit) = limit {
        files.truncate(limit);
    }
    files
}

fn materialize(
    corpus_root: &Path,
    chosen: &[CorpusFile],
    percent: u32,
    scratch: &Path,
) -> anyhow::Result<Sample> {
    let count = (chosen.len() * percent as usize).div_ceil(100);
    let root = scratch.join(format!("sample-{percent}"));
    let mut files = Vec::with_capacity(count);
    for file in &chosen[..count] {
        let from = corpus_root.join(&file.relative);
        let to = root.join(&file.relative);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to)
                .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
        }
        files.push(to);
    }
    files.sort();
    let lines = chosen[..count].iter().map(|file| file.lines).sum();
    Ok(Sample { percent, root, files, lines })
}

/// The baseline: read and parse one file, as any syntax-level tool must, and drop the tree.
fn read_and_parse(path: &Path) -> usize {
    let Ok(source) = parse::read_source(path) else { return 0 };
    match parse::parse_source(&source.text, EDITION) {
        Ok(parse) => black_box(parse.errors().len()) + 1,
        Err(_) => 0,
    }
}

fn parse_all_sequential(files: &[PathBuf]) -> usize {
    files.iter().map(|path| read_and_parse(path)).sum()
}

fn parse_all_parallel(files: &[PathBuf]) -> usize {
    files.par_iter().map(|path| read_and_parse(path)).sum()
}

fn scan(root: &Path) -> CheckRun {
    match driver::check_path(root, RunOptions::default()) {
        Ok(run) => run,
        Err(error) => panic!("check_path failed on {}: {error}", root.display()),
    }
}

/// The result is dropped before the clock stops: freeing what a pipeline built is part of its
/// cost, for the baseline (one tree at a time) and the scan (all at the end) alike.
fn time<T>(work: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    black_box(work());
    start.elapsed()
}

fn timing(times: &[Duration]) -> Timing {
    let mut sorted = times.to_vec();
    sorted.sort();
    Timing { median: sorted[sorted.len() / 2], min: sorted[0], max: sorted[sorted.len() - 1] }
}

struct Report<'a> {
    /// The machine's load average before and after, where the OS tells: other work running at
    /// the same time slows the baseline and the scan alike, but not exactly alike.
    load: [Option<String>; 2],
    config: &'a Config,
    found: usize,
    chosen: &'a [CorpusFile],
    samples: &'a [Sample],
    results: &'a [SampleResult],
    parse_seq: Timing,
    walk: Timing,
    scan_result: &'a CheckRun,
    on_root: Option<(Timing, RunCounts)>,
}

/// What a scan found, kept instead of the run itself so that freeing a run is timed with it.
#[derive(Clone, Copy, Default)]
struct RunCounts {
    files_scanned: usize,
    findings: usize,
}

impl RunCounts {
    fn of(run: &CheckRun) -> RunCounts {
        RunCounts { files_scanned: run.files_scanned, findings: run.finding_count() }
    }
}

impl Report<'_> {
    fn render(&self) -> String {
        let mut out = String::new();
        self.corpus_section(&mut out);
        self.throughput_section(&mut out);
        self.flatness_section(&mut out);
        out
    }

    fn corpus_section(&self, out: &mut String) {
        let lines: u64 = self.chosen.iter().map(|file| file.lines).sum();
        let bytes: u64 = self.chosen.iter().map(|file| file.bytes).sum();
        let unreadable = self.chosen.iter().filter(|file| !file.readable).count();
        let sampled = match self.config.limit {
            Some(limit) if limit < self.found => format!(", limited to {limit}"),
            _ => String::new(),
        };
        let run = self.scan_result;
        let (parsed, analysed) = prefilter_counts(self.samples.last().expect("100% sample"));
        let files = self.chosen.len();
        let _ = writeln!(out, "# guardfix scan benchmark\n");
        let _ = writeln!(
            out,
            "- corpus: `{}`: {} `.rs` files found by guardfix's walk{sampled}",
            self.config.root.display(),
            self.found,
        );
        let _ = writeln!(
            out,
            "- measured: {files} files, {} lines, {:.1} MB ({unreadable} not UTF-8)",
            thousands(lines),
            bytes as f64 / 1e6,
        );
        let _ = writeln!(
            out,
            "- {} rayon threads; every figure is the median of {} runs (min–max in brackets); edition {} for every file",
            rayon::current_num_threads(),
            self.config.runs,
            EDITION.number(),
        );
        if let [Some(before), Some(after)] = &self.load {
            let _ = writeln!(out, "- load average (1, 5, 15 min) before: {before}; after: {after}");
        }
        let _ = writeln!(
            out,
            "- the scan's prefilter parses {parsed} of {files} files ({}), {analysed} of them to analyse; the rest are only read",
            percent(parsed, files),
        );
        let _ = writeln!(
            out,
            "- scan result: {} findings in {} files, {} files with errors\n",
            run.finding_count(),
            run.checked.iter().filter(|file| !file.findings.is_empty()).count(),
            run.failed.len(),
        );
    }

    fn throughput_section(&self, out: &mut String) {
        let full = self.samples.last().expect("100% sample");
        let result = self.results.last().expect("100% result");
        let baseline = result.parse.median;
        let files = full.files.len() as u64;
        let _ = writeln!(out, "## Throughput on 100% of the corpus\n");
        let _ =
            writeln!(out, "| step | time | files/s | lines/s | ns/line | ÷ parallel read+parse |");
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        let mut row = |name: &str, timing: Timing| {
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {:.0} | {:.2} |",
                show(timing),
                thousands(per_second(files, timing.median)),
                thousands(per_second(full.lines, timing.median)),
                ns_per(full.lines, timing.median),
                ratio(timing.median, baseline),
            );
        };
        row("baseline: read + parse every file, sequential", self.parse_seq);
        row("baseline: read + parse every file, parallel", result.parse);
        row("guardfix scan (`driver::check_path`)", result.scan);
        if let Some((timing, _)) = self.on_root {
            row("guardfix scan on the corpus root itself", timing);
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "- scan ÷ sequential parse-everything: {:.2}",
            ratio(result.scan.median, self.parse_seq.median)
        );
        let _ = writeln!(
            out,
            "- of the scan, the discovery walk alone takes {} ({:.2} of the parallel baseline)",
            show(self.walk),
            ratio(self.walk.median, baseline),
        );
        if let Some((_, root)) = self.on_root {
            let _ = writeln!(
                out,
                "- on the corpus root, `check_path` scanned {} files ({} in the sample) and found {} findings ({} in the sample)",
                root.files_scanned,
                self.scan_result.files_scanned,
                root.findings,
                self.scan_result.finding_count(),
            );
        }
        let _ = writeln!(out);
    }

    fn flatness_section(&self, out: &mut String) {
        let full_scan = self.results.last().expect("100% result").scan.median;
        let full_lines = self.samples.last().expect("100% sample").lines;
        let full_ns = ns_per(full_lines, full_scan);
        let _ = writeln!(out, "## Flatness: cost per line as the corpus grows\n");
        let _ = writeln!(
            out,
            "| sample | files | lines | parse time | scan time | parse ns/line | scan ns/line | scan ÷ parse | scan ns/line ÷ at 100% |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
        for (sample, result) in self.samples.iter().zip(self.results) {
            let scan_ns = ns_per(sample.lines, result.scan.median);
            let _ = writeln!(
                out,
                "| {}% | {} | {} | {} | {} | {:.0} | {:.0} | {:.2} | {:.2} |",
                sample.percent,
                sample.files.len(),
                thousands(sample.lines),
                show(result.parse),
                show(result.scan),
                ns_per(sample.lines, result.parse.median),
                scan_ns,
                ratio(result.scan.median, result.parse.median),
                scan_ns / full_ns,
            );
        }
    }
}

fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// How many files of the sample the scan's prefilter parses, and how many of those it analyses.
fn prefilter_counts(sample: &Sample) -> (usize, usize) {
    let mut parsed = 0;
    let mut analysed = 0;
    for path in &sample.files {
        let Ok(source) = parse::read_source(path) else { continue };
        let wants_analysis = analyse::may_have_findings(&source.text);
        if wants_analysis || analyse::may_declare_locks(&source.text) {
            parsed += 1;
        }
        analysed += usize::from(wants_analysis);
    }
    (parsed, analysed)
}

fn show(timing: Timing) -> String {
    format!("{} ({}–{})", ms(timing.median), ms(timing.min), ms(timing.max))
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1e3)
}

fn ratio(part: Duration, whole: Duration) -> f64 {
    part.as_secs_f64() / whole.as_secs_f64()
}

fn per_second(count: u64, duration: Duration) -> u64 {
    (count as f64 / duration.as_secs_f64()) as u64
}

fn ns_per(count: u64, duration: Duration) -> f64 {
    duration.as_nanos() as f64 / count.max(1) as f64
}

fn percent(part: usize, whole: usize) -> String {
    format!("{:.0}%", 100.0 * part as f64 / whole.max(1) as f64)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
