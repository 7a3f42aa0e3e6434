//! The Markdown document of a playbook, in one locale, in the structure of
//! the FastTrack partner playbooks the process owners publish: YAML front
//! matter, the title and phase, overview, objectives, the approach (each
//! step with its roles, motions and services, its instructions with their
//! conditions, its quality inputs and outputs, and the tracker tasks it
//! completes), key inputs, key outputs, next steps and the refresh summary.
//!
//! Every text of the playbook is escaped: it never opens a heading, list,
//! quote, table cell, emphasis, code span, link or HTML that the exporter did
//! not write. Links come only from declared templates and links whose
//! address is `http`, `https` or `mailto` ([`phrase::safe_url`]).
//!
//! The output depends on the model and the locale only.

use super::phrase::{self, Ctx, Inline, Phrase, Var, plain};
use super::specialise::Customer;
use crate::doc::{self, Align};
use crate::escape::{markdown as escape, markdown_keep_edges as escape_keep_edges, yaml};
use crate::ir::{Gate, Item, Playbook, Step, Task};

/// The Markdown document of `model` in `locale` (texts fall back to the
/// source locale; labels to English when the locale has none).
pub fn render(model: &Playbook, locale: &str) -> String {
    render_for(model, locale, None)
}

/// The Markdown document of `model` (specialised for `customer`, see
/// [`super::specialise`]) for that customer: a header says whom it is for,
/// loops over given sets are written out one item per value, and
/// placeholders of the values the customer's inputs decide show them.
pub fn render_for(model: &Playbook, locale: &str, customer: Option<&Customer>) -> String {
    let mut doc = Doc {
        cx: Ctx::new(model, locale).for_customer(customer),
        out: String::new(),
    };
    doc.front_matter();
    doc.header();
    doc.customer();
    doc.overview();
    doc.list_section(doc.cx.labels.objectives, &model.header.objectives);
    doc.approach();
    doc.list_section(doc.cx.labels.key_inputs, &model.header.key_inputs);
    doc.list_section(doc.cx.labels.key_outputs, &model.header.key_outputs);
    doc.next_steps();
    doc.history();
    doc.links();
    doc.out
}

struct Doc<'a> {
    cx: Ctx<'a>,
    out: String,
}

impl<'a> Doc<'a> {
    fn front_matter(&mut self) {
        let m = self.cx.model;
        let h = &m.header;
        let mut fm = String::from("---\n");
        let mut field = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                fm.push_str(&format!("{key}: {v}\n"));
            }
        };
        field("title", Some(yaml(&self.title())));
        field(
            "description",
            h.description.as_ref().map(|d| yaml(&self.cx.flat(d))),
        );
        field("author", h.author.as_deref().map(yaml));
        field("owner", h.owner.as_deref().map(yaml));
        field("date", h.revised.map(|d| d.to_string()));
        field("audience", h.audience.as_deref().map(yaml));
        field("phase", h.phase.as_deref().map(yaml));
        if !h.motions.is_empty() {
            let list: Vec<String> = h.motions.iter().map(|m| yaml(m)).collect();
            field("motions", Some(format!("[{}]", list.join(", "))));
        }
        field("playbook", Some(yaml(&m.id)));
        field("locale", Some(yaml(self.cx.locale)));
        fm.push_str("---\n\n");
        self.out.push_str(&fm);
    }

    fn title(&self) -> String {
        let m = self.cx.model;
        m.header
            .title
            .as_ref()
            .map_or_else(|| m.id.clone(), |t| self.cx.flat(t))
    }

    fn heading(&mut self, level: usize, text: &str) {
        doc::markdown_heading(&mut self.out, level, &escape(text, false));
    }

    fn header(&mut self) {
        let title = self.title();
        self.heading(1, &title);
        let m = self.cx.model;
        if let Some(phase) = &m.header.phase {
            let line = labelled(self.cx.labels.phase, &self.cx.name_of(phase));
            self.out.push_str(&line);
            self.out.push_str("\n\n");
        }
    }

    /// Whom the document is for: the customer, the date, the inputs given
    /// with their values, and lines to sign.
    fn customer(&mut self) {
        let cx = self.cx;
        let Some(customer) = cx.customer else {
            return;
        };
        let l = cx.labels;
        let mut lines = Vec::new();
        if let Some(name) = &customer.name {
            lines.push(labelled(l.customer, name));
        }
        lines.push(labelled(l.history_date, &cx.date(customer.date)));
        for input in &cx.model.inputs {
            if let Some(value) = customer.given.get(&input.id) {
                let label = input
                    .label
                    .as_ref()
                    .map_or_else(|| input.id.clone(), |t| cx.model.label_words(t, cx.locale));
                lines.push(labelled(&label, &cx.value_words(value, &input.ty)));
            }
        }
        self.out.push_str(&lines.join("\\\n"));
        self.out.push_str("\n\n");
        let blank = "_".repeat(20);
        let sign: Vec<String> = [l.prepared_by, l.signature, l.history_date]
            .iter()
            .map(|w| {
                format!(
                    "{}{} {}",
                    escape(w, false),
                    escape(l.colon, false),
                    escape(&blank, false)
                )
            })
            .collect();
        self.out.push_str(&sign.join(" · "));
        self.out.push_str("\n\n");
    }

    fn overview(&mut self) {
        let Some(overview) = &self.cx.model.header.overview else {
            return;
        };
        self.heading(2, self.cx.labels.overview);
        for p in phrase::paragraphs(self.cx.raw(overview)) {
            let line = inline(&self.cx.template(p, &[]), true);
            self.out.push_str(&line);
            self.out.push_str("\n\n");
        }
    }

    fn list_section(&mut self, heading: &str, entries: &[crate::ir::Entry]) {
        if entries.is_empty() {
            return;
        }
        self.heading(2, heading);
        for e in entries {
            let line = inline(&self.cx.rich(&e.text, &[]), true);
            self.out.push_str(&format!("- {line}\n"));
        }
        self.out.push('\n');
    }

    fn approach(&mut self) {
        let m = self.cx.model;
        let uncategorized = self.cx.uncategorized_tasks();
        if m.steps.is_empty() && uncategorized.is_empty() {
            return;
        }
        self.heading(2, self.cx.labels.approach);
        for step in &m.steps {
            self.step(step);
        }
        if !uncategorized.is_empty() {
            self.heading(3, self.cx.labels.uncategorized_tasks);
            self.tasks(&uncategorized);
        }
    }

    fn step(&mut self, step: &'a Step) {
        let l = self.cx.labels;
        let title = self.cx.flat(&step.title);
        self.heading(3, &title);

        let mut lines = Vec::new();
        let owner = step
            .owner
            .as_deref()
            .map_or_else(|| l.none.to_string(), |o| self.cx.role(o));
        lines.push(labelled(l.primary_role, &owner));
        if !step.participants.is_empty() {
            let roles: Vec<String> = step.participants.iter().map(|r| self.cx.role(r)).collect();
            lines.push(labelled(l.other_roles, &roles.join(" / ")));
        }
        if !step.motions.is_empty() {
            lines.push(labelled(l.motions, &self.cx.names(&step.motions)));
        }
        lines.push(labelled(l.applies_to, &self.cx.applies(&step.applies)));
        // A backslash at the end of a line is a hard line break.
        self.out.push_str(&lines.join("\\\n"));
        self.out.push_str("\n\n");

        if let Some(requires) = &step.requires {
            let line = self
                .cx
                .fill(l.if_, &[("x", self.cx.condition(requires, &[]))]);
            self.out.push_str(&inline(&line, true));
            self.out.push_str("\n\n");
        }

        let mut vars = Vec::new();
        self.items(&step.items, 0, &mut vars);

        self.gates(l.quality_inputs, &step.entry);
        self.gates(l.quality_outputs, &step.exit);

        let tasks = self.cx.step_tasks(step);
        if !tasks.is_empty() {
            self.heading(4, l.tasks);
            self.tasks(&tasks);
        }
    }

    /// A block at `depth`: a paragraph at the top level, a list item below.
    fn block(&mut self, depth: usize, line: &Phrase) {
        self.raw_block(depth, &inline(line, true));
    }

    /// Ends the list under a top-level paragraph, so that the next paragraph
    /// does not continue its last item.
    fn end_list(&mut self, depth: usize, before: usize) {
        if depth == 0 && self.out.len() > before {
            self.out.push('\n');
        }
    }

    fn items(&mut self, items: &[Item], depth: usize, vars: &mut Vec<Var>) {
        let cx = self.cx;
        let l = cx.labels;
        for item in items {
            match item {
                Item::Do(d) => {
                    let mut line = Vec::new();
                    if d.optional {
                        line = cx.parenthesised(plain(l.optional));
                    }
                    cx.then(&mut line, cx.rich(&d.text, vars));
                    if let Some(requires) = &d.requires {
                        let when = cx.fill(l.only_when, &[("x", cx.condition(requires, vars))]);
                        cx.then(&mut line, when);
                    }
                    self.block(depth, &line);
                    let before = self.out.len();
                    let actions: Vec<Phrase> = d
                        .actions
                        .iter()
                        .map(|a| {
                            let mut line = plain("→ ");
                            line.extend(cx.action(a, vars));
                            line
                        })
                        .collect();
                    if introduces_list(&line, &d.items) {
                        // The items are the list the text introduces
                        // ("which covers:"); the actions come after it,
                        // as paragraphs of the item, not items of the list.
                        self.items(&d.items, depth + 1, vars);
                        self.end_list(depth, before);
                        for a in &actions {
                            self.continuation(depth, a);
                        }
                    } else {
                        for a in &actions {
                            self.block(depth + 1, a);
                        }
                        self.items(&d.items, depth + 1, vars);
                        self.end_list(depth, before);
                    }
                }
                Item::Tip { text, .. } => {
                    let line = cx.rich(text, vars);
                    self.block(depth, &line);
                }
                Item::Warning { text, .. } => {
                    // The label in bold, as the corpus sets its notes apart;
                    // the colon outside, where it cannot stop the bold.
                    let mut rest = plain(l.colon);
                    cx.then(&mut rest, cx.rich(text, vars));
                    let text = format!("**{}**{}", escape(l.warning, false), inline(&rest, false));
                    self.raw_block(depth, &text);
                }
                Item::Ask { decision } => {
                    let question = cx.model.decisions.iter().find(|q| &q.id == decision);
                    let mut line = cx.label(l.ask);
                    match question {
                        Some(q) => cx.then(&mut line, cx.rich(&q.question, vars)),
                        None => cx.then(&mut line, plain(decision.clone())),
                    }
                    self.block(depth, &line);
                }
                Item::If {
                    branches,
                    otherwise,
                } => {
                    for (i, branch) in branches.iter().enumerate() {
                        let template = if i == 0 { l.if_ } else { l.else_if };
                        let line = cx.fill(template, &[("x", cx.condition(&branch.when, vars))]);
                        self.block(depth, &line);
                        let before = self.out.len();
                        self.items(&branch.items, depth + 1, vars);
                        self.end_list(depth, before);
                    }
                    if let Some(otherwise) = otherwise {
                        self.block(depth, &plain(l.otherwise));
                        let before = self.out.len();
                        self.items(otherwise, depth + 1, vars);
                        self.end_list(depth, before);
                    }
                }
                Item::Match {
                    subject: Some(subject),
                    arms,
                    ..
                } => {
                    let line = cx.fill(l.depending_on, &[("x", cx.value(subject, vars))]);
                    self.block(depth, &line);
                    let before = self.out.len();
                    for arm in arms {
                        let line = match &arm.patterns {
                            Some(p) => {
                                let mut line = cx.patterns(true, Some(p), vars);
                                line.push(Inline::Text(":".into()));
                                line
                            }
                            None => plain(l.any_other_case),
                        };
                        self.block(depth + 1, &line);
                        self.items(&arm.items, depth + 2, vars);
                    }
                    self.end_list(depth, before);
                }
                Item::Match {
                    subject: None,
                    arms,
                    ..
                } => {
                    for arm in arms {
                        let line = match &arm.patterns {
                            Some(p) => cx.fill(l.if_, &[("x", cx.patterns(false, Some(p), vars))]),
                            None => plain(l.any_other_case),
                        };
                        self.block(depth, &line);
                        let before = self.out.len();
                        self.items(&arm.items, depth + 1, vars);
                        self.end_list(depth, before);
                    }
                }
                Item::ForEach {
                    var,
                    element,
                    over,
                    items,
                } => {
                    if let Some(each) = written_out(cx, vars, var, element, over, items) {
                        // One item per value, at the loop's place.
                        for (bound, body) in each {
                            vars.push(bound);
                            self.items(&body, depth, vars);
                            vars.pop();
                        }
                        continue;
                    }
                    let this = cx.var(var, element, over, None);
                    let line = cx.fill(
                        l.for_each,
                        &[
                            ("var", vec![Inline::Var(this.words.clone())]),
                            ("set", cx.value(over, vars)),
                        ],
                    );
                    self.block(depth, &line);
                    let before = self.out.len();
                    vars.push(this);
                    self.items(items, depth + 1, vars);
                    vars.pop();
                    self.end_list(depth, before);
                }
            }
        }
    }

    /// A paragraph that continues the block at `depth` after the list under
    /// it: a paragraph of its own at the top level, an indented paragraph
    /// of the list item below.
    fn continuation(&mut self, depth: usize, line: &Phrase) {
        let text = inline(line, true);
        if depth == 0 {
            self.out.push_str(&text);
            self.out.push_str("\n\n");
        } else {
            self.out.push('\n');
            self.out.push_str(&"  ".repeat(depth));
            self.out.push_str(&text);
            self.out.push('\n');
        }
    }

    /// A block whose text is Markdown already.
    fn raw_block(&mut self, depth: usize, text: &str) {
        if depth == 0 {
            self.out.push_str(text);
            self.out.push_str("\n\n");
        } else {
            self.out.push_str(&"  ".repeat(depth - 1));
            self.out.push_str("- ");
            self.out.push_str(text);
            self.out.push('\n');
        }
    }

    fn gates(&mut self, heading: &str, gates: &[Gate]) {
        if gates.is_empty() {
            return;
        }
        self.out
            .push_str(&format!("**{}**\n\n", escape(heading, false)));
        for gate in gates {
            let line = self.gate_line(gate);
            self.out.push_str(&format!("- {}\n", inline(&line, true)));
        }
        self.out.push('\n');
    }

    /// A criterion as a step uses it: its condition first, as the corpus
    /// writes conditional outputs.
    fn gate_line(&self, gate: &Gate) -> Phrase {
        let cx = self.cx;
        let mut line = Vec::new();
        if let Some(when) = &gate.when {
            line = cx.fill(cx.labels.if_, &[("x", cx.condition(when, &[]))]);
        }
        match cx.model.criterion(&gate.criterion) {
            Some(c) => cx.then(&mut line, cx.rich(&c.text, &[])),
            None => cx.then(&mut line, plain(gate.criterion.clone())),
        }
        cx.then(&mut line, cx.after_items(&gate.after));
        line
    }

    fn tasks(&mut self, tasks: &[&Task]) {
        let l = self.cx.labels;
        let header = [
            l.task_id,
            l.task_name,
            l.task_mandatory,
            l.task_role,
            l.task_services,
        ]
        .map(|h| escape(h, false));
        let align = [Align::Left, Align::Left, Align::Center, Align::Center];
        let mut rows = Vec::new();
        for t in tasks {
            let mark = if t.mandatory {
                l.mandatory_mark
            } else {
                l.optional_mark
            };
            let role = t
                .owner
                .as_deref()
                .map_or_else(|| l.none.to_string(), |o| self.cx.role(o));
            let cells = [
                t.number.to_string(),
                inline(&self.cx.rich(&t.name, &[]), false),
                escape(mark, false),
                escape(&role, false),
                escape(&self.cx.applies(&t.applies), false),
            ];
            rows.push(cells.to_vec());
        }
        doc::markdown_table(&mut self.out, &header, &align, rows);
        self.out.push('\n');
    }

    fn next_steps(&mut self) {
        let next = &self.cx.model.header.next_steps;
        if next.is_empty() {
            return;
        }
        self.heading(2, self.cx.labels.next_steps);
        for n in next {
            let mut line = self.cx.rich(&n.text, &[]);
            if let Some(playbook) = &n.playbook {
                let see = self
                    .cx
                    .fill(self.cx.labels.leads_to, &[("x", plain(playbook.clone()))]);
                self.cx.then(&mut line, see);
            }
            self.out.push_str(&format!("- {}\n", inline(&line, true)));
        }
        self.out.push('\n');
    }

    /// The refresh summary, newest first as the corpus lists it.
    fn history(&mut self) {
        let history = &self.cx.model.header.history;
        if history.is_empty() {
            return;
        }
        let l = self.cx.labels;
        self.heading(2, l.history);
        let header = [l.history_date, l.history_who, l.history_what].map(|h| escape(h, false));
        let rows = history.iter().rev().map(|h| {
            vec![
                h.date.to_string(),
                escape(&h.who, false),
                inline(&self.cx.rich(&h.what, &[]), false),
            ]
        });
        doc::markdown_table(&mut self.out, &header, &[], rows);
        self.out.push('\n');
    }

    /// The declared links with an address, as the corpus ends its pages.
    fn links(&mut self) {
        let m = self.cx.model;
        let links: Vec<String> = m
            .links
            .iter()
            .filter_map(|d| {
                let url = d.url.as_deref().and_then(phrase::safe_url)?;
                let text = self.cx.name_of(&d.id);
                Some(inline(&[Inline::Link { text, url }], true))
            })
            .collect();
        if !links.is_empty() {
            self.out.push_str(&links.join(" · "));
            self.out.push('\n');
        }
    }
}

/// Whether an item's text introduces its sub-items as a list (it ends with
/// a colon, "which covers:").
pub(super) fn introduces_list(line: &[Inline], items: &[Item]) -> bool {
    !items.is_empty() && phrase::to_plain(line).trim_end().ends_with([':', '：'])
}

/// A loop over a set the customer's inputs give, written out: for each
/// value in order, the variable bound to it and the body decided for it.
/// `None` for a loop whose set is not known, or a document for no one.
pub(super) fn written_out(
    cx: Ctx<'_>,
    vars: &[Var],
    var: &str,
    element: &crate::ir::Type,
    over: &crate::ir::Expr,
    items: &[Item],
) -> Option<Vec<(Var, Vec<Item>)>> {
    let customer = cx.customer?;
    let crate::ir::ExprKind::SetOf { values } = &over.kind else {
        return None;
    };
    let mut bound: Vec<(String, String)> = vars
        .iter()
        .filter_map(|v| Some((v.name.clone(), v.bound.clone()?)))
        .collect();
    let mut out = Vec::new();
    for value in values {
        bound.push((var.to_string(), value.clone()));
        let body = customer.bind(cx.model, &bound, items);
        bound.pop();
        out.push((cx.var(var, element, over, Some(value)), body));
    }
    Some(out)
}

/// `Label: **value**`, the corpus's line for a step's role, motions and
/// services, and the document's phase.
fn labelled(label: &str, value: &str) -> String {
    let value = if value.trim().is_empty() { "-" } else { value };
    format!("{}: **{}**", escape(label, true), escape(value, false))
}

/// A phrase as one line of Markdown: texts escaped, links as `[text](url)`,
/// loop variables in italics. `line_start`: the line begins a block, where a
/// leading `-`, `+`, `=` or `1.` would start a list or heading.
fn inline(phrase: &[Inline], line_start: bool) -> String {
    let mut out = String::new();
    for (i, piece) in phrase.iter().enumerate() {
        let start = line_start && i == 0;
        match piece {
            Inline::Text(t) => out.push_str(&escape_keep_edges(t, start)),
            Inline::Link { text, url } => {
                out.push('[');
                out.push_str(escape(text, false).as_str());
                out.push_str("](");
                out.push_str(&destination(url));
                out.push(')');
            }
            Inline::Var(v) => {
                out.push('*');
                out.push_str(&escape(v, false));
                out.push('*');
            }
        }
    }
    out.trim_matches(' ').to_string()
}

/// A link address inside `(...)`: the characters that would end or change
/// the destination are escaped (a [`phrase::safe_url`] has no spaces).
fn destination(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '(' | ')' | '\\' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_whitespace() || c.is_control() => {
                out.push_str(&format!("%{:02X}", u32::from(c) & 0xFF));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_inline_syntax() {
        assert_eq!(
            escape("<b>*x* _y_ `z` [a](b) | c # d ~e~ &amp; {f} \\", false),
            "\\<b\\>\\*x\\* \\_y\\_ \\`z\\` \\[a\\](b) \\| c \\# d \\~e\\~ \\&amp; \\{f\\} \\\\"
        );
    }

    #[test]
    fn escapes_block_starts() {
        assert_eq!(escape("- item", true), "\\- item");
        assert_eq!(escape("+ item", true), "\\+ item");
        assert_eq!(escape("=== x", true), "\\=== x");
        assert_eq!(escape("12. x", true), "12\\. x");
        assert_eq!(escape("3) x", true), "3\\) x");
        assert_eq!(escape("2019 was", true), "2019 was");
        assert_eq!(escape("- mid", false), "- mid");
    }

    #[test]
    fn newlines_and_controls_do_not_survive() {
        assert_eq!(escape("a\n# b\r\n\tc\u{0}", true), "a \\# b c");
    }

    #[test]
    fn yaml_scalars_stay_on_one_line() {
        assert_eq!(yaml("a\"b\\c\nd\u{2028}"), "\"a\\\"b\\\\c\\nd\\L\"");
        assert_eq!(yaml("\u{0}\t\u{feff}"), "\"\\0\\t\\uFEFF\"");
    }

    #[test]
    fn link_destinations_keep_their_parentheses_escaped() {
        assert_eq!(
            destination("https://e.com/a_(b)"),
            "https://e.com/a_\\(b\\)"
        );
    }
}
