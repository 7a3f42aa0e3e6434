//! `use` reads only inside the project folder: absolute paths, `..` escapes
//! and symbolic links that lead out are refused with a diagnostic, and so
//! are devices and fifos, oversized files and import cycles. Each test builds
//! a small project in a temporary folder and runs the real binary.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// A playbook that uses `target` and declares nothing else it needs.
fn user_of(target: &str) -> String {
    format!(
        "playbook main {{\n  use \"{target}\"\n  title \"Uses a catalogue\"\n  description \"d\"\n  phase enable\n  owner \"pagrim\"\n  author \"Ryan Meehan\"\n  revised 2019-10-01\n  role fm \"FastTrack Manager\"\n  step s \"Step\" {{\n    owner fm\n    do a \"Do it.\"\n  }}\n}}\n"
    )
}

const CATALOGUE: &str = "catalogue shared {\n  phase enable \"Enable\"\n}\n";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folder");
    std::fs::write(path, text).expect("write file");
}

/// `playbook check --format json PATH`: the exit code and the diagnostics
/// as (code, message).
fn check(path: &Path) -> (i32, Vec<(String, String)>) {
    let output = Command::cargo_bin("playbook")
        .expect("the playbook binary")
        .args(["check", "--format", "json"])
        .arg(path)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .expect("run playbook");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let found = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (output.status.code().unwrap_or(-1), found)
}

/// A project folder with a `Playbook.toml`, inside a temporary folder that
/// also has room for files outside the project.
fn project() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().join("project");
    write(&root.join("Playbook.toml"), "");
    (dir, root)
}

fn assert_import_error(found: &[(String, String)], needle: &str) {
    assert!(
        found
            .iter()
            .any(|(code, message)| code == "import-error" && message.contains(needle)),
        "expected an import-error containing {needle:?}, got {found:?}"
    );
}

#[test]
fn a_catalogue_inside_the_project_is_used() {
    let (_dir, root) = project();
    write(&root.join("common/shared.playbook"), CATALOGUE);
    write(
        &root.join("main.playbook"),
        &user_of("common/shared.playbook"),
    );
    let (code, found) = check(&root.join("main.playbook"));
    assert!(!found.iter().any(|(c, _)| c == "import-error"), "{found:?}");
    assert_ne!(code, 2, "{found:?}");
}

#[test]
fn an_absolute_path_is_refused() {
    let (dir, root) = project();
    let outside = dir.path().join("outside.playbook");
    write(&outside, CATALOGUE);
    let target = outside.to_string_lossy().replace('\\', "/");
    write(&root.join("main.playbook"), &user_of(&target));
    let (code, found) = check(&root.join("main.playbook"));
    assert_eq!(code, 1);
    assert_import_error(&found, "is an absolute path");
}

#[test]
fn a_dot_dot_escape_is_refused() {
    let (dir, root) = project();
    write(&dir.path().join("outside.playbook"), CATALOGUE);
    write(&root.join("main.playbook"), &user_of("../outside.playbook"));
    let (code, found) = check(&root.join("main.playbook"));
    assert_eq!(code, 1);
    assert_import_error(&found, "outside the project folder");
}

/// `..` that stays inside the project is fine: the rule is where the file
/// is, not how its path is spelled.
#[test]
fn a_dot_dot_that_stays_inside_is_used() {
    let (_dir, root) = project();
    write(&root.join("common/shared.playbook"), CATALOGUE);
    write(
        &root.join("sub/main.playbook"),
        &user_of("../common/shared.playbook"),
    );
    let (_, found) = check(&root.join("sub/main.playbook"));
    assert!(!found.iter().any(|(c, _)| c == "import-error"), "{found:?}");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_out_of_the_project_is_refused() {
    let (dir, root) = project();
    let outside = dir.path().join("secret/outside.playbook");
    write(&outside, CATALOGUE);
    std::fs::create_dir_all(&root).expect("project folder");
    std::os::unix::fs::symlink(dir.path().join("secret"), root.join("linked"))
        .expect("symbolic link");
    write(
        &root.join("main.playbook"),
        &user_of("linked/outside.playbook"),
    );
    let (code, found) = check(&root.join("main.playbook"));
    assert_eq!(code, 1);
    assert_import_error(&found, "outside the project folder");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_within_the_project_is_used() {
    let (_dir, root) = project();
    write(&root.join("common/shared.playbook"), CATALOGUE);
    std::os::unix::fs::symlink(root.join("common"), root.join("alias")).expect("symbolic link");
    write(
        &root.join("main.playbook"),
        &user_of("alias/shared.playbook"),
    );
    let (_, found) = check(&root.join("main.playbook"));
    assert!(!found.iter().any(|(c, _)| c == "import-error"), "{found:?}");
}

/// A fifo would block a reader forever: it is refused before it is opened.
#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_hanging() {
    let (_dir, root) = project();
    let fifo = root.join("pipe.playbook");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    write(&root.join("main.playbook"), &user_of("pipe.playbook"));
    let (code, found) = check(&root.join("main.playbook"));
    assert_eq!(code, 1);
    assert_import_error(&found, "not a regular file");
}

#[test]
fn a_device_is_refused() {
    let (_dir, root) = project();
    write(&root.join("main.playbook"), &user_of("/dev/zero"));
    let (code, found) = check(&root.join("main.playbook"));
    assert_eq!(code, 1);
    assert_import_error(&found, "absolute path");
}

#[test]
fn an_oversized_catalogue_is_refused() {
    let (_dir, root) = project();
    write(&root.join("Playbook.toml"), "max-file-size-mib = 1\n");
    let mut big = String::from("catalogue shared {\n");
    while big.len() <= 1024 * 1024 {
        big.push_str("  // padding padding padding padding padding padding padding\n");
    }
    big.push_str("}\n");
    write(&root.join("big.playbook"), &big);
    write(&root.join("main.playbook"), &user_of("big.playbook"));
    let (code, found) = check(&root.join("main.playbook"));
    assert_eq!(code, 1);
    assert!(
        found.iter().any(|(c, _)| c == "file-too-large"),
        "{found:?}"
    );
}

#[test]
fn an_import_cycle_is_reported_as_its_path() {
    let (_dir, root) = project();
    write(
        &root.join("a.playbook"),
        "catalogue a {\n  use \"b.playbook\"\n}\n",
    );
    write(
        &root.join("b.playbook"),
        "catalogue b {\n  use \"a.playbook\"\n}\n",
    );
    write(&root.join("main.playbook"), &user_of("a.playbook"));
    let (code, found) = check(&root.join("main.playbook"));
    assert_eq!(code, 1);
    let cycle = found
        .iter()
        .find(|(c, _)| c == "import-cycle")
        .unwrap_or_else(|| panic!("no import-cycle in {found:?}"));
    assert!(
        cycle.1.contains("a.playbook") && cycle.1.contains("b.playbook"),
        "{cycle:?}"
    );
}

/// Without a `Playbook.toml`, the project is the folder checked.
#[test]
fn without_a_configuration_the_checked_folder_is_the_project() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(&dir.path().join("outside.playbook"), CATALOGUE);
    let root = dir.path().join("here");
    write(&root.join("main.playbook"), &user_of("../outside.playbook"));
    let (code, found) = check(&root);
    assert_eq!(code, 1);
    assert_import_error(&found, "outside the project folder");
}
