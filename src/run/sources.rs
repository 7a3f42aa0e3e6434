//! What a run's playbook was compiled from: the build of `playbook`, the
//! project's configuration, and every file the compiler read, each with a
//! SHA-256 digest of its bytes (or the reason it could not be read).
//!
//! A command on a run compiles its playbook to compare the model's
//! fingerprint with the run's. When the record is there and every file
//! still reads to the same bytes, under the same configuration and build,
//! the compiler would read exactly what it read then and give the same
//! model: the command takes the model pinned in the state file instead
//! (`super::pin`), whose fingerprint is the run's. The compiler's reads
//! all go through its [`Loader`] (see `crate::load`), and it reads nothing
//! else, so a file it did not read cannot change its model; a file added
//! that a `use` now names is read because the `use` changed the file that
//! names it.
//!
//! The record is a cache in `.playbook-cache/` (never committed), written
//! under the state file's lock after a compile whose model had the run's
//! fingerprint; a record that does not hold is ignored and the playbook
//! compiled. Reading it does no I/O of its own: files are read through
//! the loader it is given.

use crate::load::{FileRead, Loader};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::path::Path;

/// The record, as its TOML holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// The build of `playbook` that compiled (`Stamp::build`).
    pub build: String,
    /// A digest of the project's folder and configuration.
    pub project: String,
    /// The playbook compiled, as the path was given to the compiler.
    pub playbook: String,
    /// The fingerprint of the model compiled.
    pub fingerprint: String,
    /// Every read, in order.
    #[serde(default, rename = "read")]
    pub reads: Vec<Read>,
}

/// One file the compiler asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Read {
    pub path: String,
    /// `sha256:` and the digest of its bytes, or `error:` and why it could
    /// not be read.
    pub digest: String,
}

/// What the model depends on besides the files: the build and the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub build: String,
    pub project: String,
}

impl Stamp {
    /// The stamp of a build (its version and an identity of its
    /// executable, such as its size and time) and a project (its folder and
    /// configuration, in any stable text).
    pub fn new(build: String, project: &str) -> Stamp {
        Stamp {
            build,
            project: digest(project.as_bytes()),
        }
    }
}

fn digest(bytes: &[u8]) -> String {
    let hash = sha2::Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn outcome(read: &Result<Vec<u8>, String>) -> String {
    match read {
        Ok(bytes) => digest(bytes),
        Err(why) => format!("error:{why}"),
    }
}

impl Sources {
    /// The record of the compile of `playbook` whose model has
    /// `fingerprint`, which read `reads` (`load::Recording`); `None` when a
    /// path cannot be written down (it is not UTF-8).
    pub fn of(
        stamp: &Stamp,
        playbook: &Path,
        fingerprint: &str,
        reads: &[FileRead],
    ) -> Option<Sources> {
        Some(Sources {
            build: stamp.build.clone(),
            project: stamp.project.clone(),
            playbook: playbook.to_str()?.to_string(),
            fingerprint: fingerprint.to_string(),
            reads: reads
                .iter()
                .map(|(path, read)| {
                    Some(Read {
                        path: path.to_str()?.to_string(),
                        digest: outcome(read),
                    })
                })
                .collect::<Option<_>>()?,
        })
    }

    /// Reads a record; `None` for one that is not valid.
    pub fn parse(text: &str) -> Option<Sources> {
        toml::from_str(text).ok()
    }

    pub fn to_text(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Whether compiling `playbook` now, by `stamp`'s build and project
    /// through `loader`, would give the model this record was made for:
    /// the same build, project and playbook, and every file read then
    /// reads to the same bytes (or fails for the same reason).
    pub fn hold(&self, stamp: &Stamp, playbook: &Path, loader: &dyn Loader) -> bool {
        self.build == stamp.build
            && self.project == stamp.project
            && playbook.to_str() == Some(self.playbook.as_str())
            && !self.reads.is_empty()
            && self
                .reads
                .iter()
                .all(|r| outcome(&loader.read(Path::new(&r.path))) == r.digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Files in memory.
    struct Memory(BTreeMap<String, String>);

    impl Loader for Memory {
        fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
            self.0
                .get(path.to_str().unwrap_or_default())
                .map(|t| t.as_bytes().to_vec())
                .ok_or_else(|| "no such file or directory".to_string())
        }
    }

    fn files(pairs: &[(&str, &str)]) -> Memory {
        Memory(
            pairs
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        )
    }

    const MAIN: &str = "playbook p {\n  title \"P\"\n  use \"lib.playbook\"\n}\n";

    fn recorded(memory: &Memory, stamp: &Stamp) -> Sources {
        let recording = crate::load::Recording::new(memory);
        let _ = recording.read(Path::new("/p/main.playbook"));
        let _ = recording.read(Path::new("/p/lib.playbook"));
        let _ = recording.read(Path::new("/p/main.fr.toml"));
        let reads = recording.into_reads();
        Sources::of(stamp, Path::new("/p/main.playbook"), "sha256:00", &reads)
            .expect("paths in UTF-8")
    }

    #[test]
    fn a_record_holds_until_a_file_read_changes_or_appears() {
        let stamp = Stamp::new("0.1.0 1 2".into(), "root /p; config {}");
        let memory = files(&[("/p/main.playbook", MAIN), ("/p/lib.playbook", "lib")]);
        let sources = recorded(&memory, &stamp);
        assert_eq!(sources.reads.len(), 3);
        assert!(sources.reads[2].digest.starts_with("error:"));
        // Through its text, as the cache keeps it.
        let sources = Sources::parse(&sources.to_text()).expect("reads back");
        let main = Path::new("/p/main.playbook");
        assert!(sources.hold(&stamp, main, &memory));
        // A file read changes.
        let edited = files(&[("/p/main.playbook", MAIN), ("/p/lib.playbook", "lib 2")]);
        assert!(!sources.hold(&stamp, main, &edited));
        // A file that could not be read appears.
        let added = files(&[
            ("/p/main.playbook", MAIN),
            ("/p/lib.playbook", "lib"),
            ("/p/main.fr.toml", "x"),
        ]);
        assert!(!sources.hold(&stamp, main, &added));
        // A file read disappears.
        let removed = files(&[("/p/main.playbook", MAIN)]);
        assert!(!sources.hold(&stamp, main, &removed));
    }

    #[test]
    fn a_record_holds_only_for_its_build_project_and_playbook() {
        let stamp = Stamp::new("0.1.0 1 2".into(), "root /p; config {}");
        let memory = files(&[("/p/main.playbook", MAIN), ("/p/lib.playbook", "lib")]);
        let sources = recorded(&memory, &stamp);
        let main = Path::new("/p/main.playbook");
        let other_build = Stamp::new("0.1.0 1 3".into(), "root /p; config {}");
        assert!(!sources.hold(&other_build, main, &memory));
        let other_config = Stamp::new("0.1.0 1 2".into(), "root /p; config {levels}");
        assert!(!sources.hold(&other_config, main, &memory));
        assert!(!sources.hold(&stamp, Path::new("/p/lib.playbook"), &memory));
        // A record of no reads at all holds for nothing.
        let empty = Sources {
            reads: Vec::new(),
            ..sources.clone()
        };
        assert!(!empty.hold(&stamp, main, &memory));
        // Nor does a record that is not one.
        assert!(Sources::parse("build = 1").is_none());
    }
}
