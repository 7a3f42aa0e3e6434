//! The path questions as formulas, decided by the Z3 SMT solver.
//!
//! Every question a path rule asks ("can this step run?", "is this task
//! completed whatever the inputs?") is a formula over the inputs, the
//! answers to decisions and the day the run reads `today`; the solver says
//! whether some values satisfy it. A model it finds is the witness; when it
//! finds none, that is a proof, not a sample. When Z3 gives up (its
//! resource limit, or a theory it cannot decide, such as a product of two
//! inputs), the question is reported as `analysis-limit`.
//!
//! The encoding follows `eval.rs` and the run engine exactly:
//! - numbers are exact rationals (`N% of x` is `N/100 · x`); int inputs are
//!   integers in the 64-bit range the run accepts;
//! - dates are day numbers, with `year of`, `MONTH DAY of`, and `+`/`-` of
//!   days, weeks, months and years in the proleptic Gregorian calendar
//!   (leap years, and a day past the end of a month clamped to its last day);
//! - an enum value is an index; a set of an enum, one membership per value;
//! - every value carries whether it is defined and, if not, whether the run
//!   waits for it (an unanswered decision) or gives up on it (a division by
//!   zero, a `match` with no arm): `and` and `or` short-circuit as the
//!   evaluator does;
//! - a decision is defined where the step that asks it comes before and
//!   asks it on that run; per element inside a `for each`;
//! - `recorded X`, read in a step, holds when a step before it (or the step
//!   itself, for its own evidence) runs and records X;
//! - a definition read where its value at the start of the run is defined
//!   has that value (the run computes definitions when it starts), and is
//!   computed where it is read otherwise;
//! - each step reads `today` once, on a day not before the days of the
//!   steps it waits for.
//!
//! Formulas are our own terms (`term.rs`), rewritten as they are built, so
//! the questions of a playbook without conditions, and those the rewriting
//! settles (`a and not a`, `x >= 1000` against `x < 1000`), never reach the
//! solver, and no Z3 context is created for them; the answer to each
//! formula is kept, so a repeated condition is decided once.

use super::analysis::{Analysis, Guard, Placed};
pub use super::smt_state::{At, Found, Mode, Outcome, SVar, Smt, Verdict};
use super::smt_state::{Bindings, Number, Raw, SolverSlot, Term, Val};
use super::term::{Bool, Int, Op, Real, T, Translator, nonlinear, walk};
use crate::diagnostic::Witness;
use crate::eval::{Ratio, Value};
use crate::ir::{BinaryOp, DurationUnit, Expr, ExprKind, GateKind, Item, Type};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use z3::{Model, Params, SatResult, Solver};

/// The resource limit of one solver call (Z3's `rlimit`, a count of its
/// internal steps: the same on every machine, unlike a time-out). It is
/// the only limit: a time-out would start Z3's timer on every call, a
/// third of what a typical call costs, and the procedures whose steps Z3
/// does not count (nonlinear arithmetic) ignore interrupts in Z3 4.8, so
/// questions that would need them are answered `analysis-limit` before
/// they reach the solver ([`nonlinear`]).
const RLIMIT: u32 = 5_000_000;

/// Why a question with a product or quotient of two varying values is
/// left undecided.
pub const NONLINEAR: &str =
    "it multiplies or divides two values that vary, which the checks do not decide";

/// Checks the solver's assertions under `assumptions`, within [`RLIMIT`].
fn check_within(solver: &Solver, assumptions: &[z3::ast::Bool]) -> SatResult {
    solver.check_assumptions(assumptions)
}

/// Whether Z3's rewriter alone reduces `f` to false (as it does `a and not
/// a`, the overlap of two arms such as `seats >= 1000` and `seats < 1000`):
/// a proof that costs a fraction of a solver call.
fn proven_false(f: &Bool) -> bool {
    f.as_bool() == Some(false)
}

/// The integer constants of a formula other than 0 and 1 (bounds of its
/// comparisons, constants of its sums), in the order they are first met
/// (depth first, left to right), at most eight.
fn numerals(f: &Bool) -> Vec<i64> {
    let mut out = Vec::new();
    walk(&[&f.0], |t| {
        let k = match t.op() {
            Op::Num(k) | Op::Cmp(_, k) | Op::Lin(_, k) => i64::try_from(*k).ok(),
            _ => None,
        };
        if let Some(n) = k
            && n != 0
            && n != 1
            && !out.contains(&n)
        {
            out.push(n);
        }
        out.len() < 8
    });
    out
}

/// `assumptions` and a fresh literal that implies `f`: asking under them
/// asks about `f` without a `push` and `pop` around it (which cost the
/// solver more than most of our questions). The implication stays, but
/// holds trivially once its literal is no longer assumed.
fn guarded(
    solver: &Solver,
    f: &z3::ast::Bool,
    guard: z3::ast::Bool,
    mut assumptions: Vec<z3::ast::Bool>,
) -> Vec<z3::ast::Bool> {
    solver.assert(guard.implies(f));
    assumptions.push(guard);
    assumptions
}

/// A solver configured for our questions: linear integer arithmetic (the
/// solver for that logic starts several times faster than the general
/// one), with the resource and time limits.
fn new_solver() -> Solver {
    let solver = Solver::new_for_logic("QF_LIA").unwrap_or_default();
    let mut params = Params::new();
    params.set_u32("rlimit", RLIMIT);
    solver.set_params(&params);
    solver
}

thread_local! {
    /// The solver of this thread's default context, which analyses share
    /// in [`Mode::Shared`], each inside its own `push`/`pop` scope.
    static SHARED: std::rc::Rc<Solver> = std::rc::Rc::new(new_solver());
    /// Whether an analysis holds the shared solver's scope; a second one
    /// alive at the same time gets a solver of its own.
    static SHARED_BUSY: Cell<bool> = const { Cell::new(false) };
}

impl SolverSlot {
    fn new(mode: Mode) -> SolverSlot {
        match mode {
            Mode::Shared if !SHARED_BUSY.with(|b| b.replace(true)) => {
                let solver = SHARED.with(|s| s.clone());
                solver.push();
                SolverSlot {
                    solver,
                    shared: true,
                }
            }
            _ => SolverSlot {
                solver: std::rc::Rc::new(new_solver()),
                shared: false,
            },
        }
    }
}

impl Drop for SolverSlot {
    fn drop(&mut self) {
        if self.shared {
            self.solver.pop(1);
            SHARED_BUSY.with(|b| b.set(false));
        }
    }
}

static CALLS: AtomicU64 = AtomicU64::new(0);
static NANOS: AtomicU64 = AtomicU64::new(0);

/// How many questions reached the solver in this process, and how long they
/// took (for benchmarks: `docs/performance.md`).
pub fn solver_stats() -> (u64, std::time::Duration) {
    (
        CALLS.load(Ordering::Relaxed),
        std::time::Duration::from_nanos(NANOS.load(Ordering::Relaxed)),
    )
}

// ---------------------------------------------------------------------
// The calendar, as day numbers (days since 1970-01-01).

/// The day number of a civil date (proleptic Gregorian, with a year 0).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn date_days(d: jiff::civil::Date) -> i64 {
    days_from_civil(d.year() as i64, d.month() as i64, d.day() as i64)
}

fn days_date(z: i64) -> Option<jiff::civil::Date> {
    let (y, m, d) = civil_from_days(z);
    jiff::civil::Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// The first and last day a date can be (jiff's range: years -9999 to 9999).
fn date_range() -> (i64, i64) {
    (days_from_civil(-9999, 1, 1), days_from_civil(9999, 12, 31))
}

fn zi(n: i64) -> Int {
    Int::from_i64(n)
}

/// The day number of January 1 of year `y` (`days_from_civil(y, 1, 1)`).
pub fn year_start(y: i64) -> i64 {
    let p = y - 1;
    365 * p + p.div_euclid(4) - p.div_euclid(100) + p.div_euclid(400) - 719_162
}

/// Days before the first of month `m` (1 to 12) in a year, leap or not.
fn days_before_month(m: i64, leap: bool) -> i64 {
    const CUM: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    CUM[(m - 1) as usize] + i64::from(leap && m > 2)
}

/// The calendar as solver terms. Every division is by a constant and
/// becomes a variable defined by linear bounds (`Analysis::fdiv`,
/// `Analysis::year_of`), which linear integer arithmetic decides: Z3's own
/// `div` and `mod` make it give up on questions about dates.
struct Calendar<'a, 'm> {
    a: &'a Analysis<'m>,
}

impl Calendar<'_, '_> {
    /// January 1 of year `y`.
    fn year_start(&self, y: &Int) -> Int {
        if let Some(y) = y.as_i64() {
            return zi(year_start(y));
        }
        let p = y - 1;
        &p * 365 + self.a.fdiv(&p, 4) - self.a.fdiv(&p, 100) + self.a.fdiv(&p, 400) - 719_162
    }

    /// 1 in a leap year, 0 otherwise.
    fn leap(&self, y: &Int) -> Int {
        self.year_start(&(y + 1)) - self.year_start(y) - 365
    }

    /// Days before the first of month `m` of year `y`.
    fn before_month(&self, y: &Int, m: &Int) -> Int {
        let leap = self.leap(y);
        match m.as_i64() {
            Some(m) if (1..=12).contains(&m) => {
                let base = zi(days_before_month(m, false));
                if m > 2 { base + leap } else { base }
            }
            _ => {
                let mut out = zi(days_before_month(12, false)) + &leap;
                for month in (1..12).rev() {
                    let here = zi(days_before_month(month, false));
                    let here = if month > 2 { here + &leap } else { here };
                    out = m.eq(month).ite(&here, &out);
                }
                out
            }
        }
    }

    fn days_in_month(&self, y: &Int, m: &Int) -> Int {
        let feb = zi(28) + self.leap(y);
        if let Some(m) = m.as_i64() {
            return match m {
                2 => feb,
                4 | 6 | 9 | 11 => zi(30),
                _ => zi(31),
            };
        }
        let thirty = or(&[m.eq(4), m.eq(6), m.eq(9), m.eq(11)]);
        m.eq(2).ite(&feb, &thirty.ite(&zi(30), &zi(31)))
    }

    fn days_from_civil(&self, y: &Int, m: &Int, d: &Int) -> Int {
        self.year_start(y) + self.before_month(y, m) + d - 1
    }

    /// Year, month and day of a day number.
    fn civil(&self, z: &Int) -> (Int, Int, Int) {
        let y = self.a.year_of(z);
        let doy = z - self.year_start(&y);
        let leap = self.leap(&y);
        // The month is the last whose first day is not after the day.
        let mut m = zi(1);
        for month in 2..=12 {
            let first = zi(days_before_month(month, false)) + &leap;
            let first = if month > 2 {
                first
            } else {
                zi(days_before_month(month, false))
            };
            m = doy.ge(&first).ite(&zi(month), &m);
        }
        let d = &doy - self.before_month(&y, &m) + 1;
        (y, m, d)
    }

    /// `d` moved by `k` months, a day past the end of the month clamped to
    /// its last day (as jiff adds months and years).
    fn add_months(&self, d: &Int, k: &Int) -> (Int, Bool) {
        let (y, m, day) = self.civil(d);
        let index = &y * 12 + (&m - 1) + k;
        let y2 = self.a.fdiv(&index, 12);
        let m2 = &index - &y2 * 12 + 1;
        let day2 = z_min(&day, &self.days_in_month(&y2, &m2));
        let ok = and(&[y2.ge(-9999), y2.le(9999)]);
        (self.days_from_civil(&y2, &m2, &day2), ok)
    }
}

fn z_min(a: &Int, b: &Int) -> Int {
    a.le(b).ite(a, b)
}

// ---------------------------------------------------------------------
// Formulas with constants folded.

fn tt() -> Bool {
    Bool::from_bool(true)
}

fn ff() -> Bool {
    Bool::from_bool(false)
}

fn and(xs: &[Bool]) -> Bool {
    Bool::and(xs)
}

fn or(xs: &[Bool]) -> Bool {
    Bool::or(xs)
}

fn not(x: &Bool) -> Bool {
    x.not()
}

/// All of `xs` hold (constants folded).
pub fn all(xs: &[Bool]) -> Bool {
    and(xs)
}

/// One of `xs` holds (constants folded).
pub fn any(xs: &[Bool]) -> Bool {
    or(xs)
}

/// Two or more of `xs` hold ([`Bool::at_least_two`]).
pub fn at_least_two(xs: &[Bool]) -> Bool {
    Bool::at_least_two(xs)
}

/// `x` does not hold (constants folded).
pub fn negate(x: &Bool) -> Bool {
    not(x)
}

fn ite_b(c: &Bool, a: &Bool, b: &Bool) -> Bool {
    c.ite(a, b)
}

// ---------------------------------------------------------------------
// Values as terms.

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

impl Number {
    fn int(n: i64) -> Number {
        Number::Scaled(zi(n), 1)
    }

    fn frac(n: i64, scale: i64) -> Number {
        let g = gcd(n, scale).max(1);
        Number::Scaled(zi(n / g), scale / g)
    }

    fn real(&self) -> Real {
        match self {
            Number::Scaled(n, 1) => n.to_real(),
            Number::Scaled(n, s) => n.to_real() / zi(*s).to_real(),
            Number::Real(r) => r.clone(),
        }
    }

    /// Both over one scale, when both are scaled integers.
    fn common(a: &Number, b: &Number) -> Option<(Int, Int, i64)> {
        let (Number::Scaled(x, s), Number::Scaled(y, t)) = (a, b) else {
            return None;
        };
        let l = (s / gcd(*s, *t)).checked_mul(*t)?;
        let up = |n: &Int, from: i64| if from == l { n.clone() } else { n * (l / from) };
        Some((up(x, *s), up(y, *t), l))
    }

    fn add(a: &Number, b: &Number, sub: bool) -> Number {
        match Number::common(a, b) {
            Some((x, y, l)) => Number::Scaled(if sub { x - y } else { x + y }, l),
            None => {
                let (x, y) = (a.real(), b.real());
                Number::Real(if sub { x - y } else { x + y })
            }
        }
    }

    fn neg(&self) -> Number {
        match self {
            Number::Scaled(n, s) => Number::Scaled(n.unary_minus(), *s),
            Number::Real(r) => Number::Real(r.unary_minus()),
        }
    }

    fn mul(a: &Number, b: &Number) -> Number {
        if let (Number::Scaled(x, s), Number::Scaled(y, t)) = (a, b)
            && let Some(l) = s.checked_mul(*t)
        {
            return Number::Scaled(x * y, l);
        }
        Number::Real(a.real() * b.real())
    }

    /// The quotient, and whether the divisor is not zero.
    fn div(a: &Number, b: &Number) -> (Number, Bool) {
        if let (Number::Scaled(x, s), Number::Scaled(y, t)) = (a, b)
            && let Some(c) = y.as_i64()
        {
            if c == 0 {
                return (Number::int(0), ff());
            }
            // (x/s) / (c/t) = x·t / (s·c)
            let sign = c.signum();
            if let Some(scale) = s.checked_mul(c.abs()) {
                return (Number::Scaled(x * (t * sign), scale), tt());
            }
        }
        let q = b.real();
        let nonzero = not(&q.eq(&Number::int(0).real()));
        (Number::Real(a.real() / q), nonzero)
    }

    fn compare(a: &Number, b: &Number, op: BinaryOp) -> Bool {
        match Number::common(a, b) {
            Some((x, y, _)) => match op {
                BinaryOp::Lt => x.lt(&y),
                BinaryOp::Le => x.le(&y),
                BinaryOp::Gt => x.gt(&y),
                BinaryOp::Ge => x.ge(&y),
                _ => x.eq(&y),
            },
            None => {
                let (x, y) = (a.real(), b.real());
                match op {
                    BinaryOp::Lt => x.lt(&y),
                    BinaryOp::Le => x.le(&y),
                    BinaryOp::Gt => x.gt(&y),
                    BinaryOp::Ge => x.ge(&y),
                    _ => x.eq(&y),
                }
            }
        }
    }

    fn ite(c: &Bool, a: &Number, b: &Number) -> Number {
        match Number::common(a, b) {
            Some((x, y, l)) => Number::Scaled(c.ite(&x, &y), l),
            None => Number::Real(c.ite(&a.real(), &b.real())),
        }
    }
}

impl Term {
    fn number(&self) -> Number {
        match self {
            Term::Num(n, _) => n.clone(),
            _ => Number::int(0),
        }
    }

    fn member(&self, name: i64) -> Bool {
        match self {
            Term::Set(members) => members
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, b)| b.clone())
                .unwrap_or_else(ff),
            _ => ff(),
        }
    }

    fn ite(c: &Bool, a: &Term, b: &Term) -> Term {
        match c.as_bool() {
            Some(true) => return a.clone(),
            Some(false) => return b.clone(),
            None => {}
        }
        match (a, b) {
            (Term::Bool(x), Term::Bool(y)) => Term::Bool(ite_b(c, x, y)),
            (Term::Num(x, p), Term::Num(y, _)) => Term::Num(Number::ite(c, x, y), *p),
            (Term::Date(x), Term::Date(y)) => Term::Date(c.ite(x, y)),
            (Term::Duration(x, u), Term::Duration(y, v)) => {
                Term::Duration(c.ite(x, y), c.ite(u, v))
            }
            (Term::Text(x), Term::Text(y)) => Term::Text(c.ite(x, y)),
            (Term::Enum(x), Term::Enum(y)) => Term::Enum(c.ite(x, y)),
            (Term::Set(x), Term::Set(_)) => Term::Set(
                x.iter()
                    .map(|(n, m)| (*n, ite_b(c, m, &b.member(*n))))
                    .collect(),
            ),
            // Arms of one `match` have one type; keep the first otherwise.
            _ => a.clone(),
        }
    }

    /// `==` as the evaluator decides it: values of different kinds differ.
    fn equals(&self, other: &Term) -> Bool {
        match (self, other) {
            (Term::Bool(x), Term::Bool(y)) => match (x.as_bool(), y.as_bool()) {
                (Some(a), Some(b)) => Bool::from_bool(a == b),
                _ => x.iff(y),
            },
            (Term::Num(x, p), Term::Num(y, q)) => {
                if p == q {
                    Number::compare(x, y, BinaryOp::Eq)
                } else {
                    ff()
                }
            }
            (Term::Date(x), Term::Date(y)) => x.eq(y),
            (Term::Duration(x, u), Term::Duration(y, v)) => and(&[x.eq(y), u.eq(v)]),
            (Term::Text(x), Term::Text(y)) | (Term::Enum(x), Term::Enum(y)) => x.eq(y),
            (Term::Set(x), Term::Set(y)) => {
                let mut names: Vec<i64> = x.iter().map(|(n, _)| *n).collect();
                names.extend(y.iter().map(|(n, _)| *n));
                names.sort_unstable();
                names.dedup();
                and(&names
                    .iter()
                    .map(|n| {
                        let (a, b) = (self.member(*n), other.member(*n));
                        ite_b(&a, &b, &not(&b))
                    })
                    .collect::<Vec<_>>())
            }
            _ => ff(),
        }
    }
}

impl Val {
    fn ok(t: Term) -> Val {
        Val {
            t,
            ok: tt(),
            wait: ff(),
        }
    }

    fn failed(t: Term) -> Val {
        Val {
            t,
            ok: ff(),
            wait: ff(),
        }
    }

    fn bool(&self) -> Bool {
        match &self.t {
            Term::Bool(b) => b.clone(),
            _ => ff(),
        }
    }

    /// The condition holds.
    fn yes(&self) -> Bool {
        and(&[self.ok.clone(), self.bool()])
    }

    /// The condition is false, or cannot be computed (the run takes either
    /// as not holding).
    fn no(&self) -> Bool {
        or(&[
            and(&[self.ok.clone(), not(&self.bool())]),
            and(&[not(&self.ok), not(&self.wait)]),
        ])
    }

    /// Both operands evaluated in order, the first error winning.
    fn strict(a: &Val, b: &Val, t: Term) -> Val {
        Val {
            t,
            ok: and(&[a.ok.clone(), b.ok.clone()]),
            wait: ite_b(&a.ok, &b.wait, &a.wait),
        }
    }

    /// `self` with a further condition on being defined.
    fn defined_if(mut self, cond: Bool) -> Val {
        self.ok = and(&[self.ok, cond]);
        self
    }
}

// ---------------------------------------------------------------------
// Variables.

impl Raw {
    fn consts(&self) -> Vec<T> {
        match self {
            Raw::Bool(b) => vec![b.0.clone()],
            Raw::Int(i) | Raw::Percent(i) | Raw::Date(i) | Raw::Text(i) | Raw::Enum(i) => {
                vec![i.0.clone()]
            }
            Raw::Duration(a, u) => vec![a.0.clone(), u.0.clone()],
            Raw::Set(ms) => ms.iter().map(|(_, b)| b.0.clone()).collect(),
        }
    }

    /// That the variable keeps the value `model` gives it.
    fn fixed_in(&self, model: &Model, tr: &Translator) -> Bool {
        and(&self
            .consts()
            .iter()
            .filter_map(|c| {
                let value = model.eval(&tr.term(c), true)?;
                match c.sort() {
                    super::term::Sort::Bool => {
                        let b = value.as_bool()?.as_bool()?;
                        Some(Bool(c.clone()).iff(&Bool::from_bool(b)))
                    }
                    _ => Some(Int(c.clone()).eq(value.as_int()?.as_i64()?)),
                }
            })
            .collect::<Vec<_>>())
    }
}

/// What the solver answered to one question.
enum Asked {
    Sat(Option<Model>),
    Unsat,
    Unknown(String),
}

impl At {
    fn step(self) -> Option<usize> {
        match self {
            At::Before(s) | At::During(s) => Some(s),
            _ => None,
        }
    }
}

impl Verdict {
    fn of(outcome: &Outcome) -> Verdict {
        match outcome {
            Outcome::Found(_) => Verdict::Some,
            Outcome::Never => Verdict::Never,
            Outcome::Unknown(r) => Verdict::Unknown(r.clone()),
        }
    }
}

/// Why the solver answered unknown, for the `analysis-limit` message.
fn gave_up(solver: &Solver) -> String {
    format!(
        "the solver gave up ({})",
        solver
            .get_reason_unknown()
            .unwrap_or_else(|| "unknown".to_string())
    )
}

impl Found {
    /// The witness, with the path up to and including `until`.
    pub fn witness(&self, a: &Analysis, until: Option<usize>) -> Witness {
        let mut steps: Vec<(String, crate::source::Span)> = self
            .path
            .iter()
            .map(|s| {
                let step = a.step(*s);
                (step.id.clone(), step.span)
            })
            .collect();
        if let Some(until) = until {
            let id = &a.step(until).id;
            if let Some(end) = steps.iter().position(|(s, _)| s == id) {
                steps.truncate(end + 1);
            } else {
                steps.push((id.clone(), a.step(until).span));
            }
        }
        Witness {
            values: self.values.clone(),
            steps,
            run: self.run.clone(),
        }
    }

    /// A witness of the values alone.
    pub fn values_only(&self) -> Witness {
        Witness {
            values: self.values.clone(),
            steps: Vec::new(),
            run: self.run.clone(),
        }
    }

    /// Whether part `i` of the question (see [`Analysis::decide_marked`])
    /// holds in the witness.
    pub fn holds(&self, i: usize) -> bool {
        self.marks.iter().any(|(j, v)| *j == i && *v)
    }
}

impl<'m> Smt<'m> {
    pub fn new(a: &Analysis<'m>) -> Smt<'m> {
        let model = a.model;
        let mut names: FxHashMap<&'m str, i64> = FxHashMap::default();
        let mut name_list = Vec::new();
        let mut add = |n: &'m str| {
            if !names.contains_key(n) {
                names.insert(n, name_list.len() as i64);
                name_list.push(n);
            }
        };
        for s in &model.services {
            add(&s.id);
        }
        for e in &model.enums {
            for v in &e.values {
                add(&v.id);
            }
        }
        let mut texts: Vec<String> = Vec::new();
        for e in super::analysis::all_exprs(model) {
            crate::ir::walk_expr(e, &mut |e| {
                if let ExprKind::Text { value } = &e.kind
                    && !texts.contains(value)
                {
                    texts.push(value.clone());
                }
            });
        }
        let reads = model.let_reads();
        let mut let_uses: FxHashMap<&'m str, Vec<&'m str>> = FxHashMap::default();
        let mut direct_context: FxHashSet<&'m str> = FxHashSet::default();
        for l in &model.lets {
            let mut uses = Vec::new();
            let mut context = false;
            crate::ir::walk_expr(&l.value, &mut |e| match &e.kind {
                ExprKind::Let { id } => uses.push(id.as_str()),
                ExprKind::Today | ExprKind::Recorded { .. } | ExprKind::Decision { .. } => {
                    context = true
                }
                _ => {}
            });
            if context {
                direct_context.insert(&l.id);
            }
            let_uses.insert(&l.id, uses);
        }
        // A definition depends on where it is read when it, or one it uses,
        // reads a decision, evidence or `today`.
        let mut context_lets = FxHashSet::default();
        for l in &model.lets {
            let r = reads.get(l.id.as_str());
            let reads_run = r.is_some_and(|r| !r.evidence.is_empty() || !r.decisions.is_empty());
            if reads_run || uses_today(&l.id, &let_uses, &direct_context) {
                context_lets.insert(l.id.as_str());
            }
        }
        let mut asks: FxHashMap<&'m str, Vec<usize>> = FxHashMap::default();
        for (i, p) in a.items.iter().enumerate() {
            if let Item::Ask { decision } = p.item {
                asks.entry(decision.as_str()).or_default().push(i);
            }
        }
        Smt {
            solver: std::cell::OnceCell::new(),
            pending: RefCell::new(Vec::new()),
            tr: Translator::default(),
            modelled: Cell::new(false),
            mode: a.solver_mode,
            names,
            name_list,
            texts: RefCell::new(texts),
            vars: RefCell::new(FxHashMap::default()),
            owner: RefCell::new(FxHashMap::default()),
            context_lets,
            let_uses,
            lets: RefCell::new(FxHashMap::default()),
            exprs: RefCell::new(FxHashMap::default()),
            runs: RefCell::new(vec![None; model.steps.len()]),
            gates: RefCell::new(FxHashMap::default()),
            recorded: RefCell::new(FxHashMap::default()),
            ask_happens: RefCell::new(FxHashMap::default()),
            asks,
            today_steps: RefCell::new(Vec::new()),
            answers: RefCell::new(FxHashMap::default()),
            verdicts: RefCell::new(FxHashMap::default()),
            pre_lit: RefCell::new(None),
            quotients: RefCell::new(FxHashMap::default()),
            years: RefCell::new(FxHashMap::default()),
            defined_by: RefCell::new(FxHashMap::default()),
            precondition_undecided: Cell::new(false),
            prepared: Cell::new(false),
            next_symbol: Cell::new(0),
        }
    }

    /// The solver, created on the first question that needs it, with
    /// everything asserted so far.
    fn solver(&self) -> &Solver {
        let solver = &self
            .solver
            .get_or_init(|| SolverSlot::new(self.mode))
            .solver;
        for f in self.pending.borrow_mut().drain(..) {
            solver.assert(self.tr.bool(&f));
        }
        solver
    }

    /// Asserts `f` for every question from now on.
    fn assert(&self, f: Bool) {
        if f.as_bool() != Some(true) {
            self.pending.borrow_mut().push(f);
        }
    }

    /// Whether a witness came from one of the solver's models.
    pub fn modelled(&self) -> bool {
        self.modelled.get()
    }
}

/// Whether a definition reads `today`, itself or through those it uses.
fn uses_today(id: &str, uses: &FxHashMap<&str, Vec<&str>>, direct: &FxHashSet<&str>) -> bool {
    let mut stack = vec![id];
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        if direct.contains(id) {
            return true;
        }
        stack.extend(uses.get(id).into_iter().flatten().copied());
    }
    false
}

fn unit_code(u: DurationUnit) -> i64 {
    match u {
        DurationUnit::Days => 0,
        DurationUnit::Weeks => 1,
        DurationUnit::Months => 2,
        DurationUnit::Years => 3,
    }
}

fn unit_of(code: i64) -> DurationUnit {
    match code {
        1 => DurationUnit::Weeks,
        2 => DurationUnit::Months,
        3 => DurationUnit::Years,
        _ => DurationUnit::Days,
    }
}

impl<'m> Analysis<'m> {
    fn smt(&self) -> &Smt<'m> {
        self.smt.get_or_init(|| Smt::new(self))
    }

    /// Whether a witness came from one of the solver's models (which, on
    /// the shared solver, may depend on what the thread solved before).
    pub fn modelled(&self) -> bool {
        self.smt.get().is_some_and(Smt::modelled)
    }

    // -----------------------------------------------------------------
    // Variables.

    fn values_of(&self, ty: &Type) -> Vec<&'m str> {
        let model = self.model;
        match ty {
            Type::Enum(e) | Type::Set(e) if e == "service" => {
                model.services.iter().map(|s| s.id.as_str()).collect()
            }
            Type::Enum(e) | Type::Set(e) => model
                .enum_decl(e)
                .map(|d| d.values.iter().map(|v| v.id.as_str()).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn name_index(&self, name: &str) -> i64 {
        let smt = self.smt();
        smt.names.get(name).copied().unwrap_or(-1)
    }

    fn text_index(&self, text: &str) -> i64 {
        let smt = self.smt();
        let mut texts = smt.texts.borrow_mut();
        match texts.iter().position(|t| t == text) {
            Some(i) => i as i64,
            None => {
                texts.push(text.to_string());
                texts.len() as i64 - 1
            }
        }
    }

    fn var_name(&self, v: &SVar) -> String {
        match v {
            SVar::Input(id) | SVar::Loop(id) => id.clone(),
            SVar::Decision(id, None) => id.clone(),
            SVar::Decision(id, Some(e)) => format!("{id}:{e}"),
            SVar::Today(None) => "today".to_string(),
            SVar::Today(Some(s)) => format!("today@{}", self.step(*s).id),
            SVar::Recorded(c) => format!("recorded {c}"),
        }
    }

    fn next_symbol(&self) -> u32 {
        let smt = self.smt();
        let n = smt.next_symbol.get();
        smt.next_symbol.set(n + 1);
        n
    }

    /// A new integer constant.
    fn fresh_int(&self) -> Int {
        Int::new_const(self.next_symbol())
    }

    /// A new Boolean constant.
    fn fresh_bool(&self) -> Bool {
        Bool::new_const(self.next_symbol())
    }

    /// The terms of a variable, created (with its domain) on first use.
    fn var(&self, v: SVar, ty: &Type) -> Term {
        let smt = self.smt();
        if let Some((t, _)) = smt.vars.borrow().get(&v) {
            return t.clone();
        }
        let (lo, hi) = date_range();
        let int = |_suffix: &str| self.fresh_int();
        let (term, raw) = match ty {
            Type::Bool => {
                let b = self.fresh_bool();
                (Term::Bool(b.clone()), Raw::Bool(b))
            }
            Type::Int => {
                let i = int("");
                smt.assert(and(&[i.ge(i64::MIN), i.le(i64::MAX)]));
                (Term::Num(Number::Scaled(i.clone(), 1), false), Raw::Int(i))
            }
            Type::Percent => {
                let h = int("");
                // `parse_percent` in runs multiplies the whole part by 100.
                let limit = i64::MAX / 100 * 100;
                smt.assert(and(&[h.ge(-limit), h.le(limit)]));
                (
                    Term::Num(Number::Scaled(h.clone(), 10_000), true),
                    Raw::Percent(h),
                )
            }
            Type::Date => {
                let d = int("");
                smt.assert(and(&[d.ge(lo), d.le(hi)]));
                (Term::Date(d.clone()), Raw::Date(d))
            }
            Type::Duration => {
                let a = int(":amount");
                let u = int(":unit");
                smt.assert(and(&[a.ge(i64::MIN), a.le(i64::MAX), u.ge(0), u.le(3)]));
                (Term::Duration(a.clone(), u.clone()), Raw::Duration(a, u))
            }
            Type::Text => {
                let i = int("");
                smt.assert(i.ge(0));
                (Term::Text(i.clone()), Raw::Text(i))
            }
            Type::Enum(_) => {
                let i = int("");
                let values = self.values_of(ty);
                let options: Vec<Bool> = values.iter().map(|n| i.eq(self.name_index(n))).collect();
                smt.assert(or(&options));
                (Term::Enum(i.clone()), Raw::Enum(i))
            }
            Type::Set(_) => {
                let members: Vec<(i64, Bool)> = self
                    .values_of(ty)
                    .iter()
                    .map(|n| (self.name_index(n), self.fresh_bool()))
                    .collect();
                (Term::Set(members.clone()), Raw::Set(members))
            }
        };
        {
            let mut owner = smt.owner.borrow_mut();
            for c in raw.consts() {
                owner.insert(c, v.clone());
            }
        }
        if let SVar::Today(step) = &v {
            self.order_today(*step, &term);
        }
        smt.vars.borrow_mut().insert(v, (term.clone(), raw));
        term
    }

    /// A step reads `today` no earlier than the run starts, and no earlier
    /// than the steps it waits for.
    fn order_today(&self, step: Option<usize>, term: &Term) {
        let Term::Date(day) = term else { return };
        let Some(step) = step else { return };
        let smt = self.smt();
        let start = match self.var(SVar::Today(None), &Type::Date) {
            Term::Date(d) => d,
            _ => return,
        };
        smt.assert(start.le(day));
        let others: Vec<usize> = smt.today_steps.borrow().clone();
        for other in others {
            let Some((Term::Date(o), _)) = smt
                .vars
                .borrow()
                .get(&SVar::Today(Some(other)))
                .map(|(t, r)| (t.clone(), r.clone()))
            else {
                continue;
            };
            if self.is_ancestor(other, step) {
                smt.assert(o.le(day));
            } else if self.is_ancestor(step, other) {
                smt.assert(day.le(&o));
            }
        }
        smt.today_steps.borrow_mut().push(step);
    }

    /// `x` divided by `c > 0`, rounded down: a constant when `x` is one,
    /// otherwise a variable `q` with `c·q <= x <= c·q + c - 1`, asserted once
    /// for each `x` and `c` (a definition: it constrains nothing else).
    fn fdiv(&self, x: &Int, c: i64) -> Int {
        let x = x.clone();
        if let Some(n) = x.as_i64() {
            return zi(n.div_euclid(c));
        }
        let smt = self.smt();
        let key = (x.clone(), c);
        if let Some(q) = smt.quotients.borrow().get(&key) {
            return q.clone();
        }
        let q = self.fresh_int();
        smt.defined_by.borrow_mut().insert(q.0.clone(), x.0.clone());
        let low = &q * c;
        smt.assert(and(&[low.le(&x), x.le(&low + (c - 1))]));
        smt.quotients.borrow_mut().insert(key, q.clone());
        q
    }

    /// The year of day number `z`: a constant when `z` is one, otherwise a
    /// variable `y` with January 1 of `y` <= `z` < January 1 of `y + 1`,
    /// asserted once for each `z`.
    fn year_of(&self, z: &Int) -> Int {
        let z = z.clone();
        if let Some(n) = z.as_i64() {
            return zi(civil_from_days(n).0);
        }
        let smt = self.smt();
        if let Some(y) = smt.years.borrow().get(&z) {
            return y.clone();
        }
        let y = self.fresh_int();
        smt.defined_by.borrow_mut().insert(y.0.clone(), z.0.clone());
        let cal = Calendar { a: self };
        let start = cal.year_start(&y);
        let next = cal.year_start(&(&y + 1));
        smt.assert(and(&[start.le(&z), z.lt(&next)]));
        smt.years.borrow_mut().insert(z, y.clone());
        y
    }

    fn default_term(&self, ty: &Type) -> Term {
        match ty {
            Type::Bool => Term::Bool(ff()),
            Type::Int => Term::Num(Number::int(0), false),
            Type::Percent => Term::Num(Number::int(0), true),
            Type::Date => Term::Date(zi(0)),
            Type::Duration => Term::Duration(zi(0), zi(0)),
            Type::Text => Term::Text(zi(0)),
            Type::Enum(_) => Term::Enum(zi(-1)),
            Type::Set(_) => Term::Set(
                self.values_of(ty)
                    .iter()
                    .map(|n| (self.name_index(n), ff()))
                    .collect(),
            ),
        }
    }

    // -----------------------------------------------------------------
    // Expressions.

    /// The value of an expression read at `at` with loop variables bound.
    fn val(&self, e: &Expr, at: At, bindings: &[(String, String)]) -> Val {
        let key = (e as *const Expr as usize, at, bindings.to_vec());
        if let Some(v) = self.smt().exprs.borrow().get(&key) {
            return v.clone();
        }
        let v = self.enc(e, at, bindings);
        self.smt().exprs.borrow_mut().insert(key, v.clone());
        v
    }

    fn enc(&self, e: &Expr, at: At, b: &[(String, String)]) -> Val {
        match &e.kind {
            ExprKind::Bool { value } => Val::ok(Term::Bool(Bool::from_bool(*value))),
            ExprKind::Int { value } => Val::ok(Term::Num(Number::int(*value), false)),
            ExprKind::Percent { hundredths } => {
                Val::ok(Term::Num(Number::frac(*hundredths, 10_000), true))
            }
            ExprKind::Date { value } => Val::ok(Term::Date(zi(date_days(*value)))),
            ExprKind::Duration { amount, unit } => {
                Val::ok(Term::Duration(zi(*amount), zi(unit_code(*unit))))
            }
            ExprKind::Text { value } => Val::ok(Term::Text(zi(self.text_index(value)))),
            ExprKind::Today => {
                let step = at.step();
                Val::ok(self.var(SVar::Today(step), &Type::Date))
            }
            ExprKind::Input { id } => {
                let ty = self
                    .model
                    .inputs
                    .iter()
                    .find(|i| &i.id == id)
                    .map(|i| i.ty.clone())
                    .unwrap_or_else(|| e.ty.clone());
                Val::ok(self.var(SVar::Input(id.clone()), &ty))
            }
            ExprKind::Let { id } => self.let_val(id, at),
            ExprKind::Decision { id } => self.decision_val(id, &e.ty, at, b),
            ExprKind::LoopVar { id } => match b.iter().rev().find(|(v, _)| v == id) {
                Some((_, value)) => Val::ok(Term::Enum(zi(self.name_index(value)))),
                None => Val::ok(self.var(SVar::Loop(id.clone()), &e.ty)),
            },
            ExprKind::EnumValue { value } => Val::ok(Term::Enum(zi(self.name_index(value)))),
            ExprKind::Recorded { criterion } => self.recorded_val(criterion, at),
            ExprKind::SetOf { values } => {
                let members = self
                    .values_of(&e.ty)
                    .iter()
                    .map(|n| {
                        (
                            self.name_index(n),
                            Bool::from_bool(values.iter().any(|v| v == n)),
                        )
                    })
                    .collect();
                Val::ok(Term::Set(members))
            }
            ExprKind::Not { operand } => {
                let v = self.enc(operand, at, b);
                let t = Term::Bool(not(&v.bool()));
                Val { t, ..v }
            }
            ExprKind::Neg { operand } => {
                let v = self.enc(operand, at, b);
                let t = match &v.t {
                    Term::Num(r, p) => Term::Num(r.neg(), *p),
                    other => other.clone(),
                };
                Val { t, ..v }
            }
            ExprKind::PercentOf {
                hundredths,
                operand,
            } => {
                let v = self.enc(operand, at, b);
                let share = Number::frac(*hundredths, 10_000);
                let t = Term::Num(Number::mul(&share, &v.t.number()), false);
                Val { t, ..v }
            }
            ExprKind::YearOf { operand } => {
                let v = self.enc(operand, at, b);
                match &v.t {
                    Term::Date(d) => {
                        let y = self.year_of(d);
                        Val {
                            t: Term::Num(Number::Scaled(y, 1), false),
                            ..v
                        }
                    }
                    _ => Val::strict(
                        &v,
                        &Val::failed(Term::Bool(ff())),
                        self.default_term(&Type::Int),
                    ),
                }
            }
            ExprKind::CountOf { operand } => {
                let v = self.enc(operand, at, b);
                match &v.t {
                    Term::Set(members) => {
                        let ones: Vec<Int> =
                            members.iter().map(|(_, m)| m.ite(&zi(1), &zi(0))).collect();
                        let count = if ones.is_empty() {
                            zi(0)
                        } else {
                            Int::sum(&ones)
                        };
                        Val {
                            t: Term::Num(Number::Scaled(count, 1), false),
                            ..v
                        }
                    }
                    _ => Val::strict(
                        &v,
                        &Val::failed(Term::Bool(ff())),
                        self.default_term(&Type::Int),
                    ),
                }
            }
            ExprKind::DayOf { month, day, year } => {
                let v = self.enc(year, at, b);
                // The year must be a whole number in jiff's range.
                let (yi, whole) = match v.t.number() {
                    Number::Scaled(n, 1) => (n, tt()),
                    Number::Scaled(n, scale) => {
                        let q = self.fdiv(&n, scale);
                        let whole = (&q * scale).eq(&n);
                        (q, whole)
                    }
                    Number::Real(r) => (r.to_int(), r.is_int()),
                };
                let in_range = and(&[whole, yi.ge(-9999), yi.le(9999)]);
                let m = zi(*month as i64);
                let cal = Calendar { a: self };
                let d = z_min(&zi(*day as i64), &cal.days_in_month(&yi, &m));
                let days = cal.days_from_civil(&yi, &m, &d);
                let ok = and(&[v.ok.clone(), in_range]);
                Val {
                    t: Term::Date(days),
                    ok,
                    wait: v.wait,
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, at, b),
            ExprKind::Match { subject, arms } => {
                let subject = subject.as_ref().map(|s| self.enc(s, at, b));
                // From the last arm back: no arm is an error.
                let mut acc = Val::failed(self.default_term(&e.ty));
                for arm in arms.iter().rev() {
                    let value = self.enc(&arm.value, at, b);
                    let Some(patterns) = &arm.patterns else {
                        acc = value;
                        continue;
                    };
                    // Patterns in order: an error before a match is the
                    // match's error.
                    let mut matched = ff();
                    let mut ok = tt();
                    let mut wait = ff();
                    for p in patterns.iter().rev() {
                        let pv = self.enc(p, at, b);
                        let hit = match &subject {
                            Some(s) => s.t.equals(&pv.t),
                            None => pv.bool(),
                        };
                        let hit = and(&[pv.ok.clone(), hit]);
                        wait = ite_b(&pv.ok, &and(&[not(&hit), wait.clone()]), &pv.wait);
                        ok = and(&[pv.ok.clone(), or(&[hit.clone(), ok])]);
                        matched = or(&[hit, matched]);
                    }
                    let t = Term::ite(&matched, &value.t, &acc.t);
                    let arm_ok = ite_b(&matched, &value.ok, &acc.ok);
                    let arm_wait = ite_b(&matched, &value.wait, &acc.wait);
                    acc = Val {
                        t,
                        ok: and(&[ok.clone(), arm_ok]),
                        wait: ite_b(&ok, &arm_wait, &wait),
                    };
                }
                match subject {
                    Some(s) => Val::strict(&s, &acc, acc.t.clone()),
                    None => acc,
                }
            }
        }
    }

    fn binary(&self, op: BinaryOp, lhs: &Expr, rhs: &Expr, at: At, b: &[(String, String)]) -> Val {
        let x = self.enc(lhs, at, b);
        let y = self.enc(rhs, at, b);
        match op {
            BinaryOp::And => {
                // false on the left decides; otherwise the right is needed.
                let left_false = and(&[x.ok.clone(), not(&x.bool())]);
                let ok = or(&[
                    left_false.clone(),
                    and(&[y.ok.clone(), or(&[not(&y.bool()), x.ok.clone()])]),
                ]);
                let wait = and(&[
                    not(&left_false),
                    ite_b(
                        &not(&y.ok),
                        &y.wait,
                        &and(&[y.bool(), not(&x.ok), x.wait.clone()]),
                    ),
                ]);
                return Val {
                    t: Term::Bool(and(&[x.bool(), y.bool()])),
                    ok,
                    wait,
                };
            }
            BinaryOp::Or => {
                let left_true = and(&[x.ok.clone(), x.bool()]);
                let ok = or(&[
                    left_true.clone(),
                    and(&[y.ok.clone(), or(&[y.bool(), x.ok.clone()])]),
                ]);
                let wait = and(&[
                    not(&left_true),
                    ite_b(
                        &not(&y.ok),
                        &y.wait,
                        &and(&[not(&y.bool()), not(&x.ok), x.wait.clone()]),
                    ),
                ]);
                return Val {
                    t: Term::Bool(or(&[x.bool(), y.bool()])),
                    ok,
                    wait,
                };
            }
            _ => {}
        }
        let bool_term = |f: Bool| Term::Bool(f);
        match op {
            BinaryOp::Eq => Val::strict(&x, &y, bool_term(x.t.equals(&y.t))),
            BinaryOp::Ne => Val::strict(&x, &y, bool_term(not(&x.t.equals(&y.t)))),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let f = match (&x.t, &y.t) {
                    (Term::Date(p), Term::Date(q)) => match op {
                        BinaryOp::Lt => p.lt(q),
                        BinaryOp::Le => p.le(q),
                        BinaryOp::Gt => p.gt(q),
                        _ => p.ge(q),
                    },
                    _ => Number::compare(&x.t.number(), &y.t.number(), op),
                };
                Val::strict(&x, &y, bool_term(f))
            }
            BinaryOp::In | BinaryOp::NotIn => {
                let inside = match (&x.t, &y.t) {
                    (Term::Enum(v), Term::Set(_)) => self.in_set(v, &y.t),
                    _ => ff(),
                };
                let f = if op == BinaryOp::In {
                    inside
                } else {
                    not(&inside)
                };
                Val::strict(&x, &y, bool_term(f))
            }
            BinaryOp::Contains => {
                let f = match (&x.t, &y.t) {
                    (Term::Set(_), Term::Enum(v)) => self.in_set(v, &x.t),
                    _ => ff(),
                };
                Val::strict(&x, &y, bool_term(f))
            }
            BinaryOp::Add | BinaryOp::Sub => {
                let sub = op == BinaryOp::Sub;
                match (&x.t, &y.t) {
                    (Term::Date(d), Term::Duration(n, unit)) => {
                        let n = if sub { n.unary_minus() } else { n.clone() };
                        let (day, ok) = self.shift(d, &n, unit);
                        Val::strict(&x, &y, Term::Date(day)).defined_if(ok)
                    }
                    (Term::Date(p), Term::Date(q)) => {
                        Val::strict(&x, &y, Term::Num(Number::Scaled(p - q, 1), false))
                    }
                    (Term::Num(p, true), Term::Num(q, true)) => {
                        Val::strict(&x, &y, Term::Num(Number::add(p, q, sub), true))
                    }
                    _ => {
                        let r = Number::add(&x.t.number(), &y.t.number(), sub);
                        Val::strict(&x, &y, Term::Num(r, false))
                    }
                }
            }
            BinaryOp::Mul => {
                let r = Number::mul(&x.t.number(), &y.t.number());
                Val::strict(&x, &y, Term::Num(r, false))
            }
            BinaryOp::Div => {
                let (r, nonzero) = Number::div(&x.t.number(), &y.t.number());
                Val::strict(&x, &y, Term::Num(r, false)).defined_if(nonzero)
            }
            BinaryOp::And | BinaryOp::Or => unreachable!("handled above"),
        }
    }

    fn in_set(&self, v: &Int, set: &Term) -> Bool {
        let Term::Set(members) = set else {
            return ff();
        };
        or(&members
            .iter()
            .map(|(n, m)| and(&[v.eq(*n), m.clone()]))
            .collect::<Vec<_>>())
    }

    /// A date moved by a duration, and whether the result is a date.
    fn shift(&self, d: &Int, n: &Int, unit: &Int) -> (Int, Bool) {
        let (lo, hi) = date_range();
        let cal = Calendar { a: self };
        let in_range = |day: &Int, ok: Bool| and(&[ok, day.ge(lo), day.le(hi)]);
        let by = |code: i64| -> (Int, Bool) {
            match code {
                0 => (d + n, tt()),
                1 => (d + n * 7, tt()),
                2 => cal.add_months(d, n),
                _ => cal.add_months(d, &(n * 12)),
            }
        };
        if let Some(code) = unit.as_i64() {
            let (day, ok) = by(code);
            let ok = in_range(&day, ok);
            return (day, ok);
        }
        let (days, _) = by(0);
        let (weeks, _) = by(1);
        let (months, months_ok) = by(2);
        let (years, years_ok) = by(3);
        let result = unit.eq(0).ite(
            &days,
            &unit.eq(1).ite(&weeks, &unit.eq(2).ite(&months, &years)),
        );
        let shape_ok = unit
            .eq(2)
            .ite(&months_ok, &unit.eq(3).ite(&years_ok, &tt()));
        let ok = in_range(&result, shape_ok);
        (result, ok)
    }

    fn decision_val(&self, id: &str, ty: &Type, at: At, b: &[(String, String)]) -> Val {
        let decision = self.model.decisions.iter().find(|d| d.id == id);
        let ty = decision.map(|d| &d.ty).unwrap_or(ty);
        let per = decision.and_then(|d| d.per.as_deref());
        let element: Option<String> = per.and_then(|var| {
            b.iter()
                .rev()
                .find(|(v, _)| v == var)
                .map(|(_, value)| value.clone())
        });
        let term = self.var(SVar::Decision(id.to_string(), element.clone()), ty);
        let asked = match at {
            At::Free => tt(),
            At::Start => ff(),
            At::Before(_) | At::During(_) if per.is_some() && element.is_none() => ff(),
            At::Before(_) | At::During(_) => self.asked(id, element, at),
        };
        Val {
            t: term,
            ok: asked.clone(),
            wait: not(&asked),
        }
    }

    /// Whether decision `id` (for `element`) is answered where `at` reads it.
    fn asked(&self, id: &str, element: Option<String>, at: At) -> Bool {
        let Some(d) = self.model.decisions.iter().find(|d| d.id == id) else {
            return ff();
        };
        let Some(asker) = self.model.steps.iter().position(|s| s.id == d.step) else {
            return ff();
        };
        let before = match at {
            At::Before(s) => asker != s && self.is_ancestor(asker, s),
            At::During(s) => asker == s || self.is_ancestor(asker, s),
            At::Start => false,
            At::Free => true,
        };
        if !before {
            return ff();
        }
        self.ask_happens(&d.id, d.per.as_deref(), element)
    }

    fn ask_happens(&self, id: &'m str, per: Option<&str>, element: Option<String>) -> Bool {
        let smt = self.smt();
        let key = (id, element.clone());
        if let Some(b) = smt.ask_happens.borrow().get(&key) {
            return b.clone();
        }
        let places = smt.asks.get(id).cloned().unwrap_or_default();
        let fixed = per.zip(element.as_deref());
        let f = or(&places
            .iter()
            .map(|&p| self.happens_with(p, true, fixed))
            .collect::<Vec<_>>());
        smt.ask_happens.borrow_mut().insert(key, f.clone());
        f
    }

    fn recorded_val(&self, criterion: &str, at: At) -> Val {
        match at {
            // The run cannot tell at its start: it waits for the step.
            At::Start => Val {
                t: Term::Bool(ff()),
                ok: ff(),
                wait: tt(),
            },
            At::Free => Val::ok(self.var(SVar::Recorded(criterion.to_string()), &Type::Bool)),
            At::Before(s) => Val::ok(Term::Bool(self.recorded_f(criterion, s, false))),
            At::During(s) => Val::ok(Term::Bool(self.recorded_f(criterion, s, true))),
        }
    }

    /// The value of a definition where `at` reads it.
    fn let_val(&self, id: &str, at: At) -> Val {
        let smt = self.smt();
        let Some((&key, _)) = smt.let_uses.get_key_value(id) else {
            return Val::failed(Term::Bool(ff()));
        };
        let at = if smt.context_lets.contains(key) {
            at
        } else {
            At::Start
        };
        if let Some(v) = smt.lets.borrow().get(&(key, at)) {
            return v.clone();
        }
        // Definitions it uses first, without recursion.
        let mut stack: Vec<(&'m str, bool)> = vec![(key, false)];
        while let Some((id, expanded)) = stack.pop() {
            let here = if smt.context_lets.contains(id) {
                at
            } else {
                At::Start
            };
            if smt.lets.borrow().contains_key(&(id, here)) {
                continue;
            }
            if expanded {
                let Some(l) = self.model.lets.iter().find(|l| l.id == id) else {
                    continue;
                };
                let value = match here {
                    At::Start | At::Free => self.enc(&l.value, here, &[]),
                    _ => {
                        // The run computes definitions when it starts and
                        // keeps those it could; the others it computes
                        // where they are read.
                        let start = match smt.lets.borrow().get(&(id, At::Start)) {
                            Some(v) => v.clone(),
                            None => self.enc(&l.value, At::Start, &[]),
                        };
                        smt.lets.borrow_mut().insert((id, At::Start), start.clone());
                        let local = self.enc(&l.value, here, &[]);
                        Val {
                            t: Term::ite(&start.ok, &start.t, &local.t),
                            ok: or(&[start.ok.clone(), local.ok.clone()]),
                            wait: and(&[not(&start.ok), local.wait]),
                        }
                    }
                };
                smt.lets.borrow_mut().insert((id, here), value);
                continue;
            }
            stack.push((id, true));
            for u in smt.let_uses.get(id).into_iter().flatten() {
                let there = if smt.context_lets.contains(u) {
                    at
                } else {
                    At::Start
                };
                if !smt.lets.borrow().contains_key(&(*u, there)) && !stack.contains(&(*u, true)) {
                    stack.push((u, false));
                }
            }
        }
        smt.lets
            .borrow()
            .get(&(key, at))
            .cloned()
            .unwrap_or_else(|| Val::failed(Term::Bool(ff())))
    }

    // -----------------------------------------------------------------
    // Steps, items, evidence.

    /// Builds what every step's questions share, in step order, so that no
    /// question recurses through a long chain of steps.
    fn prepare(&self) {
        let smt = self.smt();
        if smt.prepared.replace(true) {
            return;
        }
        // Every input with its domain, before any question: a witness
        // gives each input a value of its type, read or not.
        for i in &self.model.inputs {
            self.var(SVar::Input(i.id.clone()), &i.ty);
        }
        let pre = match &self.model.requires {
            Some(r) => self.val(r, At::Start, &[]).yes(),
            None => tt(),
        };
        let lit = self.fresh_bool();
        if nonlinear(&pre) {
            // Not a theory the solver decides: questions consider every
            // input instead, and the playbook says so.
            smt.precondition_undecided.set(true);
        } else {
            smt.assert(lit.implies(&pre));
        }
        *smt.pre_lit.borrow_mut() = Some(lit);
        for &s in self.graph.order() {
            self.runs_f(s);
            let step = self.step(s);
            for (kind, gates) in [(GateKind::Entry, &step.entry), (GateKind::Exit, &step.exit)] {
                for g in gates {
                    if let Some(w) = &g.when {
                        self.gate_yes(s, kind, w);
                    }
                }
            }
            for d in self.model.decisions.iter().filter(|d| d.step == step.id) {
                match &d.per {
                    None => {
                        self.ask_happens(&d.id, None, None);
                    }
                    Some(var) => {
                        let ty = self.loop_type(s, var);
                        for v in self.values_of(&ty) {
                            self.ask_happens(&d.id, Some(var), Some(v.to_string()));
                        }
                    }
                }
            }
        }
    }

    /// The element type of loop variable `var` in step `s`.
    fn loop_type(&self, s: usize, var: &str) -> Type {
        self.items
            .iter()
            .filter(|p| p.step == s)
            .flat_map(|p| p.loops.iter())
            .find(|l| l.var == var)
            .map(|l| l.element.clone())
            .unwrap_or(Type::Bool)
    }

    /// Whether step `s` runs: it applies to the run's services and its
    /// `requires` holds.
    pub fn runs_f(&self, s: usize) -> Bool {
        if let Some(b) = self.smt().runs.borrow()[s].clone() {
            return b;
        }
        let step = self.step(s);
        let applies = self.applies_f(&step.applies);
        let guard = match &step.requires {
            Some(r) => self.val(r, At::Before(s), &[]).yes(),
            None => tt(),
        };
        let f = and(&[applies, guard]);
        self.smt().runs.borrow_mut()[s] = Some(f.clone());
        f
    }

    /// Whether a run covers a list of services.
    pub fn applies_f(&self, applies: &crate::ir::Applies) -> Bool {
        match (applies, self.services_input) {
            (crate::ir::Applies::Services(list), Some(input)) => {
                let ty = Type::Set("service".to_string());
                let set = self.var(SVar::Input(input.to_string()), &ty);
                or(&list
                    .iter()
                    .map(|s| set.member(self.name_index(s)))
                    .collect::<Vec<_>>())
            }
            _ => tt(),
        }
    }

    fn gate_yes(&self, s: usize, kind: GateKind, when: &Expr) -> Bool {
        let key = (s, when as *const Expr as usize);
        if let Some(b) = self.smt().gates.borrow().get(&key) {
            return b.clone();
        }
        let at = match kind {
            GateKind::Entry => At::Before(s),
            GateKind::Exit => At::During(s),
        };
        let f = self.val(when, at, &[]).yes();
        self.smt().gates.borrow_mut().insert(key, f.clone());
        f
    }

    /// Whether evidence `criterion` is recorded before step `s` starts, or,
    /// with `during`, by the end of `s` itself.
    pub fn recorded_f(&self, criterion: &str, s: usize, during: bool) -> Bool {
        let Some((&key, producers)) = self.producers.get_key_value(criterion) else {
            return ff();
        };
        if let Some(b) = self.smt().recorded.borrow().get(&(key, s, during)) {
            return b.clone();
        }
        let mut options = Vec::new();
        for (p, kind, when) in producers {
            let when = match when {
                Some(w) => self.gate_yes(*p, *kind, w),
                None => tt(),
            };
            if *p == s {
                if during || *kind == GateKind::Entry {
                    options.push(when);
                }
            } else if self.is_ancestor(*p, s) {
                options.push(and(&[self.runs_f(*p), when]));
            }
        }
        let f = or(&options);
        self.smt()
            .recorded
            .borrow_mut()
            .insert((key, s, during), f.clone());
        f
    }

    /// Whether an item happens: its step runs and every condition on the
    /// way to it holds (for some element of each `for each` around it);
    /// with `with_requires`, its own `requires` too.
    pub fn happens_f(&self, placed: usize, with_requires: bool) -> Bool {
        self.happens_with(placed, with_requires, None)
    }

    fn happens_with(
        &self,
        placed: usize,
        with_requires: bool,
        fixed: Option<(&str, &str)>,
    ) -> Bool {
        let p = &self.items[placed];
        let runs = self.runs_f(p.step);
        if runs.as_bool() == Some(false) {
            return ff();
        }
        let mut bindings = Vec::new();
        let rest = self.guards_from(p, 0, &mut bindings, fixed, with_requires);
        and(&[runs, rest])
    }

    fn guards_from(
        &self,
        p: &Placed<'m>,
        i: usize,
        bindings: &mut Bindings,
        fixed: Option<(&str, &str)>,
        with_requires: bool,
    ) -> Bool {
        let at = At::During(p.step);
        if i == p.guards.len() {
            return match (with_requires, p.item) {
                (true, Item::Do(d)) => match &d.requires {
                    Some(r) => self.val(r, at, bindings).yes(),
                    None => tt(),
                },
                _ => tt(),
            };
        }
        if let Some(l) = p.loops.iter().find(|l| l.guard == i) {
            let over = self.val(l.over, at, bindings);
            let elements: Vec<&str> = match fixed {
                Some((var, value)) if var == l.var => vec![value],
                _ if !self.reads_loop_var(p, i + 1, l.var, with_requires) => {
                    // Nothing further reads the element: the loop only
                    // needs one.
                    let nonempty = match &over.t {
                        Term::Set(ms) => or(&ms.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>()),
                        _ => ff(),
                    };
                    let rest = self.guards_from(p, i + 1, bindings, fixed, with_requires);
                    return and(&[over.ok.clone(), nonempty, rest]);
                }
                _ => self.values_of(l.element),
            };
            let mut options = Vec::new();
            for v in elements {
                let member = over.t.member(self.name_index(v));
                if member.as_bool() == Some(false) {
                    continue;
                }
                bindings.push((l.var.to_string(), v.to_string()));
                let rest = self.guards_from(p, i + 1, bindings, fixed, with_requires);
                bindings.pop();
                options.push(and(&[member, rest]));
            }
            return and(&[over.ok, or(&options)]);
        }
        let here = match p.guards[i] {
            Guard::Holds(e) => self.val(e, at, bindings).yes(),
            Guard::NonEmpty(e) => {
                let v = self.val(e, at, bindings);
                match &v.t {
                    Term::Set(ms) => and(&[
                        v.ok.clone(),
                        or(&ms.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>()),
                    ]),
                    _ => ff(),
                }
            }
            Guard::Branch { branches, index } => {
                let mut parts: Vec<Bool> = branches[..index]
                    .iter()
                    .map(|b| self.val(&b.when, at, bindings).no())
                    .collect();
                if let Some(b) = branches.get(index) {
                    parts.push(self.val(&b.when, at, bindings).yes());
                }
                and(&parts)
            }
            Guard::Arm {
                subject,
                arms,
                index,
            } => {
                let subject = subject.map(|s| self.val(s, at, bindings));
                let matched = |arm: &crate::ir::Arm| -> Bool {
                    match &arm.patterns {
                        None => tt(),
                        Some(ps) => or(&ps
                            .iter()
                            .map(|pat| {
                                let pv = self.val(pat, at, bindings);
                                match &subject {
                                    Some(s) => {
                                        and(&[s.ok.clone(), pv.ok.clone(), s.t.equals(&pv.t)])
                                    }
                                    None => pv.yes(),
                                }
                            })
                            .collect::<Vec<_>>()),
                    }
                };
                let mut parts: Vec<Bool> = arms[..index]
                    .iter()
                    .filter(|a| a.patterns.is_some())
                    .map(|a| not(&matched(a)))
                    .collect();
                parts.push(matched(&arms[index]));
                and(&parts)
            }
        };
        if here.as_bool() == Some(false) {
            return ff();
        }
        let rest = self.guards_from(p, i + 1, bindings, fixed, with_requires);
        and(&[here, rest])
    }

    /// Whether the guards from `i` on (and the item's own `requires`) read
    /// loop variable `var`, or a decision asked per element of it.
    fn reads_loop_var(&self, p: &Placed, i: usize, var: &str, with_requires: bool) -> bool {
        let mut exprs = Vec::new();
        for g in &p.guards[i..] {
            g.exprs(&mut exprs);
        }
        if with_requires
            && let Item::Do(d) = p.item
            && let Some(r) = &d.requires
        {
            exprs.push(r);
        }
        let mut found = false;
        for e in exprs {
            crate::ir::walk_expr(e, &mut |e| match &e.kind {
                ExprKind::LoopVar { id } if id == var => found = true,
                ExprKind::Decision { id }
                    if self
                        .model
                        .decisions
                        .iter()
                        .any(|d| &d.id == id && d.per.as_deref() == Some(var)) =>
                {
                    found = true
                }
                _ => {}
            });
        }
        found
    }

    /// Whether the run covers a task (its `applies to`).
    pub fn task_applies_f(&self, task: &crate::ir::Task) -> Bool {
        self.applies_f(&task.applies)
    }

    /// The condition holds where `at` reads it.
    pub fn yes_f(&self, e: &Expr, at: At) -> Bool {
        self.val(e, at, &[]).yes()
    }

    /// The run waits forever for something `e` reads where `at` reads it.
    pub fn waits_f(&self, e: &Expr, at: At) -> Bool {
        self.val(e, at, &[]).wait
    }

    /// The condition is false or cannot be computed where `at` reads it.
    pub fn no_f(&self, e: &Expr, at: At) -> Bool {
        self.val(e, at, &[]).no()
    }

    /// Whether a decision is answered where `at` reads it (for a message).
    pub fn asked_f(&self, id: &str, at: At) -> Bool {
        self.asked(id, None, at)
    }

    // -----------------------------------------------------------------
    // Deciding.

    /// Whether the playbook's own `requires` is beyond what the solver
    /// decides (questions then consider every input).
    pub fn precondition_undecided(&self) -> bool {
        self.prepare();
        self.smt().precondition_undecided.get()
    }

    /// Whether some run satisfies `f` (with `applicable`, only runs the
    /// playbook's own `requires` lets start).
    pub fn decide(&self, f: &Bool, applicable: bool) -> Outcome {
        self.decide_marked(f, applicable, &[])
    }

    /// The assumptions of a question: with `applicable`, that the
    /// playbook's own `requires` holds.
    fn assumptions(&self, applicable: bool) -> Vec<Bool> {
        match applicable {
            true => self.smt().pre_lit.borrow().iter().cloned().collect(),
            false => Vec::new(),
        }
    }

    /// Asks the solver whether `f` can hold under `assumptions` (with the
    /// model when `model` is asked for); counted in [`solver_stats`].
    fn ask(&self, f: &Bool, assumptions: &[Bool], model: bool) -> Asked {
        let smt = self.smt();
        let started = std::time::Instant::now();
        let guard = self.fresh_bool();
        let solver = smt.solver();
        let z = |b: &Bool| smt.tr.bool(b);
        let assumed = smt.tr.bools(assumptions);
        let result = check_within(solver, &guarded(solver, &z(f), z(&guard), assumed));
        let asked = match result {
            SatResult::Sat => Asked::Sat(if model { solver.get_model() } else { None }),
            SatResult::Unsat => Asked::Unsat,
            SatResult::Unknown => Asked::Unknown(gave_up(solver)),
        };
        CALLS.fetch_add(1, Ordering::Relaxed);
        NANOS.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        asked
    }

    /// Whether some run satisfies `f`, when the caller needs no witness:
    /// the same answer as [`decide`](Self::decide) without reading the
    /// model (the witness costs a solver call per variable it reads).
    pub fn possible(&self, f: &Bool, applicable: bool) -> Verdict {
        self.prepare();
        let smt = self.smt();
        let key = (f.clone(), applicable);
        if let Some(o) = smt.answers.borrow().get(&key) {
            return Verdict::of(o);
        }
        if let Some(v) = smt.verdicts.borrow().get(&key) {
            return v.clone();
        }
        let verdict = if proven_false(f) {
            Verdict::Never
        } else if f.as_bool() == Some(true) && (!applicable || self.sampled_start) {
            // Some run starts: a sampled scenario satisfies the playbook's
            // `requires`, evaluated as a run evaluates it.
            Verdict::Some
        } else if nonlinear(f) {
            Verdict::Unknown(NONLINEAR.to_string())
        } else {
            match self.ask(f, &self.assumptions(applicable), false) {
                Asked::Sat(_) => Verdict::Some,
                Asked::Unsat => Verdict::Never,
                Asked::Unknown(reason) => Verdict::Unknown(reason),
            }
        };
        smt.verdicts.borrow_mut().insert(key, verdict.clone());
        verdict
    }

    /// Like [`decide`](Self::decide), also reporting which of `marks` hold
    /// in the witness ([`Found::holds`]).
    pub fn decide_marked(&self, f: &Bool, applicable: bool, marks: &[Bool]) -> Outcome {
        self.prepare();
        let smt = self.smt();
        let key = (f.clone(), applicable);
        if marks.is_empty()
            && let Some(o) = smt.answers.borrow().get(&key)
        {
            return o.clone();
        }
        if proven_false(f) {
            smt.answers.borrow_mut().insert(key, Outcome::Never);
            return Outcome::Never;
        }
        if nonlinear(f) {
            let outcome = Outcome::Unknown(NONLINEAR.to_string());
            smt.answers.borrow_mut().insert(key, outcome.clone());
            return outcome;
        }
        let assumptions = self.assumptions(applicable);
        let outcome = match self.ask(f, &assumptions, true) {
            Asked::Unsat => Outcome::Never,
            Asked::Unknown(reason) => Outcome::Unknown(reason),
            Asked::Sat(Some(model)) => {
                smt.modelled.set(true);
                Outcome::Found(std::rc::Rc::new(self.found(&model, f, &assumptions, marks)))
            }
            Asked::Sat(None) => Outcome::Unknown("the solver gave no model".to_string()),
        };
        if marks.is_empty() {
            smt.answers.borrow_mut().insert(key, outcome.clone());
        }
        outcome
    }

    /// A model like `model` in which each whole number and date that
    /// matters sits on a constant the question names, or next to one,
    /// where the question still holds with the other values kept: a
    /// witness on the boundary the playbook wrote (`seats = 1000`) says
    /// more than an arbitrary value. Costs a solver call per candidate, on
    /// questions that are reported only.
    fn on_constants(
        &self,
        first: &Model,
        f: &Bool,
        assumptions: &[Bool],
        kept: &[SVar],
    ) -> Option<Model> {
        let smt = self.smt();
        let solver = smt.solver();
        let tr = &smt.tr;
        let assumed = tr.bools(assumptions);
        let constants = numerals(f);
        let mut better: Option<Model> = None;
        let vars = smt.vars.borrow().clone();
        for v in kept {
            let model = better.as_ref().unwrap_or(first);
            let Some((_, Raw::Int(x) | Raw::Date(x))) = vars.get(v) else {
                continue;
            };
            let current = model.eval(&tr.int(x), true).and_then(|n| n.as_i64());
            let others: Vec<Bool> = kept
                .iter()
                .filter(|w| *w != v)
                .filter_map(|w| vars.get(w))
                .map(|(_, raw)| raw.fixed_in(model, tr))
                .collect();
            for c in constants.iter().flat_map(|c| [*c, c + 1, c - 1]) {
                if Some(c) == current {
                    break;
                }
                solver.push();
                solver.assert(tr.bool(f));
                solver.assert(tr.bool(&and(&others)));
                solver.assert(tr.bool(&x.eq(c)));
                let found = match check_within(solver, &assumed) {
                    SatResult::Sat => solver.get_model(),
                    _ => None,
                };
                solver.pop(1);
                if let Some(m) = found {
                    better = Some(m);
                    break;
                }
            }
        }
        better
    }

    /// The witness of a model: the values that matter, the whole run, and
    /// the steps that run.
    fn found(&self, model: &Model, f: &Bool, assumptions: &[Bool], marks: &[Bool]) -> Found {
        let smt = self.smt();
        // The variables the question reads, with the precondition's.
        let mut roots: Vec<T> = vec![f.0.clone()];
        if !assumptions.is_empty()
            && let Some(r) = &self.model.requires
        {
            roots.push(self.val(r, At::Start, &[]).yes().0);
        }
        let mut relevant: BTreeSet<SVar> = BTreeSet::new();
        let owner = smt.owner.borrow();
        let defined_by = smt.defined_by.borrow();
        while !roots.is_empty() {
            let from: Vec<T> = std::mem::take(&mut roots);
            walk(&from.iter().collect::<Vec<_>>(), |t| {
                if let Some(v) = owner.get(t) {
                    relevant.insert(v.clone());
                } else if let Some(term) = defined_by.get(t) {
                    roots.push(term.clone());
                }
                true
            });
        }
        drop(defined_by);
        drop(owner);
        // Keep only the variables whose value matters: with the others
        // fixed, some other value of it would falsify the question.
        let solver = smt.solver();
        let tr = &smt.tr;
        let assumed = tr.bools(assumptions);
        let mut kept: Vec<SVar> = relevant.iter().cloned().collect();
        if !kept.is_empty() {
            let vars = smt.vars.borrow().clone();
            let fixed = |v: &SVar| -> Bool {
                vars.get(v)
                    .map(|(_, raw)| raw.fixed_in(model, tr))
                    .unwrap_or_else(tt)
            };
            for v in relevant.iter() {
                let others: Vec<Bool> = kept.iter().filter(|w| *w != v).map(&fixed).collect();
                solver.push();
                solver.assert(tr.bool(&not(f)));
                solver.assert(tr.bool(&and(&others)));
                let result = check_within(solver, &assumed);
                solver.pop(1);
                if result == SatResult::Unsat {
                    kept.retain(|w| w != v);
                }
            }
        }
        let better = self.on_constants(model, f, assumptions, &kept);
        let model = better.as_ref().unwrap_or(model);
        let vars = smt.vars.borrow();
        let show = |v: &SVar| -> Option<(String, String)> {
            let (_, raw) = vars.get(v)?;
            Some((self.var_name(v), self.read(model, raw)?.to_string()))
        };
        let values: Vec<(String, String)> = kept.iter().filter_map(&show).collect();
        // The whole run: every input, and every answer and day used.
        let mut all: Vec<SVar> = self
            .model
            .inputs
            .iter()
            .map(|i| SVar::Input(i.id.clone()))
            .collect();
        let mut others: Vec<SVar> = vars
            .keys()
            .filter(|v| matches!(v, SVar::Decision(..) | SVar::Today(_)))
            .cloned()
            .collect();
        others.sort();
        all.extend(others);
        drop(vars);
        let vars = smt.vars.borrow();
        let run = all
            .iter()
            .filter_map(|v| {
                let (_, raw) = vars.get(v)?;
                Some((self.var_name(v), self.read(model, raw)?.to_string()))
            })
            .collect();
        drop(vars);
        let path = self
            .graph
            .order()
            .iter()
            .copied()
            .filter(|s| {
                let runs = self.runs_f(*s);
                model
                    .eval(&tr.bool(&runs), true)
                    .and_then(|b| b.as_bool())
                    .unwrap_or(false)
            })
            .collect();
        let marks = marks
            .iter()
            .enumerate()
            .map(|(i, m)| {
                (
                    i,
                    model
                        .eval(&tr.bool(m), true)
                        .and_then(|b| b.as_bool())
                        .unwrap_or(false),
                )
            })
            .collect();
        Found {
            values,
            run,
            path,
            marks,
        }
    }

    /// A variable's value in a model.
    fn read(&self, model: &Model, raw: &Raw) -> Option<Value> {
        let tr = &self.smt().tr;
        let int = |i: &Int| model.eval(&tr.int(i), true).and_then(|v| v.as_i64());
        Some(match raw {
            Raw::Bool(b) => Value::Bool(model.eval(&tr.bool(b), true)?.as_bool()?),
            Raw::Int(i) => Value::Number(Ratio::int(int(i)?)),
            Raw::Percent(h) => Value::Percent(Ratio::from_hundredths_percent(int(h)?)),
            Raw::Date(d) => Value::Date(days_date(int(d)?)?),
            Raw::Duration(a, u) => Value::Duration(int(a)?, unit_of(int(u)?)),
            Raw::Text(i) => {
                let i = int(i)?;
                let texts = self.smt().texts.borrow();
                match usize::try_from(i).ok().and_then(|i| texts.get(i)) {
                    Some(t) => Value::Text(t.clone()),
                    None => Value::Text(format!("text {}", i - texts.len() as i64 + 1)),
                }
            }
            Raw::Enum(i) => {
                let i = int(i)?;
                let name = usize::try_from(i)
                    .ok()
                    .and_then(|i| self.smt().name_list.get(i))?;
                Value::Enum(name.to_string())
            }
            Raw::Set(members) => {
                let mut set = BTreeSet::new();
                for (n, m) in members {
                    if model.eval(&tr.bool(m), true)?.as_bool()? {
                        let name = usize::try_from(*n)
                            .ok()
                            .and_then(|i| self.smt().name_list.get(i))?;
                        set.insert(name.to_string());
                    }
                }
                Value::Set(set)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_agree_with_the_calendar() {
        let mut d = jiff::civil::date(1583, 1, 1);
        let end = jiff::civil::date(2500, 12, 31);
        let mut n = date_days(d);
        while d <= end {
            assert_eq!(date_days(d), n, "{d}");
            assert_eq!(days_date(n), Some(d));
            d = d.tomorrow().unwrap();
            n += 1;
        }
        for (y, m, day) in [(-9999, 1, 1), (0, 2, 29), (9999, 12, 31), (-1, 12, 31)] {
            let date = jiff::civil::date(y, m, day);
            assert_eq!(days_date(date_days(date)), Some(date));
        }
        assert_eq!(date_days(jiff::civil::date(1970, 1, 1)), 0);
    }

    #[test]
    fn the_first_day_of_each_year_agrees_with_the_calendar() {
        for y in -9999..=9999 {
            assert_eq!(year_start(y), days_from_civil(y, 1, 1), "{y}");
            let leap = jiff::civil::date(y as i16, 1, 1).in_leap_year();
            for m in 1..=12 {
                assert_eq!(
                    year_start(y) + days_before_month(m, leap),
                    days_from_civil(y, m, 1),
                    "{y}-{m}"
                );
            }
        }
    }
}
