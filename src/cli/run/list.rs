//! `playbook run list`: one line per run in a folder.

use super::status::overdue;
use super::{Failure, Format};
use crate::ir::Playbook;
use crate::run::engine::Now;
use crate::run::session;
use crate::run::state::{StateFile, fingerprint};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Serialize)]
struct ListLine {
    file: String,
    name: Option<String>,
    playbook: Option<String>,
    done: Option<usize>,
    total: Option<usize>,
    complete: Option<bool>,
    current_step: Option<String>,
    next_action_date: Option<String>,
    overdue: bool,
    problem: Option<String>,
}

pub fn list(dir: &Path, format: Format, now: Now) -> Result<(), Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Failure::usage(format!(
            "cannot list `{}`: {}",
            dir.display(),
            crate::fs::describe(&e)
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut models: BTreeMap<String, Result<Playbook, String>> = BTreeMap::new();
    let mut lines = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Only state files: they have a lineage and a log.
        if !text.contains("\nlineage = ") || !text.contains("[[event]]") {
            continue;
        }
        let mut line = ListLine {
            file: path.display().to_string(),
            name: None,
            playbook: None,
            done: None,
            total: None,
            complete: None,
            current_step: None,
            next_action_date: None,
            overdue: false,
            problem: None,
        };
        match StateFile::parse(&text) {
            Err(fault) => line.problem = Some(format!("invalid state file: {}", fault.message)),
            Ok(file) => {
                line.name = Some(file.name.clone());
                line.playbook = Some(file.playbook.clone());
                let model = models.entry(file.source.clone()).or_insert_with(|| {
                    session::compile(Path::new(&file.source)).map_err(|e| {
                        Failure::from(e)
                            .text
                            .lines()
                            .last()
                            .unwrap_or("")
                            .trim_start_matches("error: ")
                            .to_string()
                    })
                });
                match model {
                    Err(e) => line.problem = Some(e.clone()),
                    Ok(model) if fingerprint(model) != file.fingerprint => {
                        line.problem =
                            Some("the playbook changed: run `playbook run migrate`".into())
                    }
                    Ok(model) => match file.run(model) {
                        Err(fault) => {
                            line.problem = Some(format!("invalid state file: {}", fault.message))
                        }
                        Ok(run) => {
                            let view = run.view(now.today);
                            line.done = Some(view.done);
                            line.total = Some(view.total);
                            line.complete = Some(view.complete);
                            line.current_step = view.current().map(|s| s.step.id.clone());
                            line.next_action_date = run.next_action_date().map(|d| d.to_string());
                            line.overdue = overdue(&run, now.today);
                        }
                    },
                }
            }
        }
        lines.push(line);
    }
    let mut out = crate::cli::out::stdout();
    match format {
        Format::Json => {
            let _ = serde_json::to_writer_pretty(&mut out, &lines);
            let _ = writeln!(out);
        }
        Format::Human => {
            for l in &lines {
                let text = match &l.problem {
                    Some(p) => format!("{}  {}  {p}", l.name.as_deref().unwrap_or("?"), l.file),
                    None => format!(
                        "{}  {}  {}/{}{}  {}  next action {}{}",
                        l.name.as_deref().unwrap_or("?"),
                        l.playbook.as_deref().unwrap_or("?"),
                        l.done.unwrap_or(0),
                        l.total.unwrap_or(0),
                        if l.complete == Some(true) {
                            " complete"
                        } else {
                            ""
                        },
                        l.current_step.as_deref().unwrap_or("-"),
                        l.next_action_date.as_deref().unwrap_or("-"),
                        if l.overdue { "  OVERDUE" } else { "" },
                    ),
                };
                let _ = writeln!(out, "{}", crate::escape::terminal(&text));
            }
        }
    }
    Ok(())
}
