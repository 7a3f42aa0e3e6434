//! Specialisation: the playbook for one customer. Given the values of some
//! run inputs (`region = apj`, `services = {exchange, teams}`), it removes
//! what cannot apply to that customer and simplifies what is decided, by
//! partial evaluation with [`crate::eval`]. Inputs not given stay open, and
//! everything that depends on them stays as it was.
//!
//! The rules, each tested below:
//!
//! - a step or task that `applies to` none of the given `services` goes;
//! - a step whose `requires` is false goes; one whose `requires` is true
//!   loses it; the steps after a removed step wait for what it waited for;
//! - an `if` keeps only the branch the inputs choose, in place of the
//!   `if`; branches that cannot be taken go, and the others stay;
//! - a `match` keeps only the arm the inputs choose, in place of the
//!   `match`; arms whose conditions are false go;
//! - a `for each` over a set that is given (or computed from given inputs)
//!   goes when the set is empty, and otherwise loops over that set written
//!   out; a condition inside it is decided when it is the same for every
//!   value of the loop;
//! - a `do` item whose `requires` is false goes, a gate whose `when` is
//!   false goes, and true conditions are removed;
//! - every other expression is simplified: decided parts become values
//!   (`10% of seats` with 500 seats is `50`);
//! - the criteria and decisions of removed steps go with them, and with
//!   them the gates on those criteria; `recorded` of such a criterion is
//!   false. Actions completing a removed task, and `after` references to
//!   removed items, go too.
//!
//! When the given inputs make the playbook's own `requires` false, the
//! playbook does not apply at all: [`specialise`] says so instead.
//!
//! `today` is never known: specialising is pure and gives the same output
//! on every day.

use crate::eval::{Env, EvalError, Ratio, Value, eval};
use crate::ir::{
    Action, Applies, Arm, Branch, Expr, ExprArm, ExprKind, Gate, Item, Playbook, Type,
};
use std::collections::{BTreeMap, BTreeSet};

/// Values of run inputs, by input id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Given {
    values: BTreeMap<String, Value>,
}

impl Given {
    pub fn new() -> Given {
        Given::default()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Value> {
        self.values.get(id)
    }

    /// Sets `input` to `text` read as a value of the input's declared type.
    pub fn set(&mut self, model: &Playbook, input: &str, text: &str) -> Result<(), InputError> {
        let Some(declared) = model.inputs.iter().find(|i| i.id == input) else {
            return Err(InputError::Unknown {
                name: input.to_string(),
                known: model.inputs.iter().map(|i| i.id.clone()).collect(),
            });
        };
        if self.values.contains_key(input) {
            return Err(InputError::Repeated(input.to_string()));
        }
        let value =
            parse_value(model, &declared.ty, text).map_err(|expected| InputError::Malformed {
                name: input.to_string(),
                value: text.to_string(),
                expected,
            })?;
        self.values.insert(input.to_string(), value);
        Ok(())
    }

    /// Reads `NAME=VALUE` (the form of `--input`).
    pub fn set_assignment(&mut self, model: &Playbook, assignment: &str) -> Result<(), InputError> {
        match assignment.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                self.set(model, name.trim(), value.trim())
            }
            _ => Err(InputError::NotAssignment(assignment.to_string())),
        }
    }
}

/// Why an input value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("`{0}` is not of the form NAME=VALUE; write e.g. `--input region=emea`")]
    NotAssignment(String),
    #[error("the playbook has no input `{name}`; {}", known_inputs(.known))]
    Unknown { name: String, known: Vec<String> },
    #[error("input `{0}` is given twice; give each input once (a set as `a,b`)")]
    Repeated(String),
    #[error("`{value}` is not a value of input `{name}`: write {expected}")]
    Malformed {
        name: String,
        value: String,
        expected: String,
    },
}

fn known_inputs(known: &[String]) -> String {
    if known.is_empty() {
        "it declares none".to_string()
    } else {
        format!("its inputs are {}", ticked(known))
    }
}

fn ticked(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The values of enum `id` (`service` is the enum of declared services).
fn enum_values(model: &Playbook, id: &str) -> Vec<String> {
    if id == "service" && model.enum_decl(id).is_none() {
        return model.services.iter().map(|s| s.id.clone()).collect();
    }
    model
        .enum_decl(id)
        .map(|e| e.values.iter().map(|v| v.id.clone()).collect())
        .unwrap_or_default()
}

/// Reads `text` as a value of type `ty`; on failure, says what to write.
pub fn parse_value(model: &Playbook, ty: &Type, text: &str) -> Result<Value, String> {
    let text = text.trim();
    match ty {
        Type::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("`true` or `false`".to_string()),
        },
        Type::Int => text
            .replace('_', "")
            .parse::<i64>()
            .map(|n| Value::Number(Ratio::int(n)))
            .map_err(|_| "a whole number, such as `1000`".to_string()),
        Type::Percent => parse_hundredths(text.strip_suffix('%').unwrap_or(text))
            .map(|h| Value::Percent(Ratio::from_hundredths_percent(h)))
            .ok_or_else(|| "a percentage with at most two decimals, such as `12.5%`".to_string()),
        Type::Date => text
            .parse::<jiff::civil::Date>()
            .map(Value::Date)
            .map_err(|_| "a date as YEAR-MONTH-DAY, such as `2026-03-31`".to_string()),
        Type::Duration => Err("a duration, which inputs cannot be".to_string()),
        Type::Text => Ok(Value::Text(text.to_string())),
        Type::Enum(e) => {
            let values = enum_values(model, e);
            if values.iter().any(|v| v == text) {
                Ok(Value::Enum(text.to_string()))
            } else {
                Err(format!("one of {}", ticked(&values)))
            }
        }
        Type::Set(e) => {
            let values = enum_values(model, e);
            let mut set = BTreeSet::new();
            for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if !values.iter().any(|v| v == part) {
                    return Err(format!(
                        "values of {} separated by commas (or nothing for none); `{part}` is not one",
                        ticked(&values)
                    ));
                }
                set.insert(part.to_string());
            }
            Ok(Value::Set(set))
        }
    }
}

/// `12.5` as 1250 hundredths of a percent.
fn parse_hundredths(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(fraction)
}

/// The given inputs make the playbook's own `requires` false.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "playbook `{playbook}` does not apply to these inputs: its `requires {condition}` is false"
)]
pub struct DoesNotApply {
    pub playbook: String,
    pub condition: String,
}

/// `model` for the customer `given` describes.
pub fn specialise(model: &Playbook, given: &Given) -> Result<Playbook, DoesNotApply> {
    let mut unrecordable = BTreeSet::new();
    // Removing a step can make a `recorded` false, which can remove further
    // steps: repeat until nothing more goes (at most once per step).
    loop {
        let partial = Partial::new(model, given, unrecordable.clone());
        let removed = partial.removed_steps();
        let now: BTreeSet<String> = model
            .criteria
            .iter()
            .filter(|c| removed.contains(c.step.as_str()))
            .map(|c| c.id.clone())
            .collect();
        if now == unrecordable {
            return partial.build(&removed);
        }
        unrecordable = now;
    }
}

/// Whom a document is for: the customer's name, the inputs given, the
/// date it is prepared on, and the values those inputs decide (the inputs
/// themselves and the definitions computed from them).
#[derive(Debug, Clone)]
pub struct Customer {
    /// The customer's name (`--customer`), when given.
    pub name: Option<String>,
    pub given: Given,
    pub date: jiff::civil::Date,
    values: BTreeMap<String, Value>,
}

impl Customer {
    /// The customer of `given`, for `model` as compiled (before it is
    /// specialised).
    pub fn new(
        model: &Playbook,
        given: Given,
        name: Option<String>,
        date: jiff::civil::Date,
    ) -> Customer {
        let mut values = given.values.clone();
        let partial = Partial::new(model, &given, BTreeSet::new());
        for (id, value) in &partial.lets {
            if let Ok(v) = value {
                values.insert(id.to_string(), v.clone());
            }
        }
        Customer {
            name,
            given,
            date,
            values,
        }
    }

    /// The value of an input or definition, when the given inputs decide it.
    pub fn value(&self, id: &str) -> Option<&Value> {
        self.values.get(id)
    }

    /// `items`, the body of loops whose variables are bound to one value
    /// each (`bound`: variable, value), specialised for that value: a
    /// condition on the variable is decided.
    pub fn bind(&self, model: &Playbook, bound: &[(String, String)], items: &[Item]) -> Vec<Item> {
        let mut partial = Partial::new(model, &self.given, BTreeSet::new());
        for (var, value) in bound {
            partial
                .loops
                .push((var.clone(), Some(BTreeSet::from([value.clone()]))));
        }
        let tasks: BTreeSet<u32> = model.tasks.iter().map(|t| t.number).collect();
        partial.items(items, &tasks, &mut BTreeSet::new())
    }
}

/// The evaluation environment of a partial evaluation.
struct Partial<'m> {
    model: &'m Playbook,
    given: &'m Given,
    /// The value of each definition whose inputs are given.
    lets: BTreeMap<&'m str, Result<Value, EvalError>>,
    /// Criteria no step can record any more.
    unrecordable: BTreeSet<String>,
    /// The services a run covers, when given.
    services: Option<BTreeSet<String>>,
    /// Enclosing loops: variable, and the set it runs over when known.
    loops: Vec<(String, Option<BTreeSet<String>>)>,
    /// The value of each loop variable while one combination is evaluated.
    bound: std::cell::RefCell<Vec<(String, Value)>>,
}

/// At most this many combinations of loop values are tried to decide a
/// condition inside loops; beyond it, the condition stays as written.
const MAX_COMBINATIONS: usize = 256;

impl<'m> Partial<'m> {
    fn new(model: &'m Playbook, given: &'m Given, unrecordable: BTreeSet<String>) -> Partial<'m> {
        let services = model
            .inputs
            .iter()
            .find(|i| i.id == "services" && i.ty == Type::Set("service".to_string()))
            .and_then(|i| match given.get(&i.id) {
                Some(Value::Set(s)) => Some(s.clone()),
                _ => None,
            });
        let mut partial = Partial {
            model,
            given,
            lets: BTreeMap::new(),
            unrecordable,
            services,
            loops: Vec::new(),
            bound: std::cell::RefCell::new(Vec::new()),
        };
        // Definitions in dependency order, each evaluated once.
        for l in model.lets_in_order() {
            let value = eval(&l.value, &partial);
            partial.lets.insert(l.id.as_str(), value);
        }
        partial
    }

    fn applies(&self, applies: &Applies) -> bool {
        match (applies, &self.services) {
            (Applies::Services(list), Some(given)) => list.iter().any(|s| given.contains(s)),
            _ => true,
        }
    }

    /// The value of `e`, when the given inputs decide it: the same on every
    /// combination of the values of the enclosing loops it reads.
    fn value(&self, e: &Expr) -> Option<Value> {
        let mut read = BTreeSet::new();
        crate::ir::walk_expr(e, &mut |e| {
            if let ExprKind::LoopVar { id } = &e.kind {
                read.insert(id.as_str());
            }
        });
        // The innermost loop of each variable read; unknown sets decide nothing.
        let mut domains: Vec<(&str, Vec<&String>)> = Vec::new();
        for var in read {
            let (_, set) = self.loops.iter().rev().find(|(v, _)| v == var)?;
            domains.push((var, set.as_ref()?.iter().collect()));
        }
        let combinations = domains
            .iter()
            .try_fold(1usize, |n, (_, d)| n.checked_mul(d.len()))
            .filter(|n| *n <= MAX_COMBINATIONS)?;
        let mut result: Option<Value> = None;
        for mut n in 0..combinations {
            {
                let mut bound = self.bound.borrow_mut();
                bound.clear();
                for (var, domain) in &domains {
                    bound.push((
                        var.to_string(),
                        Value::Enum(domain[n % domain.len()].clone()),
                    ));
                    n /= domain.len();
                }
            }
            let v = eval(e, self).ok()?;
            match &result {
                Some(r) if *r != v => return None,
                _ => result = Some(v),
            }
        }
        self.bound.borrow_mut().clear();
        result
    }

    /// Whether the condition `e` is decided, and how.
    fn decide(&self, e: &Expr) -> Option<bool> {
        match self.value(e)? {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// `e` with every decided part replaced by its value.
    fn fold(&self, e: &Expr) -> Expr {
        if !is_literal(e)
            && let Some(literal) = self.value(e).and_then(|v| self.literal(&v, e))
        {
            return literal;
        }
        let kind = match &e.kind {
            ExprKind::Binary { op, lhs, rhs } => {
                let (lhs, rhs) = (self.fold(lhs), self.fold(rhs));
                // `true and x` is `x`, `false or x` is `x`.
                let neutral = matches!(op, crate::ir::BinaryOp::And);
                if matches!(op, crate::ir::BinaryOp::And | crate::ir::BinaryOp::Or) {
                    if as_bool_literal(&lhs) == Some(neutral) {
                        return rhs;
                    }
                    if as_bool_literal(&rhs) == Some(neutral) {
                        return lhs;
                    }
                }
                ExprKind::Binary {
                    op: *op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                }
            }
            ExprKind::Not { operand } => ExprKind::Not {
                operand: Box::new(self.fold(operand)),
            },
            ExprKind::Neg { operand } => ExprKind::Neg {
                operand: Box::new(self.fold(operand)),
            },
            ExprKind::PercentOf {
                hundredths,
                operand,
            } => ExprKind::PercentOf {
                hundredths: *hundredths,
                operand: Box::new(self.fold(operand)),
            },
            ExprKind::YearOf { operand } => ExprKind::YearOf {
                operand: Box::new(self.fold(operand)),
            },
            ExprKind::CountOf { operand } => ExprKind::CountOf {
                operand: Box::new(self.fold(operand)),
            },
            ExprKind::DayOf { month, day, year } => ExprKind::DayOf {
                month: *month,
                day: *day,
                year: Box::new(self.fold(year)),
            },
            ExprKind::Match { subject, arms } => return self.fold_match(e, subject, arms),
            other => other.clone(),
        };
        Expr {
            kind,
            ty: e.ty.clone(),
            span: e.span,
        }
    }

    /// A `match` expression: the chosen arm's value when the inputs choose
    /// one, otherwise the arms that can still apply.
    fn fold_match(&self, e: &Expr, subject: &Option<Box<Expr>>, arms: &[ExprArm]) -> Expr {
        let choice = self.choose(
            subject.as_deref(),
            arms.iter().map(|a| a.patterns.as_deref()),
        );
        match choice {
            Choice::Taken(i) => self.fold(&arms[i].value),
            Choice::Open(kept) => Expr {
                kind: ExprKind::Match {
                    subject: subject.as_ref().map(|s| Box::new(self.fold(s))),
                    arms: kept
                        .into_iter()
                        .map(|(i, patterns)| ExprArm {
                            patterns,
                            value: self.fold(&arms[i].value),
                        })
                        .collect(),
                },
                ty: e.ty.clone(),
                span: e.span,
            },
        }
    }

    /// Which arm of a `match` (expression or items) the inputs choose. The
    /// arms are exclusive and cover every case (the checks ensure it), so
    /// when all but one are ruled out, that one is chosen.
    fn choose<'a>(
        &self,
        subject: Option<&Expr>,
        arms: impl Iterator<Item = Option<&'a [Expr]>>,
    ) -> Choice {
        let subject_value = subject.and_then(|s| self.value(s));
        let mut kept = Vec::new();
        for (i, patterns) in arms.enumerate() {
            let Some(patterns) = patterns else {
                kept.push((i, None));
                continue;
            };
            let mut open = Vec::new();
            for p in patterns {
                let holds = match (subject, &subject_value) {
                    (Some(_), Some(s)) => self.value(p).map(|v| &v == s),
                    (Some(_), None) => None,
                    (None, _) => self.decide(p),
                };
                match holds {
                    Some(true) => return Choice::Taken(i),
                    Some(false) => {}
                    None => open.push(match subject {
                        Some(_) => p.clone(),
                        None => self.fold(p),
                    }),
                }
            }
            if !open.is_empty() {
                kept.push((i, Some(open)));
            }
        }
        match kept.as_slice() {
            [(i, _)] => Choice::Taken(*i),
            _ => Choice::Open(kept),
        }
    }

    /// A value as an expression of `like`'s type, when the language can
    /// write it.
    fn literal(&self, v: &Value, like: &Expr) -> Option<Expr> {
        let kind = match v {
            Value::Bool(value) => ExprKind::Bool { value: *value },
            Value::Number(n) => ExprKind::Int { value: n.as_int()? },
            Value::Percent(p) => ExprKind::Percent {
                hundredths: p.checked_mul(Ratio::int(10_000))?.as_int()?,
            },
            Value::Date(value) => ExprKind::Date { value: *value },
            Value::Duration(amount, unit) => ExprKind::Duration {
                amount: *amount,
                unit: *unit,
            },
            Value::Text(value) => ExprKind::Text {
                value: value.clone(),
            },
            Value::Enum(value) => ExprKind::EnumValue {
                value: value.clone(),
            },
            Value::Set(values) => {
                // In the order the enum declares its values.
                let Type::Set(e) = &like.ty else {
                    return None;
                };
                let order = enum_values(self.model, e);
                let mut values: Vec<String> = values.iter().cloned().collect();
                values.sort_by_key(|v| order.iter().position(|o| o == v));
                ExprKind::SetOf { values }
            }
        };
        Some(Expr {
            kind,
            ty: like.ty.clone(),
            span: like.span,
        })
    }

    /// The steps that cannot apply to the customer.
    fn removed_steps(&self) -> BTreeSet<&'m str> {
        self.model
            .steps
            .iter()
            .filter(|s| {
                !self.applies(&s.applies)
                    || s.requires.as_ref().and_then(|r| self.decide(r)) == Some(false)
            })
            .map(|s| s.id.as_str())
            .collect()
    }

    fn build(mut self, removed: &BTreeSet<&str>) -> Result<Playbook, DoesNotApply> {
        let model = self.model;
        let mut out = model.clone();
        if let Some(r) = &model.requires {
            match self.decide(r) {
                Some(false) => {
                    return Err(DoesNotApply {
                        playbook: model.id.clone(),
                        condition: super::expr::show(r),
                    });
                }
                Some(true) => out.requires = None,
                None => out.requires = Some(self.fold(r)),
            }
        }
        for l in &mut out.lets {
            l.value = self.fold(&l.value);
        }
        out.tasks.retain(|t| self.applies(&t.applies));
        let tasks: BTreeSet<u32> = out.tasks.iter().map(|t| t.number).collect();
        out.criteria
            .retain(|c| !self.unrecordable.contains(&c.id) && !removed.contains(c.step.as_str()));
        out.decisions.retain(|d| !removed.contains(d.step.as_str()));
        let criteria: BTreeSet<String> = out.criteria.iter().map(|c| c.id.clone()).collect();
        // What each removed step waited for, so that the steps after it
        // still wait for that.
        let after_of: BTreeMap<&str, &Vec<String>> = model
            .steps
            .iter()
            .map(|s| (s.id.as_str(), &s.after))
            .collect();
        let mut steps = Vec::new();
        for s in &model.steps {
            if removed.contains(s.id.as_str()) {
                continue;
            }
            let mut step = s.clone();
            step.after = inherited_after(&s.after, removed, &after_of);
            step.requires = match &s.requires {
                Some(r) if self.decide(r) == Some(true) => None,
                Some(r) => Some(self.fold(r)),
                None => None,
            };
            step.entry = self.gates(&s.entry, &criteria);
            step.exit = self.gates(&s.exit, &criteria);
            let mut dropped = BTreeSet::new();
            step.items = self.items(&s.items, &tasks, &mut dropped);
            drop_after(&mut step.items, &dropped);
            steps.push(step);
        }
        out.steps = steps;
        Ok(out)
    }

    fn gates(&self, gates: &[Gate], criteria: &BTreeSet<String>) -> Vec<Gate> {
        gates
            .iter()
            .filter(|g| criteria.contains(&g.criterion))
            .filter_map(|g| {
                let when = match &g.when {
                    None => None,
                    Some(w) => match self.decide(w) {
                        Some(false) => return None,
                        Some(true) => None,
                        None => Some(self.fold(w)),
                    },
                };
                Some(Gate {
                    criterion: g.criterion.clone(),
                    after: g.after.clone(),
                    when,
                    span: g.span,
                })
            })
            .collect()
    }

    /// The items that can apply, with chosen branches in place of their
    /// `if` or `match`. Ids of the `do` items removed go into `dropped`.
    fn items(
        &mut self,
        items: &[Item],
        tasks: &BTreeSet<u32>,
        dropped: &mut BTreeSet<String>,
    ) -> Vec<Item> {
        let mut out = Vec::new();
        for item in items {
            match item {
                Item::Do(d) => {
                    let requires = match &d.requires {
                        None => None,
                        Some(r) => match self.decide(r) {
                            Some(false) => {
                                drop_ids(std::slice::from_ref(item), dropped);
                                continue;
                            }
                            Some(true) => None,
                            None => Some(self.fold(r)),
                        },
                    };
                    let mut d = d.clone();
                    d.requires = requires;
                    d.actions = d
                        .actions
                        .iter()
                        .filter(|a| !matches!(a, Action::CompleteTask { task } if !tasks.contains(task)))
                        .map(|a| self.action(a))
                        .collect();
                    d.items = self.items(&d.items, tasks, dropped);
                    out.push(Item::Do(d));
                }
                Item::Tip { .. } | Item::Warning { .. } | Item::Ask { .. } => {
                    out.push(item.clone())
                }
                Item::If {
                    branches,
                    otherwise,
                } => {
                    let mut kept: Vec<Branch> = Vec::new();
                    let mut chosen: Option<&Vec<Item>> = None;
                    let mut decided = false;
                    for (i, b) in branches.iter().enumerate() {
                        match self.decide(&b.when) {
                            Some(false) => drop_ids(&b.items, dropped),
                            Some(true) => {
                                chosen = Some(&b.items);
                                decided = true;
                                // Nothing after a branch that is taken is.
                                for later in &branches[i + 1..] {
                                    drop_ids(&later.items, dropped);
                                }
                                if let Some(o) = otherwise {
                                    drop_ids(o, dropped);
                                }
                                break;
                            }
                            None => kept.push(Branch {
                                when: self.fold(&b.when),
                                items: self.items(&b.items, tasks, dropped),
                            }),
                        }
                    }
                    let rest = if decided { chosen } else { otherwise.as_ref() };
                    if kept.is_empty() {
                        if let Some(items) = rest {
                            out.extend(self.items(items, tasks, dropped));
                        }
                    } else {
                        out.push(Item::If {
                            branches: kept,
                            otherwise: rest.map(|items| self.items(items, tasks, dropped)),
                        });
                    }
                }
                Item::Match {
                    subject,
                    arms,
                    span,
                } => {
                    let choice =
                        self.choose(subject.as_ref(), arms.iter().map(|a| a.patterns.as_deref()));
                    match choice {
                        Choice::Taken(i) => {
                            for (j, arm) in arms.iter().enumerate() {
                                if j != i {
                                    drop_ids(&arm.items, dropped);
                                }
                            }
                            out.extend(self.items(&arms[i].items, tasks, dropped));
                        }
                        Choice::Open(kept) => {
                            let kept_arms: BTreeSet<usize> = kept.iter().map(|(i, _)| *i).collect();
                            for (j, arm) in arms.iter().enumerate() {
                                if !kept_arms.contains(&j) {
                                    drop_ids(&arm.items, dropped);
                                }
                            }
                            let arms = kept
                                .into_iter()
                                .map(|(i, patterns)| Arm {
                                    patterns,
                                    items: self.items(&arms[i].items, tasks, dropped),
                                })
                                .collect();
                            out.push(Item::Match {
                                subject: subject.as_ref().map(|s| self.fold(s)),
                                arms,
                                span: *span,
                            });
                        }
                    }
                }
                Item::ForEach {
                    var,
                    element,
                    over,
                    items,
                } => {
                    let set = match self.value(over) {
                        Some(Value::Set(s)) => Some(s),
                        _ => None,
                    };
                    if set.as_ref().is_some_and(BTreeSet::is_empty) {
                        drop_ids(items, dropped);
                        continue;
                    }
                    self.loops.push((var.clone(), set));
                    let body = self.items(items, tasks, dropped);
                    self.loops.pop();
                    out.push(Item::ForEach {
                        var: var.clone(),
                        element: element.clone(),
                        over: self.fold(over),
                        items: body,
                    });
                }
            }
        }
        out
    }

    fn action(&self, a: &Action) -> Action {
        match a {
            Action::Set { field, value } => Action::Set {
                field: field.clone(),
                value: self.fold(value),
            },
            Action::Request {
                role,
                set: Some(fv),
            } => Action::Request {
                role: role.clone(),
                set: Some(crate::ir::FieldValue {
                    field: fv.field.clone(),
                    value: self.fold(&fv.value),
                }),
            },
            other => other.clone(),
        }
    }
}

impl Env for Partial<'_> {
    fn input(&self, id: &str) -> Option<Value> {
        self.given.get(id).cloned()
    }

    fn let_value(&self, id: &str) -> Result<Value, EvalError> {
        self.lets
            .get(id)
            .cloned()
            .unwrap_or_else(|| Err(EvalError::Unknown(id.to_string())))
    }

    fn decision(&self, _: &str) -> Option<Value> {
        None
    }

    fn loop_var(&self, id: &str) -> Option<Value> {
        self.bound
            .borrow()
            .iter()
            .find(|(v, _)| v == id)
            .map(|(_, value)| value.clone())
    }

    fn recorded(&self, criterion: &str) -> Option<bool> {
        self.unrecordable.contains(criterion).then_some(false)
    }

    fn today(&self) -> Option<jiff::civil::Date> {
        None
    }
}

enum Choice {
    /// This arm, by index.
    Taken(usize),
    /// The arms that can still apply, with the patterns still open (`None`
    /// for `else`).
    Open(Vec<(usize, Option<Vec<Expr>>)>),
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
            | ExprKind::SetOf { .. }
    )
}

fn as_bool_literal(e: &Expr) -> Option<bool> {
    match e.kind {
        ExprKind::Bool { value } => Some(value),
        _ => None,
    }
}

/// The ids of the `do` items among `items`, into `dropped`.
fn drop_ids(items: &[Item], dropped: &mut BTreeSet<String>) {
    crate::ir::walk_items(items, &mut |item| {
        if let Item::Do(d) = item {
            dropped.insert(d.id.clone());
        }
    });
}

/// Removes `after` references to removed items.
fn drop_after(items: &mut [Item], dropped: &BTreeSet<String>) {
    let mut stack: Vec<&mut Item> = items.iter_mut().collect();
    while let Some(item) = stack.pop() {
        match item {
            Item::Do(d) => {
                d.after.retain(|a| !dropped.contains(a));
                stack.extend(d.items.iter_mut());
            }
            Item::If {
                branches,
                otherwise,
            } => {
                for b in branches {
                    stack.extend(b.items.iter_mut());
                }
                if let Some(o) = otherwise {
                    stack.extend(o.iter_mut());
                }
            }
            Item::Match { arms, .. } => {
                for a in arms {
                    stack.extend(a.items.iter_mut());
                }
            }
            Item::ForEach { items, .. } => stack.extend(items.iter_mut()),
            Item::Tip { .. } | Item::Warning { .. } | Item::Ask { .. } => {}
        }
    }
}

/// `after` with each removed step replaced by the steps it waited for.
fn inherited_after(
    after: &[String],
    removed: &BTreeSet<&str>,
    after_of: &BTreeMap<&str, &Vec<String>>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<&str> = after.iter().rev().map(String::as_str).collect();
    while let Some(s) = stack.pop() {
        if !seen.insert(s) {
            continue;
        }
        if removed.contains(s) {
            if let Some(before) = after_of.get(s) {
                stack.extend(before.iter().rev().map(String::as_str));
            }
        } else {
            out.push(s.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Item;

    /// The model of `body` inside a playbook that declares the usual
    /// catalogue: a role, two notes, three services, a region enum, inputs.
    fn model(body: &str) -> Playbook {
        let source = format!(
            r#"playbook p {{
  title "P"
  role fm "FM"
  note n "Note"
  service exchange "Exchange"
  service teams "Teams"
  service intune "Intune"
  enum region "Region" {{ americas apj emea }}
  input region: region "Region"
  input services: set of service "Services"
  input seats: int "Seats"
  input managed: bool "Managed"
  input share: percent "Share"
  input kickoff: date "Kickoff"
  input name: text "Name"
  input tier: one of small | large "Tier"
{body}
}}"#
        );
        let c = crate::compile_str("p.playbook", &source);
        c.model.unwrap_or_else(|| {
            let rendered: Vec<String> = c
                .diagnostics
                .iter()
                .map(|d| d.render(&c.sources, false, 100))
                .collect();
            panic!("does not compile:\n{}", rendered.join("\n"))
        })
    }

    fn given(model: &Playbook, pairs: &[(&str, &str)]) -> Given {
        let mut g = Given::new();
        for (name, value) in pairs {
            g.set(model, name, value).expect("a valid input");
        }
        g
    }

    fn special(body: &str, pairs: &[(&str, &str)]) -> Playbook {
        let m = model(body);
        let g = given(&m, pairs);
        specialise(&m, &g).expect("the playbook applies")
    }

    /// The ids of every `do`, `tip` and `warning` item, depth first.
    fn item_ids(model: &Playbook) -> Vec<String> {
        let mut ids = Vec::new();
        for s in &model.steps {
            crate::ir::walk_items(&s.items, &mut |item| match item {
                Item::Do(d) => ids.push(d.id.clone()),
                Item::Tip { id, .. } | Item::Warning { id, .. } => ids.push(id.clone()),
                _ => {}
            });
        }
        ids
    }

    fn step_ids(model: &Playbook) -> Vec<&str> {
        model.steps.iter().map(|s| s.id.as_str()).collect()
    }

    fn shown(e: &Option<Expr>) -> Option<String> {
        e.as_ref().map(super::super::expr::show)
    }

    const STEPS_BY_SERVICE: &str = r#"
  task 1 "For all" mandatory owner fm applies to all
  task 2 "For Teams" mandatory owner fm applies to teams
  step a "A" {
    owner fm
    applies to exchange
    do a1 "A1."
  }
  step b "B" {
    owner fm
    applies to teams, intune
    after a
    do b1 "B1." { complete task 2 }
  }
  step c "C" {
    owner fm
    after b
    do c1 "C1." { complete task 1 }
  }
"#;

    #[test]
    fn steps_and_tasks_for_other_services_go() {
        let m = special(STEPS_BY_SERVICE, &[("services", "exchange")]);
        assert_eq!(step_ids(&m), ["a", "c"]);
        // C waited for B, which waited for A: C now waits for A.
        assert_eq!(m.steps[1].after, ["a"]);
        assert_eq!(
            m.tasks.iter().map(|t| t.number).collect::<Vec<_>>(),
            [1],
            "task 2 is for Teams only"
        );
        let m = special(STEPS_BY_SERVICE, &[("services", "intune,exchange")]);
        assert_eq!(step_ids(&m), ["a", "b", "c"]);
        assert_eq!(m.tasks.len(), 1);
        // Task 2 is gone, and so is the action completing it.
        let Item::Do(b1) = &m.steps[1].items[0] else {
            panic!("a do item")
        };
        assert!(b1.actions.is_empty(), "{:?}", b1.actions);
        let m = special(STEPS_BY_SERVICE, &[("services", "")]);
        assert_eq!(step_ids(&m), ["c"]);
        assert!(m.steps[0].after.is_empty());
    }

    #[test]
    fn services_not_given_keep_everything() {
        let m = special(STEPS_BY_SERVICE, &[("region", "apj")]);
        assert_eq!(step_ids(&m), ["a", "b", "c"]);
        assert_eq!(m.tasks.len(), 2);
    }

    const GUARDED: &str = r#"
  step big "Big customers" {
    owner fm
    requires seats >= 1000
    do b1 "B1."
    exit big-done "Documented" in n
  }
  step small "Small customers" {
    owner fm
    requires seats < 1000 and managed
    do s1 "S1."
  }
  step after-big "After" {
    owner fm
    requires recorded big-done or managed
    if recorded big-done {
      do a1 "A1."
    }
  }
"#;

    #[test]
    fn step_guards_decide_steps() {
        let m = special(GUARDED, &[("seats", "5000")]);
        assert_eq!(step_ids(&m), ["big", "after-big"]);
        assert_eq!(shown(&m.steps[0].requires), None, "a true guard goes");
        assert_eq!(
            shown(&m.steps[1].requires),
            Some("recorded big-done or managed".to_string())
        );
        // Fewer seats: `big` goes, and with it its evidence, so a guard
        // that needs the evidence is left with what remains open.
        let m = special(GUARDED, &[("seats", "10")]);
        assert_eq!(step_ids(&m), ["small", "after-big"]);
        assert_eq!(shown(&m.steps[0].requires), Some("managed".to_string()));
        assert_eq!(shown(&m.steps[1].requires), Some("managed".to_string()));
        assert!(m.criterion("big-done").is_none());
        assert_eq!(item_ids(&m), ["s1"], "a1 requires evidence no step records");
        // Unmanaged too: nothing is left but the steps' removal.
        let m = special(GUARDED, &[("seats", "10"), ("managed", "false")]);
        assert!(step_ids(&m).is_empty());
        // Nothing decided: nothing changes.
        let m0 = model(GUARDED);
        let m = special(GUARDED, &[("name", "x")]);
        assert_eq!(m, m0);
    }

    const BRANCHES: &str = r#"
  step s "S" {
    owner fm
    do first "First."
    if managed {
      do m1 "Managed."
    } else if seats >= 1000 {
      do big "Big."
    } else {
      do small "Small."
    }
    match region {
      americas => { do am "Americas." }
      apj, emea => { do elsewhere "Elsewhere." }
    }
    match {
      seats >= 1000 => { tip many "Many." }
      else => { tip few "Few." }
    }
  }
"#;

    #[test]
    fn if_keeps_the_branch_taken() {
        let m = special(BRANCHES, &[("managed", "true")]);
        assert_eq!(m.steps[0].items[1], Item::Do(find_do(&m, "m1")));
        let ids = item_ids(&m);
        assert!(ids.contains(&"m1".to_string()));
        assert!(!ids.contains(&"big".to_string()) && !ids.contains(&"small".to_string()));
        // Unmanaged and small: the `else` is taken.
        let m = special(BRANCHES, &[("managed", "false"), ("seats", "10")]);
        let ids = item_ids(&m);
        assert!(ids.contains(&"small".to_string()) && ids.contains(&"few".to_string()));
        assert!(!ids.contains(&"m1".to_string()) && !ids.contains(&"big".to_string()));
    }

    #[test]
    fn if_keeps_the_branches_still_open() {
        // Seats decide the second condition only: the first stays, and the
        // taken second branch becomes the `else`.
        let m = special(BRANCHES, &[("seats", "5000")]);
        let Item::If {
            branches,
            otherwise,
        } = &m.steps[0].items[1]
        else {
            panic!("an if: {:?}", m.steps[0].items[1])
        };
        assert_eq!(branches.len(), 1);
        assert_eq!(super::super::expr::show(&branches[0].when), "managed");
        let otherwise = otherwise.as_ref().expect("an else");
        assert_eq!(otherwise, &vec![Item::Do(find_do(&m, "big"))]);
        assert!(!item_ids(&m).contains(&"small".to_string()));
        assert!(item_ids(&m).contains(&"many".to_string()));
    }

    #[test]
    fn match_keeps_the_arm_chosen() {
        let m = special(BRANCHES, &[("region", "emea")]);
        let ids = item_ids(&m);
        assert!(ids.contains(&"elsewhere".to_string()));
        assert!(!ids.contains(&"am".to_string()));
        // In place of the match: the arm's items, directly in the step.
        assert!(
            m.steps[0]
                .items
                .iter()
                .any(|i| matches!(i, Item::Do(d) if d.id == "elsewhere"))
        );
        // A match without subject: the arm whose condition holds.
        let m = special(BRANCHES, &[("seats", "12")]);
        let ids = item_ids(&m);
        assert!(ids.contains(&"few".to_string()) && !ids.contains(&"many".to_string()));
        // Not given: every arm stays.
        let m = special(BRANCHES, &[("name", "x")]);
        assert_eq!(m, model(BRANCHES));
    }

    const LOOPS: &str = r#"
  step s "S" {
    owner fm
    for each w in services {
      do review "Review {w}." {
        if w == teams {
          do teams-extra "Teams extra."
        }
        if seats > 10 {
          do big-extra "Big extra."
        }
      }
    }
  }
"#;

    #[test]
    fn for_each_over_a_given_set() {
        // Empty: the loop goes.
        let m = special(LOOPS, &[("services", "")]);
        assert!(m.steps[0].items.is_empty());
        // Given: the loop runs over the set written out, and a condition
        // that is the same for every value is decided.
        let m = special(LOOPS, &[("services", "intune,exchange")]);
        let Item::ForEach { over, .. } = &m.steps[0].items[0] else {
            panic!("a for each")
        };
        assert_eq!(super::super::expr::show(over), "{exchange, intune}");
        assert_eq!(item_ids(&m), ["review", "big-extra"]);
        // Teams among others: the condition differs per value and stays.
        let m = special(LOOPS, &[("services", "teams,exchange"), ("seats", "5")]);
        assert_eq!(item_ids(&m), ["review", "teams-extra"]);
        // Not given: the loop and its conditions stay.
        let m = special(LOOPS, &[("seats", "50")]);
        assert_eq!(item_ids(&m), ["review", "teams-extra", "big-extra"]);
    }

    #[test]
    fn items_gates_and_expressions_are_simplified() {
        let body = r#"
  field due: date "Due"
  let quota = 10% of seats
  let enough = share >= 25% and managed
  step s "S" {
    owner fm
    do needs-managed "Managed only." { requires managed }
    do open "Quota {quota}." { requires seats > quota + 5 and name == "x" }
    do set-due "Set the due date." { set due = kickoff + 30 days }
    exit done "Done" in n when enough
    exit large-done "Large" in n when tier == large
  }
"#;
        let m = special(
            body,
            &[
                ("managed", "false"),
                ("seats", "500"),
                ("kickoff", "2026-01-31"),
                ("tier", "small"),
                ("share", "30%"),
            ],
        );
        assert_eq!(item_ids(&m), ["open", "set-due"]);
        assert_eq!(
            shown(&find_do(&m, "open").requires).as_deref(),
            Some(r#"name == "x""#)
        );
        let quota = m.lets.iter().find(|l| l.id == "quota").expect("quota");
        assert_eq!(super::super::expr::show(&quota.value), "50");
        let Action::Set { value, .. } = &find_do(&m, "set-due").actions[0] else {
            panic!("a set action")
        };
        assert_eq!(super::super::expr::show(value), "2026-03-02");
        // `enough` is false (unmanaged): its gate goes; `tier == large` too.
        assert!(m.steps[0].exit.is_empty(), "{:?}", m.steps[0].exit);
        // Only the seats: the rest of the conditions are kept, simplified.
        let m = special(body, &[("seats", "500")]);
        let open = find_do(&m, "open");
        assert_eq!(shown(&open.requires).as_deref(), Some(r#"name == "x""#));
        assert_eq!(item_ids(&m), ["needs-managed", "open", "set-due"]);
        let Action::Set { value, .. } = &find_do(&m, "set-due").actions[0] else {
            panic!("a set action")
        };
        assert_eq!(super::super::expr::show(value), "kickoff + 30 days");
        let gates: Vec<Option<String>> = m.steps[0].exit.iter().map(|g| shown(&g.when)).collect();
        assert_eq!(
            gates,
            [
                Some("enough".to_string()),
                Some("tier == large".to_string())
            ]
        );
    }

    #[test]
    fn a_playbook_whose_requires_fails_does_not_apply() {
        let body = r#"
  requires seats >= 100
  step s "S" { owner fm do x "X." }
"#;
        let m = model(body);
        let err = specialise(&m, &given(&m, &[("seats", "99")])).expect_err("does not apply");
        assert_eq!(err.condition, "seats >= 100");
        assert_eq!(
            err.to_string(),
            "playbook `p` does not apply to these inputs: its `requires seats >= 100` is false"
        );
        let ok = specialise(&m, &given(&m, &[("seats", "100")])).expect("applies");
        assert_eq!(ok.requires, None);
    }

    #[test]
    fn input_values_are_read_by_type() {
        let m = model("");
        let read = |name: &str, text: &str| {
            let ty = &m.inputs.iter().find(|i| i.id == name).expect("input").ty;
            parse_value(&m, ty, text)
        };
        assert_eq!(read("managed", "true"), Ok(Value::Bool(true)));
        assert_eq!(read("seats", "1_000"), Ok(Value::Number(Ratio::int(1000))));
        assert_eq!(
            read("share", "12.5%"),
            Ok(Value::Percent(Ratio::from_hundredths_percent(1250)))
        );
        assert_eq!(
            read("share", "7"),
            Ok(Value::Percent(Ratio::from_hundredths_percent(700)))
        );
        assert_eq!(
            read("kickoff", "2026-02-28"),
            Ok(Value::Date(jiff::civil::date(2026, 2, 28)))
        );
        assert_eq!(read("name", "a=b"), Ok(Value::Text("a=b".to_string())));
        assert_eq!(read("region", "apj"), Ok(Value::Enum("apj".to_string())));
        assert_eq!(read("tier", "large"), Ok(Value::Enum("large".to_string())));
        assert_eq!(
            read("services", "teams, exchange"),
            Ok(Value::Set(["exchange", "teams"].map(String::from).into()))
        );
        assert_eq!(read("services", ""), Ok(Value::Set(BTreeSet::new())));
        // What each refusal asks for.
        assert_eq!(read("managed", "yes"), Err("`true` or `false`".to_string()));
        assert!(read("seats", "1.5").is_err());
        assert!(read("share", "12.345%").is_err());
        assert!(read("kickoff", "2026-02-30").is_err());
        assert_eq!(
            read("region", "asia"),
            Err("one of `americas`, `apj`, `emea`".to_string())
        );
        assert_eq!(
            read("services", "teams,skype"),
            Err("values of `exchange`, `teams`, `intune` separated by commas (or nothing for none); `skype` is not one".to_string())
        );
    }

    #[test]
    fn input_assignments_are_checked() {
        let m = model("");
        let mut g = Given::new();
        assert_eq!(
            g.set_assignment(&m, "region"),
            Err(InputError::NotAssignment("region".to_string()))
        );
        let err = g.set_assignment(&m, "regoin=apj").expect_err("unknown");
        assert!(
            err.to_string()
                .starts_with("the playbook has no input `regoin`; its inputs are `region`, "),
            "{err}"
        );
        g.set_assignment(&m, "region=apj").expect("valid");
        assert_eq!(
            g.set_assignment(&m, "region=emea"),
            Err(InputError::Repeated("region".to_string()))
        );
        assert_eq!(g.get("region"), Some(&Value::Enum("apj".to_string())));
    }

    fn find_do(m: &Playbook, id: &str) -> crate::ir::DoItem {
        let mut found = None;
        for s in &m.steps {
            crate::ir::walk_items(&s.items, &mut |item| {
                if let Item::Do(d) = item
                    && d.id == id
                {
                    found = Some(d.clone());
                }
            });
        }
        found.unwrap_or_else(|| panic!("no item `{id}`"))
    }
}
