//! Texts as every back end reads them: a template split into literal runs
//! and placeholders ([`segments`]), and what a placeholder names
//! ([`Playbook::named`]). The resolver has checked that every placeholder
//! names something in scope; a back end decides only what to show for it
//! (a label, a run's value, a link) and how to escape it.

use super::{
    Criterion, Decision, Decl, Expr, ExprKind, Field, Input, Item, LText, Let, Playbook, Step, Type,
};
use crate::syntax::placeholders;
use std::borrow::Cow;

/// A piece of a text template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'t> {
    /// Literal text, its doubled braces made single.
    Text(Cow<'t, str>),
    /// A `{name}` placeholder: the name.
    Placeholder(&'t str),
}

/// `template` as literal runs and placeholders, in order. Empty runs are
/// left out.
pub fn segments(template: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = 0;
    for p in placeholders(template) {
        literal(&mut out, &template[rest..p.start]);
        out.push(Segment::Placeholder(&template[p.start + 1..p.end - 1]));
        rest = p.end;
    }
    literal(&mut out, &template[rest..]);
    out
}

fn literal<'t>(out: &mut Vec<Segment<'t>>, text: &'t str) {
    if !text.is_empty() {
        out.push(Segment::Text(unbrace(text)));
    }
}

/// A template's doubled braces as single ones.
pub fn unbrace(s: &str) -> Cow<'_, str> {
    if s.contains("{{") || s.contains("}}") {
        Cow::Owned(s.replace("{{", "{").replace("}}", "}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// What a name in a placeholder stands for.
#[derive(Debug, Clone, Copy)]
pub enum Named<'m> {
    /// A catalogue declaration (role, note, service, template, link, phase,
    /// motion).
    Decl(&'m Decl),
    Field(&'m Field),
    Input(&'m Input),
    Let(&'m Let),
    Decision(&'m Decision),
    Step(&'m Step),
    Criterion(&'m Criterion),
    /// A `do` item, tip or warning with an id: its text.
    Item(&'m LText),
}

impl<'m> Named<'m> {
    /// Whether it is a value known only when the playbook runs (an input,
    /// a definition or a decision's answer).
    pub fn is_value(&self) -> bool {
        matches!(self, Named::Input(_) | Named::Let(_) | Named::Decision(_))
    }

    /// The words that name it where its value is not shown: a label, a
    /// title, a question, a text. Fields, inputs and definitions may have
    /// none.
    pub fn label(&self) -> Option<&'m LText> {
        match *self {
            Named::Decl(d) => Some(&d.label),
            Named::Field(f) => f.label.as_ref(),
            Named::Input(i) => i.label.as_ref(),
            Named::Let(l) => l.label.as_ref(),
            Named::Decision(d) => Some(&d.question),
            Named::Step(s) => Some(&s.title),
            Named::Criterion(c) => Some(&c.text),
            Named::Item(t) => Some(t),
        }
    }

    /// The address a template or link points to.
    pub fn url(&self) -> Option<&'m str> {
        match *self {
            Named::Decl(d) => d.url.as_deref(),
            _ => None,
        }
    }
}

impl Playbook {
    /// The seven declaration tables, in one order: roles, notes, services,
    /// templates, links, phases, motions.
    pub fn decl_tables(&self) -> [&[Decl]; 7] {
        [
            &self.roles,
            &self.notes,
            &self.services,
            &self.templates,
            &self.links,
            &self.phases,
            &self.motions,
        ]
    }

    /// Every catalogue declaration, table by table ([`Playbook::decl_tables`]).
    pub fn decls(&self) -> impl Iterator<Item = &Decl> {
        self.decl_tables().into_iter().flatten()
    }

    /// The declaration `id`, searched in [`Playbook::decl_tables`] order.
    pub fn decl(&self, id: &str) -> Option<&Decl> {
        self.decls().find(|d| d.id == id)
    }

    /// What `name` stands for, by the namespaces a placeholder may use, in
    /// one order: declarations, fields, inputs, definitions, decisions,
    /// steps, criteria, then items. Loop variables are not in the model;
    /// a back end that knows them asks about them first.
    pub fn named(&self, name: &str) -> Option<Named<'_>> {
        if let Some(d) = self.decl(name) {
            return Some(Named::Decl(d));
        }
        let found = None
            .or_else(|| self.fields.iter().find(|f| f.id == name).map(Named::Field))
            .or_else(|| self.inputs.iter().find(|i| i.id == name).map(Named::Input))
            .or_else(|| self.lets.iter().find(|l| l.id == name).map(Named::Let))
            .or_else(|| {
                self.decisions
                    .iter()
                    .find(|d| d.id == name)
                    .map(Named::Decision)
            })
            .or_else(|| self.step(name).map(Named::Step))
            .or_else(|| self.criterion(name).map(Named::Criterion));
        found.or_else(|| self.item_text(name).map(Named::Item))
    }

    /// The text of the item (a `do`, tip or warning) with id `id`.
    fn item_text(&self, id: &str) -> Option<&LText> {
        let step = self.steps.get(*self.positions().items.get(id)?)?;
        let mut found = None;
        super::walk_items(&step.items, &mut |item| {
            if found.is_none() {
                found = match item {
                    Item::Do(d) if d.id == id => Some(&d.text),
                    Item::Tip { id: i, text } | Item::Warning { id: i, text } if i == id => {
                        Some(text)
                    }
                    _ => None,
                };
            }
        });
        found
    }

    /// A label as plain words in `locale`: its own placeholders show their
    /// names (labels do not nest) and its braces are single.
    pub fn label_words(&self, label: &LText, locale: &str) -> String {
        segments(label.get(locale, &self.source_locale))
            .into_iter()
            .map(|s| match s {
                Segment::Text(t) => t,
                Segment::Placeholder(name) => Cow::Borrowed(name),
            })
            .collect()
    }

    /// The words for what a loop walks, where no value is chosen, in
    /// `locale`: the label of its element type (an enum's), `service` (the
    /// caller's word for a service, from its labels) for services, or the
    /// label of the input or definition it walks. `None` when none of them
    /// has words.
    pub fn element_words(
        &self,
        element: &Type,
        over: &Expr,
        locale: &str,
        service: &str,
    ) -> Option<String> {
        if let Type::Enum(e) | Type::Set(e) = element {
            if let Some(label) = self.enum_decl(e).and_then(|d| d.label.as_ref()) {
                return Some(self.label_words(label, locale));
            }
            if e == "service" {
                return Some(service.to_string());
            }
        }
        match &over.kind {
            ExprKind::Input { id } | ExprKind::Let { id } => self
                .named(id)
                .and_then(|n| n.label())
                .map(|l| self.label_words(l, locale)),
            _ => None,
        }
    }

    /// The words the placeholder of loop variable `var` shows where no
    /// value is chosen ([`Playbook::element_words`] of its loop); `None`
    /// when no loop has that variable.
    pub fn loop_var_words(&self, var: &str, locale: &str, service: &str) -> Option<String> {
        let mut found = None;
        for step in &self.steps {
            super::walk_items(&step.items, &mut |item| {
                if let Item::ForEach {
                    var: v,
                    element,
                    over,
                    ..
                } = item
                    && v == var
                    && found.is_none()
                {
                    found = self.element_words(element, over, locale, service);
                }
            });
        }
        found
    }

    /// The plain words a `{name}` placeholder shows in a document in
    /// `locale`: the label of what it names ([`Playbook::label_words`]), or
    /// the name itself (a loop variable, or something without a label).
    pub fn placeholder_words(&self, name: &str, locale: &str) -> String {
        match self.named(name).and_then(|n| n.label()) {
            Some(label) => self.label_words(label, locale),
            None => name.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_templates_into_literal_runs_and_placeholders() {
        assert_eq!(
            segments("Send {welcome} to {{all}} {x-1}"),
            [
                Segment::Text("Send ".into()),
                Segment::Placeholder("welcome"),
                Segment::Text(" to {all} ".into()),
                Segment::Placeholder("x-1"),
            ]
        );
        assert_eq!(segments(""), []);
        assert_eq!(segments("{Not}"), [Segment::Text("{Not}".into())]);
    }
}
