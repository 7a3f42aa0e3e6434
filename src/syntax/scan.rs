//! A cheap pass over the text before the grammar runs.
//!
//! It finds what a PEG parser reports badly or dangerously: brackets that are
//! never closed (pointing at the likely culprit by indentation, as rustc
//! does), closers that close nothing, strings without their closing quote,
//! and nesting deep enough to exhaust the parser's stack. It is linear in
//! the input and allocates only the bracket stack.

use crate::diagnostic::Diagnostic;
use crate::registry::Code;
use crate::source::{FileId, Span};

/// The deepest nesting of `{` and `(` the parser accepts.
pub const MAX_NESTING: usize = 64;

struct Open {
    byte: u8,
    offset: usize,
    indent: usize,
}

/// Scans `text`; returns the diagnostics that make parsing pointless.
pub fn scan(file: FileId, text: &str) -> Vec<Diagnostic> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut suspects: Vec<usize> = Vec::new();
    let mut diagnostics = Vec::new();
    // Where the current line starts, and its first non-blank byte: kept up
    // to date as the scan goes, so that the indentation of a bracket's line
    // costs nothing (a scan back per bracket would be quadratic).
    let mut line_start = 0;
    let mut first_on_line: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' || b == b'\r' {
            line_start = i + 1;
            first_on_line = None;
            i += 1;
            continue;
        }
        if first_on_line.is_none() && b != b' ' && b != b'\t' {
            first_on_line = Some(i);
        }
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && !is_line_end(bytes, i) {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                let start = i;
                match text[i + 3..].find("\"\"\"") {
                    Some(end) => {
                        let close = i + 3 + end + 3;
                        // A block spans lines: the line after it starts at
                        // its last line break.
                        if let Some(nl) = bytes[i..close]
                            .iter()
                            .rposition(|c| *c == b'\n' || *c == b'\r')
                        {
                            line_start = i + nl + 1;
                            first_on_line = Some(line_start);
                        }
                        i = close;
                    }
                    None => {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::UnterminatedString,
                                Span::new(file, start, start + 3),
                                "text block is never closed",
                            )
                            .label("this `\"\"\"` opens a text block")
                            .help("end the text block with `\"\"\"`"),
                        );
                        return diagnostics;
                    }
                }
                continue;
            }
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    if i >= bytes.len() || is_line_end(bytes, i) {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::UnterminatedString,
                                Span::new(file, start, i),
                                "string is not closed on its line",
                            )
                            .label("this string has no closing `\"`")
                            .help(
                                "close the string with `\"`; for text over several lines use a `\"\"\"` block",
                            ),
                        );
                        // What follows is likely the rest of the string.
                        return diagnostics;
                    }
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                continue;
            }
            b @ (b'{' | b'(') => {
                if stack.len() >= MAX_NESTING {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::NestingTooDeep,
                            Span::new(file, i, i + 1),
                            format!("nesting is deeper than {MAX_NESTING} levels"),
                        )
                        .label("this bracket is one level too deep")
                        .help("split the deeply nested part into separate steps or definitions"),
                    );
                    return diagnostics;
                }
                stack.push(Open {
                    byte: b,
                    offset: i,
                    indent: first_on_line.unwrap_or(i) - line_start,
                });
            }
            b @ (b'}' | b')') => {
                let want = if b == b'}' { b'{' } else { b'(' };
                match stack.pop() {
                    None => {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::UnexpectedClose,
                                Span::new(file, i, i + 1),
                                format!("`{}` closes nothing", b as char),
                            )
                            .label("there is no open bracket for this")
                            .help("remove it, or add the opening bracket it was meant to close"),
                        );
                        return diagnostics;
                    }
                    Some(open) if open.byte != want => {
                        let expected = if open.byte == b'{' { '}' } else { ')' };
                        diagnostics.push(
                            Diagnostic::new(
                                Code::UnexpectedClose,
                                Span::new(file, i, i + 1),
                                format!("expected `{expected}`, found `{}`", b as char),
                            )
                            .label(format!("`{expected}` expected here"))
                            .with(
                                Span::new(file, open.offset, open.offset + 1),
                                format!("`{}` opened here", open.byte as char),
                            )
                            .help(format!(
                                "close the `{}` before this point",
                                open.byte as char
                            )),
                        );
                        return diagnostics;
                    }
                    Some(open) => {
                        if first_on_line == Some(i) && i - line_start != open.indent {
                            suspects.push(open.offset);
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    if !diagnostics.is_empty() {
        return diagnostics;
    }
    if let Some(innermost) = stack.last() {
        // A closer whose indentation differs from its opener's line most
        // likely belongs to an outer block: the first such opener is the one
        // whose own closer is missing.
        let culprit = suspects
            .first()
            .copied()
            .filter(|s| *s >= stack[0].offset)
            .unwrap_or(innermost.offset);
        let byte = bytes[culprit];
        let closer = if byte == b'{' { '}' } else { ')' };
        diagnostics.push(
            Diagnostic::new(
                Code::UnclosedBlock,
                Span::new(file, culprit, culprit + 1),
                format!("`{}` is never closed", byte as char),
            )
            .label("this block is not closed")
            .with(
                {
                    // The last visible character, so that the label is drawn.
                    let (last, c) = text.trim_end().char_indices().last().unwrap_or((0, ' '));
                    Span::new(file, last, (last + c.len_utf8()).min(text.len()))
                },
                "the file ends here",
            )
            .help(format!("add a `{closer}` where the block should end")),
        );
    }
    diagnostics
}

/// Reports characters that change how text displays without being seen:
/// bidirectional controls (which can make source read differently from how
/// it compiles) and zero-width characters. At most `MAX_SUSPICIOUS` per file.
pub fn suspicious(file: FileId, text: &str) -> Vec<Diagnostic> {
    const MAX_SUSPICIOUS: usize = 20;
    // Every character `invisible_name` knows is either an ASCII control or
    // not ASCII at all: look at the bytes first, decode only those.
    let bytes = text.as_bytes();
    let worth_decoding = |b: &u8| *b >= 0x7F || (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'));
    let mut from = 0;
    std::iter::from_fn(move || {
        let at = from + bytes[from..].iter().position(worth_decoding)?;
        let c = text[at..].chars().next()?;
        from = at + c.len_utf8();
        Some((at, c))
    })
    .filter(|(i, c)| *i > 0 || *c != '\u{FEFF}')
    .filter_map(|(i, c)| invisible_name(c).map(|name| (i, c, name)))
    .take(MAX_SUSPICIOUS)
    .map(|(i, c, name)| {
        Diagnostic::new(
            Code::SuspiciousCharacter,
            Span::new(file, i, i + c.len_utf8()),
            format!("invisible character U+{:04X} ({name})", c as u32),
        )
        .label("invisible here")
        .help(format!(
            "remove it; if it is wanted in a text, write it as `\\u{{{:X}}}` so readers see it",
            c as u32
        ))
    })
    .collect()
}

fn invisible_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{0}' => "null",
        '\u{1B}' => "escape, which can drive a terminal",
        '\u{7}' => "bell",
        '\u{8}' => "backspace",
        '\u{B}' => "vertical tab",
        '\u{C}' => "form feed",
        '\u{7F}' => "delete",
        '\u{85}' => "next line, which many editors do not show as a line break",
        '\u{2028}' => "line separator, which many editors do not show as a line break",
        '\u{2029}' => "paragraph separator, which many editors do not show as a line break",
        c if c.is_control() && c != '\t' && c != '\n' && c != '\r' => "control character",
        '\u{202A}' => "left-to-right embedding",
        '\u{202B}' => "right-to-left embedding",
        '\u{202C}' => "pop directional formatting",
        '\u{202D}' => "left-to-right override",
        '\u{202E}' => "right-to-left override",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        '\u{200E}' => "left-to-right mark",
        '\u{200F}' => "right-to-left mark",
        '\u{061C}' => "Arabic letter mark",
        '\u{200B}' => "zero width space",
        '\u{200C}' => "zero width non-joiner",
        '\u{200D}' => "zero width joiner",
        '\u{2060}' => "word joiner",
        '\u{FEFF}' => "zero width no-break space",
        _ => return None,
    })
}

fn is_line_end(bytes: &[u8], i: usize) -> bool {
    matches!(bytes[i], b'\n' | b'\r')
        || bytes[i..].starts_with("\u{2028}".as_bytes())
        || bytes[i..].starts_with("\u{2029}".as_bytes())
        || bytes[i..].starts_with("\u{85}".as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(&'static str, usize)> {
        scan(FileId(0), text)
            .iter()
            .map(|d| (d.code.name(), d.primary.span.start as usize))
            .collect()
    }

    #[test]
    fn balanced_text_passes() {
        assert!(codes("a { b ( c ) \"}\" // }\n }").is_empty());
    }

    #[test]
    fn unclosed_inner_block_is_found_by_indentation() {
        let text = "playbook p {\n  step s \"t\" {\n    if x {\n      do a \"b\"\n  }\n}\n";
        let brace_of_if = text.find("x {").unwrap() + 2;
        assert_eq!(codes(text), vec![("unclosed-block", brace_of_if)]);
    }

    #[test]
    fn unclosed_without_indentation_hint_names_innermost() {
        assert_eq!(codes("a { b { c }"), vec![("unclosed-block", 2)]);
    }

    #[test]
    fn stray_closer_is_reported() {
        assert_eq!(codes("a { } }"), vec![("unexpected-close", 6)]);
    }

    #[test]
    fn mismatched_closer_is_reported() {
        assert_eq!(codes("a ( }"), vec![("unexpected-close", 4)]);
    }

    #[test]
    fn string_without_closing_quote() {
        assert_eq!(codes("a \"oops\nb"), vec![("unterminated-string", 2)]);
        assert_eq!(codes("a \"\"\" oops"), vec![("unterminated-string", 2)]);
    }

    #[test]
    fn invisible_characters_are_flagged() {
        let text = "\u{FEFF}a \"x\u{202E}y\" // \u{200B}";
        let found: Vec<usize> = suspicious(FileId(0), text)
            .iter()
            .map(|d| d.primary.span.start as usize)
            .collect();
        assert_eq!(
            found,
            vec![
                text.find('\u{202E}').unwrap(),
                text.find('\u{200B}').unwrap()
            ]
        );
    }

    #[test]
    fn deep_nesting_stops_early() {
        let text = "(".repeat(100_000);
        assert_eq!(codes(&text), vec![("nesting-too-deep", MAX_NESTING)]);
    }
}
