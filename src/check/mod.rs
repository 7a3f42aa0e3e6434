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
mod smt_state;
mod term;

pub use analysis::{Analysis, Guard, Loop, MAX_SCENARIOS, Placed, Scenario, Var};
pub use rules::exhaustive_statements;
pub use smt::{At, Found, Mode, Outcome, solver_stats};

use crate::diagnostic::Diagnostic;
use crate::ir::Playbook;
use crate::registry::Code;

/// Runs every check over a model.
pub fn check(model: &Playbook) -> Vec<Diagnostic> {
    // First with the thread's shared solver, which costs nothing to set
    // up. Its answers are exact, but its models (so the witnesses) may
    // depend on what the thread solved before. A result without a witness
    // from a model (a clean one, or one decided without the solver) is
    // the same in any context.
    let (quick, modelled) = check_with(model, Mode::Shared);
    if quick.is_empty() || !modelled {
        return quick;
    }
    // Otherwise again in a fresh solver context, whose models, and so the
    // reported witnesses, depend on this playbook alone.
    z3::with_z3_config(&z3::Config::new(), || check_with(model, Mode::Fresh).0)
}

/// The diagnostics, and whether a witness came from a solver's model.
fn check_with(model: &Playbook, mode: Mode) -> (Vec<Diagnostic>, bool) {
    run_rules(Analysis::new(model), mode)
}

/// Every rule over an analysis, with the solver from `mode`.
fn run_rules(mut analysis: Analysis, mode: Mode) -> (Vec<Diagnostic>, bool) {
    analysis.solver_mode = mode;
    let mut out = Vec::new();
    rules::run_all(&analysis, &mut out);
    (out, analysis.modelled())
}

/// `here()` on this thread and `there()` on a second one at the same time
/// when `two_threads`, else one after the other here; a panic in either is
/// the caller's.
fn both<A, B: Send>(
    two_threads: bool,
    here: impl FnOnce() -> A,
    there: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !two_threads {
        return (here(), there());
    }
    std::thread::scope(|s| {
        let there = s.spawn(there);
        let here = here();
        let there = there
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (here, there)
    })
}

/// The codes of the rules that follow the paths through a playbook: they
/// read its steps, items, tasks, conditions and orderings, never its roles.
const PATH_CODES: &[Code] = &[
    Code::Cycle,
    Code::UnreachableStep,
    Code::UnassignedMandatoryTask,
    Code::MandatoryTaskNotOnEveryPath,
    Code::GateUnsatisfied,
    Code::OrderingViolation,
    Code::DecisionNotAsked,
    Code::NonExhaustiveBranch,
    Code::OverlappingBranch,
    Code::AnalysisLimit,
];

/// The diagnostics of the path rules alone, for a model that lacks only
/// role names that named no role (`resolve::Resolved`): what they report
/// does not depend on roles, so it is what the corrected playbook gives
/// them too, and one round of fixes shows both.
pub fn path_checks(model: &Playbook) -> Vec<Diagnostic> {
    let mut out = check(model);
    out.retain(|d| PATH_CODES.contains(&d.code));
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The model of a one-file playbook whose names resolve, before any
    /// check: a fixture whose checks give errors has one too.
    fn resolved(text: &str) -> Option<Playbook> {
        let file = crate::source::FileId(0);
        let mut sources = crate::source::Sources::new();
        sources.add(crate::source::SourceFile::new("fixture.playbook", text));
        let (tree, _) = crate::syntax::parse(file, text);
        let module = crate::resolve::Module {
            tree: std::borrow::Cow::Owned(tree?),
            name: "fixture".to_string(),
        };
        let mut found = Vec::new();
        crate::resolve::resolve(&sources, vec![module], &[], &mut found).model
    }

    /// Every one-file fixture and shipped playbook the resolver accepts
    /// gets the same diagnostics, in the same order, when its rules run on
    /// one thread and on two (`analysis::TWO_THREADS_FROM` picks two only
    /// for large playbooks, which the fixtures are not).
    #[test]
    fn the_checks_give_the_same_diagnostics_on_one_thread_and_on_two() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["tests/fixtures/invalid", "playbooks"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("the folder reads") {
                let path = entry.expect("an entry").path();
                if path.extension().is_some_and(|e| e == "playbook") {
                    files.push(path);
                }
            }
        }
        files.sort();
        let (mut compared, mut codes) = (0, std::collections::BTreeSet::new());
        for path in &files {
            // Some fixtures are not UTF-8 on purpose.
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let Some(model) = resolved(&text) else {
                continue;
            };
            let on = |two_threads| {
                z3::with_z3_config(&z3::Config::new(), || {
                    run_rules(Analysis::with_threads(&model, two_threads), Mode::Fresh).0
                })
            };
            let (one, two) = (on(false), on(true));
            let show = |d: &[Diagnostic]| format!("{d:?}");
            assert_eq!(show(&one), show(&two), "{}", path.display());
            compared += 1;
            codes.extend(two.iter().map(|d| d.code.name()));
        }
        // Both kinds of rule reported something among the fixtures.
        for code in [
            "cycle",
            "empty-step",
            "gate-unsatisfied",
            "non-exhaustive-branch",
        ] {
            assert!(codes.contains(code), "no fixture gave `{code}`: {codes:?}");
        }
        assert!(compared >= 20, "only {compared} fixtures resolved");
    }
}
