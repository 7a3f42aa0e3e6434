//! `playbook export`: compile one playbook and write it in another format.

use super::{ColorChoice, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};
use crate::export::specialise::{Customer, Given, specialise};
use crate::export::{Format, export, html, markdown};
use crate::ir::UnitKind;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The `.playbook` file to export.
    pub file: PathBuf,
    /// The format to write.
    #[arg(long = "to", value_enum, value_name = "FORMAT")]
    pub to: Format,
    /// The engine a BPMN export is written for (`--to bpmn` only):
    /// `bpmn-engine` (JavaScript), `camunda8` (FEEL, Camunda user tasks;
    /// with -o, the forms are written beside the file as `<id>.form`) or
    /// `spiffworkflow` (Python).
    #[arg(long, value_enum, value_name = "ENGINE", default_value_t = crate::export::bpmn::Target::BpmnEngine)]
    pub target: crate::export::bpmn::Target,
    /// The locale of the texts (default: the playbook's source locale).
    #[arg(long, value_name = "LOCALE")]
    pub locale: Option<String>,
    /// The value of a run input, to export the playbook for one customer:
    /// what cannot apply to it is left out. Repeat for several inputs; write
    /// a set as `a,b`.
    #[arg(long = "input", value_name = "NAME=VALUE")]
    pub inputs: Vec<String>,
    /// Whom a Markdown or HTML document is for: named in its header, with
    /// the inputs given and the date.
    #[arg(long, value_name = "NAME")]
    pub customer: Option<String>,
    /// The date of a document for a customer: `2026-11-24`, or a time
    /// (default: `PLAYBOOK_NOW`, else today).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// The file to write (default, or `-`: standard output).
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub config: super::project::ConfigArgs,
}

fn usage(message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

pub fn run(args: &Args) -> i32 {
    if args.file.is_dir() {
        return usage(format_args!(
            "`{}` is a folder; export takes one `.playbook` file",
            args.file.display()
        ));
    }
    let project =
        match super::project::Project::open(std::slice::from_ref(&args.file), None, &args.config) {
            Ok(project) => project,
            Err(e) => return e.report(),
        };
    let loader = match project.loader() {
        Ok(loader) => loader,
        Err(e) => return e.report(),
    };
    // `-` reads standard input, under the name the project gives it.
    let file = project.files.first().unwrap_or(&args.file);
    let compilation = match crate::compile_with(file, &loader, &project.config) {
        Ok(c) => c,
        Err(reason) => {
            return usage(format_args!(
                "cannot read `{}`: {reason}",
                args.file.display()
            ));
        }
    };
    // Diagnostics go to standard error as `check` prints them; errors stop
    // the export.
    let color = super::use_color(args.color);
    let width = super::width();
    let mut stderr = std::io::stderr().lock();
    for d in &compilation.diagnostics {
        let _ = writeln!(stderr, "{}", d.render(&compilation.sources, color, width));
    }
    let errors = compilation.errors();
    if errors > 0 {
        let _ = writeln!(
            stderr,
            "error: `{}` has {errors} {}; fix {} before exporting (`playbook check` lists them)",
            args.file.display(),
            if errors == 1 { "error" } else { "errors" },
            if errors == 1 { "it" } else { "them" },
        );
        return EXIT_PROBLEMS;
    }
    drop(stderr);
    let Some(model) = compilation.model else {
        return usage(format_args!(
            "`{}` has no model to export",
            args.file.display()
        ));
    };
    if model.kind == UnitKind::Catalogue {
        return usage(format_args!(
            "`{}` is a catalogue, not a playbook; export a playbook that uses it",
            args.file.display()
        ));
    }
    let locale = args
        .locale
        .clone()
        .unwrap_or_else(|| model.source_locale.clone());
    let locale = locale.as_str();
    if !model.locales.iter().any(|l| l.as_str() == locale) {
        return usage(format_args!(
            "playbook `{}` has no `{locale}` texts; use --locale with one of {}",
            model.id,
            model
                .locales
                .iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut given = Given::new();
    for assignment in &args.inputs {
        if let Err(e) = given.set_assignment(&model, assignment) {
            return usage(e);
        }
    }
    // A document for one customer says whom it is for.
    let for_customer = !given.is_empty() || args.customer.is_some();
    let customer = if for_customer && matches!(args.to, Format::Markdown | Format::Html) {
        let date = match today(args.now.as_deref()) {
            Ok(date) => date,
            Err(e) => return usage(e),
        };
        let name = args
            .customer
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        Some(Customer::new(&model, given.clone(), name, date))
    } else {
        None
    };
    let model = if given.is_empty() {
        model
    } else {
        match specialise(&model, &given) {
            Ok(m) => m,
            Err(e) => return usage(format_args!("{e}; nothing to export")),
        }
    };
    // Camunda 8 deploys the forms of the user tasks with the process: the
    // lowering that writes the BPMN gives them, to be written beside it.
    let (text, forms) = match args.to {
        Format::Bpmn => crate::export::bpmn::render_with_forms(&model, locale, args.target),
        Format::Markdown => (
            markdown::render_for(&model, locale, customer.as_ref()),
            Vec::new(),
        ),
        Format::Html => (
            html::render_for(&model, locale, customer.as_ref()),
            Vec::new(),
        ),
        _ => (export(&model, args.to, locale), Vec::new()),
    };
    match args.output.as_deref() {
        None => write_stdout(&text),
        Some(p) if p == Path::new("-") => write_stdout(&text),
        Some(path) if is_input(path, &args.file, &compilation.sources) => usage(format_args!(
            "`{}` is a file this export reads; writing to it would overwrite the playbook: \
             choose another path with -o, or -o - for standard output",
            path.display()
        )),
        Some(path) => match std::fs::write(path, text).and_then(|()| {
            // One `.form` file for each form, beside the BPMN.
            let dir = path.parent().unwrap_or(Path::new(""));
            for (id, json) in forms {
                std::fs::write(dir.join(format!("{id}.form")), json)?;
            }
            Ok(())
        }) {
            Ok(()) => EXIT_OK,
            Err(e) => usage(format_args!(
                "cannot write `{}`: {}; choose a writable path with -o, or -o - for standard output",
                path.display(),
                crate::fs::describe(&e)
            )),
        },
    }
}

/// The date of a document: `--now`, else `PLAYBOOK_NOW`, else today; a
/// time is read in the system's time zone, as the run commands read it.
fn today(now: Option<&str>) -> Result<jiff::civil::Date, String> {
    let tz = jiff::tz::TimeZone::system();
    let from_env = std::env::var("PLAYBOOK_NOW").ok();
    let Some(text) = now
        .or(from_env.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return Ok(jiff::Timestamp::now().to_zoned_datetime(tz).date());
    };
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t.to_zoned_datetime(tz).date());
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return Ok(dt.date());
    }
    text.parse::<jiff::civil::Date>().map_err(|_| {
        format!(
            "`{text}` is not a time: write `2026-11-24T10:00:00Z`, `2026-11-24T10:00` or `2026-11-24`"
        )
    })
}

/// Whether `output` is (a name of) the playbook or a file it reads.
fn is_input(output: &Path, file: &Path, sources: &crate::source::Sources) -> bool {
    let Ok(output) = std::fs::canonicalize(output) else {
        return false;
    };
    std::iter::once(file.to_path_buf())
        .chain(sources.iter().map(|(_, s)| PathBuf::from(&s.name)))
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .any(|p| p == output)
}

fn write_stdout(text: &str) -> i32 {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => EXIT_OK,
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => usage(format_args!(
            "cannot write to standard output: {}",
            crate::fs::describe(&e)
        )),
    }
}
