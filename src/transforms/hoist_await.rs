//! Transform: scope (statement temporaries)
//!
//! A temporary guard lives to the end of its statement, so an await later in the same
//! statement runs with the lock held. Hoisting the awaited value into a `let` before the
//! statement moves the await out of the guard's scope:
//!
//! ```text
//! m.lock().unwrap().push(value().await);     let value = value().await;
//!                                       →    m.lock().unwrap().push(value);
//! ```
//!
//! The await now runs before whatever the statement evaluated ahead of it. That is invisible
//! when all of it is the lock acquisition itself, paths, fields, literals and conversions
//! (MachineApplicable); any other call ahead of the await makes it MaybeIncorrect. An await in
//! a conditional part of the statement (an `if`, a `match` arm, after `&&`) is never hoisted:
//! it would run unconditionally.

use ra_ap_syntax::{AstNode, SyntaxNode, ast};

use super::{FixContext, enclosing_body, fresh_name, line_indent, node_at};
use crate::edit::{Applicability, Fix, TextEdit};
use crate::finding::{HeldBecause, Span, Strategy};

pub fn hoist_await(ctx: &FixContext<'_>) -> Option<Fix> {
    let finding = ctx.finding;
    if finding.binding.is_some() || finding.held_because != HeldBecause::StatementTemporary {
        return None;
    }
    let acquire = node_at(ctx.root, finding.acquire)?;
    let statement = enclosing_statement(&acquire)?;
    let statement_span: Span = statement.text_range().into();
    let await_span = finding
        .awaits
        .iter()
        .copied()
        .find(|span| statement_span.contains(*span) && span.start > finding.acquire.start)?;
    let await_expr = node_at(ctx.root, await_span)?.ancestors().find_map(ast::AwaitExpr::cast)?;
    if Span::from(await_expr.syntax().text_range()) != await_span
        || runs_conditionally(await_expr.syntax(), &statement)
    {
        return None;
    }
    let name = fresh_name(&enclosing_body(&statement), &value_name(&await_expr));
    let indent = line_indent(ctx.text, statement_span.start);
    let hoisted = TextEdit {
        range: Span::new(statement_span.start, statement_span.start),
        replacement: format!("let {name} = {};\n{indent}", await_expr.syntax().text()),
    };
    let replaced = TextEdit { range: await_span, replacement: name };
    let applicability =
        if evaluated_before_is_quiet(&statement, await_expr.syntax(), finding.acquire) {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        };
    Some(Fix { strategy: Strategy::Scope, applicability, edits: vec![hoisted, replaced] })
}

/// The statement (or block tail expression) the node is in, within its innermost block.
pub(super) fn enclosing_statement(node: &SyntaxNode) -> Option<SyntaxNode> {
    node.ancestors().find(|ancestor| {
        ast::ExprStmt::can_cast(ancestor.kind())
            || ast::LetStmt::can_cast(ancestor.kind())
            || ancestor.parent().is_some_and(|parent| {
                ast::StmtList::can_cast(parent.kind()) && ast::Expr::can_cast(ancestor.kind())
            })
    })
}

/// Whether evaluating the statement may skip the await: it sits in a branch, an arm, the right
/// of `&&`/`||`, a closure or a loop body.
pub(super) fn runs_conditionally(await_node: &SyntaxNode, statement: &SyntaxNode) -> bool {
    await_node.ancestors().take_while(|ancestor| ancestor != statement).any(|ancestor| {
        ast::MatchArm::can_cast(ancestor.kind())
            || ast::ClosureExpr::can_cast(ancestor.kind())
            || ast::LetElse::can_cast(ancestor.kind())
            || ancestor.parent().is_some_and(|parent| {
                ast::IfExpr::can_cast(parent.kind())
                    || ast::LoopExpr::can_cast(parent.kind())
                    || ast::WhileExpr::can_cast(parent.kind())
                    || ast::ForExpr::can_cast(parent.kind())
            })
            || ast::BinExpr::cast(ancestor.clone())
                .is_some_and(|bin| matches!(bin.op_kind(), Some(ast::BinaryOp::LogicOp(_))))
    })
}

/// A name for the awaited value: the called fn's or method's name.
fn value_name(await_expr: &ast::AwaitExpr) -> String {
    let name = match await_expr.expr() {
        Some(ast::Expr::CallExpr(call)) => match call.expr() {
            Some(ast::Expr::PathExpr(path)) => path
                .path()
                .and_then(|p| p.segment())
                .and_then(|s| s.name_ref())
                .map(|n| n.text().to_string()),
            _ => None,
        },
        Some(ast::Expr::MethodCallExpr(call)) => call.name_ref().map(|n| n.text().to_string()),
        _ => None,
    };
    name.filter(|name| {
        name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    })
    .unwrap_or_else(|| "awaited".to_owned())
}

/// Whether everything the statement evaluates before `moved` (the part taken out of it) is
/// free of side effects: the lock acquisition and its `unwrap`, paths, fields, literals,
/// references and conversions.
pub(super) fn evaluated_before_is_quiet(
    statement: &SyntaxNode,
    moved: &SyntaxNode,
    acquire: Span,
) -> bool {
    let await_start = moved.text_range().start();
    statement.descendants().filter(|node| node.text_range().end() <= await_start).all(|node| {
        if let Some(call) = ast::MethodCallExpr::cast(node.clone()) {
            let range: Span = call.syntax().text_range().into();
            let method = call.name_ref().map(|n| n.text().to_string()).unwrap_or_default();
            range == acquire
                || crate::analyse::lock_types::passes_guard_through(&method)
                || matches!(
                    method.as_str(),
                    "clone"
                        | "to_owned"
                        | "to_string"
                        | "into"
                        | "as_ref"
                        | "as_str"
                        | "as_slice"
                        | "borrow"
                        | "len"
                        | "is_empty"
                )
        } else {
            !ast::CallExpr::can_cast(node.kind())
                && !ast::MacroCall::can_cast(node.kind())
                && !ast::AwaitExpr::can_cast(node.kind())
        }
    })
}
