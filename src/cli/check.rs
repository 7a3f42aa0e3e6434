//! `playbook check`: compile files and report their diagnostics.

use super::{ColorChoice, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};
use crate::diagnostic::JsonDiagnostic;
use crate::fs::FsLoader;
use serde::Serialize;
use std::collections::HashSet;
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
    /// Treat warnings as errors for the exit code.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rendered diagnostics with source excerpts, on standard error.
    Human,
    /// One JSON document on standard output.
    Json,
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
    let files = match super::collect_files(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let color = super::use_color(args.color);
    let width = super::width();
    let mut seen = HashSet::new();
    let mut json = Vec::new();
    let mut rendered = String::new();
    let mut io_failure = false;
    for file in &files {
        let compilation = match crate::compile(file, &FsLoader) {
            Ok(c) => c,
            Err(reason) => {
                eprintln!("error: cannot read `{}`: {reason}", file.display());
                io_failure = true;
                continue;
            }
        };
        for d in &compilation.diagnostics {
            let j = d.to_json(&compilation.sources);
            // A catalogue checked on its own and through a playbook that uses
            // it reports the same problem once.
            let key = (j.file.clone(), j.line, j.column, j.code, j.message.clone());
            if !seen.insert(key) {
                continue;
            }
            if args.format == Format::Human {
                rendered.push_str(&d.render(&compilation.sources, color, width));
                rendered.push('\n');
            }
            json.push(j);
        }
    }
    let errors = json.iter().filter(|d| d.severity == "error").count();
    let warnings = json.len() - errors;
    match args.format {
        Format::Human => {
            let mut stderr = std::io::stderr().lock();
            let _ = stderr.write_all(rendered.as_bytes());
            let _ = writeln!(
                stderr,
                "checked {} {}: {} {}, {} {}",
                files.len(),
                plural(files.len(), "file", "files"),
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
                    files: files.len(),
                    errors,
                    warnings,
                },
            };
            let mut stdout = std::io::stdout().lock();
            let _ = serde_json::to_writer_pretty(&mut stdout, &report);
            let _ = writeln!(stdout);
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
