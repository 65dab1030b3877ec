//! Baselines, for turning guardfix on in CI over a codebase that has findings today:
//! `check --write-baseline FILE` records them, `check --baseline FILE` (or `baseline = "…"` in
//! the configuration) reports only the findings not in it.
//!
//! A finding is recorded by the fix engine's identity (`FindingKey`: its kind, binding,
//! acquiring code and the signature of its fn) and its file relative to the workspace root,
//! never by line: unrelated edits and moved lines keep it baselined. Equal keys are counted,
//! so a second identical finding in the same fn is new. The file is JSON, sorted, one finding
//! per line, so it diffs well in review.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::driver::CheckRun;
use crate::edit::engine::FindingKey;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselinedFinding>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselinedFinding {
    /// Relative to the workspace root, `/`-separated.
    pub file: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// The acquiring code (`self.state.lock().unwrap()`).
    pub acquire: String,
    /// The enclosing fn's signature.
    #[serde(rename = "fn")]
    pub function: String,
    /// How many findings have this identity.
    pub count: usize,
}

/// What comparing a run with a baseline left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Findings the baseline holds (taken out of the run).
    pub baselined: usize,
    /// Baselined findings the run no longer has: the file can be tightened.
    pub gone: usize,
}

#[derive(thiserror::Error, Debug)]
pub enum BaselineError {
    #[error("cannot read the baseline {}: {message}; write one with `guardfix check --write-baseline {}`", path.display(), path.display())]
    Unreadable { path: PathBuf, message: String },
    #[error("cannot write the baseline {}: {message}", path.display())]
    Unwritable { path: PathBuf, message: String },
}

type Identity = (String, String, Option<String>, String, String);

fn identities(run: &CheckRun) -> Vec<(usize, usize, Identity)> {
    let mut all = Vec::new();
    for (file_at, file) in run.checked.iter().enumerate() {
        let name = crate::render::slash_path(&file.entry.path, Some(&run.root));
        for (finding_at, finding) in file.findings.iter().enumerate() {
            let key = FindingKey::of(finding, &file.source.text);
            let (kind, binding, acquire) = key.parts();
            let identity = (
                name.clone(),
                kind.to_owned(),
                binding.map(str::to_owned),
                acquire.to_owned(),
                key.context_head().to_owned(),
            );
            all.push((file_at, finding_at, identity));
        }
    }
    all
}

/// The run's findings as a baseline.
pub fn of_run(run: &CheckRun) -> Baseline {
    let mut counts: BTreeMap<Identity, usize> = BTreeMap::new();
    for (_, _, identity) in identities(run) {
        *counts.entry(identity).or_default() += 1;
    }
    let findings = counts
        .into_iter()
        .map(|((file, kind, binding, acquire, function), count)| BaselinedFinding {
            file,
            kind,
            binding,
            acquire,
            function,
            count,
        })
        .collect();
    Baseline { version: 1, findings }
}

/// Takes the baselined findings out of the run; says how many, and how many are gone.
pub fn apply(run: &mut CheckRun, baseline: &Baseline) -> Comparison {
    let mut left: BTreeMap<Identity, usize> = baseline
        .findings
        .iter()
        .map(|f| {
            let identity = (
                f.file.clone(),
                f.kind.clone(),
                f.binding.clone(),
                f.acquire.clone(),
                f.function.clone(),
            );
            (identity, f.count)
        })
        .collect();
    let mut known = vec![Vec::new(); run.checked.len()];
    for (file_at, finding_at, identity) in identities(run) {
        if let Some(count) = left.get_mut(&identity).filter(|count| **count > 0) {
            *count -= 1;
            known[file_at].push(finding_at);
        }
    }
    let mut comparison = Comparison::default();
    for (file, known) in run.checked.iter_mut().zip(known) {
        comparison.baselined += known.len();
        let mut at = 0;
        file.findings.retain(|_| {
            let keep = !known.contains(&at);
            at += 1;
            keep
        });
    }
    comparison.gone = left.values().sum();
    comparison
}

pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
    let unreadable = |message: String| BaselineError::Unreadable { path: path.to_owned(), message };
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| unreadable(format!("not a guardfix baseline ({e})")))
}

/// Writes the baseline atomically: one finding per line.
pub fn write(path: &Path, baseline: &Baseline) -> Result<(), BaselineError> {
    let unwritable = |message: String| BaselineError::Unwritable { path: path.to_owned(), message };
    let mut text = format!("{{\n  \"version\": {},\n  \"findings\": [", baseline.version);
    for (i, finding) in baseline.findings.iter().enumerate() {
        let line = serde_json::to_string(finding).map_err(|e| unwritable(e.to_string()))?;
        text.push_str(if i == 0 { "\n    " } else { ",\n    " });
        text.push_str(&line);
    }
    text.push_str(if baseline.findings.is_empty() { "]\n}\n" } else { "\n  ]\n}\n" });
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file =
        tempfile::NamedTempFile::new_in(folder).map_err(|e| unwritable(e.to_string()))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| unwritable(e.to_string()))?;
    file.persist(path).map_err(|e| unwritable(e.error.to_string()))?;
    Ok(())
}
