//! An editing session, the language server's view of a workspace: discovered once, each
//! crate's declarations kept per file and updated as files change, and any one file analysed
//! from the text the editor holds.
//!
//! `check` decides per run which files to parse (`select.rs`); a session cannot, since any file
//! may be typed into next. So a crate's index is built in full the first time one of its files
//! is analysed (its declaring files parsed in parallel), and afterwards only the changed file's
//! part is recomputed: when that part differs, the crate's other open files are analysed again.
//! Analysis is syntactic (`--semantic never`): rust-analyzer's load takes seconds and hundreds
//! of MB, and the editor runs rust-analyzer already. The lock switch, which needs it, loads it
//! only when asked for (see `lsp/actions.rs`).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ra_ap_syntax::AstNode;
use rayon::prelude::*;

use super::select::{index_key, parse_for_guardfix};
use super::{FileUnderFix, RunError, RunOptions, Workspace, open_workspace};
use crate::analyse::{self, CheckOptions, imports::Imports, index::ItemIndex, prefilter};
use crate::cache::Declarations;
use crate::config::Config;
use crate::discover::{CargoPackage, SourceFileEntry};
use crate::finding::Finding;
use crate::parse::{self, LoadedSource};

pub struct Session {
    pub root: PathBuf,
    pub config: Config,
    check: CheckOptions,
    /// The files discovery found, by absolute path.
    entries: HashMap<PathBuf, SourceFileEntry>,
    packages: Vec<CargoPackage>,
    crates: HashMap<String, CrateDeclarations>,
    /// The texts the editor holds, which may differ from the files on disk.
    overlays: HashMap<PathBuf, String>,
    /// The configured guard types' last segments: a file naming one may declare guards.
    configured_words: Vec<String>,
    /// What discovery and configuration had to say (a failing `cargo metadata`).
    pub warnings: Vec<String>,
}

/// One crate's declarations, per declaring file, and their merge.
struct CrateDeclarations {
    parts: BTreeMap<PathBuf, Declarations>,
    merged: ItemIndex,
}

/// One file, analysed from the text the editor holds (or the disk's).
pub struct FileAnalysis {
    pub entry: SourceFileEntry,
    pub source: LoadedSource,
    /// With their help lines planned, as `check` prints them.
    pub findings: Vec<Finding>,
    /// Syntax errors in the text: findings may be incomplete, and no fix is offered.
    pub syntax_errors: usize,
}

impl Session {
    /// Discovers the workspace at `root` and reads its configuration; no file is parsed yet.
    pub fn open(root: &Path, options: &RunOptions) -> Result<Session, RunError> {
        let Workspace { discovery, root, config, .. } = open_workspace(root, options)?;
        let configured_words = config
            .extra_guard_types
            .iter()
            .map(|name| analyse::types::last_segment(name).to_owned())
            .collect();
        Ok(Session {
            root,
            check: options.check,
            entries: discovery.files.into_iter().map(|file| (file.path.clone(), file)).collect(),
            packages: discovery.packages,
            crates: HashMap::new(),
            overlays: HashMap::new(),
            configured_words,
            warnings: discovery.warnings,
            config,
        })
    }

    /// The file as discovery found it, or (for a file created since) as the package whose
    /// folder holds it would have.
    pub fn entry(&self, path: &Path) -> SourceFileEntry {
        if let Some(entry) = self.entries.get(path) {
            return entry.clone();
        }
        let package = CargoPackage::containing(&self.packages, path);
        let sibling = package.and_then(|package| {
            self.entries.values().find(|entry| entry.package.as_deref() == Some(&package.name))
        });
        SourceFileEntry {
            path: path.to_owned(),
            display_path: crate::render::slash_path(path, Some(&self.root)).into(),
            edition: sibling.map_or(crate::discover::Edition::Edition2021, |entry| entry.edition),
            package: package.map(|package| package.name.clone()),
        }
    }

    /// The crate a file's declarations belong to: open files of the same crate are analysed
    /// again when its index changes.
    pub fn crate_of(&self, path: &Path) -> String {
        index_key(&self.entry(path))
    }

    /// The editor now holds `text` for `path` (`None`: it closed it, the disk's text counts).
    /// Returns whether the file's crate index changed, so its other files need analysing again.
    pub fn set_text(&mut self, path: &Path, text: Option<String>) -> bool {
        match text {
            Some(text) => self.overlays.insert(path.to_owned(), text),
            None => self.overlays.remove(path),
        };
        let key = self.crate_of(path);
        let Some(declarations) = self.crates.get(&key) else { return false };
        let part = self.read(path).ok().and_then(|source| self.declarations_of(path, &source.text));
        let old = declarations.parts.get(path).map(|old| old.fingerprint);
        if old == part.as_ref().map(|part| part.fingerprint) {
            return false;
        }
        let mut parts = self.crates.remove(&key).map(|crate_| crate_.parts).unwrap_or_default();
        match part {
            Some(part) => parts.insert(path.to_owned(), part),
            None => parts.remove(path),
        };
        let merged = self.merge(&parts);
        self.crates.insert(key, CrateDeclarations { parts, merged });
        true
    }

    /// Analyses `path` as `check --semantic never` would, from the editor's text if it holds
    /// one; `Err` says why the file cannot be analysed (not UTF-8, too deeply nested, the
    /// parser crashed).
    pub fn analyse(&mut self, path: &Path) -> Result<FileAnalysis, String> {
        let entry = self.entry(path);
        let source = self.read(path)?;
        let mut analysis = FileAnalysis { entry, source, findings: Vec::new(), syntax_errors: 0 };
        if self.config.is_excluded(path) || self.config.allows_file(path) {
            return Ok(analysis);
        }
        let parse = parse_for_guardfix(&analysis.entry, &analysis.source.text)?;
        let check = self.check;
        let index = self.index_for(&analysis.entry);
        let (text, edition) = (&analysis.source.text, analysis.entry.edition);
        let findings = parse::catch_panic(|| {
            let tree = parse.tree();
            let imports = Imports::collect(tree.syntax());
            let mut findings =
                analyse::analyse_tree_with(&tree, &index, &imports, edition, check, None).findings;
            crate::edit::engine::plan_notes(text, edition, &index, &mut findings, None);
            findings
        })
        .map_err(|panic| {
            format!("guardfix's analysis crashed on this file ({panic}); please report it with the file attached")
        })?;
        analysis.findings = findings;
        analysis.syntax_errors = parse.errors().len();
        Ok(analysis)
    }

    /// The index `entry` is analysed with: its crate's (built on first use), with the fns the
    /// configuration allows in this file.
    pub fn index_for(&mut self, entry: &SourceFileEntry) -> Cow<'_, ItemIndex> {
        let key = index_key(entry);
        if !self.crates.contains_key(&key) {
            let declarations = self.declare_crate(&key);
            self.crates.insert(key.clone(), declarations);
        }
        let index = &self.crates[&key].merged;
        let allowed = self.config.allowed_fns(&entry.path);
        if allowed.is_empty() {
            return Cow::Borrowed(index);
        }
        let mut own = index.clone();
        own.allow_fns(allowed);
        Cow::Owned(own)
    }

    /// An analysed file as the fix engine sees it, with `index` from [`Self::index_for`].
    pub fn under_fix<'a>(
        &self,
        analysis: &'a FileAnalysis,
        index: &'a ItemIndex,
    ) -> FileUnderFix<'a> {
        FileUnderFix::of(&analysis.source, &analysis.entry, index, None, self.check)
    }

    /// The editor's text, else the disk's.
    fn read(&self, path: &Path) -> Result<LoadedSource, String> {
        match self.overlays.get(path) {
            Some(text) => LoadedSource::from_bytes(text.clone().into_bytes())
                .map_err(|at| format!("not valid UTF-8 at byte {at}")),
            None => parse::read_source(path).map_err(|error| error.to_string()),
        }
    }

    /// A file's part of its crate's index, if its text may declare anything the index keeps.
    fn declarations_of(&self, path: &Path, text: &str) -> Option<Declarations> {
        let declares = prefilter::may_declare_locks(text)
            || self.configured_words.iter().any(|word| text.contains(word.as_str()));
        if !declares {
            return None;
        }
        let parse = parse_for_guardfix(&self.entry(path), text).ok()?;
        parse::catch_panic(|| {
            let tree = parse.tree();
            let imports = Imports::collect(tree.syntax());
            Declarations::new(ItemIndex::of_file(tree.syntax(), &imports))
        })
        .ok()
        .filter(|declarations| !declarations.part.is_empty())
    }

    /// Parses the crate's declaring files (in parallel) and merges their parts.
    fn declare_crate(&self, key: &str) -> CrateDeclarations {
        let files: Vec<&PathBuf> = self
            .entries
            .values()
            .filter(|entry| index_key(entry) == key)
            .map(|entry| &entry.path)
            .chain(self.overlays.keys().filter(|path| !self.entries.contains_key(*path)))
            .collect();
        let parts: BTreeMap<PathBuf, Declarations> = files
            .into_par_iter()
            .filter(|path| index_key(&self.entry(path)) == key)
            .filter_map(|path| {
                let source = self.read(path).ok()?;
                Some((path.clone(), self.declarations_of(path, &source.text)?))
            })
            .collect();
        let merged = self.merge(&parts);
        CrateDeclarations { parts, merged }
    }

    fn merge(&self, parts: &BTreeMap<PathBuf, Declarations>) -> ItemIndex {
        let mut index = ItemIndex::default();
        index.add_extra_guard_types(self.config.extra_guard_types.iter().cloned());
        parts.values().for_each(|declarations| index.merge(&declarations.part));
        index.finish();
        index
    }
}
