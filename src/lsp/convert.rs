//! Between guardfix's byte offsets and paths and the protocol's positions and URIs, and from
//! findings to diagnostics.

use std::path::{Path, PathBuf};

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, PositionEncodingKind, Range, TextEdit, Url,
};

use crate::finding::{Finding, Span};
use crate::render::fix_edits::Replacement;
use crate::render::human;
use crate::render::line_index::{ColumnUnit, LineIndex};
use crate::render::rustc_json;

/// The `source` of every diagnostic the server publishes.
pub const SOURCE: &str = "guardfix";

/// The column unit to speak: the first of the client's that guardfix counts (UTF-8 and UTF-32
/// spare the conversion), else the protocol's default, UTF-16.
pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> (ColumnUnit, PositionEncodingKind) {
    for kind in offered.unwrap_or_default() {
        if *kind == PositionEncodingKind::UTF8 {
            return (ColumnUnit::Utf8, kind.clone());
        }
        if *kind == PositionEncodingKind::UTF32 {
            return (ColumnUnit::Utf32, kind.clone());
        }
    }
    (ColumnUnit::Utf16, PositionEncodingKind::UTF16)
}

/// A `file:` URI's path; `None` for other schemes (unsaved buffers, remote files), which
/// the server leaves alone.
pub fn path_of(uri: &Url) -> Option<PathBuf> {
    if uri.scheme() != "file" {
        return None;
    }
    let path = uri.to_file_path().ok()?;
    // Paths compare with discovery's, which are canonical.
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}

pub fn uri_of(path: &Path) -> Option<Url> {
    Url::from_file_path(path).ok()
}

/// Positions in one text, in the negotiated unit.
pub struct Positions<'a> {
    pub lines: &'a LineIndex,
    pub unit: ColumnUnit,
}

impl Positions<'_> {
    pub fn position(&self, offset: u32) -> Position {
        let (line, character) = self.lines.position(offset, self.unit);
        Position { line, character }
    }

    pub fn range(&self, span: Span) -> Range {
        Range { start: self.position(span.start), end: self.position(span.end) }
    }

    pub fn offset(&self, position: Position) -> u32 {
        self.lines.offset(position.line, position.character, self.unit)
    }

    pub fn span(&self, range: Range) -> Span {
        Span::new(self.offset(range.start), self.offset(range.end))
    }

    pub fn edits(&self, replacements: &[Replacement]) -> Vec<TextEdit> {
        replacements
            .iter()
            .map(|replacement| TextEdit {
                range: self
                    .range(Span::new(replacement.old.start as u32, replacement.old.end as u32)),
                new_text: replacement.new.clone(),
            })
            .collect()
    }
}

/// A finding as the editor shows it: on the acquisition, with the note and the help line
/// (`check`'s) in the message and each await and the release as related places.
pub fn diagnostic(uri: &Url, at: &Positions<'_>, finding: &Finding) -> Diagnostic {
    let related = |span: Span, message: &str| DiagnosticRelatedInformation {
        location: Location { uri: uri.clone(), range: at.range(span) },
        message: message.to_owned(),
    };
    let mut related_information: Vec<_> =
        finding.awaits.iter().map(|&span| related(span, "held across this await")).collect();
    if let Some(span) = finding.held_since {
        related_information.push(related(span, "the lock is taken first here"));
    }
    if let Some(span) = finding.released_at {
        related_information.push(related(span, "released here"));
    }
    Diagnostic {
        range: at.range(finding.acquire),
        severity: Some(DiagnosticSeverity::WARNING),
        code: Some(NumberOrString::String(rustc_json::code(finding))),
        source: Some(SOURCE.to_owned()),
        message: format!(
            "{}\nnote: {}\nhelp: {}",
            human::title(finding),
            human::note(finding.held_because),
            human::help(finding)
        ),
        related_information: Some(related_information),
        ..Diagnostic::default()
    }
}

/// A file guardfix could not analyse: one error at its start, saying why.
pub fn file_error(message: &str) -> Diagnostic {
    Diagnostic {
        range: Range::default(),
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String("guardfix::file_error".to_owned())),
        source: Some(SOURCE.to_owned()),
        message: format!("guardfix could not analyse this file: {message}"),
        ..Diagnostic::default()
    }
}
