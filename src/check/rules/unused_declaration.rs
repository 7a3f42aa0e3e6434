//! `unused-declaration`: a role, note, template, link, field, input,
//! definition or decision of a playbook that nothing uses.
//!
//! Why: an unused declaration is usually a leftover or a typo's twin; it
//! also shows up in exported documents as if it mattered. Declarations of
//! shared catalogues are used by other playbooks and are not reported.

use super::{Shape, all_exprs};
use crate::diagnostic::Diagnostic;
use crate::ir::{Action, ExprKind, Item, UnitKind};
use crate::registry::Code;
use crate::source::Span;
use rustc_hash::FxHashSet;

pub fn run(a: &Shape, out: &mut Vec<Diagnostic>) {
    let m = a.model;
    if m.kind != UnitKind::Playbook {
        return;
    }
    let mut used: FxHashSet<&str> = FxHashSet::default();
    for s in &m.steps {
        used.extend(s.owner.as_deref());
        used.extend(s.participants.iter().map(String::as_str));
        crate::ir::walk_items(&s.items, &mut |item| {
            if let Item::Do(d) = item {
                for action in &d.actions {
                    match action {
                        Action::Send { template, to } => {
                            used.insert(template);
                            used.insert(to);
                        }
                        Action::Set { field, .. } => {
                            used.insert(field);
                        }
                        Action::Request { role, set } => {
                            used.insert(role);
                            if let Some(fv) = set {
                                used.insert(&fv.field);
                            }
                        }
                        Action::CompleteTask { .. } | Action::Record { .. } => {}
                    }
                }
            }
        });
    }
    used.extend(m.tasks.iter().filter_map(|t| t.owner.as_deref()));
    used.extend(m.criteria.iter().map(|c| c.note.as_str()));
    for e in all_exprs(m) {
        crate::ir::walk_expr(e, &mut |e| match &e.kind {
            ExprKind::Input { id } | ExprKind::Let { id } | ExprKind::Decision { id } => {
                used.insert(id);
            }
            _ => {}
        });
    }
    // Every text is read for placeholders only when a declaration is not
    // used otherwise (rare, and then reported or found here).
    let placeholders = std::cell::OnceCell::new();
    let placeholders = || {
        placeholders.get_or_init(|| {
            let mut found: FxHashSet<String> = FxHashSet::default();
            for t in m.texts() {
                for text in t.text.values() {
                    found.extend(
                        crate::syntax::placeholders(text)
                            .into_iter()
                            .map(|p| p.name),
                    );
                }
            }
            found
        })
    };
    // Applicability reads the services input.
    if let Some(input) = a.services_input
        && m.steps
            .iter()
            .any(|s| matches!(s.applies, crate::ir::Applies::Services(_)))
    {
        used.insert(input);
    }
    let is_used = |id: &str| used.contains(id) || placeholders().contains(id);
    let mut report = |kind: &str, id: &str, span: Span, help: &str| {
        out.push(
            Diagnostic::new(
                Code::UnusedDeclaration,
                span,
                format!("{kind} `{id}` is never used"),
            )
            .label("unused")
            .help(help.to_string()),
        );
    };
    let own = |from: &Option<String>| from.is_none();
    for r in m.roles.iter().filter(|d| own(&d.from)) {
        if !is_used(&r.id) {
            report(
                "role",
                &r.id,
                r.span,
                "make it a step's `owner` or add it to `with`, or remove it",
            );
        }
    }
    for n in m.notes.iter().filter(|d| own(&d.from)) {
        if !is_used(&n.id) {
            report(
                "note",
                &n.id,
                n.span,
                "record a criterion `in` it, or remove it",
            );
        }
    }
    for t in m.templates.iter().filter(|d| own(&d.from)) {
        if !is_used(&t.id) {
            report(
                "template",
                &t.id,
                t.span,
                "`send` it, name it in a text as `{id}`, or remove it",
            );
        }
    }
    for l in m.links.iter().filter(|d| own(&d.from)) {
        if !is_used(&l.id) {
            report(
                "link",
                &l.id,
                l.span,
                "name it in a text as `{id}`, or remove it",
            );
        }
    }
    for f in m.fields.iter().filter(|f| own(&f.from)) {
        if !is_used(&f.id) {
            report("field", &f.id, f.span, "`set` it in an item, or remove it");
        }
    }
    for i in &m.inputs {
        if !is_used(&i.id) {
            report(
                "input",
                &i.id,
                i.span,
                "use it in a condition or a definition, or remove it",
            );
        }
    }
    for l in &m.lets {
        if !is_used(&l.id) {
            report(
                "definition",
                &l.id,
                l.span,
                "use it in a condition or an action, or remove it",
            );
        }
    }
    for d in &m.decisions {
        if !is_used(&d.id) {
            report(
                "decision",
                &d.id,
                d.span,
                "use its answer in a condition (`if`, `match`, `when`), or turn it into a `do` item",
            );
        }
    }
}
