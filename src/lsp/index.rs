//! What one file declares and refers to, read from its syntax tree.
//!
//! Names are matched by text within a compilation unit (a file and the
//! catalogues it uses): ids are unique in a playbook's namespaces in
//! practice, and this works on files that do not resolve yet.

use crate::ast::{Applies, Criterion, Expr, ExprKind, ListKind, Owner, Stmt, StmtKind, TypeExpr};
use crate::source::Span;

/// A declared or referenced name.
#[derive(Debug, Clone, PartialEq)]
pub struct Symbol {
    pub name: String,
    /// Byte range of the name in the file.
    pub start: usize,
    pub end: usize,
    /// For a declaration: what it declares (`step`, `role`, ...).
    pub kind: Option<&'static str>,
    /// For a declaration: its label or title in the source locale.
    pub text: Option<String>,
    /// For a declaration with a type: the type as written.
    pub ty: Option<String>,
    /// The keyword of the statement a reference stands in (`owner`, `after`).
    pub context: &'static str,
}

impl Symbol {
    pub fn is_decl(&self) -> bool {
        self.kind.is_some()
    }
}

/// An entry of the outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    pub name: String,
    pub detail: Option<String>,
    pub kind: &'static str,
    pub span: Span,
    pub selection: Span,
    pub children: Vec<Outline>,
}

/// Everything the server needs to know about one parsed file.
#[derive(Debug, Default, Clone)]
pub struct Index {
    pub symbols: Vec<Symbol>,
    pub outline: Vec<Outline>,
    /// `use` paths as written.
    pub uses: Vec<String>,
    /// `translation` statements: locale and path as written.
    pub translations: Vec<(String, String)>,
    /// Every text literal: where it is and its value.
    pub texts: Vec<(Span, String)>,
    /// Each top-level statement: its span, and where its entries start in
    /// the lists above (entries come statement by statement, in order).
    pub stmts: Vec<Mark>,
}

/// Where one top-level statement's entries start in an [`Index`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    pub span: Span,
    symbols: usize,
    outline: usize,
    uses: usize,
    translations: usize,
    texts: usize,
}

fn shifted(span: Span, delta: i64) -> Span {
    Span {
        start: (span.start as i64 + delta) as u32,
        end: (span.end as i64 + delta) as u32,
        ..span
    }
}

fn shift_outline(o: &mut Outline, delta: i64) {
    o.span = shifted(o.span, delta);
    o.selection = shifted(o.selection, delta);
    for c in &mut o.children {
        shift_outline(c, delta);
    }
}

/// Replaces `range` of `list` with `new` and shifts what follows.
fn splice<T>(
    list: &mut Vec<T>,
    range: std::ops::Range<usize>,
    new: Vec<T>,
    shift: impl Fn(&mut T),
) {
    let after = range.start + new.len();
    list.splice(range, new);
    list[after..].iter_mut().for_each(shift);
}

impl Index {
    pub fn of(file: &crate::ast::File, text: &str) -> Index {
        Index::of_stmts(&file.body, text)
    }

    fn of_stmts(body: &[Stmt], text: &str) -> Index {
        let mut index = Index::default();
        let mut outline = Vec::new();
        for stmt in body {
            index.stmts.push(Mark {
                span: stmt.span,
                symbols: index.symbols.len(),
                outline: outline.len(),
                uses: index.uses.len(),
                translations: index.translations.len(),
                texts: index.texts.len(),
            });
            index.stmt(stmt, text, &mut outline);
        }
        index.outline = outline;
        index
    }

    /// The spans of the top-level statements.
    pub fn stmt_spans(&self) -> Vec<Span> {
        self.stmts.iter().map(|m| m.span).collect()
    }

    /// Where statement `i`'s entries start, or the lists' ends past the
    /// last statement.
    fn mark(&self, i: usize) -> Mark {
        self.stmts.get(i).copied().unwrap_or(Mark {
            span: Span::default(),
            symbols: self.symbols.len(),
            outline: self.outline.len(),
            uses: self.uses.len(),
            translations: self.translations.len(),
            texts: self.texts.len(),
        })
    }

    /// Makes this index of the old text the index of `text`, the new text
    /// in which `reparsed` parsed again the one statement an edit fell in
    /// ([`crate::syntax::reparse`]): that statement's entries are replaced
    /// and the later ones shifted. Returns `false`, leaving the index as it
    /// was, when the statement before the edit does not index as it did
    /// (the edit changed where it ends or what it means); the text must then
    /// be parsed whole.
    pub fn update(&mut self, reparsed: &crate::syntax::Reparsed, text: &str) -> bool {
        let i = reparsed.index;
        if i == 0 || i >= self.stmts.len() {
            return false;
        }
        let (before, from, to) = (self.mark(i - 1), self.mark(i), self.mark(i + 1));
        let previous = Index::of_stmts(std::slice::from_ref(&reparsed.previous), text);
        if previous.symbols[..] != self.symbols[before.symbols..from.symbols]
            || previous.outline[..] != self.outline[before.outline..from.outline]
            || previous.uses[..] != self.uses[before.uses..from.uses]
            || previous.translations[..]
                != self.translations[before.translations..from.translations]
            || previous.texts[..] != self.texts[before.texts..from.texts]
        {
            return false;
        }
        let new = Index::of_stmts(std::slice::from_ref(&reparsed.stmt), text);
        let delta = reparsed.delta;
        let counts = (
            new.symbols.len() as isize - (to.symbols - from.symbols) as isize,
            new.outline.len() as isize - (to.outline - from.outline) as isize,
            new.uses.len() as isize - (to.uses - from.uses) as isize,
            new.translations.len() as isize - (to.translations - from.translations) as isize,
            new.texts.len() as isize - (to.texts - from.texts) as isize,
        );
        splice(
            &mut self.symbols,
            from.symbols..to.symbols,
            new.symbols,
            |s| {
                s.start = (s.start as i64 + delta) as usize;
                s.end = (s.end as i64 + delta) as usize;
            },
        );
        splice(
            &mut self.outline,
            from.outline..to.outline,
            new.outline,
            |o| shift_outline(o, delta),
        );
        splice(&mut self.uses, from.uses..to.uses, new.uses, |_| {});
        splice(
            &mut self.translations,
            from.translations..to.translations,
            new.translations,
            |_| {},
        );
        splice(
            &mut self.texts,
            from.texts..to.texts,
            new.texts,
            |(span, _)| *span = shifted(*span, delta),
        );
        self.stmts[i].span = reparsed.stmt.span;
        let add = |at: usize, n: isize| (at as isize + n) as usize;
        for m in &mut self.stmts[i + 1..] {
            m.span = shifted(m.span, delta);
            m.symbols = add(m.symbols, counts.0);
            m.outline = add(m.outline, counts.1);
            m.uses = add(m.uses, counts.2);
            m.translations = add(m.translations, counts.3);
            m.texts = add(m.texts, counts.4);
        }
        true
    }

    /// The symbol whose name covers `offset` (its end included, so that a
    /// cursor just after a name finds it).
    pub fn at(&self, offset: usize) -> Option<&Symbol> {
        self.symbols
            .iter()
            .find(|s| s.start <= offset && offset <= s.end)
    }

    fn decl(
        &mut self,
        name: &str,
        span: Span,
        kind: &'static str,
        text: Option<&crate::ast::Text>,
        ty: Option<String>,
    ) {
        self.symbols.push(Symbol {
            name: name.to_string(),
            start: span.start as usize,
            end: span.end as usize,
            kind: Some(kind),
            text: text.map(|t| t.value.clone()),
            ty,
            context: "",
        });
    }

    fn reference(&mut self, id: &crate::ast::Ident, context: &'static str) {
        self.symbols.push(Symbol {
            name: id.name.clone(),
            start: id.span.start as usize,
            end: id.span.end as usize,
            kind: None,
            text: None,
            ty: None,
            context,
        });
    }

    fn text(&mut self, t: &crate::ast::Text) {
        self.texts.push((t.span, t.value.clone()));
    }

    fn ty(&mut self, ty: &TypeExpr, source: &str) -> String {
        match ty {
            TypeExpr::Named(id) => self.reference(id, "type"),
            TypeExpr::OneOf(ids, _) => {
                for id in ids {
                    self.decl(&id.name, id.span, "enum value", None, None);
                }
            }
            TypeExpr::SetOf(inner, _) => {
                self.ty(inner, source);
            }
        }
        source
            .get(ty.span().range())
            .unwrap_or_default()
            .to_string()
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Name(id) => self.reference(id, "expression"),
            ExprKind::Recorded(id) => self.reference(id, "recorded"),
            ExprKind::SetLit(ids) => ids.iter().for_each(|id| self.reference(id, "expression")),
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
                    arm.patterns.iter().flatten().for_each(|p| self.expr(p));
                    self.expr(&arm.value);
                }
            }
            _ => {}
        }
    }

    fn applies(&mut self, a: &Applies) {
        if let Applies::Services(ids) = a {
            ids.iter().for_each(|id| self.reference(id, "applies"));
        }
    }

    fn criterion(&mut self, c: &Criterion, kind: &'static str, out: &mut Vec<Outline>, s: &Stmt) {
        // A criterion without its text reuses one declared before: a
        // reference to it, so that rename and references reach it.
        c.after.iter().for_each(|id| self.reference(id, "after"));
        if c.declared.is_none() {
            self.reference(&c.id, "criterion");
            if let Some(w) = &c.when {
                self.expr(w);
            }
            out.push(leaf(&c.id, kind, None, s));
            return;
        }
        self.decl(
            &c.id.name,
            c.id.span,
            kind,
            c.declared.as_ref().map(|d| &d.0),
            None,
        );
        if let Some((t, note)) = c.declared.as_deref() {
            self.text(t);
            self.reference(note, "in");
        }
        if let Some(w) = &c.when {
            self.expr(w);
        }
        out.push(leaf(&c.id, kind, c.declared.as_ref().map(|d| &d.0), s));
    }

    fn body(&mut self, body: &[Stmt], source: &str) -> Vec<Outline> {
        let mut children = Vec::new();
        for s in body {
            self.stmt(s, source, &mut children);
        }
        children
    }

    fn stmt(&mut self, s: &Stmt, source: &str, out: &mut Vec<Outline>) {
        match &s.kind {
            StmtKind::Translation { locale, path } => {
                self.translations
                    .push((locale.name.clone(), path.value.clone()));
            }
            StmtKind::Use(t) => self.uses.push(t.value.clone()),
            StmtKind::Title(t) | StmtKind::Description(t) | StmtKind::Overview(t) => self.text(t),
            StmtKind::Phase { id, label } => match label {
                Some(l) => {
                    self.text(l);
                    self.decl(&id.name, id.span, "phase", Some(l), None);
                    out.push(leaf(id, "phase", Some(l), s));
                }
                None => self.reference(id, "phase"),
            },
            StmtKind::Motions(ids) => ids.iter().for_each(|id| self.reference(id, "motions")),
            StmtKind::Audience(id) => self.reference(id, "audience"),
            StmtKind::Owner(Owner::Role(id)) => self.reference(id, "owner"),
            StmtKind::List { kind, entries } => {
                let kind = match kind {
                    ListKind::Objectives => "objective",
                    ListKind::KeyInputs => "key input",
                    ListKind::KeyOutputs => "key output",
                };
                for e in entries {
                    self.text(&e.text);
                    self.decl(&e.id.name, e.id.span, kind, Some(&e.text), None);
                }
            }
            StmtKind::NextSteps(entries) => {
                for e in entries {
                    self.text(&e.text);
                    self.decl(&e.id.name, e.id.span, "next step", Some(&e.text), None);
                }
            }
            StmtKind::Decl {
                kind, id, label, ..
            } => {
                self.text(label);
                self.decl(&id.name, id.span, kind.keyword(), Some(label), None);
                out.push(leaf(id, kind.keyword(), Some(label), s));
            }
            StmtKind::Enum { id, label, values } => {
                if let Some(l) = label {
                    self.text(l);
                }
                self.decl(&id.name, id.span, "enum", label.as_ref(), None);
                let mut children = Vec::new();
                for v in values {
                    if let Some(l) = &v.label {
                        self.text(l);
                    }
                    self.decl(&v.id.name, v.id.span, "enum value", v.label.as_ref(), None);
                    children.push(leaf(&v.id, "enum value", v.label.as_ref(), s));
                }
                let mut entry = leaf(id, "enum", label.as_ref(), s);
                entry.children = children;
                out.push(entry);
            }
            StmtKind::Field { id, ty, label } | StmtKind::Input { id, ty, label } => {
                let kind = if matches!(s.kind, StmtKind::Field { .. }) {
                    "field"
                } else {
                    "input"
                };
                if let Some(l) = label {
                    self.text(l);
                }
                let ty = self.ty(ty, source);
                self.decl(&id.name, id.span, kind, label.as_ref(), Some(ty));
                out.push(leaf(id, kind, label.as_ref(), s));
            }
            StmtKind::Let {
                id,
                ty,
                label,
                value,
            } => {
                if let Some(l) = label {
                    self.text(l);
                }
                let ty = ty.as_ref().map(|t| self.ty(t, source));
                self.decl(&id.name, id.span, "definition", label.as_ref(), ty);
                self.expr(value);
                out.push(leaf(id, "definition", label.as_ref(), s));
            }
            StmtKind::Task {
                number,
                number_span,
                name,
                owner,
                applies,
                ..
            } => {
                self.text(name);
                let id = crate::ast::Ident {
                    name: number.to_string(),
                    span: *number_span,
                };
                self.decl(&id.name, id.span, "task", Some(name), None);
                if let Some(o) = owner {
                    self.reference(o, "owner");
                }
                if let Some(a) = applies {
                    self.applies(a);
                }
                out.push(leaf(&id, "task", Some(name), s));
            }
            StmtKind::Step { id, title, body } => {
                self.text(title);
                self.decl(&id.name, id.span, "step", Some(title), None);
                let mut entry = leaf(id, "step", Some(title), s);
                entry.children = self.body(body, source);
                out.push(entry);
            }
            StmtKind::With(ids) => ids.iter().for_each(|id| self.reference(id, "with")),
            StmtKind::After(ids) => ids.iter().for_each(|id| self.reference(id, "after")),
            StmtKind::Applies(a) => self.applies(a),
            StmtKind::Requires(e) => self.expr(e),
            StmtKind::Entry(c) => self.criterion(c, "entry criterion", out, s),
            StmtKind::Exit(c) => self.criterion(c, "exit criterion", out, s),
            StmtKind::Do { id, text, body, .. } => {
                self.text(text);
                self.decl(&id.name, id.span, "item", Some(text), None);
                let mut entry = leaf(id, "item", Some(text), s);
                entry.children = self.body(body, source);
                out.push(entry);
            }
            StmtKind::Tip { id, text } | StmtKind::Warning { id, text } => {
                let kind = if matches!(s.kind, StmtKind::Tip { .. }) {
                    "tip"
                } else {
                    "warning"
                };
                self.text(text);
                self.decl(&id.name, id.span, kind, Some(text), None);
                out.push(leaf(id, kind, Some(text), s));
            }
            StmtKind::Ask { id, ty, question } => {
                self.text(question);
                let ty = self.ty(ty, source);
                self.decl(&id.name, id.span, "decision", Some(question), Some(ty));
                out.push(leaf(id, "decision", Some(question), s));
            }
            StmtKind::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    self.expr(cond);
                    let children = self.body(body, source);
                    out.extend(children);
                }
                if let Some(body) = otherwise {
                    let children = self.body(body, source);
                    out.extend(children);
                }
            }
            StmtKind::Match { subject, arms } => {
                if let Some(e) = subject {
                    self.expr(e);
                }
                for arm in arms {
                    arm.patterns.iter().flatten().for_each(|p| self.expr(p));
                    let children = self.body(&arm.body, source);
                    out.extend(children);
                }
            }
            StmtKind::ForEach { var, iter, body } => {
                self.decl(&var.name, var.span, "loop variable", None, None);
                self.expr(iter);
                let children = self.body(body, source);
                out.extend(children);
            }
            StmtKind::Send { template, to } => {
                self.reference(template, "send");
                self.reference(to, "to");
            }
            StmtKind::Set { field, value } => {
                self.reference(field, "set");
                self.expr(value);
            }
            StmtKind::Request { role, set } => {
                self.reference(role, "request");
                if let Some(set) = set {
                    let (field, value) = &**set;
                    self.reference(field, "set");
                    self.expr(value);
                }
            }
            StmtKind::CompleteTask {
                number,
                number_span,
            } => {
                let id = crate::ast::Ident {
                    name: number.to_string(),
                    span: *number_span,
                };
                self.reference(&id, "complete task");
            }
            StmtKind::Record(id) => self.reference(id, "record"),
            _ => {}
        }
    }
}

fn leaf(
    id: &crate::ast::Ident,
    kind: &'static str,
    text: Option<&crate::ast::Text>,
    s: &Stmt,
) -> Outline {
    Outline {
        name: id.name.clone(),
        detail: text.map(|t| t.value.clone()),
        kind,
        span: s.span,
        selection: id.span,
        children: Vec::new(),
    }
}

/// The kinds of declaration a reference in this context may name; empty
/// when any may.
pub fn expected_kinds(context: &str) -> &'static [&'static str] {
    match context {
        "owner" | "with" | "to" | "request" => &["role"],
        "after" => &["step"],
        "send" => &["template"],
        "in" => &["note"],
        "motions" => &["motion"],
        "phase" => &["phase"],
        "applies" => &["service"],
        "complete task" => &["task"],
        "set" => &["field"],
        "type" => &["enum"],
        "criterion" => &["entry criterion", "exit criterion"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::{parse, reparse, splice, suspicious};

    /// The playbooks the edits are made in: the shipped ones and the valid
    /// fixtures.
    fn texts() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found = Vec::new();
        for dir in ["playbooks", "playbooks/common", "tests/fixtures/valid"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("a folder") {
                let path = entry.expect("an entry").path();
                if path.extension().is_some_and(|e| e == "playbook") {
                    let text = std::fs::read_to_string(&path).expect("UTF-8");
                    found.push((path.display().to_string(), text));
                }
            }
        }
        found.sort();
        found
    }

    /// Edits at every `stride`-th character: a letter typed, a space
    /// typed, a line break typed, a character deleted, a line deleted.
    fn edits(text: &str, stride: usize) -> Vec<String> {
        let mut out = Vec::new();
        for (n, (at, c)) in text.char_indices().enumerate() {
            if n % stride != 0 {
                continue;
            }
            for typed in ["x", " ", "\n", "\"", "{", "}", "\"\"\""] {
                out.push(format!("{}{typed}{}", &text[..at], &text[at..]));
            }
            out.push(format!("{}{}", &text[..at], &text[at + c.len_utf8()..]));
            let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
            out.push(format!("{}{}", &text[..at], &text[line_end..]));
        }
        out
    }

    /// The index, and the syntax tree the language server compiles from,
    /// updated after an edit ([`Index::update`], [`splice`]) are what a
    /// whole parse of the new text gives, diagnostics included.
    #[test]
    fn an_index_and_a_tree_updated_after_an_edit_are_those_of_the_new_text() {
        let (mut updated, mut whole, mut spliced) = (0, 0, 0);
        for (name, text) in texts() {
            let (tree, found) = parse(FileId(0), &text);
            let Some(tree) = tree else {
                panic!("{name} does not parse");
            };
            let old = Index::of(&tree, &text);
            for new in edits(&text, 5) {
                let (expected_tree, expected_found) = parse(FileId(0), &new);
                let expected = expected_tree
                    .as_ref()
                    .map(|t| Index::of(t, &new))
                    .unwrap_or_default();
                let mut index = old.clone();
                match reparse(FileId(0), &text, &new, &index.stmt_spans()) {
                    Some(r) if index.update(&r, &new) => {
                        updated += 1;
                        assert_eq!(
                            format!("{index:?}"),
                            format!("{expected:?}"),
                            "{name}, edited to:\n{new}"
                        );
                        let mut edited = tree.clone();
                        if splice(&mut edited, r, &new) {
                            spliced += 1;
                            assert_eq!(
                                Some(&edited),
                                expected_tree.as_ref(),
                                "{name}, edited to:\n{new}"
                            );
                            if found.is_empty() {
                                assert_eq!(
                                    suspicious(FileId(0), &new),
                                    expected_found,
                                    "{name}, edited to:\n{new}"
                                );
                            }
                        }
                    }
                    _ => whole += 1,
                }
            }
        }
        assert!(spliced > 15_000, "{spliced} spliced of {updated}");
        // Most edits fall inside one statement; those in the first
        // statement, the head or the closing brace, or that change where a
        // statement ends, need the whole parse.
        assert!(
            updated > 15_000 && whole > 10_000,
            "{updated} updated, {whole} whole"
        );
    }
}
