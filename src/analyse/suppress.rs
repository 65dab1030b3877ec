//! Suppressions: `#[allow]`/`#[expect]` of clippy's lints, wherever they are written.
//!
//! Clippy honours `#[allow(clippy::await_holding_lock)]` only on the outermost item of the
//! async body; guardfix honours it on any ancestor of the guard's acquisition or of the
//! await: the statement, block, expression, fn, impl, module or file (`#![allow(…)]`).
//!
//! The configuration's `allow = [{ path = "…", fn = "name" }]` silences by fn name instead
//! (`in_allowed_fn`): any fn around the node named `name`, or for `Type::name` a method of that
//! name in an `impl` of `Type`.

use ra_ap_syntax::{AstNode, SyntaxNode, TextRange, ast, ast::HasName};

use crate::finding::FindingKind;

/// The clippy lint that covers a finding kind.
pub fn lint_name(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::RefcellBorrowHeldAcrossAwait => "await_holding_refcell_ref",
        FindingKind::GuardHeldAcrossAwait
        | FindingKind::AsyncGuardHeldAcrossAwait
        | FindingKind::DroppedButNotSend
        // clippy has no lint for it; its own allow is the configuration's `allow`.
        | FindingKind::LockTakenWhileHeld
        | FindingKind::LockOrderInversion => "await_holding_lock",
    }
}

/// Whether the node covering `range` sits under an allow/expect of `lint`.
pub fn is_suppressed(root: &SyntaxNode, range: TextRange, lint: &str) -> bool {
    covering_node(root, range)
        .is_some_and(|start| start.ancestors().any(|node| attrs_allow(&node, lint)))
}

/// Whether the node covering `range` sits in a fn that `names` lists (`name` or `Type::name`).
pub fn in_allowed_fn(root: &SyntaxNode, range: TextRange, names: &[String]) -> bool {
    if names.is_empty() {
        return false;
    }
    let Some(start) = covering_node(root, range) else { return false };
    start.ancestors().filter_map(ast::Fn::cast).any(|function| {
        let Some(name) = function.name() else { return false };
        let name = name.text().to_string();
        let owner = super::index::enclosing_impl_self_type(function.syntax()).flatten();
        names.iter().any(|allowed| match allowed.rsplit_once("::") {
            Some((ty, method)) => method == name && owner.as_deref() == Some(ty),
            None => *allowed == name,
        })
    })
}

fn covering_node(root: &SyntaxNode, range: TextRange) -> Option<SyntaxNode> {
    if range.end() > root.text_range().end() {
        return None;
    }
    match root.covering_element(range) {
        ra_ap_syntax::NodeOrToken::Node(node) => Some(node),
        ra_ap_syntax::NodeOrToken::Token(token) => token.parent(),
    }
}

fn attrs_allow(node: &SyntaxNode, lint: &str) -> bool {
    if !ast::AnyHasAttrs::can_cast(node.kind()) {
        return false;
    }
    // Attributes come before a node's other children: stop at the first that is not one, so a
    // file (or impl) with thousands of items is not scanned once per finding.
    node.children()
        .take_while(|child| ast::Attr::can_cast(child.kind()))
        .filter_map(ast::Attr::cast)
        .any(|attr| attr_allows(&attr, lint))
}

fn attr_allows(attr: &ast::Attr, lint: &str) -> bool {
    let Some((name, tokens)) = attr.as_simple_call() else { return false };
    if !matches!(name.as_str(), "allow" | "expect") {
        return false;
    }
    let text: String =
        crate::parse::tree_text(tokens.syntax()).chars().filter(|c| !c.is_whitespace()).collect();
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

    fn allowed_at(text: &str, needle: &str, names: &[&str]) -> bool {
        let tree = SourceFile::parse(text, Edition::Edition2021).tree();
        let start = text.find(needle).unwrap() as u32;
        let range = TextRange::at(TextSize::from(start), TextSize::from(needle.len() as u32));
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        in_allowed_fn(tree.syntax(), range, &names)
    }

    #[test]
    fn allowed_fns_by_name_and_by_method() {
        let text = "async fn run() { a.lock(); }\nimpl S { async fn go(&self) { b.lock(); } }\nimpl T { async fn go(&self) { c.lock(); } }";
        assert!(allowed_at(text, "a.lock()", &["run"]));
        assert!(!allowed_at(text, "a.lock()", &["walk"]));
        assert!(allowed_at(text, "b.lock()", &["S::go"]));
        assert!(!allowed_at(text, "c.lock()", &["S::go"]));
        assert!(allowed_at(text, "c.lock()", &["go"]));
        assert!(!allowed_at(text, "a.lock()", &[]));
    }
}
