//! The language server's requests on any document, at any position: one
//! answer per request, no panic (`playbook_fuzz::lsp_requests`).
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    playbook_fuzz::lsp_requests(bytes);
});
