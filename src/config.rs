//! Project configuration: `Playbook.toml` at the root of a project.
//!
//! ```toml
//! # Locales every playbook must have texts in.
//! locales = ["en", "zh"]
//! # Files to check when a folder is given (globs relative to this file).
//! include = ["playbooks/**"]
//! exclude = ["playbooks/drafts/**"]
//!
//! # The largest source file read (default 16).
//! max-file-size-mib = 64
//!
//! # Per-code levels: allow (silence), warn, deny (make it an error).
//! [levels]
//! missing-metadata = "allow"
//! empty-step = "deny"
//! ```
//!
//! Parsing is pure; finding the file (walking up from the checked paths) is
//! the command line's job.

use crate::diagnostic::Diagnostic;
use crate::registry::{Code, Severity};
use crate::source::{FileId, Span};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The name of the configuration file.
pub const FILE_NAME: &str = "Playbook.toml";

/// What to do with a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Do not report it.
    Allow,
    /// Report it as a warning.
    Warn,
    /// Report it as an error.
    Deny,
}

/// A parsed `Playbook.toml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub locales: Vec<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub levels: BTreeMap<Code, Level>,
    /// The largest source file read, in MiB.
    pub max_file_size_mib: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    locales: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    levels: BTreeMap<toml::Spanned<String>, Level>,
    #[serde(rename = "max-file-size-mib")]
    max_file_size_mib: Option<u64>,
}

impl Config {
    /// Parses a configuration file; problems are diagnostics in that file.
    pub fn parse(file: FileId, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let r = e.span().unwrap_or(0..0);
            vec![
                Diagnostic::new(
                    Code::InvalidConfig,
                    Span::new(file, r.start, r.end),
                    format!("`{FILE_NAME}` is malformed: {}", e.message().trim()),
                )
                .label("here")
                .help("the keys are `locales`, `include`, `exclude`, `max-file-size-mib` and a `[levels]` table of `CODE = \"allow\" | \"warn\" | \"deny\"`"),
            ]
        })?;
        let mut levels = BTreeMap::new();
        let mut problems = Vec::new();
        for (name, level) in raw.levels {
            match Code::from_name(name.get_ref()) {
                Some(code) if !code.is_lint() && level != Level::Deny => {
                    let r = name.span();
                    problems.push(
                        Diagnostic::new(
                            Code::InvalidConfig,
                            Span::new(file, r.start, r.end),
                            format!("`{}` is an error that cannot be silenced", code.name()),
                        )
                        .label("always an error")
                        .help("fix the playbooks instead; only warnings and completeness checks can be allowed"),
                    );
                }
                Some(code) => {
                    levels.insert(code, level);
                }
                None => {
                    let r = name.span();
                    let names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
                    let d = Diagnostic::new(
                        Code::InvalidConfig,
                        Span::new(file, r.start, r.end),
                        format!("`{}` is not a diagnostic code", name.get_ref()),
                    )
                    .label("unknown code");
                    problems.push(
                        match crate::suggest::closest(name.get_ref(), names.iter().copied()) {
                            Some(s) => d.did_you_mean(s),
                            None => {
                                d.help("run `playbook explain CODE` with a code from `docs/rules/`")
                            }
                        },
                    );
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Config {
            locales: raw.locales,
            include: raw.include,
            exclude: raw.exclude,
            levels,
            max_file_size_mib: raw.max_file_size_mib,
        })
    }

    /// The largest source file read, in bytes.
    pub fn max_file_size(&self) -> usize {
        self.max_file_size_mib
            .map(|m| usize::try_from(m.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX))
            .unwrap_or(crate::syntax::MAX_FILE_SIZE)
    }

    /// Applies the levels: drops allowed codes, sets the severity of others.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        diagnostics.retain_mut(|d| match self.levels.get(&d.code) {
            Some(Level::Allow) => false,
            Some(Level::Warn) => {
                d.severity = Severity::Warning;
                true
            }
            Some(Level::Deny) => {
                d.severity = Severity::Error;
                true
            }
            None => true,
        });
    }
}
