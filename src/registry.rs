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
    InvalidTranslation = "invalid-translation", Error, "a translation catalogue is malformed or names texts the playbook lacks";
    PlaceholderMismatch = "placeholder-mismatch", Error, "a `{name}` placeholder in a text refers to nothing, or differs between locales";
    UnknownTranslationKey = "unknown-translation-key", Warning, "a translation catalogue holds a text the playbook no longer has";
    MissingTranslation = "missing-translation", Error, "a declared locale lacks the translation of a text";
    StaleTranslation = "stale-translation", Warning, "a translation was made from an older version of the source text";
    Cycle = "cycle", Error, "definitions or steps depend on themselves";
}
