//! The state file of a run: human-readable TOML, read and written here as
//! text (the disk is `crate::run_store`'s business).
//!
//! ```toml
//! schema = 1
//! playbook = "engagement-completion-enablement"
//! name = "contoso"
//! source = "/path/to/engagement-completion-enablement.playbook"
//! fingerprint = "sha256:..."
//! lineage = "4f1c..."
//! serial = 3
//!
//! [inputs]
//! seats = 1500
//!
//! [[model.step]]            # what the playbook was, for `run migrate`
//! id = "prepare"
//! ...
//!
//! [state]                   # what the log adds up to (`super::snapshot`)
//! serial = 3
//! seal = "xxh3:..."
//! ...
//!
//! [pin]                     # the compiled model itself (`super::pin`)
//! encoding = "json+zlib+base64"
//! model = "eNrt..."
//!
//! [[event]]                 # the append-only log
//! seq = 1
//! time = "2026-11-24T09:00:00Z"
//! actor = "ana"
//! event = "start"
//! ```
//!
//! A file that is not what this module writes is refused with a
//! [`Fault`] that points at the fault; it is never repaired.

use super::engine::Run;
use super::engine::decision_type;
use super::event::{Effect, Event, EventKind};
use super::pin::Pin;
pub use super::pin::{fingerprint, normalised_json};
use super::snapshot::Snapshot;
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

/// The version of the state file format this build reads and writes.
pub const SCHEMA: u32 = 1;

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
    serial: Spanned<u64>,
    #[serde(default)]
    inputs: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    model: Manifest,
    #[serde(default)]
    state: Option<Snapshot>,
    #[serde(default)]
    pin: Option<Pin>,
    #[serde(default, rename = "event")]
    events: Vec<Spanned<RawEvent>>,
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
    serial: u64,
    inputs: BTreeMap<&'a str, toml::Value>,
    model: &'a Manifest,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a Snapshot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pin: Option<&'a Pin>,
}

/// An event as written: one flat table, the keys its kind uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    seq: u64,
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
    undoes: Option<u64>,
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
    pub source: String,
    pub fingerprint: String,
    pub lineage: String,
    pub serial: u64,
    pub manifest: Manifest,
    inputs: BTreeMap<String, Spanned<toml::Value>>,
    /// The log's events; empty when the file was read through its sealed
    /// snapshot ([`StateFile::parse_sealed`]).
    events: Vec<Spanned<RawEvent>>,
    /// The sealed `[state]` table to write, or the one read and trusted.
    snapshot: Option<Snapshot>,
    /// The compiled model the run follows (`super::pin`); `None` in a file
    /// written before pins existed, until its next change.
    pub pin: Option<Pin>,
    /// The log as text: a newline, then from the first `[[event]]` to the end.
    log_text: String,
    /// The text the file was read from (empty for a new file), for faults.
    text: String,
}

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
            snapshot: None,
            pin: Some(Pin::of(run.model)),
            log_text: String::new(),
            text: String::new(),
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

    /// Whether the file was read through its snapshot, without its events
    /// (see [`StateFile::parse_sealed`]).
    pub fn is_sealed_read(&self) -> bool {
        self.events.is_empty() && self.serial > 0
    }

    /// Writes `run`'s state beside the log, sealed with it, so that the
    /// next change can skip the log. Call after the run's last append.
    pub fn seal(&mut self, run: &Run<'_>) {
        self.snapshot = Some(Snapshot::of(run, &self.log_text[1..]));
    }

    /// Appends an event to the log; the serial grows with it.
    pub fn append(&mut self, event: &Event) -> Result<(), String> {
        let raw = raw_event(event);
        #[derive(Serialize)]
        struct One<'a> {
            event: [&'a RawEvent; 1],
        }
        let text = toml::to_string(&One { event: [&raw] }).map_err(|e| e.to_string())?;
        self.log_text.push('\n');
        self.log_text.push_str(&text);
        self.events.push(Spanned::new(0..0, raw));
        self.serial += 1;
        // The snapshot no longer adds up the log: `seal` writes a new one.
        self.snapshot = None;
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
        let header = HeaderOut {
            schema: SCHEMA,
            playbook: &self.playbook,
            name: &self.name,
            owner: self.owner.as_deref(),
            locale: self.locale.as_deref(),
            source: &self.source,
            fingerprint: &self.fingerprint,
            lineage: &self.lineage,
            serial: self.serial,
            inputs: self
                .inputs
                .iter()
                .map(|(k, v)| (k.as_str(), v.get_ref().clone()))
                .collect(),
            model: &self.manifest,
            state: self.snapshot.as_ref(),
            pin: self.pin.as_ref(),
        };
        let head = toml::to_string(&header).map_err(|e| e.to_string())?;
        let mut out = String::with_capacity(head.len() + self.log_text.len() + 200);
        out.push_str(
            "# The state of a playbook run, written by `playbook run`. The events below are\n\
             # the run's audit log: append-only, newest last. See docs/run.md.\n",
        );
        out.push_str(&head);
        out.push_str(&self.log_text);
        Ok(out)
    }

    /// Reads a state file's text. Checks its shape only; [`StateFile::run`]
    /// checks it against the playbook.
    pub fn parse(text: &str) -> Result<StateFile, Fault> {
        StateFile::parse_with(text, true)
    }

    /// Reads a state file to change it. When its `[state]` table is sealed
    /// with the log as it stands (the last writer wrote both, and nobody
    /// edited either since), the events are not read: the run resumes from
    /// the table. Otherwise it is [`StateFile::parse`].
    pub fn parse_sealed(text: &str) -> Result<StateFile, Fault> {
        match StateFile::sealed(text) {
            Some(file) => file,
            None => StateFile::parse(text),
        }
    }

    fn sealed(text: &str) -> Option<Result<StateFile, Fault>> {
        let at = first_event_line(text)?;
        let header: Header = toml::from_str(&text[..at]).ok()?;
        let snapshot = header.state.as_ref()?;
        if !header.events.is_empty()
            || snapshot.serial == 0
            || snapshot.serial != *header.serial.get_ref()
            || !snapshot.holds_for(&text[at..])
        {
            return None;
        }
        if let Err(fault) = check_header(&header) {
            return Some(Err(fault));
        }
        Some(Ok(StateFile {
            playbook: header.playbook,
            name: header.name,
            owner: header.owner,
            locale: header.locale,
            source: header.source,
            fingerprint: header.fingerprint.into_inner(),
            lineage: header.lineage.into_inner(),
            serial: header.serial.into_inner(),
            manifest: header.model,
            inputs: header.inputs,
            events: Vec::new(),
            snapshot: header.state,
            pin: header.pin,
            log_text: format!("\n{}", &text[at..]),
            text: text.to_string(),
        }))
    }

    /// [`StateFile::parse`], with or without the fast scanner of the log.
    pub fn parse_with(text: &str, scanner: bool) -> Result<StateFile, Fault> {
        let toml_error = |e: toml::de::Error| {
            let span = e.span().unwrap_or(0..text.len().min(1));
            Fault::new(
                span,
                format!("the state file is not valid: {}", first_line(e.message())),
                "here",
            )
        };
        // The log as this module writes it is read by a scanner that takes
        // a fraction of the time of a TOML parser; a log written otherwise
        // (by hand) is read by the TOML parser, which also names the fault.
        let fast = first_event_line(text).filter(|_| scanner).and_then(|at| {
            let log = fast::log(text, at)?;
            let header: Header = toml::from_str(&text[..at]).ok()?;
            header.events.is_empty().then_some((header, log))
        });
        // Only a log the scanner read is known to hold nothing but events.
        let scanned = fast.is_some();
        let header = match fast {
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
        if header.events.is_empty() {
            return Err(Fault::new(
                0..text.len().min(1),
                "the state file has no events: every run starts with a `start` event",
                "no `[[event]]`",
            ));
        }
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
        let serial = *header.serial.get_ref();
        if serial != header.events.len() as u64 {
            return Err(Fault::new(
                header.serial.span(),
                format!(
                    "the serial is {serial}, but the log holds {} events",
                    header.events.len()
                ),
                "does not match the log",
            ));
        }
        // Keep the log's text to write it back as it is.
        let log_start = header
            .events
            .first()
            .map(|e| e.span().start)
            .unwrap_or(text.len());
        Ok(StateFile {
            playbook: header.playbook,
            name: header.name,
            owner: header.owner,
            locale: header.locale,
            source: header.source,
            fingerprint: header.fingerprint.into_inner(),
            lineage: header.lineage.into_inner(),
            serial,
            manifest: header.model,
            inputs: header.inputs,
            events: header.events,
            snapshot: None,
            pin: header.pin,
            log_text: text[log_start..].trim_end().to_string() + "\n",
            text: text.to_string(),
        })
        .map(|mut f| {
            // The log text must hold the log only; a hand-edited layout
            // (comments, other tables between events, which written back
            // after the header would define them twice) is written anew.
            if !scanned || !f.log_text.starts_with("[[event]]") {
                f.log_text = f.render_log();
            } else {
                f.log_text.insert(0, '\n');
            }
            f
        })
    }

    fn render_log(&self) -> String {
        let mut out = String::new();
        #[derive(Serialize)]
        struct One<'a> {
            event: [&'a RawEvent; 1],
        }
        for e in &self.events {
            out.push('\n');
            out.push_str(
                &toml::to_string(&One {
                    event: [e.get_ref()],
                })
                .unwrap_or_default(),
            );
        }
        out
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
            let resumed = self.snapshot.as_ref().and_then(|s| s.resume(model));
            return match resumed {
                Some(r) => Ok(Run::resume(
                    model, inputs, r.lets, r.state, r.serial, r.last,
                )),
                // A table that does not fit the model: the log decides.
                None => StateFile::parse(&self.text)?.run(model),
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
        let starts: Vec<usize> = self
            .log_text
            .match_indices("\n[[event]]\n")
            .map(|(at, _)| at + 1)
            .collect();
        if starts.len() as u64 != self.serial {
            return false;
        }
        let slice = |i: usize| -> &str {
            let end = starts.get(i + 1).copied().unwrap_or(self.log_text.len());
            &self.log_text[starts[i]..end]
        };
        let event = |i: usize| -> Option<Event> {
            let raw = fast::log(slice(i), 0)?;
            let [raw] = raw.as_slice() else { return None };
            typed_event(model, raw.get_ref(), true).ok()
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
    if *header.schema.get_ref() != SCHEMA {
        return Err(Fault::new(
            header.schema.span(),
            format!(
                "the state file has schema version {}, and this build reads version {SCHEMA}",
                header.schema.get_ref()
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
        EventKind::Undo { undoes } => raw.undoes = Some(*undoes),
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
            undoes: raw.undoes.ok_or_else(|| missing("undoes"))?,
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
            "undoes" => e.undoes = Some(u64::try_from(integer(v)?).ok()?),
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
