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
}

impl<'m> StepView<'m> {
    /// What `complete` would miss, in words.
    pub fn missing(&self, tasks_needed: &BTreeSet<String>) -> Vec<String> {
        let mut out = Vec::new();
        for i in &self.items {
            let needed = i.required() || (i.kind == ItemKind::Do && tasks_needed.contains(&i.key));
            if needed && !i.finished() {
                out.push(match i.kind {
                    ItemKind::Ask => format!("answer to decision `{}`", i.key),
                    _ if i.optional => format!(
                        "item `{}` (optional, but it completes a mandatory task)",
                        i.key
                    ),
                    _ => format!("item `{}`", i.key),
                });
            }
        }
        for p in &self.pending {
            out.push(format!("the items that depend on it: {p}"));
        }
        for g in &self.exit {
            match &g.applies {
                Applicability::Yes if !g.recorded => {
                    out.push(format!("evidence for exit criterion `{}`", g.criterion))
                }
                Applicability::NotYet(b) => out.push(format!(
                    "exit criterion `{}`, which depends on it: {b}",
                    g.criterion
                )),
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
    /// What each step waits for, by step index ([`Playbook::waits`], the
    /// definition the checks prove the order with), computed on first use.
    waits: std::cell::OnceCell<BTreeMap<&'m str, Vec<&'m str>>>,
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

impl<'m> Run<'m> {
    /// Starts a run: checks the playbook's `requires` and computes the
    /// definitions. The start event is the first of the log.
    pub fn start(
        model: &'m Playbook,
        inputs: BTreeMap<String, Value>,
        now: Now,
        actor: &str,
    ) -> Result<Run<'m>, RunError> {
        let mut run = Run::empty(model, inputs);
        let statuses = BTreeMap::new();
        let env = RunEnv {
            run: &run,
            bindings: &[],
            today: Some(now.today),
            statuses: &statuses,
        };
        if let Some(requires) = &model.requires {
            match eval::eval(requires, &env) {
                Ok(Value::Bool(true)) => {}
                Ok(_) => {
                    return Err(RunError::new(format!(
                        "`{}` does not apply to this run: its `requires` condition does not hold for these inputs",
                        model.id
                    ))
                    .help("check the inputs; the playbook runs only when its `requires` holds"));
                }
                Err(e) => return Err(RunError::new(format!("cannot start: {e}"))),
            }
        }
        let mut computed = Vec::new();
        for l in &model.lets {
            if let Ok(v) = eval::eval(&l.value, &env) {
                computed.push((l.id.clone(), v));
            }
        }
        run.lets = computed.iter().cloned().collect();
        run.events.push(Event {
            seq: 1,
            time: now.time,
            actor: actor.to_string(),
            kind: EventKind::Start { computed },
        });
        run.state.effective.push(0);
        Ok(run)
    }

    fn empty(model: &'m Playbook, inputs: BTreeMap<String, Value>) -> Run<'m> {
        let mut item_step = BTreeMap::new();
        for s in &model.steps {
            ir::walk_items(&s.items, &mut |item| match item {
                Item::Do(d) => {
                    item_step.insert(d.id.as_str(), s.id.as_str());
                }
                Item::Tip { id, .. } | Item::Warning { id, .. } => {
                    item_step.insert(id.as_str(), s.id.as_str());
                }
                _ => {}
            });
        }
        Run {
            model,
            inputs,
            events: Vec::new(),
            state: Derived::default(),
            offset: 0,
            last_time: None,
            earlier: BTreeMap::new(),
            lets: BTreeMap::new(),
            item_step,
            waits: std::cell::OnceCell::new(),
        }
    }

    /// A run resumed from a snapshot of its state after `serial` events,
    /// the last of them at `last_time`, without its log. Every command but
    /// `undo` (which needs the events in effect) works on it; the events it
    /// appends are in `events`, numbered after `serial`.
    pub fn resume(
        model: &'m Playbook,
        inputs: BTreeMap<String, Value>,
        lets: BTreeMap<String, Value>,
        state: Derived,
        serial: u64,
        last_time: jiff::Timestamp,
    ) -> Run<'m> {
        let mut run = Run::empty(model, inputs);
        run.lets = lets;
        run.state = state;
        run.offset = serial as usize;
        run.last_time = Some(last_time);
        run
    }

    /// Whether the run holds its whole log (it was replayed, not resumed).
    pub fn has_whole_log(&self) -> bool {
        self.offset == 0
    }

    /// The number of events in the log, with those before a snapshot.
    pub fn serial(&self) -> u64 {
        (self.offset + self.events.len()) as u64
    }

    /// The time of the latest event.
    pub fn last_time(&self) -> Option<jiff::Timestamp> {
        self.events.last().map(|e| e.time).or(self.last_time)
    }

    /// The event at `index` of the whole log, if this run holds it.
    pub fn event_at(&self, index: usize) -> Option<&Event> {
        match index.checked_sub(self.offset) {
            Some(i) => self.events.get(i),
            None => self.earlier.get(&index),
        }
    }

    /// Gives a resumed run an event from before its snapshot (the one an
    /// undo takes back).
    pub fn load_earlier(&mut self, index: usize, event: Event) {
        if index < self.offset {
            self.earlier.insert(index, event);
        }
    }

    /// Rebuilds a run from its log. The log was validated when it was read;
    /// this fails only on events that contradict each other (an undo of an
    /// event not in effect, a second start).
    pub fn replay(
        model: &'m Playbook,
        inputs: BTreeMap<String, Value>,
        events: Vec<Event>,
    ) -> Result<Run<'m>, (usize, String)> {
        let mut run = Run::empty(model, inputs);
        for (index, event) in events.into_iter().enumerate() {
            if index == 0 {
                match &event.kind {
                    EventKind::Start { computed } => {
                        run.lets = computed.iter().cloned().collect();
                    }
                    _ => return Err((index, "the first event must be `start`".to_string())),
                }
            }
            run.apply(event).map_err(|m| (index, m))?;
        }
        if run.events.is_empty() {
            return Err((0, "the log has no `start` event".to_string()));
        }
        Ok(run)
    }

    /// Appends an event to the log and to the state.
    fn apply(&mut self, event: Event) -> Result<(), String> {
        let index = self.offset + self.events.len();
        let seq = event.seq;
        if seq != index as u64 + 1 {
            return Err(format!("event number {seq} should be {}", index + 1));
        }
        if let Some(last) = self.last_time()
            && event.time < last
        {
            return Err(format!(
                "event {seq} is dated {}, before the event it follows ({last})",
                event.time
            ));
        }
        let s = &mut self.state;
        match &event.kind {
            EventKind::Start { .. } if index > 0 => {
                return Err("a run starts once: `start` must be the first event only".to_string());
            }
            EventKind::Start { .. } | EventKind::Migrate { .. } => {
                s.effective.push(index);
            }
            EventKind::Undo { undoes } => {
                let top = s.effective.last().copied();
                let (events, earlier, offset) = (&self.events, &self.earlier, self.offset);
                let Some(target) = top
                    .and_then(|t| match t.checked_sub(offset) {
                        Some(i) => events.get(i),
                        None => earlier.get(&t),
                    })
                    .filter(|e| e.seq == *undoes)
                else {
                    return Err(format!(
                        "undo of event {undoes}, which is not the latest event in effect"
                    ));
                };
                match &target.kind {
                    EventKind::Start { .. } | EventKind::Migrate { .. } => {
                        return Err(format!(
                            "event {undoes} is a `{}`, which cannot be undone",
                            target.kind.name()
                        ));
                    }
                    _ => {}
                }
                let undone = target.clone();
                let part = self.mapped_part(&undone);
                let s = &mut self.state;
                s.effective.pop();
                if !s.unmapped.contains(&undone.seq) {
                    Self::retract(s, &undone);
                } else {
                    s.unmapped.retain(|&u| u != undone.seq);
                    if let Some(part) = part {
                        Self::retract(s, &part);
                    }
                }
            }
            _ => {
                s.effective.push(index);
                // Of an event that names what the playbook lacks (after a
                // migration), what still maps counts: one removed item
                // does not take the others done with it along.
                if self.maps(&event) {
                    Self::add(&mut self.state, &event);
                } else {
                    if let Some(part) = self.mapped_part(&event) {
                        Self::add(&mut self.state, &part);
                    }
                    self.state.unmapped.push(seq);
                }
            }
        }
        self.events.push(event);
        Ok(())
    }

    /// The part of a `done` event that maps to the model: the items it
    /// still has and the effects that still fit; `None` when nothing does,
    /// or for another kind of event that does not map.
    fn mapped_part(&self, event: &Event) -> Option<Event> {
        if self.maps(event) {
            return Some(event.clone());
        }
        let EventKind::Done {
            items,
            effects,
            note,
        } = &event.kind
        else {
            return None;
        };
        let probe = |kind: EventKind| {
            self.maps(&Event {
                kind,
                ..event.clone()
            })
        };
        let items: Vec<String> = items
            .iter()
            .filter(|i| {
                probe(EventKind::Done {
                    items: vec![(*i).clone()],
                    effects: Vec::new(),
                    note: None,
                })
            })
            .cloned()
            .collect();
        let effects: Vec<Effect> = effects
            .iter()
            .filter(|e| {
                probe(EventKind::Done {
                    items: Vec::new(),
                    effects: vec![(*e).clone()],
                    note: None,
                })
            })
            .cloned()
            .collect();
        (!items.is_empty() || !effects.is_empty()).then(|| Event {
            kind: EventKind::Done {
                items,
                effects,
                note: note.clone(),
            },
            ..event.clone()
        })
    }

    /// Whether every id the event names exists in the model.
    fn maps(&self, event: &Event) -> bool {
        let m = self.model;
        let item = |key: &str| self.item_step.contains_key(base(key));
        match &event.kind {
            EventKind::Done { items, effects, .. } => {
                let field = |id: &str, v: &Value| {
                    m.fields
                        .iter()
                        .any(|f| f.id == id && super::value::fits(m, &f.ty, v))
                };
                items.iter().all(|i| item(i))
                    && effects.iter().all(|e| match e {
                        Effect::Set {
                            field: f, value, ..
                        } => field(f, value),
                        Effect::Request {
                            field: Some((f, value)),
                            ..
                        } => field(f, value),
                        Effect::Record { criterion, .. } => m.criterion(criterion).is_some(),
                        _ => true,
                    })
            }
            EventKind::Answer { decision, value } => m
                .decisions
                .iter()
                .any(|d| d.id == base(decision) && super::value::fits(m, &d.ty, value)),
            EventKind::Record { criterion, .. } => m.criterion(criterion).is_some(),
            EventKind::Complete { step } => m.step(step).is_some(),
            EventKind::Skip { item: i, .. } => item(i),
            _ => true,
        }
    }

    /// What `event` adds to the state `s`.
    pub fn add(s: &mut Derived, event: &Event) {
        let seq = event.seq;
        match &event.kind {
            EventKind::Done {
                items,
                effects,
                note,
            } => {
                for i in items {
                    s.done.insert(i.clone(), seq);
                }
                for e in effects {
                    match e {
                        Effect::Set { field, value, .. }
                        | Effect::Request {
                            field: Some((field, value)),
                            ..
                        } => s
                            .fields
                            .entry(field.clone())
                            .or_default()
                            .push((value.clone(), seq)),
                        Effect::CompleteTask { task, .. } => {
                            s.tasks.entry(*task).or_default().push(seq)
                        }
                        Effect::Record { item, criterion } => {
                            let evidence = note
                                .clone()
                                .unwrap_or_else(|| format!("recorded by item `{item}`"));
                            s.recorded
                                .entry(criterion.clone())
                                .or_default()
                                .push((evidence, seq));
                        }
                        _ => {}
                    }
                }
            }
            EventKind::Answer { decision, value } => {
                s.answers.insert(decision.clone(), (value.clone(), seq));
            }
            EventKind::Record {
                criterion,
                evidence,
            } => s
                .recorded
                .entry(criterion.clone())
                .or_default()
                .push((evidence.clone(), seq)),
            EventKind::Complete { step } => {
                s.completed.insert(step.clone(), seq);
            }
            EventKind::Skip { item, reason } => {
                s.skipped.insert(item.clone(), (reason.clone(), seq));
            }
            _ => {}
        }
    }

    fn retract(s: &mut Derived, event: &Event) {
        fn pop<K: Ord, V>(map: &mut BTreeMap<K, Vec<V>>, key: K) {
            if let Some(stack) = map.get_mut(&key) {
                stack.pop();
                if stack.is_empty() {
                    map.remove(&key);
                }
            }
        }
        match &event.kind {
            EventKind::Done { items, effects, .. } => {
                for i in items {
                    s.done.remove(i);
                }
                for e in effects.iter().rev() {
                    match e {
                        Effect::Set { field, .. }
                        | Effect::Request {
                            field: Some((field, _)),
                            ..
                        } => pop(&mut s.fields, field.clone()),
                        Effect::CompleteTask { task, .. } => pop(&mut s.tasks, *task),
                        Effect::Record { criterion, .. } => pop(&mut s.recorded, criterion.clone()),
                        _ => {}
                    }
                }
            }
            EventKind::Answer { decision, .. } => {
                s.answers.remove(decision);
            }
            EventKind::Record { criterion, .. } => pop(&mut s.recorded, criterion.clone()),
            EventKind::Complete { step } => {
                s.completed.remove(step);
            }
            EventKind::Skip { item, .. } => {
                s.skipped.remove(item);
            }
            _ => {}
        }
    }

    /// The key of a decision asked inside loops: `workload-done:teams`.
    fn decision_key(&self, id: &str, bindings: &[(String, String)]) -> String {
        let per_loop = self
            .model
            .decisions
            .iter()
            .find(|d| d.id == id)
            .is_some_and(|d| d.per.is_some());
        if per_loop {
            instance_key(id, bindings)
        } else {
            id.to_string()
        }
    }

    /// The definitions as computed when the run started.
    pub fn lets(&self) -> &BTreeMap<String, Value> {
        &self.lets
    }

    /// The events in effect, oldest first.
    pub fn effective_events(&self) -> impl Iterator<Item = &Event> {
        self.state
            .effective
            .iter()
            .filter_map(|&i| self.event_at(i))
    }

    fn truth(&self, e: &Expr, env: &RunEnv<'_, 'm>) -> Truth {
        match eval::eval(e, env) {
            Ok(Value::Bool(true)) => Truth::Yes,
            Ok(_) => Truth::No,
            Err(EvalError::Unknown(name)) => Truth::Wait(self.blocker_for(&name, env.bindings)),
            // An expression that cannot be computed (an overflow) does not hold.
            Err(_) => Truth::No,
        }
    }

    fn blocker_for(&self, name: &str, bindings: &[(String, String)]) -> Blocker {
        if self.model.criterion(name).is_some() {
            Blocker::Evidence(name.to_string())
        } else if self.model.decisions.iter().any(|d| d.id == name) {
            Blocker::Answer(self.decision_key(name, bindings))
        } else if self.model.criteria.iter().all(|c| c.id != name)
            && !self.model.inputs.iter().any(|i| i.id == name)
        {
            // `recorded` of a criterion no step declares is never known.
            Blocker::Evidence(name.to_string())
        } else {
            Blocker::Answer(name.to_string())
        }
    }

    /// Whether the run covers a service list.
    fn applies(&self, applies: &Applies) -> bool {
        match applies {
            Applies::All => true,
            Applies::Services(services) => {
                let chosen = self
                    .model
                    .inputs
                    .iter()
                    .find(|i| i.id == "services" && i.ty == ir::Type::Set("service".to_string()))
                    .and_then(|i| self.inputs.get(&i.id));
                match chosen {
                    Some(Value::Set(chosen)) => services.iter().any(|s| chosen.contains(s)),
                    _ => true,
                }
            }
        }
    }

    /// Steps a step waits for: those it comes `after`, those that record
    /// evidence it reads, and those that ask a decision it reads
    /// ([`Playbook::waits`], shared with the checks).
    fn dependencies(&self, step: &'m Step) -> Vec<&'m str> {
        let waits = self.waits.get_or_init(|| {
            let model = self.model;
            model
                .waits()
                .into_iter()
                .enumerate()
                .map(|(b, w)| {
                    let before = w.into_iter().map(|(a, _)| model.steps[a].id.as_str());
                    (model.steps[b].id.as_str(), before.collect())
                })
                .collect()
        });
        waits.get(step.id.as_str()).cloned().unwrap_or_default()
    }

    /// Steps in an order where each comes after what it waits for (source
    /// order among equals; a cycle, reported by the checks, keeps source order).
    fn order(&self) -> Vec<&'m Step> {
        let steps = &self.model.steps;
        let mut placed: BTreeSet<&str> = BTreeSet::new();
        let mut order = Vec::with_capacity(steps.len());
        while order.len() < steps.len() {
            let before = order.len();
            for s in steps {
                if !placed.contains(s.id.as_str())
                    && self
                        .dependencies(s)
                        .iter()
                        .all(|d| placed.contains(d) || self.model.step(d).is_none())
                {
                    placed.insert(s.id.as_str());
                    order.push(s);
                }
            }
            if order.len() == before {
                for s in steps {
                    if placed.insert(s.id.as_str()) {
                        order.push(s);
                    }
                }
            }
        }
        order
    }

    /// What the run's state means for every step and item.
    pub fn view(&self, today: jiff::civil::Date) -> View<'m> {
        let mut statuses: BTreeMap<&'m str, StepStatus> = BTreeMap::new();
        let mut views = Vec::new();
        for step in self.order() {
            let v = self.step_view(step, today, &statuses);
            statuses.insert(step.id.as_str(), v.status);
            views.push(v);
        }
        // Show steps in source order.
        views.sort_by_key(|v| {
            self.model
                .steps
                .iter()
                .position(|s| s.id == v.step.id)
                .unwrap_or(usize::MAX)
        });
        let tasks = self.mandatory_tasks();
        let needed = self.task_items(&views);
        let mut done = 0;
        let mut total = 0;
        let mut next = Vec::new();
        let mut gates_seen = BTreeSet::new();
        for v in &views {
            if v.status == StepStatus::Skipped {
                continue;
            }
            total += 1;
            done += usize::from(v.status == StepStatus::Done);
            for i in &v.items {
                if i.required() {
                    total += 1;
                    done += usize::from(i.finished());
                }
            }
            for g in v.entry.iter().chain(&v.exit) {
                if g.applies == Applicability::Yes && gates_seen.insert(g.criterion.clone()) {
                    total += 1;
                    done += usize::from(g.recorded);
                }
            }
            let id = v.step.id.clone();
            let deps_done = !v
                .blockers
                .iter()
                .any(|b| !matches!(b, Blocker::Evidence(_)));
            match v.status {
                StepStatus::Blocked if deps_done => {
                    for g in &v.entry {
                        if g.applies == Applicability::Yes
                            && !g.recorded
                            && let Some(c) = self.model.criterion(&g.criterion)
                            && c.step == v.step.id
                        {
                            next.push(Next::Record {
                                criterion: g.criterion.clone(),
                                step: id.clone(),
                            });
                        }
                    }
                }
                StepStatus::Ready | StepStatus::Active => {
                    for i in &v.items {
                        if i.finished() || !i.blockers.is_empty() {
                            continue;
                        }
                        match i.kind {
                            ItemKind::Do => next.push(Next::Done {
                                item: i.key.clone(),
                                step: id.clone(),
                            }),
                            ItemKind::Ask => next.push(Next::Answer {
                                decision: i.key.clone(),
                                step: id.clone(),
                            }),
                            _ => {}
                        }
                    }
                    for g in &v.exit {
                        if g.applies == Applicability::Yes && !g.recorded {
                            next.push(Next::Record {
                                criterion: g.criterion.clone(),
                                step: id.clone(),
                            });
                        }
                    }
                    if v.missing(&needed).is_empty() {
                        next.push(Next::Complete { step: id });
                    }
                }
                _ => {}
            }
        }
        let tasks: Vec<(u32, bool)> = tasks
            .into_iter()
            .map(|t| (t, self.state.tasks.contains_key(&t)))
            .collect();
        let complete = views
            .iter()
            .all(|v| matches!(v.status, StepStatus::Done | StepStatus::Skipped))
            && tasks.iter().all(|(_, done)| *done);
        View {
            steps: views,
            done,
            total,
            complete,
            next,
            tasks,
        }
    }

    /// The mandatory tasks that apply to this run.
    fn mandatory_tasks(&self) -> Vec<u32> {
        self.model
            .tasks
            .iter()
            .filter(|t| t.mandatory && self.applies(&t.applies))
            .map(|t| t.number)
            .collect()
    }

    /// Keys of the items that complete a mandatory task of the run.
    fn task_items(&self, views: &[StepView<'m>]) -> BTreeSet<String> {
        let mandatory = self.mandatory_tasks();
        let mut out = BTreeSet::new();
        for v in views {
            for i in &v.items {
                if let Some(d) = i.item
                    && d.actions.iter().any(|a| {
                        matches!(a, ir::Action::CompleteTask { task } if mandatory.contains(task))
                    })
                {
                    out.insert(i.key.clone());
                }
            }
        }
        out
    }

    fn step_view(
        &self,
        step: &'m Step,
        today: jiff::civil::Date,
        statuses: &BTreeMap<&'m str, StepStatus>,
    ) -> StepView<'m> {
        let env = RunEnv {
            run: self,
            bindings: &[],
            today: Some(today),
            statuses,
        };
        let mut view = StepView {
            step,
            status: StepStatus::Ready,
            blockers: Vec::new(),
            skipped_because: None,
            entry: Vec::new(),
            exit: Vec::new(),
            items: Vec::new(),
            pending: Vec::new(),
        };
        if !self.applies(&step.applies) {
            view.status = StepStatus::Skipped;
            view.skipped_because = Some("it applies to none of the run's services".to_string());
            return view;
        }
        if let Some(guard) = &step.requires {
            match self.truth(guard, &env) {
                Truth::Yes => {}
                Truth::No => {
                    view.status = StepStatus::Skipped;
                    view.skipped_because =
                        Some("its `requires` condition does not hold".to_string());
                    return view;
                }
                Truth::Wait(b) => view.blockers.push(b),
            }
        }
        for dep in self.dependencies(step) {
            match statuses.get(dep) {
                Some(StepStatus::Done | StepStatus::Skipped) | None => {}
                Some(_) => view.blockers.push(Blocker::Step(dep.to_string())),
            }
        }
        for (gates, kind) in [(&step.entry, GateKind::Entry), (&step.exit, GateKind::Exit)] {
            for g in gates {
                let applies = match &g.when {
                    None => Applicability::Yes,
                    Some(w) => match self.truth(w, &env) {
                        Truth::Yes => Applicability::Yes,
                        Truth::No => Applicability::No,
                        Truth::Wait(b) => Applicability::NotYet(b),
                    },
                };
                let recorded = self.state.recorded.contains_key(&g.criterion);
                if kind == GateKind::Entry {
                    match &applies {
                        Applicability::Yes if !recorded => {
                            view.blockers.push(Blocker::Evidence(g.criterion.clone()))
                        }
                        Applicability::NotYet(b) => view.blockers.push(b.clone()),
                        _ => {}
                    }
                }
                let gate = GateView {
                    criterion: g.criterion.clone(),
                    kind,
                    applies,
                    recorded,
                };
                match kind {
                    GateKind::Entry => view.entry.push(gate),
                    GateKind::Exit => view.exit.push(gate),
                }
            }
        }
        let mut bindings = Vec::new();
        self.walk(
            &step.items,
            &mut bindings,
            0,
            &[],
            today,
            statuses,
            &mut view,
        );
        self.order_items(step, &mut view);
        let touched = view.items.iter().any(|i| {
            matches!(
                i.status,
                ItemStatus::Done | ItemStatus::Skipped(_) | ItemStatus::Answered(_)
            ) && i.kind != ItemKind::Group
        }) || view
            .exit
            .iter()
            .any(|g| g.recorded && self.recorded_in_step(&g.criterion, step));
        view.status = if self.state.completed.contains_key(&step.id) {
            StepStatus::Done
        } else if !view.blockers.is_empty() {
            StepStatus::Blocked
        } else if touched {
            StepStatus::Active
        } else {
            StepStatus::Ready
        };
        view
    }

    fn recorded_in_step(&self, criterion: &str, step: &Step) -> bool {
        self.model
            .criterion(criterion)
            .is_some_and(|c| c.step == step.id)
    }

    /// Adds the `after` blockers between items of a step.
    fn order_items(&self, step: &Step, view: &mut StepView<'m>) {
        let _ = step;
        let finished: BTreeMap<String, bool> = view
            .items
            .iter()
            .map(|i| (i.id.clone(), true))
            .fold(BTreeMap::new(), |mut acc, (id, _)| {
                let all = view
                    .items
                    .iter()
                    .filter(|j| j.id == id)
                    .all(|j| j.finished() || !j.required());
                acc.insert(id, all);
                acc
            });
        for i in view.items.iter_mut() {
            if let Some(d) = i.item {
                for a in &d.after {
                    if finished.get(a) == Some(&false) {
                        i.blockers.push(Blocker::Item(a.clone()));
                    }
                }
            }
        }
    }

    /// Walks a list of items; returns whether everything it requires is finished.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        items: &'m [Item],
        bindings: &mut Vec<(String, String)>,
        depth: usize,
        outer: &[Blocker],
        today: jiff::civil::Date,
        statuses: &BTreeMap<&'m str, StepStatus>,
        view: &mut StepView<'m>,
    ) -> bool {
        let mut resolved = true;
        // Blockers from a `for each` earlier in this list that is not finished.
        let mut inherited: Vec<Blocker> = outer.to_vec();
        for item in items {
            let snapshot = bindings.clone();
            let env = RunEnv {
                run: self,
                bindings: &snapshot,
                today: Some(today),
                statuses,
            };
            match item {
                Item::Do(d) => {
                    if let Some(r) = &d.requires {
                        match self.truth(r, &env) {
                            Truth::Yes => {}
                            Truth::No => continue,
                            Truth::Wait(b) => {
                                if !view.pending.contains(&b) {
                                    view.pending.push(b);
                                }
                                resolved = false;
                                continue;
                            }
                        }
                    }
                    let key = instance_key(&d.id, bindings);
                    let position = view.items.len();
                    view.items.push(ItemView {
                        key: key.clone(),
                        id: d.id.clone(),
                        kind: ItemKind::Do,
                        depth,
                        optional: d.optional,
                        status: ItemStatus::Open,
                        blockers: inherited.clone(),
                        text: Some(&d.text),
                        bindings: bindings.clone(),
                        item: Some(d),
                    });
                    let before = view.items.len();
                    let children = self.walk(
                        &d.items,
                        bindings,
                        depth + 1,
                        &inherited,
                        today,
                        statuses,
                        view,
                    );
                    let checkable = view.items[before..]
                        .iter()
                        .any(|i| matches!(i.kind, ItemKind::Do | ItemKind::Group | ItemKind::Ask))
                        || !children;
                    let entry = &mut view.items[position];
                    if d.actions.is_empty() && checkable {
                        entry.kind = ItemKind::Group;
                        entry.status = if children {
                            ItemStatus::Done
                        } else {
                            ItemStatus::Open
                        };
                        if !children && !d.optional {
                            resolved = false;
                        }
                    } else {
                        entry.status = if self.state.done.contains_key(&key) {
                            ItemStatus::Done
                        } else if let Some((reason, _)) = self.state.skipped.get(&key) {
                            ItemStatus::Skipped(reason.clone())
                        } else {
                            ItemStatus::Open
                        };
                        if !d.optional && entry.status == ItemStatus::Open {
                            resolved = false;
                        }
                    }
                }
                Item::Tip { id, text } | Item::Warning { id, text } => {
                    view.items.push(ItemView {
                        key: instance_key(id, bindings),
                        id: id.clone(),
                        kind: if matches!(item, Item::Tip { .. }) {
                            ItemKind::Tip
                        } else {
                            ItemKind::Warning
                        },
                        depth,
                        optional: true,
                        status: ItemStatus::Info,
                        blockers: Vec::new(),
                        text: Some(text),
                        bindings: bindings.clone(),
                        item: None,
                    });
                }
                Item::Ask { decision } => {
                    let key = self.decision_key(decision, bindings);
                    let question = self
                        .model
                        .decisions
                        .iter()
                        .find(|d| &d.id == decision)
                        .map(|d| &d.question);
                    let status = match self.state.answers.get(&key) {
                        Some((v, _)) => ItemStatus::Answered(v.clone()),
                        None => {
                            resolved = false;
                            ItemStatus::Open
                        }
                    };
                    view.items.push(ItemView {
                        key,
                        id: decision.clone(),
                        kind: ItemKind::Ask,
                        depth,
                        optional: false,
                        status,
                        blockers: inherited.clone(),
                        text: question,
                        bindings: bindings.clone(),
                        item: None,
                    });
                }
                Item::If {
                    branches,
                    otherwise,
                } => {
                    let mut chosen: Option<&'m [Item]> = None;
                    let mut waiting = false;
                    for b in branches {
                        match self.truth(&b.when, &env) {
                            Truth::Yes => {
                                chosen = Some(&b.items);
                                break;
                            }
                            Truth::No => {}
                            Truth::Wait(blocker) => {
                                if !view.pending.contains(&blocker) {
                                    view.pending.push(blocker);
                                }
                                waiting = true;
                                break;
                            }
                        }
                    }
                    if waiting {
                        resolved = false;
                        continue;
                    }
                    if let Some(items) = chosen.or(otherwise.as_deref()) {
                        resolved &=
                            self.walk(items, bindings, depth, &inherited, today, statuses, view);
                    }
                }
                Item::Match { subject, arms, .. } => {
                    let subject_value = match subject {
                        Some(s) => match eval::eval(s, &env) {
                            Ok(v) => Some(v),
                            Err(EvalError::Unknown(name)) => {
                                let b = self.blocker_for(&name, bindings);
                                if !view.pending.contains(&b) {
                                    view.pending.push(b);
                                }
                                resolved = false;
                                continue;
                            }
                            Err(_) => continue,
                        },
                        None => None,
                    };
                    let mut chosen: Option<&'m [Item]> = None;
                    let mut waiting = None;
                    'arms: for arm in arms {
                        match &arm.patterns {
                            None => {
                                chosen = Some(&arm.items);
                                break;
                            }
                            Some(patterns) => {
                                for p in patterns {
                                    let hit = match &subject_value {
                                        Some(s) => eval::eval(p, &env).ok().as_ref() == Some(s),
                                        None => match self.truth(p, &env) {
                                            Truth::Yes => true,
                                            Truth::No => false,
                                            Truth::Wait(b) => {
                                                waiting = Some(b);
                                                break 'arms;
                                            }
                                        },
                                    };
                                    if hit {
                                        chosen = Some(&arm.items);
                                        break 'arms;
                                    }
                                }
                            }
                        }
                    }
                    if let Some(b) = waiting {
                        if !view.pending.contains(&b) {
                            view.pending.push(b);
                        }
                        resolved = false;
                        continue;
                    }
                    if let Some(items) = chosen {
                        resolved &=
                            self.walk(items, bindings, depth, &inherited, today, statuses, view);
                    }
                }
                Item::ForEach {
                    var, over, items, ..
                } => {
                    let elements = match eval::eval(over, &env) {
                        Ok(Value::Set(s)) => s,
                        Ok(_) => BTreeSet::new(),
                        Err(EvalError::Unknown(name)) => {
                            let b = self.blocker_for(&name, bindings);
                            if !view.pending.contains(&b) {
                                view.pending.push(b);
                            }
                            resolved = false;
                            continue;
                        }
                        Err(_) => BTreeSet::new(),
                    };
                    let mut all = true;
                    for element in elements {
                        bindings.push((var.clone(), element));
                        all &= self.walk(items, bindings, depth, &inherited, today, statuses, view);
                        bindings.pop();
                    }
                    if !all {
                        resolved = false;
                        // What follows the loop happens after its last element.
                        inherited.push(Blocker::Loop(var.clone()));
                    }
                }
            }
        }
        resolved
    }

    // -----------------------------------------------------------------
    // Commands. Each validates against the view, then appends one event.

    fn push(&mut self, now: Now, actor: &str, kind: EventKind) -> Result<&Event, RunError> {
        let last = self.last_time();
        // Time never runs backwards in the log: a clock set back is logged
        // at the time of the previous event.
        let time = match last {
            Some(l) if now.time < l => l,
            _ => now.time,
        };
        let event = Event {
            seq: self.serial() + 1,
            time,
            actor: actor.to_string(),
            kind,
        };
        self.apply(event).map_err(RunError::new)?;
        Ok(self.events.last().expect("just pushed"))
    }

    /// The step of an item or decision id, and its view; or why there is none.
    fn open_step<'v>(
        &self,
        view: &'v View<'m>,
        step_id: &str,
        what: &str,
    ) -> Result<&'v StepView<'m>, RunError> {
        let sv = view
            .step(step_id)
            .ok_or_else(|| RunError::new(format!("step `{step_id}` does not exist")))?;
        match sv.status {
            StepStatus::Ready | StepStatus::Active => Ok(sv),
            StepStatus::Done => Err(RunError::new(format!(
                "{what} belongs to step `{step_id}`, which is already complete"
            ))
            .help("undo the step's completion first (`playbook run undo`)")),
            StepStatus::Skipped => Err(RunError::new(format!(
                "{what} belongs to step `{step_id}`, which this run skips: {}",
                sv.skipped_because.as_deref().unwrap_or("it does not apply")
            ))),
            StepStatus::Blocked => {
                let mut e = RunError::new(format!(
                    "{what} belongs to step `{step_id}`, which is blocked"
                ));
                e.missing = sv.blockers.iter().map(|b| b.to_string()).collect();
                Err(e)
            }
        }
    }

    /// Finds the item an instance key names in a step view, or explains.
    fn find_item<'v>(
        &self,
        view: &'v View<'m>,
        key: &str,
    ) -> Result<(&'v StepView<'m>, &'v ItemView<'m>), RunError> {
        let id = base(key);
        let Some(step_id) = self.item_step.get(id) else {
            let known: Vec<&str> = self.item_step.keys().copied().collect();
            return Err(unknown("item", id, &known));
        };
        let sv = self.open_step(view, step_id, &format!("item `{key}`"))?;
        if let Some(i) = sv.item(key) {
            return Ok((sv, i));
        }
        let instances: Vec<&str> = sv
            .items
            .iter()
            .filter(|i| i.id == id)
            .map(|i| i.key.as_str())
            .collect();
        if !instances.is_empty() {
            return Err(RunError::new(format!(
                "`{key}` names no instance of item `{id}`, which is repeated for each element of a loop"
            ))
            .help(format!("name one of: {}", instances.join(", "))));
        }
        let mut e = RunError::new(format!(
            "item `{key}` does not apply to this run (yet): the conditions around it do not hold"
        ));
        e.missing = sv.pending.iter().map(|b| b.to_string()).collect();
        Err(e)
    }

    /// `done ITEM...`: marks instructions done and records what their
    /// actions compute.
    pub fn done(
        &mut self,
        keys: &[String],
        note: Option<String>,
        now: Now,
        actor: &str,
    ) -> Result<&Event, RunError> {
        if keys.is_empty() {
            return Err(RunError::new("name at least one item"));
        }
        let view = self.view(now.today);
        let mut effects = Vec::new();
        let mut seen = BTreeSet::new();
        for key in keys {
            let (_, item) = self.find_item(&view, key)?;
            if !seen.insert(key.clone()) {
                return Err(RunError::new(format!("item `{key}` is named twice")));
            }
            match item.kind {
                ItemKind::Do => {}
                ItemKind::Group => {
                    return Err(RunError::new(format!(
                        "item `{key}` is done when the items under it are; mark those instead"
                    )));
                }
                _ => {
                    return Err(RunError::new(format!(
                        "`{key}` is a {} and has nothing to do",
                        item.kind.as_str()
                    )));
                }
            }
            match &item.status {
                ItemStatus::Done => {
                    return Err(RunError::new(format!("item `{key}` is already done"))
                        .help("`playbook run undo` takes back the latest change"));
                }
                ItemStatus::Skipped(_) => {
                    return Err(RunError::new(format!("item `{key}` was skipped")));
                }
                _ => {}
            }
            // Items named together may wait for each other in the order given.
            let blockers: Vec<String> = item
                .blockers
                .iter()
                .filter(|b| match b {
                    Blocker::Item(i) => !keys
                        .iter()
                        .take_while(|k| *k != key)
                        .any(|k| base(k) == i.as_str()),
                    _ => true,
                })
                .map(|b| b.to_string())
                .collect();
            if !blockers.is_empty() {
                let mut e = RunError::new(format!("item `{key}` cannot be done yet"));
                e.missing = blockers;
                return Err(e);
            }
            let d = item.item.expect("a do item has its model item");
            let statuses = BTreeMap::new();
            let env = RunEnv {
                run: self,
                bindings: &item.bindings,
                today: Some(now.today),
                statuses: &statuses,
            };
            for action in &d.actions {
                let compute = |e: &Expr| {
                    eval::eval(e, &env).map_err(|err| {
                        RunError::new(format!("cannot compute the action of `{key}`: {err}"))
                    })
                };
                effects.push(match action {
                    ir::Action::Send { template, to } => Effect::Send {
                        item: key.clone(),
                        template: template.clone(),
                        to: to.clone(),
                    },
                    ir::Action::Set { field, value } => Effect::Set {
                        item: key.clone(),
                        field: field.clone(),
                        value: compute(value)?,
                    },
                    ir::Action::Request { role, set } => Effect::Request {
                        item: key.clone(),
                        role: role.clone(),
                        field: match set {
                            Some(fv) => Some((fv.field.clone(), compute(&fv.value)?)),
                            None => None,
                        },
                    },
                    ir::Action::CompleteTask { task } => Effect::CompleteTask {
                        item: key.clone(),
                        task: *task,
                    },
                    ir::Action::Record { criterion } => Effect::Record {
                        item: key.clone(),
                        criterion: criterion.clone(),
                    },
                });
            }
        }
        self.push(
            now,
            actor,
            EventKind::Done {
                items: keys.to_vec(),
                note,
                effects,
            },
        )
    }

    /// `answer DECISION VALUE`.
    pub fn answer(
        &mut self,
        key: &str,
        text: &str,
        now: Now,
        actor: &str,
    ) -> Result<&Event, RunError> {
        let id = base(key);
        let Some(decision) = self.model.decisions.iter().find(|d| d.id == id) else {
            let known: Vec<&str> = self.model.decisions.iter().map(|d| d.id.as_str()).collect();
            return Err(unknown("decision", id, &known));
        };
        let view = self.view(now.today);
        let sv = self.open_step(&view, &decision.step, &format!("decision `{key}`"))?;
        let Some(item) = sv
            .items
            .iter()
            .find(|i| i.kind == ItemKind::Ask && i.key == key)
        else {
            let instances: Vec<&str> = sv
                .items
                .iter()
                .filter(|i| i.kind == ItemKind::Ask && i.id == id)
                .map(|i| i.key.as_str())
                .collect();
            if !instances.is_empty() {
                return Err(RunError::new(format!(
                    "`{key}` names no instance of decision `{id}`, which is asked for each element of a loop"
                ))
                .help(format!("name one of: {}", instances.join(", "))));
            }
            let mut e = RunError::new(format!(
                "decision `{key}` is not asked on this run (yet): the conditions around it do not hold"
            ));
            e.missing = sv.pending.iter().map(|b| b.to_string()).collect();
            return Err(e);
        };
        if let ItemStatus::Answered(v) = &item.status {
            return Err(RunError::new(format!(
                "decision `{key}` is already answered: {}",
                value::show(v)
            ))
            .help("`playbook run undo` takes back the latest change"));
        }
        if !item.blockers.is_empty() {
            let mut e = RunError::new(format!("decision `{key}` cannot be answered yet"));
            e.missing = item.blockers.iter().map(|b| b.to_string()).collect();
            return Err(e);
        }
        let value = value::parse(self.model, &decision.ty, text)
            .map_err(|m| RunError::new(format!("decision `{key}`: {m}")))?;
        let key = key.to_string();
        self.push(
            now,
            actor,
            EventKind::Answer {
                decision: key,
                value,
            },
        )
    }

    /// `record CRITERION --evidence TEXT` (again: amends the evidence).
    pub fn record(
        &mut self,
        criterion: &str,
        evidence: &str,
        now: Now,
        actor: &str,
    ) -> Result<&Event, RunError> {
        let Some(c) = self.model.criterion(criterion) else {
            let known: Vec<&str> = self.model.criteria.iter().map(|c| c.id.as_str()).collect();
            return Err(unknown("criterion", criterion, &known));
        };
        if evidence.trim().is_empty() {
            return Err(RunError::new(
                "the evidence is empty: say which note holds it and what was written",
            ));
        }
        let view = self.view(now.today);
        let what = format!("criterion `{criterion}`");
        let sv = match c.kind {
            GateKind::Exit => self.open_step(&view, &c.step, &what)?,
            GateKind::Entry => {
                let sv = view
                    .step(&c.step)
                    .ok_or_else(|| RunError::new(format!("step `{}` does not exist", c.step)))?;
                match sv.status {
                    StepStatus::Blocked => {
                        let waits: Vec<String> = sv
                            .blockers
                            .iter()
                            .filter(|b| !matches!(b, Blocker::Evidence(_)))
                            .map(|b| b.to_string())
                            .collect();
                        if !waits.is_empty() {
                            let mut e = RunError::new(format!(
                                "{what} is an entry criterion of step `{}`, which waits for other things first",
                                c.step
                            ));
                            e.missing = waits;
                            return Err(e);
                        }
                        sv
                    }
                    _ => self.open_step(&view, &c.step, &what)?,
                }
            }
        };
        let gate = sv
            .entry
            .iter()
            .chain(&sv.exit)
            .find(|g| g.criterion == criterion);
        match gate.map(|g| &g.applies) {
            Some(Applicability::No) => {
                return Err(RunError::new(format!(
                    "{what} does not apply to this run: its `when` condition does not hold"
                )));
            }
            Some(Applicability::NotYet(b)) => {
                let mut e = RunError::new(format!("{what} cannot be recorded yet"));
                e.missing = vec![b.to_string()];
                return Err(e);
            }
            _ => {}
        }
        self.push(
            now,
            actor,
            EventKind::Record {
                criterion: criterion.to_string(),
                evidence: evidence.to_string(),
            },
        )
    }

    /// `complete STEP`: refused, with the list of what is missing.
    pub fn complete(&mut self, step: &str, now: Now, actor: &str) -> Result<&Event, RunError> {
        if self.model.step(step).is_none() {
            let known: Vec<&str> = self.model.steps.iter().map(|s| s.id.as_str()).collect();
            return Err(unknown("step", step, &known));
        }
        let view = self.view(now.today);
        let sv = self.open_step(&view, step, &format!("step `{step}`"))?;
        let needed = self.task_items(&view.steps);
        let missing = sv.missing(&needed);
        if !missing.is_empty() {
            let mut e = RunError::new(format!(
                "step `{step}` cannot be completed: {} {} missing",
                missing.len(),
                if missing.len() == 1 {
                    "thing is"
                } else {
                    "things are"
                }
            ));
            e.missing = missing;
            return Err(e);
        }
        self.push(
            now,
            actor,
            EventKind::Complete {
                step: step.to_string(),
            },
        )
    }

    /// `skip ITEM --reason TEXT`: optional items only.
    pub fn skip(
        &mut self,
        key: &str,
        reason: &str,
        now: Now,
        actor: &str,
    ) -> Result<&Event, RunError> {
        if reason.trim().is_empty() {
            return Err(RunError::new("give the reason for skipping"));
        }
        let view = self.view(now.today);
        let (_, item) = self.find_item(&view, key)?;
        if item.kind != ItemKind::Do || !item.optional {
            return Err(RunError::new(format!(
                "item `{key}` is not optional and cannot be skipped"
            ))
            .help("only items written `optional` can be skipped"));
        }
        if self.task_items(&view.steps).contains(key) {
            return Err(RunError::new(format!(
                "item `{key}` completes a mandatory task and cannot be skipped"
            )));
        }
        if item.finished() {
            return Err(RunError::new(format!("item `{key}` is already finished")));
        }
        self.push(
            now,
            actor,
            EventKind::Skip {
                item: key.to_string(),
                reason: reason.to_string(),
            },
        )
    }

    /// `undo`: takes back the latest change still in effect.
    pub fn undo(&mut self, now: Now, actor: &str) -> Result<&Event, RunError> {
        let Some(&top) = self.state.effective.last() else {
            return Err(RunError::new("nothing to undo"));
        };
        let Some(target) = self.event_at(top) else {
            return Err(RunError::new(
                "undo needs the event it takes back, and this run was resumed from a snapshot without it",
            )
            .help("read the event first (`StateFile::prepare_undo`), or the whole log"));
        };
        if matches!(
            target.kind,
            EventKind::Start { .. } | EventKind::Migrate { .. }
        ) {
            return Err(RunError::new(format!(
                "nothing to undo: the latest change in effect is the run's `{}`",
                target.kind.name()
            )));
        }
        let undoes = target.seq;
        self.push(now, actor, EventKind::Undo { undoes })
    }

    /// Appends a migration event (the caller has changed the model).
    pub fn migrate(
        &mut self,
        from: &str,
        to: &str,
        changes: Vec<String>,
        now: Now,
        actor: &str,
    ) -> Result<&Event, RunError> {
        self.push(
            now,
            actor,
            EventKind::Migrate {
                from: from.to_string(),
                to: to.to_string(),
                changes,
            },
        )
    }

    /// The most recent date set in a date field by an action: the run's
    /// next action date.
    pub fn next_action_date(&self) -> Option<jiff::civil::Date> {
        let mut best: Option<(u64, jiff::civil::Date)> = None;
        for stack in self.state.fields.values() {
            if let Some((Value::Date(d), seq)) = stack.last()
                && best.is_none_or(|(s, _)| *seq > s)
            {
                best = Some((*seq, *d));
            }
        }
        best.map(|(_, d)| d)
    }

    /// The step an item id belongs to.
    pub fn step_of_item(&self, key: &str) -> Option<&'m str> {
        self.item_step.get(base(key)).copied()
    }
}

/// The id of an instance key: `review-activities:exchange` -> `review-activities`.
pub fn base(key: &str) -> &str {
    key.split(':').next().unwrap_or(key)
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

fn unknown(what: &str, name: &str, known: &[&str]) -> RunError {
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(name, k), *k))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let e = RunError::new(format!("the playbook has no {what} `{name}`"));
    match best {
        Some((_, k)) => e.help(format!("did you mean `{k}`?")),
        None => e,
    }
}
