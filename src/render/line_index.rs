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
        let offset = self.snap_to_char_start(offset.min(self.len));
        // `line_starts[0] == 0`, so at least one start is `<= offset` and the index is >= 1.
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line - 1];
        let column = offset - line_start - self.extra_bytes_between(line_start, offset);
        (line as u32, column + 1)
    }

    /// The bytes beyond the first of each multi-byte char starting in `start..end`.
    fn extra_bytes_between(&self, start: u32, end: u32) -> u32 {
        let first = self.multibyte.partition_point(|&(at, _)| at < start);
        let last = self.multibyte.partition_point(|&(at, _)| at < end);
        self.multibyte[first..last].iter().map(|&(_, len)| u32::from(len) - 1).sum()
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
