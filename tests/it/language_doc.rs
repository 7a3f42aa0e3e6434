//! Every example of the language reference compiles as documented.
//!
//! `docs/language.md` tags its examples by what they must do:
//!
//! - ```` ```playbook ````: a whole file that compiles with no diagnostic
//!   other than `missing-metadata` (small examples need not carry a full
//!   header);
//! - ```` ```playbook,fails=CODE ````: a whole file that gets at least one
//!   diagnostic with that code;
//! - anything else (```` ```text ````, ```` ```toml ````): not compiled.
//!
//! The reference must also name every diagnostic code of the registry.

use playbook::registry::Code;

/// What an example must do when compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expect {
    Clean,
    Fails(String),
}

/// One compiled example: where its fence opens, what it must do, its text.
#[derive(Debug)]
pub(crate) struct Example {
    pub(crate) line: usize,
    pub(crate) expect: Expect,
    pub(crate) text: String,
}

pub(crate) fn document() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The fenced blocks tagged `playbook`, with the line of their opening fence.
pub(crate) fn examples(doc: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut open: Option<(usize, Option<Expect>, String)> = None;
    for (index, line) in doc.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim_start();
        match open.as_mut() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let info = info.trim();
                    let expect = if info == "playbook" {
                        Some(Expect::Clean)
                    } else {
                        info.strip_prefix("playbook,fails=")
                            .map(|code| Expect::Fails(code.trim().to_string()))
                    };
                    assert!(
                        !info.starts_with("playbook") || expect.is_some(),
                        "docs/language.md:{number}: unknown example tag `{info}`"
                    );
                    open = Some((number, expect, String::new()));
                }
            }
            Some((start, expect, text)) => {
                if trimmed.starts_with("```") {
                    if let Some(expect) = expect.take() {
                        found.push(Example {
                            line: *start,
                            expect,
                            text: std::mem::take(text),
                        });
                    }
                    open = None;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    assert!(
        open.is_none(),
        "docs/language.md: a code block is never closed"
    );
    found
}

/// Whether a plain example may produce a diagnostic with this code: small
/// examples need not carry a full header, so `missing-metadata` is allowed,
/// and nothing else.
fn tolerated_in_clean_examples(code: Code) -> bool {
    code == Code::MissingMetadata
}

#[test]
fn every_example_compiles_as_documented() {
    let doc = document();
    let examples = examples(&doc);
    let mut failures = Vec::new();
    for example in &examples {
        let name = format!("docs/language.md:{}", example.line);
        let c = playbook::compile_str(&name, &example.text);
        let rendered = || {
            c.diagnostics
                .iter()
                .map(|d| d.render(&c.sources, false, 100))
                .collect::<Vec<_>>()
                .join("\n")
        };
        match &example.expect {
            Expect::Clean => {
                let unexpected: Vec<_> = c
                    .diagnostics
                    .iter()
                    .filter(|d| !tolerated_in_clean_examples(d.code))
                    .collect();
                if !unexpected.is_empty() {
                    failures.push(format!(
                        "{name}: expected no diagnostic other than `missing-metadata`, got {}:\n{}",
                        unexpected.len(),
                        unexpected
                            .iter()
                            .map(|d| d.render(&c.sources, false, 100))
                            .collect::<Vec<_>>()
                            .join("\n")
                    ));
                } else if c.model.is_none() {
                    failures.push(format!("{name}: no diagnostic, but no model either"));
                }
            }
            Expect::Fails(code) => {
                assert!(
                    Code::from_name(code).is_some(),
                    "{name}: `fails={code}` names no diagnostic code"
                );
                if !c.diagnostics.iter().any(|d| d.code.name() == code) {
                    let got = if c.diagnostics.is_empty() {
                        "none".to_string()
                    } else {
                        rendered()
                    };
                    failures.push(format!(
                        "{name}: expected a diagnostic with code `{code}`, got:\n{got}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples in docs/language.md do not compile as documented \
         (in `docs/language.md:START:LINE:COLUMN`, LINE counts from the line after \
         the opening fence at START):\n\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_reference_has_enough_compiled_examples() {
    let doc = document();
    let examples = examples(&doc);
    assert!(
        examples.len() >= 30,
        "docs/language.md has {} compiled examples; it should have at least 30",
        examples.len()
    );
    assert!(
        examples.iter().any(|e| e.expect == Expect::Clean),
        "docs/language.md has no example that compiles cleanly"
    );
}

#[test]
fn the_reference_names_every_diagnostic_code() {
    let doc = document();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.name())
        .filter(|name| !doc.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/language.md does not name these diagnostic codes: {}",
        missing.join(", ")
    );
}

#[test]
fn example_extraction_reads_tags_and_lines() {
    let doc = "intro\n```playbook\na\n```\n```text\nb\n```\n```playbook,fails=cycle\nc\nd\n```\n";
    let found = examples(doc);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].line, 2);
    assert_eq!(found[0].expect, Expect::Clean);
    assert_eq!(found[0].text, "a\n");
    assert_eq!(found[1].line, 8);
    assert_eq!(found[1].expect, Expect::Fails("cycle".to_string()));
    assert_eq!(found[1].text, "c\nd\n");
}

/// The words the reference and the `reserved-word` rule list as reserved
/// are the grammar's expression keywords (`syntax::keywords`), which the
/// resolver refuses as ids.
#[test]
fn the_reserved_words_the_docs_list_are_the_grammars() {
    let want: std::collections::BTreeSet<&str> = playbook::syntax::keywords::expression_words()
        .iter()
        .copied()
        .collect();
    let docs = [
        (
            "docs/language.md",
            "belong to the expression language",
            "Using one",
        ),
        (
            "src/rules/reserved-word.md",
            "of the words of the expression language",
            "It also",
        ),
    ];
    for (file, from, to) in docs {
        let text =
            std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
                .unwrap_or_else(|e| panic!("read {file}: {e}"));
        let start = text
            .find(from)
            .unwrap_or_else(|| panic!("{file}: `{from}` not found"));
        let end = start
            + text[start..]
                .find(to)
                .unwrap_or_else(|| panic!("{file}: `{to}` not found"));
        let listed: std::collections::BTreeSet<&str> =
            text[start..end].split('`').skip(1).step_by(2).collect();
        assert_eq!(
            listed, want,
            "{file} lists other reserved words than the grammar"
        );
    }
}
