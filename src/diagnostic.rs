//! One diagnostic type for every stage, and its renderings.
//!
//! Stages build [`Diagnostic`]s with a code, a message, a primary labelled
//! span and a help line. The CLI renders them through miette (for people) or
//! as JSON (for machines); nothing else in the compiler formats diagnostics.

use crate::registry::{Code, Severity};
use crate::source::{Sources, Span};
use serde::Serialize;

/// A labelled span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A problem found in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Lowercase, names in backticks.
    pub message: String,
    /// Where the problem is.
    pub primary: Label,
    /// Other places that explain it (the first declaration of a duplicate, ...).
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Sets the text of the primary label.
    pub fn label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    /// Adds a secondary label.
    pub fn with(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file, position and code, and drops exact repeats.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (
            a.primary.span.file,
            a.primary.span.start,
            a.code,
            &a.message,
        )
            .cmp(&(
                b.primary.span.file,
                b.primary.span.start,
                b.code,
                &b.message,
            ))
    });
    diagnostics.dedup();
}

/// The machine-readable form of a diagnostic (`--format json`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<JsonRelated>,
}

/// A secondary location in JSON output.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JsonRelated {
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Diagnostic {
    pub fn to_json(&self, sources: &Sources) -> JsonDiagnostic {
        let file = sources.get(self.primary.span.file);
        let (line, column) = file.line_col(self.primary.span.start as usize);
        let (end_line, end_column) = file.line_col(self.primary.span.end as usize);
        JsonDiagnostic {
            code: self.code.name(),
            severity: self.severity.as_str(),
            message: self.message.clone(),
            file: file.name.clone(),
            line,
            column,
            end_line,
            end_column,
            help: self.help.clone(),
            related: self
                .secondary
                .iter()
                .map(|label| {
                    let file = sources.get(label.span.file);
                    let (line, column) = file.line_col(label.span.start as usize);
                    JsonRelated {
                        message: label.message.clone(),
                        file: file.name.clone(),
                        line,
                        column,
                    }
                })
                .collect(),
        }
    }

    /// Renders for people through miette's graphical handler.
    pub fn render(&self, sources: &Sources, color: bool, width: usize) -> String {
        let report = MietteView::new(self, sources);
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme)
            .with_width(width)
            .with_links(false);
        let mut out = String::new();
        if handler.render_report(&mut out, &report).is_err() {
            out = format!("{}: {}\n", self.code.name(), self.message);
        }
        out
    }
}

/// Adapts a [`Diagnostic`] to miette: the primary file is the source code,
/// labels in other files become related reports.
struct MietteView {
    code: &'static str,
    /// `None` for a related note.
    severity: Option<Severity>,
    message: String,
    help: Option<String>,
    source: miette::NamedSource<String>,
    labels: Vec<miette::LabeledSpan>,
    related: Vec<MietteView>,
}

impl MietteView {
    fn new(d: &Diagnostic, sources: &Sources) -> MietteView {
        let file = d.primary.span.file;
        let mut labels = vec![miette::LabeledSpan::new_primary_with_span(
            non_empty(&d.primary.message),
            d.primary.span.range(),
        )];
        let mut related = Vec::new();
        let f = sources.get(file);
        let (primary_line, _) = f.line_col(d.primary.span.start as usize);
        for label in &d.secondary {
            let (line, _) = sources
                .get(label.span.file)
                .line_col(label.span.start as usize);
            // Far-away labels of the same file get an excerpt of their own.
            if label.span.file == file && line.abs_diff(primary_line) <= 6 {
                labels.push(miette::LabeledSpan::new_with_span(
                    non_empty(&label.message),
                    label.span.range(),
                ));
            } else {
                let f = sources.get(label.span.file);
                related.push(MietteView {
                    code: d.code.name(),
                    severity: None,
                    message: label.message.clone(),
                    help: None,
                    source: miette::NamedSource::new(f.name.clone(), f.text.clone()),
                    labels: vec![miette::LabeledSpan::new_primary_with_span(
                        None,
                        label.span.range(),
                    )],
                    related: Vec::new(),
                });
            }
        }
        MietteView {
            code: d.code.name(),
            severity: Some(d.severity),
            message: d.message.clone(),
            help: d.help.clone(),
            source: miette::NamedSource::new(f.name.clone(), f.text.clone()).with_language(""),
            labels,
            related,
        }
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl std::fmt::Debug for MietteView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for MietteView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView {}

impl miette::Diagnostic for MietteView {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.severity
            .map(|_| Box::new(self.code) as Box<dyn std::fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Some(Severity::Error) => miette::Severity::Error,
            Some(Severity::Warning) => miette::Severity::Warning,
            None => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}
