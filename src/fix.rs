//! Fixes that need the source text, built from a diagnostic's facts once
//! every file is read: the stage that finds the problem states it as data
//! (`Fact`), and this turns that data into edits. Readers of diagnostics
//! (the language server, SARIF) then apply `Diagnostic::fixes` as they are.

use crate::diagnostic::{Diagnostic, Edit, Fact, Fix};
use crate::source::{Sources, Span};

/// Adds the fixes that the facts of `diagnostics` call for.
pub fn complete(diagnostics: &mut [Diagnostic], sources: &Sources) {
    for d in diagnostics {
        let fix = match &d.fact {
            Some(Fact::MissingArms { values }) => missing_arms(sources, d.primary.span, values),
            Some(Fact::MissingTranslation {
                key,
                locale,
                catalogue,
                source,
            }) => Some(missing_translation(
                sources, key, locale, *catalogue, source,
            )),
            Some(Fact::Suggestion { .. }) | None => None,
        };
        if let Some(fix) = fix
            && !d.fixes.contains(&fix)
        {
            d.fixes.push(fix);
        }
    }
}

/// An arm for each missing value, added before the closing brace of a
/// `match` statement; `None` for an expression `match`, whose value for the
/// new arms only the author knows.
fn missing_arms(sources: &Sources, span: Span, values: &[String]) -> Option<Fix> {
    let text = &sources.get(span.file).text;
    let body = text.get(span.range())?;
    let close = span.start as usize + body.rfind('}')?;
    let first_arrow = body.find("=>")?;
    if !body[first_arrow + 2..].trim_start().starts_with('{') {
        return None;
    }
    let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[line_start..close]
        .chars()
        .take_while(|c| *c == ' ')
        .collect();
    let (at, inserted) = if text[line_start..close].trim().is_empty() {
        let arms: String = values
            .iter()
            .map(|v| format!("{indent}  {v} => {{\n{indent}  }}\n"))
            .collect();
        (line_start, arms)
    } else {
        let arms: String = values.iter().map(|v| format!(" {v} => {{ }}")).collect();
        (close, format!("{arms} "))
    };
    Some(Fix {
        title: "Add the missing arms".to_string(),
        edits: vec![Edit {
            span: Span::new(span.file, at, at),
            text: inserted,
        }],
    })
}

/// The missing key at the end of its catalogue, the text to translate
/// starting as the source text.
fn missing_translation(
    sources: &Sources,
    key: &str,
    locale: &str,
    catalogue: crate::source::FileId,
    source: &str,
) -> Fix {
    let existing = &sources.get(catalogue).text;
    let quoted = toml::Value::String(source.to_string()).to_string();
    let mut line = format!(
        "{} = {{ text = {quoted}, source = {quoted} }}\n",
        toml::Value::String(key.to_string())
    );
    if !existing.is_empty() && !existing.ends_with('\n') {
        line.insert(0, '\n');
    }
    Fix {
        title: format!("Add `{key}` to the `{locale}` catalogue"),
        edits: vec![Edit {
            span: Span::new(catalogue, existing.len(), existing.len()),
            text: line,
        }],
    }
}
