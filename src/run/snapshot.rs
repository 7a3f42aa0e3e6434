//! The `[state]` table of a state file: what the log adds up to, written
//! beside it so that a change need not read and replay every event.
//!
//! The table is a cache, never the truth: the log is. Its `seal` is a hash
//! of the table itself and of the log's text as written, so a reader trusts
//! the table only while both are exactly what the last writer wrote. A
//! hand-edit of either breaks the seal, and the reader replays the log
//! instead (which also reports the fault, if the edit made one); the next
//! write seals a fresh table. The seal (xxh3, 64 bits) detects edits; it is
//! not a signature.
//!
//! The table holds the latest value of each key of the derived state, not
//! the stacks that `undo` pops: an undo reads the whole log.

use super::engine::{Derived, Run};
use super::state::{decision_type, field_type, typed_value};
use super::value;
use crate::eval::Value;
use crate::ir::Playbook;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `[state]` table as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Snapshot {
    /// The number of events it adds up.
    pub serial: u64,
    /// The time of the latest of them.
    pub last: String,
    /// `xxh3:` and 16 hex digits: the hash of this table (with an empty
    /// seal) followed by the log's text.
    #[serde(default)]
    pub seal: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unmapped: Vec<u64>,
    /// Item and step ids, and task numbers, with the event that did them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    done: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    completed: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    tasks: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    lets: BTreeMap<String, toml::Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    answers: BTreeMap<String, Stamped>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    fields: BTreeMap<String, Stamped>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    recorded: BTreeMap<String, Evidence>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    skipped: BTreeMap<String, Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stamped {
    value: toml::Value,
    seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Evidence {
    evidence: String,
    seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    reason: String,
    seq: u64,
}

/// A run as a snapshot can give it back: definitions, state, the number of
/// events and the time of the latest.
pub struct Resumed {
    pub lets: BTreeMap<String, Value>,
    pub state: Derived,
    pub serial: u64,
    pub last: jiff::Timestamp,
}

impl Snapshot {
    /// The state of `run`, sealed with `log`, the log's text as it will be
    /// written (from its first `[[event]]` to the end of the file).
    pub fn of(run: &Run<'_>, log: &str) -> Snapshot {
        let s = &run.state;
        let top = |stack: &Vec<(Value, u64)>| {
            stack.last().map(|(v, seq)| Stamped {
                value: value::to_toml(v),
                seq: *seq,
            })
        };
        let mut snapshot = Snapshot {
            serial: run.serial(),
            last: run.last_time().map(|t| t.to_string()).unwrap_or_default(),
            seal: String::new(),
            unmapped: s.unmapped.clone(),
            done: s.done.clone(),
            completed: s.completed.clone(),
            tasks: s
                .tasks
                .iter()
                .filter_map(|(task, stack)| Some((task.to_string(), *stack.last()?)))
                .collect(),
            lets: run
                .lets()
                .iter()
                .map(|(k, v)| (k.clone(), value::to_toml(v)))
                .collect(),
            answers: s
                .answers
                .iter()
                .map(|(k, (v, seq))| {
                    let value = value::to_toml(v);
                    (k.clone(), Stamped { value, seq: *seq })
                })
                .collect(),
            fields: s
                .fields
                .iter()
                .filter_map(|(k, stack)| Some((k.clone(), top(stack)?)))
                .collect(),
            recorded: s
                .recorded
                .iter()
                .filter_map(|(k, stack)| {
                    let (evidence, seq) = stack.last()?;
                    let evidence = evidence.clone();
                    Some((
                        k.clone(),
                        Evidence {
                            evidence,
                            seq: *seq,
                        },
                    ))
                })
                .collect(),
            skipped: s
                .skipped
                .iter()
                .map(|(k, (reason, seq))| {
                    let reason = reason.clone();
                    (k.clone(), Reason { reason, seq: *seq })
                })
                .collect(),
        };
        snapshot.seal = snapshot.digest(log);
        snapshot
    }

    /// Whether the seal matches this table and `log`.
    pub fn holds_for(&self, log: &str) -> bool {
        !self.seal.is_empty() && self.seal == self.digest(log)
    }

    fn digest(&self, log: &str) -> String {
        let unsealed = Snapshot {
            seal: String::new(),
            ..self.clone()
        };
        let table = toml::to_string(&unsealed).unwrap_or_default();
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(table.as_bytes());
        hasher.update(log.as_bytes());
        format!("xxh3:{:016x}", hasher.digest())
    }

    /// The run's state, typed by `model`; `None` when anything in the table
    /// does not fit the model (the caller then replays the log).
    pub fn resume(&self, model: &Playbook) -> Option<Resumed> {
        let mut lets = BTreeMap::new();
        for (k, v) in &self.lets {
            let ty = model.lets.iter().find(|l| &l.id == k).map(|l| &l.ty);
            lets.insert(k.clone(), typed_value(model, ty, v).ok()?);
        }
        let mut state = Derived {
            done: self.done.clone(),
            completed: self.completed.clone(),
            unmapped: self.unmapped.clone(),
            ..Derived::default()
        };
        for (task, seq) in &self.tasks {
            state.tasks.insert(task.parse().ok()?, vec![*seq]);
        }
        for (k, a) in &self.answers {
            let v = typed_value(model, decision_type(model, k), &a.value).ok()?;
            state.answers.insert(k.clone(), (v, a.seq));
        }
        for (k, f) in &self.fields {
            let v = typed_value(model, field_type(model, k), &f.value).ok()?;
            state.fields.insert(k.clone(), vec![(v, f.seq)]);
        }
        for (k, r) in &self.recorded {
            let entry = vec![(r.evidence.clone(), r.seq)];
            state.recorded.insert(k.clone(), entry);
        }
        for (k, r) in &self.skipped {
            state.skipped.insert(k.clone(), (r.reason.clone(), r.seq));
        }
        Some(Resumed {
            lets,
            state,
            serial: self.serial,
            last: self.last.parse().ok()?,
        })
    }
}
