//! guardfix: finds lock guards held across `.await` and rewrites the code so they are not.
//!
//! The modules follow the pipeline: `discover` (which files, which edition) → `parse` →
//! `analyse` (guards, drop scopes, awaits) → `plan` (which transform) → `transforms` / `edit`
//! → `render` (diagnostics, JSON, diffs). `fix` is the fix pipeline over a whole PATH, shared by
//! `guardfix fix` and `batch` (snapshot migrate → review → apply): per-file fixes, the lock
//! switch over the workspace, atomic writes, and `cargo check` to take back what breaks.
//! `cache` keeps per-file results between runs, keyed by content.

pub mod analyse;
pub mod baseline;
pub mod batch;
pub mod cache;
pub mod cli;
pub mod cli_batch;
pub mod cli_editor;
pub mod cli_fix;
pub mod config;
pub mod discover;
pub mod driver;
pub mod edit;
pub mod finding;
pub mod fix;
pub mod lsp;
pub mod parse;
pub mod plan;
pub mod render;
pub mod semantic;
pub mod transforms;
pub mod vcs;

#[cfg(test)]
mod test_support;
