//! Writes valid playbooks of a chosen size, for benchmarks and stress tests.
//!
//! ```text
//! cargo run --release --example generate -- --steps 10000 --out /tmp/pb
//! cargo run --release --example generate -- --steps 12 --files 1000 --out /tmp/many
//! ```
//!
//! What the playbooks hold is described in `src/generate.rs`.

#[path = "../bench/generate.rs"]
mod generate;

use std::path::PathBuf;

fn main() {
    let mut steps = 1000usize;
    let mut files = 1usize;
    let mut out = PathBuf::from("generated");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_default();
        match arg.as_str() {
            "--steps" => steps = value.parse().expect("--steps takes a number"),
            "--files" => files = value.parse().expect("--files takes a number"),
            "--out" => out = PathBuf::from(value),
            other => panic!("unknown argument `{other}`; use --steps N --files N --out DIR"),
        }
    }
    std::fs::create_dir_all(&out).expect("cannot create the output folder");
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
