//! The HTML export as a browser sees it: headless Chromium (Debian's
//! `chromium` package) opens each page through `tests/browser/inspect-pages.mjs`
//! (playwright-core, pinned in `tests/browser/package-lock.json`) and reports
//! the title, the check boxes on screen and in print, and anything that could
//! run code or reach the network. `scripts/test.sh` installs both.

use super::export_documents::{compile, expected_check_boxes, playbook_files, root};
use playbook::export::html;
use playbook::ir::{Playbook, UnitKind};
use serde_json::Value;
use std::path::{Path, PathBuf};

const INSTALL: &str = "run `bash scripts/test.sh`, which installs Debian's `chromium` \
                       (apt-get install chromium) and the packages of tests/browser \
                       (npm ci --prefix tests/browser)";

fn chromium() -> PathBuf {
    let path = std::env::var_os("PLAYBOOK_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.is_file(),
        "no Chromium at {}: {INSTALL}",
        path.display()
    );
    path
}

/// Opens every file in one browser; the reports, in the same order.
fn inspect(files: &[PathBuf]) -> Vec<Value> {
    let browser_dir = root("tests/browser");
    assert!(
        browser_dir
            .join("node_modules/playwright-core/package.json")
            .is_file(),
        "playwright-core is missing from tests/browser/node_modules: {INSTALL}"
    );
    let output = std::process::Command::new("node")
        .arg(browser_dir.join("inspect-pages.mjs"))
        .args(files)
        .env("PLAYBOOK_CHROMIUM", chromium())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): install Node.js 20 or newer"));
    assert!(
        output.status.success(),
        "inspect-pages.mjs failed ({:?}):\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let reports: Vec<Value> =
        serde_json::from_slice(&output.stdout).expect("inspect-pages.mjs prints JSON");
    assert_eq!(reports.len(), files.len());
    reports
}

struct Page {
    name: String,
    model: Playbook,
    locale: &'static str,
    file: PathBuf,
}

fn write_pages(dir: &Path) -> Vec<Page> {
    let mut sources: Vec<PathBuf> = playbook_files(&root("playbooks"));
    sources.push(root("tests/fixtures/export/hostile-documents.playbook"));
    let mut pages = Vec::new();
    for source in sources {
        let model = compile(&source);
        if model.kind != UnitKind::Playbook {
            continue;
        }
        for locale in ["en", "zh"] {
            let name = format!("{}-{locale}", model.id);
            let file = dir.join(format!("{name}.html"));
            std::fs::write(&file, html::render(&model, locale)).expect("write the page");
            pages.push(Page {
                name,
                model: model.clone(),
                locale,
                file,
            });
        }
    }
    pages
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn chromium_sees_the_title_and_every_check_box() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pages = write_pages(dir.path());
    assert!(pages.len() >= 6, "pages: {}", pages.len());
    let files: Vec<PathBuf> = pages.iter().map(|p| p.file.clone()).collect();
    let reports = inspect(&files);

    for (page, report) in pages.iter().zip(&reports) {
        let name = &page.name;
        let m = &page.model;
        let title = m
            .header
            .title
            .as_ref()
            .map(|t| collapse(t.get(page.locale, &m.source_locale)))
            .expect("a title");
        assert_eq!(report["title"], title.as_str(), "{name}: document.title");
        assert_eq!(report["headings"][0], title.as_str(), "{name}: the h1");
        assert_eq!(report["lang"], page.locale, "{name}: lang");

        let boxes = expected_check_boxes(m);
        assert!(boxes > 0, "{name} has a checklist");
        for key in ["checkboxes", "visible_checkboxes", "print_checkboxes"] {
            assert_eq!(report[key], boxes, "{name}: {key}");
        }
        assert_eq!(report["first_checked"], true, "{name}: a box can be ticked");
        assert!(
            report["pdf_bytes"].as_u64().unwrap_or_default() > 1000,
            "{name} prints"
        );

        // Nothing runs, nothing loads.
        assert_eq!(report["scripts"], 0, "{name}: scripts");
        assert_eq!(report["embeds"], 0, "{name}: embedded content");
        for key in ["handlers", "requests", "dialogs", "errors"] {
            assert_eq!(report[key], Value::Array(Vec::new()), "{name}: {key}");
        }
        for address in report["addresses"].as_array().expect("addresses") {
            let a = address.as_str().unwrap_or_default();
            assert!(
                a.starts_with("https://") || a.starts_with("http://") || a.starts_with("mailto:"),
                "{name}: address {a:?}"
            );
        }
    }
}
