//! Translation catalogues: one TOML file per locale, keyed by stable text keys.
//!
//! ```toml
//! locale = "zh"
//!
//! [texts]
//! "step.prepare" = { text = "准备接洽讨论对话（启用）", source = "Prepare for Engagement Discussion Conversation (enablement)" }
//! ```
//!
//! `source` is the source text the translation was made from. When the
//! source text changes, the translation is stale until someone updates it
//! (and its `source`).

use crate::diagnostic::Diagnostic;
use crate::registry::Code;
use crate::source::{FileId, Span};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A parsed translation catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    pub locale: String,
    pub file: FileId,
    pub texts: BTreeMap<String, Translated>,
}

/// One translated text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    pub text: String,
    /// The source text it was translated from.
    pub source: Option<String>,
    /// Where its key is written.
    pub span: Span,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    locale: toml::Spanned<String>,
    #[serde(default)]
    texts: BTreeMap<toml::Spanned<String>, RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    text: String,
    source: Option<String>,
}

/// Parses a catalogue and checks that it is for the locale that names it.
pub fn parse(
    file: FileId,
    text: &str,
    locale: &str,
    declared_at: Span,
) -> (Option<Catalogue>, Vec<Diagnostic>) {
    let raw: Raw = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let range = e.span().unwrap_or(0..0);
            let message = e.message().trim().to_string();
            return (
                None,
                vec![
                    Diagnostic::new(
                        Code::InvalidTranslation,
                        Span::new(file, range.start, range.end),
                        format!("the translation catalogue is malformed: {message}"),
                    )
                    .label("here")
                    .with(declared_at, "the catalogue is named here")
                    .help(
                        "a catalogue has `locale = \"..\"` and a `[texts]` table of `KEY = { text = \"..\", source = \"..\" }`",
                    ),
                ],
            );
        }
    };
    let mut diagnostics = Vec::new();
    if raw.locale.get_ref() != locale {
        let r = raw.locale.span();
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidTranslation,
                Span::new(file, r.start, r.end),
                format!(
                    "this catalogue is for locale `{}`, but it is named as the `{locale}` translation",
                    raw.locale.get_ref()
                ),
            )
            .label("locale of the catalogue")
            .with(declared_at, "named here")
            .help("make the `locale` of the catalogue and the `translation` statement agree"),
        );
    }
    let texts = raw
        .texts
        .into_iter()
        .map(|(key, value)| {
            let r = key.span();
            (
                key.into_inner(),
                Translated {
                    text: value.text,
                    source: value.source,
                    span: Span::new(file, r.start, r.end),
                },
            )
        })
        .collect();
    (
        Some(Catalogue {
            locale: locale.to_string(),
            file,
            texts,
        }),
        diagnostics,
    )
}
