//! GitHub Actions workflow commands: one line per finding, which the runner turns into an
//! annotation on the pull request's diff.
//!
//! ```text
//! ::warning file=src/lib.rs,line=10,col=13,endLine=10,endColumn=39,title=guard-held-across-await::`std::sync::Mutex` guard `g` is held across an await%0Anote: …%0Ahelp: …
//! ::error file=src/bad.rs,title=guardfix::cannot read …
//! ```
//!
//! Escaping is the runner's own (`@actions/core`'s `command.ts`): in the message `%`, `\r` and
//! `\n` become `%25`, `%0D` and `%0A`; property values also escape `:` and `,` as `%3A` and
//! `%2C`, since those delimit the properties. Paths use `/`, as the runner expects.

use super::human;
use super::line_index::LineIndex;
use crate::finding::Finding;

/// The `::warning` command for one finding, without a trailing newline. `path` is relative to
/// the repository root (the runner's working folder).
pub fn finding_command(path: &str, lines: &LineIndex, finding: &Finding) -> String {
    let (line, col) = lines.line_col(finding.acquire.start);
    let (end_line, end_column) = lines.line_col(finding.acquire.end);
    let message = format!(
        "{}\nnote: {}\nhelp: {}",
        human::title(finding),
        human::note(finding.held_because),
        human::help(finding)
    );
    format!(
        "::warning file={},line={line},col={col},endLine={end_line},endColumn={end_column},title={}::{}",
        escape_property(path),
        escape_property(finding.kind.code()),
        escape_data(&message)
    )
}

/// The `::error` command for a file that could not be analysed.
pub fn error_command(path: &str, message: &str) -> String {
    format!("::error file={},title=guardfix::{}", escape_property(path), escape_data(message))
}

/// A message: `%`, `\r`, `\n`.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: as a message, plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{FindingKind, HeldBecause, Span, Strategy};

    const TEXT: &str = "async fn f() {\n    let g = m.lock();\n    x.await;\n}\n";

    fn finding() -> Finding {
        let at = |needle: &str| {
            let start = TEXT.find(needle).unwrap() as u32;
            Span::new(start, start + needle.len() as u32)
        };
        Finding {
            kind: FindingKind::GuardHeldAcrossAwait,
            lock: "std::sync::Mutex".into(),
            acquire_method: "lock".into(),
            binding: Some("g".into()),
            acquire: at("m.lock()"),
            held_since: None,
            awaits: vec![at("x.await")],
            released_at: Some(at("}\n")),
            held_because: HeldBecause::NamedBinding,
            context: Span::new(0, TEXT.len() as u32 - 1),
            used_after_await: false,
            suggested: Some(Strategy::Drop),
            borrowed: false,
            in_macro: false,
            planned: None,
        }
    }

    #[test]
    fn one_line_per_finding_with_the_acquisition_span() {
        let line = finding_command("src/lib.rs", &LineIndex::new(TEXT), &finding());
        insta::assert_snapshot!(line, @"::warning file=src/lib.rs,line=2,col=13,endLine=2,endColumn=21,title=guard-held-across-await::`std::sync::Mutex` guard `g` is held across an await%0Anote: a `let` binding keeps the guard until the end of its block%0Ahelp: `guardfix fix` would `drop` the guard after its last use (strategy `drop`)");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn messages_escape_percent_and_line_breaks() {
        assert_eq!(escape_data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
        let line = finding_command("src/a,b:c%.rs", &LineIndex::new(TEXT), &finding());
        assert!(line.starts_with("::warning file=src/a%2Cb%3Ac%25.rs,line=2,"), "{line}");
    }

    #[test]
    fn errors_are_error_commands() {
        assert_eq!(
            error_command("src/x.rs", "not UTF-8\nskipped"),
            "::error file=src/x.rs,title=guardfix::not UTF-8%0Askipped"
        );
    }
}
