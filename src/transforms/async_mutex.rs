//! Transform: async-mutex
//!
//! Switches one lock field to `tokio::sync::Mutex` / `tokio::sync::RwLock` when its guard must
//! live across an await (it is used after it): the field's type, the struct literals that build
//! it, and every acquisition in the workspace, found with rust-analyzer's find-usages
//! (`semantic/lock_sites.rs`).
//!
//! ```text
//! struct Cache {                                 struct Cache {
//!     entries: Mutex<Vec<u32>>,                      entries: tokio::sync::Mutex<Vec<u32>>,
//! }                                              }
//! Cache { entries: Mutex::new(vec![]) }    →     Cache { entries: tokio::sync::Mutex::new(vec![]) }
//! let mut g = self.entries.lock().unwrap();      let mut g = self.entries.lock().await;
//! g.push(fetch().await);                         g.push(fetch().await);
//! ```
//!
//! All or nothing: every use must be an acquisition (`lock()`, `read()`, `write()`, with
//! std's `unwrap()`/`expect(…)`/`unwrap_or_else(…)`) in async code, and every literal must
//! build the lock with `Mutex::new`. In sync code the acquisition becomes `blocking_lock()`
//! (`blocking_read()`, `blocking_write()`) only where it provably runs off the runtime: in a
//! closure given to `spawn_blocking` or `std::thread::spawn`, or a sync `#[test]` fn.
//! `blocking_lock()` panics on a
//! runtime thread, and guardfix cannot prove an ordinary sync fn never runs on one: the
//! transform then refuses, naming the site. The std import is removed when nothing else in
//! the file names the type. The crate must already depend on tokio with its `sync` feature
//! (checked by the caller).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ra_ap_ide_db::imports::insert_use::{
    ImportGranularity, ImportScope, ImportScopeKind, InsertUseConfig, insert_use_with_editor,
};
use ra_ap_syntax::syntax_editor::SyntaxEditor;
use ra_ap_syntax::{
    AstNode, Edition, SourceFile, SyntaxKind, SyntaxNode, TextRange, ast, ast::HasArgList,
    ast::HasGenericArgs, ast::HasModuleItem, ast::HasName,
};

use crate::edit::{TextEdit, apply_edits};
use crate::semantic::lock_sites::LockSites;

/// A std or parking_lot lock type and its tokio replacement.
struct Target {
    type_name: &'static str,
    tokio_path: &'static str,
    acquire_methods: &'static [&'static str],
    /// std's locks poison: their acquisitions are unwrapped, tokio's are awaited instead.
    poisoning: bool,
}

/// Whether `lock` (a family path as in findings) is one the switch knows tokio's lock for.
pub fn can_switch(lock: &str) -> bool {
    target_for(lock).is_some()
}

fn target_for(lock: &str) -> Option<Target> {
    let (type_name, tokio_path, acquire_methods): (_, _, &'static [&'static str]) = match lock {
        "std::sync::Mutex" | "parking_lot::Mutex" => ("Mutex", "tokio::sync::Mutex", &["lock"]),
        "std::sync::RwLock" | "parking_lot::RwLock" => {
            ("RwLock", "tokio::sync::RwLock", &["read", "write"])
        }
        _ => return None,
    };
    Some(Target { type_name, tokio_path, acquire_methods, poisoning: lock.starts_with("std") })
}

/// The new text of every file the switch touches, for the lock at `sites` (a `lock` family
/// path as in findings). `text_of` gives each file's current text (the one the sites' ranges
/// are in).
pub fn convert(
    sites: &LockSites,
    lock: &str,
    text_of: &dyn Fn(&Path) -> Option<String>,
) -> Result<BTreeMap<PathBuf, String>, String> {
    let target = target_for(lock)
        .ok_or_else(|| format!("`{lock}` has no tokio counterpart guardfix switches to"))?;
    let mut by_file: BTreeMap<PathBuf, Vec<TextEdit>> = BTreeMap::new();
    let mut trees: BTreeMap<PathBuf, (String, SyntaxNode)> = BTreeMap::new();
    let mut tree_of = |path: &Path| -> Result<(String, SyntaxNode), String> {
        if let Some(found) = trees.get(path) {
            return Ok(found.clone());
        }
        let text = text_of(path).ok_or_else(|| format!("{} could not be read", path.display()))?;
        let root = SourceFile::parse(&text, Edition::CURRENT).tree().syntax().clone();
        trees.insert(path.to_owned(), (text.clone(), root.clone()));
        Ok((text, root))
    };
    let located = |path: &Path, text: &str, range: TextRange| {
        let line = text[..usize::from(range.start()).min(text.len())].matches('\n').count() + 1;
        format!("{}:{line}", path.display())
    };

    for (path, range) in &sites.types {
        let (text, root) = tree_of(path)?;
        let ty = node_with_range(&root, *range).and_then(ast::Type::cast);
        let ty = ty.ok_or("a type naming the lock is not where rust-analyzer said")?;
        let edit = retype(&ty, &target, &std_names(&root, &target))
            .map_err(|reason| format!("{}: {reason}", located(path, &text, *range)))?;
        by_file.entry(path.clone()).or_default().push(edit);
    }

    for (path, range) in &sites.inits {
        let (text, root) = tree_of(path)?;
        let init = node_with_range(&root, *range).and_then(ast::Expr::cast);
        let init = init.ok_or("the lock's constructor is not where rust-analyzer said")?;
        let edit = reconstruct(&init, &target, &std_names(&root, &target), &sites.name)
            .map_err(|reason| format!("{}: {reason}", located(path, &text, *range)))?;
        by_file.entry(path.clone()).or_default().push(edit);
    }

    for (path, range) in &sites.uses {
        let (text, root) = tree_of(path)?;
        let receiver = node_with_range(&root, *range)
            .and_then(ast::Expr::cast)
            .map(|receiver| (receiver.clone(), receiver.syntax().clone()))
            .or_else(|| macro_argument(&root, *range));
        let (receiver, context) = receiver.ok_or_else(|| {
            format!(
                "a use of `{}` in {} is not where rust-analyzer said",
                sites.name,
                path.display()
            )
        })?;
        let at = located(path, &text, *range);
        if let Some(edit) = convert_use(&receiver, &context, &target, &at)? {
            by_file.entry(path.clone()).or_default().push(edit);
        }
    }

    let names = std_names_in(sites, &mut tree_of, &target);
    let data_types = guarded_types(sites, &mut tree_of, &names);
    let mut new_texts = BTreeMap::new();
    for (path, edits) in by_file {
        let (text, root) = tree_of(&path)?;
        let uses: Vec<TextRange> =
            sites.uses.iter().filter(|(file, _)| *file == path).map(|(_, range)| *range).collect();
        if let Some(range) = names_a_guard_type(&root, &target, &data_types, &uses) {
            return Err(format!(
                "{}: a type names the blocking lock's guard, which tokio's lock does not hand out; switch it by hand",
                located(&path, &text, range)
            ));
        }
        let new_text = with_imports(&text, &root, edits, &target)
            .ok_or_else(|| format!("the edits to {} overlap", path.display()))?;
        new_texts.insert(path, new_text);
    }
    Ok(new_texts)
}

/// Gives a file's current text and its syntax tree.
type TreeOf<'a> = dyn FnMut(&Path) -> Result<(String, SyntaxNode), String> + 'a;

/// The data types the lock guards, as written where its type is (`HashMap<u32, String>` in
/// `Mutex<HashMap<u32, String>>`), whitespace removed; empty when no written type says.
fn guarded_types(sites: &LockSites, tree_of: &mut TreeOf<'_>, names: &[String]) -> Vec<String> {
    let mut types = Vec::new();
    for (path, range) in &sites.types {
        let Ok((_, root)) = tree_of(path) else { continue };
        let Some(ty) = node_with_range(&root, *range) else { continue };
        for path_type in ty.descendants().filter_map(ast::PathType::cast) {
            let Some(segment) = path_type.path().and_then(|path| path.segment()) else { continue };
            let is_lock =
                segment.name_ref().is_some_and(|name| names.contains(&name.text().to_string()));
            if let (true, Some(args)) = (is_lock, segment.generic_arg_list()) {
                for arg in args.generic_args().filter_map(|arg| match arg {
                    ast::GenericArg::TypeArg(arg) => arg.ty(),
                    _ => None,
                }) {
                    let text: String = arg.syntax().text().to_string().split_whitespace().collect();
                    if !types.contains(&text) {
                        types.push(text);
                    }
                }
            }
        }
    }
    types
}

/// Every name std's lock goes by in the files where the lock's types are written.
fn std_names_in(sites: &LockSites, tree_of: &mut TreeOf<'_>, target: &Target) -> Vec<String> {
    let mut names = vec![target.type_name.to_owned()];
    for (path, _) in &sites.types {
        if let Ok((_, root)) = tree_of(path) {
            for name in std_names(&root, target) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    names
}

/// Where a file names std's or parking_lot's guard type for this lock (`MutexGuard<'_, T>` in
/// a helper's parameter): the switched acquisitions would hand that code tokio's guard. A
/// guard of another lock does not count: one whose data type differs from every type this
/// lock guards (when those are written), outside the fns that use this lock. Names qualified
/// with `tokio::` are tokio's own.
fn names_a_guard_type(
    root: &SyntaxNode,
    target: &Target,
    data_types: &[String],
    uses: &[TextRange],
) -> Option<TextRange> {
    let guards: &[&str] = match target.type_name {
        "Mutex" => &["MutexGuard", "MappedMutexGuard"],
        _ => &[
            "RwLockReadGuard",
            "RwLockWriteGuard",
            "MappedRwLockReadGuard",
            "MappedRwLockWriteGuard",
        ],
    };
    let tokio_guards: Vec<String> = root
        .descendants()
        .filter_map(ast::UseTree::cast)
        .filter(|tree| tree.use_tree_list().is_none() && full_path(tree).starts_with("tokio::"))
        .filter_map(|tree| imported_name(&tree))
        .collect();
    root.descendants().filter_map(ast::PathType::cast).find_map(|path_type| {
        let path = path_type.path()?;
        let name = last_name(&path)?;
        let qualified = path.syntax().text().to_string();
        let tokio = qualified.starts_with("tokio") || tokio_guards.contains(&name);
        let this_lock = data_types.is_empty()
            || guard_data_type(&path).is_none_or(|data| data_types.contains(&data))
            || in_a_fn_using(path_type.syntax(), uses);
        (guards.contains(&name.as_str()) && !tokio && this_lock)
            .then(|| path_type.syntax().text_range())
    })
}

/// `T` in `MutexGuard<'_, T>`, whitespace removed.
fn guard_data_type(path: &ast::Path) -> Option<String> {
    let args = path.segment()?.generic_arg_list()?;
    let ty = args.generic_args().find_map(|arg| match arg {
        ast::GenericArg::TypeArg(arg) => arg.ty(),
        _ => None,
    })?;
    Some(ty.syntax().text().to_string().split_whitespace().collect())
}

/// Whether `node` is in a fn that contains one of `uses`.
fn in_a_fn_using(node: &SyntaxNode, uses: &[TextRange]) -> bool {
    node.ancestors().find_map(ast::Fn::cast).is_some_and(|function| {
        uses.iter().any(|at| function.syntax().text_range().contains_range(*at))
    })
}

/// Applies a file's edits and settles its imports: when the file imported std's lock and no
/// longer names it, that import goes and tokio's comes in its place (rust-analyzer's import
/// insertion, which merges into existing `use` trees), so the edits write the short name;
/// a name the file already imports tokio's lock under (`use tokio::sync::Mutex as AsyncMutex`)
/// is used as it is. Otherwise the edits keep the qualified `tokio::sync::Mutex`.
fn with_imports(
    text: &str,
    root: &SyntaxNode,
    mut edits: Vec<TextEdit>,
    target: &Target,
) -> Option<String> {
    let after = apply_edits(text, &edits)?;
    let after_root = SourceFile::parse(&after, Edition::CURRENT).tree().syntax().clone();
    let existing = tokio_import(root, target);
    // std's lock under its own name or an alias (`use std::sync::Mutex as StdMutex;`): an
    // import the edits left unused goes.
    let removals: Vec<(TextEdit, Vec<String>, String)> = std_names(root, target)
        .into_iter()
        .filter(|name| names_outside_imports(&after_root, name) == 0)
        .filter_map(|name| {
            let (edit, module) = remove_import(root, text, &name)?;
            Some((edit, module, name))
        })
        .collect();
    // The short name is free once std's own import is gone, or when nothing in the file is
    // called that (the alias was the only import).
    let short_name_free = removals.iter().any(|(_, _, name)| name == target.type_name)
        || (!imports_name(root, target.type_name)
            && names_outside_imports(&after_root, target.type_name) == 0);
    let short_name = existing
        .clone()
        .or_else(|| (!removals.is_empty() && short_name_free).then(|| target.type_name.to_owned()));
    if let Some(short_name) = &short_name {
        for edit in &mut edits {
            if let Some(rest) = edit.replacement.strip_prefix(target.tokio_path) {
                edit.replacement = format!("{short_name}{rest}");
            }
        }
    }
    let module = removals.first().map(|(_, module, _)| module.clone());
    edits.extend(removals.into_iter().map(|(edit, _, _)| edit));
    let new_text = apply_edits(text, &edits)?;
    match module {
        Some(module) if existing.is_none() && short_name.is_some() => {
            insert_import(&new_text, target.tokio_path, &module)
        }
        _ => Some(new_text),
    }
}

/// The names the file calls std's (or parking_lot's) lock by: its own name, and any alias a
/// `use` gives it (`use std::sync::Mutex as StdMutex;`).
fn std_names(root: &SyntaxNode, target: &Target) -> Vec<String> {
    let mut names = vec![target.type_name.to_owned()];
    for tree in root.descendants().filter_map(ast::UseTree::cast) {
        if tree.use_tree_list().is_some() || !is_blocking_lock_import(&tree, target) {
            continue;
        }
        if let Some(name) = imported_name(&tree).filter(|name| !names.contains(name)) {
            names.push(name);
        }
    }
    names
}

/// `use std::sync::Mutex…` or `use parking_lot::Mutex…` (renamed or not).
fn is_blocking_lock_import(tree: &ast::UseTree, target: &Target) -> bool {
    let path = full_path(tree);
    ["std::sync::", "parking_lot::"]
        .iter()
        .any(|prefix| path.strip_prefix(prefix).is_some_and(|rest| rest == target.type_name))
}

/// Whether some `use` brings `name` into scope.
fn imports_name(root: &SyntaxNode, name: &str) -> bool {
    root.descendants()
        .filter_map(ast::UseTree::cast)
        .filter(|tree| tree.use_tree_list().is_none())
        .any(|tree| imported_name(&tree).as_deref() == Some(name))
}

/// The name the file already imports tokio's lock under, if it does.
fn tokio_import(root: &SyntaxNode, target: &Target) -> Option<String> {
    root.descendants().filter_map(ast::UseTree::cast).find_map(|tree| {
        if tree.use_tree_list().is_some() || full_path(&tree) != target.tokio_path {
            return None;
        }
        imported_name(&tree)
    })
}

/// The name a `use` tree brings into scope: its rename, else its last segment.
fn imported_name(tree: &ast::UseTree) -> Option<String> {
    match tree.rename() {
        Some(rename) => Some(rename.name()?.text().to_string()),
        None => last_name(&tree.path()?),
    }
}

/// `text` with `use PATH;` inserted in the module `module` (names from the file's root) by
/// rust-analyzer's import insertion, in the file's import style.
fn insert_import(text: &str, path: &str, module: &[String]) -> Option<String> {
    let file = SourceFile::parse(text, Edition::CURRENT).tree();
    let (editor, root) = SyntaxEditor::new(file.syntax().clone());
    let mut kind = ImportScopeKind::File(ast::SourceFile::cast(root.clone())?);
    let mut items: Box<dyn Iterator<Item = ast::Item>> =
        Box::new(ast::SourceFile::cast(root)?.items());
    for name in module {
        let found = items.find_map(|item| match item {
            ast::Item::Module(module) if module.name()?.text() == name.as_str() => {
                module.item_list()
            }
            _ => None,
        })?;
        kind = ImportScopeKind::Module(found.clone());
        items = Box::new(found.items());
    }
    let scope = ImportScope { kind, required_cfgs: Vec::new() };
    let config = InsertUseConfig {
        granularity: ImportGranularity::Module,
        enforce_granularity: false,
        prefix_kind: ra_ap_hir::PrefixKind::Plain,
        group: true,
        skip_glob_imports: true,
    };
    let path = editor.make().path_from_text(path);
    insert_use_with_editor(&scope, path, &config, &editor);
    Some(editor.finish().new_root().to_string())
}

/// The expression spanning exactly `range` inside a macro call's arguments, re-parsed with
/// the real file's offsets (`analyse/macros.rs`), and the macro call, whose place in the file
/// decides whether the code is async.
fn macro_argument(root: &SyntaxNode, range: TextRange) -> Option<(ast::Expr, SyntaxNode)> {
    use crate::analyse::macros::{MacroBody, read_macro};
    let call = match root.covering_element(range) {
        ra_ap_syntax::NodeOrToken::Node(node) => node,
        ra_ap_syntax::NodeOrToken::Token(token) => token.parent()?,
    }
    .ancestors()
    .find_map(ast::MacroCall::cast)?;
    let MacroBody::Exprs { exprs, .. } = read_macro(&call, Edition::CURRENT) else { return None };
    let found = exprs.iter().find_map(|expr| {
        expr.syntax()
            .descendants()
            .filter(|node| node.text_range() == range)
            .find_map(ast::Expr::cast)
    })?;
    Some((found, call.syntax().clone()))
}

/// The node spanning exactly `range` (the outermost one, as rust-analyzer's ranges are).
fn node_with_range(root: &SyntaxNode, range: TextRange) -> Option<SyntaxNode> {
    if range.end() > root.text_range().end() {
        return None;
    }
    let start = match root.covering_element(range) {
        ra_ap_syntax::NodeOrToken::Node(node) => node,
        ra_ap_syntax::NodeOrToken::Token(token) => token.parent()?,
    };
    start.ancestors().take_while(|node| node.text_range() == range).last()
}

/// `Arc<Mutex<T>>` → `Arc<tokio::sync::Mutex<T>>`: the one path naming the lock type.
fn retype(field_type: &ast::Type, target: &Target, names: &[String]) -> Result<TextEdit, String> {
    let mut paths = field_type
        .syntax()
        .descendants()
        .filter_map(ast::PathType::cast)
        .filter_map(|path_type| path_type.path())
        .filter(|path| last_name(path).is_some_and(|name| names.contains(&name)));
    let (Some(path), None) = (paths.next(), paths.next()) else {
        return Err(format!("the field's type does not name one `{}`", target.type_name));
    };
    Ok(replace_up_to_name(&path, target.tokio_path))
}

/// `Mutex::new(x)` (or `std::sync::Mutex::new(x)`) inside the expression that builds the lock
/// → tokio's; `const_new` where it is evaluated at compile time (a `static`'s or `const`'s
/// value outside any closure), as tokio's `new` is not a `const fn`.
fn reconstruct(
    init: &ast::Expr,
    target: &Target,
    names: &[String],
    name: &str,
) -> Result<TextEdit, String> {
    let mut constructors = init
        .syntax()
        .descendants()
        .filter_map(ast::PathExpr::cast)
        .filter_map(|path_expr| path_expr.path())
        .filter(|path| matches!(last_name(path).as_deref(), Some("new" | "const_new")))
        .filter(|path| {
            let qualifier = path.qualifier();
            qualifier.is_some_and(|qualifier| {
                last_name(&qualifier).is_some_and(|qualifier| names.contains(&qualifier))
            })
        });
    let (Some(path), None) = (constructors.next(), constructors.next()) else {
        return Err(format!(
            "`{name}` is built by `{}`, not by one `{}::new`",
            init.syntax().text(),
            target.type_name
        ));
    };
    let const_context = init.syntax().parent().is_some_and(|parent| {
        ast::Static::can_cast(parent.kind()) || ast::Const::can_cast(parent.kind())
    }) && !path
        .syntax()
        .ancestors()
        .take_while(|node| node != init.syntax())
        .any(|node| ast::ClosureExpr::can_cast(node.kind()));
    if !const_context {
        return Ok(replace_up_to_name(&path.qualifier().ok_or("no qualifier")?, target.tokio_path));
    }
    let generic_args = path.segment().and_then(|segment| segment.generic_arg_list());
    let generic_args = generic_args.map(|args| args.syntax().to_string()).unwrap_or_default();
    Ok(TextEdit {
        range: path.syntax().text_range().into(),
        replacement: format!("{}::const_new{generic_args}", target.tokio_path),
    })
}

/// `x.field.lock().unwrap()` → `x.field.lock().await`, in async code only.
/// The edit one use of the lock needs, `None` when tokio's lock takes it as written.
///
/// - `lock()`/`read()`/`write()`: see [`await_acquisition`];
/// - `try_lock()`/`try_read()`/`try_write()`: the same call on tokio's lock, when its result is
///   only unwrapped or tested (`unwrap`, `expect`, `ok`, `is_ok`, `is_err`): std's and tokio's
///   error types differ, so matching on the error is refused;
/// - `into_inner()`/`get_mut()`: tokio's return the value itself, so std's `.unwrap()` goes.
fn convert_use(
    receiver: &ast::Expr,
    context: &SyntaxNode,
    target: &Target,
    at: &str,
) -> Result<Option<TextEdit>, String> {
    let refuse = |what: &str| Err(format!("{at}: {what}"));
    let Some(call) = receiver.syntax().parent().and_then(ast::MethodCallExpr::cast) else {
        return refuse("the lock is used other than by calling a method on it");
    };
    let method = call.name_ref().map(|name| name.text().to_string()).unwrap_or_default();
    let no_args = call.arg_list().is_some_and(|args| args.args().next().is_none());
    let outer = call.syntax().parent().and_then(ast::MethodCallExpr::cast);
    let outer_name =
        outer.as_ref().and_then(|outer| outer.name_ref()).map(|name| name.text().to_string());
    match method.as_str() {
        _ if !no_args => refuse(&format!("`{method}(…)` on the lock has no tokio form")),
        "try_lock" | "try_read" | "try_write" => {
            let tested = outer_name.as_deref().is_some_and(|name| {
                matches!(name, "unwrap" | "expect" | "ok" | "is_ok" | "is_err")
            });
            if tested {
                Ok(None)
            } else {
                refuse(&format!(
                    "`{method}()`'s error is matched on, and tokio's error type differs"
                ))
            }
        }
        "into_inner" | "get_mut" if !target.poisoning => Ok(None),
        "into_inner" | "get_mut" => match (&outer, outer_name.as_deref()) {
            (Some(outer), Some("unwrap" | "expect")) => {
                let start = call.syntax().text_range().end();
                Ok(Some(TextEdit {
                    range: TextRange::new(start, outer.syntax().text_range().end()).into(),
                    replacement: String::new(),
                }))
            }
            _ => {
                refuse(&format!("`{method}()`'s `LockResult` is used other than by unwrapping it"))
            }
        },
        _ if target.acquire_methods.contains(&method.as_str()) => {
            await_acquisition(context, &call, &method, target, at).map(Some)
        }
        _ => refuse(&format!("`{method}` on the lock has no tokio form guardfix knows")),
    }
}

/// `x.field.lock().unwrap()` → `x.field.lock().await` in async code, `blocking_lock()` on a
/// thread that is provably not a runtime worker; refused elsewhere.
fn await_acquisition(
    context: &SyntaxNode,
    call: &ast::MethodCallExpr,
    method: &str,
    target: &Target,
    at: &str,
) -> Result<TextEdit, String> {
    let refuse = |what: &str| Err(format!("{at}: {what}"));
    let replacement = if in_async_code(context) {
        format!("{method}().await")
    } else if on_blocking_thread(context) {
        // `spawn_blocking` and `std::thread::spawn` closures never run on a runtime thread.
        format!("blocking_{method}()")
    } else {
        return refuse(
            "acquired in sync code that may run on a runtime thread, where tokio's lock would need `blocking_lock()`, which panics there",
        );
    };
    let name_start = call.name_ref().map(|name| name.syntax().text_range().start());
    let name_start = name_start.ok_or("no method name")?;
    let mut end = call.syntax().text_range().end();
    if target.poisoning {
        let unwrap = call.syntax().parent().and_then(ast::MethodCallExpr::cast);
        let unwrapped = unwrap.filter(|outer| {
            outer
                .name_ref()
                .is_some_and(|name| matches!(name.text(), "unwrap" | "expect" | "unwrap_or_else"))
        });
        let Some(unwrap) = unwrapped else {
            return refuse("the lock's `LockResult` is used other than by unwrapping it");
        };
        end = unwrap.syntax().text_range().end();
    }
    Ok(TextEdit { range: TextRange::new(name_start, end).into(), replacement })
}

/// Whether the code runs in a closure handed to `spawn_blocking` or `std::thread::spawn`
/// (and not in a fn or closure nested inside it), or directly in a sync `#[test]` fn: a
/// thread that is never a runtime worker.
fn on_blocking_thread(node: &SyntaxNode) -> bool {
    let Some(closure) = node.ancestors().find_map(|ancestor| {
        if let Some(function) = ast::Fn::cast(ancestor.clone()) {
            return Some(Err(function));
        }
        ast::ClosureExpr::cast(ancestor).map(Ok)
    }) else {
        return false;
    };
    let closure = match closure {
        Ok(closure) => closure,
        Err(function) => return function.async_token().is_none() && is_test(&function),
    };
    let call = closure
        .syntax()
        .parent()
        .and_then(ast::ArgList::cast)
        .and_then(|args| args.syntax().parent())
        .and_then(ast::CallExpr::cast);
    let callee = call.and_then(|call| match call.expr()? {
        ast::Expr::PathExpr(path) => Some(path.path()?.syntax().text().to_string()),
        _ => None,
    });
    callee.is_some_and(|callee| {
        let callee: String = callee.split_whitespace().collect();
        callee.ends_with("spawn_blocking")
            || callee == "thread::spawn"
            || callee == "std::thread::spawn"
    })
}

/// `#[test] fn …`: the test harness runs it on a thread of its own.
fn is_test(function: &ast::Fn) -> bool {
    use ra_ap_syntax::ast::HasAttrs;
    function.attrs().any(|attr| attr.as_simple_atom().is_some_and(|name| name == "test"))
}

/// Whether the innermost fn, closure or block that decides is async.
fn in_async_code(node: &SyntaxNode) -> bool {
    for ancestor in node.ancestors() {
        if let Some(function) = ast::Fn::cast(ancestor.clone()) {
            return function.async_token().is_some();
        }
        if let Some(closure) = ast::ClosureExpr::cast(ancestor.clone()) {
            return closure.async_token().is_some();
        }
        if ast::BlockExpr::cast(ancestor).is_some_and(|block| block.async_token().is_some()) {
            return true;
        }
    }
    false
}

fn last_name(path: &ast::Path) -> Option<String> {
    Some(path.segment()?.name_ref()?.text().to_string())
}

/// Replaces a path up to its last segment's name (keeping generic arguments) with `new`.
fn replace_up_to_name(path: &ast::Path, new: &str) -> TextEdit {
    let start = path.syntax().text_range().start();
    let end = path
        .segment()
        .and_then(|segment| segment.name_ref())
        .map_or(path.syntax().text_range().end(), |name| name.syntax().text_range().end());
    TextEdit { range: TextRange::new(start, end).into(), replacement: new.to_owned() }
}

/// How often `name` is written unqualified (`Mutex<T>`, `Mutex::new`: what an import of it
/// serves) outside `use` items; `tokio::sync::Mutex` does not count.
fn names_outside_imports(root: &SyntaxNode, name: &str) -> usize {
    root.descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| token.kind() == SyntaxKind::IDENT && token.text() == name)
        .filter(|token| !token.parent_ancestors().any(|node| ast::Use::can_cast(node.kind())))
        .filter(|token| {
            let path = token.parent_ancestors().find_map(ast::Path::cast);
            path.is_none_or(|path| path.qualifier().is_none())
        })
        .count()
}

/// Removes `Mutex` from `use std::sync::{Arc, Mutex};` (or the whole `use std::sync::Mutex;`),
/// and parking_lot's likewise.
/// Returns the edit and the module the import was in (names from the file's root).
fn remove_import(root: &SyntaxNode, text: &str, name: &str) -> Option<(TextEdit, Vec<String>)> {
    let tree = root.descendants().filter_map(ast::UseTree::cast).find(|tree| {
        tree.use_tree_list().is_none()
            && imported_name(tree).as_deref() == Some(name)
            && ["std::sync", "parking_lot"].iter().any(|prefix| full_path(tree).starts_with(prefix))
    })?;
    let mut module: Vec<String> = tree
        .syntax()
        .ancestors()
        .filter_map(ast::Module::cast)
        .filter_map(|module| Some(module.name()?.text().to_string()))
        .collect();
    module.reverse();
    Some((import_removal(&tree, text)?, module))
}

/// The edit removing one use tree: from its list, or with its `use` item.
fn import_removal(tree: &ast::UseTree, text: &str) -> Option<TextEdit> {
    let range = tree.syntax().text_range();
    let list = tree.syntax().parent().and_then(ast::UseTreeList::cast);
    if let Some(list) = &list {
        // `{Arc, Mutex}` → `Arc`: no braces around a single import.
        let others: Vec<ast::UseTree> =
            list.use_trees().filter(|other| other.syntax() != tree.syntax()).collect();
        if let [only] = others.as_slice() {
            return Some(TextEdit {
                range: list.syntax().text_range().into(),
                replacement: only.syntax().text().to_string(),
            });
        }
    }
    if list.is_some() {
        // The element and the comma after it (or before it, when it is the last one).
        let after = &text[usize::from(range.end())..];
        let trailing = after.len() - after.trim_start_matches([',', ' ', '\n', '\t']).len();
        let closing = after[trailing..].starts_with('}');
        if !closing {
            let end = u32::from(range.end()) + trailing as u32;
            return Some(TextEdit {
                range: crate::finding::Span::new(range.start().into(), end),
                replacement: String::new(),
            });
        }
        let before = &text[..usize::from(range.start())];
        let leading = before.len() - before.trim_end_matches([',', ' ', '\n', '\t']).len();
        let start = u32::from(range.start()) - leading as u32;
        return Some(TextEdit {
            range: crate::finding::Span::new(start, range.end().into()),
            replacement: String::new(),
        });
    }
    let item = tree.syntax().ancestors().find_map(ast::Use::cast)?;
    let item_range = item.syntax().text_range();
    let mut end = usize::from(item_range.end());
    if text[end..].starts_with('\n') {
        end += 1;
    }
    Some(TextEdit {
        range: crate::finding::Span::new(item_range.start().into(), end as u32),
        replacement: String::new(),
    })
}

/// The path a use tree imports, with its parents' prefixes (`std::sync::{Arc, Mutex}` gives
/// `std::sync::Mutex` for the `Mutex` tree).
fn full_path(tree: &ast::UseTree) -> String {
    let mut parts: Vec<String> = Vec::new();
    for node in tree.syntax().ancestors() {
        if let Some(path) = ast::UseTree::cast(node).and_then(|ancestor| ancestor.path()) {
            parts.push(path.syntax().text().to_string());
        }
    }
    parts.reverse();
    parts.join("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> SyntaxNode {
        SourceFile::parse(text, Edition::CURRENT).tree().syntax().clone()
    }

    /// The `x.field` expressions of a file, in order: the uses `convert_use` is given.
    fn field_uses(root: &SyntaxNode) -> Vec<ast::Expr> {
        root.descendants().filter_map(ast::FieldExpr::cast).map(ast::Expr::FieldExpr).collect()
    }

    fn without_import(text: &str) -> String {
        let (edit, _) = remove_import(&root(text), text, "Mutex").expect("an import to remove");
        apply_edits(text, &[edit]).unwrap()
    }

    #[test]
    fn the_import_goes_from_its_list_or_with_its_item() {
        assert_eq!(without_import("use std::sync::{Arc, Mutex};\n"), "use std::sync::Arc;\n");
        assert_eq!(
            without_import("use std::sync::{Mutex, Arc, RwLock};\n"),
            "use std::sync::{Arc, RwLock};\n"
        );
        assert_eq!(
            without_import("use std::sync::{Arc, RwLock, Mutex};\n"),
            "use std::sync::{Arc, RwLock};\n"
        );
        assert_eq!(without_import("use std::sync::Mutex;\nfn f() {}\n"), "fn f() {}\n");
        assert!(remove_import(&root("use my::Mutex;\n"), "use my::Mutex;\n", "Mutex").is_none());
    }

    #[test]
    fn std_guard_types_stop_the_switch_and_tokio_ones_do_not() {
        let target = target_for("std::sync::Mutex").unwrap();
        let std_guard = "use std::sync::MutexGuard;\nfn helper(g: &mut MutexGuard<'_, u32>) {}\n";
        let range = names_a_guard_type(&root(std_guard), &target, &[], &[]).expect("std's guard");
        assert_eq!(&std_guard[range], "MutexGuard<'_, u32>");
        let tokio_guard = "use tokio::sync::MutexGuard;\nfn helper(g: &mut MutexGuard<'_, u32>) {}\nfn other(g: tokio::sync::MutexGuard<'_, u8>) {}\n";
        assert_eq!(names_a_guard_type(&root(tokio_guard), &target, &[], &[]), None);
        let read_guard = "fn helper(g: std::sync::RwLockReadGuard<'_, u32>) {}\n";
        assert_eq!(names_a_guard_type(&root(read_guard), &target, &[], &[]), None);
        assert!(
            names_a_guard_type(
                &root(read_guard),
                &target_for("std::sync::RwLock").unwrap(),
                &[],
                &[]
            )
            .is_some()
        );
    }

    #[test]
    fn a_guard_of_another_lock_does_not_stop_the_switch() {
        let target = target_for("std::sync::Mutex").unwrap();
        let text = "struct S { config: Mutex<Config>, hits: Mutex<u64> }
impl S {
    fn config(&self) -> MutexGuard<'_, Config> { self.config.lock().unwrap() }
    async fn hit(&self) { let g = self.hits.lock().unwrap(); }
}
";
        let root = root(text);
        let hits_use = TextRange::at((text.find("self.hits").unwrap() as u32).into(), 9.into());
        let hits = ["u64".to_owned()];
        assert_eq!(names_a_guard_type(&root, &target, &hits, &[hits_use]), None);
        // The guard of the lock being switched stops it, and so does one of unknown type.
        let config = ["Config".to_owned()];
        let config_use =
            TextRange::at((text.find("self.config").unwrap() as u32).into(), 11.into());
        assert!(names_a_guard_type(&root, &target, &config, &[config_use]).is_some());
        assert!(names_a_guard_type(&root, &target, &[], &[hits_use]).is_some());
    }

    #[test]
    fn try_lock_stays_and_into_inner_loses_its_unwrap() {
        let text = "fn f(s: S) -> bool { s.m.try_lock().is_ok() }\nfn g(s: S) -> u32 { s.m.into_inner().unwrap() }\nfn h(s: &S) { match s.m.try_lock() { Err(_) => {} Ok(_) => {} } }\n";
        let root = root(text);
        let target = target_for("std::sync::Mutex").unwrap();
        let uses = field_uses(&root);
        assert_eq!(convert_use(&uses[0], uses[0].syntax(), &target, "x"), Ok(None));
        let edit = convert_use(&uses[1], uses[1].syntax(), &target, "x").unwrap().unwrap();
        assert!(
            apply_edits(text, &[edit]).unwrap().contains("fn g(s: S) -> u32 { s.m.into_inner() }")
        );
        assert!(convert_use(&uses[2], uses[2].syntax(), &target, "x").is_err());
    }

    #[test]
    fn acquisitions_in_sync_code_are_refused() {
        let text = "struct S { m: std::sync::Mutex<u32> }\nfn f(s: &S) -> u32 { *s.m.lock().unwrap() }\nasync fn g(s: &S) -> u32 { *s.m.lock().unwrap() }\n";
        let root = root(text);
        let target = target_for("std::sync::Mutex").unwrap();
        let uses = field_uses(&root);
        assert!(convert_use(&uses[0], uses[0].syntax(), &target, "x").is_err());
        let blocking = "fn h(s: std::sync::Arc<S>) { tokio::task::spawn_blocking(move || *s.m.lock().unwrap()); }";
        let blocking_root = SourceFile::parse(blocking, Edition::CURRENT).tree().syntax().clone();
        let use_site = ast::Expr::FieldExpr(
            blocking_root.descendants().find_map(ast::FieldExpr::cast).unwrap(),
        );
        let edit = convert_use(&use_site, use_site.syntax(), &target, "x").unwrap().unwrap();
        assert!(apply_edits(blocking, &[edit]).unwrap().contains("*s.m.blocking_lock());"));
        let edit = convert_use(&uses[1], uses[1].syntax(), &target, "x").unwrap().unwrap();
        assert_eq!(
            apply_edits(text, &[edit]).unwrap().lines().last(),
            Some("async fn g(s: &S) -> u32 { *s.m.lock().await }")
        );
    }

    #[test]
    fn a_sync_test_fn_takes_the_lock_blocking() {
        let text = "#[test]\nfn t() { assert_eq!(*S.m.lock().unwrap(), 0); let f = || *S.m.lock().unwrap(); }\n#[tokio::test]\nfn u() { *S.m.lock().unwrap(); }\n";
        let root = root(text);
        let target = target_for("std::sync::Mutex").unwrap();
        let uses = field_uses(&root);
        // `assert_eq!`'s argument is a token tree here; its place is the macro call's.
        let call = root.descendants().find(|node| ast::MacroCall::can_cast(node.kind())).unwrap();
        let (in_macro, context) = macro_argument(
            &root,
            TextRange::new(
                text.find("S.m").unwrap().try_into().unwrap(),
                (text.find("S.m").unwrap() + 3).try_into().unwrap(),
            ),
        )
        .unwrap();
        assert_eq!(context, call);
        let edit = convert_use(&in_macro, &context, &target, "x").unwrap().unwrap();
        assert!(
            apply_edits(text, &[edit]).unwrap().contains("assert_eq!(*S.m.blocking_lock(), 0)")
        );
        // A closure inside the test may be handed to anything; `#[tokio::test]` runs on a runtime.
        assert!(convert_use(&uses[0], uses[0].syntax(), &target, "x").is_err());
        assert!(convert_use(&uses[1], uses[1].syntax(), &target, "x").is_err());
    }
}
