//! The promises the fuzz targets check, shared with the stable randomised
//! test (`tests/it/randomised.rs` includes this file by path), so that both
//! hold the compiler to the same rules:
//!
//! - compiling any bytes ends in a model without errors, or in at least one
//!   error and no model; never a panic; every diagnostic has a line and a
//!   column inside its file, and renders;
//! - formatting a text the compiler parses, then compiling the result,
//!   gives the same model and the same diagnostics (code and message), and
//!   formatting the result again changes nothing;
//! - importing any Markdown ends in a source that parses, is already in the
//!   canonical layout, and compiles as the first promise says, with every
//!   diagnostic of the import inside the Markdown;
//! - loading any state file against the shipped enablement playbook ends in
//!   a run or a fault inside the file; a run it loads is written back and
//!   read again to the same log, and the fast scanner of the log reads what
//!   the TOML parser reads;
//! - reading any bytes as the language server's input (`lsp::framing`)
//!   ends at the end of the bytes, one frame per byte at most, each frame a
//!   message or an error whose answer is well-formed JSON-RPC; no body kept
//!   is larger than the limit.
//!
//! Pure: the root file comes from the fuzzer's bytes, the shipped playbooks
//! and catalogues from the binary itself.

use playbook::fmt::Error;
use playbook::ir::{Playbook, Type};
use playbook::registry::Code;
use playbook::run::engine::Next;
use playbook::run::state::{Fault, StateFile};
use playbook::run::{Now, Run};
use playbook::source::{FileId, SourceFile, Sources};
use playbook::{Compilation, Loader};
use std::path::Path;
use std::sync::LazyLock;

/// Where the fuzzed file claims to live: beside the shipped playbooks, so
/// that their `use "common/fasttrack.playbook"` and translations resolve.
pub const ROOT: &str = "playbooks/fuzzed.playbook";

/// The files a fuzzed playbook may `use` or translate with.
const LIBRARY: &[(&str, &[u8])] = &[
    (
        ENABLEMENT,
        include_bytes!("../../playbooks/engagement-completion-enablement.playbook"),
    ),
    (
        "playbooks/common/fasttrack.playbook",
        include_bytes!("../../playbooks/common/fasttrack.playbook"),
    ),
    (
        "playbooks/common/fasttrack.zh.toml",
        include_bytes!("../../playbooks/common/fasttrack.zh.toml"),
    ),
    (
        "playbooks/engagement-completion-enablement.zh.toml",
        include_bytes!("../../playbooks/engagement-completion-enablement.zh.toml"),
    ),
    (
        "playbooks/engagement-completion-migration.zh.toml",
        include_bytes!("../../playbooks/engagement-completion-migration.zh.toml"),
    ),
];

/// The shipped playbook that fuzzed state files are loaded against.
pub const ENABLEMENT: &str = "playbooks/engagement-completion-enablement.playbook";

/// Serves the fuzzed bytes as [`ROOT`] and the library from memory.
struct InMemory<'a>(&'a [u8]);

impl Loader for InMemory<'_> {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        if path == Path::new(ROOT) {
            return Ok(self.0.to_vec());
        }
        LIBRARY
            .iter()
            .find(|(name, _)| path == Path::new(name))
            .map(|(_, bytes)| bytes.to_vec())
            .ok_or_else(|| "no such file".to_string())
    }
}

/// What a compilation means: the model as JSON, and the code and message of
/// each diagnostic.
#[derive(Debug, PartialEq, Eq)]
pub struct Meaning {
    pub model: Option<String>,
    pub diagnostics: Vec<String>,
}

/// How many diagnostics of one compilation are rendered as a terminal
/// would show them (rendering is the slow path; a few prove it works).
const RENDERED: usize = 3;

/// Compiles `bytes` as [`ROOT`] and checks the compiler's promises on the
/// result. Panics (a finding) when one is broken.
pub fn compile(bytes: &[u8]) -> Compilation {
    let c = playbook::compile(Path::new(ROOT), &InMemory(bytes))
        .expect("the root file is always readable");
    let errors = c.errors();
    match &c.model {
        Some(_) => assert_eq!(errors, 0, "a model with {errors} errors"),
        None => assert!(
            errors > 0 || is_catalogue(&c),
            "neither a model nor an error: {:?}",
            codes(&c)
        ),
    }
    for (i, d) in c.diagnostics.iter().enumerate() {
        let j = d.to_json(&c.sources);
        assert!(
            j.line >= 1 && j.column >= 1 && (j.end_line, j.end_column) >= (j.line, j.column),
            "{} at {}:{}-{}:{}",
            j.code,
            j.line,
            j.column,
            j.end_line,
            j.end_column
        );
        if i < RENDERED {
            assert!(!d.render(&c.sources, false, 80).is_empty());
        }
    }
    c
}

/// A file that declares a catalogue compiles to no model and may have no
/// error: it is only checked when a playbook uses it.
fn is_catalogue(c: &Compilation) -> bool {
    c.sources.iter().next().is_some_and(|(_, f)| {
        f.text
            .trim_start_matches('\u{FEFF}')
            .trim_start()
            .starts_with("catalogue")
    })
}

fn codes(c: &Compilation) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code.name()).collect()
}

/// Whether `d` flags a character of the layout: whitespace or the
/// byte-order mark. The formatter rewrites the layout (every line ends in
/// LF, spaces are its own, the mark is dropped), so such a warning may go
/// away where the character stood between tokens.
fn about_layout(c: &Compilation, d: &playbook::diagnostic::Diagnostic) -> bool {
    d.code.name() == "suspicious-character"
        && c.sources
            .slice(d.primary.span)
            .chars()
            .all(|ch| ch.is_whitespace() || ch == '\u{FEFF}')
}

/// What `c` means: warnings about layout characters aside.
pub fn meaning(c: &Compilation) -> Meaning {
    Meaning {
        model: c
            .model
            .as_ref()
            .map(|m| serde_json::to_string(m).expect("models serialise")),
        diagnostics: c
            .diagnostics
            .iter()
            .filter(|d| !about_layout(c, d))
            .map(|d| format!("{} {}", d.code.name(), d.message))
            .collect(),
    }
}

/// Compiles `bytes`, formats them, compiles the formatted text, and checks
/// that formatting kept the meaning and is idempotent. Returns whether the
/// formatter accepted the text.
pub fn format_then_recompile(bytes: &[u8]) -> bool {
    let before = compile(bytes);
    let Ok(text) = playbook::syntax::decode(FileId(0), bytes, playbook::syntax::MAX_FILE_SIZE)
    else {
        return false;
    };
    let out = match playbook::fmt::format(FileId(0), &text) {
        Ok(out) => out,
        Err(Error::Syntax(_)) => {
            assert!(
                before.model.is_none(),
                "refused as not parsing, but it compiles"
            );
            return false;
        }
        Err(Error::Internal(reason)) => panic!("the formatter failed: {reason}"),
    };
    let after = compile(out.as_bytes());
    assert_eq!(
        meaning(&before),
        meaning(&after),
        "formatting changed the meaning; formatted:\n{out}"
    );
    match playbook::fmt::format(FileId(0), &out) {
        Ok(again) => assert_eq!(again, out, "formatting twice changed the text"),
        Err(e) => panic!("the formatted text is refused: {e:?}"),
    }
    true
}

/// Codes of the stages before the resolver: a source with one of them does
/// not parse.
const SYNTAX: &[Code] = &[
    Code::FileTooLarge,
    Code::InvalidUtf8,
    Code::UnclosedBlock,
    Code::UnexpectedClose,
    Code::UnterminatedString,
    Code::NestingTooDeep,
    Code::SyntaxError,
    Code::InvalidLiteral,
];

/// Checks that a diagnostic's primary span lies inside `text`, on
/// character boundaries.
fn inside(text: &str, start: usize, end: usize, what: &str) {
    assert!(
        start <= end && end <= text.len(),
        "{what} at {start}..{end}, outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what} at {start}..{end} splits a character"
    );
}

/// Imports `bytes` as a Markdown document (bytes that are not UTF-8 are
/// refused by `playbook import` before the importer runs; here they are
/// decoded with replacement characters, so that mutations still reach it)
/// and checks the importer's promises. Returns the imported source.
pub fn import(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let imported = playbook::import::import(FileId(0), "fuzzed", &text, None);
    let mut sources = Sources::new();
    sources.add(SourceFile::new("fuzzed.md", text.to_string()));
    for (i, d) in imported.diagnostics.iter().enumerate() {
        assert_eq!(d.primary.span.file, FileId(0), "{}", d.message);
        inside(
            &text,
            d.primary.span.start as usize,
            d.primary.span.end as usize,
            d.code.name(),
        );
        if i < RENDERED {
            assert!(!d.render(&sources, false, 80).is_empty());
        }
    }
    let source = imported.source;
    let c = compile(source.as_bytes());
    let broken: Vec<String> = c
        .diagnostics
        .iter()
        .filter(|d| SYNTAX.contains(&d.code))
        .map(|d| format!("{} {}", d.code.name(), d.message))
        .collect();
    assert!(
        broken.is_empty(),
        "the imported source does not parse: {broken:?}\n{source}"
    );
    match playbook::fmt::format(FileId(0), &source) {
        Ok(again) => assert_eq!(again, source, "the imported source is not formatted"),
        Err(e) => panic!("the formatter refuses the imported source: {e:?}\n{source}"),
    }
    source
}

/// The shipped enablement playbook, compiled once.
pub static MODEL: LazyLock<Playbook> = LazyLock::new(|| {
    playbook::compile(Path::new(ENABLEMENT), &InMemory(b""))
        .expect("the shipped playbook is readable")
        .model
        .expect("the shipped playbook compiles")
});

/// The day the loaded runs are viewed on.
fn today() -> jiff::civil::Date {
    jiff::civil::date(2027, 6, 1)
}

/// What loading a state file gave: the log and its inputs (as debug text),
/// or the fault's message.
fn loaded(file: &StateFile, model: &Playbook) -> Result<String, String> {
    let run = file.run(model).map_err(|f| f.message)?;
    Ok(format!("{:?} {:?}", run.inputs, run.events))
}

fn check_fault(text: &str, fault: &Fault) {
    inside(text, fault.span.start, fault.span.end, &fault.message);
    let mut sources = Sources::new();
    let file = sources.add(SourceFile::new("fuzzed.toml", text.to_string()));
    assert!(
        !fault
            .diagnostic(file)
            .render(&sources, false, 80)
            .is_empty()
    );
}

/// How far a state file got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// Not a state file of this format.
    Refused,
    /// A state file, not a run of the enablement playbook.
    NotThisRun,
    /// A run.
    Run,
}

/// Loads `bytes` as a state file of a run of the shipped enablement
/// playbook (`StateFile::parse`, then `run`, as `playbook run` does once it
/// has compared fingerprints) and checks the promises. Bytes that are not
/// UTF-8 are decoded with replacement characters.
pub fn run_state(bytes: &[u8]) -> Load {
    let text = String::from_utf8_lossy(bytes);
    let model = &*MODEL;
    let fast = StateFile::parse(&text);
    let slow = StateFile::parse_with(&text, false);
    let (fast, slow) = match (fast, slow) {
        (Err(f), Err(_)) => {
            check_fault(&text, &f);
            return Load::Refused;
        }
        (Ok(fast), Ok(slow)) => (fast, slow),
        (fast, slow) => panic!(
            "the log scanner and the TOML parser disagree: {:?} against {:?}",
            fast.err(),
            slow.err()
        ),
    };
    assert_eq!(fast.named(), slow.named(), "the scanner read another log");
    let outcome = loaded(&fast, model);
    assert_eq!(
        outcome,
        loaded(&slow, model),
        "the scanner's log runs otherwise"
    );
    let run = match fast.run(model) {
        Ok(run) => run,
        Err(f) => {
            check_fault(&text, &f);
            return Load::NotThisRun;
        }
    };
    let view = run.view(today());
    assert!(
        view.done <= view.total,
        "{} of {} done",
        view.done,
        view.total
    );
    // Written and sealed as a change writes them, the file reads back
    // through its cache, without its log, to the state the log adds up to.
    let sealed_text = fast.to_text().expect("the file is written");
    let cache = StateFile::seal(&run, &sealed_text);
    let through = StateFile::parse_sealed(&sealed_text, Some(&cache))
        .unwrap_or_else(|f| panic!("the sealed file is refused: {f:?}\n{sealed_text}"));
    assert!(
        through.is_sealed_read(),
        "the seal does not hold for the file just written:\n{sealed_text}"
    );
    let resumed = through.run(model).expect("a sealed run resumes");
    assert_eq!(resumed.serial(), run.serial());
    assert_eq!(
        tops(&resumed),
        tops(&run),
        "the snapshot resumes another state"
    );
    // An undo through the snapshot writes what an undo after a replay writes.
    let undone = |mut file: StateFile, mut run: playbook::run::engine::Run<'_>| {
        if !file.prepare_undo(&mut run, model) {
            return None;
        }
        let before = run.events.len();
        let time = run.last_time().unwrap_or_else(jiff::Timestamp::now);
        let now = playbook::run::engine::Now {
            time,
            today: today(),
        };
        run.undo(now, "fuzz").ok()?;
        for e in &run.events[before..] {
            file.append(e).expect("append");
        }
        let text = file.to_text().expect("text");
        let cache = StateFile::seal(&run, &text);
        Some((text, cache))
    };
    let replayed = StateFile::parse(&sealed_text).expect("the sealed file reads whole");
    let replayed_run = replayed.run(model).expect("the sealed file replays");
    if let Some(text) = undone(through, resumed) {
        assert_eq!(
            Some(text),
            undone(replayed, replayed_run),
            "an undo through the snapshot writes another file"
        );
    }
    let written = fast.to_text().expect("a loaded file is written");
    let again = StateFile::parse(&written)
        .unwrap_or_else(|f| panic!("the written file is refused: {f:?}\n{written}"));
    assert_eq!(
        loaded(&again, model),
        outcome,
        "written and read again, the run changed:\n{written}"
    );
    Load::Run
}

/// The latest value of everything a run's state holds, and its view.
fn tops(run: &playbook::run::engine::Run<'_>) -> String {
    let s = &run.state;
    let recorded: Vec<_> = s.recorded.iter().map(|(k, v)| (k, v.last())).collect();
    let fields: Vec<_> = s.fields.iter().map(|(k, v)| (k, v.last())).collect();
    let tasks: Vec<_> = s.tasks.iter().map(|(k, v)| (k, v.last())).collect();
    let view = run.view(today());
    format!(
        "{:?} {:?} {:?} {:?} {:?} {recorded:?} {fields:?} {tasks:?} {:?} {:?} {}/{}",
        s.done,
        s.answers,
        s.completed,
        s.skipped,
        s.unmapped,
        run.lets(),
        run.next_action_date(),
        view.done,
        view.total
    )
}

/// State files of runs of the enablement playbook, made by the engine: for
/// a few sets of inputs, the file after each command of a walk that takes
/// the first next command each time (answering `true`, or the first value
/// a decision takes), with an undo and a skip on the way.
pub fn state_files() -> Vec<String> {
    let model = &*MODEL;
    let inputs = [
        ("1500", "120", "true", "americas", "teams"),
        ("800", "80", "false", "apj", "exchange,sharepoint,teams"),
        ("20000", "2500", "true", "emea", "intune,onedrive"),
    ];
    let mut out = Vec::new();
    for (n, (seats, users, known, region, services)) in inputs.into_iter().enumerate() {
        let given: Vec<(String, String)> = [
            ("seats", seats),
            ("active-users", users),
            ("account-team-known", known),
            ("region", region),
            ("services", services),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let values = playbook::run::engine::parse_inputs(model, &given)
            .expect("the seed's inputs are valid");
        let mut time = jiff::Timestamp::from_second(1_795_000_000).expect("a time");
        let mut now = || {
            time = time
                .checked_add(jiff::SignedDuration::from_hours(7))
                .expect("a later time");
            Now {
                time,
                today: time.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
            }
        };
        let Ok(mut run) = Run::start(model, values, now(), "ana") else {
            continue;
        };
        let write = |run: &Run<'_>| {
            StateFile::create(run, &format!("seed-{n}"), ENABLEMENT, "4f1c-0a")
                .and_then(|f| f.to_text())
                .expect("a run is written")
        };
        out.push(write(&run));
        for turn in 0..80 {
            let at = now();
            let view = run.view(at.today);
            let Some(next) = view.next.first().cloned() else {
                break;
            };
            let done = match &next {
                Next::Record { criterion, .. } => run
                    .record(criterion, "Minutes of the call, \"quoted\"", at, "ana")
                    .is_ok(),
                Next::Done { item, .. } => {
                    run.done(std::slice::from_ref(item), None, at, "bo").is_ok()
                }
                Next::Answer { decision, .. } => answer(&mut run, decision, at),
                Next::Complete { step } => run.complete(step, at, "ana").is_ok(),
            };
            if !done {
                break;
            }
            if turn == 3 && run.undo(now(), "ana").is_ok() {
                out.push(write(&run));
                continue;
            }
            out.push(write(&run));
        }
    }
    out
}

/// Answers a decision with the first of a few values its type takes.
fn answer(run: &mut Run<'_>, key: &str, at: Now) -> bool {
    let id = playbook::run::engine::base(key);
    let Some(decision) = run.model.decisions.iter().find(|d| d.id == id) else {
        return false;
    };
    let text = match &decision.ty {
        Type::Enum(e) => playbook::run::value::enum_values(run.model, e)
            .first()
            .map(|v| v.to_string())
            .unwrap_or_default(),
        Type::Bool => "true".to_string(),
        _ => "1".to_string(),
    };
    run.answer(key, &text, at, "ana").is_ok()
}

/// The language server's framing on any bytes: how many frames were read.
pub fn lsp_framing(bytes: &[u8]) -> usize {
    use playbook::lsp::framing::{Frame, MAX_MESSAGE, error_response, read};
    let mut reader = std::io::BufReader::new(bytes);
    let mut frames = 0;
    while let Some(frame) = read(&mut reader).expect("reading from memory cannot fail") {
        frames += 1;
        assert!(
            frames <= bytes.len(),
            "more frames than bytes: {frames} from {}",
            bytes.len()
        );
        match frame {
            Frame::Message(message) => {
                let mut out = Vec::new();
                message.write(&mut out).expect("writing to memory");
                assert!(out.len() as u64 <= 2 * MAX_MESSAGE + 64);
            }
            Frame::TooLarge { size } => {
                assert!(size > MAX_MESSAGE, "{size} bytes kept out");
            }
            Frame::Invalid { id, code, reason } => {
                let answer = error_response(&id, code, &reason);
                let text = String::from_utf8(answer).expect("an answer is UTF-8");
                let (head, body) = text.split_once("\r\n\r\n").expect("a header");
                assert_eq!(head, format!("Content-Length: {}", body.len()));
                let json: serde_json::Value = serde_json::from_str(body).expect("JSON");
                assert_eq!(json["error"]["code"], serde_json::json!(code));
            }
        }
    }
    frames
}

/// The language server's requests: a session that opens a document made of
/// the bytes, asks every kind of request the server offers at positions the
/// bytes choose, edits the document and shuts down. The server answers each
/// request exactly once (an answer or an error), stops when the session
/// ends, and never panics. Returns the number of requests answered.
pub fn lsp_requests(bytes: &[u8]) -> usize {
    use serde_json::json;
    let text = String::from_utf8_lossy(bytes).into_owned();
    let lines = text.split('\n').count().max(1) as u64;
    // Positions from the bytes: a line and a column (UTF-16 units), some
    // past the end of the line or of the document.
    let mut pick = bytes.iter().rev().copied().cycle().map(u64::from);
    let mut position = || {
        let line = pick.next().unwrap_or(0) % (lines + 1);
        let character = pick.next().unwrap_or(0) % 90;
        json!({ "line": line, "character": character })
    };
    let uri = "file:///fuzz/f.playbook";
    let doc = json!({ "uri": uri });
    let mut messages = vec![
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "capabilities": {} } }),
        json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
        json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": { "uri": uri, "languageId": "playbook", "version": 1, "text": text } } }),
    ];
    let mut id = 1;
    let mut ask = |method: &str,
                   params: serde_json::Value,
                   messages: &mut Vec<serde_json::Value>| {
        id += 1;
        messages.push(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
    };
    for round in 0..2 {
        let at = position();
        ask(
            "textDocument/hover",
            json!({ "textDocument": doc, "position": at }),
            &mut messages,
        );
        let at = position();
        ask(
            "textDocument/definition",
            json!({ "textDocument": doc, "position": at }),
            &mut messages,
        );
        let at = position();
        ask(
            "textDocument/references",
            json!({ "textDocument": doc, "position": at, "context": { "includeDeclaration": true } }),
            &mut messages,
        );
        let at = position();
        ask(
            "textDocument/completion",
            json!({ "textDocument": doc, "position": at }),
            &mut messages,
        );
        let at = position();
        ask(
            "textDocument/rename",
            json!({ "textDocument": doc, "position": at, "newName": "renamed-x" }),
            &mut messages,
        );
        ask(
            "textDocument/documentSymbol",
            json!({ "textDocument": doc }),
            &mut messages,
        );
        ask(
            "textDocument/formatting",
            json!({ "textDocument": doc, "options": { "tabSize": 2, "insertSpaces": true } }),
            &mut messages,
        );
        let (start, end) = (position(), position());
        ask(
            "textDocument/codeAction",
            json!({ "textDocument": doc, "range": { "start": start, "end": end },
                    "context": { "diagnostics": [] } }),
            &mut messages,
        );
        if round == 0 {
            // Half the document, as if being typed.
            let half: String = text.chars().take(text.chars().count() / 2).collect();
            messages.push(
                json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{ "text": half }] } }),
            );
            // Then ranges replaced, as editors send keystrokes: anywhere
            // the input's positions point, backwards ones and ones past
            // the end included.
            let (from, to) = (position(), position());
            let (again, end) = (position(), position());
            messages.push(
                json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": { "uri": uri, "version": 3 },
                "contentChanges": [
                    { "range": { "start": from, "end": to }, "text": "x\n\"{" },
                    { "range": { "start": again, "end": end }, "text": "" }
                ] } }),
            );
        }
    }
    let asked = id;
    messages.push(json!({ "jsonrpc": "2.0", "id": asked + 1, "method": "shutdown" }));
    messages.push(json!({ "jsonrpc": "2.0", "method": "exit" }));
    let answers = playbook::lsp::serve_session(&messages).expect("the session ends");
    let mut answered = std::collections::BTreeMap::new();
    for a in &answers {
        if let Some(n) = a.get("id").and_then(|i| i.as_i64()) {
            assert!(
                a.get("result").is_some() || a.get("error").is_some(),
                "an answer without a result or an error: {a}"
            );
            *answered.entry(n).or_insert(0) += 1;
        }
    }
    for n in 1..=asked + 1 {
        assert_eq!(
            answered.get(&n),
            Some(&1),
            "request {n} answered {:?} times",
            answered.get(&n)
        );
    }
    asked as usize
}
