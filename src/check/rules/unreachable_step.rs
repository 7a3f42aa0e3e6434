//! `unreachable-step`: a step that no combination of inputs and answers can
//! reach, because its guard never holds or it applies to no service a run
//! can have.
//!
//! Why: a step nobody can reach is dead process text; usually its guard has
//! a typo (`<` for `>`) or contradicts itself.

use super::{Analysis, Verdict, undecided};
use crate::diagnostic::Diagnostic;
use crate::registry::Code;

pub fn run(a: &Analysis, out: &mut Vec<Diagnostic>) {
    for step in 0..a.model.steps.len() {
        let s = a.step(step);
        match a.possible(&a.runs_f(step), true) {
            Verdict::Some => {}
            Verdict::Never => {
                // Evidence the guard asks for that no step records.
                let mut missing = Vec::new();
                if let Some(r) = &s.requires {
                    crate::ir::walk_expr(r, &mut |e| {
                        if let crate::ir::ExprKind::Recorded { criterion } = &e.kind
                            && !a.producers.contains_key(criterion.as_str())
                        {
                            missing.push(criterion.as_str());
                        }
                    });
                }
                let help = match missing.first() {
                    Some(x) => {
                        let ids: Vec<&str> =
                            a.model.criteria.iter().map(|c| c.id.as_str()).collect();
                        match crate::suggest::closest(x, ids.iter().copied()) {
                            Some(y) => format!(
                                "its guard needs `{x}`, which no step records; did you mean `{y}`?"
                            ),
                            None => format!(
                                "its guard needs `{x}`, which no step records: declare it as an exit criterion of an earlier step"
                            ),
                        }
                    }
                    None if s.requires.is_none() => {
                        "it applies to no service a run can have: correct `applies to`".to_string()
                    }
                    None => {
                        "correct the `requires` condition (or `applies to`), or remove the step"
                            .to_string()
                    }
                };
                let span = s.requires.as_ref().map(|r| r.span).unwrap_or(s.span);
                out.push(
                    Diagnostic::new(
                        Code::UnreachableStep,
                        span,
                        format!(
                            "step `{}` can never run: no inputs or answers make its guard hold",
                            s.id
                        ),
                    )
                    .label("never holds")
                    .with(s.span, format!("step `{}`", s.id))
                    .help(help),
                );
            }
            Verdict::Unknown(reason) => out.push(undecided(
                s.span,
                &format!("whether step `{}` can run", s.id),
                &reason,
            )),
        }
    }
}
