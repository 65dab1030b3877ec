//! Edits: a fix is data (text edits + applicability), applied by one shared engine.
//!
//! As in ruff and rustfix, transforms never write: they return a `Fix`. The engine in
//! `fix_file` applies one fix at a time, re-parses and re-analyses the result, and keeps the fix
//! only if the file still parses as well as before, the finding is gone and nothing new
//! appeared. It repeats until nothing changes, so several findings in one fn compose and a
//! second run finds nothing left to do.

pub mod engine;

use crate::finding::{Span, Strategy};

/// How sure a fix is to keep the program's meaning, as in rustfix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Applicability {
    /// Keeps the meaning; applied by default.
    MachineApplicable,
    /// Compiles, but may change what the program does (evaluation order, a clone): applied
    /// only with `--unsafe-fixes`.
    MaybeIncorrect,
}

/// Replace `range` of the text with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub range: Span,
    pub replacement: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub strategy: Strategy,
    pub applicability: Applicability,
    pub edits: Vec<TextEdit>,
}

/// Applies non-overlapping edits; `None` when two edits overlap or one is out of range.
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> Option<String> {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut result = String::with_capacity(text.len() + 64);
    let mut cursor = 0usize;
    for edit in sorted {
        let start = edit.range.start as usize;
        let end = edit.range.end as usize;
        if start < cursor
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            return None;
        }
        result.push_str(&text[cursor..start]);
        result.push_str(&edit.replacement);
        cursor = end;
    }
    result.push_str(&text[cursor..]);
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_edits_are_refused() {
        let edit = |start, end, text: &str| TextEdit {
            range: Span::new(start, end),
            replacement: text.into(),
        };
        assert_eq!(
            apply_edits("abcdef", &[edit(4, 5, "E"), edit(0, 1, "A")]).as_deref(),
            Some("AbcdEf")
        );
        assert_eq!(apply_edits("abcdef", &[edit(0, 3, "x"), edit(2, 4, "y")]), None);
        assert_eq!(apply_edits("abc", &[edit(2, 9, "x")]), None);
    }
}
