//! Values given on the command line (inputs, answers) and stored in the
//! state file: parsing them against a declared type, showing them, and
//! converting them to and from TOML.

use crate::eval::{Ratio, Value};
use crate::ir::{DurationUnit, Playbook, Type};
use std::collections::BTreeSet;

/// The values an enum type accepts: its declared values, or the services
/// for `service`.
pub fn enum_values<'m>(model: &'m Playbook, id: &str) -> Vec<&'m str> {
    if id == "service" {
        return model.services.iter().map(|s| s.id.as_str()).collect();
    }
    model
        .enum_decl(id)
        .map(|e| e.values.iter().map(|v| v.id.as_str()).collect())
        .unwrap_or_default()
}

/// What a type accepts, in words, for error messages: `one of americas, apj, emea`.
pub fn describe_type(model: &Playbook, ty: &Type) -> String {
    match ty {
        Type::Bool => "`true` or `false`".to_string(),
        Type::Int => "a whole number such as `1500`".to_string(),
        Type::Percent => "a percentage such as `12.5%`".to_string(),
        Type::Date => "a date such as `2026-12-31`".to_string(),
        Type::Duration => "a duration such as `30 days`".to_string(),
        Type::Text => "a text".to_string(),
        Type::Enum(e) => format!("one of {}", list(&enum_values(model, e))),
        Type::Set(e) => format!(
            "a comma-separated list of {} (or nothing)",
            list(&enum_values(model, e))
        ),
    }
}

fn list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `text` as a value of `ty`. The error says what was expected.
pub fn parse(model: &Playbook, ty: &Type, text: &str) -> Result<Value, String> {
    let t = text.trim();
    let expected = || {
        format!(
            "`{t}` is not a valid `{ty}`: expected {}",
            describe_type(model, ty)
        )
    };
    match ty {
        // A manager answers a question as it is asked: `yes` and `no` (and
        // `y`, `n`, any case) are `true` and `false`.
        Type::Bool => match t.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" => Ok(Value::Bool(true)),
            "false" | "no" | "n" => Ok(Value::Bool(false)),
            _ => Err(expected()),
        },
        Type::Int => parse_int(t)
            .map(|n| Value::Number(Ratio::int(n)))
            .ok_or_else(expected),
        Type::Percent => parse_percent(t).map(Value::Percent).ok_or_else(expected),
        Type::Date => t
            .parse::<jiff::civil::Date>()
            .ok()
            .filter(|_| t.len() == 10)
            .map(Value::Date)
            .ok_or_else(expected),
        Type::Duration => parse_duration(t)
            .map(|(n, u)| Value::Duration(n, u))
            .ok_or_else(expected),
        Type::Text => Ok(Value::Text(text.to_string())),
        Type::Enum(e) => {
            let values = enum_values(model, e);
            if values.contains(&t) {
                Ok(Value::Enum(t.to_string()))
            } else {
                Err(with_suggestion(expected(), t, &values))
            }
        }
        Type::Set(e) => {
            let values = enum_values(model, e);
            let inner = t
                .strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .unwrap_or(t);
            let mut set = BTreeSet::new();
            for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if !values.contains(&part) {
                    return Err(with_suggestion(
                        format!(
                            "`{part}` is not a value of `{e}`: expected {}",
                            describe_type(model, ty)
                        ),
                        part,
                        &values,
                    ));
                }
                set.insert(part.to_string());
            }
            Ok(Value::Set(set))
        }
    }
}

fn with_suggestion(message: String, given: &str, values: &[&str]) -> String {
    let best = values
        .iter()
        .map(|v| (strsim::jaro_winkler(given, v), *v))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, v)) => format!("{message} (did you mean `{v}`?)"),
        None => message,
    }
}

fn parse_int(t: &str) -> Option<i64> {
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        || digits.starts_with('_')
        || digits.ends_with('_')
    {
        return None;
    }
    let n: i64 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -n } else { n })
}

/// `12.5%` as a fraction of one.
fn parse_percent(t: &str) -> Option<Ratio> {
    let number = t.strip_suffix('%')?.trim();
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole = parse_int(whole)?;
    let frac_value: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    let sign = if number.starts_with('-') { -1 } else { 1 };
    let hundredths = whole.checked_mul(100)?.checked_add(sign * frac_value)?;
    Some(Ratio::from_hundredths_percent(hundredths))
}

fn parse_duration(t: &str) -> Option<(i64, DurationUnit)> {
    let (amount, unit) = t.split_once(' ')?;
    let amount = parse_int(amount.trim())?;
    let unit = match unit.trim() {
        "day" | "days" => DurationUnit::Days,
        "week" | "weeks" => DurationUnit::Weeks,
        "month" | "months" => DurationUnit::Months,
        "year" | "years" => DurationUnit::Years,
        _ => return None,
    };
    Some((amount, unit))
}

/// A value as people write it: `true`, `1500`, `12.5%`, `2027-12-31`,
/// `30 days`, a text as is, `emea`, `exchange, teams`.
pub fn show(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Set(s) => s.iter().cloned().collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// A value in the state file: TOML's own types where they fit.
pub fn to_toml(v: &Value) -> toml::Value {
    match v {
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_int() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::String(n.to_string()),
        },
        Value::Date(d) => toml::Value::Datetime(toml::value::Datetime {
            date: Some(toml::value::Date {
                year: d.year() as u16,
                month: d.month() as u8,
                day: d.day() as u8,
            }),
            time: None,
            offset: None,
        }),
        Value::Set(s) => toml::Value::Array(s.iter().cloned().map(toml::Value::String).collect()),
        Value::Enum(e) => toml::Value::String(e.clone()),
        Value::Text(t) => toml::Value::String(t.clone()),
        Value::Percent(_) | Value::Duration(..) => toml::Value::String(show(v)),
    }
}

/// Reads a stored value back as a value of `ty`.
/// Whether `v` is a value of type `ty` (a value logged under an older
/// model may not be).
pub fn fits(model: &Playbook, ty: &Type, v: &Value) -> bool {
    from_toml(model, ty, &to_toml(v)).is_ok_and(|typed| typed == *v)
}

pub fn from_toml(model: &Playbook, ty: &Type, v: &toml::Value) -> Result<Value, String> {
    let mismatch = || {
        format!(
            "expected a value of type `{ty}` ({}), found {}",
            describe_type(model, ty),
            v.type_str()
        )
    };
    match (ty, v) {
        (Type::Bool, toml::Value::Boolean(b)) => Ok(Value::Bool(*b)),
        (Type::Int, toml::Value::Integer(i)) => Ok(Value::Number(Ratio::int(*i))),
        (Type::Date, toml::Value::Datetime(d)) => match (d.date, d.time, d.offset) {
            (Some(date), None, None) => {
                jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8)
                    .map(Value::Date)
                    .map_err(|_| mismatch())
            }
            _ => Err(mismatch()),
        },
        (Type::Set(_), toml::Value::Array(items)) => {
            let mut parts = Vec::new();
            for item in items {
                match item {
                    toml::Value::String(s) => parts.push(s.as_str()),
                    _ => return Err(mismatch()),
                }
            }
            parse(model, ty, &parts.join(","))
        }
        (Type::Text, toml::Value::String(s)) => Ok(Value::Text(s.clone())),
        (Type::Enum(_) | Type::Percent | Type::Duration, toml::Value::String(s)) => {
            parse(model, ty, s)
        }
        _ => Err(mismatch()),
    }
}

/// A stored value, typed by the model when it knows the name, by its TOML
/// type otherwise (an event that a migration left unmapped).
pub fn typed_value(model: &Playbook, ty: Option<&Type>, v: &toml::Value) -> Result<Value, String> {
    match ty {
        Some(ty) => from_toml(model, ty, v),
        None => Ok(match v {
            toml::Value::Boolean(b) => Value::Bool(*b),
            toml::Value::Integer(i) => Value::Number(Ratio::int(*i)),
            toml::Value::Array(a) => Value::Set(
                a.iter()
                    .map(|x| x.as_str().unwrap_or_default().to_string())
                    .collect(),
            ),
            toml::Value::Datetime(d) => match d.date {
                Some(date) => {
                    jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8)
                        .map(Value::Date)
                        .map_err(|e| e.to_string())?
                }
                None => Value::Text(d.to_string()),
            },
            other => Value::Enum(other.as_str().unwrap_or_default().to_string()),
        }),
    }
}

/// The type of a field's values.
pub fn field_type<'m>(model: &'m Playbook, field: &str) -> Option<&'m Type> {
    model.fields.iter().find(|f| f.id == field).map(|f| &f.ty)
}
