//! Which files a run parses and analyses, and the crate indexes they need, built lazily from
//! cached declarations where the cache has them.
//!
//! 1. Every file is read and its text looked at (`analyse::prefilter`): whether it awaits,
//!    whether it may declare something the index needs.
//! 2. A file that awaits and spells an acquiring method, a guard type or a locking word is
//!    analysed (every awaiting file is, with `every_awaiting_file`).
//! 3. A crate with such a file, or with an awaiting file and a declaring file that names a
//!    guard type, gets its declarations: each declaring file's part, from the cache when its
//!    content is unchanged, else parsed. Their digest says whether cached analyses still hold.
//! 4. An awaiting file that mentions one of the crate's guard-giving names (`fn state(&self)
//!    -> MutexGuard<…>`, a struct holding a guard) is analysed too.
//!
//! The index itself (`LazyIndex`) is merged from the parts only when something asks for it: an
//! analysis the cache cannot answer, the fix engine, rust-analyzer's pass. Crates whose
//! awaiting files touch no lock are not parsed at all, and a rerun over unchanged files parses
//! nothing.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use ra_ap_syntax::{AstNode, Parse, SourceFile};
use rayon::prelude::*;

use super::FailedFile;
use crate::analyse::prefilter::{self, GuardWords};
use crate::analyse::{imports::Imports, index::ItemIndex};
use crate::cache::{self, CheckCache, Declarations, Stamp, TextFacts};
use crate::config::Config;
use crate::discover::SourceFileEntry;
use crate::parse::{self, FileTree, LoadedSource};

pub(super) struct ReadFile {
    pub entry: SourceFileEntry,
    /// The file's text: `None` until something needs it when the cache knew the file by its
    /// stamp (see [`ReadFile::load`]).
    source: Option<LoadedSource>,
    /// `cache::content_hash` of the file as read (or as the cache knew it).
    pub content: u128,
    /// What the prefilters said of its text.
    pub facts: TextFacts,
    /// It awaits (or calls an awaiting macro) and no `allow` rule silences it.
    pub awaits: bool,
    /// Decided by `select_and_index`: it awaits and may hold a guard.
    pub wants_analysis: bool,
    pub parse: Option<FileTree>,
    /// For the cache, when the file was read here: its stamp before the read.
    pub read_at: Option<Option<Stamp>>,
    /// For the cache: `may_hold_guards` answers computed here, by `GuardWords::key`.
    pub new_holds: Vec<(u64, bool)>,
}

/// A file to analyse, its text read.
pub(super) struct LoadedFile {
    pub entry: SourceFileEntry,
    pub source: LoadedSource,
    pub content: u128,
    pub parse: Option<FileTree>,
}

impl ReadFile {
    /// It may declare something the crate index needs (see `may_declare_locks`).
    pub fn declares(&self) -> bool {
        self.facts.declares
    }

    /// The file's text, read now if the cache spared reading it so far. The file may have
    /// changed since its stamp was taken: then `content` becomes the new content's, so
    /// nothing cached for the old one is used for it.
    pub fn load(&mut self) -> Result<&LoadedSource, String> {
        if self.source.is_none() {
            let source = parse::read_source(&self.entry.path).map_err(|error| error.to_string())?;
            self.content = cache::content_hash(source.bytes(), self.entry.edition);
            self.source = Some(source);
        }
        Ok(self.source.as_ref().expect("read above"))
    }

    /// Whether the text may hold a guard with these words (`prefilter::may_hold_guards`), as
    /// the cache remembers it for this content or computed now. A file that cannot be read
    /// may: its analysis then says why it failed.
    fn may_hold_guards(&mut self, words: &GuardWords, key: u64, cache: &CheckCache) -> bool {
        if let Some(known) = cache.holds(&self.entry.path, self.content, key) {
            return known;
        }
        let Ok(source) = self.load() else { return true };
        let holds = prefilter::may_hold_guards(&source.text, words);
        self.new_holds.push((key, holds));
        holds
    }

    /// The file with its text, read now if need be, for its analysis.
    pub fn into_loaded(mut self) -> Result<LoadedFile, FailedFile> {
        if let Err(message) = self.load() {
            return Err(FailedFile { entry: self.entry, message });
        }
        let source = self.source.take().expect("loaded above");
        Ok(LoadedFile { entry: self.entry, source, content: self.content, parse: self.parse })
    }
}

/// Looks at a file's text: whether it awaits, whether it may declare something the index
/// needs (`configured_words`, the configured guard types' names, count too). Parsing waits
/// until `select_and_index` knows the file is needed. A file the cache knows by its stamp is
/// not read: what its text said is in the cache.
pub(super) fn read_and_prefilter(
    entry: SourceFileEntry,
    configured_words: &[String],
    cache: &CheckCache,
) -> Result<ReadFile, FailedFile> {
    let stamp = if cache.is_enabled() { Stamp::of(&entry.path) } else { None };
    let known = stamp.and_then(|stamp| cache.known_by_stamp(&entry.path, stamp));
    let (source, content, facts, read_at) = match known {
        Some((content, facts)) => (None, content, facts, None),
        None => {
            let source = match parse::read_source(&entry.path) {
                Ok(source) => source,
                Err(error) => return Err(FailedFile { message: error.to_string(), entry }),
            };
            let content = cache::content_hash(source.bytes(), entry.edition);
            let facts = text_facts(&source.text, configured_words);
            (Some(source), content, facts, Some(stamp.filter(Stamp::is_settled)))
        }
    };
    let awaits = facts.awaits;
    Ok(ReadFile {
        entry,
        source,
        content,
        facts,
        awaits,
        wants_analysis: false,
        parse: None,
        read_at,
        new_holds: Vec::new(),
    })
}

fn text_facts(text: &str, configured_words: &[String]) -> TextFacts {
    let declares = prefilter::may_declare_locks(text)
        || configured_words.iter().any(|word| text.contains(word.as_str()));
    TextFacts {
        awaits: prefilter::may_have_findings(text),
        declares,
        guarding_map: declares && prefilter::mentions_guarding_map(text),
        names_guard_type: declares && prefilter::names_guard_type(text, configured_words),
    }
}

/// Parses a file, or says why it cannot be analysed (a parser crash, nesting too deep).
pub(super) fn parse_for_guardfix(
    entry: &SourceFileEntry,
    text: &str,
) -> Result<Parse<SourceFile>, String> {
    let parse = parse::parse_source(text, entry.edition).map_err(parser_crashed)?;
    shallow_enough(&parse.tree())?;
    Ok(parse)
}

/// `parse_for_guardfix` for a run over many files: the tree alone, freed where it is dropped
/// (`parse::FileTree`).
pub(super) fn tree_for_guardfix(entry: &SourceFileEntry, text: &str) -> Result<FileTree, String> {
    let tree = parse::parse_tree(text, entry.edition).map_err(parser_crashed)?;
    tree.too_deep().map_or(Ok(()), too_deep)?;
    Ok(tree)
}

fn parser_crashed(panic: String) -> String {
    format!("the Rust parser crashed on this file ({panic}); it was skipped, nothing was changed")
}

fn shallow_enough(tree: &SourceFile) -> Result<(), String> {
    parse::too_deep(tree.syntax()).map_or(Ok(()), too_deep)
}

fn too_deep(depth: usize) -> Result<(), String> {
    Err(format!(
        "too deeply nested for guardfix ({depth} levels of syntax; it analyses up to {}): the file was skipped, nothing was changed",
        parse::MAX_NESTING
    ))
}

/// One crate's index: its declaring files' parts, merged on first use.
pub(super) struct LazyIndex {
    parts: Vec<Arc<Declarations>>,
    /// Hash of the parts: the cached analyses made with this index carry it.
    pub digest: u128,
    base: ItemIndex,
    /// The words the crate's files were selected with, for the walk (`ItemIndex::walk_filter`).
    walk_filter: Option<Arc<prefilter::GuardWords>>,
    built: OnceLock<ItemIndex>,
}

impl LazyIndex {
    fn new(parts: Vec<Arc<Declarations>>, digest: u128, base: &ItemIndex) -> LazyIndex {
        let base = base.clone();
        LazyIndex { parts, digest, base, walk_filter: None, built: OnceLock::new() }
    }

    pub fn get(&self) -> &ItemIndex {
        self.built.get_or_init(|| self.with_walk_filter(self.build()))
    }

    fn build(&self) -> ItemIndex {
        let mut index = self.base.clone();
        self.parts.iter().for_each(|declarations| index.merge(&declarations.part));
        index.finish();
        index
    }

    /// Keeps an index `build` made, as `get` would have made it.
    fn set_built(&mut self, index: ItemIndex) {
        self.built = OnceLock::from(self.with_walk_filter(index));
    }

    fn with_walk_filter(&self, mut index: ItemIndex) -> ItemIndex {
        if let Some(words) = &self.walk_filter {
            index.set_walk_filter(words.clone());
        }
        index
    }
}

/// Per-crate indexes (files outside any package share one), all carrying the configured
/// guard types.
pub(super) struct Indexes {
    by_package: HashMap<String, LazyIndex>,
    /// The crates of the files outside any package, found once per folder.
    crate_keys: CrateKeys,
    /// For a package none of whose files needed indexing.
    empty: ItemIndex,
}

impl Indexes {
    pub fn for_file(&self, entry: &SourceFileEntry, config: &Config) -> Cow<'_, ItemIndex> {
        let index = match self.by_package.get(&self.crate_keys.known(entry)) {
            Some(lazy) => lazy.get(),
            None => &self.empty,
        };
        let allowed = config.allowed_fns(&entry.path);
        if allowed.is_empty() {
            return Cow::Borrowed(index);
        }
        let mut own = index.clone();
        own.allow_fns(allowed);
        Cow::Owned(own)
    }

    /// The digest of the index a file is analysed with (0 for a crate without declarations).
    pub fn digest_for(&self, entry: &SourceFileEntry) -> u128 {
        self.by_package.get(&self.crate_keys.known(entry)).map_or(0, |lazy| lazy.digest)
    }
}

/// `index_key` of files outside any package, by folder: it looks for a `Cargo.toml` above the
/// file, the same answer for every file of a folder (per file, those lookups were a tenth of a
/// warm run over a tree of crates without a workspace).
#[derive(Default)]
struct CrateKeys {
    by_folder: HashMap<PathBuf, String>,
}

impl CrateKeys {
    fn folder(entry: &SourceFileEntry) -> Option<&std::path::Path> {
        entry.path.parent().filter(|_| entry.package.is_none())
    }

    /// The file's key, looked up once per folder.
    fn key(&mut self, entry: &SourceFileEntry) -> String {
        match Self::folder(entry) {
            Some(folder) => {
                self.by_folder.entry(folder.to_owned()).or_insert_with(|| index_key(entry)).clone()
            }
            None => index_key(entry),
        }
    }

    /// The file's key, as `key` found it for its folder (or found now).
    fn known(&self, entry: &SourceFileEntry) -> String {
        match Self::folder(entry).and_then(|folder| self.by_folder.get(folder)) {
            Some(key) => key.clone(),
            None => index_key(entry),
        }
    }
}

/// Which crate a file's declarations belong to: its cargo package, or (for a folder walked
/// without cargo metadata) the nearest folder with a `Cargo.toml`, so one crate's structs never
/// blur another's.
pub fn index_key(entry: &SourceFileEntry) -> String {
    if let Some(package) = &entry.package {
        return package.clone();
    }
    entry
        .path
        .ancestors()
        .skip(1)
        .find(|folder| folder.join("Cargo.toml").is_file())
        .map(|folder| folder.display().to_string())
        .unwrap_or_default()
}

/// Decides which files are analysed and gives the indexes they need (see the module's doc).
/// Returns the files in path order, and the parse failures of the files that were needed.
pub(super) fn select_and_index(
    read: Vec<ReadFile>,
    config: &Config,
    configured_words: &[String],
    every_awaiting_file: bool,
    async_locks: bool,
    cache: &mut CheckCache,
) -> (Indexes, Vec<ReadFile>, Vec<FailedFile>) {
    let mut by_crate: HashMap<String, Vec<ReadFile>> = HashMap::new();
    let mut crate_keys = CrateKeys::default();
    for file in read {
        by_crate.entry(crate_keys.key(&file.entry)).or_default().push(file);
    }
    let mut empty = ItemIndex::default();
    empty.add_extra_guard_types(config.extra_guard_types.iter().cloned());
    empty.finish();
    let shared: &CheckCache = cache;
    let outcomes: Vec<(String, CrateSelection)> = by_crate
        .into_par_iter()
        .map(|(key, files)| {
            let selection = select_in_crate(
                files,
                &empty,
                configured_words,
                every_awaiting_file,
                async_locks,
                shared,
            );
            (key, selection)
        })
        .collect();
    let mut by_package = HashMap::new();
    let mut files = Vec::new();
    let mut failed = Vec::new();
    for (key, selection) in outcomes {
        for (path, content, declarations) in selection.new_declarations {
            cache.set_declarations(&path, content, declarations);
        }
        if let Some((digest, names)) = selection.new_names {
            cache.set_guard_giving_names(digest, names);
        }
        for file in &selection.files {
            for &(words, holds) in &file.new_holds {
                cache.set_holds(&file.entry.path, file.content, words, holds);
            }
        }
        if let Some(index) = selection.index {
            by_package.insert(key, index);
        }
        files.extend(selection.files);
        failed.extend(selection.failed);
    }
    files.sort_by(|a, b| a.entry.path.cmp(&b.entry.path));
    (Indexes { by_package, crate_keys, empty }, files, failed)
}

/// A declaring file's part, and whether it was parsed this run (`false`: from the cache).
type Declared = (Arc<Declarations>, bool);

struct CrateSelection {
    /// `None` when no file of the crate is analysed and none needs guard-giving names.
    index: Option<LazyIndex>,
    files: Vec<ReadFile>,
    failed: Vec<FailedFile>,
    /// For the cache: declarations parsed this run, and guard-giving names computed.
    new_declarations: Vec<(PathBuf, u128, Arc<Declarations>)>,
    new_names: Option<(u128, Vec<String>)>,
}

fn select_in_crate(
    mut files: Vec<ReadFile>,
    empty: &ItemIndex,
    configured_words: &[String],
    every_awaiting_file: bool,
    async_locks: bool,
    cache: &CheckCache,
) -> CrateSelection {
    files.sort_by(|a, b| a.entry.path.cmp(&b.entry.path));
    let guarding_map = files.iter().any(|file| file.facts.guarding_map);
    let mut words = GuardWords::new(guarding_map, configured_words, &[], async_locks);
    let key = words.key();
    files.par_iter_mut().filter(|file| file.awaits).for_each(|file| {
        file.wants_analysis = every_awaiting_file || file.may_hold_guards(&words, key, cache);
    });
    let undecided = |file: &ReadFile| file.awaits && !file.wants_analysis;
    let needs_index = files.iter().any(|file| file.wants_analysis)
        || (files.iter().any(undecided) && files.iter().any(|file| file.facts.names_guard_type));
    let mut selection = CrateSelection {
        index: None,
        files: Vec::new(),
        failed: Vec::new(),
        new_declarations: Vec::new(),
        new_names: None,
    };
    if !needs_index {
        selection.files = files;
        return selection;
    }
    // Declarations: cached, or parsed (a file that cannot be parsed is reported once and left
    // out of everything else).
    let outcomes: Vec<Result<Option<Declared>, String>> = files
        .par_iter_mut()
        .map(|file| {
            if !file.declares() {
                return Ok(None);
            }
            if let Some(cached) = cache.declarations(&file.entry.path, file.content) {
                return Ok(Some((cached.clone(), false)));
            }
            // A file nobody analyses, whose bodies lock nothing the index records, is parsed
            // for its declarations only: most of its text is fn bodies.
            file.load()?;
            let text = &file.source.as_ref().expect("loaded above").text;
            let bodies_lock = prefilter::fn_bodies_may_take_crate_locks(text);
            let skeleton = if file.wants_analysis || bodies_lock {
                None
            } else {
                parse::catch_panic(|| parse::without_fn_bodies(text, file.entry.edition))
                    .ok()
                    .flatten()
            };
            let parse = tree_for_guardfix(&file.entry, skeleton.as_deref().unwrap_or(text))?;
            let tree = parse.tree();
            let imports = Imports::collect_in(tree.syntax(), skeleton.as_deref().unwrap_or(text));
            // An analysed file is parsed whole; its idle bodies need no walk for the index.
            let part = match skeleton.is_none() && !bodies_lock {
                true => ItemIndex::of_file_with_idle_bodies(tree.syntax(), &imports, text),
                false => ItemIndex::of_file(tree.syntax(), &imports),
            };
            if skeleton.is_none() {
                file.parse = Some(parse);
            }
            Ok(Some((Arc::new(Declarations::new(part)), true)))
        })
        .collect();
    let mut kept = Vec::with_capacity(files.len());
    let mut parts = Vec::new();
    for (file, outcome) in files.into_iter().zip(outcomes) {
        match outcome {
            Err(message) => selection.failed.push(FailedFile { entry: file.entry, message }),
            Ok(declared) => {
                if let Some((declarations, fresh)) = declared {
                    if fresh {
                        let record = (file.entry.path.clone(), file.content, declarations.clone());
                        selection.new_declarations.push(record);
                    }
                    if !declarations.part.is_empty() {
                        parts.push((file.entry.path.clone(), declarations));
                    }
                }
                kept.push(file);
            }
        }
    }
    let mut files = kept;
    let digest = cache::index_digest(
        parts.iter().map(|(path, declarations)| (path.as_path(), &**declarations)),
    );
    let mut index = LazyIndex::new(
        parts.into_iter().map(|(_, declarations)| declarations).collect(),
        digest,
        empty,
    );
    // The crate's guard-giving names: for the files still undecided, and for the walk, which
    // skips fns that spell no guard word (not when every awaiting file is analysed: then
    // types may find guards no word names).
    let analysed = |files: &[ReadFile]| files.iter().any(|file| file.wants_analysis);
    let mut merged = None;
    if files.iter().any(undecided) || (!every_awaiting_file && analysed(&files)) {
        let names = match cache.guard_giving_names(digest) {
            Some(names) => names.to_vec(),
            None => {
                let built = index.build();
                let names = built.guard_giving_names();
                merged = Some(built);
                selection.new_names = Some((digest, names.clone()));
                names
            }
        };
        if !names.is_empty() {
            words.add(names);
            let key = words.key();
            files.par_iter_mut().filter(|file| undecided(file)).for_each(|file| {
                file.wants_analysis = file.may_hold_guards(&words, key, cache);
            });
        }
    }
    // Decided now: undecided files may have become analysed above.
    if !every_awaiting_file && analysed(&files) {
        index.walk_filter = Some(Arc::new(words));
    }
    if let Some(built) = merged {
        index.set_built(built);
    }
    selection.index = Some(index);
    selection.files = files;
    selection
}
