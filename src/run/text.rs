//! Texts of a run as people read them: placeholders filled in with this
//! run's values and the labels of what they name.

use super::engine::Run;
use super::value;
use crate::ir::{LText, Segment, segments};

/// The text in `locale`, with `{name}` replaced by the loop element, the
/// input, definition or answer, or the label of what it names.
pub fn render(run: &Run<'_>, text: &LText, locale: &str, bindings: &[(String, String)]) -> String {
    let m = run.model;
    let template = text.get(locale, &m.source_locale);
    let mut out = String::with_capacity(template.len());
    for segment in segments(template) {
        match segment {
            Segment::Text(t) => out.push_str(&t),
            Segment::Placeholder(name) => out.push_str(&resolve(run, name, locale, bindings)),
        }
    }
    out
}

fn resolve(run: &Run<'_>, name: &str, locale: &str, bindings: &[(String, String)]) -> String {
    let m = run.model;
    if let Some((_, v)) = bindings.iter().rev().find(|(var, _)| var == name) {
        return service_or_value(run, v, locale);
    }
    if let Some(v) = run.inputs.get(name).or_else(|| run.lets().get(name)) {
        return value(run, v, locale);
    }
    if let Some((v, _)) = run.state.answers.get(name) {
        return value(run, v, locale);
    }
    // A value not known yet stays a placeholder; anything else shows its
    // label.
    match m
        .named(name)
        .filter(|n| !n.is_value())
        .and_then(|n| n.label())
    {
        Some(label) => m.label_words(label, locale),
        None => format!("{{{name}}}"),
    }
}

fn service_or_value(run: &Run<'_>, v: &str, locale: &str) -> String {
    let m = run.model;
    m.services
        .iter()
        .find(|s| s.id == v)
        .map(|s| s.label.get(locale, &m.source_locale).to_string())
        .unwrap_or_else(|| v.to_string())
}

/// A value as people read it in `locale`: an enum value or a service by its
/// label (a set by its elements' labels), anything else as written.
pub fn value(run: &Run<'_>, v: &crate::eval::Value, locale: &str) -> String {
    use crate::eval::Value;
    match v {
        Value::Enum(id) => label_of(run, id, locale).unwrap_or_else(|| id.clone()),
        Value::Set(ids) => ids
            .iter()
            .map(|id| label_of(run, id, locale).unwrap_or_else(|| id.clone()))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Bool(b) => {
            let d = &crate::labels::get(locale).diagram;
            if *b { d.yes } else { d.no }.to_string()
        }
        other => value::show(other),
    }
}

/// A value for an audit document: its label with its id, `FTCQ Inactive
/// EMEA (ftcq-inactive-emea)`, or the value as written when it has no label.
pub fn value_with_id(run: &Run<'_>, v: &crate::eval::Value, locale: &str) -> String {
    use crate::eval::Value;
    let shown = value(run, v, locale);
    match v {
        Value::Enum(_) | Value::Set(_) if shown != value::show(v) => {
            format!("{shown} ({})", value::show(v))
        }
        _ => shown,
    }
}

/// The label of an enum value or a service, in `locale`.
fn label_of(run: &Run<'_>, id: &str, locale: &str) -> Option<String> {
    let m = run.model;
    let source = &m.source_locale;
    m.enums
        .iter()
        .flat_map(|e| &e.values)
        .find(|v| v.id == id)
        .and_then(|v| v.label.as_ref())
        .or_else(|| m.services.iter().find(|s| s.id == id).map(|s| &s.label))
        .map(|l| l.get(locale, source).to_string())
        .filter(|l| !l.is_empty())
}
