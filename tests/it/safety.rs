//! Issue 14, "nothing lost, nothing injected, no crash": one regression test
//! per defect, named after what it exercises (`docs/hostile.md` lists them).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const ENABLEMENT: &str = "playbooks/engagement-completion-enablement.playbook";

fn playbook() -> Command {
    let mut cmd = Command::cargo_bin("playbook").expect("the playbook binary");
    cmd.env_remove("PLAYBOOK_NOW")
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100");
    cmd
}

const INPUTS: [&str; 5] = [
    "seats=1500",
    "active-users=200",
    "account-team-known=true",
    "region=emea",
    "services=exchange,teams",
];

/// `playbook run start` of the enablement playbook into `state`.
fn start(state: &Path) -> (i32, String) {
    let mut cmd = playbook();
    cmd.args(["run", "start", ENABLEMENT, "--state"])
        .arg(state)
        .args(["--now", "2026-11-24T09:00:00Z", "--actor", "ana"]);
    for i in INPUTS {
        cmd.args(["--input", i]);
    }
    let out = cmd.output().expect("run playbook");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `playbook run ARGS --state STATE`: (exit code, stdout, stderr).
fn run(state: &Path, args: &[&str]) -> (i32, String, String) {
    let out = playbook()
        .arg("run")
        .args(args)
        .arg("--state")
        .arg(state)
        .args(["--now", "2026-11-24T10:00:00Z", "--actor", "ana"])
        .output()
        .expect("run playbook");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn started(dir: &Path) -> PathBuf {
    let state = dir.join("c.toml");
    let (code, err) = start(&state);
    assert_eq!(code, 0, "{err}");
    state
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// 1. The lock file.

#[cfg(unix)]
#[test]
fn a_lock_path_that_is_a_symlink_is_refused_and_its_target_kept() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = started(dir.path());
    let victim = dir.path().join("precious.txt");
    std::fs::write(&victim, "keep me\n").expect("write");
    let lock = dir.path().join(".playbook-cache/c.toml.lock");
    std::os::unix::fs::symlink(&victim, &lock).expect("link");
    let (code, _, err) = run(&state, &["record", "rfa-customer", "--evidence", "FTOP"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("never followed"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me\n");
    assert!(lock.symlink_metadata().expect("lock").is_symlink());
    // A refused start does not touch it either.
    let other = dir.path().join("d.toml");
    std::os::unix::fs::symlink(&victim, dir.path().join(".playbook-cache/d.toml.lock"))
        .expect("link");
    let (code, err) = start(&other);
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me\n");
}

#[cfg(unix)]
#[test]
fn a_lock_path_that_is_a_second_name_of_another_file_is_refused() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = started(dir.path());
    let victim = dir.path().join("precious.txt");
    std::fs::write(&victim, "keep me\n").expect("write");
    std::fs::hard_link(&victim, dir.path().join(".playbook-cache/c.toml.lock")).expect("link");
    let (code, _, err) = run(&state, &["record", "rfa-customer", "--evidence", "FTOP"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me\n");
}

#[test]
fn a_writer_leaves_no_lock_file_behind() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = started(dir.path());
    let local = dir.path().join(".playbook-cache");
    assert_eq!(names(&local), [".gitignore", "c.toml.state"]);
    let (code, _, err) = run(&state, &["record", "rfa-customer", "--evidence", "FTOP"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        names(&local),
        [".gitignore", "c.toml.sources", "c.toml.state"]
    );
    assert_eq!(
        names(dir.path()),
        [".gitattributes", ".playbook-cache", "c.toml"]
    );
}

// 6. The state file: links, modes.

#[cfg(unix)]
#[test]
fn a_state_path_that_is_a_symlink_is_written_through_to_its_target() {
    let dir = tempfile::tempdir().expect("a folder");
    let real = started(dir.path());
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink("c.toml", &link).expect("link");
    let (code, _, err) = run(&link, &["record", "rfa-customer", "--evidence", "FTOP"]);
    assert_eq!(code, 0, "{err}");
    assert!(link.symlink_metadata().expect("link").is_symlink());
    let text = std::fs::read_to_string(&real).expect("read");
    assert!(text.contains("FTOP"), "{text}");
}

#[cfg(unix)]
#[test]
fn a_state_file_keeps_its_mode_across_writes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a folder");
    let state = started(dir.path());
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o664)).expect("chmod");
    let (code, _, err) = run(&state, &["record", "rfa-customer", "--evidence", "FTOP"]);
    assert_eq!(code, 0, "{err}");
    let mode = std::fs::metadata(&state)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o664);
}

#[cfg(unix)]
#[test]
fn a_new_state_file_gets_the_mode_the_umask_allows() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a folder");
    let state = dir.path().join("c.toml");
    let bin = assert_cmd::cargo::cargo_bin("playbook");
    let mut script = format!(
        "umask 022 && exec '{}' run start {ENABLEMENT} --state '{}' --now 2026-11-24T09:00:00Z --actor ana",
        bin.display(),
        state.display()
    );
    for i in INPUTS {
        script.push_str(&format!(" --input {i}"));
    }
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = std::fs::metadata(&state)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
}

// 2. Import never overwrites.

#[test]
fn import_refuses_to_overwrite_an_existing_playbook_without_force() {
    let dir = tempfile::tempdir().expect("a folder");
    let md = dir.path().join("close.md");
    std::fs::copy("tests/fixtures/import/branches/en.md", &md).expect("copy");
    let target = dir.path().join("close.playbook");
    std::fs::write(&target, "// edited by hand\n").expect("write");
    let out = playbook().arg("import").arg(&md).output().expect("import");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("close.playbook") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&target).expect("read"),
        "// edited by hand\n"
    );
    // With -o, too.
    let out = playbook()
        .arg("import")
        .arg(&md)
        .arg("-o")
        .arg(dir.path())
        .output()
        .expect("import");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&target).expect("read"),
        "// edited by hand\n"
    );
    let out = playbook()
        .arg("import")
        .arg(&md)
        .arg("--force")
        .output()
        .expect("import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read_to_string(&target)
            .expect("read")
            .contains("playbook close")
    );
}

// 3. Our own export merged back changes nothing.

/// The shipped playbooks in a folder of their own, with the zh Markdown
/// export of `name` beside them: (folder, playbook, Markdown).
fn exported_zh(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("a folder");
    copy_dir(Path::new("playbooks"), dir.path());
    let into = dir.path().join(format!("{name}.playbook"));
    let md = dir.path().join(format!("{name}.zh.md"));
    let out = playbook()
        .args(["export", "--to", "markdown", "--locale", "zh", "-o"])
        .arg(&md)
        .arg(&into)
        .output()
        .expect("export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, into, md)
}

/// `playbook import MD --merge INTO`: (exit code, stderr).
fn merge(md: &Path, into: &Path) -> (i32, String) {
    let out = playbook()
        .arg("import")
        .arg(md)
        .arg("--merge")
        .arg(into)
        .args(["--color", "never"])
        .output()
        .expect("import");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn merging_our_own_zh_markdown_export_changes_nothing() {
    for name in [
        "engagement-completion-enablement",
        "engagement-completion-migration",
    ] {
        let (dir, into, md) = exported_zh(name);
        let catalogue = dir.path().join(format!("{name}.zh.toml"));
        let before = std::fs::read(&catalogue).expect("read");
        let playbook_before = std::fs::read(&into).expect("read");
        let (code, err) = merge(&md, &into);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(!err.contains("warning"), "{name}: {err}");
        assert!(!err.contains("import-unrecognised"), "{name}: {err}");
        assert!(
            err.contains(", 0 added, 0 kept against the document, 0 filled from en, 0 drift"),
            "{name}: {err}"
        );
        assert_eq!(
            String::from_utf8_lossy(&std::fs::read(&catalogue).expect("read")),
            String::from_utf8_lossy(&before),
            "{name}: the catalogue changed"
        );
        assert_eq!(std::fs::read(&into).expect("read"), playbook_before);
    }
}

#[test]
fn a_merge_that_disagrees_with_a_translation_keeps_it_and_reports_it() {
    let name = "engagement-completion-enablement";
    let (dir, into, md) = exported_zh(name);
    // The playbook no longer names its catalogue (a playbook whose catalogue
    // lacks a text does not compile), which the merge edits all the same.
    let source = std::fs::read_to_string(&into).expect("read");
    let unnamed = source.replacen(&format!("  translation zh \"{name}.zh.toml\"\n"), "", 1);
    assert_ne!(unnamed, source);
    std::fs::write(&into, unnamed).expect("write");
    let catalogue = dir.path().join(format!("{name}.zh.toml"));
    // The document retitles a step, and the catalogue lacks one text and
    // carries a comment of its own.
    let text = std::fs::read_to_string(&md).expect("read");
    let retitled = text.replacen("### 准备接洽讨论对话（启用）", "### 准备对话", 1);
    assert_ne!(retitled, text);
    std::fs::write(&md, retitled).expect("write");
    let original = std::fs::read_to_string(&catalogue).expect("read");
    let schedule = original
        .lines()
        .find(|l| l.starts_with("\"item.schedule\""))
        .expect("the schedule text")
        .to_string();
    let edited = original.replacen(
        &format!("{schedule}\n"),
        "# Reviewed by the Beijing team.\n",
        1,
    );
    std::fs::write(&catalogue, &edited).expect("write");

    let (code, err) = merge(&md, &into);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning[translation-drift]: `step.prepare`")
            && err.contains("准备接洽讨论对话（启用）")
            && err.contains("准备对话"),
        "{err}"
    );
    assert!(
        err.contains(", 1 added, 1 kept against the document, 0 filled from en"),
        "{err}"
    );
    let after = std::fs::read_to_string(&catalogue).expect("read");
    // The existing translation stands, the comment stays, and the missing
    // text comes back from the document, at the end of the table.
    assert_eq!(after, format!("{edited}{schedule}\n"));
    // And the playbook names it again, once.
    let named = std::fs::read_to_string(&into).expect("read");
    assert_eq!(
        named
            .matches(&format!("translation zh \"{name}.zh.toml\""))
            .count(),
        1
    );
}

#[test]
fn a_merge_into_a_file_that_is_not_a_catalogue_refuses_and_keeps_it() {
    let name = "engagement-completion-enablement";
    let (dir, into, md) = exported_zh(name);
    let source = std::fs::read_to_string(&into).expect("read");
    let unnamed = source.replacen(&format!("  translation zh \"{name}.zh.toml\"\n"), "", 1);
    std::fs::write(&into, &unnamed).expect("write");
    let catalogue = dir.path().join(format!("{name}.zh.toml"));
    for text in ["notes = [unclosed\n", "locale = \"de\"\n[texts]\n"] {
        std::fs::write(&catalogue, text).expect("write");
        let (code, err) = merge(&md, &into);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("invalid-translation") && err.contains("nothing is merged"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&catalogue).expect("read"), text);
        assert_eq!(std::fs::read_to_string(&into).expect("read"), unnamed);
    }
}

// 4. An event that does not fit the playbook.

#[test]
fn a_done_event_naming_an_unknown_item_is_an_invalid_run_state() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = started(dir.path());
    for args in [
        &["record", "rfa-customer", "--evidence", "FTOP"][..],
        &["record", "milestone-documented", "--evidence", "TE"],
        &["record", "account-team-identified", "--evidence", "FTOP"],
        &["done", "prepare-conversation", "email-account-team"],
    ] {
        let (code, _, err) = run(&state, args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    let text = std::fs::read_to_string(&state).expect("read");
    assert!(text.contains("\"email-account-team\""), "{text}");
    std::fs::write(
        &state,
        text.replace("\"email-account-team\"", "\"email-account-teem\""),
    )
    .expect("write");
    let (code, _, err) = run(&state, &["status"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("invalid-run-state"), "{err}");
    assert!(err.contains("does not have"), "{err}");
}

// 7. Export never overwrites what it reads.

#[test]
fn export_refuses_to_write_over_its_own_input() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("bom.playbook");
    std::fs::copy("tests/fixtures/valid/bom.playbook", &file).expect("copy");
    let before = std::fs::read(&file).expect("read");
    let out = playbook()
        .arg("export")
        .arg(&file)
        .args(["--to", "markdown", "-o"])
        .arg(&file)
        .output()
        .expect("export");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("reads"), "{err}");
    assert_eq!(std::fs::read(&file).expect("read"), before);
}

// 8. Write errors and closed pipes.

#[cfg(target_os = "linux")]
#[test]
fn output_to_a_full_disk_exits_2_with_a_message() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = started(dir.path());
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    let cases: Vec<Vec<String>> = vec![
        vec![
            "check".into(),
            "--format".into(),
            "sarif".into(),
            "playbooks/".into(),
        ],
        vec!["explain".into(), "--list".into()],
        vec![
            "run".into(),
            "status".into(),
            "--state".into(),
            state.display().to_string(),
        ],
        vec![
            "run".into(),
            "report".into(),
            "--to".into(),
            "markdown".into(),
            "--state".into(),
            state.display().to_string(),
        ],
    ];
    for args in cases {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("playbook"))
            .args(&args)
            .env("COLUMNS", "100")
            .stdout(full())
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("cannot write to standard output"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn writing_into_a_closed_pipe_does_not_panic() {
    for args in [&["completions", "bash"][..], &["explain", "--list"]] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("playbook"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // Close the reading end at once, as `| head -0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

// 10-12. The language server.

use crate::lsp::Client;
use serde_json::{Value, json};

#[test]
fn completion_just_after_a_non_ascii_character_answers() {
    let mut client = Client::start();
    let text =
        "playbook p {\n  title \"T\"\n  role fm \"FM\"\n  step s \"S\" {\n    owner 中\n  }\n}\n";
    client.open("p.playbook", text);
    client.diagnostics("p.playbook");
    // Just after `中`, whose UTF-8 bytes the word search used to split.
    let items = client.at("textDocument/completion", "p.playbook", 4, 11, json!({}));
    assert!(items.is_array() || items.is_null(), "{items}");
    let again = client.at("textDocument/completion", "p.playbook", 4, 10, json!({}));
    assert!(again.is_array() || again.is_null(), "{again}");
    client.stop();
}

fn framed(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[test]
fn a_malformed_or_short_message_is_answered_with_a_parse_error_and_serving_goes_on() {
    let mut client = Client::start();
    client.send_raw(&framed("{not json"));
    let error = client.receive();
    assert_eq!(error["error"]["code"], json!(-32700), "{error}");
    assert_eq!(error["id"], Value::Null, "{error}");
    // A body shorter than its header says swallows the start of the next
    // message; the one after that is served.
    client.send_raw(b"Content-Length: 60\r\n\r\n{\"a\":1}");
    client.send_raw(&framed(
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
    ));
    let symbols = client.call(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": client.uri("engagement-completion-enablement.playbook") } }),
    );
    assert!(symbols.get("result").is_some(), "{symbols}");
    // JSON that is no message keeps its id.
    client.send_raw(&framed(r#"{"id":99,"params":{}}"#));
    loop {
        let m = client.receive();
        if m["id"] == json!(99) {
            assert_eq!(m["error"]["code"], json!(-32600), "{m}");
            break;
        }
    }
    client.stop();
}

#[test]
fn a_huge_content_length_neither_aborts_nor_grows_memory() {
    for length in ["9223372036854775807", "1000000000000"] {
        let mut client = Client::start();
        client.send_raw(format!("Content-Length: {length}\r\n\r\n{{}}").as_bytes());
        let status = client.close();
        assert!(status.code().is_some(), "killed by a signal: {status:?}");
    }
}

#[test]
fn an_open_document_over_the_file_limit_is_refused_not_indexed() {
    let mut client = Client::start();
    let mut text = String::from("playbook big {\n  title \"T\"\n}\n");
    text.push_str(&"// padding\n".repeat(16 * 1024 * 1024 / 11 + 2));
    client.open("big.playbook", &text);
    let d = client.diagnostics("big.playbook");
    assert!(
        d.iter().any(|d| d["code"] == json!("file-too-large")),
        "{d:?}"
    );
    let items = client.at("textDocument/completion", "big.playbook", 1, 2, json!({}));
    assert!(items.is_null(), "{items}");
    client.stop();
}

const ENABLEMENT_FILE: &str = "engagement-completion-enablement.playbook";

/// The line and column of the `nth` occurrence of `needle` in `text`.
fn locate(text: &str, needle: &str, nth: usize) -> (usize, u64) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .expect("the needle");
    let line = text[..offset].matches('\n').count();
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..offset].encode_utf16().count() as u64)
}

#[test]
fn rename_to_an_id_that_exists_is_refused() {
    let mut client = Client::start();
    let text = std::fs::read_to_string(client.path(ENABLEMENT_FILE)).expect("read");
    client.open(ENABLEMENT_FILE, &text);
    client.diagnostics(ENABLEMENT_FILE);
    let (line, col) = locate(&text, "entry rfa-customer \"", 0);
    let uri = client.uri(ENABLEMENT_FILE);
    let answer = client.call(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col + 7 },
                "newName": "milestone-documented" }),
    );
    assert!(answer.get("error").is_some(), "{answer}");
    client.stop();
}

#[test]
fn rename_and_references_reach_a_reused_entry_criterion() {
    let mut client = Client::start();
    let text = std::fs::read_to_string(client.path(ENABLEMENT_FILE)).expect("read");
    client.open(ENABLEMENT_FILE, &text);
    client.diagnostics(ENABLEMENT_FILE);
    let (line, col) = locate(&text, "entry milestone-documented \"", 0);
    let (reuse_line, _) = locate(&text, "entry milestone-documented\n", 0);
    let uri = client.uri(ENABLEMENT_FILE);
    let refs = client.at(
        "textDocument/references",
        ENABLEMENT_FILE,
        line,
        col + 7,
        json!({ "context": { "includeDeclaration": true } }),
    );
    let lines: Vec<u64> = refs
        .as_array()
        .expect("locations")
        .iter()
        .filter(|l| l["uri"] == json!(uri))
        .map(|l| l["range"]["start"]["line"].as_u64().expect("line"))
        .collect();
    assert!(
        lines.contains(&(reuse_line as u64)),
        "{lines:?} {reuse_line}"
    );
    let edit = client.at(
        "textDocument/rename",
        ENABLEMENT_FILE,
        line,
        col + 7,
        json!({ "newName": "usage-milestone" }),
    );
    let edits = edit["changes"][&uri].as_array().expect("edits").clone();
    assert!(
        edits
            .iter()
            .any(|e| e["range"]["start"]["line"] == json!(reuse_line)),
        "{edits:?}"
    );
    client.stop();
}

// 9. Terminal and report escaping.

const HOSTILE: &str = "playbook hostile {\n  title \"Title \u{1b}]52;c;aGk=\u{7}\"\n  description \"D\"\n  phase enable \"Enable\"\n  phase enable\n  owner \"pagrim\"\n  author \"Ryan Meehan\"\n  revised 2019-10-01\n  role fm \"FM \u{1b}[2J\"\n  step s \"Step \u{202E}evil\" {\n    owner fm\n    do a \"Do \u{1b}[2J this \u{202E}txt.exe\"\n  }\n}\n";

fn no_raw(what: &str, text: &str) {
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202E}') && !text.contains('\u{7}'),
        "{what} printed a raw control or bidi character: {text:?}"
    );
}

#[test]
fn run_output_and_reports_escape_control_and_bidi_characters() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("hostile.playbook");
    std::fs::write(&file, HOSTILE).expect("write");
    let state = dir.path().join("x\u{1b}[2J.toml");
    let out = playbook()
        .args(["run", "start"])
        .arg(&file)
        .arg("--state")
        .arg(&state)
        .args([
            "--name",
            "run \u{1b}]52;c;aGk=\u{7}",
            "--now",
            "2026-11-24T09:00:00Z",
        ])
        .args(["--actor", "ana\u{202E}"])
        .output()
        .expect("start");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    no_raw("start", &stdout);
    let (code, stdout, err) = run(&state, &["done", "a"]);
    assert_eq!(code, 0, "{err}");
    no_raw("done", &stdout);
    for args in [
        &["status"][..],
        &["report", "--to", "markdown"],
        &["report", "--to", "html"],
    ] {
        let (code, stdout, err) = run(&state, args);
        assert_eq!(code, 0, "{args:?}: {err}");
        no_raw(&format!("{args:?}"), &stdout);
    }
    let out = playbook()
        .args(["run", "list"])
        .arg(dir.path())
        .args(["--now", "2026-11-24T10:00:00Z"])
        .output()
        .expect("list");
    assert_eq!(out.status.code(), Some(0));
    no_raw("list", &String::from_utf8_lossy(&out.stdout));
}

// 13. One project entry for every front end.

/// A playbook that uses `target`, with an empty step `e`.
fn user_of(target: &str) -> String {
    format!(
        "playbook main {{\n  use \"{target}\"\n  title \"Uses a catalogue\"\n  description \"d\"\n  phase enable\n  owner \"pagrim\"\n  author \"Ryan Meehan\"\n  revised 2019-10-01\n  role fm \"FastTrack Manager\"\n  step s \"Step\" {{\n    owner fm\n    do a \"Do it.\"\n  }}\n}}\n"
    )
}

const CATALOGUE: &str = "catalogue shared {\n  phase enable \"Enable\"\n}\n";

fn put(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
    std::fs::write(path, text).expect("write");
}

fn run_start(file: &Path, state: &Path) -> (i32, String) {
    let out = playbook()
        .args(["run", "start"])
        .arg(file)
        .arg("--state")
        .arg(state)
        .args(["--now", "2026-11-24T09:00:00Z", "--actor", "ana"])
        .output()
        .expect("start");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_start_refuses_a_playbook_that_uses_a_file_outside_the_project() {
    let dir = tempfile::tempdir().expect("a folder");
    let root = dir.path().join("project");
    put(&root.join("Playbook.toml"), "");
    put(&dir.path().join("outside/shared.playbook"), CATALOGUE);
    put(
        &root.join("main.playbook"),
        &user_of("../outside/shared.playbook"),
    );
    let (code, err) = run_start(&root.join("main.playbook"), &dir.path().join("s.toml"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("outside the project folder"), "{err}");
    assert!(!dir.path().join("s.toml").exists());
}

#[test]
fn run_start_applies_the_levels_of_playbook_toml() {
    let dir = tempfile::tempdir().expect("a folder");
    let root = dir.path().join("project");
    put(
        &root.join("Playbook.toml"),
        "[levels]\nempty-step = \"deny\"\n",
    );
    put(&root.join("common/shared.playbook"), CATALOGUE);
    let text = user_of("common/shared.playbook").replace(
        "    do a \"Do it.\"\n  }\n",
        "    do a \"Do it.\"\n  }\n  step e \"Empty\" {\n    owner fm\n    after s\n  }\n",
    );
    put(&root.join("main.playbook"), &text);
    let check = playbook()
        .arg("check")
        .arg(root.join("main.playbook"))
        .output()
        .expect("check");
    assert_eq!(check.status.code(), Some(1), "check denies the empty step");
    let (code, err) = run_start(&root.join("main.playbook"), &dir.path().join("s.toml"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("empty-step"), "{err}");
}

#[test]
fn a_path_outside_the_project_is_refused_whether_or_not_it_exists() {
    let dir = tempfile::tempdir().expect("a folder");
    let root = dir.path().join("project");
    put(&root.join("Playbook.toml"), "");
    put(
        &root.join("main.playbook"),
        &user_of("../outside/missing.playbook"),
    );
    let out = playbook()
        .args(["check", "--format", "json"])
        .arg(root.join("main.playbook"))
        .output()
        .expect("check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("outside the project folder"), "{text}");
}

#[test]
fn the_language_server_reports_a_malformed_playbook_toml() {
    let mut client = Client::start();
    std::fs::write(client.path("Playbook.toml"), "[levels\n").expect("write");
    let text = std::fs::read_to_string(client.path(ENABLEMENT_FILE)).expect("read");
    client.open(ENABLEMENT_FILE, &text);
    let d = client.diagnostics(ENABLEMENT_FILE);
    assert!(
        d.iter().any(|d| d["message"]
            .as_str()
            .is_some_and(|m| m.contains("Playbook.toml"))),
        "{d:?}"
    );
    client.stop();
}

// 5. Migration keeps what still maps.

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// The status of item `id` in `run status --format json`.
fn item_status(state: &Path, id: &str) -> String {
    let (code, out, err) = run(state, &["status", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let json: Value = serde_json::from_str(&out).expect("JSON");
    json["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .flat_map(|s| s["items"].as_array().cloned().unwrap_or_default())
        .find(|i| i["id"] == json!(id))
        .map(|i| i["status"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
}

#[test]
fn migrate_apply_keeps_the_other_items_of_an_event_that_names_a_removed_one() {
    let dir = tempfile::tempdir().expect("a folder");
    let project = dir.path().join("playbooks");
    copy_dir(Path::new("playbooks"), &project);
    let file = project.join("engagement-completion-enablement.playbook");
    let state = dir.path().join("c.toml");
    let mut cmd = playbook();
    cmd.args(["run", "start"])
        .arg(&file)
        .arg("--state")
        .arg(&state)
        .args(["--now", "2026-11-24T09:00:00Z", "--actor", "ana"]);
    for i in INPUTS {
        cmd.args(["--input", i]);
    }
    assert!(cmd.output().expect("start").status.success());
    for args in [
        &["record", "rfa-customer", "--evidence", "FTOP"][..],
        &["record", "milestone-documented", "--evidence", "TE"],
        &["record", "account-team-identified", "--evidence", "FTOP"],
        &["done", "prepare-conversation", "email-account-team"],
    ] {
        let (code, _, err) = run(&state, args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    assert_eq!(item_status(&state, "email-account-team"), "done");
    // The new playbook drops `prepare-conversation`.
    let text = std::fs::read_to_string(&file).expect("read");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("do prepare-conversation "))
        .expect("the item")
        .to_string();
    std::fs::write(&file, text.replace(&format!("{line}\n"), "")).expect("write");
    let out = playbook()
        .args(["run", "migrate", "--state"])
        .arg(&state)
        .arg(&file)
        .args(["--now", "2026-11-24T11:00:00Z", "--actor", "ana"])
        .output()
        .expect("plan");
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("`prepare-conversation`"), "{plan}");
    assert!(!plan.contains("`email-account-team`"), "{plan}");
    let out = playbook()
        .args(["run", "migrate", "--apply", "--state"])
        .arg(&state)
        .arg(&file)
        .args(["--now", "2026-11-24T11:00:00Z", "--actor", "ana"])
        .output()
        .expect("apply");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(item_status(&state, "email-account-team"), "done");
}
