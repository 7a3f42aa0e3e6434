//! Unit tests of the run core on small in-memory playbooks.

use super::engine::{Blocker, ItemKind, ItemStatus, Now, Run, StepStatus, parse_inputs};
use super::event::{Effect, EventKind};
use crate::eval::Value;
use crate::ir::Playbook;

const CLOSE: &str = r#"
playbook close {
  title "Close"
  role fm "FastTrack Manager"
  role assignment-team "Assignment team"
  note ftop "FTOP"
  service exchange "Exchange Online"
  service teams "Microsoft Teams"
  enum region "Region" { americas apj emea }
  enum queue "Queue" { q-americas q-apj q-emea }
  field next-action-date: date "Next action date"
  field tenant-queue: queue "Queue"
  input region: region "Region"
  input known: bool "Known"
  input services: set of service "Services"
  let queue-of: queue = match region { americas => q-americas, apj => q-apj, emea => q-emea }
  task 7 "Done" mandatory owner fm

  step prepare "Prepare" {
    owner fm
    entry ready "The customer is ready" in ftop
    do think "Think."
    if known {
      do email "Email the team."
    } else {
      do note-down "Note that no team is known."
    }
    do extra "Something optional." optional
    exit prepared "Prepared" in ftop
  }

  step teams-only "Teams" {
    owner fm
    applies to teams
    after prepare
    do teams-thing "Teams."
  }

  step conduct "Conduct" {
    owner fm
    with assignment-team
    after prepare
    for each workload in services {
      do review "Review {workload}."
    }
    do ask-more "Ask." {
      ask more: bool "More?"
      if more {
        do demo "Demo."
      }
    }
    do set-date "Set the date." {
      set next-action-date = december 31 of (year of today + 1)
    }
    do move "Move." {
      request assignment-team to set tenant-queue = queue-of
      complete task 7
    }
    exit listed "Listed" in ftop when more
  }
}
"#;

fn model() -> Playbook {
    let c = crate::compile_str("close.playbook", CLOSE);
    let errors: Vec<String> = c
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    c.model.unwrap_or_else(|| panic!("compiles: {errors:?}"))
}

fn now(day: &str) -> Now {
    let today: jiff::civil::Date = day.parse().expect("a date");
    Now {
        time: jiff::tz::TimeZone::UTC
            .to_timestamp(today.to_datetime(jiff::civil::Time::midnight()))
            .expect("a time"),
        today,
    }
}

fn inputs(m: &Playbook, given: &[(&str, &str)]) -> std::collections::BTreeMap<String, Value> {
    let given: Vec<(String, String)> = given
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    parse_inputs(m, &given).expect("valid inputs")
}

fn started<'m>(m: &'m Playbook, given: &[(&str, &str)]) -> Run<'m> {
    Run::start(m, inputs(m, given), now("2026-11-24"), "ana").expect("starts")
}

const EMEA_BOTH: &[(&str, &str)] = &[
    ("region", "emea"),
    ("known", "true"),
    ("services", "exchange,teams"),
];

#[test]
fn missing_and_ill_typed_inputs_are_all_named() {
    let m = model();
    let given = vec![
        ("region".to_string(), "mars".to_string()),
        ("colour".to_string(), "red".to_string()),
    ];
    let errors = parse_inputs(&m, &given).expect_err("refused");
    let text = errors.join("\n");
    assert!(text.contains("`mars` is not a valid `region`"), "{text}");
    assert!(text.contains("`colour` is not an input"), "{text}");
    assert!(
        text.contains("input `known` (type `bool`) is missing"),
        "{text}"
    );
    assert!(
        text.contains("input `services` (type `set of service`) is missing"),
        "{text}"
    );
}

#[test]
fn entry_criteria_block_the_first_step_until_recorded() {
    let m = model();
    let mut run = started(&m, EMEA_BOTH);
    let view = run.view(now("2026-11-24").today);
    let prepare = view.step("prepare").expect("prepare");
    assert_eq!(prepare.status, StepStatus::Blocked);
    assert_eq!(prepare.blockers, vec![Blocker::Evidence("ready".into())]);
    let conduct = view.step("conduct").expect("conduct");
    assert_eq!(conduct.blockers, vec![Blocker::Step("prepare".into())]);
    let err = run
        .done(&["think".into()], None, now("2026-11-24"), "ana")
        .expect_err("blocked");
    assert!(err.to_string().contains("blocked"), "{err}");
    run.record("ready", "FTOP shows RFA", now("2026-11-24"), "ana")
        .expect("recorded");
    let view = run.view(now("2026-11-24").today);
    assert_eq!(view.step("prepare").expect("p").status, StepStatus::Ready);
    run.done(&["think".into()], None, now("2026-11-24"), "ana")
        .expect("done");
    let view = run.view(now("2026-11-24").today);
    assert_eq!(view.step("prepare").expect("p").status, StepStatus::Active);
}

#[test]
fn conditional_items_follow_the_inputs() {
    let m = model();
    for (known, present, absent) in [
        ("true", "email", "note-down"),
        ("false", "note-down", "email"),
    ] {
        let run = started(
            &m,
            &[("region", "apj"), ("known", known), ("services", "teams")],
        );
        let view = run.view(now("2026-11-24").today);
        let prepare = view.step("prepare").expect("prepare");
        assert!(
            prepare.item(present).is_some(),
            "{present} when known={known}"
        );
        assert!(
            prepare.item(absent).is_none(),
            "{absent} when known={known}"
        );
    }
}

#[test]
fn steps_for_other_services_are_skipped() {
    let m = model();
    let run = started(
        &m,
        &[
            ("region", "apj"),
            ("known", "true"),
            ("services", "exchange"),
        ],
    );
    let view = run.view(now("2026-11-24").today);
    assert_eq!(
        view.step("teams-only").expect("teams").status,
        StepStatus::Skipped
    );
}

fn finish_prepare(run: &mut Run<'_>) {
    let t = now("2026-11-24");
    run.record("ready", "FTOP shows RFA", t, "ana")
        .expect("ready");
    run.done(&["think".into(), "email".into()], None, t, "ana")
        .expect("done");
    run.record("prepared", "written", t, "ana")
        .expect("prepared");
    run.complete("prepare", t, "ana").expect("complete");
}

#[test]
fn for_each_is_expanded_and_what_follows_waits_for_the_last_element() {
    let m = model();
    let mut run = started(&m, EMEA_BOTH);
    finish_prepare(&mut run);
    let t = now("2026-11-25");
    let view = run.view(t.today);
    let conduct = view.step("conduct").expect("conduct");
    let reviews: Vec<&str> = conduct
        .items
        .iter()
        .filter(|i| i.id == "review")
        .map(|i| i.key.as_str())
        .collect();
    assert_eq!(reviews, ["review:exchange", "review:teams"]);
    let set_date = conduct.item("set-date").expect("set-date");
    assert_eq!(set_date.blockers, vec![Blocker::Loop("workload".into())]);
    let err = run
        .done(&["review".into()], None, t, "ana")
        .expect_err("needs an element");
    assert!(
        err.help
            .as_deref()
            .unwrap_or("")
            .contains("review:exchange"),
        "{err:?}"
    );
    run.done(&["review:exchange".into()], None, t, "ana")
        .expect("one");
    assert!(run.done(&["set-date".into()], None, t, "ana").is_err());
    run.done(&["review:teams".into()], None, t, "ana")
        .expect("two");
    run.done(&["set-date".into()], None, t, "ana")
        .expect("after the last element");
}

#[test]
fn actions_are_computed_when_done_and_recorded() {
    let m = model();
    let mut run = started(&m, EMEA_BOTH);
    finish_prepare(&mut run);
    let t = now("2026-11-25");
    run.done(
        &["review:exchange".into(), "review:teams".into()],
        None,
        t,
        "ana",
    )
    .expect("reviews");
    let event = run
        .done(&["set-date".into(), "move".into()], None, t, "bo")
        .expect("done")
        .clone();
    let EventKind::Done { effects, .. } = &event.kind else {
        panic!("a done event")
    };
    assert!(effects.contains(&Effect::Set {
        item: "set-date".into(),
        field: "next-action-date".into(),
        value: Value::Date("2027-12-31".parse().expect("date")),
    }));
    assert!(effects.contains(&Effect::Request {
        item: "move".into(),
        role: "assignment-team".into(),
        field: Some(("tenant-queue".into(), Value::Enum("q-emea".into()))),
    }));
    assert_eq!(event.actor, "bo");
    assert_eq!(
        run.next_action_date(),
        Some("2027-12-31".parse().expect("date"))
    );
    let view = run.view(t.today);
    assert_eq!(view.tasks, vec![(7, true)]);
}

#[test]
fn complete_lists_what_is_missing_and_decisions_open_branches() {
    let m = model();
    let mut run = started(&m, EMEA_BOTH);
    finish_prepare(&mut run);
    let t = now("2026-11-25");
    let err = run.complete("conduct", t, "ana").expect_err("refused");
    let missing = err.missing.join("\n");
    assert!(missing.contains("item `review:exchange`"), "{missing}");
    assert!(missing.contains("answer to decision `more`"), "{missing}");
    assert!(missing.contains("exit criterion `listed`"), "{missing}");
    let err = run
        .answer("more", "true", t, "ana")
        .expect_err("after the loop");
    assert_eq!(
        err.missing,
        ["not every `workload` of the loop is finished"]
    );
    run.done(
        &["review:exchange".into(), "review:teams".into()],
        None,
        t,
        "ana",
    )
    .expect("reviews");
    run.answer("more", "maybe", t, "ana")
        .expect_err("not a bool");
    run.answer("more", "yes", t, "ana").expect("answered");
    let view = run.view(t.today);
    let conduct = view.step("conduct").expect("conduct");
    assert!(conduct.item("demo").is_some());
    assert_eq!(
        conduct.item("ask-more").expect("group").kind,
        ItemKind::Group
    );
    run.done(
        &["demo".into(), "set-date".into(), "move".into()],
        None,
        t,
        "ana",
    )
    .expect("done");
    let err = run.complete("conduct", t, "ana").expect_err("evidence");
    assert_eq!(err.missing, ["evidence for exit criterion `listed`"]);
    run.record("listed", "listed in FTOP", t, "ana")
        .expect("recorded");
    run.complete("conduct", t, "ana").expect("complete");
    assert!(!run.view(t.today).complete, "teams-only is not done");
    run.done(&["teams-thing".into()], None, t, "ana")
        .expect("teams");
    run.complete("teams-only", t, "ana").expect("complete");
    let view = run.view(t.today);
    assert!(view.complete);
    assert_eq!(view.done, view.total);
}

#[test]
fn undo_takes_back_the_latest_change_and_skip_is_for_optional_items() {
    let m = model();
    let mut run = started(&m, EMEA_BOTH);
    let t = now("2026-11-24");
    run.record("ready", "FTOP", t, "ana").expect("ready");
    run.done(&["think".into()], None, t, "ana").expect("done");
    assert!(run.skip("think", "no", t, "ana").is_err());
    run.skip("extra", "not needed", t, "ana").expect("skipped");
    run.undo(t, "ana").expect("undo skip");
    run.undo(t, "ana").expect("undo done");
    let view = run.view(t.today);
    let prepare = view.step("prepare").expect("prepare");
    assert_eq!(
        prepare.item("think").expect("think").status,
        ItemStatus::Open
    );
    assert_eq!(
        prepare.item("extra").expect("extra").status,
        ItemStatus::Open
    );
    run.undo(t, "ana").expect("undo record");
    assert!(run.undo(t, "ana").is_err(), "the start cannot be undone");
    // The log keeps everything: start, 3 changes, 3 undos.
    assert_eq!(run.events.len(), 7);
    // Replaying the log gives the same state.
    let replayed = Run::replay(&m, run.inputs.clone(), run.events.clone()).expect("replays");
    assert_eq!(replayed.state.done, run.state.done);
    assert_eq!(replayed.state.recorded, run.state.recorded);
    assert!(replayed.state.recorded.is_empty());
}

#[test]
fn requires_refuses_a_run_it_does_not_apply_to() {
    let text = CLOSE.replace(
        "task 7 \"Done\"",
        "requires region != americas\n  task 7 \"Done\"",
    );
    let c = crate::compile_str("close.playbook", &text);
    let m = c
        .model
        .unwrap_or_else(|| panic!("compiles: {:?}", c.diagnostics));
    let err = Run::start(
        &m,
        inputs(
            &m,
            &[("region", "americas"), ("known", "false"), ("services", "")],
        ),
        now("2026-11-24"),
        "ana",
    )
    .expect_err("refused");
    assert!(err.message.contains("does not apply"), "{err}");
}

mod state_file {
    use super::*;
    use crate::run::state::StateFile;

    fn sample<'m>(m: &'m Playbook) -> (Run<'m>, StateFile) {
        let mut run = started(m, EMEA_BOTH);
        let mut file =
            StateFile::create(&run, "contoso", "close.playbook", "0123abcd").expect("file");
        let t = now("2026-11-24");
        run.record("ready", "FTOP shows \"RFA\"\nsecond line", t, "ana")
            .expect("ready");
        file.append(run.events.last().expect("event"))
            .expect("append");
        run.done(
            &["think".into(), "email".into()],
            Some("ok".into()),
            t,
            "ana",
        )
        .expect("done");
        file.append(run.events.last().expect("event"))
            .expect("append");
        run.undo(t, "bo").expect("undo");
        file.append(run.events.last().expect("event"))
            .expect("append");
        (run, file)
    }

    #[test]
    fn a_written_file_reads_back_as_the_same_run() {
        let m = model();
        let (run, file) = sample(&m);
        let text = file.to_text().expect("text");
        let read = StateFile::parse(&text).expect("parses");
        assert_eq!(read.serial, 4);
        assert!(text.contains("\nschema = 2\n"), "{text}");
        // One line per event, and nothing above the log that counts them.
        let log = &text[text.find("events = [\n").expect("a log")..];
        assert_eq!(log.lines().count(), 4 + 2, "{log}");
        assert!(!text.contains("serial"), "{text}");
        assert_eq!(read.lineage, "0123abcd");
        let again = read.run(&m).expect("replays");
        assert_eq!(again.events, run.events);
        assert_eq!(again.state.recorded, run.state.recorded);
        assert_eq!(again.inputs, run.inputs);
        // Appending keeps the old log byte for byte.
        assert_eq!(read.to_text().expect("text"), text);
    }

    /// The same file in schema 1's layout, as earlier builds wrote it:
    /// numbered `[[event]]` tables, a serial, an undo naming a number.
    fn as_schema_1(text: &str) -> String {
        let mut table: toml::Table = toml::from_str(text).expect("TOML");
        let log = table.remove("log").expect("a log");
        let events = log["events"].as_array().expect("events").clone();
        let ids: Vec<String> = events
            .iter()
            .map(|e| e["id"].as_str().expect("id").to_string())
            .collect();
        table.insert("schema".into(), 1.into());
        table.insert("serial".into(), (events.len() as i64).into());
        let mut out = toml::to_string(&table).expect("header");
        for (i, e) in events.into_iter().enumerate() {
            let mut e = e.as_table().expect("a table").clone();
            e.remove("id");
            if let Some(toml::Value::String(id)) = e.get("undoes").cloned() {
                let n = ids.iter().position(|i| *i == id).expect("named") + 1;
                e.insert("undoes".into(), (n as i64).into());
            }
            let mut one = toml::Table::new();
            one.insert("seq".into(), (i as i64 + 1).into());
            one.extend(e);
            let mut wrap = toml::Table::new();
            wrap.insert("event".into(), toml::Value::Array(vec![one.into()]));
            out.push('\n');
            out.push_str(&toml::to_string(&wrap).expect("event"));
        }
        out
    }

    #[test]
    fn a_schema_1_file_is_the_same_run_and_is_written_as_schema_2_byte_for_byte() {
        let m = model();
        let (mut run, mut file) = sample(&m);
        let t = now("2026-11-25");
        // Values of every kind: quotes, backslashes, non-ASCII, dates, sets.
        run.record("ready", "it's \"quoted\" \\ and 中文 \u{7}", t, "o'brien")
            .expect("record");
        file.append(run.events.last().expect("event"))
            .expect("append");
        let text = file.to_text().expect("text");
        let old = as_schema_1(&text);
        assert!(
            old.contains("[[event]]") && old.contains("seq = 4\n"),
            "{old}"
        );
        assert!(old.contains("undoes = 3\n"), "{old}");
        // Read by the scanner and by the TOML parser alike.
        for scanner in [true, false] {
            let read = StateFile::parse_with(&old, scanner).expect("reads schema 1");
            assert_eq!(read.run(&m).expect("replays").events, run.events);
            // Written anew, the ids are those the events had when written:
            // two clones converting the same file write the same lines.
            assert_eq!(read.to_text().expect("text"), text, "scanner: {scanner}");
        }
    }

    #[test]
    fn a_line_repeated_by_a_merge_counts_once_and_two_events_with_one_id_are_refused() {
        let m = model();
        let (run, file) = sample(&m);
        let text = file.to_text().expect("text");
        let start = text.find("events = [\n").expect("a log") + "events = [\n".len();
        let line_2 = text[start..].lines().nth(1).expect("event 2").to_string();
        let repeated = text.replacen(&line_2, &format!("{line_2}\n{line_2}"), 1);
        let read = StateFile::parse(&repeated).expect("reads");
        assert_eq!(read.serial, 4);
        assert_eq!(read.run(&m).expect("replays").events, run.events);
        assert_eq!(read.to_text().expect("text"), text);
        let forged = line_2.replace("FTOP shows", "FTOP forged");
        let twice = text.replacen(&line_2, &format!("{line_2}\n{forged}"), 1);
        let fault = StateFile::parse(&twice).expect_err("refused");
        assert!(
            fault.message.contains("two different events have id"),
            "{fault:?}"
        );
        assert!(
            twice[fault.span.clone()].contains("FTOP forged"),
            "{fault:?}"
        );
    }

    #[test]
    fn faults_point_at_their_line() {
        let m = model();
        let (_, file) = sample(&m);
        let text = file.to_text().expect("text");
        let old = as_schema_1(&text);
        let ids: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("{ id = \"")?.split('"').next())
            .collect();
        let undoes_2 = format!("undoes = \"{}\"", ids[1]);
        let cases: Vec<(String, &str, &str)> = vec![
            (
                old.replace("seq = 3", "seq = 7"),
                "out of sequence",
                "seq = 7",
            ),
            (
                old.replace("serial = 4", "serial = 5"),
                "the serial is 5",
                "5",
            ),
            (
                text.replace("schema = 2", "schema = 9"),
                "schema version 9",
                "9",
            ),
            (
                text.replacen(&format!("{{ id = \"{}\", ", ids[1]), "{ ", 1),
                "has no `id`",
                "FTOP shows",
            ),
            (
                text.replacen(&format!("undoes = \"{}\"", ids[2]), "undoes = \"e404\"", 1),
                "not earlier in the log",
                "undoes = \"e404\"",
            ),
            (
                text.replacen("event = \"done\"", "event = \"dance\"", 1),
                "not an event",
                "event = \"dance\"",
            ),
            (
                text.replace(
                    &format!("undoes = \"{}\"", ids[2]),
                    &format!("undoes = \"{}\"", ids[1]),
                ),
                "not the latest event in effect",
                &undoes_2,
            ),
            (text[..text.len() - 40].to_string(), "", ""),
        ];
        for (broken, message, at) in cases {
            let fault = StateFile::parse(&broken)
                .and_then(|f| f.run(&m).map(|_| ()))
                .expect_err("refused");
            assert!(fault.message.contains(message), "{fault:?}");
            if !at.is_empty() {
                assert!(
                    broken[fault.span.clone()].contains(at),
                    "{:?} should point at {at:?}",
                    &broken[fault.span.clone()]
                );
            }
        }
    }
}

mod snapshot {
    use super::*;
    use crate::run::state::StateFile;

    pub(super) type Change = fn(&mut Run<'_>, Now) -> Result<(), crate::run::engine::RunError>;

    /// Every kind of change but undo, in an order the playbook allows.
    pub(super) const CHANGES: &[Change] = &[
        |r, t| r.record("ready", "FTOP: RFA", t, "ana").map(|_| ()),
        |r, t| {
            r.done(&["think".into(), "email".into()], None, t, "ana")
                .map(|_| ())
        },
        |r, t| r.skip("extra", "not needed", t, "ana").map(|_| ()),
        |r, t| r.record("prepared", "FTOP: prepared", t, "bo").map(|_| ()),
        |r, t| r.record("prepared", "FTOP: amended", t, "bo").map(|_| ()),
        |r, t| r.complete("prepare", t, "ana").map(|_| ()),
        |r, t| {
            r.done(
                &["review:exchange".into(), "review:teams".into()],
                None,
                t,
                "bo",
            )
            .map(|_| ())
        },
        |r, t| r.answer("more", "true", t, "ana").map(|_| ()),
        |r, t| {
            r.done(
                &["set-date".into(), "move".into()],
                Some("moved".into()),
                t,
                "ana",
            )
            .map(|_| ())
        },
    ];

    /// A run's file as `playbook run` writes it, and the cache it writes
    /// beside it.
    fn written(run: &Run<'_>) -> (String, String) {
        let file = StateFile::create(run, "contoso", "close.playbook", "0123abcd").expect("file");
        let text = file.to_text().expect("text");
        let cache = StateFile::seal(run, &text);
        (text, cache)
    }

    /// One change made by reading the file whole or through its cache.
    fn change(
        m: &Playbook,
        written: &(String, String),
        sealed: bool,
        f: Change,
    ) -> (String, String) {
        let (text, cache) = written;
        let mut file = if sealed {
            StateFile::parse_sealed(text, Some(cache))
        } else {
            StateFile::parse(text)
        }
        .expect("reads");
        assert_eq!(file.is_sealed_read(), sealed, "{text}");
        let mut run = file.run(m).expect("runs");
        // Harmless before any change; needed before an undo.
        assert!(file.prepare_undo(&mut run, m), "ready for an undo");
        let before = run.events.len();
        f(&mut run, now("2026-11-25")).expect("the change is allowed");
        for e in &run.events[before..] {
            file.append(e).expect("append");
        }
        let text = file.to_text().expect("text");
        assert_eq!(file.into_text().expect("text"), text, "built in place");
        let cache = StateFile::seal(&run, &text);
        (text, cache)
    }

    #[test]
    fn a_change_through_the_snapshot_writes_what_a_replay_writes() {
        let m = model();
        let mut text = written(&started(&m, EMEA_BOTH));
        for (i, f) in CHANGES.iter().enumerate() {
            let whole = change(&m, &text, false, *f);
            let sealed = change(&m, &text, true, *f);
            assert_eq!(whole, sealed, "change {i}");
            text = sealed;
        }
        // The state the snapshot gives back is the state the log adds up to.
        let replayed = StateFile::parse(&text.0)
            .expect("reads")
            .run(&m)
            .expect("runs");
        let resumed = StateFile::parse_sealed(&text.0, Some(&text.1))
            .expect("reads")
            .run(&m)
            .expect("runs");
        assert!(!resumed.has_whole_log());
        assert_eq!(resumed.serial(), replayed.serial());
        let tops = |r: &Run<'_>| {
            let v = r.view(now("2026-11-25").today);
            format!(
                "{:?} {:?} {:?} {:?} {:?} {:?}",
                r.state.done,
                r.state.answers,
                r.state.completed,
                r.state.skipped,
                r.next_action_date(),
                v.complete
            )
        };
        assert_eq!(tops(&resumed), tops(&replayed));
        assert_eq!(
            resumed.state.evidence("prepared"),
            Some("FTOP: amended"),
            "the latest evidence"
        );
    }

    #[test]
    fn an_edit_of_the_file_or_of_its_cache_breaks_the_seal() {
        let m = model();
        let mut written = written(&started(&m, EMEA_BOTH));
        for f in &CHANGES[..4] {
            written = change(&m, &written, true, *f);
        }
        let (text, cache) = &written;
        assert!(
            StateFile::parse_sealed(text, Some(cache))
                .expect("reads")
                .is_sealed_read()
        );
        // An edited event: the log is read, and it decides.
        let log_edit = text.replacen("FTOP: prepared", "FTOP: edited", 1);
        let file = StateFile::parse_sealed(&log_edit, Some(cache)).expect("reads");
        assert!(!file.is_sealed_read());
        // An edited header (an input): the same.
        let header_edit = text.replacen("name = \"contoso\"", "name = \"fabrikam\"", 1);
        let file = StateFile::parse_sealed(&header_edit, Some(cache)).expect("reads");
        assert!(!file.is_sealed_read());
        // An edited cache: ignored; the log decides.
        let cache_edit = cache.replacen("FTOP: prepared", "forged", 1);
        assert_ne!(&cache_edit, cache, "the cache holds the evidence");
        let file = StateFile::parse_sealed(text, Some(&cache_edit)).expect("reads");
        assert!(!file.is_sealed_read());
        let run = file.run(&m).expect("runs");
        assert_eq!(run.state.evidence("prepared"), Some("FTOP: prepared"));
        // No cache (a fresh clone): the log.
        assert!(
            !StateFile::parse_sealed(text, None)
                .expect("reads")
                .is_sealed_read()
        );
        // A broken event behind an intact cache is still found.
        let broken = text.replacen("event = \"record\"", "event = \"dance\"", 1);
        let fault = StateFile::parse_sealed(&broken, Some(cache)).expect_err("refused");
        assert!(fault.message.contains("not an event"), "{fault:?}");
    }

    #[test]
    fn a_sealed_table_that_does_not_fit_the_model_gives_way_to_the_log() {
        let m = model();
        let mut written = written(&started(&m, EMEA_BOTH));
        for f in &CHANGES[..4] {
            written = change(&m, &written, true, *f);
        }
        let (text, cache) = &written;
        // The table holds the let as a queue; this model says a number.
        let mut other = m.clone();
        other
            .lets
            .iter_mut()
            .find(|l| l.id == "queue-of")
            .expect("the let")
            .ty = crate::ir::Type::Int;
        let sealed = StateFile::parse_sealed(text, Some(cache)).expect("reads");
        assert!(sealed.is_sealed_read());
        let shape = |r: Run<'_>| (r.serial(), r.has_whole_log(), r.state.done.clone());
        let resumed = sealed.run(&other).map(shape);
        let replayed = StateFile::parse(text)
            .expect("reads")
            .run(&other)
            .map(shape);
        assert_eq!(resumed, replayed);
        // The log decides, and where it refuses, it points into the file.
        let fault = resumed.expect_err("the start event holds the let as a queue");
        assert!(fault.message.starts_with("event 1:"), "{fault:?}");
        assert!(
            text[fault.span.clone()].starts_with("{ id = \""),
            "{:?}",
            &text[fault.span.clone()]
        );
    }

    const UNDO: Change = |r, t| r.undo(t, "bo").map(|_| ());

    #[test]
    fn an_undo_reads_only_the_events_it_needs_and_writes_what_a_replay_writes() {
        let m = model();
        let mut text = written(&started(&m, EMEA_BOTH));
        // Every change, then undone one by one back to the start, then
        // again with undos in between: each written both ways.
        let mut script: Vec<Change> = CHANGES.to_vec();
        script.extend(std::iter::repeat_n(UNDO, CHANGES.len()));
        for (i, f) in CHANGES.iter().enumerate() {
            script.push(*f);
            if i % 3 == 2 {
                script.extend([UNDO, UNDO, CHANGES[i - 1], *f]);
            }
        }
        script.extend([UNDO, UNDO, UNDO]);
        let mut undos = 0;
        for (i, f) in script.iter().enumerate() {
            let whole = change(&m, &text, false, *f);
            let sealed = change(&m, &text, true, *f);
            assert_eq!(whole, sealed, "step {i} of the script");
            undos += usize::from(std::ptr::fn_addr_eq(*f, UNDO));
            text = sealed;
        }
        assert!(undos > CHANGES.len() + 3, "{undos} undos");
        // An amended evidence undone shows the evidence before it.
        text = written(&started(&m, EMEA_BOTH));
        for f in &CHANGES[..5] {
            text = change(&m, &text, true, *f);
        }
        text = change(&m, &text, true, UNDO);
        let run = StateFile::parse_sealed(&text.0, Some(&text.1))
            .expect("reads")
            .run(&m)
            .expect("runs");
        assert_eq!(run.state.evidence("prepared"), Some("FTOP: prepared"));
    }

    #[test]
    fn an_undo_without_its_event_is_refused() {
        let m = model();
        let mut text = written(&started(&m, EMEA_BOTH));
        text = change(&m, &text, true, CHANGES[0]);
        let file = StateFile::parse_sealed(&text.0, Some(&text.1)).expect("reads");
        let mut resumed = file.run(&m).expect("runs");
        let err = resumed.undo(now("2026-11-25"), "ana").expect_err("refused");
        assert!(err.message.contains("resumed from a snapshot"), "{err}");
        assert!(file.prepare_undo(&mut resumed, &m));
        resumed.undo(now("2026-11-25"), "ana").expect("undone");
        assert_eq!(resumed.state.evidence("ready"), None);
    }
}

mod migration {
    use super::*;
    use crate::run::migrate;
    use crate::run::state::{StateFile, fingerprint};

    /// The close playbook with `more` asked as a region instead of yes/no.
    fn retyped() -> Playbook {
        let source = CLOSE
            .replace(
                "ask more: bool \"More?\"\n      if more {",
                "ask more: region \"More?\"\n      if more == emea {",
            )
            .replace("when more\n", "when more == emea\n");
        assert_ne!(source, CLOSE);
        let c = crate::compile_str("close.playbook", &source);
        c.model.expect("the retyped playbook compiles")
    }

    #[test]
    fn an_answer_whose_decision_changed_type_no_longer_counts() {
        let m = model();
        let mut run = started(&m, EMEA_BOTH);
        let mut file =
            StateFile::create(&run, "contoso", "close.playbook", "0123abcd").expect("file");
        let t = now("2026-11-24");
        for f in super::snapshot::CHANGES.iter().take(8) {
            f(&mut run, t).expect("allowed");
            file.append(run.events.last().expect("event"))
                .expect("append");
        }
        assert!(run.state.answers.contains_key("more"));
        let text = file.to_text().expect("text");
        let new = retyped();
        let stored = StateFile::parse(&text).expect("reads");
        let plan = migrate::plan(&stored, &text, &new, &[]).expect("a plan");
        let changes = plan.changes().join("\n");
        assert!(
            changes.contains("event 9 answers decision `more` with true, which is not one of `americas`, `apj`, `emea` any more"),
            "{changes}"
        );
        assert!(plan.blocking.is_empty(), "{:?}", plan.blocking);
        // Applied: the old answer stays in the log, outside the state.
        let mut migrated = stored
            .run_migrated(&new, plan.inputs.clone())
            .expect("replays under the new playbook");
        assert!(!migrated.state.answers.contains_key("more"));
        migrated
            .migrate(
                &fingerprint(&m),
                &fingerprint(&new),
                plan.changes(),
                t,
                "ana",
            )
            .expect("migrates");
        let mut file = stored;
        file.rebase(&new, "close.playbook", &plan.inputs);
        file.append(migrated.events.last().expect("event"))
            .expect("append");
        let text = file.to_text().expect("text");
        // Read again later, the run holds; the decision is asked again.
        let mut again = StateFile::parse(&text)
            .expect("reads")
            .run(&new)
            .expect("replays");
        assert_eq!(again.state.unmapped, vec![9]);
        again
            .answer("more", "emea", t, "ana")
            .expect("answered again");
        // An answer logged after the migration must fit.
        let mut file = StateFile::parse(&text).expect("reads");
        file.append(again.events.last().expect("event"))
            .expect("append");
        let broken = file
            .to_text()
            .expect("text")
            .replace("value = \"emea\"", "value = true");
        let fault = StateFile::parse(&broken)
            .expect("reads")
            .run(&new)
            .expect_err("refused");
        assert!(fault.message.contains("decision `more`"), "{fault:?}");
    }
}
