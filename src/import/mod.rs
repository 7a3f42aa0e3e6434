//! The Markdown importer: FastTrack-style Markdown playbooks in, source in
//! the language out (`docs/import.md`).
//!
//! ```text
//! bytes ──BOM, front matter (serde-saphyr)──▶ fields
//!   └──pulldown-cmark──▶ blocks ──read──▶ Document ──emit──▶ source ──fmt──▶ source
//! ```
//!
//! Pure: no I/O. What the reader cannot map becomes text in the source
//! (an instruction, or a paragraph of the overview) and an
//! `import-unrecognised` diagnostic at its Markdown line. `merge.rs` adds a
//! document's texts to a compiled playbook as a translation catalogue and
//! reports where the two languages drift apart.

mod emit;
pub mod labels;
pub mod markdown;
pub mod merge;

use crate::diagnostic::Diagnostic;
use crate::registry::Code;
use crate::source::{FileId, Span};
use labels::Label;
use markdown::{Block, ListItem};
use std::ops::Range;

pub use emit::emit;

/// A Markdown playbook as the importer understood it: texts in the
/// document's locale, structure in document order.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub locale: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub phase: Option<String>,
    pub motions: Vec<String>,
    pub audience: Option<String>,
    pub author: Option<String>,
    pub owner: Option<String>,
    pub revised: Option<jiff::civil::Date>,
    /// Front matter keys that have no place in the language, as written.
    pub front_matter_rest: Vec<(String, String)>,
    pub overview: Vec<String>,
    pub objectives: Vec<String>,
    pub key_inputs: Vec<String>,
    pub key_outputs: Vec<String>,
    pub next_steps: Vec<String>,
    pub history: Vec<History>,
    pub steps: Vec<StepDoc>,
    /// Written by `playbook export --to markdown` (its front matter names
    /// the `playbook` and the `locale`): its lines of structure (conditions,
    /// `otherwise`, loops, actions, the labels of questions and notes) are
    /// read as the exporter writes them, not as prose.
    pub exported: bool,
}

#[derive(Debug, Clone)]
pub struct History {
    pub date: jiff::civil::Date,
    pub who: String,
    pub what: String,
    /// The table it came from, in the Markdown.
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct StepDoc {
    pub title: String,
    /// The step's heading in the Markdown.
    pub range: Range<usize>,
    pub roles: Vec<String>,
    pub motions: Vec<String>,
    /// Service labels; empty means all services.
    pub applies: Vec<String>,
    pub items: Vec<ItemDoc>,
    pub entry: Vec<String>,
    pub exit: Vec<String>,
    pub tasks: Vec<TaskDoc>,
}

#[derive(Debug, Clone, Default)]
pub struct ItemDoc {
    /// The instruction, or for a branch its condition (the question asked).
    pub text: String,
    pub tip: bool,
    /// The nested instructions, or for a branch what it governs.
    pub children: Vec<ItemDoc>,
    /// A branch ("If ..." prose): a yes/no decision and an `if` on it.
    pub branch: bool,
    /// A branch's `else`: an "otherwise" sentence, or the opposite
    /// condition that follows it.
    pub otherwise: Vec<ItemDoc>,
    /// A line of our own export that only groups what it governs (a
    /// condition, `otherwise`, a loop, a case): no text of its own.
    pub structure: bool,
}

#[derive(Debug, Clone)]
pub struct TaskDoc {
    pub number: u32,
    pub name: String,
    pub mandatory: bool,
    pub role: Option<String>,
    /// Service labels; empty means all services.
    pub services: Vec<String>,
}

/// How many of each thing: recognised by the importer, or counted plainly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub steps: usize,
    pub tasks: usize,
    pub gates: usize,
    pub history: usize,
}

impl Document {
    /// How many "if ..." branches were recognised in the steps' prose.
    pub fn branches(&self) -> usize {
        fn count(items: &[ItemDoc]) -> usize {
            items
                .iter()
                .map(|i| usize::from(i.branch) + count(&i.children) + count(&i.otherwise))
                .sum()
        }
        self.steps.iter().map(|s| count(&s.items)).sum()
    }

    /// What the importer recognised.
    pub fn counts(&self) -> Counts {
        Counts {
            steps: self.steps.len(),
            tasks: self.steps.iter().map(|s| s.tasks.len()).sum(),
            gates: self
                .steps
                .iter()
                .map(|s| s.entry.len() + s.exit.len())
                .sum(),
            history: self.history.len(),
        }
    }
}

/// The result of importing one document.
#[derive(Debug)]
pub struct Imported {
    pub document: Document,
    /// The source, formatted.
    pub source: String,
    /// What was not understood, at its Markdown line.
    pub diagnostics: Vec<Diagnostic>,
}

/// Imports one Markdown document. `file` is the id its diagnostics point
/// into; `id` the playbook's id; `locale` overrides the guessed locale.
pub fn import(file: FileId, id: &str, text: &str, locale: Option<&str>) -> Imported {
    let mut diagnostics = Vec::new();
    let document = read(file, text, locale, &mut diagnostics);
    let source = emit(&document, id, file, &mut diagnostics);
    Imported {
        document,
        source,
        diagnostics,
    }
}

/// The byte-order mark, if any, and the front matter: where the body starts.
fn front_matter(text: &str) -> (usize, Option<(String, usize)>) {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[start..];
    let mut lines = rest.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return (start, None);
    };
    if first.trim() != "---" {
        return (start, None);
    }
    let mut offset = start + first.len();
    let yaml_start = offset;
    for line in lines {
        if line.trim() == "---" || line.trim() == "..." {
            let yaml = text[yaml_start..offset].to_string();
            return (offset + line.len(), Some((yaml, yaml_start)));
        }
        offset += line.len();
    }
    (start, None)
}

fn span(file: FileId, range: Range<usize>) -> Span {
    Span::new(file, range.start, range.end.max(range.start))
}

fn unrecognised(file: FileId, range: Range<usize>, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Code::ImportUnrecognised, span(file, range), message)
}

/// Parses a date as the corpus writes them: `MM/DD/YYYY` (and `M/D/YYYY`),
/// `DD.MM.YYYY`, `YYYY 年 M 月 D 日` and `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<jiff::civil::Date> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let nums = |sep: &[char]| -> Option<Vec<i32>> {
        let parts: Vec<&str> = t.split(sep).filter(|p| !p.is_empty()).collect();
        if parts.len() != 3 || !parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
            return None;
        }
        parts.iter().map(|p| p.parse().ok()).collect()
    };
    let (y, m, d) = if t.contains('年') {
        let v = nums(&['年', '月', '日'])?;
        (v[0], v[1], v[2])
    } else if t.contains('/') {
        let v = nums(&['/'])?;
        if v[0] >= 1000 {
            (v[0], v[1], v[2])
        } else {
            (v[2], v[0], v[1])
        }
    } else if t.contains('.') {
        let v = nums(&['.'])?;
        if v[0] >= 1000 {
            (v[0], v[1], v[2])
        } else {
            (v[2], v[1], v[0])
        }
    } else if t.contains('-') {
        let v = nums(&['-'])?;
        (v[0], v[1], v[2])
    } else {
        return None;
    };
    if !(1000..=9999).contains(&y) {
        return None;
    }
    jiff::civil::Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// Where the reader is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Preamble,
    Overview,
    Objectives,
    Approach,
    KeyInputs,
    KeyOutputs,
    NextSteps,
    Refresh,
    /// A section the importer does not know: its text joins the overview.
    Unknown,
}

/// Where in a step the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Instructions,
    Inputs,
    Outputs,
    Tasks,
}

fn read(file: FileId, text: &str, locale: Option<&str>, diags: &mut Vec<Diagnostic>) -> Document {
    let mut doc = Document {
        locale: locale.map_or_else(|| labels::guess_locale(text).to_string(), str::to_string),
        ..Document::default()
    };
    let (body, yaml) = front_matter(text);
    if let Some((yaml, at)) = yaml {
        read_front_matter(file, &yaml, at, &mut doc, diags);
    }
    // Our own export says its locale.
    if doc.exported
        && locale.is_none()
        && let Some((_, l)) = doc.front_matter_rest.iter().find(|(k, _)| k == "locale")
        && !l.is_empty()
    {
        doc.locale = l.clone();
    }
    let blocks: Vec<Block> = markdown::blocks(&text[body..], body)
        .into_iter()
        .map(|b| match b {
            Block::Paragraph { text, range } => match pipe_table(&text) {
                Some(rows) => Block::Table { rows, range },
                None => Block::Paragraph { text, range },
            },
            b => b,
        })
        .collect();
    let mut section = Section::Preamble;
    let mut step: Option<(StepDoc, u8)> = None;
    let mut part = Part::Instructions;
    // The last legend line of a task table, for tables whose header has none.
    let mut legend = None;
    let mut unknown_heading = String::new();
    let mut i = 0;
    while i < blocks.len() {
        let block = &blocks[i];
        i += 1;
        if let Block::Heading {
            level,
            text: heading,
            range,
        } = block
        {
            let level = *level;
            // A heading followed by a primary-role line starts a step.
            let role_follows = matches!(blocks.get(i), Some(Block::Paragraph { text, .. })
                if text.lines().any(|l| matches!(labels::label_line(l), Some((Label::PrimaryRole, _)))));
            if role_follows {
                if let Some((s, _)) = step.take() {
                    doc.steps.push(s);
                }
                step = Some((
                    StepDoc {
                        title: heading.clone(),
                        range: range.clone(),
                        ..StepDoc::default()
                    },
                    level,
                ));
                part = Part::Instructions;
                continue;
            }
            let meaning = labels::label(heading);
            if let Some((s, step_level)) = &mut step {
                if level > *step_level {
                    match meaning {
                        Some(Label::Tasks) => part = Part::Tasks,
                        Some(Label::StepInputs) => part = Part::Inputs,
                        Some(Label::StepOutputs) => part = Part::Outputs,
                        _ => {
                            part = Part::Instructions;
                            s.items.push(ItemDoc {
                                text: heading.clone(),
                                ..ItemDoc::default()
                            });
                        }
                    }
                    continue;
                }
                let (s, _) = step.take().expect("a step is open");
                doc.steps.push(s);
            }
            if level == 1 && doc.title.is_none() {
                doc.title = Some(heading.clone());
                continue;
            }
            section = match meaning {
                Some(Label::Overview) => Section::Overview,
                Some(Label::Objectives) => Section::Objectives,
                Some(Label::Approach) => Section::Approach,
                Some(Label::KeyInputs) => Section::KeyInputs,
                Some(Label::KeyOutputs) => Section::KeyOutputs,
                Some(Label::NextSteps) => Section::NextSteps,
                Some(Label::Refresh) => Section::Refresh,
                _ if section == Section::Approach && level >= 3 => Section::Approach,
                _ => {
                    diags.push(unrecognised(
                        file,
                        range.clone(),
                        format!("section `{heading}` is not part of a playbook; its text joins the overview"),
                    ));
                    unknown_heading = heading.clone();
                    doc.overview.push(heading.clone());
                    Section::Unknown
                }
            };
            if section == Section::Approach && meaning.is_none() {
                // A heading inside the approach that starts no step.
                diags.push(unrecognised(
                    file,
                    range.clone(),
                    format!("heading `{heading}` has no primary-role line, so it is not a step; its text joins the overview"),
                ));
                doc.overview.push(heading.clone());
            }
            continue;
        }
        if let Block::Table { rows, range } = block {
            match table_kind(rows) {
                Some(Label::Refresh) => {
                    read_history(file, rows, range.clone(), &mut doc, diags);
                    continue;
                }
                Some(Label::Tasks) if step.is_none() => {
                    if let Some(last) = doc.steps.last_mut() {
                        diags.push(unrecognised(
                            file,
                            range.clone(),
                            format!(
                                "a task table outside any step is taken as the last step's (`{}`)",
                                last.title
                            ),
                        ));
                        read_task_table(file, rows, range.clone(), last, legend.as_ref(), diags);
                        continue;
                    }
                }
                _ => {}
            }
        }
        // A primary-role line before any step heading: the document is one
        // step, named after its title.
        if step.is_none()
            && doc.steps.is_empty()
            && matches!(block, Block::Paragraph { text, .. }
                if label_lines(text).is_some_and(|f| f.iter().any(|(l, _)| *l == Label::PrimaryRole)))
        {
            step = Some((
                StepDoc {
                    title: doc.title.clone().unwrap_or_default(),
                    range: 0..0,
                    ..StepDoc::default()
                },
                2,
            ));
            part = Part::Instructions;
        }
        if let Some((s, _)) = &mut step {
            read_step_block(file, block, s, &mut part, &mut legend, &doc.locale, diags);
            continue;
        }
        read_section_block(file, block, section, &mut doc, diags, &unknown_heading);
    }
    if let Some((s, _)) = step.take() {
        doc.steps.push(s);
    }
    if doc.exported {
        let labels = crate::labels::get(&doc.locale);
        for n in &mut doc.next_steps {
            *n = without_closing(n, labels.leads_to).to_string();
        }
        for s in &mut doc.steps {
            s.items = exported_items(std::mem::take(&mut s.items), labels, false);
            for gate in s.entry.iter_mut().chain(&mut s.exit) {
                *gate = without_closing(&without_condition(gate, labels), labels.after_done)
                    .to_string();
            }
        }
        return doc;
    }
    for s in &mut doc.steps {
        s.items = branches(std::mem::take(&mut s.items), &doc.locale);
    }
    doc
}

/// Whether `text` is `template` with its slots filled: `如果{x}：` fits
/// `如果“客户团队已知”：`.
fn fits(template: &str, text: &str) -> bool {
    let (Some(open), Some(close)) = (template.find('{'), template.rfind('}')) else {
        return text == template;
    };
    let (prefix, suffix) = (&template[..open], &template[close + 1..]);
    text.len() > prefix.len() + suffix.len() && text.starts_with(prefix) && text.ends_with(suffix)
}

/// The items of our own export as it wrote them: a condition, `otherwise`,
/// loop or case line groups what follows it and has no text of its own;
/// an action line (`→ ...`) says in words what the source says in code and
/// is dropped; a question, a note, an optional instruction and one with a
/// requirement lose the labels the exporter put around their text.
fn exported_items(items: Vec<ItemDoc>, l: &crate::labels::Labels, cases: bool) -> Vec<ItemDoc> {
    let mut out = Vec::new();
    for mut item in items {
        let text = item.text.trim();
        if text.starts_with('→') {
            continue;
        }
        // The actions of an item whose text introduces its sub-items as a
        // list ("which covers:") follow that list as paragraphs of the item.
        let text = match text.find('→') {
            Some(at) if text[..at].trim_end().ends_with([':', '：']) => text[..at].trim_end(),
            _ => text,
        };
        let depending = fits(l.depending_on, text);
        if cases
            || depending
            || [l.if_, l.else_if, l.for_each].iter().any(|t| fits(t, text))
            || text == l.otherwise
            || text == l.any_other_case
        {
            item.structure = true;
        } else {
            item.text = exported_text(text, l);
        }
        item.children = exported_items(std::mem::take(&mut item.children), l, depending);
        out.push(item);
    }
    out
}

/// An instruction's text without the labels our export adds around it.
fn exported_text(text: &str, l: &crate::labels::Labels) -> String {
    let mut t = text;
    for label in [l.ask, l.warning] {
        if let Some(rest) = t
            .strip_prefix(label)
            .and_then(|r| r.strip_prefix(l.colon.trim()))
        {
            t = rest.trim_start();
        }
    }
    let optional = format!("{}{}{}", l.paren_open, l.optional, l.paren_close);
    if let Some(rest) = t.strip_prefix(optional.as_str()) {
        t = rest.trim_start();
    }
    without_closing(t, l.only_when).to_string()
}

/// `text` without the `template` with which our export closes it:
/// `（仅当{x}时）` after an instruction, `（参见行动手册 {x}）` after a next step.
fn without_closing<'t>(text: &'t str, template: &str) -> &'t str {
    if let (Some(open), Some(close)) = (template.find('{'), template.rfind('}')) {
        let (prefix, suffix) = (&template[..open], &template[close + 1..]);
        if text.ends_with(suffix)
            && let Some(at) = text.rfind(prefix)
            && at > 0
        {
            return text[..at].trim_end();
        }
    }
    text
}

/// A criterion's text without the condition our export writes before it
/// (`如果“客户团队已知”：...`).
fn without_condition(text: &str, l: &crate::labels::Labels) -> String {
    let (Some(open), Some(close)) = (l.if_.find('{'), l.if_.rfind('}')) else {
        return text.to_string();
    };
    let (prefix, suffix) = (&l.if_[..open], &l.if_[close + 1..]);
    let Some(rest) = text.strip_prefix(prefix) else {
        return text.to_string();
    };
    let quoted_end = format!("{}{suffix}", l.quote_close);
    let end = match rest.find(&quoted_end) {
        Some(at) => at + quoted_end.len(),
        None => match rest.find(suffix) {
            Some(at) => at + suffix.len(),
            None => return text.to_string(),
        },
    };
    rest[end..].trim_start().to_string()
}

/// "If ..." prose made into branches, at every level: an instruction that
/// opens with a condition becomes a branch on it, governing what follows
/// the condition in its sentence, or else its nested instructions. An
/// "otherwise" sentence right after a branch, or a sentence on the
/// opposite condition (one negated, the other not), becomes its `else`; so
/// does such a sentence closing the instructions a branch governs. The
/// `else` keeps its whole text, since no question says it.
fn branches(items: Vec<ItemDoc>, locale: &str) -> Vec<ItemDoc> {
    let opposite = |a: &str, b: &str| labels::negated(a, locale) != labels::negated(b, locale);
    let mut out: Vec<ItemDoc> = Vec::new();
    for mut item in items {
        let condition = if item.tip {
            None
        } else {
            labels::condition(&item.text, locale)
        };
        // The `else` of the branch just before, if this is one.
        if let Some(prev) = out.last_mut()
            && prev.branch
            && prev.otherwise.is_empty()
            && !item.tip
            && (condition
                .as_ref()
                .is_some_and(|(c, _)| opposite(c, &prev.text))
                || labels::otherwise(&item.text, locale))
        {
            item.children = branches(std::mem::take(&mut item.children), locale);
            prev.otherwise.push(item);
            continue;
        }
        let Some((cond, rest)) =
            condition.filter(|(_, rest)| !rest.is_empty() || !item.children.is_empty())
        else {
            // Not a condition, or one with nothing to govern: an instruction.
            item.children = branches(std::mem::take(&mut item.children), locale);
            out.push(item);
            continue;
        };
        let mut otherwise = Vec::new();
        let then = if rest.is_empty() {
            let mut then = std::mem::take(&mut item.children);
            // The opposite condition closing the list is the `else`.
            if then.len() > 1
                && let Some(last) = then.last()
                && !last.tip
                && labels::condition(&last.text, locale).is_some_and(|(c, _)| opposite(&c, &cond))
            {
                otherwise.extend(then.pop());
            }
            then
        } else {
            vec![ItemDoc {
                text: rest,
                children: std::mem::take(&mut item.children),
                ..ItemDoc::default()
            }]
        };
        out.push(ItemDoc {
            text: cond,
            children: branches(then, locale),
            branch: true,
            otherwise: otherwise
                .into_iter()
                .map(|mut o: ItemDoc| {
                    o.children = branches(std::mem::take(&mut o.children), locale);
                    o
                })
                .collect(),
            tip: false,
            structure: false,
        });
    }
    out
}

fn read_front_matter(
    file: FileId,
    yaml: &str,
    at: usize,
    doc: &mut Document,
    diags: &mut Vec<Diagnostic>,
) {
    let map: std::collections::BTreeMap<String, serde_json::Value> =
        match serde_saphyr::from_str(yaml) {
            Ok(Some(map)) => map,
            Ok(None) => return,
            Err(e) => {
                diags.push(unrecognised(
                    file,
                    at..at + yaml.len(),
                    format!(
                        "the front matter is not valid YAML ({}); it is left out",
                        first_line(&e.to_string())
                    ),
                ));
                return;
            }
        };
    doc.exported = map.contains_key("playbook") && map.contains_key("locale");
    // Keep the document's order for the keys that go to comments.
    let mut order: Vec<(usize, String, String)> = Vec::new();
    for (key, value) in map {
        let value = match value {
            serde_json::Value::String(s) => s.trim().to_string(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        match key.as_str() {
            "description" => doc.description = Some(value),
            "author" => doc.author = Some(value),
            "ft.owner" => doc.owner = Some(value),
            "ft.audience" => doc.audience = Some(value),
            "ms.date" => match parse_date(&value) {
                Some(date) => doc.revised = Some(date),
                None => {
                    let pos = yaml.find("ms.date").unwrap_or(0) + at;
                    diags.push(unrecognised(
                        file,
                        pos..pos + 7,
                        format!("`ms.date: {value}` is not a date the importer reads; it is kept as a comment"),
                    ));
                    order.push((pos, key, value));
                }
            },
            // Our own export's locale, which the source says with `locale`:
            // only a name the language reads.
            "locale" if !value.is_empty() && !crate::syntax::text::is_ident(&value) => {
                let pos = yaml.find("locale").unwrap_or(0) + at;
                diags.push(unrecognised(
                    file,
                    pos..pos + 6,
                    format!(
                        "`locale: {value}` is not a locale name (such as `en` or `zh`); the importer reads the document as `{}`",
                        doc.locale
                    ),
                ));
            }
            // The title of the front matter is the page title; the playbook's
            // is the first heading, and the description repeats this one.
            _ => order.push((yaml.find(key.as_str()).unwrap_or(usize::MAX), key, value)),
        }
    }
    order.sort();
    doc.front_matter_rest = order.into_iter().map(|(_, k, v)| (k, v)).collect();
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Splits a list of labels: `Exchange / OneDrive`, `A, B`, `甲、乙`.
pub fn split_labels(text: &str) -> Vec<String> {
    text.split(['/', ',', '、', '，', ';', '；'])
        .map(|s| {
            markdown::clean(s)
                .trim_matches(['*', '-', '.'])
                .trim()
                .to_string()
        })
        .filter(|s| !s.is_empty() && s != "-")
        .collect()
}

/// Reads a paragraph made only of `Label: value` lines.
fn label_lines(text: &str) -> Option<Vec<(Label, String)>> {
    let text = labels::split_label_runs(&markdown::links_as_text(text));
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let parsed: Vec<(Label, String)> = lines.iter().filter_map(|l| labels::label_line(l)).collect();
    (!lines.is_empty() && parsed.len() == lines.len()).then_some(parsed)
}

fn items_of(list: &[ListItem]) -> Vec<ItemDoc> {
    list.iter()
        .map(|i| ItemDoc {
            text: i.text.clone(),
            children: items_of(&i.children),
            ..ItemDoc::default()
        })
        .filter(|i| !i.text.is_empty() || !i.children.is_empty())
        .collect()
}

fn read_step_block(
    file: FileId,
    block: &Block,
    step: &mut StepDoc,
    part: &mut Part,
    legend: &mut Option<labels::Legend>,
    locale: &str,
    diags: &mut Vec<Diagnostic>,
) {
    match block {
        Block::Paragraph { text, range } => {
            if let Some(fields) = label_lines(text) {
                for (label, value) in fields {
                    let values = split_labels(&value);
                    match label {
                        Label::PrimaryRole => step.roles.extend(values),
                        // Participants: the importer gives a step only its
                        // owner, and `--merge` translates roles through owners.
                        Label::OtherRoles => {}
                        Label::Motions => step.motions.extend(values),
                        Label::AppliesTo => {
                            if !labels::is_all_services(&value) {
                                step.applies.extend(values)
                            }
                        }
                        _ => diags.push(unrecognised(
                            file,
                            range.clone(),
                            format!(
                                "`{}` has no meaning in a step; it is kept as an instruction",
                                first_line(text)
                            ),
                        )),
                    }
                    if label == Label::Phase {
                        step.items.push(ItemDoc {
                            text: markdown::clean(text),
                            ..ItemDoc::default()
                        });
                    }
                }
                return;
            }
            let one_line = markdown::clean(text);
            // A legend line under the tasks heading: `(E)rforderlich /
            // (O)ptional`, `Legend: M = Mandatory, O = Optional`.
            if matches!(part, Part::Tasks)
                && let Some(found) = labels::Legend::parse(&one_line)
            {
                *legend = Some(found);
                return;
            }
            // Bold lines that name a part of the step.
            match labels::label(&one_line) {
                Some(Label::StepInputs) => *part = Part::Inputs,
                Some(Label::StepOutputs) => *part = Part::Outputs,
                Some(Label::Tasks) => *part = Part::Tasks,
                _ => {
                    if matches!(part, Part::Inputs | Part::Outputs) {
                        // Prose among the criteria: a criterion of its own.
                        push_gate(step, *part, one_line);
                    } else {
                        *part = Part::Instructions;
                        step.items.push(ItemDoc {
                            text: one_line,
                            ..ItemDoc::default()
                        });
                    }
                }
            }
        }
        Block::List { items } => match part {
            Part::Inputs | Part::Outputs => {
                for item in items {
                    if !item.children.is_empty() && labels::introduces_list(&item.text) {
                        for child in &item.children {
                            push_gate(step, *part, format!("{} {}", item.text, child.flattened()));
                        }
                    } else {
                        push_gate(step, *part, item.flattened());
                    }
                }
            }
            _ => {
                // "If ...:" as a paragraph governs the list that follows it.
                match step.items.last_mut() {
                    Some(last)
                        if last.children.is_empty()
                            && !last.tip
                            && last.text.trim_end().ends_with([':', '：'])
                            && labels::condition(&last.text, locale)
                                .is_some_and(|(_, rest)| rest.is_empty()) =>
                    {
                        last.children = items_of(items)
                    }
                    _ => step.items.extend(items_of(items)),
                }
            }
        },
        Block::Table { rows, range } => {
            read_task_table(file, rows, range.clone(), step, legend.as_ref(), diags)
        }
        Block::Quote { text, .. } => step.items.push(ItemDoc {
            text: text.clone(),
            tip: true,
            ..ItemDoc::default()
        }),
        Block::Other { text, range } => {
            if !text.trim().is_empty() {
                diags.push(unrecognised(
                    file,
                    range.clone(),
                    "a code or HTML block in a step is kept as an instruction",
                ));
                step.items.push(ItemDoc {
                    text: markdown::clean(text),
                    ..ItemDoc::default()
                });
            }
        }
        Block::Heading { .. } => {}
    }
}

fn push_gate(step: &mut StepDoc, part: Part, text: String) {
    let text = text.trim().to_string();
    if text.is_empty() {
        return;
    }
    if part == Part::Inputs {
        step.entry.push(text)
    } else {
        step.exit.push(text)
    }
}

/// A paragraph of `|` lines that Markdown did not take for a table (its
/// delimiter row has too few columns): its rows, delimiter rows left out.
fn pipe_table(text: &str) -> Option<Vec<Vec<String>>> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() < 2 || !lines.iter().all(|l| l.starts_with('|')) {
        return None;
    }
    Some(
        lines
            .iter()
            .map(|l| {
                l.trim_matches('|')
                    .split('|')
                    .map(|c| c.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|row| {
                !row.iter()
                    .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
            })
            .collect(),
    )
}

/// What a table holds, by its header: tasks (a task id column) or
/// history (a first column of dates).
fn table_kind(rows: &[Vec<String>]) -> Option<Label> {
    let header = rows.first()?;
    let first = labels::normalise(header.first()?);
    if ["date", "日期", "datum", "日付", "data", "fecha"].contains(&first.as_str()) {
        return Some(Label::Refresh);
    }
    let id = |h: &String| {
        let h = labels::normalise(h);
        h == "task id"
            || h == "任务 id"
            || h == "任务id"
            || h.starts_with("task id")
            || h == "aufgaben-id"
            || h == "タスク id"
            || h == "id da tarefa"
            || h == "id de tarea"
    };
    header.iter().any(id).then_some(Label::Tasks)
}

/// The number of a task id cell: `4058`, or `[4099](https://...)` as
/// pulldown-cmark gives it, the link text.
fn task_number(cell: &str) -> Option<u32> {
    // A linked number: `4099 (https://...)`.
    let cell = markdown::links_as_text(cell);
    let t = cell.split(" (").next().unwrap_or_default().trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn read_task_table(
    file: FileId,
    rows: &[Vec<String>],
    range: Range<usize>,
    step: &mut StepDoc,
    legend_line: Option<&labels::Legend>,
    diags: &mut Vec<Diagnostic>,
) {
    // Columns by header: id, name, mandatory, role, services.
    let Some(header) = rows.first() else { return };
    let find = |pred: &dyn Fn(&str) -> bool| header.iter().position(|h| pred(&h.to_lowercase()));
    let id_col = find(&|h| h.contains("id")).unwrap_or(0);
    let name_col = find(&|h| {
        h.contains("name")
            || h.contains("名称")
            || h.contains("名前")
            || h.contains("nome")
            || h.contains("nombre")
    })
    .unwrap_or(1);
    // The mandatory column: the one whose header holds a legend of its
    // markers (`(E)rforderlich/(O)ptional`), else one named so.
    let legend_col = header
        .iter()
        .enumerate()
        .find_map(|(i, h)| labels::Legend::parse(h).map(|legend| (i, legend)));
    let m_col = legend_col
        .as_ref()
        .map(|(i, _)| *i)
        .or_else(|| {
            let line = legend_line?;
            header.iter().position(|h| line.names_column(h))
        })
        .or_else(|| {
            find(&|h| {
                h.contains("(m)")
                    || h.contains("(o)")
                    || h.contains("mandatory")
                    || h.contains("强制")
            })
        });
    let legend = legend_col
        .map(|(_, legend)| legend)
        .or_else(|| legend_line.cloned())
        .unwrap_or_default();
    let role_col = find(&|h| {
        h.contains("role")
            || h.contains("角色")
            || h.contains("rolle")
            || h.contains("ロール")
            || h.contains("função")
            || h.contains("papel")
            || h.contains("rol")
    });
    let svc_col = find(&|h| {
        h.contains("service")
            || h.contains("服务")
            || h.contains("dienst")
            || h.contains("サービス")
            || h.contains("serviço")
            || h.contains("servicio")
    });
    // Links stay links in a task's name only.
    let cell = |row: &Vec<String>, c: Option<usize>| -> String {
        c.and_then(|c| row.get(c))
            .map(|s| {
                if c == Some(name_col) {
                    markdown::clean(s)
                } else {
                    markdown::clean(&markdown::links_as_text(s))
                }
            })
            .unwrap_or_default()
    };
    for row in rows.iter().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let id = cell(row, Some(id_col));
        let Some(number) = task_number(&id) else {
            diags.push(unrecognised(
                file,
                range.clone(),
                format!(
                    "task row `{}` has no task number; it is kept as an instruction",
                    markdown::links_as_text(&row.join(" | "))
                ),
            ));
            step.items.push(ItemDoc {
                text: row
                    .iter()
                    .map(|c| markdown::clean(c))
                    .collect::<Vec<_>>()
                    .join(" | "),
                ..ItemDoc::default()
            });
            continue;
        };
        let marker = cell(row, m_col);
        let mandatory = match legend
            .meaning(&marker)
            .or_else(|| labels::mandatory(&marker))
        {
            Some(m) => m,
            None => {
                diags.push(unrecognised(
                    file,
                    range.clone(),
                    format!("task {number} says `{marker}` where mandatory or optional was expected; it is imported as optional"),
                ));
                false
            }
        };
        let role = Some(cell(row, role_col)).filter(|r| !r.is_empty() && r != "-");
        let services = cell(row, svc_col);
        let services = if services.is_empty() || labels::is_all_services(&services) {
            Vec::new()
        } else {
            split_labels(&services)
        };
        step.tasks.push(TaskDoc {
            number,
            name: cell(row, Some(name_col)),
            mandatory,
            role,
            services,
        });
    }
}

fn read_section_block(
    file: FileId,
    block: &Block,
    section: Section,
    doc: &mut Document,
    diags: &mut Vec<Diagnostic>,
    unknown_heading: &str,
) {
    let list_texts = |items: &[ListItem]| -> Vec<String> {
        items
            .iter()
            .map(ListItem::flattened)
            .filter(|t| !t.is_empty())
            .collect()
    };
    match (section, block) {
        (Section::Preamble, Block::Paragraph { text, range }) => {
            if let Some(fields) = label_lines(text) {
                for (label, value) in fields {
                    match label {
                        Label::Phase => doc.phase = Some(value),
                        Label::Motions => doc.motions.extend(split_labels(&value)),
                        _ => diags.push(unrecognised(
                            file,
                            range.clone(),
                            format!(
                                "`{}` belongs to a step, not the playbook; it joins the overview",
                                first_line(text)
                            ),
                        )),
                    }
                }
            } else {
                doc.overview.push(markdown::clean(text));
            }
        }
        (Section::Objectives, Block::List { items }) => doc.objectives.extend(list_texts(items)),
        (Section::KeyInputs, Block::List { items }) => doc.key_inputs.extend(list_texts(items)),
        (Section::KeyOutputs, Block::List { items }) => doc.key_outputs.extend(list_texts(items)),
        (Section::NextSteps, Block::List { items }) => doc.next_steps.extend(list_texts(items)),
        (Section::Objectives, Block::Paragraph { text, .. }) => {
            doc.objectives.push(markdown::clean(text))
        }
        (Section::KeyInputs, Block::Paragraph { text, .. }) => {
            doc.key_inputs.push(markdown::clean(text))
        }
        (Section::KeyOutputs, Block::Paragraph { text, .. }) => {
            doc.key_outputs.push(markdown::clean(text))
        }
        (Section::NextSteps, Block::Paragraph { text, .. }) => {
            let t = markdown::clean(text);
            // The closing "[Home](...)" link of every page is navigation.
            if !is_home_link(&t) {
                doc.next_steps.push(t)
            }
        }
        (Section::Refresh, Block::Table { rows, range }) => {
            read_history(file, rows, range.clone(), doc, diags)
        }
        (Section::Refresh, Block::Paragraph { text, range }) => {
            let t = markdown::clean(text);
            if !is_home_link(&t) {
                diags.push(unrecognised(
                    file,
                    range.clone(),
                    "text in the refresh summary joins the overview",
                ));
                doc.overview.push(t);
            }
        }
        (_, Block::Paragraph { text, .. }) => {
            let t = markdown::clean(text);
            if !is_home_link(&t) {
                doc.overview.push(t)
            }
        }
        (_, Block::List { items }) => doc.overview.push(
            items
                .iter()
                .map(|i| format!("- {}", i.flattened()))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (_, Block::Table { rows, .. }) => doc.overview.push(
            rows.iter()
                .map(|r| r.join(" | "))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (_, Block::Quote { text, .. }) | (_, Block::Other { text, .. }) => {
            if !text.trim().is_empty() {
                doc.overview.push(text.clone())
            }
        }
        (_, Block::Heading { .. }) => {}
    }
    let _ = unknown_heading;
}

fn is_home_link(text: &str) -> bool {
    let text = markdown::links_as_text(text);
    matches!(
        text.split(" (").next().unwrap_or_default().trim(),
        "Home" | "主页" | "Startseite" | "ホーム" | "Página inicial" | "Inicio" | "Início"
    )
}

fn read_history(
    file: FileId,
    rows: &[Vec<String>],
    range: Range<usize>,
    doc: &mut Document,
    diags: &mut Vec<Diagnostic>,
) {
    for row in rows.iter().skip(1) {
        let cells: Vec<String> = row.iter().map(|c| markdown::clean(c)).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let get = |i: usize| cells.get(i).cloned().unwrap_or_default();
        match parse_date(&markdown::links_as_text(&get(0))) {
            Some(date) => {
                let mut what = get(2);
                let note = get(3);
                if !note.is_empty() {
                    what = format!("{what} ({note})");
                }
                doc.history.push(History {
                    date,
                    who: markdown::links_as_text(&get(1)),
                    what,
                    range: range.clone(),
                })
            }
            None => {
                diags.push(unrecognised(
                    file,
                    range.clone(),
                    format!("refresh summary row `{}` has no date the importer reads; it joins the overview", markdown::links_as_text(&cells.join(" | "))),
                ));
                doc.overview.push(cells.join(" | "));
            }
        }
    }
}

/// A plain count of steps, tasks, gates and history entries, by lines of
/// the Markdown: what an importer should find, counted without it.
pub fn plain_counts(text: &str) -> Counts {
    let mut counts = Counts::default();
    let mut in_gates = false;
    let mut in_refresh = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') {
            in_gates = false;
            let h = t.trim_start_matches('#');
            in_refresh = labels::label(h) == Some(Label::Refresh);
            if matches!(
                labels::label(h),
                Some(Label::StepInputs | Label::StepOutputs)
            ) {
                in_gates = true;
            }
            continue;
        }
        if matches!(labels::label_line(t), Some((Label::PrimaryRole, _))) {
            counts.steps += 1;
        }
        if t.starts_with("**") {
            in_gates = matches!(
                labels::label(t),
                Some(Label::StepInputs | Label::StepOutputs)
            );
            continue;
        }
        if in_gates && (line.starts_with("- ") || line.starts_with("* ")) {
            counts.gates += 1;
        }
        if let Some(first) = t.strip_prefix('|').and_then(|r| r.split('|').next()) {
            let first = first.trim().trim_start_matches('[');
            let digits: String = first.chars().take_while(char::is_ascii_digit).collect();
            let rest = &first[digits.len()..];
            if in_refresh {
                if parse_date(first).is_some() {
                    counts.history += 1;
                }
            } else if (3..=6).contains(&digits.len()) && (rest.is_empty() || rest.starts_with(']'))
            {
                counts.tasks += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{EN, ZH};

    #[test]
    fn the_lines_of_our_own_export_are_known_in_english_and_chinese() {
        assert!(fits(EN.if_, "If “The account team is known”:"));
        assert!(fits(ZH.if_, "如果“客户团队已知”："));
        assert!(fits(EN.for_each, "For each workload in “Services”:"));
        assert!(!fits(EN.if_, "If the customer asks, demo the form."));
        assert_eq!(
            exported_text("Ask: Is the customer ready?", &EN),
            "Is the customer ready?"
        );
        assert_eq!(exported_text("注意：先分配队列。", &ZH), "先分配队列。");
        assert_eq!(
            exported_text("(optional) Demo the form.", &EN),
            "Demo the form."
        );
        assert_eq!(
            exported_text("Unassign. (only when “the move” is recorded)", &EN),
            "Unassign."
        );
        assert_eq!(
            without_condition(
                "If “the answer to “Ready?” is yes”: Listed the workloads",
                &EN
            ),
            "Listed the workloads"
        );
        assert_eq!(
            without_condition("如果“客户团队已知，或已接管”：记录邮件", &ZH),
            "记录邮件"
        );
        assert_eq!(
            without_condition("Listed the workloads", &EN),
            "Listed the workloads"
        );
        assert_eq!(
            without_closing("Go on. (see playbook next-one)", EN.leads_to),
            "Go on."
        );
    }

    #[test]
    fn a_document_without_our_front_matter_is_read_as_prose() {
        let mut diags = Vec::new();
        let text = "# T\n\n## Approach\n\n### S\n\nPrimary Role: **FM**\n\nAsk: the customer.\n";
        let doc = read(FileId(0), text, Some("en"), &mut diags);
        assert!(!doc.exported);
        assert_eq!(doc.steps[0].items[0].text, "Ask: the customer.");
        let ours = format!("---\nplaybook: \"t\"\nlocale: \"en\"\n---\n\n{text}");
        let doc = read(FileId(0), &ours, None, &mut diags);
        assert!(doc.exported);
        assert_eq!(doc.steps[0].items[0].text, "the customer.");
    }
}
