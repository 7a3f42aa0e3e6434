//! Load a run state file: any bytes end in a run of the shipped enablement
//! playbook or a fault inside the file; a loaded run is written and read
//! back unchanged (`playbook_fuzz::run_state`).
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    playbook_fuzz::run_state(bytes);
});
