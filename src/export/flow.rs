//! The process as a flowchart, shared by the DOT and Mermaid exports: what
//! the boxes, diamonds and arrows are, with plain-text labels that each
//! format then escapes and lays out in its own syntax.
//!
//! - A start and an end node; a step is a box in the swimlane of the role
//!   that owns it.
//! - An arrow from step `a` to step `b` when `b` must wait for `a`: `b` is
//!   `after a`, or one of `b`'s entry criteria is evidence that `a` records.
//!   The arrow is labelled with the criteria (the gates) that `a` records
//!   and `b` needs, and their conditions.
//! - A step's `requires` guard is a diamond in front of it: *yes* leads into
//!   the step, *no* past it to the steps that come after it, which go ahead
//!   without it. The playbook's own `requires` is a diamond after the start.
//! - Each `ask` is a diamond hanging off the step that asks it (dotted), with
//!   a dotted link to every step guard that reads the answer.
//!
//! Steps, arrows and diamonds come in source order, so the output is the
//! same on every run.

use super::expr::show;
use super::text::{plain, wrap};
use crate::check::graph::{Edge as StepEdge, StepGraph};
use crate::check::walk_expr;
use crate::ir::{Criterion, ExprKind, Playbook, Step};
use petgraph::visit::EdgeRef;
use rustc_hash::FxHashMap;

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
    /// A guard or a question.
    Decision,
}

pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// Plain text, possibly empty; `\n` separates lines.
    pub label: String,
    pub kind: EdgeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// The order of work.
    Flow,
    /// A question asked in a step, or its answer read by a guard.
    Asks,
}

/// The few words diagrams add themselves, in the locales the shipped
/// playbooks have; other locales get English.
struct Words {
    start: &'static str,
    end: &'static str,
    yes: &'static str,
    no: &'static str,
    when: &'static str,
}

impl Words {
    fn of(locale: &str) -> Words {
        match locale.split(['-', '_']).next() {
            Some("zh") => Words {
                start: "开始",
                end: "结束",
                yes: "是",
                no: "否",
                when: "条件",
            },
            _ => Words {
                start: "Start",
                end: "End",
                yes: "yes",
                no: "no",
                when: "when",
            },
        }
    }
}

/// A node's key: `prefix_` and the id with `-` as `_` (ids are kebab-case,
/// so no two ids give the same key).
fn key(prefix: &str, id: &str) -> String {
    format!("{prefix}_{}", id.replace('-', "_"))
}

fn lines(text: &str) -> String {
    wrap(text, WIDTH).join("\n")
}

/// The flowchart of `model`, with texts in `locale`.
pub fn flow(model: &Playbook, locale: &str) -> Flow {
    let words = Words::of(locale);
    let title = model
        .header
        .title
        .as_ref()
        .map(|t| plain(model, t, locale).replace('\n', " "))
        .unwrap_or_else(|| model.id.clone());
    let lanes: Vec<Lane> = model
        .roles
        .iter()
        .filter(|r| model.steps.iter().any(|s| s.owner.as_ref() == Some(&r.id)))
        .map(|r| Lane {
            key: key("lane", &r.id),
            label: plain(model, &r.label, locale).replace('\n', " "),
        })
        .collect();
    let lane_index: FxHashMap<String, usize> = lanes
        .iter()
        .enumerate()
        .map(|(i, l)| (l.key.clone(), i))
        .collect();
    let lane_of = |owner: &Option<String>| {
        owner
            .as_ref()
            .and_then(|o| lane_index.get(&key("lane", o)).copied())
    };
    let mut nodes = Vec::new();
    let mut add = |key: String, shape: Shape, label: String, lane: Option<usize>| {
        nodes.push(Node {
            key,
            shape,
            label,
            lane,
        });
        nodes.len() - 1
    };
    let start = add("pb_begin".into(), Shape::Start, words.start.into(), None);
    let playbook_guard = model
        .requires
        .as_ref()
        .map(|r| add("pb_requires".into(), Shape::Decision, lines(&show(r)), None));
    // Per step: its box, and its guard when it has one.
    let mut step_node = Vec::with_capacity(model.steps.len());
    let mut guard_node = Vec::with_capacity(model.steps.len());
    for s in &model.steps {
        let lane = lane_of(&s.owner);
        guard_node.push(
            s.requires
                .as_ref()
                .map(|r| add(key("guard", &s.id), Shape::Decision, lines(&show(r)), lane)),
        );
        step_node.push(add(
            key("step", &s.id),
            Shape::Step,
            lines(&plain(model, &s.title, locale)),
            lane,
        ));
    }
    let step_index: FxHashMap<&str, usize> = model
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut asks = Vec::new();
    for d in &model.decisions {
        let Some(&step) = step_index.get(d.step.as_str()) else {
            continue;
        };
        let lane = lane_of(&model.steps[step].owner);
        let node = add(
            key("ask", &d.id),
            Shape::Decision,
            lines(&plain(model, &d.question, locale)),
            lane,
        );
        asks.push((d.id.as_str(), step, node));
    }
    let end = add("pb_finish".into(), Shape::End, words.end.into(), None);

    // Which step waits for which, and why: the checks' step graph, whose
    // edges come in source order.
    let graph = StepGraph::new(model);
    let mut waits: Vec<Vec<(usize, Option<&str>)>> = vec![Vec::new(); model.steps.len()];
    for e in graph.graph.edge_references() {
        let (a, b) = (graph.graph[e.source()], graph.graph[e.target()]);
        let evidence = match e.weight() {
            StepEdge::After => None,
            StepEdge::Evidence(c) => Some(c.as_str()),
            StepEdge::Decision(_) => None,
        };
        waits[b].push((a, evidence));
    }
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); model.steps.len()];
    for (b, before) in waits.iter().enumerate() {
        for &(a, _) in before {
            successors[a].push(b);
        }
    }
    let entry = |s: usize| guard_node[s].unwrap_or(step_node[s]);

    let criteria: FxHashMap<&str, &Criterion> =
        model.criteria.iter().map(|c| (c.id.as_str(), c)).collect();
    let texts = Texts {
        model,
        locale,
        when: words.when,
    };
    let mut edges = Vec::new();
    let mut edge = |from: usize, to: usize, label: String, kind: EdgeKind| {
        edges.push(Edge {
            from,
            to,
            label,
            kind,
        })
    };
    let (first, first_label) = match playbook_guard {
        Some(g) => {
            edge(start, g, String::new(), EdgeKind::Flow);
            edge(g, end, words.no.into(), EdgeKind::Flow);
            (g, words.yes)
        }
        None => (start, ""),
    };
    if model.steps.is_empty() {
        edge(first, end, first_label.into(), EdgeKind::Flow);
    }
    for (b, s) in model.steps.iter().enumerate() {
        if waits[b].is_empty() {
            edge(first, entry(b), first_label.into(), EdgeKind::Flow);
        }
        for &(a, evidence) in &waits[b] {
            edge(
                step_node[a],
                entry(b),
                gates_label(&criteria, &model.steps[a], s, evidence, &texts),
                EdgeKind::Flow,
            );
        }
        if let Some(g) = guard_node[b] {
            edge(g, step_node[b], words.yes.into(), EdgeKind::Flow);
            if successors[b].is_empty() {
                edge(g, end, words.no.into(), EdgeKind::Flow);
            }
            for &c in &successors[b] {
                edge(g, entry(c), words.no.into(), EdgeKind::Flow);
            }
        }
        if successors[b].is_empty() {
            edge(step_node[b], end, String::new(), EdgeKind::Flow);
        }
    }
    // The guards that read each decision, in step order.
    let mut readers: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (b, s) in model.steps.iter().enumerate() {
        if let (Some(g), Some(r)) = (guard_node[b], &s.requires) {
            let mut read = Vec::new();
            walk_expr(r, &mut |e| {
                if let ExprKind::Decision { id } = &e.kind
                    && !read.contains(&id.as_str())
                {
                    read.push(id.as_str());
                }
            });
            for d in read {
                readers.entry(d).or_default().push(g);
            }
        }
    }
    for (decision, step, node) in &asks {
        edge(step_node[*step], *node, String::new(), EdgeKind::Asks);
        for &g in readers.get(decision).into_iter().flatten() {
            edge(*node, g, String::new(), EdgeKind::Asks);
        }
    }
    Flow {
        title,
        lanes,
        nodes,
        edges,
    }
}

/// The gates on the way from step `from` to step `to`: the criteria that
/// `from` records (declares, or has as exit criteria) and `to` needs on
/// entry, with their conditions, and the evidence that makes `to` wait when
/// it is not an entry criterion (a `recorded` in a condition); each a
/// bullet, held to its first word by a no-break space.
fn gates_label(
    criteria: &FxHashMap<&str, &Criterion>,
    from: &Step,
    to: &Step,
    evidence: Option<&str>,
    texts: &Texts,
) -> String {
    let records = |id: &str| {
        criteria.get(id).is_some_and(|c| c.step == from.id)
            || from.exit.iter().any(|g| g.criterion == id)
    };
    let mut label = Vec::new();
    for g in to.entry.iter().filter(|g| records(&g.criterion)) {
        let Some(c) = criteria.get(g.criterion.as_str()) else {
            continue;
        };
        let mut text = plain(texts.model, &c.text, texts.locale);
        if let Some(w) = &g.when {
            text = format!("{text} ({} {})", texts.when, show(w));
        }
        label.push(lines(&format!("•\u{a0}{text}")));
    }
    if let Some(c) = evidence
        .filter(|c| !to.entry.iter().any(|g| g.criterion == *c))
        .and_then(|c| criteria.get(c))
    {
        label.push(lines(&format!(
            "•\u{a0}{}",
            plain(texts.model, &c.text, texts.locale)
        )));
    }
    label.join("\n")
}

/// What labels are written with.
struct Texts<'m> {
    model: &'m Playbook,
    locale: &'m str,
    when: &'static str,
}
