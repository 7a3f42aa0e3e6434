//! The one integration-test binary. Each module owns one area.

mod acceptance;
mod cli;
mod diagnostics;
mod formats;
mod generated;
mod hostile;
mod language_doc;
mod rules_doc;
mod run;
mod seed;
