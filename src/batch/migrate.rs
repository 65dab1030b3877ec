//! `guardfix migrate PATH --snapshots DIR`: every fix `guardfix fix` would make, as one
//! pending snapshot per changed file, written to DIR and nowhere else.
//!
//! A run makes DIR describe the current state of PATH:
//! - each file with a fix gets `DIR/<name>.snap.new`, replacing an older pending one;
//! - no pending snapshot is written when an accepted `<name>.snap` already holds the very same
//!   fix of the very same file (nothing new to review);
//! - pending snapshots that an earlier run on the same PATH wrote, for files that no longer
//!   have a fix, are removed. Accepted snapshots are never touched: `apply` refuses the stale
//!   ones.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::snapshot::{self, FixSnapshot, SnapshotOptions};
use crate::discover::DiscoverError;
use crate::driver::RunOptions;
use crate::edit::engine::FixOptions;
use crate::fix::{self, ComputedFixes, Outcome, ProposedFile};
use crate::render::diff::unified_diff;

#[derive(thiserror::Error, Debug)]
pub enum MigrateError {
    #[error(transparent)]
    Run(#[from] crate::driver::RunError),
    #[error("cannot write snapshots to {}: {source}; check the folder and its permissions", dir.display())]
    SnapshotDir { dir: PathBuf, source: std::io::Error },
}

/// What a migrate run did.
pub struct MigrateReport {
    pub computed: ComputedFixes,
    /// Pending snapshots written, with the source each is for.
    pub written: Vec<(PathBuf, String)>,
    /// Sources whose accepted snapshot already holds this fix.
    pub already_accepted: Vec<String>,
    /// Pending snapshots of an earlier run that no longer apply, removed.
    pub removed: Vec<PathBuf>,
    /// Per-file problems (a name clash, a write error); the rest of the run went on.
    pub errors: Vec<String>,
}

pub fn migrate(
    path: &Path,
    dir: &Path,
    options: RunOptions,
    fix_options: FixOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<MigrateReport, MigrateError> {
    let computed = fix::compute_fixes_with_progress(path, options.clone(), fix_options, progress)?;
    let dir_error = |source| MigrateError::SnapshotDir { dir: dir.to_owned(), source };
    std::fs::create_dir_all(dir).map_err(dir_error)?;
    let dir_abs = std::fs::canonicalize(dir).map_err(dir_error)?;
    let path_abs = std::fs::canonicalize(path).map_err(|_| {
        crate::driver::RunError::from(DiscoverError::NotFound { path: path.to_owned() })
    })?;
    let base = if path_abs.is_file() {
        path_abs.parent().map(Path::to_path_buf).unwrap_or_else(|| path_abs.clone())
    } else {
        path_abs.clone()
    };
    let root = snapshot::relative_path(&dir_abs, &path_abs);
    let snapshot_options = SnapshotOptions {
        edition: options.default_edition,
        strategy: fix::strategy_name(fix_options.strategy).to_owned(),
        unsafe_fixes: fix_options.unsafe_fixes,
        include_async_locks: options.check.include_async_locks,
        semantic: options.semantic,
    };

    let mut report = MigrateReport {
        computed,
        written: Vec::new(),
        already_accepted: Vec::new(),
        removed: Vec::new(),
        errors: Vec::new(),
    };
    let mut names: HashMap<String, String> = HashMap::new();
    for file in &report.computed.files {
        if file.new_text.is_none() || file.syntax_errors > 0 {
            continue;
        }
        let source = source_name(file, &base);
        let stem = snapshot::snapshot_stem(&source);
        if let Some(other) = names.insert(stem.clone(), source.clone()) {
            report.errors.push(format!(
                "{source}: its snapshot would be named like the one of {other} ({stem}); no snapshot was written for it, fix it with `guardfix fix {source}`"
            ));
            continue;
        }
        let together: Vec<String> =
            file.switched_with.iter().map(|path| relative_source(path, &base)).collect();
        let snapshot = take_snapshot(file, &source, &root, &snapshot_options, together);
        let pending = dir.join(format!("{stem}{}", snapshot::PENDING_SUFFIX));
        let accepted = dir.join(format!("{stem}{}", snapshot::ACCEPTED_SUFFIX));
        if holds_the_same_fix(&accepted, &snapshot) {
            if pending.exists() && std::fs::remove_file(&pending).is_ok() {
                report.removed.push(pending);
            }
            report.already_accepted.push(source);
            continue;
        }
        match write_file(dir, &pending, &snapshot.to_text()) {
            Ok(()) => report.written.push((pending, source)),
            Err(error) => report
                .errors
                .push(format!("could not write the snapshot {}: {error}", pending.display())),
        }
    }
    report.removed.extend(remove_outdated(dir, &root, &names));
    Ok(report)
}

/// The file's path relative to `base`, `/`-separated (its display path if it is not below).
fn source_name(file: &ProposedFile, base: &Path) -> String {
    match file.entry.path.strip_prefix(base) {
        Ok(_) => relative_source(&file.entry.path, base),
        Err(_) => file.display_path(),
    }
}

/// A path under `base` as snapshots name sources: relative, `/`-separated.
fn relative_source(path: &Path, base: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    let parts: Vec<String> =
        relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

/// The snapshot of one file's fix.
pub fn take_snapshot(
    file: &ProposedFile,
    source: &str,
    root: &str,
    options: &SnapshotOptions,
    together: Vec<String>,
) -> FixSnapshot {
    let new_text = file.new_text.as_deref().unwrap_or(&file.source.text);
    let outcomes = file.outcomes();
    FixSnapshot {
        source: source.to_owned(),
        root: root.to_owned(),
        source_hash: snapshot::sha256_hex(file.source.bytes()),
        options: options.clone(),
        guardfix_version: env!("CARGO_PKG_VERSION").to_owned(),
        description: describe(&outcomes),
        findings: outcomes.iter().map(fix::FindingOutcome::summary).collect(),
        together,
        diff: unified_diff(source, &file.source.text, new_text, false),
    }
}

/// `3 findings fixed (1 by drop, 2 by scope), 1 skipped`.
fn describe(outcomes: &[fix::FindingOutcome]) -> String {
    let mut by_strategy: Vec<&str> = outcomes
        .iter()
        .filter_map(|o| match o.result {
            Outcome::Fixed { strategy, .. } => Some(strategy.name()),
            Outcome::Skipped { .. } => None,
        })
        .collect();
    by_strategy.sort_unstable();
    let fixed = by_strategy.len();
    let mut parts: Vec<String> = Vec::new();
    let mut rest = by_strategy.as_slice();
    while let Some(&name) = rest.first() {
        let count = rest.iter().take_while(|&&n| n == name).count();
        parts.push(format!("{count} by {name}"));
        rest = &rest[count..];
    }
    let mut text = format!(
        "{fixed} finding{} fixed ({})",
        if fixed == 1 { "" } else { "s" },
        parts.join(", ")
    );
    let skipped = outcomes.len() - fixed;
    if skipped > 0 {
        text.push_str(&format!(", {skipped} skipped"));
    }
    text
}

fn holds_the_same_fix(accepted: &Path, snapshot: &FixSnapshot) -> bool {
    FixSnapshot::read(accepted).is_ok_and(|old| {
        old.source_hash == snapshot.source_hash
            && old.options == snapshot.options
            && snapshot::same_diff(&old.diff, &snapshot.diff)
    })
}

/// Writes a snapshot whole or not at all (a temporary file in the same folder, renamed).
pub fn write_file(dir: &Path, path: &Path, text: &str) -> std::io::Result<()> {
    let mut temp = tempfile::Builder::new().prefix(".guardfix-").suffix(".tmp").tempfile_in(dir)?;
    temp.write_all(text.as_bytes())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Pending snapshots a run on the same root wrote earlier, for files not fixed this time.
fn remove_outdated(dir: &Path, root: &str, current: &HashMap<String, String>) -> Vec<PathBuf> {
    let Ok(pending) = snapshot::list(dir, snapshot::PENDING_SUFFIX) else { return Vec::new() };
    pending
        .into_iter()
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let stem = name.strip_suffix(snapshot::PENDING_SUFFIX).unwrap_or(name);
            !current.contains_key(stem)
                && FixSnapshot::read(path).is_ok_and(|old| old.root == root)
                && std::fs::remove_file(path).is_ok()
        })
        .collect()
}
