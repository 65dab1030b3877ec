//! Planning: which transform fixes a finding, following the decision table in the README.
//!
//! | the guard…                                   | strategy                          |
//! |----------------------------------------------|-----------------------------------|
//! | is a named binding, never borrowed           | `drop` after its last use         |
//! | is not used after the await                  | `scope` (a block ends it earlier) |
//! | is used after the await, lock is blocking    | `async-mutex` (`lock_switch.rs`)  |
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
    if finding.used_after_await {
        return match finding.kind {
            // A configured guard type (a user's RAII wrapper) has no lock to switch.
            FindingKind::GuardHeldAcrossAwait if finding.lock != CONFIGURED_GUARD => {
                Some(Strategy::AsyncMutex)
            }
            _ => None,
        };
    }
    match finding.held_because {
        HeldBecause::AsyncFnParameter | HeldBecause::CapturedByAsyncBlock => None,
        HeldBecause::HeldAcrossLoopIteration | HeldBecause::NotDroppedOnEveryPath => None,
        HeldBecause::NamedBinding if !finding.borrowed => Some(Strategy::Drop),
        _ => Some(Strategy::Scope),
    }
}
