//! Transform: scope (clone-out)
//!
//! A guard temporary inside the operand of an await is alive while the awaited future runs:
//! the future needs something the guard holds. The part it needs is read out under the lock
//! into a `let` before the statement, and the await gets the copy:
//!
//! ```text
//! announce(self.log.lock().unwrap().len()).await      let log_len = self.log.lock().unwrap().len();
//!                                                →    announce(log_len).await
//! ```
//!
//! The value read out is the smallest one around the acquisition that owns its data: by
//! rust-analyzer's types where they are loaded, else by a shape that cannot borrow (a count, a
//! clone, arithmetic). That is MachineApplicable when nothing the statement evaluates before
//! it has effects (the `let` runs it earlier). A value that still borrows from the guard and is
//! passed by reference (`parse(&state.lock().unwrap().buffer).await`) is cloned instead, and
//! the await sees a snapshot: MaybeIncorrect. A field read by value
//! (`sleep(pool.locked().timeout.unwrap()).await`) is taken out as it is: MachineApplicable
//! when types say it is `Copy`, MaybeIncorrect without them.

use ra_ap_syntax::{AstNode, SyntaxNode, ast};

use super::hoist_await::{enclosing_statement, evaluated_before_is_quiet, runs_conditionally};
use super::{FixContext, TypeAnswers, enclosing_body, fresh_name, line_indent, node_at};
use crate::analyse::ownership;
use crate::edit::{Applicability, Fix, TextEdit};
use crate::finding::{HeldBecause, Span, Strategy};

pub fn clone_out(ctx: &FixContext<'_>) -> Option<Fix> {
    let finding = ctx.finding;
    let temporary = matches!(
        finding.held_because,
        HeldBecause::StatementTemporary | HeldBecause::TailExpressionTemporary
    );
    if finding.binding.is_some() || !temporary {
        return None;
    }
    let acquire = node_at(ctx.root, finding.acquire)?.ancestors().find_map(ast::Expr::cast)?;
    let await_expr = acquire.syntax().ancestors().find_map(ast::AwaitExpr::cast)?;
    if !finding.awaits.contains(&Span::from(await_expr.syntax().text_range())) {
        return None;
    }
    let statement = enclosing_statement(await_expr.syntax())?;
    if runs_conditionally(acquire.syntax(), &statement) {
        return None; // taken out, the lock would be taken on every path
    }
    let chain = read_chain(&acquire, await_expr.syntax());
    let types = TypeAnswers::about(ctx, &chain);
    let (value, applicability, replacement) = owned_read(&chain, &types)?;
    let quiet = evaluated_before_is_quiet(&statement, value.syntax(), finding.acquire);
    let applicability = if quiet { applicability } else { Applicability::MaybeIncorrect };

    let start = u32::from(statement.text_range().start());
    let name = fresh_name(&enclosing_body(&statement), &value_name(&acquire, &value));
    let indent = line_indent(ctx.text, start);
    let read = match replacement {
        Replacement::Value => value.syntax().text().to_string(),
        Replacement::CloneBehindReference => format!("{}.clone()", value.syntax().text()),
    };
    let hoisted = TextEdit {
        range: Span::new(start, start),
        replacement: format!("let {name} = {read};\n{indent}"),
    };
    let replaced = TextEdit { range: value.syntax().text_range().into(), replacement: name };
    Some(Fix { strategy: Strategy::Scope, applicability, edits: vec![hoisted, replaced] })
}

enum Replacement {
    /// `let v = <read>;`, the read replaced by `v`.
    Value,
    /// `let v = <read>.clone();`, the read (behind a `&`) replaced by `v`: `&v`.
    CloneBehindReference,
}

/// The acquisition and the expressions that read through it, innermost first, up to (not
/// including) the await: `m.lock()`, `m.lock().unwrap()`, `m.lock().unwrap().len()`.
fn read_chain(acquire: &ast::Expr, await_node: &SyntaxNode) -> Vec<ast::Expr> {
    let mut chain = vec![acquire.clone()];
    let mut current = acquire.clone();
    while let Some(parent) = current.syntax().parent().filter(|parent| parent != await_node) {
        let reads_through = match ast::Expr::cast(parent.clone()) {
            Some(ast::Expr::MethodCallExpr(call)) => {
                call.receiver().is_some_and(|receiver| receiver.syntax() == current.syntax())
            }
            Some(ast::Expr::FieldExpr(_) | ast::Expr::TryExpr(_) | ast::Expr::ParenExpr(_)) => true,
            Some(ast::Expr::IndexExpr(index)) => {
                index.base().is_some_and(|base| base.syntax() == current.syntax())
            }
            Some(ast::Expr::PrefixExpr(prefix)) => prefix.op_kind() == Some(ast::UnaryOp::Deref),
            _ => false,
        };
        if !reads_through {
            break;
        }
        current = ast::Expr::cast(parent).expect("cast above");
        chain.push(current.clone());
    }
    chain
}

/// The smallest read of the chain that owns its data, how surely, and how it is taken out.
fn owned_read(
    chain: &[ast::Expr],
    types: &TypeAnswers,
) -> Option<(ast::Expr, Applicability, Replacement)> {
    // A place read whose type is not known: it compiled, so it copies (MaybeIncorrect: a
    // new `let` of it compiles only if it is `Copy`).
    let mut place_read = None;
    for read in chain.iter().skip(1) {
        let place = ownership::reads_a_place(read);
        if place && types.owns(read).is_none() && place_read.is_none() {
            place_read = Some(read.clone());
        }
        match (types.owns(read), types.is_copy(read)) {
            (Some(true), Some(true)) => {
                return Some((read.clone(), Applicability::MachineApplicable, Replacement::Value));
            }
            (Some(true), _) if !place => {
                return Some((read.clone(), Applicability::MachineApplicable, Replacement::Value));
            }
            _ if types.owns(read).is_none() && ownership::computes_owned_value(read) => {
                return Some((read.clone(), Applicability::MachineApplicable, Replacement::Value));
            }
            _ => {}
        }
    }
    // Borrowed all the way: a place passed by reference can be cloned behind it.
    let top = chain.last()?;
    let behind_reference = top.syntax().parent().and_then(ast::RefExpr::cast).is_some();
    let place = matches!(top, ast::Expr::FieldExpr(_) | ast::Expr::IndexExpr(_));
    if behind_reference && place && chain.len() > 1 {
        return Some((
            top.clone(),
            Applicability::MaybeIncorrect,
            Replacement::CloneBehindReference,
        ));
    }
    place_read.map(|read| (read, Applicability::MaybeIncorrect, Replacement::Value))
}

/// `log_len` for `self.log.lock().unwrap().len()`: the lock's name and the last method or field.
fn value_name(acquire: &ast::Expr, value: &ast::Expr) -> String {
    let lock = match acquire {
        ast::Expr::MethodCallExpr(call) => match call.receiver() {
            Some(ast::Expr::FieldExpr(field)) => field.name_ref().map(|n| n.text().to_string()),
            Some(ast::Expr::PathExpr(path)) => {
                path.path().and_then(|p| p.segment()?.name_ref()).map(|n| n.text().to_string())
            }
            _ => None,
        },
        _ => None,
    };
    let part = match value {
        ast::Expr::MethodCallExpr(call) => call.name_ref().map(|n| n.text().to_string()),
        ast::Expr::FieldExpr(field) => field.name_ref().map(|n| n.text().to_string()),
        _ => None,
    };
    let word = |name: &Option<String>| {
        name.as_deref().is_some_and(|name| {
            name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
    };
    match (word(&lock), word(&part)) {
        (true, true) => format!("{}_{}", lock.unwrap_or_default(), part.unwrap_or_default()),
        (true, false) => format!("{}_value", lock.unwrap_or_default()),
        (false, true) => part.unwrap_or_default(),
        (false, false) => "locked_value".to_owned(),
    }
}
