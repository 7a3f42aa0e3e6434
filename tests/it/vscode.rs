//! The VS Code extension (`editors/vscode/`): its TextMate grammar passes
//! the grammar tests with `vscode-tmgrammar-test`, a wrong expectation
//! fails them, every keyword of the language is highlighted, and the
//! extension packs into a `.vsix` with `@vscode/vsce`. The Node tools are
//! installed by `scripts/test.sh` (`npm ci --prefix editors/vscode`).

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

#[test]
fn every_keyword_of_the_language_is_highlighted() {
    let pest = std::fs::read_to_string("grammar/playbook.pest").unwrap();
    let grammar =
        std::fs::read_to_string(Path::new(EXTENSION).join("syntaxes/playbook.tmLanguage.json"))
            .unwrap();
    let mut count = 0;
    for line in pest.lines() {
        let Some(rest) = line.strip_prefix("kw_") else {
            continue;
        };
        let name = rest.split([' ', '=']).next().unwrap().replace('_', "-");
        count += 1;
        let listed = grammar.split(['(', ')', '|']).any(|word| word == name);
        assert!(
            listed,
            "the keyword `{name}` is not in the TextMate grammar"
        );
    }
    assert!(count > 60, "{count} keywords found in the pest grammar");
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
