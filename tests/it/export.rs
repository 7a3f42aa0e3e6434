//! `playbook export`: the command's exit codes and messages, snapshots of
//! every shipped playbook in every format, determinism, escaping of hostile
//! texts, specialisation by run inputs, and the outputs checked by their own
//! tools: JSON against `docs/playbook.schema.json` (Ajv), DOT with Graphviz
//! (`dot -Tsvg`), Mermaid with Mermaid's parser.
//!
//! The Node tools need `npm ci --prefix tests/node`, and DOT needs Graphviz;
//! `scripts/test.sh` installs both.

use crate::formats::{playbook, root, run_in, stdout_json};
use playbook::export::{Format, export};
use playbook::ir::{Playbook, UnitKind};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const ENABLEMENT: &str = "playbooks/engagement-completion-enablement.playbook";
const HOSTILE: &str = "tests/fixtures/export/hostile-text.playbook";
const SCHEMA: &str = "docs/playbook.schema.json";
const UPDATE_SCHEMA: &str = "UPDATE_EXPORT_SCHEMA";
const INSTALL_NODE: &str = "run `npm ci --prefix tests/node` (scripts/test.sh does) to install \
                            the packages that validate exports";
const FORMATS: [&str; 3] = ["json", "dot", "mermaid"];

/// `playbook export ARGS`, run in the package root.
fn export_cli(args: &[&str]) -> Output {
    let mut all = vec!["export"];
    all.extend_from_slice(args);
    run_in(&root(""), &all)
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 on stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 on stderr")
}

/// Asserts a usage error: exit 2, nothing on stdout, exactly one line on
/// stderr, `error: ` and then `message`.
fn assert_usage_error(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(output));
    assert_eq!(stdout(output), "");
    assert_eq!(stderr(output), format!("error: {message}\n"));
}

/// The `.playbook` files below `dir` (relative to the package root) that
/// compile to a playbook (not a catalogue), sorted.
fn playbooks_below(dir: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "playbook")
                && compiled(&path).is_some_and(|m| m.kind == UnitKind::Playbook)
            {
                let relative = path.strip_prefix(root("")).expect("below the root");
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

fn compiled(path: &Path) -> Option<Playbook> {
    let loader = playbook::fs::FsLoader::default();
    playbook::compile(path, &loader).ok()?.model
}

/// The model of `relative`, compiled as the command does it from the
/// package root (the JSON names `use`d files by the path given).
fn model(relative: &str) -> Playbook {
    compiled(Path::new(relative)).unwrap_or_else(|| panic!("{relative} does not compile"))
}

fn shipped() -> Vec<String> {
    let found = playbooks_below("playbooks");
    assert!(found.len() >= 2, "shipped playbooks: {found:?}");
    found
}

/// Every playbook the diagram and schema tests feed their tools: the
/// shipped ones, the hostile fixture, and the valid fixtures, which between
/// them use every statement of the language.
fn all_playbooks() -> Vec<String> {
    let mut all = shipped();
    all.push(HOSTILE.to_string());
    all.extend(playbooks_below("tests/fixtures/valid"));
    all
}

/// The file name of `relative` without `.playbook`.
fn stem(relative: &str) -> String {
    Path::new(relative)
        .file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// A file name for `relative` that no other playbook's shares.
fn flat(relative: &str) -> String {
    relative.trim_end_matches(".playbook").replace('/', "_")
}

/// Writes each `(name, text)` into `dir`; returns the paths.
fn write_all(dir: &Path, files: &[(String, String)]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            path
        })
        .collect()
}

/// Runs `tests/node/SCRIPT ARGS`; returns the exit code and the output.
fn node(script: &str, packages: &[&str], args: &[&Path]) -> (Option<i32>, String) {
    let node_dir = root("tests/node");
    for package in packages {
        let manifest = node_dir
            .join("node_modules")
            .join(package)
            .join("package.json");
        assert!(
            manifest.is_file(),
            "the node package `{package}` is missing from tests/node/node_modules: {INSTALL_NODE}"
        );
    }
    let output = std::process::Command::new("node")
        .arg(node_dir.join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `node` ({e}): install Node.js 20 or newer, then {INSTALL_NODE}")
        });
    (
        output.status.code(),
        format!("{}{}", stdout(&output), stderr(&output)),
    )
}

// ---------------------------------------------------------------------------
// Snapshots and determinism
// ---------------------------------------------------------------------------

#[test]
fn every_shipped_playbook_in_every_format() {
    for file in shipped() {
        for format in FORMATS {
            let output = export_cli(&[&file, "--to", format]);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{file} {format}: {}",
                stderr(&output)
            );
            assert_eq!(stderr(&output), "", "{file} {format}");
            insta::assert_snapshot!(format!("{}.{format}", stem(&file)), stdout(&output));
        }
    }
}

#[test]
fn diagrams_in_chinese() {
    for format in ["dot", "mermaid"] {
        let output = export_cli(&[ENABLEMENT, "--to", format, "--locale", "zh"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let text = stdout(&output);
        // The swimlane of the FastTrack Manager, in Chinese.
        let fm = model(ENABLEMENT)
            .roles
            .iter()
            .find(|r| r.id == "fm")
            .cloned();
        let fm = fm.expect("role fm").label.text.get("zh").cloned();
        assert!(text.contains(&fm.expect("a zh label")), "{text}");
        insta::assert_snapshot!(format!("{}.zh.{format}", stem(ENABLEMENT)), text);
    }
}

#[test]
fn the_locale_defaults_to_the_source_locale() {
    for format in FORMATS {
        let default = export_cli(&[ENABLEMENT, "--to", format]);
        let en = export_cli(&[ENABLEMENT, "--to", format, "--locale", "en"]);
        let zh = export_cli(&[ENABLEMENT, "--to", format, "--locale", "zh"]);
        assert_eq!(stdout(&default), stdout(&en), "{format}");
        if format == "json" {
            // The data carries every locale.
            assert_eq!(stdout(&zh), stdout(&en));
        } else {
            assert_ne!(stdout(&zh), stdout(&en), "{format}");
        }
    }
}

#[test]
fn exports_are_byte_identical_across_runs() {
    let mut files = shipped();
    files.push(HOSTILE.to_string());
    for file in files {
        for format in FORMATS {
            let args = [file.as_str(), "--to", format, "--input", "managed=true"];
            // The hostile fixture and the others differ in inputs: give one
            // only where it exists, so that specialisation is covered too.
            let args = if file == HOSTILE {
                &args[..]
            } else {
                &args[..3]
            };
            let first = export_cli(args);
            let second = export_cli(args);
            assert_eq!(
                first.status.code(),
                Some(0),
                "{file} {format}: {}",
                stderr(&first)
            );
            assert!(!first.stdout.is_empty());
            assert_eq!(first.stdout, second.stdout, "{file} {format}");
        }
    }
}

#[test]
fn the_library_and_the_command_agree() {
    let m = model(ENABLEMENT);
    for (name, format) in [
        ("json", Format::Json),
        ("dot", Format::Dot),
        ("mermaid", Format::Mermaid),
    ] {
        let library = export(&m, format, "zh");
        let cli = export_cli(&[ENABLEMENT, "--to", name, "--locale", "zh"]);
        assert_eq!(stdout(&cli), library, "{name}");
    }
}

// ---------------------------------------------------------------------------
// The command: outputs and exit codes
// ---------------------------------------------------------------------------

#[test]
fn help_snapshot() {
    let output = export_cli(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("export_help", stdout(&output));
}

#[test]
fn o_writes_a_file_and_dash_writes_stdout() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let target = dir.path().join("out.mmd");
    let to_file = export_cli(&[
        ENABLEMENT,
        "--to",
        "mermaid",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(to_file.status.code(), Some(0), "{}", stderr(&to_file));
    assert_eq!(stdout(&to_file), "");
    assert_eq!(stderr(&to_file), "");
    let to_stdout = export_cli(&[ENABLEMENT, "--to", "mermaid"]);
    let dash = export_cli(&[ENABLEMENT, "--to", "mermaid", "--output", "-"]);
    let written = std::fs::read_to_string(&target).expect("the file is written");
    assert!(written.starts_with("flowchart TD\n"), "{written}");
    assert_eq!(written, stdout(&to_stdout));
    assert_eq!(stdout(&dash), written);
}

#[test]
fn a_playbook_with_errors_is_refused_with_its_diagnostics() {
    let file = "tests/fixtures/invalid/undefined-reference_misspelled-role.playbook";
    let output = export_cli(&[file, "--to", "json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert!(err.contains("undefined-reference"), "{err}");
    assert!(err.contains("╭─["), "rendered like `check`: {err}");
    assert!(
        err.ends_with(&format!(
            "error: `{file}` has 1 error; fix it before exporting (`playbook check` lists them)\n"
        )),
        "{err}"
    );
    // Errors come first, even with inputs that would be wrong too.
    let output = export_cli(&[file, "--to", "json", "--input", "nothing=1"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn an_unknown_locale_is_a_usage_error() {
    let output = export_cli(&[ENABLEMENT, "--to", "dot", "--locale", "fr"]);
    assert_usage_error(
        &output,
        "playbook `engagement-completion-enablement` has no `fr` texts; use --locale with one of `en`, `zh`",
    );
}

#[test]
fn unknown_inputs_and_malformed_values_are_usage_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "regoin=apj",
            "the playbook has no input `regoin`; its inputs are `seats`, `active-users`, `account-team-known`, `region`, `services`",
        ),
        (
            "region=asia",
            "`asia` is not a value of input `region`: write one of `americas`, `apj`, `emea`",
        ),
        (
            "seats=many",
            "`many` is not a value of input `seats`: write a whole number, such as `1000`",
        ),
        (
            "account-team-known=yes",
            "`yes` is not a value of input `account-team-known`: write `true` or `false`",
        ),
        (
            "services=teams,skype",
            "`teams,skype` is not a value of input `services`: write values of `exchange`, `sharepoint`, `onedrive`, `teams`, `intune` separated by commas (or nothing for none); `skype` is not one",
        ),
        (
            "region",
            "`region` is not of the form NAME=VALUE; write e.g. `--input region=emea`",
        ),
    ];
    for (input, message) in cases {
        let output = export_cli(&[ENABLEMENT, "--to", "json", "--input", input]);
        assert_usage_error(&output, message);
    }
    let twice = export_cli(&[
        ENABLEMENT,
        "--to",
        "json",
        "--input",
        "region=apj",
        "--input",
        "region=emea",
    ]);
    assert_usage_error(
        &twice,
        "input `region` is given twice; give each input once (a set as `a,b`)",
    );
}

#[test]
fn inputs_the_playbook_excludes_are_a_usage_error() {
    // The enablement process runs once 100 users are active, or 10% of the
    // seats below 1,000 seats.
    let output = export_cli(&[
        ENABLEMENT,
        "--to",
        "json",
        "--input",
        "seats=500",
        "--input",
        "active-users=20",
    ]);
    assert_usage_error(
        &output,
        "playbook `engagement-completion-enablement` does not apply to these inputs: its `requires usage-milestone` is false; nothing to export",
    );
}

#[test]
fn an_unwritable_output_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let target = dir.path().join("missing-folder").join("out.json");
    let output = export_cli(&[ENABLEMENT, "--to", "json", "-o", target.to_str().unwrap()]);
    assert_usage_error(
        &output,
        &format!(
            "cannot write `{}`: no such file or directory; choose a writable path with -o, or -o - for standard output",
            target.display()
        ),
    );
    assert!(!target.exists());
}

#[test]
fn what_is_not_one_playbook_is_a_usage_error() {
    assert_usage_error(
        &export_cli(&["playbooks/common/fasttrack.playbook", "--to", "json"]),
        "`playbooks/common/fasttrack.playbook` is a catalogue, not a playbook; export a playbook that uses it",
    );
    assert_usage_error(
        &export_cli(&["playbooks", "--to", "json"]),
        "`playbooks` is a folder; export takes one `.playbook` file",
    );
    assert_usage_error(
        &export_cli(&["no-such.playbook", "--to", "json"]),
        "cannot read `no-such.playbook`: no such file or directory",
    );
    // An unknown format is refused by the argument parser.
    let output = export_cli(&[ENABLEMENT, "--to", "pdf"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid value 'pdf'"),
        "{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "");
}

#[test]
fn the_project_configuration_applies() {
    // `Playbook.toml` of the folder: a project requiring a locale the
    // playbook lacks makes it an error, as `check` reports it.
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("Playbook.toml"), "locales = [\"fr\"]\n").expect("write");
    std::fs::copy(root(HOSTILE), dir.path().join("p.playbook")).expect("copy");
    let output = playbook()
        .current_dir(dir.path())
        .args(["export", "p.playbook", "--to", "json"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("missing-translation"),
        "{}",
        stderr(&output)
    );
}

// ---------------------------------------------------------------------------
// Specialisation
// ---------------------------------------------------------------------------

/// Every item id of a JSON step, depth first.
fn item_ids(items: &Value, out: &mut Vec<String>) {
    for item in items.as_array().expect("items") {
        if let Some(id) = item["id"].as_str() {
            out.push(id.to_string());
        }
        for key in ["items", "otherwise"] {
            if item[key].is_array() {
                item_ids(&item[key], out);
            }
        }
        for key in ["branches", "arms"] {
            for b in item[key].as_array().into_iter().flatten() {
                item_ids(&b["items"], out);
            }
        }
    }
}

fn step_items(doc: &Value, step: &str) -> Vec<String> {
    let steps = doc["steps"].as_array().expect("steps");
    let s = steps
        .iter()
        .find(|s| s["id"] == step)
        .unwrap_or_else(|| panic!("no step `{step}`"));
    let mut ids = Vec::new();
    item_ids(&s["items"], &mut ids);
    ids
}

#[test]
fn the_enablement_playbook_for_one_customer() {
    let args = [
        ENABLEMENT,
        "--to",
        "json",
        "--input",
        "region=apj",
        "--input",
        "services=teams,exchange",
        "--input",
        "account-team-known=false",
        "--input",
        "seats=500",
        "--input",
        "active-users=80",
    ];
    let output = export_cli(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doc = stdout_json(&output);
    let full = stdout_json(&export_cli(&args[..3]));

    // 80 active users of 500 seats is past 10%: the process applies, and
    // its condition is gone.
    assert!(full["requires"].is_object());
    assert!(doc["requires"].is_null());
    // No account team: the `if` keeps its `else`, in its place.
    let prepare = step_items(&doc, "prepare");
    assert_eq!(
        prepare,
        [
            "prepare-conversation",
            "follow-conduct-guidance",
            "consult-faq"
        ]
    );
    let full_prepare = step_items(&full, "prepare");
    for gone in [
        "email-account-team",
        "ask-for-review",
        "fm-disengages",
        "account-team-support",
    ] {
        assert!(full_prepare.contains(&gone.to_string()));
        assert!(!prepare.contains(&gone.to_string()), "{gone} is kept");
    }
    // The gates on the ATU email go; the one for an unknown team stays,
    // without its condition.
    let gates = |step: usize, kind: &str| -> Vec<(String, Value)> {
        doc["steps"][step][kind]
            .as_array()
            .expect("gates")
            .iter()
            .map(|g| {
                (
                    g["criterion"].as_str().unwrap().to_string(),
                    g["when"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        gates(0, "exit"),
        [("account-team-unknown".to_string(), Value::Null)]
    );
    assert!(!gates(1, "entry").iter().any(|(c, _)| c == "atu-sent"));
    assert_eq!(gates(1, "entry").len(), 2);
    // The loop runs over the customer's services, in declaration order.
    let conduct = &doc["steps"][1]["items"];
    let discussion = conduct
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "discussion")
        .expect("the discussion item");
    let each = &discussion["items"][0];
    assert_eq!(each["kind"], "for-each");
    assert_eq!(each["over"]["expr"], "set-of");
    assert_eq!(
        each["over"]["values"],
        serde_json::json!(["exchange", "teams"])
    );
    // Everything in the conduct step stays: it depends on an answer.
    assert_eq!(step_items(&doc, "conduct"), step_items(&full, "conduct"));
    // The queue of the region is known: the action names it.
    let queue = doc["lets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "inactive-queue")
        .expect("inactive-queue");
    assert_eq!(queue["value"]["expr"], "enum-value");
    assert_eq!(queue["value"]["value"], "ftcq-inactive-apj");
}

#[test]
fn specialised_diagrams_leave_out_what_does_not_apply() {
    // `steps.playbook`: `prepare` applies to Exchange and Teams; `conduct`
    // comes after it and requires 1,000 seats.
    let file = "tests/fixtures/valid/steps.playbook";
    let full = stdout(&export_cli(&[file, "--to", "mermaid"]));
    assert!(
        full.contains("    step_prepare(") && full.contains("guard_conduct{"),
        "{full}"
    );
    let no_services = stdout(&export_cli(&[
        file,
        "--to",
        "mermaid",
        "--input",
        "services=",
    ]));
    assert!(!no_services.contains("step_prepare"), "{no_services}");
    assert!(
        no_services.contains("pb_begin --> guard_conduct"),
        "{no_services}"
    );
    let few_seats = stdout(&export_cli(&[file, "--to", "dot", "--input", "seats=10"]));
    assert!(!few_seats.contains("conduct"), "{few_seats}");
    assert!(
        few_seats.contains("\"step_prepare\" -> \"pb_finish\";"),
        "{few_seats}"
    );
    let many_seats = stdout(&export_cli(&[file, "--to", "dot", "--input", "seats=5000"]));
    assert!(!many_seats.contains("guard_conduct"), "{many_seats}");
    assert!(
        many_seats.contains("\"step_conduct\" [shape=box"),
        "{many_seats}"
    );
}

// ---------------------------------------------------------------------------
// JSON and its schema
// ---------------------------------------------------------------------------

#[test]
fn the_committed_schema_is_current() {
    let path = root(SCHEMA);
    let wanted = playbook::export::json::schema();
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref() == Some(wanted.as_str()) {
        return;
    }
    if std::env::var_os(UPDATE_SCHEMA).is_some_and(|v| !v.is_empty()) {
        std::fs::write(&path, &wanted).unwrap_or_else(|e| panic!("write {SCHEMA}: {e}"));
        return;
    }
    panic!(
        "{SCHEMA} is {} the types in src/ir.rs; regenerate it with:\n\n    \
         {UPDATE_SCHEMA}=1 cargo test --test it export::the_committed_schema_is_current\n",
        if current.is_some() {
            "stale: it differs from"
        } else {
            "missing: generate it from"
        }
    );
}

/// Every `format` in a schema, with the path of the object that has it.
fn formats_in(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(format)) = map.get("format") {
                out.push((at.to_string(), format.clone()));
            }
            for (key, v) in map {
                formats_in(v, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                formats_in(v, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_schema_uses_only_standard_formats_and_keeps_the_integer_ranges() {
    let schema: Value = serde_json::from_str(&playbook::export::json::schema()).unwrap();
    let mut formats = Vec::new();
    formats_in(&schema, "", &mut formats);
    // The formats of JSON Schema 2020-12's format vocabulary that we use.
    for (at, format) in &formats {
        assert!(
            ["date", "date-time", "uri", "email"].contains(&format.as_str()),
            "{at}: `{format}` is no standard format"
        );
    }
    assert!(formats.iter().any(|(_, f)| f == "date"), "{formats:?}");
    // A task number is a u32: its range is in the schema, without `uint32`.
    let text = serde_json::to_string(&schema).unwrap();
    assert!(
        text.contains(r#"{"maximum":4294967295,"minimum":0,"type":"integer"}"#),
        "no u32 range in the schema"
    );
    assert!(
        text.contains(r#"{"maximum":127,"minimum":-128,"type":"integer"}"#),
        "no i8 range in the schema"
    );
}

#[test]
fn the_schema_compiles_in_ajv_strict_mode_as_it_is() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let export = stdout(&export_cli(&[ENABLEMENT, "--to", "json"]));
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root(SCHEMA)).unwrap()).unwrap();
    // The same schema with one of the formats schemars writes for Rust's
    // integers: strict mode must refuse it, or the check proves nothing.
    let mut with_int_format = schema.clone();
    with_int_format["properties"]["schema_version"]["format"] = "uint32".into();
    let paths = write_all(
        dir.path(),
        &[
            ("export.json".to_string(), export),
            ("schema.json".to_string(), schema.to_string()),
            ("int-format.json".to_string(), with_int_format.to_string()),
        ],
    );
    let (code, report) = node(
        "validate-playbook-json.mjs",
        &["ajv", "ajv-formats"],
        &[&paths[1], &paths[0]],
    );
    assert_eq!(code, Some(0), "{report}");
    let (code, report) = node(
        "validate-playbook-json.mjs",
        &["ajv", "ajv-formats"],
        &[&paths[2], &paths[0]],
    );
    assert_eq!(code, Some(2), "{report}");
    assert!(
        report.contains("cannot compile the schema")
            && report.contains("unknown format \"uint32\""),
        "{report}"
    );
}

#[test]
fn json_exports_match_the_schema() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut files: Vec<(String, String)> = all_playbooks()
        .iter()
        .map(|f| {
            (
                format!("{}.json", flat(f)),
                stdout(&export_cli(&[f, "--to", "json"])),
            )
        })
        .collect();
    let specialised = export_cli(&[ENABLEMENT, "--to", "json", "--input", "region=emea"]);
    files.push(("specialised.json".to_string(), stdout(&specialised)));
    for (name, text) in &files {
        assert!(
            text.starts_with("{\n  \"schema_version\": 1,"),
            "{name}: {text}"
        );
    }
    let paths = write_all(dir.path(), &files);
    let schema = root(SCHEMA);
    let mut args: Vec<&Path> = vec![&schema];
    args.extend(paths.iter().map(PathBuf::as_path));
    let (code, report) = node("validate-playbook-json.mjs", &["ajv", "ajv-formats"], &args);
    assert_eq!(
        code,
        Some(0),
        "{report}\nif packages are missing, {INSTALL_NODE}"
    );
    assert_eq!(report.matches(" is valid").count(), files.len(), "{report}");
}

#[test]
fn the_schema_rejects_what_a_playbook_cannot_hold() {
    let doc = stdout_json(&export_cli(&[ENABLEMENT, "--to", "json"]));
    type Breaking = Box<dyn Fn(&mut Value)>;
    let broken: Vec<(&str, Breaking)> = vec![
        ("unknown-root-key", Box::new(|d| d["colour"] = "red".into())),
        (
            "another-version",
            Box::new(|d| d["schema_version"] = 2.into()),
        ),
        (
            "no-steps",
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("steps");
            }),
        ),
        (
            "unknown-step-key",
            Box::new(|d| d["steps"][0]["colour"] = "red".into()),
        ),
        (
            "unknown-item-key",
            Box::new(|d| d["steps"][0]["items"][0]["colour"] = "red".into()),
        ),
        (
            "unknown-item-kind",
            Box::new(|d| d["steps"][0]["items"][0]["kind"] = "maybe".into()),
        ),
        (
            "unknown-expr-key",
            Box::new(|d| d["requires"]["colour"] = "red".into()),
        ),
        (
            "text-not-a-string",
            Box::new(|d| d["header"]["title"]["text"]["en"] = 3.into()),
        ),
        (
            "bad-date",
            Box::new(|d| d["header"]["revised"] = "2019-13-01".into()),
        ),
    ];
    let dir = tempfile::tempdir().expect("a temporary folder");
    let files: Vec<(String, String)> = broken
        .iter()
        .map(|(name, breaking)| {
            let mut d = doc.clone();
            breaking(&mut d);
            (format!("{name}.json"), d.to_string())
        })
        .collect();
    let paths = write_all(dir.path(), &files);
    let schema = root(SCHEMA);
    let mut args: Vec<&Path> = vec![&schema];
    args.extend(paths.iter().map(PathBuf::as_path));
    let (code, report) = node("validate-playbook-json.mjs", &["ajv", "ajv-formats"], &args);
    assert_eq!(code, Some(1), "{report}");
    for (name, _) in &files {
        assert!(
            report.contains(&format!("{name} does not match")),
            "{name} passes the schema:\n{report}"
        );
    }
}

// ---------------------------------------------------------------------------
// DOT and Mermaid, checked by their own tools
// ---------------------------------------------------------------------------

#[test]
fn dot_exports_render_with_graphviz() {
    let dot = which_dot();
    for file in all_playbooks() {
        for locale in ["en", "zh"] {
            let Some(locales) = compiled(&root(&file)).map(|m| m.locales) else {
                continue;
            };
            if !locales.iter().any(|l| l == locale) {
                continue;
            }
            let exported = export_cli(&[&file, "--to", "dot", "--locale", locale]);
            assert_eq!(
                exported.status.code(),
                Some(0),
                "{file}: {}",
                stderr(&exported)
            );
            let text = stdout(&exported);
            let mut child = std::process::Command::new(&dot)
                .arg("-Tsvg")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run dot");
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write to dot");
            let output = child.wait_with_output().expect("dot finishes");
            assert!(
                output.status.success() && output.stderr.is_empty(),
                "dot rejects the export of {file} ({locale}):\n{}\n{text}",
                stderr(&output)
            );
            let svg = stdout(&output);
            assert!(svg.contains("<svg"), "{svg}");
            if file == HOSTILE {
                // Graphviz decoded the entities and wrote the texts escaped.
                assert!(
                    svg.contains("Prepare &lt;script&gt;alert(1)&lt;/script&gt;"),
                    "{svg}"
                );
                assert!(!svg.contains("<script") && !svg.contains("<img"), "{svg}");
            }
        }
    }
}

/// Graphviz's `dot`, which `scripts/test.sh` installs when it is missing.
fn which_dot() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("dot"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "Graphviz `dot` is not installed: run scripts/test.sh, or `apt-get install graphviz`"
        )
    })
}

#[test]
fn mermaid_exports_parse_with_mermaid() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut files = Vec::new();
    for file in all_playbooks() {
        let text = stdout(&export_cli(&[&file, "--to", "mermaid"]));
        files.push((format!("{}.mmd", flat(&file)), text));
    }
    let zh = stdout(&export_cli(&[
        ENABLEMENT, "--to", "mermaid", "--locale", "zh",
    ]));
    files.push(("enablement.zh.mmd".to_string(), zh));
    let paths = write_all(dir.path(), &files);
    let args: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (code, report) = node("validate-mermaid.mjs", &["mermaid", "jsdom"], &args);
    assert_eq!(
        code,
        Some(0),
        "{report}\nif packages are missing, {INSTALL_NODE}"
    );
    assert_eq!(
        report.matches("is a valid Mermaid flowchart").count(),
        files.len(),
        "{report}"
    );
    // The parser refuses what it should: the check can fail.
    let broken = dir.path().join("broken.mmd");
    std::fs::write(&broken, "flowchart TD\n    a[\"x\"y\"] --> b\n").expect("write");
    let (code, _) = node("validate-mermaid.mjs", &["mermaid", "jsdom"], &[&broken]);
    assert_eq!(code, Some(1));
}

// ---------------------------------------------------------------------------
// Hostile texts
// ---------------------------------------------------------------------------

/// An output with each string replaced by `S`, and the strings read back.
type Split = Result<(String, Vec<String>), String>;

/// How one format carries text: its strings, and how to read them back.
/// The hostile test holds every format to the same rules through this; a
/// new format adds one entry to `escapings`.
struct Escaping {
    format: &'static str,
    /// The output with each string replaced by `S`, and the strings read
    /// back to the text they stand for.
    split: fn(&str) -> Split,
    /// What must not stand raw inside a string, once the format's own
    /// escapes (entities, `\u` sequences, `<br/>`) are taken out.
    raw_forbidden: &'static [char],
    /// Takes the format's own escapes out of a raw string.
    strip_escapes: fn(&str) -> String,
}

fn escapings() -> Vec<Escaping> {
    vec![
        Escaping {
            format: "json",
            split: split_json,
            raw_forbidden: &['<', '>', '&'],
            strip_escapes: |s| s.to_string(),
        },
        Escaping {
            format: "dot",
            split: split_dot,
            raw_forbidden: &['<', '>', '&'],
            strip_escapes: |s| {
                s.replace("&lt;", "")
                    .replace("&gt;", "")
                    .replace("&amp;", "")
            },
        },
        Escaping {
            format: "mermaid",
            split: split_mermaid,
            raw_forbidden: &['<', '>', '&', '"', '`', '|', '%', ';', '#'],
            strip_escapes: |s| strip_mermaid_entities(&s.replace("<br/>", "")),
        },
        Escaping {
            format: "bpmn",
            split: split_xml,
            raw_forbidden: &['<', '>', '"'],
            strip_escapes: |s| s.to_string(),
        },
    ]
}

/// An XML document with every text node and attribute value replaced by
/// `S`, read back through quick-xml: what stays is markup the exporter
/// wrote, which must hold no piece of user text.
fn split_xml(text: &str) -> Split {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut skeleton = String::new();
    let mut strings = Vec::new();
    // Text arrives in pieces split at entity references: join them.
    let mut pending: Option<String> = None;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let piece = match &event {
            Event::Text(t) => Some(t.xml10_content().into_owned()),
            Event::CData(t) => Some(AsRef::<str>::as_ref(t).to_string()),
            Event::GeneralRef(r) => {
                Some(match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => match r.as_ref() {
                        "lt" => "<".to_string(),
                        "gt" => ">".to_string(),
                        "amp" => "&".to_string(),
                        "quot" => "\"".to_string(),
                        "apos" => "'".to_string(),
                        n => return Err(format!("unknown entity {n}")),
                    },
                })
            }
            _ => None,
        };
        if let Some(piece) = piece {
            pending.get_or_insert_with(String::new).push_str(&piece);
            continue;
        }
        if let Some(text) = pending.take() {
            skeleton.push('S');
            strings.push(text);
        }
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                skeleton.push('<');
                skeleton.push_str(e.name().as_ref());
                for a in e.attributes() {
                    let a = a.map_err(|e| e.to_string())?;
                    skeleton.push(' ');
                    skeleton.push_str(a.key.as_ref());
                    skeleton.push_str("=S");
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| e.to_string())?;
                    strings.push(value.into_owned());
                }
                skeleton.push('>');
            }
            Event::End(e) => {
                skeleton.push_str("</");
                skeleton.push_str(e.name().as_ref());
                skeleton.push('>');
            }
            _ => {}
        }
    }
    Ok((skeleton, strings))
}

/// Texts of the hostile fixture that every format must show as they are.
const HOSTILE_SHOWN: &[&str] = &[
    "Prepare <script>alert(1)</script> {braces} [x]",
    "Conduct \"); DROP TABLE steps; -- {x}",
    "Role <img src=x onerror=alert(1)>",
    "Customer | pipe ` backtick ]]>",
    "Go? <b>\"yes\"</b> | no `x` #quot; #35; %% comment",
    "Criterion <script>x</script> -->",
];

/// Pieces of the hostile texts that must never stand outside a string.
const HOSTILE_PIECES: &[&str] = &[
    "script",
    "onmouseover",
    "onerror",
    "javascript",
    "DROP",
    "]]>",
    "`",
    "#quot",
    "alert",
];

#[test]
fn hostile_text_is_escaped_in_every_format() {
    // The data carries every text as written (in template form, where a
    // literal brace is doubled), and the header's plain strings.
    let m = model(HOSTILE);
    let mut json_shown: Vec<String> = m
        .texts()
        .iter()
        .map(|t| t.get("en", "en").to_string())
        .collect();
    json_shown.push("owner\"><script>".to_string());
    json_shown.push("a <b>bold</b> author".to_string());
    assert!(json_shown.len() > HOSTILE_SHOWN.len());
    for escaping in escapings() {
        let format = escaping.format;
        let output = export_cli(&[HOSTILE, "--to", format]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{format}: {}",
            stderr(&output)
        );
        let text = stdout(&output);
        let (skeleton, strings) =
            (escaping.split)(&text).unwrap_or_else(|e| panic!("{format}: {e}\n{text}"));
        for piece in HOSTILE_PIECES {
            assert!(
                !skeleton.contains(piece),
                "{format}: `{piece}` stands outside a string:\n{skeleton}"
            );
        }
        for raw in raw_strings(format, &text) {
            let stripped = (escaping.strip_escapes)(&raw);
            if let Some(c) = stripped
                .chars()
                .find(|c| escaping.raw_forbidden.contains(c))
            {
                panic!("{format}: `{c}` stands unescaped in the string {raw}");
            }
        }
        let shown: Vec<String> = strings.iter().map(|s| normalise(s)).collect();
        let wanted = if format == "json" {
            &json_shown
        } else {
            // The diagrams draw the process of the BPMN export: evidence is
            // a form field of the step's task there, not an arrow's label.
            let diagram = matches!(format, "dot" | "mermaid");
            &HOSTILE_SHOWN
                .iter()
                .filter(|s| !(diagram && s.starts_with("Criterion")))
                .map(|s| s.to_string())
                .collect()
        };
        for want in wanted {
            let want = normalise(want);
            assert!(
                shown.iter().any(|s| s.contains(&want)),
                "{format}: no string reads back as {want:?}; strings: {shown:#?}"
            );
        }
    }
}

/// Whitespace runs as one space: diagrams wrap long labels.
fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The strings of an output as they are written, escapes and all.
fn raw_strings(format: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut end = text.len();
        while let Some((i, c)) = chars.next() {
            if c == '\\' && format != "mermaid" {
                chars.next();
            } else if c == '"' {
                end = i;
                break;
            }
        }
        out.push(text[start + 1..end].to_string());
    }
    out
}

/// Replaces each string of `text` with `S`; `read` reads a raw string back.
fn split_strings(format: &str, text: &str, read: fn(&str) -> Result<String, String>) -> Split {
    let mut skeleton = String::new();
    let mut strings = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        skeleton.push_str(&rest[..open]);
        let body = &rest[open + 1..];
        let mut close = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if format != "mermaid" && !escaped => escaped = true,
                '"' if !escaped => {
                    close = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let close = close.ok_or_else(|| format!("a string never ends: {body}"))?;
        strings.push(read(&body[..close])?);
        skeleton.push('S');
        rest = &body[close + 1..];
    }
    skeleton.push_str(rest);
    Ok((skeleton, strings))
}

fn split_json(text: &str) -> Split {
    split_strings("json", text, |raw| {
        serde_json::from_str::<String>(&format!("\"{raw}\"")).map_err(|e| format!("{raw}: {e}"))
    })
}

fn split_dot(text: &str) -> Split {
    split_strings("dot", text, |raw| {
        let mut out = String::new();
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('n' | 'l') => out.push('\n'),
                other => {
                    return Err(format!(
                        "`\\{other:?}` in {raw}: an escape the text did not mean"
                    ));
                }
            }
        }
        Ok(out
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"))
    })
}

fn split_mermaid(text: &str) -> Split {
    split_strings("mermaid", text, |raw| {
        let raw = raw.replace("<br/>", "\n");
        let mut out = String::new();
        let mut rest = raw.as_str();
        while let Some(hash) = rest.find('#') {
            out.push_str(&rest[..hash]);
            let after = &rest[hash + 1..];
            let end = after
                .find(';')
                .ok_or_else(|| format!("`#` without an entity in {raw}"))?;
            let name = &after[..end];
            let c = match name {
                "quot" => '"',
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                n => n
                    .parse::<u32>()
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("`#{n};` is no entity, in {raw}"))?,
            };
            out.push(c);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    })
}

/// A raw Mermaid string without its entity codes.
fn strip_mermaid_entities(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(hash) = rest.find('#') {
        out.push_str(&rest[..hash]);
        let after = &rest[hash + 1..];
        match after.find(';') {
            Some(end)
                if after[..end].chars().all(|c| c.is_ascii_alphanumeric())
                    && !after[..end].is_empty() =>
            {
                rest = &after[end + 1..];
            }
            _ => {
                out.push('#');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The documents and the BPMN process come out of the command exactly as
/// the library renders them, in the locale asked for.
#[test]
fn documents_are_exported_through_the_command() {
    for (name, format) in [
        ("markdown", Format::Markdown),
        ("html", Format::Html),
        ("bpmn", Format::Bpmn),
    ] {
        for locale in ["en", "zh"] {
            let output = export_cli(&[ENABLEMENT, "--to", name, "--locale", locale]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            let expected = export(&model(ENABLEMENT), format, locale);
            assert_eq!(stdout(&output), expected, "{name} {locale}");
        }
    }
}
