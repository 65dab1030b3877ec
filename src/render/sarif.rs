//! SARIF 2.1.0, the format code scanning (GitHub, Azure DevOps, IDE viewers) reads.
//!
//! One `run` whose `tool.driver` is guardfix, with one rule per finding kind; one `result` per
//! finding:
//!
//! ```text
//! ruleId            the finding kind (`guard-held-across-await`…), level `warning`
//! message           title, why it is held, what `guardfix fix` would do; it links the related
//!                   locations as `[this await](1)` so code scanning shows them
//! locations[0]      the acquisition
//! relatedLocations  each await ("held across this await"), then the release point
//! fixes             what `guardfix fix` would write (MachineApplicable fixes only), see below
//! ```
//!
//! Paths: `artifactLocation.uri` is relative to the run's `SRCROOT` (`originalUriBaseIds`), the
//! folder guardfix was run from, which is what code scanning and the Actions runner resolve
//! paths against (the repository root). A file outside it gets an absolute `file://` URI.
//! Columns count Unicode code points (`columnKind`), as rustc and the JSON format do.
//!
//! Fixes: the engine fixes a whole file to a fixpoint, so a fix is known per file, not per
//! finding. A finding counts as fixed when the fixed text, analysed again, no longer has it.
//! The file's changed lines (a line diff of the original and the fixed text) are split by fn:
//! each replacement goes to the first fixed finding whose enclosing fn (or async block) holds
//! it, so a result carries the edits for its fn and applying every result's fix gives exactly
//! what `guardfix fix` writes. A finding the engine skipped gets no fix; a second fixed finding
//! in the same fn shares the first one's. The schema allows `fixes`, so code scanning accepts
//! the upload (GitHub does not list `fixes` among the properties it shows); tools that apply
//! SARIF fixes can use them.

use serde_json::{Value, json};

pub use super::fix_edits::FileFix;
use super::fix_edits::{FindingFix, fixes_by_finding};
use super::human;
use super::line_index::LineIndex;
use crate::finding::{Finding, FindingKind, Span};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "SRCROOT";
const INFORMATION_URI: &str = "https://crates.io/crates/guardfix";

/// Where a file is, for `artifactLocation`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArtifactUri {
    /// Relative to `SRCROOT`, percent-encoded (see [`relative_uri`]).
    Relative(String),
    /// An absolute `file://` URI (see [`file_uri`]).
    Absolute(String),
}

/// One analysed file with findings.
pub struct SarifFile<'a> {
    pub uri: ArtifactUri,
    pub text: &'a str,
    pub findings: &'a [Finding],
    pub fix: Option<FileFix<'a>>,
}

pub struct SarifRun<'a> {
    pub files: Vec<SarifFile<'a>>,
    /// Files that could not be analysed: where, and why.
    pub errors: Vec<(ArtifactUri, String)>,
    /// `file://` URI of the folder relative URIs start from, ending in `/`.
    pub src_root: Option<String>,
    pub version: &'a str,
}

/// The whole SARIF log.
pub fn sarif_log(run: &SarifRun<'_>) -> Value {
    let results: Vec<Value> = run.files.iter().flat_map(file_results).collect();
    let notifications: Vec<Value> = run
        .errors
        .iter()
        .map(|(uri, message)| {
            json!({
                "level": "error",
                "message": { "text": message },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact(uri) } }],
            })
        })
        .collect();
    let mut sarif_run = json!({
        "tool": {
            "driver": {
                "name": "guardfix",
                "version": run.version,
                "semanticVersion": run.version,
                "informationUri": INFORMATION_URI,
                "rules": KINDS.iter().map(|&kind| rule(kind)).collect::<Vec<_>>(),
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [{
            "executionSuccessful": run.errors.is_empty(),
            "toolExecutionNotifications": notifications,
        }],
    });
    if let Some(root) = &run.src_root {
        sarif_run["originalUriBaseIds"] = json!({ SRCROOT: { "uri": root } });
    }
    json!({ "$schema": SCHEMA, "version": "2.1.0", "runs": [sarif_run] })
}

const KINDS: [FindingKind; 6] = FindingKind::ALL;

fn rule_index(kind: FindingKind) -> usize {
    KINDS.iter().position(|&k| k == kind).unwrap_or_default()
}

/// A rule's texts: short description, full description, help.
pub(crate) fn rule_texts(kind: FindingKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        FindingKind::GuardHeldAcrossAwait => (
            "A blocking lock's guard is held across an `.await`",
            "A `Mutex`/`RwLock` guard (std, parking_lot, spin, dashmap, stdio…) is still alive \
             at an `.await`: the lock stays taken while the task is suspended, other tasks and \
             threads block behind it, the runtime can deadlock, and the future is not `Send`.",
            "End the guard's scope before the await: put the critical section in a block (or a \
             sync helper fn) that ends before it, or `drop` the guard after its last use when it \
             was never borrowed. `guardfix fix` does this where it can prove it safe. If the \
             guard must live across the await, use an async-aware lock such as \
             `tokio::sync::Mutex`.",
        ),
        FindingKind::RefcellBorrowHeldAcrossAwait => (
            "A `RefCell` borrow is held across an `.await`",
            "A `Ref`/`RefMut` from a `RefCell` is still alive at an `.await`: any other borrow \
             made while the task is suspended panics at run time.",
            "End the borrow before the await (a block, or `drop`) and borrow again after it. \
             `guardfix fix` does this where it can prove it safe.",
        ),
        FindingKind::AsyncGuardHeldAcrossAwait => (
            "An async lock's guard or a permit is held across an `.await`",
            "A tokio/futures/async-lock guard or a semaphore permit is alive at an `.await`. \
             That is legal, but every waiter queues behind it for as long as the await takes.",
            "Shorten the critical section so the guard ends before slow awaits. Reported only \
             with `--include-async-locks`.",
        ),
        FindingKind::DroppedButNotSend => (
            "A guard dropped before the `.await` still makes the future `!Send`",
            "The guard is released by `drop(guard)` before the await, but it was borrowed, so \
             rustc's `Send` analysis still counts it live until its scope ends: the future is \
             not `Send`.",
            "Put the guard in a block that ends before the await, so its scope ends and not \
             just its value. `guardfix fix` does this with the `scope` strategy.",
        ),
        FindingKind::LockTakenWhileHeld => (
            "A lock is taken again while a guard of it is alive",
            "A mutex (or a `RwLock`, for writing) is locked while a guard of the same lock is \
             still alive in the same fn: the second lock is never granted, so the task hangs \
             forever (tokio's locks) or the thread deadlocks (std's, parking_lot's).",
            "End the first guard's scope (or `drop` it) before taking the lock again, or hand \
             the guard to the code that needs it. Not reported with `--no-deadlocks`.",
        ),
        FindingKind::LockOrderInversion => (
            "Two locks are taken in opposite orders",
            "One fn takes lock A and, holding it, lock B; another takes B and then A. When both \
             run at the same time, each holds the lock the other waits for, and neither ever \
             goes on.",
            "Take the locks in one order everywhere (or put the data behind one lock), or \
             release the first before taking the second. Not reported with `--no-deadlocks`.",
        ),
    }
}

fn rule(kind: FindingKind) -> Value {
    let (short, full, help) = rule_texts(kind);
    json!({
        "id": kind.code(),
        "name": rule_name(kind),
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "help": { "text": help, "markdown": help },
        "defaultConfiguration": { "level": "warning" },
        "properties": { "tags": ["concurrency", "async"] },
    })
}

/// `guard-held-across-await` → `GuardHeldAcrossAwait`, as SARIF's `name` convention has it.
fn rule_name(kind: FindingKind) -> String {
    kind.code()
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map_or(String::new(), |c| c.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect()
}

fn file_results(file: &SarifFile<'_>) -> Vec<Value> {
    let index = LineIndex::new(file.text);
    let location = |span: Span| physical_location(&file.uri, &index, span);
    let mut fixes = file.fix.as_ref().map(|fix| fixes_by_finding(file.text, file.findings, fix));
    file.findings
        .iter()
        .enumerate()
        .map(|(position, finding)| {
            let mut related = Vec::new();
            for &span in &finding.awaits {
                related.push((span, "held across this await"));
            }
            if let Some(span) = finding.released_at {
                related.push((span, "released here"));
            }
            let related_locations: Vec<Value> = related
                .iter()
                .enumerate()
                .map(|(i, &(span, text))| {
                    json!({ "id": i + 1, "message": { "text": text }, "physicalLocation": location(span) })
                })
                .collect();
            let mut result = json!({
                "ruleId": finding.kind.code(),
                "ruleIndex": rule_index(finding.kind),
                "level": "warning",
                "message": { "text": message(finding) },
                "locations": [{ "physicalLocation": location(finding.acquire) }],
                "relatedLocations": related_locations,
                "properties": {
                    "lock": finding.lock,
                    "binding": finding.binding,
                    "heldBecause": finding.held_because,
                    "suggestedStrategy": finding.suggested,
                },
            });
            if let Some(fix) = fixes.as_mut().and_then(|all| all[position].take()) {
                result["fixes"] = json!([fix_json(&file.uri, &index, fix)]);
            }
            result
        })
        .collect()
}

/// The title, why the guard is held, where (linking the related locations by id), and what
/// `guardfix fix` would do.
fn message(finding: &Finding) -> String {
    let awaits: Vec<String> =
        (1..=finding.awaits.len()).map(|id| format!("[this await]({id})")).collect();
    let mut text = format!(
        "{}: {}. Held across {}",
        human::title(finding),
        human::note(finding.held_because),
        awaits.join(", ")
    );
    if finding.released_at.is_some() {
        text.push_str(&format!(", released [here]({})", finding.awaits.len() + 1));
    }
    text.push_str(&format!(". Help: {}.", human::help(finding)));
    text
}

fn fix_json(uri: &ArtifactUri, index: &LineIndex, fix: FindingFix) -> Value {
    let replacements: Vec<Value> = fix
        .replacements
        .iter()
        .map(|replacement| {
            let span = Span::new(replacement.old.start as u32, replacement.old.end as u32);
            json!({ "deletedRegion": region(index, span), "insertedContent": { "text": replacement.new } })
        })
        .collect();
    json!({
        "description": { "text": format!("guardfix fix (strategy {})", fix.strategies.join(", ")) },
        "artifactChanges": [{ "artifactLocation": artifact(uri), "replacements": replacements }],
    })
}

fn physical_location(uri: &ArtifactUri, index: &LineIndex, span: Span) -> Value {
    json!({ "artifactLocation": artifact(uri), "region": region(index, span) })
}

fn artifact(uri: &ArtifactUri) -> Value {
    match uri {
        ArtifactUri::Relative(uri) => json!({ "uri": uri, "uriBaseId": SRCROOT }),
        ArtifactUri::Absolute(uri) => json!({ "uri": uri }),
    }
}

/// 1-based lines and columns, the end column exclusive, as SARIF counts them.
fn region(index: &LineIndex, span: Span) -> Value {
    let (start_line, start_column) = index.line_col(span.start);
    let (end_line, end_column) = index.line_col(span.end);
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

/// A relative path as a URI reference: `/`-separated, each segment percent-encoded.
pub fn relative_uri(path: &std::path::Path) -> String {
    let segments: Vec<String> = path
        .components()
        .map(|component| percent_encode(&component.as_os_str().to_string_lossy()))
        .collect();
    segments.join("/")
}

/// An absolute path as a `file://` URI; `folder` adds the trailing `/` a base URI needs.
pub fn file_uri(path: &std::path::Path, folder: bool) -> String {
    let mut uri = String::from("file://");
    let text = path.to_string_lossy().replace('\\', "/");
    if !text.starts_with('/') {
        uri.push('/'); // `C:/x` → `file:///C:/x`
    }
    let encoded: Vec<String> = text.split('/').map(percent_encode).collect();
    uri.push_str(&encoded.join("/"));
    if folder && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Percent-encodes all but RFC 3986's unreserved characters (and `:` for drive letters).
fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::Applicability;
    use crate::edit::engine::Applied;
    use crate::finding::{HeldBecause, Strategy};
    use crate::parse::LineEndings;
    use crate::render::fix_edits::{Replacement, line_replacements};

    const TEXT: &str = "async fn f() {\n    let g = m.lock();\n    x.await;\n}\n";

    fn at(text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap() as u32;
        Span::new(start, start + needle.len() as u32)
    }

    fn finding(text: &str, acquire: &str, context: &str) -> Finding {
        Finding {
            kind: FindingKind::GuardHeldAcrossAwait,
            lock: "std::sync::Mutex".into(),
            acquire_method: "lock".into(),
            binding: Some("g".into()),
            acquire: at(text, acquire),
            held_since: None,
            awaits: vec![at(text, "x.await")],
            released_at: Some(at(text, "}\n")),
            held_because: HeldBecause::NamedBinding,
            context: at(text, context),
            used_after_await: false,
            suggested: Some(Strategy::Drop),
            borrowed: false,
            in_macro: false,
            planned: None,
        }
    }

    fn applied(finding: &Finding) -> Applied {
        Applied {
            finding: finding.clone(),
            strategy: Strategy::Drop,
            applicability: Applicability::MachineApplicable,
        }
    }

    #[test]
    fn result_with_locations_related_locations_and_fix() {
        let finding = finding(TEXT, "m.lock()", TEXT.trim_end());
        let new_text = "async fn f() {\n    let g = m.lock();\n    drop(g);\n    x.await;\n}\n";
        let applied = [applied(&finding)];
        let findings = [finding];
        let run = SarifRun {
            files: vec![SarifFile {
                uri: ArtifactUri::Relative("src/lib.rs".into()),
                text: TEXT,
                findings: &findings,
                fix: Some(FileFix {
                    new_text,
                    applied: &applied,
                    fixed: &[true],
                    line_endings: LineEndings::Lf,
                }),
            }],
            errors: vec![],
            src_root: Some("file:///ws/".into()),
            version: "0.1.0",
        };
        let log = sarif_log(&run);
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "guard-held-across-await");
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"]
                [result["ruleIndex"].as_u64().unwrap() as usize]["id"],
            "guard-held-across-await"
        );
        assert_eq!(
            result["locations"][0]["physicalLocation"],
            json!({
                "artifactLocation": { "uri": "src/lib.rs", "uriBaseId": "SRCROOT" },
                "region": { "startLine": 2, "startColumn": 13, "endLine": 2, "endColumn": 21 },
            })
        );
        assert_eq!(result["relatedLocations"][0]["message"]["text"], "held across this await");
        assert_eq!(result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"], 3);
        assert_eq!(result["relatedLocations"][1]["message"]["text"], "released here");
        let message = result["message"]["text"].as_str().unwrap();
        assert!(message.contains("[this await](1)") && message.contains("[here](2)"), "{message}");
        assert_eq!(
            result["fixes"][0]["artifactChanges"][0]["replacements"],
            json!([{
                "deletedRegion": { "startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 1 },
                "insertedContent": { "text": "    drop(g);\n" },
            }])
        );
        assert_eq!(log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"], "file:///ws/");
    }

    #[test]
    fn each_fn_keeps_its_own_replacements_and_skipped_findings_get_none() {
        let text = "async fn a() {\n    let g = m.lock();\n    x.await;\n}\nasync fn b() {\n    let g = n.lock();\n    x.await;\n}\nasync fn c() {\n    let g = o.lock();\n    x.await;\n}\n";
        let new_text = "async fn a() {\n    let g = m.lock();\n    drop(g);\n    x.await;\n}\nasync fn b() {\n    let g = n.lock();\n    x.await;\n}\nasync fn c() {\n    let g = o.lock();\n    drop(g);\n    x.await;\n}\n";
        let fn_text = |name: &str| {
            let start = text.find(&format!("async fn {name}")).unwrap();
            let end = start + text[start..].find("\n}").unwrap() + 2;
            &text[start..end]
        };
        let mut findings = vec![
            finding(text, "m.lock()", fn_text("a")),
            finding(text, "n.lock()", fn_text("b")),
            finding(text, "o.lock()", fn_text("c")),
        ];
        for f in &mut findings {
            f.awaits.clear();
        }
        let applied = [applied(&findings[0]), applied(&findings[2])];
        let fixed = [true, false, true];
        let fix =
            FileFix { new_text, applied: &applied, fixed: &fixed, line_endings: LineEndings::CrLf };
        let fixes = fixes_by_finding(text, &findings, &fix);
        let a = fixes[0].as_ref().unwrap();
        assert_eq!(a.replacements.len(), 1);
        assert_eq!(a.replacements[0].new, "    drop(g);\r\n");
        assert!(fixes[1].is_none());
        let c = fixes[2].as_ref().unwrap();
        assert_eq!(c.strategies, ["drop"]);
        let line_of_await_in_c = text.rfind("    x.await;").unwrap();
        assert_eq!(c.replacements[0].old, line_of_await_in_c..line_of_await_in_c);
    }

    #[test]
    fn line_replacements_merge_adjacent_changes() {
        let old = "a\nb\nc\nd";
        let new = "a\nB\nC\nd";
        assert_eq!(line_replacements(old, new), [Replacement { old: 2..6, new: "B\nC\n".into() }]);
        // A last line without a newline.
        assert_eq!(line_replacements("a\nb", "a\nc"), [Replacement { old: 2..3, new: "c".into() }]);
        assert_eq!(line_replacements("a\n", "a\n"), []);
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(relative_uri(std::path::Path::new("src/my file%.rs")), "src/my%20file%25.rs");
        assert_eq!(file_uri(std::path::Path::new("/w s/x"), true), "file:///w%20s/x/");
        assert_eq!(file_uri(std::path::Path::new("/"), true), "file:///");
    }

    #[test]
    fn rules_cover_every_kind_with_names() {
        let rules: Vec<Value> = KINDS.iter().map(|&k| rule(k)).collect();
        assert_eq!(rules.len(), 6);
        assert_eq!(rules[3]["name"], "DroppedButNotSend");
        assert_eq!(rules[4]["name"], "LockTakenWhileHeld");
        for (i, rule) in rules.iter().enumerate() {
            assert_eq!(rule_index(KINDS[i]), i);
            assert!(rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        }
    }
}
