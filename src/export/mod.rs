//! Exports of a compiled playbook to documents and other formats: pure
//! functions of the model and a locale.

pub mod html;
pub mod labels;
pub mod markdown;
mod phrase;
