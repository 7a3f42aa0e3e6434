//! Compile from bytes: any bytes end in a model or an error diagnostic,
//! never a panic (`playbook_fuzz::compile` lists the promises).
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    playbook_fuzz::compile(bytes);
});
