//! Reading source files from disk: the one [`Loader`] that does I/O.

use crate::Loader;
use crate::syntax::MAX_FILE_SIZE;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Reads regular files, never more than one byte past the size limit, and,
/// when confined, only files inside one folder.
#[derive(Debug, Clone)]
pub struct FsLoader {
    pub limit: usize,
    /// The canonical project folder outside which nothing is read, whatever
    /// path or symbolic link leads there.
    root: Option<PathBuf>,
}

impl Default for FsLoader {
    fn default() -> FsLoader {
        FsLoader {
            limit: MAX_FILE_SIZE,
            root: None,
        }
    }
}

impl FsLoader {
    /// A loader that reads any regular file up to `limit` bytes.
    pub fn with_limit(limit: usize) -> FsLoader {
        FsLoader { limit, root: None }
    }

    /// A loader that reads only below `root` (compared as canonical paths,
    /// component by component, so `..`, absolute paths and symbolic links
    /// cannot lead out of it).
    pub fn confined(limit: usize, root: &Path) -> std::io::Result<FsLoader> {
        Ok(FsLoader {
            limit,
            root: Some(std::fs::canonicalize(root)?),
        })
    }

    /// The folder this loader is confined to, if any.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }
}

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        if let Some(root) = &self.root {
            let real = std::fs::canonicalize(path).map_err(|e| describe(&e))?;
            if !real.starts_with(root) {
                return Err(format!(
                    "it lies outside the project folder `{}`",
                    root.display()
                ));
            }
        }
        let meta = std::fs::metadata(path).map_err(|e| describe(&e))?;
        if !meta.is_file() {
            return Err("not a regular file".to_string());
        }
        let file = std::fs::File::open(path).map_err(|e| describe(&e))?;
        // Read one byte past the limit so that the compiler can report the
        // size without holding a huge file in memory.
        let mut bytes = Vec::with_capacity(meta.len().min(self.limit as u64 + 1) as usize);
        file.take(self.limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| describe(&e))?;
        Ok(bytes)
    }
}

fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string().to_lowercase(),
    }
}
