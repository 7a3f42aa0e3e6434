//! The language server keeps what it parsed and compiled between
//! requests: a second workspace-wide search parses nothing again, a file
//! is parsed again only once it changed, in the editor or on disk, and a
//! playbook is compiled again only when a file it reads changed. The
//! server's counters (`playbook/status`) are what the tests observe, never
//! a time.

use super::lsp::{CATALOGUE, Client, ENABLEMENT, MIGRATION, starts};
use serde_json::{Value, json};
use std::time::SystemTime;

/// How many times the server parsed a file since it started.
fn parses(client: &mut Client) -> u64 {
    client.request("playbook/status", Value::Null)["parses"]
        .as_u64()
        .expect("a parse count")
}

/// How many compilations the server ran since it started.
fn compilations(client: &mut Client) -> u64 {
    client.request("playbook/status", Value::Null)["compilations"]
        .as_u64()
        .expect("a compilation count")
}

/// Waits until diagnostics were published for each of `names`, and
/// returns them in the order of `names`.
fn published(client: &Client, names: &[&str]) -> Vec<Vec<Value>> {
    let mut found: Vec<Option<Vec<Value>>> = vec![None; names.len()];
    while found.iter().any(Option::is_none) {
        let message = client.receive();
        if message["method"] != "textDocument/publishDiagnostics" {
            continue;
        }
        let uri = message["params"]["uri"].as_str().unwrap();
        if let Some(i) = names.iter().position(|n| client.uri(n) == uri) {
            found[i] = Some(message["params"]["diagnostics"].as_array().unwrap().clone());
        }
    }
    found.into_iter().map(Option::unwrap).collect()
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
    starts(&found)
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

#[test]
fn a_playbook_is_compiled_again_only_when_a_file_it_reads_changed() {
    let mut client = Client::start();
    let enablement = std::fs::read_to_string(client.path(ENABLEMENT)).unwrap();
    let migration = std::fs::read_to_string(client.path(MIGRATION)).unwrap();
    let catalogue = std::fs::read_to_string(client.path(CATALOGUE)).unwrap();

    // Opening the second playbook publishes both again; the first is not
    // compiled again for that.
    client.open(ENABLEMENT, &enablement);
    published(&client, &[ENABLEMENT]);
    client.open(MIGRATION, &migration);
    let clean = published(&client, &[ENABLEMENT, MIGRATION]);
    assert_eq!(clean, vec![Vec::<Value>::new(), Vec::new()]);
    assert_eq!(compilations(&mut client), 2);

    // A change in one playbook compiles that one; the other, open too,
    // reads nothing that changed.
    let undeclared = enablement.replacen("owner fm\n", "owner fmx\n", 1);
    assert_ne!(undeclared, enablement);
    client.change(ENABLEMENT, &undeclared);
    let [after, unchanged] =
        <[Vec<Value>; 2]>::try_from(published(&client, &[ENABLEMENT, MIGRATION])).unwrap();
    assert!(
        after.iter().any(|d| d["code"] == "undefined-reference"),
        "{after:?}"
    );
    assert_eq!(unchanged, Vec::<Value>::new());
    assert_eq!(compilations(&mut client), 3);

    // A code action reuses the compilation the diagnostics came from.
    let range = after[0]["range"].clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": client.uri(ENABLEMENT) }, "range": range,
                "context": { "diagnostics": [after[0].clone()] } }),
    );
    assert!(
        actions
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["title"] == "Change to `fm`"),
        "{actions}"
    );
    assert_eq!(compilations(&mut client), 3);

    // A change in the catalogue both playbooks use compiles it and both.
    client.open(CATALOGUE, &catalogue);
    published(&client, &[CATALOGUE]);
    let before = compilations(&mut client);
    assert_eq!(before, 4);
    client.change(CATALOGUE, &format!("// roles and notes\n{catalogue}"));
    published(&client, &[CATALOGUE, ENABLEMENT, MIGRATION]);
    assert_eq!(compilations(&mut client), before + 3);
    client.stop();
}

/// Opens the enablement playbook as `alone.playbook`, renamed so that no
/// file on disk uses it; returns its text.
fn open_alone(client: &mut Client) -> String {
    let text = std::fs::read_to_string(client.path(ENABLEMENT))
        .unwrap()
        .replacen(
            "playbook engagement-completion-enablement",
            "playbook alone",
            1,
        );
    client.open("alone.playbook", &text);
    text
}

#[test]
fn open_parses_the_document_once() {
    let mut client = Client::start();
    // A playbook no other file uses: the compilation that gives its
    // diagnostics is its only parse, and its syntax tree gives the index
    // that requests read.
    let text = open_alone(&mut client);
    client.diagnostics("alone.playbook");
    // Looking for files that use it parses the three playbooks on disk,
    // and not the open document.
    assert_eq!(parses(&mut client), 3);
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": client.uri("alone.playbook") } }),
    );
    assert!(!symbols.as_array().unwrap().is_empty());
    assert_eq!(parses(&mut client), 3);
    // A change: compiled again, and still no parse of its own.
    let changed = text.replacen(
        "  title \"Conduct",
        "  role newcomer \"Newcomer\"\n  title \"Conduct",
        1,
    );
    assert_ne!(changed, text, "the edit changes the text");
    client.change("alone.playbook", &changed);
    client.diagnostics("alone.playbook");
    let symbols_after = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": client.uri("alone.playbook") } }),
    );
    assert_ne!(symbols_after, symbols, "the outline shows the new role");
    assert_eq!(parses(&mut client), 3);
}

/// How many parses were of one statement after an edit.
fn reparses(client: &mut Client) -> u64 {
    client.request("playbook/status", Value::Null)["reparses"]
        .as_u64()
        .expect("a reparse count")
}

#[test]
fn a_request_right_after_a_change_parses_only_the_edited_statement() {
    let mut client = Client::start();
    let text = open_alone(&mut client);
    client.diagnostics("alone.playbook");
    let parsed = parses(&mut client);
    // Words typed in the first step's title, and a line added to it: the
    // requests sent before the change is compiled read positions after
    // the edit, in the next step.
    let changed = text
        .replacen(
            "step prepare \"Prepare for Engagement",
            "step prepare \"Prepare for the Engagement",
            1,
        )
        .replacen("    owner fm\n", "    owner fm\n    motions rfa\n", 1);
    assert_ne!(changed, text, "the edit changes the text");
    let lines: Vec<&str> = changed.lines().collect();
    let owners: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i] == "    owner fm")
        .collect();
    assert_eq!(owners.len(), 2, "the two steps' owners");
    let last = *owners.last().unwrap();
    let ask = |client: &mut Client| {
        let hover = client.at("textDocument/hover", "alone.playbook", last, 10, json!({}));
        let symbols = client.request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": client.uri("alone.playbook") } }),
        );
        (hover, symbols)
    };
    client.change("alone.playbook", &changed);
    let before_compile = ask(&mut client);
    assert_eq!(
        parses(&mut client),
        parsed,
        "no whole parse before the compile"
    );
    assert_eq!(reparses(&mut client), 1);
    client.diagnostics("alone.playbook");
    // The compilation's tree gives the index after the debounce: the
    // answers were the same.
    assert_eq!(ask(&mut client), before_compile);
    let hover = &before_compile.0;
    assert_eq!(hover["range"]["start"]["line"], json!(last), "{hover}");
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("role `fm`"),
        "{hover}"
    );
    let outline = before_compile.1.to_string();
    assert!(outline.contains("Prepare for the Engagement"), "{outline}");
    client.stop();
}

/// How many compilations took the open document's syntax tree, kept and
/// updated by the server, instead of parsing it.
fn kept_trees(client: &mut Client) -> u64 {
    client.request("playbook/status", Value::Null)["kept_trees"]
        .as_u64()
        .expect("a count of kept trees")
}

#[test]
fn a_change_inside_one_statement_is_compiled_without_parsing_the_document() {
    let mut client = Client::start();
    let text = open_alone(&mut client);
    assert_eq!(client.diagnostics("alone.playbook"), Vec::<Value>::new());
    let parsed = parses(&mut client);
    assert_eq!(kept_trees(&mut client), 0, "opening compiles by parsing");
    // Inside the first step: a role misspelt and a zero-width space typed
    // in the title, which the parse alone reports.
    let changed = text
        .replacen(
            "step prepare \"Prepare for Engagement",
            "step prepare \"Prepare for\u{200B} Engagement",
            1,
        )
        .replacen("    owner fm\n", "    owner fmm\n", 1);
    assert_ne!(changed, text, "the edit changes the text");
    client.change("alone.playbook", &changed);
    let diagnostics = client.diagnostics("alone.playbook");
    assert_eq!(
        parses(&mut client),
        parsed,
        "no whole parse of the document"
    );
    assert_eq!(reparses(&mut client), 1, "the step was parsed again");
    assert_eq!(
        kept_trees(&mut client),
        1,
        "and compiled from the kept tree"
    );
    client.stop();
    // What a compilation that parses the new text whole reports.
    let mut fresh = Client::start();
    fresh.open("alone.playbook", &changed);
    let expected = fresh.diagnostics("alone.playbook");
    fresh.stop();
    let codes: Vec<&Value> = expected.iter().map(|d| &d["code"]).collect();
    assert!(
        codes.contains(&&json!("undefined-reference"))
            && codes.contains(&&json!("suspicious-character")),
        "{expected:?}"
    );
    assert_eq!(diagnostics, expected);
}
