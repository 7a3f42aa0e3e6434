//! `playbook explain CODE`: what a diagnostic code means.
//!
//! Prints the code's page from the registry, the same text as
//! `docs/rules/CODE.md`; `--list` prints every code on one line.

use super::{EXIT_OK, EXIT_USAGE};
use crate::registry::Code;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A diagnostic code, such as `undefined-reference`.
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every code with its default severity and summary.
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
}

pub fn run(args: &Args) -> i32 {
    if args.list {
        super::out::out!("{}", list());
        return EXIT_OK;
    }
    let name = args.code.as_deref().unwrap_or_default();
    match Code::from_name(name) {
        Some(code) => {
            super::out::out!("{}", code.page());
            EXIT_OK
        }
        None => {
            let names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
            let hint = crate::suggest::closest(name, names.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            eprintln!("error: `{name}` is not a diagnostic code{hint}");
            eprintln!("run `playbook explain --list` to see every code");
            EXIT_USAGE
        }
    }
}

/// One line per code: name, default severity, summary, in columns.
fn list() -> String {
    let width = Code::ALL.iter().map(|c| c.name().len()).max().unwrap_or(0);
    Code::ALL
        .iter()
        .map(|c| {
            format!(
                "{:<width$}  {:<7}  {}\n",
                c.name(),
                c.default_severity().as_str(),
                c.summary()
            )
        })
        .collect()
}
