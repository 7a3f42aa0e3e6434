//! `ordering-violation`: an item that must wait for another item (`after`)
//! or for evidence (`requires recorded ...`) that, on some path, never comes.
//!
//! Why: "unassign only after the tenant has been moved to a queue" is a rule
//! of the process; on a path where the move is never requested or recorded,
//! the item that waits for it can never be done correctly. The path is shown.

use super::{Analysis, Outcome, all, negate, undecided};
use crate::diagnostic::Diagnostic;
use crate::ir::{ExprKind, Item};
use crate::registry::Code;

pub fn run(a: &Analysis, out: &mut Vec<Diagnostic>) {
    for (index, placed) in a.items.iter().enumerate() {
        let Item::Do(d) = placed.item else { continue };
        for before in &d.after {
            let Some(&j) = a.item_index.get(before.as_str()) else {
                continue;
            };
            let question = all(&[a.happens_f(index, true), negate(&a.happens_f(j, true))]);
            match a.decide(&question, true) {
                Outcome::Never => {}
                Outcome::Found(sc) => out.push(
                    Diagnostic::new(
                        Code::OrderingViolation,
                        d.span,
                        format!(
                            "item `{}` waits for `{before}`, which does not happen when {}",
                            d.id,
                            super::mandatory_tasks::describe(&sc.values)
                        ),
                    )
                    .label(format!("waits for `{before}`"))
                    .witness(sc.witness(a, Some(placed.step)))
                    .help(format!(
                        "make `{before}` happen whenever `{}` does, or put `{}` under the same condition",
                        d.id, d.id
                    )),
                ),
                Outcome::Unknown(reason) => out.push(undecided(d.span, &format!("whether `{before}` happens before `{}`", d.id), &reason)),
            }
        }
        let Some(requires) = &d.requires else {
            continue;
        };
        let mut needed = Vec::new();
        crate::ir::walk_expr(requires, &mut |e| {
            if let ExprKind::Recorded { criterion } = &e.kind {
                needed.push(criterion.as_str());
            }
        });
        for criterion in needed {
            let question = all(&[
                a.happens_f(index, false),
                negate(&a.recorded_f(criterion, placed.step, true)),
            ]);
            match a.decide(&question, true) {
                Outcome::Never => {}
                Outcome::Found(sc) => {
                    let step = a.step(placed.step);
                    let help = if a.producers.contains_key(criterion) {
                        format!(
                            "record `{criterion}` on this path as well, or make `{}` wait only where it is recorded",
                            d.id
                        )
                    } else {
                        let ids: Vec<&str> =
                            a.model.criteria.iter().map(|c| c.id.as_str()).collect();
                        match crate::suggest::closest(criterion, ids.iter().copied()) {
                            Some(s) => {
                                format!("no step records `{criterion}`; did you mean `{s}`?")
                            }
                            None => format!(
                                "no step records `{criterion}`: add an exit criterion `exit {criterion} \"...\" in NOTE` to step `{}` or an earlier step",
                                step.id
                            ),
                        }
                    };
                    out.push(
                        Diagnostic::new(
                            Code::OrderingViolation,
                            d.span,
                            format!(
                                "item `{}` of step `{}` requires `{criterion}` to be recorded first, but it is not on the path `{}`",
                                d.id,
                                step.id,
                                sc.witness(a, Some(placed.step)).describe_steps()
                            ),
                        )
                        .label(format!("waits for `{criterion}`"))
                        .with(requires.span, "required here")
                        .witness(sc.witness(a, Some(placed.step)))
                        .help(help),
                    );
                }
                Outcome::Unknown(reason) => out.push(undecided(
                    d.span,
                    &format!("whether `{criterion}` is recorded before `{}`", d.id),
                    &reason,
                )),
            }
        }
    }
}
