//! The arguments of `playbook run`, and the options every run command
//! takes turned into a time and an actor.

use super::Failure;
use crate::run::engine::Now;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<RunCommand>,
    /// The playbook to walk through interactively (`playbook run FILE --state PATH`).
    pub file: Option<PathBuf>,
    /// The state file of the interactive run (created when missing).
    #[arg(long)]
    pub state: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
    /// Inputs of a new interactive run, as for `run start`.
    #[arg(long = "input", value_name = "NAME=VALUE")]
    pub inputs: Vec<String>,
    /// When another writer holds the run's lock, wait for it (saying so)
    /// instead of failing at once.
    #[arg(long, global = true)]
    pub wait: bool,
}

/// Options every run command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Who acts (default: the user name).
    #[arg(long, global = true)]
    pub actor: Option<String>,
    /// The time of the command: `2026-11-24T10:00:00Z`, or a date (default:
    /// `PLAYBOOK_NOW`, else the clock).
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,
    /// The playbook to compile instead of the path the state file names
    /// (when it moved); its compiled model must be the run's.
    #[arg(long, global = true, value_name = "FILE")]
    pub playbook: Option<PathBuf>,
    /// The language of the texts, refusals and reports: one of the
    /// playbook's locales. `run start --locale` makes it the run's own
    /// (default: the run's, else the playbook's source locale).
    #[arg(long, global = true, value_name = "LOCALE")]
    pub locale: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum RunCommand {
    /// Start a run of a playbook: compile it, check the inputs, create the state file.
    Start {
        file: PathBuf,
        #[arg(long)]
        state: PathBuf,
        /// An input, `NAME=VALUE` (sets as `a,b`).
        #[arg(long = "input", value_name = "NAME=VALUE")]
        inputs: Vec<String>,
        /// The run's name in `run list` (default: the state file's name).
        #[arg(long)]
        name: Option<String>,
        /// Who answers for the run, shown by `run list` (default: the actor).
        #[arg(long)]
        owner: Option<String>,
    },
    /// Show progress, each step's state, what blocks it and what can be done next.
    Status {
        #[arg(long)]
        state: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Mark instructions done.
    Done {
        #[arg(long)]
        state: PathBuf,
        #[arg(required = true)]
        items: Vec<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Answer a decision.
    Answer {
        #[arg(long)]
        state: PathBuf,
        decision: String,
        value: String,
    },
    /// Record the evidence of an entry or exit criterion.
    Record {
        #[arg(long)]
        state: PathBuf,
        criterion: String,
        /// What was written, and where.
        #[arg(long)]
        evidence: String,
    },
    /// Finish a step (refused while something it needs is missing).
    Complete {
        #[arg(long)]
        state: PathBuf,
        step: String,
    },
    /// Leave out an optional item.
    Skip {
        #[arg(long)]
        state: PathBuf,
        item: String,
        #[arg(long)]
        reason: String,
    },
    /// Take back the latest change (the log keeps both).
    Undo {
        #[arg(long)]
        state: PathBuf,
    },
    /// The audit document of a run.
    Report {
        #[arg(long)]
        state: PathBuf,
        #[arg(long, value_enum)]
        to: ReportFormat,
    },
    /// A table of the runs in folders (and their subfolders) or state files.
    ///
    /// `--playbook ID` keeps the runs of that playbook (an id, or the
    /// playbook's file). Exits 1 when a run listed has a problem.
    List {
        /// Folders to search (with their subfolders), or state files.
        #[arg(default_value = ".", value_name = "DIR|FILE")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        /// Only the runs this person owns.
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        /// Only the runs whose next action date has passed.
        #[arg(long)]
        overdue: bool,
        /// Only the runs whose current step is STEP.
        #[arg(long, value_name = "STEP")]
        step: Option<String>,
        /// Only the runs with a problem (an invalid state file, a playbook
        /// that does not compile or changed).
        #[arg(long)]
        problems: bool,
    },
    /// Show what a changed playbook means for a run; change it with `--apply`.
    Migrate {
        #[arg(long)]
        state: PathBuf,
        file: PathBuf,
        #[arg(long)]
        apply: bool,
        /// Inputs the new playbook adds, `NAME=VALUE`.
        #[arg(long = "input", value_name = "NAME=VALUE")]
        inputs: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// The formats of `run list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Html,
}

/// The time of a command: `--now`/`PLAYBOOK_NOW`, or the clock.
pub fn now(common: &Common) -> Result<Now, Failure> {
    let tz = local_zone();
    let from_env = std::env::var("PLAYBOOK_NOW").ok();
    let given = common.now.as_deref().or(from_env.as_deref());
    let time = match given.map(str::trim).filter(|s| !s.is_empty()) {
        None => jiff::Timestamp::now(),
        Some(text) => parse_time(text, &tz).ok_or_else(|| {
            Failure::usage(format!(
                "`{text}` is not a time: write `2026-11-24T10:00:00Z`, `2026-11-24T10:00` or `2026-11-24`"
            ))
        })?,
    };
    Ok(Now {
        time,
        today: time.to_zoned_datetime(tz).date(),
    })
}

/// The zone that says which day it is: `TZ` as jiff reads it when set,
/// else the zone file `/etc/localtime` read directly. (jiff's own lookup
/// names that zone by listing every file under `/usr/share/zoneinfo`, most
/// of a millisecond of a `run record`; the day needs no name.) Where that
/// file is missing or unreadable, jiff's lookup decides.
pub fn local_zone() -> jiff::tz::TimeZone {
    #[cfg(unix)]
    if std::env::var_os("TZ").is_none()
        && let Ok(data) = std::fs::read("/etc/localtime")
        && let Ok(zone) = jiff::tz::TimeZone::tzif("Local", &data)
    {
        return zone;
    }
    jiff::tz::TimeZone::system()
}

fn parse_time(text: &str, tz: &jiff::tz::TimeZone) -> Option<jiff::Timestamp> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return tz.to_timestamp(dt).ok();
    }
    let date = text.parse::<jiff::civil::Date>().ok()?;
    tz.to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .ok()
}

/// `--actor`, or the user name.
pub fn actor(common: &Common) -> String {
    common
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .or_else(login_name)
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The name of the user running the process, from the password database.
fn login_name() -> Option<String> {
    #[cfg(unix)]
    // SAFETY: getpwuid_r writes into the buffers we pass, sized as given;
    // the name is read only when it reports success.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 1024];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(
            libc::getuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        );
        if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
            return std::ffi::CStr::from_ptr(pwd.pw_name)
                .to_str()
                .ok()
                .map(str::to_string);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_local_zone_gives_the_offsets_of_the_system_zone() {
        let system = jiff::tz::TimeZone::system();
        let local = super::local_zone();
        let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("a time");
        for day in 0..366 {
            let t = start + jiff::SignedDuration::from_hours(24 * day + 3);
            assert_eq!(local.to_offset(t), system.to_offset(t), "at {t}");
        }
    }
}
