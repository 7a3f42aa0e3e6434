//! Replay: a run started, resumed from its sealed table or rebuilt from its
//! log, each event added to (or taken back from) the state it adds up to.

use super::*;
use crate::labels::fill;

impl<'m> Run<'m> {
    /// Starts a run: checks the playbook's `requires` and computes the
    /// definitions. The start event is the first of the log.
    pub fn start(
        model: &'m Playbook,
        inputs: BTreeMap<String, Value>,
        now: Now,
        actor: &str,
    ) -> Result<Run<'m>, RunError> {
        Run::start_in(model, inputs, now, actor, &model.source_locale)
    }

    /// [`Run::start`], refusing in the words of `locale`.
    pub fn start_in(
        model: &'m Playbook,
        inputs: BTreeMap<String, Value>,
        now: Now,
        actor: &str,
        locale: &str,
    ) -> Result<Run<'m>, RunError> {
        let r = crate::labels::refuse::get(locale);
        let mut run = Run::empty(model, inputs);
        run.speak(locale);
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
                    let why = eval::explain::why_false(model, requires, &env, locale);
                    let mut e = RunError::new(fill(
                        r.requires_fails,
                        &[&model.id, &crate::ir::show::show(requires)],
                    ));
                    e.missing = why.lines;
                    return Err(e.help(if why.fixes.is_empty() {
                        r.requires_help.to_string()
                    } else {
                        fill(r.requires_would, &[&why.fixes.join(r.or)])
                    }));
                }
                Err(e) => return Err(RunError::new(fill(r.cannot_start, &[&e.to_string()]))),
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

    pub(super) fn empty(model: &'m Playbook, inputs: BTreeMap<String, Value>) -> Run<'m> {
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
        let mut decisions = BTreeMap::new();
        for d in &model.decisions {
            decisions.entry(d.id.as_str()).or_insert(d);
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
            decisions,
            criteria: model.criteria.iter().map(|c| c.id.as_str()).collect(),
            waits: std::cell::OnceCell::new(),
            locale: model.source_locale.clone(),
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
    pub(super) fn apply(&mut self, event: Event) -> Result<(), String> {
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
    pub(super) fn mapped_part(&self, event: &Event) -> Option<Event> {
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
    pub(super) fn maps(&self, event: &Event) -> bool {
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
            EventKind::Answer { decision, value } => self
                .decision(base(decision))
                .is_some_and(|d| super::value::fits(m, &d.ty, value)),
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

    pub(super) fn retract(s: &mut Derived, event: &Event) {
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
    pub(super) fn decision_key(&self, id: &str, bindings: &[(String, String)]) -> String {
        let per_loop = self.decision(id).is_some_and(|d| d.per.is_some());
        if per_loop {
            instance_key(id, bindings)
        } else {
            id.to_string()
        }
    }

    /// The declaration of the decision `id`.
    pub(super) fn decision(&self, id: &str) -> Option<&'m ir::Decision> {
        self.decisions.get(id).copied()
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
}
