//! The command line shared by `guardfix` and `cargo guardfix`: argument parsing and output
//! only; the work is in the library.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::analyse::CheckOptions;
use crate::config::{ConfigRequest, ConfigSource};
use crate::discover::{self, Edition};
use crate::driver::{self, CheckRun, RunOptions};
use crate::edit::engine::FixOptions;
use crate::render::sarif::{self, ArtifactUri};
use crate::render::{self, human::HumanStyle};

#[derive(Parser)]
#[command(
    name = "guardfix",
    version,
    about = "Finds lock guards held across .await and rewrites the code so they are not"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report every lock guard alive at an `.await` (exit 0: clean, 1: findings, 2: errors).
    Check {
        #[command(flatten)]
        common: Common,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// rustc's JSON diagnostics, one per line, with fixes as suggestions (for editors and
        /// cargo-based tools): `json` bare, `json-cargo` as cargo's `compiler-message`.
        #[arg(long, value_enum, value_name = "FORMAT", conflicts_with = "format")]
        message_format: Option<crate::cli_editor::MessageFormat>,
        #[command(flatten)]
        baseline: BaselineArgs,
    },
    /// Run `cargo clippy --workspace --all-targets --message-format=json` and print guardfix's
    /// findings after clippy's, as cargo's messages: one command for rust-analyzer's
    /// `check.overrideCommand`. Arguments after `--` go to clippy.
    Clippy {
        #[command(flatten)]
        common: Common,
        #[arg(last = true, value_name = "CLIPPY_ARGS")]
        clippy_args: Vec<String>,
    },
    /// What a finding kind means, why it matters and how to fix it (`guardfix explain
    /// guard-held-across-await`; rustc's `guardfix::…` codes work too).
    Explain { kind: String },
    /// Serve the language server protocol on stdin/stdout: diagnostics as you type, fixes
    /// as code actions (see the README for editor settings).
    Lsp {
        /// Accepted for clients that pass it; stdio is the only transport.
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Compute fixes and show them as a diff; `--write` applies them in place.
    Fix {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        fix: crate::cli_fix::FixArgs,
    },
    /// Write each file's fix as a pending snapshot (insta's `.snap.new` format) for review.
    Migrate {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        migrate: crate::cli_batch::MigrateArgs,
    },
    /// Review the pending snapshots: accept, reject or skip each one.
    Review(crate::cli_batch::ReviewArgs),
    /// Apply the accepted snapshots to the source files.
    Apply(crate::cli_batch::ApplyArgs),
}

#[derive(clap::Args)]
struct BaselineArgs {
    /// Record today's findings in FILE (they are still reported; exit 0).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Report only findings not recorded in FILE (see `--write-baseline`); also `baseline` in
    /// the configuration.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
}

#[derive(clap::Args)]
struct Common {
    /// A cargo workspace, a crate, a folder or one `.rs` file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Edition for files outside any cargo package (2015, 2018, 2021, 2024).
    #[arg(long, default_value = "2021", value_parser = parse_edition)]
    edition: Edition,
    /// Also report async-aware locks (tokio, futures, async-lock) and semaphore permits.
    #[arg(long)]
    include_async_locks: bool,
    /// Do not report the deadlocks: a lock taken again while its guard is alive, two locks
    /// taken in opposite orders (`guardfix explain lock-taken-while-held`).
    #[arg(long)]
    no_deadlocks: bool,
    /// Report the deadlocks (the default; kept for scripts written when it was not).
    #[arg(long, hide = true, conflicts_with = "no_deadlocks")]
    deadlocks: bool,
    /// When to use colour: auto, always or never (`NO_COLOR` is honoured).
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
    /// Read this configuration file instead of `guardfix.toml` or Cargo.toml's
    /// `[*.metadata.guardfix]` at the workspace root.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Read no configuration file (neither guardfix's nor clippy's).
    #[arg(long)]
    no_config: bool,
    /// Skip files matching this glob (relative to the workspace root); adds to `exclude`.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Count this type as a guard (`my_crate::Guard` or `Guard`); adds to `extra-guard-types`.
    #[arg(long, value_name = "PATH")]
    guard_type: Vec<String>,
    /// When to load rust-analyzer's types for receivers the syntax cannot classify: auto (only
    /// when some are left), always, or never. Needs `rustup component add rust-src`.
    #[arg(long, value_enum, default_value = "auto")]
    semantic: crate::semantic::SemanticMode,
    /// Neither read nor write the cache of per-file results (kept under cargo's target
    /// folder, `target/guardfix/`, or the OS cache folder outside cargo).
    #[arg(long)]
    no_cache: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// rustc-style diagnostics.
    Human,
    /// One JSON object per line.
    Json,
    /// SARIF 2.1.0, for code scanning; carries `guardfix fix`'s edits as fixes.
    Sarif,
    /// GitHub Actions workflow commands (`::warning file=…`), one per finding.
    Github,
}

fn parse_edition(text: &str) -> Result<Edition, String> {
    discover::parse_edition(text)
        .ok_or_else(|| format!("unknown edition `{text}`: use 2015, 2018, 2021 or 2024"))
}

/// Runs the command line on `args` (the program name first, as `std::env::args_os` gives it).
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with status 0, usage errors to stderr with 2.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    match cli.command {
        Command::Check { common, format, message_format, baseline } => {
            run_check(&common, format, message_format, &baseline)
        }
        Command::Clippy { common, clippy_args } => {
            crate::cli_editor::run_clippy(&common.path, run_options(&common), &clippy_args)
        }
        Command::Lsp { .. } => crate::lsp::run(),
        Command::Explain { kind } => match render::explain::page(&kind) {
            Some(page) => {
                print!("{page}");
                ExitCode::SUCCESS
            }
            None => {
                let kinds = render::explain::kind_names().join(", ");
                eprintln!("error: no finding kind `{kind}`; the kinds are: {kinds}");
                ExitCode::from(2)
            }
        },
        Command::Fix { common, fix } => {
            let color = render::color_choice(&common.color, std::io::stdout().is_terminal());
            let options = run_options(&common);
            crate::cli_fix::run(&common.path, options, &fix, color)
        }
        Command::Migrate { common, migrate } => {
            crate::cli_batch::run_migrate(&common.path, run_options(&common), &migrate)
        }
        Command::Review(args) => crate::cli_batch::run_review(&args),
        Command::Apply(args) => crate::cli_batch::run_apply(&args),
    }
}

fn run_options(common: &Common) -> RunOptions {
    let source = match (&common.config, common.no_config) {
        (_, true) => ConfigSource::Ignore,
        (Some(file), false) => ConfigSource::File(file.clone()),
        (None, false) => ConfigSource::Discover,
    };
    RunOptions {
        default_edition: common.edition,
        check: CheckOptions {
            include_async_locks: common.include_async_locks,
            deadlocks: common.deadlocks || !common.no_deadlocks,
        },
        config: ConfigRequest {
            source,
            exclude: common.exclude.clone(),
            extra_guard_types: common.guard_type.clone(),
            strategy: None,
        },
        semantic: common.semantic,
        semantic_for_async_mutex: false,
        prefilter: true,
        cache: !common.no_cache,
    }
}

fn run_check(
    common: &Common,
    format: Format,
    message_format: Option<crate::cli_editor::MessageFormat>,
    baseline: &BaselineArgs,
) -> ExitCode {
    let color = render::color_choice(&common.color, std::io::stderr().is_terminal());
    let mut run = match driver::check_path(&common.path, run_options(common)) {
        Ok(run) => run,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &baseline.write_baseline {
        let recorded = crate::baseline::of_run(&run);
        if let Err(error) = crate::baseline::write(path, &recorded) {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
        eprintln!("wrote {} finding(s) to the baseline {}", run.finding_count(), path.display());
    } else if let Some(path) = baseline.baseline.clone().or_else(|| run.config.baseline.clone()) {
        let recorded = match crate::baseline::read(&path) {
            Ok(recorded) => recorded,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        };
        let comparison = crate::baseline::apply(&mut run, &recorded);
        eprintln!(
            "baseline {}: {} finding(s) left out as known, {} new",
            path.display(),
            comparison.baselined,
            run.finding_count()
        );
        if comparison.gone > 0 {
            eprintln!(
                "note: {} baselined finding(s) are gone: tighten the baseline with `guardfix check --write-baseline {}`",
                comparison.gone,
                path.display()
            );
        }
    }
    let written = match (message_format, format) {
        (Some(message_format), _) => crate::cli_editor::print_messages(&run, message_format),
        (None, Format::Human) => print_human(&run, HumanStyle { color }),
        (None, Format::Json) => print_json(&run),
        (None, Format::Sarif) => print_sarif(&run),
        (None, Format::Github) => print_github(&run),
    };
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: could not write the report: {error}");
        }
        return ExitCode::from(2);
    }
    if !run.failed.is_empty() {
        ExitCode::from(2)
    } else if run.finding_count() > 0 && baseline.write_baseline.is_none() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_human(run: &CheckRun, style: HumanStyle) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    print_warnings(run);
    for failure in &run.failed {
        let path = failure.entry.display_path.display().to_string();
        writeln!(out, "{}\n", render::human::render_file_error(&path, &failure.message, style))?;
    }
    for file in run.checked.iter().filter(|file| !file.findings.is_empty()) {
        let path = file.entry.display_path.display().to_string();
        if file.syntax_errors > 0 && !file.findings.is_empty() {
            eprintln!(
                "warning: {path} has {} syntax errors: its findings may be incomplete",
                file.syntax_errors
            );
        }
        let lines = render::line_index::LineIndex::new(&file.source.text);
        for finding in &file.findings {
            writeln!(
                out,
                "{}\n",
                render::human::render_finding(&path, &file.source.text, &lines, finding, style)
            )?;
        }
    }
    let summary = render::human::render_summary(
        run.finding_count(),
        run.files_scanned,
        run.failed.len(),
        style,
    );
    writeln!(out, "{summary}")
}

fn print_json(run: &CheckRun) -> std::io::Result<()> {
    print_warnings(run);
    let mut out = std::io::stdout().lock();
    for failure in &run.failed {
        let path = failure.entry.display_path.display().to_string();
        writeln!(out, "{}", render::json::error_json(&path, &failure.message))?;
    }
    for file in run.checked.iter().filter(|file| !file.findings.is_empty()) {
        let path = file.entry.display_path.display().to_string();
        let edition = edition_name(file.entry.edition);
        let lines = render::line_index::LineIndex::new(&file.source.text);
        for finding in &file.findings {
            writeln!(
                out,
                "{}",
                render::json::finding_json(&path, edition, &file.source.text, &lines, finding)
            )?;
        }
    }
    writeln!(
        out,
        "{}",
        render::json::summary_json(run.finding_count(), run.files_scanned, run.failed.len())
    )
}

/// Machine formats keep stdout for the report: warnings go to stderr.
fn print_warnings(run: &CheckRun) {
    for note in &run.notes {
        eprintln!("note: {note}");
    }
    for warning in &run.warnings {
        eprintln!("warning: {warning}");
    }
}

fn print_sarif(run: &CheckRun) -> std::io::Result<()> {
    print_warnings(run);
    let cwd = current_dir();
    // What `guardfix fix` would write with the same configuration: safe fixes only.
    let fix_options = FixOptions {
        strategy: run.config.strategy_choice(None),
        unsafe_fixes: false,
        check: run.check,
    };
    let fixes = driver::plan_fixes(run, fix_options);
    let fixed: Vec<Vec<bool>> = fixes
        .iter()
        .map(|(file, fixes)| match &fixes.new_text {
            Some(new_text) => driver::findings_gone(run, file, new_text),
            None => Vec::new(),
        })
        .collect();
    let files = fixes
        .iter()
        .zip(&fixed)
        .map(|((file, fixes), fixed)| sarif::SarifFile {
            uri: artifact_uri(&file.entry.path, cwd.as_deref()),
            text: &file.source.text,
            findings: &file.findings,
            fix: fixes.new_text.as_deref().map(|new_text| sarif::FileFix {
                new_text,
                applied: &fixes.applied,
                fixed,
                line_endings: file.source.line_endings,
            }),
        })
        .collect();
    let errors = run
        .failed
        .iter()
        .map(|failure| (artifact_uri(&failure.entry.path, cwd.as_deref()), failure.message.clone()))
        .collect();
    let log = sarif::sarif_log(&sarif::SarifRun {
        files,
        errors,
        src_root: cwd.as_deref().map(|dir| sarif::file_uri(dir, true)),
        version: env!("CARGO_PKG_VERSION"),
    });
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &log)?;
    writeln!(out)
}

fn print_github(run: &CheckRun) -> std::io::Result<()> {
    print_warnings(run);
    let cwd = current_dir();
    let mut out = std::io::stdout().lock();
    for failure in &run.failed {
        let path = runner_path(&failure.entry.path, cwd.as_deref());
        writeln!(out, "{}", render::github::error_command(&path, &failure.message))?;
    }
    for file in &run.checked {
        let path = runner_path(&file.entry.path, cwd.as_deref());
        let lines = render::line_index::LineIndex::new(&file.source.text);
        for finding in &file.findings {
            writeln!(out, "{}", render::github::finding_command(&path, &lines, finding))?;
        }
    }
    Ok(())
}

/// The folder paths in SARIF and GitHub output are relative to: where guardfix runs, which in
/// CI is the repository root that code scanning and the runner resolve paths against.
fn current_dir() -> Option<PathBuf> {
    std::env::current_dir().ok().and_then(|dir| std::fs::canonicalize(dir).ok())
}

fn artifact_uri(path: &Path, cwd: Option<&Path>) -> ArtifactUri {
    match cwd.and_then(|cwd| path.strip_prefix(cwd).ok()) {
        Some(relative) => ArtifactUri::Relative(sarif::relative_uri(relative)),
        None => ArtifactUri::Absolute(sarif::file_uri(path, false)),
    }
}

fn runner_path(path: &Path, cwd: Option<&Path>) -> String {
    render::slash_path(path, cwd)
}

fn edition_name(edition: Edition) -> &'static str {
    match edition {
        Edition::Edition2015 => "2015",
        Edition::Edition2018 => "2018",
        Edition::Edition2021 => "2021",
        _ => "2024",
    }
}
