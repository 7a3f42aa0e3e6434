//! The state of an analysis's solver (`Smt`) and the values it keeps:
//! data only. `smt.rs` holds what they do; `analysis.rs` holds an `Smt`
//! without needing what it does, so the two files do not use each other
//! in a circle.

use super::term::{Bool, Int, Real, T, Translator};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::{Cell, RefCell};
use z3::Solver;

/// Where an analysis's solver comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The thread's default context and its solver, kept between analyses:
    /// no context or solver to create, but a model may depend on what the
    /// thread solved before. Its answers (sat or unsat) do not.
    Shared,
    /// A solver made for this analysis, in the context the caller set up:
    /// models depend on the playbook alone.
    Fresh,
}

/// An analysis's solver; a shared one is scoped to the analysis.
pub(super) struct SolverSlot {
    pub(super) solver: std::rc::Rc<Solver>,
    pub(super) shared: bool,
}

/// A number as solver terms: an integer over a constant positive scale
/// (`seats` is `seats / 1`, `10% of seats` is `10·seats / 100`), so that
/// questions stay in linear integer arithmetic, which Z3 decides quickly;
/// a real only for a division by a value that varies (which is nonlinear,
/// and so left undecided anyway).
#[derive(Clone, Debug)]
pub(super) enum Number {
    Scaled(Int, i64),
    Real(Real),
}

/// A value of the language as solver terms.
#[derive(Clone, Debug)]
pub(super) enum Term {
    Bool(Bool),
    /// A number; `true` for a percentage (kept apart for `==`).
    Num(Number, bool),
    /// A day number.
    Date(Int),
    /// An amount and a unit: 0 days, 1 weeks, 2 months, 3 years.
    Duration(Int, Int),
    /// A text: the index of a text constant of the playbook, or any number
    /// past them for a text that is none of them.
    Text(Int),
    /// The index of a value name.
    Enum(Int),
    /// Membership of each value of the set's enum, by value-name index.
    Set(Vec<(i64, Bool)>),
}

/// A value, whether it is defined, and if not, whether the run waits for it.
#[derive(Clone, Debug)]
pub(super) struct Val {
    pub(super) t: Term,
    pub(super) ok: Bool,
    pub(super) wait: Bool,
}

/// A value the solver chooses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SVar {
    Input(String),
    /// A decision; per element for a decision asked inside a `for each`.
    Decision(String, Option<String>),
    /// The day a step reads `today` (`None`: when the run starts).
    Today(Option<usize>),
    /// Whether evidence is recorded, in questions about a condition alone.
    Recorded(String),
    /// A loop variable, in questions about a condition alone.
    Loop(String),
}

/// The solver's constants behind a variable, to read its value from a model.
#[derive(Clone)]
pub(super) enum Raw {
    Bool(Bool),
    Int(Int),
    Percent(Int),
    Date(Int),
    Duration(Int, Int),
    Text(Int),
    Enum(Int),
    Set(Vec<(i64, Bool)>),
}

/// Where an expression is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum At {
    /// When the run starts: the playbook's `requires`, and definitions as
    /// the run computes them then.
    Start,
    /// Before step `s` starts: its `requires` and the `when` of its entry
    /// criteria.
    Before(usize),
    /// While step `s` runs: its items and the `when` of its exit criteria.
    During(usize),
    /// Anywhere: every decision answered, evidence and `today` free (for a
    /// condition on its own, such as the arms of a `match`).
    Free,
}

pub(super) type Bindings = Vec<(String, String)>;

/// The answer to one question.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Values that satisfy it: the witness (shared: a repeated question
    /// answers with the same one).
    Found(std::rc::Rc<Found>),
    /// No values satisfy it: proven.
    Never,
    /// The solver could not decide (its reason).
    Unknown(String),
}

/// The answer to one question when no witness is needed
/// ([`Analysis::possible`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Some values satisfy it.
    Some,
    /// No values satisfy it: proven.
    Never,
    /// The solver could not decide (its reason).
    Unknown(String),
}

/// A witness found by the solver.
#[derive(Clone, Debug)]
pub struct Found {
    /// The values that matter, as given to a run.
    pub values: Vec<(String, String)>,
    /// Every input, answer and day of the run the model describes.
    pub run: Vec<(String, String)>,
    /// The steps that run, in order.
    pub path: Vec<usize>,
    /// Values of the checked formula's parts, by name (see [`Found::holds`]).
    pub(super) marks: Vec<(usize, bool)>,
}

/// The solver state of one analysis.
pub struct Smt<'m> {
    pub(super) solver: std::cell::OnceCell<SolverSlot>,
    /// What every question assumes (the domains of variables, definitions
    /// of quotients and years), not yet given to the solver.
    pub(super) pending: RefCell<Vec<Bool>>,
    /// Our terms as Z3's.
    pub(super) tr: Translator,
    /// Whether a witness came from a model.
    pub(super) modelled: Cell<bool>,
    pub(super) mode: Mode,
    /// Value names of enums and services: index by name, name by index.
    pub(super) names: FxHashMap<&'m str, i64>,
    pub(super) name_list: Vec<&'m str>,
    /// Text constants of the playbook.
    pub(super) texts: RefCell<Vec<String>>,
    pub(super) vars: RefCell<FxHashMap<SVar, (Term, Raw)>>,
    /// Each constant → its variable.
    pub(super) owner: RefCell<FxHashMap<T, SVar>>,
    /// Definitions whose value depends on where they are read.
    pub(super) context_lets: FxHashSet<&'m str>,
    /// Definitions each definition uses.
    pub(super) let_uses: FxHashMap<&'m str, Vec<&'m str>>,
    pub(super) lets: RefCell<FxHashMap<(&'m str, At), Val>>,
    pub(super) exprs: RefCell<FxHashMap<(usize, At, Bindings), Val>>,
    pub(super) runs: RefCell<Vec<Option<Bool>>>,
    pub(super) gates: RefCell<FxHashMap<(usize, usize), Bool>>,
    pub(super) recorded: RefCell<FxHashMap<(&'m str, usize, bool), Bool>>,
    pub(super) ask_happens: RefCell<FxHashMap<(&'m str, Option<String>), Bool>>,
    /// Placed `ask` items of each decision.
    pub(super) asks: FxHashMap<&'m str, Vec<usize>>,
    pub(super) today_steps: RefCell<Vec<usize>>,
    pub(super) answers: RefCell<FxHashMap<(Bool, bool), Outcome>>,
    /// Answers of questions asked without a witness.
    pub(super) verdicts: RefCell<FxHashMap<(Bool, bool), Verdict>>,
    pub(super) pre_lit: RefCell<Option<Bool>>,
    /// Quotients defined so far (`Analysis::fdiv`).
    pub(super) quotients: RefCell<FxHashMap<(Int, i64), Int>>,
    /// The term each quotient and year variable is defined from.
    pub(super) defined_by: RefCell<FxHashMap<T, T>>,
    /// Years of day numbers defined so far (`Analysis::year_of`).
    pub(super) years: RefCell<FxHashMap<Int, Int>>,
    /// The playbook's `requires` is beyond what the solver decides.
    pub(super) precondition_undecided: Cell<bool>,
    pub(super) prepared: Cell<bool>,
    /// The number of the next constant: Z3 symbols by number, which it
    /// does not intern as it does names.
    pub(super) next_symbol: Cell<u32>,
}
