//! The HTML document of a playbook, in one locale: one self-contained page
//! (no script, no external style sheet, font or image) that reads as the
//! Markdown document does and prints as a checklist.
//!
//! Every instruction, quality input and output (entry and exit gate) and
//! tracker task has a check box; a step's owner and other roles, and its
//! entry and exit gates, are marked apart; a print style sheet keeps the
//! check boxes and shows link addresses on paper.
//!
//! All text of the playbook is escaped; the only addresses are those of
//! declared templates and links whose scheme is `http`, `https` or `mailto`
//! ([`phrase::safe_url`]), in escaped `href` attributes. The output depends
//! on the model and the locale only.

use super::markdown::{introduces_list, written_out};
use super::phrase::{self, Ctx, Inline, Phrase, Var, plain};
use super::specialise::Customer;
use crate::doc::{self, HtmlCell};
use crate::escape::{html as esc, html_keep_edges as escape_keep_edges};
use crate::ir::{Gate, GateKind, Item, Playbook, Step, Task};

/// The HTML document of `model` in `locale` (texts fall back to the source
/// locale; labels to English when the locale has none).
pub fn render(model: &Playbook, locale: &str) -> String {
    render_for(model, locale, None)
}

/// The HTML page of `model` (specialised for `customer`, see
/// [`super::specialise`]) for that customer, as
/// [`super::markdown::render_for`] writes the Markdown document.
pub fn render_for(model: &Playbook, locale: &str, customer: Option<&Customer>) -> String {
    let mut doc = Doc {
        cx: Ctx::new(model, locale).for_customer(customer),
        out: String::new(),
    };
    doc.page();
    doc.out
}

/// The style sheet: screen, then print.
const STYLE: &str = r#"
:root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --entry: #1a7f37; --exit: #0969da; --owner: #6f42c1; --warn: #9a6700; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", "Hiragino Sans", sans-serif; color: var(--ink); max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.8rem; margin-bottom: .25rem; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2.5rem; }
h3 { margin: 0 0 .5rem; }
h4 { margin: 1rem 0 .25rem; font-size: 1rem; }
.description { color: var(--muted); margin-top: 0; }
dl.meta { display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; margin: .5rem 0 0; }
dl.meta div { display: flex; gap: .4rem; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-weight: 600; }
.step { border: 1px solid var(--line); border-radius: 6px; padding: 1rem 1.25rem; margin: 1.25rem 0; }
.facts { display: flex; flex-wrap: wrap; gap: .35rem .5rem; align-items: center; margin: 0 0 .75rem; }
.facts .label { color: var(--muted); font-size: .85rem; }
.role { display: inline-block; border: 1px solid var(--owner); color: var(--owner); border-radius: 999px; padding: 0 .6rem; font-size: .9rem; }
.role.owner { background: var(--owner); color: #fff; font-weight: 600; }
.fact { font-size: .9rem; }
.gate { border-left: 4px solid; padding: .25rem .75rem; margin: .75rem 0; border-radius: 0 4px 4px 0; }
.gate h4 { margin-top: 0; }
.gate.entry { border-color: var(--entry); background: #dafbe1; }
.gate.entry h4 { color: var(--entry); }
.gate.exit { border-color: var(--exit); background: #ddf4ff; }
.gate.exit h4 { color: var(--exit); }
.gate .kind { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; }
.gate .note { color: var(--muted); font-size: .85rem; }
ul.checklist { list-style: none; padding-left: 0; margin: .25rem 0; }
ul.checklist ul.checklist { padding-left: 1.6rem; }
ul.checklist > li { margin: .3rem 0; }
li > label { display: inline; }
input[type="checkbox"] { width: 1.05em; height: 1.05em; margin: 0 .45em 0 0; vertical-align: -.15em; }
.when { font-weight: 600; }
.optional, .tag { font-size: .8rem; border: 1px solid var(--line); border-radius: 4px; padding: 0 .3rem; color: var(--muted); }
.tip .tag { border-color: var(--exit); color: var(--exit); }
.warning { color: var(--warn); }
.warning .tag { border-color: var(--warn); color: var(--warn); font-weight: 700; }
.ask .tag { border-color: var(--owner); color: var(--owner); }
ul.actions { list-style: none; padding-left: 1.6rem; margin: 0; color: var(--muted); font-size: .9rem; }
ul.actions li::before { content: "→ "; }
var { font-style: italic; font-family: inherit; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.mark { text-align: center; }
.customer { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1.25rem; margin: 1rem 0; }
.customer dl.meta { margin: 0 0 .75rem; }
.signature { display: flex; flex-wrap: wrap; gap: 1rem 2rem; margin: 1.5rem 0 0; }
.signature span { flex: 1 1 12rem; border-top: 1px solid var(--ink); padding-top: .2rem; color: var(--muted); font-size: .85rem; }
footer { margin-top: 3rem; border-top: 1px solid var(--line); padding-top: .75rem; color: var(--muted); }
footer a { margin-right: 1rem; }
@media print {
  @page { margin: 14mm 12mm; }
  body { font-size: 10.5pt; max-width: none; margin: 0; padding: 0; color: #000; }
  h2 { margin-top: 1.2rem; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  li, tr, .facts { break-inside: avoid; page-break-inside: avoid; }
  .step { border: none; border-top: 2px solid #000; border-radius: 0; padding: .5rem 0 0; }
  .gate, .role, .role.owner, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  input[type="checkbox"] { -webkit-appearance: none; appearance: none; border: 1.2px solid #000; border-radius: 2px; width: 1em; height: 1em; }
  input[type="checkbox"]:checked { background: #000; }
  a { color: inherit; }
  a[href]::after { content: " (" attr(href) ")"; font-size: .8em; word-break: break-all; color: #444; }
  footer { break-before: avoid; }
}
"#;

struct Doc<'a> {
    cx: Ctx<'a>,
    out: String,
}

impl<'a> Doc<'a> {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn title(&self) -> String {
        let m = self.cx.model;
        m.header
            .title
            .as_ref()
            .map_or_else(|| m.id.clone(), |t| self.cx.flat(t))
    }

    fn page(&mut self) {
        let m = self.cx.model;
        let title = esc(&self.title());
        self.push("<!doctype html>\n");
        self.push(&format!("<html lang=\"{}\">\n", esc(self.cx.locale)));
        self.push("<head>\n<meta charset=\"utf-8\">\n");
        self.push("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        if let Some(d) = &m.header.description {
            let d = esc(&self.cx.flat(d));
            self.push(&format!("<meta name=\"description\" content=\"{d}\">\n"));
        }
        self.push(&format!("<title>{title}</title>\n"));
        self.push(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
        self.header(&title);
        self.push("<main>\n");
        self.overview();
        let l = self.cx.labels;
        self.list_section("objectives", l.objectives, &m.header.objectives);
        self.approach();
        self.list_section("key-inputs", l.key_inputs, &m.header.key_inputs);
        self.list_section("key-outputs", l.key_outputs, &m.header.key_outputs);
        self.next_steps();
        self.history();
        self.push("</main>\n");
        self.footer();
        self.push("</body>\n</html>\n");
    }

    fn header(&mut self, title: &str) {
        let m = self.cx.model;
        let h = &m.header;
        let l = self.cx.labels;
        self.push(&format!("<header>\n<h1>{title}</h1>\n"));
        if let Some(d) = &h.description {
            let d = inline(&self.cx.rich(d, &[]));
            self.push(&format!("<p class=\"description\">{d}</p>\n"));
        }
        let mut meta = Vec::new();
        if let Some(phase) = &h.phase {
            meta.push((l.phase, esc(&self.cx.name_of(phase))));
        }
        if !h.motions.is_empty() {
            meta.push((l.motions, esc(&self.cx.names(&h.motions))));
        }
        if let Some(a) = &h.author {
            meta.push((l.author, esc(a)));
        }
        if let Some(o) = &h.owner {
            meta.push((l.owner, esc(o)));
        }
        if let Some(date) = h.revised {
            meta.push((
                l.revised,
                format!("<time datetime=\"{date}\">{date}</time>"),
            ));
        }
        if let Some(a) = &h.audience {
            meta.push((l.audience, esc(a)));
        }
        if !meta.is_empty() {
            self.push("<dl class=\"meta\">\n");
            for (label, value) in meta {
                self.push(&format!(
                    "<div><dt>{}</dt><dd>{value}</dd></div>\n",
                    esc(label)
                ));
            }
            self.push("</dl>\n");
        }
        self.customer();
        self.push("</header>\n");
    }

    /// Whom the page is for: the customer, the date, the inputs given with
    /// their values, and lines to sign.
    fn customer(&mut self) {
        let cx = self.cx;
        let Some(customer) = cx.customer else {
            return;
        };
        let l = cx.labels;
        let mut rows = Vec::new();
        if let Some(name) = &customer.name {
            rows.push((l.customer.to_string(), esc(name)));
        }
        let date = customer.date;
        rows.push((
            l.history_date.to_string(),
            format!("<time datetime=\"{date}\">{}</time>", esc(&cx.date(date))),
        ));
        for input in &cx.model.inputs {
            if let Some(value) = customer.given.get(&input.id) {
                let label = input
                    .label
                    .as_ref()
                    .map_or_else(|| input.id.clone(), |t| cx.model.label_words(t, cx.locale));
                rows.push((label, esc(&cx.value_words(value, &input.ty))));
            }
        }
        self.push("<section class=\"customer\">\n<dl class=\"meta\">\n");
        for (label, value) in rows {
            self.push(&format!(
                "<div><dt>{}</dt><dd>{value}</dd></div>\n",
                esc(&label)
            ));
        }
        self.push("</dl>\n<p class=\"signature\">");
        for word in [l.prepared_by, l.signature, l.history_date] {
            self.push(&format!("<span>{}</span>", esc(word)));
        }
        self.push("</p>\n</section>\n");
    }

    fn section_start(&mut self, class: &str, heading: &str) {
        self.push(&format!(
            "<section class=\"{class}\">\n<h2>{}</h2>\n",
            esc(heading)
        ));
    }

    fn overview(&mut self) {
        let Some(overview) = &self.cx.model.header.overview else {
            return;
        };
        self.section_start("overview", self.cx.labels.overview);
        for p in phrase::paragraphs(self.cx.raw(overview)) {
            let p = inline(&self.cx.template(p, &[]));
            self.push(&format!("<p>{p}</p>\n"));
        }
        self.push("</section>\n");
    }

    fn list_section(&mut self, class: &str, heading: &str, entries: &[crate::ir::Entry]) {
        if entries.is_empty() {
            return;
        }
        self.section_start(class, heading);
        self.push("<ul>\n");
        for e in entries {
            let line = inline(&self.cx.rich(&e.text, &[]));
            self.push(&format!("<li>{line}</li>\n"));
        }
        self.push("</ul>\n</section>\n");
    }

    fn approach(&mut self) {
        let m = self.cx.model;
        let uncategorized = self.cx.uncategorized_tasks();
        if m.steps.is_empty() && uncategorized.is_empty() {
            return;
        }
        self.section_start("approach", self.cx.labels.approach);
        for step in &m.steps {
            self.step(step);
        }
        if !uncategorized.is_empty() {
            self.push(&format!(
                "<article class=\"step uncategorized\">\n<h3>{}</h3>\n",
                esc(self.cx.labels.uncategorized_tasks)
            ));
            self.tasks(&uncategorized);
            self.push("</article>\n");
        }
        self.push("</section>\n");
    }

    fn step(&mut self, step: &'a Step) {
        let cx = self.cx;
        let l = cx.labels;
        self.push(&format!(
            "<article class=\"step\" id=\"step-{}\">\n<h3>{}</h3>\n",
            esc(&step.id),
            esc(&cx.flat(&step.title))
        ));

        self.push("<p class=\"facts\">");
        let owner = step
            .owner
            .as_deref()
            .map_or_else(|| l.none.to_string(), |o| cx.role(o));
        self.push(&format!(
            "<span class=\"label\">{}</span> <span class=\"role owner\">{}</span>",
            esc(l.primary_role),
            esc(&owner)
        ));
        if !step.participants.is_empty() {
            self.push(&format!(
                " <span class=\"label\">{}</span>",
                esc(l.other_roles)
            ));
            for p in &step.participants {
                self.push(&format!(
                    " <span class=\"role\">{}</span>",
                    esc(&cx.role(p))
                ));
            }
        }
        if !step.motions.is_empty() {
            self.push(&format!(
                " <span class=\"label\">{}</span> <span class=\"fact\">{}</span>",
                esc(l.motions),
                esc(&cx.names(&step.motions))
            ));
        }
        self.push(&format!(
            " <span class=\"label\">{}</span> <span class=\"fact\">{}</span></p>\n",
            esc(l.applies_to),
            esc(&cx.applies(&step.applies))
        ));

        if let Some(requires) = &step.requires {
            let line = cx.fill(l.if_, &[("x", cx.condition(requires, &[]))]);
            self.push(&format!("<p class=\"when\">{}</p>\n", inline(&line)));
        }

        self.gates(GateKind::Entry, &step.entry);
        if !step.items.is_empty() {
            let mut vars = Vec::new();
            self.push("<ul class=\"checklist\">\n");
            self.items(&step.items, &mut vars);
            self.push("</ul>\n");
        }
        self.gates(GateKind::Exit, &step.exit);

        let tasks = cx.step_tasks(step);
        if !tasks.is_empty() {
            self.tasks(&tasks);
        }
        self.push("</article>\n");
    }

    /// A checklist line: a check box and its text in one label.
    fn check(&mut self, line: &Phrase) {
        self.push(&format!(
            "<label><input type=\"checkbox\"> {}</label>",
            inline(line)
        ));
    }

    fn items(&mut self, items: &[Item], vars: &mut Vec<Var>) {
        let cx = self.cx;
        let l = cx.labels;
        for item in items {
            match item {
                Item::Do(d) => {
                    self.push("<li class=\"do\">");
                    let mut line = Vec::new();
                    if d.optional {
                        // Marked with a class below; the words stay for print.
                        line = cx.parenthesised(plain(l.optional));
                    }
                    cx.then(&mut line, cx.rich(&d.text, vars));
                    if let Some(requires) = &d.requires {
                        let when = cx.fill(l.only_when, &[("x", cx.condition(requires, vars))]);
                        cx.then(&mut line, when);
                    }
                    self.check(&line);
                    // The items a text introduces as its list ("which
                    // covers:") come right under it, the actions after.
                    let list_first = introduces_list(&line, &d.items);
                    if list_first {
                        self.nested(&d.items, vars);
                    }
                    if !d.actions.is_empty() {
                        self.push("\n<ul class=\"actions\">\n");
                        for action in &d.actions {
                            let a = inline(&cx.action(action, vars));
                            self.push(&format!("<li>{a}</li>\n"));
                        }
                        self.push("</ul>");
                    }
                    if !list_first {
                        self.nested(&d.items, vars);
                    }
                    self.push("</li>\n");
                }
                Item::Tip { text, .. } => {
                    let text = inline(&cx.rich(text, vars));
                    self.push(&format!(
                        "<li class=\"tip\"><span class=\"tag\">{}</span> {text}</li>\n",
                        esc(l.tip)
                    ));
                }
                Item::Warning { text, .. } => {
                    let text = inline(&cx.rich(text, vars));
                    self.push(&format!(
                        "<li class=\"warning\"><strong class=\"tag\">{}</strong> {text}</li>\n",
                        esc(l.warning)
                    ));
                }
                Item::Ask { decision } => {
                    let question = cx.model.decisions.iter().find(|q| &q.id == decision);
                    let text = match question {
                        Some(q) => inline(&cx.rich(&q.question, vars)),
                        None => esc(decision),
                    };
                    self.push(&format!(
                        "<li class=\"ask\"><span class=\"tag\">{}</span> {text}</li>\n",
                        esc(l.ask)
                    ));
                }
                Item::If {
                    branches,
                    otherwise,
                } => {
                    for (i, branch) in branches.iter().enumerate() {
                        let template = if i == 0 { l.if_ } else { l.else_if };
                        let when = cx.fill(template, &[("x", cx.condition(&branch.when, vars))]);
                        self.branch(&when, &branch.items, vars);
                    }
                    if let Some(otherwise) = otherwise {
                        self.branch(&plain(l.otherwise), otherwise, vars);
                    }
                }
                Item::Match {
                    subject: Some(subject),
                    arms,
                    ..
                } => {
                    let when = cx.fill(l.depending_on, &[("x", cx.value(subject, vars))]);
                    self.push(&format!(
                        "<li class=\"branch\"><span class=\"when\">{}</span>\n<ul class=\"checklist\">\n",
                        inline(&when)
                    ));
                    for arm in arms {
                        let when = match &arm.patterns {
                            Some(p) => {
                                let mut line = cx.patterns(true, Some(p), vars);
                                line.push(Inline::Text(":".into()));
                                line
                            }
                            None => plain(l.any_other_case),
                        };
                        self.branch(&when, &arm.items, vars);
                    }
                    self.push("</ul></li>\n");
                }
                Item::Match {
                    subject: None,
                    arms,
                    ..
                } => {
                    for arm in arms {
                        let when = match &arm.patterns {
                            Some(p) => cx.fill(l.if_, &[("x", cx.patterns(false, Some(p), vars))]),
                            None => plain(l.any_other_case),
                        };
                        self.branch(&when, &arm.items, vars);
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
                            self.items(&body, vars);
                            vars.pop();
                        }
                        continue;
                    }
                    let this = cx.var(var, element, over, None);
                    let when = cx.fill(
                        l.for_each,
                        &[
                            ("var", vec![Inline::Var(this.words.clone())]),
                            ("set", cx.value(over, vars)),
                        ],
                    );
                    vars.push(this);
                    self.branch(&when, items, vars);
                    vars.pop();
                }
            }
        }
    }

    /// A condition and the items it governs.
    fn branch(&mut self, when: &Phrase, items: &[Item], vars: &mut Vec<Var>) {
        self.push(&format!(
            "<li class=\"branch\"><span class=\"when\">{}</span>",
            inline(when)
        ));
        self.nested(items, vars);
        self.push("</li>\n");
    }

    fn nested(&mut self, items: &[Item], vars: &mut Vec<Var>) {
        if !items.is_empty() {
            self.push("\n<ul class=\"checklist\">\n");
            self.items(items, vars);
            self.push("</ul>");
        }
    }

    fn gates(&mut self, kind: GateKind, gates: &[Gate]) {
        if gates.is_empty() {
            return;
        }
        let cx = self.cx;
        let l = cx.labels;
        let (class, heading) = match kind {
            GateKind::Entry => ("entry", l.quality_inputs),
            GateKind::Exit => ("exit", l.quality_outputs),
        };
        self.push(&format!(
            "<section class=\"gate {class}\">\n<h4>{}</h4>\n<ul class=\"checklist\">\n",
            esc(heading)
        ));
        for gate in gates {
            let mut line = Vec::new();
            if let Some(when) = &gate.when {
                line = cx.fill(l.if_, &[("x", cx.condition(when, &[]))]);
            }
            let criterion = cx.model.criterion(&gate.criterion);
            match criterion {
                Some(c) => cx.then(&mut line, cx.rich(&c.text, &[])),
                None => cx.then(&mut line, plain(gate.criterion.clone())),
            }
            cx.then(&mut line, cx.after_items(&gate.after));
            self.push(&format!("<li class=\"gate-{class}\">"));
            self.check(&line);
            if let Some(c) = criterion {
                let note = cx.fill(l.documented_in, &[("x", plain(cx.name_of(&c.note)))]);
                self.push(&format!(" <span class=\"note\">{}</span>", inline(&note)));
            }
            self.push("</li>\n");
        }
        self.push("</ul>\n</section>\n");
    }

    fn tasks(&mut self, tasks: &[&Task]) {
        let cx = self.cx;
        let l = cx.labels;
        self.push(&format!(
            "<section class=\"tasks\">\n<h4>{}</h4>\n",
            esc(l.tasks)
        ));
        let header = [
            l.task_id,
            l.task_name,
            l.task_mandatory,
            l.task_role,
            l.task_services,
        ]
        .map(esc);
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
                .map_or_else(|| l.none.to_string(), |o| cx.role(o));
            rows.push(vec![
                HtmlCell::from(format!(
                    "<label><input type=\"checkbox\"> {}</label>",
                    t.number
                )),
                HtmlCell::from(inline(&cx.rich(&t.name, &[]))),
                HtmlCell {
                    html: esc(mark),
                    class: Some("mark"),
                },
                HtmlCell::from(esc(&role)),
                HtmlCell::from(esc(&cx.applies(&t.applies))),
            ]);
        }
        let mut table = String::new();
        doc::html_table(&mut table, &header, rows);
        self.push(&table);
        self.push("</section>\n");
    }

    fn next_steps(&mut self) {
        let next = &self.cx.model.header.next_steps;
        if next.is_empty() {
            return;
        }
        let cx = self.cx;
        self.section_start("next-steps", cx.labels.next_steps);
        self.push("<ul>\n");
        for n in next {
            let mut line = cx.rich(&n.text, &[]);
            if let Some(playbook) = &n.playbook {
                let see = cx.fill(cx.labels.leads_to, &[("x", plain(playbook.clone()))]);
                cx.then(&mut line, see);
            }
            self.push(&format!("<li>{}</li>\n", inline(&line)));
        }
        self.push("</ul>\n</section>\n");
    }

    fn history(&mut self) {
        let history = &self.cx.model.header.history;
        if history.is_empty() {
            return;
        }
        let cx = self.cx;
        let l = cx.labels;
        self.section_start("history", l.history);
        let header = [l.history_date, l.history_who, l.history_what].map(esc);
        let rows = history.iter().rev().map(|h| {
            vec![
                HtmlCell::from(format!("<time datetime=\"{d}\">{d}</time>", d = h.date)),
                HtmlCell::from(esc(&h.who)),
                HtmlCell::from(inline(&cx.rich(&h.what, &[]))),
            ]
        });
        let mut table = String::new();
        doc::html_table(&mut table, &header, rows);
        self.push(&table);
        self.push("</section>\n");
    }

    fn footer(&mut self) {
        let m = self.cx.model;
        let links: Vec<String> = m
            .links
            .iter()
            .filter_map(|d| {
                let url = d.url.as_deref().and_then(phrase::safe_url)?;
                let text = self.cx.name_of(&d.id);
                Some(inline(&[Inline::Link { text, url }]))
            })
            .collect();
        if !links.is_empty() {
            self.push(&format!(
                "<footer>\n<nav>{}</nav>\n</footer>\n",
                links.join(" ")
            ));
        }
    }
}

/// A phrase as HTML: texts escaped, links as `<a href>`, loop variables as
/// `<var>`.
fn inline(phrase: &[Inline]) -> String {
    let mut out = String::new();
    for piece in phrase {
        match piece {
            Inline::Text(t) => out.push_str(&escape_keep_edges(t)),
            Inline::Link { text, url } => {
                out.push_str(&format!("<a href=\"{}\">{}</a>", esc(url), esc(text)));
            }
            Inline::Var(v) => out.push_str(&format!("<var>{}</var>", esc(v))),
        }
    }
    out.trim_matches(' ').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script> \"onmouseover=x & y"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;onmouseover=x &amp; y"
        );
    }

    #[test]
    fn collapses_whitespace_and_drops_controls() {
        assert_eq!(esc("  a\n\n\tb\u{0}\u{1b}c "), "a bc");
    }

    #[test]
    fn links_and_variables() {
        let phrase = vec![
            Inline::Text("see ".into()),
            Inline::Link {
                text: "<x>".into(),
                url: "https://e.com/?a=1&b=\"2\"".into(),
            },
            Inline::Text(" for ".into()),
            Inline::Var("w".into()),
        ];
        assert_eq!(
            inline(&phrase),
            "see <a href=\"https://e.com/?a=1&amp;b=&quot;2&quot;\">&lt;x&gt;</a> for <var>w</var>"
        );
    }
}
