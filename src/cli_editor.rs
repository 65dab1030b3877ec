//! Output for editors and cargo-based tools: `check --message-format=json|json-cargo`, and
//! `guardfix clippy`, one command for rust-analyzer's `check.overrideCommand` that prints
//! clippy's messages and then guardfix's.

use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use serde_json::json;

use crate::driver::{self, CheckRun, CheckedFile};
use crate::render::line_index::LineIndex;
use crate::render::rustc_json::{self, Suggestion};

/// rustc's JSON diagnostics, bare (`json`) or wrapped as cargo's `compiler-message`
/// (`json-cargo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageFormat {
    Json,
    JsonCargo,
}

/// Prints one line per finding; errors (files that could not be analysed) as rustc-style
/// error diagnostics on the file.
pub fn print_messages(run: &CheckRun, format: MessageFormat) -> std::io::Result<()> {
    for note in &run.notes {
        eprintln!("note: {note}");
    }
    for warning in &run.warnings {
        eprintln!("warning: {warning}");
    }
    let suggestions = suggestions_by_finding(run);
    let mut out = std::io::stdout().lock();
    for failure in &run.failed {
        let file_name = relative_name(&run.root, &failure.entry.path);
        let diagnostic = json!({
            "$message_type": "diagnostic",
            "message": format!("guardfix could not analyse this file: {}", failure.message),
            "code": { "code": "guardfix::file_error", "explanation": null },
            "level": "error",
            "spans": [],
            "children": [],
            "rendered": format!("error: {file_name}: {}\n", failure.message),
        });
        writeln!(out, "{}", wrap(run, &failure.entry.path, diagnostic, format))?;
    }
    for (file, per_finding) in &suggestions {
        let file_name = relative_name(&run.root, &file.entry.path);
        let lines = LineIndex::new(&file.source.text);
        for (finding, suggestions) in file.findings.iter().zip(per_finding) {
            let diagnostic =
                rustc_json::diagnostic(&file_name, &file.source.text, &lines, finding, suggestions);
            writeln!(out, "{}", wrap(run, &file.entry.path, diagnostic, format))?;
        }
    }
    Ok(())
}

/// Per file with findings, per finding: the fixes `guardfix fix` would make (MachineApplicable)
/// and, for findings it would leave, those `--unsafe-fixes` would make (MaybeIncorrect).
fn suggestions_by_finding(run: &CheckRun) -> Vec<(&CheckedFile, Vec<Vec<Suggestion>>)> {
    use rayon::prelude::*;
    let strategy = run.config.strategy_choice(None);
    run.checked
        .par_iter()
        .filter(|file| !file.findings.is_empty())
        .map(|file| {
            let index = run.index_for(file);
            let suggestions = if file.syntax_errors > 0 {
                file.findings.iter().map(|_| Vec::new()).collect()
            } else {
                run.under_fix(file, &index).suggestions(&file.findings, strategy)
            };
            (file, suggestions)
        })
        .collect()
}

fn wrap(
    run: &CheckRun,
    path: &Path,
    diagnostic: serde_json::Value,
    format: MessageFormat,
) -> String {
    if format == MessageFormat::Json {
        return diagnostic.to_string();
    }
    let package = crate::discover::CargoPackage::containing(&run.packages, path);
    let (id, manifest, target) = match package {
        Some(package) => (
            package.id.clone(),
            Some(package.manifest_path.display().to_string()),
            package.target_of(path).cloned().unwrap_or(serde_json::Value::Null),
        ),
        None => (String::new(), None, serde_json::Value::Null),
    };
    rustc_json::compiler_message(diagnostic, &id, manifest.as_deref(), target).to_string()
}

/// `path` relative to the workspace root, `/`-separated, as rustc names files for cargo.
fn relative_name(root: &Path, path: &Path) -> String {
    crate::render::slash_path(path, Some(root))
}

/// `guardfix clippy [ARGS…]`: runs `cargo clippy --workspace --all-targets
/// --message-format=json ARGS…` in the workspace, passes its lines through as they come, then
/// prints guardfix's findings as cargo's `compiler-message`s. Exits with clippy's status when
/// clippy failed (a build error), else with `check`'s.
pub fn run_clippy(path: &Path, options: driver::RunOptions, clippy_args: &[String]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let folder = if path.is_file() { path.parent().unwrap_or(Path::new(".")) } else { path };
    let status = Command::new(cargo)
        .args(["clippy", "--workspace", "--all-targets", "--message-format=json"])
        .args(clippy_args)
        .current_dir(folder)
        .stdout(Stdio::inherit())
        .status();
    let clippy_failed = match status {
        Ok(status) => !status.success(),
        Err(error) => {
            eprintln!("error: could not run cargo clippy: {error}");
            true
        }
    };
    let run = match driver::check_path(path, options) {
        Ok(run) => run,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = print_messages(&run, MessageFormat::JsonCargo) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: could not write the report: {error}");
        }
        return ExitCode::from(2);
    }
    if clippy_failed { ExitCode::from(101) } else { ExitCode::SUCCESS }
}
