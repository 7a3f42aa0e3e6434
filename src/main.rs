// The compiler allocates many small nodes (AST, IR, diagnostics) and frees
// them all at the end: mimalloc does both markedly faster than the system
// allocator (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use playbook::cli::Lifetime;

fn main() {
    let code = playbook::cli::run(std::env::args_os(), |lifetime| {
        if lifetime == Lifetime::OneShot {
            prompt_purge();
        }
    });
    std::process::exit(code);
}

/// mimalloc asks Linux for transparent huge pages; on a large playbook the
/// kernel then spends more time finding and clearing 2 MiB pages than the
/// compiler spends compiling, and a run command's first allocations cleared
/// two of them, a millisecond (docs/performance.md). Opt this process out
/// before anything allocates: the first entry of the constructors Linux's
/// loader calls (`.init_array` entries with a priority come before those
/// without, mimalloc's among them), so before Rust's runtime starts too.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static NO_TRANSPARENT_HUGE_PAGES: extern "C" fn() = no_transparent_huge_pages;

#[cfg(target_os = "linux")]
extern "C" fn no_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory
    // of ours; a failure (an old kernel) only leaves the default in place.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// mimalloc gives memory that was freed back to the system only after it
/// has stayed free for a second (its default `purge_delay`, 1000 ms). The
/// compiler frees the syntax tree while it builds the model, well within a
/// second: at 10,000 steps `check` peaked 22 MB higher with the default
/// (docs/performance.md). 1 ms costs no measurable time in a command that
/// exits when done; a server (`lsp`, `serve`) keeps the default, or every
/// edit would fault back in the pages the last one gave up (an edit's
/// diagnostics at 10k steps took 10–20% longer).
fn prompt_purge() {
    // `mi_option_purge_delay` in mimalloc's `mi_option_t` (v2 and v3);
    // libmimalloc-sys names only the older options.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: setting an option takes plain integers; mimalloc reads it at
    // its next purge.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 1);
    }
}
