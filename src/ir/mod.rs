//! The compiled playbook: names resolved, expressions typed, texts merged
//! across locales. This is what checks analyse, exports render and runs
//! execute. It serialises to JSON as the data export.
//!
//! References between parts are by id (strings), so the JSON reads like the
//! source. Spans are kept for diagnostics but not serialised.

use crate::source::Span;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod show;
mod text;
pub use text::{Named, Segment, segments, unbrace};

/// A human-readable text in every locale it exists in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LText {
    /// The stable key translations refer to: `step.prepare`, `item.demo-rfa-form`.
    pub key: String,
    /// Locale to text, in template form (`{name}` placeholders, `{{` for a brace).
    pub text: Localized,
}

/// Texts by locale: a map, stored as a short sorted list (most texts have
/// one or two locales, and a playbook has hundreds of thousands of texts, so
/// a tree map per text would cost more than the texts).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Localized(Vec<(String, String)>);

impl Localized {
    pub fn new() -> Localized {
        Localized(Vec::new())
    }

    pub fn insert(&mut self, locale: String, text: String) {
        match self.0.binary_search_by(|(l, _)| l.as_str().cmp(&locale)) {
            Ok(i) => self.0[i].1 = text,
            Err(i) => {
                // One entry at a time: a first push would reserve four.
                self.0.reserve_exact(1);
                self.0.insert(i, (locale, text))
            }
        }
    }

    pub fn get(&self, locale: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(l, _)| l.as_str().cmp(locale))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(l, t)| (l, t))
    }

    pub fn values(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(_, t)| t)
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(l, _)| l)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Localized {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(l, t)| (l, t)))
    }
}

impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(deserializer)?;
        Ok(Localized(map.into_iter().collect()))
    }
}

impl JsonSchema for Localized {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Localized".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Texts by locale: locale to text, in template form.",
            "type": "object",
            "additionalProperties": { "type": "string" }
        })
    }
}

/// A calendar date as JSON writes it: `2019-10-01`.
fn date_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "format": "date" })
}

fn optional_date_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["string", "null"], "format": "date" })
}

impl LText {
    /// The text in `locale`, or in the source locale when there is none.
    pub fn get<'a>(&'a self, locale: &str, source_locale: &str) -> &'a str {
        self.text
            .get(locale)
            .or_else(|| self.text.get(source_locale))
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// What a compiled file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    Playbook,
    Catalogue,
}

/// A compiled playbook (or catalogue).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Playbook {
    pub id: String,
    pub kind: UnitKind,
    /// The locale the source texts are written in.
    pub source_locale: String,
    /// Every locale with texts: the source locale first, then translations.
    pub locales: Vec<String>,
    pub header: Header,
    pub phases: Vec<Decl>,
    pub motions: Vec<Decl>,
    pub roles: Vec<Decl>,
    pub notes: Vec<Decl>,
    pub services: Vec<Decl>,
    pub templates: Vec<Decl>,
    pub links: Vec<Decl>,
    pub enums: Vec<Enum>,
    pub fields: Vec<Field>,
    pub inputs: Vec<Input>,
    // Definitions in source order (a doc comment would enter the schema).
    pub lets: Vec<Let>,
    /// Positions in `lets` in evaluation order, each definition after those
    /// it reads: found once, by the resolver ([`Playbook::lets_in_order`]).
    #[serde(skip)]
    #[schemars(skip)]
    pub let_order: Vec<usize>,
    pub decisions: Vec<Decision>,
    pub tasks: Vec<Task>,
    pub criteria: Vec<Criterion>,
    pub steps: Vec<Step>,
    /// When the playbook applies at all: runs whose inputs fail it do not
    /// start, and the checks consider only inputs that pass it.
    pub requires: Option<Expr>,
    /// Where the playbook's id is written.
    #[serde(skip)]
    pub span: Span,
    /// Positions of steps and criteria by id, built on first lookup.
    #[serde(skip)]
    #[schemars(skip)]
    pub index: Index,
}

/// Where each step and criterion stands in its vector, by id: what makes
/// [`Playbook::step`] and [`Playbook::criterion`] constant-time on a
/// 100,000-step playbook. It is a cache, not data: a clone starts empty,
/// every copy compares equal, and a lookup checks the position it finds
/// (falling back to a search), so a model edited after a lookup still
/// answers right.
#[derive(Default)]
pub struct Index {
    positions: std::sync::OnceLock<Positions>,
}

#[derive(Default)]
struct Positions {
    steps: rustc_hash::FxHashMap<String, usize>,
    criteria: rustc_hash::FxHashMap<String, usize>,
    /// The positions of the tasks with each number, in declaration order.
    tasks: rustc_hash::FxHashMap<u32, Vec<usize>>,
    /// The step holding each item with an id.
    items: rustc_hash::FxHashMap<String, usize>,
}

impl Clone for Index {
    fn clone(&self) -> Index {
        Index::default()
    }
}

impl PartialEq for Index {
    fn eq(&self, _: &Index) -> bool {
        true
    }
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Index")
    }
}

/// The descriptive part of a playbook.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Header {
    pub title: Option<LText>,
    pub description: Option<LText>,
    pub phase: Option<String>,
    pub motions: Vec<String>,
    pub audience: Option<String>,
    pub author: Option<String>,
    pub owner: Option<String>,
    #[schemars(schema_with = "optional_date_schema")]
    pub revised: Option<jiff::civil::Date>,
    pub overview: Option<LText>,
    pub objectives: Vec<Entry>,
    pub key_inputs: Vec<Entry>,
    pub key_outputs: Vec<Entry>,
    pub next_steps: Vec<NextStep>,
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Entry {
    pub id: String,
    pub text: LText,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NextStep {
    pub id: String,
    pub text: LText,
    /// Another playbook this step leads to.
    pub playbook: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HistoryEntry {
    #[schemars(schema_with = "date_schema")]
    pub date: jiff::civil::Date,
    pub who: String,
    pub what: LText,
    #[serde(skip)]
    pub span: Span,
}

/// A catalogue declaration: role, note, service, template, link, phase, motion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Decl {
    pub id: String,
    pub label: LText,
    pub url: Option<String>,
    /// The file that declares it, when it comes from a `use`d catalogue.
    pub from: Option<String>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub url_span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Enum {
    pub id: String,
    pub label: Option<LText>,
    pub values: Vec<EnumValue>,
    pub from: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EnumValue {
    pub id: String,
    pub label: Option<LText>,
    #[serde(skip)]
    pub span: Span,
}

/// A field of an external system that actions set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Field {
    pub id: String,
    pub ty: Type,
    pub label: Option<LText>,
    pub from: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// A typed value given when a run starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Input {
    pub id: String,
    pub ty: Type,
    pub label: Option<LText>,
    #[serde(skip)]
    pub span: Span,
}

/// A value computed from inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Let {
    pub id: String,
    pub ty: Type,
    pub label: Option<LText>,
    pub value: Expr,
    #[serde(skip)]
    pub span: Span,
}

/// A question asked of the person running the playbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Decision {
    pub id: String,
    pub ty: Type,
    pub question: LText,
    /// The step that asks it.
    pub step: String,
    /// The loop variable it is asked per element of, if any.
    pub per: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// A task of the external task tracker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Task {
    pub number: u32,
    pub name: LText,
    pub mandatory: bool,
    pub owner: Option<String>,
    pub applies: Applies,
    #[serde(skip)]
    pub span: Span,
}

/// Which services something applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase", tag = "kind", content = "services")]
pub enum Applies {
    All,
    Services(Vec<String>),
}

/// Whether a criterion is documented before or at the end of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GateKind {
    Entry,
    Exit,
}

/// A quality criterion: something documented in a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Criterion {
    pub id: String,
    pub text: LText,
    pub note: String,
    /// The step that declares it, and as what.
    pub step: String,
    pub kind: GateKind,
    #[serde(skip)]
    pub span: Span,
}

/// A criterion as a step uses it, with its condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Gate {
    pub criterion: String,
    /// The items of the step this exit criterion documents: its evidence
    /// is recorded only once they are done (`after ITEM, ...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    pub when: Option<Expr>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Step {
    pub id: String,
    pub title: LText,
    pub owner: Option<String>,
    /// Roles that take part besides the owner.
    pub participants: Vec<String>,
    pub motions: Vec<String>,
    pub applies: Applies,
    /// Steps that must be done first.
    pub after: Vec<String>,
    /// A guard: the step happens only when it holds.
    pub requires: Option<Expr>,
    pub entry: Vec<Gate>,
    pub exit: Vec<Gate>,
    pub items: Vec<Item>,
    #[serde(skip)]
    pub span: Span,
}

/// One element of a step's checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Item {
    Do(DoItem),
    Tip {
        id: String,
        text: LText,
    },
    Warning {
        id: String,
        text: LText,
    },
    Ask {
        decision: String,
    },
    If {
        branches: Vec<Branch>,
        otherwise: Option<Vec<Item>>,
    },
    Match {
        subject: Option<Expr>,
        arms: Vec<Arm>,
        #[serde(skip)]
        span: Span,
    },
    ForEach {
        var: String,
        element: Type,
        over: Expr,
        items: Vec<Item>,
    },
}

/// An instruction: text, an optional action, nested items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DoItem {
    pub id: String,
    pub text: LText,
    pub optional: bool,
    /// Items of the same step that must be done first.
    pub after: Vec<String>,
    pub requires: Option<Expr>,
    pub actions: Vec<Action>,
    pub items: Vec<Item>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Branch {
    pub when: Expr,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Arm {
    /// `None` for `else`.
    pub patterns: Option<Vec<Expr>>,
    pub items: Vec<Item>,
}

/// What an item does beyond its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    Send {
        template: String,
        to: String,
    },
    Set {
        field: String,
        value: Expr,
    },
    Request {
        role: String,
        set: Option<FieldValue>,
    },
    CompleteTask {
        task: u32,
    },
    Record {
        criterion: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FieldValue {
    pub field: String,
    pub value: Expr,
}

/// A static type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", content = "enum", rename_all = "lowercase")]
pub enum Type {
    Bool,
    Int,
    Percent,
    Date,
    Duration,
    Text,
    Enum(String),
    Set(String),
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Percent => f.write_str("percent"),
            Type::Date => f.write_str("date"),
            Type::Duration => f.write_str("duration"),
            Type::Text => f.write_str("text"),
            Type::Enum(e) => write!(f, "{e}"),
            Type::Set(e) => write!(f, "set of {e}"),
        }
    }
}

/// A typed expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Expr {
    #[serde(flatten)]
    pub kind: ExprKind,
    #[serde(rename = "type")]
    pub ty: Type,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Contains,
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DurationUnit {
    Days,
    Weeks,
    Months,
    Years,
}

/// What an expression computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "expr", rename_all = "kebab-case")]
pub enum ExprKind {
    Bool {
        value: bool,
    },
    Int {
        value: i64,
    },
    /// Hundredths of a percent.
    Percent {
        hundredths: i64,
    },
    Date {
        #[schemars(schema_with = "date_schema")]
        value: jiff::civil::Date,
    },
    Duration {
        amount: i64,
        unit: DurationUnit,
    },
    Text {
        value: String,
    },
    Today,
    Input {
        id: String,
    },
    Let {
        id: String,
    },
    Decision {
        id: String,
    },
    LoopVar {
        id: String,
    },
    EnumValue {
        value: String,
    },
    Recorded {
        criterion: String,
    },
    SetOf {
        values: Vec<String>,
    },
    Not {
        operand: Box<Expr>,
    },
    Neg {
        operand: Box<Expr>,
    },
    /// `P% of operand`.
    PercentOf {
        hundredths: i64,
        operand: Box<Expr>,
    },
    YearOf {
        operand: Box<Expr>,
    },
    CountOf {
        operand: Box<Expr>,
    },
    /// `MONTH DAY of year`.
    DayOf {
        month: i8,
        day: i8,
        year: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Match {
        subject: Option<Box<Expr>>,
        arms: Vec<ExprArm>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExprArm {
    /// `None` for `else`.
    pub patterns: Option<Vec<Expr>>,
    pub value: Expr,
}

impl Playbook {
    /// Every text of the model, in a fixed order: header, declarations
    /// ([`Playbook::decls`]),
    /// inputs and definitions, decisions, tasks, criteria, then each step's
    /// title and items.
    pub fn texts(&self) -> Vec<&LText> {
        let h = &self.header;
        let mut out: Vec<&LText> = Vec::new();
        out.extend(h.title.iter().chain(&h.description).chain(&h.overview));
        out.extend(
            h.objectives
                .iter()
                .chain(&h.key_inputs)
                .chain(&h.key_outputs)
                .map(|e| &e.text),
        );
        out.extend(h.next_steps.iter().map(|n| &n.text));
        out.extend(h.history.iter().map(|e| &e.what));
        out.extend(self.decls().map(|d| &d.label));
        for e in &self.enums {
            out.extend(e.label.iter());
            out.extend(e.values.iter().filter_map(|v| v.label.as_ref()));
        }
        out.extend(self.fields.iter().filter_map(|f| f.label.as_ref()));
        out.extend(self.inputs.iter().filter_map(|i| i.label.as_ref()));
        out.extend(self.lets.iter().filter_map(|l| l.label.as_ref()));
        out.extend(self.decisions.iter().map(|d| &d.question));
        out.extend(self.tasks.iter().map(|t| &t.name));
        out.extend(self.criteria.iter().map(|c| &c.text));
        for s in &self.steps {
            out.push(&s.title);
            walk_items(&s.items, &mut |item| match item {
                Item::Do(d) => out.push(&d.text),
                Item::Tip { text, .. } | Item::Warning { text, .. } => out.push(text),
                _ => {}
            });
        }
        out
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        let at = self.positions().steps.get(id).copied();
        match at.and_then(|i| self.steps.get(i)).filter(|s| s.id == id) {
            Some(step) => Some(step),
            None => self.steps.iter().find(|s| s.id == id),
        }
    }

    pub fn task(&self, number: u32) -> Option<&Task> {
        self.task_positions(number).first().map(|&i| &self.tasks[i])
    }

    /// The positions in [`Playbook::tasks`] of the tasks numbered `number`,
    /// in declaration order, from the index (the exports look tasks up by
    /// number for every step). Like [`Playbook::step`], it checks what the
    /// index says and falls back to a search.
    pub fn task_positions(&self, number: u32) -> Vec<usize> {
        let at = self
            .positions()
            .tasks
            .get(&number)
            .map_or(&[][..], Vec::as_slice);
        let right = |&i: &usize| self.tasks.get(i).is_some_and(|t| t.number == number);
        if !at.is_empty() && at.iter().all(right) {
            return at.to_vec();
        }
        (0..self.tasks.len())
            .filter(|&i| self.tasks[i].number == number)
            .collect()
    }

    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        let at = self.positions().criteria.get(id).copied();
        match at.and_then(|i| self.criteria.get(i)).filter(|c| c.id == id) {
            Some(criterion) => Some(criterion),
            None => self.criteria.iter().find(|c| c.id == id),
        }
    }

    fn positions(&self) -> &Positions {
        self.index.positions.get_or_init(|| Positions {
            steps: self
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| (s.id.clone(), i))
                .collect(),
            criteria: self
                .criteria
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.clone(), i))
                .collect(),
            tasks: {
                let mut tasks: rustc_hash::FxHashMap<u32, Vec<usize>> =
                    rustc_hash::FxHashMap::default();
                for (i, t) in self.tasks.iter().enumerate() {
                    tasks.entry(t.number).or_default().push(i);
                }
                tasks
            },
            items: {
                let mut items = rustc_hash::FxHashMap::default();
                for (i, step) in self.steps.iter().enumerate() {
                    walk_items(&step.items, &mut |item| {
                        let id = match item {
                            Item::Do(d) => &d.id,
                            Item::Tip { id, .. } | Item::Warning { id, .. } => id,
                            _ => return,
                        };
                        items.entry(id.clone()).or_insert(i);
                    });
                }
                items
            },
        })
    }

    /// Rebuilds what the JSON form leaves out, for a model read back from
    /// it (a run's pinned model): the definitions' evaluation order, found
    /// again from the definitions they read. The resolver proved the
    /// definitions acyclic; a cycle here (a hand-made model) cannot loop:
    /// each definition is placed once.
    pub fn rebuild_after_load(&mut self) {
        let position: rustc_hash::FxHashMap<&str, usize> = self
            .lets
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.as_str(), i))
            .collect();
        let reads: Vec<Vec<usize>> = self
            .lets
            .iter()
            .map(|l| {
                let mut reads = Vec::new();
                walk_expr(&l.value, &mut |e| {
                    if let ExprKind::Let { id } = &e.kind
                        && let Some(&i) = position.get(id.as_str())
                    {
                        reads.push(i);
                    }
                });
                reads
            })
            .collect();
        // Depth-first, each definition after those it reads; 0 unvisited,
        // 1 on the path, 2 placed.
        let mut mark = vec![0u8; self.lets.len()];
        let mut order = Vec::with_capacity(self.lets.len());
        for root in 0..self.lets.len() {
            let mut stack = vec![(root, 0usize)];
            while let Some((i, next)) = stack.pop() {
                if next == 0 {
                    if mark[i] != 0 {
                        continue;
                    }
                    mark[i] = 1;
                }
                match reads[i].get(next) {
                    Some(&j) => {
                        stack.push((i, next + 1));
                        if mark[j] == 0 {
                            stack.push((j, 0));
                        }
                    }
                    None => {
                        mark[i] = 2;
                        order.push(i);
                    }
                }
            }
        }
        self.let_order = order;
        self.index = Index::default();
    }

    /// The definitions in evaluation order: each after those it reads.
    pub fn lets_in_order(&self) -> impl Iterator<Item = &Let> {
        self.let_order.iter().filter_map(|&i| self.lets.get(i))
    }

    pub fn role(&self, id: &str) -> Option<&Decl> {
        self.roles.iter().find(|r| r.id == id)
    }

    pub fn enum_decl(&self, id: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.id == id)
    }
}

impl Item {
    /// The nested items of this item, in every branch.
    pub fn children(&self) -> Vec<&Item> {
        match self {
            Item::Do(d) => d.items.iter().collect(),
            Item::If {
                branches,
                otherwise,
            } => branches
                .iter()
                .flat_map(|b| b.items.iter())
                .chain(otherwise.iter().flatten())
                .collect(),
            Item::Match { arms, .. } => arms.iter().flat_map(|a| a.items.iter()).collect(),
            Item::ForEach { items, .. } => items.iter().collect(),
            Item::Tip { .. } | Item::Warning { .. } | Item::Ask { .. } => Vec::new(),
        }
    }
}

/// Visits every item of a list, depth first, parents before children.
pub fn walk_items<'a>(items: &'a [Item], visit: &mut dyn FnMut(&'a Item)) {
    let mut stack: Vec<&'a Item> = items.iter().rev().collect();
    while let Some(item) = stack.pop() {
        visit(item);
        let children = item.children();
        stack.extend(children.into_iter().rev());
    }
}

/// Visits every node of an expression (iteratively).
pub fn walk_expr<'e>(e: &'e Expr, visit: &mut dyn FnMut(&'e Expr)) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        visit(e);
        match &e.kind {
            ExprKind::Not { operand }
            | ExprKind::Neg { operand }
            | ExprKind::PercentOf { operand, .. }
            | ExprKind::YearOf { operand }
            | ExprKind::CountOf { operand } => stack.push(operand),
            ExprKind::DayOf { year, .. } => stack.push(year),
            ExprKind::Binary { lhs, rhs, .. } => {
                stack.push(lhs);
                stack.push(rhs);
            }
            ExprKind::Match { subject, arms } => {
                if let Some(s) = subject {
                    stack.push(s);
                }
                for a in arms {
                    stack.push(&a.value);
                    stack.extend(a.patterns.iter().flatten());
                }
            }
            _ => {}
        }
    }
}

/// Why one step waits for another: the one definition that the checks
/// (the step graph) and runs (readiness) share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Wait {
    /// `after` in the later step.
    After,
    /// The later step reads this evidence (an entry criterion, or
    /// `recorded X` in any of its conditions), which the earlier step
    /// records.
    Evidence(String),
    /// The later step reads this decision in one of its conditions, and the
    /// earlier step asks it.
    Decision(String),
}

/// Every expression a step reads: its `requires`, the `when` of its gates,
/// and the conditions of its items (`requires`, `if`, `match`, `for each`,
/// and the values its actions set).
pub fn step_exprs(step: &Step) -> Vec<&Expr> {
    let mut out: Vec<&Expr> = step.requires.iter().collect();
    out.extend(
        step.entry
            .iter()
            .chain(&step.exit)
            .filter_map(|g| g.when.as_ref()),
    );
    walk_items(&step.items, &mut |item| match item {
        Item::Do(d) => {
            out.extend(d.requires.iter());
            for a in &d.actions {
                match a {
                    Action::Set { value, .. } => out.push(value),
                    Action::Request { set: Some(fv), .. } => out.push(&fv.value),
                    _ => {}
                }
            }
        }
        Item::If { branches, .. } => out.extend(branches.iter().map(|b| &b.when)),
        Item::Match { subject, arms, .. } => {
            out.extend(subject.iter());
            out.extend(arms.iter().flat_map(|a| a.patterns.iter().flatten()));
        }
        Item::ForEach { over, .. } => out.push(over),
        Item::Tip { .. } | Item::Warning { .. } | Item::Ask { .. } => {}
    });
    out
}

/// What an expression reads that another step provides: the evidence it
/// asks about with `recorded` and the decisions it reads, directly or
/// through definitions.
#[derive(Debug, Default, Clone)]
pub struct Reads<'m> {
    pub evidence: Vec<&'m str>,
    pub decisions: Vec<&'m str>,
}

impl Reads<'_> {
    fn add(&mut self, other: &Self) {
        for e in &other.evidence {
            if !self.evidence.contains(e) {
                self.evidence.push(e);
            }
        }
        for d in &other.decisions {
            if !self.decisions.contains(d) {
                self.decisions.push(d);
            }
        }
    }
}

impl Playbook {
    /// What each definition reads, through the definitions it uses, in
    /// dependency order (no recursion: a definition's dependencies come
    /// first; the resolver has rejected cycles).
    pub fn let_reads(&self) -> rustc_hash::FxHashMap<&str, Reads<'_>> {
        let mut direct: rustc_hash::FxHashMap<&str, (Reads, Vec<&str>)> =
            rustc_hash::FxHashMap::default();
        for l in &self.lets {
            let mut reads = Reads::default();
            let mut uses = Vec::new();
            walk_expr(&l.value, &mut |e| match &e.kind {
                ExprKind::Recorded { criterion } => reads.evidence.push(criterion),
                ExprKind::Decision { id } => reads.decisions.push(id),
                ExprKind::Let { id } => uses.push(id.as_str()),
                _ => {}
            });
            direct.insert(l.id.as_str(), (reads, uses));
        }
        let mut done: rustc_hash::FxHashMap<&str, Reads> = rustc_hash::FxHashMap::default();
        for l in &self.lets {
            // Post-order walk over the definitions not finished yet.
            let mut stack: Vec<(&str, bool)> = vec![(l.id.as_str(), false)];
            let mut on_stack: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
            while let Some((id, expanded)) = stack.pop() {
                if done.contains_key(id) {
                    continue;
                }
                let Some((reads, uses)) = direct.get(id) else {
                    continue;
                };
                if expanded {
                    let mut all = reads.clone();
                    for u in uses {
                        if let Some(r) = done.get(u) {
                            all.add(r);
                        }
                    }
                    done.insert(id, all);
                    continue;
                }
                if !on_stack.insert(id) {
                    // A cycle (reported by the resolver): stop here.
                    done.insert(id, reads.clone());
                    continue;
                }
                stack.push((id, true));
                for u in uses {
                    if !done.contains_key(u) {
                        stack.push((u, false));
                    }
                }
            }
        }
        done
    }

    /// What an expression reads, through definitions (`lets` from
    /// [`Playbook::let_reads`]).
    pub fn reads<'m>(
        &'m self,
        e: &'m Expr,
        lets: &rustc_hash::FxHashMap<&str, Reads<'m>>,
        out: &mut Reads<'m>,
    ) {
        walk_expr(e, &mut |e| match &e.kind {
            ExprKind::Recorded { criterion } => out.add(&Reads {
                evidence: vec![criterion],
                decisions: Vec::new(),
            }),
            ExprKind::Decision { id } => out.add(&Reads {
                evidence: Vec::new(),
                decisions: vec![id],
            }),
            ExprKind::Let { id } => {
                if let Some(r) = lets.get(id.as_str()) {
                    out.add(r);
                }
            }
            _ => {}
        });
    }

    /// The steps that record a criterion: the step that declares it, and
    /// every step that lists it as an exit criterion.
    pub fn recorders(&self, criterion: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        if let Some(c) = self.criterion(criterion) {
            out.push(c.step.as_str());
        }
        for s in &self.steps {
            if s.exit.iter().any(|g| g.criterion == criterion) && !out.contains(&s.id.as_str()) {
                out.push(s.id.as_str());
            }
        }
        out
    }

    /// What each step waits for, by step index: the steps it comes `after`;
    /// the steps that record evidence it reads (its entry criteria, and
    /// `recorded X` anywhere in its conditions); and the steps that ask a
    /// decision it reads. A step never waits for itself. `check` builds its
    /// step graph from this, and `run` decides readiness by it, so that
    /// whatever order the checks prove is the order runs follow.
    pub fn waits(&self) -> Vec<Vec<(usize, Wait)>> {
        let index: rustc_hash::FxHashMap<&str, usize> = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        // Who records each criterion, computed once.
        let mut recorders: rustc_hash::FxHashMap<&str, Vec<usize>> =
            rustc_hash::FxHashMap::default();
        for c in &self.criteria {
            if let Some(&i) = index.get(c.step.as_str()) {
                recorders.entry(c.id.as_str()).or_default().push(i);
            }
        }
        for (i, s) in self.steps.iter().enumerate() {
            for g in &s.exit {
                let list = recorders.entry(g.criterion.as_str()).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        let asked_in: rustc_hash::FxHashMap<&str, usize> = self
            .decisions
            .iter()
            .filter_map(|d| index.get(d.step.as_str()).map(|&i| (d.id.as_str(), i)))
            .collect();
        let lets = self.let_reads();
        let mut out = Vec::with_capacity(self.steps.len());
        for (b, step) in self.steps.iter().enumerate() {
            let mut waits: Vec<(usize, Wait)> = Vec::new();
            let push = |a: usize, why: Wait, waits: &mut Vec<(usize, Wait)>| {
                if a != b && !waits.iter().any(|(x, _)| *x == a) {
                    waits.push((a, why));
                }
            };
            for a in &step.after {
                if let Some(&a) = index.get(a.as_str()) {
                    push(a, Wait::After, &mut waits);
                }
            }
            let mut reads = Reads::default();
            reads
                .evidence
                .extend(step.entry.iter().map(|g| g.criterion.as_str()));
            for e in step_exprs(step) {
                self.reads(e, &lets, &mut reads);
            }
            for c in &reads.evidence {
                for &a in recorders.get(c).into_iter().flatten() {
                    push(a, Wait::Evidence(c.to_string()), &mut waits);
                }
            }
            for d in &reads.decisions {
                if let Some(&a) = asked_in.get(d) {
                    push(a, Wait::Decision(d.to_string()), &mut waits);
                }
            }
            out.push(waits);
        }
        out
    }
}
