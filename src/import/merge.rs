//! `--merge`: a document's texts added to a compiled playbook as a
//! translation catalogue, matched by structure (header lists and steps in
//! order, criteria and items by position within their step, tasks by
//! number, roles through the steps and tasks they own), and the drift
//! between the two languages.

use super::labels::numbers;
use super::markdown::{self, Piece};
use super::{Document, ItemDoc};
use crate::ir::{self, Item, Playbook};
use std::collections::{BTreeMap, BTreeSet};

/// What merging produced.
#[derive(Debug)]
pub struct Merged {
    /// The translation catalogue (TOML) for the document's locale.
    pub catalogue: String,
    /// Where the languages disagree, one sentence each.
    pub drift: Vec<String>,
    /// Texts the document gave.
    pub matched: usize,
    /// Texts neither the document nor the catalogue had, filled with the
    /// source text.
    pub filled: usize,
    /// Texts the document gave as the catalogue has them.
    pub same: usize,
    /// Texts added to the catalogue (those filled included).
    pub added: usize,
    /// Texts the catalogue has and the document gives differently: the
    /// catalogue's is kept, and each is in `drift`.
    pub kept: usize,
}

fn plain(n: &[String]) -> BTreeSet<String> {
    n.iter()
        .map(|s| {
            s.trim_start_matches(['>', '<'])
                .trim_end_matches('%')
                .to_string()
        })
        .collect()
}

/// Items of a step in document order, nested ones after their parent.
fn model_items(model: &Playbook, items: &[Item], out: &mut Vec<String>) {
    let model_items = |items: &[Item], out: &mut Vec<String>| model_items(model, items, out);
    for item in items {
        match item {
            Item::Do(d) => {
                out.push(d.text.key.clone());
                model_items(&d.items, out);
            }
            Item::Tip { text, .. } | Item::Warning { text, .. } => out.push(text.key.clone()),
            Item::Ask { decision } => {
                if let Some(d) = model.decisions.iter().find(|d| &d.id == decision) {
                    out.push(d.question.key.clone());
                }
            }
            Item::If {
                branches,
                otherwise,
            } => {
                for b in branches {
                    model_items(&b.items, out);
                }
                if let Some(o) = otherwise {
                    model_items(o, out);
                }
            }
            Item::Match { arms, .. } => {
                for a in arms {
                    model_items(&a.items, out);
                }
            }
            Item::ForEach { items, .. } => model_items(items, out),
        }
    }
}

/// Items of a document in the order the importer writes them: a branch's
/// question, then what it governs, then its `else`.
fn doc_items(items: &[ItemDoc], out: &mut Vec<String>) {
    for item in items {
        if !item.structure {
            out.push(item.text.clone());
        }
        doc_items(&item.children, out);
        doc_items(&item.otherwise, out);
    }
}

/// Matches `theirs` to `ours` in order. With lists of the same length, by
/// position; otherwise each of theirs goes to the next of ours that shares
/// a number with it, or failing that the next one.
fn align(
    ours: &[String],
    theirs: &[String],
    our_texts: &dyn Fn(&str) -> String,
) -> Vec<(usize, usize)> {
    if ours.len() == theirs.len() {
        return (0..ours.len()).map(|i| (i, i)).collect();
    }
    let mut pairs = Vec::new();
    let mut next = 0;
    for (j, t) in theirs.iter().enumerate() {
        if next >= ours.len() {
            break;
        }
        let tn = plain(&numbers(&markdown::link_words(t)));
        let best = (next..ours.len())
            .map(|i| {
                (
                    plain(&numbers(&our_texts(&ours[i])))
                        .intersection(&tn)
                        .count(),
                    i,
                )
            })
            .filter(|(score, _)| *score > 0)
            .max_by_key(|(score, i)| (*score, std::cmp::Reverse(*i)));
        let i = match best {
            Some((_, i)) => i,
            None if ours.len() - next > theirs.len() - j => continue,
            None => next,
        };
        pairs.push((i, j));
        next = i + 1;
    }
    pairs
}

/// Merges `doc` into `model`: a new catalogue for `doc.locale`, and the
/// drift.
pub fn merge(model: &Playbook, doc: &Document) -> Merged {
    match merge_into(model, doc, None) {
        Ok(m) => m,
        // A new catalogue has nothing to disagree with.
        Err(e) => Merged {
            catalogue: String::new(),
            drift: vec![e.message],
            matched: 0,
            filled: 0,
            same: 0,
            added: 0,
            kept: 0,
        },
    }
}

/// Merges `doc` into `model` and into `existing`, the text of the
/// catalogue for `doc.locale` when there is one. The catalogue is edited in
/// place: its comments, layout and every text it has stay as they are; a
/// text the document gives differently is kept and reported as drift; the
/// texts it lacks are added at the end of its `[texts]`.
pub fn merge_into(
    model: &Playbook,
    doc: &Document,
    existing: Option<&str>,
) -> Result<Merged, CatalogueError> {
    let src = model.source_locale.as_str();
    let loc = doc.locale.as_str();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut drift: Vec<String> = Vec::new();
    let all: BTreeMap<String, &ir::LText> = model
        .texts()
        .into_iter()
        .map(|t| (t.key.clone(), t))
        .collect();
    // A source text as read: its templates and links by their labels.
    let source_of = |key: &str| {
        let mut text = all
            .get(key)
            .map(|t| t.get(src, src).to_string())
            .unwrap_or_default();
        for d in model.templates.iter().chain(&model.links) {
            text = text.replace(&format!("{{{}}}", d.id), d.label.get(src, src));
        }
        text
    };
    let mut put = |key: &str, text: &str| {
        if !text.is_empty() {
            texts
                .entry(key.to_string())
                .or_insert_with(|| text.to_string());
        }
    };

    let h = &model.header;
    if let (Some(t), Some(d)) = (&h.title, &doc.title) {
        put(&t.key, d);
    }
    if let (Some(t), Some(d)) = (&h.description, &doc.description) {
        put(&t.key, d);
    }
    if let Some(t) = &h.overview {
        put(&t.key, &doc.overview.join("\n\n"));
    }
    let mut lists = |what: &str, ours: &[ir::Entry], theirs: &[String], drift: &mut Vec<String>| {
        if ours.len() != theirs.len() {
            drift.push(format!(
                "{what}: {src} has {}, {loc} has {}",
                ours.len(),
                theirs.len()
            ));
        }
        let keys: Vec<String> = ours.iter().map(|e| e.text.key.clone()).collect();
        for (i, j) in align(&keys, theirs, &source_of) {
            put(&keys[i], &theirs[j]);
        }
    };
    lists("objectives", &h.objectives, &doc.objectives, &mut drift);
    lists("key inputs", &h.key_inputs, &doc.key_inputs, &mut drift);
    lists("key outputs", &h.key_outputs, &doc.key_outputs, &mut drift);
    let next_steps: Vec<ir::Entry> = h
        .next_steps
        .iter()
        .map(|n| ir::Entry {
            id: n.id.clone(),
            text: n.text.clone(),
        })
        .collect();
    lists("next steps", &next_steps, &doc.next_steps, &mut drift);

    // History by date.
    let ours: BTreeSet<_> = h.history.iter().map(|e| e.date).collect();
    let theirs: BTreeSet<_> = doc.history.iter().map(|e| e.date).collect();
    for e in &h.history {
        if let Some(d) = doc.history.iter().find(|d| d.date == e.date) {
            put(&e.what.key, &d.what);
        }
    }
    for d in ours.difference(&theirs) {
        drift.push(format!("history: {d} is in {src} only"));
    }
    for d in theirs.difference(&ours) {
        drift.push(format!("history: {d} is in {loc} only"));
    }

    // Declarations of this playbook (not of a catalogue it uses).
    let local = |decls: &[ir::Decl], id: &str| -> Option<String> {
        decls
            .iter()
            .find(|d| d.id == id && d.from.is_none())
            .map(|d| d.label.key.clone())
    };
    if let (Some(p), Some(label)) = (&h.phase, &doc.phase)
        && let Some(key) = local(&model.phases, p)
    {
        put(&key, label);
    }
    for (m, label) in h.motions.iter().zip(&doc.motions) {
        if let Some(key) = local(&model.motions, m) {
            put(&key, label);
        }
    }

    // Steps in order.
    if model.steps.len() != doc.steps.len() {
        drift.push(format!(
            "steps: {src} has {}, {loc} has {}",
            model.steps.len(),
            doc.steps.len()
        ));
    }
    let mut role_labels: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (step, theirs) in model.steps.iter().zip(&doc.steps) {
        put(&step.title.key, &theirs.title);
        if let (Some(owner), Some(role)) = (&step.owner, theirs.roles.first()) {
            if let Some(key) = local(&model.roles, owner) {
                put(&key, role);
            }
            role_labels
                .entry(owner.clone())
                .or_default()
                .insert(role.clone());
        }
        if let ir::Applies::Services(list) = &step.applies {
            for (s, label) in list.iter().zip(&theirs.applies) {
                if let Some(key) = local(&model.services, s) {
                    put(&key, label);
                }
            }
        }
        for (kind, gates, texts_theirs) in [
            ("entry criteria", &step.entry, &theirs.entry),
            ("exit criteria", &step.exit, &theirs.exit),
        ] {
            if gates.len() != texts_theirs.len() {
                drift.push(format!(
                    "step `{}`: {src} has {} {kind}, {loc} has {}",
                    step.id,
                    gates.len(),
                    texts_theirs.len()
                ));
            }
            let keys: Vec<String> = gates
                .iter()
                .map(|g| format!("criterion.{}", g.criterion))
                .collect();
            for (i, j) in align(&keys, texts_theirs, &source_of) {
                put(&keys[i], &texts_theirs[j]);
            }
        }
        let mut ours = Vec::new();
        model_items(model, &step.items, &mut ours);
        let mut mine = Vec::new();
        doc_items(&theirs.items, &mut mine);
        // Task items close the imported step, as the importer writes them
        // (our own export lists tasks only in their table).
        if !doc.exported {
            mine.extend(theirs.tasks.iter().map(|t| t.name.clone()));
        }
        if ours.len() != mine.len() {
            drift.push(format!(
                "step `{}`: {src} has {} instructions, {loc} has {}",
                step.id,
                ours.len(),
                mine.len()
            ));
        }
        for (i, j) in align(&ours, &mine, &source_of) {
            put(&ours[i], &mine[j]);
        }
    }
    for (role, labels) in &role_labels {
        if labels.len() > 1 {
            drift.push(format!(
                "role `{role}` is {} in {loc}",
                labels
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
    }

    // Tasks by number.
    let theirs: BTreeMap<u32, &super::TaskDoc> = doc
        .steps
        .iter()
        .flat_map(|s| &s.tasks)
        .map(|t| (t.number, t))
        .collect();
    for task in &model.tasks {
        match theirs.get(&task.number) {
            Some(t) => {
                put(&task.name.key, &t.name);
                if t.mandatory != task.mandatory {
                    drift.push(format!(
                        "task {}: mandatory in {}, optional in {}",
                        task.number,
                        if task.mandatory { src } else { loc },
                        if task.mandatory { loc } else { src }
                    ));
                }
                if let (Some(owner), Some(role)) = (&task.owner, &t.role)
                    && let Some(key) = local(&model.roles, owner)
                {
                    put(&key, role);
                }
            }
            None => drift.push(format!("task {} is in {src} only", task.number)),
        }
    }
    for n in theirs.keys() {
        if !model.tasks.iter().any(|t| t.number == *n) {
            drift.push(format!("task {n} is in {loc} only"));
        }
    }

    // Numbers that differ between texts matched by position.
    for (key, text) in &texts {
        let a = numbers(&source_of(key));
        let b = numbers(&markdown::link_words(text));
        if a != b && !(a.is_empty() && b.is_empty()) {
            drift.push(format!(
                "`{key}` states different numbers: {src} {}; {loc} {}",
                if a.is_empty() {
                    "none".to_string()
                } else {
                    a.join(", ")
                },
                if b.is_empty() {
                    "none".to_string()
                } else {
                    b.join(", ")
                }
            ));
        }
    }

    // The catalogue: every text of this playbook, the source where the
    // document has none.
    let imported: BTreeSet<String> = model
        .decls()
        .filter(|d| d.from.is_some())
        .map(|d| d.label.key.clone())
        .chain(
            model
                .enums
                .iter()
                .filter(|e| e.from.is_some())
                .flat_map(|e| {
                    e.label
                        .iter()
                        .map(|l| l.key.clone())
                        .chain(
                            e.values
                                .iter()
                                .filter_map(|v| v.label.as_ref().map(|l| l.key.clone())),
                        )
                        .collect::<Vec<_>>()
                }),
        )
        .chain(
            model
                .fields
                .iter()
                .filter(|f| f.from.is_some())
                .filter_map(|f| f.label.as_ref().map(|l| l.key.clone())),
        )
        .collect();
    let mut catalogue = match existing {
        Some(text) => read_catalogue(text, loc)?,
        None => format!(
            "# {loc} texts merged by `playbook import --merge`.\nlocale = \"{loc}\"\n\n[texts]\n"
        )
        .parse::<toml_edit::DocumentMut>()
        .unwrap_or_default(),
    };
    let table = catalogue
        .entry("texts")
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .ok_or_else(|| CatalogueError::new("`texts` is not a table", None))?;
    let mut counts = Counts::default();
    for (key, lt) in &all {
        if imported.contains(key) {
            continue;
        }
        let source = lt.get(src, src).to_string();
        let theirs = texts.get(key).map(|t| {
            let t = translated(model, t, &source);
            keep_placeholders(&source, &placeholders_back(model, loc, &source, &t))
        });
        if theirs.is_some() {
            counts.matched += 1;
        }
        let ours = match table.get(key) {
            None => None,
            Some(item) => Some(
                item.as_table_like()
                    .and_then(|t| t.get("text"))
                    .and_then(|t| t.as_str())
                    .ok_or_else(|| {
                        CatalogueError::new(
                            format!("`{key}` is not a table with a `text` string"),
                            None,
                        )
                    })?
                    .to_string(),
            ),
        };
        let text = match (ours, theirs) {
            (Some(ours), Some(theirs)) if ours == theirs => {
                counts.same += 1;
                continue;
            }
            (Some(ours), Some(theirs)) => {
                counts.kept += 1;
                drift.push(format!(
                    "`{key}`: the catalogue's {loc} text is kept, “{ours}”; the document has “{theirs}”"
                ));
                continue;
            }
            (Some(_), None) => continue,
            (None, Some(theirs)) => theirs,
            (None, None) => {
                counts.filled += 1;
                source.clone()
            }
        };
        counts.added += 1;
        let mut entry = toml_edit::InlineTable::new();
        entry.insert("text", text.into());
        entry.insert("source", source.into());
        table.insert(key, toml_edit::value(entry));
    }
    if counts.filled > 0 {
        drift.push(format!(
            "{} texts have no {loc} counterpart; the {src} text stands in",
            counts.filled
        ));
    }
    Ok(Merged {
        catalogue: catalogue.to_string(),
        drift,
        matched: counts.matched,
        filled: counts.filled,
        same: counts.same,
        added: counts.added,
        kept: counts.kept,
    })
}

#[derive(Default)]
struct Counts {
    matched: usize,
    same: usize,
    added: usize,
    kept: usize,
    filled: usize,
}

/// Why an existing catalogue cannot take a merge: a message, and where in
/// its text when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueError {
    pub message: String,
    pub range: Option<std::ops::Range<usize>>,
}

impl CatalogueError {
    fn new(message: impl Into<String>, range: Option<std::ops::Range<usize>>) -> Self {
        CatalogueError {
            message: message.into(),
            range,
        }
    }
}

/// An existing catalogue, parsed to be edited in place (comments and
/// layout kept), for `locale`.
fn read_catalogue(text: &str, locale: &str) -> Result<toml_edit::DocumentMut, CatalogueError> {
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        CatalogueError::new(
            format!("the catalogue is not TOML: {}", first_line(e.message())),
            e.span(),
        )
    })?;
    match doc.get("locale").and_then(|l| l.as_str()) {
        Some(l) if l == locale => Ok(doc),
        Some(l) => Err(CatalogueError::new(
            format!("the catalogue is for locale `{l}`, not `{locale}`"),
            text.find("locale").map(|at| at..at + "locale".len()),
        )),
        None => Err(CatalogueError::new("the catalogue has no `locale`", None)),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim()
}

/// Our exports write a placeholder as the words it shows (a template's
/// label without an address, a loop variable's name): those words, found
/// in a document's text whose source names the placeholder, become the
/// placeholder again.
fn placeholders_back(model: &Playbook, loc: &str, source: &str, text: &str) -> String {
    let have: BTreeSet<String> = crate::syntax::text::placeholders(text)
        .into_iter()
        .map(|p| p.name)
        .collect();
    let mut out = text.to_string();
    for p in crate::syntax::text::placeholders(source) {
        if have.contains(&p.name) || out.contains(&format!("{{{}}}", p.name)) {
            continue;
        }
        // A loop variable shows the words for what its loop walks.
        let service = crate::labels::get(loc).service;
        let words = match model.named(&p.name) {
            None => model.loop_var_words(&p.name, loc, service),
            Some(_) => None,
        }
        .unwrap_or_else(|| model.placeholder_words(&p.name, loc));
        let words = escape_braces(&words);
        if words.trim().is_empty() {
            continue;
        }
        let whole = |at: usize| {
            let before = out[..at].chars().next_back();
            let after = out[at + words.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
                && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if let Some(at) = out
            .match_indices(words.as_str())
            .map(|(at, _)| at)
            .find(|at| whole(*at))
        {
            out.replace_range(at..at + words.len(), &format!("{{{}}}", p.name));
        }
    }
    out
}

/// A document's text as a translation of `source`: braces doubled, and
/// each link named by the placeholder of the template or link with its
/// address that the source names, or else written as text.
fn translated(model: &Playbook, text: &str, source: &str) -> String {
    let named: BTreeSet<String> = crate::syntax::text::placeholders(source)
        .into_iter()
        .map(|p| p.name)
        .collect();
    markdown::pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => escape_braces(t),
            Piece::Link { text, url } => {
                let address = super::emit::address(url);
                match model
                    .templates
                    .iter()
                    .chain(&model.links)
                    .find(|d| address.is_some() && d.url == address && named.contains(&d.id))
                {
                    Some(d) => format!("{{{}}}", d.id),
                    None if text.is_empty() || text == url => escape_braces(url),
                    None => escape_braces(&format!("{text} ({url})")),
                }
            }
        })
        .collect()
}

fn escape_braces(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

/// A translation must name the placeholders of its source: those the
/// document's text lacks are added at its end.
fn keep_placeholders(source: &str, text: &str) -> String {
    let want: BTreeSet<String> = crate::syntax::text::placeholders(source)
        .into_iter()
        .map(|p| p.name)
        .collect();
    let have: BTreeSet<String> = crate::syntax::text::placeholders(text)
        .into_iter()
        .map(|p| p.name)
        .collect();
    let missing: Vec<String> = want.difference(&have).map(|p| format!("{{{p}}}")).collect();
    if missing.is_empty() {
        text.to_string()
    } else {
        format!("{text} ({})", missing.join(", "))
    }
}

/// Whether the playbook source names a catalogue for `locale` itself (a
/// catalogue it uses may name one of its own, which does not count).
pub fn names_translation(source: &str, locale: &str) -> bool {
    let (file, _) = crate::syntax::parse(crate::source::FileId(0), source);
    file.is_some_and(|f| {
        f.body.iter().any(|s| {
            matches!(&s.kind, crate::ast::StmtKind::Translation { locale: l, .. } if l.name == locale)
        })
    })
}

/// The playbook source with a `translation LOCALE "PATH"` statement added
/// at the top of its block, formatted. `None` when the text has no block.
pub fn with_translation(source: &str, locale: &str, path: &str) -> Option<String> {
    let open = source.find('{')?;
    let mut new = source.to_string();
    new.insert_str(
        open + 1,
        &format!("\n  translation {locale} {}", super::emit::quote(path)),
    );
    Some(crate::fmt::format(crate::source::FileId(0), &new).unwrap_or(new))
}
