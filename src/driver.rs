//! The run over a whole PATH: discover → read → prefilter → parse → index per crate → analyse.
//!
//! The library API that the CLI and the tests share. Files are read, parsed and analysed in
//! parallel (rayon); every per-file failure (unreadable, not UTF-8, a parser panic) becomes an
//! error entry for that file and the run goes on.
//!
//! Two cheap text prefilters keep the scan faster than parsing everything: a file with no
//! `await` (and no awaiting macro) cannot hold a finding, and is parsed only if it may declare
//! something the crate index needs (a lock type, a guard type).
//!
//! The configuration (`config.rs`) is read at the workspace root once discovery has found it:
//! `exclude`d files are not read at all, files an `allow` rule silences are indexed but not
//! analysed, and configured guard types and allowed fns go into the indexes, so `check` and the
//! fix engine's re-analysis see the same thing.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use ra_ap_syntax::{AstNode, Parse, SourceFile};
use rayon::prelude::*;

use crate::analyse::{self, CheckOptions, imports::Imports, index::ItemIndex, prefilter};
use crate::config::{self, Config, ConfigError, ConfigRequest};
use crate::discover::{self, DiscoverError, Edition, SourceFileEntry};
use crate::edit::engine::{FileFixes, FixOptions, fix_file_with};
use crate::finding::{Finding, Strategy};
use crate::parse::{self, LoadError, LoadedSource};
use crate::semantic::{self, SemanticFile, SemanticMode, SemanticWorkspace};

#[derive(Clone, Debug)]
pub struct RunOptions {
    pub default_edition: Edition,
    pub check: CheckOptions,
    pub config: ConfigRequest,
    /// When to load rust-analyzer's semantic layer.
    pub semantic: SemanticMode,
    /// In `auto` mode, also load it for findings the async-mutex transform would fix
    /// (`fix` sets this; `check` does not need types for them).
    pub semantic_for_async_mutex: bool,
    /// Skip awaiting files whose text names nothing that hands out a guard (see
    /// `analyse::prefilter`); off, every awaiting file is parsed and analysed. Only tests that
    /// the prefilter loses nothing turn it off.
    pub prefilter: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            default_edition: Edition::Edition2021,
            check: CheckOptions::default(),
            config: ConfigRequest::default(),
            semantic: SemanticMode::Auto,
            semantic_for_async_mutex: false,
            prefilter: true,
        }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum RunError {
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// One analysed file.
pub struct CheckedFile {
    pub entry: SourceFileEntry,
    pub source: LoadedSource,
    pub findings: Vec<Finding>,
    /// Syntax errors in the file: findings may be incomplete, and `fix` leaves it alone.
    pub syntax_errors: usize,
    /// Receivers the syntactic classifier could not classify (see `analyse/classify.rs`).
    pub candidates: Vec<crate::finding::Span>,
    /// Whether the findings came from an analysis with rust-analyzer's types.
    pub semantic: bool,
}

/// A file that could not be analysed, with a message that says why and what to do.
#[derive(Clone, Debug)]
pub struct FailedFile {
    pub entry: SourceFileEntry,
    pub message: String,
}

pub struct CheckRun {
    /// Files that may hold findings and were analysed, in path order.
    pub checked: Vec<CheckedFile>,
    pub failed: Vec<FailedFile>,
    pub files_scanned: usize,
    pub warnings: Vec<String>,
    /// What the run did that a user may wonder about (why rust-analyzer was loaded).
    pub notes: Vec<String>,
    /// The configuration the run used.
    pub config: Config,
    /// The analysis options the run used.
    pub check: CheckOptions,
    /// The loaded semantic layer, when the run needed and could load it.
    pub semantic: Option<Arc<SemanticWorkspace>>,
    indexes: Indexes,
}

impl CheckRun {
    pub fn finding_count(&self) -> usize {
        self.checked.iter().map(|file| file.findings.len()).sum()
    }

    /// The index the file was analysed with: its crate's, with the configuration's guard types
    /// and the fns it allows in this file. The fix engine must re-analyse with the same one.
    pub fn index_for(&self, file: &CheckedFile) -> Cow<'_, ItemIndex> {
        self.indexes.for_file(&file.entry, &self.config)
    }

    /// The semantic view of a file the check analysed with rust-analyzer's types: the fix
    /// engine must re-analyse it the same way.
    pub fn semantic_file<'a>(&'a self, file: &'a CheckedFile) -> Option<SemanticFile<'a>> {
        let workspace = self.semantic.as_deref().filter(|_| file.semantic)?;
        Some(SemanticFile { workspace, path: &file.entry.path })
    }
}

/// Per-crate indexes (files outside any package share one), all carrying the configured
/// guard types.
struct Indexes {
    by_package: HashMap<String, ItemIndex>,
    /// For a package none of whose files needed indexing.
    empty: ItemIndex,
}

impl Indexes {
    fn for_file(&self, entry: &SourceFileEntry, config: &Config) -> Cow<'_, ItemIndex> {
        let index = self.by_package.get(&index_key(entry)).unwrap_or(&self.empty);
        let allowed = config.allowed_fns(&entry.path);
        if allowed.is_empty() {
            return Cow::Borrowed(index);
        }
        let mut own = index.clone();
        own.allow_fns(allowed);
        Cow::Owned(own)
    }
}

struct ReadFile {
    entry: SourceFileEntry,
    source: LoadedSource,
    /// It awaits (or calls an awaiting macro) and no `allow` rule silences it.
    awaits: bool,
    /// It may declare something the crate index needs (see `may_declare_locks`).
    declares: bool,
    /// Decided by `select_and_index`: it awaits and may hold a guard.
    wants_analysis: bool,
    parse: Option<Parse<SourceFile>>,
}

pub fn check_path(path: &Path, options: RunOptions) -> Result<CheckRun, RunError> {
    parse::configure_threads();
    let mut discovery = discover::discover(path, options.default_edition)?;
    let start = match path.parent() {
        _ if path.is_dir() => path,
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_owned());
    let root = config::config_root(discovery.workspace_root.as_deref(), &start);
    let (config, config_warnings) = config::load(&root, &options.config)?;
    discovery.warnings.extend(config_warnings);
    // A file named on the command line is analysed even when excluded, as when ignored.
    if !path.is_file() {
        discovery.files.retain(|file| !config.is_excluded(&file.path));
    }
    let files_scanned = discovery.files.len();
    let configured_words: Vec<String> = config
        .extra_guard_types
        .iter()
        .map(|name| crate::analyse::types::last_segment(name).to_owned())
        .collect();
    let results: Vec<Result<ReadFile, FailedFile>> = discovery
        .files
        .into_par_iter()
        .map(|entry| read_and_prefilter(entry, &configured_words))
        .collect();
    let mut read = Vec::new();
    let mut failed = Vec::new();
    for result in results {
        match result {
            Ok(mut file) => {
                file.awaits &= !config.allows_file(&file.entry.path);
                read.push(file);
            }
            Err(failure) => failed.push(failure),
        }
    }
    let every_awaiting_file = options.semantic == SemanticMode::Always || !options.prefilter;
    let (indexes, read, index_failures) =
        select_and_index(read, &config, &configured_words, every_awaiting_file);
    failed.extend(index_failures);
    let analysed: Vec<Result<CheckedFile, FailedFile>> = read
        .into_par_iter()
        .filter(|file| file.wants_analysis)
        .map(|file| {
            let index = indexes.for_file(&file.entry, &config);
            analyse_file(file, &index, options.check)
        })
        .collect();
    let mut checked = Vec::new();
    for result in analysed {
        match result {
            Ok(file) => checked.push(file),
            Err(failure) => failed.push(failure),
        }
    }
    failed.sort_by(|a, b| a.entry.path.cmp(&b.entry.path));
    let mut notes = Vec::new();
    let semantic = analyse_semantically(
        &mut checked,
        &indexes,
        &config,
        &options,
        discovery.workspace_root.as_deref().unwrap_or(&start),
        &mut discovery.warnings,
        &mut notes,
    );
    // The help line says what `fix` would do: the same planning, per finding.
    checked.par_iter_mut().filter(|file| !file.findings.is_empty()).for_each(|file| {
        let semantic = semantic
            .as_deref()
            .filter(|_| file.semantic)
            .map(|workspace| SemanticFile { workspace, path: &file.entry.path });
        let (text, edition) = (&file.source.text, file.entry.edition);
        let index = indexes.for_file(&file.entry, &config);
        crate::edit::engine::plan_notes(text, edition, &index, &mut file.findings, semantic);
    });
    Ok(CheckRun {
        checked,
        failed,
        files_scanned,
        warnings: discovery.warnings,
        notes,
        config,
        check: options.check,
        semantic,
        indexes,
    })
}

/// Loads rust-analyzer's view of the workspace when the mode asks for it (always, or in
/// `auto` when some file has receivers the syntax could not classify) and analyses those files
/// again with exact types. A workspace that cannot be loaded is said once, in `warnings`; the
/// syntactic findings then stand.
fn analyse_semantically(
    checked: &mut [CheckedFile],
    indexes: &Indexes,
    config: &Config,
    options: &RunOptions,
    root: &Path,
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Option<Arc<SemanticWorkspace>> {
    let wanted = |file: &CheckedFile| match options.semantic {
        SemanticMode::Never => false,
        SemanticMode::Always => file.syntax_errors == 0,
        SemanticMode::Auto => {
            let for_async_mutex = options.semantic_for_async_mutex
                && file
                    .findings
                    .iter()
                    .any(|finding| finding.suggested == Some(Strategy::AsyncMutex));
            file.syntax_errors == 0 && (!file.candidates.is_empty() || for_async_mutex)
        }
    };
    if !checked.iter().any(wanted) {
        return None;
    }
    if options.semantic == SemanticMode::Auto {
        notes.push(why_types_are_loaded(checked, &wanted));
    }
    let workspace = match semantic::load(root) {
        Ok(workspace) => {
            if let Some(degraded) = &workspace.degraded {
                warnings.push(format!("semantic analysis is partial: {degraded}"));
            }
            Arc::new(workspace)
        }
        Err(error) => {
            warnings.push(format!(
                "semantic analysis is unavailable, receivers of unknown type were classified by syntax alone: {error}"
            ));
            return None;
        }
    };
    // Once loaded, types are cheap: every file with findings gets them, so the fixes that
    // depend on what a value owns or whether it is `Copy` are decided by types too.
    let typed =
        |file: &CheckedFile| wanted(file) || (file.syntax_errors == 0 && !file.findings.is_empty());
    let mut unknown_to_it = 0usize;
    for file in checked.iter_mut().filter(|file| typed(file)) {
        let index = indexes.for_file(&file.entry, config);
        let outcome = parse::catch_panic(|| {
            let tree = SourceFile::parse(&file.source.text, file.entry.edition).tree();
            let imports = Imports::collect(tree.syntax());
            let semantic = SemanticFile { workspace: &workspace, path: &file.entry.path };
            let edition = file.entry.edition;
            semantic.analyse(&file.source.text, &tree, &index, &imports, edition, options.check)
        });
        match outcome {
            Ok(Some(findings)) => {
                file.findings = findings;
                file.semantic = true;
            }
            // Not a file of the loaded workspace: syntax only.
            Ok(None) => unknown_to_it += 1,
            Err(panic) => warnings.push(format!(
                "{}: semantic analysis crashed ({panic}); its syntactic findings are kept",
                file.entry.path.display()
            )),
        }
    }
    if unknown_to_it > 0 {
        warnings.push(format!(
            "semantic analysis is unavailable for {unknown_to_it} file(s) that rust-analyzer did not load as part of the workspace (does `cargo metadata` work here?); their receivers were classified by syntax alone"
        ));
    }
    Some(workspace)
}

/// Why `--semantic auto` loads rust-analyzer: the candidates only types can decide (the first
/// few, by place), or the lock switch.
fn why_types_are_loaded(checked: &[CheckedFile], wanted: &dyn Fn(&CheckedFile) -> bool) -> String {
    const SHOWN: usize = 3;
    let mut places = Vec::new();
    let mut count = 0;
    for file in checked.iter().filter(|file| wanted(file)) {
        let lines = crate::render::line_index::LineIndex::new(&file.source.text);
        for span in &file.candidates {
            count += 1;
            if places.len() < SHOWN {
                let line = lines.line_col(span.start).0;
                let code: String = span.text(&file.source.text).chars().take(40).collect();
                places.push(format!("{}:{line} `{code}`", file.entry.display_path.display()));
            }
        }
    }
    if count == 0 {
        return "loading rust-analyzer's view of the workspace (seconds): the lock switch (async-mutex) follows locks with it".to_owned();
    }
    let more = if count > places.len() {
        format!(" and {} more", count - places.len())
    } else {
        String::new()
    };
    format!(
        "loading rust-analyzer's view of the workspace (seconds): only types can tell whether {}{more} {} a guard alive at an await (`--semantic never` skips this)",
        places.join(", "),
        if count == 1 { "is" } else { "are" }
    )
}

/// What `guardfix fix` would do to each file with findings, with the indexes the check used.
/// Files with syntax errors get no fixes.
pub fn plan_fixes(run: &CheckRun, options: FixOptions) -> Vec<(&CheckedFile, FileFixes)> {
    run.checked
        .par_iter()
        .filter(|file| !file.findings.is_empty())
        .map(|file| {
            let fixes = if file.syntax_errors > 0 {
                FileFixes::default()
            } else {
                let index = run.index_for(file);
                parse::catch_panic(|| {
                    fix_file_with(
                        &file.source.text,
                        file.entry.edition,
                        Some(&index),
                        options,
                        run.semantic_file(file),
                    )
                })
                .unwrap_or_default()
            };
            (file, fixes)
        })
        .collect()
}

/// The findings of `text` (a new version of `file`), analysed as the check analysed the file:
/// its crate's index, and rust-analyzer's types if the check used them.
pub fn reanalyse(run: &CheckRun, file: &CheckedFile, text: &str) -> Result<Vec<Finding>, String> {
    parse::catch_panic(|| {
        let tree = SourceFile::parse(text, file.entry.edition).tree();
        let imports = Imports::collect(tree.syntax());
        // Fixes add blocks and `let`s, never declarations: the crate's index stays true.
        let index = run.index_for(file);
        let edition = file.entry.edition;
        run.semantic_file(file)
            .and_then(|semantic| {
                semantic.analyse(text, &tree, &index, &imports, edition, run.check)
            })
            .unwrap_or_else(|| analyse::analyse_tree(&tree, &index, &imports, edition, run.check))
    })
}

/// Per finding of `file`: whether `new_text` (the file after fixes) no longer has it, matched
/// as the fix engine matches findings across edits: by kind, binding and acquiring code.
pub fn findings_gone(run: &CheckRun, file: &CheckedFile, new_text: &str) -> Vec<bool> {
    // The fix engine's identity: kind, binding, acquisition and enclosing fn (two fns may
    // lock the same way, and only one of them be fixed).
    let key = crate::edit::engine::FindingKey::of;
    let after = reanalyse(run, file, new_text);
    let Ok(after) = after else { return vec![false; file.findings.len()] };
    let mut remaining: Vec<_> = after.iter().map(|finding| key(finding, new_text)).collect();
    file.findings
        .iter()
        .map(|finding| {
            let key = key(finding, &file.source.text);
            match remaining.iter().position(|other| *other == key) {
                Some(i) => {
                    remaining.remove(i);
                    false
                }
                None => true,
            }
        })
        .collect()
}

/// Reads a file and looks at its text: whether it awaits, whether it may declare something the
/// index needs (`configured_words`, the configured guard types' names, count too). Parsing
/// waits until `select_and_index` knows the file is needed.
fn read_and_prefilter(
    entry: SourceFileEntry,
    configured_words: &[String],
) -> Result<ReadFile, FailedFile> {
    let source = match parse::read_source(&entry.path) {
        Ok(source) => source,
        Err(error) => return Err(FailedFile { message: load_error_message(&error), entry }),
    };
    let awaits = prefilter::may_have_findings(&source.text);
    let declares = prefilter::may_declare_locks(&source.text)
        || configured_words.iter().any(|word| source.text.contains(word.as_str()));
    Ok(ReadFile { entry, source, awaits, declares, wants_analysis: false, parse: None })
}

/// Parses a file, or says why it cannot be analysed (a parser crash, nesting too deep).
fn parse_for_guardfix(entry: &SourceFileEntry, text: &str) -> Result<Parse<SourceFile>, String> {
    match parse::parse_source(text, entry.edition) {
        Ok(parse) => match parse::too_deep(parse.tree().syntax()) {
            Some(depth) => Err(format!(
                "too deeply nested for guardfix ({depth} levels of syntax; it analyses up to {}): the file was skipped, nothing was changed",
                parse::MAX_NESTING
            )),
            None => Ok(parse),
        },
        Err(panic) => Err(format!(
            "the Rust parser crashed on this file ({panic}); it was skipped, nothing was changed"
        )),
    }
}

/// Decides which files are analysed and builds the indexes they need, parsing only those
/// files and the declaring files of their crates:
/// 1. a file that awaits and spells an acquiring method, a guard type or a locking word
///    (`prefilter::may_hold_guards`) is analysed (every awaiting file is, with
///    `every_awaiting_file`);
/// 2. a crate with such a file, or with an awaiting file and a declaring file that names a
///    guard type, gets its index (its declaring files parsed);
/// 3. an awaiting file of such a crate that mentions one of the crate's guard-giving names
///    (`fn state(&self) -> MutexGuard<…>`, a struct holding a guard) is analysed too.
///
/// Crates whose awaiting files touch no lock are not parsed at all.
fn select_and_index(
    read: Vec<ReadFile>,
    config: &Config,
    configured_words: &[String],
    every_awaiting_file: bool,
) -> (Indexes, Vec<ReadFile>, Vec<FailedFile>) {
    let mut by_crate: HashMap<String, Vec<ReadFile>> = HashMap::new();
    for file in read {
        by_crate.entry(index_key(&file.entry)).or_default().push(file);
    }
    let mut empty = ItemIndex::default();
    empty.add_extra_guard_types(config.extra_guard_types.iter().cloned());
    let outcomes: Vec<(String, Option<ItemIndex>, Vec<ReadFile>, Vec<FailedFile>)> = by_crate
        .into_par_iter()
        .map(|(key, files)| {
            let (index, files, failed) =
                select_in_crate(files, &empty, configured_words, every_awaiting_file);
            (key, index, files, failed)
        })
        .collect();
    let mut by_package = HashMap::new();
    let mut files = Vec::new();
    let mut failed = Vec::new();
    for (key, index, crate_files, crate_failed) in outcomes {
        if let Some(index) = index {
            by_package.insert(key, index);
        }
        files.extend(crate_files);
        failed.extend(crate_failed);
    }
    files.sort_by(|a, b| a.entry.path.cmp(&b.entry.path));
    empty.finish();
    (Indexes { by_package, empty }, files, failed)
}

/// `select_and_index` for one crate's files (in path order on return). The index is `None`
/// when no file of the crate is analysed.
fn select_in_crate(
    mut files: Vec<ReadFile>,
    empty: &ItemIndex,
    configured_words: &[String],
    every_awaiting_file: bool,
) -> (Option<ItemIndex>, Vec<ReadFile>, Vec<FailedFile>) {
    files.sort_by(|a, b| a.entry.path.cmp(&b.entry.path));
    let guarding_map =
        files.iter().any(|file| file.declares && prefilter::mentions_guarding_map(&file.source.text));
    let mut words = prefilter::GuardWords::new(guarding_map, configured_words, &[]);
    files.par_iter_mut().filter(|file| file.awaits).for_each(|file| {
        file.wants_analysis =
            every_awaiting_file || prefilter::may_hold_guards(&file.source.text, &words);
    });
    let undecided = |file: &ReadFile| file.awaits && !file.wants_analysis;
    let needs_index = files.iter().any(|file| file.wants_analysis)
        || (files.iter().any(undecided)
            && files.iter().any(|file| {
                file.declares && prefilter::names_guard_type(&file.source.text, configured_words)
            }));
    if !needs_index {
        return (None, files, Vec::new());
    }
    let parse_failures: Vec<Option<String>> = files
        .par_iter_mut()
        .map(|file| {
            if !(file.declares || file.wants_analysis) {
                return None;
            }
            match parse_for_guardfix(&file.entry, &file.source.text) {
                Ok(parse) => {
                    file.parse = Some(parse);
                    None
                }
                Err(message) => Some(message),
            }
        })
        .collect();
    // A file that cannot be parsed is reported once and left out of everything else.
    let mut failed = Vec::new();
    let mut kept = Vec::with_capacity(files.len());
    for (file, failure) in files.into_iter().zip(parse_failures) {
        match failure {
            Some(message) => failed.push(FailedFile { entry: file.entry, message }),
            None => kept.push(file),
        }
    }
    let mut files = kept;
    let parts: Vec<Option<ItemIndex>> = files
        .par_iter()
        .map(|file| {
            let parse = file.parse.as_ref().filter(|_| file.declares)?;
            let tree = parse.tree();
            let imports = Imports::collect(tree.syntax());
            Some(ItemIndex::of_file(tree.syntax(), &imports))
        })
        .collect();
    let mut index = empty.clone();
    parts.iter().flatten().for_each(|part| index.merge(part));
    index.finish();
    let names = index.guard_giving_names();
    if !names.is_empty() {
        words.add(names);
        let promoted: Vec<usize> = files
            .par_iter()
            .enumerate()
            .filter(|(_, file)| undecided(file))
            .filter(|(_, file)| prefilter::may_hold_guards(&file.source.text, &words))
            .map(|(at, _)| at)
            .collect();
        for at in promoted {
            let file = &mut files[at];
            match parse_for_guardfix(&file.entry, &file.source.text) {
                Ok(parse) => {
                    file.parse = Some(parse);
                    file.wants_analysis = true;
                }
                Err(message) => failed.push(FailedFile { entry: file.entry.clone(), message }),
            }
        }
    }
    (Some(index), files, failed)
}

fn load_error_message(error: &LoadError) -> String {
    error.to_string()
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

fn analyse_file(
    file: ReadFile,
    index: &ItemIndex,
    options: CheckOptions,
) -> Result<CheckedFile, FailedFile> {
    let ReadFile { entry, source, parse, .. } = file;
    let Some(parse) = parse else {
        return Ok(CheckedFile {
            entry,
            source,
            findings: Vec::new(),
            syntax_errors: 0,
            candidates: Vec::new(),
            semantic: false,
        });
    };
    let edition = entry.edition;
    let outcome = parse::catch_panic(|| {
        let tree = parse.tree();
        let imports = Imports::collect(tree.syntax());
        analyse::analyse_tree_with(&tree, index, &imports, edition, options, None)
    });
    match outcome {
        Ok(analysis) => {
            let syntax_errors = parse.errors().len();
            Ok(CheckedFile {
                entry,
                source,
                findings: analysis.findings,
                syntax_errors,
                candidates: analysis.candidates,
                semantic: false,
            })
        }
        Err(panic) => Err(FailedFile {
            message: format!(
                "guardfix's analysis crashed on this file ({panic}); please report it with the file attached"
            ),
            entry,
        }),
    }
}
