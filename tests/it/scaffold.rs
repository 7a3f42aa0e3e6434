//! `playbook new` and the manual pages.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn playbook() -> Command {
    Command::cargo_bin("playbook").unwrap()
}

#[test]
fn new_writes_a_playbook_that_checks_and_formats_clean_in_every_locale() {
    let dir = tempfile::tempdir().unwrap();
    playbook()
        .current_dir(dir.path())
        .args([
            "new",
            "onboard-customer",
            "--locale",
            "en",
            "--locale",
            "zh",
            "--locale",
            "de",
        ])
        .assert()
        .success()
        .stdout(
            "created onboard-customer/onboard-customer.playbook\n\
             created onboard-customer/onboard-customer.zh.toml\n\
             created onboard-customer/onboard-customer.de.toml\n\
             created onboard-customer/Playbook.toml\n",
        );
    let folder = dir.path().join("onboard-customer");
    let config = std::fs::read_to_string(folder.join("Playbook.toml")).unwrap();
    assert!(
        config.contains("locales = [\"en\", \"zh\", \"de\"]"),
        "{config}"
    );
    let source = std::fs::read_to_string(folder.join("onboard-customer.playbook")).unwrap();
    assert!(source.contains("playbook onboard-customer {"));
    assert!(source.contains("translation zh \"onboard-customer.zh.toml\""));
    // Nothing to report, with the configuration requiring all three locales.
    playbook()
        .current_dir(&folder)
        .args(["check", "--deny-warnings"])
        .assert()
        .success()
        .stdout("checked 1 file: 0 errors, 0 warnings\n");
    playbook()
        .current_dir(&folder)
        .args(["fmt", "--check", "."])
        .assert()
        .success();
    // Removing a translation from a catalogue is noticed: the catalogue
    // holds every text.
    let zh = folder.join("onboard-customer.zh.toml");
    let catalogue = std::fs::read_to_string(&zh).unwrap();
    let without: String = catalogue
        .lines()
        .filter(|l| !l.starts_with("\"role.lead\""))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, catalogue);
    std::fs::write(&zh, without).unwrap();
    playbook()
        .current_dir(&folder)
        .arg("check")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing-translation"));
}

#[test]
fn new_refuses_a_bad_name_a_bad_locale_and_an_existing_folder() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["new", "Onboard Customer"][..],
        &["new", "onboard--customer"],
        &["new", "ok", "--locale", "EN"],
        &["new", "ok", "--locale", "en", "--locale", "en"],
    ] {
        playbook()
            .current_dir(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("error: "));
    }
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    playbook()
        .current_dir(dir.path())
        .args(["new", "taken"])
        .assert()
        .code(2)
        .stderr("error: `taken` already exists\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn the_committed_manual_pages_are_current() {
    let dir = tempfile::tempdir().unwrap();
    playbook()
        .arg("man")
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    };
    let committed = Path::new("docs/man");
    assert_eq!(
        names(dir.path()),
        names(committed),
        "run `playbook man --out docs/man` to update docs/man"
    );
    for name in names(committed) {
        let fresh = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        let old = std::fs::read_to_string(committed.join(&name)).unwrap();
        assert!(
            fresh == old,
            "docs/man/{name} is stale: run `cargo run -- man --out docs/man`"
        );
    }
    // One page per visible command, each naming its synopsis.
    for command in [
        "check",
        "explain",
        "export",
        "fmt",
        "lsp",
        "new",
        "serve",
        "completions",
    ] {
        let page =
            std::fs::read_to_string(committed.join(format!("playbook-{command}.1"))).unwrap();
        assert!(
            page.contains(&format!(".SH NAME\nplaybook\\-{command} \\-")),
            "{command}"
        );
    }
    assert!(!names(committed).contains(&"playbook-man.1".to_string()));
}
