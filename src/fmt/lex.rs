//! The tokens of a source text, with the comments and line breaks between
//! them: what the grammar's `WHITESPACE` rule skips, and the formatter keeps.
//!
//! Only text the parser accepted is lexed, so the lexer can be simple: it
//! splits where the grammar's tokens end (ids, numbers, strings, text blocks,
//! punctuation) and never decides what a token means. Anything it cannot
//! split returns `None`, which the formatter reports as its own failure.

/// What a token is, as far as layout is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An id or a keyword: `step`, `account-team`.
    Word,
    /// An integer, percentage, date or task number: `1_000`, `12.5%`.
    Number,
    /// A one-line string, quotes included.
    Str,
    /// A `"""` text block, quotes included.
    TextBlock,
    /// Punctuation: `{`, `=>`, `,` and the operators.
    Punct,
    /// A `//` comment, up to (not including) its line end.
    Comment,
}

/// One token: its kind, its byte range, and how many line breaks the layout
/// before it holds (since the previous token or comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub breaks: u32,
}

impl Token {
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }
}

/// Whether `c` ends a line, as the grammar's `line_end` says.
pub fn is_line_end(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Whether `c` is layout other than a line end (the rest of `WHITESPACE`).
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{0B}' | '\u{0C}')
}

/// Splits `text` into tokens and comments. A byte-order mark at the start is
/// layout. `None` when some character belongs to no token, which does not
/// happen in a text the parser accepted.
pub fn tokens(text: &str) -> Option<Vec<Token>> {
    let bytes = text.as_bytes();
    let mut found = Vec::with_capacity(text.len() / 4);
    let mut i = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    let mut breaks = 0;
    while i < text.len() {
        let c = text[i..].chars().next()?;
        if c == '\r' {
            // CRLF is one line end.
            if bytes.get(i + 1) != Some(&b'\n') {
                breaks += 1;
            }
            i += 1;
            continue;
        }
        if is_line_end(c) {
            breaks += 1;
            i += c.len_utf8();
            continue;
        }
        if is_blank(c) {
            i += 1;
            continue;
        }
        let start = i;
        let kind = match c {
            '/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..]
                    .find(is_line_end)
                    .map_or(text.len(), |end| i + end);
                Kind::Comment
            }
            '"' => {
                let block_end = text[i..]
                    .starts_with("\"\"\"")
                    .then(|| text[i + 3..].find("\"\"\""))
                    .flatten();
                match block_end {
                    Some(end) => {
                        i += 3 + end + 3;
                        Kind::TextBlock
                    }
                    None => {
                        i = string_end(text, i)?;
                        Kind::Str
                    }
                }
            }
            '0'..='9' => {
                i = number_end(bytes, i);
                Kind::Number
            }
            'a'..='z' | 'A'..='Z' | '_' => {
                i = word_end(bytes, i);
                Kind::Word
            }
            _ => {
                i += punct_len(&bytes[i..])?;
                Kind::Punct
            }
        };
        found.push(Token {
            kind,
            start,
            end: i,
            breaks,
        });
        breaks = 0;
    }
    Some(found)
}

/// The end of the string opening at `start`: after its closing quote.
fn string_end(text: &str, start: usize) -> Option<usize> {
    let mut chars = text[start + 1..].char_indices();
    while let Some((offset, c)) = chars.next() {
        match c {
            '"' => return Some(start + 1 + offset + 1),
            '\\' => {
                let (_, escaped) = chars.next()?;
                if is_line_end(escaped) {
                    return None;
                }
            }
            c if is_line_end(c) => return None,
            _ => {}
        }
    }
    None
}

/// The end of a number: digits with `_` groups, then a date's `-MM-DD`, or a
/// percentage's decimals and `%`. What follows a number in a text the parser
/// accepted is never part of it (`10%of` is `10%` and `of`).
fn number_end(bytes: &[u8], start: usize) -> usize {
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut i = start;
    while digit(i) || (bytes.get(i) == Some(&b'_') && digit(i + 1)) {
        i += 1;
    }
    let date_tail = i - start == 4
        && bytes.get(i) == Some(&b'-')
        && digit(i + 1)
        && digit(i + 2)
        && bytes.get(i + 3) == Some(&b'-')
        && digit(i + 4)
        && digit(i + 5);
    if date_tail {
        return i + 6;
    }
    if bytes.get(i) == Some(&b'.') && digit(i + 1) {
        i += 1;
        while digit(i) {
            i += 1;
        }
    }
    if bytes.get(i) == Some(&b'%') {
        i += 1;
    }
    i
}

/// The end of an id or keyword: letters and digits, in groups joined by
/// single hyphens.
fn word_end(bytes: &[u8], start: usize) -> usize {
    let part = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let mut i = start;
    loop {
        while bytes.get(i).is_some_and(part) {
            i += 1;
        }
        if bytes.get(i) == Some(&b'-') && bytes.get(i + 1).is_some_and(part) {
            i += 1;
        } else {
            return i;
        }
    }
}

/// The length of the punctuation at the start of `rest`.
fn punct_len(rest: &[u8]) -> Option<usize> {
    const TWO: [&[u8]; 5] = [b"=>", b"==", b"!=", b"<=", b">="];
    if TWO.iter().any(|p| rest.starts_with(p)) {
        return Some(2);
    }
    matches!(
        rest.first()?,
        b'{' | b'}'
            | b'('
            | b')'
            | b','
            | b':'
            | b'|'
            | b'='
            | b'<'
            | b'>'
            | b'+'
            | b'-'
            | b'*'
            | b'/'
    )
    .then_some(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str) -> Vec<(Kind, &str, u32)> {
        tokens(text)
            .expect("lexes")
            .iter()
            .map(|t| (t.kind, t.text(text), t.breaks))
            .collect()
    }

    #[test]
    fn splits_where_the_grammar_does() {
        use Kind::*;
        assert_eq!(
            show("let a-b = 10%of x-1 - -2 // c\r\n\r\n}"),
            vec![
                (Word, "let", 0),
                (Word, "a-b", 0),
                (Punct, "=", 0),
                (Number, "10%", 0),
                (Word, "of", 0),
                (Word, "x-1", 0),
                (Punct, "-", 0),
                (Punct, "-", 0),
                (Number, "2", 0),
                (Comment, "// c", 0),
                (Punct, "}", 2),
            ]
        );
        assert_eq!(
            show("2019-10-01 2019-10 1_000 12.5% => >= x:"),
            vec![
                (Number, "2019-10-01", 0),
                (Number, "2019", 0),
                (Punct, "-", 0),
                (Number, "10", 0),
                (Number, "1_000", 0),
                (Number, "12.5%", 0),
                (Punct, "=>", 0),
                (Punct, ">=", 0),
                (Word, "x", 0),
                (Punct, ":", 0),
            ]
        );
    }

    #[test]
    fn strings_blocks_and_line_ends() {
        use Kind::*;
        let text = "\u{FEFF}\"a \\\" // b\"\u{2028}\"\"\"\n x \"\n\"\"\"\r\u{85}\"\"";
        assert_eq!(
            show(text),
            vec![
                (Str, "\"a \\\" // b\"", 0),
                (TextBlock, "\"\"\"\n x \"\n\"\"\"", 1),
                (Str, "\"\"", 2),
            ]
        );
        assert!(tokens("\"open\n\"").is_none());
        assert!(tokens("a ; b").is_none());
    }
}
