//! The per-code documentation: `src/rules/<code>.md`, rendered by the
//! registry into `playbook explain CODE` and `docs/rules/`.
//!
//! - `docs/rules/` holds exactly what the registry renders. When it is stale,
//!   regenerate it with `UPDATE_RULE_DOCS=1 cargo test --test it rules_doc`.
//! - Every ```` ```playbook ```` block of a code's doc is a whole file that
//!   compiles: the first must get a diagnostic with that code; the later ones
//!   (the fixes) must compile without it. To keep examples to the point,
//!   neither may get any other diagnostic but `missing-metadata` (short
//!   examples leave out the header).
//!   ```` ```text ```` blocks (files that cannot be shown as one in-memory
//!   playbook) are not compiled.

use assert_cmd::Command;
use playbook::registry::{Code, rules_index};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const UPDATE: &str = "UPDATE_RULE_DOCS";

/// The codes that one in-memory playbook cannot trigger: their examples are
/// ```` ```text ```` blocks showing the files involved.
const NOT_COMPILED: &[&str] = &[
    "file-too-large",
    "invalid-utf8",
    "import-cycle",
    "invalid-translation",
    "unknown-translation-key",
    "missing-translation",
    "stale-translation",
    "invalid-config",
    // Reported by `playbook import` on Markdown, not by the compiler.
    "import-unrecognised",
    "translation-drift",
    "invalid-run-state",
];

/// Codes whose example necessarily brings others along: a catalogue that
/// cannot be loaded leaves the names it declares undefined.
const ALONGSIDE: &[(&str, &[&str])] = &[("import-error", &["undefined-reference"])];

/// The sections every doc has, in this order.
const SECTIONS: &[&str] = &[
    "## What it does",
    "## Why is this bad",
    "## Example",
    "## Configuration",
];

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules")
}

/// Every generated file of `docs/rules/`, by file name.
fn generated() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Code::ALL
        .iter()
        .map(|c| (format!("{}.md", c.name()), c.page()))
        .collect();
    files.push(("README.md".to_string(), rules_index()));
    files
}

#[test]
fn generated_rule_docs_are_current() {
    let dir = rules_dir();
    let update = std::env::var_os(UPDATE).is_some_and(|v| !v.is_empty());
    let files = generated();
    let wanted: BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    if update {
        std::fs::create_dir_all(&dir).expect("create docs/rules");
    }
    let mut problems = Vec::new();
    for (name, text) in &files {
        let path = dir.join(name);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        if update {
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        } else if current.is_none() {
            problems.push(format!("docs/rules/{name} is missing"));
        } else {
            problems.push(format!("docs/rules/{name} is stale"));
        }
    }
    let present: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    for name in present {
        if wanted.contains(name.as_str()) {
            continue;
        }
        if update {
            let path = dir.join(&name);
            std::fs::remove_file(&path)
                .unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
        } else {
            problems.push(format!("docs/rules/{name} is no code's page"));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/rules/ does not match the registry (src/registry.rs, src/rules/*.md):\n  {}\n\
         Regenerate it with:\n\n    {UPDATE}=1 cargo test --test it rules_doc\n",
        problems.join("\n  ")
    );
}

/// A fenced block of a doc: its info string, the line of its opening fence
/// (counting from 1), its text.
#[derive(Debug)]
struct Block {
    info: String,
    line: usize,
    text: String,
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in doc.lines().enumerate() {
        match open.as_mut() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    open = Some(Block {
                        info: info.trim().to_string(),
                        line: index + 1,
                        text: String::new(),
                    });
                }
            }
            Some(block) => {
                if line.starts_with("```") {
                    found.extend(open.take());
                } else {
                    block.text.push_str(line);
                    block.text.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "a code block is never closed");
    found
}

/// The lines of a doc outside its fenced blocks.
fn prose_lines(doc: &str) -> Vec<&str> {
    let mut fenced = false;
    doc.lines()
        .filter(|line| {
            if line.starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

#[test]
fn block_extraction_reads_infos_lines_and_texts() {
    let found = blocks("a\n```playbook\nx\ny\n```\nb\n```text\nz\n```\n");
    assert_eq!(found.len(), 2);
    assert_eq!((found[0].info.as_str(), found[0].line), ("playbook", 2));
    assert_eq!(found[0].text, "x\ny\n");
    assert_eq!((found[1].info.as_str(), found[1].line), ("text", 7));
    assert_eq!(found[1].text, "z\n");
    assert_eq!(prose_lines("a\n```text\n# b\n```\nc\n"), ["a", "c"]);
}

#[test]
fn every_doc_has_the_sections_and_an_example() {
    let mut problems = Vec::new();
    for code in Code::ALL {
        let name = code.name();
        let doc = code.doc();
        let file = format!("src/rules/{name}.md");
        let prose = prose_lines(doc);
        let headings: Vec<&str> = prose
            .iter()
            .copied()
            .filter(|l| l.starts_with("## "))
            .collect();
        if headings != SECTIONS {
            problems.push(format!(
                "{file}: the sections are {headings:?}, expected {SECTIONS:?}"
            ));
        }
        if prose.iter().any(|l| l.starts_with("# ")) {
            problems.push(format!(
                "{file}: the page adds the `# {name}` title; the doc has none"
            ));
        }
        let blocks = blocks(doc);
        let compiled = blocks.iter().filter(|b| b.info == "playbook").count();
        if NOT_COMPILED.contains(&name) {
            if compiled > 0 {
                problems.push(format!(
                    "{file}: `{name}` is listed as not compiled but has a ```playbook block"
                ));
            }
            if !blocks.iter().any(|b| b.info == "text") {
                problems.push(format!(
                    "{file}: no ```text example showing the files involved"
                ));
            }
        } else if compiled == 0 {
            problems.push(format!("{file}: no ```playbook example"));
        }
        for b in &blocks {
            if !matches!(b.info.as_str(), "playbook" | "text" | "toml") {
                problems.push(format!(
                    "{file}:{}: unknown block kind `{}`",
                    b.line, b.info
                ));
            }
        }
        // The configuration section agrees with the registry.
        let config = doc.split("## Configuration").nth(1).unwrap_or_default();
        let configurable = config.contains(&format!("{name} = \"allow\""));
        if code.is_lint() != configurable {
            problems.push(format!(
                "{file}: `{name}` {} configurable, but its `## Configuration` {} `{name} = \"allow\"`",
                if code.is_lint() { "is" } else { "is not" },
                if configurable { "shows" } else { "does not show" },
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "rule docs are incomplete:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn every_doc_example_triggers_its_code() {
    let mut failures = Vec::new();
    let mut compiled = 0;
    for code in Code::ALL {
        let name = code.name();
        let examples = blocks(code.doc());
        let examples = examples.iter().filter(|b| b.info == "playbook");
        for (n, block) in examples.enumerate() {
            compiled += 1;
            let file = format!("src/rules/{name}.md:{}", block.line);
            let c = playbook::compile_str(&file, &block.text);
            let rendered = || {
                if c.diagnostics.is_empty() {
                    return "no diagnostic".to_string();
                }
                c.diagnostics
                    .iter()
                    .map(|d| d.render(&c.sources, false, 100))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let has_code = c.diagnostics.iter().any(|d| d.code == *code);
            // Examples show one problem: besides their code, only the
            // header warning that short examples leave out.
            let alongside = ALONGSIDE
                .iter()
                .find(|(c, _)| *c == name)
                .map_or(&[][..], |(_, also)| *also);
            let other = |allowed: &[&str]| {
                c.diagnostics.iter().any(|d| {
                    d.code != *code
                        && d.code != Code::MissingMetadata
                        && !allowed.contains(&d.code.name())
                })
            };
            if n == 0 && (!has_code || other(alongside)) {
                failures.push(format!(
                    "{file}: the example must produce `{name}` (and nothing else but \
                     `missing-metadata`), got:\n{}",
                    rendered()
                ));
            } else if n > 0 && (has_code || other(&[])) {
                failures.push(format!(
                    "{file}: the fixed example must compile without `{name}` (and without \
                     anything else but `missing-metadata`), got:\n{}",
                    rendered()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compiled} rule doc examples do not compile as documented \
         (LINE in `src/rules/CODE.md:START:LINE:COLUMN` counts from the line after the fence at START):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn playbook() -> Command {
    Command::cargo_bin("playbook").expect("the playbook binary")
}

#[test]
fn explain_prints_the_page() {
    for code in [
        Code::UndefinedReference,
        Code::EmptyStep,
        Code::InvalidConfig,
    ] {
        let output = playbook()
            .args(["explain", code.name()])
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(0), "explain {}", code.name());
        assert_eq!(
            String::from_utf8(output.stdout).expect("UTF-8"),
            code.page()
        );
        assert!(output.stderr.is_empty());
    }
}

#[test]
fn explain_list_names_every_code() {
    let output = playbook()
        .args(["explain", "--list"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), Code::ALL.len(), "one line per code:\n{stdout}");
    for (line, code) in lines.iter().zip(Code::ALL) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words.first(), Some(&code.name()), "{line}");
        assert_eq!(
            words.get(1),
            Some(&code.default_severity().as_str()),
            "{line}"
        );
        assert!(line.ends_with(code.summary()), "{line}");
    }
}

#[test]
fn explain_an_unknown_code_suggests_one() {
    playbook()
        .args(["explain", "empty-stp"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains("did you mean `empty-step`?"));
}

#[test]
fn the_index_links_every_page() {
    let index = rules_index();
    for code in Code::ALL {
        assert!(
            index.contains(&format!("[`{0}`]({0}.md)", code.name())),
            "README.md does not link {}",
            code.name()
        );
    }
}
