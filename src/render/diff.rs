//! Unified diffs of a fix, for `guardfix fix --diff` and for reviewing before writing.
//!
//! ```text
//! --- a/src/lib.rs
//! +++ b/src/lib.rs
//! @@ -1,4 +1,6 @@
//!  async fn f(m: &Mutex<u32>) {
//! -    let g = m.lock().unwrap();
//! -    *g += 1;
//! +    {
//! +        let mut g = m.lock().unwrap();
//! +        *g += 1;
//! +    }
//!      tick().await;
//! ```
//!
//! Without colour the output is a patch that `git apply` and `patch -p1` accept: three lines of
//! context, `\ No newline at end of file` where a side ends without one, and bytes such as `\r`
//! kept as they are. With colour, ANSI codes wrap each line's content but never its newline.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Effects, Style};
use similar::{ChangeTag, DiffOp, TextDiff, udiff::UnifiedHunkHeader};

/// Context lines around each change, as `diff -u` and `git diff` use by default.
const CONTEXT_LINES: usize = 3;

const FILE_HEADER: Style = Style::new().effects(Effects::BOLD);
const HUNK_HEADER: Style = AnsiColor::Cyan.on_default();
const DELETION: Style = AnsiColor::Red.on_default();
const ADDITION: Style = AnsiColor::Green.on_default();

/// The diff from `before` to `after`, or an empty string when they are equal.
pub fn unified_diff(path_for_display: &str, before: &str, after: &str, color: bool) -> String {
    let diff = TextDiff::from_lines(before, after);
    let hunks: Vec<Vec<DiffOp>> = diff
        .grouped_ops(CONTEXT_LINES)
        .into_iter()
        .filter(|ops| ops.iter().any(|op| !matches!(op, DiffOp::Equal { .. })))
        .collect();
    if hunks.is_empty() {
        return String::new();
    }
    let paint = Painter { color };
    let mut out = String::new();
    paint.line(&mut out, FILE_HEADER, &format!("--- a/{path_for_display}"));
    paint.line(&mut out, FILE_HEADER, &format!("+++ b/{path_for_display}"));
    for ops in &hunks {
        paint.line(&mut out, HUNK_HEADER, &UnifiedHunkHeader::new(ops).to_string());
        for change in ops.iter().flat_map(|op| diff.iter_changes(op)) {
            let (sign, style) = match change.tag() {
                ChangeTag::Equal => (' ', Style::new()),
                ChangeTag::Delete => ('-', DELETION),
                ChangeTag::Insert => ('+', ADDITION),
            };
            let value = change.value();
            let content = value.strip_suffix('\n');
            paint.line(&mut out, style, &format!("{sign}{}", content.unwrap_or(value)));
            if content.is_none() {
                // Only the last line of a side can lack its newline; patch tools need the marker
                // to reproduce that exactly.
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// Writes whole lines, styled only when colour is on, so the plain output stays a valid patch.
struct Painter {
    color: bool,
}

impl Painter {
    fn line(&self, out: &mut String, style: Style, content: &str) {
        // Writing to a `String` cannot fail.
        let _ = if self.color && style != Style::new() {
            writeln!(out, "{style}{content}{style:#}")
        } else {
            writeln!(out, "{content}")
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A strict applier for the patches above: checks the headers, every hunk's line counts and
    /// every context and deleted line against `before`, and returns the patched text.
    fn apply(before: &str, patch: &str, path: &str) -> Result<String, String> {
        let mut lines = patch.split_inclusive('\n').peekable();
        if lines.next() != Some(&format!("--- a/{path}\n")) {
            return Err("bad --- header".into());
        }
        if lines.next() != Some(&format!("+++ b/{path}\n")) {
            return Err("bad +++ header".into());
        }
        let old: Vec<&str> = before.split_inclusive('\n').collect();
        let mut out = String::new();
        let mut next_old = 0;
        while let Some(header) = lines.next() {
            let (old_start, old_len, new_len) = parse_hunk_header(header)?;
            // An empty old range names the line before it.
            let old_start = if old_len == 0 { old_start } else { old_start - 1 };
            if old_start < next_old {
                return Err("hunks overlap or go backwards".into());
            }
            out.extend(old[next_old..old_start].iter().copied());
            next_old = old_start;
            let (mut seen_old, mut seen_new) = (0, 0);
            while seen_old < old_len || seen_new < new_len {
                let line = lines.next().ok_or("hunk ends early")?;
                let (sign, mut body) = line.split_at(1);
                let mut body_owned;
                if lines.peek() == Some(&"\\ No newline at end of file\n") {
                    lines.next();
                    body_owned = body.to_owned();
                    body_owned.pop().filter(|&c| c == '\n').ok_or("marker after no newline")?;
                    body = &body_owned;
                }
                if sign != "+" {
                    if old.get(next_old) != Some(&body) {
                        return Err(format!("line {} does not match: {body:?}", next_old + 1));
                    }
                    next_old += 1;
                    seen_old += 1;
                }
                if sign != "-" {
                    out.push_str(body);
                    seen_new += 1;
                }
            }
            if seen_old != old_len || seen_new != new_len {
                return Err("hunk line counts do not match its header".into());
            }
        }
        out.extend(old[next_old..].iter().copied());
        Ok(out)
    }

    fn parse_hunk_header(line: &str) -> Result<(usize, usize, usize), String> {
        let inner = line
            .strip_prefix("@@ -")
            .and_then(|l| l.strip_suffix(" @@\n"))
            .ok_or(format!("bad hunk header {line:?}"))?;
        let (old, new) = inner.split_once(" +").ok_or("bad hunk ranges")?;
        let range = |r: &str| -> Result<(usize, usize), String> {
            let (start, len) = r.split_once(',').unwrap_or((r, "1"));
            Ok((start.parse().map_err(|_| "bad start")?, len.parse().map_err(|_| "bad len")?))
        };
        let ((old_start, old_len), (_, new_len)) = (range(old)?, range(new)?);
        Ok((old_start, old_len, new_len))
    }

    fn round_trips(before: &str, after: &str) {
        let patch = unified_diff("src/lib.rs", before, after, false);
        assert_eq!(apply(before, &patch, "src/lib.rs").as_deref(), Ok(after), "patch:\n{patch}");
    }

    #[test]
    fn small_change() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let after = "a\nb\nc\nd\nE\nf\ng\nh\n";
        insta::assert_snapshot!(unified_diff("src/lib.rs", before, after, false), @r"
        --- a/src/lib.rs
        +++ b/src/lib.rs
        @@ -2,7 +2,7 @@
         b
         c
         d
        -e
        +E
         f
         g
         h
        ");
    }

    #[test]
    fn missing_trailing_newline_is_marked() {
        let patch = unified_diff("a.rs", "x\ny", "x\nz", false);
        assert_eq!(
            patch,
            "--- a/a.rs\n+++ b/a.rs\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n\
             +z\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn adding_the_trailing_newline_is_a_change() {
        assert_eq!(
            unified_diff("a.rs", "x", "x\n", false),
            "--- a/a.rs\n+++ b/a.rs\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n"
        );
    }

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(unified_diff("a.rs", "x\n", "x\n", false), "");
        assert_eq!(unified_diff("a.rs", "", "", false), "");
    }

    #[test]
    fn distant_changes_make_separate_hunks() {
        let before: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let after = before.replace("2\n", "two\n").replace("\n18\n", "\neighteen\n");
        let patch = unified_diff("a.rs", &before, &after, false);
        assert_eq!(patch.matches("\n@@ ").count(), 2, "{patch}");
        round_trips(&before, &after);
    }

    #[test]
    fn patches_apply() {
        round_trips("a\nb\nc\n", "a\nB\nc\n");
        round_trips("a\nb\nc", "a\nb\nc\nd");
        round_trips("a\nb\nc\nd", "a\nc\nd");
        round_trips("", "new\nfile\n");
        round_trips("old\nfile\n", "");
        round_trips("crlf\r\nlines\r\n", "crlf\r\nLINES\r\n");
        round_trips(
            "async fn f() {\n    let g = m.lock().unwrap();\n    *g += 1;\n    tick().await;\n}\n",
            "async fn f() {\n    {\n        let mut g = m.lock().unwrap();\n        *g += 1;\n    \
             }\n    tick().await;\n}\n",
        );
    }

    #[test]
    fn color_wraps_content_but_not_newlines() {
        let patch = unified_diff("a.rs", "x\ny\n", "x\nz\n", true);
        assert_eq!(
            patch,
            "\x1b[1m--- a/a.rs\x1b[0m\n\x1b[1m+++ b/a.rs\x1b[0m\n\x1b[36m@@ -1,2 +1,2 @@\x1b[0m\n \
             x\n\x1b[31m-y\x1b[0m\n\x1b[32m+z\x1b[0m\n"
        );
        let plain = unified_diff("a.rs", "x\ny\n", "x\nz\n", false);
        assert_eq!(anstream::adapter::strip_str(&patch).to_string(), plain);
    }
}
