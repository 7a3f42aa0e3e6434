//! Lowering pest pairs into the owned syntax tree.
//!
//! The grammar guarantees the shape of every pair, so the accessors here
//! treat a missing child as a bug in this file, not in the user's input.
//! Literal values (numbers, dates, escapes) are checked here, and so is the
//! depth of expressions, which the grammar builds with loops.

use super::Rule;
use super::text;
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::registry::Code;
use crate::source::{FileId, Span};
use pest::iterators::{Pair, Pairs};

/// The deepest expression tree accepted (operator chains count).
pub const MAX_EXPR_DEPTH: usize = 200;

pub struct Lower {
    file: FileId,
    /// Where the text pest saw starts in the file: pairs of a statement
    /// parsed on the rest of the file count from there.
    pub offset: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// Statement lists being lowered, one per level of nesting, reused:
    /// a body is gathered here and moved into a vector of exactly its
    /// length (see `body`).
    scratch: Vec<Vec<Stmt>>,
}

type P<'i> = Pair<'i, Rule>;

/// The children of a pair, in order.
struct Kids<'i> {
    inner: Pairs<'i, Rule>,
}

impl<'i> Kids<'i> {
    fn of(pair: P<'i>) -> Kids<'i> {
        Kids {
            inner: pair.into_inner(),
        }
    }

    /// The next child other than punctuation; the grammar guarantees it
    /// exists.
    fn next(&mut self) -> P<'i> {
        self.skip_punctuation();
        self.inner
            .next()
            .expect("the grammar guarantees this child")
    }

    fn peek(&mut self) -> Option<Rule> {
        self.skip_punctuation();
        self.inner.peek().map(|p| p.as_rule())
    }

    /// The next child if it is a text.
    fn take_text(&mut self) -> Option<P<'i>> {
        match self.peek() {
            Some(r) if is_text(r) => self.inner.next(),
            _ => None,
        }
    }

    fn skip_punctuation(&mut self) {
        while matches!(
            self.inner.peek().map(|p| p.as_rule()),
            Some(Rule::colon | Rule::equals | Rule::arrow)
        ) {
            self.inner.next();
        }
    }

    /// The next child if it has the given rule.
    fn take(&mut self, rule: Rule) -> Option<P<'i>> {
        if self.peek() == Some(rule) {
            self.inner.next()
        } else {
            None
        }
    }

    /// Skips keyword children.
    fn skip_keywords(&mut self) {
        while let Some(r) = self.peek() {
            if is_keyword(r) {
                self.inner.next();
            } else {
                break;
            }
        }
    }

    fn rest(mut self) -> Pairs<'i, Rule> {
        self.skip_punctuation();
        self.inner
    }
}

/// Whether a rule is a text (the grammar's `text` is silent).
fn is_text(rule: Rule) -> bool {
    matches!(rule, Rule::string | Rule::text_block)
}

/// Whether a rule is a keyword (`kw_*`): computed once from the rule names.
fn is_keyword(rule: Rule) -> bool {
    static KEYWORDS: std::sync::LazyLock<Vec<bool>> = std::sync::LazyLock::new(|| {
        let size = Rule::all_rules()
            .iter()
            .map(|r| *r as usize + 1)
            .max()
            .unwrap_or(0);
        let mut table = vec![false; size];
        for r in Rule::all_rules() {
            table[*r as usize] = format!("{r:?}").starts_with("kw_");
        }
        table
    });
    KEYWORDS.get(rule as usize).copied().unwrap_or(false)
}

impl Lower {
    pub fn new(file: FileId) -> Lower {
        Lower {
            file,
            offset: 0,
            diagnostics: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The span of a pair, without the layout pest counts at its end.
    fn span(&self, pair: &P) -> Span {
        let start = self.offset + pair.as_span().start();
        let end = start + pair.as_str().trim_end().len();
        Span::new(self.file, start, end)
    }

    pub fn file(&mut self, mut pairs: Pairs<Rule>) -> Option<File> {
        let file = pairs.next()?;
        let span = self.span(&file);
        let unit = file
            .into_inner()
            .find(|p| matches!(p.as_rule(), Rule::playbook | Rule::catalogue))?;
        let kind = if unit.as_rule() == Rule::playbook {
            UnitKind::Playbook
        } else {
            UnitKind::Catalogue
        };
        let mut kids = Kids::of(unit);
        kids.skip_keywords();
        let id = self.ident(kids.next());
        let body = self.body(kids.next());
        Some(File {
            kind,
            id,
            body,
            span,
        })
    }

    /// The `head` of a file parsed statement by statement: its kind and id.
    pub fn head(&mut self, pair: P) -> (UnitKind, Ident) {
        let mut kids = Kids::of(pair);
        let kind = if kids.take(Rule::kw_playbook).is_some() {
            UnitKind::Playbook
        } else {
            kids.take(Rule::kw_catalogue);
            UnitKind::Catalogue
        };
        (kind, self.ident(kids.next()))
    }

    /// A `next_stmt`: one top-level statement.
    pub fn top_stmt(&mut self, pair: P) -> Option<Stmt> {
        let stmt = pair.into_inner().find(|p| p.as_rule() == Rule::stmt)?;
        Some(self.stmt(stmt.into_inner().next()?))
    }

    fn ident(&mut self, pair: P) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn idents(&mut self, pair: P) -> Vec<Ident> {
        pair.into_inner().map(|p| self.ident(p)).collect()
    }

    /// A text: a one-line string or a `"""` block (the pair includes the
    /// quotes).
    fn text(&mut self, pair: P) -> Text {
        let span = self.span(&pair);
        let value = if pair.as_rule() == Rule::text_block {
            let raw = pair.as_str();
            text::dedent(&raw[3..raw.len() - 3])
        } else {
            self.string_value(pair)
        };
        Text { value, span }
    }

    fn string(&mut self, pair: P) -> Text {
        let span = self.span(&pair);
        let value = self.string_value(pair);
        Text { value, span }
    }

    fn string_value(&mut self, pair: P) -> String {
        let raw = pair.as_str();
        let body = &raw[1..raw.len() - 1];
        let start = self.offset + pair.as_span().start() + 1;
        match text::unescape(body) {
            Ok(value) => value,
            Err((offset, len, message)) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidLiteral,
                        Span::new(self.file, start + offset, start + offset + len),
                        message,
                    )
                    .label("invalid escape")
                    .help(
                        "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\{`, `\\}` and `\\u{HEX}`",
                    ),
                );
                body.to_string()
            }
        }
    }

    fn date(&mut self, pair: P) -> DateLit {
        let span = self.span(&pair);
        let s = pair.as_str();
        let date = parse_date(s).unwrap_or_else(|| {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidLiteral,
                    span,
                    format!("`{s}` is not a calendar date"),
                )
                .label("no such date")
                .help("write dates as YYYY-MM-DD, for example 2019-10-01"),
            );
            jiff::civil::Date::constant(2000, 1, 1)
        });
        DateLit { date, span }
    }

    fn int(&mut self, pair: &P) -> i64 {
        let digits: String = pair.as_str().chars().filter(|c| *c != '_').collect();
        digits.parse().unwrap_or_else(|_| {
            let span = self.span(pair);
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidLiteral,
                    span,
                    format!("`{}` is too large", pair.as_str()),
                )
                .label("out of range")
                .help(format!("numbers go up to {}", i64::MAX)),
            );
            0
        })
    }

    fn task_number(&mut self, pair: &P) -> u32 {
        pair.as_str().parse().unwrap_or_else(|_| {
            let span = self.span(pair);
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidLiteral,
                    span,
                    format!("task number `{}` is too large", pair.as_str()),
                )
                .label("out of range")
                .help(format!("task numbers go up to {}", u32::MAX)),
            );
            0
        })
    }

    /// `12.5%` in hundredths of a percent.
    fn percent(&mut self, pair: &P) -> i64 {
        let s = pair.as_str().trim_end_matches('%');
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        let value = if frac.len() > 2 {
            None
        } else {
            let frac = format!("{frac:0<2}");
            whole
                .parse::<i64>()
                .ok()
                .and_then(|w| w.checked_mul(100))
                .and_then(|w| w.checked_add(frac.parse::<i64>().unwrap_or(0)))
        };
        value.unwrap_or_else(|| {
            let span = self.span(pair);
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidLiteral,
                    span,
                    format!(
                        "`{}` is not a percentage this compiler can represent",
                        pair.as_str()
                    ),
                )
                .label("out of range or too precise")
                .help("percentages take at most two decimals, for example 12.25%"),
            );
            0
        })
    }

    fn body(&mut self, pair: P) -> Vec<Stmt> {
        let mut scratch = self.scratch.pop().unwrap_or_default();
        for p in pair.into_inner() {
            if p.as_rule() == Rule::stmt
                && let Some(p) = p.into_inner().next()
            {
                let stmt = self.stmt(p);
                scratch.push(stmt);
            }
        }
        // The pairs cannot tell how many statements they hold, so a vector
        // filled from them grows by doubling, and a shrink that keeps more
        // than half is no shrink to mimalloc: the statements are moved into
        // a vector of their number instead (a third of a large tree).
        let mut body = Vec::with_capacity(scratch.len());
        body.append(&mut scratch);
        self.scratch.push(scratch);
        body
    }

    fn type_expr(&mut self, pair: P) -> TypeExpr {
        let inner = pair.into_inner().next().expect("a type has a form");
        self.type_form(inner)
    }

    fn type_form(&mut self, pair: P) -> TypeExpr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::set_type => {
                let inner = pair
                    .into_inner()
                    .find(|p| matches!(p.as_rule(), Rule::one_of_type | Rule::named_type))
                    .expect("set of has an element type");
                TypeExpr::SetOf(Box::new(self.type_form(inner)), span)
            }
            Rule::one_of_type => {
                let values = pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::ident)
                    .map(|p| self.ident(p))
                    .collect();
                TypeExpr::OneOf(values, span)
            }
            _ => {
                let id = pair.into_inner().next().expect("a named type has a name");
                TypeExpr::Named(self.ident(id))
            }
        }
    }

    fn applies(&mut self, pair: P) -> Applies {
        let mut kids = Kids::of(pair);
        kids.take(Rule::kw_applies);
        kids.take(Rule::kw_to);
        let next = kids.next();
        if next.as_rule() == Rule::kw_all {
            Applies::All(self.span(&next))
        } else {
            Applies::Services(self.idents(next))
        }
    }

    fn criterion(&mut self, pair: P) -> Criterion {
        let mut kids = Kids::of(pair);
        let id = self.ident(kids.next());
        let mut declared = None;
        let mut after = Vec::new();
        let mut when = None;
        for p in kids.rest() {
            match p.as_rule() {
                Rule::string | Rule::text_block => {
                    let text = self.text(p);
                    declared = Some((text, None));
                }
                Rule::ident => {
                    let note = self.ident(p);
                    if let Some((text, _)) = declared.take() {
                        declared = Some((text, Some(note)));
                    }
                }
                Rule::when_clause => {
                    let e = p.into_inner().find(|p| p.as_rule() == Rule::expr);
                    when = e.map(|e| Box::new(self.expr(e)));
                }
                Rule::after_clause => {
                    if let Some(list) = p.into_inner().find(|p| p.as_rule() == Rule::ident_list) {
                        after = self.idents(list);
                    }
                }
                _ => {}
            }
        }
        Criterion {
            id,
            declared: declared.and_then(|(t, n)| n.map(|n| Box::new((t, n)))),
            after,
            when,
        }
    }

    fn stmt(&mut self, pair: P) -> Stmt {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        if rule == Rule::applies_stmt {
            let kind = StmtKind::Applies(self.applies(pair));
            return Stmt { kind, span };
        }
        let mut kids = Kids::of(pair);
        kids.skip_keywords();
        let kind = match rule {
            Rule::locale_stmt => StmtKind::Locale(self.ident(kids.next())),
            Rule::translation_stmt => {
                let locale = self.ident(kids.next());
                let path = self.string(kids.next());
                StmtKind::Translation { locale, path }
            }
            Rule::use_stmt => StmtKind::Use(self.string(kids.next())),
            Rule::title_stmt => StmtKind::Title(self.text(kids.next())),
            Rule::description_stmt => StmtKind::Description(self.text(kids.next())),
            Rule::phase_stmt => {
                let id = self.ident(kids.next());
                let label = kids.take_text().map(|t| self.text(t));
                StmtKind::Phase { id, label }
            }
            Rule::motions_stmt => StmtKind::Motions(self.idents(kids.next())),
            Rule::audience_stmt => StmtKind::Audience(self.ident(kids.next())),
            Rule::author_stmt => StmtKind::Author(self.text(kids.next())),
            Rule::owner_stmt => {
                let p = kids.next();
                if is_text(p.as_rule()) {
                    StmtKind::Owner(Owner::Text(self.text(p)))
                } else {
                    StmtKind::Owner(Owner::Role(self.ident(p)))
                }
            }
            Rule::revised_stmt => StmtKind::Revised(self.date(kids.next())),
            Rule::overview_stmt => StmtKind::Overview(self.text(kids.next())),
            Rule::list_stmt => {
                let kind_pair = kids.next();
                let kind = match kind_pair.into_inner().next().map(|p| p.as_rule()) {
                    Some(Rule::kw_key_inputs) => ListKind::KeyInputs,
                    Some(Rule::kw_key_outputs) => ListKind::KeyOutputs,
                    _ => ListKind::Objectives,
                };
                let entries = kids
                    .rest()
                    .map(|e| {
                        let mut k = Kids::of(e);
                        let id = self.ident(k.next());
                        let text = self.text(k.next());
                        ListEntry { id, text }
                    })
                    .collect();
                StmtKind::List { kind, entries }
            }
            Rule::next_steps_stmt => {
                let entries = kids
                    .rest()
                    .map(|e| {
                        let mut k = Kids::of(e);
                        let id = self.ident(k.next());
                        let text = self.text(k.next());
                        k.skip_keywords();
                        let playbook = k.take(Rule::ident).map(|p| self.ident(p));
                        NextEntry { id, text, playbook }
                    })
                    .collect();
                StmtKind::NextSteps(entries)
            }
            Rule::history_stmt => {
                let entries = kids
                    .rest()
                    .map(|e| {
                        let span = self.span(&e);
                        let mut k = Kids::of(e);
                        let date = self.date(k.next());
                        let who = self.text(k.next());
                        let what = self.text(k.next());
                        HistoryEntry {
                            date,
                            who,
                            what,
                            span,
                        }
                    })
                    .collect();
                StmtKind::History(entries)
            }
            Rule::motion_decl
            | Rule::role_decl
            | Rule::note_decl
            | Rule::service_decl
            | Rule::template_decl
            | Rule::link_decl => {
                let kind = match rule {
                    Rule::motion_decl => DeclKind::Motion,
                    Rule::role_decl => DeclKind::Role,
                    Rule::note_decl => DeclKind::Note,
                    Rule::service_decl => DeclKind::Service,
                    Rule::template_decl => DeclKind::Template,
                    _ => DeclKind::Link,
                };
                let id = self.ident(kids.next());
                let label = self.text(kids.next());
                let url = kids.take(Rule::url_clause).map(|u| {
                    let mut k = Kids::of(u);
                    k.skip_keywords();
                    self.string(k.next())
                });
                StmtKind::Decl {
                    kind,
                    id,
                    label,
                    url,
                }
            }
            Rule::enum_decl => {
                let id = self.ident(kids.next());
                let label = kids.take_text().map(|t| self.text(t));
                let values = kids
                    .rest()
                    .map(|v| {
                        let mut k = Kids::of(v);
                        let id = self.ident(k.next());
                        let label = k.take_text().map(|t| self.text(t));
                        EnumValue { id, label }
                    })
                    .collect();
                StmtKind::Enum { id, label, values }
            }
            Rule::field_decl | Rule::input_decl => {
                let id = self.ident(kids.next());
                let ty = self.type_expr(kids.next());
                let label = kids.take_text().map(|t| self.text(t));
                if rule == Rule::field_decl {
                    StmtKind::Field { id, ty, label }
                } else {
                    StmtKind::Input { id, ty, label }
                }
            }
            Rule::let_decl => {
                let id = self.ident(kids.next());
                let ty = kids.take(Rule::type_expr).map(|t| self.type_expr(t));
                let label = kids.take_text().map(|t| self.text(t));
                let value = Box::new(self.expr(kids.next()));
                StmtKind::Let {
                    id,
                    ty,
                    label,
                    value,
                }
            }
            Rule::task_decl => {
                let number_pair = kids.next();
                let number_span = self.span(&number_pair);
                let number = self.task_number(&number_pair);
                let name = self.text(kids.next());
                let mut mandatory = None;
                let mut owner = None;
                let mut applies = None;
                for clause in kids.rest() {
                    let clause_span = self.span(&clause);
                    match clause.as_rule() {
                        Rule::necessity => {
                            let m = clause.as_str() == "mandatory";
                            if mandatory.is_some() {
                                self.duplicate_clause(clause_span, "mandatory` or `optional");
                            }
                            mandatory = Some((m, clause_span));
                        }
                        Rule::owner_stmt => {
                            let p = clause
                                .into_inner()
                                .find(|p| p.as_rule() == Rule::ident || is_text(p.as_rule()))
                                .expect("owner has a value");
                            if is_text(p.as_rule()) {
                                let span = self.span(&p);
                                self.diagnostics.push(
                                    Diagnostic::new(
                                        Code::TypeMismatch,
                                        span,
                                        "a task's owner is a role id, not a text",
                                    )
                                    .label("expected a role id")
                                    .help("write `owner ROLE`, for example `owner fm`"),
                                );
                            } else {
                                if owner.is_some() {
                                    self.duplicate_clause(clause_span, "owner");
                                }
                                owner = Some(self.ident(p));
                            }
                        }
                        Rule::applies_stmt => {
                            if applies.is_some() {
                                self.duplicate_clause(clause_span, "applies to");
                            }
                            applies = Some(self.applies(clause));
                        }
                        _ => {}
                    }
                }
                StmtKind::Task {
                    number,
                    number_span,
                    name,
                    mandatory,
                    owner,
                    applies,
                }
            }
            Rule::step_decl => {
                let id = self.ident(kids.next());
                let title = self.text(kids.next());
                let body = self.body(kids.next());
                StmtKind::Step { id, title, body }
            }
            Rule::with_stmt => StmtKind::With(self.idents(kids.next())),
            Rule::after_stmt => StmtKind::After(self.idents(kids.next())),
            Rule::requires_stmt => StmtKind::Requires(self.expr(kids.next())),
            Rule::entry_stmt => StmtKind::Entry(self.criterion(kids.next())),
            Rule::exit_stmt => StmtKind::Exit(self.criterion(kids.next())),
            Rule::do_stmt => {
                let id = self.ident(kids.next());
                let text = self.text(kids.next());
                let optional = kids.take(Rule::kw_optional).is_some();
                let body = kids
                    .take(Rule::body)
                    .map(|b| self.body(b))
                    .unwrap_or_default();
                StmtKind::Do {
                    id,
                    text,
                    optional,
                    body,
                }
            }
            Rule::tip_stmt | Rule::warning_stmt => {
                let id = self.ident(kids.next());
                let text = self.text(kids.next());
                if rule == Rule::tip_stmt {
                    StmtKind::Tip { id, text }
                } else {
                    StmtKind::Warning { id, text }
                }
            }
            Rule::ask_stmt => {
                let id = self.ident(kids.next());
                let ty = self.type_expr(kids.next());
                let question = self.text(kids.next());
                StmtKind::Ask { id, ty, question }
            }
            Rule::if_stmt => {
                let cond = self.expr(kids.next());
                let body = self.body(kids.next());
                let mut branches = vec![(cond, body)];
                let mut otherwise = None;
                for p in kids.rest() {
                    match p.as_rule() {
                        Rule::else_if => {
                            let mut k = Kids::of(p);
                            k.skip_keywords();
                            let cond = self.expr(k.next());
                            let body = self.body(k.next());
                            branches.push((cond, body));
                        }
                        Rule::else_body => {
                            let mut k = Kids::of(p);
                            k.skip_keywords();
                            otherwise = Some(self.body(k.next()));
                        }
                        _ => {}
                    }
                }
                StmtKind::If {
                    branches,
                    otherwise,
                }
            }
            Rule::match_stmt => {
                let subject = kids
                    .take(Rule::subject)
                    .map(|s| self.expr(s.into_inner().next().expect("subject has an expression")));
                let arms = kids
                    .rest()
                    .map(|arm| {
                        let span = self.span(&arm);
                        let mut k = Kids::of(arm);
                        let patterns = self.arm_head(k.next());
                        let body = self.body(k.next());
                        StmtArm {
                            patterns,
                            body,
                            span,
                        }
                    })
                    .collect();
                StmtKind::Match { subject, arms }
            }
            Rule::for_stmt => {
                let var = self.ident(kids.next());
                kids.skip_keywords();
                let iter = self.expr(kids.next());
                let body = self.body(kids.next());
                StmtKind::ForEach { var, iter, body }
            }
            Rule::send_stmt => {
                let template = self.ident(kids.next());
                kids.skip_keywords();
                let to = self.ident(kids.next());
                StmtKind::Send { template, to }
            }
            Rule::set_stmt => {
                let field = self.ident(kids.next());
                let value = self.expr(kids.next());
                StmtKind::Set { field, value }
            }
            Rule::request_stmt => {
                let role = self.ident(kids.next());
                kids.skip_keywords();
                let set = match kids.take(Rule::ident) {
                    Some(field) => {
                        let field = self.ident(field);
                        let value = self.expr(kids.next());
                        Some(Box::new((field, value)))
                    }
                    None => None,
                };
                StmtKind::Request { role, set }
            }
            Rule::complete_stmt => {
                let number_pair = kids.next();
                let number_span = self.span(&number_pair);
                let number = self.task_number(&number_pair);
                StmtKind::CompleteTask {
                    number,
                    number_span,
                }
            }
            Rule::record_stmt => StmtKind::Record(self.ident(kids.next())),
            other => unreachable!("not a statement rule: {other:?}"),
        };
        Stmt { kind, span }
    }

    fn duplicate_clause(&mut self, span: Span, what: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::DuplicateStatement,
                span,
                format!("`{what}` is given twice"),
            )
            .label("second occurrence")
            .help("keep one of them"),
        );
    }

    fn arm_head(&mut self, pair: P) -> Option<Vec<Expr>> {
        let mut patterns = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_else => return None,
                Rule::expr => patterns.push(self.expr(p)),
                _ => {}
            }
        }
        Some(patterns)
    }

    /// Lowers an expression, bounding its depth.
    pub fn expr(&mut self, pair: P) -> Expr {
        let (expr, depth) = self.expr_depth(pair);
        if depth > MAX_EXPR_DEPTH {
            self.too_deep(expr.span)
        } else {
            expr
        }
    }

    fn too_deep(&mut self, span: Span) -> Expr {
        self.diagnostics.push(
            Diagnostic::new(
                Code::NestingTooDeep,
                span,
                format!("this expression is nested deeper than {MAX_EXPR_DEPTH} levels"),
            )
            .label("too deep")
            .help("split it into several `let` definitions"),
        );
        Expr {
            kind: ExprKind::Error,
            span,
        }
    }

    fn expr_depth(&mut self, pair: P) -> (Expr, usize) {
        match pair.as_rule() {
            Rule::expr => self.flat_expr(pair),
            Rule::paren | Rule::subject => {
                let inner = pair.into_inner().next().expect("wrapper has an expression");
                self.expr_depth(inner)
            }
            Rule::primary => {
                let inner = pair.into_inner().next().expect("primary has a form");
                self.primary(inner)
            }
            _ => self.primary(pair),
        }
    }

    /// Applies precedence to the flat `operand (operator operand)*` row of
    /// an expression, with explicit stacks (no recursion over the row).
    fn flat_expr(&mut self, pair: P) -> (Expr, usize) {
        let span = self.span(&pair);
        // Pending operators; each with its precedence.
        enum Pending {
            Binary(BinaryOp, u8),
            Not(Span),
        }
        const NOT: u8 = 3;
        let mut operands: Vec<(Expr, usize)> = Vec::new();
        let mut operators: Vec<Pending> = Vec::new();
        let mut tight: Vec<(PrefixOp, Span)> = Vec::new();
        let mut in_tight = false;
        let mut failed = false;

        // Reduces the top operator; false when the tree grew too deep.
        fn reduce(operands: &mut Vec<(Expr, usize)>, op: Pending) -> bool {
            match op {
                Pending::Binary(op, _) => {
                    let (rhs, d2) = operands.pop().expect("an operand for each operator");
                    let (lhs, d1) = operands.pop().expect("an operand for each operator");
                    let depth = d1.max(d2) + 1;
                    let span = lhs.span.to(rhs.span);
                    operands.push((
                        Expr {
                            kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                            span,
                        },
                        depth,
                    ));
                    depth <= MAX_EXPR_DEPTH
                }
                Pending::Not(start) => {
                    let (e, d) = operands.pop().expect("an operand for `not`");
                    let span = start.to(e.span);
                    operands.push((
                        Expr {
                            kind: ExprKind::Prefix(PrefixOp::Not, Box::new(e)),
                            span,
                        },
                        d + 1,
                    ));
                    d < MAX_EXPR_DEPTH
                }
            }
        }
        let precedence = |op: &Pending| match op {
            Pending::Binary(_, p) => *p,
            Pending::Not(_) => NOT,
        };

        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::prefix_op => {
                    let op_span = self.span(&part);
                    let op = part.into_inner().next().expect("prefix op has a form");
                    if op.as_rule() == Rule::kw_not && !in_tight {
                        operators.push(Pending::Not(op_span));
                        continue;
                    }
                    in_tight = true;
                    let op = self.prefix_op(op);
                    tight.push((op, op_span));
                    if tight.len() > MAX_EXPR_DEPTH {
                        failed = true;
                    }
                }
                Rule::primary => {
                    let inner = part.into_inner().next().expect("primary has a form");
                    let (mut e, mut depth) = self.primary(inner);
                    for (op, op_span) in tight.drain(..).rev() {
                        depth += 1;
                        let span = op_span.to(e.span);
                        e = Expr {
                            kind: ExprKind::Prefix(op, Box::new(e)),
                            span,
                        };
                    }
                    in_tight = false;
                    failed |= depth > MAX_EXPR_DEPTH;
                    operands.push((e, depth));
                }
                rule
                @ (Rule::or_op | Rule::and_op | Rule::cmp_op | Rule::add_op | Rule::mul_op) => {
                    let op = binary_op(&part);
                    let p = match rule {
                        Rule::or_op => 1,
                        Rule::and_op => 2,
                        Rule::cmp_op => 4,
                        Rule::add_op => 5,
                        _ => 6,
                    };
                    while operators.last().is_some_and(|top| precedence(top) >= p) {
                        if p == 4 && matches!(operators.last(), Some(Pending::Binary(_, 4))) {
                            let at = self.span(&part);
                            self.diagnostics.push(
                                Diagnostic::new(
                                    Code::SyntaxError,
                                    at,
                                    "comparisons cannot be chained",
                                )
                                .label("a second comparison")
                                .help("join two comparisons with `and`, for example `0 < x and x < 10`"),
                            );
                            return (
                                Expr {
                                    kind: ExprKind::Error,
                                    span,
                                },
                                0,
                            );
                        }
                        let top = operators.pop().expect("checked above");
                        failed |= !reduce(&mut operands, top);
                    }
                    operators.push(Pending::Binary(op, p));
                }
                _ => {}
            }
            if failed {
                return (self.too_deep(span), 0);
            }
        }
        while let Some(top) = operators.pop() {
            if !reduce(&mut operands, top) {
                return (self.too_deep(span), 0);
            }
        }
        operands.pop().unwrap_or((
            Expr {
                kind: ExprKind::Error,
                span,
            },
            0,
        ))
    }

    fn prefix_op(&mut self, op: P) -> PrefixOp {
        match op.as_rule() {
            Rule::kw_not => PrefixOp::Not,
            Rule::neg => PrefixOp::Neg,
            Rule::percent_of => {
                let pct = op.into_inner().next().expect("percent");
                PrefixOp::PercentOf(self.percent(&pct))
            }
            Rule::year_of => PrefixOp::YearOf,
            Rule::count_of => PrefixOp::CountOf,
            _ => {
                let mut k = Kids::of(op);
                let month_pair = k.next();
                let month = month_number(month_pair.as_str());
                let day_pair = k.next();
                let day = self.int(&day_pair);
                let day = if (1..=31).contains(&day) {
                    day as i8
                } else {
                    let span = self.span(&day_pair);
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidLiteral,
                            span,
                            format!("day `{day}` is not a day of a month"),
                        )
                        .label("expected 1 to 31")
                        .help("write the day of the month, for example `december 31 of ...`"),
                    );
                    1
                };
                PrefixOp::DayOf { month, day }
            }
        }
    }

    fn primary(&mut self, pair: P) -> (Expr, usize) {
        let span = self.span(&pair);
        let leaf = |kind| (Expr { kind, span }, 1);
        match pair.as_rule() {
            Rule::paren => {
                let inner = pair.into_inner().next().expect("paren has an expression");
                let (e, d) = self.expr_depth(inner);
                (Expr { kind: e.kind, span }, d)
            }
            Rule::match_expr => {
                let mut kids = Kids::of(pair);
                kids.skip_keywords();
                let mut depth = 1;
                let subject = kids.take(Rule::subject).map(|s| {
                    let (e, d) = self.expr_depth(s);
                    depth = depth.max(d + 1);
                    Box::new(e)
                });
                let mut arms = Vec::new();
                for arm in kids.rest() {
                    let span = self.span(&arm);
                    let mut k = Kids::of(arm);
                    let patterns = self.arm_head(k.next());
                    let (value, d) = self.expr_depth(k.next());
                    depth = depth.max(d + 1);
                    arms.push(ExprArm {
                        patterns,
                        value,
                        span,
                    });
                }
                (
                    Expr {
                        kind: ExprKind::Match { subject, arms },
                        span,
                    },
                    depth,
                )
            }
            Rule::set_literal => {
                let values = pair.into_inner().map(|p| self.ident(p)).collect();
                leaf(ExprKind::SetLit(values))
            }
            Rule::date => {
                let d = self.date(pair);
                leaf(ExprKind::Date(d.date))
            }
            Rule::percent => {
                let v = self.percent(&pair);
                leaf(ExprKind::Percent(v))
            }
            Rule::duration => {
                let mut kids = Kids::of(pair);
                let n = kids.next();
                let n = self.int(&n);
                let unit = match kids.next().as_str() {
                    "day" | "days" => DurationUnit::Days,
                    "week" | "weeks" => DurationUnit::Weeks,
                    "month" | "months" => DurationUnit::Months,
                    _ => DurationUnit::Years,
                };
                leaf(ExprKind::Duration(n, unit))
            }
            Rule::int => {
                let v = self.int(&pair);
                leaf(ExprKind::Int(v))
            }
            Rule::string => {
                let t = self.string(pair);
                leaf(ExprKind::Text(t.value))
            }
            Rule::kw_true => leaf(ExprKind::Bool(true)),
            Rule::kw_false => leaf(ExprKind::Bool(false)),
            Rule::kw_today => leaf(ExprKind::Today),
            Rule::recorded => {
                let id = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::ident)
                    .expect("recorded names a criterion");
                let id = self.ident(id);
                leaf(ExprKind::Recorded(id))
            }
            Rule::ident => {
                let id = self.ident(pair);
                leaf(ExprKind::Name(id))
            }
            _ => self.expr_depth(pair),
        }
    }
}

fn binary_op(pair: &P) -> BinaryOp {
    match pair.as_str() {
        "or" => BinaryOp::Or,
        "and" => BinaryOp::And,
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::Ne,
        "<" => BinaryOp::Lt,
        "<=" => BinaryOp::Le,
        ">" => BinaryOp::Gt,
        ">=" => BinaryOp::Ge,
        "in" => BinaryOp::In,
        "contains" => BinaryOp::Contains,
        "+" => BinaryOp::Add,
        "-" => BinaryOp::Sub,
        "*" => BinaryOp::Mul,
        "/" => BinaryOp::Div,
        _ => BinaryOp::NotIn,
    }
}

fn month_number(name: &str) -> i8 {
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
    MONTHS
        .iter()
        .position(|m| *m == name)
        .map(|i| i as i8 + 1)
        .unwrap_or(1)
}

/// Parses `YYYY-MM-DD` into a valid calendar date.
pub fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    let mut parts = s.splitn(3, '-');
    let y: i16 = parts.next()?.parse().ok()?;
    let m: i8 = parts.next()?.parse().ok()?;
    let d: i8 = parts.next()?.parse().ok()?;
    jiff::civil::Date::new(y, m, d).ok()
}
