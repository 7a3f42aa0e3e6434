//! Formulas as our own terms, simplified as they are built, and handed to
//! Z3 only when a question needs the solver.
//!
//! A Z3 context costs more to create (it allocates and clears about 17 MB)
//! than checking a typical playbook, and most questions a playbook asks are
//! settled by rewriting alone: `a and not a`, or `seats >= 1000` against
//! `seats < 1000`. So the encoding (`smt.rs`) builds these terms, and
//! [`Translator`] turns one into Z3's only when it is asked.
//!
//! Terms are hash-consed: two terms built alike are one node, compared and
//! hashed by identity, so a repeated condition is one key in a cache. Every
//! rewrite is an equivalence (the same value under every assignment of the
//! variables), so a formula rewritten to `false` is proven unsatisfiable:
//! - `and`, `or` and `not` fold constants, flatten, drop repeats, and find
//!   a formula next to its negation;
//! - integer terms are linear sums `c1·x1 + … + k` over atoms (variables,
//!   `ite`s, products of two varying terms), with like atoms merged;
//! - an integer comparison is `L <= m`, `L >= m` or `L = m`, its sum `L`
//!   divided by the gcd of its coefficients (rounding the bound as integers
//!   allow) and its first coefficient positive, so `1000 <= x`, `x >= 1000`
//!   and `not (x < 1000)` are one node, and `not (L <= m)` is `L >= m + 1`;
//! - in an `and`, bounds on one sum that leave no integer between them are
//!   `false`; in an `or`, bounds that leave none outside them are `true`.
//!
//! Real terms (only a division by a varying value makes one) are kept as
//! built.

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::rc::{Rc, Weak};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sort {
    Bool,
    Int,
    Real,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmp {
    Le,
    Ge,
    Eq,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RealOp {
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    Lt,
    Le,
    Eq,
}

/// What a node is; its operands are the node's `kids`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    True,
    False,
    /// An integer constant.
    Num(i128),
    /// A variable, by number (Z3's symbol).
    Var(u32),
    Not,
    And,
    Or,
    Iff,
    /// If the first kid then the second else the third.
    Ite,
    /// `Σ coefficient·kid + constant` over at least one kid.
    Lin(Vec<i128>, i128),
    /// The kid (a sum or an atom) against a bound.
    Cmp(Cmp, i128),
    /// A product of integer terms that vary.
    Mul,
    ToReal,
    ToInt,
    IsInt,
    Real(RealOp),
}

pub struct Node {
    id: u64,
    op: Op,
    sort: Sort,
    kids: Vec<T>,
}

impl Drop for Node {
    // Without recursion: a long chain of steps makes deep terms.
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.kids);
        while let Some(t) = stack.pop() {
            if let Ok(mut node) = Rc::try_unwrap(t.0) {
                stack.append(&mut node.kids);
            }
        }
    }
}

/// A term: one node of the thread's table, compared by identity.
#[derive(Clone)]
pub struct T(Rc<Node>);

impl PartialEq for T {
    fn eq(&self, other: &T) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for T {}

impl Hash for T {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.id.hash(state)
    }
}

impl std::fmt::Debug for T {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

impl std::fmt::Display for T {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = &self.0;
        let name = match &n.op {
            Op::True => return write!(f, "true"),
            Op::False => return write!(f, "false"),
            Op::Num(k) => return write!(f, "{k}"),
            Op::Var(v) => return write!(f, "x{v}"),
            Op::Lin(cs, k) => {
                write!(f, "(+")?;
                for (c, x) in cs.iter().zip(&n.kids) {
                    write!(f, " {c}·{x}")?;
                }
                return write!(f, " {k})");
            }
            Op::Cmp(c, m) => {
                let c = match c {
                    Cmp::Le => "<=",
                    Cmp::Ge => ">=",
                    Cmp::Eq => "=",
                };
                return write!(f, "({c} {} {m})", n.kids[0]);
            }
            Op::Real(r) => format!("{r:?}"),
            other => format!("{other:?}"),
        };
        write!(f, "({name}")?;
        for k in &n.kids {
            write!(f, " {k}")?;
        }
        write!(f, ")")
    }
}

impl T {
    pub fn id(&self) -> u64 {
        self.0.id
    }

    pub fn op(&self) -> &Op {
        &self.0.op
    }

    pub fn sort(&self) -> Sort {
        self.0.sort
    }

    pub fn kids(&self) -> &[T] {
        &self.0.kids
    }
}

#[derive(PartialEq, Eq, Hash)]
struct Key(Op, Sort, Vec<u64>);

/// The thread's table of live nodes.
struct Table {
    nodes: FxHashMap<Key, Weak<Node>>,
    next: u64,
    /// Size at which dead entries are next swept out.
    sweep_at: usize,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table {
        nodes: FxHashMap::default(),
        next: 0,
        sweep_at: 1 << 12,
    });
}

fn node(op: Op, sort: Sort, kids: Vec<T>) -> T {
    let key = Key(op, sort, kids.iter().map(T::id).collect());
    TABLE.with(|table| {
        let mut table = table.borrow_mut();
        if let Some(n) = table.nodes.get(&key).and_then(Weak::upgrade) {
            return T(n);
        }
        if table.nodes.len() >= table.sweep_at {
            table.nodes.retain(|_, n| n.strong_count() > 0);
            table.sweep_at = (table.nodes.len() * 2).max(1 << 12);
        }
        let id = table.next;
        table.next += 1;
        let n = Rc::new(Node {
            id,
            op: key.0.clone(),
            sort,
            kids,
        });
        table.nodes.insert(key, Rc::downgrade(&n));
        T(n)
    })
}

// ---------------------------------------------------------------------
// Typed handles.

/// A formula.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Bool(pub T);

/// An integer term.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Int(pub T);

/// A real term.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Real(pub T);

impl std::fmt::Debug for Bool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::fmt::Display for Bool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::fmt::Debug for Int {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::fmt::Debug for Real {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A term of one sort, for [`Bool::ite`].
pub trait Sorted: Clone {
    fn term(&self) -> &T;
    fn of(t: T) -> Self;
}

impl Sorted for Bool {
    fn term(&self) -> &T {
        &self.0
    }
    fn of(t: T) -> Self {
        Bool(t)
    }
}

impl Sorted for Int {
    fn term(&self) -> &T {
        &self.0
    }
    fn of(t: T) -> Self {
        Int(t)
    }
}

impl Sorted for Real {
    fn term(&self) -> &T {
        &self.0
    }
    fn of(t: T) -> Self {
        Real(t)
    }
}

// ---------------------------------------------------------------------
// Formulas.

impl Bool {
    pub fn from_bool(b: bool) -> Bool {
        Bool(node(
            if b { Op::True } else { Op::False },
            Sort::Bool,
            vec![],
        ))
    }

    pub fn new_const(n: u32) -> Bool {
        Bool(node(Op::Var(n), Sort::Bool, vec![]))
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.0.op() {
            Op::True => Some(true),
            Op::False => Some(false),
            _ => None,
        }
    }

    pub fn not(&self) -> Bool {
        let t = &self.0;
        match t.op() {
            Op::True => Bool::from_bool(false),
            Op::False => Bool::from_bool(true),
            Op::Not => Bool(t.kids()[0].clone()),
            Op::Cmp(Cmp::Le, m) => match m.checked_add(1) {
                Some(m) => cmp(Cmp::Ge, t.kids()[0].clone(), m),
                None => Bool(node(Op::Not, Sort::Bool, vec![t.clone()])),
            },
            Op::Cmp(Cmp::Ge, m) => match m.checked_sub(1) {
                Some(m) => cmp(Cmp::Le, t.kids()[0].clone(), m),
                None => Bool(node(Op::Not, Sort::Bool, vec![t.clone()])),
            },
            _ => Bool(node(Op::Not, Sort::Bool, vec![t.clone()])),
        }
    }

    pub fn and(xs: &[Bool]) -> Bool {
        junction(xs, true)
    }

    /// Two or more of `xs` hold. Where each of `xs` bounds one and the same
    /// sum (`seats >= 10 and seats < 20`), that is the sum lying where two
    /// of the ranges meet, found by one sweep; otherwise it is a count of
    /// those that hold. Either way the term grows with `xs`, not with its
    /// pairs.
    pub fn at_least_two(xs: &[Bool]) -> Bool {
        if let Some(f) = ranges_met_twice(xs) {
            return f;
        }
        let (one, zero) = (Int::from_i64(1), Int::from_i64(0));
        let counts: Vec<Int> = xs.iter().map(|x| x.ite(&one, &zero)).collect();
        Int::sum(&counts).ge(2)
    }

    pub fn or(xs: &[Bool]) -> Bool {
        junction(xs, false)
    }

    pub fn implies(&self, other: &Bool) -> Bool {
        Bool::or(&[self.not(), other.clone()])
    }

    pub fn iff(&self, other: &Bool) -> Bool {
        match (self.as_bool(), other.as_bool()) {
            (Some(a), Some(b)) => Bool::from_bool(a == b),
            (Some(true), None) => other.clone(),
            (Some(false), None) => other.not(),
            (None, Some(true)) => self.clone(),
            (None, Some(false)) => self.not(),
            _ if self == other => Bool::from_bool(true),
            _ if self.not() == *other => Bool::from_bool(false),
            _ => {
                let (a, b) = ordered(self.0.clone(), other.0.clone());
                Bool(node(Op::Iff, Sort::Bool, vec![a, b]))
            }
        }
    }

    /// `a` where this holds, `b` elsewhere.
    pub fn ite<S: Sorted>(&self, a: &S, b: &S) -> S {
        match self.as_bool() {
            Some(true) => return a.clone(),
            Some(false) => return b.clone(),
            None => {}
        }
        if a.term() == b.term() {
            return a.clone();
        }
        let sort = a.term().sort();
        if sort == Sort::Bool {
            let (x, y) = (Bool(a.term().clone()), Bool(b.term().clone()));
            let folded = match (x.as_bool(), y.as_bool()) {
                (Some(true), Some(false)) => Some(self.clone()),
                (Some(false), Some(true)) => Some(self.not()),
                (Some(true), None) => Some(Bool::or(&[self.clone(), y])),
                (Some(false), None) => Some(Bool::and(&[self.not(), y])),
                (None, Some(true)) => Some(Bool::or(&[self.not(), x])),
                (None, Some(false)) => Some(Bool::and(&[self.clone(), x])),
                _ => None,
            };
            if let Some(f) = folded {
                return S::of(f.0);
            }
        }
        S::of(node(
            Op::Ite,
            sort,
            vec![self.0.clone(), a.term().clone(), b.term().clone()],
        ))
    }
}

fn ordered(a: T, b: T) -> (T, T) {
    if a.id() <= b.id() { (a, b) } else { (b, a) }
}

/// `and` (with `conj`) or `or` of `xs`, simplified.
/// A range of whole numbers: `None` is unbounded on that side.
type Range = (Option<i128>, Option<i128>);

/// The sum that `x` bounds and the range it allows (`None` for any sum:
/// `true` or `false`), or `None` when `x` is not bounds on one sum.
fn range_of(x: &T) -> Option<(Option<T>, Range)> {
    let empty = (Some(1), Some(0));
    match x.op() {
        Op::True => Some((None, (None, None))),
        Op::False => Some((None, empty)),
        Op::Cmp(c, m) => {
            let range = match c {
                Cmp::Le => (None, Some(*m)),
                Cmp::Ge => (Some(*m), None),
                Cmp::Eq => (Some(*m), Some(*m)),
            };
            Some((Some(x.kids()[0].clone()), range))
        }
        Op::And => {
            let mut sum: Option<T> = None;
            let (mut lo, mut hi): Range = (None, None);
            for k in x.kids() {
                let (Some(s), (l, h)) = range_of(k)? else {
                    return None;
                };
                if sum.get_or_insert_with(|| s.clone()) != &s {
                    return None;
                }
                lo = lo.max(l);
                hi = match (hi, h) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            Some((sum, (lo, hi)))
        }
        _ => None,
    }
}

/// [`Bool::at_least_two`] of bounds on one sum: the sum lies in a stretch
/// that two of the ranges cover, found by sweeping over their ends in
/// order. `None` when `xs` are not all bounds on one sum.
fn ranges_met_twice(xs: &[Bool]) -> Option<Bool> {
    let mut sum: Option<T> = None;
    // (where, +1 where a range starts or -1 after it ends); `None` is
    // before every number.
    let mut ends: Vec<(Option<i128>, i32)> = Vec::with_capacity(2 * xs.len());
    for x in xs {
        let (s, (lo, hi)) = range_of(&x.0)?;
        if let Some(s) = s
            && sum.get_or_insert_with(|| s.clone()) != &s
        {
            return None;
        }
        if let (Some(l), Some(h)) = (lo, hi)
            && l > h
        {
            continue;
        }
        ends.push((lo, 1));
        if let Some(h) = hi {
            ends.push((Some(h.checked_add(1)?), -1));
        }
    }
    let sum = sum?;
    ends.sort_unstable();
    let mut stretches: Vec<Bool> = Vec::new();
    let (mut covered, mut from): (i32, Option<i128>) = (0, None);
    let mut i = 0;
    while i < ends.len() {
        let at = ends[i].0;
        let before = covered;
        while i < ends.len() && ends[i].0 == at {
            covered += ends[i].1;
            i += 1;
        }
        if before < 2 && covered >= 2 {
            from = at;
        } else if before >= 2 && covered < 2 {
            // The stretch ends just before `at`, which is a number: only
            // the end of a range makes the count fall.
            let to = at.expect("a range ends at a number") - 1;
            stretches.push(stretch(&sum, from, Some(to)));
        }
    }
    if covered >= 2 {
        stretches.push(stretch(&sum, from, None));
    }
    Some(Bool::or(&stretches))
}

/// `lo <= sum <= hi`, a side left out where it is `None`.
fn stretch(sum: &T, lo: Option<i128>, hi: Option<i128>) -> Bool {
    let mut sides = Vec::new();
    if let Some(l) = lo {
        sides.push(cmp(Cmp::Ge, sum.clone(), l));
    }
    if let Some(h) = hi {
        sides.push(cmp(Cmp::Le, sum.clone(), h));
    }
    Bool::and(&sides)
}

fn junction(xs: &[Bool], conj: bool) -> Bool {
    let (unit, zero) = if conj {
        (Op::True, Op::False)
    } else {
        (Op::False, Op::True)
    };
    let own = if conj { Op::And } else { Op::Or };
    let mut kept: Vec<T> = Vec::with_capacity(xs.len());
    let mut seen: rustc_hash::FxHashSet<u64> = rustc_hash::FxHashSet::default();
    let mut stack: Vec<&T> = xs.iter().rev().map(|b| &b.0).collect();
    while let Some(t) = stack.pop() {
        if *t.op() == unit {
            continue;
        }
        if *t.op() == zero {
            return Bool(node(zero, Sort::Bool, vec![]));
        }
        if *t.op() == own {
            stack.extend(t.kids().iter().rev());
            continue;
        }
        if seen.insert(t.id()) {
            kept.push(t.clone());
        }
    }
    // A formula next to its negation.
    for t in &kept {
        if *t.op() == Op::Not && seen.contains(&t.kids()[0].id()) {
            return Bool(node(zero, Sort::Bool, vec![]));
        }
    }
    // Bounds on one sum: the lowest and highest values it may take (in an
    // `and`), or the lowest above and highest below (in an `or`).
    let mut bounds: FxHashMap<u64, (i128, i128)> = FxHashMap::default();
    for t in &kept {
        let Op::Cmp(c, m) = t.op() else { continue };
        let (lo, hi) = bounds.entry(t.kids()[0].id()).or_insert(if conj {
            (i128::MIN, i128::MAX)
        } else {
            (i128::MAX, i128::MIN)
        });
        match (c, conj) {
            (Cmp::Le, true) => *hi = (*hi).min(*m),
            (Cmp::Ge, true) => *lo = (*lo).max(*m),
            (Cmp::Eq, true) => {
                *hi = (*hi).min(*m);
                *lo = (*lo).max(*m);
            }
            // In an `or`: `L <= m` covers everything up to m, `L >= m`
            // everything from m.
            (Cmp::Le, false) => *hi = (*hi).max(*m),
            (Cmp::Ge, false) => *lo = (*lo).min(*m),
            (Cmp::Eq, false) => {}
        }
    }
    for (lo, hi) in bounds.values() {
        let decided = if conj {
            lo > hi
        } else {
            *hi != i128::MIN && *lo != i128::MAX && *lo <= hi.saturating_add(1)
        };
        if decided {
            return Bool(node(zero, Sort::Bool, vec![]));
        }
    }
    match kept.len() {
        0 => Bool(node(unit, Sort::Bool, vec![])),
        1 => Bool(kept.pop().expect("one term")),
        _ => Bool(node(own, Sort::Bool, kept)),
    }
}

// ---------------------------------------------------------------------
// Integers.

/// A right operand of integer arithmetic.
pub trait IntoInt {
    fn into_int(self) -> Int;
}

impl IntoInt for Int {
    fn into_int(self) -> Int {
        self
    }
}

impl IntoInt for &Int {
    fn into_int(self) -> Int {
        self.clone()
    }
}

impl IntoInt for i64 {
    fn into_int(self) -> Int {
        Int::from_i64(self)
    }
}

/// A term as `Σ c·atom + k`.
fn linear(t: &T) -> (Vec<(T, i128)>, i128) {
    match t.op() {
        Op::Num(k) => (Vec::new(), *k),
        Op::Lin(cs, k) => (
            t.kids().iter().cloned().zip(cs.iter().copied()).collect(),
            *k,
        ),
        _ => (vec![(t.clone(), 1)], 0),
    }
}

/// The term of `Σ c·atom + k`, like atoms merged, or `None` on overflow.
fn sum(mut parts: Vec<(T, i128)>, k: i128) -> Option<Int> {
    parts.sort_by_key(|(t, _)| t.id());
    let mut merged: Vec<(T, i128)> = Vec::with_capacity(parts.len());
    for (t, c) in parts {
        match merged.last_mut() {
            Some((u, d)) if *u == t => *d = d.checked_add(c)?,
            _ => merged.push((t, c)),
        }
    }
    merged.retain(|(_, c)| *c != 0);
    Some(match merged.len() {
        0 => Int(node(Op::Num(k), Sort::Int, vec![])),
        1 if merged[0].1 == 1 && k == 0 => Int(merged.pop().expect("one part").0),
        _ => {
            let (kids, cs): (Vec<T>, Vec<i128>) = merged.into_iter().unzip();
            Int(node(Op::Lin(cs, k), Sort::Int, kids))
        }
    })
}

/// `a + s·b`, or an opaque sum when a coefficient overflows.
fn combine(a: &Int, b: &Int, s: i128) -> Int {
    let (mut parts, k) = linear(&a.0);
    let (more, l) = linear(&b.0);
    let folded = (|| {
        for (t, c) in more {
            parts.push((t, c.checked_mul(s)?));
        }
        sum(parts, k.checked_add(l.checked_mul(s)?)?)
    })();
    folded.unwrap_or_else(|| {
        let b = if s == 1 { b.clone() } else { b.scale(s) };
        // A sum of two terms Z3 adds up, whatever they are.
        Int(node(
            Op::Lin(vec![1, 1], 0),
            Sort::Int,
            vec![a.0.clone(), b.0],
        ))
    })
}

impl Int {
    pub fn from_i64(n: i64) -> Int {
        Int(node(Op::Num(n as i128), Sort::Int, vec![]))
    }

    pub fn new_const(n: u32) -> Int {
        Int(node(Op::Var(n), Sort::Int, vec![]))
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.0.op() {
            Op::Num(k) => i64::try_from(*k).ok(),
            _ => None,
        }
    }

    /// The sum of `xs`.
    /// `Σ xs`, like atoms merged: one pass over all the parts, so a sum of
    /// 40,000 terms costs 40,000 steps (an opaque sum on overflow).
    pub fn sum(xs: &[Int]) -> Int {
        let folded = (|| {
            let mut parts = Vec::new();
            let mut k: i128 = 0;
            for x in xs {
                let (more, l) = linear(&x.0);
                parts.extend(more);
                k = k.checked_add(l)?;
            }
            sum(parts, k)
        })();
        folded.unwrap_or_else(|| {
            xs.iter()
                .fold(Int::from_i64(0), |acc, x| combine(&acc, x, 1))
        })
    }

    fn scale(&self, s: i128) -> Int {
        let (parts, k) = linear(&self.0);
        let folded = (|| {
            let parts = parts
                .into_iter()
                .map(|(t, c)| Some((t, c.checked_mul(s)?)))
                .collect::<Option<Vec<_>>>()?;
            sum(parts, k.checked_mul(s)?)
        })();
        folded.unwrap_or_else(|| {
            let s = Int(node(Op::Num(s), Sort::Int, vec![]));
            let (a, b) = ordered(self.0.clone(), s.0);
            Int(node(Op::Mul, Sort::Int, vec![a, b]))
        })
    }

    pub fn unary_minus(&self) -> Int {
        self.scale(-1)
    }

    fn times(&self, other: &Int) -> Int {
        match (self.0.op(), other.0.op()) {
            (_, Op::Num(k)) => self.scale(*k),
            (Op::Num(k), _) => other.scale(*k),
            _ => {
                let (a, b) = ordered(self.0.clone(), other.0.clone());
                Int(node(Op::Mul, Sort::Int, vec![a, b]))
            }
        }
    }

    pub fn le<R: IntoInt>(&self, r: R) -> Bool {
        compare(self, &r.into_int(), Cmp::Le, 0)
    }

    pub fn lt<R: IntoInt>(&self, r: R) -> Bool {
        compare(self, &r.into_int(), Cmp::Le, 1)
    }

    pub fn ge<R: IntoInt>(&self, r: R) -> Bool {
        compare(self, &r.into_int(), Cmp::Ge, 0)
    }

    pub fn gt<R: IntoInt>(&self, r: R) -> Bool {
        compare(self, &r.into_int(), Cmp::Ge, 1)
    }

    pub fn eq<R: IntoInt>(&self, r: R) -> Bool {
        compare(self, &r.into_int(), Cmp::Eq, 0)
    }

    pub fn to_real(&self) -> Real {
        Real(node(Op::ToReal, Sort::Real, vec![self.0.clone()]))
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.min(i128::MAX as u128) as i128
}

fn cmp(c: Cmp, sum: T, m: i128) -> Bool {
    Bool(node(Op::Cmp(c, m), Sort::Bool, vec![sum]))
}

/// `a - b` against 0 (`<=`, `>=` or `=`), `strict` (0 or 1) making the
/// comparison strict.
fn compare(a: &Int, b: &Int, c: Cmp, strict: i128) -> Bool {
    let d = combine(a, b, -1);
    canonical(&d, c, strict).unwrap_or_else(|| {
        let bound = match c {
            Cmp::Le => -strict,
            Cmp::Ge => strict,
            Cmp::Eq => 0,
        };
        cmp(c, d.0, bound)
    })
}

/// The comparison of `d` with 0 in canonical form, or `None` on overflow.
fn canonical(d: &Int, c: Cmp, strict: i128) -> Option<Bool> {
    let (parts, k) = linear(&d.0);
    // Σ c·x + k ⋈ 0, i.e. Σ c·x ⋈ m.
    let k = k.checked_add(if c == Cmp::Le { strict } else { -strict })?;
    let m = k.checked_neg()?;
    if parts.is_empty() {
        return Some(Bool::from_bool(match c {
            Cmp::Le => 0 <= m,
            Cmp::Ge => 0 >= m,
            Cmp::Eq => m == 0,
        }));
    }
    // Divided by g, the gcd of the coefficients, rounding the bound inward.
    let g = parts.iter().fold(0, |g, (_, c)| gcd(g, *c));
    let bound = match c {
        Cmp::Le => m.div_euclid(g),
        Cmp::Ge => m.checked_neg()?.div_euclid(g).checked_neg()?,
        Cmp::Eq => {
            if m.rem_euclid(g) != 0 {
                return Some(Bool::from_bool(false));
            }
            m / g
        }
    };
    // The first coefficient positive.
    let flip = parts[0].1 < 0;
    let parts = parts
        .into_iter()
        .map(|(t, x)| Some((t, if flip { x.checked_neg()? / g } else { x / g })))
        .collect::<Option<Vec<_>>>()?;
    let sum = sum(parts, 0)?;
    let (c, bound) = match (flip, c) {
        (false, c) => (c, bound),
        (true, Cmp::Le) => (Cmp::Ge, bound.checked_neg()?),
        (true, Cmp::Ge) => (Cmp::Le, bound.checked_neg()?),
        (true, Cmp::Eq) => (Cmp::Eq, bound.checked_neg()?),
    };
    Some(cmp(c, sum.0, bound))
}

macro_rules! int_ops {
    ($($lhs:ty),*) => {$(
        impl<R: IntoInt> std::ops::Add<R> for $lhs {
            type Output = Int;
            fn add(self, r: R) -> Int {
                combine(&self.into_int(), &r.into_int(), 1)
            }
        }
        impl<R: IntoInt> std::ops::Sub<R> for $lhs {
            type Output = Int;
            fn sub(self, r: R) -> Int {
                combine(&self.into_int(), &r.into_int(), -1)
            }
        }
        impl<R: IntoInt> std::ops::Mul<R> for $lhs {
            type Output = Int;
            fn mul(self, r: R) -> Int {
                self.into_int().times(&r.into_int())
            }
        }
    )*};
}

int_ops!(Int, &Int);

// ---------------------------------------------------------------------
// Reals: kept as built.

fn real(op: RealOp, kids: Vec<T>) -> Real {
    Real(node(Op::Real(op), Sort::Real, kids))
}

fn real_cmp(op: RealOp, kids: Vec<T>) -> Bool {
    Bool(node(Op::Real(op), Sort::Bool, kids))
}

impl Real {
    pub fn unary_minus(&self) -> Real {
        real(RealOp::Neg, vec![self.0.clone()])
    }

    pub fn lt(&self, r: &Real) -> Bool {
        real_cmp(RealOp::Lt, vec![self.0.clone(), r.0.clone()])
    }

    pub fn le(&self, r: &Real) -> Bool {
        real_cmp(RealOp::Le, vec![self.0.clone(), r.0.clone()])
    }

    pub fn gt(&self, r: &Real) -> Bool {
        r.lt(self)
    }

    pub fn ge(&self, r: &Real) -> Bool {
        r.le(self)
    }

    pub fn eq(&self, r: &Real) -> Bool {
        real_cmp(RealOp::Eq, vec![self.0.clone(), r.0.clone()])
    }

    /// The largest integer not above this.
    pub fn to_int(&self) -> Int {
        Int(node(Op::ToInt, Sort::Int, vec![self.0.clone()]))
    }

    pub fn is_int(&self) -> Bool {
        Bool(node(Op::IsInt, Sort::Bool, vec![self.0.clone()]))
    }
}

macro_rules! real_ops {
    ($($trait:ident $method:ident $op:ident),*) => {$(
        impl std::ops::$trait<Real> for Real {
            type Output = Real;
            fn $method(self, r: Real) -> Real {
                real(RealOp::$op, vec![self.0, r.0])
            }
        }
        impl std::ops::$trait<&Real> for Real {
            type Output = Real;
            fn $method(self, r: &Real) -> Real {
                real(RealOp::$op, vec![self.0, r.0.clone()])
            }
        }
    )*};
}

real_ops!(Add add Add, Sub sub Sub, Mul mul Mul, Div div Div);

// ---------------------------------------------------------------------
// Walking terms.

/// Every node under `roots` once, parents before their kids, without
/// recursion.
pub fn walk(roots: &[&T], mut visit: impl FnMut(&T) -> bool) {
    let mut seen: rustc_hash::FxHashSet<u64> = rustc_hash::FxHashSet::default();
    let mut stack: Vec<T> = roots.iter().rev().map(|t| (*t).clone()).collect();
    while let Some(t) = stack.pop() {
        if !seen.insert(t.id()) {
            continue;
        }
        if visit(&t) {
            stack.extend(t.kids().iter().rev().cloned());
        }
    }
}

/// Whether a formula multiplies or divides two terms that both vary
/// (nonlinear arithmetic, which Z3 cannot always decide, nor always stop
/// on).
pub fn nonlinear(f: &Bool) -> bool {
    let mut found = false;
    walk(&[&f.0], |t| {
        match t.op() {
            Op::Mul => found |= t.kids().iter().filter(|k| varies(k)).count() >= 2,
            Op::Real(RealOp::Mul) => found |= t.kids().iter().filter(|k| varies(k)).count() >= 2,
            Op::Real(RealOp::Div) => found |= varies(&t.kids()[1]),
            _ => {}
        }
        !found
    });
    found
}

/// Whether a term contains a variable.
fn varies(t: &T) -> bool {
    let mut found = false;
    walk(&[t], |t| {
        found |= matches!(t.op(), Op::Var(_));
        !found
    });
    found
}

// ---------------------------------------------------------------------
// To Z3.

/// Our terms as Z3's, each node translated once (in the thread's current
/// Z3 context).
#[derive(Default)]
pub struct Translator {
    done: RefCell<FxHashMap<u64, z3::ast::Dynamic>>,
}

fn z3_int(k: i128) -> z3::ast::Int {
    match i64::try_from(k) {
        Ok(n) => z3::ast::Int::from_i64(n),
        Err(_) => {
            // k = hi·2^32 + lo
            let hi = k.div_euclid(1 << 32);
            let lo = k.rem_euclid(1 << 32) as i64;
            z3_int(hi) * z3::ast::Int::from_i64(1 << 32) + z3::ast::Int::from_i64(lo)
        }
    }
}

impl Translator {
    pub fn bool(&self, f: &Bool) -> z3::ast::Bool {
        self.term(&f.0).as_bool().expect("a formula")
    }

    pub fn bools(&self, fs: &[Bool]) -> Vec<z3::ast::Bool> {
        fs.iter().map(|f| self.bool(f)).collect()
    }

    pub fn int(&self, x: &Int) -> z3::ast::Int {
        self.term(&x.0).as_int().expect("an integer term")
    }

    pub fn term(&self, root: &T) -> z3::ast::Dynamic {
        use z3::ast::{Bool as ZBool, Dynamic, Int as ZInt, Real as ZReal};
        if let Some(d) = self.done.borrow().get(&root.id()) {
            return d.clone();
        }
        let mut stack: Vec<(T, bool)> = vec![(root.clone(), false)];
        while let Some((t, expanded)) = stack.pop() {
            if self.done.borrow().contains_key(&t.id()) {
                continue;
            }
            if !expanded {
                stack.push((t.clone(), true));
                for k in t.kids() {
                    if !self.done.borrow().contains_key(&k.id()) {
                        stack.push((k.clone(), false));
                    }
                }
                continue;
            }
            let done = self.done.borrow();
            let kid = |i: usize| done[&t.kids()[i].id()].clone();
            let kids = || (0..t.kids().len()).map(kid).collect::<Vec<_>>();
            let b = |d: Dynamic| d.as_bool().expect("a formula");
            let i = |d: Dynamic| d.as_int().expect("an integer term");
            let r = |d: Dynamic| d.as_real().expect("a real term");
            let out: Dynamic = match t.op() {
                Op::True => Dynamic::from_ast(&ZBool::from_bool(true)),
                Op::False => Dynamic::from_ast(&ZBool::from_bool(false)),
                Op::Num(k) => Dynamic::from_ast(&z3_int(*k)),
                Op::Var(n) => match t.sort() {
                    Sort::Bool => Dynamic::from_ast(&ZBool::new_const(*n)),
                    Sort::Int => Dynamic::from_ast(&ZInt::new_const(*n)),
                    Sort::Real => Dynamic::from_ast(&ZReal::new_const(*n)),
                },
                Op::Not => Dynamic::from_ast(&b(kid(0)).not()),
                Op::And | Op::Or => {
                    let xs: Vec<ZBool> = kids().into_iter().map(b).collect();
                    let f = if *t.op() == Op::And {
                        ZBool::and(&xs)
                    } else {
                        ZBool::or(&xs)
                    };
                    Dynamic::from_ast(&f)
                }
                Op::Iff => Dynamic::from_ast(&b(kid(0)).iff(b(kid(1)))),
                Op::Ite => b(kid(0)).ite(&kid(1), &kid(2)),
                Op::Lin(cs, k) => {
                    let mut parts: Vec<ZInt> = cs
                        .iter()
                        .enumerate()
                        .map(|(j, c)| match c {
                            1 => i(kid(j)),
                            c => z3_int(*c) * i(kid(j)),
                        })
                        .collect();
                    if *k != 0 {
                        parts.push(z3_int(*k));
                    }
                    Dynamic::from_ast(&ZInt::add(&parts))
                }
                Op::Cmp(c, m) => {
                    let x = i(kid(0));
                    let m = z3_int(*m);
                    Dynamic::from_ast(&match c {
                        Cmp::Le => x.le(&m),
                        Cmp::Ge => x.ge(&m),
                        Cmp::Eq => x.eq(&m),
                    })
                }
                Op::Mul => {
                    let xs: Vec<ZInt> = kids().into_iter().map(i).collect();
                    Dynamic::from_ast(&ZInt::mul(&xs))
                }
                Op::ToReal => Dynamic::from_ast(&i(kid(0)).to_real()),
                Op::ToInt => Dynamic::from_ast(&r(kid(0)).to_int()),
                Op::IsInt => Dynamic::from_ast(&r(kid(0)).is_int()),
                Op::Real(op) => {
                    let x = r(kid(0));
                    match op {
                        RealOp::Neg => Dynamic::from_ast(&x.unary_minus()),
                        RealOp::Add => Dynamic::from_ast(&(x + r(kid(1)))),
                        RealOp::Sub => Dynamic::from_ast(&(x - r(kid(1)))),
                        RealOp::Mul => Dynamic::from_ast(&(x * r(kid(1)))),
                        RealOp::Div => Dynamic::from_ast(&(x / r(kid(1)))),
                        RealOp::Lt => Dynamic::from_ast(&x.lt(r(kid(1)))),
                        RealOp::Le => Dynamic::from_ast(&x.le(r(kid(1)))),
                        RealOp::Eq => Dynamic::from_ast(&x.eq(r(kid(1)))),
                    }
                }
            };
            drop(done);
            self.done.borrow_mut().insert(t.id(), out);
        }
        self.done.borrow()[&root.id()].clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Int {
        Int::new_const(900)
    }

    #[test]
    fn a_bound_and_its_negation_are_one_node() {
        let a = x().ge(1000);
        assert_eq!(Int::from_i64(1000).le(x()), a);
        assert_eq!(x().lt(1000).not(), a);
        assert_eq!(Bool::and(&[a.clone(), x().lt(1000)]).as_bool(), Some(false));
        assert_eq!(Bool::or(&[a.clone(), a.not()]).as_bool(), Some(true));
        assert_eq!(Bool::or(&[x().le(5), x().ge(7)]).as_bool(), None);
        assert_eq!(Bool::or(&[x().le(5), x().ge(6)]).as_bool(), Some(true));
        assert_eq!(Bool::and(&[x().le(5), x().ge(5)]).as_bool(), None);
        assert_eq!(Bool::and(&[x().eq(5), x().ge(6)]).as_bool(), Some(false));
    }

    #[test]
    fn sums_are_merged_and_divided_by_their_gcd() {
        let y = Int::new_const(901);
        // 100·x >= 10·y  is  10·x - y >= 0
        let f = (x() * 100).ge(&y * 10);
        let g = (&y - x() * 10).le(0);
        assert_eq!(f, g);
        // 2·x = 3 has no integer solution
        assert_eq!((x() * 2).eq(3).as_bool(), Some(false));
        // 2·x <= 3  is  x <= 1
        assert_eq!((x() * 2).le(3), x().le(1));
        assert_eq!((x() + 1 - x()).as_i64(), Some(1));
        assert_eq!((Int::from_i64(6) * 7).as_i64(), Some(42));
    }

    #[test]
    fn a_formula_next_to_its_negation_is_decided() {
        let p = Bool::new_const(902);
        assert_eq!(Bool::and(&[p.clone(), p.not()]).as_bool(), Some(false));
        assert_eq!(Bool::or(&[p.not(), p.clone()]).as_bool(), Some(true));
        assert_eq!(p.iff(&p.not()).as_bool(), Some(false));
        let q = Bool::new_const(903);
        assert_eq!(
            Bool::and(&[Bool::and(&[p.clone(), q.clone()]), q.not()]).as_bool(),
            Some(false)
        );
    }

    #[test]
    fn deep_terms_are_built_walked_and_dropped_without_recursion() {
        let mut f = Bool::new_const(904);
        for n in 0..200_000 {
            f = Bool::new_const(905)
                .ite(&Bool::or(&[f, Bool::new_const(n)]), &Bool::new_const(906));
        }
        let mut count = 0;
        walk(&[&f.0], |_| {
            count += 1;
            true
        });
        assert!(count > 200_000);
        assert!(!nonlinear(&f));
        drop(f);
    }

    /// The value of a term with variable `n` at `env[n]` (test only: the
    /// meaning the rewrites must keep).
    fn value(t: &T, env: &[i128]) -> i128 {
        let k = |i: usize| value(&t.kids()[i], env);
        match t.op() {
            Op::True => 1,
            Op::False => 0,
            Op::Num(n) => *n,
            Op::Var(v) => env[*v as usize],
            Op::Not => 1 - k(0),
            Op::And => t.kids().iter().all(|x| value(x, env) == 1) as i128,
            Op::Or => t.kids().iter().any(|x| value(x, env) == 1) as i128,
            Op::Iff => (k(0) == k(1)) as i128,
            Op::Ite => {
                if k(0) == 1 {
                    k(1)
                } else {
                    k(2)
                }
            }
            Op::Lin(cs, c) => cs.iter().enumerate().map(|(i, a)| a * k(i)).sum::<i128>() + c,
            Op::Cmp(c, m) => match c {
                Cmp::Le => (k(0) <= *m) as i128,
                Cmp::Ge => (k(0) >= *m) as i128,
                Cmp::Eq => (k(0) == *m) as i128,
            },
            Op::Mul => t.kids().iter().map(|x| value(x, env)).product(),
            other => panic!("not an integer or formula: {other:?}"),
        }
    }

    /// A random formula over variables 0..3 (integers in -3..=3, and one
    /// truth value), built through the rewriting constructors, with the
    /// value it must have at `env`, computed directly.
    fn random_formula(seed: &mut u64, depth: u32, env: &[i128]) -> (Bool, bool) {
        let mut next = |n: u64| {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (*seed >> 33) % n
        };
        let pick = next(if depth == 0 { 2 } else { 6 });
        match pick {
            0 => {
                // a·x + b·y + c ⋈ d·z
                let coef = |n: u64| n as i64 - 3;
                let (a, b, c, d) = (coef(next(7)), coef(next(7)), coef(next(7)), coef(next(7)));
                let op = next(5);
                let lhs = Int::new_const(0) * a + Int::new_const(1) * b + c;
                let rhs = Int::new_const(2) * d;
                let l = a as i128 * env[0] + b as i128 * env[1] + c as i128;
                let r = d as i128 * env[2];
                match op {
                    0 => (lhs.le(rhs), l <= r),
                    1 => (lhs.lt(rhs), l < r),
                    2 => (lhs.ge(rhs), l >= r),
                    3 => (lhs.gt(rhs), l > r),
                    _ => (lhs.eq(rhs), l == r),
                }
            }
            1 => (Bool::new_const(3), env[3] == 1),
            2 => {
                let (f, v) = random_formula(seed, depth - 1, env);
                (f.not(), !v)
            }
            3 | 4 => {
                let (f, v) = random_formula(seed, depth - 1, env);
                let (g, w) = random_formula(seed, depth - 1, env);
                let (h, u) = random_formula(seed, depth - 1, env);
                if pick == 3 {
                    (Bool::and(&[f, g, h]), v && w && u)
                } else {
                    (Bool::or(&[f, g, h]), v || w || u)
                }
            }
            _ => {
                let (c, v) = random_formula(seed, depth - 1, env);
                let (f, w) = random_formula(seed, depth - 1, env);
                let (g, u) = random_formula(seed, depth - 1, env);
                (c.ite(&f, &g), if v { w } else { u })
            }
        }
    }

    /// `at_least_two` means "two or more hold" at every point, whether the
    /// formulas are ranges of one sum (the sweep) or not (the count).
    #[test]
    fn at_least_two_holds_where_two_of_its_formulas_hold() {
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut swept = 0;
        for _ in 0..400 {
            let y = Int::new_const(1);
            let mut xs = Vec::new();
            for _ in 0..1 + next(6) {
                let (a, b) = (next(13) as i64 - 6, next(13) as i64 - 6);
                let f = match next(6) {
                    0 => x().le(a),
                    1 => x().ge(a),
                    2 => x().eq(a),
                    3 => Bool::and(&[x().ge(a), x().lt(b)]),
                    4 => Bool::and(&[x().gt(a), x().le(b), x().ge(b - 2)]),
                    // Another variable: no longer ranges of one sum.
                    _ if next(4) == 0 => y.ge(a),
                    _ => (&x() + 1).le(b),
                };
                xs.push(f);
            }
            let two = Bool::at_least_two(&xs);
            let mut has_ite = false;
            walk(&[&two.0], |t| {
                has_ite |= *t.op() == Op::Ite;
                true
            });
            swept += usize::from(!has_ite);
            // x is variable 900 of `x()`, y variable 1.
            let mut env = vec![0i128; 901];
            for xv in -8..=8 {
                for yv in [-7, 0, 7] {
                    env[900] = xv;
                    env[1] = yv;
                    let holding = xs.iter().filter(|f| value(&f.0, &env) == 1).count();
                    assert_eq!(
                        value(&two.0, &env) == 1,
                        holding >= 2,
                        "{xs:?} at x = {xv}, y = {yv}: {two:?}"
                    );
                }
            }
        }
        assert!(swept > 200, "{swept} of 400 cases swept");
    }

    #[test]
    fn rewriting_keeps_the_meaning_of_random_formulas() {
        let mut decided = 0;
        for case in 0..500u64 {
            // The same formula (same seed) at every point of the domain.
            let mut verdicts = Vec::new();
            for x in -3..=3 {
                for y in -3..=3 {
                    for z in -3..=3 {
                        for p in 0..=1 {
                            let env = [x, y, z, p];
                            let mut seed = case;
                            let (f, expected) = random_formula(&mut seed, 3, &env);
                            assert_eq!(
                                value(&f.0, &env) == 1,
                                expected,
                                "case {case} at {env:?}: {f}"
                            );
                            verdicts.push((f.as_bool(), expected));
                        }
                    }
                }
            }
            // A formula rewritten to a constant has that value everywhere.
            if let Some((Some(b), _)) = verdicts.first() {
                decided += 1;
                assert!(verdicts.iter().all(|(_, v)| v == b), "case {case}");
            }
        }
        assert!(
            decided > 20,
            "only {decided} formulas were decided by rewriting"
        );
    }
}
