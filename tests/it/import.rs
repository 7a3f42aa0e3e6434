//! The importer on small documents made for each feature: labels in six
//! languages, byte-order marks and CRLF, the date forms, the mandatory
//! marker, hostile text, and what it does not understand.

use playbook::import::{self, parse_date};
use playbook::source::FileId;

fn imported(markdown: &str) -> import::Imported {
    let out = import::import(FileId(0), "doc", markdown, None);
    let c = playbook::compile_str("doc.playbook", &out.source);
    let errors: Vec<_> = c.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:?}\n{}", out.source);
    out
}

/// A one-step document with the given labels.
fn document(labels: [&str; 12]) -> String {
    let [
        overview,
        objectives,
        approach,
        role,
        motions,
        applies,
        inputs,
        outputs,
        tasks,
        refresh,
        mandatory,
        date,
    ] = labels;
    format!(
        "---\nauthor: A\nms.date: 10/01/2019\n---\n\n# Title\n\n## {overview}\n\nText.\n\n## {objectives}\n\n- One\n\n## {approach}\n\n### First step\n\n{role}: **Manager**\n{motions}: **RFA**\n{applies}: **Exchange / Teams**\n\nDo this.\n\n**{inputs}**\n\n- In one\n\n**{outputs}**\n\n- Out one\n- Out two\n\n#### {tasks}\n\n| Task ID | Task Name | (M)andatory / (O)ptional | FastTrack Role | Services |\n| --- | --- | --- | --- | --- |\n| 4058 | Close | {mandatory} | Manager | Exchange |\n\n## {refresh}\n\n| Date | Who | What |\n| --- | --- | --- |\n| {date} | B | Made |\n"
    )
}

#[test]
fn labels_in_six_languages_give_the_same_structure() {
    let languages: [(&str, [&str; 12]); 6] = [
        (
            "en",
            [
                "Overview",
                "Objectives",
                "Approach",
                "Primary Role",
                "Motions",
                "Applies To",
                "Step Inputs",
                "Step Outputs",
                "FTOP Tasks",
                "Refresh Summary",
                "M",
                "09/13/2019",
            ],
        ),
        (
            "zh",
            [
                "概述",
                "目标",
                "方法",
                "主要角色",
                "行动",
                "适用于",
                "质量投入",
                "质量产出",
                "FTOP 任务",
                "刷新摘要",
                "M",
                "2019 年 9 月 13 日",
            ],
        ),
        (
            "de",
            [
                "Übersicht",
                "Ziele",
                "Ansatz",
                "Hauptrolle",
                "Bewegungen",
                "Gilt für",
                "Schritteingaben",
                "Schrittausgaben",
                "FTOP-Aufgaben",
                "Änderungsübersicht",
                "Pflicht",
                "13.09.2019",
            ],
        ),
        (
            "ja",
            [
                "概要",
                "目的",
                "アプローチ",
                "主な役割",
                "モーション",
                "適用対象",
                "ステップの入力",
                "ステップの出力",
                "FTOP タスク",
                "更新の概要",
                "必須",
                "2019 年 9 月 13 日",
            ],
        ),
        (
            "pt",
            [
                "Visão geral",
                "Objetivos",
                "Abordagem",
                "Função principal",
                "Movimentos",
                "Aplica-se a",
                "Entradas da etapa",
                "Saídas da etapa",
                "Tarefas do FTOP",
                "Resumo da atualização",
                "Obrigatório",
                "13.09.2019",
            ],
        ),
        (
            "es",
            [
                "Información general",
                "Objetivos",
                "Enfoque",
                "Rol principal",
                "Movimientos",
                "Se aplica a",
                "Entradas del paso",
                "Salidas del paso",
                "Tareas de FTOP",
                "Resumen de actualización",
                "Obligatorio",
                "09/13/2019",
            ],
        ),
    ];
    for (locale, labels) in languages {
        let out = imported(&document(labels));
        let d = &out.document;
        assert_eq!(d.locale, locale, "guessed locale");
        assert_eq!(
            d.counts(),
            import::Counts {
                steps: 1,
                tasks: 1,
                gates: 3,
                history: 1
            },
            "{locale}"
        );
        let step = &d.steps[0];
        assert_eq!(step.roles, ["Manager"], "{locale}");
        assert_eq!(step.motions, ["RFA"], "{locale}");
        assert_eq!(step.applies, ["Exchange", "Teams"], "{locale}");
        assert!(step.tasks[0].mandatory, "{locale}: the mandatory marker");
        assert_eq!(d.history[0].date.to_string(), "2019-09-13", "{locale}");
        assert_eq!(d.objectives, ["One"], "{locale}");
        assert!(
            out.diagnostics.is_empty(),
            "{locale}: {:?}",
            out.diagnostics
        );
        assert_eq!(
            import::plain_counts(&document(labels)),
            d.counts(),
            "{locale}"
        );
    }
}

#[test]
fn a_byte_order_mark_and_crlf_change_nothing() {
    let plain = document([
        "Overview",
        "Objectives",
        "Approach",
        "Primary Role",
        "Motions",
        "Applies To",
        "Step Inputs",
        "Step Outputs",
        "FTOP Tasks",
        "Refresh Summary",
        "O",
        "9/13/2019",
    ]);
    let crlf = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
    let a = imported(&plain);
    let b = imported(&crlf);
    assert_eq!(a.source, b.source);
    assert!(!a.document.steps[0].tasks[0].mandatory, "O is optional");
    assert_eq!(a.document.author.as_deref(), Some("A"));
    assert_eq!(a.document.revised.unwrap().to_string(), "2019-10-01");
}

#[test]
fn the_date_forms() {
    for (text, want) in [
        ("09/13/2019", "2019-09-13"),
        ("9/3/2019", "2019-09-03"),
        ("13.09.2019", "2019-09-13"),
        ("2019 年 9 月 13 日", "2019-09-13"),
        ("2019年9月13日", "2019-09-13"),
        ("2019-09-13", "2019-09-13"),
    ] {
        assert_eq!(
            parse_date(text).map(|d| d.to_string()).as_deref(),
            Some(want),
            "{text}"
        );
    }
    for bad in ["13/13/2019", "last spring", "2019", "02/30/2020"] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
}

#[test]
fn hostile_text_is_escaped_and_compiles() {
    let md = "# T \"x\" {seats} \\ `code`\n\n## Approach\n\n### Step <script>\"onmouseover=\n\nPrimary Role: **FM \"boss\"**\n\n- Use {atu-email} and \\n and \"quotes\" | pipes [x](javascript:alert(1))\n";
    let out = imported(md);
    let c = playbook::compile_str("doc.playbook", &out.source);
    let model = c.model.unwrap();
    assert_eq!(
        model.header.title.as_ref().unwrap().get("en", "en"),
        "T \"x\" {{seats}} \\ code"
    );
    assert_eq!(
        model.steps[0].title.get("en", "en"),
        "Step <script>\"onmouseover="
    );
}

#[test]
fn what_is_not_understood_is_kept_and_reported_at_its_line() {
    let md = "# T\n\n## Scenarios\n\nSome scenario.\n\n## Approach\n\n### Step\n\nPrimary Role: **-**\n\n#### FTOP Tasks\n\n| Task ID | Task Name | (M)andatory / (O)ptional |\n| --- | --- | --- |\n| n/a | Something | M |\n| 12 | Other | maybe |\n\n## Refresh Summary\n\n| Date | Who | What |\n| --- | --- | --- |\n| last spring | C | Maintenance |\n";
    let out = imported(md);
    let lines: Vec<(usize, &str)> = out
        .diagnostics
        .iter()
        .map(|d| {
            (
                md[..d.primary.span.start as usize].lines().count() + 1,
                d.message.as_str(),
            )
        })
        .collect();
    let all = format!("{lines:#?}");
    assert!(lines.iter().all(|(_, m)| !m.is_empty()));
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 3 && m.contains("Scenarios")),
        "{all}"
    );
    assert!(
        lines.iter().any(|(_, m)| m.contains("no task number")),
        "{all}"
    );
    assert!(lines.iter().any(|(_, m)| m.contains("`maybe`")), "{all}");
    assert!(
        lines.iter().any(|(_, m)| m.contains("no primary role")),
        "{all}"
    );
    assert!(
        lines.iter().any(|(_, m)| m.contains("last spring")),
        "{all}"
    );
    for d in &out.diagnostics {
        assert_eq!(d.code.name(), "import-unrecognised");
    }
    // Kept as text: the section, the row and the history row.
    for kept in [
        "Some scenario.",
        "n/a | Something | M",
        "last spring | C | Maintenance",
    ] {
        assert!(
            out.source.contains(kept),
            "`{kept}` is not in\n{}",
            out.source
        );
    }
}

#[test]
fn numbers_with_their_comparisons() {
    use playbook::import::labels::numbers;
    assert_eq!(
        numbers("100 users for > 1000 seats, 10% below"),
        ["10%", "100", ">1000"]
    );
    assert_eq!(
        numbers("席位多于 1,000 个，席位少于 1,000 个"),
        ["<1000", ">1000"]
    );
    assert_eq!(numbers("Microsoft 365 and M365"), ["365"]);
}

/// The command: imports into a folder, then merges a translation into the
/// result, which then compiles with both locales.
#[test]
fn the_command_imports_then_merges() {
    let dir = tempfile::tempdir().unwrap();
    let en = dir.path().join("close.md");
    let zh = dir.path().join("close-sc.md");
    std::fs::write(
        &en,
        "# Close\n\n## Approach\n\n### Wrap up\n\nPrimary Role: **FastTrack Manager**\n\n- Thank the customer.\n\n**Step Outputs**\n\n- Documented for customers with > 1000 seats\n",
    )
    .unwrap();
    std::fs::write(
        &zh,
        "# 结束\n\n## 方法\n\n### 收尾\n\n主要角色：**FastTrack 经理**\n\n- 感谢客户。\n\n**质量产出**\n\n- 为席位少于 1,000 的客户记录\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("playbook");
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(&bin)
            .args(args)
            .arg("--color=never")
            .output()
            .unwrap()
    };
    let o = run(&[
        "import".as_ref(),
        en.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = out.join("close.playbook");
    let source = std::fs::read_to_string(&file).unwrap();
    assert!(source.contains("step wrap-up \"Wrap up\""), "{source}");

    let o = run(&[
        "import".as_ref(),
        zh.as_os_str(),
        "--merge".as_ref(),
        file.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains(">1000; zh <1000"), "{stderr}");
    let catalogue = std::fs::read_to_string(out.join("close.zh.toml")).unwrap();
    assert!(catalogue.contains("收尾"), "{catalogue}");
    let c = playbook::compile(&file, &playbook::fs::FsLoader::default()).unwrap();
    let model = c.model.expect("compiles after the merge");
    assert_eq!(model.locales, ["en", "zh"]);
    assert_eq!(model.steps[0].title.get("zh", "en"), "收尾");
}

/// Each criterion goes to the note its text names, one note per name;
/// a criterion that names none goes to FTOP.
#[test]
fn each_criterion_goes_to_the_note_it_names() {
    let md = "# Close\n\n## Approach\n\n### Wrap up\n\nPrimary Role: **FastTrack Manager**\n\n- Thank the customer.\n\n**Step Inputs**\n\n- Documented in Technical Enablement note that the customer is live\n- The FTOP motion identifies an RFA customer\n\n**Step Outputs**\n\n- Documented in Engagement Management note that the email was sent\n- Documented in the Engagement Management Note that the status is current\n- Next action date updated in FTOP to 12/31\n";
    let zh = "# 结束\n\n## 方法\n\n### 收尾\n\n主要角色：**FastTrack 经理**\n\n- 感谢客户。\n\n**质量产出**\n\n- 在技术启用笔记中记录客户已上线\n- 在接洽管理笔记中记录已发送电子邮件\n- 在 FTOP 中将下一个行动日期更新为 12/31\n- 在接洽管理笔记中更新最新的客户状态\n";
    for (md, want) in [
        (
            md,
            vec![
                ("Technical Enablement note", 0),
                ("FTOP", 1),
                ("Engagement Management note", 2),
                ("Engagement Management note", 2),
                ("FTOP", 1),
            ],
        ),
        (
            zh,
            vec![
                ("技术启用笔记", 0),
                ("接洽管理笔记", 1),
                ("FTOP", 2),
                ("接洽管理笔记", 1),
            ],
        ),
    ] {
        let out = imported(md);
        let model = playbook::compile_str("doc.playbook", &out.source)
            .model
            .unwrap();
        let loc = model.source_locale.clone();
        let mut ids: Vec<String> = Vec::new();
        let got: Vec<(String, usize)> = model
            .criteria
            .iter()
            .map(|c| {
                let note = model.notes.iter().find(|n| n.id == c.note).unwrap();
                if !ids.contains(&c.note) {
                    ids.push(c.note.clone());
                }
                (
                    note.label.get(&loc, &loc).to_string(),
                    ids.iter().position(|i| *i == c.note).unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, usize)> = want.iter().map(|(l, n)| (l.to_string(), *n)).collect();
        assert_eq!(got, want, "{}", out.source);
    }
}

/// An entry criterion that repeats, in other words, one an earlier step
/// declared in the same note with the same numbers is reused by id; one
/// that names another note is declared anew.
#[test]
fn a_reworded_criterion_is_reused() {
    let md = "# Close\n\n## Approach\n\n### First\n\nPrimary Role: **FastTrack Manager**\n\n- Prepare.\n\n**Step Outputs**\n\n- If the Microsoft account team is known, documented in Engagement Management note that the account team was sent the ATU email template\n- Documented in Engagement Management note that 100 users are active\n\n### Second\n\nPrimary Role: **FastTrack Manager**\n\n- Conduct.\n\n**Step Inputs**\n\n- If the Microsoft account team known, documented in Engagement Management note that account team was sent the ATU email template\n- Documented in Technical Enablement note that 100 users are active\n- Documented in Engagement Management note that 10 users are active\n";
    let out = imported(md);
    let model = playbook::compile_str("doc.playbook", &out.source)
        .model
        .unwrap();
    let second = &model.steps[1];
    let declared_here: Vec<bool> = second
        .entry
        .iter()
        .map(|g| {
            model
                .criteria
                .iter()
                .any(|c| c.id == g.criterion && c.step == second.id)
        })
        .collect();
    assert_eq!(declared_here, [false, true, true], "{}", out.source);
    assert_eq!(second.entry[0].criterion, model.steps[0].exit[0].criterion);
}

/// Links become `template` (when their words say template) and `link`
/// declarations named in the texts by placeholder, once per address and
/// words; a link that is not a web or mail address stays text. A
/// translation names the same declarations where it links the same
/// address.
#[test]
fn links_become_template_and_link_declarations() {
    let en = "# Close\n\nSee the [FAQ](https://example.com/faq).\n\n## Approach\n\n### Wrap up\n\nPrimary Role: **FastTrack Manager**\n\n- Email the account team with the [ATU email template](https://example.com/atu?x=1&y=\"2\"), then read the [FAQ](https://example.com/faq).\n- Open [the script](javascript:alert(1)) and [local notes](notes.md).\n\n**Step Outputs**\n\n- Documented that the [ATU email template](https://example.com/atu?x=1&y=\"2\") was sent\n";
    let out = imported(en);
    let c = playbook::compile_str("doc.playbook", &out.source);
    let model = c.model.unwrap();
    let unused: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.code.name() == "unused-declaration")
        .collect();
    assert!(unused.is_empty(), "{unused:?}");
    let decls = |list: &[playbook::ir::Decl]| -> Vec<(String, String, String)> {
        list.iter()
            .map(|d| {
                (
                    d.id.clone(),
                    d.label.get("en", "en").to_string(),
                    d.url.clone().unwrap_or_default(),
                )
            })
            .collect()
    };
    assert_eq!(
        decls(&model.templates),
        [(
            "atu-email-template".to_string(),
            "ATU email template".to_string(),
            "https://example.com/atu?x=1&y=%222%22".to_string()
        )]
    );
    assert_eq!(
        decls(&model.links),
        [(
            "faq".to_string(),
            "FAQ".to_string(),
            "https://example.com/faq".to_string()
        )]
    );
    let text = |key: &str| {
        model
            .texts()
            .into_iter()
            .find(|t| t.key == key)
            .unwrap()
            .get("en", "en")
            .to_string()
    };
    assert_eq!(text("overview"), "See the {faq}.");
    assert_eq!(
        text("item.do-1"),
        "Email the account team with the {atu-email-template}, then read the {faq}."
    );
    assert_eq!(
        text("item.do-2"),
        "Open the script (javascript:alert(1)) and local notes (notes.md)."
    );
    assert_eq!(
        text("criterion.gate-3"),
        "Documented that the {atu-email-template} was sent"
    );

    let zh = "# 结束\n\n## 方法\n\n### 收尾\n\n主要角色：**FastTrack 经理**\n\n- 使用 [ATU 电子邮件模板](https://example.com/atu?x=1&y=\"2\") 向客户团队发送电子邮件。\n- 打开脚本。\n\n**质量产出**\n\n- 记录已发送 [ATU 电子邮件模板](https://example.com/other)\n";
    let doc = import::import(FileId(0), "zh", zh, None).document;
    let m = import::merge::merge(&model, &doc);
    let catalogue: toml::Value = toml::from_str(&m.catalogue).unwrap();
    let zh_text = |key: &str| {
        catalogue["texts"][key]["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The placeholder of the same address; the source's other one, which
    // the translation lacks, kept at the end.
    assert_eq!(
        zh_text("item.do-1"),
        "使用 {atu-email-template} 向客户团队发送电子邮件。 ({faq})"
    );
    // Another address: the words and address as text, and the source's
    // placeholder kept at the end.
    assert_eq!(
        zh_text("criterion.gate-3"),
        "记录已发送 ATU 电子邮件模板 (https://example.com/other) ({atu-email-template})"
    );
}

#[test]
fn a_front_matter_locale_that_is_no_locale_name_is_reported_not_emitted() {
    // Found by the randomised import test: our own export's front matter
    // with its locale mutated to `z<` gave `locale z<`, which does not parse.
    let md =
        "---\nplaybook: \"doc\"\nlocale: \"z<\"\n---\n\n# T\n\n## Approach\n\n### Step\n\nDo it.\n";
    let out = imported(md);
    assert!(!out.source.contains("locale z<"), "{}", out.source);
    let reported: Vec<&str> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("z<"))
        .map(|d| md[d.primary.span.start as usize..d.primary.span.end as usize].as_ref())
        .collect();
    assert_eq!(reported, ["locale"], "{:?}", out.diagnostics);
}

/// The task lines of an imported source: number and `mandatory` or
/// `optional`.
fn task_lines(source: &str) -> Vec<(String, String)> {
    source
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("task "))
        .map(|l| {
            let number = l.split_whitespace().nth(1).unwrap().to_string();
            let kind = if l.contains("\" mandatory") {
                "mandatory"
            } else if l.contains("\" optional") {
                "optional"
            } else {
                panic!("neither mandatory nor optional: {l}")
            };
            (number, kind.to_string())
        })
        .collect()
}

#[test]
fn a_german_legend_with_e_for_erforderlich_makes_e_tasks_mandatory() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import/german_legend_erforderlich.md"
    );
    let out = imported(&std::fs::read_to_string(path).unwrap());
    let unrecognised: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("mandatory or optional"))
        .collect();
    assert!(unrecognised.is_empty(), "{unrecognised:?}");
    assert!(
        !out.source.contains("Legende"),
        "the legend line became an instruction:\n{}",
        out.source
    );
    let tasks = task_lines(&out.source);
    let tasks: Vec<(&str, &str)> = tasks
        .iter()
        .map(|(n, k)| (n.as_str(), k.as_str()))
        .collect();
    assert_eq!(
        tasks,
        [
            ("4058", "mandatory"),
            ("4099", "optional"),
            ("4100", "mandatory"),
            ("4101", "mandatory"),
            ("4102", "optional")
        ],
        "{}",
        out.source
    );
}

#[test]
fn the_legend_of_the_header_decides_over_the_usual_letters() {
    // `O` means mandatory here: the document's own legend says so.
    let markdown = document([
        "Übersicht",
        "Ziele",
        "Ansatz",
        "Hauptrolle",
        "Bewegungen",
        "Gilt für",
        "Schritteingaben",
        "Schrittausgaben",
        "FTOP-Aufgaben",
        "Änderungsübersicht",
        "O",
        "13.09.2019",
    ])
    .replace("(M)andatory / (O)ptional", "(O)bligatorisch / (F)reiwillig");
    let out = imported(&markdown);
    assert_eq!(
        task_lines(&out.source),
        [("4058".to_string(), "mandatory".to_string())],
        "{}",
        out.source
    );
}

#[test]
fn legends_in_the_forms_documents_write_them() {
    use playbook::import::labels::Legend;
    type Markers = &'static [(&'static str, Option<bool>)];
    let cases: [(&str, Markers); 9] = [
        (
            "(M)andatory / (O)ptional",
            &[("M", Some(true)), ("o", Some(false))],
        ),
        (
            "(M) Mandatory (O) Optional",
            &[("m", Some(true)), ("O", Some(false))],
        ),
        (
            "**(M) Mandatory (O) Optional**",
            &[("M", Some(true)), ("O", Some(false))],
        ),
        (
            "(E)rforderlich/(O)ptional",
            &[("E", Some(true)), ("O", Some(false)), ("M", None)],
        ),
        (
            "(M)强制性/(O)可选",
            &[("M", Some(true)), ("O", Some(false))],
        ),
        (
            "（必）必須／（任）任意",
            &[("必", Some(true)), ("任", Some(false))],
        ),
        (
            "E = Erforderlich, O = Optional",
            &[("E", Some(true)), ("O", Some(false))],
        ),
        (
            "Legende: E = Erforderlich, O = Optional",
            &[("E", Some(true)), ("O", Some(false))],
        ),
        // One word unknown, the other known: the unknown one is its opposite.
        (
            "(X)yzzy / (O)ptional",
            &[("X", Some(true)), ("O", Some(false))],
        ),
    ];
    for (header, markers) in cases {
        let legend = Legend::parse(header).unwrap_or_else(|| panic!("no legend in `{header}`"));
        for (marker, meaning) in markers {
            assert_eq!(legend.meaning(marker), *meaning, "`{marker}` in `{header}`");
        }
    }
    for header in [
        "Task ID",
        "Mandatory",
        "(M)andatory",
        "(A)lpha / (B)eta",
        "(M)andatory / (P)flicht",
        "(M)andatory / (M)ust",
    ] {
        assert_eq!(Legend::parse(header), None, "`{header}` is no legend");
    }
}
