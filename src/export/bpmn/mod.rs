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

use crate::check::Analysis;
use crate::ir::{Action, Expr, ExprKind, Item, Playbook, Type};
use script::{Dialect, Translator, variable};
use std::collections::BTreeMap;
use text::{Texts, fill};

pub use script::variable as variable_name;

/// The engine a BPMN export is written for. The process is the same for
/// every target; only expressions and extension elements differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// bpmn-engine (Node.js): JavaScript conditions and scripts, Camunda 7
    /// extension attributes (form fields, collection, candidate groups).
    #[default]
    BpmnEngine,
    /// Camunda 8 (Zeebe): FEEL expressions, Camunda user tasks with forms,
    /// `zeebe:*` extension elements.
    Camunda8,
    /// SpiffWorkflow (Python): Python conditions and scripts, multi-instance
    /// tasks over a loop data input, form fields as `spiffworkflow:properties`.
    #[value(name = "spiffworkflow")]
    SpiffWorkflow,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::BpmnEngine => "bpmn-engine",
            Target::Camunda8 => "camunda8",
            Target::SpiffWorkflow => "spiffworkflow",
        }
    }

    fn dialect(self) -> Dialect {
        match self {
            Target::BpmnEngine => Dialect::JavaScript,
            Target::Camunda8 => Dialect::Feel,
            Target::SpiffWorkflow => Dialect::Python,
        }
    }

    /// The id of the process's start or end event: `Start` and `End`, but
    /// SpiffWorkflow names tasks of its own so (every workflow has them),
    /// and an element of that id would take their place.
    fn outer_event(self, end: bool) -> &'static str {
        match (self, end) {
            (Target::SpiffWorkflow, false) => "StartEvent",
            (Target::SpiffWorkflow, true) => "EndEvent",
            (_, false) => "Start",
            (_, true) => "End",
        }
    }
}

/// The playbook as a BPMN 2.0 document for bpmn-engine (XML with its
/// diagram), texts in `locale` (or the source locale where a text has no
/// translation).
pub fn render(model: &Playbook, locale: &str) -> String {
    render_for(model, locale, Target::BpmnEngine)
}

/// The playbook as a BPMN 2.0 document for `target`.
pub fn render_for(model: &Playbook, locale: &str, target: Target) -> String {
    render_with_forms(model, locale, target).0
}

/// The BPMN document for `target` and the Camunda forms (JSON) of its user
/// tasks, from one lowering: for `camunda8`, one form per task that asks
/// something, as the form id (`Form_<task id>`, the `formId` of the task's
/// `zeebe:formDefinition`) and its JSON; for the other targets, none.
pub fn render_with_forms(
    model: &Playbook,
    locale: &str,
    target: Target,
) -> (String, Vec<(String, String)>) {
    let analysis = Analysis::new(model);
    let texts = Texts::new(model, locale);
    let process = build(model, &analysis, &texts, target);
    let diagram = layout::layout(&process);
    let document = write::write(model, &texts, &process, &diagram, target);
    let forms = match target {
        Target::Camunda8 => write::forms(&process),
        Target::BpmnEngine | Target::SpiffWorkflow => Vec::new(),
    };
    (document, forms)
}

/// The process of the BPMN export before layout: what the DOT and Mermaid
/// flowcharts draw (see [`crate::export::flow`]).
pub(crate) fn process(model: &Playbook, locale: &str) -> Process {
    let analysis = Analysis::new(model);
    let texts = Texts::new(model, locale);
    build(model, &analysis, &texts, Target::BpmnEngine)
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
    /// A script: JavaScript or Python that sets its variable itself, or a
    /// FEEL expression whose value goes to `result`.
    ScriptTask {
        script: String,
        result: Option<String>,
        /// It writes an outcome (a `set`), not the values a loop walks: in
        /// Camunda 8, a task whose output mapping writes the variable.
        outcome: bool,
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
    /// Flow ids taken, so that two flows between the same nodes differ.
    flow_ids: rustc_hash::FxHashSet<String>,
    /// The last row block handed out by [`Process::fresh_block`].
    blocks: usize,
}

impl Process {
    /// A block of its own (a row) for a branch of a gateway.
    fn fresh_block(&mut self) -> usize {
        self.blocks += 1;
        self.blocks
    }

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
        let base = format!("Flow_{}__{}", self.nodes[source].id, self.nodes[target].id);
        let mut id = base.clone();
        let mut n = 2;
        while !self.flow_ids.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
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

fn build<'m>(
    model: &'m Playbook,
    analysis: &Analysis<'m>,
    texts: &Texts,
    target: Target,
) -> Process {
    let words = texts.words;
    let translator = Translator::new(analysis, target.dialect());
    let exhaustive: rustc_hash::FxHashSet<crate::source::Span> =
        crate::check::exhaustive_statements(analysis)
            .into_iter()
            .collect();
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
    // Camunda 8 receives the inputs as the variables of the new instance.
    let fields = match target {
        Target::BpmnEngine => model
            .inputs
            .iter()
            .map(|i| input_field(model, texts, i))
            .collect(),
        Target::Camunda8 | Target::SpiffWorkflow => Vec::new(),
    };
    let start = p.node(
        target.outer_event(false).to_string(),
        Some(words.start.to_string()),
        Kind::Start { fields },
        first_lane,
        start_block,
    );
    let mut entry = start;
    // Flow label and condition for the flow out of `entry`, if any.
    let mut pending: Option<(String, String)> = None;
    let end_block = model.steps.len() + 1;
    p.blocks = end_block + 1;
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
        let d = p.flow(g, na, Some(words.no.to_string()), None);
        p.nodes[g].default = Some(d);
        entry = g;
        pending = Some((words.yes.to_string(), condition));
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
        // A step whose flow chooses is an embedded sub-process: bpmn-engine
        // (bpmn-elements 17) passes on both the taken and the discarded
        // branch of an exclusive merge, which a later parallel join counts
        // twice and then waits for forever; inside a sub-process it ends
        // once.
        let always = translator.dialect.lit(true);
        let chooses = runs != always || has_gateway(&step.items);
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
        let choice = if runs != always {
            let g = p.node(
                format!("Gateway_{}_applies", step.id),
                Some(fill(words.applies, &[&title])),
                Kind::Exclusive,
                lane,
                block,
            );
            Some((g, words.yes.to_string(), s.finish(&runs)))
        } else {
            None
        };
        let asked_in_loops = asked_in_loops(&step.items);
        let mut fields: Vec<FormField> = evidence_fields(model, texts, step);
        fields.extend(
            model
                .decisions
                .iter()
                .filter(|d| d.step == step.id && !asked_in_loops.contains(&d.id.as_str()))
                .map(|d| decision_field(model, texts, d)),
        );
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
        let mut lower = Lower {
            translator: &translator,
            texts,
            model,
            target,
            exhaustive: &exhaustive,
            step: si,
            lane,
            block,
            loop_ids: rustc_hash::FxHashSet::default(),
            gateways: 0,
            pending: None,
            no: false,
        };
        let mut last = lower.items(&mut p, &step.items, task);
        if let Some((g, label, condition)) = choice {
            let merge = p.node(
                format!("Gateway_{}_done", step.id),
                None,
                Kind::Exclusive,
                lane,
                block,
            );
            p.flow(g, task, Some(label), Some(condition));
            let d = p.flow(g, merge, Some(words.no.to_string()), None);
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
        target.outer_event(true).to_string(),
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

/// Whether the items (outside loops) hold an `if` or a `match`: the step's
/// flow chooses.
fn has_gateway(items: &[Item]) -> bool {
    items.iter().any(|i| match i {
        Item::If { .. } | Item::Match { .. } => true,
        Item::Do(d) => {
            (d.requires.is_some() && has_work(&d.items, &d.actions)) || has_gateway(&d.items)
        }
        _ => false,
    })
}

/// Whether the process does something for these items: a gateway, a loop,
/// or a value it sets.
fn has_work(items: &[Item], actions: &[Action]) -> bool {
    actions.iter().any(|a| assignment(a).is_some())
        || items.iter().any(|i| match i {
            Item::If { .. } | Item::Match { .. } | Item::ForEach { .. } => true,
            Item::Do(d) => has_work(&d.items, &d.actions),
            _ => false,
        })
}

/// The field and value an action stores in the process: `set`, and
/// `request ... to set`.
fn assignment(a: &Action) -> Option<(&str, &Expr)> {
    match a {
        Action::Set { field, value } => Some((field, value)),
        Action::Request { set: Some(fv), .. } => Some((&fv.field, &fv.value)),
        _ => None,
    }
}

/// The decisions asked inside loops: the loop's task asks them.
fn asked_in_loops(items: &[Item]) -> Vec<&str> {
    let mut out = Vec::new();
    crate::ir::walk_items(items, &mut |i| {
        if let Item::ForEach { items, .. } = i {
            crate::ir::walk_items(items, &mut |j| {
                if let Item::Ask { decision } = j {
                    out.push(decision.as_str());
                }
            });
        }
    });
    out
}

/// The flow the next node is linked with: its label, its condition, and the
/// gateway it is the default flow of.
struct Pending {
    label: String,
    condition: Option<String>,
    default_of: Option<usize>,
}

/// Lowers a step's checklist into the process, in document order: `if` and
/// `match` as exclusive gateways with a conditioned flow per branch (the
/// `else`, or the last arm of an exhaustive `match`, as the default flow),
/// a `requires` around work as a gateway, `set` and `request ... to set` as
/// script tasks that write the variable, `for each` as a multi-instance
/// user task.
struct Lower<'l, 't, 'a, 'm> {
    translator: &'l Translator<'a, 'm>,
    texts: &'l Texts<'t>,
    model: &'m Playbook,
    target: Target,
    exhaustive: &'l rustc_hash::FxHashSet<crate::source::Span>,
    step: usize,
    lane: usize,
    block: usize,
    loop_ids: rustc_hash::FxHashSet<String>,
    gateways: usize,
    pending: Option<Pending>,
    /// The gateway being built has one condition: its other flow is "no".
    no: bool,
}

impl Lower<'_, '_, '_, '_> {
    fn at(&self) -> script::At {
        (self.step, true)
    }

    /// A flow from `from` to `to`, carrying what is pending.
    fn link(&mut self, p: &mut Process, from: usize, to: usize) {
        match self.pending.take() {
            Some(Pending {
                label,
                condition,
                default_of,
            }) => {
                let f = p.flow(from, to, Some(label), condition);
                if let Some(g) = default_of {
                    p.nodes[g].default = Some(f);
                }
            }
            None => {
                p.flow(from, to, None, None);
            }
        }
    }

    fn node(
        &mut self,
        p: &mut Process,
        id: String,
        name: String,
        kind: Kind,
        last: usize,
    ) -> usize {
        let n = p.node(id, Some(name), kind, self.lane, self.block);
        self.link(p, last, n);
        n
    }

    fn items(&mut self, p: &mut Process, items: &[Item], mut last: usize) -> usize {
        for item in items {
            last = self.item(p, item, last);
        }
        last
    }

    fn item(&mut self, p: &mut Process, item: &Item, last: usize) -> usize {
        match item {
            Item::Do(d) => {
                if !has_work(&d.items, &d.actions) {
                    return last;
                }
                match &d.requires {
                    Some(r) => {
                        let mut s = self.translator.script();
                        let condition = s.holds(r, self.at());
                        let condition = s.finish(&condition);
                        let name = fill(self.texts.words.applies, &[&self.texts.text(&d.text)]);
                        let yes = self.texts.words.yes.to_string();
                        let branches = vec![(yes, Some(condition), DoBody(d))];
                        self.no = true;
                        self.gateway(
                            p,
                            format!("Gateway_{}_requires", d.id),
                            name,
                            branches,
                            None::<Items>,
                            last,
                        )
                    }
                    None => self.do_body(p, d, last),
                }
            }
            Item::If {
                branches,
                otherwise,
            } => {
                let first = branches
                    .first()
                    .map(|b| said(self.texts, &b.when))
                    .unwrap_or_default();
                // One condition: yes and no; a chain: each condition, then
                // otherwise.
                let single = branches.len() == 1;
                let mut arms = Vec::new();
                for b in branches {
                    let mut s = self.translator.script();
                    let condition = s.holds(&b.when, self.at());
                    let label = if single {
                        self.texts.words.yes.to_string()
                    } else {
                        said(self.texts, &b.when)
                    };
                    arms.push((label, Some(s.finish(&condition)), Items(&b.items)));
                }
                self.no = single;
                self.gateways += 1;
                let id = format!(
                    "Gateway_{}_if{}",
                    self.model.steps[self.step].id, self.gateways
                );
                let name = first;
                let default = otherwise.as_deref().map(Items);
                self.gateway(p, id, name, arms, default, last)
            }
            Item::Match {
                subject,
                arms,
                span,
            } => {
                let exhaustive = self.exhaustive.contains(span);
                let mut branches = Vec::new();
                let mut default = None;
                for (i, arm) in arms.iter().enumerate() {
                    let Some(patterns) = &arm.patterns else {
                        default = Some(Items(&arm.items));
                        continue;
                    };
                    let ctx = crate::export::phrase::Ctx::new(self.texts.model, self.texts.locale);
                    let label = crate::export::phrase::to_plain(&ctx.patterns(
                        subject.is_some(),
                        Some(patterns),
                        &[],
                    ));
                    if exhaustive && i + 1 == arms.len() {
                        // The checks proved the arms cover every value: the
                        // last is taken when no other is.
                        branches.push((label, None, Items(&arm.items)));
                        continue;
                    }
                    let mut s = self.translator.script();
                    let condition = s.arm_matches(subject.as_ref(), arm, self.at());
                    branches.push((label, Some(s.finish(&condition)), Items(&arm.items)));
                }
                self.gateways += 1;
                let id = format!(
                    "Gateway_{}_match{}",
                    self.model.steps[self.step].id, self.gateways
                );
                let name = match subject {
                    Some(e) => {
                        let ctx =
                            crate::export::phrase::Ctx::new(self.texts.model, self.texts.locale);
                        let subject = crate::export::phrase::to_plain(&ctx.value(e, &[]));
                        format!("{} {subject}", self.texts.words.match_)
                    }
                    None => self.texts.words.match_.to_string(),
                };
                self.gateway(p, id, name, branches, default, last)
            }
            Item::ForEach {
                var, over, items, ..
            } => self.for_each(p, var, over, items, last),
            _ => last,
        }
    }

    fn do_body(&mut self, p: &mut Process, d: &crate::ir::DoItem, mut last: usize) -> usize {
        for a in &d.actions {
            let Some((field, value)) = assignment(a) else {
                continue;
            };
            let name = {
                let ctx = crate::export::phrase::Ctx::new(self.texts.model, self.texts.locale);
                crate::export::phrase::to_plain(&ctx.action(a, &[]))
            };

            let var = variable(field);
            let mut s = self.translator.script();
            let code = s.stored(value, self.at());
            let script = s.finish_assign(&var, &code);
            let result = (self.target == Target::Camunda8).then(|| var.clone());
            last = self.node(
                p,
                format!("Set_{}_{}", d.id, field),
                name,
                Kind::ScriptTask {
                    script,
                    result,
                    outcome: true,
                },
                last,
            );
        }
        self.items(p, &d.items, last)
    }

    /// An exclusive gateway with a flow per branch (label, condition, body),
    /// the default branch (or a default flow that goes straight on), and the
    /// gateway that merges them.
    fn gateway(
        &mut self,
        p: &mut Process,
        id: String,
        name: String,
        branches: Vec<(String, Option<String>, impl Body)>,
        default: Option<impl Body>,
        last: usize,
    ) -> usize {
        let split = self.node(p, id.clone(), name, Kind::Exclusive, last);
        let merge = p.node(
            format!("{id}_done"),
            None,
            Kind::Exclusive,
            self.lane,
            self.block,
        );
        let has_default = default.is_some() || branches.iter().any(|b| b.1.is_none());
        let branches = if self.target == Target::SpiffWorkflow {
            exclusive(branches)
        } else {
            branches
        };
        let row = self.block;
        for (i, (label, condition, body)) in branches.into_iter().enumerate() {
            self.pending = Some(Pending {
                default_of: condition.is_none().then_some(split),
                label,
                condition,
            });
            // Each branch after the first takes a row of its own.
            if i > 0 {
                self.block = p.fresh_block();
            }
            let end = body.lower(self, p, split);
            self.link(p, end, merge);
        }
        let otherwise = if std::mem::take(&mut self.no) {
            self.texts.words.no.to_string()
        } else {
            self.texts.words.otherwise.to_string()
        };
        if default.is_some() || !has_default {
            self.pending = Some(Pending {
                label: otherwise,
                condition: None,
                default_of: Some(split),
            });
            let end = match default {
                Some(body) => {
                    self.block = p.fresh_block();
                    body.lower(self, p, split)
                }
                None => split,
            };
            self.link(p, end, merge);
        }
        self.block = row;
        merge
    }

    fn for_each(
        &mut self,
        p: &mut Process,
        var: &str,
        over: &Expr,
        items: &[Item],
        mut last: usize,
    ) -> usize {
        let words = self.texts.words;
        let step = &self.model.steps[self.step];
        let mut first_do = None;
        let mut decisions = Vec::new();
        crate::ir::walk_items(items, &mut |i| match i {
            Item::Do(d) if first_do.is_none() => first_do = Some(d),
            Item::Ask { decision } => decisions.push(decision.as_str()),
            _ => {}
        });
        let mut id = match first_do {
            Some(d) => d.id.clone(),
            None => format!("{}_{}", step.id, var),
        };
        if self.loop_ids.contains(&id) {
            let mut n = 2;
            while self.loop_ids.contains(&format!("{id}_{n}")) {
                n += 1;
            }
            id = format!("{id}_{n}");
        }
        self.loop_ids.insert(id.clone());
        // The name shows what the loop walks in words where the text
        // names the loop variable (`{workload}`).
        let over_said = self.texts.over_words(over);
        // The loop variable in words, never its id.
        let var_said = self.texts.var_words(var);
        let name = match first_do {
            Some(d) => self
                .texts
                .text(&d.text)
                .replace(&format!("{{{var}}}"), &over_said),
            None => format!(
                "{}: {}",
                self.texts.text(&step.title),
                fill(words.for_each, &[&var_said, &over_said])
            ),
        };
        let camunda8 = self.target == Target::Camunda8;
        let spiff = self.target == Target::SpiffWorkflow;
        let collection = match &over.kind {
            ExprKind::Input { id } if camunda8 => {
                let v = variable(id);
                format!("=if {v} = null then [] else {v}")
            }
            // SpiffWorkflow's loop data input names a variable.
            ExprKind::Input { id } if spiff => variable(id),
            ExprKind::Input { id } => format!("${{environment.variables.{}}}", variable(id)),
            _ => {
                // A computed set: a script task works it out first.
                let values = format!("{}_values", variable(&id));
                let mut s = self.translator.script();
                let code = s.collection(over, self.at());
                let script = s.finish_assign(&values, &code);
                let result = camunda8.then(|| values.clone());
                last = self.node(
                    p,
                    format!("Values_{id}"),
                    fill(words.values, &[&over_said]),
                    Kind::ScriptTask {
                        script,
                        result,
                        outcome: false,
                    },
                    last,
                );
                if camunda8 {
                    format!("={values}")
                } else if spiff {
                    values
                } else {
                    format!("${{environment.variables.{values}}}")
                }
            }
        };
        let fields = self
            .model
            .decisions
            .iter()
            .filter(|d| decisions.contains(&d.id.as_str()))
            .map(|d| decision_field(self.model, self.texts, d))
            .collect();
        let task = self.node(
            p,
            format!("Loop_{id}"),
            name,
            Kind::UserTask {
                role: step.owner.clone(),
                fields,
                each: Some((collection, variable(var))),
            },
            last,
        );
        p.nodes[task].documentation = Some(self.texts.loop_documentation(var, over, items));
        task
    }
}

/// The branches of a gateway for SpiffWorkflow, which tries the conditions
/// of a gateway's flows in the order of their targets down the diagram, not
/// in document order: each condition also says that no condition before it
/// holds, so that the first that holds is the one taken in any order.
fn exclusive<B>(branches: Vec<(String, Option<String>, B)>) -> Vec<(String, Option<String>, B)> {
    let mut before: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(branches.len());
    for (label, condition, body) in branches {
        let condition = condition.map(|c| {
            let mut parts: Vec<String> = before.iter().map(|b| format!("not ({b})")).collect();
            parts.push(if before.is_empty() {
                c.clone()
            } else {
                format!("({c})")
            });
            before.push(c);
            parts.join(" and ")
        });
        out.push((label, condition, body));
    }
    out
}

/// A condition in words of the locale (labels of inputs and decisions, not
/// their ids).
fn said(texts: &Texts, e: &Expr) -> String {
    let ctx = crate::export::phrase::Ctx::new(texts.model, texts.locale);
    crate::export::phrase::to_plain(&ctx.condition(e, &[]))
}

/// What a branch holds.
trait Body {
    fn lower(self, l: &mut Lower, p: &mut Process, from: usize) -> usize;
}

struct Items<'m>(&'m [Item]);

impl Body for Items<'_> {
    fn lower(self, l: &mut Lower, p: &mut Process, from: usize) -> usize {
        l.items(p, self.0, from)
    }
}

struct DoBody<'m>(&'m crate::ir::DoItem);

impl Body for DoBody<'_> {
    fn lower(self, l: &mut Lower, p: &mut Process, from: usize) -> usize {
        l.do_body(p, self.0, from)
    }
}

/// The step's entry and exit criteria, as boxes a person ticks.
fn evidence_fields(model: &Playbook, texts: &Texts, step: &crate::ir::Step) -> Vec<FormField> {
    let mut out: Vec<FormField> = Vec::new();
    for g in step.entry.iter().chain(&step.exit) {
        let id = format!("evidence_{}", variable(&g.criterion));
        if out.iter().any(|f| f.id == id) {
            continue;
        }
        let label = model
            .criterion(&g.criterion)
            .map(|c| texts.text(&c.text))
            .unwrap_or_else(|| g.criterion.clone());
        out.push(FormField {
            id,
            label,
            kind: "boolean",
            values: Vec::new(),
        });
    }
    out
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
