//! What `guardfix fix` would do to one file, per finding: the suggestions rustc's JSON
//! (`check --message-format=json`) and the language server's quick fixes carry.
//!
//! The fix engine fixes a whole file, so each fix is computed for the file (once as `fix` makes
//! it, once as `fix --unsafe-fixes` does) and split per finding (`render::fix_edits`). A finding
//! counts as fixed when the fixed text, analysed again the same way, no longer has it.

use ra_ap_syntax::{AstNode, Edition, SourceFile};

use crate::analyse::{self, CheckOptions, imports::Imports, index::ItemIndex};
use crate::edit::engine::{FindingKey, FixOptions, StrategyChoice, fix_file_with};
use crate::finding::Finding;
use crate::parse::{self, LineEndings};
use crate::render::fix_edits::{FileFix, fixes_by_finding};
use crate::render::rustc_json::{Applicability, Suggestion};
use crate::semantic::SemanticFile;

/// One file's text and how it is analysed: what the fix engine and the re-analysis need.
#[derive(Clone, Copy)]
pub struct FileUnderFix<'a> {
    pub text: &'a str,
    pub edition: Edition,
    /// Its crate's index (with the configuration's guard types and allowed fns).
    pub index: &'a ItemIndex,
    /// rust-analyzer's view, when the check analysed the file with types.
    pub semantic: Option<SemanticFile<'a>>,
    pub check: CheckOptions,
    pub line_endings: LineEndings,
}

impl<'a> FileUnderFix<'a> {
    /// A file as read (`source`) and discovered (`entry`), analysed with `index`.
    pub fn of(
        source: &'a crate::parse::LoadedSource,
        entry: &crate::discover::SourceFileEntry,
        index: &'a ItemIndex,
        semantic: Option<SemanticFile<'a>>,
        check: CheckOptions,
    ) -> FileUnderFix<'a> {
        FileUnderFix {
            text: &source.text,
            edition: entry.edition,
            index,
            semantic,
            check,
            line_endings: source.line_endings,
        }
    }

    /// The findings of `text` (a new version of this file), analysed as this file is.
    pub fn reanalyse(&self, text: &str) -> Result<Vec<Finding>, String> {
        parse::catch_panic(|| {
            let tree = SourceFile::parse(text, self.edition).tree();
            let imports = Imports::collect(tree.syntax());
            // Fixes add blocks and `let`s, never declarations: the crate's index stays true.
            let (index, edition, check) = (self.index, self.edition, self.check);
            self.semantic
                .and_then(|semantic| semantic.analyse(text, &tree, index, &imports, edition, check))
                .unwrap_or_else(|| analyse::analyse_tree(&tree, index, &imports, edition, check))
        })
    }

    /// Per finding of this file: whether `new_text` (the file after fixes) no longer has it,
    /// matched as the fix engine matches findings across edits (kind, binding, acquiring code
    /// and enclosing fn: two fns may lock the same way, and only one of them be fixed).
    pub fn findings_gone(&self, findings: &[Finding], new_text: &str) -> Vec<bool> {
        let Ok(after) = self.reanalyse(new_text) else { return vec![false; findings.len()] };
        let mut remaining: Vec<_> =
            after.iter().map(|finding| FindingKey::of(finding, new_text)).collect();
        findings
            .iter()
            .map(|finding| {
                let key = FindingKey::of(finding, self.text);
                match remaining.iter().position(|other| *other == key) {
                    Some(i) => {
                        remaining.remove(i);
                        false
                    }
                    None => true,
                }
            })
            .collect()
    }

    /// What `fix` writes to the whole file (`unsafe_fixes`: with `--unsafe-fixes`); nothing
    /// for a file with syntax errors or one the engine crashes on.
    pub fn fix(
        &self,
        strategy: StrategyChoice,
        unsafe_fixes: bool,
    ) -> crate::edit::engine::FileFixes {
        let options = FixOptions { strategy, unsafe_fixes, check: self.check };
        parse::catch_panic(|| {
            fix_file_with(self.text, self.edition, Some(self.index), options, self.semantic)
        })
        .unwrap_or_default()
    }

    /// Per finding: the fixes `fix` would make (MachineApplicable) and, for findings it would
    /// leave, those `fix --unsafe-fixes` would make (MaybeIncorrect).
    pub fn suggestions(
        &self,
        findings: &[Finding],
        strategy: StrategyChoice,
    ) -> Vec<Vec<Suggestion>> {
        let mut per_finding: Vec<Vec<Suggestion>> = findings.iter().map(|_| Vec::new()).collect();
        if findings.is_empty() {
            return per_finding;
        }
        let mut fixed_safely = vec![false; findings.len()];
        for applicability in [Applicability::MachineApplicable, Applicability::MaybeIncorrect] {
            let fixes = self.fix(strategy, applicability == Applicability::MaybeIncorrect);
            let Some(new_text) = fixes.new_text.as_deref() else { continue };
            let fixed = self.findings_gone(findings, new_text);
            let fix = FileFix {
                new_text,
                applied: &fixes.applied,
                fixed: &fixed,
                line_endings: self.line_endings,
            };
            for (position, edits) in
                fixes_by_finding(self.text, findings, &fix).into_iter().enumerate()
            {
                let Some(edits) = edits else { continue };
                if applicability == Applicability::MaybeIncorrect && fixed_safely[position] {
                    continue;
                }
                if applicability == Applicability::MachineApplicable {
                    fixed_safely[position] = true;
                }
                let strategies = edits.strategies.join(", ");

                let message = match applicability {
                    Applicability::MachineApplicable => {
                        format!("guardfix fix (strategy {strategies})")
                    }
                    Applicability::MaybeIncorrect => format!(
                        "guardfix fix --unsafe-fixes (strategy {strategies}; review: it may change what the code does)"
                    ),
                };
                per_finding[position].push(Suggestion {
                    message,
                    strategies: edits.strategies,
                    applicability,
                    replacements: edits.replacements,
                });
            }
        }
        per_finding
    }
}
