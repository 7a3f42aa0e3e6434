//! The symbol table: one namespace per kind of declaration.

use crate::ast::DeclKind;
use crate::ir;
use crate::source::Span;
use rustc_hash::FxHashMap;

/// How many namespaces there are.
const NAMESPACES: usize = Ns::Item as usize + 1;

/// A namespace of ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ns {
    Phase,
    Motion,
    Role,
    Note,
    Service,
    Template,
    Link,
    Enum,
    Field,
    /// Inputs, definitions and decisions: everything an expression can read.
    Value,
    Task,
    Step,
    Criterion,
    /// `do`, `tip` and `warning` items.
    Item,
}

impl Ns {
    pub fn of_decl(kind: DeclKind) -> Ns {
        match kind {
            DeclKind::Phase => Ns::Phase,
            DeclKind::Motion => Ns::Motion,
            DeclKind::Role => Ns::Role,
            DeclKind::Note => Ns::Note,
            DeclKind::Service => Ns::Service,
            DeclKind::Template => Ns::Template,
            DeclKind::Link => Ns::Link,
        }
    }

    /// The kind, in a sentence: "role", "step".
    pub fn describe(self) -> &'static str {
        match self {
            Ns::Phase => "phase",
            Ns::Motion => "motion",
            Ns::Role => "role",
            Ns::Note => "note",
            Ns::Service => "service",
            Ns::Template => "template",
            Ns::Link => "link",
            Ns::Enum => "enum",
            Ns::Field => "field",
            Ns::Value => "value",
            Ns::Task => "task",
            Ns::Step => "step",
            Ns::Criterion => "criterion",
            Ns::Item => "item",
        }
    }

    /// How to declare one.
    pub fn declaration_shape(self) -> &'static str {
        match self {
            Ns::Phase => "phase ID \"Label\"",
            Ns::Motion => "motion ID \"Label\"",
            Ns::Role => "role ID \"Label\"",
            Ns::Note => "note ID \"Label\"",
            Ns::Service => "service ID \"Label\"",
            Ns::Template => "template ID \"Label\" url \"...\"",
            Ns::Link => "link ID \"Label\" url \"...\"",
            Ns::Enum => "enum ID { VALUE ... }",
            Ns::Field => "field ID: TYPE \"Label\"",
            Ns::Value => "input ID: TYPE, let ID = ..., or ask ID: TYPE",
            Ns::Task => "task NUMBER \"Name\" mandatory owner ROLE",
            Ns::Step => "step ID \"Title\" { ... }",
            Ns::Criterion => "entry ID \"text\" in NOTE or exit ID \"text\" in NOTE",
            Ns::Item => "do ID \"text\"",
        }
    }
}

/// What kind of value a name in the value namespace is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Input,
    Let,
    Decision,
}

#[derive(Debug, Clone, Copy)]
pub struct Symbol {
    pub span: Span,
    #[allow(dead_code)]
    pub module: usize,
}

#[derive(Default)]
pub struct Scope {
    /// One table per namespace (indexed by `Ns as usize`), so that a
    /// lookup hashes the name it is given without copying it.
    symbols: [FxHashMap<String, Symbol>; NAMESPACES],
    /// Declaration order of each namespace, for suggestions and listings.
    order: FxHashMap<Ns, Vec<String>>,
    value_types: FxHashMap<String, ir::Type>,
    /// Enum id to its values (`service` is the enum of declared services).
    enums: FxHashMap<String, Vec<String>>,
    /// Enum value to the enums that have it.
    value_owners: FxHashMap<String, Vec<String>>,
    /// Item id to the step it stands in, and whether it is a `do` item.
    item_places: FxHashMap<String, (String, bool)>,
    value_kinds: FxHashMap<String, ValueKind>,
}

impl Scope {
    /// Declares `name`; returns the earlier declaration's span if there is one.
    pub fn declare(&mut self, ns: Ns, name: &str, span: Span, module: usize) -> Option<Span> {
        let table = &mut self.symbols[ns as usize];
        if let Some(existing) = table.get(name) {
            return Some(existing.span);
        }
        table.insert(name.to_string(), Symbol { span, module });
        self.order.entry(ns).or_default().push(name.to_string());
        None
    }

    pub fn get(&self, ns: Ns, name: &str) -> Option<Symbol> {
        self.symbols[ns as usize].get(name).copied()
    }

    pub fn names(&self, ns: Ns) -> Vec<String> {
        self.order.get(&ns).cloned().unwrap_or_default()
    }

    /// The declared name nearest to `name`, if one is near enough.
    pub fn suggest(&self, ns: Ns, name: &str) -> Option<String> {
        let names = self.order.get(&ns)?;
        closest(name, names.iter().map(String::as_str))
    }

    pub fn set_enums(&mut self, enums: &[ir::Enum]) {
        for e in enums {
            self.add_enum(&e.id, e.values.iter().map(|v| v.id.clone()).collect());
        }
        let services = self.names(Ns::Service);
        self.add_enum("service", services);
    }

    pub fn add_anonymous_enum(&mut self, name: &str, values: Vec<String>) {
        self.add_enum(name, values);
    }

    fn add_enum(&mut self, name: &str, values: Vec<String>) {
        // A second enum of the same name (a `duplicate-id`) replaces the
        // first: its values no longer belong to `name`.
        if let Some(old) = self.enums.remove(name) {
            for v in old {
                if let Some(owners) = self.value_owners.get_mut(&v) {
                    owners.retain(|o| o != name);
                }
            }
        }
        for v in &values {
            self.value_owners
                .entry(v.clone())
                .or_default()
                .push(name.to_string());
        }
        self.enums.insert(name.to_string(), values);
    }

    pub fn enum_values(&self, name: &str) -> Option<&[String]> {
        self.enums.get(name).map(Vec::as_slice)
    }

    /// Whether the enum `name` has the value `value`: a lookup, not a scan
    /// of the enum's values.
    pub fn has_value(&self, name: &str, value: &str) -> bool {
        self.enums_with(value).iter().any(|e| e == name)
    }

    /// The enums that have a value called `value`.
    pub fn enums_with(&self, value: &str) -> &[String] {
        self.value_owners
            .get(value)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn place_item(&mut self, item: &str, step: &str, is_do: bool) {
        self.item_places
            .entry(item.to_string())
            .or_insert_with(|| (step.to_string(), is_do));
    }

    /// The step an item stands in, and whether it is a `do` item.
    pub fn item_place(&self, item: &str) -> Option<(&str, bool)> {
        self.item_places.get(item).map(|(s, d)| (s.as_str(), *d))
    }

    pub fn set_value_kind(&mut self, name: &str, kind: ValueKind) {
        self.value_kinds.entry(name.to_string()).or_insert(kind);
    }

    pub fn value_kind(&self, name: &str) -> Option<ValueKind> {
        self.value_kinds.get(name).copied()
    }

    pub fn set_value_type(&mut self, name: &str, ty: ir::Type) {
        self.value_types.insert(name.to_string(), ty);
    }

    pub fn value_type(&self, name: &str) -> Option<&ir::Type> {
        self.value_types.get(name)
    }
}

pub use crate::suggest::closest;
