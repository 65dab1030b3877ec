//! Whether a piece of syntax names a local: the question every transform (and the ownership
//! judgement) asks of the statements around a guard.

use ra_ap_syntax::{NodeOrToken, SyntaxKind, SyntaxNode};

use crate::finding::Span;

/// Whether the node mentions `name`: as an identifier, inside a macro's tokens, or as an
/// inline format argument (`"{name}"`).
pub fn mentions(node: &SyntaxNode, name: &str) -> bool {
    mentions_outside(node, name, &[])
}

/// [`mentions`], not counting mentions inside the `except` spans.
pub fn mentions_outside(node: &SyntaxNode, name: &str, except: &[Span]) -> bool {
    node.descendants_with_tokens().filter_map(NodeOrToken::into_token).any(|token| {
        let at = Span::from(token.text_range());
        if except.iter().any(|span| span.contains(at)) {
            return false;
        }
        match token.kind() {
            SyntaxKind::IDENT => token.text() == name,
            SyntaxKind::STRING => {
                let text = token.text();
                text.contains(&format!("{{{name}}}")) || text.contains(&format!("{{{name}:"))
            }
            _ => false,
        }
    })
}
