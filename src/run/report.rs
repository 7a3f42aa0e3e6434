//! The audit document of a run, as Markdown or HTML: per step, who did what
//! and when, the evidence of each gate, the answers given and the values
//! computed; then the whole log.
//!
//! The document is built once as sections of paragraphs and tables, then
//! rendered; every text from the playbook or the run is escaped for the
//! target format. Output is a pure function of the run and the locale.

use super::engine::{Applicability, ItemKind, ItemStatus, Run, StepStatus, View};
use super::event::{Effect, Event, EventKind};
use super::{text, value};
use crate::doc::{self, HtmlCell};
use crate::escape::{html_lines, markdown_lines};
use crate::ir::GateKind;
use crate::labels::{self, RunWords, fill};

/// One block of the document.
enum Block {
    Heading(u8, String),
    Para(String),
    /// Header row, then rows.
    Table(Vec<&'static str>, Vec<Vec<String>>),
}

pub struct Report {
    blocks: Vec<Block>,
    title: String,
    /// What an empty table shows.
    none: &'static str,
}

/// A step's status in words.
pub fn step_status(w: &RunWords, status: StepStatus) -> &'static str {
    match status {
        StepStatus::Blocked => w.blocked,
        StepStatus::Ready => w.ready,
        StepStatus::Active => w.active,
        StepStatus::Done => w.done,
        StepStatus::Skipped => w.skipped,
    }
}

/// What a step, item or gate waits for, in the words of `w`.
pub fn blocker(w: &RunWords, b: &super::engine::Blocker) -> String {
    b.say(w)
}

/// When an event happened, to the second: the log keeps the exact time,
/// a reader needs no nanoseconds.
fn when(e: &Event) -> String {
    format!("{:.0}", e.time)
}

impl Report {
    /// Names the compiled playbook the run followed, by its fingerprint,
    /// and says when that is the model pinned in the state file because the
    /// playbook has changed since.
    pub fn version(mut self, fingerprint: &str, pinned: bool, locale: &str) -> Report {
        let w = &labels::get(locale).run;
        let short = &fingerprint[..fingerprint.len().min(19)];
        let text = if pinned {
            format!("{short} ({})", w.pinned)
        } else {
            short.to_string()
        };
        if let Some(Block::Table(_, rows)) = self.blocks.get_mut(1) {
            rows.insert(1, vec![w.version.to_string(), text]);
        }
        self
    }

    /// Names who answers for the run, after its name (a run started
    /// before owners existed has none, and no row).
    pub fn owner(mut self, owner: Option<&str>, locale: &str) -> Report {
        let w = &labels::get(locale).run;
        if let (Some(owner), Some(Block::Table(_, rows))) = (owner, self.blocks.get_mut(1)) {
            let at = rows
                .iter()
                .position(|r| r.first().map(String::as_str) == Some(w.run))
                .map_or(rows.len(), |i| i + 1);
            rows.insert(at, vec![w.owner.to_string(), owner.to_string()]);
        }
        self
    }

    pub fn new(run: &Run<'_>, view: &View<'_>, name: &str, locale: &str) -> Report {
        let m = run.model;
        let event = |seq: u64| run.events.get(seq as usize - 1);
        let w = &labels::get(locale).run;
        let by = |seq: u64| {
            event(seq)
                .map(|e| (e.actor.clone(), when(e)))
                .unwrap_or_default()
        };
        let by_whom = |a: &str, t: &str| fill(w.by, &[t, a]);
        let title = fill(w.report_title, &[name]);
        let mut blocks = vec![Block::Heading(1, title.clone())];
        let playbook_title = m
            .header
            .title
            .as_ref()
            .map(|t| text::render(run, t, locale, &[]))
            .unwrap_or_default();
        let start = &run.events[0];
        let last = run.events.last().unwrap_or(start);
        blocks.push(Block::Table(
            vec!["", ""],
            vec![
                vec![w.playbook.into(), format!("{} ({})", playbook_title, m.id)],
                vec![w.run.into(), name.to_string()],
                vec![
                    w.status.into(),
                    if view.complete {
                        w.complete
                    } else {
                        w.in_progress
                    }
                    .to_string(),
                ],
                vec![w.progress.into(), format!("{}/{}", view.done, view.total)],
                vec![w.started.into(), by_whom(&start.actor, &when(start))],
                vec![
                    w.last_change.into(),
                    fill(
                        w.by_event,
                        &[&when(last), &last.actor, &last.seq.to_string()],
                    ),
                ],
                vec![
                    w.next_action_date.into(),
                    run.next_action_date()
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| w.not_set.to_string()),
                ],
            ],
        ));

        blocks.push(Block::Heading(2, w.inputs.into()));
        blocks.push(Block::Table(
            vec![w.input, w.value],
            m.inputs
                .iter()
                .map(|i| {
                    let label = i
                        .label
                        .as_ref()
                        .map(|l| text::render(run, l, locale, &[]))
                        .unwrap_or_else(|| i.id.clone());
                    vec![
                        format!("{label} ({})", i.id),
                        run.inputs
                            .get(&i.id)
                            .map(|v| text::value_with_id(run, v, locale))
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        ));

        blocks.push(Block::Heading(2, w.computed_values.into()));
        let mut computed: Vec<Vec<String>> = run
            .lets()
            .iter()
            .map(|(k, v)| {
                vec![
                    fill(w.definition, &[k]),
                    text::value_with_id(run, v, locale),
                    fill(w.at_start, &[&when(start)]),
                ]
            })
            .collect();
        for e in run.effective_events() {
            if let EventKind::Done { effects, .. } = &e.kind {
                for effect in effects {
                    let row = match effect {
                        Effect::Set { item, field, value } => Some(vec![
                            fill(w.field_set, &[field, item]),
                            text::value_with_id(run, value, locale),
                            by_whom(&e.actor, &when(e)),
                        ]),
                        Effect::Request {
                            item,
                            role,
                            field: Some((field, value)),
                        } => Some(vec![
                            fill(w.field_requested, &[field, role, item]),
                            text::value_with_id(run, value, locale),
                            by_whom(&e.actor, &when(e)),
                        ]),
                        _ => None,
                    };
                    computed.extend(row);
                }
            }
        }
        blocks.push(Block::Table(vec![w.value, w.result, w.computed], computed));

        if !view.tasks.is_empty() {
            blocks.push(Block::Heading(2, w.mandatory_tasks.into()));
            blocks.push(Block::Table(
                vec![w.task, w.completed],
                view.tasks
                    .iter()
                    .map(|(n, _)| {
                        let name = m
                            .task(*n)
                            .map(|t| text::render(run, &t.name, locale, &[]))
                            .unwrap_or_default();
                        let done = run
                            .state
                            .tasks
                            .get(n)
                            .and_then(|s| s.last())
                            .map(|seq| {
                                let (a, t) = by(*seq);
                                by_whom(&a, &t)
                            })
                            .unwrap_or_else(|| w.no.to_string());
                        vec![format!("{n} {name}"), done]
                    })
                    .collect(),
            ));
        }

        blocks.push(Block::Heading(2, w.steps.into()));
        for s in &view.steps {
            blocks.push(Block::Heading(
                3,
                format!(
                    "{} ({}): {}",
                    text::render(run, &s.step.title, locale, &[]),
                    s.step.id,
                    step_status(w, s.status)
                ),
            ));
            if let Some(why) = &s.skipped_because {
                blocks.push(Block::Para(fill(w.skipped_because, &[why])));
                continue;
            }
            if s.status == StepStatus::Done
                && let Some(seq) = run.state.completed.get(&s.step.id)
            {
                let (a, t) = by(*seq);
                blocks.push(Block::Para(fill(w.completed_by, &[&t, &a])));
            }
            let gates: Vec<Vec<String>> = s
                .entry
                .iter()
                .chain(&s.exit)
                .filter(|g| g.applies != Applicability::No)
                .map(|g| {
                    let c = m.criterion(&g.criterion);
                    let kind = match g.kind {
                        GateKind::Entry => w.entry,
                        GateKind::Exit => w.exit,
                    };
                    let note = c
                        .and_then(|c| m.notes.iter().find(|n| n.id == c.note))
                        .map(|n| text::render(run, &n.label, locale, &[]))
                        .unwrap_or_default();
                    let recorded = run.state.recorded.get(&g.criterion).and_then(|v| v.last());
                    let (evidence, who) = match recorded {
                        Some((evidence, seq)) => {
                            let (a, t) = by(*seq);
                            (evidence.clone(), by_whom(&a, &t))
                        }
                        None if g.added_later => (w.added_later.to_string(), String::new()),
                        None => (w.not_recorded.to_string(), String::new()),
                    };
                    vec![
                        format!("{kind} {}", g.criterion),
                        c.map(|c| text::render(run, &c.text, locale, &[]))
                            .unwrap_or_default(),
                        note,
                        evidence,
                        who,
                    ]
                })
                .collect();
            if !gates.is_empty() {
                blocks.push(Block::Table(
                    vec![w.criterion, w.requirement, w.note, w.evidence, w.recorded],
                    gates,
                ));
            }
            let mut items = Vec::new();
            for i in &s.items {
                if !matches!(i.kind, ItemKind::Do | ItemKind::Ask) {
                    continue;
                }
                let text = i
                    .text
                    .map(|t| text::render(run, t, locale, &i.bindings))
                    .unwrap_or_default();
                let (state, who, note) = match &i.status {
                    ItemStatus::Done => {
                        let seq = run.state.done.get(&i.key).copied().unwrap_or(0);
                        let (a, t) = by(seq);
                        let note = event(seq)
                            .and_then(|e| match &e.kind {
                                EventKind::Done { note, .. } => note.clone(),
                                _ => None,
                            })
                            .unwrap_or_default();
                        (w.done.to_string(), by_whom(&a, &t), note)
                    }
                    ItemStatus::Skipped(reason) => {
                        let seq = run.state.skipped.get(&i.key).map(|(_, s)| *s).unwrap_or(0);
                        let (a, t) = by(seq);
                        (w.skipped.to_string(), by_whom(&a, &t), reason.clone())
                    }
                    ItemStatus::Answered(v) => {
                        let seq = run.state.answers.get(&i.key).map(|(_, s)| *s).unwrap_or(0);
                        let (a, t) = by(seq);
                        (
                            fill(w.answered, &[&text::value(run, v, locale)]),
                            by_whom(&a, &t),
                            String::new(),
                        )
                    }
                    ItemStatus::AddedLater => {
                        (w.added_later.to_string(), String::new(), String::new())
                    }
                    _ => (w.open.to_string(), String::new(), String::new()),
                };
                items.push(vec![i.key.clone(), text, state, who, note]);
            }
            if !items.is_empty() {
                blocks.push(Block::Table(
                    vec![w.item, w.instruction, w.state, w.when, w.note],
                    items,
                ));
            }
        }

        blocks.push(Block::Heading(2, w.log.into()));
        blocks.push(Block::Table(
            vec![w.number, w.time, w.actor, w.event],
            run.events
                .iter()
                .map(|e| {
                    vec![
                        e.seq.to_string(),
                        when(e),
                        e.actor.clone(),
                        describe(e, locale),
                    ]
                })
                .collect(),
        ));
        if !run.state.unmapped.is_empty() {
            let events: Vec<String> = run.state.unmapped.iter().map(u64::to_string).collect();
            blocks.push(Block::Para(fill(w.unmapped, &[&events.join(", ")])));
        }
        Report {
            blocks,
            title,
            none: w.none,
        }
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            match b {
                Block::Heading(level, t) => {
                    doc::markdown_heading(&mut out, *level as usize, &markdown_lines(t))
                }
                Block::Para(t) => out.push_str(&format!("{}\n\n", markdown_lines(t))),
                Block::Table(_, rows) if rows.is_empty() => {
                    out.push_str(&format!("{}\n\n", markdown_lines(self.none)))
                }
                Block::Table(head, rows) => {
                    let head: Vec<String> = head.iter().map(|h| markdown_lines(h)).collect();
                    let rows = rows
                        .iter()
                        .map(|r| r.iter().map(|c| markdown_lines(c)).collect());
                    doc::markdown_table(&mut out, &head, &[], rows);
                    out.push('\n');
                }
            }
        }
        out
    }

    pub fn html(&self) -> String {
        let mut out = format!(
            "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
             <style>body{{font-family:sans-serif;max-width:70em;margin:auto}}\
             table{{border-collapse:collapse;margin-bottom:1em}}\
             td,th{{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}}</style>\n\
             </head>\n<body>\n",
            html_lines(&self.title)
        );
        for b in &self.blocks {
            match b {
                Block::Heading(level, t) => {
                    out.push_str(&format!("<h{level}>{}</h{level}>\n", html_lines(t)))
                }
                Block::Para(t) => out.push_str(&format!("<p>{}</p>\n", html_lines(t))),
                Block::Table(_, rows) if rows.is_empty() => {
                    out.push_str(&format!("<p>{}</p>\n", html_lines(self.none)))
                }
                Block::Table(head, rows) => {
                    let head: Vec<String> = head.iter().map(|h| html_lines(h)).collect();
                    let rows = rows
                        .iter()
                        .map(|r| r.iter().map(|c| HtmlCell::from(html_lines(c))).collect());
                    doc::html_table(&mut out, &head, rows);
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

fn describe(e: &Event, locale: &str) -> String {
    let r = crate::labels::refuse::get(locale);
    match &e.kind {
        EventKind::Start { .. } => r.log_start.to_string(),
        EventKind::Done { items, note, .. } => {
            let mut s = fill(r.log_done, &[&items.join(", ")]);
            if let Some(n) = note {
                s.push_str(&fill(r.log_note, &[n]));
            }
            s
        }
        EventKind::Answer { decision, value } => {
            fill(r.log_answer, &[decision, &value::show(value)])
        }
        EventKind::Record {
            criterion,
            evidence,
        } => fill(r.log_record, &[criterion, evidence]),
        EventKind::Complete { step } => fill(r.log_complete, &[step]),
        EventKind::Skip { item, reason } => fill(r.log_skip, &[item, reason]),
        EventKind::Undo { undoes } => fill(r.log_undo, &[&undoes.to_string()]),
        EventKind::Migrate { changes, .. } => fill(r.log_migrate, &[&changes.join("; ")]),
    }
}
