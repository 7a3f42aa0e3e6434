//! Runs a team shares through git: clones that each change a run merge
//! with no conflict (the `.gitattributes` that `run start` writes) into a
//! valid run holding every change; nothing but the state files is
//! committed (locks and caches stay in the ignored `.playbook-cache/`);
//! the playbook is found from every clone; and `--wait` waits for another
//! writer's lock, as cargo does.

use crate::run::{playbook, run_cmd};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs git in `dir`, isolated from the machine's configuration; the
/// command must succeed. Returns its standard output.
fn git(dir: &Path, home: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ana")
        .env("GIT_AUTHOR_EMAIL", "ana@example.com")
        .env("GIT_COMMITTER_NAME", "Ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.com")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {} failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A team's repository: the shipped playbooks and one run of the
/// enablement playbook, pushed to a bare `origin`; and two clones of it.
struct Team {
    _dir: tempfile::TempDir,
    home: PathBuf,
    a: PathBuf,
    b: PathBuf,
}

const STATE: &str = "runs/contoso.run.toml";

impl Team {
    fn new() -> Team {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let origin = dir.path().join("origin.git");
        std::fs::create_dir_all(&origin).expect("origin");
        git(&origin, &home, &["init", "-q", "--bare", "-b", "main"]);
        let setup = dir.path().join("setup");
        git(
            dir.path(),
            &home,
            &["clone", "-q", origin.to_str().expect("utf-8"), "setup"],
        );
        copy_tree(Path::new("playbooks"), &setup.join("playbooks"));
        let out = playbook()
            .current_dir(&setup)
            .args([
                "run",
                "start",
                "playbooks/engagement-completion-enablement.playbook",
                "--state",
                STATE,
                "--now",
                "2026-11-24T09:00:00Z",
                "--actor",
                "ana",
            ])
            .args(
                crate::run::emea_inputs()
                    .iter()
                    .flat_map(|(k, v)| ["--input".to_string(), format!("{k}={v}")]),
            )
            .output()
            .expect("start");
        assert!(out.status.success(), "{out:?}");
        // The playbook is named from the root of the work tree, for every clone.
        let text = std::fs::read_to_string(setup.join(STATE)).expect("state");
        assert!(
            text.contains("\nsource = \"playbooks/engagement-completion-enablement.playbook\"\n"),
            "{text}"
        );
        git(&setup, &home, &["add", "-A"]);
        // Only the state file and the attributes are new: the lock and the
        // cache are ignored.
        let staged = git(&setup, &home, &["diff", "--cached", "--name-only"]);
        let runs: Vec<&str> = staged.lines().filter(|l| l.starts_with("runs/")).collect();
        assert_eq!(runs, ["runs/.gitattributes", STATE], "{staged}");
        let ignored = git(&setup, &home, &["status", "--porcelain", "--ignored"]);
        assert!(
            ignored.contains("!! runs/.playbook-cache/"),
            "the cache is ignored:\n{ignored}"
        );
        git(&setup, &home, &["commit", "-q", "-m", "start contoso"]);
        git(&setup, &home, &["push", "-q", "origin", "main"]);
        let clone = |name: &str| {
            git(
                dir.path(),
                &home,
                &["clone", "-q", origin.to_str().expect("utf-8"), name],
            );
            dir.path().join(name)
        };
        let a = clone("a");
        let b = clone("b");
        Team {
            home,
            a,
            b,
            _dir: dir,
        }
    }

    fn git(&self, clone: &Path, args: &[&str]) -> String {
        git(clone, &self.home, args)
    }

    /// `playbook run ARGS` in `clone` as `actor` at `now`; must succeed.
    fn run(&self, clone: &Path, now: &str, actor: &str, args: &[&str]) -> String {
        let (code, out, err) = run_cmd(&clone.join(STATE), now, actor, args);
        assert_eq!(
            code,
            0,
            "playbook run {args:?} in {}:\n{out}{err}",
            clone.display()
        );
        out
    }

    /// Changes the run in `clone` and commits the change.
    fn change(&self, clone: &Path, now: &str, actor: &str, args: &[&str]) {
        self.run(clone, now, actor, args);
        self.git(clone, &["commit", "-q", "-am", &args.join(" ")]);
    }

    fn status(&self, clone: &Path) -> serde_json::Value {
        let out = self.run(
            clone,
            "2026-11-25T09:00:00Z",
            "ana",
            &["status", "--format", "json"],
        );
        serde_json::from_str(&out).expect("status is JSON")
    }
}

fn evidence(status: &serde_json::Value, criterion: &str) -> Option<String> {
    let steps = status["steps"].as_array().expect("steps");
    steps
        .iter()
        .flat_map(|s| {
            s["entry"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(s["exit"].as_array().into_iter().flatten())
        })
        .find(|g| g["criterion"] == criterion)
        .and_then(|g| g["evidence"].as_str().map(str::to_string))
}

#[test]
fn two_clones_that_each_record_evidence_merge_with_no_conflict_into_a_valid_run() {
    let team = Team::new();
    let (a, b) = (&team.a, &team.b);
    team.change(
        a,
        "2026-11-24T10:00:00Z",
        "ana",
        &[
            "record",
            "rfa-customer",
            "--evidence",
            "FTOP: the motion is RFA",
        ],
    );
    team.git(a, &["push", "-q", "origin", "main"]);
    team.change(
        b,
        "2026-11-24T10:05:00Z",
        "bo",
        &[
            "record",
            "milestone-documented",
            "--evidence",
            "TE note: 212 active users",
        ],
    );
    // The merge: no conflict, and the run is valid with both changes.
    team.git(b, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let text = std::fs::read_to_string(b.join(STATE)).expect("state");
    assert!(!text.contains("<<<<<<<"), "{text}");
    let merged = team.status(b);
    assert_eq!(
        evidence(&merged, "rfa-customer").as_deref(),
        Some("FTOP: the motion is RFA"),
        "{merged:#}"
    );
    assert_eq!(
        evidence(&merged, "milestone-documented").as_deref(),
        Some("TE note: 212 active users")
    );
    // The merged log reads oldest first, by time: bo's record (10:05) was
    // merged before ana's (10:00), and comes after it.
    let log: Vec<&str> = text.lines().filter(|l| l.starts_with("{ id = ")).collect();
    assert!(
        log[1].contains("\"bo\"") && log[2].contains("\"ana\""),
        "{text}"
    );
    // The merged run goes on, in either clone: both record the same
    // criterion at once, then merge again; the log keeps both (the latest
    // counts), and the two clones end with the same run.
    team.change(
        b,
        "2026-11-24T11:00:00Z",
        "bo",
        &[
            "record",
            "account-team-identified",
            "--evidence",
            "bo: contacts in FTOP",
        ],
    );
    team.git(b, &["push", "-q", "origin", "main"]);
    team.change(
        a,
        "2026-11-24T11:01:00Z",
        "ana",
        &[
            "record",
            "account-team-identified",
            "--evidence",
            "ana: contacts in FTOP",
        ],
    );
    team.git(a, &["pull", "-q", "--no-rebase", "origin", "main"]);
    team.git(a, &["push", "-q", "origin", "main"]);
    team.git(b, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_eq!(
        std::fs::read_to_string(a.join(STATE)).expect("a"),
        std::fs::read_to_string(b.join(STATE)).expect("b")
    );
    let (sa, sb) = (team.status(a), team.status(b));
    assert_eq!(sa, sb);
    assert!(sa["pinned"].is_null(), "the playbook is found: {sa:#}");
    assert_eq!(
        evidence(&sa, "account-team-identified").as_deref(),
        Some("ana: contacts in FTOP"),
        "ana's record (11:01) is the later one, though the merge wrote it first"
    );
    let report = team.run(
        a,
        "2026-11-25T09:00:00Z",
        "ana",
        &["report", "--to", "markdown"],
    );
    for said in ["ana: contacts in FTOP", "bo: contacts in FTOP"] {
        assert!(report.contains(said), "the report logs {said}:\n{report}");
    }
    // Undo after the merge takes back the latest change: ana's evidence.
    team.run(b, "2026-11-25T10:00:00Z", "bo", &["undo"]);
    assert_eq!(
        evidence(&team.status(b), "account-team-identified").as_deref(),
        Some("bo: contacts in FTOP")
    );
}

#[test]
fn a_locked_run_is_refused_at_once_or_waited_for_with_wait() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::run::start(
        dir.path(),
        "contoso",
        Path::new("playbooks/engagement-completion-enablement.playbook"),
        &crate::run::emea_inputs(),
    );
    // Another writer holds the lock: this test takes it as a writer would.
    let lock = dir.path().join(".playbook-cache").join("contoso.toml.lock");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&lock)
        .or_else(|_| std::fs::File::create(&lock))
        .expect("lock file");
    file.lock().expect("locked");
    std::fs::write(
        &lock,
        "holder = \"bo\"\npid = 4711\nsince = \"2026-11-24T10:00:00Z\"\n",
    )
    .expect("holder");
    let args = ["record", "rfa-customer", "--evidence", "FTOP: RFA"];
    let (code, _, err) = run_cmd(&state, "2026-11-24T10:01:00Z", "ana", &args);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("`bo` (process 4711)"), "{err}");
    assert!(err.contains("help: pass `--wait`"), "{err}");
    // With --wait: it says whom it waits for, and goes on once let go.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("playbook"))
        .arg("run")
        .args(args)
        .arg("--state")
        .arg(&state)
        .args(["--now", "2026-11-24T10:01:00Z", "--actor", "ana", "--wait"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let said = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the waiting writer says so");
    assert!(
        said.contains("Blocking waiting for file lock on run")
            && said.contains("`bo` (process 4711)"),
        "{said}"
    );
    // Until the holder lets go, the waiting writer writes nothing.
    let before = std::fs::read_to_string(&state).expect("state");
    assert!(!before.contains("FTOP: RFA"), "written while locked");
    drop(file);
    let out = child.wait_with_output().expect("ends");
    let rest = reader.join().expect("reader");
    assert!(out.status.success(), "{said}\n{rest}");
    let after = std::fs::read_to_string(&state).expect("state");
    assert!(after.contains("FTOP: RFA"), "{after}");
}

#[test]
fn an_undo_in_one_clone_while_the_other_changed_the_run_is_refused_at_its_line() {
    let team = Team::new();
    let (a, b) = (&team.a, &team.b);
    for (criterion, evidence) in [
        ("rfa-customer", "FTOP: RFA"),
        ("milestone-documented", "TE note"),
    ] {
        team.change(
            a,
            "2026-11-24T10:00:00Z",
            "ana",
            &["record", criterion, "--evidence", evidence],
        );
    }
    team.git(a, &["push", "-q", "origin", "main"]);
    team.git(b, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Ana takes back her last record; meanwhile bo records something else.
    team.change(a, "2026-11-24T11:00:00Z", "ana", &["undo"]);
    team.git(a, &["push", "-q", "origin", "main"]);
    team.change(
        b,
        "2026-11-24T10:30:00Z",
        "bo",
        &[
            "record",
            "account-team-identified",
            "--evidence",
            "contacts",
        ],
    );
    team.git(b, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Merged, ana's undo (11:00) no longer takes back the latest change:
    // refused, pointing at its line, and the file is left as it is.
    let state = b.join(STATE);
    let before = std::fs::read_to_string(&state).expect("state");
    let (code, out, err) = run_cmd(&state, "2026-11-25T09:00:00Z", "ana", &["status"]);
    assert_eq!(code, 4, "{out}{err}");
    assert!(err.contains("invalid-run-state"), "{err}");
    assert!(err.contains("not the latest event in effect"), "{err}");
    let undo_line = before
        .lines()
        .find(|l| l.contains("event = \"undo\""))
        .expect("ana's undo");
    assert!(
        err.contains(&undo_line[..40]),
        "the fault points at the undo:\n{err}"
    );
    assert_eq!(std::fs::read_to_string(&state).expect("state"), before);
    // Deleting that line makes the run valid again, with both records.
    let mended = before.replacen(&format!("{undo_line}\n"), "", 1);
    std::fs::write(&state, mended).expect("mend");
    let status = team.status(b);
    assert_eq!(
        evidence(&status, "milestone-documented").as_deref(),
        Some("TE note")
    );
    assert_eq!(
        evidence(&status, "account-team-identified").as_deref(),
        Some("contacts")
    );
}
