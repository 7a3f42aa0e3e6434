//! One file per rule. Each exposes `run(&Analysis, &mut Vec<Diagnostic>)`,
//! or `run(&Shape, ..)` when it reads only the model's structure and never
//! asks the solver: those run on a thread of their own, beside the others.

use super::analysis::{Analysis, Shape};
use super::smt::{At, Outcome, Verdict, all, any, at_least_two, negate};
use crate::diagnostic::Diagnostic;
use crate::registry::Code;
use crate::source::Span;

mod cycle;
mod decision_not_asked;
mod empty_step;
mod gate_unsatisfied;
mod history_out_of_order;
mod invalid_link;
mod mandatory_tasks;
mod missing_metadata;
mod missing_owner;
mod non_exhaustive_branch;
mod ordering_violation;
mod task_role_mismatch;
mod unreachable_step;
mod unused_declaration;

/// The `match` statements the exports may give a default flow.
pub use non_exhaustive_branch::exhaustive_statements;

pub fn run_all(a: &Analysis, out: &mut Vec<Diagnostic>) {
    // The solver lives on this thread (a Z3 context is the thread's own):
    // the rules that ask it run here, the structural rules on a second
    // thread at the same time, in a large playbook. Their diagnostics keep
    // the same order either way.
    let shape = a.shape();
    let (paths, structural) = super::both(
        a.two_threads,
        || {
            let mut paths = Vec::new();
            path_rules(a, &mut paths);
            paths
        },
        || {
            let mut structural = Vec::new();
            structural_rules(shape, &mut structural);
            structural
        },
    );
    out.extend(structural);
    out.extend(paths);
}

/// The rules that read only the model's structure.
fn structural_rules(a: &Shape, out: &mut Vec<Diagnostic>) {
    cycle::run(a, out);
    missing_owner::run(a, out);
    empty_step::run(a, out);
    missing_metadata::run(a, out);
    history_out_of_order::run(a, out);
    invalid_link::run(a, out);
    unused_declaration::run(a, out);
    task_role_mismatch::run(a, out);
}

/// The rules that follow the paths through the playbook with the solver.
fn path_rules(a: &Analysis, out: &mut Vec<Diagnostic>) {
    // The path-sensitive rules assume the steps can be ordered.
    if a.graph.acyclic {
        unreachable_step::run(a, out);
        mandatory_tasks::run(a, out);
        gate_unsatisfied::run(a, out);
        ordering_violation::run(a, out);
        decision_not_asked::run(a, out);
        if let Some(r) = &a.model.requires
            && a.precondition_undecided()
        {
            out.push(
                Diagnostic::new(
                    Code::AnalysisLimit,
                    r.span,
                    format!(
                        "the checks could not use the playbook's `requires`: {}; they consider every input instead",
                        super::smt::NONLINEAR
                    ),
                )
                .label("not used by the checks")
                .help("compare inputs with constants or with each other; a percentage of an input (`10% of seats`) is fine, a product of two inputs is not"),
            );
        }
    }
    non_exhaustive_branch::run(a, out);
}

/// The diagnostic for a question the solver could not decide.
fn undecided(span: Span, what: &str, reason: &str) -> Diagnostic {
    Diagnostic::new(
        Code::AnalysisLimit,
        span,
        format!("the checks could not decide {what}: {reason}"),
    )
    .label("not proven")
    .help("simplify the condition: compare an input with constants rather than multiply or divide two inputs, or split it into smaller definitions")
}

pub(super) use super::analysis::all_exprs;
