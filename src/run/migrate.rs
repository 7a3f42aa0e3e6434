//! Moving a run to a changed playbook: the plan says what the change means
//! for this run (steps added, removed, renamed; evidence, answers and done
//! items that no longer map; inputs to give again), and applying it
//! appends a `migrate` event, keeping the whole old log.

use super::engine::{ItemStatus, StepStatus, View, parse_inputs};
use super::state::{Fault, Manifest, StateFile, fingerprint};
use super::value;
use crate::eval::Value;
use crate::ir::Playbook;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub same: bool,
    pub steps_added: Vec<String>,
    pub steps_removed: Vec<String>,
    /// Same id, another title: (id, old title, new title).
    pub steps_renamed: Vec<(String, String, String)>,
    pub items_added: Vec<String>,
    pub items_removed: Vec<String>,
    /// Events of the log whose ids the new playbook lacks.
    pub unmapped: Vec<String>,
    /// What the change means for work the run finished: items and exit
    /// criteria added to steps it completed, and whether a complete run
    /// stays complete ([`Plan::judge`]).
    pub outcome: Vec<String>,
    /// What stops the migration until it is given or fixed.
    pub blocking: Vec<String>,
    /// The run's inputs under the new playbook.
    pub inputs: BTreeMap<String, Value>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.same
    }

    /// The changes, one line each, as the `migrate` event records them.
    pub fn changes(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(self.steps_added.iter().map(|s| format!("step `{s}` added")));
        out.extend(
            self.steps_removed
                .iter()
                .map(|s| format!("step `{s}` removed")),
        );
        out.extend(
            self.steps_renamed
                .iter()
                .map(|(id, old, new)| format!("step `{id}` renamed from \"{old}\" to \"{new}\"")),
        );
        out.extend(self.items_added.iter().map(|s| format!("item `{s}` added")));
        out.extend(
            self.items_removed
                .iter()
                .map(|s| format!("item `{s}` removed")),
        );
        out.extend(self.unmapped.iter().cloned());
        out.extend(self.outcome.iter().cloned());
        if out.is_empty() && !self.same {
            out.push("texts or conditions changed; every step and item keeps its id".to_string());
        }
        out
    }

    /// The plan in words.
    pub fn describe(&self) -> String {
        if self.same {
            return String::new();
        }
        let mut out = String::from("migration plan:\n");
        for c in self.changes() {
            out.push_str(&format!("  ~ {c}\n"));
        }
        for b in &self.blocking {
            out.push_str(&format!("  ! {b}\n"));
        }
        out
    }
}

impl Plan {
    /// Says what the move means for work the run finished, from the run
    /// under the old model (when known) and under the new one: what a step
    /// the run completed lacks now is not asked of the run (the step stays
    /// completed), and a complete run is said to stay complete, or not.
    pub fn judge(&mut self, before: Option<&View<'_>>, after: &View<'_>) {
        for s in &after.steps {
            if s.status != StepStatus::Done {
                continue;
            }
            for i in s
                .items
                .iter()
                .filter(|i| i.status == ItemStatus::AddedLater)
            {
                self.outcome.push(format!(
                    "item `{}` is new in step `{}`, which this run completed: the step stays \
                     completed, and the item is shown as added later, not as work left",
                    i.key, s.step.id
                ));
            }
            for g in s.exit.iter().filter(|g| g.added_later) {
                self.outcome.push(format!(
                    "exit criterion `{}` is new in step `{}`, which this run completed: the \
                     step stays completed, and the criterion is shown as added later",
                    g.criterion, s.step.id
                ));
            }
        }
        match (before.map(|b| b.complete), after.complete) {
            (Some(true), true) => self
                .outcome
                .push("the run was complete and stays complete".to_string()),
            (Some(true), false) => {
                let open: Vec<String> = after
                    .steps
                    .iter()
                    .filter(|s| !matches!(s.status, StepStatus::Done | StepStatus::Skipped))
                    .map(|s| format!("`{}`", s.step.id))
                    .chain(
                        after
                            .tasks
                            .iter()
                            .filter(|(_, done)| !done)
                            .map(|(t, _)| format!("task {t}")),
                    )
                    .collect();
                self.outcome.push(format!(
                    "the run was complete and is not any more: {} still to do",
                    open.join(", ")
                ));
            }
            _ => {}
        }
    }
}

/// What moving the run in `stored` to `new` means.
pub fn plan(
    stored: &StateFile,
    text: &str,
    new: &Playbook,
    given: &[(String, String)],
) -> Result<Plan, Fault> {
    let _ = text;
    let mut plan = Plan {
        same: stored.fingerprint == fingerprint(new),
        ..Plan::default()
    };
    if plan.same {
        return Ok(plan);
    }
    let old = &stored.manifest;
    let now = Manifest::of(new);
    // Steps by id, the first of an id as a search in order finds it.
    let mut old_steps = BTreeMap::new();
    for o in &old.steps {
        old_steps.entry(o.id.as_str()).or_insert(o);
    }
    let now_steps: BTreeSet<&str> = now.steps.iter().map(|s| s.id.as_str()).collect();
    for s in &now.steps {
        match old_steps.get(s.id.as_str()) {
            None => plan.steps_added.push(s.id.clone()),
            Some(o) => {
                if o.title != s.title {
                    plan.steps_renamed
                        .push((s.id.clone(), o.title.clone(), s.title.clone()));
                }
                plan.items_added.extend(
                    s.items
                        .iter()
                        .filter(|i| !o.items.contains(i))
                        .map(|i| i.to_string()),
                );
                plan.items_removed.extend(
                    o.items
                        .iter()
                        .filter(|i| !s.items.contains(i))
                        .map(|i| i.to_string()),
                );
            }
        }
    }
    for o in &old.steps {
        if !now_steps.contains(o.id.as_str()) {
            plan.steps_removed.push(o.id.clone());
        }
    }
    // Inputs: kept when the new playbook has them with a type their value
    // fits; given again with --input otherwise.
    let given_inputs = parse_inputs_partial(new, given, &mut plan.blocking);
    for input in &new.inputs {
        if let Some(v) = given_inputs.get(&input.id) {
            plan.inputs.insert(input.id.clone(), v.clone());
            continue;
        }
        match stored.input(&input.id) {
            Some(raw) => match value::from_toml(new, &input.ty, raw) {
                Ok(v) => {
                    plan.inputs.insert(input.id.clone(), v);
                }
                Err(e) => plan.blocking.push(format!(
                    "input `{}` changed type ({e}): give it with `--input {}=VALUE`",
                    input.id, input.id
                )),
            },
            None => plan.blocking.push(format!(
                "input `{}` (type `{}`) is new: give it with `--input {}=VALUE`",
                input.id, input.ty, input.id
            )),
        }
    }
    // Events that name what the new playbook lacks.
    let mut items: BTreeSet<&str> = BTreeSet::new();
    for s in &new.steps {
        crate::ir::walk_items(&s.items, &mut |i| {
            if let crate::ir::Item::Do(d) = i {
                items.insert(d.id.as_str());
            }
        });
    }
    let decisions: BTreeSet<&str> = new.decisions.iter().map(|d| d.id.as_str()).collect();
    let criteria: BTreeSet<&str> = new.criteria.iter().map(|c| c.id.as_str()).collect();
    let steps: BTreeSet<&str> = new.steps.iter().map(|s| s.id.as_str()).collect();
    for (seq, kind, id) in stored.named() {
        let base = super::engine::base(&id);
        let exists = match kind {
            "item" => items.contains(base),
            "decision" => decisions.contains(base),
            "criterion" => criteria.contains(base),
            "step" => steps.contains(base),
            _ => true,
        };
        if !exists {
            plan.unmapped.push(format!(
                "event {seq} names {kind} `{id}`, which the playbook no longer has: it stays in the log and no longer counts"
            ));
        }
    }
    for (seq, decision, value) in stored.answers_that_no_longer_fit(new) {
        let ty = super::engine::decision_type(new, &decision)
            .map(|t| value::describe_type(new, t))
            .unwrap_or_default();
        plan.unmapped.push(format!(
            "event {seq} answers decision `{decision}` with {value}, which is not {ty} any more: \
             it stays in the log and no longer counts; answer the decision again"
        ));
    }
    Ok(plan)
}

fn parse_inputs_partial(
    model: &Playbook,
    given: &[(String, String)],
    blocking: &mut Vec<String>,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (name, text) in given {
        let one = [(name.clone(), text.clone())];
        match parse_inputs(model, &one) {
            Ok(v) => out.extend(v),
            Err(errors) => {
                // Only this input's problems: the others are reported as missing.
                for e in errors {
                    if !e.contains("is missing") {
                        blocking.push(e);
                    }
                }
                if let Some(i) = model.inputs.iter().find(|i| &i.id == name)
                    && let Ok(v) = value::parse(model, &i.ty, text)
                {
                    out.insert(name.clone(), v);
                }
            }
        }
    }
    out
}
