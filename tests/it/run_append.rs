//! A change made through the cache appends its lines to the state file in
//! place (`src/run/scan.rs`, `StateFile::into_write`) instead of writing
//! the file anew: the same bytes as a rewrite, the same file; a write cut
//! short leaves a last line that readers leave out and the next change
//! removes; readers that read while a change is written never fail.

use crate::run::{ENABLEMENT, emea_inputs, ok, run_cmd, start};
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-24T10:00:00Z";

fn cache_of(state: &Path) -> PathBuf {
    let name = state.file_name().expect("a name").to_string_lossy();
    state
        .parent()
        .expect("a folder")
        .join(".playbook-cache")
        .join(format!("{name}.state"))
}

/// The commands of a short run: evidence, items, a refusal, an undo and
/// more changes after it.
const SCRIPT: &[&[&str]] = &[
    &["record", "rfa-customer", "--evidence", "FTOP: RFA"],
    &["record", "milestone-documented", "--evidence", "TE note"],
    &[
        "record",
        "account-team-identified",
        "--evidence",
        "FTOP contacts",
    ],
    &["done", "follow-conduct-guidance"],
    &["undo"],
    &[
        "record",
        "account-team-identified",
        "--evidence",
        "FTOP contacts, again: ü [1] {x}",
    ],
    &["done", "prepare-conversation"],
    // Two undos through the cache, each uncovering the evidence below.
    &["record", "account-team-identified", "--evidence", "third"],
    &["undo"],
    &["undo"],
];

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).expect("metadata").ino()
}

#[test]
fn a_change_through_the_cache_appends_in_place_the_bytes_a_rewrite_writes() {
    let dir = tempfile::tempdir().expect("a folder");
    let started = start(dir.path(), "run", Path::new(ENABLEMENT), &emea_inputs());
    // Two copies of one run: one keeps its cache, so that its changes
    // append; the other loses it before every command, so that every
    // change reads the log whole and writes the file anew.
    let (kept, rewritten) = (dir.path().join("kept"), dir.path().join("rewritten"));
    let mut states = Vec::new();
    for folder in [&kept, &rewritten] {
        std::fs::create_dir_all(folder).expect("mkdir");
        let state = folder.join("run.toml");
        std::fs::copy(&started, &state).expect("copy");
        // A first change writes the copy's own cache.
        ok(
            &state,
            NOW,
            &["record", "rfa-customer", "--evidence", "first"],
        );
        states.push(state);
    }
    let (kept, rewritten) = (&states[0], &states[1]);
    let mut succeeded = 0;
    for args in SCRIPT {
        let before = std::fs::read_to_string(kept).expect("read");
        #[cfg(unix)]
        let same_file = inode(kept);
        // (A refused change writes no cache.)
        let _ = std::fs::remove_file(cache_of(rewritten));
        let (a, b) = (
            run_cmd(kept, NOW, "ana", args),
            run_cmd(rewritten, NOW, "ana", args),
        );
        assert_eq!(a, b, "{args:?}");
        succeeded += usize::from(a.0 == 0);
        let after = std::fs::read_to_string(kept).expect("read");
        assert_eq!(
            after,
            std::fs::read_to_string(rewritten).expect("read"),
            "{args:?}"
        );
        if a.0 == 0 {
            // The caches too: the same state (and the same depth of each
            // stack of values) sealed with the same text.
            assert_eq!(
                std::fs::read_to_string(cache_of(kept)).expect("a cache"),
                std::fs::read_to_string(cache_of(rewritten)).expect("a cache"),
                "{args:?}"
            );
        }
        if a.0 != 0 {
            assert_eq!(after, before, "{args:?}: refused, and left alone");
        } else if args[0] != "undo" {
            // Appended: the old text up to the `]` that closed the log is
            // still there, byte for byte, in the same file.
            assert!(after.starts_with(&before[..before.len() - 2]), "{args:?}");
            #[cfg(unix)]
            assert_eq!(inode(kept), same_file, "{args:?}: the file was replaced");
        }
    }
    assert_eq!(succeeded, SCRIPT.len() - 1, "one refusal");
}

/// The line a killed change was writing.
const LOST: &str = "{ id = \"0f1e2d3c4b5a6978\", time = \"2026-11-24T10:00:00Z\", actor = \"ana\", \
                    event = \"record\", criterion = \"rfa-customer\", evidence = \"lost ü\" },\n";

/// The state file as a change that was killed halfway through its write
/// leaves it: the old text, and the first `n` bytes of [`LOST`] over the
/// `]` that closed the log. Returns the old text.
fn cut_short(state: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(state).expect("read");
    let mut cut = text.as_bytes()[..text.len() - 2].to_vec();
    cut.extend_from_slice(&LOST.as_bytes()[..n]);
    std::fs::write(state, &cut).expect("write");
    text
}

#[test]
fn a_log_cut_short_reads_as_before_it_and_the_next_change_removes_the_unfinished_line() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    ok(
        &state,
        NOW,
        &["record", "rfa-customer", "--evidence", "FTOP"],
    );
    let status = ok(&state, NOW, &["status", "--format", "json"]);
    // Cut inside the `ü`: the file is not UTF-8 until the line goes.
    let before = cut_short(&state, LOST.find('ü').expect("a ü") + 1);
    let (code, out, err) = run_cmd(&state, NOW, "ana", &["status", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, status, "the run reads as it was");
    assert!(
        err.contains("the last line of the log is unfinished"),
        "{err}"
    );
    let (code, report, err) = run_cmd(&state, NOW, "ana", &["report", "--to", "markdown"]);
    assert_eq!(code, 0, "{err}");
    assert!(!report.contains("lost"), "{report}");

    ok(
        &state,
        NOW,
        &["record", "milestone-documented", "--evidence", "TE"],
    );
    let after = std::fs::read_to_string(&state).expect("read");
    assert!(!after.contains("lost"), "{after}");
    assert!(after.starts_with(&before[..before.len() - 2]));
    assert_eq!(
        after.lines().filter(|l| l.starts_with("{ id = ")).count(),
        3
    );
    let (code, _, err) = run_cmd(&state, NOW, "ana", &["status"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("unfinished"), "{err}");
}

#[test]
fn a_whole_last_line_without_the_closing_bracket_is_kept() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    cut_short(&state, LOST.len());
    let status = ok(&state, NOW, &["status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&status).expect("JSON");
    assert!(
        json.to_string().contains("lost ü"),
        "the whole event counts: {json}"
    );
}

#[test]
fn a_last_line_broken_by_hand_is_refused_not_dropped() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    let text = std::fs::read_to_string(&state).expect("read");
    let broken = format!("{}{{ id = \"x\", oops }},\n", &text[..text.len() - 2]);
    std::fs::write(&state, &broken).expect("write");
    let (code, _, err) = run_cmd(&state, NOW, "ana", &["status"]);
    assert_eq!(code, 4, "{err}");
    let (code, _, err) = run_cmd(
        &state,
        NOW,
        "ana",
        &["record", "rfa-customer", "--evidence", "x"],
    );
    assert_eq!(code, 4, "{err}");
    assert_eq!(std::fs::read_to_string(&state).expect("read"), broken);
}

#[test]
fn readers_never_fail_while_changes_are_appended() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = start(dir.path(), "c", Path::new(ENABLEMENT), &emea_inputs());
    let model = playbook::compile(Path::new(ENABLEMENT), &playbook::fs::FsLoader::default())
        .expect("compiles")
        .model
        .expect("a model");
    let done = std::sync::atomic::AtomicBool::new(false);
    let writes = 300;
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut reads = 0;
            let mut cut = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let bytes = playbook::fs::read_settled(&state).expect("read");
                let (text, was_cut) = playbook::run::scan::text_of(bytes).expect("UTF-8");
                let file = playbook::run::state::StateFile::parse(&text)
                    .unwrap_or_else(|f| panic!("read {reads}: {f:?}"));
                file.run(&model).expect("replays");
                reads += 1;
                cut += usize::from(was_cut);
            }
            (reads, cut)
        });
        // Stops the reader however the writes end.
        struct Done<'a>(&'a std::sync::atomic::AtomicBool);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let stop = Done(&done);
        for i in 0..writes {
            let now = playbook::run::Now {
                time: jiff::Timestamp::now(),
                today: jiff::civil::date(2026, 11, 24),
            };
            let locked =
                playbook::run::session::Locked::acquire(&state, "ana", now.time).expect("the lock");
            let record = playbook::run::session::Command::Record {
                criterion: "rfa-customer".into(),
                evidence: format!("write {i}"),
            };
            locked
                .change_with(&model, &record, now, "ana")
                .expect("a change");
        }
        drop(stop);
        let (reads, _cut) = reader.join().expect("the reader");
        assert!(reads > 0);
    });
    let text = std::fs::read_to_string(&state).expect("read");
    let file = playbook::run::state::StateFile::parse(&text).expect("parses");
    assert_eq!(file.serial, 1 + writes);
}
