//! "If ..." prose in a step's instructions becomes a yes/no decision and an
//! `if` on it, with an "otherwise" sentence, or the opposite condition, as
//! its `else`: one fixture per language (`tests/fixtures/import/branches/`),
//! each with the same three branches.

use playbook::import;
use playbook::ir::{Item, Playbook};
use playbook::source::FileId;
use std::path::Path;

fn fixture(locale: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import/branches")
        .join(format!("{locale}.md"));
    std::fs::read_to_string(path).expect("the fixture exists")
}

/// Imports and compiles a fixture: zero errors, the model.
fn compiled(locale: &str) -> (import::Imported, Playbook) {
    let out = import::import(FileId(0), "branches", &fixture(locale), None);
    assert_eq!(out.document.locale, locale, "the locale is guessed");
    let c = playbook::compile_str("branches.playbook", &out.source);
    let errors: Vec<_> = c.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{locale}: {errors:?}\n{}", out.source);
    (out, c.model.expect("compiles"))
}

/// Each `if` of the items, as (decision asked, texts of the branch, texts of
/// the `else`), in document order.
fn ifs(model: &Playbook, items: &[Item], out: &mut Vec<(String, Vec<String>, Vec<String>)>) {
    let texts = |items: &[Item]| -> Vec<String> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Do(d) => Some(d.text.get(&model.source_locale, "").to_string()),
                _ => None,
            })
            .collect()
    };
    let mut asked: Option<String> = None;
    for item in items {
        match item {
            Item::Ask { decision } => {
                let d = model.decisions.iter().find(|d| &d.id == decision).unwrap();
                asked = Some(d.question.get(&model.source_locale, "").to_string());
            }
            Item::If {
                branches,
                otherwise,
            } => {
                assert_eq!(branches.len(), 1);
                out.push((
                    asked
                        .take()
                        .expect("a decision is asked right before its `if`"),
                    texts(&branches[0].items),
                    otherwise.as_deref().map(texts).unwrap_or_default(),
                ));
                ifs(model, &branches[0].items, out);
            }
            Item::Do(d) => ifs(model, &d.items, out),
            _ => {}
        }
    }
}

#[test]
fn if_prose_becomes_branches_in_six_languages() {
    for locale in ["en", "zh", "de", "ja", "pt", "es"] {
        let (out, model) = compiled(locale);
        assert_eq!(out.document.branches(), 3, "{locale}");
        assert_eq!(model.decisions.len(), 3, "{locale}");
        let mut found = Vec::new();
        ifs(&model, &model.steps[0].items, &mut found);
        assert_eq!(found.len(), 3, "{locale}: {found:#?}");
        for (question, then, otherwise) in &found {
            assert!(
                !question.ends_with(['?', '？', ':', '：']),
                "{locale}: {question}"
            );
            assert_eq!(then.len(), 1, "{locale}: {question}");
            assert_eq!(otherwise.len(), 1, "{locale}: {question}");
        }
        // A question that opens with "if" stays an instruction.
        let last = match model.steps[0].items.last() {
            Some(Item::Do(d)) => d.text.get(locale, locale).to_string(),
            other => panic!("{locale}: {other:?}"),
        };
        assert!(last.ends_with(['?', '？']), "{locale}: {last}");
    }
}

#[test]
fn the_english_branches() {
    let (out, model) = compiled("en");
    let mut found = Vec::new();
    ifs(&model, &model.steps[0].items, &mut found);
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found,
        [
            (
                "If the customer has an account team".to_string(),
                strings(&["Email the account team."]),
                strings(&["If there is no account team, follow the FAQ."]),
            ),
            (
                "If the customer is ready".to_string(),
                strings(&["Demo the form."]),
                strings(&["Otherwise, send the guide."]),
            ),
            (
                "If the customer wants another workload".to_string(),
                strings(&["Explain the request form."]),
                strings(&["If the customer does not want another workload, close the engagement."]),
            ),
        ]
    );
    insta::assert_snapshot!(out.source);
}

/// Merging a translation matches the branches' questions and instructions
/// by position, like every other item.
#[test]
fn a_translation_of_the_branches_merges_text_for_text() {
    let (_, model) = compiled("en");
    let zh = import::import(FileId(0), "zh", &fixture("zh"), None);
    let m = import::merge::merge(&model, &zh.document);
    assert!(
        !m.drift.iter().any(|d| d.contains("instructions")),
        "{:#?}",
        m.drift
    );
    let catalogue: toml::Value = toml::from_str(&m.catalogue).unwrap();
    for question in &model.decisions {
        let text = catalogue["texts"][&question.question.key]["text"]
            .as_str()
            .unwrap();
        assert!(text.starts_with("如果"), "{}: {text}", question.id);
    }
}

/// Words that look like a condition but are not one stay instructions:
/// 若要 ("in order to"), and a condition with nothing to govern.
#[test]
fn what_only_looks_like_a_condition_stays_an_instruction() {
    let md = "# 结束\n\n## 方法\n\n### 收尾\n\n主要角色: **FastTrack 经理**\n\n- 若要了解更多，请阅读指南。\n- 如果适用。\n";
    let out = import::import(FileId(0), "zh", md, None);
    assert_eq!(out.document.branches(), 0, "{}", out.source);
    let model = playbook::compile_str("zh.playbook", &out.source)
        .model
        .unwrap();
    assert!(model.decisions.is_empty());
    assert_eq!(model.steps[0].items.len(), 2);
}
