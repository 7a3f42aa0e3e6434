//! `playbook lsp`: the language server, for editors (`src/lsp/`).

use super::{EXIT_OK, EXIT_USAGE};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Talk over standard input and output (the only transport, and the default).
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_args: &Args) -> i32 {
    match crate::lsp::serve_stdio() {
        Ok(()) => EXIT_OK,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
    }
}
