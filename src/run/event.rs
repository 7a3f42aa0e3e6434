//! The events of a run's log. The log is append-only: an `undo` is an event
//! too, and the current state is what the events in effect add up to.

use crate::eval::Value;

/// One entry of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// 1 for the start, then one more per event.
    pub seq: u64,
    pub time: jiff::Timestamp,
    pub actor: String,
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The run started; the definitions (`let`) as computed then.
    Start { computed: Vec<(String, Value)> },
    /// Instructions carried out, with what their actions did.
    Done {
        items: Vec<String>,
        note: Option<String>,
        effects: Vec<Effect>,
    },
    /// A decision answered.
    Answer { decision: String, value: Value },
    /// The evidence of a criterion: what was written in its note.
    Record { criterion: String, evidence: String },
    /// A step finished.
    Complete { step: String },
    /// An optional instruction left out, and why.
    Skip { item: String, reason: String },
    /// The event with this `seq` is no longer in effect.
    Undo { undoes: u64 },
    /// The run moved to another version of its playbook.
    Migrate {
        from: String,
        to: String,
        changes: Vec<String>,
    },
}

impl EventKind {
    /// The name of the event in the state file.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Start { .. } => "start",
            EventKind::Done { .. } => "done",
            EventKind::Answer { .. } => "answer",
            EventKind::Record { .. } => "record",
            EventKind::Complete { .. } => "complete",
            EventKind::Skip { .. } => "skip",
            EventKind::Undo { .. } => "undo",
            EventKind::Migrate { .. } => "migrate",
        }
    }
}

/// What an action of an instruction did when the instruction was done,
/// with the values computed at that moment.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// `send TEMPLATE to ROLE`.
    Send {
        item: String,
        template: String,
        to: String,
    },
    /// `set FIELD = EXPR`, with the value computed.
    Set {
        item: String,
        field: String,
        value: Value,
    },
    /// `request ROLE [to set FIELD = EXPR]`, with the value computed.
    Request {
        item: String,
        role: String,
        field: Option<(String, Value)>,
    },
    /// `complete task NUMBER`.
    CompleteTask { item: String, task: u32 },
    /// `record CRITERION`.
    Record { item: String, criterion: String },
}

impl Effect {
    pub fn item(&self) -> &str {
        match self {
            Effect::Send { item, .. }
            | Effect::Set { item, .. }
            | Effect::Request { item, .. }
            | Effect::CompleteTask { item, .. }
            | Effect::Record { item, .. } => item,
        }
    }
}
