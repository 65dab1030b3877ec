//! Transform: relock (two critical sections)
//!
//! For a guard used on both sides of an await whose awaiting statements do not use it: the
//! first critical section ends before the await (in a block, as `scope` ends one) and the
//! lock is taken again after it. Early returns of the first section that test the guarded
//! data are tested again after re-locking, as another task may have changed the data in
//! between: the double-check of a cache fill.
//!
//! ```text
//! let mut cache = self.cache.lock().unwrap();      {
//! if let Some(v) = cache.get(&key) {                   let cache = self.cache.lock().unwrap();
//!     return v.clone();                                if let Some(v) = cache.get(&key) {
//! }                                                        return v.clone();
//! let v = fetch(&key).await;                  →        }
//! cache.insert(key, v.clone());                    }
//! v                                                let v = fetch(&key).await;
//!                                                  let mut cache = self.cache.lock().unwrap();
//!                                                  if let Some(v) = cache.get(&key) {
//!                                                      return v.clone();
//!                                                  }
//!                                                  cache.insert(key, v.clone());
//!                                                  v
//! ```
//!
//! MaybeIncorrect: other tasks may take the lock between the two sections, so the program is
//! no longer atomic across the await; applied only with `--unsafe-fixes`. A guard not used
//! before the await is simply taken after it. Each section's binding is `mut` only when it
//! assigns through the guard, borrows it `&mut`, or calls a method rust-analyzer resolves to
//! one taking `&mut self` (and a section that only reads an `RwLock` takes `read()`); without
//! types the original `mut` and method stay on both. The acquisition
//! is evaluated twice, so it must be free of calls other than the lock's own methods.

use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode, TextRange, ast};

use super::scope_guard::{CriticalSection, SectionBounds, wrap_in_block};
use super::{
    BlockItem, FixContext, TypeAnswers, block_items, guard_let, line_indent, mentions,
    remove_statement,
};
use crate::analyse::liveness::bound_names;
use crate::analyse::ownership;
use crate::edit::{Applicability, Fix, TextEdit};
use crate::finding::{HeldBecause, Span, Strategy};

pub fn relock(ctx: &FixContext<'_>) -> Option<Fix> {
    let finding = ctx.finding;
    let is_lock = finding.lock.ends_with("Mutex") || finding.lock.ends_with("RwLock");
    if !finding.used_after_await || finding.held_because != HeldBecause::NamedBinding || !is_lock {
        return None; // RefCell borrows and configured guards: scope or helper only
    }
    let name = finding.binding.as_deref()?;
    let let_stmt = guard_let(ctx.root, finding.acquire)?;
    let Some(ast::Pat::IdentPat(pat)) = let_stmt.pat() else { return None };
    if let_stmt.let_else().is_some() || pat.ref_token().is_some() {
        return None;
    }
    let acquire = let_stmt.initializer()?;
    if !evaluable_twice(acquire.syntax()) {
        return None;
    }
    let items = block_items(&let_stmt.syntax().parent().and_then(ast::StmtList::cast)?);
    let first = items.iter().position(|item| item.syntax() == let_stmt.syntax())?;
    let first_await = *finding.awaits.first()?;
    let awaiting = items.iter().position(|item| item.span().contains(first_await))?;
    let resume = (awaiting..items.len()).find(|&at| mentions(items[at].syntax(), name))?;
    let gap = Span::new(items[awaiting].span().start, items[resume].span().start);
    if awaiting <= first || !finding.awaits.iter().all(|await_span| gap.contains(*await_span)) {
        return None; // the guard is also held across an await after it is used again
    }
    // The first section ends after the last use of the guard or of a value borrowing from it;
    // such a value must not be needed after the await (the guard it borrows is gone there).
    let bounds = SectionBounds {
        items: &items,
        first,
        awaiting,
        unused_end: first,
        dropped_later: Vec::new(),
    };
    let types = TypeAnswers::ask(ctx, &items[first + 1..awaiting]);
    let owned = |init: &ast::Expr, _: &[String]| {
        types.owns(init).unwrap_or_else(|| !ownership::may_borrow_by_name(init))
    };
    let (last, held) = bounds.borrowing_values(name, &[], &owned);
    if bounds.used_from_await(&held[1..]) {
        return None;
    }
    let last = (last > first).then_some(last);
    if rebinds_any(&items[first + 1..resume], acquire.syntax()) {
        return None; // `let m = …;` or `i += 1` before the re-lock: it would take another lock
    }

    let was_mut = pat.mut_token().is_some();
    // A written type names the guard: `write()` stays `write()`.
    let typed = let_stmt.ty().is_some();
    let acquire_text = acquire.syntax().text().to_string();
    let second_needs_mut = needs_mut(ctx, &items[resume..], name);
    let first_section = match last {
        None => remove_statement(ctx.text, items[first].span()),
        Some(last) => {
            let section = CriticalSection {
                items: items.clone(),
                first,
                last,
                name: name.into(),
                proven: false,
                later_drops: Vec::new(),
            };
            let mut block = wrap_in_block(ctx.text, &section)?;
            let needs = needs_mut(ctx, &items[first + 1..=last], name);
            if was_mut && needs == Some(false) {
                let head = format!("let {}", pat.syntax().text());
                block.replacement = block.replacement.replacen(&head, &format!("let {name}"), 1);
            }
            let reading =
                if typed { acquire_text.clone() } else { read_only(&acquire_text, needs) };
            block.replacement = block.replacement.replacen(&acquire_text, &reading, 1);
            block
        }
    };

    let indent = line_indent(ctx.text, items[resume].span().start);
    let checks = last.map(|last| rechecks(&items[first + 1..=last], name)).unwrap_or_default();
    let ty = let_stmt.ty().map(|ty| format!(": {}", ty.syntax().text())).unwrap_or_default();
    let second_mut = was_mut && second_needs_mut.unwrap_or(true);
    let binding = if second_mut { format!("mut {name}") } else { name.to_owned() };
    let acquire_again =
        if typed { acquire_text.clone() } else { read_only(&acquire_text, second_needs_mut) };
    let mut relock = format!("let {binding}{ty} = {acquire_again};\n");
    for check in checks {
        relock.push_str(&format!("{indent}{}\n", check.syntax().text()));
    }
    relock.push_str(indent);
    let at = items[resume].span().start;
    Some(Fix {
        strategy: Strategy::Relock,
        applicability: Applicability::MaybeIncorrect,
        edits: vec![first_section, TextEdit { range: Span::new(at, at), replacement: relock }],
    })
}

/// `m.write()` becomes `m.read()` for a section that surely only reads (clippy's
/// `readonly_write_lock`).
fn read_only(acquire: &str, needs_mut: Option<bool>) -> String {
    match (needs_mut, acquire.rfind(".write()")) {
        (Some(false), Some(at)) => {
            format!("{}.read(){}", &acquire[..at], &acquire[at + ".write()".len()..])
        }
        _ => acquire.to_owned(),
    }
}

/// Whether evaluating the acquisition again does nothing new: paths, fields, indexing by a
/// path or literal, and the lock's own methods (`lock()`, `unwrap_or_else(PoisonError::into_inner)`).
fn evaluable_twice(acquire: &SyntaxNode) -> bool {
    const LOCK_METHODS: &[&str] = &[
        "lock",
        "read",
        "write",
        "borrow",
        "borrow_mut",
        "unwrap",
        "expect",
        "unwrap_or_else",
        "into_inner",
        "as_ref",
        "deref",
    ];
    // An async lock's own await (`m.lock().await`) takes it again as the first time did.
    let awaits_a_lock = |node: SyntaxNode| {
        ast::AwaitExpr::cast(node)
            .and_then(|awaited| awaited.expr())
            .and_then(|operand| match operand {
                ast::Expr::MethodCallExpr(call) => call.name_ref(),
                _ => None,
            })
            .is_some_and(|name| LOCK_METHODS.contains(&name.text()))
    };
    acquire.descendants().all(|node| match node.kind() {
        SyntaxKind::AWAIT_EXPR => awaits_a_lock(node),
        SyntaxKind::CALL_EXPR | SyntaxKind::MACRO_CALL => false,
        SyntaxKind::BIN_EXPR => false,
        SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(node)
            .and_then(|call| call.name_ref())
            .is_some_and(|name| LOCK_METHODS.contains(&name.text())),
        _ => true,
    })
}

/// Whether a `let` among the items rebinds a local the acquisition reads, or an assignment
/// among them changes a place it reads (`i += 1` for `locks[i].lock()`, `self.m = …`).
fn rebinds_any(items: &[BlockItem], acquire: &SyntaxNode) -> bool {
    let compact =
        |node: &SyntaxNode| node.text().to_string().split_whitespace().collect::<String>();
    let places: Vec<String> = acquire
        .descendants()
        .filter(|node| {
            matches!(
                node.kind(),
                SyntaxKind::PATH_EXPR | SyntaxKind::FIELD_EXPR | SyntaxKind::INDEX_EXPR
            )
        })
        .map(|node| compact(&node))
        .collect();
    let reads = |lhs: &str| {
        places.iter().any(|place| {
            place == lhs || place.strip_prefix(lhs).is_some_and(|rest| rest.starts_with(['.', '[']))
        })
    };
    items.iter().any(|item| {
        if let BlockItem::Stmt(ast::Stmt::LetStmt(inner)) = item {
            let bound = inner.pat().map(|pat| bound_names(&pat)).unwrap_or_default();
            if bound.iter().any(|name| reads(name)) {
                return true;
            }
        }
        item.syntax().descendants().filter_map(ast::BinExpr::cast).any(|assignment| {
            matches!(assignment.op_kind(), Some(ast::BinaryOp::Assignment { .. }))
                && assignment.lhs().is_some_and(|lhs| reads(&compact(lhs.syntax())))
        })
    })
}

/// The first section's early returns that test the guarded data (`if let Some(v) =
/// cache.get(k) { return v.clone(); }`), to run again after re-locking: they must not name
/// locals the first section declares, which are out of scope by then.
fn rechecks<'a>(section: &'a [BlockItem], guard: &str) -> Vec<&'a BlockItem> {
    let declared: Vec<String> = section
        .iter()
        .filter_map(|item| match item {
            BlockItem::Stmt(ast::Stmt::LetStmt(inner)) => inner.pat(),
            _ => None,
        })
        .flat_map(|pat| bound_names(&pat))
        .collect();
    section
        .iter()
        .filter(|item| {
            let BlockItem::Stmt(ast::Stmt::ExprStmt(stmt)) = item else { return false };
            let Some(ast::Expr::IfExpr(if_expr)) = stmt.expr() else { return false };
            let tests_guard = if_expr.condition().is_some_and(|c| mentions(c.syntax(), guard));
            tests_guard
                && if_expr.else_branch().is_none()
                && if_expr.then_branch().is_some_and(|then| ends_in_return(&then))
                && !declared.iter().any(|name| mentions(item.syntax(), name))
        })
        .collect()
}

fn ends_in_return(block: &ast::BlockExpr) -> bool {
    let Some(list) = block.stmt_list() else { return false };
    match list.tail_expr() {
        Some(tail) => matches!(tail, ast::Expr::ReturnExpr(_)),
        None => list.statements().last().is_some_and(|stmt| {
            matches!(stmt, ast::Stmt::ExprStmt(expr) if matches!(expr.expr(), Some(ast::Expr::ReturnExpr(_))))
        }),
    }
}

/// Whether the items change the data through the guard `name`: an assignment through it, a
/// `&mut` borrow of it, `write!` into it, or a method that takes `&mut self` (asked of
/// rust-analyzer: `None` when it cannot say).
fn needs_mut(ctx: &FixContext<'_>, items: &[BlockItem], name: &str) -> Option<bool> {
    let mut calls: Vec<TextRange> = Vec::new();
    for item in items {
        for node in item.syntax().descendants() {
            if let Some(call) = ast::MacroCall::cast(node.clone()) {
                let macro_name = call.path().and_then(|path| path.segment()?.name_ref());
                let writes = macro_name.is_some_and(|n| matches!(n.text(), "write" | "writeln"));
                if writes && mentions(call.syntax(), name) {
                    return Some(true);
                }
                continue;
            }
            let Some(path_expr) = ast::PathExpr::cast(node) else { continue };
            let is_guard = path_expr.path().is_some_and(|path| {
                path.qualifier().is_none()
                    && path.segment().and_then(|s| s.name_ref()).is_some_and(|n| n.text() == name)
            });
            if !is_guard {
                continue;
            }
            let place = place_around(path_expr.syntax().clone());
            let Some(parent) = place.parent() else { continue };
            if let Some(assignment) = ast::BinExpr::cast(parent.clone()) {
                let is_assignment =
                    matches!(assignment.op_kind(), Some(ast::BinaryOp::Assignment { .. }));
                if is_assignment && assignment.lhs().is_some_and(|lhs| lhs.syntax() == &place) {
                    return Some(true);
                }
            } else if ast::RefExpr::cast(parent.clone()).is_some_and(|r| r.mut_token().is_some()) {
                return Some(true);
            } else if &place == path_expr.syntax()
                && (ast::ArgList::can_cast(parent.kind())
                    || ast::RefExpr::can_cast(parent.kind())
                        && parent
                            .parent()
                            .is_some_and(|outer| ast::ArgList::can_cast(outer.kind())))
            {
                return None; // the guard itself handed to a fn, which may want it as it is
            } else if let Some(call) = ast::MethodCallExpr::cast(parent)
                && call.receiver().is_some_and(|receiver| receiver.syntax() == &place)
            {
                calls.push(call.syntax().text_range());
            }
        }
    }
    if calls.is_empty() {
        return Some(false);
    }
    let semantic = ctx.semantic?;
    let answers = semantic.workspace.takes_mut_self(semantic.path, ctx.text, &calls)?;
    if answers.contains(&Some(true)) {
        return Some(true);
    }
    answers.iter().all(Option::is_some).then_some(false)
}

/// The place expression a guard is used through: `g`, `g.field`, `g[i]`, `*g`, `(g)`.
fn place_around(mut place: SyntaxNode) -> SyntaxNode {
    while let Some(parent) = place.parent() {
        let extends = match parent.kind() {
            SyntaxKind::FIELD_EXPR | SyntaxKind::PAREN_EXPR => true,
            SyntaxKind::INDEX_EXPR => ast::IndexExpr::cast(parent.clone())
                .and_then(|index| index.base())
                .is_some_and(|base| base.syntax() == &place),
            SyntaxKind::PREFIX_EXPR => {
                ast::PrefixExpr::cast(parent.clone()).and_then(|prefix| prefix.op_kind())
                    == Some(ast::UnaryOp::Deref)
            }
            _ => false,
        };
        if !extends {
            break;
        }
        place = parent;
    }
    place
}

#[cfg(test)]
mod tests {
    use crate::analyse::CheckOptions;
    use crate::edit::engine::{FixOptions, StrategyChoice, fix_file};
    use crate::finding::Strategy;

    fn relocked(text: &str) -> Option<String> {
        let options = FixOptions {
            strategy: StrategyChoice::Only(Strategy::Relock),
            unsafe_fixes: true,
            check: CheckOptions::default(),
        };
        fix_file(text, ra_ap_syntax::Edition::Edition2021, None, options).new_text
    }

    const PRELUDE: &str = "use std::sync::Mutex;\nasync fn tick() {}\n";

    #[test]
    fn a_guard_named_after_its_field_is_taken_again() {
        let text = format!(
            "{PRELUDE}struct S {{ cache: Mutex<Vec<u32>> }}\nimpl S {{\n    async fn f(&self) {{\n        let mut cache = self.cache.lock().unwrap();\n        cache.push(1);\n        tick().await;\n        cache.push(2);\n    }}\n}}\n"
        );
        let after = relocked(&text).expect("two critical sections");
        assert_eq!(after.matches("self.cache.lock().unwrap()").count(), 2, "{after}");
        assert!(after.contains("        tick().await;\n        let mut cache = self.cache.lock().unwrap();\n        cache.push(2);"), "{after}");
    }

    #[test]
    fn a_place_the_acquisition_reads_must_not_change_before_it_runs_again() {
        let index = format!(
            "{PRELUDE}async fn f(locks: &[Mutex<u32>]) {{\n    let mut i = 0;\n    let mut g = locks[i].lock().unwrap();\n    *g += 1;\n    i += 1;\n    tick().await;\n    *g += 1;\n    let _ = i;\n}}\n"
        );
        assert_eq!(relocked(&index), None);
        let rebound = format!(
            "{PRELUDE}async fn f(m: &Mutex<u32>, other: &Mutex<u32>) {{\n    let mut g = m.lock().unwrap();\n    *g += 1;\n    let m = other;\n    tick().await;\n    *g += 1;\n    let _ = m;\n}}\n"
        );
        assert_eq!(relocked(&rebound), None);
    }

    #[test]
    fn an_acquisition_with_calls_of_its_own_is_not_repeated() {
        let text = format!(
            "{PRELUDE}fn pick() -> &'static Mutex<u32> {{ todo!() }}\nasync fn f() {{\n    let mut g = pick().lock().unwrap();\n    *g += 1;\n    tick().await;\n    *g += 1;\n}}\n"
        );
        assert_eq!(relocked(&text), None);
    }
}
