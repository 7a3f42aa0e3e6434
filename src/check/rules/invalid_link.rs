//! `invalid-link`: a malformed URL, or one whose scheme is not http, https
//! or mailto.
//!
//! Why: links end up in published documents and emails; a broken or
//! `javascript:` link is at best useless and at worst harmful.

use super::Shape;
use crate::diagnostic::Diagnostic;
use crate::registry::Code;

/// The address as the message quotes it: control and invisible characters
/// (a line break, a right-to-left override) written as `\u{HEX}`, so that
/// no reader of the message — a terminal, SARIF, an annotation — acts on them.
fn shown(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        let invisible = matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{FEFF}');
        if c.is_control() || invisible {
            out.push_str(&format!("\\u{{{:X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

pub fn run(a: &Shape, out: &mut Vec<Diagnostic>) {
    for decl in a.model.templates.iter().chain(&a.model.links) {
        let Some(raw) = &decl.url else { continue };
        let url = &shown(raw);
        let problem = match url::Url::parse(raw) {
            Err(e) => Some(format!("`{url}` is not a valid URL: {e}")),
            Ok(u) if !matches!(u.scheme(), "http" | "https" | "mailto") => Some(format!(
                "`{url}` uses the scheme `{}`; links may use http, https or mailto",
                u.scheme()
            )),
            Ok(u) if u.scheme() != "mailto" && u.host_str().is_none_or(str::is_empty) => {
                Some(format!("`{url}` has no host"))
            }
            Ok(_) => None,
        };
        if let Some(message) = problem {
            out.push(
                Diagnostic::new(
                    Code::InvalidLink,
                    decl.url_span.unwrap_or(decl.span),
                    message,
                )
                .label("invalid link")
                .help("write a full address such as `https://example.com/page`"),
            );
        }
    }
}
