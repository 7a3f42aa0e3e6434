//! The commands: each validated against the view and appended as one event.

use super::*;
use crate::labels::fill;

impl<'m> Run<'m> {
    /// Speaks `locale` from now on: refusals, explanations and what waits.
    pub fn speak(&mut self, locale: &str) {
        self.locale = locale.to_string();
    }

    /// The language the run speaks.
    pub fn locale(&self) -> &str {
        &self.locale
    }

    /// The refusals in the run's language.
    pub(super) fn say(&self) -> &'static crate::labels::refuse::Refusals {
        crate::labels::refuse::get(&self.locale)
    }

    /// What waits, in the run's language.
    pub(super) fn waits(&self, blockers: &[Blocker]) -> Vec<String> {
        let w = &crate::labels::get(&self.locale).run;
        blockers.iter().map(|b| b.say(w)).collect()
    }

    // -----------------------------------------------------------------
    // Commands. Each validates against the view, then appends one event.

    pub(super) fn push(
        &mut self,
        now: Now,
        actor: &str,
        kind: EventKind,
    ) -> Result<&Event, RunError> {
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
    pub(super) fn open_step<'v>(
        &self,
        view: &'v View<'m>,
        step_id: &str,
        what: &str,
    ) -> Result<&'v StepView<'m>, RunError> {
        let r = self.say();
        let sv = view
            .step(step_id)
            .ok_or_else(|| RunError::new(fill(r.no_step, &[step_id])))?;
        // `complete STEP` names the step itself: it is not "in" itself.
        let itself = what == fill(r.the_step, &[step_id]);
        let say = |own: &str, within: &str, why: &str| {
            if itself {
                fill(own, &[step_id, why])
            } else {
                fill(within, &[what, step_id, why])
            }
        };
        match sv.status {
            StepStatus::Ready | StepStatus::Active => Ok(sv),
            StepStatus::Done => {
                Err(RunError::new(say(r.step_done, r.in_step_done, ""))
                    .help(r.undo_completion_help))
            }
            StepStatus::Skipped => Err(RunError::new(say(
                r.step_skipped,
                r.in_step_skipped,
                sv.skipped_because.as_deref().unwrap_or(r.does_not_apply),
            ))),
            StepStatus::Blocked => {
                let mut e = RunError::new(say(r.step_blocked, r.in_step_blocked, ""));
                e.missing = self.waits(&sv.blockers);
                Err(e)
            }
        }
    }

    /// Finds the item an instance key names in a step view, or explains.
    pub(super) fn find_item<'v>(
        &self,
        view: &'v View<'m>,
        key: &str,
    ) -> Result<(&'v StepView<'m>, &'v ItemView<'m>), RunError> {
        let r = self.say();
        let id = base(key);
        let Some(step_id) = self.item_step.get(id) else {
            let known: Vec<&str> = self.item_step.keys().copied().collect();
            return Err(unknown(r, r.unknown_item, id, &known));
        };
        let sv = self.open_step(view, step_id, &fill(r.the_item, &[key]))?;
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
            return Err(RunError::new(fill(r.no_instance_item, &[key, id]))
                .help(fill(r.name_one_of, &[&instances.join(", ")])));
        }
        let mut e = RunError::new(fill(r.item_not_here, &[key]));
        e.missing = self.waits(&sv.pending);
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
        let r = self.say();
        if keys.is_empty() {
            return Err(RunError::new(r.no_items));
        }
        let view = self.view(now.today);
        let mut effects = Vec::new();
        let mut seen = BTreeSet::new();
        for key in keys {
            let (_, item) = self.find_item(&view, key)?;
            if !seen.insert(key.clone()) {
                return Err(RunError::new(fill(r.named_twice, &[key])));
            }
            match item.kind {
                ItemKind::Do => {}
                ItemKind::Group => {
                    return Err(RunError::new(fill(r.group_item, &[key])));
                }
                _ => {
                    return Err(RunError::new(fill(
                        r.not_a_task,
                        &[key, item.kind.as_str()],
                    )));
                }
            }
            match &item.status {
                ItemStatus::Done => {
                    return Err(RunError::new(fill(r.item_done, &[key])).help(r.undo_help));
                }
                ItemStatus::Skipped(_) => {
                    return Err(RunError::new(fill(r.item_skipped, &[key])));
                }
                _ => {}
            }
            // Items named together may wait for each other in the order given.
            let blockers: Vec<Blocker> = item
                .blockers
                .iter()
                .filter(|b| match b {
                    Blocker::Item(i) => !keys
                        .iter()
                        .take_while(|k| *k != key)
                        .any(|k| base(k) == i.as_str()),
                    _ => true,
                })
                .cloned()
                .collect();
            if !blockers.is_empty() {
                let mut e = RunError::new(fill(r.item_not_yet, &[key]));
                e.missing = self.waits(&blockers);
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
                        RunError::new(fill(r.cannot_compute, &[key, &err.to_string()]))
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
        let r = self.say();
        let id = base(key);
        let Some(decision) = self.decision(id) else {
            let known: Vec<&str> = self.model.decisions.iter().map(|d| d.id.as_str()).collect();
            return Err(unknown(r, r.unknown_decision, id, &known));
        };
        let view = self.view(now.today);
        let sv = self.open_step(&view, &decision.step, &fill(r.the_decision, &[key]))?;
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
                return Err(RunError::new(fill(r.no_instance_decision, &[key, id]))
                    .help(fill(r.name_one_of, &[&instances.join(", ")])));
            }
            let mut e = RunError::new(fill(r.decision_not_here, &[key]));
            e.missing = self.waits(&sv.pending);
            return Err(e);
        };
        if let ItemStatus::Answered(v) = &item.status {
            return Err(RunError::new(fill(r.answered, &[key, &value::show(v)])).help(r.undo_help));
        }
        if !item.blockers.is_empty() {
            let mut e = RunError::new(fill(r.answer_not_yet, &[key]));
            e.missing = self.waits(&item.blockers);
            return Err(e);
        }
        let value = value::parse(self.model, &decision.ty, text)
            .map_err(|m| RunError::new(fill(r.bad_answer, &[key, &m])))?;
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
        let r = self.say();
        let Some(c) = self.model.criterion(criterion) else {
            let known: Vec<&str> = self.model.criteria.iter().map(|c| c.id.as_str()).collect();
            return Err(unknown(r, r.unknown_criterion, criterion, &known));
        };
        if evidence.trim().is_empty() {
            return Err(RunError::new(r.empty_evidence));
        }
        let view = self.view(now.today);
        let what = fill(r.the_criterion, &[criterion]);
        let sv = match c.kind {
            GateKind::Exit => self.open_step(&view, &c.step, &what)?,
            GateKind::Entry => {
                let sv = view
                    .step(&c.step)
                    .ok_or_else(|| RunError::new(fill(r.no_step, &[&c.step])))?;
                match sv.status {
                    StepStatus::Blocked => {
                        let waits: Vec<Blocker> = sv
                            .blockers
                            .iter()
                            .filter(|b| !matches!(b, Blocker::Evidence(_)))
                            .cloned()
                            .collect();
                        if !waits.is_empty() {
                            let mut e = RunError::new(fill(r.entry_waits, &[&what, &c.step]));
                            e.missing = self.waits(&waits);
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
                let rule = sv
                    .step
                    .entry
                    .iter()
                    .chain(&sv.step.exit)
                    .find(|g| g.criterion == criterion)
                    .and_then(|g| g.when.as_ref());
                let statuses: BTreeMap<&str, StepStatus> = view
                    .steps
                    .iter()
                    .map(|s| (s.step.id.as_str(), s.status))
                    .collect();
                let env = RunEnv {
                    run: self,
                    bindings: &[],
                    today: Some(now.today),
                    statuses: &statuses,
                };
                let why = rule.map_or_else(
                    || r.when_fails.to_string(),
                    |rule| self.why_not("when", rule, &env),
                );
                return Err(RunError::new(fill(r.gate_not_here, &[&what, &why])));
            }
            Some(Applicability::NotYet(b)) => {
                let mut e = RunError::new(fill(r.record_not_yet, &[&what]));
                e.missing = self.waits(std::slice::from_ref(b));
                return Err(e);
            }
            _ => {}
        }
        if let Some(g) = gate.filter(|g| !g.waits.is_empty()) {
            let mut e = RunError::new(fill(r.before_work, &[&what])).help(r.before_work_help);
            e.missing = self.waits(&g.waits);
            return Err(e);
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
        let r = self.say();
        if self.model.step(step).is_none() {
            let known: Vec<&str> = self.model.steps.iter().map(|s| s.id.as_str()).collect();
            return Err(unknown(r, r.unknown_step, step, &known));
        }
        let view = self.view(now.today);
        let sv = self.open_step(&view, step, &fill(r.the_step, &[step]))?;
        let needed = self.task_items(&view.steps);
        let missing = sv.missing(&needed, &self.locale);
        if !missing.is_empty() {
            let mut e = RunError::new(if missing.len() == 1 {
                fill(r.cannot_complete_one, &[step])
            } else {
                fill(r.cannot_complete, &[step, &missing.len().to_string()])
            });
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
        let r = self.say();
        if reason.trim().is_empty() {
            return Err(RunError::new(r.no_reason));
        }
        let view = self.view(now.today);
        let (_, item) = self.find_item(&view, key)?;
        if item.kind != ItemKind::Do || !item.optional {
            return Err(RunError::new(fill(r.not_optional, &[key])).help(r.not_optional_help));
        }
        if self.task_items(&view.steps).contains(key) {
            return Err(RunError::new(fill(r.task_item, &[key])));
        }
        if item.finished() {
            return Err(RunError::new(fill(r.item_finished, &[key])));
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
        let r = self.say();
        let Some(&top) = self.state.effective.last() else {
            return Err(RunError::new(r.nothing_to_undo));
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
            return Err(RunError::new(fill(r.undo_start, &[target.kind.name()])));
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
