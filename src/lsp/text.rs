//! Byte offsets to protocol positions and back. The protocol counts
//! columns in UTF-16 code units: a Chinese character is one unit, a
//! character outside the Basic Multilingual Plane (an emoji) two.

use lsp_types::{Position, Range};
use std::borrow::Cow;

/// Line starts of a text, for converting offsets.
pub struct Lines<'a> {
    text: &'a str,
    starts: Cow<'a, [usize]>,
}

/// The byte offset where each line of `text` starts: what [`Lines`] is
/// built from, computed once per text and kept with it.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

impl<'a> Lines<'a> {
    /// The lines of a text, counting its line starts (one pass over it).
    pub fn new(text: &'a str) -> Lines<'a> {
        Lines {
            text,
            starts: Cow::Owned(line_starts(text)),
        }
    }

    /// The lines of a text whose line starts were counted before (by
    /// [`line_starts`] on the same text): no pass over the text.
    pub fn with_starts(text: &'a str, starts: &'a [usize]) -> Lines<'a> {
        Lines {
            text,
            starts: Cow::Borrowed(starts),
        }
    }

    /// The position of a byte offset (clamped to the text, and to a
    /// character boundary before it).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let column = self.text[self.starts[line]..offset].encode_utf16().count();
        Position::new(line as u32, column as u32)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of a position; a column past the end of its line
    /// means the end of the line, a line past the end the end of the text.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |&next| next - 1);
        let mut units = 0;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    /// The range of the whole text.
    pub fn all(&self) -> Range {
        self.range(0, self.text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "ab\n中文 x\n😀y z";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(lines.position(x), Position::new(1, 3));
        let y = text.find('y').unwrap();
        assert_eq!(lines.position(y), Position::new(2, 2));
        assert_eq!(lines.offset(Position::new(2, 2)), y);
        assert_eq!(lines.offset(Position::new(1, 3)), x);
        assert_eq!(
            lines.offset(Position::new(1, 99)),
            text.find("\n😀").unwrap()
        );
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
    }

    #[test]
    fn line_starts_counted_once_convert_as_a_fresh_count() {
        let text = "ab\n中文 x\n😀y z\n";
        let starts = line_starts(text);
        let kept = Lines::with_starts(text, &starts);
        let fresh = Lines::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(kept.position(offset), fresh.position(offset));
        }
        assert_eq!(kept.all(), fresh.all());
    }
}
