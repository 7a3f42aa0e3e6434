//! Texts: escapes, `"""` blocks, and `{name}` placeholders.
//!
//! A text's value is kept in template form: `{name}` is a placeholder that
//! refers to a declaration, `{{` and `}}` stand for literal braces. Source
//! strings write a literal brace as `\{` or `{{`; translation catalogues use
//! the same template form, so source and translation compare directly.

/// Unescapes the body of a one-line string. Returns the value, or the byte
/// offset (within `raw`) and length of a bad escape.
pub fn unescape(raw: &str) -> Result<String, (usize, usize, String)> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, '{')) => out.push_str("{{"),
            Some((_, '}')) => out.push_str("}}"),
            Some((_, 'u')) => {
                // `\u{HEX}` with one to six hex digits.
                let rest = &raw[i + 2..];
                let parsed = rest.strip_prefix('{').and_then(|r| {
                    let end = r.find('}')?;
                    let hex = &r[..end];
                    let ok =
                        (1..=6).contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit());
                    ok.then(|| (hex.to_string(), end + 2))
                });
                let Some((hex, len)) = parsed else {
                    return Err((
                        i,
                        2,
                        "`\\u` is written `\\u{HEX}`, with one to six hex digits".to_string(),
                    ));
                };
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(c) => out.push(c),
                    None => {
                        return Err((
                            i,
                            len + 2,
                            format!("`\\u{{{hex}}}` is not a Unicode scalar value"),
                        ));
                    }
                }
                for _ in 0..len {
                    chars.next();
                }
            }
            Some((j, other)) => {
                return Err((
                    i,
                    j + other.len_utf8() - i,
                    format!("`\\{other}` is not an escape"),
                ));
            }
            None => return Err((i, 1, "a string cannot end with `\\`".to_string())),
        }
    }
    Ok(out)
}

/// Removes the layout of a `"""` block: the line break after the opening
/// quotes, a final line of only spaces, and the indentation all non-blank
/// lines share. Line endings become `\n`.
pub fn dedent(raw: &str) -> String {
    let normalized = raw.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<&str> = normalized.split('\n').collect();
    if lines.len() > 1 && lines[0].trim().is_empty() {
        lines.remove(0);
    }
    if lines.len() > 1 && lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let body: Vec<&str> = lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ""
            } else {
                l.get(indent..).unwrap_or(l).trim_end()
            }
        })
        .collect();
    body.join("\n").trim().to_string()
}

/// A `{name}` in a text, with its byte range in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// The placeholders of a template, in order. `{{` and `}}` are literal.
pub fn placeholders(template: &str) -> Vec<Placeholder> {
    let bytes = template.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => i += 2,
            b'}' if bytes.get(i + 1) == Some(&b'}') => i += 2,
            b'{' => {
                let close = template[i + 1..].find('}').map(|e| i + 1 + e);
                match close {
                    Some(end) if is_ident(&template[i + 1..end]) => {
                        found.push(Placeholder {
                            name: template[i + 1..end].to_string(),
                            start: i,
                            end: end + 1,
                        });
                        i = end + 1;
                    }
                    _ => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    found
}

/// Whether `s` is a kebab-case id.
pub fn is_ident(s: &str) -> bool {
    let mut parts = s.split('-');
    let Some(first) = parts.next() else {
        return false;
    };
    first.starts_with(|c: char| c.is_ascii_lowercase())
        && first
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && parts.all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(unescape(r#"a\"b\\c\nd\{e\}"#).unwrap(), "a\"b\\c\nd{{e}}");
        assert_eq!(unescape(r"\u{4E2D}").unwrap(), "中");
        assert_eq!(unescape(r"x\q").unwrap_err().0, 1);
        assert!(unescape(r"\u{D800}").is_err());
        assert_eq!(unescape(r"\uZ").unwrap_err().0, 0);
        assert_eq!(unescape(r"a\u{41}b").unwrap(), "aAb");
    }

    #[test]
    fn blocks_lose_their_layout() {
        let raw = "\n    First line\n      indented\n\n    Second paragraph\n    ";
        assert_eq!(dedent(raw), "First line\n  indented\n\nSecond paragraph");
        assert_eq!(dedent("\r\n  a\r\n  b\r\n  "), "a\nb");
    }

    #[test]
    fn finds_placeholders() {
        let names: Vec<String> = placeholders("Use {atu-email} {{not}} {Bad} {x}")
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, vec!["atu-email", "x"]);
    }

    #[test]
    fn kebab_case() {
        assert!(is_ident("a-b2"));
        assert!(!is_ident("a--b"));
        assert!(!is_ident("A"));
        assert!(!is_ident("a-"));
        assert!(!is_ident(""));
    }
}
