//! `playbook run`: start, follow and audit runs of a playbook.
//!
//! Each command that changes a run goes through `crate::run::session`,
//! which takes the state file's lock, reads and checks the file, compiles
//! the playbook it names (refusing when the playbook changed since the run
//! started), applies one change through the run core, and replaces the
//! file atomically. This module turns the arguments into session calls and
//! renders what they return: `args.rs` (the clap definition, the time and
//! the actor), `status.rs` (`run status`, for people and as JSON),
//! `list.rs` (`run list`), `interactive.rs` (the walk on a terminal).
//!
//! Exit codes: 0 done, 1 the run refuses the command (what is missing is
//! listed), 2 usage or I/O error (also a playbook with errors, an existing
//! file for `start`), 3 another writer holds the lock, 4 the state file is
//! invalid, 5 the playbook changed since the run started.

mod args;
mod interactive;
mod list;
mod status;

pub use args::{Args, Common, Format, ListFormat, ReportFormat, RunCommand, actor, now};
pub use list::describe;
use status::{status_human, status_json};

use super::EXIT_USAGE;
use crate::run::engine::{Now, RunError};
use crate::run::session::{self, Command, Opened, PlaybookError};
use crate::run_store::StoreError;
use crate::source::{SourceFile, Sources};
use std::io::Write;
use std::path::Path;

/// Exit code: the run refuses the command.
pub const EXIT_REFUSED: i32 = 1;
/// Exit code: another writer holds the state file's lock.
pub const EXIT_LOCKED: i32 = 3;
/// Exit code: the state file is invalid.
pub const EXIT_INVALID_STATE: i32 = 4;
/// Exit code: the playbook changed since the run started.
pub const EXIT_CHANGED: i32 = 5;

/// A command's failure: what to print and the exit code.
pub struct Failure {
    pub code: i32,
    pub text: String,
}

impl Failure {
    fn usage(text: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_USAGE,
            text: format!("error: {}\n", text.into()),
        }
    }

    fn refused(e: &RunError) -> Failure {
        let mut text = format!("error: {}\n", e.message);
        for m in &e.missing {
            text.push_str(&format!("  - {m}\n"));
        }
        if let Some(h) = &e.help {
            text.push_str(&format!("help: {h}\n"));
        }
        Failure {
            code: EXIT_REFUSED,
            text,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::Locked { .. } => Failure {
                code: EXIT_LOCKED,
                text: format!(
                    "error: {e}\nhelp: pass `--wait` to wait for the other writer instead\n"
                ),
            },
            _ => Failure {
                code: EXIT_USAGE,
                text: format!("error: {e}\n"),
            },
        }
    }
}

/// A session's error, rendered for the terminal with its exit code.
impl From<session::Error> for Failure {
    fn from(e: session::Error) -> Failure {
        match e {
            session::Error::Refused(e) => Failure::refused(&e),
            session::Error::Inputs(errors) => Failure {
                code: EXIT_REFUSED,
                text: errors.iter().map(|e| format!("error: {e}\n")).collect(),
            },
            session::Error::Store(e) => e.into(),
            session::Error::Invalid { path, text, fault } => {
                let mut sources = Sources::new();
                let id = sources.add(SourceFile::new(path.display().to_string(), text));
                let rendered = fault.diagnostic(id).render(
                    &sources,
                    super::use_color(super::ColorChoice::Auto),
                    super::width(),
                );
                Failure {
                    code: EXIT_INVALID_STATE,
                    text: rendered,
                }
            }
            session::Error::Changed {
                state,
                source,
                was,
                now,
            } => Failure {
                code: EXIT_CHANGED,
                text: format!(
                    "error: the playbook `{}` changed since this run started (its compiled model was {}, it is now {})\n\
                     help: see what the change means for the run with `playbook run migrate --state {} {}`, \
                     then apply it with `--apply`\n",
                    source.display(),
                    session::short(&was),
                    session::short(&now),
                    state.display(),
                    source.display(),
                ),
            },
            session::Error::Playbook(PlaybookError::Open(e)) => {
                let text = match e {
                    crate::project::OpenError::Usage(message) => format!("error: {message}\n"),
                    e => format!(
                        "{}\n",
                        e.render(super::use_color(super::ColorChoice::Auto), super::width())
                    ),
                };
                Failure {
                    code: EXIT_USAGE,
                    text,
                }
            }
            session::Error::Playbook(PlaybookError::Catalogue(path)) => Failure::usage(format!(
                "`{}` is a catalogue, not a playbook: it has nothing to run",
                path.display()
            )),
            session::Error::Playbook(PlaybookError::Errors { path, compilation }) => {
                let color = super::use_color(super::ColorChoice::Auto);
                let mut text = String::new();
                for d in compilation.diagnostics.iter().filter(|d| d.is_error()) {
                    text.push_str(&d.render(&compilation.sources, color, super::width()));
                    text.push('\n');
                }
                text.push_str(&format!(
                    "error: `{}` has errors; fix them before running it\n",
                    path.display()
                ));
                Failure {
                    code: EXIT_USAGE,
                    text,
                }
            }
            session::Error::Usage(text) => Failure::usage(text),
        }
    }
}

pub fn run(args: &Args) -> i32 {
    let result = match &args.command {
        Some(command) => dispatch(command, &args.common, args.wait),
        None => match (&args.file, &args.state) {
            (Some(file), Some(state)) => interactive::run(
                file,
                state,
                &args.inputs,
                args.common.locale.as_deref(),
                &args.common,
            ),
            _ => Err(Failure::usage(
                "name a subcommand (`playbook run start|status|done|...`), or walk through a run \
                 interactively with `playbook run FILE --state PATH`",
            )),
        },
    };
    match result {
        Ok(()) => super::EXIT_OK,
        Err(f) => {
            eprint!("{}", f.text);
            f.code
        }
    }
}

fn dispatch(command: &RunCommand, common: &Common, wait: bool) -> Result<(), Failure> {
    let now = now(common)?;
    let actor = actor(common);
    let playbook = common.playbook.as_deref();
    let locale = common.locale.as_deref();
    let change = |state: &Path, command: Command| {
        change_in(state, playbook, &command, now, &actor, locale, wait)
    };
    match command {
        RunCommand::Start {
            file,
            state,
            inputs,
            name,
            owner,
        } => start(
            file,
            state,
            inputs,
            name.as_deref(),
            owner.as_deref().unwrap_or(&actor),
            locale,
            now,
            &actor,
        ),
        RunCommand::Status { state, format } => {
            let opened = Opened::read_pinned(state, playbook)?;
            note_pinned(&opened);
            let mut run = opened.run()?;
            let locale = &session::locale_of(&opened.file, &opened.model, locale);
            run.speak(locale);
            let view = run.view(now.today);
            let mut out = super::out::stdout();
            let text = match format {
                Format::Human => {
                    crate::escape::terminal(&status_human(&opened.file, state, &run, &view, locale))
                        .into_owned()
                }
                Format::Json => {
                    let mut json = status_json(&opened.file, &run, &view, locale, now.today);
                    json.pinned = opened.pinned.as_ref().map(|p| p.describe());
                    let mut s = serde_json::to_string_pretty(&json).unwrap_or_default();
                    s.push('\n');
                    s
                }
            };
            let _ = out.write_all(text.as_bytes());
            Ok(())
        }
        RunCommand::Done { state, items, note } => change(
            state,
            Command::Done {
                items: items.clone(),
                note: note.clone(),
            },
        ),
        RunCommand::Answer {
            state,
            decision,
            value,
        } => change(
            state,
            Command::Answer {
                decision: decision.clone(),
                value: value.clone(),
            },
        ),
        RunCommand::Record {
            state,
            criterion,
            evidence,
        } => change(
            state,
            Command::Record {
                criterion: criterion.clone(),
                evidence: evidence.clone(),
            },
        ),
        RunCommand::Complete { state, step } => {
            change(state, Command::Complete { step: step.clone() })
        }
        RunCommand::Skip {
            state,
            item,
            reason,
        } => change(
            state,
            Command::Skip {
                item: item.clone(),
                reason: reason.clone(),
            },
        ),
        RunCommand::Undo { state } => change(state, Command::Undo),
        RunCommand::Report { state, to } => {
            let opened = Opened::read_pinned(state, playbook)?;
            note_pinned(&opened);
            let mut run = opened.run()?;
            let locale = &session::locale_of(&opened.file, &opened.model, locale);
            run.speak(locale);
            let view = run.view(now.today);
            let report = crate::run::report::Report::new(&run, &view, &opened.file.name, locale)
                .version(&opened.file.fingerprint, opened.pinned.is_some(), locale)
                .owner(opened.file.owner.as_deref(), locale);
            let text = match to {
                ReportFormat::Markdown => report.markdown(),
                ReportFormat::Html => report.html(),
            };
            let _ = super::out::stdout().write_all(text.as_bytes());
            Ok(())
        }
        RunCommand::List {
            paths,
            format,
            owner,
            overdue,
            step,
            problems,
        } => {
            let filters = list::Filters {
                owner: owner.clone(),
                // In `run list`, `--playbook` picks the runs of a playbook.
                playbook: playbook.map(Path::to_path_buf),
                overdue: *overdue,
                step: step.clone(),
                problems: *problems,
            };
            list::list(paths, *format, &filters, now)
        }
        RunCommand::Migrate {
            state,
            file,
            apply,
            inputs,
        } => migrate(state, file, *apply, inputs, now, &actor),
    }
}

/// Says on standard error when a run is shown against its pinned model.
fn note_pinned(opened: &Opened) {
    if opened.cut_short {
        eprintln!(
            "note: the last line of the log is unfinished (a change cut short, or one being \
             written now): the run is shown without it, and its next change removes it"
        );
    }
    if let Some(pinned) = &opened.pinned {
        let line = format!("note: {}\n", pinned.describe());
        eprint!("{}", crate::escape::terminal(&line));
    }
}

#[allow(clippy::too_many_arguments)]
fn start(
    file: &Path,
    state: &Path,
    inputs: &[String],
    name: Option<&str>,
    owner: &str,
    locale: Option<&str>,
    now: Now,
    actor: &str,
) -> Result<(), Failure> {
    if state.exists() {
        return Err(StoreError::Exists(state.to_path_buf()).into());
    }
    let model = session::compile(file)?;
    let given = session::split_inputs(inputs)?;
    let values = session::parse_inputs(&model, &given)?;
    session::start_owned(&model, file, state, values, name, owner, locale, now, actor)?;
    let r = crate::labels::refuse::get(locale.unwrap_or(&model.source_locale));
    let line = crate::labels::fill(
        r.start_line,
        &[
            &model.id,
            &state.display().to_string(),
            &format!("playbook run status --state {}", state.display()),
        ],
    );
    super::out::outln!("{}", crate::escape::terminal(&line));
    Ok(())
}

/// Applies one change through the session, and says what it did, in
/// `locale` (default: the run's language). With `wait`, a run another
/// writer holds is waited for, as cargo waits for its locks.
fn change_in(
    state: &Path,
    playbook: Option<&Path>,
    command: &Command,
    now: Now,
    actor: &str,
    locale: Option<&str>,
    wait: bool,
) -> Result<(), Failure> {
    let changed = if wait {
        let mut waiting = |locked: &crate::run_store::StoreError| {
            if let crate::run_store::StoreError::Locked { holder, .. } = locked {
                eprintln!(
                    "{:>12} waiting for file lock on run `{}`, held by {holder}",
                    "Blocking",
                    crate::escape::terminal(&state.display().to_string())
                );
            }
        };
        session::change_waiting(state, playbook, command, now, actor, locale, &mut waiting)?
    } else {
        session::change_in(state, playbook, command, now, actor, locale)?
    };
    let event = &changed.event;
    let r = crate::labels::refuse::get(&changed.locale);
    let line = crate::labels::fill(
        r.changed_line,
        &[
            &changed.description,
            &event.seq.to_string(),
            &event.actor,
            &format!("{:.0}", event.time),
        ],
    );
    super::out::outln!("{}", crate::escape::terminal(&line));
    if changed.complete {
        super::out::outln!("{}", r.run_complete);
    }
    Ok(())
}

fn migrate(
    state: &Path,
    file: &Path,
    apply: bool,
    inputs: &[String],
    now: Now,
    actor: &str,
) -> Result<(), Failure> {
    let migration = session::migration(state, file, apply, inputs, now, actor)?;
    let plan = &migration.plan;
    super::out::out!("{}", crate::escape::terminal(&plan.describe()));
    if !apply {
        if plan.is_empty() {
            super::out::outln!("nothing to migrate");
        } else {
            super::out::outln!(
                "this is a plan: nothing was changed; run again with `--apply` to migrate the run"
            );
        }
        return Ok(());
    }
    if !plan.blocking.is_empty() {
        return Err(Failure {
            code: EXIT_REFUSED,
            text: "error: the migration cannot be applied until the problems above are solved\n"
                .to_string(),
        });
    }
    if plan.is_empty() {
        super::out::outln!("nothing to migrate");
        return Ok(());
    }
    migration.apply(now, actor)?;
    super::out::outln!("migrated: the run now follows `{}`", file.display());
    Ok(())
}
