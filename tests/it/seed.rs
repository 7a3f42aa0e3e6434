//! The shipped playbook holds the seed document, fact by fact.
//!
//! The seed is `tests/fixtures/shared/seed/000_2f694c8ad249cbd1.txt` (a copy of
//! `../shared/seed/`, see `tests/fixtures/shared/NOTICE.md`) (Simplified Chinese;
//! its English original is `enable-conduct-engagement-completion-discussion-partner.md`
//! in `tests/fixtures/shared/corpus/fasttrack/en/`). Each test below checks one fact of the
//! seed against the compiled model of
//! `playbooks/engagement-completion-enablement.playbook`. The expected Chinese
//! texts are quotations of the seed, and `expectations_quote_the_seed` checks
//! that they still are.

use playbook::ir::{
    self, Action, Applies, BinaryOp, DoItem, Expr, ExprKind, GateKind, Item, LText, Playbook, Step,
    Type,
};
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const ZH: &str = "zh";
const PLAYBOOK: &str = "playbooks/engagement-completion-enablement.playbook";
pub(crate) const SEED: &str = "tests/fixtures/shared/seed/000_2f694c8ad249cbd1.txt";

// ---------------------------------------------------------------------------
// What the seed says, quoted.

pub(crate) const TITLE: &str = "进行接洽完结讨论（启用）";
pub(crate) const PHASE_LABEL: &str = "启用";
pub(crate) const FM_LABEL: &str = "FastTrack 经理";
pub(crate) const PREPARE_TITLE: &str = "准备接洽讨论对话（启用）";
pub(crate) const CONDUCT_TITLE: &str = "进行接洽完结讨论（启用）";
pub(crate) const TASK_4058: &str = "退出流程已完成（启用）";
pub(crate) const ATU_TEMPLATE_LABEL: &str = "ATU 电子邮件模板";
pub(crate) const ATU_TEMPLATE_URL: &str = "https://aka.ms/FRPAccountTeamEmailTemplate";
const CUSTOMER_TEMPLATE_LABEL: &str = "客户电子邮件模板";
const FAQ_LABEL: &str = "RFA 客户接洽完结讨论常见问题";
pub(crate) const HOME_LABEL: &str = "主页";
pub(crate) const HOME_URL: &str = "http://partner-docs.microsoft.com";

pub(crate) const OVERVIEW: &str = "“进行接洽完结讨论”流程将结束 FastTrack 经理与客户之间的工作关系。\
该流程在请求协助 (RFA) 行动中和启用完成时执行。\
当达到 100 个活动用户里程碑时，即代表启用完成。\
对于席位数少于 1,000 的客户，活动用户达到 10% 即代表启用完成。";

pub(crate) const OBJECTIVES: &[(&str, &str)] = &[
    (
        "rfa-knowledge",
        "客户获得关于填写 RFA 表的培训和知识，未来能提出请求/查询。",
    ),
    ("adoption-tools", "客户有工具能成功应用新实施的云服务。"),
    ("satisfied", "客户对 FastTrack 的接洽感到满意。"),
    ("closed", "客户接洽结束。"),
];

/// Queue enum value, its seed label, and the region whose customers go there.
pub(crate) const QUEUES: &[(&str, &str, &str)] = &[
    ("ftcq-inactive-americas", "FTCQ 非活动美洲", "americas"),
    ("ftcq-inactive-apj", "FTCQ 非活动 APJ", "apj"),
    ("ftcq-inactive-emea", "FTCQ 非活动 EMEA", "emea"),
];

/// Checklist items whose zh text (placeholders filled in) is the seed's line.
pub(crate) const ITEMS: &[(&str, &str, &str)] = &[
    (
        "prepare",
        "prepare-conversation",
        "启用完成后，你需要准备客户对话。",
    ),
    (
        "prepare",
        "email-account-team",
        "向客户团队联系人发送电子邮件，告知他们启用完成。采用 ATU 电子邮件模板，其中包括以下内容：",
    ),
    ("prepare", "ask-for-review", "要求与客户进行接洽完结审查。"),
    ("prepare", "fm-disengages", "强调 FM 将在审查后退出。"),
    (
        "prepare",
        "account-team-support",
        "客户团队在接洽完结过程中提供的支持。",
    ),
    (
        "prepare",
        "follow-conduct-guidance",
        "如果没有客户团队信息，请遵循“进行接洽完结讨论”部分中的指南。",
    ),
    ("prepare", "consult-faq", FAQ_TIP),
    (
        "conduct",
        "schedule",
        "接洽完结讨论应安排在客户现有的会议日程中。",
    ),
    ("conduct", "consult-faq-again", FAQ_TIP),
    ("conduct", "review-activities", "审查已完成的活动。"),
    (
        "conduct",
        "identify-more-workloads",
        "确定客户是否准备引进额外的工作负载。",
    ),
    (
        "conduct",
        "rfa-instructions",
        "向客户提供有关如何提交 RFA 请求的说明。",
    ),
    ("conduct", "demo-rfa-form", "演示如何填写 RFA 表。"),
    (
        "conduct",
        "proceed",
        "如果客户还没有准备好开始引进额外的工作负载，则继续执行下一步。",
    ),
    (
        "conduct",
        "follow-up-email",
        "在进行接洽完结讨论之后，向客户发送跟进电子邮件。使用客户电子邮件模板。",
    ),
    (
        "conduct",
        "mark-disengagement",
        "标记“退出流程已完成（启用）”任务。",
    ),
    ("conduct", "set-ftop-status", "相应地设置 FTOP 状态："),
    ("conduct", "update-notes", "将笔记更新为最新状态。"),
    (
        "conduct",
        "set-next-action-date",
        "将下一个行动日期设置为下一年的 12/31。",
    ),
    ("conduct", "unassign", "FM 取消自己的租户分配。"),
];

const FAQ_TIP: &str = "请参考 RFA 客户接洽完结讨论常见问题，在此指导下进行客户接洽完结讨论流程并解决客户的特定场景或问题。";

/// Items the playbook words differently from the seed (it names the
/// region's inactive queue where the seed lists the three queues and then says
/// "上述队列", the queues above): phrases that both share.
pub(crate) const ITEM_PHRASES: &[(&str, &str, &str)] = &[
    (
        "conduct",
        "request-queue-move",
        "向分配团队发送电子邮件，以请求将租户移至",
    ),
    ("conduct", "queue-first", "将该客户成功分配给"),
    ("conduct", "queue-first", "队列之一后，FM 才能删除其姓名。"),
];

/// When a gate applies.
#[derive(Debug, Clone, Copy)]
pub(crate) enum When {
    Always,
    Input(&'static str),
    NotInput(&'static str),
    Decision(&'static str),
    NotDecision(&'static str),
}

/// A gate: criterion, note, condition, and a characteristic phrase of the
/// seed's 质量投入 / 质量产出 line.
pub(crate) type GateFact = (&'static str, &'static str, When, &'static str);

pub(crate) const PREPARE_ENTRY: &[GateFact] = &[
    (
        "rfa-customer",
        "ftop",
        When::Always,
        "FTOP 行动指明 RFA 客户",
    ),
    (
        "milestone-documented",
        "technical-enablement",
        When::Always,
        "在技术启用笔记中记录客户达到每个 LYNX 的活动用量里程碑",
    ),
    (
        "account-team-identified",
        "ftop",
        When::Always,
        "FTOP 联系人中客户的 Microsoft 客户团队信息是最新的",
    ),
];

pub(crate) const PREPARE_EXIT: &[GateFact] = &[
    (
        "atu-sent",
        "engagement-management",
        When::Input("account-team-known"),
        "在接洽管理笔记中记录已向客户团队发送 ATU 电子邮件模板",
    ),
    (
        "account-team-unknown",
        "engagement-management",
        When::NotInput("account-team-known"),
        "FM 已查看 RFA 客户接洽完结讨论常见问题，以确定后续步骤并在笔记中列出后续步骤",
    ),
];

pub(crate) const CONDUCT_ENTRY: &[GateFact] = &[
    (
        "rfa-customer",
        "ftop",
        When::Always,
        "FTOP 行动指明 RFA 客户",
    ),
    (
        "milestone-documented",
        "technical-enablement",
        When::Always,
        "在技术启用笔记中记录客户达到每个 LYNX 的活动用量里程碑",
    ),
    (
        "atu-sent",
        "engagement-management",
        When::Input("account-team-known"),
        "在接洽管理笔记中记录已向客户团队发送 ATU 电子邮件模板",
    ),
];

pub(crate) const CONDUCT_EXIT: &[GateFact] = &[
    (
        "completion-status",
        "technical-enablement",
        When::Always,
        "接洽是否完成或客户是否准备引入其他工作负载",
    ),
    (
        "more-workloads-listed",
        "technical-enablement",
        When::Decision("ready-for-more"),
        "这个/这些工作负载，并指明在会议中已向客户演示如何填写 RFA 表",
    ),
    (
        "customer-email-sent",
        "engagement-management",
        When::NotDecision("ready-for-more"),
        "在接洽管理笔记中记录已向客户发送客户电子邮件模板，其中提供了未来申请 FastTrack 协助的信息和链接",
    ),
    (
        "customer-status-updated",
        "engagement-management",
        When::NotDecision("ready-for-more"),
        "在接洽管理笔记中更新最新的客户状态",
    ),
    (
        "next-action-date-updated",
        "ftop",
        When::Always,
        "在 FTOP 中将下一个行动日期更新为 12/31",
    ),
    (
        "queue-move-requested",
        "engagement-management",
        When::Always,
        "在接洽管理笔记中记录电子邮件已发送给分配团队，以请求将客户租户移至",
    ),
    (
        "fm-unassigned",
        "ftop",
        When::Always,
        "FTOP 中 FM 未分配给租户",
    ),
    (
        "next-steps-listed",
        "engagement-management",
        When::Always,
        "在接洽管理笔记中记录已查看 RFA 客户接洽完结讨论常见问题中针对客户特定场景或问题的后续步骤",
    ),
];

pub(crate) const KEY_INPUTS: &[&str] = &[
    "启用完成任务已结束。",
    "客户了解现有接洽将终止。",
    "客户对 FastTrack 中心的接洽感到满意。",
];

pub(crate) const KEY_OUTPUTS: &[&str] = &[
    "客户接洽结束。",
    "客户了解如何填写 RFA，以便未来寻求协助/指导。",
];

pub(crate) const NEXT_STEP: &str = "将服务状态更新为“应用”或“迁移”。";

/// The refresh summary, oldest first.
const HISTORY: &[(&str, &str, &str)] = &[
    ("2019-09-13", "Mark Eichenberger", "创建了行动手册"),
    ("2019-10-01", "Celia Kennedy", "常规维护"),
    ("2020-03-25", "Celia Kennedy", "常规维护"),
    ("2020-04-30", "Celia Kennedy", "常规维护"),
];

/// Every quotation above, for `expectations_quote_the_seed`.
pub(crate) fn quotations() -> Vec<&'static str> {
    let mut all = vec![
        TITLE,
        PHASE_LABEL,
        FM_LABEL,
        PREPARE_TITLE,
        CONDUCT_TITLE,
        TASK_4058,
        ATU_TEMPLATE_LABEL,
        ATU_TEMPLATE_URL,
        CUSTOMER_TEMPLATE_LABEL,
        FAQ_LABEL,
        HOME_LABEL,
        HOME_URL,
        OVERVIEW,
        NEXT_STEP,
        "Ryan Meehan",
        "pagrim",
        "10/01/2019",
    ];
    all.extend(OBJECTIVES.iter().map(|(_, t)| *t));
    all.extend(QUEUES.iter().map(|(_, t, _)| *t));
    all.extend(ITEMS.iter().map(|(_, _, t)| *t));
    all.extend(ITEM_PHRASES.iter().map(|(_, _, t)| *t));
    for gates in [PREPARE_ENTRY, PREPARE_EXIT, CONDUCT_ENTRY, CONDUCT_EXIT] {
        all.extend(gates.iter().map(|(_, _, _, t)| *t));
    }
    all.extend(KEY_INPUTS);
    all.extend(KEY_OUTPUTS);
    all.extend(HISTORY.iter().flat_map(|(_, who, what)| [*who, *what]));
    all
}

// ---------------------------------------------------------------------------
// Helpers.

struct Compiled {
    diagnostics: Vec<String>,
    model: Option<Playbook>,
}

pub(crate) fn crate_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let c = playbook::compile(&crate_path(PLAYBOOK), &playbook::fs::FsLoader::default())
            .unwrap_or_else(|e| panic!("cannot read {PLAYBOOK}: {e}"));
        Compiled {
            diagnostics: c
                .diagnostics
                .iter()
                .map(|d| d.render(&c.sources, false, 100))
                .collect(),
            model: c.model,
        }
    })
}

pub(crate) fn model() -> &'static Playbook {
    compiled().model.as_ref().unwrap_or_else(|| {
        panic!(
            "{PLAYBOOK} has no model:\n{}",
            compiled().diagnostics.join("\n")
        )
    })
}

pub(crate) fn seed() -> &'static str {
    static SEED_TEXT: OnceLock<String> = OnceLock::new();
    SEED_TEXT.get_or_init(|| {
        std::fs::read_to_string(crate_path(SEED)).unwrap_or_else(|e| panic!("{SEED}: {e}"))
    })
}

/// The zh text, which must exist.
fn zh(text: &LText) -> &str {
    text.text
        .get(ZH)
        .unwrap_or_else(|| panic!("`{}` has no zh text", text.key))
}

/// The zh text with its `{name}` placeholders replaced by the zh labels of
/// the templates and links they name, as a reader of the seed sees it.
fn rendered_zh(text: &LText) -> String {
    let m = model();
    let source = zh(text);
    let mut out = String::new();
    let mut rest = source;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if rest[open..].starts_with("{{") || rest[open..].starts_with("}}") {
            out.push_str(&rest[open..=open]);
            rest = &after[1..];
            continue;
        }
        let close = after
            .find('}')
            .unwrap_or_else(|| panic!("`{}`: unclosed placeholder", text.key));
        let name = &after[..close];
        // A template or link reads as its label; a loop variable (the
        // workload) has no counterpart in the seed's sentence.
        match m.templates.iter().chain(&m.links).find(|d| d.id == name) {
            Some(decl) => out.push_str(zh(&decl.label)),
            None => assert_eq!(name, "workload", "`{}`: unknown placeholder", text.key),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A text as compared with the seed: no whitespace, no Markdown emphasis or
/// link targets, no quotation marks (the seed sets names in italics where the
/// playbook quotes them).
pub(crate) fn norm(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ']' if chars.peek() == Some(&'(') => {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            '[' | '*' | '“' | '”' => {}
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

fn step(id: &str) -> &'static Step {
    model().step(id).unwrap_or_else(|| panic!("no step `{id}`"))
}

fn item_id(item: &Item) -> Option<&str> {
    match item {
        Item::Do(d) => Some(&d.id),
        Item::Tip { id, .. } | Item::Warning { id, .. } => Some(id),
        _ => None,
    }
}

fn item_text(item: &Item) -> Option<&LText> {
    match item {
        Item::Do(d) => Some(&d.text),
        Item::Tip { text, .. } | Item::Warning { text, .. } => Some(text),
        _ => None,
    }
}

/// Every item of a list, depth first, parents before children.
fn all_items(items: &[Item]) -> Vec<&Item> {
    let mut out = Vec::new();
    ir::walk_items(items, &mut |i| out.push(i));
    out
}

fn item<'a>(step: &'a Step, id: &str) -> &'a Item {
    all_items(&step.items)
        .into_iter()
        .find(|i| item_id(i) == Some(id))
        .unwrap_or_else(|| panic!("step `{}` has no item `{id}`", step.id))
}

fn do_item<'a>(step: &'a Step, id: &str) -> &'a DoItem {
    match item(step, id) {
        Item::Do(d) => d,
        other => panic!("`{id}` is not a `do` item: {other:?}"),
    }
}

fn position(step: &Step, id: &str) -> usize {
    all_items(&step.items)
        .iter()
        .position(|i| item_id(i) == Some(id))
        .unwrap_or_else(|| panic!("step `{}` has no item `{id}`", step.id))
}

fn is_input(e: &Expr, id: &str) -> bool {
    matches!(&e.kind, ExprKind::Input { id: i } if i == id)
}

fn is_decision(e: &Expr, id: &str) -> bool {
    matches!(&e.kind, ExprKind::Decision { id: i } if i == id)
}

fn is_not(e: &Expr, inner: impl Fn(&Expr) -> bool) -> bool {
    matches!(&e.kind, ExprKind::Not { operand } if inner(operand))
}

fn holds(when: When, e: Option<&Expr>) -> bool {
    match (when, e) {
        (When::Always, None) => true,
        (When::Input(id), Some(e)) => is_input(e, id),
        (When::NotInput(id), Some(e)) => is_not(e, |o| is_input(o, id)),
        (When::Decision(id), Some(e)) => is_decision(e, id),
        (When::NotDecision(id), Some(e)) => is_not(e, |o| is_decision(o, id)),
        _ => false,
    }
}

/// The zh label of a declaration found by id in `decls`.
fn label<'a>(decls: &'a [ir::Decl], id: &str) -> &'a str {
    let decl = decls
        .iter()
        .find(|d| d.id == id)
        .unwrap_or_else(|| panic!("no declaration `{id}`"));
    zh(&decl.label)
}

// ---------------------------------------------------------------------------
// A tiny evaluator for the expressions of the milestone rule: integers,
// `P% of` with exact (rational) arithmetic, comparisons, `and`/`or`/`not`,
// lets, and subject-less `match` (first arm whose condition holds).

#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Bool(bool),
    /// `num / den`, `den > 0`.
    Num(i128, i128),
}

fn as_bool(v: Value) -> bool {
    match v {
        Value::Bool(b) => b,
        other => panic!("expected a bool, got {other:?}"),
    }
}

fn as_num(v: Value) -> (i128, i128) {
    match v {
        Value::Num(n, d) => (n, d),
        other => panic!("expected a number, got {other:?}"),
    }
}

fn eval(e: &Expr, inputs: &[(&str, i64)]) -> Value {
    match &e.kind {
        ExprKind::Bool { value } => Value::Bool(*value),
        ExprKind::Int { value } => Value::Num(i128::from(*value), 1),
        ExprKind::Input { id } => inputs
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| Value::Num(i128::from(*v), 1))
            .unwrap_or_else(|| panic!("no value for input `{id}`")),
        ExprKind::Let { id } => {
            let l = model()
                .lets
                .iter()
                .find(|l| &l.id == id)
                .unwrap_or_else(|| panic!("no let `{id}`"));
            eval(&l.value, inputs)
        }
        ExprKind::Not { operand } => Value::Bool(!as_bool(eval(operand, inputs))),
        ExprKind::PercentOf {
            hundredths,
            operand,
        } => {
            let (n, d) = as_num(eval(operand, inputs));
            Value::Num(n * i128::from(*hundredths), d * 10_000)
        }
        ExprKind::Binary { op, lhs, rhs } => match op {
            BinaryOp::And => Value::Bool(as_bool(eval(lhs, inputs)) && as_bool(eval(rhs, inputs))),
            BinaryOp::Or => Value::Bool(as_bool(eval(lhs, inputs)) || as_bool(eval(rhs, inputs))),
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                let (a, b) = as_num(eval(lhs, inputs));
                let (c, d) = as_num(eval(rhs, inputs));
                let ord = (a * d).cmp(&(c * b));
                Value::Bool(match op {
                    BinaryOp::Eq => ord == Ordering::Equal,
                    BinaryOp::Ne => ord != Ordering::Equal,
                    BinaryOp::Lt => ord == Ordering::Less,
                    BinaryOp::Le => ord != Ordering::Greater,
                    BinaryOp::Gt => ord == Ordering::Greater,
                    _ => ord != Ordering::Less,
                })
            }
            other => panic!("operator {other:?} is outside the evaluator's subset"),
        },
        ExprKind::Match {
            subject: None,
            arms,
        } => {
            for arm in arms {
                match &arm.patterns {
                    None => return eval(&arm.value, inputs),
                    Some(conditions) => {
                        if conditions.iter().any(|c| as_bool(eval(c, inputs))) {
                            return eval(&arm.value, inputs);
                        }
                    }
                }
            }
            panic!("no arm of the match holds for {inputs:?}")
        }
        other => panic!("{other:?} is outside the evaluator's subset"),
    }
}

// ---------------------------------------------------------------------------
// The facts.

#[test]
fn expectations_quote_the_seed() {
    let seed_norm = norm(seed());
    for quote in quotations() {
        // `norm` drops link targets, so addresses are looked up verbatim.
        let found = if quote.starts_with("http") {
            seed().contains(quote)
        } else {
            seed_norm.contains(&norm(quote))
        };
        assert!(
            found,
            "the test expects {quote:?}, which the seed does not say"
        );
    }
}

#[test]
fn compiles_without_diagnostics() {
    let c = compiled();
    assert!(
        c.diagnostics.is_empty(),
        "{PLAYBOOK} has diagnostics:\n{}",
        c.diagnostics.join("\n")
    );
    assert!(c.model.is_some(), "{PLAYBOOK} has no model");
    assert_eq!(model().kind, ir::UnitKind::Playbook);
    assert_eq!(model().id, "engagement-completion-enablement");
    assert!(model().locales.iter().any(|l| l == ZH), "no zh locale");
}

#[test]
fn title_is_the_seed_heading() {
    let title = model().header.title.as_ref().expect("no title");
    assert_eq!(zh(title), TITLE);
}

#[test]
fn description_is_the_front_matter_description() {
    let m = model();
    let description = m.header.description.as_ref().expect("no description");
    assert_eq!(
        description.get(&m.source_locale, &m.source_locale),
        "FastTrack Partner Playbook - Conduct Engagement Completion Discussion (enablement)"
    );
}

#[test]
fn phase_is_enable() {
    let m = model();
    assert_eq!(m.header.phase.as_deref(), Some("enable"));
    assert_eq!(label(&m.phases, "enable"), PHASE_LABEL);
}

#[test]
fn motions_include_rfa() {
    let m = model();
    assert!(
        m.header.motions.iter().any(|x| x == "rfa"),
        "motions: {:?}",
        m.header.motions
    );
    assert!(
        label(&m.motions, "rfa").contains("RFA"),
        "the seed's 行动 is RFA"
    );
}

#[test]
fn front_matter_author_owner_revised_audience() {
    let h = &model().header;
    assert_eq!(h.author.as_deref(), Some("Ryan Meehan"), "author");
    assert_eq!(h.owner.as_deref(), Some("pagrim"), "ft.owner");
    assert_eq!(
        h.revised,
        Some(jiff::civil::date(2019, 10, 1)),
        "ms.date 10/01/2019"
    );
    assert_eq!(h.audience.as_deref(), Some("partner"), "ft.audience");
}

#[test]
fn overview_is_the_seed_overview() {
    let overview = model().header.overview.as_ref().expect("no overview");
    assert_eq!(norm(zh(overview)), norm(OVERVIEW));
}

#[test]
fn four_objectives() {
    let objectives = &model().header.objectives;
    let got: Vec<(&str, &str)> = objectives
        .iter()
        .map(|e| (e.id.as_str(), zh(&e.text)))
        .collect();
    assert_eq!(got, OBJECTIVES);
}

#[test]
fn two_steps_with_seed_titles() {
    let m = model();
    let ids: Vec<&str> = m.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["prepare", "conduct"]);
    assert_eq!(zh(&step("prepare").title), PREPARE_TITLE);
    assert_eq!(zh(&step("conduct").title), CONDUCT_TITLE);
}

#[test]
fn steps_owned_by_fastrack_manager_for_all_services_in_rfa() {
    let m = model();
    assert_eq!(label(&m.roles, "fm"), FM_LABEL);
    for s in &m.steps {
        assert_eq!(s.owner.as_deref(), Some("fm"), "主要角色 of `{}`", s.id);
        assert_eq!(s.applies, Applies::All, "适用于 of `{}`", s.id);
        assert_eq!(s.motions, ["rfa"], "行动 of `{}`", s.id);
    }
}

#[test]
fn conduct_comes_after_prepare() {
    assert_eq!(step("conduct").after, ["prepare"]);
    assert!(step("prepare").after.is_empty());
}

#[test]
fn task_4058_is_mandatory_for_the_fm_on_all_services() {
    let task = model().task(4058).expect("no task 4058");
    assert!(task.mandatory, "(M) 强制性");
    assert_eq!(task.owner.as_deref(), Some("fm"));
    assert_eq!(task.applies, Applies::All);
    assert_eq!(zh(&task.name), TASK_4058);
    assert_eq!(model().tasks.len(), 1, "the seed lists one FTOP task");
}

#[test]
fn conduct_completes_task_4058() {
    let completes = all_items(&step("conduct").items).into_iter().any(
        |i| matches!(i, Item::Do(d) if d.actions.contains(&Action::CompleteTask { task: 4058 })),
    );
    assert!(completes, "no item of `conduct` completes task 4058");
    let mark = do_item(step("conduct"), "mark-disengagement");
    assert_eq!(mark.actions, [Action::CompleteTask { task: 4058 }]);
}

#[test]
fn inactive_queues_are_enum_values() {
    let queue = model().enum_decl("queue").expect("no enum `queue`");
    let got: Vec<(&str, &str)> = queue
        .values
        .iter()
        .map(|v| {
            let l = v
                .label
                .as_ref()
                .unwrap_or_else(|| panic!("`{}` has no label", v.id));
            (v.id.as_str(), zh(l))
        })
        .collect();
    let want: Vec<(&str, &str)> = QUEUES.iter().map(|(id, l, _)| (*id, *l)).collect();
    assert_eq!(got, want);
}

#[test]
fn inactive_queue_is_chosen_by_region() {
    let m = model();
    let l = m
        .lets
        .iter()
        .find(|l| l.id == "inactive-queue")
        .expect("no let `inactive-queue`");
    assert_eq!(l.ty, Type::Enum("queue".into()));
    let ExprKind::Match {
        subject: Some(subject),
        arms,
    } = &l.value.kind
    else {
        panic!(
            "`inactive-queue` is not a match with a subject: {:?}",
            l.value
        );
    };
    assert!(is_input(subject, "region"), "subject: {subject:?}");
    let region = m
        .inputs
        .iter()
        .find(|i| i.id == "region")
        .expect("no input `region`");
    assert_eq!(region.ty, Type::Enum("region".into()));
    let mut mapping = Vec::new();
    for arm in arms {
        let patterns = arm.patterns.as_ref().expect("no `else` arm expected");
        let ExprKind::EnumValue { value: queue } = &arm.value.kind else {
            panic!("arm value is not a queue: {:?}", arm.value);
        };
        for p in patterns {
            let ExprKind::EnumValue { value: region } = &p.kind else {
                panic!("pattern is not a region: {p:?}");
            };
            mapping.push((region.as_str(), queue.as_str()));
        }
    }
    mapping.sort();
    let mut want: Vec<(&str, &str)> = QUEUES.iter().map(|(q, _, r)| (*r, *q)).collect();
    want.sort();
    assert_eq!(mapping, want);
}

#[test]
fn queue_move_is_requested_from_the_assignment_team() {
    let request = do_item(step("conduct"), "request-queue-move");
    let [
        Action::Request {
            role,
            set: Some(set),
        },
    ] = request.actions.as_slice()
    else {
        panic!("`request-queue-move` actions: {:?}", request.actions);
    };
    assert_eq!(role, "assignment-team");
    assert_eq!(label(&model().roles, "assignment-team"), "分配团队");
    assert_eq!(set.field, "tenant-queue");
    assert!(
        matches!(&set.value.kind, ExprKind::Let { id } if id == "inactive-queue"),
        "value: {:?}",
        set.value
    );
    let field = model()
        .fields
        .iter()
        .find(|f| f.id == "tenant-queue")
        .expect("no field `tenant-queue`");
    assert_eq!(field.ty, Type::Enum("queue".into()));
}

#[test]
fn next_action_date_is_december_31_of_next_year() {
    let item = do_item(step("conduct"), "set-next-action-date");
    let [Action::Set { field, value }] = item.actions.as_slice() else {
        panic!("`set-next-action-date` actions: {:?}", item.actions);
    };
    assert_eq!(field, "next-action-date");
    let ExprKind::DayOf { month, day, year } = &value.kind else {
        panic!("not `MONTH DAY of year`: {value:?}");
    };
    assert_eq!((*month, *day), (12, 31));
    let ExprKind::Binary {
        op: BinaryOp::Add,
        lhs,
        rhs,
    } = &year.kind
    else {
        panic!("year is not a sum: {year:?}");
    };
    assert!(
        matches!(&lhs.kind, ExprKind::YearOf { operand } if operand.kind == ExprKind::Today),
        "lhs: {lhs:?}"
    );
    assert_eq!(rhs.kind, ExprKind::Int { value: 1 });
    assert_eq!(value.ty, Type::Date);
}

#[test]
fn usage_milestone_covers_100_users_and_10_percent_below_1000_seats() {
    let l = model()
        .lets
        .iter()
        .find(|l| l.id == "usage-milestone")
        .expect("no let `usage-milestone`");
    assert_eq!(l.ty, Type::Bool);
    let table = [
        (5000, 100, true),
        (5000, 99, false),
        (500, 50, true),
        (500, 49, false),
        (999, 100, true),
        (1000, 100, true),
        (1000, 99, false),
    ];
    for (seats, users, want) in table {
        let got = as_bool(eval(&l.value, &[("seats", seats), ("active-users", users)]));
        assert_eq!(
            got, want,
            "usage-milestone with {seats} seats and {users} active users"
        );
    }
}

#[test]
fn the_process_requires_the_usage_milestone() {
    let requires = model().requires.as_ref().expect("no playbook `requires`");
    assert!(
        matches!(&requires.kind, ExprKind::Let { id } if id == "usage-milestone"),
        "requires: {requires:?}"
    );
    assert!(step("prepare").requires.is_none());
    assert!(step("conduct").requires.is_none());
}

/// Checks a step's gates against the seed, in order.
fn check_gates(step_id: &str, kind: GateKind, want: &[GateFact]) {
    let m = model();
    let s = step(step_id);
    let gates = match kind {
        GateKind::Entry => &s.entry,
        GateKind::Exit => &s.exit,
    };
    let ids: Vec<&str> = gates.iter().map(|g| g.criterion.as_str()).collect();
    let want_ids: Vec<&str> = want.iter().map(|(id, ..)| *id).collect();
    assert_eq!(ids, want_ids, "{kind:?} gates of `{step_id}`");
    for (gate, (id, note, when, phrase)) in gates.iter().zip(want) {
        let c = m
            .criterion(id)
            .unwrap_or_else(|| panic!("no criterion `{id}`"));
        assert_eq!(c.note, *note, "note of `{id}`");
        assert!(
            holds(*when, gate.when.as_ref()),
            "`{id}` in `{step_id}`: expected {when:?}, got {:?}",
            gate.when
        );
        let text = zh(&c.text);
        assert!(
            norm(text).contains(&norm(phrase)),
            "`{id}`: {text:?} lacks the seed's {phrase:?}"
        );
        let note_label = label(&m.notes, note);
        assert!(
            text.contains(note_label),
            "`{id}`: {text:?} does not name its note {note_label:?}"
        );
    }
}

#[test]
fn prepare_entry_criteria() {
    check_gates("prepare", GateKind::Entry, PREPARE_ENTRY);
    for (id, ..) in PREPARE_ENTRY {
        let c = model().criterion(id).unwrap();
        assert_eq!((c.step.as_str(), c.kind), ("prepare", GateKind::Entry));
    }
}

#[test]
fn prepare_exit_criteria() {
    check_gates("prepare", GateKind::Exit, PREPARE_EXIT);
    for (id, ..) in PREPARE_EXIT {
        let c = model().criterion(id).unwrap();
        assert_eq!((c.step.as_str(), c.kind), ("prepare", GateKind::Exit));
    }
}

#[test]
fn conduct_entry_criteria_reuse_those_of_prepare() {
    check_gates("conduct", GateKind::Entry, CONDUCT_ENTRY);
    for (id, ..) in CONDUCT_ENTRY {
        let c = model().criterion(id).unwrap();
        assert_eq!(c.step, "prepare", "`{id}` is declared by `prepare`");
    }
}

#[test]
fn conduct_exit_criteria() {
    check_gates("conduct", GateKind::Exit, CONDUCT_EXIT);
    for (id, ..) in CONDUCT_EXIT {
        let c = model().criterion(id).unwrap();
        assert_eq!((c.step.as_str(), c.kind), ("conduct", GateKind::Exit));
    }
}

#[test]
fn item_texts_are_the_seed_lines() {
    for (step_id, id, want) in ITEMS {
        let i = item(step(step_id), id);
        let text = item_text(i).unwrap();
        assert_eq!(
            norm(&rendered_zh(text)),
            norm(want),
            "zh text of `{id}` in `{step_id}`"
        );
    }
    for (step_id, id, phrase) in ITEM_PHRASES {
        let text = item_text(item(step(step_id), id)).unwrap();
        let got = rendered_zh(text);
        assert!(
            norm(&got).contains(&norm(phrase)),
            "zh text of `{id}`: {got:?} lacks the seed's {phrase:?}"
        );
    }
}

#[test]
fn account_team_email_only_when_the_account_team_is_known() {
    let prepare = step("prepare");
    let (branches, otherwise) = prepare
        .items
        .iter()
        .find_map(|i| match i {
            Item::If {
                branches,
                otherwise,
            } => Some((branches, otherwise)),
            _ => None,
        })
        .expect("`prepare` has no if/else");
    assert_eq!(branches.len(), 1);
    assert!(
        is_input(&branches[0].when, "account-team-known"),
        "condition: {:?}",
        branches[0].when
    );
    let ids: Vec<Option<&str>> = branches[0].items.iter().map(item_id).collect();
    assert_eq!(ids, [Some("email-account-team")]);
    let otherwise = otherwise.as_ref().expect("no else branch");
    let ids: Vec<Option<&str>> = otherwise.iter().map(item_id).collect();
    assert_eq!(ids, [Some("follow-conduct-guidance")]);

    let email = do_item(prepare, "email-account-team");
    assert_eq!(
        email.actions,
        [Action::Send {
            template: "atu-email".into(),
            to: "account-team".into()
        }]
    );
    let covers: Vec<Option<&str>> = email.items.iter().map(item_id).collect();
    assert_eq!(
        covers,
        [
            Some("ask-for-review"),
            Some("fm-disengages"),
            Some("account-team-support")
        ]
    );
    let template = model()
        .templates
        .iter()
        .find(|t| t.id == "atu-email")
        .expect("no template `atu-email`");
    assert_eq!(template.url.as_deref(), Some(ATU_TEMPLATE_URL));
    assert_eq!(zh(&template.label), ATU_TEMPLATE_LABEL);
    assert_eq!(label(&model().roles, "account-team"), "Microsoft 客户团队");
}

#[test]
fn ready_for_more_decides_between_rfa_demo_and_proceeding() {
    let m = model();
    let d = m
        .decisions
        .iter()
        .find(|d| d.id == "ready-for-more")
        .expect("no decision `ready-for-more`");
    assert_eq!(d.ty, Type::Bool);
    assert_eq!(d.step, "conduct");
    assert_eq!(d.per, None);
    assert_eq!(zh(&d.question), "客户是否准备部署另一个工作负载？");

    let identify = do_item(step("conduct"), "identify-more-workloads");
    let [
        Item::Ask { decision },
        Item::If {
            branches,
            otherwise,
        },
    ] = identify.items.as_slice()
    else {
        panic!("`identify-more-workloads` items: {:?}", identify.items);
    };
    assert_eq!(decision, "ready-for-more");
    assert_eq!(branches.len(), 1);
    assert!(is_decision(&branches[0].when, "ready-for-more"));
    let yes: Vec<Option<&str>> = branches[0].items.iter().map(item_id).collect();
    assert_eq!(yes, [Some("rfa-instructions"), Some("demo-rfa-form")]);
    let no: Vec<Option<&str>> = otherwise
        .as_ref()
        .expect("no else branch")
        .iter()
        .map(item_id)
        .collect();
    assert_eq!(no, [Some("proceed")]);
}

#[test]
fn follow_up_email_goes_to_the_customer() {
    let item = do_item(step("conduct"), "follow-up-email");
    assert_eq!(
        item.actions,
        [Action::Send {
            template: "customer-email".into(),
            to: "customer".into()
        }]
    );
    let template = model()
        .templates
        .iter()
        .find(|t| t.id == "customer-email")
        .expect("no template `customer-email`");
    assert_eq!(zh(&template.label), CUSTOMER_TEMPLATE_LABEL);
    assert_eq!(label(&model().roles, "customer"), "客户");
}

#[test]
fn unassign_comes_after_the_queue_move_with_its_warning() {
    let conduct = step("conduct");
    let unassign = do_item(conduct, "unassign");
    assert_eq!(unassign.after, ["request-queue-move"]);
    assert!(position(conduct, "request-queue-move") < position(conduct, "unassign"));
    let [Item::Warning { id, text }] = unassign.items.as_slice() else {
        panic!("`unassign` items: {:?}", unassign.items);
    };
    assert_eq!(id, "queue-first");
    assert!(
        zh(text).contains("FM 才能删除其姓名"),
        "warning: {:?}",
        zh(text)
    );
}

#[test]
fn set_ftop_status_groups_notes_date_and_queue() {
    let status = do_item(step("conduct"), "set-ftop-status");
    let ids: Vec<Option<&str>> = status.items.iter().map(item_id).collect();
    assert_eq!(
        ids,
        [
            Some("update-notes"),
            Some("set-next-action-date"),
            Some("request-queue-move")
        ]
    );
}

#[test]
fn activities_are_reviewed_for_each_workload() {
    let (var, element, over, items) = all_items(&step("conduct").items)
        .into_iter()
        .find_map(|i| match i {
            Item::ForEach {
                var,
                element,
                over,
                items,
            } => Some((var, element, over, items)),
            _ => None,
        })
        .expect("`conduct` has no for-each");
    assert_eq!(var, "workload");
    assert_eq!(*element, Type::Enum("service".into()));
    assert!(is_input(over, "services"), "over: {over:?}");
    assert_eq!(over.ty, Type::Set("service".into()));
    let ids: Vec<Option<&str>> = items.iter().map(item_id).collect();
    assert_eq!(ids, [Some("review-activities")]);
}

#[test]
fn tips_refer_to_the_faq() {
    let m = model();
    assert_eq!(label(&m.links, "engagement-completion-faq"), FAQ_LABEL);
    for (step_id, id) in [("prepare", "consult-faq"), ("conduct", "consult-faq-again")] {
        let Item::Tip { text, .. } = item(step(step_id), id) else {
            panic!("`{id}` is not a tip");
        };
        assert!(
            zh(text).contains("{engagement-completion-faq}"),
            "`{id}` does not link the FAQ: {:?}",
            zh(text)
        );
        assert_eq!(norm(&rendered_zh(text)), norm(FAQ_TIP));
    }
}

#[test]
fn home_link() {
    let home = model()
        .links
        .iter()
        .find(|l| l.id == "partner-home")
        .expect("no link `partner-home`");
    assert_eq!(home.url.as_deref(), Some(HOME_URL));
    assert_eq!(zh(&home.label), HOME_LABEL);
}

#[test]
fn key_inputs() {
    let got: Vec<&str> = model()
        .header
        .key_inputs
        .iter()
        .map(|e| zh(&e.text))
        .collect();
    assert_eq!(got, KEY_INPUTS);
}

#[test]
fn key_outputs() {
    let got: Vec<&str> = model()
        .header
        .key_outputs
        .iter()
        .map(|e| zh(&e.text))
        .collect();
    assert_eq!(got, KEY_OUTPUTS);
}

#[test]
fn next_step_is_adoption_or_migration() {
    let next = &model().header.next_steps;
    assert_eq!(next.len(), 1, "next steps: {next:?}");
    let text = zh(&next[0].text);
    assert!(
        text.contains("应用") || text.contains("迁移"),
        "next step: {text:?}"
    );
    assert_eq!(norm(text), norm(NEXT_STEP));
}

#[test]
fn refresh_summary() {
    let got: Vec<(String, &str, &str)> = model()
        .header
        .history
        .iter()
        .map(|h| (h.date.to_string(), h.who.as_str(), zh(&h.what)))
        .collect();
    let want: Vec<(String, &str, &str)> = HISTORY
        .iter()
        .map(|(d, w, t)| (d.to_string(), *w, *t))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn every_text_has_a_zh_translation() {
    let texts = model().texts();
    assert!(texts.len() > 80, "only {} texts found", texts.len());
    let missing: Vec<&str> = texts
        .iter()
        .filter(|t| t.text.get(ZH).is_none_or(|z| z.trim().is_empty()))
        .map(|t| t.key.as_str())
        .collect();
    assert!(missing.is_empty(), "texts without zh: {missing:?}");
}

/// The `{name}` placeholders of a text (`{{` and `}}` are escapes).
fn placeholders(text: &str) -> BTreeSet<String> {
    let unescaped = text.replace("{{", "").replace("}}", "");
    unescaped
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn zh_texts_keep_the_placeholders() {
    let m = model();
    let mut with_placeholders = 0;
    for t in m.texts() {
        let source = t.get(&m.source_locale, &m.source_locale);
        with_placeholders += usize::from(!placeholders(source).is_empty());
        assert_eq!(
            placeholders(zh(t)),
            placeholders(source),
            "placeholders of `{}`",
            t.key
        );
    }
    assert!(
        with_placeholders >= 4,
        "the template and link texts have placeholders"
    );
}

/// The zh texts of a step: its title and its items.
fn step_zh_texts(s: &Step) -> Vec<String> {
    std::iter::once(zh(&s.title).to_string())
        .chain(
            all_items(&s.items)
                .into_iter()
                .filter_map(item_text)
                .map(rendered_zh),
        )
        .collect()
}

#[test]
fn conduct_says_the_fm_disengages_after_the_last_service() {
    // The seed: "请注意，如果你支持的 RFA 客户在一个请求中申请了多项服务协助，
    // 你需要在完成每个工作负载的入门培训时完成此流程。然而，FM 只会在最后一项
    // 服务完成后才与客户结束联系。" The playbook models it as the for-each
    // over workloads, but says it only in a source comment.
    let says = step_zh_texts(step("conduct"))
        .iter()
        .any(|t| t.contains("最后一项服务"));
    assert!(says, "the multi-service note is missing from `conduct`");
}

#[test]
fn conduct_says_what_the_discussion_covers() {
    // The seed introduces the checklist with "接洽完结讨论应涵盖以下事项:".
    let says = step_zh_texts(step("conduct"))
        .iter()
        .any(|t| t.contains("接洽完结讨论应涵盖以下事项"));
    assert!(
        says,
        "the lead-in of the discussion is missing from `conduct`"
    );
}
