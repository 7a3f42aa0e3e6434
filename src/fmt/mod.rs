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

/// A digest of a syntax tree without its positions: two texts with the
/// same shape mean the same thing. The tree's debug text is hashed as it is
/// written, so that a large file's is never held whole.
fn shape(file: &ast::File) -> [u8; 32] {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let mut sink = Unspanned::default();
    let _ = write!(sink, "{:?} {:?} {:?}", file.kind, file.id.name, file.body);
    sink.flush();
    sink.hasher.finalize().into()
}

/// A `fmt::Write` that hashes what it is given, each `Span { .. }` written
/// as `Span`.
#[derive(Default)]
struct Unspanned {
    hasher: sha2::Sha256,
    /// The start of a span's debug text seen so far (a prefix of `OPEN`).
    pending: String,
    /// Inside a span, up to its `}`.
    skipping: bool,
}

impl Unspanned {
    /// How a span's debug text starts; its `S` occurs only at the start.
    const OPEN: &str = "Span { file: FileId(";

    fn flush(&mut self) {
        use sha2::Digest as _;
        self.hasher.update(self.pending.as_bytes());
        self.pending.clear();
    }
}

impl std::fmt::Write for Unspanned {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        use sha2::Digest as _;
        for c in s.chars() {
            if self.skipping {
                if c == '}' {
                    self.skipping = false;
                    self.hasher.update(b"Span");
                }
                continue;
            }
            if Self::OPEN[self.pending.len()..].starts_with(c) {
                self.pending.push(c);
                if self.pending.len() == Self::OPEN.len() {
                    self.pending.clear();
                    self.skipping = true;
                }
                continue;
            }
            self.flush();
            if c == 'S' {
                self.pending.push(c);
            } else {
                let mut buf = [0; 4];
                self.hasher.update(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        Ok(())
    }
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

    fn unspanned(parts: &[&str]) -> [u8; 32] {
        use sha2::Digest as _;
        use std::fmt::Write as _;
        let mut sink = Unspanned::default();
        for part in parts {
            sink.write_str(part).expect("hashing cannot fail");
        }
        sink.flush();
        sink.hasher.finalize().into()
    }

    #[test]
    fn spans_are_left_out_of_the_shape() {
        let plain = unspanned(&["Ident { name: \"Sx\", span: Span }"]);
        assert_eq!(
            unspanned(&[
                "Ident { name: \"Sx\", span: Span { file: FileId(0), start: 1, end: 2 } }"
            ]),
            plain
        );
        // Written in pieces, as `Debug` does, split anywhere.
        assert_eq!(
            unspanned(&[
                "Ident { name: \"S",
                "x\", span: Sp",
                "an { file: Fil",
                "eId(3), start: 7, end: 8 } }"
            ]),
            plain
        );
        assert_ne!(unspanned(&["Ident { name: \"Sy\", span: Span }"]), plain);
        assert_ne!(unspanned(&["Span { file: "]), unspanned(&["Span"]));
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
