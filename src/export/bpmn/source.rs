//! Expressions printed back in playbook syntax, for labels and
//! documentation: `seats >= 1000 and not ready-for-more`.

use crate::ir::{BinaryOp, DurationUnit, Expr, ExprKind};

/// The expression as a playbook author would write it, with the fewest
/// parentheses the precedence rules need.
pub fn source(e: &Expr) -> String {
    print(e, 0)
}

fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => binary_level(*op),
        ExprKind::Not { .. } => 3,
        ExprKind::Neg { .. }
        | ExprKind::PercentOf { .. }
        | ExprKind::YearOf { .. }
        | ExprKind::CountOf { .. }
        | ExprKind::DayOf { .. } => 7,
        _ => 8,
    }
}

fn binary_level(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => 1,
        BinaryOp::And => 2,
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::In
        | BinaryOp::NotIn
        | BinaryOp::Contains => 4,
        BinaryOp::Add | BinaryOp::Sub => 5,
        BinaryOp::Mul | BinaryOp::Div => 6,
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

/// `hundredths` of a percent written as the literal: `12.5%`.
pub fn percent(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let h = hundredths.unsigned_abs();
    let (whole, fraction) = (h / 100, h % 100);
    if fraction == 0 {
        format!("{sign}{whole}")
    } else if fraction % 10 == 0 {
        format!("{sign}{whole}.{}", fraction / 10)
    } else {
        format!("{sign}{whole}.{fraction:02}")
    }
}

fn print(e: &Expr, min: u8) -> String {
    let text = match &e.kind {
        ExprKind::Bool { value } => value.to_string(),
        ExprKind::Int { value } => value.to_string(),
        ExprKind::Percent { hundredths } => format!("{}%", percent(*hundredths)),
        ExprKind::Date { value } => value.to_string(),
        ExprKind::Duration { amount, unit } => {
            let unit = match unit {
                DurationUnit::Days => "day",
                DurationUnit::Weeks => "week",
                DurationUnit::Months => "month",
                DurationUnit::Years => "year",
            };
            let plural = if *amount == 1 { "" } else { "s" };
            format!("{amount} {unit}{plural}")
        }
        ExprKind::Text { value } => {
            let mut out = String::from("\"");
            for c in value.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '{' => out.push_str("\\{"),
                    '}' => out.push_str("\\}"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        ExprKind::Today => "today".to_string(),
        ExprKind::Input { id }
        | ExprKind::Let { id }
        | ExprKind::Decision { id }
        | ExprKind::LoopVar { id } => id.clone(),
        ExprKind::EnumValue { value } => value.clone(),
        ExprKind::Recorded { criterion } => format!("recorded {criterion}"),
        ExprKind::SetOf { values } => format!("{{{}}}", values.join(", ")),
        ExprKind::Not { operand } => format!("not {}", print(operand, 3)),
        ExprKind::Neg { operand } => format!("-{}", print(operand, 7)),
        ExprKind::PercentOf {
            hundredths,
            operand,
        } => format!("{}% of {}", percent(*hundredths), print(operand, 7)),
        ExprKind::YearOf { operand } => format!("year of {}", print(operand, 7)),
        ExprKind::CountOf { operand } => format!("count of {}", print(operand, 7)),
        ExprKind::DayOf { month, day, year } => {
            let name = MONTHS
                .get(usize::try_from(*month).unwrap_or(0).saturating_sub(1))
                .copied()
                .unwrap_or("january");
            format!("{name} {day} of {}", print(year, 7))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let l = binary_level(*op);
            // Comparisons do not chain: both sides bind tighter.
            let left = if l == 4 { l + 1 } else { l };
            format!(
                "{} {} {}",
                print(lhs, left),
                operator(*op),
                print(rhs, l + 1)
            )
        }
        ExprKind::Match { subject, arms } => {
            let arms: Vec<String> = arms
                .iter()
                .map(|arm| {
                    let patterns = match &arm.patterns {
                        None => "else".to_string(),
                        Some(ps) => ps.iter().map(source).collect::<Vec<_>>().join(", "),
                    };
                    format!("{patterns} => {}", source(&arm.value))
                })
                .collect();
            match subject {
                Some(s) => format!("match {} {{ {} }}", print(s, 8), arms.join(", ")),
                None => format!("match {{ {} }}", arms.join(", ")),
            }
        }
    };
    if level(e) < min {
        format!("({text})")
    } else {
        text
    }
}
