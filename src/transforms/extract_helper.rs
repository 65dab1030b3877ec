//! Transform: helper
//!
//! Moves a guard's critical section into a sync fn that returns plain values, so the async
//! code never holds the guard: a method on the same impl when the section uses `self`, a free
//! fn otherwise. This is the shape tokio recommends ("lock only inside non-async methods").
//!
//! ```text
//! async fn record(&self, x: u64) -> u64 {        async fn record(&self, x: u64) -> u64 {
//!     let mut hits = self.hits.lock().unwrap();      let total = self.update_hits(x);
//!     *hits += x;                          →         self.flush().await;
//!     let total = *hits;                             total
//!     self.flush().await;                        }
//!     total                                      fn update_hits(&self, x: u64) -> u64 {
//! }                                                  let mut hits = self.hits.lock().unwrap();
//!                                                    *hits += x;
//!                                                    *hits
//!                                                }
//! ```
//!
//! The statements are those the `scope` transform would wrap in a block (see
//! `scope_guard::critical_section`). Parameters, `&self`/`&mut self`, and the return value
//! come from rust-analyzer's own `extract_function` assist, which knows every local's type;
//! this transform names the fn after the lock and what the section does (`update_hits`,
//! `read_names`), never colliding with a name the file already uses. It needs the semantic
//! layer: without it (`--semantic never`, no `rust-src`) it does not apply.

use ra_ap_syntax::{AstNode, ast, ast::HasName};

use super::scope_guard::critical_section;
use super::{FixContext, mentions, node_at};
use crate::edit::{Applicability, Fix, TextEdit};
use crate::finding::Strategy;

/// rust-analyzer's placeholder name for an extracted fn.
const PLACEHOLDER: &str = "fun_name";

pub fn extract_helper(ctx: &FixContext<'_>) -> Option<Fix> {
    let semantic = ctx.semantic?;
    let section = critical_section(ctx)?;
    if !section.later_drops.is_empty() {
        return None; // the guard moves into the helper: a `drop` of it after would not compile
    }
    if mentions(ctx.root, PLACEHOLDER) {
        return None; // the placeholder could not be told apart from the file's own name
    }
    let span = section.span();
    let indels = semantic.workspace.extract_function(semantic.path, ctx.text, span.into())?;
    let name = helper_name(ctx, &section.name);
    let mut edits = Vec::with_capacity(indels.len());
    let mut applicability = Applicability::MachineApplicable;
    for (range, insert) in indels {
        if insert.contains(&format!("async fn {PLACEHOLDER}")) {
            return None; // the section is not sync after all
        }
        // Types rust-analyzer could not name, or a body it had to leave unfinished.
        if insert.contains("{unknown}") || insert.contains("todo!()") {
            applicability = Applicability::MaybeIncorrect;
        }
        let insert = if insert.contains(&format!("fn {PLACEHOLDER}")) {
            return_tail_directly(&insert)
        } else {
            insert
        };
        edits.push(TextEdit { range: range.into(), replacement: rename(&insert, &name) });
    }
    Some(Fix { strategy: Strategy::Helper, applicability, edits })
}

/// `let n = e;\n    n` at the end of the extracted fn becomes `e`, as clippy's
/// `let_and_return` asks (the assist keeps the section's last `let` as it was).
fn return_tail_directly(fn_text: &str) -> String {
    let file = ra_ap_syntax::SourceFile::parse(fn_text, ra_ap_syntax::Edition::CURRENT).tree();
    let Some(function) = file.syntax().descendants().find_map(ast::Fn::cast) else {
        return fn_text.to_owned();
    };
    let Some(list) = function.body().and_then(|body| body.stmt_list()) else {
        return fn_text.to_owned();
    };
    let (Some(ast::Stmt::LetStmt(last_let)), Some(ast::Expr::PathExpr(tail))) =
        (list.statements().last(), list.tail_expr())
    else {
        return fn_text.to_owned();
    };
    let bound = match last_let.pat() {
        Some(ast::Pat::IdentPat(ident)) if ident.ref_token().is_none() => ident.name(),
        _ => None,
    };
    let (Some(bound), Some(init)) = (bound, last_let.initializer()) else {
        return fn_text.to_owned();
    };
    if last_let.let_else().is_some() || tail.syntax().text() != bound.text() {
        return fn_text.to_owned();
    }
    let start = usize::from(last_let.syntax().text_range().start());
    let end = usize::from(tail.syntax().text_range().end());
    format!("{}{}{}", &fn_text[..start], init.syntax().text(), &fn_text[end..])
}

/// Replaces the placeholder identifier (whole words only) with `name`.
fn rename(text: &str, name: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = rest.find(PLACEHOLDER) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + PLACEHOLDER.len()..].chars().next();
        let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        out.push_str(if is_word(before) || is_word(after) { PLACEHOLDER } else { name });
        rest = &rest[at + PLACEHOLDER.len()..];
    }
    out.push_str(rest);
    out
}

/// `update_<lock>` when the section changes what the guard protects, `read_<lock>` otherwise;
/// `<lock>` is the locked field or variable (`self.hits.lock()` → `hits`), or the fn that
/// returned the guard (`store.state()` → `state`). Numbered when the file already uses it.
fn helper_name(ctx: &FixContext<'_>, guard: &str) -> String {
    let lock = lock_name(ctx).unwrap_or_else(|| guard.to_owned());
    let lock = lock.trim_start_matches('_').to_ascii_lowercase();
    let verb = if guard_is_mut(ctx) { "update" } else { "read" };
    let preferred = format!("{verb}_{lock}");
    if !mentions(ctx.root, &preferred) {
        return preferred;
    }
    (2..)
        .map(|n| format!("{preferred}_{n}"))
        .find(|name| !mentions(ctx.root, name))
        .unwrap_or(preferred)
}

fn lock_name(ctx: &FixContext<'_>) -> Option<String> {
    let node = node_at(ctx.root, ctx.finding.acquire)?;
    let call = node.ancestors().find_map(ast::MethodCallExpr::cast);
    let acquiring = call.as_ref().is_some_and(|call| {
        call.name_ref().is_some_and(|name| name.text() == ctx.finding.acquire_method.as_str())
    });
    if !acquiring {
        return Some(ctx.finding.acquire_method.clone()).filter(|name| !name.is_empty());
    }
    if crate::analyse::lock_types::is_acquire_method_name(&ctx.finding.acquire_method) {
        match call?.receiver()? {
            ast::Expr::FieldExpr(field) => Some(field.name_ref()?.text().to_string()),
            ast::Expr::PathExpr(path) => {
                Some(path.path()?.segment()?.name_ref()?.text().to_string())
            }
            _ => None,
        }
    } else {
        Some(ctx.finding.acquire_method.clone())
    }
}

/// Whether the guard is bound `mut`: the section changes the data.
fn guard_is_mut(ctx: &FixContext<'_>) -> bool {
    super::guard_let(ctx.root, ctx.finding.acquire).and_then(|let_stmt| let_stmt.pat()).is_some_and(
        |pat| {
            pat.syntax()
                .descendants()
                .filter_map(ast::IdentPat::cast)
                .any(|ident| ident.mut_token().is_some())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_let_becomes_the_tail() {
        assert_eq!(
            return_tail_directly(
                "fn fun_name(s: &S) -> usize {\n    let g = s.m.lock().unwrap();\n    let n = g.len();\n    n\n}\n"
            ),
            "fn fun_name(s: &S) -> usize {\n    let g = s.m.lock().unwrap();\n    g.len()\n}\n"
        );
        let kept = "fn fun_name(s: &S) -> usize {\n    let (a, b) = f();\n    a\n}\n";
        assert_eq!(return_tail_directly(kept), kept);
    }

    #[test]
    fn only_the_placeholder_word_is_renamed() {
        assert_eq!(
            rename("let n = self.fun_name(x);\nfn fun_name(&self) {} // fun_names", "update_hits"),
            "let n = self.update_hits(x);\nfn update_hits(&self) {} // fun_names"
        );
    }
}
