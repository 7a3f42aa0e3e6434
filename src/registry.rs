//! The one table of diagnostic codes.
//!
//! A code is a stable kebab-case name that users can search for, silence in
//! `Playbook.toml`, and look up with `playbook explain CODE`. Its default
//! severity and one-line summary live here and nowhere else.

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal, $severity:ident, $summary:literal; )*) => {
        /// Every diagnostic code the compiler can emit.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Code {
            /// All codes, in registry order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable name users see.
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The severity a diagnostic has unless configuration changes it.
            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// One line saying what the code reports.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// Looks a code up by its name.
            pub fn from_name(name: &str) -> Option<Code> {
                match name { $( $name => Some(Code::$variant), )* _ => None }
            }

            /// The documentation of the code, in Markdown: the sections
            /// `## What it does`, `## Why is this bad`, `## Example` and
            /// `## Configuration`, from `src/rules/<name>.md`.
            pub fn doc(self) -> &'static str {
                match self { $( Code::$variant => include_str!(concat!("rules/", $name, ".md")), )* }
            }
        }
    };
}

codes! {
    // Reading files.
    FileTooLarge = "file-too-large", Error, "a source file is larger than the compiler accepts";
    InvalidUtf8 = "invalid-utf8", Error, "a source file is not valid UTF-8";

    // Syntax.
    SyntaxError = "syntax-error", Error, "the text does not follow the grammar of the language";
    UnclosedBlock = "unclosed-block", Error, "a `{` or `(` is never closed";
    UnexpectedClose = "unexpected-close", Error, "a `}` or `)` closes nothing";
    UnterminatedString = "unterminated-string", Error, "a string or text block has no closing quote";
    NestingTooDeep = "nesting-too-deep", Error, "blocks or expressions are nested deeper than the compiler accepts";
    InvalidLiteral = "invalid-literal", Error, "a number, date or escape sequence is out of range or malformed";
    MisplacedStatement = "misplaced-statement", Error, "a statement stands where it has no meaning";
    MissingStatement = "missing-statement", Error, "a block lacks a statement it requires";
    DuplicateStatement = "duplicate-statement", Error, "a statement that may appear once appears twice";
    ReservedWord = "reserved-word", Error, "a keyword of the expression language is used as an id";
    SuspiciousCharacter = "suspicious-character", Warning, "a text contains an invisible or bidirectional control character";

    // Names and types.
    UndefinedReference = "undefined-reference", Error, "a name refers to nothing declared";
    DuplicateId = "duplicate-id", Error, "two declarations of the same kind share an id";
    TypeMismatch = "type-mismatch", Error, "an expression has a type its context cannot accept";
    ImportError = "import-error", Error, "a `use` or `translation` file cannot be loaded";
    ImportCycle = "import-cycle", Error, "files `use` each other in a cycle";
    InvalidTranslation = "invalid-translation", Error, "a translation catalogue is malformed or is for another locale";
    PlaceholderMismatch = "placeholder-mismatch", Error, "a `{name}` placeholder in a text refers to nothing, or differs between locales";
    UnknownTranslationKey = "unknown-translation-key", Warning, "a translation catalogue holds a text the playbook no longer has";
    MissingTranslation = "missing-translation", Error, "a declared locale lacks the translation of a text";
    StaleTranslation = "stale-translation", Warning, "a translation was made from an older version of the source text";
    Cycle = "cycle", Error, "definitions, steps or items depend on themselves";

    // Completeness of the step graph.
    UnreachableStep = "unreachable-step", Error, "a step that no combination of inputs and answers can reach";
    MissingOwner = "missing-owner", Error, "a step has no owner role";
    TaskRoleMismatch = "task-role-mismatch", Error, "a task is completed in a step whose owner and participants do not include the task's role";
    UnassignedMandatoryTask = "unassigned-mandatory-task", Error, "a mandatory task that no item completes";
    MandatoryTaskNotOnEveryPath = "mandatory-task-not-on-every-path", Error, "a mandatory task that some path through the process skips";
    GateUnsatisfied = "gate-unsatisfied", Error, "an entry criterion that is not recorded, on some path, before its step starts";
    OrderingViolation = "ordering-violation", Error, "an item that must wait for another item or for evidence that some path never provides";
    DecisionNotAsked = "decision-not-asked", Error, "a condition reads a decision that, on some path, is not asked before it";
    NonExhaustiveBranch = "non-exhaustive-branch", Error, "a `match` that misses a value, or conditions that leave a gap";
    OverlappingBranch = "overlapping-branch", Error, "`match` arms that can hold at the same time";
    UnusedDeclaration = "unused-declaration", Warning, "a role, note, template, link, field, input, definition or decision that nothing uses";
    InvalidLink = "invalid-link", Error, "a malformed URL, or a scheme other than http, https and mailto";
    EmptyStep = "empty-step", Warning, "a step with no items";
    MissingMetadata = "missing-metadata", Warning, "a playbook lacks a description, phase, owner, author or revision date";
    HistoryOutOfOrder = "history-out-of-order", Warning, "history entries are not in date order";
    AnalysisLimit = "analysis-limit", Warning, "a question about the paths of a playbook needs more scenarios than the checks enumerate";

    // Importing Markdown.
    ImportUnrecognised = "import-unrecognised", Warning, "`playbook import` met Markdown it could not map, and kept it as text";
    TranslationDrift = "translation-drift", Warning, "`playbook import --merge` found two languages of a playbook that disagree";

    // Configuration.
    InvalidConfig = "invalid-config", Error, "`Playbook.toml` is malformed or names an unknown code";

    // Runs.
    InvalidRunState = "invalid-run-state", Error, "a run's state file is malformed or contradicts itself";
}

impl Code {
    /// Whether configuration may lower the code: warnings and the
    /// completeness checks may be allowed; errors that leave no model
    /// (syntax, names, types) may not.
    pub fn is_lint(self) -> bool {
        self.default_severity() == Severity::Warning
            || matches!(
                self,
                Code::UnreachableStep
                    | Code::MissingOwner
                    | Code::TaskRoleMismatch
                    | Code::UnassignedMandatoryTask
                    | Code::MandatoryTaskNotOnEveryPath
                    | Code::GateUnsatisfied
                    | Code::OrderingViolation
                    | Code::DecisionNotAsked
                    | Code::NonExhaustiveBranch
                    | Code::OverlappingBranch
                    | Code::InvalidLink
                    | Code::MissingTranslation
            )
    }
}

impl Code {
    /// The full rule page, as shown by `playbook explain CODE` and written to
    /// `docs/rules/<name>.md`: a heading, the severity and summary, the doc.
    pub fn page(self) -> String {
        let severity = match self.default_severity() {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        let how = if self.is_lint() {
            " by default"
        } else {
            ", always"
        };
        format!(
            "# {}\n\n**{severity}**{how}: {}.\n\n{}\n",
            self.name(),
            self.summary(),
            self.doc().trim()
        )
    }
}

/// The index of every code, written to `docs/rules/README.md`: a table of
/// codes, severities and summaries, how `Playbook.toml` changes levels, and
/// the shape of `playbook check --format json`.
pub fn rules_index() -> String {
    let mut out = String::new();
    out.push_str(
        "<!-- Generated from src/registry.rs and src/rules/*.md; regenerate with \
         `UPDATE_RULE_DOCS=1 cargo test --test it rules_doc`. -->\n\n\
         # Diagnostic codes\n\n\
         Every problem `playbook check` reports has a stable code. Each page below says \
         what the code reports, why it matters, shows a playbook that triggers it and \
         how to fix it, and whether `Playbook.toml` can change its level. The same page \
         is printed by `playbook explain CODE`; `playbook explain --list` lists the codes.\n\n\
         | Code | Severity | Configurable | Summary |\n\
         | --- | --- | --- | --- |\n",
    );
    for code in Code::ALL {
        out.push_str(&format!(
            "| [`{0}`]({0}.md) | {1} | {2} | {3} |\n",
            code.name(),
            code.default_severity().as_str(),
            if code.is_lint() { "yes" } else { "no" },
            code.summary().replace('|', "\\|"),
        ));
    }
    out.push_str(
        r#"
## Levels in `Playbook.toml`

A `Playbook.toml` file at the root of a project can change the level of a
code in its `[levels]` table: `"allow"` stops reporting it, `"warn"` reports
it as a warning, and `"deny"` reports it as an error.

```toml
[levels]
missing-metadata = "allow"
empty-step = "deny"
unreachable-step = "warn"
```

Only the codes marked *configurable* above can be allowed or lowered to a
warning: the warnings and the completeness checks of the step graph. The
other errors leave no usable playbook and always stay errors; naming one of
them with `"allow"` or `"warn"` is an `invalid-config` error, and so is a
name that is not a code. `playbook check --deny-warnings` fails on the
warnings that remain.

## JSON output

`playbook check --format json` prints one JSON document on standard output:

```json
{
  "diagnostics": [
    {
      "code": "mandatory-task-not-on-every-path",
      "severity": "error",
      "message": "mandatory task 4058 is not completed when `known` is false",
      "file": "playbooks/close.playbook",
      "line": 5,
      "column": 8,
      "end_line": 5,
      "end_column": 12,
      "help": "complete the task on every branch, or move `complete task` out of the condition",
      "related": [
        { "message": "completed only here, under conditions that do not always hold",
          "file": "playbooks/close.playbook", "line": 9, "column": 10 }
      ],
      "path": { "values": { "known": "false" }, "steps": ["close"] }
    }
  ],
  "summary": { "files": 1, "errors": 1, "warnings": 0 }
}
```

- `code` is one of the codes above; `severity` is `"error"` or `"warning"`,
  after `Playbook.toml` levels are applied.
- `line` and `column` (from 1) locate the start of the problem, `end_line`
  and `end_column` its end; `file` is the path as given to `playbook check`.
- `help` says how to fix it, or is `null`.
- `related` lists other places that explain the problem (the first
  declaration of a duplicate, the items that complete a task); it is left
  out when there are none.
- `fixes` lists the edits that resolve the problem, where the tool knows
  them (the name a "did you mean" suggests, the arms a `match` statement
  lacks, the key a catalogue lacks): each has a `title` and `edits`, each
  edit a `file`, `line`, `column`, `end_line`, `end_column` and the `text`
  that replaces that range (an empty range inserts). The editor's quick
  fixes are the same edits. It is left out when there are none.
- `path` is given by the checks that follow the runs of a process: the
  values of inputs and answers (`values`) that lead to the problem, and the
  steps that run with them, in order (`steps`). It is left out otherwise.
- `summary` counts the files checked and the errors and warnings reported.
"#,
    );
    out
}
