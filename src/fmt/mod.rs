//! The formatter: source text in, the same source in the canonical layout
//! out (`docs/fmt.md` describes the layout).
//!
//! ```text
//! text ──syntax::parse──▶ ast::File ──marks──▶ where lines start, sets, negations
//!   └────────lex────────▶ tokens + comments ──print──▶ text ──parse again, compare──▶ done
//! ```
//!
//! Only layout changes: the tokens stay the same and in the same order, so
//! the syntax tree, and therefore the compiled model, cannot change. The
//! formatter checks that promise on every file: it parses its own output and
//! compares the tree with the input's (ignoring positions), and refuses to
//! return a text whose tree differs.
//!
//! Pure: no I/O. The CLI (`src/cli/fmt.rs`) reads and writes the files.

mod lex;
mod marks;
mod print;

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::source::FileId;

/// Why a text was not formatted.
#[derive(Debug)]
pub enum Error {
    /// The text does not parse: every diagnostic the parser gave. The
    /// formatter only lays out text the compiler accepts.
    Syntax(Vec<Diagnostic>),
    /// The formatter could not lay the text out without changing what it
    /// means: a bug in the formatter, described for a bug report.
    Internal(String),
}

/// Formats a source text (as decoded by [`crate::syntax::decode`]). `file`
/// is the id the diagnostics of a text that does not parse refer to.
pub fn format(file: FileId, text: &str) -> Result<String, Error> {
    let (tree, diagnostics) = crate::syntax::parse(file, text);
    let tree = match tree {
        Some(tree) if !diagnostics.iter().any(Diagnostic::is_error) => tree,
        _ => return Err(Error::Syntax(diagnostics)),
    };
    let tokens = lex::tokens(text)
        .ok_or_else(|| Error::Internal("the text cannot be split into tokens".to_string()))?;
    let marks = marks::collect(&tree);
    let formatted = print::print(text, &tokens, &marks).ok_or_else(|| {
        Error::Internal("the syntax tree does not match the tokens of the text".to_string())
    })?;
    let (again, diagnostics) = crate::syntax::parse(file, &formatted);
    match again {
        Some(again)
            if !diagnostics.iter().any(Diagnostic::is_error) && shape(&again) == shape(&tree) =>
        {
            Ok(formatted)
        }
        _ => Err(Error::Internal(
            "the formatted text would not parse to the same syntax tree".to_string(),
        )),
    }
}

/// A syntax tree without its positions: two texts with the same shape mean
/// the same thing.
fn shape(file: &ast::File) -> String {
    let full = format!("{:?} {:?} {:?}", file.kind, file.id.name, file.body);
    strip_spans(&full)
}

/// Removes every `Span { .. }` from a tree's debug text.
fn strip_spans(debug: &str) -> String {
    const OPEN: &str = "Span { file: FileId(";
    let mut out = String::with_capacity(debug.len() / 2);
    let mut rest = debug;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        rest = &rest[at..];
        rest = &rest[rest.find('}').map_or(rest.len(), |end| end + 1)..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format(FileId(0), text) {
            Ok(out) => out,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn spans_are_stripped() {
        let a = "Ident { name: \"x\", span: Span { file: FileId(0), start: 1, end: 2 } }";
        let b = "Ident { name: \"x\", span: Span { file: FileId(0), start: 7, end: 8 } }";
        assert_eq!(strip_spans(a), strip_spans(b));
        assert_eq!(strip_spans(a), "Ident { name: \"x\", span: Span }");
    }

    #[test]
    fn squeezed_file_is_spread_over_lines() {
        let text = "playbook p { title \"T\" role fm \"FM\"\n step s \"S\" { owner fm do it \"Do it.\" } }";
        assert_eq!(
            fmt(text),
            "playbook p {\n  title \"T\"\n  role fm \"FM\"\n  step s \"S\" {\n    owner fm\n    do it \"Do it.\"\n  }\n}\n"
        );
    }

    #[test]
    fn expressions_get_canonical_spacing() {
        let text = "playbook p {\nlet a = - x+ ( y*2 )\nlet b = {a,b} == { }\nlet c:set of  one of a|b = {}\n}";
        assert_eq!(
            fmt(text),
            "playbook p {\n  let a = -x + (y * 2)\n  let b = {a, b} == {}\n  let c: set of one of a | b = {}\n}\n"
        );
    }

    #[test]
    fn a_text_that_does_not_parse_is_refused() {
        assert!(matches!(
            format(FileId(0), "playbook p { title }"),
            Err(Error::Syntax(d)) if !d.is_empty()
        ));
    }
}
