//! The one writer of document structure in Markdown and HTML: headings and
//! tables, for the exports (`export::markdown`, `export::html`) and the run
//! report (`run::report`). Every text it is given is escaped already (by the
//! escape module), so a cell may hold a link, a check box or a `<br>`; the
//! writer adds only the structure around it.

/// How a Markdown table column is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
}

/// A Markdown heading of `level` (1 to 6) and a blank line.
pub fn markdown_heading(out: &mut String, level: usize, text: &str) {
    out.push_str(&"#".repeat(level));
    out.push(' ');
    out.push_str(text);
    out.push_str("\n\n");
}

/// A Markdown table: the header row, the delimiter row (a column with no
/// entry in `align` is left-aligned), then one row per entry of `rows`.
/// Cells must not hold line breaks (join lines with `<br>`).
pub fn markdown_table(
    out: &mut String,
    header: &[String],
    align: &[Align],
    rows: impl IntoIterator<Item = Vec<String>>,
) {
    markdown_row(out, header);
    out.push('|');
    for i in 0..header.len() {
        out.push_str(match align.get(i) {
            Some(Align::Center) => " :-: |",
            _ => " --- |",
        });
    }
    out.push('\n');
    for row in rows {
        markdown_row(out, &row);
    }
}

fn markdown_row(out: &mut String, cells: &[String]) {
    out.push_str("| ");
    out.push_str(&cells.join(" | "));
    out.push_str(" |\n");
}

/// An HTML table: a head row of column headers (left out when every header
/// is empty), then the rows in a body. `cell` class names may mark columns.
pub fn html_table(
    out: &mut String,
    header: &[String],
    rows: impl IntoIterator<Item = Vec<HtmlCell>>,
) {
    out.push_str("<table>\n");
    if header.iter().any(|h| !h.is_empty()) {
        out.push_str("<thead><tr>");
        for h in header {
            out.push_str(&format!("<th scope=\"col\">{h}</th>"));
        }
        out.push_str("</tr></thead>\n");
    }
    out.push_str("<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            match cell.class {
                Some(class) => out.push_str(&format!("<td class=\"{class}\">{}</td>", cell.html)),
                None => out.push_str(&format!("<td>{}</td>", cell.html)),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// A cell of an HTML table: escaped content and an optional class.
pub struct HtmlCell {
    pub html: String,
    pub class: Option<&'static str>,
}

impl From<String> for HtmlCell {
    fn from(html: String) -> HtmlCell {
        HtmlCell { html, class: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_markdown_and_html_tables() {
        let mut md = String::new();
        markdown_table(
            &mut md,
            &["A".into(), "B".into()],
            &[Align::Left, Align::Center],
            [vec!["1".into(), "2".into()]],
        );
        assert_eq!(md, "| A | B |\n| --- | :-: |\n| 1 | 2 |\n");
        let mut html = String::new();
        html_table(
            &mut html,
            &[String::new(), String::new()],
            [vec![
                HtmlCell::from("x".to_string()),
                HtmlCell {
                    html: "y".into(),
                    class: Some("mark"),
                },
            ]],
        );
        assert_eq!(
            html,
            "<table>\n<tbody>\n<tr><td>x</td><td class=\"mark\">y</td></tr>\n</tbody>\n</table>\n"
        );
    }
}
