//! Conditions as the JavaScript condition scripts bpmn-engine runs (the
//! same translation is printed as FEEL for Camunda 8 and as Python for
//! SpiffWorkflow: see [`Dialect`] and `docs/export-bpmn.md`).
//!
//! A condition of a sequence flow becomes a `bpmn:tFormalExpression` with
//! `language="javascript"`: helper and definition constants first, then
//! `next(null, <condition>)`, the callback bpmn-engine hands to condition
//! scripts. Process variables are read as `environment.variables.<name>`,
//! where the name is the playbook id with `_` for `-`.
//!
//! Values: booleans, numbers, enum values and texts as themselves; a
//! percentage as its number of percent (`12.5` for `12.5%`); a date as its
//! ISO text (`2019-10-01`); a set as an array of value ids; a duration as
//! `[amount, "days"]`.
//!
//! The playbook's evaluator treats a decision that has not been answered as
//! unknown, and a condition it cannot decide as false. Each condition here
//! is guarded the same way: a condition that reads an unanswered decision is
//! false. (The evaluator's `and` and `or` can sometimes decide without the
//! unknown side; these scripts do not try.)

use crate::check::Analysis;
use crate::ir::{self, BinaryOp, DurationUnit, Expr, ExprKind, GateKind, Type};
use std::collections::{BTreeMap, BTreeSet};

/// How deeply `recorded` questions may nest, as in the checks' analysis.
const MAX_RECORDED_DEPTH: usize = 32;
/// How deeply definitions may refer to definitions before the value is
/// given up as unknown.
const MAX_LET_DEPTH: usize = 256;

/// The process variable of a playbook id.
pub fn variable(id: &str) -> String {
    id.replace('-', "_")
}

/// Where a condition is asked: a step, and whether evidence recorded during
/// that step counts (as for items of the step) or not (its own guard).
pub type At = (usize, bool);

/// The expression language conditions and scripts are written in: the
/// JavaScript bpmn-engine runs, or the FEEL Camunda 8 (Zeebe) evaluates.
/// One translation of the playbook's expressions; only the syntax differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    JavaScript,
    Feel,
    /// The Python SpiffWorkflow evaluates (conditions with `eval`, scripts
    /// with `exec`, the task's data as the names in scope).
    Python,
}

impl Dialect {
    fn var(self, name: &str) -> String {
        match self {
            Dialect::JavaScript => format!("environment.variables.{name}"),
            Dialect::Feel => name.to_string(),
            // A keyword cannot be written as a name: it is looked up.
            Dialect::Python if PYTHON_KEYWORDS.contains(&name) => {
                format!("globals()[\"{name}\"]")
            }
            Dialect::Python => name.to_string(),
        }
    }
    /// A boolean literal: `true` and `false`, or Python's `True` and
    /// `False`.
    pub fn lit(self, value: bool) -> &'static str {
        match (self, value) {
            (Dialect::Python, true) => "True",
            (Dialect::Python, false) => "False",
            (_, true) => "true",
            (_, false) => "false",
        }
    }
    fn and(self) -> &'static str {
        match self {
            Dialect::JavaScript => " && ",
            Dialect::Feel | Dialect::Python => " and ",
        }
    }
    fn or(self) -> &'static str {
        match self {
            Dialect::JavaScript => " || ",
            Dialect::Feel | Dialect::Python => " or ",
        }
    }
    fn not(self, code: &str) -> String {
        match self {
            Dialect::JavaScript => format!("!{}", paren(code)),
            Dialect::Feel => format!("not({code})"),
            Dialect::Python => format!("not {}", paren(code)),
        }
    }
    fn eq(self) -> &'static str {
        match self {
            Dialect::JavaScript => " === ",
            Dialect::Feel => " = ",
            Dialect::Python => " == ",
        }
    }
    fn includes(self, list: &str, x: &str) -> String {
        match self {
            Dialect::JavaScript => format!("{}.includes({x})", paren(list)),
            Dialect::Feel => format!("list contains({list}, {x})"),
            Dialect::Python => format!("({x} in {})", paren(list)),
        }
    }
    fn known(self, name: &str) -> String {
        match self {
            Dialect::JavaScript => format!("environment.variables.{name} !== undefined"),
            Dialect::Feel => format!("{name} != null"),
            // A question not answered yet is not in the task's data.
            Dialect::Python => format!("\"{name}\" in globals()"),
        }
    }
    fn undefined(self) -> &'static str {
        match self {
            Dialect::JavaScript => "undefined",
            Dialect::Feel => "null",
            Dialect::Python => "None",
        }
    }
    /// A literal list of ids.
    fn list(self, values: &[String]) -> String {
        json_list(values)
    }
}

/// A translated value: JavaScript code, whether it always yields a boolean,
/// and the decisions it reads (which may not be answered yet).
struct Js {
    code: String,
    boolean: bool,
    decisions: BTreeSet<String>,
}

impl Js {
    fn plain(code: String) -> Js {
        Js {
            code,
            boolean: false,
            decisions: BTreeSet::new(),
        }
    }

    fn boolean(code: String) -> Js {
        Js {
            code,
            boolean: true,
            decisions: BTreeSet::new(),
        }
    }

    fn with(mut self, other: &Js) -> Js {
        self.decisions.extend(other.decisions.iter().cloned());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Let(String, Option<At>),
    Recorded(String, At),
}

const HELPER_SHIFT: &str = "const $shift = (date, [amount, unit]) => {\n  const [y, m, d] = date.split(\"-\").map(Number);\n  if (unit === \"days\" || unit === \"weeks\") {\n    const days = unit === \"weeks\" ? amount * 7 : amount;\n    return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);\n  }\n  const months = y * 12 + m - 1 + (unit === \"years\" ? amount * 12 : amount);\n  const year = Math.floor(months / 12);\n  const month = months - year * 12;\n  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();\n  return new Date(Date.UTC(year, month, Math.min(d, last))).toISOString().slice(0, 10);\n};";
const HELPER_DAY_OF: &str = "const $dayOf = (year, month, day) => {\n  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();\n  return String(year).padStart(4, \"0\") + \"-\" + String(month).padStart(2, \"0\") + \"-\" + String(Math.min(day, last)).padStart(2, \"0\");\n};";
const HELPER_SAME_SET: &str = "const $sameSet = (a, b) => JSON.stringify([...new Set(a)].sort()) === JSON.stringify([...new Set(b)].sort());";
const HELPER_TODAY: &str = "const $today = new Date().toISOString().slice(0, 10);";
/// The Python helpers: lambdas (a condition is one expression), each the
/// JavaScript helper of the same meaning.
const PY_SHIFT: (&str, &str) = (
    "_shift",
    "lambda date, by: (lambda dt, y, m, d, n, unit: (dt.date(y, m, d) + dt.timedelta(days=n * (7 if unit == \"weeks\" else 1))).isoformat() if unit in (\"days\", \"weeks\") else (lambda months: _day_of(months // 12, months % 12 + 1, d))(y * 12 + m - 1 + (n * 12 if unit == \"years\" else n)))(__import__(\"datetime\"), *map(int, date.split(\"-\")), *by)",
);
const PY_DAY_OF: (&str, &str) = (
    "_day_of",
    "lambda year, month, day: __import__(\"datetime\").date(year, month, min(day, __import__(\"calendar\").monthrange(year, month)[1])).isoformat()",
);
const PY_TODAY: (&str, &str) = (
    "_today",
    "__import__(\"datetime\").datetime.now(__import__(\"datetime\").timezone.utc).date().isoformat()",
);
/// The words Python reserves: a variable of that name is read from
/// `globals()`.
const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// What every script of one playbook shares.
pub struct Translator<'a, 'm> {
    pub dialect: Dialect,
    model: &'m ir::Playbook,
    analysis: &'a Analysis<'m>,
    lets: BTreeMap<&'m str, &'m ir::Let>,
    /// Definitions whose value depends on where they are asked (they read
    /// `recorded`, directly or through other definitions).
    situated: BTreeSet<&'m str>,
}

impl<'a, 'm> Translator<'a, 'm> {
    pub fn new(analysis: &'a Analysis<'m>, dialect: Dialect) -> Translator<'a, 'm> {
        let model = analysis.model;
        let lets: BTreeMap<&str, &ir::Let> =
            model.lets.iter().map(|l| (l.id.as_str(), l)).collect();
        // A definition is situated when it reads `recorded` or a situated
        // definition: iterate to a fixed point (no recursion).
        let mut reads: BTreeMap<&str, (bool, BTreeSet<&str>)> = BTreeMap::new();
        for l in &model.lets {
            let mut recorded = false;
            let mut deps = BTreeSet::new();
            crate::ir::walk_expr(&l.value, &mut |e| match &e.kind {
                ExprKind::Recorded { .. } => recorded = true,
                ExprKind::Let { id } => {
                    deps.insert(id.as_str());
                }
                _ => {}
            });
            reads.insert(l.id.as_str(), (recorded, deps));
        }
        let mut situated: BTreeSet<&str> = reads
            .iter()
            .filter(|(_, (r, _))| *r)
            .map(|(id, _)| *id)
            .collect();
        loop {
            let before = situated.len();
            for (id, (_, deps)) in &reads {
                if deps.iter().any(|d| situated.contains(d)) {
                    situated.insert(id);
                }
            }
            if situated.len() == before {
                break;
            }
        }
        Translator {
            dialect,
            model,
            analysis,
            lets,
            situated,
        }
    }

    pub fn script(&self) -> Script<'_, 'a, 'm> {
        Script {
            t: self,
            helpers: BTreeSet::new(),
            lines: Vec::new(),
            names: BTreeMap::new(),
            defs: Vec::new(),
            taken: BTreeSet::new(),
            active: BTreeSet::new(),
            depth: 0,
        }
    }
}

/// One condition script being written.
pub struct Script<'t, 'a, 'm> {
    t: &'t Translator<'a, 'm>,
    helpers: BTreeSet<&'static str>,
    /// Constant definitions, each after those it uses.
    lines: Vec<String>,
    names: BTreeMap<Key, Js>,
    /// The definitions of a Python script: name and code.
    defs: Vec<(String, String)>,
    taken: BTreeSet<String>,
    active: BTreeSet<Key>,
    depth: usize,
}

impl Script<'_, '_, '_> {
    fn d(&self) -> Dialect {
        self.t.dialect
    }

    /// The whole script for a condition built with this script's methods:
    /// in JavaScript, helper and definition constants, then
    /// `next(null, <condition>)`; in FEEL, an `=` expression whose
    /// definitions are entries of a context, each after those it uses.
    pub fn finish(self, condition: &str) -> String {
        match self.d() {
            Dialect::JavaScript => {
                let mut out = self.prelude();
                out.push_str(&format!("next(null, {condition});"));
                out
            }
            Dialect::Feel => self.feel(condition),
            Dialect::Python => self.python(condition),
        }
    }

    /// A script that stores `value` in the process variable `target`: in
    /// JavaScript a script task's whole script; in FEEL the expression of a
    /// `zeebe:script` whose result variable is `target`.
    pub fn finish_assign(self, target: &str, value: &str) -> String {
        match self.d() {
            Dialect::JavaScript => {
                let mut out = self.prelude();
                out.push_str(&format!(
                    "environment.variables.{target} = {value};\nnext();"
                ));
                out
            }
            Dialect::Feel => self.feel(value),
            Dialect::Python => {
                // Statements: the helpers and definitions, the assignment,
                // then the helpers and definitions leave the task's data.
                let defs = self.python_defs();
                let mut out = String::new();
                for (name, code) in &defs {
                    out.push_str(&format!("{name} = {code}\n"));
                }
                out.push_str(&format!("{target} = {value}"));
                if !defs.is_empty() {
                    let names: Vec<&str> = defs.iter().map(|(n, _)| n.as_str()).collect();
                    out.push_str(&format!("\ndel {}", names.join(", ")));
                }
                out
            }
        }
    }

    /// The Python helpers the script uses, then its definitions in
    /// dependency order: name and code.
    fn python_defs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.helpers.contains(HELPER_TODAY) {
            out.push(PY_TODAY);
        }
        // `_shift` falls back on `_day_of` past a month's end.
        if self.helpers.contains(HELPER_DAY_OF) || self.helpers.contains(HELPER_SHIFT) {
            out.push(PY_DAY_OF);
        }
        if self.helpers.contains(HELPER_SHIFT) {
            out.push(PY_SHIFT);
        }
        let mut out: Vec<(String, String)> = out
            .into_iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .collect();
        out.extend(self.defs.iter().cloned());
        out
    }

    /// A Python condition: one expression, so the helpers and definitions
    /// are assignment expressions in a list whose last entry is the
    /// condition.
    fn python(self, condition: &str) -> String {
        let defs = self.python_defs();
        if defs.is_empty() {
            return condition.to_string();
        }
        let mut out = String::from("[\n");
        for (name, code) in &defs {
            out.push_str(&format!("    ({name} := {code}),\n"));
        }
        out.push_str(&format!("    {condition},\n][-1]"));
        out
    }

    fn prelude(&self) -> String {
        let mut out = String::new();
        // Helpers in a fixed order, then constants in dependency order.
        for helper in [HELPER_TODAY, HELPER_SHIFT, HELPER_DAY_OF, HELPER_SAME_SET] {
            if self.helpers.contains(helper) {
                out.push_str(helper);
                out.push('\n');
            }
        }
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    fn feel(self, value: &str) -> String {
        if self.lines.is_empty() {
            return format!("={value}");
        }
        let mut out = String::from("={\n");
        for line in &self.lines {
            out.push_str("  ");
            out.push_str(line);
            out.push_str(",\n");
        }
        out.push_str(&format!("  result: {value}\n}}.result"));
        out
    }

    /// Whether `e` holds at `at`: false when it reads an unanswered decision.
    pub fn holds(&mut self, e: &Expr, at: At) -> String {
        let js = self.value(e, at);
        self.guard(&js)
    }

    /// Whether step `step` runs: it applies to the run's services and its
    /// own `requires` holds.
    pub fn runs(&mut self, step: usize) -> String {
        let s = &self.t.model.steps[step];
        let mut parts = Vec::new();
        if let Some(applies) = self.applies(s) {
            parts.push(applies);
        }
        if let Some(r) = &s.requires {
            parts.push(self.holds(r, (step, false)));
        }
        self.conjunction(parts)
    }

    /// The services condition of a step, if it has one.
    pub fn applies(&mut self, s: &ir::Step) -> Option<String> {
        match (&s.applies, self.t.analysis.services_input) {
            (ir::Applies::Services(services), Some(input)) => Some(match self.d() {
                Dialect::JavaScript => format!(
                    "{}.some((service) => (environment.variables.{} || []).includes(service))",
                    json_list(services),
                    variable(input)
                ),
                Dialect::Feel => format!(
                    "(some service in {} satisfies list contains(if {1} = null then [] else {1}, service))",
                    json_list(services),
                    variable(input)
                ),
                Dialect::Python => format!(
                    "any(service in (globals().get(\"{}\") or []) for service in {})",
                    variable(input),
                    json_list(services)
                ),
            }),
            _ => None,
        }
    }

    /// Whether the arm of a `match` statement matches (`true` for `else`).
    pub fn arm_matches(&mut self, subject: Option<&Expr>, arm: &ir::Arm, at: At) -> String {
        let Some(patterns) = &arm.patterns else {
            return self.d().lit(true).to_string();
        };
        let mut any = Vec::new();
        for p in patterns {
            match subject {
                Some(s) => {
                    let s = self.value(s, at);
                    let p = self.value(p, at);
                    let eq = Js::boolean(format!("{}{}{}", s.code, self.d().eq(), p.code))
                        .with(&s)
                        .with(&p);
                    any.push(self.guard(&eq));
                }
                None => any.push(self.holds(p, at)),
            }
        }
        if any.len() == 1 {
            any.pop().unwrap_or_default()
        } else {
            format!("({})", any.join(self.d().or()))
        }
    }

    /// The code of a collection a loop walks, known or empty.
    pub fn collection(&mut self, e: &Expr, at: At) -> String {
        let js = self.value(e, at);
        if js.decisions.is_empty() {
            js.code
        } else {
            let checks = self.checks(&js.decisions);
            match self.d() {
                Dialect::JavaScript => format!("({checks} ? {} : [])", js.code),
                Dialect::Feel => format!("(if {checks} then {} else [])", js.code),
                Dialect::Python => format!("({} if {checks} else [])", js.code),
            }
        }
    }

    /// The code of a value a `set` stores (a date as its ISO text).
    pub fn stored(&mut self, e: &Expr, at: At) -> String {
        self.value(e, at).code
    }

    fn value(&mut self, e: &Expr, at: At) -> Js {
        let d = self.d();
        match &e.kind {
            ExprKind::Bool { value } => Js::boolean(d.lit(*value).to_string()),
            ExprKind::Int { value } => Js::plain(value.to_string()),
            ExprKind::Percent { hundredths } => Js::plain(percent(*hundredths)),
            ExprKind::Date { value } => Js::plain(json(&value.to_string())),
            ExprKind::Duration { amount, unit } => Js::plain(match d {
                Dialect::JavaScript | Dialect::Python => duration(*amount, *unit),
                Dialect::Feel => feel_duration(*amount, *unit),
            }),
            ExprKind::Text { value } => Js::plain(match d {
                Dialect::JavaScript | Dialect::Python => json(value),
                Dialect::Feel => feel_string(value),
            }),
            ExprKind::Today => match d {
                Dialect::JavaScript => {
                    self.helpers.insert(HELPER_TODAY);
                    Js::plain("$today".to_string())
                }
                Dialect::Python => {
                    self.helpers.insert(HELPER_TODAY);
                    Js::plain("_today".to_string())
                }
                Dialect::Feel => Js::plain("string(today())".to_string()),
            },
            ExprKind::Input { id } => Js::plain(d.var(&variable(id))),
            ExprKind::Decision { id } => {
                let mut js = Js::plain(d.var(&variable(id)));
                js.decisions.insert(variable(id));
                js
            }
            // A loop variable is not in scope where the process routes.
            ExprKind::LoopVar { .. } => Js::plain(d.undefined().to_string()),
            ExprKind::EnumValue { value } => Js::plain(json(value)),
            ExprKind::SetOf { values } => Js::plain(d.list(values)),
            ExprKind::Let { id } => self.let_value(id, at),
            ExprKind::Recorded { criterion } => self.recorded(criterion, at),
            ExprKind::Not { operand } => {
                let o = self.value(operand, at);
                Js::boolean(d.not(&o.code)).with(&o)
            }
            ExprKind::Neg { operand } => {
                let o = self.value(operand, at);
                Js::plain(format!("-{}", paren(&o.code))).with(&o)
            }
            ExprKind::PercentOf {
                hundredths,
                operand,
            } => {
                let o = self.value(operand, at);
                Js::plain(format!("({} * {hundredths} / 10000)", o.code)).with(&o)
            }
            ExprKind::YearOf { operand } => {
                let o = self.value(operand, at);
                Js::plain(match d {
                    Dialect::JavaScript => format!("Number({}.slice(0, 4))", paren(&o.code)),
                    Dialect::Feel => format!("number(substring({}, 1, 4))", o.code),
                    Dialect::Python => format!("int({}[0:4])", paren(&o.code)),
                })
                .with(&o)
            }
            ExprKind::CountOf { operand } => {
                let o = self.value(operand, at);
                Js::plain(match d {
                    Dialect::JavaScript => format!("new Set({}).size", o.code),
                    Dialect::Feel => format!("count(distinct values({}))", o.code),
                    Dialect::Python => format!("len(set({}))", o.code),
                })
                .with(&o)
            }
            ExprKind::DayOf { month, day, year } => {
                let y = self.value(year, at);
                match d {
                    Dialect::JavaScript => {
                        self.helpers.insert(HELPER_DAY_OF);
                        Js::plain(format!("$dayOf({}, {month}, {day})", y.code)).with(&y)
                    }
                    Dialect::Python => {
                        self.helpers.insert(HELPER_DAY_OF);
                        Js::plain(format!("_day_of({}, {month}, {day})", y.code)).with(&y)
                    }
                    Dialect::Feel => {
                        // Days past the month's end fall on its last day.
                        let always = *day <= 28
                            || (*day <= 30 && *month != 2)
                            || matches!(month, 1 | 3 | 5 | 7 | 8 | 10 | 12);
                        let code = if always {
                            format!("string(date({}, {month}, {day}))", y.code)
                        } else {
                            format!(
                                "string(date({}, {month}, 1) + duration(\"P1M\") - duration(\"P1D\"))",
                                y.code
                            )
                        };
                        Js::plain(code).with(&y)
                    }
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, at),
            ExprKind::Match { subject, arms } => {
                let subject = subject.as_ref().map(|s| self.value(s, at));
                let mut out = Js::plain(String::new());
                let mut code = String::new();
                let mut otherwise = d.undefined().to_string();
                for arm in arms {
                    let value = self.value(&arm.value, at);
                    out = out.with(&value);
                    let Some(patterns) = &arm.patterns else {
                        otherwise = value.code;
                        continue;
                    };
                    let mut tests = Vec::new();
                    for p in patterns {
                        let p = self.value(p, at);
                        out = out.with(&p);
                        tests.push(match &subject {
                            Some(s) => format!("{}{}{}", s.code, d.eq(), p.code),
                            None if p.boolean => p.code,
                            None => format!("{}{}{}", p.code, d.eq(), d.lit(true)),
                        });
                    }
                    match d {
                        Dialect::JavaScript => {
                            code.push_str(&format!("{} ? {} : ", tests.join(" || "), value.code))
                        }
                        Dialect::Feel => code.push_str(&format!(
                            "if {} then {} else ",
                            tests.join(" or "),
                            value.code
                        )),
                        Dialect::Python => code.push_str(&format!(
                            "{} if {} else ",
                            value.code,
                            tests.join(" or ")
                        )),
                    }
                }
                if let Some(s) = &subject {
                    out = out.with(s);
                }
                out.code = format!("({code}{otherwise})");
                out
            }
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, at: At) -> Js {
        let a = self.value(lhs, at);
        let b = self.value(rhs, at);
        let (x, y) = (&a.code, &b.code);
        let d = self.d();
        let feel = d == Dialect::Feel;
        let js = match op {
            BinaryOp::Or => Js::boolean(format!("({x}{}{y})", d.or())),
            BinaryOp::And => Js::boolean(format!("({x}{}{y})", d.and())),
            BinaryOp::Eq | BinaryOp::Ne => {
                let same = match (&lhs.ty, d) {
                    (Type::Set(_), Dialect::JavaScript) => {
                        self.helpers.insert(HELPER_SAME_SET);
                        format!("$sameSet({x}, {y})")
                    }
                    (Type::Set(_), Dialect::Feel) => format!(
                        "((every v in {x} satisfies list contains({y}, v)) and (every v in {y} satisfies list contains({x}, v)))"
                    ),
                    (Type::Duration, Dialect::JavaScript) => {
                        format!("JSON.stringify({x}) === JSON.stringify({y})")
                    }
                    (Type::Set(_), Dialect::Python) => format!("set({x}) == set({y})"),
                    _ => format!("{x}{}{y}", d.eq()),
                };
                if op == BinaryOp::Eq {
                    Js::boolean(format!("({same})"))
                } else {
                    Js::boolean(d.not(&same))
                }
            }
            BinaryOp::Lt => Js::boolean(format!("({x} < {y})")),
            BinaryOp::Le => Js::boolean(format!("({x} <= {y})")),
            BinaryOp::Gt => Js::boolean(format!("({x} > {y})")),
            BinaryOp::Ge => Js::boolean(format!("({x} >= {y})")),
            BinaryOp::In => Js::boolean(d.includes(y, x)),
            BinaryOp::NotIn => Js::boolean(d.not(&d.includes(y, x))),
            BinaryOp::Contains => Js::boolean(d.includes(x, y)),
            BinaryOp::Add | BinaryOp::Sub => match (&lhs.ty, &rhs.ty) {
                (Type::Date, Type::Duration) if d == Dialect::Python => {
                    self.helpers.insert(HELPER_SHIFT);
                    if op == BinaryOp::Add {
                        Js::plain(format!("_shift({x}, {y})"))
                    } else {
                        Js::plain(format!("_shift({x}, [-{y}[0], {y}[1]])"))
                    }
                }
                (Type::Date, Type::Duration) if feel => {
                    let sign = if op == BinaryOp::Add { "+" } else { "-" };
                    Js::plain(format!("string(date({x}) {sign} {y})"))
                }
                (Type::Date, Type::Duration) => {
                    self.helpers.insert(HELPER_SHIFT);
                    if op == BinaryOp::Add {
                        Js::plain(format!("$shift({x}, {y})"))
                    } else {
                        Js::plain(format!(
                            "$shift({x}, (([amount, unit]) => [-amount, unit])({y}))"
                        ))
                    }
                }
                (Type::Date, Type::Date) if feel => {
                    Js::plain(format!("((date({x}) - date({y})).days)"))
                }
                (Type::Date, Type::Date) if d == Dialect::Python => Js::plain(format!(
                    "(__import__(\"datetime\").date.fromisoformat({x}) - __import__(\"datetime\").date.fromisoformat({y})).days"
                )),
                (Type::Date, Type::Date) => Js::plain(format!(
                    "Math.round((Date.parse({x}) - Date.parse({y})) / 86400000)"
                )),
                _ => {
                    let sign = if op == BinaryOp::Add { "+" } else { "-" };
                    Js::plain(format!("({x} {sign} {y})"))
                }
            },
            BinaryOp::Mul => Js::plain(format!("({x} * {y})")),
            BinaryOp::Div => Js::plain(format!("({x} / {y})")),
        };
        js.with(&a).with(&b)
    }

    /// A constant of the script: `const name = code;` in JavaScript, a
    /// context entry `name: code` in FEEL.
    fn constant(&mut self, name: &str, code: &str) {
        match self.d() {
            Dialect::JavaScript => self.lines.push(format!("const {name} = {code};")),
            Dialect::Feel => self.lines.push(format!("{name}: {code}")),
            Dialect::Python => self.defs.push((name.to_string(), code.to_string())),
        }
    }

    /// A definition: a constant of the script, defined once.
    fn let_value(&mut self, id: &str, at: At) -> Js {
        let Some(l) = self.t.lets.get(id).copied() else {
            return Js::plain(self.d().undefined().to_string());
        };
        let situated = self.t.situated.contains(id);
        let key = Key::Let(id.to_string(), situated.then_some(at));
        if let Some(known) = self.names.get(&key) {
            return reuse(known);
        }
        if self.active.contains(&key) || self.depth >= MAX_LET_DEPTH {
            return Js::plain(self.d().undefined().to_string());
        }
        self.active.insert(key.clone());
        self.depth += 1;
        let value = self.value(&l.value, at);
        self.depth -= 1;
        self.active.remove(&key);
        let base = match self.d() {
            Dialect::JavaScript => const_name(id),
            // Context keys shadow process variables: a prefix keeps them
            // apart from inputs and decisions.
            Dialect::Feel | Dialect::Python => format!("let_{}", variable(id)),
        };
        let name = self.fresh(&base);
        self.constant(&name, &value.code);
        let js = Js {
            code: name,
            boolean: value.boolean,
            decisions: value.decisions,
        };
        let out = reuse(&js);
        self.names.insert(key, js);
        out
    }

    /// `recorded c` asked at `at`: some step that records `c` in time ran,
    /// and its condition for recording it held.
    fn recorded(&mut self, criterion: &str, at: At) -> Js {
        let key = Key::Recorded(criterion.to_string(), at);
        if let Some(known) = self.names.get(&key) {
            return reuse(known);
        }
        if self.active.contains(&key) || self.active.len() >= MAX_RECORDED_DEPTH {
            return Js::boolean(self.d().lit(false).to_string());
        }
        let (step, during) = at;
        if step >= self.t.model.steps.len() {
            // Asked outside any step (the playbook's own `requires`):
            // nothing has been recorded yet.
            return Js::boolean(self.d().lit(false).to_string());
        }
        let producers: Vec<(usize, GateKind, Option<&Expr>)> = self
            .t
            .analysis
            .producers
            .get(criterion)
            .cloned()
            .unwrap_or_default();
        self.active.insert(key.clone());
        let mut any = Vec::new();
        for (p, kind, when) in producers {
            let in_time = if p == step {
                during || kind == GateKind::Entry
            } else {
                self.t.analysis.is_ancestor(p, step)
            };
            if !in_time {
                continue;
            }
            let mut parts = vec![self.runs(p)];
            if let Some(w) = when {
                parts.push(self.holds(w, (p, true)));
            }
            any.push(self.conjunction(parts));
        }
        self.active.remove(&key);
        let code = match any.len() {
            0 => self.d().lit(false).to_string(),
            1 => any.pop().unwrap_or_default(),
            _ => format!("({})", any.join(self.d().or())),
        };
        let base = match self.d() {
            Dialect::JavaScript => format!("$recorded_{}", variable(criterion)),
            Dialect::Feel | Dialect::Python => format!("recorded_{}", variable(criterion)),
        };
        let name = self.fresh(&base);
        self.constant(&name, &code);
        let js = Js::boolean(name);
        let out = reuse(&js);
        self.names.insert(key, js);
        out
    }

    fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        let sep = match self.d() {
            Dialect::JavaScript => "$",
            Dialect::Feel | Dialect::Python => "_",
        };
        while self.taken.contains(&name) {
            name = format!("{base}{sep}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    /// A value as a condition: true only when it is `true`, and false when a
    /// decision it reads is not answered.
    fn guard(&self, js: &Js) -> String {
        let d = self.d();
        let code = if js.boolean && d != Dialect::Feel {
            js.code.clone()
        } else if js.boolean {
            // FEEL's `and`, `or` and comparisons give null for a missing
            // value; a condition must be a boolean.
            format!("{} = true", paren(&js.code))
        } else {
            format!("{}{}{}", js.code, d.eq(), d.lit(true))
        };
        if js.decisions.is_empty() {
            code
        } else {
            format!(
                "({}{}{})",
                self.checks(&js.decisions),
                d.and(),
                paren(&code)
            )
        }
    }

    fn checks(&self, decisions: &BTreeSet<String>) -> String {
        decisions
            .iter()
            .map(|v| self.d().known(v))
            .collect::<Vec<_>>()
            .join(self.d().and())
    }

    /// Conditions that must all hold (`true` for none).
    pub fn conjunction(&self, parts: Vec<String>) -> String {
        let always = self.d().lit(true);
        let parts: Vec<String> = parts.into_iter().filter(|p| p != always).collect();
        match parts.len() {
            0 => always.to_string(),
            1 => parts.into_iter().next().unwrap_or_default(),
            _ => parts
                .iter()
                .map(|p| paren(p))
                .collect::<Vec<_>>()
                .join(self.d().and()),
        }
    }
}

fn reuse(js: &Js) -> Js {
    Js {
        code: js.code.clone(),
        boolean: js.boolean,
        decisions: js.decisions.clone(),
    }
}

/// A FEEL string literal.
fn feel_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A FEEL duration: days and weeks as a days-and-time duration, months and
/// years as a years-and-months duration.
fn feel_duration(amount: i64, unit: DurationUnit) -> String {
    let (sign, n) = if amount < 0 {
        ("-", -amount)
    } else {
        ("", amount)
    };
    let iso = match unit {
        DurationUnit::Days => format!("{sign}P{n}D"),
        DurationUnit::Weeks => format!("{sign}P{}D", n * 7),
        DurationUnit::Months => format!("{sign}P{n}M"),
        DurationUnit::Years => format!("{sign}P{n}Y"),
    };
    format!("duration(\"{iso}\")")
}

/// Wraps code in parentheses unless it is one term already.
fn paren(code: &str) -> String {
    let simple = code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$'));
    let wrapped = code.starts_with('(') && code.ends_with(')') && balanced_outer(code);
    if simple || wrapped {
        code.to_string()
    } else {
        format!("({code})")
    }
}

/// Whether the first `(` of `code` closes at its last character.
fn balanced_outer(code: &str) -> bool {
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in code.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 < code.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// A JavaScript identifier for a definition: its variable name, with `_`
/// appended when that is a word JavaScript reserves.
fn const_name(id: &str) -> String {
    const RESERVED: &[&str] = &[
        "arguments",
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "environment",
        "eval",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "implements",
        "import",
        "in",
        "instanceof",
        "interface",
        "let",
        "new",
        "next",
        "null",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "static",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "undefined",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "NaN",
        "Infinity",
    ];
    let name = variable(id);
    if RESERVED.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// A JSON (and JavaScript) string literal.
pub fn json(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

fn json_list(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| json(v)).collect();
    format!("[{}]", items.join(", "))
}

fn duration(amount: i64, unit: DurationUnit) -> String {
    let unit = match unit {
        DurationUnit::Days => "days",
        DurationUnit::Weeks => "weeks",
        DurationUnit::Months => "months",
        DurationUnit::Years => "years",
    };
    format!("[{amount}, \"{unit}\"]")
}

/// `hundredths` of a percent as a JavaScript number: `1250` as `12.5`.
fn percent(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let h = hundredths.unsigned_abs();
    let (whole, fraction) = (h / 100, h % 100);
    if fraction == 0 {
        format!("{sign}{whole}")
    } else if fraction % 10 == 0 {
        format!("{sign}{whole}.{}", fraction / 10)
    } else {
        format!("{sign}{whole}.{fraction:02}")
    }
}
