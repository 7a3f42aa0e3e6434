//! Building the header, tasks and steps of the model.

use super::Resolver;
use super::scope::Ns;
use crate::ast::{self, StmtKind};
use crate::diagnostic::Diagnostic;
use crate::ir::{self, Type};
use crate::registry::Code;
use crate::source::Span;
use crate::syntax::placeholders;
use rustc_hash::FxHashMap;

/// Where an item statement stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Directly in a step, or in a branch or loop at step level.
    Step,
    /// In the body of a `do` item (or a branch or loop inside one).
    Do,
}

impl Resolver<'_> {
    /// Builds a text of the root module and checks its placeholders.
    fn text(&mut self, key: &str, text: &ast::Text) -> ir::LText {
        self.check_text_placeholders(text);
        self.st.texts.text(0, key, text)
    }

    fn check_text_placeholders(&mut self, text: &ast::Text) {
        for p in placeholders(&text.value) {
            let known = self.st.loop_vars.iter().any(|(n, _)| n == &p.name)
                || [
                    Ns::Value,
                    Ns::Template,
                    Ns::Link,
                    Ns::Role,
                    Ns::Note,
                    Ns::Service,
                    Ns::Field,
                    Ns::Step,
                    Ns::Criterion,
                    Ns::Item,
                ]
                .iter()
                .any(|ns| self.st.scope.get(*ns, &p.name).is_some());
            if !known {
                self.st.harmless += 1;
                // Point into the source when the text is a plain string.
                let raw = self.modules_text(text.span);
                let span = match raw.find(&format!("{{{}}}", p.name)) {
                    Some(at) => Span {
                        file: text.span.file,
                        start: text.span.start + at as u32,
                        end: text.span.start + (at + p.name.len() + 2) as u32,
                    },
                    None => text.span,
                };
                self.error(
                    Diagnostic::new(
                        Code::PlaceholderMismatch,
                        span,
                        format!("placeholder `{{{}}}` refers to nothing", p.name),
                    )
                    .label("unknown name")
                    .help("a placeholder names a template, link, role, note, service, field, step, item, input, definition or loop variable; write `\\{` for a literal brace"),
                );
            }
        }
    }

    fn modules_text(&self, span: Span) -> String {
        self.sources.slice(span).to_string()
    }

    fn once<T>(&mut self, slot: &mut Option<(T, Span)>, value: T, stmt: &ast::Stmt) {
        if let Some((_, first)) = slot {
            let first = *first;
            self.error(
                Diagnostic::new(
                    Code::DuplicateStatement,
                    super::keyword_span(stmt),
                    format!("`{}` is given twice", stmt.kind.keyword()),
                )
                .label("second occurrence")
                .with(first, "first given here")
                .help("keep one of them"),
            );
            return;
        }
        *slot = Some((value, stmt.span));
    }

    pub(super) fn build_header(&mut self) {
        let root = self.root();
        let mut title = None;
        let mut description = None;
        let mut phase = None;
        let mut motions = None;
        let mut audience = None;
        let mut author = None;
        let mut owner = None;
        let mut revised = None;
        let mut overview = None;
        let mut locale = None;
        let mut requires = None;
        let mut header = ir::Header::default();
        let mut seen_entries: FxHashMap<&str, FxHashMap<String, Span>> = FxHashMap::default();
        for stmt in &root.body {
            match &stmt.kind {
                StmtKind::Locale(id) => self.once(&mut locale, id.name.clone(), stmt),
                StmtKind::Title(t) => {
                    let t = self.text("title", t);
                    self.once(&mut title, t, stmt);
                }
                StmtKind::Description(t) => {
                    let t = self.text("description", t);
                    self.once(&mut description, t, stmt);
                }
                StmtKind::Phase { id, label: None } if self.lookup_harmless(Ns::Phase, id) => {
                    self.once(&mut phase, id.name.clone(), stmt);
                }
                StmtKind::Motions(ids) => {
                    let ids: Vec<String> = ids
                        .iter()
                        .filter(|id| self.lookup_harmless(Ns::Motion, id))
                        .map(|id| id.name.clone())
                        .collect();
                    self.once(&mut motions, ids, stmt);
                }
                StmtKind::Audience(id) => self.once(&mut audience, id.name.clone(), stmt),
                StmtKind::Author(t) => self.once(&mut author, t.value.clone(), stmt),
                StmtKind::Owner(ast::Owner::Text(t)) => {
                    self.once(&mut owner, t.value.clone(), stmt)
                }
                StmtKind::Owner(ast::Owner::Role(id)) => self.misplaced(
                    stmt,
                    "at the top of a playbook with a role",
                    &format!("a playbook's owner is a person: write `owner \"{}\"`; a step's owner role goes inside the step", id.name),
                ),
                StmtKind::Revised(d) => self.once(&mut revised, d.date, stmt),
                StmtKind::Requires(e) => {
                    if let Some(e) = self.check_expr(e, &Type::Bool) {
                        self.once(&mut requires, e, stmt);
                    }
                }
                StmtKind::Overview(t) => {
                    let t = self.text("overview", t);
                    self.once(&mut overview, t, stmt);
                }
                StmtKind::List { kind, entries } => {
                    let prefix = match kind {
                        ast::ListKind::Objectives => "objective",
                        ast::ListKind::KeyInputs => "key-input",
                        ast::ListKind::KeyOutputs => "key-output",
                    };
                    let mut list = Vec::new();
                    for e in entries {
                        let seen = seen_entries.entry(prefix).or_default();
                        self.unique_entry(seen, &e.id, prefix);
                        list.push(ir::Entry {
                            id: e.id.name.clone(),
                            text: self.text(&format!("{prefix}.{}", e.id.name), &e.text),
                        });
                    }
                    let target = match kind {
                        ast::ListKind::Objectives => &mut header.objectives,
                        ast::ListKind::KeyInputs => &mut header.key_inputs,
                        ast::ListKind::KeyOutputs => &mut header.key_outputs,
                    };
                    target.extend(list);
                }
                StmtKind::NextSteps(entries) => {
                    for e in entries {
                        let seen = seen_entries.entry("next-step").or_default();
                        self.unique_entry(seen, &e.id, "next-step");
                        let text = self.text(&format!("next-step.{}", e.id.name), &e.text);
                        header.next_steps.push(ir::NextStep {
                            id: e.id.name.clone(),
                            text,
                            playbook: e.playbook.as_ref().map(|p| p.name.clone()),
                        });
                    }
                }
                StmtKind::History(entries) => {
                    for e in entries {
                        let seen = seen_entries.entry("history").or_default();
                        let key = format!("history.{}", e.date.date);
                        let id = ast::Ident {
                            name: e.date.date.to_string(),
                            span: e.date.span,
                        };
                        self.unique_entry(seen, &id, "history entry dated");
                        header.history.push(ir::HistoryEntry {
                            date: e.date.date,
                            who: e.who.value.clone(),
                            what: self.text(&key, &e.what),
                            span: e.span,
                        });
                    }
                }
                _ => {}
            }
        }
        if root.kind == ast::UnitKind::Playbook && title.is_none() {
            self.error(
                Diagnostic::new(
                    Code::MissingStatement,
                    root.id.span,
                    format!("playbook `{}` has no `title`", root.id.name),
                )
                .label("this playbook")
                .help("add `title \"...\"` to the playbook"),
            );
        }
        header.title = title.map(|(t, _)| t);
        header.description = description.map(|(t, _)| t);
        header.phase = phase.map(|(t, _)| t);
        header.motions = motions.map(|(t, _)| t).unwrap_or_default();
        header.audience = audience.map(|(t, _)| t);
        header.author = author.map(|(t, _)| t);
        header.owner = owner.map(|(t, _)| t);
        header.revised = revised.map(|(t, _)| t);
        header.overview = overview.map(|(t, _)| t);
        self.model().header = header;
        self.model().requires = requires.map(|(r, _)| r);
    }

    fn unique_entry(&mut self, seen: &mut FxHashMap<String, Span>, id: &ast::Ident, what: &str) {
        if let Some(first) = seen.insert(id.name.clone(), id.span) {
            self.error(
                Diagnostic::new(
                    Code::DuplicateId,
                    id.span,
                    format!("{what} `{}` appears twice", id.name),
                )
                .label("again here")
                .with(first, "first here")
                .help("give each entry its own id"),
            );
        }
    }

    fn applies(&mut self, applies: &ast::Applies) -> ir::Applies {
        match applies {
            ast::Applies::All(_) => ir::Applies::All,
            ast::Applies::Services(ids) => ir::Applies::Services(
                ids.iter()
                    .filter(|id| self.lookup(Ns::Service, id))
                    .map(|id| id.name.clone())
                    .collect(),
            ),
        }
    }

    pub(super) fn build_tasks(&mut self) {
        for stmt in &self.root().body {
            let StmtKind::Task {
                number,
                number_span,
                name,
                mandatory,
                owner,
                applies,
            } = &stmt.kind
            else {
                continue;
            };
            let mandatory = match mandatory {
                Some((m, _)) => *m,
                None => {
                    self.error(
                        Diagnostic::new(
                            Code::MissingStatement,
                            *number_span,
                            format!("task {number} does not say whether it is mandatory"),
                        )
                        .label("mandatory or optional?")
                        .help(format!(
                            "add `mandatory` or `optional` after the name of task {number}"
                        )),
                    );
                    false
                }
            };
            let owner = owner
                .as_ref()
                .filter(|o| self.role(o))
                .map(|o| o.name.clone());
            let applies = applies
                .as_ref()
                .map(|a| self.applies(a))
                .unwrap_or(ir::Applies::All);
            let name = self.text(&format!("task.{number}"), name);
            self.model().tasks.push(ir::Task {
                number: *number,
                name,
                mandatory,
                owner,
                applies,
                span: *number_span,
            });
        }
    }

    /// Builds the steps from the root's statements: `owned` ones are freed
    /// as soon as their step is built, `borrowed` ones are read.
    pub(super) fn build_steps(&mut self, owned: Vec<ast::Stmt>, borrowed: &[ast::Stmt]) {
        for stmt in owned {
            self.build_step(&stmt);
        }
        for stmt in borrowed {
            self.build_step(stmt);
        }
    }

    fn build_step(&mut self, stmt: &ast::Stmt) {
        if let StmtKind::Step { id, title, body } = &stmt.kind {
            let step = self.step(id, title, body, id.span);
            self.model().steps.push(step);
        }
    }

    fn step(
        &mut self,
        id: &ast::Ident,
        title: &ast::Text,
        body: &[ast::Stmt],
        span: Span,
    ) -> ir::Step {
        self.st.current_step = id.name.clone();
        let title = self.text(&format!("step.{}", id.name), title);
        let mut owner = None;
        let mut participants = None;
        let mut motions = None;
        let mut applies = None;
        let mut after = None;
        let mut requires = None;
        let mut entry = Vec::new();
        let mut exit = Vec::new();
        let mut items = self.st.scratch.pop().unwrap_or_default();
        for stmt in body {
            match &stmt.kind {
                StmtKind::Owner(ast::Owner::Role(role)) => {
                    if self.role(role) {
                        self.once(&mut owner, role.name.clone(), stmt);
                    }
                }
                StmtKind::Owner(ast::Owner::Text(t)) => {
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            t.span,
                            "a step's owner is a role id, not a text",
                        )
                        .label("expected a role id")
                        .help("write `owner ROLE`, for example `owner fm`"),
                    );
                }
                StmtKind::With(roles) => {
                    let roles = roles
                        .iter()
                        .filter(|r| self.role(r))
                        .map(|r| r.name.clone())
                        .collect();
                    self.once(&mut participants, roles, stmt);
                }
                StmtKind::Motions(ids) => {
                    let ids = ids
                        .iter()
                        .filter(|m| self.lookup_harmless(Ns::Motion, m))
                        .map(|m| m.name.clone())
                        .collect();
                    self.once(&mut motions, ids, stmt);
                }
                StmtKind::Applies(a) => {
                    let a = self.applies(a);
                    self.once(&mut applies, a, stmt);
                }
                StmtKind::After(ids) => {
                    let mut steps = Vec::new();
                    for s in ids {
                        if s.name == id.name {
                            self.error(
                                Diagnostic::new(
                                    Code::Cycle,
                                    s.span,
                                    format!("step `{}` comes after itself: {0} -> {0}", s.name),
                                )
                                .label("the step itself")
                                .help("a step cannot wait for itself; remove it from `after`"),
                            );
                        } else if self.lookup(Ns::Step, s) {
                            steps.push(s.name.clone());
                        }
                    }
                    self.once(&mut after, steps, stmt);
                }
                StmtKind::Requires(e) => {
                    if let Some(e) = self.check_expr(e, &Type::Bool) {
                        self.once(&mut requires, e, stmt);
                    }
                }
                StmtKind::Entry(c) => {
                    if let Some(g) = self.gate(c, ir::GateKind::Entry) {
                        entry.push(g);
                    }
                }
                StmtKind::Exit(c) => {
                    if let Some(g) = self.gate(c, ir::GateKind::Exit) {
                        exit.push(g);
                    }
                }
                _ => {
                    if let Some(item) = self.item(stmt, Context::Step) {
                        items.push(item);
                    }
                }
            }
        }
        let items = self.exact(items);
        ir::Step {
            id: id.name.clone(),
            title,
            owner: owner.map(|(o, _)| o),
            participants: participants.map(|(p, _)| p).unwrap_or_default(),
            motions: motions.map(|(m, _)| m).unwrap_or_default(),
            applies: applies.map(|(a, _)| a).unwrap_or(ir::Applies::All),
            after: after.map(|(a, _)| a).unwrap_or_default(),
            requires: requires.map(|(r, _)| r),
            entry,
            exit,
            items,
            span,
        }
    }

    fn gate(&mut self, c: &ast::Criterion, kind: ir::GateKind) -> Option<ir::Gate> {
        match c.declared.as_deref() {
            Some((text, note)) => {
                // A note that names nothing is reported; the criterion is
                // kept, so that the rules that follow paths still hold on
                // the model (no path rule reads notes).
                self.lookup_harmless(Ns::Note, note);
                let text = self.text(&format!("criterion.{}", c.id.name), text);
                self.st.criteria.push(ir::Criterion {
                    id: c.id.name.clone(),
                    text,
                    note: note.name.clone(),
                    step: self.st.current_step.clone(),
                    kind,
                    span: c.id.span,
                });
            }
            // A reused entry criterion names evidence that an earlier step
            // records; whether one does, on every path, is for the checks
            // (`gate-unsatisfied`) to prove.
            None if kind == ir::GateKind::Entry => {}
            None => {
                if !self.lookup(Ns::Criterion, &c.id) {
                    return None;
                }
            }
        }
        let mut after = Vec::new();
        for i in &c.after {
            if kind == ir::GateKind::Entry {
                self.error(
                    Diagnostic::new(
                        Code::UndefinedReference,
                        i.span,
                        format!(
                            "entry criterion `{}` cannot come after item `{}`: entry evidence is \
                             recorded before the step's items are done",
                            c.id.name, i.name
                        ),
                    )
                    .label("an item of the step this criterion opens")
                    .help("tie an exit criterion to the items it documents instead: `exit ID \"...\" in NOTE after ITEM`"),
                );
            } else if self.item_in_step(i, &c.id.name) {
                after.push(i.name.clone());
            }
        }
        let when = match &c.when {
            Some(w) => Some(self.check_expr(w, &Type::Bool)?),
            None => None,
        };
        Some(ir::Gate {
            criterion: c.id.name.clone(),
            after,
            when,
            span: c.id.span,
        })
    }

    fn items(&mut self, body: &[ast::Stmt], context: Context) -> Vec<ir::Item> {
        let mut scratch = self.st.scratch.pop().unwrap_or_default();
        for s in body {
            if let Some(item) = self.item(s, context) {
                scratch.push(item);
            }
        }
        self.exact(scratch)
    }

    /// The items gathered in `scratch` (taken from `Resolver::scratch`), in
    /// a vector of exactly their number; `scratch` goes back for reuse.
    fn exact(&mut self, mut scratch: Vec<ir::Item>) -> Vec<ir::Item> {
        let mut items = Vec::with_capacity(scratch.len());
        items.append(&mut scratch);
        self.st.scratch.push(scratch);
        items
    }

    fn item(&mut self, stmt: &ast::Stmt, context: Context) -> Option<ir::Item> {
        match &stmt.kind {
            StmtKind::Do {
                id,
                text,
                optional,
                body,
            } => {
                let text = self.text(&format!("item.{}", id.name), text);
                let mut after = Vec::new();
                let mut requires = None;
                let mut actions = Vec::new();
                let mut items = self.st.scratch.pop().unwrap_or_default();
                for s in body {
                    match &s.kind {
                        StmtKind::After(ids) => {
                            for i in ids {
                                if self.item_in_step(i, &id.name) {
                                    after.push(i.name.clone());
                                }
                            }
                        }
                        StmtKind::Requires(e) => {
                            if let Some(e) = self.check_expr(e, &Type::Bool) {
                                self.once(&mut requires, e, s);
                            }
                        }
                        _ if is_action(&s.kind) => {
                            if let Some(a) = self.action(s) {
                                actions.push(a);
                            }
                        }
                        _ => {
                            if let Some(item) = self.item(s, Context::Do) {
                                items.push(item);
                            }
                        }
                    }
                }
                let items = self.exact(items);
                Some(ir::Item::Do(ir::DoItem {
                    id: id.name.clone(),
                    text,
                    optional: *optional,
                    after,
                    requires: requires.map(|(r, _)| r),
                    actions,
                    items,
                    span: id.span,
                }))
            }
            StmtKind::Tip { id, text } => Some(ir::Item::Tip {
                id: id.name.clone(),
                text: self.text(&format!("tip.{}", id.name), text),
            }),
            StmtKind::Warning { id, text } => Some(ir::Item::Warning {
                id: id.name.clone(),
                text: self.text(&format!("warning.{}", id.name), text),
            }),
            StmtKind::Ask { id, question, .. } => {
                let ty = self.st.scope.value_type(&id.name).cloned()?;
                let question = self.text(&format!("decision.{}", id.name), question);
                self.st.decisions.push(ir::Decision {
                    id: id.name.clone(),
                    ty,
                    question,
                    step: self.st.current_step.clone(),
                    per: self.st.loop_vars.last().map(|(n, _)| n.clone()),
                    span: id.span,
                });
                Some(ir::Item::Ask {
                    decision: id.name.clone(),
                })
            }
            StmtKind::If {
                branches,
                otherwise,
            } => {
                let mut out = Vec::new();
                let mut ok = true;
                for (cond, body) in branches {
                    let cond = self.check_expr(cond, &Type::Bool);
                    let items = self.items(body, context);
                    match cond {
                        Some(when) => out.push(ir::Branch { when, items }),
                        None => ok = false,
                    }
                }
                let otherwise = otherwise.as_ref().map(|b| self.items(b, context));
                ok.then_some(ir::Item::If {
                    branches: out,
                    otherwise,
                })
            }
            StmtKind::Match { subject, arms } => {
                let subject = match subject {
                    Some(s) => {
                        let s = self.infer_expr(s, None)?;
                        if !matches!(s.ty, Type::Bool | Type::Enum(_)) {
                            let ty = s.ty.clone();
                            let shown = self.show(&ty);
                            self.error(
                                Diagnostic::new(
                                    Code::TypeMismatch,
                                    s.span,
                                    format!("expected a `bool` or a value of an enum, found `{shown}`"),
                                )
                                .label(format!("this is `{shown}`"))
                                .help("match over a choice; for numbers, write `match { CONDITION => { ... } }`"),
                            );
                            return None;
                        }
                        Some(s)
                    }
                    None => None,
                };
                let pattern_ty = subject.as_ref().map(|s| s.ty.clone()).unwrap_or(Type::Bool);
                let mut out = Vec::new();
                for arm in arms {
                    let patterns = arm.patterns.as_ref().map(|ps| {
                        ps.iter()
                            .filter_map(|p| self.check_expr(p, &pattern_ty))
                            .collect()
                    });
                    let items = self.items(&arm.body, context);
                    out.push(ir::Arm { patterns, items });
                }
                Some(ir::Item::Match {
                    subject,
                    arms: out,
                    span: stmt.span,
                })
            }
            StmtKind::ForEach { var, iter, body } => {
                let over = self.infer_expr(iter, None)?;
                let Type::Set(element) = over.ty.clone() else {
                    let ty = over.ty.clone();
                    let shown = self.show(&ty);
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            over.span,
                            format!("expected a set, found `{shown}`"),
                        )
                        .label(format!("this is `{shown}`"))
                        .help("`for each` walks the values of a `set of` input or definition"),
                    );
                    return None;
                };
                if let Some(existing) = self.st.scope.get(Ns::Value, &var.name) {
                    self.error(
                        Diagnostic::new(
                            Code::DuplicateId,
                            var.span,
                            format!(
                                "loop variable `{}` hides a value of the same name",
                                var.name
                            ),
                        )
                        .label("loop variable")
                        .with(existing.span, "declared here")
                        .help("give the loop variable its own name"),
                    );
                }
                let element_ty = Type::Enum(element);
                self.st
                    .loop_vars
                    .push((var.name.clone(), element_ty.clone()));
                let items = self.items(body, context);
                self.st.loop_vars.pop();
                Some(ir::Item::ForEach {
                    var: var.name.clone(),
                    element: element_ty,
                    over,
                    items,
                })
            }
            kind if is_action(kind) => {
                let help = match context {
                    Context::Step => {
                        "an action belongs to an instruction: wrap it in `do ID \"text\" { ... }`"
                    }
                    Context::Do => "move it directly into the `do` item's body",
                };
                self.misplaced(stmt, "outside a `do` item", help);
                None
            }
            _ => {
                let (place, help) = match context {
                    Context::Step => (
                        "inside a step",
                        "only step clauses, criteria and items stand in a step; move it to the top of the playbook",
                    ),
                    Context::Do => (
                        "inside an item",
                        "step clauses (owner, with, applies to, entry, exit) belong directly in the step",
                    ),
                };
                self.misplaced(stmt, place, help);
                None
            }
        }
    }

    fn action(&mut self, stmt: &ast::Stmt) -> Option<ir::Action> {
        match &stmt.kind {
            StmtKind::Send { template, to } => {
                // Kept when a name fails (and reported): no path rule
                // reads what is sent to whom.
                self.lookup_harmless(Ns::Template, template);
                self.role(to);
                Some(ir::Action::Send {
                    template: template.name.clone(),
                    to: to.name.clone(),
                })
            }
            StmtKind::Set { field, value } => {
                let value = self.field_value(field, value)?;
                Some(ir::Action::Set {
                    field: field.name.clone(),
                    value,
                })
            }
            StmtKind::Request { role, set } => {
                let ok = self.lookup(Ns::Role, role);
                let set = match set.as_deref() {
                    Some((field, value)) => Some(ir::FieldValue {
                        field: field.name.clone(),
                        value: self.field_value(field, value)?,
                    }),
                    None => None,
                };
                ok.then(|| ir::Action::Request {
                    role: role.name.clone(),
                    set,
                })
            }
            StmtKind::CompleteTask {
                number,
                number_span,
            } => {
                let id = ast::Ident {
                    name: number.to_string(),
                    span: *number_span,
                };
                self.lookup(Ns::Task, &id)
                    .then_some(ir::Action::CompleteTask { task: *number })
            }
            StmtKind::Record(c) => self.lookup(Ns::Criterion, c).then(|| ir::Action::Record {
                criterion: c.name.clone(),
            }),
            _ => None,
        }
    }

    /// Checks that `after` names a `do` item of the current step, other
    /// than the item itself.
    fn item_in_step(&mut self, target: &ast::Ident, item: &str) -> bool {
        if !self.lookup(Ns::Item, target) {
            return false;
        }
        let step = self.st.current_step.clone();
        let problem = match self.st.scope.item_place(&target.name) {
            _ if target.name == item => Some(format!(
                "item `{item}` comes after itself: {item} -> {item}"
            )),
            Some((_, false)) => Some(format!(
                "`{}` is a tip or warning, which is never done, so nothing can wait for it",
                target.name
            )),
            Some((other, true)) if other != step => Some(format!(
                "item `{}` belongs to step `{other}`, not to step `{step}`",
                target.name
            )),
            _ => None,
        };
        let Some(message) = problem else {
            return true;
        };
        let code = if target.name == item {
            Code::Cycle
        } else {
            Code::UndefinedReference
        };
        self.error(
            Diagnostic::new(code, target.span, message)
                .label("not an item this one can wait for")
                .help("`after` inside an item names other `do` items of the same step; to wait for a whole step, write `after STEP` in the step"),
        );
        false
    }

    fn field_value(&mut self, field: &ast::Ident, value: &ast::Expr) -> Option<ir::Expr> {
        if !self.lookup(Ns::Field, field) {
            return None;
        }
        let ty = self
            .st
            .model
            .as_ref()?
            .fields
            .iter()
            .find(|f| f.id == field.name)?
            .ty
            .clone();
        self.check_expr(value, &ty)
    }
}

fn is_action(kind: &StmtKind) -> bool {
    matches!(
        kind,
        StmtKind::Send { .. }
            | StmtKind::Set { .. }
            | StmtKind::Request { .. }
            | StmtKind::CompleteTask { .. }
            | StmtKind::Record(_)
    )
}
