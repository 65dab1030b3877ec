//! The fix engine: applies fixes one at a time, verifies each, repeats to a fixpoint.

use std::collections::{HashMap, HashSet};

use ra_ap_syntax::{AstNode, Edition, SourceFile};

use super::{Applicability, apply_edits};
use crate::analyse::{self, CheckOptions, imports::Imports, index::ItemIndex};
use crate::finding::{Finding, Strategy};
use crate::semantic::SemanticFile;
use crate::transforms::{self, FixContext};

/// Which strategy the user asked for (`--strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrategyChoice {
    /// The planner's suggestion: the least invasive safe transform.
    Auto,
    Only(Strategy),
}

#[derive(Clone, Copy, Debug)]
pub struct FixOptions {
    pub strategy: StrategyChoice,
    /// Apply MaybeIncorrect fixes too.
    pub unsafe_fixes: bool,
    pub check: CheckOptions,
}

/// A finding that was fixed, by which transform.
#[derive(Clone, Debug)]
pub struct Applied {
    pub finding: Finding,
    pub strategy: Strategy,
    pub applicability: Applicability,
}

/// A finding left alone, and why.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub finding: Finding,
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct FileFixes {
    pub new_text: Option<String>,
    pub applied: Vec<Applied>,
    pub skipped: Vec<Skipped>,
}

/// Added to the reason a guard used after its await was not fixed, when the `relock`
/// transform would split its critical section in two.
pub const RELOCK_HINT: &str = "; or split the critical section in two (the lock released before the await and taken again after it, MaybeIncorrect): `--strategy relock --unsafe-fixes`";

/// Most rounds one file gets: each round applies one fix, so this bounds fixes per file.
const MAX_ROUNDS: usize = 200;

/// Fixes what it can in one file. `index` is the crate's index (or `None` for the file's own).
pub fn fix_file(
    text: &str,
    edition: Edition,
    index: Option<&ItemIndex>,
    options: FixOptions,
) -> FileFixes {
    fix_file_with(text, edition, index, options, None)
}

/// `fix_file` with rust-analyzer's types (and its semantic transforms) for a file of a loaded
/// workspace: every re-analysis asks the same oracle the check did.
pub fn fix_file_with(
    text: &str,
    edition: Edition,
    index: Option<&ItemIndex>,
    options: FixOptions,
    semantic: Option<SemanticFile<'_>>,
) -> FileFixes {
    fix_file_taking_back(text, edition, index, options, semantic, &HashMap::new())
}

/// [`fix_file_with`], leaving alone the findings in `taken_back` (by their identity in `text`):
/// `--verify` found their fixes do not compile, and says why in their skip reason.
pub fn fix_file_taking_back(
    text: &str,
    edition: Edition,
    index: Option<&ItemIndex>,
    options: FixOptions,
    semantic: Option<SemanticFile<'_>>,
    taken_back: &HashMap<FindingKey, String>,
) -> FileFixes {
    let mut result = FileFixes::default();
    let mut current = text.to_owned();
    let mut given_up: HashSet<FindingKey> = HashSet::new();
    let baseline = SourceFile::parse(text, edition);
    if !baseline.errors().is_empty() || crate::parse::too_deep(baseline.tree().syntax()).is_some() {
        return result;
    }
    // Each reported finding's identity in the text it was met in, to find it in the original.
    let mut applied_keys: Vec<FindingKey> = Vec::new();
    let mut skipped_keys: Vec<FindingKey> = Vec::new();
    let note_skips = |result: &FileFixes, keys: &mut Vec<FindingKey>, text: &str| {
        for skipped in &result.skipped[keys.len()..] {
            keys.push(FindingKey::of(&skipped.finding, text));
        }
    };
    for _ in 0..MAX_ROUNDS {
        let (tree, findings) = analyse_text(&current, edition, index, options.check, semantic);
        let known = Known { index, semantic, taken_back };
        let next = next_fix(&tree, &current, &findings, &mut given_up, options, &mut result, known);
        note_skips(&result, &mut skipped_keys, &current);
        let Some((finding, fix)) = next else {
            break;
        };
        let key = FindingKey::of(&finding, &current);
        let Some(candidate) = apply_edits(&current, &fix.edits) else {
            result.skipped.push(Skipped {
                finding,
                reason: "the fix's edits overlap; nothing was changed".into(),
            });
            given_up.insert(key);
            note_skips(&result, &mut skipped_keys, &current);
            continue;
        };
        let reanalyse = |text: &str| analyse_text(text, edition, index, options.check, semantic).1;
        match verify(&current, &candidate, &findings, &finding, edition, &reanalyse) {
            Ok(()) => {
                applied_keys.push(key);
                result.applied.push(Applied {
                    finding,
                    strategy: fix.strategy,
                    applicability: fix.applicability,
                });
                current = candidate;
            }
            Err(reason) => {
                result.skipped.push(Skipped { finding, reason });
                given_up.insert(key);
                note_skips(&result, &mut skipped_keys, &current);
            }
        }
    }
    // Findings were met in intermediate texts; report them with their spans in the original.
    let (_, original) = analyse_text(text, edition, index, options.check, semantic);
    let mut unused: Vec<(FindingKey, &Finding)> =
        original.iter().map(|finding| (FindingKey::of(finding, text), finding)).collect();
    let mut to_original = |finding: &mut Finding, key: &FindingKey| {
        if let Some(at) = unused.iter().position(|(other, _)| other == key) {
            *finding = unused.remove(at).1.clone();
        }
    };
    for (applied, key) in result.applied.iter_mut().zip(&applied_keys) {
        to_original(&mut applied.finding, key);
    }
    for (skipped, key) in result.skipped.iter_mut().zip(&skipped_keys) {
        to_original(&mut skipped.finding, key);
    }
    if current != text {
        result.new_text = Some(current);
    }
    result
}

fn analyse_text(
    text: &str,
    edition: Edition,
    index: Option<&ItemIndex>,
    options: CheckOptions,
    semantic: Option<SemanticFile<'_>>,
) -> (SourceFile, Vec<Finding>) {
    // A lock taken twice has no automatic fix: the engine never sees those findings.
    let options = CheckOptions { deadlocks: false, ..options };
    let tree = SourceFile::parse(text, edition).tree();
    let imports = Imports::collect(tree.syntax());
    // Fixes add blocks and `let`s, never declarations, so the crate's index stays true; a file
    // fixed on its own gets an index of its own.
    let own;
    let index = match index {
        Some(index) => index,
        None => {
            let mut fresh = ItemIndex::default();
            fresh.add_file(tree.syntax(), &imports);
            fresh.finish();
            own = fresh;
            &own
        }
    };
    let findings = semantic
        .and_then(|file| file.analyse(text, &tree, index, &imports, edition, options))
        .unwrap_or_else(|| analyse::analyse_tree(&tree, index, &imports, edition, options));
    (tree, findings)
}

/// The first finding (in source order) that has an applicable fix; findings without one are
/// recorded as skipped once.
fn next_fix(
    tree: &SourceFile,
    text: &str,
    findings: &[Finding],
    given_up: &mut HashSet<FindingKey>,
    options: FixOptions,
    result: &mut FileFixes,
    known: Known<'_>,
) -> Option<(Finding, crate::edit::Fix)> {
    let Known { index, semantic, taken_back } = known;
    let neighbours = by_context(findings);
    for finding in findings {
        let key = FindingKey::of(finding, text);
        if given_up.contains(&key) {
            continue;
        }
        if let Some(reason) = taken_back.get(&key) {
            result.skipped.push(Skipped { finding: finding.clone(), reason: reason.clone() });
            given_up.insert(key);
            continue;
        }
        let findings = &neighbours[&finding.context];
        let ctx = FixContext { root: tree.syntax(), text, finding, findings, index, semantic };
        let outcome = plan_fix(&ctx, options);
        match outcome {
            Ok(fix) => return Some((finding.clone(), fix)),
            Err(no_fix) => {
                result.skipped.push(Skipped { finding: finding.clone(), reason: no_fix.reason() });
                given_up.insert(key);
            }
        }
    }
    None
}

/// Plans each finding of a file as `fix` (default options) would, and records the outcome in
/// it (`Finding::planned`), so `check`'s help line says what `fix` will do, not what the
/// decision table hopes for. A finding without a fix loses its suggested strategy.
pub fn plan_notes(
    text: &str,
    edition: Edition,
    index: &ItemIndex,
    findings: &mut [Finding],
    semantic: Option<SemanticFile<'_>>,
) {
    use crate::finding::Planned;
    let parse = SourceFile::parse(text, edition);
    if findings.is_empty() || !parse.errors().is_empty() {
        return;
    }
    let tree = parse.tree();
    let options = FixOptions {
        strategy: StrategyChoice::Auto,
        unsafe_fixes: false,
        check: CheckOptions::default(),
    };
    let snapshot: Vec<Finding> = findings.to_vec();
    let neighbours = by_context(&snapshot);
    for (finding, original) in findings.iter_mut().zip(&snapshot) {
        if finding.kind.is_deadlock() || finding.planned.is_some() {
            continue; // planned when found: no automatic fix
        }
        let ctx = FixContext {
            root: tree.syntax(),
            text,
            finding: original,
            findings: &neighbours[&original.context],
            index: Some(index),
            semantic,
        };
        let planned = match crate::parse::catch_panic(|| plan_fix(&ctx, options)) {
            Ok(Ok(fix)) => Planned::Fix(fix.strategy),
            Ok(Err(NoFix::UnsafeOnly { strategy, .. })) => Planned::UnsafeOnly(strategy),
            Ok(Err(NoFix::Workspace { strategy, .. })) => Planned::Workspace(strategy),
            Ok(Err(NoFix::Refused(reason))) => Planned::NoFix(reason),
            Err(_) => continue,
        };
        if matches!(planned, Planned::NoFix(_)) {
            finding.suggested = None;
        }
        finding.planned = Some(planned);
    }
}

/// The findings of each fn (or async block, closure): the ones a transform may look at next
/// to its own. Grouped once, so a file with thousands of findings is not scanned per finding.
fn by_context(
    findings: &[Finding],
) -> std::collections::HashMap<crate::finding::Span, Vec<Finding>> {
    let mut groups: std::collections::HashMap<_, Vec<Finding>> = std::collections::HashMap::new();
    for finding in findings {
        groups.entry(finding.context).or_default().push(finding.clone());
    }
    groups
}

/// What the transforms may consult besides the syntax: the crate's index, rust-analyzer.
#[derive(Clone, Copy)]
struct Known<'a> {
    index: Option<&'a ItemIndex>,
    semantic: Option<SemanticFile<'a>>,
    /// Findings whose fixes `--verify` took back, with why.
    taken_back: &'a HashMap<FindingKey, String>,
}

/// Why a finding gets no fix in this file (its reason is what the summary says).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoFix {
    /// Only a MaybeIncorrect fix applies: `--unsafe-fixes` would apply it.
    UnsafeOnly { strategy: Strategy, reason: String },
    /// The strategy works over the whole workspace (the lock switch), after the per-file fixes.
    Workspace { strategy: Strategy, reason: String },
    /// Nothing guardfix can do here, and why.
    Refused(String),
}

impl NoFix {
    pub fn reason(&self) -> String {
        match self {
            NoFix::UnsafeOnly { reason, .. }
            | NoFix::Workspace { reason, .. }
            | NoFix::Refused(reason) => reason.clone(),
        }
    }
}

/// What `fix` with these options would do about `ctx`'s finding in this file: the fix, or
/// why there is none. The same planning gives `check`'s help line ([`plan_notes`]).
pub fn plan_fix(ctx: &FixContext<'_>, options: FixOptions) -> Result<crate::edit::Fix, NoFix> {
    let finding = ctx.finding;
    // The analysis already knows there is no fix (a switch that would hang), and why.
    if let Some(crate::finding::Planned::NoFix(reason)) = &finding.planned {
        return Err(NoFix::Refused(reason.clone()));
    }
    let handler;
    let ctx = if finding.in_macro {
        handler = macro_handler_root(ctx.root, finding).ok_or_else(|| {
            NoFix::Refused(
                "inside a macro call's arguments: guardfix edits only `select!`/`join!` handlers"
                    .to_owned(),
            )
        })?;
        &FixContext {
            root: &handler,
            text: ctx.text,
            finding,
            findings: ctx.findings,
            index: ctx.index,
            semantic: None,
        }
    } else {
        ctx
    };
    let strategies: Vec<Strategy> = match options.strategy {
        StrategyChoice::Only(strategy) => vec![strategy],
        StrategyChoice::Auto => match finding.suggested {
            Some(Strategy::Drop) => vec![Strategy::Drop, Strategy::Scope],
            Some(Strategy::Scope) => vec![Strategy::Scope],
            // An async guard held across an await it does not need (MaybeIncorrect).
            Some(Strategy::Relock) => vec![Strategy::Relock],
            Some(other) => {
                let why = if crate::plan::guards_code(finding) {
                    "the guard is never read through, so it protects the code after it, await included: ending it earlier would run that code unlocked"
                } else {
                    "the guard is used after the await"
                };
                let mut reason = format!(
                    "needs the `{}` strategy ({why}), which works on the whole workspace with rust-analyzer's types: it was not loaded here",
                    other.name()
                );
                if transforms::fix_with(Strategy::Relock, ctx).is_some() {
                    reason.push_str(RELOCK_HINT);
                }
                return Err(NoFix::Workspace { strategy: other, reason });
            }
            None => return Err(NoFix::Refused(no_fix_reason(finding))),
        },
    };
    let mut unsafe_only = None;
    for strategy in strategies {
        if strategy == Strategy::Drop && finding.borrowed {
            continue; // rustc would still count the guard live at the await
        }
        if let Some(fix) = transforms::fix_with(strategy, ctx) {
            if fix.applicability == Applicability::MachineApplicable || options.unsafe_fixes {
                return Ok(fix);
            }
            unsafe_only.get_or_insert(strategy);
        }
    }
    let refused = |reason: &str| Err(NoFix::Refused(reason.to_owned()));
    match unsafe_only {
        Some(strategy) => Err(NoFix::UnsafeOnly {
            strategy,
            reason: format!(
                "the `{}` fix may change behaviour (MaybeIncorrect): rerun with `--unsafe-fixes` to apply it",
                strategy.name()
            ),
        }),
        None if options.strategy == StrategyChoice::Only(Strategy::Relock) => refused(
            "`relock` needs a `let`-bound `Mutex`/`RwLock` guard that the awaiting statements do not use, acquired without calls of its own and by names not rebound before it is acquired again",
        ),
        None if finding.kind == crate::finding::FindingKind::AsyncGuardHeldAcrossAwait => refused(
            "the awaiting code uses the guard, so the lock must span the await: where the state does async work under its lock, a task that owns the state and takes requests over a channel serialises it without making every waiter queue (`guardfix explain async-guard-held-across-await`)",
        ),
        None if finding.used_after_await => refused(
            "the guard is used after the await: neither `scope` nor `drop` can end it earlier (it needs `helper` or `async-mutex`)",
        ),
        // rust-analyzer's extract-function assist works on the file's tree, where a macro's
        // arguments are tokens.
        None if options.strategy == StrategyChoice::Only(Strategy::Helper) && finding.in_macro => {
            refused(
                "the `helper` transform cannot move code out of a macro's arguments (the guard is in a `select!`/`join!` handler): `--strategy scope` ends it there",
            )
        }
        None if options.strategy == StrategyChoice::Only(Strategy::Helper)
            && ctx.semantic.is_none() =>
        {
            refused(
                "the `helper` transform needs rust-analyzer's view of the workspace (`--semantic always`, and `rustup component add rust-src`)",
            )
        }
        None => refused("no transform applies to this shape of code"),
    }
}

/// The parsed handler of a `select!`/`join!` call that contains the finding: its nodes carry
/// the real file's offsets, so transforms can work on it as on any block.
fn macro_handler_root(
    root: &ra_ap_syntax::SyntaxNode,
    finding: &Finding,
) -> Option<ra_ap_syntax::SyntaxNode> {
    use crate::analyse::macros::{self, MacroBody};
    let range: ra_ap_syntax::TextRange = finding.acquire.into();
    let call = transforms::node_at(root, finding.acquire)?
        .ancestors()
        .find_map(ra_ap_syntax::ast::MacroCall::cast)?;
    if !macros::macro_name(&call).is_some_and(|name| macros::is_await_macro(&name)) {
        return None;
    }
    let handlers = match macros::read_macro(&call, ra_ap_syntax::Edition::CURRENT) {
        MacroBody::Select { handlers, .. } => handlers,
        _ => return None,
    };
    handlers.into_iter().map(|handler| handler.syntax().clone()).find(|handler| {
        handler.text_range().contains_range(range)
            && ra_ap_syntax::ast::BlockExpr::can_cast(handler.kind())
    })
}

/// How many macro calls in the text guardfix can read: an edit inside a macro must not make
/// one unreadable (the outer file would still parse, and the finding would merely vanish).
fn readable_macros(text: &str, edition: Edition) -> usize {
    use crate::analyse::macros::{self, MacroBody};
    let tree = SourceFile::parse(text, edition).tree();
    tree.syntax()
        .descendants()
        .filter_map(ra_ap_syntax::ast::MacroCall::cast)
        .filter(|call| !matches!(macros::read_macro(call, edition), MacroBody::Opaque))
        .count()
}

fn no_fix_reason(finding: &Finding) -> String {
    use crate::finding::HeldBecause::*;
    if crate::plan::guards_code(finding) {
        return format!(
            "the guard is never read through, so it protects the code after it, await included; `{}` cannot be switched to an async lock: restructure by hand (or end it before the await with `--strategy scope --unsafe-fixes`)",
            finding.lock
        );
    }
    match finding.held_because {
        AsyncFnParameter => "the guard is a parameter of the async fn: change the caller".into(),
        CapturedByAsyncBlock => {
            "the guard is moved into an async block: restructure by hand".into()
        }
        HeldAcrossLoopIteration => "the guard is carried around a loop: restructure by hand".into(),
        UnmatchedScrutinee => "the `if let` scrutinee lives through `else` before edition 2024: compute the `then` branch's work first (`let done = if let … { …; true } else { false };`) and await after it, or move the crate to edition 2024".into(),
        NotDroppedOnEveryPath => {
            "the guard is dropped on some paths only: restructure by hand".into()
        }
        _ if finding.used_after_await && !crate::plan::switchable(finding) => format!(
            "the guard is used after the await, and `{}` has no async lock to switch to: restructure by hand",
            finding.lock
        ),
        _ if finding.used_after_await => "the guard is used after the await".into(),
        _ => "no automatic fix for this shape".into(),
    }
}

/// A fix is kept only if the result parses as well as before, the finding is gone, and no
/// finding appeared that was not there.
fn verify(
    before: &str,
    after: &str,
    findings_before: &[Finding],
    fixed: &Finding,
    edition: Edition,
    reanalyse: &dyn Fn(&str) -> Vec<Finding>,
) -> Result<(), String> {
    let errors = SourceFile::parse(after, edition).errors().len();
    if errors > 0 {
        return Err("the rewritten code did not parse; the fix was dropped".into());
    }
    if fixed.in_macro && readable_macros(after, edition) < readable_macros(before, edition) {
        return Err("the rewritten macro input could not be read back; the fix was dropped".into());
    }
    let findings_after = reanalyse(after);
    let keys_before: Vec<FindingKey> =
        findings_before.iter().map(|f| FindingKey::of(f, before)).collect();
    let keys_after: Vec<FindingKey> =
        findings_after.iter().map(|f| FindingKey::of(f, after)).collect();
    let fixed_key = FindingKey::of(fixed, before);
    let count = |keys: &[FindingKey], key: &FindingKey| keys.iter().filter(|k| *k == key).count();
    if count(&keys_after, &fixed_key) >= count(&keys_before, &fixed_key) {
        return Err("the finding was still there after the fix; the fix was dropped".into());
    }
    if keys_after.iter().any(|key| count(&keys_after, key) > count(&keys_before, key)) {
        return Err("the fix introduced a new finding; it was dropped".into());
    }
    Ok(())
}

/// A finding's identity across edits: offsets move, the acquiring code and binding do not.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FindingKey {
    kind: &'static str,
    binding: Option<String>,
    acquire_text: String,
    /// The enclosing fn's signature (or `async move` of a block): several fns lock the same way.
    context_head: String,
}

impl FindingKey {
    pub fn of(finding: &Finding, text: &str) -> FindingKey {
        let acquire_text = text
            .get(finding.acquire.start as usize..finding.acquire.end as usize)
            .unwrap_or("")
            .to_owned();
        let context =
            text.get(finding.context.start as usize..finding.context.end as usize).unwrap_or("");
        FindingKey {
            kind: finding.kind.code(),
            binding: finding.binding.clone(),
            acquire_text,
            context_head: context_head(context),
        }
    }

    /// The kind's code, the guard's binding and the acquiring code, as the key compares them.
    pub fn parts(&self) -> (&'static str, Option<&str>, &str) {
        (self.kind, self.binding.as_deref(), &self.acquire_text)
    }

    /// The signature of the fn (or closure, async block) the finding is in, as
    /// [`context_head`] gives it.
    pub fn context_head(&self) -> &str {
        &self.context_head
    }
}

/// A fn's (closure's, async block's) identity across fixes in its body: its text up to the
/// body's `{`, whitespace collapsed (a fix that breaks a one-line fn into lines leaves it).
pub fn context_head(context_text: &str) -> String {
    let signature = context_text.split('{').next().unwrap_or("");
    signature.split_whitespace().collect::<Vec<_>>().join(" ")
}
