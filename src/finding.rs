//! The data every stage shares: what the analysis found, in byte offsets of one file.
//!
//! Findings carry no rendering and no fix: `render/` turns them into diagnostics or JSON,
//! `plan/` picks a transform. Serialized field names are part of the JSON schema documented in
//! the README, so rename with care.

use serde::{Deserialize, Serialize};

/// A half-open byte range `start..end` in the file's text.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }
    /// The spanned part of `text` (empty when out of range).
    pub fn text(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize).unwrap_or("")
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

impl From<ra_ap_syntax::TextRange> for Span {
    fn from(range: ra_ap_syntax::TextRange) -> Span {
        Span { start: range.start().into(), end: range.end().into() }
    }
}

impl From<Span> for ra_ap_syntax::TextRange {
    fn from(span: Span) -> ra_ap_syntax::TextRange {
        ra_ap_syntax::TextRange::new(span.start.into(), span.end.into())
    }
}

/// What kind of problem a finding is. Each kind has its own clippy lint name for suppression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A blocking lock's guard (std, parking_lot, spin, dashmap, stdio…) is alive at an `.await`.
    GuardHeldAcrossAwait,
    /// A `RefCell` borrow (`Ref`/`RefMut`) is alive at an `.await`.
    RefcellBorrowHeldAcrossAwait,
    /// An async-aware lock's guard or a permit is alive at an `.await`: legal, but every waiter
    /// queues behind it. Only reported with `--include-async-locks`.
    AsyncGuardHeldAcrossAwait,
    /// The guard is released by `drop(guard)` before the await, but it was borrowed, so rustc's
    /// `Send` analysis still counts it live there: the future stays `!Send`.
    DroppedButNotSend,
    /// A lock is taken again while a guard of it is alive in the same fn: a mutex (or a
    /// `RwLock` written) never grants it, so the task hangs or the thread deadlocks. Not
    /// reported with `--no-deadlocks`.
    LockTakenWhileHeld,
    /// Two locks taken in opposite orders by two fns (A then B, B then A): run at the same
    /// time, each holds the lock the other waits for. Not reported with `--no-deadlocks`.
    LockOrderInversion,
}

impl FindingKind {
    /// Every kind, in the order documentation lists them.
    pub const ALL: [FindingKind; 6] = [
        FindingKind::GuardHeldAcrossAwait,
        FindingKind::RefcellBorrowHeldAcrossAwait,
        FindingKind::AsyncGuardHeldAcrossAwait,
        FindingKind::DroppedButNotSend,
        FindingKind::LockTakenWhileHeld,
        FindingKind::LockOrderInversion,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FindingKind::GuardHeldAcrossAwait => "guard-held-across-await",
            FindingKind::RefcellBorrowHeldAcrossAwait => "refcell-borrow-held-across-await",
            FindingKind::AsyncGuardHeldAcrossAwait => "async-guard-held-across-await",
            FindingKind::DroppedButNotSend => "dropped-but-not-send",
            FindingKind::LockTakenWhileHeld => "lock-taken-while-held",
            FindingKind::LockOrderInversion => "lock-order-inversion",
        }
    }

    /// The deadlock kinds: found by the same walk, never fixed automatically.
    pub fn is_deadlock(self) -> bool {
        matches!(self, FindingKind::LockTakenWhileHeld | FindingKind::LockOrderInversion)
    }

    pub fn is_warning_only(self) -> bool {
        matches!(self, FindingKind::AsyncGuardHeldAcrossAwait | FindingKind::DroppedButNotSend)
    }
}

/// Why the guard is still alive at the await: the language rule that keeps it there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeldBecause {
    /// `let g = m.lock()…;` lives to the end of its block.
    NamedBinding,
    /// A named guard dropped on some paths but not on the one reaching the await.
    NotDroppedOnEveryPath,
    /// Taken after an await inside a loop and still alive at the back edge.
    HeldAcrossLoopIteration,
    /// A temporary in the same statement as the await.
    StatementTemporary,
    /// `let r = &*m.lock().unwrap();`: the temporary lives as long as the reference.
    LifetimeExtendedTemporary,
    /// `match m.lock()… { … }`: scrutinee temporaries live through every arm.
    MatchScrutinee,
    /// `if let … = m.lock()… {}`: through the `then` branch, and in edition 2021 the `else` too.
    IfLetScrutinee,
    /// `while let … = m.lock()… {}`: through the body of every iteration.
    WhileLetScrutinee,
    /// `for x in m.lock()….iter() {}`: through the whole loop.
    ForIterator,
    /// Edition 2021: a block's tail-expression temporaries outlive the block.
    TailExpressionTemporary,
    /// A parameter of an async fn lives for the whole body.
    AsyncFnParameter,
    /// Captured by an async block or async closure, alive for that future's life.
    CapturedByAsyncBlock,
    /// Released by `drop(g)` after a borrow; still live for rustc's `Send` check.
    DroppedAfterBorrow,
    /// Edition ≤ 2021, `if let Ok(g) = try_lock() {…} else { x.await }`: where the pattern
    /// fails, the scrutinee's value (`Err(…)`) lives through `else`. No lock is held there,
    /// but the future's type holds the guard's type, so it is not `Send`.
    UnmatchedScrutinee,
}

/// How a fix for the finding would look; chosen by `plan/`, shown in the diagnostic's help line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    Scope,
    Drop,
    Helper,
    AsyncMutex,
    /// Two critical sections: the guard is released before the await and the lock taken
    /// again after it (MaybeIncorrect: other tasks may run in between).
    Relock,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Scope => "scope",
            Strategy::Drop => "drop",
            Strategy::Helper => "helper",
            Strategy::AsyncMutex => "async-mutex",
            Strategy::Relock => "relock",
        }
    }
}

/// One guard alive at one or more awaits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The lock family, as a path: `std::sync::Mutex`, `parking_lot::RwLock`, `core::cell::RefCell`…
    pub lock: String,
    /// The acquiring method: `lock`, `read`, `borrow_mut`, `acquire`…
    pub acquire_method: String,
    /// The binding that holds the guard (`g` in `let g = …`); `None` for a temporary.
    pub binding: Option<String>,
    /// The expression that creates the guard.
    pub acquire: Span,
    /// Every await the guard is alive at, in source order.
    pub awaits: Vec<Span>,
    /// Where the guard is released (end of its block or statement, or the `drop` call).
    pub released_at: Option<Span>,
    /// For `lock-taken-while-held`: where the guard still alive took the lock first.
    // No `skip_serializing_if`: the cache stores findings with postcard, which is not
    // self-describing, so a field must always be written to be read back.
    #[serde(default)]
    pub held_since: Option<Span>,
    pub held_because: HeldBecause,
    /// The enclosing fn, async block or closure (for the report and the transforms).
    pub context: Span,
    /// Whether the guard is used after the last await it is held across.
    pub used_after_await: bool,
    pub suggested: Option<Strategy>,
    /// The named guard was borrowed (any use but a move): `drop(g)` will not satisfy `Send`.
    #[serde(skip)]
    pub borrowed: bool,
    /// Found inside a macro call's arguments: reported, never edited.
    #[serde(skip)]
    pub in_macro: bool,
    /// What `guardfix fix` would do about it, from the planning `fix` itself runs
    /// (`edit::engine::plan_notes`); `None` when not planned (the help then goes by
    /// `suggested`).
    #[serde(skip)]
    pub planned: Option<Planned>,
}

/// The outcome of planning a fix for one finding, for `check`'s help line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Planned {
    /// `fix` applies this strategy (MachineApplicable).
    Fix(Strategy),
    /// Only a MaybeIncorrect fix applies: with `--unsafe-fixes`.
    UnsafeOnly(Strategy),
    /// The lock switch over the workspace takes it (it may still refuse, with the place).
    Workspace(Strategy),
    /// No fix, and why.
    NoFix(String),
}
