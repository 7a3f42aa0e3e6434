//! `playbook import`: Markdown playbooks to source, or with `--merge`, to a
//! translation catalogue of an existing playbook, with the drift between
//! the languages.

use super::{ColorChoice, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};
use crate::fs::FsLoader;
use crate::load::Loader;
use crate::source::{FileId, SourceFile, Sources};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Markdown playbooks to import.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Folder to write `NAME.playbook` files to (default: beside each file).
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// The language of the documents (default: guessed from their headings).
    #[arg(long)]
    pub locale: Option<String>,
    /// Add the documents' texts to this playbook as a translation catalogue
    /// (`NAME.LOCALE.toml` beside it) instead of writing new playbooks, and
    /// report where the languages drift apart.
    #[arg(long, value_name = "INTO.playbook")]
    pub merge: Option<PathBuf>,
    /// Replace `NAME.playbook` files that exist already (without it, an
    /// import never overwrites a file).
    #[arg(long)]
    pub force: bool,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

pub fn run(args: &Args) -> i32 {
    let color = super::use_color(args.color);
    let mut worst = EXIT_OK;
    for file in &args.files {
        let code = match &args.merge {
            Some(into) => merge_one(file, into, args, color),
            None => import_one(file, args, color),
        };
        worst = worst.max(code);
    }
    worst
}

/// Reads and decodes a Markdown file; the diagnostics' source.
fn read(path: &Path) -> Result<Sources, String> {
    let bytes = FsLoader::default().read(path)?;
    let text = String::from_utf8(bytes).map_err(|_| "the file is not valid UTF-8".to_string())?;
    let mut sources = Sources::new();
    sources.add(SourceFile::new(path.display().to_string(), text));
    Ok(sources)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "imported".to_string())
}

fn import_one(path: &Path, args: &Args, color: bool) -> i32 {
    let sources = match read(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            return EXIT_USAGE;
        }
    };
    let name = stem(path);
    let imported = crate::import::import(
        FileId(0),
        &name,
        &sources.get(FileId(0)).text,
        args.locale.as_deref(),
    );
    for d in &imported.diagnostics {
        eprintln!("{}", d.render(&sources, color, super::width()));
    }
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
    let target = dir.join(format!("{name}.playbook"));
    if !args.force && std::fs::symlink_metadata(&target).is_ok() {
        eprintln!(
            "error: `{}` exists already; importing `{}` would overwrite it\n\
             help: pass --force to replace it, or choose another folder with -o",
            target.display(),
            path.display()
        );
        return EXIT_USAGE;
    }
    if let Err(e) =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&target, &imported.source))
    {
        eprintln!(
            "error: cannot write `{}`: {}",
            target.display(),
            crate::fs::describe(&e)
        );
        return EXIT_USAGE;
    }
    let c = imported.document.counts();
    eprintln!(
        "{} -> {}: {} steps, {} tasks, {} criteria, {} history entries; {} not understood",
        path.display(),
        target.display(),
        c.steps,
        c.tasks,
        c.gates,
        c.history,
        imported.diagnostics.len()
    );
    report(compile(&target), color)
}

/// Compiles `path` through its project, as `check` does: confined to the
/// project folder, with `Playbook.toml`'s levels.
fn compile(path: &Path) -> Result<crate::Compilation, crate::project::OpenError> {
    crate::project::Project::of_file(path)?.compile(path)
}

/// The exit code of a compilation after the import, its errors printed.
fn report(compiled: Result<crate::Compilation, crate::project::OpenError>, color: bool) -> i32 {
    match compiled {
        Ok(c) if c.errors() == 0 => EXIT_OK,
        Ok(c) => {
            for d in c.diagnostics.iter().filter(|d| d.is_error()) {
                eprintln!("{}", d.render(&c.sources, color, super::width()));
            }
            EXIT_PROBLEMS
        }
        Err(e) => {
            eprint!("{}", e.render(color, super::width()));
            EXIT_USAGE
        }
    }
}

fn merge_one(path: &Path, into: &Path, args: &Args, color: bool) -> i32 {
    let sources = match read(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            return EXIT_USAGE;
        }
    };
    let imported = crate::import::import(
        FileId(0),
        &stem(path),
        &sources.get(FileId(0)).text,
        args.locale.as_deref(),
    );
    for d in &imported.diagnostics {
        eprintln!("{}", d.render(&sources, color, super::width()));
    }
    let model = match compile(into) {
        Ok(c) => match c.model {
            Some(m) => m,
            None => {
                for d in c.diagnostics.iter().filter(|d| d.is_error()) {
                    eprintln!("{}", d.render(&c.sources, color, super::width()));
                }
                eprintln!(
                    "error: `{}` has errors; nothing is merged into it",
                    into.display()
                );
                return EXIT_PROBLEMS;
            }
        },
        Err(e) => {
            eprint!("{}", e.render(color, super::width()));
            return EXIT_USAGE;
        }
    };
    let locale = imported.document.locale.clone();
    if locale == model.source_locale {
        eprintln!(
            "error: `{}` is in {locale}, the source locale of `{}`; give --locale",
            path.display(),
            into.display()
        );
        return EXIT_USAGE;
    }
    let into_stem = stem(into);
    let catalogue_name = format!("{into_stem}.{locale}.toml");
    let catalogue = into.with_file_name(&catalogue_name);
    // An existing catalogue is edited in place, never written anew.
    let existing = match std::fs::read(&catalogue) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                eprintln!(
                    "error[invalid-translation]: `{}` is not valid UTF-8; nothing is merged into it\n\
                     help: a translation catalogue is a UTF-8 TOML file",
                    catalogue.display()
                );
                return EXIT_USAGE;
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            eprintln!(
                "error: cannot read `{}`: {}",
                catalogue.display(),
                crate::fs::describe(&e)
            );
            return EXIT_USAGE;
        }
    };
    let merged = match crate::import::merge::merge_into(
        &model,
        &imported.document,
        existing.as_deref(),
    ) {
        Ok(m) => m,
        Err(e) => {
            let mut sources = Sources::new();
            let text = existing.unwrap_or_default();
            let range = e.range.unwrap_or(0..0);
            sources.add(SourceFile::new(catalogue.display().to_string(), text));
            let d = crate::diagnostic::Diagnostic::new(
                    crate::registry::Code::InvalidTranslation,
                    crate::source::Span::new(FileId(0), range.start, range.end),
                    format!("{}; nothing is merged into it", e.message),
                )
                .label("here")
                .help(
                    "a catalogue has `locale = \"..\"` and a `[texts]` table of `KEY = { text = \"..\", source = \"..\" }`; fix it or move it away to merge into a new one",
                );
            eprintln!("{}", d.render(&sources, color, super::width()));
            return EXIT_USAGE;
        }
    };
    if (existing.is_none() || merged.added > 0)
        && let Err(e) = std::fs::write(&catalogue, &merged.catalogue)
    {
        eprintln!(
            "error: cannot write `{}`: {}",
            catalogue.display(),
            crate::fs::describe(&e)
        );
        return EXIT_USAGE;
    }
    // Name the catalogue in the playbook, unless it does already.
    let text = match std::fs::read_to_string(into) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "error: cannot read `{}`: {}",
                into.display(),
                crate::fs::describe(&e)
            );
            return EXIT_USAGE;
        }
    };
    if !crate::import::merge::names_translation(&text, &locale) {
        let Some(new) = crate::import::merge::with_translation(&text, &locale, &catalogue_name)
        else {
            eprintln!("error: `{}` holds no playbook block", into.display());
            return EXIT_USAGE;
        };
        if let Err(e) = std::fs::write(into, new) {
            eprintln!(
                "error: cannot write `{}`: {}",
                into.display(),
                crate::fs::describe(&e)
            );
            return EXIT_USAGE;
        }
    }
    for d in &merged.drift {
        eprintln!("warning[translation-drift]: {d}");
    }
    eprintln!(
        "{} -> {}: {} texts matched, {} as the catalogue has them, {} added, {} kept against the document, {} filled from {}, {} drift",
        path.display(),
        catalogue.display(),
        merged.matched,
        merged.same,
        merged.added,
        merged.kept,
        merged.filled,
        model.source_locale,
        merged.drift.len()
    );
    report(compile(into), color)
}
