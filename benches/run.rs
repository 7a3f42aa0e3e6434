//! Criterion benchmarks of a state change on a run with a long log.
//!
//! `cargo bench --bench run` (set `PLAYBOOK_BENCH_EVENTS` to change the
//! length of the log; default 10,000 events). The run follows the shipped
//! enablement playbook; its log is built through the run core, then written
//! as a state file. After criterion's figures, the bench prints the p50,
//! p99 and maximum of 500 timed state changes of each kind.
//!
//! A *state change* is what `playbook run record` does once the playbook is
//! compiled: take the lock, read the state file, resume the run from its
//! sealed cache (checking the seal against the file's text), check the
//! command against the run's view, append the event, replace the file
//! atomically (temporary file, `sync_all`, rename, fsync of the folder),
//! and write a new cache. The same without the lock and the disk is
//! measured too, and so is `undo`, which also reads from the log the event
//! it takes back and the values that event covered.

use criterion::{Criterion, criterion_group, criterion_main};
use playbook::run::engine::{Now, Run, parse_inputs};
use playbook::run::state::StateFile;
use playbook::run_store::{self, Lock};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

// The allocator of the `playbook` binary, so that the figures are its own.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn model() -> playbook::ir::Playbook {
    playbook::compile(
        Path::new("playbooks/engagement-completion-enablement.playbook"),
        &playbook::fs::FsLoader::default(),
    )
    .expect("the playbook is readable")
    .model
    .expect("the playbook compiles")
}

fn now() -> Now {
    let time: jiff::Timestamp = "2026-11-24T10:00:00Z".parse().expect("a time");
    Now {
        time,
        today: time.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
    }
}

/// The text of a state file whose log holds `events` events, and its cache.
fn state_text(model: &playbook::ir::Playbook, events: usize) -> (String, String) {
    let given: Vec<(String, String)> = [
        ("seats", "1500"),
        ("active-users", "200"),
        ("account-team-known", "true"),
        ("region", "emea"),
        ("services", "exchange,teams"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let inputs = parse_inputs(model, &given).expect("inputs");
    let mut run = Run::start(model, inputs, now(), "bench").expect("starts");
    let mut file = StateFile::create(&run, "bench", "bench.playbook", "0123abcd").expect("file");
    // Evidence recorded, amended, and now and then taken back.
    while run.events.len() < events {
        let n = run.events.len();
        if n % 10 == 9 {
            run.undo(now(), "bench").expect("undo");
        } else {
            run.record(
                "rfa-customer",
                &format!("FTOP note, version {n}: the motion is RFA"),
                now(),
                "bench",
            )
            .expect("record");
        }
        file.append(run.events.last().expect("an event"))
            .expect("append");
    }
    let text = file.to_text().expect("text");
    let cache = StateFile::seal(&run, &text);
    (text, cache)
}

/// One state change in memory, as `playbook run record` makes it: read
/// the file through its cache, check, append, serialise, seal.
fn change_in_memory(model: &playbook::ir::Playbook, text: &str, cache: &str) -> (String, String) {
    let mut file = StateFile::parse_sealed(text, Some(cache)).expect("parses");
    assert!(file.is_sealed_read(), "the snapshot is trusted");
    let mut run = file.run(model).expect("resumes");
    run.record("milestone-documented", "TE note", now(), "bench")
        .expect("record");
    file.append(run.events.last().expect("an event"))
        .expect("append");
    let text = file.to_text().expect("text");
    let cache = StateFile::seal(&run, &text);
    (text, cache)
}

/// An undo in memory, as `playbook run undo` makes it: resume from the
/// snapshot, read from the log the events the undo needs, undo, append,
/// seal.
fn undo_in_memory(model: &playbook::ir::Playbook, text: &str, cache: &str) -> (String, String) {
    let mut file = StateFile::parse_sealed(text, Some(cache)).expect("parses");
    let mut run = file.run(model).expect("resumes");
    assert!(file.prepare_undo(&mut run, model), "the undo is prepared");
    run.undo(now(), "bench").expect("undo");
    file.append(run.events.last().expect("an event"))
        .expect("append");
    let text = file.to_text().expect("text");
    let cache = StateFile::seal(&run, &text);
    (text, cache)
}

type Change = fn(&playbook::ir::Playbook, &str, &str) -> (String, String);

/// One change on disk: lock, read, change, replace atomically, cache.
fn change_on_disk(model: &playbook::ir::Playbook, state: &Path, f: Change) {
    let lock = Lock::acquire(state, "bench", now().time).expect("lock");
    let read = String::from_utf8(run_store::read(state).expect("read")).expect("UTF-8");
    let cache = run_store::read_cache(state).expect("a cache");
    let (new, cache) = f(model, &read, &cache);
    run_store::replace(&lock, state, &new).expect("write");
    run_store::write_cache(&lock, state, &cache).expect("cache");
}

/// Puts the state file and its cache back as they were.
fn restore(state: &Path, text: &str, cache: &str) {
    std::fs::write(state, text).expect("restore");
    std::fs::write(run_store::cache_path(state), cache).expect("restore");
}

fn percentiles(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    eprintln!(
        "{name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        samples.len()
    );
}

fn state_change(c: &mut Criterion) {
    let events: usize = std::env::var("PLAYBOOK_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let model = model();
    let (text, cache) = state_text(&model, events);
    let dir = tempfile::tempdir().expect("a folder");
    let state = dir.path().join("bench.toml");
    // The first lock makes the folder of locks and caches.
    drop(Lock::acquire(&state, "bench", now().time).expect("lock"));
    restore(&state, &text, &cache);

    let mut group = c.benchmark_group(format!("run with {events} events"));
    group.sample_size(20);
    group.bench_function("state change in memory", |b| {
        b.iter(|| change_in_memory(black_box(&model), black_box(&text), black_box(&cache)))
    });
    group.bench_function("undo in memory", |b| {
        b.iter(|| undo_in_memory(black_box(&model), black_box(&text), black_box(&cache)))
    });
    group.bench_function("parse only", |b| {
        b.iter(|| {
            StateFile::parse(black_box(&text))
                .map(|f| f.len())
                .expect("parses")
        })
    });
    group.bench_function("parse and replay only", |b| {
        b.iter(|| {
            let file = StateFile::parse(black_box(&text)).expect("parses");
            file.run(&model).map(|r| r.events.len()).expect("replays")
        })
    });
    group.bench_function("state change on disk (lock, atomic replace)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                change_on_disk(&model, &state, change_in_memory);
                total += start.elapsed();
                restore(&state, &text, &cache);
            }
            total
        })
    });
    group.finish();

    // Percentiles only when benchmarking (`cargo bench`), not when
    // `cargo test --all-targets` runs each benchmark once as a test.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runs = 1000;
    let mut memory = Vec::with_capacity(runs);
    let mut disk = Vec::with_capacity(runs);
    let mut undo_memory = Vec::with_capacity(runs);
    let mut undo_disk = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        black_box(change_in_memory(&model, &text, &cache));
        memory.push(start.elapsed());
        let start = Instant::now();
        change_on_disk(&model, &state, change_in_memory);
        disk.push(start.elapsed());
        // Back to the same length for the next change.
        restore(&state, &text, &cache);
        let start = Instant::now();
        black_box(undo_in_memory(&model, &text, &cache));
        undo_memory.push(start.elapsed());
        let start = Instant::now();
        change_on_disk(&model, &state, undo_in_memory);
        undo_disk.push(start.elapsed());
        restore(&state, &text, &cache);
    }
    percentiles(&format!("state change in memory, {events} events"), memory);
    percentiles(&format!("state change on disk, {events} events"), disk);
    percentiles(&format!("undo in memory, {events} events"), undo_memory);
    percentiles(&format!("undo on disk, {events} events"), undo_disk);
}

criterion_group!(benches, state_change);
criterion_main!(benches);
