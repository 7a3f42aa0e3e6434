//! The record of what a run's playbook was compiled from
//! (`.playbook-cache/NAME.sources`, `src/run/sources.rs`): while every file
//! the compiler read is unchanged, a run command takes the model pinned in
//! the state file instead of compiling; any change to those files, and only
//! that, brings the compile back.

use crate::run::{emea_inputs, playbook_copy, run_cmd, start};
use sha2::Digest;
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-24T10:00:00Z";

fn record_of(state: &Path) -> PathBuf {
    let name = state.file_name().expect("a name").to_string_lossy();
    state
        .parent()
        .expect("a folder")
        .join(".playbook-cache")
        .join(format!("{name}.sources"))
}

/// The commands of a short run: evidence, items, a refusal, an undo, the
/// status and the report.
const SCRIPT: &[&[&str]] = &[
    &["record", "rfa-customer", "--evidence", "FTOP: RFA"],
    &["status", "--format", "json"],
    &["record", "milestone-documented", "--evidence", "TE note"],
    &["done", "follow-conduct-guidance"],
    &[
        "record",
        "account-team-identified",
        "--evidence",
        "FTOP contacts",
    ],
    &["undo"],
    &[
        "record",
        "account-team-identified",
        "--evidence",
        "FTOP contacts, again",
    ],
    &["done", "prepare-conversation"],
    &["status"],
    &["report", "--to", "markdown"],
];

#[test]
fn a_run_changed_through_its_record_of_sources_writes_what_a_compile_writes() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = playbook_copy(dir.path());
    let started = start(dir.path(), "run", &file, &emea_inputs());
    // Two copies of one run, of one playbook: one keeps its record, the
    // other loses it before every command, so that every command compiles.
    let (kept, compiled) = (dir.path().join("kept"), dir.path().join("compiled"));
    let mut states = Vec::new();
    for folder in [&kept, &compiled] {
        std::fs::create_dir_all(folder).expect("mkdir");
        let state = folder.join("run.toml");
        std::fs::copy(&started, &state).expect("copy");
        states.push(state);
    }
    for (i, args) in SCRIPT.iter().enumerate() {
        let _ = std::fs::remove_file(record_of(&states[1]));
        // The same text but for the state file's path, which `status` prints.
        let said = |state: &Path| {
            let (code, out, err) = run_cmd(state, NOW, "ana", args);
            let path = state.display().to_string();
            (
                code,
                out.replace(&path, "STATE"),
                err.replace(&path, "STATE"),
            )
        };
        let (with, without) = (said(&states[0]), said(&states[1]));
        assert_eq!(with, without, "command {i}: {args:?}");
        if i == 0 {
            assert_eq!(with.0, 0, "{with:?}");
            let record = std::fs::read_to_string(record_of(&states[0])).expect("a record");
            // Every file the compiler read: the playbook, the catalogue it
            // uses and both translations.
            assert_eq!(record.matches("[[read]]").count(), 4, "{record}");
            assert!(record.contains("fasttrack.zh.toml"), "{record}");
        }
    }
    let texts: Vec<String> = states
        .iter()
        .map(|s| std::fs::read_to_string(s).expect("read"))
        .collect();
    assert_eq!(texts[0], texts[1]);
    assert_eq!(texts[0].matches("\n{ id = ").count(), 7, "{}", texts[0]);
}

/// `run record CRITERION --evidence EVIDENCE`: the exit code, stdout and
/// stderr.
fn record_evidence(state: &Path, criterion: &str, evidence: &str) -> (i32, String, String) {
    run_cmd(
        state,
        NOW,
        "ana",
        &["record", criterion, "--evidence", evidence],
    )
}

/// A run with one change made, so that its record is written.
fn run_with_record(dir: &Path) -> (PathBuf, PathBuf) {
    let file = playbook_copy(dir);
    let state = start(dir, "run", &file, &emea_inputs());
    let (code, out, err) = record_evidence(&state, "rfa-customer", "FTOP");
    assert_eq!(code, 0, "{out}{err}");
    assert!(record_of(&state).is_file(), "the record is written");
    (file, state)
}

#[test]
fn an_edit_of_a_translation_the_playbook_uses_brings_the_compile_back() {
    let dir = tempfile::tempdir().expect("a folder");
    let (file, state) = run_with_record(dir.path());
    // A text of the shared catalogue's translation: part of the model.
    let zh = file
        .parent()
        .expect("a folder")
        .join("common/fasttrack.zh.toml");
    let text = std::fs::read_to_string(&zh).expect("read");
    let at = text.find("text = \"").expect("a text") + "text = \"".len();
    let edited = format!("{}修改：{}", &text[..at], &text[at..]);
    std::fs::write(&zh, edited).expect("write");
    let (code, _, err) = record_evidence(&state, "milestone-documented", "TE");
    assert_eq!(code, 5, "the playbook changed: {err}");
    assert!(err.contains("changed since this run started"), "{err}");
    // Put back, the record holds again and the run goes on.
    std::fs::write(&zh, text).expect("write");
    let (code, out, err) = record_evidence(&state, "milestone-documented", "TE");
    assert_eq!(code, 0, "{out}{err}");
}

fn sha256(text: &str) -> String {
    let hash = sha2::Sha256::digest(text.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[test]
fn a_record_that_holds_is_used_instead_of_a_compile() {
    let dir = tempfile::tempdir().expect("a folder");
    let (file, state) = run_with_record(dir.path());
    // The playbook changes its model (a step's title) ...
    let text = std::fs::read_to_string(&file).expect("read");
    let changed = text.replace(
        "step prepare \"Prepare for Engagement Discussion Conversation (enablement)\"",
        "step prepare \"Prepare the conversation\"",
    );
    assert_ne!(text, changed);
    std::fs::write(&file, &changed).expect("write");
    // ... and the record is made to say it read those bytes. The command
    // believes the record, takes the pinned model and succeeds: the record
    // is what spared the compile (a local cache, like the sealed table).
    let record = std::fs::read_to_string(record_of(&state)).expect("a record");
    let (old, new) = (sha256(&text), sha256(&changed));
    assert!(record.contains(&old), "{record}");
    std::fs::write(record_of(&state), record.replace(&old, &new)).expect("write");
    let (code, out, err) = record_evidence(&state, "milestone-documented", "TE");
    assert_eq!(code, 0, "{out}{err}");
    // Without the record, the compile finds the change.
    std::fs::remove_file(record_of(&state)).expect("remove");
    let (code, _, err) = run_cmd(&state, NOW, "ana", &["status"]);
    assert_eq!(code, 0, "status shows the pinned model: {err}");
    assert!(err.contains("has changed since this run started"), "{err}");
    let (code, _, err) = record_evidence(&state, "account-team-identified", "FTOP");
    assert_eq!(code, 5, "{err}");
}
