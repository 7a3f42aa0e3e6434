//! The view: what the run's state means for each step, gate and item, with
//! what blocks it and what can be done next.

use super::*;

/// Notes the `do` items of `item` as hidden while its conditions wait for
/// an answer or evidence: they may still apply ([`StepView::waiting`]).
fn hide(item: &Item, view: &mut StepView<'_>) {
    ir::walk_items(std::slice::from_ref(item), &mut |i| {
        if let Item::Do(d) = i {
            view.waiting.push(d.id.clone());
        }
    });
}

impl<'m> Run<'m> {
    pub(super) fn truth(&self, e: &Expr, env: &RunEnv<'_, 'm>) -> Truth {
        match eval::eval(e, env) {
            Ok(Value::Bool(true)) => Truth::Yes,
            Ok(_) => Truth::No,
            Err(EvalError::Unknown(name)) => Truth::Wait(self.blocker_for(&name, env.bindings)),
            // An expression that cannot be computed (an overflow) does not hold.
            Err(_) => Truth::No,
        }
    }

    /// Why a rule (`requires`, `when`) does not hold, in one line: the rule,
    /// the values that fail it, and what would satisfy it.
    pub(super) fn why_not(&self, keyword: &str, rule: &Expr, env: &RunEnv<'_, 'm>) -> String {
        let r = crate::labels::refuse::get(&self.locale);
        let why = eval::explain::why_false(self.model, rule, env, &self.locale);
        let mut out = crate::labels::fill(r.rule_fails, &[keyword, &crate::ir::show::show(rule)]);
        if !why.lines.is_empty() {
            out.push_str(": ");
            out.push_str(&why.lines.join("; "));
        }
        if !why.fixes.is_empty() {
            let would = crate::labels::fill(r.would_with, &[&why.fixes.join(r.or)]);
            out.push_str(&format!(" ({would})"));
        }
        out
    }

    pub(super) fn blocker_for(&self, name: &str, bindings: &[(String, String)]) -> Blocker {
        if self.criteria.contains(name) {
            Blocker::Evidence(name.to_string())
        } else if self.decision(name).is_some() {
            Blocker::Answer(self.decision_key(name, bindings))
        } else if !self.model.inputs.iter().any(|i| i.id == name) {
            // `recorded` of a criterion no step declares is never known.
            Blocker::Evidence(name.to_string())
        } else {
            Blocker::Answer(name.to_string())
        }
    }

    /// Whether the run covers a service list.
    pub(super) fn applies(&self, applies: &Applies) -> bool {
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

    /// Steps a step waits for, by index: those it comes `after`, those
    /// that record evidence it reads, and those that ask a decision it
    /// reads ([`Playbook::waits`], shared with the checks).
    pub(super) fn dependencies(&self, step: usize) -> &[usize] {
        let waits = self.waits.get_or_init(|| {
            self.model
                .waits()
                .into_iter()
                .map(|w| w.into_iter().map(|(a, _)| a).collect())
                .collect()
        });
        waits.get(step).map_or(&[], Vec::as_slice)
    }

    /// Steps, by index, in an order where each comes after what it waits
    /// for (source order among equals; a cycle, reported by the checks,
    /// keeps source order).
    ///
    /// The order is that of passes over the steps in source order, each
    /// placing every step whose dependencies are placed (earlier in the
    /// pass or in an earlier one), until a pass places none and the rest
    /// follow in source order. It is computed without the passes: a step
    /// placed in pass `p` (counting from 0) is placed in the pass of its
    /// latest dependency, or the next pass when that dependency comes after
    /// it in source order; the placed steps are then sorted by pass and
    /// source order. Linear in the steps and their dependencies, but for
    /// the sort.
    pub(super) fn order(&self) -> Vec<usize> {
        let n = self.model.steps.len();
        let mut waiting_on: Vec<usize> = (0..n).map(|s| self.dependencies(s).len()).collect();
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for s in 0..n {
            for &d in self.dependencies(s) {
                dependents[d].push(s);
            }
        }
        let mut pass = vec![0usize; n];
        let mut free: Vec<usize> = (0..n).filter(|&s| waiting_on[s] == 0).collect();
        let mut placed = Vec::with_capacity(n);
        while let Some(d) = free.pop() {
            placed.push(d);
            for &s in &dependents[d] {
                pass[s] = pass[s].max(pass[d] + usize::from(d > s));
                waiting_on[s] -= 1;
                if waiting_on[s] == 0 {
                    free.push(s);
                }
            }
        }
        placed.sort_unstable_by_key(|&s| (pass[s], s));
        if placed.len() < n {
            // What waits on a cycle: in source order, after the rest.
            let mut rest: Vec<usize> = (0..n).filter(|&s| waiting_on[s] > 0).collect();
            placed.append(&mut rest);
        }
        placed
    }

    /// What the run's state means for every step and item.
    pub fn view(&self, today: jiff::civil::Date) -> View<'m> {
        let steps = &self.model.steps;
        let mut statuses: BTreeMap<&'m str, StepStatus> = BTreeMap::new();
        let mut slots: Vec<Option<StepView<'m>>> = Vec::new();
        slots.resize_with(steps.len(), || None);
        for at in self.order() {
            let v = self.step_view(at, today, &statuses);
            statuses.insert(steps[at].id.as_str(), v.status);
            slots[at] = Some(v);
        }
        // Show steps in source order.
        let views: Vec<StepView<'m>> = slots.into_iter().flatten().collect();
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
                if i.required() && i.status != ItemStatus::AddedLater {
                    total += 1;
                    done += usize::from(i.finished());
                }
            }
            for g in v.entry.iter().chain(&v.exit) {
                if g.applies == Applicability::Yes
                    && !g.added_later
                    && gates_seen.insert(g.criterion.clone())
                {
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
                        if g.applies == Applicability::Yes && !g.recorded && g.waits.is_empty() {
                            next.push(Next::Record {
                                criterion: g.criterion.clone(),
                                step: id.clone(),
                            });
                        }
                    }
                    if v.missing(&needed, &self.locale).is_empty() {
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

    /// Whether the run is complete: [`View::complete`], without the view
    /// while a step that neither a `requires` nor its services can skip
    /// is not completed yet (such a step is neither done nor skipped).
    pub fn is_complete(&self, today: jiff::civil::Date) -> bool {
        let open = self.model.steps.iter().any(|s| {
            s.requires.is_none()
                && self.applies(&s.applies)
                && !self.state.completed.contains_key(&s.id)
        });
        !open && self.view(today).complete
    }

    /// The mandatory tasks that apply to this run.
    pub(super) fn mandatory_tasks(&self) -> Vec<u32> {
        self.model
            .tasks
            .iter()
            .filter(|t| t.mandatory && self.applies(&t.applies))
            .map(|t| t.number)
            .collect()
    }

    /// Keys of the items that complete a mandatory task of the run.
    pub(super) fn task_items(&self, views: &[StepView<'m>]) -> BTreeSet<String> {
        let mandatory: BTreeSet<u32> = self.mandatory_tasks().into_iter().collect();
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

    /// The view of the step at index `at` of the model, given the
    /// statuses of the steps decided before it.
    pub(super) fn step_view(
        &self,
        at: usize,
        today: jiff::civil::Date,
        statuses: &BTreeMap<&'m str, StepStatus>,
    ) -> StepView<'m> {
        let step = &self.model.steps[at];
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
            waiting: Vec::new(),
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
                    view.skipped_because = Some(self.why_not("requires", guard, &env));
                    return view;
                }
                Truth::Wait(b) => view.blockers.push(b),
            }
        }
        for &dep in self.dependencies(at) {
            let dep = self.model.steps[dep].id.as_str();
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
                    added_later: false,
                    waits: Vec::new(),
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
        // Exit evidence tied to items waits until every instance of them
        // that applies is done (or skipped).
        for (g, model) in view.exit.iter_mut().zip(&step.exit) {
            for a in &model.after {
                let open = view
                    .items
                    .iter()
                    .filter(|i| &i.id == a && i.kind == ItemKind::Do && !i.finished())
                    .map(|i| Blocker::Item(i.key.clone()));
                g.waits.extend(open);
                if view.waiting.contains(a) && !g.waits.contains(&Blocker::Item(a.clone())) {
                    g.waits.push(Blocker::Item(a.clone()));
                }
            }
        }
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
            // A step completes only with everything it requires, so what
            // it lacks now came with a migration after it was completed.
            for i in view.items.iter_mut() {
                if i.required() && !i.finished() {
                    i.status = ItemStatus::AddedLater;
                    i.blockers.clear();
                }
            }
            for g in view.exit.iter_mut() {
                g.added_later = g.applies == Applicability::Yes && !g.recorded;
            }
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

    pub(super) fn recorded_in_step(&self, criterion: &str, step: &Step) -> bool {
        self.model
            .criterion(criterion)
            .is_some_and(|c| c.step == step.id)
    }

    /// Adds the `after` blockers between items of a step.
    pub(super) fn order_items(&self, step: &Step, view: &mut StepView<'m>) {
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
    pub(super) fn walk(
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
                                hide(item, view);
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
                    let question = self.decision(decision).map(|d| &d.question);
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
                        hide(item, view);
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
                                hide(item, view);
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
                        hide(item, view);
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
                            hide(item, view);
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
}
