//! Batch migration with a review step: `migrate` → `review` → `apply`.
//!
//! `guardfix fix --write` changes every file at once; on a large codebase people want to see
//! each file's change first, keep some and drop others, and apply the kept ones later. So:
//!
//! 1. [`migrate`] computes every fix (the same code path as `fix`) and writes one pending
//!    snapshot per changed file, in insta's `.snap.new` format ([`snapshot`]);
//! 2. [`review`] shows each pending snapshot and asks: accept (rename to `.snap`), reject
//!    (delete), skip (leave pending) or quit; `cargo insta review` works on the same folder;
//! 3. [`apply`] writes the accepted ones to the source files, refusing any file that changed
//!    since its snapshot was taken, and deletes each snapshot it applied.

pub mod apply;
pub mod migrate;
pub mod review;
pub mod snapshot;

use std::path::{Path, PathBuf};

use snapshot::FixSnapshot;

/// Where a snapshot's source file is: `source` below the PATH migrate ran on (`root`, relative
/// to the snapshot folder `dir`), or below its folder when PATH was one file.
pub fn source_path(dir: &Path, snapshot: &FixSnapshot) -> PathBuf {
    let root = root_path(dir, snapshot);
    let base =
        if root.is_file() { root.parent().map(Path::to_path_buf).unwrap_or(root) } else { root };
    base.join(&snapshot.source)
}

/// The PATH migrate ran on, resolved from the snapshot folder `dir`.
pub fn root_path(dir: &Path, snapshot: &FixSnapshot) -> PathBuf {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
    snapshot::resolve(&dir, &snapshot.root)
}

/// Whether the source still holds the bytes the snapshot was taken from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// The file's contents differ from the snapshot's `source_hash`.
    Changed,
    /// The file cannot be read (removed, renamed, no permission).
    Unreadable(String),
}

pub fn freshness(dir: &Path, snapshot: &FixSnapshot) -> Freshness {
    match std::fs::read(source_path(dir, snapshot)) {
        Ok(bytes) if snapshot::sha256_hex(&bytes) == snapshot.source_hash => Freshness::Fresh,
        Ok(_) => Freshness::Changed,
        Err(error) => Freshness::Unreadable(error.to_string()),
    }
}

/// The message for a snapshot whose source is not [`Freshness::Fresh`].
pub fn stale_message(snapshot: &FixSnapshot, freshness: &Freshness) -> String {
    let source = &snapshot.source;
    match freshness {
        Freshness::Fresh => format!("{source} is unchanged since the snapshot was taken"),
        Freshness::Changed => {
            format!("{source} changed since the snapshot was taken; run migrate again")
        }
        Freshness::Unreadable(error) => format!(
            "{source} cannot be read ({error}); if it was moved or removed, run migrate again"
        ),
    }
}
