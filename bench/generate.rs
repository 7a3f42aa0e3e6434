//! Generated playbooks of any size, for benchmarks and stress tests: not
//! part of the library; `examples/generate.rs`, `benches/pipeline.rs` and
//! the integration tests include this file with `#[path]`.
//!
//! Each playbook has roles, notes, services, an enum, typed inputs, a
//! definition with a `match`, one mandatory task per ten steps, and steps
//! chained by `after` (with an occasional second dependency), each with a
//! reused entry criterion, an exit criterion, instructions, an `if`/`else` on
//! an input, a `match` on the region every fifth step, and a `for each` over
//! the services every seventh. Every generated playbook checks without a
//! diagnostic.

// Each includer uses some of the generators.
#![allow(dead_code)]

use std::fmt::Write as _;

/// The text of one playbook with `steps` steps.
pub fn playbook(seed: usize, steps: usize) -> String {
    let mut s = String::with_capacity(steps * 900);
    let _ = writeln!(s, "// Generated playbook {seed}: {steps} steps.");
    let _ = writeln!(s, "playbook generated-{seed} {{");
    s.push_str(
        r#"  title "Generated process"
  description "A generated playbook for benchmarks"
  phase enable
  owner "bench"
  author "Generator"
  revised 2026-01-01

  phase enable "Enable"
  role manager "Manager"
  role engineer "Engineer"
  role customer "Customer"
  note tracking "Tracking note"
  note engineering "Engineering note"
  service mail "Mail"
  service chat "Chat"
  service files "Files"
  template welcome "Welcome email" url "https://example.com/welcome"
  enum region "Region" {
    north "North"
    south "South"
    east "East"
  }

  input seats: int "Licensed seats"
  input active: int "Active users"
  input region: region "Region"
  input services: set of service "Services in scope"
  input known: bool "Contact known"
  input urgent: bool "Urgent engagement"

  let ready: bool "Ready" = match {
    seats >= 1000 => active >= 100
    seats < 1000 => active >= 10% of seats
  }

  requires ready

"#,
    );
    let tasks = steps.div_ceil(10);
    for t in 0..tasks {
        let _ = writeln!(
            s,
            "  task {} \"Task {t} is complete\" mandatory owner manager applies to all",
            1000 + t
        );
    }
    s.push('\n');
    for i in 0..steps {
        let _ = writeln!(s, "  step s{i} \"Step {i}\" {{");
        s.push_str("    owner manager\n    with engineer, customer\n    applies to all\n");
        if i > 0 {
            if i > 2 && i % 4 == 0 {
                let _ = writeln!(s, "    after s{}, s{}", i - 1, i - 3);
            } else {
                let _ = writeln!(s, "    after s{}", i - 1);
            }
            let _ = writeln!(s, "    entry done-{}", i - 1);
        } else {
            s.push_str("    entry start \"The engagement is open\" in tracking\n");
        }
        let _ = writeln!(s, "    do prepare-{i} \"Prepare step {i}.\"");
        let _ = writeln!(s, "    if known {{");
        let _ = writeln!(
            s,
            "      do contact-{i} \"Contact the customer about step {i} with the {{welcome}}.\" {{"
        );
        s.push_str("        send welcome to customer\n      }\n    } else {\n");
        let _ = writeln!(
            s,
            "      do find-contact-{i} \"Find a contact for step {i}.\""
        );
        s.push_str("    }\n");
        if i % 5 == 0 {
            s.push_str("    match region {\n");
            let _ = writeln!(
                s,
                "      north => {{ do north-{i} \"Use the northern queue.\" }}"
            );
            let _ = writeln!(
                s,
                "      south, east => {{ do south-{i} \"Use the southern queue.\" }}"
            );
            s.push_str("    }\n");
        }
        if i % 7 == 0 {
            let _ = writeln!(s, "    for each service in services {{");
            let _ = writeln!(
                s,
                "      do review-{i} \"Review {{service}} for step {i}.\""
            );
            s.push_str("    }\n");
        }
        if i % 10 == 9 || i + 1 == steps {
            let _ = writeln!(s, "    do close-{i} \"Close the task of this block.\" {{");
            let _ = writeln!(s, "      complete task {}", 1000 + i / 10);
            s.push_str("    }\n");
        }
        let _ = writeln!(s, "    tip tip-{i} \"Keep the customer informed.\"");
        let _ = writeln!(
            s,
            "    exit done-{i} \"Step {i} documented in the engineering note\" in engineering"
        );
        let _ = writeln!(
            s,
            "    exit urgent-{i} \"Escalation noted\" in tracking when urgent"
        );
        s.push_str("  }\n");
    }
    s.push_str("}\n");
    s
}

/// The text of a playbook with `steps` one-line steps, each with only an
/// owner (31 bytes a step): the most steps per byte, for stress tests
/// (`tests/it/hostile_bounds.rs`). Its only diagnostics are an `empty-step`
/// warning per step.
pub fn many_steps(steps: usize) -> String {
    let mut s = String::with_capacity(steps * 32 + 256);
    s.push_str(
        "playbook many {\n  title \"Many steps\"\n  description \"One line a step\"\n  phase enable \"Enable\"\n  phase enable\n  owner \"bench\"\n  author \"Generator\"\n  revised 2026-01-01\n  role r \"R\"\n",
    );
    for i in 0..steps {
        let _ = writeln!(s, "  step s{i} \"S\" {{ owner r }}");
    }
    s.push_str("}\n");
    s
}

/// One construct repeated `n` times, for the scaling of the checks that
/// read it (`bench/wide.sh`).
#[derive(Clone, Copy, Debug)]
pub enum Wide {
    /// An enum of `n` values, the type of a `set of` input.
    EnumSet,
    /// A `match` on an enum of `n` values, one arm for each.
    EnumMatch,
    /// A `match` of `n` conditions, each a range of one number.
    RangeMatch,
    /// A translation catalogue of `n` keys the playbook does not have.
    Catalogue,
}

impl Wide {
    pub const ALL: [Wide; 4] = [
        Wide::EnumSet,
        Wide::EnumMatch,
        Wide::RangeMatch,
        Wide::Catalogue,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Wide::EnumSet => "enum-set",
            Wide::EnumMatch => "enum-match",
            Wide::RangeMatch => "range-match",
            Wide::Catalogue => "catalogue",
        }
    }
}

/// The playbook of `shape` with `n` of its construct, and for
/// [`Wide::Catalogue`] the catalogue's text, to be saved as `wide.zh.toml`
/// beside it.
pub fn wide(shape: Wide, n: usize) -> (String, Option<String>) {
    let mut s = String::with_capacity(n * 40 + 1024);
    s.push_str(
        r#"playbook wide {
  title "Wide"
  description "One construct many times"
  phase enable
  owner "bench"
  author "Generator"
  revised 2026-01-01
  phase enable "Enable"
  role fm "FastTrack Manager"
"#,
    );
    let values = |s: &mut String| {
        s.push_str("  enum choice {");
        for i in 0..n {
            let _ = write!(s, " v{i}");
        }
        s.push_str(" }\n");
    };
    let mut task = "do a \"A\"".to_string();
    let mut catalogue = None;
    match shape {
        Wide::EnumSet => {
            values(&mut s);
            s.push_str("  input picked: set of choice \"Picked\"\n");
            task = "if v0 in picked {\n      do a \"A\"\n    }".to_string();
        }
        Wide::EnumMatch => {
            values(&mut s);
            s.push_str("  input picked: choice \"Picked\"\n  let n = match picked {\n");
            for i in 0..n {
                let _ = writeln!(s, "    v{i} => {i}");
            }
            s.push_str("  }\n");
            task = "do a \"A {n}\"".to_string();
        }
        Wide::RangeMatch => {
            s.push_str("  input seats: int \"Seats\"\n  let n = match {\n");
            for i in 0..n {
                let _ = writeln!(s, "    seats >= {i} and seats < {} => {i}", i + 1);
            }
            s.push_str("    else => 0\n  }\n");
            task = "do a \"A {n}\"".to_string();
        }
        Wide::Catalogue => {
            s.push_str("  translation zh \"wide.zh.toml\"\n");
            let mut c = String::with_capacity(n * 80 + 64);
            c.push_str("locale = \"zh\"\n\n[texts]\n");
            // The playbook's own texts, then the keys it does not have.
            for (key, source) in [
                ("title", "Wide"),
                ("description", "One construct many times"),
                ("phase.enable", "Enable"),
                ("role.fm", "FastTrack Manager"),
                ("step.plan", "Plan"),
                ("item.a", "A"),
            ] {
                let _ = writeln!(
                    c,
                    "\"{key}\" = {{ text = \"译 {source}\", source = \"{source}\" }}"
                );
            }
            for i in 0..n {
                let _ = writeln!(
                    c,
                    "\"task.unknown-{i}\" = {{ text = \"未知 {i}\", source = \"Unknown {i}\" }}"
                );
            }
            catalogue = Some(c);
        }
    }
    let _ = write!(
        s,
        "  step plan \"Plan\" {{\n    owner fm\n    {task}\n  }}\n}}\n"
    );
    (s, catalogue)
}
