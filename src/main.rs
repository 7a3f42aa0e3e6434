// The compiler allocates many small nodes (AST, IR, diagnostics) and frees
// them all at the end: mimalloc does both markedly faster than the system
// allocator (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(playbook::cli::run(std::env::args_os()));
}
