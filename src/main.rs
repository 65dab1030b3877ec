//! The `guardfix` command line: argument parsing and output only; the work is in the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use guardfix::analyse::CheckOptions;
use guardfix::discover::{self, Edition};
use guardfix::driver::{self, CheckRun, RunOptions};
use guardfix::render::{self, human::HumanStyle};

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
    },
    /// Compute fixes and show them as a diff; `--write` applies them in place.
    Fix {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        fix: guardfix::cli_fix::FixArgs,
    },
    /// Write each file's fix as a pending snapshot (insta's `.snap.new` format) for review.
    Migrate {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        migrate: guardfix::cli_batch::MigrateArgs,
    },
    /// Review the pending snapshots: accept, reject or skip each one.
    Review(guardfix::cli_batch::ReviewArgs),
    /// Apply the accepted snapshots to the source files.
    Apply(guardfix::cli_batch::ApplyArgs),
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
    /// When to use colour: auto, always or never (`NO_COLOR` is honoured).
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

fn parse_edition(text: &str) -> Result<Edition, String> {
    discover::parse_edition(text)
        .ok_or_else(|| format!("unknown edition `{text}`: use 2015, 2018, 2021 or 2024"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { common, format } => run_check(&common, format),
        Command::Fix { common, fix } => {
            let color = render::color_choice(&common.color, std::io::stdout().is_terminal());
            let options = run_options(&common);
            guardfix::cli_fix::run(&common.path, options, &fix, color)
        }
        Command::Migrate { common, migrate } => {
            guardfix::cli_batch::run_migrate(&common.path, run_options(&common), &migrate)
        }
        Command::Review(args) => guardfix::cli_batch::run_review(&args),
        Command::Apply(args) => guardfix::cli_batch::run_apply(&args),
    }
}

fn run_options(common: &Common) -> RunOptions {
    RunOptions {
        default_edition: common.edition,
        check: CheckOptions { include_async_locks: common.include_async_locks },
    }
}

fn run_check(common: &Common, format: Format) -> ExitCode {
    let color = render::color_choice(&common.color, std::io::stderr().is_terminal());
    let run = match driver::check_path(&common.path, run_options(common)) {
        Ok(run) => run,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let written = match format {
        Format::Human => print_human(&run, HumanStyle { color }),
        Format::Json => print_json(&run),
    };
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: could not write the report: {error}");
        }
        return ExitCode::from(2);
    }
    if !run.failed.is_empty() {
        ExitCode::from(2)
    } else if run.finding_count() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_human(run: &CheckRun, style: HumanStyle) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for warning in &run.warnings {
        eprintln!("warning: {warning}");
    }
    for failure in &run.failed {
        let path = failure.entry.display_path.display().to_string();
        writeln!(out, "{}\n", render::human::render_file_error(&path, &failure.message, style))?;
    }
    for file in &run.checked {
        let path = file.entry.display_path.display().to_string();
        if file.syntax_errors > 0 && !file.findings.is_empty() {
            eprintln!(
                "warning: {path} has {} syntax errors: its findings may be incomplete",
                file.syntax_errors
            );
        }
        for finding in &file.findings {
            writeln!(
                out,
                "{}\n",
                render::human::render_finding(&path, &file.source.text, finding, style)
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
    let mut out = std::io::stdout().lock();
    for failure in &run.failed {
        let path = failure.entry.display_path.display().to_string();
        writeln!(out, "{}", render::json::error_json(&path, &failure.message))?;
    }
    for file in &run.checked {
        let path = file.entry.display_path.display().to_string();
        let edition = edition_name(file.entry.edition);
        for finding in &file.findings {
            writeln!(
                out,
                "{}",
                render::json::finding_json(&path, edition, &file.source.text, finding)
            )?;
        }
    }
    writeln!(
        out,
        "{}",
        render::json::summary_json(run.finding_count(), run.files_scanned, run.failed.len())
    )
}

fn edition_name(edition: Edition) -> &'static str {
    match edition {
        Edition::Edition2015 => "2015",
        Edition::Edition2018 => "2018",
        Edition::Edition2021 => "2021",
        _ => "2024",
    }
}
