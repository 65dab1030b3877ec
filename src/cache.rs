//! The persistent cache of `check`'s per-file results, so reruns parse only what changed.
//!
//! As ruff's cache does: one file per workspace (`<target-dir>/guardfix/check-cache`, or the
//! OS cache folder outside cargo), keyed by each source file's content hash. Per file it
//! keeps what the prefilters said of its text, what it declares for its crate's index
//! (`ItemIndex::of_file`) and the findings of its analysis, which are valid only while the
//! crate's declarations are the same: the *index digest* hashes every declaring file's part,
//! so editing a fn body elsewhere in the crate keeps them, adding a lock field does not.
//!
//! A file's *stamp* (modification time and length) says which content it has without reading
//! it, as cargo's fingerprints and ruff's cache trust them: a file whose stamp is the one
//! recorded with its content is not read at all unless it is analysed. A changed stamp (a
//! checkout, a `touch`) only costs a read: the content hash still decides what is reused.
//!
//! The whole cache is dropped when anything else that decides a result differs: guardfix's
//! version and binary, the analysis options, the configuration. Results with rust-analyzer's
//! types are never stored (they depend on the dependencies too). Reading a damaged or foreign
//! cache gives an empty one; writing goes through a temporary file and a rename, and a failure
//! to write is no error (the next run is just cold again).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use crate::analyse::index::ItemIndex;
use crate::finding::{Finding, Planned, Span};
use ra_ap_syntax::Edition;

/// Bumped when what is stored changes meaning.
const FORMAT: u32 = 6;
const FILE_NAME: &str = "check-cache";

/// One file's declarations for its crate's index, with their fingerprint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Declarations {
    pub fingerprint: u128,
    pub part: ItemIndex,
}

impl Declarations {
    pub fn new(part: ItemIndex) -> Declarations {
        let bytes = postcard::to_stdvec(&part).unwrap_or_default();
        Declarations { fingerprint: xxh3_128(&bytes), part }
    }
}

/// A finding with the fields JSON leaves out.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredFinding {
    finding: Finding,
    borrowed: bool,
    in_macro: bool,
    planned: Option<Planned>,
}

impl StoredFinding {
    pub fn store(finding: &Finding) -> StoredFinding {
        StoredFinding {
            finding: finding.clone(),
            borrowed: finding.borrowed,
            in_macro: finding.in_macro,
            planned: finding.planned.clone(),
        }
    }

    pub fn restore(&self) -> Finding {
        let mut finding = self.finding.clone();
        finding.borrowed = self.borrowed;
        finding.in_macro = self.in_macro;
        finding.planned = self.planned.clone();
        finding
    }
}

/// One file's syntactic analysis, valid for one index digest of its crate.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Analysis {
    pub index_digest: u128,
    pub findings: Vec<StoredFinding>,
    pub candidates: Vec<Span>,
    /// `None` when the run that stored it did not count them (see `driver::errors_needed`).
    pub syntax_errors: Option<usize>,
    /// Whether `check`'s help lines were planned already (`Finding::planned`).
    pub planned: bool,
}

/// When a file was last modified, to the nanosecond, and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    modified_nanos: u128,
    len: u64,
}

/// How recent a modification may be for its stamp not to be trusted: a file edited again within
/// the file system's timestamp granularity (up to 2 s on FAT) could keep its stamp.
const RACY: std::time::Duration = std::time::Duration::from_secs(2);

impl Stamp {
    /// The file's stamp, or `None` where the system keeps no modification time.
    pub fn of(path: &Path) -> Option<Stamp> {
        let metadata = std::fs::metadata(path).ok()?;
        let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(Stamp { modified_nanos: modified.as_nanos(), len: metadata.len() })
    }

    /// Whether the stamp may be recorded as the content's: not when the file was modified so
    /// recently (or in the future) that another edit could follow with the same stamp, as git
    /// treats a "racily clean" file. Such a file is read again on the next run.
    pub fn is_settled(&self) -> bool {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.is_ok_and(|now| self.modified_nanos + RACY.as_nanos() < now.as_nanos())
    }
}

/// What the text prefilters said of a file (`analyse::prefilter`), which decides whether it
/// is parsed at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextFacts {
    /// It awaits (or calls an awaiting macro).
    pub awaits: bool,
    /// It may declare something the crate index needs.
    pub declares: bool,
    /// Declaring, it names a guarding map (`DashMap`…).
    pub guarding_map: bool,
    /// Declaring, it names a guard type (or a configured one).
    pub names_guard_type: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Entry {
    /// `content_hash` of the file this entry is about.
    pub content: u128,
    /// The file's stamp when it was read with this content.
    pub stamp: Option<Stamp>,
    pub facts: Option<TextFacts>,
    /// `prefilter::may_hold_guards` of the text, per set of words (`GuardWords::key`): the
    /// crate's words before and after its guard-giving names, the last two asked.
    pub holds: Vec<(u64, bool)>,
    /// Shared with the crate indexes that use it: a warm run clones no index part.
    pub declarations: Option<Arc<Declarations>>,
    pub analysis: Option<Analysis>,
}

#[derive(Default, Serialize, Deserialize)]
struct OnDisk {
    format: u32,
    key: u64,
    entries: Vec<(PathBuf, Entry)>,
    /// Index digest → the crate's guard-giving names (`ItemIndex::guard_giving_names`).
    names: Vec<(u128, Vec<String>)>,
}

/// The cache of one run: what was read at the start, and what the run adds.
pub struct CheckCache {
    file: Option<PathBuf>,
    key: u64,
    entries: HashMap<PathBuf, Entry>,
    names: HashMap<u128, Vec<String>>,
    changed: bool,
}

/// The hash a file's entry is keyed by: its bytes and the edition it is parsed with.
pub fn content_hash(bytes: &[u8], edition: Edition) -> u128 {
    let mut hasher = Xxh3::new();
    hasher.update(bytes);
    hasher.update(edition.number().to_string().as_bytes());
    hasher.digest128()
}

/// Hashes what the index of a crate is built from: its declaring files' parts, in order.
pub fn index_digest<'a>(parts: impl Iterator<Item = (&'a Path, &'a Declarations)>) -> u128 {
    let mut hasher = Xxh3::new();
    for (path, declarations) in parts {
        hasher.update(path.as_os_str().as_encoded_bytes());
        hasher.update(&declarations.fingerprint.to_le_bytes());
    }
    hasher.digest128()
}

/// Everything besides the files that decides a result: guardfix itself (version, and the
/// binary's size and time, so a rebuilt development binary starts afresh) and `settings` (the
/// analysis options and configuration, as their `Debug` text).
pub fn run_key(settings: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    FORMAT.hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    if let Some(meta) = std::env::current_exe().ok().and_then(|exe| exe.metadata().ok()) {
        meta.len().hash(&mut hasher);
        meta.modified().ok().hash(&mut hasher);
    }
    settings.hash(&mut hasher);
    hasher.finish()
}

/// Where the cache of a workspace lives: under cargo's target folder, else in the OS cache
/// folder (`$XDG_CACHE_HOME`, `~/.cache`), one file per folder checked.
pub fn location(target_directory: Option<&Path>, root: &Path) -> Option<PathBuf> {
    match target_directory {
        Some(target) => Some(target.join("guardfix")),
        None => os_cache_folder(root),
    }
}

/// A folder of the OS cache folder (`$XDG_CACHE_HOME/guardfix/…`, `~/.cache/guardfix/…`) for
/// what `key` names (a folder checked, a manifest and a folder).
pub fn os_cache_folder(key: impl Hash) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    Some(base.join("guardfix").join(format!("{:016x}", hasher.finish())))
}

impl CheckCache {
    /// A cache that keeps nothing (`--no-cache`).
    pub fn disabled() -> CheckCache {
        CheckCache {
            file: None,
            key: 0,
            entries: HashMap::new(),
            names: HashMap::new(),
            changed: false,
        }
    }

    /// Reads the cache in `folder` for runs with this `key`; missing, damaged or made by
    /// another key, it starts empty.
    pub fn open(folder: &Path, key: u64) -> CheckCache {
        let file = folder.join(FILE_NAME);
        let on_disk = std::fs::read(&file)
            .ok()
            .and_then(|bytes| postcard::from_bytes::<OnDisk>(&bytes).ok())
            .filter(|on_disk| on_disk.format == FORMAT && on_disk.key == key)
            .unwrap_or_default();
        CheckCache {
            file: Some(file),
            key,
            entries: on_disk.entries.into_iter().collect(),
            names: on_disk.names.into_iter().collect(),
            changed: false,
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.file.is_some()
    }

    fn entry(&self, path: &Path, content: u128) -> Option<&Entry> {
        self.entries.get(path).filter(|entry| entry.content == content)
    }

    pub fn declarations(&self, path: &Path, content: u128) -> Option<&Arc<Declarations>> {
        self.entry(path, content)?.declarations.as_ref()
    }

    pub fn analysis(&self, path: &Path, content: u128, index_digest: u128) -> Option<&Analysis> {
        self.entry(path, content)?.analysis.as_ref().filter(|a| a.index_digest == index_digest)
    }

    /// The content and text facts of a file whose stamp is the one they were recorded with.
    pub fn known_by_stamp(&self, path: &Path, stamp: Stamp) -> Option<(u128, TextFacts)> {
        let entry = self.entries.get(path).filter(|entry| entry.stamp == Some(stamp))?;
        Some((entry.content, entry.facts?))
    }

    /// Records what the prefilters said of a file just read, and its stamp before the read.
    pub fn set_text_facts(
        &mut self,
        path: &Path,
        content: u128,
        stamp: Option<Stamp>,
        facts: TextFacts,
    ) {
        let entry = self.fresh_entry(path, content);
        if entry.stamp != stamp || entry.facts != Some(facts) {
            entry.stamp = stamp;
            entry.facts = Some(facts);
            self.changed = true;
        }
    }

    pub fn holds(&self, path: &Path, content: u128, words: u64) -> Option<bool> {
        let entry = self.entry(path, content)?;
        entry.holds.iter().find(|(key, _)| *key == words).map(|&(_, holds)| holds)
    }

    pub fn set_holds(&mut self, path: &Path, content: u128, words: u64, holds: bool) {
        let entry = self.fresh_entry(path, content);
        if !entry.holds.contains(&(words, holds)) {
            entry.holds.retain(|(key, _)| *key != words);
            if entry.holds.len() >= 2 {
                entry.holds.remove(0);
            }
            entry.holds.push((words, holds));
            self.changed = true;
        }
    }

    pub fn guard_giving_names(&self, index_digest: u128) -> Option<&[String]> {
        self.names.get(&index_digest).map(Vec::as_slice)
    }

    pub fn set_guard_giving_names(&mut self, index_digest: u128, names: Vec<String>) {
        if self.names.get(&index_digest) != Some(&names) {
            self.names.insert(index_digest, names);
            self.changed = true;
        }
    }

    /// Records a file's declarations (`None` when it declares nothing worth keeping).
    pub fn set_declarations(
        &mut self,
        path: &Path,
        content: u128,
        declarations: Arc<Declarations>,
    ) {
        let entry = self.fresh_entry(path, content);
        let same =
            entry.declarations.as_ref().map(|d| d.fingerprint) == Some(declarations.fingerprint);
        if !same {
            entry.declarations = Some(declarations);
            self.changed = true;
        }
    }

    pub fn set_analysis(&mut self, path: &Path, content: u128, analysis: Analysis) {
        let entry = self.fresh_entry(path, content);
        let same = entry.analysis.as_ref().is_some_and(|old| {
            old.index_digest == analysis.index_digest && old.planned == analysis.planned
        });
        if !same {
            entry.analysis = Some(analysis);
            self.changed = true;
        }
    }

    /// The entry for this content of the file, emptied when the file changed.
    fn fresh_entry(&mut self, path: &Path, content: u128) -> &mut Entry {
        let entry = self.entries.entry(path.to_owned()).or_default();
        if entry.content != content {
            *entry = Entry { content, ..Entry::default() };
        }
        entry
    }

    /// Writes the cache back if the run added anything, dropping entries of files that are
    /// gone. Any failure leaves the old cache (or none); it is never an error of the run.
    pub fn save(mut self) {
        let Some(file) = self.file.take() else { return };
        if !self.changed {
            return;
        }
        self.entries.retain(|path, _| path.is_file());
        let mut entries: Vec<(PathBuf, Entry)> = self.entries.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        // Only the digests some entry still refers to.
        let live: std::collections::HashSet<u128> = entries
            .iter()
            .filter_map(|(_, entry)| entry.analysis.as_ref().map(|a| a.index_digest))
            .collect();
        let names: Vec<(u128, Vec<String>)> =
            self.names.into_iter().filter(|(digest, _)| live.contains(digest)).collect();
        let on_disk = OnDisk { format: FORMAT, key: self.key, entries, names };
        store(&file, &on_disk);
    }
}

/// Writes `value` to `file` through a temporary file and a rename, creating its folder; a
/// failure leaves what was there (a cache is never worth failing a run for).
pub fn store(file: &Path, value: &impl Serialize) {
    let (Ok(bytes), Some(folder)) = (postcard::to_stdvec(value), file.parent()) else { return };
    if std::fs::create_dir_all(folder).is_err() {
        return;
    }
    if let Ok(mut temp) = tempfile::NamedTempFile::new_in(folder) {
        use std::io::Write as _;
        if temp.write_all(&bytes).is_ok() {
            let _ = temp.persist(file);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_a_save_and_are_keyed_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("a.rs");
        std::fs::write(&source, "fn f() {}").unwrap();
        let content = content_hash(b"fn f() {}", Edition::Edition2021);
        let mut cache = CheckCache::open(dir.path(), 7);
        let analysis = Analysis {
            index_digest: 3,
            findings: Vec::new(),
            candidates: vec![Span::new(1, 2)],
            syntax_errors: None,
            planned: true,
        };
        cache.set_analysis(&source, content, analysis);
        cache.save();

        let cache = CheckCache::open(dir.path(), 7);
        assert!(cache.analysis(&source, content, 3).is_some());
        assert!(cache.analysis(&source, content, 4).is_none(), "another index digest");
        assert!(cache.analysis(&source, content + 1, 3).is_none(), "another content");
        let other_key = CheckCache::open(dir.path(), 8);
        assert!(other_key.analysis(&source, content, 3).is_none(), "another run key");
    }

    /// Findings are stored with postcard, which is not self-describing: every field must come
    /// back (a `skip_serializing_if` once made every warm run a cold one).
    #[test]
    fn findings_of_every_kind_survive_a_save() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("a.rs");
        let text = "use std::sync::Mutex;\nasync fn f(m: &Mutex<u8>) {\n    let g = m.lock().unwrap();\n    let again = m.lock().unwrap();\n    g.checked_add(*again);\n    tick().await;\n}\n";
        let options = crate::analyse::CheckOptions { deadlocks: true, ..Default::default() };
        std::fs::write(&source, text).unwrap();
        let findings = crate::analyse::check_source(text, Edition::Edition2021, options);
        assert!(findings.iter().any(|finding| finding.held_since.is_some()), "{findings:#?}");
        assert!(findings.iter().any(|finding| finding.held_since.is_none()), "{findings:#?}");
        let content = content_hash(text.as_bytes(), Edition::Edition2021);
        let mut cache = CheckCache::open(dir.path(), 7);
        let analysis = Analysis {
            index_digest: 3,
            findings: findings.iter().map(StoredFinding::store).collect(),
            candidates: Vec::new(),
            syntax_errors: Some(0),
            planned: false,
        };
        cache.set_analysis(&source, content, analysis);
        cache.save();

        let cache = CheckCache::open(dir.path(), 7);
        let stored = cache.analysis(&source, content, 3).expect("read back");
        let restored: Vec<Finding> = stored.findings.iter().map(StoredFinding::restore).collect();
        assert_eq!(restored, findings);
    }

    #[test]
    fn a_damaged_cache_is_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), b"\xff\x00garbage").unwrap();
        let cache = CheckCache::open(dir.path(), 1);
        assert!(cache.entries.is_empty());
    }

    #[test]
    fn the_edition_is_part_of_the_content() {
        assert_ne!(
            content_hash(b"x", Edition::Edition2021),
            content_hash(b"x", Edition::Edition2024)
        );
    }
}
