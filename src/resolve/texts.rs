//! Texts across locales: every text the model holds is built here, so this is
//! where missing, stale and orphaned translations are found.

use super::Module;
use crate::ast::{self, StmtKind};
use crate::diagnostic::{Diagnostic, Fact};
use crate::i18n::Catalogue;
use crate::ir::LText;
use crate::registry::Code;
use crate::source::Span;
use crate::syntax::placeholders;
use rustc_hash::FxHashSet;
use std::collections::BTreeSet;

/// The locale a file is written in when it does not say.
pub const DEFAULT_LOCALE: &str = "en";

struct Requested {
    module: usize,
    key: String,
    source: String,
    span: Span,
}

pub struct TextTable {
    source_locales: Vec<String>,
    /// Catalogues by module.
    catalogues: Vec<(usize, Catalogue)>,
    requested: Vec<Requested>,
}

impl TextTable {
    pub fn new(modules: &[Module], translations: &[(usize, Catalogue)]) -> TextTable {
        let source_locales = modules
            .iter()
            .map(|m| {
                m.tree
                    .body
                    .iter()
                    .find_map(|s| match &s.kind {
                        StmtKind::Locale(id) => Some(id.name.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| DEFAULT_LOCALE.to_string())
            })
            .collect();
        TextTable {
            source_locales,
            catalogues: translations.to_vec(),
            requested: Vec::new(),
        }
    }

    pub fn source_locale(&self, module: usize) -> &str {
        &self.source_locales[module]
    }

    /// The source locale of the root, then every translated locale.
    pub fn all_locales(&self) -> Vec<String> {
        let mut locales = vec![self.source_locales[0].clone()];
        let others: BTreeSet<&String> = self.catalogues.iter().map(|(_, c)| &c.locale).collect();
        for l in others {
            if !locales.contains(l) {
                locales.push(l.clone());
            }
        }
        locales
    }

    /// Builds the text `key` of `module` in every locale it has.
    pub fn text(&mut self, module: usize, key: &str, source: &ast::Text) -> LText {
        let mut text = crate::ir::Localized::new();
        text.insert(self.source_locales[module].clone(), source.value.clone());
        let mut translated = false;
        for (m, catalogue) in &self.catalogues {
            if *m == module {
                translated = true;
                if let Some(t) = catalogue.texts.get(key) {
                    text.insert(catalogue.locale.clone(), t.text.clone());
                }
            }
        }
        // Only a module with catalogues has translations to check: the
        // text of one without is not kept twice.
        if translated {
            self.requested.push(Requested {
                module,
                key: key.to_string(),
                source: source.value.clone(),
                span: source.span,
            });
        }
        LText {
            key: key.to_string(),
            text,
        }
    }

    /// Reports missing, stale and orphaned translations, and placeholders
    /// that differ between a text and its translation.
    pub fn check(&self, modules: &[Module], diagnostics: &mut Vec<Diagnostic>) {
        let mut used: FxHashSet<(usize, &str)> = FxHashSet::default();
        for r in &self.requested {
            for (index, (m, catalogue)) in self.catalogues.iter().enumerate() {
                if *m != r.module {
                    continue;
                }
                let Some(t) = catalogue.texts.get(&r.key) else {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::MissingTranslation,
                            r.span,
                            format!("text `{}` has no `{}` translation", r.key, catalogue.locale),
                        )
                        .label(format!("not translated into `{}`", catalogue.locale))
                        .help(format!(
                            "add `\"{}\" = {{ text = \"...\", source = \"...\" }}` to the `{}` catalogue",
                            r.key, catalogue.locale
                        ))
                        .fact(Fact::MissingTranslation {
                            key: r.key.clone(),
                            locale: catalogue.locale.clone(),
                            catalogue: catalogue.file,
                            source: r.source.clone(),
                        }),
                    );
                    continue;
                };
                used.insert((index, r.key.as_str()));
                if t.source.as_deref() != Some(r.source.as_str()) {
                    let message = match &t.source {
                        Some(_) => format!(
                            "the `{}` translation of `{}` was made from an older source text",
                            catalogue.locale, r.key
                        ),
                        None => format!(
                            "the `{}` translation of `{}` does not say which source text it translates",
                            catalogue.locale, r.key
                        ),
                    };
                    diagnostics.push(
                        Diagnostic::new(Code::StaleTranslation, t.span, message)
                            .label("translation")
                            .with(r.span, "current source text")
                            .help(
                                "update the translation, then set its `source` to the current source text",
                            ),
                    );
                }
                let mut want: Vec<String> = placeholders(&r.source)
                    .into_iter()
                    .map(|p| p.name)
                    .collect();
                let mut have: Vec<String> =
                    placeholders(&t.text).into_iter().map(|p| p.name).collect();
                want.sort();
                want.dedup();
                have.sort();
                have.dedup();
                if want != have {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::PlaceholderMismatch,
                            t.span,
                            format!(
                                "the `{}` translation of `{}` uses {} where the source text uses {}",
                                catalogue.locale,
                                r.key,
                                list(&have),
                                list(&want)
                            ),
                        )
                        .label("translation")
                        .with(r.span, "source text")
                        .help("use the same `{name}` placeholders as the source text"),
                    );
                }
            }
        }
        let requested: FxHashSet<(usize, &str)> = self
            .requested
            .iter()
            .map(|r| (r.module, r.key.as_str()))
            .collect();
        for (index, (m, catalogue)) in self.catalogues.iter().enumerate() {
            for (key, t) in &catalogue.texts {
                if !used.contains(&(index, key.as_str()))
                    && !requested.contains(&(*m, key.as_str()))
                {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::UnknownTranslationKey,
                            t.span,
                            format!("`{key}` is not a text of `{}`", modules[*m].tree.id.name),
                        )
                        .label("no such text")
                        .help("remove it, or rename it after the text's current id"),
                    );
                }
            }
        }
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "no placeholder".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("`{{{n}}}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
