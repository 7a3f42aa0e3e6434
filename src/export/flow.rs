//! The process as a flowchart, shared by the DOT and Mermaid exports: the
//! graph of the BPMN export ([`super::bpmn`]) drawn as boxes, diamonds and
//! arrows, with plain-text labels that each format then escapes and lays
//! out in its own syntax. One lowering of the playbook, so the diagrams and
//! the BPMN show the same process:
//!
//! - a start and an end node; a step's user task, the multi-instance task
//!   of a `for each`, and the task that stores a `set` value are boxes in
//!   the swimlane of the role that owns the step;
//! - every choice is a diamond named in the locale (whether the playbook or
//!   a step applies, an `if` condition, a `match` subject), its exits
//!   labelled *yes* / *no*, with the conditions of an `else if` chain, or
//!   with the values of a `match` arm; parallel forks and joins are `+`
//!   diamonds;
//! - the frames of sub-processes, their start and end events and the
//!   gateways that only merge branches again are left out: an arrow goes
//!   straight on to what comes next.
//!
//! Keys are derived from the BPMN ids (`step_prepare`, `guard_conduct` for a
//! step's own guard, `pb_begin`, `pb_finish`), so the output is the same on
//! every run.

use super::bpmn::{self, Kind};
use super::text::wrap;
use crate::ir::Playbook;
use rustc_hash::FxHashSet;

/// Columns at which labels are wrapped.
const WIDTH: usize = 36;

pub struct Flow {
    /// The playbook's title, in one line.
    pub title: String,
    /// The roles that own steps, in declaration order.
    pub lanes: Vec<Lane>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

pub struct Lane {
    /// `[a-z0-9_]`, unique: safe as an identifier in every format.
    pub key: String,
    pub label: String,
}

pub struct Node {
    /// `[a-z0-9_]`, unique: safe as an identifier in every format.
    pub key: String,
    pub shape: Shape,
    /// Plain text; `\n` separates lines.
    pub label: String,
    /// Index into `Flow::lanes`.
    pub lane: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Start,
    End,
    Step,
    /// A choice, or a parallel fork or join.
    Decision,
}

pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// Plain text, possibly empty; `\n` separates lines.
    pub label: String,
}

fn lines(text: &str) -> String {
    wrap(text, WIDTH).join("\n")
}

/// A node's key from its BPMN id: lowercase, `[a-z0-9_]`.
fn key_of(id: &str, steps: &FxHashSet<&str>) -> String {
    match id {
        "Start" => return "pb_begin".to_string(),
        "End" => return "pb_finish".to_string(),
        "Gateway_applies" => return "pb_requires".to_string(),
        _ => {}
    }
    // A step's own guard.
    if let Some(step) = id
        .strip_prefix("Gateway_")
        .and_then(|r| r.strip_suffix("_applies"))
        && steps.contains(step)
    {
        return format!("guard_{}", step.replace('-', "_"));
    }
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The phrases of the BPMN lowering that name a loop by its variable's id
/// ("List the values of workload", "For each workload in …"), each with
/// the same phrase naming what the loop walks in words instead, so that no
/// id shows in a diagram.
fn loop_words(model: &Playbook, locale: &str) -> Vec<(String, String)> {
    use crate::ir::Item;
    let cx = super::phrase::Ctx::new(model, locale);
    let words = &crate::labels::get(locale).diagram;
    let mut out = Vec::new();
    let mut seen: FxHashSet<(String, String)> = FxHashSet::default();
    for step in &model.steps {
        crate::ir::walk_items(&step.items, &mut |item| {
            if let Item::ForEach {
                var, element, over, ..
            } = item
            {
                let over_said = super::phrase::to_plain(&cx.value(over, &[]));
                let var_said = cx.var(var, element, over, None).words;
                for (with_id, with_words) in [
                    (
                        crate::labels::fill(words.values, &[var]),
                        crate::labels::fill(words.values, &[&over_said]),
                    ),
                    (
                        crate::labels::fill(words.for_each, &[var, &over_said]),
                        crate::labels::fill(words.for_each, &[&var_said, &over_said]),
                    ),
                ] {
                    // Loops over the same collection by the same name say
                    // the same: each phrase is replaced once, so labels cost
                    // the distinct phrases, not every loop of the playbook.
                    if seen.insert((with_id.clone(), with_words.clone())) {
                        out.push((with_id, with_words));
                    }
                }
            }
        });
    }
    out
}

/// The flowchart of `model`, with texts in `locale`.
pub fn flow(model: &Playbook, locale: &str) -> Flow {
    let p = bpmn::process(model, locale);
    let title = model
        .header
        .title
        .as_ref()
        .map(|t| super::text::plain(model, t, locale).replace('\n', " "))
        .unwrap_or_else(|| model.id.clone());
    let lanes: Vec<Lane> = p
        .lanes
        .iter()
        .map(|l| Lane {
            key: key_of(&l.id, &FxHashSet::default()),
            label: l.name.replace('\n', " "),
        })
        .collect();
    let n = p.nodes.len();
    // What a flow into a sub-process reaches (its start event), and what a
    // flow out of it leaves from (its end event).
    let mut inner_start = vec![usize::MAX; n];
    let mut inner_end = vec![usize::MAX; n];
    for (i, node) in p.nodes.iter().enumerate() {
        let Some(parent) = node.parent else { continue };
        match node.kind {
            Kind::Start { .. } if inner_start[parent] == usize::MAX => inner_start[parent] = i,
            Kind::End if inner_end[parent] == usize::MAX => inner_end[parent] = i,
            _ => {}
        }
    }
    // Nodes left out: sub-processes, their events, and gateways that only
    // merge (one way out, no default). Each has one way on.
    let hidden: Vec<bool> = p
        .nodes
        .iter()
        .map(|node| match node.kind {
            Kind::SubProcess => true,
            Kind::Start { .. } | Kind::End => node.parent.is_some(),
            Kind::Exclusive => node.outgoing.len() == 1 && node.default.is_none(),
            _ => false,
        })
        .collect();
    // The way on from each node: (target, label) of its flows, a
    // sub-process's way on leaving from its end event.
    let mut next: Vec<Vec<(usize, String)>> = vec![Vec::new(); n];
    for f in &p.flows {
        let mut from = f.source;
        if matches!(p.nodes[from].kind, Kind::SubProcess) && inner_end[from] != usize::MAX {
            from = inner_end[from];
        }
        let mut to = f.target;
        if matches!(p.nodes[to].kind, Kind::SubProcess) && inner_start[to] != usize::MAX {
            to = inner_start[to];
        }
        next[from].push((to, f.name.clone().unwrap_or_default()));
    }
    let steps: FxHashSet<&str> = model.steps.iter().map(|s| s.id.as_str()).collect();
    let loop_words = loop_words(model, locale);
    let said = |name: Option<&str>| {
        let mut name = name.unwrap_or_default().to_string();
        for (id_words, words) in &loop_words {
            name = name.replace(id_words, words);
        }
        name
    };
    let mut index = vec![usize::MAX; n];
    let mut nodes = Vec::new();
    let mut taken: FxHashSet<String> = FxHashSet::default();
    for (i, node) in p.nodes.iter().enumerate() {
        if hidden[i] {
            continue;
        }
        let (shape, label) = match node.kind {
            Kind::Start { .. } => (Shape::Start, node.name.clone().unwrap_or_default()),
            Kind::End => (Shape::End, node.name.clone().unwrap_or_default()),
            Kind::UserTask { .. } | Kind::ScriptTask { .. } => {
                (Shape::Step, lines(&said(node.name.as_deref())))
            }
            Kind::Parallel => (Shape::Decision, "+".to_string()),
            Kind::Exclusive | Kind::SubProcess => (
                Shape::Decision,
                lines(node.name.as_deref().unwrap_or_default()),
            ),
        };
        let mut key = key_of(&node.id, &steps);
        let base = key.clone();
        let mut k = 2;
        while !taken.insert(key.clone()) {
            key = format!("{base}_{k}");
            k += 1;
        }
        let lane = match node.kind {
            Kind::Start { .. } | Kind::End => None,
            _ => Some(node.lane),
        };
        index[i] = nodes.len();
        nodes.push(Node {
            key,
            shape,
            label,
            lane,
        });
    }
    // Each edge goes on through hidden nodes (each has one way on) to a
    // shown one, keeping the first label on the way.
    let mut edges = Vec::new();
    for i in 0..n {
        if hidden[i] {
            continue;
        }
        for (to, label) in &next[i] {
            let (mut to, mut label) = (*to, label.clone());
            let mut hops = 0;
            while hidden[to] && hops <= n {
                let Some((t, l)) = next[to].first() else {
                    break;
                };
                if label.is_empty() {
                    label = l.clone();
                }
                to = *t;
                hops += 1;
            }
            if hidden[to] {
                continue;
            }
            edges.push(Edge {
                from: index[i],
                to: index[to],
                label: lines(&label),
            });
        }
    }
    Flow {
        title,
        lanes,
        nodes,
        edges,
    }
}
