//! Exports of a compiled playbook to other formats: pure functions of the model and a locale.

pub mod bpmn;
