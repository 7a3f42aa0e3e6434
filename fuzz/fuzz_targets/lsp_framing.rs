//! The language server's message framing: any bytes read as its input end
//! in messages and error answers, never a panic, an abort or unbounded
//! memory (`playbook_fuzz::lsp_framing`).
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    playbook_fuzz::lsp_framing(bytes);
});
