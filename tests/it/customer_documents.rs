//! Documents for one customer (`playbook export --to markdown|html --input
//! NAME=VALUE... [--customer NAME]`): a loop over a given set becomes one
//! item per element, placeholders of given inputs and of the definitions
//! computed from them show values in the words of the locale, a header says
//! whom the document is for, and no id shows in a localised text.

use assert_cmd::Command;

const ENABLEMENT: &str = "playbooks/engagement-completion-enablement.playbook";
const CUSTOMER: &str = "tests/fixtures/export/customer.playbook";
const NOW: &str = "2026-03-31";

/// `playbook export FILE --to FORMAT --locale LOCALE ARGS...`, which must
/// succeed; its standard output.
fn export(file: &str, format: &str, locale: &str, args: &[&str]) -> String {
    let out = Command::cargo_bin("playbook")
        .expect("the playbook binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PLAYBOOK_NOW", NOW)
        .env_remove("NO_COLOR")
        .args(["export", file, "--to", format, "--locale", locale])
        .args(args)
        .output()
        .expect("run playbook export");
    assert!(
        out.status.success(),
        "export {file} --to {format} --locale {locale} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// What a reader sees: tags removed, Markdown escapes and emphasis undone,
/// entities decoded, runs of white space made one.
fn text(doc: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_style = false;
    for line in doc.lines() {
        if line.starts_with("<style>") {
            in_style = true;
        }
        if in_style {
            in_style = !line.starts_with("</style>");
            continue;
        }
        for c in line.chars() {
            match c {
                '<' if doc.starts_with("<!doctype") => in_tag = true,
                '>' if in_tag => in_tag = false,
                _ if in_tag => {}
                '\\' | '*' => {}
                c => out.push(c),
            }
        }
        out.push('\n');
    }
    // Markdown links: `[text](address)` reads as the text.
    while let Some(mid) = out.find("](") {
        let Some(open) = out[..mid].rfind('[') else {
            break;
        };
        let Some(close) = out[mid..].find(')').map(|c| mid + c) else {
            break;
        };
        out = format!(
            "{}{}{}",
            &out[..open],
            &out[open + 1..mid],
            &out[close + 1..]
        );
    }
    out.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The lines of `doc` as a reader sees them, trimmed, without list marks.
fn lines(doc: &str) -> Vec<String> {
    text(doc)
        .lines()
        .map(|l| l.trim().trim_start_matches("- ").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn has_line(doc: &str, want: &str) -> bool {
    lines(doc).iter().any(|l| l == want)
}

#[test]
fn a_loop_over_given_services_is_one_item_per_service() {
    let services = ["--input", "services=sharepoint,teams"];
    for format in ["markdown", "html"] {
        for (locale, sharepoint, teams) in [
            (
                "en",
                "Review the completed activities for SharePoint Online.",
                "Review the completed activities for Microsoft Teams.",
            ),
            (
                "zh",
                "审查 SharePoint Online 已完成的活动。",
                "审查 Microsoft Teams 已完成的活动。",
            ),
        ] {
            let doc = export(ENABLEMENT, format, locale, &services);
            let name = format!("{format} {locale}");
            assert!(has_line(&doc, sharepoint), "{name}:\n{}", text(&doc));
            assert!(has_line(&doc, teams), "{name}:\n{}", text(&doc));
            let seen = text(&doc);
            assert!(!seen.contains("{SharePoint"), "{name}: a set in braces");
            assert!(
                !seen.contains("For each"),
                "{name}: the loop is written out"
            );
            assert!(
                !seen.contains("中的每个"),
                "{name}: the loop is written out"
            );
        }
    }
    // A condition on the loop variable is decided for each element.
    for format in ["markdown", "html"] {
        for (locale, teams, exchange) in [
            (
                "en",
                "Check the meeting policies of Microsoft Teams.",
                "Review the completed activities for Exchange Online.",
            ),
            (
                "zh",
                "检查 Microsoft Teams 团队 的会议策略。",
                "审查 Exchange Online 已完成的活动。",
            ),
        ] {
            let doc = export(
                CUSTOMER,
                format,
                locale,
                &["--input", "services=exchange,teams"],
            );
            let name = format!("{format} {locale}");
            assert!(has_line(&doc, teams), "{name}:\n{}", text(&doc));
            assert!(has_line(&doc, exchange), "{name}:\n{}", text(&doc));
            for not_for_exchange in [
                "meeting policies of Exchange Online",
                "检查 Exchange Online",
            ] {
                assert!(!text(&doc).contains(not_for_exchange), "{name}");
            }
        }
    }
}

#[test]
fn placeholders_of_given_inputs_and_definitions_show_values() {
    let given = [
        "--input",
        "seats=1500",
        "--input",
        "start=2026-04-01",
        "--input",
        "tier=premier",
    ];
    for format in ["markdown", "html"] {
        for (locale, want) in [
            (
                "en",
                "Plan for 1,500 seats and 150 active users from April 1, 2026, with Premier support.",
            ),
            (
                "zh",
                "为 1,500 个席位和 150 个活动用户做计划，从 2026年4月1日 开始，使用 顶级支持。",
            ),
        ] {
            let doc = export(CUSTOMER, format, locale, &given);
            assert!(has_line(&doc, want), "{format} {locale}:\n{}", text(&doc));
        }
    }
    // Without a value, the label stays.
    let doc = export(CUSTOMER, "markdown", "en", &["--input", "tier=premier"]);
    assert!(
        has_line(
            &doc,
            "Plan for Licensed seats seats and Active users to reach active users from Start date, with Premier support."
        ),
        "{}",
        text(&doc)
    );
}

#[test]
fn a_document_for_a_customer_says_whom_it_is_for() {
    let args = [
        "--customer",
        "Contoso",
        "--input",
        "seats=1500",
        "--input",
        "services=exchange,teams",
    ];
    for format in ["markdown", "html"] {
        for (locale, words) in [
            (
                "en",
                [
                    "Customer",
                    "Contoso",
                    "Licensed seats",
                    "1,500",
                    "Services onboarded",
                    "Exchange Online, Microsoft Teams",
                    "March 31, 2026",
                    "Prepared by",
                    "Signature",
                ],
            ),
            (
                "zh",
                [
                    "客户",
                    "Contoso",
                    "许可席位数",
                    "1,500",
                    "引入的服务",
                    "Exchange Online、Microsoft Teams 团队",
                    "2026年3月31日",
                    "编制人",
                    "签名",
                ],
            ),
        ] {
            let doc = export(CUSTOMER, format, locale, &args);
            let seen = text(&doc);
            for w in words {
                assert!(seen.contains(w), "{format} {locale} lacks {w:?}:\n{seen}");
            }
            // The header comes before the instructions.
            let header = seen.find("Contoso").unwrap();
            let first_step = seen.find(if locale == "en" {
                "Onboard the customer"
            } else {
                "客户入门"
            });
            assert!(first_step.is_some_and(|s| header < s), "{format} {locale}");
        }
    }
    // `--now` takes the place of PLAYBOOK_NOW.
    let doc = export(
        CUSTOMER,
        "markdown",
        "en",
        &["--now", "2027-01-02", "--input", "seats=3"],
    );
    assert!(text(&doc).contains("January 2, 2027"), "{}", text(&doc));
    // Without inputs, the document is the playbook's, for no one.
    for format in ["markdown", "html"] {
        let doc = export(CUSTOMER, format, "en", &[]);
        assert!(!text(&doc).contains("Signature"), "{format}");
    }
}

#[test]
fn loop_variables_show_words_not_ids() {
    for format in ["markdown", "html"] {
        for locale in ["en", "zh"] {
            for file in [ENABLEMENT, CUSTOMER] {
                let doc = export(file, format, locale, &[]);
                for id in ["*workload*", "<var>workload</var>", "每个workload"] {
                    assert!(
                        !doc.contains(id),
                        "{format} {locale} {file} shows the loop variable's id:\n{doc}"
                    );
                }
            }
        }
    }
    let zh = export(ENABLEMENT, "markdown", "zh", &[]);
    assert!(has_line(&zh, "审查 服务 已完成的活动。"), "{}", text(&zh));
    let en = export(ENABLEMENT, "html", "en", &[]);
    assert!(
        has_line(&en, "Review the completed activities for service."),
        "{}",
        text(&en)
    );
}

#[test]
fn diagrams_show_no_ids_in_localised_texts() {
    let ids = [
        "workload",
        "usage-milestone",
        "inactive-queue",
        "seats",
        "services",
        "target",
        "account-team-known",
        "ready-for-more",
    ];
    for format in ["mermaid", "dot"] {
        for file in [ENABLEMENT, CUSTOMER] {
            for args in [&[][..], &["--input", "services=exchange,teams"][..]] {
                let diagram = export(file, format, "zh", args);
                // Labels only: the quoted strings.
                let labels: Vec<&str> = diagram.split('"').skip(1).step_by(2).collect();
                for id in ids {
                    assert!(
                        !labels.iter().any(|l| l.contains(id)),
                        "{format} of {file} {args:?} shows `{id}`:\n{diagram}"
                    );
                }
            }
        }
    }
}

#[test]
fn an_action_comes_after_the_list_its_item_introduces() {
    for format in ["markdown", "html"] {
        for (locale, intro, action, first) in [
            (
                "en",
                "Send the Welcome email template, which covers:",
                "→ Send the Welcome email template to FastTrack Manager",
                "The dates of the engagement.",
            ),
            (
                "zh",
                "发送 欢迎电子邮件模板，其中包括：",
                "→ 向FastTrack 经理发送欢迎电子邮件模板",
                "接洽的日期。",
            ),
        ] {
            let doc = export(CUSTOMER, format, locale, &[]);
            let seen = lines(&doc);
            let at = |want: &str| {
                seen.iter()
                    .position(|l| {
                        l == want || l.trim_start_matches("→ ") == want.trim_start_matches("→ ")
                    })
                    .unwrap_or_else(|| panic!("{format} {locale}: no {want:?} in\n{seen:#?}"))
            };
            let (intro, first, last) = (at(intro), at(first), at(action));
            assert_eq!(
                first,
                intro + 1,
                "{format} {locale}: the list follows its introduction"
            );
            assert!(
                last > first + 1,
                "{format} {locale}: the action follows the list"
            );
            // In Markdown, the action is not an item of the list.
            if format == "markdown" {
                assert!(
                    !doc.lines().any(|l| l.trim_start().starts_with("- →")),
                    "{format} {locale}:\n{doc}"
                );
            }
        }
    }
}
