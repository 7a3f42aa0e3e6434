//! `playbook serve`: the runs of a folder as a web checklist on this
//! machine (`crate::serve`). Binds 127.0.0.1 unless told otherwise, and a
//! non-loopback address only with `--allow-remote`.

use super::run::{Common, describe, now};
use super::{EXIT_OK, EXIT_USAGE};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder whose runs (state files) are served, with its subfolders.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// The port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Allow a `--bind` address other than this machine's: anyone who can
    /// reach it can change the runs.
    #[arg(long)]
    pub allow_remote: bool,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: &Args) -> i32 {
    let usage = |text: String| {
        eprintln!("error: {text}");
        EXIT_USAGE
    };
    let addr = SocketAddr::new(args.bind, args.port);
    if let Err(e) = crate::serve::check_bind(&addr, args.allow_remote) {
        return usage(e);
    }
    if !args.dir.is_dir() {
        return usage(format!("`{}` is not a folder", args.dir.display()));
    }
    if let Err(f) = now(&args.common) {
        eprint!("{}", f.text);
        return f.code;
    }
    let common = args.common.clone();
    let config = crate::serve::Config {
        dir: args.dir.clone(),
        addr,
        allow_remote: args.allow_remote,
        actor: super::run::actor(&args.common),
        now: Arc::new(move || now(&common).unwrap_or_else(|_| unreachable_now())),
        describe,
        // `--locale`: the language of the pages, instead of each run's own.
        locale: args.common.locale.clone(),
    };
    let served = crate::serve::serve(config, |local| {
        let line = format!(
            "serving the runs of `{}` on http://{local}/",
            args.dir.display()
        );
        super::out::outln!("{}", crate::escape::terminal(&line));
        super::out::outln!("press Ctrl-C to stop");
        let _ = std::io::Write::flush(&mut std::io::stdout());
    });
    match served {
        Ok(()) => EXIT_OK,
        Err(e) => usage(e),
    }
}

/// The time now, for a `--now` that parsed once and so always does.
fn unreachable_now() -> crate::run::engine::Now {
    let time = jiff::Timestamp::now();
    crate::run::engine::Now {
        time,
        today: time.to_zoned_datetime(jiff::tz::TimeZone::system()).date(),
    }
}
