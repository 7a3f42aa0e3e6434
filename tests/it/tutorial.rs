//! `docs/tutorial.md`, executed: every `$ ` line of its `console` blocks
//! runs in one empty folder, in order, through `sh`, with the `playbook`
//! under test first on the `PATH`; what it prints (standard output and
//! error together, of the whole line: `cmd || echo "exit code $?"` shows
//! a failure's code) must be what the page shows. A block after
//! `<!-- file: PATH -->` is written to PATH first; one after
//! `<!-- generated: PATH -->` must be PATH's contents (its `revised` date
//! aside, which is the day the test runs).

use std::path::Path;
use std::process::Command;

enum Step {
    Run { command: String, expected: String },
    Write { path: String, text: String },
    Compare { path: String, text: String },
}

fn steps(page: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = page.lines().peekable();
    let mut marker: Option<(bool, String)> = None;
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("<!-- file: ") {
            marker = Some((true, rest.trim_end_matches(" -->").to_string()));
            continue;
        }
        if let Some(rest) = line.strip_prefix("<!-- generated: ") {
            marker = Some((false, rest.trim_end_matches(" -->").to_string()));
            continue;
        }
        let Some(language) = line.strip_prefix("```") else {
            continue;
        };
        let mut block = Vec::new();
        for l in lines.by_ref() {
            if l == "```" {
                break;
            }
            block.push(l);
        }
        match (language, marker.take()) {
            ("console", None) => {
                let mut current: Option<(String, String)> = None;
                for l in block {
                    if let Some(command) = l.strip_prefix("$ ") {
                        if let Some((command, expected)) = current.take() {
                            steps.push(Step::Run { command, expected });
                        }
                        current = Some((command.to_string(), String::new()));
                    } else {
                        let (_, expected) = current.as_mut().expect("output after a command");
                        expected.push_str(l);
                        expected.push('\n');
                    }
                }
                if let Some((command, expected)) = current {
                    steps.push(Step::Run { command, expected });
                }
            }
            (_, Some((true, path))) => steps.push(Step::Write {
                path,
                text: block.join("\n") + "\n",
            }),
            (_, Some((false, path))) => steps.push(Step::Compare {
                path,
                text: block.join("\n") + "\n",
            }),
            (other, None) => panic!("a `{other}` block that the test neither runs nor writes"),
        }
    }
    steps
}

fn without_revised(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("revised "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_command_of_the_tutorial_prints_what_the_page_shows() {
    let page = std::fs::read_to_string("docs/tutorial.md").unwrap();
    let steps = steps(&page);
    let folder = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_playbook")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut commands = 0;
    for step in &steps {
        match step {
            Step::Run { command, expected } => {
                commands += 1;
                let output = Command::new("sh")
                    .arg("-c")
                    .arg(format!("exec 2>&1\n{command}"))
                    .current_dir(folder.path())
                    .env("PATH", &path)
                    .env("NO_COLOR", "1")
                    .env_remove("COLUMNS")
                    .output()
                    .unwrap();
                let printed = String::from_utf8_lossy(&output.stdout);
                assert_eq!(&printed, expected, "`{command}` printed something else");
            }
            Step::Write { path, text } => {
                std::fs::write(folder.path().join(path), text).unwrap();
            }
            Step::Compare { path, text } => {
                let written = std::fs::read_to_string(folder.path().join(path)).unwrap();
                assert_eq!(without_revised(&written), without_revised(text), "{path}");
            }
        }
    }
    assert!(commands >= 25, "only {commands} commands ran");
    // Every command the page shows is one of those that ran.
    let shown = page.lines().filter(|l| l.starts_with("$ ")).count();
    assert_eq!(shown, commands);
}
