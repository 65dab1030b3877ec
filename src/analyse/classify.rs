//! Classifying expressions: what a receiver is, and whether an expression creates a guard.
//!
//! A receiver is classified by what it *is* (its declared type, through locals, fields,
//! statics, aliases and fn return types), never by the method's name alone: `file.read(&mut
//! buf)` is no lock read, a user type's own `lock()` is no lock. The one name-based fallback,
//! for receivers whose type nothing in the crate declares (a field of a dependency's struct),
//! is the std `LockResult` shape `x.lock().unwrap()`; it is skipped when the crate declares a
//! method of that name itself.
//!
//! The semantic layer (rust-analyzer's `hir`, `src/semantic/`) plugs in as a `TypeOracle`:
//! it answers `type_of` exactly where this syntactic classifier says `Unknown`, and its answer
//! replaces the name-based fallback. Without an oracle, the classifier counts the receivers it
//! could not classify (`unresolved`), which tells the driver whether loading the semantic
//! layer is worth it.

use std::cell::Cell;

use ra_ap_syntax::{AstNode, ast, ast::HasArgList};

use super::imports::Imports;
use super::index::ItemIndex;
use super::lock_types::{self, LockClass, LockFamily};
use super::types::{Ty, expr_path_string, last_segment};

/// What is known in the scope being analysed: locals' types and the `Self` type.
pub trait Locals {
    fn local_ty(&self, name: &str) -> Option<Ty>;
    fn self_type(&self) -> Option<&str>;
}

/// Where a guard comes from: shown in findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acquisition {
    pub lock: &'static str,
    pub class: LockClass,
    pub method: String,
}

/// Exact types from outside the syntax tree: rust-analyzer's inference (`src/semantic/`).
pub trait TypeOracle {
    /// The type of `expr` (a node of the tree being analysed), `None` when not known either.
    fn type_of(&self, expr: &ast::Expr) -> Option<Ty>;
}

pub struct Classifier<'a> {
    pub index: &'a ItemIndex,
    pub imports: &'a Imports,
    pub oracle: Option<&'a dyn TypeOracle>,
    /// Receivers of acquire-like calls (and calls that may return a guard) whose type neither
    /// the syntax nor an oracle could tell.
    pub unresolved: Cell<usize>,
}

impl<'a> Classifier<'a> {
    pub fn new(index: &'a ItemIndex, imports: &'a Imports) -> Self {
        Classifier { index, imports, oracle: None, unresolved: Cell::new(0) }
    }

    pub fn with_oracle(mut self, oracle: Option<&'a dyn TypeOracle>) -> Self {
        self.oracle = oracle;
        self
    }

    pub fn type_of(&self, expr: &ast::Expr, locals: &dyn Locals) -> Ty {
        self.type_of_at_depth(expr, locals, 0)
    }

    /// The oracle's type for `expr`, when there is an oracle and it knows.
    pub fn exact_type_of(&self, expr: &ast::Expr) -> Option<Ty> {
        self.oracle?.type_of(expr)
    }

    /// Notes a receiver or call the syntax cannot classify (only counted without an oracle).
    pub fn note_unresolved(&self) {
        if self.oracle.is_none() {
            self.unresolved.set(self.unresolved.get() + 1);
        }
    }

    fn type_of_at_depth(&self, expr: &ast::Expr, locals: &dyn Locals, depth: usize) -> Ty {
        if depth > 16 {
            return Ty::Unknown;
        }
        let syntactic = self.syntactic_type_of(expr, locals, depth);
        if syntactic != Ty::Unknown {
            return syntactic;
        }
        self.exact_type_of(expr).unwrap_or(Ty::Unknown)
    }

    fn syntactic_type_of(&self, expr: &ast::Expr, locals: &dyn Locals, depth: usize) -> Ty {
        let recurse = |inner: &ast::Expr| self.type_of_at_depth(inner, locals, depth + 1);
        match expr {
            ast::Expr::PathExpr(path_expr) => {
                let Some(path) = path_expr.path() else { return Ty::Unknown };
                if path.qualifier().is_none() {
                    let Some(segment) = path.segment() else { return Ty::Unknown };
                    if segment.self_token().is_some() {
                        return locals
                            .self_type()
                            .map_or(Ty::Unknown, |own| Ty::Named(own.to_owned()));
                    }
                    if let Some(name) = segment.name_ref() {
                        if let Some(ty) = locals.local_ty(name.text()) {
                            return ty;
                        }
                        return self.index.static_ty(name.text());
                    }
                }
                match expr_path_string(&path, self.imports) {
                    Some(full) => self.index.static_ty(last_segment(&full)),
                    None => Ty::Unknown,
                }
            }
            ast::Expr::ParenExpr(paren) => paren.expr().map_or(Ty::Unknown, |e| recurse(&e)),
            ast::Expr::RefExpr(reference) => reference.expr().map_or(Ty::Unknown, |e| recurse(&e)),
            ast::Expr::PrefixExpr(prefix) => match prefix.op_kind() {
                Some(ast::UnaryOp::Deref) => prefix.expr().map_or(Ty::Unknown, |e| recurse(&e)),
                _ => Ty::Unknown,
            },
            ast::Expr::FieldExpr(field) => {
                let (Some(receiver), Some(name)) = (field.expr(), field.name_ref()) else {
                    return Ty::Unknown;
                };
                let name = name.text().to_string();
                match recurse(&receiver) {
                    Ty::Named(owner) => self.index.field_ty(&owner, &name),
                    Ty::Guard(..) | Ty::Lock(_) | Ty::Elements(_) => Ty::Unknown,
                    Ty::Unknown => self.index.field_ty_any_struct(&name),
                }
            }
            ast::Expr::IndexExpr(index) => match index.base().map(|base| recurse(&base)) {
                Some(Ty::Elements(element)) => *element,
                _ => Ty::Unknown,
            },
            ast::Expr::MethodCallExpr(call) => self.method_call_ty(call, locals, depth),
            ast::Expr::CallExpr(call) => self.call_ty(call, locals, depth),
            ast::Expr::AwaitExpr(await_expr) => {
                // `m.lock().await` on an async lock is its guard.
                match await_expr.expr() {
                    Some(ast::Expr::MethodCallExpr(call)) => {
                        match self.acquisition_of_method(&call, locals, true) {
                            Some(acquisition) => Ty::Guard(acquisition.class, acquisition.lock),
                            None => Ty::Unknown,
                        }
                    }
                    _ => Ty::Unknown,
                }
            }
            ast::Expr::TryExpr(try_expr) => try_expr.expr().map_or(Ty::Unknown, |e| recurse(&e)),
            ast::Expr::MacroExpr(_) | ast::Expr::BlockExpr(_) => Ty::Unknown,
            _ => Ty::Unknown,
        }
    }

    fn method_call_ty(&self, call: &ast::MethodCallExpr, locals: &dyn Locals, depth: usize) -> Ty {
        let (Some(receiver), Some(name)) = (call.receiver(), call.name_ref()) else {
            return Ty::Unknown;
        };
        let method = name.text().to_string();
        let receiver_ty = self.type_of_at_depth(&receiver, locals, depth + 1);
        if let Some(acquisition) = self.acquisition_for(call, receiver_ty.clone(), false) {
            return Ty::Guard(acquisition.class, acquisition.lock);
        }
        match (&receiver_ty, method.as_str()) {
            // `Arc::clone` through method syntax, `as_ref`, `deref`: the same lock.
            (Ty::Lock(_) | Ty::Named(_), "clone" | "as_ref" | "deref" | "borrow" | "by_ref") => {
                return receiver_ty;
            }
            (Ty::Guard(..), _) if lock_types::passes_guard_through(&method) => return receiver_ty,
            (Ty::Elements(element), "get" | "get_mut" | "first" | "last" | "iter" | "values") => {
                // `locks.get(i)` is an `Option<&Mutex>`: the guard comes from `.unwrap().lock()`.
                return (**element).clone();
            }
            (Ty::Lock(_) | Ty::Named(_) | Ty::Unknown, _)
                if matches!(method.as_str(), "unwrap" | "expect") =>
            {
                return receiver_ty;
            }
            _ => {}
        }
        let self_type = match &receiver_ty {
            Ty::Named(owner) => Some(owner.as_str()),
            _ => None,
        };
        match receiver_ty {
            Ty::Named(_) | Ty::Unknown => self.index.method_ret(self_type, &method),
            _ => Ty::Unknown,
        }
    }

    fn call_ty(&self, call: &ast::CallExpr, locals: &dyn Locals, depth: usize) -> Ty {
        let Some(ast::Expr::PathExpr(callee)) = call.expr() else { return Ty::Unknown };
        let Some(path) = callee.path() else { return Ty::Unknown };
        let Some(full) = expr_path_string(&path, self.imports) else { return Ty::Unknown };
        let mut segments: Vec<&str> = full.split("::").collect();
        let function = segments.pop().unwrap_or_default();
        let owner = segments.last().copied();
        let first_arg = || call.arg_list().and_then(|args| args.args().next());
        match (owner, function) {
            // `std::io::stdout()`: a lock on the process's stdout.
            (_, "stdout" | "stderr" | "stdin")
                if full.starts_with("std::io") || owner == Some("io") =>
            {
                let path = match function {
                    "stdout" => "std::io::Stdout",
                    "stderr" => "std::io::Stderr",
                    _ => "std::io::Stdin",
                };
                lock_types::family_by_path(path).map_or(Ty::Unknown, Ty::Lock)
            }
            (Some(owner), "new" | "default" | "from" | "const_new" | "new_with") => {
                let owner_path = segments.join("::");
                if self.index.declares_struct(owner) && !owner_path.contains("::") {
                    let ret = self.index.method_ret(Some(owner), function);
                    return if ret == Ty::Unknown { Ty::Named(owner.to_owned()) } else { ret };
                }
                if let Some(family) = lock_types::family_for_path(&owner_path) {
                    return Ty::Lock(family);
                }
                if super::types::is_transparent_wrapper(owner) {
                    return first_arg()
                        .map_or(Ty::Unknown, |arg| self.type_of_at_depth(&arg, locals, depth + 1));
                }
                Ty::Unknown
            }
            (Some(owner), "clone") if super::types::is_transparent_wrapper(owner) => first_arg()
                .map_or(Ty::Unknown, |arg| self.type_of_at_depth(&arg, locals, depth + 1)),
            // `MutexGuard::map(g, …)`, unless the crate has a `MutexGuard` of its own (an
            // async lock crate's).
            (Some(owner), _)
                if lock_types::guard_type(owner).is_some()
                    && !self.index.declares_struct(owner) =>
            {
                if lock_types::guard_constructor_fn(function) {
                    let (class, lock) = lock_types::guard_type(owner)
                        .unwrap_or((LockClass::Blocking, "std::sync::Mutex"));
                    // The mapped guard keeps the family of the guard passed in when known.
                    return match first_arg()
                        .map(|arg| self.type_of_at_depth(&arg, locals, depth + 1))
                    {
                        Some(guard @ Ty::Guard(..)) => guard,
                        _ => Ty::Guard(class, lock),
                    };
                }
                Ty::Unknown
            }
            (Some(owner), _) if self.index.declares_struct(owner) => {
                self.index.method_ret(Some(owner), function)
            }
            (None, _) => self.index.free_fn_ret(function),
            _ => Ty::Unknown,
        }
    }

    /// Whether `call` (`m.lock()`, `cell.borrow_mut()`, `sem.acquire()`) acquires a guard.
    /// `awaited` says whether the call is the operand of `.await`: async locks' acquisitions
    /// are futures, and only their awaited result is the guard.
    pub fn acquisition_of_method(
        &self,
        call: &ast::MethodCallExpr,
        locals: &dyn Locals,
        awaited: bool,
    ) -> Option<Acquisition> {
        let receiver = call.receiver()?;
        let receiver_ty = self.type_of(&receiver, locals);
        self.acquisition_for(call, receiver_ty, awaited)
    }

    /// `acquisition_of_method` with the receiver's type already known.
    fn acquisition_for(
        &self,
        call: &ast::MethodCallExpr,
        receiver_ty: Ty,
        awaited: bool,
    ) -> Option<Acquisition> {
        let method = call.name_ref()?.text().to_string();
        let arg_count = call.arg_list().map_or(0, |args| args.args().count());
        let family = match receiver_ty {
            Ty::Lock(family) if family.acquire_methods.contains(&method.as_str()) => family,
            Ty::Lock(_) => return None,
            Ty::Unknown => self.fallback_family(call, &method, arg_count)?,
            _ => return None,
        };
        let class = class_for_shape(family, awaited);
        if class == LockClass::Async && !awaited && !method.starts_with("try_") {
            // `tokio_mutex.lock()` is a future, not yet a guard.
            return None;
        }
        Some(Acquisition { lock: family.path, class, method })
    }

    /// The name-based fallback for receivers nothing declares: only the unmistakable
    /// `x.lock().unwrap()` / `x.read().expect(…)` shapes of std's poisoning locks.
    fn fallback_family(
        &self,
        call: &ast::MethodCallExpr,
        method: &str,
        arg_count: usize,
    ) -> Option<LockFamily> {
        if arg_count != 0 || self.index.declares_unwrappable_method(method) {
            return None;
        }
        let parent = call.syntax().parent().and_then(ast::MethodCallExpr::cast)?;
        let unwrapped =
            parent.name_ref().is_some_and(|name| matches!(name.text(), "unwrap" | "expect"));
        if !unwrapped {
            return None;
        }
        match method {
            "lock" => lock_types::family_by_path("std::sync::Mutex"),
            "read" | "write" => lock_types::family_by_path("std::sync::RwLock"),
            _ => None,
        }
    }
}

/// A lock written without a resolvable path (`Mutex<T>` under a glob import) is blocking
/// unless its acquisition is awaited.
fn class_for_shape(family: LockFamily, awaited: bool) -> LockClass {
    let unresolved = !family.path.contains("::");
    if unresolved && awaited { LockClass::Async } else { family.class }
}
