//! User text on its way out: one escaping function per target, all built on
//! one definition of what must never reach a reader raw.
//!
//! | target | function |
//! | --- | --- |
//! | a terminal (diagnostics' messages, `run` output) | [`terminal`] |
//! | a run report in Markdown | `run::report::md` |
//! | a run report in HTML | `run::report::html` |
//!
//! The exports have their own escaping per format in `src/export/`; source
//! excerpts on a terminal come from `SourceFile::display_text`.

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
