//! The parse stage alone, as a whole process: decodes and parses each file
//! named (scanner, pest, lowering to the syntax tree) and prints how many
//! top-level statements and diagnostics it found. `bench/side-by-side.sh`
//! times it beside `playbook check`.
//!
//! ```text
//! cargo run --release --example parse_only -- FILE...
//! ```

// The same allocator as the `playbook` binary, so that the two compare.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use playbook::source::FileId;

fn main() {
    let mut status = 0;
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("error: cannot read `{path}`: {e}");
                status = 2;
                continue;
            }
        };
        let text = match playbook::syntax::decode(FileId(0), &bytes, usize::MAX) {
            Ok(text) => text,
            Err(_) => {
                eprintln!("error: `{path}` is not UTF-8");
                status = 2;
                continue;
            }
        };
        let (tree, diagnostics) = playbook::syntax::parse(FileId(0), &text);
        let statements = tree.map(|t| t.body.len()).unwrap_or(0);
        println!(
            "{path}: {statements} top-level statements, {} diagnostics",
            diagnostics.len()
        );
    }
    std::process::exit(status);
}
