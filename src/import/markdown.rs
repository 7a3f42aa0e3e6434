//! Markdown to a small tree of blocks with byte ranges: headings,
//! paragraphs (with their raw lines, for `Label: value` lines), lists with
//! nested items, tables, quotes and anything else as plain text.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::ops::Range;

#[derive(Debug, Clone)]
pub enum Block {
    Heading {
        level: u8,
        text: String,
        range: Range<usize>,
    },
    Paragraph {
        text: String,
        range: Range<usize>,
    },
    List {
        items: Vec<ListItem>,
    },
    Table {
        rows: Vec<Vec<String>>,
        range: Range<usize>,
    },
    Quote {
        text: String,
        range: Range<usize>,
    },
    Other {
        text: String,
        range: Range<usize>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct ListItem {
    pub text: String,
    pub children: Vec<ListItem>,
    pub range: Range<usize>,
}

impl ListItem {
    /// The item's text with its children as indented lines under it.
    pub fn flattened(&self) -> String {
        let mut out = self.text.clone();
        for child in &self.children {
            for line in child.flattened().lines() {
                out.push_str("\n- ");
                out.push_str(line.trim_start_matches("- "));
            }
        }
        out
    }
}

/// A frame of the block being built.
enum Frame {
    Heading(u8, String, usize),
    Paragraph(String, usize),
    List(Vec<ListItem>),
    Item(ListItem),
    Table(Vec<Vec<String>>, Vec<String>, String, usize),
    Quote(String, usize),
    Other(String, usize),
}

/// The markers of a link kept in a text: `LINK_START words LINK_URL
/// address LINK_END`. Private-use characters, removed from the document's
/// own text so that no text can forge one.
pub const LINK_START: char = '\u{E000}';
pub const LINK_URL: char = '\u{E001}';
pub const LINK_END: char = '\u{E002}';

/// A piece of a text: plain words, or a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Link { text: &'a str, url: &'a str },
}

/// A text cut into plain words and links.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(LINK_START) {
        let after = &rest[start + LINK_START.len_utf8()..];
        let (Some(mid), Some(end)) = (after.find(LINK_URL), after.find(LINK_END)) else {
            break;
        };
        if mid > end {
            break;
        }
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        out.push(Piece::Link {
            text: after[..mid].trim(),
            url: after[mid + LINK_URL.len_utf8()..end].trim(),
        });
        rest = &after[end + LINK_END.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// The text with each link written as its words and its address in
/// brackets (`ATU email template (https://...)`), or the address alone
/// when the words are the address.
pub fn links_as_text(text: &str) -> String {
    pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t.to_string(),
            Piece::Link { text, url } if text.is_empty() || text == url => url.to_string(),
            Piece::Link { text, url } => format!("{text} ({url})"),
        })
        .collect()
}

/// The text with each link written as its words only.
pub fn link_words(text: &str) -> String {
    pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t,
            Piece::Link { text, .. } => text,
        })
        .collect()
}

/// Appends inline text; the link markers are not the document's to write.
fn push_text(out: &mut String, text: &str) {
    out.extend(
        text.chars()
            .filter(|c| !matches!(*c, LINK_START | LINK_URL | LINK_END)),
    );
}

fn push_break(out: &mut String) {
    let last = out.chars().last();
    if matches!(last, Some(c) if !c.is_ascii() && !c.is_whitespace()) || out.is_empty() {
        return;
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
}

/// Parses `text` (the body after any front matter); ranges are offset by
/// `base` so that they refer to the whole file.
pub fn blocks(text: &str, base: usize) -> Vec<Block> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(text, options).into_offset_iter();
    let mut out: Vec<Block> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // The addresses of the links being read, and where their text starts.
    let mut links: Vec<(String, usize)> = Vec::new();
    for (event, range) in parser {
        let start = range.start + base;
        let end = range.end + base;
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading { level, .. } => {
                    stack.push(Frame::Heading(level as u8, String::new(), start))
                }
                Tag::Paragraph => stack.push(Frame::Paragraph(String::new(), start)),
                Tag::List(_) => stack.push(Frame::List(Vec::new())),
                Tag::Item => stack.push(Frame::Item(ListItem {
                    range: start..end,
                    ..ListItem::default()
                })),
                Tag::Table(_) => {
                    stack.push(Frame::Table(Vec::new(), Vec::new(), String::new(), start))
                }
                Tag::BlockQuote(_) => stack.push(Frame::Quote(String::new(), start)),
                Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::FootnoteDefinition(_) => {
                    stack.push(Frame::Other(String::new(), start))
                }
                Tag::TableCell => {
                    if let Some(Frame::Table(_, _, cell, _)) = stack.last_mut() {
                        cell.clear();
                    }
                }
                Tag::Image { dest_url, .. } | Tag::Link { dest_url, .. } => {
                    let at = innermost_text(&mut stack).map_or(0, |t| t.len());
                    links.push((dest_url.to_string(), at));
                }
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Link | TagEnd::Image => {
                    // The link is kept in the text between markers, its
                    // words then its address: `emit` makes it a `template`
                    // or `link` declaration, `links_as_text` text again.
                    if let Some((url, at)) = links.pop()
                        && let Some(text) = innermost_text(&mut stack)
                    {
                        let shown = text.get(at..).unwrap_or_default().trim().to_string();
                        if !url.is_empty() && at <= text.len() {
                            text.truncate(at);
                            text.push_str(&format!("{LINK_START}{shown}{LINK_URL}{url}{LINK_END}"));
                        }
                    }
                }
                TagEnd::TableCell => {
                    if let Some(Frame::Table(_, row, cell, _)) = stack.last_mut() {
                        row.push(cell.trim().to_string());
                        cell.clear();
                    }
                }
                TagEnd::TableHead | TagEnd::TableRow => {
                    if let Some(Frame::Table(rows, row, _, _)) = stack.last_mut() {
                        rows.push(std::mem::take(row));
                    }
                }
                TagEnd::Heading(_)
                | TagEnd::Paragraph
                | TagEnd::List(_)
                | TagEnd::Item
                | TagEnd::Table
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::HtmlBlock
                | TagEnd::FootnoteDefinition => {
                    if let Some(frame) = stack.pop() {
                        close(frame, end, &mut stack, &mut out);
                    }
                }
                _ => {}
            },
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                append(&mut stack, &t)
            }
            Event::Html(t) | Event::InlineHtml(t) => {
                let t = t.trim();
                if !t.is_empty() && !t.starts_with("<!--") && t != "<br>" && t != "<br/>" {
                    append(&mut stack, t)
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                let in_paragraph = matches!(stack.last(), Some(Frame::Paragraph(..)));
                if let Some(text) = innermost_text(&mut stack) {
                    if in_paragraph {
                        text.push('\n');
                    } else {
                        push_break(text);
                    }
                }
            }
            Event::FootnoteReference(t) => append(&mut stack, &t),
            Event::Rule | Event::TaskListMarker(_) => {}
        }
    }
    while let Some(frame) = stack.pop() {
        close(frame, text.len() + base, &mut stack, &mut out);
    }
    out
}

fn innermost_text(stack: &mut [Frame]) -> Option<&mut String> {
    match stack.last_mut()? {
        Frame::Heading(_, t, _)
        | Frame::Paragraph(t, _)
        | Frame::Quote(t, _)
        | Frame::Other(t, _) => Some(t),
        Frame::Table(_, _, cell, _) => Some(cell),
        Frame::Item(item) => Some(&mut item.text),
        Frame::List(_) => None,
    }
}

fn append(stack: &mut [Frame], text: &str) {
    if let Some(out) = innermost_text(stack) {
        push_text(out, text);
    }
}

/// Joins a finished block into its parent, or into the output.
fn close(frame: Frame, end: usize, stack: &mut [Frame], out: &mut Vec<Block>) {
    let block = match frame {
        Frame::Heading(level, text, start) => Block::Heading {
            level,
            text: clean(&links_as_text(&text)),
            range: start..end,
        },
        Frame::Paragraph(text, start) => Block::Paragraph {
            text: text.trim().to_string(),
            range: start..end,
        },
        Frame::List(items) => Block::List { items },
        Frame::Item(mut item) => {
            item.text = clean(&item.text);
            item.range.end = end;
            if let Some(Frame::List(items)) = stack.last_mut() {
                items.push(item);
                return;
            }
            Block::List { items: vec![item] }
        }
        Frame::Table(rows, _, _, start) => Block::Table {
            rows,
            range: start..end,
        },
        Frame::Quote(text, start) => Block::Quote {
            text: clean(&text),
            range: start..end,
        },
        Frame::Other(text, start) => Block::Other {
            text: text.trim().to_string(),
            range: start..end,
        },
    };
    // Inside a list item, a block adds to the item's text, and a list
    // becomes its children.
    if let Some(Frame::Item(item)) = stack.last_mut() {
        match block {
            Block::List { items } => item.children.extend(items),
            Block::Paragraph { text, .. }
            | Block::Quote { text, .. }
            | Block::Other { text, .. } => {
                let text = clean(&text);
                if !text.is_empty() {
                    if !item.text.is_empty() {
                        push_break(&mut item.text);
                    }
                    item.text.push_str(&text);
                }
            }
            Block::Heading { text, .. } => {
                push_break(&mut item.text);
                item.text.push_str(&text);
            }
            Block::Table { rows, .. } => {
                for row in rows {
                    push_break(&mut item.text);
                    item.text.push_str(&row.join(" | "));
                }
            }
        }
        return;
    }
    if let Some(parent) = innermost_text(stack) {
        // A block inside a quote or another container: its text joins.
        let text = match &block {
            Block::Heading { text, .. }
            | Block::Paragraph { text, .. }
            | Block::Quote { text, .. }
            | Block::Other { text, .. } => text.clone(),
            Block::List { items } => items
                .iter()
                .map(|i| format!("- {}", i.flattened()))
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Table { rows, .. } => rows
                .iter()
                .map(|r| r.join(" | "))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        if !parent.is_empty() {
            parent.push('\n');
        }
        parent.push_str(&text);
        return;
    }
    out.push(block);
}

/// Collapses runs of white space (but keeps line breaks out: one line).
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    // Zero-width spaces are common in the corpus and mean nothing.
    out.replace('\u{200b}', "").trim().to_string()
}
