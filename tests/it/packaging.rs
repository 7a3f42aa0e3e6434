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
    (
        "MIT",
        "LICENSE-MIT",
        "Permission is hereby granted, free of charge",
    ),
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
    let licence = package["license"]
        .as_str()
        .expect("Cargo.toml has `license`");
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
    assert_eq!(
        ids, known,
        "a licence without its file, or a file of no licence"
    );
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
    assert!(
        repository.starts_with("https://github.com/"),
        "{repository}"
    );
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
    assert!(
        package["categories"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    let extension = extension();
    let url = extension["repository"]["url"]
        .as_str()
        .expect("a repository url");
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

/// A hook of `.pre-commit-hooks.yaml`, the keys pre-commit reads.
#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Hook {
    id: String,
    name: String,
    description: Option<String>,
    entry: String,
    language: String,
    files: String,
}

fn hooks() -> Vec<Hook> {
    serde_saphyr::from_str(&read(".pre-commit-hooks.yaml")).expect("the hooks are YAML")
}

/// Runs a hook's `entry` in `dir` on `files` as pre-commit does: the
/// entry's words, then the file names. `playbook`, the executable that
/// `language: rust` installs, is the binary under test.
fn run_hook(hook: &Hook, dir: &Path, files: &[&str]) -> (i32, String) {
    let mut words = hook.entry.split_whitespace();
    assert_eq!(words.next(), Some("playbook"), "{}", hook.entry);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_playbook"))
        .current_dir(dir)
        .args(words)
        .args(files)
        .env("NO_COLOR", "1")
        .output()
        .expect("run the hook");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().expect("an exit code"), text)
}

fn hook(id: &str) -> Hook {
    hooks()
        .into_iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("no hook `{id}` in .pre-commit-hooks.yaml"))
}

#[test]
fn the_pre_commit_hooks_are_built_with_cargo_for_playbook_files() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["playbook-check", "playbook-fmt"]);
    for hook in &hooks {
        assert_eq!(hook.language, "rust", "{}", hook.id);
        assert_eq!(hook.files, r"\.playbook$", "{}", hook.id);
        assert!(!hook.name.is_empty() && hook.description.is_some());
    }
}

#[test]
fn the_check_hook_passes_a_clean_playbook_and_fails_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root("tests/fixtures/valid/actions.playbook"),
        dir.path().join("clean.playbook"),
    )
    .unwrap();
    std::fs::copy(
        root("tests/fixtures/invalid/cycle_two-steps.playbook"),
        dir.path().join("cycle.playbook"),
    )
    .unwrap();
    let check = hook("playbook-check");
    let (code, out) = run_hook(&check, dir.path(), &["clean.playbook"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors"), "{out}");
    let (code, out) = run_hook(&check, dir.path(), &["clean.playbook", "cycle.playbook"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("cycle.playbook:10:8"), "{out}");
    assert!(
        out.contains("steps wait for each other in a cycle: a -> b -> a"),
        "{out}"
    );
}

#[test]
fn the_fmt_hook_rewrites_a_messy_playbook_and_leaves_a_formatted_one() {
    let dir = tempfile::tempdir().unwrap();
    let messy = dir.path().join("messy.playbook");
    let before = read("tests/fixtures/fmt/messy-layout.playbook");
    std::fs::write(&messy, &before).unwrap();
    let fmt = hook("playbook-fmt");
    let (code, out) = run_hook(&fmt, dir.path(), &["messy.playbook"]);
    assert_eq!(code, 0, "{out}");
    let after = std::fs::read_to_string(&messy).unwrap();
    // pre-commit fails the commit because the file changed.
    assert_ne!(after, before, "the hook did not rewrite the messy layout");
    let (code, out) = run_hook(&fmt, dir.path(), &["messy.playbook"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        after,
        "a second run changed the file again"
    );
}

/// The problems of an action's metadata, by the rules of GitHub's metadata
/// syntax for a composite action (the keys of the JSON Schema that
/// SchemaStore publishes for `action.yml`, written out here because the
/// tests run offline): an empty list when there are none.
fn action_problems(yaml: &str) -> Vec<String> {
    use serde_json::Value;
    let mut problems = Vec::new();
    let action: Value = match serde_saphyr::from_str(yaml) {
        Ok(v) => v,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let Some(top) = action.as_object() else {
        return vec!["not a mapping".to_string()];
    };
    let allowed_top = [
        "name",
        "author",
        "description",
        "inputs",
        "outputs",
        "runs",
        "branding",
    ];
    for key in top.keys() {
        if !allowed_top.contains(&key.as_str()) {
            problems.push(format!("unknown key `{key}`"));
        }
    }
    for key in ["name", "description"] {
        let given = top.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        if given.is_empty() {
            problems.push(format!("`{key}` is required and must be a string"));
        }
    }
    let empty = serde_json::Map::new();
    let inputs = match top.get("inputs") {
        None => &empty,
        Some(Value::Object(inputs)) => inputs,
        Some(_) => {
            problems.push("`inputs` must be a mapping".to_string());
            &empty
        }
    };
    for (name, input) in inputs {
        let Some(input) = input.as_object() else {
            problems.push(format!("input `{name}` must be a mapping"));
            continue;
        };
        for key in input.keys() {
            if !["description", "required", "default", "deprecationMessage"].contains(&key.as_str())
            {
                problems.push(format!("input `{name}`: unknown key `{key}`"));
            }
        }
        if !input.get("description").is_some_and(Value::is_string) {
            problems.push(format!("input `{name}` needs a `description`"));
        }
        if input.get("required").is_some_and(|r| !r.is_boolean()) {
            problems.push(format!("input `{name}`: `required` must be a boolean"));
        }
    }
    if let Some(branding) = top.get("branding") {
        let colours = [
            "white",
            "black",
            "yellow",
            "blue",
            "green",
            "orange",
            "red",
            "purple",
            "gray-dark",
        ];
        if let Some(colour) = branding.get("color").and_then(Value::as_str)
            && !colours.contains(&colour)
        {
            problems.push(format!(
                "branding colour `{colour}` is not one of {colours:?}"
            ));
        }
    }
    match top.get("runs") {
        None => problems.push("`runs` is required".to_string()),
        Some(runs) => {
            if runs.get("using").and_then(Value::as_str) != Some("composite") {
                problems.push("`runs.using` is not `composite`".to_string());
            }
            match runs.get("steps").and_then(Value::as_array) {
                Some(steps) if !steps.is_empty() => {
                    for (i, step) in steps.iter().enumerate() {
                        problems.extend(
                            step_problems(step)
                                .into_iter()
                                .map(|p| format!("step {}: {p}", i + 1)),
                        );
                    }
                }
                _ => problems.push("`runs.steps` must be a non-empty list".to_string()),
            }
        }
    }
    // Every `${{ inputs.NAME }}` names a declared input, and every input is
    // used somewhere.
    let mut used = BTreeSet::new();
    for expression in yaml.split("${{").skip(1) {
        let Some((expression, _)) = expression.split_once("}}") else {
            problems.push("an expression without `}}`".to_string());
            continue;
        };
        for part in expression.split("inputs.").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if !inputs.contains_key(&name) {
                problems.push(format!("`inputs.{name}` is not declared"));
            }
            used.insert(name);
        }
    }
    for name in inputs.keys() {
        if !used.contains(name) {
            problems.push(format!("input `{name}` is declared but never used"));
        }
    }
    problems
}

/// The problems of one step of a composite action.
fn step_problems(step: &serde_json::Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(step) = step.as_object() else {
        return vec!["not a mapping".to_string()];
    };
    let allowed = [
        "id",
        "if",
        "name",
        "uses",
        "run",
        "shell",
        "env",
        "with",
        "working-directory",
        "continue-on-error",
    ];
    for key in step.keys() {
        if !allowed.contains(&key.as_str()) {
            problems.push(format!("unknown key `{key}`"));
        }
    }
    match (step.contains_key("run"), step.contains_key("uses")) {
        (true, true) => problems.push("both `run` and `uses`".to_string()),
        (false, false) => problems.push("neither `run` nor `uses`".to_string()),
        (true, false) if !step.get("shell").is_some_and(|s| s.is_string()) => {
            problems.push("`run` without `shell`".to_string())
        }
        (false, true) if step.contains_key("shell") => {
            problems.push("`shell` on a `uses` step".to_string())
        }
        _ => {}
    }
    if let Some(env) = step.get("env")
        && !env
            .as_object()
            .is_some_and(|e| e.values().all(serde_json::Value::is_string))
    {
        problems.push("`env` must map names to strings".to_string());
    }
    problems
}

#[test]
fn the_action_metadata_is_valid() {
    let problems = action_problems(&read("action.yml"));
    assert!(problems.is_empty(), "action.yml: {problems:#?}");
}

#[test]
fn the_action_checker_finds_the_mistakes_it_looks_for() {
    let broken = "\
name: x
runs:
  using: node20
  steps:
    - run: echo ${{ inputs.pathz }}
    - uses: actions/checkout@v4
      shell: bash
inputs:
  paths:
    required: \"true\"
";
    let problems = action_problems(broken);
    for wanted in [
        "`description` is required and must be a string",
        "`runs.using` is not `composite`",
        "step 1: `run` without `shell`",
        "step 2: `shell` on a `uses` step",
        "`inputs.pathz` is not declared",
        "input `paths` needs a `description`",
        "input `paths`: `required` must be a boolean",
        "input `paths` is declared but never used",
    ] {
        assert!(
            problems.iter().any(|p| p == wanted),
            "`{wanted}` is not among {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 8, "{problems:#?}");
}

/// The action's steps, from its metadata.
fn action_steps() -> Vec<serde_json::Value> {
    let action: serde_json::Value = serde_saphyr::from_str(&read("action.yml")).unwrap();
    action["runs"]["steps"].as_array().unwrap().clone()
}

#[test]
fn the_action_installs_with_cargo_and_checks_in_the_github_format() {
    let steps = action_steps();
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        runs.iter().any(
            |r| r.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\"")
                && r.contains(
                    "cargo install --locked --git https://github.com/playbook-lang/playbook"
                )
        ),
        "{runs:#?}"
    );
    let repository = package()["repository"].as_str().unwrap().to_string();
    assert!(runs.iter().any(|r| r.contains(&repository)));
    assert!(
        runs.iter()
            .any(|r| r.contains("playbook check --format github")),
        "{runs:#?}"
    );
}

/// Runs the action's last step, the check, with bash as the runner would:
/// the inputs in the step's environment, the binary under test first on
/// the `PATH`.
#[test]
fn the_action_check_step_annotates_the_problems_of_the_given_paths() {
    let steps = action_steps();
    let check = steps.last().expect("a step");
    let script = check["run"].as_str().expect("a run step");
    assert_eq!(check["shell"].as_str(), Some("bash"));
    let env = check["env"]
        .as_object()
        .expect("the inputs come through env");
    assert_eq!(env["PATHS"].as_str(), Some("${{ inputs.paths }}"));
    assert_eq!(env["ARGS"].as_str(), Some("${{ inputs.args }}"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("ok")).unwrap();
    std::fs::copy(
        root("tests/fixtures/valid/actions.playbook"),
        dir.path().join("ok/clean.playbook"),
    )
    .unwrap();
    std::fs::copy(
        root("tests/fixtures/invalid/cycle_two-steps.playbook"),
        dir.path().join("cycle.playbook"),
    )
    .unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_playbook")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |paths: &str, args: &str| {
        let output = std::process::Command::new("bash")
            .args(["-e", "-c", script])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("PATHS", paths)
            .env("ARGS", args)
            .output()
            .expect("run bash");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr),
        )
    };
    let (code, out) = run("ok", "");
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("::error"), "{out}");
    // Two paths on two lines, as a YAML block would give them.
    let (code, out) = run("ok\ncycle.playbook", "");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("::error ")
            && ["file=cycle.playbook,", "line=10,", "col=8,"]
                .iter()
                .all(|p| l.contains(p))),
        "{out}"
    );
    // Further arguments reach the command.
    let (code, out) = run("ok", "--no-such-flag");
    assert_eq!(code, Some(2), "{out}");
}

/// The instructions of the Dockerfile, continuation lines joined.
fn dockerfile() -> Vec<(String, String)> {
    let text = read("Dockerfile");
    let mut joined = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => {
                joined.push_str(part);
                joined.push(' ');
            }
            None => {
                joined.push_str(line);
                joined.push('\n');
            }
        }
    }
    joined
        .lines()
        .map(|l| {
            let (instruction, rest) = l.split_once(' ').unwrap_or((l, ""));
            (instruction.to_ascii_uppercase(), rest.trim().to_string())
        })
        .collect()
}

#[test]
fn the_dockerfile_builds_on_debian_with_z3_and_runs_on_a_slim_image() {
    let instructions = dockerfile();
    let froms: Vec<&str> = instructions
        .iter()
        .filter(|(i, _)| i == "FROM")
        .map(|(_, r)| r.as_str())
        .collect();
    assert_eq!(froms, ["rust:1-bookworm AS build", "debian:bookworm-slim"]);
    let last_from = instructions.iter().rposition(|(i, _)| i == "FROM").unwrap();
    let (build, run) = instructions.split_at(last_from);
    let has = |stage: &[(String, String)], instruction: &str, text: &str| {
        stage
            .iter()
            .any(|(i, r)| i == instruction && r.contains(text))
    };
    assert!(has(
        build,
        "RUN",
        "install -y --no-install-recommends libz3-dev"
    ));
    assert!(has(build, "RUN", "cargo install --locked --path ."));
    assert!(has(
        run,
        "RUN",
        "install -y --no-install-recommends libz3-4"
    ));
    assert!(
        !has(run, "RUN", "libz3-dev"),
        "the headers in the runtime image"
    );
    assert!(has(run, "COPY", "--from=build /usr/local/bin/playbook"));
    assert_eq!(
        run.iter()
            .find(|(i, _)| i == "ENTRYPOINT")
            .map(|(_, r)| r.as_str()),
        Some(r#"["playbook"]"#),
        "the entry point is the binary, in exec form"
    );
    // The build context leaves out what a build makes or installs.
    let ignored = read(".dockerignore");
    for path in ["target/", "**/node_modules/"] {
        assert!(
            ignored.lines().any(|l| l == path),
            "{path} is not in .dockerignore"
        );
    }
}

/// The ` ```yaml ` blocks of a Markdown document.
fn yaml_blocks(markdown: &str) -> Vec<String> {
    markdown
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_string())
        .collect()
}

#[test]
fn the_ci_guide_shows_setups_that_use_what_we_ship() {
    let guide = read("docs/ci.md");
    let blocks = yaml_blocks(&guide);
    assert!(blocks.len() >= 4, "{} YAML examples", blocks.len());
    let mut documents = Vec::new();
    for block in &blocks {
        let value: serde_json::Value = serde_saphyr::from_str(block).unwrap_or_else(|e| {
            panic!("a YAML example of docs/ci.md does not parse: {e}\n{block}")
        });
        documents.push(value);
    }
    // The pre-commit example names the hooks we have.
    let hook_ids: BTreeSet<String> = hooks().into_iter().map(|h| h.id).collect();
    let pre_commit = documents
        .iter()
        .find(|d| d.get("repos").is_some())
        .expect("a pre-commit example");
    let used: BTreeSet<String> = pre_commit["repos"][0]["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(used, hook_ids);
    let repository = package()["repository"].as_str().unwrap().to_string();
    assert_eq!(
        pre_commit["repos"][0]["repo"].as_str(),
        Some(repository.as_str())
    );
    // The workflow that uses the action passes only inputs it declares.
    let action: serde_json::Value = serde_saphyr::from_str(&read("action.yml")).unwrap();
    let action_ref = repository.trim_start_matches("https://github.com/");
    let mut uses_action = false;
    for document in &documents {
        for job in document["jobs"]
            .as_object()
            .into_iter()
            .flat_map(|j| j.values())
        {
            for step in job["steps"].as_array().into_iter().flatten() {
                if step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with(&format!("{action_ref}@")))
                {
                    uses_action = true;
                    for input in step["with"].as_object().into_iter().flat_map(|w| w.keys()) {
                        assert!(
                            action["inputs"].get(input).is_some(),
                            "docs/ci.md passes `{input}`, which action.yml does not declare"
                        );
                    }
                }
            }
        }
    }
    assert!(uses_action, "no example uses the action");
    // Every input of the action is explained.
    for input in action["inputs"].as_object().unwrap().keys() {
        assert!(
            guide.contains(&format!("| `{input}` |")),
            "input `{input}` is not in docs/ci.md"
        );
    }
    // The side-by-side table has a row for each convention of issue 20.
    let table = guide
        .split("## Conventions side by side")
        .nth(1)
        .expect("the side-by-side section");
    for needle in [
        "--stdin-filename",
        "exit codes",
        "--exit-zero",
        "--statistics",
        "-q/--quiet",
        "--isolated",
        "NO_COLOR",
        "FORCE_COLOR",
        "CLICOLOR_FORCE",
        "TERM=dumb",
        "standard output and standard error",
        "--format github",
        "--allow-empty",
        "pre-commit",
        "GitHub Action",
        "Docker",
        "SARIF",
    ] {
        assert!(table.contains(needle), "the table lacks `{needle}`");
    }
    let rows = table.lines().filter(|l| l.starts_with("| ")).count();
    assert!(rows >= 15, "{rows} rows");
    assert!(read("README.md").contains("`docs/ci.md`"));
}

/// Runs the action's install step with bash and a `cargo` that only
/// prints its arguments: what it would install, for each `version`.
#[test]
fn the_action_installs_the_version_asked_for() {
    let steps = action_steps();
    let install = steps
        .iter()
        .find(|s| s["name"].as_str() == Some("Install playbook"))
        .expect("an install step");
    assert_eq!(
        install["env"]["VERSION"].as_str(),
        Some("${{ inputs.version }}")
    );
    let script = install["run"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cargo = dir.path().join("cargo");
    std::fs::write(&cargo, "#!/bin/sh\necho \"cargo $*\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |version: &str| {
        let output = std::process::Command::new("bash")
            .args(["-e", "-c", script])
            .env("PATH", &path)
            .env("VERSION", version)
            .env("GITHUB_ACTION_PATH", "/actions/playbook")
            .output()
            .expect("run bash");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let git = "cargo install --locked --git https://github.com/playbook-lang/playbook";
    assert_eq!(run(""), "cargo install --locked --path /actions/playbook\n");
    assert_eq!(run("v0.1.0"), format!("{git} --tag v0.1.0 playbook\n"));
    assert_eq!(run("0123abcd"), format!("{git} --rev 0123abcd playbook\n"));
}
