//! Analysis: which guards are alive at which awaits.

pub mod classify;
pub mod drop_scopes;
pub mod liveness;
pub mod imports;
pub mod index;
pub mod lock_types;
pub mod macros;
pub mod types;
