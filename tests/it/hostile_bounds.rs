//! The hostile inputs of issue 8 that `hostile.rs` does not cover, each
//! run through the real binary with its wall time, CPU time and peak memory
//! measured (`wait4`'s resource usage of that one process) and bounded.
//! The bounds are for a debug build on a loaded CI machine, several times
//! the figures measured; `docs/hostile.md` lists them beside the figures of
//! a release build.

use std::path::Path;
use std::time::{Duration, Instant};

/// What one run of `playbook check --format json` did.
#[derive(Debug)]
struct Measured {
    code: Option<i32>,
    report: serde_json::Value,
    wall: Duration,
    cpu: Duration,
    /// Peak resident memory, in MiB.
    peak_mib: u64,
}

impl Measured {
    /// The code of each diagnostic, in order.
    fn codes(&self) -> Vec<&str> {
        self.report["diagnostics"]
            .as_array()
            .expect("a diagnostics array")
            .iter()
            .map(|d| d["code"].as_str().unwrap_or("?"))
            .collect()
    }

    fn first(&self) -> &serde_json::Value {
        &self.report["diagnostics"][0]
    }

    /// Asserts the run ended within `seconds` of wall time and `mib` of peak
    /// memory.
    fn within(&self, seconds: u64, mib: u64) {
        assert!(
            self.wall < Duration::from_secs(seconds),
            "took {:?} (CPU {:?}), bound {seconds} s",
            self.wall,
            self.cpu
        );
        assert!(
            self.peak_mib < mib,
            "peak memory {} MiB, bound {mib} MiB",
            self.peak_mib
        );
    }
}

/// Runs `playbook check --format json name` in `dir`, killing it after two
/// minutes, and measures it.
#[expect(
    clippy::zombie_processes,
    reason = "wait4 reaps the child, with its resource usage"
)]
fn measure(dir: &Path, name: &str) -> Measured {
    let out = dir.join(".out.json");
    let err = dir.join(".err.txt");
    let start = Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_playbook"))
        .current_dir(dir)
        .args(["check", "--format", "json", name])
        .stdout(std::fs::File::create(&out).expect("create stdout file"))
        .stderr(std::fs::File::create(&err).expect("create stderr file"))
        .spawn()
        .expect("run playbook");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet waited for; both
        // pointers are to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(r >= 0, "wait4 failed");
        if r == pid {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("{name}: still running after two minutes: a hang");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let wall = start.elapsed();
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    assert!(
        libc::WIFEXITED(status),
        "{name}: killed by signal {}; stderr:\n{stderr}",
        libc::WTERMSIG(status)
    );
    let code = libc::WEXITSTATUS(status);
    assert!(
        !stderr.contains("panicked") && code != 101,
        "{name}: the compiler panicked:\n{stderr}"
    );
    let stdout = std::fs::read(&out).expect("read stdout");
    let report = serde_json::from_slice(&stdout).unwrap_or_else(|e| {
        panic!("{name}: exit {code}, output is not JSON ({e}); stderr:\n{stderr}")
    });
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    let measured = Measured {
        code: Some(code),
        report,
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        peak_mib: u64::try_from(usage.ru_maxrss).unwrap_or(0) / 1024,
    };
    eprintln!(
        "{name}: {} bytes: wall {:.2?}, CPU {:.2?}, peak {} MiB, exit {code}, {} diagnostics",
        std::fs::metadata(dir.join(name))
            .map(|m| m.len())
            .unwrap_or(0),
        measured.wall,
        measured.cpu,
        measured.peak_mib,
        measured.codes().len()
    );
    measured
}

/// Writes `bytes` as `name` in a fresh folder and measures checking it.
fn measure_bytes(name: &str, bytes: &[u8]) -> Measured {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join(name), bytes).expect("write the hostile file");
    measure(dir.path(), name)
}

/// The header of a playbook that checks clean, up to its steps.
const HEADER: &str = "playbook p {\n  title \"t\"\n  description \"d\"\n  phase enable \"Enable\"\n  phase enable\n  owner \"o\"\n  author \"a\"\n  revised 2019-10-01\n  role fm \"F\"\n  input a: bool \"A\"\n";

// ---------------------------------------------------------------------------
// Size and depth
// ---------------------------------------------------------------------------

/// 1,000,000 nested `if` blocks (9 MB): one `nesting-too-deep` at the 65th
/// bracket, found by the scanner before the parser runs.
#[test]
fn blocks_nested_1_000_000_deep() {
    let mut text =
        String::from("playbook p {\n  title \"t\"\n  input a: bool \"A\"\n  step s \"t\" {\n");
    text.push_str(&"if a {\n".repeat(1_000_000));
    text.push_str(&"}\n".repeat(1_000_002));
    let run = measure_bytes("deep.playbook", text.as_bytes());
    assert_eq!(run.code, Some(1));
    assert_eq!(run.codes(), ["nesting-too-deep"]);
    run.within(20, 200);
}

/// 1,000,000 opening brackets on one line (1 MB), and as many closing.
#[test]
fn brackets_nested_1_000_000_deep() {
    let text = format!("{}{}", "(".repeat(1_000_000), ")".repeat(1_000_000));
    let run = measure_bytes("parens.playbook", text.as_bytes());
    assert_eq!(run.codes(), ["nesting-too-deep"]);
    assert_eq!(
        run.first()["column"],
        playbook::syntax::scan::MAX_NESTING + 1
    );
    run.within(10, 100);
}

/// A 100 MB file is refused after reading one byte past the limit: the
/// peak memory shows the rest is never read.
#[test]
fn a_100_megabyte_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("huge.playbook");
    {
        use std::io::Write as _;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        file.write_all(b"playbook huge {\n  title \"Huge\"\n")
            .expect("write");
        let line = b"  role r \"A role declared over and over, to make the file huge\"\n";
        for _ in 0..(100 * 1024 * 1024 / line.len() + 1) {
            file.write_all(line).expect("write");
        }
        file.write_all(b"}\n").expect("write");
    }
    assert!(std::fs::metadata(&path).expect("stat").len() >= 100 * 1024 * 1024);
    let run = measure(dir.path(), "huge.playbook");
    assert_eq!(run.code, Some(1));
    assert_eq!(run.codes(), ["file-too-large"]);
    // The default limit is 16 MiB; the file is six times that.
    run.within(10, 80);
}

/// One line of 10 MB: a title, then a comment, then a text block line.
#[test]
fn a_line_of_10_megabytes() {
    let long = "word ".repeat(2 * 1024 * 1024);
    let cases = [
        (
            "title.playbook",
            format!(
                "{HEADER}  role r \"{long}\"\n  step s \"S\" {{\n    owner fm\n    with r\n    do x \"X\"\n  }}\n}}\n"
            ),
        ),
        (
            "comment.playbook",
            format!(
                "{HEADER}  // {long}\n  step s \"S\" {{\n    owner fm\n    do x \"X\"\n  }}\n}}\n"
            ),
        ),
    ];
    for (name, text) in cases {
        let run = measure_bytes(name, text.as_bytes());
        assert_eq!(run.code, Some(0), "{name}: {:?}", run.codes());
        run.within(20, 300);
    }
}

/// 1,000,000 steps (`generate::many_steps`, 31 MB) with the file limit
/// raised and the one warning each step has (`empty-step`) allowed: checked
/// completely, without a diagnostic.
#[test]
fn a_million_steps() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let text = playbook::generate::many_steps(1_000_000);
    assert!(text.len() > 30_000_000, "{} bytes", text.len());
    std::fs::write(dir.path().join("million.playbook"), &text).expect("write");
    std::fs::write(
        dir.path().join("Playbook.toml"),
        "max-file-size-mib = 64\n\n[levels]\nempty-step = \"allow\"\n",
    )
    .expect("write the configuration");
    drop(text);
    let run = measure(dir.path(), "million.playbook");
    assert_eq!(
        run.code,
        Some(0),
        "{:?}",
        &run.codes()[..run.codes().len().min(5)]
    );
    assert_eq!(run.report["summary"]["warnings"], 0);
    run.within(60, 3 * 1024);
}
