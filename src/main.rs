// The compiler allocates many small nodes (AST, IR, diagnostics) and frees
// them all at the end: mimalloc does both markedly faster than the system
// allocator (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    no_transparent_huge_pages();
    std::process::exit(playbook::cli::run(std::env::args_os()));
}

/// mimalloc asks Linux for transparent huge pages; on a large playbook the
/// kernel then spends more time finding and clearing 2 MiB pages than the
/// compiler spends compiling (docs/performance.md). Opt this process out.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory
    // of ours; a failure (an old kernel) only leaves the default in place.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
