//! The semantic layer: rust-analyzer's type inference where the syntactic classifier cannot
//! tell what a receiver is.
//!
//! The workspace is loaded once per run with `ra_ap_load-cargo` (the sysroot is discovered,
//! so `rust-src` must be installed; no proc-macro server, no build scripts), and each file
//! that needs it is analysed again with an oracle that answers `type_of` from `hir::Semantics`.
//! The oracle maps guardfix's syntax nodes to rust-analyzer's by text range: both parse the
//! same text with the same parser version. A file whose text differs from what the database
//! holds (a fix was applied, CRLF line endings were normalised) is updated in the database
//! first, so answers are always about the text being analysed.
//!
//! Loading is slow (seconds: the standard library is indexed), so `--semantic auto` loads only
//! when the syntactic pass left a candidate it could not classify; see `driver.rs`.

pub mod lock_sites;
pub mod types;

use std::path::Path;
use std::sync::Mutex;

use ra_ap_hir::Semantics;
use ra_ap_ide_assists::{AssistConfig, AssistKind, AssistResolveStrategy, SingleResolve};
use ra_ap_ide_db::assists::ExprFillDefaultMode;
use ra_ap_ide_db::base_db::{FileChange, SourceDatabase};
use ra_ap_ide_db::imports::insert_use::{ImportGranularity, InsertUseConfig};
use ra_ap_ide_db::{FileRange, RootDatabase};
use ra_ap_load_cargo::{LoadCargoConfig, ProcMacroServerChoice, load_workspace};
use ra_ap_project_model::{
    CargoConfig, ProjectManifest, ProjectWorkspace, ProjectWorkspaceKind, RustLibSource,
};
use ra_ap_syntax::{AstNode, TextRange, ast};
use ra_ap_vfs::{AbsPathBuf, FileId, Vfs, VfsPath};

use crate::analyse::classify::TypeOracle;
use crate::analyse::imports::Imports;
use crate::analyse::index::ItemIndex;
use crate::analyse::types::Ty;
use crate::analyse::{self, CheckOptions};
use crate::finding::Finding;

/// When to load the semantic layer (`--semantic`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
pub enum SemanticMode {
    /// Only when the syntactic pass leaves receivers it cannot classify.
    #[default]
    Auto,
    /// For every file with an await.
    Always,
    /// Never: the syntactic classifier alone.
    Never,
}

impl SemanticMode {
    pub fn name(self) -> &'static str {
        match self {
            SemanticMode::Auto => "auto",
            SemanticMode::Always => "always",
            SemanticMode::Never => "never",
        }
    }

    /// The mode [`SemanticMode::name`] gives, `None` for anything else.
    pub fn from_name(name: &str) -> Option<SemanticMode> {
        [SemanticMode::Auto, SemanticMode::Always, SemanticMode::Never]
            .into_iter()
            .find(|mode| mode.name() == name)
    }
}

/// Why the workspace could not be loaded; the run goes on with the syntactic classifier.
#[derive(thiserror::Error, Debug)]
pub enum SemanticError {
    #[error("no Cargo.toml at or above {0}")]
    NoCargoProject(String),
    #[error("rust-analyzer could not load the workspace: {0}")]
    Load(String),
    #[error(
        "the standard library's sources were not found (install them with `rustup component add rust-src`)"
    )]
    NoRustSrc,
}

/// What an expression's type says about its value, for the transforms that move it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueFacts {
    /// The type holds no reference and no type with a lifetime (`Entry<'_, K, V>`, a guard).
    pub owns_data: bool,
    /// The type is `Copy`: reading it out of a place copies it.
    pub is_copy: bool,
}

/// One file of a loaded workspace, as the fix engine asks about it.
#[derive(Clone, Copy)]
pub struct SemanticFile<'a> {
    pub workspace: &'a SemanticWorkspace,
    pub path: &'a Path,
}

/// A loaded cargo workspace: rust-analyzer's database and its virtual file system.
pub struct SemanticWorkspace {
    db: Mutex<RootDatabase>,
    vfs: Vfs,
    /// Why the workspace loaded with less than it should (no dependencies), if it did.
    pub degraded: Option<String>,
}

/// Loads the cargo workspace that `root` is in (a folder or a file in it).
pub fn load(root: &Path) -> Result<SemanticWorkspace, SemanticError> {
    let folder = if root.is_file() { root.parent().unwrap_or(root) } else { root };
    let folder = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_owned());
    if !folder.ancestors().any(|dir| dir.join("Cargo.toml").is_file()) {
        return Err(SemanticError::NoCargoProject(folder.display().to_string()));
    }
    let cargo_config = CargoConfig {
        sysroot: Some(RustLibSource::Discover),
        all_targets: true,
        set_test: true,
        ..Default::default()
    };
    let load_config = LoadCargoConfig {
        load_out_dirs_from_check: false,
        with_proc_macro_server: ProcMacroServerChoice::None,
        prefill_caches: false,
        num_worker_threads: 1,
        proc_macro_processes: 1,
    };
    let load_error = |error: anyhow::Error| SemanticError::Load(format!("{error:#}"));
    let root = AbsPathBuf::assert_utf8(folder.clone());
    let manifest = ProjectManifest::discover_single(&root).map_err(load_error)?;
    let workspace = ProjectWorkspace::load(manifest, &cargo_config, &|_| {}).map_err(load_error)?;
    // rust-analyzer retries a failing `cargo metadata` with `--no-deps`: the workspace then
    // loads without its dependencies, whose types stay unknown. Say so.
    let degraded = match &workspace.kind {
        ProjectWorkspaceKind::Cargo { error: Some(error), .. } => Some(format!(
            "rust-analyzer loaded the workspace without its dependencies, as `cargo metadata` failed ({}): types from dependencies are unknown, and where only they could tell, the syntax decided",
            first_line(&format!("{error:#}"))
        )),
        _ => None,
    };
    let (db, vfs, _proc_macros) =
        load_workspace(workspace, &cargo_config.extra_env, &load_config).map_err(load_error)?;
    let has_std = ra_ap_hir::attach_db(&db, || {
        ra_ap_hir::Crate::all(&db).into_iter().any(|krate| {
            krate.display_name(&db).is_some_and(|name| name.crate_name().to_string() == "std")
        })
    });
    if !has_std {
        return Err(SemanticError::NoRustSrc);
    }
    Ok(SemanticWorkspace { db: Mutex::new(db), vfs, degraded })
}

/// One line for a warning out of cargo's error text: its `error:` line and the root cause
/// (the last line), trimmed.
fn first_line(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    let headline = lines.iter().find(|line| line.starts_with("error:")).or(lines.first());
    match (headline, lines.last()) {
        (Some(headline), Some(cause)) if headline != cause => format!("{headline} … {cause}"),
        (Some(headline), _) => (*headline).to_owned(),
        _ => String::new(),
    }
}

impl SemanticWorkspace {
    fn file_id(&self, path: &Path) -> Option<FileId> {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let vfs_path = VfsPath::new_real_path(absolute.to_str()?.to_owned());
        self.vfs.file_id(&vfs_path).map(|(file_id, _)| file_id)
    }

    /// Runs `analysis` on `text` (the current contents of `path`) with an oracle backed by
    /// rust-analyzer; `None` when the file is not part of the loaded workspace.
    ///
    /// Calls are serialised: rust-analyzer's database is not shared between threads here.
    pub fn with_oracle<R>(
        &self,
        path: &Path,
        text: &str,
        analysis: impl FnOnce(&dyn TypeOracle) -> R,
    ) -> Option<R> {
        self.with_file(path, text, |db, file_id| {
            let sema = Semantics::new(db);
            let tree = sema.parse(sema.attach_first_edition(file_id));
            let oracle = HirOracle { sema: &sema, tree: tree.syntax().clone() };
            analysis(&oracle)
        })
    }

    /// Runs `query` (inside `attach_db`) on the database holding `text` as the contents of
    /// `path`; `None` when the file is not part of the loaded workspace.
    fn with_file<R>(
        &self,
        path: &Path,
        text: &str,
        query: impl FnOnce(&RootDatabase, FileId) -> R,
    ) -> Option<R> {
        let file_id = self.file_id(path)?;
        let mut db = self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        set_text(&mut db, file_id, text);
        let db = &*db;
        Some(ra_ap_hir::attach_db(db, || query(db, file_id)))
    }

    /// rust-analyzer's `extract_function` assist on `range` of `text` (the current contents of
    /// `path`): its edits as (range, replacement) pairs in `text`, the new fn named
    /// `fun_name`. `None` when the assist does not apply.
    pub fn extract_function(
        &self,
        path: &Path,
        text: &str,
        range: TextRange,
    ) -> Option<Vec<(TextRange, String)>> {
        let config = assist_config();
        let resolve = AssistResolveStrategy::Single(SingleResolve {
            assist_id: String::from("extract_function"),
            assist_kind: AssistKind::RefactorExtract,
            assist_subtype: None,
        });
        let (assists, file_id) = self.with_file(path, text, |db, file_id| {
            let range = FileRange { file_id, range };
            (ra_ap_ide_assists::assists(db, &config, resolve, range), file_id)
        })?;
        let assist = assists.into_iter().find(|assist| assist.id.0 == "extract_function")?;
        let change = assist.source_change?;
        if change.source_file_edits.len() != 1 || !change.file_system_edits.is_empty() {
            return None; // the assist would touch other files: not ours to apply here
        }
        let (edit, _snippets) = change.source_file_edits.get(&file_id)?;
        Some(edit.iter().map(|indel| (indel.delete, indel.insert.clone())).collect())
    }

    /// For the method calls at `calls` in `text` (the current contents of `path`): whether
    /// the method rust-analyzer resolves takes `&mut self` (`None` when it does not resolve).
    pub fn takes_mut_self(
        &self,
        path: &Path,
        text: &str,
        calls: &[TextRange],
    ) -> Option<Vec<Option<bool>>> {
        self.with_file(path, text, |db, file_id| {
            let sema = Semantics::new(db);
            let tree = sema.parse(sema.attach_first_edition(file_id));
            let answers = calls.iter().map(|range| {
                let call = tree
                    .syntax()
                    .covering_element(*range)
                    .ancestors()
                    .find_map(ast::MethodCallExpr::cast)
                    .filter(|call| call.syntax().text_range() == *range)?;
                let self_param = sema.resolve_method_call(&call)?.self_param(db)?;
                Some(self_param.access(db) == ra_ap_hir::Access::Exclusive)
            });
            answers.collect()
        })
    }

    /// For the expressions at `exprs` in `text` (the current contents of `path`): what the
    /// type rust-analyzer infers for each says about its value (`None` for one whose type it
    /// cannot tell).
    pub fn value_facts(
        &self,
        path: &Path,
        text: &str,
        exprs: &[TextRange],
    ) -> Option<Vec<Option<ValueFacts>>> {
        self.with_file(path, text, |db, file_id| {
            let sema = Semantics::new(db);
            let tree = sema.parse(sema.attach_first_edition(file_id));
            let answers = exprs.iter().map(|range| {
                if range.end() > tree.syntax().text_range().end() {
                    return None;
                }
                let expr = tree
                    .syntax()
                    .covering_element(*range)
                    .ancestors()
                    .take_while(|node| range.contains_range(node.text_range()))
                    .filter(|node| node.text_range() == *range)
                    .find_map(ast::Expr::cast)?;
                let ty = sema.type_of_expr(&expr)?.original;
                (!ty.is_unknown()).then(|| ValueFacts {
                    owns_data: !types::may_borrow(db, &ty),
                    is_copy: ty.is_copy(db),
                })
            });
            answers.collect()
        })
    }

    /// Makes rust-analyzer see `text` as the contents of `path` (a fix not yet written).
    pub fn set_text(&self, path: &Path, text: &str) {
        if let Some(file_id) = self.file_id(path) {
            let mut db = self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            set_text(&mut db, file_id, text);
        }
    }

    /// The declaration and every use of the lock acquired at `acquire` in `path` (whose
    /// contents must already be set, see [`SemanticWorkspace::set_text`]).
    pub fn lock_sites(
        &self,
        path: &Path,
        acquire: TextRange,
    ) -> Result<lock_sites::LockSites, String> {
        let file_id = self.file_id(path).ok_or("the file is not part of the loaded workspace")?;
        let db = self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let db = &*db;
        ra_ap_hir::attach_db(db, || lock_sites::lock_sites(db, &self.vfs, file_id, acquire))
    }
}

/// Makes the database hold `text` for the file, if it holds something else.
fn set_text(db: &mut RootDatabase, file_id: FileId, text: &str) {
    if **db.file_text(file_id).text(&*db) != *text {
        let mut change = FileChange::default();
        change.change_file(file_id, Some(text.to_owned()));
        change.apply(db as &mut dyn SourceDatabase);
    }
}

/// The assists' configuration: no snippets (plain text edits), imports merged per crate.
fn assist_config() -> AssistConfig {
    AssistConfig {
        snippet_cap: None,
        allowed: Some(vec![AssistKind::RefactorExtract]),
        insert_use: InsertUseConfig {
            granularity: ImportGranularity::Crate,
            prefix_kind: ra_ap_hir::PrefixKind::Plain,
            enforce_granularity: true,
            group: true,
            skip_glob_imports: true,
        },
        prefer_no_std: false,
        prefer_prelude: true,
        prefer_absolute: false,
        assist_emit_must_use: false,
        term_search_fuel: 400,
        term_search_borrowck: true,
        code_action_grouping: false,
        expr_fill_default: ExprFillDefaultMode::Todo,
        prefer_self_ty: false,
        show_rename_conflicts: false,
    }
}

/// `type_of` answered by `hir::Semantics` for one file.
struct HirOracle<'a, 'db> {
    sema: &'a Semantics<'db, RootDatabase>,
    tree: ra_ap_syntax::SyntaxNode,
}

impl TypeOracle for HirOracle<'_, '_> {
    fn type_of(&self, expr: &ast::Expr) -> Option<Ty> {
        let own = self.same_expr(expr.syntax().text_range(), expr.syntax().kind())?;
        let info = self.sema.type_of_expr(&own)?;
        types::ty_of(self.sema.db, &info.original)
    }
}

impl HirOracle<'_, '_> {
    /// rust-analyzer's node for the expression guardfix's tree has at `range`.
    fn same_expr(&self, range: TextRange, kind: ra_ap_syntax::SyntaxKind) -> Option<ast::Expr> {
        if range.end() > self.tree.text_range().end() {
            return None;
        }
        let element = self.tree.covering_element(range);
        let start = match element {
            ra_ap_syntax::NodeOrToken::Node(node) => node,
            ra_ap_syntax::NodeOrToken::Token(token) => token.parent()?,
        };
        let own = start
            .ancestors()
            .take_while(|node| node.text_range() == range)
            .find(|node| node.kind() == kind)
            .and_then(ast::Expr::cast);
        own.or_else(|| self.expr_in_expansion(range, kind))
    }

    /// For an expression guardfix read out of a macro's arguments (a `select!` arm, a
    /// `join!` future): the node rust-analyzer's expansion of the macro built from the same
    /// tokens, whose type it knows.
    fn expr_in_expansion(
        &self,
        range: TextRange,
        kind: ra_ap_syntax::SyntaxKind,
    ) -> Option<ast::Expr> {
        use ra_ap_syntax::SyntaxKind::TOKEN_TREE;
        let first = self.tree.token_at_offset(range.start()).right_biased()?;
        let last = self.tree.token_at_offset(range.end()).left_biased()?;
        if !first.parent_ancestors().any(|node| node.kind() == TOKEN_TREE) {
            return None;
        }
        let lasts = self.sema.descend_into_macros_exact(last);
        self.sema.descend_into_macros_exact(first).into_iter().find_map(|first| {
            first
                .parent_ancestors()
                .take_while(|node| node.first_token().as_ref() == Some(&first))
                .find(|node| {
                    node.kind() == kind && node.last_token().is_some_and(|end| lasts.contains(&end))
                })
                .and_then(ast::Expr::cast)
        })
    }
}

impl SemanticFile<'_> {
    /// The findings of `tree` (parsed from `text`, this file's current contents) with
    /// rust-analyzer's types; `None` when the workspace does not hold the file.
    pub fn analyse(
        self,
        text: &str,
        tree: &ra_ap_syntax::SourceFile,
        index: &ItemIndex,
        imports: &Imports,
        edition: ra_ap_syntax::Edition,
        options: CheckOptions,
    ) -> Option<Vec<Finding>> {
        self.workspace.with_oracle(self.path, text, |oracle| {
            analyse::analyse_tree_with(tree, index, imports, edition, options, Some(oracle))
                .findings
        })
    }
}
