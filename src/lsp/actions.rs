//! Code actions on guardfix's diagnostics.
//!
//! For each finding under the cursor:
//! - each fix `guardfix fix` would make to it, as a `quickfix` (preferred when
//!   MachineApplicable), and the `--unsafe-fixes` one where `fix` would leave it;
//! - "allow this here": `#[allow(clippy::await_holding_lock)]` on the statement (clippy's lint
//!   name, so the one attribute silences both tools);
//! - the lock switch, where the planner calls for tokio's lock: edits in every file the lock
//!   goes to and in `Cargo.toml`, so it is computed on `codeAction/resolve` only (it loads
//!   rust-analyzer: seconds) and only on saved files.
//!
//! And for the file, `source.fixAll.guardfix`: what `guardfix fix` writes to it (the safe fixes
//! only), for editors' fix-on-save.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, TextEdit, Url, WorkspaceEdit,
};
use ra_ap_syntax::{AstNode, SourceFile, ast};
use serde::{Deserialize, Serialize};

use super::convert::{self, Positions};
use crate::driver::RunOptions;
use crate::driver::session::{FileAnalysis, Session};
use crate::edit::engine::{FixOptions, StrategyChoice};
use crate::finding::{Finding, Planned, Span, Strategy};
use crate::fix::pipeline::{Pipeline, TakenBack};
use crate::render::fix_edits::line_replacements;
use crate::render::line_index::{ColumnUnit, LineIndex};
use crate::render::rustc_json::{Applicability, Suggestion};
use crate::semantic::SemanticMode;

pub const FIX_ALL: &str = "source.fixAll.guardfix";

/// What the client asked for.
pub struct Request<'a> {
    pub uri: &'a Url,
    pub version: i32,
    pub range: Span,
    /// The kinds the client wants (`None`: all).
    pub only: Option<&'a [CodeActionKind]>,
    /// Whether the client resolves actions lazily: the lock switch is offered only then.
    pub resolves: bool,
    pub unit: ColumnUnit,
}

impl Request<'_> {
    fn wants(&self, kind: &CodeActionKind) -> bool {
        self.only.is_none_or(|only| {
            only.iter().any(|wanted| {
                kind.as_str() == wanted.as_str()
                    || kind.as_str().starts_with(&format!("{}.", wanted.as_str()))
            })
        })
    }
}

/// What a lock switch action carries until it is resolved.
#[derive(Serialize, Deserialize)]
pub struct SwitchData {
    pub uri: Url,
    pub version: i32,
    /// The acquisition's code and how many equal acquisitions come before it in the file.
    pub acquired: String,
    pub ordinal: usize,
}

/// The actions for `request` in a file the session analysed.
pub fn code_actions(
    session: &mut Session,
    analysis: &FileAnalysis,
    request: &Request<'_>,
) -> Vec<CodeActionOrCommand> {
    let text = &analysis.source.text;
    let lines = LineIndex::new(text);
    let at = Positions { lines: &lines, unit: request.unit };
    let touched: Vec<usize> = (0..analysis.findings.len())
        .filter(|&i| touches(analysis.findings[i].acquire, request.range))
        .collect();
    let fixable = analysis.syntax_errors == 0;
    let strategy = session.config.strategy_choice(None);
    let index = session.index_for(&analysis.entry).into_owned();
    let file = session.under_fix(analysis, &index);
    let mut actions = Vec::new();
    if fixable && !touched.is_empty() && request.wants(&CodeActionKind::QUICKFIX) {
        let suggestions = file.suggestions(&analysis.findings, strategy);
        for &i in &touched {
            let finding = &analysis.findings[i];
            let diagnostic = convert::diagnostic(request.uri, &at, finding);
            for suggestion in &suggestions[i] {
                actions.push(fix_action(request.uri, &at, &diagnostic, suggestion));
            }
            if request.resolves && wants_switch(finding) {
                let ordinal = analysis.findings[..i]
                    .iter()
                    .filter(|earlier| earlier.acquire.text(text) == finding.acquire.text(text))
                    .count();
                let data = SwitchData {
                    uri: request.uri.clone(),
                    version: request.version,
                    acquired: finding.acquire.text(text).to_owned(),
                    ordinal,
                };
                actions.push(CodeAction {
                    title: format!(
                        "Switch this lock to tokio's in every file it goes to (guardfix, {})",
                        "loads rust-analyzer"
                    ),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic.clone()]),
                    data: serde_json::to_value(data).ok(),
                    ..CodeAction::default()
                });
            }
            if let Some(edit) = allow_here(text, finding, analysis.source.line_endings) {
                actions.push(CodeAction {
                    title: format!(
                        "Allow `clippy::{}` here",
                        crate::analyse::suppress::lint_name(finding.kind)
                    ),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic]),
                    edit: Some(one_file(request.uri, at.edits(&[edit]))),
                    ..CodeAction::default()
                });
            }
        }
    }
    let fix_all = CodeActionKind::new(FIX_ALL);
    if fixable && !analysis.findings.is_empty() && request.wants(&fix_all) {
        let fixes = file.fix(strategy, false);
        if let Some(new_text) = fixes.new_text {
            let mut replacements = line_replacements(text, &new_text);
            for replacement in &mut replacements {
                replacement.new = analysis.source.line_endings.restore(&replacement.new);
            }
            actions.push(CodeAction {
                title: format!("Fix all guardfix findings in this file ({})", fixes.applied.len()),
                kind: Some(fix_all),
                edit: Some(one_file(request.uri, at.edits(&replacements))),
                ..CodeAction::default()
            });
        }
    }
    actions.into_iter().map(CodeActionOrCommand::CodeAction).collect()
}

/// Whether the planner sends the finding to the lock switch.
fn wants_switch(finding: &Finding) -> bool {
    matches!(finding.planned, Some(Planned::Workspace(Strategy::AsyncMutex)))
        || (finding.planned.is_none() && finding.suggested == Some(Strategy::AsyncMutex))
}

/// Whether the cursor or selection `range` touches `span` (a cursor at either end counts).
fn touches(span: Span, range: Span) -> bool {
    span.start <= range.end && range.start <= span.end
}

fn fix_action(
    uri: &Url,
    at: &Positions<'_>,
    diagnostic: &Diagnostic,
    suggestion: &Suggestion,
) -> CodeAction {
    let what: Vec<&str> = suggestion.strategies.iter().map(|name| describe(name)).collect();
    let safe = suggestion.applicability == Applicability::MachineApplicable;
    let title = if safe {
        format!("Fix: {} (guardfix)", what.join(" and "))
    } else {
        format!("Fix: {} (guardfix; review: it may change what the code does)", what.join(" and "))
    };
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(one_file(uri, at.edits(&suggestion.replacements))),
        is_preferred: Some(safe),
        ..CodeAction::default()
    }
}

fn describe(strategy: &str) -> &str {
    match strategy {
        "scope" => "end the guard's scope before the await",
        "drop" => "drop the guard before the await",
        "helper" => "move the critical section into a sync fn",
        "relock" => "release the lock before the await and take it again after",
        "async-mutex" => "switch the lock to tokio's",
        other => other,
    }
}

fn one_file(uri: &Url, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }
}

/// The attribute that silences the finding, on the statement that acquires the guard (or, for
/// a block's tail expression, where attributes are not stable, on the fn).
fn allow_here(
    text: &str,
    finding: &Finding,
    line_endings: crate::parse::LineEndings,
) -> Option<crate::render::fix_edits::Replacement> {
    let tree = SourceFile::parse(text, ra_ap_syntax::Edition::CURRENT).tree();
    let range =
        ra_ap_syntax::TextRange::new(finding.acquire.start.into(), finding.acquire.end.into());
    if range.end() > tree.syntax().text_range().end() {
        return None;
    }
    let start = match tree.syntax().covering_element(range) {
        ra_ap_syntax::NodeOrToken::Node(node) => node,
        ra_ap_syntax::NodeOrToken::Token(token) => token.parent()?,
    };
    let statement = start.ancestors().find(|node| {
        ast::Stmt::can_cast(node.kind())
            && node.parent().is_some_and(|p| ast::StmtList::can_cast(p.kind()))
    });
    let target =
        statement.or_else(|| start.ancestors().find(|node| ast::Fn::can_cast(node.kind())))?;
    // Before any attributes or doc comments the node already has.
    let at = usize::from(target.text_range().start());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    let lint = crate::analyse::suppress::lint_name(finding.kind);
    let attribute = format!("#[allow(clippy::{lint})]");
    let new = if before.trim().is_empty() {
        line_endings.restore(&format!("{attribute}\n{before}"))
    } else {
        format!("{attribute} ")
    };
    Some(crate::render::fix_edits::Replacement { old: at..at, new })
}

/// The lock switch for the finding `data` names: the fix pipeline with `--strategy
/// async-mutex` over the saved workspace, narrowed to the files this lock's switch edits.
/// `Err` says why there is none (the file changed or is unsaved, the switch was refused and
/// why).
pub fn resolve_switch(
    session: &Session,
    data: &SwitchData,
    current_version: Option<i32>,
    unsaved: &[&Path],
    unit: ColumnUnit,
) -> Result<WorkspaceEdit, String> {
    if current_version != Some(data.version) {
        return Err("the file changed since the action was offered; ask for it again".to_owned());
    }
    if let Some(path) = unsaved.first() {
        return Err(format!(
            "save {} first: the lock switch edits the files as saved",
            crate::render::slash_path(path, Some(&session.root))
        ));
    }
    let path = convert::path_of(&data.uri).ok_or("not a file on disk")?;
    let options = RunOptions { semantic: SemanticMode::Auto, ..RunOptions::default() };
    let fix_options = FixOptions {
        strategy: StrategyChoice::Only(Strategy::AsyncMutex),
        unsafe_fixes: false,
        check: options.check,
    };
    let pipeline =
        Pipeline::check(&session.root, options, fix_options).map_err(|e| e.to_string())?;
    let computed = pipeline.compute(&TakenBack::default(), &|_, _| {});
    let file = computed
        .files
        .iter()
        .find(|file| file.entry.path == path)
        .ok_or("guardfix no longer finds this guard held across an await in the saved file")?;
    // The switch's own keys count findings in the text as fixed so far; with this strategy
    // only switches edit it, so the acquisition's code names the lock.
    let switched = file.switches.iter().any(|key| key.acquired == data.acquired);
    if !switched {
        let reason = file
            .skipped
            .iter()
            .find(|skipped| skipped.finding.acquire.text(&file.source.text) == data.acquired)
            .map(|skipped| skipped.reason.clone())
            .or_else(|| computed.warnings.first().cloned())
            .unwrap_or_else(|| "the lock switch does not take this finding".to_owned());
        return Err(format!("guardfix cannot switch this lock: {reason}"));
    }
    let group: BTreeSet<&Path> =
        file.switched_with.iter().map(|path| path.as_path()).chain([path.as_path()]).collect();
    let mut changes = HashMap::new();
    for changed in computed.files.iter().filter(|file| group.contains(file.entry.path.as_path())) {
        let (Some(new_bytes), Ok(old)) =
            (changed.new_bytes(), std::str::from_utf8(changed.source.bytes()))
        else {
            continue;
        };
        let new = String::from_utf8_lossy(&new_bytes);
        let lines = LineIndex::new(old);
        let at = Positions { lines: &lines, unit };
        let uri = convert::uri_of(&changed.entry.path).ok_or("a path that is no file URI")?;
        changes.insert(uri, at.edits(&line_replacements(old, &new)));
    }
    Ok(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() })
}
