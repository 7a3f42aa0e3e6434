//! Source files, spans and line/column lookup.
//!
//! Every span knows its file, so a diagnostic can point into an imported
//! catalogue as easily as into the file being checked.

use serde::Serialize;

/// Index of a file in a [`Sources`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One source text with its display name and a line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics: a path as the user gave it.
    pub name: String,
    pub text: String,
    line_starts: Vec<u32>,
    /// The text with control and invisible characters replaced, byte for
    /// byte, so that showing it on a terminal is safe (made on first use).
    display: std::sync::OnceLock<Option<String>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i as u32 + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => line_starts.push(i as u32 + 1),
                _ => {}
            }
            i += 1;
        }
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            display: std::sync::OnceLock::new(),
        }
    }

    /// Byte offsets where lines start.
    pub fn line_starts(&self) -> &[u32] {
        &self.line_starts
    }

    /// The text, safe to print on a terminal: control characters and
    /// invisible formatting characters are replaced by characters of the same
    /// length in bytes (`?`, or U+FFFD), so every span stays valid.
    pub fn display_text(&self) -> &str {
        self.display
            .get_or_init(|| {
                let unsafe_char = |c: char| {
                    (c.is_control() && c != '\t' && c != '\n' && c != '\r')
                        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{061C}')
                        || (c == '\u{FEFF}')
                };
                if !self.text.char_indices().any(|(i, c)| unsafe_char(c) && !(i == 0 && c == '\u{FEFF}')) {
                    return None;
                }
                let mut out = String::with_capacity(self.text.len());
                for (i, c) in self.text.char_indices() {
                    if unsafe_char(c) && !(i == 0 && c == '\u{FEFF}') {
                        match c.len_utf8() {
                            3 => out.push('\u{FFFD}'),
                            n => out.extend(std::iter::repeat_n('?', n)),
                        }
                    } else {
                        out.push(c);
                    }
                }
                Some(out)
            })
            .as_deref()
            .unwrap_or(&self.text)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let column = self
            .text
            .get(start..offset)
            .map(|s| s.trim_start_matches('\u{FEFF}').chars().count())
            .unwrap_or(offset - start);
        (line + 1, column + 1)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map(|&e| e as usize)
            .unwrap_or(self.text.len());
        self.text[start as usize..end].trim_end_matches(['\n', '\r'])
    }
}

/// All the files one compilation read.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file)
            .text
            .get(span.range())
            .unwrap_or_default()
    }
}
