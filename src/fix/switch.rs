//! The async-mutex transform over a whole workspace: after the per-file fixes, each finding
//! whose guard must span its await (the planner suggests `async-mutex`) gets its lock switched
//! to tokio's, in every file that uses it (`transforms/async_mutex.rs` for the edits,
//! `semantic/lock_sites.rs` for where they go).
//!
//! One lock is switched per round; then every changed file is analysed again and the next
//! candidate is looked for in the new texts, so edits never stack on stale offsets. A lock is
//! switched only when every site converts; otherwise its findings stay skipped with the
//! reason. The crate's `Cargo.toml` gets tokio's `sync` feature (or tokio) when it lacks it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::per_file::{ProposedFile, SwitchKey};
use crate::discover::SourceFileEntry;
use crate::driver::{self, CheckRun};
use crate::edit::Applicability;
use crate::edit::engine::{Applied, RELOCK_HINT};
use crate::finding::{Finding, Strategy};
use crate::transforms::async_mutex;

const MAX_LOCKS: usize = 32;

/// Switches the locks the findings in `files` call for; files the switch touches that had no
/// findings are added to `files`.
/// `taken_back`: locks whose switch `cargo check` rejected in an earlier round of `--verify`,
/// with why; they are not switched again, and their findings say why.
pub fn switch_locks(
    run: &CheckRun,
    files: &mut Vec<ProposedFile>,
    taken_back: &std::collections::HashMap<SwitchKey, String>,
) {
    let wanted = |finding: &Finding| finding.suggested == Some(Strategy::AsyncMutex);
    let has_candidates =
        files.iter().any(|file| file.skipped.iter().any(|skipped| wanted(&skipped.finding)));
    if !has_candidates {
        return;
    }
    let Some(workspace) = run.semantic.as_deref() else {
        return; // the skipped findings keep their reason; the load warning said why
    };
    for file in files.iter() {
        if let Some(text) = &file.new_text {
            workspace.set_text(&file.entry.path, text);
        }
    }
    let mut refused: HashSet<CandidateKey> = taken_back.keys().cloned().collect();
    let mut switched_together: Vec<BTreeSet<PathBuf>> = Vec::new();
    let mut reasons: Vec<(CandidateKey, String)> =
        taken_back.iter().map(|(key, reason)| (key.clone(), reason.clone())).collect();
    for _ in 0..MAX_LOCKS {
        let Some((key, finding)) = next_candidate(run, files, &refused, &wanted) else {
            break;
        };
        let path = key.path.clone();
        // rust-analyzer may panic on code it does not expect: that lock is refused, the run
        // goes on.
        let search =
            crate::parse::catch_panic(|| workspace.lock_sites(&path, finding.acquire.into()));
        let sites = search.unwrap_or_else(|panic| Err(format!("rust-analyzer failed: {panic}")));
        let outcome = sites.and_then(|sites| {
            let text_of = |file: &Path| current_text(files, file);
            let mut new_texts = async_mutex::convert(&sites, &finding.lock, &text_of)?;
            let manifests: BTreeSet<PathBuf> =
                sites.files().into_iter().filter_map(manifest_of).collect();
            for manifest in manifests {
                if let Some(new_text) = tokio_sync_feature(&manifest, files)? {
                    new_texts.insert(manifest, new_text);
                }
            }
            Ok(new_texts)
        });
        match outcome {
            Ok(edits) => match apply(files, &edits, workspace, &key) {
                Ok(()) => switched_together.push(edits.keys().cloned().collect()),
                Err(reason) => {
                    reasons.push((key.clone(), reason));
                    refused.insert(key);
                }
            },
            Err(reason) => {
                reasons.push((key.clone(), reason));
                refused.insert(key);
            }
        }
    }
    // Reasons name files by absolute path; show them as the rest of the output does.
    if let Some(base) = display_base(files) {
        let prefix = format!("{}/", base.display());
        for (_, reason) in &mut reasons {
            *reason = reason.replace(&prefix, "");
        }
    }
    settle_outcomes(run, files, &reasons);
    link_switched_files(files, switched_together);
}

/// Records, in each file a lock switch edited, the other files edited with it (through any
/// chain of switches that share a file): they only compile together.
fn link_switched_files(files: &mut [ProposedFile], mut groups: Vec<BTreeSet<PathBuf>>) {
    let mut merged: Vec<BTreeSet<PathBuf>> = Vec::new();
    while let Some(mut group) = groups.pop() {
        while let Some(at) = merged.iter().position(|other| !other.is_disjoint(&group)) {
            group.extend(merged.swap_remove(at));
        }
        merged.push(group);
    }
    for file in files.iter_mut() {
        if let Some(group) = merged.iter().find(|group| group.contains(&file.entry.path)) {
            file.switched_with =
                group.iter().filter(|path| **path != file.entry.path).cloned().collect();
        }
    }
}

/// A finding across rounds (see [`SwitchKey`]).
type CandidateKey = SwitchKey;

/// The keys of a file's findings, in order.
fn keys_of<'a>(
    path: &Path,
    text: &str,
    findings: impl IntoIterator<Item = &'a Finding>,
) -> Vec<CandidateKey> {
    let mut seen: Vec<String> = Vec::new();
    findings
        .into_iter()
        .map(|finding| {
            let acquired = finding.acquire.text(text).to_owned();
            let ordinal = seen.iter().filter(|earlier| **earlier == acquired).count();
            seen.push(acquired.clone());
            CandidateKey { path: path.to_owned(), acquired, ordinal }
        })
        .collect()
}

/// The first finding (in path order) that wants its lock switched and was not refused yet, in
/// the current text of its file.
fn next_candidate(
    run: &CheckRun,
    files: &[ProposedFile],
    refused: &HashSet<CandidateKey>,
    wanted: &dyn Fn(&Finding) -> bool,
) -> Option<(CandidateKey, Finding)> {
    for file in files.iter().filter(|file| file.skipped.iter().any(|s| wanted(&s.finding))) {
        let checked = run.checked.iter().find(|checked| checked.entry.path == file.entry.path)?;
        let text = file.new_text.clone().unwrap_or_else(|| file.source.text.clone());
        let Ok(findings) = driver::reanalyse(run, checked, &text) else { continue };
        let keys = keys_of(&file.entry.path, &text, &findings);
        let candidate = findings
            .into_iter()
            .zip(keys)
            .find(|(finding, key)| wanted(finding) && !refused.contains(key));
        if let Some((finding, key)) = candidate {
            return Some((key, finding));
        }
    }
    None
}

fn current_text(files: &[ProposedFile], path: &Path) -> Option<String> {
    match files.iter().find(|file| file.entry.path == path) {
        Some(file) => Some(file.new_text.clone().unwrap_or_else(|| file.source.text.clone())),
        None => crate::parse::read_source(path).ok().map(|source| source.text),
    }
}

/// Makes one lock's new texts the files' current texts (adding files that had no findings)
/// and tells rust-analyzer about them.
fn apply(
    files: &mut Vec<ProposedFile>,
    texts: &BTreeMap<PathBuf, String>,
    workspace: &crate::semantic::SemanticWorkspace,
    switch: &SwitchKey,
) -> Result<(), String> {
    // All files first, so a failure leaves every file as it was.
    let mut new_texts = Vec::new();
    for (path, after) in texts {
        let after = after.clone();
        let is_rust = path.extension().is_some_and(|extension| extension == "rs");
        let parses = !is_rust
            || ra_ap_syntax::SourceFile::parse(&after, ra_ap_syntax::Edition::CURRENT)
                .errors()
                .is_empty();
        if !parses {
            return Err(format!("switching the lock would break the syntax of {}", path.display()));
        }
        new_texts.push((path.clone(), after));
    }
    let base = display_base(files);
    for (path, after) in new_texts {
        workspace.set_text(&path, &after);
        match files.iter_mut().find(|file| file.entry.path == path) {
            Some(file) => {
                if file.switches.is_empty() {
                    file.before_switch =
                        Some(file.new_text.clone().unwrap_or_else(|| file.source.text.clone()));
                }
                file.switches.push(switch.clone());
                file.new_text = Some(after);
            }
            None => {
                let source = crate::parse::read_source(&path)
                    .map_err(|error| format!("{}: {error}", path.display()))?;
                let display_path = base
                    .as_ref()
                    .and_then(|base| path.strip_prefix(base).ok())
                    .map_or_else(|| path.clone(), Path::to_owned);
                let entry = SourceFileEntry {
                    path: path.clone(),
                    display_path,
                    edition: ra_ap_syntax::Edition::Edition2021,
                    package: None,
                };
                files.push(ProposedFile {
                    entry,
                    before_switch: Some(source.text.clone()),
                    switches: vec![switch.clone()],
                    source,
                    findings: Vec::new(),
                    syntax_errors: 0,
                    new_text: Some(after),
                    applied: Vec::new(),
                    skipped: Vec::new(),
                    switched_with: Vec::new(),
                });
            }
        }
    }
    files.sort_by(|a, b| a.entry.path.cmp(&b.entry.path));
    Ok(())
}

/// The folder display paths are relative to, from a file whose path ends with its display path.
fn display_base(files: &[ProposedFile]) -> Option<PathBuf> {
    files.iter().find_map(|file| {
        let mut base = file.entry.path.clone();
        for _ in file.entry.display_path.components() {
            base.pop();
        }
        file.entry.path.ends_with(&file.entry.display_path).then_some(base)
    })
}

/// Findings the switch removed become applied (strategy async-mutex); refused ones say why.
fn settle_outcomes(run: &CheckRun, files: &mut [ProposedFile], reasons: &[(CandidateKey, String)]) {
    for file in files.iter_mut() {
        let Some(new_text) = file.new_text.clone() else { continue };
        let Some(checked) = run.checked.iter().find(|c| c.entry.path == file.entry.path) else {
            continue;
        };
        let gone = driver::findings_gone(run, checked, &new_text);
        let mut still_skipped = Vec::new();
        for skipped in std::mem::take(&mut file.skipped) {
            let index = checked.findings.iter().position(|original| {
                original.acquire == skipped.finding.acquire && original.kind == skipped.finding.kind
            });
            if index.is_some_and(|index| gone[index]) {
                file.applied.push(Applied {
                    finding: skipped.finding,
                    strategy: Strategy::AsyncMutex,
                    applicability: Applicability::MachineApplicable,
                });
            } else {
                still_skipped.push(skipped);
            }
        }
        file.skipped = still_skipped;
    }
    for file in files.iter_mut() {
        let keys = keys_of(
            &file.entry.path,
            &file.source.text,
            file.skipped.iter().map(|skipped| &skipped.finding),
        );
        for (skipped, key) in file.skipped.iter_mut().zip(keys) {
            if let Some((_, reason)) = reasons.iter().find(|(refused, _)| *refused == key) {
                let hint = if skipped.reason.ends_with(RELOCK_HINT) { RELOCK_HINT } else { "" };
                skipped.reason = format!("the lock was not switched to tokio's: {reason}{hint}");
            }
        }
    }
}

/// The `Cargo.toml` of the package a source file belongs to.
fn manifest_of(source: &Path) -> Option<PathBuf> {
    source.ancestors().map(|folder| folder.join("Cargo.toml")).find(|manifest| manifest.is_file())
}

/// Whether the workspace above `manifest` declares `[workspace.dependencies] tokio` with the
/// `sync` (or `full`) feature, which a `tokio = { workspace = true }` entry inherits.
fn workspace_tokio_has_sync(manifest: &Path, files: &[ProposedFile]) -> bool {
    let Some(crate_dir) = manifest.parent() else { return false };
    crate_dir.ancestors().skip(1).any(|dir| {
        let root = dir.join("Cargo.toml");
        let Some(text) = current_text(files, &root) else { return false };
        let Ok(document) = text.parse::<toml_edit::DocumentMut>() else { return false };
        let features = document
            .get("workspace")
            .and_then(|workspace| workspace.get("dependencies"))
            .and_then(|dependencies| dependencies.get("tokio"))
            .and_then(|tokio| tokio.get("features"))
            .and_then(|features| features.as_array());
        features.is_some_and(|features| {
            features.iter().any(|feature| matches!(feature.as_str(), Some("sync" | "full")))
        })
    })
}

/// The new text of a manifest whose package must name `tokio::sync`: `None` when it already
/// depends on tokio with the `sync` (or `full`) feature; otherwise `sync` is added to tokio's
/// features, or tokio itself (`version = "1"`, default features off) to `[dependencies]`,
/// with `toml_edit` so the rest of the file keeps its formatting.
fn tokio_sync_feature(manifest: &Path, files: &[ProposedFile]) -> Result<Option<String>, String> {
    let text = current_text(files, manifest)
        .ok_or_else(|| format!("{} could not be read", manifest.display()))?;
    let mut document: toml_edit::DocumentMut =
        text.parse().map_err(|error| format!("{}: {error}", manifest.display()))?;
    let dependencies = document
        .entry("dependencies")
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .ok_or_else(|| format!("{}: `dependencies` is not a table", manifest.display()))?;
    match dependencies.get_mut("tokio") {
        None => {
            let mut tokio = toml_edit::InlineTable::new();
            tokio.insert("version", "1".into());
            tokio.insert("default-features", false.into());
            tokio.insert("features", toml_edit::Array::from_iter(["sync"]).into());
            dependencies.insert("tokio", toml_edit::value(tokio));
        }
        Some(tokio) => {
            let inherited = tokio.get("workspace").and_then(|value| value.as_bool()) == Some(true);
            if inherited && workspace_tokio_has_sync(manifest, files) {
                return Ok(None); // `tokio = { workspace = true }` inherits the feature
            }
            if let Some(old) = tokio.as_value()
                && let Some(version) = old.as_str()
            {
                let mut table = toml_edit::InlineTable::new();
                table.insert("version", version.into());
                let mut new = toml_edit::Value::InlineTable(table);
                *new.decor_mut() = old.decor().clone(); // a comment after it stays
                *tokio = toml_edit::Item::Value(new);
            }
            let tokio = tokio
                .as_table_like_mut()
                .ok_or_else(|| format!("{}: tokio's entry is not a table", manifest.display()))?;
            let features = tokio
                .entry("features")
                .or_insert_with(|| toml_edit::value(toml_edit::Array::new()))
                .as_array_mut()
                .ok_or_else(|| {
                    format!("{}: tokio's `features` is not a list", manifest.display())
                })?;
            if features.iter().any(|feature| matches!(feature.as_str(), Some("sync" | "full"))) {
                return Ok(None);
            }
            let was_empty = features.is_empty();
            features.push("sync");
            if was_empty {
                tokio.fmt(); // `{ workspace = true, features = ["sync"] }`, spaced as usual
            }
        }
    }
    Ok(Some(document.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest_after_switch(member: &str, root: Option<&str>) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        if let Some(root) = root {
            std::fs::write(dir.path().join("Cargo.toml"), root).unwrap();
        }
        let crate_dir = dir.path().join("member");
        std::fs::create_dir(&crate_dir).unwrap();
        let manifest = crate_dir.join("Cargo.toml");
        std::fs::write(&manifest, member).unwrap();
        tokio_sync_feature(&manifest, &[]).unwrap()
    }

    #[test]
    fn a_workspace_dependency_with_sync_is_left_alone() {
        let root = "[workspace]\nmembers = [\"member\"]\n\n[workspace.dependencies]\ntokio = { version = \"1\", features = [\"sync\", \"rt\"] }\n";
        let member = "[package]\nname = \"m\"\n\n[dependencies]\ntokio = { workspace = true }\n";
        assert_eq!(manifest_after_switch(member, Some(root)), None);
    }

    #[test]
    fn a_workspace_dependency_without_sync_gets_it_in_the_member() {
        let root = "[workspace]\n\n[workspace.dependencies]\ntokio = { version = \"1\", features = [\"rt\"] }\n";
        let member = "[package]\nname = \"m\"\n\n[dependencies]\ntokio = { workspace = true }\n";
        assert_eq!(
            manifest_after_switch(member, Some(root)).unwrap(),
            "[package]\nname = \"m\"\n\n[dependencies]\ntokio = { workspace = true, features = [\"sync\"] }\n"
        );
    }

    #[test]
    fn a_plain_version_becomes_a_table_with_sync() {
        let member = "[package]\nname = \"m\"\n\n[dependencies]\ntokio = \"1\" # runtime\n";
        assert_eq!(
            manifest_after_switch(member, None).unwrap(),
            "[package]\nname = \"m\"\n\n[dependencies]\ntokio = { version = \"1\", features = [\"sync\"] } # runtime\n"
        );
    }
}
