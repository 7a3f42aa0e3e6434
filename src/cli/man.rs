//! `playbook man --out DIR`: the manual pages, generated from the clap
//! definition (hidden; `docs/man/` holds the committed pages and a test
//! fails when they are stale). The folder is always named, and each file
//! written is named on standard output: nothing is written silently.

use super::{EXIT_OK, EXIT_USAGE};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to write `playbook.1` and `playbook-COMMAND.1` into
    /// (created if missing), e.g. `docs/man`.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Every page: file name and contents.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let command = <super::Cli as clap::CommandFactory>::command();
    let mut pages = Vec::new();
    let mut render = |name: String, command: clap::Command| {
        let mut out = Vec::new();
        // Writing to memory cannot fail.
        let _ = clap_mangen::Man::new(command).render(&mut out);
        pages.push((format!("{name}.1"), out));
    };
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        // A page's title is the command's name: clap wants it `'static`,
        // and this runs once per page of a short-lived process.
        let name: &'static str = Box::leak(format!("playbook-{}", sub.get_name()).into_boxed_str());
        render(
            name.to_string(),
            sub.clone().name(name).version(env!("CARGO_PKG_VERSION")),
        );
    }
    render("playbook".to_string(), command);
    pages.sort();
    pages
}

pub fn run(args: &Args) -> i32 {
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!(
            "error: cannot create `{}`: {}",
            args.out.display(),
            crate::fs::describe(&e)
        );
        return EXIT_USAGE;
    }
    for (name, page) in pages() {
        let path = args.out.join(&name);
        if let Err(e) = std::fs::write(&path, page) {
            eprintln!(
                "error: cannot write `{}`: {}",
                path.display(),
                crate::fs::describe(&e)
            );
            return EXIT_USAGE;
        }
        super::out::outln!("wrote `{}`", path.display());
    }
    EXIT_OK
}
