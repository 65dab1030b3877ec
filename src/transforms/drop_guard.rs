//! Transform: drop
//!
//! Releases a named guard that is never borrowed (a plain critical section) with an explicit
//! `drop` just before the statement that awaits. rustc's `Send` analysis accepts this only for
//! guards never borrowed, so the planner picks it for those alone.
//!
//! ```text
//! let _permit = gate.lock().unwrap();        let _permit = gate.lock().unwrap();
//! write_entry(&log);                   →     write_entry(&log);
//! flush().await;                             drop(_permit);
//!                                            flush().await;
//! ```
//!
//! MachineApplicable when the awaiting statement is just the await (`f().await;`,
//! `let x = f().await?;`); MaybeIncorrect when other work in that statement would now run
//! outside the lock.

use ra_ap_syntax::{AstNode, ast};

use super::{BlockItem, FixContext, block_items, guard_let, line_indent, mentions};
use crate::edit::{Applicability, Fix, TextEdit};
use crate::finding::{Span, Strategy};

pub fn drop_guard(ctx: &FixContext<'_>) -> Option<Fix> {
    let finding = ctx.finding;
    let name = finding.binding.as_deref()?;
    if finding.borrowed || finding.used_after_await || name.contains(',') {
        return None;
    }
    let let_stmt = guard_let(ctx.root, finding.acquire)?;
    if let_stmt.let_else().is_some() {
        return None;
    }
    let list = let_stmt.syntax().parent().and_then(ast::StmtList::cast)?;
    let items = block_items(&list);
    let let_end = let_stmt.syntax().text_range().end();
    let first_await = finding.awaits.iter().find(|span| u32::from(let_end) <= span.start)?;
    let awaiting = items.iter().find(|item| item.span().contains(*first_await))?;
    // A later `drop(name)` (or any other mention) would then use a moved value.
    let after = awaiting.span().end;
    if items.iter().any(|item| item.span().start >= after && mentions(item.syntax(), name)) {
        return None;
    }
    let at = awaiting.span().start;
    let indent = line_indent(ctx.text, at);
    let edit =
        TextEdit { range: Span::new(at, at), replacement: format!("drop({name});\n{indent}") };
    let applicability = if is_bare_await(awaiting) {
        Applicability::MachineApplicable
    } else {
        Applicability::MaybeIncorrect
    };
    Some(Fix { strategy: Strategy::Drop, applicability, edits: vec![edit] })
}

/// `f().await;`, `let x = f().await?;`, or a tail `f().await`: nothing else runs in it.
fn is_bare_await(item: &BlockItem) -> bool {
    let expr = match item {
        BlockItem::Stmt(ast::Stmt::ExprStmt(stmt)) => stmt.expr(),
        BlockItem::Stmt(ast::Stmt::LetStmt(stmt)) if stmt.let_else().is_none() => {
            stmt.initializer()
        }
        BlockItem::Tail(expr) => Some(expr.clone()),
        BlockItem::Stmt(_) => None,
    };
    let mut expr = expr;
    while let Some(ast::Expr::TryExpr(try_expr)) = &expr {
        expr = try_expr.expr();
    }
    match expr {
        Some(ast::Expr::AwaitExpr(await_expr)) => await_expr.expr().is_some_and(|operand| {
            !operand.syntax().descendants().any(|node| ast::AwaitExpr::can_cast(node.kind()))
        }),
        _ => false,
    }
}
