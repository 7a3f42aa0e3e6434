//! State files on disk: the one place where runs touch the file system.
//!
//! - **Atomic replace.** A change writes the whole file to a temporary file
//!   in the same folder, flushes it (`sync_all`), renames it over the state
//!   file and flushes the folder, so a crash at any instant leaves the old
//!   file or the new one, never a torn one.
//! - **One writer at a time.** A writer holds an exclusive lock
//!   (`File::try_lock`) on `.playbook-cache/STATE.lock` in the state file's
//!   folder, and writes into it who holds it and since when. A second
//!   writer gets [`StoreError::Locked`] naming the holder, or with
//!   `--wait`, says so and waits for it ([`Lock::acquire_waiting`]). The
//!   kernel releases the lock when its holder exits, even when it is
//!   killed.
//! - **Nothing untracked beside the runs.** The lock and the cache of each
//!   run's state live in `.playbook-cache/`, whose own `.gitignore` keeps
//!   them out of git; the state files are all a team commits. `run start`
//!   writes a `.gitattributes` line that has git merge a state file with
//!   its `union` driver ([`mark_for_git`]).
//! - A new run never replaces an existing file (`persist_noclobber`).
//! - **Links are followed for the state file, never for the lock.** A state
//!   path that is a symbolic link is written through to its target (as
//!   `fmt` does), so the link stays a link; an existing file keeps its mode,
//!   and a new one gets the mode the umask allows. The lock file is opened
//!   with `O_NOFOLLOW`, must be a regular file with one link, and is removed
//!   by its holder when it is done: a lock path that is a link, a folder or
//!   a second name of another file is refused and left untouched.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why a state file could not be read, locked or written.
#[derive(Debug)]
pub enum StoreError {
    /// Another writer holds the lock.
    Locked { lock: PathBuf, holder: String },
    /// A new run's file exists already.
    Exists(PathBuf),
    /// The lock path is not a regular file of its own (a link, a folder, a
    /// second name of another file): it is left untouched.
    UnsafeLock(PathBuf),
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Locked { lock, holder } => write!(
                f,
                "the run is being changed by another writer: {holder} (lock file `{}`); \
                 try again once it is done",
                lock.display()
            ),
            StoreError::Exists(path) => write!(
                f,
                "`{}` exists already: a new run never overwrites a state file",
                path.display()
            ),
            StoreError::UnsafeLock(path) => write!(
                f,
                "the lock file `{}` is a symbolic link, a folder or a second name of another file; \
                 a lock is never followed: remove it if no run is being changed",
                path.display()
            ),
            StoreError::Io { path, error } => {
                write!(
                    f,
                    "cannot use `{}`: {}",
                    path.display(),
                    crate::fs::describe(error)
                )
            }
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |error| StoreError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// The file a state path stands for: the path itself, or for a symbolic
/// link, the file it points to (followed to the end, even when that file
/// does not exist yet).
pub fn target(state: &Path) -> PathBuf {
    let mut path = state.to_path_buf();
    // A bounded walk, so that a loop of links ends.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(&path) {
                Ok(to) => path = folder(&path).join(to),
                Err(_) => return path,
            },
            _ => return path,
        }
    }
    path
}

/// The folder of the files of the runs of a folder that are not the
/// runs: their locks and caches.
pub const LOCAL: &str = ".playbook-cache";

/// `.playbook-cache/NAME` + `suffix` in the folder of the file the state
/// path stands for.
fn local_path(state: &Path, suffix: &str) -> PathBuf {
    let state = target(state);
    let mut name = state.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    folder(&state).join(LOCAL).join(name)
}

/// The lock file of a state file: `.playbook-cache/contoso.run.toml.lock`
/// in the folder of the file the state path stands for.
pub fn lock_path(state: &Path) -> PathBuf {
    local_path(state, ".lock")
}

/// The cache of a run's state: `.playbook-cache/contoso.run.toml.state`.
pub fn cache_path(state: &Path) -> PathBuf {
    local_path(state, ".state")
}

/// Makes the folder of locks and caches, with a `.gitignore` that keeps
/// it out of git. A path there that is not a folder of its own (a link, a
/// file) is refused and left untouched.
fn local_folder(state: &Path) -> Result<PathBuf, StoreError> {
    let dir = folder(&target(state)).join(LOCAL);
    match std::fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() => return Ok(dir),
        Ok(_) => return Err(StoreError::UnsafeLock(dir)),
        Err(_) => {}
    }
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if !std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
                return Err(StoreError::UnsafeLock(dir));
            }
        }
        Err(error) => return Err(StoreError::Io { path: dir, error }),
    }
    let ignore = dir.join(".gitignore");
    if std::fs::symlink_metadata(&ignore).is_err() {
        std::fs::write(
            &ignore,
            "# Locks and caches of the runs beside this folder: never committed.\n*\n",
        )
        .map_err(io(&ignore))?;
    }
    Ok(dir)
}

/// The root of the git work tree that holds the folder `dir` (the nearest
/// folder up from it with a `.git`), if any.
pub fn work_tree(dir: &Path) -> Option<PathBuf> {
    let mut at = std::fs::canonicalize(dir).ok()?;
    loop {
        if std::fs::symlink_metadata(at.join(".git")).is_ok() {
            return Some(at);
        }
        if !at.pop() {
            return None;
        }
    }
}

/// The playbook a state file names in `source`: an absolute path as it
/// is; a relative one from the root of the git work tree that holds the
/// state file, or from the state file's folder outside a work tree.
pub fn playbook_of(source: &str, state: &Path) -> PathBuf {
    let path = Path::new(source);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    let real = target(state);
    let dir = folder(&real);
    match work_tree(dir) {
        Some(root) => root.join(path),
        None => dir.join(path),
    }
}

/// Makes the folder of a new state file, if need be.
pub fn make_folder(state: &Path) -> Result<(), StoreError> {
    match state.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(io(dir)),
        _ => Ok(()),
    }
}

/// The record of what a run's playbook was compiled from:
/// `.playbook-cache/contoso.run.toml.sources` (see `src/run/sources.rs`).
pub fn sources_path(state: &Path) -> PathBuf {
    local_path(state, ".sources")
}

/// Which build of `playbook` is running, for the caches it keys: the
/// version, and the path, size and time of the executable (a rebuild
/// changes them). `None` when the executable cannot be found.
pub fn build() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    let time = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(format!(
        "{} {} {} {time}",
        env!("CARGO_PKG_VERSION"),
        exe.display(),
        meta.len()
    ))
}

/// The cache of a run's state, if there is one (never through a link).
pub fn read_cache(state: &Path) -> Option<String> {
    read_local(&cache_path(state))
}

/// The record of what the run's playbook was compiled from, if there is
/// one (never through a link).
pub fn read_sources(state: &Path) -> Option<String> {
    read_local(&sources_path(state))
}

fn read_local(path: &Path) -> Option<String> {
    let dir = path.parent()?;
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
        || !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
    {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// Replaces the cache of a run's state, atomically. The caller holds the
/// lock. A cache that cannot be written is only slower reading: the
/// caller may ignore the error.
pub fn write_cache(lock: &Lock, state: &Path, text: &str) -> Result<(), StoreError> {
    write_local(lock, state, &cache_path(state), text)
}

/// Replaces the record of what the run's playbook was compiled from, as
/// [`write_cache`].
pub fn write_sources(lock: &Lock, state: &Path, text: &str) -> Result<(), StoreError> {
    write_local(lock, state, &sources_path(state), text)
}

fn write_local(_lock: &Lock, state: &Path, path: &Path, text: &str) -> Result<(), StoreError> {
    local_folder(state)?;
    // Written in place: a cache cut short no longer fits its seal (or is
    // no TOML), and is ignored. Never through a link, never into a file
    // with another name.
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    options
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .mode(0o600);
    let mut file = options
        .open(path)
        .map_err(|error| match error.raw_os_error() {
            #[cfg(unix)]
            Some(libc::ELOOP) => StoreError::UnsafeLock(path.to_path_buf()),
            _ => StoreError::Io {
                path: path.to_path_buf(),
                error,
            },
        })?;
    own_plain_file(&file, path)?;
    file.set_len(0)
        .and_then(|()| file.write_all(text.as_bytes()))
        .map_err(io(path))
}

/// Has git merge the state file with its `union` driver: adds a line to
/// the `.gitattributes` of its folder (creating it) unless one names the
/// same files already. `*.run.toml` for a file named so, else the file's
/// own name. Returns the line when it added it.
pub fn mark_for_git(state: &Path) -> Result<Option<String>, StoreError> {
    let state = target(state);
    let name = state.file_name().unwrap_or_default().to_string_lossy();
    let pattern = if name.ends_with(".run.toml") {
        "*.run.toml".to_string()
    } else {
        // Git's patterns: escape what would be a wildcard or a space.
        name.chars()
            .flat_map(|c| {
                let escape = matches!(c, '*' | '?' | '[' | '\\' | ' ' | '#' | '!');
                escape.then_some('\\').into_iter().chain([c])
            })
            .collect()
    };
    let path = folder(&state).join(".gitattributes");
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(StoreError::Io { path, error }),
    };
    if existing
        .lines()
        .any(|l| l.split_whitespace().next() == Some(pattern.as_str()))
    {
        return Ok(None);
    }
    let line = format!("{pattern} merge=union");
    let mut text = existing;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if text.is_empty() {
        text.push_str(
            "# Two clones that each add events to a run merge into one log\n\
             # (written by `playbook run start`; see docs/run.md).\n",
        );
    }
    text.push_str(&line);
    text.push('\n');
    let tmp = temporary(&path, &text)?;
    tmp.persist(&path).map_err(|e| StoreError::Io {
        path: path.clone(),
        error: e.error,
    })?;
    Ok(Some(line))
}

/// Opens the lock file without following a link, and checks that it is a
/// regular file with no other name.
fn open_lock(path: &Path) -> Result<File, StoreError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .mode(0o666);
    let file = match options.open(path) {
        Ok(file) => file,
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(StoreError::UnsafeLock(path.to_path_buf()));
        }
        Err(e) if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) => {
            let _ = e;
            return Err(StoreError::UnsafeLock(path.to_path_buf()));
        }
        Err(error) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                error,
            });
        }
    };
    own_plain_file(&file, path)?;
    Ok(file)
}

/// Whether `file` is still the file at `path` (its holder may have removed
/// it between our open and our lock).
fn still_there(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Whether another writer holds the lock of `state` now, as the error a
/// change would meet; for showing a run (`playbook serve`). Never creates
/// the lock file. The check is a shared lock taken and let go at once: a
/// writer that starts in that instant may be told the run is locked.
pub fn held(state: &Path) -> Option<StoreError> {
    let path = lock_path(state);
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC);
    let mut file = options.open(&path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            Some(StoreError::Locked {
                holder: describe_holder(&holder),
                lock: path,
            })
        }
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

/// The exclusive right to change a state file, until dropped.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
}

impl Lock {
    /// Takes the lock of `state`, or says who holds it. Never waits.
    pub fn acquire(state: &Path, actor: &str, since: jiff::Timestamp) -> Result<Lock, StoreError> {
        Lock::acquire_with(state, actor, since, None)
    }

    /// Takes the lock of `state`, waiting for its holder to let go: calls
    /// `waiting` with who holds it (once) before it waits.
    pub fn acquire_waiting(
        state: &Path,
        actor: &str,
        since: jiff::Timestamp,
        waiting: &mut dyn FnMut(&StoreError),
    ) -> Result<Lock, StoreError> {
        Lock::acquire_with(state, actor, since, Some(waiting))
    }

    fn acquire_with(
        state: &Path,
        actor: &str,
        since: jiff::Timestamp,
        mut waiting: Option<&mut dyn FnMut(&StoreError)>,
    ) -> Result<Lock, StoreError> {
        local_folder(state)?;
        let path = lock_path(state);
        let mut attempts = 0;
        let mut told = false;
        let mut file = loop {
            let mut file = open_lock(&path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let locked = StoreError::Locked {
                        holder: describe_holder(&holder),
                        lock: path.clone(),
                    };
                    let Some(waiting) = waiting.as_mut() else {
                        return Err(locked);
                    };
                    if !told {
                        waiting(&locked);
                        told = true;
                    }
                    file.lock().map_err(io(&path))?;
                }
                Err(std::fs::TryLockError::Error(error)) => {
                    return Err(StoreError::Io { path, error });
                }
            }
            // The previous holder removes the lock file before it lets go:
            // a lock taken on a removed file is no lock; open it again.
            if still_there(&file, &path) {
                break file;
            }
            attempts += 1;
            if attempts > 100 && !told {
                return Err(StoreError::UnsafeLock(path));
            }
        };
        let record = toml::to_string(&LockRecord {
            holder: actor.to_string(),
            pid: std::process::id(),
            since: since.to_string(),
        })
        .unwrap_or_default();
        file.set_len(0).map_err(io(&path))?;
        file.rewind().map_err(io(&path))?;
        file.write_all(record.as_bytes()).map_err(io(&path))?;
        remove_stale_temporaries(&target(state));
        Ok(Lock { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    /// Removes the lock file while still holding it, so that no stale
    /// `.lock` stays behind; a writer that opened it meanwhile sees that it
    /// was removed and opens a new one (`still_there`).
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        if still_there(&self.file, &self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// Who holds a lock, as its file says (TOML).
#[derive(serde::Serialize, serde::Deserialize)]
struct LockRecord {
    holder: String,
    pid: u32,
    since: String,
}

/// `ana (process 4711) since 2026-11-24T10:00:00Z`, from the lock file; the
/// holder's name is escaped for the terminal.
fn describe_holder(text: &str) -> String {
    match toml::from_str::<LockRecord>(text) {
        Ok(r) => format!(
            "`{}` (process {}) since {}",
            one_line(&r.holder),
            r.pid,
            one_line(&r.since)
        ),
        Err(_) => "a process that has not yet said who it is".to_string(),
    }
}

/// `text` escaped for one line of a terminal: hidden characters and line
/// breaks written as escapes.
fn one_line(text: &str) -> String {
    crate::escape::terminal(text)
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// The prefix of this state file's temporary files.
fn temp_prefix(state: &Path) -> String {
    format!(
        ".{}.",
        state.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Removes what a writer killed mid-write left behind: temporary state
/// files beside the state file, temporary caches in its cache folder.
/// Called under the lock.
fn remove_stale_temporaries(state: &Path) {
    remove_temporaries(folder(state), &temp_prefix(state));
    for cache in [cache_path(state), sources_path(state)] {
        remove_temporaries(folder(&cache), &temp_prefix(&cache));
    }
}

fn remove_temporaries(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix) && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn folder(state: &Path) -> &Path {
    match state.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Reads a state file, as it stood at one moment even while a change is
/// appended to it (`crate::fs::read_settled`).
pub fn read(state: &Path) -> Result<Vec<u8>, StoreError> {
    crate::fs::read_settled(state).map_err(io(state))
}

/// Reads a state file in pieces of at most 128 KiB, handing each to
/// `take` in order, so that reading holds only one piece in memory.
pub fn scan(state: &Path, take: &mut dyn FnMut(&[u8])) -> Result<(), StoreError> {
    let mut file = File::open(state).map_err(io(state))?;
    let mut buffer = vec![0; 128 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => take(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(state)(e)),
        }
    }
}

/// Writes `bytes` at `at` in the state file, which must be `len` bytes
/// long, and flushes it to disk. The caller holds the lock. A write cut
/// short (a crash, a full disk) leaves the file ending inside what it
/// wrote, which readers recognise (`run::scan`). A file of another length
/// was changed outside `playbook` since it was read: nothing is written.
pub fn append(
    _lock: &Lock,
    state: &Path,
    at: u64,
    len: u64,
    bytes: &[u8],
) -> Result<(), StoreError> {
    let state = &target(state);
    let mut file = OpenOptions::new()
        .write(true)
        .open(state)
        .map_err(io(state))?;
    let now = file.metadata().map_err(io(state))?.len();
    if now != len {
        return Err(io(state)(std::io::Error::other(format!(
            "the file changed while the change was made (it was {len} bytes, it is {now}): \
             nothing was written"
        ))));
    }
    file.seek(std::io::SeekFrom::Start(at))
        .and_then(|_| file.write_all(bytes))
        .and_then(|()| file.sync_data())
        .map_err(io(state))
}

/// Writes a temporary file beside `state`, flushed to disk: with the mode
/// of the file it replaces, or for a new file, the mode the umask allows.
fn temporary(state: &Path, text: &str) -> Result<tempfile::NamedTempFile, StoreError> {
    let dir = folder(state);
    let existing = std::fs::metadata(state).ok().map(|m| m.permissions());
    let prefix = temp_prefix(state);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::fs::Permissions::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(io(dir))?;
    if let Some(permissions) = existing {
        tmp.as_file()
            .set_permissions(permissions)
            .map_err(io(state))?;
    }
    tmp.write_all(text.as_bytes()).map_err(io(tmp.path()))?;
    tmp.as_file().sync_all().map_err(io(state))?;
    Ok(tmp)
}

fn sync_folder(state: &Path) -> Result<(), StoreError> {
    let dir = folder(state);
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// Replaces the state file with `text`, atomically. The caller holds the lock.
pub fn replace(_lock: &Lock, state: &Path, text: &str) -> Result<(), StoreError> {
    let state = &target(state);
    let tmp = temporary(state, text)?;
    tmp.persist(state).map_err(|e| StoreError::Io {
        path: state.to_path_buf(),
        error: e.error,
    })?;
    sync_folder(state)
}

/// Creates a new state file; fails if one exists. The caller holds the lock.
pub fn create(_lock: &Lock, state: &Path, text: &str) -> Result<(), StoreError> {
    if std::fs::symlink_metadata(state).is_ok() {
        return Err(StoreError::Exists(state.to_path_buf()));
    }
    let tmp = temporary(state, text)?;
    tmp.persist_noclobber(state).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            StoreError::Exists(state.to_path_buf())
        } else {
            StoreError::Io {
                path: state.to_path_buf(),
                error: e.error,
            }
        }
    })?;
    sync_folder(state)
}

/// A new lineage id: 128 random bits from the operating system, as hex.
/// Where the system has no random source, the standard library's random
/// hasher keys mixed with the time and the process id stand in.
pub fn new_lineage() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        use std::hash::{BuildHasher, Hasher};
        for (round, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(round);
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default(),
            );
            h.write_u32(std::process::id());
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses an opened file that is not a plain file of its own: a folder, a
/// device, or a hard link that would carry a write to another name.
fn own_plain_file(file: &std::fs::File, path: &Path) -> Result<(), StoreError> {
    let meta = file.metadata().map_err(io(path))?;
    #[cfg(unix)]
    let shared = meta.nlink() != 1;
    #[cfg(not(unix))]
    let shared = false;
    if !meta.is_file() || shared {
        return Err(StoreError::UnsafeLock(path.to_path_buf()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{LockRecord, describe_holder};

    #[test]
    fn a_lock_record_round_trips_through_toml_with_its_holder_escaped() {
        let text = toml::to_string(&LockRecord {
            holder: "ana \"the\" manager\n\u{1b}[2J".to_string(),
            pid: 4711,
            since: "2026-11-24T10:00:00Z".to_string(),
        })
        .expect("TOML");
        let said = describe_holder(&text);
        assert!(said.starts_with("`ana \"the\" manager"), "{said}");
        assert!(
            said.ends_with("(process 4711) since 2026-11-24T10:00:00Z"),
            "{said}"
        );
        assert!(!said.contains('\u{1b}') && !said.contains('\n'), "{said}");
    }

    #[test]
    fn a_lock_file_not_yet_written_names_no_holder() {
        assert_eq!(
            describe_holder(""),
            "a process that has not yet said who it is"
        );
    }
}
