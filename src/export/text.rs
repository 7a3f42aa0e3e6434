//! Texts as diagrams show them: one locale, placeholders replaced by the
//! labels of what they name, long lines wrapped. The result is plain text;
//! each format escapes it for itself.

use crate::ir::{LText, Playbook, Segment, segments};

/// `text` in `locale` (falling back to the source locale) as plain text:
/// a placeholder naming a declaration, step or criterion becomes its label;
/// one naming a value (an input, definition, decision or loop variable)
/// stays `{name}`, since the value is known only when the playbook runs;
/// `{{` and `}}` become single braces.
///
/// A label put in is not expanded in turn (a step's title may name the
/// step itself): its own placeholders stay `{name}`.
pub fn plain(model: &Playbook, text: &LText, locale: &str) -> String {
    expand(model, text.get(locale, &model.source_locale), Some(locale))
}

/// `template` with its literal braces single; with `locale`, also with the
/// placeholders that name labels replaced by those labels, unexpanded.
fn expand(model: &Playbook, template: &str, locale: Option<&str>) -> String {
    let mut out = String::with_capacity(template.len());
    for segment in segments(template) {
        match segment {
            Segment::Text(t) => out.push_str(&t),
            Segment::Placeholder(name) => match locale.zip(label_of(model, name)) {
                Some((l, label)) => {
                    out.push_str(&expand(model, label.get(l, &model.source_locale), None))
                }
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
    }
    out
}

/// The label of what a placeholder names, when it is not a run-time value.
fn label_of<'m>(model: &'m Playbook, name: &str) -> Option<&'m LText> {
    model
        .named(name)
        .filter(|n| !n.is_value())
        .and_then(|n| n.label())
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
            if w > width {
                // A word wider than a line is cut between characters, from
                // where the line stands.
                if used > 0 {
                    line.push(' ');
                    used += 1;
                }
            } else if used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            for c in word.chars() {
                let cw = char_columns(c);
                if used > 0 && used + cw > width {
                    let full = std::mem::take(&mut line);
                    lines.push(full.trim_end().to_string());
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
    unicode_width::UnicodeWidthStr::width(s)
}

/// The columns a character takes in a monospaced font: two for the wide
/// scripts (CJK, Hangul, full-width forms), none for combining marks.
fn char_columns(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
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
        // A run too long for any line goes on from where the line stands.
        assert_eq!(
            wrap("• 准备接洽讨论对话", 8),
            ["• 准备接", "洽讨论对", "话"]
        );
        assert_eq!(wrap("abc 准备接洽", 4), ["abc", "准备", "接洽"]);
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
        // A title naming its own step is put in once, not without end.
        assert_eq!(plain(&model, &model.steps[0].title, "en"), "S");
        let c = crate::compile_str(
            "t.playbook",
            r#"playbook p {
  title "P"
  role fm "FM"
  step s "Step {s} of {fm}" {
    owner fm
    do x "X"
  }
}"#,
        );
        let model = c.model.expect("a model");
        assert_eq!(
            plain(&model, &model.steps[0].title, "en"),
            "Step Step {s} of {fm} of FM"
        );
    }
}
