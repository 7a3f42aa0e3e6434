//! GitHub Actions workflow annotations: one `::error` or `::warning` line
//! per diagnostic.

use crate::diagnostic::JsonDiagnostic;

/// The annotation line for a diagnostic.
pub fn annotation(d: &JsonDiagnostic) -> String {
    let kind = if d.severity == "error" {
        "error"
    } else {
        "warning"
    };
    let mut message = d.message.clone();
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
        property(d.code),
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
    }
}
