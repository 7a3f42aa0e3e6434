//! Mermaid `flowchart TD`: the flowchart of [`super::flow`], with a
//! `subgraph` swimlane per role, in the plain syntax GitHub renders.
//!
//! Every label is a quoted string. Mermaid shows labels as HTML and reads
//! `#name;` and `#123;` as entity codes, so the characters that would end a
//! string, open markup or an entity, or mean something to the link syntax
//! (`"`, `<`, `>`, `&`, `#`, `` ` ``, `|`, `;`, `%`) are written as entity
//! codes; line breaks are `<br/>`, the only markup in a label.

use super::flow::{Flow, Shape, flow};
use crate::ir::Playbook;
use std::fmt::Write;

/// The Mermaid flowchart of `model`, with texts in `locale`.
pub fn render(model: &Playbook, locale: &str) -> String {
    let f = flow(model, locale);
    let mut out = String::from("flowchart TD\n");
    for (i, node) in f.nodes.iter().enumerate() {
        if node.lane.is_none() {
            write_node(&f, i, "    ", &mut out);
        }
    }
    for (lane_index, lane) in f.lanes.iter().enumerate() {
        let _ = writeln!(out, "    subgraph {} [{}]", lane.key, quote(&lane.label));
        for (i, node) in f.nodes.iter().enumerate() {
            if node.lane == Some(lane_index) {
                write_node(&f, i, "        ", &mut out);
            }
        }
        out.push_str("    end\n");
    }
    for e in &f.edges {
        let arrow = "-->";
        let from = &f.nodes[e.from].key;
        let to = &f.nodes[e.to].key;
        if e.label.is_empty() {
            let _ = writeln!(out, "    {from} {arrow} {to}");
        } else {
            let _ = writeln!(out, "    {from} {arrow}|{}| {to}", quote(&e.label));
        }
    }
    out
}

fn write_node(f: &Flow, index: usize, indent: &str, out: &mut String) {
    let node = &f.nodes[index];
    let label = quote(&node.label);
    let _ = match node.shape {
        Shape::Start => writeln!(out, "{indent}{}(({label}))", node.key),
        Shape::End => writeln!(out, "{indent}{}((({label})))", node.key),
        Shape::Step => writeln!(out, "{indent}{}({label})", node.key),
        Shape::Decision => writeln!(out, "{indent}{}{{{label}}}", node.key),
    };
}

/// `text` as a quoted Mermaid label.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            ';' => out.push_str("#59;"),
            '%' => out.push_str("#37;"),
            '\n' => out.push_str("<br/>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_turn_breaking_characters_into_entity_codes() {
        assert_eq!(
            quote(r#"<a href="x">#1 & `b` | 5%;</a>"#),
            "\"#lt;a href=#quot;x#quot;#gt;#35;1 #amp; #96;b#96; #124; 5#37;#59;#lt;/a#gt;\""
        );
        assert_eq!(quote("one\ntwo\tthree"), "\"one<br/>two three\"");
    }
}
