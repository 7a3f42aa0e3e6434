//! SARIF 2.1.0 output, as GitHub code scanning reads it.

use crate::diagnostic::{JsonDiagnostic, JsonFix};
use crate::registry::{Code, Severity};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Where the documentation of a rule is published: the repository's
/// `docs/rules/NAME.md`, when Cargo.toml names a repository.
fn help_uri(code: Code) -> Option<String> {
    let repository = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    (!repository.is_empty())
        .then(|| format!("{repository}/blob/main/docs/rules/{}.md", code.name()))
}

/// A SARIF log with one run holding every diagnostic.
pub fn log(diagnostics: &[JsonDiagnostic]) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|code| {
            let mut rule = json!({
                "id": code.name(),
                "name": code.name(),
                "shortDescription": { "text": code.summary() },
                "help": { "text": format!("Run `playbook explain {}`, or read docs/rules/{}.md.", code.name(), code.name()) },
                "defaultConfiguration": { "level": level(code.default_severity()) },
            });
            if let Some(uri) = help_uri(*code) {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let index = Code::ALL
                .iter()
                .position(|c| c.name() == d.code)
                .unwrap_or(0);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            if let Some(path) = &d.path {
                let values: Vec<String> = path
                    .values
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect();
                if !path.steps.is_empty() {
                    text.push_str(&format!("\npath: {}", path.steps.join(" -> ")));
                }
                text.push_str(&format!("\nwhen: {}", values.join(", ")));
            }
            let mut result = json!({
                "ruleId": d.code,
                "ruleIndex": index,
                "level": if d.severity == "error" { "error" } else { "warning" },
                "message": { "text": text },
                "locations": [location(&d.file, d.line, d.column, d.end_line, d.end_column)],
                "partialFingerprints": { "playbook/v1": fingerprint(d, &mut seen) },
            });
            if !d.fixes.is_empty() {
                result["fixes"] = d.fixes.iter().map(fix).collect();
            }
            if !d.related.is_empty() {
                result["relatedLocations"] = d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut l = location(&r.file, r.line, r.column, r.line, r.column);
                        l["id"] = json!(i);
                        l["message"] = json!({ "text": r.message });
                        l
                    })
                    .collect();
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "playbook",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// What identifies a result while lines move around it: the rule, the
/// file, the flagged text and the message, hashed (xxh3), then how many
/// results with the same hash came before it in this log.
fn fingerprint(d: &JsonDiagnostic, seen: &mut HashMap<String, usize>) -> String {
    let key = [d.code, &d.file, &d.flagged, &d.message].join("\0");
    let hash = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(key.as_bytes()));
    let n = seen.entry(hash.clone()).or_default();
    *n += 1;
    format!("{hash}:{n}")
}

/// A fix as SARIF's `fix`: the edits grouped by file, each a replaced
/// region (empty to insert) and the new text.
fn fix(f: &JsonFix) -> Value {
    let mut files: Vec<(&str, Vec<Value>)> = Vec::new();
    for e in &f.edits {
        let replacement = json!({
            "deletedRegion": {
                "startLine": e.line,
                "startColumn": e.column,
                "endLine": e.end_line,
                "endColumn": e.end_column,
            },
            "insertedContent": { "text": e.text },
        });
        match files.iter_mut().find(|(name, _)| *name == e.file) {
            Some((_, list)) => list.push(replacement),
            None => files.push((&e.file, vec![replacement])),
        }
    }
    json!({
        "description": { "text": f.title },
        "artifactChanges": files
            .into_iter()
            .map(|(file, replacements)| json!({
                "artifactLocation": { "uri": uri(file) },
                "replacements": replacements,
            }))
            .collect::<Vec<_>>(),
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn location(file: &str, line: usize, column: usize, end_line: usize, end_column: usize) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(file) },
            "region": {
                "startLine": line,
                "startColumn": column,
                "endLine": end_line,
                "endColumn": end_column.max(if end_line == line { column } else { 1 }),
            },
        },
    })
}

/// A relative path becomes a relative URI reference (each segment
/// percent-encoded, and `./` in front when the first segment has a `:`); an
/// absolute one becomes a `file:` URI.
fn uri(file: &str) -> String {
    let path = std::path::Path::new(file);
    if path.is_absolute() {
        return url::Url::from_file_path(path)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| file.to_string());
    }
    let normalized = file.replace('\\', "/");
    let mut out = String::new();
    if normalized
        .split('/')
        .next()
        .is_some_and(|s| s.contains(':'))
    {
        out.push_str("./");
    }
    for b in normalized.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn relative_paths_become_uri_references() {
        assert_eq!(uri("playbooks/a b.playbook"), "playbooks/a%20b.playbook");
        assert_eq!(uri("50%.playbook"), "50%25.playbook");
        assert_eq!(uri("a:b.playbook"), "./a%3Ab.playbook");
        assert_eq!(uri("中.playbook"), "%E4%B8%AD.playbook");
    }
}
