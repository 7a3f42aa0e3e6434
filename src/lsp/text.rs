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

/// The line starts of `new`, made from the bytes `replaced` of a text
/// whose line starts were `old` by giving them `delta` more bytes: the
/// starts before the edit are kept, those after it shifted, and only the
/// edited bytes searched for line breaks.
pub fn respliced_starts(
    old: &[usize],
    new: &str,
    replaced: std::ops::Range<usize>,
    delta: i64,
) -> Vec<usize> {
    let shift = |s: usize| (s as i64 + delta) as usize;
    // A line starting at or before the edit has its break before it.
    let kept = old.partition_point(|&s| s <= replaced.start);
    // A line starting after the edit's end has its break at or after it.
    let after = old.partition_point(|&s| s <= replaced.end);
    let edited = replaced.start..shift(replaced.end);
    let mut starts = Vec::with_capacity(old.len() + 1);
    starts.extend_from_slice(&old[..kept]);
    starts.extend(
        new[edited.clone()]
            .match_indices('\n')
            .map(|(i, _)| edited.start + i + 1),
    );
    starts.extend(old[after..].iter().map(|&s| shift(s)));
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
        column(self.text, start, end, position.character)
    }

    /// The range of the whole text.
    pub fn all(&self) -> Range {
        self.range(0, self.text.len())
    }
}

/// The byte offset of `character` UTF-16 units into the line of `text`
/// from `start` to `end` (its line break), or `end`.
fn column(text: &str, start: usize, end: usize, character: u32) -> usize {
    let mut units = 0;
    for (i, c) in text[start..end].char_indices() {
        if units >= character as usize {
            return start + i;
        }
        units += c.len_utf16();
    }
    end
}

/// The byte offset of a position in `text`, as [`Lines::offset`] gives
/// it, found without counting every line: one search for line breaks up to
/// its line.
pub fn offset_of(text: &str, position: Position) -> usize {
    let mut breaks = text.match_indices('\n').map(|(i, _)| i);
    let start = match position.line {
        0 => 0,
        line => match breaks.nth(line as usize - 1) {
            Some(i) => i + 1,
            None => return text.len(),
        },
    };
    let end = breaks.next().unwrap_or(text.len());
    column(text, start, end, position.character)
}

/// Applies one change an editor sent: its range replaced by its text, or,
/// without a range, the whole text. A range whose end comes before its
/// start replaces nothing but inserts at its start.
pub fn apply(text: &mut String, change: lsp_types::TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let start = offset_of(text, range.start);
            let end = offset_of(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
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

    #[test]
    fn an_offset_found_by_searching_is_the_offset_of_the_counted_lines() {
        let text = "ab\n中文 x\n😀y z\n\nlast";
        let lines = Lines::new(text);
        for line in 0..7 {
            for character in 0..8 {
                let position = Position::new(line, character);
                assert_eq!(
                    offset_of(text, position),
                    lines.offset(position),
                    "{position:?}"
                );
            }
        }
    }

    #[test]
    fn changes_applied_in_turn_give_the_edited_text() {
        use lsp_types::TextDocumentContentChangeEvent as Change;
        let change = |range: Option<Range>, text: &str| Change {
            range,
            range_length: None,
            text: text.to_string(),
        };
        let mut text = "step a {\n  title \"中文\"\n}\n".to_string();
        // Typed after the Chinese title: columns count UTF-16 units.
        let after = Position::new(1, 11);
        apply(&mut text, change(Some(Range::new(after, after)), "😀"));
        assert_eq!(text, "step a {\n  title \"中文😀\"\n}\n");
        // The emoji is two units wide: deleting it takes both.
        let emoji_end = Position::new(1, 13);
        apply(&mut text, change(Some(Range::new(after, emoji_end)), ""));
        assert_eq!(text, "step a {\n  title \"中文\"\n}\n");
        // Across lines, and past the end of the text.
        let range = Range::new(Position::new(0, 7), Position::new(2, 1));
        apply(&mut text, change(Some(range), "{}"));
        assert_eq!(text, "step a {}\n");
        let end = Position::new(9, 0);
        apply(&mut text, change(Some(Range::new(end, end)), "// end\n"));
        assert_eq!(text, "step a {}\n// end\n");
        // An end before the start inserts at the start.
        let backwards = Range::new(Position::new(0, 4), Position::new(0, 2));
        apply(&mut text, change(Some(backwards), "!"));
        assert_eq!(text, "step! a {}\n// end\n");
        // No range: the whole text.
        apply(&mut text, change(None, "role r\n"));
        assert_eq!(text, "role r\n");
    }

    #[test]
    fn line_starts_respliced_after_an_edit_are_the_starts_counted_again() {
        let old = "ab\n中文 x\n\n😀y z\nlast";
        let starts = line_starts(old);
        let mut checked = 0;
        for (start, _) in old.char_indices() {
            for (end, _) in old[start..].char_indices().map(|(i, c)| (start + i, c)) {
                for typed in ["", "q", "\n", "1\n2\n", "中\n"] {
                    let new = format!("{}{typed}{}", &old[..start], &old[end..]);
                    let delta = new.len() as i64 - old.len() as i64;
                    assert_eq!(
                        respliced_starts(&starts, &new, start..end, delta),
                        line_starts(&new),
                        "{start}..{end} replaced by {typed:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 500, "{checked}");
    }
}
