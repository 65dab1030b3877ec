//! The machine format: one JSON object per line (NDJSON), like cargo's `--message-format=json`.
//!
//! The schema is stable; add fields rather than change them. Every line has a `type`:
//!
//! ```text
//! {"type":"finding","file":"src/lib.rs","edition":"2021","kind":"guard-held-across-await",
//!  "lock":"std::sync::Mutex","acquire_method":"lock","binding":"g"|null,
//!  "acquire":SPAN,"awaits":[SPAN,…],"released_at":SPAN|null,"held_because":"named-binding",
//!  "used_after_await":false,"context":SPAN,"suggested_strategy":"scope"|null}
//! {"type":"error","file":"src/x.rs","message":"…"}
//! {"type":"summary","findings":3,"files_scanned":10,"files_with_errors":1}
//!
//! SPAN = {"byte_start":0,"byte_end":8,"line_start":1,"column_start":1,
//!         "line_end":1,"column_end":9,"text":"m.lock()"}
//! ```
//!
//! - `kind`: `guard-held-across-await`, `refcell-borrow-held-across-await`,
//!   `async-guard-held-across-await`, `dropped-but-not-send` or (unless `--no-deadlocks`)
//!   `lock-taken-while-held`, whose `acquire` is where the lock is taken again (directly or by
//!   a call) and which adds `"held_since":SPAN`, where the guard still alive took it first
//!   (`awaits` is empty).
//! - `held_because`: `named-binding`, `not-dropped-on-every-path`, `held-across-loop-iteration`,
//!   `statement-temporary`, `lifetime-extended-temporary`, `match-scrutinee`, `if-let-scrutinee`,
//!   `while-let-scrutinee`, `for-iterator`, `tail-expression-temporary`, `async-fn-parameter`,
//!   `captured-by-async-block`, `dropped-after-borrow` or `unmatched-scrutinee` (edition ≤ 2021: an
//!   `if let` scrutinee's unmatched value alive in `else`; no lock held, the future not `Send`).
//! - `suggested_strategy`: `scope`, `drop`, `helper`, `async-mutex`, or `null` when no automatic
//!   fix applies.
//! - Spans: byte offsets are a half-open range into the file as read from disk. Lines and columns
//!   are 1-based, columns count chars (not bytes), and the end column is exclusive, all as in
//!   rustc's JSON diagnostics. `text` is the spanned source, cut to its first 200 chars.
//! - Keys within an object come out in alphabetical order; rely on names, not positions.

use serde_json::{Value, json};

use super::clamp_span;
use super::line_index::LineIndex;
use crate::finding::{Finding, Span};

/// Longest `text` a span carries: enough to recognise the code, short enough that a span
/// covering a whole fn does not copy the fn into every line of output.
const MAX_SPAN_TEXT_CHARS: usize = 200;

/// `lines` is `text`'s line index, built once per file: a file with thousands of findings
/// must not be scanned once per finding.
pub fn finding_json(
    path_for_display: &str,
    edition: &str,
    text: &str,
    lines: &LineIndex,
    finding: &Finding,
) -> Value {
    let span = |span: Span| span_json(lines, text, span);
    let mut record = json!({
        "type": "finding",
        "file": path_for_display,
        "edition": edition,
        "kind": finding.kind,
        "lock": finding.lock,
        "acquire_method": finding.acquire_method,
        "binding": finding.binding,
        "acquire": span(finding.acquire),
        "awaits": finding.awaits.iter().map(|&s| span(s)).collect::<Vec<_>>(),
        "released_at": finding.released_at.map(span),
        "held_because": finding.held_because,
        "used_after_await": finding.used_after_await,
        "context": span(finding.context),
        "suggested_strategy": finding.suggested,
    });
    // Added for `lock-taken-while-held` only, so other findings' lines stay as they were.
    if let Some(first) = finding.held_since {
        record["held_since"] = span(first);
    }
    record
}

pub fn error_json(path_for_display: &str, message: &str) -> Value {
    json!({ "type": "error", "file": path_for_display, "message": message })
}

pub fn summary_json(findings: usize, files_scanned: usize, files_with_errors: usize) -> Value {
    json!({
        "type": "summary",
        "findings": findings,
        "files_scanned": files_scanned,
        "files_with_errors": files_with_errors,
    })
}

/// Byte offsets are reported as the analysis produced them; only `text` needs a sliceable range.
fn span_json(index: &LineIndex, text: &str, span: Span) -> Value {
    let (line_start, column_start) = index.line_col(span.start);
    let (line_end, column_end) = index.line_col(span.end);
    let spanned: String = text[clamp_span(text, span)].chars().take(MAX_SPAN_TEXT_CHARS).collect();
    json!({
        "byte_start": span.start,
        "byte_end": span.end,
        "line_start": line_start,
        "column_start": column_start,
        "line_end": line_end,
        "column_end": column_end,
        "text": spanned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{FindingKind, HeldBecause, Strategy};

    const TEXT: &str = "async fn f() {\n    let g = m.lock();\n    x.await;\n}\n";

    fn span_of(needle: &str) -> Span {
        let start = TEXT.find(needle).expect("needle in fixture");
        Span::new(start as u32, (start + needle.len()) as u32)
    }

    fn finding() -> Finding {
        Finding {
            kind: FindingKind::GuardHeldAcrossAwait,
            lock: "std::sync::Mutex".to_owned(),
            acquire_method: "lock".to_owned(),
            binding: Some("g".to_owned()),
            acquire: span_of("m.lock()"),
            held_since: None,
            awaits: vec![span_of("x.await")],
            released_at: Some(span_of("}\n")),
            held_because: HeldBecause::NamedBinding,
            context: Span::new(0, TEXT.len() as u32 - 1),
            used_after_await: false,
            suggested: Some(Strategy::Scope),
            borrowed: false,
            in_macro: false,
            planned: None,
        }
    }

    #[test]
    fn finding_line() {
        let line =
            finding_json("src/lib.rs", "2021", TEXT, &LineIndex::new(TEXT), &finding()).to_string();
        insta::assert_snapshot!(line, @r#"{"acquire":{"byte_end":35,"byte_start":27,"column_end":21,"column_start":13,"line_end":2,"line_start":2,"text":"m.lock()"},"acquire_method":"lock","awaits":[{"byte_end":48,"byte_start":41,"column_end":12,"column_start":5,"line_end":3,"line_start":3,"text":"x.await"}],"binding":"g","context":{"byte_end":51,"byte_start":0,"column_end":2,"column_start":1,"line_end":4,"line_start":1,"text":"async fn f() {\n    let g = m.lock();\n    x.await;\n}"},"edition":"2021","file":"src/lib.rs","held_because":"named-binding","kind":"guard-held-across-await","lock":"std::sync::Mutex","released_at":{"byte_end":52,"byte_start":50,"column_end":1,"column_start":1,"line_end":5,"line_start":4,"text":"}\n"},"suggested_strategy":"scope","type":"finding","used_after_await":false}"#);
    }

    #[test]
    fn absent_values_are_null() {
        let mut f = finding();
        f.binding = None;
        f.released_at = None;
        f.suggested = None;
        let value = finding_json("a.rs", "2024", TEXT, &LineIndex::new(TEXT), &f);
        assert_eq!(value["binding"], Value::Null);
        assert_eq!(value["released_at"], Value::Null);
        assert_eq!(value["suggested_strategy"], Value::Null);
    }

    #[test]
    fn enum_names_are_the_serde_kebab_case_ones() {
        let mut f = finding();
        f.kind = FindingKind::RefcellBorrowHeldAcrossAwait;
        f.held_because = HeldBecause::TailExpressionTemporary;
        f.suggested = Some(Strategy::AsyncMutex);
        let value = finding_json("a.rs", "2021", TEXT, &LineIndex::new(TEXT), &f);
        assert_eq!(value["kind"], f.kind.code());
        assert_eq!(value["held_because"], "tail-expression-temporary");
        assert_eq!(value["suggested_strategy"], Strategy::AsyncMutex.name());
    }

    #[test]
    fn columns_count_chars_and_text_is_cut_to_200_chars() {
        let text = format!("let s = \"é{}\";", "x".repeat(300));
        let index = LineIndex::new(&text);
        let span = span_json(&index, &text, Span::new(9, text.len() as u32 - 2));
        assert_eq!(span["column_start"], 10);
        assert_eq!(span["column_end"], 10 + 301);
        let cut = span["text"].as_str().expect("text is a string");
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.starts_with("éxx"));
    }

    #[test]
    fn out_of_range_span_keeps_its_offsets_and_does_not_panic() {
        let index = LineIndex::new("ab");
        let span = span_json(&index, "ab", Span::new(1, 99));
        assert_eq!(span["byte_end"], 99);
        assert_eq!(span["column_end"], 3);
        assert_eq!(span["text"], "b");
    }

    #[test]
    fn error_and_summary_lines() {
        assert_eq!(
            error_json("src/x.rs", "cannot read: permission denied").to_string(),
            r#"{"file":"src/x.rs","message":"cannot read: permission denied","type":"error"}"#
        );
        assert_eq!(
            summary_json(3, 10, 1).to_string(),
            r#"{"files_scanned":10,"files_with_errors":1,"findings":3,"type":"summary"}"#
        );
    }
}
