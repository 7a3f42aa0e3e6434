//! Evaluating typed expressions: one evaluator for the checks (over chosen
//! values) and for runs (over a run's inputs and answers).
//!
//! Numbers are exact fractions, so `active-users >= 10% of seats` never
//! suffers from rounding. Dates are calendar dates (jiff).

pub mod explain;

use crate::ir::{BinaryOp, DurationUnit, Expr, ExprKind};
use std::collections::BTreeSet;
use std::fmt;

/// An exact fraction with a positive denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    pub fn int(n: i64) -> Ratio {
        Ratio {
            num: n as i128,
            den: 1,
        }
    }

    /// `hundredths` of a percent as a fraction of one: 1250 is 12.5%.
    pub fn from_hundredths_percent(hundredths: i64) -> Ratio {
        Ratio::new(hundredths as i128, 10_000).unwrap_or(Ratio::int(0))
    }

    pub fn new(num: i128, den: i128) -> Option<Ratio> {
        if den == 0 {
            return None;
        }
        let g = gcd(num.unsigned_abs(), den.unsigned_abs()).max(1) as i128;
        let sign = if den < 0 { -1 } else { 1 };
        Some(Ratio {
            num: sign * num / g,
            den: sign * den / g,
        })
    }

    pub fn checked_add(self, o: Ratio) -> Option<Ratio> {
        let num = self
            .num
            .checked_mul(o.den)?
            .checked_add(o.num.checked_mul(self.den)?)?;
        Ratio::new(num, self.den.checked_mul(o.den)?)
    }

    pub fn checked_neg(self) -> Option<Ratio> {
        Some(Ratio {
            num: self.num.checked_neg()?,
            den: self.den,
        })
    }

    pub fn checked_sub(self, o: Ratio) -> Option<Ratio> {
        self.checked_add(o.checked_neg()?)
    }

    pub fn checked_mul(self, o: Ratio) -> Option<Ratio> {
        Ratio::new(self.num.checked_mul(o.num)?, self.den.checked_mul(o.den)?)
    }

    pub fn checked_div(self, o: Ratio) -> Option<Ratio> {
        Ratio::new(self.num.checked_mul(o.den)?, self.den.checked_mul(o.num)?)
    }

    /// The whole number, if it is one.
    pub fn as_int(self) -> Option<i64> {
        (self.den == 1)
            .then(|| i64::try_from(self.num).ok())
            .flatten()
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Denominators are positive; widen through checked math, falling
        // back to floating point only for astronomically large values.
        match (
            self.num.checked_mul(other.den),
            other.num.checked_mul(self.den),
        ) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => {
                let a = self.num as f64 / self.den as f64;
                let b = other.num as f64 / other.den as f64;
                a.total_cmp(&b)
            }
        }
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            let value = self.num as f64 / self.den as f64;
            write!(f, "{value}")
        }
    }
}

/// A runtime value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Bool(bool),
    Number(Ratio),
    /// A percentage as a fraction of one.
    Percent(Ratio),
    Date(jiff::civil::Date),
    Duration(i64, DurationUnit),
    Text(String),
    Enum(String),
    Set(BTreeSet<String>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Percent(p) => {
                let hundred = p.checked_mul(Ratio::int(100)).unwrap_or(*p);
                write!(f, "{hundred}%")
            }
            Value::Date(d) => write!(f, "{d}"),
            Value::Duration(n, u) => write!(f, "{n} {}", unit_name(*u)),
            Value::Text(t) => write!(f, "{t:?}"),
            Value::Enum(v) => write!(f, "{v}"),
            Value::Set(s) => {
                let items: Vec<&str> = s.iter().map(String::as_str).collect();
                write!(f, "{{{}}}", items.join(", "))
            }
        }
    }
}

fn unit_name(u: DurationUnit) -> &'static str {
    match u {
        DurationUnit::Days => "days",
        DurationUnit::Weeks => "weeks",
        DurationUnit::Months => "months",
        DurationUnit::Years => "years",
    }
}

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A value it needs is not known (yet): an unanswered decision, say.
    Unknown(String),
    /// Arithmetic overflowed or divided by zero, or a date is out of range.
    Arithmetic(String),
    /// No arm of a `match` applies.
    NoArm,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Unknown(name) => write!(f, "`{name}` is not known yet"),
            EvalError::Arithmetic(what) => f.write_str(what),
            EvalError::NoArm => f.write_str("no arm of the `match` applies"),
        }
    }
}

/// Where an evaluation gets the values of names from.
pub trait Env {
    fn input(&self, id: &str) -> Option<Value>;
    fn let_value(&self, id: &str) -> Result<Value, EvalError>;
    fn decision(&self, id: &str) -> Option<Value>;
    fn loop_var(&self, id: &str) -> Option<Value>;
    fn recorded(&self, criterion: &str) -> Option<bool>;
    fn today(&self) -> Option<jiff::civil::Date>;
}

fn arith(what: &str) -> EvalError {
    EvalError::Arithmetic(format!("{what} is out of range"))
}

/// Evaluates `e` in `env`.
pub fn eval(e: &Expr, env: &dyn Env) -> Result<Value, EvalError> {
    Ok(match &e.kind {
        ExprKind::Bool { value } => Value::Bool(*value),
        ExprKind::Int { value } => Value::Number(Ratio::int(*value)),
        ExprKind::Percent { hundredths } => {
            Value::Percent(Ratio::from_hundredths_percent(*hundredths))
        }
        ExprKind::Date { value } => Value::Date(*value),
        ExprKind::Duration { amount, unit } => Value::Duration(*amount, *unit),
        ExprKind::Text { value } => Value::Text(value.clone()),
        ExprKind::Today => Value::Date(
            env.today()
                .ok_or_else(|| EvalError::Unknown("today".to_string()))?,
        ),
        ExprKind::Input { id } => env
            .input(id)
            .ok_or_else(|| EvalError::Unknown(id.clone()))?,
        ExprKind::Let { id } => env.let_value(id)?,
        ExprKind::Decision { id } => env
            .decision(id)
            .ok_or_else(|| EvalError::Unknown(id.clone()))?,
        ExprKind::LoopVar { id } => env
            .loop_var(id)
            .ok_or_else(|| EvalError::Unknown(id.clone()))?,
        ExprKind::EnumValue { value } => Value::Enum(value.clone()),
        ExprKind::Recorded { criterion } => Value::Bool(
            env.recorded(criterion)
                .ok_or_else(|| EvalError::Unknown(criterion.clone()))?,
        ),
        ExprKind::SetOf { values } => Value::Set(values.iter().cloned().collect()),
        ExprKind::Not { operand } => Value::Bool(!as_bool(eval(operand, env)?)),
        ExprKind::Neg { operand } => match eval(operand, env)? {
            Value::Number(n) => Value::Number(n.checked_neg().ok_or_else(|| arith("a negation"))?),
            Value::Percent(n) => {
                Value::Percent(n.checked_neg().ok_or_else(|| arith("a negation"))?)
            }
            other => other,
        },
        ExprKind::PercentOf {
            hundredths,
            operand,
        } => {
            let n = as_number(eval(operand, env)?);
            Value::Number(
                Ratio::from_hundredths_percent(*hundredths)
                    .checked_mul(n)
                    .ok_or_else(|| arith("a percentage"))?,
            )
        }
        ExprKind::YearOf { operand } => match eval(operand, env)? {
            Value::Date(d) => Value::Number(Ratio::int(d.year() as i64)),
            _ => return Err(arith("a year")),
        },
        ExprKind::CountOf { operand } => match eval(operand, env)? {
            Value::Set(s) => Value::Number(Ratio::int(s.len() as i64)),
            _ => return Err(arith("a count")),
        },
        ExprKind::DayOf { month, day, year } => {
            let year = as_number(eval(year, env)?)
                .as_int()
                .and_then(|y| i16::try_from(y).ok())
                .ok_or_else(|| arith("the year"))?;
            // A day past the end of the month means its last day.
            let first = jiff::civil::Date::new(year, *month, 1).map_err(|_| arith("the date"))?;
            let day = (*day).min(first.days_in_month());
            Value::Date(jiff::civil::Date::new(year, *month, day).map_err(|_| arith("the date"))?)
        }
        ExprKind::Binary { op, lhs, rhs } => binary(*op, lhs, rhs, env)?,
        ExprKind::Match { subject, arms } => {
            let subject = match subject {
                Some(s) => Some(eval(s, env)?),
                None => None,
            };
            for arm in arms {
                let matched = match &arm.patterns {
                    None => true,
                    Some(patterns) => {
                        let mut any = false;
                        for p in patterns {
                            let v = eval(p, env)?;
                            any |= match &subject {
                                Some(s) => &v == s,
                                None => as_bool(v),
                            };
                            if any {
                                break;
                            }
                        }
                        any
                    }
                };
                if matched {
                    return eval(&arm.value, env);
                }
            }
            return Err(EvalError::NoArm);
        }
    })
}

/// The order of two numbers, percentages or dates; `None` for other values.
pub fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Number(x) | Value::Percent(x), Value::Number(y) | Value::Percent(y)) => {
            Some(x.cmp(y))
        }
        _ => None,
    }
}

fn as_bool(v: Value) -> bool {
    matches!(v, Value::Bool(true))
}

fn as_number(v: Value) -> Ratio {
    match v {
        Value::Number(n) | Value::Percent(n) => n,
        _ => Ratio::int(0),
    }
}

fn binary(op: BinaryOp, lhs: &Expr, rhs: &Expr, env: &dyn Env) -> Result<Value, EvalError> {
    // `and` and `or` short-circuit, so an unknown value on the side that does
    // not matter does not make the whole condition unknown.
    match op {
        BinaryOp::And => {
            let a = eval(lhs, env);
            if let Ok(Value::Bool(false)) = a {
                return Ok(Value::Bool(false));
            }
            let b = eval(rhs, env)?;
            if !as_bool(b) {
                return Ok(Value::Bool(false));
            }
            return Ok(Value::Bool(as_bool(a?)));
        }
        BinaryOp::Or => {
            let a = eval(lhs, env);
            if let Ok(Value::Bool(true)) = a {
                return Ok(Value::Bool(true));
            }
            let b = eval(rhs, env)?;
            if as_bool(b) {
                return Ok(Value::Bool(true));
            }
            return Ok(Value::Bool(as_bool(a?)));
        }
        _ => {}
    }
    let a = eval(lhs, env)?;
    let b = eval(rhs, env)?;
    Ok(match op {
        BinaryOp::Eq => Value::Bool(a == b),
        BinaryOp::Ne => Value::Bool(a != b),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            let ord = match (&a, &b) {
                (Value::Date(x), Value::Date(y)) => x.cmp(y),
                _ => as_number(a).cmp(&as_number(b)),
            };
            Value::Bool(match op {
                BinaryOp::Lt => ord.is_lt(),
                BinaryOp::Le => ord.is_le(),
                BinaryOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        BinaryOp::In | BinaryOp::NotIn => {
            let inside = match (&a, &b) {
                (Value::Enum(v), Value::Set(s)) => s.contains(v),
                _ => false,
            };
            Value::Bool(inside == (op == BinaryOp::In))
        }
        BinaryOp::Contains => Value::Bool(match (&a, &b) {
            (Value::Set(s), Value::Enum(v)) => s.contains(v),
            _ => false,
        }),
        BinaryOp::Add | BinaryOp::Sub => match (a, b) {
            (Value::Date(d), Value::Duration(n, unit)) => {
                let n = if op == BinaryOp::Sub { -n } else { n };
                Value::Date(shift(d, n, unit)?)
            }
            (Value::Date(x), Value::Date(y)) => {
                let days = (x - y).get_days() as i64;
                Value::Number(Ratio::int(days))
            }
            (Value::Percent(x), Value::Percent(y)) => Value::Percent(
                if op == BinaryOp::Add {
                    x.checked_add(y)
                } else {
                    x.checked_sub(y)
                }
                .ok_or_else(|| arith("a sum"))?,
            ),
            (x, y) => {
                let (x, y) = (as_number(x), as_number(y));
                Value::Number(
                    if op == BinaryOp::Add {
                        x.checked_add(y)
                    } else {
                        x.checked_sub(y)
                    }
                    .ok_or_else(|| arith("a sum"))?,
                )
            }
        },
        BinaryOp::Mul => Value::Number(
            as_number(a)
                .checked_mul(as_number(b))
                .ok_or_else(|| arith("a product"))?,
        ),
        BinaryOp::Div => Value::Number(
            as_number(a)
                .checked_div(as_number(b))
                .ok_or_else(|| EvalError::Arithmetic("a division by zero".to_string()))?,
        ),
        BinaryOp::And | BinaryOp::Or => unreachable!("handled above"),
    })
}

fn shift(d: jiff::civil::Date, n: i64, unit: DurationUnit) -> Result<jiff::civil::Date, EvalError> {
    let span = match unit {
        DurationUnit::Days => jiff::Span::new().try_days(n),
        DurationUnit::Weeks => jiff::Span::new().try_weeks(n),
        DurationUnit::Months => jiff::Span::new().try_months(n),
        DurationUnit::Years => jiff::Span::new().try_years(n),
    }
    .map_err(|_| arith("the duration"))?;
    d.checked_add(span).map_err(|_| arith("the date"))
}
