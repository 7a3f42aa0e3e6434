//! Standard output for every command. A write error is remembered rather
//! than ignored or turned into a panic, and [`finish`] turns it into exit
//! code 2 with a message: output cut short by a full disk never exits 0.
//! A reader that closes the pipe early (`| head`) chose to stop reading:
//! that keeps the command's own exit code, and never panics.

use std::io::{ErrorKind, Write};
use std::sync::Mutex;

/// The first error a write to standard output met, and its description.
static FAILED: Mutex<Option<(ErrorKind, String)>> = Mutex::new(None);

fn remember(e: &std::io::Error) {
    if let Ok(mut failed) = FAILED.lock() {
        failed.get_or_insert_with(|| (e.kind(), crate::fs::describe(e)));
    }
}

/// Standard output, locked, remembering write errors.
pub struct Out(std::io::StdoutLock<'static>);

pub fn stdout() -> Out {
    Out(std::io::stdout().lock())
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).inspect_err(remember)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().inspect_err(remember)
    }
}

/// The exit code of a command that returned `code`, once standard output
/// is flushed: 2 when a write failed (other than a closed pipe).
pub fn finish(code: i32) -> i32 {
    let _ = stdout().flush();
    let failed = FAILED.lock().ok().and_then(|mut f| f.take());
    match failed {
        None | Some((ErrorKind::BrokenPipe, _)) => code,
        Some((_, reason)) => {
            eprintln!("error: cannot write to standard output: {reason}; the output is incomplete");
            super::EXIT_USAGE
        }
    }
}

/// `print!` through [`stdout`].
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = ::std::io::Write::write_fmt(&mut $crate::cli::out::stdout(), format_args!($($arg)*));
    }};
}

/// `println!` through [`stdout`].
macro_rules! outln {
    ($($arg:tt)*) => {{
        let mut out = $crate::cli::out::stdout();
        let _ = ::std::io::Write::write_fmt(&mut out, format_args!($($arg)*));
        let _ = ::std::io::Write::write_all(&mut out, b"\n");
    }};
}

pub(crate) use {out, outln};
