//! The pages of `playbook serve`: the data each template is given, built
//! from the rows of `crate::runs` and from a run's view, and the templates
//! themselves (embedded, HTML auto-escaping set explicitly for all of
//! them). Every string a template prints is escaped, and its hidden
//! characters (controls, bidirectional marks) written as visible escapes,
//! as on a terminal.

use crate::eval::Value;
use crate::ir::{GateKind, Type};
use crate::labels::{self, RunWords, fill};
use crate::run::engine::{
    Applicability, Blocker, ItemKind, ItemStatus, Now, Run, StepStatus, View,
};
use crate::run::report::{blocker, step_status};
use crate::run::session::{self, Opened};
use crate::run::{text, value};
use crate::runs::Row;
use axum::http::StatusCode;
use minijinja::{AutoEscape, Environment, Value as Jinja, context};
use serde::Serialize;
use std::path::Path;

/// The templates, ready to render.
pub struct Pages {
    env: Environment<'static>,
}

const BASE: &str = include_str!("templates/base.html");
const DASHBOARD: &str = include_str!("templates/dashboard.html");
const RUN: &str = include_str!("templates/run.html");
const MESSAGE: &str = include_str!("templates/message.html");

impl Pages {
    pub fn new() -> Pages {
        let mut env = Environment::new();
        // Every template is HTML, whatever its name says.
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_formatter(|out, state, value| {
            // Hidden characters of user text made visible, then escaped.
            match value.as_str() {
                Some(s) if !value.is_safe() && s.chars().any(crate::escape::is_hidden) => {
                    let shown = Jinja::from(crate::escape::terminal(s).into_owned());
                    minijinja::escape_formatter(out, state, &shown)
                }
                _ => minijinja::escape_formatter(out, state, value),
            }
        });
        for (name, source) in [
            ("base.html", BASE),
            ("dashboard.html", DASHBOARD),
            ("run.html", RUN),
            ("message.html", MESSAGE),
        ] {
            env.add_template(name, source)
                .expect("the embedded templates parse");
        }
        Pages { env }
    }

    fn render(&self, name: &str, ctx: Jinja) -> String {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .unwrap_or_else(|e| format!("the page cannot be shown: {e}"))
    }

    /// A page saying one thing (refusals of the guard, errors).
    pub fn message(&self, title: &str, text: &str) -> String {
        self.render("message.html", context! { title, text })
    }

    /// The dashboard: one row per run, as `run list` shows them.
    pub fn dashboard(&self, dir: &Path, rows: &[Row], now: Now) -> String {
        let rows: Vec<RowPage> = rows.iter().map(RowPage::of).collect();
        let overdue = rows.iter().filter(|r| r.overdue).count();
        let problems = rows.iter().filter(|r| !r.problems.is_empty()).count();
        self.render(
            "dashboard.html",
            context! {
                title => "Runs",
                dir => dir.display().to_string(),
                rows => Jinja::from(minijinja::value::Serde(&rows)),
                overdue,
                problems,
                today => now.today.to_string(),
            },
        )
    }

    /// A run's page, or the page saying why it cannot be shown.
    pub fn run(&self, request: RunRequest<'_>) -> Result<String, (StatusCode, String)> {
        let opened = Opened::read_pinned(request.path, None).map_err(|e| {
            let text = (request.describe)(e);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                self.message("This run cannot be shown", &text),
            )
        })?;
        let mut run = opened.run().map_err(|e| {
            let text = (request.describe)(e);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                self.message("This run cannot be shown", &text),
            )
        })?;
        let locale = crate::run::session::locale_of(&opened.file, &opened.model, request.locale);
        run.speak(&locale);
        let view = run.view(request.now.today);
        let page = RunPage::of(&opened, &run, &view, &locale, &request);
        Ok(self.render("run.html", context! { page => Jinja::from(minijinja::value::Serde(&page)), title => page_title(&opened), lang => locale }))
    }
}

fn page_title(opened: &Opened) -> String {
    format!("{} — {}", opened.file.name, opened.file.playbook)
}

/// What a run's page needs to be drawn.
pub struct RunRequest<'a> {
    /// The state file.
    pub path: &'a Path,
    /// Its path under the folder served, as links name it.
    pub file: &'a str,
    pub locale: Option<&'a str>,
    pub now: Now,
    pub csrf: &'a str,
    /// What the last change did.
    pub said: Option<String>,
    /// Why the last change was refused.
    pub refused: Option<Refusal>,
    pub describe: fn(session::Error) -> String,
}

/// A refusal as the page shows it: the engine's message, what is missing,
/// its help.
#[derive(Debug, Serialize)]
pub struct Refusal {
    pub message: String,
    pub missing: Vec<String>,
    pub help: Option<String>,
}

impl Refusal {
    pub fn new(message: String) -> Refusal {
        Refusal {
            message,
            missing: Vec::new(),
            help: None,
        }
    }
}

#[derive(Serialize)]
struct RowPage {
    file: String,
    link: Option<String>,
    name: String,
    owner: String,
    playbook: String,
    current_step: String,
    progress: String,
    percent: usize,
    complete: bool,
    next_action_date: String,
    overdue: bool,
    problems: Vec<String>,
}

impl RowPage {
    fn of(r: &Row) -> RowPage {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
        let progress = match (r.complete, r.done, r.total) {
            (Some(true), _, _) => "complete".to_string(),
            (_, Some(d), Some(t)) => format!("{d}/{t}"),
            _ => "-".to_string(),
        };
        let percent = match (r.complete, r.done, r.total) {
            (Some(true), _, _) => 100,
            (_, Some(d), Some(t)) if t > 0 => d * 100 / t,
            _ => 0,
        };
        let link = r.name.is_some().then(|| {
            format!(
                "/run?file={}",
                url::form_urlencoded::byte_serialize(r.shown.as_bytes()).collect::<String>()
            )
        });
        RowPage {
            file: r.shown.clone(),
            link,
            name: dash(&r.name),
            owner: dash(&r.owner),
            playbook: dash(&r.playbook),
            current_step: dash(&r.current_step),
            progress,
            percent,
            complete: r.complete == Some(true),
            next_action_date: dash(&r.next_action_date),
            overdue: r.overdue,
            problems: r.problems.clone(),
        }
    }
}

/// The words of the page, in the run's locale where the CLI has them.
#[derive(Serialize)]
struct Words {
    steps: &'static str,
    entry: &'static str,
    exit: &'static str,
    evidence: &'static str,
    note: &'static str,
    optional: &'static str,
    next: &'static str,
    playbook: &'static str,
    next_action_date: &'static str,
    done: &'static str,
    skipped: &'static str,
    log: &'static str,
}

impl Words {
    fn of(w: &RunWords) -> Words {
        Words {
            steps: w.steps,
            entry: w.entry,
            exit: w.exit,
            evidence: w.evidence,
            note: w.note,
            optional: w.optional.trim(),
            next: w.next,
            playbook: w.playbook,
            next_action_date: w.next_action_date,
            done: w.done,
            skipped: w.skipped,
            log: w.log,
        }
    }
}

#[derive(Serialize)]
struct RunPage {
    file: String,
    action: String,
    csrf: String,
    name: String,
    title: String,
    playbook: String,
    owner: Option<String>,
    locale: String,
    progress_line: String,
    percent: usize,
    complete: bool,
    next_action: Option<String>,
    overdue: bool,
    pinned: Option<String>,
    /// Who holds the run's lock now, as a change would be told.
    locked: Option<String>,
    said: Option<String>,
    refused: Option<Refusal>,
    words: Words,
    steps: Vec<StepPage>,
    next: Vec<String>,
    can_undo: bool,
    events: usize,
}

#[derive(Serialize)]
struct StepPage {
    id: String,
    title: String,
    status: &'static str,
    status_word: &'static str,
    open: bool,
    skipped: Option<String>,
    waits: Vec<String>,
    gates: Vec<GatePage>,
    items: Vec<ItemPage>,
    more: Vec<String>,
    can_complete: bool,
}

#[derive(Serialize)]
struct GatePage {
    criterion: String,
    kind: &'static str,
    text: String,
    recorded: bool,
    evidence: Option<String>,
    waits: Vec<String>,
}

#[derive(Serialize)]
struct ItemPage {
    key: String,
    kind: &'static str,
    depth: usize,
    optional: bool,
    mark: String,
    status: &'static str,
    text: String,
    waits: Vec<String>,
    /// A form to tick it (and, when optional, to skip it).
    can_do: bool,
    /// A form to answer it.
    can_answer: bool,
    /// The choices of a decision, value and label; empty for free text.
    choices: Vec<(String, String)>,
    /// What an answer is, in words.
    answer_type: String,
    skip_reason: Option<String>,
}

impl RunPage {
    fn of(
        opened: &Opened,
        run: &Run<'_>,
        view: &View<'_>,
        locale: &str,
        request: &RunRequest<'_>,
    ) -> RunPage {
        let m = run.model;
        let w = &labels::get(locale).run;
        let title = m
            .header
            .title
            .as_ref()
            .map(|t| text::render(run, t, locale, &[]))
            .unwrap_or_else(|| m.id.clone());
        let mut progress_line = fill(
            w.progress_line,
            &[&view.done.to_string(), &view.total.to_string()],
        );
        if view.complete {
            progress_line.push_str(w.complete_suffix);
        }
        let waits = |bs: &[Blocker]| -> Vec<String> {
            bs.iter()
                .map(|b| fill(w.waits, &[&blocker(w, b)]))
                .collect()
        };
        let mut action = format!("/run?file={}", encode(request.file));
        if let Some(l) = request.locale {
            action.push_str(&format!("&locale={}", encode(l)));
        }
        let steps = view
            .steps
            .iter()
            .map(|s| {
                let open = matches!(
                    s.status,
                    StepStatus::Ready | StepStatus::Active | StepStatus::Blocked
                );
                let gates = s
                    .entry
                    .iter()
                    .chain(&s.exit)
                    .filter(|g| g.applies != Applicability::No)
                    .map(|g| GatePage {
                        criterion: g.criterion.clone(),
                        kind: match g.kind {
                            GateKind::Entry => w.entry,
                            GateKind::Exit => w.exit,
                        },
                        text: m
                            .criterion(&g.criterion)
                            .map(|c| text::render(run, &c.text, locale, &[]))
                            .unwrap_or_default(),
                        recorded: g.recorded,
                        evidence: run.state.evidence(&g.criterion).map(str::to_string),
                        waits: waits(&g.waits),
                    })
                    .collect();
                // Blockers an item shares with the item it is nested in
                // are shown once, on the outer item.
                let mut outer: Vec<&[Blocker]> = Vec::new();
                let items = s
                    .items
                    .iter()
                    .map(|i| {
                        outer.truncate(i.depth);
                        let inherited: &[Blocker] = outer.last().copied().unwrap_or(&[]);
                        let own: Vec<Blocker> = i
                            .blockers
                            .iter()
                            .filter(|b| !inherited.contains(b))
                            .cloned()
                            .collect();
                        while outer.len() <= i.depth {
                            outer.push(&i.blockers);
                        }
                        let is_open = i.status == ItemStatus::Open;
                        let decision = (i.kind == ItemKind::Ask)
                            .then(|| {
                                m.decisions
                                    .iter()
                                    .find(|d| d.id == crate::run::engine::base(&i.key))
                            })
                            .flatten();
                        ItemPage {
                            key: i.key.clone(),
                            kind: i.kind.as_str(),
                            depth: i.depth,
                            optional: i.optional && i.kind == ItemKind::Do,
                            mark: mark(run, &i.status, i.kind, w, locale),
                            status: i.status.name(),
                            text: i
                                .text
                                .map(|t| text::render(run, t, locale, &i.bindings))
                                .unwrap_or_default(),
                            waits: waits(&own),
                            can_do: open && is_open && i.kind == ItemKind::Do,
                            can_answer: open && is_open && i.kind == ItemKind::Ask,
                            choices: decision
                                .map(|d| choices(run, &d.ty, locale))
                                .unwrap_or_default(),
                            answer_type: decision
                                .map(|d| value::describe_type(m, &d.ty))
                                .unwrap_or_default(),
                            skip_reason: match &i.status {
                                ItemStatus::Skipped(r) => Some(r.clone()),
                                _ => None,
                            },
                        }
                    })
                    .collect();
                StepPage {
                    id: s.step.id.clone(),
                    title: text::render(run, &s.step.title, locale, &[]),
                    status: s.status.as_str(),
                    status_word: step_status(w, s.status),
                    open,
                    skipped: s
                        .skipped_because
                        .as_ref()
                        .map(|why| fill(w.skipped_line, &[why])),
                    waits: waits(&s.blockers),
                    gates,
                    items,
                    more: s
                        .pending
                        .iter()
                        .map(|p| fill(w.more_items, &[&blocker(w, p)]))
                        .collect(),
                    can_complete: matches!(s.status, StepStatus::Ready | StepStatus::Active),
                }
            })
            .collect();
        RunPage {
            file: request.file.to_string(),
            action,
            csrf: request.csrf.to_string(),
            name: opened.file.name.clone(),
            title,
            playbook: m.id.clone(),
            owner: opened.file.owner.clone(),
            locale: locale.to_string(),
            progress_line,
            percent: (view.done * 100)
                .checked_div(view.total)
                .unwrap_or(if view.complete { 100 } else { 0 }),
            complete: view.complete,
            next_action: run
                .next_action_date()
                .map(|d| fill(w.next_action_line, &[&d.to_string()])),
            overdue: crate::runs::overdue(run, request.now.today),
            pinned: opened.pinned.as_ref().map(|p| p.describe()),
            locked: crate::run_store::held(request.path).map(|e| e.to_string()),
            said: request.said.clone(),
            refused: None,
            words: Words::of(w),
            steps,
            next: view.next.iter().map(|n| n.command()).collect(),
            can_undo: run.events.len() > 1,
            events: run.events.len(),
        }
        .with_refusal(request)
    }

    fn with_refusal(mut self, request: &RunRequest<'_>) -> RunPage {
        self.refused = request.refused.as_ref().map(|r| Refusal {
            message: r.message.clone(),
            missing: r.missing.clone(),
            help: r.help.clone(),
        });
        self
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The mark of an item, as `run status` writes it.
fn mark(run: &Run<'_>, status: &ItemStatus, kind: ItemKind, w: &RunWords, locale: &str) -> String {
    match (status, kind) {
        (_, ItemKind::Tip) => w.tip.to_string(),
        (_, ItemKind::Warning) => w.warning.to_string(),
        (ItemStatus::Done, _) => "✓".to_string(),
        (ItemStatus::Skipped(_), _) => "–".to_string(),
        (ItemStatus::Answered(v), _) => text::value(run, v, locale),
        _ => String::new(),
    }
}

/// The choices of a decision of type `ty`: its values with their labels in
/// `locale`; none for a type answered in free text.
fn choices(run: &Run<'_>, ty: &Type, locale: &str) -> Vec<(String, String)> {
    match ty {
        Type::Bool => [true, false]
            .iter()
            .map(|b| (b.to_string(), text::value(run, &Value::Bool(*b), locale)))
            .collect(),
        Type::Enum(id) => value::enum_values(run.model, id)
            .into_iter()
            .map(|v| {
                let label = text::value(run, &Value::Enum(v.to_string()), locale);
                let shown = if label == v {
                    label
                } else {
                    format!("{label} ({v})")
                };
                (v.to_string(), shown)
            })
            .collect(),
        _ => Vec::new(),
    }
}
