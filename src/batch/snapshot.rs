//! One file's fix as a snapshot file in insta's format, so `cargo insta review` can review it.
//!
//! ```text
//! ---
//! source: src/lib.rs
//! description: "2 findings fixed (1 by drop, 1 by scope)"
//! expression: guardfix fix --strategy auto
//! info:
//!   guardfix: 0.1.0
//!   root: ".."
//!   source_hash: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//!   edition: "2021"
//!   strategy: auto
//!   unsafe_fixes: false
//!   include_async_locks: false
//!   findings:
//!     - "line 24: guard `log` of `std::sync::RwLock` held across an await: fixed by scope"
//! ---
//! --- a/src/lib.rs
//! +++ b/src/lib.rs
//! @@ -21,8 +21,10 @@
//! …
//! ```
//!
//! The front matter is YAML written the way insta's own emitter writes it (same key order,
//! same quoting), and the body is the unified diff, so insta reads these files as text
//! snapshots. insta keeps only its own keys (`source`, `description`, `expression`, `info`…)
//! when `cargo insta review` accepts a snapshot and saves it again, which is why guardfix's
//! keys live under `info`: they survive that round trip (a test pins it).
//!
//! - `source`: the file, relative to the folder migrate was run on (`/`-separated).
//! - `info.root`: the PATH migrate was given, relative to the snapshot folder, so the folder
//!   can move with the repository; `apply` recomputes the fix from there.
//! - `info.source_hash`: SHA-256 (hex) of the file's bytes when the snapshot was taken, the same
//!   value `sha256sum` prints; `apply` refuses the snapshot when the file no longer matches.
//! - `info.edition`, `strategy`, `unsafe_fixes`, `include_async_locks` (and `semantic` when it is
//!   not `auto`): the options the fix was computed with, so `apply` computes the same one.
//! - `info.findings`: one line per finding of the file, fixed or skipped, for the reviewer.
//! - `info.together` (only when there are some): the other files a lock switch (async-mutex)
//!   changed with this one, named as `source` is. They only compile together, so `apply`
//!   writes them all or none.
//!
//! Names follow the source path: `src/lib.rs` → `src__lib.rs.snap.new` (pending) and
//! `src__lib.rs.snap` (accepted), as insta names `.snap.new` next to `.snap`.

use crate::semantic::SemanticMode;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::discover::Edition;

pub const PENDING_SUFFIX: &str = ".snap.new";
pub const ACCEPTED_SUFFIX: &str = ".snap";
/// What `expression` starts with in every snapshot guardfix writes.
pub const EXPRESSION_PREFIX: &str = "guardfix fix";

/// The options a fix was computed with.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SnapshotOptions {
    pub edition: Edition,
    /// `auto`, `scope`, `drop`, `helper` or `async-mutex`.
    pub strategy: String,
    pub unsafe_fixes: bool,
    pub include_async_locks: bool,
    /// `--semantic`: stored (as `info.semantic`) only when not `auto`, the default.
    pub semantic: SemanticMode,
}

/// A snapshot of one file's fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixSnapshot {
    /// The file, relative to the folder migrate ran on (or, for a one-file PATH, its folder).
    pub source: String,
    /// The PATH migrate ran on, relative to the snapshot folder.
    pub root: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub source_hash: String,
    pub options: SnapshotOptions,
    pub guardfix_version: String,
    /// One line: how many findings were fixed, by what.
    pub description: String,
    /// One line per finding.
    pub findings: Vec<String>,
    /// The other files (as `source` names them) that must be applied with this one.
    pub together: Vec<String>,
    /// The unified diff, without colour.
    pub diff: String,
}

#[derive(thiserror::Error, Debug)]
pub enum SnapshotError {
    #[error("cannot read snapshot {}: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error(
        "{}: not a guardfix snapshot ({reason}); guardfix only reviews and applies the snapshots `guardfix migrate` writes",
        path.display()
    )]
    NotGuardfix { path: PathBuf, reason: String },
}

impl FixSnapshot {
    pub fn read(path: &Path) -> Result<FixSnapshot, SnapshotError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SnapshotError::Unreadable { path: path.to_owned(), source })?;
        FixSnapshot::parse(&text)
            .map_err(|reason| SnapshotError::NotGuardfix { path: path.to_owned(), reason })
    }

    /// The `expression` insta shows: the command that computes this fix.
    pub fn expression(&self) -> String {
        let mut expression = format!("{EXPRESSION_PREFIX} --strategy {}", self.options.strategy);
        if self.options.unsafe_fixes {
            expression.push_str(" --unsafe-fixes");
        }
        if self.options.include_async_locks {
            expression.push_str(" --include-async-locks");
        }
        if self.options.semantic != SemanticMode::Auto {
            expression.push_str(&format!(" --semantic {}", self.options.semantic.name()));
        }
        expression
    }

    /// The file's text, exactly as insta would save it.
    pub fn to_text(&self) -> String {
        let mut out = String::from("---\n");
        let key = |out: &mut String, indent: &str, key: &str, value: &str| {
            let _ = writeln!(out, "{indent}{key}: {value}");
        };
        key(&mut out, "", "source", &yaml_string(&self.source));
        key(&mut out, "", "description", &yaml_string(&one_line(&self.description)));
        key(&mut out, "", "expression", &yaml_string(&self.expression()));
        out.push_str("info:\n");
        key(&mut out, "  ", "guardfix", &yaml_string(&self.guardfix_version));
        key(&mut out, "  ", "root", &yaml_string(&self.root));
        key(&mut out, "  ", "source_hash", &yaml_string(&self.source_hash));
        let edition = self.options.edition.number().to_string();
        key(&mut out, "  ", "edition", &yaml_string(&edition));
        key(&mut out, "  ", "strategy", &yaml_string(&self.options.strategy));
        key(&mut out, "  ", "unsafe_fixes", yaml_bool(self.options.unsafe_fixes));
        key(&mut out, "  ", "include_async_locks", yaml_bool(self.options.include_async_locks));
        if self.options.semantic != SemanticMode::Auto {
            key(&mut out, "  ", "semantic", &yaml_string(self.options.semantic.name()));
        }
        if self.findings.is_empty() {
            out.push_str("  findings: []\n");
        } else {
            out.push_str("  findings:\n");
            for finding in &self.findings {
                let _ = writeln!(out, "    - {}", yaml_string(&one_line(finding)));
            }
        }
        if !self.together.is_empty() {
            out.push_str("  together:\n");
            for other in &self.together {
                let _ = writeln!(out, "    - {}", yaml_string(other));
            }
        }
        out.push_str("---\n");
        out.push_str(self.diff.trim_end_matches('\n'));
        out.push('\n');
        out
    }

    /// Reads a snapshot written by [`Self::to_text`], or by insta after reading one of those.
    pub fn parse(text: &str) -> Result<FixSnapshot, String> {
        let mut lines = text.split_inclusive('\n');
        if lines.next().map(str::trim_end) != Some("---") {
            return Err("it does not start with a `---` front matter".into());
        }
        let mut header = Vec::new();
        let mut closed = false;
        for line in lines.by_ref() {
            if line.trim_end() == "---" {
                closed = true;
                break;
            }
            header.push(line.trim_end_matches(['\n', '\r']));
        }
        if !closed {
            return Err("its front matter never ends (no second `---`)".into());
        }
        let diff: String = lines.collect();
        let yaml = yaml::parse(&header)?;
        let info = yaml.get("info").ok_or("it has no `info` with guardfix's keys")?;
        let text_of = |node: Option<&yaml::Node>, name: &str| -> Result<String, String> {
            node.and_then(yaml::Node::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("`{name}` is missing"))
        };
        let flag = |name: &str| info.get(name).and_then(yaml::Node::as_bool).unwrap_or(false);
        let edition_text = text_of(info.get("edition"), "info.edition")?;
        let edition = crate::discover::parse_edition(&edition_text)
            .ok_or_else(|| format!("unknown edition `{edition_text}`"))?;
        Ok(FixSnapshot {
            source: text_of(yaml.get("source"), "source")?,
            root: text_of(info.get("root"), "info.root")?,
            source_hash: text_of(info.get("source_hash"), "info.source_hash")?,
            options: SnapshotOptions {
                edition,
                strategy: text_of(info.get("strategy"), "info.strategy")?,
                unsafe_fixes: flag("unsafe_fixes"),
                include_async_locks: flag("include_async_locks"),
                semantic: match info.get("semantic").and_then(yaml::Node::as_str) {
                    None => SemanticMode::Auto,
                    Some(name) => SemanticMode::from_name(name)
                        .ok_or_else(|| format!("unknown semantic mode `{name}`"))?,
                },
            },
            guardfix_version: text_of(info.get("guardfix"), "info.guardfix").unwrap_or_default(),
            description: text_of(yaml.get("description"), "description").unwrap_or_default(),
            findings: string_list(info.get("findings")),
            together: string_list(info.get("together")),
            diff,
        })
    }
}

/// The strings of a YAML list, none when it is missing.
fn string_list(node: Option<&yaml::Node>) -> Vec<String> {
    let items = node.and_then(yaml::Node::as_list).unwrap_or_default();
    items.iter().filter_map(yaml::Node::as_str).map(str::to_owned).collect()
}

/// `src/lib.rs` → `src__lib.rs`: the snapshot's name without its suffix, as insta joins
/// module paths.
pub fn snapshot_stem(source: &str) -> String {
    source.split('/').filter(|part| !part.is_empty() && *part != ".").collect::<Vec<_>>().join("__")
}

/// SHA-256 of `bytes`, lower-case hex (what `sha256sum` prints).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().fold(String::with_capacity(64), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// Whether two diffs are the same once both are read the way insta reads a snapshot body
/// (line by line, so line endings and trailing newlines do not count).
pub fn same_diff(a: &str, b: &str) -> bool {
    a.trim_end().lines().eq(b.trim_end().lines())
}

/// The snapshot files in `dir` ending in `suffix`, sorted by name. A `.snap` listing leaves out
/// the `.snap.new` files.
pub fn list(dir: &Path, suffix: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.ends_with(suffix) && !name.starts_with('.') && entry.file_type()?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// `path` (a pending snapshot) once accepted: `x.snap.new` → `x.snap`.
pub fn accepted_path(pending: &Path) -> PathBuf {
    let name = pending.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name.strip_suffix(PENDING_SUFFIX).unwrap_or(name);
    pending.with_file_name(format!("{stem}{ACCEPTED_SUFFIX}"))
}

/// `to` relative to the folder `from`; both must be absolute and canonical. `/`-separated.
pub fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(to[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}

/// `dir/relative` with `.` and `..` resolved lexically.
pub fn resolve(dir: &Path, relative: &str) -> PathBuf {
    let mut path = PathBuf::new();
    for component in dir.join(relative).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                path.pop();
            }
            other => path.push(other),
        }
    }
    path
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

fn yaml_bool(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// A string as insta's YAML emitter writes it: plain when unambiguous, else double-quoted
/// with JSON-style escapes.
fn yaml_string(value: &str) -> String {
    if !needs_quotes(value) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// insta's rule (its vendored yaml-rust emitter) for when a string must be quoted.
fn needs_quotes(value: &str) -> bool {
    const RESERVED: &[&str] = &[
        "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE", "false",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
    ];
    value.is_empty()
        || value.starts_with(' ')
        || value.ends_with(' ')
        || value.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@'])
        || value.contains(|c: char| {
            matches!(c, ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\')
                || matches!(c, '\0'..='\x06' | '\t' | '\n' | '\r' | '\x0e'..='\x1a' | '\x1c'..='\x1f')
        })
        || RESERVED.contains(&value)
        || value.starts_with('.')
        || value.starts_with("0x")
        || value.parse::<i64>().is_ok()
        || value.parse::<f64>().is_ok()
}

/// Just enough YAML for snapshot headers: block maps and lists by indentation, plain and
/// quoted scalars, `true`/`false`, `~`, `[]`.
mod yaml {
    pub enum Node {
        Map(Vec<(String, Node)>),
        List(Vec<Node>),
        Str(String),
        Bool(bool),
        Null,
    }

    impl Node {
        pub fn get(&self, key: &str) -> Option<&Node> {
            match self {
                Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }
        pub fn as_str(&self) -> Option<&str> {
            match self {
                Node::Str(text) => Some(text),
                _ => None,
            }
        }
        pub fn as_bool(&self) -> Option<bool> {
            match self {
                Node::Bool(value) => Some(*value),
                _ => None,
            }
        }
        pub fn as_list(&self) -> Option<&[Node]> {
            match self {
                Node::List(items) => Some(items),
                _ => None,
            }
        }
    }

    pub fn parse(lines: &[&str]) -> Result<Node, String> {
        let lines: Vec<(usize, &str)> = lines
            .iter()
            .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
            .map(|line| (line.len() - line.trim_start().len(), line.trim()))
            .collect();
        let mut at = 0;
        let node = block(&lines, &mut at, 0)?;
        if at < lines.len() {
            return Err(format!("cannot read the front matter line `{}`", lines[at].1));
        }
        Ok(node)
    }

    fn block(lines: &[(usize, &str)], at: &mut usize, indent: usize) -> Result<Node, String> {
        let is_list =
            lines.get(*at).is_some_and(|(_, text)| *text == "-" || text.starts_with("- "));
        if is_list {
            let mut items = Vec::new();
            while let Some(&(level, text)) = lines.get(*at) {
                if level != indent || !(text == "-" || text.starts_with("- ")) {
                    break;
                }
                *at += 1;
                items.push(scalar(text[1..].trim())?);
            }
            return Ok(Node::List(items));
        }
        let mut entries = Vec::new();
        while let Some(&(level, text)) = lines.get(*at) {
            if level != indent {
                break;
            }
            let (key, value) = match text.split_once(": ") {
                Some((key, value)) => (key, value.trim()),
                None => (
                    text.strip_suffix(':')
                        .ok_or_else(|| format!("expected `key: value`, found `{text}`"))?,
                    "",
                ),
            };
            *at += 1;
            let value = match lines.get(*at) {
                Some(&(next, _)) if value.is_empty() && next > indent => block(lines, at, next)?,
                _ if value.is_empty() => Node::Null,
                _ => scalar(value)?,
            };
            entries.push((key.trim().to_owned(), value));
        }
        Ok(Node::Map(entries))
    }

    fn scalar(text: &str) -> Result<Node, String> {
        Ok(match text {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            "~" | "null" => Node::Null,
            "[]" => Node::List(Vec::new()),
            "{}" => Node::Map(Vec::new()),
            _ if text.starts_with('"') => Node::Str(
                // insta escapes the way JSON does.
                serde_json::from_str(text).map_err(|e| format!("bad quoted string {text}: {e}"))?,
            ),
            _ if text.starts_with('\'') && text.ends_with('\'') && text.len() >= 2 => {
                Node::Str(text[1..text.len() - 1].replace("''", "'"))
            }
            _ => Node::Str(text.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FixSnapshot {
        FixSnapshot {
            source: "src/lib.rs".into(),
            root: "..".into(),
            source_hash: sha256_hex(b"abc"),
            options: SnapshotOptions {
                edition: Edition::Edition2021,
                strategy: "auto".into(),
                unsafe_fixes: false,
                include_async_locks: true,
                semantic: SemanticMode::Never,
            },
            guardfix_version: "0.1.0".into(),
            description: "2 findings fixed (1 by drop, 1 by scope)".into(),
            findings: vec![
                "line 4: guard `g` of `std::sync::Mutex` held across an await: fixed by scope"
                    .into(),
                "line 9: \"quoted\" \\ and tab\t: skipped: no automatic fix".into(),
            ],
            together: vec!["src/state.rs".into(), "Cargo.toml".into()],
            diff: "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n".into(),
        }
    }

    #[test]
    fn the_hash_is_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn written_snapshots_read_back() {
        let snapshot = sample();
        let text = snapshot.to_text();
        assert!(text.starts_with("---\nsource: src/lib.rs\ndescription: \"2 findings"), "{text}");
        assert!(text.contains("\n  root: \"..\"\n  source_hash: ba78"), "{text}");
        assert!(
            text.contains("\n  together:\n    - src/state.rs\n    - Cargo.toml\n---\n"),
            "{text}"
        );
        assert!(text.contains("\n  edition: \"2021\"\n"), "{text}");
        assert!(text.contains("\n  semantic: ") && text.contains("--semantic never"), "{text}");
        assert!(text.contains("\n---\n--- a/src/lib.rs\n"), "{text}");
        assert_eq!(FixSnapshot::parse(&text).unwrap(), snapshot);
    }

    /// `cargo insta review` accepts by loading the `.snap.new` with insta and saving it again:
    /// that must keep the file as it is, so guardfix can still apply it.
    #[test]
    fn insta_reads_and_saves_it_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let pending = dir.path().join("src__lib.rs.snap.new");
        let text = sample().to_text();
        std::fs::write(&pending, &text).unwrap();
        let loaded = insta::Snapshot::from_file(&pending).unwrap();
        assert_eq!(loaded.metadata().source(), Some("src/lib.rs"));
        assert_eq!(
            loaded.metadata().expression(),
            Some("guardfix fix --strategy auto --include-async-locks --semantic never")
        );
        let accepted = accepted_path(&pending);
        loaded.save(&accepted).unwrap();
        assert_eq!(std::fs::read_to_string(&accepted).unwrap(), text);
    }

    #[test]
    fn names_follow_the_source_path() {
        assert_eq!(snapshot_stem("src/lib.rs"), "src__lib.rs");
        assert_eq!(snapshot_stem("lib.rs"), "lib.rs");
        assert_eq!(
            accepted_path(Path::new("/s/src__lib.rs.snap.new")),
            Path::new("/s/src__lib.rs.snap")
        );
    }

    #[test]
    fn relative_paths_and_back() {
        let from = Path::new("/repo/crate/snapshots");
        let to = Path::new("/repo/crate");
        assert_eq!(relative_path(from, to), "..");
        assert_eq!(resolve(from, ".."), to);
        assert_eq!(relative_path(to, to), ".");
        assert_eq!(relative_path(Path::new("/a/b"), Path::new("/a/c/d.rs")), "../c/d.rs");
        assert_eq!(resolve(Path::new("/a/b"), "../c/d.rs"), Path::new("/a/c/d.rs"));
    }

    #[test]
    fn quoting_follows_insta() {
        assert_eq!(yaml_string("auto"), "auto");
        assert_eq!(yaml_string("2021"), "\"2021\"");
        assert_eq!(yaml_string(".."), "\"..\"");
        assert_eq!(yaml_string("a: b"), "\"a: b\"");
        assert_eq!(yaml_string("true"), "\"true\"");
        assert_eq!(yaml_string(""), "\"\"");
    }

    #[test]
    fn diffs_compare_as_insta_reads_them() {
        assert!(same_diff("a\nb\n", "a\nb"));
        assert!(!same_diff("a\nb\n", "a\nc\n"));
    }

    #[test]
    fn other_files_are_not_guardfix_snapshots() {
        assert!(FixSnapshot::parse("hello").is_err());
        let insta_only = "---\nsource: tests/a.rs\nexpression: x\n---\nbody\n";
        assert!(FixSnapshot::parse(insta_only).unwrap_err().contains("info"));
    }
}
