//! Texts of the export in the chosen locale: the playbook's own texts with
//! their placeholders filled in, the few words the export adds itself, and
//! the documentation of steps and loops (checklist, gates, actions).

use crate::export::expr::show as source;
use crate::ir::{Action, Gate, Item, Playbook, Segment, Step, segments, unbrace};
use std::collections::BTreeSet;

/// The words the export adds, in one language: the diagram words of
/// [`crate::labels`].
pub use crate::labels::Diagram as Words;

impl Words {
    /// The words of `locale` (its primary language subtag; English for a
    /// language without labels).
    pub fn of(locale: &str) -> &'static Words {
        &crate::labels::get(locale).diagram
    }
}

pub use crate::labels::fill;

/// The playbook's texts in one locale.
pub struct Texts<'m> {
    pub model: &'m Playbook,
    pub locale: &'m str,
    pub words: &'static Words,
    /// Names that stay placeholders: inputs, definitions, decisions and
    /// loop variables, whose values are known only in a run.
    values: BTreeSet<&'m str>,
    /// The loops of each loop variable, in the order the steps hold them
    /// (what it walks, and over what): built once, where a scan of every
    /// step for every variable made the export quadratic.
    loops: rustc_hash::FxHashMap<&'m str, Vec<(&'m crate::ir::Type, &'m crate::ir::Expr)>>,
}

impl<'m> Texts<'m> {
    /// A loop variable in words (the label of what it walks), never its id.
    /// The words are those of [`Playbook::loop_var_words`]: of the first
    /// loop of `var` whose element has words.
    pub fn var_words(&self, var: &str) -> String {
        let service = crate::labels::get(self.locale).service;
        self.loops
            .get(var)
            .into_iter()
            .flatten()
            .find_map(|(element, over)| {
                self.model
                    .element_words(element, over, self.locale, service)
            })
            .unwrap_or_else(|| var.to_string())
    }

    /// What a loop walks, in words (labels and value texts, not ids).
    pub fn over_words(&self, over: &crate::ir::Expr) -> String {
        let ctx = crate::export::phrase::Ctx::new(self.model, self.locale);
        crate::export::phrase::to_plain(&ctx.value(over, &[]))
    }

    pub fn new(model: &'m Playbook, locale: &'m str) -> Texts<'m> {
        let mut values: BTreeSet<&str> = BTreeSet::new();
        values.extend(model.inputs.iter().map(|i| i.id.as_str()));
        values.extend(model.lets.iter().map(|l| l.id.as_str()));
        values.extend(model.decisions.iter().map(|d| d.id.as_str()));
        let mut loops: rustc_hash::FxHashMap<&str, Vec<_>> = rustc_hash::FxHashMap::default();
        for s in &model.steps {
            crate::ir::walk_items(&s.items, &mut |item| {
                if let Item::ForEach {
                    var, element, over, ..
                } = item
                {
                    values.insert(var.as_str());
                    loops.entry(var.as_str()).or_default().push((element, over));
                }
            });
        }
        Texts {
            model,
            locale,
            words: Words::of(locale),
            values,
            loops,
        }
    }

    /// A text in the locale, placeholders replaced by the labels of what
    /// they name (values known only in a run stay `{name}`).
    pub fn text(&self, t: &crate::ir::LText) -> String {
        let template = t.get(self.locale, &self.model.source_locale);
        let mut out = String::new();
        for segment in segments(template) {
            match segment {
                Segment::Text(text) => out.push_str(&text),
                Segment::Placeholder(name) => out.push_str(&self.placeholder(name)),
            }
        }
        out
    }

    fn placeholder(&self, name: &str) -> String {
        // A value first: a loop variable names nothing in the model, and
        // asking the model about it would search every step and criterion.
        if self.values.contains(name) {
            return format!("{{{name}}}");
        }
        match self.model.named(name).filter(|n| !n.is_value()) {
            Some(n) => n
                .label()
                .map(|l| self.label(l))
                .unwrap_or_else(|| name.to_string()),
            None => format!("{{{name}}}"),
        }
    }

    /// A label: the text without filling in placeholders (labels have none
    /// worth filling, and this keeps lookups from recursing).
    pub fn label(&self, t: &crate::ir::LText) -> String {
        unbrace(t.get(self.locale, &self.model.source_locale)).into_owned()
    }

    pub fn role(&self, id: &str) -> String {
        self.model
            .role(id)
            .map(|r| self.label(&r.label))
            .unwrap_or_else(|| id.to_string())
    }

    fn decl(&self, list: &[crate::ir::Decl], id: &str) -> String {
        list.iter()
            .find(|d| d.id == id)
            .map(|d| self.label(&d.label))
            .unwrap_or_else(|| id.to_string())
    }

    /// The documentation of a step: who, when, the entry criteria, the
    /// whole checklist and the exit criteria.
    pub fn step_documentation(&self, step: &Step) -> String {
        let w = self.words;
        let m = self.model;
        let mut out = String::new();
        if let Some(owner) = &step.owner {
            out.push_str(&format!("{}: {}\n", w.owner, self.role(owner)));
        }
        if !step.participants.is_empty() {
            let roles: Vec<String> = step.participants.iter().map(|r| self.role(r)).collect();
            out.push_str(&format!("{}: {}\n", w.takes_part, roles.join(", ")));
        }
        if !step.motions.is_empty() {
            let motions: Vec<String> = step
                .motions
                .iter()
                .map(|x| self.decl(&m.motions, x))
                .collect();
            out.push_str(&format!("{}: {}\n", w.motions, motions.join(", ")));
        }
        let applies = match &step.applies {
            crate::ir::Applies::All => w.all_services.to_string(),
            crate::ir::Applies::Services(s) => s
                .iter()
                .map(|x| self.decl(&m.services, x))
                .collect::<Vec<_>>()
                .join(", "),
        };
        out.push_str(&format!("{}: {applies}\n", w.applies_to));
        if !step.after.is_empty() {
            let after: Vec<String> = step
                .after
                .iter()
                .map(|a| m.step(a).map(|s| self.text(&s.title)).unwrap_or(a.clone()))
                .collect();
            out.push_str(&format!("{}: {}\n", w.after, after.join(", ")));
        }
        if let Some(r) = &step.requires {
            out.push_str(&format!("{}: {}\n", w.requires, source(r)));
        }
        if !step.entry.is_empty() {
            out.push_str(&format!("\n{}:\n", w.entry));
            self.gates(&step.entry, &mut out);
        }
        if !step.items.is_empty() {
            out.push_str(&format!("\n{}:\n", w.checklist));
            self.items(&step.items, 0, &mut out);
        }
        if !step.exit.is_empty() {
            out.push_str(&format!("\n{}:\n", w.exit));
            self.gates(&step.exit, &mut out);
        }
        out.trim_end().to_string()
    }

    /// The documentation of a loop: what to do for each value.
    pub fn loop_documentation(&self, var: &str, over: &crate::ir::Expr, items: &[Item]) -> String {
        let var = self.var_words(var);
        let mut out = format!(
            "{}:\n",
            fill(self.words.for_each, &[&var, &self.over_words(over)])
        );
        self.items(items, 0, &mut out);
        out.trim_end().to_string()
    }

    fn gates(&self, gates: &[Gate], out: &mut String) {
        for g in gates {
            let line = match self.model.criterion(&g.criterion) {
                Some(c) => format!(
                    "{} ({})",
                    self.text(&c.text),
                    self.decl(&self.model.notes, &c.note)
                ),
                None => g.criterion.clone(),
            };
            out.push_str(&format!("- {line}"));
            if let Some(when) = &g.when {
                out.push_str(&format!(" — {} {}", self.words.when, source(when)));
            }
            out.push('\n');
        }
    }

    fn items(&self, items: &[Item], depth: usize, out: &mut String) {
        // Nesting is bounded by the parser, so recursion is safe here.
        let w = self.words;
        let indent = "  ".repeat(depth);
        for item in items {
            match item {
                Item::Do(d) => {
                    out.push_str(&format!("{indent}- {}", self.text(&d.text)));
                    if d.optional {
                        out.push_str(&format!(" ({})", w.optional));
                    }
                    out.push('\n');
                    let inner = "  ".repeat(depth + 1);
                    if !d.after.is_empty() {
                        out.push_str(&format!("{inner}{}: {}\n", w.after, d.after.join(", ")));
                    }
                    if let Some(r) = &d.requires {
                        out.push_str(&format!("{inner}{}: {}\n", w.requires, source(r)));
                    }
                    for a in &d.actions {
                        out.push_str(&format!("{inner}→ {}\n", self.action(a)));
                    }
                    self.items(&d.items, depth + 1, out);
                }
                Item::Tip { text, .. } => {
                    out.push_str(&format!("{indent}- {}: {}\n", w.tip, self.text(text)));
                }
                Item::Warning { text, .. } => {
                    out.push_str(&format!("{indent}- {}: {}\n", w.warning, self.text(text)));
                }
                Item::Ask { decision } => {
                    let question = self
                        .model
                        .decisions
                        .iter()
                        .find(|d| &d.id == decision)
                        .map(|d| format!("{} ({decision}: {})", self.text(&d.question), d.ty))
                        .unwrap_or_else(|| decision.clone());
                    out.push_str(&format!("{indent}- {}: {question}\n", w.question));
                }
                Item::If {
                    branches,
                    otherwise,
                } => {
                    for (i, b) in branches.iter().enumerate() {
                        let word = if i == 0 { w.if_ } else { w.else_if };
                        out.push_str(&format!("{indent}- {word} {}:\n", source(&b.when)));
                        self.items(&b.items, depth + 1, out);
                    }
                    if let Some(items) = otherwise {
                        out.push_str(&format!("{indent}- {}:\n", w.else_));
                        self.items(items, depth + 1, out);
                    }
                }
                Item::Match { subject, arms, .. } => {
                    match subject {
                        Some(s) => {
                            out.push_str(&format!("{indent}- {} {}:\n", w.match_, source(s)))
                        }
                        None => out.push_str(&format!("{indent}- {}:\n", w.match_)),
                    }
                    let inner = "  ".repeat(depth + 1);
                    for arm in arms {
                        let patterns = match &arm.patterns {
                            Some(ps) => ps.iter().map(source).collect::<Vec<_>>().join(", "),
                            None => "else".to_string(),
                        };
                        out.push_str(&format!("{inner}- {patterns}:\n"));
                        self.items(&arm.items, depth + 2, out);
                    }
                }
                Item::ForEach {
                    var, over, items, ..
                } => {
                    out.push_str(&format!(
                        "{indent}- {}:\n",
                        fill(w.for_each, &[&self.var_words(var), &self.over_words(over)])
                    ));
                    self.items(items, depth + 1, out);
                }
            }
        }
    }

    fn action(&self, a: &Action) -> String {
        let w = self.words;
        let m = self.model;
        let field = |id: &str| {
            m.fields
                .iter()
                .find(|f| f.id == id)
                .and_then(|f| f.label.as_ref())
                .map(|l| self.label(l))
                .unwrap_or_else(|| id.to_string())
        };
        match a {
            Action::Send { template, to } => {
                let template = m
                    .templates
                    .iter()
                    .find(|t| &t.id == template)
                    .map(|t| match &t.url {
                        Some(url) => format!("{} <{url}>", self.label(&t.label)),
                        None => self.label(&t.label),
                    })
                    .unwrap_or_else(|| template.clone());
                fill(w.send, &[&template, &self.role(to)])
            }
            Action::Set { field: f, value } => fill(w.set, &[&field(f), &source(value)]),
            Action::Request { role, set: None } => fill(w.request, &[&self.role(role)]),
            Action::Request {
                role,
                set: Some(fv),
            } => fill(
                w.request_set,
                &[&self.role(role), &field(&fv.field), &source(&fv.value)],
            ),
            Action::CompleteTask { task } => {
                let name = m
                    .task(*task)
                    .map(|t| self.label(&t.name))
                    .unwrap_or_default();
                fill(w.complete_task, &[&task.to_string(), &name])
            }
            Action::Record { criterion } => {
                let text = m
                    .criterion(criterion)
                    .map(|c| self.text(&c.text))
                    .unwrap_or_else(|| criterion.clone());
                fill(w.record, &[&text])
            }
        }
    }
}
