//! What the project ships besides the binary, held together: the licence
//! (`Cargo.toml`, the VS Code extension's `package.json` and the licence
//! files agree), the pre-commit hooks (`.pre-commit-hooks.yaml`, whose
//! `entry` is run on fixtures) and the GitHub Action (`action.yml`, checked
//! against the rules of GitHub's action metadata).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root(relative)).unwrap_or_else(|e| panic!("read {relative}: {e}"))
}

fn manifest() -> toml::Table {
    read("Cargo.toml").parse().expect("Cargo.toml is TOML")
}

fn package() -> toml::Table {
    manifest()["package"]
        .as_table()
        .expect("a [package] table")
        .clone()
}

fn extension() -> serde_json::Value {
    serde_json::from_str(&read("editors/vscode/package.json")).expect("package.json is JSON")
}

/// The licence file of each SPDX identifier we use, and a line only that
/// licence's standard text has.
const LICENCE_FILES: &[(&str, &str, &str)] = &[
    ("MIT", "LICENSE-MIT", "Permission is hereby granted, free of charge"),
    (
        "Apache-2.0",
        "LICENSE-APACHE",
        "Apache License\n                        Version 2.0, January 2004",
    ),
];

/// The identifiers of an SPDX expression made of `OR`s.
fn licence_ids(expression: &str) -> BTreeSet<&str> {
    expression.split(" OR ").map(str::trim).collect()
}

#[test]
fn cargo_toml_the_extension_and_the_licence_files_name_the_same_licence() {
    let package = package();
    let licence = package["license"].as_str().expect("Cargo.toml has `license`");
    assert_eq!(licence, "MIT OR Apache-2.0");
    assert_eq!(
        extension()["license"].as_str(),
        Some(licence),
        "editors/vscode/package.json names another licence than Cargo.toml"
    );
    let lock: serde_json::Value =
        serde_json::from_str(&read("editors/vscode/package-lock.json")).unwrap();
    assert_eq!(lock["packages"][""]["license"].as_str(), Some(licence));
    let ids = licence_ids(licence);
    let known: BTreeSet<&str> = LICENCE_FILES.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(ids, known, "a licence without its file, or a file of no licence");
    for (id, file, marker) in LICENCE_FILES {
        let text = read(file);
        assert!(text.contains(marker), "{file} is not the {id} licence");
    }
    assert!(read("LICENSE-MIT").starts_with("Copyright (c) the playbook authors\n"));
    // The README says which licence, in the same words.
    let readme = read("README.md");
    assert!(
        readme.contains("`MIT OR Apache-2.0`")
            && readme.contains("LICENSE-MIT")
            && readme.contains("LICENSE-APACHE"),
        "README.md does not state the licence"
    );
}

#[test]
fn cargo_toml_and_the_extension_point_to_the_same_repository() {
    let package = package();
    let repository = package["repository"].as_str().expect("`repository`");
    assert!(repository.starts_with("https://github.com/"), "{repository}");
    for key in ["description", "homepage", "rust-version"] {
        assert!(package.contains_key(key), "Cargo.toml lacks `{key}`");
    }
    let keywords = package["keywords"].as_array().expect("`keywords`");
    // crates.io takes at most five, each of ASCII letters, digits, `-`, `_`, `+`.
    assert!(!keywords.is_empty() && keywords.len() <= 5, "{keywords:?}");
    for keyword in keywords {
        let keyword = keyword.as_str().unwrap();
        assert!(
            keyword.len() <= 20
                && keyword
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_+".contains(c)),
            "{keyword}"
        );
    }
    assert!(package["categories"].as_array().is_some_and(|c| !c.is_empty()));
    let extension = extension();
    let url = extension["repository"]["url"].as_str().expect("a repository url");
    assert_eq!(url.trim_end_matches(".git"), repository);
    assert_eq!(extension["homepage"].as_str(), package["homepage"].as_str());
    assert_eq!(
        extension["version"].as_str(),
        package["version"].as_str(),
        "the extension and the compiler have different versions"
    );
    let publisher = extension["publisher"].as_str().expect("a publisher");
    assert!(
        repository.contains(&format!("/{publisher}/")),
        "the publisher `{publisher}` is not the repository's owner"
    );
}

#[test]
fn the_readme_states_the_rust_version_of_cargo_toml() {
    let package = package();
    let version = package["rust-version"].as_str().expect("`rust-version`");
    assert!(
        read("README.md").contains(&format!("Rust toolchain ({version} or newer)")),
        "README.md gives another minimum Rust than Cargo.toml's {version}"
    );
}
