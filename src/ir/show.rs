//! Typed expressions written back in the playbook language: the conditions
//! diagrams show (`active-users >= 100`, `not ready-for-more`) and the rules
//! a run's refusals explain.
//!
//! Parentheses are added exactly where precedence needs them, so the text
//! reads as it would be written and parses back to the same expression.

use super::{BinaryOp, DurationUnit, Expr, ExprKind};
use std::fmt::Write;

/// Binding strength, loosest first (the table in `docs/language.md`).
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const COMPARE: u8 = 4;
const SUM: u8 = 5;
const PRODUCT: u8 = 6;
const PREFIX: u8 = 7;
const ATOM: u8 = 8;

/// `e` in source syntax.
pub fn show(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(e, 0, &mut out);
    out
}

fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => binary_precedence(*op),
        ExprKind::Not { .. } => NOT,
        ExprKind::Neg { .. }
        | ExprKind::PercentOf { .. }
        | ExprKind::YearOf { .. }
        | ExprKind::CountOf { .. }
        | ExprKind::DayOf { .. } => PREFIX,
        _ => ATOM,
    }
}

fn binary_precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => OR,
        BinaryOp::And => AND,
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::In
        | BinaryOp::NotIn
        | BinaryOp::Contains => COMPARE,
        BinaryOp::Add | BinaryOp::Sub => SUM,
        BinaryOp::Mul | BinaryOp::Div => PRODUCT,
    }
}

fn operator(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Or => "or",
        BinaryOp::And => "and",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::In => "in",
        BinaryOp::NotIn => "not in",
        BinaryOp::Contains => "contains",
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
    }
}

/// Writes `e`, in parentheses when it binds more loosely than `min`.
fn write_expr(e: &Expr, min: u8, out: &mut String) {
    let own = precedence(e);
    let parens = own < min;
    if parens {
        out.push('(');
    }
    match &e.kind {
        ExprKind::Bool { value } => out.push_str(if *value { "true" } else { "false" }),
        ExprKind::Int { value } => {
            let _ = write!(out, "{value}");
        }
        ExprKind::Percent { hundredths } => out.push_str(&percent(*hundredths)),
        ExprKind::Date { value } => {
            let _ = write!(out, "{value}");
        }
        ExprKind::Duration { amount, unit } => {
            let _ = write!(out, "{amount} {}", unit_word(*amount, *unit));
        }
        ExprKind::Text { value } => write_string(value, out),
        ExprKind::Today => out.push_str("today"),
        ExprKind::Input { id }
        | ExprKind::Let { id }
        | ExprKind::Decision { id }
        | ExprKind::LoopVar { id } => out.push_str(id),
        ExprKind::EnumValue { value } => out.push_str(value),
        ExprKind::Recorded { criterion } => {
            let _ = write!(out, "recorded {criterion}");
        }
        ExprKind::SetOf { values } => {
            let _ = write!(out, "{{{}}}", values.join(", "));
        }
        ExprKind::Not { operand } => {
            out.push_str("not ");
            write_expr(operand, NOT, out);
        }
        ExprKind::Neg { operand } => {
            out.push('-');
            write_expr(operand, PREFIX, out);
        }
        ExprKind::PercentOf {
            hundredths,
            operand,
        } => {
            let _ = write!(out, "{} of ", percent(*hundredths));
            write_expr(operand, PREFIX, out);
        }
        ExprKind::YearOf { operand } => {
            out.push_str("year of ");
            write_expr(operand, PREFIX, out);
        }
        ExprKind::CountOf { operand } => {
            out.push_str("count of ");
            write_expr(operand, PREFIX, out);
        }
        ExprKind::DayOf { month, day, year } => {
            let _ = write!(out, "{} {day} of ", month_name(*month));
            write_expr(year, PREFIX, out);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let own = binary_precedence(*op);
            // Sums and products group to the left; comparisons do not chain,
            // so a comparison inside a comparison is always parenthesised.
            let left = if own == COMPARE { own + 1 } else { own };
            write_expr(lhs, left, out);
            let _ = write!(out, " {} ", operator(*op));
            write_expr(rhs, own + 1, out);
        }
        ExprKind::Match { subject, arms } => {
            out.push_str("match ");
            if let Some(s) = subject {
                write_expr(s, 0, out);
                out.push(' ');
            }
            out.push_str("{ ");
            for (i, arm) in arms.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match &arm.patterns {
                    None => out.push_str("else"),
                    Some(patterns) => {
                        for (j, p) in patterns.iter().enumerate() {
                            if j > 0 {
                                out.push_str(", ");
                            }
                            // A pattern is an `or` at the loosest.
                            write_expr(p, OR, out);
                        }
                    }
                }
                out.push_str(" => ");
                write_expr(&arm.value, OR, out);
            }
            out.push_str(" }");
        }
    }
    if parens {
        out.push(')');
    }
}

/// `1250` hundredths as `12.5%`.
fn percent(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let h = hundredths.unsigned_abs();
    let (whole, fraction) = (h / 100, h % 100);
    match fraction {
        0 => format!("{sign}{whole}%"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}%", f / 10),
        f => format!("{sign}{whole}.{f:02}%"),
    }
}

fn unit_word(amount: i64, unit: DurationUnit) -> &'static str {
    let one = amount == 1;
    match unit {
        DurationUnit::Days if one => "day",
        DurationUnit::Days => "days",
        DurationUnit::Weeks if one => "week",
        DurationUnit::Weeks => "weeks",
        DurationUnit::Months if one => "month",
        DurationUnit::Months => "months",
        DurationUnit::Years if one => "year",
        DurationUnit::Years => "years",
    }
}

fn month_name(month: i8) -> &'static str {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    usize::try_from(month - 1)
        .ok()
        .and_then(|m| MONTHS.get(m))
        .copied()
        .unwrap_or("january")
}

/// A text literal with the language's escapes.
fn write_string(value: &str, out: &mut String) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `let` of a compiled playbook, written back.
    fn lets(source: &str) -> Vec<(String, String)> {
        let c = crate::compile_str("t.playbook", source);
        let model = c.model.unwrap_or_else(|| panic!("{:#?}", c.diagnostics));
        model
            .lets
            .iter()
            .map(|l| (l.id.clone(), show(&l.value)))
            .collect()
    }

    #[test]
    fn writes_precedence_with_the_fewest_parentheses() {
        let shown = lets(
            r#"playbook p {
  title "P"
  role fm "FM"
  input seats: int "Seats"
  input managed: bool "Managed"
  input urgent: bool "Urgent"
  input kickoff: date "Kickoff"
  input name: text "Name"
  input workloads: set of one of mail | chat "Workloads"
  let a = managed or urgent and seats > 100
  let b = not seats > 10
  let c = (managed or urgent) and not (seats >= 1000 and seats < 10_000)
  let d = december 31 of (year of today + 1)
  let e = -seats * 2 + 1 < 0
  let f = 12.5% of seats - (seats - 3)
  let g = kickoff + 1 week > 2020-02-29
  let h = match { seats >= 10 => 1, else => 2 }
  let i = name == "say \"hi\"\n"
  let j = count of workloads >= 2 and chat in workloads and workloads != {mail, chat}
  step s "S" {
    owner fm
    do x "{a}{b}{c}{d}{e}{f}{g}{h}{i}{j}"
  }
}"#,
        );
        let want = [
            ("a", "managed or urgent and seats > 100"),
            ("b", "not seats > 10"),
            (
                "c",
                "(managed or urgent) and not (seats >= 1000 and seats < 10000)",
            ),
            ("d", "december 31 of (year of today + 1)"),
            ("e", "-seats * 2 + 1 < 0"),
            ("f", "12.5% of seats - (seats - 3)"),
            ("g", "kickoff + 1 week > 2020-02-29"),
            ("h", "match { seats >= 10 => 1, else => 2 }"),
            ("i", r#"name == "say \"hi\"\n""#),
            (
                "j",
                "count of workloads >= 2 and chat in workloads and workloads != {mail, chat}",
            ),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(shown, want);
    }

    #[test]
    fn percentages_keep_their_decimals() {
        assert_eq!(percent(1000), "10%");
        assert_eq!(percent(1250), "12.5%");
        assert_eq!(percent(1225), "12.25%");
        assert_eq!(percent(5), "0.05%");
        assert_eq!(percent(-50), "-0.5%");
    }
}
