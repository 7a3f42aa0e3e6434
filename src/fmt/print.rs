//! Lays tokens out in the canonical layout.
//!
//! The printer sees the tokens in source order and changes only the layout
//! between them (and the indentation inside text blocks): never a token.
//! Each statement, list entry and `match` arm starts a line, indented two
//! spaces per enclosing block; every other token follows on the same line
//! after one space, or none after `(`, a negation's `-` and a set's `{`,
//! and before `,`, `:`, `)` and a set's `}`. A comment stays where it was: on
//! its own line, or after the code of its line; what follows a comment goes
//! on the next line, indented one more step when it continues a statement.

use super::lex::{Kind, Token};
use super::marks::Marks;
use crate::syntax::dedent;
use std::borrow::Cow;

/// One step of indentation.
const INDENT: &str = "  ";

/// What the marks say about one token.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    /// Starts a statement, entry or arm.
    line_start: bool,
    /// The `{` of a set literal.
    set_open: bool,
    /// The `-` of a negation.
    negation: bool,
    /// A `}` that closes a block (not a set).
    block_close: bool,
    /// For a comment: the next token that is not a comment starts a line or
    /// closes a block (or there is none), so the comment stands between
    /// statements rather than inside one.
    between: bool,
}

/// Reads the marks into flags per token. `None` when a mark points at no
/// token of the right kind, which would be a bug in the lexer.
fn flags(text: &str, tokens: &[Token], marks: &Marks) -> Option<Vec<Flags>> {
    let mut flags = vec![Flags::default(); tokens.len()];
    let at = |offset: usize| tokens.binary_search_by_key(&offset, |t| t.start).ok();
    // A mark may point at the `(` of parentheses around what it marks.
    let inside = |offset: usize, want: &str| {
        let mut i = at(offset)?;
        while tokens[i].text(text) == "(" {
            i += 1;
        }
        (tokens.get(i)?.text(text) == want).then_some(i)
    };
    for &offset in &marks.line_starts {
        flags[at(offset)?].line_start = true;
    }
    for &offset in &marks.sets {
        flags[inside(offset, "{")?].set_open = true;
    }
    for &offset in &marks.negations {
        flags[inside(offset, "-")?].negation = true;
    }
    let first = tokens.iter().position(|t| t.kind != Kind::Comment)?;
    flags[first].line_start = true;
    // Which `}` closes a block: braces are balanced in parsed text.
    let mut opens = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token.text(text) {
            "{" if token.kind == Kind::Punct => opens.push(flags[i].set_open),
            "}" if token.kind == Kind::Punct => flags[i].block_close = !opens.pop()?,
            _ => {}
        }
    }
    let mut between = true;
    for i in (0..tokens.len()).rev() {
        if tokens[i].kind == Kind::Comment {
            flags[i].between = between;
        } else {
            between = flags[i].line_start || flags[i].block_close;
        }
    }
    Some(flags)
}

/// An open brace.
enum Open {
    Set,
    Block {
        /// The indentation of the block's statements.
        inner: usize,
        /// The indentation of the statement holding the block.
        statement: usize,
    },
}

struct Printer<'a> {
    text: &'a str,
    out: String,
    opens: Vec<Open>,
    /// The indentation of the current statement's first line.
    statement: usize,
    /// The indentation of the current line (text blocks leave it alone).
    line: usize,
    /// No space before the next token.
    glue: bool,
    /// The current line ends with a comment.
    after_comment: bool,
    /// Nothing but a comment on its line has been printed since the last
    /// block opened: no blank line here, and `{}` when it closes at once.
    block_opened: bool,
}

/// Prints the tokens of `text` in the canonical layout.
pub fn print(text: &str, tokens: &[Token], marks: &Marks) -> Option<String> {
    let flags = flags(text, tokens, marks)?;
    let mut p = Printer {
        text,
        out: String::with_capacity(text.len() + text.len() / 8),
        opens: Vec::new(),
        statement: 0,
        line: 0,
        glue: false,
        after_comment: false,
        block_opened: false,
    };
    for (token, flags) in tokens.iter().zip(&flags) {
        if token.kind == Kind::Comment {
            p.comment(token, flags);
        } else {
            p.token(token, flags)?;
        }
    }
    p.out.push('\n');
    Some(p.out)
}

impl Printer<'_> {
    /// The indentation of statements in the innermost block.
    fn block_indent(&self) -> usize {
        self.opens
            .iter()
            .rev()
            .find_map(|o| match o {
                Open::Block { inner, .. } => Some(*inner),
                Open::Set => None,
            })
            .unwrap_or(0)
    }

    /// Ends the current line (with a blank line after it when asked) and
    /// indents the next.
    fn newline(&mut self, blank: bool, indent: usize) {
        if !self.out.is_empty() {
            self.out.push('\n');
            if blank {
                self.out.push('\n');
            }
        }
        for _ in 0..indent {
            self.out.push_str(INDENT);
        }
        self.line = indent;
        self.after_comment = false;
    }

    fn comment(&mut self, token: &Token, flags: &Flags) {
        let text = token.text(self.text).trim_end();
        if token.breaks > 0 || self.out.is_empty() {
            let indent = if flags.between {
                self.block_indent()
            } else {
                self.statement + 1
            };
            let blank = token.breaks > 1 && !self.block_opened;
            self.newline(blank, indent);
            self.block_opened = false;
        } else {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.after_comment = true;
        self.glue = false;
    }

    fn token(&mut self, token: &Token, flags: &Flags) -> Option<()> {
        let text = token.text(self.text);
        if flags.block_close {
            let Some(Open::Block { inner, statement }) = self.opens.pop() else {
                return None;
            };
            // `{}` when nothing stands between the braces.
            if !self.block_opened || self.after_comment {
                self.newline(false, inner - 1);
            }
            self.out.push('}');
            self.statement = statement;
            self.line = inner - 1;
            self.block_opened = false;
            self.glue = false;
            return Some(());
        }
        if flags.line_start {
            let indent = self.block_indent();
            let blank = token.breaks > 1 && !self.block_opened;
            self.newline(blank, indent);
            self.statement = indent;
        } else if self.after_comment || self.block_opened {
            let indent = self.statement + 1;
            self.newline(false, indent);
        } else if !(self.glue || matches!(text, "," | ":" | ")" | "}")) {
            self.out.push(' ');
        }
        self.block_opened = false;
        self.glue = false;
        match token.kind {
            Kind::TextBlock => {
                let block = self.text_block(text);
                self.out.push_str(&block);
            }
            _ => self.out.push_str(text),
        }
        match text {
            "{" if flags.set_open => {
                self.opens.push(Open::Set);
                self.glue = true;
            }
            "{" => {
                self.opens.push(Open::Block {
                    inner: self.line + 1,
                    statement: self.statement,
                });
                self.block_opened = true;
            }
            "}" => {
                self.opens.pop();
            }
            "(" => self.glue = true,
            "-" => self.glue = flags.negation,
            _ => {}
        }
        Some(())
    }

    /// A text block, its lines indented one step deeper than the line it
    /// starts on and its closing quotes on a line of their own. A block on
    /// one line, an empty one, or one whose text would change (which the
    /// dedent rules exclude) is left as written.
    fn text_block<'t>(&self, raw: &'t str) -> Cow<'t, str> {
        if !raw.contains(['\n', '\r']) {
            return Cow::Borrowed(raw);
        }
        let value = dedent(&raw[3..raw.len() - 3]);
        if value.is_empty() {
            return Cow::Borrowed(raw);
        }
        let pad = INDENT.repeat(self.line + 1);
        let mut block = String::from("\"\"\"\n");
        for line in value.split('\n') {
            if !line.is_empty() {
                block.push_str(&pad);
                block.push_str(line);
            }
            block.push('\n');
        }
        block.push_str(&pad);
        block.push_str("\"\"\"");
        if dedent(&block[3..block.len() - 3]) == value {
            Cow::Owned(block)
        } else {
            Cow::Borrowed(raw)
        }
    }
}
