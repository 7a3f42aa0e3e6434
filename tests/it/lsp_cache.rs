//! The language server keeps what it parsed between requests: a second
//! workspace-wide search parses nothing again, and a file is parsed again
//! only once it changed, in the editor or on disk. The server's parse
//! counter (`playbook/status`) is what the test observes, never a time.

use super::lsp::{CATALOGUE, Client, ENABLEMENT, MIGRATION};
use serde_json::{Value, json};
use std::time::SystemTime;

/// How many times the server parsed a file since it started.
fn parses(client: &mut Client) -> u64 {
    client.request("playbook/status", Value::Null)["parses"]
        .as_u64()
        .expect("a parse count")
}

/// The references to the role `fm` declared in the shared catalogue, as
/// `(file, line, column)`, sorted.
fn references_to_fm(client: &mut Client, role_line: usize) -> Vec<(String, u64, u64)> {
    let found = client.at(
        "textDocument/references",
        CATALOGUE,
        role_line,
        8,
        json!({ "context": { "includeDeclaration": true } }),
    );
    let mut found: Vec<(String, u64, u64)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["uri"].as_str().unwrap().to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
                l["range"]["start"]["character"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

fn in_file(found: &[(String, u64, u64)], uri: &str) -> usize {
    found.iter().filter(|(u, _, _)| u == uri).count()
}

#[test]
fn a_second_search_parses_only_what_changed() {
    let mut client = Client::start();
    let catalogue = std::fs::read_to_string(client.path(CATALOGUE)).unwrap();
    client.open(CATALOGUE, &catalogue);
    client.diagnostics(CATALOGUE);
    let role_line = catalogue
        .lines()
        .position(|l| l.trim_start().starts_with("role fm "))
        .unwrap();

    // The first search reads the whole workspace: each playbook once.
    let first = references_to_fm(&mut client, role_line);
    let after_first = parses(&mut client);
    assert!(after_first >= 3, "{after_first} parses for three playbooks");
    for name in [CATALOGUE, ENABLEMENT, MIGRATION] {
        assert!(in_file(&first, &client.uri(name)) >= 1, "{name}: {first:?}");
    }

    // The same search again, and a rename, which searches too: nothing is
    // parsed again, and the answer is the same.
    assert_eq!(references_to_fm(&mut client, role_line), first);
    let rename = client.at(
        "textDocument/rename",
        CATALOGUE,
        role_line,
        8,
        json!({ "newName": "manager" }),
    );
    let edits: usize = rename["changes"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(uri, _)| uri.ends_with(".playbook"))
        .map(|(_, e)| e.as_array().unwrap().len())
        .sum();
    assert_eq!(edits, first.len());
    assert_eq!(parses(&mut client), after_first);

    // A change in the editor: that document alone is parsed again, and the
    // answer follows its new text (one line more above the role).
    client.change(CATALOGUE, &format!("// owners\n{catalogue}"));
    let changed = references_to_fm(&mut client, role_line + 1);
    assert_eq!(parses(&mut client), after_first + 1);
    let shifted: Vec<(String, u64, u64)> = first
        .iter()
        .map(|(u, l, c)| (u.clone(), l + u64::from(*u == client.uri(CATALOGUE)), *c))
        .collect();
    assert_eq!(changed, shifted);

    // A file changed on disk behind the server's back, with its length and
    // modification time kept, so that only the watcher's event can tell:
    // one mention of `fm` in the migration playbook becomes `zz`.
    let migration = client.path(MIGRATION);
    let text = std::fs::read_to_string(&migration).unwrap();
    let modified: SystemTime = std::fs::metadata(&migration).unwrap().modified().unwrap();
    let edited = text.replacen("    owner fm\n", "    owner zz\n", 1);
    assert_ne!(edited, text);
    std::fs::write(&migration, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&migration)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert_eq!(references_to_fm(&mut client, role_line + 1), changed);
    assert_eq!(
        parses(&mut client),
        after_first + 1,
        "the stale entry is used"
    );

    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": client.uri(MIGRATION), "type": 2 }] }),
    );
    let after_event = references_to_fm(&mut client, role_line + 1);
    assert_eq!(parses(&mut client), after_first + 2);
    let migration_uri = client.uri(MIGRATION);
    assert_eq!(
        in_file(&after_event, &migration_uri) + 1,
        in_file(&changed, &migration_uri)
    );
    assert_eq!(after_event.len() + 1, changed.len());
    client.stop();
}
