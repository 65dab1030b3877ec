//! Looking into macro calls: their token trees, parsed as the expressions they usually hold.
//!
//! rust-analyzer's parser leaves a macro's arguments as a flat token tree. Most macros used in
//! async code (`println!`, `assert!`, `vec!`, `tokio::join!`) take comma-separated expressions,
//! and `tokio::select!` takes `pattern = future => handler` branches. We re-parse those pieces
//! padded with spaces so every node keeps the offsets it has in the real file: findings
//! inside macros then point at the right text. Nodes from these trees live in a tree of their
//! own, which is how the transforms know not to edit them.

use std::collections::HashMap;

use ra_ap_syntax::{
    AstNode, Edition, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize, ast,
};

/// What a macro call means for the analysis.
#[derive(Clone)]
pub enum MacroBody {
    /// `println!(…)`, `assert!(…)`, `join!(a, b)`: expressions evaluated in order; with
    /// `awaits`, the macro awaits them all after evaluating them (`join!`, `try_join!`).
    Exprs { exprs: Vec<ast::Expr>, awaits: bool },
    /// `select! { pat = fut => handler, … }`: every future is evaluated, the macro awaits, then
    /// exactly one handler runs.
    Select { futures: Vec<ast::Expr>, handlers: Vec<ast::Expr> },
    /// Nothing we can read (`quote!`, a DSL): not analysed.
    Opaque,
}

/// The prefix our padded re-parse puts before a macro's content.
const PREFIX: &str = "fn f(){";

pub fn macro_name(call: &ast::MacroCall) -> Option<String> {
    Some(call.path()?.segment()?.name_ref()?.text().to_string())
}

/// Macros that await: a lock held when they run is held across an await.
pub fn is_await_macro(name: &str) -> bool {
    matches!(name, "select" | "select_biased" | "join" | "try_join" | "join_all")
}

/// std's macros whose arguments are plain expressions evaluated where the macro is called:
/// code in them may be edited like code outside (the async-mutex switch does).
pub fn evaluates_arguments_in_place(name: &str) -> bool {
    matches!(
        name,
        "assert"
            | "assert_eq"
            | "assert_ne"
            | "debug_assert"
            | "debug_assert_eq"
            | "debug_assert_ne"
            | "println"
            | "eprintln"
            | "print"
            | "eprint"
            | "format"
            | "write"
            | "writeln"
            | "dbg"
            | "panic"
            | "vec"
    )
}

fn is_select(name: &str) -> bool {
    matches!(name, "select" | "select_biased")
}

pub fn read_macro(call: &ast::MacroCall, edition: Edition) -> MacroBody {
    let (Some(name), Some(tree)) = (macro_name(call), call.token_tree()) else {
        return MacroBody::Opaque;
    };
    let tokens = top_level_tokens(&tree);
    if is_select(&name) {
        return read_select(&tokens, edition);
    }
    match parse_expr_list(&tokens, edition) {
        Some(exprs) => MacroBody::Exprs { exprs, awaits: is_await_macro(&name) },
        None => MacroBody::Opaque,
    }
}

/// Reads the macro calls of one file, all of them in one parse.
///
/// Reading one macro pads its pieces with spaces up to their offset in the file, so reading
/// each macro of a file on its own lexes and hashes a file's worth of padding per macro: a file
/// with a `tracing::info!` every few lines cost time in its length squared. The first read
/// parses every macro of the file together instead, each as a block of `piece;` statements at
/// its own delimiters (`{` at the opening one, `}` just after the closing one), so the file is
/// lexed once. A macro whose block does not come out where it was put is read on its own.
/// Macros inside macros live in the trees those reads make: the macros of each such tree are
/// read together too, in one parse per tree (`tracing::info!("{}", format!(…))`, a `select!`
/// arm that logs), where reading each alone padded it to its offset again.
pub struct MacroReader {
    edition: Edition,
    root: SyntaxNode,
    /// The subtrees whose macros the shared parse reads (all of `root` when empty): the fns
    /// the walk visits. A macro elsewhere is read on its own if ever asked for.
    scopes: Vec<SyntaxNode>,
    read: Option<HashMap<TextRange, MacroBody>>,
    /// The macros read together in each tree that reading made (by its root).
    nested: HashMap<SyntaxNode, HashMap<TextRange, MacroBody>>,
}

impl MacroReader {
    pub fn new(edition: Edition, root: SyntaxNode) -> MacroReader {
        MacroReader { edition, root, scopes: Vec::new(), read: None, nested: HashMap::new() }
    }

    /// Reads together only the macros inside these subtrees (of `root`, in tree order).
    pub fn read_only_in(&mut self, scopes: Vec<SyntaxNode>) {
        self.scopes = scopes;
        self.read = None;
    }

    pub fn read(&mut self, call: &ast::MacroCall) -> MacroBody {
        // `ancestors` starts at the call itself: there is always a last one, its tree's root.
        let top = call.syntax().ancestors().last().unwrap_or_else(|| call.syntax().clone());
        let edition = self.edition;
        let read = if top == self.root {
            self.read.get_or_insert_with(|| read_all(&self.root, &self.scopes, edition))
        } else {
            self.nested.entry(top.clone()).or_insert_with(|| read_all(&top, &[], edition))
        };
        match read.get(&call.syntax().text_range()) {
            Some(body) => body.clone(),
            None => read_macro(call, edition),
        }
    }
}

/// The macro calls under `root`, or under the outermost of `scopes` (tree order), in order.
fn macro_calls(root: &SyntaxNode, scopes: &[SyntaxNode]) -> Vec<ast::MacroCall> {
    if scopes.is_empty() {
        return root.descendants().filter_map(ast::MacroCall::cast).collect();
    }
    let mut covered_to = TextSize::from(0);
    let mut calls = Vec::new();
    for scope in scopes {
        let range = scope.text_range();
        if range.start() < covered_to {
            continue; // inside a scope already read
        }
        covered_to = range.end();
        calls.extend(scope.descendants().filter_map(ast::MacroCall::cast));
    }
    calls
}

/// Where one macro's pieces go in the shared parse, and what they are read as.
struct Planned {
    call: TextRange,
    /// The token tree's range: `{` goes at its start, `}` at its end.
    tree: TextRange,
    /// The pieces to parse, in order, each marked `true` for a select's handler.
    ranges: Vec<(TextSize, TextSize, bool)>,
    kind: PlannedKind,
}

enum PlannedKind {
    Exprs { awaits: bool },
    Select,
}

/// Every macro call of `root` (or of its `scopes`) read in one parse (see `MacroReader`).
fn read_all(
    root: &SyntaxNode,
    scopes: &[SyntaxNode],
    edition: Edition,
) -> HashMap<TextRange, MacroBody> {
    let mut read = HashMap::new();
    let mut fake = String::with_capacity(usize::from(root.text_range().len()) + 16);
    fake.push_str(PREFIX);
    let mut planned = Vec::new();
    for call in macro_calls(root, scopes) {
        let call_range = call.syntax().text_range();
        let (Some(name), Some(tree)) = (macro_name(&call), call.token_tree()) else {
            read.insert(call_range, MacroBody::Opaque);
            continue;
        };
        let pieces = top_level_tokens(&tree);
        let (ranges, kind) = if is_select(&name) {
            let (futures, handlers) = select_ranges(&pieces);
            let mut ranges: Vec<_> = futures.into_iter().map(|(s, e)| (s, e, false)).collect();
            ranges.extend(handlers.into_iter().map(|(s, e)| (s, e, true)));
            ranges.sort();
            (ranges, PlannedKind::Select)
        } else {
            let ranges = split_commas(&pieces)
                .iter()
                .map(|part| (part[0].start(), part[part.len() - 1].end(), false))
                .collect();
            (ranges, PlannedKind::Exprs { awaits: is_await_macro(&name) })
        };
        let tree_range = tree.syntax().text_range();
        let at = |offset: TextSize| u32::from(offset) as usize;
        // Room for the `{`, and pieces in order inside the tree: anything else is read alone.
        let in_order = ranges.windows(2).all(|pair| pair[0].1 < pair[1].0);
        let inside = ranges.iter().all(|&(start, end, _)| {
            tree_range.start() < start && end < tree_range.end() && start < end
        });
        if at(tree_range.start()) < fake.len() || !in_order || !inside {
            continue;
        }
        pad_to(&mut fake, at(tree_range.start()));
        fake.push('{');
        // The call's own text: the file's is never built (most of it is not read).
        let text = crate::parse::tree_text(tree.syntax());
        let base = at(tree_range.start());
        for &(start, end, _) in &ranges {
            pad_to(&mut fake, at(start));
            fake.push_str(&text[at(start) - base..at(end) - base]);
            fake.push(';');
        }
        pad_to(&mut fake, at(tree_range.end()));
        fake.push('}');
        planned.push(Planned { call: call_range, tree: tree_range, ranges, kind });
    }
    fake.push('}');
    if planned.is_empty() {
        return read;
    }
    let Ok(parse) = crate::parse::parse_source(&fake, edition) else { return read };
    if crate::parse::too_deep(parse.tree().syntax()).is_some() {
        return read; // each macro is then read (and refused) on its own
    }
    let Some(body) =
        parse.tree().syntax().descendants().find_map(ast::Fn::cast).and_then(|f| f.body())
    else {
        return read;
    };
    let Some(statements) = body.stmt_list() else { return read };
    let blocks: HashMap<TextSize, ast::BlockExpr> = statements
        .statements()
        .filter_map(|stmt| match stmt {
            ast::Stmt::ExprStmt(stmt) => match stmt.expr()? {
                ast::Expr::BlockExpr(block) => Some(block),
                _ => None,
            },
            _ => None,
        })
        .map(|block| (block.syntax().text_range().start(), block))
        .collect();
    let errors: Vec<TextRange> = parse.errors().iter().map(|error| error.range()).collect();
    for plan in planned {
        let expected = TextRange::new(plan.tree.start(), plan.tree.end() + TextSize::from(1));
        let Some(block) = blocks.get(&plan.tree.start()) else { continue };
        if block.syntax().text_range() != expected {
            continue; // read on its own
        }
        if errors.iter().any(|error| error.intersect(expected).is_some()) {
            read.insert(plan.call, MacroBody::Opaque);
            continue;
        }
        let exprs: Vec<ast::Expr> = block
            .stmt_list()
            .into_iter()
            .flat_map(|list| list.statements())
            .filter_map(|stmt| match stmt {
                ast::Stmt::ExprStmt(stmt) => stmt.expr(),
                _ => None,
            })
            .collect();
        let body = if exprs.len() != plan.ranges.len() {
            MacroBody::Opaque
        } else {
            match plan.kind {
                PlannedKind::Exprs { awaits } => MacroBody::Exprs { exprs, awaits },
                PlannedKind::Select => {
                    let (mut futures, mut handlers) = (Vec::new(), Vec::new());
                    for (expr, &(_, _, is_handler)) in exprs.into_iter().zip(&plan.ranges) {
                        if is_handler { handlers.push(expr) } else { futures.push(expr) }
                    }
                    MacroBody::Select { futures, handlers }
                }
            }
        };
        read.insert(plan.call, body);
    }
    read
}

fn pad_to(fake: &mut String, offset: usize) {
    let padding = offset.saturating_sub(fake.len());
    fake.extend(std::iter::repeat_n(' ', padding));
}

/// The tokens and subtrees directly inside the macro's delimiters, without trivia.
enum Piece {
    Token(SyntaxToken),
    Tree(ast::TokenTree),
}

impl Piece {
    fn start(&self) -> TextSize {
        match self {
            Piece::Token(token) => token.text_range().start(),
            Piece::Tree(tree) => tree.syntax().text_range().start(),
        }
    }
    fn end(&self) -> TextSize {
        match self {
            Piece::Token(token) => token.text_range().end(),
            Piece::Tree(tree) => tree.syntax().text_range().end(),
        }
    }
    fn kind(&self) -> SyntaxKind {
        match self {
            Piece::Token(token) => token.kind(),
            Piece::Tree(_) => SyntaxKind::TOKEN_TREE,
        }
    }
}

fn top_level_tokens(tree: &ast::TokenTree) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = tree
        .syntax()
        .children_with_tokens()
        .filter_map(|element| match element {
            ra_ap_syntax::NodeOrToken::Token(token) if !token.kind().is_trivia() => {
                Some(Piece::Token(token))
            }
            ra_ap_syntax::NodeOrToken::Node(node) => ast::TokenTree::cast(node).map(Piece::Tree),
            _ => None,
        })
        .collect();
    // Drop the delimiters themselves.
    if !pieces.is_empty() {
        pieces.remove(0);
    }
    pieces.pop();
    pieces
}

/// Splits pieces at top-level commas.
fn split_commas(pieces: &[Piece]) -> Vec<&[Piece]> {
    pieces
        .split(|piece| piece.kind() == SyntaxKind::COMMA)
        .filter(|part| !part.is_empty())
        .collect()
}

/// Whether a macro call's tokens may take a guard or await: an acquire-like or guard-like
/// word, or `await`. Others need not be parsed when no guard is alive around them.
pub fn may_take_a_guard_or_await(call: &ast::MacroCall) -> bool {
    const WORDS: &[&str] =
        &["await", "lock", "read", "write", "borrow", "get", "entry", "acquire", "guard", "Guard"];
    let Some(tokens) = call.token_tree() else { return false };
    let text = crate::parse::tree_text(tokens.syntax());
    WORDS.iter().any(|word| text.contains(word))
}

/// Parses `a, b, c` (pieces of the real file) as expressions with their real offsets.
fn parse_expr_list(pieces: &[Piece], edition: Edition) -> Option<Vec<ast::Expr>> {
    let parts = split_commas(pieces);
    let ranges: Vec<(TextSize, TextSize)> =
        parts.iter().map(|part| (part[0].start(), part[part.len() - 1].end())).collect();
    parse_ranges_as_exprs(pieces, &ranges, edition)
}

/// Re-parses the given ranges of the file (all inside `pieces`) as expression statements, each
/// at its real offset.
fn parse_ranges_as_exprs(
    pieces: &[Piece],
    ranges: &[(TextSize, TextSize)],
    edition: Edition,
) -> Option<Vec<ast::Expr>> {
    if ranges.is_empty() {
        return Some(Vec::new());
    }
    let source = source_text(pieces)?;
    let (base, text) = source;
    let first = u32::from(ranges[0].0) as usize;
    if first < PREFIX.len() {
        return None;
    }
    // Padding keeps offsets; each piece becomes `expr;` (the `;` takes the place of the comma
    // or arrow that followed it in the real file).
    let mut fake = String::with_capacity(u32::from(ranges[ranges.len() - 1].1) as usize + 16);
    fake.push_str(PREFIX);
    for (start, end) in ranges {
        let start = u32::from(*start) as usize;
        let end = u32::from(*end) as usize;
        let padding = start.checked_sub(fake.len())?;
        fake.push_str(&" ".repeat(padding));
        fake.push_str(text.get(start - base..end - base)?);
        fake.push(';');
    }
    fake.push('}');
    let parse = crate::parse::parse_source(&fake, edition).ok()?;
    if crate::parse::too_deep(parse.tree().syntax()).is_some() {
        return None; // read as opaque: walking it would exhaust the stack
    }
    if !parse.errors().is_empty() {
        return None;
    }
    let body = parse.tree().syntax().descendants().find_map(ast::Fn::cast)?.body()?;
    let exprs: Vec<ast::Expr> = body
        .stmt_list()?
        .statements()
        .filter_map(|stmt| match stmt {
            ast::Stmt::ExprStmt(expr_stmt) => expr_stmt.expr(),
            _ => None,
        })
        .collect();
    (exprs.len() == ranges.len()).then_some(exprs)
}

/// The text spanned by the pieces, with the offset where it starts.
fn source_text(pieces: &[Piece]) -> Option<(usize, String)> {
    let first = pieces.first()?;
    let root = match first {
        Piece::Token(token) => token.parent()?,
        Piece::Tree(tree) => tree.syntax().parent()?,
    };
    let range = root.text_range();
    Some((u32::from(range.start()) as usize, crate::parse::tree_text(&root)))
}

/// `select! { [biased;] pat = fut [, if cond] => handler [,] … [else => handler] }`.
fn read_select(pieces: &[Piece], edition: Edition) -> MacroBody {
    let (futures, handlers) = select_ranges(pieces);
    let parsed_futures = parse_ranges_as_exprs(pieces, &futures, edition);
    let parsed_handlers = parse_ranges_as_exprs(pieces, &handlers, edition);
    match (parsed_futures, parsed_handlers) {
        (Some(futures), Some(handlers)) => MacroBody::Select { futures, handlers },
        _ => MacroBody::Opaque,
    }
}

/// Where a piece to parse starts and ends in the file.
type PieceRange = (TextSize, TextSize);

/// A select's futures and handlers, as ranges of the file.
fn select_ranges(pieces: &[Piece]) -> (Vec<PieceRange>, Vec<PieceRange>) {
    let mut futures = Vec::new();
    let mut handlers = Vec::new();
    let mut index = 0;
    while index < pieces.len() {
        // `biased;` and `complete =>` / `default =>` / `else =>` arms.
        let Some(arrow) = find_fat_arrow(pieces, index) else { break };
        let head = &pieces[index..arrow];
        if let Some(eq) = find_lone_eq(head) {
            let future_part = &head[eq + 1..];
            let future_end = future_part
                .iter()
                .position(|piece| piece.kind() == SyntaxKind::COMMA)
                .unwrap_or(future_part.len());
            if future_end > 0 {
                futures.push((future_part[0].start(), future_part[future_end - 1].end()));
            }
        }
        // The handler: a block (optionally followed by a comma) or an expression up to a comma.
        let handler_start = arrow + 2;
        if handler_start >= pieces.len() {
            break;
        }
        let handler_end = if pieces[handler_start].kind() == SyntaxKind::TOKEN_TREE {
            handler_start + 1
        } else {
            pieces[handler_start..]
                .iter()
                .position(|piece| piece.kind() == SyntaxKind::COMMA)
                .map_or(pieces.len(), |offset| handler_start + offset)
        };
        handlers.push((pieces[handler_start].start(), pieces[handler_end - 1].end()));
        index = handler_end;
        while index < pieces.len() && pieces[index].kind() == SyntaxKind::COMMA {
            index += 1;
        }
    }
    (futures, handlers)
}

/// The index of the `=` of the next `=>` at or after `from` (the two are separate tokens).
fn find_fat_arrow(pieces: &[Piece], from: usize) -> Option<usize> {
    (from..pieces.len().saturating_sub(1)).find(|&at| {
        pieces[at].kind() == SyntaxKind::EQ
            && pieces[at + 1].kind() == SyntaxKind::R_ANGLE
            && pieces[at].end() == pieces[at + 1].start()
    })
}

/// The `=` between a select branch's pattern and its future: not part of `==`, `<=`, `!=`…
fn find_lone_eq(pieces: &[Piece]) -> Option<usize> {
    (0..pieces.len()).find(|&at| {
        let glued_before = at > 0
            && pieces[at - 1].end() == pieces[at].start()
            && matches!(
                pieces[at - 1].kind(),
                SyntaxKind::EQ | SyntaxKind::BANG | SyntaxKind::L_ANGLE | SyntaxKind::R_ANGLE
            );
        let glued_after = at + 1 < pieces.len()
            && pieces[at].end() == pieces[at + 1].start()
            && matches!(pieces[at + 1].kind(), SyntaxKind::EQ | SyntaxKind::R_ANGLE);
        pieces[at].kind() == SyntaxKind::EQ && !glued_before && !glued_after
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::SourceFile;

    fn first_macro(text: &str) -> (String, MacroBody) {
        let parse = SourceFile::parse(text, Edition::Edition2021);
        let call = parse.tree().syntax().descendants().find_map(ast::MacroCall::cast).unwrap();
        let body = read_macro(&call, Edition::Edition2021);
        (text.to_owned(), body)
    }

    fn texts(exprs: &[ast::Expr], source: &str) -> Vec<String> {
        exprs
            .iter()
            .map(|expr| {
                let range = expr.syntax().text_range();
                // Offsets must point at the same text in the real file.
                assert_eq!(&source[range], expr.syntax().text().to_string());
                expr.syntax().text().to_string()
            })
            .collect()
    }

    #[test]
    fn expression_macros_keep_offsets() {
        let (source, body) =
            first_macro("fn f() {\n    println!(\"{}\", m.lock().unwrap().len());\n}");
        let MacroBody::Exprs { exprs, awaits } = body else { panic!("not read") };
        assert!(!awaits);
        assert_eq!(texts(&exprs, &source), ["\"{}\"", "m.lock().unwrap().len()"]);
    }

    #[test]
    fn join_awaits() {
        let (_, body) = first_macro("fn f() { tokio::join!(a(), b()); }");
        assert!(matches!(body, MacroBody::Exprs { awaits: true, .. }));
    }

    #[test]
    fn select_branches() {
        let (source, body) = first_macro(
            "async fn f() { tokio::select! { biased; v = rx.recv(), if a == b => { h(v).await }, _ = sleep(d) => g(), else => () } }",
        );
        let MacroBody::Select { futures, handlers } = body else { panic!("not read") };
        assert_eq!(texts(&futures, &source), ["rx.recv()", "sleep(d)"]);
        assert_eq!(texts(&handlers, &source), ["{ h(v).await }", "g()", "()"]);
    }

    /// What a body says, as texts at their offsets, to compare two readings.
    fn describe(body: &MacroBody, source: &str) -> String {
        let list = |exprs: &[ast::Expr]| {
            exprs
                .iter()
                .map(|expr| {
                    let range = expr.syntax().text_range();
                    format!("{}@{:?}", &source[range], range)
                })
                .collect::<Vec<_>>()
                .join(" | ")
        };
        match body {
            MacroBody::Exprs { exprs, awaits } => format!("exprs({awaits}) {}", list(exprs)),
            MacroBody::Select { futures, handlers } => {
                format!("select {} => {}", list(futures), list(handlers))
            }
            MacroBody::Opaque => "opaque".to_owned(),
        }
    }

    #[test]
    fn reading_a_file_s_macros_together_reads_each_as_alone() {
        let source = r#"m!(a);
async fn f(m: &std::sync::Mutex<u8>) {
    println!("{} {x}", m.lock().unwrap(), x = 1);
    tracing::info!(target: "t", "no {}", y);
    assert_eq!(vec![1, 2], vec![a(b, c), d], "msg {}", format!("{}", e));
    tokio::select! { biased; v = rx.recv(), if a == b => { h(v).await }, _ = sleep(d) => g(), else => () }
    quote! { #x => ## };
    tokio::join!(a(), b(inner!(c, d)));
    let _ = m!();
    html! { <div class="x"> { y } </div> };
    z!(a,);
    w![1; 3];
    if let Some(x) = y { debug!("{x:?}") } else { futures::select_biased! { _ = a => {} } }
}
fn g() -> u8 { n!(1 + ) }
"#;
        let parse = SourceFile::parse(source, Edition::Edition2021);
        let root = parse.tree().syntax().clone();
        let mut reader = MacroReader::new(Edition::Edition2021, root.clone());
        let calls: Vec<ast::MacroCall> =
            root.descendants().filter_map(ast::MacroCall::cast).collect();
        assert!(calls.len() >= 14);
        for call in &calls {
            assert_read_as_alone(&mut reader, call, source);
        }
        // They were read together, not each on its own.
        let together = reader.read.as_ref().expect("read");
        let readable = together.values().filter(|body| !matches!(body, MacroBody::Opaque)).count();
        assert_eq!(readable, 8, "println, assert_eq, both selects, join, m!(), z!, debug!");
        // Macros inside a macro's pieces are read from the tree that read made...
        let inner = first_macro_inside(&mut reader, &calls[3]);
        assert_read_as_alone(&mut reader, &inner, source);
        // ... all of that tree's macros in one parse, as the file's were.
        let [(_, nested)] = reader.nested.iter().collect::<Vec<_>>()[..] else {
            panic!("one tree's macros read together")
        };
        assert!(nested.contains_key(&inner.syntax().text_range()));
        let join =
            calls.iter().find(|call| call.syntax().text().to_string().starts_with("tokio::join"));
        let in_join = first_macro_inside(&mut reader, join.expect("join!"));
        assert_read_as_alone(&mut reader, &in_join, source);
        assert_eq!(reader.nested.len(), 1, "the second inner macro was read with the first");
    }

    /// `reader` reads `call` as `read_macro` reads it alone.
    fn assert_read_as_alone(reader: &mut MacroReader, call: &ast::MacroCall, source: &str) {
        let together = describe(&reader.read(call), source);
        let alone = describe(&read_macro(call, Edition::Edition2021), source);
        assert_eq!(together, alone, "{}", call.syntax());
    }

    /// The first macro call among the pieces `reader` reads `call` as.
    fn first_macro_inside(reader: &mut MacroReader, call: &ast::MacroCall) -> ast::MacroCall {
        let MacroBody::Exprs { exprs, .. } = reader.read(call) else {
            panic!("not read: {}", call.syntax())
        };
        let inner =
            exprs.iter().flat_map(|e| e.syntax().descendants()).find_map(ast::MacroCall::cast);
        inner.unwrap_or_else(|| panic!("no macro inside {}", call.syntax()))
    }

    #[test]
    fn unreadable_macros_are_opaque() {
        let (_, body) = first_macro("fn f() { quote! { #x => ## } }");
        assert!(matches!(body, MacroBody::Opaque));
    }
}
