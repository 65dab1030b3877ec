//! Suppressions: `#[allow]`/`#[expect]` of clippy's lints, wherever they are written.
//!
//! Clippy honours `#[allow(clippy::await_holding_lock)]` only on the outermost item of the
//! async body; guardfix honours it on any ancestor of the guard's acquisition or of the
//! await: the statement, block, expression, fn, impl, module or file (`#![allow(…)]`).

use ra_ap_syntax::{AstNode, SyntaxNode, TextRange, ast, ast::HasAttrs};

use crate::finding::FindingKind;

/// The clippy lint that covers a finding kind.
pub fn lint_name(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::RefcellBorrowHeldAcrossAwait => "await_holding_refcell_ref",
        FindingKind::GuardHeldAcrossAwait
        | FindingKind::AsyncGuardHeldAcrossAwait
        | FindingKind::DroppedButNotSend => "await_holding_lock",
    }
}

/// Whether the node covering `range` sits under an allow/expect of `lint`.
pub fn is_suppressed(root: &SyntaxNode, range: TextRange, lint: &str) -> bool {
    if range.end() > root.text_range().end() {
        return false;
    }
    let element = root.covering_element(range);
    let start = match element {
        ra_ap_syntax::NodeOrToken::Node(node) => node,
        ra_ap_syntax::NodeOrToken::Token(token) => match token.parent() {
            Some(parent) => parent,
            None => return false,
        },
    };
    start.ancestors().any(|node| attrs_allow(&node, lint))
}

fn attrs_allow(node: &SyntaxNode, lint: &str) -> bool {
    let Some(owner) = ast::AnyHasAttrs::cast(node.clone()) else { return false };
    owner.attrs().any(|attr| attr_allows(&attr, lint))
}

fn attr_allows(attr: &ast::Attr, lint: &str) -> bool {
    let Some((name, tokens)) = attr.as_simple_call() else { return false };
    if !matches!(name.as_str(), "allow" | "expect") {
        return false;
    }
    let text: String =
        tokens.syntax().text().to_string().chars().filter(|c| !c.is_whitespace()).collect();
    let wanted = format!("clippy::{lint}");
    text.split([',', '(', ')']).any(|item| item == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{Edition, SourceFile, TextSize};

    fn suppressed_at(text: &str, needle: &str) -> bool {
        let tree = SourceFile::parse(text, Edition::Edition2021).tree();
        let start = text.find(needle).unwrap() as u32;
        let range = TextRange::at(TextSize::from(start), TextSize::from(needle.len() as u32));
        is_suppressed(tree.syntax(), range, "await_holding_lock")
    }

    #[test]
    fn allow_on_statement_fn_and_file() {
        assert!(suppressed_at(
            "async fn f() { #[allow(clippy::await_holding_lock)] let g = m.lock(); }",
            "m.lock()"
        ));
        assert!(suppressed_at(
            "#[expect(unused, clippy::await_holding_lock)] async fn f() { let g = m.lock(); }",
            "m.lock()"
        ));
        assert!(suppressed_at(
            "#![allow(clippy::await_holding_lock)]\nasync fn f() { let g = m.lock(); }",
            "m.lock()"
        ));
        assert!(!suppressed_at(
            "#[allow(clippy::await_holding_refcell_ref)] async fn f() { let g = m.lock(); }",
            "m.lock()"
        ));
        assert!(!suppressed_at("async fn f() { let g = m.lock(); }", "m.lock()"));
    }
}
