//! The formatter: snapshots of formatted fixtures, the two promises
//! (formatting never changes what a file means, and formatting twice changes
//! nothing more) on every shipped playbook, fixture and documentation
//! example and on generated playbooks under random layouts, and
//! `playbook fmt` as a process.
//!
//! "What a file means" is the compiled model as JSON, with the code and
//! message of every diagnostic: a file that compiles compiles to the same
//! model after formatting, and a file with problems keeps exactly its
//! problems.

use crate::language_doc::{Expect, document, examples};
use assert_cmd::Command;
use playbook::Loader;
use playbook::fmt::Error;
use playbook::fs::FsLoader;
use playbook::source::FileId;
use predicates::prelude::*;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

const FIXTURES: &str = "tests/fixtures/fmt";

/// Formats `text`, failing the test with the reason when it is refused.
fn format(text: &str) -> String {
    match playbook::fmt::format(FileId(0), text) {
        Ok(out) => out,
        Err(Error::Syntax(d)) => panic!("refused as not parsing: {d:?}"),
        Err(Error::Internal(reason)) => panic!("formatter failure: {reason}"),
    }
}

/// Reads the file at `path` as `text`, and every other file from disk: a
/// file's `use`d catalogues and translations are found beside it.
struct Overlay<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Loader for Overlay<'_> {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        if path == self.path {
            Ok(self.text.as_bytes().to_vec())
        } else {
            FsLoader::default().read(path)
        }
    }
}

/// What `text` means when compiled as the file at `path`: its model as JSON
/// (when it compiles) and the code and message of each diagnostic.
#[derive(Debug, PartialEq, Eq)]
struct Meaning {
    model: Option<String>,
    diagnostics: Vec<String>,
}

///
/// Each compilation runs on a thread of its own, as each `playbook check`
/// runs in a process of its own: the checks share one solver per thread,
/// whose state after earlier questions can change whether a hard question
/// fits its resource limit (an `analysis-limit` on one side only).
fn meaning(path: &Path, text: &str) -> Meaning {
    std::thread::scope(|s| {
        s.spawn(|| meaning_here(path, text))
            .join()
            .expect("the compilation does not panic")
    })
}

fn meaning_here(path: &Path, text: &str) -> Meaning {
    let c = playbook::compile(path, &Overlay { path, text }).expect("the overlay reads the file");
    Meaning {
        model: c
            .model
            .as_ref()
            .map(|m| serde_json::to_string(m).expect("models serialise")),
        diagnostics: c
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code.name(), d.message))
            .collect(),
    }
}

/// Checks both promises on one text: `None` when the formatter refuses it
/// (which only a text with errors may be), else the formatted text.
fn check_promises(path: &Path, text: &str) -> Option<String> {
    let before = meaning(path, text);
    let out = match playbook::fmt::format(FileId(0), text) {
        Ok(out) => out,
        Err(Error::Syntax(_)) => {
            assert!(
                before.model.is_none(),
                "{}: refused, but it compiles",
                path.display()
            );
            return None;
        }
        Err(Error::Internal(reason)) => panic!("{}: {reason}", path.display()),
    };
    assert_eq!(
        before,
        meaning(path, &out),
        "{}: formatting changed what the file means; formatted:\n{out}",
        path.display()
    );
    assert_eq!(
        format(&out),
        out,
        "{}: formatting twice changed the text",
        path.display()
    );
    Some(out)
}

/// The `.playbook` files below `dir`, sorted.
fn playbooks_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).expect("list folder") {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "playbook") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Every input the promises are checked on: its path (a documentation
/// example gets a made-up one), its text, and whether it must be formatted
/// (rather than refused for its errors).
struct Input {
    path: PathBuf,
    text: String,
    must_format: bool,
}

static CORPUS: LazyLock<Vec<Input>> = LazyLock::new(|| {
    let mut inputs = Vec::new();
    for (dir, must_format) in [
        ("playbooks", true),
        ("tests/fixtures/valid", true),
        (FIXTURES, true),
        ("tests/fixtures/invalid", false),
    ] {
        for path in playbooks_below(Path::new(dir)) {
            // The invalid-UTF-8 fixtures are not text.
            if let Ok(text) = std::fs::read_to_string(&path) {
                inputs.push(Input {
                    path,
                    text,
                    must_format,
                });
            }
        }
    }
    for example in examples(&document()) {
        inputs.push(Input {
            path: PathBuf::from(format!("docs/language.md:{}", example.line)),
            text: example.text,
            must_format: example.expect == Expect::Clean,
        });
    }
    inputs
});

// ---------------------------------------------------------------------------
// Snapshots of the canonical layout
// ---------------------------------------------------------------------------

/// Each fixture of `tests/fixtures/fmt/`, formatted: a snapshot named after
/// it. Each compiles without errors, so the promises are checked on models.
#[test]
fn formatted_fixtures() {
    let fixtures = playbooks_below(Path::new(FIXTURES));
    assert!(fixtures.len() >= 6, "{} fixtures", fixtures.len());
    for path in fixtures {
        let text = std::fs::read_to_string(&path).expect("read fixture");
        assert!(
            meaning(&path, &text).model.is_some(),
            "{} does not compile",
            path.display()
        );
        let out = check_promises(&path, &text).expect("formatted");
        let name = path.file_stem().expect("a name").to_string_lossy();
        insta::assert_snapshot!(name.as_ref(), out);
    }
}

/// Comments are neither lost nor added: the same comment lines, in order.
#[test]
fn every_comment_survives() {
    let path = Path::new(FIXTURES).join("comments-everywhere.playbook");
    let text = std::fs::read_to_string(&path).expect("read fixture");
    let comments = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.find("// ").map(|at| l[at..].trim_end().to_string()))
            .collect()
    };
    let before = comments(&text);
    assert!(before.len() > 20, "{} comments", before.len());
    assert_eq!(before, comments(&format(&text)));
}

#[test]
fn crlf_and_a_byte_order_mark_become_lf_without_a_mark() {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("crlf-and-bom.playbook"))
        .expect("read fixture");
    assert!(text.starts_with('\u{FEFF}') && text.contains("\r\n") && text.contains("\"\r  phase"));
    let out = format(&text);
    assert!(!out.contains(['\r', '\u{FEFF}']), "{out:?}");
    assert!(out.ends_with("}\n") && !out.ends_with("\n\n"));
}

/// The example of `docs/fmt.md` shows what the formatter does.
#[test]
fn the_example_of_the_formatting_guide_is_true() {
    let doc = std::fs::read_to_string("docs/fmt.md").expect("read docs/fmt.md");
    let block_after = |marker: &str| {
        let rest = &doc[doc.find(marker).unwrap_or_else(|| panic!("no `{marker}`"))..];
        let open = rest.find("```text\n").expect("a code block") + "```text\n".len();
        let close = open + rest[open..].find("```").expect("a closed code block");
        rest[open..close].to_string()
    };
    let before = block_after("\nBefore:\n");
    let after = block_after("\nAfter `playbook fmt`:\n");
    assert_eq!(format(&before), after);
    let path = Path::new("example.playbook");
    assert!(meaning(path, &after).model.is_some());
    assert_eq!(meaning(path, &before), meaning(path, &after));
}

// ---------------------------------------------------------------------------
// The promises on everything the project ships
// ---------------------------------------------------------------------------

/// Every shipped playbook, every fixture and every example of the language
/// reference means the same after formatting, and formatting it again
/// changes nothing. The shipped playbooks are formatted already.
#[test]
fn formatting_keeps_the_meaning_of_every_shipped_file_fixture_and_example() {
    let mut formatted = 0;
    let mut refused = Vec::new();
    for input in CORPUS.iter() {
        match check_promises(&input.path, &input.text) {
            Some(out) => {
                formatted += 1;
                if input.path.starts_with("playbooks") {
                    assert!(
                        out == input.text,
                        "{} is not formatted: run `playbook fmt playbooks/`",
                        input.path.display()
                    );
                }
            }
            None => {
                assert!(!input.must_format, "{} was refused", input.path.display());
                refused.push(input.path.display().to_string());
            }
        }
    }
    let examples = CORPUS.iter().filter(|i| i.path.starts_with("docs")).count();
    assert!(examples >= 60, "{examples} documentation examples");
    assert!(
        formatted >= 150,
        "{formatted} formatted, refused: {refused:?}"
    );
    // Refused: the fixtures and examples of syntax problems, and no more.
    assert!(refused.len() < 60, "refused: {refused:?}");
}

/// Deep nesting and long chains, near the parser's limits, on one line:
/// formatted without trouble, and the promises hold.
#[test]
fn deep_and_long_inputs_on_one_line() {
    let depth = 60;
    let mut text = String::from(
        "playbook deep { title \"Deep\" role fm \"FM\" input a: int \"A\" input b: bool \"B\" ",
    );
    text.push_str(&format!("let nots = {}b ", "not ".repeat(150)));
    text.push_str(&format!("let sum = a{} ", " + a".repeat(150)));
    text.push_str(&format!(
        "let parens = {}a{} ",
        "(".repeat(50),
        ")".repeat(50)
    ));
    text.push_str("step s \"S\" { owner fm ");
    for level in 0..depth {
        text.push_str(&format!(
            "do d{level} \"Level {level}, {{nots}} {{sum}} {{parens}}.\" {{ "
        ));
    }
    text.push_str(&"} ".repeat(depth));
    text.push_str("} }");
    let path = Path::new("deep.playbook");
    assert!(
        meaning(path, &text).model.is_some(),
        "{:?}",
        meaning(path, &text)
    );
    let out = check_promises(path, &text).expect("formatted");
    let deepest = format!("{}do d{} ", "  ".repeat(depth + 1), depth - 1);
    assert!(out.contains(&deepest), "{out}");
    assert_eq!(out.lines().count(), 2 * depth + 11);
}

// ---------------------------------------------------------------------------
// The promises under random layouts
// ---------------------------------------------------------------------------

/// The pieces of a source text that a change of layout treats differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// Spaces, tabs and line ends between tokens.
    Space,
    Comment,
    /// A string or a text block: never touched.
    Literal,
    /// Anything else: ids, numbers, punctuation, with no layout inside.
    Code,
}

fn pieces(text: &str) -> Vec<(Piece, &str)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let kind = if bytes[i].is_ascii_whitespace() {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            Piece::Space
        } else if text[i..].starts_with("//") {
            i = text[i..].find(['\n', '\r']).map_or(text.len(), |e| i + e);
            Piece::Comment
        } else if text[i..].starts_with("\"\"\"") {
            i += 3 + text[i + 3..].find("\"\"\"").expect("a closed block") + 3;
            Piece::Literal
        } else if bytes[i] == b'"' {
            i += 1;
            while bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            Piece::Literal
        } else {
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && bytes[i] != b'"'
                && !text[i..].starts_with("//")
            {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
            }
            Piece::Code
        };
        found.push((kind, &text[start..i]));
    }
    found
}

/// Layout without a line break, with one, and with a blank line.
const NO_BREAK: &[&str] = &[" ", "  ", "\t", " \t  "];
const ONE_BREAK: &[&str] = &["\n", "\r\n", "\n      ", "  \n\t", "\r"];
const BLANK: &[&str] = &["\n\n", "\r\n\r\n", "\n  \n\n\t", "\n\n\n\n"];
/// Layout with comments (the `// noise` is counted afterwards).
const COMMENTS: &[&str] = &[
    " // noise\n",
    "\n// noise\n",
    "\n\n  // noise\n\n",
    " // noise\r\n  ",
];

/// How a layout is disturbed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Noise {
    /// Changes that the canonical layout undoes: the same blank lines
    /// between groups, and comments on their own line or not as before.
    Undone,
    /// Any layout, with blank lines and comments added.
    Any,
}

/// Picks layouts by the choices of a test case, used in turn.
struct Chooser<'a> {
    choices: &'a [u8],
    next: usize,
}

impl Chooser<'_> {
    fn number(&mut self) -> usize {
        let n = self.choices[self.next % self.choices.len()] as usize;
        self.next += 1;
        n
    }

    fn pick(&mut self, from: &[&'static [&'static str]]) -> &'static str {
        let all: Vec<&'static str> = from.iter().flat_map(|f| f.iter().copied()).collect();
        all[self.number() % all.len()]
    }
}

/// Relays `text` out: each run of layout is replaced, and layout is
/// inserted beside punctuation, as `choices` say.
fn relayout(text: &str, choices: &[u8], noise: Noise) -> String {
    let mut chooser = Chooser { choices, next: 0 };
    let pieces = pieces(text);
    let mut out = String::with_capacity(text.len() * 2);
    for (i, (kind, piece)) in pieces.iter().enumerate() {
        match kind {
            Piece::Space => {
                let breaks = piece.matches('\n').count() + piece.matches('\r').count()
                    - piece.matches("\r\n").count();
                let after_comment = i > 0 && pieces[i - 1].0 == Piece::Comment;
                let next_to_comment =
                    after_comment || pieces.get(i + 1).is_some_and(|p| p.0 == Piece::Comment);
                let layout = match (noise, breaks) {
                    (Noise::Undone, 0) if next_to_comment => chooser.pick(&[NO_BREAK]),
                    (Noise::Undone, 1) if next_to_comment => chooser.pick(&[ONE_BREAK]),
                    (Noise::Undone, 0 | 1) => chooser.pick(&[NO_BREAK, ONE_BREAK]),
                    (Noise::Undone, _) => chooser.pick(&[BLANK]),
                    (Noise::Any, _) if after_comment => chooser.pick(&[ONE_BREAK, BLANK]),
                    (Noise::Any, _) => chooser.pick(&[NO_BREAK, ONE_BREAK, BLANK, COMMENTS]),
                };
                out.push_str(layout);
            }
            Piece::Code => {
                let beside_punctuation = |c: char| ",:(){}|".contains(c);
                let mut previous = None;
                for c in piece.chars() {
                    if let Some(p) = previous
                        && (beside_punctuation(p) || beside_punctuation(c))
                        && chooser.number().is_multiple_of(3)
                    {
                        out.push_str(match noise {
                            Noise::Undone => chooser.pick(&[NO_BREAK, ONE_BREAK]),
                            Noise::Any => chooser.pick(&[NO_BREAK, ONE_BREAK, BLANK, COMMENTS]),
                        });
                    }
                    out.push(c);
                    previous = Some(c);
                }
            }
            Piece::Comment | Piece::Literal => out.push_str(piece),
        }
    }
    out
}

/// Both promises, and that no comment is lost, for `text` at `path` under
/// two random layouts: one the canonical layout undoes entirely, and one
/// with noise that it keeps (comments and blank lines).
fn check_under_relayout(path: &Path, text: &str, choices: &[u8]) -> Result<(), TestCaseError> {
    let Some(canonical) = check_promises(path, text) else {
        return Ok(());
    };
    let undone = relayout(text, choices, Noise::Undone);
    prop_assert_eq!(meaning(path, text), meaning(path, &undone));
    prop_assert_eq!(
        &format(&undone),
        &canonical,
        "layout not undone:\n{}",
        undone
    );

    let noisy = relayout(text, choices, Noise::Any);
    prop_assert_eq!(meaning(path, text), meaning(path, &noisy));
    let out = check_promises(path, &noisy).expect("a text that compiled still does");
    prop_assert_eq!(
        out.matches("// noise").count(),
        noisy.matches("// noise").count(),
        "comments lost:\n{}",
        out
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Generated playbooks of random sizes, under random layouts.
    #[test]
    fn generated_playbooks_under_random_layouts(
        seed in 0usize..10_000,
        steps in 1usize..30,
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let text = crate::generate::playbook(seed, steps);
        let path = PathBuf::from(format!("generated-{seed}.playbook"));
        prop_assert!(meaning(&path, &text).model.is_some());
        check_under_relayout(&path, &text, &choices)?;
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any file of the corpus (shipped playbooks, fixtures, examples) that
    /// parses, under random layouts.
    #[test]
    fn the_corpus_under_random_layouts(
        index in any::<prop::sample::Index>(),
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let input = &CORPUS[index.index(CORPUS.len())];
        check_under_relayout(&input.path, &input.text, &choices)?;
    }
}

// ---------------------------------------------------------------------------
// `playbook fmt`
// ---------------------------------------------------------------------------

fn playbook() -> Command {
    let mut cmd = Command::cargo_bin("playbook").expect("the playbook binary");
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("COLUMNS", "100");
    cmd
}

/// A folder holding copies of fixtures under new names.
fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, fixture) in files {
        std::fs::copy(fixture, dir.path().join(name)).expect("copy a fixture");
    }
    dir
}

const MESSY: &str = "tests/fixtures/fmt/messy-layout.playbook";
const TIDY: &str = "tests/fixtures/valid/steps.playbook";
const BROKEN: &str = "tests/fixtures/invalid/syntax-error_missing-step-id.playbook";

#[test]
fn check_passes_on_the_shipped_playbooks() {
    let files = playbooks_below(Path::new("playbooks")).len();
    playbook()
        .args(["fmt", "--check", "playbooks/"])
        .assert()
        .code(0)
        .stdout("")
        .stderr(format!(
            "{files} files: 0 would be reformatted, {files} already formatted\n"
        ));
}

#[test]
fn check_prints_a_diff_exits_1_and_changes_nothing() {
    let dir = folder_with(&[("messy.playbook", MESSY), ("tidy.playbook", TIDY)]);
    let before = std::fs::read(dir.path().join("messy.playbook")).expect("read");
    let output = playbook()
        .current_dir(dir.path())
        .args(["fmt", "--check"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "2 files: 1 would be reformatted, 1 already formatted\n"
    );
    let diff = String::from_utf8(output.stdout).expect("UTF-8");
    insta::assert_snapshot!("check_diff", diff);
    assert_eq!(
        std::fs::read(dir.path().join("messy.playbook")).expect("read"),
        before
    );
}

#[test]
fn fmt_rewrites_files_in_place_and_a_second_run_changes_nothing() {
    let dir = folder_with(&[("messy.playbook", MESSY), ("tidy.playbook", TIDY)]);
    let messy = dir.path().join("messy.playbook");
    let text = std::fs::read_to_string(&messy).expect("read");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&messy, std::fs::Permissions::from_mode(0o640))
            .expect("set permissions");
    }
    playbook()
        .current_dir(dir.path())
        .args(["fmt", "."])
        .assert()
        .code(0)
        .stdout("")
        .stderr("2 files: 1 reformatted, 1 already formatted\n");
    assert_eq!(
        std::fs::read_to_string(&messy).expect("read"),
        format(&text)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&messy)
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    // No temporary file is left behind.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["messy.playbook", "tidy.playbook"]);
    playbook()
        .current_dir(dir.path())
        .args(["fmt", "messy.playbook", "--check"])
        .assert()
        .code(0)
        .stdout("")
        .stderr("1 file: 0 would be reformatted, 1 already formatted\n");
}

#[cfg(unix)]
#[test]
fn fmt_through_a_link_rewrites_the_target_and_keeps_the_link() {
    let dir = folder_with(&[("messy.playbook", MESSY)]);
    let link = dir.path().join("link.playbook");
    std::os::unix::fs::symlink("messy.playbook", &link).expect("make a link");
    playbook()
        .current_dir(dir.path())
        .args(["fmt", "link.playbook"])
        .assert()
        .code(0);
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("stat")
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(MESSY).expect("read");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("messy.playbook")).expect("read"),
        format(&text)
    );
}

#[test]
fn a_file_with_a_syntax_error_is_left_alone_with_its_diagnostic() {
    let dir = folder_with(&[("broken.playbook", BROKEN), ("messy.playbook", MESSY)]);
    let broken = std::fs::read(dir.path().join("broken.playbook")).expect("read");
    for check in [true, false] {
        let mut cmd = playbook();
        cmd.current_dir(dir.path()).arg("fmt");
        if check {
            cmd.arg("--check");
        }
        let summary = if check {
            "2 files: 1 would be reformatted, 0 already formatted, 1 with errors\n"
        } else {
            "2 files: 1 reformatted, 0 already formatted, 1 with errors\n"
        };
        cmd.assert()
            .code(1)
            .stderr(predicate::str::contains("syntax-error"))
            .stderr(predicate::str::contains("expected a step id"))
            .stderr(predicate::str::contains(
                "error: `broken.playbook` is left as it is",
            ))
            .stderr(predicate::str::ends_with(summary));
        assert_eq!(
            std::fs::read(dir.path().join("broken.playbook")).expect("read"),
            broken
        );
    }
    // The other file was formatted all the same.
    let text = std::fs::read_to_string(MESSY).expect("read");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("messy.playbook")).expect("read"),
        format(&text)
    );
}

#[test]
fn a_file_that_is_not_utf8_is_refused() {
    let dir = folder_with(&[(
        "latin1.playbook",
        "tests/fixtures/invalid/invalid-utf8_latin1-text.playbook",
    )]);
    playbook()
        .current_dir(dir.path())
        .args(["fmt", "latin1.playbook"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid-utf8"));
}

#[test]
fn a_missing_path_exits_2() {
    playbook()
        .args(["fmt", "no/such/file.playbook"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no/such/file.playbook"));
}

#[test]
fn fmt_help_snapshot() {
    let output = playbook().args(["fmt", "--help"]).output().expect("run");
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("fmt_help", String::from_utf8(output.stdout).expect("UTF-8"));
}
