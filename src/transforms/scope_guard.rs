//! Transform: scope
//!
//! Ends a named guard's lexical scope before the await: the guard's `let` and the statements up
//! to its last use are wrapped in a block; locals they declare that are used later come out
//! of the block as its value (one directly, several as a tuple).
//!
//! ```text
//! let mut g = m.lock().unwrap();             let n = {
//! g.push(x);                                     let mut g = m.lock().unwrap();
//! let n = g.len();                     →         g.push(x);
//! tick().await;                                  g.len()
//!                                            };
//!                                            tick().await;
//! ```
//!
//! A lifetime-extended temporary (`let r = &*m.lock().unwrap();`) is ended the same way, by
//! ending the scope of the reference that extends it.
//!
//! `return`, `?`, `break` and `continue` keep their meaning inside a plain block, so control flow
//! in the wrapped range stays valid. A `let n = e;` that ends the range becomes the block's tail
//! (`let n = { …; e };`), never `let n = e; n`, which clippy's `let_and_return` would flag.

use ra_ap_syntax::{AstNode, ast, ast::HasName};

use super::{
    FixContext, block_items, guard_let, indent_following_lines, indent_unit, line_indent, mentions,
};
use crate::analyse::liveness::bound_names;
use crate::edit::{Applicability, Fix, TextEdit};
use crate::finding::{Span, Strategy};

pub fn scope_guard(ctx: &FixContext<'_>) -> Option<Fix> {
    let section = critical_section(ctx)?;
    let edit = wrap_in_block(ctx.text, &section)?;
    Some(Fix {
        strategy: Strategy::Scope,
        applicability: Applicability::MachineApplicable,
        edits: vec![edit],
    })
}

/// The edit that wraps a critical section in a block, its outputs coming out as the block's
/// value; `None` when an output borrows from the guard. Shared with `relock`.
pub fn wrap_in_block(text: &str, section: &CriticalSection) -> Option<TextEdit> {
    let CriticalSection { items, first, last, name } = section;
    let (first, last) = (*first, *last);
    let name = name.as_str();
    let wrapped = &items[first..=last];
    let later = &items[last + 1..];
    // Locals declared in the wrapped range (other than the guard) that are used later.
    let mut outputs: Vec<Output> = Vec::new();
    for item in &wrapped[1..] {
        let super::BlockItem::Stmt(ast::Stmt::LetStmt(inner)) = item else { continue };
        let Some(pat) = inner.pat() else { continue };
        for binding in bound_names(&pat) {
            if later.iter().any(|item| mentions(item.syntax(), &binding)) {
                let mutable =
                    pat.syntax().descendants().filter_map(ast::IdentPat::cast).any(|ident| {
                        ident.mut_token().is_some()
                            && ident.name().is_some_and(|n| n.text() == binding.as_str())
                    });
                outputs.retain(|output| output.name != binding);
                outputs.push(Output { name: binding, mutable });
            }
        }
    }
    if outputs.iter().any(|output| borrowed_from_guard(wrapped, name).contains(&output.name)) {
        return None; // a reference into the guard cannot outlive the block
    }
    let start = wrapped[0].span().start;
    let end = wrapped[wrapped.len() - 1].span().end;
    let indent = line_indent(text, start).to_owned();
    let unit = indent_unit(text);
    let inner_indent = format!("{indent}{unit}");

    // A single output declared by the range's last `let` without `else`: its initializer
    // becomes the block's tail.
    let tail_let = match (&outputs[..], wrapped.last()) {
        ([only], Some(super::BlockItem::Stmt(ast::Stmt::LetStmt(last_let))))
            if last_let.let_else().is_none()
                && last_let.pat().is_some_and(|pat| {
                    matches!(pat, ast::Pat::IdentPat(_)) && bound_names(&pat) == [only.name.clone()]
                })
                && wrapped.len() > 1 =>
        {
            Some(last_let.clone())
        }
        _ => None,
    };

    let body_end = match &tail_let {
        Some(last_let) => last_let.syntax().text_range().start().into(),
        None => end,
    };
    let mut body = String::new();
    body.push_str(&inner_indent);
    // An output declared `mut` but not changed inside the block is `mut` outside only.
    let mut body_text = text[start as usize..body_end as usize].to_owned();
    let mut mut_removals: Vec<(usize, usize)> = Vec::new();
    for (position, item) in wrapped.iter().enumerate() {
        let super::BlockItem::Stmt(ast::Stmt::LetStmt(inner)) = item else { continue };
        for ident in inner.syntax().descendants().filter_map(ast::IdentPat::cast) {
            let (Some(mut_token), Some(binding)) = (ident.mut_token(), ident.name()) else {
                continue;
            };
            let binding = binding.text().to_string();
            let is_output = outputs.iter().any(|output| output.mutable && output.name == binding);
            let changed_inside =
                wrapped[position + 1..].iter().any(|later| mentions(later.syntax(), &binding));
            let token_start = u32::from(mut_token.text_range().start());
            if is_output && !changed_inside && position > 0 && token_start < body_end {
                let from = (token_start - start) as usize;
                let to = from + "mut".len();
                let after = &body_text[to..];
                let spaces = after.len() - after.trim_start().len();
                mut_removals.push((from, to + spaces));
            }
        }
    }
    for (from, to) in mut_removals.into_iter().rev() {
        body_text.replace_range(from..to, "");
    }
    let body_text = body_text.as_str();
    let body_node = wrapped[0].syntax().parent()?;
    body.push_str(indent_following_lines(body_text.trim_end(), &unit, &body_node).as_str());
    let (head, tail) = match (&tail_let, &outputs[..]) {
        (Some(last_let), [only]) => {
            let init = last_let.initializer()?;
            let ty =
                last_let.ty().map(|ty| format!(": {}", ty.syntax().text())).unwrap_or_default();
            let mutable = if only.mutable { "mut " } else { "" };
            let init_text =
                indent_following_lines(&init.syntax().text().to_string(), &unit, init.syntax());
            (format!("let {mutable}{}{ty} = ", only.name), Some(init_text))
        }
        (_, []) => (String::new(), None),
        (_, [only]) => {
            let mutable = if only.mutable { "mut " } else { "" };
            (format!("let {mutable}{} = ", only.name), Some(only.name.clone()))
        }
        (_, many) => {
            let pattern: Vec<String> = many
                .iter()
                .map(|output| {
                    format!("{}{}", if output.mutable { "mut " } else { "" }, output.name)
                })
                .collect();
            let values: Vec<&str> = many.iter().map(|output| output.name.as_str()).collect();
            (format!("let ({}) = ", pattern.join(", ")), Some(format!("({})", values.join(", "))))
        }
    };
    let mut replacement = format!("{head}{{\n{body}");
    if let Some(tail) = tail {
        replacement.push('\n');
        replacement.push_str(&inner_indent);
        replacement.push_str(&tail);
    }
    replacement.push('\n');
    replacement.push_str(&indent);
    replacement.push('}');
    if !head.is_empty() {
        replacement.push(';');
    }
    // Keep the original text from the first statement's own indentation onwards.
    Some(TextEdit { range: Span::new(start, end), replacement })
}

struct Output {
    name: String,
    mutable: bool,
}

/// Names bound in the wrapped range to references into the guard (directly, or through
/// another such name): `let first = &g[0];`, `let s = g.as_str();`, `let ref r = *g;`.
/// Values read out of a guard by copy (`let n = *g;`, `g.len()`) are owned: a non-`Copy` read
/// would not have compiled in the first place.
fn borrowed_from_guard(wrapped: &[super::BlockItem], guard: &str) -> Vec<String> {
    let mut tainted = vec![guard.to_owned()];
    for item in &wrapped[1..] {
        let super::BlockItem::Stmt(ast::Stmt::LetStmt(inner)) = item else { continue };
        let (Some(pat), Some(init)) = (inner.pat(), inner.initializer()) else { continue };
        let mentions_tainted = tainted.iter().any(|name| mentions(init.syntax(), name));
        let ref_pattern = pat
            .syntax()
            .descendants()
            .filter_map(ast::IdentPat::cast)
            .any(|ident| ident.ref_token().is_some());
        if mentions_tainted && (ref_pattern || borrows(&init)) {
            tainted.extend(bound_names(&pat));
        }
    }
    tainted
}

/// Whether an expression's value may borrow from what it reads: a `&` anywhere in it, or a
/// method known to return a reference into its receiver.
fn borrows(expr: &ast::Expr) -> bool {
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
    ];
    if expr.syntax().descendants().any(|node| ast::RefExpr::can_cast(node.kind())) {
        return true;
    }
    let mut current = expr.clone();
    loop {
        current = match current {
            ast::Expr::TryExpr(inner) => match inner.expr() {
                Some(e) => e,
                None => return false,
            },
            ast::Expr::ParenExpr(inner) => match inner.expr() {
                Some(e) => e,
                None => return false,
            },
            ast::Expr::MethodCallExpr(call) => {
                let name = call.name_ref().map(|n| n.text().to_string()).unwrap_or_default();
                if BORROWING.contains(&name.as_str()) {
                    return true;
                }
                // `g.first().unwrap()`: look through adaptors to the call that decides.
                if crate::analyse::lock_types::passes_guard_through(&name)
                    || name == "copied"
                    || name == "cloned"
                {
                    if name == "copied" || name == "cloned" {
                        return false;
                    }
                    match call.receiver() {
                        Some(receiver) => receiver,
                        None => return false,
                    }
                } else {
                    return false;
                }
            }
            _ => return false,
        };
    }
}

/// The statements of a guard's critical section: from its `let` to its last use before the
/// awaiting statement, all in one block, none of them the block's tail. Shared with the helper
/// transform, which moves the same statements into a fn.
pub struct CriticalSection {
    pub items: Vec<super::BlockItem>,
    pub first: usize,
    pub last: usize,
    /// The guard's binding (or the reference that extends a temporary guard).
    pub name: String,
}

impl CriticalSection {
    pub fn span(&self) -> Span {
        Span::new(self.items[self.first].span().start, self.items[self.last].span().end)
    }
}

/// The critical section of `ctx`'s finding, when it is one that a block (or a fn) can end.
pub fn critical_section(ctx: &FixContext<'_>) -> Option<CriticalSection> {
    let finding = ctx.finding;
    let let_stmt = guard_let(ctx.root, finding.acquire)?;
    let extended_by = match finding.held_because {
        crate::finding::HeldBecause::LifetimeExtendedTemporary => {
            let names = let_stmt.pat().map(|pat| bound_names(&pat)).unwrap_or_default();
            match names.as_slice() {
                [only] => Some(only.clone()),
                _ => return None,
            }
        }
        _ => None,
    };
    let name = extended_by.as_deref().or(finding.binding.as_deref())?;
    if finding.used_after_await || name.contains(',') {
        return None;
    }
    if let_stmt.let_else().is_some() {
        return None;
    }
    let list = let_stmt.syntax().parent().and_then(ast::StmtList::cast)?;
    let items = block_items(&list);
    let first = items.iter().position(|item| item.syntax() == let_stmt.syntax())?;
    let let_end = let_stmt.syntax().text_range().end();
    let first_await = finding.awaits.iter().find(|span| u32::from(let_end) <= span.start)?;
    let awaiting = items.iter().position(|item| item.span().contains(*first_await))?;
    if items[awaiting..].iter().any(|item| mentions(item.syntax(), name)) {
        return None; // used in or after the awaiting statement
    }
    // The last statement before the await that uses the guard; a guard never used is a
    // critical section around everything before the await.
    let last = (first + 1..awaiting)
        .rev()
        .find(|&at| mentions(items[at].syntax(), name))
        .unwrap_or(if finding.borrowed { first } else { awaiting - 1 });
    if items[first..=last].iter().any(|item| matches!(item, super::BlockItem::Tail(_))) {
        return None;
    }
    Some(CriticalSection { items, first, last, name: name.to_owned() })
}
