//! Texts as diagrams show them: one locale, placeholders replaced by the
//! labels of what they name, long lines wrapped. The result is plain text;
//! each format escapes it for itself.

use crate::ir::{LText, Playbook};
use crate::syntax::text::placeholders;

/// `text` in `locale` (falling back to the source locale) as plain text:
/// a placeholder naming a declaration, step or criterion becomes its label;
/// one naming a value (an input, definition, decision or loop variable)
/// stays `{name}`, since the value is known only when the playbook runs;
/// `{{` and `}}` become single braces.
pub fn plain(model: &Playbook, text: &LText, locale: &str) -> String {
    let template = text.get(locale, &model.source_locale);
    let mut out = String::with_capacity(template.len());
    let mut rest = 0;
    for p in placeholders(template) {
        out.push_str(&unbrace(&template[rest..p.start]));
        match label_of(model, &p.name) {
            Some(label) => out.push_str(&plain(model, label, locale)),
            None => out.push_str(&template[p.start..p.end]),
        }
        rest = p.end;
    }
    out.push_str(&unbrace(&template[rest..]));
    out
}

fn unbrace(s: &str) -> String {
    s.replace("{{", "{").replace("}}", "}")
}

/// The label of what a placeholder names, when it is not a run-time value.
/// Labels never hold placeholders of their own that lead back here: the
/// resolver allows placeholders only in the texts of steps and items.
fn label_of<'m>(model: &'m Playbook, name: &str) -> Option<&'m LText> {
    [
        &model.roles,
        &model.notes,
        &model.services,
        &model.templates,
        &model.links,
        &model.phases,
        &model.motions,
    ]
    .into_iter()
    .flatten()
    .find(|d| d.id == name)
    .map(|d| &d.label)
    .or_else(|| {
        model
            .fields
            .iter()
            .find(|f| f.id == name)
            .and_then(|f| f.label.as_ref())
    })
    .or_else(|| model.step(name).map(|s| &s.title))
    .or_else(|| model.criterion(name).map(|c| &c.text))
}

/// Splits `text` into lines of at most `width` columns where it can: at
/// spaces, and inside a run without spaces (as Chinese is written) between
/// any two characters. Wide characters count as two columns. Line breaks
/// of the text are kept.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let w = columns(word);
            if used > 0 && used + 1 + w <= width {
                line.push(' ');
                line.push_str(word);
                used += 1 + w;
                continue;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            // A word wider than the line is cut between characters.
            for c in word.chars() {
                let cw = char_columns(c);
                if used > 0 && used + cw > width {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += cw;
            }
        }
        lines.push(line);
    }
    lines
}

fn columns(s: &str) -> usize {
    s.chars().map(char_columns).sum()
}

/// Two columns for the wide scripts (CJK, Hangul, full-width forms), one
/// for the rest: enough to balance diagram labels.
fn char_columns(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60 => {
            2
        }
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_inside_long_runs() {
        assert_eq!(wrap("one two three four", 9), ["one two", "three", "four"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        // Wide characters take two columns.
        assert_eq!(wrap("准备接洽讨论对话", 6), ["准备接", "洽讨论", "对话"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn placeholders_become_labels_or_stay() {
        let c = crate::compile_str(
            "t.playbook",
            r#"playbook p {
  title "P"
  role fm "FastTrack Manager"
  template mail "Mail template"
  input seats: int "Seats"
  step s "S" {
    owner fm
    do x "Send the {mail} to the {fm} for {seats} seats, {{literally}}."
  }
}"#,
        );
        let model = c.model.expect("a model");
        let crate::ir::Item::Do(d) = &model.steps[0].items[0] else {
            panic!("a do item")
        };
        assert_eq!(
            plain(&model, &d.text, "en"),
            "Send the Mail template to the FastTrack Manager for {seats} seats, {literally}."
        );
    }
}
