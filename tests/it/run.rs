//! `playbook run`, as a real process: scripted runs of the shipped
//! enablement playbook to completion for every combination of inputs and
//! answers that changes the path, crashes during writes, two writers at
//! once, broken and outdated state files, migration, and the interactive
//! walk's refusal without a terminal (`run_walk.rs` drives the walk through
//! a pseudo-terminal).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub(crate) const ENABLEMENT: &str = "playbooks/engagement-completion-enablement.playbook";

pub(crate) fn playbook() -> Command {
    let mut cmd = Command::cargo_bin("playbook").expect("the playbook binary");
    cmd.env_remove("PLAYBOOK_NOW")
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100");
    cmd
}

/// Runs `playbook run ARGS --state STATE` at `now` as `actor`; returns
/// (exit code, stdout, stderr).
pub(crate) fn run_cmd(
    state: &Path,
    now: &str,
    actor: &str,
    args: &[&str],
) -> (i32, String, String) {
    let out = playbook()
        .arg("run")
        .args(args)
        .arg("--state")
        .arg(state)
        .args(["--now", now, "--actor", actor])
        .output()
        .expect("run playbook");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Like [`run_cmd`], and the command must succeed.
pub(crate) fn ok(state: &Path, now: &str, args: &[&str]) -> String {
    let (code, out, err) = run_cmd(state, now, "ana", args);
    assert_eq!(code, 0, "playbook run {args:?} failed:\n{out}{err}");
    out
}

/// Like [`run_cmd`], and the command must be refused with `code`.
pub(crate) fn refused(state: &Path, now: &str, args: &[&str], code: i32) -> String {
    let (got, out, err) = run_cmd(state, now, "ana", args);
    assert_eq!(
        got, code,
        "playbook run {args:?} should exit {code}:\n{out}{err}"
    );
    err
}

pub(crate) fn start(dir: &Path, name: &str, file: &Path, inputs: &[(&str, String)]) -> PathBuf {
    let state = dir.join(format!("{name}.toml"));
    let mut cmd = playbook();
    cmd.args(["run", "start"])
        .arg(file)
        .arg("--state")
        .arg(&state)
        .args(["--now", "2026-11-24T09:00:00Z", "--actor", "ana"]);
    for (k, v) in inputs {
        cmd.arg("--input").arg(format!("{k}={v}"));
    }
    let out = cmd.output().expect("run playbook");
    assert_eq!(
        out.status.code(),
        Some(0),
        "start failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    state
}

pub(crate) fn status(state: &Path, now: &str) -> serde_json::Value {
    let out = ok(state, now, &["status", "--format", "json"]);
    serde_json::from_str(&out).expect("status is JSON")
}

/// One combination of what changes the path through the playbook.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub account_team_known: bool,
    pub ready_for_more: bool,
    pub region: &'static str,
    pub seats: u32,
    pub active_users: u32,
    pub services: &'static [&'static str],
    /// When the next action date is set, and the date expected.
    pub set_on: &'static str,
    pub next_action: &'static str,
}

pub(crate) fn cases(region: &'static str) -> Vec<Case> {
    let mut out = Vec::new();
    for account_team_known in [true, false] {
        for ready_for_more in [true, false] {
            // Above 1,000 seats the 100-user rule; below, 10% of seats.
            for (seats, active_users) in [(1500, 120), (800, 80)] {
                for services in [&["teams"][..], &["exchange", "sharepoint", "teams"][..]] {
                    // Alternate the day the date is set, across a year's end.
                    let (set_on, next_action) = if seats > 1000 {
                        ("2026-12-31T23:30:00Z", "2027-12-31")
                    } else {
                        ("2027-01-01T08:00:00Z", "2028-12-31")
                    };
                    out.push(Case {
                        account_team_known,
                        ready_for_more,
                        region,
                        seats,
                        active_users,
                        services,
                        set_on,
                        next_action,
                    });
                }
            }
        }
    }
    out
}

/// Runs one case to completion through the subcommands and checks its
/// report: the queue of its region, the next action date of its day.
fn scripted_run(dir: &Path, n: usize, case: &Case) {
    scripted_run_of(dir, n, case, Path::new(ENABLEMENT));
}

/// [`scripted_run`] of the enablement playbook at `file` (a copy); returns
/// the state file.
pub(crate) fn scripted_run_of(dir: &Path, n: usize, case: &Case, file: &Path) -> PathBuf {
    let day1 = "2026-11-24T10:00:00Z";
    let state = start(
        dir,
        &format!("run{n}"),
        file,
        &[
            ("seats", case.seats.to_string()),
            ("active-users", case.active_users.to_string()),
            ("account-team-known", case.account_team_known.to_string()),
            ("region", case.region.to_string()),
            ("services", case.services.join(",")),
        ],
    );
    let s = state.as_path();
    for c in [
        "rfa-customer",
        "milestone-documented",
        "account-team-identified",
    ] {
        ok(s, day1, &["record", c, "--evidence", &format!("FTOP: {c}")]);
    }
    ok(s, day1, &["done", "prepare-conversation"]);
    if case.account_team_known {
        refused(s, day1, &["done", "follow-conduct-guidance"], 1);
        ok(
            s,
            day1,
            &[
                "done",
                "email-account-team",
                "ask-for-review",
                "fm-disengages",
                "account-team-support",
            ],
        );
        let err = refused(s, day1, &["complete", "prepare"], 1);
        assert!(
            err.contains("evidence for exit criterion `atu-sent`"),
            "{err}"
        );
        ok(
            s,
            day1,
            &[
                "record",
                "atu-sent",
                "--evidence",
                "EM note: ATU email sent",
            ],
        );
    } else {
        refused(s, day1, &["done", "email-account-team"], 1);
        ok(s, day1, &["done", "follow-conduct-guidance"]);
        ok(
            s,
            day1,
            &[
                "record",
                "account-team-unknown",
                "--evidence",
                "EM note: no account team",
            ],
        );
    }
    ok(s, day1, &["complete", "prepare"]);

    let day2 = "2026-12-01T10:00:00Z";
    let mut done = vec!["done".to_string(), "schedule".to_string()];
    done.extend(
        case.services
            .iter()
            .map(|w| format!("review-activities:{w}")),
    );
    let done: Vec<&str> = done.iter().map(String::as_str).collect();
    ok(s, day2, &done);
    ok(
        s,
        day2,
        &["answer", "ready-for-more", &case.ready_for_more.to_string()],
    );
    if case.ready_for_more {
        ok(s, day2, &["done", "rfa-instructions", "demo-rfa-form"]);
        ok(
            s,
            day2,
            &[
                "record",
                "more-workloads-listed",
                "--evidence",
                "TE note: next workloads",
            ],
        );
        refused(
            s,
            day2,
            &["record", "customer-email-sent", "--evidence", "x"],
            1,
        );
    } else {
        ok(s, day2, &["done", "proceed"]);
        // The email's evidence documents the email: not before it is sent.
        let err = refused(
            s,
            day2,
            &["record", "customer-email-sent", "--evidence", "x"],
            1,
        );
        assert!(err.contains("item `follow-up-email` is not done"), "{err}");
    }
    ok(
        s,
        case.set_on,
        &[
            "done",
            "follow-up-email",
            "mark-disengagement",
            "update-notes",
            "set-next-action-date",
            "request-queue-move",
        ],
    );
    if !case.ready_for_more {
        ok(
            s,
            case.set_on,
            &[
                "record",
                "customer-email-sent",
                "--evidence",
                "EM note: email",
            ],
        );
        ok(
            s,
            case.set_on,
            &[
                "record",
                "customer-status-updated",
                "--evidence",
                "EM note: status",
            ],
        );
    }
    let err = refused(s, case.set_on, &["done", "unassign"], 1);
    assert!(err.contains("`queue-move-requested`"), "{err}");
    // Evidence that the FM is unassigned is not taken before the work.
    let err = refused(
        s,
        case.set_on,
        &["record", "fm-unassigned", "--evidence", "x"],
        1,
    );
    assert!(err.contains("documents work not done yet"), "{err}");
    assert!(err.contains("item `unassign` is not done"), "{err}");
    ok(
        s,
        case.set_on,
        &[
            "record",
            "queue-move-requested",
            "--evidence",
            "EM note: queue move asked",
        ],
    );
    ok(s, case.set_on, &["done", "unassign"]);
    for c in [
        "completion-status",
        "next-action-date-updated",
        "fm-unassigned",
        "next-steps-listed",
    ] {
        ok(
            s,
            case.set_on,
            &["record", c, "--evidence", &format!("note: {c}")],
        );
    }
    let out = ok(s, case.set_on, &["complete", "conduct"]);
    assert!(out.contains("the run is complete"), "{case:?}: {out}");

    let st = status(s, case.set_on);
    assert_eq!(st["complete"], true, "{case:?}");
    assert_eq!(st["progress"]["done"], st["progress"]["total"]);
    let queue = format!("ftcq-inactive-{}", case.region);
    assert_eq!(st["fields"]["tenant-queue"], queue.as_str(), "{case:?}");
    assert_eq!(st["next_action_date"], case.next_action, "{case:?}");
    assert_eq!(st["tasks"][0]["completed"], true);

    let report = ok(s, case.set_on, &["report", "--to", "markdown"]);
    let queue_row = report
        .lines()
        .find(|l| l.contains("field tenant-queue, requested from assignment-team"))
        .unwrap_or_else(|| panic!("{case:?}: no queue row in\n{report}"));
    assert!(queue_row.contains(&queue), "{case:?}: {queue_row}");
    let date_row = report
        .lines()
        .find(|l| l.contains("field next-action-date, set by set-next-action-date"))
        .unwrap_or_else(|| panic!("{case:?}: no date row in\n{report}"));
    assert!(date_row.contains(case.next_action), "{case:?}: {date_row}");
    // One review per workload, each done.
    for w in case.services {
        assert!(
            report.contains(&format!("| review-activities:{w} |")),
            "{case:?}: no review of {w}"
        );
    }
    let html = ok(s, case.set_on, &["report", "--to", "html"]);
    assert!(html.contains(&format!(" ({queue})</td>")), "{case:?}");
    state
}

fn scripted_runs(region: &'static str) {
    let dir = tempfile::tempdir().expect("a folder");
    let cases = cases(region);
    assert_eq!(cases.len(), 16);
    for (n, case) in cases.iter().enumerate() {
        scripted_run(dir.path(), n, case);
    }
    // `run list` shows every run, complete, with its next action date.
    let out = playbook()
        .args(["run", "list", "--format", "json", "--now", "2027-06-01"])
        .arg(dir.path())
        .output()
        .expect("list");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let lines = list.as_array().expect("an array");
    assert_eq!(lines.len(), 16);
    for l in lines {
        assert_eq!(l["complete"], true, "{l}");
        assert_eq!(l["playbook"], "engagement-completion-enablement");
        let date = l["next_action_date"].as_str().expect("a date");
        assert!(date == "2027-12-31" || date == "2028-12-31", "{l}");
        assert_eq!(l["overdue"], false);
    }
}

#[test]
fn scripted_runs_to_completion_americas() {
    scripted_runs("americas");
}

#[test]
fn scripted_runs_to_completion_apj() {
    scripted_runs("apj");
}

#[test]
fn scripted_runs_to_completion_emea() {
    scripted_runs("emea");
}

pub(crate) fn emea_inputs() -> Vec<(&'static str, String)> {
    vec![
        ("seats", "1500".into()),
        ("active-users", "200".into()),
        ("account-team-known", "true".into()),
        ("region", "emea".into()),
        ("services", "exchange,teams".into()),
    ]
}

#[test]
fn start_checks_the_inputs_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = dir.path().join("c.toml");
    let out = playbook()
        .args(["run", "start", ENABLEMENT, "--state"])
        .arg(&state)
        .args([
            "--input",
            "seats=many",
            "--input",
            "region=europe",
            "--input",
            "services=teams",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("input `seats`: `many` is not a valid `int`"),
        "{err}"
    );
    assert!(
        err.contains("`europe` is not a valid `region`: expected one of `americas`, `apj`, `emea`"),
        "{err}"
    );
    assert!(
        err.contains("input `active-users` (type `int`) is missing"),
        "{err}"
    );
    assert!(
        err.contains("input `account-team-known` (type `bool`) is missing"),
        "{err}"
    );
    assert!(!state.exists());
    // Below the usage milestone the playbook does not apply.
    let mut below = emea_inputs();
    below[0].1 = "800".into();
    below[1].1 = "50".into();
    let mut cmd = playbook();
    cmd.args(["run", "start", ENABLEMENT, "--state"])
        .arg(&state);
    for (k, v) in &below {
        cmd.arg("--input").arg(format!("{k}={v}"));
    }
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not apply to this run"));
    // A second start on the same file is refused and leaves it alone.
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    let before = std::fs::read(&state).expect("read");
    let mut cmd = playbook();
    cmd.args(["run", "start", ENABLEMENT, "--state"])
        .arg(&state);
    for (k, v) in emea_inputs() {
        cmd.arg("--input").arg(format!("{k}={v}"));
    }
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never overwrites"));
    assert_eq!(std::fs::read(&state).expect("read"), before);
}

#[test]
fn status_json_names_what_blocks_each_step() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    let now = "2026-11-24T10:00:00Z";
    let st = status(&state, now);
    assert_eq!(st["complete"], false);
    assert_eq!(st["current_step"], "prepare");
    let prepare = &st["steps"][0];
    assert_eq!(prepare["status"], "blocked");
    let blockers: Vec<&str> = prepare["blocked_by"]
        .as_array()
        .expect("blockers")
        .iter()
        .map(|b| b["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        blockers,
        [
            "rfa-customer",
            "milestone-documented",
            "account-team-identified"
        ]
    );
    let conduct = &st["steps"][1];
    assert_eq!(conduct["blocked_by"][0]["kind"], "step");
    assert_eq!(conduct["blocked_by"][0]["name"], "prepare");
    // The decision gates part of the checklist.
    assert!(
        conduct["pending"]
            .as_array()
            .expect("pending")
            .iter()
            .any(|p| p["kind"] == "answer" && p["name"] == "ready-for-more")
    );
    let next: Vec<&str> = st["next"]
        .as_array()
        .expect("next")
        .iter()
        .map(|n| n["command"].as_str().expect("command"))
        .collect();
    assert_eq!(
        next,
        [
            "record rfa-customer --evidence TEXT",
            "record milestone-documented --evidence TEXT",
            "record account-team-identified --evidence TEXT"
        ]
    );
    assert_eq!(st["computed"]["inactive-queue"], "ftcq-inactive-emea");
    // The shape, with the run's random lineage left out.
    let mut shape = st.clone();
    shape["lineage"] = "LINEAGE".into();
    insta::assert_snapshot!(
        "run_status_json_at_start",
        serde_json::to_string_pretty(&shape).expect("JSON")
    );
}

#[test]
fn undo_takes_back_the_latest_change_and_keeps_it_in_the_log() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    let now = "2026-11-24T10:00:00Z";
    ok(
        &state,
        now,
        &["record", "rfa-customer", "--evidence", "FTOP"],
    );
    let out = ok(&state, now, &["undo"]);
    assert!(out.contains("undid event 2"), "{out}");
    let st = status(&state, now);
    assert_eq!(st["serial"], 3);
    assert_eq!(st["steps"][0]["entry"][0]["recorded"], false);
    let err = refused(&state, now, &["undo"], 1);
    assert!(err.contains("nothing to undo"), "{err}");
    let text = std::fs::read_to_string(&state).expect("read");
    assert!(text.contains("event = \"record\""));
    // The undo names the record by its id.
    let record_id = text
        .lines()
        .find(|l| l.contains("event = \"record\""))
        .and_then(|l| l.strip_prefix("{ id = \""))
        .and_then(|l| l.split('"').next())
        .expect("the record's id");
    assert!(
        text.contains(&format!("undoes = \"{record_id}\"")),
        "{text}"
    );
}

#[test]
fn a_broken_state_file_is_refused_pointing_at_the_fault_and_left_alone() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    let now = "2026-11-24T10:00:00Z";
    ok(
        &state,
        now,
        &["record", "rfa-customer", "--evidence", "FTOP"],
    );
    ok(
        &state,
        now,
        &["record", "milestone-documented", "--evidence", "TE"],
    );
    let text = std::fs::read_to_string(&state).expect("read");
    let second_id = text
        .lines()
        .filter_map(|l| l.strip_prefix("{ id = \""))
        .nth(1)
        .and_then(|l| l.split('"').next())
        .expect("a second event")
        .to_string();
    for (broken, message) in [
        (
            text.replacen(&format!("id = \"{second_id}\""), "seq = 2", 1),
            "has no number",
        ),
        (
            text.replacen(&format!("id = \"{second_id}\", "), "", 1),
            "has no `id`",
        ),
        (
            text.replace("seats = 1500", "seats = \"many\""),
            "input `seats`",
        ),
        (
            text.replace("event = \"record\"", "event = \"recrod\""),
            "`recrod` is not an event",
        ),
        // Cut in the header (a log cut short inside its last line reads
        // as it was before that line: `run_append.rs`).
        (
            text[..text.find("[pin]").expect("a pin") + 3].to_string(),
            "not valid",
        ),
    ] {
        std::fs::write(&state, &broken).expect("write");
        for args in [&["status"][..], &["done", "prepare-conversation"][..]] {
            let err = refused(&state, now, args, 4);
            assert!(err.contains("invalid-run-state"), "{err}");
            assert!(err.contains(message), "{message}: {err}");
            assert!(err.contains(&format!("{}:", state.display())), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&state).expect("read"), broken);
    }
}

/// A copy of the shipped playbooks in a folder of their own.
pub(crate) fn playbook_copy(dir: &Path) -> PathBuf {
    let to = dir.join("playbooks");
    std::fs::create_dir_all(to.join("common")).expect("mkdir");
    for f in [
        "engagement-completion-enablement.playbook",
        "engagement-completion-enablement.zh.toml",
        "common/fasttrack.playbook",
        "common/fasttrack.zh.toml",
    ] {
        std::fs::copy(Path::new("playbooks").join(f), to.join(f)).expect("copy");
    }
    to.join("engagement-completion-enablement.playbook")
}

#[test]
fn a_changed_playbook_is_refused_until_migrated() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = playbook_copy(dir.path());
    let state = start(dir.path(), "c", &file, &emea_inputs());
    let now = "2026-11-24T10:00:00Z";
    ok(
        &state,
        now,
        &["record", "rfa-customer", "--evidence", "FTOP"],
    );
    ok(
        &state,
        now,
        &["record", "account-team-identified", "--evidence", "FTOP"],
    );
    // The playbook changes: a step renamed, a criterion removed.
    let text = std::fs::read_to_string(&file).expect("read");
    let changed = text
        .replace(
            "step prepare \"Prepare for Engagement Discussion Conversation (enablement)\"",
            "step prepare \"Prepare the conversation\"",
        )
        .replace("    entry account-team-identified \"The customer's Microsoft account team is identified, and its details in the FTOP contacts are current\" in ftop\n", "");
    assert_ne!(text, changed);
    std::fs::write(&file, &changed).expect("write");
    let before = std::fs::read_to_string(&state).expect("read");
    let err = refused(&state, now, &["done", "prepare-conversation"], 5);
    assert!(err.contains("changed since this run started"), "{err}");
    assert!(err.contains("playbook run migrate"), "{err}");
    // The plan changes nothing.
    let plan = playbook()
        .args(["run", "migrate", "--state"])
        .arg(&state)
        .arg(&file)
        .output()
        .expect("migrate");
    assert_eq!(plan.status.code(), Some(0));
    let plan = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.contains("step `prepare` renamed from \"Prepare for Engagement Discussion Conversation (enablement)\" to \"Prepare the conversation\""), "{plan}");
    assert!(
        plan.contains("criterion `account-team-identified`, which the playbook no longer has"),
        "{plan}"
    );
    assert!(plan.contains("nothing was changed"), "{plan}");
    assert_eq!(std::fs::read_to_string(&state).expect("read"), before);
    // Applied, it appends a migrate event and keeps the old log.
    let applied = playbook()
        .args(["run", "migrate", "--apply", "--now", now, "--state"])
        .arg(&state)
        .arg(&file)
        .output()
        .expect("migrate");
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let after = std::fs::read_to_string(&state).expect("read");
    let old_log =
        &before[before.find("events = [").expect("log")..before.rfind("]\n").expect("end")];
    assert!(after.contains(old_log), "the old log is kept");
    assert!(after.contains("event = \"migrate\""));
    ok(
        &state,
        now,
        &["record", "milestone-documented", "--evidence", "TE"],
    );
    ok(&state, now, &["done", "prepare-conversation"]);
    let st = status(&state, now);
    assert_eq!(st["serial"], 6);
    assert_eq!(st["steps"][0]["status"], "active");
}

/// Starts a writer process: this test binary, running only the test
/// `test` in the writer's role ([`writer`]), which makes `writes` changes
/// to `state` as `actor` through `playbook::run::session`, holding the lock
/// `hold_ms` before each, and prints `written SERIAL` after each.
fn spawn_writer(
    test: &str,
    state: &Path,
    actor: &str,
    writes: u64,
    hold_ms: u64,
) -> std::process::Child {
    std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            &format!("run::{test}"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PLAYBOOK_TEST_WRITER", state)
        .env("PLAYBOOK_TEST_WRITER_ACTOR", actor)
        .env("PLAYBOOK_TEST_WRITER_WRITES", writes.to_string())
        .env("PLAYBOOK_TEST_WRITER_HOLD_MS", hold_ms.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// The serials a writer process reported.
fn written(stdout: &[u8]) -> Vec<u64> {
    String::from_utf8_lossy(stdout)
        .lines()
        // The first may follow the test harness's `test ... ` on its line.
        .filter_map(|l| l.rsplit_once("written ")?.1.trim().parse().ok())
        .collect()
}

/// The writer of the crash and lock tests, in a process of its own (see
/// [`spawn_writer`]): each of those tests calls it first, and it writes
/// and answers `true` when the process was started as a writer (with
/// `PLAYBOOK_TEST_WRITER`). Each write takes the lock, reads the file
/// through its sealed table, records the evidence of the playbook's first
/// criterion again (which amends it), appends, seals and replaces the
/// file, as every command does; the playbook is compiled once.
fn writer() -> bool {
    use playbook::run::session::{Command, Locked, Opened};
    let Some(state) = std::env::var_os("PLAYBOOK_TEST_WRITER") else {
        return false;
    };
    let state = PathBuf::from(state);
    let var = |name: &str| std::env::var(name).expect(name);
    let actor = var("PLAYBOOK_TEST_WRITER_ACTOR");
    let writes: u64 = var("PLAYBOOK_TEST_WRITER_WRITES").parse().expect("writes");
    let hold_ms: u64 = var("PLAYBOOK_TEST_WRITER_HOLD_MS").parse().expect("hold");
    let opened = Opened::read(&state, None).unwrap_or_else(|e| panic!("{e:?}"));
    let model = &opened.model;
    let criterion = model.criteria.first().expect("a criterion").id.clone();
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let hold = std::time::Duration::from_millis(hold_ms);
    for i in 0..writes {
        let now = playbook::run::Now {
            time: jiff::Timestamp::now(),
            today,
        };
        let locked = Locked::acquire(&state, &actor, now.time).unwrap_or_else(|e| panic!("{e:?}"));
        if !hold.is_zero() {
            std::thread::sleep(hold);
        }
        let record = Command::Record {
            criterion: criterion.clone(),
            evidence: format!("write {i}"),
        };
        let changed = locked
            .change_with(model, &record, now, &actor)
            .unwrap_or_else(|e| panic!("{e:?}"));
        drop(locked);
        println!("written {}", changed.serial);
    }
    true
}

/// A state file's text as the tool reads it: a log whose last line a
/// killed writer left unfinished reads as it was before that line.
fn read_state(state: &Path) -> String {
    let bytes = std::fs::read(state).expect("the state file exists");
    playbook::run::scan::text_of(bytes).expect("UTF-8").0
}

/// The serial of a state file, read as the tool reads it.
fn serial_of(text: &str) -> u64 {
    let file = playbook::run::state::StateFile::parse(text)
        .unwrap_or_else(|f| panic!("the file is invalid: {f:?}\n{text}"));
    file.serial
}

#[test]
fn killed_writers_leave_the_old_or_the_new_state() {
    if writer() {
        return;
    }
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    let model = playbook::compile(Path::new(ENABLEMENT), &playbook::fs::FsLoader::default())
        .expect("compiles")
        .model
        .expect("a model");
    let base = serial_of(&std::fs::read_to_string(&state).expect("read"));
    let target = base + 1000;
    // A fixed seed keeps failures reproducible; the moments still vary
    // with the machine's load.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut random = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut kills = 0;
    let mut committed = base;
    let mut spawns = 0;
    // How long after its start a writer may be killed. A writer needs tens
    // of milliseconds to start and a few per write, both varying with the
    // machine and its load, so the window adapts: it widens when a writer
    // was killed before its first write, and narrows when one got through
    // more than a dozen, so that kills land anywhere in the first writes.
    let mut window_us: u64 = 100_000;
    while committed < target {
        spawns += 1;
        assert!(
            spawns < 2000,
            "no progress: {committed} of {target} after {spawns} writers"
        );
        let mut child = spawn_writer(
            "killed_writers_leave_the_old_or_the_new_state",
            &state,
            "stress",
            target - committed,
            0,
        );
        std::thread::sleep(std::time::Duration::from_micros(10_000 + random(window_us)));
        let finished = child.try_wait().expect("wait").is_some();
        if !finished {
            // SIGKILL: no chance to clean up.
            child.kill().expect("kill");
            kills += 1;
        }
        let out = child.wait_with_output().expect("output");
        let printed = written(&out.stdout);
        if finished {
            assert!(
                out.status.success(),
                "the writer failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let reported = printed.last().copied().unwrap_or(committed);
        let text = read_state(&state);
        let serial = serial_of(&text);
        assert!(
            serial == reported || serial == reported + 1,
            "after a kill the serial is {serial}; the writer had reported {reported}"
        );
        // Valid as a run, too.
        let file = playbook::run::state::StateFile::parse(&text).expect("parses");
        file.run(&model).expect("replays");
        assert!(serial >= committed, "the serial went back");
        match serial - committed {
            0 => window_us = (window_us * 2).min(2_000_000),
            n if n > 12 => window_us = (window_us / 2).max(10_000),
            _ => {}
        }
        committed = serial;
    }
    assert_eq!(committed, target);
    assert!(kills >= 10, "only {kills} writers were killed");
    // The next writer cleans what the killed ones left behind.
    ok(&state, "2026-11-24T10:00:00Z", &["undo"]);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".gitattributes", ".playbook-cache", "c.toml"]);
    // Nor in the folder of locks and caches: only the caches are left (the
    // run's state, and what its playbook was compiled from).
    let mut local: Vec<String> = std::fs::read_dir(dir.path().join(".playbook-cache"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    local.sort();
    assert_eq!(local, [".gitignore", "c.toml.sources", "c.toml.state"]);
}

#[test]
fn a_second_writer_gets_the_lock_error_naming_the_holder() {
    if writer() {
        return;
    }
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    let before = serial_of(&std::fs::read_to_string(&state).expect("read"));
    // The first writer holds the lock for a while before it writes.
    let first = spawn_writer(
        "a_second_writer_gets_the_lock_error_naming_the_holder",
        &state,
        "first",
        1,
        4000,
    );
    let lock = playbook::run_store::lock_path(&state);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string(&lock).is_ok_and(|t| t.contains("holder = \"first\"")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the first writer never locked"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let started = std::time::Instant::now();
    let (code, _, err) = run_cmd(
        &state,
        "2026-11-24T10:00:00Z",
        "second",
        &["record", "rfa-customer", "--evidence", "FTOP"],
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!("`first` (process {})", first.id())),
        "{err}"
    );
    assert!(err.contains(" since "), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "the second writer waited"
    );
    let out = first.wait_with_output().expect("first");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&state).expect("read");
    assert_eq!(serial_of(&text), before + 1, "exactly one change");
    assert!(text.contains("actor = \"first\""));
    assert!(!text.contains("actor = \"second\""));
    // Once released, the second writer goes ahead.
    run_cmd(
        &state,
        "2026-11-24T10:00:00Z",
        "second",
        &["record", "milestone-documented", "--evidence", "TE"],
    );
    assert_eq!(
        serial_of(&std::fs::read_to_string(&state).expect("read")),
        before + 2
    );
}

#[test]
fn without_a_terminal_the_interactive_walk_refuses_with_a_hint() {
    let dir = tempfile::tempdir().expect("a folder");
    let out = playbook()
        .args(["run", ENABLEMENT, "--state"])
        .arg(dir.path().join("c.toml"))
        .write_stdin("")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs a terminal"), "{err}");
    assert!(err.contains("playbook run start"), "{err}");
}

#[test]
fn reports_escape_what_people_wrote() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    let now = "2026-11-24T10:00:00Z";
    let evil = "<script>alert(1)</script> | `x` [a](javascript:b) \"onmouseover=\nsecond line";
    ok(&state, now, &["record", "rfa-customer", "--evidence", evil]);
    let html = ok(&state, now, &["report", "--to", "html"]);
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;onmouseover="));
    let md = ok(&state, now, &["report", "--to", "markdown"]);
    assert!(!md.contains("<script>"));
    let row = md
        .lines()
        .find(|l| l.starts_with("| entry rfa-customer"))
        .expect("the gate's row");
    // The evidence stays in its cell: every pipe inside it is escaped.
    assert_eq!(row.matches(" | ").count(), 4, "{row}");
    assert!(row.contains("\\|"), "{row}");
    assert!(row.contains("\\`x\\`"), "{row}");
    assert!(row.contains("\\[a\\]"), "{row}");
    assert!(row.contains("<br>second line"), "{row}");
}

#[test]
fn docs_run_names_every_subcommand_and_exit_code() {
    let doc = std::fs::read_to_string("docs/run.md").expect("docs/run.md");
    let help = playbook().args(["run", "--help"]).output().expect("help");
    let help = String::from_utf8_lossy(&help.stdout);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 11, "{help}");
    for c in commands {
        assert!(
            doc.contains(&format!("`playbook run {c}")),
            "docs/run.md lacks `{c}`"
        );
    }
    for code in 0..=5 {
        assert!(
            doc.contains(&format!("\n| {code} | ")),
            "docs/run.md lacks exit code {code}"
        );
    }
}

#[test]
fn invalid_state_fixtures_render_their_diagnostic() {
    let dir = Path::new("tests/fixtures/run-state");
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    assert!(names.len() >= 3);
    for path in names {
        let stem = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let before = std::fs::read(&path).expect("read");
        let out = playbook()
            .args(["run", "status", "--state"])
            .arg(&path)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(4), "{stem}");
        assert!(out.stdout.is_empty());
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "{stem} changed"
        );
        insta::assert_snapshot!(stem, String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn a_moved_playbook_is_named_with_playbook() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = playbook_copy(dir.path());
    let state = start(dir.path(), "c", &file, &emea_inputs());
    let now = "2026-11-24T10:00:00Z";
    std::fs::rename(dir.path().join("playbooks"), dir.path().join("moved")).expect("move");
    // A change needs the playbook; showing the run does not (its model is
    // pinned in the state file), and says so.
    let err = refused(&state, now, &["done", "prepare-conversation"], 2);
    assert!(err.contains("cannot read"), "{err}");
    let (code, _, err) = run_cmd(&state, now, "ana", &["status"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cannot be compiled"), "{err}");
    let moved = dir
        .path()
        .join("moved/engagement-completion-enablement.playbook");
    let moved = moved.to_str().expect("UTF-8 path");
    ok(
        &state,
        now,
        &[
            "record",
            "rfa-customer",
            "--evidence",
            "FTOP",
            "--playbook",
            moved,
        ],
    );
    let out = ok(
        &state,
        now,
        &["status", "--format", "json", "--playbook", moved],
    );
    assert!(out.contains("\"serial\": 2"), "{out}");
}

#[test]
fn status_and_report_in_another_locale_use_its_fixed_words() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    let now = "2026-11-24T10:00:00Z";
    let status = ok(&state, now, &["status", "--locale", "zh"]);
    assert!(status.contains("进度：0/"), "{status}");
    assert!(status.contains("[受阻]"), "{status}");
    assert!(status.contains("进入 rfa-customer"), "{status}");
    for english in ["progress:", "[blocked]", " entry ", "waits:"] {
        assert!(!status.contains(english), "`{english}` in:\n{status}");
    }
    let report = ok(
        &state,
        now,
        &["report", "--to", "markdown", "--locale", "zh"],
    );
    assert!(report.starts_with("# 运行报告：c\n"), "{report}");
    for heading in ["## 输入", "## 计算值", "## 步骤", "## 日志"] {
        assert!(report.contains(heading), "`{heading}` missing:\n{report}");
    }
    for english in [
        "Run report",
        "## Inputs",
        "| Progress |",
        "not recorded",
        "## Log",
    ] {
        assert!(!report.contains(english), "`{english}` in:\n{report}");
    }
    // The same run in English keeps the English words.
    let report = ok(
        &state,
        now,
        &["report", "--to", "markdown", "--locale", "en"],
    );
    assert!(report.starts_with("# Run report: c\n"), "{report}");
}

#[test]
fn answers_take_yes_and_no_and_reports_show_times_to_the_second() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = dir.path().join("c.toml");
    // Started at the clock's time, which has a fraction of a second.
    let mut cmd = playbook();
    cmd.args(["run", "start", ENABLEMENT, "--actor", "ana", "--state"])
        .arg(&state);
    for (k, v) in emea_inputs() {
        let v = if k == "account-team-known" {
            "Yes".to_string()
        } else {
            v
        };
        cmd.arg("--input").arg(format!("{k}={v}"));
    }
    let out = cmd.output().expect("run playbook");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = ok(
        &state,
        "2026-11-24T10:00:00.123456789Z",
        &["report", "--to", "markdown"],
    );
    let started = report
        .lines()
        .find(|l| l.starts_with("| Started |"))
        .expect("the started row");
    assert!(!started.contains('.'), "{started}");
    assert!(started.ends_with("Z by ana |"), "{started}");
    let known = report
        .lines()
        .find(|l| l.contains("(account-team-known)"))
        .expect("the input's row");
    assert!(known.ends_with("| yes |"), "{known}");
    for (word, shown) in [("n", Some("no")), ("NO", Some("no")), ("maybe", None)] {
        let state = dir.path().join(format!("{word}.toml"));
        let mut cmd = playbook();
        cmd.args(["run", "start", ENABLEMENT, "--state"])
            .arg(&state);
        for (k, v) in emea_inputs() {
            let v = if k == "account-team-known" {
                word.to_string()
            } else {
                v
            };
            cmd.arg("--input").arg(format!("{k}={v}"));
        }
        let out = cmd.output().expect("run playbook");
        let err = String::from_utf8_lossy(&out.stderr);
        match shown {
            Some(value) => {
                assert_eq!(out.status.code(), Some(0), "`{word}`: {err}");
                let report = ok(
                    &state,
                    "2026-11-24T10:00:00Z",
                    &["report", "--to", "markdown"],
                );
                let row = format!("(account-team-known) | {value} |");
                assert!(report.contains(&row), "`{word}`:\n{report}");
            }
            None => {
                assert_ne!(out.status.code(), Some(0), "`{word}` is no answer");
                assert!(err.contains("`maybe` is not a valid `bool`"), "{err}");
            }
        }
    }
}
