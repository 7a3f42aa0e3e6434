//! Reads a Markdown document as a reader sees it, with a CommonMark parser
//! (pulldown-cmark, tables and YAML front matter on): its lines of text,
//! headings, table rows and links, with every escape resolved. The document
//! tests compare these, never the Markdown source.

use pulldown_cmark::{Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};

/// One line of text: a heading, one line of a paragraph, a list item's own
/// text, or a table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// The heading level, for a heading.
    pub heading: Option<usize>,
    /// The text, spaces collapsed and trimmed; a table row's cells joined by tabs.
    pub text: String,
    /// A table row's cells, trimmed.
    pub cells: Vec<String>,
}

/// What the parser found besides lines.
#[derive(Debug, Default)]
pub(crate) struct Read {
    pub lines: Vec<Line>,
    /// Every link: its text and its address.
    pub links: Vec<(String, String)>,
    /// The YAML front matter, raw.
    pub front_matter: String,
    /// Raw HTML, inline or as a block, anywhere in the document.
    pub html: Vec<String>,
    /// Code spans and code blocks.
    pub code: Vec<String>,
    /// Images.
    pub images: Vec<String>,
    /// How many emphasis and strong spans.
    pub emphasis: usize,
    /// How many list items, block quotes and thematic breaks.
    pub items: usize,
    pub quotes: usize,
    pub rules: usize,
    /// The number of table cells.
    pub cells: usize,
}

impl Read {
    /// The headings as (level, text).
    pub fn outline(&self) -> Vec<(usize, String)> {
        self.lines
            .iter()
            .filter_map(|l| l.heading.map(|h| (h, l.text.clone())))
            .collect()
    }

    /// The lines under the first heading of `level` whose text is
    /// `heading`, up to the next heading of the same or a higher level.
    pub fn section(&self, level: usize, heading: &str) -> Vec<&Line> {
        let Some(start) = self
            .lines
            .iter()
            .position(|l| l.heading == Some(level) && l.text == heading)
        else {
            panic!(
                "no heading {heading:?}; the outline is {:?}",
                self.outline()
            )
        };
        self.lines[start + 1..]
            .iter()
            .take_while(|l| l.heading.is_none_or(|h| h > level))
            .collect()
    }

    /// All text, one line per line.
    pub fn text(&self) -> String {
        join(self.lines.iter())
    }
}

/// The text of some lines, one per line.
pub(crate) fn join<'a>(lines: impl IntoIterator<Item = &'a Line>) -> String {
    lines
        .into_iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn read(markdown: &str) -> Read {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_STRIKETHROUGH;
    let mut read = Read::default();
    let mut text = String::new();
    let mut heading: Option<usize> = None;
    let mut row: Option<Vec<String>> = None;
    let mut in_metadata = false;
    let mut link: Option<(String, usize)> = None;

    fn flush(read: &mut Read, text: &mut String, heading: Option<usize>) {
        let t = collapse(text);
        if !t.is_empty() {
            read.lines.push(Line {
                heading,
                text: t,
                cells: Vec::new(),
            });
        }
        text.clear();
    }

    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            Event::Text(t) if in_metadata => read.front_matter.push_str(&t),
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut read, &mut text, None);
                heading = Some(level as usize);
            }
            Event::End(TagEnd::Heading(_)) => {
                flush(&mut read, &mut text, heading);
                heading = None;
            }
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                flush(&mut read, &mut text, None);
                row = Some(Vec::new());
            }
            Event::End(TagEnd::TableCell) => {
                read.cells += 1;
                if let Some(r) = row.as_mut() {
                    r.push(collapse(&text));
                }
                text.clear();
            }
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                let cells = row.take().unwrap_or_default();
                read.lines.push(Line {
                    heading: None,
                    text: cells.join("\t"),
                    cells,
                });
            }
            Event::Start(Tag::Item) => {
                read.items += 1;
                flush(&mut read, &mut text, None);
            }
            Event::Start(Tag::BlockQuote(_)) => read.quotes += 1,
            Event::Rule => read.rules += 1,
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough) => read.emphasis += 1,
            Event::Start(Tag::Paragraph | Tag::List(_))
            | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::List(_))
            | Event::HardBreak
            | Event::SoftBreak => flush(&mut read, &mut text, None),
            Event::Start(Tag::Link { dest_url, .. }) => {
                link = Some((dest_url.to_string(), text.len()));
            }
            Event::End(TagEnd::Link) => {
                if let Some((url, start)) = link.take() {
                    read.links
                        .push((collapse(&text[start.min(text.len())..]), url));
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => read.images.push(dest_url.to_string()),
            Event::Html(h) | Event::InlineHtml(h) => read.html.push(h.to_string()),
            Event::Code(c) => {
                read.code.push(c.to_string());
                text.push_str(&c);
            }
            Event::Start(Tag::CodeBlock(_)) => read.code.push(String::new()),
            Event::Text(t) => text.push_str(&t),
            _ => {}
        }
    }
    flush(&mut read, &mut text, None);
    read
}

/// Whitespace runs as one space, trimmed.
pub(crate) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn reads_lines_headings_tables_and_links() {
    let read = read(
        "---\ntitle: \"x\"\n---\n\n# A \\*b\\*\n\nline one\\\nline two\n\n- item [link](https://e.com)\n  - nested\n\n| h1 | h2 |\n| --- | --- |\n| a \\| b | c |\n",
    );
    assert_eq!(read.front_matter.trim(), "title: \"x\"");
    assert_eq!(read.outline(), [(1, "A *b*".to_string())]);
    let texts: Vec<&str> = read.lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "A *b*",
            "line one",
            "line two",
            "item link",
            "nested",
            "h1\th2",
            "a | b\tc"
        ]
    );
    assert_eq!(read.lines[6].cells, ["a | b", "c"]);
    assert_eq!(
        read.links,
        [("link".to_string(), "https://e.com".to_string())]
    );
    assert_eq!(read.section(1, "A *b*").len(), 6);
}
