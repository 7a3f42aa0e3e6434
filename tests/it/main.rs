//! The one integration-test binary. Each module owns one area.

mod cli;
mod diagnostics;
mod hostile;
mod language_doc;
mod rules_doc;
mod seed;
