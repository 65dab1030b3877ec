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
//! MaybeIncorrect, always: a guard never borrowed is never read through, so what it protects
//! is the code after it (a lock over `()`, a `_serial` binding), and `drop` lets that code run
//! unlocked. The planner gives such guards `async-mutex`; `drop` is only applied on request
//! (`--strategy drop --unsafe-fixes`).

use ra_ap_syntax::{AstNode, ast};

use super::{FixContext, block_items, guard_let, line_indent, mentions};
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
    Some(Fix {
        strategy: Strategy::Drop,
        applicability: Applicability::MaybeIncorrect,
        edits: vec![edit],
    })
}
