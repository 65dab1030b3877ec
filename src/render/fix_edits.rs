//! What `guardfix fix` would write to a file, split into per-finding edits: the form SARIF's
//! `fixes` and rustc's suggestions (`--message-format=json`) both carry.
//!
//! The engine fixes a whole file to a fixpoint, so a fix is known per file, not per finding. A
//! finding counts as fixed when the fixed text, analysed again, no longer has it. The file's
//! changed lines (a line diff of the original and the fixed text) are split by fn: each
//! replacement goes to the first fixed finding whose enclosing fn (or async block) holds it, so
//! applying every finding's edits gives exactly what `guardfix fix` writes. A finding the
//! engine skipped gets none; a second fixed finding in the same fn shares the first one's.

use similar::{DiffTag, TextDiff};

use crate::edit::engine::Applied;
use crate::finding::{Finding, Span};
use crate::parse::LineEndings;

/// What `guardfix fix` would do to the file.
pub struct FileFix<'a> {
    pub new_text: &'a str,
    pub applied: &'a [Applied],
    /// Per finding: whether the fixed text no longer has it (`driver::findings_gone`).
    pub fixed: &'a [bool],
    /// The file's own line endings, for the inserted text.
    pub line_endings: LineEndings,
}

/// A replacement of the original text's `old` byte range by `new`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    pub old: std::ops::Range<usize>,
    pub new: String,
}

/// The fix each finding's result carries (see the module doc): its replacements and the
/// strategies behind them.
pub struct FindingFix {
    pub replacements: Vec<Replacement>,
    pub strategies: Vec<&'static str>,
}

pub fn fixes_by_finding(
    text: &str,
    findings: &[Finding],
    fix: &FileFix<'_>,
) -> Vec<Option<FindingFix>> {
    let mut owners: Vec<Option<FindingFix>> = findings.iter().map(|_| None).collect();
    let fixed: Vec<usize> =
        (0..findings.len()).filter(|&i| fix.fixed.get(i) == Some(&true)).collect();
    let Some(&first) = fixed.first() else { return owners };
    let empty = || FindingFix { replacements: Vec::new(), strategies: Vec::new() };
    for (position, applied) in match_applied(findings, &fixed, fix.applied) {
        let owner = owner_of(findings, &fixed, findings[position].context).unwrap_or(first);
        let entry = owners[owner].get_or_insert_with(empty);
        let name = applied.strategy.name();
        if !entry.strategies.contains(&name) {
            entry.strategies.push(name);
        }
    }
    for replacement in line_replacements(text, fix.new_text) {
        let span = Span::new(replacement.old.start as u32, replacement.old.end as u32);
        let owner = owner_of(findings, &fixed, span).unwrap_or(first);
        let new = fix.line_endings.restore(&replacement.new);
        owners[owner]
            .get_or_insert_with(empty)
            .replacements
            .push(Replacement { new, ..replacement });
    }
    for owner in &mut owners {
        if owner.as_ref().is_some_and(|fix| fix.replacements.is_empty()) {
            *owner = None;
        }
    }
    owners
}

/// The first fixed finding whose context overlaps `span`.
fn owner_of(findings: &[Finding], fixed: &[usize], span: Span) -> Option<usize> {
    fixed.iter().copied().find(|&position| {
        let context = findings[position].context;
        context.start <= span.end && span.start <= context.end
    })
}

/// Which transform fixed which of the `fixed` findings. Applied findings carry offsets into the
/// text as it was when each fix was made, so they are matched by what does not move (kind,
/// lock, method, binding, why it is held), in order: the engine fixes in source order.
fn match_applied<'a>(
    findings: &[Finding],
    fixed: &[usize],
    applied: &'a [Applied],
) -> Vec<(usize, &'a Applied)> {
    let same = |a: &Finding, b: &Finding| {
        a.kind == b.kind
            && a.lock == b.lock
            && a.acquire_method == b.acquire_method
            && a.binding == b.binding
            && a.held_because == b.held_because
    };
    let mut taken = vec![false; findings.len()];
    let mut matched = Vec::new();
    for fix in applied {
        if let Some(&position) =
            fixed.iter().find(|&&i| !taken[i] && same(&findings[i], &fix.finding))
        {
            taken[position] = true;
            matched.push((position, fix));
        }
    }
    matched
}

/// The changed lines of `old` → `new`, as byte ranges of `old` and their new text. Adjacent
/// deletions and insertions make one replacement.
pub fn line_replacements(old: &str, new: &str) -> Vec<Replacement> {
    let diff = TextDiff::from_lines(old, new);
    let old_starts = line_starts(old);
    let new_starts = line_starts(new);
    let mut replacements: Vec<Replacement> = Vec::new();
    let mut pending: Option<(std::ops::Range<usize>, std::ops::Range<usize>)> = None;
    for op in diff.ops() {
        if op.tag() == DiffTag::Equal {
            if let Some((o, n)) = pending.take() {
                replacements.push(Replacement {
                    old: old_starts[o.start]..old_starts[o.end],
                    new: new[new_starts[n.start]..new_starts[n.end]].to_owned(),
                });
            }
            continue;
        }
        let (o, n) = (op.old_range(), op.new_range());
        pending = Some(match pending {
            Some((po, pn)) => (po.start..o.end, pn.start..n.end),
            None => (o, n),
        });
    }
    if let Some((o, n)) = pending {
        replacements.push(Replacement {
            old: old_starts[o.start]..old_starts[o.end],
            new: new[new_starts[n.start]..new_starts[n.end]].to_owned(),
        });
    }
    replacements
}

/// Byte offset of every line start, and the text's length at the end, so line `i` is
/// `starts[i]..starts[i + 1]` the way `TextDiff::from_lines` counts lines.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1).filter(|&i| i < text.len()));
    starts.push(text.len());
    starts
}
