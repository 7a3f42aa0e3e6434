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
    /// Files and folders to format (default: the current folder); `-`
    /// formats standard input onto standard output.
    pub paths: Vec<PathBuf>,
    /// Change no file: print a diff for each file that is not formatted,
    /// and exit with 1 if there is one.
    #[arg(long)]
    pub check: bool,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print no summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// Exit with 0 when a folder holds no playbook (by default an error,
    /// exit 2).
    #[arg(long)]
    pub allow_empty: bool,
    /// The name of the file read from standard input (`-`), shown in
    /// diagnostics.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,
    #[command(flatten)]
    pub config: super::project::ConfigArgs,
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
    let project = match super::project::Project::open(
        &args.paths,
        args.stdin_filename.as_deref(),
        &args.config,
    ) {
        Ok(project) => project,
        Err(e) => return e.report(),
    };
    let color = super::use_color(args.color);
    let limit = project.config.max_file_size();
    if let Some((name, bytes)) = project.stdin() {
        return match stdin(name, bytes, args.check, limit, color) {
            Outcome::Formatted => EXIT_OK,
            Outcome::Changed if !args.check => EXIT_OK,
            Outcome::Changed | Outcome::Refused => EXIT_PROBLEMS,
            Outcome::Failed => EXIT_USAGE,
        };
    }
    if !args.allow_empty
        && let Some(code) = project.refuse_empty()
    {
        return code;
    }
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
    if !args.quiet {
        eprintln!("{summary}");
    }
    if failed > 0 {
        EXIT_USAGE
    } else if refused > 0 || (args.check && changed > 0) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    }
}

/// Formats standard input onto standard output, or with `check`, prints
/// its diff.
fn stdin(name: &Path, bytes: &[u8], check: bool, limit: usize, color: bool) -> Outcome {
    let name = name.display().to_string();
    match formatted(&name, bytes, limit, color) {
        Ok((text, formatted)) if check && text != formatted => {
            print_diff(&name, &text, &formatted);
            Outcome::Changed
        }
        Ok((_, _)) if check => Outcome::Formatted,
        Ok((text, formatted)) => {
            super::out::out!("{formatted}");
            if text == formatted {
                Outcome::Formatted
            } else {
                Outcome::Changed
            }
        }
        Err(outcome) => outcome,
    }
}

/// The text of a file and its formatted text; or, when it cannot be
/// formatted, the outcome, once the reason is printed.
fn formatted(
    name: &str,
    bytes: &[u8],
    limit: usize,
    color: bool,
) -> Result<(String, String), Outcome> {
    let mut sources = Sources::new();
    let text = match crate::syntax::decode(FileId(0), bytes, limit) {
        Ok(text) => text,
        Err(failure) => {
            let (shown, diagnostic) = *failure;
            sources.add(SourceFile::new(name.to_string(), shown));
            eprintln!("{}", diagnostic.render(&sources, color, super::width()));
            return Err(Outcome::Refused);
        }
    };
    let id = sources.add(SourceFile::new(name.to_string(), text));
    let text = &sources.get(id).text;
    match format(id, text) {
        Ok(formatted) => Ok((text.clone(), formatted)),
        Err(Error::Syntax(diagnostics)) => {
            for d in &diagnostics {
                eprintln!("{}", d.render(&sources, color, super::width()));
            }
            eprintln!(
                "error: `{name}` is left as it is: the formatter formats only files without errors"
            );
            Err(Outcome::Refused)
        }
        Err(Error::Internal(reason)) => {
            eprintln!(
                "error: cannot format `{name}`: {reason}; the file is left as it is (this is a bug in the formatter, please report it with the file)"
            );
            Err(Outcome::Failed)
        }
    }
}

/// Prints how `text` differs from its formatted form, on standard output.
fn print_diff(name: &str, text: &str, formatted: &str) {
    let diff = similar::TextDiff::from_lines(text, formatted);
    let mut stdout = super::out::stdout();
    let _ = write!(
        stdout,
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(name, &format!("{name} (formatted)"))
    );
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
    let (text, formatted) = match formatted(&name, &bytes, limit, color) {
        Ok(both) => both,
        Err(outcome) => return outcome,
    };
    if formatted == text {
        Outcome::Formatted
    } else if check {
        print_diff(&name, &text, &formatted);
        Outcome::Changed
    } else {
        match write_atomically(path, &formatted) {
            Ok(()) => Outcome::Changed,
            Err(e) => {
                eprintln!("error: cannot write `{name}`: {}", crate::fs::describe(&e));
                Outcome::Failed
            }
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
