//! A file's declarations without its fn bodies, for the crate index of files nobody analyses.
//!
//! The index needs a declaring file's structs, aliases, statics and fn signatures; most of the
//! file's text is fn bodies, and building their syntax trees is most of what parsing costs.
//! [`without_fn_bodies`] blanks those bodies out *before* parsing: every byte between a body's
//! braces becomes a space (newlines stay), so the parse is cheap and every offset and line of
//! what remains is the file's own.
//!
//! ```text
//! impl Store {                          impl Store {
//!     pub fn get(&self) -> Guard<'_> {      pub fn get(&self) -> Guard<'_> {
//!         let x = compute();         →
//!         self.state.lock().unwrap()
//!     }                                     }
//! }                                     }
//! ```
//!
//! A body is kept when it may declare something itself (an item keyword among its tokens:
//! `struct`, `use`, `static`, a nested `fn` …): nothing the index reads is ever blanked. The
//! caller decides whether the file's bodies matter at all (they do where a fn may lock a field
//! of `self` or a static: see `prefilter::may_take_crate_locks`).

use ra_ap_parser::LexedStr;
use ra_ap_syntax::{Edition, SyntaxKind, SyntaxKind::*};

/// `text` with the fn bodies that declare nothing blanked out, or `None` when there is none
/// (or the text does not lex cleanly: then the caller parses it as it is).
pub fn without_fn_bodies(text: &str, edition: Edition) -> Option<String> {
    let lexed = LexedStr::new(edition, text);
    if lexed.errors().next().is_some() {
        return None;
    }
    let tokens: Vec<(SyntaxKind, usize)> = (0..lexed.len())
        .filter(|&i| !lexed.kind(i).is_trivia())
        .map(|i| (lexed.kind(i), lexed.text_start(i)))
        .collect();
    let mut blanked: Option<Vec<u8>> = None;
    let mut at = 0;
    while at < tokens.len() {
        if tokens[at].0 != FN_KW || tokens.get(at + 1).is_none_or(|next| next.0 != IDENT) {
            at += 1;
            continue;
        }
        let Some(open) = body_start(&tokens, at + 2) else {
            at += 1;
            continue;
        };
        let close = matching_close(&tokens, open)?;
        if tokens[open + 1..close].iter().any(|&(kind, _)| declares_an_item(kind)) {
            // Looked into: its own nested fns may still be blanked.
            at = open + 1;
            continue;
        }
        let (from, to) = (tokens[open].1 + 1, tokens[close].1);
        if to > from {
            let bytes = blanked.get_or_insert_with(|| text.as_bytes().to_vec());
            for byte in &mut bytes[from..to] {
                if *byte != b'\n' {
                    *byte = b' ';
                }
            }
        }
        at = close + 1;
    }
    // Only ASCII bytes were written, over whole characters: still UTF-8.
    blanked.map(|bytes| String::from_utf8(bytes).expect("blanking keeps UTF-8"))
}

/// The `{` opening the body of the fn whose signature starts at token `from`: the first one
/// outside parentheses and brackets, unless a `;` ends the signature first (no body).
fn body_start(tokens: &[(SyntaxKind, usize)], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (at, &(kind, _)) in tokens.iter().enumerate().skip(from) {
        match kind {
            L_PAREN | L_BRACK => depth += 1,
            R_PAREN | R_BRACK => depth = depth.checked_sub(1)?,
            L_CURLY if depth == 0 => return Some(at),
            SEMICOLON if depth == 0 => return None,
            // Braces inside parentheses or brackets (`[u8; { N }]`) are not the body.
            _ => {}
        }
    }
    None
}

/// The `}` that closes the `{` at `open`.
fn matching_close(tokens: &[(SyntaxKind, usize)], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (at, &(kind, _)) in tokens.iter().enumerate().skip(open) {
        match kind {
            L_CURLY => depth += 1,
            R_CURLY => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

/// Keywords that begin an item the index or the imports read (`union` and `macro_rules` are
/// contextual: their items declare nothing the index reads).
fn declares_an_item(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        FN_KW
            | STRUCT_KW
            | ENUM_KW
            | TYPE_KW
            | STATIC_KW
            | CONST_KW
            | USE_KW
            | IMPL_KW
            | TRAIT_KW
            | MOD_KW
            | EXTERN_KW
            | MACRO_KW
    )
}

/// Whether `text` (a fn body's) may declare an item, by its words: one of the keywords
/// `declares_an_item` looks for, anywhere (in a string or a comment too: then the answer is
/// only less useful). A body without any declares nothing.
pub fn may_declare_an_item(text: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "fn", "struct", "enum", "type", "static", "const", "use", "impl", "trait", "mod", "extern",
        "macro",
    ];
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.split(|c: char| !is_word(c)).any(|word| KEYWORDS.contains(&word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(text: &str) -> String {
        without_fn_bodies(text, Edition::Edition2021).unwrap_or_else(|| text.to_owned())
    }

    #[test]
    fn bodies_become_spaces_and_keep_their_lines() {
        let text = "impl S {\n    fn get(&self) -> Guard<'_> {\n        self.m.lock().unwrap() // é\n    }\n}\n";
        let blanked = blank(text);
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked.lines().count(), text.lines().count());
        assert!(!blanked.contains("lock"), "{blanked}");
        assert!(blanked.contains("fn get(&self) -> Guard<'_> {"), "{blanked}");
        let parse = ra_ap_syntax::SourceFile::parse(&blanked, Edition::Edition2021);
        assert!(parse.errors().is_empty(), "{:?}", parse.errors());
    }

    #[test]
    fn bodies_that_declare_items_are_kept_but_their_nested_fns_are_not() {
        let text = "fn outer() {\n    static S: Mutex<u8> = Mutex::new(0);\n    fn inner() { work() }\n}\n";
        let blanked = blank(text);
        assert!(blanked.contains("static S: Mutex<u8> = Mutex::new(0);"), "{blanked}");
        assert!(!blanked.contains("work"), "{blanked}");
        let used = "fn f() {\n    use std::sync::Mutex;\n    let m = Mutex::new(0);\n}\n";
        assert_eq!(blank(used), used);
    }

    #[test]
    fn signatures_without_bodies_and_fn_pointer_types_are_left_alone() {
        let text = "trait T { fn f(&self) -> u8; fn g(&self) { x() } }\ntype F = fn(u8) -> u8;\nstruct S { f: fn() }\n";
        let blanked = blank(text);
        assert!(blanked.contains("fn f(&self) -> u8;"), "{blanked}");
        assert!(!blanked.contains("x()"), "{blanked}");
        assert!(blanked.contains("type F = fn(u8) -> u8;"), "{blanked}");
        assert!(blanked.contains("struct S { f: fn() }"), "{blanked}");
    }

    #[test]
    fn braces_in_strings_comments_and_signatures_do_not_confuse_it() {
        let text =
            "fn a(x: [u8; { N }]) -> &'static str { \"}\" /* { */ }\nfn b() -> u8 { '{' as u8 }\n";
        let blanked = blank(text);
        assert!(blanked.starts_with("fn a(x: [u8; { N }]) -> &'static str {"), "{blanked}");
        assert!(!blanked.contains('"') && !blanked.contains("/*"), "{blanked}");
        assert!(blanked.contains("fn b() -> u8 {") && !blanked.contains("as u8"), "{blanked}");
    }

    #[test]
    fn text_that_does_not_lex_is_left_to_the_parser() {
        assert_eq!(without_fn_bodies("fn a() { \"unterminated }", Edition::Edition2021), None);
        assert_eq!(without_fn_bodies("fn a() { {  }", Edition::Edition2021), None);
        assert_eq!(without_fn_bodies("struct S;", Edition::Edition2021), None);
    }
}
