//! The machine-readable outputs of `playbook check` — SARIF (validated
//! against the official SARIF 2.1.0 schema with Node), GitHub workflow
//! annotations and JSON — and `Playbook.toml` (`tests/fixtures/config/`),
//! all through the real binary.
//!
//! SARIF validation needs Node.js and the packages of `tests/node/`:
//! `npm ci --prefix tests/node` (which `scripts/test.sh` runs).

use assert_cmd::Command;
use playbook::registry::{Code, Severity};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

pub(crate) fn playbook() -> Command {
    let mut cmd = Command::cargo_bin("playbook").expect("the playbook binary");
    // Deterministic rendering: no colour from the environment, a fixed width.
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("COLUMNS", "100");
    cmd
}

/// A path below the package root.
pub(crate) fn root(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Copies a folder and everything below it.
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("list {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// Runs `playbook ARGS` in `dir`.
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> Output {
    playbook()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run playbook")
}

/// Parses standard output as JSON, saying what it was when it is not.
pub(crate) fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `playbook check --format json ARGS` in `dir`: the exit code and report.
pub(crate) fn check_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let output = run_in(dir, &all);
    (
        output.status.code().expect("an exit code"),
        stdout_json(&output),
    )
}

pub(crate) fn diagnostics(report: &Value) -> &Vec<Value> {
    report["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
}

fn codes(report: &Value) -> Vec<&str> {
    diagnostics(report)
        .iter()
        .map(|d| d["code"].as_str().expect("a code"))
        .collect()
}

// ---------------------------------------------------------------------------
// The faulty folder
// ---------------------------------------------------------------------------

/// Fixtures copied into the faulty folder: errors and warnings, with and
/// without related locations and paths, messages with commas and `%`.
const FAULTY: &[&str] = &[
    "duplicate-id_step",                                 // related, no path
    "empty-step_no-items",                               // a warning
    "gate-unsatisfied_never-recorded",                   // related and path
    "invalid-literal_percent-too-precise",               // `%` in the message
    "missing-metadata_bare-header",                      // a warning, commas
    "non-exhaustive-branch_condition-gap",               // path without steps
    "ordering-violation_after-an-item-that-may-not-run", // path, a comma
];

/// A temporary folder holding copies of the `FAULTY` fixtures.
fn faulty_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for name in FAULTY {
        let file = format!("{name}.playbook");
        std::fs::copy(
            root("tests/fixtures/invalid").join(&file),
            dir.path().join(&file),
        )
        .expect("copy a fixture");
    }
    dir
}

/// The JSON report of the faulty folder, checked from inside it (so file
/// names are the bare fixture names).
fn faulty_report(dir: &Path) -> Value {
    let (code, report) = check_json(dir, &["."]);
    assert_eq!(code, 1, "{report:#}");
    let found: BTreeSet<&str> = codes(&report).into_iter().collect();
    let expected: BTreeSet<&str> = FAULTY
        .iter()
        .map(|n| n.split('_').next().expect("a code"))
        .collect();
    assert_eq!(found, expected, "{report:#}");
    report
}

// ---------------------------------------------------------------------------
// SARIF
// ---------------------------------------------------------------------------

/// Validates a SARIF file against the official schema with
/// `tests/node/validate-sarif.mjs`; fails the test, saying how to install
/// what is missing, when Node or the packages are not there.
fn validate_sarif(file: &Path) {
    const INSTALL: &str = "run `npm ci --prefix tests/node` (scripts/test.sh does) to install \
                           the packages that validate SARIF output";
    let node_dir = root("tests/node");
    for package in ["ajv", "ajv-formats", "@microsoft/jest-sarif"] {
        let manifest = node_dir
            .join("node_modules")
            .join(package)
            .join("package.json");
        assert!(
            manifest.is_file(),
            "the node package `{package}` is missing from tests/node/node_modules: {INSTALL}"
        );
    }
    let output = std::process::Command::new("node")
        .arg(node_dir.join("validate-sarif.mjs"))
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `node` ({e}): install Node.js 20 or newer, then {INSTALL}")
        });
    assert!(
        output.status.success(),
        "{} is not valid SARIF 2.1.0 (exit {:?}); if packages are missing, {INSTALL}\n{}{}",
        file.display(),
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `playbook check --format sarif ARGS` in `dir`: writes the log to a file,
/// validates it against the schema and returns the exit code and the log.
fn check_sarif(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "sarif"];
    all.extend_from_slice(args);
    let output = run_in(dir, &all);
    let log = stdout_json(&output);
    let out = tempfile::tempdir().expect("a temporary folder");
    let file = out.path().join("check.sarif");
    std::fs::write(&file, &output.stdout).expect("write the SARIF log");
    validate_sarif(&file);
    (output.status.code().expect("an exit code"), log)
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"]
        .as_array()
        .expect("a results array")
}

/// The log's envelope: version, one run, the tool and its rules.
fn assert_sarif_envelope(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("a runs array");
    assert_eq!(runs.len(), 1, "one run");
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "playbook");
    let rules = driver["rules"].as_array().expect("a rules array");
    assert_eq!(rules.len(), Code::ALL.len(), "one rule per code");
    for (rule, code) in rules.iter().zip(Code::ALL) {
        assert_eq!(rule["id"], code.name());
        let level = match code.default_severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            level,
            "default level of {}",
            code.name()
        );
        assert_eq!(rule["shortDescription"]["text"], code.summary());
    }
}

/// Each SARIF result says what the JSON diagnostic at the same position
/// says. `uri` maps a JSON file name to the expected artifact URI.
fn assert_results_match(log: &Value, report: &Value, uri: &dyn Fn(&str) -> String) {
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let results = results(log);
    let diagnostics = diagnostics(report);
    assert_eq!(results.len(), diagnostics.len(), "{log:#}");
    for (r, d) in results.iter().zip(diagnostics) {
        let what = format!("{}: {}", d["code"], d["message"]);
        assert_eq!(r["ruleId"], d["code"], "{what}");
        let index = r["ruleIndex"].as_u64().expect("a ruleIndex") as usize;
        assert_eq!(rules[index]["id"], d["code"], "{what}: ruleIndex");
        assert_eq!(r["level"], d["severity"], "{what}: level");
        let locations = r["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1, "{what}");
        let physical = &locations[0]["physicalLocation"];
        assert_eq!(
            physical["artifactLocation"]["uri"],
            uri(d["file"].as_str().expect("a file")).as_str(),
            "{what}"
        );
        let region = &physical["region"];
        assert_eq!(region["startLine"], d["line"], "{what}: startLine");
        assert_eq!(region["startColumn"], d["column"], "{what}: startColumn");
        assert_eq!(region["endLine"], d["end_line"], "{what}: endLine");
        assert_eq!(region["endColumn"], d["end_column"], "{what}: endColumn");
        let text = r["message"]["text"].as_str().expect("a message text");
        let message = d["message"].as_str().expect("a message");
        assert!(text.starts_with(message), "{what}: {text:?}");
        if let Some(help) = d["help"].as_str() {
            assert!(
                text.contains(&format!("\nhelp: {help}")),
                "{what}: {text:?}"
            );
        }
        if let Some(values) = d["path"]["values"].as_object() {
            for (name, value) in values {
                let value = value.as_str().expect("a value");
                assert!(
                    text.contains(&format!("{name} = {value}")),
                    "{what}: {text:?}"
                );
            }
        }
        match d["related"].as_array() {
            None => assert!(r.get("relatedLocations").is_none(), "{what}"),
            Some(related) => {
                let locations = r["relatedLocations"].as_array().expect("relatedLocations");
                assert_eq!(locations.len(), related.len(), "{what}");
                for (l, rel) in locations.iter().zip(related) {
                    let physical = &l["physicalLocation"];
                    assert_eq!(
                        physical["artifactLocation"]["uri"],
                        uri(rel["file"].as_str().expect("a file")).as_str()
                    );
                    assert_eq!(physical["region"]["startLine"], rel["line"], "{what}");
                    assert_eq!(physical["region"]["startColumn"], rel["column"], "{what}");
                    assert_eq!(l["message"]["text"], rel["message"], "{what}");
                }
            }
        }
    }
}

#[test]
fn sarif_of_the_shipped_playbooks_is_valid_and_empty() {
    let (code, log) = check_sarif(&root(""), &["playbooks/"]);
    assert_eq!(code, 0);
    assert_sarif_envelope(&log);
    assert!(results(&log).is_empty(), "{log:#}");
}

#[test]
fn sarif_of_faulty_playbooks_is_valid_and_matches_the_json() {
    let dir = faulty_folder();
    let report = faulty_report(dir.path());
    let (code, log) = check_sarif(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert_sarif_envelope(&log);
    assert_results_match(&log, &report, &|file| file.to_string());
    // Some results have related locations, some a path.
    let results = results(&log);
    assert!(results.iter().any(|r| r.get("relatedLocations").is_some()));
    assert!(
        results
            .iter()
            .any(|r| r["message"]["text"].as_str().unwrap().contains("\npath: "))
    );
    assert!(results.iter().any(|r| r["level"] == "warning"));
}

#[cfg(unix)]
#[test]
fn sarif_of_absolute_paths_uses_file_uris() {
    let dir = faulty_folder();
    let absolute = dir.path().to_str().expect("a UTF-8 path");
    let (code, report) = check_json(&root(""), &[absolute]);
    assert_eq!(code, 1);
    let (code, log) = check_sarif(&root(""), &[absolute]);
    assert_eq!(code, 1);
    assert_sarif_envelope(&log);
    assert_results_match(&log, &report, &|file| {
        assert!(Path::new(file).is_absolute(), "{file}");
        format!("file://{file}")
    });
}

// ---------------------------------------------------------------------------
// GitHub annotations
// ---------------------------------------------------------------------------

/// Undoes the runner's escaping, in one pass (so that `%250A` is `%0A`).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let escape = rest.get(i..i + 3).unwrap_or(&rest[i..]);
        out.push(match escape {
            "%25" => '%',
            "%0A" => '\n',
            "%0D" => '\r',
            "%3A" => ':',
            "%2C" => ',',
            _ => panic!("a bare `%` in {s:?}"),
        });
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

/// Every `%` in an escaped text starts one of the runner's escapes.
fn assert_escaped(s: &str, escapes: &[&str]) {
    for (i, _) in s.match_indices('%') {
        assert!(
            escapes.iter().any(|e| s[i..].starts_with(e)),
            "a bare `%` at {i} in {s:?}"
        );
    }
    assert!(!s.contains('\n') && !s.contains('\r'), "{s:?}");
}

/// One annotation per JSON diagnostic, in the same order, saying the same.
fn assert_annotations_match(stdout: &str, report: &Value) {
    assert!(stdout.is_empty() || stdout.ends_with('\n'));
    let lines: Vec<&str> = stdout.lines().collect();
    let diagnostics = diagnostics(report);
    assert_eq!(lines.len(), diagnostics.len(), "{stdout}");
    for (line, d) in lines.iter().zip(diagnostics) {
        let kind = if d["severity"] == "error" {
            "error"
        } else {
            "warning"
        };
        let rest = line
            .strip_prefix(&format!("::{kind} "))
            .unwrap_or_else(|| panic!("not a `::{kind}` annotation: {line}"));
        let (properties, message) = rest
            .split_once("::")
            .unwrap_or_else(|| panic!("no `::` before the message: {line}"));
        assert_escaped(properties, &["%25", "%0A", "%0D", "%3A", "%2C"]);
        assert_escaped(message, &["%25", "%0A", "%0D"]);
        let properties: Vec<(&str, String)> = properties
            .split(',')
            .map(|p| {
                let (k, v) = p.split_once('=').expect("key=value");
                (k, unescape(v))
            })
            .collect();
        let number = |key: &str| d[key].as_u64().expect("a number").to_string();
        assert_eq!(
            properties,
            vec![
                ("file", d["file"].as_str().unwrap().to_string()),
                ("line", number("line")),
                ("col", number("column")),
                ("endLine", number("end_line")),
                ("endColumn", number("end_column")),
                (
                    "title",
                    format!("playbook ({})", d["code"].as_str().unwrap())
                ),
            ],
            "{line}"
        );
        // The message, the path, the related places and the help, one a
        // line: what the human format shows.
        let mut expected = vec![d["message"].as_str().unwrap().to_string()];
        let message = unescape(message);
        let lines: Vec<&str> = message.split('\n').collect();
        if let Some(path) = d.get("path") {
            // The values in the order the checker found them: compare as a set.
            let shown = lines.get(1).copied().unwrap_or_default().to_string();
            let steps: Vec<&str> = path["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            let prefix = if steps.is_empty() {
                "for example when ".to_string()
            } else {
                format!("path: {}, ", steps.join(" -> "))
            };
            assert!(shown.starts_with(&prefix), "{shown:?} in {line}");
            for (k, v) in path["values"].as_object().unwrap() {
                let pair = format!("{k} = {}", v.as_str().unwrap());
                assert!(shown.contains(&pair), "no {pair:?} in {shown:?}");
            }
            expected.push(shown);
        }
        for r in d["related"].as_array().into_iter().flatten() {
            expected.push(format!(
                "{}:{}:{}: {}",
                r["file"].as_str().unwrap(),
                r["line"],
                r["column"],
                r["message"].as_str().unwrap()
            ));
        }
        if let Some(help) = d["help"].as_str() {
            expected.push(format!("help: {help}"));
        }
        assert_eq!(lines, expected, "{line}");
    }
}

#[test]
fn github_annotations_one_line_per_diagnostic_escaped() {
    let dir = faulty_folder();
    // A file name with a comma (and, where file names may hold one, a colon)
    // to escape in the `file` property.
    let odd_name = if cfg!(windows) {
        "order, after.playbook"
    } else {
        "order, after: item.playbook"
    };
    std::fs::copy(
        root("tests/fixtures/invalid/ordering-violation_after-an-item-that-may-not-run.playbook"),
        dir.path().join(odd_name),
    )
    .expect("copy");
    let (_, report) = check_json(dir.path(), &["."]);
    let output = run_in(dir.path(), &["check", "--format", "github", "."]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stderr.is_empty(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert_annotations_match(&stdout, &report);
    let lines: Vec<&str> = stdout.lines().collect();
    // The escapes themselves, spelled out.
    let percent = lines
        .iter()
        .find(|l| l.contains("title=playbook (invalid-literal)::"))
        .expect("the invalid-literal annotation");
    assert!(
        percent.contains("::`12.345%25` is not a percentage"),
        "{percent}"
    );
    assert!(percent.contains("%0Ahelp: "), "{percent}");
    let odd = lines
        .iter()
        .find(|l| l.contains("file=order%2C after"))
        .unwrap_or_else(|| panic!("no annotation for {odd_name:?}:\n{stdout}"));
    if !cfg!(windows) {
        assert!(
            odd.starts_with("::error file=order%2C after%3A item.playbook,line=16,col=8,"),
            "{odd}"
        );
    }
    // A message with a comma stays as it is in the message part.
    assert!(odd.contains("::item `unassign` waits for `request-move`, which"));
    assert!(lines.iter().any(|l| l.starts_with("::warning ")));
}

/// Every fixture of the invalid corpus, in one run: valid SARIF and one
/// annotation per diagnostic, both saying what the JSON says.
#[test]
fn sarif_and_annotations_of_the_whole_invalid_corpus() {
    let dir = root("");
    let corpus = "tests/fixtures/invalid";
    let (code, report) = check_json(&dir, &[corpus]);
    assert_eq!(code, 1);
    assert!(diagnostics(&report).len() > 100, "{}", report["summary"]);
    let output = run_in(&dir, &["check", "--format", "github", corpus]);
    assert_eq!(output.status.code(), Some(1));
    assert_annotations_match(&String::from_utf8(output.stdout).expect("UTF-8"), &report);
    let (code, log) = check_sarif(&dir, &[corpus]);
    assert_eq!(code, 1);
    assert_sarif_envelope(&log);
    assert_results_match(&log, &report, &|file| file.replace('\\', "/"));
}

#[test]
fn github_annotations_of_the_shipped_playbooks_are_empty() {
    playbook()
        .args(["check", "--format", "github", "playbooks/"])
        .assert()
        .code(0)
        .stdout("")
        .stderr("");
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

fn assert_position(v: &Value, key: &str) {
    assert!(
        v[key].as_u64().is_some_and(|n| n >= 1),
        "`{key}` is not a number from 1: {v}"
    );
}

#[test]
fn json_has_the_documented_shape() {
    let dir = faulty_folder();
    let report = faulty_report(dir.path());
    assert_eq!(keys(&report), set(&["diagnostics", "summary"]));
    let required = crate::cli::DIAGNOSTIC_KEYS;
    let mut seen_related = false;
    let mut seen_path = false;
    for d in diagnostics(&report) {
        let k = keys(d);
        let extra: BTreeSet<&str> = k.difference(&set(required)).copied().collect();
        assert!(set(required).is_subset(&k), "{d:#}");
        assert!(extra.is_subset(&set(&["related", "path"])), "{d:#}");
        let code = d["code"].as_str().expect("a code");
        assert!(Code::from_name(code).is_some(), "{code}");
        assert!(
            d["severity"] == "error" || d["severity"] == "warning",
            "{d:#}"
        );
        assert!(!d["message"].as_str().expect("a message").is_empty());
        assert!(d["file"].as_str().expect("a file").ends_with(".playbook"));
        for key in ["line", "column", "end_line", "end_column"] {
            assert_position(d, key);
        }
        assert!(
            d["end_line"].as_u64() > d["line"].as_u64()
                || d["end_column"].as_u64() >= d["column"].as_u64(),
            "{d:#}"
        );
        assert!(d["help"].is_string() || d["help"].is_null(), "{d:#}");
        if let Some(related) = d.get("related") {
            seen_related = true;
            let related = related.as_array().expect("an array");
            assert!(!related.is_empty(), "`related` is left out when empty");
            for r in related {
                assert_eq!(keys(r), set(&["message", "file", "line", "column"]));
                assert!(r["message"].is_string() && r["file"].is_string());
                assert_position(r, "line");
                assert_position(r, "column");
            }
        }
        if let Some(path) = d.get("path") {
            seen_path = true;
            assert_eq!(keys(path), set(&["values", "steps"]));
            let values = path["values"].as_object().expect("an object");
            assert!(values.values().all(Value::is_string), "{path}");
            let steps = path["steps"].as_array().expect("an array");
            assert!(steps.iter().all(Value::is_string), "{path}");
        }
    }
    assert!(seen_related && seen_path);
    let summary = &report["summary"];
    assert_eq!(keys(summary), set(&["files", "errors", "warnings"]));
    let count = |severity: &str| {
        diagnostics(&report)
            .iter()
            .filter(|d| d["severity"] == severity)
            .count() as u64
    };
    assert_eq!(summary["files"], FAULTY.len() as u64);
    assert_eq!(summary["errors"], count("error"));
    assert_eq!(summary["warnings"], count("warning"));
    assert_eq!(summary["warnings"], 2, "{report:#}");
}

#[test]
fn json_output_is_stable() {
    let dir = faulty_folder();
    let run = |threads: Option<&str>| {
        let mut cmd = playbook();
        if let Some(n) = threads {
            cmd.env("RAYON_NUM_THREADS", n);
        }
        let output = cmd
            .current_dir(dir.path())
            .args(["check", "--format", "json", "."])
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(1));
        output.stdout
    };
    let first = run(None);
    assert_eq!(first, run(None), "two runs differ");
    assert_eq!(first, run(Some("1")), "one thread and several differ");
    // Diagnostics come in file order.
    let report: Value = serde_json::from_slice(&first).expect("JSON");
    let files: Vec<&str> = diagnostics(&report)
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
}

#[test]
fn json_path_of_a_path_sensitive_diagnostic() {
    let dir = faulty_folder();
    let report = faulty_report(dir.path());
    let gate = diagnostics(&report)
        .iter()
        .find(|d| d["code"] == "gate-unsatisfied")
        .expect("the gate-unsatisfied diagnostic");
    assert_eq!(gate["file"], "gate-unsatisfied_never-recorded.playbook");
    assert_eq!(
        gate["path"],
        serde_json::json!({ "values": { "known": "false" }, "steps": ["first", "second"] })
    );
    assert_eq!(gate["related"][0]["message"], "step `first` records `sent`");
    let gap = diagnostics(&report)
        .iter()
        .find(|d| d["code"] == "non-exhaustive-branch")
        .expect("the non-exhaustive-branch diagnostic");
    assert_eq!(
        gap["path"],
        serde_json::json!({ "values": { "seats": "1000" }, "steps": [] })
    );
    assert!(gap.get("related").is_none(), "{gap:#}");
    let duplicate = diagnostics(&report)
        .iter()
        .find(|d| d["code"] == "duplicate-id")
        .expect("the duplicate-id diagnostic");
    assert!(duplicate.get("path").is_none(), "{duplicate:#}");
    assert_eq!(duplicate["related"][0]["line"], 3);
}

// ---------------------------------------------------------------------------
// Playbook.toml
// ---------------------------------------------------------------------------

/// A copy of `tests/fixtures/config/<case>` in a fresh temporary folder,
/// away from any other `Playbook.toml`.
fn config_case(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    copy_tree(&root("tests/fixtures/config").join(case), dir.path());
    dir
}

fn without_config(dir: &Path) {
    std::fs::remove_file(dir.join("Playbook.toml")).expect("remove Playbook.toml");
}

#[test]
fn playbook_toml_is_found_by_walking_up() {
    let dir = config_case("walk-up");
    let drafts = dir.path().join("team/drafts");
    for (cwd, path) in [
        (drafts.as_path(), "main.playbook"),
        (drafts.as_path(), "."),
        (&dir.path().join("team"), "drafts"),
        (dir.path(), "team/drafts/main.playbook"),
    ] {
        let (code, report) = check_json(cwd, &[path]);
        assert_eq!(code, 0, "{path} in {}", cwd.display());
        assert_eq!(codes(&report), ["empty-step"], "{report:#}");
    }
    // The warning that remains fails --deny-warnings.
    let output = run_in(&drafts, &["check", "--deny-warnings", "main.playbook"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout) == "checked 1 file: 0 errors, 1 warning\n");
    // Without the configuration, missing-metadata comes back.
    without_config(dir.path());
    let (code, report) = check_json(&drafts, &["main.playbook"]);
    assert_eq!(code, 0);
    assert_eq!(codes(&report), ["missing-metadata", "empty-step"]);
}

#[test]
fn playbook_toml_allow_removes_a_warning() {
    let dir = config_case("allow-a-warning");
    let output = run_in(dir.path(), &["check", "main.playbook"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "checked 1 file: 0 errors, 0 warnings\n"
    );
    let output = run_in(dir.path(), &["check", "--deny-warnings", "main.playbook"]);
    assert_eq!(output.status.code(), Some(0), "nothing left to deny");
    without_config(dir.path());
    let (code, report) = check_json(dir.path(), &["main.playbook"]);
    assert_eq!(code, 0);
    assert_eq!(codes(&report), ["empty-step"]);
    assert_eq!(report["diagnostics"][0]["severity"], "warning");
    let output = run_in(dir.path(), &["check", "--deny-warnings", "main.playbook"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "--deny-warnings with a warning"
    );
}

#[test]
fn playbook_toml_deny_makes_a_warning_an_error() {
    let dir = config_case("deny-a-warning");
    let (code, report) = check_json(dir.path(), &["main.playbook"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(codes(&report), ["empty-step"]);
    assert_eq!(report["diagnostics"][0]["severity"], "error");
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["warnings"], 0);
    // SARIF and GitHub annotations follow the configured level.
    let (code, log) = check_sarif(dir.path(), &["main.playbook"]);
    assert_eq!(code, 1);
    assert_eq!(results(&log)[0]["level"], "error");
    let output = run_in(
        dir.path(),
        &["check", "--format", "github", "main.playbook"],
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("::error file=main.playbook,"),
        "{output:?}"
    );
}

#[test]
fn playbook_toml_warn_lowers_a_lint_error() {
    let dir = config_case("warn-a-lint-error");
    let (code, report) = check_json(dir.path(), &["main.playbook"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(codes(&report), ["non-exhaustive-branch"]);
    assert_eq!(report["diagnostics"][0]["severity"], "warning");
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["warnings"], 1);
    let (code, log) = check_sarif(dir.path(), &["main.playbook"]);
    assert_eq!(code, 0);
    assert_eq!(results(&log)[0]["level"], "warning");
    let output = run_in(dir.path(), &["check", "--deny-warnings", "main.playbook"]);
    assert_eq!(output.status.code(), Some(1));
    without_config(dir.path());
    let (code, report) = check_json(dir.path(), &["main.playbook"]);
    assert_eq!(code, 1);
    assert_eq!(report["diagnostics"][0]["severity"], "error");
}

#[test]
fn playbook_toml_with_an_unknown_code_exits_2() {
    let dir = config_case("unknown-code");
    for format in ["human", "json", "sarif", "github"] {
        let output = run_in(dir.path(), &["check", "--format", format, "main.playbook"]);
        assert_eq!(output.status.code(), Some(2), "{format}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("invalid-config"), "{format}: {stderr}");
        assert!(
            stderr.contains("`no-such-code` is not a diagnostic code"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn playbook_toml_cannot_lower_an_error_that_is_not_a_lint() {
    let dir = config_case("not-lowerable");
    let output = run_in(dir.path(), &["check", "main.playbook"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid-config"), "{stderr}");
    assert!(
        stderr.contains("`undefined-reference` is an error that cannot be silenced"),
        "{stderr}"
    );
    // `warn` is lowering too; `deny` keeps it an error and is accepted.
    let config = dir.path().join("Playbook.toml");
    std::fs::write(&config, "[levels]\nundefined-reference = \"warn\"\n").expect("write");
    let output = run_in(dir.path(), &["check", "main.playbook"]);
    assert_eq!(output.status.code(), Some(2));
    std::fs::write(&config, "[levels]\nundefined-reference = \"deny\"\n").expect("write");
    let output = run_in(dir.path(), &["check", "main.playbook"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // Every lint can be allowed, and no other code can.
    for code in Code::ALL {
        std::fs::write(&config, format!("[levels]\n{} = \"allow\"\n", code.name())).expect("write");
        let output = run_in(dir.path(), &["check", "main.playbook"]);
        let expected = if code.is_lint() { 0 } else { 2 };
        assert_eq!(
            output.status.code(),
            Some(expected),
            "{} = allow",
            code.name()
        );
    }
}

#[test]
fn playbook_toml_locales_require_a_translation() {
    let dir = config_case("locales");
    copy_tree(&root("playbooks"), dir.path());
    let (code, report) = check_json(dir.path(), &["."]);
    assert_eq!(code, 1, "{report:#}");
    let ds = diagnostics(&report);
    assert!(!ds.is_empty());
    let mut files = BTreeSet::new();
    for d in ds {
        assert_eq!(d["code"], "missing-translation", "{d:#}");
        assert_eq!(d["severity"], "error");
        let message = d["message"].as_str().unwrap();
        assert!(message.contains("`de`"), "{message}");
        assert!(!message.contains("`zh`"), "{message}");
        files.insert(d["file"].as_str().unwrap());
    }
    assert!(
        files.contains("engagement-completion-enablement.playbook"),
        "{files:?}"
    );
    // With the locales the shipped playbooks have, they are clean again.
    std::fs::write(
        dir.path().join("Playbook.toml"),
        "locales = [\"en\", \"zh\"]\n",
    )
    .expect("write");
    let (code, report) = check_json(dir.path(), &["."]);
    assert_eq!(code, 0, "{report:#}");
    assert!(diagnostics(&report).is_empty());
}

/// The files a JSON report names (each checked file has one warning).
fn reported_files(report: &Value) -> Vec<&str> {
    diagnostics(report)
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect()
}

#[test]
fn playbook_toml_include_and_exclude_select_files() {
    let dir = config_case("globs");
    let d = dir.path();
    let both = [
        "playbooks/checked.playbook",
        "playbooks/team/team-checked.playbook",
    ];
    for args in [&["."][..], &[][..], &["playbooks"][..]] {
        let (code, report) = check_json(d, args);
        assert_eq!(code, 0, "check {args:?}: {report:#}");
        assert_eq!(reported_files(&report), both, "check {args:?}");
        assert_eq!(report["summary"]["files"], 2);
    }
    // The globs are relative to Playbook.toml, also from a subfolder.
    let (code, report) = check_json(&d.join("playbooks"), &["."]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        reported_files(&report),
        ["checked.playbook", "team/team-checked.playbook"]
    );
    let (code, report) = check_json(&d.join("playbooks/team"), &["."]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(reported_files(&report), ["team-checked.playbook"]);
    for excluded in ["playbooks/drafts", "scratch"] {
        // A folder whose playbooks are all excluded holds none to check:
        // exit 2, unless that is expected.
        let output = run_in(&d.join(excluded), &["check", "--format", "json", "."]);
        assert_eq!(output.status.code(), Some(2), "{excluded}: {output:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("no playbooks found"),
            "{excluded}: {output:?}"
        );
        let (code, report) = check_json(&d.join(excluded), &["--allow-empty", "."]);
        assert_eq!(code, 0, "{excluded}: {report:#}");
        assert_eq!(report["summary"]["files"], 0, "{excluded}: {report:#}");
    }
    // A file named on the command line is checked whatever the globs say.
    let (code, report) = check_json(d, &["scratch/not-included.playbook"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["summary"]["files"], 1);
    assert!(
        reported_files(&report)
            .iter()
            .all(|f| *f == "scratch/not-included.playbook"),
        "{report:#}"
    );
    // Without the configuration, every file below the folder is checked.
    without_config(d);
    let (code, report) = check_json(d, &["."]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["summary"]["files"], 4);
}

/// SARIF carries what a code-scanning service needs beyond the message:
/// each rule's documentation address, each result's fingerprint (the same
/// after lines move above it), and the fixes of the JSON output.
#[test]
fn sarif_has_help_uris_fingerprints_that_survive_moved_lines_and_fixes() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let fixture = "undefined-reference_misspelled-role.playbook";
    let text = std::fs::read_to_string(root("tests/fixtures/invalid").join(fixture))
        .expect("read the fixture");
    std::fs::write(dir.path().join(fixture), &text).expect("write");
    let (code, log) = check_sarif(dir.path(), &[fixture]);
    assert_eq!(code, 1, "{log:#}");
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
    {
        let uri = rule["helpUri"].as_str().expect("a helpUri");
        let name = rule["id"].as_str().expect("an id");
        assert!(
            uri.starts_with("https://") && uri.ends_with(&format!("/docs/rules/{name}.md")),
            "{uri}"
        );
        assert!(root(&format!("docs/rules/{name}.md")).is_file(), "{name}");
    }
    let result = &results(&log)[0];
    let fix = &result["fixes"][0];
    assert_eq!(fix["description"]["text"], "Change to `fm`", "{result:#}");
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], fixture);
    let replacement = &change["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "fm");
    assert_eq!(replacement["deletedRegion"]["startLine"], 5);
    assert_eq!(replacement["deletedRegion"]["startColumn"], 11);

    // Two comment lines above the fault move it down; its fingerprint stays.
    let before = result["partialFingerprints"]["playbook/v1"].clone();
    assert!(before.as_str().is_some_and(|f| f.len() > 16), "{result:#}");
    std::fs::write(
        dir.path().join(fixture),
        format!("// moved\n// down\n{text}"),
    )
    .expect("write");
    let (_, moved) = check_sarif(dir.path(), &[fixture]);
    let after = &results(&moved)[0];
    assert_eq!(
        after["locations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
    assert_eq!(after["partialFingerprints"]["playbook/v1"], before);
}
