//! The commands: each validated against the view and appended as one event.

use super::*;

impl<'m> Run<'m> {
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
        let sv = view
            .step(step_id)
            .ok_or_else(|| RunError::new(format!("step `{step_id}` does not exist")))?;
        // `complete STEP` names the step itself: it is not "in" itself.
        let whose = if what == format!("step `{step_id}`") {
            format!("step `{step_id}`")
        } else {
            format!("{what} belongs to step `{step_id}`, which")
        };
        let whose = whose.as_str();
        match sv.status {
            StepStatus::Ready | StepStatus::Active => Ok(sv),
            StepStatus::Done => Err(RunError::new(format!("{whose} is already complete"))
                .help("undo the step's completion first (`playbook run undo`)")),
            StepStatus::Skipped => Err(RunError::new(format!(
                "{whose} is skipped in this run: {}",
                sv.skipped_because.as_deref().unwrap_or("it does not apply")
            ))),
            StepStatus::Blocked => {
                let mut e = RunError::new(format!("{whose} is blocked"));
                e.missing = sv.blockers.iter().map(|b| b.to_string()).collect();
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
                    || "its `when` condition does not hold".to_string(),
                    |r| self.why_not("when", r, &env),
                );
                return Err(RunError::new(format!(
                    "{what} does not apply to this run: {why}"
                )));
            }
            Some(Applicability::NotYet(b)) => {
                let mut e = RunError::new(format!("{what} cannot be recorded yet"));
                e.missing = vec![b.to_string()];
                return Err(e);
            }
            _ => {}
        }
        if let Some(g) = gate.filter(|g| !g.waits.is_empty()) {
            let mut e = RunError::new(format!(
                "{what} documents work not done yet: its evidence is recorded once the items \
                 it comes `after` are done"
            ))
            .help("mark the items done first (`playbook run done ITEM`), then record the evidence");
            e.missing = g.waits.iter().map(|b| b.to_string()).collect();
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
