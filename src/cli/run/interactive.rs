//! `playbook run FILE --state PATH` on a terminal: a walk through the run.
//!
//! It shows the progress and the current step's checklist, offers what can
//! be done next as numbered choices, and asks for the answer, the evidence
//! or a note. Every change is written at once, through the same path as the
//! subcommands, so the walk can be left at any point (Ctrl-C, Ctrl-D, `q`)
//! and resumed by running the same command again.

use super::{Common, EXIT_LOCKED, EXIT_REFUSED, Failure, actor, change, now};
use crate::run::engine::{Next, StepStatus};
use crate::run::session::{self, Command, Opened};
use crate::run::{text, value};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

pub fn run(
    file: &Path,
    state: &Path,
    inputs: &[String],
    locale: Option<&str>,
    common: &Common,
) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(Failure {
            code: crate::cli::EXIT_USAGE,
            text: "error: the interactive walk needs a terminal\n\
                   help: without one, use the subcommands: `playbook run start`, `status`, `done`, \
                   `answer`, `record`, `complete` (see `playbook run --help`)\n"
                .to_string(),
        });
    }
    let actor = actor(common);
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut ask = |prompt: &str| -> Option<String> {
        print!("{prompt}");
        let _ = std::io::stdout().flush();
        match lines.next() {
            Some(Ok(line)) => Some(line),
            _ => None,
        }
    };
    if !state.exists() {
        let model = session::compile(file)?;
        println!("A new run of `{}`: give its inputs.", model.id);
        let mut given: Vec<(String, String)> = Vec::new();
        for g in inputs {
            if let Some((n, v)) = g.split_once('=') {
                given.push((n.to_string(), v.to_string()));
            }
        }
        for input in &model.inputs {
            if given.iter().any(|(n, _)| n == &input.id) {
                continue;
            }
            loop {
                let label = input
                    .label
                    .as_ref()
                    .map(|l| l.get(locale.unwrap_or(&model.source_locale), &model.source_locale))
                    .unwrap_or(&input.id);
                let Some(answer) = ask(&format!(
                    "{label} ({}, {}): ",
                    input.id,
                    value::describe_type(&model, &input.ty)
                )) else {
                    println!("\nleft without starting the run");
                    return Ok(());
                };
                match value::parse(&model, &input.ty, &answer) {
                    Ok(_) => {
                        given.push((input.id.clone(), answer));
                        break;
                    }
                    Err(e) => println!("  {e}"),
                }
            }
        }
        let values = session::parse_inputs(&model, &given)?;
        session::start(&model, file, state, values, None, now(common)?, &actor)?;
        println!("Run started in `{}`.", state.display());
    }
    loop {
        let now = now(common)?;
        let opened = Opened::read(state, Some(file))?;
        let run = opened.run()?;
        let locale = locale.unwrap_or(&opened.model.source_locale).to_string();
        let words = &crate::labels::get(&locale).run;
        let view = run.view(now.today);
        println!();
        println!(
            "== {}: {}/{} done{}",
            crate::escape::terminal(&opened.file.name),
            view.done,
            view.total,
            if view.complete { ", complete" } else { "" }
        );
        if view.complete {
            println!("The run is complete. `playbook run report` writes its audit document.");
            return Ok(());
        }
        if let Some(step) = view.current() {
            println!(
                "Step {} [{}]: {}",
                step.step.id,
                crate::run::report::step_status(words, step.status),
                crate::escape::terminal(&text::render(&run, &step.step.title, &locale, &[]))
            );
            for b in &step.blockers {
                let waits =
                    crate::labels::fill(words.waits, &[&crate::run::report::blocker(words, b)]);
                println!("  {}", crate::escape::terminal(&waits));
            }
            if step.status != StepStatus::Blocked
                || step
                    .blockers
                    .iter()
                    .all(|b| matches!(b, crate::run::engine::Blocker::Evidence(_)))
            {
                for i in &step.items {
                    let mark = super::status::mark(i, words);
                    let t = i
                        .text
                        .map(|t| text::render(&run, t, &locale, &i.bindings))
                        .unwrap_or_default();
                    println!(
                        "{}{} {}",
                        "  ".repeat(i.depth + 1),
                        crate::escape::terminal(&mark),
                        crate::escape::terminal(&t)
                    );
                }
            }
        }
        println!("What next?");
        for (n, next) in view.next.iter().enumerate() {
            let what = match next {
                Next::Record { criterion, .. } => {
                    let t = run
                        .model
                        .criterion(criterion)
                        .map(|c| text::render(&run, &c.text, &locale, &[]))
                        .unwrap_or_default();
                    format!("record evidence `{criterion}`: {t}")
                }
                Next::Done { item, step } => {
                    let found = view.step(step).and_then(|s| s.item(item));
                    let t = found
                        .and_then(|i| i.text.map(|t| text::render(&run, t, &locale, &i.bindings)))
                        .unwrap_or_default();
                    let optional = if found.is_some_and(|i| !i.required()) {
                        " (optional)"
                    } else {
                        ""
                    };
                    format!("done `{item}`{optional}: {t}")
                }
                Next::Answer { decision, step } => {
                    let t = view
                        .step(step)
                        .and_then(|s| s.items.iter().find(|i| &i.key == decision))
                        .and_then(|i| i.text.map(|t| text::render(&run, t, &locale, &i.bindings)))
                        .unwrap_or_default();
                    format!("answer `{decision}`: {t}")
                }
                Next::Complete { step } => format!("complete step `{step}`"),
            };
            println!("  {}) {}", n + 1, crate::escape::terminal(&what));
        }
        println!(
            "  u) undo the latest change   s N) skip optional item N   q) quit (the run is saved)"
        );
        let Some(choice) = ask("> ") else {
            println!("\nleft; run the same command to resume");
            return Ok(());
        };
        let choice = choice.trim();
        if choice == "q" {
            println!("left; run the same command to resume");
            return Ok(());
        }
        let numbered = |text: &str| {
            text.trim()
                .parse::<usize>()
                .ok()
                .and_then(|n| view.next.get(n.wrapping_sub(1)))
        };
        let next = if choice == "u" {
            Choice::Undo
        } else if let Some(n) = choice.strip_prefix('s') {
            match numbered(n) {
                Some(Next::Done { item, step })
                    if view
                        .step(step)
                        .and_then(|s| s.item(item))
                        .is_some_and(|i| !i.required()) =>
                {
                    Choice::Skip(item.clone())
                }
                _ => {
                    println!(
                        "only an optional item can be skipped: `s` and its number, such as `s 2`"
                    );
                    continue;
                }
            }
        } else {
            match numbered(choice) {
                Some(n) => Choice::Next(n.clone()),
                None => {
                    println!("choose a number from the list, `u`, `s N` or `q`");
                    continue;
                }
            }
        };
        drop(view);
        drop(run);
        let result = match next {
            Choice::Undo => change(state, Some(file), &Command::Undo, now, &actor),
            Choice::Skip(item) => {
                let Some(reason) = ask("why is it skipped? ") else {
                    return Ok(());
                };
                change(
                    state,
                    Some(file),
                    &Command::Skip { item, reason },
                    now,
                    &actor,
                )
            }
            Choice::Next(Next::Done { item, .. }) => {
                let Some(note) = ask("note (optional, Enter for none): ") else {
                    return Ok(());
                };
                let note = Some(note).filter(|n| !n.trim().is_empty());
                let items = vec![item];
                change(
                    state,
                    Some(file),
                    &Command::Done { items, note },
                    now,
                    &actor,
                )
            }
            Choice::Next(Next::Answer { decision, .. }) => {
                let ty = opened
                    .model
                    .decisions
                    .iter()
                    .find(|d| d.id == crate::run::engine::base(&decision))
                    .map(|d| value::describe_type(&opened.model, &d.ty))
                    .unwrap_or_default();
                let Some(answer) = ask(&format!("answer ({ty}): ")) else {
                    return Ok(());
                };
                let value = answer;
                change(
                    state,
                    Some(file),
                    &Command::Answer { decision, value },
                    now,
                    &actor,
                )
            }
            Choice::Next(Next::Record { criterion, .. }) => {
                let Some(evidence) = ask("evidence (which note, what was written): ") else {
                    return Ok(());
                };
                let record = Command::Record {
                    criterion,
                    evidence,
                };
                change(state, Some(file), &record, now, &actor)
            }
            Choice::Next(Next::Complete { step }) => {
                change(state, Some(file), &Command::Complete { step }, now, &actor)
            }
        };
        if let Err(f) = result {
            // The run refused or the lock is held: say so and offer again.
            print!("{}", f.text);
            if f.code != EXIT_REFUSED && f.code != EXIT_LOCKED {
                return Err(f);
            }
        }
    }
}

/// What the person at the prompt chose.
enum Choice {
    Undo,
    Skip(String),
    Next(Next),
}
