//! Inputs the randomised test and the fuzz targets found, each kept as a
//! regression case with the promise it broke (`docs/fuzzing.md`).
//!
//! - The importer wrote U+2028 and U+2029 raw into one-line strings and
//!   front-matter comments, where the scanner ends the line: the imported
//!   source did not parse.
//! - The fast scanner of a state file's log read lines the TOML parser
//!   refuses (a control character in a literal string, a lone carriage
//!   return, a table without its required keys, an empty key, a leading
//!   zero, a signed `\u` escape, a table defined twice), so the same file
//!   loaded or not depending on which reader ran.
//! - A state file with another table between its events was read by the
//!   TOML parser, but written back with that table after the header as well:
//!   the file written could not be read again.

use crate::randomised::oracle::{self, Load};
use playbook::run::state::StateFile;

/// A state file of a walk with a computed table, an effect, literal
/// strings and an undo, in the layout of schema 1 (numbered `[[event]]`
/// tables), which the fast scanner reads.
fn state() -> String {
    let files = oracle::state_files();
    let text = files
        .iter()
        .find(|t| t.contains("effect = [{") && t.contains("event = \"undo\""))
        .expect("a walk with an effect and an undo");
    let text = as_schema_1(text);
    assert!(text.contains("[[event.effect]]"), "{text}");
    assert_eq!(oracle::run_state(text.as_bytes()), Load::Run);
    text
}

/// An event as schema 1 wrote it: its number and common keys first.
#[derive(serde::Serialize)]
struct Numbered {
    seq: u64,
    time: toml::Value,
    actor: toml::Value,
    event: toml::Value,
    #[serde(flatten)]
    rest: toml::Table,
}

/// A schema 2 state file written as schema 1 wrote it: a serial, and one
/// numbered `[[event]]` table per event, an undo naming a number.
fn as_schema_1(text: &str) -> String {
    let mut table: toml::Table = toml::from_str(text).expect("TOML");
    let log = table.remove("log").expect("a log");
    let events = log["events"].as_array().expect("events").clone();
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    table.insert("schema".into(), 1.into());
    table.insert("serial".into(), (events.len() as i64).into());
    let mut out = toml::to_string(&table).expect("header");
    for (i, e) in events.iter().enumerate() {
        let mut rest = e.as_table().expect("a table").clone();
        for key in ["id", "time", "actor", "event"] {
            rest.remove(key);
        }
        if let Some(toml::Value::String(id)) = rest.get("undoes").cloned() {
            let n = ids.iter().position(|i| *i == id).expect("named") + 1;
            rest.insert("undoes".into(), (n as i64).into());
        }
        #[derive(serde::Serialize)]
        struct One {
            event: [Numbered; 1],
        }
        let one = One {
            event: [Numbered {
                seq: i as u64 + 1,
                time: e["time"].clone(),
                actor: e["actor"].clone(),
                event: e["event"].clone(),
                rest,
            }],
        };
        out.push('\n');
        out.push_str(&toml::to_string(&one).expect("event"));
    }
    out
}

/// `text` with the first `from` replaced by `to`; `from` must be there.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "no {from:?} in the state file");
    text.replacen(from, to, 1)
}

/// Both readers of the log refuse `text` (the oracle panics when they
/// disagree), with a fault inside the file.
fn refused(text: &str) {
    assert_eq!(oracle::run_state(text.as_bytes()), Load::Refused, "{text}");
    assert!(StateFile::parse_with(text, true).is_err());
    assert!(StateFile::parse_with(text, false).is_err());
}

#[test]
fn a_control_character_in_a_literal_string_is_refused_by_both_readers() {
    let text = state();
    refused(&edit(&text, "'Minutes of", "'Minutes\u{0} of"));
    refused(&edit(&text, "'Minutes of", "'Minutes\u{1b} of"));
}

#[test]
fn a_lone_carriage_return_is_refused_by_both_readers() {
    let text = state();
    refused(&edit(&text, "items = [\"", "items = [\r\""));
    refused(&edit(&text, "seq = 2\n", "seq = 2\r\r\n"));
}

#[test]
fn a_table_without_its_required_keys_is_refused_by_both_readers() {
    let text = state();
    refused(&edit(&text, "\nactor = \"bo\"\n", "\n"));
    refused(&edit(&text, "\naction = \"send\"\n", "\n"));
    let effect = text.find("[[event.effect]]").expect("an effect");
    let item = text[effect..].find("\nitem = ").expect("the effect's item") + effect;
    let end = item + 1 + text[item + 1..].find('\n').expect("a line");
    refused(&format!("{}{}", &text[..item], &text[end..]));
}

#[test]
fn an_empty_key_a_leading_zero_and_a_signed_escape_are_refused_by_both_readers() {
    let text = state();
    refused(&edit(&text, "seq = 2\n", "seq = 2\n = 1\n"));
    refused(&edit(&text, "seq = 2\n", "seq = 02\n"));
    refused(&edit(&text, "actor = \"ana\"", "actor = \"\\u+041\""));
}

#[test]
fn a_computed_table_defined_twice_is_refused_by_both_readers() {
    let text = state();
    // Other keys the second time, so that no key is duplicated.
    let twice = edit(
        &text,
        "[event.computed]\n",
        "[event.computed]\nother = 1\n\n[event.computed]\n",
    );
    refused(&twice);
}

#[test]
fn a_table_between_events_is_not_written_twice() {
    let text = state();
    let moved = edit(&text, "event = \"start\"\n", "event = \"start\"\n[model]\n");
    assert_eq!(oracle::run_state(moved.as_bytes()), Load::Run);
    let file = StateFile::parse(&moved).expect("the TOML parser reads it");
    let written = file.to_text().expect("written");
    let again = StateFile::parse(&written).expect("the written file is read again");
    assert_eq!(again.named(), file.named());
    assert_eq!(written.matches("\n[model]").count(), 0, "{written}");
}

#[test]
fn line_separators_in_imported_texts_are_escaped() {
    // Paragraphs and headings fold U+2028 into a space; a code block and
    // raw HTML keep it.
    let markdown = "---\nms.date: 10/01/2019\ndate: 20\u{2028}19\nnote\u{2029}s: a\u{2029}b\n---\n\n# Close\n\n## Overview\n\n```\na\u{2028}b\n```\n\n<p>c\u{2029}d</p>\n";
    let source = oracle::import(markdown.as_bytes());
    assert!(
        source.contains("\\u{2028}") && source.contains("\\u{2029}"),
        "{source}"
    );
    assert!(!source.contains(['\u{2028}', '\u{2029}']), "{source}");
    let c = playbook::compile_str("close.playbook", &source);
    let model = c.model.expect("the imported source compiles");
    let overview = model.header.overview.as_ref().expect("an overview");
    let text = overview.get("en", "en");
    assert!(
        text.contains("a\u{2028}b") && text.contains("c\u{2029}d"),
        "{text:?}"
    );
}

/// Time of the fastest of three runs of `f`: a pause of the process is not
/// slowness of the input.
fn fastest_of_three(f: impl Fn()) -> std::time::Duration {
    (0..3)
        .map(|_| {
            let began = std::time::Instant::now();
            f();
            began.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// The inputs of the import and run-state searches that took the most time
/// per byte (`bench/slowest.sh` with `TEST=importing` or `TEST=loading`):
/// a mutated Chinese Markdown export (4.3 µs a byte when found with four
/// searches side by side; 0.7 µs alone, in the test profile, for the
/// import, the compilations and the formatting the oracle runs) and a
/// mutated state file (0.4 µs a byte found; 0.08 µs alone). Neither shape
/// is pathological: both are the seeds' own layout. The bound, 50 µs a
/// byte, is ten times the figure found.
#[test]
fn the_slowest_imports_and_state_files_stay_within_their_bound() {
    let import =
        std::fs::read("tests/fixtures/slow-import/zh-migration-export-mutated.md").expect("read");
    let state =
        std::fs::read("tests/fixtures/slow-state/enablement-run-mutated.toml").expect("read");
    let per_byte = |t: std::time::Duration, len: usize| t.as_secs_f64() * 1e9 / len as f64;
    let i = per_byte(
        fastest_of_three(|| {
            oracle::import(&import);
        }),
        import.len(),
    );
    let s = per_byte(
        fastest_of_three(|| {
            oracle::run_state(&state);
        }),
        state.len(),
    );
    eprintln!("import {i:.0} ns a byte, run state {s:.0} ns a byte");
    assert!(i < 50_000.0, "import: {i:.0} ns a byte");
    assert!(s < 50_000.0, "run state: {s:.0} ns a byte");
}
