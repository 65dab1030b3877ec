//! Planning: which transform fixes a finding, following the decision table in the README.
//!
//! | the guard…                                   | strategy                          |
//! |----------------------------------------------|-----------------------------------|
//! | is not used after the await                  | `scope` (a block ends it earlier) |
//! | is used after the await, lock is blocking    | `async-mutex` (`lock_switch.rs`)  |
//! | protects the code after it (never read       | `async-mutex`: the lock may then  |
//! |   through: `_guard`, a lock over `()`)       |   span the await, as it must      |
//! | (`drop`: on request, MaybeIncorrect)         | releases the lock earlier         |
//! | (any of the above, on request)               | `helper` with `--strategy helper` |
//! | used after, the await does not use it        | `relock`, only on request and     |
//! |   (on request: two critical sections)        |   with `--unsafe-fixes`           |
//! | is a `RefCell` borrow used after the await   | none: restructure by hand         |
//! | is a configured guard type used after it     | none: there is no lock to switch  |
//! | sits in a `select!`/`join!` handler          | as above, inside the handler      |
//! | sits inside another macro's arguments        | none: macro input is not edited   |

use crate::analyse::index::CONFIGURED_GUARD;
use crate::finding::{Finding, FindingKind, HeldBecause, Strategy};

/// The least invasive strategy that is safe for the finding, or `None` when guardfix has no
/// automatic fix for it.
pub fn suggest(finding: &Finding) -> Option<Strategy> {
    if finding.kind == FindingKind::DroppedButNotSend {
        return Some(Strategy::Scope);
    }
    // A guard that protects the code after it needs to span the await as much as one whose
    // data is used after it: only a lock that may be held there keeps the meaning.
    // An async lock held across an await that does not need it serialises every waiter for
    // as long as the await takes: two critical sections (MaybeIncorrect) where the guard is
    // used on both sides. One that guards the code after it is held on purpose.
    if finding.kind == FindingKind::AsyncGuardHeldAcrossAwait
        && finding.used_after_await
        && !guards_code(finding)
    {
        return Some(Strategy::Relock);
    }
    if finding.used_after_await || guards_code(finding) {
        return switchable(finding).then_some(Strategy::AsyncMutex);
    }
    match finding.held_because {
        HeldBecause::AsyncFnParameter | HeldBecause::CapturedByAsyncBlock => None,
        HeldBecause::UnmatchedScrutinee => None,
        HeldBecause::HeldAcrossLoopIteration | HeldBecause::NotDroppedOnEveryPath => None,
        HeldBecause::NamedBinding if !finding.borrowed => Some(Strategy::Drop),
        _ => Some(Strategy::Scope),
    }
}

/// A named guard that is never read through: what it protects is the code after it (a test
/// lock over `()` taken before `set_var`, a `_serial` binding kept for its drop), not data.
/// Ending it before the await (`scope`, `drop`) would let that code run unserialised.
pub fn guards_code(finding: &Finding) -> bool {
    finding.binding.is_some()
        && !finding.borrowed
        && finding.held_because == HeldBecause::NamedBinding
        && finding.kind != FindingKind::DroppedButNotSend
}

/// Whether the async-mutex transform can switch the finding's lock: std's and parking_lot's
/// `Mutex`/`RwLock` (not stdio locks, `RefCell`, spin locks or configured guard types).
pub fn switchable(finding: &Finding) -> bool {
    finding.kind == FindingKind::GuardHeldAcrossAwait
        && finding.lock != CONFIGURED_GUARD
        && crate::transforms::async_mutex::can_switch(&finding.lock)
}
