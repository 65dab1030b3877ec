//! The lock families guardfix knows: their paths, how a guard is acquired from each, and which
//! types are guards.
//!
//! This is data, not logic: a family is found by the classifier (`classify.rs`) from what a
//! receiver *is* (its declared type), and only then is the method name looked up here. So
//! `file.read(&mut buf)` never counts: a `File` is no lock.

use super::types::last_segment;

/// How holding the guard across an await behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockClass {
    /// Blocks the thread; the future turns `!Send` (std, parking_lot, spin, dashmap, stdio).
    Blocking,
    /// A `RefCell` borrow: panics on re-borrow instead of blocking.
    RefCell,
    /// Built for async code (tokio, futures, async-lock): legal across awaits, still serializes.
    Async,
}

/// One lock type, e.g. `std::sync::Mutex`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LockFamily {
    /// The canonical path shown to users and in JSON.
    pub path: &'static str,
    pub class: LockClass,
    /// Methods whose result is (or wraps, as `LockResult`/`Option`/a future) a guard.
    pub acquire_methods: &'static [&'static str],
}

const STD_MUTEX: &[&str] = &["lock", "try_lock"];
const STD_RWLOCK: &[&str] = &["read", "write", "try_read", "try_write"];
const LOCK_API_MUTEX: &[&str] =
    &["lock", "try_lock", "try_lock_for", "try_lock_until", "lock_arc", "try_lock_arc"];
const LOCK_API_RWLOCK: &[&str] = &[
    "read",
    "write",
    "try_read",
    "try_write",
    "upgradable_read",
    "try_upgradable_read",
    "read_recursive",
    "read_arc",
    "write_arc",
    "upgradable_read_arc",
    "try_read_for",
    "try_write_for",
];
const REFCELL: &[&str] = &["borrow", "borrow_mut", "try_borrow", "try_borrow_mut"];
const DASHMAP: &[&str] = &["get", "get_mut", "entry", "try_get", "try_get_mut", "try_entry"];
const STDIO: &[&str] = &["lock"];
const ASYNC_MUTEX: &[&str] = &["lock", "try_lock", "lock_owned", "try_lock_owned", "lock_arc"];
const ASYNC_RWLOCK: &[&str] = &[
    "read",
    "write",
    "try_read",
    "try_write",
    "read_owned",
    "write_owned",
    "upgradable_read",
    "read_arc",
    "write_arc",
];
const SEMAPHORE: &[&str] =
    &["acquire", "acquire_many", "acquire_owned", "try_acquire", "acquire_arc"];

macro_rules! family {
    ($path:literal, $class:ident, $methods:expr) => {
        LockFamily { path: $path, class: LockClass::$class, acquire_methods: $methods }
    };
}

/// Every known lock type by its full path. Re-exports are listed under each path users write.
pub const FAMILIES: &[LockFamily] = &[
    family!("std::sync::Mutex", Blocking, STD_MUTEX),
    family!("std::sync::RwLock", Blocking, STD_RWLOCK),
    family!("std::sync::nonpoison::Mutex", Blocking, STD_MUTEX),
    family!("std::sync::nonpoison::RwLock", Blocking, STD_RWLOCK),
    family!("std::cell::RefCell", RefCell, REFCELL),
    family!("core::cell::RefCell", RefCell, REFCELL),
    family!("std::io::Stdout", Blocking, STDIO),
    family!("std::io::Stderr", Blocking, STDIO),
    family!("std::io::Stdin", Blocking, STDIO),
    family!("parking_lot::Mutex", Blocking, LOCK_API_MUTEX),
    family!("parking_lot::FairMutex", Blocking, LOCK_API_MUTEX),
    family!("parking_lot::ReentrantMutex", Blocking, LOCK_API_MUTEX),
    family!("parking_lot::RwLock", Blocking, LOCK_API_RWLOCK),
    family!("lock_api::Mutex", Blocking, LOCK_API_MUTEX),
    family!("lock_api::ReentrantMutex", Blocking, LOCK_API_MUTEX),
    family!("lock_api::RwLock", Blocking, LOCK_API_RWLOCK),
    family!("spin::Mutex", Blocking, LOCK_API_MUTEX),
    family!("spin::RwLock", Blocking, LOCK_API_RWLOCK),
    family!("spin::mutex::Mutex", Blocking, LOCK_API_MUTEX),
    family!("spin::rwlock::RwLock", Blocking, LOCK_API_RWLOCK),
    family!("dashmap::DashMap", Blocking, DASHMAP),
    family!("tokio::sync::Mutex", Async, ASYNC_MUTEX),
    family!("tokio::sync::RwLock", Async, ASYNC_RWLOCK),
    family!("tokio::sync::Semaphore", Async, SEMAPHORE),
    family!("futures::lock::Mutex", Async, ASYNC_MUTEX),
    family!("futures_util::lock::Mutex", Async, ASYNC_MUTEX),
    family!("async_lock::Mutex", Async, ASYNC_MUTEX),
    family!("async_lock::RwLock", Async, ASYNC_RWLOCK),
    family!("async_lock::Semaphore", Async, SEMAPHORE),
    family!("async_std::sync::Mutex", Async, ASYNC_MUTEX),
    family!("async_std::sync::RwLock", Async, ASYNC_RWLOCK),
];

/// Families for a lock type name written without a path we can resolve (`Mutex<T>` with a
/// glob import, say). The acquisition shape then tells blocking from async: a blocking lock's
/// `lock()` is never awaited.
pub const UNRESOLVED_MUTEX: LockFamily = family!("Mutex", Blocking, LOCK_API_MUTEX);
pub const UNRESOLVED_RWLOCK: LockFamily = family!("RwLock", Blocking, LOCK_API_RWLOCK);

/// Whether some lock family acquires with a method of this name (`lock`, `read`, `get`…).
pub fn is_acquire_method_name(method: &str) -> bool {
    FAMILIES.iter().any(|family| family.acquire_methods.contains(&method))
}

/// Acquire-like method names distinctive enough that, without arguments, a call on a receiver
/// of unknown type is worth asking the types about (`get`, `entry` of every map are not).
pub const LOCK_LIKE_METHODS: &[&str] = &[
    "lock",
    "read",
    "write",
    "try_lock",
    "try_read",
    "try_write",
    "borrow",
    "borrow_mut",
    "try_borrow",
    "try_borrow_mut",
    "upgradable_read",
    "read_recursive",
    "lock_arc",
    "read_arc",
    "write_arc",
];

/// tokio's acquisitions from sync code: they take the lock as `lock()` does.
pub const BLOCKING_ACQUIRES: &[&str] = &["blocking_lock", "blocking_read", "blocking_write"];

/// Whether the method is one of [`LOCK_LIKE_METHODS`].
pub fn is_lock_like_method(method: &str) -> bool {
    LOCK_LIKE_METHODS.contains(&method)
}

/// Whether a fn or method of unknown type may return a guard, judged by its name: only decides
/// whether rust-analyzer is asked (`--semantic auto`), never what is reported.
///
/// It must start with the verb (`lock_state`, `borrow_cell`, `acquire_owned`, `try_lock`) or
/// end in what it hands out (`state_guard`, `LockGuard`, `slot_permit`), or be one of the
/// helpers real code names so (`locked`, `read_lock`, `write_lock`): `spawn_blocking`,
/// `update_locked_for_comment`, `is_locked` and `create_store_lock` (a lock, not a guard) are
/// not.
pub fn may_return_guard(name: &str) -> bool {
    const VERBS: &[&str] = &["lock", "borrow", "acquire"];
    const GIVES: &[&str] = &["guard", "permit"];
    let words = name_words(name);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let verb = match words.as_slice() {
        ["try", verb, ..] | [verb, ..] => VERBS.contains(verb),
        [] => false,
    };
    let gives = words.last().is_some_and(|last| GIVES.contains(last));
    let helper = matches!(words.as_slice(), ["locked"] | ["read" | "write", "lock"]);
    // A guard that runs code when dropped (`CancellationToken::drop_guard`, `scope_guard`,
    // `defer_guard`) guards no lock.
    let scope_guard = matches!(words.first().copied(), Some("drop" | "scope" | "defer" | "on"));
    (verb || gives || helper) && !words.contains(&"blocking") && !scope_guard
}

/// Whether a name says it acquires a permit (`acquire`, `try_acquire_many_owned`): only async
/// semaphores do, so such a candidate matters only with `--include-async-locks`.
pub fn hands_out_permits(name: &str) -> bool {
    let words = name_words(name);
    let first = match words.first().map(String::as_str) {
        Some("try") => words.get(1),
        _ => words.first(),
    };
    first.is_some_and(|word| word == "acquire") || words.last().is_some_and(|word| word == "permit")
}

/// `snake_case` and `CamelCase` words of a name, lower-cased.
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in name.split('_').filter(|part| !part.is_empty()) {
        let mut word = String::new();
        for c in part.chars() {
            if c.is_uppercase() && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            word.extend(c.to_lowercase());
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

pub fn family_by_path(path: &str) -> Option<LockFamily> {
    FAMILIES.iter().copied().find(|family| family.path == path)
}

/// A bare type name that is a lock in some family: `Mutex`, `RwLock`, `RefCell`…
pub fn is_lock_type_name(name: &str) -> bool {
    FAMILIES.iter().any(|family| last_segment(family.path) == name)
}

/// The family of a lock type name written without any resolvable path.
pub fn family_for_bare_name(name: &str) -> Option<LockFamily> {
    match name {
        "Mutex" | "FairMutex" | "ReentrantMutex" => Some(UNRESOLVED_MUTEX),
        "RwLock" => Some(UNRESOLVED_RWLOCK),
        // These names are unique enough to mean the one family that has them.
        "RefCell" => family_by_path("std::cell::RefCell"),
        "DashMap" => family_by_path("dashmap::DashMap"),
        "Semaphore" => family_by_path("tokio::sync::Semaphore"),
        _ => None,
    }
}

/// Resolves a type written as `prefix::Name` (after import resolution) to its family. Crate
/// re-exports (`tokio::sync::Mutex` is also `tokio::sync::mutex::Mutex`? no: only the public
/// paths users write) are matched by crate and name.
pub fn family_for_path(path: &str) -> Option<LockFamily> {
    if let Some(family) = family_by_path(path) {
        return Some(family);
    }
    let name = last_segment(path);
    let krate = path.split("::").next().unwrap_or("");
    let krate = if krate == "core" || krate == "alloc" { "std" } else { krate };
    FAMILIES
        .iter()
        .copied()
        .find(|family| last_segment(family.path) == name && family.path.starts_with(krate))
        .or_else(|| {
            // A crate's own re-export (`crate::sync::Mutex`) or a bare name: the name decides.
            let local = !path.contains("::") || ["crate", "self", "super"].contains(&krate);
            if local { family_for_bare_name(name) } else { None }
        })
}

/// Type names that are guards themselves, with the family class they come from. Used for fn
/// return types and annotated bindings (`fn state(&self) -> MutexGuard<'_, S>`).
/// Whether a guard from `first` keeps `again` (the same lock) from being granted: any two
/// acquisitions of a mutex, a `RwLock` when either writes (or both are upgradable reads).
/// Reentrant mutexes, stdio locks (reentrant), semaphores, `DashMap` shards and `RefCell`
/// borrows (a panic, not a deadlock) do not count, nor `try_*` calls, which fail instead.
pub fn excludes(
    first: &crate::analyse::classify::Acquisition,
    again: &crate::analyse::classify::Acquisition,
) -> bool {
    let lock = first.lock;
    if lock != again.lock || again.method.starts_with("try_") || lock.contains("Reentrant") {
        return false;
    }
    if lock.ends_with("RwLock") {
        let writes = |method: &str| method.contains("write");
        let upgradable = |method: &str| method.contains("upgradable");
        return writes(&first.method)
            || writes(&again.method)
            || (upgradable(&first.method) && upgradable(&again.method));
    }
    lock.ends_with("Mutex")
}

/// Whether an acquisition keeps every other out: a (non-reentrant) mutex's, or a write.
pub fn is_exclusive(acquisition: &crate::analyse::classify::Acquisition) -> bool {
    let lock = acquisition.lock;
    (lock.ends_with("Mutex") && !lock.contains("Reentrant"))
        || (lock.ends_with("RwLock") && acquisition.method.contains("write"))
}

pub fn guard_type(name: &str) -> Option<(LockClass, &'static str)> {
    let found = match name {
        "MutexGuard"
        | "MappedMutexGuard"
        | "ArcMutexGuard"
        | "ReentrantMutexGuard"
        | "MappedReentrantMutexGuard"
        | "ArcReentrantMutexGuard" => (LockClass::Blocking, "std::sync::Mutex"),
        "RwLockReadGuard"
        | "RwLockWriteGuard"
        | "MappedRwLockReadGuard"
        | "MappedRwLockWriteGuard"
        | "RwLockUpgradableReadGuard"
        | "ArcRwLockReadGuard"
        | "ArcRwLockWriteGuard"
        | "ArcRwLockUpgradableReadGuard" => (LockClass::Blocking, "std::sync::RwLock"),
        "Ref" | "RefMut" => (LockClass::RefCell, "std::cell::RefCell"),
        "StdoutLock" | "StderrLock" | "StdinLock" => (LockClass::Blocking, "std::io::Stdout"),
        "OwnedMutexGuard" | "OwnedMappedMutexGuard" => (LockClass::Async, "tokio::sync::Mutex"),
        "OwnedRwLockReadGuard" | "OwnedRwLockWriteGuard" | "OwnedRwLockMappedWriteGuard" => {
            (LockClass::Async, "tokio::sync::RwLock")
        }
        "SemaphorePermit" | "OwnedSemaphorePermit" => (LockClass::Async, "tokio::sync::Semaphore"),
        _ => return None,
    };
    Some(found)
}

/// The guard type at `path` (names resolved through imports): as [`guard_type`], but a guard
/// of an async lock crate is that crate's (`tokio::sync::RwLockReadGuard` is tokio's read
/// guard, not std's, though the names agree).
pub fn guard_type_for_path(path: &str) -> Option<(LockClass, &'static str)> {
    let name = last_segment(path);
    let krate = path.split("::").next().unwrap_or("");
    const ASYNC_CRATES: &[&str] = &["tokio", "futures", "futures_util", "async_lock", "async_std"];
    let is_guard_name = name.ends_with("Guard") || name.ends_with("Permit");
    if path.contains("::") && ASYNC_CRATES.contains(&krate) && is_guard_name {
        let lock = if name.contains("RwLock") {
            "RwLock"
        } else if name.contains("Mutex") {
            "Mutex"
        } else if name.contains("Semaphore") || name.contains("Permit") {
            "Semaphore"
        } else {
            return None;
        };
        let family = FAMILIES.iter().find(|family| {
            family.class == LockClass::Async
                && family.path.starts_with(krate)
                && last_segment(family.path) == lock
        })?;
        return Some((LockClass::Async, family.path));
    }
    if path.contains("::") && ASYNC_CRATES.contains(&krate) {
        return None; // `tokio::sync::Mutex` itself is a lock, not a guard
    }
    guard_type(name)
}

/// Methods that hand their receiver's guard on unchanged, or wrapped/unwrapped in
/// `Result`/`Option`: `m.lock().unwrap()` is as much a guard as `m.lock()`.
pub fn passes_guard_through(method: &str) -> bool {
    matches!(
        method,
        "unwrap"
            | "expect"
            | "unwrap_or_else"
            | "unwrap_unchecked"
            | "ok"
            | "map_err"
            | "or_else"
            | "context"
            | "with_context"
            | "into_ok"
            | "unwrap_or_default"
            // `PoisonError::into_inner`: the guard a poisoned lock still hands out.
            | "into_inner"
    )
}

/// `Option`/`Result` methods that take the wrapper by value and run their closure at once: a
/// guard inside is moved into it and dropped there (`map.get(k).map(|v| v.clone())`).
pub fn consumes_wrapper(method: &str) -> bool {
    matches!(
        method,
        "map"
            | "map_or"
            | "map_or_else"
            | "and_then"
            | "is_some_and"
            | "is_none_or"
            | "is_ok_and"
            | "is_err_and"
            | "filter"
            | "inspect"
            | "ok_or"
            | "ok_or_else"
    )
}

/// Whether the acquiring call returns the guard wrapped in an `Option`/`Result`: std's
/// poisoning `lock`/`read`/`write`, every `try_*`, dashmap's `get`/`get_mut`.
pub fn acquisition_wraps(lock: &str, method: &str) -> bool {
    if method.starts_with("try_") {
        return true;
    }
    match lock {
        "std::sync::Mutex" | "std::sync::RwLock" => matches!(method, "lock" | "read" | "write"),
        "dashmap::DashMap" => matches!(method, "get" | "get_mut"),
        _ => false,
    }
}

/// Associated fns on guard types that take a guard and return one (`MutexGuard::map(g, f)`).
pub fn guard_constructor_fn(name: &str) -> bool {
    matches!(
        name,
        "map"
            | "try_map"
            | "filter_map"
            | "map_split"
            | "upgrade"
            | "downgrade"
            | "try_upgrade"
            | "downgrade_to_upgradable"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_says_it_returns_a_guard_by_its_first_or_last_word() {
        for name in [
            "lock_state",
            "state_guard",
            "try_acquire",
            "LockGuard",
            "locked",
            "read_lock",
            "try_lock",
        ] {
            assert!(may_return_guard(name), "{name}");
        }
        for name in [
            "spawn_blocking",
            "update_locked_for_comment",
            "is_locked",
            "cross_process_lock_config",
            "unlock_all",
            "create_store_lock",
            "drop_guard",
            "scope_guard",
        ] {
            assert!(!may_return_guard(name), "{name}");
        }
        assert!(hands_out_permits("try_acquire_many_owned"));
        assert!(hands_out_permits("slot_permit"));
        assert!(!hands_out_permits("lock_state"));
    }

    #[test]
    fn a_guard_type_is_the_family_of_the_crate_it_comes_from() {
        let async_rwlock = Some((LockClass::Async, "tokio::sync::RwLock"));
        assert_eq!(guard_type_for_path("tokio::sync::RwLockReadGuard"), async_rwlock);
        assert_eq!(
            guard_type_for_path("tokio::sync::OwnedMutexGuard"),
            Some((LockClass::Async, "tokio::sync::Mutex"))
        );
        assert_eq!(
            guard_type_for_path("futures::lock::MutexGuard"),
            Some((LockClass::Async, "futures::lock::Mutex"))
        );
        let std_rwlock = Some((LockClass::Blocking, "std::sync::RwLock"));
        assert_eq!(guard_type_for_path("std::sync::RwLockReadGuard"), std_rwlock);
        assert_eq!(guard_type_for_path("RwLockReadGuard"), std_rwlock);
        assert_eq!(guard_type_for_path("tokio::sync::Mutex"), None, "a lock, not a guard");
    }
}
