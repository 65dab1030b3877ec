//! Turning findings and fixes into output: rustc-style diagnostics for people, NDJSON for tools,
//! rustc's JSON diagnostics for editors and cargo-based tools, SARIF for code scanning, workflow commands for GitHub Actions, unified diffs for `fix`.
//!
//! Every function here is pure (only [`color_choice`] reads the environment): it takes the file's
//! text and returns a `String` or a JSON value, and the CLI decides where it goes. Human
//! renderings carry no trailing newline (the caller separates diagnostics with a blank line, as
//! rustc does); diffs are complete patch text and end in a newline.

pub mod color;
pub mod diff;
pub mod explain;
pub mod fix_edits;
pub mod github;
pub mod human;
pub mod json;
pub mod line_index;
pub mod rustc_json;
pub mod sarif;

pub use color::color_choice;

use std::ops::Range;
use std::path::Path;

use crate::finding::Span;

/// `path` relative to `base` when it is inside it, `/`-separated: how SARIF's runner paths,
/// rustc's file names and baselines name files.
pub fn slash_path(path: &Path, base: Option<&Path>) -> String {
    let shown = base.and_then(|base| path.strip_prefix(base).ok()).unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}

/// `span` as a byte range of `text` that is safe to slice.
///
/// Spans come from the analysis of this very text, but a renderer must not panic on a stale or
/// hand-made one: ends past the text are clamped and ends inside a multi-byte char move back to
/// its start.
fn clamp_span(text: &str, span: Span) -> Range<usize> {
    let end = floor_char_boundary(text, span.end as usize);
    let start = floor_char_boundary(text, span.start as usize).min(end);
    start..end
}

// `str::floor_char_boundary` is still unstable.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_span_keeps_valid_spans() {
        assert_eq!(clamp_span("abcdef", Span::new(1, 3)), 1..3);
    }

    #[test]
    fn clamp_span_clamps_past_the_end_and_inside_chars() {
        assert_eq!(clamp_span("ab", Span::new(1, 9)), 1..2);
        assert_eq!(clamp_span("ab", Span::new(7, 9)), 2..2);
        // `é` occupies bytes 1..3.
        assert_eq!(clamp_span("aéb", Span::new(2, 2)), 1..1);
        assert_eq!(clamp_span("aéb", Span::new(0, 2)), 0..1);
    }

    #[test]
    fn clamp_span_never_inverts() {
        assert_eq!(clamp_span("abc", Span::new(2, 1)), 1..1);
    }
}
