//! `invalid-link`: a malformed URL, or one whose scheme is not http, https
//! or mailto.
//!
//! Why: links end up in published documents and emails; a broken or
//! `javascript:` link is at best useless and at worst harmful.

use super::Analysis;
use crate::diagnostic::Diagnostic;
use crate::registry::Code;

pub fn run(a: &Analysis, out: &mut Vec<Diagnostic>) {
    for decl in a.model.templates.iter().chain(&a.model.links) {
        let Some(url) = &decl.url else { continue };
        let problem = match url::Url::parse(url) {
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
