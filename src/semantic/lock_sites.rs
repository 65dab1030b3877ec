//! Where a lock lives: everything in the workspace that holds the lock acquired at a site, and
//! every place that names one of those holders (rust-analyzer's find-usages), sorted into the
//! shapes the async-mutex transform knows how to rewrite.
//!
//! A lock value is held by a struct field, a static, or locals and fn parameters it is moved,
//! borrowed or `Arc`-cloned into:
//!
//! ```text
//! let state = Arc::new(Mutex::new(0));      holder `state`, built here (an init)
//! let worker = state.clone();               holder `worker`, from `state`
//! run(worker);                              holder `run`'s parameter (its written type)
//! async fn run(s: Arc<Mutex<u32>>) {        …
//!     *s.lock().unwrap() += 1;              a use
//! ```
//!
//! Starting from the acquisition's receiver, holders are followed both ways (where each one's
//! value comes from, where its uses send it) until the set is closed. Anything else that names
//! a holder (a pattern, a macro argument, a value returned from a fn, a call into a
//! dependency) stops the search with the place and the reason: guardfix switches the lock
//! everywhere or nowhere.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use ra_ap_hir::{EditionedFileId, FieldSource, HasSource, ModuleDef, PathResolution, Semantics};
use ra_ap_ide_db::RootDatabase;
use ra_ap_ide_db::base_db::SourceDatabase;
use ra_ap_ide_db::defs::Definition;
use ra_ap_ide_db::search::FileReferenceNode;
use ra_ap_syntax::{AstNode, SyntaxNode, TextRange, ast, ast::HasArgList};
use ra_ap_vfs::{FileId, Vfs};

use crate::analyse::macros;

/// A lock's declarations and uses, as ranges in the texts the database holds.
#[derive(Clone, Debug, Default)]
pub struct LockSites {
    /// The name of the holder the lock was acquired through, for messages.
    pub name: String,
    /// Written types that name the lock: fields, statics, `let` annotations, fn parameters.
    pub types: Vec<(PathBuf, TextRange)>,
    /// Expressions that build the lock (each holds one `Mutex::new(…)`).
    pub inits: Vec<(PathBuf, TextRange)>,
    /// Receivers of the methods called on the lock (`self.m` in `self.m.lock()`).
    pub uses: Vec<(PathBuf, TextRange)>,
}

impl LockSites {
    /// Every file the switch edits.
    pub fn files(&self) -> BTreeSet<&Path> {
        let all = self.types.iter().chain(&self.inits).chain(&self.uses);
        all.map(|(path, _)| path.as_path()).collect()
    }
}

/// Enough holders for any real lock; beyond it the search is a runaway.
const MAX_HOLDERS: usize = 256;

/// The sites of the lock acquired by the method call at `acquire` in `file_id`.
pub fn lock_sites(
    db: &RootDatabase,
    vfs: &Vfs,
    file_id: FileId,
    acquire: TextRange,
) -> Result<LockSites, String> {
    let sema = Semantics::new(db);
    let tree = sema.parse(sema.attach_first_edition(file_id));
    let call = tree
        .syntax()
        .covering_element(acquire)
        .ancestors()
        .find_map(ast::MethodCallExpr::cast)
        .ok_or("the acquisition is not a method call")?;
    let receiver = call.receiver().ok_or("the acquisition has no receiver")?;
    let mut search = Search {
        sema: &sema,
        db,
        vfs,
        seen: HashSet::new(),
        queue: Vec::new(),
        sites: LockSites::default(),
    };
    let first = search.holder_of(&receiver)?;
    search.sites.name = holder_name(db, first);
    search.enqueue(first)?;
    while let Some(holder) = search.queue.pop() {
        search.declaration(holder)?;
        search.usages(holder)?;
    }
    let mut sites = search.sites;
    for list in [&mut sites.types, &mut sites.inits, &mut sites.uses] {
        list.sort_by_key(|(path, range)| (path.clone(), range.start()));
        list.dedup();
    }
    Ok(sites)
}

struct Search<'a, 'db> {
    sema: &'a Semantics<'db, RootDatabase>,
    db: &'db RootDatabase,
    vfs: &'a Vfs,
    seen: HashSet<Definition<'db>>,
    queue: Vec<Definition<'db>>,
    sites: LockSites,
}

impl<'db> Search<'_, 'db> {
    fn enqueue(&mut self, holder: Definition<'db>) -> Result<(), String> {
        if self.seen.insert(holder) {
            if self.seen.len() > MAX_HOLDERS {
                return Err(format!("the lock is held by more than {MAX_HOLDERS} bindings"));
            }
            self.queue.push(holder);
        }
        Ok(())
    }

    /// The holder an expression reads the lock from: `x`, `self.m`, `STATIC`, and the same
    /// behind `&`, parentheses, `.clone()` and `Arc::clone(&…)`.
    fn holder_of(&self, expr: &ast::Expr) -> Result<Definition<'db>, String> {
        let cannot = || {
            Err(format!(
                "the lock comes from `{}` ({}), which guardfix cannot follow",
                snippet(expr.syntax()),
                self.location(expr.syntax())
            ))
        };
        match expr {
            ast::Expr::ParenExpr(inner) => self.holder_of(&inner.expr().ok_or("`()`")?),
            ast::Expr::RefExpr(reference) => self.holder_of(&reference.expr().ok_or("`&`")?),
            ast::Expr::MethodCallExpr(call) if method_name(call).as_deref() == Some("clone") => {
                self.holder_of(&call.receiver().ok_or("`.clone()` without a receiver")?)
            }
            ast::Expr::CallExpr(call) if is_clone_call(call) => {
                let argument = call.arg_list().and_then(|args| args.args().next());
                self.holder_of(&argument.ok_or("`clone()` without an argument")?)
            }
            ast::Expr::FieldExpr(field_expr) => {
                let field = self.sema.resolve_field(field_expr).and_then(|field| field.left());
                let field = field.ok_or("rust-analyzer could not resolve the lock's field")?;
                if !field
                    .parent_def(self.db)
                    .module(self.db)
                    .krate(self.db)
                    .origin(self.db)
                    .is_local()
                {
                    return Err("the lock is a field of a dependency's type".into());
                }
                Ok(Definition::Field(field))
            }
            ast::Expr::PathExpr(path_expr) => {
                let path = path_expr.path().ok_or("a path expression without a path")?;
                match self.sema.resolve_path(&path) {
                    Some(PathResolution::Local(local)) => Ok(Definition::Local(local)),
                    Some(PathResolution::Def(ModuleDef::Static(static_))) => {
                        if !static_.module(self.db).krate(self.db).origin(self.db).is_local() {
                            return Err("the lock is a dependency's static".into());
                        }
                        Ok(Definition::Static(static_))
                    }
                    _ => cannot(),
                }
            }
            _ => cannot(),
        }
    }

    /// Where a holder's value comes from: its written type, and the expression that built or
    /// passed it (a struct field's literals are found among its usages instead).
    fn declaration(&mut self, holder: Definition<'db>) -> Result<(), String> {
        match holder {
            Definition::Field(field) => {
                let source =
                    field.source(self.db).ok_or("the field's declaration was not found")?;
                let FieldSource::Named(record_field) = source.value else {
                    return Err("the lock is a tuple struct field".into());
                };
                let file = source.file_id.file_id().ok_or("the field is declared by a macro")?;
                let ty = record_field.ty().ok_or("the field has no written type")?;
                if let Some(param) = generic_lock_param(&record_field, &ty) {
                    // Its constructors choose the lock (and others put other things in it):
                    // naming the first of them that builds no lock would blame the wrong one.
                    return Err(format!(
                        "`{}` has the generic type `{}`, so each constructor of its struct chooses what it holds (`{param}`), and not every one builds this lock ({}): guardfix switches only a lock whose type is written",
                        self.sites.name,
                        ty.syntax().text(),
                        self.location(record_field.syntax())
                    ));
                }
                self.sites.types.push((self.path_of(file)?, ty.syntax().text_range()));
            }
            Definition::Static(static_) => {
                let source = static_.source(self.db).ok_or("the static was not found")?;
                let file = source.file_id.file_id().ok_or("the static is declared by a macro")?;
                let path = self.path_of(file)?;
                let ty = source.value.ty().ok_or("the static has no written type")?;
                self.sites.types.push((path, ty.syntax().text_range()));
                let body = source.value.body().ok_or("the static has no initializer")?;
                let body = self.in_sema_tree::<ast::Expr>(file, body.syntax())?;
                self.origin(&body)?;
            }
            Definition::Local(local) => {
                let sources = local.sources(self.db);
                let [source] = sources.as_slice() else {
                    return Err(format!(
                        "`{}` is bound in more than one pattern",
                        local.name(self.db).as_str()
                    ));
                };
                let file = source.source.file_id.file_id().ok_or_else(|| {
                    format!("`{}` is bound inside a macro", local.name(self.db).as_str())
                })?;
                let pat = source.as_ident_pat().ok_or("the lock is `self`")?;
                let pat = self.in_sema_tree::<ast::IdentPat>(file, pat.syntax())?;
                self.binding(&pat, file)?;
            }
            _ => return Err("the lock is held by something guardfix cannot follow".into()),
        }
        Ok(())
    }

    /// A local's binding: `let x: T = init;` or a fn parameter `x: T` (whose callers pass it).
    fn binding(&mut self, pat: &ast::IdentPat, file: EditionedFileId) -> Result<(), String> {
        let parent = pat.syntax().parent().ok_or("a binding without a parent")?;
        let path = self.path_of(file)?;
        if let Some(let_stmt) = ast::LetStmt::cast(parent.clone()) {
            if let Some(ty) = let_stmt.ty() {
                self.sites.types.push((path, ty.syntax().text_range()));
            }
            let init = let_stmt.initializer().ok_or_else(|| {
                format!("`{pat}` is declared without a value ({})", self.location(pat.syntax()))
            })?;
            return self.origin(&init);
        }
        let param = ast::Param::cast(parent).filter(|param| {
            param.syntax().ancestors().nth(2).is_some_and(|grand| ast::Fn::can_cast(grand.kind()))
        });
        let Some(param) = param else {
            return Err(format!(
                "`{pat}` is bound by a pattern guardfix cannot rewrite ({})",
                self.location(pat.syntax())
            ));
        };
        let ty = param.ty().ok_or("a parameter without a type")?;
        self.sites.types.push((path, ty.syntax().text_range()));
        let function_node = param.syntax().ancestors().find_map(ast::Fn::cast).ok_or("no fn")?;
        let function = self.sema.to_def(&function_node).ok_or("the fn was not resolved")?;
        let index = function_node
            .param_list()
            .and_then(|list| list.params().position(|other| other.syntax() == param.syntax()))
            .ok_or("the parameter is not in its fn's list")?;
        let has_self = function.self_param(self.db).is_some();
        let callers = Definition::Function(function).usages(self.sema).all();
        for (_, references) in callers {
            for reference in references {
                let FileReferenceNode::NameRef(name_ref) = reference.name else {
                    let name = function.name(self.db).as_str().to_owned();
                    return Err(format!("`{name}` is named in a shape guardfix cannot follow"));
                };
                // `assert_eq!(total(&lock), 3)`: std's expression macros call it in place.
                if self.sema.hir_file_for(name_ref.syntax()).is_macro() {
                    self.expression_macro(name_ref.syntax())?;
                }
                let argument = self.argument_at(&name_ref, index, has_self).ok_or_else(|| {
                    format!(
                        "`{}` is used other than by calling it ({})",
                        function.name(self.db).as_str(),
                        self.location(name_ref.syntax())
                    )
                })?;
                self.origin(&argument)?;
            }
        }
        Ok(())
    }

    /// The argument a call through `name_ref` passes to parameter `index` (not counting
    /// `self`), for `f(…)`, `Type::f(self_value, …)` and `value.f(…)`.
    fn argument_at(
        &self,
        name_ref: &ast::NameRef,
        index: usize,
        has_self: bool,
    ) -> Option<ast::Expr> {
        let parent = name_ref.syntax().parent()?;
        if let Some(call) = ast::MethodCallExpr::cast(parent.clone()) {
            return call.arg_list()?.args().nth(index);
        }
        let path_expr = parent.ancestors().nth(2).and_then(ast::PathExpr::cast)?;
        let call = path_expr.syntax().parent().and_then(ast::CallExpr::cast)?;
        (call.expr()?.syntax() == path_expr.syntax()).then_some(())?;
        call.arg_list()?.args().nth(index + usize::from(has_self))
    }

    /// An expression a holder's value comes from: one that builds the lock, or another holder.
    fn origin(&mut self, expr: &ast::Expr) -> Result<(), String> {
        if builds_lock(self.sema, expr) {
            let file = self.file_of(expr.syntax())?;
            self.sites.inits.push((self.path_of(file)?, expr.syntax().text_range()));
            return Ok(());
        }
        let holder = self.holder_of(expr)?;
        self.enqueue(holder)
    }

    /// Every place that names a holder: lock methods called on it, and the bindings, fields
    /// and parameters its value goes to.
    fn usages(&mut self, holder: Definition<'db>) -> Result<(), String> {
        let usages = holder.usages(self.sema).all();
        for (_, references) in usages {
            for reference in references {
                let FileReferenceNode::NameRef(name_ref) = reference.name else {
                    return Err(format!(
                        "`{}` is named in a way guardfix cannot rewrite",
                        self.sites.name
                    ));
                };
                if name_ref.syntax().ancestors().any(|node| ast::Use::can_cast(node.kind())) {
                    continue; // `use crate::state::STATE;`
                }
                let in_macro = self.sema.hir_file_for(name_ref.syntax()).is_macro();
                if in_macro {
                    self.expression_macro(name_ref.syntax())?;
                }
                let parent = name_ref.syntax().parent().ok_or("a use without a parent")?;
                if let Some(field) = ast::RecordExprField::cast(parent.clone()) {
                    // `Struct { lock: EXPR }`: the field's value comes from EXPR.
                    let value = field.expr().ok_or("a field initializer without a value")?;
                    self.origin(&value)?;
                    continue;
                }
                let named = if let Some(field_expr) = ast::FieldExpr::cast(parent.clone()) {
                    ast::Expr::FieldExpr(field_expr)
                } else if let Some(path_expr) =
                    parent.ancestors().nth(2).and_then(ast::PathExpr::cast)
                {
                    ast::Expr::PathExpr(path_expr)
                } else {
                    return Err(format!(
                        "`{}` is used in a pattern or another shape guardfix cannot rewrite ({})",
                        name_ref,
                        self.location(name_ref.syntax())
                    ));
                };
                let shorthand_init = matches!(holder, Definition::Field(_))
                    && named
                        .syntax()
                        .parent()
                        .is_some_and(|p| ast::RecordExprField::can_cast(p.kind()));
                if shorthand_init {
                    self.origin(&named)?; // `Struct { lock }`: the field's value is the local `lock`
                    continue;
                }
                if in_macro {
                    self.use_in_macro(&named)?;
                    continue;
                }
                self.use_of(named)?;
            }
        }
        Ok(())
    }

    /// One expression naming a holder: a method call on the lock, or a move/borrow/clone of
    /// it into another holder.
    fn use_of(&mut self, named: ast::Expr) -> Result<(), String> {
        let mut value = named.clone();
        loop {
            let parent = value.syntax().parent().ok_or("an expression without a parent")?;
            if let Some(call) = ast::MethodCallExpr::cast(parent.clone())
                .filter(|call| call.receiver().is_some_and(|r| r.syntax() == value.syntax()))
            {
                if method_name(&call).as_deref() != Some("clone") {
                    if value.syntax() != named.syntax() {
                        return Err(format!(
                            "`{}` calls a method on a borrow of the lock ({})",
                            snippet(call.syntax()),
                            self.location(call.syntax())
                        ));
                    }
                    let file = self.file_of(named.syntax())?;
                    self.sites.uses.push((self.path_of(file)?, named.syntax().text_range()));
                    return Ok(());
                }
                value = ast::Expr::MethodCallExpr(call);
                continue;
            }
            if let Some(wrapper) = wrapping(&parent) {
                value = wrapper; // `&x`, `(x)`, `Arc::clone(&x)`: the value goes on
                continue;
            }
            return self.destination(&value, &parent);
        }
    }

    /// Where a lock value that is not called on goes: a `let`, a struct field, a parameter.
    fn destination(&mut self, value: &ast::Expr, parent: &SyntaxNode) -> Result<(), String> {
        let here = || self.location(value.syntax());
        if let Some(let_stmt) = ast::LetStmt::cast(parent.clone()) {
            let Some(ast::Pat::IdentPat(pat)) = let_stmt.pat() else {
                return Err(format!("the lock is destructured ({})", here()));
            };
            let local = self.sema.to_def(&pat).ok_or("a binding rust-analyzer did not resolve")?;
            return self.enqueue(Definition::Local(local));
        }
        if let Some(field) = ast::RecordExprField::cast(parent.clone()) {
            let resolved = self.sema.resolve_record_field(&field).map(|(field, ..)| field);
            return match resolved {
                Some(field) => self.enqueue(Definition::Field(field)),
                None => Err(format!("a struct field rust-analyzer did not resolve ({})", here())),
            };
        }
        if let Some(args) = ast::ArgList::cast(parent.clone()) {
            let index = args.args().position(|arg| arg.syntax() == value.syntax()).ok_or("arg")?;
            let call = args.syntax().parent().ok_or("an argument list without a call")?;
            let function = if let Some(call) = ast::CallExpr::cast(call.clone()) {
                let callee = match call.expr() {
                    Some(ast::Expr::PathExpr(path)) => path.path(),
                    _ => None,
                };
                match callee.and_then(|path| self.sema.resolve_path(&path)) {
                    Some(PathResolution::Def(ModuleDef::Function(function))) => {
                        let has_self = function.self_param(self.db).is_some();
                        if has_self && index == 0 {
                            return Err(format!(
                                "the lock is the receiver of `{}` ({})",
                                snippet(call.syntax()),
                                here()
                            ));
                        }
                        Some((function, index - usize::from(has_self)))
                    }
                    _ => None,
                }
            } else if let Some(call) = ast::MethodCallExpr::cast(call) {
                self.sema.resolve_method_call(&call).map(|function| (function, index))
            } else {
                None
            };
            let Some((function, index)) = function else {
                return Err(format!(
                    "the lock is passed to a call guardfix cannot follow ({})",
                    here()
                ));
            };
            if !function.module(self.db).krate(self.db).origin(self.db).is_local() {
                // `drop(lock)`, `Arc::strong_count(&lock)`: generic over what it gets, so it
                // takes tokio's lock as well.
                let param = function.params_without_self(self.db).into_iter().nth(index);
                if param.is_some_and(|param| !names_a_lock(self.db, param.ty())) {
                    return Ok(());
                }
                return Err(format!(
                    "the lock is passed to `{}`, a dependency's fn ({})",
                    function.name(self.db).as_str(),
                    here()
                ));
            }
            let param = function.params_without_self(self.db).into_iter().nth(index);
            let local = param.and_then(|param| param.as_local(self.db)).ok_or_else(|| {
                format!("the lock is passed to a parameter that is a pattern ({})", here())
            })?;
            return self.enqueue(Definition::Local(local));
        }
        Err(format!(
            "the lock goes into `{}` ({}), which guardfix cannot follow",
            snippet(parent),
            here()
        ))
    }

    /// A holder named in the arguments of an expression macro (`assert!(m.lock().is_ok())`):
    /// only a method called on it right there is rewritten, at its place in the real file.
    fn use_in_macro(&mut self, named: &ast::Expr) -> Result<(), String> {
        let called = named.syntax().parent().and_then(ast::MethodCallExpr::cast).filter(|call| {
            call.receiver().is_some_and(|receiver| receiver.syntax() == named.syntax())
                && method_name(call).as_deref() != Some("clone")
        });
        if called.is_none() {
            // Passed on (`assert_eq!(total(&lock), 3)`): followed like any other argument;
            // the arguments of std's expression macros are plain expressions.
            return self.use_of(named.clone());
        }
        let range = self.sema.original_range(named.syntax());
        let path = self.path_of_file_id(range.file_id.file_id(self.db))?;
        self.sites.uses.push((path, range.range));
        Ok(())
    }

    /// Accepts a name inside one of std's expression macros (whose arguments are plain
    /// expressions, evaluated where the macro is called); refuses any other macro.
    fn expression_macro(&self, node: &SyntaxNode) -> Result<(), String> {
        let range = self.sema.original_range(node);
        let root = self.sema.parse(range.file_id);
        let call =
            root.syntax().covering_element(range.range).ancestors().find_map(ast::MacroCall::cast);
        let name = call.as_ref().and_then(macros::macro_name);
        let outermost = call.as_ref().is_some_and(|call| {
            call.syntax().ancestors().skip(1).all(|node| !ast::MacroCall::can_cast(node.kind()))
        });
        if outermost && name.is_some_and(|name| macros::evaluates_arguments_in_place(&name)) {
            return Ok(());
        }
        self.refuse_in_macro(node)
    }

    fn refuse_in_macro(&self, node: &SyntaxNode) -> Result<(), String> {
        if self.sema.hir_file_for(node).is_macro() {
            return Err(format!(
                "`{}` is used inside a macro call ({}), which guardfix does not edit",
                self.sites.name,
                self.location(node)
            ));
        }
        Ok(())
    }

    /// The node of kind `N` spanning `node`'s range in the tree `Semantics` knows for `file`.
    fn in_sema_tree<N: AstNode>(
        &self,
        file: EditionedFileId,
        node: &SyntaxNode,
    ) -> Result<N, String> {
        let root = self.sema.parse(file);
        let range = node.text_range();
        root.syntax()
            .covering_element(range)
            .ancestors()
            .filter(|ancestor| ancestor.text_range() == range)
            .find_map(N::cast)
            .ok_or_else(|| "a declaration is not where rust-analyzer said".to_owned())
    }

    fn file_of(&self, node: &SyntaxNode) -> Result<EditionedFileId, String> {
        self.sema.hir_file_for(node).file_id().ok_or_else(|| {
            format!(
                "`{}` is used inside a macro call ({}) in a way guardfix does not edit",
                self.sites.name,
                self.location(node)
            )
        })
    }

    fn path_of(&self, file: EditionedFileId) -> Result<PathBuf, String> {
        self.path_of_file_id(file.file_id(self.db))
    }

    fn path_of_file_id(&self, file_id: FileId) -> Result<PathBuf, String> {
        let path = self.vfs.file_path(file_id);
        let real = path.as_path().ok_or("a file outside the real file system")?;
        Ok(Path::new(real.as_str()).to_owned())
    }

    /// `path:line` of a node, for refusals.
    fn location(&self, node: &SyntaxNode) -> String {
        let range = self.sema.original_range(node);
        let Ok(path) = self.path_of_file_id(range.file_id.file_id(self.db)) else {
            return String::from("?");
        };
        let text = self.sema.db.file_text(range.file_id.file_id(self.db)).text(self.db);
        let offset = usize::from(range.range.start()).min(text.len());
        let line = text[..offset].matches('\n').count() + 1;
        format!("{}:{line}", path.display())
    }
}

/// The expression a parent wraps its child in without changing which lock it is: `&x`,
/// `(x)`, `Arc::clone(x)`.
fn wrapping(parent: &SyntaxNode) -> Option<ast::Expr> {
    if let Some(reference) = ast::RefExpr::cast(parent.clone()) {
        return Some(ast::Expr::RefExpr(reference));
    }
    if let Some(paren) = ast::ParenExpr::cast(parent.clone()) {
        return Some(ast::Expr::ParenExpr(paren));
    }
    let call = parent.parent().filter(|_| ast::ArgList::can_cast(parent.kind()));
    call.and_then(ast::CallExpr::cast).filter(is_clone_call).map(ast::Expr::CallExpr)
}

/// Code quoted in a refusal: whitespace collapsed, cut after 60 characters.
fn snippet(node: &SyntaxNode) -> String {
    let text = node.text().to_string().split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// `Arc::clone(&x)`, `Rc::clone(&x)`, `Clone::clone(&x)`: a path call to `clone` with one
/// argument.
fn is_clone_call(call: &ast::CallExpr) -> bool {
    let Some(ast::Expr::PathExpr(callee)) = call.expr() else { return false };
    let name = callee.path().and_then(|path| path.segment()).and_then(|segment| segment.name_ref());
    name.is_some_and(|name| name.text() == "clone")
        && call.arg_list().is_some_and(|args| args.args().count() == 1)
}

fn method_name(call: &ast::MethodCallExpr) -> Option<String> {
    Some(call.name_ref()?.text().to_string())
}

/// Whether the expression calls `Mutex::new` / `RwLock::new` (or `const_new`) somewhere:
/// `Arc::new(Mutex::new(0))`, `LazyLock::new(|| RwLock::new(…))`.
fn builds_lock(sema: &Semantics<'_, RootDatabase>, expr: &ast::Expr) -> bool {
    let name = |path: &ast::Path| {
        path.segment().and_then(|segment| segment.name_ref()).map(|name| name.text().to_string())
    };
    let is_lock_name = |name: &str| name == "Mutex" || name == "RwLock";
    expr.syntax().descendants().filter_map(ast::PathExpr::cast).any(|path_expr| {
        let Some(path) = path_expr.path() else { return false };
        let constructor = name(&path).is_some_and(|name| name == "new" || name == "const_new");
        let Some(qualifier) = path.qualifier().filter(|_| constructor) else { return false };
        if name(&qualifier).is_some_and(|name| is_lock_name(&name)) {
            return true;
        }
        // `StdMutex::new(…)` after `use std::sync::Mutex as StdMutex;`: the type's own name.
        let adt = match sema.resolve_path(&qualifier) {
            Some(PathResolution::Def(ModuleDef::Adt(adt))) => Some(adt),
            Some(PathResolution::Def(ModuleDef::TypeAlias(alias))) => alias.ty(sema.db).as_adt(),
            _ => None,
        };
        adt.is_some_and(|adt| is_lock_name(adt.name(sema.db).as_str()))
    })
}

/// The struct's type parameter a field's type is made of, when the type names no lock itself
/// (`inner: Arc<T>`): the lock is whatever a constructor puts there.
fn generic_lock_param(field: &ast::RecordField, ty: &ast::Type) -> Option<String> {
    use ra_ap_syntax::ast::{HasGenericParams, HasName};
    let strukt = field.syntax().ancestors().find_map(ast::Struct::cast)?;
    let params: Vec<String> = strukt
        .generic_param_list()?
        .type_or_const_params()
        .filter_map(|param| match param {
            ast::TypeOrConstParam::Type(param) => Some(param.name()?.text().to_string()),
            ast::TypeOrConstParam::Const(_) => None,
        })
        .collect();
    let names: Vec<String> = ty
        .syntax()
        .descendants()
        .filter_map(ast::NameRef::cast)
        .map(|name| name.text().to_string())
        .collect();
    if names.iter().any(|name| name == "Mutex" || name == "RwLock") {
        return None;
    }
    names.into_iter().find(|name| params.contains(name))
}

/// Whether a declared type mentions a `Mutex` or `RwLock` (then a fn taking it would not take
/// tokio's).
fn names_a_lock(db: &RootDatabase, ty: &ra_ap_hir::Type<'_>) -> bool {
    let mut found = false;
    ty.walk(db, |inner| {
        let name = inner.as_adt().map(|adt| adt.name(db).as_str().to_owned());
        found |= name.is_some_and(|name| name == "Mutex" || name == "RwLock");
    });
    found
}

fn holder_name(db: &RootDatabase, holder: Definition<'_>) -> String {
    holder.name(db).map(|name| name.as_str().to_owned()).unwrap_or_else(|| String::from("the lock"))
}
