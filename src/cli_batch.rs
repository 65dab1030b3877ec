//! `guardfix migrate`, `review` and `apply`: arguments and output; the work is in
//! [`crate::batch`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

use crate::batch::{
    apply::{self, ApplyOptions, Outcome},
    migrate, review,
};
use crate::cli_fix::FixChoiceArgs;
use crate::driver::RunOptions;

/// A progress bar appears only on a terminal, and only for runs with at least this many files
/// to fix: shorter runs end before it would say anything.
const PROGRESS_MIN_FILES: usize = 10;

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// Folder for the snapshots (created if missing), one `.snap.new` per changed file.
    #[arg(long, value_name = "DIR")]
    pub snapshots: PathBuf,
    #[command(flatten)]
    pub choice: FixChoiceArgs,
}

#[derive(clap::Args, Debug)]
pub struct ReviewArgs {
    /// Folder `guardfix migrate` wrote the snapshots to.
    #[arg(long, value_name = "DIR")]
    pub snapshots: PathBuf,
    /// When to use colour: auto, always or never (`NO_COLOR` is honoured).
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
}

#[derive(clap::Args, Debug)]
pub struct ApplyArgs {
    /// Folder holding the accepted snapshots (`.snap`).
    #[arg(long, value_name = "DIR")]
    pub snapshots: PathBuf,
    /// Run `cargo check` afterwards and revert the files whose fixes break it.
    #[arg(long)]
    pub verify: bool,
    /// Allow a git tree with uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Allow a folder that is not under version control.
    #[arg(long)]
    pub allow_no_vcs: bool,
}

pub fn run_migrate(path: &Path, mut options: RunOptions, args: &MigrateArgs) -> ExitCode {
    options.config.strategy = args.choice.strategy.clone();
    let bar = Progress::new("computing fixes");
    let fix_options = args.choice.fix_options(&options);
    let report =
        migrate::migrate(path, &args.snapshots, options, fix_options, &|d, t| bar.update(d, t));
    bar.finish();
    let report = match report {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    for note in &report.computed.notes {
        eprintln!("note: {note}");
    }
    for warning in &report.computed.warnings {
        eprintln!("warning: {warning}");
    }
    for failure in &report.computed.failed {
        eprintln!("error: {}: {}", failure.entry.display_path.display(), failure.message);
    }
    let mut fixed = 0;
    let mut skipped = 0;
    for file in &report.computed.files {
        let display = file.display_path();
        if file.syntax_errors > 0 {
            eprintln!("skipped {display}: it has syntax errors; fix them first");
            skipped += file.findings.len();
            continue;
        }
        for outcome in file.outcomes() {
            match outcome.result {
                crate::fix::Outcome::Fixed { .. } => fixed += 1,
                crate::fix::Outcome::Skipped { reason } => {
                    skipped += 1;
                    eprintln!("skipped {display}:{}: {reason}", outcome.line);
                }
            }
        }
    }
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    for (snapshot, source) in &report.written {
        eprintln!("wrote {} ({source})", snapshot.display());
    }
    for source in &report.already_accepted {
        eprintln!("{source}: its accepted snapshot already holds this fix, nothing new to review");
    }
    if !report.removed.is_empty() {
        eprintln!(
            "removed {} outdated pending snapshot{}",
            report.removed.len(),
            plural(report.removed.len())
        );
    }
    let dir = args.snapshots.display();
    eprintln!(
        "would fix {fixed} finding{}, skipped {skipped}; wrote {} pending snapshot{}: review with `guardfix review --snapshots {dir}` (or `cargo insta review`), then `guardfix apply --snapshots {dir}`",
        plural(fixed),
        report.written.len(),
        plural(report.written.len()),
    );
    if report.errors.is_empty() && report.computed.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

pub fn run_review(args: &ReviewArgs) -> ExitCode {
    let color = crate::render::color_choice(&args.color, std::io::stdout().is_terminal());
    let mut stdout = std::io::stdout();
    let summary = match review::TerminalKeys::open() {
        Some(mut keys) => review::review(&args.snapshots, &mut keys, &mut stdout, color),
        None => {
            let mut keys = review::LineKeys::new(std::io::stdin().lock());
            review::review(&args.snapshots, &mut keys, &mut stdout, color)
        }
    };
    let summary = match summary {
        Ok(summary) => summary,
        Err(error) => {
            eprintln!(
                "error: reviewing the snapshots in {} failed: {error}",
                args.snapshots.display()
            );
            return ExitCode::from(2);
        }
    };
    if summary.accepted.is_empty()
        && summary.rejected.is_empty()
        && summary.skipped.is_empty()
        && summary.left == 0
    {
        eprintln!(
            "no pending snapshots in {}; `guardfix migrate PATH --snapshots {}` writes them",
            args.snapshots.display(),
            args.snapshots.display()
        );
    }
    for foreign in &summary.foreign {
        eprintln!("warning: {foreign}");
    }
    let pending = summary.skipped.len() + summary.left;
    eprintln!(
        "accepted {}, rejected {}, {pending} still pending{}",
        summary.accepted.len(),
        summary.rejected.len(),
        if summary.accepted.is_empty() {
            String::new()
        } else {
            format!(
                "; apply the accepted ones with `guardfix apply --snapshots {}`",
                args.snapshots.display()
            )
        }
    );
    ExitCode::SUCCESS
}

pub fn run_apply(args: &ApplyArgs) -> ExitCode {
    let options = ApplyOptions {
        verify: args.verify,
        allow_dirty: args.allow_dirty,
        allow_no_vcs: args.allow_no_vcs,
    };
    let bar = Progress::new("recomputing fixes");
    let report = apply::apply(&args.snapshots, options, &|d, t| bar.update(d, t));
    bar.finish();
    let report = match report {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    for result in &report.results {
        match &result.outcome {
            Outcome::Applied => eprintln!("applied {}", result.source),
            Outcome::Refused(message) => eprintln!("refused {}: {message}", result.source),
            Outcome::Reverted => eprintln!(
                "reverted {}: cargo check failed with its fixes (see above); its snapshot stays accepted",
                result.source
            ),
            Outcome::Failed(message) => eprintln!("error: {message}"),
        }
    }
    let applied = report.count(|o| *o == Outcome::Applied);
    let refused = report.count(|o| matches!(o, Outcome::Refused(_) | Outcome::Reverted));
    let failed = report.count(|o| matches!(o, Outcome::Failed(_)));
    eprintln!(
        "applied {applied} snapshot{}, refused {refused}, failed {failed}; {} pending snapshot{} left for review",
        plural(applied),
        report.pending,
        plural(report.pending)
    );
    if failed > 0 || report.verify_failed {
        ExitCode::from(2)
    } else if refused > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// An indicatif bar on stderr, made on the first report of a long enough run.
struct Progress {
    label: &'static str,
    enabled: bool,
    bar: OnceLock<indicatif::ProgressBar>,
}

impl Progress {
    fn new(label: &'static str) -> Progress {
        Progress { label, enabled: std::io::stderr().is_terminal(), bar: OnceLock::new() }
    }

    fn update(&self, done: usize, total: usize) {
        if !self.enabled || total < PROGRESS_MIN_FILES {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let style = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} files ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
            indicatif::ProgressBar::new(total as u64).with_style(style).with_message(self.label)
        });
        if done > 0 {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}
