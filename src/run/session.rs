//! A run's state file, changed one command at a time: the sequence every
//! front end follows (`playbook run`, its interactive walk, and a future
//! `playbook serve`).
//!
//! A change takes the state file's lock, reads the file (trusting its sealed
//! `[state]` table when the seal holds), compiles the playbook it names and
//! refuses a playbook that changed since the run started, resumes or
//! replays the run, applies one [`Command`], appends its event to the log,
//! seals a new table and replaces the file atomically. An undo reads from
//! the log the events it needs, or the whole log when the table cannot say.
//!
//! This is the one module of `src/run/` that touches the disk, and only
//! through `crate::run_store` (the lock, reading, the atomic replace) and
//! `crate::project` (compiling the playbook). It prints nothing: every
//! outcome is a value and every failure an [`Error`], which the front end
//! renders.

use crate::eval::Value;
use crate::ir::Playbook;
use crate::load::Recording;
use crate::run::engine::{Now, Run, RunError};
use crate::run::event::{Effect, Event, EventKind};
use crate::run::migrate::Plan;
use crate::run::scan;
use crate::run::sources::{Sources, Stamp};
use crate::run::state::{Fault, StateFile, Write, fingerprint};
use crate::run::value;
use crate::run_store::{self, Lock, StoreError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why a command on a run failed.
#[derive(Debug)]
pub enum Error {
    /// The run refuses the command (what is missing is listed).
    Refused(RunError),
    /// The inputs of a new run do not fit the playbook, one message each.
    Inputs(Vec<String>),
    /// The state file cannot be locked, read or written, or exists already
    /// for a new run.
    Store(StoreError),
    /// The state file is invalid: its path, its text and the fault.
    Invalid {
        path: PathBuf,
        text: String,
        fault: Box<Fault>,
    },
    /// The playbook changed since the run started.
    Changed {
        /// The state file.
        state: PathBuf,
        /// The playbook compiled.
        source: PathBuf,
        /// The fingerprint the run started with.
        was: String,
        /// The fingerprint of the playbook now.
        now: String,
    },
    /// The playbook cannot be run.
    Playbook(PlaybookError),
    /// A request that cannot be carried out, in words.
    Usage(String),
}

/// Why a playbook cannot be run.
#[derive(Debug)]
pub enum PlaybookError {
    /// The project or the file cannot be opened.
    Open(crate::project::OpenError),
    /// The file is a translation catalogue.
    Catalogue(PathBuf),
    /// The playbook has errors: its compilation, with their diagnostics.
    Errors {
        path: PathBuf,
        compilation: Box<crate::Compilation>,
    },
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        Error::Store(e)
    }
}

impl From<RunError> for Error {
    fn from(e: RunError) -> Error {
        Error::Refused(e)
    }
}

impl Error {
    /// Why a playbook cannot be run, in a few words (for a line of its own).
    pub fn summary(&self) -> String {
        match self {
            Error::Playbook(PlaybookError::Open(crate::project::OpenError::Usage(m))) => m.clone(),
            Error::Playbook(PlaybookError::Open(crate::project::OpenError::Config(..))) => {
                "its `Playbook.toml` is not valid".to_string()
            }
            Error::Playbook(PlaybookError::Catalogue(_)) => "it is a catalogue".to_string(),
            Error::Playbook(PlaybookError::Errors { compilation, .. }) => {
                let n = compilation
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .count();
                format!("it has {n} error{}", if n == 1 { "" } else { "s" })
            }
            other => format!("{other:?}"),
        }
    }
}

fn invalid(path: &Path, text: &str, fault: Fault) -> Error {
    Error::Invalid {
        path: path.to_path_buf(),
        text: text.to_string(),
        fault: Box::new(fault),
    }
}

/// The first characters of a fingerprint, as shown to people.
pub fn short(fingerprint: &str) -> &str {
    &fingerprint[..fingerprint.len().min(19)]
}

/// One command that changes a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Mark instructions done.
    Done {
        items: Vec<String>,
        note: Option<String>,
    },
    /// Answer a decision.
    Answer { decision: String, value: String },
    /// Record the evidence of an entry or exit criterion.
    Record { criterion: String, evidence: String },
    /// Finish a step.
    Complete { step: String },
    /// Leave out an optional item.
    Skip { item: String, reason: String },
    /// Take back the latest change in effect.
    Undo,
}

impl Command {
    /// Applies the command to the run, appending its event.
    pub fn apply(&self, run: &mut Run<'_>, now: Now, actor: &str) -> Result<(), RunError> {
        match self {
            Command::Done { items, note } => run.done(items, note.clone(), now, actor),
            Command::Answer { decision, value } => run.answer(decision, value, now, actor),
            Command::Record {
                criterion,
                evidence,
            } => run.record(criterion, evidence, now, actor),
            Command::Complete { step } => run.complete(step, now, actor),
            Command::Skip { item, reason } => run.skip(item, reason, now, actor),
            Command::Undo => run.undo(now, actor),
        }
        .map(|_| ())
    }
}

/// Compiles a playbook to run, as `check` compiles it: through its project
/// (`use` and `translation` confined to the project folder, the levels of
/// `Playbook.toml` applied). A playbook with errors, or a catalogue, is
/// refused.
pub fn compile(path: &Path) -> Result<Playbook, Error> {
    let project = crate::project::Project::of_file(path).map_err(open_error)?;
    let compilation = project.compile(path).map_err(open_error)?;
    runnable(path, compilation)
}

fn open_error(e: crate::project::OpenError) -> Error {
    Error::Playbook(PlaybookError::Open(e))
}

/// The model of a compilation, unless it has errors or is a catalogue.
fn runnable(path: &Path, compilation: crate::Compilation) -> Result<Playbook, Error> {
    match compilation.model {
        Some(model) if model.kind == crate::ir::UnitKind::Playbook => Ok(model),
        Some(_) => Err(Error::Playbook(PlaybookError::Catalogue(
            path.to_path_buf(),
        ))),
        None => Err(Error::Playbook(PlaybookError::Errors {
            path: path.to_path_buf(),
            compilation: Box::new(compilation),
        })),
    }
}

/// `NAME=VALUE` texts as pairs.
pub fn split_inputs(given: &[String]) -> Result<Vec<(String, String)>, Error> {
    given
        .iter()
        .map(|g| {
            g.split_once('=')
                .map(|(n, v)| (n.trim().to_string(), v.to_string()))
                .ok_or_else(|| Error::Usage(format!("`--input {g}` is not `NAME=VALUE`")))
        })
        .collect()
}

/// The inputs of a new run, parsed against the playbook's types.
pub fn parse_inputs(
    model: &Playbook,
    given: &[(String, String)],
) -> Result<BTreeMap<String, Value>, Error> {
    crate::run::engine::parse_inputs(model, given).map_err(Error::Inputs)
}

/// This build of `playbook` and `project`, as a record of sources names
/// them (`crate::run::sources`): the build ([`run_store::build`]), the
/// project's folder and configuration. `None` when the build cannot say
/// which it is.
fn stamp(project: &crate::project::Project) -> Option<Stamp> {
    let project = format!("{}\n{:?}", project.root.display(), project.config);
    Some(Stamp::new(run_store::build()?, &project))
}

/// The model the run in `file` follows, from the playbook at `source`:
/// the model pinned in the file when the record of what the playbook was
/// compiled from still holds (the compiler would read the same bytes), else
/// the playbook compiled, refused when its fingerprint is not the run's.
/// Under `lock`, a compile that gives the run's model writes the record.
fn model_of(
    state: &Path,
    source: &Path,
    file: &StateFile,
    lock: Option<&Lock>,
) -> Result<Playbook, Error> {
    let project = crate::project::Project::of_file(source).map_err(open_error)?;
    let loader = project.loader().map_err(open_error)?;
    let stamp = stamp(&project);
    if let (Some(stamp), Some(pin)) = (&stamp, &file.pin)
        && let Some(sources) = run_store::read_sources(state).and_then(|t| Sources::parse(&t))
        && sources.fingerprint == file.fingerprint
        && sources.hold(stamp, source, &loader)
        // Checked against the run's fingerprint, as every pin read.
        && let Ok(model) = pin.model(&file.fingerprint)
    {
        return Ok(model);
    }
    let recording = Recording::new(&loader);
    let compilation = project
        .compile_with(source, &recording)
        .map_err(open_error)?;
    let model = runnable(source, compilation)?;
    let now = fingerprint(&model);
    if now != file.fingerprint {
        return Err(Error::Changed {
            state: state.to_path_buf(),
            source: source.to_path_buf(),
            was: file.fingerprint.clone(),
            now,
        });
    }
    if let (Some(lock), Some(stamp)) = (lock, stamp)
        && let Some(sources) = Sources::of(&stamp, source, &now, &recording.into_reads())
    {
        // A record that cannot be written is only a compile next time.
        let _ = run_store::write_sources(lock, state, &sources.to_text());
    }
    Ok(model)
}

/// The playbook a state file names (for readers of many runs, such as
/// `run list`).
pub use crate::run_store::playbook_of;

/// The path of the playbook as stored in the state file: relative to the
/// root of the git work tree that holds both, so that a run committed to
/// git finds its playbook in every clone (and wherever in the tree the
/// state file is copied); else absolute.
fn source_path(file: &Path, state: &Path) -> String {
    let source = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let real = run_store::target(state);
    let folder = match real.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let relative = run_store::work_tree(&folder).and_then(|root| {
        let rest = source.strip_prefix(&root).ok()?;
        let parts: Vec<String> = rest
            .components()
            .map(|c| c.as_os_str().to_str().map(str::to_string))
            .collect::<Option<_>>()?;
        Some(parts.join("/"))
    });
    relative.unwrap_or_else(|| source.display().to_string())
}

/// A run's name when none is given: the state file's name without
/// `.toml` (and `.run`).
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

/// Creates the state file of a new run of `model`, compiled from `file`;
/// an existing file is never overwritten. The actor owns the run.
pub fn start(
    model: &Playbook,
    file: &Path,
    state: &Path,
    values: BTreeMap<String, Value>,
    name: Option<&str>,
    now: Now,
    actor: &str,
) -> Result<(), Error> {
    start_owned(model, file, state, values, name, actor, None, now, actor)
}

/// [`start`], naming who owns the run.
#[allow(clippy::too_many_arguments)]
pub fn start_owned(
    model: &Playbook,
    file: &Path,
    state: &Path,
    values: BTreeMap<String, Value>,
    name: Option<&str>,
    owner: &str,
    locale: Option<&str>,
    now: Now,
    actor: &str,
) -> Result<(), Error> {
    if let Some(l) = locale
        && !model.locales.iter().any(|m| m == l)
    {
        return Err(Error::Usage(format!(
            "`{}` has no texts in locale `{l}`; it has {}",
            model.id,
            model.locales.join(", ")
        )));
    }
    let run = Run::start_in(
        model,
        values,
        now,
        actor,
        locale.unwrap_or(&model.source_locale),
    )?;
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| default_name(state));
    if name.contains('\n') {
        return Err(Error::Usage("a run's name is one line".into()));
    }
    if owner.contains('\n') || owner.trim().is_empty() {
        return Err(Error::Usage("a run's owner is one line, not empty".into()));
    }
    run_store::make_folder(state)?;
    let lock = Lock::acquire(state, actor, now.time)?;
    let mut file = StateFile::create(
        &run,
        &name,
        &source_path(file, state),
        &run_store::new_lineage(),
    )
    .map_err(Error::Usage)?;
    file.owner = Some(owner.to_string());
    file.locale = locale.map(str::to_string);
    let text = file.to_text().map_err(Error::Usage)?;
    run_store::create(&lock, state, &text)?;
    // The run is written: what follows only speeds up its next change and
    // has git merge it.
    let _ = run_store::write_cache(&lock, state, &StateFile::seal(&run, &text));
    run_store::mark_for_git(state)?;
    Ok(())
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

/// A state file read and checked, with the model of its playbook.
pub struct Opened {
    pub path: PathBuf,
    pub file: StateFile,
    pub model: Playbook,
    /// Why the model is the one pinned in the state file rather than the
    /// playbook's (only [`Opened::read_pinned`] reads it so).
    pub pinned: Option<Pinned>,
    /// Whether the log's last line was unfinished, and the run read
    /// without it (a change cut short, or being written: `super::scan`).
    pub cut_short: bool,
}

/// Why a run is shown against its pinned model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pinned {
    /// The playbook compiles to another model now: `was` and `now` are
    /// the fingerprints.
    Changed { source: PathBuf, now: String },
    /// The playbook cannot be compiled (moved, removed, errors): why.
    Unavailable { source: PathBuf, why: String },
}

impl Pinned {
    /// One line for people, saying what is shown and how to move on.
    pub fn describe(&self) -> String {
        match self {
            Pinned::Changed { source, .. } => format!(
                "`{}` has changed since this run started: this shows the run against the \
                 playbook as it ran, pinned in its state file (`playbook run migrate` moves it \
                 to the new one)",
                source.display()
            ),
            Pinned::Unavailable { source, why } => format!(
                "`{}` cannot be compiled ({why}): this shows the run against the playbook as \
                 it ran, pinned in its state file",
                source.display()
            ),
        }
    }
}

impl Opened {
    /// Reads `state` whole, compiles its playbook (or `playbook`), and
    /// refuses a changed playbook.
    pub fn read(state: &Path, playbook: Option<&Path>) -> Result<Opened, Error> {
        Opened::read_with(state, playbook, Log::Whole)
    }

    /// [`Opened::read`], reading the log or trusting the sealed snapshot.
    pub fn read_with(state: &Path, playbook: Option<&Path>, log: Log) -> Result<Opened, Error> {
        Opened::read_locked(state, playbook, log, None)
    }

    /// [`Opened::read_with`]; under `lock`, recording what the playbook
    /// was compiled from when it is compiled.
    fn read_locked(
        state: &Path,
        playbook: Option<&Path>,
        log: Log,
        lock: Option<&Lock>,
    ) -> Result<Opened, Error> {
        let (text, cut_short) = read_text(state)?;
        // A cut-short file is not what the cache sealed: read it whole,
        // so that the change writes it anew, without the unfinished line.
        let log = if cut_short { Log::Whole } else { log };
        let file = parse(state, &text, log).map_err(|fault| invalid(state, &text, fault))?;
        let source = playbook
            .map(Path::to_path_buf)
            .unwrap_or_else(|| run_store::playbook_of(&file.source, state));
        let model = model_of(state, &source, &file, lock)?;
        Ok(Opened {
            path: state.to_path_buf(),
            file,
            model,
            pinned: None,
            cut_short,
        })
    }

    /// Reads `state` whole to show it (status, report, list): against its
    /// playbook when that still compiles to the run's model, else against
    /// the model pinned in the file, saying why in [`Opened::pinned`]. A
    /// finished run can so always be reported, whatever became of its
    /// playbook. Only a file without a pin (written before pins existed)
    /// still needs its playbook as it was.
    pub fn read_pinned(state: &Path, playbook: Option<&Path>) -> Result<Opened, Error> {
        let (text, cut_short) = read_text(state)?;
        let file = StateFile::parse(&text).map_err(|fault| invalid(state, &text, fault))?;
        let source = playbook
            .map(Path::to_path_buf)
            .unwrap_or_else(|| run_store::playbook_of(&file.source, state));
        let why = match model_of(state, &source, &file, None) {
            Ok(model) => {
                return Ok(Opened {
                    path: state.to_path_buf(),
                    file,
                    model,
                    pinned: None,
                    cut_short,
                });
            }
            Err(e) if file.pin.is_none() => return Err(e),
            Err(Error::Changed { now, .. }) => Pinned::Changed {
                source: source.clone(),
                now,
            },
            Err(e) => Pinned::Unavailable {
                source: source.clone(),
                why: e.summary(),
            },
        };
        let pin = file.pin.as_ref().expect("a pin, checked above");
        let model = pin.model(&file.fingerprint).map_err(|message| {
            let at = text.find("\n[pin]").map_or(0, |i| i + 1);
            invalid(
                state,
                &text,
                crate::run::state::Fault::new(at..at + 5, message, "this pin"),
            )
        })?;
        Ok(Opened {
            path: state.to_path_buf(),
            file,
            model,
            pinned: Some(why),
            cut_short,
        })
    }

    /// The run the file holds, speaking its locale.
    pub fn run(&self) -> Result<Run<'_>, Error> {
        let mut run = self.file.run(&self.model).map_err(|fault| {
            let text = read_text(&self.path).map(|(t, _)| t).unwrap_or_default();
            invalid(&self.path, &text, fault)
        })?;
        run.speak(&self.locale());
        Ok(run)
    }

    /// The language the run speaks: the one it was started in, else the
    /// playbook's source locale.
    pub fn locale(&self) -> String {
        locale_of(&self.file, &self.model, None)
    }
}

/// A state file's text, and whether its log's last line was unfinished
/// (then the text is the file as it was before that line: `super::scan`).
fn read_text(state: &Path) -> Result<(String, bool), Error> {
    let bytes = run_store::read(state)?;
    scan::text_of(bytes).map_err(|e| {
        Error::Store(StoreError::Io {
            path: state.to_path_buf(),
            error: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
        })
    })
}

fn parse(state: &Path, text: &str, log: Log) -> Result<StateFile, Fault> {
    match log {
        Log::Whole => StateFile::parse(text),
        Log::Sealed => StateFile::parse_sealed(text, run_store::read_cache(state).as_deref()),
    }
}

/// What a change did.
#[derive(Debug, Clone)]
pub struct Changed {
    /// The event appended (the last, when a command appends several).
    pub event: Event,
    /// The run's serial after the change.
    pub serial: u64,
    /// Whether the run is complete after it.
    pub complete: bool,
    /// One line saying what the event did, in `locale`.
    pub description: String,
    /// The language the change was described in.
    pub locale: String,
}

/// A state file under its lock: nobody else changes it until this is
/// dropped.
pub struct Locked {
    lock: Lock,
    state: PathBuf,
    /// The language of refusals and descriptions, over the run's own.
    locale: Option<String>,
}

/// The language a run speaks: `over` when given, else the one it was
/// started in, else the playbook's source locale.
pub fn locale_of(file: &StateFile, model: &Playbook, over: Option<&str>) -> String {
    over.map(str::to_string)
        .or_else(|| file.locale.clone())
        .unwrap_or_else(|| model.source_locale.clone())
}

impl Locked {
    /// Takes the lock of `state`, or fails at once with
    /// [`StoreError::Locked`] naming its holder.
    pub fn acquire(state: &Path, actor: &str, since: jiff::Timestamp) -> Result<Locked, Error> {
        Ok(Locked {
            lock: Lock::acquire(state, actor, since)?,
            state: state.to_path_buf(),
            locale: None,
        })
    }

    /// [`Locked::acquire`], waiting for the holder to let go; `waiting`
    /// is told who holds it before the wait.
    pub fn acquire_waiting(
        state: &Path,
        actor: &str,
        since: jiff::Timestamp,
        waiting: &mut dyn FnMut(&StoreError),
    ) -> Result<Locked, Error> {
        Ok(Locked {
            lock: Lock::acquire_waiting(state, actor, since, waiting)?,
            state: state.to_path_buf(),
            locale: None,
        })
    }

    /// Refuses and describes in `locale` (when given) instead of the
    /// run's language.
    pub fn speaking(mut self, locale: Option<&str>) -> Locked {
        self.locale = locale.map(str::to_string);
        self
    }

    /// Reads the file, compiles its playbook (or `playbook`) and applies
    /// `command`.
    pub fn change(
        &self,
        playbook: Option<&Path>,
        command: &Command,
        now: Now,
        actor: &str,
    ) -> Result<Changed, Error> {
        // An undo reads the lines it takes back from the log.
        if *command != Command::Undo
            && let Some(changed) = self.append(playbook, command, now, actor)?
        {
            return Ok(changed);
        }
        let Opened { file, model, .. } =
            Opened::read_locked(&self.state, playbook, Log::Sealed, Some(&self.lock))?;
        self.apply(file, &model, command, now, actor)
    }

    /// [`Locked::change`] through the cache, reading of the file only what
    /// [`scan::Scan`] keeps (the header and the log's last line) and
    /// appending the lines the change adds. `None` when the cache is not
    /// sealed with the file or does not fit the playbook: the caller reads
    /// the file whole.
    fn append(
        &self,
        playbook: Option<&Path>,
        command: &Command,
        now: Now,
        actor: &str,
    ) -> Result<Option<Changed>, Error> {
        let state = &self.state;
        let Some(cache) = run_store::read_cache(state) else {
            return Ok(None);
        };
        let mut scan = scan::Scan::new();
        run_store::scan(state, &mut |piece| scan.feed(piece))?;
        let Some(file) = StateFile::from_scan(scan.finish(), &cache) else {
            return Ok(None);
        };
        // A fault points into the file's text, read whole only then.
        let fault_in_file = |fault| {
            invalid(
                state,
                &read_text(state).map(|(t, _)| t).unwrap_or_default(),
                fault,
            )
        };
        let file = file.map_err(fault_in_file)?;
        let source = playbook
            .map(Path::to_path_buf)
            .unwrap_or_else(|| run_store::playbook_of(&file.source, state));
        let model = model_of(state, &source, &file, Some(&self.lock))?;
        let Some(run) = file.resumed(&model) else {
            return Ok(None);
        };
        let run = run.map_err(fault_in_file)?;
        self.finish(file, run, &model, command, now, actor)
            .map(Some)
    }

    /// Reads the file and applies `command` with a model compiled before
    /// (checked against the run's fingerprint), for many changes in a row.
    pub fn change_with(
        &self,
        model: &Playbook,
        command: &Command,
        now: Now,
        actor: &str,
    ) -> Result<Changed, Error> {
        let (text, cut_short) = read_text(&self.state)?;
        let cache = run_store::read_cache(&self.state).filter(|_| !cut_short);
        let file = StateFile::parse_sealed(&text, cache.as_deref())
            .map_err(|f| invalid(&self.state, &text, f))?;
        let fingerprint = fingerprint(model);
        if fingerprint != file.fingerprint {
            return Err(Error::Changed {
                state: self.state.clone(),
                source: run_store::playbook_of(&file.source, &self.state),
                was: file.fingerprint.clone(),
                now: fingerprint,
            });
        }
        self.apply(file, model, command, now, actor)
    }

    /// Resumes the run, then [`Locked::finish`].
    fn apply(
        &self,
        mut file: StateFile,
        model: &Playbook,
        command: &Command,
        now: Now,
        actor: &str,
    ) -> Result<Changed, Error> {
        let path = &self.state;
        let mut run = file.run(model).map_err(|fault| {
            let text = read_text(path).map(|(t, _)| t).unwrap_or_default();
            invalid(path, &text, fault)
        })?;
        if *command == Command::Undo && !file.prepare_undo(&mut run, model) {
            let (text, _) = read_text(path)?;
            file = StateFile::parse(&text).map_err(|fault| invalid(path, &text, fault))?;
            run = file
                .run(model)
                .map_err(|fault| invalid(path, &text, fault))?;
        }
        self.finish(file, run, model, command, now, actor)
    }

    /// Applies the command to the run resumed from `file`, adds its events
    /// to the file, writes it (appended or replaced) and seals the cache.
    fn finish(
        &self,
        mut file: StateFile,
        mut run: Run<'_>,
        model: &Playbook,
        command: &Command,
        now: Now,
        actor: &str,
    ) -> Result<Changed, Error> {
        let path = &self.state;
        let locale = locale_of(&file, model, self.locale.as_deref());
        run.speak(&locale);
        // A file written before pins existed pins the model now: a change
        // is made only when the playbook is still the run's.
        if file.pin.is_none() {
            file.pin = Some(crate::run::pin::Pin::of(model));
        }
        let before = run.events.len();
        command.apply(&mut run, now, actor)?;
        for event in &run.events[before..] {
            file.append(event).map_err(Error::Usage)?;
        }
        let serial = file.serial;
        let (write, hash) = file.into_write().map_err(Error::Usage)?;
        match write {
            Write::Append { at, len, bytes } => {
                run_store::append(&self.lock, path, at, len, bytes.as_bytes())?
            }
            Write::Replace { text } => run_store::replace(&self.lock, path, &text)?,
        }
        let _ = run_store::write_cache(&self.lock, path, &StateFile::seal_hashed(&run, &hash));
        let event = run.events.last().expect("a run has events").clone();
        Ok(Changed {
            description: describe(model, &event, &locale),
            locale,
            serial,
            complete: run.is_complete(now.today),
            event,
        })
    }
}

/// Applies one command to the run in `state` under its lock: the whole
/// change sequence.
pub fn change(
    state: &Path,
    playbook: Option<&Path>,
    command: &Command,
    now: Now,
    actor: &str,
) -> Result<Changed, Error> {
    change_in(state, playbook, command, now, actor, None)
}

/// [`change`], refusing and describing in `locale` when given.
pub fn change_in(
    state: &Path,
    playbook: Option<&Path>,
    command: &Command,
    now: Now,
    actor: &str,
    locale: Option<&str>,
) -> Result<Changed, Error> {
    Locked::acquire(state, actor, now.time)?
        .speaking(locale)
        .change(playbook, command, now, actor)
}

/// [`change_in`], waiting for another writer's lock (`--wait`): `waiting`
/// is told who holds it before the wait.
pub fn change_waiting(
    state: &Path,
    playbook: Option<&Path>,
    command: &Command,
    now: Now,
    actor: &str,
    locale: Option<&str>,
    waiting: &mut dyn FnMut(&StoreError),
) -> Result<Changed, Error> {
    Locked::acquire_waiting(state, actor, now.time, waiting)?
        .speaking(locale)
        .change(playbook, command, now, actor)
}

/// Undoes the latest change in effect, reading from the log only the
/// events the undo needs (or the whole log when the snapshot cannot say).
pub fn undo(
    state: &Path,
    playbook: Option<&Path>,
    now: Now,
    actor: &str,
) -> Result<Changed, Error> {
    change(state, playbook, &Command::Undo, now, actor)
}

/// The move of a run to a changed playbook, planned (under the lock when
/// it is to be applied).
pub struct Migration {
    /// The plan for the changed playbook.
    pub plan: Plan,
    lock: Option<Lock>,
    state: PathBuf,
    file: PathBuf,
    text: String,
    stored: StateFile,
    model: Playbook,
}

/// Plans the move of the run in `state` to the playbook `file`, with the
/// inputs it adds (`NAME=VALUE`). With `apply`, the state file's lock is
/// taken first and held until the migration is applied or dropped.
pub fn migration(
    state: &Path,
    file: &Path,
    apply: bool,
    inputs: &[String],
    now: Now,
    actor: &str,
) -> Result<Migration, Error> {
    let lock = if apply {
        Some(Lock::acquire(state, actor, now.time)?)
    } else {
        None
    };
    let (text, _) = read_text(state)?;
    let stored = StateFile::parse(&text).map_err(|fault| invalid(state, &text, fault))?;
    let model = compile(file)?;
    let given = split_inputs(inputs)?;
    let mut plan = crate::run::migrate::plan(&stored, &text, &model, &given)
        .map_err(|f| invalid(state, &text, f))?;
    if !plan.same && plan.blocking.is_empty() {
        let after = stored
            .run_migrated(&model, plan.inputs.clone())
            .map_err(|f| invalid(state, &text, f))?;
        // The run as it stands, under its pinned model (a file without a
        // pin does not say whether it was complete).
        let old = stored
            .pin
            .as_ref()
            .and_then(|p| p.model(&stored.fingerprint).ok());
        let before = old.as_ref().and_then(|m| stored.run(m).ok());
        plan.judge(
            before.as_ref().map(|r| r.view(now.today)).as_ref(),
            &after.view(now.today),
        );
    }
    Ok(Migration {
        plan,
        lock,
        state: state.to_path_buf(),
        file: file.to_path_buf(),
        text,
        stored,
        model,
    })
}

impl Migration {
    /// Applies the plan: the run follows the new playbook. Refused while
    /// the plan has blocking problems; the plan must have been made with
    /// `apply`.
    pub fn apply(self, now: Now, actor: &str) -> Result<(), Error> {
        let Migration {
            plan,
            lock,
            state,
            file,
            text,
            mut stored,
            model,
        } = self;
        let lock = lock.ok_or_else(|| Error::Usage("a migration applies under the lock".into()))?;
        if !plan.blocking.is_empty() {
            return Err(Error::Refused(RunError::new(
                "the migration cannot be applied until the problems above are solved",
            )));
        }
        let mut run = stored
            .run_migrated(&model, plan.inputs.clone())
            .map_err(|f| invalid(&state, &text, f))?;
        let from = stored.fingerprint.clone();
        run.migrate(&from, &fingerprint(&model), plan.changes(), now, actor)?;
        stored.rebase(&model, &source_path(&file, &state), &plan.inputs);
        stored
            .append(run.events.last().expect("the migrate event"))
            .map_err(Error::Usage)?;
        let text = stored.to_text().map_err(Error::Usage)?;
        run_store::replace(&lock, &state, &text)?;
        let _ = run_store::write_cache(&lock, &state, &StateFile::seal(&run, &text));
        Ok(())
    }
}

/// One line saying what an event did, in the words of `locale`.
pub fn describe(model: &Playbook, event: &Event, locale: &str) -> String {
    use crate::labels::fill;
    let r = crate::labels::refuse::get(locale);
    match &event.kind {
        EventKind::Start { .. } => fill(r.ev_started, &[&model.id]),
        EventKind::Done { items, effects, .. } => {
            let names: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
            let mut s = fill(r.ev_done, &[&names.join(", ")]);
            for e in effects {
                s.push_str(&match e {
                    Effect::Set { field, value, .. } => {
                        fill(r.ev_set, &[field, &value::show(value)])
                    }
                    Effect::Request {
                        role,
                        field: Some((field, value)),
                        ..
                    } => fill(r.ev_asked_set, &[role, field, &value::show(value)]),
                    Effect::Request { role, .. } => fill(r.ev_asked, &[role]),
                    Effect::Send { template, to, .. } => fill(r.ev_sent, &[template, to]),
                    Effect::CompleteTask { task, .. } => fill(r.ev_task, &[&task.to_string()]),
                    Effect::Record { criterion, .. } => fill(r.ev_recorded, &[criterion]),
                });
            }
            s
        }
        EventKind::Answer { decision, value } => {
            fill(r.ev_answered, &[decision, &value::show(value)])
        }
        EventKind::Record { criterion, .. } => fill(r.ev_record, &[criterion]),
        EventKind::Complete { step } => fill(r.ev_complete, &[step]),
        EventKind::Skip { item, .. } => fill(r.ev_skip, &[item]),
        EventKind::Undo { undoes } => fill(r.ev_undo, &[&undoes.to_string()]),
        EventKind::Migrate { to, .. } => fill(r.ev_migrate, &[short(to)]),
    }
}
