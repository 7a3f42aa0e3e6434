//! User text on its way out: one escaping function per target, all built on
//! one definition of what must never reach a reader raw.
//!
//! | target | function |
//! | --- | --- |
//! | a terminal (diagnostics' messages, `run` output) | [`terminal`] |
//! | Markdown inline text (the documents, the run report) | [`markdown`], [`markdown_lines`] |
//! | HTML text and quoted attribute values (the same) | [`html`], [`html_lines`] |
//! | YAML (the front matter of the Markdown document) | [`yaml`] |
//!
//! Source excerpts on a terminal come from `SourceFile::display_text`; the
//! BPMN export escapes XML with quick-xml.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal or a document as it is: a control
/// character other than tab and line feed (ESC starts terminal sequences:
/// clipboard writes, screen clears), or an invisible or bidirectional
/// formatting character (a right-to-left override makes text read
/// differently from what it is).
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c,
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{061C}'
            | '\u{FEFF}')
}

/// Text safe to print on a terminal: every [`is_hidden`] character written
/// as a visible `\u{..}` escape.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Plain text escaped as Markdown inline content, trimmed of the space at
/// its edges. `line_start`: the text begins a block, where a leading `-`,
/// `+`, `=` or `1.` would start a list or heading.
pub fn markdown(text: &str, line_start: bool) -> String {
    markdown_keep_edges(text, line_start)
        .trim_matches(' ')
        .to_string()
}

/// Plain text escaped as Markdown inline content: whitespace runs become
/// one space (kept at the edges, where the text meets a link), control and
/// [`is_hidden`] characters are dropped, and every character that Markdown
/// or an extension of it (tables, strikethrough, math, MDX) reads as syntax
/// is backslash-escaped.
pub fn markdown_keep_edges(text: &str, line_start: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if c.is_control() || is_hidden(c) {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '|'
                | '#'
                | '~'
                | '&'
                | '{'
                | '}'
                | '$'
                | '!'
                | '^'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    if space {
        out.push(' ');
    }
    if line_start {
        escape_block_start(&mut out);
    }
    out
}

/// Text of several lines in one Markdown table cell or paragraph: each line
/// escaped by [`markdown`], joined by `<br>`.
pub fn markdown_lines(text: &str) -> String {
    text.lines()
        .map(|line| markdown(line, false))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Escapes what would start a block at the beginning of a line: a list
/// bullet (`-`, `+`), a setext underline (`=`), a thematic break, or an
/// ordered-list number (`12.` or `12)`).
fn escape_block_start(text: &mut String) {
    let start = text.len() - text.trim_start_matches(' ').len();
    let rest = &text[start..];
    if rest.starts_with(['-', '+', '=']) {
        text.insert(start, '\\');
        return;
    }
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && rest[digits..].starts_with(['.', ')']) {
        text.insert(start + digits, '\\');
    }
}

/// Plain text as HTML text or a quoted attribute value, trimmed.
pub fn html(text: &str) -> String {
    html_keep_edges(text).trim_matches(' ').to_string()
}

/// Plain text escaped for HTML text and double- or single-quoted attribute
/// values: `&`, `<`, `>`, `"` and `'` as character references; whitespace
/// runs as one space (kept at the edges); control and [`is_hidden`]
/// characters dropped.
pub fn html_keep_edges(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if c.is_control() || is_hidden(c) {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    if space {
        out.push(' ');
    }
    out
}

/// Text of several lines as HTML: each line escaped by [`html`], joined by
/// `<br>`.
pub fn html_lines(text: &str) -> String {
    text.lines().map(html).collect::<Vec<_>>().join("<br>")
}

/// A YAML double-quoted scalar on one line (serde-saphyr escapes quotes,
/// backslashes and every control or line-breaking character), so a value
/// never ends the front matter it is in.
pub fn yaml(text: &str) -> String {
    serde_saphyr::to_string(&serde_saphyr::DoubleQuoted(text))
        .map(|s| s.trim_end_matches('\n').to_string())
        // Serialising a string does not fail.
        .unwrap_or_else(|_| "\"\"".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_controls_become_visible() {
        assert_eq!(
            terminal("a\u{1b}]52;c;eA==\u{7}b\u{202E}c"),
            "a\\u{1B}]52;c;eA==\\u{7}b\\u{202E}c"
        );
        assert_eq!(terminal("中文\tline\nnext"), "中文\tline\nnext");
    }
}
