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
        return value::show(v);
    }
    if let Some((v, _)) = run.state.answers.get(name) {
        return value::show(v);
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
