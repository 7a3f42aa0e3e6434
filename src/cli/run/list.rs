//! `playbook run list`: a table of the runs in folders (walked with their
//! subfolders) or named state files, for people, as JSON or as CSV.
//!
//! The rows come from `crate::runs`, which `playbook serve` shares. The
//! command exits 1 when a row listed has a problem.

use super::{EXIT_REFUSED, Failure, ListFormat};
use crate::run::engine::Now;
use crate::run::session;
pub use crate::runs::Filters;
use crate::runs::Row;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use unicode_width::UnicodeWidthStr;

/// A row as JSON: today's keys, then `owner` and every problem.
#[derive(Serialize)]
struct RowJson<'a> {
    file: &'a str,
    name: Option<&'a str>,
    owner: Option<&'a str>,
    playbook: Option<&'a str>,
    done: Option<usize>,
    total: Option<usize>,
    complete: Option<bool>,
    current_step: Option<&'a str>,
    next_action_date: Option<&'a str>,
    overdue: bool,
    problem: Option<&'a str>,
    problems: &'a [String],
}

/// A session's error as a row says it: the last line of its rendering.
pub fn describe(e: session::Error) -> String {
    Failure::from(e)
        .text
        .lines()
        .last()
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_string()
}

pub fn list(
    paths: &[PathBuf],
    format: ListFormat,
    filters: &Filters,
    now: Now,
) -> Result<(), Failure> {
    let rows = crate::runs::rows(paths, filters, now, &describe).map_err(Failure::usage)?;
    let mut out = crate::cli::out::stdout();
    match format {
        ListFormat::Json => {
            let json: Vec<RowJson<'_>> = rows.iter().map(row_json).collect();
            let _ = serde_json::to_writer_pretty(&mut out, &json);
            let _ = writeln!(out);
        }
        ListFormat::Csv => {
            let _ = out.write_all(&csv(&rows));
        }
        ListFormat::Human => {
            let _ = out.write_all(table(&rows).as_bytes());
            let _ = writeln!(out, "{}", summary(&rows));
        }
    }
    if rows.iter().any(|r| !r.problems.is_empty()) {
        return Err(Failure {
            code: EXIT_REFUSED,
            text: String::new(),
        });
    }
    Ok(())
}

fn row_json(r: &Row) -> RowJson<'_> {
    RowJson {
        file: &r.path,
        name: r.name.as_deref(),
        owner: r.owner.as_deref(),
        playbook: r.playbook.as_deref(),
        done: r.done,
        total: r.total,
        complete: r.complete,
        current_step: r.current_step.as_deref(),
        next_action_date: r.next_action_date.as_deref(),
        overdue: r.overdue,
        problem: r.problems.first().map(String::as_str),
        problems: &r.problems,
    }
}

/// The columns of the CSV output, one row per run.
const CSV_HEADER: [&str; 11] = [
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
    "problem",
];

fn csv(rows: &[Row]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    let _ = w.write_record(CSV_HEADER);
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<usize>| v.map(|n| n.to_string()).unwrap_or_default();
    for r in rows {
        let _ = w.write_record([
            r.path.clone(),
            opt(&r.name),
            opt(&r.owner),
            opt(&r.playbook),
            opt(&r.current_step),
            num(r.done),
            num(r.total),
            r.complete.map(|c| c.to_string()).unwrap_or_default(),
            opt(&r.next_action_date),
            r.overdue.to_string(),
            r.problems.join("; "),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// The table's header.
const HEADER: [&str; 9] = [
    "file",
    "name",
    "playbook",
    "owner",
    "current step",
    "progress",
    "next action",
    "overdue",
    "problem",
];

/// The rows as an aligned table, with a header; nothing when there are
/// no rows.
fn table(rows: &[Row]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let dash =
        |v: &Option<String>| crate::escape::terminal(v.as_deref().unwrap_or("-")).into_owned();
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            let progress = match (r.complete, r.done, r.total) {
                (Some(true), _, _) => "complete".to_string(),
                (_, Some(d), Some(t)) => format!("{d}/{t}"),
                _ => "-".to_string(),
            };
            let problem = match r.problems.as_slice() {
                [] => String::new(),
                [one] => one.clone(),
                [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
            };
            [
                crate::escape::terminal(&r.shown).into_owned(),
                dash(&r.name),
                dash(&r.playbook),
                dash(&r.owner),
                dash(&r.current_step),
                progress,
                dash(&r.next_action_date),
                if r.overdue { "yes" } else { "" }.to_string(),
                crate::escape::terminal(&problem).into_owned(),
            ]
        })
        .collect();
    let header = HEADER.map(str::to_string);
    let mut widths = [0usize; 9];
    for line in std::iter::once(&header).chain(&cells) {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    for line in std::iter::once(&header).chain(&cells) {
        let mut text = String::new();
        for (i, cell) in line.iter().enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            if i + 1 < line.len() {
                text.push_str(&" ".repeat(widths[i] - cell.width()));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// "3 runs, 1 overdue, 1 problem".
fn summary(rows: &[Row]) -> String {
    let overdue = rows.iter().filter(|r| r.overdue).count();
    let problems = rows.iter().filter(|r| !r.problems.is_empty()).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {overdue} overdue, {}",
        plural(rows.len(), "run", "runs"),
        plural(problems, "problem", "problems")
    )
}
