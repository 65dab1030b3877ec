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

use ra_ap_syntax::{AstNode, ast, ast::HasArgList, ast::HasName};

use super::{
    FixContext, TypeAnswers, block_items, guard_let, indent_following_lines, indent_unit,
    line_indent, mentions, mentions_outside,
};
use crate::analyse::liveness::bound_names;
use crate::analyse::ownership;
use crate::edit::{Applicability, Fix, TextEdit};
use crate::finding::{Span, Strategy};

pub fn scope_guard(ctx: &FixContext<'_>) -> Option<Fix> {
    let section = critical_section(ctx)?;
    let mut edits = vec![wrap_in_block(ctx.text, &section)?];
    edits.extend(section.later_drops.iter().map(|at| super::remove_statement(ctx.text, *at)));
    Some(Fix { strategy: Strategy::Scope, applicability: section.applicability(), edits })
}

/// The edit that wraps a critical section in a block, its outputs coming out as the block's
/// value (the section was closed over every value that may borrow from the guard, so none of
/// them is an output). Shared with `relock`.
pub fn wrap_in_block(text: &str, section: &CriticalSection) -> Option<TextEdit> {
    let CriticalSection { items, first, last, .. } = section;
    let (first, last) = (*first, *last);
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

/// The statements of a guard's critical section: from its `let` to the last use, before the
/// awaiting statement, of the guard or of a value that may borrow from it, all in one block,
/// none of them the block's tail. Shared with the helper transform, which moves the same
/// statements into a fn, and with relock.
pub struct CriticalSection {
    pub items: Vec<super::BlockItem>,
    pub first: usize,
    pub last: usize,
    /// The guard's binding (or the reference that extends a temporary guard).
    pub name: String,
    /// Every value that leaves the section was proven to own its data (by rust-analyzer's
    /// types, or by a shape whose result cannot borrow): the fix may be MachineApplicable.
    /// `false` when that rests on the names of the methods involved.
    pub proven: bool,
    /// `drop(guard);` statements after the section (in a `match` arm that awaits): the block
    /// ends the guard before them, so they go.
    pub later_drops: Vec<Span>,
}

impl CriticalSection {
    pub fn span(&self) -> Span {
        Span::new(self.items[self.first].span().start, self.items[self.last].span().end)
    }

    pub fn applicability(&self) -> Applicability {
        if self.proven { Applicability::MachineApplicable } else { Applicability::MaybeIncorrect }
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
    // A guard never used is a critical section around everything before the await.
    let unused_end = if finding.borrowed { first } else { awaiting.checked_sub(1)? };
    // `drop(guard)` in an arm of the awaiting `match` (the guard was borrowed first, so rustc
    // still counts it live at the await): the block releases it before the `match` instead.
    let later_drops = drops_of(&items[awaiting..], name);
    let dropped_later: Vec<Span> =
        later_drops.iter().map(|stmt| Span::from(stmt.syntax().text_range())).collect();
    let section = SectionBounds { items: &items, first, awaiting, unused_end, dropped_later };
    let types = TypeAnswers::ask(ctx, &items[first + 1..awaiting]);
    let other_guards = other_guard_names(ctx, &items[first + 1..awaiting]);
    let (last, proven) = [true, false].into_iter().find_map(|proof| {
        let judge = |init: &ast::Expr, held: &[String]| match types
            .owns(init)
            .or_else(|| super::calls_owned_crate_fn(ctx, init))
        {
            Some(owned) => owned,
            None if proof => ownership::owned_by_syntax(init, held),
            None => !ownership::may_borrow_by_name(init),
        };
        section.close_over_borrows(name, &other_guards, &judge).map(|last| (last, proof))
    })?;
    if items[first..=last].iter().any(|item| matches!(item, super::BlockItem::Tail(_))) {
        return None;
    }
    // A guard never read through protects the code after it: ending it early changes that.
    let proven = proven
        && !crate::plan::guards_code(finding)
        && (later_drops.is_empty() || released_past_quiet_code(&items[awaiting..], &later_drops));
    let later_drops = section.dropped_later;
    Some(CriticalSection { items, first, last, name: name.to_owned(), proven, later_drops })
}

/// The `drop(name);` statements in `items`.
fn drops_of(items: &[super::BlockItem], name: &str) -> Vec<ast::ExprStmt> {
    items
        .iter()
        .flat_map(|item| item.syntax().descendants().filter_map(ast::ExprStmt::cast))
        .filter(|stmt| {
            let Some(ast::Expr::CallExpr(call)) = stmt.expr() else { return false };
            let callee = call.expr().map(|callee| callee.syntax().text().to_string());
            let is_drop = callee.is_some_and(|callee| {
                matches!(callee.as_str(), "drop" | "std::mem::drop" | "mem::drop")
            });
            let args: Vec<ast::Expr> =
                call.arg_list().map(|list| list.args().collect()).unwrap_or_default();
            is_drop && matches!(args.as_slice(), [only] if only.syntax().text() == name)
        })
        .collect()
}

/// Whether releasing the guard before the awaiting statement instead of at its `drop`s lets
/// nothing run unlocked that ran locked: the statement is the block's last, a `match` on a
/// value computed without calls, each `drop` the first statement of its arm, and the arms
/// without one compute their value without calls.
fn released_past_quiet_code(from_await: &[super::BlockItem], drops: &[ast::ExprStmt]) -> bool {
    let [awaiting] = from_await else { return false };
    let quiet = |node: &ra_ap_syntax::SyntaxNode| {
        !node.descendants().any(|inner| {
            ast::CallExpr::can_cast(inner.kind())
                || ast::MethodCallExpr::can_cast(inner.kind())
                || ast::MacroCall::can_cast(inner.kind())
                || ast::AwaitExpr::can_cast(inner.kind())
        })
    };
    let Some(match_expr) = awaiting.syntax().descendants().find_map(ast::MatchExpr::cast) else {
        return false;
    };
    if !match_expr.expr().is_some_and(|scrutinee| quiet(scrutinee.syntax())) {
        return false;
    }
    match_expr.match_arm_list().into_iter().flat_map(|list| list.arms()).all(|arm| {
        let Some(body) = arm.expr() else { return false };
        let first_is_drop = match &body {
            ast::Expr::BlockExpr(block) => block
                .stmt_list()
                .and_then(|list| list.statements().next())
                .is_some_and(|first| drops.iter().any(|drop| drop.syntax() == first.syntax())),
            _ => false,
        };
        first_is_drop || quiet(body.syntax())
    })
}

/// Where a guard's section may end: after its `let` and before the awaiting statement.
pub struct SectionBounds<'a> {
    pub items: &'a [super::BlockItem],
    pub first: usize,
    pub awaiting: usize,
    /// Where the section ends when nothing in it uses the guard.
    pub unused_end: usize,
    /// `drop(guard);` statements after it that go with the fix: mentions there do not count.
    pub dropped_later: Vec<Span>,
}

impl SectionBounds<'_> {
    /// The index of the section's last statement: the last one before the await that uses the
    /// guard or a value that may borrow from it (a `let` whose initializer reads such a value
    /// and that `owned` does not accept, or another guard taken inside the section). `None`
    /// when such a value is still used at or after the await: no block can end the guard.
    pub fn close_over_borrows(
        &self,
        guard: &str,
        other_guards: &[String],
        owned: &dyn Fn(&ast::Expr, &[String]) -> bool,
    ) -> Option<usize> {
        let (last, held) = self.borrowing_values(guard, other_guards, owned);
        (!self.used_from_await(&held)).then_some(last)
    }

    /// The section's last statement, and the names holding the guard or values that may
    /// borrow from it (the guard's own name first).
    pub fn borrowing_values(
        &self,
        guard: &str,
        other_guards: &[String],
        owned: &dyn Fn(&ast::Expr, &[String]) -> bool,
    ) -> (usize, Vec<String>) {
        let items = self.items;
        let mut held = vec![guard.to_owned()];
        loop {
            let last = (self.first + 1..self.awaiting)
                .rev()
                .find(|&at| held.iter().any(|name| mentions(items[at].syntax(), name)))
                .unwrap_or(self.unused_end);
            let mut grew = false;
            for item in &items[self.first + 1..=last.max(self.first)] {
                for name in borrowing_names(item, &held, other_guards, owned) {
                    if !held.contains(&name) {
                        held.push(name);
                        grew = true;
                    }
                }
            }
            if !grew {
                return (last, held);
            }
        }
    }

    /// Whether the awaiting statement or one after it mentions any of `names`.
    pub fn used_from_await(&self, names: &[String]) -> bool {
        self.items[self.awaiting..].iter().any(|item| {
            names.iter().any(|name| mentions_outside(item.syntax(), name, &self.dropped_later))
        })
    }
}

/// The names `item` binds (or assigns) to values that may borrow from the `held` ones, or
/// that are guards themselves.
fn borrowing_names(
    item: &super::BlockItem,
    held: &[String],
    other_guards: &[String],
    owned: &dyn Fn(&ast::Expr, &[String]) -> bool,
) -> Vec<String> {
    match item {
        super::BlockItem::Stmt(ast::Stmt::LetStmt(let_stmt)) => {
            let Some(pat) = let_stmt.pat() else { return Vec::new() };
            let names = bound_names(&pat);
            if names.iter().any(|name| other_guards.contains(name)) {
                return names;
            }
            let Some(init) = let_stmt.initializer() else { return Vec::new() };
            let reads_held = held.iter().any(|name| mentions(init.syntax(), name));
            let ref_pattern = pat
                .syntax()
                .descendants()
                .filter_map(ast::IdentPat::cast)
                .any(|ident| ident.ref_token().is_some());
            let written_owned = let_stmt.ty().is_some_and(|ty| ownership::owned_type(&ty));
            if reads_held && (ref_pattern || !(written_owned || owned(&init, held))) {
                names
            } else {
                Vec::new()
            }
        }
        // `out = &g[0];` into a local declared before the section.
        _ => item
            .syntax()
            .descendants()
            .filter_map(ast::BinExpr::cast)
            .filter(|bin| matches!(bin.op_kind(), Some(ast::BinaryOp::Assignment { op: None })))
            .filter_map(|bin| {
                let Some(ast::Expr::PathExpr(target)) = bin.lhs() else { return None };
                let rhs = bin.rhs()?;
                let reads_held = held.iter().any(|name| mentions(rhs.syntax(), name));
                (reads_held && !owned(&rhs, held))
                    .then(|| target.path()?.segment()?.name_ref().map(|n| n.text().to_string()))
                    .flatten()
            })
            .collect(),
    }
}

/// The bindings of the other guards taken in `items`: exporting one would keep it alive.
fn other_guard_names(ctx: &FixContext<'_>, items: &[super::BlockItem]) -> Vec<String> {
    let Some(range) = items.first().map(|first| {
        Span::new(first.span().start, items.last().map_or(first.span().end, |l| l.span().end))
    }) else {
        return Vec::new();
    };
    ctx.findings
        .iter()
        .filter(|guard| guard.acquire != ctx.finding.acquire && range.contains(guard.acquire))
        .filter_map(|guard| guard.binding.as_deref())
        .flat_map(|binding| binding.split(", ").map(str::to_owned))
        .collect()
}
