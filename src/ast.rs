//! The spanned syntax tree: what the source says, before names are resolved.
//!
//! Produced by `syntax::parse`, consumed by `resolve`. Owned, free of pest
//! types, and shaped like the grammar's statements: which statement may stand
//! where is checked by the resolver, which knows the context.

use crate::source::Span;

/// An id as written: `account-team`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A human-readable text, unescaped and (for `"""` blocks) dedented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

/// A calendar date as written: `2019-10-01`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLit {
    pub date: jiff::civil::Date,
    pub span: Span,
}

/// A whole file: one `playbook` or `catalogue` block.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub kind: UnitKind,
    pub id: Ident,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Playbook,
    Catalogue,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// Which list a `list` statement fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Objectives,
    KeyInputs,
    KeyOutputs,
}

/// The catalogue declarations that are just an id and a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeclKind {
    Phase,
    Motion,
    Role,
    Note,
    Service,
    Template,
    Link,
}

impl DeclKind {
    /// The keyword that declares it, also its translation key prefix.
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Phase => "phase",
            DeclKind::Motion => "motion",
            DeclKind::Role => "role",
            DeclKind::Note => "note",
            DeclKind::Service => "service",
            DeclKind::Template => "template",
            DeclKind::Link => "link",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListEntry {
    pub id: Ident,
    pub text: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NextEntry {
    pub id: Ident,
    pub text: Text,
    pub playbook: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub date: DateLit,
    pub who: Text,
    pub what: Text,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub id: Ident,
    pub label: Option<Text>,
}

/// `owner "alias"` (header) or `owner fm` (a role).
#[derive(Debug, Clone, PartialEq)]
pub enum Owner {
    Text(Text),
    Role(Ident),
}

/// `applies to all` or a list of services.
#[derive(Debug, Clone, PartialEq)]
pub enum Applies {
    All(Span),
    Services(Vec<Ident>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub id: Ident,
    /// Text and note, when the criterion is declared here.
    pub declared: Option<Box<(Text, Ident)>>,
    /// The items of the step it documents (`after ITEM, ...`).
    pub after: Vec<Ident>,
    pub when: Option<Box<Expr>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StmtArm {
    /// `None` for `else`.
    pub patterns: Option<Vec<Expr>>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    Named(Ident),
    OneOf(Vec<Ident>, Span),
    SetOf(Box<TypeExpr>, Span),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(id) => id.span,
            TypeExpr::OneOf(_, span) | TypeExpr::SetOf(_, span) => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    Locale(Ident),
    Translation {
        locale: Ident,
        path: Text,
    },
    Use(Text),
    Title(Text),
    Description(Text),
    /// `phase ID` (membership) when `label` is `None`, a declaration otherwise.
    Phase {
        id: Ident,
        label: Option<Text>,
    },
    Motions(Vec<Ident>),
    Audience(Ident),
    Author(Text),
    Owner(Owner),
    Revised(DateLit),
    Overview(Text),
    List {
        kind: ListKind,
        entries: Vec<ListEntry>,
    },
    NextSteps(Vec<NextEntry>),
    History(Vec<HistoryEntry>),
    /// `role`, `note`, `motion`, `service`, `template`, `link`.
    Decl {
        kind: DeclKind,
        id: Ident,
        label: Text,
        url: Option<Text>,
    },
    Enum {
        id: Ident,
        label: Option<Text>,
        values: Vec<EnumValue>,
    },
    Field {
        id: Ident,
        ty: TypeExpr,
        label: Option<Text>,
    },
    Input {
        id: Ident,
        ty: TypeExpr,
        label: Option<Text>,
    },
    Let {
        id: Ident,
        ty: Option<TypeExpr>,
        label: Option<Text>,
        value: Box<Expr>,
    },
    Task {
        number: u32,
        number_span: Span,
        name: Text,
        mandatory: Option<(bool, Span)>,
        owner: Option<Ident>,
        applies: Option<Applies>,
    },
    Step {
        id: Ident,
        title: Text,
        body: Vec<Stmt>,
    },
    With(Vec<Ident>),
    Applies(Applies),
    After(Vec<Ident>),
    Requires(Expr),
    Entry(Criterion),
    Exit(Criterion),
    Do {
        id: Ident,
        text: Text,
        optional: bool,
        body: Vec<Stmt>,
    },
    Tip {
        id: Ident,
        text: Text,
    },
    Warning {
        id: Ident,
        text: Text,
    },
    Ask {
        id: Ident,
        ty: TypeExpr,
        question: Text,
    },
    If {
        branches: Vec<(Expr, Vec<Stmt>)>,
        otherwise: Option<Vec<Stmt>>,
    },
    Match {
        subject: Option<Expr>,
        arms: Vec<StmtArm>,
    },
    ForEach {
        var: Ident,
        iter: Expr,
        body: Vec<Stmt>,
    },
    Send {
        template: Ident,
        to: Ident,
    },
    Set {
        field: Ident,
        value: Expr,
    },
    Request {
        role: Ident,
        set: Option<Box<(Ident, Expr)>>,
    },
    CompleteTask {
        number: u32,
        number_span: Span,
    },
    Record(Ident),
}

impl StmtKind {
    /// The keyword that starts the statement, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            StmtKind::Locale(_) => "locale",
            StmtKind::Translation { .. } => "translation",
            StmtKind::Use(_) => "use",
            StmtKind::Title(_) => "title",
            StmtKind::Description(_) => "description",
            StmtKind::Phase { .. } => "phase",
            StmtKind::Motions(_) => "motions",
            StmtKind::Audience(_) => "audience",
            StmtKind::Author(_) => "author",
            StmtKind::Owner(_) => "owner",
            StmtKind::Revised(_) => "revised",
            StmtKind::Overview(_) => "overview",
            StmtKind::List { kind, .. } => match kind {
                ListKind::Objectives => "objectives",
                ListKind::KeyInputs => "key-inputs",
                ListKind::KeyOutputs => "key-outputs",
            },
            StmtKind::NextSteps(_) => "next-steps",
            StmtKind::History(_) => "history",
            StmtKind::Decl { kind, .. } => kind.keyword(),
            StmtKind::Enum { .. } => "enum",
            StmtKind::Field { .. } => "field",
            StmtKind::Input { .. } => "input",
            StmtKind::Let { .. } => "let",
            StmtKind::Task { .. } => "task",
            StmtKind::Step { .. } => "step",
            StmtKind::With(_) => "with",
            StmtKind::Applies(_) => "applies to",
            StmtKind::After(_) => "after",
            StmtKind::Requires(_) => "requires",
            StmtKind::Entry(_) => "entry",
            StmtKind::Exit(_) => "exit",
            StmtKind::Do { .. } => "do",
            StmtKind::Tip { .. } => "tip",
            StmtKind::Warning { .. } => "warning",
            StmtKind::Ask { .. } => "ask",
            StmtKind::If { .. } => "if",
            StmtKind::Match { .. } => "match",
            StmtKind::ForEach { .. } => "for each",
            StmtKind::Send { .. } => "send",
            StmtKind::Set { .. } => "set",
            StmtKind::Request { .. } => "request",
            StmtKind::CompleteTask { .. } => "complete task",
            StmtKind::Record(_) => "record",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Contains,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    Days,
    Weeks,
    Months,
    Years,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixOp {
    Not,
    Neg,
    /// `P% of`, in hundredths of a percent.
    PercentOf(i64),
    YearOf,
    CountOf,
    /// `MONTH DAY of`.
    DayOf {
        month: i8,
        day: i8,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExprArm {
    /// `None` for `else`.
    pub patterns: Option<Vec<Expr>>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    Int(i64),
    /// Hundredths of a percent: `12.5%` is 1250.
    Percent(i64),
    Date(jiff::civil::Date),
    Duration(i64, DurationUnit),
    Text(String),
    Today,
    Name(Ident),
    Recorded(Ident),
    SetLit(Vec<Ident>),
    Prefix(PrefixOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Match {
        subject: Option<Box<Expr>>,
        arms: Vec<ExprArm>,
    },
    /// Stands for an expression that could not be lowered; already diagnosed.
    Error,
}
