//! Criterion benchmarks of each stage on a generated playbook: parse,
//! resolve, the graph checks, and the whole compile. The state write of a
//! run is `benches/run.rs`.
//!
//! `cargo bench --bench pipeline` (set `PLAYBOOK_BENCH_STEPS` to change the
//! size; default 10,000 steps). The playbooks come from `src/generate.rs`.

#[path = "../bench/generate.rs"]
mod generate;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn stages(c: &mut Criterion) {
    let steps: usize = std::env::var("PLAYBOOK_BENCH_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let text = generate::playbook(0, steps);
    let mut group = c.benchmark_group(format!("{steps} steps"));
    group.sample_size(10);
    group.bench_function("parse", |b| {
        b.iter(|| playbook::syntax::parse(playbook::source::FileId(0), black_box(&text)))
    });
    let mut sources = playbook::source::Sources::new();
    let file = sources.add(playbook::source::SourceFile::new(
        "bench.playbook",
        text.as_str(),
    ));
    let (tree, _) = playbook::syntax::parse(file, &text);
    let tree = tree.expect("the generated playbook parses");
    group.bench_function("resolve", |b| {
        // A borrowed tree is read, not taken apart, as the language
        // server's is.
        b.iter(|| {
            let modules = vec![playbook::resolve::Module {
                tree: std::borrow::Cow::Borrowed(&tree),
                name: "bench".to_string(),
            }];
            let mut diagnostics = Vec::new();
            playbook::resolve::resolve(&sources, modules, &[], &mut diagnostics)
        })
    });
    group.bench_function("compile (parse, resolve, check)", |b| {
        b.iter(|| playbook::compile_str("bench.playbook", black_box(&text)))
    });
    let compiled = playbook::compile_str("bench.playbook", &text);
    let model = compiled.model.expect("the generated playbook compiles");
    group.bench_function("check", |b| {
        b.iter(|| playbook::check::check(black_box(&model)))
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
