//! The state file of a run: human-readable TOML, read and written here as
//! text (the disk is `crate::run_store`'s business).
//!
//! ```toml
//! schema = 2
//! playbook = "engagement-completion-enablement"
//! name = "contoso"
//! source = "playbooks/engagement-completion-enablement.playbook"
//! fingerprint = "sha256:..."
//! lineage = "4f1c..."
//!
//! [inputs]
//! seats = 1500
//!
//! [[model.step]]            # what the playbook was, for `run migrate`
//! id = "prepare"
//! ...
//!
//! [pin]                     # the compiled model itself (`super::pin`)
//! encoding = "json+zlib+base64"
//! model = "eNrt..."
//!
//! [log]                     # the append-only log, one event per line
//! events = [
//! { id = "3f0c9a1e77d2b415", time = "2026-11-24T09:00:00Z", actor = "ana", event = "start" },
//! ]
//! ```
//!
//! **Made for git.** Nothing above the log changes when an event is
//! appended (only `run migrate` rewrites the header), and each event is one
//! line named by its id, never by a number: two clones that each append
//! events merge with git's `union` driver (the `.gitattributes` that `run
//! start` writes) into a valid log, their events one after the other. The
//! run is the log read in file order; a line that a merge repeats counts
//! once. An event's id hashes the previous event's id with the event, so
//! the same change made after the same history has the same id, and two
//! different changes have different ones. An undo names the event it
//! takes back by id.
//!
//! What the log adds up to is cached outside the file
//! ([`StateFile::seal`], kept untracked by `run_store`), sealed with the
//! file's whole text: a cache that does not fit the file is ignored.
//!
//! Files of schema 1 (one numbered `[[event]]` table per event, with a
//! serial and the cache in the file) are read, and written as schema 2
//! at their next change.
//!
//! A file that is not what this module writes is refused with a
//! [`Fault`] that points at the fault; it is never repaired. The one cut
//! that is no fault, a log whose last line a crash left unfinished, is
//! read as the file before that line (by the scan module), never
//! repaired in place: the next change writes the file anew.

use super::engine::Run;
use super::engine::decision_type;
use super::event::{Effect, Event, EventKind};
use super::pin::Pin;
pub use super::pin::{fingerprint, normalised_json};
use super::snapshot::{self, Snapshot};
use super::value;
use super::value::{field_type, typed_value};
use crate::diagnostic::Diagnostic;
use crate::eval::Value;
use crate::ir::{self, Playbook, Type};
use crate::registry::Code;
use crate::source::{FileId, Span};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;
use xxhash_rust::xxh3::Xxh3;

/// The version of the state file format this build writes.
pub const SCHEMA: u32 = 2;

/// The older layout this build reads (numbered `[[event]]` tables).
const SCHEMA_NUMBERED: u32 = 1;

/// What is wrong with a state file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub message: String,
    pub span: Range<usize>,
    pub label: String,
    pub help: String,
}

impl Fault {
    pub fn new(span: Range<usize>, message: impl Into<String>, label: &str) -> Fault {
        Fault {
            message: message.into(),
            span,
            label: label.to_string(),
            help: "the state file is never repaired automatically: restore it from a backup, or \
                   fix the line by hand and run `playbook run status` to check it"
                .to_string(),
        }
    }

    /// As a diagnostic on the state file, which `file` names in `Sources`.
    pub fn diagnostic(&self, file: FileId) -> Diagnostic {
        Diagnostic::new(
            Code::InvalidRunState,
            Span::new(file, self.span.start, self.span.end),
            self.message.clone(),
        )
        .label(self.label.clone())
        .help(self.help.clone())
    }
}

/// What the playbook was when the run started (or was last migrated): its
/// steps and what each holds, so that a migration can say what changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default, rename = "input")]
    pub inputs: Vec<ManifestInput>,
    #[serde(default, rename = "step")]
    pub steps: Vec<ManifestStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestInput {
    pub id: String,
    #[serde(rename = "type")]
    pub ty: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestStep {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub decisions: Vec<String>,
    #[serde(default)]
    pub criteria: Vec<String>,
}

impl Manifest {
    pub fn of(model: &Playbook) -> Manifest {
        let steps = model
            .steps
            .iter()
            .map(|s| {
                let mut items = Vec::new();
                let mut decisions = Vec::new();
                ir::walk_items(&s.items, &mut |item| match item {
                    ir::Item::Do(d) => items.push(d.id.clone()),
                    ir::Item::Ask { decision } => decisions.push(decision.clone()),
                    _ => {}
                });
                ManifestStep {
                    id: s.id.clone(),
                    title: s
                        .title
                        .get(&model.source_locale, &model.source_locale)
                        .to_string(),
                    items,
                    decisions,
                    criteria: s
                        .entry
                        .iter()
                        .chain(&s.exit)
                        .filter(|g| {
                            model
                                .criterion(&g.criterion)
                                .is_some_and(|c| c.step == s.id)
                        })
                        .map(|g| g.criterion.clone())
                        .collect(),
                }
            })
            .collect();
        Manifest {
            inputs: model
                .inputs
                .iter()
                .map(|i| ManifestInput {
                    id: i.id.clone(),
                    ty: i.ty.to_string(),
                })
                .collect(),
            steps,
        }
    }
}

/// The header of the file: everything but the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    schema: Spanned<u32>,
    playbook: String,
    name: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    source: String,
    fingerprint: Spanned<String>,
    lineage: Spanned<String>,
    /// Schema 1: the number of events.
    #[serde(default)]
    serial: Option<Spanned<u64>>,
    #[serde(default)]
    inputs: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    model: Manifest,
    /// Schema 1's cache of the state, no longer read.
    #[serde(default)]
    state: Option<toml::Value>,
    #[serde(default)]
    pin: Option<Pin>,
    /// Schema 1's log.
    #[serde(default, rename = "event")]
    events: Vec<Spanned<RawEvent>>,
    /// Schema 2's log.
    #[serde(default)]
    log: Option<LogTable>,
}

/// The `[log]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogTable {
    #[serde(default)]
    events: Vec<Spanned<RawEvent>>,
}

/// What an undo takes back: an event's id (schema 2), or its number
/// (schema 1, and in memory once the log is read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Ref {
    Seq(u64),
    Id(String),
}

/// The header as written (no spans, no events).
#[derive(Serialize)]
struct HeaderOut<'a> {
    schema: u32,
    playbook: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<&'a str>,
    source: &'a str,
    fingerprint: &'a str,
    lineage: &'a str,
    inputs: BTreeMap<&'a str, toml::Value>,
    model: &'a Manifest,
    #[serde(skip_serializing_if = "Option::is_none")]
    pin: Option<&'a Pin>,
}

/// An event as written: one flat table, the keys its kind uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    /// Schema 1's number; in memory, the event's place in the log.
    #[serde(default, skip_serializing_if = "is_zero")]
    seq: u64,
    /// Schema 2's name of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    time: String,
    actor: String,
    event: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    items: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<toml::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    criterion: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evidence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    undoes: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    changes: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    computed: BTreeMap<String, toml::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "effect")]
    effects: Vec<RawEffect>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEffect {
    item: String,
    action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<toml::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    task: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    criterion: Option<String>,
}

/// A state file as read: its header, its raw log, and the text of the log
/// (so that appending an event writes the old events back byte for byte).
#[derive(Debug, Clone)]
pub struct StateFile {
    pub playbook: String,
    pub name: String,
    /// Who answers for the run (`run start --owner`); files written before
    /// owners existed have none.
    pub owner: Option<String>,
    /// The language the run speaks (`run start --locale`): its refusals,
    /// status and report; files without one speak the playbook's source
    /// locale.
    pub locale: Option<String>,
    /// The playbook's path as written: relative to the root of the git
    /// work tree that holds the state file, or absolute
    /// (`run_store::playbook_of` reads it).
    pub source: String,
    pub fingerprint: String,
    pub lineage: String,
    /// The number of events in the log.
    pub serial: u64,
    pub manifest: Manifest,
    inputs: BTreeMap<String, Spanned<toml::Value>>,
    /// The log's events, numbered by their place; empty when the file was
    /// read through its cache ([`StateFile::parse_sealed`]).
    events: Vec<Spanned<RawEvent>>,
    /// The id of each event of `events`.
    ids: Vec<String>,
    /// The state the cache gave, for a file read through it.
    snapshot: Option<Snapshot>,
    /// The compiled model the run follows (`super::pin`); `None` in a file
    /// written before pins existed, until its next change.
    pub pin: Option<Pin>,
    /// The log as text: one line per event, each ending in `,\n`.
    log_text: String,
    /// The text the file was read from (empty for a new file), for faults;
    /// for a file read through its cache, only the text before the log.
    text: String,
    /// For a file read through its cache: the file as it is on disk, so
    /// that a change can append to it ([`StateFile::into_write`]).
    on_disk: Option<OnDisk>,
}

/// A state file on disk, as read through its cache.
#[derive(Clone)]
struct OnDisk {
    /// Its length.
    len: u64,
    /// xxh3 of its text but the `]\n` that closes the log.
    prefix: Xxh3,
    /// How many of its events precede the first line of `log_text`: 0 when
    /// `log_text` holds the whole log, else all of them.
    before: u64,
    /// The id of its last event, when `log_text` does not hold it.
    last_id: String,
    /// How much of `log_text` it holds already.
    log_len: usize,
}

impl std::fmt::Debug for OnDisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnDisk")
            .field("len", &self.len)
            .field("before", &self.before)
            .field("last_id", &self.last_id)
            .field("log_len", &self.log_len)
            .finish_non_exhaustive()
    }
}

/// What the scan of a state file kept of it: enough to
/// append to the file without its log.
pub struct Scanned {
    /// The text before the log's lines, ending with the line that opens
    /// it; `None` when the file has no such line or is not UTF-8 there.
    pub head: Option<String>,
    /// The log's last line (with its `,\n`), when the file ends with it
    /// and the line that closes the log.
    pub last_line: Option<String>,
    /// The file's length.
    pub len: u64,
    /// xxh3 of the text before the `]\n` that closes the log; meaningful
    /// only with `last_line`.
    pub prefix: Xxh3,
}

/// How a change goes to disk.
#[derive(Debug)]
pub enum Write {
    /// `bytes` (the lines the change adds, and the `]` that closes the
    /// log) written at `at`, over the old `]`, in a file of `len` bytes.
    Append { at: u64, len: u64, bytes: String },
    /// The whole file anew.
    Replace { text: String },
}

/// The line that opens the log, and the one that closes it.
pub(super) const LOG_OPEN: &str = "\n[log]\n\
    # One event per line, oldest first; append-only. `git merge` joins the\n\
    # events of two clones (see the `.gitattributes` beside this file).\n\
    events = [\n";
pub(super) const LOG_CLOSE: &str = "]\n";

impl StateFile {
    /// A new run's file: the header and the start event.
    pub fn create(
        run: &Run<'_>,
        name: &str,
        source: &str,
        lineage: &str,
    ) -> Result<StateFile, String> {
        let mut file = StateFile {
            playbook: run.model.id.clone(),
            name: name.to_string(),
            owner: None,
            locale: None,
            source: source.to_string(),
            fingerprint: fingerprint(run.model),
            lineage: lineage.to_string(),
            serial: 0,
            manifest: Manifest::of(run.model),
            inputs: run
                .inputs
                .iter()
                .map(|(k, v)| (k.clone(), Spanned::new(0..0, value::to_toml(v))))
                .collect(),
            events: Vec::new(),
            ids: Vec::new(),
            snapshot: None,
            pin: Some(Pin::of(run.model)),
            log_text: String::new(),
            text: String::new(),
            on_disk: None,
        };
        for e in &run.events {
            file.append(e)?;
        }
        Ok(file)
    }

    /// Number of events in the log.
    pub fn len(&self) -> usize {
        self.serial as usize
    }

    pub fn is_empty(&self) -> bool {
        self.serial == 0
    }

    /// Whether the file was read through its cache, without its events
    /// (see [`StateFile::parse_sealed`]).
    pub fn is_sealed_read(&self) -> bool {
        self.events.is_empty() && self.serial > 0
    }

    /// The cache of `run`'s state for the file whose whole text is `text`
    /// (what [`StateFile::to_text`] gave after the run's last append), so
    /// that the next change can skip the log. A TOML table.
    pub fn seal(run: &Run<'_>, text: &str) -> String {
        StateFile::seal_hashed(run, &snapshot::hash_of(text))
    }

    /// [`StateFile::seal`] for the file whose whole text hashes to `text`
    /// ([`StateFile::into_write`] gives it).
    pub fn seal_hashed(run: &Run<'_>, text: &Xxh3) -> String {
        toml::to_string(&Snapshot::of(run, text)).unwrap_or_default()
    }

    /// The id of the event at `index` in the log.
    fn id_at(&self, index: usize) -> Option<String> {
        if let Some(id) = self.ids.get(index) {
            return Some(id.clone());
        }
        let before = self.on_disk.as_ref().map_or(0, |d| d.before) as usize;
        if before > 0 && index + 1 == before {
            return self.on_disk.as_ref().map(|d| d.last_id.clone());
        }
        let index = index.checked_sub(before)?;
        // The last line (the one an append reads) from the end: a file read
        // through its cache has as many lines as its sealed serial.
        let line = if before + index + 1 == self.serial as usize {
            self.log_text.lines().next_back()?
        } else {
            self.log_text.lines().nth(index)?
        };
        let rest = line.strip_prefix("{ id = \"")?;
        Some(rest[..rest.find('"')?].to_string())
    }

    /// Appends an event to the log; the serial grows with it.
    pub fn append(&mut self, event: &Event) -> Result<(), String> {
        let mut raw = raw_event(event);
        if let Some(Ref::Seq(n)) = raw.undoes {
            let id = (n as usize)
                .checked_sub(1)
                .and_then(|i| self.id_at(i))
                .ok_or_else(|| format!("the log has no event {n} to undo"))?;
            raw.undoes = Some(Ref::Id(id));
        }
        let previous = match self.serial {
            0 => String::new(),
            n => self
                .id_at(n as usize - 1)
                .ok_or_else(|| "the log's last line has no id".to_string())?,
        };
        let (id, line) = line::write(&previous, &raw);
        self.log_text.push_str(&line);
        raw.undoes = event_undoes(event);
        raw.id = Some(id.clone());
        if !self.is_sealed_read() {
            self.events.push(Spanned::new(0..0, raw));
            self.ids.push(id);
        }
        self.serial += 1;
        Ok(())
    }

    /// Moves the run to another model (after a migration).
    pub fn rebase(&mut self, model: &Playbook, source: &str, inputs: &BTreeMap<String, Value>) {
        self.playbook = model.id.clone();
        self.fingerprint = fingerprint(model);
        self.manifest = Manifest::of(model);
        self.pin = Some(Pin::of(model));
        self.source = source.to_string();
        self.inputs = inputs
            .iter()
            .map(|(k, v)| (k.clone(), Spanned::new(0..0, value::to_toml(v))))
            .collect();
    }

    /// The whole file.
    pub fn to_text(&self) -> Result<String, String> {
        let head = self.head_text()?;
        let mut out = String::with_capacity(head.len() + self.log_text.len() + LOG_CLOSE.len());
        out.push_str(&head);
        out.push_str(&self.log_text);
        out.push_str(LOG_CLOSE);
        Ok(out)
    }

    /// How the change made to a file goes to disk, and the hash of the
    /// file's whole text after it ([`StateFile::seal_hashed`]): appended,
    /// when the file was read through its cache and its header is as it
    /// was written, else replaced.
    pub fn into_write(self) -> Result<(Write, Xxh3), String> {
        if let Some(disk) = &self.on_disk
            && disk.len >= LOG_CLOSE.len() as u64
            && self.head_text()? == self.text
        {
            let mut bytes = String::with_capacity(self.log_text.len() - disk.log_len + 2);
            bytes.push_str(&self.log_text[disk.log_len..]);
            bytes.push_str(LOG_CLOSE);
            let mut hash = disk.prefix.clone();
            hash.update(bytes.as_bytes());
            let at = disk.len - LOG_CLOSE.len() as u64;
            return Ok((
                Write::Append {
                    at,
                    len: disk.len,
                    bytes,
                },
                hash,
            ));
        }
        let text = self.into_text()?;
        let hash = snapshot::hash_of(&text);
        Ok((Write::Replace { text }, hash))
    }

    /// The whole file, built in the log's own buffer: a file read through
    /// its cache keeps room there for the text before the log, so that a
    /// change copies its log once, when it is read, and not again here.
    pub fn into_text(self) -> Result<String, String> {
        if self.on_disk.as_ref().is_some_and(|d| d.before > 0) {
            return Err("the state file's log was not read: it can only be appended to".into());
        }
        let head = self.head_text()?;
        let mut out = self.log_text;
        out.reserve(head.len() + LOG_CLOSE.len());
        out.insert_str(0, &head);
        out.push_str(LOG_CLOSE);
        Ok(out)
    }

    /// The text before the log's lines: the comment, the header and the
    /// line that opens the log.
    fn head_text(&self) -> Result<String, String> {
        let header = HeaderOut {
            schema: SCHEMA,
            playbook: &self.playbook,
            name: &self.name,
            owner: self.owner.as_deref(),
            locale: self.locale.as_deref(),
            source: &self.source,
            fingerprint: &self.fingerprint,
            lineage: &self.lineage,
            inputs: self
                .inputs
                .iter()
                .map(|(k, v)| (k.as_str(), v.get_ref().clone()))
                .collect(),
            model: &self.manifest,
            pin: self.pin.as_ref(),
        };
        let head = toml::to_string(&header).map_err(|e| e.to_string())?;
        let mut out = String::with_capacity(head.len() + LOG_OPEN.len() + 200);
        out.push_str(
            "# The state of a playbook run, written by `playbook run`. The events under\n\
             # [log] are the run's audit log. See docs/run.md.\n",
        );
        out.push_str(&head);
        out.push_str(LOG_OPEN);
        Ok(out)
    }

    /// Reads a state file's text. Checks its shape only; [`StateFile::run`]
    /// checks it against the playbook.
    pub fn parse(text: &str) -> Result<StateFile, Fault> {
        StateFile::parse_with(text, true)
    }

    /// Reads a state file to change it. When `cache` (what
    /// [`StateFile::seal`] gave) is sealed with the file as it stands (the
    /// last writer wrote both, and nobody changed the file since), the
    /// events are not read: the run resumes from the cache. Otherwise it
    /// is [`StateFile::parse`].
    pub fn parse_sealed(text: &str, cache: Option<&str>) -> Result<StateFile, Fault> {
        match cache.and_then(|c| StateFile::sealed(text, c)) {
            Some(file) => file,
            None => StateFile::parse(text),
        }
    }

    fn sealed(text: &str, cache: &str) -> Option<Result<StateFile, Fault>> {
        let snapshot: Snapshot = toml::from_str(cache).ok()?;
        let end = text.len().checked_sub(LOG_CLOSE.len())?;
        if snapshot.serial == 0 || !text.ends_with(LOG_CLOSE) {
            return None;
        }
        let prefix = snapshot::hash_of(&text[..end]);
        let mut whole = prefix.clone();
        whole.update(LOG_CLOSE.as_bytes());
        if !snapshot.holds_for(&whole) {
            return None;
        }
        let at = text.find(LOG_OPEN)? + 1;
        let lines = at - 1 + LOG_OPEN.len();
        if end < lines {
            return None;
        }
        let header: Header = toml::from_str(&text[..at]).ok()?;
        if *header.schema.get_ref() != SCHEMA {
            return None;
        }
        if let Err(fault) = check_header(&header) {
            return Some(Err(fault));
        }
        let on_disk = OnDisk {
            len: text.len() as u64,
            prefix,
            before: 0,
            last_id: String::new(),
            log_len: end - lines,
        };
        // Room for the events this change appends and for the text before
        // the log (`StateFile::into_text`).
        let mut log = String::with_capacity(end - lines + 2 * lines + 16 * 1024);
        log.push_str(&text[lines..end]);
        Some(Ok(StateFile::through_cache(
            header,
            snapshot,
            log,
            text[..lines].to_string(),
            on_disk,
        )))
    }

    /// A file read through its cache: `header`, the run as `snapshot`
    /// sums it up, none of its events read; `log_text` the log's lines in
    /// memory (those of `on_disk.before` on), `text` the text before them.
    fn through_cache(
        header: Header,
        snapshot: Snapshot,
        log_text: String,
        text: String,
        on_disk: OnDisk,
    ) -> StateFile {
        StateFile {
            playbook: header.playbook,
            name: header.name,
            owner: header.owner,
            locale: header.locale,
            source: header.source,
            fingerprint: header.fingerprint.into_inner(),
            lineage: header.lineage.into_inner(),
            serial: snapshot.serial,
            manifest: header.model,
            inputs: header.inputs,
            events: Vec::new(),
            ids: Vec::new(),
            snapshot: Some(snapshot),
            pin: header.pin,
            log_text,
            text,
            on_disk: Some(on_disk),
        }
    }

    /// Reads a state file to append to it, from what the scan kept of it
    /// ([`Scanned`]): as [`StateFile::parse_sealed`] with a cache sealed with
    /// the file, but without its events, which stay on disk. `None` when
    /// the cache is not sealed with the file, or the file is not one a
    /// change can append to as it stands (no pin, a header other than this
    /// build writes, a log that does not end as this module ends it): the
    /// caller then reads it whole.
    pub fn from_scan(scanned: Scanned, cache: &str) -> Option<Result<StateFile, Fault>> {
        let snapshot: Snapshot = toml::from_str(cache).ok()?;
        let last_line = scanned.last_line?;
        let head = scanned.head?;
        let mut whole = scanned.prefix.clone();
        whole.update(LOG_CLOSE.as_bytes());
        if snapshot.serial == 0 || !snapshot.holds_for(&whole) {
            return None;
        }
        let last_id = last_line
            .strip_prefix("{ id = \"")
            .and_then(|rest| rest.split('"').next())
            .filter(|id| line::is_id(id))?
            .to_string();
        let at = head.len() - LOG_OPEN.len() + 1;
        let header: Header = toml::from_str(&head[..at]).ok()?;
        if *header.schema.get_ref() != SCHEMA || header.pin.is_none() {
            return None;
        }
        if let Err(fault) = check_header(&header) {
            return Some(Err(fault));
        }
        let on_disk = OnDisk {
            len: scanned.len,
            prefix: scanned.prefix,
            before: snapshot.serial,
            last_id,
            log_len: 0,
        };
        let file = StateFile::through_cache(header, snapshot, String::new(), head, on_disk);
        // Written as this build writes it, or read whole and written anew.
        (file.head_text().ok()? == file.text).then_some(Ok(file))
    }

    /// [`StateFile::parse`], with or without the fast scanner of a
    /// schema 1 log.
    pub fn parse_with(text: &str, scanner: bool) -> Result<StateFile, Fault> {
        let toml_error = |e: toml::de::Error| {
            let span = e.span().unwrap_or(0..text.len().min(1));
            Fault::new(
                span,
                format!("the state file is not valid: {}", first_line(e.message())),
                "here",
            )
        };
        // A schema 1 log as this module wrote it is read by a scanner that
        // takes a fraction of the time of a TOML parser; a log written
        // otherwise is read by the TOML parser, which also names the fault.
        let fast = first_event_line(text).filter(|_| scanner).and_then(|at| {
            let log = fast::log(text, at)?;
            let header: Header = toml::from_str(&text[..at]).ok()?;
            header.events.is_empty().then_some((header, log))
        });
        let mut header = match fast {
            Some((mut header, log)) => {
                header.events = log;
                header
            }
            None => {
                let mut header: Header = toml::from_str(text).map_err(toml_error)?;
                // An event's span is its whole table, from `[[event]]` to the next.
                let starts: Vec<usize> = header.events.iter().map(|e| e.span().start).collect();
                for (i, e) in header.events.iter_mut().enumerate() {
                    let end = starts.get(i + 1).copied().unwrap_or(text.len());
                    let start = e.span().start;
                    let end = start + text[start..end].trim_end().len();
                    *e = Spanned::new(start..end, std::mem::take(e.get_mut()));
                }
                header
            }
        };
        check_header(&header)?;
        let numbered = *header.schema.get_ref() == SCHEMA_NUMBERED;
        let (events, ids) = if numbered {
            numbered_log(text, &header)?
        } else {
            if let Some(e) = header.events.first() {
                return Err(Fault::new(
                    e.span(),
                    "a schema 2 file keeps its events in `[log]`, one per line, not in \
                     `[[event]]` tables",
                    "this table",
                ));
            }
            if let Some(serial) = &header.serial {
                return Err(Fault::new(
                    serial.span(),
                    "a schema 2 file has no serial: the log says how many events there are",
                    "not in schema 2",
                ));
            }
            let log = header.log.take().map(|l| l.events).unwrap_or_default();
            named_log(text, log)?
        };
        if events.is_empty() {
            return Err(Fault::new(
                0..text.len().min(1),
                "the state file has no events: every run starts with a `start` event",
                "no events",
            ));
        }
        for e in &events {
            let raw = e.get_ref();
            if raw.time.parse::<jiff::Timestamp>().is_err() {
                return Err(Fault::new(
                    e.span(),
                    format!("event {}: `{}` is not a time", raw.seq, raw.time),
                    "this event",
                ));
            }
            check_event_shape(raw).map_err(|m| {
                Fault::new(
                    key_span(text, e.span(), "event"),
                    format!("event {}: {m}", raw.seq),
                    "this event",
                )
            })?;
        }
        let mut file = StateFile {
            playbook: header.playbook,
            name: header.name,
            owner: header.owner,
            locale: header.locale,
            source: header.source,
            fingerprint: header.fingerprint.into_inner(),
            lineage: header.lineage.into_inner(),
            serial: events.len() as u64,
            manifest: header.model,
            inputs: header.inputs,
            events,
            ids,
            snapshot: None,
            pin: header.pin,
            log_text: String::new(),
            text: text.to_string(),
            on_disk: None,
        };
        file.log_text = file.render_log();
        Ok(file)
    }

    /// The log written anew, one line per event.
    fn render_log(&self) -> String {
        let mut out = String::new();
        for (e, id) in self.events.iter().zip(&self.ids) {
            out.push_str(&line::write_with_id(id, &self.on_disk(e.get_ref())));
        }
        out
    }

    /// An event as the log writes it: no number, and an undo naming the
    /// event it takes back by id.
    fn on_disk(&self, raw: &RawEvent) -> RawEvent {
        let mut raw = raw.clone();
        raw.seq = 0;
        raw.id = None;
        if let Some(Ref::Seq(n)) = raw.undoes
            && let Some(id) = (n as usize).checked_sub(1).and_then(|i| self.ids.get(i))
        {
            raw.undoes = Some(Ref::Id(id.clone()));
        }
        raw
    }

    /// A stored input, as written.
    pub fn input(&self, id: &str) -> Option<&toml::Value> {
        self.inputs.get(id).map(|v| v.get_ref())
    }

    /// What each event names: `(seq, "item" | "decision" | "criterion" | "step", id)`.
    pub fn named(&self) -> Vec<(u64, &'static str, String)> {
        let mut out = Vec::new();
        for e in &self.events {
            let e = e.get_ref();
            for i in &e.items {
                out.push((e.seq, "item", i.clone()));
            }
            if let Some(i) = &e.item {
                out.push((e.seq, "item", i.clone()));
            }
            if let Some(d) = &e.decision {
                out.push((e.seq, "decision", d.clone()));
            }
            if let Some(c) = &e.criterion {
                out.push((e.seq, "criterion", c.clone()));
            }
            if let Some(s) = &e.step {
                out.push((e.seq, "step", s.clone()));
            }
        }
        out
    }

    /// The run under a new model, with the inputs a migration plan chose.
    pub fn run_migrated<'m>(
        &self,
        model: &'m Playbook,
        inputs: BTreeMap<String, Value>,
    ) -> Result<Run<'m>, Fault> {
        let events = self.typed_events(model, u64::MAX)?;
        Run::replay(model, inputs, events).map_err(|(index, message)| {
            let span = self.events.get(index).map(|e| e.span()).unwrap_or(0..1);
            Fault::new(
                span,
                format!("event {}: {message}", index + 1),
                "this event",
            )
        })
    }

    /// The run the file holds, against its playbook's model (whose
    /// fingerprint the caller has compared).
    pub fn run<'m>(&self, model: &'m Playbook) -> Result<Run<'m>, Fault> {
        let inputs = self.typed_inputs(model)?;
        if self.is_sealed_read() {
            let resumed = self.snapshot.as_ref().and_then(|s| s.resume(model, true));
            return match resumed {
                Some(r) => Ok(Run::resume(
                    model, inputs, r.lets, r.state, r.serial, r.last,
                )),
                None if self.on_disk.as_ref().is_some_and(|d| d.before > 0) => Err(Fault::new(
                    0..0,
                    "the cache of the run's state does not fit its playbook, and the log was \
                     not read",
                    "here",
                )),
                // A table that does not fit the model: the log decides.
                None => {
                    let whole = format!("{}{}{LOG_CLOSE}", self.text, self.log_text);
                    StateFile::parse(&whole)?.run(model)
                }
            };
        }
        let migrated = self
            .events
            .iter()
            .rev()
            .find(|e| e.get_ref().event == "migrate")
            .map_or(0, |e| e.get_ref().seq);
        let events = self.typed_events(model, migrated)?;
        let run = Run::replay(model, inputs, events).map_err(|(index, message)| {
            let span = self.events.get(index).map(|e| e.span()).unwrap_or(0..1);
            let span = if message.starts_with("undo") {
                key_span(&self.text, span, "undoes")
            } else {
                span
            };
            Fault::new(
                span,
                format!("event {}: {message}", index + 1),
                "this event",
            )
        })?;
        // Only a migration may leave events of an older playbook unmapped:
        // an event after it that does not fit the playbook is never ignored.
        if let Some(&seq) = run.state.unmapped.iter().find(|&&seq| seq > migrated) {
            let (span, kind) = self
                .events
                .iter()
                .find(|e| e.get_ref().seq == seq)
                .map(|e| (e.span(), e.get_ref().event.clone()))
                .unwrap_or((0..1, String::new()));
            return Err(Fault::new(
                span,
                format!(
                    "event {seq} (`{kind}`) names an item, decision, criterion, step or field \
                     that playbook `{}` does not have",
                    model.id
                ),
                "this event",
            ));
        }
        Ok(run)
    }

    /// The run as the cache gives it, for a file read through its cache,
    /// for a change that undoes nothing; `None` when the cache's table does
    /// not fit `model` (read the file whole then: the log decides).
    pub fn resumed<'m>(&self, model: &'m Playbook) -> Option<Result<Run<'m>, Fault>> {
        // Never undone (an undo reads the file whole): the stacks need only
        // the number of values below their latest.
        let resumed = self.snapshot.as_ref()?.resume(model, false)?;
        Some(self.typed_inputs(model).map(|inputs| {
            Run::resume(
                model,
                inputs,
                resumed.lets,
                resumed.state,
                resumed.serial,
                resumed.last,
            )
        }))
    }

    /// Readies a run resumed from this file's snapshot for an undo: reads
    /// from the log the event the undo takes back and, for each evidence,
    /// field or task it set, the value that was there before it. Reads
    /// only those events (found by a search of the log's text), not the
    /// whole log. Returns whether the run is ready; when it is not, read
    /// the whole log instead.
    pub fn prepare_undo(&self, run: &mut Run<'_>, model: &Playbook) -> bool {
        let Some(&top) = run.state.effective.last() else {
            return true; // nothing to undo, which `undo` says
        };
        if run.event_at(top).is_some() {
            return true;
        }
        let starts: Vec<usize> = std::iter::once(0)
            .chain(self.log_text.match_indices('\n').map(|(at, _)| at + 1))
            .filter(|&at| at < self.log_text.len())
            .collect();
        if starts.len() as u64 != self.serial {
            return false;
        }
        let slice = |i: usize| -> &str {
            let end = starts.get(i + 1).copied().unwrap_or(self.log_text.len());
            &self.log_text[starts[i]..end]
        };
        let event = |i: usize| -> Option<Event> {
            let mut raw = line::read(slice(i))?;
            // An undo read alone cannot say which event it names.
            if raw.undoes.is_some() {
                return None;
            }
            raw.seq = i as u64 + 1;
            typed_event(model, &raw, true).ok()
        };
        let Some(undone) = event(top) else {
            return false;
        };
        let mut pushed = super::engine::Derived::default();
        Run::add(&mut pushed, &undone);
        let effective = run.state.effective.clone();
        let s = &mut run.state;
        // The latest event before `top` in effect that pushed onto `key`'s
        // stack: what the stack shows once the undo pops.
        let earlier = |marker: &str, pick: &mut dyn FnMut(&super::engine::Derived) -> bool| {
            for &i in effective.iter().rev().skip(1) {
                if s.unmapped.contains(&(i as u64 + 1)) || !slice(i).contains(marker) {
                    continue;
                }
                let Some(e) = event(i) else { return false };
                let mut d = super::engine::Derived::default();
                Run::add(&mut d, &e);
                if pick(&d) {
                    return true;
                }
            }
            false
        };
        let ready = uncover(
            &mut s.recorded,
            &pushed.recorded,
            |k| k.clone(),
            &earlier,
            |d, k| d.recorded.get(k).and_then(|v| v.last().cloned()),
        ) && uncover(
            &mut s.fields,
            &pushed.fields,
            |k| k.clone(),
            &earlier,
            |d, k| d.fields.get(k).and_then(|v| v.last().cloned()),
        ) && uncover(
            &mut s.tasks,
            &pushed.tasks,
            |t| format!("task = {t}"),
            &earlier,
            |d, t| d.tasks.get(t).and_then(|v| v.last().copied()),
        );
        if !ready {
            return false;
        }
        run.load_earlier(top, undone);
        true
    }

    /// The log typed by `model`; events numbered below `older_than` were
    /// logged under an older model (see [`typed_event`]).
    fn typed_events(&self, model: &Playbook, older_than: u64) -> Result<Vec<Event>, Fault> {
        let mut events = Vec::with_capacity(self.events.len());
        for e in &self.events {
            let raw = e.get_ref();
            let event = typed_event(model, raw, raw.seq < older_than).map_err(|m| {
                Fault::new(e.span(), format!("event {}: {m}", raw.seq), "this event")
            })?;
            events.push(event);
        }
        Ok(events)
    }

    /// The answers in the log that no longer fit their decision's type in
    /// `model`: `(seq, decision, value as written)`.
    pub fn answers_that_no_longer_fit(&self, model: &Playbook) -> Vec<(u64, String, String)> {
        let mut out = Vec::new();
        for e in &self.events {
            let raw = e.get_ref();
            if let (Some(d), Some(v)) = (&raw.decision, &raw.value)
                && let Some(ty) = decision_type(model, d)
                && value::from_toml(model, ty, v).is_err()
            {
                out.push((raw.seq, d.clone(), v.to_string()));
            }
        }
        out
    }

    /// The stored inputs, typed by the playbook's declarations.
    fn typed_inputs(&self, model: &Playbook) -> Result<BTreeMap<String, Value>, Fault> {
        let mut inputs = BTreeMap::new();
        for input in &model.inputs {
            let Some(v) = self.inputs.get(&input.id) else {
                return Err(Fault::new(
                    0..1,
                    format!(
                        "input `{}` of the playbook is missing from `[inputs]`",
                        input.id
                    ),
                    "in this file",
                ));
            };
            let typed = value::from_toml(model, &input.ty, v.get_ref()).map_err(|m| {
                Fault::new(v.span(), format!("input `{}`: {m}", input.id), "this value")
            })?;
            inputs.insert(input.id.clone(), typed);
        }
        Ok(inputs)
    }
}

/// Searches the log back from an undone event for the latest earlier event
/// in effect whose text holds a marker and that `pick` takes.
type Earlier<'a> = dyn Fn(&str, &mut dyn FnMut(&super::engine::Derived) -> bool) -> bool + 'a;

/// For each key whose stack in `stacks` an undone event pushed `pushed`
/// onto, puts the value the undo uncovers where the pops will leave the
/// top: `pick` reads it from the latest earlier event in effect that holds
/// it, which `earlier` finds by searching the log for `marker`. False when
/// the log does not have it.
fn uncover<K: Ord, V>(
    stacks: &mut BTreeMap<K, Vec<V>>,
    pushed: &BTreeMap<K, Vec<V>>,
    marker: impl Fn(&K) -> String,
    earlier: &Earlier<'_>,
    pick: impl Fn(&super::engine::Derived, &K) -> Option<V>,
) -> bool {
    for (key, values) in pushed {
        let Some(stack) = stacks.get_mut(key) else {
            continue;
        };
        let Some(at) = stack.len().checked_sub(values.len() + 1) else {
            continue;
        };
        let mut found = None;
        if !earlier(&marker(key), &mut |d| {
            found = pick(d, key);
            found.is_some()
        }) {
            return false;
        }
        if let Some(v) = found {
            stack[at] = v;
        }
    }
    true
}

/// The checks of the header that need no playbook.
fn check_header(header: &Header) -> Result<(), Fault> {
    let schema = *header.schema.get_ref();
    if schema != SCHEMA && schema != SCHEMA_NUMBERED {
        return Err(Fault::new(
            header.schema.span(),
            format!(
                "the state file has schema version {schema}, and this build reads versions \
                 {SCHEMA_NUMBERED} and {SCHEMA}"
            ),
            "unsupported version",
        ));
    }
    let lineage = header.lineage.get_ref();
    if lineage.is_empty() || !lineage.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return Err(Fault::new(
            header.lineage.span(),
            "the lineage id is not a hexadecimal id",
            "not an id",
        ));
    }
    if !header.fingerprint.get_ref().starts_with("sha256:") {
        return Err(Fault::new(
            header.fingerprint.span(),
            "the fingerprint is not a `sha256:` hash",
            "not a fingerprint",
        ));
    }
    Ok(())
}

/// The line `key = ...` inside a table's span, or the whole span.
fn key_span(text: &str, table: Range<usize>, key: &str) -> Range<usize> {
    let Some(body) = text.get(table.clone()) else {
        return table;
    };
    let mut offset = table.start;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            let start = offset + (line.len() - trimmed.len());
            return start..offset + line.trim_end().len();
        }
        offset += line.len();
    }
    table
}

/// Where the first line that is exactly `[[event]]` starts.
fn first_event_line(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "[[event]]" {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

/// The keys each kind of event needs.
fn check_event_shape(raw: &RawEvent) -> Result<(), String> {
    let need = |present: bool, key: &str| {
        if present {
            Ok(())
        } else {
            Err(format!("a `{}` event needs `{key}`", raw.event))
        }
    };
    match raw.event.as_str() {
        "start" => Ok(()),
        "done" => need(!raw.items.is_empty(), "items"),
        "answer" => {
            need(raw.decision.is_some(), "decision")?;
            need(raw.value.is_some(), "value")
        }
        "record" => {
            need(raw.criterion.is_some(), "criterion")?;
            need(raw.evidence.is_some(), "evidence")
        }
        "complete" => need(raw.step.is_some(), "step"),
        "skip" => {
            need(raw.item.is_some(), "item")?;
            need(raw.reason.is_some(), "reason")
        }
        "undo" => need(raw.undoes.is_some(), "undoes"),
        "migrate" => {
            need(raw.from.is_some(), "from")?;
            need(raw.to.is_some(), "to")
        }
        other => Err(format!(
            "`{other}` is not an event; the events are start, done, answer, record, complete, skip, undo and migrate"
        )),
    }
}

fn raw_event(event: &Event) -> RawEvent {
    let mut raw = RawEvent {
        seq: event.seq,
        time: event.time.to_string(),
        actor: event.actor.clone(),
        event: event.kind.name().to_string(),
        ..RawEvent::default()
    };
    match &event.kind {
        EventKind::Start { computed } => {
            raw.computed = computed
                .iter()
                .map(|(k, v)| (k.clone(), value::to_toml(v)))
                .collect();
        }
        EventKind::Done {
            items,
            note,
            effects,
        } => {
            raw.items = items.clone();
            raw.note = note.clone();
            raw.effects = effects.iter().map(raw_effect).collect();
        }
        EventKind::Answer { decision, value } => {
            raw.decision = Some(decision.clone());
            raw.value = Some(value::to_toml(value));
        }
        EventKind::Record {
            criterion,
            evidence,
        } => {
            raw.criterion = Some(criterion.clone());
            raw.evidence = Some(evidence.clone());
        }
        EventKind::Complete { step } => raw.step = Some(step.clone()),
        EventKind::Skip { item, reason } => {
            raw.item = Some(item.clone());
            raw.reason = Some(reason.clone());
        }
        EventKind::Undo { undoes } => raw.undoes = Some(Ref::Seq(*undoes)),
        EventKind::Migrate { from, to, changes } => {
            raw.from = Some(from.clone());
            raw.to = Some(to.clone());
            raw.changes = changes.clone();
        }
    }
    raw
}

fn raw_effect(e: &Effect) -> RawEffect {
    let mut raw = RawEffect {
        item: e.item().to_string(),
        ..RawEffect::default()
    };
    match e {
        Effect::Send { template, to, .. } => {
            raw.action = "send".to_string();
            raw.template = Some(template.clone());
            raw.to = Some(to.clone());
        }
        Effect::Set { field, value, .. } => {
            raw.action = "set".to_string();
            raw.field = Some(field.clone());
            raw.value = Some(value::to_toml(value));
        }
        Effect::Request { role, field, .. } => {
            raw.action = "request".to_string();
            raw.role = Some(role.clone());
            if let Some((f, v)) = field {
                raw.field = Some(f.clone());
                raw.value = Some(value::to_toml(v));
            }
        }
        Effect::CompleteTask { task, .. } => {
            raw.action = "complete-task".to_string();
            raw.task = Some(*task);
        }
        Effect::Record { criterion, .. } => {
            raw.action = "record".to_string();
            raw.criterion = Some(criterion.clone());
        }
    }
    raw
}

/// An event of the log, typed by `model`. An event logged under an older
/// model (`older`: before the latest `migrate`, or any event while a
/// migration is planned) may hold a value that no longer fits its decision
/// or field: it is read by its TOML type, and the run leaves it out of the
/// state. Any other event must fit.
fn typed_event(model: &Playbook, raw: &RawEvent, older: bool) -> Result<Event, String> {
    let typed_value = |ty: Option<&Type>, v: &toml::Value| match typed_value(model, ty, v) {
        Err(_) if older => typed_value(model, None, v),
        other => other,
    };
    let time: jiff::Timestamp = raw
        .time
        .parse()
        .map_err(|_| format!("`{}` is not a time", raw.time))?;
    let missing = |key: &str| format!("a `{}` event needs `{key}`", raw.event);
    let kind = match raw.event.as_str() {
        "start" => {
            let mut computed = Vec::new();
            for (k, v) in &raw.computed {
                let ty = model.lets.iter().find(|l| &l.id == k).map(|l| &l.ty);
                computed.push((k.clone(), typed_value(ty, v)?));
            }
            EventKind::Start { computed }
        }
        "done" => {
            let mut effects = Vec::new();
            for e in &raw.effects {
                let value = |field: &str| -> Result<Value, String> {
                    let v = e.value.as_ref().ok_or_else(|| missing("effect.value"))?;
                    typed_value(field_type(model, field), v)
                };
                effects.push(match e.action.as_str() {
                    "send" => Effect::Send {
                        item: e.item.clone(),
                        template: e
                            .template
                            .clone()
                            .ok_or_else(|| missing("effect.template"))?,
                        to: e.to.clone().ok_or_else(|| missing("effect.to"))?,
                    },
                    "set" => {
                        let field = e.field.clone().ok_or_else(|| missing("effect.field"))?;
                        Effect::Set {
                            item: e.item.clone(),
                            value: value(&field)?,
                            field,
                        }
                    }
                    "request" => Effect::Request {
                        item: e.item.clone(),
                        role: e.role.clone().ok_or_else(|| missing("effect.role"))?,
                        field: match &e.field {
                            Some(f) => Some((f.clone(), value(f)?)),
                            None => None,
                        },
                    },
                    "complete-task" => Effect::CompleteTask {
                        item: e.item.clone(),
                        task: e.task.ok_or_else(|| missing("effect.task"))?,
                    },
                    "record" => Effect::Record {
                        item: e.item.clone(),
                        criterion: e
                            .criterion
                            .clone()
                            .ok_or_else(|| missing("effect.criterion"))?,
                    },
                    other => return Err(format!("`{other}` is not an action")),
                });
            }
            EventKind::Done {
                items: raw.items.clone(),
                note: raw.note.clone(),
                effects,
            }
        }
        "answer" => {
            let decision = raw.decision.clone().ok_or_else(|| missing("decision"))?;
            let ty = decision_type(model, &decision);
            let v = raw.value.as_ref().ok_or_else(|| missing("value"))?;
            EventKind::Answer {
                value: typed_value(ty, v).map_err(|m| format!("decision `{decision}`: {m}"))?,
                decision,
            }
        }
        "record" => EventKind::Record {
            criterion: raw.criterion.clone().ok_or_else(|| missing("criterion"))?,
            evidence: raw.evidence.clone().ok_or_else(|| missing("evidence"))?,
        },
        "complete" => EventKind::Complete {
            step: raw.step.clone().ok_or_else(|| missing("step"))?,
        },
        "skip" => EventKind::Skip {
            item: raw.item.clone().ok_or_else(|| missing("item"))?,
            reason: raw.reason.clone().ok_or_else(|| missing("reason"))?,
        },
        "undo" => EventKind::Undo {
            undoes: match &raw.undoes {
                Some(Ref::Seq(n)) => *n,
                Some(Ref::Id(id)) => return Err(format!("no event has id `{id}`")),
                None => return Err(missing("undoes")),
            },
        },
        "migrate" => EventKind::Migrate {
            from: raw.from.clone().ok_or_else(|| missing("from"))?,
            to: raw.to.clone().ok_or_else(|| missing("to"))?,
            changes: raw.changes.clone(),
        },
        other => return Err(format!("`{other}` is not an event")),
    };
    Ok(Event {
        seq: raw.seq,
        time,
        actor: raw.actor.clone(),
        kind,
    })
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What an event's undo takes back, by number.
fn event_undoes(event: &Event) -> Option<Ref> {
    match &event.kind {
        EventKind::Undo { undoes } => Some(Ref::Seq(*undoes)),
        _ => None,
    }
}

type Log = (Vec<Spanned<RawEvent>>, Vec<String>);

/// A schema 1 log: numbered events, checked against the serial, and the id
/// each would have had in schema 2 (so that two clones writing the same
/// file anew write the same lines).
fn numbered_log(text: &str, header: &Header) -> Result<Log, Fault> {
    for (index, e) in header.events.iter().enumerate() {
        let raw = e.get_ref();
        if raw.seq != index as u64 + 1 {
            return Err(Fault::new(
                key_span(text, e.span(), "seq"),
                format!(
                    "event number {} is out of sequence: expected {}",
                    raw.seq,
                    index + 1
                ),
                "this event",
            ));
        }
    }
    if let Some(serial) = &header.serial
        && *serial.get_ref() != header.events.len() as u64
    {
        return Err(Fault::new(
            serial.span(),
            format!(
                "the serial is {}, but the log holds {} events",
                serial.get_ref(),
                header.events.len()
            ),
            "does not match the log",
        ));
    }
    let mut ids: Vec<String> = Vec::with_capacity(header.events.len());
    for e in &header.events {
        let mut raw = e.get_ref().clone();
        raw.seq = 0;
        if let Some(Ref::Seq(n)) = raw.undoes
            && let Some(id) = (n as usize).checked_sub(1).and_then(|i| ids.get(i))
        {
            raw.undoes = Some(Ref::Id(id.clone()));
        }
        let previous = ids.last().map(String::as_str).unwrap_or("");
        ids.push(line::write(previous, &raw).0);
    }
    Ok((header.events.clone(), ids))
}

/// A schema 2 log: events named by id, oldest first. A line a merge
/// repeated counts once. The events are ordered by time, and events of
/// the same time by their place in the file: each clone writes its events
/// in time order (a change is never dated before the event it follows), so
/// the order of a clone's own events is kept, and two clones' events,
/// which a merge puts one clone's after the other's, interleave as they
/// happened. An undo's id becomes the number of the event it names, which
/// must come before it.
fn named_log(text: &str, log: Vec<Spanned<RawEvent>>) -> Result<Log, Fault> {
    let mut events: Vec<(String, Spanned<RawEvent>)> = Vec::with_capacity(log.len());
    let mut seen: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(log.len());
    for e in log {
        let span = e.span();
        let mut raw = e.into_inner();
        if raw.seq != 0 {
            return Err(Fault::new(
                key_span(text, span, "seq"),
                "an event of a schema 2 log has no number: events are named by their `id`",
                "not in schema 2",
            ));
        }
        let Some(id) = raw.id.take().filter(|id| line::is_id(id)) else {
            return Err(Fault::new(
                span,
                "the event has no `id` (1 to 64 letters, digits, `-` or `_`)",
                "this event",
            ));
        };
        if let Some(&at) = seen.get(&id) {
            if *events[at].1.get_ref() == raw {
                continue; // the same line twice, as a merge may leave it
            }
            return Err(Fault::new(
                span,
                format!(
                    "two different events have id `{id}`: keep the right one, or give this \
                     one an id of its own"
                ),
                "the second",
            ));
        }
        seen.insert(id.clone(), events.len());
        events.push((id, Spanned::new(span, raw)));
    }
    // A time that does not parse is refused by the caller, wherever it sorts.
    events.sort_by_key(|(_, e)| e.get_ref().time.parse::<jiff::Timestamp>().ok());
    let mut place: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(events.len());
    let mut out: Vec<Spanned<RawEvent>> = Vec::with_capacity(events.len());
    for (index, (id, e)) in events.iter().enumerate() {
        let span = e.span();
        let mut raw = e.get_ref().clone();
        match &raw.undoes {
            Some(Ref::Id(target)) => match place.get(target.as_str()) {
                Some(&at) => raw.undoes = Some(Ref::Seq(at as u64 + 1)),
                None => {
                    return Err(Fault::new(
                        key_span(text, span, "undoes"),
                        format!("the undo names event `{target}`, which is not earlier in the log"),
                        "this undo",
                    ));
                }
            },
            Some(Ref::Seq(_)) => {
                return Err(Fault::new(
                    key_span(text, span, "undoes"),
                    "an undo names the event it takes back by its id, not a number",
                    "this undo",
                ));
            }
            None => {}
        }
        raw.seq = index as u64 + 1;
        place.insert(id, index);
        out.push(Spanned::new(span, raw));
    }
    let ids = events.into_iter().map(|(id, _)| id).collect();
    Ok((out, ids))
}

/// One event as one line of the log: `{ id = "...", time = "...", ... },`.
/// Whether `line` (without its `,`) is one whole event as the log's lines
/// hold them.
pub(super) fn is_whole_event(line: &str) -> bool {
    line::read(&format!("{line},")).is_some()
}

mod line {
    use super::RawEvent;
    use std::fmt::Write;

    /// The id an event gets after `previous` (the id of the event before
    /// it, empty for the first), and its line.
    pub(super) fn write(previous: &str, raw: &RawEvent) -> (String, String) {
        let fields = fields(raw);
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(previous.as_bytes());
        hasher.update(b"\n");
        hasher.update(fields.as_bytes());
        let id = format!("{:016x}", hasher.digest());
        let line = format!("{{ id = \"{id}\", {fields} }},\n");
        (id, line)
    }

    /// The line of an event whose id is known.
    pub(super) fn write_with_id(id: &str, raw: &RawEvent) -> String {
        format!("{{ id = \"{id}\", {} }},\n", fields(raw))
    }

    /// One line of the log read back (for an undo that reads only the
    /// events it needs); `None` if it is not one.
    pub(super) fn read(line: &str) -> Option<RawEvent> {
        let line = line.trim_end().strip_suffix(',')?;
        #[derive(serde::Deserialize)]
        struct One {
            e: RawEvent,
        }
        toml::from_str::<One>(&format!("e = {line}"))
            .ok()
            .map(|o| o.e)
    }

    /// Whether `id` can name an event.
    pub(super) fn is_id(id: &str) -> bool {
        (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    /// The event's keys but its id, on one line: time, actor and event
    /// first, then the others in their order.
    fn fields(raw: &RawEvent) -> String {
        let mut raw = raw.clone();
        raw.id = None;
        raw.seq = 0;
        let mut out = String::new();
        let Ok(toml::Value::Table(table)) = toml::Value::try_from(&raw) else {
            return out;
        };
        let first = ["time", "actor", "event"];
        let keys = first.iter().map(|k| k.to_string()).chain(
            table
                .keys()
                .filter(|k| !first.contains(&k.as_str()))
                .cloned(),
        );
        for k in keys {
            if let Some(v) = table.get(&k) {
                if !out.is_empty() {
                    out.push_str(", ");
                }
                key(&k, &mut out);
                out.push_str(" = ");
                value(v, &mut out);
            }
        }
        out
    }

    fn key(k: &str, out: &mut String) {
        if !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            out.push_str(k);
        } else {
            string(k, out);
        }
    }

    /// A value on one line: strings escaped, tables inline.
    fn value(v: &toml::Value, out: &mut String) {
        match v {
            toml::Value::String(s) => string(s, out),
            toml::Value::Integer(i) => {
                let _ = write!(out, "{i}");
            }
            toml::Value::Float(f) => {
                if f.is_nan() {
                    out.push_str("nan");
                } else if f.is_infinite() {
                    out.push_str(if *f > 0.0 { "inf" } else { "-inf" });
                } else {
                    let text = f.to_string();
                    out.push_str(&text);
                    if !text.contains(['.', 'e', 'E']) {
                        out.push_str(".0");
                    }
                }
            }
            toml::Value::Boolean(b) => {
                let _ = write!(out, "{b}");
            }
            toml::Value::Datetime(d) => {
                let _ = write!(out, "{d}");
            }
            toml::Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    value(item, out);
                }
                out.push(']');
            }
            toml::Value::Table(table) => {
                if table.is_empty() {
                    out.push_str("{}");
                    return;
                }
                out.push_str("{ ");
                for (i, (k, v)) in table.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    key(k, out);
                    out.push_str(" = ");
                    value(v, out);
                }
                out.push_str(" }");
            }
        }
    }

    /// A basic string: every character TOML does not allow as it is, and
    /// every line break, escaped, so that the string stays on its line.
    fn string(s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{:04X}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    #[cfg(test)]
    mod tests {
        use super::super::RawEvent;

        #[test]
        fn a_line_reads_back_as_the_event_it_was_written_from() {
            let raw = RawEvent {
                time: "2026-11-24T09:00:00Z".into(),
                actor: "ana \"x\"\nbob\u{7f}\u{1b}".into(),
                event: "record".into(),
                criterion: Some("a b".into()),
                evidence: Some("line 1\r\nline 2\t\\".into()),
                value: Some(toml::Value::Float(1e20)),
                ..RawEvent::default()
            };
            let (id, line) = super::write("", &raw);
            assert_eq!(line.matches('\n').count(), 1, "{line}");
            assert!(
                line.starts_with(&format!("{{ id = \"{id}\", time = ")),
                "{line}"
            );
            let mut back = super::read(&line).expect("reads");
            assert_eq!(back.id.take(), Some(id.clone()));
            assert_eq!(back, raw);
            // The id depends on the event before it, and on the event.
            assert_ne!(super::write(&id, &raw).0, id);
        }
    }
}

/// A scanner for the log exactly as [`StateFile`] writes it: `[[event]]`,
/// `[event.computed]` and `[[event.effect]]` headers, and one-line
/// `key = value` pairs whose values are strings, integers, booleans, dates
/// or arrays of strings. Anything else makes it give up (`None`).
mod fast {
    use super::{RawEffect, RawEvent};
    use toml::Spanned;

    /// Whitespace, as TOML has it.
    const WS: [char; 2] = [' ', '\t'];

    enum Section {
        Event,
        Computed,
        Effect,
    }

    pub(super) fn log(text: &str, start: usize) -> Option<Vec<Spanned<RawEvent>>> {
        let mut events: Vec<(usize, usize, RawEvent)> = Vec::new();
        let mut section = Section::Event;
        let mut offset = start;
        let mut seen: Vec<&str> = Vec::new();
        // Whether the current event has had its `[event.computed]` header.
        let mut computed = false;
        for line in text[start..].split_inclusive('\n') {
            let at = offset;
            offset += line.len();
            let content = line.strip_suffix('\n').unwrap_or(line);
            let content = content.strip_suffix('\r').unwrap_or(content);
            // TOML ends a line only at LF or CRLF, and its whitespace is the
            // space and the tab.
            if content.contains('\r') {
                return None;
            }
            if content.trim_matches(WS).is_empty() {
                continue;
            }
            let header = matches!(
                content,
                "[[event]]" | "[event.computed]" | "[[event.effect]]"
            );
            // A table ends at the next header: it must have had every key
            // that is not optional.
            if header && !events.is_empty() && !complete(&section, &seen) {
                return None;
            }
            match content {
                "[[event]]" => {
                    events.push((at, at + content.len(), RawEvent::default()));
                    section = Section::Event;
                    seen.clear();
                    computed = false;
                    continue;
                }
                "[event.computed]" => {
                    // A table defined twice is not TOML.
                    if computed {
                        return None;
                    }
                    computed = true;
                    section = Section::Computed;
                    continue;
                }
                "[[event.effect]]" => {
                    events.last_mut()?.2.effects.push(RawEffect::default());
                    section = Section::Effect;
                    seen.clear();
                    continue;
                }
                _ => {}
            }
            let (key, value) = content.split_once(" = ")?;
            if key.is_empty()
                || !key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return None;
            }
            let value = parse_value(value)?;
            let (_, end, event) = events.last_mut()?;
            *end = at + content.len();
            match section {
                Section::Computed => {
                    if event.computed.insert(key.to_string(), value).is_some() {
                        return None;
                    }
                }
                Section::Event => {
                    if seen.contains(&key) {
                        return None;
                    }
                    seen.push(key);
                    set_event(event, key, value)?;
                }
                Section::Effect => {
                    if seen.contains(&key) {
                        return None;
                    }
                    seen.push(key);
                    set_effect(event.effects.last_mut()?, key, value)?;
                }
            }
        }
        if events.is_empty() || !complete(&section, &seen) {
            return None;
        }
        let mut out = Vec::with_capacity(events.len());
        for (start, end, e) in events {
            // Every event has the keys every event has.
            if e.time.is_empty() || e.event.is_empty() {
                return None;
            }
            out.push(Spanned::new(start..end, e));
        }
        Some(out)
    }

    /// Whether a table had the keys it must have: those of `RawEvent` and
    /// `RawEffect` without a default.
    fn complete(section: &Section, seen: &[&str]) -> bool {
        let needed: &[&str] = match section {
            Section::Event => &["seq", "time", "actor", "event"],
            Section::Effect => &["item", "action"],
            Section::Computed => &[],
        };
        needed.iter().all(|k| seen.contains(k))
    }

    fn string(v: toml::Value) -> Option<String> {
        match v {
            toml::Value::String(s) => Some(s),
            _ => None,
        }
    }

    fn strings(v: toml::Value) -> Option<Vec<String>> {
        match v {
            toml::Value::Array(items) => items.into_iter().map(string).collect(),
            _ => None,
        }
    }

    fn integer(v: toml::Value) -> Option<i64> {
        match v {
            toml::Value::Integer(i) => Some(i),
            _ => None,
        }
    }

    fn set_event(e: &mut RawEvent, key: &str, v: toml::Value) -> Option<()> {
        match key {
            "seq" => e.seq = u64::try_from(integer(v)?).ok()?,
            "time" => e.time = string(v)?,
            "actor" => e.actor = string(v)?,
            "event" => e.event = string(v)?,
            "items" => e.items = strings(v)?,
            "item" => e.item = Some(string(v)?),
            "step" => e.step = Some(string(v)?),
            "decision" => e.decision = Some(string(v)?),
            "value" => e.value = Some(v),
            "criterion" => e.criterion = Some(string(v)?),
            "evidence" => e.evidence = Some(string(v)?),
            "note" => e.note = Some(string(v)?),
            "reason" => e.reason = Some(string(v)?),
            "undoes" => e.undoes = Some(super::Ref::Seq(u64::try_from(integer(v)?).ok()?)),
            "from" => e.from = Some(string(v)?),
            "to" => e.to = Some(string(v)?),
            "changes" => e.changes = strings(v)?,
            _ => return None,
        }
        Some(())
    }

    fn set_effect(e: &mut RawEffect, key: &str, v: toml::Value) -> Option<()> {
        match key {
            "item" => e.item = string(v)?,
            "action" => e.action = string(v)?,
            "template" => e.template = Some(string(v)?),
            "to" => e.to = Some(string(v)?),
            "role" => e.role = Some(string(v)?),
            "field" => e.field = Some(string(v)?),
            "value" => e.value = Some(v),
            "task" => e.task = Some(u32::try_from(integer(v)?).ok()?),
            "criterion" => e.criterion = Some(string(v)?),
            _ => return None,
        }
        Some(())
    }

    /// A whole one-line value.
    fn parse_value(s: &str) -> Option<toml::Value> {
        let (v, rest) = value(s)?;
        rest.trim_matches(WS).is_empty().then_some(v)
    }

    fn value(s: &str) -> Option<(toml::Value, &str)> {
        let b = s.as_bytes();
        match b.first()? {
            b'"' if !s.starts_with("\"\"\"") => {
                let (t, rest) = basic(&s[1..])?;
                Some((toml::Value::String(t), rest))
            }
            b'\'' if !s.starts_with("\'\'\'") => {
                let end = s[1..].find('\'')?;
                let t = &s[1..1 + end];
                // TOML allows no control character but a tab in it.
                if t.chars().any(|c| c.is_control() && c != '\t') {
                    return None;
                }
                Some((toml::Value::String(t.to_string()), &s[end + 2..]))
            }
            b'[' => {
                let mut items = Vec::new();
                let mut rest = s[1..].trim_start_matches(WS);
                if let Some(r) = rest.strip_prefix(']') {
                    return Some((toml::Value::Array(items), r));
                }
                loop {
                    let (v, r) = value(rest)?;
                    if !matches!(v, toml::Value::String(_)) {
                        return None;
                    }
                    items.push(v);
                    let r = r.trim_start_matches(WS);
                    if let Some(r) = r.strip_prefix(']') {
                        return Some((toml::Value::Array(items), r));
                    }
                    rest = r.strip_prefix(',')?.trim_start_matches(WS);
                }
            }
            _ => {
                let end = s.find([',', ']']).unwrap_or(s.len());
                let word = s[..end].trim_end_matches(WS);
                let rest = &s[word.len()..];
                let v = match word {
                    "true" => toml::Value::Boolean(true),
                    "false" => toml::Value::Boolean(false),
                    w if w.len() == 10 && w.as_bytes()[4] == b'-' && w.as_bytes()[7] == b'-' => {
                        toml::Value::Datetime(w.parse().ok()?)
                    }
                    w if !w.is_empty()
                        && w.trim_start_matches('-')
                            .bytes()
                            .all(|b| b.is_ascii_digit())
                        && !w.trim_start_matches('-').is_empty()
                        // TOML writes no leading zero.
                        && (w.trim_start_matches('-').len() == 1
                            || !w.trim_start_matches('-').starts_with('0')) =>
                    {
                        toml::Value::Integer(w.parse().ok()?)
                    }
                    _ => return None,
                };
                Some((v, rest))
            }
        }
    }

    /// The rest of a basic string after its opening quote.
    fn basic(s: &str) -> Option<(String, &str)> {
        // Most strings have no escape: copy them whole.
        if let Some(end) = s.find(['"', '\\'])
            && s.as_bytes()[end] == b'"'
            && !s[..end].bytes().any(|b| b.is_ascii_control() && b != b'\t')
        {
            return Some((s[..end].to_string(), &s[end + 1..]));
        }
        let mut out = String::new();
        let mut chars = s.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Some((out, &s[i + 1..])),
                '\\' => {
                    let (_, e) = chars.next()?;
                    match e {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'e' => out.push('\u{1b}'),
                        'u' | 'U' => {
                            let n = if e == 'u' { 4 } else { 8 };
                            let mut hex = String::new();
                            for _ in 0..n {
                                hex.push(chars.next()?.1);
                            }
                            // `from_str_radix` takes a sign; TOML does not.
                            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                                return None;
                            }
                            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        }
                        _ => return None,
                    }
                }
                c if c.is_control() && c != '\t' => return None,
                c => out.push(c),
            }
        }
        None
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn values_as_written() {
            for (text, value) in [
                (
                    "\"a \\\"b\\\" \\u00e9\"",
                    toml::Value::String("a \"b\" é".into()),
                ),
                ("'lit \"x\"'", toml::Value::String("lit \"x\"".into())),
                ("12", toml::Value::Integer(12)),
                ("-3", toml::Value::Integer(-3)),
                ("true", toml::Value::Boolean(true)),
                (
                    "[\"a\", 'b']",
                    toml::Value::Array(vec!["a".into(), "b".into()]),
                ),
                ("[]", toml::Value::Array(vec![])),
            ] {
                assert_eq!(super::parse_value(text), Some(value), "{text}");
            }
            assert!(matches!(
                super::parse_value("2027-12-31"),
                Some(toml::Value::Datetime(_))
            ));
            for bad in ["\"open", "1.5", "x", "[1]", "\"a\" b", "\"\"\"m\"\"\""] {
                assert_eq!(super::parse_value(bad), None, "{bad}");
            }
        }
    }
}
