//! The command line's view of [`crate::project::Project`]: the same
//! project, with its errors rendered for the terminal, the `--config` and
//! `--isolated` flags, and standard input (`-`) standing for a file.

use crate::fs::FsLoader;
use crate::load::Loader;
use crate::project::ConfigSource;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The name of standard input in diagnostics, without `--stdin-filename`.
pub const STDIN_NAME: &str = "<stdin>";

/// Which configuration file governs the files: shared by the commands that
/// compile (`check`, `fmt`, `export`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArgs {
    /// Use this configuration file instead of the nearest `Playbook.toml`.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Ignore every `Playbook.toml`: use the default levels and locales.
    #[arg(long, conflicts_with = "config")]
    pub isolated: bool,
}

impl ConfigArgs {
    fn source(&self) -> ConfigSource {
        match (&self.config, self.isolated) {
            (_, true) => ConfigSource::Isolated,
            (Some(file), false) => ConfigSource::File(file.clone()),
            (None, false) => ConfigSource::Discover,
        }
    }
}

pub struct Project {
    project: crate::project::Project,
    /// The text read from standard input and the name it goes by.
    stdin: Option<(PathBuf, Vec<u8>)>,
}

impl std::ops::Deref for Project {
    type Target = crate::project::Project;
    fn deref(&self) -> &crate::project::Project {
        &self.project
    }
}

pub enum OpenError {
    /// A path that does not exist or cannot be read.
    Usage(String),
    /// A malformed `Playbook.toml`, rendered.
    Config(String),
}

impl From<crate::project::OpenError> for OpenError {
    fn from(e: crate::project::OpenError) -> OpenError {
        match e {
            crate::project::OpenError::Usage(message) => OpenError::Usage(message),
            e => OpenError::Config(
                e.render(super::use_color(super::ColorChoice::Auto), super::width()),
            ),
        }
    }
}

impl OpenError {
    /// Prints the error on standard error; returns exit code 2.
    pub fn report(self) -> i32 {
        match self {
            OpenError::Usage(message) => eprintln!("error: {message}"),
            OpenError::Config(rendered) => eprint!("{rendered}"),
        }
        super::EXIT_USAGE
    }
}

impl Project {
    /// The project of the paths given. `-` as the only path, or no path
    /// with `--stdin-filename`, reads standard input instead.
    pub fn open(
        paths: &[PathBuf],
        stdin_filename: Option<&Path>,
        config: &ConfigArgs,
    ) -> Result<Project, OpenError> {
        let source = config.source();
        let Some(name) = stdin_name(paths, stdin_filename)? else {
            return Ok(Project {
                project: crate::project::Project::open_with(paths, &source)?,
                stdin: None,
            });
        };
        let project = crate::project::Project::of_named(&name, &source)?;
        let bytes = read_stdin(project.config.max_file_size())?;
        Ok(Project {
            project,
            stdin: Some((name, bytes)),
        })
    }

    /// Says which folders given hold no playbook, if any; returns exit code
    /// 2 then. A CI job pointed at a wrong path must not pass.
    pub fn refuse_empty(&self) -> Option<i32> {
        if self.empty.is_empty() {
            return None;
        }
        for folder in &self.empty {
            eprintln!(
                "error: no playbooks found: `{}` holds no `.playbook` file",
                folder.display()
            );
        }
        eprintln!(
            "help: check the path (and the `include` and `exclude` of `Playbook.toml`); \
             pass --allow-empty when no playbook is expected"
        );
        Some(super::EXIT_USAGE)
    }

    /// The file read from standard input: its name and bytes.
    pub fn stdin(&self) -> Option<(&Path, &[u8])> {
        self.stdin
            .as_ref()
            .map(|(name, bytes)| (name.as_path(), bytes.as_slice()))
    }

    /// The project's loader, which serves standard input under its name.
    pub fn loader(&self) -> Result<Overlay<'_>, OpenError> {
        Ok(Overlay {
            stdin: self.stdin(),
            files: self.project.loader()?,
        })
    }
}

/// The name standard input goes by, when the paths ask for it.
fn stdin_name(
    paths: &[PathBuf],
    stdin_filename: Option<&Path>,
) -> Result<Option<PathBuf>, OpenError> {
    let dash = paths.iter().any(|p| p.as_os_str() == "-");
    if dash && paths.len() > 1 {
        return Err(OpenError::Usage(
            "`-` (standard input) cannot be combined with other paths\n\
             help: give `-` as the only path, and the files and folders in another run"
                .to_string(),
        ));
    }
    match stdin_filename {
        Some(_) if !dash && !paths.is_empty() => Err(OpenError::Usage(
            "--stdin-filename names standard input, not the paths given\n\
             help: give `-` as the only path, or no path, to read standard input"
                .to_string(),
        )),
        Some(name) => Ok(Some(name.to_path_buf())),
        None if dash => Ok(Some(PathBuf::from(STDIN_NAME))),
        None => Ok(None),
    }
}

/// Reads standard input, never more than one byte past `limit` (the
/// compiler reports a file that is too large).
fn read_stdin(limit: usize) -> Result<Vec<u8>, OpenError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            OpenError::Usage(format!(
                "cannot read standard input: {}",
                crate::fs::describe(&e)
            ))
        })?;
    Ok(bytes)
}

/// The project's files, and standard input under its name.
pub struct Overlay<'a> {
    stdin: Option<(&'a Path, &'a [u8])>,
    files: FsLoader,
}

impl Loader for Overlay<'_> {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        match self.stdin {
            Some((name, bytes)) if name == path => Ok(bytes.to_vec()),
            _ => self.files.read(path),
        }
    }
}
