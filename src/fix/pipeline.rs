//! The fix pipeline's steps 1 and 2 together, computed but not written: the one code path
//! behind `guardfix fix`, `guardfix migrate` and `guardfix apply`.
//!
//! [`compute_fixes`] runs the check over PATH, the fix engine over every file with findings
//! ([`super::per_file`]), then the lock switch over the workspace ([`super::switch`]). Callers
//! decide what to do with the result: print a diff, write the files, or write snapshots for
//! review.

use crate::driver::{self, FailedFile, RunError, RunOptions};
use crate::edit::engine::{FixOptions, StrategyChoice};
use crate::finding::Strategy;
use crate::semantic::SemanticMode;

use super::per_file::{ProposedFile, fix_each_file};

/// Everything [`compute_fixes`] found under PATH.
pub struct ComputedFixes {
    /// Files with findings, in path order (including files left unchanged).
    pub files: Vec<ProposedFile>,
    pub failed: Vec<FailedFile>,
    pub files_scanned: usize,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

/// Checks PATH and computes every fix, writing nothing.
pub fn compute_fixes(
    path: &std::path::Path,
    options: RunOptions,
    fix_options: FixOptions,
) -> Result<ComputedFixes, RunError> {
    compute_fixes_with_progress(path, options, fix_options, &|_, _| {})
}

/// [`compute_fixes`], calling `progress(done, total)` as each file with findings is fixed
/// (from rayon's threads, in any order).
pub fn compute_fixes_with_progress(
    path: &std::path::Path,
    options: RunOptions,
    fix_options: FixOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ComputedFixes, RunError> {
    let mut options = options;
    if matches!(fix_options.strategy, StrategyChoice::Only(Strategy::Helper | Strategy::Relock))
        && options.semantic == SemanticMode::Auto
    {
        // helper is rust-analyzer's extract_function, and relock asks it which methods take
        // `&mut self`: every file needs types.
        options.semantic = SemanticMode::Always;
    }
    let async_mutex = matches!(
        fix_options.strategy,
        StrategyChoice::Auto | StrategyChoice::Only(Strategy::AsyncMutex)
    );
    // The async-mutex transform finds every use of the lock with rust-analyzer.
    options.semantic_for_async_mutex = async_mutex;
    let run = driver::check_path(path, options)?;
    let mut fix_options = fix_options;
    if fix_options.strategy == StrategyChoice::Auto {
        // No `--strategy` (or `auto`): the configuration's default strategy, if it has one.
        fix_options.strategy = run.config.strategy_choice(None);
    }
    let mut files = fix_each_file(&run, fix_options, progress);
    // The configuration's default strategy may have replaced `auto` since the run was set up.
    let async_mutex = async_mutex
        && matches!(
            fix_options.strategy,
            StrategyChoice::Auto | StrategyChoice::Only(Strategy::AsyncMutex)
        );
    if async_mutex {
        super::switch::switch_locks(&run, &mut files);
    }
    Ok(ComputedFixes {
        files,
        failed: run.failed.clone(),
        files_scanned: run.files_scanned,
        warnings: run.warnings.clone(),
        notes: run.notes.clone(),
    })
}
