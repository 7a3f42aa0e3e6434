//! Names to declarations, expressions to types, syntax tree to model.
//!
//! Works in passes over the parsed files: declare everything (so order in
//! the source never matters), type the definitions in dependency order, then
//! build the steps. Every problem is collected; the model is returned only
//! when there is no error.

mod expr;
mod scope;
mod texts;

use crate::ast::{self, StmtKind};
use crate::diagnostic::Diagnostic;
use crate::i18n;
use crate::ir;
use crate::registry::Code;
use crate::source::{Sources, Span};
use rustc_hash::{FxHashMap, FxHashSet};
use scope::{Ns, Scope};
use std::borrow::Cow;
pub use texts::TextTable;

/// A parsed file and the display name of its path.
pub struct Module<'t> {
    /// Taken when owned (its statements are freed as the model is built),
    /// else read: the language server keeps the tree of an open document.
    pub tree: Cow<'t, ast::File>,
    pub name: String,
}

/// The built-in types, which no enum may be named after.
const BUILTIN_TYPES: &[&str] = &[
    "bool", "int", "percent", "date", "duration", "text", "service",
];

/// What resolving gives.
pub struct Resolved {
    /// The model, when resolving found no error.
    pub model: Option<ir::Playbook>,
    /// When the only errors, here and before, are names no rule that
    /// follows paths reads (roles, notes, templates, phases, motions, and
    /// placeholders in texts): the model with those names left out or kept
    /// as written. Nothing a path rule reads is missing from it, so those
    /// rules hold on it (`check::path_checks`), and a file with misspelt
    /// names gets its path errors in the same round.
    pub path_model: Option<ir::Playbook>,
}

/// Resolves the root module (index 0) together with the catalogues it uses
/// (the other modules) and the translation catalogues of all of them.
///
/// A syntax tree handed over owned is taken apart: the root's statements
/// are freed one by one as the steps are built from them, so that the model
/// grows into the memory the tree gives back instead of beside the tree.
pub fn resolve(
    sources: &Sources,
    mut modules: Vec<Module<'_>>,
    translations: &[(usize, i18n::Catalogue)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Resolved {
    let errors_before = diagnostics.iter().filter(|d| d.is_error()).count();
    let mut r = Resolver {
        sources,
        modules: &modules,
        st: State {
            scope: Scope::default(),
            texts: TextTable::new(&modules, translations),
            diagnostics: Vec::new(),
            model: None,
            let_types: FxHashMap::default(),
            loop_vars: Vec::new(),
            current_step: String::new(),
            decisions: Vec::new(),
            criteria: Vec::new(),
            anonymous: Vec::new(),
            scratch: Vec::new(),
            harmless: 0,
        },
    };
    r.declare_all();
    r.build_declarations();
    // Everything but the steps is built: the root's statements move out
    // of its tree (which the resolver borrows no more) and are consumed,
    // unless the tree is borrowed.
    let st = r.st;
    let (owned, borrowed) = match modules.first_mut().map(|root| &mut root.tree) {
        Some(Cow::Owned(tree)) => (std::mem::take(&mut tree.body), None),
        Some(Cow::Borrowed(tree)) => (Vec::new(), Some(&tree.body[..])),
        None => (Vec::new(), None),
    };
    let mut r = Resolver {
        sources,
        modules: &modules,
        st,
    };
    r.build_steps(owned, borrowed.unwrap_or_default());
    let model = r.finish();
    let State {
        texts,
        diagnostics: mut found,
        harmless,
        ..
    } = r.st;
    texts.check(&modules, &mut found);
    diagnostics.extend(found);
    let errors_after = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors_after == errors_before {
        Resolved {
            model: Some(model),
            path_model: None,
        }
    } else {
        let only_harmless = errors_before == 0 && errors_after == harmless;
        Resolved {
            model: None,
            path_model: only_harmless.then_some(model),
        }
    }
}

struct Resolver<'a> {
    sources: &'a Sources,
    modules: &'a [Module<'a>],
    /// Everything else it holds, which it owns: kept while the syntax tree
    /// it borrows is taken apart (`resolve`).
    st: State,
}

/// What a [`Resolver`] owns.
struct State {
    scope: Scope,
    texts: TextTable,
    diagnostics: Vec<Diagnostic>,
    /// The model under construction (unused until `build`).
    model: Option<ir::Playbook>,
    /// Types of `let` definitions, filled in dependency order.
    let_types: FxHashMap<String, ir::Type>,
    /// Loop variables in scope, innermost last: (name, element type).
    loop_vars: Vec<(String, ir::Type)>,
    current_step: String,
    decisions: Vec<ir::Decision>,
    criteria: Vec<ir::Criterion>,
    /// Enums written inline as `one of a | b`.
    anonymous: Vec<ir::Enum>,
    /// Lists of items being built, one per level of nesting, reused: a
    /// body's items are gathered here and moved into a vector of exactly
    /// their number (one grown a push at a time keeps up to twice the
    /// room, and items are most of the model).
    scratch: Vec<Vec<ir::Item>>,
    /// How many of the errors are role names, of an owner or participant,
    /// that name no role ([`Resolver::role`]).
    /// Errors on names no path rule reads ([`Resolved::path_model`]).
    harmless: usize,
}

impl<'a> Resolver<'a> {
    fn error(&mut self, d: Diagnostic) {
        self.st.diagnostics.push(d);
    }

    fn root(&self) -> &'a ast::File {
        &self.modules[0].tree
    }

    /// Where a statement is.
    fn misplaced(&mut self, stmt: &ast::Stmt, place: &str, help: &str) {
        self.error(
            Diagnostic::new(
                Code::MisplacedStatement,
                keyword_span(stmt),
                format!("`{}` cannot stand {place}", stmt.kind.keyword()),
            )
            .label("misplaced")
            .help(help.to_string()),
        );
    }

    // -----------------------------------------------------------------
    // Pass 1: declarations
    // -----------------------------------------------------------------

    fn declare_all(&mut self) {
        for (index, module) in self.modules.iter().enumerate() {
            let is_catalogue = module.tree.kind == ast::UnitKind::Catalogue;
            for stmt in &module.tree.body {
                self.declare_top(stmt, index, is_catalogue);
            }
        }
    }

    fn declare(&mut self, ns: Ns, id: &ast::Ident, module: usize) {
        // A value named after a word of the expression language could not
        // be told from the word where it is used.
        let reserved = crate::syntax::keywords::expression_words();
        if ns == Ns::Value && reserved.contains(&id.name.as_str()) {
            self.error(
                Diagnostic::new(
                    Code::ReservedWord,
                    id.span,
                    format!("`{}` is a word of the expression language", id.name),
                )
                .label("reserved")
                .help("choose another id"),
            );
        }
        if ns == Ns::Enum && BUILTIN_TYPES.contains(&id.name.as_str()) {
            self.error(
                Diagnostic::new(
                    Code::ReservedWord,
                    id.span,
                    format!("`{}` is the name of a built-in type", id.name),
                )
                .label("reserved")
                .help("choose another id for the enum"),
            );
        }
        if let Some(previous) = self.st.scope.declare(ns, &id.name, id.span, module) {
            let what = match ns {
                Ns::Value => "input, definition or decision",
                other => other.describe(),
            };
            let name = if ns == Ns::Task {
                id.name.clone()
            } else {
                format!("`{}`", id.name)
            };
            let fix = if ns == Ns::Task {
                "give each task its own number, or remove one of them".to_string()
            } else {
                format!("give each {what} its own id, or remove one of them")
            };
            self.error(
                Diagnostic::new(
                    Code::DuplicateId,
                    id.span,
                    format!("{what} {name} is declared twice"),
                )
                .label("declared again here")
                .with(previous, "first declared here")
                .help(fix),
            );
        }
    }

    fn declare_top(&mut self, stmt: &ast::Stmt, module: usize, is_catalogue: bool) {
        let header_only = "in a catalogue";
        match &stmt.kind {
            StmtKind::Decl { kind, id, .. } => {
                self.declare(Ns::of_decl(*kind), id, module);
            }
            StmtKind::Phase { id, label: Some(_) } => self.declare(Ns::Phase, id, module),
            StmtKind::Enum { id, values, .. } => {
                self.declare(Ns::Enum, id, module);
                let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
                for v in values {
                    if let Some(first) = seen.insert(&v.id.name, v.id.span) {
                        self.error(
                            Diagnostic::new(
                                Code::DuplicateId,
                                v.id.span,
                                format!(
                                    "value `{}` appears twice in enum `{}`",
                                    v.id.name, id.name
                                ),
                            )
                            .label("again here")
                            .with(first, "first here")
                            .help("remove one of them"),
                        );
                    }
                }
            }
            StmtKind::Field { id, .. } => self.declare(Ns::Field, id, module),
            StmtKind::Input { id, .. } | StmtKind::Let { id, .. } => {
                if is_catalogue {
                    self.misplaced(
                        stmt,
                        header_only,
                        "inputs and definitions belong to a playbook; move it there",
                    );
                }
                self.declare(Ns::Value, id, module);
                let kind = if matches!(stmt.kind, StmtKind::Input { .. }) {
                    scope::ValueKind::Input
                } else {
                    scope::ValueKind::Let
                };
                self.st.scope.set_value_kind(&id.name, kind);
            }
            StmtKind::Task {
                number,
                number_span,
                ..
            } => {
                if is_catalogue {
                    self.misplaced(
                        stmt,
                        header_only,
                        "tasks belong to a playbook; move it there",
                    );
                }
                let id = ast::Ident {
                    name: number.to_string(),
                    span: *number_span,
                };
                self.declare(Ns::Task, &id, module);
            }
            StmtKind::Step { id, body, .. } => {
                if is_catalogue {
                    self.misplaced(
                        stmt,
                        header_only,
                        "steps belong to a playbook; move it there",
                    );
                }
                self.declare(Ns::Step, id, module);
                self.declare_in_body(&id.name, body, module);
            }
            StmtKind::Locale(_) | StmtKind::Translation { .. } | StmtKind::Use(_) => {}
            StmtKind::Requires(_) if !is_catalogue => {}
            StmtKind::Title(_) | StmtKind::Description(_) => {}
            StmtKind::Phase { label: None, .. }
            | StmtKind::Motions(_)
            | StmtKind::Audience(_)
            | StmtKind::Author(_)
            | StmtKind::Owner(_)
            | StmtKind::Revised(_)
            | StmtKind::Overview(_)
            | StmtKind::List { .. }
            | StmtKind::NextSteps(_)
            | StmtKind::History(_) => {
                if is_catalogue {
                    self.misplaced(
                        stmt,
                        header_only,
                        "a catalogue holds declarations only; move this to the playbook",
                    );
                }
            }
            _ => {
                if !is_catalogue {
                    let help = match &stmt.kind {
                        StmtKind::Do { .. }
                        | StmtKind::Tip { .. }
                        | StmtKind::Warning { .. }
                        | StmtKind::Ask { .. }
                        | StmtKind::Entry(_)
                        | StmtKind::Exit(_)
                        | StmtKind::If { .. }
                        | StmtKind::Match { .. }
                        | StmtKind::ForEach { .. }
                        | StmtKind::With(_)
                        | StmtKind::Applies(_)
                        | StmtKind::After(_) => "move it into a `step`",
                        _ => "move it into a `do` item of a step",
                    };
                    self.misplaced(stmt, "at the top of a playbook", help);
                } else {
                    self.misplaced(stmt, header_only, "a catalogue holds declarations only");
                }
            }
        }
    }

    /// Declares the items, criteria and decisions of a step body.
    fn declare_in_body(&mut self, step: &str, body: &[ast::Stmt], module: usize) {
        let mut stack: Vec<&ast::Stmt> = body.iter().rev().collect();
        while let Some(stmt) = stack.pop() {
            match &stmt.kind {
                StmtKind::Do { id, body, .. } => {
                    self.declare(Ns::Item, id, module);
                    self.st.scope.place_item(&id.name, step, true);
                    stack.extend(body.iter().rev());
                }
                StmtKind::Tip { id, .. } | StmtKind::Warning { id, .. } => {
                    self.declare(Ns::Item, id, module);
                    self.st.scope.place_item(&id.name, step, false);
                }
                StmtKind::Ask { id, .. } => {
                    self.declare(Ns::Value, id, module);
                    self.st
                        .scope
                        .set_value_kind(&id.name, scope::ValueKind::Decision);
                }
                StmtKind::Entry(c) | StmtKind::Exit(c) if c.declared.is_some() => {
                    self.declare(Ns::Criterion, &c.id, module)
                }
                StmtKind::If {
                    branches,
                    otherwise,
                } => {
                    for (_, b) in branches.iter().rev() {
                        stack.extend(b.iter().rev());
                    }
                    if let Some(o) = otherwise {
                        stack.extend(o.iter().rev());
                    }
                }
                StmtKind::Match { arms, .. } => {
                    for arm in arms.iter().rev() {
                        stack.extend(arm.body.iter().rev());
                    }
                }
                StmtKind::ForEach { body, .. } => stack.extend(body.iter().rev()),
                _ => {}
            }
        }
    }

    /// Resolves the role of a step's `owner` or `with` or of a task's
    /// `owner`, where a name that fails is left out and nothing else.
    fn role(&mut self, id: &ast::Ident) -> bool {
        let found = self.lookup(Ns::Role, id);
        if !found {
            self.st.harmless += 1;
        }
        found
    }

    /// [`Resolver::lookup`] of a name no rule that follows paths reads (a
    /// note, template, phase or motion): a failure still leaves a model the
    /// path rules hold on.
    fn lookup_harmless(&mut self, ns: Ns, id: &ast::Ident) -> bool {
        let found = self.lookup(ns, id);
        if !found {
            self.st.harmless += 1;
        }
        found
    }

    /// Resolves a reference in a namespace, with a suggestion when it fails.
    fn lookup(&mut self, ns: Ns, id: &ast::Ident) -> bool {
        if self.st.scope.get(ns, &id.name).is_some() {
            return true;
        }
        let what = ns.describe();
        let mut d = Diagnostic::new(
            Code::UndefinedReference,
            id.span,
            format!("{what} `{}` is not declared", id.name),
        )
        .label(format!("unknown {what}"));
        d = match self.st.scope.suggest(ns, &id.name) {
            Some(s) => d.did_you_mean(s),
            None => d.help(format!("declare it with `{}`", ns.declaration_shape())),
        };
        self.error(d);
        false
    }

    // -----------------------------------------------------------------
    // Pass 2 and 3: types and the model
    // -----------------------------------------------------------------

    /// Builds the model of everything but the steps ([`Resolver::build_steps`]).
    fn build_declarations(&mut self) {
        let root = self.root();
        let kind = match root.kind {
            ast::UnitKind::Playbook => ir::UnitKind::Playbook,
            ast::UnitKind::Catalogue => ir::UnitKind::Catalogue,
        };
        let mut model = ir::Playbook {
            id: root.id.name.clone(),
            kind,
            source_locale: self.st.texts.source_locale(0).to_string(),
            locales: self.st.texts.all_locales(),
            header: ir::Header::default(),
            phases: Vec::new(),
            motions: Vec::new(),
            roles: Vec::new(),
            notes: Vec::new(),
            services: Vec::new(),
            templates: Vec::new(),
            links: Vec::new(),
            enums: Vec::new(),
            fields: Vec::new(),
            inputs: Vec::new(),
            lets: Vec::new(),
            let_order: Vec::new(),
            decisions: Vec::new(),
            tasks: Vec::new(),
            criteria: Vec::new(),
            steps: Vec::new(),
            requires: None,
            span: root.id.span,
            index: ir::Index::default(),
        };
        self.build_catalogue(&mut model);
        self.st.model = Some(model);
        self.build_inputs();
        self.build_lets();
        self.build_header();
        self.build_tasks();
    }

    /// The model, once its steps are built.
    fn finish(&mut self) -> ir::Playbook {
        let mut model = self.st.model.take().unwrap_or_else(|| unreachable!());
        model.decisions = std::mem::take(&mut self.st.decisions);
        model.criteria = std::mem::take(&mut self.st.criteria);
        model.enums.append(&mut self.st.anonymous);
        model
    }

    fn model(&mut self) -> &mut ir::Playbook {
        self.st.model.as_mut().unwrap_or_else(|| unreachable!())
    }

    fn origin(&self, module: usize) -> Option<String> {
        (module != 0).then(|| self.modules[module].name.clone())
    }

    fn build_catalogue(&mut self, model: &mut ir::Playbook) {
        for (module, m) in self.modules.iter().enumerate() {
            for stmt in &m.tree.body {
                match &stmt.kind {
                    StmtKind::Decl {
                        kind,
                        id,
                        label,
                        url,
                    } => {
                        let key = format!("{}.{}", kind.keyword(), id.name);
                        let decl = ir::Decl {
                            id: id.name.clone(),
                            label: self.st.texts.text(module, &key, label),
                            url: url.as_ref().map(|u| u.value.clone()),
                            from: self.origin(module),
                            span: id.span,
                            url_span: url.as_ref().map(|u| u.span),
                        };
                        let list = match kind {
                            ast::DeclKind::Phase => &mut model.phases,
                            ast::DeclKind::Motion => &mut model.motions,
                            ast::DeclKind::Role => &mut model.roles,
                            ast::DeclKind::Note => &mut model.notes,
                            ast::DeclKind::Service => &mut model.services,
                            ast::DeclKind::Template => &mut model.templates,
                            ast::DeclKind::Link => &mut model.links,
                        };
                        list.push(decl);
                    }
                    StmtKind::Phase {
                        id,
                        label: Some(label),
                    } => {
                        let key = format!("phase.{}", id.name);
                        model.phases.push(ir::Decl {
                            id: id.name.clone(),
                            label: self.st.texts.text(module, &key, label),
                            url: None,
                            from: self.origin(module),
                            span: id.span,
                            url_span: None,
                        });
                    }
                    StmtKind::Enum { id, label, values } => {
                        let key = format!("enum.{}", id.name);
                        let label = label.as_ref().map(|l| self.st.texts.text(module, &key, l));
                        let values = values
                            .iter()
                            .map(|v| ir::EnumValue {
                                id: v.id.name.clone(),
                                label: v.label.as_ref().map(|l| {
                                    self.st
                                        .texts
                                        .text(module, &format!("{key}.{}", v.id.name), l)
                                }),
                                span: v.id.span,
                            })
                            .collect();
                        model.enums.push(ir::Enum {
                            id: id.name.clone(),
                            label,
                            values,
                            from: self.origin(module),
                            span: id.span,
                        });
                    }
                    _ => {}
                }
            }
        }
        // Fields need the enums to type them.
        self.st.scope.set_enums(&model.enums);
        for (module, m) in self.modules.iter().enumerate() {
            for stmt in &m.tree.body {
                if let StmtKind::Field { id, ty, label } = &stmt.kind {
                    let ty = self.type_of(ty, &id.name).unwrap_or(ir::Type::Text);
                    let key = format!("field.{}", id.name);
                    model.fields.push(ir::Field {
                        id: id.name.clone(),
                        ty,
                        label: label.as_ref().map(|l| self.st.texts.text(module, &key, l)),
                        from: self.origin(module),
                        span: id.span,
                    });
                }
            }
        }
    }

    /// Resolves a written type.
    /// Resolves a written type; an anonymous `one of` becomes an enum named
    /// after `owner` (the input, field, decision or definition it types).
    fn type_of(&mut self, ty: &ast::TypeExpr, owner: &str) -> Option<ir::Type> {
        match ty {
            ast::TypeExpr::Named(id) => match id.name.as_str() {
                "bool" => Some(ir::Type::Bool),
                "int" => Some(ir::Type::Int),
                "percent" => Some(ir::Type::Percent),
                "date" => Some(ir::Type::Date),
                "text" => Some(ir::Type::Text),
                "service" => Some(ir::Type::Enum("service".to_string())),
                name if self.st.scope.get(Ns::Enum, name).is_some() => {
                    Some(ir::Type::Enum(name.to_string()))
                }
                _ => {
                    let mut d = Diagnostic::new(
                        Code::UndefinedReference,
                        id.span,
                        format!("type `{}` is not declared", id.name),
                    )
                    .label("unknown type");
                    let mut candidates: Vec<String> =
                        ["bool", "int", "percent", "date", "text", "service"]
                            .iter()
                            .map(|s| s.to_string())
                            .collect();
                    candidates.extend(self.st.scope.names(Ns::Enum));
                    d = match scope::closest(&id.name, candidates.iter().map(String::as_str)) {
                        Some(s) => d.did_you_mean(s),
                        None => d.help(
                            "the types are bool, int, percent, date, text, service, an enum's id, `one of a | b`, and `set of T`",
                        ),
                    };
                    self.error(d);
                    None
                }
            },
            ast::TypeExpr::OneOf(values, span) => {
                // An anonymous enum, named after what it types.
                let name = if self.st.scope.get(Ns::Enum, owner).is_some()
                    || BUILTIN_TYPES.contains(&owner)
                {
                    format!("{owner}-values")
                } else {
                    owner.to_string()
                };
                let mut seen = FxHashSet::default();
                for v in values {
                    if !seen.insert(v.name.as_str()) {
                        self.error(
                            Diagnostic::new(
                                Code::DuplicateId,
                                v.span,
                                format!("value `{}` appears twice", v.name),
                            )
                            .label("again here")
                            .help("remove one of them"),
                        );
                    }
                }
                self.st
                    .scope
                    .add_anonymous_enum(&name, values.iter().map(|v| v.name.clone()).collect());
                self.st.anonymous.push(ir::Enum {
                    id: name.clone(),
                    label: None,
                    values: values
                        .iter()
                        .map(|v| ir::EnumValue {
                            id: v.name.clone(),
                            label: None,
                            span: v.span,
                        })
                        .collect(),
                    from: None,
                    span: *span,
                });
                Some(ir::Type::Enum(name))
            }
            ast::TypeExpr::SetOf(inner, _) => match self.type_of(inner, owner)? {
                ir::Type::Enum(e) => Some(ir::Type::Set(e)),
                other => {
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            inner.span(),
                            format!("a set holds values of an enum, not `{other}`"),
                        )
                        .label("not an enum")
                        .help("write `set of ENUM`, `set of service` or `set of one of a | b`"),
                    );
                    None
                }
            },
        }
    }

    fn build_inputs(&mut self) {
        for stmt in &self.root().body {
            if let StmtKind::Input { id, ty, label } = &stmt.kind {
                let Some(ty) = self.type_of(ty, &id.name) else {
                    continue;
                };
                let key = format!("input.{}", id.name);
                let label = label.as_ref().map(|l| self.st.texts.text(0, &key, l));
                self.st.scope.set_value_type(&id.name, ty.clone());
                self.model().inputs.push(ir::Input {
                    id: id.name.clone(),
                    ty,
                    label,
                    span: id.span,
                });
            }
        }
        // Decisions are values too: type them before anything reads them.
        for stmt in &self.root().body {
            if let StmtKind::Step { body, .. } = &stmt.kind {
                let mut stack: Vec<&ast::Stmt> = body.iter().collect();
                while let Some(s) = stack.pop() {
                    match &s.kind {
                        StmtKind::Ask { id, ty, .. } => {
                            if let Some(ty) = self.type_of(ty, &id.name) {
                                self.st.scope.set_value_type(&id.name, ty);
                            }
                        }
                        StmtKind::Do { body, .. } | StmtKind::ForEach { body, .. } => {
                            stack.extend(body.iter())
                        }
                        StmtKind::If {
                            branches,
                            otherwise,
                        } => {
                            for (_, b) in branches {
                                stack.extend(b.iter());
                            }
                            stack.extend(otherwise.iter().flatten());
                        }
                        StmtKind::Match { arms, .. } => {
                            for a in arms {
                                stack.extend(a.body.iter());
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// Types the `let` definitions in dependency order; reports cycles.
    fn build_lets(&mut self) {
        let lets: Vec<&ast::Stmt> = self
            .root()
            .body
            .iter()
            .filter(|s| matches!(s.kind, StmtKind::Let { .. }))
            .collect();
        let index: FxHashMap<&str, usize> = lets
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match &s.kind {
                StmtKind::Let { id, .. } => Some((id.name.as_str(), i)),
                _ => None,
            })
            .collect();
        let mut graph = petgraph::Graph::<usize, ()>::new();
        let nodes: Vec<_> = (0..lets.len()).map(|i| graph.add_node(i)).collect();
        for (i, s) in lets.iter().enumerate() {
            if let StmtKind::Let { value, .. } = &s.kind {
                for name in expr::names_in(value) {
                    if let Some(&j) = index.get(name.as_str()) {
                        graph.add_edge(nodes[j], nodes[i], ());
                    }
                }
            }
        }
        let order = match petgraph::algo::toposort(&graph, None) {
            Ok(order) => order,
            Err(cycle) => {
                let start = graph[cycle.node_id()];
                self.report_let_cycle(&lets, &index, start);
                return;
            }
        };
        let mut evaluation: Vec<String> = Vec::new();
        for node in order {
            let stmt = lets[graph[node]];
            let StmtKind::Let {
                id,
                ty,
                label,
                value,
            } = &stmt.kind
            else {
                continue;
            };
            let declared = ty.as_ref().and_then(|t| self.type_of(t, &id.name));
            let typed = match &declared {
                Some(t) => self.check_expr(value, t),
                None => self.infer_expr(value, None),
            };
            let Some(typed) = typed else { continue };
            let ty = declared.unwrap_or_else(|| typed.ty.clone());
            self.st.scope.set_value_type(&id.name, ty.clone());
            self.st.let_types.insert(id.name.clone(), ty.clone());
            let key = format!("let.{}", id.name);
            let label = label.as_ref().map(|l| self.st.texts.text(0, &key, l));
            evaluation.push(id.name.clone());
            self.model().lets.push(ir::Let {
                id: id.name.clone(),
                ty,
                label,
                value: typed,
                span: id.span,
            });
        }
        // Keep source order in the model.
        let order: FxHashMap<String, usize> = lets
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match &s.kind {
                StmtKind::Let { id, .. } => Some((id.name.clone(), i)),
                _ => None,
            })
            .collect();
        let model = self.model();
        model
            .lets
            .sort_by_key(|l| order.get(&l.id).copied().unwrap_or(0));
        let position: FxHashMap<&str, usize> = model
            .lets
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.as_str(), i))
            .collect();
        let let_order = evaluation
            .iter()
            .filter_map(|id| position.get(id.as_str()).copied())
            .collect();
        model.let_order = let_order;
    }

    fn report_let_cycle(
        &mut self,
        lets: &[&ast::Stmt],
        index: &FxHashMap<&str, usize>,
        start: usize,
    ) {
        // Walk the dependencies from `start` until a definition repeats.
        let name_of = |i: usize| match &lets[i].kind {
            StmtKind::Let { id, .. } => id.clone(),
            _ => unreachable!(),
        };
        let mut path = vec![start];
        let mut seen = FxHashMap::from_iter([(start, 0usize)]);
        let mut current = start;
        loop {
            let StmtKind::Let { value, .. } = &lets[current].kind else {
                return;
            };
            let next = expr::names_in(value)
                .into_iter()
                .filter_map(|n| index.get(n.as_str()).copied())
                .find(|j| reaches(lets, index, *j, start));
            let Some(next) = next else { return };
            if let Some(&at) = seen.get(&next) {
                let cycle: Vec<usize> = path[at..].to_vec();
                let mut names: Vec<String> = cycle.iter().map(|i| name_of(*i).name).collect();
                names.push(name_of(cycle[0]).name);
                let first = name_of(cycle[0]);
                self.error(
                    Diagnostic::new(
                        Code::Cycle,
                        first.span,
                        format!(
                            "definition `{}` depends on itself: {}",
                            first.name,
                            names.join(" -> ")
                        ),
                    )
                    .label("part of the cycle")
                    .help("break the cycle: one of these definitions must not use the others"),
                );
                return;
            }
            seen.insert(next, path.len());
            path.push(next);
            current = next;
        }
    }
}

/// Whether `from` reaches `target` through let dependencies (iteratively).
fn reaches(
    lets: &[&ast::Stmt],
    index: &FxHashMap<&str, usize>,
    from: usize,
    target: usize,
) -> bool {
    let mut stack = vec![from];
    let mut seen = FxHashSet::default();
    while let Some(i) = stack.pop() {
        if i == target {
            return true;
        }
        if !seen.insert(i) {
            continue;
        }
        if let StmtKind::Let { value, .. } = &lets[i].kind {
            for n in expr::names_in(value) {
                if let Some(&j) = index.get(n.as_str()) {
                    stack.push(j);
                }
            }
        }
    }
    false
}

/// The span of a statement's leading keyword (its first line, roughly).
fn keyword_span(stmt: &ast::Stmt) -> Span {
    let len = stmt.kind.keyword().len() as u32;
    Span {
        file: stmt.span.file,
        start: stmt.span.start,
        end: (stmt.span.start + len).min(stmt.span.end),
    }
}

mod build;
