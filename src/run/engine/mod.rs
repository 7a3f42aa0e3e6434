//! A run of a compiled playbook: its inputs, its log, the state the log adds
//! up to, and what that state means for each step and item (the view).
//!
//! Everything here is pure: time comes in as a [`Now`], and nothing touches
//! the disk. Commands validate against the view and append one event.

use super::event::{Effect, Event, EventKind};
use super::value;
use crate::eval::{self, Env, EvalError, Value};
use crate::ir::{self, Applies, Expr, GateKind, Item, LText, Playbook, Step};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

mod commands;
mod replay;
mod view;

/// The moment a command runs: the instant logged, and the calendar day that
/// `today` means in expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub time: jiff::Timestamp,
    pub today: jiff::civil::Date,
}

/// A command the run refuses, with what is missing or how to go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    pub message: String,
    /// What is missing (for `complete`), one entry per line.
    pub missing: Vec<String>,
    pub help: Option<String>,
}

impl RunError {
    pub fn new(message: impl Into<String>) -> RunError {
        RunError {
            message: message.into(),
            missing: Vec::new(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> RunError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for m in &self.missing {
            write!(f, "\n  - {m}")?;
        }
        Ok(())
    }
}

/// Why something cannot happen yet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Blocker {
    /// A step that must be done (or skipped) first.
    Step(String),
    /// A criterion whose evidence is not recorded.
    Evidence(String),
    /// A decision (instance key) not answered yet.
    Answer(String),
    /// An item (instance key) of the same step that must be done first.
    Item(String),
    /// Every element of a `for each` over this variable must be finished first.
    Loop(String),
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocker::Step(s) => write!(f, "step `{s}` is not done"),
            Blocker::Evidence(c) => write!(f, "no evidence recorded for `{c}`"),
            Blocker::Answer(d) => write!(f, "decision `{d}` is not answered"),
            Blocker::Item(i) => write!(f, "item `{i}` is not done"),
            Blocker::Loop(v) => write!(f, "not every `{v}` of the loop is finished"),
        }
    }
}

impl Blocker {
    /// What waits, in the words of `w`.
    pub fn say(&self, w: &crate::labels::RunWords) -> String {
        use crate::labels::fill;
        match self {
            Blocker::Step(s) => fill(w.wait_step, &[s]),
            Blocker::Evidence(c) => fill(w.wait_evidence, &[c]),
            Blocker::Answer(d) => fill(w.wait_answer, &[d]),
            Blocker::Item(i) => fill(w.wait_item, &[i]),
            Blocker::Loop(v) => fill(w.wait_loop, &[v]),
        }
    }

    /// The kind, for JSON: `step`, `evidence`, `answer`, `item`, `loop`.
    pub fn kind(&self) -> &'static str {
        match self {
            Blocker::Step(_) => "step",
            Blocker::Evidence(_) => "evidence",
            Blocker::Answer(_) => "answer",
            Blocker::Item(_) => "item",
            Blocker::Loop(_) => "loop",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Blocker::Step(s)
            | Blocker::Evidence(s)
            | Blocker::Answer(s)
            | Blocker::Item(s)
            | Blocker::Loop(s) => s,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    Blocked,
    Ready,
    Active,
    Done,
    Skipped,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Blocked => "blocked",
            StepStatus::Ready => "ready",
            StepStatus::Active => "active",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
        }
    }
}

/// The state of one item of a checklist.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemStatus {
    Open,
    Done,
    Skipped(String),
    Answered(Value),
    /// A tip or a warning: nothing to do.
    Info,
    /// Not done, in a step the run completed before the item was part of
    /// it (a migration added it): not this run's work, and not counted.
    AddedLater,
}

impl ItemStatus {
    /// The state's name, for JSON and pages: `open`, `done`, `skipped`,
    /// `answered`, `info`, `added-later`.
    pub fn name(&self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::Done => "done",
            ItemStatus::Skipped(_) => "skipped",
            ItemStatus::Answered(_) => "answered",
            ItemStatus::Info => "info",
            ItemStatus::AddedLater => "added-later",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Do,
    /// A `do` without actions whose items are its checklist: done when they are.
    Group,
    Ask,
    Tip,
    Warning,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Do => "do",
            ItemKind::Group => "group",
            ItemKind::Ask => "ask",
            ItemKind::Tip => "tip",
            ItemKind::Warning => "warning",
        }
    }
}

/// An item as it applies to this run.
#[derive(Debug, Clone)]
pub struct ItemView<'m> {
    /// `review-activities:exchange` for an instance of a `for each`.
    pub key: String,
    pub id: String,
    pub kind: ItemKind,
    pub depth: usize,
    pub optional: bool,
    pub status: ItemStatus,
    pub blockers: Vec<Blocker>,
    pub text: Option<&'m LText>,
    /// The loop variables around it and their values.
    pub bindings: Vec<(String, String)>,
    /// For a `do`: the model item.
    pub item: Option<&'m ir::DoItem>,
}

impl ItemView<'_> {
    /// Whether the run needs this item done (or answered) before its step ends.
    pub fn required(&self) -> bool {
        match self.kind {
            ItemKind::Do => !self.optional,
            ItemKind::Ask => true,
            _ => false,
        }
    }

    pub fn finished(&self) -> bool {
        matches!(
            self.status,
            ItemStatus::Done | ItemStatus::Skipped(_) | ItemStatus::Answered(_)
        )
    }
}

/// Whether a gate applies to this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applicability {
    Yes,
    No,
    NotYet(Blocker),
}

#[derive(Debug, Clone)]
pub struct GateView {
    pub criterion: String,
    pub kind: GateKind,
    pub applies: Applicability,
    pub recorded: bool,
    /// An exit criterion without evidence in a step the run completed
    /// before the criterion was part of it (a migration added it): not
    /// this run's work, and not counted.
    pub added_later: bool,
    /// For an exit criterion tied to items (`after ITEM`): those of them
    /// not done yet. Its evidence is recorded once they are.
    pub waits: Vec<Blocker>,
}

/// A step as it stands in this run.
#[derive(Debug, Clone)]
pub struct StepView<'m> {
    pub step: &'m Step,
    pub status: StepStatus,
    /// Why the step is blocked.
    pub blockers: Vec<Blocker>,
    /// Why the step is skipped.
    pub skipped_because: Option<String>,
    pub entry: Vec<GateView>,
    pub exit: Vec<GateView>,
    pub items: Vec<ItemView<'m>>,
    /// Parts of the checklist that depend on what is not known yet.
    pub pending: Vec<Blocker>,
    /// Ids of the `do` items those parts hold: they may still apply.
    pub waiting: Vec<String>,
}

impl<'m> StepView<'m> {
    /// What `complete` would miss, in the words of `locale`.
    pub fn missing(&self, tasks_needed: &BTreeSet<String>, locale: &str) -> Vec<String> {
        use crate::labels::fill;
        let r = crate::labels::refuse::get(locale);
        let w = &crate::labels::get(locale).run;
        let mut out = Vec::new();
        for i in &self.items {
            let needed = i.required() || (i.kind == ItemKind::Do && tasks_needed.contains(&i.key));
            if needed && !i.finished() {
                out.push(match i.kind {
                    ItemKind::Ask => fill(r.missing_answer, &[&i.key]),
                    _ if i.optional => fill(r.missing_optional, &[&i.key]),
                    _ => fill(r.missing_item, &[&i.key]),
                });
            }
        }
        for p in &self.pending {
            out.push(fill(r.missing_pending, &[&p.say(w)]));
        }
        for g in &self.exit {
            match &g.applies {
                Applicability::Yes if !g.recorded => {
                    out.push(fill(r.missing_evidence, &[&g.criterion]))
                }
                Applicability::NotYet(b) => {
                    out.push(fill(r.missing_gate_not_yet, &[&g.criterion, &b.say(w)]))
                }
                _ => {}
            }
        }
        out
    }

    pub fn item(&self, key: &str) -> Option<&ItemView<'m>> {
        self.items.iter().find(|i| i.key == key)
    }
}

/// Something a person can do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Record { criterion: String, step: String },
    Done { item: String, step: String },
    Answer { decision: String, step: String },
    Complete { step: String },
}

impl Next {
    /// As a command line without `--state`: `done prepare-conversation`.
    pub fn command(&self) -> String {
        match self {
            Next::Record { criterion, .. } => format!("record {criterion} --evidence TEXT"),
            Next::Done { item, .. } => format!("done {item}"),
            Next::Answer { decision, .. } => format!("answer {decision} VALUE"),
            Next::Complete { step } => format!("complete {step}"),
        }
    }

    pub fn step(&self) -> &str {
        match self {
            Next::Record { step, .. }
            | Next::Done { step, .. }
            | Next::Answer { step, .. }
            | Next::Complete { step } => step,
        }
    }
}

/// The whole run as it stands.
#[derive(Debug, Clone)]
pub struct View<'m> {
    pub steps: Vec<StepView<'m>>,
    /// Records made and needed: items, answers, evidence, steps.
    pub done: usize,
    pub total: usize,
    pub complete: bool,
    pub next: Vec<Next>,
    /// Mandatory tasks of the run and whether they are completed.
    pub tasks: Vec<(u32, bool)>,
}

impl<'m> View<'m> {
    pub fn step(&self, id: &str) -> Option<&StepView<'m>> {
        self.steps.iter().find(|s| s.step.id == id)
    }

    /// The first step not done or skipped, in the order the run takes them.
    pub fn current(&self) -> Option<&StepView<'m>> {
        self.steps
            .iter()
            .find(|s| matches!(s.status, StepStatus::Active))
            .or_else(|| {
                self.steps
                    .iter()
                    .find(|s| matches!(s.status, StepStatus::Ready | StepStatus::Blocked))
            })
    }
}

/// The state the events in effect add up to. Every map keeps a stack per
/// key, so that undoing the latest event restores what was before.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    pub answers: BTreeMap<String, (Value, u64)>,
    pub done: BTreeMap<String, u64>,
    pub skipped: BTreeMap<String, (String, u64)>,
    pub recorded: BTreeMap<String, Vec<(String, u64)>>,
    pub completed: BTreeMap<String, u64>,
    pub tasks: BTreeMap<u32, Vec<u64>>,
    pub fields: BTreeMap<String, Vec<(Value, u64)>>,
    /// Events in effect, by index into the log (a stack: undo pops it).
    pub effective: Vec<usize>,
    /// Events that name something the playbook no longer has (after a
    /// migration): kept in the log, left out of the state.
    pub unmapped: Vec<u64>,
    /// For a run resumed from a snapshot for a change that undoes nothing:
    /// how many values each stack (`recorded:ID`, `field:ID`, `task:N`)
    /// holds below the ones it shows, which were not made.
    pub hidden: BTreeMap<String, usize>,
}

impl Derived {
    pub fn evidence(&self, criterion: &str) -> Option<&str> {
        self.recorded
            .get(criterion)
            .and_then(|v| v.last())
            .map(|(e, _)| e.as_str())
    }

    pub fn field(&self, field: &str) -> Option<&Value> {
        self.fields
            .get(field)
            .and_then(|v| v.last())
            .map(|(v, _)| v)
    }
}

/// A run: the model it follows, its inputs and its log.
#[derive(Debug, Clone)]
pub struct Run<'m> {
    pub model: &'m Playbook,
    pub inputs: BTreeMap<String, Value>,
    /// The log, or, for a run resumed from a snapshot, the events since it
    /// (`offset` events came before them).
    pub events: Vec<Event>,
    pub state: Derived,
    /// How many events of the log precede `events` (0 for a replayed run).
    offset: usize,
    /// The time of the event before `events`, for a resumed run.
    last_time: Option<jiff::Timestamp>,
    /// Events before `offset` read for an undo, by index into the log.
    earlier: BTreeMap<usize, Event>,
    /// Definitions as computed when the run started.
    lets: BTreeMap<String, Value>,
    /// Item id -> the step it belongs to.
    item_step: BTreeMap<&'m str, &'m str>,
    /// Decision id -> its declaration (the first, as a search in source
    /// order finds it).
    decisions: BTreeMap<&'m str, &'m ir::Decision>,
    /// The ids of the criteria: a name that is none of them is found
    /// without a search of them all.
    criteria: BTreeSet<&'m str>,
    /// What each step waits for, by step index ([`Playbook::waits`], the
    /// definition the checks prove the order with), computed on first use.
    waits: std::cell::OnceCell<Vec<Vec<usize>>>,
    /// The language of the run's refusals and explanations (the
    /// playbook's source locale unless [`Run::speak`] says otherwise).
    locale: String,
}

/// Parses `NAME=VALUE` inputs against the playbook's declarations. Every
/// problem is reported: unknown, repeated, ill-typed and missing inputs.
pub fn parse_inputs(
    model: &Playbook,
    given: &[(String, String)],
) -> Result<BTreeMap<String, Value>, Vec<String>> {
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    for (name, text) in given {
        let Some(input) = model.inputs.iter().find(|i| &i.id == name) else {
            let names: Vec<&str> = model.inputs.iter().map(|i| i.id.as_str()).collect();
            errors.push(format!(
                "`{name}` is not an input of `{}`; its inputs are {}",
                model.id,
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        };
        if values.contains_key(name) {
            errors.push(format!("input `{name}` is given twice"));
            continue;
        }
        match value::parse(model, &input.ty, text) {
            Ok(v) => {
                values.insert(name.clone(), v);
            }
            Err(e) => errors.push(format!("input `{name}`: {e}")),
        }
    }
    for input in &model.inputs {
        if !values.contains_key(&input.id) && !given.iter().any(|(n, _)| n == &input.id) {
            errors.push(format!(
                "input `{}` (type `{}`) is missing: give it with `--input {}=VALUE`, where VALUE is {}",
                input.id,
                input.ty,
                input.id,
                value::describe_type(model, &input.ty)
            ));
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// Where expressions get their values during a run.
struct RunEnv<'r, 'm> {
    run: &'r Run<'m>,
    bindings: &'r [(String, String)],
    today: Option<jiff::civil::Date>,
    /// Statuses of the steps decided so far (for `recorded`).
    statuses: &'r BTreeMap<&'m str, StepStatus>,
}

impl Env for RunEnv<'_, '_> {
    fn input(&self, id: &str) -> Option<Value> {
        self.run.inputs.get(id).cloned()
    }

    fn let_value(&self, id: &str) -> Result<Value, EvalError> {
        if let Some(v) = self.run.lets.get(id) {
            return Ok(v.clone());
        }
        match self.run.model.lets.iter().find(|l| l.id == id) {
            Some(l) => eval::eval(&l.value, self),
            None => Err(EvalError::Unknown(id.to_string())),
        }
    }

    fn decision(&self, id: &str) -> Option<Value> {
        let key = self.run.decision_key(id, self.bindings);
        self.run.state.answers.get(&key).map(|(v, _)| v.clone())
    }

    fn loop_var(&self, id: &str) -> Option<Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(var, _)| var == id)
            .map(|(_, v)| Value::Enum(v.clone()))
    }

    fn recorded(&self, criterion: &str) -> Option<bool> {
        if self.run.state.recorded.contains_key(criterion) {
            return Some(true);
        }
        // Not recorded: final once the step that records it is over.
        match self.run.model.criterion(criterion) {
            None => Some(false),
            Some(c) => match self.statuses.get(c.step.as_str()) {
                Some(StepStatus::Done | StepStatus::Skipped) => Some(false),
                _ => None,
            },
        }
    }

    fn today(&self) -> Option<jiff::civil::Date> {
        self.today
    }
}

/// A condition's value: holds, does not, or waits for something.
enum Truth {
    Yes,
    No,
    Wait(Blocker),
}

/// The id of an instance key: `review-activities:exchange` -> `review-activities`.
pub fn base(key: &str) -> &str {
    key.split(':').next().unwrap_or(key)
}

/// The type of a decision's answers; `key` may name a loop instance.
pub fn decision_type<'m>(model: &'m Playbook, key: &str) -> Option<&'m crate::ir::Type> {
    let id = base(key);
    model.decisions.iter().find(|d| d.id == id).map(|d| &d.ty)
}

/// The key of an item or decision inside loops.
pub fn instance_key(id: &str, bindings: &[(String, String)]) -> String {
    let mut key = id.to_string();
    for (_, element) in bindings {
        key.push(':');
        key.push_str(element);
    }
    key
}

/// A name the playbook does not have: `what` is the refusal's phrase
/// (`Refusals::unknown_item`, ...).
fn unknown(
    r: &crate::labels::refuse::Refusals,
    what: &str,
    name: &str,
    known: &[&str],
) -> RunError {
    use crate::labels::fill;
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(name, k), *k))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let e = RunError::new(fill(what, &[name]));
    match best {
        Some((_, k)) => e.help(fill(r.did_you_mean, &[k])),
        None => e,
    }
}
