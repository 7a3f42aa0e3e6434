//! Texts of a run as people read them: placeholders filled in with this
//! run's values and the labels of what they name.

use super::engine::Run;
use super::value;
use crate::ir::LText;

/// The text in `locale`, with `{name}` replaced by the loop element, the
/// input, definition or answer, or the label of the declaration it names.
pub fn render(run: &Run<'_>, text: &LText, locale: &str, bindings: &[(String, String)]) -> String {
    let m = run.model;
    let template = text.get(locale, &m.source_locale);
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    for p in crate::syntax::placeholders(template) {
        let start = template.len() - rest.len();
        out.push_str(&unbrace(&template[start..p.start]));
        out.push_str(&resolve(run, &p.name, locale, bindings));
        rest = &template[p.end..];
    }
    out.push_str(&unbrace(rest));
    out
}

fn unbrace(s: &str) -> String {
    s.replace("{{", "{").replace("}}", "}")
}

fn resolve(run: &Run<'_>, name: &str, locale: &str, bindings: &[(String, String)]) -> String {
    let m = run.model;
    let label = |t: &LText| t.get(locale, &m.source_locale).to_string();
    if let Some((_, v)) = bindings.iter().rev().find(|(var, _)| var == name) {
        return service_or_value(run, v, locale);
    }
    if let Some(v) = run.inputs.get(name).or_else(|| run.lets().get(name)) {
        return value::show(v);
    }
    if let Some((v, _)) = run.state.answers.get(name) {
        return value::show(v);
    }
    for decls in [
        &m.templates,
        &m.links,
        &m.roles,
        &m.notes,
        &m.services,
        &m.phases,
        &m.motions,
    ] {
        if let Some(d) = decls.iter().find(|d| d.id == name) {
            return label(&d.label);
        }
    }
    if let Some(f) = m.fields.iter().find(|f| f.id == name)
        && let Some(l) = &f.label
    {
        return label(l);
    }
    if let Some(s) = m.step(name) {
        return label(&s.title);
    }
    if let Some(c) = m.criterion(name) {
        return label(&c.text);
    }
    format!("{{{name}}}")
}

fn service_or_value(run: &Run<'_>, v: &str, locale: &str) -> String {
    let m = run.model;
    m.services
        .iter()
        .find(|s| s.id == v)
        .map(|s| s.label.get(locale, &m.source_locale).to_string())
        .unwrap_or_else(|| v.to_string())
}
