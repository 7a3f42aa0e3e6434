//! `playbook check`: compile files and report their diagnostics.

use super::{ColorChoice, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};
use crate::config::Config;
use crate::diagnostic::JsonDiagnostic;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and folders to check (default: the current folder); `-` reads
    /// standard input.
    pub paths: Vec<PathBuf>,
    /// How to print diagnostics: `human` on standard error, then the
    /// summary on standard output; `json`, `sarif` and `github` on standard
    /// output.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colour in human output (the flag wins over `NO_COLOR`,
    /// `FORCE_COLOR`, `CLICOLOR_FORCE` and `TERM=dumb`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Exit with 1 when there are warnings, too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Exit with 0 even when problems are found (a usage or I/O error is
    /// still 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the diagnostics only, without the summary line.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say on standard error which files are checked, each with its time.
    #[arg(short, long)]
    pub verbose: bool,
    /// Print how often each code is reported, instead of the diagnostics
    /// (a table, or with `--format json` a JSON array).
    #[arg(long)]
    pub statistics: bool,
    /// Exit with 0 when a folder holds no playbook (by default an error,
    /// exit 2, since a wrong path would otherwise pass).
    #[arg(long)]
    pub allow_empty: bool,
    /// The name of the file read from standard input (`-`): shown in
    /// diagnostics, and where its `Playbook.toml` and `use`d files are
    /// looked for.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,
    #[command(flatten)]
    pub config: super::project::ConfigArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rendered diagnostics with source excerpts on standard error; the
    /// summary line on standard output.
    Human,
    /// One JSON document on standard output (shape in docs/rules/README.md).
    Json,
    /// SARIF 2.1.0 on standard output, for code scanning.
    Sarif,
    /// GitHub Actions workflow annotations on standard output.
    Github,
}

#[derive(Serialize)]
struct Report {
    diagnostics: Vec<JsonDiagnostic>,
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
}

/// How often a code is reported (`--statistics`).
#[derive(Serialize)]
struct Count {
    code: &'static str,
    severity: &'static str,
    count: usize,
}

pub fn run(args: &Args) -> i32 {
    if args.statistics && matches!(args.format, Format::Sarif | Format::Github) {
        eprintln!("error: --statistics prints a table, or with `--format json` a JSON array");
        eprintln!("help: drop --statistics, or use `--format human` or `--format json`");
        return EXIT_USAGE;
    }
    let project = match super::project::Project::open(
        &args.paths,
        args.stdin_filename.as_deref(),
        &args.config,
    ) {
        Ok(project) => project,
        Err(e) => return e.report(),
    };
    if !args.allow_empty
        && let Some(code) = project.refuse_empty()
    {
        return code;
    }
    let color = super::use_color(args.color);
    let width = super::width();
    let config: &Config = &project.config;
    // Compile in parallel, keeping of each file only what is reported, so
    // that memory holds one compilation per thread; report in file order.
    let loader = match project.loader() {
        Ok(loader) => loader,
        Err(e) => return e.report(),
    };
    let human = args.format == Format::Human && !args.statistics;
    type Checked = Result<Vec<(JsonDiagnostic, String)>, String>;
    let results: Vec<(Checked, std::time::Duration)> = project
        .files
        .par_iter()
        // Each thread that checks sets up a solver context once (a few
        // milliseconds): a small project is checked on one thread.
        .with_min_len(8)
        .map(|file| {
            let started = std::time::Instant::now();
            let checked = crate::compile_with(file, &loader, config)
                .map_err(|reason| format!("cannot read `{}`: {reason}", file.display()))
                .map(|compilation| {
                    compilation
                        .diagnostics
                        .iter()
                        .map(|d| {
                            let rendered = if human {
                                d.render(&compilation.sources, color, width)
                            } else {
                                String::new()
                            };
                            (d.to_json(&compilation.sources), rendered)
                        })
                        .collect()
                });
            (checked, started.elapsed())
        })
        .collect();
    let mut seen = FxHashSet::default();
    let mut json = Vec::new();
    let mut rendered = String::new();
    let mut io_failure = false;
    for (file, (result, took)) in project.files.iter().zip(results) {
        if args.verbose {
            eprintln!("checked `{}` in {took:.2?}", file.display());
        }
        let diagnostics = match result {
            Ok(d) => d,
            Err(message) => {
                eprintln!("error: {message}");
                io_failure = true;
                continue;
            }
        };
        for (j, text) in diagnostics {
            // A catalogue checked on its own and through a playbook that uses
            // it reports the same problem once.
            let key = (j.file.clone(), j.line, j.column, j.code, j.message.clone());
            if !seen.insert(key) {
                continue;
            }
            rendered.push_str(&text);
            if human {
                rendered.push('\n');
            }
            json.push(j);
        }
    }
    let errors = json.iter().filter(|d| d.severity == "error").count();
    let warnings = json.len() - errors;
    let files = project.files.len();
    let summary = Summary {
        files,
        errors,
        warnings,
    };
    let mut stdout = super::out::stdout();
    match args.format {
        Format::Human if args.statistics => {
            let _ = stdout.write_all(statistics_table(&json).as_bytes());
        }
        Format::Human => {
            let _ = std::io::stderr().lock().write_all(rendered.as_bytes());
        }
        Format::Json if args.statistics => {
            let _ = serde_json::to_writer_pretty(&mut stdout, &statistics(&json));
            let _ = writeln!(stdout);
        }
        Format::Json => {
            let report = Report {
                diagnostics: json,
                summary,
            };
            let _ = serde_json::to_writer_pretty(&mut stdout, &report);
            let _ = writeln!(stdout);
        }
        Format::Sarif => {
            let _ = serde_json::to_writer_pretty(&mut stdout, &super::sarif::log(&json));
            let _ = writeln!(stdout);
        }
        Format::Github => {
            for d in &json {
                let _ = writeln!(stdout, "{}", super::github::annotation(d));
            }
        }
    }
    if args.format == Format::Human && !args.quiet {
        let _ = writeln!(
            stdout,
            "checked {} {}: {} {}, {} {}",
            files,
            plural(files, "file", "files"),
            errors,
            plural(errors, "error", "errors"),
            warnings,
            plural(warnings, "warning", "warnings"),
        );
    }
    if io_failure {
        EXIT_USAGE
    } else if args.exit_zero {
        EXIT_OK
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    }
}

/// How often each code is reported: the most frequent first.
fn statistics(diagnostics: &[JsonDiagnostic]) -> Vec<Count> {
    let mut counts: Vec<Count> = Vec::new();
    for d in diagnostics {
        match counts
            .iter_mut()
            .find(|c| c.code == d.code && c.severity == d.severity)
        {
            Some(c) => c.count += 1,
            None => counts.push(Count {
                code: d.code,
                severity: d.severity,
                count: 1,
            }),
        }
    }
    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    counts
}

/// `--statistics` for people: count, code, severity and what the code means.
fn statistics_table(diagnostics: &[JsonDiagnostic]) -> String {
    let counts = statistics(diagnostics);
    let count_width = counts.iter().map(|c| c.count.to_string().len()).max();
    let code_width = counts.iter().map(|c| c.code.len()).max().unwrap_or(0);
    let severity_width = counts.iter().map(|c| c.severity.len()).max().unwrap_or(0);
    let mut table = String::new();
    for c in &counts {
        let summary = crate::registry::Code::from_name(c.code)
            .map(|code| code.summary())
            .unwrap_or_default();
        table.push_str(&format!(
            "{:>cw$}  {:<w$}  {:<sw$}  {summary}\n",
            c.count,
            c.code,
            c.severity,
            cw = count_width.unwrap_or(1),
            w = code_width,
            sw = severity_width,
        ));
    }
    table
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
