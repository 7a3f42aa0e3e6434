//! The importer on the real corpus: every process playbook (a document
//! with a primary-role line) of `tests/fixtures/shared/corpus/fasttrack/{en,zh}`
//! imports and compiles with zero errors; what it recognises is compared
//! with a plain count of the Markdown; each zh document merged into its en
//! counterpart compiles and reports its drift. And the seed merged with its
//! English original has the shipped playbook's structure. The figures are
//! printed (`cargo test --test it import_corpus -- --nocapture`) and
//! written down in docs/import.md.
//!
//! The corpus is the copy in `tests/fixtures/shared/` (the process
//! playbooks of `../shared/corpus/fasttrack/{en,zh}` and the seed; see its
//! `NOTICE.md`), so that a clone passes without `../shared`.
//! `PLAYBOOK_SHARED` points the tests at another copy of the shared folder.

use playbook::Loader;
use playbook::import::{self, Counts, merge};
use playbook::ir::Playbook;
use playbook::source::FileId;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The folder that holds `corpus/fasttrack/{en,zh}` and `seed/`.
fn shared() -> PathBuf {
    let dir = std::env::var_os("PLAYBOOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared"));
    assert!(
        dir.join("corpus/fasttrack/en").is_dir(),
        "the corpus is missing: no {}/corpus/fasttrack/en",
        dir.display()
    );
    dir
}

/// Whether a document is a process playbook: a line that starts with a
/// primary-role label. Counted without the importer.
fn is_process(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start().trim_start_matches('*');
        l.starts_with("Primary Role") || l.starts_with("主要角色")
    })
}

fn documents(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("the corpus folder is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            (
                name,
                std::fs::read_to_string(&p).expect("the document is UTF-8"),
            )
        })
        .filter(|(_, text)| is_process(text))
        .collect();
    out.sort();
    out
}

/// A loader over files held in memory.
struct Memory(BTreeMap<PathBuf, String>);

impl Loader for Memory {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        self.0
            .get(path)
            .map(|t| t.clone().into_bytes())
            .ok_or_else(|| format!("no file {}", path.display()))
    }
}

fn compile(files: &[(&str, &str)]) -> playbook::Compilation {
    let memory = Memory(
        files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect(),
    );
    playbook::compile(Path::new(files[0].0), &memory).expect("the root file is held")
}

fn errors(c: &playbook::Compilation) -> Vec<String> {
    c.diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code.name(), d.message))
        .collect()
}

#[test]
fn every_process_playbook_imports_and_compiles() {
    let shared = shared();
    let mut report = Vec::new();
    let mut total = 0;
    let mut steps_and_tasks_equal = 0;
    let mut sums: BTreeMap<&str, (Counts, Counts, usize)> = BTreeMap::new();
    let mut branches: BTreeMap<&str, usize> = BTreeMap::new();
    for locale in ["en", "zh"] {
        let docs = documents(&shared.join("corpus/fasttrack").join(locale));
        assert!(!docs.is_empty(), "no process playbooks in {locale}");
        for (name, text) in &docs {
            let imported = import::import(FileId(0), name, text, Some(locale));
            let c = compile(&[("imported.playbook", &imported.source)]);
            let errs = errors(&c);
            assert!(
                errs.is_empty(),
                "{locale}/{name} does not compile: {errs:?}\n{}",
                imported.source
            );
            // Formatted: formatting again changes nothing.
            let again = playbook::fmt::format(FileId(0), &imported.source).expect("formats");
            assert_eq!(again, imported.source, "{locale}/{name} is not formatted");
            let got = imported.document.counts();
            let plain = import::plain_counts(text);
            total += 1;
            if got.steps == plain.steps && got.tasks == plain.tasks {
                steps_and_tasks_equal += 1;
            }
            if got != plain {
                report.push(format!(
                    "{locale}/{name}: recognised {got:?}, plain {plain:?}"
                ));
            }
            let sum = sums.entry(locale).or_default();
            for (s, c) in [(&mut sum.0, got), (&mut sum.1, plain)] {
                s.steps += c.steps;
                s.tasks += c.tasks;
                s.gates += c.gates;
                s.history += c.history;
            }
            sum.2 += imported.diagnostics.len();
            let decisions = c.model.as_ref().map_or(0, |m| m.decisions.len());
            assert_eq!(
                decisions,
                imported.document.branches(),
                "{locale}/{name}: one decision per branch"
            );
            *branches.entry(locale).or_default() += decisions;
        }
    }
    for (locale, (got, plain, unrecognised)) in &sums {
        eprintln!(
            "{locale}: recognised {got:?}; plain {plain:?}; {unrecognised} import-unrecognised; {} branches",
            branches[locale]
        );
    }
    assert!(
        branches.values().all(|b| *b > 0),
        "no \"if ...\" prose became a branch: {branches:?}"
    );
    eprintln!(
        "{steps_and_tasks_equal} of {total} documents: steps and tasks equal the plain counts"
    );
    for line in &report {
        eprintln!("  {line}");
    }
    assert!(
        steps_and_tasks_equal * 100 >= total * 95,
        "only {steps_and_tasks_equal} of {total} documents match the plain counts of steps and tasks"
    );
}

/// Where a gate's criterion is declared: `None` in its own step, or
/// (step, exit, position among that step's entry or exit criteria).
type Origin = Option<(usize, bool, usize)>;

/// A step's entry and exit criteria as (origin, note number).
type StepGates = (Vec<(Origin, usize)>, Vec<(Origin, usize)>);

/// Each step's entry and exit criteria.
fn gates(p: &Playbook) -> Vec<StepGates> {
    let mut notes: Vec<String> = Vec::new();
    let mut one = |step: usize, g: &playbook::ir::Gate| -> (Origin, usize) {
        let c = p.criteria.iter().find(|c| c.id == g.criterion).unwrap();
        let at = p.steps.iter().position(|s| s.id == c.step).unwrap();
        let origin = (at != step).then(|| {
            let from = &p.steps[at];
            let exit = c.kind == playbook::ir::GateKind::Exit;
            let list = if exit { &from.exit } else { &from.entry };
            (
                at,
                exit,
                list.iter().position(|h| h.criterion == c.id).unwrap(),
            )
        });
        let note = match notes.iter().position(|n| *n == c.note) {
            Some(n) => n,
            None => {
                notes.push(c.note.clone());
                notes.len() - 1
            }
        };
        (origin, note)
    };
    p.steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                s.entry.iter().map(|g| one(i, g)).collect(),
                s.exit.iter().map(|g| one(i, g)).collect(),
            )
        })
        .collect()
}

/// The en document a zh one translates: the same name without `-sc`/`-en`.
fn counterpart(zh: &str) -> String {
    zh.trim_end_matches("-sc")
        .trim_end_matches("-en")
        .to_string()
}

#[test]
fn each_zh_document_merges_into_its_en_counterpart() {
    let shared = shared();
    let corpus = shared.join("corpus/fasttrack");
    let en: BTreeMap<String, String> = documents(&corpus.join("en")).into_iter().collect();
    let mut merged = 0;
    let mut drift_total = 0;
    let mut unmatched = Vec::new();
    for (name, text) in documents(&corpus.join("zh")) {
        let Some(en_text) = en.get(&counterpart(&name)) else {
            unmatched.push(name);
            continue;
        };
        let base = import::import(FileId(0), "base", en_text, Some("en"));
        let c = compile(&[("base.playbook", &base.source)]);
        let model = c.model.expect("the en import compiles");
        let zh = import::import(FileId(0), &name, &text, Some("zh"));
        let m = merge::merge(&model, &zh.document);
        let source = merge::with_translation(&base.source, "zh", "base.zh.toml").unwrap();
        let c = compile(&[("base.playbook", &source), ("base.zh.toml", &m.catalogue)]);
        let errs = errors(&c);
        assert!(
            errs.is_empty(),
            "zh/{name} merged does not compile: {errs:?}"
        );
        let model = c.model.expect("the merged playbook compiles");
        assert!(
            model.locales.iter().any(|l| l == "zh"),
            "zh/{name}: no zh texts"
        );
        assert!(m.matched > 0, "zh/{name}: no text matched");
        eprintln!(
            "zh/{name}: {} texts merged, {} filled from en, {} drift",
            m.matched,
            m.filled,
            m.drift.len()
        );
        for d in &m.drift {
            eprintln!("    {d}");
        }
        merged += 1;
        drift_total += m.drift.len();
    }
    eprintln!(
        "{merged} zh documents merged, {drift_total} drift reports; without an en counterpart: {unmatched:?}"
    );
    assert!(
        merged >= 20,
        "only {merged} zh documents found their en counterpart"
    );
}

#[test]
fn the_seed_and_its_english_original_merge_into_the_shipped_structure() {
    let shared = shared();
    let seed = std::fs::read_to_string(shared.join("seed/000_2f694c8ad249cbd1.txt")).unwrap();
    let english = std::fs::read_to_string(
        shared
            .join("corpus/fasttrack/en/enable-conduct-engagement-completion-discussion-partner.md"),
    )
    .unwrap();
    let base = import::import(FileId(0), "seed", &seed, None);
    assert_eq!(
        base.document.locale, "zh",
        "the seed's language is recognised"
    );
    let c = compile(&[("seed.playbook", &base.source)]);
    let model = c.model.expect("the seed imports without errors");
    let en = import::import(FileId(0), "en", &english, None);
    assert_eq!(en.document.locale, "en");
    let m = merge::merge(&model, &en.document);
    let source = merge::with_translation(&base.source, "en", "seed.en.toml").unwrap();
    let c = compile(&[("seed.playbook", &source), ("seed.en.toml", &m.catalogue)]);
    assert!(errors(&c).is_empty(), "{:?}", errors(&c));
    let merged = c.model.expect("the merged playbook compiles");

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    let shipped = playbook::compile(
        &root.join("engagement-completion-enablement.playbook"),
        &playbook::fs::FsLoader::default(),
    )
    .unwrap()
    .model
    .expect("the shipped playbook compiles");

    // Steps: owner (by English label), motions, services, the step before.
    let role_label = |p: &Playbook, id: &str| {
        let r = p.roles.iter().find(|r| r.id == id).expect("declared role");
        r.label.get("en", &p.source_locale).to_string()
    };
    let steps = |p: &Playbook| -> Vec<(String, Vec<String>, bool, Vec<usize>)> {
        p.steps
            .iter()
            .map(|s| {
                (
                    role_label(p, s.owner.as_deref().unwrap()),
                    s.motions.clone(),
                    s.applies == playbook::ir::Applies::All,
                    s.after
                        .iter()
                        .map(|a| p.steps.iter().position(|t| &t.id == a).unwrap())
                        .collect(),
                )
            })
            .collect()
    };
    assert_eq!(steps(&merged), steps(&shipped));
    assert_eq!(steps(&shipped).len(), 2);
    // Tasks: number, mandatory, owner, services.
    let tasks = |p: &Playbook| -> Vec<(u32, bool, String, bool)> {
        p.tasks
            .iter()
            .map(|t| {
                (
                    t.number,
                    t.mandatory,
                    role_label(p, t.owner.as_deref().unwrap()),
                    t.applies == playbook::ir::Applies::All,
                )
            })
            .collect()
    };
    assert_eq!(tasks(&merged), tasks(&shipped));
    // Gates: each step's entry and exit criteria in order, each either
    // declared there or reused from (step, entry or exit, position), with
    // the note it goes to (notes numbered as they first appear).
    assert_eq!(gates(&merged), gates(&shipped));
    assert_eq!(
        gates(&shipped)
            .iter()
            .map(|(entry, exit)| (entry.len(), exit.len()))
            .collect::<Vec<_>>(),
        [(3, 2), (3, 8)]
    );
    let reused = |p: &Playbook| {
        gates(p)
            .iter()
            .flat_map(|(entry, _)| entry)
            .filter(|g| g.0.is_some())
            .count()
    };
    assert_eq!((reused(&merged), reused(&shipped)), (3, 3));
    // History: the same dates and authors.
    let history = |p: &Playbook| {
        let mut h: Vec<_> = p
            .header
            .history
            .iter()
            .map(|h| (h.date, h.who.clone()))
            .collect();
        h.sort();
        h
    };
    assert_eq!(history(&merged), history(&shipped));
    assert_eq!(history(&merged).len(), 4);
    // The drift of "> 1000 seats" against "fewer than 1,000".
    let seats: Vec<&String> = m
        .drift
        .iter()
        .filter(|d| d.contains("<1000") && d.contains(">1000, >1000"))
        .collect();
    assert_eq!(seats.len(), 1, "drift: {:#?}", m.drift);
    assert!(
        m.drift
            .iter()
            .any(|d| d.contains("2020-04-30 is in zh only"))
    );
}
