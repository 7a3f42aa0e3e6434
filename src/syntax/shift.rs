//! Moving a statement's spans by a number of bytes: after an edit, the
//! statements that follow it are the same text at a new place
//! ([`super::splice`]).
//!
//! Every span of every node is moved; the test that splices every edit of
//! the shipped playbooks and compares the result with a whole parse
//! (`lsp::index`) fails on a span left behind.

use crate::ast::{
    Applies, Criterion, DateLit, Expr, ExprKind, Ident, Owner, Stmt, StmtKind, Text, TypeExpr,
};
use crate::source::Span;

/// Moves every span of `stmt` by `by` bytes.
pub fn stmt(s: &mut Stmt, by: i64) {
    span(&mut s.span, by);
    let m = Mover(by);
    match &mut s.kind {
        StmtKind::Locale(id) | StmtKind::Audience(id) | StmtKind::Record(id) => m.ident(id),
        StmtKind::Translation { locale, path } => {
            m.ident(locale);
            m.text(path);
        }
        StmtKind::Use(t)
        | StmtKind::Title(t)
        | StmtKind::Description(t)
        | StmtKind::Author(t)
        | StmtKind::Overview(t) => m.text(t),
        StmtKind::Phase { id, label } => {
            m.ident(id);
            m.texts(label);
        }
        StmtKind::Motions(ids) | StmtKind::With(ids) | StmtKind::After(ids) => m.idents(ids),
        StmtKind::Owner(Owner::Text(t)) => m.text(t),
        StmtKind::Owner(Owner::Role(id)) => m.ident(id),
        StmtKind::Revised(d) => m.date(d),
        StmtKind::List { entries, .. } => {
            for e in entries {
                m.ident(&mut e.id);
                m.text(&mut e.text);
            }
        }
        StmtKind::NextSteps(entries) => {
            for e in entries {
                m.ident(&mut e.id);
                m.text(&mut e.text);
                if let Some(p) = &mut e.playbook {
                    m.ident(p);
                }
            }
        }
        StmtKind::History(entries) => {
            for e in entries {
                m.date(&mut e.date);
                m.text(&mut e.who);
                m.text(&mut e.what);
                span(&mut e.span, by);
            }
        }
        StmtKind::Decl { id, label, url, .. } => {
            m.ident(id);
            m.text(label);
            m.texts(url);
        }
        StmtKind::Enum { id, label, values } => {
            m.ident(id);
            m.texts(label);
            for v in values {
                m.ident(&mut v.id);
                m.texts(&mut v.label);
            }
        }
        StmtKind::Field { id, ty, label } | StmtKind::Input { id, ty, label } => {
            m.ident(id);
            m.ty(ty);
            m.texts(label);
        }
        StmtKind::Let {
            id,
            ty,
            label,
            value,
        } => {
            m.ident(id);
            if let Some(ty) = ty {
                m.ty(ty);
            }
            m.texts(label);
            m.expr(value);
        }
        StmtKind::Task {
            number_span,
            name,
            mandatory,
            owner,
            applies,
            ..
        } => {
            span(number_span, by);
            m.text(name);
            if let Some((_, s)) = mandatory {
                span(s, by);
            }
            if let Some(o) = owner {
                m.ident(o);
            }
            if let Some(a) = applies {
                m.applies(a);
            }
        }
        StmtKind::Step { id, title, body } => {
            m.ident(id);
            m.text(title);
            m.body(body);
        }
        StmtKind::Applies(a) => m.applies(a),
        StmtKind::Requires(e) => m.expr(e),
        StmtKind::Entry(c) | StmtKind::Exit(c) => m.criterion(c),
        StmtKind::Do { id, text, body, .. } => {
            m.ident(id);
            m.text(text);
            m.body(body);
        }
        StmtKind::Tip { id, text } | StmtKind::Warning { id, text } => {
            m.ident(id);
            m.text(text);
        }
        StmtKind::Ask { id, ty, question } => {
            m.ident(id);
            m.ty(ty);
            m.text(question);
        }
        StmtKind::If {
            branches,
            otherwise,
        } => {
            for (condition, body) in branches {
                m.expr(condition);
                m.body(body);
            }
            if let Some(body) = otherwise {
                m.body(body);
            }
        }
        StmtKind::Match { subject, arms } => {
            if let Some(e) = subject {
                m.expr(e);
            }
            for arm in arms {
                for p in arm.patterns.iter_mut().flatten() {
                    m.expr(p);
                }
                m.body(&mut arm.body);
                span(&mut arm.span, by);
            }
        }
        StmtKind::ForEach { var, iter, body } => {
            m.ident(var);
            m.expr(iter);
            m.body(body);
        }
        StmtKind::Send { template, to } => {
            m.ident(template);
            m.ident(to);
        }
        StmtKind::Set { field, value } => {
            m.ident(field);
            m.expr(value);
        }
        StmtKind::Request { role, set } => {
            m.ident(role);
            if let Some(set) = set {
                m.ident(&mut set.0);
                m.expr(&mut set.1);
            }
        }
        StmtKind::CompleteTask { number_span, .. } => span(number_span, by),
    }
}

fn span(s: &mut Span, by: i64) {
    s.start = (s.start as i64 + by) as u32;
    s.end = (s.end as i64 + by) as u32;
}

struct Mover(i64);

impl Mover {
    fn ident(&self, id: &mut Ident) {
        span(&mut id.span, self.0);
    }

    fn idents(&self, ids: &mut [Ident]) {
        for id in ids {
            self.ident(id);
        }
    }

    fn text(&self, t: &mut Text) {
        span(&mut t.span, self.0);
    }

    fn texts(&self, t: &mut Option<Text>) {
        if let Some(t) = t {
            self.text(t);
        }
    }

    fn date(&self, d: &mut DateLit) {
        span(&mut d.span, self.0);
    }

    fn body(&self, body: &mut [Stmt]) {
        for s in body {
            stmt(s, self.0);
        }
    }

    fn applies(&self, a: &mut Applies) {
        match a {
            Applies::All(s) => span(s, self.0),
            Applies::Services(ids) => self.idents(ids),
        }
    }

    fn ty(&self, t: &mut TypeExpr) {
        match t {
            TypeExpr::Named(id) => self.ident(id),
            TypeExpr::OneOf(ids, s) => {
                self.idents(ids);
                span(s, self.0);
            }
            TypeExpr::SetOf(inner, s) => {
                self.ty(inner);
                span(s, self.0);
            }
        }
    }

    fn criterion(&self, c: &mut Criterion) {
        self.ident(&mut c.id);
        if let Some(declared) = &mut c.declared {
            self.text(&mut declared.0);
            self.ident(&mut declared.1);
        }
        self.idents(&mut c.after);
        if let Some(e) = &mut c.when {
            self.expr(e);
        }
    }

    fn expr(&self, e: &mut Expr) {
        span(&mut e.span, self.0);
        match &mut e.kind {
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Percent(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(..)
            | ExprKind::Text(_)
            | ExprKind::Today
            | ExprKind::Error => {}
            ExprKind::Name(id) | ExprKind::Recorded(id) => self.ident(id),
            ExprKind::SetLit(ids) => self.idents(ids),
            ExprKind::Prefix(_, inner) => self.expr(inner),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Match { subject, arms } => {
                if let Some(s) = subject {
                    self.expr(s);
                }
                for arm in arms {
                    for p in arm.patterns.iter_mut().flatten() {
                        self.expr(p);
                    }
                    self.expr(&mut arm.value);
                    span(&mut arm.span, self.0);
                }
            }
        }
    }
}
