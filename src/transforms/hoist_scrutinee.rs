//! Transform: scope (scrutinee temporaries)
//!
//! A `match` or `if let` keeps its scrutinee's temporaries alive through its arms (for `if let`
//! before edition 2024, through the `else` too). When the scrutinee's value is owned (it ends in
//! `.cloned()`, `.len()`, `.pop()`…, not a reference into the guard), a `let` before the
//! statement takes it out, and the guard drops at that `let`'s `;`:
//!
//! ```text
//! match m.lock().unwrap().get(k).cloned() {      let entries_value = m.lock().unwrap().get(k).cloned();
//!     Some(v) => v,                         →    match entries_value {
//!     None => fetch(k).await,                        Some(v) => v,
//! }                                                  None => fetch(k).await,
//!                                                }
//! ```
//!
//! Only when the `match`/`if let` is the whole statement, a `let` initializer or a block's tail,
//! so nothing else in the statement changes its evaluation order: MachineApplicable. A field
//! read (`match g.phase { … }`) is taken out when it is `Copy`: MachineApplicable when types
//! say so, MaybeIncorrect without them (it would not compile otherwise).

use ra_ap_syntax::{AstNode, SyntaxNode, ast};

use super::{FixContext, TypeAnswers, enclosing_body, fresh_name, line_indent, node_at};
use crate::analyse::ownership;
use crate::edit::{Applicability, Fix, TextEdit};
use crate::finding::{HeldBecause, Span, Strategy};

pub fn hoist_scrutinee(ctx: &FixContext<'_>) -> Option<Fix> {
    let finding = ctx.finding;
    let held_by_scrutinee = matches!(
        finding.held_because,
        HeldBecause::MatchScrutinee
            | HeldBecause::IfLetScrutinee
            | HeldBecause::TailExpressionTemporary
    );
    if finding.binding.is_some() || !held_by_scrutinee {
        return None;
    }
    let acquire = node_at(ctx.root, finding.acquire)?;
    let (scrutinee, holder) = acquire.ancestors().find_map(|node| scrutinee_of(&node))?;
    if !Span::from(scrutinee.syntax().text_range()).contains(finding.acquire) {
        return None;
    }
    let applicability =
        hoisted_value(&scrutinee, &TypeAnswers::about(ctx, std::slice::from_ref(&scrutinee)))?;
    let statement = whole_statement(&holder)?;
    let start = u32::from(statement.text_range().start());
    let name = fresh_name(&enclosing_body(&statement), &format!("{}_value", lock_name(&acquire)));
    let indent = line_indent(ctx.text, start);
    let hoisted = TextEdit {
        range: Span::new(start, start),
        replacement: format!("let {name} = {};\n{indent}", scrutinee.syntax().text()),
    };
    let replaced = TextEdit { range: scrutinee.syntax().text_range().into(), replacement: name };
    Some(Fix { strategy: Strategy::Scope, applicability, edits: vec![hoisted, replaced] })
}

/// The scrutinee expression of a `match` or `if let` node, with that node.
fn scrutinee_of(node: &SyntaxNode) -> Option<(ast::Expr, SyntaxNode)> {
    if let Some(match_expr) = ast::MatchExpr::cast(node.clone()) {
        return Some((match_expr.expr()?, node.clone()));
    }
    let if_expr = ast::IfExpr::cast(node.clone())?;
    match if_expr.condition()? {
        ast::Expr::LetExpr(let_expr) => Some((let_expr.expr()?, node.clone())),
        _ => None,
    }
}

/// The statement the `match`/`if let` is, when it is all of it: an expression statement, a
/// `let` initializer, or a block's tail.
fn whole_statement(holder: &SyntaxNode) -> Option<SyntaxNode> {
    let parent = holder.parent()?;
    if ast::ExprStmt::can_cast(parent.kind()) || ast::StmtList::can_cast(parent.kind()) {
        return Some(if ast::StmtList::can_cast(parent.kind()) { holder.clone() } else { parent });
    }
    let let_stmt = ast::LetStmt::cast(parent.clone())?;
    (let_stmt.initializer()?.syntax() == holder).then_some(parent)
}

/// How surely a `let` of the scrutinee's value holds what the `match` saw, without borrowing
/// the guard: MachineApplicable when the types say it owns its data (a place read such as
/// `g.phase`: that it is `Copy`) or its shape computes an owned value (`.cloned()`, `.len()`,
/// `.pop()`, a comparison); MaybeIncorrect for a place read whose type is not known (it
/// compiles only if `Copy`); `None` when it may borrow from the guard.
pub fn hoisted_value(expr: &ast::Expr, types: &TypeAnswers) -> Option<Applicability> {
    let place = is_place(expr);
    match (types.owns(expr), types.is_copy(expr)) {
        (Some(true), Some(true)) => return Some(Applicability::MachineApplicable),
        (Some(true), _) if !place => return Some(Applicability::MachineApplicable),
        (Some(_), _) => return None,
        (None, _) => {}
    }
    if ownership::computes_owned_value(expr) {
        return Some(Applicability::MachineApplicable);
    }
    if place {
        return Some(Applicability::MaybeIncorrect);
    }
    match expr {
        ast::Expr::BlockExpr(block) if list_is_just_tail(block) => {
            let tail = block.stmt_list()?.tail_expr()?;
            hoisted_value(&tail, types)
        }
        _ => None,
    }
}

/// `g.phase`, `g[0]`, `*g`: a read of a place, which a `let` copies or moves.
fn is_place(expr: &ast::Expr) -> bool {
    match expr {
        ast::Expr::FieldExpr(_) | ast::Expr::IndexExpr(_) => true,
        ast::Expr::PrefixExpr(prefix) => prefix.op_kind() == Some(ast::UnaryOp::Deref),
        ast::Expr::ParenExpr(paren) => paren.expr().is_some_and(|inner| is_place(&inner)),
        _ => false,
    }
}

fn list_is_just_tail(block: &ast::BlockExpr) -> bool {
    block.stmt_list().is_some_and(|list| list.statements().next().is_none())
}

/// `entries` for `self.entries.lock()`: names the hoisted value after the lock.
fn lock_name(acquire: &SyntaxNode) -> String {
    let receiver = ast::MethodCallExpr::cast(acquire.clone()).and_then(|call| call.receiver());
    let name = match receiver {
        Some(ast::Expr::FieldExpr(field)) => field.name_ref().map(|n| n.text().to_string()),
        Some(ast::Expr::PathExpr(path)) => path
            .path()
            .and_then(|p| p.segment())
            .and_then(|s| s.name_ref())
            .map(|n| n.text().to_string()),
        _ => None,
    };
    name.filter(|name| {
        name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    })
    .unwrap_or_else(|| "locked".to_owned())
}
