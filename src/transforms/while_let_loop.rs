//! Transform: scope (`while let` scrutinees)
//!
//! A `while let` keeps its scrutinee's temporaries through each iteration's body. As a `loop`
//! whose first statement is a `let … else { break }`, the temporaries drop at that statement's
//! `;`, before the body runs:
//!
//! ```text
//! while let Some(job) = queue.lock().unwrap().pop() {       loop {
//!     run(job).await;                                →          let Some(job) = queue.lock().unwrap().pop() else { break };
//! }                                                              run(job).await;
//!                                                            }
//! ```
//!
//! Only for an owned scrutinee (`pop()`, `.cloned()`…: nothing borrowed from the guard) and a
//! single `let` condition (no let chain). Labels, `break` and `continue` keep their meaning:
//! MachineApplicable.

use ra_ap_syntax::{AstNode, ast, ast::HasLoopBody};

use super::hoist_scrutinee::hoisted_value;
use super::{FixContext, TypeAnswers, indent_unit, line_indent, node_at};
use crate::edit::{Fix, TextEdit};
use crate::finding::{HeldBecause, Span, Strategy};

pub fn while_let_loop(ctx: &FixContext<'_>) -> Option<Fix> {
    let finding = ctx.finding;
    if finding.binding.is_some() || finding.held_because != HeldBecause::WhileLetScrutinee {
        return None;
    }
    let acquire = node_at(ctx.root, finding.acquire)?;
    let while_expr = acquire.ancestors().find_map(ast::WhileExpr::cast)?;
    let ast::Expr::LetExpr(condition) = while_expr.condition()? else { return None };
    let scrutinee = condition.expr()?;
    let pattern = condition.pat()?;
    if !Span::from(scrutinee.syntax().text_range()).contains(finding.acquire) {
        return None;
    }
    let applicability =
        hoisted_value(&scrutinee, &TypeAnswers::about(ctx, std::slice::from_ref(&scrutinee)))?;
    let body = while_expr.loop_body()?;
    let while_token = while_expr.while_token()?;
    let open = body.stmt_list()?.l_curly_token()?;
    let header = Span::new(
        while_token.text_range().start().into(),
        body.syntax().text_range().start().into(),
    );
    let indent = line_indent(ctx.text, header.start);
    let inner = format!("{indent}{}", indent_unit(ctx.text));
    let after_open: u32 = open.text_range().end().into();
    let edits = vec![
        TextEdit { range: header, replacement: "loop ".to_owned() },
        TextEdit {
            range: Span::new(after_open, after_open),
            replacement: format!(
                "\n{inner}let {} = {} else {{ break }};",
                pattern.syntax().text(),
                scrutinee.syntax().text()
            ),
        },
    ];
    Some(Fix { strategy: Strategy::Scope, applicability, edits })
}
