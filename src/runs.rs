//! The runs of folders: the state files found under them (walked with
//! their subfolders) or named, each read, checked and followed against its
//! playbook, one [`Row`] a file. `playbook run list` prints the rows;
//! `playbook serve` shows them as its dashboard.
//!
//! Files are read and checked in parallel; each playbook a run names is
//! compiled once (with its fingerprint). A file that looks like a state
//! file but cannot be read, parsed or replayed is a row with a problem; a
//! TOML file that is clearly something else (a translation catalogue,
//! `Playbook.toml`) is left out.

use crate::ir::Playbook;
use crate::run::engine::{Now, Run};
use crate::run::session;
use crate::run::state::{StateFile, fingerprint};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How a playbook that cannot be run is said in a row, in one line: the
/// front end's own wording of a session's error.
pub type Describe = dyn Fn(session::Error) -> String + Sync;

/// What `run list` keeps.
#[derive(Debug, Default)]
pub struct Filters {
    pub owner: Option<String>,
    /// A playbook id, or the path of a playbook file.
    pub playbook: Option<PathBuf>,
    pub overdue: bool,
    pub step: Option<String>,
    pub problems: bool,
}

/// One row: a run, or a file that should be one.
#[derive(Debug, Default)]
pub struct Row {
    /// The path as found (the DIR argument joined with the file's path).
    pub path: String,
    /// The path shown in the table: relative to the DIR argument when
    /// there is one argument.
    pub shown: String,
    pub name: Option<String>,
    pub owner: Option<String>,
    pub playbook: Option<String>,
    /// The playbook's file, as the state file names it.
    pub source: Option<String>,
    pub done: Option<usize>,
    pub total: Option<usize>,
    pub complete: Option<bool>,
    pub current_step: Option<String>,
    pub next_action_date: Option<String>,
    pub overdue: bool,
    pub problems: Vec<String>,
}

/// A file to read: where it is, and how to show it.
struct Found {
    path: PathBuf,
    shown: String,
}

/// The rows of the runs under `paths` that `filters` keep, sorted by the
/// path shown. A path that does not exist is an error, in words.
pub fn rows(
    paths: &[PathBuf],
    filters: &Filters,
    now: Now,
    describe: &Describe,
) -> Result<Vec<Row>, String> {
    let (found, mut rows) = find(paths)?;
    // Read and parse every file in parallel, then compile each playbook
    // once, then replay the runs in parallel.
    let read: Vec<(Row, Option<StateFile>)> = found.par_iter().filter_map(read_one).collect();
    let mut sources: Vec<String> = read
        .iter()
        .filter_map(|(_, f)| f.as_ref().map(|f| f.source.clone()))
        .collect();
    sources.sort_unstable();
    sources.dedup();
    let models: BTreeMap<String, Compiled> = sources
        .into_par_iter()
        .map(|source| {
            let compiled = Compiled::of(&source, describe);
            (source, compiled)
        })
        .collect();
    // Runs whose playbook changed or cannot be compiled are followed
    // against the model pinned in their file: each pin read once.
    let mut pins: BTreeMap<&str, &StateFile> = BTreeMap::new();
    for (_, f) in &read {
        if let Some(f) = f
            && f.pin.is_some()
            && !matches!(&models[f.source.as_str()].model, Ok((_, fp)) if *fp == f.fingerprint)
        {
            pins.entry(f.fingerprint.as_str()).or_insert(f);
        }
    }
    let pinned: BTreeMap<String, Playbook> = pins
        .into_par_iter()
        .filter_map(|(fp, f)| {
            let model = f.pin.as_ref()?.model(fp).ok()?;
            Some((fp.to_string(), model))
        })
        .collect();
    rows.extend(
        read.into_par_iter()
            .map(|(mut row, file)| {
                if let Some(file) = file {
                    let compiled = &models[file.source.as_str()];
                    follow(
                        &mut row,
                        &file,
                        compiled,
                        pinned.get(&file.fingerprint),
                        now,
                    );
                }
                row
            })
            .collect::<Vec<_>>(),
    );
    rows.sort_by(|a, b| a.shown.cmp(&b.shown).then_with(|| a.path.cmp(&b.path)));
    let wanted = Wanted::new(filters, &models);
    rows.retain(|r| wanted.keeps(r));

    Ok(rows)
}

/// The files to read under `paths`, and rows for the folders that could
/// not be read. A path that does not exist is a usage error.
fn find(paths: &[PathBuf]) -> Result<(Vec<Found>, Vec<Row>), String> {
    let mut found = Vec::new();
    let mut rows = Vec::new();
    let several = paths.len() > 1;
    for arg in paths {
        let meta = std::fs::metadata(arg).map_err(|e| {
            format!(
                "cannot list `{}`: {}",
                arg.display(),
                crate::fs::describe(&e)
            )
        })?;
        if !meta.is_dir() {
            found.push(Found {
                path: arg.clone(),
                shown: arg.display().to_string(),
            });
            continue;
        }
        let walk = ignore::WalkBuilder::new(arg)
            .hidden(true)
            .ignore(false)
            .git_ignore(false)
            .git_global(false)
            .git_exclude(false)
            .parents(false)
            .require_git(false)
            .follow_links(false)
            .build();
        for entry in walk {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    // A subfolder that cannot be read may hold runs.
                    let path = error_path(&e).unwrap_or_else(|| arg.clone());
                    rows.push(Row {
                        shown: shown(arg, &path, several),
                        path: path.display().to_string(),
                        problems: vec![format!("cannot read: {}", first_line(&e.to_string()))],
                        ..Row::default()
                    });
                    continue;
                }
            };
            let path = entry.path();
            // A symbolic link to a state file is listed (runs are written
            // through links); one to a folder is not followed.
            let is_file = match entry.file_type() {
                Some(t) if t.is_symlink() => path.is_file(),
                Some(t) => t.is_file(),
                None => false,
            };
            if is_file && path.extension().is_some_and(|e| e == "toml") {
                found.push(Found {
                    shown: shown(arg, path, several),
                    path: path.to_path_buf(),
                });
            }
        }
    }
    if several {
        // A file reached through two arguments is one run.
        let mut seen = std::collections::HashSet::new();
        found.retain(|f| seen.insert(std::fs::canonicalize(&f.path).unwrap_or(f.path.clone())));
    }
    Ok((found, rows))
}

fn error_path(e: &ignore::Error) -> Option<PathBuf> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// `path` as shown: relative to the folder given, unless several were.
fn shown(arg: &Path, path: &Path, several: bool) -> String {
    match path.strip_prefix(arg) {
        Ok(rel) if !several && !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.display().to_string(),
    }
}

/// TOML files that are not state files by their name alone, for files
/// that cannot be read to tell: the project's configuration and
/// translation catalogues (`NAME.LOCALE.toml`). A file that can be read is
/// judged by its text ([`looks_like_state`]), since a run's name may look
/// like a locale (`contoso.com.toml`).
fn excluded_name(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    if name.eq_ignore_ascii_case("playbook.toml") {
        return true;
    }
    let stem = name.strip_suffix(".toml").unwrap_or(&name);
    stem.rsplit_once('.').is_some_and(|(_, locale)| {
        let mut parts = locale.split(['-', '_']);
        let language = parts.next().unwrap_or("");
        (2..=3).contains(&language.len())
            && language.bytes().all(|b| b.is_ascii_lowercase())
            && parts
                .all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
    })
}

/// Whether a TOML text is (or was meant to be) a state file: it has the
/// header this tool writes, a lineage, or a log.
fn looks_like_state(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    text.starts_with("# The state of a playbook run")
        || text.lines().any(|l| {
            let l = l.trim();
            l == "[[event]]"
                || l == "[log]"
                || l.starts_with("lineage =")
                || l.starts_with("lineage=")
        })
}

/// Reads one file: a row with the header's facts, and the parsed file
/// when it is a state file that parses. `None` for files that are not
/// state files.
fn read_one(found: &Found) -> Option<(Row, Option<StateFile>)> {
    let mut row = Row {
        path: found.path.display().to_string(),
        shown: found.shown.clone(),
        ..Row::default()
    };
    let bytes = match crate::fs::read_settled(&found.path) {
        Ok(bytes) => bytes,
        Err(_) if excluded_name(&found.path) => return None,
        Err(e) => {
            row.problems
                .push(format!("cannot read: {}", crate::fs::describe(&e)));
            return Some((row, None));
        }
    };
    // A log cut short reads as it was before the unfinished line.
    let text = match crate::run::scan::text_of(bytes) {
        Ok((text, _)) => text,
        Err(e) => {
            if !looks_like_state(&String::from_utf8_lossy(e.as_bytes())) {
                return None;
            }
            row.problems
                .push("invalid state file: not UTF-8 text".to_string());
            return Some((row, None));
        }
    };
    if !looks_like_state(&text) {
        return None;
    }
    match StateFile::parse(&text) {
        Ok(mut file) => {
            // Listing writes nothing: the source can stand resolved.
            file.source = crate::run::session::playbook_of(&file.source, &found.path)
                .display()
                .to_string();
            row.name = Some(file.name.clone());
            row.owner = file.owner.clone();
            row.playbook = Some(file.playbook.clone());
            row.source = Some(file.source.clone());
            Some((row, Some(file)))
        }
        Err(fault) => {
            // Whatever the header still says helps find the run.
            let head = text
                .split("\n[[event]]")
                .next()
                .and_then(|h| h.split("\n[log]").next())
                .unwrap_or("");
            if let Ok(table) = toml::from_str::<toml::Table>(head) {
                let get = |k: &str| table.get(k).and_then(|v| v.as_str()).map(str::to_string);
                row.name = get("name");
                row.owner = get("owner");
                row.playbook = get("playbook");
            }
            row.problems
                .push(format!("invalid state file: {}", fault.message));
            Some((row, None))
        }
    }
}

/// A playbook compiled once for every run that names it.
struct Compiled {
    model: Result<(Playbook, String), String>,
    /// The playbook file's canonical path, for `--playbook FILE`.
    canonical: Option<PathBuf>,
}

impl Compiled {
    fn of(source: &str, describe: &Describe) -> Compiled {
        let model = session::compile(Path::new(source))
            .map(|model| {
                let fp = fingerprint(&model);
                (model, fp)
            })
            .map_err(describe);
        Compiled {
            model,
            canonical: std::fs::canonicalize(source).ok(),
        }
    }
}

/// Replays the run against its playbook, filling the row.
///
/// When the playbook changed or cannot be compiled, the run is followed
/// against its `pinned` model: its progress is shown, and the change is a
/// problem only for a run not complete (a complete run needs no migration;
/// its report reads the pin).
fn follow(
    row: &mut Row,
    file: &StateFile,
    compiled: &Compiled,
    pinned: Option<&Playbook>,
    now: Now,
) {
    let (model, problem) = match (&compiled.model, pinned) {
        (Ok((model, fp)), _) if *fp == file.fingerprint => (model, None),
        (Err(e), Some(pin)) => (pin, Some(e.clone())),
        (Err(e), None) => return row.problems.push(e.clone()),
        (Ok(_), Some(pin)) => (
            pin,
            Some("the playbook changed: run `playbook run migrate`".to_string()),
        ),
        (Ok(_), None) => {
            return row
                .problems
                .push("the playbook changed: run `playbook run migrate`".into());
        }
    };
    match file.run(model) {
        Err(fault) => row
            .problems
            .push(format!("invalid state file: {}", fault.message)),
        Ok(run) => {
            let view = run.view(now.today);
            row.done = Some(view.done);
            row.total = Some(view.total);
            row.complete = Some(view.complete);
            row.current_step = view.current().map(|s| s.step.id.clone());
            row.next_action_date = run.next_action_date().map(|d| d.to_string());
            row.overdue = overdue(&run, now.today);
            if let Some(p) = problem.filter(|_| !view.complete) {
                row.problems.push(p);
            }
        }
    }
}

/// The filters, ready to test rows.
struct Wanted<'a> {
    filters: &'a Filters,
    /// `--playbook` as an id, and as a file when it names one.
    playbook: Option<(String, Option<PathBuf>)>,
    canonical: BTreeMap<&'a str, PathBuf>,
}

impl<'a> Wanted<'a> {
    fn new(filters: &'a Filters, models: &'a BTreeMap<String, Compiled>) -> Wanted<'a> {
        Wanted {
            filters,
            playbook: filters.playbook.as_ref().map(|p| {
                let file = p.is_file().then(|| std::fs::canonicalize(p).ok()).flatten();
                (p.display().to_string(), file)
            }),
            canonical: models
                .iter()
                .filter_map(|(s, c)| Some((s.as_str(), c.canonical.clone()?)))
                .collect(),
        }
    }

    fn keeps(&self, row: &Row) -> bool {
        let f = self.filters;
        if f.owner
            .as_ref()
            .is_some_and(|o| row.owner.as_deref() != Some(o.as_str()))
        {
            return false;
        }
        if let Some((id, file)) = &self.playbook {
            let by_id = row.playbook.as_deref() == Some(id.as_str());
            let by_file = file.as_ref().is_some_and(|file| {
                row.source
                    .as_deref()
                    .and_then(|s| self.canonical.get(s))
                    .is_some_and(|c| c == file)
            });
            if !by_id && !by_file {
                return false;
            }
        }
        if f.overdue && !row.overdue {
            return false;
        }
        if f.step
            .as_ref()
            .is_some_and(|s| row.current_step.as_deref() != Some(s.as_str()))
        {
            return false;
        }
        !(f.problems && row.problems.is_empty())
    }
}

/// The overdue flag: a next action date before today, on a run not complete
/// or complete alike (the date is when the customer is to be contacted).
pub fn overdue(run: &Run<'_>, today: jiff::civil::Date) -> bool {
    run.next_action_date().is_some_and(|d| d < today)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
