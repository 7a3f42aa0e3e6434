//! The command line: one file per subcommand.
//!
//! Exit codes: 0 clean, 1 problems found, 2 usage or I/O error.

mod check;
mod explain;
mod export;
mod fmt;
mod github;
mod import;
mod lsp;
mod man;
mod new;
mod out;
mod project;
mod run;
mod sarif;
mod serve;

use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::Write;

/// Exit code: nothing wrong.
pub const EXIT_OK: i32 = 0;
/// Exit code: the input has errors (or warnings under `--deny-warnings`).
pub const EXIT_PROBLEMS: i32 = 1;
/// Exit code: bad arguments, or a file that cannot be read.
pub const EXIT_USAGE: i32 = 2;

/// Compile and check business-process playbooks.
#[derive(Debug, Parser)]
#[command(
    name = "playbook",
    version,
    about = "Compile and check business-process playbooks",
    long_about = "Compile and check business-process playbooks.\n\n\
        Playbooks are `.playbook` source files: steps, the roles that own them, tasks, \
        quality gates, typed inputs, decisions and loops. `playbook check` proves them \
        well formed and complete on every path, and reports every problem with a stable code.\n\n\
        Exit codes: 0 no problems, 1 problems found, 2 usage or I/O error.",
    after_help = "Run `playbook explain CODE` for the meaning of a diagnostic code."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile playbooks and report their problems.
    ///
    /// Checks each file given, and every `*.playbook` file below each folder
    /// given (honouring `.gitignore`). Without paths, checks the current folder.
    Check(check::Args),
    /// Explain a diagnostic code, e.g. `playbook explain undefined-reference`.
    Explain(explain::Args),
    /// Write a playbook as JSON, a DOT or Mermaid diagram, or a document.
    ///
    /// Compiles the file (refusing one with errors) and writes it in the
    /// format asked for. `--input NAME=VALUE` exports it for one customer,
    /// leaving out what cannot apply. See docs/export.md.
    Export(export::Args),
    /// Lay playbooks out in the canonical layout.
    ///
    /// Rewrites each file given, and every `*.playbook` file below each
    /// folder given (honouring `.gitignore`), in place. Only the layout
    /// changes: comments, blank lines between groups and the compiled model
    /// stay. A file with errors is left as it is. With `--check`, changes
    /// nothing and prints a diff for each file that is not formatted.
    ///
    /// Exit codes: 0 every file formatted, 1 a file with errors or (with
    /// `--check`) one not formatted, 2 usage or I/O error.
    Fmt(fmt::Args),
    /// Convert Markdown playbooks into source.
    ///
    /// Writes `NAME.playbook` for each FastTrack-style Markdown file, in the
    /// canonical layout; what it cannot map is kept as text and reported
    /// with its Markdown line. With `--merge INTO.playbook`, adds the
    /// documents' texts to that playbook as a translation catalogue and
    /// reports where the languages drift apart. See docs/import.md.
    Import(import::Args),
    /// Run the language server over standard input and output, for editors.
    ///
    /// Reports the diagnostics of `playbook check` as you type, and answers
    /// hover, go to definition, references, rename, outline, completion,
    /// formatting and quick fixes.
    Lsp(lsp::Args),
    /// Create a folder with a minimal playbook that checks clean.
    ///
    /// Writes NAME/NAME.playbook, formatted, a translation catalogue
    /// NAME/NAME.L.toml for each `--locale` after the first, and
    /// NAME/Playbook.toml requiring every locale.
    New(new::Args),
    /// Write the manual pages (for packagers).
    #[command(hide = true)]
    Man(man::Args),
    /// Run a playbook: start a run, follow it step by step, audit it.
    ///
    /// `playbook run FILE --state PATH` on a terminal walks through the run
    /// interactively; the subcommands do one thing each, for scripts. State
    /// files, commands and exit codes are described in docs/run.md.
    Run(Box<run::Args>),
    /// Serve the runs of a folder as a web checklist on this machine.
    ///
    /// A dashboard of the runs (as `run list` shows them) and a page per
    /// run where its items are ticked, decisions answered, evidence
    /// recorded and steps completed, with the validation, audit log and
    /// lock of `playbook run`. Listens on 127.0.0.1 unless `--bind` and
    /// `--allow-remote` say otherwise. See docs/run.md.
    Serve(Box<serve::Args>),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set or `TERM=dumb`;
    /// `FORCE_COLOR` or `CLICOLOR_FORCE` colour off a terminal too.
    Auto,
    Always,
    Never,
}

/// How long a command's process lives, for settings that suit one and not
/// the other (the binary's allocator gives freed memory back sooner to a
/// process that exits soon anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Does its work and exits.
    OneShot,
    /// Answers requests until it is stopped: `lsp`, `serve`.
    Serving,
}

/// Runs the command line; returns the exit code. `prepare` is told, once
/// the arguments are parsed, how long the process is going to live.
pub fn run(args: impl IntoIterator<Item = OsString>, prepare: impl FnOnce(Lifetime)) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    prepare(match cli.command {
        Command::Lsp(_) | Command::Serve(_) => Lifetime::Serving,
        _ => Lifetime::OneShot,
    });
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Lsp(args) => lsp::run(&args),
        Command::New(args) => new::run(&args),
        Command::Man(args) => man::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            // The generators panic on a write error: generate in memory.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "playbook", &mut script);
            let _ = out::stdout().write_all(&script);
            EXIT_OK
        }
    };
    out::finish(code)
}

/// Whether to colour output written to stderr.
fn use_color(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    color_wanted(
        choice,
        |name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
        std::io::stderr().is_terminal(),
    )
}

/// The colour decision: `--color always|never` wins; under `auto`, a
/// non-empty `NO_COLOR` turns colour off, a non-empty `FORCE_COLOR` or
/// `CLICOLOR_FORCE` (other than `0`) turns it on even off a terminal,
/// `TERM=dumb` turns it off, and otherwise colour is used on a terminal.
fn color_wanted(choice: ColorChoice, env: impl Fn(&str) -> Option<String>, terminal: bool) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    let forced = |name: &str| env(name).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto if forced("FORCE_COLOR") || forced("CLICOLOR_FORCE") => true,
        ColorChoice::Auto if env("TERM").as_deref() == Some("dumb") => false,
        ColorChoice::Auto => terminal,
    }
}

/// The width to render diagnostics at.
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::{ColorChoice, color_wanted};

    fn wanted(choice: ColorChoice, vars: &[(&str, &str)], terminal: bool) -> bool {
        color_wanted(
            choice,
            |name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            },
            terminal,
        )
    }

    #[test]
    fn colour_follows_the_flag_then_the_environment() {
        use ColorChoice::{Always, Auto, Never};
        assert!(wanted(Auto, &[], true));
        assert!(!wanted(Auto, &[], false));
        assert!(!wanted(Auto, &[("NO_COLOR", "1")], true));
        assert!(wanted(Auto, &[("NO_COLOR", "")], true));
        assert!(wanted(Auto, &[("FORCE_COLOR", "1")], false));
        assert!(wanted(Auto, &[("CLICOLOR_FORCE", "1")], false));
        assert!(!wanted(Auto, &[("CLICOLOR_FORCE", "0")], false));
        assert!(!wanted(Auto, &[("TERM", "dumb")], true));
        assert!(wanted(
            Auto,
            &[("TERM", "dumb"), ("FORCE_COLOR", "1")],
            true
        ));
        assert!(!wanted(
            Auto,
            &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")],
            true
        ));
        assert!(wanted(
            Always,
            &[("NO_COLOR", "1"), ("TERM", "dumb")],
            false
        ));
        assert!(!wanted(Never, &[("FORCE_COLOR", "1")], true));
    }
}
