//! The one integration-test binary. Each module owns one area.

mod cli;
mod diagnostics;
mod generated;
mod hostile;
mod language_doc;
mod rules_doc;
mod seed;
