//! The run over a whole PATH: discover → read → prefilter → parse → index per crate → analyse.
//!
//! The library API that the CLI and the tests share. Files are read, parsed and analysed in
//! parallel (rayon); every per-file failure (unreadable, not UTF-8, a parser panic) becomes an
//! error entry for that file and the run goes on.
//!
//! Two cheap text prefilters keep the scan faster than parsing everything: a file with no
//! `await` (and no awaiting macro) cannot hold a finding, and is parsed only if it may declare
//! something the crate index needs (a lock type, a guard type).

use std::collections::HashMap;
use std::path::Path;

use ra_ap_syntax::{AstNode, Parse, SourceFile};
use rayon::prelude::*;

use crate::analyse::{self, CheckOptions, imports::Imports, index::ItemIndex};
use crate::discover::{self, DiscoverError, Edition, SourceFileEntry};
use crate::finding::Finding;
use crate::parse::{self, LoadError, LoadedSource};

#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    pub default_edition: Edition,
    pub check: CheckOptions,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { default_edition: Edition::Edition2021, check: CheckOptions::default() }
    }
}

/// One analysed file.
pub struct CheckedFile {
    pub entry: SourceFileEntry,
    pub source: LoadedSource,
    pub findings: Vec<Finding>,
    /// Syntax errors in the file: findings may be incomplete, and `fix` leaves it alone.
    pub syntax_errors: usize,
}

/// A file that could not be analysed, with a message that says why and what to do.
pub struct FailedFile {
    pub entry: SourceFileEntry,
    pub message: String,
}

pub struct CheckRun {
    /// The crate indexes the analysis used, by `index_key`: the fix engine re-analyses with them.
    pub indexes: HashMap<String, ItemIndex>,
    /// Files that may hold findings and were analysed, in path order.
    pub checked: Vec<CheckedFile>,
    pub failed: Vec<FailedFile>,
    pub files_scanned: usize,
    pub warnings: Vec<String>,
}

impl CheckRun {
    pub fn index_for(&self, entry: &SourceFileEntry) -> Option<&ItemIndex> {
        self.indexes.get(&index_key(entry))
    }

    pub fn finding_count(&self) -> usize {
        self.checked.iter().map(|file| file.findings.len()).sum()
    }
}

struct ReadFile {
    entry: SourceFileEntry,
    source: LoadedSource,
    parse: Option<Parse<SourceFile>>,
    wants_analysis: bool,
}

pub fn check_path(path: &Path, options: RunOptions) -> Result<CheckRun, DiscoverError> {
    let discovery = discover::discover(path, options.default_edition)?;
    let files_scanned = discovery.files.len();
    let results: Vec<Result<ReadFile, FailedFile>> =
        discovery.files.into_par_iter().map(read_and_prefilter).collect();
    let mut read = Vec::new();
    let mut failed = Vec::new();
    for result in results {
        match result {
            Ok(file) => read.push(file),
            Err(failure) => failed.push(failure),
        }
    }
    let indexes = build_indexes(&read);
    let analysed: Vec<Result<CheckedFile, FailedFile>> = read
        .into_par_iter()
        .filter(|file| file.wants_analysis)
        .map(|file| analyse_file(file, &indexes, options.check))
        .collect();
    let mut checked = Vec::new();
    for result in analysed {
        match result {
            Ok(file) => checked.push(file),
            Err(failure) => failed.push(failure),
        }
    }
    failed.sort_by(|a, b| a.entry.path.cmp(&b.entry.path));
    Ok(CheckRun { indexes, checked, failed, files_scanned, warnings: discovery.warnings })
}

fn read_and_prefilter(entry: SourceFileEntry) -> Result<ReadFile, FailedFile> {
    let source = match parse::read_source(&entry.path) {
        Ok(source) => source,
        Err(error) => return Err(FailedFile { message: load_error_message(&error), entry }),
    };
    let wants_analysis = analyse::may_have_findings(&source.text);
    let wants_index = wants_analysis || analyse::may_declare_locks(&source.text);
    let parse = if wants_index {
        match parse::parse_source(&source.text, entry.edition) {
            Ok(parse) => Some(parse),
            Err(panic) => {
                let message = format!(
                    "the Rust parser crashed on this file ({panic}); it was skipped, nothing was changed"
                );
                return Err(FailedFile { entry, message });
            }
        }
    } else {
        None
    };
    Ok(ReadFile { entry, source, parse, wants_analysis })
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

/// Crate indexes, one per `index_key`, built from every parsed file.
fn build_indexes(files: &[ReadFile]) -> HashMap<String, ItemIndex> {
    let mut indexes: HashMap<String, ItemIndex> = HashMap::new();
    for file in files {
        let Some(parse) = &file.parse else { continue };
        let tree = parse.tree();
        let imports = Imports::collect(tree.syntax());
        indexes.entry(index_key(&file.entry)).or_default().add_file(tree.syntax(), &imports);
    }
    indexes.par_iter_mut().for_each(|(_, index)| index.finish());
    indexes
}

fn analyse_file(
    file: ReadFile,
    indexes: &HashMap<String, ItemIndex>,
    options: CheckOptions,
) -> Result<CheckedFile, FailedFile> {
    let ReadFile { entry, source, parse, .. } = file;
    let Some(parse) = parse else {
        return Ok(CheckedFile { entry, source, findings: Vec::new(), syntax_errors: 0 });
    };
    let empty = ItemIndex::default();
    let index = indexes.get(&index_key(&entry)).unwrap_or(&empty);
    let edition = entry.edition;
    let outcome = parse::catch_panic(|| {
        let tree = parse.tree();
        let imports = Imports::collect(tree.syntax());
        analyse::analyse_tree(&tree, index, &imports, edition, options)
    });
    match outcome {
        Ok(findings) => {
            let syntax_errors = parse.errors().len();
            Ok(CheckedFile { entry, source, findings, syntax_errors })
        }
        Err(panic) => Err(FailedFile {
            message: format!(
                "guardfix's analysis crashed on this file ({panic}); please report it with the file attached"
            ),
            entry,
        }),
    }
}
