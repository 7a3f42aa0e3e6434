//! What the syntax tree tells the printer that tokens alone cannot: where
//! each statement, list entry and `match` arm starts, which braces are set
//! literals rather than blocks, and which `-` is a negation.

use crate::ast::{Expr, ExprKind, File, PrefixOp, Stmt, StmtKind};

/// Byte offsets into the source, each list sorted.
#[derive(Debug, Default)]
pub struct Marks {
    /// Where a statement, a list entry, an enum value or a `match` arm
    /// starts: each begins a line.
    pub line_starts: Vec<usize>,
    /// Where a set literal starts (at its `{`, or at the `(` of the
    /// parentheses around it): laid out on one line, `{a, b}`.
    pub sets: Vec<usize>,
    /// Where a negation starts (at its `-`, or at a `(` around it): no space
    /// after the `-`.
    pub negations: Vec<usize>,
}

/// Collects the marks of a file. Walks with explicit stacks: nesting is
/// bounded by the parser, but no walk here needs to rely on it.
pub fn collect(file: &File) -> Marks {
    let mut marks = Marks::default();
    let mut stmts: Vec<&Stmt> = file.body.iter().collect();
    let mut exprs: Vec<&Expr> = Vec::new();
    while let Some(stmt) = stmts.pop() {
        marks.line_starts.push(stmt.span.start as usize);
        match &stmt.kind {
            StmtKind::List { entries, .. } => marks
                .line_starts
                .extend(entries.iter().map(|e| e.id.span.start as usize)),
            StmtKind::NextSteps(entries) => marks
                .line_starts
                .extend(entries.iter().map(|e| e.id.span.start as usize)),
            StmtKind::History(entries) => marks
                .line_starts
                .extend(entries.iter().map(|e| e.span.start as usize)),
            StmtKind::Enum { values, .. } => marks
                .line_starts
                .extend(values.iter().map(|v| v.id.span.start as usize)),
            StmtKind::Let { value, .. } => exprs.push(value),
            StmtKind::Requires(value) => exprs.push(value),
            StmtKind::Set { value, .. } => exprs.push(value),
            StmtKind::Request { set, .. } => exprs.extend(set.iter().map(|s| &s.1)),
            StmtKind::Entry(c) | StmtKind::Exit(c) => exprs.extend(c.when.as_deref()),
            StmtKind::Step { body, .. } | StmtKind::Do { body, .. } => stmts.extend(body),
            StmtKind::ForEach { iter, body, .. } => {
                exprs.push(iter);
                stmts.extend(body);
            }
            StmtKind::If {
                branches,
                otherwise,
            } => {
                for (condition, body) in branches {
                    exprs.push(condition);
                    stmts.extend(body);
                }
                stmts.extend(otherwise.iter().flatten());
            }
            StmtKind::Match { subject, arms } => {
                exprs.extend(subject.iter());
                for arm in arms {
                    marks.line_starts.push(arm.span.start as usize);
                    exprs.extend(arm.patterns.iter().flatten());
                    stmts.extend(&arm.body);
                }
            }
            _ => {}
        }
    }
    while let Some(expr) = exprs.pop() {
        match &expr.kind {
            ExprKind::SetLit(_) => marks.sets.push(expr.span.start as usize),
            ExprKind::Prefix(op, inner) => {
                if *op == PrefixOp::Neg {
                    marks.negations.push(expr.span.start as usize);
                }
                exprs.push(inner);
            }
            ExprKind::Binary(_, lhs, rhs) => {
                exprs.push(lhs);
                exprs.push(rhs);
            }
            ExprKind::Match { subject, arms } => {
                exprs.extend(subject.as_deref());
                for arm in arms {
                    marks.line_starts.push(arm.span.start as usize);
                    exprs.extend(arm.patterns.iter().flatten());
                    exprs.push(&arm.value);
                }
            }
            _ => {}
        }
    }
    for list in [
        &mut marks.line_starts,
        &mut marks.sets,
        &mut marks.negations,
    ] {
        list.sort_unstable();
        list.dedup();
    }
    marks
}
