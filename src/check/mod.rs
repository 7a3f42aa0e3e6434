//! Completeness checks on the compiled model.
//!
//! Each rule lives in its own file under `rules/`, with a doc comment that
//! says what it reports and why. `check` runs them all over one shared
//! [`Analysis`]: the step graph, every item with the conditions on its way,
//! and the machinery that enumerates scenarios.

mod analysis;
pub mod graph;
mod rules;
mod smt;

pub use analysis::{Analysis, Guard, Loop, MAX_SCENARIOS, Placed, Scenario, Var, walk_expr};
pub use smt::{At, Found, Outcome, solver_stats};

use crate::diagnostic::Diagnostic;
use crate::ir::Playbook;

/// Runs every check over a model.
pub fn check(model: &Playbook) -> Vec<Diagnostic> {
    // A fresh solver context for each model: the solver's models (and so
    // the witnesses) then depend on this playbook alone, not on what the
    // thread checked before.
    z3::with_z3_config(&z3::Config::new(), || {
        let analysis = Analysis::new(model);
        let mut out = Vec::new();
        rules::run_all(&analysis, &mut out);
        out
    })
}

/// `missing-translation` for each locale the project requires that the
/// playbook has no texts in.
pub fn required_locales(model: &Playbook, required: &[String]) -> Vec<Diagnostic> {
    required
        .iter()
        .filter(|l| !model.locales.contains(l))
        .map(|l| {
            Diagnostic::new(
                crate::registry::Code::MissingTranslation,
                model.span,
                format!(
                    "`{}` has no `{l}` translation, which the project requires",
                    model.id
                ),
            )
            .label(format!("no `{l}` texts"))
            .help(format!(
                "add `translation {l} \"{}.{l}.toml\"` and write the catalogue",
                model.id
            ))
        })
        .collect()
}
