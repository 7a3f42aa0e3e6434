//! GitHub Actions workflow annotations: one `::error` or `::warning` line
//! per diagnostic.

use crate::diagnostic::JsonDiagnostic;

/// The annotation line for a diagnostic: the title names the tool and the
/// code, as ruff's do (`playbook (undefined-reference)`); the message holds
/// what people read under the human format, one item a line (`%0A`): the
/// message, the counterexample path, the related places and the help.
pub fn annotation(d: &JsonDiagnostic) -> String {
    let kind = if d.severity == "error" {
        "error"
    } else {
        "warning"
    };
    let mut message = d.message.clone();
    if let Some(witness) = &d.witness {
        message.push('\n');
        message.push_str(witness);
    }
    for r in &d.related {
        message.push_str(&format!(
            "\n{}:{}:{}: {}",
            r.file, r.line, r.column, r.message
        ));
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        property(&d.file),
        d.line,
        d.column,
        d.end_line,
        d.end_column,
        property(&format!("playbook ({})", d.code)),
        data(&message)
    )
}

/// Escapes the message part.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_runner_would_read_as_syntax() {
        assert_eq!(data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(property("50%,\n"), "50%25%2C%0A");
    }

    #[test]
    fn one_line_holds_the_path_and_the_related_places() {
        let d = JsonDiagnostic {
            code: "duplicate-id",
            severity: "warning",
            message: "100% sure, twice".to_string(),
            file: "a,b:c.playbook".to_string(),
            line: 3,
            column: 5,
            end_line: 3,
            end_column: 9,
            help: Some("rename one".to_string()),
            related: vec![crate::diagnostic::JsonRelated {
                message: "first declared here".to_string(),
                file: "c.playbook".to_string(),
                line: 1,
                column: 2,
            }],
            path: None,
            fixes: Vec::new(),
            flagged: String::new(),
            witness: Some("path: a -> b, when x = true".to_string()),
        };
        assert_eq!(
            annotation(&d),
            "::warning file=a%2Cb%3Ac.playbook,line=3,col=5,endLine=3,endColumn=9,\
             title=playbook (duplicate-id)::100%25 sure, twice\
             %0Apath: a -> b, when x = true\
             %0Ac.playbook:1:2: first declared here\
             %0Ahelp: rename one"
        );
    }
}
