//! The transforms: one per file, each turning one finding into a `Fix` (or `None` when it does
//! not apply). They share the syntax helpers below; none of them writes anything.

pub mod async_mutex;
pub mod clone_out;
pub mod drop_guard;
pub mod extract_helper;
pub mod for_iterator_clone;
pub mod hoist_await;
pub mod hoist_scrutinee;
pub mod relock;
pub mod scope_guard;
pub mod while_let_loop;

use ra_ap_syntax::{AstNode, NodeOrToken, SyntaxKind, SyntaxNode, TextRange, ast};

pub use crate::analyse::mentions::{mentions, mentions_outside};
use crate::edit::Fix;
use crate::finding::{Finding, Span, Strategy};
use crate::semantic::SemanticFile;

/// Everything a transform looks at: the file as it is now and one finding in it.
pub struct FixContext<'a> {
    pub root: &'a SyntaxNode,
    pub text: &'a str,
    pub finding: &'a Finding,
    /// The findings of the same fn (the other guards a critical section may take).
    pub findings: &'a [Finding],
    /// The crate's declarations (the return types of its fns), when known.
    pub index: Option<&'a crate::analyse::index::ItemIndex>,
    /// rust-analyzer's view of the file, for the transforms that need types (`helper`).
    pub semantic: Option<SemanticFile<'a>>,
}

/// The fix for a finding with the given strategy, if that transform applies.
pub fn fix_with(strategy: Strategy, ctx: &FixContext<'_>) -> Option<Fix> {
    match strategy {
        Strategy::Drop => drop_guard::drop_guard(ctx),
        Strategy::Scope => scope_guard::scope_guard(ctx)
            .or_else(|| hoist_await::hoist_await(ctx))
            .or_else(|| clone_out::clone_out(ctx))
            .or_else(|| hoist_scrutinee::hoist_scrutinee(ctx))
            .or_else(|| while_let_loop::while_let_loop(ctx))
            .or_else(|| for_iterator_clone::for_iterator_clone(ctx)),
        Strategy::Helper => extract_helper::extract_helper(ctx),
        Strategy::AsyncMutex => None,
        Strategy::Relock => relock::relock(ctx),
    }
}

/// The innermost node covering a span.
pub fn node_at(root: &SyntaxNode, span: Span) -> Option<SyntaxNode> {
    let range: TextRange = span.into();
    if range.end() > root.text_range().end() {
        return None;
    }
    match root.covering_element(range) {
        NodeOrToken::Node(node) => Some(node),
        NodeOrToken::Token(token) => token.parent(),
    }
}

/// The `let` statement whose initializer creates the guard at `acquire`.
pub fn guard_let(root: &SyntaxNode, acquire: Span) -> Option<ast::LetStmt> {
    let node = node_at(root, acquire)?;
    let let_stmt = node.ancestors().find_map(ast::LetStmt::cast)?;
    let init = let_stmt.initializer()?;
    Span::from(init.syntax().text_range()).contains(acquire).then_some(let_stmt)
}

/// A statement of a block, or its tail expression, as one item for range arithmetic.
#[derive(Clone, Debug)]
pub enum BlockItem {
    Stmt(ast::Stmt),
    Tail(ast::Expr),
}

impl BlockItem {
    pub fn syntax(&self) -> &SyntaxNode {
        match self {
            BlockItem::Stmt(stmt) => stmt.syntax(),
            BlockItem::Tail(expr) => expr.syntax(),
        }
    }
    pub fn span(&self) -> Span {
        self.syntax().text_range().into()
    }
}

pub fn block_items(list: &ast::StmtList) -> Vec<BlockItem> {
    let mut items: Vec<BlockItem> = list.statements().map(BlockItem::Stmt).collect();
    if let Some(tail) = list.tail_expr() {
        items.push(BlockItem::Tail(tail));
    }
    items
}

/// The edit removing the statement at `span`, with its line when it has that line alone.
pub fn remove_statement(text: &str, span: Span) -> crate::edit::TextEdit {
    let line_start = text[..span.start as usize].rfind('\n').map_or(0, |at| at + 1);
    let only_indent = text[line_start..span.start as usize].trim().is_empty();
    let start = if only_indent { line_start as u32 } else { span.start };
    let end = if text[span.end as usize..].starts_with('\n') { span.end + 1 } else { span.end };
    crate::edit::TextEdit { range: Span::new(start, end), replacement: String::new() }
}

/// The leading whitespace of the line that `offset` is on.
pub fn line_indent(text: &str, offset: u32) -> &str {
    let offset = offset as usize;
    let line_start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    let rest = &text[line_start..];
    let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..width]
}

/// The indentation unit a file uses: a tab, or its smallest run of leading spaces (4 if none).
pub fn indent_unit(text: &str) -> String {
    if text.lines().any(|line| line.starts_with('\t')) {
        return "\t".to_owned();
    }
    let smallest = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches(' ').len())
        .filter(|&width| width > 0)
        .min()
        .unwrap_or(4);
    " ".repeat(smallest.clamp(2, 8))
}

/// Indents every line but the first by `extra`, unless a multi-line string literal would be
/// changed by it: then the text stays as it is (correct, if less pretty).
pub fn indent_following_lines(node_text: &str, extra: &str, range_node: &SyntaxNode) -> String {
    let has_multiline_literal =
        range_node.descendants_with_tokens().filter_map(NodeOrToken::into_token).any(|token| {
            matches!(
                token.kind(),
                SyntaxKind::STRING | SyntaxKind::BYTE_STRING | SyntaxKind::C_STRING
            ) && token.text().contains('\n')
        });
    if has_multiline_literal {
        return node_text.to_owned();
    }
    let mut out = String::with_capacity(node_text.len() + 32);
    for (index, line) in node_text.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
            if !line.trim().is_empty() {
                out.push_str(extra);
            }
        }
        out.push_str(line);
    }
    out
}

/// A name not used anywhere in `scope`: `preferred`, else `preferred_value`, else numbered.
pub fn fresh_name(scope: &SyntaxNode, preferred: &str) -> String {
    let taken = |name: &str| mentions(scope, name) || is_keyword(name);
    if !taken(preferred) {
        return preferred.to_owned();
    }
    let with_suffix = format!("{preferred}_result");
    if !taken(&with_suffix) {
        return with_suffix;
    }
    (2..).map(|n| format!("{preferred}_{n}")).find(|name| !taken(name)).unwrap_or_default()
}

fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "gen"
            | "try"
            | "yield"
            | "box"
            | "macro"
            | "become"
    )
}

/// The body of the fn, closure or async block a node is in: the scope names must be fresh in.
pub fn enclosing_body(node: &SyntaxNode) -> SyntaxNode {
    node.ancestors()
        .find(|ancestor| {
            ast::Fn::can_cast(ancestor.kind()) || ast::ClosureExpr::can_cast(ancestor.kind())
        })
        .unwrap_or_else(|| node.ancestors().last().unwrap_or_else(|| node.clone()))
}

/// Whether `expr` calls a fn of the crate whose written return type owns its data
/// (`count_active(&sessions)` for `fn count_active(…) -> usize`); `None` when that is not
/// known (no such fn, or a return type that may borrow).
pub fn calls_owned_crate_fn(ctx: &FixContext<'_>, expr: &ast::Expr) -> Option<bool> {
    let index = ctx.index?;
    let ast::Expr::CallExpr(call) = expr else { return None };
    let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
    let path = callee.path()?;
    if path.qualifier().is_some() {
        return None;
    }
    let returns = index.free_fn_written_returns(path.segment()?.name_ref()?.text().as_ref());
    if returns.is_empty() {
        return None;
    }
    returns.iter().all(crate::analyse::ownership::owned_type_expr).then_some(true)
}

/// rust-analyzer's answers about the values of some expressions of the file (whether each owns
/// its data, whether it is `Copy`), asked in one go; none without the semantic layer.
pub struct TypeAnswers {
    answers: Vec<(Span, Option<crate::semantic::ValueFacts>)>,
}

impl TypeAnswers {
    /// Asks about every `let` initializer and assigned value in `items`.
    pub fn ask(ctx: &FixContext<'_>, items: &[BlockItem]) -> TypeAnswers {
        let values: Vec<ast::Expr> = items
            .iter()
            .flat_map(|item| {
                item.syntax().descendants().filter_map(|node| {
                    if let Some(let_stmt) = ast::LetStmt::cast(node.clone()) {
                        return let_stmt.initializer();
                    }
                    let bin = ast::BinExpr::cast(node)?;
                    matches!(bin.op_kind(), Some(ast::BinaryOp::Assignment { op: None }))
                        .then(|| bin.rhs())
                        .flatten()
                })
            })
            .collect();
        TypeAnswers::about(ctx, &values)
    }

    /// Asks about `exprs`.
    pub fn about(ctx: &FixContext<'_>, exprs: &[ast::Expr]) -> TypeAnswers {
        let Some(semantic) = ctx.semantic.filter(|_| !exprs.is_empty()) else {
            return TypeAnswers { answers: Vec::new() };
        };
        let ranges: Vec<TextRange> = exprs.iter().map(|expr| expr.syntax().text_range()).collect();
        let answers = semantic
            .workspace
            .value_facts(semantic.path, ctx.text, &ranges)
            .unwrap_or_else(|| vec![None; ranges.len()]);
        TypeAnswers { answers: ranges.into_iter().map(Span::from).zip(answers).collect() }
    }

    fn facts(&self, expr: &ast::Expr) -> Option<crate::semantic::ValueFacts> {
        let span: Span = expr.syntax().text_range().into();
        self.answers.iter().find(|(at, _)| *at == span).and_then(|(_, facts)| *facts)
    }

    /// Whether the value owns its data; `None` when the types were not asked or not known.
    pub fn owns(&self, expr: &ast::Expr) -> Option<bool> {
        self.facts(expr).map(|facts| facts.owns_data)
    }

    /// Whether the value's type is `Copy`; `None` when unknown.
    pub fn is_copy(&self, expr: &ast::Expr) -> Option<bool> {
        self.facts(expr).map(|facts| facts.is_copy)
    }
}
