//! Source text to syntax tree.
//!
//! `parse` runs the scanner (brackets, strings, nesting), then the pest
//! grammar, then lowers pest's pairs into the owned [`ast`](crate::ast).
//! Pest types never leave this module.

mod errors;
mod lower;
pub mod scan;
mod text;

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::registry::Code;
use crate::source::{FileId, Span};
use pest::Parser as _;

pub use text::{Placeholder, placeholders};

/// The largest source file accepted by default, in bytes (`Playbook.toml`
/// can raise it with `max-file-size-mib`).
pub const MAX_FILE_SIZE: usize = 16 * 1024 * 1024;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/playbook.pest"]
pub(crate) struct Grammar;

/// Turns raw bytes into text: rejects invalid UTF-8 and oversized files with
/// a diagnostic. The returned text is what spans index into.
pub fn decode(
    file: FileId,
    bytes: &[u8],
    limit: usize,
) -> Result<String, Box<(String, Diagnostic)>> {
    if bytes.len() > limit {
        let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
        let end = shown.find('\n').unwrap_or(shown.len()).min(shown.len());
        return Err(Box::new((
            shown,
            Diagnostic::new(
                Code::FileTooLarge,
                Span::new(file, 0, end),
                format!("the file is larger than {limit} bytes, the most the compiler reads"),
            )
            .label("this file")
            .help("split the playbook into smaller files joined with `use`, or raise `max-file-size-mib` in `Playbook.toml`"),
        )));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let at = e.valid_up_to();
            let text = String::from_utf8_lossy(bytes).into_owned();
            let bad = e.error_len().unwrap_or(1);
            let width = if text[at..].starts_with('\u{FFFD}') {
                3
            } else {
                bad
            };
            Err(Box::new((
                text,
                Diagnostic::new(
                    Code::InvalidUtf8,
                    Span::new(file, at, at + width),
                    format!("the file is not valid UTF-8 at byte {at}"),
                )
                .label("invalid byte sequence")
                .help("save the file as UTF-8"),
            )))
        }
    }
}

/// Parses one file. Returns the tree when the text is well formed, and every
/// diagnostic found on the way.
pub fn parse(file: FileId, text: &str) -> (Option<ast::File>, Vec<Diagnostic>) {
    let mut diagnostics = scan::suspicious(file, text);
    let structural = scan::scan(file, text);
    if !structural.is_empty() {
        diagnostics.extend(structural);
        return (None, diagnostics);
    }
    match Grammar::parse(Rule::file, text) {
        Err(error) => {
            diagnostics.push(errors::convert(file, text, error));
            (None, diagnostics)
        }
        Ok(pairs) => {
            let mut lower = lower::Lower::new(file);
            let tree = lower.file(pairs);
            diagnostics.extend(lower.diagnostics);
            (tree, diagnostics)
        }
    }
}
