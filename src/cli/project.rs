//! The command line's view of [`crate::project::Project`]: the same
//! project, with its errors rendered for the terminal.

use std::path::PathBuf;

pub struct Project(crate::project::Project);

impl std::ops::Deref for Project {
    type Target = crate::project::Project;
    fn deref(&self) -> &crate::project::Project {
        &self.0
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

impl Project {
    pub fn open(paths: &[PathBuf]) -> Result<Project, OpenError> {
        Ok(Project(crate::project::Project::open(paths)?))
    }

    pub fn loader(&self) -> Result<crate::fs::FsLoader, OpenError> {
        Ok(self.0.loader()?)
    }
}
