//! `gate-unsatisfied`: an entry criterion of a step that, on some path
//! reaching the step, no earlier step records (neither as an entry it
//! declares nor on exit). The path and the values that lead there are shown.
//!
//! Why: the step would start without the evidence its gate demands, or
//! never start at all. A criterion a step declares itself (with its text and
//! note) is evidence given when the step starts, and is always met.

use super::{Analysis, At, Outcome, all, negate, undecided};
use crate::diagnostic::Diagnostic;
use crate::registry::Code;

pub fn run(a: &Analysis, out: &mut Vec<Diagnostic>) {
    for (b, step) in a.model.steps.iter().enumerate() {
        for gate in &step.entry {
            let declared_here =
                a.declared_by.get(gate.criterion.as_str()) == Some(&step.id.as_str());
            if declared_here {
                continue;
            }
            let producers = a.producers.get(gate.criterion.as_str());
            let question = all(&[
                a.runs_f(b),
                match &gate.when {
                    Some(w) => a.yes_f(w, At::Before(b)),
                    None => all(&[]),
                },
                negate(&a.recorded_f(&gate.criterion, b, false)),
            ]);
            let sc = match a.decide(&question, true) {
                Outcome::Found(sc) => sc,
                Outcome::Never => continue,
                Outcome::Unknown(reason) => {
                    out.push(undecided(
                        gate.span,
                        &format!(
                            "whether `{}` is recorded before step `{}`",
                            gate.criterion, step.id
                        ),
                        &reason,
                    ));
                    continue;
                }
            };
            let mut d = Diagnostic::new(
                Code::GateUnsatisfied,
                gate.span,
                format!(
                    "entry criterion `{}` of step `{}` is not recorded by an earlier step on the path `{}`",
                    gate.criterion,
                    step.id,
                    sc.witness(a, Some(b)).describe_steps()
                ),
            )
            .label("not recorded before this step")
            .witness(sc.witness(a, Some(b)));
            let help = match producers {
                None => {
                    let ids: Vec<&str> = a.model.criteria.iter().map(|c| c.id.as_str()).collect();
                    match crate::suggest::closest(&gate.criterion, ids.iter().copied()) {
                        Some(s) => {
                            format!("no step records `{}`; did you mean `{s}`?", gate.criterion)
                        }
                        None => format!(
                            "no step records `{}`: declare it here with a text and a note (`entry {} \"...\" in NOTE`), or add an exit criterion to an earlier step",
                            gate.criterion, gate.criterion
                        ),
                    }
                }
                Some(list) => {
                    for (p, _, _) in list {
                        let ps = a.step(*p);
                        d = d.with(
                            ps.span,
                            format!("step `{}` records `{}`", ps.id, gate.criterion),
                        );
                    }
                    match list
                        .iter()
                        .find(|(p, _, _)| !a.is_ancestor(*p, b) && *p != b)
                    {
                        Some((p, _, _)) => format!(
                            "step `{}` records it but does not come before `{}`: add `after {}` to `{}`",
                            a.step(*p).id,
                            step.id,
                            a.step(*p).id,
                            step.id
                        ),
                        None => format!(
                            "record `{}` on this path too, or give the entry criterion a `when` condition that excludes it",
                            gate.criterion
                        ),
                    }
                }
            };
            out.push(d.help(help));
        }
    }
}
