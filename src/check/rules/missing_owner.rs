//! `missing-owner`: a step without an `owner` role.
//!
//! Why: someone must be accountable for every step; a checklist item that
//! belongs to nobody is the first to be skipped.

use super::Shape;
use crate::diagnostic::Diagnostic;
use crate::registry::Code;

pub fn run(a: &Shape, out: &mut Vec<Diagnostic>) {
    for step in &a.model.steps {
        if step.owner.is_none() {
            let roles: Vec<&str> = a.model.roles.iter().map(|r| r.id.as_str()).collect();
            let help = if roles.is_empty() {
                "declare a role with `role ID \"Label\"` and add `owner ID` to the step".to_string()
            } else {
                format!(
                    "add `owner ROLE` to the step; the roles are {}",
                    roles.join(", ")
                )
            };
            out.push(
                Diagnostic::new(
                    Code::MissingOwner,
                    step.span,
                    format!("step `{}` has no owner", step.id),
                )
                .label("no `owner` role")
                .help(help),
            );
        }
    }
}
