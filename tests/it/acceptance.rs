//! Acceptance points of the completeness checks: small edits to copies of
//! the shipped playbooks, each checked through the real binary with
//! `--format json`, must give exactly the intended diagnostic.

use super::formats::{check_json, copy_tree, diagnostics, playbook, root, run_in};
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

const ENABLEMENT: &str = "engagement-completion-enablement.playbook";
const ENABLEMENT_ZH: &str = "engagement-completion-enablement.zh.toml";

/// A copy of the shipped playbooks in a fresh temporary folder.
fn shipped() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    copy_tree(&root("playbooks"), dir.path());
    dir
}

/// Replaces `old` (which must occur exactly once) with `new` in a file.
fn edit(dir: &Path, file: &str, old: &str, new: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        text.matches(old).count(),
        1,
        "{file} should hold {old:?} exactly once"
    );
    std::fs::write(&path, text.replacen(old, new, 1)).expect("write");
}

/// Removes the one line of a file that starts (after indentation) with
/// `start`, and returns it.
fn remove_line(dir: &Path, file: &str, start: &str) -> String {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let matching: Vec<&&str> = lines
        .iter()
        .filter(|l| l.trim_start().starts_with(start))
        .collect();
    assert_eq!(matching.len(), 1, "{file}: lines starting with {start:?}");
    let removed = matching[0].to_string();
    let kept: String = lines
        .iter()
        .filter(|l| !l.trim_start().starts_with(start))
        .copied()
        .collect();
    std::fs::write(&path, kept).expect("write");
    removed
}

/// `check --format json .` in `dir`: must exit 1 with exactly one
/// diagnostic, an error, which is returned.
fn the_one_error(dir: &Path) -> Value {
    let (code, report) = check_json(dir, &["."]);
    let ds = diagnostics(&report);
    assert_eq!(ds.len(), 1, "exactly one diagnostic: {report:#}");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["warnings"], 0);
    let d = ds[0].clone();
    assert_eq!(d["severity"], "error", "{d:#}");
    assert_eq!(d["file"], ENABLEMENT, "{d:#}");
    d
}

#[test]
fn a_without_the_queue_move_exit_unassign_waits_in_vain() {
    let dir = shipped();
    let removed = remove_line(dir.path(), ENABLEMENT, "exit queue-move-requested ");
    assert!(removed.contains("in engagement-management"), "{removed}");
    remove_line(
        dir.path(),
        ENABLEMENT_ZH,
        "\"criterion.queue-move-requested\" =",
    );
    let d = the_one_error(dir.path());
    let code = d["code"].as_str().unwrap();
    assert!(
        code == "ordering-violation" || code == "gate-unsatisfied",
        "{d:#}"
    );
    let message = d["message"].as_str().unwrap();
    assert!(message.contains("`unassign`"), "{message}");
    assert!(message.contains("step `conduct`"), "{message}");
    assert!(message.contains("queue-move-requested"), "{message}");
    let steps = d["path"]["steps"].as_array().expect("path.steps");
    assert_eq!(
        steps.last().and_then(Value::as_str),
        Some("conduct"),
        "{d:#}"
    );
}

#[test]
fn b_without_the_emea_arm_the_region_match_is_not_exhaustive() {
    let dir = shipped();
    remove_line(dir.path(), ENABLEMENT, "emea => ftcq-inactive-emea");
    let d = the_one_error(dir.path());
    assert_eq!(d["code"], "non-exhaustive-branch", "{d:#}");
    let message = d["message"].as_str().unwrap();
    assert!(message.contains("`emea`"), "{message}");
    assert!(!message.contains("americas") && !message.contains("apj"));
    // The diagnostic points at the `match` of `inactive-queue`.
    let text = std::fs::read_to_string(dir.path().join(ENABLEMENT)).expect("read");
    let line = d["line"].as_u64().unwrap() as usize;
    let source_line = text.lines().nth(line - 1).expect("the line");
    assert!(source_line.contains("let inactive-queue"), "{source_line}");
}

#[test]
fn c_the_english_milestone_rule_leaves_a_gap_at_1000_seats() {
    let dir = shipped();
    edit(
        dir.path(),
        ENABLEMENT,
        "    seats >= 1000 => active-users >= 100\n    seats < 1000 => active-users >= 100 or active-users >= 10% of seats\n",
        "    seats > 1000 => active-users >= 100\n    seats > 1000 => active-users >= 10% of seats\n",
    );
    let (code, report) = check_json(dir.path(), &["."]);
    assert_eq!(code, 1, "{report:#}");
    let ds = diagnostics(&report);
    let gap: Vec<&Value> = ds
        .iter()
        .filter(|d| d["code"] == "non-exhaustive-branch")
        .collect();
    assert_eq!(gap.len(), 1, "{report:#}");
    let d = gap[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(
        d["path"]["values"],
        serde_json::json!({ "seats": "1000" }),
        "{d:#}"
    );
    assert!(
        d["message"].as_str().unwrap().contains("seats = 1000"),
        "{d:#}"
    );
    // The two arms share a condition, so they also overlap; nothing else.
    for other in ds.iter().filter(|d| d["code"] != "non-exhaustive-branch") {
        assert_eq!(other["code"], "overlapping-branch", "{report:#}");
    }
}

#[test]
fn d_the_shipped_playbooks_check_clean_in_every_format() {
    let dir = shipped();
    let files = 3;
    let output = run_in(dir.path(), &["check", "."]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("checked {files} files: 0 errors, 0 warnings\n")
    );
    let (code, report) = check_json(dir.path(), &["."]);
    assert_eq!(code, 0);
    assert_eq!(
        report,
        serde_json::json!({
            "diagnostics": [],
            "summary": { "files": files, "errors": 0, "warnings": 0 },
        })
    );
    let output = run_in(dir.path(), &["check", "--format", "sarif", "."]);
    assert_eq!(output.status.code(), Some(0));
    let log: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    let output = run_in(dir.path(), &["check", "--format", "github", "."]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty() && output.stderr.is_empty());
    let output = run_in(dir.path(), &["check", "--deny-warnings", "."]);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn e_explain_gate_unsatisfied() {
    playbook()
        .args(["explain", "gate-unsatisfied"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("# gate-unsatisfied\n"))
        .stdout(predicate::str::contains("## What it does"))
        .stderr("");
}
