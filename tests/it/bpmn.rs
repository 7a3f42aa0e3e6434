//! The BPMN 2.0 export (`playbook::export::bpmn`): snapshots of the shipped
//! playbooks in every locale, validation with bpmn-moddle and bpmnlint, runs
//! of every path in bpmn-engine compared with what the compiled model says
//! happens, determinism, and escaping.
//!
//! Validation and runs need Node.js and the packages of `tests/node/`:
//! `npm ci --prefix tests/node` (which `scripts/test.sh` runs). Runs of the
//! `spiffworkflow` export need SpiffWorkflow in `tests/python/.venv`, which
//! `scripts/test.sh` creates.

use crate::formats::root;
use playbook::check::{Analysis, Guard, Var};
use playbook::eval::{self, Env, EvalError, Value};
use playbook::export::bpmn::{Target, render, render_for, render_with_forms, variable_name};
use playbook::ir::{self, GateKind, Item, Playbook};
use playbook::run::engine::{Applicability, Blocker, ItemKind, ItemStatus, StepStatus, StepView};
use playbook::run::session::{self, Command};
use playbook::run::{Now, Run, View, value};
use quick_xml::events::Event;
use serde_json::{Value as Json, json};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The shipped playbooks (not catalogues), by file name.
const SHIPPED: &[&str] = &[
    "engagement-completion-enablement",
    "engagement-completion-migration",
];

/// Fixtures of `tests/fixtures/bpmn/` run in the engine besides the shipped
/// playbooks.
const FIXTURES: &[&str] = &["parallel-steps-guards-and-loops"];

fn compile(path: &Path) -> Playbook {
    let c = playbook::compile(path, &playbook::fs::FsLoader::default())
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    c.model
        .unwrap_or_else(|| panic!("{} does not compile: {:?}", path.display(), c.diagnostics))
}

fn shipped(name: &str) -> Playbook {
    compile(&root(&format!("playbooks/{name}.playbook")))
}

fn fixture(name: &str) -> Playbook {
    compile(&root(&format!("tests/fixtures/bpmn/{name}.playbook")))
}

const INSTALL: &str = "run `npm ci --prefix tests/node` (scripts/test.sh does) to install \
                       the packages that validate and run BPMN";

/// Runs a script of `tests/node/`; fails the test, saying how to install
/// what is missing, when Node or the packages are not there.
fn node(script: &str, args: &[&Path]) -> std::process::Output {
    let node_dir = root("tests/node");
    for package in [
        "bpmn-engine",
        "bpmn-moddle",
        "bpmnlint",
        "camunda-bpmn-moddle",
    ] {
        let manifest = node_dir
            .join("node_modules")
            .join(package)
            .join("package.json");
        assert!(
            manifest.is_file(),
            "the node package `{package}` is missing from tests/node/node_modules: {INSTALL}"
        );
    }
    std::process::Command::new("node")
        .arg(node_dir.join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `node` ({e}): install Node.js 20 or newer, then {INSTALL}")
        })
}

const PYTHON_INSTALL: &str = "run `bash scripts/test.sh`, which creates tests/python/.venv \
                              and installs SpiffWorkflow from tests/python/requirements.txt";

/// Runs `tests/python/run_spiff.py` with the interpreter of
/// `tests/python/.venv`; fails the test, saying how to install it, when the
/// environment is missing.
fn python_run_spiff(args: &[&Path]) -> std::process::Output {
    let python = root("tests/python/.venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: {PYTHON_INSTALL}",
        python.display()
    );
    std::process::Command::new(&python)
        .arg(root("tests/python/run_spiff.py"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}): {PYTHON_INSTALL}", python.display()))
}

/// The id of a `spiffworkflow` export's element as the other targets name
/// it: SpiffWorkflow keeps `Start` and `End` for tasks of its own, so the
/// export calls the process's events `StartEvent` and `EndEvent`.
fn from_spiff_id(id: &str) -> String {
    let node = |n: &str| match n {
        "StartEvent" => "Start".to_string(),
        "EndEvent" => "End".to_string(),
        n => n.to_string(),
    };
    match id.strip_prefix("Flow_").and_then(|f| f.split_once("__")) {
        Some((source, target)) => {
            // A second flow between the same nodes ends in `_2`, `_3`.
            let (target, n) = match target.rsplit_once('_') {
                Some((t, n)) if n.chars().all(|c| c.is_ascii_digit()) && t == "EndEvent" => {
                    (t, format!("_{n}"))
                }
                _ => (target, String::new()),
            };
            format!("Flow_{}__{}{n}", node(source), node(target))
        }
        None => node(id),
    }
}

/// A list as a sorted list of its entries (as JSON text); any other value
/// as itself.
fn unordered(v: &Json) -> Json {
    match v.as_array() {
        Some(items) => {
            let mut texts: Vec<String> = items.iter().map(Json::to_string).collect();
            texts.sort();
            json!(texts)
        }
        None => v.clone(),
    }
}

/// Runs the `spiffworkflow` export of `model` in SpiffWorkflow, once per
/// scenario, with the ids of its start and end events as the other targets
/// have them.
fn run_spiff(model: &Playbook, scenarios: &[Json]) -> Vec<Json> {
    run_spiff_xml(&render_for(model, "en", Target::SpiffWorkflow), scenarios)
}

fn run_spiff_xml(xml: &str, scenarios: &[Json]) -> Vec<Json> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bpmn = dir.path().join("process.bpmn");
    let runs = dir.path().join("runs.json");
    std::fs::write(&bpmn, xml).expect("write BPMN");
    std::fs::write(&runs, serde_json::to_string(scenarios).expect("JSON")).expect("write runs");
    let output = python_run_spiff(&[&bpmn, &runs]);
    assert!(
        output.status.success(),
        "run_spiff failed (exit {:?}); if packages are missing, {PYTHON_INSTALL}\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut out: Vec<Json> = serde_json::from_slice(&output.stdout).expect("JSON from run_spiff");
    for run in &mut out {
        for key in ["ends", "path"] {
            if let Some(ids) = run[key].as_array_mut() {
                for id in ids {
                    if let Some(s) = id.as_str() {
                        *id = json!(from_spiff_id(s));
                    }
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Snapshots, determinism
// ---------------------------------------------------------------------------

#[test]
fn bpmn_of_the_shipped_playbooks() {
    for name in SHIPPED {
        let model = shipped(name);
        for locale in ["en", "zh"] {
            assert!(
                model.locales.iter().any(|l| l == locale),
                "{name} has {locale}"
            );
            insta::assert_snapshot!(format!("bpmn_{name}_{locale}"), render(&model, locale));
        }
    }
}

#[test]
fn bpmn_of_the_fixture() {
    let model = fixture(FIXTURES[0]);
    insta::assert_snapshot!(format!("bpmn_{}", FIXTURES[0]), render(&model, "en"));
}

#[test]
fn bpmn_is_byte_identical_across_compilations_and_runs() {
    for name in SHIPPED {
        let first = render(&shipped(name), "zh");
        for _ in 0..3 {
            // A fresh compilation: fresh hash maps with fresh seeds.
            assert_eq!(render(&shipped(name), "zh"), first, "{name}");
        }
    }
    let fx = fixture(FIXTURES[0]);
    assert_eq!(render(&fx, "en"), render(&fixture(FIXTURES[0]), "en"));
}

#[test]
fn texts_are_in_the_chosen_locale() {
    let model = shipped("engagement-completion-enablement");
    let zh = render(&model, "zh");
    let en = render(&model, "en");
    let title = model
        .step("prepare")
        .expect("prepare")
        .title
        .text
        .get("zh")
        .expect("zh title");
    assert!(zh.contains(&format!("name=\"{title}\"")), "{title}");
    assert!(
        zh.contains("负责人: "),
        "the export's own words are in Chinese"
    );
    assert!(en.contains("name=\"Prepare for Engagement Discussion Conversation (enablement)\""));
    assert!(!en.contains(title.as_str()));
    // A locale without texts falls back to the source locale.
    assert_eq!(render(&model, "fr"), en);
}

// ---------------------------------------------------------------------------
// Validation: bpmn-moddle and bpmnlint
// ---------------------------------------------------------------------------

#[test]
fn bpmn_passes_bpmn_moddle_and_bpmnlint_recommended() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut files = Vec::new();
    let mut add = |name: String, xml: String| {
        let file = dir.path().join(format!("{name}.bpmn"));
        std::fs::write(&file, xml).expect("write BPMN");
        files.push(file);
    };
    for name in SHIPPED {
        let model = shipped(name);
        for locale in ["en", "zh"] {
            add(format!("{name}.{locale}"), render(&model, locale));
        }
    }
    for name in FIXTURES.iter().chain(&["hostile-texts"]) {
        add(name.to_string(), render(&fixture(name), "en"));
    }
    let args: Vec<&Path> = files.iter().map(|f| f.as_path()).collect();
    let output = node("lint-bpmn.mjs", &args);
    assert!(
        output.status.success(),
        "bpmn-moddle or bpmnlint found problems (exit {:?}); if packages are missing, {INSTALL}\n{}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{} file(s): no problems", files.len())),
        "{stdout}"
    );
}

#[test]
fn lint_script_reports_a_broken_file() {
    // The validation above must be able to fail: a flow node without its
    // `incoming`, an unknown attribute and a task without a name.
    let xml = render(&shipped("engagement-completion-migration"), "en")
        .replacen(
            "<bpmn:incoming>Flow_SubProcess_prepare__SubProcess_conduct</bpmn:incoming>",
            "",
            1,
        )
        .replacen("name=\"Playbook complete\"", "name=\"\" bogus=\"1\"", 1);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("broken.bpmn");
    std::fs::write(&file, xml).expect("write BPMN");
    let output = node("lint-bpmn.mjs", &[&file]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("unknown attribute <bogus>"), "{stdout}");
    assert!(stdout.contains("label-required"), "{stdout}");
    assert!(stdout.contains("no-implicit-start"), "{stdout}");
}

// ---------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------

/// Every element text and attribute value of an XML document, unescaped.
fn xml_strings(xml: &str) -> (Vec<String>, Vec<(String, String)>) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut texts = Vec::new();
    let mut attrs = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                for a in e.attributes() {
                    let a = a.expect("a well-formed attribute");
                    let key = a.key.as_ref().to_string();
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("an attribute value")
                        .into_owned();
                    attrs.push((key, value));
                }
            }
            Event::Text(t) => texts.push(t.xml10_content().into_owned()),
            Event::GeneralRef(r) => {
                // An entity or character reference between text pieces.
                let c = match r.resolve_char_ref().expect("a character reference") {
                    Some(c) => c.to_string(),
                    None => match r.as_ref() {
                        "lt" => "<".to_string(),
                        "gt" => ">".to_string(),
                        "amp" => "&".to_string(),
                        "quot" => "\"".to_string(),
                        "apos" => "'".to_string(),
                        n => panic!("unknown entity {n}"),
                    },
                };
                match texts.last_mut() {
                    Some(last) => last.push_str(&c),
                    None => texts.push(c),
                }
            }
            _ => {}
        }
    }
    (texts, attrs)
}

#[test]
fn hostile_texts_round_trip_through_the_xml() {
    let model = fixture("hostile-texts");
    let xml = render(&model, "en");
    let (texts, attrs) = xml_strings(&xml);
    let all_text = texts.concat();
    let title = model
        .step("inject")
        .expect("step")
        .title
        .text
        .get("en")
        .expect("title")
        .clone();
    assert!(title.contains("<script>") && title.contains("]]>") && title.contains('"'));
    // The step title is the task's name, whole.
    assert!(
        attrs.iter().any(|(k, v)| k == "name" && v == &title),
        "the name {title:?} does not round-trip"
    );
    // Every item text is in the documentation, whole.
    ir::walk_items(&model.step("inject").expect("step").items, &mut |item| {
        if let Item::Do(d) = item
            && d.id != "control"
        {
            // Doubled braces are the template's way of writing one.
            let text = d.text.text.get("en").expect("text");
            let text = text.replace("{{", "{").replace("}}", "}");
            assert!(all_text.contains(&text), "{text:?} does not round-trip");
        }
    });
    // A character XML cannot carry becomes U+FFFD.
    assert!(all_text.contains("A bell \u{FFFD} in the text"));
    assert!(!xml.contains('\u{7}'));
    // No raw markup from the texts reaches the document.
    assert!(!xml.contains("<script>"));
    assert!(!xml.contains("]]>"));
    assert!(!xml.contains("\"onmouseover"));
}

// ---------------------------------------------------------------------------
// Runs in bpmn-engine
// ---------------------------------------------------------------------------

/// The values of one run: inputs, and answers to every decision.
struct RunEnv<'a, 'm> {
    analysis: &'a Analysis<'m>,
    inputs: &'a BTreeMap<String, Value>,
    /// Decisions answered so far.
    answered: BTreeMap<String, Value>,
    at: Cell<Option<(usize, bool)>>,
    depth: Cell<usize>,
}

impl Env for RunEnv<'_, '_> {
    fn input(&self, id: &str) -> Option<Value> {
        self.inputs.get(id).cloned()
    }
    fn let_value(&self, id: &str) -> Result<Value, EvalError> {
        let l = self
            .analysis
            .model
            .lets
            .iter()
            .find(|l| l.id == id)
            .expect("a definition");
        eval::eval(&l.value, self)
    }
    fn decision(&self, id: &str) -> Option<Value> {
        self.answered.get(id).cloned()
    }
    fn loop_var(&self, _: &str) -> Option<Value> {
        None
    }
    fn recorded(&self, criterion: &str) -> Option<bool> {
        let (step, during) = self.at.get()?;
        Some(self.recorded_before(criterion, step, during))
    }
    fn today(&self) -> Option<jiff::civil::Date> {
        Some(
            jiff::Timestamp::now()
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date(),
        )
    }
}

impl RunEnv<'_, '_> {
    fn holds_at(&self, e: &ir::Expr, at: Option<(usize, bool)>) -> bool {
        let saved = self.at.replace(at);
        let holds = matches!(eval::eval(e, self), Ok(Value::Bool(true)));
        self.at.set(saved);
        holds
    }

    /// The playbook's meaning of a step running: it applies to the run's
    /// services and its `requires` holds.
    fn runs(&self, step: usize) -> bool {
        let s = &self.analysis.model.steps[step];
        let applies = match (&s.applies, self.analysis.services_input) {
            (ir::Applies::Services(list), Some(input)) => match self.inputs.get(input) {
                Some(Value::Set(chosen)) => list.iter().any(|x| chosen.contains(x)),
                _ => true,
            },
            _ => true,
        };
        applies
            && s.requires
                .as_ref()
                .is_none_or(|r| self.holds_at(r, Some((step, false))))
    }

    fn recorded_before(&self, criterion: &str, step: usize, during: bool) -> bool {
        if self.depth.get() >= 32 {
            return false;
        }
        self.depth.set(self.depth.get() + 1);
        let found = self
            .analysis
            .producers
            .get(criterion)
            .is_some_and(|producers| {
                producers.iter().any(|(p, kind, when)| {
                    let in_time = if *p == step {
                        during || *kind == GateKind::Entry
                    } else {
                        self.analysis.is_ancestor(*p, step)
                    };
                    in_time
                        && self.runs(*p)
                        && when.is_none_or(|w| self.holds_at(w, Some((*p, true))))
                })
            });
        self.depth.set(self.depth.get() - 1);
        found
    }

    fn guards_hold(&self, guards: &[Guard], at: (usize, bool)) -> bool {
        let holds = |e: &ir::Expr| self.holds_at(e, Some(at));
        let value = |e: &ir::Expr| {
            let saved = self.at.replace(Some(at));
            let v = eval::eval(e, self).ok();
            self.at.set(saved);
            v
        };
        guards.iter().all(|g| match *g {
            Guard::Holds(e) => holds(e),
            Guard::NonEmpty(e) => matches!(value(e), Some(Value::Set(s)) if !s.is_empty()),
            Guard::Branch { branches, index } => {
                !branches[..index].iter().any(|b| holds(&b.when))
                    && branches.get(index).is_none_or(|b| holds(&b.when))
            }
            Guard::Arm {
                subject,
                arms,
                index,
            } => {
                let subject = subject.map(value);
                let matches = |arm: &ir::Arm| match &arm.patterns {
                    None => true,
                    Some(ps) => match &subject {
                        Some(v) => ps.iter().any(|p| v.is_some() && &value(p) == v),
                        None => ps.iter().any(holds),
                    },
                };
                !arms[..index]
                    .iter()
                    .any(|a| a.patterns.is_some() && matches(a))
                    && matches(&arms[index])
            }
        })
    }
}

/// The loops directly in a step (not inside another loop), in order.
fn loops(items: &[Item]) -> Vec<&Item> {
    let mut out = Vec::new();
    let mut stack: Vec<&Item> = items.iter().rev().collect();
    while let Some(item) = stack.pop() {
        if matches!(item, Item::ForEach { .. }) {
            out.push(item);
        } else {
            stack.extend(item.children().into_iter().rev());
        }
    }
    out
}

/// The BPMN id of a loop's task: `Loop_` and the first `do` item inside.
fn loop_task(step: &ir::Step, item: &Item) -> String {
    let Item::ForEach { var, items, .. } = item else {
        unreachable!("a loop")
    };
    let mut first = None;
    ir::walk_items(items, &mut |i| {
        if let (Item::Do(d), None) = (i, &first) {
            first = Some(d.id.clone());
        }
    });
    format!(
        "Loop_{}",
        first.unwrap_or_else(|| format!("{}_{var}", step.id))
    )
}

/// What the compiled model says happens on a run: the end event, the step
/// tasks, and each loop task with the elements it repeats for.
fn expected(
    analysis: &Analysis,
    values: &[(Var, Value)],
) -> (String, BTreeSet<String>, BTreeSet<(String, String)>) {
    let model = analysis.model;
    let inputs: BTreeMap<String, Value> = values
        .iter()
        .filter_map(|(v, x)| match v {
            Var::Input(id) => Some((id.clone(), x.clone())),
            Var::Decision(_) => None,
        })
        .collect();
    let answers: BTreeMap<&str, &Value> = values
        .iter()
        .filter_map(|(v, x)| match v {
            Var::Decision(id) => Some((id.as_str(), x)),
            Var::Input(_) => None,
        })
        .collect();
    let mut env = RunEnv {
        analysis,
        inputs: &inputs,
        answered: BTreeMap::new(),
        at: Cell::new(None),
        depth: Cell::new(0),
    };
    let mut steps = BTreeSet::new();
    let mut loop_tasks = BTreeSet::new();
    if model
        .requires
        .as_ref()
        .is_some_and(|r| !env.holds_at(r, None))
    {
        return ("End_not_applicable".to_string(), steps, loop_tasks);
    }
    for &si in analysis.graph.order() {
        if !env.runs(si) {
            continue;
        }
        let step = &model.steps[si];
        steps.insert(format!("Step_{}", step.id));
        let step_loops = loops(&step.items);
        let mut in_loops = BTreeSet::new();
        for l in &step_loops {
            ir::walk_items(
                l.children()
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .as_slice(),
                &mut |i| {
                    if let Item::Ask { decision } = i {
                        in_loops.insert(decision.clone());
                    }
                },
            );
        }
        // The step's task asks every question of the step outside loops.
        for d in model
            .decisions
            .iter()
            .filter(|d| d.step == step.id && !in_loops.contains(&d.id))
        {
            env.answered
                .insert(d.id.clone(), answers[d.id.as_str()].clone());
        }
        for l in step_loops {
            let guards = analysis
                .items
                .iter()
                .find(|p| std::ptr::eq(p.item, l))
                .map(|p| p.guards.clone())
                .unwrap_or_default();
            if !env.guards_hold(&guards, (si, true)) {
                continue;
            }
            let Item::ForEach { over, .. } = l else {
                unreachable!()
            };
            let saved = env.at.replace(Some((si, true)));
            let elements = match eval::eval(over, &env) {
                Ok(Value::Set(s)) => s,
                _ => BTreeSet::new(),
            };
            env.at.set(saved);
            for e in elements {
                loop_tasks.insert((loop_task(step, l), e));
            }
            for d in model
                .decisions
                .iter()
                .filter(|d| d.step == step.id && in_loops.contains(&d.id))
            {
                env.answered
                    .insert(d.id.clone(), answers[d.id.as_str()].clone());
            }
        }
    }
    ("End".to_string(), steps, loop_tasks)
}

/// A value as the process variable bpmn-engine reads.
fn to_json(v: &Value) -> Json {
    match v {
        Value::Bool(b) => json!(b),
        Value::Number(n) => serde_json::from_str(&n.to_string()).expect("a number"),
        Value::Percent(p) => {
            let hundred = p.checked_mul(eval::Ratio::int(100)).expect("a percentage");
            serde_json::from_str(&hundred.to_string()).expect("a number")
        }
        Value::Date(d) => json!(d.to_string()),
        Value::Duration(n, unit) => json!([n, format!("{unit:?}").to_lowercase()]),
        Value::Text(t) | Value::Enum(t) => json!(t),
        Value::Set(s) => json!(s.iter().collect::<Vec<_>>()),
    }
}

/// A scenario's values as `playbook run` takes them: the inputs as
/// `--input NAME=VALUE` texts, the answers as texts by decision id.
fn typed(values: &[(Var, Value)]) -> (Vec<(String, String)>, BTreeMap<String, String>) {
    let mut inputs = Vec::new();
    let mut answers = BTreeMap::new();
    for (var, v) in values {
        match var {
            Var::Input(id) => inputs.push((id.clone(), value::show(v))),
            Var::Decision(id) => {
                answers.insert(id.clone(), value::show(v));
            }
        }
    }
    (inputs, answers)
}

/// Runs the export of `model` in bpmn-engine on every combination of the
/// representative values of its inputs and decisions, and compares each run
/// with what the model says happens, with the `camunda8` and
/// `spiffworkflow` exports' runs, and with `playbook run` driven through the
/// same scenario ([`drive`]). Returns the number of runs and how many of
/// them ended at each end event.
fn run_every_path(model: &Playbook) -> (usize, BTreeMap<String, usize>) {
    let analysis = Analysis::new(model);
    let vars: BTreeSet<Var> = model
        .inputs
        .iter()
        .map(|i| Var::Input(i.id.clone()))
        .chain(model.decisions.iter().map(|d| Var::Decision(d.id.clone())))
        .collect();
    let mut scenarios: Vec<Vec<(Var, Value)>> = Vec::new();
    analysis
        .find_anywhere(&vars, |s| {
            scenarios.push(s.values.clone());
            false
        })
        .expect("few enough scenarios");
    assert!(!scenarios.is_empty());
    // The day the engines' scripts will read as today.
    let now = today_utc();

    let mut input = Vec::new();
    let mut expectations = Vec::new();
    for values in &scenarios {
        let mut variables = serde_json::Map::new();
        let mut answers = serde_json::Map::new();
        for (var, value) in values {
            match var {
                Var::Input(id) => variables.insert(variable_name(id), to_json(value)),
                Var::Decision(id) => answers.insert(variable_name(id), to_json(value)),
            };
        }
        input.push(json!({ "variables": variables, "answers": answers }));
        expectations.push(expected(&analysis, values));
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bpmn = dir.path().join("process.bpmn");
    let runs = dir.path().join("runs.json");
    std::fs::write(&bpmn, render(model, "en")).expect("write BPMN");
    std::fs::write(&runs, serde_json::to_string(&input).expect("JSON")).expect("write runs");
    let output = node("run-bpmn.mjs", &[&bpmn, &runs]);
    assert!(
        output.status.success(),
        "run-bpmn failed (exit {:?}); if packages are missing, {INSTALL}\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let observed: Vec<Json> = serde_json::from_slice(&output.stdout).expect("JSON from run-bpmn");
    assert_eq!(observed.len(), scenarios.len());
    // The same scenarios through the `camunda8` export, its FEEL evaluated
    // by feelin: the same path, tasks, ends and values.
    let camunda = run_camunda8(model, &input);
    assert_eq!(camunda.len(), scenarios.len());
    // And through the `spiffworkflow` export in SpiffWorkflow.
    let spiff = run_spiff(model, &input);
    assert_eq!(spiff.len(), scenarios.len());
    for ((values, js), python) in scenarios.iter().zip(&observed).zip(&spiff) {
        let describe: Vec<String> = values
            .iter()
            .map(|(v, x)| format!("{} = {x}", v.name()))
            .collect();
        assert_eq!(
            python["error"],
            Json::Null,
            "{}: {python}",
            describe.join(", ")
        );
        // Steps on parallel branches may take turns in another order in
        // SpiffWorkflow: the tasks and flows are compared as multisets.
        for key in ["ends", "tasks", "path", "variables"] {
            assert_eq!(
                unordered(&js[key]),
                unordered(&python[key]),
                "bpmn-engine and spiffworkflow differ in {key} for {}",
                describe.join(", ")
            );
        }
    }
    for ((values, js), feel) in scenarios.iter().zip(&observed).zip(&camunda) {
        let describe: Vec<String> = values
            .iter()
            .map(|(v, x)| format!("{} = {x}", v.name()))
            .collect();
        assert_eq!(feel["error"], Json::Null, "{}: {feel}", describe.join(", "));
        for key in ["ends", "tasks", "path", "variables"] {
            assert_eq!(
                js[key],
                feel[key],
                "bpmn-engine and camunda8 (feelin) differ in {key} for {}",
                describe.join(", ")
            );
        }
    }

    let mut ends: BTreeMap<String, usize> = BTreeMap::new();
    for ((values, (end, steps, loop_tasks)), run) in
        scenarios.iter().zip(&expectations).zip(&observed)
    {
        let describe: Vec<String> = values
            .iter()
            .map(|(v, x)| format!("{} = {x}", v.name()))
            .collect();
        let context = format!("{}: {}\nobserved: {run}", model.id, describe.join(", "));
        assert_eq!(run["error"], Json::Null, "{context}");
        assert_eq!(
            run["ends"],
            json!([end]),
            "the run ends at one end event\n{context}"
        );
        let tasks = run["tasks"].as_array().expect("tasks");
        let seen_steps: Vec<String> = tasks
            .iter()
            .filter(|t| t["element"].is_null())
            .map(|t| t["id"].as_str().expect("an id").to_string())
            .collect();
        let seen_step_set: BTreeSet<String> = seen_steps.iter().cloned().collect();
        assert_eq!(
            seen_steps.len(),
            seen_step_set.len(),
            "each step task once\n{context}"
        );
        assert_eq!(&seen_step_set, steps, "the step tasks completed\n{context}");
        let seen_loops: BTreeSet<(String, String)> = tasks
            .iter()
            .filter(|t| !t["element"].is_null())
            .map(|t| {
                (
                    t["id"].as_str().expect("an id").to_string(),
                    t["element"].as_str().expect("an element").to_string(),
                )
            })
            .collect();
        let loop_count = tasks.iter().filter(|t| !t["element"].is_null()).count();
        assert_eq!(loop_count, seen_loops.len(), "each element once\n{context}");
        assert_eq!(
            &seen_loops, loop_tasks,
            "the loop tasks completed\n{context}"
        );
        // And `playbook run`, driven through the same scenario.
        let (typed, answers) = typed(values);
        let ours = drive(model, &typed, &answers, now);
        assert_eq!(
            json!([ours.end]),
            run["ends"],
            "playbook run and bpmn-engine differ in the end\n{context}"
        );
        assert_eq!(
            ours.outcome,
            engine_outcome(run),
            "playbook run and bpmn-engine differ in the steps, queue or next action date\n{context}"
        );
        assert_eq!(
            ours.loop_tasks, seen_loops,
            "playbook run and bpmn-engine differ in the loop tasks\n{context}"
        );
        *ends.entry(end.clone()).or_default() += 1;
    }
    // The figure docs/export-bpmn.md reports (`--nocapture` shows it).
    eprintln!(
        "{}: {} scenarios agree in playbook run, bpmn-engine, camunda8 and spiffworkflow",
        model.id,
        scenarios.len()
    );
    (scenarios.len(), ends)
}

#[test]
fn every_path_of_the_enablement_playbook_runs_in_bpmn_engine() {
    let (runs, ends) = run_every_path(&shipped("engagement-completion-enablement"));
    // Seats, active users, the account team, regions, services (none, each
    // one, all) and the answer to `ready-for-more`; some runs do not reach
    // the usage milestone, so the playbook does not apply.
    assert!(runs >= 2 * 3 * 7 * 2, "{runs}");
    assert!(
        ends["End"] > 0 && ends["End_not_applicable"] > 0,
        "{ends:?}"
    );
}

#[test]
fn every_path_of_the_migration_playbook_runs_in_bpmn_engine() {
    let (runs, ends) = run_every_path(&shipped("engagement-completion-migration"));
    assert!(runs >= 2 * 2 * 3 * 2, "{runs}");
    assert!(
        ends["End"] > 0 && ends["End_not_applicable"] > 0,
        "{ends:?}"
    );
}

#[test]
fn every_path_of_branching_steps_and_guarded_loops_runs_in_bpmn_engine() {
    let model = fixture(FIXTURES[0]);
    let (runs, ends) = run_every_path(&model);
    assert!(runs > 100, "{runs}");
    assert!(
        ends["End"] > 0 && ends["End_not_applicable"] > 0,
        "{ends:?}"
    );
}

/// Runs the `camunda8` export of `model` (with its forms beside it) in
/// `tests/node/run-camunda8.mjs`, once per scenario.
fn run_camunda8(model: &Playbook, scenarios: &[Json]) -> Vec<Json> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bpmn = dir.path().join("process.bpmn");
    let runs = dir.path().join("runs.json");
    let (document, forms) = render_with_forms(model, "en", Target::Camunda8);
    std::fs::write(&bpmn, document).expect("write BPMN");
    for (id, json) in forms {
        std::fs::write(dir.path().join(format!("{id}.form")), json).expect("write a form");
    }
    std::fs::write(&runs, serde_json::to_string(scenarios).expect("JSON")).expect("write runs");
    let output = node("run-camunda8.mjs", &[&bpmn, &runs]);
    assert!(
        output.status.success(),
        "run-camunda8 failed (exit {:?}); if packages are missing, {INSTALL}\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON from run-camunda8")
}

// ---------------------------------------------------------------------------
// Camunda 8 conformance
// ---------------------------------------------------------------------------

#[test]
fn camunda8_export_passes_camunda_compat_zeebe_moddle_and_feel_lint() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut files = Vec::new();
    let mut models: Vec<(String, Playbook)> = SHIPPED
        .iter()
        .map(|n| (n.to_string(), shipped(n)))
        .collect();
    models.extend(FIXTURES.iter().map(|n| (n.to_string(), fixture(n))));
    // And every valid fixture of the language.
    let mut valid: Vec<std::path::PathBuf> = std::fs::read_dir(root("tests/fixtures/valid"))
        .expect("tests/fixtures/valid")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "playbook"))
        .collect();
    valid.sort();
    for path in valid {
        let name = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .to_string();
        models.push((format!("valid-{name}"), compile(&path)));
    }
    for (name, model) in &models {
        for locale in &model.locales {
            let file = dir.path().join(format!("{name}.{locale}.bpmn"));
            std::fs::write(&file, render_for(model, locale, Target::Camunda8)).expect("write");
            files.push(file);
        }
    }
    let args: Vec<&Path> = files.iter().map(|f| f.as_path()).collect();
    let output = node("lint-camunda8.mjs", &args);
    assert!(
        output.status.success(),
        "lint-camunda8 found problems (exit {:?}):\n{}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn camunda8_lint_reports_a_javascript_condition() {
    // The bpmn-engine export is no Camunda 8 process: the check can fail.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("js.bpmn");
    std::fs::write(&file, render(&shipped(SHIPPED[0]), "en")).expect("write");
    let output = node("lint-camunda8.mjs", &[&file]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
}

#[test]
fn camunda8_conditions_are_feel_and_steps_are_camunda_user_tasks() {
    let xml = render_for(&shipped(SHIPPED[0]), "en", Target::Camunda8);
    assert!(xml.contains(r#"modeler:executionPlatform="Camunda Cloud""#));
    assert!(!xml.contains("next(null"), "no JavaScript");
    assert!(!xml.contains("camunda:"), "no Camunda 7 extensions");
    assert!(xml.contains("<zeebe:userTask/>"));
    assert!(xml.contains(r#"<zeebe:assignmentDefinition candidateGroups="fm"/>"#));
    assert!(xml.contains(
        r#"inputCollection="=if services = null then [] else services" inputElement="workload""#
    ));
    // Outcomes are output mappings of tasks that do nothing else.
    assert!(xml.contains(r#"<bpmn:task id="Set_request-queue-move_tenant-queue""#));
    assert!(xml.contains(r#"target="tenant_queue"/>"#));
    assert!(xml.contains(r#"target="next_action_date"/>"#));
    assert!(!xml.contains(r#"resultVariable="tenant_queue""#));
}

// ---------------------------------------------------------------------------
// Differential: `playbook run`, bpmn-engine and the camunda8 FEEL agree
// ---------------------------------------------------------------------------

/// What a run comes to: the steps completed, the queue and the next action
/// date.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    steps: BTreeSet<String>,
    queue: Option<String>,
    next_action_date: Option<String>,
}

/// Drives `playbook run` through a whole run as a diligent person would:
/// records every applicable criterion, answers every question from
/// `answers`, does every open item and completes each step in turn.
fn playbook_run(
    path: &Path,
    inputs: &[(&str, String)],
    answers: &BTreeMap<String, String>,
) -> Outcome {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let state = dir.path().join("run.toml");
    let bin = env!("CARGO_BIN_EXE_playbook");
    let cmd = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .arg("--state")
            .arg(&state)
            .output()
            .expect("run playbook")
    };
    let mut start: Vec<String> = vec!["run".into(), "start".into(), path.display().to_string()];
    for (k, v) in inputs {
        start.push("--input".into());
        start.push(format!("{k}={v}"));
    }
    let out = cmd(&start.iter().map(String::as_str).collect::<Vec<_>>());
    if !out.status.success() {
        // The playbook does not apply to this customer.
        return Outcome {
            steps: BTreeSet::new(),
            queue: None,
            next_action_date: None,
        };
    }
    let status = || -> Json {
        let out = cmd(&["run", "status", "--format", "json"]);
        serde_json::from_slice(&out.stdout).expect("status JSON")
    };
    for _ in 0..64 {
        let s = status();
        let Some(current) = s["current_step"].as_str().map(str::to_string) else {
            break;
        };
        let step = s["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .find(|x| x["id"] == current.as_str())
            .expect("the current step")
            .clone();
        for gate in ["entry", "exit"] {
            for c in step[gate].as_array().into_iter().flatten() {
                if c["applies"] == "yes" && c["recorded"] == false {
                    let id = c["criterion"].as_str().expect("criterion");
                    cmd(&["run", "record", id, "--evidence", "noted"]);
                }
            }
        }
        // Items may open as others are done: a few passes.
        for _ in 0..4 {
            let s = status();
            let step = s["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .find(|x| x["id"] == current.as_str())
                .expect("the current step")
                .clone();
            for item in step["items"].as_array().into_iter().flatten() {
                if item["status"] != "open" {
                    continue;
                }
                let key = item["key"].as_str().expect("key");
                if item["kind"] == "ask" {
                    let value = answers.get(key).map(String::as_str).unwrap_or("false");
                    cmd(&["run", "answer", key, value]);
                } else {
                    cmd(&["run", "done", key]);
                }
            }
            // Exit criteria whose condition reads an answer apply now.
            for c in step["exit"].as_array().into_iter().flatten() {
                if c["applies"] == "yes" && c["recorded"] == false {
                    let id = c["criterion"].as_str().expect("criterion");
                    cmd(&["run", "record", id, "--evidence", "noted"]);
                }
            }
        }
        cmd(&["run", "complete", &current]);
    }
    let s = status();
    let steps = s["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|x| x["status"] == "done")
        .map(|x| format!("Step_{}", x["id"].as_str().expect("id")))
        .collect();
    Outcome {
        steps,
        queue: s["fields"]["tenant-queue"].as_str().map(str::to_string),
        next_action_date: s["next_action_date"].as_str().map(str::to_string),
    }
}

/// The outcome of an engine's run (bpmn-engine or the camunda8 walk).
fn engine_outcome(run: &Json) -> Outcome {
    Outcome {
        steps: run["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .filter(|t| t["element"].is_null())
            .map(|t| t["id"].as_str().expect("id").to_string())
            .collect(),
        queue: run["variables"]["tenant_queue"]
            .as_str()
            .map(str::to_string),
        next_action_date: run["variables"]["next_action_date"]
            .as_str()
            .map(str::to_string),
    }
}

/// Who drives the runs of [`drive`].
const DRIVER: &str = "tests";

/// What `playbook run` comes to on a scenario, as [`drive`] reports it.
#[derive(Debug)]
struct Driven {
    /// `End` once the run is complete, `End_not_applicable` when the
    /// playbook does not apply, else the step the driver got stuck at and
    /// why, as the differences will show it.
    end: String,
    outcome: Outcome,
    /// Each loop task (the BPMN id [`loop_task`] gives it) with the elements
    /// the run went through it for.
    loop_tasks: BTreeSet<(String, String)>,
}

/// The first step a diligent person works on: one begun or ready, else one
/// that waits only for its entry evidence.
fn workable<'v, 'm>(view: &'v View<'m>) -> Option<&'v StepView<'m>> {
    let waits_for_evidence = |s: &StepView| {
        s.status == StepStatus::Blocked
            && s.blockers.iter().all(|b| matches!(b, Blocker::Evidence(_)))
    };
    view.steps
        .iter()
        .find(|s| s.status == StepStatus::Active)
        .or_else(|| view.steps.iter().find(|s| s.status == StepStatus::Ready))
        .or_else(|| view.steps.iter().find(|s| waits_for_evidence(s)))
}

/// What can be done in a step as it stands: record every applicable
/// criterion that waits for nothing, answer every open question from
/// `answers` (by decision id: every instance of a question in a loop gets
/// the same answer), and do every open item that waits for nothing, in one
/// `done`.
fn step_commands(step: &StepView, answers: &BTreeMap<String, String>) -> Vec<Command> {
    let mut commands: Vec<Command> = step
        .entry
        .iter()
        .chain(&step.exit)
        .filter(|g| g.applies == Applicability::Yes && !g.recorded && g.waits.is_empty())
        .map(|g| Command::Record {
            criterion: g.criterion.clone(),
            evidence: "noted".to_string(),
        })
        .collect();
    if step.status == StepStatus::Blocked {
        return commands;
    }
    let open = step
        .items
        .iter()
        .filter(|i| i.status == ItemStatus::Open && i.blockers.is_empty());
    let mut items = Vec::new();
    for i in open {
        match i.kind {
            ItemKind::Ask => commands.push(Command::Answer {
                decision: i.key.clone(),
                value: answers
                    .get(&i.id)
                    .unwrap_or_else(|| panic!("no answer to `{}`", i.id))
                    .clone(),
            }),
            ItemKind::Do => items.push(i.key.clone()),
            ItemKind::Group | ItemKind::Tip | ItemKind::Warning => {}
        }
    }
    if !items.is_empty() {
        commands.push(Command::Done { items, note: None });
    }
    commands
}

/// Drives `playbook run`'s engine in-process through a whole run, as
/// [`playbook_run`] drives the binary: starts it with `inputs` (as `--input`
/// takes them), then, step after step, records every applicable criterion,
/// answers every question from `answers`, does every open item (each
/// instance of a loop's) and completes the step, until no step is left.
fn drive(
    model: &Playbook,
    inputs: &[(String, String)],
    answers: &BTreeMap<String, String>,
    now: Now,
) -> Driven {
    let values = session::parse_inputs(model, inputs)
        .unwrap_or_else(|e| panic!("`playbook run` refuses the inputs {inputs:?}: {e:?}"));
    let mut driven = Driven {
        end: "End_not_applicable".to_string(),
        outcome: Outcome {
            steps: BTreeSet::new(),
            queue: None,
            next_action_date: None,
        },
        loop_tasks: BTreeSet::new(),
    };
    let Ok(mut run) = Run::start(model, values, now, DRIVER) else {
        // The playbook does not apply.
        return driven;
    };
    let mut stuck = None;
    'steps: for _ in 0..=model.steps.len() {
        let view = run.view(now.today);
        let Some(step) = workable(&view).map(|s| s.step.id.clone()) else {
            break;
        };
        // Items open, and criteria apply, as others are done and answered.
        loop {
            let view = run.view(now.today);
            let commands = step_commands(view.step(&step).expect("the step"), answers);
            if commands.is_empty() {
                break;
            }
            for command in commands {
                if let Err(e) = command.apply(&mut run, now, DRIVER) {
                    stuck = Some(format!("stuck in `{step}`: {command:?} refused: {e}"));
                    break 'steps;
                }
            }
        }
        let complete = Command::Complete { step: step.clone() };
        if let Err(e) = complete.apply(&mut run, now, DRIVER) {
            stuck = Some(format!("stuck: `complete {step}` refused: {e}"));
            break;
        }
    }
    let view = run.view(now.today);
    driven.end = match (stuck, view.complete) {
        (Some(why), _) => why,
        (None, true) => "End".to_string(),
        (None, false) => format!(
            "incomplete at `{}`",
            view.current().map_or("", |s| s.step.id.as_str())
        ),
    };
    driven.outcome = Outcome {
        steps: view
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Done)
            .map(|s| format!("Step_{}", s.step.id))
            .collect(),
        queue: run.state.field("tenant-queue").map(value::show),
        next_action_date: run.next_action_date().map(|d| d.to_string()),
    };
    for s in view.steps.iter().filter(|s| s.status == StepStatus::Done) {
        for l in loops(&s.step.items) {
            let Item::ForEach { var, items, .. } = l else {
                unreachable!("a loop")
            };
            let mut inside = BTreeSet::new();
            ir::walk_items(items, &mut |i| match i {
                Item::Do(d) => {
                    inside.insert(d.id.as_str());
                }
                Item::Ask { decision } => {
                    inside.insert(decision.as_str());
                }
                _ => {}
            });
            let task = loop_task(s.step, l);
            for i in s.items.iter().filter(|i| inside.contains(i.id.as_str())) {
                if let Some((v, element)) = i.bindings.first()
                    && v == var
                {
                    driven.loop_tasks.insert((task.clone(), element.clone()));
                }
            }
        }
    }
    driven
}

/// The UTC date the processes' scripts read as today (`new Date()` in
/// bpmn-engine, `today()` in feelin, the UTC date in SpiffWorkflow), and the
/// instant of the commands of [`drive`].
fn today_utc() -> Now {
    let time = jiff::Timestamp::now();
    Now {
        time,
        today: time.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
    }
}

/// A customer: inputs as `playbook run` takes them, and the same as process
/// variables; the answer to `ready-for-more`.
fn customer(
    seats: i64,
    users: i64,
    region: &str,
    team_known: bool,
    ready: bool,
) -> (Vec<(&'static str, String)>, Json, BTreeMap<String, String>) {
    let inputs = vec![
        ("seats", seats.to_string()),
        ("active-users", users.to_string()),
        ("account-team-known", team_known.to_string()),
        ("region", region.to_string()),
        ("services", "exchange,teams".to_string()),
    ];
    let variables = json!({
        "seats": seats, "active_users": users, "account_team_known": team_known,
        "region": region, "services": ["exchange", "teams"],
    });
    let answers = BTreeMap::from([("ready-for-more".to_string(), ready.to_string())]);
    (inputs, variables, answers)
}

#[test]
fn customers_take_the_same_path_in_playbook_run_bpmn_engine_camunda8_and_spiffworkflow() {
    let name = "engagement-completion-enablement";
    let model = shipped(name);
    let path = root(&format!("playbooks/{name}.playbook"));
    let customers = [
        customer(5000, 150, "emea", true, false),
        customer(500, 60, "apj", false, true),
        customer(5000, 150, "americas", false, true),
        customer(500, 60, "emea", true, false),
        // Below the usage milestone: the playbook does not apply.
        customer(500, 20, "apj", true, true),
    ];
    let scenarios: Vec<Json> = customers
        .iter()
        .map(|(_, variables, answers)| {
            json!({
                "variables": variables,
                "answers": { "ready_for_more": answers["ready-for-more"] == "true" },
            })
        })
        .collect();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bpmn = dir.path().join("process.bpmn");
    let runs = dir.path().join("runs.json");
    std::fs::write(&bpmn, render(&model, "en")).expect("write BPMN");
    std::fs::write(&runs, serde_json::to_string(&scenarios).expect("JSON")).expect("write");
    let output = node("run-bpmn.mjs", &[&bpmn, &runs]);
    assert!(output.status.success(), "{output:?}");
    let js: Vec<Json> = serde_json::from_slice(&output.stdout).expect("JSON");
    let feel = run_camunda8(&model, &scenarios);
    let python = run_spiff(&model, &scenarios);
    let mut paths = BTreeSet::new();
    let now = today_utc();
    for (i, (inputs, _, answers)) in customers.iter().enumerate() {
        let ours = playbook_run(&path, inputs, answers);
        let context = format!("customer {inputs:?}, {answers:?}");
        // The binary and the in-process driver of `run_every_path` agree.
        let typed: Vec<(String, String)> = inputs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let driven = drive(&model, &typed, answers, now);
        assert_eq!(driven.outcome, ours, "in-process vs binary, {context}");
        let end = if ours.steps.is_empty() {
            "End_not_applicable"
        } else {
            "End"
        };
        assert_eq!(driven.end, end, "{context}");
        if i == 0 {
            // The discussion reviews each workload: a loop task per service.
            let reviews = ["exchange", "teams"]
                .map(|w| ("Loop_review-activities".to_string(), w.to_string()));
            assert_eq!(driven.loop_tasks, BTreeSet::from(reviews), "{context}");
        }
        assert_eq!(
            engine_outcome(&js[i]),
            ours,
            "bpmn-engine vs playbook run, {context}"
        );
        assert_eq!(
            engine_outcome(&feel[i]),
            ours,
            "camunda8 vs playbook run, {context}"
        );
        assert_eq!(python[i]["error"], Json::Null, "{context}");
        assert_eq!(
            engine_outcome(&python[i]),
            ours,
            "spiffworkflow vs playbook run, {context}"
        );
        assert_eq!(js[i]["path"], feel[i]["path"], "{context}");
        assert_eq!(
            unordered(&js[i]["path"]),
            unordered(&python[i]["path"]),
            "{context}"
        );
        paths.insert(js[i]["path"].to_string());
    }
    // Opposite customers take different paths: the account team and the
    // answer to `ready-for-more` choose.
    assert_ne!(js[0]["path"], js[1]["path"]);
    assert_eq!(paths.len(), 3, "{paths:?}");
    let queues: Vec<Option<String>> = js.iter().map(|r| engine_outcome(r).queue).collect();
    assert_eq!(queues[0].as_deref(), Some("ftcq-inactive-emea"));
    assert_eq!(queues[1].as_deref(), Some("ftcq-inactive-apj"));
    assert_eq!(queues[4], None);
}

// ---------------------------------------------------------------------------
// SpiffWorkflow
// ---------------------------------------------------------------------------

#[test]
fn spiffworkflow_conditions_are_python_and_loops_read_a_data_input() {
    let xml = render_for(&shipped(SHIPPED[0]), "en", Target::SpiffWorkflow);
    assert!(!xml.contains("next(null"), "no JavaScript");
    assert!(!xml.contains("camunda:") && !xml.contains("zeebe:"));
    assert!(!xml.contains("id=\"Start\"") && !xml.contains("id=\"End\""));
    assert!(xml.contains("id=\"StartEvent\"") && xml.contains("id=\"EndEvent\""));
    assert!(xml.contains("scriptFormat=\"python\""));
    assert!(xml.contains("<bpmn:loopDataInputRef>services</bpmn:loopDataInputRef>"));
    assert!(xml.contains("<bpmn:inputDataItem id=\"workload\" name=\"workload\"/>"));
    assert!(xml.contains("<spiffworkflow:postScript>del workload</spiffworkflow:postScript>"));
    assert!(xml.contains("\"ready_for_more\" in globals() and (ready_for_more == True)"));
    assert!(
        xml.contains("<spiffworkflow:property name=\"field:ready_for_more\" value=\"boolean\"/>")
    );
    // The other targets are what they were.
    assert_eq!(
        render_for(&shipped(SHIPPED[0]), "en", Target::BpmnEngine),
        render(&shipped(SHIPPED[0]), "en")
    );
}

#[test]
fn spiffworkflow_export_of_the_enablement_playbook_and_the_fixture() {
    let model = shipped(SHIPPED[0]);
    let xml = render_for(&model, "en", Target::SpiffWorkflow);
    assert_eq!(
        xml,
        render_for(&shipped(SHIPPED[0]), "en", Target::SpiffWorkflow)
    );
    insta::assert_snapshot!(format!("bpmn_spiffworkflow_{}_en", SHIPPED[0]), xml);
    let fx = fixture(FIXTURES[0]);
    insta::assert_snapshot!(
        format!("bpmn_spiffworkflow_{}", FIXTURES[0]),
        render_for(&fx, "en", Target::SpiffWorkflow)
    );
}

#[test]
fn spiffworkflow_accepts_the_export_of_every_valid_fixture() {
    // SpiffWorkflow parses each export after validating it against the BPMN
    // and SpiffWorkflow schemas (no scenarios: nothing runs).
    let dir = tempfile::tempdir().expect("a temporary folder");
    let none = dir.path().join("none.json");
    std::fs::write(&none, "[]").expect("write");
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(root("tests/fixtures/valid"))
        .expect("tests/fixtures/valid")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "playbook"))
        .collect();
    paths.sort();
    paths.push(root("tests/fixtures/bpmn/hostile-texts.playbook"));
    assert!(paths.len() > 10, "{paths:?}");
    for path in &paths {
        let file = dir.path().join("process.bpmn");
        std::fs::write(
            &file,
            render_for(&compile(path), "en", Target::SpiffWorkflow),
        )
        .expect("write");
        let output = python_run_spiff(&[&file, &none]);
        assert!(
            output.status.success(),
            "{}: exit {:?}\n{}",
            path.display(),
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn spiffworkflow_runner_reports_a_wrong_turn_and_a_broken_file() {
    // The comparisons above must be able to fail: the same customer through
    // an export whose condition is turned around takes another path.
    let model = shipped("engagement-completion-enablement");
    let (_, variables, _) = customer(5000, 150, "emea", true, false);
    let scenarios = [json!({ "variables": variables, "answers": { "ready_for_more": false } })];
    let xml = render_for(&model, "en", Target::SpiffWorkflow);
    let turned = xml.replacen(
        "account_team_known == True",
        "account_team_known == False",
        1,
    );
    assert_ne!(turned, xml);
    let right = run_spiff_xml(&xml, &scenarios);
    let wrong = run_spiff_xml(&turned, &scenarios);
    assert_eq!(right[0]["error"], Json::Null, "{right:?}");
    assert_ne!(right[0]["path"], wrong[0]["path"]);
    // A file SpiffWorkflow's schemas reject: exit 1, with the reason.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("broken.bpmn");
    let none = dir.path().join("none.json");
    std::fs::write(&none, "[]").expect("write");
    std::fs::write(&file, xml.replacen("<bpmn:inputDataItem", "<bpmn:bogus", 1)).expect("write");
    let output = python_run_spiff(&[&file, &none]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("bogus"),
        "{output:?}"
    );
}

/// The `match` statements the export gives a default flow
/// (`check::exhaustive_statements`) are exactly those without `else` that
/// the check finds no gap in: every other one has a `non-exhaustive-branch`
/// or an `analysis-limit` finding. On the shipped playbooks and fixtures,
/// and on each of them with the last arm of one match taken away (a
/// playbook with a gap does not compile, so its model is made so).
#[test]
fn exhaustive_statements_agree_with_the_check() {
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    for folder in [
        "playbooks",
        "tests/fixtures/valid",
        "tests/fixtures/bpmn",
        "tests/fixtures/export",
    ] {
        for entry in std::fs::read_dir(root(folder)).expect("a folder") {
            let path = entry.expect("an entry").path();
            if path.extension().is_some_and(|e| e == "playbook") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    let (mut proven, mut gaps) = (0, 0);
    for path in &paths {
        let c = playbook::compile(path, &playbook::fs::FsLoader::default()).expect("read");
        let Some(model) = c.model else { continue };
        let mut models = vec![(format!("{}", path.display()), model.clone())];
        for (s, step) in model.steps.iter().enumerate() {
            for (i, item) in step.items.iter().enumerate() {
                if let Item::Match { arms, .. } = item
                    && arms.len() > 1
                    && arms.iter().all(|a| a.patterns.is_some())
                {
                    let mut cut = model.clone();
                    if let Item::Match { arms, .. } = &mut cut.steps[s].items[i] {
                        arms.pop();
                    }
                    models.push((
                        format!(
                            "{} without the last arm of step {}",
                            path.display(),
                            step.id
                        ),
                        cut,
                    ));
                }
            }
        }
        for (name, model) in &models {
            let found: std::collections::HashSet<_> = playbook::check::check(model)
                .iter()
                .filter(|d| matches!(d.code.name(), "non-exhaustive-branch" | "analysis-limit"))
                .map(|d| d.primary.span)
                .collect();
            let exhaustive: std::collections::HashSet<_> =
                playbook::check::exhaustive_statements(&Analysis::new(model))
                    .into_iter()
                    .collect();
            for s in &model.steps {
                ir::walk_items(&s.items, &mut |item| {
                    let Item::Match { arms, span, .. } = item else {
                        return;
                    };
                    if arms.iter().any(|a| a.patterns.is_none()) {
                        return;
                    }
                    let (said, gap) = (exhaustive.contains(span), found.contains(span));
                    assert!(
                        said != gap,
                        "{name}: the match at {span:?} is {} by the export and {} by the check",
                        if said { "exhaustive" } else { "not exhaustive" },
                        if gap { "not exhaustive" } else { "exhaustive" },
                    );
                    if said {
                        proven += 1;
                    } else {
                        gaps += 1;
                    }
                });
            }
        }
    }
    assert!(
        proven > 0 && gaps > 0,
        "{proven} proven, {gaps} with gaps: nothing compared"
    );
}
