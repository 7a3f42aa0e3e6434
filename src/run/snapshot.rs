//! The `[state]` table of a state file: what the log adds up to, written
//! beside it so that a change need not read and replay every event.
//!
//! The table is a cache, never the truth: the log is. Its `seal` is a hash
//! of the state file's text as written and of the table itself (in that
//! order, so that a change that appends to the file hashes only what it
//! appends to what it read, `super::scan`), so a reader trusts
//! the table only while both are exactly what the last writer wrote. A
//! hand-edit of either breaks the seal, and the reader replays the log
//! instead (which also reports the fault, if the edit made one); the next
//! write seals a fresh table. The seal (xxh3, 64 bits) detects edits; it is
//! not a signature.
//!
//! The table holds the latest value of each key of the derived state, the
//! events in effect (as ranges), and how deep each stack of values is,
//! not the values below the latest: an undo reads from the log the event
//! it takes back and the value that event covered
//! (`StateFile::prepare_undo`), never the whole log.

use super::engine::decision_type;
use super::engine::{Derived, Run};
use super::value;
use super::value::{field_type, typed_value};
use crate::eval::Value;
use crate::ir::Playbook;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use xxhash_rust::xxh3::Xxh3;

/// The hash a seal starts from: of a state file's whole `text`.
pub fn hash_of(text: &str) -> Xxh3 {
    let mut hasher = Xxh3::new();
    hasher.update(text.as_bytes());
    hasher
}

/// The `[state]` table as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Snapshot {
    /// The number of events it adds up.
    pub serial: u64,
    /// The time of the latest of them.
    pub last: String,
    /// `xxh3:` and 16 hex digits: the hash of the state file's whole text
    /// followed by this table (with an empty seal).
    #[serde(default)]
    pub seal: String,
    /// The events in effect, as ranges of `seq`: `1-8,10-12`.
    #[serde(default)]
    effective: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unmapped: Vec<u64>,
    /// How many values an undo can go back through, for each evidence
    /// (`recorded:ID`), field (`field:ID`) and task (`task:N`) that has
    /// more than one; the table holds only the latest.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    depth: BTreeMap<String, u64>,
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
    /// The state of `run`, sealed with `text`: the hash of the state
    /// file's whole text as it will be written ([`hash_of`]).
    pub fn of(run: &Run<'_>, text: &Xxh3) -> Snapshot {
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
            effective: ranges(s.effective.iter().map(|&i| i as u64 + 1)),
            unmapped: s.unmapped.clone(),
            depth: s
                .recorded
                .iter()
                .map(|(k, v)| (format!("recorded:{k}"), v.len()))
                .chain(
                    s.fields
                        .iter()
                        .map(|(k, v)| (format!("field:{k}"), v.len())),
                )
                .chain(s.tasks.iter().map(|(k, v)| (format!("task:{k}"), v.len())))
                .map(|(k, n)| {
                    let below = s.hidden.get(&k).copied().unwrap_or(0);
                    (k, n + below)
                })
                .filter(|(_, n)| *n > 1)
                .map(|(k, n)| (k, n as u64))
                .collect(),
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
        snapshot.seal = snapshot.digest(text);
        snapshot
    }

    /// Whether the seal matches this table and `log`.
    pub fn holds_for(&self, text: &Xxh3) -> bool {
        !self.seal.is_empty() && self.seal == self.digest(text)
    }

    /// The seal: `text` (the hash of the state file's whole text so far)
    /// fed this table with an empty seal.
    fn digest(&self, text: &Xxh3) -> String {
        let unsealed = Snapshot {
            seal: String::new(),
            ..self.clone()
        };
        let table = toml::to_string(&unsealed).unwrap_or_default();
        let mut hasher = text.clone();
        hasher.update(table.as_bytes());
        format!("xxh3:{:016x}", hasher.digest())
    }

    /// The run's state, typed by `model`; `None` when anything in the table
    /// does not fit the model (the caller then replays the log). With
    /// `undo`, each stack holds a placeholder for every value below its
    /// latest that an undo can go back to; without, only their number
    /// (`Derived::hidden`), for a change that undoes nothing.
    pub fn resume(&self, model: &Playbook, undo: bool) -> Option<Resumed> {
        let mut lets = BTreeMap::new();
        for (k, v) in &self.lets {
            let ty = model.lets.iter().find(|l| &l.id == k).map(|l| &l.ty);
            lets.insert(k.clone(), typed_value(model, ty, v).ok()?);
        }
        let mut state = Derived {
            done: self.done.clone(),
            completed: self.completed.clone(),
            unmapped: self.unmapped.clone(),
            effective: indices(&self.effective)?,
            ..Derived::default()
        };
        // Below each latest value, as many placeholders as the values an
        // undo can go back through; `StateFile::prepare_undo` reads the one
        // an undo uncovers from the log.
        let mut hidden = BTreeMap::new();
        let mut below = |key: String| {
            let n = self
                .depth
                .get(&key)
                .map_or(0, |d| d.saturating_sub(1) as usize);
            if undo {
                return n;
            }
            if n > 0 {
                hidden.insert(key, n);
            }
            0
        };
        for (task, seq) in &self.tasks {
            let mut stack = vec![0; below(format!("task:{task}"))];
            stack.push(*seq);
            state.tasks.insert(task.parse().ok()?, stack);
        }
        for (k, a) in &self.answers {
            let v = typed_value(model, decision_type(model, k), &a.value).ok()?;
            state.answers.insert(k.clone(), (v, a.seq));
        }
        for (k, f) in &self.fields {
            let v = typed_value(model, field_type(model, k), &f.value).ok()?;
            let mut stack = vec![(Value::Bool(false), 0); below(format!("field:{k}"))];
            stack.push((v, f.seq));
            state.fields.insert(k.clone(), stack);
        }
        for (k, r) in &self.recorded {
            let mut stack = vec![(String::new(), 0); below(format!("recorded:{k}"))];
            stack.push((r.evidence.clone(), r.seq));
            state.recorded.insert(k.clone(), stack);
        }
        for (k, r) in &self.skipped {
            state.skipped.insert(k.clone(), (r.reason.clone(), r.seq));
        }
        state.hidden = hidden;
        Some(Resumed {
            lets,
            state,
            serial: self.serial,
            last: self.last.parse().ok()?,
        })
    }
}

/// `1-8,10,12-13` from ascending numbers.
fn ranges(seqs: impl Iterator<Item = u64>) -> String {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for n in seqs {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => out.push((n, n)),
        }
    }
    out.iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The log indices (`seq - 1`) of `1-8,10`; `None` if it is not such a list.
fn indices(ranges: &str) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for part in ranges.split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let (a, b): (usize, usize) = (a.parse().ok()?, b.parse().ok()?);
        if a == 0 || b < a || out.last().is_some_and(|&l| l + 1 >= a) {
            return None;
        }
        out.extend(a - 1..b);
    }
    Some(out)
}
