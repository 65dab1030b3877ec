//! Reading and parsing one source file without ever aborting the run.
//!
//! A run covers thousands of files, so nothing about one of them may stop it: unreadable files,
//! files that are not UTF-8 and inputs that make the parser panic all come back as a [`LoadError`]
//! naming the file. `ra_ap_syntax` does panic on some inputs (a file starting with `---\n-│\n`
//! is one), so [`parse_source`] catches the panic and keeps its message off stderr.
//!
//! The text handed to later stages always uses `\n`; [`LineEndings`] remembers what the file had
//! so a rewrite can put it back.

use std::{
    cell::{Cell, RefCell},
    panic::{self, AssertUnwindSafe},
    path::{Path, PathBuf},
    sync::Once,
};

use ra_ap_syntax::{Edition, Parse, SourceFile};

mod skeleton;
pub use skeleton::{may_declare_an_item, without_fn_bodies};

#[derive(thiserror::Error, Debug)]
pub enum LoadError {
    #[error("cannot read {}: {source}; check that it exists and that you may read it", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error(
        "{}: not valid UTF-8 at byte {valid_up_to}; guardfix only reads UTF-8 source, so this file was skipped",
        path.display()
    )]
    NotUtf8 { path: PathBuf, valid_up_to: usize },
    #[error(
        "{}: the Rust parser crashed on this file ({message}); the file was skipped, please report it with the file attached",
        path.display()
    )]
    ParserPanicked { path: PathBuf, message: String },
}

/// One file as read from disk, ready for the parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedSource {
    /// Exactly as read, when that differs from `text` (`\r\n` line endings, a byte order
    /// mark): see [`Self::bytes`]. Most files are read into `text` without a copy.
    original: Option<Vec<u8>>,
    /// Line endings normalized to `\n` and any byte order mark removed; every offset in the
    /// analysis refers to this text.
    pub text: String,
    pub line_endings: LineEndings,
    /// Whether the file started with a UTF-8 byte order mark. rustc skips it, but the parser
    /// reports it as a syntax error, so it is kept out of `text` and put back by [`Self::encode`].
    pub bom: bool,
}

impl LoadedSource {
    /// The bytes to write for `lf_text`, an edited version of `self.text`: the file's own line
    /// endings and byte order mark come back, so only the edit shows up as a change.
    pub fn encode(&self, lf_text: &str) -> Vec<u8> {
        let restored = self.line_endings.restore(lf_text);
        let mut out = Vec::with_capacity(restored.len() + BOM.len());
        if self.bom {
            out.extend_from_slice(BOM.as_bytes());
        }
        out.extend_from_slice(restored.as_bytes());
        out
    }
}

const BOM: &str = "\u{feff}";

/// The line ending style a rewritten file is saved with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEndings {
    Lf,
    CrLf,
}

impl LineEndings {
    /// `CrLf` if the file's first line ending is `\r\n`, as rustfmt's `newline_style = "Auto"`
    /// decides; a file without any line ending counts as `Lf`.
    pub fn detect(text: &str) -> LineEndings {
        match text.find('\n') {
            Some(i) if text[..i].ends_with('\r') => LineEndings::CrLf,
            _ => LineEndings::Lf,
        }
    }

    /// Turns `\n`-text back into this style. A file that mixed both styles comes back uniform,
    /// which only matters for files guardfix edits anyway.
    pub fn restore(self, lf_text: &str) -> String {
        match self {
            LineEndings::Lf => lf_text.to_owned(),
            LineEndings::CrLf => lf_text.replace('\n', "\r\n"),
        }
    }
}

pub fn read_source(path: &Path) -> Result<LoadedSource, LoadError> {
    let bytes = std::fs::read(path)
        .map_err(|source| LoadError::Unreadable { path: path.to_owned(), source })?;
    LoadedSource::from_bytes(bytes)
        .map_err(|valid_up_to| LoadError::NotUtf8 { path: path.to_owned(), valid_up_to })
}

impl LoadedSource {
    /// A file's bytes (from disk, or an editor's buffer) ready for the parser, or where they
    /// stop being UTF-8.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<LoadedSource, usize> {
        let raw = std::str::from_utf8(&bytes).map_err(|err| err.valid_up_to())?;
        let (bom, raw) = match raw.strip_prefix(BOM) {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        // Most files have no `\r` and no mark: then the bytes are the text.
        let (line_endings, text) = match memchr::memchr(b'\r', raw.as_bytes()) {
            None if !bom => {
                let text = String::from_utf8(bytes).expect("checked above");
                let line_endings = LineEndings::detect("");
                return Ok(LoadedSource { original: None, text, line_endings, bom });
            }
            None => (LineEndings::detect(""), raw.to_owned()),
            Some(_) => (LineEndings::detect(raw), raw.replace("\r\n", "\n")),
        };
        Ok(LoadedSource { original: Some(bytes), text, line_endings, bom })
    }

    /// The file's bytes exactly as read, so a later write can tell whether the file changed
    /// underneath us.
    pub fn bytes(&self) -> &[u8] {
        self.original.as_deref().unwrap_or(self.text.as_bytes())
    }
}

/// A file's syntax tree, built as `SourceFile::parse` builds it, but freed where it is dropped.
/// rust-analyzer's `Parse` hands every tree it drops to one thread that frees them in batches,
/// sleeping 100 ms between batches (an editor's latency trick): in a run over a workspace the
/// parsing threads then never get the trees' memory back, and every new tree is built in fresh
/// pages the kernel must zero (a cold check of rustfs took 7% longer so). It keeps no errors:
/// a file whose errors matter is parsed with [`parse_source`], whose `errors()` also has the
/// validation's.
pub struct FileTree {
    green: ra_ap_syntax::GreenNode,
    /// The depth of its deepest node, counted while it was built (as [`too_deep`] counts).
    deepest: usize,
}

impl FileTree {
    pub fn tree(&self) -> SourceFile {
        use ra_ap_syntax::AstNode;
        let root = ra_ap_syntax::SyntaxNode::new_root(self.green.clone());
        SourceFile::cast(root).expect("a source file's parse is rooted at SOURCE_FILE")
    }

    /// [`too_deep`] of the tree, without walking it again.
    pub fn too_deep(&self) -> Option<usize> {
        (self.deepest > MAX_NESTING).then_some(self.deepest)
    }
}

/// Parses `text` into a [`FileTree`], turning a parser panic into `Err(message)`.
pub fn parse_tree(text: &str, edition: Edition) -> Result<FileTree, String> {
    catch_panic(|| {
        use ra_ap_parser::{StrStep, TopEntryPoint};
        use ra_ap_syntax::RustLanguage;
        use rowan::Language;
        let rowan_kind = RustLanguage::kind_to_raw;
        let lexed = ra_ap_parser::LexedStr::new(edition, text);
        let output = TopEntryPoint::SourceFile.parse(&lexed.to_input(edition));
        let mut builder = rowan::GreenNodeBuilder::new();
        let (mut depth, mut deepest) = (0usize, 0usize);
        lexed.intersperse_trivia(&output, &mut |step| match step {
            StrStep::Token { kind, text } => builder.token(rowan_kind(kind), text),
            StrStep::Enter { kind } => {
                depth += 1;
                deepest = deepest.max(depth);
                builder.start_node(rowan_kind(kind));
            }
            StrStep::Exit => {
                depth -= 1;
                builder.finish_node();
            }
            StrStep::Error { .. } => {}
        });
        FileTree { green: builder.finish(), deepest }
    })
}

/// Parses `text`, turning a parser panic into `Err(message)`.
pub fn parse_source(text: &str, edition: Edition) -> Result<Parse<SourceFile>, String> {
    catch_panic(|| SourceFile::parse(text, edition))
}

/// How deeply nested a syntax tree guardfix analyses may be. The analysis and the transforms
/// recurse over the tree; a generated file with a 20,000-term `0 + 1 + 1 + …` nests that deep,
/// and would overflow the stack. Real code stays far below (a few hundred levels at most); the
/// threads that analyse run with [`ANALYSIS_STACK`] of stack, which this depth fits in.
pub const MAX_NESTING: usize = 1_500;

/// Stack size of the threads that analyse and fix files (rayon's workers).
pub const ANALYSIS_STACK: usize = 64 << 20;

/// The depth of the deepest node under `root` when it exceeds [`MAX_NESTING`], found without
/// recursion.
pub fn too_deep(root: &ra_ap_syntax::SyntaxNode) -> Option<usize> {
    // Over the green tree: the cursor API (`preorder`) allocates a node per step, and this runs
    // on every tree guardfix parses.
    use ra_ap_syntax::NodeOrToken;
    let green = root.green();
    let mut stack = vec![(green, 1usize)];
    let mut deepest = 0;
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        for child in node.children() {
            if let NodeOrToken::Node(child) = child {
                stack.push((child, depth + 1));
            }
        }
    }
    (deepest > MAX_NESTING).then_some(deepest)
}

/// The text of a node, read from its green tree: `node.text().to_string()` walks cursors,
/// allocating a node per step, which for a whole file costs as much as parsing it.
pub fn tree_text(node: &ra_ap_syntax::SyntaxNode) -> String {
    use ra_ap_syntax::NodeOrToken;
    let green = node.green();
    let mut text = String::with_capacity(u32::from(node.text_range().len()) as usize);
    let mut stack = vec![green.children()];
    while let Some(children) = stack.last_mut() {
        match children.next() {
            Some(NodeOrToken::Token(token)) => text.push_str(token.text()),
            Some(NodeOrToken::Node(child)) => stack.push(child.children()),
            None => {
                stack.pop();
            }
        }
    }
    text
}

/// Makes rayon's worker threads big enough for [`MAX_NESTING`] (once; a pool already built,
/// by a test harness say, is left as it is).
pub fn configure_threads() {
    let _ = rayon::ThreadPoolBuilder::new().stack_size(ANALYSIS_STACK).build_global();
}

/// Reads and parses one file: [`read_source`] then [`parse_source`], with the panic reported
/// as [`LoadError::ParserPanicked`] for that file.
pub fn read_and_parse(
    path: &Path,
    edition: Edition,
) -> Result<(LoadedSource, Parse<SourceFile>), LoadError> {
    let source = read_source(path)?;
    let parse = parse_source(&source.text, edition)
        .map_err(|message| LoadError::ParserPanicked { path: path.to_owned(), message })?;
    Ok((source, parse))
}

/// Runs `f`, turning a panic into `Err(message)` without printing the usual panic report.
///
/// Works on any thread: rayon parses files in parallel, and a panic on one worker must neither
/// silence nor garble a real panic elsewhere, so silence is decided per thread.
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_quiet_hook();
    let was_catching = CATCHING.replace(true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.set(was_catching);
    result.map_err(|payload| {
        let message = payload_message(payload.as_ref());
        match CAUGHT_AT.take() {
            Some(location) => format!("{message} at {location}"),
            None => message,
        }
    })
}

thread_local! {
    /// Set while this thread runs inside [`catch_panic`]: its panics are expected and reported
    /// as errors, so the hook must not print them.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// Where the caught panic happened; the payload alone does not say, and the location is what
    /// makes a bug report against the parser useful.
    static CAUGHT_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

static QUIET_HOOK: Once = Once::new();

/// The process has one panic hook, so ours wraps whatever was there and hands every panic it is
/// not catching on to it.
fn install_quiet_hook() {
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.get() {
                let location = info.location().map(|l| l.to_string());
                CAUGHT_AT.set(location);
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::AstNode;
    use rayon::prelude::*;

    #[test]
    fn a_file_tree_is_the_tree_source_file_parse_builds() {
        let mut texts = crate::test_support::repository_rust_texts(&["src", "transforms"]);
        // With syntax errors and lexer errors too: the tree still holds every byte.
        texts.extend(
            ["fn f( { let x = ; }", "fn g() { \"unterminated }", "impl {"].map(String::from),
        );
        assert!(texts.len() > 50);
        texts.par_iter().for_each(|text| {
            let ours = parse_tree(text, Edition::Edition2021).expect("parses");
            let theirs = SourceFile::parse(text, Edition::Edition2021);
            assert_eq!(ours.tree().syntax().green(), theirs.tree().syntax().green());
            assert_eq!(ours.deepest, deepest_node(theirs.tree().syntax()));
        });
        // The depth counted while building is the one `too_deep` finds by walking.
        let deep = format!("fn f() {{ let x = {}1{}; }}", "(".repeat(1600), ")".repeat(1600));
        let ours = parse_tree(&deep, Edition::Edition2021).expect("parses");
        assert!(ours.too_deep().is_some());
        assert_eq!(
            ours.too_deep(),
            too_deep(SourceFile::parse(&deep, Edition::Edition2021).tree().syntax())
        );
    }

    /// The depth of the deepest node, the root's being 1.
    fn deepest_node(root: &ra_ap_syntax::SyntaxNode) -> usize {
        root.descendants().map(|node| node.ancestors().count()).max().unwrap_or(0)
    }

    #[test]
    fn tree_text_is_the_node_s_text() {
        let text = "fn f() {\n    // c\n    let x = \"é\"; g(x).await\n}\nstruct S;";
        let parse = SourceFile::parse(text, Edition::Edition2021);
        let root = parse.tree().syntax().clone();
        assert_eq!(tree_text(&root), text);
        for node in root.descendants() {
            assert_eq!(tree_text(&node), node.text().to_string());
        }
    }

    /// The input from the crates.io registry that made the parser panic.
    const PANICKING: &str = "---\n-│\n";

    fn write_temp(bytes: &[u8]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), bytes).expect("write temp file");
        file
    }

    #[test]
    fn detect_uses_the_first_line_ending() {
        assert_eq!(LineEndings::detect("a\r\nb\n"), LineEndings::CrLf);
        assert_eq!(LineEndings::detect("a\nb\r\n"), LineEndings::Lf);
        assert_eq!(LineEndings::detect("no newline"), LineEndings::Lf);
        assert_eq!(LineEndings::detect("\r\n"), LineEndings::CrLf);
    }

    #[test]
    fn restore_puts_crlf_back() {
        assert_eq!(LineEndings::CrLf.restore("a\nb\n"), "a\r\nb\r\n");
        assert_eq!(LineEndings::Lf.restore("a\nb\n"), "a\nb\n");
    }

    #[test]
    fn read_source_normalizes_crlf_and_keeps_the_bytes() {
        let raw = b"fn main() {\r\n}\r\n";
        let file = write_temp(raw);
        let source = read_source(file.path()).expect("readable");
        assert_eq!(source.text, "fn main() {\n}\n");
        assert_eq!(source.line_endings, LineEndings::CrLf);
        assert_eq!(source.bytes(), raw);
        assert_eq!(source.encode(&source.text), raw);
    }

    #[test]
    fn read_source_strips_and_encode_restores_the_bom() {
        let raw = "\u{feff}fn main() {}\n".as_bytes();
        let file = write_temp(raw);
        let source = read_source(file.path()).expect("readable");
        assert!(source.bom);
        assert_eq!(source.text, "fn main() {}\n");
        let parse = parse_source(&source.text, Edition::Edition2021).expect("no panic");
        assert!(parse.errors().is_empty(), "{:?}", parse.errors());
        assert_eq!(source.encode(&source.text), raw);
    }

    #[test]
    fn not_utf8_reports_the_byte_offset_and_the_file() {
        let file = write_temp(b"fn main() {}\n// caf\xe9\n");
        let err = read_source(file.path()).expect_err("latin-1 byte");
        assert!(matches!(err, LoadError::NotUtf8 { valid_up_to: 19, .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("byte 19"), "{message}");
        assert!(message.contains(&file.path().display().to_string()), "{message}");
    }

    #[test]
    fn missing_file_is_unreadable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gone.rs");
        let err = read_source(&path).expect_err("missing");
        assert!(matches!(err, LoadError::Unreadable { .. }), "{err:?}");
        assert!(err.to_string().contains("gone.rs"));
    }

    #[test]
    fn parser_panic_on_frontmatter_like_prefixes_is_caught() {
        for input in [PANICKING, "---\n-│\nfn main() {}\n", "--- \n-│\n", "---\n-é\n"] {
            let message = parse_source(input, Edition::Edition2021).expect_err(input);
            assert!(message.contains("char boundary"), "{input:?}: {message}");
        }
    }

    #[test]
    fn ordinary_source_parses() {
        let parse = parse_source("async fn f() { g().await }\n", Edition::Edition2024);
        assert!(parse.expect("no panic").errors().is_empty());
    }

    #[test]
    fn read_and_parse_names_the_file_when_the_parser_panics() {
        let file = write_temp(PANICKING.as_bytes());
        let err = read_and_parse(file.path(), Edition::Edition2021).expect_err("panics");
        assert!(matches!(err, LoadError::ParserPanicked { .. }), "{err:?}");
        assert!(err.to_string().contains(&file.path().display().to_string()));
    }

    #[test]
    fn catch_panic_returns_the_message_and_location() {
        let message = catch_panic(|| panic!("boom {}", 42)).expect_err("panics");
        assert!(message.starts_with("boom 42 at "), "{message}");
        assert!(message.contains("parse/mod.rs"), "{message}");
        assert_eq!(catch_panic(|| 7), Ok(7));
    }

    #[test]
    fn catching_works_on_rayon_workers() {
        let inputs: Vec<&str> =
            (0..64).map(|i| if i % 2 == 0 { PANICKING } else { "fn f() {}" }).collect();
        let results: Vec<bool> = inputs
            .par_iter()
            .map(|text| parse_source(text, Edition::Edition2021).is_ok())
            .collect();
        let expected: Vec<bool> = (0..64).map(|i| i % 2 == 1).collect();
        assert_eq!(results, expected);
    }

    /// Runs in a child process started by `caught_panics_are_silent_and_others_are_not`, where
    /// stderr is the real one; on its own it does nothing.
    #[test]
    fn child_panics_once_caught_and_once_not() {
        if std::env::var_os(CHILD_ENV).is_none() {
            return;
        }
        assert!(parse_source(PANICKING, Edition::Edition2021).is_err());
        let uncaught = std::thread::spawn(|| panic!("uncaught-marker")).join();
        assert!(uncaught.is_err());
    }

    const CHILD_ENV: &str = "GUARDFIX_PANIC_HOOK_CHILD";

    #[test]
    fn caught_panics_are_silent_and_others_are_not() {
        let exe = std::env::current_exe().expect("test binary path");
        let output = std::process::Command::new(exe)
            .args(["--exact", "parse::tests::child_panics_once_caught_and_once_not"])
            .args(["--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, "1")
            .output()
            .expect("run the test binary");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(!stderr.contains("char boundary"), "caught panic was printed: {stderr}");
        assert!(stderr.contains("uncaught-marker"), "uncaught panic was swallowed: {stderr}");
    }
}
