//! A state file read in pieces, for a change that appends to it; and the
//! rule for a log whose last line was cut short.
//!
//! A change made through the cache (`super::snapshot`) needs little of the
//! file: the text before the log (the header and the pin), the log's last
//! line (the next event's id hashes its id), the file's length, and a hash
//! of the whole text (to check the cache's seal). [`Scan`] takes the file's
//! bytes as they are read and keeps only those, so a change to a run holds
//! a few kilobytes of its file however long the log, and writes only the
//! lines it adds (`StateFile::into_write`).
//!
//! **A log cut short.** A change appends by writing its lines, and the `]`
//! that closes the log, over the old `]`. A crash, a kill or a full disk in
//! the middle of that write leaves the file ending inside the new line,
//! with no `]` after it; a reader that reads the file while the write is
//! under way can see the same. [`text_of`] reads such a file as it was
//! before the change (which never reported success): the text before the
//! unfinished line, with the log closed.

pub use super::state::Scanned;
use super::state::{LOG_CLOSE, LOG_OPEN, is_whole_event};
use std::string::FromUtf8Error;
use xxhash_rust::xxh3::Xxh3;

/// A state file's bytes, fed in the order read.
pub struct Scan {
    /// The text up to the end of the line that opens the log; once that
    /// line is found, nothing more.
    head: Vec<u8>,
    head_end: Option<usize>,
    /// xxh3 of every byte fed but the last two, which `held` keeps: the
    /// hash of the text before the `]\n` that closes the log.
    hasher: Xxh3,
    held: Vec<u8>,
    /// The bytes after the third-last line break fed: at the end, the
    /// log's last line and the line that closes it.
    tail: Vec<u8>,
    len: u64,
}

impl Default for Scan {
    fn default() -> Scan {
        Scan::new()
    }
}

impl Scan {
    pub fn new() -> Scan {
        Scan {
            head: Vec::new(),
            head_end: None,
            hasher: Xxh3::new(),
            held: Vec::new(),
            tail: Vec::new(),
            len: 0,
        }
    }

    /// Takes the next bytes of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.len += chunk.len() as u64;
        if self.head_end.is_none() {
            let from = self.head.len().saturating_sub(LOG_OPEN.len());
            self.head.extend_from_slice(chunk);
            if let Some(at) = find(&self.head[from..], LOG_OPEN.as_bytes()) {
                let end = from + at + LOG_OPEN.len();
                self.head.truncate(end);
                self.head_end = Some(end);
            }
        }
        self.hash(chunk);
        self.keep_tail(chunk);
    }

    /// Hashes all but the last two bytes fed so far.
    fn hash(&mut self, chunk: &[u8]) {
        let total = self.held.len() + chunk.len();
        if total <= 2 {
            self.held.extend_from_slice(chunk);
            return;
        }
        let from_held = self.held.len().min(total - 2);
        self.hasher.update(&self.held[..from_held]);
        let from_chunk = total - 2 - from_held;
        self.hasher.update(&chunk[..from_chunk]);
        let mut held = self.held[from_held..].to_vec();
        held.extend_from_slice(&chunk[from_chunk..]);
        self.held = held;
    }

    /// Keeps the bytes after the third-last line break.
    fn keep_tail(&mut self, chunk: &[u8]) {
        match third_last_break(chunk) {
            Some(at) => {
                self.tail.clear();
                self.tail.extend_from_slice(&chunk[at + 1..]);
            }
            None => {
                self.tail.extend_from_slice(chunk);
                if let Some(at) = third_last_break(&self.tail) {
                    self.tail.drain(..=at);
                }
            }
        }
    }

    /// What was kept, once the whole file was fed.
    pub fn finish(self) -> Scanned {
        let head = self
            .head_end
            .and_then(|_| String::from_utf8(self.head).ok());
        let closed = self.held == LOG_CLOSE.as_bytes() && self.tail.ends_with(LOG_CLOSE.as_bytes());
        let last_line = closed
            .then(|| &self.tail[..self.tail.len() - LOG_CLOSE.len()])
            .filter(|line| line.starts_with(b"{") && line.ends_with(b",\n"))
            .filter(|line| !line[..line.len() - 1].contains(&b'\n'))
            .and_then(|line| String::from_utf8(line.to_vec()).ok());
        Scanned {
            head,
            last_line,
            len: self.len,
            prefix: self.hasher,
        }
    }
}

/// The index of the third-last `\n` in `bytes`.
fn third_last_break(bytes: &[u8]) -> Option<usize> {
    let mut end = bytes.len();
    let mut found = None;
    for _ in 0..3 {
        let at = bytes[..end].iter().rposition(|&b| b == b'\n')?;
        found = Some(at);
        end = at;
    }
    found
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The length of the text worth reading when the log was cut short (see
/// the module's comment), before the log is closed again: the text before
/// an unfinished last line, or the whole text when its last line is a
/// whole event but nothing closes the log. `None` when the log is closed,
/// the file has none, or its last line is not one a cut write leaves.
///
/// A write cut short leaves a line that starts an event (`{`), is not a
/// whole event, and has no line break after it (the line the write
/// covered, `{` and the old line break, is the one exception). A last line
/// that ends with a line break but is not an event is not one: the file is
/// read as it is, and refused where it is wrong.
pub fn cut_short(bytes: &[u8]) -> Option<usize> {
    let open = find(bytes, LOG_OPEN.as_bytes())? + LOG_OPEN.len();
    let log = &bytes[open..];
    let (body, broken) = match log.strip_suffix(b"\n") {
        Some(body) => (body, true),
        None => (log, false),
    };
    let start = body
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    let line = &body[start..];
    if !line.starts_with(b"{") {
        return None;
    }
    if line == b"{" {
        return Some(open + start);
    }
    let trimmed = line.trim_ascii_end();
    let (event, closed) = match trimmed.strip_suffix(b"]") {
        Some(event) => (event.trim_ascii_end(), true),
        None => (trimmed, false),
    };
    let event = event.strip_suffix(b",").unwrap_or(event);
    let whole = std::str::from_utf8(event).is_ok_and(is_whole_event);
    match (whole, closed, broken) {
        (true, true, _) | (false, _, true) => None,
        (true, false, _) => Some(bytes.len()),
        (false, _, false) => Some(open + start),
    }
}

/// A state file's text from its bytes: when its last line was cut short,
/// the text before that line with the log closed, and `true`.
pub fn text_of(mut bytes: Vec<u8>) -> Result<(String, bool), FromUtf8Error> {
    match cut_short(&bytes) {
        Some(keep) => {
            bytes.truncate(keep);
            bytes.extend_from_slice(LOG_CLOSE.as_bytes());
            Ok((String::from_utf8(bytes)?, true))
        }
        None => Ok((String::from_utf8(bytes)?, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "schema = 2\n\n[log]\n\
        # One event per line, oldest first; append-only. `git merge` joins the\n\
        # events of two clones (see the `.gitattributes` beside this file).\n\
        events = [\n";

    fn file(lines: &[&str]) -> String {
        let mut text = HEAD.to_string();
        for line in lines {
            text.push_str(line);
        }
        text.push_str(LOG_CLOSE);
        text
    }

    fn scan_in(text: &str, size: usize) -> Scanned {
        let mut scan = Scan::new();
        for chunk in text.as_bytes().chunks(size) {
            scan.feed(chunk);
        }
        scan.finish()
    }

    #[test]
    fn a_scan_keeps_the_head_the_last_line_and_the_hash_whatever_the_pieces() {
        let lines = [START, RECORD, RECORD];
        let text = file(&lines);
        let before_close = &text.as_bytes()[..text.len() - LOG_CLOSE.len()];
        for size in [1, 2, 3, 7, 64, text.len()] {
            let scanned = scan_in(&text, size);
            assert_eq!(scanned.head.as_deref(), Some(HEAD), "pieces of {size}");
            assert_eq!(
                scanned.last_line.as_deref(),
                Some(lines[2]),
                "pieces of {size}"
            );
            assert_eq!(scanned.len, text.len() as u64);
            assert_eq!(
                scanned.prefix.digest(),
                xxhash_rust::xxh3::xxh3_64(before_close),
                "pieces of {size}"
            );
        }
    }

    #[test]
    fn a_scan_of_a_file_that_does_not_end_with_a_closed_log_has_no_last_line() {
        let text = file(&["{ id = \"a1\", event = \"start\" },\n"]);
        let open = &text[..text.len() - LOG_CLOSE.len()];
        assert!(scan_in(open, 5).last_line.is_none());
        let two = format!("{open}{{ id = \"b2\" }}\n]\n");
        assert!(scan_in(&two, 5).last_line.is_none());
        assert!(scan_in("schema = 2\n", 3).head.is_none());
    }

    const START: &str = "{ id = \"a1b2c3d4e5f60718\", time = \"2026-11-24T10:00:00Z\", \
        actor = \"ana\", event = \"start\" },\n";
    const RECORD: &str = "{ id = \"0f1e2d3c4b5a6978\", time = \"2026-11-24T10:00:00Z\", \
        actor = \"ana\", event = \"record\", criterion = \"c\", evidence = \"ü [1] {x}\" },\n";

    #[test]
    fn every_cut_of_an_append_reads_as_the_file_before_it_or_with_the_whole_line() {
        let before = file(&[START]);
        let at = before.len() - LOG_CLOSE.len();
        let written = format!("{RECORD}{LOG_CLOSE}");
        let line = RECORD.len();
        for n in 0..=written.len() {
            // The bytes of the write that made it, over the old `]\n`.
            let mut bytes = before.as_bytes()[..at].to_vec();
            bytes.extend_from_slice(&written.as_bytes()[..n]);
            if n < LOG_CLOSE.len() {
                bytes.extend_from_slice(&LOG_CLOSE.as_bytes()[n..]);
            }
            let (text, cut) = text_of(bytes.clone()).expect("UTF-8 once cut");
            if n == 0 || n > line {
                assert!(!cut, "{n} bytes: the log is closed");
                assert_eq!(text.as_bytes(), bytes, "{n} bytes");
            } else if n >= line - 2 {
                // `... }`, `... },` or the whole line: the event is whole.
                assert!(cut, "{n} bytes");
                assert_eq!(text, format!("{}{}]\n", &before[..at], &written[..n]));
            } else {
                assert!(cut, "{n} bytes");
                assert_eq!(text, before, "{n} bytes");
            }
        }
    }

    #[test]
    fn a_last_line_that_ends_its_line_but_is_no_event_is_read_as_it_is() {
        let broken = file(&[START, "{ id = \"x\", oops },\n"]);
        let unclosed = &broken[..broken.len() - LOG_CLOSE.len()];
        assert_eq!(cut_short(unclosed.as_bytes()), None);
        let closed_on_its_line = format!("{}{}]\n", &HEAD, START.trim_end());
        assert_eq!(cut_short(closed_on_its_line.as_bytes()), None);
    }

    #[test]
    fn a_closed_log_and_a_file_without_a_log_are_never_cut_and_an_unclosed_one_is_closed() {
        let text = file(&[START]);
        assert_eq!(cut_short(text.as_bytes()), None);
        assert_eq!(cut_short(b"schema = 2\n{ partial"), None);
        let missing_close = &text[..text.len() - LOG_CLOSE.len()];
        assert_eq!(
            cut_short(missing_close.as_bytes()),
            Some(missing_close.len())
        );
    }
}
