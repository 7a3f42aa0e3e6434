//! How many questions of `playbook check` reach the SMT solver, and their
//! share of the time, for the figures in `docs/performance.md`.
//!
//! ```text
//! cargo run --release --example solver_stats -- playbooks/*.playbook
//! ```

use std::path::Path;
use std::time::Instant;

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    let mut files = 0;
    for p in &paths {
        let mut stack = vec![std::path::PathBuf::from(p)];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                let mut entries: Vec<_> = std::fs::read_dir(&path)
                    .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                    .unwrap_or_default();
                entries.sort();
                stack.extend(entries);
            } else if path.extension().is_some_and(|e| e == "playbook") {
                let _ = playbook::compile(Path::new(&path), &playbook::fs::FsLoader::default());
                files += 1;
            }
        }
    }
    let total = started.elapsed();
    let (calls, in_solver) = playbook::check::solver_stats();
    println!(
        "{files} files in {:.3} s: {calls} solver calls taking {:.3} s ({:.1}% of the time)",
        total.as_secs_f64(),
        in_solver.as_secs_f64(),
        100.0 * in_solver.as_secs_f64() / total.as_secs_f64().max(1e-9)
    );
}
