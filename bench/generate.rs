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
