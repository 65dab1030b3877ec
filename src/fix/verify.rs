//! `--verify`: after writing, make sure the workspace still compiles, and take back the fixes
//! that broke it, as `cargo fix` does.
//!
//! guardfix's own checks (the fixed file parses, the finding is gone, nothing new appeared) are
//! syntactic; only the compiler knows whether a moved `let` still borrows correctly. So after
//! the files are written, `cargo check --workspace --all-targets --message-format=json
//! --keep-going` runs in the workspace root, and each compiler error is mapped back by its spans
//! (file and lines) to the written files:
//!
//! 1. a written file with an error on a line guardfix changed (inserted or rewrote, or next to
//!    a deletion) is reverted to its original contents;
//! 2. when no error lands on a changed line but some land elsewhere in written files, those
//!    files are reverted too (a fix can break a use further down, such as a binding that now
//!    lives in a block); this is also what happens to a file that had errors before guardfix
//!    touched it, since a compiler error alone cannot tell the two apart;
//! 3. cargo check runs again, until it passes or no written file is left to blame.
//!
//! Fixes are per file, so a revert takes back all of a file's fixes, never a part of them; the
//! files a lock switch changed together (async-mutex) are reverted together.
//! Reverts are atomic writes that refuse a file changed since guardfix wrote it. Errors that
//! remain in files guardfix did not change are reported, and the run fails.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use similar::{DiffOp, TextDiff};

use super::per_file::{ProposedFile, SwitchKey};
use super::pipeline::{ComputedFixes, Pipeline, TakenBack};
use crate::edit::engine::FindingKey;

/// Lines of a rendered compiler error quoted in a report.
const QUOTED_ERROR_LINES: usize = 12;

#[derive(thiserror::Error, Debug)]
pub enum VerifyError {
    #[error(
        "--verify needs a cargo project to run `cargo check` in, and {} is not inside one ({message}); drop --verify or point guardfix at a crate",
        path.display()
    )]
    NoWorkspace { path: PathBuf, message: String },
    #[error("could not run `cargo check` in {}: {source}; is cargo installed and on PATH?", root.display())]
    CargoFailed { root: PathBuf, source: std::io::Error },
}

/// A file guardfix wrote: what it held before and after, and which lines changed.
#[derive(Clone, Debug)]
pub struct WrittenFile {
    pub path: PathBuf,
    pub display: String,
    pub original: Vec<u8>,
    pub written: Vec<u8>,
    /// 1-based line ranges (inclusive) of the written file that the fixes inserted or changed.
    pub changed_lines: Vec<(u32, u32)>,
    /// The files a lock switch changed with this one: reverted with it.
    pub together: Vec<PathBuf>,
}

impl WrittenFile {
    /// `file` after writing `written` (its fixed text, encoded) to disk.
    pub fn new(file: &ProposedFile, written: Vec<u8>) -> WrittenFile {
        let new_text = file.new_text.as_deref().unwrap_or(&file.source.text);
        WrittenFile {
            path: file.entry.path.clone(),
            display: file.display_path(),
            original: file.source.bytes().to_vec(),
            written,
            changed_lines: changed_lines(&file.source.text, new_text),
            together: file.switched_with.clone(),
        }
    }

    fn touches(&self, line_start: u32, line_end: u32) -> bool {
        self.changed_lines.iter().any(|&(start, end)| line_start <= end && start <= line_end)
    }
}

/// The lines of `after` that differ from `before`: inserted or replaced lines, and for a pure
/// deletion the line now standing where the deleted ones were.
pub fn changed_lines(before: &str, after: &str) -> Vec<(u32, u32)> {
    let diff = TextDiff::from_lines(before, after);
    let line = |index: usize| u32::try_from(index + 1).unwrap_or(u32::MAX);
    diff.ops()
        .iter()
        .filter_map(|op| match *op {
            DiffOp::Equal { .. } => None,
            DiffOp::Delete { new_index, .. } => Some((line(new_index), line(new_index))),
            DiffOp::Insert { new_index, new_len, .. }
            | DiffOp::Replace { new_index, new_len, .. } => {
                Some((line(new_index), line(new_index + new_len - 1)))
            }
        })
        .collect()
}

/// One compiler error, with every file and line range it points at.
#[derive(Clone, Debug)]
pub struct CompilerError {
    /// `error[E0308]: mismatched types`
    pub title: String,
    /// rustc's own rendering, as a terminal shows it (without colour).
    pub rendered: String,
    /// Canonical file path (when it exists) and 1-based line range of each span.
    pub spans: Vec<(PathBuf, u32, u32)>,
}

impl CompilerError {
    /// The first lines of the rendered error, indented for a report.
    pub fn quoted(&self) -> String {
        let text = if self.rendered.trim().is_empty() { &self.title } else { &self.rendered };
        let mut lines: Vec<String> =
            text.trim_end().lines().take(QUOTED_ERROR_LINES).map(|l| format!("    {l}")).collect();
        if text.trim_end().lines().count() > QUOTED_ERROR_LINES {
            lines.push("    …".to_owned());
        }
        lines.join("\n")
    }
}

/// What one `cargo check` said.
pub struct CheckResult {
    pub success: bool,
    pub errors: Vec<CompilerError>,
    /// cargo's own stderr (for failures that are not compiler errors: a broken manifest, a
    /// build script).
    pub stderr: String,
}

/// The workspace root above `path` (a file or folder), as cargo sees it.
pub fn workspace_root(path: &Path) -> Result<PathBuf, VerifyError> {
    let folder = if path.is_file() {
        path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    } else {
        path
    };
    let no_workspace =
        |message: String| VerifyError::NoWorkspace { path: path.to_owned(), message };
    let output = Command::new(cargo())
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .current_dir(folder)
        .output()
        .map_err(|e| no_workspace(format!("could not run cargo: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
        return Err(no_workspace(message.to_owned()));
    }
    let manifest = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    Ok(manifest.parent().map(Path::to_path_buf).unwrap_or(manifest))
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Runs `cargo check --workspace --all-targets` in `root` and collects its errors.
pub fn cargo_check(root: &Path) -> Result<CheckResult, VerifyError> {
    let output = Command::new(cargo())
        .args(["check", "--workspace", "--all-targets", "--keep-going", "--quiet"])
        .arg("--message-format=json")
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| VerifyError::CargoFailed { root: root.to_owned(), source })?;
    let mut errors: Vec<CompilerError> = Vec::new();
    for line in output.stdout.lines().map_while(Result::ok) {
        // `--all-targets` checks a lib twice (as itself and as its unit tests): one report each.
        if let Some(error) = compiler_error(&line, root)
            && !errors.iter().any(|e| e.rendered == error.rendered && e.spans == error.spans)
        {
            errors.push(error);
        }
    }
    Ok(CheckResult {
        success: output.status.success(),
        errors,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

#[derive(Deserialize)]
struct CargoLine {
    reason: String,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct Diagnostic {
    message: String,
    level: String,
    code: Option<DiagnosticCode>,
    #[serde(default)]
    spans: Vec<DiagnosticSpan>,
    #[serde(default)]
    children: Vec<Diagnostic>,
    rendered: Option<String>,
}

#[derive(Deserialize)]
struct DiagnosticCode {
    code: String,
}

#[derive(Deserialize)]
struct DiagnosticSpan {
    file_name: String,
    line_start: u32,
    line_end: u32,
}

/// A `compiler-message` line of cargo's JSON output, if it is an error that points somewhere.
/// (The closing "aborting due to 2 previous errors" points nowhere.)
fn compiler_error(line: &str, root: &Path) -> Option<CompilerError> {
    let parsed: CargoLine = serde_json::from_str(line).ok()?;
    if parsed.reason != "compiler-message" {
        return None;
    }
    let message = parsed.message?;
    if !message.level.starts_with("error") {
        return None;
    }
    let mut spans = Vec::new();
    collect_spans(&message, root, &mut spans);
    if spans.is_empty() {
        return None;
    }
    let title = match &message.code {
        Some(code) => format!("{}[{}]: {}", message.level, code.code, message.message),
        None => format!("{}: {}", message.level, message.message),
    };
    Some(CompilerError { title, rendered: message.rendered.unwrap_or_default(), spans })
}

fn collect_spans(message: &Diagnostic, root: &Path, out: &mut Vec<(PathBuf, u32, u32)>) {
    for span in &message.spans {
        // Paths of workspace members are relative to the workspace root, others absolute.
        let path = root.join(&span.file_name);
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        out.push((path, span.line_start, span.line_end));
    }
    for child in &message.children {
        collect_spans(child, root, out);
    }
}

/// A written file taken back to its original contents, and the errors that made it so.
pub struct Reverted {
    pub path: PathBuf,
    pub display: String,
    pub errors: Vec<CompilerError>,
    /// Whether an error was on a line guardfix changed (otherwise elsewhere in the file).
    pub on_changed_lines: bool,
    /// Reverted because this file, which a lock switch changed with it, was.
    pub with: Option<String>,
}

/// The end state after verifying.
pub struct Verification {
    pub reverted: Vec<Reverted>,
    /// Files that should have been reverted but could not be (changed during the check).
    pub revert_failures: Vec<String>,
    /// Whether the last `cargo check` passed.
    pub passed: bool,
    /// When it did not: the errors guardfix could not blame on any file it still has written.
    pub remaining: Vec<CompilerError>,
    pub cargo_stderr: String,
}

/// Checks the workspace at `root` and reverts the written files that break it (see the module
/// doc for the rules).
pub fn verify_written(root: &Path, files: &[WrittenFile]) -> Result<Verification, VerifyError> {
    let canonical: Vec<PathBuf> =
        files.iter().map(|f| std::fs::canonicalize(&f.path).unwrap_or(f.path.clone())).collect();
    let mut active = vec![true; files.len()];
    let mut verification = Verification {
        reverted: Vec::new(),
        revert_failures: Vec::new(),
        passed: false,
        remaining: Vec::new(),
        cargo_stderr: String::new(),
    };
    loop {
        let check = cargo_check(root)?;
        if check.success {
            verification.passed = true;
            return Ok(verification);
        }
        let blamed = blame(files, &canonical, &active, &check.errors);
        if blamed.is_empty() {
            verification.remaining = check.errors;
            verification.cargo_stderr = check.stderr;
            return Ok(verification);
        }
        let mut reverts: Vec<(usize, Vec<CompilerError>, bool, Option<String>)> = Vec::new();
        for (index, errors, on_changed_lines) in blamed {
            active[index] = false;
            reverts.push((index, errors, on_changed_lines, None));
            // A lock switch only compiles whole: its other files go back with this one.
            for (other, file) in files.iter().enumerate() {
                if active[other] && files[index].together.contains(&file.path) {
                    active[other] = false;
                    reverts.push((other, Vec::new(), false, Some(files[index].display.clone())));
                }
            }
        }
        for (index, errors, on_changed_lines, with) in reverts {
            let file = &files[index];
            match crate::fix::write::write_atomic(&file.path, &file.written, &file.original) {
                Ok(()) => verification.reverted.push(Reverted {
                    path: file.path.clone(),
                    display: file.display.clone(),
                    errors,
                    on_changed_lines,
                    with,
                }),
                Err(error) => verification.revert_failures.push(error.to_string()),
            }
        }
    }
}

/// Which still-written files to revert for `errors`, with their errors: those with an error
/// on a changed line, or failing that, those with any error.
fn blame(
    files: &[WrittenFile],
    canonical: &[PathBuf],
    active: &[bool],
    errors: &[CompilerError],
) -> Vec<(usize, Vec<CompilerError>, bool)> {
    let errors_in = |index: usize, changed_only: bool| -> Vec<CompilerError> {
        errors
            .iter()
            .filter(|error| {
                error.spans.iter().any(|(path, start, end)| {
                    *path == canonical[index]
                        && (!changed_only || files[index].touches(*start, *end))
                })
            })
            .cloned()
            .collect()
    };
    let candidates: BTreeSet<usize> = (0..files.len()).filter(|&i| active[i]).collect();
    for changed_only in [true, false] {
        let blamed: Vec<_> = candidates
            .iter()
            .map(|&i| (i, errors_in(i, changed_only), changed_only))
            .filter(|(_, errors, _)| !errors.is_empty())
            .collect();
        if !blamed.is_empty() {
            return blamed;
        }
    }
    Vec::new()
}

/// What the CLI needs after verifying: which files ended up reverted, and whether the
/// workspace compiles.
pub struct VerifyReport {
    pub reverted: Vec<PathBuf>,
    pub ok: bool,
}

/// [`verify_written`], reporting on stderr as `cargo fix` does.
pub fn verify_and_report(root: &Path, files: &[WrittenFile]) -> VerifyReport {
    if files.is_empty() {
        return VerifyReport { reverted: Vec::new(), ok: true };
    }
    eprintln!(
        "verifying: cargo check --workspace --all-targets in {} ({} changed file{})",
        root.display(),
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    let verification = match verify_written(root, files) {
        Ok(verification) => verification,
        Err(error) => {
            eprintln!("error: {error}; the written files were kept");
            return VerifyReport { reverted: Vec::new(), ok: false };
        }
    };
    for reverted in &verification.reverted {
        if let Some(with) = &reverted.with {
            eprintln!(
                "warning: reverted {} to its original contents with {with}: they switch a lock to tokio's together",
                reverted.display
            );
            continue;
        }
        let place = if reverted.on_changed_lines {
            "on lines the fixes changed"
        } else {
            "in this file (though on no line the fixes changed)"
        };
        eprintln!(
            "warning: reverted {} to its original contents: with guardfix's fixes, cargo check failed {place}:",
            reverted.display
        );
        for error in &reverted.errors {
            eprintln!("{}", error.quoted());
        }
    }
    for failure in &verification.revert_failures {
        eprintln!("error: could not revert: {failure}");
    }
    let reverted: Vec<PathBuf> = verification.reverted.iter().map(|r| r.path.clone()).collect();
    if verification.passed {
        eprintln!(
            "verified: cargo check passes ({} of {} changed file{} reverted)",
            reverted.len(),
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        );
        return VerifyReport { reverted, ok: verification.revert_failures.is_empty() };
    }
    eprintln!(
        "error: cargo check still fails, on code guardfix did not change or could not revert (did the workspace compile before?):"
    );
    for error in &verification.remaining {
        eprintln!("{}", error.quoted());
    }
    if verification.remaining.is_empty() {
        let tail: Vec<&str> = verification.cargo_stderr.lines().rev().take(10).collect();
        for line in tail.into_iter().rev() {
            eprintln!("    {line}");
        }
    }
    VerifyReport { reverted, ok: false }
}

// ---------------------------------------------------------------------------------------------
// `fix --write`: the compiler judges every fix, by default.

/// A compiler error, comparable across edits: its title, its file, and the text of the line it
/// starts on there (line numbers move when fixes add lines above it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    title: String,
    path: PathBuf,
    line_text: String,
}

/// The errors the workspace had before guardfix wrote anything: not blamed on a fix.
pub struct Baseline {
    fingerprints: std::collections::HashSet<Fingerprint>,
    /// How many errors, and how long the check took.
    pub errors: usize,
    pub seconds: f64,
}

/// `cargo check` on the workspace as it is, before writing.
pub fn baseline(root: &Path) -> Result<Baseline, VerifyError> {
    let start = std::time::Instant::now();
    let check = cargo_check(root)?;
    let fingerprints = check.errors.iter().map(fingerprint).collect();
    Ok(Baseline {
        fingerprints,
        errors: check.errors.len(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn fingerprint(error: &CompilerError) -> Fingerprint {
    let (path, line) =
        error.spans.first().map_or((PathBuf::new(), 0), |(path, line, _)| (path.clone(), *line));
    let line_text = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| {
            text.lines().nth(line.saturating_sub(1) as usize).map(|l| l.trim().to_owned())
        })
        .unwrap_or_default();
    Fingerprint { title: error.title.clone(), path, line_text }
}

/// What one fix is, for taking it back: a per-file fix (its file and finding), or a lock switch.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Unit {
    Fix { path: PathBuf, key: FindingKey, line: u32, display: String, strategy: &'static str },
    Switch(SwitchKey),
}

/// The end state of verifying `fix --write`.
pub struct FixVerification {
    /// What was taken back, and the compiler's errors that made it so.
    pub taken_back: Vec<(String, Vec<CompilerError>)>,
    /// Whether the last `cargo check` passed.
    pub passed: bool,
    /// Errors of the last check that were there before guardfix wrote anything.
    pub old_errors: usize,
    /// Errors guardfix could not blame on any fix it still has written.
    pub unblamed: Vec<CompilerError>,
    pub revert_failures: Vec<String>,
    /// `cargo check` runs after writing, and their time (the baseline's is in [`Baseline`]).
    pub checks: usize,
    pub seconds: f64,
    /// The fixes as they finally stand on disk.
    pub computed: ComputedFixes,
}

/// Most rounds of taking back: each takes back at least one fix.
const MAX_ROUNDS: usize = 12;

/// Checks the written workspace at `root` and takes back the fixes the compiler rejects,
/// until it passes or no new error can be blamed on a fix: errors in `baseline` were there
/// before and are not blamed. An error is blamed on the fixes of the fn it is in (by the fn's
/// signature), on a lock switch whose edits it touches, or, failing those, on every fix of its
/// file; an error in a file guardfix did not write, on the lock switches. Taking back means
/// computing the fixes again without them (`pipeline`), so the rest stay.
/// `written`: the files guardfix wrote (others are left alone).
pub fn verify_fixes(
    pipeline: &Pipeline,
    root: &Path,
    baseline: &Baseline,
    computed: ComputedFixes,
    written: &BTreeSet<PathBuf>,
) -> Result<FixVerification, VerifyError> {
    let start = std::time::Instant::now();
    let mut on_disk: BTreeMap<PathBuf, Vec<u8>> = computed
        .files
        .iter()
        .filter(|file| written.contains(&file.entry.path))
        .filter_map(|file| Some((file.entry.path.clone(), file.new_bytes()?)))
        .collect();
    let originals: BTreeMap<PathBuf, Vec<u8>> = computed
        .files
        .iter()
        .map(|file| (file.entry.path.clone(), file.source.bytes().to_vec()))
        .collect();
    let mut outcome = FixVerification {
        taken_back: Vec::new(),
        passed: false,
        old_errors: 0,
        unblamed: Vec::new(),
        revert_failures: Vec::new(),
        checks: 0,
        seconds: 0.0,
        computed,
    };
    let mut taken_back = TakenBack::default();
    for _ in 0..MAX_ROUNDS {
        let check = cargo_check(root)?;
        outcome.checks += 1;
        let (old, new): (Vec<CompilerError>, Vec<CompilerError>) = check
            .errors
            .into_iter()
            .partition(|error| baseline.fingerprints.contains(&fingerprint(error)));
        outcome.old_errors = old.len();
        if new.is_empty() {
            outcome.passed = check.success;
            break;
        }
        let blamed = blame_fixes(&outcome.computed, &new);
        if blamed.is_empty() {
            outcome.unblamed = new;
            break;
        }
        for (unit, errors) in blamed {
            let reason = format!(
                "taken back: with it, cargo check failed ({})",
                errors.first().map_or("", |error| error.title.as_str())
            );
            let what = match &unit {
                Unit::Fix { line, display, strategy, .. } => {
                    format!("the {strategy} fix of {display}:{line}")
                }
                Unit::Switch(key) => {
                    format!("the switch of the lock acquired as `{}` to tokio's", key.acquired)
                }
            };
            match unit {
                Unit::Fix { path, key, .. } => {
                    taken_back.fixes.entry(path).or_default().insert(key, reason);
                }
                Unit::Switch(key) => {
                    taken_back.switches.insert(key, reason);
                }
            }
            outcome.taken_back.push((what, errors));
        }
        outcome.computed = pipeline.compute(&taken_back, &|_, _| {});
        // Each written file gets its new text: the fixes that stay, or its original.
        let mut desired: BTreeMap<PathBuf, Vec<u8>> = originals
            .iter()
            .filter(|(path, _)| on_disk.contains_key(*path))
            .map(|(path, bytes)| (path.clone(), bytes.clone()))
            .collect();
        for file in
            outcome.computed.files.iter().filter(|file| on_disk.contains_key(&file.entry.path))
        {
            if let Some(bytes) = file.new_bytes() {
                desired.insert(file.entry.path.clone(), bytes);
            }
        }
        for (path, bytes) in desired {
            let current = on_disk
                .get(&path)
                .cloned()
                .unwrap_or_else(|| originals.get(&path).cloned().unwrap_or_default());
            if current == bytes {
                continue;
            }
            match crate::fix::write::write_atomic(&path, &current, &bytes) {
                Ok(()) => {
                    on_disk.insert(path, bytes);
                }
                Err(error) => outcome.revert_failures.push(error.to_string()),
            }
        }
    }
    outcome.seconds = start.elapsed().as_secs_f64();
    Ok(outcome)
}

/// [`verify_fixes`], reporting on stderr: what was taken back and why, and what it cost.
/// `false` when the workspace fails with errors guardfix's fixes brought (or could not take
/// back); errors it had before guardfix wrote anything are said, not counted against it.
pub fn verify_and_report_fixes(
    pipeline: &Pipeline,
    root: &Path,
    baseline: &Baseline,
    computed: ComputedFixes,
    written: &BTreeSet<PathBuf>,
) -> bool {
    let fixes = |computed: &ComputedFixes| -> usize {
        computed.files.iter().map(|file| file.applied.len()).sum()
    };
    if written.is_empty() {
        return true;
    }
    eprintln!(
        "verifying: cargo check --workspace --all-targets in {} ({} changed file{}; before writing it had {} error{})",
        root.display(),
        written.len(),
        if written.len() == 1 { "" } else { "s" },
        baseline.errors,
        if baseline.errors == 1 { "" } else { "s" },
    );
    let before = fixes(&computed);
    let outcome = match verify_fixes(pipeline, root, baseline, computed, written) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("error: {error}; the written files were kept");
            return false;
        }
    };
    for (what, errors) in &outcome.taken_back {
        eprintln!("warning: took back {what}: with it, cargo check failed:");
        for error in errors.iter().take(2) {
            eprintln!("{}", error.quoted());
        }
    }
    for failure in &outcome.revert_failures {
        eprintln!("error: could not take back: {failure}");
    }
    let kept = fixes(&outcome.computed);
    let cost = format!(
        "{} cargo check{} after writing, {:.1} s, and one before, {:.1} s",
        outcome.checks,
        if outcome.checks == 1 { "" } else { "s" },
        outcome.seconds,
        baseline.seconds
    );
    let tally = format!("kept {kept} of {before} fixes, took back {}", outcome.taken_back.len());
    if outcome.passed {
        eprintln!("verified: cargo check passes ({tally}; {cost})");
        return outcome.revert_failures.is_empty();
    }
    if outcome.unblamed.is_empty() {
        eprintln!(
            "verified: cargo check still fails, with {} error{} the workspace had before guardfix wrote anything and none from its fixes ({tally}; {cost})",
            outcome.old_errors,
            if outcome.old_errors == 1 { "" } else { "s" }
        );
        return outcome.revert_failures.is_empty();
    }
    eprintln!(
        "error: cargo check fails with errors guardfix could not blame on a fix it could take back ({tally}; {cost}):"
    );
    for error in &outcome.unblamed {
        eprintln!("{}", error.quoted());
    }
    false
}

/// The fixes (and lock switches) each new error is blamed on, with its errors.
fn blame_fixes(
    computed: &ComputedFixes,
    errors: &[CompilerError],
) -> BTreeMap<Unit, Vec<CompilerError>> {
    let mut blamed: BTreeMap<Unit, Vec<CompilerError>> = BTreeMap::new();
    let switches: Vec<&SwitchKey> = computed.files.iter().flat_map(|file| &file.switches).collect();
    for error in errors {
        let mut units: BTreeSet<Unit> = BTreeSet::new();
        for (path, line, _) in &error.spans {
            let file = computed.files.iter().find(|file| {
                file.new_text.is_some()
                    && std::fs::canonicalize(&file.entry.path).unwrap_or(file.entry.path.clone())
                        == *path
            });
            match file {
                Some(file) => units.extend(units_at(file, *line)),
                None => units.extend(switches.iter().map(|key| Unit::Switch((*key).clone()))),
            }
        }
        for unit in units {
            blamed.entry(unit).or_default().push(error.clone());
        }
    }
    blamed
}

/// The fixes of `file` an error at `line` (of its written text) is blamed on.
fn units_at(file: &ProposedFile, line: u32) -> Vec<Unit> {
    let Some(text) = file.new_text.as_deref() else { return Vec::new() };
    let fix_units: Vec<(Unit, String)> = file
        .applied
        .iter()
        .filter(|applied| applied.strategy != crate::finding::Strategy::AsyncMutex)
        .map(|applied| {
            let key = FindingKey::of(&applied.finding, &file.source.text);
            let line_of = crate::render::line_index::LineIndex::new(&file.source.text)
                .line_col(applied.finding.acquire.start)
                .0;
            let head = key.context_head().to_owned();
            let unit = Unit::Fix {
                path: file.entry.path.clone(),
                key,
                line: line_of,
                display: file.display_path(),
                strategy: applied.strategy.name(),
            };
            (unit, head)
        })
        .collect();
    let heads = context_heads_at(text, line);
    let mut units: Vec<Unit> = fix_units
        .iter()
        .filter(|(_, head)| heads.contains(head))
        .map(|(unit, _)| unit.clone())
        .collect();
    if let Some(before) = &file.before_switch {
        let changed = changed_lines(before, text);
        let near = changed.iter().any(|&(start, end)| start <= line + 1 && line <= end + 1);
        if near {
            units.extend(file.switches.iter().cloned().map(Unit::Switch));
        }
    }
    if units.is_empty() {
        units.extend(fix_units.into_iter().map(|(unit, _)| unit));
        units.extend(file.switches.iter().cloned().map(Unit::Switch));
    }
    units
}

/// The signatures of the fns, closures and async blocks around `line` of `text`, as the fix
/// engine names a finding's context.
fn context_heads_at(text: &str, line: u32) -> Vec<String> {
    use ra_ap_syntax::{AstNode, SourceFile, ast};
    let offset: usize =
        text.split_inclusive('\n').take(line.saturating_sub(1) as usize).map(str::len).sum();
    let first_char = text[offset.min(text.len())..]
        .find(|c: char| !c.is_whitespace())
        .map_or(offset, |at| offset + at);
    let tree = SourceFile::parse(text, ra_ap_syntax::Edition::CURRENT).tree();
    let Some(token) =
        tree.syntax().token_at_offset((first_char.min(text.len()) as u32).into()).right_biased()
    else {
        return Vec::new();
    };
    token
        .parent_ancestors()
        .filter(|node| {
            ast::Fn::can_cast(node.kind())
                || ast::ClosureExpr::can_cast(node.kind())
                || ast::BlockExpr::cast(node.clone())
                    .is_some_and(|block| block.async_token().is_some())
        })
        .map(|node| crate::edit::engine::context_head(&node.text().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_those_of_the_new_text() {
        let before = "a\nb\nc\nd\n";
        let after = "a\nB\nc\nx\ny\nd\n";
        assert_eq!(changed_lines(before, after), [(2, 2), (4, 5)]);
        assert_eq!(changed_lines("a\nb\nc\n", "a\nc\n"), [(2, 2)]);
        assert!(changed_lines("same\n", "same\n").is_empty());
    }

    #[test]
    fn an_error_line_is_parsed_with_its_spans() {
        let root = Path::new("/nowhere");
        let line = r#"{"reason":"compiler-message","package_id":"x","message":{"message":"mismatched types","code":{"code":"E0308","explanation":null},"level":"error","spans":[{"file_name":"src/lib.rs","line_start":7,"line_end":8,"is_primary":true}],"children":[{"message":"note","code":null,"level":"note","spans":[{"file_name":"src/other.rs","line_start":2,"line_end":2,"is_primary":true}],"children":[],"rendered":null}],"rendered":"error[E0308]: mismatched types\n --> src/lib.rs:7:5\n"}}"#;
        let error = compiler_error(line, root).expect("an error");
        assert_eq!(error.title, "error[E0308]: mismatched types");
        assert_eq!(
            error.spans,
            [(root.join("src/lib.rs"), 7, 8), (root.join("src/other.rs"), 2, 2)]
        );
        let warning = line.replace(r#""level":"error""#, r#""level":"warning""#);
        assert!(compiler_error(&warning, root).is_none());
        let aborting = r#"{"reason":"compiler-message","message":{"message":"aborting due to 1 previous error","code":null,"level":"error","spans":[],"children":[],"rendered":"error: aborting"}}"#;
        assert!(compiler_error(aborting, root).is_none());
        assert!(compiler_error(r#"{"reason":"build-finished","success":false}"#, root).is_none());
    }

    #[test]
    fn errors_on_changed_lines_are_blamed_first() {
        let file = |name: &str, changed: Vec<(u32, u32)>| WrittenFile {
            path: PathBuf::from(name),
            display: name.to_owned(),
            original: Vec::new(),
            written: Vec::new(),
            changed_lines: changed,
            together: Vec::new(),
        };
        let files = [file("/a.rs", vec![(3, 5)]), file("/b.rs", vec![(10, 10)])];
        let canonical: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
        let error = |path: &str, line: u32| CompilerError {
            title: format!("error at {path}:{line}"),
            rendered: String::new(),
            spans: vec![(PathBuf::from(path), line, line)],
        };
        let errors = [error("/a.rs", 4), error("/b.rs", 20)];
        let blamed = blame(&files, &canonical, &[true, true], &errors);
        assert_eq!(blamed.len(), 1);
        assert_eq!((blamed[0].0, blamed[0].2), (0, true));
        let blamed = blame(&files, &canonical, &[false, true], &errors);
        assert_eq!((blamed[0].0, blamed[0].2), (1, false), "then any error in a written file");
        assert!(blame(&files, &canonical, &[false, false], &errors).is_empty());
    }
}
