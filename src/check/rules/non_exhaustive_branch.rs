//! `non-exhaustive-branch`: a `match` without `else` that misses a value of
//! its enum or boolean, or whose conditions leave a gap; a witness value is
//! given (`seats = 1000`).
//! `overlapping-branch`: `match` arms that can hold at the same time (the
//! same value twice, or two conditions true at once); a witness is given.
//!
//! Why: a run whose values fall in a gap has no instruction and no value; an
//! overlap means the order of the arms silently decides, which readers of
//! the document cannot see.

use super::{Analysis, At, Outcome, all_exprs, any, at_least_two, negate, undecided};
use crate::diagnostic::{Diagnostic, Fact};
use crate::eval::Value;
use crate::ir::walk_expr;
use crate::ir::{Expr, ExprKind, Item, Type};
use crate::registry::Code;
use crate::source::Span;
use rustc_hash::FxHashMap;

/// A match, expression or statement, reduced to what this rule needs.
struct Match<'m> {
    subject: Option<&'m Expr>,
    /// Patterns of each arm; `None` is `else`.
    arms: Vec<Option<&'m [Expr]>>,
    span: Span,
    /// In a `let` definition, which the playbook's own `requires` may use:
    /// every value counts there, not only those of runs that start.
    in_definition: bool,
}

pub fn run(a: &Analysis, out: &mut Vec<Diagnostic>) {
    let mut matches = Vec::new();
    let definitions: Vec<*const Expr> = a
        .model
        .lets
        .iter()
        .map(|l| &l.value as *const Expr)
        .collect();
    for e in all_exprs(a.model) {
        let in_definition = definitions.contains(&(e as *const Expr));
        walk_expr(e, &mut |e| {
            if let ExprKind::Match { subject, arms } = &e.kind {
                matches.push(Match {
                    subject: subject.as_deref(),
                    arms: arms.iter().map(|a| a.patterns.as_deref()).collect(),
                    span: e.span,
                    in_definition,
                });
            }
        });
    }
    for s in &a.model.steps {
        crate::ir::walk_items(&s.items, &mut |item| {
            if let Item::Match {
                subject,
                arms,
                span,
            } = item
            {
                matches.push(Match {
                    subject: subject.as_ref(),
                    arms: arms.iter().map(|a| a.patterns.as_deref()).collect(),
                    span: *span,
                    in_definition: false,
                });
            }
        });
    }
    for m in &matches {
        match m.subject {
            Some(subject) => by_value(a, m, subject, out),
            None => by_condition(a, m, out),
        }
    }
}

/// The spans of the `match` statements without `else` that leave no value
/// uncovered, proven as [`run`] proves it (a match whose question the
/// solver cannot decide is not among them): the exports make their last
/// arm the default flow. It asks only the exhaustiveness questions, not
/// the overlap ones, nor any other rule's.
pub fn exhaustive_statements(a: &Analysis) -> Vec<Span> {
    let mut out = Vec::new();
    for s in &a.model.steps {
        crate::ir::walk_items(&s.items, &mut |item| {
            let Item::Match {
                subject,
                arms,
                span,
            } = item
            else {
                return;
            };
            let Some(arms) = arms
                .iter()
                .map(|a| a.patterns.as_deref())
                .collect::<Option<Vec<&[Expr]>>>()
            else {
                return;
            };
            let exhaustive = match subject {
                Some(subject) => missing_values(a, &arms, subject).is_some_and(|m| m.is_empty()),
                None => {
                    let holds: Vec<_> = arms
                        .iter()
                        .flat_map(|arm| arm.iter())
                        .map(|c| a.yes_f(c, At::Free))
                        .collect();
                    matches!(a.decide(&negate(&any(&holds)), true), Outcome::Never)
                }
            };
            if exhaustive {
                out.push(*span);
            }
        });
    }
    out
}

/// The values of a boolean or enum `subject` that no arm names, in the
/// order of the type; `None` when an arm is not a literal or the subject
/// has another type (the rule then says nothing).
fn missing_values(a: &Analysis, arms: &[&[Expr]], subject: &Expr) -> Option<Vec<Value>> {
    let all: Vec<Value> = match &subject.ty {
        Type::Bool => vec![Value::Bool(false), Value::Bool(true)],
        Type::Enum(e) => a.enum_values_of(e).into_iter().map(Value::Enum).collect(),
        _ => return None,
    };
    let mut seen: rustc_hash::FxHashSet<Value> = rustc_hash::FxHashSet::default();
    for p in arms.iter().flat_map(|arm| arm.iter()) {
        seen.insert(literal(p)?);
    }
    Some(all.into_iter().filter(|v| !seen.contains(v)).collect())
}

fn literal(e: &Expr) -> Option<Value> {
    match &e.kind {
        ExprKind::EnumValue { value } => Some(Value::Enum(value.clone())),
        ExprKind::Bool { value } => Some(Value::Bool(*value)),
        _ => None,
    }
}

fn by_value(a: &Analysis, m: &Match, subject: &Expr, out: &mut Vec<Diagnostic>) {
    if !matches!(subject.ty, Type::Bool | Type::Enum(_)) {
        return;
    }
    // Each value's first arm, found by lookup: a `match` of 40,000 arms
    // costs 40,000 steps.
    let mut seen: FxHashMap<Value, Span> = FxHashMap::default();
    for arm in m.arms.iter().flatten() {
        for p in arm.iter() {
            let Some(v) = literal(p) else { return };
            if let Some(first) = seen.get(&v) {
                out.push(
                    Diagnostic::new(
                        Code::OverlappingBranch,
                        p.span,
                        format!("`{v}` is matched by two arms"),
                    )
                    .label("second arm for this value")
                    .with(*first, "first arm for it")
                    .help("remove the value from one of the arms"),
                );
            } else {
                seen.insert(v, p.span);
            }
        }
    }
    let Some(arms) = m.arms.iter().copied().collect::<Option<Vec<_>>>() else {
        return;
    };
    let missing: Vec<String> = match missing_values(a, &arms, subject) {
        Some(missing) if !missing.is_empty() => missing.iter().map(Value::to_string).collect(),
        _ => return,
    };
    let subject_text = describe_subject(subject);
    let listed: Vec<String> = missing.iter().map(|v| format!("`{v}`")).collect();
    out.push(
        Diagnostic::new(
            Code::NonExhaustiveBranch,
            m.span,
            format!("this `match` has no arm for {}", listed.join(", ")),
        )
        .label(format!(
            "when {subject_text} is {}, no arm applies",
            missing[0]
        ))
        .with(subject.span, "matched value")
        .help(format!(
            "add an arm for {} or an `else` arm",
            listed.join(", ")
        ))
        .fact(Fact::MissingArms { values: missing }),
    );
}

fn describe_subject(subject: &Expr) -> String {
    match &subject.kind {
        ExprKind::Input { id } | ExprKind::Let { id } | ExprKind::Decision { id } => {
            format!("`{id}`")
        }
        _ => "the value".to_string(),
    }
}

fn by_condition(a: &Analysis, m: &Match, out: &mut Vec<Diagnostic>) {
    let conditions: Vec<&Expr> = m.arms.iter().flatten().flat_map(|arm| arm.iter()).collect();
    let holds: Vec<_> = conditions.iter().map(|c| a.yes_f(c, At::Free)).collect();
    let has_else = m.arms.iter().any(Option::is_none);
    let applicable = !m.in_definition;
    if !has_else {
        match a.decide(&negate(&any(&holds)), applicable) {
            Outcome::Never => {}
            Outcome::Found(sc) => {
                let witness = sc.values_only().describe_values();
                out.push(
                    Diagnostic::new(
                        Code::NonExhaustiveBranch,
                        m.span,
                        format!("no condition of this `match` holds when {witness}"),
                    )
                    .label(format!("gap at {witness}"))
                    .witness(sc.values_only())
                    .help("cover the gap (for example `>=` instead of `>`), or add an `else` arm"),
                );
            }
            Outcome::Unknown(reason) => out.push(undecided(
                m.span,
                "whether the conditions of this `match` cover every case",
                &reason,
            )),
        }
    }
    if conditions.len() < 2 {
        return;
    }
    match a.decide_marked(&at_least_two(&holds), applicable, &holds) {
        Outcome::Never => {}
        Outcome::Found(sc) => {
            let holding: Vec<&&Expr> = conditions
                .iter()
                .enumerate()
                .filter(|(i, _)| sc.holds(*i))
                .map(|(_, c)| c)
                .take(2)
                .collect();
            if holding.len() < 2 {
                return;
            }
            let witness = sc.values_only().describe_values();
            out.push(
                Diagnostic::new(
                    Code::OverlappingBranch,
                    holding[1].span,
                    format!("two conditions of this `match` hold when {witness}"),
                )
                .label("holds too")
                .with(holding[0].span, "holds first")
                .witness(sc.values_only())
                .help("make the conditions exclusive (for example `<` and `>=` on the same bound)"),
            );
        }
        Outcome::Unknown(reason) => out.push(undecided(
            m.span,
            "whether the conditions of this `match` overlap",
            &reason,
        )),
    }
}
