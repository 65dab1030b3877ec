//! Byte offsets → 1-based line and column, the way rustc's JSON diagnostics count them.
//!
//! Findings carry byte offsets; humans and editors want `line:column`. rustc counts columns in
//! `char`s (not bytes, not UTF-16 units), so `é` advances the column by one. The index records
//! where lines start and where multi-byte chars sit, so a lookup is two binary searches and
//! never rescans the text.
//!
//! ```text
//! "ab\ncé\nd"   offset 6 (the `\n` after `é`) → (2, 3)
//! ```

/// What a column counts: bytes, UTF-16 code units (the language server protocol's default)
/// or chars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
    Utf32,
}

/// How many `unit`s a char of `utf8_len` bytes takes: in UTF-16 only 4-byte chars take two.
fn unit_width(utf8_len: u8, unit: ColumnUnit) -> u32 {
    match unit {
        ColumnUnit::Utf8 => u32::from(utf8_len),
        ColumnUnit::Utf16 if utf8_len == 4 => 2,
        _ => 1,
    }
}

/// Line starts and multi-byte char positions of one text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the start of every line; always begins with `0`.
    line_starts: Vec<u32>,
    /// Byte offset and UTF-8 length of every non-ASCII char, in order.
    multibyte: Vec<(u32, u8)>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        let mut multibyte = Vec::new();
        for (offset, c) in text.char_indices() {
            // Offsets past u32::MAX cannot come from a `Span` anyway, so saturating is harmless.
            let offset = u32::try_from(offset).unwrap_or(u32::MAX);
            if c == '\n' {
                line_starts.push(offset.saturating_add(1));
            } else if !c.is_ascii() {
                // `len_utf8` is at most 4, so the cast cannot truncate.
                multibyte.push((offset, c.len_utf8() as u8));
            }
        }
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        LineIndex { line_starts, multibyte, len }
    }

    /// 1-based line and 1-based column in chars of `offset`.
    ///
    /// An offset past the end is clamped to the end, and one inside a multi-byte char counts as
    /// that char's start, so a stale or hand-made span still yields a usable position.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let (line, column) = self.position(offset, ColumnUnit::Utf32);
        (line + 1, column + 1)
    }

    /// 0-based line and 0-based column of `offset` in `unit`s, as the language server
    /// protocol counts positions.
    pub fn position(&self, offset: u32, unit: ColumnUnit) -> (u32, u32) {
        let offset = self.snap_to_char_start(offset.min(self.len));
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line];
        (line as u32, self.units_between(line_start, offset, unit))
    }

    /// The byte offset of a 0-based line and column in `unit`s: the inverse of
    /// [`Self::position`]. A column past the line's end is its end; a line past the text's is
    /// the end of the text (editors send both for text they just changed).
    pub fn offset(&self, line: u32, column: u32, unit: ColumnUnit) -> u32 {
        let Some(&line_start) = self.line_starts.get(line as usize) else { return self.len };
        let line_end = self
            .line_starts
            .get(line as usize + 1)
            .map_or(self.len, |&next| next.saturating_sub(1));
        let first = self.multibyte.partition_point(|&(at, _)| at < line_start);
        let last = self.multibyte.partition_point(|&(at, _)| at < line_end);
        let (mut offset, mut units) = (line_start, 0u32);
        for &(at, len) in &self.multibyte[first..last] {
            let ascii = at - offset;
            if units + ascii >= column {
                return offset + (column - units);
            }
            units += ascii;
            let width = unit_width(len, unit);
            if units + width > column {
                return at; // inside the char: its start
            }
            units += width;
            offset = at + u32::from(len);
        }
        offset.saturating_add(column - units).min(line_end)
    }

    /// How many `unit`s the text `start..end` (on one line) takes.
    fn units_between(&self, start: u32, end: u32, unit: ColumnUnit) -> u32 {
        let first = self.multibyte.partition_point(|&(at, _)| at < start);
        let last = self.multibyte.partition_point(|&(at, _)| at < end);
        let chars = &self.multibyte[first..last];
        let bytes = end - start;
        match unit {
            ColumnUnit::Utf8 => bytes,
            _ => {
                bytes
                    - chars
                        .iter()
                        .map(|&(_, len)| u32::from(len) - unit_width(len, unit))
                        .sum::<u32>()
            }
        }
    }

    fn snap_to_char_start(&self, offset: u32) -> u32 {
        let before = self.multibyte.partition_point(|&(at, _)| at < offset);
        match before.checked_sub(1).map(|i| self.multibyte[i]) {
            Some((at, len)) if offset < at + u32::from(len) => at,
            _ => offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_the_unit_asked_for_and_map_back() {
        // `é` is 2 bytes and 1 UTF-16 unit, `🦀` is 4 bytes and 2 units.
        let text = "é🦀x\ncé\nd";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(index.position(x, ColumnUnit::Utf8), (0, 6));
        assert_eq!(index.position(x, ColumnUnit::Utf16), (0, 3));
        assert_eq!(index.position(x, ColumnUnit::Utf32), (0, 2));
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Utf32] {
            for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let (line, column) = index.position(offset as u32, unit);
                assert_eq!(index.offset(line, column, unit), offset as u32, "{unit:?} at {offset}");
            }
        }
        // Past the line's end is its end, past the last line the text's end.
        assert_eq!(index.offset(1, 99, ColumnUnit::Utf16), text.find("\nd").unwrap() as u32);
        assert_eq!(index.offset(7, 0, ColumnUnit::Utf16), text.len() as u32);
    }

    #[test]
    fn first_offset_is_line_one_column_one() {
        assert_eq!(LineIndex::new("fn f() {}").line_col(0), (1, 1));
        assert_eq!(LineIndex::new("").line_col(0), (1, 1));
    }

    #[test]
    fn newline_belongs_to_the_line_it_ends() {
        let index = LineIndex::new("ab\ncd\n");
        assert_eq!(index.line_col(2), (1, 3));
        assert_eq!(index.line_col(3), (2, 1));
        assert_eq!(index.line_col(5), (2, 3));
        // The empty line after a trailing newline exists, as in rustc.
        assert_eq!(index.line_col(6), (3, 1));
    }

    #[test]
    fn columns_count_chars_not_bytes() {
        // `é` is 2 bytes, `🦀` is 4.
        let index = LineIndex::new("é🦀x\ncé\nd");
        assert_eq!(index.line_col(2), (1, 2));
        assert_eq!(index.line_col(6), (1, 3));
        assert_eq!(index.line_col(7), (1, 4));
        assert_eq!(index.line_col(11), (2, 3));
        assert_eq!(index.line_col(12), (3, 1));
    }

    #[test]
    fn multibyte_chars_on_earlier_lines_do_not_shift_columns() {
        let index = LineIndex::new("ééé\nabc");
        assert_eq!(index.line_col(9), (2, 3));
    }

    #[test]
    fn offset_inside_a_char_counts_as_its_start() {
        let index = LineIndex::new("a🦀b");
        assert_eq!(index.line_col(2), (1, 2));
        assert_eq!(index.line_col(4), (1, 2));
        assert_eq!(index.line_col(5), (1, 3));
    }

    #[test]
    fn offset_past_the_end_is_clamped() {
        assert_eq!(LineIndex::new("ab\nc").line_col(99), (2, 2));
    }

    #[test]
    fn carriage_return_is_an_ordinary_char() {
        let index = LineIndex::new("a\r\nb");
        assert_eq!(index.line_col(1), (1, 2));
        assert_eq!(index.line_col(3), (2, 1));
    }
}
