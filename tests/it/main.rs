//! The one integration-test binary. Each module owns one area.

mod acceptance;
mod bpmn;
mod cli;
mod confinement;
mod diagnostics;
mod export;
mod export_browser;
mod export_documents;
mod export_escaping;
mod fmt;
mod formats;
mod generated;
mod hostile;
mod hostile_bounds;
mod language_doc;
mod markdown_seed;
mod md_lines;
mod randomised;
mod rules_doc;
mod run;
mod seed;
