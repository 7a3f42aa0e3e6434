//! The Markdown and HTML documents of the shipped playbooks: snapshots in
//! English and Chinese, byte-identical output across runs, and labels that
//! are complete in every locale.

use playbook::export::{html, markdown};
use playbook::ir::{Playbook, UnitKind};
use playbook::labels;
use std::path::{Path, PathBuf};

/// A document exporter under test.
pub(crate) type Render = fn(&Playbook, &str) -> String;

/// The document formats, by name.
pub(crate) const DOCUMENTS: &[(&str, Render)] =
    &[("markdown", markdown::render), ("html", html::render)];

pub(crate) fn root(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Compiles a file that must compile without errors.
pub(crate) fn compile(path: &Path) -> Playbook {
    let c = playbook::compile(path, &playbook::fs::FsLoader::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let errors: Vec<String> = c
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.render(&c.sources, false, 100))
        .collect();
    c.model
        .unwrap_or_else(|| panic!("{} has errors:\n{}", path.display(), errors.join("\n")))
}

/// Every `.playbook` file under `dir`, sorted.
pub(crate) fn playbook_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "playbook") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The shipped processes (not the catalogues they use), by file stem.
fn shipped() -> Vec<(String, Playbook)> {
    let all: Vec<(String, Playbook)> = playbook_files(&root("playbooks"))
        .into_iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, compile(&p))
        })
        .filter(|(_, m)| m.kind == UnitKind::Playbook)
        .collect();
    assert!(all.len() >= 2, "the shipped playbooks: {}", all.len());
    all
}

#[test]
fn snapshots_of_the_shipped_playbooks() {
    for (stem, model) in shipped() {
        for (format, render) in DOCUMENTS {
            for locale in ["en", "zh"] {
                insta::assert_snapshot!(
                    format!("{format}-{stem}-{locale}"),
                    render(&model, locale)
                );
            }
        }
    }
}

#[test]
fn documents_are_byte_identical_across_runs() {
    let locales: Vec<&str> = labels::LOCALES
        .iter()
        .map(|l| l.locale)
        .chain(["fr", ""])
        .collect();
    for path in playbook_files(&root("playbooks")) {
        // Two compilations, so that nothing kept between them (an address,
        // a hash seed) can make the output differ.
        let (a, b) = (compile(&path), compile(&path));
        for (format, render) in DOCUMENTS {
            for locale in &locales {
                let first = render(&a, locale);
                assert!(!first.is_empty());
                assert_eq!(
                    first,
                    render(&b, locale),
                    "{format} of {} in {locale:?}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn every_valid_fixture_exports() {
    let files = playbook_files(&root("tests/fixtures/valid"));
    assert!(files.len() > 20, "valid fixtures: {}", files.len());
    for path in files {
        let model = compile(&path);
        for (format, render) in DOCUMENTS {
            let doc = render(&model, "en");
            let title = model
                .header
                .title
                .as_ref()
                .map(|t| t.get("en", &model.source_locale).to_string());
            assert!(
                !doc.trim().is_empty(),
                "{format} of {} is empty",
                path.display()
            );
            if let Some(title) = title.filter(|t| !t.contains('{')) {
                let words = title.split_whitespace().next().unwrap_or_default();
                assert!(
                    doc.contains(words),
                    "{format} of {} lacks its title {title:?}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn every_locale_has_every_phrase_with_its_slots() {
    let en = &labels::EN;
    for l in labels::LOCALES {
        for ((name, phrase), (_, english)) in l.phrases().into_iter().zip(en.phrases()) {
            let mut got = labels::slots(phrase);
            let mut want = labels::slots(english);
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{}: the slots of `{name}`", l.locale);
        }
        for ((name, word), (_, english)) in
            l.diagram.entries().into_iter().zip(en.diagram.entries())
        {
            let mut got = labels::slots(word);
            let mut want = labels::slots(english);
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(
                got, want,
                "{}: the slots of diagram word `{name}`",
                l.locale
            );
            assert!(
                !word.trim().is_empty(),
                "{}: diagram word `{name}` is empty",
                l.locale
            );
        }
        for ((name, word), (_, english)) in l.run.entries().into_iter().zip(en.run.entries()) {
            let mut got = labels::slots(word);
            let mut want = labels::slots(english);
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{}: the slots of run word `{name}`", l.locale);
            assert!(
                !word.trim().is_empty(),
                "{}: run word `{name}` is empty",
                l.locale
            );
        }
        for (name, word) in l.words() {
            assert!(
                !word.trim().is_empty() || name == "space",
                "{}: `{name}` is empty",
                l.locale
            );
        }
    }
    let codes: Vec<&str> = labels::LOCALES.iter().map(|l| l.locale).collect();
    assert_eq!(codes, ["en", "zh", "de", "ja", "pt", "es"]);
}

/// A run's refusals and event lines exist in every locale the documents
/// have, each phrase with the slots of the English one.
#[test]
fn every_locale_refuses_with_the_slots_of_english() {
    use playbook::labels::refuse;
    let codes: Vec<&str> = refuse::ALL.iter().map(|r| r.locale).collect();
    let documents: Vec<&str> = labels::LOCALES.iter().map(|l| l.locale).collect();
    assert_eq!(codes, documents);
    let en = refuse::get("en");
    for r in refuse::ALL {
        for ((name, word), (_, english)) in r.entries().into_iter().zip(en.entries()) {
            let mut got = labels::slots(word);
            let mut want = labels::slots(english);
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{}: the slots of refusal `{name}`", r.locale);
            assert!(!word.trim().is_empty(), "{}: `{name}` is empty", r.locale);
        }
    }
    assert_eq!(refuse::get("zh-Hans").locale, "zh");
    assert_eq!(refuse::get("fr").locale, "en");
}

#[test]
fn labels_follow_the_primary_language() {
    assert_eq!(labels::get("zh").locale, "zh");
    assert_eq!(labels::get("zh-Hans").locale, "zh");
    assert_eq!(labels::get("ZH_cn").locale, "zh");
    assert_eq!(labels::get("pt-BR").locale, "pt");
    assert_eq!(labels::get("de").overview, "Überblick");
    assert_eq!(labels::get("fr").locale, "en");
    assert_eq!(labels::get("").locale, "en");
}

#[test]
fn headings_are_localised() {
    let model = compile(&root("playbooks/engagement-completion-enablement.playbook"));
    for l in labels::LOCALES {
        let read = super::md_lines::read(&markdown::render(&model, l.locale));
        let outline: Vec<String> = read
            .outline()
            .into_iter()
            .filter(|(level, _)| *level == 2)
            .map(|(_, t)| t)
            .collect();
        assert_eq!(
            outline,
            [
                l.overview,
                l.objectives,
                l.approach,
                l.key_inputs,
                l.key_outputs,
                l.next_steps,
                l.history
            ],
            "{}",
            l.locale
        );
        assert!(
            read.outline().contains(&(4, l.tasks.to_string())),
            "{}",
            l.locale
        );
    }
}

/// The check boxes a playbook's HTML checklist has: one per instruction
/// (`do` item, nested ones included), per entry and exit gate of each step,
/// and per task row (under each step that completes the task, or under
/// "uncategorized tasks" when none does).
pub(crate) fn expected_check_boxes(model: &Playbook) -> usize {
    use playbook::ir::{Action, Item, walk_items};
    let mut count = 0;
    let mut completed = std::collections::BTreeSet::new();
    for step in &model.steps {
        count += step.entry.len() + step.exit.len();
        let mut tasks = std::collections::BTreeSet::new();
        walk_items(&step.items, &mut |item| {
            if let Item::Do(d) = item {
                count += 1;
                for a in &d.actions {
                    if let Action::CompleteTask { task } = a {
                        tasks.insert(*task);
                    }
                }
            }
        });
        count += tasks.len();
        completed.extend(tasks);
    }
    count
        + model
            .tasks
            .iter()
            .filter(|t| !completed.contains(&t.number))
            .count()
}

#[test]
fn html_is_one_self_contained_printable_page() {
    for path in playbook_files(&root("playbooks")) {
        let model = compile(&path);
        for locale in ["en", "zh"] {
            let page = html::render(&model, locale);
            let name = format!("{} in {locale}", path.display());
            assert!(page.starts_with("<!doctype html>\n"), "{name}");
            assert!(
                page.contains(&format!("<html lang=\"{locale}\">")),
                "{name}"
            );
            assert!(page.contains("<meta charset=\"utf-8\">"), "{name}");
            assert!(page.contains("@media print"), "{name}: a print style sheet");
            assert_eq!(page.matches("<style>").count(), 1, "{name}");
            for external in [
                "<script", "<link", "<img", "<iframe", " src=", "url(", "@import",
            ] {
                assert!(!page.contains(external), "{name} has {external:?}");
            }
            assert_eq!(
                page.matches("<input type=\"checkbox\">").count(),
                expected_check_boxes(&model),
                "{name}"
            );
        }
    }
}

#[test]
fn html_marks_roles_and_gates() {
    let model = compile(&root("playbooks/engagement-completion-enablement.playbook"));
    let page = html::render(&model, "en");
    let owners = model.steps.iter().filter(|s| s.owner.is_some()).count();
    assert_eq!(page.matches("<span class=\"role owner\">").count(), owners);
    let participants: usize = model.steps.iter().map(|s| s.participants.len()).sum();
    assert_eq!(page.matches("<span class=\"role\">").count(), participants);
    let entries: usize = model.steps.iter().map(|s| s.entry.len()).sum();
    let exits: usize = model.steps.iter().map(|s| s.exit.len()).sum();
    assert_eq!(page.matches("<li class=\"gate-entry\">").count(), entries);
    assert_eq!(page.matches("<li class=\"gate-exit\">").count(), exits);
    assert!(page.contains(".gate.entry {") && page.contains(".gate.exit {"));
}
