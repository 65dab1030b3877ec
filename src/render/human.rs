//! rustc-style diagnostics for people, drawn by annotate-snippets (the renderer rustc uses).
//!
//! ```text
//! warning[guard-held-across-await]: `std::sync::Mutex` guard `g` is held across an await
//!   --> src/lib.rs:10:13
//!    |
//! 10 |     let g = self.inner.lock().unwrap();
//!    |             ^^^^^^^^^^^^^^^^^^^^^^^^^^ guard acquired here
//! 11 |     tick().await;
//!    |     ------------ held across this await
//! 12 | }
//!    | - released here
//!    |
//!    = note: a `let` binding keeps the guard until the end of its block
//!    = help: `guardfix fix` would end the guard's scope before the await (strategy `scope`)
//! ```
//!
//! The wording lives here, one small function per part (title, labels, note, help), so a reader
//! looking for "what does the `match` note say" finds it without reading the layout code.

use std::borrow::Cow;
use std::ops::Range;

use annotate_snippets::{Level, Renderer, Snippet};
use anstyle::{AnsiColor, Effects, Style};

use super::clamp_span;
use super::line_index::LineIndex;
use crate::finding::{Finding, FindingKind, HeldBecause, Strategy};

/// How to draw: the CLI resolves `--color` (see [`super::color_choice`]) into this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HumanStyle {
    pub color: bool,
}

/// The diagnostic for one finding, without a trailing newline.
/// `lines` is `text`'s line index, built once per file.
pub fn render_finding(
    path_for_display: &str,
    text: &str,
    lines: &LineIndex,
    finding: &Finding,
    style: HumanStyle,
) -> String {
    let title = title(finding);
    let help = help(finding);
    let marks = marks(text, finding);
    let window = Window::around(text, lines, &marks);
    let source = expand_tabs(window.text);
    let annotations = marks.iter().map(|mark| {
        let range = window.display_range(&mark.range);
        // Only `Level::Error` draws `^`, so the primary span uses it; `finding_renderer` paints
        // it in the warning colour, since nothing else in a finding is drawn at error level.
        let level = if mark.primary { Level::Error } else { Level::Warning };
        level.span(range).label(mark.label)
    });
    let snippet = Snippet::source(&source)
        .line_start(window.first_line)
        .origin(path_for_display)
        .fold(true)
        .annotations(annotations);
    let message = Level::Warning
        .title(&title)
        .id(finding.kind.code())
        .snippet(snippet)
        .footer(Level::Note.title(note(finding.held_because)))
        .footer(Level::Help.title(&help));
    let rendered = finding_renderer(style).render(message).to_string();
    fix_origin_column(rendered, path_for_display, &window, &marks[0].range)
}

/// `error: <message>` followed by ` --> <path>`, for a file that could not be read or parsed.
pub fn render_file_error(path_for_display: &str, message: &str, style: HumanStyle) -> String {
    let title = renderer(style).render(Level::Error.title(message)).to_string();
    let arrow = paint("-->", LINE_NUMBER, style);
    format!("{title}\n {arrow} {path_for_display}")
}

/// The closing line: how many findings in how many files, and how many files failed.
pub fn render_summary(
    findings: usize,
    files_scanned: usize,
    files_with_errors: usize,
    style: HumanStyle,
) -> String {
    let text = summary_text(findings, files_scanned, files_with_errors);
    // Like cargo's "warning: `x` generated 3 warnings": the level says whether to look up.
    let level = if files_with_errors > 0 {
        Level::Error
    } else if findings > 0 {
        Level::Warning
    } else {
        return text;
    };
    renderer(style).render(level.title(&text)).to_string()
}

// The colours annotate-snippets' `Renderer::styled()` uses for warnings and line numbers on
// non-Windows terminals; its stylesheet is private, so they are repeated here.
const WARNING: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
const LINE_NUMBER: Style = AnsiColor::BrightBlue.on_default().effects(Effects::BOLD);

fn renderer(style: HumanStyle) -> Renderer {
    if style.color { Renderer::styled() } else { Renderer::plain() }
}

fn finding_renderer(style: HumanStyle) -> Renderer {
    // `plain()` is just an empty stylesheet, so setting `error` on it would colour plain output.
    if style.color { Renderer::styled().error(WARNING) } else { Renderer::plain() }
}

fn paint(text: &str, paint: Style, style: HumanStyle) -> String {
    if style.color { format!("{paint}{text}{paint:#}") } else { text.to_owned() }
}

pub(crate) fn title(finding: &Finding) -> String {
    let lock = &finding.lock;
    if finding.held_because == HeldBecause::UnmatchedScrutinee {
        return format!(
            "the `if let` scrutinee's `{lock}` guard type is alive at an await where its pattern failed: no lock is held there, but the future is not `Send`"
        );
    }
    match (finding.kind, finding.binding.as_deref()) {
        (FindingKind::LockTakenWhileHeld, Some(binding)) => format!(
            "`{lock}` is locked again while its guard `{binding}` is alive: this never returns (deadlock)"
        ),
        (FindingKind::LockTakenWhileHeld, None) => format!(
            "`{lock}` is locked again while a temporary guard of it is alive: this never returns (deadlock)"
        ),
        (FindingKind::LockOrderInversion, _) => format!(
            "`{lock}` is taken here while another lock is held, and another fn takes the two in the opposite order: they can deadlock"
        ),
        (FindingKind::GuardHeldAcrossAwait, Some(binding)) => {
            format!("`{lock}` guard `{binding}` is held across an await")
        }
        (FindingKind::GuardHeldAcrossAwait, None) => {
            format!("a temporary `{lock}` guard is held across an await")
        }
        (FindingKind::RefcellBorrowHeldAcrossAwait, Some(binding)) => {
            format!("`RefCell` borrow `{binding}` is held across an await")
        }
        (FindingKind::RefcellBorrowHeldAcrossAwait, None) => {
            "a temporary `RefCell` borrow is held across an await".to_owned()
        }
        (FindingKind::AsyncGuardHeldAcrossAwait, Some(binding)) => format!(
            "async `{lock}` guard `{binding}` is held across an await (every waiter queues behind it)"
        ),
        (FindingKind::AsyncGuardHeldAcrossAwait, None) => format!(
            "a temporary async `{lock}` guard is held across an await (every waiter queues behind it)"
        ),
        (FindingKind::DroppedButNotSend, binding) => {
            // `drop(x)` needs a name, so `None` is not expected; say "the guard" rather than fail.
            let subject = binding.map_or(Cow::Borrowed("the guard"), |b| format!("`{b}`").into());
            format!(
                "{subject} is dropped before the await, but rustc still counts it live there: \
                 the future is not `Send`"
            )
        }
    }
}

/// One underlined span of the snippet.
struct Mark {
    range: Range<usize>,
    label: &'static str,
    primary: bool,
}

/// The primary span first: annotate-snippets takes the `-->` position from the first annotation.
fn marks(text: &str, finding: &Finding) -> Vec<Mark> {
    // For a guard that was dropped, "held across" would contradict the title.
    let dropped = finding.kind == FindingKind::DroppedButNotSend;
    let unmatched = finding.held_because == HeldBecause::UnmatchedScrutinee;
    let (await_label, release_label) = if dropped {
        ("still counted live at this await", "dropped here")
    } else if unmatched {
        ("its unmatched value is alive at this await", "dropped here")
    } else {
        ("held across this await", "released here")
    };
    let acquire = Mark {
        range: mark_range(text, finding.acquire),
        label: if unmatched {
            "this scrutinee's value"
        } else if finding.kind == FindingKind::LockTakenWhileHeld {
            "takes the lock again: never granted"
        } else if finding.kind == FindingKind::LockOrderInversion {
            "the second lock, taken while the first is held"
        } else {
            "guard acquired here"
        },
        primary: true,
    };
    let awaits = finding.awaits.iter().map(|&span| Mark {
        range: mark_range(text, span),
        label: await_label,
        primary: false,
    });
    let release = finding.released_at.map(|span| Mark {
        range: mark_range(text, span),
        label: release_label,
        primary: false,
    });
    let first = finding.held_since.map(|span| Mark {
        range: mark_range(text, span),
        label: "taken first here, and its guard is still alive",
        primary: false,
    });
    std::iter::once(acquire).chain(first).chain(awaits).chain(release).collect()
}

/// A span that ends just past a line break is drawn as a two-line annotation ending in column
/// zero; dropping the break keeps it on the line it is about.
fn mark_range(text: &str, span: crate::finding::Span) -> Range<usize> {
    let range = clamp_span(text, span);
    let trimmed = text[range.clone()].trim_end_matches(['\n', '\r']);
    range.start..range.start + trimmed.len()
}

/// The whole lines of `text` that the marks touch, which is all the snippet needs.
struct Window<'a> {
    text: &'a str,
    /// Byte offset of `text` in the file.
    start: usize,
    /// 1-based line number of the window's first line.
    first_line: usize,
}

impl<'a> Window<'a> {
    fn around(text: &'a str, lines: &LineIndex, marks: &[Mark]) -> Window<'a> {
        let lowest = marks.iter().map(|m| m.range.start).min().unwrap_or(0);
        let highest = marks.iter().map(|m| m.range.end).max().unwrap_or(0);
        let start = text[..lowest].rfind('\n').map_or(0, |i| i + 1);
        let end = text[highest..].find('\n').map_or(text.len(), |i| highest + i);
        let line = &text[start..end];
        let line = if end > highest { line.strip_suffix('\r').unwrap_or(line) } else { line };
        let first_line = lines.line_col(start as u32).0 as usize;
        Window { text: line, start, first_line }
    }

    /// `range` (in file bytes) in the tab-expanded window.
    fn display_range(&self, range: &Range<usize>) -> Range<usize> {
        self.display_offset(range.start)..self.display_offset(range.end)
    }

    fn display_offset(&self, offset: usize) -> usize {
        let offset = offset - self.start;
        offset + (TAB.len() - 1) * tabs_in(&self.text[..offset])
    }
}

/// annotate-snippets 0.11 prints a tab as four spaces but places underlines as if it were one
/// column, so tabs are expanded before it sees the text.
const TAB: &str = "    ";

fn expand_tabs(text: &str) -> Cow<'_, str> {
    if text.contains('\t') { text.replace('\t', TAB).into() } else { text.into() }
}

fn tabs_in(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\t').count()
}

/// After tab expansion annotate-snippets counts each tab before the primary span as four
/// columns in the `-->` line; rustc (and our JSON) count it as one char, so put that back.
fn fix_origin_column(
    rendered: String,
    path: &str,
    window: &Window<'_>,
    primary: &Range<usize>,
) -> String {
    let offset = primary.start - window.start;
    let line_start = window.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &window.text[line_start..offset];
    let tabs = tabs_in(prefix);
    if tabs == 0 {
        return rendered;
    }
    let line = window.first_line + window.text[..line_start].matches('\n').count();
    let column = prefix.chars().count() + 1;
    let shown = column + (TAB.len() - 1) * tabs;
    rendered.replacen(&format!("{path}:{line}:{shown}"), &format!("{path}:{line}:{column}"), 1)
}

pub(crate) fn note(held_because: HeldBecause) -> &'static str {
    match held_because {
        HeldBecause::NamedBinding => "a `let` binding keeps the guard until the end of its block",
        HeldBecause::NotDroppedOnEveryPath => {
            "the guard is dropped on some paths, but not on the one that reaches the await"
        }
        HeldBecause::HeldAcrossLoopIteration => {
            "acquired after an await in a loop and still held when the loop comes round to the \
             await again"
        }
        HeldBecause::StatementTemporary => {
            "temporaries live until the end of the statement, after the await runs"
        }
        HeldBecause::LifetimeExtendedTemporary => {
            "a temporary borrowed by a `let` binding is extended to live as long as that binding"
        }
        HeldBecause::MatchScrutinee => {
            "temporaries in a `match` scrutinee live until the end of the `match`"
        }
        HeldBecause::IfLetScrutinee => {
            "temporaries in an `if let` scrutinee live through the `then` branch (and, before \
             edition 2024, the `else` branch)"
        }
        HeldBecause::WhileLetScrutinee => {
            "temporaries in a `while let` scrutinee live through the loop body, on every iteration"
        }
        HeldBecause::ForIterator => {
            "temporaries in a `for` loop's iterator expression live until the loop ends"
        }
        HeldBecause::TailExpressionTemporary => {
            "before edition 2024, temporaries in a block's tail expression outlive the block"
        }
        HeldBecause::AsyncFnParameter => {
            "an async fn's parameters live for the whole body, across every await in it"
        }
        HeldBecause::CapturedByAsyncBlock => {
            "a guard captured by an async block or closure lives as long as that future"
        }
        HeldBecause::DroppedAfterBorrow => {
            "rustc's `Send` analysis counts a guard as live until its scope ends once it has been \
             borrowed, even after `drop`"
        }
        HeldBecause::UnmatchedScrutinee => {
            "before edition 2024, an `if let` scrutinee lives through `else`: the value the \
             pattern did not match (`Err(…)`, `None`) holds no lock, but its type, which names \
             the guard, is part of the future"
        }
    }
}

pub(crate) fn help(finding: &Finding) -> String {
    use crate::finding::Planned;
    match &finding.planned {
        Some(Planned::Fix(strategy) | Planned::Workspace(strategy)) => {
            return format!(
                "`guardfix fix` would {} (strategy `{}`)",
                fix_action(*strategy),
                strategy.name()
            );
        }
        Some(Planned::UnsafeOnly(strategy)) => {
            return format!(
                "`guardfix fix --unsafe-fixes` would {} (strategy `{}`; MaybeIncorrect, so not by default: check the result)",
                fix_action(*strategy),
                strategy.name()
            );
        }
        Some(Planned::NoFix(reason)) => return format!("no automatic fix: {reason}"),
        None => {}
    }
    match finding.suggested {
        Some(strategy) => {
            format!(
                "`guardfix fix` would {} (strategy `{}`)",
                fix_action(strategy),
                strategy.name()
            )
        }
        None => no_fix_help(finding).to_owned(),
    }
}

fn fix_action(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Scope => "end the guard's scope before the await",
        Strategy::Drop => "`drop` the guard after its last use",
        Strategy::Helper => "move the critical section into a sync helper fn",
        Strategy::AsyncMutex => "switch this lock to `tokio::sync::Mutex`",
        Strategy::Relock => "release the lock before the await and take it again after it",
    }
}

/// Without a suggested strategy, say why only when the finding tells us (`used_after_await`),
/// and point to a way out that fits the kind of lock.
fn no_fix_help(finding: &Finding) -> &'static str {
    match (finding.kind, finding.used_after_await) {
        (FindingKind::GuardHeldAcrossAwait, true) => {
            "no automatic fix: the guard is used after the await; consider `tokio::sync::Mutex` \
             or restructuring"
        }
        (FindingKind::RefcellBorrowHeldAcrossAwait, true) => {
            "no automatic fix: the borrow is used after the await; consider ending it before the \
             await and borrowing again after"
        }
        (FindingKind::AsyncGuardHeldAcrossAwait, true) => {
            "no automatic fix: the guard is used after the await; consider shortening the \
             critical section"
        }
        (FindingKind::LockTakenWhileHeld, _) => {
            "no automatic fix: end the first guard's scope before taking the lock again"
        }
        (FindingKind::LockOrderInversion, _) => {
            "no automatic fix: take the two locks in the same order everywhere"
        }
        (FindingKind::DroppedButNotSend, _) => {
            "no automatic fix: put the guard in a block that ends before the await, so its scope \
             ends and not just its value"
        }
        (_, false) => {
            "no automatic fix applies here; consider ending the guard's scope before the await"
        }
    }
}

fn summary_text(findings: usize, files_scanned: usize, files_with_errors: usize) -> String {
    let scanned = plural(files_scanned, "file", "files");
    let mut text = match findings {
        0 => format!("no findings in {scanned} scanned"),
        n => format!("{} in {scanned} scanned", plural(n, "finding", "findings")),
    };
    if files_with_errors > 0 {
        let failed = plural(files_with_errors, "file", "files");
        text.push_str(&format!("; {failed} could not be analysed"));
    }
    text
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Span;

    const PLAIN: HumanStyle = HumanStyle { color: false };

    /// The span of the `nth` (0-based) occurrence of `needle` in `text`.
    fn span_of(text: &str, needle: &str, nth: usize) -> Span {
        let start = text.match_indices(needle).nth(nth).expect("needle in fixture").0;
        Span::new(start as u32, (start + needle.len()) as u32)
    }

    fn finding(text: &str, acquire: &str, awaits: &[&str], released: Option<&str>) -> Finding {
        Finding {
            kind: FindingKind::GuardHeldAcrossAwait,
            lock: "std::sync::Mutex".to_owned(),
            acquire_method: "lock".to_owned(),
            binding: Some("g".to_owned()),
            acquire: span_of(text, acquire, 0),
            held_since: None,
            awaits: awaits.iter().map(|a| span_of(text, a, 0)).collect(),
            released_at: released.map(|r| span_of(text, r, 0)),
            held_because: HeldBecause::NamedBinding,
            context: Span::new(0, text.len() as u32),
            used_after_await: false,
            suggested: Some(Strategy::Scope),
            borrowed: false,
            in_macro: false,
            planned: None,
        }
    }

    const EXAMPLE: &str = "\
use std::sync::Mutex;

struct S {
    inner: Mutex<u32>,
}

impl S {
    async fn f(&self) {
    let g = self.inner.lock().unwrap();
    tick().await;
}
}
";

    fn example() -> Finding {
        let mut f = finding(EXAMPLE, "self.inner.lock().unwrap()", &["tick().await"], None);
        f.released_at = Some(span_of(EXAMPLE, "}", 1));
        f
    }

    #[test]
    fn finding_in_the_rustc_shape() {
        insta::assert_snapshot!(render_finding("src/lib.rs", EXAMPLE, &LineIndex::new(EXAMPLE), &example(), PLAIN), @r"
        warning[guard-held-across-await]: `std::sync::Mutex` guard `g` is held across an await
          --> src/lib.rs:9:13
           |
         9 |     let g = self.inner.lock().unwrap();
           |             ^^^^^^^^^^^^^^^^^^^^^^^^^^ guard acquired here
        10 |     tick().await;
           |     ------------ held across this await
        11 | }
           | - released here
           |
           = note: a `let` binding keeps the guard until the end of its block
           = help: `guardfix fix` would end the guard's scope before the await (strategy `scope`)
        ");
    }

    #[test]
    fn distant_lines_are_folded() {
        let text = "async fn f() {\n    let g = m.lock();\n    a();\n    b();\n    c();\n    \
                    d();\n    x.await;\n}\n";
        let f = finding(text, "m.lock()", &["x.await"], Some("}"));
        insta::assert_snapshot!(render_finding("a.rs", text, &LineIndex::new(text), &f, PLAIN), @r"
        warning[guard-held-across-await]: `std::sync::Mutex` guard `g` is held across an await
         --> a.rs:2:13
          |
        2 |     let g = m.lock();
          |             ^^^^^^^^ guard acquired here
        3 |     a();
        ...
        6 |     d();
        7 |     x.await;
          |     ------- held across this await
        8 | }
          | - released here
          |
          = note: a `let` binding keeps the guard until the end of its block
          = help: `guardfix fix` would end the guard's scope before the await (strategy `scope`)
        ");
    }

    #[test]
    fn every_await_gets_a_label() {
        let text = "async fn f() {\n    let g = m.lock();\n    x.await;\n    y.await;\n}\n";
        let f = finding(text, "m.lock()", &["x.await", "y.await"], None);
        insta::assert_snapshot!(render_finding("a.rs", text, &LineIndex::new(text), &f, PLAIN), @r"
        warning[guard-held-across-await]: `std::sync::Mutex` guard `g` is held across an await
         --> a.rs:2:13
          |
        2 |     let g = m.lock();
          |             ^^^^^^^^ guard acquired here
        3 |     x.await;
          |     ------- held across this await
        4 |     y.await;
          |     ------- held across this await
          |
          = note: a `let` binding keeps the guard until the end of its block
          = help: `guardfix fix` would end the guard's scope before the await (strategy `scope`)
        ");
    }

    #[test]
    fn labels_on_one_line_do_not_collide() {
        let text = "async fn f() { let n = *m.lock().unwrap() + tick().await; }";
        let mut f = finding(text, "m.lock().unwrap()", &["tick().await"], Some(";"));
        f.binding = None;
        f.held_because = HeldBecause::StatementTemporary;
        f.suggested = None;
        insta::assert_snapshot!(render_finding("a.rs", text, &LineIndex::new(text), &f, PLAIN), @r"
        warning[guard-held-across-await]: a temporary `std::sync::Mutex` guard is held across an await
         --> a.rs:1:25
          |
        1 | async fn f() { let n = *m.lock().unwrap() + tick().await; }
          |                         ^^^^^^^^^^^^^^^^^   ------------- released here
          |                         |                   |
          |                         |                   held across this await
          |                         guard acquired here
          |
          = note: temporaries live until the end of the statement, after the await runs
          = help: no automatic fix applies here; consider ending the guard's scope before the await
        ");
    }

    #[test]
    fn tabs_keep_underlines_aligned_and_columns_in_chars() {
        let text = "async fn f() {\n\tlet g = m.lock();\n\tx.await;\n}\n";
        let f = finding(text, "m.lock()", &["x.await"], None);
        insta::assert_snapshot!(render_finding("a.rs", text, &LineIndex::new(text), &f, PLAIN), @r"
        warning[guard-held-across-await]: `std::sync::Mutex` guard `g` is held across an await
         --> a.rs:2:10
          |
        2 |     let g = m.lock();
          |             ^^^^^^^^ guard acquired here
        3 |     x.await;
          |     ------- held across this await
          |
          = note: a `let` binding keeps the guard until the end of its block
          = help: `guardfix fix` would end the guard's scope before the await (strategy `scope`)
        ");
    }

    #[test]
    fn crlf_line_endings_render_like_lf() {
        let text = "async fn f() {\r\n    let g = m.lock();\r\n    x.await;\r\n}\r\n";
        let mut f = finding(text, "m.lock()", &["x.await"], Some("}\r\n"));
        f.suggested = Some(Strategy::Drop);
        insta::assert_snapshot!(render_finding("a.rs", text, &LineIndex::new(text), &f, PLAIN), @r"
        warning[guard-held-across-await]: `std::sync::Mutex` guard `g` is held across an await
         --> a.rs:2:13
          |
        2 |     let g = m.lock();
          |             ^^^^^^^^ guard acquired here
        3 |     x.await;
          |     ------- held across this await
        4 | }
          | - released here
          |
          = note: a `let` binding keeps the guard until the end of its block
          = help: `guardfix fix` would `drop` the guard after its last use (strategy `drop`)
        ");
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        let text = "fn f() {}";
        let mut f = finding(text, "f()", &[], None);
        f.awaits = vec![Span::new(50, 60)];
        f.released_at = Some(Span::new(8, 3));
        let rendered = render_finding("a.rs", text, &LineIndex::new(text), &f, PLAIN);
        assert!(rendered.contains(" --> a.rs:1:4"), "{rendered}");
    }

    #[test]
    fn dropped_but_not_send_does_not_claim_the_guard_is_held() {
        let text =
            "async fn f() {\n    let g = m.lock();\n    h(&g);\n    drop(g);\n    x.await;\n}\n";
        let mut f = finding(text, "m.lock()", &["x.await"], Some("drop(g)"));
        f.kind = FindingKind::DroppedButNotSend;
        f.held_because = HeldBecause::DroppedAfterBorrow;
        f.suggested = None;
        insta::assert_snapshot!(render_finding("a.rs", text, &LineIndex::new(text), &f, PLAIN), @r"
        warning[dropped-but-not-send]: `g` is dropped before the await, but rustc still counts it live there: the future is not `Send`
         --> a.rs:2:13
          |
        2 |     let g = m.lock();
          |             ^^^^^^^^ guard acquired here
        3 |     h(&g);
        4 |     drop(g);
          |     ------- dropped here
        5 |     x.await;
          |     ------- still counted live at this await
          |
          = note: rustc's `Send` analysis counts a guard as live until its scope ends once it has been borrowed, even after `drop`
          = help: no automatic fix: put the guard in a block that ends before the await, so its scope ends and not just its value
        ");
    }

    #[test]
    fn titles_by_kind_and_binding() {
        let mut f = example();
        f.kind = FindingKind::RefcellBorrowHeldAcrossAwait;
        assert_eq!(title(&f), "`RefCell` borrow `g` is held across an await");
        f.binding = None;
        assert_eq!(title(&f), "a temporary `RefCell` borrow is held across an await");
        f.kind = FindingKind::AsyncGuardHeldAcrossAwait;
        f.lock = "tokio::sync::Mutex".to_owned();
        assert_eq!(
            title(&f),
            "a temporary async `tokio::sync::Mutex` guard is held across an await \
             (every waiter queues behind it)"
        );
        f.binding = Some("g".to_owned());
        assert_eq!(
            title(&f),
            "async `tokio::sync::Mutex` guard `g` is held across an await \
             (every waiter queues behind it)"
        );
    }

    #[test]
    fn help_names_the_strategy() {
        let mut f = example();
        f.suggested = Some(Strategy::Helper);
        assert_eq!(
            help(&f),
            "`guardfix fix` would move the critical section into a sync helper fn \
             (strategy `helper`)"
        );
        f.suggested = Some(Strategy::AsyncMutex);
        assert_eq!(
            help(&f),
            "`guardfix fix` would switch this lock to `tokio::sync::Mutex` (strategy `async-mutex`)"
        );
    }

    #[test]
    fn help_without_a_fix_says_why_when_the_guard_is_used_later() {
        let mut f = example();
        f.suggested = None;
        f.used_after_await = true;
        assert_eq!(
            help(&f),
            "no automatic fix: the guard is used after the await; consider `tokio::sync::Mutex` \
             or restructuring"
        );
    }

    #[test]
    fn color_uses_ansi_and_plain_does_not() {
        let styled = render_finding(
            "src/lib.rs",
            EXAMPLE,
            &LineIndex::new(EXAMPLE),
            &example(),
            HumanStyle { color: true },
        );
        assert!(styled.contains("\x1b["), "{styled:?}");
        let plain =
            render_finding("src/lib.rs", EXAMPLE, &LineIndex::new(EXAMPLE), &example(), PLAIN);
        assert!(!plain.contains('\x1b'));
        assert_eq!(anstream::adapter::strip_str(&styled).to_string(), plain);
    }

    #[test]
    fn file_error() {
        let rendered = render_file_error("src/x.rs", "cannot parse: unexpected `}`", PLAIN);
        assert_eq!(rendered, "error: cannot parse: unexpected `}`\n --> src/x.rs");
        let styled = render_file_error("src/x.rs", "oops", HumanStyle { color: true });
        assert_eq!(anstream::adapter::strip_str(&styled).to_string(), "error: oops\n --> src/x.rs");
    }

    #[test]
    fn summary_levels_and_plurals() {
        assert_eq!(render_summary(0, 1, 0, PLAIN), "no findings in 1 file scanned");
        assert_eq!(render_summary(1, 10, 0, PLAIN), "warning: 1 finding in 10 files scanned");
        assert_eq!(
            render_summary(3, 10, 2, PLAIN),
            "error: 3 findings in 10 files scanned; 2 files could not be analysed"
        );
        assert_eq!(
            render_summary(0, 2, 1, PLAIN),
            "error: no findings in 2 files scanned; 1 file could not be analysed"
        );
    }
}
