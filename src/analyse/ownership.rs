//! Whether a value read out of a guard owns its data, as far as the syntax can prove it.
//!
//! The scope, helper and relock transforms end a guard before the await and let values the
//! critical section computed come out of it. A value that still borrows from the guard
//! (`map.entry(k).or_default()`, `v.iter().max()`) cannot leave: the block would not compile.
//! rust-analyzer's types decide where they are loaded (`SemanticWorkspace::owns_data`); these
//! functions are what is left without them. `owned_by_syntax` proves ownership only for
//! shapes whose result cannot borrow (a fix that relies on it is MachineApplicable);
//! `may_borrow_by_name` is the optimistic guess a MaybeIncorrect fix may rest on.

use ra_ap_syntax::{AstNode, ast, ast::HasArgList};

use crate::analyse::mentions::mentions;

/// Methods whose result owns its data whatever the receiver: copies, counts and tests.
const OWNING_METHODS: &[&str] = &[
    "clone",
    "to_owned",
    "to_string",
    "to_vec",
    "into_owned",
    "len",
    "is_empty",
    "capacity",
    "count",
    "contains",
    "contains_key",
    "starts_with",
    "ends_with",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "cmp",
    "partial_cmp",
    "sum",
    "product",
    // Moved out of the container: the value the container held, not a borrow of it.
    "pop",
    "pop_front",
    "pop_back",
    "swap_remove",
    "split_off",
    "remove",
    "replace",
    "insert",
];

/// `Option`-returning lookups: `.copied()`/`.cloned()` after one of them is `Option`'s, which
/// owns its value (after an iterator adaptor it would be `Iterator`'s, which still borrows).
const OPTION_LOOKUPS: &[&str] = &[
    "get",
    "first",
    "last",
    "front",
    "back",
    "peek",
    "next",
    "nth",
    "find",
    "max",
    "min",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
    "last_mut",
    "first_mut",
    "get_mut",
];

/// Methods that hand their receiver's value on (`Option`/`Result` unwrapping): the result
/// owns its data exactly when the receiver does.
const PASS_THROUGH: &[&str] =
    &["unwrap", "expect", "unwrap_or_default", "unwrap_unchecked", "unwrap_or", "unwrap_or_else"];

/// Types whose constructors and conversions (`String::from`, `u64::try_from`) produce owned
/// values.
const OWNED_TYPES: &[&str] = &[
    "String", "Vec", "Box", "Arc", "Rc", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16",
    "i32", "i64", "i128", "isize", "f32", "f64", "bool", "char", "PathBuf", "OsString",
];

/// Macros whose expansion is an owned value.
const OWNING_MACROS: &[&str] =
    &["format", "vec", "concat", "stringify", "line", "column", "file", "env", "matches"];

/// Whether `expr`'s value provably borrows nothing from the locals named in `held`: it does
/// not read them, or reads them only in shapes whose result is owned (a count, a clone, a
/// copy through `*`, arithmetic). `false` means "cannot tell", not "borrows".
pub fn owned_by_syntax(expr: &ast::Expr, held: &[String]) -> bool {
    if !held.iter().any(|name| mentions(expr.syntax(), name)) {
        return true;
    }
    // In code that compiled, a place read by value into a `let` is a copy (moving out of a
    // borrow would not compile), and a copy of a reference field does not borrow the guard.
    shape(expr, held) != Shape::Unknown
}

/// Whether a new `let` of `expr` (an expression of code being rewritten, such as a guard
/// temporary's read) would hold an owned value: a count, a clone, arithmetic. A place read
/// (`g.field`, `g[0]`, `*g`) is not enough: it copies only if its type is `Copy`, which only
/// types can tell.
pub fn computes_owned_value(expr: &ast::Expr) -> bool {
    shape(expr, &[]) == Shape::Owned
}

/// Whether `expr` reads a place by value (`g.timeout`, `g[0]`, `*g`, or one unwrapped,
/// `g.timeout.unwrap()`): a copy exactly when its type is `Copy`, which only types can tell
/// (without them, such a read compiles only if it is one).
pub fn reads_a_place(expr: &ast::Expr) -> bool {
    match expr {
        ast::Expr::FieldExpr(_) | ast::Expr::IndexExpr(_) => true,
        ast::Expr::PrefixExpr(prefix) => prefix.op_kind() == Some(ast::UnaryOp::Deref),
        ast::Expr::ParenExpr(paren) => paren.expr().is_some_and(|inner| reads_a_place(&inner)),
        ast::Expr::MethodCallExpr(call) => {
            call.name_ref().is_some_and(|name| PASS_THROUGH.contains(&name.text()))
                && call.receiver().is_some_and(|receiver| reads_a_place(&receiver))
        }
        _ => false,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// The value owns its data whatever the types.
    Owned,
    /// A place read by value: owned if it compiles (a copy of a `Copy` value).
    PlaceRead,
    Unknown,
}

fn shape(expr: &ast::Expr, held: &[String]) -> Shape {
    let owned_if = |owned: bool| if owned { Shape::Owned } else { Shape::Unknown };
    match expr {
        ast::Expr::Literal(_) => Shape::Owned,
        ast::Expr::ParenExpr(paren) => {
            paren.expr().map_or(Shape::Unknown, |inner| shape(&inner, held))
        }
        ast::Expr::TryExpr(try_expr) => {
            try_expr.expr().map_or(Shape::Unknown, |inner| shape(&inner, held))
        }
        ast::Expr::PrefixExpr(prefix) if prefix.op_kind() == Some(ast::UnaryOp::Deref) => {
            Shape::PlaceRead
        }
        ast::Expr::FieldExpr(_) | ast::Expr::IndexExpr(_) => Shape::PlaceRead,
        ast::Expr::PrefixExpr(_) | ast::Expr::CastExpr(_) => Shape::Owned,
        ast::Expr::BinExpr(bin) => {
            owned_if(!matches!(bin.op_kind(), Some(ast::BinaryOp::Assignment { .. })))
        }
        ast::Expr::TupleExpr(tuple) => {
            owned_if(tuple.fields().all(|field| owned_by_syntax(&field, held)))
        }
        ast::Expr::ArrayExpr(array) => {
            owned_if(array.exprs().all(|item| owned_by_syntax(&item, held)))
        }
        ast::Expr::MacroExpr(macro_expr) => owned_if(
            macro_expr
                .macro_call()
                .and_then(|call| crate::analyse::macros::macro_name(&call))
                .is_some_and(|name| OWNING_MACROS.contains(&name.as_str())),
        ),
        ast::Expr::CallExpr(call) => owned_if(owned_call(call, held)),
        ast::Expr::MethodCallExpr(call) => {
            let name = call.name_ref().map(|name| name.text().to_string()).unwrap_or_default();
            if OWNING_METHODS.contains(&name.as_str()) {
                return Shape::Owned;
            }
            let Some(receiver) = call.receiver() else { return Shape::Unknown };
            if matches!(name.as_str(), "cloned" | "copied")
                && let ast::Expr::MethodCallExpr(lookup) = &receiver
                && lookup.name_ref().is_some_and(|n| OPTION_LOOKUPS.contains(&n.text()))
            {
                return Shape::Owned;
            }
            if PASS_THROUGH.contains(&name.as_str()) {
                // `.cloned().unwrap()`: only an `Option` unwraps, and `Option::cloned` owns.
                if let ast::Expr::MethodCallExpr(inner) = &receiver
                    && inner
                        .name_ref()
                        .is_some_and(|inner| matches!(inner.text(), "cloned" | "copied"))
                {
                    return Shape::Owned;
                }
                return match shape(&receiver, held) {
                    Shape::PlaceRead => Shape::Unknown, // `g.field.unwrap()` moves out of a place
                    other => other,
                };
            }
            Shape::Unknown
        }
        _ => Shape::Unknown,
    }
}

/// Whether a written type surely owns its data: no reference, no lifetime, and only paths
/// to types that hold none (`u32`, `String`, `Vec<u64>`, `Option<(usize, bool)>`).
pub fn owned_type(ty: &ast::Type) -> bool {
    const CONTAINERS: &[&str] = &[
        "Option",
        "Result",
        "HashMap",
        "BTreeMap",
        "HashSet",
        "BTreeSet",
        "VecDeque",
        "Duration",
        "Instant",
        "SystemTime",
    ];
    ty.syntax().descendants().all(|node| {
        if ast::RefType::can_cast(node.kind())
            || ast::Lifetime::can_cast(node.kind())
            || ast::ImplTraitType::can_cast(node.kind())
            || ast::DynTraitType::can_cast(node.kind())
            || ast::InferType::can_cast(node.kind())
        {
            return false;
        }
        match ast::PathSegment::cast(node) {
            Some(segment) => segment.name_ref().is_some_and(|name| {
                OWNED_TYPES.contains(&name.text())
                    || CONTAINERS.contains(&name.text())
                    || matches!(name.text(), "std" | "collections" | "time")
            }),
            None => true,
        }
    })
}

/// [`owned_type`] for a type as the index records it (names resolved through imports).
pub fn owned_type_expr(ty: &crate::analyse::types::TypeExpr) -> bool {
    use crate::analyse::types::TypeExpr;
    const CONTAINERS: &[&str] =
        &["Option", "Result", "HashMap", "BTreeMap", "HashSet", "BTreeSet", "VecDeque"];
    match ty {
        TypeExpr::Path { path, args } => {
            let name = path.rsplit("::").next().unwrap_or(path);
            (OWNED_TYPES.contains(&name) || CONTAINERS.contains(&name))
                && args.iter().all(owned_type_expr)
        }
        TypeExpr::Tuple(parts) => parts.iter().all(owned_type_expr),
        TypeExpr::Slice(inner) => owned_type_expr(inner),
        TypeExpr::Ref(_) | TypeExpr::Other => false,
    }
}

/// `Some(owned)`, `Ok(owned)`, `String::from(…)`, `u32::try_from(…)`.
fn owned_call(call: &ast::CallExpr, held: &[String]) -> bool {
    let Some(ast::Expr::PathExpr(callee)) = call.expr() else { return false };
    let Some(path) = callee.path() else { return false };
    let text = path.syntax().text().to_string();
    let segments: Vec<&str> = text.split("::").map(str::trim).collect();
    let args_owned =
        || call.arg_list().is_some_and(|list| list.args().all(|arg| owned_by_syntax(&arg, held)));
    match segments.as_slice() {
        ["Some" | "Ok" | "Err"] => args_owned(),
        [.., owner, _] => {
            let owner = owner.split('<').next().unwrap_or(owner);
            OWNED_TYPES.contains(&owner)
        }
        _ => false,
    }
}

/// The optimistic guess: whether `expr` looks like it returns a reference into what it reads
/// (a `&` in it, or a method known to borrow from its receiver). A fix that trusts a `false`
/// here is MaybeIncorrect.
pub fn may_borrow_by_name(expr: &ast::Expr) -> bool {
    const BORROWING: &[&str] = &[
        "first",
        "last",
        "get",
        "get_mut",
        "iter",
        "iter_mut",
        "as_ref",
        "as_mut",
        "as_str",
        "as_slice",
        "as_deref",
        "as_deref_mut",
        "deref",
        "deref_mut",
        "borrow",
        "borrow_mut",
        "keys",
        "values",
        "values_mut",
        "split",
        "lines",
        "chars",
        "bytes",
        "trim",
        "peek",
        "front",
        "back",
        "entry",
        "range",
        "windows",
        "chunks",
        "drain",
        "or_default",
        "or_insert",
        "or_insert_with",
        "max",
        "min",
        "max_by_key",
        "min_by_key",
        "find",
        "last_mut",
        "first_mut",
    ];
    if expr.syntax().descendants().any(|node| ast::RefExpr::can_cast(node.kind())) {
        return true;
    }
    expr.syntax().descendants().filter_map(ast::MethodCallExpr::cast).any(|call| {
        call.name_ref().is_some_and(|name| BORROWING.contains(&name.text()))
            && !call.syntax().ancestors().skip(1).filter_map(ast::MethodCallExpr::cast).any(
                |outer| {
                    outer.name_ref().is_some_and(|name| {
                        matches!(name.text(), "cloned" | "copied")
                            || OWNING_METHODS.contains(&name.text())
                    })
                },
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{Edition, SourceFile};

    fn init(code: &str) -> ast::Expr {
        let text = format!("fn f() {{ let x = {code}; }}");
        let file = SourceFile::parse(&text, Edition::CURRENT).tree();
        file.syntax().descendants().find_map(ast::LetStmt::cast).unwrap().initializer().unwrap()
    }

    fn owned(code: &str) -> bool {
        owned_by_syntax(&init(code), &["g".to_owned()])
    }

    #[test]
    fn counts_copies_and_clones_own_their_data() {
        assert!(owned("g.len()"));
        assert!(owned("*g"));
        assert!(owned("g.len() + 1"));
        assert!(owned("g.get(&k).cloned().unwrap()"));
        assert!(owned("g.name.clone()"));
        assert!(owned("format!(\"{}\", g.len())"));
        assert!(owned("(g.len(), g.is_empty())"));
        assert!(owned("String::from(g.as_str())"));
        assert!(owned("other.first()"), "it does not read the guard at all");
        assert!(owned("g.get(key).copied()"));
        assert!(owned("g[0]"));
        assert!(owned("g.iter().map(|v| v * 2).sum()"));
    }

    #[test]
    fn what_the_syntax_cannot_prove_is_not_owned() {
        assert!(!owned("g.entry(1).or_default()"));
        assert!(!owned("g.iter().max()"));
        assert!(!owned("g.get(&k)"));
        assert!(!owned("g.iter().cloned()"), "an iterator adaptor still borrows");
        assert!(!owned("count_pending(&g)"));
        assert!(!owned("g"));
    }

    fn written(ty: &str) -> bool {
        let text = format!("fn f() {{ let x: {ty} = y; }}");
        let file = SourceFile::parse(&text, Edition::CURRENT).tree();
        let let_stmt = file.syntax().descendants().find_map(ast::LetStmt::cast).unwrap();
        owned_type(&let_stmt.ty().unwrap())
    }

    #[test]
    fn written_types_without_references_own_their_data() {
        assert!(written("u32"));
        assert!(written("Option<(usize, String)>"));
        assert!(written("std::collections::HashMap<String, Vec<u64>>"));
        assert!(!written("&str"));
        assert!(!written("Entry<u32, Vec<u32>>"));
        assert!(!written("Vec<_>"));
        assert!(!written("Cow<'_, str>"));
    }

    #[test]
    fn the_optimistic_guess_names_the_borrowing_methods() {
        assert!(may_borrow_by_name(&init("g.entry(1).or_default()")));
        assert!(may_borrow_by_name(&init("g.iter().max()")));
        assert!(may_borrow_by_name(&init("&g[0]")));
        assert!(!may_borrow_by_name(&init("g.iter().max().copied()")));
        assert!(!may_borrow_by_name(&init("summarize(g.total)")));
    }
}
