//! `decision-not-asked`: a condition that reads a decision which, on some
//! run, has not been asked when the condition is read: the step that asks
//! it does not run, or skips the `ask`, or the condition is read before the
//! step that asks it (a step's `requires` and the `when` of its entry
//! criteria are read before its own items are). The run is shown.
//!
//! Why: a run cannot go past a condition it cannot compute. It waits for
//! the answer, and when nobody is ever asked the question, it waits
//! forever: `run status` offers nothing to do and the process never ends.

use super::{Analysis, At, Outcome, all, undecided};
use crate::diagnostic::Diagnostic;
use crate::ir::{Expr, GateKind, Item};
use crate::registry::Code;

/// Where a condition is read, and what must hold for it to be read.
struct Reading<'m> {
    expr: &'m Expr,
    step: usize,
    at: At,
    what: String,
}

pub fn run<'m>(a: &Analysis<'m>, out: &mut Vec<Diagnostic>) {
    if a.model.decisions.is_empty() {
        return;
    }
    let lets = a.model.let_reads();
    let mut items_of: Vec<Vec<usize>> = vec![Vec::new(); a.model.steps.len()];
    for (i, p) in a.items.iter().enumerate() {
        items_of[p.step].push(i);
    }
    let reads_decision = |e: &Expr| {
        let mut reads = crate::ir::Reads::default();
        a.model.reads(e, &lets, &mut reads);
        !reads.decisions.is_empty()
    };
    for (s, step) in a.model.steps.iter().enumerate() {
        let mut readings: Vec<(Reading<'m>, crate::check::term::Bool)> = Vec::new();
        if let Some(r) = step.requires.as_ref().filter(|r| reads_decision(r)) {
            readings.push((
                Reading {
                    expr: r,
                    step: s,
                    at: At::Before(s),
                    what: format!("the `requires` of step `{}`", step.id),
                },
                a.applies_f(&step.applies),
            ));
        }
        for (kind, gates) in [(GateKind::Entry, &step.entry), (GateKind::Exit, &step.exit)] {
            for g in gates {
                if let Some(w) = g.when.as_ref().filter(|w| reads_decision(w)) {
                    let at = match kind {
                        GateKind::Entry => At::Before(s),
                        GateKind::Exit => At::During(s),
                    };
                    readings.push((
                        Reading {
                            expr: w,
                            step: s,
                            at,
                            what: format!("the `when` of criterion `{}`", g.criterion),
                        },
                        a.runs_f(s),
                    ));
                }
            }
        }
        for &i in &items_of[s] {
            let placed = &a.items[i];
            // Only conditions outside loops: inside one, a decision is
            // asked per element and read per element.
            if !placed.loops.is_empty() {
                continue;
            }
            let mut push = |e: &'static str, expr: &'m Expr| {
                if !reads_decision(expr) {
                    return;
                }
                let reached = a.happens_f(i, false);
                readings.push((
                    Reading {
                        expr,
                        step: s,
                        at: At::During(s),
                        what: e.to_string(),
                    },
                    reached,
                ))
            };
            match placed.item {
                Item::Do(d) => {
                    if let Some(r) = &d.requires {
                        push("the `requires` of an item", r);
                    }
                }
                Item::If { branches, .. } => {
                    if let Some(b) = branches.first() {
                        push("the condition of an `if`", &b.when);
                    }
                }
                Item::Match {
                    subject: Some(e), ..
                } => push("the value a `match` compares", e),
                Item::ForEach { over, .. } => push("the set a `for each` walks", over),
                _ => {}
            }
        }
        for (reading, reached) in readings {
            let mut reads = crate::ir::Reads::default();
            a.model.reads(reading.expr, &lets, &mut reads);
            if reads.decisions.is_empty() {
                continue;
            }
            let question = all(&[reached, a.waits_f(reading.expr, reading.at)]);
            match a.decide(&question, true) {
                Outcome::Never => {}
                Outcome::Unknown(why) => out.push(undecided(
                    reading.expr.span,
                    &format!("whether {} can always be computed", reading.what),
                    &why,
                )),
                Outcome::Found(found) => {
                    let d = reads
                        .decisions
                        .iter()
                        .find(|d| {
                            let asked = a.asked_f(d, reading.at);
                            asked.as_bool() != Some(true)
                        })
                        .or(reads.decisions.first())
                        .copied()
                        .unwrap_or_default();
                    let asker = a.model.decisions.iter().find(|x| x.id == d);
                    let witness = found.witness(a, Some(reading.step));
                    let help = match asker {
                        Some(x) if x.step == step.id => format!(
                            "`{d}` is asked in this step, after its `requires` and entry criteria are read: ask it in an earlier step, or read it only in the items after the `ask`"
                        ),
                        Some(x) => format!(
                            "ask `{d}` on every run that reaches this condition (step `{}` asks it only on some), or guard the condition so that it reads `{d}` only where it is asked",
                            x.step
                        ),
                        None => format!("ask `{d}` in a step before this one"),
                    };
                    out.push(
                        Diagnostic::new(
                            Code::DecisionNotAsked,
                            reading.expr.span,
                            format!(
                                "{} reads decision `{d}`, which is not asked before it on the path `{}`",
                                reading.what,
                                witness.describe_steps()
                            ),
                        )
                        .label(format!("waits for `{d}` forever"))
                        .witness(witness)
                        .help(help),
                    );
                }
            }
        }
    }
}
