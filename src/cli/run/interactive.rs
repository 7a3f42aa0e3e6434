//! `playbook run FILE --state PATH` on a terminal: a walk through the run.
//!
//! The prompts are `inquire`'s: a new run's inputs are asked per type (a
//! list for an enum, a multiple choice for a set, yes or no for a bool,
//! typed text checked in place for the rest). Then a menu offers what can
//! be done next, each action named by its item, gate or question, never by
//! a number, and the checklist, undo, complete and quit. After a change the
//! walk says in one line what was recorded and the progress; the checklist
//! is shown when the step changes or on request. Undo and complete ask for
//! a confirmation. Every change is written at once, through the same
//! session as the subcommands, so the walk can be left at any point
//! (Ctrl-C, Esc, Ctrl-D, or Quit) and resumed by running the same command.

use super::status::tasks_needed;
use super::{Common, EXIT_LOCKED, EXIT_REFUSED, Failure, actor, now};
use crate::ir::{Playbook, Type};
use crate::labels::fill;
use crate::labels::refuse::{self, Refusals};
use crate::run::engine::{Blocker, ItemKind, Next, StepStatus, View};
use crate::run::session::{self, Command, Opened};
use crate::run::{text, value};
use inquire::error::InquireError;
use inquire::validator::Validation;
use inquire::{Confirm, MultiSelect, Select, Text};
use std::fmt;
use std::io::IsTerminal;
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
    let paint = Paint::new();
    inquire::set_global_render_config(if paint.on {
        inquire::ui::RenderConfig::default_colored()
    } else {
        inquire::ui::RenderConfig::empty()
    });
    let actor = actor(common);
    if !state.exists() {
        let model = session::compile(file)?;
        let locale = locale.unwrap_or(&model.source_locale).to_string();
        let w = refuse::get(&locale);
        println!(
            "{}",
            paint.bold(&crate::escape::terminal(&fill(
                w.walk_new_run,
                &[&model.id]
            )))
        );
        let mut given = session::split_inputs(inputs)?;
        for input in &model.inputs {
            if given.iter().any(|(n, _)| n == &input.id) {
                continue;
            }
            let label = input
                .label
                .as_ref()
                .map(|l| l.get(&locale, &model.source_locale).to_string())
                .unwrap_or_else(|| input.id.clone());
            let message = crate::escape::terminal(&format!("{label} ({})", input.id)).into_owned();
            match ask_value(&model, &input.ty, &message, &locale) {
                Ok(answer) => given.push((input.id.clone(), answer)),
                Err(_) => {
                    println!("{}", w.walk_left_unstarted);
                    return Ok(());
                }
            }
        }
        let values = session::parse_inputs(&model, &given)?;
        // The run speaks the locale it was started in (`--locale`).
        let speaks = Some(locale.as_str()).filter(|l| *l != model.source_locale);
        session::start_owned(
            &model,
            file,
            state,
            values,
            None,
            &actor,
            speaks,
            now(common)?,
            &actor,
        )?;
        println!(
            "{} {}",
            paint.green("✓"),
            crate::escape::terminal(&fill(w.walk_started, &[&state.display().to_string()]))
        );
    }
    // The step whose checklist was shown last: shown again when it changes.
    let mut shown: Option<String> = None;
    loop {
        let now = now(common)?;
        let opened = Opened::read(state, Some(file))?;
        let run = opened.run()?;
        let locale = session::locale_of(&opened.file, &opened.model, locale);
        let w = refuse::get(&locale);
        let view = run.view(now.today);
        if view.complete {
            println!("{}", progress(&opened, &view, &locale, &paint));
            println!("{}", w.walk_complete);
            return Ok(());
        }
        let current = view.current().map(|s| s.step.id.clone());
        if current != shown {
            print!("{}", checklist(&run, &view, &locale, &paint));
            println!("{}", progress(&opened, &view, &locale, &paint));
            shown = current.clone();
        }
        let menu = menu(&run, &view, &locale, current.as_deref());
        // What `complete` would miss, for a step that cannot be completed yet.
        let missing = current
            .as_deref()
            .and_then(|c| view.step(c))
            .map(|s| s.missing(&tasks_needed(&view), &locale))
            .unwrap_or_default();
        drop(view);
        drop(run);
        let chosen = Select::new(w.walk_what_next, menu)
            .with_page_size(12)
            .with_scorer(&|typed, _, label, _| {
                label
                    .to_lowercase()
                    .contains(&typed.to_lowercase())
                    .then_some(0)
            })
            .with_help_message(w.walk_menu_help)
            .prompt();
        let chosen = match chosen {
            Ok(c) => c.action,
            Err(e) => return leave(e, w),
        };
        let command = match chosen {
            Action::Quit => {
                println!("{}", w.walk_left);
                return Ok(());
            }
            Action::Checklist => {
                let run = opened.run()?;
                let view = run.view(now.today);
                print!("{}", checklist(&run, &view, &locale, &paint));
                continue;
            }
            Action::Undo => {
                match confirm(w.walk_undo_q, &locale) {
                    Ok(true) => {}
                    Ok(false) => {
                        println!("{}", w.walk_nothing_undone);
                        continue;
                    }
                    Err(e) => return leave(e, w),
                }
                Command::Undo
            }
            Action::Complete { step, ready } => {
                if !ready {
                    println!(
                        "{} {}",
                        paint.yellow("!"),
                        crate::escape::terminal(&fill(
                            w.walk_not_ready,
                            &[&step, &missing.join(", ")]
                        ))
                    );
                    continue;
                }
                let question =
                    crate::escape::terminal(&fill(w.walk_complete_q, &[&step])).into_owned();
                match confirm(&question, &locale) {
                    Ok(true) => {}
                    Ok(false) => {
                        println!("{}", w.walk_not_completed);
                        continue;
                    }
                    Err(e) => return leave(e, w),
                }
                Command::Complete { step }
            }
            Action::Skip { item } => {
                let reason = Text::new(w.walk_why_skip)
                    .with_validator(required(w))
                    .prompt();
                match reason {
                    Ok(reason) => Command::Skip { item, reason },
                    Err(e) => match back(e, w) {
                        Some(left) => return left,
                        None => continue,
                    },
                }
            }
            Action::Next(Next::Done { item, .. }) => {
                let note = Text::new(w.walk_note)
                    .with_help_message(w.walk_note_help)
                    .prompt();
                match note {
                    Ok(note) => Command::Done {
                        items: vec![item],
                        note: Some(note).filter(|n| !n.trim().is_empty()),
                    },
                    Err(e) => match back(e, w) {
                        Some(left) => return left,
                        None => continue,
                    },
                }
            }
            Action::Next(Next::Record { criterion, .. }) => {
                let evidence = Text::new(w.walk_evidence)
                    .with_help_message(w.walk_evidence_help)
                    .with_validator(required(w))
                    .prompt();
                match evidence {
                    Ok(evidence) => Command::Record {
                        criterion,
                        evidence,
                    },
                    Err(e) => match back(e, w) {
                        Some(left) => return left,
                        None => continue,
                    },
                }
            }
            Action::Next(Next::Answer { decision, .. }) => {
                let model = &opened.model;
                let Some(d) = model
                    .decisions
                    .iter()
                    .find(|d| d.id == crate::run::engine::base(&decision))
                else {
                    continue;
                };
                let run = opened.run()?;
                let question = text::render(&run, &d.question, &locale, &[]);
                let question = crate::escape::terminal(&question).into_owned();
                match ask_value(model, &d.ty, &question, &locale) {
                    Ok(value) => Command::Answer { decision, value },
                    Err(e) => match back(e, w) {
                        Some(left) => return left,
                        None => continue,
                    },
                }
            }
            Action::Next(Next::Complete { .. }) => continue,
        };
        match session::change_in(state, Some(file), &command, now, &actor, Some(&locale)) {
            Ok(changed) => {
                println!(
                    "{} {}",
                    paint.green("✓"),
                    crate::escape::terminal(&changed.description)
                );
                let opened = Opened::read(state, Some(file))?;
                let run = opened.run()?;
                let view = run.view(now.today);
                if view.current().map(|s| s.step.id.clone()) == shown || view.complete {
                    println!("{}", progress(&opened, &view, &locale, &paint));
                }
            }
            Err(e) => {
                // The run refused or the lock is held: say so and offer again.
                let f = Failure::from(e);
                if f.code != EXIT_REFUSED && f.code != EXIT_LOCKED {
                    return Err(f);
                }
                print!("{}", paint.red(&f.text));
            }
        }
    }
}

/// What the person at the menu chose.
enum Action {
    Next(Next),
    Skip { item: String },
    Checklist,
    Undo,
    Complete { step: String, ready: bool },
    Quit,
}

/// A line of the menu: its words, and what it does.
struct Entry {
    label: String,
    action: Action,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// The menu: what can be done next, each named by its item, gate or
/// question (the same words whatever else is offered), then the fixed
/// entries.
fn menu(
    run: &crate::run::engine::Run<'_>,
    view: &View<'_>,
    locale: &str,
    current: Option<&str>,
) -> Vec<Entry> {
    let w = refuse::get(locale);
    let mut out = Vec::new();
    let mut completable = Vec::new();
    for next in &view.next {
        match next {
            Next::Record { criterion, .. } => {
                let t = run
                    .model
                    .criterion(criterion)
                    .map(|c| text::render(run, &c.text, locale, &[]))
                    .unwrap_or_default();
                out.push(Entry {
                    label: line(&fill(w.menu_record, &[criterion, &t])),
                    action: Action::Next(next.clone()),
                });
            }
            Next::Done { item, step } => {
                let found = view.step(step).and_then(|s| s.item(item));
                let t = found
                    .and_then(|i| i.text.map(|t| text::render(run, t, locale, &i.bindings)))
                    .unwrap_or_default();
                let optional = found.is_some_and(|i| !i.required());
                let tag = if optional { w.walk_optional } else { "" };
                out.push(Entry {
                    label: line(&fill(w.menu_done, &[item, tag, &t])),
                    action: Action::Next(next.clone()),
                });
                if optional {
                    out.push(Entry {
                        label: line(&fill(w.menu_skip, &[item, tag, &t])),
                        action: Action::Skip { item: item.clone() },
                    });
                }
            }
            Next::Answer { decision, step } => {
                let t = view
                    .step(step)
                    .and_then(|s| s.items.iter().find(|i| &i.key == decision))
                    .and_then(|i| i.text.map(|t| text::render(run, t, locale, &i.bindings)))
                    .unwrap_or_default();
                out.push(Entry {
                    label: line(&fill(w.menu_answer, &[decision, &t])),
                    action: Action::Next(next.clone()),
                });
            }
            Next::Complete { step } => completable.push(step.clone()),
        }
    }
    out.push(Entry {
        label: w.menu_checklist.to_string(),
        action: Action::Checklist,
    });
    out.push(Entry {
        label: w.menu_undo.to_string(),
        action: Action::Undo,
    });
    if let Some(c) = current
        && !completable.iter().any(|s| s == c)
    {
        out.push(Entry {
            label: line(&fill(w.menu_complete_not_yet, &[c])),
            action: Action::Complete {
                step: c.to_string(),
                ready: false,
            },
        });
    }
    for step in completable {
        out.push(Entry {
            label: line(&fill(w.menu_complete, &[&step])),
            action: Action::Complete { step, ready: true },
        });
    }
    out.push(Entry {
        label: w.menu_quit.to_string(),
        action: Action::Quit,
    });
    out
}

/// A menu line: escaped, and cut to fit a line of the terminal.
fn line(text: &str) -> String {
    let text = crate::escape::terminal(text).replace('\n', " ");
    let width = columns().saturating_sub(4).max(30);
    if unicode_width::UnicodeWidthStr::width(text.as_str()) <= width {
        return text;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// The terminal's width in columns (80 when it does not say).
fn columns() -> usize {
    #[cfg(unix)]
    // SAFETY: TIOCGWINSZ writes a `winsize` into the struct we pass.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) == 0 && size.ws_col > 0 {
            return usize::from(size.ws_col);
        }
    }
    80
}

/// The progress line: `c.toml: progress: 3/12`.
fn progress(opened: &Opened, view: &View<'_>, locale: &str, paint: &Paint) -> String {
    let w = &crate::labels::get(locale).run;
    let mut line = crate::labels::fill(
        w.progress_line,
        &[&view.done.to_string(), &view.total.to_string()],
    );
    if view.complete {
        line.push_str(w.complete_suffix);
    }
    paint.dim(&crate::escape::terminal(&format!(
        "{}: {line}",
        opened.file.name
    )))
}

/// The current step's checklist.
fn checklist(
    run: &crate::run::engine::Run<'_>,
    view: &View<'_>,
    locale: &str,
    paint: &Paint,
) -> String {
    let words = &crate::labels::get(locale).run;
    let mut out = String::new();
    let Some(step) = view.current() else {
        return out;
    };
    let title = text::render(run, &step.step.title, locale, &[]);
    out.push('\n');
    out.push_str(&paint.bold(&crate::escape::terminal(&fill(
        refuse::get(locale).walk_step,
        &[
            &step.step.id,
            crate::run::report::step_status(words, step.status),
            &title,
        ],
    ))));
    out.push('\n');
    for b in &step.blockers {
        let waits = crate::labels::fill(words.waits, &[&crate::run::report::blocker(words, b)]);
        out.push_str(&format!(
            "  {}\n",
            paint.yellow(&crate::escape::terminal(&waits))
        ));
    }
    if step.status != StepStatus::Blocked
        || step
            .blockers
            .iter()
            .all(|b| matches!(b, Blocker::Evidence(_)))
    {
        for i in &step.items {
            let mark = super::status::mark(i, words);
            let t = i
                .text
                .map(|t| text::render(run, t, locale, &i.bindings))
                .unwrap_or_default();
            let mark = crate::escape::terminal(&mark).into_owned();
            let mark = if i.finished() {
                paint.green(&mark)
            } else if matches!(i.kind, ItemKind::Tip | ItemKind::Warning) {
                paint.dim(&mark)
            } else {
                mark
            };
            out.push_str(&format!(
                "{}{mark} {}\n",
                "  ".repeat(i.depth + 1),
                crate::escape::terminal(&t)
            ));
        }
    }
    out
}

/// Asks for a value of `ty`, as the text `value::parse` reads: a list for
/// an enum, a multiple choice for a set, yes or no for a bool, and typed
/// text for the rest, checked as it is entered.
fn ask_value(
    model: &Playbook,
    ty: &Type,
    message: &str,
    locale: &str,
) -> Result<String, InquireError> {
    match ty {
        Type::Enum(e) => {
            let options = choices(model, e, locale);
            let chosen = Select::new(message, options)
                .with_page_size(12)
                .with_scorer(&|typed, _, label, _| {
                    label
                        .to_lowercase()
                        .contains(&typed.to_lowercase())
                        .then_some(0)
                })
                .prompt()?;
            Ok(chosen.id)
        }
        Type::Set(e) => {
            let options = choices(model, e, locale);
            let chosen = MultiSelect::new(message, options)
                .with_page_size(12)
                .with_help_message("↑↓ to move, Space to select, Enter to accept")
                .prompt()?;
            Ok(chosen
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
                .join(","))
        }
        Type::Bool => {
            let d = &crate::labels::get(locale).diagram;
            let options = vec![
                Choice {
                    id: "true".to_string(),
                    label: d.yes.to_string(),
                },
                Choice {
                    id: "false".to_string(),
                    label: d.no.to_string(),
                },
            ];
            Ok(Select::new(message, options).prompt()?.id)
        }
        _ => {
            let check = |text: &str| match value::parse(model, ty, text) {
                Ok(_) => Ok(Validation::Valid),
                Err(e) => Ok(Validation::Invalid(
                    crate::escape::terminal(&e).into_owned().into(),
                )),
            };
            let help = value::describe_type(model, ty).replace('`', "");
            Text::new(message)
                .with_help_message(&help)
                .with_validator(check)
                .prompt()
        }
    }
}

/// A value to choose: its id, shown by its label.
struct Choice {
    id: String,
    label: String,
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// The values of an enum (or the services) by their labels in `locale`.
fn choices(model: &Playbook, e: &str, locale: &str) -> Vec<Choice> {
    let source = &model.source_locale;
    value::enum_values(model, e)
        .into_iter()
        .map(|id| {
            let label = model
                .enum_decl(e)
                .and_then(|d| d.values.iter().find(|v| v.id == id))
                .and_then(|v| v.label.as_ref())
                .or_else(|| model.services.iter().find(|s| s.id == id).map(|s| &s.label))
                .map(|l| l.get(locale, source).to_string())
                .filter(|l| !l.is_empty() && l != id);
            Choice {
                id: id.to_string(),
                label: crate::escape::terminal(&match label {
                    Some(l) => format!("{l} ({id})"),
                    None => id.to_string(),
                })
                .into_owned(),
            }
        })
        .collect()
}

/// Asks yes or no, in the run's locale; the default is no.
fn confirm(question: &str, locale: &str) -> Result<bool, InquireError> {
    let d = &crate::labels::get(locale).diagram;
    let (yes, no) = (d.yes, d.no);
    let parser = move |text: &str| {
        let t = text.trim().to_lowercase();
        if t == yes.to_lowercase() || t == "y" || t == "yes" {
            Ok(true)
        } else if t == no.to_lowercase() || t == "n" || t == "no" {
            Ok(false)
        } else {
            Err(())
        }
    };
    let formatter = move |b: bool| if b { yes } else { no }.to_string();
    let w = refuse::get(locale);
    let hint = fill(w.walk_yes_no_hint, &[yes, no]);
    let error = fill(w.walk_answer_yes_no, &[yes, no]);
    Confirm::new(question)
        .with_default(false)
        .with_parser(&parser)
        .with_formatter(&formatter)
        .with_default_value_formatter(&|_| String::new())
        .with_placeholder(no)
        .with_help_message(&hint)
        .with_error_message(&error)
        .prompt()
}

/// A text that must not be empty, said in the words of `w`.
fn required(
    w: &'static Refusals,
) -> impl Fn(&str) -> Result<Validation, inquire::error::CustomUserError> + Clone {
    move |text: &str| {
        Ok(if text.trim().is_empty() {
            Validation::Invalid(w.walk_not_empty.into())
        } else {
            Validation::Valid
        })
    }
}

/// Leaving at the menu: every change is already written.
fn leave(e: InquireError, w: &Refusals) -> Result<(), Failure> {
    match e {
        InquireError::OperationCanceled | InquireError::OperationInterrupted => {
            println!("{}", w.walk_left);
            Ok(())
        }
        e => Err(Failure {
            code: crate::cli::EXIT_USAGE,
            text: format!("error: the terminal failed: {e}\n"),
        }),
    }
}

/// Leaving a question: Esc or Ctrl-D go back to the menu (`None`), Ctrl-C
/// leaves the walk.
fn back(e: InquireError, w: &Refusals) -> Option<Result<(), Failure>> {
    match e {
        InquireError::OperationCanceled => None,
        e => Some(leave(e, w)),
    }
}

/// Colours for the walk's own lines, following the project's policy.
struct Paint {
    on: bool,
}

impl Paint {
    fn new() -> Self {
        let on = crate::cli::color_wanted(
            crate::cli::ColorChoice::Auto,
            |name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
            true,
        );
        Paint { on }
    }

    fn style(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn green(&self, text: &str) -> String {
        self.style("32", text)
    }

    fn yellow(&self, text: &str) -> String {
        self.style("33", text)
    }

    fn red(&self, text: &str) -> String {
        self.style("31", text)
    }

    fn bold(&self, text: &str) -> String {
        self.style("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.style("2", text)
    }
}
