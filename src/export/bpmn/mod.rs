//! BPMN 2.0 export: the playbook as an executable process with its diagram.
//!
//! - one pool (the playbook) with a lane per role that owns a step;
//! - a user task per step, its checklist and gates in the documentation and
//!   its decisions as form fields (`camunda:formData`);
//! - the steps in dependency order (`after`, and evidence one step records
//!   for another), with parallel gateways where the order branches and joins;
//! - an exclusive gateway around a step whose `requires` or `applies to` may
//!   skip it, around a `for each` under a condition, and after the start
//!   when the playbook has its own `requires`;
//! - a `for each` of a step as a sequential multi-instance user task over the
//!   set (`camunda:collection`, `camunda:elementVariable`);
//! - conditions as JavaScript condition scripts that bpmn-engine runs (see
//!   [`script`]);
//! - diagram interchange (BPMN DI) laid out in columns and lanes ([`layout`]).
//!
//! Ids are NCNames derived from playbook ids (`Step_prepare`,
//! `Loop_review-activities`, `Gateway_conduct_applies`), so they stay the
//! same when the playbook changes elsewhere. `docs/export-bpmn.md` has the
//! whole mapping.

mod layout;
mod script;
mod text;
mod write;

use crate::check::{Analysis, Guard};
use crate::ir::{Expr, ExprKind, Item, Playbook, Type};
use script::{Translator, variable};
// Expressions in labels and documentation, as the author writes them.
use crate::export::expr::show as source;
use std::collections::BTreeMap;
use text::{Texts, fill};

pub use script::variable as variable_name;

/// The playbook as a BPMN 2.0 document (XML with its diagram), texts in
/// `locale` (or the source locale where a text has no translation).
pub fn render(model: &Playbook, locale: &str) -> String {
    let analysis = Analysis::new(model);
    let texts = Texts::new(model, locale);
    let process = build(model, &analysis, &texts);
    let diagram = layout::layout(&process);
    write::write(model, &texts, &process, &diagram)
}

/// A form field: a value a person enters at the start or in a task.
#[derive(Debug, Clone)]
pub(crate) struct FormField {
    pub id: String,
    pub label: String,
    /// Camunda's form field type: `boolean`, `long`, `string`, `date`, `enum`.
    pub kind: &'static str,
    /// The choices of an `enum` field: id and label.
    pub values: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Start {
        fields: Vec<FormField>,
    },
    End,
    UserTask {
        role: Option<String>,
        fields: Vec<FormField>,
        /// A multi-instance task: the collection expression and the element
        /// variable.
        each: Option<(String, String)>,
    },
    ScriptTask {
        script: String,
    },
    Exclusive,
    Parallel,
    /// An embedded sub-process holding a step whose flow chooses (see
    /// [`build`]); its nodes name it as their parent.
    SubProcess,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub id: String,
    pub name: Option<String>,
    pub documentation: Option<String>,
    pub kind: Kind,
    pub lane: usize,
    /// Nodes of one block share a row of the diagram.
    pub block: usize,
    /// The sub-process the node is in.
    pub parent: Option<usize>,
    pub incoming: Vec<usize>,
    pub outgoing: Vec<usize>,
    /// The default flow of an exclusive gateway.
    pub default: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Flow {
    pub id: String,
    pub name: Option<String>,
    pub source: usize,
    pub target: usize,
    /// A JavaScript condition script.
    pub condition: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Lane {
    pub id: String,
    pub name: String,
}

/// The process before layout.
#[derive(Debug, Default)]
pub(crate) struct Process {
    pub lanes: Vec<Lane>,
    pub nodes: Vec<Node>,
    pub flows: Vec<Flow>,
    /// The sub-process new nodes go in.
    parent: Option<usize>,
}

impl Process {
    fn node(
        &mut self,
        id: String,
        name: Option<String>,
        kind: Kind,
        lane: usize,
        block: usize,
    ) -> usize {
        self.nodes.push(Node {
            id,
            name,
            documentation: None,
            kind,
            lane,
            block,
            parent: self.parent,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            default: None,
        });
        self.nodes.len() - 1
    }

    fn flow(
        &mut self,
        source: usize,
        target: usize,
        name: Option<String>,
        condition: Option<String>,
    ) -> usize {
        let id = format!("Flow_{}__{}", self.nodes[source].id, self.nodes[target].id);
        self.flows.push(Flow {
            id,
            name,
            source,
            target,
            condition,
        });
        let f = self.flows.len() - 1;
        self.nodes[source].outgoing.push(f);
        self.nodes[target].incoming.push(f);
        f
    }
}

/// A `for each` directly in a step (not inside another loop), with the
/// conditions on the way to it.
struct Loop<'m> {
    id: String,
    var: &'m str,
    over: &'m Expr,
    items: &'m [Item],
    guards: Vec<Guard<'m>>,
    decisions: Vec<&'m str>,
}

fn build(model: &Playbook, analysis: &Analysis, texts: &Texts) -> Process {
    let words = texts.words;
    let translator = Translator::new(analysis);
    let mut p = Process::default();

    // Lanes: roles that own a step, in declaration order, then one for
    // steps whose owner is not a declared role.
    let mut lane_of_role: BTreeMap<&str, usize> = BTreeMap::new();
    for role in &model.roles {
        if model
            .steps
            .iter()
            .any(|s| s.owner.as_deref() == Some(role.id.as_str()))
        {
            lane_of_role.insert(role.id.as_str(), p.lanes.len());
            p.lanes.push(Lane {
                id: format!("Lane_{}", role.id),
                name: texts.label(&role.label),
            });
        }
    }
    let mut unowned = None;
    let mut step_lane = Vec::with_capacity(model.steps.len());
    for s in &model.steps {
        let lane = match s.owner.as_deref().and_then(|o| lane_of_role.get(o)) {
            Some(&l) => l,
            None => *unowned.get_or_insert_with(|| {
                p.lanes.push(Lane {
                    id: "Lane_unowned".to_string(),
                    name: s.owner.clone().unwrap_or_else(|| "?".to_string()),
                });
                p.lanes.len() - 1
            }),
        };
        step_lane.push(lane);
    }

    // The order of steps, and each step's nearest predecessors (edges
    // implied by others are left out).
    let order: Vec<usize> = analysis.graph.order().to_vec();
    let mut rank = vec![0; model.steps.len()];
    for (i, s) in order.iter().enumerate() {
        rank[*s] = i;
    }
    let graph = &analysis.graph.graph;
    let mut direct: Vec<Vec<usize>> = vec![Vec::new(); model.steps.len()];
    for e in graph.raw_edges() {
        let (a, b) = (graph[e.source()], graph[e.target()]);
        // Without a topological order (a cycle the configuration let
        // through), only edges forward in source order are kept.
        if rank[a] < rank[b] && !direct[b].contains(&a) {
            direct[b].push(a);
        }
    }
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); model.steps.len()];
    for b in 0..model.steps.len() {
        let mut kept: Vec<usize> = direct[b]
            .iter()
            .copied()
            .filter(|&a| {
                !direct[b]
                    .iter()
                    .any(|&c| c != a && analysis.is_ancestor(a, c))
            })
            .collect();
        kept.sort_by_key(|a| rank[*a]);
        preds[b] = kept;
    }
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); model.steps.len()];
    for &b in &order {
        for &a in &preds[b] {
            succs[a].push(b);
        }
    }

    // The start: the inputs as its form, then whether the playbook applies.
    let first_lane = order.first().map(|s| step_lane[*s]).unwrap_or(0);
    let last_lane = order.last().map(|s| step_lane[*s]).unwrap_or(0);
    let start_block = 0;
    let fields = model
        .inputs
        .iter()
        .map(|i| input_field(model, texts, i))
        .collect();
    let start = p.node(
        "Start".to_string(),
        Some(words.start.to_string()),
        Kind::Start { fields },
        first_lane,
        start_block,
    );
    let mut entry = start;
    // Flow label and condition for the flow out of `entry`, if any.
    let mut pending: Option<(String, String)> = None;
    let end_block = model.steps.len() + 1;
    if let Some(r) = &model.requires {
        let g = p.node(
            "Gateway_applies".to_string(),
            Some(words.playbook_applies.to_string()),
            Kind::Exclusive,
            first_lane,
            start_block,
        );
        p.flow(start, g, None, None);
        let na = p.node(
            "End_not_applicable".to_string(),
            Some(words.not_applicable.to_string()),
            Kind::End,
            first_lane,
            end_block + 1,
        );
        let mut s = translator.script();
        let condition = s.holds(r, (usize::MAX, false));
        let condition = s.finish(&condition);
        let d = p.flow(g, na, Some(words.otherwise.to_string()), None);
        p.nodes[g].default = Some(d);
        entry = g;
        pending = Some((source(r), condition));
    }
    let sources: Vec<usize> = order
        .iter()
        .copied()
        .filter(|s| preds[*s].is_empty())
        .collect();
    if sources.len() > 1 {
        let fork = p.node(
            "Gateway_start_fork".to_string(),
            None,
            Kind::Parallel,
            first_lane,
            start_block,
        );
        connect(&mut p, entry, fork, pending.take());
        entry = fork;
    }

    let placed: PlacedBy<'_, '_> = analysis
        .items
        .iter()
        .map(|p| (std::ptr::from_ref(p.item), p))
        .collect();

    // The steps, each one block: join, choice, task, loops, merge, fork.
    let mut exit_of: Vec<usize> = vec![usize::MAX; model.steps.len()];
    for &si in &order {
        let step = &model.steps[si];
        let lane = step_lane[si];
        let block = si + 1;
        let title = texts.text(&step.title);
        let head = if preds[si].len() > 1 {
            let join = p.node(
                format!("Gateway_{}_join", step.id),
                None,
                Kind::Parallel,
                lane,
                block,
            );
            for &a in &preds[si] {
                connect(&mut p, exit_of[a], join, None);
            }
            join
        } else {
            usize::MAX
        };
        let mut s = translator.script();
        let runs = s.runs(si);
        let loops = loops_of(model, &placed, si);
        // bpmn-engine (bpmn-elements 17) passes on both the taken and the
        // discarded branch of an exclusive merge, which a later parallel
        // join counts twice and then waits for forever. A step whose flow
        // chooses is therefore an embedded sub-process: it ends once.
        let chooses = runs != "true"
            || loops
                .iter()
                .any(|l| translator.script().guards(&l.guards, (si, true)) != "true");
        let container = if chooses {
            let sub = p.node(
                format!("SubProcess_{}", step.id),
                Some(title.clone()),
                Kind::SubProcess,
                lane,
                block,
            );
            p.parent = Some(sub);
            let start = p.node(
                format!("Start_{}", step.id),
                Some(words.step_start.to_string()),
                Kind::Start { fields: Vec::new() },
                lane,
                block,
            );
            Some((sub, start))
        } else {
            None
        };
        let choice = if runs != "true" {
            let g = p.node(
                format!("Gateway_{}_applies", step.id),
                Some(fill(words.applies, &[&title])),
                Kind::Exclusive,
                lane,
                block,
            );
            let mut label = Vec::new();
            if let crate::ir::Applies::Services(list) = &step.applies
                && analysis.services_input.is_some()
            {
                label.push(format!("applies to {}", list.join(", ")));
            }
            if let Some(r) = &step.requires {
                label.push(source(r));
            }
            Some((g, label.join("; "), s.finish(&runs)))
        } else {
            None
        };
        let asked_in_loops: Vec<&str> = loops
            .iter()
            .flat_map(|l| l.decisions.iter().copied())
            .collect();
        let fields = model
            .decisions
            .iter()
            .filter(|d| d.step == step.id && !asked_in_loops.contains(&d.id.as_str()))
            .map(|d| decision_field(model, texts, d))
            .collect();
        let task = p.node(
            format!("Step_{}", step.id),
            Some(title.clone()),
            Kind::UserTask {
                role: step.owner.clone(),
                fields,
                each: None,
            },
            lane,
            block,
        );
        p.nodes[task].documentation = Some(texts.step_documentation(step));
        // Link the head of the block to the task.
        let mut first = choice.as_ref().map(|c| c.0).unwrap_or(task);
        if let Some((sub, start)) = container {
            p.flow(start, first, None, None);
            first = sub;
        }
        if head != usize::MAX {
            p.flow(head, first, None, None);
        } else if let Some(&a) = preds[si].first() {
            connect(&mut p, exit_of[a], first, None);
        } else {
            connect(&mut p, entry, first, pending.clone());
        }
        let mut last = task;
        for l in &loops {
            last = add_loop(&mut p, &translator, texts, model, si, l, last, lane, block);
        }
        if let Some((g, label, condition)) = choice {
            let merge = p.node(
                format!("Gateway_{}_done", step.id),
                None,
                Kind::Exclusive,
                lane,
                block,
            );
            p.flow(g, task, Some(label), Some(condition));
            let d = p.flow(g, merge, Some(words.otherwise.to_string()), None);
            p.nodes[g].default = Some(d);
            p.flow(last, merge, None, None);
            last = merge;
        }
        if let Some((sub, _)) = container {
            let end = p.node(
                format!("End_{}", step.id),
                Some(words.step_end.to_string()),
                Kind::End,
                lane,
                block,
            );
            p.flow(last, end, None, None);
            p.parent = None;
            last = sub;
        }
        if succs[si].len() > 1 {
            let fork = p.node(
                format!("Gateway_{}_fork", step.id),
                None,
                Kind::Parallel,
                lane,
                block,
            );
            p.flow(last, fork, None, None);
            last = fork;
        }
        exit_of[si] = last;
    }
    if !order.is_empty() {
        pending = None;
    }

    // The end: every last step joins.
    let sinks: Vec<usize> = order
        .iter()
        .copied()
        .filter(|s| succs[*s].is_empty())
        .collect();
    let end = p.node(
        "End".to_string(),
        Some(words.end.to_string()),
        Kind::End,
        last_lane,
        end_block,
    );
    match sinks.len() {
        0 => connect(&mut p, entry, end, pending.take()),
        1 => connect(&mut p, exit_of[sinks[0]], end, None),
        _ => {
            let join = p.node(
                "Gateway_end_join".to_string(),
                None,
                Kind::Parallel,
                last_lane,
                end_block,
            );
            for s in sinks {
                connect(&mut p, exit_of[s], join, None);
            }
            p.flow(join, end, None, None);
        }
    }
    p
}

/// A flow from `from` to `to`; from the playbook's applicability gateway
/// it carries the condition and is the "applies" branch.
fn connect(p: &mut Process, from: usize, to: usize, pending: Option<(String, String)>) {
    match pending {
        Some((label, condition)) if matches!(p.nodes[from].kind, Kind::Exclusive) => {
            p.flow(from, to, Some(label), Some(condition));
        }
        _ => {
            p.flow(from, to, None, None);
        }
    }
}

/// The loops directly in a step, in checklist order.
/// Where each item stands, by its address in the model.
type PlacedBy<'a, 'm> = rustc_hash::FxHashMap<*const Item, &'a crate::check::Placed<'m>>;

fn loops_of<'m>(model: &'m Playbook, placed: &PlacedBy<'_, 'm>, step: usize) -> Vec<Loop<'m>> {
    let s = &model.steps[step];
    let mut out = Vec::new();
    // Items that are not inside a loop, depth first.
    let mut stack: Vec<&'m Item> = s.items.iter().rev().collect();
    let mut seen_ids: Vec<String> = Vec::new();
    while let Some(item) = stack.pop() {
        if let Item::ForEach {
            var, over, items, ..
        } = item
        {
            let guards = placed
                .get(&std::ptr::from_ref(item))
                .map(|p| p.guards.clone())
                .unwrap_or_default();
            let mut first_do = None;
            let mut decisions = Vec::new();
            crate::ir::walk_items(items, &mut |i| match i {
                Item::Do(d) if first_do.is_none() => first_do = Some(d.id.as_str()),
                Item::Ask { decision } => decisions.push(decision.as_str()),
                _ => {}
            });
            let mut id = match first_do {
                Some(d) => d.to_string(),
                None => format!("{}_{}", s.id, var),
            };
            if seen_ids.contains(&id) {
                let mut n = 2;
                while seen_ids.contains(&format!("{id}_{n}")) {
                    n += 1;
                }
                id = format!("{id}_{n}");
            }
            seen_ids.push(id.clone());
            out.push(Loop {
                id,
                var,
                over,
                items,
                guards,
                decisions,
            });
            continue;
        }
        stack.extend(item.children().into_iter().rev());
    }
    out
}

/// Adds a loop after `last`: a choice when it has conditions, the values
/// when they are computed, and the multi-instance task. Returns the last
/// node.
#[allow(clippy::too_many_arguments)]
fn add_loop(
    p: &mut Process,
    translator: &Translator,
    texts: &Texts,
    model: &Playbook,
    step: usize,
    l: &Loop,
    last: usize,
    lane: usize,
    block: usize,
) -> usize {
    let words = texts.words;
    let name = l
        .items
        .iter()
        .find_map(|i| match i {
            Item::Do(d) => Some(texts.text(&d.text)),
            _ => None,
        })
        .unwrap_or_else(|| {
            format!(
                "{}: {}",
                texts.text(&model.steps[step].title),
                fill(words.for_each, &[l.var, &source(l.over)])
            )
        });
    let mut s = translator.script();
    let condition = s.guards(&l.guards, (step, true));
    let mut prev = last;
    // The label and condition of the next flow, out of the choice.
    let mut branch = None;
    let choice = if condition != "true" {
        let g = p.node(
            format!("Gateway_{}_applies", l.id),
            Some(fill(words.applies, &[&name])),
            Kind::Exclusive,
            lane,
            block,
        );
        p.flow(prev, g, None, None);
        branch = Some((guard_label(&l.guards), s.finish(&condition)));
        prev = g;
        Some(g)
    } else {
        None
    };
    let collection = match &l.over.kind {
        ExprKind::Input { id } => format!("${{environment.variables.{}}}", variable(id)),
        _ => {
            // A computed set: a script task works it out first.
            let values = format!("{}_values", variable(&l.id));
            let mut s = translator.script();
            let js = s.collection(l.over, (step, true));
            let script = s.finish("undefined").replace(
                "next(null, undefined);",
                &format!("environment.variables.{values} = {js};\nnext();"),
            );
            let v = p.node(
                format!("Values_{}", l.id),
                Some(fill(words.values, &[l.var])),
                Kind::ScriptTask { script },
                lane,
                block,
            );
            let (label, condition) = branch.take().unzip();
            p.flow(prev, v, label, condition);
            prev = v;
            format!("${{environment.variables.{values}}}")
        }
    };
    let fields = model
        .decisions
        .iter()
        .filter(|d| l.decisions.contains(&d.id.as_str()))
        .map(|d| decision_field(model, texts, d))
        .collect();
    let task = p.node(
        format!("Loop_{}", l.id),
        Some(name),
        Kind::UserTask {
            role: model.steps[step].owner.clone(),
            fields,
            each: Some((collection, variable(l.var))),
        },
        lane,
        block,
    );
    p.nodes[task].documentation = Some(texts.loop_documentation(l.var, l.over, l.items));
    let (label, condition) = branch.take().unzip();
    p.flow(prev, task, label, condition);
    match choice {
        Some(g) => {
            let merge = p.node(
                format!("Gateway_{}_done", l.id),
                None,
                Kind::Exclusive,
                lane,
                block,
            );
            let d = p.flow(g, merge, Some(words.otherwise.to_string()), None);
            p.nodes[g].default = Some(d);
            p.flow(task, merge, None, None);
            merge
        }
        None => task,
    }
}

/// The conditions on the way to a loop, in playbook syntax.
fn guard_label(guards: &[Guard]) -> String {
    let mut parts = Vec::new();
    for g in guards {
        match *g {
            Guard::Holds(e) => parts.push(source(e)),
            Guard::NonEmpty(e) => parts.push(format!("count of {} > 0", source(e))),
            Guard::Branch { branches, index } => {
                for b in &branches[..index] {
                    parts.push(format!("not ({})", source(&b.when)));
                }
                if let Some(b) = branches.get(index) {
                    parts.push(source(&b.when));
                }
            }
            Guard::Arm {
                subject,
                arms,
                index,
            } => {
                let arm = &arms[index];
                let earlier: Vec<String> = arms[..index]
                    .iter()
                    .flat_map(|a| a.patterns.iter().flatten())
                    .map(source)
                    .collect();
                match (subject, &arm.patterns) {
                    (Some(s), Some(ps)) => parts.push(format!(
                        "{} in {{{}}}",
                        source(s),
                        ps.iter().map(source).collect::<Vec<_>>().join(", ")
                    )),
                    (Some(s), None) => {
                        parts.push(format!("{} not in {{{}}}", source(s), earlier.join(", ")))
                    }
                    (None, Some(ps)) => {
                        parts.push(ps.iter().map(source).collect::<Vec<_>>().join(" or "))
                    }
                    (None, None) => parts.push(format!("not ({})", earlier.join(" or "))),
                }
            }
        }
    }
    parts.join(" and ")
}

fn input_field(model: &Playbook, texts: &Texts, i: &crate::ir::Input) -> FormField {
    let label = i
        .label
        .as_ref()
        .map(|l| texts.text(l))
        .unwrap_or_else(|| i.id.clone());
    field(model, texts, &i.id, label, &i.ty)
}

fn decision_field(model: &Playbook, texts: &Texts, d: &crate::ir::Decision) -> FormField {
    field(model, texts, &d.id, texts.text(&d.question), &d.ty)
}

fn field(model: &Playbook, texts: &Texts, id: &str, label: String, ty: &Type) -> FormField {
    let (kind, values) = match ty {
        Type::Bool => ("boolean", Vec::new()),
        Type::Int => ("long", Vec::new()),
        Type::Date => ("date", Vec::new()),
        Type::Enum(e) => {
            let values = if e == "service" {
                model
                    .services
                    .iter()
                    .map(|s| (s.id.clone(), texts.label(&s.label)))
                    .collect()
            } else {
                model
                    .enum_decl(e)
                    .map(|d| {
                        d.values
                            .iter()
                            .map(|v| {
                                let label = v
                                    .label
                                    .as_ref()
                                    .map(|l| texts.label(l))
                                    .unwrap_or_else(|| v.id.clone());
                                (v.id.clone(), label)
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            ("enum", values)
        }
        Type::Percent | Type::Duration | Type::Text | Type::Set(_) => ("string", Vec::new()),
    };
    FormField {
        id: variable(id),
        label,
        kind,
        values,
    }
}
