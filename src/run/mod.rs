//! Running a compiled playbook: a resumable, audited run.
//!
//! A run is its inputs and an append-only log of events ([`event`]); its
//! state is what the events in effect add up to, and what that state means
//! for each step and item is the view ([`engine`]). The state file
//! ([`state`]) is the log written as TOML; the report ([`report`]) is the
//! audit document; [`migrate`] plans the move to a changed playbook.
//! [`session`] is the change sequence every front end calls: lock, read,
//! replay, apply one command, append, seal, replace.
//!
//! **Architecture invariant: the run core does no I/O.** Time comes in as a
//! [`engine::Now`]; reading, locking and writing state files is
//! `crate::run_store`'s job, called only from [`session`], and talking to
//! people is `cli/run/`'s.

mod canonical;
pub mod engine;
pub mod event;
pub mod migrate;
pub mod pin;
pub mod report;
pub mod scan;
pub mod session;
pub mod snapshot;
pub mod sources;
pub mod state;
pub mod text;
pub mod value;

pub use engine::{Now, Run, RunError, View};
pub use event::{Effect, Event, EventKind};

#[cfg(test)]
mod tests;
