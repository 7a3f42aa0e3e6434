//! Makes many changes to a run in a row, each through
//! `playbook::run::session` as `playbook run record` makes it (the lock,
//! reading the file through its sealed table, the change, the atomic
//! replace); the playbook is compiled once. `bench/run-change.sh` builds
//! its long log with it.
//!
//! ```text
//! cargo run --release --example run_writes -- STATE WRITES [ACTOR]
//! ```
//!
//! Each write records the evidence of the playbook's first criterion again
//! (recording evidence again amends it).

use playbook::run::Now;
use playbook::run::session::{Command, Locked, Opened};
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(state), Some(writes)) = (args.next(), args.next()) else {
        eprintln!("usage: run_writes STATE WRITES [ACTOR]");
        std::process::exit(2);
    };
    let state = PathBuf::from(state);
    let writes: u64 = writes.parse().expect("WRITES is a number");
    let actor = args.next().unwrap_or_else(|| "bench".to_string());
    let opened = Opened::read(&state, None).unwrap_or_else(|e| panic!("{e:?}"));
    let model = &opened.model;
    let criterion = model.criteria.first().expect("a criterion").id.clone();
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    for i in 0..writes {
        let now = Now {
            time: jiff::Timestamp::now(),
            today,
        };
        let record = Command::Record {
            criterion: criterion.clone(),
            evidence: format!("write {i}"),
        };
        Locked::acquire(&state, &actor, now.time)
            .and_then(|locked| locked.change_with(model, &record, now, &actor))
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
}
