//! `task-role-mismatch`: a task completed in a step whose owner and
//! participants do not include the task's role.
//!
//! Why: the tracker assigns the task to its role; if that role takes no part
//! in the step that completes it, the task is closed by someone else or not
//! at all.

use super::Shape;
use crate::diagnostic::Diagnostic;
use crate::ir::{Action, Item};
use crate::registry::Code;

pub fn run(a: &Shape, out: &mut Vec<Diagnostic>) {
    for placed in &a.items {
        let Item::Do(d) = placed.item else { continue };
        let step = a.step(placed.step);
        for action in &d.actions {
            let Action::CompleteTask { task } = action else {
                continue;
            };
            let Some(t) = a.model.task(*task) else {
                continue;
            };
            let Some(role) = &t.owner else { continue };
            let takes_part = step.owner.as_ref() == Some(role) || step.participants.contains(role);
            if !takes_part {
                out.push(
                    Diagnostic::new(
                        Code::TaskRoleMismatch,
                        d.span,
                        format!(
                            "task {task} belongs to role `{role}`, which takes no part in step `{}`",
                            step.id
                        ),
                    )
                    .label(format!("completes task {task}"))
                    .with(t.span, format!("task {task} is for `{role}`"))
                    .help(format!(
                        "add `with {role}` to step `{}`, or give the task the step's owner role",
                        step.id
                    )),
                );
            }
        }
    }
}
