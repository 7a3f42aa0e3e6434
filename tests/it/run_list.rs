//! `playbook run list`: the table, its formats, its filters, the walk
//! through subfolders, and broken state files as problems.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const ENABLEMENT: &str = "playbooks/engagement-completion-enablement.playbook";
const MIGRATION: &str = "playbooks/engagement-completion-migration.playbook";
const DAY1: &str = "2026-11-24T10:00:00Z";
const DAY2: &str = "2026-12-01T10:00:00Z";

fn playbook() -> Command {
    let mut cmd = Command::cargo_bin("playbook").expect("the playbook binary");
    cmd.env_remove("PLAYBOOK_NOW")
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100");
    cmd
}

/// `playbook run ARGS` at `now` as `ana`, which must succeed.
fn ok(now: &str, args: &[&str]) -> String {
    let out = playbook()
        .arg("run")
        .args(args)
        .args(["--now", now, "--actor", "ana"])
        .output()
        .expect("run playbook");
    assert_eq!(
        out.status.code(),
        Some(0),
        "playbook run {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn start(state: &Path, file: &str, extra: &[&str]) {
    let state = state.to_str().expect("a UTF-8 path");
    let mut args = vec!["start", file, "--state", state];
    if file == MIGRATION {
        args.extend([
            "--input",
            "migration-complete=true",
            "--input",
            "account-team-known=true",
            "--input",
            "region=apj",
        ]);
    } else {
        args.extend([
            "--input",
            "seats=1500",
            "--input",
            "active-users=200",
            "--input",
            "account-team-known=true",
            "--input",
            "region=emea",
            "--input",
            "services=exchange",
        ]);
    }
    args.extend(extra);
    ok(DAY1, &args);
}

/// A run of the enablement playbook through `prepare`, with its next
/// action date set on DAY2 (2027-12-31), made once and copied.
fn advanced() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a folder");
        let state = dir.path().join("advanced.toml");
        start(&state, ENABLEMENT, &["--owner", "bo", "--name", "contoso"]);
        let s = state.to_str().expect("a UTF-8 path");
        let change = |now: &str, args: &[&str]| {
            let mut all = args.to_vec();
            all.extend(["--state", s]);
            ok(now, &all);
        };
        for c in [
            "rfa-customer",
            "milestone-documented",
            "account-team-identified",
        ] {
            change(DAY1, &["record", c, "--evidence", "FTOP"]);
        }
        change(
            DAY1,
            &[
                "done",
                "prepare-conversation",
                "email-account-team",
                "ask-for-review",
                "fm-disengages",
                "account-team-support",
            ],
        );
        change(DAY1, &["record", "atu-sent", "--evidence", "EM note"]);
        change(DAY1, &["complete", "prepare"]);
        change(DAY2, &["done", "schedule", "review-activities:exchange"]);
        change(DAY2, &["answer", "ready-for-more", "false"]);
        change(DAY2, &["done", "proceed"]);
        change(
            DAY2,
            &[
                "done",
                "follow-up-email",
                "mark-disengagement",
                "update-notes",
                "set-next-action-date",
                "request-queue-move",
            ],
        );
        for c in ["customer-email-sent", "customer-status-updated"] {
            change(DAY2, &["record", c, "--evidence", "EM note"]);
        }
        std::fs::read_to_string(&state).expect("the state file")
    })
}

/// A folder of runs:
/// - `contoso.toml`: enablement, named contoso, owned by ana, at `prepare`;
/// - `sub/contoso.toml`: a copy of [`advanced`], named contoso, owned by
///   bo, at `conduct`, next action 2027-12-31;
/// - `fabrikam.toml`: the migration playbook, owned by cy.
fn runs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a folder");
    start(
        &dir.path().join("contoso.toml"),
        ENABLEMENT,
        &["--name", "contoso"],
    );
    std::fs::create_dir(dir.path().join("sub")).expect("a subfolder");
    std::fs::write(dir.path().join("sub/contoso.toml"), advanced()).expect("a copy");
    start(
        &dir.path().join("fabrikam.toml"),
        MIGRATION,
        &["--owner", "cy"],
    );
    dir
}

/// `playbook run list ARGS` at NOW: (exit code, stdout, stderr).
fn list(now: &str, args: &[&str]) -> (i32, String, String) {
    let out = playbook()
        .args(["run", "list", "--now", now])
        .args(args)
        .output()
        .expect("run playbook");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(now: &str, dir: &Path, args: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let mut all = vec![dir.to_str().expect("UTF-8"), "--format", "json"];
    all.extend(args);
    let (code, out, err) = list(now, &all);
    let rows: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, rows.as_array().expect("an array").clone())
}

/// The value of `key` in each row, as text.
fn column(rows: &[serde_json::Value], key: &str) -> Vec<String> {
    rows.iter()
        .map(|r| match &r[key] {
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        })
        .collect()
}

fn path(dir: &Path) -> &str {
    dir.to_str().expect("a UTF-8 path")
}

#[test]
fn the_table_has_a_header_aligned_columns_and_a_summary() {
    let dir = runs();
    let (code, out, err) = list("2026-12-02", &[path(dir.path())]);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    let header = lines[0];
    let starts: Vec<usize> = [
        "file",
        "name",
        "playbook",
        "owner",
        "current step",
        "progress",
        "next action",
        "overdue",
        "problem",
    ]
    .iter()
    .map(|h| {
        header
            .find(h)
            .unwrap_or_else(|| panic!("no `{h}` in {header}"))
    })
    .collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{header}");
    // Rows sorted by file; the two runs named contoso told apart by it.
    let rows = &lines[1..4];
    let files: Vec<&str> = rows
        .iter()
        .map(|r| r.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(files, ["contoso.toml", "fabrikam.toml", "sub/contoso.toml"]);
    let cell = |row: &str, col: usize| {
        let start = starts[col].min(row.len());
        let end = starts.get(col + 1).map_or(row.len(), |&e| e.min(row.len()));
        row[start..end].trim().to_string()
    };
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| (0..8).map(|c| cell(r, c)).collect())
        .collect();
    assert_eq!(
        table[0],
        [
            "contoso.toml",
            "contoso",
            "engagement-completion-enablement",
            "ana",
            "prepare",
            "0/24",
            "-",
            ""
        ],
        "{out}"
    );
    assert_eq!(table[1][1], "fabrikam");
    assert_eq!(table[1][2], "engagement-completion-migration");
    assert_eq!(table[1][3], "cy");
    assert_eq!(
        table[2][..7],
        [
            "sub/contoso.toml",
            "contoso",
            "engagement-completion-enablement",
            "bo",
            "conduct",
            "21/27",
            "2027-12-31"
        ],
        "{out}"
    );
    assert_eq!(lines[4], "3 runs, 0 overdue, 0 problems");
}

#[test]
fn the_owner_defaults_to_the_actor_and_old_files_have_none() {
    let dir = runs();
    let (_, rows) = json(DAY2, dir.path(), &[]);
    assert_eq!(column(&rows, "owner"), ["ana", "cy", "bo"]);
    // A state file written before owners: still read, with no owner.
    let text = std::fs::read_to_string(dir.path().join("contoso.toml")).expect("read");
    let old: String = text
        .lines()
        .filter(|l| !l.starts_with("owner = "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(old, text);
    std::fs::write(dir.path().join("contoso.toml"), old).expect("write");
    let (code, rows) = json(DAY2, dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(rows[0]["owner"], serde_json::Value::Null);
    assert_eq!(rows[0]["problem"], serde_json::Value::Null);
}

#[test]
fn each_filter_keeps_its_runs() {
    let dir = runs();
    let files = |now: &str, args: &[&str]| {
        let (code, rows) = json(now, dir.path(), args);
        assert_eq!(code, 0);
        column(&rows, "name")
            .into_iter()
            .zip(column(&rows, "owner"))
            .map(|(n, o)| format!("{n}/{o}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(files(DAY2, &["--owner", "bo"]), ["contoso/bo"]);
    assert_eq!(files(DAY2, &["--owner", "nobody"]), Vec::<String>::new());
    assert_eq!(
        files(DAY2, &["--playbook", "engagement-completion-migration"]),
        ["fabrikam/cy"]
    );
    // `--playbook` also takes the playbook's file.
    assert_eq!(
        files(DAY2, &["--playbook", ENABLEMENT]),
        ["contoso/ana", "contoso/bo"]
    );
    assert_eq!(files(DAY2, &["--step", "conduct"]), ["contoso/bo"]);
    assert_eq!(
        files(DAY2, &["--step", "prepare"]),
        ["contoso/ana", "fabrikam/cy"]
    );
    assert_eq!(files(DAY2, &["--overdue"]), Vec::<String>::new());
    assert_eq!(files("2028-01-02", &["--overdue"]), ["contoso/bo"]);
    assert_eq!(
        files("2028-01-02", &["--overdue", "--owner", "ana"]),
        Vec::<String>::new()
    );
    assert_eq!(files(DAY2, &["--problems"]), Vec::<String>::new());
    // The summary counts what is overdue.
    let (_, out, _) = list("2028-01-02", &[path(dir.path())]);
    assert!(out.ends_with("3 runs, 1 overdue, 0 problems\n"), "{out}");
    assert!(
        out.lines().any(
            |l| l.starts_with("sub/contoso.toml") && l.trim_end().ends_with("2027-12-31   yes")
        ),
        "{out}"
    );
}

#[test]
fn csv_is_quoted_and_reads_back() {
    let dir = tempfile::tempdir().expect("a folder");
    let name = "Contoso, \"Ltd\"";
    start(&dir.path().join("c.toml"), ENABLEMENT, &["--name", name]);
    let (code, out, _) = list(DAY2, &[path(dir.path()), "--format", "csv"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"Contoso, \"\"Ltd\"\"\""), "{out}");
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "file",
            "name",
            "owner",
            "playbook",
            "current_step",
            "done",
            "total",
            "complete",
            "next_action_date",
            "overdue",
            "problem"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert!(r[0].ends_with("c.toml"));
    assert_eq!(&r[1], name);
    assert_eq!(&r[2], "ana");
    assert_eq!(&r[3], "engagement-completion-enablement");
    assert_eq!(&r[4], "prepare");
    assert_eq!((&r[5], &r[6], &r[7]), ("0", "24", "false"));
    assert_eq!((&r[8], &r[9], &r[10]), ("", "false", ""));
}

#[test]
fn json_keeps_its_keys_and_adds_owner_and_problems() {
    let dir = runs();
    let (_, rows) = json(DAY2, dir.path(), &[]);
    assert_eq!(rows.len(), 3);
    let keys: Vec<&str> = rows[0]
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "file",
        "name",
        "owner",
        "playbook",
        "done",
        "total",
        "complete",
        "current_step",
        "next_action_date",
        "overdue",
        "problem",
        "problems",
    ];
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected);
    // `file` is the path as found, the folder given joined with it.
    assert_eq!(
        PathBuf::from(rows[2]["file"].as_str().expect("a path")),
        dir.path().join("sub").join("contoso.toml")
    );
    assert_eq!(rows[2]["next_action_date"], "2027-12-31");
    assert_eq!(rows[2]["done"], 21);
    assert_eq!(rows[2]["problems"], serde_json::json!([]));
}

#[test]
fn subfolders_are_walked_but_hidden_ones_and_other_tomls_are_not() {
    let dir = runs();
    let deep = dir.path().join("a/b/c");
    std::fs::create_dir_all(&deep).expect("folders");
    std::fs::write(deep.join("deep.toml"), advanced()).expect("a copy");
    for hidden in [".git", ".backup"] {
        std::fs::create_dir(dir.path().join(hidden)).expect("a folder");
        std::fs::write(dir.path().join(hidden).join("copy.toml"), advanced()).expect("copy");
    }
    // Not state files: a catalogue, the project's configuration, any TOML.
    std::fs::copy(
        "playbooks/engagement-completion-enablement.zh.toml",
        dir.path().join("sub/engagement.zh.toml"),
    )
    .expect("a catalogue");
    std::fs::write(
        dir.path().join("Playbook.toml"),
        "[rules]\nunused-input = \"allow\"\n",
    )
    .expect("config");
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").expect("toml");
    let (code, rows) = json(DAY2, dir.path(), &[]);
    assert_eq!(code, 0, "{rows:?}");
    let files: Vec<String> = column(&rows, "file")
        .iter()
        .map(|f| {
            Path::new(f)
                .strip_prefix(dir.path())
                .expect("inside")
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        files,
        [
            "a/b/c/deep.toml",
            "contoso.toml",
            "fabrikam.toml",
            "sub/contoso.toml"
        ]
    );
    // Several arguments: a folder and a file, shown as given.
    let sub = dir.path().join("sub");
    let (code, out, err) = list(
        DAY2,
        &[
            path(&sub),
            path(&dir.path().join("fabrikam.toml")),
            // Named twice, listed once.
            path(&sub.join("contoso.toml")),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("{}/contoso.toml ", path(&sub))),
        "{out}"
    );
    assert!(out.ends_with("2 runs, 0 overdue, 0 problems\n"), "{out}");
}

#[test]
fn a_broken_state_file_is_a_problem_and_exits_1() {
    let dir = runs();
    let text = advanced();
    // A line of the log broken by hand: the header still names the run.
    let broken = format!("{}{{ id = \"x\", oops }},\n]\n", &text[..text.len() - 2]);
    std::fs::write(dir.path().join("sub/broken.toml"), broken).expect("write");
    let (code, out, err) = list(DAY2, &[path(dir.path())]);
    assert_eq!(code, 1, "{out}{err}");
    let row = out
        .lines()
        .find(|l| l.starts_with("sub/broken.toml"))
        .unwrap_or_else(|| panic!("no row for the broken file: {out}"));
    assert!(row.contains("contoso"), "{row}");
    assert!(row.contains("bo"), "{row}");
    assert!(row.contains("invalid state file"), "{row}");
    assert!(out.ends_with("4 runs, 0 overdue, 1 problem\n"), "{out}");

    let (code, rows) = json(DAY2, dir.path(), &["--problems"]);
    assert_eq!(code, 1);
    assert_eq!(rows.len(), 1);
    let problem = rows[0]["problem"].as_str().expect("a problem");
    assert!(problem.starts_with("invalid state file"), "{problem}");
    assert_eq!(rows[0]["problems"][0], problem);
    assert_eq!(rows[0]["done"], serde_json::Value::Null);
    // Filtered out, the problem no longer decides the exit code.
    let (code, _) = json(DAY2, dir.path(), &["--owner", "ana"]);
    assert_eq!(code, 0);

    // A run whose playbook changed is a problem too.
    let fingerprint = text
        .lines()
        .find(|l| l.starts_with("fingerprint = "))
        .expect("a fingerprint");
    let changed = text.replace(
        fingerprint,
        &format!("fingerprint = \"sha256:{}\"", "0".repeat(64)),
    );
    std::fs::write(dir.path().join("changed.toml"), changed).expect("write");
    let (code, rows) = json(DAY2, dir.path(), &["--problems"]);
    assert_eq!(code, 1);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0]["problem"], "the playbook changed: run `playbook run migrate`",
        "{rows:?}"
    );
}

#[test]
fn a_missing_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("a folder");
    let missing = dir.path().join("nope");
    let (code, out, err) = list(DAY2, &[path(&missing)]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("cannot list"), "{err}");
    assert!(out.is_empty());
    // An empty folder lists no run, and succeeds.
    let (code, out, _) = list(DAY2, &[path(dir.path())]);
    assert_eq!(code, 0);
    assert_eq!(out, "0 runs, 0 overdue, 0 problems\n");
}
