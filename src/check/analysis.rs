//! What the checks reason with: the step graph, where every item stands and
//! under which conditions, and scenarios — assignments of values to the
//! inputs and answers a question depends on.
//!
//! A question ("can this step run?", "is this gate met on every path?") is
//! answered by enumerating scenarios over only the variables it reads. Each
//! variable gets a few representative values: every enum value; for numbers,
//! each constant the playbook compares it with, and its neighbours; for sets,
//! the empty set, each single value and all values. For conditions that
//! compare one variable with constants, these representatives cover every
//! case; for relations between two variables they are a good sample. The
//! number of scenarios a question may take is capped.

use super::graph::StepGraph;
use crate::eval::{self, Env, EvalError, Ratio, Value};
use crate::ir::{self, BinaryOp, Expr, ExprKind, Item, Playbook, Type, walk_expr};
use crate::source::Span;
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

/// From how many steps a playbook is analysed and checked on two threads.
/// Below it a second thread costs more than it saves: checking 1,000 files
/// of 12 steps (one playbook per core already) took 0.80 s with one thread
/// a playbook and 1.06-1.16 s with two; at 10,000 steps the second thread
/// saves about 40 ms of 175 (docs/performance.md).
pub const TWO_THREADS_FROM: usize = 500;

/// The most scenarios one question may enumerate.
pub const MAX_SCENARIOS: usize = 1 << 16;

/// A value that varies between runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    Input(String),
    Decision(String),
}

impl Var {
    pub fn name(&self) -> &str {
        match self {
            Var::Input(n) | Var::Decision(n) => n,
        }
    }
}

/// One condition on the way to an item. Cheap to copy: a branch refers to
/// its `if` or `match` rather than copying the earlier conditions.
#[derive(Debug, Clone, Copy)]
pub enum Guard<'m> {
    /// The condition holds (`requires` of an enclosing item).
    Holds(&'m Expr),
    /// Branch `index` of an `if` chain is taken (`index == branches.len()`
    /// is the `else`): its condition holds and no earlier one does.
    Branch {
        branches: &'m [ir::Branch],
        index: usize,
    },
    /// Arm `index` of a `match` is taken: the subject (if any) matches one of
    /// its patterns (or it is `else`), and no earlier arm matched.
    Arm {
        subject: Option<&'m Expr>,
        arms: &'m [ir::Arm],
        index: usize,
    },
    /// The set a `for each` walks is not empty.
    NonEmpty(&'m Expr),
}

impl<'m> Guard<'m> {
    /// Every expression the guard reads.
    pub fn exprs(&self, out: &mut Vec<&'m Expr>) {
        match *self {
            Guard::Holds(e) | Guard::NonEmpty(e) => out.push(e),
            Guard::Branch { branches, index } => {
                out.extend(branches.iter().take(index + 1).map(|b| &b.when))
            }
            Guard::Arm {
                subject,
                arms,
                index,
            } => {
                out.extend(subject);
                for arm in arms.iter().take(index + 1) {
                    out.extend(arm.patterns.iter().flatten());
                }
            }
        }
    }
}

/// An item, where it stands, and what must hold for it to happen.
#[derive(Debug, Clone)]
pub struct Placed<'m> {
    pub step: usize,
    pub item: &'m Item,
    pub guards: Vec<Guard<'m>>,
    /// The `for each` loops around the item, outermost first: each is the
    /// [`Guard::NonEmpty`] at `guard` in `guards`, with its variable.
    pub loops: Vec<Loop<'m>>,
}

/// A `for each` around an item.
#[derive(Debug, Clone, Copy)]
pub struct Loop<'m> {
    /// Where its [`Guard::NonEmpty`] stands in the item's guards.
    pub guard: usize,
    pub var: &'m str,
    pub element: &'m Type,
    pub over: &'m Expr,
}

impl<'m> Placed<'m> {
    pub fn id(&self) -> Option<&'m str> {
        match self.item {
            Item::Do(d) => Some(&d.id),
            Item::Tip { id, .. } | Item::Warning { id, .. } => Some(id),
            _ => None,
        }
    }
}

/// A step that records a criterion: the step, whether as entry or exit, and
/// the condition under which it does.
pub type Producer<'m> = (usize, ir::GateKind, Option<&'m Expr>);

/// A question could not be answered within [`MAX_SCENARIOS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooMany(pub usize);

/// What every rule reads and none computes with the solver: the model,
/// its step graph and where each item stands. It holds no solver, so it is
/// shared between threads: `check` runs the rules that need only this
/// beside the rules that ask the solver.
pub struct Shape<'m> {
    pub model: &'m Playbook,
    pub graph: StepGraph,
    /// Every item, depth first.
    pub items: Vec<Placed<'m>>,
    pub item_index: FxHashMap<&'m str, usize>,
    /// The input that says which services a run covers, if there is one.
    pub services_input: Option<&'m str>,
}

impl<'m> Shape<'m> {
    pub fn step(&self, index: usize) -> &'m ir::Step {
        &self.model.steps[index]
    }
}

pub struct Analysis<'m> {
    /// The model and its structure; an analysis reads them as its own
    /// fields (`a.model`, `a.graph`) through `Deref`.
    shape: Shape<'m>,
    lets: FxHashMap<&'m str, &'m ir::Let>,
    /// Variables each `let` reads, transitively.
    let_vars: FxHashMap<&'m str, BTreeSet<Var>>,
    domains: FxHashMap<Var, Vec<Value>>,
    /// Steps declaring each criterion (as entry or exit), with the condition.
    pub producers: FxHashMap<&'m str, Vec<Producer<'m>>>,
    /// The step that declares each criterion.
    pub declared_by: FxHashMap<&'m str, &'m str>,
    /// The variables of the playbook's own `requires`.
    precondition_vars: BTreeSet<Var>,
    /// Whether any inputs satisfy the playbook's own `requires`.
    some_run_starts: bool,
    /// Whether a sampled scenario satisfies the playbook's own `requires`
    /// (or it has none): a run that starts, evaluated as a run would.
    pub(super) sampled_start: bool,
    /// Whether the rules run on two threads ([`TWO_THREADS_FROM`]).
    pub(super) two_threads: bool,
    /// The solver and the formulas built so far (`smt.rs`).
    pub(super) smt: std::cell::OnceCell<super::smt_state::Smt<'m>>,
    /// Where the solver comes from; set before the first question.
    pub solver_mode: super::smt_state::Mode,
}

impl<'m> std::ops::Deref for Analysis<'m> {
    type Target = Shape<'m>;

    fn deref(&self) -> &Shape<'m> {
        &self.shape
    }
}

/// The date `today` stands for in analyses.
const ANALYSIS_TODAY: jiff::civil::Date = jiff::civil::Date::constant(2026, 1, 1);

impl<'m> Analysis<'m> {
    pub fn new(model: &'m Playbook) -> Analysis<'m> {
        Analysis::with_threads(model, model.steps.len() >= TWO_THREADS_FROM)
    }

    /// The analysis of `model`, built and later checked on two threads
    /// when `two_threads` says so ([`TWO_THREADS_FROM`]).
    pub(super) fn with_threads(model: &'m Playbook, two_threads: bool) -> Analysis<'m> {
        let place = || {
            let mut items = Vec::new();
            for (step, st) in model.steps.iter().enumerate() {
                place_items(
                    step,
                    &st.items,
                    &mut Vec::new(),
                    &mut Vec::new(),
                    &mut items,
                );
            }
            items
        };
        // The step graph is built on a second thread while this one places
        // the items: the two read the model only.
        let (items, graph) = super::both(two_threads, place, || StepGraph::new(model));
        let item_index = items
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.id().map(|id| (id, i)))
            .collect();
        let lets: FxHashMap<&str, &ir::Let> =
            model.lets.iter().map(|l| (l.id.as_str(), l)).collect();
        let mut let_vars: FxHashMap<&str, BTreeSet<Var>> = FxHashMap::default();
        for l in model.lets_in_order() {
            let id = l.id.as_str();
            let mut vars = BTreeSet::new();
            let mut uses = Vec::new();
            direct_vars(&l.value, &mut vars, &mut uses);
            for u in uses {
                if let Some(v) = let_vars.get(u) {
                    vars.extend(v.iter().cloned());
                }
            }
            let_vars.insert(id, vars);
        }
        let services_input = model
            .inputs
            .iter()
            .find(|i| i.id == "services" && i.ty == Type::Set("service".to_string()))
            .map(|i| i.id.as_str());
        let declared_by: FxHashMap<&str, &str> = model
            .criteria
            .iter()
            .map(|c| (c.id.as_str(), c.step.as_str()))
            .collect();
        let mut producers: FxHashMap<&str, Vec<_>> = FxHashMap::default();
        for (index, step) in model.steps.iter().enumerate() {
            for (kind, gates) in [
                (ir::GateKind::Entry, &step.entry),
                (ir::GateKind::Exit, &step.exit),
            ] {
                for g in gates {
                    let declared_here =
                        declared_by.get(g.criterion.as_str()) == Some(&step.id.as_str());
                    if declared_here || kind == ir::GateKind::Exit {
                        producers.entry(g.criterion.as_str()).or_default().push((
                            index,
                            kind,
                            g.when.as_ref(),
                        ));
                    }
                }
            }
        }
        let mut analysis = Analysis {
            shape: Shape {
                model,
                graph,
                items,
                item_index,
                services_input,
            },
            lets,
            let_vars,
            domains: FxHashMap::default(),
            producers,
            declared_by,
            precondition_vars: BTreeSet::new(),
            some_run_starts: true,
            sampled_start: true,
            two_threads,
            smt: std::cell::OnceCell::new(),
            solver_mode: super::smt_state::Mode::Fresh,
        };
        analysis.domains = analysis.build_domains();
        if let Some(r) = &model.requires {
            let mut vars = BTreeSet::new();
            analysis.vars_of(r, &mut vars);
            let (none, some) = match analysis.find_anywhere(&vars, |sc| sc.holds(r)) {
                Ok(None) => (true, false),
                Ok(Some(_)) => (false, true),
                Err(_) => (false, false),
            };
            analysis.some_run_starts = !none;
            analysis.sampled_start = some;
            analysis.precondition_vars = vars;
        }
        analysis
    }

    /// The part of the analysis that threads may share.
    pub fn shape(&self) -> &Shape<'m> {
        &self.shape
    }

    /// The variables an expression reads, through definitions and through
    /// the steps that record the evidence it asks about (`recorded`).
    pub fn vars_of(&self, e: &Expr, out: &mut BTreeSet<Var>) {
        let mut pending: Vec<&Expr> = vec![e];
        let mut seen_criteria: Vec<&str> = Vec::new();
        while let Some(e) = pending.pop() {
            let mut uses = Vec::new();
            direct_vars(e, out, &mut uses);
            for u in uses {
                if let Some(v) = self.let_vars.get(u) {
                    out.extend(v.iter().cloned());
                }
            }
            walk_expr(e, &mut |e| {
                if let ExprKind::Recorded { criterion } = &e.kind
                    && !seen_criteria.contains(&criterion.as_str())
                {
                    seen_criteria.push(criterion);
                    for (p, _, when) in self.producers.get(criterion.as_str()).into_iter().flatten()
                    {
                        let step = self.step(*p);
                        if let (ir::Applies::Services(_), Some(input)) =
                            (&step.applies, self.services_input)
                        {
                            out.insert(Var::Input(input.to_string()));
                        }
                        pending.extend(step.requires.iter());
                        pending.extend(*when);
                    }
                }
            });
        }
    }

    /// The variables whether a step runs depends on.
    pub fn step_vars(&self, step: usize, out: &mut BTreeSet<Var>) {
        let s = self.step(step);
        if let Some(r) = &s.requires {
            self.vars_of(r, out);
        }
        if let (ir::Applies::Services(_), Some(input)) = (&s.applies, self.services_input) {
            out.insert(Var::Input(input.to_string()));
        }
    }

    /// The variables whether an item happens depends on.
    pub fn item_vars(&self, placed: &Placed, out: &mut BTreeSet<Var>) {
        self.step_vars(placed.step, out);
        let mut exprs = Vec::new();
        for g in &placed.guards {
            g.exprs(&mut exprs);
        }
        if let Item::Do(d) = placed.item
            && let Some(r) = &d.requires
        {
            exprs.push(r);
        }
        for e in exprs {
            self.vars_of(e, out);
        }
    }

    /// Enumerates scenarios over `vars` until `found` says yes. Returns the
    /// first such scenario, `None` when there is none.
    pub fn find(
        &self,
        vars: &BTreeSet<Var>,
        found: impl FnMut(&Scenario) -> bool,
    ) -> Result<Option<Scenario<'_, 'm>>, TooMany> {
        self.search(vars, true, found)
    }

    /// Like [`find`](Self::find), but over every value, including runs the
    /// playbook's own `requires` excludes (for questions about definitions,
    /// which that condition may itself use).
    pub fn find_anywhere(
        &self,
        vars: &BTreeSet<Var>,
        found: impl FnMut(&Scenario) -> bool,
    ) -> Result<Option<Scenario<'_, 'm>>, TooMany> {
        self.search(vars, false, found)
    }

    fn search(
        &self,
        vars: &BTreeSet<Var>,
        only_applicable: bool,
        mut found: impl FnMut(&Scenario) -> bool,
    ) -> Result<Option<Scenario<'_, 'm>>, TooMany> {
        // Only runs the playbook applies to count. When the question reads
        // none of the variables of the playbook's `requires`, the two are
        // independent: it is enough that some run starts at all.
        let mut vars = vars.clone();
        let mut precondition = self.model.requires.as_ref().filter(|_| only_applicable);
        if precondition.is_some() {
            if vars.is_disjoint(&self.precondition_vars) {
                if !self.some_run_starts {
                    return Ok(None);
                }
                precondition = None;
            } else {
                vars.extend(self.precondition_vars.iter().cloned());
            }
        }
        let vars: Vec<&Var> = vars.iter().collect();
        let domains: Vec<&[Value]> = vars
            .iter()
            .map(|v| self.domains.get(*v).map(Vec::as_slice).unwrap_or(&[]))
            .collect();
        let mut total: usize = 1;
        for d in &domains {
            total = total.saturating_mul(d.len().max(1));
        }
        if total > MAX_SCENARIOS {
            return Err(TooMany(total));
        }
        let mut odometer = vec![0usize; vars.len()];
        loop {
            let values = vars
                .iter()
                .zip(&odometer)
                .zip(&domains)
                .filter(|((_, _), d)| !d.is_empty())
                .map(|((v, i), d)| ((*v).clone(), d[*i].clone()))
                .collect();
            let scenario = Scenario::new(self, values);
            let applies = precondition.is_none_or(|r| scenario.holds(r));
            if applies && found(&scenario) {
                return Ok(Some(scenario));
            }
            // Advance the odometer.
            let mut position = 0;
            loop {
                if position == odometer.len() {
                    return Ok(None);
                }
                odometer[position] += 1;
                if odometer[position] < domains[position].len().max(1) {
                    break;
                }
                odometer[position] = 0;
                position += 1;
            }
        }
    }

    fn build_domains(&self) -> FxHashMap<Var, Vec<Value>> {
        let mut constants: FxHashMap<Var, Vec<Value>> = FxHashMap::default();
        for e in all_exprs(self.model) {
            walk_expr(e, &mut |e| collect_constants(e, &mut constants));
        }
        let mut domains = FxHashMap::default();
        for input in &self.model.inputs {
            let var = Var::Input(input.id.clone());
            let values = self.domain(&input.ty, constants.get(&var));
            domains.insert(var, values);
        }
        for d in &self.model.decisions {
            let var = Var::Decision(d.id.clone());
            let values = self.domain(&d.ty, constants.get(&var));
            domains.insert(var, values);
        }
        domains
    }

    /// The values of an enum (or of `service`).
    pub fn enum_values_of(&self, id: &str) -> Vec<String> {
        self.enum_values(id)
    }

    fn enum_values(&self, id: &str) -> Vec<String> {
        if id == "service" {
            return self.model.services.iter().map(|s| s.id.clone()).collect();
        }
        self.model
            .enum_decl(id)
            .map(|e| e.values.iter().map(|v| v.id.clone()).collect())
            .unwrap_or_default()
    }

    /// Representative values of a type, boundary values first.
    fn domain(&self, ty: &Type, constants: Option<&Vec<Value>>) -> Vec<Value> {
        let constants = constants.map(Vec::as_slice).unwrap_or(&[]);
        // Kept in first-seen order; `seen` makes each push O(1), so an
        // enum of 40,000 values costs 40,000 steps, not their square.
        let mut out: Vec<Value> = Vec::new();
        let mut seen: FxHashSet<Value> = FxHashSet::default();
        let mut push = |v: Value| {
            if seen.insert(v.clone()) {
                out.push(v);
            }
        };
        match ty {
            Type::Bool => {
                push(Value::Bool(false));
                push(Value::Bool(true));
            }
            Type::Enum(e) => self
                .enum_values(e)
                .into_iter()
                .for_each(|v| push(Value::Enum(v))),
            Type::Set(e) => {
                let values = self.enum_values(e);
                push(Value::Set(BTreeSet::new()));
                for v in &values {
                    push(Value::Set(BTreeSet::from([v.clone()])));
                }
                push(Value::Set(values.into_iter().collect()));
            }
            Type::Int | Type::Percent => {
                let wrap = |r: Ratio| {
                    if *ty == Type::Int {
                        Value::Number(r)
                    } else {
                        Value::Percent(r)
                    }
                };
                let step = if *ty == Type::Int {
                    Ratio::int(1)
                } else {
                    Ratio::from_hundredths_percent(1)
                };
                for c in constants {
                    if let Value::Number(n) | Value::Percent(n) = c {
                        push(wrap(*n));
                        if let Some(below) = n.checked_sub(step) {
                            push(wrap(below));
                        }
                        if let Some(above) = n.checked_add(step) {
                            push(wrap(above));
                        }
                    }
                }
                push(wrap(Ratio::int(0)));
            }
            Type::Date => {
                for c in constants {
                    if let Value::Date(d) = c {
                        push(Value::Date(*d));
                        if let Ok(b) = d.yesterday() {
                            push(Value::Date(b));
                        }
                        if let Ok(a) = d.tomorrow() {
                            push(Value::Date(a));
                        }
                    }
                }
                push(Value::Date(ANALYSIS_TODAY));
            }
            Type::Text => {
                for c in constants {
                    push(c.clone());
                }
                push(Value::Text(String::new()));
            }
            Type::Duration => push(Value::Duration(0, ir::DurationUnit::Days)),
        }
        out
    }

    /// The steps whose completion must come before `step` (its ancestors).
    pub fn is_ancestor(&self, ancestor: usize, step: usize) -> bool {
        self.graph.reaches(ancestor, step)
    }
}

/// Values of one scenario, and everything computed from them.
pub struct Scenario<'a, 'm> {
    analysis: &'a Analysis<'m>,
    pub values: Vec<(Var, Value)>,
    lets: RefCell<FxHashMap<&'m str, Result<Value, EvalError>>>,
    /// The loop variable bound while evaluating inside a `for each`.
    loop_value: Option<(String, Value)>,
    /// Where `recorded X` is being asked: a step, and whether evidence
    /// recorded during that step counts.
    at: Cell<Option<(usize, bool)>>,
    /// How deep `recorded` questions are nested (each asks whether earlier
    /// steps run, whose guards may ask again).
    depth: Cell<usize>,
}

/// How deeply `recorded` questions may nest before the answer is unknown.
const MAX_RECORDED_DEPTH: usize = 32;

impl<'a, 'm> Scenario<'a, 'm> {
    fn new(analysis: &'a Analysis<'m>, values: Vec<(Var, Value)>) -> Scenario<'a, 'm> {
        Scenario {
            analysis,
            values,
            lets: RefCell::new(FxHashMap::default()),
            loop_value: None,
            at: Cell::new(None),
            depth: Cell::new(0),
        }
    }

    /// Evaluates definition `id` and those it needs, dependencies first and
    /// without recursion, remembering every value.
    fn ensure_let(&self, id: &str) {
        if self.lets.borrow().contains_key(id) {
            return;
        }
        let Some((&key, _)) = self.analysis.lets.get_key_value(id) else {
            return;
        };
        // Post-order walk over the dependencies not evaluated yet.
        let mut stack: Vec<(&'m str, bool)> = vec![(key, false)];
        while let Some((id, expanded)) = stack.pop() {
            if self.lets.borrow().contains_key(id) {
                continue;
            }
            let Some(l) = self.analysis.lets.get(id) else {
                continue;
            };
            if expanded {
                let value = eval::eval(&l.value, self);
                self.lets.borrow_mut().insert(id, value);
                continue;
            }
            stack.push((id, true));
            let mut deps = Vec::new();
            let mut vars = BTreeSet::new();
            direct_vars(&l.value, &mut vars, &mut deps);
            let has_all = vars.iter().all(|v| self.values.iter().any(|(w, _)| w == v));
            if !has_all {
                // Not all its variables are set in this scenario: unknown.
                stack.pop();
                self.lets
                    .borrow_mut()
                    .insert(id, Err(EvalError::Unknown(id.to_string())));
                continue;
            }
            for d in deps {
                if !self.lets.borrow().contains_key(d) {
                    stack.push((d, false));
                }
            }
        }
    }

    /// The value an input has in this scenario.
    pub fn input_value(&self, id: &str) -> Option<Value> {
        Env::input(self, id)
    }

    /// Evaluates a condition; unknown counts as false.
    pub fn holds(&self, e: &Expr) -> bool {
        matches!(eval::eval(e, self), Ok(Value::Bool(true)))
    }

    /// Evaluates a condition as asked at `step` (for `recorded`).
    fn holds_at(&self, e: &Expr, step: usize, during: bool) -> bool {
        let saved = self.at.replace(Some((step, during)));
        let result = self.holds(e);
        self.at.set(saved);
        result
    }

    pub fn value(&self, e: &Expr) -> Option<Value> {
        eval::eval(e, self).ok()
    }

    /// Whether the step runs: it applies to the run's services and its
    /// guard holds.
    pub fn runs(&self, step: usize) -> bool {
        let s = self.analysis.step(step);
        let applies = match (&s.applies, self.analysis.services_input) {
            (ir::Applies::Services(services), Some(input)) => {
                match self
                    .values
                    .iter()
                    .find(|(v, _)| v == &Var::Input(input.to_string()))
                {
                    Some((_, Value::Set(chosen))) => services.iter().any(|s| chosen.contains(s)),
                    _ => true,
                }
            }
            _ => true,
        };
        applies
            && s.requires
                .as_ref()
                .is_none_or(|r| self.holds_at(r, step, false))
    }

    /// Whether an item happens (its step runs and every condition on the
    /// way to it holds), leaving out the item's own `requires` when asked.
    pub fn happens(&self, placed: &Placed, with_requires: bool) -> bool {
        if !self.runs(placed.step) {
            return false;
        }
        let saved = self.at.replace(Some((placed.step, true)));
        let result = self.guards_hold(placed, with_requires);
        self.at.set(saved);
        result
    }

    fn guards_hold(&self, placed: &Placed, with_requires: bool) -> bool {
        for g in &placed.guards {
            let ok = match *g {
                Guard::Holds(e) => self.holds(e),
                Guard::NonEmpty(e) => {
                    matches!(self.value(e), Some(Value::Set(s)) if !s.is_empty())
                }
                Guard::Branch { branches, index } => {
                    !branches[..index].iter().any(|b| self.holds(&b.when))
                        && branches.get(index).is_none_or(|b| self.holds(&b.when))
                }
                Guard::Arm {
                    subject,
                    arms,
                    index,
                } => {
                    let subject_value = subject.map(|s| self.value(s));
                    let matches = |arm: &ir::Arm| match &arm.patterns {
                        None => true,
                        Some(ps) => match &subject_value {
                            Some(v) => ps.iter().any(|p| v.is_some() && &self.value(p) == v),
                            None => ps.iter().any(|p| self.holds(p)),
                        },
                    };
                    !arms[..index]
                        .iter()
                        .any(|a| a.patterns.is_some() && matches(a))
                        && matches(&arms[index])
                }
            };
            if !ok {
                return false;
            }
        }
        if with_requires
            && let Item::Do(d) = placed.item
            && let Some(r) = &d.requires
        {
            return self.holds(r);
        }
        true
    }

    /// Whether evidence `criterion` is recorded before `step` starts (by an
    /// earlier step), or, with `during`, by the end of `step` itself.
    pub fn recorded_before(&self, criterion: &str, step: usize, during: bool) -> bool {
        let Some(producers) = self.analysis.producers.get(criterion) else {
            return false;
        };
        if self.depth.get() >= MAX_RECORDED_DEPTH {
            return false;
        }
        self.depth.set(self.depth.get() + 1);
        let found = producers.iter().any(|(p, kind, when)| {
            let in_time = if *p == step {
                during || *kind == ir::GateKind::Entry
            } else {
                self.analysis.is_ancestor(*p, step)
            };
            in_time && self.runs(*p) && when.is_none_or(|w| self.holds_at(w, *p, true))
        });
        self.depth.set(self.depth.get() - 1);
        found
    }

    /// The values of the variables, for a witness.
    pub fn describe(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .map(|(v, value)| (v.name().to_string(), value.to_string()))
            .collect()
    }

    /// The steps that run in this scenario, in order.
    pub fn path(&self) -> Vec<(String, Span)> {
        self.analysis
            .graph
            .order()
            .iter()
            .filter(|s| self.runs(**s))
            .map(|s| {
                let step = self.analysis.step(*s);
                (step.id.clone(), step.span)
            })
            .collect()
    }

    /// A witness over this scenario, with the path up to and including `until`.
    pub fn witness(&self, until: Option<usize>) -> crate::diagnostic::Witness {
        let mut steps = self.path();
        if let Some(until) = until {
            let id = &self.analysis.step(until).id;
            if let Some(end) = steps.iter().position(|(s, _)| s == id) {
                steps.truncate(end + 1);
            } else {
                steps.push((id.clone(), self.analysis.step(until).span));
            }
        }
        crate::diagnostic::Witness {
            values: self.describe(),
            steps,
            run: self.describe(),
        }
    }
}

impl Env for Scenario<'_, '_> {
    fn input(&self, id: &str) -> Option<Value> {
        self.values
            .iter()
            .find(|(v, _)| matches!(v, Var::Input(n) if n == id))
            .map(|(_, value)| value.clone())
    }

    fn let_value(&self, id: &str) -> Result<Value, EvalError> {
        self.ensure_let(id);
        self.lets
            .borrow()
            .get(id)
            .cloned()
            .unwrap_or_else(|| Err(EvalError::Unknown(id.to_string())))
    }

    fn decision(&self, id: &str) -> Option<Value> {
        self.values
            .iter()
            .find(|(v, _)| matches!(v, Var::Decision(n) if n == id))
            .map(|(_, value)| value.clone())
    }

    fn loop_var(&self, id: &str) -> Option<Value> {
        self.loop_value
            .as_ref()
            .filter(|(n, _)| n == id)
            .map(|(_, v)| v.clone())
    }

    fn recorded(&self, criterion: &str) -> Option<bool> {
        let (step, during) = self.at.get()?;
        Some(self.recorded_before(criterion, step, during))
    }

    fn today(&self) -> Option<jiff::civil::Date> {
        Some(ANALYSIS_TODAY)
    }
}

/// Flattens items depth first, recording the conditions on the way.
fn place_items<'m>(
    step: usize,
    items: &'m [Item],
    guards: &mut Vec<Guard<'m>>,
    loops: &mut Vec<Loop<'m>>,
    out: &mut Vec<Placed<'m>>,
) {
    // Nesting is bounded by the parser, so recursion is safe here.
    for item in items {
        out.push(Placed {
            step,
            item,
            guards: guards.clone(),
            loops: loops.clone(),
        });
        match item {
            Item::Do(d) => {
                let pushed = d.requires.as_ref().map(|r| guards.push(Guard::Holds(r)));
                place_items(step, &d.items, guards, loops, out);
                if pushed.is_some() {
                    guards.pop();
                }
            }
            Item::If {
                branches,
                otherwise,
            } => {
                for (index, b) in branches.iter().enumerate() {
                    guards.push(Guard::Branch { branches, index });
                    place_items(step, &b.items, guards, loops, out);
                    guards.pop();
                }
                if let Some(o) = otherwise {
                    guards.push(Guard::Branch {
                        branches,
                        index: branches.len(),
                    });
                    place_items(step, o, guards, loops, out);
                    guards.pop();
                }
            }
            Item::Match { subject, arms, .. } => {
                for (index, arm) in arms.iter().enumerate() {
                    guards.push(Guard::Arm {
                        subject: subject.as_ref(),
                        arms,
                        index,
                    });
                    place_items(step, &arm.items, guards, loops, out);
                    guards.pop();
                }
            }
            Item::ForEach {
                var,
                element,
                over,
                items,
            } => {
                loops.push(Loop {
                    guard: guards.len(),
                    var,
                    element,
                    over,
                });
                guards.push(Guard::NonEmpty(over));
                place_items(step, items, guards, loops, out);
                guards.pop();
                loops.pop();
            }
            Item::Tip { .. } | Item::Warning { .. } | Item::Ask { .. } => {}
        }
    }
}

/// The inputs and decisions an expression names directly, and the
/// definitions it uses.
fn direct_vars<'e>(e: &'e Expr, vars: &mut BTreeSet<Var>, lets: &mut Vec<&'e str>) {
    walk_expr(e, &mut |e| match &e.kind {
        ExprKind::Input { id } => {
            vars.insert(Var::Input(id.clone()));
        }
        ExprKind::Decision { id } => {
            vars.insert(Var::Decision(id.clone()));
        }
        ExprKind::Let { id } => lets.push(id),
        _ => {}
    });
}

/// Records, per variable, the constants it is compared with.
fn collect_constants(e: &Expr, constants: &mut FxHashMap<Var, Vec<Value>>) {
    let ExprKind::Binary { op, lhs, rhs } = &e.kind else {
        return;
    };
    if !matches!(
        op,
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
    ) {
        return;
    }
    for (a, b) in [(lhs, rhs), (rhs, lhs)] {
        let var = match &a.kind {
            ExprKind::Input { id } => Var::Input(id.clone()),
            ExprKind::Decision { id } => Var::Decision(id.clone()),
            _ => continue,
        };
        // Repeats are kept: `domain` drops them in one pass.
        if let Some(value) = constant(b) {
            constants.entry(var).or_default().push(value);
        }
    }
}

/// The value of an expression that reads no variable.
fn constant(e: &Expr) -> Option<Value> {
    let mut free = false;
    walk_expr(e, &mut |e| {
        if matches!(
            e.kind,
            ExprKind::Input { .. }
                | ExprKind::Decision { .. }
                | ExprKind::Let { .. }
                | ExprKind::LoopVar { .. }
                | ExprKind::Recorded { .. }
                | ExprKind::Today
        ) {
            free = true;
        }
    });
    if free {
        return None;
    }
    struct NoEnv;
    impl Env for NoEnv {
        fn input(&self, _: &str) -> Option<Value> {
            None
        }
        fn let_value(&self, id: &str) -> Result<Value, EvalError> {
            Err(EvalError::Unknown(id.to_string()))
        }
        fn decision(&self, _: &str) -> Option<Value> {
            None
        }
        fn loop_var(&self, _: &str) -> Option<Value> {
            None
        }
        fn recorded(&self, _: &str) -> Option<bool> {
            None
        }
        fn today(&self) -> Option<jiff::civil::Date> {
            None
        }
    }
    eval::eval(e, &NoEnv).ok()
}

/// Every expression of a model, each once (nested ones are reached by
/// walking these).
pub fn all_exprs(m: &Playbook) -> Vec<&Expr> {
    let mut out: Vec<&Expr> = m.lets.iter().map(|l| &l.value).collect();
    out.extend(m.requires.iter());
    for s in &m.steps {
        out.extend(ir::step_exprs(s));
    }
    out
}
