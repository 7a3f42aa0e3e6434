//! A `Document` written as source in the language, then formatted.
//!
//! Ids come from the English labels where there are any (`FastTrack
//! Manager` → `fasttrack-manager`), and are numbered otherwise (`role-1`).
//! Criteria, items and list entries are numbered: translations and
//! `--merge` match them by position, not by id.

use super::markdown::{self, Piece};
use super::{Document, ItemDoc, StepDoc};
use crate::diagnostic::Diagnostic;
use crate::registry::Code;
use crate::source::{FileId, Span};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A string literal of the language: escapes, and braces doubled so that
/// they stay braces.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            '\r' => {}
            // A one-line string ends at these, as at a line break.
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A kebab-case id from a label, when the label has ASCII letters.
pub fn slug(label: &str) -> Option<String> {
    let words: Vec<String> = label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(6)
        .map(str::to_ascii_lowercase)
        .collect();
    let mut id = words.join("-");
    if id.is_empty() {
        return None;
    }
    if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        id.insert_str(0, "n-");
    }
    Some(id)
}

/// Ids of one kind, kept unique.
#[derive(Default)]
struct Ids {
    by_label: BTreeMap<String, String>,
    used: BTreeSet<String>,
    /// Declarations in order: (id, label).
    order: Vec<(String, String)>,
}

impl Ids {
    fn id(&mut self, label: &str, prefix: &str) -> String {
        if let Some(id) = self.by_label.get(label) {
            return id.clone();
        }
        self.fresh(label, prefix)
    }

    /// A new id, even for a label seen before.
    fn fresh(&mut self, label: &str, prefix: &str) -> String {
        let base = slug(label).unwrap_or_else(|| format!("{prefix}-{}", self.order.len() + 1));
        let mut id = base.clone();
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(id.clone());
        self.by_label.insert(label.to_string(), id.clone());
        self.order.push((id.clone(), label.to_string()));
        id
    }
}

/// The links of the document's texts, declared as `template`s (when their
/// words say template) or `link`s and named in the texts by placeholder.
/// A link whose address is not a plain http, https or mailto address
/// stays text: its words and the address in brackets.
#[derive(Default)]
struct Links {
    ids: Ids,
    by_link: BTreeMap<(String, String), String>,
    /// (id, template?, label, url) in the order first met.
    decls: Vec<(String, bool, String, String)>,
}

impl Links {
    /// A string literal of the text, its links as placeholders.
    fn quote(&mut self, text: &str) -> String {
        let inner = |t: &str| {
            let q = quote(t);
            q[1..q.len() - 1].to_string()
        };
        let mut out = String::from("\"");
        for piece in markdown::pieces(text) {
            match piece {
                Piece::Text(t) => out.push_str(&inner(t)),
                Piece::Link { text, url } => match address(url) {
                    Some(url) => {
                        let id = self.id(text, &url);
                        out.push('{');
                        out.push_str(&id);
                        out.push('}');
                    }
                    None => out.push_str(&inner(&markdown::links_as_text(&format!(
                        "{}{text}{}{url}{}",
                        markdown::LINK_START,
                        markdown::LINK_URL,
                        markdown::LINK_END
                    )))),
                },
            }
        }
        out.push('"');
        out
    }

    fn id(&mut self, text: &str, url: &str) -> String {
        let label = if text.is_empty() { url } else { text };
        let key = (label.to_string(), url.to_string());
        if let Some(id) = self.by_link.get(&key) {
            return id.clone();
        }
        let template = is_template(label);
        let id = self
            .ids
            .fresh(label, if template { "template" } else { "link" });
        self.by_link.insert(key, id.clone());
        self.decls
            .push((id.clone(), template, label.to_string(), url.to_string()));
        id
    }
}

/// The address of a link as a declaration may hold it: http, https or
/// mailto, with a host for the web, and nothing to escape.
pub(super) fn address(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let web = matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty());
    let ok = (web || u.scheme() == "mailto")
        && !u.as_str().contains(['{', '}', '"', '\\'])
        && !u.as_str().chars().any(char::is_control);
    ok.then(|| u.as_str().to_string())
}

/// Whether a link's words name a template (an email or document to fill).
fn is_template(label: &str) -> bool {
    let l = label.to_lowercase();
    [
        "template",
        "模板",
        "vorlage",
        "テンプレート",
        "modelo",
        "plantilla",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// Services a task applies to, or all (`None`).
type Services = Option<BTreeSet<String>>;

fn union(a: Services, b: Services) -> Services {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            a.extend(b);
            Some(a)
        }
        _ => None,
    }
}

/// Writes the document as formatted source. A text that the formatter
/// refuses (a bug) is returned unformatted, with a diagnostic.
pub fn emit(doc: &Document, id: &str, file: FileId, diags: &mut Vec<Diagnostic>) -> String {
    let mut out = String::new();
    let mut roles = Ids::default();
    let mut services = Ids::default();
    let mut motions = Ids::default();
    let mut steps = Ids::default();
    let mut links = Links::default();
    let mut counter = 0usize;
    let mut next = |prefix: &str| {
        counter += 1;
        format!("{prefix}-{counter}")
    };

    let _ = writeln!(out, "// Imported from Markdown by `playbook import`.");
    for (key, value) in &doc.front_matter_rest {
        // A comment ends at a line break or a line separator.
        let one_line = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}'))
                .collect()
        };
        let (key, value) = (one_line(key), one_line(value));
        let _ = writeln!(out, "// front matter {key}: {value}");
    }
    let id = super::emit::slug(id).unwrap_or_else(|| "imported".to_string());
    let _ = writeln!(out, "playbook {id} {{");
    let _ = writeln!(out, "locale {}", doc.locale);
    let title = doc.title.clone().unwrap_or_else(|| id.clone());
    let _ = writeln!(out, "title {}", quote(&title));
    if let Some(d) = &doc.description {
        let _ = writeln!(out, "description {}", quote(d));
    }
    let phase_id = doc
        .phase
        .as_ref()
        .map(|p| slug(p).unwrap_or_else(|| "phase-1".to_string()));
    if let Some(p) = &phase_id {
        let _ = writeln!(out, "phase {p}");
    }
    let header_motions: Vec<String> = doc
        .motions
        .iter()
        .map(|m| motions.id(m, "motion"))
        .collect();
    if !header_motions.is_empty() {
        let _ = writeln!(out, "motions {}", header_motions.join(", "));
    }
    if let Some(a) = doc.audience.as_deref().and_then(slug) {
        let _ = writeln!(out, "audience {a}");
    }
    if let Some(a) = &doc.author {
        let _ = writeln!(out, "author {}", quote(a));
    }
    if let Some(o) = &doc.owner {
        let _ = writeln!(out, "owner {}", quote(o));
    }
    if let Some(r) = doc.revised {
        let _ = writeln!(out, "revised {r}");
    }
    if !doc.overview.is_empty() {
        let _ = writeln!(out, "overview {}", links.quote(&doc.overview.join("\n\n")));
    }
    for (keyword, prefix, list) in [
        ("objectives", "objective", &doc.objectives),
        ("key-inputs", "key-input", &doc.key_inputs),
        ("key-outputs", "key-output", &doc.key_outputs),
        ("next-steps", "next-step", &doc.next_steps),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{keyword} {{");
        for (i, text) in list.iter().enumerate() {
            let _ = writeln!(out, "{prefix}-{} {}", i + 1, links.quote(text));
        }
        let _ = writeln!(out, "}}");
    }
    if !doc.history.is_empty() {
        // One entry per date: entries of the same day are joined.
        let mut seen: Vec<(jiff::civil::Date, String, String)> = Vec::new();
        for h in &doc.history {
            match seen.iter_mut().find(|(d, _, _)| *d == h.date) {
                Some((_, who, what)) => {
                    if !who.split(", ").any(|w| w == h.who) {
                        who.push_str(", ");
                        who.push_str(&h.who);
                    }
                    what.push_str("; ");
                    what.push_str(&h.what);
                    diags.push(Diagnostic::new(
                        Code::ImportUnrecognised,
                        Span::new(file, h.range.start, h.range.end),
                        format!("two refresh summary rows share the date {}; they are joined into one history entry", h.date),
                    ));
                }
                None => seen.push((h.date, h.who.clone(), h.what.clone())),
            }
        }
        let _ = writeln!(out, "history {{");
        for (date, who, what) in seen {
            let _ = writeln!(out, "{date} {} {}", quote(&who), links.quote(&what));
        }
        let _ = writeln!(out, "}}");
    }

    // Steps first into a buffer: they declare roles, services and tasks.
    let mut body = String::new();
    let mut criteria: Vec<Declared> = Vec::new();
    let mut notes = Notes::default();
    let mut tasks: BTreeMap<u32, (super::TaskDoc, Services, usize)> = BTreeMap::new();
    let mut unassigned = false;
    let mut previous: Option<String> = None;
    for (index, step) in doc.steps.iter().enumerate() {
        let step_id = steps.fresh(&step.title, "step");
        let owner = match step.roles.first() {
            Some(r) => roles.id(r, "role"),
            None => {
                unassigned = true;
                diags.push(Diagnostic::new(
                    Code::ImportUnrecognised,
                    Span::new(file, step.range.start, step.range.end),
                    format!(
                        "step `{}` names no primary role; its owner is `unassigned`",
                        step.title
                    ),
                ));
                "unassigned".to_string()
            }
        };
        let mut with: Vec<String> = step
            .roles
            .iter()
            .skip(1)
            .map(|r| roles.id(r, "role"))
            .collect();
        for t in &step.tasks {
            if let Some(r) = &t.role {
                let r = roles.id(r, "role");
                if r != owner && !with.contains(&r) {
                    with.push(r);
                }
            }
        }
        let step_services: Services = if step.applies.is_empty() {
            None
        } else {
            Some(
                step.applies
                    .iter()
                    .map(|s| services.id(s, "service"))
                    .collect(),
            )
        };
        let _ = writeln!(body, "step {step_id} {} {{", quote(&step.title));
        let _ = writeln!(body, "owner {owner}");
        if !with.is_empty() {
            let _ = writeln!(body, "with {}", with.join(", "));
        }
        let step_motions: Vec<String> = step
            .motions
            .iter()
            .map(|m| motions.id(m, "motion"))
            .collect();
        if !step_motions.is_empty() {
            let _ = writeln!(body, "motions {}", step_motions.join(", "));
        }
        match &step_services {
            None => {
                let _ = writeln!(body, "applies to all");
            }
            Some(s) => {
                let _ = writeln!(
                    body,
                    "applies to {}",
                    s.iter().cloned().collect::<Vec<_>>().join(", ")
                );
            }
        }
        if let Some(p) = &previous {
            let _ = writeln!(body, "after {p}");
        }
        for item in &step.items {
            write_item(&mut body, item, &mut links, &mut next);
        }
        for t in &step.tasks {
            let _ = writeln!(
                body,
                "do {} {} {{ complete task {} }}",
                next("task"),
                links.quote(&t.name),
                t.number
            );
            let entry = tasks
                .entry(t.number)
                .or_insert_with(|| (t.clone(), Some(BTreeSet::new()), index));
            entry.1 = union(entry.1.take(), step_services.clone());
        }
        write_gates(
            &mut body,
            step,
            &mut criteria,
            &mut notes,
            &mut links,
            &mut next,
        );
        let _ = writeln!(body, "}}");
        previous = Some(step_id);
    }

    // Declarations.
    if let (Some(p), Some(label)) = (&phase_id, &doc.phase) {
        let _ = writeln!(out, "phase {p} {}", quote(label));
    }
    for (id, label) in &motions.order {
        let _ = writeln!(out, "motion {id} {}", quote(label));
    }
    // Task roles and services are declared before use below.
    let mut task_lines = String::new();
    for (number, (task, steps_services, _)) in &tasks {
        let table: Services = if task.services.is_empty() {
            None
        } else {
            Some(
                task.services
                    .iter()
                    .map(|s| services.id(s, "service"))
                    .collect(),
            )
        };
        // A task applies where the table says and where its steps run.
        let applies = match (table, steps_services) {
            (None, s) => s.clone(),
            (t, None) => t,
            (Some(t), Some(s)) => {
                let both: BTreeSet<String> = t.intersection(s).cloned().collect();
                if both.is_empty() {
                    Some(s.clone())
                } else {
                    Some(both)
                }
            }
        };
        let _ = write!(
            task_lines,
            "task {number} {} {}",
            links.quote(&task.name),
            if task.mandatory {
                "mandatory"
            } else {
                "optional"
            }
        );
        if let Some(r) = &task.role {
            let _ = write!(task_lines, " owner {}", roles.id(r, "role"));
        }
        match applies {
            None => task_lines.push_str(" applies to all\n"),
            Some(s) => {
                let _ = writeln!(
                    task_lines,
                    " applies to {}",
                    s.into_iter().collect::<Vec<_>>().join(", ")
                );
            }
        }
    }
    for (id, label) in &roles.order {
        let _ = writeln!(out, "role {id} {}", quote(label));
    }
    if unassigned && !roles.used.contains("unassigned") {
        let _ = writeln!(out, "role unassigned \"-\"");
    }
    for (id, label) in &services.order {
        let _ = writeln!(out, "service {id} {}", quote(label));
    }
    for (id, label) in &notes.ids.order {
        let _ = writeln!(out, "note {id} {}", quote(label));
    }
    for (id, template, label, url) in &links.decls {
        let kind = if *template { "template" } else { "link" };
        let _ = writeln!(out, "{kind} {id} {} url {}", quote(label), quote(url));
    }
    out.push_str(&task_lines);
    out.push_str(&body);
    out.push_str("}\n");
    match crate::fmt::format(FileId(0), &out) {
        Ok(formatted) => formatted,
        Err(e) => {
            diags.push(Diagnostic::new(
                Code::ImportUnrecognised,
                Span::new(file, 0, 0),
                format!("the imported source could not be formatted: {e:?}"),
            ));
            out
        }
    }
}

fn write_item(
    out: &mut String,
    item: &ItemDoc,
    links: &mut Links,
    next: &mut impl FnMut(&str) -> String,
) {
    if item.structure {
        // A line of our own export that only groups: what it governs
        // stands in its place (the condition is not an expression here).
        for child in item.children.iter().chain(&item.otherwise) {
            write_item(out, child, links, next);
        }
        return;
    }
    if item.branch {
        // A prose condition: a yes/no decision, and an `if` on its answer.
        let decision = next("decision");
        let _ = writeln!(out, "ask {decision}: bool {}", links.quote(&item.text));
        let _ = writeln!(out, "if {decision} {{");
        for child in &item.children {
            write_item(out, child, links, next);
        }
        if item.otherwise.is_empty() {
            let _ = writeln!(out, "}}");
        } else {
            let _ = writeln!(out, "}} else {{");
            for child in &item.otherwise {
                write_item(out, child, links, next);
            }
            let _ = writeln!(out, "}}");
        }
        return;
    }
    if item.tip && item.children.is_empty() {
        let _ = writeln!(out, "tip {} {}", next("tip"), links.quote(&item.text));
        return;
    }
    let id = next("do");
    if item.children.is_empty() {
        let _ = writeln!(out, "do {id} {}", links.quote(&item.text));
        return;
    }
    let _ = writeln!(out, "do {id} {} {{", links.quote(&item.text));
    for child in &item.children {
        write_item(out, child, links, next);
    }
    let _ = writeln!(out, "}}");
}

/// The notes that criteria name, one per name whatever its case; `ftop`
/// for a criterion that names none.
#[derive(Default)]
struct Notes {
    ids: Ids,
    /// Lower-cased name to the id of its first spelling.
    by_name: BTreeMap<String, String>,
}

impl Notes {
    fn of(&mut self, criterion: &str) -> String {
        let name = super::labels::note(&markdown::link_words(criterion))
            .unwrap_or_else(|| "FTOP".to_string());
        let key = name.to_lowercase();
        if let Some(id) = self.by_name.get(&key) {
            return id.clone();
        }
        // "Technical Enablement note" is the note `technical-enablement`.
        let stem = name
            .strip_suffix(" note")
            .or_else(|| name.strip_suffix(" Note"))
            .unwrap_or(&name);
        let id = match slug(stem) {
            Some(s) if !self.ids.used.contains(&s) => {
                self.ids.used.insert(s.clone());
                self.ids.order.push((s.clone(), name.clone()));
                s
            }
            _ => self.ids.fresh(&name, "note"),
        };
        self.by_name.insert(key, id.clone());
        id
    }
}

/// A criterion an earlier step declared: its text, id and note.
struct Declared {
    text: String,
    id: String,
    note: String,
}

/// The earlier criterion an entry criterion repeats: the one with the same
/// text, or else one worded nearly the same (90% of the characters, as an
/// edit distance) that names the same note and states the same numbers:
/// translations reword a criterion they repeat ("如果 Microsoft 客户团队是
/// 已知的" in one step, "如果 Microsoft 客户团队已知" in the next).
fn repeated<'a>(criteria: &'a [Declared], text: &str, note: &str) -> Option<&'a Declared> {
    if let Some(d) = criteria.iter().find(|d| d.text == text) {
        return Some(d);
    }
    let numbers = super::labels::numbers(text);
    criteria
        .iter()
        .filter(|d| d.note == note && super::labels::numbers(&d.text) == numbers)
        .map(|d| (strsim::normalized_levenshtein(&d.text, text), d))
        .filter(|(score, _)| *score >= 0.9)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, d)| d)
}

/// Entry and exit criteria, each in the note its text names. An entry
/// criterion that repeats one an earlier step declared refers to it by id.
fn write_gates(
    out: &mut String,
    step: &StepDoc,
    criteria: &mut Vec<Declared>,
    notes: &mut Notes,
    links: &mut Links,
    next: &mut impl FnMut(&str) -> String,
) {
    let mut mine: Vec<Declared> = Vec::new();
    let mut used_here: BTreeSet<String> = BTreeSet::new();
    for text in &step.entry {
        let note = notes.of(text);
        match repeated(criteria, text, &note) {
            Some(d) if !used_here.contains(&d.id) => {
                used_here.insert(d.id.clone());
                let _ = writeln!(out, "entry {}", d.id);
            }
            _ => {
                let id = next("gate");
                let _ = writeln!(out, "entry {id} {} in {note}", links.quote(text));
                used_here.insert(id.clone());
                mine.push(Declared {
                    text: text.clone(),
                    id,
                    note,
                });
            }
        }
    }
    for text in &step.exit {
        let id = next("gate");
        let note = notes.of(text);
        let _ = writeln!(out, "exit {id} {} in {note}", links.quote(text));
        mine.push(Declared {
            text: text.clone(),
            id,
            note,
        });
    }
    criteria.extend(mine);
}
