//! Pest's errors in words: "expected a step id, found `{`".
//!
//! Pest reports the rules it tried at the furthest position it reached. This
//! file names those rules the way a process owner would, and uses the keyword
//! just before the error to say what that statement looks like.

use super::Rule;
use crate::diagnostic::Diagnostic;
use crate::registry::Code;
use crate::source::{FileId, Span};

pub fn convert(file: FileId, text: &str, error: pest::error::Error<Rule>) -> Diagnostic {
    let offset = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let positives = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let found = found_at(text, offset);
    let previous = previous_word(text, offset);
    let expected = describe(&positives, previous);
    // The span covers the word found, or the one character found.
    let rest = text.get(offset..).unwrap_or("");
    let word_len: usize = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .map(char::len_utf8)
        .sum();
    let end = offset
        + if word_len > 0 {
            word_len
        } else {
            rest.chars().next().map_or(0, char::len_utf8)
        };
    let found_words = if found.is_empty() {
        "the end of the file".to_string()
    } else {
        format!("`{found}`")
    };
    let mut diagnostic = Diagnostic::new(
        Code::SyntaxError,
        Span::new(file, offset, end),
        format!("expected {expected}, found {found_words}"),
    )
    .label(format!("expected {expected}"));
    // The keyword of the statement being written: the word before the
    // error, or else the first word of its line.
    let keyword = previous
        .filter(|w| shape_of(w).is_some())
        .or_else(|| first_word_of_line(text, offset).filter(|w| shape_of(w).is_some()));
    let shape = keyword.and_then(shape_of);
    if shape.is_none()
        && expected.starts_with("a statement")
        && let Some(k) = misspelt_keyword(&found)
    {
        return diagnostic.did_you_mean(k);
    }
    let help = match shape {
        Some(shape) => format!("`{}` is written `{shape}`", keyword.unwrap_or_default()),
        None if expected.starts_with("a statement") => "a block holds statements that start with a keyword, such as `do`, `step` or `role`; see docs/language.md".to_string(),
        None if expected.contains("expression") => {
            "an expression is a value such as `seats`, `1000`, `10%` or `today`, or a comparison such as `seats >= 1000`".to_string()
        }
        None if expected.contains("end of the file") => {
            "a file holds one `playbook` or `catalogue` block; remove what follows its closing `}`".to_string()
        }
        None => "see docs/language.md for how each statement is written".to_string(),
    };
    diagnostic = diagnostic.help(help);
    diagnostic
}

/// The token at `offset`, for the message.
fn found_at(text: &str, offset: usize) -> String {
    let rest = text.get(offset..).unwrap_or("");
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .collect();
    if !word.is_empty() {
        return word;
    }
    for operator in ["==", "!=", "<=", ">=", "=>"] {
        if rest.starts_with(operator) {
            return operator.to_string();
        }
    }
    match rest.chars().next() {
        None => String::new(),
        Some(c) if c.is_control() || c == '\u{FEFF}' => format!("U+{:04X}", c as u32),
        Some(c) => c.to_string(),
    }
}

/// The word just before `offset`, skipping whitespace and comments.
fn previous_word(text: &str, offset: usize) -> Option<&str> {
    let before = text.get(..offset)?;
    let mut lines: Vec<&str> = before.lines().collect();
    if before.ends_with('\n') {
        lines.push("");
    }
    while let Some(line) = lines.pop() {
        let code = line.split("//").next().unwrap_or("").trim_end();
        if code.is_empty() {
            continue;
        }
        let start = code
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &code[start..];
        return (!word.is_empty()).then_some(word);
    }
    None
}

/// What a statement led by `keyword` looks like.
pub fn shape_of(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "playbook" => "playbook ID { ... }",
        "catalogue" => "catalogue ID { ... }",
        "locale" => "locale en",
        "translation" => "translation zh \"file.zh.toml\"",
        "use" => "use \"path/to/catalogue.playbook\"",
        "title" => "title \"Text\"",
        "description" => "description \"Text\"",
        "phase" => "phase ID, or phase ID \"Label\" in a catalogue",
        "motions" => "motions ID, ID",
        "audience" => "audience ID",
        "author" => "author \"Name\"",
        "owner" => "owner ROLE in a step or task, owner \"alias\" in the header",
        "revised" => "revised YYYY-MM-DD",
        "overview" => "overview \"\"\" text \"\"\"",
        "objectives" => "objectives { ID \"text\" ... }",
        "key-inputs" => "key-inputs { ID \"text\" ... }",
        "key-outputs" => "key-outputs { ID \"text\" ... }",
        "next-steps" => "next-steps { ID \"text\" ... }",
        "history" => "history { YYYY-MM-DD \"who\" \"what changed\" ... }",
        "motion" => "motion ID \"Label\"",
        "role" => "role ID \"Label\"",
        "note" => "note ID \"Label\"",
        "service" => "service ID \"Label\"",
        "template" => "template ID \"Label\" url \"https://...\"",
        "link" => "link ID \"Label\" url \"https://...\"",
        "url" => "url \"https://...\"",
        "enum" => "enum ID \"Label\" { VALUE \"Label\" ... }",
        "field" => "field ID: TYPE \"Label\"",
        "input" => "input ID: TYPE \"Label\"",
        "let" => "let ID: TYPE \"Label\" = EXPRESSION",
        "task" => "task NUMBER \"Name\" mandatory owner ROLE applies to all",
        "step" => "step ID \"Title\" { ... }",
        "with" => "with ROLE, ROLE",
        "applies" | "to" => "applies to all, or applies to SERVICE, SERVICE",
        "after" => "after ID, ID",
        "requires" => "requires CONDITION",
        "entry" => "entry ID \"text\" in NOTE [when CONDITION]",
        "exit" => "exit ID \"text\" in NOTE [when CONDITION]",
        "in" => "entry ID \"text\" in NOTE, or VALUE in SET",
        "when" => "when CONDITION",
        "do" => "do ID \"text\" [optional] [{ ... }]",
        "tip" => "tip ID \"text\"",
        "warning" => "warning ID \"text\"",
        "ask" => "ask ID: TYPE \"question\"",
        "if" => "if CONDITION { ... } else { ... }",
        "else" => "else { ... } or else if CONDITION { ... }",
        "match" => "match VALUE { A, B => ... else => ... }",
        "for" | "each" => "for each ID in SET { ... }",
        "send" => "send TEMPLATE to ROLE",
        "set" => "set FIELD = EXPRESSION",
        "request" => "request ROLE [to set FIELD = EXPRESSION]",
        "complete" => "complete task NUMBER",
        "record" => "record CRITERION",
        _ => return None,
    })
}

/// The declaration keywords whose next token is the declared id.
fn declares(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "playbook" => "a playbook id",
        "catalogue" => "a catalogue id",
        "step" => "a step id",
        "role" => "a role id",
        "note" => "a note id",
        "service" => "a service id",
        "template" => "a template id",
        "link" => "a link id",
        "motion" => "a motion id",
        "phase" => "a phase id",
        "enum" => "an enum id",
        "field" => "a field id",
        "input" => "an input id",
        "let" => "a definition id",
        "do" => "an item id",
        "tip" => "a tip id",
        "warning" => "a warning id",
        "ask" => "a decision id",
        "entry" | "exit" => "a criterion id",
        "owner" => "a role id",
        "with" => "a role id",
        "send" => "a template id",
        "after" => "a step or item id",
        "record" => "a criterion id",
        "locale" | "translation" => "a locale id such as `en` or `zh`",
        _ => return None,
    })
}

/// Names the expected rules in words.
fn describe(positives: &[Rule], previous: Option<&str>) -> String {
    if positives.is_empty() {
        return "something else".to_string();
    }
    if positives.iter().all(|r| *r == Rule::ident)
        && let Some(what) = previous.and_then(declares)
    {
        return what.to_string();
    }
    let mut words: Vec<String> = Vec::new();
    let mut statement = false;
    for rule in positives {
        let word = match rule {
            Rule::ident => "an id".to_string(),
            Rule::string | Rule::text_block => "a text in quotes".to_string(),
            Rule::int => "a number".to_string(),
            Rule::task_number => "a task number".to_string(),
            Rule::percent => "a percentage".to_string(),
            Rule::date => "a date (YYYY-MM-DD)".to_string(),
            Rule::body => "`{`".to_string(),
            Rule::close => "`}`".to_string(),
            Rule::colon => "`:`".to_string(),
            Rule::equals => "`=`".to_string(),
            Rule::arrow => "`=>`".to_string(),
            Rule::stmt => {
                statement = true;
                continue;
            }
            Rule::EOI => "the end of the file".to_string(),
            Rule::type_expr | Rule::named_type | Rule::set_type | Rule::one_of_type => {
                "a type".to_string()
            }
            Rule::expr | Rule::prefix_op | Rule::primary | Rule::subject => {
                "an expression".to_string()
            }
            Rule::cmp_op
            | Rule::add_op
            | Rule::mul_op
            | Rule::and_op
            | Rule::or_op
            | Rule::kw_and
            | Rule::kw_or => "an operator".to_string(),
            Rule::arm_head | Rule::stmt_arm | Rule::expr_arm => "a match arm".to_string(),
            Rule::list_entry | Rule::next_entry => "an entry `ID \"text\"`".to_string(),
            Rule::history_entry => "a history entry `YYYY-MM-DD \"who\" \"what\"`".to_string(),
            Rule::enum_value => "an enum value".to_string(),
            Rule::necessity => "`mandatory` or `optional`".to_string(),
            Rule::when_clause => "`when`".to_string(),
            Rule::url_clause => "`url`".to_string(),
            Rule::playbook | Rule::catalogue | Rule::file => {
                "`playbook` or `catalogue`".to_string()
            }
            Rule::month => "a month".to_string(),
            Rule::list_kind => {
                statement = true;
                continue;
            }
            Rule::unit => "a unit (days, weeks, months, years)".to_string(),
            other => {
                let name = format!("{other:?}");
                if let Some(keyword) = name.strip_prefix("kw_") {
                    format!("`{}`", keyword.replace('_', "-"))
                } else if name.ends_with("_stmt") || name.ends_with("_decl") {
                    statement = true;
                    continue;
                } else {
                    name.replace('_', " ")
                }
            }
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    // Many statement keywords at once: say "a statement".
    let keyword_count = words.iter().filter(|w| w.starts_with('`')).count();
    if statement || keyword_count > 4 {
        words.retain(|w| !w.starts_with('`') || w == "`}`");
        words.insert(0, "a statement".to_string());
    }
    match words.len() {
        0 => "something else".to_string(),
        1 => words.remove(0),
        _ => {
            let last = words.pop().unwrap_or_default();
            format!("{} or {}", words.join(", "), last)
        }
    }
}

/// The statement keyword `word` is most likely a misspelling of.
fn misspelt_keyword(word: &str) -> Option<&'static str> {
    if word.len() < 2 {
        return None;
    }
    let keywords = super::keywords::statement_words();
    let near = crate::suggest::closest(word, keywords.iter().copied().filter(|k| *k != word))?;
    keywords.iter().copied().find(|k| *k == near)
}

/// The first word on the line of `offset`.
fn first_word_of_line(text: &str, offset: usize) -> Option<&str> {
    let before = text.get(..offset)?;
    let start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line = text.get(start..)?.trim_start();
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(line.len());
    (end > 0).then(|| &line[..end])
}
