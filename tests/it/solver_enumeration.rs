//! The solver's verdicts against brute force: random small playbooks over
//! ints, an enum, a set of services and a date, whose own `requires` bounds
//! every input to a small domain. For each, `check` must report
//! `unreachable-step`, `non-exhaustive-branch` and `overlapping-branch`
//! exactly when enumerating that domain through the run engine finds no
//! run reaching the step, a run no arm covers, or a run two arms cover (no
//! missed witness, no false claim), and every witness it reports must be
//! such a run.
//!
//! The playbooks come from a fixed seed, so a failure reproduces; proptest
//! shrinks it to a small playbook, printed with the disagreement.

use playbook::diagnostic::Diagnostic;
use playbook::registry::Code;
use playbook::run::engine::parse_inputs;
use playbook::run::{Now, Run};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::fmt::Write as _;

/// Playbooks each run of the test checks; `PLAYBOOK_ENUMERATION_CASES`
/// asks for more (and `PLAYBOOK_ENUMERATION_SEED` for another seed).
const CASES: u32 = 48;

const SERVICES: [&str; 3] = ["teams", "exchange", "sharepoint"];
const TIERS: [&str; 3] = ["gold", "silver", "bronze"];
/// The bounds of both int inputs.
const INTS: (i64, i64) = (-2, 3);
/// Windows of six days the date input ranges over: a year's end, a leap
/// February's end, a common February's end, January's end (a month later
/// is clamped to February's last day).
const WINDOWS: [(&str, [&str; 6]); 4] = [
    (
        "2023-12-29",
        [
            "2023-12-29",
            "2023-12-30",
            "2023-12-31",
            "2024-01-01",
            "2024-01-02",
            "2024-01-03",
        ],
    ),
    (
        "2024-02-26",
        [
            "2024-02-26",
            "2024-02-27",
            "2024-02-28",
            "2024-02-29",
            "2024-03-01",
            "2024-03-02",
        ],
    ),
    (
        "2023-02-25",
        [
            "2023-02-25",
            "2023-02-26",
            "2023-02-27",
            "2023-02-28",
            "2023-03-01",
            "2023-03-02",
        ],
    ),
    (
        "2024-01-28",
        [
            "2024-01-28",
            "2024-01-29",
            "2024-01-30",
            "2024-01-31",
            "2024-02-01",
            "2024-02-02",
        ],
    ),
];

#[derive(Debug, Clone, Copy)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    fn text(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }
}

#[derive(Debug, Clone)]
enum IntTerm {
    N,
    M,
    Const(i64),
    Sum,
    Difference,
    /// `P% of n` or `P% of m`.
    Percent(u32, bool),
    Count,
    Year,
    /// The days from a date to `d`.
    DaysSince(String),
}

#[derive(Debug, Clone)]
enum DateTerm {
    D,
    PlusDays(i64),
    PlusMonths(i64),
    PlusYear,
    /// `MONTH DAY of (year of d)`.
    DayOfYear(&'static str, u32),
}

#[derive(Debug, Clone)]
enum Cond {
    Ints(IntTerm, Op, IntTerm),
    Tier(bool, usize),
    TierIn(Vec<usize>),
    Member(usize, bool),
    SetIs(u8),
    Dates(DateTerm, Op, String),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

fn set_text(mask: u8) -> String {
    let names: Vec<&str> = (0..3)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| SERVICES[i])
        .collect();
    format!("{{{}}}", names.join(", "))
}

impl IntTerm {
    fn text(&self) -> String {
        match self {
            IntTerm::N => "n".to_string(),
            IntTerm::M => "m".to_string(),
            IntTerm::Const(c) => c.to_string(),
            IntTerm::Sum => "(n + m)".to_string(),
            IntTerm::Difference => "(n - m)".to_string(),
            IntTerm::Percent(p, n) => format!("{p}% of {}", if *n { "n" } else { "m" }),
            IntTerm::Count => "count of svcs".to_string(),
            IntTerm::Year => "year of d".to_string(),
            IntTerm::DaysSince(date) => format!("(d - {date})"),
        }
    }
}

impl DateTerm {
    fn text(&self) -> String {
        match self {
            DateTerm::D => "d".to_string(),
            DateTerm::PlusDays(k) if *k < 0 => format!("d - {} days", -k),
            DateTerm::PlusDays(k) => format!("d + {k} days"),
            DateTerm::PlusMonths(k) if *k < 0 => format!("d - {} months", -k),
            DateTerm::PlusMonths(k) => format!("d + {k} months"),
            DateTerm::PlusYear => "d + 1 year".to_string(),
            DateTerm::DayOfYear(month, day) => format!("{month} {day} of (year of d)"),
        }
    }
}

impl Cond {
    fn text(&self) -> String {
        match self {
            Cond::Ints(a, op, b) => format!("{} {} {}", a.text(), op.text(), b.text()),
            Cond::Tier(eq, v) => format!("t {} {}", if *eq { "==" } else { "!=" }, TIERS[*v]),
            Cond::TierIn(vs) => {
                let names: Vec<&str> = vs.iter().map(|v| TIERS[*v]).collect();
                format!("t in {{{}}}", names.join(", "))
            }
            Cond::Member(s, yes) => {
                format!(
                    "{} {} svcs",
                    SERVICES[*s],
                    if *yes { "in" } else { "not in" }
                )
            }
            Cond::SetIs(mask) => format!("svcs == {}", set_text(*mask)),
            Cond::Dates(a, op, date) => format!("{} {} {date}", a.text(), op.text()),
            Cond::Not(c) => format!("not ({})", c.text()),
            Cond::And(a, b) => format!("({}) and ({})", a.text(), b.text()),
            Cond::Or(a, b) => format!("({}) or ({})", a.text(), b.text()),
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Lt),
        Just(Op::Le),
        Just(Op::Gt),
        Just(Op::Ge),
        Just(Op::Eq),
        Just(Op::Ne)
    ]
}

/// A date near the windows, or one of the days the calendar is hard on.
fn date_literal() -> impl Strategy<Value = String> {
    let near: Vec<String> = WINDOWS
        .iter()
        .flat_map(|(_, days)| days.iter().map(|d| d.to_string()))
        .chain(
            [
                "2023-12-28",
                "2024-01-04",
                "2024-02-25",
                "2024-03-03",
                "2024-03-31",
                "2024-12-31",
                "2025-02-28",
                "2025-03-01",
                "2023-01-31",
                "2022-12-31",
            ]
            .iter()
            .map(|d| d.to_string()),
        )
        .collect();
    prop::sample::select(near)
}

fn int_term() -> impl Strategy<Value = IntTerm> {
    prop_oneof![
        3 => Just(IntTerm::N),
        2 => Just(IntTerm::M),
        3 => (-3i64..=4).prop_map(IntTerm::Const),
        1 => Just(IntTerm::Sum),
        1 => Just(IntTerm::Difference),
        2 => (prop::sample::select(vec![10u32, 25, 50, 150, 200]), any::<bool>())
            .prop_map(|(p, n)| IntTerm::Percent(p, n)),
        2 => Just(IntTerm::Count),
        1 => Just(IntTerm::Year),
        1 => date_literal().prop_map(IntTerm::DaysSince),
    ]
}

/// Constants a year or a count is compared with.
fn year_or_small() -> impl Strategy<Value = IntTerm> {
    prop_oneof![
        (2022i64..=2025).prop_map(IntTerm::Const),
        (0i64..=3).prop_map(IntTerm::Const),
    ]
}

fn date_term() -> impl Strategy<Value = DateTerm> {
    prop_oneof![
        3 => Just(DateTerm::D),
        2 => (-3i64..=3).prop_map(DateTerm::PlusDays),
        2 => (-1i64..=1).prop_map(DateTerm::PlusMonths),
        1 => Just(DateTerm::PlusYear),
        1 => prop::sample::select(vec![
            ("february", 29u32),
            ("march", 1),
            ("december", 31),
            ("january", 1),
        ])
        .prop_map(|(m, d)| DateTerm::DayOfYear(m, d)),
    ]
}

fn atom() -> impl Strategy<Value = Cond> {
    prop_oneof![
        4 => (int_term(), op(), int_term()).prop_map(|(a, o, b)| Cond::Ints(a, o, b)),
        1 => (prop_oneof![Just(IntTerm::Year), Just(IntTerm::Count)], op(), year_or_small())
            .prop_map(|(a, o, b)| Cond::Ints(a, o, b)),
        1 => (any::<bool>(), 0usize..3).prop_map(|(e, v)| Cond::Tier(e, v)),
        1 => prop::sample::subsequence(vec![0usize, 1, 2], 1..=2).prop_map(Cond::TierIn),
        2 => (0usize..3, any::<bool>()).prop_map(|(s, y)| Cond::Member(s, y)),
        1 => (0u8..8).prop_map(Cond::SetIs),
        3 => (date_term(), op(), date_literal()).prop_map(|(a, o, d)| Cond::Dates(a, o, d)),
    ]
}

fn cond() -> impl Strategy<Value = Cond> {
    atom().prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
        ]
    })
}

/// One generated playbook: guarded steps and a `match` among items.
#[derive(Debug, Clone)]
struct Case {
    window: usize,
    guards: Vec<Cond>,
    arms: Vec<Cond>,
    with_else: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..WINDOWS.len(),
        prop::collection::vec(cond(), 1..=3),
        prop::collection::vec(cond(), 2..=3),
        prop::bool::weighted(0.25),
    )
        .prop_map(|(window, guards, arms, with_else)| Case {
            window,
            guards,
            arms,
            with_else,
        })
}

impl Case {
    /// The declarations and the `requires` that bound every input.
    fn head(&self, id: &str) -> String {
        let (first, days) = WINDOWS[self.window];
        let mut s =
            format!("playbook {id} {{\n  title \"Enumerated\"\n  role fm \"FastTrack Manager\"\n");
        for svc in SERVICES {
            writeln!(s, "  service {svc} \"{svc}\"").unwrap();
        }
        writeln!(s, "  enum tier \"Tier\" {{ {} }}", TIERS.join(" ")).unwrap();
        s.push_str("  input n: int \"N\"\n  input m: int \"M\"\n  input t: tier \"T\"\n");
        s.push_str("  input svcs: set of service \"Services\"\n  input d: date \"D\"\n");
        writeln!(
            s,
            "  requires n >= {lo} and n <= {hi} and m >= {lo} and m <= {hi} and d >= {first} and d <= {last}",
            lo = INTS.0,
            hi = INTS.1,
            last = days[5]
        )
        .unwrap();
        s
    }

    /// The playbook under test.
    fn subject(&self) -> String {
        let mut s = self.head("subject");
        for (i, g) in self.guards.iter().enumerate() {
            writeln!(
                s,
                "  step s{i} \"S{i}\" {{\n    owner fm\n    requires {}\n    do a{i} \"A {{n}} {{m}} {{t}} {{svcs}} {{d}}.\"\n  }}",
                g.text()
            )
            .unwrap();
        }
        s.push_str("  step k \"K\" {\n    owner fm\n    match {\n");
        for (i, arm) in self.arms.iter().enumerate() {
            writeln!(s, "      {} => {{ do x{i} \"X.\" }}", arm.text()).unwrap();
        }
        if self.with_else {
            s.push_str("      else => { do other \"Other.\" }\n");
        }
        s.push_str("    }\n  }\n}\n");
        s
    }

    /// The oracle: the same inputs, each condition a definition the run
    /// engine computes when a run starts.
    fn oracle(&self) -> String {
        let mut s = self.head("oracle");
        for (i, g) in self.guards.iter().enumerate() {
            writeln!(s, "  let g{i}: bool = {}", g.text()).unwrap();
        }
        for (i, a) in self.arms.iter().enumerate() {
            writeln!(s, "  let a{i}: bool = {}", a.text()).unwrap();
        }
        s.push_str(
            "  step k \"K\" {\n    owner fm\n    do x \"{n} {m} {t} {svcs} {d}.\"\n  }\n}\n",
        );
        s
    }
}

/// What the run engine computes for one run: the guards' and the arms'
/// values (false where a value is undefined), or `None` when the playbook's
/// `requires` does not let the run start.
fn truths(
    oracle: &playbook::ir::Playbook,
    given: &[(String, String)],
    guards: usize,
    arms: usize,
) -> Option<(Vec<bool>, Vec<bool>)> {
    let inputs = parse_inputs(oracle, given).expect("oracle inputs parse");
    let now = Now {
        time: "2026-01-01T00:00:00Z".parse().unwrap(),
        today: jiff::civil::date(2026, 1, 1),
    };
    let run = Run::start(oracle, inputs, now, "enumeration").ok()?;
    let lets = run.lets();
    let truth = |id: String| matches!(lets.get(&id), Some(playbook::eval::Value::Bool(true)));
    Some((
        (0..guards).map(|i| truth(format!("g{i}"))).collect(),
        (0..arms).map(|i| truth(format!("a{i}"))).collect(),
    ))
}

/// Every run the domain holds.
fn domain(window: usize) -> Vec<Vec<(String, String)>> {
    let mut out = Vec::new();
    for n in INTS.0..=INTS.1 {
        for m in INTS.0..=INTS.1 {
            for t in TIERS {
                for mask in 0u8..8 {
                    for d in WINDOWS[window].1 {
                        let svcs: Vec<&str> = (0..3)
                            .filter(|i| mask & (1 << i) != 0)
                            .map(|i| SERVICES[i])
                            .collect();
                        out.push(vec![
                            ("n".to_string(), n.to_string()),
                            ("m".to_string(), m.to_string()),
                            ("t".to_string(), t.to_string()),
                            ("svcs".to_string(), svcs.join(",")),
                            ("d".to_string(), d.to_string()),
                        ]);
                    }
                }
            }
        }
    }
    out
}

/// What enumeration finds, and how often each side of each question came
/// up over all cases (so that the test shows both directions ran).
#[derive(Default, Debug)]
struct Tally {
    reachable: usize,
    unreachable: usize,
    gap: usize,
    no_gap: usize,
    overlap: usize,
    no_overlap: usize,
}

/// The witness's run as inputs, as a run takes them (`{a, b}` for a set).
fn witness_inputs(d: &Diagnostic) -> Vec<(String, String)> {
    let w = d.path.as_ref().expect("a witness");
    w.run
        .iter()
        .filter(|(k, _)| ["n", "m", "t", "svcs", "d"].contains(&k.as_str()))
        .cloned()
        .collect()
}

/// How many arms hold on the witness's run of a diagnostic, with that run.
fn arms_holding(
    d: &Diagnostic,
    oracle: &playbook::ir::Playbook,
    case: &Case,
    subject: &str,
) -> Result<(usize, Vec<(String, String)>), TestCaseError> {
    let given = witness_inputs(d);
    let (_, a) = truths(oracle, &given, case.guards.len(), case.arms.len()).ok_or_else(|| {
        TestCaseError::fail(format!("the witness {given:?} cannot start\n{subject}"))
    })?;
    Ok((a.iter().filter(|x| **x).count(), given))
}

fn one(case: &Case, tally: &mut Tally) -> Result<(), TestCaseError> {
    let subject = case.subject();
    let compiled = playbook::compile_str("subject.playbook", &subject);
    let oracle_text = case.oracle();
    let oracle = playbook::compile_str("oracle.playbook", &oracle_text);
    let oracle = oracle.model.ok_or_else(|| {
        TestCaseError::fail(format!("the oracle does not compile:\n{oracle_text}"))
    })?;
    let codes = |code: Code| -> Vec<&Diagnostic> {
        compiled
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .collect()
    };
    let limits = codes(Code::AnalysisLimit);
    prop_assert!(
        limits.is_empty(),
        "linear questions were left undecided: {:?}\n{subject}",
        limits.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    let other_errors: Vec<&Diagnostic> = compiled
        .diagnostics
        .iter()
        .filter(|d| {
            d.is_error()
                && !matches!(
                    d.code,
                    Code::UnreachableStep | Code::NonExhaustiveBranch | Code::OverlappingBranch
                )
        })
        .collect();
    prop_assert!(
        other_errors.is_empty(),
        "unexpected errors: {:?}\n{subject}",
        other_errors.iter().map(|d| &d.message).collect::<Vec<_>>()
    );

    // Enumerate the domain.
    let guards = case.guards.len();
    let arms = case.arms.len();
    let mut reachable = vec![false; guards];
    let mut gap = false;
    let mut overlap = false;
    let mut runs = 0;
    for given in domain(case.window) {
        let Some((g, a)) = truths(&oracle, &given, guards, arms) else {
            continue;
        };
        runs += 1;
        for (i, yes) in g.iter().enumerate() {
            reachable[i] |= *yes;
        }
        let holding = a.iter().filter(|x| **x).count();
        gap |= holding == 0;
        overlap |= holding >= 2;
    }
    prop_assert_eq!(
        runs,
        6 * 6 * 3 * 8 * 6,
        "the requires bounds the domain exactly"
    );

    // Reachability, step by step.
    let unreachable = codes(Code::UnreachableStep);
    for (i, yes) in reachable.iter().enumerate() {
        let reported = unreachable
            .iter()
            .any(|d| d.message.contains(&format!("step `s{i}`")));
        prop_assert_eq!(
            reported,
            !yes,
            "step s{} (requires {}): enumeration says reachable = {}, check says unreachable = {}\n{}",
            i,
            case.guards[i].text(),
            yes,
            reported,
            subject
        );
        if *yes {
            tally.reachable += 1;
        } else {
            tally.unreachable += 1;
        }
    }

    // Gaps: only without `else`.
    let gaps = codes(Code::NonExhaustiveBranch);
    let expect_gap = gap && !case.with_else;
    prop_assert_eq!(
        !gaps.is_empty(),
        expect_gap,
        "a run no arm covers: enumeration says {}, check says {}\n{}",
        expect_gap,
        !gaps.is_empty(),
        subject
    );
    if !case.with_else {
        if gap {
            tally.gap += 1;
        } else {
            tally.no_gap += 1;
        }
    }
    for d in &gaps {
        let (holding, given) = arms_holding(d, &oracle, case, &subject)?;
        prop_assert!(
            holding == 0,
            "the gap's witness {:?} is covered by an arm\n{}",
            given,
            subject
        );
    }

    // Overlaps.
    let overlaps = codes(Code::OverlappingBranch);
    prop_assert_eq!(
        !overlaps.is_empty(),
        overlap,
        "a run two arms cover: enumeration says {}, check says {}\n{}",
        overlap,
        !overlaps.is_empty(),
        subject
    );
    if overlap {
        tally.overlap += 1;
    } else {
        tally.no_overlap += 1;
    }
    for d in &overlaps {
        let (holding, given) = arms_holding(d, &oracle, case, &subject)?;
        prop_assert!(
            holding >= 2,
            "the overlap's witness {:?} is covered by fewer than two arms\n{}",
            given,
            subject
        );
    }
    Ok(())
}

#[test]
fn solver_verdicts_agree_with_enumeration_of_a_bounded_domain() {
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: std::env::var("PLAYBOOK_ENUMERATION_CASES")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(CASES),
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(
            RngAlgorithm::ChaCha,
            &[std::env::var("PLAYBOOK_ENUMERATION_SEED")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(7u8); 32],
        ),
    );
    let tally = std::cell::RefCell::new(Tally::default());
    let result = runner.run(&case(), |c| one(&c, &mut tally.borrow_mut()));
    if let Err(e) = result {
        panic!("{e}");
    }
    let t = tally.into_inner();
    eprintln!("{t:?}");
    // Both directions came up: the solver was asked to prove and to find.
    assert!(t.reachable > 0 && t.unreachable > 0, "{t:?}");
    assert!(t.gap > 0 && t.no_gap > 0, "{t:?}");
    assert!(t.overlap > 0 && t.no_overlap > 0, "{t:?}");
}
