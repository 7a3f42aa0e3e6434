//! A run a manager can trust afterwards: a finished run stays reportable
//! whatever becomes of its playbook (the state file pins the compiled
//! model it ran against), and a migration tells the truth about a complete
//! run.

use crate::run::{cases, ok, playbook_copy, refused, run_cmd, scripted_run_of, status};
use std::path::Path;

const LATER: &str = "2027-02-01T10:00:00Z";

/// A finished run of a copy of the enablement playbook, in `dir`.
fn finished_run(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let file = playbook_copy(dir);
    let case = cases("emea").remove(0);
    let state = scripted_run_of(dir, 0, &case, &file);
    (file, state)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "`{from}` is not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn a_finished_run_is_reported_after_its_playbook_and_catalogue_change() {
    let dir = tempfile::tempdir().expect("a folder");
    let (file, state) = finished_run(dir.path());
    let before = ok(&state, LATER, &["report", "--to", "markdown"]);
    assert!(!before.contains("has changed since"), "{before}");
    // The playbook and the zh catalogue beside it both change.
    edit(
        &file,
        "step prepare \"Prepare for Engagement Discussion Conversation (enablement)\"",
        "step prepare \"Prepare the conversation\"",
    );
    let zh = file.with_file_name("engagement-completion-enablement.zh.toml");
    let zh_text = std::fs::read_to_string(&zh).expect("read");
    std::fs::write(&zh, zh_text.replacen("准备", "筹备", 1)).expect("write");
    let (code, report, err) = run_cmd(&state, LATER, "ana", &["report", "--to", "markdown"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("has changed since this run started"), "{err}");
    assert!(err.contains("pinned in its state file"), "{err}");
    // The report is the run as it was: the old title, the version named.
    assert!(
        report.contains("Prepare for Engagement Discussion Conversation (enablement)"),
        "{report}"
    );
    assert!(!report.contains("Prepare the conversation"), "{report}");
    assert!(report.contains("| Playbook version | sha256:"), "{report}");
    assert!(
        report.contains("the playbook has changed since"),
        "{report}"
    );
    // The log and the evidence are all there, as before the change.
    let tail = |r: &str| r[r.find("## ").expect("sections")..].to_string();
    let strip = |r: &str| {
        r.lines()
            .filter(|l| !l.contains("Playbook version"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&tail(&report)), strip(&tail(&before)));
    // In the other locale too, with the catalogue as it was.
    let (code, zh_report, err) = run_cmd(
        &state,
        LATER,
        "ana",
        &["report", "--to", "html", "--locale", "zh"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(zh_report.contains("行动手册版本"), "{zh_report}");
    assert!(zh_report.contains("准备"), "the zh texts as they were");
    // `status --format json` says so.
    let st = status(&state, LATER);
    assert_eq!(st["complete"], true);
    assert!(
        st["pinned"]
            .as_str()
            .is_some_and(|p| p.contains("has changed")),
        "{st}"
    );
    // A change still needs the migration.
    let err = refused(&state, LATER, &["undo"], 5);
    assert!(err.contains("playbook run migrate"), "{err}");
}

#[test]
fn a_finished_run_is_reported_when_its_playbook_is_gone() {
    let dir = tempfile::tempdir().expect("a folder");
    let (file, state) = finished_run(dir.path());
    std::fs::remove_dir_all(file.parent().expect("its folder")).expect("remove");
    let (code, report, err) = run_cmd(&state, LATER, "ana", &["report", "--to", "markdown"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cannot be compiled"), "{err}");
    assert!(report.contains("ftcq-inactive-emea"), "{report}");
    let st = status(&state, LATER);
    assert_eq!(st["complete"], true, "{st}");
}

#[test]
fn a_pin_that_does_not_match_the_fingerprint_is_refused() {
    let dir = tempfile::tempdir().expect("a folder");
    let (file, state) = finished_run(dir.path());
    edit(
        &file,
        "step prepare \"Prepare for",
        "step prepare \"Get ready for",
    );
    // Another run's pin (the changed playbook's) in this file.
    let other = crate::run::start(dir.path(), "other", &file, &crate::run::emea_inputs());
    let pin_of = |text: &str| {
        let at = text.find("\n[pin]").expect("a pin");
        let end = text[at..].find("\n[log]").expect("events") + at;
        text[at..end].to_string()
    };
    let theirs = pin_of(&std::fs::read_to_string(&other).expect("read"));
    let text = std::fs::read_to_string(&state).expect("read");
    let ours = pin_of(&text);
    std::fs::write(&state, text.replace(&ours, &theirs)).expect("write");
    let err = refused(&state, LATER, &["report", "--to", "markdown"], 4);
    assert!(
        err.contains("does not match the run's fingerprint"),
        "{err}"
    );
    assert!(err.contains("invalid-run-state"), "{err}");
}

#[test]
fn a_state_file_without_a_pin_gets_one_at_its_next_change() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = playbook_copy(dir.path());
    let state = crate::run::start(dir.path(), "old", &file, &crate::run::emea_inputs());
    let text = std::fs::read_to_string(&state).expect("read");
    let at = text.find("\n[pin]").expect("a pin");
    let end = text[at..].find("\n[log]").expect("events") + at;
    let unpinned = format!("{}{}", &text[..at], &text[end..]);
    std::fs::write(&state, &unpinned).expect("write");
    ok(
        &state,
        "2026-11-24T10:00:00Z",
        &["record", "rfa-customer", "--evidence", "FTOP"],
    );
    let text = std::fs::read_to_string(&state).expect("read");
    assert!(
        text.contains("\n[pin]\nencoding = \"json+zlib+base64\""),
        "{text}"
    );
    // Without a pin, a changed playbook still needs it as it was.
    std::fs::write(&state, &unpinned).expect("write");
    edit(
        &file,
        "step prepare \"Prepare for",
        "step prepare \"Get ready for",
    );
    let err = refused(&state, LATER, &["report", "--to", "markdown"], 5);
    assert!(err.contains("playbook run migrate"), "{err}");
}

#[test]
fn a_migrated_complete_run_says_what_was_added_after_its_steps_and_stays_complete() {
    let dir = tempfile::tempdir().expect("a folder");
    let (file, state) = finished_run(dir.path());
    // A mandatory item added to the finished `prepare` step (translated).
    let item = "    do prepare-conversation \"After enablement is complete, prepare for the customer conversation.\"\n";
    edit(
        &file,
        item,
        &format!("{item}    do check-licences \"Check the licences once more.\"\n"),
    );
    let zh = file.with_file_name("engagement-completion-enablement.zh.toml");
    let line = "\"item.prepare-conversation\" = {";
    edit(
        &zh,
        line,
        &format!(
            "\"item.check-licences\" = {{ text = \"再次检查许可证。\", source = \"Check the licences once more.\" }}\n{line}"
        ),
    );
    let (code, plan, err) = run_cmd(
        &state,
        LATER,
        "ana",
        &["migrate", file.to_str().expect("a path")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        plan.contains("item `check-licences` is new in step `prepare`, which this run completed"),
        "{plan}"
    );
    assert!(
        plan.contains("the run was complete and stays complete"),
        "{plan}"
    );
    ok(
        &state,
        LATER,
        &["migrate", "--apply", file.to_str().expect("a path")],
    );
    // No contradiction: complete, and every counted record done.
    let st = status(&state, LATER);
    assert_eq!(st["complete"], true, "{st}");
    assert_eq!(st["progress"]["done"], st["progress"]["total"], "{st}");
    assert!(st["pinned"].is_null(), "{st}");
    let added = st["steps"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == "check-licences")
        .expect("the new item is shown");
    assert_eq!(added["status"], "added-later", "{added}");
    let human = ok(&state, LATER, &["status"]);
    assert!(
        human.contains("[~] check-licences: added after its step was completed"),
        "{human}"
    );
    let report = ok(&state, LATER, &["report", "--to", "markdown"]);
    assert!(
        report.contains("| check-licences | Check the licences once more. | added after its step was completed; not part of this run |"),
        "{report}"
    );
    // The migrate event records what the plan said.
    let text = std::fs::read_to_string(&state).expect("read");
    assert!(text.contains("the run was complete and stays complete"));
}

#[test]
fn a_migration_that_adds_a_step_says_a_complete_run_is_not_complete_any_more() {
    let dir = tempfile::tempdir().expect("a folder");
    let (file, state) = finished_run(dir.path());
    edit(
        &file,
        "  key-inputs {",
        "  step archive \"Archive the engagement\" {\n    owner fm\n    after conduct\n    do archive-notes \"Archive the notes.\"\n  }\n\n  key-inputs {",
    );
    let zh = file.with_file_name("engagement-completion-enablement.zh.toml");
    let line = "\"step.prepare\" = {";
    edit(
        &zh,
        line,
        &format!(
            "\"step.archive\" = {{ text = \"归档\", source = \"Archive the engagement\" }}\n\"item.archive-notes\" = {{ text = \"归档笔记。\", source = \"Archive the notes.\" }}\n{line}"
        ),
    );
    let (code, plan, err) = run_cmd(
        &state,
        LATER,
        "ana",
        &["migrate", file.to_str().expect("a path")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        plan.contains("the run was complete and is not any more: `archive` still to do"),
        "{plan}{err}"
    );
}

/// `run start` of the shipped playbook with `seats` and `active-users`.
fn start_refused(seats: &str, users: &str) -> String {
    start_refused_with(seats, users, &[], 1)
}

/// [`start_refused`] with more arguments (`--locale zh`), exiting `code`.
fn start_refused_with(seats: &str, users: &str, more: &[&str], code: i32) -> String {
    let dir = tempfile::tempdir().expect("a folder");
    let out = crate::run::playbook()
        .args([
            "run",
            "start",
            "playbooks/engagement-completion-enablement.playbook",
        ])
        .arg("--state")
        .arg(dir.path().join("c.toml"))
        .args(["--input", &format!("seats={seats}")])
        .args(["--input", &format!("active-users={users}")])
        .args([
            "--input",
            "region=apj",
            "--input",
            "account-team-known=false",
        ])
        .args([
            "--input",
            "services=sharepoint,teams",
            "--now",
            "2026-12-01",
        ])
        .args(more)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(code));
    assert!(!dir.path().join("c.toml").exists(), "no run is created");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_refused_start_names_the_rule_the_failing_values_and_what_would_satisfy_it() {
    let err = start_refused("500", "30");
    for line in [
        "its rule `requires usage-milestone` does not hold",
        "`usage-milestone` (Active usage milestone reached) is false",
        "`seats < 1000` holds (seats is 500), so the rule is `active-users >= 100 or active-users >= 10% of seats`",
        "`active-users >= 100` does not hold: active-users is 30",
        "`active-users >= 10% of seats` does not hold: active-users is 30, 10% of seats is 50",
        // The weaker of the two ways is enough.
        "it would with active-users at least 50\n",
    ] {
        assert!(err.contains(line), "`{line}` is not in:\n{err}");
    }
    let err = start_refused("1000", "99");
    for line in [
        "`seats >= 1000` holds (seats is 1000), so the rule is `active-users >= 100`",
        "`active-users >= 100` does not hold: active-users is 99",
        "it would with active-users at least 100\n",
    ] {
        assert!(err.contains(line), "`{line}` is not in:\n{err}");
    }
}

#[test]
fn zh_status_and_report_show_texts_for_values_and_words_for_what_waits() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = crate::run::start(
        dir.path(),
        "c",
        Path::new("playbooks/engagement-completion-enablement.playbook"),
        &crate::run::emea_inputs(),
    );
    let now = "2026-11-24T10:00:00Z";
    let st = ok(&state, now, &["status", "--locale", "zh"]);
    assert!(st.contains("等待：尚未记录 `rfa-customer` 的证据"), "{st}");
    assert!(!st.contains("no evidence recorded"), "{st}");
    let report = ok(
        &state,
        now,
        &["report", "--to", "markdown", "--locale", "zh"],
    );
    assert!(
        report.contains("| FTCQ 非活动 EMEA (ftcq-inactive-emea) |"),
        "{report}"
    );
    assert!(
        report.contains("(region) | 欧洲、中东和非洲 (emea) |"),
        "{report}"
    );
    assert!(report.contains("(account-team-known) | 是 |"), "{report}");
    // A refusal names the step once, not as "belonging" to itself.
    let err = refused(&state, now, &["complete", "prepare"], 1);
    assert!(err.contains("error: step `prepare` is blocked"), "{err}");
}

/// The four customers of issue 16, run through the shipped playbook: two
/// complete their runs, shown in every locale the playbook has (en, zh);
/// two are refused at the start with the reason.
#[test]
fn the_four_customers_run_or_are_refused_with_the_reason_in_every_locale() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = Path::new("playbooks/engagement-completion-enablement.playbook");
    let customers = [
        crate::run::Case {
            account_team_known: true,
            ready_for_more: false,
            region: "emea",
            seats: 5000,
            active_users: 150,
            services: &["exchange", "teams"],
            set_on: "2026-12-31T23:30:00Z",
            next_action: "2027-12-31",
        },
        crate::run::Case {
            account_team_known: false,
            ready_for_more: true,
            region: "apj",
            seats: 500,
            active_users: 60,
            services: &["sharepoint", "teams"],
            set_on: "2027-01-01T08:00:00Z",
            next_action: "2028-12-31",
        },
    ];
    let queue_zh = [("emea", "FTCQ 非活动 EMEA"), ("apj", "FTCQ 非活动 APJ")];
    for (n, case) in customers.iter().enumerate() {
        // Runs to completion, checking the English report on the way.
        let state = scripted_run_of(dir.path(), n, case, file);
        let st = status(&state, case.set_on);
        assert_eq!(st["complete"], true);
        assert_eq!(st["next_action_date"], case.next_action);
        let queue = format!("ftcq-inactive-{}", case.region);
        assert_eq!(st["fields"]["tenant-queue"], queue.as_str());
        // In zh: the fixed words, the queue by its zh label, no English
        // heading left.
        let (_, zh_label) = queue_zh
            .iter()
            .find(|(r, _)| *r == case.region)
            .expect("a zh queue label");
        for to in ["markdown", "html"] {
            let report = ok(
                &state,
                case.set_on,
                &["report", "--to", to, "--locale", "zh"],
            );
            assert!(report.contains("运行报告"), "{report}");
            assert!(
                report.contains(&format!("{zh_label} ({queue})")),
                "{case:?}: {report}"
            );
            assert!(report.contains(case.next_action), "{case:?}");
            for english in ["Run report", "Inputs", "Computed values", "Log"] {
                assert!(
                    !report.contains(&format!(">{english}<"))
                        && !report.contains(&format!("# {english}")),
                    "`{english}` in the zh report"
                );
            }
        }
        let human = ok(&state, case.set_on, &["status", "--locale", "zh"]);
        assert!(human.contains("进度："), "{human}");
        assert!(human.contains("conduct [已完成]"), "{human}");
        assert!(!human.contains("progress"), "{human}");
    }
    // The other two are refused, with the rule and what would satisfy it.
    assert!(start_refused("500", "30").contains("active-users at least 50"));
    assert!(start_refused("1000", "99").contains("active-users at least 100"));
}

#[test]
fn run_list_follows_runs_of_a_changed_playbook_through_their_pins() {
    let dir = tempfile::tempdir().expect("a folder");
    let (file, finished) = finished_run(dir.path());
    let open = crate::run::start(dir.path(), "open", &file, &crate::run::emea_inputs());
    edit(
        &file,
        "step prepare \"Prepare for",
        "step prepare \"Get ready for",
    );
    let out = crate::run::playbook()
        .args(["run", "list", "--format", "json", "--now", "2027-01-02"])
        .arg(dir.path())
        .output()
        .expect("list");
    // The open run needs a migration: a problem, exit 1.
    assert_eq!(out.status.code(), Some(1));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let row = |state: &Path| {
        rows.as_array()
            .expect("rows")
            .iter()
            .find(|r| {
                r["file"].as_str().is_some_and(|f| {
                    f.ends_with(state.file_name().and_then(|n| n.to_str()).expect("a name"))
                })
            })
            .cloned()
            .expect("listed")
    };
    let done = row(&finished);
    assert_eq!(done["complete"], true, "{done}");
    assert_eq!(done["done"], done["total"], "{done}");
    assert!(done["problem"].is_null(), "{done}");
    let open = row(&open);
    assert_eq!(open["done"], 0, "{open}");
    assert!(
        open["problem"]
            .as_str()
            .is_some_and(|p| p.contains("run `playbook run migrate`")),
        "{open}"
    );
}

#[test]
fn a_start_refused_in_zh_gives_the_rule_the_values_and_the_way_out_in_zh() {
    let err = start_refused_with("500", "30", &["--locale", "zh"], 1);
    for line in [
        "`engagement-completion-enablement` 不适用于本次运行：对这些输入，其规则 `requires usage-milestone` 不成立",
        "`seats < 1000` 成立（seats 为 500），因此规则为 `active-users >= 100 or active-users >= 10% of seats`",
        "`active-users >= 10% of seats` 不成立：active-users 为 30, 10% of seats 为 50",
        "在这些输入下，若 active-users 至少为 50 则成立",
    ] {
        assert!(err.contains(line), "`{line}` is not in:\n{err}");
    }
    for english in ["does not hold", "would with", "so the rule is"] {
        assert!(!err.contains(english), "`{english}` in:\n{err}");
    }
    let err = start_refused_with("1000", "99", &["--locale", "zh"], 1);
    assert!(err.contains("若 active-users 至少为 100 则成立"), "{err}");
}

#[test]
fn a_run_started_in_zh_refuses_describes_and_reports_in_zh_unless_told_otherwise() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = dir.path().join("c.toml");
    let mut cmd = crate::run::playbook();
    cmd.args([
        "run",
        "start",
        "playbooks/engagement-completion-enablement.playbook",
        "--locale",
        "zh",
        "--now",
        "2026-11-24T09:00:00Z",
        "--actor",
        "ana",
    ])
    .arg("--state")
    .arg(&state);
    for (k, v) in crate::run::emea_inputs() {
        cmd.arg("--input").arg(format!("{k}={v}"));
    }
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("已在 `"), "{said}");
    let now = "2026-11-24T10:00:00Z";
    // Status speaks the run's language without being told.
    let st = ok(&state, now, &["status"]);
    assert!(st.contains("进度："), "{st}");
    // A refusal: the step, and what it waits for, in zh.
    let err = refused(&state, now, &["complete", "prepare"], 1);
    assert!(err.contains("error: 步骤 `prepare` 被阻塞"), "{err}");
    assert!(err.contains("尚未记录 `rfa-customer` 的证据"), "{err}");
    let err = refused(&state, now, &["done", "no-such-item"], 1);
    assert!(err.contains("该行动手册没有项目 `no-such-item`"), "{err}");
    // A change says what it did in zh, to the second.
    let out = ok(
        &state,
        now,
        &["record", "rfa-customer", "--evidence", "EM 记录"],
    );
    assert!(
        out.contains("已记录 `rfa-customer` 的证据（事件 2，由 ana 于 2026-11-24T10:00:00Z）"),
        "{out}"
    );
    // `--locale` overrides the run's language for one command.
    let err = refused(&state, now, &["complete", "prepare", "--locale", "en"], 1);
    assert!(err.contains("error: step `prepare` is blocked"), "{err}");
    assert!(
        err.contains("no evidence recorded for `milestone-documented`"),
        "{err}"
    );
    // The report's log is in zh too.
    let report = ok(&state, now, &["report", "--to", "markdown"]);
    assert!(
        report.contains("| 1 | 2026-11-24T09:00:00Z | ana | 开始 |"),
        "{report}"
    );
    assert!(report.contains("记录 rfa-customer：EM 记录"), "{report}");
    // Who answers for the run, after its name.
    assert!(
        report.contains("| 运行 | c |\n| 负责人 | ana |"),
        "{report}"
    );
}

#[test]
fn a_run_cannot_start_in_a_locale_its_playbook_has_no_texts_in() {
    let err = start_refused_with("5000", "150", &["--locale", "fr"], 2);
    assert!(
        err.contains("has no texts in locale `fr`; it has en, zh"),
        "{err}"
    );
}
