//! `guardfix review --snapshots DIR`: go through the pending snapshots one key at a time, as
//! `cargo insta review` does.
//!
//! ```text
//! Snapshot 1/2: src/lib.rs (src__lib.rs.snap.new)
//! 2 findings fixed (1 by drop, 1 by scope)
//!   line 24: guard `log` of `std::sync::RwLock` held across an await: fixed by scope
//!   …
//! --- a/src/lib.rs
//! +++ b/src/lib.rs
//! …
//!   a accept   r reject   s skip   q quit
//! ```
//!
//! `a` renames `x.snap.new` to `x.snap` (replacing an older accepted one), `r` deletes it, `s`
//! leaves it pending, `q` (or Esc, Ctrl-C, end of input) stops and leaves the rest pending.
//! On a terminal one key press is enough (raw mode, through `console`); when stdin is not a
//! terminal each line of input is read and its first letter counts, so scripts can drive it.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use super::snapshot::{self, FixSnapshot};
use super::{Freshness, freshness, stale_message};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject,
    Skip,
    Quit,
}

impl Decision {
    fn from_char(c: char) -> Option<Decision> {
        match c.to_ascii_lowercase() {
            'a' => Some(Decision::Accept),
            'r' => Some(Decision::Reject),
            's' => Some(Decision::Skip),
            'q' => Some(Decision::Quit),
            _ => None,
        }
    }
}

/// Where decisions come from. `Ok(None)` is a key that means nothing (ask again).
pub trait Keys {
    fn next(&mut self) -> io::Result<Option<Decision>>;
}

/// One key press on the terminal, unechoed.
pub struct TerminalKeys {
    term: console::Term,
}

impl TerminalKeys {
    /// `None` unless both stdin and stdout are terminals.
    pub fn open() -> Option<TerminalKeys> {
        use std::io::IsTerminal;
        let term = console::Term::stdout();
        (io::stdin().is_terminal() && term.is_term()).then_some(TerminalKeys { term })
    }
}

impl Keys for TerminalKeys {
    fn next(&mut self) -> io::Result<Option<Decision>> {
        use console::Key;
        Ok(match self.term.read_key()? {
            Key::Char(c) => Decision::from_char(c),
            Key::Escape | Key::CtrlC => Some(Decision::Quit),
            _ => None,
        })
    }
}

/// One line per decision, from any reader (stdin when it is not a terminal).
pub struct LineKeys<R> {
    input: R,
}

impl<R: BufRead> LineKeys<R> {
    pub fn new(input: R) -> LineKeys<R> {
        LineKeys { input }
    }
}

impl<R: BufRead> Keys for LineKeys<R> {
    fn next(&mut self) -> io::Result<Option<Decision>> {
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Ok(Some(Decision::Quit));
        }
        Ok(line.trim().chars().next().and_then(Decision::from_char))
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReviewSummary {
    pub accepted: Vec<PathBuf>,
    pub rejected: Vec<PathBuf>,
    pub skipped: Vec<PathBuf>,
    /// Not reached because the review was quit.
    pub left: usize,
    /// Files ending in `.snap.new` that guardfix did not write, left alone.
    pub foreign: Vec<String>,
}

/// Renames `x.snap.new` to `x.snap`; returns the new path.
pub fn accept(pending: &Path) -> io::Result<PathBuf> {
    let accepted = snapshot::accepted_path(pending);
    std::fs::rename(pending, &accepted)?;
    Ok(accepted)
}

/// Deletes a pending snapshot.
pub fn reject(pending: &Path) -> io::Result<()> {
    std::fs::remove_file(pending)
}

/// Reviews every pending snapshot in `dir`, in name order.
pub fn review(
    dir: &Path,
    keys: &mut dyn Keys,
    out: &mut dyn Write,
    color: bool,
) -> io::Result<ReviewSummary> {
    let pending = snapshot::list(dir, snapshot::PENDING_SUFFIX)?;
    let mut summary = ReviewSummary::default();
    let mut readable = Vec::new();
    for path in pending {
        match FixSnapshot::read(&path) {
            Ok(snapshot) => readable.push((path, snapshot)),
            Err(error) => summary.foreign.push(error.to_string()),
        }
    }
    let total = readable.len();
    for (index, (path, snapshot)) in readable.iter().enumerate() {
        show(out, dir, path, snapshot, index + 1, total, color)?;
        let decision = loop {
            write!(out, "  a accept   r reject   s skip   q quit > ")?;
            out.flush()?;
            match keys.next()? {
                Some(decision) => break decision,
                None => writeln!(out, "\n  (press a, r, s or q)")?,
            }
        };
        match decision {
            Decision::Accept => {
                let accepted = accept(path)?;
                writeln!(out, "accepted: {}", file_name(&accepted))?;
                summary.accepted.push(accepted);
            }
            Decision::Reject => {
                reject(path)?;
                writeln!(out, "rejected: {} deleted", file_name(path))?;
                summary.rejected.push(path.clone());
            }
            Decision::Skip => {
                writeln!(out, "skipped: {} stays pending", file_name(path))?;
                summary.skipped.push(path.clone());
            }
            Decision::Quit => {
                writeln!(out, "quit")?;
                summary.left = total - index;
                break;
            }
        }
        writeln!(out)?;
    }
    Ok(summary)
}

fn show(
    out: &mut dyn Write,
    dir: &Path,
    path: &Path,
    snapshot: &FixSnapshot,
    number: usize,
    total: usize,
    color: bool,
) -> io::Result<()> {
    let bold = |text: &str| {
        let style = anstyle::Style::new().bold();
        if color { format!("{style}{text}{style:#}") } else { text.to_owned() }
    };
    writeln!(
        out,
        "{} ({})",
        bold(&format!("Snapshot {number}/{total}: {}", snapshot.source)),
        file_name(path)
    )?;
    if !snapshot.description.is_empty() {
        writeln!(out, "{}", snapshot.description)?;
    }
    for finding in &snapshot.findings {
        writeln!(out, "  {finding}")?;
    }
    if !snapshot.together.is_empty() {
        writeln!(
            out,
            "  part of a lock switch: applied only together with {}",
            snapshot.together.join(", ")
        )?;
    }
    writeln!(out)?;
    write!(out, "{}", paint_diff(&snapshot.diff, color))?;
    let fresh = freshness(dir, snapshot);
    if fresh != Freshness::Fresh {
        writeln!(
            out,
            "warning: {}; `guardfix apply` will refuse this snapshot",
            stale_message(snapshot, &fresh)
        )?;
    }
    Ok(())
}

/// The stored (plain) diff, coloured line by line as `render::diff` colours it.
fn paint_diff(diff: &str, color: bool) -> String {
    use anstyle::{AnsiColor, Effects, Style};
    let mut out = String::with_capacity(diff.len());
    for line in diff.lines() {
        let style = if line.starts_with("--- ") || line.starts_with("+++ ") {
            Style::new().effects(Effects::BOLD)
        } else {
            match line.as_bytes().first() {
                Some(b'@') => AnsiColor::Cyan.on_default(),
                Some(b'-') => AnsiColor::Red.on_default(),
                Some(b'+') => AnsiColor::Green.on_default(),
                _ => Style::new(),
            }
        };
        if color && style != Style::new() {
            out.push_str(&format!("{style}{line}{style:#}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::snapshot::{SnapshotOptions, sha256_hex};

    /// A folder with pending snapshots of `a.rs` and `b.rs` (sources that do not exist: the
    /// review warns about them but goes on).
    fn two_pending() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.rs", "b.rs"] {
            let snapshot = FixSnapshot {
                source: name.into(),
                root: ".".into(),
                source_hash: sha256_hex(b""),
                options: SnapshotOptions {
                    edition: crate::discover::Edition::Edition2021,
                    strategy: "auto".into(),
                    unsafe_fixes: false,
                    include_async_locks: false,
                    semantic: crate::semantic::SemanticMode::Auto,
                },
                guardfix_version: "0".into(),
                description: "1 finding fixed (1 by drop)".into(),
                findings: vec!["line 1: fixed by drop".into()],
                together: Vec::new(),
                diff: format!("--- a/{name}\n+++ b/{name}\n@@ -1 +1 @@\n-x\n+y\n"),
            };
            let path = dir.path().join(format!("{name}{}", snapshot::PENDING_SUFFIX));
            std::fs::write(path, snapshot.to_text()).unwrap();
        }
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn accept_renames_and_reject_deletes() {
        let dir = two_pending();
        let mut out = Vec::new();
        let summary =
            review(dir.path(), &mut LineKeys::new(&b"a\nr\n"[..]), &mut out, false).unwrap();
        assert_eq!((summary.accepted.len(), summary.rejected.len(), summary.left), (1, 1, 0));
        assert_eq!(names(dir.path()), ["a.rs.snap"]);
        let shown = String::from_utf8(out).unwrap();
        assert!(shown.contains("Snapshot 1/2: a.rs (a.rs.snap.new)"), "{shown}");
        assert!(shown.contains("  line 1: fixed by drop\n"), "{shown}");
        assert!(shown.contains("a.rs cannot be read"), "a missing source is flagged: {shown}");
    }

    #[test]
    fn unknown_keys_ask_again_and_the_end_of_input_quits() {
        let dir = two_pending();
        let mut out = Vec::new();
        let summary =
            review(dir.path(), &mut LineKeys::new(&b"x\ns\n"[..]), &mut out, false).unwrap();
        assert_eq!((summary.skipped.len(), summary.left), (1, 1));
        assert_eq!(names(dir.path()), ["a.rs.snap.new", "b.rs.snap.new"]);
        assert!(String::from_utf8(out).unwrap().contains("(press a, r, s or q)"));
    }
}
