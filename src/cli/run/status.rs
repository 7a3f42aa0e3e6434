//! `playbook run status`: a run's progress, each step's state, what
//! blocks it and what can be done next, for people or as JSON.

use crate::labels::{self, RunWords, fill};
use crate::run::engine::{
    Applicability, Blocker, ItemKind, ItemStatus, ItemView, Run, StepStatus, View,
};
use crate::run::report::step_status;
use crate::run::state::StateFile;
use crate::run::{text, value};
use crate::runs::overdue;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

fn blocker_json(b: &Blocker) -> BlockerJson {
    BlockerJson {
        kind: b.kind(),
        name: b.name().to_string(),
        message: b.to_string(),
    }
}

#[derive(Serialize)]
struct BlockerJson {
    kind: &'static str,
    name: String,
    message: String,
}

#[derive(Serialize)]
pub struct StatusJson {
    schema: u32,
    playbook: String,
    name: String,
    lineage: String,
    serial: u64,
    /// Set when the run is shown against the model pinned in its state
    /// file: why (the playbook changed or cannot be compiled).
    pub pinned: Option<String>,
    complete: bool,
    progress: Progress,
    current_step: Option<String>,
    next_action_date: Option<String>,
    overdue: bool,
    inputs: BTreeMap<String, String>,
    computed: BTreeMap<String, String>,
    fields: BTreeMap<String, String>,
    tasks: Vec<TaskJson>,
    steps: Vec<StepJson>,
    next: Vec<NextJson>,
}

#[derive(Serialize)]
struct Progress {
    done: usize,
    total: usize,
}

#[derive(Serialize)]
struct TaskJson {
    number: u32,
    completed: bool,
}

#[derive(Serialize)]
struct StepJson {
    id: String,
    title: String,
    status: &'static str,
    blocked_by: Vec<BlockerJson>,
    skipped_because: Option<String>,
    entry: Vec<GateJson>,
    exit: Vec<GateJson>,
    items: Vec<ItemJson>,
    pending: Vec<BlockerJson>,
    missing: Vec<String>,
}

#[derive(Serialize)]
struct GateJson {
    criterion: String,
    applies: &'static str,
    recorded: bool,
    added_later: bool,
    blocked_by: Vec<BlockerJson>,
    evidence: Option<String>,
}

#[derive(Serialize)]
struct ItemJson {
    key: String,
    id: String,
    kind: &'static str,
    depth: usize,
    optional: bool,
    status: &'static str,
    answer: Option<String>,
    blocked_by: Vec<BlockerJson>,
    text: String,
}

#[derive(Serialize)]
struct NextJson {
    step: String,
    command: String,
}

/// The mark of an item in the checklist: `[x]` done, `[-]` skipped,
/// `[answer]`, `[ ]` open, or the kind of a tip or warning.
pub(super) fn mark(i: &ItemView, w: &RunWords) -> String {
    match (&i.status, i.kind) {
        (_, ItemKind::Tip) => w.tip.to_string(),
        (_, ItemKind::Warning) => w.warning.to_string(),
        (ItemStatus::Done, _) => "[x]".to_string(),
        (ItemStatus::Skipped(_), _) => "[-]".to_string(),
        (ItemStatus::Answered(v), _) => format!("[{}]", value::show(v)),
        _ => "[ ]".to_string(),
    }
}

fn applies_str(a: &Applicability) -> &'static str {
    match a {
        Applicability::Yes => "yes",
        Applicability::No => "no",
        Applicability::NotYet(_) => "not-yet",
    }
}

pub fn status_json(
    file: &StateFile,
    run: &Run<'_>,
    view: &View<'_>,
    locale: &str,
    today: jiff::civil::Date,
) -> StatusJson {
    let needed = tasks_needed(view);
    StatusJson {
        schema: 1,
        playbook: run.model.id.clone(),
        name: file.name.clone(),
        lineage: file.lineage.clone(),
        serial: file.serial,
        pinned: None,
        complete: view.complete,
        progress: Progress {
            done: view.done,
            total: view.total,
        },
        current_step: view.current().map(|s| s.step.id.clone()),
        next_action_date: run.next_action_date().map(|d| d.to_string()),
        overdue: overdue(run, today),
        inputs: run
            .inputs
            .iter()
            .map(|(k, v)| (k.clone(), value::show(v)))
            .collect(),
        computed: run
            .lets()
            .iter()
            .map(|(k, v)| (k.clone(), value::show(v)))
            .collect(),
        fields: run
            .state
            .fields
            .keys()
            .filter_map(|f| run.state.field(f).map(|v| (f.clone(), value::show(v))))
            .collect(),
        tasks: view
            .tasks
            .iter()
            .map(|(number, completed)| TaskJson {
                number: *number,
                completed: *completed,
            })
            .collect(),
        steps: view
            .steps
            .iter()
            .map(|s| StepJson {
                id: s.step.id.clone(),
                title: text::render(run, &s.step.title, locale, &[]),
                status: s.status.as_str(),
                blocked_by: s.blockers.iter().map(blocker_json).collect(),
                skipped_because: s.skipped_because.clone(),
                entry: s.entry.iter().map(|g| gate_json(run, g)).collect(),
                exit: s.exit.iter().map(|g| gate_json(run, g)).collect(),
                items: s
                    .items
                    .iter()
                    .map(|i| ItemJson {
                        key: i.key.clone(),
                        id: i.id.clone(),
                        kind: i.kind.as_str(),
                        depth: i.depth,
                        optional: i.optional,
                        status: i.status.name(),
                        answer: match &i.status {
                            ItemStatus::Answered(v) => Some(value::show(v)),
                            _ => None,
                        },
                        blocked_by: i.blockers.iter().map(blocker_json).collect(),
                        text: i
                            .text
                            .map(|t| text::render(run, t, locale, &i.bindings))
                            .unwrap_or_default(),
                    })
                    .collect(),
                pending: s.pending.iter().map(blocker_json).collect(),
                missing: if matches!(s.status, StepStatus::Ready | StepStatus::Active) {
                    s.missing(&needed, locale)
                } else {
                    Vec::new()
                },
            })
            .collect(),
        next: view
            .next
            .iter()
            .map(|n| NextJson {
                step: n.step().to_string(),
                command: n.command(),
            })
            .collect(),
    }
}

/// The `do` items whose actions complete a task the run tracks: `complete`
/// needs them done even when they are optional.
pub(super) fn tasks_needed(view: &View<'_>) -> std::collections::BTreeSet<String> {
    let tasks: std::collections::BTreeSet<u32> = view.tasks.iter().map(|(t, _)| *t).collect();
    view.steps
        .iter()
        .flat_map(|s| s.items.iter())
        .filter(|i| {
            i.item.is_some_and(|d| {
                d.actions.iter().any(|a| {
                    matches!(a, crate::ir::Action::CompleteTask { task } if tasks.contains(task))
                })
            })
        })
        .map(|i| i.key.clone())
        .collect()
}

fn gate_json(run: &Run<'_>, g: &crate::run::engine::GateView) -> GateJson {
    GateJson {
        criterion: g.criterion.clone(),
        applies: applies_str(&g.applies),
        recorded: g.recorded,
        added_later: g.added_later,
        blocked_by: g.waits.iter().map(blocker_json).collect(),
        evidence: run.state.evidence(&g.criterion).map(str::to_string),
    }
}

pub fn status_human(
    file: &StateFile,
    state: &Path,
    run: &Run<'_>,
    view: &View<'_>,
    locale: &str,
) -> String {
    let m = run.model;
    let w = &labels::get(locale).run;
    let mut out = String::new();
    let title = m
        .header
        .title
        .as_ref()
        .map(|t| text::render(run, t, locale, &[]))
        .unwrap_or_else(|| m.id.clone());
    out.push_str(&format!("{} — {title}\n", file.name));
    out.push_str(&fill(
        w.progress_line,
        &[&view.done.to_string(), &view.total.to_string()],
    ));
    if view.complete {
        out.push_str(w.complete_suffix);
    }
    out.push('\n');
    if let Some(d) = run.next_action_date() {
        out.push_str(&fill(w.next_action_line, &[&d.to_string()]));
        out.push('\n');
    }
    for s in &view.steps {
        out.push('\n');
        out.push_str(&format!(
            "{} [{}] {}\n",
            s.step.id,
            step_status(w, s.status),
            text::render(run, &s.step.title, locale, &[])
        ));
        if let Some(why) = &s.skipped_because {
            out.push_str(&format!("  {}\n", fill(w.skipped_line, &[why])));
            continue;
        }
        for b in &s.blockers {
            out.push_str(&format!(
                "  {}\n",
                fill(w.waits, &[&crate::run::report::blocker(w, b)])
            ));
        }
        let late = s
            .items
            .iter()
            .filter(|i| i.status == ItemStatus::AddedLater)
            .map(|i| &i.key)
            .chain(
                s.exit
                    .iter()
                    .filter(|g| g.added_later)
                    .map(|g| &g.criterion),
            );
        for key in late {
            out.push_str(&format!("  [~] {key}: {}\n", w.added_later));
        }
        if !matches!(
            s.status,
            StepStatus::Ready | StepStatus::Active | StepStatus::Blocked
        ) {
            continue;
        }
        for g in s.entry.iter().chain(&s.exit) {
            if g.applies == Applicability::No {
                continue;
            }
            let mark = if g.recorded { "x" } else { " " };
            let kind = match g.kind {
                crate::ir::GateKind::Entry => w.entry,
                crate::ir::GateKind::Exit => w.exit,
            };
            let text = m
                .criterion(&g.criterion)
                .map(|c| text::render(run, &c.text, locale, &[]))
                .unwrap_or_default();
            out.push_str(&format!("  [{mark}] {kind} {}: {text}\n", g.criterion));
            for b in &g.waits {
                out.push_str(&format!(
                    "    {}\n",
                    fill(w.waits, &[&crate::run::report::blocker(w, b)])
                ));
            }
        }
        // Blockers an item shares with the item it is nested in are shown
        // once, on the outer item.
        let mut outer: Vec<&[Blocker]> = Vec::new();
        for i in &s.items {
            outer.truncate(i.depth);
            let inherited: &[Blocker] = outer.last().copied().unwrap_or(&[]);
            let indent = "  ".repeat(i.depth + 1);
            let mark = mark(i, w);
            let text = i
                .text
                .map(|t| text::render(run, t, locale, &i.bindings))
                .unwrap_or_default();
            let optional = if i.optional && i.kind == ItemKind::Do {
                w.optional
            } else {
                ""
            };
            out.push_str(&format!("{indent}{mark} {}{optional}: {text}\n", i.key));
            for b in i.blockers.iter().filter(|b| !inherited.contains(b)) {
                let waits = fill(w.waits, &[&crate::run::report::blocker(w, b)]);
                out.push_str(&format!("{indent}    {waits}\n"));
            }
            while outer.len() <= i.depth {
                outer.push(&i.blockers);
            }
        }
        for p in &s.pending {
            out.push_str(&format!(
                "  {}\n",
                fill(w.more_items, &[&crate::run::report::blocker(w, p)])
            ));
        }
    }
    if !view.next.is_empty() {
        out.push_str(&format!("\n{}\n", w.next));
        for n in &view.next {
            out.push_str(&format!(
                "  playbook run {} --state {}\n",
                n.command(),
                state.display()
            ));
        }
    }
    out
}
