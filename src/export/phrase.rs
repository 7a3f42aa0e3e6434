//! What the Markdown and HTML exports share: a playbook's texts with their
//! placeholders resolved, and conditions, values and actions put into words
//! of the locale. The result is a [`Phrase`], a list of [`Inline`] pieces of
//! plain text, links and loop variables, that each exporter escapes for its
//! format. Nothing here escapes; nothing here is markup.

use crate::eval::Value;
use crate::export::specialise::Customer;
use crate::ir::{
    Action, Applies, BinaryOp, DurationUnit, Expr, ExprKind, Item, LText, Playbook, Segment, Step,
    Task, Type, segments,
};
use crate::labels::{self, Labels};

/// One piece of a phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Plain text, not yet escaped; may hold line breaks.
    Text(String),
    /// A link whose address is `http`, `https` or `mailto` (see [`safe_url`]).
    Link { text: String, url: String },
    /// The variable of a `for each` loop, where no value is chosen: the
    /// words for what it walks (see [`Var`]).
    Var(String),
}

pub type Phrase = Vec<Inline>;

/// A loop variable in scope: its id, and the words it shows: the label of
/// its value when the loop is written out for one value (`bound`), the
/// words for what it walks otherwise. Never its id.
#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
    pub words: String,
    /// The value it is bound to, when the loop is written out.
    pub bound: Option<String>,
}

/// `text` as a phrase of one piece.
pub fn plain(text: impl Into<String>) -> Phrase {
    vec![Inline::Text(text.into())]
}

/// The address of a link, when it may be one: an absolute `http`, `https`
/// or `mailto` URL, as the `url` crate serialises it (spaces, quotes and
/// angle brackets percent-encoded). Any other scheme (`javascript:`,
/// `data:`, `file:`) or a relative address is shown as text only.
pub fn safe_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https" | "mailto") {
        return None;
    }
    // An address as written, when it holds nothing to encode; otherwise as
    // the parser writes it.
    let plain = raw.bytes().all(|b| {
        b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'<' | b'>' | b'\\' | b'`' | b'{' | b'}' | b'|' | b'^'
            )
    });
    Some(if plain {
        raw.to_string()
    } else {
        url.to_string()
    })
}

/// The text of a phrase without markup: what a reader sees.
pub fn to_plain(phrase: &[Inline]) -> String {
    let mut out = String::new();
    for piece in phrase {
        match piece {
            Inline::Text(t) => out.push_str(t),
            Inline::Link { text, .. } => out.push_str(text),
            Inline::Var(v) => out.push_str(v),
        }
    }
    out
}

/// The paragraphs of a text block: split at blank lines, each trimmed,
/// empty ones dropped.
pub fn paragraphs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut blank_run = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        if blank && !blank_run {
            out.push(&text[start..offset]);
        }
        if !blank && blank_run {
            start = offset;
        }
        blank_run = blank;
        offset += line.len();
    }
    if !blank_run {
        out.push(&text[start..]);
    }
    out.into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// The phrase-making context: the model, the locale and its labels.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub model: &'a Playbook,
    pub locale: &'a str,
    pub labels: &'static Labels,
    /// Whom the document is for, when it is for one customer.
    pub customer: Option<&'a Customer>,
}

impl<'a> Ctx<'a> {
    pub fn new(model: &'a Playbook, locale: &'a str) -> Ctx<'a> {
        Ctx {
            model,
            locale,
            labels: labels::get(locale),
            customer: None,
        }
    }

    /// The context of a document for `customer`.
    pub fn for_customer(self, customer: Option<&'a Customer>) -> Ctx<'a> {
        Ctx { customer, ..self }
    }

    /// The loop variable `name` over elements of type `element`, walking
    /// `over`: bound to `value`, or not.
    pub fn var(&self, name: &str, element: &Type, over: &Expr, value: Option<&str>) -> Var {
        let words = match value {
            Some(v) => self.enum_value(element, v),
            None => self.element_words(element, Some(over)),
        };
        Var {
            name: name.to_string(),
            words,
            bound: value.map(str::to_string),
        }
    }

    /// What a loop over `over` walks, in words ([`Playbook::element_words`]),
    /// or else the words of the collection.
    fn element_words(&self, element: &Type, over: Option<&Expr>) -> String {
        let service = self.labels.service;
        match over {
            Some(over) => self
                .model
                .element_words(element, over, self.locale, service)
                .unwrap_or_else(|| to_plain(&self.value(over, &[]))),
            None => match element {
                Type::Enum(e) | Type::Set(e) => match self.model.enum_decl(e) {
                    Some(d) => d
                        .label
                        .as_ref()
                        .map_or_else(|| e.clone(), |l| self.label_text(l)),
                    None if e == "service" => service.to_string(),
                    None => self.labels.none.to_string(),
                },
                _ => self.labels.none.to_string(),
            },
        }
    }

    /// The value of an input or definition in words, when the document is
    /// for a customer whose inputs decide it.
    fn known(&self, id: &str) -> Option<String> {
        let value = self.customer?.value(id)?;
        let m = self.model;
        let ty = m
            .inputs
            .iter()
            .find(|i| i.id == id)
            .map(|i| &i.ty)
            .or_else(|| m.lets.iter().find(|l| l.id == id).map(|l| &l.ty))?;
        Some(self.value_words(value, ty))
    }

    /// A value of type `ty` as the locale writes it: numbers with its
    /// separators, dates in its form, enum values and services by their
    /// labels.
    pub fn value_words(&self, value: &Value, ty: &Type) -> String {
        let l = self.labels;
        match value {
            Value::Bool(b) => (if *b { l.yes } else { l.no }).to_string(),
            Value::Number(n) => match n.as_int() {
                Some(i) => self.number(i),
                None => n.to_string().replace('.', l.decimal_separator),
            },
            Value::Percent(p) => match p
                .checked_mul(crate::eval::Ratio::int(10_000))
                .and_then(|h| h.as_int())
            {
                Some(h) => percent(h).replace('.', l.decimal_separator),
                None => p.to_string(),
            },
            Value::Date(d) => self.date(*d),
            Value::Duration(amount, unit) => {
                let (one, many) = match unit {
                    DurationUnit::Days => l.days,
                    DurationUnit::Weeks => l.weeks,
                    DurationUnit::Months => l.months,
                    DurationUnit::Years => l.years,
                };
                let template = if *amount == 1 { one } else { many };
                to_plain(&self.fill(template, &[("n", plain(self.number(*amount)))]))
            }
            Value::Text(t) => t.clone(),
            Value::Enum(v) => self.enum_value(ty, v),
            Value::Set(values) => {
                let element = match ty {
                    Type::Set(e) => Type::Enum(e.clone()),
                    other => other.clone(),
                };
                self.in_order(ty, values)
                    .iter()
                    .map(|v| self.enum_value(&element, v))
                    .collect::<Vec<_>>()
                    .join(l.list_separator)
            }
        }
    }

    /// The values of a set in the order the enum (or the services) declares them.
    pub fn in_order(&self, ty: &Type, values: &std::collections::BTreeSet<String>) -> Vec<String> {
        let order: Vec<&str> = match ty {
            Type::Set(e) | Type::Enum(e) => match self.model.enum_decl(e) {
                Some(d) => d.values.iter().map(|v| v.id.as_str()).collect(),
                None => self.model.services.iter().map(|s| s.id.as_str()).collect(),
            },
            _ => Vec::new(),
        };
        let mut out: Vec<String> = values.iter().cloned().collect();
        out.sort_by_key(|v| order.iter().position(|o| o == v).unwrap_or(usize::MAX));
        out
    }

    /// A whole number with the locale's thousands separator.
    pub fn number(&self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(self.labels.thousands_separator);
            }
            out.push(c);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    }

    /// A date as the locale writes it.
    pub fn date(&self, d: jiff::civil::Date) -> String {
        let l = self.labels;
        let month = l.month_names[(d.month() - 1) as usize];
        labels::fill(
            &l.date
                .replace("{d}", "{0}")
                .replace("{month}", "{1}")
                .replace("{y}", "{2}"),
            &[&d.day().to_string(), month, &d.year().to_string()],
        )
    }

    /// A text in the locale (or the source locale), in template form.
    pub fn raw(&self, text: &'a LText) -> &'a str {
        text.get(self.locale, &self.model.source_locale)
    }

    /// A text with its placeholders resolved; `vars` are the loop variables
    /// in scope, innermost last.
    pub fn rich(&self, text: &LText, vars: &[Var]) -> Phrase {
        self.template(self.raw(text), vars)
    }

    /// A template string (one paragraph of a text, say) resolved as [`Ctx::rich`].
    pub fn template(&self, template: &str, vars: &[Var]) -> Phrase {
        let mut out = Vec::new();
        for segment in segments(template) {
            match segment {
                Segment::Text(t) => push_text(&mut out, t.into_owned()),
                Segment::Placeholder(name) => out.extend(self.reference(name, vars)),
            }
        }
        out
    }

    /// A text as plain words: placeholders become the labels they name,
    /// without links.
    pub fn flat(&self, text: &LText) -> String {
        to_plain(&self.rich(text, &[]))
    }

    /// What a `{name}` placeholder shows: a loop variable as its value or
    /// the words for what it walks ([`Var`]), an input or definition the
    /// customer's inputs decide as its value, a template or link as a link
    /// to it, anything else by its words.
    fn reference(&self, name: &str, vars: &[Var]) -> Phrase {
        let m = self.model;
        if let Some(var) = vars.iter().rev().find(|v| v.name == name) {
            return var_phrase(var);
        }
        if let Some(value) = self.known(name) {
            return plain(value);
        }
        if let Some(d) = m.templates.iter().chain(&m.links).find(|d| d.id == name) {
            let text = self.label_text(&d.label);
            return match d.url.as_deref().and_then(safe_url) {
                Some(url) => vec![Inline::Link { text, url }],
                None => plain(text),
            };
        }
        plain(self.name_of(name))
    }

    /// A declaration's label as plain text; its own placeholders, if any,
    /// show their names (labels do not nest).
    fn label_text(&self, label: &LText) -> String {
        self.model.label_words(label, self.locale)
    }

    /// The words for whatever `id` names, by the namespaces a placeholder
    /// may use; the id itself when it names nothing known.
    pub fn name_of(&self, id: &str) -> String {
        self.model.placeholder_words(id, self.locale)
    }

    /// What an exit criterion documents (`after ITEM, ...`), in words: the
    /// items' texts; empty when it names none.
    pub fn after_items(&self, after: &[String]) -> Phrase {
        if after.is_empty() {
            return Vec::new();
        }
        let mut texts: Vec<Phrase> = Vec::new();
        for id in after {
            let mut found = None;
            for step in &self.model.steps {
                crate::ir::walk_items(&step.items, &mut |item| {
                    if let crate::ir::Item::Do(d) = item
                        && &d.id == id
                        && found.is_none()
                    {
                        found = Some(self.rich(&d.text, &[]));
                    }
                });
            }
            texts.push(found.unwrap_or_else(|| plain(id.clone())));
        }
        let mut list = Vec::new();
        for (n, t) in texts.into_iter().enumerate() {
            if n > 0 {
                push_text(&mut list, self.labels.list_separator.to_string());
            }
            list.extend(t);
        }
        self.fill(self.labels.after_done, &[("x", list)])
    }

    /// Appends `next` to `line`, with the locale's space between them.
    pub fn then(&self, line: &mut Phrase, next: Phrase) {
        if !line.is_empty() && !next.is_empty() {
            push_text(line, self.labels.space.to_string());
        }
        for piece in next {
            match piece {
                Inline::Text(t) => push_text(line, t),
                other => line.push(other),
            }
        }
    }

    /// `label` and the locale's colon.
    pub fn label(&self, label: &str) -> Phrase {
        plain(format!("{label}{}", self.labels.colon))
    }

    /// `text` between the locale's quotation marks.
    pub fn quoted(&self, text: &str) -> String {
        format!(
            "{}{}{}",
            self.labels.quote_open, text, self.labels.quote_close
        )
    }

    /// `text` between the locale's parentheses.
    pub fn parenthesised(&self, phrase: Phrase) -> Phrase {
        let mut out = plain(self.labels.paren_open);
        out.extend(phrase);
        push_text(&mut out, self.labels.paren_close.to_string());
        out
    }

    /// A role's label, or its id.
    pub fn role(&self, id: &str) -> String {
        self.model
            .role(id)
            .map_or_else(|| id.to_string(), |r| self.label_text(&r.label))
    }

    /// The services something applies to, as the corpus writes them:
    /// "All Services", or the labels joined by ` / `.
    pub fn applies(&self, applies: &Applies) -> String {
        match applies {
            Applies::All => self.labels.all_services.to_string(),
            Applies::Services(ids) => ids
                .iter()
                .map(|id| self.name_of(id))
                .collect::<Vec<_>>()
                .join(" / "),
        }
    }

    /// The labels of a list of declarations (motions, roles), joined by ` / `.
    pub fn names(&self, ids: &[String]) -> String {
        ids.iter()
            .map(|id| self.name_of(id))
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// Fills a phrase template of the labels with phrases.
    pub fn fill(&self, template: &str, args: &[(&str, Phrase)]) -> Phrase {
        let mut out = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            let name = &rest[open + 1..close];
            match args.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => {
                    push_text(&mut out, rest[..open].to_string());
                    out.extend(value.iter().cloned());
                }
                None => push_text(&mut out, rest[..=close].to_string()),
            }
            rest = &rest[close + 1..];
        }
        push_text(&mut out, rest.to_string());
        out
    }

    // -----------------------------------------------------------------------
    // Conditions and values.

    /// A condition in words, without "if".
    pub fn condition(&self, e: &Expr, vars: &[Var]) -> Phrase {
        let l = self.labels;
        match &e.kind {
            ExprKind::Binary {
                op: op @ (BinaryOp::And | BinaryOp::Or),
                ..
            } => {
                let word = if *op == BinaryOp::And { l.and } else { l.or };
                let mut operands = Vec::new();
                flatten(e, *op, &mut operands);
                let mut out = Vec::new();
                for (i, operand) in operands.into_iter().enumerate() {
                    if i > 0 {
                        push_text(&mut out, format!(" {word} "));
                    }
                    let part = self.condition(operand, vars);
                    if matches!(
                        operand.kind,
                        ExprKind::Binary {
                            op: BinaryOp::And | BinaryOp::Or,
                            ..
                        }
                    ) {
                        out.extend(self.parenthesised(part));
                    } else {
                        out.extend(part);
                    }
                }
                out
            }
            ExprKind::Not { operand } => match &operand.kind {
                ExprKind::Decision { id } if operand.ty == Type::Bool => {
                    self.fill(l.answer_no, &[("x", plain(self.quoted(&self.name_of(id))))])
                }
                ExprKind::Binary {
                    op: BinaryOp::And | BinaryOp::Or,
                    ..
                } => {
                    let inner = self.parenthesised(self.condition(operand, vars));
                    self.fill(l.not, &[("x", inner)])
                }
                _ => self.fill(l.not, &[("x", self.condition(operand, vars))]),
            },
            ExprKind::Decision { id } if e.ty == Type::Bool => self.fill(
                l.answer_yes,
                &[("x", plain(self.quoted(&self.name_of(id))))],
            ),
            ExprKind::Input { id } | ExprKind::Let { id } if e.ty == Type::Bool => {
                plain(self.quoted(&self.name_of(id)))
            }
            ExprKind::Recorded { criterion } => self.fill(
                l.recorded,
                &[("x", plain(self.quoted(&self.name_of(criterion))))],
            ),
            _ => self.value(e, vars),
        }
    }

    /// A value in words. Definitions whose value is a `match` show their
    /// cases, so that a reader sees every value they may take.
    pub fn value(&self, e: &Expr, vars: &[Var]) -> Phrase {
        let l = self.labels;
        match &e.kind {
            ExprKind::Bool { value } => plain(if *value { l.yes } else { l.no }),
            ExprKind::Int { value } => plain(value.to_string()),
            ExprKind::Percent { hundredths } => plain(percent(*hundredths)),
            ExprKind::Date { value } => plain(value.to_string()),
            ExprKind::Duration { amount, unit } => {
                let (one, many) = match unit {
                    DurationUnit::Days => l.days,
                    DurationUnit::Weeks => l.weeks,
                    DurationUnit::Months => l.months,
                    DurationUnit::Years => l.years,
                };
                let template = if *amount == 1 { one } else { many };
                self.fill(template, &[("n", plain(amount.to_string()))])
            }
            ExprKind::Text { value } => plain(self.quoted(value)),
            ExprKind::Today => plain(l.today),
            ExprKind::Input { id } | ExprKind::Decision { id } => {
                plain(self.quoted(&self.name_of(id)))
            }
            ExprKind::Let { id } => {
                let mut out = plain(self.quoted(&self.name_of(id)));
                let definition = self.model.lets.iter().find(|d| &d.id == id);
                if let Some(ExprKind::Match { subject, arms }) = definition.map(|d| &d.value.kind) {
                    push_text(&mut out, self.labels.space.to_string());
                    out.extend(self.parenthesised(self.cases(subject.is_some(), arms, vars)));
                }
                out
            }
            ExprKind::LoopVar { id } => match vars.iter().rev().find(|v| &v.name == id) {
                Some(var) => var_phrase(var),
                None => vec![Inline::Var(self.element_words(&e.ty, None))],
            },
            ExprKind::EnumValue { value } => plain(self.enum_value(&e.ty, value)),
            ExprKind::Recorded { .. } | ExprKind::Not { .. } => self.condition(e, vars),
            ExprKind::SetOf { values } => {
                let names: Vec<String> = values.iter().map(|v| self.enum_value(&e.ty, v)).collect();
                plain(format!("{{{}}}", names.join(l.list_separator)))
            }
            ExprKind::Neg { operand } => {
                let mut out = plain("-");
                out.extend(self.operand(operand, vars));
                out
            }
            ExprKind::PercentOf {
                hundredths,
                operand,
            } => self.fill(
                l.percent_of,
                &[
                    ("p", plain(percent(*hundredths))),
                    ("x", self.operand(operand, vars)),
                ],
            ),
            ExprKind::YearOf { operand } => {
                self.fill(l.year_of, &[("x", self.operand(operand, vars))])
            }
            ExprKind::CountOf { operand } => {
                self.fill(l.count_of, &[("x", self.operand(operand, vars))])
            }
            ExprKind::DayOf { month, day, year } => self.fill(
                l.day_of,
                &[
                    ("m", plain(month.to_string())),
                    ("d", plain(day.to_string())),
                    ("y", self.operand(year, vars)),
                ],
            ),
            ExprKind::Binary {
                op: BinaryOp::And | BinaryOp::Or,
                ..
            } => self.condition(e, vars),
            ExprKind::Binary { op, lhs, rhs } => {
                let symbol = match op {
                    BinaryOp::Eq => "=",
                    BinaryOp::Ne => "≠",
                    BinaryOp::Lt => "<",
                    BinaryOp::Le => "≤",
                    BinaryOp::Gt => ">",
                    BinaryOp::Ge => "≥",
                    BinaryOp::In => "∈",
                    BinaryOp::NotIn => "∉",
                    BinaryOp::Contains => "∋",
                    BinaryOp::Add => "+",
                    BinaryOp::Sub => "−",
                    BinaryOp::Mul => "×",
                    BinaryOp::Div => "÷",
                    BinaryOp::And | BinaryOp::Or => unreachable!("handled above"),
                };
                let mut out = self.operand(lhs, vars);
                push_text(&mut out, format!(" {symbol} "));
                out.extend(self.operand(rhs, vars));
                out
            }
            ExprKind::Match { subject, arms } => {
                let mut out = Vec::new();
                if let Some(s) = subject {
                    out.extend(self.value(s, vars));
                    push_text(&mut out, self.labels.space.to_string());
                }
                out.extend(self.parenthesised(self.cases(subject.is_some(), arms, vars)));
                out
            }
        }
    }

    /// An operand of an operator: parenthesised when it is an operation.
    fn operand(&self, e: &Expr, vars: &[Var]) -> Phrase {
        let phrase = self.value(e, vars);
        if matches!(e.kind, ExprKind::Binary { .. }) {
            self.parenthesised(phrase)
        } else {
            phrase
        }
    }

    /// The arms of a `match` expression: `pattern / pattern → value; ...`.
    fn cases(&self, with_subject: bool, arms: &[crate::ir::ExprArm], vars: &[Var]) -> Phrase {
        let mut out = Vec::new();
        for (i, arm) in arms.iter().enumerate() {
            if i > 0 {
                push_text(&mut out, self.labels.case_separator.to_string());
            }
            out.extend(self.patterns(with_subject, arm.patterns.as_deref(), vars));
            push_text(&mut out, " → ".to_string());
            out.extend(self.value(&arm.value, vars));
        }
        out
    }

    /// The patterns of a `match` arm: values joined by ` / ` (with a
    /// subject), conditions joined by "or" (without), or "any other case".
    pub fn patterns(&self, with_subject: bool, patterns: Option<&[Expr]>, vars: &[Var]) -> Phrase {
        let Some(patterns) = patterns else {
            let words = self.labels.any_other_case.trim_end_matches([':', '：']);
            return plain(words);
        };
        let mut out = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            if i > 0 {
                let sep = if with_subject {
                    " / ".to_string()
                } else {
                    format!(" {} ", self.labels.or)
                };
                push_text(&mut out, sep);
            }
            if with_subject {
                out.extend(self.value(p, vars));
            } else {
                out.extend(self.condition(p, vars));
            }
        }
        out
    }

    /// The label of an enum value (or service), or its id.
    fn enum_value(&self, ty: &Type, value: &str) -> String {
        let enum_id = match ty {
            Type::Enum(e) | Type::Set(e) => Some(e.as_str()),
            _ => None,
        };
        let from_enum = enum_id
            .and_then(|e| self.model.enum_decl(e))
            .and_then(|e| e.values.iter().find(|v| v.id == value))
            .and_then(|v| v.label.as_ref());
        match from_enum {
            Some(label) => self.label_text(label),
            None => self.name_of(value),
        }
    }

    // -----------------------------------------------------------------------
    // Actions.

    /// What an action does, in words.
    pub fn action(&self, action: &Action, vars: &[Var]) -> Phrase {
        let l = self.labels;
        match action {
            Action::Send { template, to } => {
                let decl = self.model.templates.iter().find(|t| &t.id == template);
                let template = match decl {
                    Some(d) => match d.url.as_deref().and_then(safe_url) {
                        Some(url) => vec![Inline::Link {
                            text: self.label_text(&d.label),
                            url,
                        }],
                        None => plain(self.label_text(&d.label)),
                    },
                    None => plain(template.clone()),
                };
                self.fill(
                    l.send,
                    &[("template", template), ("role", plain(self.role(to)))],
                )
            }
            Action::Set { field, value } => self.fill(
                l.set,
                &[
                    ("field", plain(self.quoted(&self.name_of(field)))),
                    ("value", self.value(value, vars)),
                ],
            ),
            Action::Request { role, set: None } => {
                self.fill(l.request, &[("role", plain(self.role(role)))])
            }
            Action::Request {
                role,
                set: Some(set),
            } => self.fill(
                l.request_set,
                &[
                    ("role", plain(self.role(role))),
                    ("field", plain(self.quoted(&self.name_of(&set.field)))),
                    ("value", self.value(&set.value, vars)),
                ],
            ),
            Action::CompleteTask { task } => {
                let name = self
                    .model
                    .task(*task)
                    .map(|t| self.flat(&t.name))
                    .unwrap_or_default();
                self.fill(
                    l.complete_task,
                    &[("number", plain(task.to_string())), ("name", plain(name))],
                )
            }
            Action::Record { criterion } => self.fill(
                l.record,
                &[("x", plain(self.quoted(&self.name_of(criterion))))],
            ),
        }
    }

    // -----------------------------------------------------------------------
    // Tasks.

    /// The tasks a step completes, in the order the playbook declares them:
    /// looked up by number in the model's index, not by a scan of every
    /// task for every step.
    pub fn step_tasks(&self, step: &Step) -> Vec<&'a Task> {
        let model: &'a Playbook = self.model;
        let mut at: Vec<usize> = completed_tasks(&step.items)
            .into_iter()
            .flat_map(|n| model.task_positions(n))
            .collect();
        at.sort_unstable();
        at.dedup();
        at.into_iter().map(|i| &model.tasks[i]).collect()
    }

    /// The tasks no step completes, in declaration order.
    pub fn uncategorized_tasks(&self) -> Vec<&'a Task> {
        let done: rustc_hash::FxHashSet<u32> = self
            .model
            .steps
            .iter()
            .flat_map(|s| completed_tasks(&s.items))
            .collect();
        self.model
            .tasks
            .iter()
            .filter(|t| !done.contains(&t.number))
            .collect()
    }
}

/// A loop variable: its value's label as text, or the words for what it
/// walks as a variable.
fn var_phrase(var: &Var) -> Phrase {
    match var.bound {
        Some(_) => plain(var.words.clone()),
        None => vec![Inline::Var(var.words.clone())],
    }
}

/// Appends text, joining it to a text piece before it.
fn push_text(out: &mut Phrase, text: String) {
    if text.is_empty() {
        return;
    }
    if let Some(Inline::Text(last)) = out.last_mut() {
        last.push_str(&text);
    } else {
        out.push(Inline::Text(text));
    }
}

/// The operands of a chain of the same operator, left to right.
fn flatten<'e>(e: &'e Expr, op: BinaryOp, out: &mut Vec<&'e Expr>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Binary { op: o, lhs, rhs } if *o == op => {
                stack.push(rhs);
                stack.push(lhs);
            }
            _ => out.push(e),
        }
    }
}

/// A percentage from hundredths: `1050` is `10.5%`.
fn percent(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let abs = hundredths.unsigned_abs();
    let (whole, frac) = (abs / 100, abs % 100);
    if frac == 0 {
        format!("{sign}{whole}%")
    } else {
        let frac = format!("{frac:02}");
        format!("{sign}{whole}.{}%", frac.trim_end_matches('0'))
    }
}

/// The numbers of the tasks some item of `items` completes.
fn completed_tasks(items: &[Item]) -> Vec<u32> {
    let mut out = Vec::new();
    crate::ir::walk_items(items, &mut |item| {
        if let Item::Do(d) = item {
            for a in &d.actions {
                if let Action::CompleteTask { task } = a {
                    out.push(*task);
                }
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(percent(1000), "10%");
        assert_eq!(percent(1050), "10.5%");
        assert_eq!(percent(1005), "10.05%");
        assert_eq!(percent(-250), "-2.5%");
        assert_eq!(percent(0), "0%");
    }

    #[test]
    fn paragraphs_split_at_blank_lines() {
        assert_eq!(paragraphs("a\nb\n\n  \nc\n"), ["a\nb", "c"]);
        assert_eq!(paragraphs("\n\nonly"), ["only"]);
        assert!(paragraphs(" \n ").is_empty());
    }

    #[test]
    fn only_web_and_mail_addresses_are_links() {
        assert_eq!(
            safe_url("https://example.com/a b").as_deref(),
            Some("https://example.com/a%20b")
        );
        assert_eq!(
            safe_url(" http://example.com ").as_deref(),
            Some("http://example.com")
        );
        assert_eq!(
            safe_url("https://example.com/\"><script>").as_deref(),
            Some("https://example.com/%22%3E%3Cscript%3E")
        );
        assert!(safe_url("mailto:someone@example.com").is_some());
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "/relative",
            "vbscript:msgbox",
        ] {
            assert_eq!(safe_url(bad), None, "{bad}");
        }
    }
}
