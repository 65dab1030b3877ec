//! rust-analyzer's types (`hir::Type`) as the analysis's `Ty`.
//!
//! A type is matched by the crate that defines it and its name (`lock_api::Mutex`,
//! `std::sync::MutexGuard`), never by how it is displayed: `parking_lot::Mutex<T>` is an alias
//! of `lock_api::Mutex<RawMutex, T>`, `tokio::sync::Mutex` is defined in `tokio::sync::mutex`,
//! and a re-export or a type alias of the user's resolves to the same definition.

use ra_ap_hir::db::HirDatabase;
use ra_ap_hir::{Adt, Type};

use crate::analyse::lock_types::{self, LockClass, LockFamily};
use crate::analyse::types::Ty;

/// How deep user structs and wrappers are searched for a guard field.
const MAX_DEPTH: usize = 4;

/// The analysis's view of `ty`; `None` when rust-analyzer could not infer it either.
pub fn ty_of(db: &dyn HirDatabase, ty: &Type<'_>) -> Option<Ty> {
    if ty.is_unknown() {
        return None;
    }
    let ty = ty.strip_references();
    if let Some(family) = lock_family(db, &ty, 0) {
        return Some(Ty::Lock(family));
    }
    if let Some((class, lock)) = guard_within(db, &ty, 0) {
        return Some(Ty::Guard(class, lock));
    }
    // Known, and neither a lock nor a guard: the classifier must not guess from names.
    Some(match ty.as_adt() {
        Some(adt) => Ty::Named(adt.name(db).as_str().to_owned()),
        None => Ty::Named(String::from("{non-lock}")),
    })
}

/// Whether a value of `ty` may borrow from something: a reference anywhere in it, or a type
/// with a lifetime parameter (`MutexGuard<'_, T>`, `Entry<'_, K, V>`), a trait object or an
/// opaque type (which may capture one). rust-analyzer's `contains_reference` does not look
/// at lifetimes, so a guard would pass it.
pub fn may_borrow(db: &dyn HirDatabase, ty: &Type<'_>) -> bool {
    let mut borrows = false;
    ty.walk(db, |inner| {
        borrows |= inner.is_reference()
            || inner.as_adt().is_some_and(|adt| adt.lifetime(db).is_some())
            || inner.as_dyn_trait().is_some()
            || inner.as_impl_traits(db).is_some();
    });
    borrows
}

/// The crate that defines `adt` and its name, with `core` and `alloc` read as `std`.
fn crate_and_name(db: &dyn HirDatabase, adt: Adt) -> (String, String) {
    let krate = adt.module(db).krate(db);
    let crate_name =
        krate.display_name(db).map(|name| name.crate_name().to_string()).unwrap_or_default();
    let crate_name = match crate_name.as_str() {
        "core" | "alloc" => String::from("std"),
        _ => crate_name,
    };
    (crate_name, adt.name(db).as_str().to_owned())
}

/// Wrappers a method call auto-derefs through to reach the lock: `Arc<Mutex<T>>`,
/// `&'static LazyLock<RwLock<T>>`, `Box<RefCell<T>>`.
fn is_deref_wrapper(crate_name: &str, name: &str) -> bool {
    matches!(
        (crate_name, name),
        ("std", "Arc" | "Rc" | "Box" | "LazyLock" | "LazyCell" | "Pin" | "ManuallyDrop")
            | ("once_cell", "Lazy")
            | ("lazy_static", _)
    )
}

/// The lock family `ty` is, or derefs to.
fn lock_family(db: &dyn HirDatabase, ty: &Type<'_>, depth: usize) -> Option<LockFamily> {
    if depth > MAX_DEPTH {
        return None;
    }
    let ty = ty.strip_references();
    let adt = ty.as_adt()?;
    let (crate_name, name) = crate_and_name(db, adt);
    if is_deref_wrapper(&crate_name, &name) {
        let inner = ty.type_arguments().next()?;
        return lock_family(db, &inner, depth + 1);
    }
    family_of(&crate_name, &name)
}

/// A lock type by its defining crate and name.
pub fn family_of(crate_name: &str, name: &str) -> Option<LockFamily> {
    let path = match (crate_name, name) {
        ("std", "Mutex") => "std::sync::Mutex",
        ("std", "RwLock") => "std::sync::RwLock",
        ("std", "RefCell") => "std::cell::RefCell",
        ("std", "Stdout") => "std::io::Stdout",
        ("std", "Stderr") => "std::io::Stderr",
        ("std", "Stdin") => "std::io::Stdin",
        ("lock_api" | "parking_lot", "Mutex") => "parking_lot::Mutex",
        ("lock_api" | "parking_lot", "ReentrantMutex") => "parking_lot::ReentrantMutex",
        ("lock_api" | "parking_lot", "RwLock") => "parking_lot::RwLock",
        ("parking_lot", "FairMutex") => "parking_lot::FairMutex",
        ("spin", "Mutex" | "SpinMutex" | "TicketMutex") => "spin::Mutex",
        ("spin", "RwLock") => "spin::RwLock",
        ("dashmap", "DashMap") => "dashmap::DashMap",
        ("tokio", "Mutex") => "tokio::sync::Mutex",
        ("tokio", "RwLock") => "tokio::sync::RwLock",
        ("tokio", "Semaphore") => "tokio::sync::Semaphore",
        ("futures_util" | "futures", "Mutex") => "futures::lock::Mutex",
        ("async_lock", "Mutex") => "async_lock::Mutex",
        ("async_lock", "RwLock") => "async_lock::RwLock",
        ("async_lock", "Semaphore") => "async_lock::Semaphore",
        ("async_std", "Mutex") => "async_std::sync::Mutex",
        ("async_std", "RwLock") => "async_std::sync::RwLock",
        _ => return None,
    };
    lock_types::family_by_path(path)
}

/// A guard type by its defining crate and name, with the class and lock it comes from.
pub fn guard_of(crate_name: &str, name: &str) -> Option<(LockClass, &'static str)> {
    let is_guard_name = name.ends_with("Guard") || name.ends_with("Permit");
    let found = match crate_name {
        "std" => match name {
            "Ref" | "RefMut" => (LockClass::RefCell, "std::cell::RefCell"),
            "StdoutLock" | "StderrLock" | "StdinLock" => (LockClass::Blocking, "std::io::Stdout"),
            _ if name.contains("RwLock") && is_guard_name => {
                (LockClass::Blocking, "std::sync::RwLock")
            }
            _ if name.contains("Mutex") && is_guard_name => {
                (LockClass::Blocking, "std::sync::Mutex")
            }
            _ => return None,
        },
        "lock_api" | "parking_lot" if is_guard_name => {
            if name.contains("RwLock") {
                (LockClass::Blocking, "parking_lot::RwLock")
            } else {
                (LockClass::Blocking, "parking_lot::Mutex")
            }
        }
        "spin" if is_guard_name => {
            if name.contains("RwLock") || name.contains("Read") || name.contains("Write") {
                (LockClass::Blocking, "spin::RwLock")
            } else {
                (LockClass::Blocking, "spin::Mutex")
            }
        }
        // dashmap's references hold a shard lock.
        "dashmap" => match name {
            "Ref" | "RefMut" | "RefMulti" | "RefMutMulti" | "Entry" | "OccupiedEntry"
            | "VacantEntry" | "MappedRef" | "MappedRefMut" => {
                (LockClass::Blocking, "dashmap::DashMap")
            }
            _ => return None,
        },
        "tokio" if is_guard_name => {
            if name.contains("Semaphore") {
                (LockClass::Async, "tokio::sync::Semaphore")
            } else if name.contains("RwLock") {
                (LockClass::Async, "tokio::sync::RwLock")
            } else {
                (LockClass::Async, "tokio::sync::Mutex")
            }
        }
        "futures_util" | "futures" if is_guard_name => (LockClass::Async, "futures::lock::Mutex"),
        "async_lock" | "async_std" if is_guard_name => {
            if name.contains("Semaphore") {
                (LockClass::Async, "async_lock::Semaphore")
            } else if name.contains("RwLock") {
                (LockClass::Async, "async_lock::RwLock")
            } else {
                (LockClass::Async, "async_lock::Mutex")
            }
        }
        _ => return None,
    };
    Some(found)
}

/// Containers whose value holds their type arguments: a guard inside keeps the lock.
fn holds_its_arguments(crate_name: &str, name: &str) -> bool {
    crate_name == "std"
        && matches!(name, "Option" | "Result" | "Box" | "Vec" | "VecDeque" | "Rc" | "Arc" | "Cell")
}

/// The guard `ty` is or holds: a guard type, `LockResult<Guard>`, `Option<Guard>`, a tuple or
/// a user struct with a guard field.
fn guard_within(
    db: &dyn HirDatabase,
    ty: &Type<'_>,
    depth: usize,
) -> Option<(LockClass, &'static str)> {
    if depth > MAX_DEPTH {
        return None;
    }
    let ty = ty.strip_references();
    if let Some(found) =
        ty.tuple_fields(db).iter().find_map(|field| guard_within(db, field, depth + 1))
    {
        return Some(found);
    }
    let adt = ty.as_adt()?;
    let (crate_name, name) = crate_and_name(db, adt);
    if let Some(found) = guard_of(&crate_name, &name) {
        return Some(found);
    }
    if holds_its_arguments(&crate_name, &name) {
        return ty.type_arguments().find_map(|argument| guard_within(db, &argument, depth + 1));
    }
    if crate_name == "std" {
        return None;
    }
    // A struct of the user's (or a dependency's) that holds a guard in a field.
    ty.fields(db).iter().find_map(|(_, field_ty)| guard_within(db, field_ty, depth + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_types_are_matched_by_crate_and_name() {
        assert_eq!(family_of("std", "Mutex").map(|f| f.path), Some("std::sync::Mutex"));
        assert_eq!(family_of("lock_api", "RwLock").map(|f| f.path), Some("parking_lot::RwLock"));
        assert_eq!(family_of("tokio", "Mutex").map(|f| f.class), Some(LockClass::Async));
        assert_eq!(family_of("my_crate", "Mutex"), None);
    }

    #[test]
    fn guard_types_are_matched_by_crate_and_name() {
        assert_eq!(guard_of("std", "MutexGuard"), Some((LockClass::Blocking, "std::sync::Mutex")));
        assert_eq!(guard_of("std", "Ref"), Some((LockClass::RefCell, "std::cell::RefCell")));
        assert_eq!(
            guard_of("lock_api", "ArcRwLockUpgradableReadGuard"),
            Some((LockClass::Blocking, "parking_lot::RwLock"))
        );
        assert_eq!(guard_of("dashmap", "Ref").map(|g| g.1), Some("dashmap::DashMap"));
        assert_eq!(guard_of("tokio", "OwnedSemaphorePermit").map(|g| g.0), Some(LockClass::Async));
        assert_eq!(guard_of("std", "Mutex"), None);
        assert_eq!(guard_of("my_crate", "MutexGuard"), None);
    }
}
