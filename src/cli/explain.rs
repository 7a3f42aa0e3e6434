//! `playbook explain CODE`: what a diagnostic code means.

use super::{EXIT_OK, EXIT_USAGE};
use crate::registry::Code;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A diagnostic code, such as `undefined-reference`.
    pub code: String,
}

pub fn run(args: &Args) -> i32 {
    match Code::from_name(&args.code) {
        Some(code) => {
            println!("{} ({})", code.name(), code.default_severity().as_str());
            println!();
            println!("{}", code.summary());
            EXIT_OK
        }
        None => {
            let names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
            let hint = crate::resolve::closest_name(&args.code, &names)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            eprintln!("error: `{}` is not a diagnostic code{hint}", args.code);
            EXIT_USAGE
        }
    }
}
