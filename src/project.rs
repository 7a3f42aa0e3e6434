//! The one entry to a project for every front end (`check`, `export`, `fmt`,
//! `run`, `import` and the language server): which files a command works on,
//! the `Playbook.toml` that governs them, and the loader that reads nothing
//! outside the project folder. A command cannot forget the confinement or
//! the configured levels: it compiles through [`Project::compile`].
//!
//! The configuration is found by walking up from the first path given (or
//! the current folder), unless a [`ConfigSource`] names a file or none. Folders are expanded into the `*.playbook` files
//! below them, honouring `.gitignore` and the configuration's `include` and
//! `exclude` globs. Like `fs.rs`, this touches the disk; the core does not.

use crate::config::{Config, FILE_NAME};
use crate::diagnostic::Diagnostic;
use crate::load::Loader;
use crate::source::{SourceFile, Sources};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Project {
    pub config: Config,
    pub files: Vec<PathBuf>,
    /// The folders given that hold no `*.playbook` file (a wrong path in a
    /// CI job, most likely).
    pub empty: Vec<PathBuf>,
    /// The folder nothing is read outside of: the one holding
    /// `Playbook.toml`, or else the nearest folder holding every path given.
    pub root: PathBuf,
}

/// Which `Playbook.toml` governs a project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ConfigSource {
    /// The nearest one in the folder of the first path given or above it.
    #[default]
    Discover,
    /// This file (`--config PATH`).
    File(PathBuf),
    /// None: the defaults (`--isolated`).
    Isolated,
}

#[derive(Debug)]
pub enum OpenError {
    /// A path that does not exist or cannot be read.
    Usage(String),
    /// A malformed `Playbook.toml`: the file and its diagnostics.
    Config(Sources, Vec<Diagnostic>),
}

impl OpenError {
    /// The error as text: a message, or the configuration's diagnostics
    /// rendered.
    pub fn render(&self, color: bool, width: usize) -> String {
        match self {
            OpenError::Usage(message) => format!("error: {message}\n"),
            OpenError::Config(sources, diagnostics) => diagnostics
                .iter()
                .map(|d| d.render(sources, color, width))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

impl Project {
    pub fn open(paths: &[PathBuf]) -> Result<Project, OpenError> {
        Project::open_with(paths, &ConfigSource::Discover)
    }

    /// The project of the paths given, governed by the configuration
    /// `source` names.
    pub fn open_with(paths: &[PathBuf], source: &ConfigSource) -> Result<Project, OpenError> {
        let defaults = [PathBuf::from(".")];
        let paths = if paths.is_empty() {
            &defaults[..]
        } else {
            paths
        };
        let (config, root) = configure(&paths[0], paths, source)?;
        let (files, empty) = collect(paths, &config, root.as_deref())?;
        let root = match root {
            Some(root) => root,
            None => common_folder(paths)?,
        };
        Ok(Project {
            config,
            files,
            empty,
            root,
        })
    }

    /// The project of a file read from standard input and named `name`
    /// (which need not exist): its configuration and root are those a file
    /// at that path would have.
    pub fn of_named(name: &Path, source: &ConfigSource) -> Result<Project, OpenError> {
        let paths = [name.to_path_buf()];
        let (config, root) = configure(name, &paths, source)?;
        let mut root = match root {
            Some(root) => root,
            None => common_folder(&paths)?,
        };
        // The name need not exist: confine to its nearest existing folder.
        while !root.is_dir() && root.pop() {}
        Ok(Project {
            config,
            files: paths.to_vec(),
            empty: Vec::new(),
            root,
        })
    }

    /// The project of one file: its `Playbook.toml` and folder.
    pub fn of_file(path: &Path) -> Result<Project, OpenError> {
        Project::open(std::slice::from_ref(&path.to_path_buf()))
    }

    /// A loader for this project's files: its size limit, confined to its
    /// root folder.
    pub fn loader(&self) -> Result<crate::fs::FsLoader, OpenError> {
        crate::fs::FsLoader::confined(self.config.max_file_size(), &self.root).map_err(|e| {
            OpenError::Usage(format!(
                "cannot open the project folder `{}`: {}",
                self.root.display(),
                crate::fs::describe(&e)
            ))
        })
    }

    /// Compiles `path` as `check` does: through the confined loader, with
    /// the configuration's locales and levels.
    pub fn compile(&self, path: &Path) -> Result<crate::Compilation, OpenError> {
        let loader = self.loader()?;
        self.compile_with(path, &loader)
    }

    /// Compiles `path` with this project's configuration through another
    /// loader (the language server's, which serves open documents first;
    /// it must confine reads to [`Project::root`] as [`Project::loader`]
    /// does).
    pub fn compile_with(
        &self,
        path: &Path,
        loader: &dyn Loader,
    ) -> Result<crate::Compilation, OpenError> {
        self.compile_observing(path, loader, &mut |_, _, _| {})
    }

    /// [`Project::compile_with`], showing `root` the file's syntax tree,
    /// its text and whether it parsed without diagnostics
    /// ([`crate::compile_observing`]).
    pub fn compile_observing(
        &self,
        path: &Path,
        loader: &dyn Loader,
        root: &mut dyn FnMut(&crate::ast::File, &str, bool),
    ) -> Result<crate::Compilation, OpenError> {
        crate::compile_observing(path, loader, &self.config, root).map_err(|reason| {
            OpenError::Usage(format!("cannot read `{}`: {reason}", path.display()))
        })
    }
}

/// The configuration `source` names for a project starting at `start`, and
/// the folder it confines reads to: the configuration's folder, when it
/// holds every path given.
fn configure(
    start: &Path,
    paths: &[PathBuf],
    source: &ConfigSource,
) -> Result<(Config, Option<PathBuf>), OpenError> {
    let file = match source {
        ConfigSource::Discover => find_config(start),
        ConfigSource::File(file) => Some(file.clone()),
        ConfigSource::Isolated => None,
    };
    let Some(file) = file else {
        return Ok((Config::default(), None));
    };
    let config = load_config(&file)?;
    let folder = std::path::absolute(&file)
        .ok()
        .and_then(|f| f.parent().map(Path::to_path_buf));
    let holds_every_path = |folder: &Path| {
        paths
            .iter()
            .all(|p| std::path::absolute(p).is_ok_and(|p| p.starts_with(folder)))
    };
    let root = match (source, folder) {
        (ConfigSource::File(_), Some(folder)) if !holds_every_path(&folder) => None,
        (ConfigSource::File(_), folder) => folder,
        (_, _) => file.parent().map(Path::to_path_buf),
    };
    Ok((config, root))
}

/// The deepest folder that holds every path given (a folder holds itself).
fn common_folder(paths: &[PathBuf]) -> Result<PathBuf, OpenError> {
    let mut common: Option<PathBuf> = None;
    for path in paths {
        let absolute = std::path::absolute(path).map_err(|e| {
            OpenError::Usage(format!(
                "cannot resolve `{}`: {}",
                path.display(),
                crate::fs::describe(&e)
            ))
        })?;
        let folder = if absolute.is_dir() {
            absolute
        } else {
            absolute.parent().map(Path::to_path_buf).unwrap_or(absolute)
        };
        common = Some(match common {
            None => folder,
            Some(c) => c
                .components()
                .zip(folder.components())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    Ok(common.unwrap_or_else(|| PathBuf::from(".")))
}

/// The nearest `Playbook.toml` in `start`'s folder or above it.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(start).ok()?;
    let mut dir = if absolute.is_dir() {
        Some(absolute.as_path())
    } else {
        absolute.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// Reads and parses a `Playbook.toml`.
pub fn load_config(file: &Path) -> Result<Config, OpenError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        OpenError::Usage(format!(
            "cannot read `{}`: {}",
            file.display(),
            crate::fs::describe(&e)
        ))
    })?;
    parse_config(file, text)
}

/// Parses the text of a `Playbook.toml` (the language server's, which may
/// be an open document).
pub fn parse_config(file: &Path, text: String) -> Result<Config, OpenError> {
    let mut sources = Sources::new();
    let id = sources.add(SourceFile::new(file.display().to_string(), text));
    match Config::parse(id, &sources.get(id).text) {
        Ok(config) => Ok(config),
        Err(diagnostics) => Err(OpenError::Config(sources, diagnostics)),
    }
}

/// Expands folders into the `*.playbook` files below them, sorted; and the
/// folders that hold none.
fn collect(
    paths: &[PathBuf],
    config: &Config,
    root: Option<&Path>,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), OpenError> {
    let overrides = match root {
        Some(root) if !config.include.is_empty() || !config.exclude.is_empty() => {
            let mut builder = ignore::overrides::OverrideBuilder::new(root);
            for glob in &config.include {
                builder
                    .add(glob)
                    .map_err(|e| OpenError::Usage(format!("`include` glob `{glob}`: {e}")))?;
            }
            for glob in &config.exclude {
                builder
                    .add(&format!("!{glob}"))
                    .map_err(|e| OpenError::Usage(format!("`exclude` glob `{glob}`: {e}")))?;
            }
            Some(
                builder
                    .build()
                    .map_err(|e| OpenError::Usage(format!("`{FILE_NAME}` globs: {e}")))?,
            )
        }
        _ => None,
    };
    let mut files = Vec::new();
    let mut empty = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| {
            OpenError::Usage(format!(
                "cannot read `{}`: {}",
                path.display(),
                crate::fs::describe(&e)
            ))
        })?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        // Globs are relative to the configuration's folder, so walk from an
        // absolute path and show the files relative to the current folder.
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut walk = ignore::WalkBuilder::new(&absolute);
        if let Some(o) = &overrides {
            walk.overrides(o.clone());
        }
        for entry in walk.build() {
            let entry = entry
                .map_err(|e| OpenError::Usage(format!("cannot read `{}`: {e}", path.display())))?;
            let p = entry.path();
            if p.extension().is_some_and(|e| e == "playbook")
                && entry.file_type().is_some_and(|t| t.is_file())
            {
                found.push(p.strip_prefix(&cwd).unwrap_or(p).to_path_buf());
            }
        }
        if found.is_empty() {
            empty.push(path.clone());
        }
        found.sort();
        files.extend(found);
    }
    Ok((files, empty))
}
