//! Typing expressions.
//!
//! Bidirectional: `check_expr` pushes an expected type down (so a bare
//! `apj` is read as a value of the enum the context expects), `infer_expr`
//! computes one. Depth is bounded by the syntax stage, so recursion is safe.

use super::Resolver;
use super::scope::{Ns, ValueKind};
use crate::ast::{self, BinaryOp as AB, ExprKind as AK, PrefixOp};
use crate::diagnostic::Diagnostic;
use crate::ir::{self, BinaryOp, ExprKind, Type};
use crate::registry::Code;
use crate::source::Span;

/// Every name an expression reads (iteratively).
pub fn names_in(e: &ast::Expr) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            AK::Name(id) => names.push(id.name.clone()),
            AK::Prefix(_, x) => stack.push(x),
            AK::Binary(_, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            AK::Match { subject, arms } => {
                stack.extend(subject.iter().map(|b| b.as_ref()));
                for arm in arms {
                    stack.push(&arm.value);
                    stack.extend(arm.patterns.iter().flatten());
                }
            }
            _ => {}
        }
    }
    names
}

fn typed(kind: ExprKind, ty: Type, span: Span) -> ir::Expr {
    ir::Expr { kind, ty, span }
}

impl Resolver<'_> {
    /// How a type reads in a message.
    pub(super) fn show(&self, ty: &Type) -> String {
        let anonymous = |e: &str| self.st.anonymous.iter().any(|a| a.id == e);
        match ty {
            Type::Enum(e) if anonymous(e) => format!(
                "one of {}",
                self.st.scope.enum_values(e).unwrap_or_default().join(" | ")
            ),
            Type::Set(e) if anonymous(e) => format!(
                "set of one of {}",
                self.st.scope.enum_values(e).unwrap_or_default().join(" | ")
            ),
            other => other.to_string(),
        }
    }

    fn mismatch(&mut self, span: Span, expected: &str, found: &Type, help: &str) {
        let found = self.show(found);
        self.error(
            Diagnostic::new(
                Code::TypeMismatch,
                span,
                format!("expected {expected}, found `{found}`"),
            )
            .label(format!("this is `{found}`"))
            .help(help.to_string()),
        );
    }

    /// Types `e` and requires it to have type `expected`.
    pub(super) fn check_expr(&mut self, e: &ast::Expr, expected: &Type) -> Option<ir::Expr> {
        let typed = self.infer_expr(e, Some(expected))?;
        if &typed.ty != expected {
            let want = format!("`{}`", self.show(expected));
            let help = match expected {
                Type::Bool => {
                    "a condition is a comparison such as `seats >= 1000`, a `bool` input, or a combination with `and`, `or`, `not`"
                }
                Type::Int => "use a number, an `int` input, or arithmetic on them",
                Type::Date => "use a date such as 2020-12-31, `today`, or `december 31 of YEAR`",
                Type::Enum(_) => "use one of the enum's values",
                _ => "make both sides the same type",
            };
            self.mismatch(typed.span, &want, &typed.ty.clone(), help);
            return None;
        }
        Some(typed)
    }

    /// Whether `e` is a bare name that is not a variable: possibly an enum
    /// value whose enum the other side of a comparison decides.
    fn is_bare_value(&self, e: &ast::Expr) -> bool {
        match &e.kind {
            AK::Name(id) => {
                !self.st.loop_vars.iter().any(|(n, _)| n == &id.name)
                    && self.st.scope.get(Ns::Value, &id.name).is_none()
            }
            AK::SetLit(_) => true,
            _ => false,
        }
    }

    pub(super) fn infer_expr(&mut self, e: &ast::Expr, hint: Option<&Type>) -> Option<ir::Expr> {
        let span = e.span;
        Some(match &e.kind {
            AK::Error => return None,
            AK::Bool(b) => typed(ExprKind::Bool { value: *b }, Type::Bool, span),
            AK::Int(v) => typed(ExprKind::Int { value: *v }, Type::Int, span),
            AK::Percent(v) => typed(ExprKind::Percent { hundredths: *v }, Type::Percent, span),
            AK::Date(d) => typed(ExprKind::Date { value: *d }, Type::Date, span),
            AK::Duration(amount, unit) => typed(
                ExprKind::Duration {
                    amount: *amount,
                    unit: match unit {
                        ast::DurationUnit::Days => ir::DurationUnit::Days,
                        ast::DurationUnit::Weeks => ir::DurationUnit::Weeks,
                        ast::DurationUnit::Months => ir::DurationUnit::Months,
                        ast::DurationUnit::Years => ir::DurationUnit::Years,
                    },
                },
                Type::Duration,
                span,
            ),
            AK::Text(t) => typed(ExprKind::Text { value: t.clone() }, Type::Text, span),
            AK::Today => typed(ExprKind::Today, Type::Date, span),
            AK::Name(id) => return self.name(id, hint),
            // Whether some step records the criterion before this point is
            // proven by the checks (`ordering-violation`).
            AK::Recorded(id) => typed(
                ExprKind::Recorded {
                    criterion: id.name.clone(),
                },
                Type::Bool,
                span,
            ),
            AK::SetLit(values) => {
                let element = match hint {
                    Some(Type::Set(e)) => Some(e.clone()),
                    _ => values.first().and_then(|v| {
                        let owners = self.st.scope.enums_with(&v.name);
                        (owners.len() == 1).then(|| owners[0].clone())
                    }),
                };
                let Some(element) = element else {
                    if let Some(v) = values.first() {
                        self.unknown_value(v, None);
                    } else {
                        self.error(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                span,
                                "the type of an empty set cannot be known here",
                            )
                            .label("empty set")
                            .help("compare with a set input, or list at least one value"),
                        );
                    }
                    return None;
                };
                let mut ok = true;
                for v in values {
                    ok &= self.enum_value(v, &element).is_some();
                }
                if !ok {
                    return None;
                }
                typed(
                    ExprKind::SetOf {
                        values: values.iter().map(|v| v.name.clone()).collect(),
                    },
                    Type::Set(element),
                    span,
                )
            }
            AK::Prefix(op, x) => return self.prefix(*op, x, span),
            AK::Binary(op, a, b) => return self.binary(*op, a, b, span, hint),
            AK::Match { subject, arms } => {
                return self.match_expr(subject.as_deref(), arms, span, hint);
            }
        })
    }

    fn name(&mut self, id: &ast::Ident, hint: Option<&Type>) -> Option<ir::Expr> {
        if let Some((_, ty)) = self.st.loop_vars.iter().rev().find(|(n, _)| n == &id.name) {
            return Some(typed(
                ExprKind::LoopVar {
                    id: id.name.clone(),
                },
                ty.clone(),
                id.span,
            ));
        }
        if self.st.scope.get(Ns::Value, &id.name).is_some() {
            // A declared value without a type had an error of its own.
            let ty = self.st.scope.value_type(&id.name)?.clone();
            let name = id.name.clone();
            let kind = match self.st.scope.value_kind(&id.name) {
                Some(ValueKind::Input) => ExprKind::Input { id: name },
                Some(ValueKind::Let) if self.st.let_types.contains_key(&id.name) => {
                    ExprKind::Let { id: name }
                }
                // A definition not typed yet is one that failed.
                Some(ValueKind::Let) | None => return None,
                Some(ValueKind::Decision) => ExprKind::Decision { id: name },
            };
            return Some(typed(kind, ty, id.span));
        }
        let element = match hint {
            Some(Type::Enum(e)) => Some(e.clone()),
            _ => {
                let owners = self.st.scope.enums_with(&id.name);
                (owners.len() == 1).then(|| owners[0].clone())
            }
        };
        match element {
            Some(e) => self.enum_value(id, &e),
            None => {
                self.unknown_value(id, hint);
                None
            }
        }
    }

    fn enum_value(&mut self, id: &ast::Ident, enum_id: &str) -> Option<ir::Expr> {
        if self.st.scope.has_value(enum_id, &id.name) {
            return Some(typed(
                ExprKind::EnumValue {
                    value: id.name.clone(),
                },
                Type::Enum(enum_id.to_string()),
                id.span,
            ));
        }
        let values = self.st.scope.enum_values(enum_id).unwrap_or_default();
        let suggestion = super::scope::closest(&id.name, values.iter().map(String::as_str));
        let shown = self.show(&Type::Enum(enum_id.to_string()));
        let mut d = Diagnostic::new(
            Code::UndefinedReference,
            id.span,
            format!("`{}` is not a value of `{shown}`", id.name),
        )
        .label(format!("not in `{shown}`"));
        d = match suggestion {
            Some(s) => d.did_you_mean(s),
            None => d.help(format!("the values of `{shown}` are {}", values.join(", "))),
        };
        self.error(d);
        None
    }

    fn unknown_value(&mut self, id: &ast::Ident, hint: Option<&Type>) {
        let owners = self.st.scope.enums_with(&id.name).to_vec();
        if owners.len() > 1 {
            self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    id.span,
                    format!(
                        "`{}` is a value of several enums: {}",
                        id.name,
                        owners.join(", ")
                    ),
                )
                .label("ambiguous")
                .help("compare it with a value of a known enum, or give the definition a type"),
            );
            return;
        }
        let mut candidates = self.st.scope.names(Ns::Value);
        candidates.extend(self.st.loop_vars.iter().map(|(n, _)| n.clone()));
        if let Some(Type::Enum(e)) = hint {
            candidates.extend(
                self.st
                    .scope
                    .enum_values(e)
                    .unwrap_or_default()
                    .iter()
                    .cloned(),
            );
        }
        let suggestion = super::scope::closest(&id.name, candidates.iter().map(String::as_str));
        let mut d = Diagnostic::new(
            Code::UndefinedReference,
            id.span,
            format!("`{}` is not declared", id.name),
        )
        .label("unknown name");
        d = match suggestion {
            Some(s) => d.did_you_mean(s),
            None => d.help(
                "declare it with `input ID: TYPE`, `let ID = ...` or `ask ID: TYPE`, or use a value of an enum",
            ),
        };
        self.error(d);
    }

    fn prefix(&mut self, op: PrefixOp, x: &ast::Expr, span: Span) -> Option<ir::Expr> {
        Some(match op {
            PrefixOp::Not => {
                let x = self.check_expr(x, &Type::Bool)?;
                typed(
                    ExprKind::Not {
                        operand: Box::new(x),
                    },
                    Type::Bool,
                    span,
                )
            }
            PrefixOp::Neg => {
                let x = self.infer_expr(x, None)?;
                if !matches!(x.ty, Type::Int | Type::Percent) {
                    self.mismatch(
                        x.span,
                        "a number or a percentage",
                        &x.ty.clone(),
                        "only numbers and percentages can be negated",
                    );
                    return None;
                }
                let ty = x.ty.clone();
                typed(
                    ExprKind::Neg {
                        operand: Box::new(x),
                    },
                    ty,
                    span,
                )
            }
            PrefixOp::PercentOf(hundredths) => {
                let x = self.check_expr(x, &Type::Int)?;
                typed(
                    ExprKind::PercentOf {
                        hundredths,
                        operand: Box::new(x),
                    },
                    Type::Int,
                    span,
                )
            }
            PrefixOp::YearOf => {
                let x = self.check_expr(x, &Type::Date)?;
                typed(
                    ExprKind::YearOf {
                        operand: Box::new(x),
                    },
                    Type::Int,
                    span,
                )
            }
            PrefixOp::CountOf => {
                let x = self.infer_expr(x, None)?;
                if !matches!(x.ty, Type::Set(_)) {
                    self.mismatch(
                        x.span,
                        "a set",
                        &x.ty.clone(),
                        "`count of` counts the values of a set",
                    );
                    return None;
                }
                typed(
                    ExprKind::CountOf {
                        operand: Box::new(x),
                    },
                    Type::Int,
                    span,
                )
            }
            PrefixOp::DayOf { month, day } => {
                let x = self.check_expr(x, &Type::Int)?;
                typed(
                    ExprKind::DayOf {
                        month,
                        day,
                        year: Box::new(x),
                    },
                    Type::Date,
                    span,
                )
            }
        })
    }

    fn binary(
        &mut self,
        op: AB,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
        hint: Option<&Type>,
    ) -> Option<ir::Expr> {
        let (lhs, rhs, ty, op) = match op {
            AB::Or | AB::And => {
                let lhs = self.check_expr(a, &Type::Bool);
                let rhs = self.check_expr(b, &Type::Bool);
                let op = if op == AB::Or {
                    BinaryOp::Or
                } else {
                    BinaryOp::And
                };
                (lhs?, rhs?, Type::Bool, op)
            }
            AB::Eq | AB::Ne => {
                let (lhs, rhs) = if self.is_bare_value(a) && !self.is_bare_value(b) {
                    let rhs = self.infer_expr(b, None)?;
                    let lhs = self.check_expr(a, &rhs.ty.clone())?;
                    (lhs, rhs)
                } else {
                    let lhs = self.infer_expr(a, None)?;
                    let rhs = self.check_expr(b, &lhs.ty.clone())?;
                    (lhs, rhs)
                };
                let op = if op == AB::Eq {
                    BinaryOp::Eq
                } else {
                    BinaryOp::Ne
                };
                (lhs, rhs, Type::Bool, op)
            }
            AB::Lt | AB::Le | AB::Gt | AB::Ge => {
                let lhs = self.infer_expr(a, None)?;
                if !matches!(lhs.ty, Type::Int | Type::Percent | Type::Date) {
                    self.mismatch(
                        lhs.span,
                        "a number, a percentage or a date",
                        &lhs.ty.clone(),
                        "only numbers, percentages and dates can be ordered",
                    );
                    return None;
                }
                let rhs = self.check_expr(b, &lhs.ty.clone())?;
                let op = match op {
                    AB::Lt => BinaryOp::Lt,
                    AB::Le => BinaryOp::Le,
                    AB::Gt => BinaryOp::Gt,
                    _ => BinaryOp::Ge,
                };
                (lhs, rhs, Type::Bool, op)
            }
            AB::In | AB::NotIn => {
                let (lhs, rhs) = if self.is_bare_value(a) {
                    let rhs = self.infer_expr(b, None)?;
                    let Type::Set(e) = rhs.ty.clone() else {
                        self.mismatch(
                            rhs.span,
                            "a set",
                            &rhs.ty.clone(),
                            "`in` tests membership of a set, such as `{a, b}` or a `set of` input",
                        );
                        return None;
                    };
                    (self.check_expr(a, &Type::Enum(e))?, rhs)
                } else {
                    let lhs = self.infer_expr(a, None)?;
                    let Type::Enum(e) = lhs.ty.clone() else {
                        self.mismatch(
                            lhs.span,
                            "a value of an enum",
                            &lhs.ty.clone(),
                            "`in` tests whether an enum value is in a set",
                        );
                        return None;
                    };
                    (lhs, self.check_expr(b, &Type::Set(e))?)
                };
                let op = if op == AB::In {
                    BinaryOp::In
                } else {
                    BinaryOp::NotIn
                };
                (lhs, rhs, Type::Bool, op)
            }
            AB::Contains => {
                let lhs = self.infer_expr(a, None)?;
                let Type::Set(e) = lhs.ty.clone() else {
                    self.mismatch(
                        lhs.span,
                        "a set",
                        &lhs.ty.clone(),
                        "`contains` tests whether a set holds a value",
                    );
                    return None;
                };
                let rhs = self.check_expr(b, &Type::Enum(e))?;
                (lhs, rhs, Type::Bool, BinaryOp::Contains)
            }
            AB::Add | AB::Sub => {
                let lhs = self.infer_expr(a, None)?;
                let op = if op == AB::Add {
                    BinaryOp::Add
                } else {
                    BinaryOp::Sub
                };
                match lhs.ty.clone() {
                    Type::Int | Type::Percent => {
                        let rhs = self.check_expr(b, &lhs.ty.clone())?;
                        let ty = lhs.ty.clone();
                        (lhs, rhs, ty, op)
                    }
                    Type::Date => {
                        let rhs = self.infer_expr(b, None)?;
                        match (&rhs.ty, op) {
                            (Type::Duration, _) => (lhs, rhs, Type::Date, op),
                            (Type::Date, BinaryOp::Sub) => (lhs, rhs, Type::Int, op),
                            _ => {
                                self.mismatch(rhs.span, "a duration such as `30 days`", &rhs.ty.clone(), "add or subtract durations from dates; subtracting two dates gives days");
                                return None;
                            }
                        }
                    }
                    other => {
                        self.mismatch(
                            lhs.span,
                            "a number, a percentage or a date",
                            &other,
                            "arithmetic works on numbers, percentages and dates",
                        );
                        return None;
                    }
                }
            }
            AB::Mul | AB::Div => {
                let lhs = self.check_expr(a, &Type::Int);
                let rhs = self.check_expr(b, &Type::Int);
                let op = if op == AB::Mul {
                    BinaryOp::Mul
                } else {
                    BinaryOp::Div
                };
                (lhs?, rhs?, Type::Int, op)
            }
        };
        let _ = hint;
        Some(typed(
            ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            ty,
            span,
        ))
    }

    fn match_expr(
        &mut self,
        subject: Option<&ast::Expr>,
        arms: &[ast::ExprArm],
        span: Span,
        hint: Option<&Type>,
    ) -> Option<ir::Expr> {
        let subject = match subject {
            Some(s) => {
                let s = self.infer_expr(s, None)?;
                if !matches!(s.ty, Type::Bool | Type::Enum(_)) {
                    self.mismatch(
                        s.span,
                        "a `bool` or a value of an enum",
                        &s.ty.clone(),
                        "match over a choice; for numbers, write `match { CONDITION => ... }`",
                    );
                    return None;
                }
                Some(s)
            }
            None => None,
        };
        if arms.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::MissingStatement,
                    span,
                    "a `match` needs at least one arm",
                )
                .label("no arms")
                .help("add arms `VALUE => RESULT`"),
            );
            return None;
        }
        let pattern_ty = subject.as_ref().map(|s| s.ty.clone()).unwrap_or(Type::Bool);
        let mut result_ty = hint.cloned();
        let mut out = Vec::new();
        let mut ok = true;
        for arm in arms {
            let patterns = match &arm.patterns {
                None => None,
                Some(ps) => {
                    let mut typed_ps = Vec::new();
                    for p in ps {
                        match self.check_expr(p, &pattern_ty) {
                            Some(t) => typed_ps.push(t),
                            None => ok = false,
                        }
                    }
                    Some(typed_ps)
                }
            };
            let value = match &result_ty {
                Some(t) => self.check_expr(&arm.value, &t.clone()),
                None => {
                    let v = self.infer_expr(&arm.value, None);
                    if let Some(v) = &v {
                        result_ty = Some(v.ty.clone());
                    }
                    v
                }
            };
            match value {
                Some(value) => out.push(ir::ExprArm { patterns, value }),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let ty = result_ty?;
        Some(typed(
            ExprKind::Match {
                subject: subject.map(Box::new),
                arms: out,
            },
            ty,
            span,
        ))
    }
}
