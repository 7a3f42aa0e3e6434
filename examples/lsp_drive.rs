//! Drives `playbook lsp` over standard input and output on one generated
//! playbook (`examples/generate.rs`) and prints how long each exchange
//! took, one `name milliseconds` line each, for `bench/lsp.sh`.
//!
//! ```text
//! cargo run --release --example lsp_drive -- target/release/playbook /tmp/pb/generated-10000.playbook
//! ```
//!
//! The role `manager` of a generated playbook is used about 1.1 times a
//! step; renaming its declaration in the text leaves every use unknown,
//! one diagnostic each. Times of exchanges that wait for diagnostics after
//! a change are printed without the server's debounce (200 ms). Each time
//! ends when the whole answer has been read, before the driver parses it:
//! a 20 MB outline takes the driver longer to parse than the server to
//! write.
//!
//! `PROFILE_EDITS=N` adds N more edits (a character typed, then deleted,
//! each until its diagnostics) before the last exchange, so that a
//! profiler attached to the server sees mostly the work of an edit:
//! `PROFILE_EDITS=30 perf record -g -- lsp_drive PLAYBOOK FILE`.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const DEBOUNCE_MS: f64 = 200.0;

struct Driver {
    stdin: ChildStdin,
    messages: Receiver<(Instant, Value)>,
    next: i64,
    /// When the last message received had been read in full.
    arrived: Instant,
    uri: String,
}

impl Driver {
    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn receive(&mut self) -> Value {
        let (arrived, message) = self
            .messages
            .recv_timeout(Duration::from_secs(600))
            .expect("the server answers within ten minutes");
        self.arrived = arrived;
        message
    }

    /// Milliseconds from `since` to the arrival of the last message.
    fn took(&self, since: Instant) -> f64 {
        self.arrived.saturating_duration_since(since).as_secs_f64() * 1000.0
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let mut message = self.receive();
            if message["id"] == json!(id) {
                return message["result"].take();
            }
        }
    }

    /// Waits for the diagnostics of the document, and returns how many.
    fn diagnostics(&mut self) -> usize {
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == json!(self.uri)
            {
                return message["params"]["diagnostics"]
                    .as_array()
                    .map_or(0, Vec::len);
            }
        }
    }

    /// Replaces the text from `from` to `to` (line, UTF-16 column), as
    /// an editor sends a keystroke to a server that syncs by range.
    fn edit(&mut self, version: i64, from: (usize, usize), to: (usize, usize), text: &str) {
        let uri = self.uri.clone();
        let range = json!({ "start": { "line": from.0, "character": from.1 },
                            "end": { "line": to.0, "character": to.1 } });
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "range": range, "text": text }] }),
        );
    }

    fn at(&self, line: usize, character: usize) -> Value {
        json!({ "textDocument": { "uri": self.uri },
                "position": { "line": line, "character": character } })
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bin, file] = args.as_slice() else {
        eprintln!("usage: lsp_drive PLAYBOOK-BINARY GENERATED-PLAYBOOK");
        std::process::exit(2);
    };
    let file = std::fs::canonicalize(file).expect("the playbook exists");
    let text = std::fs::read_to_string(&file).expect("the playbook reads");
    let root = file.parent().unwrap_or(Path::new("/"));
    let uri = url::Url::from_file_path(&file)
        .expect("an absolute path")
        .to_string();
    let root_uri = url::Url::from_file_path(root)
        .expect("an absolute path")
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let role_line = lines
        .iter()
        .position(|l| l.starts_with("  role manager "))
        .expect("a generated playbook declares the role manager");
    let steps = lines.iter().filter(|l| l.starts_with("  step s")).count();
    let middle = lines
        .iter()
        .position(|l| l.starts_with(&format!("  step s{} ", steps / 2)))
        .expect("a middle step");
    let owner_line = middle
        + lines[middle..]
            .iter()
            .position(|l| *l == "    owner manager")
            .expect("the step has an owner");

    let mut child = Command::new(bin)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
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
                    length = n.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.unwrap_or(0)];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let arrived = Instant::now();
            let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if send.send((arrived, value)).is_err() {
                return;
            }
        }
    });
    let mut d = Driver {
        stdin,
        messages,
        next: 0,
        arrived: Instant::now(),
        uri: uri.clone(),
    };
    d.request(
        "initialize",
        json!({ "processId": null, "rootUri": root_uri, "capabilities": {},
                "workspaceFolders": [{ "uri": root_uri, "name": "bench" }] }),
    );
    d.notify("initialized", json!({}));

    let t = Instant::now();
    d.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "playbook", "version": 1, "text": text } }),
    );
    d.diagnostics();
    println!("open {:.1}", d.took(t));

    let t = Instant::now();
    d.request("textDocument/hover", d.at(owner_line, 10));
    println!("hover {:.1}", d.took(t));

    let t = Instant::now();
    d.request("textDocument/definition", d.at(owner_line, 10));
    println!("definition {:.1}", d.took(t));

    let mut params = d.at(role_line, 7);
    params["context"] = json!({ "includeDeclaration": true });
    let t = Instant::now();
    let found = d.request("textDocument/references", params);
    println!("references {:.1}", d.took(t));
    eprintln!("references: {}", found.as_array().map_or(0, Vec::len));

    let mut params = d.at(role_line, 7);
    params["newName"] = json!("boss");
    let t = Instant::now();
    d.request("textDocument/rename", params);
    println!("rename {:.1}", d.took(t));

    let t = Instant::now();
    d.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    println!("symbols {:.1}", d.took(t));

    // One character typed in a title.
    let title_line = lines
        .iter()
        .position(|l| l.contains("\"Step 0\""))
        .expect("the first step's title");
    let before_quote = lines[title_line].find("\"Step 0\"").expect("the title") + "\"Step 0".len();
    let at = (
        title_line,
        lines[title_line][..before_quote].encode_utf16().count(),
    );
    let t = Instant::now();
    d.edit(2, at, at, "x");
    d.diagnostics();
    println!("edit {:.1}", d.took(t) - DEBOUNCE_MS);

    // A request right after a change, before the debounce ends: the
    // character deleted again.
    d.edit(3, at, (at.0, at.1 + 1), "");
    let t = Instant::now();
    d.request("textDocument/hover", d.at(owner_line, 10));
    println!("hover-after-edit {:.1}", d.took(t));
    d.diagnostics();

    // For profiling: PROFILE_EDITS more one-character edits, each until its diagnostics.
    let extra: u32 = std::env::var("PROFILE_EDITS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    for i in 0..extra {
        let v = 100 + 2 * i as i64;
        d.edit(v, at, at, "x");
        d.diagnostics();
        d.edit(v + 1, at, (at.0, at.1 + 1), "");
        d.diagnostics();
    }

    // The role's declaration renamed in the text: every use is unknown.
    let t = Instant::now();
    d.edit(4, (role_line, 7), (role_line, 14), "boss");
    let count = d.diagnostics();
    println!("many-diagnostics {:.1}", d.took(t) - DEBOUNCE_MS);
    eprintln!("diagnostics: {count}");

    d.request("shutdown", Value::Null);
    d.notify("exit", Value::Null);
    let _ = child.wait();
}
