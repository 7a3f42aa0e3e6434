//! The fuzz targets' promises (`fuzz/src/lib.rs`) on stable Rust, within a
//! fixed time budget: generated and mutated inputs (byte flips, token
//! splices, truncations, duplications and cross-overs of a seed corpus)
//! go through the four entry points: compile, format then recompile,
//! import from Markdown, and load a run state file. Never a panic; always a
//! model or an error; formatting keeps the meaning; an import parses; a
//! state file is a run or a fault inside it.
//!
//! The runs are deterministic (a fixed seed), so a failure reproduces; the
//! budget only cuts the run short on a slow machine, and the test asserts
//! that a minimum number of cases ran all the same.

#[path = "../../fuzz/src/lib.rs"]
pub mod oracle;

use crate::language_doc::{document, examples};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// Wall time each of the four runs may take (debug build); the import,
/// which imports, compiles and formats each document, gets twice as much.
const BUDGET: Duration = Duration::from_secs(5);
/// Cases each run tries.
const CASES: u32 = 10_000;
/// Cases each run must get through within its budget.
const AT_LEAST: usize = 300;

/// The seed corpus: shipped playbooks, fixtures and documentation examples,
/// all but the largest (a mutation of a large file costs much and tells
/// little more than one of a small file).
static SEEDS: LazyLock<Corpus> = LazyLock::new(|| Corpus {
    seeds: playbook_seeds(),
    tokens: TOKENS,
    budget: BUDGET,
});

/// Inputs of one entry point: the seeds to mutate, the tokens to splice,
/// and the wall time a run may take.
struct Corpus {
    seeds: Vec<Vec<u8>>,
    tokens: &'static [&'static str],
    budget: Duration,
}

fn playbook_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    let mut dirs = vec![PathBuf::from("playbooks"), PathBuf::from("tests/fixtures")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("list folder") {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "playbook") {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        seeds.push(std::fs::read(&path).expect("read seed"));
    }
    seeds.extend(
        examples(&document())
            .into_iter()
            .map(|e| e.text.into_bytes()),
    );
    seeds.push(crate::generate::playbook(1, 3).into_bytes());
    seeds.retain(|s| s.len() <= 8 * 1024);
    assert!(seeds.len() > 100, "only {} seeds", seeds.len());
    seeds
}

/// Words of the language and characters the compiler treats specially.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "\"",
    "\"\"\"",
    "\\",
    "//",
    "\n",
    "\r",
    "\r\n",
    " ",
    "playbook p ",
    "catalogue c ",
    "step s ",
    "after ",
    "owner ",
    "with ",
    "do a ",
    "if ",
    "else ",
    "match ",
    "=>",
    "for each x in ",
    "let x = ",
    "input i: int ",
    "enum e ",
    "role r ",
    "title ",
    "requires ",
    "not ",
    "and ",
    "or ",
    "==",
    "<=",
    ">",
    "%",
    "of ",
    "year of ",
    "{x}",
    "{}",
    ",",
    ":",
    "|",
    "set of ",
    "one of ",
    "use \"common/fasttrack.playbook\"\n",
    "translation zh \"x.zh.toml\"\n",
    "2019-10-01",
    "-1",
    "1000000000000000000000",
    "0.5",
    "\u{0}",
    "\u{7}",
    "\u{1b}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{202E}",
    "\u{2066}",
    "\u{200B}",
    "\u{FEFF}",
    "中",
    "\u{FFFD}",
];

/// Markdown documents to import: the Markdown exports of the shipped
/// playbooks in English and Simplified Chinese (the Chinese one is the
/// FastTrack document the enablement playbook was written from, in its
/// layout: front matter, step sections, role lines, task tables), and the
/// project's own documentation.
static MARKDOWN: LazyLock<Corpus> = LazyLock::new(|| {
    let mut seeds = Vec::new();
    for path in [
        "playbooks/engagement-completion-enablement.playbook",
        "playbooks/engagement-completion-migration.playbook",
    ] {
        let c = playbook::compile(
            std::path::Path::new(path),
            &playbook::fs::FsLoader::default(),
        )
        .expect("read the shipped playbook");
        let model = c.model.expect("the shipped playbook compiles");
        for locale in ["en", "zh"] {
            seeds.push(playbook::export::markdown::render(&model, locale).into_bytes());
        }
    }
    let mut docs: Vec<PathBuf> = std::fs::read_dir("docs")
        .expect("list docs")
        .map(|e| e.expect("folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    docs.push(PathBuf::from("README.md"));
    for path in docs {
        seeds.push(std::fs::read(&path).expect("read a document"));
    }
    seeds.retain(|s| s.len() <= 16 * 1024);
    assert!(seeds.len() >= 10, "only {} Markdown seeds", seeds.len());
    Corpus {
        seeds,
        tokens: MARKDOWN_TOKENS,
        budget: 2 * BUDGET,
    }
});

/// Markdown and the labels the importer reads, and hostile characters.
const MARKDOWN_TOKENS: &[&str] = &[
    "# ",
    "## ",
    "### ",
    "#### ",
    "\n---\n",
    "---\n",
    "...\n",
    "ms.date: 10/01/2019\n",
    "author: ",
    ": ",
    "：",
    "**",
    "*",
    "_",
    "`",
    "```\n",
    "- ",
    "1. ",
    "> ",
    "|",
    " | --- | --- |\n",
    "| Task ID | Task Name | (M)andatory / (O)ptional | FastTrack Role | Services |\n",
    "| 4058 | Close | M | Manager | Exchange |\n",
    "Primary Role: **Manager**\n",
    "主要角色：",
    "Applies To",
    "Step Inputs",
    "Step Outputs",
    "Refresh Summary",
    "Overview",
    "Approach",
    "概述",
    "09/13/2019",
    "2019 年 9 月 13 日",
    "13.09.2019",
    "[",
    "](",
    ")",
    "<",
    ">",
    "<script>",
    "<!--",
    "-->",
    "&amp;",
    "{",
    "}",
    "\"",
    "\\",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "    ",
    "\t",
    "\u{0}",
    "\u{1b}",
    "\u{85}",
    "\u{2028}",
    "\u{202E}",
    "\u{FEFF}",
    "中",
];

/// State files of runs of the shipped enablement playbook, made by the run
/// engine (`oracle::state_files`): every state of three walks.
static STATES: LazyLock<Corpus> = LazyLock::new(|| {
    let seeds: Vec<Vec<u8>> = oracle::state_files()
        .into_iter()
        .map(String::into_bytes)
        .collect();
    assert!(seeds.len() >= 20, "only {} state files", seeds.len());
    Corpus {
        seeds,
        tokens: STATE_TOKENS,
        budget: BUDGET,
    }
});

/// The language server's input: a session of framed messages (initialize,
/// open, change, completion, rename, shutdown) in one piece and message by
/// message, with the framing's pieces as tokens.
static LSP: LazyLock<Corpus> = LazyLock::new(|| {
    let text = std::fs::read_to_string("playbooks/engagement-completion-enablement.playbook")
        .expect("read the shipped playbook");
    let uri = "file:///w/engagement-completion-enablement.playbook";
    let messages = [
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "playbook", "version": 1, "text": text.chars().take(2000).collect::<String>()}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/completion", "params": {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 3}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "textDocument/rename", "params": {"textDocument": {"uri": uri}, "position": {"line": 9, "character": 6}, "newName": "中文"}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 4, "method": "shutdown"}),
        serde_json::json!({"jsonrpc": "2.0", "method": "exit"}),
    ];
    let framed: Vec<Vec<u8>> = messages
        .iter()
        .map(|m| {
            let body = m.to_string();
            format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
        })
        .collect();
    let mut seeds = framed.clone();
    seeds.push(framed.concat());
    Corpus {
        seeds,
        tokens: LSP_TOKENS,
        budget: BUDGET,
    }
});

const LSP_TOKENS: &[&str] = &[
    "Content-Length: ",
    "content-length:",
    "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n",
    "\r\n",
    "\n",
    "\r\n\r\n",
    "0",
    "9",
    "60",
    "9223372036854775807",
    "18446744073709551616",
    "1000000000000",
    "-1",
    "{",
    "}",
    "[",
    "]",
    "\"jsonrpc\":\"2.0\"",
    "\"id\":",
    "\"id\":null",
    "\"method\":\"",
    "\"params\":",
    "\"result\":",
    "\"error\":",
    ",",
    ":",
    "\"",
    "\\u0000",
    "\u{0}",
    "\u{FEFF}",
    "中",
    "😀",
];

/// TOML, the state file's keys and values, and hostile characters.
const STATE_TOKENS: &[&str] = &[
    "[[event]]\n",
    "[log]\n",
    "events = [\n",
    "{ id = \"",
    "\" },\n",
    "schema = 2\n",
    "[inputs]\n",
    "[[model.step]]\n",
    "[model]\n",
    "schema = 1\n",
    "serial = ",
    "seq = ",
    "time = ",
    "actor = ",
    "event = ",
    "undoes = ",
    "items = [",
    "item = ",
    "decision = ",
    "criterion = ",
    "step = ",
    "value = ",
    "evidence = ",
    "\"start\"",
    "\"done\"",
    "\"answer\"",
    "\"record\"",
    "\"complete\"",
    "\"skip\"",
    "\"undo\"",
    "\"2026-11-24T09:00:00Z\"",
    "2026-11-24T09:00:00Z",
    "\"prepare-conversation\"",
    "\"teams\"",
    "true",
    "0",
    "1",
    "-1",
    "18446744073709551616",
    "1e400",
    "nan",
    "inf",
    "=",
    "\"",
    "'",
    "'''",
    "\"\"\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    "#",
    "\\",
    "\\u0000",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\u{0}",
    "\u{1b}",
    "\u{2028}",
    "\u{202E}",
    "\u{FEFF}",
    "中",
];

/// The extension of a slow input's file, by entry point.
fn extension(name: &str) -> &'static str {
    match name {
        "import" => "md",
        "run-state" => "toml",
        "lsp-framing" => "lsp",
        _ => "playbook",
    }
}

/// One change to an input.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR one byte with a non-zero mask.
    Flip(prop::sample::Index, u8),
    /// Insert a token.
    Splice(prop::sample::Index, prop::sample::Index),
    /// Cut the input.
    Truncate(prop::sample::Index),
    /// Copy a range of the input to another place.
    Duplicate(
        prop::sample::Index,
        prop::sample::Index,
        prop::sample::Index,
    ),
    /// Remove a range.
    Delete(prop::sample::Index, prop::sample::Index),
    /// Insert a range of another seed.
    Cross(
        prop::sample::Index,
        prop::sample::Index,
        prop::sample::Index,
        prop::sample::Index,
    ),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<prop::sample::Index>;
    prop_oneof![
        3 => (i(), 1..=255u8).prop_map(|(at, m)| Mutation::Flip(at, m)),
        4 => (i(), i()).prop_map(|(at, t)| Mutation::Splice(at, t)),
        1 => i().prop_map(Mutation::Truncate),
        2 => (i(), i(), i()).prop_map(|(a, b, at)| Mutation::Duplicate(a, b, at)),
        2 => (i(), i()).prop_map(|(a, b)| Mutation::Delete(a, b)),
        1 => (i(), i(), i(), i()).prop_map(|(s, a, b, at)| Mutation::Cross(s, a, b, at)),
    ]
}

/// A range of `bytes` from two indices, at most 4 KiB long; when the first
/// index is even, whole lines.
fn range(bytes: &[u8], a: &prop::sample::Index, b: &prop::sample::Index) -> (usize, usize) {
    let len = bytes.len();
    let (x, y) = (a.index(len + 1), b.index(len + 1));
    let (mut lo, mut hi) = (x.min(y), x.max(y).min(x.min(y) + 4096));
    if x % 2 == 0 {
        lo -= bytes[..lo]
            .iter()
            .rev()
            .take_while(|&&b| b != b'\n')
            .count();
        hi += bytes[hi..].iter().take_while(|&&b| b != b'\n').count();
        hi = (hi + 1).min(len);
    }
    (lo, hi)
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation, corpus: &Corpus) {
    let len = bytes.len();
    match m {
        Mutation::Flip(at, mask) => {
            if len > 0 {
                bytes[at.index(len)] ^= mask;
            }
        }
        Mutation::Splice(at, t) => {
            let token = t.get(corpus.tokens).as_bytes();
            // Half the splices fall between words, the others anywhere.
            let mut at = at.index(len + 1);
            if at % 2 == 0 {
                at += bytes[at..]
                    .iter()
                    .take_while(|b| !b.is_ascii_whitespace())
                    .count();
            }
            bytes.splice(at..at, token.iter().copied());
        }
        Mutation::Truncate(at) => bytes.truncate(at.index(len + 1)),
        Mutation::Duplicate(a, b, at) => {
            let (lo, hi) = range(bytes, a, b);
            let piece = bytes[lo..hi].to_vec();
            let at = at.index(len + 1);
            bytes.splice(at..at, piece);
        }
        Mutation::Delete(a, b) => {
            let (lo, hi) = range(bytes, a, b);
            bytes.drain(lo..hi);
        }
        Mutation::Cross(s, a, b, at) => {
            let other = s.get(&corpus.seeds);
            let (lo, hi) = range(other, a, b);
            let at = at.index(len + 1);
            bytes.splice(at..at, other[lo..hi].iter().copied());
        }
    }
}

/// Inputs: a mutated seed, or a sequence of tokens.
fn input(corpus: &'static Corpus) -> impl Strategy<Value = Vec<u8>> {
    let mutated = (
        any::<prop::sample::Index>(),
        prop_oneof![2 => prop::collection::vec(mutation(), 1..2), 1 => prop::collection::vec(mutation(), 1..5)],
    )
        .prop_map(move |(seed, mutations)| {
            let mut bytes = seed.get(&corpus.seeds).clone();
            // One mutation in most inputs, up to four in the others.
            for m in &mutations {
                apply(&mut bytes, m, corpus);
            }
            bytes
        });
    let tokens =
        prop::collection::vec(any::<prop::sample::Index>(), 0..80).prop_map(move |picks| {
            picks
                .iter()
                .flat_map(|p| p.get(corpus.tokens).bytes())
                .collect::<Vec<u8>>()
        });
    prop_oneof![4 => mutated, 1 => tokens]
}

/// How a run is sized: [`CASES`] and [`BUDGET`] unless the environment
/// says otherwise (`bench/slowest.sh` runs long searches with other seeds).
fn sizing() -> (u32, Option<Duration>, [u8; 32]) {
    let number = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let cases = number("PLAYBOOK_RANDOMISED_CASES")
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(CASES);
    let budget = number("PLAYBOOK_RANDOMISED_SECONDS").map(Duration::from_secs);
    let mut seed = [7u8; 32];
    if let Some(n) = number("PLAYBOOK_RANDOMISED_SEED") {
        seed[..8].copy_from_slice(&n.to_le_bytes());
    }
    (cases, budget, seed)
}

/// The slowest inputs per byte a run met, slowest first. Inputs under
/// 1 KiB count as 1 KiB, so that the fixed cost of a compilation does not
/// make every tiny input look slow.
const SLOWEST_KEPT: usize = 5;

/// Runs `property` on up to [`CASES`] inputs within [`BUDGET`]; returns how
/// many ran. A failure is shrunk by proptest and reported with its bytes.
/// The inputs that took the most time per byte are printed, and written to
/// the folder `PLAYBOOK_SLOWEST_DIR` names, when it does.
fn run(name: &str, corpus: &'static Corpus, property: impl Fn(&[u8])) -> usize {
    let (cases, budget, seed) = sizing();
    let budget = budget.unwrap_or(corpus.budget);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let start = Instant::now();
    let ran = AtomicUsize::new(0);
    let slowest: Mutex<Vec<(f64, Vec<u8>)>> = Mutex::new(Vec::new());
    let result = runner.run(&input(corpus), |bytes| {
        if start.elapsed() > budget {
            return Ok(());
        }
        ran.fetch_add(1, Ordering::Relaxed);
        let began = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| property(&bytes)));
        let per_byte =
            |elapsed: Duration| elapsed.as_secs_f64() * 1e9 / bytes.len().max(1024) as f64;
        let mut kept = slowest.lock().expect("not poisoned");
        let beats = |t: f64| kept.len() < SLOWEST_KEPT || t > kept[kept.len() - 1].0;
        if outcome.is_ok() && beats(per_byte(began.elapsed())) {
            // Time a candidate twice more and keep the fastest of the three:
            // a pause of the process is not slowness of the input.
            let again = (0..2)
                .map(|_| {
                    let began = Instant::now();
                    property(&bytes);
                    began.elapsed()
                })
                .chain([began.elapsed()])
                .min()
                .unwrap_or_default();
            let per_byte = per_byte(again);
            if beats(per_byte) {
                kept.push((per_byte, bytes.clone()));
                kept.sort_by(|a, b| b.0.total_cmp(&a.0));
                kept.truncate(SLOWEST_KEPT);
            }
        }
        drop(kept);
        prop_assert!(
            outcome.is_ok(),
            "{name} panicked on {:?}",
            String::from_utf8_lossy(&bytes)
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    let ran = ran.into_inner();
    eprintln!("{name}: {ran} cases in {:.2?}", start.elapsed());
    let out = std::env::var_os("PLAYBOOK_SLOWEST_DIR").map(PathBuf::from);
    for (i, (per_byte, bytes)) in slowest
        .into_inner()
        .expect("not poisoned")
        .iter()
        .enumerate()
    {
        eprintln!(
            "{name}: slow input {i}: {per_byte:.0} ns a byte, {} bytes",
            bytes.len()
        );
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir).expect("create the output folder");
            std::fs::write(dir.join(format!("{name}-{i}.{}", extension(name))), bytes)
                .expect("write");
        }
    }
    ran
}

#[test]
fn compiling_mutated_and_generated_inputs_never_panics() {
    let models = AtomicUsize::new(0);
    let bytes_seen = AtomicUsize::new(0);
    let ran = run("compile", &SEEDS, |bytes| {
        bytes_seen.fetch_add(bytes.len(), Ordering::Relaxed);
        if oracle::compile(bytes).model.is_some() {
            models.fetch_add(1, Ordering::Relaxed);
        }
    });
    eprintln!(
        "compile: {} models, {} bytes",
        models.into_inner(),
        bytes_seen.into_inner()
    );
    assert!(ran >= AT_LEAST, "only {ran} cases within {BUDGET:?}");
}

#[test]
fn formatting_mutated_inputs_keeps_their_meaning() {
    let formatted = AtomicUsize::new(0);
    let ran = run("format", &SEEDS, |bytes| {
        if oracle::format_then_recompile(bytes) {
            formatted.fetch_add(1, Ordering::Relaxed);
        }
    });
    assert!(ran >= AT_LEAST, "only {ran} cases within {BUDGET:?}");
    // The mutations leave enough inputs parseable for the formatter to be
    // exercised, not only refused.
    let formatted = formatted.into_inner();
    eprintln!("format: {formatted} of {ran} inputs were formatted");
    assert!(formatted * 20 >= ran, "only {formatted} of {ran} formatted");
}

/// The seeds themselves keep both promises (the shipped playbooks compile
/// through the in-memory loader, so formatting is checked on real models).
#[test]
fn every_seed_keeps_the_promises() {
    let mut models = 0;
    for seed in &SEEDS.seeds {
        oracle::format_then_recompile(seed);
        models += usize::from(oracle::compile(seed).model.is_some());
    }
    assert!(models > 50, "only {models} seeds compile to a model");
    let shipped = std::fs::read("playbooks/engagement-completion-enablement.playbook")
        .expect("read the shipped playbook");
    assert!(oracle::compile(&shipped).model.is_some());
}

#[test]
fn importing_mutated_markdown_gives_sources_that_parse() {
    let lines = AtomicUsize::new(0);
    let ran = run("import", &MARKDOWN, |bytes| {
        let source = oracle::import(bytes);
        lines.fetch_add(source.lines().count(), Ordering::Relaxed);
    });
    eprintln!("import: {} lines of source", lines.into_inner());
    assert!(
        ran >= AT_LEAST,
        "only {ran} cases within {:?}",
        MARKDOWN.budget
    );
}

#[test]
fn loading_mutated_state_files_ends_in_a_run_or_a_fault() {
    let counts = Mutex::new([0usize; 3]);
    let ran = run("run-state", &STATES, |bytes| {
        let load = oracle::run_state(bytes);
        counts.lock().expect("not poisoned")[load as usize] += 1;
    });
    // (The slowest inputs are run twice more to time them: counted too.)
    let [refused, other, runs] = counts.into_inner().expect("not poisoned");
    eprintln!("run-state: {refused} refused, {other} not this run, {runs} runs");
    assert!(ran >= AT_LEAST, "only {ran} cases within {BUDGET:?}");
    // Mutations reach every stage: the TOML, the checks of the log against
    // the playbook, and runs loaded, written and read again.
    let all = refused + other + runs;
    assert!(
        refused > 0 && other > 0 && runs * 20 >= all,
        "refused {refused}, not this run {other}, runs {runs}"
    );
}

/// The Markdown seeds import, and the state seeds load as runs.
#[test]
fn every_markdown_and_state_seed_keeps_the_promises() {
    for seed in &MARKDOWN.seeds {
        oracle::import(seed);
    }
    for seed in &STATES.seeds {
        assert_eq!(
            oracle::run_state(seed),
            oracle::Load::Run,
            "{}",
            String::from_utf8_lossy(seed)
        );
    }
}

#[test]
fn reading_mutated_language_server_input_ends_in_messages_and_answers() {
    let frames = AtomicUsize::new(0);
    let ran = run("lsp-framing", &LSP, |bytes| {
        frames.fetch_add(oracle::lsp_framing(bytes), Ordering::Relaxed);
    });
    eprintln!("lsp-framing: {} frames", frames.into_inner());
    assert!(ran >= AT_LEAST, "only {ran} cases within {BUDGET:?}");
    for seed in &LSP.seeds {
        assert!(oracle::lsp_framing(seed) >= 1);
    }
}

#[test]
fn every_request_on_every_seed_document_is_answered_once() {
    // The fuzz target of requests (`fuzz/fuzz_targets/lsp_requests.rs`) on
    // each playbook of the seed corpus, unmutated: every kind of request at
    // positions the document's bytes choose, before and after an edit.
    let mut asked = 0;
    for seed in &SEEDS.seeds {
        asked += oracle::lsp_requests(seed);
    }
    assert!(asked >= 16 * SEEDS.seeds.len(), "{asked} requests");
}
