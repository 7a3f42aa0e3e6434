//! `playbook lsp` as a process: JSON-RPC over standard input and output, on
//! a copy of the shipped playbooks. Every position is checked in UTF-16
//! code units, on lines holding the Chinese texts of the shipped catalogue
//! and a character outside the Basic Multilingual Plane.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

pub(crate) const ENABLEMENT: &str = "engagement-completion-enablement.playbook";
pub(crate) const MIGRATION: &str = "engagement-completion-migration.playbook";
pub(crate) const CATALOGUE: &str = "common/fasttrack.playbook";
/// A line of the enablement playbook that names the role `fm`.
const TASK_LINE: &str = r#"task 4058 "Disengagement Process is Complete (enablement)" mandatory owner fm applies to all"#;

pub(crate) struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next: i64,
    root: tempfile::TempDir,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn uri(path: &Path) -> String {
    url::Url::from_file_path(path).unwrap().to_string()
}

/// The UTF-16 column of byte offset `offset` in its line.
fn column(line: &str, offset: usize) -> u64 {
    line[..offset].encode_utf16().count() as u64
}

impl Client {
    pub(crate) fn start() -> Client {
        let root = tempfile::tempdir().unwrap();
        copy_dir(Path::new("playbooks"), root.path());
        let mut child = Command::new(env!("CARGO_BIN_EXE_playbook"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 {
                        return;
                    }
                    let header = header.trim_end();
                    if header.is_empty() {
                        break;
                    }
                    if let Some(n) = header.strip_prefix("Content-Length: ") {
                        length = Some(n.parse::<usize>().unwrap());
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                reader.read_exact(&mut body).unwrap();
                if send.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages,
            next: 0,
            root,
        };
        let root_uri = uri(client.root.path());
        let init = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": root_uri, "capabilities": {},
                    "workspaceFolders": [{ "uri": root_uri, "name": "playbooks" }] }),
        );
        assert_eq!(init["capabilities"]["renameProvider"], json!(true));
        // Changes are sent as ranges replaced (2), not whole texts (1).
        assert_eq!(init["capabilities"]["textDocumentSync"], json!(2));
        client.notify("initialized", json!({}));
        client
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    pub(crate) fn uri(&self, name: &str) -> String {
        uri(&self.path(name))
    }

    pub(crate) fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Writes bytes to the server as they are, framing and all.
    pub(crate) fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Sends a request and returns the whole response, error or result.
    pub(crate) fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.receive();
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// Closes the server's input and waits for it to exit.
    pub(crate) fn close(self) -> std::process::ExitStatus {
        let Client {
            mut child, stdin, ..
        } = self;
        drop(stdin);
        child.wait().unwrap()
    }

    pub(crate) fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    pub(crate) fn receive(&self) -> Value {
        self.messages
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers within a minute")
    }

    /// Sends a request and returns its result, skipping notifications.
    pub(crate) fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.receive();
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method} failed: {message}");
                return message["result"].clone();
            }
        }
    }

    /// Waits for the diagnostics published for `name`.
    pub(crate) fn diagnostics(&self, name: &str) -> Vec<Value> {
        let uri = self.uri(name);
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == json!(uri)
            {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }

    pub(crate) fn open(&mut self, name: &str, text: &str) {
        let uri = self.uri(name);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "playbook", "version": 1, "text": text } }),
        );
    }

    pub(crate) fn change(&mut self, name: &str, text: &str) {
        let uri = self.uri(name);
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// Replaces a range of the open document, as an editor sends a
    /// keystroke: lines and UTF-16 columns, the end excluded.
    pub(crate) fn edit(&mut self, name: &str, from: (usize, u64), to: (usize, u64), text: &str) {
        let uri = self.uri(name);
        let range = json!({ "start": { "line": from.0, "character": from.1 },
                            "end": { "line": to.0, "character": to.1 } });
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": 2 },
                    "contentChanges": [{ "range": range, "text": text }] }),
        );
    }

    pub(crate) fn at(
        &mut self,
        method: &str,
        name: &str,
        line: usize,
        character: u64,
        extra: Value,
    ) -> Value {
        let mut params = json!({
            "textDocument": { "uri": self.uri(name) },
            "position": { "line": line, "character": character },
        });
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        self.request(method, params)
    }

    pub(crate) fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success());
    }
}

/// The enablement playbook with the task's name replaced by the Chinese
/// title of the playbook and a character outside the BMP, and `owner` set
/// to `owner`: the text, the line number and the UTF-16 column of the owner.
fn chinese_task(owner: &str) -> (String, usize, u64) {
    let original = std::fs::read_to_string(Path::new("playbooks").join(ENABLEMENT)).unwrap();
    let catalogue: toml::Table = toml::from_str(
        &std::fs::read_to_string("playbooks/engagement-completion-enablement.zh.toml").unwrap(),
    )
    .unwrap();
    let title = catalogue["texts"]["title"]["text"].as_str().unwrap();
    assert!(
        title
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    );
    let line = format!(r#"task 4058 "{title} 😀" mandatory owner {owner} applies to all"#);
    assert!(original.contains(TASK_LINE));
    let text = original.replace(TASK_LINE, &line);
    let number = text.lines().position(|l| l.trim_start() == line).unwrap();
    let full = text.lines().nth(number).unwrap();
    let at = full.find(&format!("owner {owner}")).unwrap() + "owner ".len();
    // The column counts the title in UTF-16 units, the emoji as two.
    let character = column(full, at);
    assert!(character < at as u64);
    (text, number, character)
}

#[test]
fn diagnostics_hover_definition_and_a_quick_fix_on_chinese_text() {
    let mut client = Client::start();
    let original = std::fs::read_to_string(client.path(ENABLEMENT)).unwrap();
    client.open(ENABLEMENT, &original);
    assert_eq!(client.diagnostics(ENABLEMENT), Vec::<Value>::new());

    // A misspelled role after Chinese text: the same diagnostic as `playbook
    // check`, at the right UTF-16 columns.
    let (text, line, character) = chinese_task("fmm");
    client.change(ENABLEMENT, &text);
    let diagnostics = client.diagnostics(ENABLEMENT);
    let undefined: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "undefined-reference")
        .collect();
    assert_eq!(undefined.len(), 1, "{diagnostics:?}");
    let d = undefined[0];
    assert_eq!(
        d["range"],
        json!({ "start": { "line": line, "character": character },
                "end": { "line": line, "character": character + 3 } })
    );
    assert_eq!(d["severity"], 1);
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `fm`?"),
        "{d}"
    );
    // The check command says the same of the same file.
    std::fs::write(client.path(ENABLEMENT), &text).unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_playbook"))
        .args(["check", "--format", "json"])
        .arg(client.path(ENABLEMENT))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&check.stdout).unwrap();
    let from_check: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["code"] == "undefined-reference")
        .collect();
    assert_eq!(from_check.len(), 1);
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with(from_check[0]["message"].as_str().unwrap())
    );
    std::fs::write(client.path(ENABLEMENT), &original).unwrap();

    // The quick fix replaces the misspelling with the suggestion.
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": client.uri(ENABLEMENT) }, "range": d["range"],
                "context": { "diagnostics": [d] } }),
    );
    let fix = &actions[0];
    assert_eq!(fix["title"], "Change to `fm`");
    assert_eq!(
        fix["edit"]["changes"][client.uri(ENABLEMENT)],
        json!([{ "range": d["range"], "newText": "fm" }])
    );

    // With the fix applied, hover and definition from the same column.
    let (fixed, line, character) = chinese_task("fm");
    client.change(ENABLEMENT, &fixed);
    let hover = client.at("textDocument/hover", ENABLEMENT, line, character, json!({}));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.starts_with("role `fm`"), "{shown}");
    assert!(shown.contains("FastTrack Manager"), "{shown}");
    assert!(
        shown.contains("declared in `fasttrack.playbook`"),
        "{shown}"
    );
    assert_eq!(hover["range"]["start"]["character"], character);
    assert_eq!(hover["range"]["end"]["character"], character + 2);

    let catalogue = std::fs::read_to_string(client.path(CATALOGUE)).unwrap();
    let role_line = catalogue
        .lines()
        .position(|l| l.trim_start().starts_with("role fm "))
        .unwrap();
    let definition = client.at(
        "textDocument/definition",
        ENABLEMENT,
        line,
        character + 1,
        json!({}),
    );
    assert_eq!(definition["uri"], json!(client.uri(CATALOGUE)));
    assert_eq!(
        definition["range"],
        json!({ "start": { "line": role_line, "character": 7 }, "end": { "line": role_line, "character": 9 } })
    );
    // Hover on an input in an expression shows its type and text.
    let requires = original
        .lines()
        .position(|l| l.trim() == "requires usage-milestone")
        .unwrap();
    let hover = client.at("textDocument/hover", ENABLEMENT, requires, 12, json!({}));
    assert_eq!(
        hover["contents"]["value"],
        "definition `usage-milestone`: `bool`\n\nActive usage milestone reached"
    );
    client.stop();
}

#[test]
fn references_and_rename_reach_every_importing_file() {
    let mut client = Client::start();
    let catalogue = std::fs::read_to_string(client.path(CATALOGUE)).unwrap();
    client.open(CATALOGUE, &catalogue);
    let role_line = catalogue
        .lines()
        .position(|l| l.trim_start().starts_with("role fm "))
        .unwrap();

    let references = client.at(
        "textDocument/references",
        CATALOGUE,
        role_line,
        8,
        json!({ "context": { "includeDeclaration": true } }),
    );
    let mut expected = Vec::new();
    for name in [CATALOGUE, ENABLEMENT, MIGRATION] {
        let text = std::fs::read_to_string(client.path(name)).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            for (at, _) in code.match_indices("fm") {
                let before = code[..at].chars().last();
                let after = code[at + 2..].chars().next();
                let word =
                    |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
                let quoted = code[..at].matches('"').count() % 2 == 1;
                if !word(before) && !word(after) && !quoted {
                    expected.push((client.uri(name), n as u64, at as u64));
                }
            }
        }
    }
    let found = starts(&references);
    expected.sort();
    assert!(expected.len() >= 7, "{expected:?}");
    assert_eq!(found, expected);

    // Rename changes the same places and the catalogue's translation key.
    let rename = client.at(
        "textDocument/rename",
        CATALOGUE,
        role_line,
        7,
        json!({ "newName": "manager" }),
    );
    let changes = rename["changes"].as_object().unwrap();
    let renamed: usize = [CATALOGUE, ENABLEMENT, MIGRATION]
        .iter()
        .map(|n| changes[&client.uri(n)].as_array().unwrap().len())
        .sum();
    assert_eq!(renamed, expected.len());
    let zh = client.path("common/fasttrack.zh.toml");
    let key_edits = changes[&client.uri("common/fasttrack.zh.toml")]
        .as_array()
        .unwrap();
    let zh_text = std::fs::read_to_string(&zh).unwrap();
    let key_line = zh_text
        .lines()
        .position(|l| l.starts_with("\"role.fm\""))
        .unwrap();
    assert_eq!(
        key_edits,
        &vec![
            json!({ "range": { "start": { "line": key_line, "character": 6 },
                                  "end": { "line": key_line, "character": 8 } }, "newText": "manager" })
        ]
    );

    // Removing the role from the catalogue: the files importing it are
    // checked again, the one that is not open too.
    let without = catalogue.replace("  role fm \"FastTrack Manager\"\n", "");
    assert_ne!(without, catalogue);
    client.change(CATALOGUE, &without);
    let mut pending = vec![ENABLEMENT, MIGRATION];
    while !pending.is_empty() {
        let message = client.receive();
        if message["method"] != "textDocument/publishDiagnostics" {
            continue;
        }
        let uri = message["params"]["uri"].as_str().unwrap().to_string();
        if let Some(i) = pending.iter().position(|n| client.uri(n) == uri) {
            let diagnostics = message["params"]["diagnostics"].as_array().unwrap();
            assert!(
                diagnostics
                    .iter()
                    .any(|d| d["code"] == "undefined-reference"
                        && d["message"].as_str().unwrap().contains("`fm`")),
                "{diagnostics:?}"
            );
            pending.remove(i);
        }
    }
    client.stop();
}

#[test]
fn symbols_completion_and_formatting() {
    let mut client = Client::start();
    let original = std::fs::read_to_string(client.path(ENABLEMENT)).unwrap();
    client.open(ENABLEMENT, &original);

    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": client.uri(ENABLEMENT) } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"4058"), "{names:?}");
    let steps: Vec<&str> = original
        .lines()
        .filter_map(|l| l.strip_prefix("  step "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(steps, ["prepare", "conduct"]);
    for step in &steps {
        assert!(names.contains(step), "{step} missing from {names:?}");
    }
    let prepare = symbols
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "prepare")
        .unwrap();
    let children: Vec<&str> = prepare["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        children.starts_with(&["rfa-customer", "milestone-documented"]),
        "{children:?}"
    );

    // Completion: roles after `owner`, steps after `after`, keywords at the
    // start of a statement.
    let with_line = format!(
        "{}\n  step extra \"Extra\" {{\n    owner \n    after \n    \n  }}\n}}\n",
        original.trim_end().trim_end_matches('}').trim_end()
    );
    client.change(ENABLEMENT, &with_line);
    let owner_line = with_line.lines().position(|l| l == "    owner ").unwrap();
    let labels = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let roles = labels(&client.at(
        "textDocument/completion",
        ENABLEMENT,
        owner_line,
        10,
        json!({}),
    ));
    let mut sorted = roles.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["account-team", "assignment-team", "customer", "fm"]
    );
    let after = labels(&client.at(
        "textDocument/completion",
        ENABLEMENT,
        owner_line + 1,
        10,
        json!({}),
    ));
    for step in &steps {
        assert!(
            after.contains(&step.to_string()),
            "{step} missing from {after:?}"
        );
    }
    assert!(!after.contains(&"fm".to_string()));
    let keywords = labels(&client.at(
        "textDocument/completion",
        ENABLEMENT,
        owner_line + 2,
        4,
        json!({}),
    ));
    assert!(keywords.contains(&"entry".to_string()) && keywords.contains(&"do".to_string()));

    // Formatting through the formatter: a badly laid out text comes back
    // as the shipped (formatted) one.
    let messy = original.replace("\n  locale en\n", "\n      locale    en\n");
    assert_ne!(messy, original);
    client.change(ENABLEMENT, &messy);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": client.uri(ENABLEMENT) },
                "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["newText"], json!(original));
    assert_eq!(
        edits[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    client.stop();
}

/// The edits of the first code action for the diagnostic with `code`.
fn quick_fix(
    client: &mut Client,
    name: &str,
    diagnostics: &[Value],
    code: &str,
) -> (String, Value) {
    let d = diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:?}"));
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": client.uri(name) }, "range": d["range"],
                "context": { "diagnostics": [d] } }),
    );
    let action = &actions[0];
    let changes = action["edit"]["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 1, "{action}");
    let (uri, edits) = changes.iter().next().unwrap();
    assert_eq!(edits.as_array().unwrap().len(), 1);
    (uri.clone(), edits[0].clone())
}

#[test]
fn quick_fixes_add_a_missing_translation_and_the_missing_arms() {
    let mut client = Client::start();
    let original = std::fs::read_to_string(client.path(ENABLEMENT)).unwrap();
    client.open(ENABLEMENT, &original);
    assert_eq!(client.diagnostics(ENABLEMENT), Vec::<Value>::new());
    let anchor = "    do prepare-conversation ";
    let with_match = original.replacen(
        anchor,
        "    match region {\n      apj => {\n        do tell-apj \"Tell the APJ team: 进行讨论 😀.\"\n      }\n    }\n    do prepare-conversation ",
        1,
    );
    assert_ne!(with_match, original);
    client.change(ENABLEMENT, &with_match);
    let diagnostics = client.diagnostics(ENABLEMENT);

    // The missing translation goes to the end of the zh catalogue, its text
    // to translate starting as the source text.
    let (uri, edit) = quick_fix(&mut client, ENABLEMENT, &diagnostics, "missing-translation");
    let catalogue_name = "engagement-completion-enablement.zh.toml";
    assert_eq!(uri, client.uri(catalogue_name));
    let catalogue = std::fs::read_to_string(client.path(catalogue_name)).unwrap();
    let end = catalogue.lines().count();
    assert!(catalogue.ends_with('\n'));
    assert_eq!(
        edit,
        json!({ "range": { "start": { "line": end, "character": 0 }, "end": { "line": end, "character": 0 } },
                "newText": "\"item.tell-apj\" = { text = \"Tell the APJ team: 进行讨论 😀.\", source = \"Tell the APJ team: 进行讨论 😀.\" }\n" })
    );
    std::fs::write(
        client.path(catalogue_name),
        catalogue.clone() + edit["newText"].as_str().unwrap(),
    )
    .unwrap();

    // With the translation in, the checks run (only a file without errors
    // is checked), and find the missing arms; their fix goes before the
    // closing brace of the `match`.
    client.change(ENABLEMENT, &with_match);
    let diagnostics = client.diagnostics(ENABLEMENT);
    assert!(
        diagnostics
            .iter()
            .all(|d| d["code"] != "missing-translation")
    );
    let (uri, edit) = quick_fix(
        &mut client,
        ENABLEMENT,
        &diagnostics,
        "non-exhaustive-branch",
    );
    assert_eq!(uri, client.uri(ENABLEMENT));
    let close = with_match.lines().position(|l| l == "    }").unwrap();
    assert_eq!(
        edit["range"]["start"],
        json!({ "line": close, "character": 0 })
    );
    assert_eq!(
        edit["newText"],
        "      americas => {\n      }\n      emea => {\n      }\n"
    );
    let mut lines: Vec<&str> = with_match.split_inclusive('\n').collect();
    let inserted = edit["newText"].as_str().unwrap().to_string();
    lines.insert(close, &inserted);
    let fixed: String = lines.concat();
    client.change(ENABLEMENT, &fixed);
    let after = client.diagnostics(ENABLEMENT);
    assert!(
        after
            .iter()
            .all(|d| d["code"] != "missing-translation" && d["code"] != "non-exhaustive-branch"),
        "{after:?}"
    );
    client.stop();
}

#[test]
fn edits_sent_as_ranges_change_only_their_range_after_chinese_text() {
    let mut client = Client::start();
    let (text, line, character) = chinese_task("fm");
    client.open(ENABLEMENT, &text);
    assert_eq!(client.diagnostics(ENABLEMENT), Vec::<Value>::new());
    // `fm` becomes `fmm`: one letter typed after the Chinese title and the
    // emoji, at a column counted in UTF-16 units.
    let after = (line, character + 2);
    client.edit(ENABLEMENT, after, after, "m");
    let diagnostics = client.diagnostics(ENABLEMENT);
    let codes: Vec<&Value> = diagnostics.iter().map(|d| &d["code"]).collect();
    assert_eq!(codes, vec!["undefined-reference"], "{diagnostics:?}");
    assert_eq!(
        diagnostics[0]["range"],
        json!({ "start": { "line": line, "character": character },
                "end": { "line": line, "character": character + 3 } })
    );
    // A hover sent right after the letter is deleted again reads the
    // edited text: the role `fm` and its title.
    client.edit(ENABLEMENT, after, (line, character + 3), "");
    let hover = client.at(
        "textDocument/hover",
        ENABLEMENT,
        line,
        character + 1,
        json!({}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains("fm"), "{hover}");
    assert_eq!(client.diagnostics(ENABLEMENT), Vec::<Value>::new());
    // Across lines: the task's line removed with its line break. The
    // outline is then the one of that text sent whole.
    let symbols = |client: &mut Client| {
        let uri = client.uri(ENABLEMENT);
        client.request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri } }),
        )
    };
    let before = symbols(&mut client);
    client.edit(ENABLEMENT, (line, 0), (line + 1, 0), "");
    let edited = symbols(&mut client);
    assert_ne!(edited, before);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(line);
    client.change(ENABLEMENT, &(lines.join("\n") + "\n"));
    assert_eq!(symbols(&mut client), edited);
    client.stop();
}

#[test]
fn fast_changes_are_compiled_once_from_the_last_text() {
    let mut client = Client::start();
    let original = std::fs::read_to_string(client.path(ENABLEMENT)).unwrap();
    client.open(ENABLEMENT, &original);
    assert_eq!(client.diagnostics(ENABLEMENT), Vec::<Value>::new());
    // Typing `owner fmx` one letter at a time, then deleting the `x`.
    for typed in ["owner f", "owner fm", "owner fmx"] {
        client.change(
            ENABLEMENT,
            &original.replacen("owner fm\n", &format!("{typed}\n"), 1),
        );
    }
    client.change(ENABLEMENT, &original);
    let mut published = Vec::new();
    while let Ok(message) = client.messages.recv_timeout(Duration::from_millis(1500)) {
        if message["method"] == "textDocument/publishDiagnostics" {
            published.push(message["params"]["diagnostics"].clone());
        }
    }
    assert_eq!(published, vec![json!([])]);
    client.stop();
}

#[test]
fn references_rename_symbols_and_completion_count_utf16_on_chinese_text() {
    let mut client = Client::start();
    let (text, line, character) = chinese_task("fm");
    client.open(ENABLEMENT, &text);
    client.diagnostics(ENABLEMENT);
    let full = text.lines().nth(line).unwrap();
    let on_role = json!({ "start": { "line": line, "character": character },
                          "end": { "line": line, "character": character + 2 } });

    // References from the role's use after the Chinese title find that use
    // at its UTF-16 columns.
    let references = client.at(
        "textDocument/references",
        ENABLEMENT,
        line,
        character + 1,
        json!({ "context": { "includeDeclaration": false } }),
    );
    let here: Vec<&Value> = references
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            l["uri"] == json!(client.uri(ENABLEMENT)) && l["range"]["start"]["line"] == line
        })
        .collect();
    assert_eq!(here.len(), 1, "{references}");
    assert_eq!(here[0]["range"], on_role);

    // Rename edits the same range.
    let rename = client.at(
        "textDocument/rename",
        ENABLEMENT,
        line,
        character,
        json!({ "newName": "manager" }),
    );
    let edits = rename["changes"][client.uri(ENABLEMENT)]
        .as_array()
        .unwrap();
    assert!(
        edits.contains(&json!({ "range": on_role, "newText": "manager" })),
        "{edits:?}"
    );

    // The outline's task ends at the end of its line, counted in UTF-16
    // units (the emoji as two), not in bytes or characters.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": client.uri(ENABLEMENT) } }),
    );
    let task = symbols
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "4058")
        .unwrap();
    let end = column(full, full.len());
    assert!(end < full.len() as u64 && end > full.chars().count() as u64);
    assert_eq!(
        task["range"]["end"],
        json!({ "line": line, "character": end })
    );

    // Completion after the Chinese title reads the word before the cursor:
    // `f` completes to the role `fm`.
    let (partial, line, character) = chinese_task("f");
    client.change(ENABLEMENT, &partial);
    let labels: Vec<String> = client
        .at(
            "textDocument/completion",
            ENABLEMENT,
            line,
            character + 1,
            json!({}),
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels, ["fm"]);
    client.stop();
}

/// The start of each location in a `Location[]` answer, as `(uri, line,
/// character)`, sorted.
pub fn starts(locations: &Value) -> Vec<(String, u64, u64)> {
    let mut found: Vec<(String, u64, u64)> = locations
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["uri"].as_str().unwrap().to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
                l["range"]["start"]["character"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn quick_fixes_come_from_diagnostic_data_not_wording() {
    // The code actions read a diagnostic's fixes, never its message or help.
    let source = std::fs::read_to_string("src/lsp/mod.rs").unwrap();
    let start = source.find("fn code_actions(").unwrap();
    let end = start + source[start..].find("\n    }\n").unwrap();
    let body = &source[start..end];
    for wording in [
        ".help",
        ".message",
        "did you mean",
        "split(",
        "starts_with(",
    ] {
        assert!(!body.contains(wording), "code_actions reads `{wording}`");
    }
}

#[test]
fn a_document_over_the_file_limit_is_refused_with_a_message() {
    let mut client = Client::start();
    std::fs::write(client.path("Playbook.toml"), "max-file-size-mib = 1\n").unwrap();
    let one = std::fs::read_to_string(client.path(ENABLEMENT)).unwrap();
    let mut big = String::new();
    while big.len() <= 1024 * 1024 {
        big.push_str(&one);
    }
    client.open("big.playbook", &big);
    let mut shown = None;
    let mut diagnostics = None;
    while shown.is_none() || diagnostics.is_none() {
        let message = client.receive();
        if message["method"] == "window/showMessage" {
            shown = Some(message["params"]["message"].as_str().unwrap().to_string());
        } else if message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["uri"] == json!(client.uri("big.playbook"))
        {
            diagnostics = Some(message["params"]["diagnostics"].clone());
        }
    }
    let shown = shown.unwrap();
    assert!(shown.contains("big.playbook"), "{shown}");
    assert!(shown.contains("max-file-size-mib"), "{shown}");
    let diagnostics = diagnostics.unwrap();
    assert_eq!(
        diagnostics[0]["code"],
        json!("file-too-large"),
        "{diagnostics}"
    );
    // Navigation leaves it aside: no answer, and no hang.
    let hover = client.at("textDocument/hover", "big.playbook", 0, 0, json!({}));
    assert_eq!(hover, Value::Null);
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": client.uri("big.playbook") } }),
    );
    assert_eq!(symbols, Value::Null);
    // Back under the limit, it is a playbook again.
    client.change("big.playbook", &one);
    assert!(
        client
            .diagnostics("big.playbook")
            .iter()
            .all(|d| d["code"] != json!("file-too-large"))
    );
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": client.uri("big.playbook") } }),
    );
    assert!(!symbols.as_array().unwrap().is_empty());
}
