//! The interactive walk, `playbook run FILE --state PATH`, driven through a
//! pseudo-terminal: its prompts are inquire's, so keys are sent as a
//! terminal sends them (`\r` for Enter, typed text filters a menu).

use rexpect::session::{PtySession, spawn_command};
use std::path::Path;

/// A playbook with an input of every kind of prompt, gates, an optional
/// item, two questions and a second step.
const WALK: &str = r#"playbook walk {
  title "Walk"
  description "The interactive walk's tests"
  phase enable "Enable"
  phase enable
  owner "pagrim"
  author "Ryan Meehan"
  revised 2019-10-01

  role fm "FastTrack Manager"
  note log "Engagement log"
  enum region "Region" {
    americas "Americas"
    emea "Europe, Middle East and Africa"
  }
  enum channel "Channel" {
    email "By email"
    phone "By phone"
  }
  input seats: int "Licensed seats"
  input region: region "Region of the tenant"
  input channels: set of channel "Channels used"
  input managed: bool "The account is managed"

  step prepare "Prepare" {
    owner fm
    entry kickoff "The kickoff is documented" in log
    do call "Call the customer."
    do extra "Send a gift." optional
    ask how: channel "How should we follow up?"
    ask happy: bool "Is the customer happy?"
    exit summary "The summary is written" in log
  }

  step close "Close" {
    owner fm
    after prepare
    do thank "Thank the customer."
  }
}
"#;

fn walk(file: &Path, state: &Path, colour: bool) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("playbook"));
    c.args(["run"])
        .arg(file)
        .arg("--state")
        .arg(state)
        .args(["--actor", "ana", "--now", "2026-11-24T10:00:00Z"])
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm");
    if colour {
        c.env_remove("NO_COLOR");
    } else {
        c.env("NO_COLOR", "1");
    }
    c
}

/// Sends keys as a terminal does, at once.
fn keys(p: &mut PtySession, keys: &str) {
    p.send(keys).expect("send");
    p.flush().expect("flush");
}

/// Waits for `text`; returns what came before it. rexpect reads the
/// terminal a byte at a time, each byte as a char: `text` is matched as
/// its UTF-8 bytes (`✓` is three of them).
fn wait(p: &mut PtySession, text: &str) -> String {
    let bytes: String = text.bytes().map(char::from).collect();
    p.exp_string(&bytes)
        .unwrap_or_else(|e| panic!("waiting for {text:?}: {e}"))
}

#[test]
fn the_interactive_walk_runs_in_a_terminal_and_resumes() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("walk.playbook");
    std::fs::write(&file, WALK).expect("write");
    let state = dir.path().join("w.toml");
    let timeout = Some(20_000);
    let mut p = spawn_command(walk(&file, &state, false), timeout).expect("spawn in a pty");
    // Every input is asked by its kind; an invalid value is asked again in
    // place, with the error, and never dropped.
    wait(&mut p, "Licensed seats (seats)");
    keys(&mut p, "many\r");
    wait(&mut p, "`many` is not a valid `int`");
    keys(&mut p, "\x7f\x7f\x7f\x7f1500\r");
    wait(&mut p, "Region of the tenant (region)");
    keys(&mut p, "europe\r");
    wait(&mut p, "Channels used (channels)");
    keys(&mut p, " \r");
    wait(&mut p, "The account is managed (managed)");
    keys(&mut p, "no\r");
    let started = wait(&mut p, "Run started");
    assert!(!started.contains("What next?"), "{started}");
    // The checklist of the step, once, then the menu, without numbers.
    wait(&mut p, "Step prepare");
    wait(&mut p, "progress: 0/8");
    let first = wait(&mut p, "Quit (the run is saved)");
    assert!(first.contains("Record evidence `kickoff`"), "{first}");
    assert!(!first.contains("1)"), "no numbers: {first}");
    assert!(
        !first.contains("\x1b[32m"),
        "no colour under NO_COLOR: {first}"
    );
    // Evidence is required: an empty one is asked again.
    keys(&mut p, "kickoff\r");
    wait(&mut p, "Evidence:");
    keys(&mut p, "\r");
    wait(&mut p, "it cannot be empty");
    keys(&mut p, "Kickoff minutes in the log\r");
    wait(&mut p, "✓ recorded the evidence of `kickoff`");
    let after = wait(&mut p, "progress: 1/8");
    assert!(
        !after.contains("Step prepare"),
        "no checklist again: {after}"
    );
    // Items are chosen by what they are, not where they are.
    wait(&mut p, "What next?");
    keys(&mut p, "done `call`\r");
    wait(&mut p, "Note (optional):");
    keys(&mut p, "called Tuesday\r");
    wait(&mut p, "✓");
    wait(&mut p, "progress: 2/8");
    // A decision is answered by the playbook's labels.
    wait(&mut p, "What next?");
    keys(&mut p, "answer `how`\r");
    wait(&mut p, "How should we follow up?");
    keys(&mut p, "phone\r");
    wait(&mut p, "✓");
    wait(&mut p, "progress: 3/8");
    wait(&mut p, "What next?");
    keys(&mut p, "answer `happy`\r");
    wait(&mut p, "Is the customer happy?");
    keys(&mut p, "yes\r");
    wait(&mut p, "✓");
    wait(&mut p, "progress: 4/8");
    // Undo asks first; declining keeps the change.
    let menu = wait(&mut p, "Quit (the run is saved)");
    assert!(
        menu.contains("Done `extra` (optional): Send a gift."),
        "{menu}"
    );
    assert!(!menu.contains("Done `call`"), "{menu}");
    keys(&mut p, "undo\r");
    wait(&mut p, "Undo the latest change?");
    keys(&mut p, "\r");
    wait(&mut p, "nothing undone");
    // Ctrl-C at the menu leaves; everything is written.
    wait(&mut p, "What next?");
    p.send_control('c').expect("ctrl-c");
    wait(&mut p, "run the same command to resume");
    p.exp_eof().expect("ends");
    let text = std::fs::read_to_string(&state).expect("saved");
    assert!(text.contains("seats = 1500"), "{text}");
    assert!(text.contains("\"emea\""), "{text}");
    assert!(text.contains("\"email\""), "{text}");
    assert!(text.contains("managed = false"), "{text}");
    assert!(
        text.contains("evidence = \"Kickoff minutes in the log\""),
        "{text}"
    );
    assert!(text.contains("note = \"called Tuesday\""), "{text}");
    assert!(text.contains("\"phone\""), "{text}");
    assert!(!text.contains("event = \"undo\""), "{text}");
    // Resumed: the checklist again, and the same labels in the menu.
    let mut p = spawn_command(walk(&file, &state, false), timeout).expect("spawn in a pty");
    wait(&mut p, "Step prepare");
    wait(&mut p, "progress: 4/8");
    let menu = wait(&mut p, "Quit (the run is saved)");
    assert!(
        menu.contains("Done `extra` (optional): Send a gift."),
        "{menu}"
    );
    // Undo, confirmed, takes back the answer.
    keys(&mut p, "undo\r");
    wait(&mut p, "Undo the latest change?");
    keys(&mut p, "y\r");
    wait(&mut p, "✓");
    wait(&mut p, "progress: 3/8");
    wait(&mut p, "What next?");
    keys(&mut p, "answer `happy`\r");
    wait(&mut p, "Is the customer happy?");
    keys(&mut p, "\r");
    wait(&mut p, "progress: 4/8");
    wait(&mut p, "What next?");
    keys(&mut p, "summary\r");
    wait(&mut p, "Evidence:");
    keys(&mut p, "Summary in the log\r");
    wait(&mut p, "progress: 5/8");
    // Complete asks first; declining completes nothing.
    wait(&mut p, "What next?");
    keys(&mut p, "complete the step `prepare`\r");
    wait(&mut p, "Complete the step `prepare`?");
    keys(&mut p, "n\r");
    wait(&mut p, "not completed");
    wait(&mut p, "What next?");
    keys(&mut p, "complete the step `prepare`\r");
    wait(&mut p, "Complete the step `prepare`?");
    keys(&mut p, "y\r");
    wait(&mut p, "✓");
    // The step changed: its checklist is shown.
    wait(&mut p, "Step close");
    wait(&mut p, "What next?");
    keys(&mut p, "quit\r");
    wait(&mut p, "run the same command to resume");
    p.exp_eof().expect("ends");
    let text = std::fs::read_to_string(&state).expect("saved");
    assert!(text.contains("event = \"undo\""), "{text}");
    assert!(text.contains("event = \"complete\""), "{text}");
}

#[test]
fn the_interactive_walk_skips_an_optional_item_with_a_reason() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = dir.path().join("items.toml");
    let file = Path::new("tests/fixtures/valid/items.playbook");
    let mut c = walk(file, &state, true);
    c.args(["--input", "ready=true"]);
    let mut p = spawn_command(c, Some(20_000)).expect("spawn in a pty");
    // Only optional items can be skipped: filtered to `skip`, the menu
    // offers them and no required one.
    wait(&mut p, "What next?");
    keys(&mut p, "skip `");
    let menu = wait(&mut p, "Skip `optional-one` (optional)");
    let rest = wait(&mut p, "optional-with-body");
    assert!(!menu.contains("Skip `plain`"), "{menu}");
    assert!(!rest.contains("Skip `plain`"), "{rest}");
    keys(&mut p, "optional-one\r");
    wait(&mut p, "Why is it skipped?");
    keys(&mut p, "\r");
    wait(&mut p, "it cannot be empty");
    keys(&mut p, "not needed for this customer\r");
    // Coloured on a terminal: a green mark.
    wait(&mut p, "\x1b[32m✓\x1b[0m");
    wait(&mut p, "`optional-one`");
    // Esc at a question goes back to the menu; at the menu it leaves.
    wait(&mut p, "What next?");
    keys(&mut p, "done `plain`\r");
    wait(&mut p, "Note (optional):");
    keys(&mut p, "\x1b");
    wait(&mut p, "What next?");
    keys(&mut p, "\x1b");
    wait(&mut p, "run the same command to resume");
    p.exp_eof().expect("ends");
    let text = std::fs::read_to_string(&state).expect("saved");
    assert!(text.contains("event = \"skip\""), "{text}");
    assert!(
        text.contains("reason = \"not needed for this customer\""),
        "{text}"
    );
    assert!(!text.contains("event = \"done\""), "{text}");
}

/// A walk started with `--locale zh` speaks zh throughout: the prompts, the
/// menu, the line of a change; and the run keeps the locale for the
/// commands that follow.
#[test]
fn the_interactive_walk_speaks_the_locale_it_was_started_in() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = dir.path().join("zh.toml");
    let mut command = walk(
        Path::new("playbooks/engagement-completion-enablement.playbook"),
        &state,
        false,
    );
    command.args(["--locale", "zh"]);
    for (k, v) in crate::run::emea_inputs() {
        command.arg("--input").arg(format!("{k}={v}"));
    }
    let mut p = spawn_command(command, Some(20_000)).expect("spawn in a pty");
    wait(&mut p, "已在 `");
    wait(&mut p, "进度：0/");
    let menu = wait(&mut p, "退出（运行已保存）");
    // What came before, read back from its bytes.
    let bytes: Vec<u8> = menu.chars().map(|c| c as u32 as u8).collect();
    let menu = String::from_utf8_lossy(&bytes);
    assert!(menu.contains("记录证据 `rfa-customer`："), "{menu}");
    assert!(menu.contains("显示清单"), "{menu}");
    assert!(!menu.contains("Record evidence"), "{menu}");
    keys(&mut p, "`rfa-customer`\r");
    wait(&mut p, "证据：");
    keys(&mut p, "\r");
    wait(&mut p, "不能为空");
    keys(&mut p, "FTOP action\r");
    wait(&mut p, "✓ 已记录 `rfa-customer` 的证据");
    wait(&mut p, "下一步做什么？");
    keys(&mut p, "\x1b");
    wait(&mut p, "已离开");
    p.exp_eof().expect("ends");
    let text = std::fs::read_to_string(&state).expect("the state file");
    assert!(text.contains("locale = \"zh\""), "{text}");
    // The subcommands go on in zh without being told.
    let err = crate::run::refused(&state, "2026-11-24T11:00:00Z", &["complete", "prepare"], 1);
    assert!(err.contains("步骤 `prepare` 被阻塞"), "{err}");
}
