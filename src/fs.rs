//! Reading source files from disk: the one [`Loader`] that does I/O.

use crate::load::Loader;
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

    /// Refuses a path outside the folder this loader is confined to, the
    /// same way whether or not the file exists.
    pub fn admits(&self, path: &Path) -> Result<(), String> {
        if let Some(root) = &self.root
            && !real_path(path).starts_with(root)
        {
            return Err(format!(
                "it lies outside the project folder `{}`",
                root.display()
            ));
        }
        Ok(())
    }
}

/// Where `path` leads: its canonical form, or for a path that does not
/// exist, the canonical form of its deepest existing folder with the rest
/// appended (`..` taken lexically), so that a missing file outside the
/// project is told apart from a missing file inside it.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut out = real;
            for part in rest.iter().rev() {
                match part {
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    std::path::Component::CurDir => {}
                    c => out.push(c),
                }
            }
            return out;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        self.admits(path)?;
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

/// Reads a whole file that another process may be appending to in place
/// (a run's state file, `run_store::append`), as it stood at one moment:
/// a read during which the file's length changed read pieces of two
/// versions, and is read again (up to 1,000 times; the last read stands).
pub fn read_settled(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    for _ in 0..1000 {
        let before = file.metadata()?.len();
        bytes.clear();
        bytes.reserve(before as usize + 1);
        file.seek(SeekFrom::Start(0))?;
        (&file).read_to_end(&mut bytes)?;
        let after = file.metadata()?.len();
        if before == after && bytes.len() as u64 == after {
            break;
        }
        std::thread::yield_now();
    }
    Ok(bytes)
}

/// An I/O error in words, the same in every command: "no such file or
/// directory", never Rust's name of the kind ("entity not found") nor the
/// system's number ("(os error 2)").
pub fn describe(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file or directory".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::AlreadyExists => "it exists already".to_string(),
        ErrorKind::IsADirectory => "it is a folder".to_string(),
        ErrorKind::NotADirectory => "a part of the path is not a folder".to_string(),
        ErrorKind::StorageFull => "no space left on the device".to_string(),
        ErrorKind::ReadOnlyFilesystem => "the file system is read-only".to_string(),
        _ => {
            let text = e.to_string();
            // "Broken pipe (os error 32)" -> "broken pipe".
            let text = match text.rfind(" (os error ") {
                Some(i) if text.ends_with(')') => &text[..i],
                _ => &text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => format!("{:?}", e.kind()).to_lowercase(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::describe;
    use std::io::{Error, ErrorKind};

    #[test]
    fn io_errors_are_described_in_words() {
        assert_eq!(
            describe(&Error::from(ErrorKind::NotFound)),
            "no such file or directory"
        );
        assert_eq!(
            describe(&Error::from_raw_os_error(2)),
            "no such file or directory"
        );
        for e in [Error::from_raw_os_error(32), Error::other("Odd thing")] {
            let text = describe(&e);
            assert!(!text.contains("os error"), "{text}");
            assert!(text.starts_with(|c: char| !c.is_uppercase()), "{text}");
        }
    }
}
