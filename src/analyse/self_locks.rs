//! Which locks each fn of a crate takes, directly or through the fns it calls, at any depth
//! and across files: a guard of `self.state` alive at a call of `self.refresh()`, which
//! (maybe through `self.load()` in another file) locks `self.state`, is the lock taken twice
//! through a call (`--deadlocks`).
//!
//! ```text
//! impl Cache {
//!     async fn get(&self) -> u32 {
//!         let state = self.state.lock().await;
//!         if state.is_empty() { self.refresh().await; }   // refresh locks self.state: hangs
//!         state[0]
//!     }
//! }
//! // in another file of the crate
//! impl Cache {
//!     async fn refresh(&self) { self.load().await }
//!     async fn load(&self) { self.state.lock().await.push(1); }
//! }
//! ```
//!
//! Each fn's own facts (`FnLocks`: the locks of `self` and the statics it takes, the fns it
//! calls) are kept in the crate index with its other declarations (`ItemIndex::fn_locks`), so
//! the cache keeps them per file. Calls are resolved by name as the syntax spells them:
//! `self.m()` to the methods named `m` of the impls of the caller's type, `f()` and
//! `module::f()` to the crate's free fns named `f`. A name with several definitions (two
//! modules' `Store`, `cfg` variants) counts only the locks every definition takes.
//!
//! Only what runs in the fn's own body counts: a lock taken in a closure or an async block (a
//! spawned task, say) runs elsewhere or later.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use ra_ap_syntax::{AstNode, SyntaxNode, ast, ast::HasName};
use serde::{Deserialize, Serialize};

use super::index::{ItemIndex, enclosing_impl_self_type};
use super::lock_types;

/// A lock a fn takes: its place (`self.state`, or a static's name, `STATE`) and the acquiring
/// method (`lock`).
pub type TakenLock = (String, String);

/// What one fn's own body does with locks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FnLocks {
    /// The locks of `self` and the statics it takes, by `TakenLock`.
    pub takes: BTreeSet<TakenLock>,
    /// The fns it calls that may take more, by `fn_key`.
    pub calls: BTreeSet<String>,
    /// Those of `calls` awaited where called (`self.refresh().await`): an async fn's body
    /// runs only when its future is awaited, so an async callee counts only from these.
    pub awaited: BTreeSet<String>,
    /// Whether it is an `async fn` (its locks are taken when its call is awaited).
    pub is_async: bool,
    /// Per lock whose `let` guard the fn holds: what it takes and calls while that guard may
    /// be alive (a syntactic under-approximation of the guard's life, for the lock order of
    /// fns in other files: `lock-order-inversion`).
    pub while_held: BTreeMap<TakenLock, FnLocks>,
}

/// How many fns one query may visit: a bound for pathological call graphs.
const MAX_VISITED: usize = 4096;

/// The key of a fn: `Type::name` for a method of an impl of `Type`, `::name` for a free fn.
pub fn fn_key(self_type: Option<&str>, name: &str) -> String {
    format!("{}::{name}", self_type.unwrap_or(""))
}

/// A static lock's place as every fn names it: `crate::state::STATE.inner` is `STATE.inner`.
/// `None` for a place that is not a static (a local, a parameter, `self.…`).
pub fn static_place(place: &str) -> Option<String> {
    let (root, rest) =
        place.split_once('.').map_or((place, None), |(root, rest)| (root, Some(rest)));
    let last = root.rsplit("::").next()?;
    let is_static = last.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && last.chars().any(|c| c.is_ascii_uppercase());
    is_static.then(|| match rest {
        Some(rest) => format!("{last}.{rest}"),
        None => last.to_owned(),
    })
}

/// Every fn's own facts, gathered during one preorder walk of a file (`ItemIndex::add_file`
/// drives it with its own walk, so the facts cost no traversal of their own): feed it every
/// `enter` and `leave`, then take `done`.
#[derive(Default)]
pub struct FactsCollector {
    frames: Vec<Frame>,
    /// Fns that take a lock or call a fn, with their keys, in the order they end.
    done: Vec<(String, FnLocks)>,
}

/// A fn being walked.
struct Frame {
    scope: FnScope,
    /// `None` for a fn whose facts are not kept (a trait's: whose `self`?, or no body).
    key: Option<String>,
    /// How many closures and async blocks around the walk's position, inside this fn: what
    /// runs there runs elsewhere or later.
    hidden: u32,
    locks: FnLocks,
}

impl FactsCollector {
    pub fn enter(&mut self, node: &SyntaxNode) {
        if let Some(function) = ast::Fn::cast(node.clone()) {
            self.frames.push(Frame::of(&function));
            return;
        }
        let Some(frame) = self.frames.last_mut() else { return };
        if hides_what_runs_inside(node) {
            frame.hidden += 1;
        } else if frame.hidden == 0 && frame.key.is_some() {
            frame.scope.note(node, &mut frame.locks);
        }
    }

    pub fn leave(&mut self, node: &SyntaxNode) {
        if ast::Fn::can_cast(node.kind()) {
            let Some(frame) = self.frames.pop() else { return };
            let locks = frame.locks;
            if let Some(key) = frame.key
                && (!locks.takes.is_empty() || !locks.calls.is_empty())
            {
                self.done.push((key, locks));
            }
        } else if hides_what_runs_inside(node)
            && let Some(frame) = self.frames.last_mut()
        {
            frame.hidden = frame.hidden.saturating_sub(1);
        }
    }

    /// The facts worth keeping: none from a file where no fn takes a lock of `self` or a
    /// static (its fns' calls alone rarely lead to one, and every fn of every declaring file
    /// would otherwise be in the index: a call chain through such a file is not followed).
    pub fn finish(self) -> Vec<(String, FnLocks)> {
        let takes_locks = self.done.iter().any(|(_, locks)| !locks.takes.is_empty());
        if takes_locks { self.done } else { Vec::new() }
    }

    /// Every fn's facts in a tree (the file being analysed: none left out).
    pub fn of_tree(root: &SyntaxNode) -> Vec<(String, FnLocks)> {
        let mut collector = FactsCollector::default();
        for event in root.preorder() {
            match event {
                ra_ap_syntax::WalkEvent::Enter(node) => collector.enter(&node),
                ra_ap_syntax::WalkEvent::Leave(node) => collector.leave(&node),
            }
        }
        collector.done
    }
}

impl Frame {
    fn of(function: &ast::Fn) -> Frame {
        let impl_type = enclosing_impl_self_type(function.syntax());
        let in_trait = impl_type.is_none() && is_in_trait(function.syntax());
        let self_type = impl_type.clone().flatten();
        let key = match (function.name(), function.body().is_some() && !in_trait) {
            (Some(name), true) => Some(fn_key(self_type.as_deref(), name.text())),
            _ => None,
        };
        let scope = FnScope {
            function: function.syntax().clone(),
            is_method: impl_type.is_some(),
            self_type,
        };
        let locks = FnLocks { is_async: function.async_token().is_some(), ..FnLocks::default() };
        Frame { scope, key, hidden: 0, locks }
    }
}

/// A closure or an async block: what runs inside does not run with the fn's body.
fn hides_what_runs_inside(node: &SyntaxNode) -> bool {
    ast::ClosureExpr::can_cast(node.kind())
        || ast::BlockExpr::cast(node.clone()).is_some_and(|block| block.async_token().is_some())
}

/// The fn whose body is read, whether `self` is its impl's (a method), and the impl's type.
struct FnScope {
    function: SyntaxNode,
    is_method: bool,
    self_type: Option<String>,
}

impl FnScope {
    /// The locks taken and the fns called under `node`, where they run with the fn's body.
    fn collect(&self, node: &SyntaxNode, into: &mut FnLocks) {
        for node in node.descendants() {
            if self.runs_in_body(&node) {
                self.note_call(&node, into);
            }
        }
    }

    /// What one node of the fn's body, where it runs with the body, adds to the facts: a lock
    /// taken, a fn called, or (a `let` guard) what runs while the guard is held.
    fn note(&self, node: &SyntaxNode, into: &mut FnLocks) {
        if let Some(let_stmt) = ast::LetStmt::cast(node.clone()) {
            self.note_while_held(&let_stmt, &mut into.while_held);
        } else {
            self.note_call(node, into);
        }
    }

    fn note_call(&self, node: &SyntaxNode, into: &mut FnLocks) {
        if let Some(call) = ast::MethodCallExpr::cast(node.clone()) {
            let Some(method) = call.name_ref().map(|name| name.text().to_string()) else {
                return;
            };
            let Some(receiver) = call.receiver() else { return };
            if is_self(&receiver) {
                if self.is_method {
                    let key = fn_key(self.self_type.as_deref(), &method);
                    if is_awaited(call.syntax()) {
                        into.awaited.insert(key.clone());
                    }
                    into.calls.insert(key);
                }
            } else if let Some(taken) = self.taken_by(&receiver, &method) {
                into.takes.insert(taken);
            }
        } else if let Some(call) = ast::CallExpr::cast(node.clone())
            && let Some(callee) = free_fn_called(&call)
        {
            let key = fn_key(None, &callee);
            if is_awaited(call.syntax()) {
                into.awaited.insert(key.clone());
            }
            into.calls.insert(key);
        }
    }

    /// `receiver.method()` as a lock this fn takes: of a field of `self` or of a static.
    fn taken_by(&self, receiver: &ast::Expr, method: &str) -> Option<TakenLock> {
        let blocking = lock_types::BLOCKING_ACQUIRES.contains(&method);
        if !(lock_types::is_lock_like_method(method) || blocking) || method.starts_with("try_") {
            return None;
        }
        let place = super::liveness::lock_place(receiver)?;
        if place.starts_with("self.") {
            return self.is_method.then(|| (place, method.to_owned()));
        }
        static_place(&place).map(|place| (place, method.to_owned()))
    }

    /// `let guard = self.a.lock()…;`: what the statements after it in its block take and call
    /// until the guard may be gone (`drop(guard)`, or the guard moved: named other than as a
    /// receiver, a field's base, an index's base or a borrow).
    fn note_while_held(&self, let_stmt: &ast::LetStmt, into: &mut BTreeMap<TakenLock, FnLocks>) {
        let Some(ast::Pat::IdentPat(binding)) = let_stmt.pat() else { return };
        let Some(first) = let_stmt.initializer().and_then(|init| self.guard_taken_by(&init)) else {
            return;
        };
        let Some(guard) = binding.name().map(|name| name.text().to_string()) else { return };
        let mut held = FnLocks::default();
        let later = let_stmt.syntax().siblings(ra_ap_syntax::Direction::Next).skip(1);
        for item in later {
            if may_end_guard(&item, &guard) {
                break;
            }
            self.collect(&item, &mut held);
        }
        if !held.takes.is_empty() || !held.calls.is_empty() {
            let own = into.entry(first).or_default();
            own.takes.extend(held.takes);
            own.calls.extend(held.calls);
            own.awaited.extend(held.awaited);
        }
    }

    /// The lock whose guard an initializer gives: `self.a.lock()`, with `.await`, `.unwrap()`,
    /// `.expect(…)` or `?` after it (not `self.a.lock().unwrap().clone()`: a copy).
    fn guard_taken_by(&self, init: &ast::Expr) -> Option<TakenLock> {
        match init {
            ast::Expr::AwaitExpr(awaited) => self.guard_taken_by(&awaited.expr()?),
            ast::Expr::TryExpr(tried) => self.guard_taken_by(&tried.expr()?),
            ast::Expr::MethodCallExpr(call) => {
                let method = call.name_ref()?.text().to_string();
                let receiver = call.receiver()?;
                if matches!(method.as_str(), "unwrap" | "expect") {
                    return self.guard_taken_by(&receiver);
                }
                self.taken_by(&receiver, &method)
            }
            _ => None,
        }
    }

    /// Whether `node` runs when the fn's body runs: not inside a closure or async block.
    fn runs_in_body(&self, node: &SyntaxNode) -> bool {
        runs_in_body(node, &self.function)
    }
}

/// Whether a statement may end `guard`'s life: `drop(guard)`, or any use that may move it.
fn may_end_guard(node: &SyntaxNode, guard: &str) -> bool {
    node.descendants().filter_map(ast::PathExpr::cast).any(|path| {
        if path.syntax().text() != guard {
            return false;
        }
        let parent = path.syntax().parent();
        !parent.is_some_and(|parent| {
            ast::FieldExpr::can_cast(parent.kind())
                || ast::MethodCallExpr::can_cast(parent.kind())
                || ast::IndexExpr::can_cast(parent.kind())
                || ast::RefExpr::can_cast(parent.kind())
                || ast::PrefixExpr::can_cast(parent.kind())
        })
    })
}

/// The name of the free fn a call names: `f(…)`, `module::f(…)`, `crate::a::f(…)`; not
/// `Type::f(…)` (an associated fn) nor a local closure's call (a lower-case single name is
/// taken as a fn: a closure of that name resolves to no indexed fn, or to one of a crate fn's
/// facts, which only an unusual crate would make wrong).
pub fn free_fn_called(call: &ast::CallExpr) -> Option<String> {
    let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
    let path = callee.path()?;
    let name = path.segment()?.name_ref()?.text().to_string();
    let mut qualifier = path.qualifier();
    while let Some(segment_path) = qualifier {
        let segment = segment_path.segment()?;
        let text = crate::parse::tree_text(segment.syntax());
        if text.starts_with(|c: char| c.is_ascii_uppercase()) || text.starts_with('<') {
            return None;
        }
        qualifier = segment_path.qualifier();
    }
    name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_').then_some(name)
}

/// The crate's fns' facts, for one file's walk: the file's own (its current text), then the
/// crate index's; each query's closure over calls is remembered.
pub struct SelfLocks<'a> {
    /// The file's tree, and its fns' facts, read on the first query (most files make none).
    root: SyntaxNode,
    own: std::cell::OnceCell<HashMap<String, FnLocks>>,
    index: Option<&'a ItemIndex>,
    closed: RefCell<HashMap<String, Rc<BTreeSet<TakenLock>>>>,
}

impl std::fmt::Debug for SelfLocks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfLocks").field("own", &self.own.get()).finish_non_exhaustive()
    }
}

impl<'a> SelfLocks<'a> {
    /// A file's fns, resolved within the file alone.
    pub fn of_file(root: &SyntaxNode) -> SelfLocks<'static> {
        SelfLocks {
            root: root.clone(),
            own: Default::default(),
            index: None,
            closed: Default::default(),
        }
    }

    /// A file's fns and, behind them, every fn its crate's index knows; `indexed`: the index
    /// has this file's facts already (from its current text).
    pub fn of_crate(root: &SyntaxNode, index: &'a ItemIndex, indexed: bool) -> SelfLocks<'a> {
        let own = std::cell::OnceCell::new();
        if indexed {
            let _ = own.set(HashMap::new());
        }
        SelfLocks { root: root.clone(), own, index: Some(index), closed: Default::default() }
    }

    fn own(&self) -> &HashMap<String, FnLocks> {
        self.own.get_or_init(|| own_facts(&self.root))
    }

    /// The locks a call of the fn `key` takes, directly or through its calls at any depth;
    /// `awaited`: whether the call is awaited where it is made (else an async fn takes none).
    pub fn taken_by_call(&self, key: &str, awaited: bool) -> Rc<BTreeSet<TakenLock>> {
        let memo = format!("{key}{}", if awaited { ".await" } else { "" });
        if let Some(known) = self.closed.borrow().get(&memo) {
            return known.clone();
        }
        let mut taken = BTreeSet::new();
        let mut visited: HashSet<(String, bool)> = HashSet::new();
        let mut to_visit = vec![(key.to_owned(), awaited)];
        while let Some((next, awaited)) = to_visit.pop() {
            if visited.len() >= MAX_VISITED || !visited.insert((next.clone(), awaited)) {
                continue;
            }
            let Some(facts) = self.direct(&next) else { continue };
            if facts.is_async && !awaited {
                continue; // a future made and not awaited here: its body runs elsewhere, if at all
            }
            // A free fn's `self.…` cannot be the caller's self: only statics pass through.
            let through_free_fn = next.starts_with("::") && next != key;
            taken.extend(
                facts
                    .takes
                    .iter()
                    .filter(|(place, _)| !(through_free_fn && place.starts_with("self.")))
                    .cloned(),
            );
            to_visit.extend(
                facts
                    .calls
                    .iter()
                    .map(|call| (call.clone(), facts.awaited.contains(call)))
                    .filter(|visit| !visited.contains(visit)),
            );
        }
        let taken = Rc::new(taken);
        self.closed.borrow_mut().insert(memo, taken.clone());
        taken
    }

    /// A fn of the crate other than `except` (a key) that takes `second` while holding a
    /// `let` guard of `first` (places as the crate names them: `Type.field`, a static), with
    /// whether each of its two acquisitions excludes others.
    pub fn opposite_order(&self, first: &str, second: &str, except: &str) -> Option<OppositeOrder> {
        let index_fns = self.index.into_iter().flat_map(|index| index.all_fn_locks());
        let own = self.own();
        let own_fns = own.iter().map(|(key, locks)| (key, std::slice::from_ref(locks)));
        let index_only = index_fns.filter(|(key, _)| !own.contains_key(*key));
        for (key, defs) in own_fns.chain(index_only) {
            if key == except {
                continue;
            }
            let self_type = key.rsplit_once("::").map_or("", |(owner, _)| owner);
            let global = |place: &str| global_place(place, self_type);
            for locks in defs {
                for ((held_place, held_method), during) in &locks.while_held {
                    if global(held_place).as_deref() != Some(first) {
                        continue;
                    }
                    let direct = during.takes.iter().map(|taken| (taken.clone(), None));
                    let through = during.calls.iter().flat_map(|call| {
                        let taken = self.taken_by_call(call, during.awaited.contains(call));
                        let shown = call.strip_prefix("::").unwrap_or(call).to_owned();
                        taken
                            .iter()
                            .map(move |taken| (taken.clone(), Some(shown.clone())))
                            .collect::<Vec<_>>()
                    });
                    for ((place, method), via) in direct.chain(through) {
                        if global(&place).as_deref() != Some(second) {
                            continue;
                        }
                        let owner = (!self_type.is_empty()).then_some(self_type);
                        return Some(OppositeOrder {
                            fn_key: key.strip_prefix("::").unwrap_or(key).to_owned(),
                            via,
                            first_exclusive: self.takes_exclusively(owner, held_place, held_method),
                            second_exclusive: self.takes_exclusively(owner, &place, &method),
                        });
                    }
                }
            }
        }
        None
    }

    /// Whether a lock a fn takes excludes others: a `write`, or a `lock` of a lock not declared
    /// reentrant (by the index's field or static type, where it knows it).
    pub fn takes_exclusively(&self, self_type: Option<&str>, place: &str, method: &str) -> bool {
        if method.contains("write") {
            return true;
        }
        if !matches!(method, "lock" | "lock_arc" | "blocking_lock") {
            return false;
        }
        let Some(index) = self.index else { return true };
        let declared = match place.strip_prefix("self.") {
            Some(field) if !field.contains('.') => {
                self_type.map(|owner| index.field_ty(owner, field))
            }
            Some(_) => None,
            None => Some(index.static_ty(place)),
        };
        !matches!(declared, Some(super::types::Ty::Lock(family)) if family.path.contains("Reentrant"))
    }

    /// A fn's own facts: the file's, else the index's (what every definition of the name
    /// takes, and every fn any of them calls).
    fn direct(&self, key: &str) -> Option<std::borrow::Cow<'_, FnLocks>> {
        if let Some(own) = self.own().get(key) {
            return Some(std::borrow::Cow::Borrowed(own));
        }
        match self.index?.fn_locks(key) {
            [] => None,
            [only] => Some(std::borrow::Cow::Borrowed(only)),
            [first, rest @ ..] => {
                let mut common = first.clone();
                for other in rest {
                    common.takes.retain(|taken| other.takes.contains(taken));
                    common.calls.extend(other.calls.iter().cloned());
                    common.awaited.extend(other.awaited.iter().cloned());
                    common.is_async |= other.is_async;
                }
                Some(std::borrow::Cow::Owned(common))
            }
        }
    }
}

/// A fn of another side of a lock order (`SelfLocks::opposite_order`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OppositeOrder {
    /// `Type::method`, or a free fn's name.
    pub fn_key: String,
    /// The call through which it takes the second lock, when not directly.
    pub via: Option<String>,
    pub first_exclusive: bool,
    pub second_exclusive: bool,
}

/// A place as every fn of the crate names it: `self.field` of an impl of `self_type` as
/// `Type.field`, a static by its name.
pub fn global_place(place: &str, self_type: &str) -> Option<String> {
    match place.strip_prefix("self.") {
        Some(_) if self_type.is_empty() => None,
        Some(field) => Some(format!("{self_type}.{field}")),
        None => static_place(place),
    }
}

/// The file's own fns' facts by key (several definitions of one key: their common locks).
fn own_facts(root: &SyntaxNode) -> HashMap<String, FnLocks> {
    let mut own: HashMap<String, Vec<FnLocks>> = HashMap::new();
    for (key, locks) in FactsCollector::of_tree(root) {
        own.entry(key).or_default().push(locks);
    }
    own.into_iter()
        .map(|(key, mut defs)| {
            let mut common = defs.remove(0);
            for other in defs {
                common.takes.retain(|taken| other.takes.contains(taken));
                common.calls.extend(other.calls);
                common.awaited.extend(other.awaited);
                common.is_async |= other.is_async;
            }
            (key, common)
        })
        .collect()
}

/// Whether a call's value is awaited at once (`f().await`).
pub fn is_awaited(call: &SyntaxNode) -> bool {
    call.parent().is_some_and(|parent| ast::AwaitExpr::can_cast(parent.kind()))
}

fn is_self(expr: &ast::Expr) -> bool {
    matches!(expr, ast::Expr::PathExpr(path) if path.syntax().text() == "self")
}

fn is_in_trait(node: &SyntaxNode) -> bool {
    node.ancestors().any(|ancestor| ast::Trait::can_cast(ancestor.kind()))
}

/// Whether `node` runs when `function`'s body runs: not inside a closure or async block.
fn runs_in_body(node: &SyntaxNode, function: &SyntaxNode) -> bool {
    for ancestor in node.ancestors() {
        if &ancestor == function {
            return true;
        }
        if ast::ClosureExpr::can_cast(ancestor.kind()) {
            return false;
        }
        if let Some(block) = ast::BlockExpr::cast(ancestor.clone())
            && block.async_token().is_some()
        {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::imports::Imports;
    use ra_ap_syntax::{Edition, SourceFile};

    fn tree(text: &str) -> SourceFile {
        SourceFile::parse(text, Edition::Edition2021).tree()
    }

    fn taken(locks: &SelfLocks<'_>, key: &str) -> BTreeSet<TakenLock> {
        (*locks.taken_by_call(key, true)).clone()
    }

    #[test]
    fn methods_take_their_own_locks_and_their_callees_but_not_their_tasks() {
        let text = "impl S {
            async fn outer(&self) { self.middle().await; }
            async fn middle(&self) { self.inner(); }
            fn inner(&self) { self.state.lock().unwrap().push(1); }
            fn spawns(&self) { let this = self.clone(); tokio::spawn(async move { this.state.lock().await; }); self.table.try_lock(); }
        }";
        let tree = tree(text);
        let locks = SelfLocks::of_file(tree.syntax());
        let state = BTreeSet::from([("self.state".to_owned(), "lock".to_owned())]);
        assert_eq!(taken(&locks, "S::inner"), state);
        assert_eq!(taken(&locks, "S::outer"), state);
        assert!(taken(&locks, "S::spawns").is_empty());
        assert!(taken(&locks, "T::inner").is_empty());
    }

    #[test]
    fn calls_resolve_across_the_crate_s_files_and_through_free_fns() {
        let other = tree(
            "impl S { fn refresh(&self) { self.load(); helper(); } fn load(&self) { self.state.write().unwrap(); } }
             fn helper() { bump(); }
             fn bump() { crate::stats::COUNTS.lock().unwrap(); }
             fn shadowed() { TABLE.lock(); }",
        );
        let third = tree("mod b { fn shadowed() { OTHER.lock(); } }");
        let mut index = ItemIndex::default();
        for part in [&other, &third] {
            let imports = Imports::collect(part.syntax());
            index.merge(&ItemIndex::of_file(part.syntax(), &imports));
        }
        let this = tree("impl S { async fn get(&self) { self.refresh(); shadowed(); } }");
        let locks = SelfLocks::of_crate(this.syntax(), &index, false);
        let expected = BTreeSet::from([
            ("COUNTS".to_owned(), "lock".to_owned()),
            ("self.state".to_owned(), "write".to_owned()),
        ]);
        assert_eq!(taken(&locks, "S::get"), expected);
        // Two fns named `shadowed`: only what both take.
        assert!(taken(&locks, "::shadowed").is_empty());
    }

    #[test]
    fn static_places_drop_their_module_path() {
        assert_eq!(static_place("crate::state::STATE.inner").as_deref(), Some("STATE.inner"));
        assert_eq!(static_place("STATE").as_deref(), Some("STATE"));
        assert_eq!(static_place("self.state"), None);
        assert_eq!(static_place("state"), None);
    }
}
