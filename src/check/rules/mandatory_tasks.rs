//! `unassigned-mandatory-task`: a mandatory task that no item completes.
//! `mandatory-task-not-on-every-path`: a mandatory task that some path
//! through the process skips; the path is shown.
//!
//! Why: a mandatory task left open blocks the engagement in the tracker; a
//! task completed only in some branches is left open on the others.

use super::{Analysis, too_many};
use crate::diagnostic::Diagnostic;
use crate::ir::{Action, Applies, Item};
use crate::registry::Code;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

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
        let mut vars = BTreeSet::new();
        for i in &completing {
            a.item_vars(&a.items[*i], &mut vars);
        }
        if let (Applies::Services(_), Some(input)) = (&task.applies, a.services_input) {
            vars.insert(super::super::analysis::Var::Input(input.to_string()));
        }
        let applies =
            |sc: &super::super::analysis::Scenario| match (&task.applies, a.services_input) {
                (Applies::Services(services), Some(input)) => match sc.input_value(input) {
                    Some(crate::eval::Value::Set(chosen)) => {
                        services.iter().any(|s| chosen.contains(s))
                    }
                    _ => true,
                },
                _ => true,
            };
        let found = a.find(&vars, |sc| {
            applies(sc) && !completing.iter().any(|i| sc.happens(&a.items[*i], true))
        });
        match found {
            Ok(None) => {}
            Ok(Some(sc)) => {
                let mut d = Diagnostic::new(
                    Code::MandatoryTaskNotOnEveryPath,
                    task.span,
                    format!(
                        "mandatory task {} is not completed when {}",
                        task.number,
                        describe(&sc.describe())
                    ),
                )
                .label("skipped on some path")
                .witness(sc.witness(None));
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
            Err(limit) => out.push(too_many(
                task.span,
                &format!("whether task {} is completed on every path", task.number),
                limit,
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
