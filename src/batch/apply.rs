//! `guardfix apply --snapshots DIR [--verify]`: write the accepted snapshots to the sources.
//!
//! For each `DIR/*.snap` guardfix wrote:
//! 1. the source must still hold the bytes the snapshot was taken from (`source_hash`);
//!    otherwise it is refused: "src/x.rs changed since the snapshot was taken; run migrate
//!    again", and neither file is touched;
//! 2. the fix is computed again from the current file with the snapshot's options, by the same
//!    code as `fix`, and must produce exactly the reviewed diff: what gets written is what was
//!    reviewed, and the engine's checks (it parses, the finding is gone) still stand behind it.
//!    A mismatch (another guardfix version, other files of the crate changed) is refused too;
//! 3. files a lock switch changed together (`info.together`) must all pass 1 and 2, or none
//!    of them is written: they only compile together;
//! 4. the file is written atomically ([`crate::fix::write::write_atomic`]);
//! 5. with `--verify`, `cargo check` runs and files whose fixes break it are reverted
//!    ([`crate::verify`]);
//! 6. the snapshot of every file that stays written is deleted: the change now lives in the
//!    source (and in `git diff`). Refused or reverted snapshots stay, and so do pending and
//!    rejected ones (a rejected snapshot no longer exists).
//!
//! Before anything is written, the same git check as `fix --write` runs on each PATH the
//! snapshots were taken of, leaving the snapshot folder itself out of it: it is guardfix's
//! scratch space, usually untracked, and must not make the tree count as dirty.

use std::path::{Path, PathBuf};

use super::snapshot::{self, FixSnapshot, SnapshotOptions};
use super::{Freshness, freshness, root_path, source_path, stale_message};
use crate::analyse::CheckOptions;
use crate::driver::RunOptions;
use crate::edit::engine::FixOptions;
use crate::fix;
use crate::fix::verify::{self, WrittenFile};
use crate::render::diff::unified_diff;

#[derive(Clone, Copy, Debug, Default)]
pub struct ApplyOptions {
    pub verify: bool,
    pub allow_dirty: bool,
    pub allow_no_vcs: bool,
}

#[derive(thiserror::Error, Debug)]
pub enum ApplyError {
    #[error("cannot read the snapshot folder {}: {source}; run `guardfix migrate PATH --snapshots {}` first", dir.display(), dir.display())]
    NoSnapshots { dir: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Vcs(#[from] crate::vcs::VcsError),
    #[error(transparent)]
    Verify(#[from] verify::VerifyError),
    #[error(transparent)]
    Run(#[from] crate::driver::RunError),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Not applied: the source changed, or the fix computed now differs. The message says
    /// what to do.
    Refused(String),
    /// Written, then reverted because `cargo check` failed (`--verify`).
    Reverted,
    /// Could not be read or written.
    Failed(String),
}

pub struct SnapshotResult {
    pub snapshot: PathBuf,
    /// The source file as the snapshot names it (or the snapshot's file name).
    pub source: String,
    pub outcome: Outcome,
}

pub struct ApplyReport {
    pub results: Vec<SnapshotResult>,
    /// Pending snapshots still waiting for review.
    pub pending: usize,
    /// `--verify` could not get the workspace to compile.
    pub verify_failed: bool,
}

impl ApplyReport {
    pub fn count(&self, wanted: fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| wanted(&r.outcome)).count()
    }
}

/// Snapshots taken of one PATH with one set of options: one fix computation serves them all.
struct Group {
    root: PathBuf,
    options: SnapshotOptions,
    snapshots: Vec<(PathBuf, FixSnapshot)>,
}

pub fn apply(
    dir: &Path,
    options: ApplyOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ApplyReport, ApplyError> {
    let accepted = snapshot::list(dir, snapshot::ACCEPTED_SUFFIX)
        .map_err(|source| ApplyError::NoSnapshots { dir: dir.to_owned(), source })?;
    let mut results = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    for path in accepted {
        match FixSnapshot::read(&path) {
            Ok(snapshot) => {
                let root = root_path(dir, &snapshot);
                match groups.iter_mut().find(|g| g.root == root && g.options == snapshot.options) {
                    Some(group) => group.snapshots.push((path, snapshot)),
                    None => groups.push(Group {
                        root,
                        options: snapshot.options.clone(),
                        snapshots: vec![(path, snapshot)],
                    }),
                }
            }
            Err(error) => results.push(SnapshotResult {
                source: file_name(&path),
                snapshot: path,
                outcome: Outcome::Failed(error.to_string()),
            }),
        }
    }

    // Every check that can stop the run comes before the first write.
    let mut workspaces = Vec::new();
    for group in &groups {
        crate::vcs::check_worktree_excluding(
            &group.root,
            Some(dir),
            options.allow_dirty,
            options.allow_no_vcs,
        )?;
        workspaces.push(if options.verify {
            Some(verify::workspace_root(&group.root)?)
        } else {
            None
        });
    }

    let mut verify_failed = false;
    for (group, workspace) in groups.iter().zip(workspaces) {
        let mut written = Vec::new();
        let first = results.len();
        apply_group(dir, group, progress, &mut results, &mut written)?;
        if let Some(workspace) = workspace {
            let report = verify::verify_and_report(&workspace, &written);
            verify_failed |= !report.ok;
            for result in &mut results[first..] {
                let source = source_of(dir, &result.snapshot);
                if result.outcome == Outcome::Applied
                    && source.is_some_and(|source| {
                        report.reverted.iter().any(|r| canonical(r) == canonical(&source))
                    })
                {
                    result.outcome = Outcome::Reverted;
                }
            }
        }
    }

    for result in &mut results {
        if result.outcome == Outcome::Applied
            && let Err(error) = std::fs::remove_file(&result.snapshot)
        {
            result.outcome = Outcome::Failed(format!(
                "{} was applied, but its snapshot {} could not be deleted ({error}); delete it by hand, or a later apply will refuse it as stale",
                result.source,
                result.snapshot.display()
            ));
        }
    }
    let pending = snapshot::list(dir, snapshot::PENDING_SUFFIX).map(|l| l.len()).unwrap_or(0);
    Ok(ApplyReport { results, pending, verify_failed })
}

fn apply_group(
    dir: &Path,
    group: &Group,
    progress: &(dyn Fn(usize, usize) + Sync),
    results: &mut Vec<SnapshotResult>,
    written: &mut Vec<WrittenFile>,
) -> Result<(), ApplyError> {
    let mut fresh = Vec::new();
    for (path, snapshot) in &group.snapshots {
        match freshness(dir, snapshot) {
            Freshness::Fresh => fresh.push((path, snapshot)),
            stale => results.push(SnapshotResult {
                snapshot: path.clone(),
                source: snapshot.source.clone(),
                outcome: Outcome::Refused(stale_message(snapshot, &stale)),
            }),
        }
    }
    if fresh.is_empty() {
        return Ok(());
    }
    let run_options = RunOptions {
        default_edition: group.options.edition,
        check: CheckOptions {
            include_async_locks: group.options.include_async_locks,
            ..CheckOptions::default()
        },
        semantic: group.options.semantic,
        ..RunOptions::default()
    };
    let fix_options = FixOptions {
        strategy: fix::strategy_choice(&group.options.strategy),
        unsafe_fixes: group.options.unsafe_fixes,
        check: run_options.check,
    };
    let computed =
        fix::compute_fixes_with_progress(&group.root, run_options, fix_options, progress)?;
    // Everything is checked before anything is written: files a lock switch changed together
    // are written together or not at all.
    let mut ready = Vec::new();
    for (path, snapshot) in fresh {
        match ready_to_write(dir, snapshot, &computed) {
            Ok((file, bytes)) => ready.push((path, snapshot, file, bytes)),
            Err(outcome) => results.push(SnapshotResult {
                snapshot: path.clone(),
                source: snapshot.source.clone(),
                outcome,
            }),
        }
    }
    loop {
        let writable: Vec<String> =
            ready.iter().map(|(_, snapshot, ..)| snapshot.source.clone()).collect();
        let Some(at) = ready.iter().position(|(_, snapshot, ..)| {
            snapshot.together.iter().any(|other| !writable.contains(other))
        }) else {
            break;
        };
        let (path, snapshot, ..) = ready.remove(at);
        let missing: Vec<&str> = snapshot
            .together
            .iter()
            .filter(|other| !writable.contains(other))
            .map(String::as_str)
            .collect();
        results.push(SnapshotResult {
            snapshot: path.clone(),
            source: snapshot.source.clone(),
            outcome: Outcome::Refused(format!(
                "{} switches a lock to tokio's together with {}, whose snapshot is not accepted or cannot be applied: the files only compile together, so none of them was written; accept them all (or reject them all) and apply again",
                snapshot.source,
                missing.join(", ")
            )),
        });
    }
    let folders = ready.iter().filter_map(|(_, _, file, _)| file.entry.path.parent());
    for leftover in crate::fix::write::remove_stale_temp_files(folders) {
        eprintln!("removed {}, left by an interrupted run", leftover.display());
    }
    for (path, snapshot, file, bytes) in ready {
        let outcome =
            match crate::fix::write::write_atomic(&file.entry.path, file.source.bytes(), &bytes) {
                Ok(()) => {
                    written.push(WrittenFile::new(file, bytes));
                    Outcome::Applied
                }
                Err(error) => Outcome::Failed(error.to_string()),
            };
        results.push(SnapshotResult {
            snapshot: path.clone(),
            source: snapshot.source.clone(),
            outcome,
        });
    }
    Ok(())
}

/// The file a fresh snapshot is of and the bytes to write, when the fix computed now is the
/// reviewed one; otherwise why not.
fn ready_to_write<'a>(
    dir: &Path,
    snapshot: &FixSnapshot,
    computed: &'a fix::ComputedFixes,
) -> Result<(&'a fix::ProposedFile, Vec<u8>), Outcome> {
    let source = canonical(&source_path(dir, snapshot));
    let proposed = computed.files.iter().find(|file| canonical(&file.entry.path) == source);
    match proposed {
        Some(file) if snapshot::sha256_hex(file.source.bytes()) != snapshot.source_hash => {
            Err(Outcome::Refused(stale_message(snapshot, &Freshness::Changed)))
        }
        Some(file) if file.new_text.is_some() => {
            let new_text = file.new_text.as_deref().unwrap_or_default();
            let diff = unified_diff(&snapshot.source, &file.source.text, new_text, false);
            if snapshot::same_diff(&diff, &snapshot.diff) {
                Ok((file, file.source.encode(new_text)))
            } else {
                Err(Outcome::Refused(format!(
                    "the fix guardfix computes now for {} differs from the reviewed snapshot (another guardfix version, or other files of the crate changed); run migrate again and review it",
                    snapshot.source
                )))
            }
        }
        _ => Err(Outcome::Refused(format!(
            "guardfix finds nothing to fix in {} now; the snapshot is outdated: delete it, or run migrate again",
            snapshot.source
        ))),
    }
}

/// The source file a snapshot file names, for matching reverted files.
fn source_of(dir: &Path, snapshot_file: &Path) -> Option<PathBuf> {
    let snapshot = FixSnapshot::read(snapshot_file).ok()?;
    Some(source_path(dir, &snapshot))
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
