//! The run over a whole PATH: discover → read → prefilter → parse → index per crate → analyse.
//!
//! The library API that the CLI and the tests share. Files are read, parsed and analysed in
//! parallel (rayon); every per-file failure (unreadable, not UTF-8, a parser panic) becomes an
//! error entry for that file and the run goes on.
//!
//! Text prefilters keep the scan faster than parsing everything, and the persistent cache
//! (`cache.rs`) makes a rerun over unchanged files parse nothing: which files are parsed, and
//! how the crate indexes are built, is `select.rs`.
//!
//! The configuration (`config.rs`) is read at the workspace root once discovery has found it:
//! `exclude`d files are not read at all, files an `allow` rule silences are indexed but not
//! analysed, and configured guard types and allowed fns go into the indexes, so `check` and the
//! fix engine's re-analysis see the same thing.

mod select;
pub mod session;
pub mod suggest;

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use ra_ap_syntax::{AstNode, SourceFile};
use rayon::prelude::*;

use crate::analyse::{self, CheckOptions, imports::Imports, index::ItemIndex};
use crate::cache::{self, CheckCache, StoredFinding};
use crate::config::{self, Config, ConfigError, ConfigRequest};
use crate::discover::{self, DiscoverError, Edition, SourceFileEntry};
use crate::edit::engine::{FileFixes, FixOptions, fix_file_with};
use crate::finding::{Finding, Strategy};
use crate::parse::{self, LoadedSource};
use crate::semantic::{self, SemanticFile, SemanticMode, SemanticWorkspace};
pub use select::index_key;
use select::{Indexes, ReadFile};
pub use suggest::FileUnderFix;

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
    /// Read and write the persistent cache of per-file results (`--no-cache` turns it off).
    pub cache: bool,
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
            cache: true,
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
    /// Counted only where the run needs them (`errors_needed`); 0 elsewhere.
    pub syntax_errors: usize,
    /// Whether `syntax_errors` was counted, for the cache.
    errors_counted: bool,
    /// Receivers the syntactic classifier could not classify (see `analyse/classify.rs`).
    pub candidates: Vec<crate::finding::Span>,
    /// Whether the findings came from an analysis with rust-analyzer's types.
    pub semantic: bool,
    /// Whether the findings' help lines were planned (`Finding::planned`) already.
    planned: bool,
    /// For the cache: the file's content hash and its crate's index digest.
    content: u128,
    index_digest: u128,
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
    /// The workspace root (where configuration is read), or the folder checked outside cargo:
    /// what editor-facing paths are relative to.
    pub root: std::path::PathBuf,
    /// The workspace's packages, as cargo described them.
    pub packages: Vec<crate::discover::CargoPackage>,
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

    /// A checked file as the fix engine sees it, with `index` from [`Self::index_for`].
    pub fn under_fix<'a>(
        &'a self,
        file: &'a CheckedFile,
        index: &'a ItemIndex,
    ) -> FileUnderFix<'a> {
        FileUnderFix::of(&file.source, &file.entry, index, self.semantic_file(file), self.check)
    }

    /// The semantic view of a file the check analysed with rust-analyzer's types: the fix
    /// engine must re-analyse it the same way.
    pub fn semantic_file<'a>(&'a self, file: &'a CheckedFile) -> Option<SemanticFile<'a>> {
        let workspace = self.semantic.as_deref().filter(|_| file.semantic)?;
        Some(SemanticFile { workspace, path: &file.entry.path })
    }
}

pub fn check_path(path: &Path, options: RunOptions) -> Result<CheckRun, RunError> {
    parse::configure_threads();
    let Workspace { mut discovery, start, root, config } = open_workspace(path, &options)?;
    // A file named on the command line is analysed even when excluded, as when ignored.
    if !path.is_file() {
        discovery.files.retain(|file| !config.is_excluded(&file.path));
    }
    let mut cache = match cache::location(discovery.target_directory.as_deref(), &root) {
        Some(folder) if options.cache => {
            // `--semantic always` counts every analysed file's syntax errors (see analyse_file).
            let always = options.semantic == SemanticMode::Always;
            let key = format!("{:?}|{always}|{config:?}", options.check);
            CheckCache::open(&folder, cache::run_key(&key))
        }
        _ => CheckCache::disabled(),
    };
    let files_scanned = discovery.files.len();
    let configured_words: Vec<String> = config
        .extra_guard_types
        .iter()
        .map(|name| crate::analyse::types::last_segment(name).to_owned())
        .collect();
    let results: Vec<Result<ReadFile, FailedFile>> = discovery
        .files
        .into_par_iter()
        .map(|entry| select::read_and_prefilter(entry, &configured_words, &cache))
        .collect();
    let mut read = Vec::new();
    let mut failed = Vec::new();
    for result in results {
        match result {
            Ok(mut file) => {
                if let Some(stamp) = file.read_at {
                    cache.set_text_facts(&file.entry.path, file.content, stamp, file.facts);
                }
                file.awaits &= !config.allows_file(&file.entry.path);
                read.push(file);
            }
            Err(failure) => failed.push(failure),
        }
    }
    let every_awaiting_file = options.semantic == SemanticMode::Always || !options.prefilter;
    let (indexes, read, index_failures) = select::select_and_index(
        read,
        &config,
        &configured_words,
        every_awaiting_file,
        options.check.include_async_locks || options.check.deadlocks,
        &mut cache,
    );
    failed.extend(index_failures);
    let analysed: Vec<Result<CheckedFile, FailedFile>> = read
        .into_par_iter()
        .filter(|file| file.wants_analysis)
        .map(|file| analyse_file(file, &indexes, &config, &options, &cache))
        .collect();
    let mut checked = Vec::new();
    for result in analysed {
        match result {
            Ok(file) => checked.push(file),
            Err(failure) => failed.push(failure),
        }
    }
    failed.sort_by(|a, b| a.entry.path.cmp(&b.entry.path));
    // What syntax alone found, for the cache: types may replace it below.
    let syntactic: Vec<Option<cache::Analysis>> = checked
        .iter()
        .map(|file| {
            let interesting = !file.findings.is_empty() || !file.candidates.is_empty();
            (cache.is_enabled() && interesting).then(|| analysis_record(file))
        })
        .collect();
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
    checked.par_iter_mut().filter(|file| !file.findings.is_empty() && !file.planned).for_each(
        |file| {
            let semantic = semantic
                .as_deref()
                .filter(|_| file.semantic)
                .map(|workspace| SemanticFile { workspace, path: &file.entry.path });
            let (text, edition) = (&file.source.text, file.entry.edition);
            let index = indexes.for_file(&file.entry, &config);
            crate::edit::engine::plan_notes(text, edition, &index, &mut file.findings, semantic);
            file.planned = true;
        },
    );
    if cache.is_enabled() {
        for (file, syntactic) in checked.iter().zip(syntactic) {
            let record = if file.semantic { syntactic } else { Some(analysis_record(file)) };
            if let Some(record) = record {
                cache.set_analysis(&file.entry.path, file.content, record);
            }
        }
        cache.save();
    }
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
        root,
        packages: discovery.packages,
    })
}

/// What a run starts from: the files discovered under PATH, the folder the run started in,
/// the workspace root and the configuration read there.
struct Workspace {
    discovery: discover::Discovery,
    start: std::path::PathBuf,
    root: std::path::PathBuf,
    config: Config,
}

fn open_workspace(path: &Path, options: &RunOptions) -> Result<Workspace, RunError> {
    let mut discovery = discover::discover_with(path, options.default_edition, options.cache)?;
    let start = match path.parent() {
        _ if path.is_dir() => path,
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_owned());
    let root = config::config_root(discovery.workspace_root.as_deref(), &start);
    let (config, config_warnings) = config::load(&root, &options.config)?;
    discovery.warnings.extend(config_warnings);
    Ok(Workspace { discovery, start, root, config })
}

/// What the cache keeps of a file's (syntactic) analysis.
fn analysis_record(file: &CheckedFile) -> cache::Analysis {
    cache::Analysis {
        index_digest: file.index_digest,
        findings: file.findings.iter().map(StoredFinding::store).collect(),
        candidates: file.candidates.clone(),
        syntax_errors: file.errors_counted.then_some(file.syntax_errors),
        planned: file.planned,
    }
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
                file.planned = false;
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
    let index = run.index_for(file);
    run.under_fix(file, &index).reanalyse(text)
}

/// Per finding of `file`: whether `new_text` (the file after fixes) no longer has it, matched
/// as the fix engine matches findings across edits: by kind, binding and acquiring code.
pub fn findings_gone(run: &CheckRun, file: &CheckedFile, new_text: &str) -> Vec<bool> {
    let index = run.index_for(file);
    run.under_fix(file, &index).findings_gone(&file.findings, new_text)
}

/// Whether a run needs a file's syntax errors counted: counting them validates the whole
/// tree again, and only a file with something to report or fix needs the count (fix refuses
/// to edit a file with syntax errors), or, for types, one with candidates (`auto`) or any file
/// (`always`: rust-analyzer is asked about every file without syntax errors).
fn errors_needed(semantic: SemanticMode, findings: bool, candidates: bool) -> bool {
    match semantic {
        SemanticMode::Always => true,
        SemanticMode::Auto => findings || candidates,
        SemanticMode::Never => findings,
    }
}

/// A file's syntax errors. The tree the run built keeps none: a parse that does.
fn count_syntax_errors(text: &str, edition: ra_ap_syntax::Edition) -> usize {
    parse::parse_source(text, edition).map_or(1, |whole| whole.errors().len())
}

/// A file's findings: from the cache when its content and its crate's declarations are
/// unchanged, else parsed (if selection did not) and analysed.
fn analyse_file(
    file: ReadFile,
    index: &Indexes,
    config: &Config,
    options: &RunOptions,
    cache: &CheckCache,
) -> Result<CheckedFile, FailedFile> {
    let select::LoadedFile { entry, source, content, parse } = file.into_loaded()?;
    let index_digest = index.digest_for(&entry);
    if let Some(cached) = cache.analysis(&entry.path, content, index_digest) {
        let needed = errors_needed(
            options.semantic,
            !cached.findings.is_empty(),
            !cached.candidates.is_empty(),
        );
        let syntax_errors = match cached.syntax_errors {
            Some(count) => Some(count),
            None => needed.then(|| count_syntax_errors(&source.text, entry.edition)),
        };
        return Ok(CheckedFile {
            findings: cached.findings.iter().map(StoredFinding::restore).collect(),
            syntax_errors: syntax_errors.unwrap_or(0),
            errors_counted: syntax_errors.is_some(),
            candidates: cached.candidates.clone(),
            semantic: false,
            planned: cached.planned,
            content,
            index_digest,
            entry,
            source,
        });
    }
    let parse = match parse {
        Some(parse) => parse,
        None => match select::tree_for_guardfix(&entry, &source.text) {
            Ok(parse) => parse,
            Err(message) => return Err(FailedFile { entry, message }),
        },
    };
    let edition = entry.edition;
    let index = index.for_file(&entry, config);
    let outcome = parse::catch_panic(|| {
        let tree = parse.tree();
        let imports = Imports::collect_in(tree.syntax(), &source.text);
        let check = options.check;
        analyse::analyse_tree_of(&tree, &source.text, &index, &imports, edition, check, None)
    });
    match outcome {
        Ok(analysis) => {
            let findings = !analysis.findings.is_empty();
            let needed = errors_needed(options.semantic, findings, !analysis.candidates.is_empty());
            let syntax_errors = needed.then(|| count_syntax_errors(&source.text, edition));
            Ok(CheckedFile {
                entry,
                source,
                findings: analysis.findings,
                syntax_errors: syntax_errors.unwrap_or(0),
                errors_counted: syntax_errors.is_some(),
                candidates: analysis.candidates,
                semantic: false,
                planned: false,
                content,
                index_digest,
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
