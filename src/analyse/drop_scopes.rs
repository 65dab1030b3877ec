//! Where temporaries are dropped: the edition-dependent rules of the Rust reference
//! ("Destructors", "Temporary scopes"), as small predicates the liveness walk asks.
//!
//! All editions: a statement, the condition of `if`/`while` (without `let`), a match guard, a
//! match arm's body, the body of `if`/`while`/`loop`, an `else` block and each operand of `&&`/`||`
//! end a temporary scope. A `match` scrutinee and a `for` iterator expression do not: their
//! temporaries live until the end of the enclosing statement. A `while let` scrutinee lives
//! through the body of each iteration.
//!
//! Edition 2024 changed two rules (RFC 3606 and the `if let` rescope):
//! - a block's tail expression is a temporary scope of its own, so its temporaries drop
//!   before the block's locals instead of outliving the block;
//! - `if let` scrutinee temporaries drop before the `else` block instead of after it.

use ra_ap_syntax::Edition;

/// Whether the temporaries of a plain block's tail expression (`{ …; m.lock().unwrap().len() }`)
/// are dropped at the end of the block rather than at the end of the enclosing statement.
pub fn tail_expression_is_own_scope(edition: Edition) -> bool {
    edition >= Edition::Edition2024
}

/// Whether `if let` scrutinee temporaries are dropped before the `else` block runs.
pub fn if_let_scrutinee_drops_before_else(edition: Edition) -> bool {
    edition >= Edition::Edition2024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edition_2024_rules() {
        assert!(!tail_expression_is_own_scope(Edition::Edition2021));
        assert!(tail_expression_is_own_scope(Edition::Edition2024));
        assert!(!if_let_scrutinee_drops_before_else(Edition::Edition2018));
        assert!(if_let_scrutinee_drops_before_else(Edition::Edition2024));
    }
}
