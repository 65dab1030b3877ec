//! Transform: scope (`for` over a locked collection)
//!
//! `for` keeps its iterator expression's temporaries for the whole loop, so iterating a locked
//! collection holds the lock across every await in the body. Iterating a copy taken under a
//! short-lived lock fixes that:
//!
//! ```text
//! for id in ids.lock().unwrap().iter() {       let ids_snapshot = ids.lock().unwrap().clone();
//!     notify(*id).await;                  →    for id in ids_snapshot.iter() {
//! }                                                notify(*id).await;
//!                                              }
//! ```
//!
//! MaybeIncorrect: it clones the collection (a cost, and the loop no longer sees changes made by
//! others while it runs). Only read-only iteration (`iter`, `keys`, `values`) is rewritten.

use ra_ap_syntax::{AstNode, SyntaxNode, ast};

use super::{FixContext, enclosing_body, fresh_name, line_indent, node_at};
use crate::analyse::lock_types::passes_guard_through;
use crate::edit::{Applicability, Fix, TextEdit};
use crate::finding::{HeldBecause, Span, Strategy};

pub fn for_iterator_clone(ctx: &FixContext<'_>) -> Option<Fix> {
    let finding = ctx.finding;
    if finding.binding.is_some() || finding.held_because != HeldBecause::ForIterator {
        return None;
    }
    let acquire = node_at(ctx.root, finding.acquire)?;
    let guard_expr = widen_through_adaptors(acquire);
    let iterate = ast::MethodCallExpr::cast(guard_expr.parent()?)?;
    let read_only =
        iterate.name_ref().is_some_and(|name| matches!(name.text(), "iter" | "keys" | "values"));
    if !read_only || iterate.receiver()?.syntax() != &guard_expr {
        return None;
    }
    let for_expr = iterate.syntax().ancestors().find_map(ast::ForExpr::cast)?;
    if for_expr.iterable()?.syntax() != iterate.syntax() {
        return None;
    }
    let statement = for_expr
        .syntax()
        .parent()
        .filter(|parent| ast::ExprStmt::can_cast(parent.kind()))
        .unwrap_or_else(|| for_expr.syntax().clone());
    if !ast::StmtList::can_cast(statement.parent()?.kind()) {
        return None;
    }
    let start: u32 = statement.text_range().start().into();
    let name = fresh_name(
        &enclosing_body(&statement),
        &format!("{}_snapshot", collection_name(&guard_expr)),
    );
    let indent = line_indent(ctx.text, start);
    let edits = vec![
        TextEdit {
            range: Span::new(start, start),
            replacement: format!("let {name} = {}.clone();\n{indent}", guard_expr.text()),
        },
        TextEdit { range: guard_expr.text_range().into(), replacement: name },
    ];
    Some(Fix { strategy: Strategy::Scope, applicability: Applicability::MaybeIncorrect, edits })
}

/// `m.lock()` → `m.lock().unwrap()`: the expression whose value is the guard itself.
fn widen_through_adaptors(mut node: SyntaxNode) -> SyntaxNode {
    while let Some(parent) = node.parent().and_then(ast::MethodCallExpr::cast) {
        let passes = parent.name_ref().is_some_and(|name| passes_guard_through(name.text()));
        if !passes
            || parent.receiver().map(|receiver| receiver.syntax().clone()) != Some(node.clone())
        {
            break;
        }
        node = parent.syntax().clone();
    }
    node
}

fn collection_name(guard_expr: &SyntaxNode) -> String {
    let name = guard_expr
        .descendants()
        .find_map(ast::FieldExpr::cast)
        .and_then(|field| field.name_ref())
        .map(|name| name.text().to_string())
        .or_else(|| {
            guard_expr
                .descendants()
                .find_map(ast::NameRef::cast)
                .map(|name| name.text().to_string())
        });
    name.filter(|name| {
        name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    })
    .unwrap_or_else(|| "items".to_owned())
}
