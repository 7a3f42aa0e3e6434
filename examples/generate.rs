//! Writes valid playbooks of a chosen size, for benchmarks and stress tests.
//!
//! ```text
//! cargo run --release --example generate -- --steps 10000 --out /tmp/pb
//! cargo run --release --example generate -- --steps 12 --files 1000 --out /tmp/many
//! cargo run --release --example generate -- --wide enum-match --size 40000 --out /tmp/w
//! ```
//!
//! `--wide` writes `wide.playbook` with one construct `--size` times
//! (`enum-set`, `enum-match`, `range-match`, `catalogue`).
//!
//! What the playbooks hold is described in `src/generate.rs`.

#[path = "../bench/generate.rs"]
mod generate;

use std::path::PathBuf;

fn main() {
    let mut steps = 1000usize;
    let mut files = 1usize;
    let mut out = PathBuf::from("generated");
    let mut wide = None;
    let mut size = 1000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_default();
        match arg.as_str() {
            "--steps" => steps = value.parse().expect("--steps takes a number"),
            "--files" => files = value.parse().expect("--files takes a number"),
            "--out" => out = PathBuf::from(value),
            "--size" => size = value.parse().expect("--size takes a number"),
            "--wide" => {
                let shape = generate::Wide::ALL.into_iter().find(|w| w.name() == value);
                wide = Some(
                    shape.expect("--wide takes enum-set, enum-match, range-match or catalogue"),
                );
            }
            other => panic!(
                "unknown argument `{other}`; use --steps N --files N --out DIR, or --wide SHAPE --size N --out DIR"
            ),
        }
    }
    std::fs::create_dir_all(&out).expect("cannot create the output folder");
    if let Some(shape) = wide {
        let (text, catalogue) = generate::wide(shape, size);
        std::fs::write(out.join("wide.playbook"), text).expect("cannot write a playbook");
        if let Some(c) = catalogue {
            std::fs::write(out.join("wide.zh.toml"), c).expect("cannot write a catalogue");
        }
        return;
    }
    for f in 0..files {
        let name = if files == 1 {
            format!("generated-{steps}.playbook")
        } else {
            format!("generated-{f:05}.playbook")
        };
        std::fs::write(out.join(name), generate::playbook(f, steps))
            .expect("cannot write a playbook");
    }
}
