//! The one integration-test binary. Each module owns one area.

#[path = "../../bench/generate.rs"]
mod generate;

mod acceptance;
mod architecture;
mod bpmn;
mod cli;
mod confinement;
mod customer_documents;
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
mod hostile_findings;
mod import;
mod import_branches;
mod import_corpus;
mod language_doc;
mod lsp;
mod lsp_cache;
mod markdown_seed;
mod md_lines;
mod packaging;
mod randomised;
mod rules_doc;
mod run;
mod run_append;
mod run_audit;
mod run_git;
mod run_list;
mod run_sources;
mod run_walk;
mod safety;
mod scaffold;
mod seed;
mod serve;
mod solver_enumeration;
mod tutorial;
mod vscode;
mod witness_replay;
