//! One diagnostic type for every stage, and its renderings.
//!
//! Stages build [`Diagnostic`]s with a code, a message, a primary labelled
//! span and a help line. The CLI renders them through miette (for people) or
//! as JSON (for machines); nothing else in the compiler formats diagnostics.

use crate::registry::{Code, Severity};
use crate::source::{FileId, Sources, Span};
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
    /// For path-sensitive checks: a run of the process that shows the problem.
    pub path: Option<Witness>,
    /// What a fix is made from, as data: readers of a diagnostic (the
    /// language server, SARIF) act on this, never on the wording.
    pub fact: Option<Fact>,
    /// Changes that fix the problem, as an editor would apply them.
    pub fixes: Vec<Fix>,
}

/// The structured part of a diagnostic that its fixes are built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// "did you mean": the name the flagged one is likely a misspelling of.
    Suggestion { name: String },
    /// The values a `match` (the primary span) has no arm for, in order.
    MissingArms { values: Vec<String> },
    /// A text (the primary span) that the catalogue of `locale` lacks.
    MissingTranslation {
        key: String,
        locale: String,
        /// The catalogue file.
        catalogue: FileId,
        /// The source text, which the new translation starts as.
        source: String,
    },
}

/// A change that fixes a problem: a title for a menu and its edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

/// Replaces the text of `span` (empty to insert) with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// A counterexample: values of inputs and answers, and the steps that run
/// with them, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Witness {
    /// `(name, value)` pairs, as they would be given to a run.
    pub values: Vec<(String, String)>,
    /// The steps that run, in order, with where each is declared.
    pub steps: Vec<(String, Span)>,
    /// Every input and answer of the run the witness describes (including
    /// those whose value does not matter), to replay it.
    #[serde(skip)]
    pub run: Vec<(String, String)>,
}

impl Witness {
    /// `account-team-known = false, region = emea`.
    pub fn describe_values(&self) -> String {
        if self.values.is_empty() {
            return "whatever the inputs".to_string();
        }
        self.values
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The witness in one line, as every output writes it: `path: prepare
    /// -> conduct, when ready-for-more = false`.
    pub fn describe(&self) -> String {
        match (self.steps.is_empty(), self.values.is_empty()) {
            (true, _) => format!("for example when {}", self.describe_values()),
            (false, true) => format!("path: {}, whatever the inputs", self.describe_steps()),
            (false, false) => format!(
                "path: {}, when {}",
                self.describe_steps(),
                self.describe_values()
            ),
        }
    }

    /// `prepare -> conduct`.
    pub fn describe_steps(&self) -> String {
        if self.steps.is_empty() {
            return "no step runs".to_string();
        }
        self.steps
            .iter()
            .map(|(s, _)| s.as_str())
            .collect::<Vec<_>>()
            .join(" -> ")
    }
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
            path: None,
            fact: None,
            fixes: Vec::new(),
        }
    }

    /// "did you mean `name`?": the help line, the suggestion as a fact, and
    /// the fix that writes `name` in place of the primary span.
    pub fn did_you_mean(mut self, name: impl Into<String>) -> Diagnostic {
        let name = name.into();
        self.help = Some(format!("did you mean `{name}`?"));
        self.fixes.push(Fix {
            title: format!("Change to `{name}`"),
            edits: vec![Edit {
                span: self.primary.span,
                text: name.clone(),
            }],
        });
        self.fact = Some(Fact::Suggestion { name });
        self
    }

    /// Attaches a fact that fixes are built from.
    pub fn fact(mut self, fact: Fact) -> Diagnostic {
        self.fact = Some(fact);
        self
    }

    /// Adds a fix.
    pub fn fix(mut self, fix: Fix) -> Diagnostic {
        self.fixes.push(fix);
        self
    }

    /// Attaches the counterexample path.
    pub fn witness(mut self, witness: Witness) -> Diagnostic {
        self.path = Some(witness);
        self
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<JsonPath>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<JsonFix>,
    /// The text the primary span covers, for fingerprints that survive
    /// lines moving (SARIF's `partialFingerprints`).
    #[serde(skip)]
    pub flagged: String,
    /// The counterexample in one line, as people read it
    /// ([`Witness::describe`]), for outputs without structure.
    #[serde(skip)]
    pub witness: Option<String>,
}

/// A fix in JSON output.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JsonFix {
    pub title: String,
    pub edits: Vec<JsonEdit>,
}

/// An edit in JSON output: the text from `line`:`column` up to
/// `end_line`:`end_column` (the same place to insert) becomes `text`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JsonEdit {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub text: String,
}

/// A counterexample in JSON output.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JsonPath {
    /// Input and answer values, by name.
    pub values: std::collections::BTreeMap<String, String>,
    /// The steps that run, in order.
    pub steps: Vec<String>,
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
            path: self.path.as_ref().map(|w| JsonPath {
                values: w.values.iter().cloned().collect(),
                steps: w.steps.iter().map(|(s, _)| s.clone()).collect(),
            }),
            fixes: self
                .fixes
                .iter()
                .map(|fix| JsonFix {
                    title: fix.title.clone(),
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| {
                            let file = sources.get(e.span.file);
                            let (line, column) = file.line_col(e.span.start as usize);
                            let (end_line, end_column) = file.line_col(e.span.end as usize);
                            JsonEdit {
                                file: file.name.clone(),
                                line,
                                column,
                                end_line,
                                end_column,
                                text: e.text.clone(),
                            }
                        })
                        .collect(),
                })
                .collect(),
            witness: self.path.as_ref().map(Witness::describe),
            flagged: file
                .text
                .get(self.primary.span.range())
                .unwrap_or_default()
                .to_string(),
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
struct MietteView<'s> {
    code: &'static str,
    /// `None` for a related note.
    severity: Option<Severity>,
    message: String,
    help: Option<String>,
    source: Excerpt<'s>,
    labels: Vec<miette::LabeledSpan>,
    related: Vec<MietteView<'s>>,
}

impl<'s> MietteView<'s> {
    fn new(d: &Diagnostic, sources: &'s Sources) -> MietteView<'s> {
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
                    message: printable(&label.message),
                    help: None,
                    source: Excerpt::of(f),
                    labels: vec![miette::LabeledSpan::new_primary_with_span(
                        None,
                        label.span.range(),
                    )],
                    related: Vec::new(),
                });
            }
        }
        if let Some(w) = &d.path {
            related.push(MietteView {
                code: d.code.name(),
                severity: None,
                message: w.describe(),
                help: None,
                source: Excerpt::empty(&f.name),
                labels: Vec::new(),
                related: Vec::new(),
            });
        }
        MietteView {
            code: d.code.name(),
            severity: Some(d.severity),
            message: printable(&d.message),
            help: d.help.as_deref().map(printable),
            source: Excerpt::of(f),
            labels,
            related,
        }
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| printable(s))
}

/// A message safe to print on a terminal: control and invisible characters
/// are written as `\u{..}` escapes.
fn printable(s: &str) -> String {
    crate::escape::terminal(s).into_owned()
}

/// The part of a file miette shows: found through the line index, so that
/// rendering a diagnostic costs the size of its excerpt, not of the file;
/// taken from the file's terminal-safe text.
struct Excerpt<'s> {
    name: String,
    text: &'s str,
    line_starts: &'s [u32],
}

impl<'s> Excerpt<'s> {
    fn of(file: &'s crate::source::SourceFile) -> Excerpt<'s> {
        Excerpt {
            name: file.name.clone(),
            text: file.display_text(),
            line_starts: file.line_starts(),
        }
    }

    fn empty(name: &str) -> Excerpt<'s> {
        Excerpt {
            name: name.to_string(),
            text: "",
            line_starts: &[0],
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1)
    }
}

impl miette::SourceCode for Excerpt<'_> {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let start = span.offset().min(self.text.len());
        let end = (span.offset() + span.len()).min(self.text.len());
        let first = self.line_of(start).saturating_sub(before + 1);
        let last = self.line_of(end) + after + 2;
        let window_start = self.line_starts[first] as usize;
        let window_end = self
            .line_starts
            .get(last)
            .map(|&e| e as usize)
            .unwrap_or(self.text.len());
        let window = &self.text.as_bytes()[window_start..window_end];
        let local = miette::SourceSpan::new((start - window_start).into(), end - start);
        let inner = <[u8] as miette::SourceCode>::read_span(window, &local, before, after)?;
        let contents = miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            miette::SourceSpan::new(
                (inner.span().offset() + window_start).into(),
                inner.span().len(),
            ),
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        );
        Ok(Box::new(contents))
    }
}

impl std::fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
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
