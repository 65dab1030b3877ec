//! The fix pipeline over a whole PATH, in the order its files run:
//!
//! 1. [`per_file`]: check PATH, then the fix engine (`edit/engine.rs`) on every file with
//!    findings, in parallel: each file's text with its fixes, and what was fixed or skipped;
//! 2. [`switch`]: the async-mutex transform over the workspace, one lock at a time, on the
//!    texts step 1 left (a lock's edits span files and `Cargo.toml`); [`pipeline`] runs the
//!    two for a PATH;
//! 3. [`write`]: atomic writes of the new texts (`fix --write`, `apply`);
//! 4. [`verify`]: `cargo check` after writing, taking back what the compiler rejects.
//!
//! Steps 1 and 2 write nothing: `guardfix fix` prints their diff, `migrate` snapshots it.

pub mod per_file;
pub mod pipeline;
pub mod switch;
pub mod verify;
pub mod write;

pub use per_file::{FindingOutcome, Outcome, ProposedFile, strategy_choice, strategy_name};
pub use pipeline::{
    ComputedFixes, Pipeline, TakenBack, compute_fixes, compute_fixes_with_progress,
};
