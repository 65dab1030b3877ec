//! guardfix: finds lock guards held across `.await` and rewrites the code so they are not.
//!
//! The modules follow the pipeline: `discover` (which files, which edition) → `parse` →
//! `analyse` (guards, drop scopes, awaits) → `plan` (which transform) → `transforms` / `edit`
//! → `render` (diagnostics, JSON, diffs) / `write` (atomic in-place writes). `fixing` computes
//! the fixes for a whole PATH for `fix` and for `batch` (snapshot migrate → review → apply);
//! `verify` runs `cargo check` after writing and reverts what breaks it.

pub mod analyse;
pub mod batch;
pub mod cli;
pub mod cli_batch;
pub mod cli_fix;
pub mod config;
pub mod discover;
pub mod driver;
pub mod edit;
pub mod finding;
pub mod fixing;
pub mod lock_switch;
pub mod parse;
pub mod plan;
pub mod render;
pub mod semantic;
pub mod transforms;
pub mod vcs;
pub mod verify;
pub mod write;
