//! `empty-step`: a step with no items.
//!
//! Why: a step that asks nothing of anyone is either unfinished or not a
//! step; its checklist would be blank.

use super::Shape;
use crate::diagnostic::Diagnostic;
use crate::registry::Code;

pub fn run(a: &Shape, out: &mut Vec<Diagnostic>) {
    for step in &a.model.steps {
        if step.items.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::EmptyStep,
                    step.span,
                    format!("step `{}` has no items", step.id),
                )
                .label("nothing to do in this step")
                .help("add what the step asks for with `do ID \"text\"`, or remove the step"),
            );
        }
    }
}
