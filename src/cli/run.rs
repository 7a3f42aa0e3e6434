//! `playbook run`: start, follow and audit runs of a playbook.
//!
//! Each command that changes a run takes the state file's lock, reads and
//! checks the file, compiles the playbook it names (refusing when the
//! playbook changed since the run started), applies one change through the
//! run core, and replaces the file atomically (`crate::run_store`).
//!
//! Exit codes: 0 done, 1 the run refuses the command (what is missing is
//! listed), 2 usage or I/O error (also a playbook with errors, an existing
//! file for `start`), 3 another writer holds the lock, 4 the state file is
//! invalid, 5 the playbook changed since the run started.

use super::EXIT_USAGE;
use crate::eval::Value;
use crate::ir::Playbook;
use crate::run::engine::{
    Applicability, Blocker, ItemKind, ItemStatus, Now, Run, RunError, StepStatus, View,
};
use crate::run::state::{StateFile, fingerprint};
use crate::run::{text, value};
use crate::run_store::{self, Lock, StoreError};
use crate::source::{SourceFile, Sources};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit code: the run refuses the command.
pub const EXIT_REFUSED: i32 = 1;
/// Exit code: another writer holds the state file's lock.
pub const EXIT_LOCKED: i32 = 3;
/// Exit code: the state file is invalid.
pub const EXIT_INVALID_STATE: i32 = 4;
/// Exit code: the playbook changed since the run started.
pub const EXIT_CHANGED: i32 = 5;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<RunCommand>,
    /// The playbook to walk through interactively (`playbook run FILE --state PATH`).
    pub file: Option<PathBuf>,
    /// The state file of the interactive run (created when missing).
    #[arg(long)]
    pub state: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
    /// Inputs of a new interactive run, as for `run start`.
    #[arg(long = "input", value_name = "NAME=VALUE")]
    pub inputs: Vec<String>,
    /// Locale of the texts shown.
    #[arg(long)]
    pub locale: Option<String>,
}

/// Options every run command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Who acts (default: the user name).
    #[arg(long, global = true)]
    pub actor: Option<String>,
    /// The time of the command: `2026-11-24T10:00:00Z`, or a date (default:
    /// `PLAYBOOK_NOW`, else the clock).
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,
    /// The playbook to compile instead of the path the state file names
    /// (when it moved); its compiled model must be the run's.
    #[arg(long, global = true, value_name = "FILE")]
    pub playbook: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum RunCommand {
    /// Start a run of a playbook: compile it, check the inputs, create the state file.
    Start {
        file: PathBuf,
        #[arg(long)]
        state: PathBuf,
        /// An input, `NAME=VALUE` (sets as `a,b`).
        #[arg(long = "input", value_name = "NAME=VALUE")]
        inputs: Vec<String>,
        /// The run's name in `run list` (default: the state file's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Show progress, each step's state, what blocks it and what can be done next.
    Status {
        #[arg(long)]
        state: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Locale of the texts shown.
        #[arg(long)]
        locale: Option<String>,
    },
    /// Mark instructions done.
    Done {
        #[arg(long)]
        state: PathBuf,
        #[arg(required = true)]
        items: Vec<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Answer a decision.
    Answer {
        #[arg(long)]
        state: PathBuf,
        decision: String,
        value: String,
    },
    /// Record the evidence of an entry or exit criterion.
    Record {
        #[arg(long)]
        state: PathBuf,
        criterion: String,
        /// What was written, and where.
        #[arg(long)]
        evidence: String,
    },
    /// Finish a step (refused while something it needs is missing).
    Complete {
        #[arg(long)]
        state: PathBuf,
        step: String,
    },
    /// Leave out an optional item.
    Skip {
        #[arg(long)]
        state: PathBuf,
        item: String,
        #[arg(long)]
        reason: String,
    },
    /// Take back the latest change (the log keeps both).
    Undo {
        #[arg(long)]
        state: PathBuf,
    },
    /// The audit document of a run.
    Report {
        #[arg(long)]
        state: PathBuf,
        #[arg(long, value_enum)]
        to: ReportFormat,
        /// Locale of the texts shown.
        #[arg(long)]
        locale: Option<String>,
    },
    /// One line per run in a folder.
    List {
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Show what a changed playbook means for a run; change it with `--apply`.
    Migrate {
        #[arg(long)]
        state: PathBuf,
        file: PathBuf,
        #[arg(long)]
        apply: bool,
        /// Inputs the new playbook adds, `NAME=VALUE`.
        #[arg(long = "input", value_name = "NAME=VALUE")]
        inputs: Vec<String>,
    },
    /// Write many changes in a row (for crash and lock tests).
    #[command(hide = true)]
    Stress {
        #[arg(long)]
        state: PathBuf,
        #[arg(long)]
        writes: u64,
        /// Hold the lock this long before each write.
        #[arg(long, default_value_t = 0)]
        hold_ms: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Html,
}

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
        Failure {
            code: match e {
                StoreError::Locked { .. } => EXIT_LOCKED,
                _ => EXIT_USAGE,
            },
            text: format!("error: {e}\n"),
        }
    }
}

pub fn run(args: &Args) -> i32 {
    let result = match &args.command {
        Some(command) => dispatch(command, &args.common),
        None => match (&args.file, &args.state) {
            (Some(file), Some(state)) => super::run_interactive::run(
                file,
                state,
                &args.inputs,
                args.locale.as_deref(),
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

fn dispatch(command: &RunCommand, common: &Common) -> Result<(), Failure> {
    let now = now(common)?;
    let actor = actor(common);
    match command {
        RunCommand::Start {
            file,
            state,
            inputs,
            name,
        } => start(file, state, inputs, name.as_deref(), now, &actor),
        RunCommand::Status {
            state,
            format,
            locale,
        } => {
            let opened = Opened::read(state, common.playbook.as_deref())?;
            let run = opened.run()?;
            let locale = locale.as_deref().unwrap_or(&opened.model.source_locale);
            let view = run.view(now.today);
            let mut out = super::out::stdout();
            let text = match format {
                Format::Human => {
                    crate::escape::terminal(&status_human(&opened.file, state, &run, &view, locale))
                        .into_owned()
                }
                Format::Json => {
                    let mut s = serde_json::to_string_pretty(&status_json(
                        &opened.file,
                        &run,
                        &view,
                        locale,
                        now.today,
                    ))
                    .unwrap_or_default();
                    s.push('\n');
                    s
                }
            };
            let _ = out.write_all(text.as_bytes());
            Ok(())
        }
        RunCommand::Done { state, items, note } => {
            change(state, common.playbook.as_deref(), now, &actor, |run| {
                run.done(items, note.clone(), now, &actor).map(|_| ())
            })
        }
        RunCommand::Answer {
            state,
            decision,
            value,
        } => change(state, common.playbook.as_deref(), now, &actor, |run| {
            run.answer(decision, value, now, &actor).map(|_| ())
        }),
        RunCommand::Record {
            state,
            criterion,
            evidence,
        } => change(state, common.playbook.as_deref(), now, &actor, |run| {
            run.record(criterion, evidence, now, &actor).map(|_| ())
        }),
        RunCommand::Complete { state, step } => {
            change(state, common.playbook.as_deref(), now, &actor, |run| {
                run.complete(step, now, &actor).map(|_| ())
            })
        }
        RunCommand::Skip {
            state,
            item,
            reason,
        } => change(state, common.playbook.as_deref(), now, &actor, |run| {
            run.skip(item, reason, now, &actor).map(|_| ())
        }),
        RunCommand::Undo { state } => undo(state, common.playbook.as_deref(), now, &actor),
        RunCommand::Report { state, to, locale } => {
            let opened = Opened::read(state, common.playbook.as_deref())?;
            let run = opened.run()?;
            let locale = locale.as_deref().unwrap_or(&opened.model.source_locale);
            let view = run.view(now.today);
            let report = crate::run::report::Report::new(&run, &view, &opened.file.name, locale);
            let text = match to {
                ReportFormat::Markdown => report.markdown(),
                ReportFormat::Html => report.html(),
            };
            let _ = super::out::stdout().write_all(text.as_bytes());
            Ok(())
        }
        RunCommand::List { dir, format } => list(dir, *format, now),
        RunCommand::Migrate {
            state,
            file,
            apply,
            inputs,
        } => migrate(state, file, *apply, inputs, now, &actor),
        RunCommand::Stress {
            state,
            writes,
            hold_ms,
        } => stress(state, common.playbook.as_deref(), *writes, *hold_ms, &actor),
    }
}

/// The time of a command: `--now`/`PLAYBOOK_NOW`, or the clock.
pub fn now(common: &Common) -> Result<Now, Failure> {
    let tz = jiff::tz::TimeZone::system();
    let from_env = std::env::var("PLAYBOOK_NOW").ok();
    let given = common.now.as_deref().or(from_env.as_deref());
    let time = match given.map(str::trim).filter(|s| !s.is_empty()) {
        None => jiff::Timestamp::now(),
        Some(text) => parse_time(text, &tz).ok_or_else(|| {
            Failure::usage(format!(
                "`{text}` is not a time: write `2026-11-24T10:00:00Z`, `2026-11-24T10:00` or `2026-11-24`"
            ))
        })?,
    };
    Ok(Now {
        time,
        today: time.to_zoned_datetime(tz).date(),
    })
}

fn parse_time(text: &str, tz: &jiff::tz::TimeZone) -> Option<jiff::Timestamp> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return tz.to_timestamp(dt).ok();
    }
    let date = text.parse::<jiff::civil::Date>().ok()?;
    tz.to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .ok()
}

/// `--actor`, or the user name.
pub fn actor(common: &Common) -> String {
    common
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .or_else(login_name)
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The name of the user running the process, from the password database.
fn login_name() -> Option<String> {
    #[cfg(unix)]
    // SAFETY: getpwuid_r writes into the buffers we pass, sized as given;
    // the name is read only when it reports success.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 1024];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(
            libc::getuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        );
        if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
            return std::ffi::CStr::from_ptr(pwd.pw_name)
                .to_str()
                .ok()
                .map(str::to_string);
        }
    }
    None
}

/// A state file read and checked, with the model of its playbook.
pub struct Opened {
    pub path: PathBuf,
    pub file: StateFile,
    pub model: Playbook,
}

impl Opened {
    /// Reads `state`, compiles its playbook (or `playbook`), and refuses a
    /// changed playbook.
    pub fn read(state: &Path, playbook: Option<&Path>) -> Result<Opened, Failure> {
        Opened::read_with(state, playbook, Log::Whole)
    }

    /// [`Opened::read`], reading the log or trusting the sealed snapshot.
    fn read_with(state: &Path, playbook: Option<&Path>, log: Log) -> Result<Opened, Failure> {
        let text = run_store::read(state)?;
        let file = match log {
            Log::Whole => StateFile::parse(&text),
            Log::Sealed => StateFile::parse_sealed(&text),
        }
        .map_err(|fault| invalid(state, &text, &fault))?;
        let source = playbook
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(&file.source));
        let model = compile(&source)?;
        let now = fingerprint(&model);
        if now != file.fingerprint {
            return Err(Failure {
                code: EXIT_CHANGED,
                text: format!(
                    "error: the playbook `{}` changed since this run started (its compiled model was {}, it is now {})\n\
                     help: see what the change means for the run with `playbook run migrate --state {} {}`, \
                     then apply it with `--apply`\n",
                    source.display(),
                    short(&file.fingerprint),
                    short(&now),
                    state.display(),
                    source.display(),
                ),
            });
        }
        Ok(Opened {
            path: state.to_path_buf(),
            file,
            model,
        })
    }

    pub fn run(&self) -> Result<Run<'_>, Failure> {
        self.file.run(&self.model).map_err(|fault| {
            let text = run_store::read(&self.path).unwrap_or_default();
            invalid(&self.path, &text, &fault)
        })
    }
}

fn short(fingerprint: &str) -> &str {
    &fingerprint[..fingerprint.len().min(19)]
}

/// The diagnostic of an invalid state file.
fn invalid(state: &Path, text: &str, fault: &crate::run::state::Fault) -> Failure {
    let mut sources = Sources::new();
    let id = sources.add(SourceFile::new(state.display().to_string(), text));
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

/// Compiles a playbook; errors refuse.
pub fn compile(path: &Path) -> Result<Playbook, Failure> {
    // Through the project, as `check` compiles: `use` and `translation`
    // confined to its folder, `Playbook.toml`'s levels applied.
    let project = crate::project::Project::of_file(path).map_err(project_failure)?;
    let compilation = project.compile(path).map_err(project_failure)?;
    match compilation.model {
        Some(model) if model.kind == crate::ir::UnitKind::Playbook => Ok(model),
        Some(_) => Err(Failure::usage(format!(
            "`{}` is a catalogue, not a playbook: it has nothing to run",
            path.display()
        ))),
        None => {
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
            Err(Failure {
                code: EXIT_USAGE,
                text,
            })
        }
    }
}

fn project_failure(e: crate::project::OpenError) -> Failure {
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

fn split_inputs(given: &[String]) -> Result<Vec<(String, String)>, Failure> {
    given
        .iter()
        .map(|g| {
            g.split_once('=')
                .map(|(n, v)| (n.trim().to_string(), v.to_string()))
                .ok_or_else(|| Failure::usage(format!("`--input {g}` is not `NAME=VALUE`")))
        })
        .collect()
}

/// The absolute path of the playbook, as stored in the state file.
fn source_path(file: &Path) -> String {
    std::fs::canonicalize(file)
        .unwrap_or_else(|_| file.to_path_buf())
        .display()
        .to_string()
}

fn start(
    file: &Path,
    state: &Path,
    inputs: &[String],
    name: Option<&str>,
    now: Now,
    actor: &str,
) -> Result<(), Failure> {
    if state.exists() {
        return Err(StoreError::Exists(state.to_path_buf()).into());
    }
    let model = compile(file)?;
    let given = split_inputs(inputs)?;
    let values = crate::run::engine::parse_inputs(&model, &given).map_err(|errors| {
        let mut text = String::new();
        for e in &errors {
            text.push_str(&format!("error: {e}\n"));
        }
        Failure {
            code: EXIT_REFUSED,
            text,
        }
    })?;
    start_with(&model, file, state, values, name, now, actor)?;
    let line = format!(
        "started `{}` in `{}`; `playbook run status --state {}` shows what to do",
        model.id,
        state.display(),
        state.display()
    );
    super::out::outln!("{}", crate::escape::terminal(&line));
    Ok(())
}

/// Creates the state file of a new run.
pub fn start_with(
    model: &Playbook,
    file: &Path,
    state: &Path,
    values: BTreeMap<String, Value>,
    name: Option<&str>,
    now: Now,
    actor: &str,
) -> Result<(), Failure> {
    let run = Run::start(model, values, now, actor).map_err(|e| Failure::refused(&e))?;
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| default_name(state));
    if name.contains('\n') {
        return Err(Failure::usage("a run's name is one line"));
    }
    let lock = Lock::acquire(state, actor, now.time)?;
    let text = StateFile::create(&run, &name, &source_path(file), &run_store::new_lineage())
        .and_then(|mut f| {
            f.seal(&run);
            f.to_text()
        })
        .map_err(Failure::usage)?;
    run_store::create(&lock, state, &text)?;
    Ok(())
}

fn default_name(state: &Path) -> String {
    let name = state
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    name.strip_suffix(".toml")
        .map(|n| n.strip_suffix(".run").unwrap_or(n))
        .unwrap_or(&name)
        .to_string()
}

/// How much of a state file a command reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Log {
    /// Every event (status, reports, undo).
    Whole,
    /// The sealed `[state]` table when it adds up the log as it stands,
    /// without the events (a change that only appends).
    Sealed,
}

/// Applies one change under the lock and writes the file.
pub fn change(
    state: &Path,
    playbook: Option<&Path>,
    now: Now,
    actor: &str,
    f: impl FnOnce(&mut Run<'_>) -> Result<(), RunError>,
) -> Result<(), Failure> {
    change_reading(Log::Sealed, false, state, playbook, now, actor, f)
}

/// Undoes the latest change in effect, reading from the log only the
/// events the undo needs (or the whole log when the snapshot cannot say).
pub fn undo(state: &Path, playbook: Option<&Path>, now: Now, actor: &str) -> Result<(), Failure> {
    change_reading(Log::Sealed, true, state, playbook, now, actor, |run| {
        run.undo(now, actor).map(|_| ())
    })
}

fn change_reading(
    log: Log,
    undo: bool,
    state: &Path,
    playbook: Option<&Path>,
    now: Now,
    actor: &str,
    f: impl FnOnce(&mut Run<'_>) -> Result<(), RunError>,
) -> Result<(), Failure> {
    let lock = Lock::acquire(state, actor, now.time)?;
    let Opened {
        path,
        mut file,
        model,
    } = Opened::read_with(state, playbook, log)?;
    let mut run = file.run(&model).map_err(|fault| {
        let text = run_store::read(&path).unwrap_or_default();
        invalid(&path, &text, &fault)
    })?;
    if undo && !file.prepare_undo(&mut run, &model) {
        let text = run_store::read(&path)?;
        file = StateFile::parse(&text).map_err(|fault| invalid(&path, &text, &fault))?;
        run = file
            .run(&model)
            .map_err(|fault| invalid(&path, &text, &fault))?;
    }
    let before = run.events.len();
    f(&mut run).map_err(|e| Failure::refused(&e))?;
    for event in &run.events[before..] {
        file.append(event).map_err(Failure::usage)?;
    }
    file.seal(&run);
    let text = file.to_text().map_err(Failure::usage)?;
    run_store::replace(&lock, state, &text)?;
    let event = run.events.last().expect("a run has events");
    let line = format!(
        "{} (event {}, by {} at {})",
        describe(&run, event),
        event.seq,
        event.actor,
        event.time
    );
    super::out::outln!("{}", crate::escape::terminal(&line));
    let view = run.view(now.today);
    if view.complete {
        super::out::outln!("the run is complete");
    }
    Ok(())
}

/// One line saying what an event did.
pub fn describe(run: &Run<'_>, event: &crate::run::Event) -> String {
    use crate::run::{Effect, EventKind};
    match &event.kind {
        EventKind::Start { .. } => format!("started `{}`", run.model.id),
        EventKind::Done { items, effects, .. } => {
            let mut s = format!(
                "done: {}",
                items
                    .iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for e in effects {
                match e {
                    Effect::Set { field, value, .. } => {
                        s.push_str(&format!("; set `{field}` = {}", value::show(value)))
                    }
                    Effect::Request {
                        role,
                        field: Some((field, value)),
                        ..
                    } => s.push_str(&format!(
                        "; asked `{role}` to set `{field}` = {}",
                        value::show(value)
                    )),
                    Effect::Request { role, .. } => s.push_str(&format!("; asked `{role}`")),
                    Effect::Send { template, to, .. } => {
                        s.push_str(&format!("; sent `{template}` to `{to}`"))
                    }
                    Effect::CompleteTask { task, .. } => {
                        s.push_str(&format!("; completed task {task}"))
                    }
                    Effect::Record { criterion, .. } => {
                        s.push_str(&format!("; recorded `{criterion}`"))
                    }
                }
            }
            s
        }
        EventKind::Answer { decision, value } => {
            format!("answered `{decision}`: {}", value::show(value))
        }
        EventKind::Record { criterion, .. } => format!("recorded the evidence of `{criterion}`"),
        EventKind::Complete { step } => format!("completed step `{step}`"),
        EventKind::Skip { item, .. } => format!("skipped `{item}`"),
        EventKind::Undo { undoes } => format!("undid event {undoes}"),
        EventKind::Migrate { to, .. } => format!("migrated the run to {}", short(to)),
    }
}

// ---------------------------------------------------------------------------
// status

fn blocker_json(b: &Blocker) -> BlockerJson {
    BlockerJson {
        kind: b.kind(),
        name: b.name().to_string(),
        message: b.to_string(),
    }
}

#[derive(Serialize)]
struct BlockerJson {
    kind: &'static str,
    name: String,
    message: String,
}

#[derive(Serialize)]
pub struct StatusJson {
    schema: u32,
    playbook: String,
    name: String,
    lineage: String,
    serial: u64,
    complete: bool,
    progress: Progress,
    current_step: Option<String>,
    next_action_date: Option<String>,
    overdue: bool,
    inputs: BTreeMap<String, String>,
    computed: BTreeMap<String, String>,
    fields: BTreeMap<String, String>,
    tasks: Vec<TaskJson>,
    steps: Vec<StepJson>,
    next: Vec<NextJson>,
}

#[derive(Serialize)]
struct Progress {
    done: usize,
    total: usize,
}

#[derive(Serialize)]
struct TaskJson {
    number: u32,
    completed: bool,
}

#[derive(Serialize)]
struct StepJson {
    id: String,
    title: String,
    status: &'static str,
    blocked_by: Vec<BlockerJson>,
    skipped_because: Option<String>,
    entry: Vec<GateJson>,
    exit: Vec<GateJson>,
    items: Vec<ItemJson>,
    pending: Vec<BlockerJson>,
    missing: Vec<String>,
}

#[derive(Serialize)]
struct GateJson {
    criterion: String,
    applies: &'static str,
    recorded: bool,
    evidence: Option<String>,
}

#[derive(Serialize)]
struct ItemJson {
    key: String,
    id: String,
    kind: &'static str,
    depth: usize,
    optional: bool,
    status: &'static str,
    answer: Option<String>,
    blocked_by: Vec<BlockerJson>,
    text: String,
}

#[derive(Serialize)]
struct NextJson {
    step: String,
    command: String,
}

fn applies_str(a: &Applicability) -> &'static str {
    match a {
        Applicability::Yes => "yes",
        Applicability::No => "no",
        Applicability::NotYet(_) => "not-yet",
    }
}

fn item_status(s: &ItemStatus) -> &'static str {
    match s {
        ItemStatus::Open => "open",
        ItemStatus::Done => "done",
        ItemStatus::Skipped(_) => "skipped",
        ItemStatus::Answered(_) => "answered",
        ItemStatus::Info => "info",
    }
}

/// The overdue flag: a next action date before today, on a run not complete
/// or complete alike (the date is when the customer is to be contacted).
fn overdue(run: &Run<'_>, today: jiff::civil::Date) -> bool {
    run.next_action_date().is_some_and(|d| d < today)
}

pub fn status_json(
    file: &StateFile,
    run: &Run<'_>,
    view: &View<'_>,
    locale: &str,
    today: jiff::civil::Date,
) -> StatusJson {
    let needed: std::collections::BTreeSet<String> = view
        .steps
        .iter()
        .flat_map(|s| s.items.iter())
        .filter(|i| {
            i.item.is_some_and(|d| {
                d.actions.iter().any(|a| {
                    matches!(a, crate::ir::Action::CompleteTask { task }
                        if view.tasks.iter().any(|(t, _)| t == task))
                })
            })
        })
        .map(|i| i.key.clone())
        .collect();
    StatusJson {
        schema: 1,
        playbook: run.model.id.clone(),
        name: file.name.clone(),
        lineage: file.lineage.clone(),
        serial: file.serial,
        complete: view.complete,
        progress: Progress {
            done: view.done,
            total: view.total,
        },
        current_step: view.current().map(|s| s.step.id.clone()),
        next_action_date: run.next_action_date().map(|d| d.to_string()),
        overdue: overdue(run, today),
        inputs: run
            .inputs
            .iter()
            .map(|(k, v)| (k.clone(), value::show(v)))
            .collect(),
        computed: run
            .lets()
            .iter()
            .map(|(k, v)| (k.clone(), value::show(v)))
            .collect(),
        fields: run
            .state
            .fields
            .keys()
            .filter_map(|f| run.state.field(f).map(|v| (f.clone(), value::show(v))))
            .collect(),
        tasks: view
            .tasks
            .iter()
            .map(|(number, completed)| TaskJson {
                number: *number,
                completed: *completed,
            })
            .collect(),
        steps: view
            .steps
            .iter()
            .map(|s| StepJson {
                id: s.step.id.clone(),
                title: text::render(run, &s.step.title, locale, &[]),
                status: s.status.as_str(),
                blocked_by: s.blockers.iter().map(blocker_json).collect(),
                skipped_because: s.skipped_because.clone(),
                entry: s.entry.iter().map(|g| gate_json(run, g)).collect(),
                exit: s.exit.iter().map(|g| gate_json(run, g)).collect(),
                items: s
                    .items
                    .iter()
                    .map(|i| ItemJson {
                        key: i.key.clone(),
                        id: i.id.clone(),
                        kind: i.kind.as_str(),
                        depth: i.depth,
                        optional: i.optional,
                        status: item_status(&i.status),
                        answer: match &i.status {
                            ItemStatus::Answered(v) => Some(value::show(v)),
                            _ => None,
                        },
                        blocked_by: i.blockers.iter().map(blocker_json).collect(),
                        text: i
                            .text
                            .map(|t| text::render(run, t, locale, &i.bindings))
                            .unwrap_or_default(),
                    })
                    .collect(),
                pending: s.pending.iter().map(blocker_json).collect(),
                missing: if matches!(s.status, StepStatus::Ready | StepStatus::Active) {
                    s.missing(&needed)
                } else {
                    Vec::new()
                },
            })
            .collect(),
        next: view
            .next
            .iter()
            .map(|n| NextJson {
                step: n.step().to_string(),
                command: n.command(),
            })
            .collect(),
    }
}

fn gate_json(run: &Run<'_>, g: &crate::run::engine::GateView) -> GateJson {
    GateJson {
        criterion: g.criterion.clone(),
        applies: applies_str(&g.applies),
        recorded: g.recorded,
        evidence: run.state.evidence(&g.criterion).map(str::to_string),
    }
}

pub fn status_human(
    file: &StateFile,
    state: &Path,
    run: &Run<'_>,
    view: &View<'_>,
    locale: &str,
) -> String {
    let m = run.model;
    let mut out = String::new();
    let title = m
        .header
        .title
        .as_ref()
        .map(|t| text::render(run, t, locale, &[]))
        .unwrap_or_else(|| m.id.clone());
    out.push_str(&format!("{} — {title}\n", file.name));
    out.push_str(&format!(
        "progress: {}/{}{}\n",
        view.done,
        view.total,
        if view.complete { ", complete" } else { "" }
    ));
    if let Some(d) = run.next_action_date() {
        out.push_str(&format!("next action date: {d}\n"));
    }
    for s in &view.steps {
        out.push('\n');
        out.push_str(&format!(
            "{} [{}] {}\n",
            s.step.id,
            s.status.as_str(),
            text::render(run, &s.step.title, locale, &[])
        ));
        if let Some(why) = &s.skipped_because {
            out.push_str(&format!("  skipped: {why}\n"));
            continue;
        }
        for b in &s.blockers {
            out.push_str(&format!("  waits: {b}\n"));
        }
        if !matches!(
            s.status,
            StepStatus::Ready | StepStatus::Active | StepStatus::Blocked
        ) {
            continue;
        }
        for g in s.entry.iter().chain(&s.exit) {
            if g.applies == Applicability::No {
                continue;
            }
            let mark = if g.recorded { "x" } else { " " };
            let kind = match g.kind {
                crate::ir::GateKind::Entry => "entry",
                crate::ir::GateKind::Exit => "exit",
            };
            let text = m
                .criterion(&g.criterion)
                .map(|c| text::render(run, &c.text, locale, &[]))
                .unwrap_or_default();
            out.push_str(&format!("  [{mark}] {kind} {}: {text}\n", g.criterion));
        }
        // Blockers an item shares with the item it is nested in are shown
        // once, on the outer item.
        let mut outer: Vec<&[Blocker]> = Vec::new();
        for i in &s.items {
            outer.truncate(i.depth);
            let inherited: &[Blocker] = outer.last().copied().unwrap_or(&[]);
            let indent = "  ".repeat(i.depth + 1);
            let mark = match (&i.status, i.kind) {
                (_, ItemKind::Tip) => "tip".to_string(),
                (_, ItemKind::Warning) => "warning".to_string(),
                (ItemStatus::Done, _) => "[x]".to_string(),
                (ItemStatus::Skipped(_), _) => "[-]".to_string(),
                (ItemStatus::Answered(v), _) => format!("[{}]", value::show(v)),
                _ => "[ ]".to_string(),
            };
            let text = i
                .text
                .map(|t| text::render(run, t, locale, &i.bindings))
                .unwrap_or_default();
            let optional = if i.optional && i.kind == ItemKind::Do {
                " (optional)"
            } else {
                ""
            };
            out.push_str(&format!("{indent}{mark} {}{optional}: {text}\n", i.key));
            for b in i.blockers.iter().filter(|b| !inherited.contains(b)) {
                out.push_str(&format!("{indent}    waits: {b}\n"));
            }
            while outer.len() <= i.depth {
                outer.push(&i.blockers);
            }
        }
        for p in &s.pending {
            out.push_str(&format!("  more items once: {p}\n"));
        }
    }
    if !view.next.is_empty() {
        out.push_str("\nnext:\n");
        for n in &view.next {
            out.push_str(&format!(
                "  playbook run {} --state {}\n",
                n.command(),
                state.display()
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// list

#[derive(Serialize)]
struct ListLine {
    file: String,
    name: Option<String>,
    playbook: Option<String>,
    done: Option<usize>,
    total: Option<usize>,
    complete: Option<bool>,
    current_step: Option<String>,
    next_action_date: Option<String>,
    overdue: bool,
    problem: Option<String>,
}

fn list(dir: &Path, format: Format, now: Now) -> Result<(), Failure> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::usage(format!("cannot list `{}`: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut models: BTreeMap<String, Result<Playbook, String>> = BTreeMap::new();
    let mut lines = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Only state files: they have a lineage and a log.
        if !text.contains("\nlineage = ") || !text.contains("[[event]]") {
            continue;
        }
        let mut line = ListLine {
            file: path.display().to_string(),
            name: None,
            playbook: None,
            done: None,
            total: None,
            complete: None,
            current_step: None,
            next_action_date: None,
            overdue: false,
            problem: None,
        };
        match StateFile::parse(&text) {
            Err(fault) => line.problem = Some(format!("invalid state file: {}", fault.message)),
            Ok(file) => {
                line.name = Some(file.name.clone());
                line.playbook = Some(file.playbook.clone());
                let model = models.entry(file.source.clone()).or_insert_with(|| {
                    compile(Path::new(&file.source)).map_err(|f| {
                        f.text
                            .lines()
                            .last()
                            .unwrap_or("")
                            .trim_start_matches("error: ")
                            .to_string()
                    })
                });
                match model {
                    Err(e) => line.problem = Some(e.clone()),
                    Ok(model) if fingerprint(model) != file.fingerprint => {
                        line.problem =
                            Some("the playbook changed: run `playbook run migrate`".into())
                    }
                    Ok(model) => match file.run(model) {
                        Err(fault) => {
                            line.problem = Some(format!("invalid state file: {}", fault.message))
                        }
                        Ok(run) => {
                            let view = run.view(now.today);
                            line.done = Some(view.done);
                            line.total = Some(view.total);
                            line.complete = Some(view.complete);
                            line.current_step = view.current().map(|s| s.step.id.clone());
                            line.next_action_date = run.next_action_date().map(|d| d.to_string());
                            line.overdue = overdue(&run, now.today);
                        }
                    },
                }
            }
        }
        lines.push(line);
    }
    let mut out = super::out::stdout();
    match format {
        Format::Json => {
            let _ = serde_json::to_writer_pretty(&mut out, &lines);
            let _ = writeln!(out);
        }
        Format::Human => {
            for l in &lines {
                let text = match &l.problem {
                    Some(p) => format!("{}  {}  {p}", l.name.as_deref().unwrap_or("?"), l.file),
                    None => format!(
                        "{}  {}  {}/{}{}  {}  next action {}{}",
                        l.name.as_deref().unwrap_or("?"),
                        l.playbook.as_deref().unwrap_or("?"),
                        l.done.unwrap_or(0),
                        l.total.unwrap_or(0),
                        if l.complete == Some(true) {
                            " complete"
                        } else {
                            ""
                        },
                        l.current_step.as_deref().unwrap_or("-"),
                        l.next_action_date.as_deref().unwrap_or("-"),
                        if l.overdue { "  OVERDUE" } else { "" },
                    ),
                };
                let _ = writeln!(out, "{}", crate::escape::terminal(&text));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// migrate

fn migrate(
    state: &Path,
    file: &Path,
    apply: bool,
    inputs: &[String],
    now: Now,
    actor: &str,
) -> Result<(), Failure> {
    let lock = if apply {
        Some(Lock::acquire(state, actor, now.time)?)
    } else {
        None
    };
    let text = run_store::read(state)?;
    let mut stored = StateFile::parse(&text).map_err(|fault| invalid(state, &text, &fault))?;
    let model = compile(file)?;
    let given = split_inputs(inputs)?;
    let plan = crate::run::migrate::plan(&stored, &text, &model, &given)
        .map_err(|f| invalid(state, &text, &f))?;
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
    let mut run = stored
        .run_migrated(&model, plan.inputs.clone())
        .map_err(|f| invalid(state, &text, &f))?;
    let from = stored.fingerprint.clone();
    run.migrate(&from, &fingerprint(&model), plan.changes(), now, actor)
        .map_err(|e| Failure::refused(&e))?;
    stored.rebase(&model, &source_path(file), &plan.inputs);
    stored
        .append(run.events.last().expect("the migrate event"))
        .map_err(Failure::usage)?;
    stored.seal(&run);
    let text = stored.to_text().map_err(Failure::usage)?;
    let lock = lock.expect("held for --apply");
    run_store::replace(&lock, state, &text)?;
    super::out::outln!("migrated: the run now follows `{}`", file.display());
    Ok(())
}

// ---------------------------------------------------------------------------
// stress (hidden): many writes in a row, for the crash and lock tests.

fn stress(
    state: &Path,
    playbook: Option<&Path>,
    writes: u64,
    hold_ms: u64,
    actor: &str,
) -> Result<(), Failure> {
    // Compile once; each write then reads, checks, appends and replaces the
    // file under the lock, as every command does.
    let opened = Opened::read(state, playbook)?;
    let model = &opened.model;
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    // Re-record the evidence of the playbook's first criterion, again and
    // again (recording evidence again amends it).
    let criterion = model
        .criteria
        .first()
        .map(|c| c.id.clone())
        .ok_or_else(|| Failure::usage("the playbook has no criterion to record"))?;
    let hold = std::time::Duration::from_millis(hold_ms);
    for i in 0..writes {
        let now = Now {
            time: jiff::Timestamp::now(),
            today,
        };
        let lock = Lock::acquire(state, actor, now.time)?;
        if !hold.is_zero() {
            std::thread::sleep(hold);
        }
        let text = run_store::read(state)?;
        let mut file = StateFile::parse_sealed(&text).map_err(|f| invalid(state, &text, &f))?;
        let mut run = file.run(model).map_err(|f| invalid(state, &text, &f))?;
        run.record(&criterion, &format!("write {i}"), now, actor)
            .map_err(|e| Failure::refused(&e))?;
        file.append(run.events.last().expect("an event"))
            .map_err(Failure::usage)?;
        file.seal(&run);
        let text = file.to_text().map_err(Failure::usage)?;
        run_store::replace(&lock, state, &text)?;
        drop(lock);
        super::out::outln!("{}", file.serial);
    }
    Ok(())
}
