//! The fix pipeline's steps 1 and 2 together, computed but not written: the one code path
//! behind `guardfix fix`, `guardfix migrate` and `guardfix apply`.
//!
//! [`compute_fixes`] runs the check over PATH, the fix engine over every file with findings
//! ([`super::per_file`]), then the lock switch over the workspace ([`super::switch`]). Callers
//! decide what to do with the result: print a diff, write the files, or write snapshots for
//! review.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::driver::{self, CheckRun, FailedFile, RunError, RunOptions};
use crate::edit::engine::{FindingKey, FixOptions, StrategyChoice};
use crate::finding::Strategy;
use crate::semantic::SemanticMode;

use super::per_file::{ProposedFile, SwitchKey, fix_each_file};

/// Everything [`compute_fixes`] found under PATH.
pub struct ComputedFixes {
    /// Files with findings, in path order (including files left unchanged).
    pub files: Vec<ProposedFile>,
    pub failed: Vec<FailedFile>,
    pub files_scanned: usize,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

/// What `--verify` took back, with the compiler's reason: per file, the findings whose fixes
/// broke the build (by their identity in the original text), and the lock switches that did.
#[derive(Clone, Debug, Default)]
pub struct TakenBack {
    pub fixes: HashMap<PathBuf, HashMap<FindingKey, String>>,
    pub switches: HashMap<SwitchKey, String>,
}

impl TakenBack {
    pub fn is_empty(&self) -> bool {
        self.fixes.values().all(HashMap::is_empty) && self.switches.is_empty()
    }
}

/// A checked PATH and how to fix it: computes the fixes, and again with some taken back.
pub struct Pipeline {
    pub run: CheckRun,
    fix_options: FixOptions,
    switch_locks: bool,
}

impl Pipeline {
    /// Checks PATH (step 0), loading rust-analyzer where the fixes will need it.
    pub fn check(
        path: &std::path::Path,
        options: RunOptions,
        fix_options: FixOptions,
    ) -> Result<Pipeline, RunError> {
        let mut options = options;
        if matches!(fix_options.strategy, StrategyChoice::Only(Strategy::Helper | Strategy::Relock))
            && options.semantic == SemanticMode::Auto
        {
            // helper is rust-analyzer's extract_function, and relock asks it which methods
            // take `&mut self`: every file needs types.
            options.semantic = SemanticMode::Always;
        }
        let switches = |choice: StrategyChoice| {
            matches!(choice, StrategyChoice::Auto | StrategyChoice::Only(Strategy::AsyncMutex))
        };
        // The async-mutex transform finds every use of the lock with rust-analyzer.
        options.semantic_for_async_mutex = switches(fix_options.strategy);
        let may_switch = options.semantic_for_async_mutex;
        let run = driver::check_path(path, options)?;
        let mut fix_options = fix_options;
        if fix_options.strategy == StrategyChoice::Auto {
            // No `--strategy` (or `auto`): the configuration's default strategy, if it has one.
            fix_options.strategy = run.config.strategy_choice(None);
        }
        // The configuration's default strategy may have replaced `auto` since then.
        let switch_locks = may_switch && switches(fix_options.strategy);
        Ok(Pipeline { run, fix_options, switch_locks })
    }

    /// Steps 1 and 2: the per-file fixes, then the lock switch, but for what `taken_back`
    /// names; `progress(done, total)` as each file with findings is fixed.
    pub fn compute(
        &self,
        taken_back: &TakenBack,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> ComputedFixes {
        let run = &self.run;
        let mut files = fix_each_file(run, self.fix_options, &taken_back.fixes, progress);
        if self.switch_locks {
            super::switch::switch_locks(run, &mut files, &taken_back.switches);
        }
        ComputedFixes {
            files,
            failed: run.failed.clone(),
            files_scanned: run.files_scanned,
            warnings: run.warnings.clone(),
            notes: run.notes.clone(),
        }
    }
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
    Ok(Pipeline::check(path, options, fix_options)?.compute(&TakenBack::default(), progress))
}
