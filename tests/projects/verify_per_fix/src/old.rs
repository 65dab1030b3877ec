/// An error the crate had before guardfix: not guardfix's to blame or to revert for.
pub fn broken() -> u32 {
    "not a number"
}
