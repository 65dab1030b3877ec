//! Step 1 of the fix pipeline: the fix engine over every file with findings (in parallel),
//! handing back per file the original bytes, the fixed text and what was fixed or skipped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::discover::SourceFileEntry;
use crate::driver::{CheckRun, CheckedFile};
use crate::edit::Applicability;
use crate::edit::engine::{
    Applied, FileFixes, FindingKey, FixOptions, Skipped, StrategyChoice, fix_file_taking_back,
};
use crate::finding::{Finding, Strategy};
use crate::parse::LoadedSource;
use crate::render::line_index::LineIndex;

/// One file that had findings, and what the fix engine made of it.
pub struct ProposedFile {
    pub entry: SourceFileEntry,
    /// The file as read: `bytes` exactly as on disk, `text` with `\n` line endings.
    pub source: LoadedSource,
    /// The findings of the original text (offsets into `source.text`).
    pub findings: Vec<Finding>,
    /// Syntax errors in the original: such a file is never edited.
    pub syntax_errors: usize,
    /// The fixed text (`\n` line endings); `None` when nothing changed.
    pub new_text: Option<String>,
    /// Offsets in each `Applied`/`Skipped` finding refer to the text as fixed so far, not to
    /// the original; [`ProposedFile::outcomes`] maps them back.
    pub applied: Vec<Applied>,
    pub skipped: Vec<Skipped>,
    /// The other files a lock switch (async-mutex) edited together with this one: written,
    /// reviewed and applied all together or not at all.
    pub switched_with: Vec<std::path::PathBuf>,
    /// The lock switches that edited this file, and its text before the first of them (with
    /// the per-file fixes only): `--verify` tells their edits from the per-file fixes'.
    pub switches: Vec<SwitchKey>,
    pub before_switch: Option<String>,
}

impl ProposedFile {
    pub fn display_path(&self) -> String {
        self.entry.display_path.display().to_string()
    }

    /// The bytes to write: the fixed text with the file's own line endings and BOM.
    pub fn new_bytes(&self) -> Option<Vec<u8>> {
        self.new_text.as_ref().map(|text| self.source.encode(text))
    }

    /// What happened to each finding, in the order the engine handled them, with lines of the
    /// original file.
    pub fn outcomes(&self) -> Vec<FindingOutcome> {
        let lines = LineIndex::new(&self.source.text);
        let mut unused: Vec<&Finding> = self.findings.iter().collect();
        let mut line_of = |finding: &Finding| {
            // The engine maps findings back to the original text; failing that, match by what
            // the finding is (kind, lock, binding), as its offsets moved with earlier fixes.
            let same = |original: &&Finding| {
                original.kind == finding.kind
                    && original.lock == finding.lock
                    && original.binding == finding.binding
                    && original.acquire_method == finding.acquire_method
            };
            let position = unused
                .iter()
                .position(|original| same(original) && original.acquire == finding.acquire)
                .or_else(|| unused.iter().position(same));
            let original = position.map(|i| unused.remove(i)).unwrap_or(finding);
            lines.line_col(original.acquire.start).0
        };
        let mut outcomes = Vec::new();
        for applied in &self.applied {
            outcomes.push(FindingOutcome {
                line: line_of(&applied.finding),
                finding: applied.finding.clone(),
                result: Outcome::Fixed {
                    strategy: applied.strategy,
                    applicability: applied.applicability,
                },
            });
        }
        for skipped in &self.skipped {
            outcomes.push(FindingOutcome {
                line: line_of(&skipped.finding),
                finding: skipped.finding.clone(),
                result: Outcome::Skipped { reason: skipped.reason.clone() },
            });
        }
        outcomes.sort_by_key(|outcome| outcome.line);
        outcomes
    }
}

/// One lock switch, by the finding whose guard set it off, across the switch's rounds (its
/// offsets move as other locks are switched): its file, the text of its acquisition, and how
/// many findings before it in the file have that same text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SwitchKey {
    pub path: std::path::PathBuf,
    pub acquired: String,
    pub ordinal: usize,
}

/// One finding of a [`ProposedFile`] and whether it was fixed.
pub struct FindingOutcome {
    /// 1-based line of the guard's acquisition in the original file.
    pub line: u32,
    pub finding: Finding,
    pub result: Outcome,
}

pub enum Outcome {
    Fixed { strategy: Strategy, applicability: Applicability },
    Skipped { reason: String },
}

impl FindingOutcome {
    /// One line for a reader: `line 24: guard `log` of `std::sync::RwLock` held across an
    /// await: fixed by scope`.
    pub fn summary(&self) -> String {
        let finding = &self.finding;
        let what = match &finding.binding {
            Some(binding) => format!("guard `{binding}` of `{}`", finding.lock),
            None => format!("temporary `{}` guard", finding.lock),
        };
        let awaits = match finding.awaits.len() {
            0 | 1 => "an await".to_owned(),
            n => format!("{n} awaits"),
        };
        let result = match &self.result {
            Outcome::Fixed { strategy, applicability: Applicability::MachineApplicable } => {
                format!("fixed by {}", strategy.name())
            }
            Outcome::Fixed { strategy, applicability: Applicability::MaybeIncorrect } => {
                format!("fixed by {} (MaybeIncorrect: check it)", strategy.name())
            }
            Outcome::Skipped { reason } => format!("skipped: {reason}"),
        };
        let line = format!("line {}: {what} held across {awaits}: {result}", self.line);
        // Snapshot headers keep one finding per line.
        line.replace(['\n', '\r'], " ")
    }
}

/// `--strategy` by name: `auto`, `scope`, `drop`, `helper`, `async-mutex`.
pub use crate::config::strategy_choice;

/// The name [`strategy_choice`] reads back.
pub fn strategy_name(choice: StrategyChoice) -> &'static str {
    match choice {
        StrategyChoice::Auto => "auto",
        StrategyChoice::Only(strategy) => strategy.name(),
    }
}

/// Step 1: the fix engine on every file of `run` with findings (in parallel), calling
/// `progress(done, total)` as each is done. Files with syntax errors get no fixes.
/// `taken_back`: per file, findings whose fixes `--verify` took back (see
/// [`fix_file_taking_back`]).
pub fn fix_each_file(
    run: &CheckRun,
    fix_options: FixOptions,
    taken_back: &HashMap<PathBuf, HashMap<FindingKey, String>>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<ProposedFile> {
    let none = HashMap::new();
    let with_findings: Vec<&CheckedFile> =
        run.checked.iter().filter(|file| !file.findings.is_empty()).collect();
    let total = with_findings.len();
    let done = AtomicUsize::new(0);
    progress(0, total);
    with_findings
        .into_par_iter()
        .map(|file| {
            let index = run.index_for(file);
            let index = Some(&*index);
            let fixes = if file.syntax_errors > 0 {
                FileFixes::default()
            } else {
                let taken_back = taken_back.get(&file.entry.path).unwrap_or(&none);
                crate::parse::catch_panic(|| {
                    fix_file_taking_back(
                        &file.source.text,
                        file.entry.edition,
                        index,
                        fix_options,
                        run.semantic_file(file),
                        taken_back,
                    )
                })
                .unwrap_or_default()
            };
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            let FileFixes { new_text, applied, skipped } = fixes;
            ProposedFile {
                entry: file.entry.clone(),
                source: file.source.clone(),
                findings: file.findings.clone(),
                syntax_errors: file.syntax_errors,
                new_text,
                applied,
                skipped,
                switched_with: Vec::new(),
                switches: Vec::new(),
                before_switch: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::RunOptions;
    use crate::fix::pipeline::compute_fixes;

    const HELD: &str = "use std::sync::Mutex;\nasync fn tick() {}\npub async fn f(m: &Mutex<Vec<u32>>) -> usize {\n    let mut g = m.lock().unwrap();\n    g.push(1);\n    let n = g.len();\n    tick().await;\n    n\n}\n";

    fn options() -> FixOptions {
        FixOptions {
            strategy: StrategyChoice::Auto,
            unsafe_fixes: false,
            check: Default::default(),
        }
    }

    #[test]
    fn a_held_guard_gets_new_text_and_an_outcome_on_its_original_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lib.rs"), HELD).unwrap();
        let computed = compute_fixes(dir.path(), RunOptions::default(), options()).unwrap();
        let [file] = computed.files.as_slice() else { panic!("one file") };
        assert_eq!(file.source.text, HELD);
        assert!(file.new_text.as_deref().is_some_and(|t| t.contains("let n = {")));
        let outcomes = file.outcomes();
        assert_eq!(outcomes.len(), 1);
        assert_eq!(outcomes[0].line, 4);
        assert_eq!(
            outcomes[0].summary(),
            "line 4: guard `g` of `std::sync::Mutex` held across an await: fixed by scope"
        );
    }

    #[test]
    fn strategy_names_round_trip() {
        for name in ["auto", "scope", "drop", "helper", "async-mutex", "relock"] {
            assert_eq!(strategy_name(strategy_choice(name)), name);
        }
    }
}
