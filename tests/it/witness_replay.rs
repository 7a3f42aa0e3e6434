//! Every witness of the invalid fixtures replays: a run started with the
//! witness's inputs, answering its decisions with the witness's values and
//! doing whatever the run offers next, reaches the situation the diagnostic
//! reports.
//!
//! - `mandatory-task-not-on-every-path`: the run ends with the task not
//!   completed.
//! - `gate-unsatisfied`: the step is reached with its entry criterion not
//!   recorded by any step before it.
//! - `ordering-violation`: the item (or its step) is reached, and what it
//!   waits for never happens.
//! - `decision-not-asked`: the run stops with nothing left to do, the step
//!   that reads the decision unfinished.
//! - `non-exhaustive-branch`: no arm's condition holds; `overlapping-branch`:
//!   two do (each condition evaluated with the run's values).
//!
//! And the steps the witness lists run, in that order.

use playbook::diagnostic::Diagnostic;
use playbook::eval::{self, EvalError, Value};
use playbook::ir::{Expr, ExprKind, Item, Playbook, Type};
use playbook::registry::Code;
use playbook::run::engine::{Next, StepStatus, parse_inputs};
use playbook::run::{Now, Run};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn invalid_fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/fixtures/invalid")
        .expect("list fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "playbook"))
        .collect();
    files.sort();
    files
}

/// The model of a fixture whose only errors are path errors: compiled again
/// with those codes as warnings, so that the model is kept.
fn model_of(path: &Path) -> Playbook {
    let mut config = playbook::config::Config::default();
    for code in [
        Code::NonExhaustiveBranch,
        Code::OverlappingBranch,
        Code::MandatoryTaskNotOnEveryPath,
        Code::GateUnsatisfied,
        Code::OrderingViolation,
        Code::DecisionNotAsked,
        Code::UnreachableStep,
    ] {
        config.levels.insert(code, playbook::config::Level::Warn);
    }
    playbook::compile_with(path, &playbook::fs::FsLoader::default(), &config)
        .expect("read fixture")
        .model
        .unwrap_or_else(|| panic!("{}: no model with path errors as warnings", path.display()))
}

/// A value for a decision the witness leaves free.
fn any_value(model: &Playbook, ty: &Type) -> String {
    match ty {
        Type::Bool => "false".to_string(),
        Type::Int => "0".to_string(),
        Type::Percent => "0%".to_string(),
        Type::Date => "2026-01-01".to_string(),
        Type::Duration => "1 day".to_string(),
        Type::Text => "x".to_string(),
        Type::Set(_) => String::new(),
        Type::Enum(e) => model
            .enums
            .iter()
            .find(|x| &x.id == e)
            .and_then(|x| x.values.first())
            .map(|v| v.id.clone())
            .or_else(|| model.services.first().map(|s| s.id.clone()))
            .unwrap_or_default(),
    }
}

/// What driving a run showed.
struct Drive<'m> {
    run: Run<'m>,
    /// The step each criterion was recorded in, in the order recorded.
    recorded_in: BTreeMap<String, String>,
    /// Steps in the order they were completed.
    completed: Vec<String>,
    /// Whether the run stopped with nothing to do before being complete.
    stuck: bool,
    today: jiff::civil::Date,
}

fn day(text: &str) -> jiff::civil::Date {
    text.parse().expect("a date")
}

/// Starts a run with the witness's values and does what it offers next
/// until it is complete or offers nothing.
fn drive<'m>(model: &'m Playbook, run_values: &[(String, String)]) -> Result<Drive<'m>, String> {
    let values: BTreeMap<&str, &str> = run_values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let today_of = |step: Option<&str>| -> jiff::civil::Date {
        step.and_then(|s| values.get(format!("today@{s}").as_str()))
            .or_else(|| values.get("today"))
            .map(|d| day(d))
            .unwrap_or(jiff::civil::date(2026, 1, 1))
    };
    let mut clock = 0i64;
    let mut now = |step: Option<&str>| {
        clock += 1;
        Now {
            time: jiff::Timestamp::from_second(1_767_225_600 + clock).expect("time"),
            today: today_of(step),
        }
    };
    let inputs: Vec<(String, String)> = model
        .inputs
        .iter()
        .map(|i| {
            let v = values
                .get(i.id.as_str())
                .map(|v| v.to_string())
                .unwrap_or_else(|| any_value(model, &i.ty));
            (i.id.clone(), v)
        })
        .collect();
    let inputs = parse_inputs(model, &inputs).map_err(|e| e.join("; "))?;
    let start = now(None);
    let mut run = Run::start(model, inputs, start, "replay").map_err(|e| e.message)?;
    let mut recorded_in = BTreeMap::new();
    let mut completed = Vec::new();
    let mut stuck = false;
    let mut today = start.today;
    for _ in 0..10_000 {
        today = today_of(run.view(today).current().map(|s| s.step.id.as_str()));
        let view = run.view(today);
        if view.complete {
            break;
        }
        let Some(next) = view.next.first().cloned() else {
            stuck = true;
            break;
        };
        let at = now(Some(next.step()));
        let done = match &next {
            Next::Answer { decision, .. } => {
                let ty = &model
                    .decisions
                    .iter()
                    .find(|d| d.id == playbook::run::engine::base(decision))
                    .expect("a decision of the model")
                    .ty;
                let value = values
                    .get(decision.as_str())
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| any_value(model, ty));
                run.answer(decision, &value, at, "replay").map(|_| ())
            }
            Next::Done { item, .. } => run
                .done(std::slice::from_ref(item), None, at, "replay")
                .map(|_| ()),
            Next::Record { criterion, step } => {
                recorded_in
                    .entry(criterion.clone())
                    .or_insert_with(|| step.clone());
                run.record(criterion, "noted", at, "replay").map(|_| ())
            }
            Next::Complete { step } => {
                completed.push(step.clone());
                run.complete(step, at, "replay").map(|_| ())
            }
        };
        done.map_err(|e| format!("{}: {}", next.command(), e.message))?;
    }
    Ok(Drive {
        run,
        recorded_in,
        completed,
        stuck,
        today,
    })
}

/// The names in backticks of a message, in order.
fn quoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// Reads expressions with the run's inputs and definitions.
struct Values<'a> {
    model: &'a Playbook,
    inputs: BTreeMap<String, Value>,
    decisions: BTreeMap<String, Value>,
}

impl eval::Env for Values<'_> {
    fn input(&self, id: &str) -> Option<Value> {
        self.inputs.get(id).cloned()
    }
    fn let_value(&self, id: &str) -> Result<Value, EvalError> {
        let l = self
            .model
            .lets
            .iter()
            .find(|l| l.id == id)
            .ok_or_else(|| EvalError::Unknown(id.to_string()))?;
        eval::eval(&l.value, self)
    }
    fn decision(&self, id: &str) -> Option<Value> {
        self.decisions.get(id).cloned()
    }
    fn loop_var(&self, _: &str) -> Option<Value> {
        None
    }
    fn recorded(&self, _: &str) -> Option<bool> {
        None
    }
    fn today(&self) -> Option<jiff::civil::Date> {
        Some(jiff::civil::date(2026, 1, 1))
    }
}

/// The conditions of the `match` a diagnostic points at.
fn match_conditions<'m>(model: &'m Playbook, d: &Diagnostic) -> Vec<&'m Expr> {
    // A gap points at the `match`, an overlap at one of its conditions.
    let at = |span, conditions: &[&Expr]| {
        span == d.primary.span || conditions.iter().any(|c| c.span == d.primary.span)
    };
    let mut found: Vec<&'m Expr> = Vec::new();
    let mut in_expr = |e: &'m Expr| {
        if let ExprKind::Match {
            subject: None,
            arms,
        } = &e.kind
        {
            let conditions: Vec<&'m Expr> = arms
                .iter()
                .flat_map(|a| a.patterns.iter().flatten())
                .collect();
            if at(e.span, &conditions) {
                found.extend(conditions);
            }
        }
    };
    for l in &model.lets {
        playbook::ir::walk_expr(&l.value, &mut in_expr);
    }
    for s in &model.steps {
        playbook::ir::walk_items(&s.items, &mut |item| {
            if let Item::Match {
                subject: None,
                arms,
                span,
            } = item
            {
                let conditions: Vec<&'m Expr> = arms
                    .iter()
                    .flat_map(|a| a.patterns.iter().flatten())
                    .collect();
                if at(*span, &conditions) {
                    found.extend(conditions);
                }
            }
        });
    }
    found
}

fn replay(path: &Path, d: &Diagnostic) -> Result<(), String> {
    let model = model_of(path);
    let witness = d.path.as_ref().expect("a witness");
    let run = &witness.run;
    match d.code {
        Code::NonExhaustiveBranch | Code::OverlappingBranch => {
            let given: Vec<(String, String)> = model
                .inputs
                .iter()
                .map(|i| {
                    let v = run
                        .iter()
                        .find(|(k, _)| *k == i.id)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_else(|| any_value(&model, &i.ty));
                    (i.id.clone(), v)
                })
                .collect();
            let env = Values {
                model: &model,
                inputs: parse_inputs(&model, &given).map_err(|e| e.join("; "))?,
                decisions: BTreeMap::new(),
            };
            let conditions = match_conditions(&model, d);
            if conditions.is_empty() {
                return Err("no conditions found at the diagnostic's span".to_string());
            }
            let holding = conditions
                .iter()
                .filter(|c| matches!(eval::eval(c, &env), Ok(Value::Bool(true))))
                .count();
            let ok = match d.code {
                Code::NonExhaustiveBranch => holding == 0,
                _ => holding >= 2,
            };
            if !ok {
                return Err(format!("{holding} conditions hold with {given:?}"));
            }
            Ok(())
        }
        _ => {
            let drive = drive(&model, run)?;
            let view = drive.run.view(drive.today);
            // The witness's steps run, in order: done, or where the run is.
            let ran: Vec<&str> = view
                .steps
                .iter()
                .filter(|s| s.status != StepStatus::Skipped)
                .map(|s| s.step.id.as_str())
                .collect();
            let mut rest = ran.iter();
            for (step, _) in &witness.steps {
                if !rest.any(|s| s == step) {
                    return Err(format!(
                        "step `{step}` of the witness does not run in that order: {ran:?}"
                    ));
                }
            }
            let names = quoted(&d.message);
            match d.code {
                Code::MandatoryTaskNotOnEveryPath => {
                    let task: u32 = d
                        .message
                        .split_whitespace()
                        .nth(2)
                        .and_then(|n| n.parse().ok())
                        .ok_or("no task number in the message")?;
                    if !view.tasks.contains(&(task, false)) {
                        return Err(format!("task {task} is not left open: {:?}", view.tasks));
                    }
                    if !drive.stuck && !view.complete {
                        return Err("the run did not end".to_string());
                    }
                }
                Code::GateUnsatisfied => {
                    let (criterion, step) = (names[0], names[1]);
                    let reached = view
                        .step(step)
                        .is_some_and(|s| s.status != StepStatus::Skipped);
                    if !reached {
                        return Err(format!("step `{step}` is not reached"));
                    }
                    if let Some(by) = drive.recorded_in.get(criterion)
                        && by != step
                    {
                        return Err(format!(
                            "`{criterion}` was recorded by `{by}` before `{step}`"
                        ));
                    }
                }
                Code::OrderingViolation => {
                    // The item (or its step) is reached while what it
                    // waits for never happens: no item of that id is done,
                    // no evidence of that criterion recorded.
                    let items: Vec<_> = view.steps.iter().flat_map(|s| &s.items).collect();
                    let happened = |before: &str| {
                        items.iter().any(|i| i.id == before && i.finished())
                            || drive.recorded_in.contains_key(before)
                    };
                    if d.message.contains(" waits for ") {
                        // `item X waits for Y, which does not happen`.
                        let (item, before) = (names[0], names[1]);
                        if !items.iter().any(|i| i.id == item) {
                            return Err(format!("item `{item}` is not reached"));
                        }
                        if happened(before) {
                            return Err(format!("`{before}` happens"));
                        }
                    } else {
                        // `item X of step S requires C to be recorded first`.
                        let (step, criterion) = (names[1], names[2]);
                        let reached = view
                            .step(step)
                            .is_some_and(|s| s.status != StepStatus::Skipped);
                        if !reached {
                            return Err(format!("step `{step}` is not reached"));
                        }
                        if happened(criterion) {
                            return Err(format!("`{criterion}` is recorded"));
                        }
                    }
                }
                Code::DecisionNotAsked => {
                    // The run stops before the step that reads the
                    // decision can finish.
                    if !drive.stuck {
                        return Err(format!(
                            "the run does not stop: it completed {:?}",
                            drive.completed
                        ));
                    }
                    let step = names
                        .iter()
                        .find(|n| model.step(n).is_some())
                        .ok_or("no step named in the message")?;
                    if view
                        .step(step)
                        .is_some_and(|s| s.status == StepStatus::Done)
                    {
                        return Err(format!("step `{step}` finished"));
                    }
                }
                other => return Err(format!("no replay for `{}`", other.name())),
            }
            Ok(())
        }
    }
}

#[test]
fn every_witness_of_the_invalid_fixtures_replays_through_the_run_engine() {
    let mut replayed = BTreeMap::<&'static str, usize>::new();
    let mut failures = Vec::new();
    for path in invalid_fixtures() {
        let compiled =
            playbook::compile(&path, &playbook::fs::FsLoader::default()).expect("read fixture");
        // Path errors beside misspelt roles come from the model without
        // those roles, which no run can start from: fix the names first.
        if compiled
            .diagnostics
            .iter()
            .any(|d| d.code == Code::UndefinedReference)
        {
            continue;
        }
        for d in compiled.diagnostics.iter().filter(|d| d.path.is_some()) {
            *replayed.entry(d.code.name()).or_default() += 1;
            if let Err(why) = replay(&path, d) {
                failures.push(format!("{}: {}: {why}", path.display(), d.message));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every rule that gives witnesses was replayed.
    for code in [
        "non-exhaustive-branch",
        "overlapping-branch",
        "mandatory-task-not-on-every-path",
        "gate-unsatisfied",
        "ordering-violation",
        "decision-not-asked",
    ] {
        assert!(
            replayed.contains_key(code),
            "no witness of {code}: {replayed:?}"
        );
    }
}
