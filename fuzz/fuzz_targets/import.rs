//! Import from Markdown bytes: any document ends in a source that parses,
//! is formatted and compiles, and in diagnostics inside the document
//! (`playbook_fuzz::import`).
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    playbook_fuzz::import(bytes);
});
