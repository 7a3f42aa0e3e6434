//! Reading source files from disk: the one [`Loader`] that does I/O.

use crate::Loader;
use crate::syntax::MAX_FILE_SIZE;
use std::io::Read;
use std::path::Path;

/// Reads regular files, never more than one byte past the size limit.
#[derive(Debug, Clone, Copy)]
pub struct FsLoader {
    pub limit: usize,
}

impl Default for FsLoader {
    fn default() -> FsLoader {
        FsLoader {
            limit: MAX_FILE_SIZE,
        }
    }
}

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
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
