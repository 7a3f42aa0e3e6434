//! `playbook fmt`: rewrite files in the canonical layout, or, with
//! `--check`, show how they differ from it.

use super::{ColorChoice, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};
use crate::fmt::{Error, format};
use crate::fs::FsLoader;
use crate::load::Loader;
use crate::source::{FileId, SourceFile, Sources};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and folders to format (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// Change no file: print a diff for each file that is not formatted,
    /// and exit with 1 if there is one.
    #[arg(long)]
    pub check: bool,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// What became of one file.
enum Outcome {
    Formatted,
    /// Rewritten, or with `--check`, shown as a diff.
    Changed,
    /// Not formatted: the diagnostics say why.
    Refused,
    /// Not read, not written, or the formatter failed.
    Failed,
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
    let limit = project.config.max_file_size();
    let mut counts = [0usize; 4];
    for file in &project.files {
        let outcome = one(file, args.check, limit, color);
        counts[outcome as usize] += 1;
    }
    let [formatted, changed, refused, failed] = counts;
    let mut summary = format!(
        "{} {}: {} {}, {} already formatted",
        project.files.len(),
        if project.files.len() == 1 {
            "file"
        } else {
            "files"
        },
        changed,
        if args.check {
            "would be reformatted"
        } else {
            "reformatted"
        },
        formatted,
    );
    if refused > 0 {
        summary.push_str(&format!(", {refused} with errors"));
    }
    if failed > 0 {
        summary.push_str(&format!(", {failed} failed"));
    }
    eprintln!("{summary}");
    if failed > 0 {
        EXIT_USAGE
    } else if refused > 0 || (args.check && changed > 0) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    }
}

/// Formats one file: rewrites it, or with `check`, prints its diff.
fn one(path: &Path, check: bool, limit: usize, color: bool) -> Outcome {
    let name = path.display().to_string();
    let bytes = match FsLoader::with_limit(limit).read(path) {
        Ok(bytes) => bytes,
        Err(reason) => {
            eprintln!("error: cannot read `{name}`: {reason}");
            return Outcome::Failed;
        }
    };
    let mut sources = Sources::new();
    let text = match crate::syntax::decode(FileId(0), &bytes, limit) {
        Ok(text) => text,
        Err(failure) => {
            let (shown, diagnostic) = *failure;
            sources.add(SourceFile::new(name, shown));
            eprintln!("{}", diagnostic.render(&sources, color, super::width()));
            return Outcome::Refused;
        }
    };
    let id = sources.add(SourceFile::new(name.clone(), text));
    let text = &sources.get(id).text;
    match format(id, text) {
        Ok(formatted) if formatted == *text => Outcome::Formatted,
        Ok(formatted) if check => {
            let diff = similar::TextDiff::from_lines(text.as_str(), formatted.as_str());
            let mut stdout = super::out::stdout();
            let _ = write!(
                stdout,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&name, &format!("{name} (formatted)"))
            );
            Outcome::Changed
        }
        Ok(formatted) => match write_atomically(path, &formatted) {
            Ok(()) => Outcome::Changed,
            Err(e) => {
                eprintln!("error: cannot write `{name}`: {e}");
                Outcome::Failed
            }
        },
        Err(Error::Syntax(diagnostics)) => {
            for d in &diagnostics {
                eprintln!("{}", d.render(&sources, color, super::width()));
            }
            eprintln!(
                "error: `{name}` is left as it is: the formatter formats only files without errors"
            );
            Outcome::Refused
        }
        Err(Error::Internal(reason)) => {
            eprintln!(
                "error: cannot format `{name}`: {reason}; the file is left as it is (this is a bug in the formatter, please report it with the file)"
            );
            Outcome::Failed
        }
    }
}

/// Replaces the file at `path` (or, for a link, the file it points to) with
/// `text`, so that the file is at every moment either the old text or the
/// new: the text goes to a temporary file beside it, which is flushed to
/// disk and then renamed over the original, keeping its permissions.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let permissions = std::fs::metadata(&target)?.permissions();
    let mut temp = tempfile::Builder::new()
        .prefix(".playbook-fmt-")
        .tempfile_in(dir)?;
    temp.write_all(text.as_bytes())?;
    temp.as_file().set_permissions(permissions)?;
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|e| e.error)?;
    // Make the rename itself durable (a no-op where folders cannot be
    // opened as files).
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}
