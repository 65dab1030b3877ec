//! The liveness walk: which guards are alive at each `.await`.
//!
//! Each fn body, closure and async block is walked once in evaluation order, keeping
//! - the *scopes* (structure): blocks, whose named guards die at their `}`, and temporary
//!   scopes (statements, conditions, arm bodies…), whose temporaries die at their end, placed
//!   according to `drop_scopes.rs`;
//! - the *flow* (state): which guards are alive, always or only on some paths. Branches fork
//!   the flow and merge it; `return`/`break`/`continue` end a path; loops are walked twice so a
//!   guard alive at the back edge meets the awaits of the next iteration.
//!
//! An expression's guard value that its parent has not placed yet is *pending*: `m.lock()` is
//! pending until `.unwrap()` passes it on and `let g =` binds it, or `.push(…)` makes it a
//! temporary of the statement, or `drop(…)` consumes it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ra_ap_syntax::{
    AstNode, Edition, SyntaxNode, TextRange,
    ast::{self, HasArgList, HasLoopBody, HasName},
};

use super::classify::{Acquisition, Classifier, Locals};
use super::drop_scopes;
use super::index::enclosing_impl_self_type;
use super::lock_types::{self, LockClass};
use super::macros::{self, MacroBody};
use super::types::{Ty, last_segment, type_expr};
use crate::finding::{HeldBecause, Span};

pub type GuardId = usize;

/// Everything learnt about one guard over the walk of its context.
#[derive(Clone, Debug)]
pub struct GuardRecord {
    pub acquisition: Acquisition,
    pub acquire: Span,
    pub binding: Option<String>,
    pub held_because: Option<HeldBecause>,
    pub context: Span,
    pub awaits: Vec<Span>,
    /// Alive at some await on some paths only.
    pub sometimes: bool,
    /// Alive at an await that comes before its acquisition in the source: a loop went round.
    pub loop_carried: bool,
    /// Awaits met after `drop(g)` of a borrowed guard (still live for `Send`).
    pub zombie_awaits: Vec<Span>,
    pub dropped_at: Option<Span>,
    pub released_at: Option<Span>,
    pub borrowed: bool,
    pub used_after_await: bool,
    /// Alive at an await since it was last acquired (a loop acquires it again each time).
    pub awaited_since_acquire: bool,
    /// Created inside a macro call's re-parsed arguments: report, never edit.
    pub in_macro: bool,
    /// What is known of it being a guard at all: see [`Certainty`].
    pub certainty: Certainty,
    /// The lock it was taken from, as a place (`self.state`, `STATE`), when the receiver is
    /// one: the same place in the same context is the same lock.
    pub lock_place: Option<String>,
    /// How many times the place's root local had been bound (`let`) in its context when the
    /// lock was taken: after `let store = Store::new();`, `store.names` is another lock.
    pub place_binding: u32,
}

/// One lock taken (`second`, at `second_at`) while a guard of another (`first`) is alive on
/// every path, by places as the crate names them (`Type.field` for `self.field`, a static's
/// path); whether each acquisition excludes others (a mutex, a write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockOrder {
    pub held: GuardId,
    pub first: String,
    pub second: String,
    pub second_at: Span,
    pub first_exclusive: bool,
    pub second_exclusive: bool,
    /// The call that takes `second` (`self.refresh()`), when not taken here.
    pub via: Option<String>,
}

/// A lock taken again while a guard of it (`held`) is alive on every path: at `at`, by
/// `method`, directly or (`via`) in a method of `self` that the call at `at` runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakenAgain {
    pub held: GuardId,
    pub at: Span,
    pub method: String,
    pub via: Option<String>,
    pub in_macro: bool,
}

/// How sure the walk is that a value is a guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certainty {
    /// Declared or inferred types say so.
    Known,
    /// Guessed from std's `x.lock().unwrap()` shape on a receiver of unknown type: reported,
    /// and worth asking rust-analyzer about.
    Guessed,
    /// An acquire-like call on a receiver of unknown type that the syntax cannot classify at
    /// all (`x.borrow()`, `conn_lock()`): followed like a guard, never reported. One alive at
    /// an await is a candidate finding only types can decide (`--semantic auto` loads them).
    Candidate,
}

#[derive(Clone, Debug, Default)]
struct Flow {
    /// Alive guards; `true` when alive on every path reaching here.
    live: BTreeMap<GuardId, bool>,
    zombies: BTreeSet<GuardId>,
    unreachable: bool,
}

impl Flow {
    fn merge(self, other: Flow) -> Flow {
        if self.unreachable {
            return other;
        }
        if other.unreachable {
            return self;
        }
        let mut live = BTreeMap::new();
        for (&id, &always) in &self.live {
            let both = other.live.get(&id).copied();
            live.insert(id, always && both == Some(true));
        }
        for &id in other.live.keys() {
            live.entry(id).or_insert(false);
        }
        let zombies = self.zombies.union(&other.zombies).copied().collect();
        Flow { live, zombies, unreachable: false }
    }

    fn release(&mut self, id: GuardId) {
        self.live.remove(&id);
        self.zombies.remove(&id);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ScopeKind {
    Block,
    Temporary,
}

#[derive(Clone, Debug)]
struct Local {
    name: String,
    ty: Ty,
    /// The guards the local holds: one, or one per branch of the value it was bound to.
    guards: Vec<GuardId>,
    /// A closure whose call returns a guard (`let lock = || m.lock().unwrap();`).
    gives: Option<Acquisition>,
}

#[derive(Clone, Debug)]
struct Scope {
    kind: ScopeKind,
    locals: Vec<Local>,
    guards: Vec<GuardId>,
    end: Span,
}

struct LoopFrame {
    label: Option<String>,
    /// A labelled block: only `break 'label` leaves it.
    is_block: bool,
    scope_depth: usize,
    breaks: Vec<Flow>,
    continues: Vec<Flow>,
}

#[derive(Clone, Copy, Debug)]
enum Pending {
    /// A guard value not yet placed anywhere.
    Temp(GuardId),
    /// A named guard's binding used as a value: its use decides borrow or move.
    Named(GuardId),
}

/// The per-context part of the walker, saved and restored around nested async blocks.
#[derive(Default)]
struct ContextState {
    flow: Flow,
    scopes: Vec<Scope>,
    loops: Vec<LoopFrame>,
    context: Span,
    self_type: Option<String>,
    scrutinee_reason: Option<HeldBecause>,
}

pub struct Walker<'a> {
    pub classifier: Classifier<'a>,
    edition: Edition,
    root: SyntaxNode,
    macros: macros::MacroReader,
    pub guards: Vec<GuardRecord>,
    /// Locks taken while a guard of them is alive (for `--deadlocks`).
    pub taken_again: Vec<TakenAgain>,
    /// Locks taken while another's guard is alive (for `--deadlocks`' lock order).
    pub lock_orders: Vec<LockOrder>,
    /// Which locks of `self` the file's methods take (for `--deadlocks`, which it turns on).
    pub self_locks: Option<super::self_locks::SelfLocks<'a>>,
    /// Per context, locals that are clones of a lock's place (`let s2 = state.clone();`).
    clones: HashMap<(Span, String), String>,
    /// Per context, locals holding a spawned task's handle, and the locks the task takes.
    handles: HashMap<(Span, String), Vec<super::self_locks::TakenLock>>,
    /// Per context, a channel's sender local and its receiver's (`let (tx, rx) = channel();`).
    channels: HashMap<(Span, String), String>,
    /// Per context, how many times each local name has been bound by a `let`.
    bindings: HashMap<(Span, String), u32>,
    guard_by_site: HashMap<(Span, Span), GuardId>,
    state: ContextState,
    /// What the closure walked last returns, when that is a guard.
    closure_gives: Option<Acquisition>,
}

impl Locals for ContextState {
    fn local_ty(&self, name: &str) -> Option<Ty> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.locals.iter().rev())
            .find(|local| local.name == name)
            .map(|local| match (&local.ty, local.guards.is_empty()) {
                (Ty::Unknown, false) => Ty::Guard(LockClass::Blocking, "std::sync::Mutex"),
                (ty, _) => ty.clone(),
            })
    }
    fn self_type(&self) -> Option<&str> {
        self.self_type.as_deref()
    }
}

fn span_of(node: &impl AstNode) -> Span {
    node.syntax().text_range().into()
}

fn end_span(range: TextRange) -> Span {
    let end: u32 = range.end().into();
    Span::new(end.saturating_sub(1), end)
}

impl<'a> Walker<'a> {
    /// The walk will visit only these subtrees: macros elsewhere need not be read up front.
    pub fn read_macros_only_in(&mut self, scopes: Vec<SyntaxNode>) {
        self.macros.read_only_in(scopes);
    }

    pub fn new(classifier: Classifier<'a>, edition: Edition, root: SyntaxNode) -> Walker<'a> {
        Walker {
            classifier,
            edition,
            macros: macros::MacroReader::new(edition, root.clone()),
            root,
            guards: Vec::new(),
            taken_again: Vec::new(),
            lock_orders: Vec::new(),
            self_locks: None,
            clones: HashMap::new(),
            handles: HashMap::new(),
            channels: HashMap::new(),
            bindings: HashMap::new(),
            guard_by_site: HashMap::new(),
            state: ContextState::default(),
            closure_gives: None,
        }
    }

    /// Walks one fn: its body is a context; async blocks inside become contexts of their own.
    pub fn walk_fn(&mut self, function: &ast::Fn) {
        let Some(body) = function.body() else { return };
        let is_async = function.async_token().is_some();
        let self_type = enclosing_impl_self_type(function.syntax()).flatten();
        let mut params = Scope {
            kind: ScopeKind::Block,
            locals: Vec::new(),
            guards: Vec::new(),
            end: end_span(body.syntax().text_range()),
        };
        self.state =
            ContextState { context: span_of(function), self_type, ..ContextState::default() };
        let mut param_guards = Vec::new();
        if let Some(list) = function.param_list() {
            for param in list.params() {
                let (Some(pat), Some(ty)) = (param.pat(), param.ty()) else { continue };
                let written = type_expr(&ty, self.classifier.imports);
                let ty = self.classifier.index.resolve(&written, self.state.self_type.as_deref());
                let names = bound_names(&pat);
                let guard = match (&ty, is_async, names.first()) {
                    (Ty::Guard(class, lock), true, Some(name)) => {
                        let acquisition =
                            Acquisition { lock, class: *class, method: "parameter".into() };
                        let id = self.new_guard(acquisition, span_of(&param), false);
                        self.guards[id].binding = Some(name.clone());
                        self.guards[id].held_because = Some(HeldBecause::AsyncFnParameter);
                        param_guards.push(id);
                        Some(id)
                    }
                    _ => None,
                };
                for name in names {
                    params.locals.push(Local {
                        name,
                        ty: ty.clone(),
                        guards: guard.into_iter().collect(),
                        gives: None,
                    });
                }
            }
        }
        params.guards.extend(param_guards.iter().copied());
        for id in param_guards {
            self.state.flow.live.insert(id, true);
        }
        self.state.scopes.push(params);
        self.walk_body_block(&body);
        self.pop_scope();
    }

    // ----- guards -----

    fn new_guard(&mut self, acquisition: Acquisition, acquire: Span, in_macro: bool) -> GuardId {
        let key = (self.state.context, acquire);
        if let Some(&id) = self.guard_by_site.get(&key) {
            self.state.flow.live.insert(id, true);
            self.guards[id].awaited_since_acquire = false;
            return id;
        }
        let id = self.guards.len();
        self.guards.push(GuardRecord {
            acquisition,
            acquire,
            binding: None,
            held_because: None,
            context: self.state.context,
            awaits: Vec::new(),
            sometimes: false,
            loop_carried: false,
            zombie_awaits: Vec::new(),
            dropped_at: None,
            released_at: None,
            borrowed: false,
            used_after_await: false,
            awaited_since_acquire: false,
            in_macro,
            certainty: Certainty::Known,
            lock_place: None,
            place_binding: 0,
        });
        self.guard_by_site.insert(key, id);
        self.state.flow.live.insert(id, true);
        id
    }

    /// Records that guard `id` was taken from the lock at `receiver`, and whether a guard of the
    /// same lock is alive there on every path: a mutex (or a `RwLock` written) taken twice
    /// never grants the second.
    fn note_lock_place(&mut self, id: GuardId, receiver: Option<ast::Expr>) {
        let Some(place) = receiver.as_ref().and_then(lock_place) else { return };
        let root = place.split('.').next().unwrap_or_default().to_owned();
        let binding = self.bindings.get(&(self.state.context, root)).copied().unwrap_or(0);
        self.guards[id].lock_place = Some(place);
        self.guards[id].place_binding = binding;
        if self.state.flow.unreachable {
            return;
        }
        self.note_lock_order(id);
        let again = &self.guards[id];
        for (&held, &always) in &self.state.flow.live {
            let first = &self.guards[held];
            let same_lock = held != id
                && always
                && self.holds_its_lock_throughout(first)
                && first.context == again.context
                && first
                    .lock_place
                    .as_deref()
                    .zip(again.lock_place.as_deref())
                    .is_some_and(|(a, b)| same_place(a, b))
                && first.place_binding == again.place_binding
                && first.certainty != Certainty::Candidate
                && again.certainty != Certainty::Candidate;
            let event = TakenAgain {
                held,
                at: again.acquire,
                method: again.acquisition.method.clone(),
                via: None,
                in_macro: again.in_macro,
            };
            if same_lock
                && lock_types::excludes(&first.acquisition, &again.acquisition)
                && !self.taken_again.contains(&event)
            {
                self.taken_again.push(event);
            }
        }
    }

    /// Records the order of guard `id`'s lock after each other lock whose guard is alive here
    /// on every path, for places other fns can name too.
    fn note_lock_order(&mut self, id: GuardId) {
        let second = &self.guards[id];
        let Some(second_place) = second.lock_place.as_deref().and_then(|p| self.global_place(p))
        else {
            return;
        };
        if second.certainty == Certainty::Candidate || second.acquisition.method.starts_with("try_")
        {
            return;
        }
        let mut orders = Vec::new();
        for (&held, &always) in &self.state.flow.live {
            let first = &self.guards[held];
            let first_place = first.lock_place.as_deref().and_then(|p| self.global_place(p));
            let Some(first_place) = first_place else { continue };
            if held == id
                || !always
                || first_place == second_place
                || first.context != second.context
                || first.certainty == Certainty::Candidate
                || !self.holds_its_lock_throughout(first)
            {
                continue;
            }
            orders.push(LockOrder {
                held,
                first: first_place,
                second: second_place.clone(),
                second_at: second.acquire,
                first_exclusive: lock_types::is_exclusive(&first.acquisition),
                second_exclusive: lock_types::is_exclusive(&second.acquisition),
                via: None,
            });
        }
        for order in orders {
            if !self.lock_orders.contains(&order) {
                self.lock_orders.push(order);
            }
        }
    }

    /// A place any fn of the crate names the same way: `self.field` as `Type.field`, a
    /// static (an upper-case path). Locals and parameters are the fn's own.
    fn global_place(&self, place: &str) -> Option<String> {
        super::self_locks::global_place(place, self.state.self_type.as_deref().unwrap_or(""))
    }

    /// `let s2 = state.clone();` (or `Arc::clone(&state)`): `s2` is the place `state`.
    /// `let h = tokio::spawn(async move { … })`: `h` awaits a task that takes those locks.
    fn note_clone_or_handle(&mut self, name: &str, init: &ast::Expr) {
        let key = (self.state.context, name.to_owned());
        if let Some(place) = cloned_place(init) {
            let place = self.through_clones(&place);
            self.clones.insert(key, place);
        } else if let Some(locks) = self.locks_of_spawned(init) {
            self.handles.insert(key, locks);
        } else {
            self.clones.remove(&key);
            self.handles.remove(&key);
        }
    }

    /// A place with its root local replaced by what that local is a clone of.
    fn through_clones(&self, place: &str) -> String {
        let (root, rest) = place.split_once('.').map_or((place, ""), |(root, rest)| (root, rest));
        match self.clones.get(&(self.state.context, root.to_owned())) {
            Some(original) if rest.is_empty() => original.clone(),
            Some(original) => format!("{original}.{rest}"),
            None => place.to_owned(),
        }
    }

    /// The locks a spawned task takes (`tokio::spawn(async move { … })`, `spawn_blocking(||
    /// …)`), by place as this context names them.
    fn locks_of_spawned(&self, expr: &ast::Expr) -> Option<Vec<super::self_locks::TakenLock>> {
        let ast::Expr::CallExpr(call) = expr else { return None };
        let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
        let name = callee.path()?.segment()?.name_ref()?.text().to_string();
        if !matches!(name.as_str(), "spawn" | "spawn_local" | "spawn_blocking") {
            return None;
        }
        let task = call.arg_list()?.args().next()?;
        if !matches!(task, ast::Expr::BlockExpr(_) | ast::Expr::ClosureExpr(_)) {
            return None;
        }
        let locks = task
            .syntax()
            .descendants()
            .filter_map(ast::MethodCallExpr::cast)
            .filter_map(|lock_call| {
                let method = lock_call.name_ref()?.text().to_string();
                if !lock_types::is_lock_like_method(&method) || method.starts_with("try_") {
                    return None;
                }
                let place = lock_place(&lock_call.receiver()?)?;
                Some((self.through_clones(&place), method))
            })
            .collect();
        Some(locks)
    }

    /// `spawn(async move { … tx.send(…) … })`: a receive on the channel's other end waits for
    /// that task, so it waits for the locks the task takes (before sending or not: precision
    /// over order, a task that locks at all is waited for through it).
    fn note_spawned_senders(&mut self, call: &ast::CallExpr) {
        if self.self_locks.is_none() {
            return;
        }
        let Some(locks) = self.locks_of_spawned(&ast::Expr::CallExpr(call.clone())) else { return };
        if locks.is_empty() {
            return;
        }
        let mentioned: std::collections::HashSet<String> = call
            .syntax()
            .descendants()
            .filter_map(ast::NameRef::cast)
            .map(|name| name.text().to_string())
            .collect();
        let receivers: Vec<String> = self
            .channels
            .iter()
            .filter(|((context, sender), _)| {
                *context == self.state.context && mentioned.contains(sender)
            })
            .map(|(_, receiver)| receiver.clone())
            .collect();
        for receiver in receivers {
            self.handles.insert((self.state.context, receiver), locks.clone());
        }
    }

    /// At `h.await` (or `spawn(…).await`): whether the awaited task takes a lock whose guard
    /// is alive here on every path: it waits for this task, which waits for it.
    fn note_awaited_task(&mut self, operand: &ast::Expr, at: Span) {
        if self.self_locks.is_none() || self.state.flow.unreachable {
            return;
        }
        let handle_named = |expr: &ast::Expr| match expr {
            ast::Expr::PathExpr(path) => single_name(path)
                .and_then(|name| self.handles.get(&(self.state.context, name)).cloned()),
            _ => None,
        };
        let locks = match operand {
            ast::Expr::PathExpr(_) => handle_named(operand),
            // `rx.recv().await` on a channel whose sender is in such a task.
            ast::Expr::MethodCallExpr(call)
                if call.name_ref().is_some_and(|name| {
                    matches!(name.text(), "recv" | "recv_async" | "changed")
                }) =>
            {
                call.receiver().as_ref().and_then(handle_named)
            }
            other => self.locks_of_spawned(other),
        };
        let Some(locks) = locks else { return };
        let in_macro = self.in_macro(operand.syntax());
        let mut events = Vec::new();
        for (&held, &always) in &self.state.flow.live {
            let first = &self.guards[held];
            let Some(place) = &first.lock_place else { continue };
            if !always
                || first.certainty == Certainty::Candidate
                || !self.holds_its_lock_throughout(first)
            {
                continue;
            }
            let taken = locks.iter().find(|(taken, method)| {
                let again = Acquisition {
                    lock: first.acquisition.lock,
                    class: first.acquisition.class,
                    method: method.clone(),
                };
                taken == place && lock_types::excludes(&first.acquisition, &again)
            });
            if let Some((_, method)) = taken {
                let via = Some("the awaited task".to_owned());
                events.push(TakenAgain { held, at, method: method.clone(), via, in_macro });
            }
        }
        for event in events {
            if !self.taken_again.contains(&event) {
                self.taken_again.push(event);
            }
        }
    }

    /// At `self.method(…)`: what the method takes, directly or through its calls at any depth.
    fn note_self_call(&mut self, call: &ast::MethodCallExpr, method: &str) {
        let receiver_is_self = matches!(call.receiver(), Some(ast::Expr::PathExpr(path)) if path.syntax().text() == "self");
        if receiver_is_self && self.state.self_type.is_some() {
            let key = super::self_locks::fn_key(self.state.self_type.as_deref(), method);
            self.note_call_takes(call.syntax(), &key, format!("self.{method}()"));
        }
    }

    /// At `f(…)` or `module::f(…)` of a crate fn: the statics it locks, at any depth.
    fn note_free_call(&mut self, call: &ast::CallExpr) {
        if let Some(name) = super::self_locks::free_fn_called(call) {
            let key = super::self_locks::fn_key(None, &name);
            self.note_call_takes(call.syntax(), &key, format!("{name}()"));
        }
    }

    /// A call of the fn `key` that takes locks: each one whose guard is alive here on every
    /// path is taken again (it never returns); each other one is taken after the live ones
    /// (their order, for `lock-order-inversion`).
    fn note_call_takes(&mut self, call: &SyntaxNode, key: &str, shown: String) {
        if self.state.flow.unreachable || self.state.flow.live.is_empty() {
            return;
        }
        let Some(self_locks) = &self.self_locks else { return };
        let taken = self_locks.taken_by_call(key, super::self_locks::is_awaited(call));
        if taken.is_empty() {
            return;
        }
        let at = Span::from(call.text_range());
        let in_macro = self.in_macro(call);
        let mut events = Vec::new();
        let mut orders = Vec::new();
        for (&held, &always) in &self.state.flow.live {
            let first = &self.guards[held];
            if !always
                || first.context != self.state.context
                || first.certainty == Certainty::Candidate
                || !self.holds_its_lock_throughout(first)
            {
                continue;
            }
            let Some(place) = &first.lock_place else { continue };
            let first_global = self.global_place(place);
            for (taken_place, taken_method) in taken.iter() {
                if same_place(taken_place, place) {
                    let again = Acquisition {
                        lock: first.acquisition.lock,
                        class: first.acquisition.class,
                        method: taken_method.clone(),
                    };
                    if lock_types::excludes(&first.acquisition, &again) {
                        let via = Some(shown.clone());
                        let method = taken_method.clone();
                        events.push(TakenAgain { held, at, method, via, in_macro });
                    }
                    continue;
                }
                let (Some(first_global), Some(second)) =
                    (&first_global, self.global_place(taken_place))
                else {
                    continue;
                };
                if *first_global == second {
                    continue;
                }
                orders.push(LockOrder {
                    held,
                    first: first_global.clone(),
                    second,
                    second_at: at,
                    first_exclusive: lock_types::is_exclusive(&first.acquisition),
                    second_exclusive: self_locks.takes_exclusively(
                        self.state.self_type.as_deref(),
                        taken_place,
                        taken_method,
                    ),
                    via: Some(shown.clone()),
                });
            }
        }
        for event in events {
            if !self.taken_again.contains(&event) {
                self.taken_again.push(event);
            }
        }
        for order in orders {
            if !self.lock_orders.contains(&order) {
                self.lock_orders.push(order);
            }
        }
    }

    /// Whether a guard surely holds its lock wherever the flow says it is alive. Not so for a
    /// `try_*` acquisition (only the arm that matched `Ok`/`Some` has the guard) nor for a
    /// guard handed to a call (`RwLockReadGuard::try_map(l.read().await, …).ok()` gives it
    /// back on some paths only); one read from a macro's arguments is not followed either.
    fn holds_its_lock_throughout(&self, guard: &GuardRecord) -> bool {
        if guard.in_macro || guard.acquisition.method.starts_with("try_") {
            return false;
        }
        let range: TextRange = guard.acquire.into();
        if range.end() > self.root.text_range().end() {
            return false;
        }
        let node = match self.root.covering_element(range) {
            ra_ap_syntax::NodeOrToken::Node(node) => node,
            ra_ap_syntax::NodeOrToken::Token(token) => match token.parent() {
                Some(parent) => parent,
                None => return false,
            },
        };
        !node
            .ancestors()
            .take_while(|ancestor| !ast::Stmt::can_cast(ancestor.kind()))
            .any(|ancestor| ast::ArgList::can_cast(ancestor.kind()))
    }

    /// A value the syntax cannot tell is a guard or not (see [`Certainty::Candidate`]).
    fn new_candidate(&mut self, at: &SyntaxNode, method: &str) -> Vec<Pending> {
        if self.classifier.oracle.is_some() {
            return Vec::new(); // the types were asked and said no
        }
        let acquisition =
            Acquisition { lock: "unknown", class: LockClass::Blocking, method: method.to_owned() };
        let in_macro = self.in_macro(at);
        let id = self.new_guard(acquisition, at.text_range().into(), in_macro);
        self.guards[id].certainty = Certainty::Candidate;
        vec![Pending::Temp(id)]
    }

    fn in_macro(&self, node: &SyntaxNode) -> bool {
        node.ancestors().last().as_ref() != Some(&self.root)
    }

    fn record_await(&mut self, span: Span) {
        if self.state.flow.unreachable {
            return;
        }
        for (&id, &always) in &self.state.flow.live {
            let guard = &mut self.guards[id];
            if !guard.awaits.contains(&span) {
                guard.awaits.push(span);
            }
            guard.sometimes |= !always;
            guard.awaited_since_acquire = true;
            guard.loop_carried |= guard.acquire.start >= span.end;
        }
        for &id in &self.state.flow.zombies {
            let guard = &mut self.guards[id];
            if !guard.zombie_awaits.contains(&span) {
                guard.zombie_awaits.push(span);
            }
        }
    }

    /// A pending value that its parent only reads: a temporary of the current temporary scope,
    /// or a borrow of a named guard.
    fn settle(&mut self, pending: Vec<Pending>) {
        for item in pending {
            match item {
                Pending::Temp(id) => self.place_temporary(id),
                Pending::Named(id) => self.note_use(id),
            }
        }
    }

    /// A named guard read (borrowed) here: after an await, it is needed on both sides.
    fn note_use(&mut self, id: GuardId) {
        let guard = &mut self.guards[id];
        guard.borrowed = true;
        if guard.awaited_since_acquire {
            guard.used_after_await = true;
        }
    }

    fn place_temporary(&mut self, id: GuardId) {
        let Some(target) =
            self.state.scopes.iter().rposition(|scope| scope.kind == ScopeKind::Temporary)
        else {
            return;
        };
        let innermost_block =
            self.state.scopes.iter().rposition(|scope| scope.kind == ScopeKind::Block);
        let reason = self.state.scrutinee_reason.unwrap_or(match innermost_block {
            Some(block) if block > target => HeldBecause::TailExpressionTemporary,
            _ => HeldBecause::StatementTemporary,
        });
        self.guards[id].held_because.get_or_insert(reason);
        self.state.scopes[target].guards.push(id);
    }

    fn place_extended(&mut self, id: GuardId) {
        let Some(target) =
            self.state.scopes.iter().rposition(|scope| scope.kind == ScopeKind::Block)
        else {
            return;
        };
        self.guards[id].held_because.get_or_insert(HeldBecause::LifetimeExtendedTemporary);
        self.state.scopes[target].guards.push(id);
    }

    /// A value moved somewhere we do not follow (into a callee, a field, returned).
    fn consume(&mut self, pending: Vec<Pending>, at: Span, explicit_drop: bool) {
        for item in pending {
            match item {
                Pending::Temp(id) => self.state.flow.release(id),
                Pending::Named(id) => {
                    self.state.flow.live.remove(&id);
                    let guard = &mut self.guards[id];
                    if !explicit_drop && guard.awaited_since_acquire {
                        guard.used_after_await = true;
                    }
                    guard.released_at.get_or_insert(at);
                    if explicit_drop {
                        guard.dropped_at = Some(at);
                    }
                    if guard.borrowed && !self.state.flow.unreachable {
                        self.state.flow.zombies.insert(id);
                    }
                }
            }
        }
    }

    /// A named guard moved into a new value (`Some(g)`, `let h = g`): it travels as pending.
    fn moved_on(&mut self, pending: Vec<Pending>) -> Vec<Pending> {
        pending
            .into_iter()
            .map(|item| match item {
                Pending::Named(id) => Pending::Temp(id),
                temp => temp,
            })
            .collect()
    }

    fn unbind(&mut self, id: GuardId) {
        for scope in &mut self.state.scopes {
            for local in &mut scope.locals {
                local.guards.retain(|&held| held != id);
            }
        }
    }

    /// Binds pending guards to a local of the innermost block scope.
    fn bind(&mut self, pending: Vec<Pending>, names: &[String], ty: Ty) {
        let pending = self.moved_on(pending);
        let held: Vec<GuardId> = pending
            .iter()
            .map(|item| match *item {
                Pending::Temp(id) | Pending::Named(id) => id,
            })
            .collect();
        let block =
            self.state.scopes.iter().rposition(|scope| scope.kind == ScopeKind::Block).unwrap_or(0);
        // `let g = if c { a.lock()… } else { b.lock()… };`: each guard is alive on its branch
        // only, but the binding holds one of them on every path.
        if pending.len() > 1 {
            for item in &pending {
                let (Pending::Temp(id) | Pending::Named(id)) = *item;
                if let Some(always) = self.state.flow.live.get_mut(&id) {
                    *always = true;
                }
            }
        }
        // A value moved into the binding is no temporary of the scopes it passed through
        // (`let g = match m.lock() { Ok(g) => g, … };`): the binding's block ends it.
        for scope in self.state.scopes.iter_mut().skip(block + 1) {
            if scope.kind == ScopeKind::Temporary {
                scope.guards.retain(|id| !held.contains(id));
            }
        }
        for item in &pending {
            let (Pending::Temp(id) | Pending::Named(id)) = *item;
            let guard = &mut self.guards[id];
            guard.binding = Some(names.join(", "));
            guard.held_because = Some(HeldBecause::NamedBinding);
            if let Some(scope) = self.state.scopes.get_mut(block) {
                scope.guards.push(id);
            }
        }
        if let Some(scope) = self.state.scopes.get_mut(block) {
            for name in names {
                scope.locals.push(Local {
                    name: name.clone(),
                    ty: ty.clone(),
                    guards: held.clone(),
                    gives: None,
                });
            }
        }
    }

    /// The guards in `leaving` are the value of the innermost block being left: its scope must
    /// not release them, and its locals no longer name them.
    fn keep_leaving_guards(&mut self, leaving: &[Pending]) {
        let ids: Vec<GuardId> = leaving
            .iter()
            .map(|item| match *item {
                Pending::Temp(id) | Pending::Named(id) => id,
            })
            .collect();
        if ids.is_empty() {
            return;
        }
        if let Some(scope) = self.state.scopes.last_mut() {
            scope.guards.retain(|id| !ids.contains(id));
            for local in &mut scope.locals {
                local.guards.retain(|id| !ids.contains(id));
            }
        }
    }

    /// A record for the value an `if let` scrutinee leaves when its pattern fails, placed
    /// where the original scrutinee temporary dies.
    fn unmatched_copy(&mut self, id: GuardId) -> GuardId {
        let mut record = self.guards[id].clone();
        record.binding = None;
        record.held_because = Some(HeldBecause::UnmatchedScrutinee);
        record.awaits.clear();
        record.zombie_awaits.clear();
        record.borrowed = false;
        record.used_after_await = false;
        record.awaited_since_acquire = false;
        let copy = self.guards.len();
        self.guards.push(record);
        if let Some(scope) = self
            .state
            .scopes
            .iter_mut()
            .rev()
            .find(|scope| scope.kind == ScopeKind::Temporary && scope.guards.contains(&id))
        {
            scope.guards.push(copy);
        }
        copy
    }

    fn push_scope(&mut self, kind: ScopeKind, end: Span) {
        self.state.scopes.push(Scope { kind, locals: Vec::new(), guards: Vec::new(), end });
    }

    fn pop_scope(&mut self) {
        let Some(scope) = self.state.scopes.pop() else { return };
        for id in scope.guards {
            let was_alive =
                self.state.flow.live.contains_key(&id) || self.state.flow.zombies.contains(&id);
            self.state.flow.release(id);
            if was_alive && !self.state.flow.unreachable {
                let guard = &mut self.guards[id];
                if guard.released_at.is_none_or(|at| at.start < guard.acquire.start) {
                    guard.released_at = Some(scope.end);
                }
            }
        }
    }

    /// Guards of scopes deeper than `depth` die when control leaves them (break, continue).
    fn leave_scopes_from(&self, depth: usize, mut flow: Flow) -> Flow {
        for scope in &self.state.scopes[depth.min(self.state.scopes.len())..] {
            for &id in &scope.guards {
                flow.release(id);
            }
        }
        flow
    }

    fn with_scrutinee_reason<T>(
        &mut self,
        reason: HeldBecause,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let saved = self.state.scrutinee_reason.replace(reason);
        let result = f(self);
        self.state.scrutinee_reason = saved;
        result
    }

    fn without_scrutinee_reason<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.state.scrutinee_reason.take();
        let result = f(self);
        self.state.scrutinee_reason = saved;
        result
    }

    /// The guards the innermost local named `name` holds.
    fn local_guards(&self, name: &str) -> Vec<GuardId> {
        self.state
            .scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.locals.iter().rev())
            .find(|local| local.name == name)
            .map(|local| local.guards.clone())
            .unwrap_or_default()
    }

    // ----- blocks and statements -----

    /// A block that is the body of a fn, `if`, loop or arm: its tail is a temporary scope.
    fn walk_body_block(&mut self, block: &ast::BlockExpr) -> Vec<Pending> {
        self.push_scope(ScopeKind::Temporary, end_span(block.syntax().text_range()));
        let pending = self.walk_block(block, true);
        self.pop_scope();
        pending
    }

    fn walk_block(&mut self, block: &ast::BlockExpr, is_body: bool) -> Vec<Pending> {
        if block.async_token().is_some() {
            self.walk_nested_context(block.syntax(), block.move_token().is_some(), None);
            return Vec::new();
        }
        let label = block
            .label()
            .and_then(|label| label.lifetime())
            .map(|lifetime| lifetime.text().to_string());
        if label.is_some() {
            self.state.loops.push(LoopFrame {
                label,
                is_block: true,
                scope_depth: self.state.scopes.len(),
                breaks: Vec::new(),
                continues: Vec::new(),
            });
        }
        self.without_scrutinee_reason(|walker| {
            walker.push_scope(ScopeKind::Block, end_span(block.syntax().text_range()))
        });
        let mut pending = Vec::new();
        if let Some(list) = block.stmt_list() {
            for stmt in list.statements() {
                self.without_scrutinee_reason(|walker| walker.walk_stmt(&stmt));
            }
            if let Some(tail) = list.tail_expr() {
                let own_scope = is_body || drop_scopes::tail_expression_is_own_scope(self.edition);
                if own_scope {
                    self.push_scope(ScopeKind::Temporary, end_span(tail.syntax().text_range()));
                }
                pending = self.eval(&tail);
                pending = self.moved_on(pending);
                if own_scope {
                    self.pop_scope();
                }
            }
        }
        // A guard that is the block's value leaves the block with it (`{ let g = …; g }`):
        // the block's end does not release it, the parent places it.
        self.keep_leaving_guards(&pending);
        self.pop_scope();
        if block.label().is_some()
            && let Some(frame) = self.state.loops.pop()
        {
            let flow = std::mem::take(&mut self.state.flow);
            self.state.flow = frame.breaks.into_iter().fold(flow, Flow::merge);
        }
        pending
    }

    fn walk_stmt(&mut self, stmt: &ast::Stmt) {
        match stmt {
            ast::Stmt::LetStmt(let_stmt) => self.walk_let(let_stmt),
            ast::Stmt::ExprStmt(expr_stmt) => {
                let Some(expr) = expr_stmt.expr() else { return };
                self.push_scope(ScopeKind::Temporary, end_span(expr_stmt.syntax().text_range()));
                let pending = self.eval(&expr);
                self.settle(pending);
                self.pop_scope();
            }
            ast::Stmt::Item(ast::Item::MacroCall(call)) => {
                self.push_scope(ScopeKind::Temporary, end_span(call.syntax().text_range()));
                let pending = self.eval_macro(call);
                self.settle(pending);
                self.pop_scope();
            }
            ast::Stmt::Item(_) => {}
        }
    }

    fn walk_let(&mut self, let_stmt: &ast::LetStmt) {
        let names = let_stmt.pat().map(|pat| bound_names(&pat)).unwrap_or_default();
        let declared = let_stmt.ty().map(|ty| {
            let written = type_expr(&ty, self.classifier.imports);
            self.classifier.index.resolve(&written, self.state.self_type.as_deref())
        });
        let Some(init) = let_stmt.initializer() else {
            let ty = declared.unwrap_or(Ty::Unknown);
            self.bind(Vec::new(), &names, ty);
            return;
        };
        let ty = declared.unwrap_or_else(|| self.classifier.type_of(&init, &self.state));
        self.push_scope(ScopeKind::Temporary, end_span(let_stmt.syntax().text_range()));
        self.closure_gives = None;
        let pending = self.eval_extending(&init);
        let gives = match &init {
            ast::Expr::ClosureExpr(_) => self.closure_gives.take(),
            _ => None,
        };
        if let Some(else_block) = let_stmt.let_else().and_then(|let_else| let_else.block_expr()) {
            // Temporaries drop before the `else` block; a guard the pattern fails to bind too.
            let mut failed = self.state.flow.clone();
            if let Some(scope) = self.state.scopes.last() {
                for &id in &scope.guards {
                    failed.release(id);
                }
            }
            for item in &pending {
                let (Pending::Temp(id) | Pending::Named(id)) = *item;
                failed.release(id);
            }
            let matched = std::mem::replace(&mut self.state.flow, failed);
            self.walk_body_block(&else_block);
            let after_else = std::mem::replace(&mut self.state.flow, matched);
            self.state.flow = std::mem::take(&mut self.state.flow).merge(after_else);
        }
        for name in &names {
            *self.bindings.entry((self.state.context, name.clone())).or_default() += 1;
        }
        match (names.as_slice(), self.self_locks.is_some()) {
            ([name], true) => self.note_clone_or_handle(name, &init),
            ([sender, receiver], true) if is_channel_call(&init) => {
                let key = (self.state.context, sender.clone());
                self.channels.insert(key, receiver.clone());
            }
            _ => {}
        }
        if names.is_empty() {
            // `let _ = m.lock();` drops the value at once.
            self.consume(pending, span_of(let_stmt), false);
        } else {
            self.bind(pending, &names, ty);
            if let Some(gives) = gives {
                self.note_gives(&names, gives);
            }
        }
        self.pop_scope();
    }

    /// The local just bound to a closure returns a guard each time it is called.
    fn note_gives(&mut self, names: &[String], gives: Acquisition) {
        let [name] = names else { return };
        let local = self
            .state
            .scopes
            .iter_mut()
            .rev()
            .flat_map(|scope| scope.locals.iter_mut().rev())
            .find(|local| &local.name == name);
        if let Some(local) = local {
            local.gives = Some(gives);
        }
    }

    /// What calling the local `name` returns, when it is a closure returning a guard.
    fn local_gives(&self, name: &str) -> Option<Acquisition> {
        self.state
            .scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.locals.iter().rev())
            .find(|local| local.name == name)
            .and_then(|local| local.gives.clone())
    }

    /// A `let` initializer: `&temp`, `(…, &temp)`, `S { f: &temp }` extend their temporaries
    /// to the enclosing block.
    fn eval_extending(&mut self, expr: &ast::Expr) -> Vec<Pending> {
        match expr {
            ast::Expr::RefExpr(reference) => {
                if let Some(operand) = reference.expr() {
                    self.eval_extended_place(&operand);
                }
                Vec::new()
            }
            ast::Expr::ParenExpr(paren) => {
                paren.expr().map(|inner| self.eval_extending(&inner)).unwrap_or_default()
            }
            ast::Expr::CastExpr(cast) => {
                if let Some(inner) = cast.expr() {
                    let pending = self.eval_extending(&inner);
                    self.settle(pending);
                }
                Vec::new()
            }
            ast::Expr::TupleExpr(tuple) => {
                let mut pending = Vec::new();
                for field in tuple.fields() {
                    pending.extend(self.eval_extending(&field));
                }
                self.moved_on(pending)
            }
            _ => self.eval(expr),
        }
    }

    fn eval_extended_place(&mut self, expr: &ast::Expr) {
        let base = match expr {
            ast::Expr::PrefixExpr(prefix) if prefix.op_kind() == Some(ast::UnaryOp::Deref) => {
                prefix.expr()
            }
            ast::Expr::FieldExpr(field) => field.expr(),
            ast::Expr::ParenExpr(paren) => paren.expr(),
            ast::Expr::IndexExpr(index) => {
                if let Some(base) = index.base() {
                    self.eval_extended_place(&base);
                }
                if let Some(at) = index.index() {
                    let pending = self.eval(&at);
                    self.settle(pending);
                }
                return;
            }
            _ => {
                let pending = self.eval(expr);
                for item in pending {
                    match item {
                        Pending::Temp(id) => self.place_extended(id),
                        Pending::Named(id) => self.note_use(id),
                    }
                }
                return;
            }
        };
        if let Some(base) = base {
            self.eval_extended_place(&base);
        }
    }

    // ----- expressions -----

    fn eval(&mut self, expr: &ast::Expr) -> Vec<Pending> {
        match expr {
            ast::Expr::PathExpr(path_expr) => self.eval_path(path_expr),
            ast::Expr::MethodCallExpr(call) => self.eval_method_call(call),
            ast::Expr::CallExpr(call) => self.eval_call(call),
            ast::Expr::AwaitExpr(await_expr) => self.eval_await(await_expr),
            ast::Expr::ParenExpr(paren) => {
                paren.expr().map(|inner| self.eval(&inner)).unwrap_or_default()
            }
            ast::Expr::TryExpr(try_expr) => {
                try_expr.expr().map(|inner| self.eval(&inner)).unwrap_or_default()
            }
            ast::Expr::RefExpr(reference) => {
                self.eval_settled(reference.expr());
                Vec::new()
            }
            ast::Expr::PrefixExpr(prefix) => {
                self.eval_settled(prefix.expr());
                Vec::new()
            }
            ast::Expr::FieldExpr(field) => {
                self.eval_settled(field.expr());
                Vec::new()
            }
            ast::Expr::IndexExpr(index) => {
                self.eval_settled(index.base());
                self.eval_settled(index.index());
                Vec::new()
            }
            ast::Expr::CastExpr(cast) => {
                self.eval_settled(cast.expr());
                Vec::new()
            }
            ast::Expr::RangeExpr(range) => {
                use ast::RangeItem;
                self.eval_settled(range.start());
                self.eval_settled(range.end());
                Vec::new()
            }
            ast::Expr::BinExpr(bin) => self.eval_binary(bin),
            ast::Expr::TupleExpr(tuple) => {
                let mut pending = Vec::new();
                for field in tuple.fields() {
                    pending.extend(self.eval(&field));
                }
                self.moved_on(pending)
            }
            ast::Expr::ArrayExpr(array) => {
                let mut pending = Vec::new();
                for item in array.exprs() {
                    pending.extend(self.eval(&item));
                }
                self.moved_on(pending)
            }
            ast::Expr::RecordExpr(record) => {
                let mut pending = Vec::new();
                if let Some(list) = record.record_expr_field_list() {
                    for field in list.fields() {
                        if let Some(value) = field.expr() {
                            pending.extend(self.eval(&value));
                        } else if let Some(name) = field.name_ref() {
                            // Shorthand `S { g }` moves the local `g`.
                            pending.extend(
                                self.local_guards(name.text()).into_iter().map(Pending::Named),
                            );
                        }
                    }
                    self.eval_settled(list.spread());
                }
                self.moved_on(pending)
            }
            ast::Expr::ReturnExpr(ret) => {
                let pending = ret.expr().map(|value| self.eval(&value)).unwrap_or_default();
                self.consume(pending, span_of(ret), false);
                self.state.flow.unreachable = true;
                Vec::new()
            }
            ast::Expr::BecomeExpr(become_expr) => {
                self.eval_settled(become_expr.expr());
                self.state.flow.unreachable = true;
                Vec::new()
            }
            ast::Expr::BreakExpr(brk) => {
                let pending = brk.expr().map(|value| self.eval(&value)).unwrap_or_default();
                self.consume(pending, span_of(brk), false);
                let label = brk.lifetime().map(|lifetime| lifetime.text().to_string());
                self.jump(label, true);
                Vec::new()
            }
            ast::Expr::ContinueExpr(cont) => {
                let label = cont.lifetime().map(|lifetime| lifetime.text().to_string());
                self.jump(label, false);
                Vec::new()
            }
            ast::Expr::YieldExpr(yield_expr) => {
                self.eval_settled(yield_expr.expr());
                Vec::new()
            }
            ast::Expr::YeetExpr(yeet) => {
                self.eval_settled(yeet.expr());
                self.state.flow.unreachable = true;
                Vec::new()
            }
            ast::Expr::LetExpr(let_expr) => {
                self.eval_settled(let_expr.expr());
                Vec::new()
            }
            ast::Expr::BlockExpr(block) => self.walk_block(block, false),
            ast::Expr::IfExpr(if_expr) => self.eval_if(if_expr),
            ast::Expr::MatchExpr(match_expr) => self.eval_match(match_expr),
            ast::Expr::LoopExpr(loop_expr) => {
                self.walk_loop(LoopShape::Loop, loop_expr.label(), loop_expr.loop_body());
                Vec::new()
            }
            ast::Expr::WhileExpr(while_expr) => {
                self.walk_loop(
                    LoopShape::While(while_expr.condition()),
                    while_expr.label(),
                    while_expr.loop_body(),
                );
                Vec::new()
            }
            ast::Expr::ForExpr(for_expr) => {
                self.walk_for(for_expr);
                Vec::new()
            }
            ast::Expr::ClosureExpr(closure) => {
                self.walk_closure(closure);
                Vec::new()
            }
            ast::Expr::MacroExpr(macro_expr) => match macro_expr.macro_call() {
                Some(call) => self.eval_macro(&call),
                None => Vec::new(),
            },
            ast::Expr::AsmExpr(_)
            | ast::Expr::FormatArgsExpr(_)
            | ast::Expr::IncludeBytesExpr(_)
            | ast::Expr::Literal(_)
            | ast::Expr::OffsetOfExpr(_)
            | ast::Expr::UnderscoreExpr(_) => Vec::new(),
        }
    }

    fn eval_settled(&mut self, expr: Option<ast::Expr>) {
        if let Some(expr) = expr {
            let pending = self.eval(&expr);
            self.settle(pending);
        }
    }

    fn eval_path(&mut self, path_expr: &ast::PathExpr) -> Vec<Pending> {
        let Some(path) = path_expr.path() else { return Vec::new() };
        if path.qualifier().is_some() {
            return Vec::new();
        }
        let Some(name) = path.segment().and_then(|segment| segment.name_ref()) else {
            return Vec::new();
        };
        self.local_guards(name.text())
            .into_iter()
            .filter(|id| {
                self.state.flow.live.contains_key(id) || self.state.flow.zombies.contains(id)
            })
            .map(Pending::Named)
            .collect()
    }

    fn eval_method_call(&mut self, call: &ast::MethodCallExpr) -> Vec<Pending> {
        let mut receiver_pending =
            call.receiver().map(|receiver| self.eval(&receiver)).unwrap_or_default();
        let method = call.name_ref().map(|name| name.text().to_string()).unwrap_or_default();
        if lock_types::is_lock_like_method(&method) {
            // `store.lock().lock().await`: what is locked again is a lock, not a guard.
            receiver_pending.retain(|item| match *item {
                Pending::Temp(id) if self.guards[id].certainty == Certainty::Candidate => {
                    self.state.flow.release(id);
                    false
                }
                _ => true,
            });
        }
        let args: Vec<ast::Expr> =
            call.arg_list().map(|list| list.args().collect()).unwrap_or_default();
        if !receiver_pending.is_empty() && lock_types::passes_guard_through(&method) {
            for arg in &args {
                let pending = self.eval(arg);
                self.settle(pending);
            }
            return self.moved_on(receiver_pending);
        }
        // `map.get(k).map(|v| v.clone())`: `Option::map` takes the `Option<Ref>` by value and
        // drops the guard in the closure, before the statement goes on.
        if !receiver_pending.is_empty()
            && lock_types::consumes_wrapper(&method)
            && call
                .receiver()
                .is_some_and(|receiver| self.wraps_a_guard(&receiver, &receiver_pending))
        {
            for arg in &args {
                let pending = self.eval(arg);
                self.settle(pending);
            }
            let temporaries: Vec<Pending> = receiver_pending
                .into_iter()
                .filter(|item| matches!(item, Pending::Temp(_)))
                .collect();
            self.consume(temporaries, span_of(call), false);
            return Vec::new();
        }
        self.settle(receiver_pending);
        let receiver_local = match call.receiver() {
            Some(ast::Expr::PathExpr(path))
                if path.path().is_some_and(|p| p.qualifier().is_none()) =>
            {
                path.path()
                    .and_then(|p| p.segment())
                    .and_then(|s| s.name_ref())
                    .map(|n| n.text().to_string())
            }
            _ => None,
        };
        for arg in &args {
            let pending = self.eval(arg);
            if pending.is_empty() {
                continue;
            }
            // `guards.push(m.lock().unwrap())`: the local collection now holds the guard.
            match &receiver_local {
                Some(local)
                    if matches!(
                        method.as_str(),
                        "push"
                            | "push_back"
                            | "push_front"
                            | "insert"
                            | "replace"
                            | "get_or_insert"
                            | "extend"
                    ) =>
                {
                    self.bind_into_existing_local(pending, local);
                }
                _ => self.consume(pending, span_of(call), false),
            }
        }
        self.note_self_call(call, &method);
        let awaited =
            call.syntax().parent().is_some_and(|parent| ast::AwaitExpr::can_cast(parent.kind()));
        if awaited {
            // `m.lock().await`, `rx.changed().await`: the await produces the value, see `eval_await`.
            return Vec::new();
        }
        if let Some(acquisition) = self.classifier.acquisition_of_method(call, &self.state, false) {
            let in_macro = self.in_macro(call.syntax());
            let guessed = self.classifier.oracle.is_none()
                && call.receiver().is_some_and(|receiver| {
                    self.classifier.type_of(&receiver, &self.state) == Ty::Unknown
                });
            let id = self.new_guard(acquisition, span_of(call), in_macro);
            if guessed {
                self.guards[id].certainty = Certainty::Guessed;
            }
            self.note_lock_place(id, call.receiver());
            return vec![Pending::Temp(id)];
        }
        if lock_types::passes_guard_through(&method) {
            return Vec::new();
        }
        if let Some(exact) = self.classifier.exact_type_of(&ast::Expr::MethodCallExpr(call.clone()))
        {
            // rust-analyzer knows what the call returns: a guard from any crate, or not one.
            return match exact {
                Ty::Guard(class, lock) => {
                    let acquisition = Acquisition { lock, class, method };
                    let in_macro = self.in_macro(call.syntax());
                    vec![Pending::Temp(self.new_guard(acquisition, span_of(call), in_macro))]
                }
                _ => Vec::new(),
            };
        }
        let self_type =
            match call.receiver().map(|receiver| self.classifier.type_of(&receiver, &self.state)) {
                Some(Ty::Named(owner)) => Some(owner),
                _ => None,
            };
        // A receiver of unknown type calling `read()`/`lock()`… could be anything's: only a
        // distinctive name (`state()`) is trusted to be the crate's guard-returning method.
        if self_type.is_none() && lock_types::is_acquire_method_name(&method) {
            let no_args = args.is_empty();
            return match no_args && lock_types::is_lock_like_method(&method) {
                true => self.new_candidate(call.syntax(), &method),
                false => Vec::new(),
            };
        }
        if let Ty::Guard(class, lock) =
            self.classifier.index.method_ret(self_type.as_deref(), &method)
        {
            let acquisition = Acquisition { lock, class, method };
            let in_macro = self.in_macro(call.syntax());
            return vec![Pending::Temp(self.new_guard(acquisition, span_of(call), in_macro))];
        }
        if self_type.is_none() && lock_types::may_return_guard(&method) {
            return self.new_candidate(call.syntax(), &method);
        }
        Vec::new()
    }

    /// Whether `expr`, whose value holds the `pending` guard, is an `Option`/`Result` around
    /// it (`m.lock()`, `map.get(k)`, `m.try_lock().ok()`) rather than the guard itself.
    fn wraps_a_guard(&self, expr: &ast::Expr, pending: &[Pending]) -> bool {
        match expr {
            ast::Expr::ParenExpr(paren) => {
                paren.expr().is_some_and(|inner| self.wraps_a_guard(&inner, pending))
            }
            ast::Expr::MethodCallExpr(call) => {
                let name = call.name_ref().map(|name| name.text().to_string()).unwrap_or_default();
                match name.as_str() {
                    "ok" | "err" | "map_err" | "or_else" => true,
                    _ if lock_types::passes_guard_through(&name) => false,
                    _ => pending.iter().any(|item| {
                        let (Pending::Temp(id) | Pending::Named(id)) = *item;
                        let guard = &self.guards[id];
                        guard.acquire == span_of(call)
                            && lock_types::acquisition_wraps(
                                guard.acquisition.lock,
                                &guard.acquisition.method,
                            )
                    }),
                }
            }
            _ => false,
        }
    }

    fn bind_into_existing_local(&mut self, pending: Vec<Pending>, local_name: &str) {
        let pending = self.moved_on(pending);
        let Some(scope_index) = self
            .state
            .scopes
            .iter()
            .rposition(|scope| scope.locals.iter().any(|local| local.name == local_name))
        else {
            return self.settle(pending);
        };
        for item in pending {
            let (Pending::Temp(id) | Pending::Named(id)) = item;
            self.guards[id].binding = Some(local_name.to_owned());
            self.guards[id].held_because = Some(HeldBecause::NamedBinding);
            let scope = &mut self.state.scopes[scope_index];
            scope.guards.push(id);
            if let Some(local) =
                scope.locals.iter_mut().rev().find(|local| local.name == local_name)
                && !local.guards.contains(&id)
            {
                local.guards.push(id);
            }
        }
    }

    fn eval_call(&mut self, call: &ast::CallExpr) -> Vec<Pending> {
        self.note_spawned_senders(call);
        self.note_free_call(call);
        let callee = call.expr();
        let callee_path = match &callee {
            Some(ast::Expr::PathExpr(path_expr)) => {
                path_expr.path().map(|path| crate::parse::tree_text(path.syntax()))
            }
            _ => {
                self.eval_settled(callee.clone());
                None
            }
        };
        let mut pending = Vec::new();
        for arg in call.arg_list().into_iter().flat_map(|list| list.args()) {
            pending.extend(self.eval(&arg));
        }
        let callee_path = callee_path.unwrap_or_default();
        let segments: Vec<&str> = callee_path.split("::").map(str::trim).collect();
        let function = segments.last().copied().unwrap_or_default();
        let owner = segments.len().checked_sub(2).map(|at| segments[at]);
        if matches!(
            segments.as_slice(),
            ["drop"] | ["mem", "drop"] | ["std" | "core", "mem", "drop"]
        ) {
            self.consume(pending, span_of(call), true);
            return Vec::new();
        }
        let wraps_value = function.starts_with(|c: char| c.is_uppercase())
            || matches!(
                owner,
                Some("Box" | "Rc" | "Arc" | "Some" | "Ok" | "Mutex" | "RefCell" | "Cell")
            )
            || owner.is_some_and(|owner| lock_types::guard_type(owner).is_some());
        if wraps_value && !pending.is_empty() {
            return self.moved_on(pending);
        }
        self.consume(pending, span_of(call), false);
        if let [name] = segments.as_slice()
            && let Some(acquisition) = self.local_gives(name)
        {
            let in_macro = self.in_macro(call.syntax());
            return vec![Pending::Temp(self.new_guard(acquisition, span_of(call), in_macro))];
        }
        if let Ty::Guard(class, lock) =
            self.classifier.type_of(&ast::Expr::CallExpr(call.clone()), &self.state)
        {
            let acquisition = Acquisition { lock, class, method: function.to_owned() };
            let in_macro = self.in_macro(call.syntax());
            return vec![Pending::Temp(self.new_guard(acquisition, span_of(call), in_macro))];
        }
        // `acquire_slot().await`: the call's value is the future the await consumes.
        let awaited =
            call.syntax().parent().is_some_and(|parent| ast::AwaitExpr::can_cast(parent.kind()));
        // A struct the crate declares (`AbortGuard(handle)`) is known: a guard only if the
        // index says so, which it did not above.
        let declared_struct = self.classifier.index.declares_struct(last_segment(function));
        if lock_types::may_return_guard(function) && !awaited && !declared_struct {
            return self.new_candidate(call.syntax(), function);
        }
        Vec::new()
    }

    fn eval_await(&mut self, await_expr: &ast::AwaitExpr) -> Vec<Pending> {
        let operand = await_expr.expr();
        let pending = operand.as_ref().map(|operand| self.eval(operand)).unwrap_or_default();
        self.settle(pending);
        if let Some(operand) = &operand {
            self.note_awaited_task(operand, span_of(await_expr));
        }
        self.record_await(span_of(await_expr));
        let acquisition = match &operand {
            Some(ast::Expr::MethodCallExpr(call)) => self
                .classifier
                .acquisition_of_method(call, &self.state, true)
                .filter(|acquisition| acquisition.class == LockClass::Async)
                .or_else(|| self.awaited_guard_of_method(call)),
            Some(ast::Expr::CallExpr(call)) => self.awaited_guard_of_call(call),
            _ => None,
        };
        // An async fn of another crate returning a guard: only rust-analyzer can tell.
        let acquisition = acquisition.or_else(|| {
            match self.classifier.exact_type_of(&ast::Expr::AwaitExpr(await_expr.clone()))? {
                Ty::Guard(class, lock) => {
                    let method = match &operand {
                        Some(ast::Expr::MethodCallExpr(call)) => {
                            call.name_ref()?.text().to_string()
                        }
                        _ => String::from("await"),
                    };
                    Some(Acquisition { lock, class, method })
                }
                _ => None,
            }
        });
        match acquisition {
            Some(acquisition) => {
                let in_macro = self.in_macro(await_expr.syntax());
                let id = self.new_guard(acquisition, span_of(await_expr), in_macro);
                if let Some(ast::Expr::MethodCallExpr(call)) = &operand {
                    self.note_lock_place(id, call.receiver());
                }
                vec![Pending::Temp(id)]
            }
            None => Vec::new(),
        }
    }

    /// `self.state().await` where the crate's `async fn state(&self) -> MutexGuard<…>`.
    fn awaited_guard_of_method(&self, call: &ast::MethodCallExpr) -> Option<Acquisition> {
        let method = call.name_ref()?.text().to_string();
        let self_type =
            match call.receiver().map(|receiver| self.classifier.type_of(&receiver, &self.state)) {
                Some(Ty::Named(owner)) => Some(owner),
                _ => None,
            };
        // Only on a receiver of known type: `read`/`lock`/`write` are async methods of every
        // I/O type and async lock, and their outputs are no blocking guards.
        let self_type = self_type?;
        let awaited = format!("{method}{}", super::index::AWAITED);
        match self.classifier.index.method_ret(Some(&self_type), &awaited) {
            Ty::Guard(class, lock) => Some(Acquisition { lock, class, method }),
            _ => None,
        }
    }

    /// `load_state().await` where the crate's `async fn load_state() -> MutexGuard<…>`.
    fn awaited_guard_of_call(&self, call: &ast::CallExpr) -> Option<Acquisition> {
        let ast::Expr::PathExpr(path) = call.expr()? else { return None };
        let path = path.path()?;
        if path.qualifier().is_some() {
            return None;
        }
        let function = path.segment()?.name_ref()?.text().to_string();
        match self.classifier.index.free_fn_ret(&format!("{function}{}", super::index::AWAITED)) {
            Ty::Guard(class, lock) => Some(Acquisition { lock, class, method: function }),
            _ => None,
        }
    }

    fn eval_binary(&mut self, bin: &ast::BinExpr) -> Vec<Pending> {
        match bin.op_kind() {
            Some(ast::BinaryOp::LogicOp(_)) => {
                // Each operand of `&&`/`||` is a temporary scope of its own.
                for operand in [bin.lhs(), bin.rhs()].into_iter().flatten() {
                    self.push_scope(ScopeKind::Temporary, end_span(operand.syntax().text_range()));
                    self.eval_settled(Some(operand));
                    self.pop_scope();
                }
                Vec::new()
            }
            Some(ast::BinaryOp::Assignment { op: None }) => {
                // The assigned value is evaluated before the place it goes to.
                let value = bin.rhs().map(|rhs| self.eval(&rhs)).unwrap_or_default();
                match bin.lhs() {
                    Some(ast::Expr::PathExpr(path)) if single_name(&path).is_some() => {
                        let name = single_name(&path).unwrap_or_default();
                        for old in self.local_guards(&name) {
                            if self.state.flow.live.contains_key(&old) {
                                self.state.flow.release(old);
                                self.guards[old].released_at.get_or_insert(span_of(bin));
                            }
                            self.unbind(old);
                        }
                        if !value.is_empty() {
                            self.bind_into_existing_local(value, &name);
                        }
                    }
                    lhs => {
                        self.eval_settled(lhs);
                        self.consume(value, span_of(bin), false);
                    }
                }
                Vec::new()
            }
            _ => {
                // Compound assignment on non-primitive operands evaluates the place first; we
                // cannot tell primitive from not, so take the order that reports more.
                self.eval_settled(bin.lhs());
                self.eval_settled(bin.rhs());
                Vec::new()
            }
        }
    }

    fn eval_if(&mut self, if_expr: &ast::IfExpr) -> Vec<Pending> {
        let condition = if_expr.condition();
        let is_let = condition.as_ref().is_some_and(condition_has_let);
        let mut branch_pending = Vec::new();
        if !is_let {
            self.push_scope(
                ScopeKind::Temporary,
                condition.as_ref().map_or(span_of(if_expr), |c| end_span(c.syntax().text_range())),
            );
            self.eval_settled(condition);
            self.pop_scope();
            let before = self.state.flow.clone();
            if let Some(then_branch) = if_expr.then_branch() {
                branch_pending.extend(self.walk_body_block(&then_branch));
            }
            let after_then = std::mem::replace(&mut self.state.flow, before);
            branch_pending.extend(self.eval_else(if_expr));
            self.state.flow = std::mem::take(&mut self.state.flow).merge(after_then);
            return branch_pending;
        }
        // `if let`: edition 2024 drops scrutinee temporaries before `else`; 2021 keeps them
        // until the end of the enclosing statement.
        let own_scope = drop_scopes::if_let_scrutinee_drops_before_else(self.edition);
        if own_scope {
            let end = if_expr
                .then_branch()
                .map_or(span_of(if_expr), |then| end_span(then.syntax().text_range()));
            self.push_scope(ScopeKind::Temporary, end);
        }
        let then_end = if_expr
            .then_branch()
            .map_or(span_of(if_expr), |then| end_span(then.syntax().text_range()));
        self.push_scope(ScopeKind::Block, then_end);
        if let Some(condition) = &condition {
            self.eval_let_chain(condition, HeldBecause::IfLetScrutinee);
        }
        let bindings_scope = self.state.scopes.pop();
        // The path where the pattern does not match: no bindings.
        let mut not_matched = self.state.flow.clone();
        let scrutinee_temporaries: Vec<GuardId> = if own_scope {
            self.state.scopes.last().map(|scope| scope.guards.clone()).unwrap_or_default()
        } else {
            Vec::new()
        };
        for &id in &scrutinee_temporaries {
            not_matched.release(id);
        }
        if !own_scope && let Some(scope) = &bindings_scope {
            // Edition ≤ 2021: where the pattern fails, the scrutinee's value (`Err(…)`) lives
            // on through `else`. It holds no lock, but its type makes the future `!Send`.
            for &id in &scope.guards {
                if let Some(always) = not_matched.live.remove(&id) {
                    let unmatched = self.unmatched_copy(id);
                    not_matched.live.insert(unmatched, always);
                }
            }
        }
        if let Some(scope) = bindings_scope {
            self.state.scopes.push(scope);
        }
        if let Some(then_branch) = if_expr.then_branch() {
            branch_pending.extend(self.walk_body_block(&then_branch));
        }
        self.pop_scope();
        if own_scope {
            self.pop_scope();
        }
        let after_then = std::mem::replace(&mut self.state.flow, not_matched);
        branch_pending.extend(self.eval_else(if_expr));
        self.state.flow = std::mem::take(&mut self.state.flow).merge(after_then);
        branch_pending
    }

    fn eval_else(&mut self, if_expr: &ast::IfExpr) -> Vec<Pending> {
        match if_expr.else_branch() {
            Some(ast::ElseBranch::Block(block)) => self.walk_body_block(&block),
            Some(ast::ElseBranch::IfExpr(elif)) => self.eval_if(&elif),
            None => Vec::new(),
        }
    }

    /// `let P = e && let Q = f && cond`: scrutinee guards bound by a pattern become named
    /// guards of the innermost (bindings) scope; other scrutinee temporaries are placed with
    /// `reason`; plain operands are temporary scopes of their own.
    fn eval_let_chain(&mut self, condition: &ast::Expr, reason: HeldBecause) {
        match condition {
            ast::Expr::BinExpr(bin)
                if matches!(bin.op_kind(), Some(ast::BinaryOp::LogicOp(ast::LogicOp::And))) =>
            {
                if let Some(lhs) = bin.lhs() {
                    self.eval_let_chain(&lhs, reason);
                }
                if let Some(rhs) = bin.rhs() {
                    self.eval_let_chain(&rhs, reason);
                }
            }
            ast::Expr::LetExpr(let_expr) => {
                let pending = self.with_scrutinee_reason(reason, |walker| {
                    let_expr.expr().map(|scrutinee| walker.eval(&scrutinee)).unwrap_or_default()
                });
                let names = let_expr.pat().map(|pat| bound_names(&pat)).unwrap_or_default();
                if names.is_empty() {
                    self.with_scrutinee_reason(reason, |walker| walker.settle(pending));
                } else {
                    // Bound: a named guard for the `then` branch, still a scrutinee temporary
                    // on the path where the pattern fails.
                    for item in &pending {
                        if let Pending::Temp(id) = *item {
                            self.with_scrutinee_reason(reason, |walker| walker.place_temporary(id));
                        }
                    }
                    self.bind(pending, &names, Ty::Unknown);
                }
            }
            other => {
                self.push_scope(ScopeKind::Temporary, end_span(other.syntax().text_range()));
                self.eval_settled(Some(other.clone()));
                self.pop_scope();
            }
        }
    }

    fn eval_match(&mut self, match_expr: &ast::MatchExpr) -> Vec<Pending> {
        let scrutinee_pending = self.with_scrutinee_reason(HeldBecause::MatchScrutinee, |walker| {
            match_expr.expr().map(|scrutinee| walker.eval(&scrutinee)).unwrap_or_default()
        });
        let scrutinee_guards: Vec<Pending> = scrutinee_pending.clone();
        self.with_scrutinee_reason(HeldBecause::MatchScrutinee, |walker| {
            walker.settle(scrutinee_pending)
        });
        let start = self.state.flow.clone();
        let mut merged: Option<Flow> = None;
        let mut pending = Vec::new();
        for arm in match_expr.match_arm_list().into_iter().flat_map(|list| list.arms()) {
            self.state.flow = start.clone();
            self.push_scope(ScopeKind::Block, end_span(arm.syntax().text_range()));
            let names = arm.pat().map(|pat| bound_names(&pat)).unwrap_or_default();
            if !names.is_empty() {
                let bound: Vec<Pending> = scrutinee_guards
                    .iter()
                    .filter(|item| matches!(item, Pending::Temp(_)))
                    .copied()
                    .collect();
                if !bound.is_empty() {
                    self.bind(bound, &names, Ty::Unknown);
                } else {
                    self.bind(Vec::new(), &names, Ty::Unknown);
                }
            }
            if let Some(condition) = arm.guard().and_then(|guard| guard.condition()) {
                self.push_scope(ScopeKind::Temporary, end_span(condition.syntax().text_range()));
                self.eval_settled(Some(condition));
                self.pop_scope();
            }
            let mut arm_value = Vec::new();
            if let Some(body) = arm.expr() {
                self.push_scope(ScopeKind::Temporary, end_span(body.syntax().text_range()));
                let value = self.eval(&body);
                arm_value = self.moved_on(value);
                self.pop_scope();
            }
            // `Ok(guard) => guard`: the arm's value leaves the arm with the guard it binds.
            self.keep_leaving_guards(&arm_value);
            pending.extend(arm_value);
            self.pop_scope();
            let flow = std::mem::take(&mut self.state.flow);
            merged = Some(match merged {
                Some(previous) => previous.merge(flow),
                None => flow,
            });
        }
        self.state.flow = merged.unwrap_or(start);
        pending
    }

    fn walk_for(&mut self, for_expr: &ast::ForExpr) {
        // `for` is a `match` on the iterator: its temporaries live through the whole loop.
        let pending = self.with_scrutinee_reason(HeldBecause::ForIterator, |walker| {
            for_expr.iterable().map(|iterable| walker.eval(&iterable)).unwrap_or_default()
        });
        self.with_scrutinee_reason(HeldBecause::ForIterator, |walker| walker.settle(pending));
        let names = for_expr.pat().map(|pat| bound_names(&pat)).unwrap_or_default();
        self.walk_loop(LoopShape::For(names), for_expr.label(), for_expr.loop_body());
    }

    fn walk_loop(
        &mut self,
        shape: LoopShape,
        label: Option<ast::Label>,
        body: Option<ast::BlockExpr>,
    ) {
        let label =
            label.and_then(|label| label.lifetime()).map(|lifetime| lifetime.text().to_string());
        let entry = self.state.flow.clone();
        let mut exits: Vec<Flow> = Vec::new();
        let mut breaks: Vec<Flow> = Vec::new();
        // Two passes: the second starts from the back edge, so guards alive there meet the
        // awaits at the top of the body.
        for pass in 0..2 {
            exits.clear();
            self.state.loops.push(LoopFrame {
                label: label.clone(),
                is_block: false,
                scope_depth: self.state.scopes.len(),
                breaks: Vec::new(),
                continues: Vec::new(),
            });
            let body_end =
                body.as_ref().map_or(Span::new(0, 0), |body| end_span(body.syntax().text_range()));
            let mut iteration_scopes = 0;
            match &shape {
                LoopShape::Loop => {}
                LoopShape::For(names) => {
                    self.exits_here(&mut exits);
                    self.push_scope(ScopeKind::Block, body_end);
                    self.bind(Vec::new(), names, Ty::Unknown);
                    iteration_scopes = 1;
                }
                LoopShape::While(condition) => {
                    let condition = condition.clone();
                    if condition.as_ref().is_some_and(condition_has_let) {
                        // `while let`: scrutinee temporaries live through this iteration's body.
                        self.push_scope(ScopeKind::Temporary, body_end);
                        self.push_scope(ScopeKind::Block, body_end);
                        if let Some(condition) = &condition {
                            self.eval_let_chain(condition, HeldBecause::WhileLetScrutinee);
                        }
                        let mut failed = self.state.flow.clone();
                        for scope in &self.state.scopes[self.state.scopes.len() - 2..] {
                            for &id in &scope.guards {
                                failed.release(id);
                            }
                        }
                        exits.push(failed);
                        iteration_scopes = 2;
                    } else {
                        self.push_scope(
                            ScopeKind::Temporary,
                            condition
                                .as_ref()
                                .map_or(body_end, |c| end_span(c.syntax().text_range())),
                        );
                        self.eval_settled(condition);
                        self.pop_scope();
                        self.exits_here(&mut exits);
                    }
                }
            }
            if let Some(body) = &body {
                let pending = self.walk_body_block(body);
                self.settle(pending);
            }
            for _ in 0..iteration_scopes {
                self.pop_scope();
            }
            let frame = self.state.loops.pop();
            let mut back_edge = std::mem::take(&mut self.state.flow);
            if let Some(frame) = frame {
                back_edge = frame.continues.into_iter().fold(back_edge, Flow::merge);
                breaks = frame.breaks;
            }
            if matches!(shape, LoopShape::For(_)) {
                exits.push(back_edge.clone());
            }
            self.state.flow = if pass == 0 { entry.clone().merge(back_edge) } else { back_edge };
        }
        let mut exit = Flow { unreachable: true, ..Flow::default() };
        for flow in exits.into_iter().chain(breaks) {
            exit = exit.merge(flow);
        }
        self.state.flow = exit;
    }

    fn exits_here(&self, exits: &mut Vec<Flow>) {
        exits.push(self.state.flow.clone());
    }

    /// `break`/`continue`: the current path ends here and resumes after (or at the top of) the
    /// target loop, without the guards of the scopes it leaves.
    fn jump(&mut self, label: Option<String>, is_break: bool) {
        let target = self.state.loops.iter().rposition(|frame| match &label {
            Some(label) => frame.label.as_deref() == Some(label.as_str()),
            None => !frame.is_block,
        });
        if let Some(target) = target {
            let depth = self.state.loops[target].scope_depth;
            let flow = self.leave_scopes_from(depth, self.state.flow.clone());
            let frame = &mut self.state.loops[target];
            if is_break {
                frame.breaks.push(flow);
            } else {
                frame.continues.push(flow);
            }
        }
        self.state.flow.unreachable = true;
    }

    // ----- closures, async blocks, macros -----

    fn walk_closure(&mut self, closure: &ast::ClosureExpr) {
        let is_move = closure.move_token().is_some();
        let params: Vec<String> = closure
            .param_list()
            .into_iter()
            .flat_map(|list| list.params())
            .filter_map(|param| param.pat())
            .flat_map(|pat| bound_names(&pat))
            .collect();
        self.walk_nested_context(closure.syntax(), is_move, Some(params));
    }

    /// An async block or a closure: a context of its own. Guards it captures by move are
    /// alive for its whole life (and gone from the enclosing context).
    fn walk_nested_context(
        &mut self,
        node: &SyntaxNode,
        is_move: bool,
        closure_params: Option<Vec<String>>,
    ) {
        let referenced = free_names(node);
        let mut captured_scope = Scope {
            kind: ScopeKind::Block,
            locals: Vec::new(),
            guards: Vec::new(),
            end: end_span(node.text_range()),
        };
        let mut captured_guards = Vec::new();
        let outer_locals: Vec<Local> =
            self.state.scopes.iter().flat_map(|scope| scope.locals.iter().cloned()).collect();
        let context_span: Span = node.text_range().into();
        for local in outer_locals {
            let mut inner = Local {
                name: local.name.clone(),
                ty: local.ty.clone(),
                guards: Vec::new(),
                gives: local.gives.clone(),
            };
            let alive: Vec<GuardId> = local
                .guards
                .iter()
                .copied()
                .filter(|id| self.state.flow.live.contains_key(id))
                .collect();
            for id in alive {
                if !referenced.contains(&local.name) {
                    break;
                }
                if is_move {
                    self.consume(vec![Pending::Named(id)], context_span, false);
                    let mut record = self.guards[id].clone();
                    record.context = context_span;
                    record.awaits.clear();
                    record.zombie_awaits.clear();
                    record.held_because = Some(HeldBecause::CapturedByAsyncBlock);
                    record.released_at = Some(end_span(node.text_range()));
                    record.used_after_await = false;
                    record.awaited_since_acquire = false;
                    record.sometimes = false;
                    record.loop_carried = false;
                    let new_id = self.guards.len();
                    self.guards.push(record);
                    inner.guards.push(new_id);
                    captured_guards.push(new_id);
                } else {
                    self.guards[id].borrowed = true;
                }
            }
            captured_scope.locals.push(inner);
        }
        for name in closure_params.clone().unwrap_or_default() {
            captured_scope.locals.push(Local {
                name,
                ty: Ty::Unknown,
                guards: Vec::new(),
                gives: None,
            });
        }
        captured_scope.guards = captured_guards.clone();
        let saved = std::mem::take(&mut self.state);
        self.state = ContextState {
            context: context_span,
            self_type: saved.self_type.clone(),
            scopes: vec![captured_scope],
            ..ContextState::default()
        };
        for id in captured_guards {
            self.state.flow.live.insert(id, true);
        }
        if let Some(block) = ast::BlockExpr::cast(node.clone()) {
            self.push_scope(ScopeKind::Temporary, end_span(node.text_range()));
            // The async block itself, walked as a plain block of statements.
            self.push_scope(ScopeKind::Block, end_span(node.text_range()));
            if let Some(list) = block.stmt_list() {
                for stmt in list.statements() {
                    self.walk_stmt(&stmt);
                }
                if let Some(tail) = list.tail_expr() {
                    self.push_scope(ScopeKind::Temporary, end_span(tail.syntax().text_range()));
                    let pending = self.eval(&tail);
                    self.consume(pending, span_of(&tail), false);
                    self.pop_scope();
                }
            }
            self.pop_scope();
            self.pop_scope();
        } else if let Some(closure) = ast::ClosureExpr::cast(node.clone())
            && let Some(body) = closure.body()
        {
            self.push_scope(ScopeKind::Temporary, end_span(body.syntax().text_range()));
            let pending = self.eval(&body);
            let gives = pending.iter().find_map(|item| match *item {
                Pending::Temp(id) => Some(self.guards[id].acquisition.clone()),
                Pending::Named(_) => None,
            });
            self.consume(pending, span_of(&body), false);
            self.pop_scope();
            self.pop_scope();
            self.state = saved;
            self.closure_gives = gives;
            return;
        }
        self.pop_scope();
        self.state = saved;
    }

    fn eval_macro(&mut self, call: &ast::MacroCall) -> Vec<Pending> {
        let is_await_macro =
            macros::macro_name(call).is_some_and(|name| macros::is_await_macro(&name));
        // Reading a macro's arguments means parsing them again: skip it where nothing in them
        // can take a guard or await, and no guard is alive to be used there.
        let nothing_alive = self.state.flow.live.is_empty() && self.state.flow.zombies.is_empty();
        if nothing_alive && !is_await_macro && !macros::may_take_a_guard_or_await(call) {
            return Vec::new();
        }
        let body = self.macros.read(call);
        match body {
            MacroBody::Exprs { exprs, awaits } => {
                for expr in &exprs {
                    let pending = self.eval(expr);
                    self.settle(pending);
                }
                if awaits {
                    self.record_await(span_of(call));
                }
            }
            MacroBody::Select { futures, handlers } => {
                for future in &futures {
                    let pending = self.eval(future);
                    self.settle(pending);
                }
                self.record_await(span_of(call));
                let start = self.state.flow.clone();
                let mut merged: Option<Flow> = None;
                for handler in &handlers {
                    self.state.flow = start.clone();
                    self.push_scope(ScopeKind::Temporary, end_span(handler.syntax().text_range()));
                    let pending = self.eval(handler);
                    self.settle(pending);
                    self.pop_scope();
                    let flow = std::mem::take(&mut self.state.flow);
                    merged = Some(match merged {
                        Some(previous) => previous.merge(flow),
                        None => flow,
                    });
                }
                self.state.flow = merged.unwrap_or(start);
            }
            MacroBody::Opaque => {
                if is_await_macro {
                    self.record_await(span_of(call));
                }
            }
        }
        Vec::new()
    }
}

enum LoopShape {
    Loop,
    While(Option<ast::Expr>),
    For(Vec<String>),
}

/// Whether a condition is an `if let`/`while let` or a let chain.
/// A lock's receiver as a place: a path (`m`, `STATE`, `crate::STATE`), fields of one
/// (`self.inner.state`), through parentheses, `&` and `*`; whitespace left out. Anything else
/// (a call, an index) may name a different lock each time it is evaluated.
pub(crate) fn lock_place(receiver: &ast::Expr) -> Option<String> {
    match receiver {
        ast::Expr::PathExpr(_) => {}
        ast::Expr::FieldExpr(field) => {
            lock_place(&field.expr()?)?;
        }
        ast::Expr::ParenExpr(paren) => return lock_place(&paren.expr()?),
        ast::Expr::RefExpr(reference) => return lock_place(&reference.expr()?),
        ast::Expr::PrefixExpr(prefix) if prefix.op_kind() == Some(ast::UnaryOp::Deref) => {
            return lock_place(&prefix.expr()?);
        }
        _ => return None,
    }
    let text = crate::parse::tree_text(receiver.syntax());
    Some(text.chars().filter(|c| !c.is_whitespace()).collect())
}

/// Whether two places name the same lock: the same text, or one static however its path is
/// spelt (`STATE`, `crate::STATE`).
fn same_place(a: &str, b: &str) -> bool {
    a == b
        || super::self_locks::static_place(a)
            .is_some_and(|a| super::self_locks::static_place(b).is_some_and(|b| a == b))
}

/// A channel's constructor: `oneshot::channel()`, `mpsc::channel(8)`, `unbounded_channel()`.
fn is_channel_call(init: &ast::Expr) -> bool {
    let ast::Expr::CallExpr(call) = init else { return false };
    let Some(ast::Expr::PathExpr(callee)) = call.expr() else { return false };
    callee
        .path()
        .and_then(|path| path.segment())
        .and_then(|segment| segment.name_ref())
        .is_some_and(|name| {
            matches!(name.text(), "channel" | "unbounded_channel" | "bounded" | "unbounded")
        })
}

/// `X.clone()`, `Arc::clone(&X)` or `Rc::clone(&X)` of a place `X`: the place.
fn cloned_place(init: &ast::Expr) -> Option<String> {
    match init {
        ast::Expr::MethodCallExpr(call)
            if call.name_ref()?.text() == "clone" && call.arg_list()?.args().next().is_none() =>
        {
            lock_place(&call.receiver()?)
        }
        ast::Expr::CallExpr(call) => {
            let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
            let path = callee.path()?;
            let is_clone = path.segment()?.name_ref()?.text() == "clone"
                && path.qualifier().is_some_and(|q| {
                    matches!(
                        q.syntax().text().to_string().as_str(),
                        "Arc" | "Rc" | "std::sync::Arc" | "std::rc::Rc"
                    )
                });
            let mut args = call.arg_list()?.args();
            let (Some(arg), None) = (args.next(), args.next()) else { return None };
            is_clone.then(|| lock_place(&arg)).flatten()
        }
        _ => None,
    }
}

fn condition_has_let(condition: &ast::Expr) -> bool {
    match condition {
        ast::Expr::LetExpr(_) => true,
        ast::Expr::BinExpr(bin)
            if matches!(bin.op_kind(), Some(ast::BinaryOp::LogicOp(ast::LogicOp::And))) =>
        {
            bin.lhs().is_some_and(|lhs| condition_has_let(&lhs))
                || bin.rhs().is_some_and(|rhs| condition_has_let(&rhs))
        }
        _ => false,
    }
}

/// The names a pattern binds by value or reference (`_` binds none).
pub fn bound_names(pat: &ast::Pat) -> Vec<String> {
    let mut names = Vec::new();
    for node in pat.syntax().descendants() {
        if let Some(ident) = ast::IdentPat::cast(node)
            && let Some(name) = ident.name()
        {
            let text = name.text().to_string();
            // A lone capitalised identifier is a unit variant or const (`None`), not a binding.
            if ident.pat().is_none()
                && text.starts_with(|c: char| c.is_uppercase())
                && ident.syntax().parent().is_some_and(|p| !ast::Param::can_cast(p.kind()))
            {
                continue;
            }
            names.push(text);
        }
    }
    names
}

/// The names a closure or async block takes from outside: those it refers to where no
/// binding of its own is in scope (`async move { let g = x.lock(); g.len() }` does not
/// capture an outer `g`).
fn free_names(node: &SyntaxNode) -> BTreeSet<String> {
    let bindings: Vec<(String, TextRange)> = node
        .descendants()
        .filter_map(ast::IdentPat::cast)
        .filter_map(|ident| Some((ident.name()?.text().to_string(), visible_range(&ident)?)))
        .collect();
    node.descendants()
        .filter_map(ast::PathExpr::cast)
        .filter_map(|path| {
            let name = single_name(&path)?;
            let at = path.syntax().text_range().start();
            let bound = bindings.iter().any(|(bound, range)| *bound == name && range.contains(at));
            (!bound).then_some(name)
        })
        .collect()
}

/// Where a binding can be referred to: after its `let` to the end of the block; in its
/// closure, arm, loop body or `if let`/`while let` branch.
fn visible_range(ident: &ast::IdentPat) -> Option<TextRange> {
    for ancestor in ident.syntax().ancestors().skip(1) {
        if let Some(let_stmt) = ast::LetStmt::cast(ancestor.clone()) {
            let block = let_stmt.syntax().parent()?;
            let start = let_stmt.syntax().text_range().end();
            return Some(TextRange::new(start, block.text_range().end().max(start)));
        }
        if ast::Param::can_cast(ancestor.kind()) {
            let owner = ancestor.ancestors().find(|node| {
                ast::ClosureExpr::can_cast(node.kind()) || ast::Fn::can_cast(node.kind())
            })?;
            return Some(owner.text_range());
        }
        if ast::MatchArm::can_cast(ancestor.kind()) {
            return Some(ancestor.text_range());
        }
        if let Some(for_expr) = ast::ForExpr::cast(ancestor.clone()) {
            return for_expr.loop_body().map(|body| body.syntax().text_range());
        }
        if ast::LetExpr::can_cast(ancestor.kind()) {
            let holder = ancestor.ancestors().find_map(|node| {
                if let Some(if_expr) = ast::IfExpr::cast(node.clone()) {
                    return if_expr.then_branch().map(|then| then.syntax().text_range());
                }
                ast::WhileExpr::cast(node)?.loop_body().map(|body| body.syntax().text_range())
            });
            return holder;
        }
        if ast::Expr::can_cast(ancestor.kind()) && !ast::Pat::can_cast(ancestor.kind()) {
            return None;
        }
    }
    None
}

fn single_name(path: &ast::PathExpr) -> Option<String> {
    let path = path.path()?;
    if path.qualifier().is_some() {
        return None;
    }
    Some(path.segment()?.name_ref()?.text().to_string())
}
