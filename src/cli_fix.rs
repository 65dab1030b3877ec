//! `guardfix fix`: compute fixes for a whole PATH, show them as a diff, or write them.
//!
//! Dry run by default (like `cargo fix --dry-run`… which cargo lacks: a diff is what a reviewer
//! wants). `--write` first checks the git tree as `cargo fix` does, then writes each file
//! atomically, refusing any file that changed since it was read; `--verify` then runs
//! `cargo check` and reverts the files whose fixes break it ([`crate::verify`]). The fixes
//! themselves come from [`crate::fix::compute_fixes`], shared with `migrate` and `apply`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::driver::RunOptions;
use crate::edit::engine::FixOptions;
use crate::fix;
use crate::render::diff::unified_diff;

#[derive(clap::Args, Debug, Default)]
pub struct FixArgs {
    /// Rewrite the files in place (default: print a diff and change nothing).
    #[arg(long)]
    pub write: bool,
    #[command(flatten)]
    pub choice: FixChoiceArgs,
    /// With --write: allow a git tree with uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// With --write: allow a folder that is not under version control.
    #[arg(long)]
    pub allow_no_vcs: bool,
    /// With --write: run `cargo check` afterwards and take back the fixes that break it, and
    /// fail when PATH is not in a cargo workspace. [default with --write in a workspace]
    #[arg(long, requires = "write", conflicts_with = "no_verify")]
    pub verify: bool,
    /// With --write: write the fixes without checking them with `cargo check`.
    #[arg(long, requires = "write")]
    pub no_verify: bool,
}

/// Which fixes to compute: `--strategy` and `--unsafe-fixes`, for every command that fixes.
#[derive(clap::Args, Debug, Default)]
pub struct FixChoiceArgs {
    /// Which transform to use: auto picks the least invasive safe one.
    /// [default: the configuration's `strategy`, else auto]
    #[arg(long, value_parser = ["auto", "scope", "drop", "helper", "async-mutex", "relock"])]
    pub strategy: Option<String>,
    /// Also apply fixes that may change behaviour (MaybeIncorrect).
    #[arg(long)]
    pub unsafe_fixes: bool,
}

impl FixChoiceArgs {
    pub fn fix_options(&self, options: &RunOptions) -> FixOptions {
        FixOptions {
            strategy: fix::strategy_choice(self.strategy.as_deref().unwrap_or("auto")),
            unsafe_fixes: self.unsafe_fixes,
            check: options.check,
        }
    }
}

pub fn run(path: &Path, mut options: RunOptions, args: &FixArgs, color: bool) -> ExitCode {
    options.config.strategy = args.choice.strategy.clone();
    if args.write
        && let Err(error) = crate::vcs::check_worktree(path, args.allow_dirty, args.allow_no_vcs)
    {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    // The compiler judges the fixes, as `cargo fix` does: by default with --write, in a cargo
    // workspace; `--verify` insists on it.
    let mut not_compiled = None;
    let verify_root = match crate::fix::verify::workspace_root(path) {
        _ if !args.write || args.no_verify => None,
        Ok(root) => Some(root),
        Err(error) if args.verify => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
        Err(_) => {
            not_compiled = Some(
                "not in a cargo workspace: nothing was compiled (the fixes were re-analysed, not built)",
            );
            None
        }
    };
    let pipeline =
        match fix::Pipeline::check(path, options.clone(), args.choice.fix_options(&options)) {
            Ok(pipeline) => pipeline,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        };
    let computed = pipeline.compute(&fix::TakenBack::default(), &|_, _| {});
    // Errors the workspace has before anything is written are not blamed on the fixes.
    let baseline = match &verify_root {
        Some(root) if computed.files.iter().any(|file| file.new_text.is_some()) => {
            match crate::fix::verify::baseline(root) {
                Ok(baseline) => Some(baseline),
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => None,
    };
    for note in &computed.notes {
        eprintln!("note: {note}");
    }
    for warning in &computed.warnings {
        eprintln!("warning: {warning}");
    }
    for failure in &computed.failed {
        eprintln!("error: {}: {}", failure.entry.display_path.display(), failure.message);
    }

    if args.write {
        // A run killed mid-write may have left its temporary file next to the original.
        let folders = computed.files.iter().filter_map(|file| file.entry.path.parent());
        for leftover in crate::fix::write::remove_stale_temp_files(folders) {
            eprintln!("removed {}, left by an interrupted run", leftover.display());
        }
    }
    let mut stdout = std::io::stdout().lock();
    let mut write_errors = 0;
    let mut by_strategy: HashMap<&'static str, usize> = HashMap::new();
    let mut skipped = 0;
    let mut maybe_incorrect = 0;
    let mut written = Vec::new();
    for file in &computed.files {
        let display = file.display_path();
        if file.syntax_errors > 0 {
            eprintln!("skipped {display}: it has syntax errors; fix them first");
            skipped += file.findings.len();
            continue;
        }
        let lines = crate::render::line_index::LineIndex::new(&file.source.text);
        let mut unsafe_notes = Vec::new();
        for applied in &file.applied {
            *by_strategy.entry(applied.strategy.name()).or_default() += 1;
            if applied.applicability == crate::edit::Applicability::MaybeIncorrect {
                maybe_incorrect += 1;
                let line = lines.line_col(applied.finding.acquire.start).0;
                unsafe_notes.push(format!("line {line} ({})", applied.strategy.name()));
            }
        }
        for skip in &file.skipped {
            skipped += 1;
            let line = lines.line_col(skip.finding.acquire.start).0;
            eprintln!("skipped {display}:{line}: {}", skip.reason);
        }
        let Some(new_text) = &file.new_text else { continue };
        if !unsafe_notes.is_empty() {
            let note = format!(
                "MaybeIncorrect fixes in {display}: {}; review them",
                unsafe_notes.join(", ")
            );
            if args.write {
                eprintln!("note: {note}");
            } else {
                // Text before the `---` header is ignored by `git apply` and `patch`.
                let _ = writeln!(stdout, "# {note}");
            }
        }
        if args.write {
            let bytes = file.source.encode(new_text);
            match crate::fix::write::write_atomic(&file.entry.path, file.source.bytes(), &bytes) {
                Ok(()) => written.push(file.entry.path.clone()),
                Err(error) => {
                    eprintln!("error: {error}");
                    write_errors += 1;
                }
            }
        } else {
            let _ =
                write!(stdout, "{}", unified_diff(&display, &file.source.text, new_text, color));
        }
    }
    let fixed: usize = by_strategy.values().sum();
    let mut parts: Vec<String> =
        by_strategy.iter().map(|(name, count)| format!("{count} by {name}")).collect();
    parts.sort();
    let verb = if args.write { "fixed" } else { "would fix" };
    if maybe_incorrect > 0 {
        parts.push(format!("{maybe_incorrect} MaybeIncorrect"));
    }
    eprintln!(
        "{verb} {fixed} finding{} ({}), skipped {skipped}{}",
        if fixed == 1 { "" } else { "s" },
        if parts.is_empty() { "none".to_owned() } else { parts.join(", ") },
        if args.write || fixed == 0 {
            String::new()
        } else {
            "; rerun with --write to apply".to_owned()
        }
    );
    if let Some(note) = not_compiled.filter(|_| !written.is_empty()) {
        eprintln!("note: {note}");
    }
    let failed_files = !computed.failed.is_empty();
    let verified = match (&verify_root, &baseline) {
        (Some(root), Some(baseline)) => {
            let written = written.into_iter().collect();
            crate::fix::verify::verify_and_report_fixes(
                &pipeline, root, baseline, computed, &written,
            )
        }
        _ => true,
    };
    if write_errors > 0 || failed_files || !verified {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
