//! Compiles each file named on the command line several times in-process
//! and prints the median time per byte, slowest first: the second half of
//! `bench/slowest.sh`, which finds candidates with the randomised test.
//!
//! ```text
//! cargo run --example time_per_byte -- [--runs 9] FILE...
//! ```
//!
//! Files of under 1 KiB are timed as if they had 1 KiB, so that the fixed
//! cost of a compilation does not make every tiny file look slow.

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut runs = 9usize;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            runs = args
                .next()
                .and_then(|v| v.parse().ok())
                .expect("--runs takes a number");
        } else {
            files.push(PathBuf::from(arg));
        }
    }
    let loader = playbook::fs::FsLoader::default();
    let mut rows: Vec<(f64, u64, usize, PathBuf)> = Vec::new();
    for path in files {
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let mut times: Vec<u64> = Vec::new();
        let mut diagnostics = 0;
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            let c = playbook::compile(&path, &loader);
            times.push(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
            diagnostics = c.map(|c| c.diagnostics.len()).unwrap_or(0);
        }
        times.sort_unstable();
        let median = times[times.len() / 2];
        rows.push((
            median as f64 / bytes.max(1024) as f64,
            median,
            diagnostics,
            path,
        ));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("| ns a byte | median | bytes | diagnostics | file |");
    println!("|---|---|---|---|---|");
    for (per_byte, median, diagnostics, path) in rows {
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "| {per_byte:.0} | {:.2} ms | {bytes} | {diagnostics} | {} |",
            median as f64 / 1e6,
            path.display()
        );
    }
}
