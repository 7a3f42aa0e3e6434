//! The Simplified Chinese Markdown export of the shipped playbook is the seed
//! document again: the same sections in the same order, and every fact of
//! the seed in its place.
//!
//! Both documents are read with a CommonMark parser (`md_lines`), so the
//! comparison is of what a reader sees. The facts are those `seed.rs`
//! checks against the model; the tables, the front matter and the lines
//! under each step title are read from the seed itself.

use super::md_lines::{self, Line, Read, join};
use super::seed::{self, GateFact, When, norm};
use playbook::export::markdown;
use playbook::ir::{self, Item};
use playbook::labels;
use std::sync::OnceLock;

fn export() -> &'static Read {
    static READ: OnceLock<Read> = OnceLock::new();
    READ.get_or_init(|| md_lines::read(&markdown::render(seed::model(), "zh")))
}

fn seed_doc() -> &'static Read {
    static READ: OnceLock<Read> = OnceLock::new();
    READ.get_or_init(|| md_lines::read(seed::seed()))
}

/// Normalised text with the playbook's loop variables taken out: the seed's
/// sentence "审查已完成的活动" has no counterpart of the workload the
/// playbook names in it, which the document shows as the word for what the
/// loop walks ("审查 服务 已完成的活动", the placeholder set apart by spaces).
fn norm_doc(text: &str) -> String {
    let mut vars = Vec::new();
    for step in &seed::model().steps {
        ir::walk_items(&step.items, &mut |item| {
            if let Item::ForEach { var, .. } = item {
                vars.push(var.clone());
            }
        });
    }
    let service = format!(" {} ", playbook::labels::get("zh").service);
    let mut text = norm(&text.replace(&service, " "));
    for v in vars {
        text = text.replace(&v, "");
    }
    text
}

fn zh(text: &ir::LText) -> &str {
    text.text.get("zh").expect("a zh text")
}

/// The zh title of a step of the shipped playbook.
fn step_title(id: &str) -> &'static str {
    zh(&seed::model().step(id).expect("a step").title)
}

/// The lines of a step's section, split into instructions, quality inputs
/// and quality outputs at the seed's own bold headings.
fn step_parts(read: &Read, step: &str) -> [Vec<Line>; 3] {
    let section: Vec<Line> = read
        .section(3, step_title(step))
        .into_iter()
        .cloned()
        .collect();
    let at = |label: &str| {
        section
            .iter()
            .position(|l| l.text == label)
            .unwrap_or_else(|| panic!("`{step}` has no line {label:?}"))
    };
    let inputs = at(labels::ZH.quality_inputs);
    let outputs = at(labels::ZH.quality_outputs);
    assert!(inputs < outputs, "`{step}`: inputs come before outputs");
    [
        section[..inputs].to_vec(),
        section[inputs + 1..outputs].to_vec(),
        section[outputs + 1..].to_vec(),
    ]
}

#[test]
fn zh_outline_is_the_seeds() {
    let want = seed_doc().outline();
    assert!(want.len() >= 10, "the seed has its sections: {want:?}");
    assert_eq!(export().outline(), want);
}

#[test]
fn every_quotation_of_the_seed_is_in_the_zh_document() {
    // The front matter holds the author and owner, as the seed's does.
    let text = norm_doc(&format!("{}\n{}", export().front_matter, export().text()));
    let urls: Vec<&str> = export().links.iter().map(|(_, u)| u.as_str()).collect();
    for quote in seed::quotations() {
        if quote.starts_with("http") {
            assert!(
                urls.iter().any(|u| u.starts_with(quote)),
                "no link to {quote}"
            );
        } else if quote == "10/01/2019" {
            // The front-matter date; `front_matter_is_the_seeds` reads it.
            continue;
        } else {
            assert!(
                text.contains(&norm_doc(quote)),
                "the document lacks the seed's {quote:?}"
            );
        }
    }
}

#[test]
fn front_matter_is_the_seeds() {
    let field = |front: &str, key: &str| -> Option<String> {
        front.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
        })
    };
    let seed_front = &seed_doc().front_matter;
    let ours = &export().front_matter;
    for (seed_key, our_key) in [
        ("author", "author"),
        ("ft.owner", "owner"),
        ("ft.audience", "audience"),
    ] {
        let want = field(seed_front, seed_key).unwrap_or_else(|| panic!("seed: {seed_key}"));
        assert_eq!(field(ours, our_key), Some(want), "{our_key}");
    }
    // The seed writes the date as MM/DD/YYYY; the export as ISO 8601.
    let date = field(seed_front, "ms.date").expect("seed: ms.date");
    let [m, d, y] = <[&str; 3]>::try_from(date.split('/').collect::<Vec<_>>()).expect("M/D/Y");
    let iso = format!("{y}-{m:0>2}-{d:0>2}");
    assert_eq!(field(ours, "date"), Some(iso));
    assert_eq!(
        field(ours, "description").as_deref(),
        Some(zh(seed::model().header.description.as_ref().unwrap()))
    );
}

#[test]
fn title_and_phase() {
    let title = &export().lines[0];
    assert_eq!(title.heading, Some(1));
    assert_eq!(title.text, seed::TITLE);
    // The line under the title, as the seed writes it: "阶段: 启用".
    let phase_line = &seed_doc()
        .lines
        .iter()
        .find(|l| l.text.contains(seed::PHASE_LABEL) && l.heading.is_none())
        .expect("the seed's phase line")
        .text;
    assert_eq!(&export().lines[1].text, phase_line);
}

#[test]
fn overview_and_lists_hold_the_seeds_sentences() {
    let l = &labels::ZH;
    let overview = join(export().section(2, l.overview));
    assert_eq!(norm(&overview), norm(seed::OVERVIEW));
    let lines = |heading: &str| -> Vec<String> {
        export()
            .section(2, heading)
            .iter()
            .map(|l| norm(&l.text))
            .collect()
    };
    let want: Vec<String> = seed::OBJECTIVES.iter().map(|(_, t)| norm(t)).collect();
    assert_eq!(lines(l.objectives), want);
    let want: Vec<String> = seed::KEY_INPUTS.iter().map(|t| norm(t)).collect();
    assert_eq!(lines(l.key_inputs), want);
    let want: Vec<String> = seed::KEY_OUTPUTS.iter().map(|t| norm(t)).collect();
    assert_eq!(lines(l.key_outputs), want);
    assert_eq!(lines(l.next_steps), [norm(seed::NEXT_STEP)]);
}

#[test]
fn each_step_has_the_seeds_role_motions_and_services() {
    for step in ["prepare", "conduct"] {
        let ours = export().section(3, step_title(step));
        let theirs = seed_doc().section(3, step_title(step));
        // The seed's "label: value" lines under the step title.
        let facts: Vec<(&str, &str)> = theirs
            .iter()
            .take_while(|l| l.text.contains(": "))
            .filter_map(|l| l.text.split_once(": "))
            .collect();
        assert_eq!(facts.len(), 3, "`{step}` in the seed: {facts:?}");
        for (label, value) in facts {
            let line = ours
                .iter()
                .find_map(|l| l.text.strip_prefix(&format!("{label}: ")))
                .unwrap_or_else(|| panic!("`{step}` has no {label:?} line"));
            assert!(
                norm(line).contains(&norm(value)),
                "`{step}`: {label} is {line:?}, the seed says {value:?}"
            );
        }
    }
}

#[test]
fn each_instruction_is_under_its_step() {
    let facts = seed::ITEMS
        .iter()
        .chain(seed::ITEM_PHRASES)
        .map(|(s, _, t)| (*s, *t));
    let queues = seed::QUEUES.iter().map(|(_, label, _)| ("conduct", *label));
    for (step, text) in facts.chain(queues) {
        let [instructions, ..] = step_parts(export(), step);
        assert!(
            norm_doc(&join(&instructions)).contains(&norm_doc(text)),
            "the instructions of `{step}` lack {text:?}"
        );
    }
    let prepare = &step_parts(export(), "prepare")[0];
    let atu = export()
        .links
        .iter()
        .find(|(text, _)| text == seed::ATU_TEMPLATE_LABEL)
        .expect("a link to the ATU template");
    assert_eq!(atu.1, seed::ATU_TEMPLATE_URL);
    assert!(join(prepare).contains(seed::ATU_TEMPLATE_LABEL));
}

/// Checks the quality inputs or outputs of a step: each fact on a line of
/// its own, in order, with its condition.
fn check_gates(step: &str, part: usize, facts: &[GateFact]) {
    let model = seed::model();
    let lines = &step_parts(export(), step)[part];
    assert_eq!(lines.len(), facts.len(), "`{step}`: {lines:#?}");
    for (line, (id, _, when, phrase)) in lines.iter().zip(facts) {
        assert!(
            norm(&line.text).contains(&norm(phrase)),
            "`{step}` `{id}`: {:?} lacks {phrase:?}",
            line.text
        );
        let not = labels::ZH.not.replace("{x}", "");
        let yes = labels::ZH.answer_yes.replace("{x}", "");
        let no = labels::ZH.answer_no.replace("{x}", "");
        let label = |id: &str| -> &str {
            model
                .inputs
                .iter()
                .find(|i| i.id == id)
                .and_then(|i| i.label.as_ref())
                .map(zh)
                .or_else(|| {
                    model
                        .decisions
                        .iter()
                        .find(|d| d.id == id)
                        .map(|d| zh(&d.question))
                })
                .unwrap_or_else(|| panic!("no input or decision `{id}`"))
        };
        let t = &line.text;
        let ok = match *when {
            When::Always => !t.starts_with("如果"),
            When::Input(i) => t.contains(label(i)) && !t.contains(&not),
            When::NotInput(i) => t.contains(label(i)) && t.contains(&not),
            When::Decision(d) => t.contains(label(d)) && t.contains(&yes),
            When::NotDecision(d) => t.contains(label(d)) && t.contains(&no),
        };
        assert!(ok, "`{step}` `{id}` should hold {when:?}: {t:?}");
    }
}

#[test]
fn quality_inputs_and_outputs_with_their_conditions() {
    check_gates("prepare", 1, seed::PREPARE_ENTRY);
    check_gates("prepare", 2, seed::PREPARE_EXIT);
    check_gates("conduct", 1, seed::CONDUCT_ENTRY);
    // The conduct step's outputs run up to its task table.
    let lines = &step_parts(export(), "conduct")[2];
    let table = lines
        .iter()
        .position(|l| l.text == labels::ZH.tasks)
        .expect("the task table follows the outputs");
    assert_eq!(table, seed::CONDUCT_EXIT.len());
}

#[test]
fn conduct_outputs() {
    let model = seed::model();
    let lines = &step_parts(export(), "conduct")[2];
    let outputs = &lines[..seed::CONDUCT_EXIT.len()];
    for (line, (id, _, _, phrase)) in outputs.iter().zip(seed::CONDUCT_EXIT) {
        assert!(
            norm(&line.text).contains(&norm(phrase)),
            "`{id}`: {:?} lacks {phrase:?}",
            line.text
        );
        let c = model.criterion(id).expect("a criterion");
        assert!(norm(&line.text).contains(&norm(zh(&c.text))));
    }
}

/// The rows of the table under `heading`, header included.
fn table(read: &Read, level: usize, heading: &str) -> Vec<Vec<String>> {
    read.section(level, heading)
        .iter()
        .filter(|l| !l.cells.is_empty())
        .map(|l| l.cells.clone())
        .collect()
}

#[test]
fn task_table_is_the_seeds() {
    const LEVEL: usize = 4;
    let heading = labels::ZH.tasks;
    let want = table(seed_doc(), LEVEL, heading);
    assert_eq!(want.len(), 2, "the seed's task table: {want:?}");
    assert_eq!(table(export(), LEVEL, heading), want);
    assert_eq!(want[1][1], seed::TASK_4058);
    assert_eq!(want[1][3], seed::FM_LABEL);
}

#[test]
fn refresh_summary_is_the_seeds() {
    const LEVEL: usize = 2;
    let heading = labels::ZH.history;
    let mut want = table(seed_doc(), LEVEL, heading);
    assert_eq!(want.len(), 5, "the seed's refresh summary: {want:?}");
    // The seed writes M/D/YYYY; the export ISO 8601.
    for row in &mut want[1..] {
        let parts: Vec<u32> = row[0]
            .split('/')
            .map(|p| p.parse().expect("a number"))
            .collect();
        row[0] = format!("{:04}-{:02}-{:02}", parts[2], parts[0], parts[1]);
    }
    assert_eq!(table(export(), LEVEL, heading), want);
}

#[test]
fn ends_with_the_home_link() {
    let (text, url) = export().links.last().expect("links");
    assert_eq!(text, seed::HOME_LABEL);
    assert_eq!(url, seed::HOME_URL);
    let last = seed_doc().lines.last().expect("the seed's last line");
    assert_eq!(export().lines.last().map(|l| &l.text), Some(&last.text));
}
