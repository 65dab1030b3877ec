//! rustc's JSON diagnostics (`check --message-format=json`), so editors and cargo-based tools
//! take guardfix's findings as they take the compiler's and clippy's.
//!
//! One object per finding, the one cargo's `compiler-message` carries (`json-cargo` wraps it
//! as cargo does, with the package and target):
//!
//! ```text
//! message   the title                        level     "warning"
//! code      {"code": "guardfix::guard_held_across_await", "explanation": null}
//! spans     the acquisition (primary, "guard acquired here"), each await, the release
//! children  a note (why it is held); one help per fix, one span per edit carrying
//!           `suggested_replacement` and `suggestion_applicability`; else a plain help
//! rendered  the human diagnostic, without colour
//! ```
//!
//! Paths are relative to the workspace root; lines and columns are 1-based, columns in code
//! points, as rustc counts them. rust-analyzer turns each help with replacements into a quick
//! fix, and `rustfix` (what `cargo fix` uses) applies the MachineApplicable ones: applying them
//! all gives what `guardfix fix` writes (`fix_edits` splits the fixed file per finding).

use serde_json::{Value, json};

use super::fix_edits::Replacement;
use super::human::{self, HumanStyle};
use super::line_index::LineIndex;
use crate::finding::{Finding, Span};

/// How sure a suggestion is, in rustc's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    /// What `guardfix fix` writes by default.
    MachineApplicable,
    /// Only with `--unsafe-fixes` (relock, helper, a switch guardfix could not verify).
    MaybeIncorrect,
}

impl Applicability {
    fn name(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
        }
    }
}

/// One fix for a finding: what it does, and its edits as byte ranges of the file.
pub struct Suggestion {
    pub message: String,
    /// The transforms behind it (`scope`, `drop`…), for titles.
    pub strategies: Vec<&'static str>,
    pub applicability: Applicability,
    pub replacements: Vec<Replacement>,
}

/// The lint code a finding carries: `guardfix::` and its kind in snake case.
pub fn code(finding: &Finding) -> String {
    format!("guardfix::{}", finding.kind.code().replace('-', "_"))
}

/// The diagnostic for one finding of the file at `file_name` (relative to the workspace root).
pub fn diagnostic(
    file_name: &str,
    text: &str,
    lines: &LineIndex,
    finding: &Finding,
    suggestions: &[Suggestion],
) -> Value {
    let span = |span: Span, primary: bool, label: Option<&str>| {
        span_json(file_name, text, lines, span, primary, label, None)
    };
    let mut spans = match finding.held_since {
        Some(first) => vec![
            span(finding.acquire, true, Some("takes the lock again: never granted")),
            span(first, false, Some("taken first here, and its guard is still alive")),
        ],
        None => vec![span(finding.acquire, true, Some("guard acquired here"))],
    };
    for &at in &finding.awaits {
        spans.push(span(at, false, Some("held across this await")));
    }
    if let Some(at) = finding.released_at {
        spans.push(span(at, false, Some("released here")));
    }
    let mut children = vec![child("note", human::note(finding.held_because), Vec::new())];
    for suggestion in suggestions {
        let edits = suggestion
            .replacements
            .iter()
            .map(|replacement| {
                let old = Span::new(replacement.old.start as u32, replacement.old.end as u32);
                let edit = (replacement.new.as_str(), suggestion.applicability);
                span_json(file_name, text, lines, old, true, None, Some(edit))
            })
            .collect();
        children.push(child("help", &suggestion.message, edits));
    }
    if suggestions.is_empty() {
        children.push(child("help", &human::help(finding), Vec::new()));
    }
    let rendered =
        human::render_finding(file_name, text, lines, finding, HumanStyle { color: false });
    json!({
        "$message_type": "diagnostic",
        "message": human::title(finding),
        "code": { "code": code(finding), "explanation": null },
        "level": "warning",
        "spans": spans,
        "children": children,
        "rendered": format!("{rendered}\n\n"),
    })
}

/// A diagnostic as cargo prints it under `--message-format=json`: with the package and target.
pub fn compiler_message(
    diagnostic: Value,
    package_id: &str,
    manifest_path: Option<&str>,
    target: Value,
) -> Value {
    json!({
        "reason": "compiler-message",
        "package_id": package_id,
        "manifest_path": manifest_path,
        "target": target,
        "message": diagnostic,
    })
}

fn child(level: &str, message: &str, spans: Vec<Value>) -> Value {
    json!({
        "message": message,
        "code": null,
        "level": level,
        "spans": spans,
        "children": [],
        "rendered": null,
    })
}

/// A rustc span: offsets, 1-based lines and columns, and the text of each line it covers with
/// the highlighted columns.
fn span_json(
    file_name: &str,
    text: &str,
    lines: &LineIndex,
    span: Span,
    primary: bool,
    label: Option<&str>,
    replacement: Option<(&str, Applicability)>,
) -> Value {
    let (line_start, column_start) = lines.line_col(span.start);
    let (line_end, column_end) = lines.line_col(span.end);
    let range = super::clamp_span(text, span);
    let first_line_start = text[..range.start].rfind('\n').map_or(0, |at| at + 1);
    let last_line_end = text[range.end..].find('\n').map_or(text.len(), |at| range.end + at);
    let covered = &text[first_line_start..last_line_end];
    let line_count = covered.split('\n').count();
    let line_texts: Vec<Value> = covered
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let start = if i == 0 { column_start } else { 1 };
            let end =
                if i + 1 == line_count { column_end } else { line.chars().count() as u32 + 1 };
            json!({ "text": line, "highlight_start": start, "highlight_end": end })
        })
        .collect();
    json!({
        "file_name": file_name,
        "byte_start": span.start,
        "byte_end": span.end,
        "line_start": line_start,
        "line_end": line_end,
        "column_start": column_start,
        "column_end": column_end,
        "is_primary": primary,
        "text": line_texts,
        "label": label,
        "suggested_replacement": replacement.map(|(new, _)| new),
        "suggestion_applicability": replacement.map(|(_, applicability)| applicability.name()),
        "expansion": null,
    })
}
