//! `playbook serve`, as a real process driven over HTTP: the dashboard,
//! a run's page, a tick that writes what `playbook run done` writes, the
//! engine's refusals on the page, the guards (CSRF token, origin, host,
//! loopback bind), a locked run, hostile text escaped; and Chromium
//! completing a run by clicking, whose report matches the same run done
//! with the subcommands.

use super::run::{ok, playbook, refused, start};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

const ENABLEMENT: &str = "playbooks/engagement-completion-enablement.playbook";
const DAY1: &str = "2026-11-24T10:00:00Z";

/// A `playbook serve` process on a free port, ended when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(dir: &Path, now: &str) -> Server {
        let bin = assert_cmd::cargo::cargo_bin("playbook");
        let mut child = std::process::Command::new(bin)
            .arg("serve")
            .arg(dir)
            .args(["--port", "0", "--now", now, "--actor", "ana"])
            .env_remove("PLAYBOOK_NOW")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start playbook serve");
        let stdout = child.stdout.take().expect("its standard output");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the address line");
        let base = line
            .split("http://")
            .nth(1)
            .map(|rest| format!("http://{}", rest.trim().trim_end_matches('/')))
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent()
}

/// GET: (status, body).
fn get(url: &str) -> (u16, String) {
    let mut r = agent().get(url).call().expect("a response");
    let body = r.body_mut().read_to_string().expect("a body");
    (r.status().as_u16(), body)
}

/// POST a form: (status, Location, body).
fn post(url: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> (u16, String, String) {
    let mut req = agent().post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut r = req.send_form(form.iter().copied()).expect("a response");
    let location = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = r.body_mut().read_to_string().expect("a body");
    (r.status().as_u16(), location, body)
}

/// The CSRF token of a page's forms.
fn csrf(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no token in {page}"));
    page[at + 19..]
        .split('"')
        .next()
        .expect("a token")
        .to_string()
}

fn emea() -> Vec<(&'static str, String)> {
    super::run::emea_inputs()
}

/// A run of the enablement playbook for one customer in `dir`.
fn new_run(dir: &Path, name: &str) -> PathBuf {
    start(dir, name, Path::new(ENABLEMENT), &emea())
}

#[test]
fn serve_refuses_a_remote_bind_without_allow_remote() {
    let dir = tempfile::tempdir().expect("a folder");
    let out = playbook()
        .arg("serve")
        .arg(dir.path())
        .args(["--bind", "0.0.0.0", "--port", "0"])
        .output()
        .expect("run playbook");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`0.0.0.0` is not a loopback address"), "{err}");
    assert!(err.contains("--allow-remote"), "{err}");
    let out = playbook()
        .arg("serve")
        .arg(dir.path().join("missing"))
        .output()
        .expect("run playbook");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn serve_dashboard_lists_the_runs_and_a_run_page_shows_its_checklist() {
    let dir = tempfile::tempdir().expect("a folder");
    new_run(dir.path(), "contoso");
    new_run(dir.path(), "fabrikam");
    std::fs::write(
        dir.path().join("broken.toml"),
        "# The state of a playbook run\nnope = [",
    )
    .expect("write");
    let server = Server::start(dir.path(), DAY1);
    let (code, page) = get(&server.url("/"));
    assert_eq!(code, 200, "{page}");
    assert!(
        page.contains("run?file=contoso.toml\">contoso</a>"),
        "{page}"
    );
    assert!(
        page.contains("run?file=fabrikam.toml\">fabrikam</a>"),
        "{page}"
    );
    assert!(page.contains("engagement-completion-enablement"), "{page}");
    assert!(page.contains("invalid state file"), "{page}");
    assert!(page.contains("3 runs, 0 overdue, 1 problem"), "{page}");

    let (code, page) = get(&server.url("/run?file=contoso.toml"));
    assert_eq!(code, 200, "{page}");
    assert!(
        page.contains("value=\"done prepare-conversation\""),
        "{page}"
    );
    assert!(page.contains("value=\"record rfa-customer\""), "{page}");
    assert!(!page.contains("<script"), "no script: {page}");
    assert_eq!(csrf(&page).len(), 32);

    // A run is named by its path under the folder, never outside it.
    for bad in ["../x.toml", "/etc/passwd", "nope.toml", "contoso"] {
        let (code, _) = get(&server.url(&format!("/run?file={bad}")));
        assert_eq!(code, 404, "{bad}");
    }
}

#[test]
fn serve_a_tick_writes_what_run_done_writes() {
    let cli = tempfile::tempdir().expect("a folder");
    let web = tempfile::tempdir().expect("a folder");
    let state = new_run(cli.path(), "contoso");
    for c in ["milestone-documented", "account-team-identified"] {
        ok(&state, DAY1, &["record", c, "--evidence", "noted"]);
    }
    let served = web.path().join("contoso.toml");
    std::fs::copy(&state, &served).expect("copy the run");

    let when = "2026-11-24T11:00:00Z";
    ok(
        &state,
        when,
        &["record", "rfa-customer", "--evidence", "FTOP: rfa"],
    );
    ok(
        &state,
        when,
        &["done", "prepare-conversation", "--note", "called <b>"],
    );

    let server = Server::start(web.path(), when);
    let url = server.url("/run?file=contoso.toml");
    let token = csrf(&get(&url).1);
    let (code, location, body) = post(
        &url,
        &[
            ("csrf", &token),
            ("action", "record"),
            ("target", "rfa-customer"),
            ("value", "FTOP: rfa"),
        ],
        &[("Origin", &server.base)],
    );
    assert_eq!(code, 303, "{body}");
    assert_eq!(location, "/run?file=contoso.toml");
    let (_, page) = get(&url);
    assert!(
        page.contains("role=\"status\""),
        "the change is said: {page}"
    );
    let (code, _, body) = post(
        &url,
        &[
            ("csrf", &token),
            ("action", "done"),
            ("target", "prepare-conversation"),
            ("note", "called <b>"),
        ],
        &[],
    );
    assert_eq!(code, 303, "{body}");
    assert_eq!(
        std::fs::read_to_string(&served).expect("the served run"),
        std::fs::read_to_string(&state).expect("the CLI's run"),
        "the page writes the state file byte for byte as the subcommands do"
    );
    assert_eq!(
        ok(&served, when, &["report", "--to", "markdown"]),
        ok(&state, when, &["report", "--to", "markdown"])
    );
    // Undo, the same way.
    ok(&state, when, &["undo"]);
    let (code, _, body) = post(&url, &[("csrf", &token), ("action", "undo")], &[]);
    assert_eq!(code, 303, "{body}");
    assert_eq!(
        std::fs::read_to_string(&served).expect("the served run"),
        std::fs::read_to_string(&state).expect("the CLI's run"),
    );
}

#[test]
fn serve_shows_the_engines_refusal_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = new_run(dir.path(), "contoso");
    let before = std::fs::read_to_string(&state).expect("the run");
    let cli = refused(&state, DAY1, &["complete", "prepare"], 1);
    let message = cli
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("error: "))
        .expect("the CLI's message");
    let server = Server::start(dir.path(), DAY1);
    let url = server.url("/run?file=contoso.toml");
    let token = csrf(&get(&url).1);
    let (code, _, page) = post(
        &url,
        &[
            ("csrf", &token),
            ("action", "complete"),
            ("target", "prepare"),
        ],
        &[],
    );
    assert_eq!(code, 422, "{page}");
    assert!(page.contains("role=\"alert\""), "{page}");
    assert!(page.contains(&html(message)), "{message} in {page}");
    let first_missing = cli
        .lines()
        .find_map(|l| l.strip_prefix("  - "))
        .expect("what is missing");
    assert!(page.contains(&html(first_missing)), "{first_missing}");
    // An item of a later step.
    let (code, _, page) = post(
        &url,
        &[("csrf", &token), ("action", "done"), ("target", "schedule")],
        &[],
    );
    assert_eq!(code, 422, "{page}");
    let (code, _, page) = post(
        &url,
        &[
            ("csrf", &token),
            ("action", "done"),
            ("target", "no-such-item"),
        ],
        &[],
    );
    assert_eq!(code, 422, "{page}");
    assert_eq!(std::fs::read_to_string(&state).expect("the run"), before);
}

/// Text as the templates escape it.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

#[test]
fn serve_refuses_forms_without_the_token_or_from_elsewhere() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = new_run(dir.path(), "contoso");
    let before = std::fs::read_to_string(&state).expect("the run");
    let server = Server::start(dir.path(), DAY1);
    let url = server.url("/run?file=contoso.toml");
    let token = csrf(&get(&url).1);
    let tick = |token: &str| {
        vec![
            ("csrf", token.to_string()),
            ("action", "record".to_string()),
            ("target", "rfa-customer".to_string()),
            ("value", "FTOP".to_string()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { v.clone() };
    for (form, headers) in [
        (tick(""), vec![]),
        (tick("0123456789abcdef0123456789abcdef"), vec![]),
        (
            vec![
                ("action", "record".into()),
                ("target", "rfa-customer".into()),
                ("value", "x".into()),
            ],
            vec![],
        ),
        (tick(&token), vec![("Origin", "http://evil.example")]),
        (tick(&token), vec![("Origin", "null")]),
        (tick(&token), vec![("Host", "evil.example")]),
    ] {
        let form = as_refs(&form);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (code, _, body) = post(&url, &form, &headers);
        assert_eq!(code, 403, "{form:?} {headers:?}: {body}");
    }
    // A page asked for under another name (DNS rebinding) is refused too.
    let mut r = agent()
        .get(&server.url("/"))
        .header("Host", "evil.example")
        .call()
        .expect("a response");
    assert_eq!(r.status().as_u16(), 403);
    let _ = r.body_mut().read_to_string();
    assert_eq!(std::fs::read_to_string(&state).expect("the run"), before);
    // The same form with the token and this origin is taken.
    let form = tick(&token);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, _, _) = post(&url, &form, &[("Origin", &server.base)]);
    assert_eq!(code, 303);
}

#[test]
fn serve_a_locked_run_shows_the_lock_message() {
    let dir = tempfile::tempdir().expect("a folder");
    let state = new_run(dir.path(), "contoso");
    let server = Server::start(dir.path(), DAY1);
    let url = server.url("/run?file=contoso.toml");
    let token = csrf(&get(&url).1);
    let since = "2026-11-24T10:00:00Z".parse().expect("a time");
    let lock = playbook::run_store::Lock::acquire(&state, "bo <b>", since).expect("the lock");
    let (code, page) = get(&url);
    assert_eq!(code, 200);
    assert!(
        page.contains("id=\"locked\">the run is being changed by another writer: `bo &lt;b&gt;`"),
        "the page says who holds the lock: {page}"
    );
    let (code, _, page) = post(
        &url,
        &[
            ("csrf", &token),
            ("action", "record"),
            ("target", "rfa-customer"),
            ("value", "FTOP"),
        ],
        &[],
    );
    assert_eq!(code, 409, "{page}");
    assert!(
        page.contains("the run is being changed by another writer: `bo &lt;b&gt;`"),
        "{page}"
    );
    drop(lock);
    assert!(!get(&url).1.contains("id=\"locked\""));
    let (code, _, page) = post(
        &url,
        &[
            ("csrf", &token),
            ("action", "record"),
            ("target", "rfa-customer"),
            ("value", "FTOP"),
        ],
        &[],
    );
    assert_eq!(code, 303, "{page}");
}

#[test]
fn serve_escapes_hostile_text() {
    let dir = tempfile::tempdir().expect("a folder");
    let evil = "<script>alert(1)</script> \"onmouseover=x' \u{202E}gnp.exe";
    let state = dir.path().join("evil.toml");
    let out = playbook()
        .args(["run", "start", ENABLEMENT, "--state"])
        .arg(&state)
        .args([
            "--now", DAY1, "--actor", "ana", "--name", evil, "--owner", evil,
        ])
        .args(
            emea()
                .iter()
                .flat_map(|(k, v)| ["--input".to_string(), format!("{k}={v}")]),
        )
        .output()
        .expect("run playbook");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ok(
        &state,
        DAY1,
        &["record", "rfa-customer", "--evidence", evil],
    );
    let server = Server::start(dir.path(), DAY1);
    for path in ["/", "/run?file=evil.toml"] {
        let (code, page) = get(&server.url(path));
        assert_eq!(code, 200, "{page}");
        assert!(!page.contains("<script>"), "{path}: {page}");
        assert!(!page.contains("\"onmouseover"), "{path}: {page}");
        assert!(
            !page.contains('\u{202E}'),
            "{path}: the RTL override is raw"
        );
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "{path}: {page}"
        );
        assert!(
            page.contains("\\u{202E}gnp.exe"),
            "{path}: the override is shown"
        );
    }
    // A hostile answer to the page's form is refused by the engine and
    // shown escaped.
    let url = server.url("/run?file=evil.toml");
    let token = csrf(&get(&url).1);
    let (code, _, page) = post(
        &url,
        &[("csrf", &token), ("action", "done"), ("target", evil)],
        &[],
    );
    assert_eq!(code, 422);
    assert!(!page.contains("<script>"), "{page}");
}

/// One thing a manager does on the page, and the subcommand that does it.
struct Act {
    /// The button's value: `done KEY`, `record CRITERION`, ...
    button: String,
    value: Option<&'static str>,
    /// Refused by the engine: the words the refusal must contain.
    refused: Option<&'static str>,
}

fn act(button: &str, value: Option<&'static str>) -> Act {
    Act {
        button: button.to_string(),
        value,
        refused: None,
    }
}

/// The enablement run of one customer (account team known, ready for
/// more, teams only), one click at a time, by the day it is done on.
fn days() -> Vec<(&'static str, Vec<Act>)> {
    let mut day1: Vec<Act> = [
        "rfa-customer",
        "milestone-documented",
        "account-team-identified",
    ]
    .iter()
    .map(|c| act(&format!("record {c}"), Some("FTOP note")))
    .collect();
    for i in [
        "prepare-conversation",
        "email-account-team",
        "ask-for-review",
        "fm-disengages",
        "account-team-support",
    ] {
        day1.push(act(&format!("done {i}"), None));
    }
    day1.push(Act {
        button: "complete prepare".into(),
        value: None,
        refused: Some("evidence for exit criterion `atu-sent`"),
    });
    day1.push(act("record atu-sent", Some("EM note: ATU email sent")));
    day1.push(act("complete prepare", None));
    let day2 = vec![
        act("done schedule", None),
        act("done review-activities:teams", None),
        act("answer ready-for-more", Some("true")),
        act("done rfa-instructions", None),
        act("done demo-rfa-form", None),
        act(
            "record more-workloads-listed",
            Some("TE note: next workloads"),
        ),
    ];
    let mut day3: Vec<Act> = [
        "follow-up-email",
        "mark-disengagement",
        "update-notes",
        "set-next-action-date",
        "request-queue-move",
    ]
    .iter()
    .map(|i| act(&format!("done {i}"), None))
    .collect();
    day3.push(act(
        "record queue-move-requested",
        Some("EM note: queue move asked"),
    ));
    day3.push(act("done unassign", None));
    for c in [
        "completion-status",
        "next-action-date-updated",
        "fm-unassigned",
        "next-steps-listed",
    ] {
        day3.push(act(&format!("record {c}"), Some("note")));
    }
    day3.push(act("complete conduct", None));
    vec![
        ("2026-11-24T10:00:00Z", day1),
        ("2026-12-01T10:00:00Z", day2),
        ("2026-12-31T23:30:00Z", day3),
    ]
}

/// The same acts through the subcommands.
fn by_subcommands(state: &Path) {
    for (now, acts) in days() {
        for a in acts {
            let (verb, target) = a.button.split_once(' ').expect("verb and target");
            let mut args = vec![verb, target];
            match verb {
                "record" => args.extend(["--evidence", a.value.expect("evidence")]),
                "answer" => args.push(a.value.expect("an answer")),
                _ => {}
            }
            match a.refused {
                Some(why) => {
                    let err = refused(state, now, &args, 1);
                    assert!(err.contains(why), "{err}");
                }
                None => {
                    ok(state, now, &args);
                }
            }
        }
    }
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PLAYBOOK_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    let modules = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/playwright-core/package.json");
    assert!(
        path.is_file() && modules.is_file(),
        "no Chromium at {} or no playwright-core in tests/browser: run `bash scripts/test.sh`",
        path.display()
    );
    Some(path)
}

/// Chromium completes a run by clicking through its page, a day at a time
/// (the server restarted with each day's `--now`); its report is the
/// report of the same run done with the subcommands. With
/// `PLAYBOOK_SCREENSHOTS=DIR`, the dashboard and the run page are saved
/// there (docs/img holds the ones of docs/run.md).
#[test]
fn serve_chromium_completes_a_run_by_clicking() {
    let chromium = chromium().expect("Chromium");
    let cli = tempfile::tempdir().expect("a folder");
    let web = tempfile::tempdir().expect("a folder");
    let state = start(
        cli.path(),
        "contoso",
        Path::new(ENABLEMENT),
        &[
            ("seats", "1500".to_string()),
            ("active-users", "120".to_string()),
            ("account-team-known", "true".to_string()),
            ("region", "emea".to_string()),
            ("services", "teams".to_string()),
        ],
    );
    let served = web.path().join("contoso.toml");
    std::fs::copy(&state, &served).expect("copy the run");
    by_subcommands(&state);

    let shots = std::env::var_os("PLAYBOOK_SCREENSHOTS").map(PathBuf::from);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/serve-clicks.mjs");
    let days = days();
    let last_day = days.len() - 1;
    for (n, (now, acts)) in days.into_iter().enumerate() {
        let server = Server::start(web.path(), now);
        let json: Vec<serde_json::Value> = acts
            .iter()
            .map(|a| {
                let mut v = serde_json::json!({ "do": a.button });
                if let Some(value) = a.value {
                    v["value"] = value.into();
                }
                // The run page mid-way, for the docs.
                if n == 1 && a.button == "answer ready-for-more" {
                    v["shot"] = "serve-run.png".into();
                }
                v
            })
            .collect();
        let actions = web.path().join(format!("day{n}.json"));
        std::fs::write(&actions, serde_json::to_string(&json).expect("JSON")).expect("write");
        let mut cmd = std::process::Command::new("node");
        cmd.arg(&script)
            .arg(&server.base)
            .arg("contoso")
            .arg(&actions)
            .env("PLAYBOOK_CHROMIUM", &chromium);
        if let Some(dir) = shots.as_ref().filter(|_| n == 1) {
            cmd.arg(dir);
        }
        let out = cmd.output().expect("run node");
        assert!(
            out.status.success(),
            "serve-clicks.mjs failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("the script prints JSON");
        assert_eq!(report["errors"], serde_json::json!([]), "{report}");
        assert_eq!(report["scripts"], 0, "the pages run no script");
        assert!(
            report["dashboard"]
                .as_str()
                .is_some_and(|d| d.contains("engagement-completion-enablement")),
            "{report}"
        );
        let results = report["results"].as_array().expect("results");
        assert_eq!(results.len(), acts.len());
        for (a, r) in acts.iter().zip(results) {
            assert_ne!(r["missing"], true, "{}: no such button: {r}", a.button);
            match a.refused {
                Some(why) => {
                    assert_eq!(r["http"], 422, "{}: {r}", a.button);
                    assert!(
                        r["refused"].as_str().is_some_and(|t| t.contains(why)),
                        "{}: {r}",
                        a.button
                    );
                }
                None => {
                    assert_eq!(r["http"], 200, "{}: {r}", a.button);
                    assert_eq!(r["refused"], "", "{}: {r}", a.button);
                    assert_ne!(r["said"], "", "{}: {r}", a.button);
                }
            }
        }
        if n == last_day {
            let said = results
                .last()
                .and_then(|r| r["said"].as_str())
                .unwrap_or("");
            assert!(said.contains("the run is complete"), "{said}");
        }
    }
    let when = "2027-01-02T10:00:00Z";
    assert_eq!(
        ok(&served, when, &["report", "--to", "markdown"]),
        ok(&state, when, &["report", "--to", "markdown"]),
        "the run clicked through is the run of the subcommands"
    );
    assert_eq!(
        std::fs::read_to_string(&served).expect("the served run"),
        std::fs::read_to_string(&state).expect("the CLI's run"),
    );
    assert_eq!(super::run::status(&served, when)["complete"], true);
}

#[test]
fn serve_skips_an_optional_item_with_a_reason_as_run_skip_does() {
    let items = Path::new("tests/fixtures/valid/items.playbook");
    let cli = tempfile::tempdir().expect("a folder");
    let web = tempfile::tempdir().expect("a folder");
    let state = start(cli.path(), "items", items, &[("ready", "true".to_string())]);
    let served = web.path().join("items.toml");
    std::fs::copy(&state, &served).expect("copy the run");
    let err = refused(&state, DAY1, &["skip", "plain", "--reason", "no"], 1);
    ok(
        &state,
        DAY1,
        &["skip", "optional-one", "--reason", "not <needed>"],
    );

    let server = Server::start(web.path(), DAY1);
    let url = server.url("/run?file=items.toml");
    let page = get(&url).1;
    assert!(page.contains("value=\"skip optional-one\""), "{page}");
    assert!(!page.contains("value=\"skip plain\""), "{page}");
    let token = csrf(&page);
    let (code, _, page) = post(
        &url,
        &[
            ("csrf", &token),
            ("action", "skip"),
            ("target", "plain"),
            ("value", "no"),
        ],
        &[],
    );
    assert_eq!(code, 422);
    let message = err.lines().next().and_then(|l| l.strip_prefix("error: "));
    assert!(
        page.contains(&html(message.expect("a message"))),
        "{err}\n{page}"
    );
    let (code, _, _) = post(
        &url,
        &[
            ("csrf", &token),
            ("action", "skip"),
            ("target", "optional-one"),
            ("value", "not <needed>"),
        ],
        &[],
    );
    assert_eq!(code, 303);
    assert_eq!(
        std::fs::read_to_string(&served).expect("the served run"),
        std::fs::read_to_string(&state).expect("the CLI's run"),
    );
    let page = get(&url).1;
    assert!(page.contains("not &lt;needed&gt;"), "{page}");
}
