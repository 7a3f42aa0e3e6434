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
    /// Files and folders to check (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Exit with 1 when there are warnings, too.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rendered diagnostics with source excerpts, on standard error.
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

pub fn run(args: &Args) -> i32 {
    let project = match super::project::Project::open(&args.paths) {
        Ok(project) => project,
        Err(super::project::OpenError::Usage(message)) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
        Err(super::project::OpenError::Config(rendered)) => {
            eprint!("{rendered}");
            return EXIT_USAGE;
        }
    };
    let color = super::use_color(args.color);
    let width = super::width();
    let config: &Config = &project.config;
    // Compile in parallel, keeping of each file only what is reported, so
    // that memory holds one compilation per thread; report in file order.
    let loader = match project.loader() {
        Ok(loader) => loader,
        Err(
            super::project::OpenError::Usage(message) | super::project::OpenError::Config(message),
        ) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let human = args.format == Format::Human;
    let results: Vec<Result<Vec<(JsonDiagnostic, String)>, String>> = project
        .files
        .par_iter()
        // Each thread that checks sets up a solver context once (a few
        // milliseconds): a small project is checked on one thread.
        .with_min_len(8)
        .map(|file| {
            let compilation = crate::compile_with(file, &loader, config)
                .map_err(|reason| format!("cannot read `{}`: {reason}", file.display()))?;
            Ok(compilation
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
                .collect())
        })
        .collect();
    let mut seen = FxHashSet::default();
    let mut json = Vec::new();
    let mut rendered = String::new();
    let mut io_failure = false;
    for result in results {
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
    let mut stdout = super::out::stdout();
    match args.format {
        Format::Human => {
            let mut stderr = std::io::stderr().lock();
            let _ = stderr.write_all(rendered.as_bytes());
            let _ = writeln!(
                stderr,
                "checked {} {}: {} {}, {} {}",
                files,
                plural(files, "file", "files"),
                errors,
                plural(errors, "error", "errors"),
                warnings,
                plural(warnings, "warning", "warnings"),
            );
        }
        Format::Json => {
            let report = Report {
                diagnostics: json,
                summary: Summary {
                    files,
                    errors,
                    warnings,
                },
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
    if io_failure {
        EXIT_USAGE
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
