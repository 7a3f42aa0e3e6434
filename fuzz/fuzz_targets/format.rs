//! Format then recompile: formatting keeps the compiled model and the
//! diagnostics, and formatting twice changes nothing
//! (`playbook_fuzz::format_then_recompile`).
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    playbook_fuzz::format_then_recompile(bytes);
});
