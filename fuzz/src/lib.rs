//! The promises the fuzz targets check, shared with the stable randomised
//! test (`tests/it/randomised.rs` includes this file by path), so that both
//! hold the compiler to the same rules:
//!
//! - compiling any bytes ends in a model without errors, or in at least one
//!   error and no model; never a panic; every diagnostic has a line and a
//!   column inside its file, and renders;
//! - formatting a text the compiler parses, then compiling the result,
//!   gives the same model and the same diagnostics (code and message), and
//!   formatting the result again changes nothing.
//!
//! Pure: the root file comes from the fuzzer's bytes, the shipped `fasttrack`
//! catalogue and the translation catalogues from the binary itself.

use playbook::fmt::Error;
use playbook::source::FileId;
use playbook::{Compilation, Loader};
use std::path::Path;

/// Where the fuzzed file claims to live: beside the shipped playbooks, so
/// that their `use "common/fasttrack.playbook"` and translations resolve.
pub const ROOT: &str = "playbooks/fuzzed.playbook";

/// The files a fuzzed playbook may `use` or translate with.
const LIBRARY: &[(&str, &[u8])] = &[
    (
        "playbooks/common/fasttrack.playbook",
        include_bytes!("../../playbooks/common/fasttrack.playbook"),
    ),
    (
        "playbooks/common/fasttrack.zh.toml",
        include_bytes!("../../playbooks/common/fasttrack.zh.toml"),
    ),
    (
        "playbooks/engagement-completion-enablement.zh.toml",
        include_bytes!("../../playbooks/engagement-completion-enablement.zh.toml"),
    ),
    (
        "playbooks/engagement-completion-migration.zh.toml",
        include_bytes!("../../playbooks/engagement-completion-migration.zh.toml"),
    ),
];

/// Serves the fuzzed bytes as [`ROOT`] and the library from memory.
struct InMemory<'a>(&'a [u8]);

impl Loader for InMemory<'_> {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        if path == Path::new(ROOT) {
            return Ok(self.0.to_vec());
        }
        LIBRARY
            .iter()
            .find(|(name, _)| path == Path::new(name))
            .map(|(_, bytes)| bytes.to_vec())
            .ok_or_else(|| "no such file".to_string())
    }
}

/// What a compilation means: the model as JSON, and the code and message of
/// each diagnostic.
#[derive(Debug, PartialEq, Eq)]
pub struct Meaning {
    pub model: Option<String>,
    pub diagnostics: Vec<String>,
}

/// How many diagnostics of one compilation are rendered as a terminal
/// would show them (rendering is the slow path; a few prove it works).
const RENDERED: usize = 3;

/// Compiles `bytes` as [`ROOT`] and checks the compiler's promises on the
/// result. Panics (a finding) when one is broken.
pub fn compile(bytes: &[u8]) -> Compilation {
    let c = playbook::compile(Path::new(ROOT), &InMemory(bytes))
        .expect("the root file is always readable");
    let errors = c.errors();
    match &c.model {
        Some(_) => assert_eq!(errors, 0, "a model with {errors} errors"),
        None => assert!(
            errors > 0 || is_catalogue(&c),
            "neither a model nor an error: {:?}",
            codes(&c)
        ),
    }
    for (i, d) in c.diagnostics.iter().enumerate() {
        let j = d.to_json(&c.sources);
        assert!(
            j.line >= 1 && j.column >= 1 && (j.end_line, j.end_column) >= (j.line, j.column),
            "{} at {}:{}-{}:{}",
            j.code,
            j.line,
            j.column,
            j.end_line,
            j.end_column
        );
        if i < RENDERED {
            assert!(!d.render(&c.sources, false, 80).is_empty());
        }
    }
    c
}

/// A file that declares a catalogue compiles to no model and may have no
/// error: it is only checked when a playbook uses it.
fn is_catalogue(c: &Compilation) -> bool {
    c.sources.iter().next().is_some_and(|(_, f)| {
        f.text
            .trim_start_matches('\u{FEFF}')
            .trim_start()
            .starts_with("catalogue")
    })
}

fn codes(c: &Compilation) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code.name()).collect()
}

/// Whether `d` flags a character of the layout: whitespace or the
/// byte-order mark. The formatter rewrites the layout (every line ends in
/// LF, spaces are its own, the mark is dropped), so such a warning may go
/// away where the character stood between tokens.
fn about_layout(c: &Compilation, d: &playbook::diagnostic::Diagnostic) -> bool {
    d.code.name() == "suspicious-character"
        && c.sources
            .slice(d.primary.span)
            .chars()
            .all(|ch| ch.is_whitespace() || ch == '\u{FEFF}')
}

/// What `c` means: warnings about layout characters aside.
pub fn meaning(c: &Compilation) -> Meaning {
    Meaning {
        model: c
            .model
            .as_ref()
            .map(|m| serde_json::to_string(m).expect("models serialise")),
        diagnostics: c
            .diagnostics
            .iter()
            .filter(|d| !about_layout(c, d))
            .map(|d| format!("{} {}", d.code.name(), d.message))
            .collect(),
    }
}

/// Compiles `bytes`, formats them, compiles the formatted text, and checks
/// that formatting kept the meaning and is idempotent. Returns whether the
/// formatter accepted the text.
pub fn format_then_recompile(bytes: &[u8]) -> bool {
    let before = compile(bytes);
    let Ok(text) = playbook::syntax::decode(FileId(0), bytes, playbook::syntax::MAX_FILE_SIZE)
    else {
        return false;
    };
    let out = match playbook::fmt::format(FileId(0), &text) {
        Ok(out) => out,
        Err(Error::Syntax(_)) => {
            assert!(
                before.model.is_none(),
                "refused as not parsing, but it compiles"
            );
            return false;
        }
        Err(Error::Internal(reason)) => panic!("the formatter failed: {reason}"),
    };
    let after = compile(out.as_bytes());
    assert_eq!(
        meaning(&before),
        meaning(&after),
        "formatting changed the meaning; formatted:\n{out}"
    );
    match playbook::fmt::format(FileId(0), &out) {
        Ok(again) => assert_eq!(again, out, "formatting twice changed the text"),
        Err(e) => panic!("the formatted text is refused: {e:?}"),
    }
    true
}
