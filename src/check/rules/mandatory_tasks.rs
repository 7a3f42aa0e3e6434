//! `unassigned-mandatory-task`: a mandatory task that no item completes.
//! `mandatory-task-not-on-every-path`: a mandatory task that some path
//! through the process skips; the path is shown.
//!
//! Why: a mandatory task left open blocks the engagement in the tracker; a
//! task completed only in some branches is left open on the others.

use super::{Analysis, Outcome, all, any, negate, undecided};
use crate::diagnostic::Diagnostic;
use crate::ir::{Action, Item};
use crate::registry::Code;
use rustc_hash::FxHashMap;

pub fn run(a: &Analysis, out: &mut Vec<Diagnostic>) {
    // Which items complete each task.
    let mut completing_items: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for (i, p) in a.items.iter().enumerate() {
        if let Item::Do(d) = p.item {
            for action in &d.actions {
                if let Action::CompleteTask { task } = action {
                    completing_items.entry(*task).or_default().push(i);
                }
            }
        }
    }
    for task in a.model.tasks.iter().filter(|t| t.mandatory) {
        let completing = completing_items.remove(&task.number).unwrap_or_default();
        if completing.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::UnassignedMandatoryTask,
                    task.span,
                    format!("mandatory task {} is never completed", task.number),
                )
                .label("no item completes it")
                .help(format!(
                    "add `complete task {}` to the `do` item that finishes it",
                    task.number
                )),
            );
            continue;
        }
        let completed: Vec<_> = completing.iter().map(|i| a.happens_f(*i, true)).collect();
        let question = all(&[a.task_applies_f(task), negate(&any(&completed))]);
        match a.decide(&question, true) {
            Outcome::Never => {}
            Outcome::Found(sc) => {
                let mut d = Diagnostic::new(
                    Code::MandatoryTaskNotOnEveryPath,
                    task.span,
                    format!(
                        "mandatory task {} is not completed when {}",
                        task.number,
                        describe(&sc.values)
                    ),
                )
                .label("skipped on some path")
                .witness(sc.witness(a, None));
                for i in &completing {
                    if let Item::Do(item) = a.items[*i].item {
                        d = d.with(
                            item.span,
                            "completed only here, under conditions that do not always hold",
                        );
                    }
                }
                out.push(d.help(
                    "complete the task on every branch, or move `complete task` out of the condition",
                ));
            }
            Outcome::Unknown(reason) => out.push(undecided(
                task.span,
                &format!("whether task {} is completed on every path", task.number),
                &reason,
            )),
        }
    }
}

pub(super) fn describe(values: &[(String, String)]) -> String {
    if values.is_empty() {
        return "the playbook runs".to_string();
    }
    values
        .iter()
        .map(|(k, v)| format!("`{k}` is {v}"))
        .collect::<Vec<_>>()
        .join(" and ")
}
