//! Graphviz DOT: the flowchart of [`super::flow`], with a cluster per role.
//!
//! Every label is a quoted string, never an HTML-like `<...>` label. In it
//! `\` and `"` are escaped, and `&`, `<` and `>` are written as the HTML
//! entities Graphviz decodes, so the file holds no markup of the playbook's
//! own and no escape sequence (`\l`, `\N`) the playbook did not mean.

use super::flow::{Flow, Shape, flow};
use crate::ir::Playbook;
use std::fmt::Write;

/// The DOT graph of `model`, with texts in `locale`.
pub fn render(model: &Playbook, locale: &str) -> String {
    let f = flow(model, locale);
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&model.id));
    let _ = writeln!(
        out,
        "  graph [label={}, labelloc=t, fontname=\"Helvetica\", rankdir=TB];",
        quote(&f.title)
    );
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (i, node) in f.nodes.iter().enumerate() {
        if node.lane.is_none() {
            write_node(&f, i, "  ", &mut out);
        }
    }
    for (lane_index, lane) in f.lanes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph {} {{",
            quote(&format!("cluster_{}", lane.key))
        );
        let _ = writeln!(out, "    label={};", quote(&lane.label));
        out.push_str("    style=rounded;\n");
        for (i, node) in f.nodes.iter().enumerate() {
            if node.lane == Some(lane_index) {
                write_node(&f, i, "    ", &mut out);
            }
        }
        out.push_str("  }\n");
    }
    for e in &f.edges {
        let mut attrs = Vec::new();
        if !e.label.is_empty() {
            // The lines of an edge label are a list: left-justified (`\l`).
            attrs.push(format!("label={}", quote_lines(&e.label, "\\l")));
        }
        let _ = write!(
            out,
            "  {} -> {}",
            quote(&f.nodes[e.from].key),
            quote(&f.nodes[e.to].key)
        );
        if !attrs.is_empty() {
            let _ = write!(out, " [{}]", attrs.join(", "));
        }
        out.push_str(";\n");
    }
    out.push_str("}\n");
    out
}

fn write_node(f: &Flow, index: usize, indent: &str, out: &mut String) {
    let node = &f.nodes[index];
    let shape = match node.shape {
        Shape::Start => "shape=circle",
        Shape::End => "shape=doublecircle",
        Shape::Step => "shape=box, style=rounded",
        Shape::Decision => "shape=diamond",
    };
    let _ = writeln!(
        out,
        "{indent}{} [{shape}, label={}];",
        quote(&node.key),
        quote(&node.label)
    );
}

/// `text` as a DOT quoted string; a line break becomes `\n` (a centred line).
pub fn quote(text: &str) -> String {
    quote_lines(text, "")
}

/// `text` as a DOT quoted string whose lines each end in `end` (`\l` for
/// left-justified lines), or, with an empty `end`, are centred.
fn quote_lines(text: &str, end: &str) -> String {
    let newline = if end.is_empty() { "\\n" } else { end };
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str(newline),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push_str(end);
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::{quote, quote_lines};

    #[test]
    fn quotes_escape_what_dot_would_read() {
        assert_eq!(quote(r#"a "b" \l"#), r#""a \"b\" \\l""#);
        assert_eq!(quote("<b>&amp;</b>"), "\"&lt;b&gt;&amp;amp;&lt;/b&gt;\"");
        assert_eq!(quote("one\ntwo\r\tthree"), "\"one\\ntwo  three\"");
        assert_eq!(quote_lines("a\\n\nb", "\\l"), r#""a\\n\lb\l""#);
    }
}
