//! `missing-metadata`: a playbook without a description, phase, owner,
//! author or revision date.
//!
//! Why: published playbooks carry this header; without it, readers cannot
//! tell whom to ask or how current the process is.

use super::Shape;
use crate::diagnostic::Diagnostic;
use crate::ir::UnitKind;
use crate::registry::Code;

pub fn run(a: &Shape, out: &mut Vec<Diagnostic>) {
    let m = a.model;
    if m.kind != UnitKind::Playbook {
        return;
    }
    let h = &m.header;
    let missing: Vec<(&str, &str)> = [
        (
            h.description.is_none(),
            ("description", "description \"...\""),
        ),
        (h.phase.is_none(), ("phase", "phase ID")),
        (h.owner.is_none(), ("owner", "owner \"alias\"")),
        (h.author.is_none(), ("author", "author \"Name\"")),
        (h.revised.is_none(), ("revised", "revised YYYY-MM-DD")),
    ]
    .into_iter()
    .filter(|(missing, _)| *missing)
    .map(|(_, what)| what)
    .collect();
    if missing.is_empty() {
        return;
    }
    let names: Vec<String> = missing.iter().map(|(n, _)| format!("`{n}`")).collect();
    let shapes: Vec<String> = missing.iter().map(|(_, s)| format!("`{s}`")).collect();
    out.push(
        Diagnostic::new(
            Code::MissingMetadata,
            m.span,
            format!("playbook `{}` has no {}", m.id, names.join(", ")),
        )
        .label("incomplete header")
        .help(format!("add {} to the playbook", shapes.join(", "))),
    );
}
