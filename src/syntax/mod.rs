//! Source text to syntax tree.
//!
//! `parse` runs the scanner (brackets, strings, nesting), then the pest
//! grammar, then lowers pest's pairs into the owned [`ast`](crate::ast).
//! Pest types never leave this module.

mod errors;
pub mod keywords;
mod lower;
pub mod scan;
mod shift;
pub mod text;

use crate::ast::{self, Stmt};
use crate::diagnostic::Diagnostic;
use crate::registry::Code;
use crate::source::{FileId, Span};
use pest::Parser as _;

pub use text::{Placeholder, dedent, placeholders};

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
    let (tree, found) = match parse_by_statement(file, text) {
        Some((tree, found)) => (Some(tree), found),
        None => parse_whole(file, text),
    };
    diagnostics.extend(found);
    (tree, diagnostics)
}

/// Parses a file with the grammar's `file` rule: the reference for what
/// `parse_by_statement` accepts, and the source of syntax errors.
fn parse_whole(file: FileId, text: &str) -> (Option<ast::File>, Vec<Diagnostic>) {
    match Grammar::parse(Rule::file, text) {
        Err(error) => (None, vec![errors::convert(file, text, error)]),
        Ok(pairs) => {
            let mut lower = lower::Lower::new(file);
            let tree = lower.file(pairs);
            (tree, lower.diagnostics)
        }
    }
}

/// Parses a well-formed file one top-level statement at a time (the
/// grammar's `head`, `next_stmt` and `tail`), lowering each before parsing
/// the next: pest's token queue then holds one statement, not the file.
/// Returns `None` where the text is not well formed; the caller then parses
/// it whole, which finds the same error `file` reports.
fn parse_by_statement(file: FileId, text: &str) -> Option<(ast::File, Vec<Diagnostic>)> {
    let head = Grammar::parse(Rule::head, text).ok()?.next()?;
    let mut pos = head.as_span().end();
    let mut lower = lower::Lower::new(file);
    let (kind, id) = lower.head(head);
    let mut body = Vec::new();
    loop {
        let rest = &text[pos..];
        match Grammar::parse(Rule::next_stmt, rest) {
            Ok(mut pairs) => {
                let pair = pairs.next()?;
                let end = pair.as_span().end();
                lower.offset = pos;
                body.push(lower.top_stmt(pair)?);
                pos += end;
            }
            Err(_) => {
                Grammar::parse(Rule::tail, rest).ok()?;
                break;
            }
        }
    }
    let span = Span::new(file, 0, text.trim_end().len());
    let tree = ast::File {
        kind,
        id,
        body,
        span,
    };
    Some((tree, lower.diagnostics))
}

/// One top-level statement parsed again after an edit inside it.
#[derive(Debug)]
pub struct Reparsed {
    /// Which top-level statement the edit fell in.
    pub index: usize,
    /// The statement before it, parsed again from the new text: a parse may
    /// look past a statement's end (an expression looks for one more
    /// operator), so what an edit does to it must be compared by the caller
    /// with what it was.
    pub previous: Stmt,
    /// The edited statement, parsed from the new text.
    pub stmt: Stmt,
    /// How many bytes longer the new text is.
    pub delta: i64,
    /// The bytes of the old text the edit replaced (from the first byte
    /// that differs to the last): the new text has `delta` more there.
    pub replaced: std::ops::Range<usize>,
}

/// Parses again only the top-level statement an edit falls in, where that
/// is enough: given the old text, the spans of its top-level statements
/// (from its parse) and the new text, returns the statement the edit is
/// inside and its parse, or `None` when the file must be parsed whole.
///
/// When this returns `Some`, parsing `new` gives the old tree with
/// statement `index` replaced by `stmt` and the statements after it
/// shifted by `delta`, provided the caller finds `previous` the same as
/// the old statement `index - 1`: the text before that statement and after
/// the edited one is unchanged, the statement-by-statement parse reads a
/// statement from where the one before ended, and the edited statement
/// ends where the old one did, shifted. The lowering's diagnostics are not
/// returned: this is for the language server's index, not for checking.
pub fn reparse(file: FileId, old: &str, new: &str, stmts: &[Span]) -> Option<Reparsed> {
    let (old_b, new_b) = (old.as_bytes(), new.as_bytes());
    let prefix = common_prefix(old_b, new_b);
    let most = old_b.len().min(new_b.len()) - prefix;
    let suffix = common_suffix(&old_b[prefix..], &new_b[prefix..]).min(most);
    let edit_end = old_b.len() - suffix;
    // The statement whose text (from the end of the one before) holds the
    // edit; the first statement has the head before it, which is not
    // parsed again.
    let index = stmts.partition_point(|s| (s.end as usize) < prefix.max(1));
    if index == 0 || index >= stmts.len() {
        return None;
    }
    let (before, this) = (stmts[index - 1], stmts[index]);
    if prefix < before.end as usize || edit_end > this.end as usize {
        return None;
    }
    // The old text passed the scanner (it has a syntax tree), and the two
    // statements start at the top level: scanning their new text alone,
    // from no open bracket, is scanning the new text whole. A string or
    // bracket the region leaves open fails here and is parsed whole.
    let delta = new_b.len() as i64 - old_b.len() as i64;
    let region = new.get(before.start as usize..usize::try_from(this.end as i64 + delta).ok()?)?;
    if !scan::scan(file, region).is_empty() {
        return None;
    }
    let mut lower = lower::Lower::new(file);
    let mut pos = before.start as usize;
    let mut parsed = Vec::with_capacity(2);
    for _ in 0..2 {
        let pair = Grammar::parse(Rule::next_stmt, new.get(pos..)?)
            .ok()?
            .next()?;
        let end = pair.as_span().end();
        lower.offset = pos;
        parsed.push(lower.top_stmt(pair)?);
        pos += end;
    }
    if !lower.diagnostics.is_empty() || pos as i64 != this.end as i64 + delta {
        return None;
    }
    let stmt = parsed.pop()?;
    let previous = parsed.pop()?;
    if previous.span != before {
        return None;
    }
    Some(Reparsed {
        index,
        previous,
        stmt,
        delta,
        replaced: prefix..edit_end,
    })
}

/// Makes the tree of the old text the tree of `new`, from what [`reparse`]
/// gave for the edit between them: the edited statement replaced, the
/// statements after it moved by the edit's length. Returns `false`,
/// leaving the tree as it was, when the statement before the edited one
/// parsed differently (the edit changed where it ends); the new text must
/// then be parsed whole.
pub fn splice(tree: &mut ast::File, reparsed: Reparsed, new: &str) -> bool {
    let Reparsed {
        index,
        previous,
        stmt,
        delta,
        ..
    } = reparsed;
    if index == 0 || index >= tree.body.len() || tree.body[index - 1] != previous {
        return false;
    }
    tree.body[index] = stmt;
    for s in &mut tree.body[index + 1..] {
        shift::stmt(s, delta);
    }
    tree.span = Span::new(tree.span.file, 0, new.trim_end().len());
    true
}

/// The diagnostics [`parse`] gives for `text` besides those of lowering:
/// what a tree spliced together from a parse without diagnostics
/// ([`splice`]) is reported with.
pub fn suspicious(file: FileId, text: &str) -> Vec<Diagnostic> {
    scan::suspicious(file, text)
}

/// How many bytes `a` and `b` start with in common (compared a block at
/// a time, which the compiler turns into wide comparisons).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let blocks = a
        .chunks_exact(BLOCK)
        .zip(b.chunks_exact(BLOCK))
        .take_while(|(x, y)| x == y)
        .count();
    let at = blocks * BLOCK;
    at + a[at..]
        .iter()
        .zip(&b[at..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes `a` and `b` end with in common.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let blocks = a
        .rchunks_exact(BLOCK)
        .zip(b.rchunks_exact(BLOCK))
        .take_while(|(x, y)| x == y)
        .count();
    let at = blocks * BLOCK;
    at + a[..a.len() - at]
        .iter()
        .rev()
        .zip(b[..b.len() - at].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{ExprKind, PrefixOp, StmtKind};

    /// The expression of `let x = EXPR`, written with explicit parentheses.
    fn shape(expr: &str) -> String {
        let text = format!("playbook p {{ let x = {expr} }}");
        let (tree, diagnostics) = parse(FileId(0), &text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let tree = tree.expect("a tree");
        let StmtKind::Let { value, .. } = &tree.body[0].kind else {
            panic!("not a let");
        };
        fn show(e: &crate::ast::Expr) -> String {
            match &e.kind {
                ExprKind::Name(id) => id.name.clone(),
                ExprKind::Int(n) => n.to_string(),
                ExprKind::Binary(op, a, b) => format!("({} {} {})", show(a), op.symbol(), show(b)),
                ExprKind::Prefix(PrefixOp::Not, a) => format!("(not {})", show(a)),
                ExprKind::Prefix(PrefixOp::Neg, a) => format!("(- {})", show(a)),
                ExprKind::Prefix(PrefixOp::PercentOf(p), a) => format!("({p}/100% of {})", show(a)),
                ExprKind::Prefix(PrefixOp::YearOf, a) => format!("(year of {})", show(a)),
                other => format!("{other:?}"),
            }
        }
        show(value)
    }

    #[test]
    fn precedence_from_loosest_to_tightest() {
        assert_eq!(shape("a or b and c"), "(a or (b and c))");
        assert_eq!(shape("not a == b and c"), "((not (a == b)) and c)");
        assert_eq!(shape("a == b or not c"), "((a == b) or (not c))");
        assert_eq!(shape("1 + 2 * 3 - 4"), "((1 + (2 * 3)) - 4)");
        assert_eq!(shape("- a * b"), "((- a) * b)");
        assert_eq!(shape("a >= 10% of b + 1"), "(a >= ((1000/100% of b) + 1))");
        assert_eq!(shape("year of t + 1"), "((year of t) + 1)");
        assert_eq!(shape("a not in s"), "(a not in s)");
        assert_eq!(shape("(a or b) and c"), "((a or b) and c)");
    }

    /// Every fixture and shipped playbook parses to the same tree, with the
    /// same diagnostics, statement by statement as whole; and a file the
    /// whole parse rejects is rejected statement by statement too.
    #[test]
    fn statement_by_statement_parse_agrees_with_whole_file_parse() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in [
            "tests/fixtures/valid",
            "tests/fixtures/invalid",
            "playbooks",
            "playbooks/common",
        ] {
            for entry in std::fs::read_dir(root.join(dir)).expect("fixture folder") {
                let path = entry.expect("entry").path();
                if path.extension().is_some_and(|e| e == "playbook") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 40, "too few files: {}", files.len());
        let (mut accepted, mut rejected) = (0, 0);
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // the invalid-UTF-8 fixture
            };
            if !scan::scan(FileId(0), &text).is_empty() {
                continue;
            }
            let whole = parse_whole(FileId(0), &text);
            let by_statement = parse_by_statement(FileId(0), &text);
            match (&whole.0, by_statement) {
                (Some(tree), Some((other, found))) => {
                    accepted += 1;
                    assert_eq!(
                        format!("{tree:?}"),
                        format!("{other:?}"),
                        "{}",
                        path.display()
                    );
                    assert_eq!(
                        format!("{:?}", whole.1),
                        format!("{found:?}"),
                        "{}",
                        path.display()
                    );
                }
                (None, None) => rejected += 1,
                (w, s) => panic!(
                    "{}: whole parse {}, statement parse {}",
                    path.display(),
                    w.is_some(),
                    s.is_some()
                ),
            }
        }
        assert!(
            accepted > 20 && rejected > 5,
            "{accepted} accepted, {rejected} rejected"
        );
    }

    #[test]
    fn comparisons_do_not_chain() {
        let (_, diagnostics) = parse(FileId(0), "playbook p { let x = 0 < a < 10 }");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].message, "comparisons cannot be chained");
    }
}
