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
            Err(i) => self.0.insert(i, (locale, text)),
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
    pub lets: Vec<Let>,
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
    /// Every text of the model, in a fixed order: header, declarations,
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
        for decls in [
            &self.phases,
            &self.motions,
            &self.roles,
            &self.notes,
            &self.services,
            &self.templates,
            &self.links,
        ] {
            out.extend(decls.iter().map(|d| &d.label));
        }
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
        self.tasks.iter().find(|t| t.number == number)
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
        })
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
