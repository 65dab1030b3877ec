//! Analysis: which guards are alive at which awaits.
//!
//! `check_source` analyses one file on its own; `CrateAnalysis` first indexes every file of a
//! crate (struct fields, aliases, statics, fn return types) so a lock declared in one file is
//! recognised where another file locks it.

pub mod classify;
pub mod drop_scopes;
pub mod imports;
pub mod index;
pub mod liveness;
pub mod lock_types;
pub mod macros;
pub mod mentions;
pub mod ownership;
pub mod prefilter;
pub mod self_locks;
pub mod suppress;
pub mod types;

use ra_ap_syntax::{AstNode, Edition, SourceFile, ast};

use crate::finding::{Finding, FindingKind, HeldBecause};
use classify::Classifier;
use imports::Imports;
use index::ItemIndex;
use liveness::{GuardRecord, Walker};
use lock_types::LockClass;

#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    /// Also report async-aware locks (tokio, futures, async-lock) and semaphore permits.
    pub include_async_locks: bool,
    /// Also report the deadlocks (a lock taken while a guard of it is alive, two locks taken in
    /// opposite orders): on unless `--no-deadlocks`.
    pub deadlocks: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { include_async_locks: false, deadlocks: true }
    }
}

pub use prefilter::{may_declare_locks, may_have_findings};

/// Analyses one file with an index of that file alone.
pub fn check_source(text: &str, edition: Edition, options: CheckOptions) -> Vec<Finding> {
    let tree = SourceFile::parse(text, edition).tree();
    let imports = Imports::collect(tree.syntax());
    let mut index = ItemIndex::default();
    index.add_file(tree.syntax(), &imports);
    index.finish();
    analyse_tree(&tree, &index, &imports, edition, options)
}

/// Analyses a parsed file against a crate's index (which should include this file).
pub fn analyse_tree(
    tree: &SourceFile,
    index: &ItemIndex,
    imports: &Imports,
    edition: Edition,
    options: CheckOptions,
) -> Vec<Finding> {
    analyse_tree_with(tree, index, imports, edition, options, None).findings
}

/// What one analysis of a file found, and how many receivers it could not classify.
pub struct Analysis {
    pub findings: Vec<Finding>,
    /// Where the syntax guessed a guard, or met a call it could not classify, whose value is
    /// alive at an await: the candidate findings only types can decide (`--semantic auto`
    /// loads them for these).
    pub candidates: Vec<crate::finding::Span>,
}

/// `analyse_tree` with exact types from an oracle (the semantic layer) where it has them.
pub fn analyse_tree_with(
    tree: &SourceFile,
    index: &ItemIndex,
    imports: &Imports,
    edition: Edition,
    options: CheckOptions,
    oracle: Option<&dyn classify::TypeOracle>,
) -> Analysis {
    if crate::parse::too_deep(tree.syntax()).is_some() {
        // The walk recurses over the tree; the driver reports such a file as an error.
        return Analysis { findings: Vec::new(), candidates: Vec::new() };
    }
    let text = crate::parse::tree_text(tree.syntax());
    analyse_tree_of(tree, &text, index, imports, edition, options, oracle)
}

/// `analyse_tree_with` given the tree's text (the file's, as it was parsed): building it again
/// from the tree costs a walk of the whole tree. The tree must be shallow enough
/// (`parse::too_deep`, which the driver's trees were checked for when they were built): the
/// walk recurses over it.
pub fn analyse_tree_of(
    tree: &SourceFile,
    text: &str,
    index: &ItemIndex,
    imports: &Imports,
    edition: Edition,
    options: CheckOptions,
    oracle: Option<&dyn classify::TypeOracle>,
) -> Analysis {
    debug_assert_eq!(text.len(), usize::from(tree.syntax().text_range().len()));
    let classifier = Classifier::new(index, imports).with_oracle(oracle);
    let mut walker = Walker::new(classifier, edition, tree.syntax().clone());
    // Locks taken again are looked for on every run, reported unless `--no-deadlocks`: they also
    // keep `fix` from switching such a lock to tokio's, where it would hang instead.
    // A file the prefilter calls declaring has its fns' facts in the index (every run indexes
    // such files with the text analysed here).
    let indexed = prefilter::may_declare_locks(text);
    walker.self_locks = Some(self_locks::SelfLocks::of_crate(tree.syntax(), index, indexed));
    // Only a fn whose text awaits can hold a guard across an await: most fns of a file are not
    // worth walking.
    let awaiting: Vec<ast::Fn> = tree
        .syntax()
        .descendants()
        .filter_map(ast::Fn::cast)
        .filter(|function| {
            let own = &text[function.syntax().text_range()];
            // With types (`oracle`), a guard needs no word to be found: `store.state()` of
            // another crate's `fn state(&self) -> MutexGuard<…>` spells none.
            let words = index.walk_filter().filter(|_| oracle.is_none());
            prefilter::may_have_findings(own)
                && words.is_none_or(|words| may_hold_guards_in(function, own, words))
        })
        .collect();
    walker.read_macros_only_in(awaiting.iter().map(|function| function.syntax().clone()).collect());
    for function in &awaiting {
        walker.walk_fn(function);
    }
    let mut findings: Vec<Finding> = walker
        .guards
        .iter()
        .flat_map(|guard| findings_of(guard, options))
        .chain(
            walker
                .taken_again
                .iter()
                .filter(|_| options.deadlocks)
                .map(|event| taken_again_finding(&walker.guards[event.held], event)),
        )
        .chain(if options.deadlocks { order_inversions(tree, &walker) } else { Vec::new() })
        .filter(|finding| !is_suppressed(tree, finding, index.allowed_fns()))
        .collect();
    // A call that takes the held lock again hangs there: its lock order is beside the point.
    let hangs: Vec<_> = findings
        .iter()
        .filter(|finding| finding.kind == FindingKind::LockTakenWhileHeld)
        .map(|finding| (finding.acquire, finding.held_since))
        .collect();
    findings.retain(|finding| {
        finding.kind != FindingKind::LockOrderInversion
            || !hangs.contains(&(finding.acquire, finding.held_since))
    });
    refuse_switches_that_hang(&mut findings, &walker, text);
    findings.sort_by_key(|finding| (finding.acquire, finding.kind.code()));
    findings
        .dedup_by(|later, earlier| later.acquire == earlier.acquire && later.kind == earlier.kind);
    // What only types can decide: guesses and unclassified calls alive at an await.
    let candidates = walker
        .guards
        .iter()
        .filter(|guard| guard.certainty != liveness::Certainty::Known)
        .filter(|guard| !guard.awaits.is_empty() || !guard.zombie_awaits.is_empty())
        // Only async semaphores hand out permits (`try_acquire_many_owned`): worth types only
        // when async locks are reported.
        .filter(|guard| {
            options.include_async_locks || !lock_types::hands_out_permits(&guard.acquisition.method)
        })
        .map(|guard| guard.acquire)
        .collect();
    Analysis { findings, candidates }
}

/// Whether a fn may hold a guard (the file-level prefilter, on the fn's text and the type of
/// its `self`): a guard alive at one of its awaits is made, named or passed in there.
fn may_hold_guards_in(function: &ast::Fn, text: &str, words: &prefilter::GuardWords) -> bool {
    prefilter::may_hold_guards(text, words)
        || index::enclosing_impl_self_type(function.syntax())
            .flatten()
            .is_some_and(|self_type| prefilter::may_hold_guards(&self_type, words))
}

/// An allow attribute, or a fn the configuration allows, around the acquisition or an await.
fn is_suppressed(tree: &SourceFile, finding: &Finding, allowed_fns: &[String]) -> bool {
    let lint = suppress::lint_name(finding.kind);
    std::iter::once(finding.acquire).chain(finding.awaits.iter().copied()).any(|span| {
        suppress::is_suppressed(tree.syntax(), span.into(), lint)
            || suppress::in_allowed_fn(tree.syntax(), span.into(), allowed_fns)
    })
}

/// Pairs of fns taking two locks in opposite orders, where each side's wait conflicts with the
/// other side's hold: one finding per side, naming the other.
fn order_inversions(tree: &SourceFile, walker: &Walker<'_>) -> Vec<Finding> {
    let orders = &walker.lock_orders;
    if orders.is_empty() {
        return Vec::new();
    }
    let text = crate::parse::tree_text(tree.syntax());
    let lines = crate::render::line_index::LineIndex::new(&text);
    let fn_name = |context: crate::finding::Span| {
        crate::transforms::node_at(tree.syntax(), context)
            .and_then(|node| node.ancestors().find_map(ast::Fn::cast))
            .and_then(|function| ast::HasName::name(&function))
            .map_or_else(|| "an async block".to_owned(), |name| format!("`{}`", name.text()))
    };
    let mut findings = Vec::new();
    for (i, this) in orders.iter().enumerate() {
        let held = &walker.guards[this.held];
        let other = orders.iter().enumerate().find(|&(j, other)| {
            let other_context = walker.guards[other.held].context;
            j != i
                && other.first == this.second
                && other.second == this.first
                && other_context != held.context
                // This side waits for what the other holds, and the other way round.
                && (this.second_exclusive || other.first_exclusive)
                && (other.second_exclusive || this.first_exclusive)
        });
        let through =
            |via: Option<&String>| via.map_or_else(String::new, |call| format!(" (in `{call}`)"));
        let other_side = match other {
            Some((_, other)) => {
                let other_context = walker.guards[other.held].context;
                let line = lines.line_col(other.second_at.start).0;
                format!("{} (line {line})", fn_name(other_context))
                    + &format!(" takes `{}` then `{}`", other.first, other.second)
                    + &through(other.via.as_ref())
            }
            // The other side in a fn the walk did not see: another file's, or a sync fn.
            None => {
                let Some(self_locks) = &walker.self_locks else { continue };
                let this_fn = fn_key_at(tree, held.context).unwrap_or_default();
                let Some(other) = self_locks.opposite_order(&this.second, &this.first, &this_fn)
                else {
                    continue;
                };
                let conflicts = (this.second_exclusive || other.first_exclusive)
                    && (other.second_exclusive || this.first_exclusive);
                if !conflicts {
                    continue;
                }
                format!("`{}` takes `{}` then `{}`", other.fn_key, this.second, this.first)
                    + &through(other.via.as_ref())
            }
        };
        let reason = format!(
            "this takes `{}` then `{}`{}; {other_side}: take them in one order everywhere (`guardfix explain lock-order-inversion`)",
            this.first,
            this.second,
            through(this.via.as_ref()),
        );
        let kind = FindingKind::LockOrderInversion;
        let method = held.acquisition.method.clone();
        findings.push(deadlock_finding(kind, held, this.second_at, method, held.in_macro, reason));
    }
    findings
}

/// The `self_locks::fn_key` of the fn around a context.
fn fn_key_at(tree: &SourceFile, context: crate::finding::Span) -> Option<String> {
    let function =
        crate::transforms::node_at(tree.syntax(), context)?.ancestors().find_map(ast::Fn::cast)?;
    let name = ast::HasName::name(&function)?;
    let self_type = index::enclosing_impl_self_type(function.syntax()).flatten();
    Some(self_locks::fn_key(self_type.as_deref(), name.text()))
}

/// A guard whose lock is taken again while it is alive (by this task, a call or an awaited
/// task) would still be waited for after a switch to tokio's lock: the program would hang
/// instead of blocking a thread. Such a finding gets no switch, with the reason.
fn refuse_switches_that_hang(findings: &mut [Finding], walker: &Walker<'_>, text: &str) {
    use crate::finding::{Planned, Strategy};
    if walker.taken_again.is_empty() {
        return;
    }
    let lines = crate::render::line_index::LineIndex::new(text);
    for finding in findings.iter_mut().filter(|f| f.suggested == Some(Strategy::AsyncMutex)) {
        let again = walker
            .taken_again
            .iter()
            .find(|event| walker.guards[event.held].acquire == finding.acquire);
        if let Some(event) = again {
            let line = lines.line_col(event.at.start).0;
            finding.suggested = None;
            finding.planned = Some(Planned::NoFix(format!(
                "the lock is taken again at line {line} while this guard is alive: switched to tokio's lock, that would hang instead of blocking; release the guard first (`guardfix explain lock-taken-while-held`)"
            )));
        }
    }
}

/// A lock taken again while `held`, a guard of it, is alive.
fn taken_again_finding(held: &GuardRecord, again: &liveness::TakenAgain) -> Finding {
    let advice = "end the first guard's scope (or `drop` it) before taking the lock again, or hand the guard to the code that needs it (`guardfix explain lock-taken-while-held`)";
    let reason = match &again.via {
        Some(call) if call.ends_with(')') => {
            format!("`{call}` takes this lock again (itself or in a fn it calls): {advice}")
        }
        Some(task) => format!("{task} takes this lock: {advice}"),
        None => advice.to_owned(),
    };
    let in_macro = held.in_macro || again.in_macro;
    let (kind, method) = (FindingKind::LockTakenWhileHeld, again.method.clone());
    deadlock_finding(kind, held, again.at, method, in_macro, reason)
}

/// A deadlock finding: at `at`, where a lock is taken while `held` (taken first) is
/// alive; never fixed automatically, `reason` says what to do.
fn deadlock_finding(
    kind: FindingKind,
    held: &GuardRecord,
    at: crate::finding::Span,
    method: String,
    in_macro: bool,
    reason: String,
) -> Finding {
    Finding {
        kind,
        lock: held.acquisition.lock.to_owned(),
        acquire_method: method,
        binding: held.binding.clone(),
        acquire: at,
        held_since: Some(held.acquire),
        awaits: Vec::new(),
        released_at: held.released_at,
        held_because: held.held_because.unwrap_or(HeldBecause::StatementTemporary),
        context: held.context,
        used_after_await: false,
        suggested: None,
        borrowed: false,
        in_macro,
        planned: Some(crate::finding::Planned::NoFix(reason)),
    }
}

/// The findings one guard's record amounts to: held at awaits, and/or dropped-but-not-`Send`.
fn findings_of(guard: &GuardRecord, options: CheckOptions) -> Vec<Finding> {
    if guard.certainty == liveness::Certainty::Candidate {
        return Vec::new(); // not known to be a guard: only a reason to ask the types
    }
    let class = guard.acquisition.class;
    if class == LockClass::Async && !options.include_async_locks {
        return Vec::new();
    }
    let mut findings = Vec::new();
    let base = |kind, awaits: &Vec<_>, held_because, released_at| {
        let mut awaits: Vec<_> = awaits.clone();
        awaits.sort();
        awaits.dedup();
        let mut finding = Finding {
            kind,
            lock: guard.acquisition.lock.to_owned(),
            acquire_method: guard.acquisition.method.clone(),
            binding: guard.binding.clone(),
            acquire: guard.acquire,
            held_since: None,
            awaits,
            released_at,
            held_because,
            context: guard.context,
            used_after_await: guard.used_after_await,
            suggested: None,
            borrowed: guard.borrowed,
            in_macro: guard.in_macro,
            planned: None,
        };
        finding.suggested = crate::plan::suggest(&finding);
        finding
    };
    if !guard.awaits.is_empty() {
        let kind = match class {
            LockClass::Blocking => FindingKind::GuardHeldAcrossAwait,
            LockClass::RefCell => FindingKind::RefcellBorrowHeldAcrossAwait,
            LockClass::Async => FindingKind::AsyncGuardHeldAcrossAwait,
        };
        let held_because = if guard.loop_carried {
            HeldBecause::HeldAcrossLoopIteration
        } else if guard.sometimes && guard.binding.is_some() {
            HeldBecause::NotDroppedOnEveryPath
        } else {
            guard.held_because.unwrap_or(HeldBecause::StatementTemporary)
        };
        findings.push(base(kind, &guard.awaits, held_because, guard.released_at));
    }
    if !guard.zombie_awaits.is_empty() && class != LockClass::Async {
        findings.push(base(
            FindingKind::DroppedButNotSend,
            &guard.zombie_awaits,
            HeldBecause::DroppedAfterBorrow,
            guard.dropped_at.or(guard.released_at),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(text: &str, options: CheckOptions) -> usize {
        let tree = SourceFile::parse(text, Edition::Edition2021).tree();
        let imports = Imports::collect(tree.syntax());
        let mut index = ItemIndex::default();
        index.add_file(tree.syntax(), &imports);
        index.finish();
        analyse_tree_with(&tree, &index, &imports, Edition::Edition2021, options, None)
            .candidates
            .len()
    }

    /// Only what types could turn into a finding is worth loading them for.
    #[test]
    fn candidates_are_calls_only_types_can_decide() {
        let unknown = "async fn f(s: &S) { let g = s.state_guard(); tick().await; }";
        assert_eq!(candidates(unknown, CheckOptions::default()), 1);
        // A struct the crate declares is known, whatever its name says.
        let declared =
            "struct AbortGuard(u8);\nasync fn f() { let g = AbortGuard(1); tick().await; }";
        assert_eq!(candidates(declared, CheckOptions::default()), 0);
        // Permits only come from async semaphores, reported with `--include-async-locks`.
        let permit =
            "async fn f(s: &S) { let p = s.clone().try_acquire_many_owned(2); tick().await; }";
        assert_eq!(candidates(permit, CheckOptions::default()), 0);
        let with_async = CheckOptions { include_async_locks: true, ..CheckOptions::default() };
        assert_eq!(candidates(permit, with_async), 1);
    }
}
