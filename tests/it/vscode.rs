//! The VS Code extension (`editors/vscode/`): its TextMate grammar passes
//! the grammar tests with `vscode-tmgrammar-test`, a wrong expectation
//! fails them, every keyword of the language (`syntax::keywords`, derived
//! from the grammar) is highlighted and no other word is, and the
//! extension packs into a `.vsix` with `@vscode/vsce`. The Node tools are
//! installed by `scripts/test.sh` (`npm ci --prefix editors/vscode`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXTENSION: &str = "editors/vscode";

fn tool(name: &str) -> PathBuf {
    let path = Path::new(EXTENSION).join("node_modules/.bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `npm ci --prefix {EXTENSION}` (scripts/test.sh does)",
        path.display()
    );
    std::fs::canonicalize(path).unwrap()
}

fn grammar_test(files: &str) -> Output {
    Command::new(tool("vscode-tmgrammar-test"))
        .current_dir(EXTENSION)
        .args(["-g", "syntaxes/playbook.tmLanguage.json", files])
        .output()
        .unwrap()
}

#[test]
fn the_grammar_tests_pass() {
    let output = grammar_test("tests/*.playbook");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for file in ["declarations", "literals"] {
        assert!(
            stdout.contains(&format!("tests/{file}.playbook run successfuly")),
            "{stdout}"
        );
    }
}

#[test]
fn a_wrong_expectation_fails_the_grammar_tests() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wrong.playbook"),
        "// SYNTAX TEST \"source.playbook\" \"a keyword is not a string\"\n  step start \"Start\" {\n//^^^^ string.quoted.double.playbook\n",
    )
    .unwrap();
    let output = grammar_test(&format!("{}/*.playbook", dir.path().display()));
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("missing required scopes: string.quoted.double.playbook"),
        "{stdout}"
    );
}

/// The words the TextMate grammar highlights as keywords: every
/// alternation of plain words in its `match` patterns, `(if|else|...)`.
fn highlighted_words() -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(Path::new(EXTENSION).join("syntaxes/playbook.tmLanguage.json"))
            .unwrap();
    let grammar: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut patterns = vec![&grammar];
    let mut words = BTreeSet::new();
    while let Some(value) = patterns.pop() {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(regex)) = map.get("match") {
                    for group in regex.split('(').skip(1) {
                        let group = group.split(')').next().unwrap();
                        if group.contains('|')
                            && group
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c == '-' || c == '|')
                        {
                            words.extend(group.split('|').map(str::to_string));
                        }
                    }
                }
                patterns.extend(map.values());
            }
            serde_json::Value::Array(items) => patterns.extend(items),
            _ => {}
        }
    }
    words
}

#[test]
fn every_keyword_of_the_language_is_highlighted() {
    let highlighted = highlighted_words();
    let keywords = playbook::syntax::keywords::all();
    assert!(keywords.len() > 60, "{} keywords", keywords.len());
    for keyword in keywords {
        assert!(
            highlighted.contains(*keyword),
            "the keyword `{keyword}` is not in the TextMate grammar"
        );
    }
}

#[test]
fn the_textmate_grammar_highlights_no_word_the_language_lacks() {
    let keywords = playbook::syntax::keywords::all();
    let highlighted = highlighted_words();
    assert!(highlighted.len() > 60, "{highlighted:?}");
    for word in &highlighted {
        assert!(
            keywords.contains(&word.as_str()),
            "the TextMate grammar highlights `{word}`, which is no keyword of the language"
        );
    }
}

#[test]
fn the_extension_packs_into_a_vsix() {
    let out = tempfile::tempdir().unwrap();
    let vsix = out.path().join("playbook.vsix");
    let output = Command::new(tool("vsce"))
        .current_dir(EXTENSION)
        .args(["package", "--skip-license", "--out"])
        .arg(&vsix)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // A .vsix is a zip: its central directory names every file.
    let bytes = std::fs::read(&vsix).unwrap();
    let names = String::from_utf8_lossy(&bytes);
    for file in [
        "extension/package.json",
        "extension/extension.js",
        "extension/language-configuration.json",
        "extension/syntaxes/playbook.tmLanguage.json",
        "extension/node_modules/vscode-languageclient/package.json",
    ] {
        assert!(names.contains(file), "{file} is not in the package");
    }
    assert!(
        !names.contains("extension/tests/"),
        "the grammar tests are packed"
    );
    assert!(
        !names.contains("node_modules/@vscode/vsce"),
        "the packer is packed"
    );
}
