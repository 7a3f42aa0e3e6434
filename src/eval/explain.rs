//! Why a condition does not hold, in words: the rule, the values that fail
//! it, and what would satisfy it. What a run's refusals say (`run start`
//! of a playbook whose `requires` fails, a step or item skipped).
//!
//! The explanation follows the expression down: through definitions (by
//! name and label), the arm of a `match` that applies (and why), every
//! alternative of an `or` and every failing part of an `and`, to the
//! comparisons at the bottom, each shown with its operands' values. Where
//! one side of a failing comparison is an input or a decision and the other
//! a value, it says which values of that input would make it hold.

use super::{Env, Value, eval};
use crate::ir::show::show;
use crate::ir::{BinaryOp, Expr, ExprKind, Playbook};
use crate::labels::fill;
use crate::labels::refuse::Refusals;

/// Why a condition is false.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Why {
    /// One line per step of the reasoning, outermost first.
    pub lines: Vec<String>,
    /// What would make it hold, each way in words (`active-users at least
    /// 50`); any one of them suffices. Empty when the inputs and answers it
    /// reads cannot be told apart from the values it compares them with.
    pub fixes: Vec<String>,
}

/// One change of one input or answer: `active-users` `>=` 50.
#[derive(Debug, Clone, PartialEq)]
struct Fix {
    name: String,
    op: BinaryOp,
    value: Value,
}

impl Fix {
    fn text(&self, r: &Refusals) -> String {
        let phrase = match self.op {
            BinaryOp::Ge => r.at_least,
            BinaryOp::Gt => r.more_than,
            BinaryOp::Le => r.at_most,
            BinaryOp::Lt => r.less_than,
            BinaryOp::Ne => r.other_than,
            BinaryOp::In => r.one_of,
            BinaryOp::NotIn => r.none_of,
            _ => r.equal_to,
        };
        fill(phrase, &[&self.name, &self.value.to_string()])
    }

    /// Whether `self` asks no more than `other` (both bounds from below,
    /// or both from above, of the same name): the weaker one suffices.
    fn weaker_than(&self, other: &Fix) -> bool {
        use std::cmp::Ordering::*;
        if self.name != other.name || self.op != other.op {
            return false;
        }
        let order = super::compare(&self.value, &other.value);
        match self.op {
            BinaryOp::Ge | BinaryOp::Gt => matches!(order, Some(Less | Equal)),
            BinaryOp::Le | BinaryOp::Lt => matches!(order, Some(Greater | Equal)),
            _ => order == Some(Equal),
        }
    }
}

/// Ways to make a condition hold: any one of the lists, each list whole.
type Ways = Vec<Vec<Fix>>;

/// Explains why `e` (a condition) does not hold in `env`, in the words of
/// `locale`.
pub fn why_false(model: &Playbook, e: &Expr, env: &dyn Env, locale: &str) -> Why {
    let r = crate::labels::refuse::get(locale);
    let mut why = Why::default();
    let mut ways = Explainer {
        model,
        env,
        locale,
        r,
    }
    .explain(e, true, 0, &mut why);
    // A single change that asks no more than another makes the other moot.
    let singles: Vec<Fix> = ways
        .iter()
        .filter(|w| w.len() == 1)
        .map(|w| w[0].clone())
        .collect();
    ways.retain(|w| !(w.len() == 1 && singles.iter().any(|s| s != &w[0] && s.weaker_than(&w[0]))));
    why.fixes = ways
        .iter()
        .map(|w| w.iter().map(|f| f.text(r)).collect::<Vec<_>>().join(r.and))
        .collect();
    why.fixes.dedup();
    why
}

struct Explainer<'a> {
    model: &'a Playbook,
    env: &'a dyn Env,
    locale: &'a str,
    r: &'static Refusals,
}

/// Definitions are followed this deep, a bound on the text.
const DEPTH: usize = 16;

impl Explainer<'_> {
    fn value(&self, e: &Expr) -> Option<Value> {
        eval(e, self.env).ok()
    }

    /// `name` with its label: `` `usage-milestone` (Active usage milestone reached) ``.
    fn named(&self, id: &str) -> String {
        let label = self
            .model
            .lets
            .iter()
            .find(|l| l.id == id)
            .and_then(|l| l.label.as_ref())
            .or_else(|| {
                self.model
                    .inputs
                    .iter()
                    .find(|i| i.id == id)
                    .and_then(|i| i.label.as_ref())
            });
        match label {
            Some(l) => format!("`{id}` ({})", l.get(self.locale, &self.model.source_locale)),
            None => format!("`{id}`"),
        }
    }

    /// The operand and its value, unless it is a literal: `seats is 500`.
    fn operand(&self, e: &Expr) -> Option<String> {
        if is_literal(e) {
            return None;
        }
        let v = self.value(e)?;
        Some(fill(self.r.is, &[&show(e), &v.to_string()]))
    }

    /// Explains why `e` is not `want`; returns the ways to make it so.
    fn explain(&self, e: &Expr, want: bool, depth: usize, why: &mut Why) -> Ways {
        if depth > DEPTH {
            return Vec::new();
        }
        match &e.kind {
            ExprKind::Not { operand } => self.explain(operand, !want, depth + 1, why),
            ExprKind::Let { id } => {
                let Some(l) = self.model.lets.iter().find(|l| &l.id == id) else {
                    return Vec::new();
                };
                why.lines
                    .push(fill(self.r.is, &[&self.named(id), &(!want).to_string()]));
                self.explain(&l.value, want, depth + 1, why)
            }
            ExprKind::Binary {
                op: op @ (BinaryOp::Or | BinaryOp::And),
                lhs,
                rhs,
            } => {
                // `or` wanted true, or `and` wanted false: every part fails.
                let every = (*op == BinaryOp::Or) == want;
                if every {
                    // Either side made to hold suffices.
                    let mut ways = self.explain(lhs, want, depth + 1, why);
                    ways.extend(self.explain(rhs, want, depth + 1, why));
                    ways
                } else {
                    // Every failing side must be made to hold.
                    let mut ways: Ways = vec![Vec::new()];
                    for side in [lhs, rhs] {
                        if self.value(side) == Some(Value::Bool(!want)) {
                            let side_ways = self.explain(side, want, depth + 1, why);
                            ways = ways
                                .iter()
                                .flat_map(|w| {
                                    side_ways.iter().map(move |s| {
                                        let mut both = w.clone();
                                        both.extend(s.iter().cloned());
                                        both
                                    })
                                })
                                .take(16)
                                .collect();
                        }
                    }
                    ways.retain(|w| !w.is_empty());
                    ways
                }
            }
            ExprKind::Match { subject, arms } => {
                let subject_value = subject.as_deref().and_then(|s| self.value(s));
                for arm in arms {
                    let chosen = match &arm.patterns {
                        None => Some(self.r.no_other_case.to_string()),
                        Some(patterns) => patterns.iter().find_map(|p| {
                            let v = self.value(p)?;
                            match (&subject_value, subject) {
                                (Some(s), Some(subject)) => {
                                    (&v == s).then(|| fill(self.r.is, &[&show(subject), &show(p)]))
                                }
                                _ => (v == Value::Bool(true)).then(|| {
                                    let values: Vec<String> =
                                        operands(p).filter_map(|o| self.operand(o)).collect();
                                    if values.is_empty() {
                                        fill(self.r.holds, &[&show(p)])
                                    } else {
                                        fill(self.r.holds_with, &[&show(p), &values.join(", ")])
                                    }
                                }),
                            }
                        }),
                    };
                    if let Some(reason) = chosen {
                        why.lines
                            .push(fill(self.r.so_the_rule_is, &[&reason, &show(&arm.value)]));
                        return self.explain(&arm.value, want, depth + 1, why);
                    }
                }
                Vec::new()
            }
            ExprKind::Binary { op, lhs, rhs } if is_comparison(*op) => {
                let values: Vec<String> = [lhs, rhs]
                    .into_iter()
                    .filter_map(|o| self.operand(o))
                    .collect();
                let (bare, with) = if want {
                    (self.r.does_not_hold, self.r.does_not_hold_with)
                } else {
                    (self.r.holds, self.r.holds_with)
                };
                if values.is_empty() {
                    why.lines.push(fill(bare, &[&show(e)]));
                } else {
                    why.lines.push(fill(with, &[&show(e), &values.join(", ")]));
                }
                self.fix(*op, lhs, rhs, want)
                    .map(|f| vec![vec![f]])
                    .unwrap_or_default()
            }
            ExprKind::Input { id } | ExprKind::Decision { id } => {
                why.lines
                    .push(fill(self.r.is, &[&self.named(id), &(!want).to_string()]));
                vec![vec![Fix {
                    name: id.clone(),
                    op: BinaryOp::Eq,
                    value: Value::Bool(want),
                }]]
            }
            _ => {
                why.lines.push(fill(
                    self.r.is,
                    &[
                        &format!("`{}`", show(e)),
                        if want { "false" } else { "true" },
                    ],
                ));
                Vec::new()
            }
        }
    }

    /// What value of an input or decision on one side would make the
    /// comparison come out `want`.
    fn fix(&self, op: BinaryOp, lhs: &Expr, rhs: &Expr, want: bool) -> Option<Fix> {
        let op = if want { op } else { negate(op)? };
        let (name, op, bound) = match (&lhs.kind, &rhs.kind) {
            (ExprKind::Input { id } | ExprKind::Decision { id }, _) => (id, op, rhs),
            (_, ExprKind::Input { id } | ExprKind::Decision { id }) => (id, flip(op)?, lhs),
            _ => return None,
        };
        Some(Fix {
            name: name.clone(),
            op,
            value: self.value(bound)?,
        })
    }
}

fn is_comparison(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In
            | BinaryOp::NotIn
            | BinaryOp::Contains
    )
}

/// The comparison that holds exactly when `op` does not.
fn negate(op: BinaryOp) -> Option<BinaryOp> {
    Some(match op {
        BinaryOp::Eq => BinaryOp::Ne,
        BinaryOp::Ne => BinaryOp::Eq,
        BinaryOp::Lt => BinaryOp::Ge,
        BinaryOp::Le => BinaryOp::Gt,
        BinaryOp::Gt => BinaryOp::Le,
        BinaryOp::Ge => BinaryOp::Lt,
        BinaryOp::In => BinaryOp::NotIn,
        BinaryOp::NotIn => BinaryOp::In,
        _ => return None,
    })
}

/// `a OP b` written as `b OP' a`.
fn flip(op: BinaryOp) -> Option<BinaryOp> {
    Some(match op {
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Le => BinaryOp::Ge,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Ge => BinaryOp::Le,
        BinaryOp::Eq | BinaryOp::Ne => op,
        _ => return None,
    })
}

fn is_literal(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Bool { .. }
            | ExprKind::Int { .. }
            | ExprKind::Percent { .. }
            | ExprKind::Date { .. }
            | ExprKind::Duration { .. }
            | ExprKind::Text { .. }
            | ExprKind::EnumValue { .. }
    )
}

/// The operands of a comparison (or the expression itself otherwise).
fn operands(e: &Expr) -> impl Iterator<Item = &Expr> {
    let (a, b) = match &e.kind {
        ExprKind::Binary { op, lhs, rhs } if is_comparison(*op) => (Some(&**lhs), Some(&**rhs)),
        _ => (Some(e), None),
    };
    a.into_iter().chain(b)
}
