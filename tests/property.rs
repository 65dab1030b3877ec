//! Property tests: generated and mutated async Rust fed to `check_source` and `fix_file`.
//!
//! The generator builds programs from a grammar of the shapes guardfix cares about: structs with
//! `Mutex`/`RwLock`/`RefCell`/parking_lot/tokio fields, async fns and methods whose bodies take
//! guards, use them, drop them and await, statement temporaries mixed with awaits, branches,
//! loops, blocks, closures, async blocks, `select!`/`join!`, `return`/`break`/`continue`/`?`.
//! The rendered text always parses; it need not type-check. For every program, in editions 2021
//! and 2024:
//! - `check_source` does not panic;
//! - `fix_file` (strategy auto, with and without unsafe fixes) does not panic, its output parses,
//!   a second run changes nothing, and the output has no more findings than the input.
//!
//! Mutated programs (byte ranges deleted, lines duplicated or swapped, tokens deleted, duplicated
//! or swapped, `}` and other text inserted) must not make either panic; `fix_file` leaves a file
//! with syntax errors alone, and one that still parses must meet the properties above.
//!
//! The default run is small and always the same (a fixed seed). `GUARDFIX_PROPTEST_CASES=N`
//! runs N cases per test from a random seed (`PROPTEST_RNG_SEED` fixes it); `--nocapture` shows
//! what the cases covered. Failures are shrunk and their seeds persisted in
//! `tests/property.proptest-regressions`, which is replayed first on the next run.

use std::cell::Cell;

use guardfix::analyse::{CheckOptions, check_source};
use guardfix::discover::Edition;
use guardfix::edit::engine::{FixOptions, StrategyChoice, fix_file};
use guardfix::finding::Strategy as FixStrategy;
use guardfix::render::diff::unified_diff;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestError, TestRunner};
use ra_ap_syntax::SourceFile;

const EDITIONS: [Edition; 2] = [Edition::Edition2021, Edition::Edition2024];

// ---------------------------------------------------------------------------------------------
// The grammar.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LockTy {
    StdMutex,
    StdRwLock,
    RefCell,
    PlMutex,
    PlRwLock,
    TokioMutex,
}

/// What the lock protects: decides which uses of a guard are rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Inner {
    Vec,
    Num,
}

#[derive(Clone, Copy, Debug)]
struct LockDecl {
    ty: LockTy,
    inner: Inner,
    arc: bool,
}

#[derive(Clone, Copy, Debug)]
enum Layout {
    /// Four spaces, one statement a line.
    Pretty,
    /// Tabs.
    Tabs,
    /// Every fn body on one line.
    Dense,
}

#[derive(Clone, Debug)]
struct Program {
    full_paths: bool,
    include_async_locks: bool,
    layout: Layout,
    structs: Vec<Vec<LockDecl>>,
    statics: Vec<LockDecl>,
    fns: Vec<FnDecl>,
}

#[derive(Clone, Debug)]
struct FnDecl {
    /// A method of struct `owner % structs.len()` (a free fn when there are no structs).
    method: bool,
    owner: u8,
    /// A free fn takes `state: Arc<S>` instead of `state: &S`.
    arc_state: bool,
    is_async: bool,
    returns_result: bool,
    /// The body ends in an awaiting tail expression.
    tail_await: bool,
    allow: bool,
    params: Vec<LockDecl>,
    body: Vec<Stmt>,
}

/// Small numbers pick among the variants of a shape, the live guards and the lock receivers
/// (modulo how many there are), so that shrinking moves toward the first of each.
#[derive(Clone, Debug)]
enum Stmt {
    LetGuard { mutable: bool, lock: u8, variant: u8, wrap: u8 },
    UseGuard { which: u8, how: u8 },
    Drop(u8),
    Await { how: u8, which: u8 },
    Temporary { lock: u8, variant: u8, shape: u8 },
    HeldAssign(u8),
    Comment(u8),
    Return,
    Break,
    Continue,
    Try(u8),
    If { cond: u8, then: Vec<Stmt>, els: Option<Vec<Stmt>> },
    IfLet { scrut: Scrut, chain: bool, then: Vec<Stmt>, els: Option<Vec<Stmt>> },
    Match { scrut: Scrut, arms: Vec<Vec<Stmt>> },
    WhileLet { scrut: Scrut, body: Vec<Stmt> },
    For { scrut: Scrut, body: Vec<Stmt> },
    While { cond: u8, body: Vec<Stmt> },
    Loop { body: Vec<Stmt>, ends_with_break: bool },
    Block(Vec<Stmt>),
    Closure { is_async: bool, is_move: bool, called: bool, body: Vec<Stmt> },
    AsyncBlock { style: u8, body: Vec<Stmt> },
    Select(Vec<Vec<Stmt>>),
    Join { futures: bool, branches: Vec<Vec<Stmt>> },
}

/// The scrutinee of `if let`, `while let`, `match` and `for`.
#[derive(Clone, Debug)]
enum Scrut {
    /// `lock.pop()`-like: a method call on a temporary guard.
    LockCall {
        lock: u8,
        variant: u8,
    },
    /// `lock.first().copied()`.
    LockCopied {
        lock: u8,
        variant: u8,
    },
    /// `std` only: the un-unwrapped `LockResult`, binding a guard.
    LockResult(u8),
    /// `{ lock.first().copied() }`: a block whose tail holds the temporary.
    BlockTail {
        lock: u8,
        variant: u8,
    },
    Await,
    Plain,
    Guard(u8),
}

fn lock_ty() -> impl Strategy<Value = LockTy> {
    prop_oneof![
        5 => Just(LockTy::StdMutex),
        2 => Just(LockTy::StdRwLock),
        2 => Just(LockTy::RefCell),
        2 => Just(LockTy::PlMutex),
        1 => Just(LockTy::PlRwLock),
        1 => Just(LockTy::TokioMutex),
    ]
}

fn lock_decl() -> impl Strategy<Value = LockDecl> {
    (
        lock_ty(),
        prop_oneof![3 => Just(Inner::Vec), 1 => Just(Inner::Num)],
        prop::bool::weighted(0.2),
    )
        .prop_map(|(ty, inner, arc)| LockDecl { ty, inner, arc })
}

fn scrut() -> impl Strategy<Value = Scrut> {
    prop_oneof![
        3 => (any::<u8>(), any::<u8>()).prop_map(|(lock, variant)| Scrut::LockCall { lock, variant }),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(lock, variant)| Scrut::LockCopied { lock, variant }),
        1 => any::<u8>().prop_map(Scrut::LockResult),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(lock, variant)| Scrut::BlockTail { lock, variant }),
        2 => Just(Scrut::Await),
        2 => Just(Scrut::Plain),
        1 => any::<u8>().prop_map(Scrut::Guard),
    ]
}

fn leaf() -> impl Strategy<Value = Stmt> {
    prop_oneof![
        6 => (any::<bool>(), any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(mutable, lock, variant, wrap)| Stmt::LetGuard { mutable, lock, variant, wrap }),
        5 => (any::<u8>(), any::<u8>()).prop_map(|(which, how)| Stmt::UseGuard { which, how }),
        2 => any::<u8>().prop_map(Stmt::Drop),
        6 => (any::<u8>(), any::<u8>()).prop_map(|(how, which)| Stmt::Await { how, which }),
        4 => (any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(lock, variant, shape)| Stmt::Temporary { lock, variant, shape }),
        1 => any::<u8>().prop_map(Stmt::HeldAssign),
        1 => any::<u8>().prop_map(Stmt::Comment),
        1 => Just(Stmt::Return),
        1 => Just(Stmt::Break),
        1 => Just(Stmt::Continue),
        1 => any::<u8>().prop_map(Stmt::Try),
    ]
}

fn stmt() -> impl Strategy<Value = Stmt> {
    leaf().prop_recursive(3, 40, 5, |inner| {
        let body = vec(inner, 0..5);
        prop_oneof![
            3 => (any::<u8>(), body.clone(), option::weighted(0.4, body.clone()))
                .prop_map(|(cond, then, els)| Stmt::If { cond, then, els }),
            3 => (scrut(), prop::bool::weighted(0.15), body.clone(), option::weighted(0.4, body.clone()))
                .prop_map(|(scrut, chain, then, els)| Stmt::IfLet { scrut, chain, then, els }),
            2 => (scrut(), vec(body.clone(), 1..4)).prop_map(|(scrut, arms)| Stmt::Match { scrut, arms }),
            2 => (scrut(), body.clone()).prop_map(|(scrut, body)| Stmt::WhileLet { scrut, body }),
            2 => (scrut(), body.clone()).prop_map(|(scrut, body)| Stmt::For { scrut, body }),
            1 => (any::<u8>(), body.clone()).prop_map(|(cond, body)| Stmt::While { cond, body }),
            1 => (body.clone(), any::<bool>())
                .prop_map(|(body, ends_with_break)| Stmt::Loop { body, ends_with_break }),
            2 => body.clone().prop_map(Stmt::Block),
            1 => (any::<bool>(), any::<bool>(), any::<bool>(), body.clone()).prop_map(
                |(is_async, is_move, called, body)| Stmt::Closure { is_async, is_move, called, body }
            ),
            2 => (any::<u8>(), body.clone()).prop_map(|(style, body)| Stmt::AsyncBlock { style, body }),
            1 => vec(body.clone(), 1..3).prop_map(Stmt::Select),
            1 => (any::<bool>(), vec(body, 1..3))
                .prop_map(|(futures, branches)| Stmt::Join { futures, branches }),
        ]
    })
}

fn fn_decl() -> impl Strategy<Value = FnDecl> {
    (
        any::<bool>(),
        any::<u8>(),
        any::<bool>(),
        prop::bool::weighted(0.9),
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.05),
        vec(lock_decl(), 0..3),
        vec(stmt(), 1..8),
    )
        .prop_map(
            |(
                method,
                owner,
                arc_state,
                is_async,
                returns_result,
                tail_await,
                allow,
                params,
                body,
            )| FnDecl {
                method,
                owner,
                arc_state,
                is_async,
                returns_result,
                tail_await,
                allow,
                params,
                body,
            },
        )
}

fn program() -> impl Strategy<Value = Program> {
    let layout =
        prop_oneof![6 => Just(Layout::Pretty), 1 => Just(Layout::Tabs), 1 => Just(Layout::Dense)];
    (
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        layout,
        vec(vec(lock_decl(), 1..4), 0..3),
        vec(lock_decl(), 0..2),
        vec(fn_decl(), 1..4),
    )
        .prop_map(|(full_paths, include_async_locks, layout, structs, statics, fns)| Program {
            full_paths,
            include_async_locks,
            layout,
            structs,
            statics,
            fns,
        })
}

// ---------------------------------------------------------------------------------------------
// Rendering.

const PRELUDE: &str = "\
async fn tick() {}
async fn fetch(n: usize) -> Result<u32, ()> {
    Ok(n as u32)
}
async fn send(_n: usize) {}
fn ready() -> bool {
    true
}
fn maybe() -> Option<u32> {
    None
}
";

fn type_name(decl: LockDecl, full_paths: bool) -> String {
    let lock = match (decl.ty, full_paths) {
        (LockTy::StdMutex, false) => "Mutex",
        (LockTy::StdMutex, true) => "std::sync::Mutex",
        (LockTy::StdRwLock, false) => "RwLock",
        (LockTy::StdRwLock, true) => "std::sync::RwLock",
        (LockTy::RefCell, false) => "RefCell",
        (LockTy::RefCell, true) => "std::cell::RefCell",
        (LockTy::PlMutex, _) => "parking_lot::Mutex",
        (LockTy::PlRwLock, _) => "parking_lot::RwLock",
        (LockTy::TokioMutex, _) => "tokio::sync::Mutex",
    };
    let inner = match decl.inner {
        Inner::Vec => "Vec<u32>",
        Inner::Num => "u32",
    };
    let ty = format!("{lock}<{inner}>");
    match (decl.arc, full_paths) {
        (false, _) => ty,
        (true, false) => format!("Arc<{ty}>"),
        (true, true) => format!("std::sync::Arc<{ty}>"),
    }
}

/// A lock the fn body can reach, as an expression.
#[derive(Clone)]
struct Receiver {
    expr: String,
    decl: LockDecl,
}

impl Receiver {
    /// The expression that takes a guard; `variant` picks read/write, unwrap/expect.
    fn acquire(&self, variant: u8) -> String {
        let recv = &self.expr;
        let odd = variant % 2 == 1;
        match self.decl.ty {
            LockTy::StdMutex if odd => format!("{recv}.lock().expect(\"poisoned\")"),
            LockTy::StdMutex => format!("{recv}.lock().unwrap()"),
            LockTy::StdRwLock if odd => format!("{recv}.write().unwrap()"),
            LockTy::StdRwLock => format!("{recv}.read().unwrap()"),
            LockTy::RefCell if odd => format!("{recv}.borrow_mut()"),
            LockTy::RefCell => format!("{recv}.borrow()"),
            LockTy::PlMutex => format!("{recv}.lock()"),
            LockTy::PlRwLock if odd => format!("{recv}.write()"),
            LockTy::PlRwLock => format!("{recv}.read()"),
            LockTy::TokioMutex => format!("{recv}.lock().await"),
        }
    }
}

struct Renderer<'p> {
    program: &'p Program,
    out: String,
    receivers: Vec<Receiver>,
    /// Live guards by block: name and what they protect.
    guards: Vec<Vec<(String, Inner)>>,
    /// Plain locals by block.
    values: Vec<Vec<String>>,
    counter: usize,
    loop_depth: usize,
    closure_depth: usize,
    returns_result: bool,
}

impl Renderer<'_> {
    fn line(&mut self, depth: usize, text: &str) {
        match self.program.layout {
            Layout::Pretty => {
                self.out.push_str(&"    ".repeat(depth));
                self.out.push_str(text);
                self.out.push('\n');
            }
            Layout::Tabs => {
                self.out.push_str(&"\t".repeat(depth));
                self.out.push_str(text);
                self.out.push('\n');
            }
            Layout::Dense => {
                self.out.push_str(text);
                self.out.push(' ');
            }
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}", self.counter)
    }

    fn receiver(&self, lock: u8) -> Receiver {
        self.receivers[lock as usize % self.receivers.len()].clone()
    }

    fn live_guard(&self, which: u8) -> Option<(String, Inner)> {
        let live: Vec<&(String, Inner)> = self.guards.iter().flatten().collect();
        if live.is_empty() { None } else { Some(live[which as usize % live.len()].clone()) }
    }

    fn forget_guard(&mut self, name: &str) {
        for scope in &mut self.guards {
            scope.retain(|(n, _)| n != name);
        }
    }

    /// A value for arguments: the latest local, or a literal.
    fn value(&self) -> String {
        self.values.iter().flatten().last().cloned().unwrap_or_else(|| "1".to_owned())
    }

    fn bind_guard(&mut self, name: String, inner: Inner) {
        self.guards.last_mut().unwrap().push((name, inner));
    }

    fn bind_value(&mut self, name: String) {
        self.values.last_mut().unwrap().push(name);
    }

    fn open_scope(&mut self) {
        self.guards.push(Vec::new());
        self.values.push(Vec::new());
    }

    fn close_scope(&mut self) {
        self.guards.pop();
        self.values.pop();
    }

    fn body(&mut self, depth: usize, stmts: &[Stmt]) {
        self.open_scope();
        for stmt in stmts {
            self.stmt(depth, stmt);
        }
        self.close_scope();
    }

    fn block(&mut self, depth: usize, header: &str, stmts: &[Stmt], footer: &str) {
        let open = if header.is_empty() { "{".to_owned() } else { format!("{header} {{") };
        self.line(depth, &open);
        self.body(depth + 1, stmts);
        self.line(depth, &format!("}}{footer}"));
    }

    fn return_stmt(&self) -> &'static str {
        if self.returns_result && self.closure_depth == 0 { "return Ok(());" } else { "return;" }
    }

    fn stmt(&mut self, depth: usize, stmt: &Stmt) {
        match stmt {
            &Stmt::LetGuard { mutable, lock, variant, wrap } => {
                self.let_guard(depth, mutable, lock, variant, wrap)
            }
            &Stmt::UseGuard { which, how } => self.use_guard(depth, which, how),
            &Stmt::Drop(which) => match self.live_guard(which) {
                Some((name, _)) => {
                    let text = match which / 4 % 3 {
                        0 => format!("drop({name});"),
                        1 => format!("std::mem::drop({name});"),
                        _ => format!("let _moved = {name};"),
                    };
                    self.line(depth, &text);
                    self.forget_guard(&name);
                }
                None => {
                    let acquire = self.receiver(which).acquire(0);
                    self.line(depth, &format!("let _ = {acquire};"));
                }
            },
            &Stmt::Await { how, which } => self.await_stmt(depth, how, which),
            &Stmt::Temporary { lock, variant, shape } => {
                self.temporary(depth, lock, variant, shape)
            }
            &Stmt::HeldAssign(lock) => {
                let acquire = self.receiver(lock).acquire(0);
                self.line(depth, &format!("held = Some({acquire});"));
            }
            &Stmt::Comment(n) => {
                let text = match (n % 3, self.program.layout) {
                    (0, Layout::Dense) | (2, _) => "/* a block comment */",
                    (0, _) => "// a note",
                    (_, Layout::Dense) => "/* ünïcödé — note */",
                    _ => "// ünïcödé — note",
                };
                self.line(depth, text);
            }
            Stmt::Return => {
                let text = self.return_stmt();
                self.line(depth, text);
            }
            Stmt::Break | Stmt::Continue if self.loop_depth == 0 => {
                let text = self.return_stmt();
                self.line(depth, text);
            }
            Stmt::Break => self.line(depth, "break;"),
            Stmt::Continue => self.line(depth, "continue;"),
            &Stmt::Try(which) => {
                let name = self.fresh("x");
                let text = match self.live_guard(which) {
                    Some((guard, Inner::Vec)) if which % 2 == 0 => {
                        format!("let {name} = {guard}.first().copied().ok_or(())?;")
                    }
                    _ => format!("let {name} = fetch({}).await?;", self.value()),
                };
                self.line(depth, &text);
                self.bind_value(name);
            }
            Stmt::If { cond, then, els } => {
                let cond = self.condition(*cond);
                match els {
                    None => self.block(depth, &format!("if {cond}"), then, ""),
                    Some(els) => {
                        self.line(depth, &format!("if {cond} {{"));
                        self.body(depth + 1, then);
                        self.line(depth, "} else {");
                        self.body(depth + 1, els);
                        self.line(depth, "}");
                    }
                }
            }
            Stmt::IfLet { scrut, chain, then, els } => {
                let (pattern, expr, bound) = self.scrutinee(scrut);
                let chain = if *chain { " && ready()" } else { "" };
                self.line(depth, &format!("if let {pattern} = {expr}{chain} {{"));
                self.open_scope();
                self.bind(bound);
                self.body(depth + 1, then);
                self.close_scope();
                match els {
                    None => self.line(depth, "}"),
                    Some(els) => {
                        self.line(depth, "} else {");
                        self.body(depth + 1, els);
                        self.line(depth, "}");
                    }
                }
            }
            Stmt::Match { scrut, arms } => {
                let (pattern, expr, bound) = self.scrutinee(scrut);
                self.line(depth, &format!("match {expr} {{"));
                for (i, arm) in arms.iter().enumerate() {
                    let pattern = match i {
                        0 => pattern.clone(),
                        _ if i + 1 == arms.len() => "_".to_owned(),
                        _ => "_ if ready()".to_owned(),
                    };
                    self.line(depth + 1, &format!("{pattern} => {{"));
                    self.open_scope();
                    if i == 0 {
                        self.bind(bound.clone());
                    }
                    self.body(depth + 2, arm);
                    self.close_scope();
                    self.line(depth + 1, "}");
                }
                if arms.len() == 1 {
                    self.line(depth + 1, "_ => {}");
                }
                self.line(depth, "}");
            }
            Stmt::WhileLet { scrut, body } => {
                let (pattern, expr, bound) = self.scrutinee(scrut);
                self.line(depth, &format!("while let {pattern} = {expr} {{"));
                self.in_loop(depth, bound, body, false);
            }
            Stmt::For { scrut, body } => {
                let (expr, bound) = self.iterable(scrut);
                self.line(depth, &format!("for {} in {expr} {{", bound.0));
                self.in_loop(depth, bound, body, false);
            }
            Stmt::While { cond, body } => {
                let cond = self.condition(*cond);
                self.line(depth, &format!("while {cond} {{"));
                self.in_loop(depth, (String::new(), None), body, false);
            }
            Stmt::Loop { body, ends_with_break } => {
                self.line(depth, "loop {");
                self.in_loop(depth, (String::new(), None), body, *ends_with_break);
            }
            Stmt::Block(body) => self.block(depth, "", body, ""),
            Stmt::Closure { is_async, is_move, called, body } => {
                let name = self.fresh("c");
                let prefix = match (is_async, is_move) {
                    (false, false) => "",
                    (false, true) => "move ",
                    (true, false) => "async ",
                    (true, true) => "async move ",
                };
                self.nested(depth, &format!("let {name} = {prefix}||"), body, ";");
                if *called {
                    let call = if *is_async { ".await" } else { "" };
                    self.line(depth, &format!("{name}(){call};"));
                }
            }
            Stmt::AsyncBlock { style, body } => match style % 3 {
                0 => {
                    let name = self.fresh("fut");
                    self.nested(depth, &format!("let {name} = async"), body, ";");
                    self.line(depth, &format!("{name}.await;"));
                }
                1 => self.nested(depth, "tokio::spawn(async move", body, ");"),
                _ => self.nested(depth, "async", body, ".await;"),
            },
            Stmt::Select(branches) => {
                self.line(depth, "tokio::select! {");
                for (i, branch) in branches.iter().enumerate() {
                    let header = if i % 2 == 0 {
                        let name = self.fresh("x");
                        format!("{name} = fetch({i}) =>")
                    } else {
                        "_ = tick() =>".to_owned()
                    };
                    self.block(depth + 1, &header, branch, "");
                }
                self.line(depth, "}");
            }
            Stmt::Join { futures, branches } => {
                let path = if *futures { "futures::join!" } else { "tokio::join!" };
                self.line(depth, &format!("{path}("));
                for branch in branches {
                    self.nested(depth + 1, "async", branch, ",");
                }
                self.line(depth + 1, "tick(),");
                self.line(depth, ");");
            }
        }
    }

    /// The condition of an `if` or `while`.
    fn condition(&self, cond: u8) -> String {
        match cond % 4 {
            0 => "ready()".to_owned(),
            1 => format!("{}.is_empty()", self.receiver(cond / 4).acquire(cond / 8)),
            2 => "fetch(1).await.is_ok()".to_owned(),
            _ => match self.live_guard(cond / 4) {
                Some((guard, Inner::Vec)) => format!("{guard}.is_empty()"),
                Some((guard, Inner::Num)) => format!("*{guard} > 1"),
                None => "!ready()".to_owned(),
            },
        }
    }

    fn let_guard(&mut self, depth: usize, mutable: bool, lock: u8, variant: u8, wrap: u8) {
        let receiver = self.receiver(lock);
        let acquire = receiver.acquire(variant);
        let mutable = if mutable { "mut " } else { "" };
        let inner = receiver.decl.inner;
        // Mostly a plain binding; the rest are the wrappers guardfix follows.
        let (name, expr, is_guard) = match wrap % 20 {
            16 => {
                let (guard, value) = (self.fresh("g"), self.fresh("v"));
                self.line(depth, &format!("let ({mutable}{guard}, {value}) = ({acquire}, 1);"));
                self.bind_guard(guard, inner);
                return self.bind_value(value);
            }
            17 if receiver.decl.ty == LockTy::StdMutex => {
                let guard = self.fresh("g");
                let ret = self.return_stmt();
                let recv = &receiver.expr;
                self.line(
                    depth,
                    &format!("let Ok({mutable}{guard}) = {recv}.lock() else {{ {ret} }};"),
                );
                return self.bind_guard(guard, inner);
            }
            18 => {
                let lint = match receiver.decl.ty {
                    LockTy::RefCell => "await_holding_refcell_ref",
                    _ => "await_holding_lock",
                };
                self.line(depth, &format!("#[allow(clippy::{lint})]"));
                (self.fresh("g"), acquire, true)
            }
            19 if self.live_guard(variant).is_some() => {
                // Shadows a guard with a value of the same name.
                let (guard, _) = self.live_guard(variant).unwrap();
                self.forget_guard(&guard);
                self.line(depth, &format!("let {guard} = {guard}.len();"));
                return self.bind_value(guard);
            }
            0..=8 | 16..=19 => (self.fresh("g"), acquire, true),
            9 => (self.fresh("g"), format!("&*{acquire}"), true),
            10 => (self.fresh("g"), format!("Some({acquire})"), true),
            11 => (self.fresh("g"), format!("Box::new({acquire})"), true),
            12 => (self.fresh("_g"), acquire, true),
            13 => ("_".to_owned(), acquire, false),
            14 if receiver.decl.ty == LockTy::StdMutex => {
                (self.fresh("g"), format!("{}.lock()", receiver.expr), false)
            }
            _ => (self.fresh("v"), format!("{acquire}.clone()"), false),
        };
        let mutable = if name == "_" { "" } else { mutable };
        self.line(depth, &format!("let {mutable}{name} = {expr};"));
        if is_guard {
            self.bind_guard(name, inner);
        } else if name != "_" {
            self.bind_value(name);
        }
    }

    fn use_guard(&mut self, depth: usize, which: u8, how: u8) {
        let Some((guard, inner)) = self.live_guard(which) else {
            return self.temporary(depth, which, how, how / 8);
        };
        let value = self.value();
        match (inner, how % 6) {
            (_, 4 | 5) => {
                let name = self.fresh("r");
                let borrow = if how % 6 == 4 { "&*" } else { "&" };
                self.line(depth, &format!("let {name} = {borrow}{guard};"));
                self.bind_value(name);
            }
            (Inner::Vec, 0) => self.line(depth, &format!("{guard}.push({value} as u32);")),
            (Inner::Vec, 1) | (Inner::Num, 1) => {
                let name = self.fresh("v");
                let expr = if inner == Inner::Vec {
                    format!("{guard}.len()")
                } else {
                    format!("*{guard}")
                };
                self.line(depth, &format!("let {name} = {expr};"));
                self.bind_value(name);
            }
            (Inner::Vec, 2) => self.line(depth, &format!("{guard}.clear();")),
            (Inner::Vec, _) => {
                let name = self.fresh("v");
                self.line(depth, &format!("let {name} = {guard}.first().copied();"));
                self.bind_value(name);
            }
            (Inner::Num, 0) => self.line(depth, &format!("*{guard} += 1;")),
            (Inner::Num, _) => self.line(depth, &format!("*{guard} = {value} as u32;")),
        }
    }

    fn await_stmt(&mut self, depth: usize, how: u8, which: u8) {
        let value = self.value();
        match how % 6 {
            0 | 1 => self.line(depth, "tick().await;"),
            2 => {
                let name = self.fresh("x");
                self.line(depth, &format!("let {name} = fetch({value}).await;"));
                self.bind_value(name);
            }
            3 => self.line(depth, &format!("send({value}).await;")),
            4 => match self.live_guard(which) {
                Some((guard, Inner::Vec)) => {
                    self.line(depth, &format!("fetch({guard}.len()).await.ok();"))
                }
                Some((guard, Inner::Num)) => {
                    self.line(depth, &format!("send(*{guard} as usize).await;"))
                }
                None => self.line(depth, "fetch(0).await.ok();"),
            },
            _ => self.line(depth, "tokio::time::sleep(std::time::Duration::from_millis(1)).await;"),
        }
    }

    /// Statements whose guard is a temporary, with and without an await.
    fn temporary(&mut self, depth: usize, lock: u8, variant: u8, shape: u8) {
        let acquire = self.receiver(lock).acquire(variant);
        let value = self.value();
        let text = match shape % 10 {
            0 => format!("{acquire}.push(fetch({value}).await.unwrap_or(0));"),
            1 => format!("send({acquire}.len()).await;"),
            2 => {
                let name = self.fresh("x");
                self.bind_value(name.clone());
                format!("let {name} = {acquire}.len() + fetch(2).await.unwrap_or(0) as usize;")
            }
            3 => format!("*{acquire} = fetch({value}).await.unwrap_or(0);"),
            4 => {
                let name = self.fresh("x");
                self.bind_value(name.clone());
                format!("let {name} = fetch(2).await.unwrap_or(0) as usize + {acquire}.len();")
            }
            5 => format!("{acquire}.push({value} as u32);"),
            6 => {
                let name = self.fresh("v");
                self.bind_value(name.clone());
                format!("let {name} = {acquire}.len();")
            }
            7 => format!("println!(\"{{}}\", {acquire}.len());"),
            8 => format!("assert!({acquire}.len() < fetch(3).await.unwrap_or(0) as usize);"),
            _ => format!("let _ = {acquire}.first().copied().ok_or(())?;"),
        };
        self.line(depth, &text);
    }

    /// `(pattern, expression, what the pattern binds)` for `if let`/`while let`/`match`.
    fn scrutinee(&mut self, scrut: &Scrut) -> (String, String, (String, Option<Inner>)) {
        match *scrut {
            Scrut::LockCall { lock, variant } => {
                let name = self.fresh("x");
                let expr = format!("{}.pop()", self.receiver(lock).acquire(variant));
                (format!("Some({name})"), expr, (name, None))
            }
            Scrut::LockCopied { lock, variant } => {
                let name = self.fresh("x");
                let expr = format!("{}.first().copied()", self.receiver(lock).acquire(variant));
                (format!("Some({name})"), expr, (name, None))
            }
            Scrut::LockResult(lock) => {
                let receiver = self.receiver(lock);
                if receiver.decl.ty != LockTy::StdMutex {
                    return self.scrutinee(&Scrut::LockCall { lock, variant: 0 });
                }
                let name = self.fresh("g");
                let expr = format!("{}.lock()", receiver.expr);
                (format!("Ok({name})"), expr, (name, Some(receiver.decl.inner)))
            }
            Scrut::BlockTail { lock, variant } => {
                let name = self.fresh("x");
                let expr =
                    format!("{{ {}.first().copied() }}", self.receiver(lock).acquire(variant));
                (format!("Some({name})"), expr, (name, None))
            }
            Scrut::Await => {
                let name = self.fresh("x");
                (format!("Ok({name})"), "fetch(1).await".to_owned(), (name, None))
            }
            Scrut::Plain => {
                let name = self.fresh("x");
                (format!("Some({name})"), "maybe()".to_owned(), (name, None))
            }
            Scrut::Guard(which) => match self.live_guard(which) {
                Some((guard, Inner::Vec)) => {
                    let name = self.fresh("x");
                    (format!("Some({name})"), format!("{guard}.first()"), (name, None))
                }
                _ => self.scrutinee(&Scrut::Plain),
            },
        }
    }

    /// `(expression, what the loop variable is)` for `for`.
    fn iterable(&mut self, scrut: &Scrut) -> (String, (String, Option<Inner>)) {
        let name = self.fresh("x");
        let expr = match *scrut {
            Scrut::LockCall { lock, variant } => {
                format!("{}.iter()", self.receiver(lock).acquire(variant))
            }
            Scrut::LockCopied { lock, variant } => {
                format!("{}.clone()", self.receiver(lock).acquire(variant))
            }
            Scrut::LockResult(lock) => format!("{}.drain(..)", self.receiver(lock).acquire(1)),
            Scrut::BlockTail { lock, variant } => {
                format!("0..{{ {}.len() }}", self.receiver(lock).acquire(variant))
            }
            Scrut::Await => "fetch(3).await".to_owned(),
            Scrut::Plain => "0..3".to_owned(),
            Scrut::Guard(which) => match self.live_guard(which) {
                Some((guard, Inner::Vec)) => format!("{guard}.iter()"),
                _ => "0..2".to_owned(),
            },
        };
        (expr, (name, None))
    }

    fn bind(&mut self, (name, guard): (String, Option<Inner>)) {
        match guard {
            Some(inner) => self.bind_guard(name, inner),
            None if !name.is_empty() => self.bind_value(name),
            None => {}
        }
    }

    fn in_loop(&mut self, depth: usize, bound: (String, Option<Inner>), body: &[Stmt], brk: bool) {
        self.loop_depth += 1;
        self.open_scope();
        self.bind(bound);
        self.body(depth + 1, body);
        if brk {
            self.line(depth + 1, "break;");
        }
        self.close_scope();
        self.loop_depth -= 1;
        self.line(depth, "}");
    }

    /// A closure or async block: its own return target, no enclosing loop.
    fn nested(&mut self, depth: usize, header: &str, body: &[Stmt], footer: &str) {
        let loop_depth = std::mem::replace(&mut self.loop_depth, 0);
        self.closure_depth += 1;
        self.block(depth, header, body, footer);
        self.closure_depth -= 1;
        self.loop_depth = loop_depth;
    }
}

fn contains_held(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|stmt| match stmt {
        Stmt::HeldAssign(_) => true,
        Stmt::If { then, els, .. } | Stmt::IfLet { then, els, .. } => {
            contains_held(then) || els.as_deref().is_some_and(contains_held)
        }
        Stmt::Match { arms: bodies, .. }
        | Stmt::Select(bodies)
        | Stmt::Join { branches: bodies, .. } => bodies.iter().any(|body| contains_held(body)),
        Stmt::WhileLet { body, .. }
        | Stmt::For { body, .. }
        | Stmt::While { body, .. }
        | Stmt::Loop { body, .. }
        | Stmt::Block(body)
        | Stmt::Closure { body, .. }
        | Stmt::AsyncBlock { body, .. } => contains_held(body),
        _ => false,
    })
}

fn render(program: &Program) -> String {
    let mut out = String::new();
    if !program.full_paths {
        out.push_str("use std::cell::RefCell;\nuse std::sync::{Arc, Mutex, RwLock};\n\n");
    }
    out.push_str(PRELUDE);
    for (i, fields) in program.structs.iter().enumerate() {
        out.push_str(&format!("\nstruct S{i} {{\n"));
        for (j, field) in fields.iter().enumerate() {
            out.push_str(&format!("    f{j}: {},\n", type_name(*field, program.full_paths)));
        }
        out.push_str("}\n");
    }
    for (i, decl) in program.statics.iter().enumerate() {
        let ty = type_name(*decl, program.full_paths);
        out.push_str(&format!("\nstatic LOCK{i}: {ty} = <{ty}>::new(Default::default());\n"));
    }
    let owner_of = |f: &FnDecl| {
        (!program.structs.is_empty()).then(|| f.owner as usize % program.structs.len())
    };
    for (i, f) in program.fns.iter().enumerate() {
        let owner = owner_of(f);
        if f.method && owner.is_some() {
            continue;
        }
        out.push('\n');
        out.push_str(&render_fn(program, i, f, owner, false, 0));
    }
    for (s, _) in program.structs.iter().enumerate() {
        let methods: Vec<(usize, &FnDecl)> = program
            .fns
            .iter()
            .enumerate()
            .filter(|(_, f)| f.method && owner_of(f) == Some(s))
            .collect();
        if methods.is_empty() {
            continue;
        }
        out.push_str(&format!("\nimpl S{s} {{\n"));
        for (n, (i, f)) in methods.into_iter().enumerate() {
            if n > 0 {
                out.push('\n');
            }
            out.push_str(&render_fn(program, i, f, Some(s), true, 1));
        }
        out.push_str("}\n");
    }
    out
}

fn render_fn(
    program: &Program,
    index: usize,
    f: &FnDecl,
    owner: Option<usize>,
    method: bool,
    depth: usize,
) -> String {
    let mut receivers = Vec::new();
    let mut params = Vec::new();
    if let Some(s) = owner {
        let base = if method {
            params.push("&self".to_owned());
            "self"
        } else {
            params.push(if f.arc_state {
                format!("state: Arc<S{s}>")
            } else {
                format!("state: &S{s}")
            });
            "state"
        };
        for (j, decl) in program.structs[s].iter().enumerate() {
            receivers.push(Receiver { expr: format!("{base}.f{j}"), decl: *decl });
        }
    }
    for (j, decl) in f.params.iter().enumerate() {
        params.push(format!("m{j}: &{}", type_name(*decl, program.full_paths)));
        receivers.push(Receiver { expr: format!("m{j}"), decl: *decl });
    }
    for (j, decl) in program.statics.iter().enumerate() {
        receivers.push(Receiver { expr: format!("LOCK{j}"), decl: *decl });
    }
    if receivers.is_empty() {
        let decl = LockDecl { ty: LockTy::StdMutex, inner: Inner::Vec, arc: false };
        params.push(format!("m: &{}", type_name(decl, program.full_paths)));
        receivers.push(Receiver { expr: "m".to_owned(), decl });
    }
    let mut renderer = Renderer {
        program,
        out: String::new(),
        receivers,
        guards: vec![Vec::new()],
        values: vec![Vec::new()],
        counter: 0,
        loop_depth: 0,
        closure_depth: 0,
        returns_result: f.returns_result,
    };
    if f.allow {
        renderer.line(depth, "#[allow(clippy::await_holding_lock)]");
    }
    let asyncness = if f.is_async { "async " } else { "" };
    let ret = if f.returns_result { " -> Result<(), ()>" } else { "" };
    renderer.line(depth, &format!("{asyncness}fn f{index}({}){ret} {{", params.join(", ")));
    if contains_held(&f.body) {
        renderer.line(depth + 1, "let mut held = None;");
    }
    renderer.body(depth + 1, &f.body);
    match (f.returns_result, f.tail_await) {
        (false, false) => {}
        (false, true) => renderer.line(depth + 1, "tick().await"),
        (true, false) => renderer.line(depth + 1, "Ok(())"),
        (true, true) => renderer.line(depth + 1, "fetch(1).await.map(|_| ())"),
    }
    renderer.line(depth, "}");
    let mut out = renderer.out;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Mutations.

#[derive(Clone, Debug)]
enum Mutation {
    DeleteBytes { at: u16, len: u8 },
    DuplicateLine(u16),
    SwapLines(u16, u16),
    Insert { at: u16, what: u8 },
    DeleteToken(u16),
    DuplicateToken(u16),
    SwapTokens(u16, u16),
}

const INSERTIONS: &[&str] = &[
    "}", "{", ";", ".await", "(", ")", "let ", "?", "\n", "drop(", "async ", "move ", "'", "\"",
    "/*", "=>", "é",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<u16>(), any::<u8>()).prop_map(|(at, len)| Mutation::DeleteBytes { at, len }),
        any::<u16>().prop_map(Mutation::DuplicateLine),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<u16>(), any::<u8>()).prop_map(|(at, what)| Mutation::Insert { at, what }),
        any::<u16>().prop_map(Mutation::DeleteToken),
        any::<u16>().prop_map(Mutation::DuplicateToken),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| Mutation::SwapTokens(a, b)),
    ]
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Byte ranges of the lexer's tokens, whitespace left out.
fn token_ranges(text: &str) -> Vec<(usize, usize)> {
    SourceFile::parse(text, Edition::Edition2021)
        .syntax_node()
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| !token.kind().is_trivia())
        .map(|token| {
            (usize::from(token.text_range().start()), usize::from(token.text_range().end()))
        })
        .collect()
}

fn swap_ranges(text: &str, a: (usize, usize), b: (usize, usize)) -> String {
    let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    if first.1 > second.0 {
        return text.to_owned();
    }
    [
        &text[..first.0],
        &text[second.0..second.1],
        &text[first.1..second.0],
        &text[first.0..first.1],
        &text[second.1..],
    ]
    .concat()
}

fn mutate(text: &str, mutation: &Mutation) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let pick = |i: u16, n: usize| i as usize % n.max(1);
    match *mutation {
        Mutation::DeleteBytes { at, len } => {
            let start = floor_char_boundary(text, pick(at, text.len()));
            let end = floor_char_boundary(text, start + 1 + len as usize % 24);
            [&text[..start], &text[end..]].concat()
        }
        Mutation::DuplicateLine(i) if !lines.is_empty() => {
            let mut lines = lines.clone();
            let i = pick(i, lines.len());
            lines.insert(i, lines[i]);
            lines.concat()
        }
        Mutation::SwapLines(a, b) if !lines.is_empty() => {
            let mut lines = lines.clone();
            let (a, b) = (pick(a, lines.len()), pick(b, lines.len()));
            lines.swap(a, b);
            let mut out = lines.concat();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out
        }
        Mutation::Insert { at, what } => {
            let at = floor_char_boundary(text, pick(at, text.len() + 1));
            let what = INSERTIONS[what as usize % INSERTIONS.len()];
            [&text[..at], what, &text[at..]].concat()
        }
        Mutation::DeleteToken(i) | Mutation::DuplicateToken(i) => {
            let tokens = token_ranges(text);
            let Some(&(start, end)) = tokens.get(pick(i, tokens.len())) else {
                return text.to_owned();
            };
            match mutation {
                Mutation::DeleteToken(_) => [&text[..start], &text[end..]].concat(),
                _ => [&text[..end], " ", &text[start..end], &text[end..]].concat(),
            }
        }
        Mutation::SwapTokens(a, b) => {
            let tokens = token_ranges(text);
            if tokens.is_empty() {
                return text.to_owned();
            }
            swap_ranges(text, tokens[pick(a, tokens.len())], tokens[pick(b, tokens.len())])
        }
        Mutation::DuplicateLine(_) | Mutation::SwapLines(..) => text.to_owned(),
    }
}

fn mutated_text(program: &Program, mutations: &[Mutation]) -> String {
    mutations.iter().fold(render(program), |text, mutation| mutate(&text, mutation))
}

// ---------------------------------------------------------------------------------------------
// The properties.

#[derive(Default)]
struct Stats {
    cases: Cell<usize>,
    parsing: Cell<usize>,
    with_findings: Cell<usize>,
    findings: Cell<usize>,
    fixed_files: Cell<usize>,
    fixes_applied: Cell<usize>,
}

fn bump(cell: &Cell<usize>, by: usize) {
    cell.set(cell.get() + by);
}

/// Checks and fixes one file in both editions, with and without unsafe fixes, and with the
/// `relock` strategy (MaybeIncorrect, so only with them).
fn check_and_fix(text: &str, check: CheckOptions, stats: &Stats) -> Result<(), TestCaseError> {
    for edition in EDITIONS {
        let before = check_source(text, edition, check);
        let parses = SourceFile::parse(text, edition).errors().is_empty();
        if edition == Edition::Edition2024 {
            bump(&stats.parsing, parses as usize);
            bump(&stats.with_findings, !before.is_empty() as usize);
            bump(&stats.findings, before.len());
        }
        let relock = StrategyChoice::Only(FixStrategy::Relock);
        for (strategy, unsafe_fixes) in
            [(StrategyChoice::Auto, false), (StrategyChoice::Auto, true), (relock, true)]
        {
            let options = FixOptions { strategy, unsafe_fixes, check };
            let what = format!("edition {edition:?}, {strategy:?}, unsafe_fixes {unsafe_fixes}");
            let fixes = fix_file(text, edition, None, options);
            prop_assert_eq!(
                fixes.applied.is_empty(),
                fixes.new_text.is_none(),
                "{}: fixes applied and new text disagree",
                what
            );
            if !parses {
                prop_assert!(
                    fixes.new_text.is_none(),
                    "{what}: a file with syntax errors was edited"
                );
            }
            let Some(after) = fixes.new_text else { continue };
            bump(&stats.fixed_files, 1);
            bump(&stats.fixes_applied, fixes.applied.len());
            let errors = SourceFile::parse(&after, edition).errors();
            prop_assert!(
                errors.is_empty(),
                "{what}: the fixed file does not parse: {errors:?}\n--- fixed ---\n{after}"
            );
            let again = fix_file(&after, edition, None, options);
            if let Some(third) = again.new_text {
                let by: Vec<&str> = again.applied.iter().map(|a| a.strategy.name()).collect();
                let diff = unified_diff("fixed.rs", &after, &third, false);
                return Err(TestCaseError::fail(format!(
                    "{what}: not idempotent, a second run applied {by:?}:\n{diff}"
                )));
            }
            let findings_after = check_source(&after, edition, check);
            prop_assert!(
                findings_after.len() <= before.len(),
                "{what}: {} findings before the fix, {} after:\n{}",
                before.len(),
                findings_after.len(),
                unified_diff("input.rs", text, &after, false)
            );
        }
    }
    Ok(())
}

/// The seed of the default run, so that a plain `cargo test` always runs the same cases.
const DEFAULT_SEED: u64 = 0x6775_6172_6466_6978;

/// The default run is small and fixed; `GUARDFIX_PROPTEST_CASES` asks for more cases from a
/// random seed (or from `PROPTEST_RNG_SEED`, which `Config::default` reads).
fn runner(default_cases: u32) -> TestRunner {
    let config = Config::default();
    let (cases, rng_seed) = match std::env::var("GUARDFIX_PROPTEST_CASES") {
        Ok(value) => (
            value.trim().parse().expect("GUARDFIX_PROPTEST_CASES must be a number"),
            config.rng_seed,
        ),
        Err(_) if std::env::var_os("PROPTEST_RNG_SEED").is_some() => {
            (default_cases, config.rng_seed)
        }
        Err(_) => (default_cases, RngSeed::Fixed(DEFAULT_SEED)),
    };
    TestRunner::new(Config {
        cases,
        rng_seed,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..config
    })
}

fn report(name: &str, stats: &Stats) {
    eprintln!(
        "{name}: {} cases ({} parsing), {} with findings ({} findings in edition 2024), \
         {} fixed file versions, {} fixes applied",
        stats.cases.get(),
        stats.parsing.get(),
        stats.with_findings.get(),
        stats.findings.get(),
        stats.fixed_files.get(),
        stats.fixes_applied.get(),
    );
}

#[test]
fn generated_programs_check_and_fix_cleanly() {
    let stats = Stats::default();
    let result = runner(96).run(&program(), |program| {
        bump(&stats.cases, 1);
        let text = render(&program);
        for edition in EDITIONS {
            let errors = SourceFile::parse(&text, edition).errors();
            prop_assert!(
                errors.is_empty(),
                "the generator made a program that does not parse: {errors:?}"
            );
        }
        let check = CheckOptions {
            include_async_locks: program.include_async_locks,
            ..CheckOptions::default()
        };
        check_and_fix(&text, check, &stats)
    });
    report("generated", &stats);
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, program)) => {
            panic!("{reason}\n--- minimal input ---\n{}", render(&program))
        }
        Err(TestError::Abort(reason)) => panic!("aborted: {reason}"),
    }
    // A generator that stopped producing guards held across awaits would test nothing.
    if stats.cases.get() >= 32 {
        assert_eq!(stats.parsing.get(), stats.cases.get(), "every generated program parses");
        assert!(
            stats.with_findings.get() * 4 >= stats.cases.get(),
            "too few programs with findings"
        );
        assert!(stats.fixes_applied.get() > 0, "no fix was applied to any program");
    }
}

#[test]
fn mutated_programs_do_not_panic() {
    let stats = Stats::default();
    let strategy = (program(), vec(mutation(), 1..4));
    let result = runner(96).run(&strategy, |(program, mutations)| {
        bump(&stats.cases, 1);
        let check = CheckOptions {
            include_async_locks: program.include_async_locks,
            ..CheckOptions::default()
        };
        check_and_fix(&mutated_text(&program, &mutations), check, &stats)
    });
    report("mutated", &stats);
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, (program, mutations))) => panic!(
            "{reason}\n--- mutations ---\n{mutations:?}\n--- minimal input ---\n{}",
            mutated_text(&program, &mutations)
        ),
        Err(TestError::Abort(reason)) => panic!("aborted: {reason}"),
    }
}

/// Found by `generated_programs_check_and_fix_cleanly`: the `drop` fix inserted `drop(g);`
/// before the await although `g` was already dropped after it, so the result used a moved value.
#[test]
fn drop_fix_leaves_a_guard_dropped_later_alone() {
    let text = "use std::sync::Mutex;
async fn tick() {}

async fn f(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    tick().await;
    drop(g);
}
";
    for edition in EDITIONS {
        let options = FixOptions {
            strategy: StrategyChoice::Auto,
            unsafe_fixes: true,
            check: CheckOptions::default(),
        };
        let fixes = fix_file(text, edition, None, options);
        let after = fixes.new_text.as_deref().unwrap_or(text);
        assert_eq!(after.matches("drop(g)").count(), 1, "{edition:?}:\n{after}");
    }
}

/// Found by `generated_programs_check_and_fix_cleanly` (4000 cases): in a fn written on one
/// line, hoisting an await out of one statement split the line, which changed the identity the
/// engine gave every other finding of the fn (the fn's first line); the `drop` fix of another
/// guard then looked like it introduced a new finding, and a second run still had work to do.
#[test]
fn fixes_in_a_one_line_fn_reach_a_fixpoint_in_one_run() {
    let text = "use std::sync::Mutex;
async fn fetch(n: usize) -> Result<u32, ()> { Ok(n as u32) }
struct S0 { f0: Mutex<Vec<u32>> }
async fn f0(state: &S0) { let c1 = async { state.f0.lock().unwrap().push(fetch(1).await.unwrap_or(0)); }; c1.await; if true { let g2 = state.f0.lock().unwrap(); let fut3 = async { }; fut3.await; } }
";
    for edition in EDITIONS {
        let options = FixOptions {
            strategy: StrategyChoice::Auto,
            unsafe_fixes: false,
            check: CheckOptions::default(),
        };
        let first = fix_file(text, edition, None, options);
        // `g2` is never read: it protects the code after it and waits for the lock switch.
        assert_eq!(first.applied.len(), 1, "{edition:?}: {:?}", first.skipped);
        assert_eq!(first.skipped.len(), 1, "{edition:?}: {:?}", first.skipped);
        let after = first.new_text.expect("two fixes");
        let second = fix_file(&after, edition, None, options);
        assert!(second.new_text.is_none(), "{edition:?}: a second run changed\n{after}");
    }
}

/// Deeply nested code of every shape the walk recurses through, around a guard held across an
/// await: analysed on a thread with the stack guardfix's own threads have, it must neither
/// overflow nor, within the nesting guardfix analyses, lose the guard.
#[test]
fn deeply_nested_programs_neither_crash_nor_hide_guards() {
    fn nested(shape: usize, depth: usize) -> String {
        match shape {
            0 => format!("0{}", " + 1".repeat(depth)),
            1 => format!("{}0{}", "(".repeat(depth), ")".repeat(depth)),
            2 => format!("{}0{}", "{ ".repeat(depth), " }".repeat(depth)),
            3 => format!("0u64{}", ".max(1)".repeat(depth)),
            4 => format!("{}0{}", "if true { ".repeat(depth), " } else { 1 }".repeat(depth)),
            _ => format!("{}0{}", "(|| ".repeat(depth), ")()".repeat(depth)),
        }
    }
    let mut runner = runner(24);
    let strategy = (0usize..6, prop_oneof![1usize..200, 200usize..700, 700usize..4000]);
    let outcome = runner.run(&strategy, |(shape, depth)| {
        let text = format!(
            "use std::sync::Mutex;\nasync fn tick() {{}}\nasync fn f(m: &Mutex<u64>) -> u64 {{\n    let g = m.lock().unwrap();\n    tick().await;\n    let deep = {};\n    *g + deep\n}}\n",
            nested(shape, depth)
        );
        let analysed = std::thread::Builder::new()
            .stack_size(guardfix::parse::ANALYSIS_STACK)
            .spawn(move || {
                let findings = check_source(&text, Edition::Edition2021, CheckOptions::default());
                let options = FixOptions {
                    strategy: StrategyChoice::Auto,
                    unsafe_fixes: true,
                    check: CheckOptions::default(),
                };
                let _ = fix_file(&text, Edition::Edition2021, None, options);
                findings.len()
            })
            .unwrap()
            .join();
        let findings = analysed.map_err(|_| TestCaseError::fail("panicked or overflowed"))?;
        // Each level of these shapes is at most 3 tree levels; the guard stays visible below
        // that, and a deeper file is skipped (the driver reports it).
        if depth * 3 < guardfix::parse::MAX_NESTING {
            prop_assert_eq!(findings, 1, "shape {} depth {}", shape, depth);
        }
        Ok(())
    });
    if let Err(error) = outcome {
        panic!("{error}");
    }
}
