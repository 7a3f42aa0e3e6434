//! The keywords of the language, derived from the grammar: the one list
//! that syntax errors ("did you mean"), the language server's completion
//! and the resolver's reserved words use, and that the TextMate grammar of
//! `editors/vscode/` is tested against.
//!
//! `build.rs` reads `grammar/playbook.pest` with pest's own grammar parser
//! and writes three tables, included here: every `kw_*` rule with its
//! word, the rules each rule names, and the keywords each rule starts with.
//! Everything below is computed from them; where a list deliberately
//! differs from what the grammar says, the difference is data in this file
//! with the reason next to it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

include!(concat!(env!("OUT_DIR"), "/keywords.rs"));

/// The rule every statement is one of.
const STATEMENT: &str = "stmt";

/// The rule of expressions.
const EXPRESSION: &str = "expr";

/// Rules of expressions whose keywords are not expression keywords: the
/// duration units (`30 days`, `1 year`) stand only right after a number,
/// where no id can, so `day`, `weeks` or `months` stay free as ids and are
/// not offered where an operand or operator is expected. (`year` is an
/// expression keyword all the same: `year of d` starts an operand.)
const AFTER_A_NUMBER: &[&str] = &["unit"];

struct Lists {
    all: Vec<&'static str>,
    statement_words: Vec<&'static str>,
    statement_phrases: Vec<&'static str>,
    expression_words: Vec<&'static str>,
    expression_phrases: Vec<&'static str>,
}

static LISTS: LazyLock<Lists> = LazyLock::new(|| {
    let leads: BTreeMap<&str, &[&str]> = RULE_LEADS.iter().copied().collect();
    let mut all: Vec<&str> = KEYWORD_RULES.iter().map(|(_, word)| *word).collect();
    all.sort_unstable();
    all.dedup();
    let statement_phrases: Vec<&str> = leads.get(STATEMENT).copied().unwrap_or_default().to_vec();
    let mut statement_words: Vec<&str> = statement_phrases.iter().map(|p| first_word(p)).collect();
    statement_words.sort_unstable();
    statement_words.dedup();
    // Every rule an expression reaches, but for the units.
    let references: BTreeMap<&str, &[&str]> = RULE_REFERENCES.iter().copied().collect();
    let mut reached = BTreeSet::from([EXPRESSION]);
    let mut todo = vec![EXPRESSION];
    while let Some(rule) = todo.pop() {
        for &next in references.get(rule).copied().unwrap_or_default() {
            if !AFTER_A_NUMBER.contains(&next) && reached.insert(next) {
                todo.push(next);
            }
        }
    }
    let mut expression_words: Vec<&str> = KEYWORD_RULES
        .iter()
        .filter(|(rule, _)| reached.contains(rule))
        .map(|(_, word)| *word)
        .collect();
    expression_words.sort_unstable();
    expression_words.dedup();
    // What an expression may start with or continue with, by first word.
    // A word that starts one phrase only is offered as that phrase
    // (`count of`); one that starts several (`not`, `not in`) as the word.
    let mut by_word: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for rule in &reached {
        for &phrase in leads.get(rule).copied().unwrap_or_default() {
            by_word
                .entry(first_word(phrase))
                .or_default()
                .insert(phrase);
        }
    }
    let mut expression_phrases: Vec<&str> = by_word
        .into_iter()
        .map(|(word, phrases)| match phrases.first() {
            Some(&only) if phrases.len() == 1 => only,
            _ => word,
        })
        .collect();
    expression_phrases.sort_unstable();
    Lists {
        all,
        statement_words,
        statement_phrases,
        expression_words,
        expression_phrases,
    }
});

fn first_word(phrase: &str) -> &str {
    phrase.split(' ').next().unwrap_or(phrase)
}

/// Every keyword of the language, in alphabetical order.
pub fn all() -> &'static [&'static str] {
    &LISTS.all
}

/// The keywords a statement may start with (`do`, `applies`, `objectives`),
/// in alphabetical order.
pub fn statement_words() -> &'static [&'static str] {
    &LISTS.statement_words
}

/// What a statement may start with, each keyword with the keywords that
/// always follow it (`do`, `applies to`, `for each`), in alphabetical order.
pub fn statement_phrases() -> &'static [&'static str] {
    &LISTS.statement_phrases
}

/// The keywords of expressions (`and`, `not`, `true`, `count`, `of`), in
/// alphabetical order: no value may be declared with one of these as id,
/// since it could not be told from the keyword where it is used.
pub fn expression_words() -> &'static [&'static str] {
    &LISTS.expression_words
}

/// What an operand or an operator may start with (`not`, `count of`,
/// `and`, `else`), in alphabetical order. `of` is not among them: it only
/// ever follows another word (`count of`, `10% of`).
pub fn expression_phrases() -> &'static [&'static str] {
    &LISTS.expression_phrases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{Grammar, Rule};
    use pest::Parser as _;

    #[test]
    fn every_keyword_rule_matches_exactly_its_word() {
        let mut rules = 0;
        for rule in Rule::all_rules() {
            let name = format!("{rule:?}");
            if !name.starts_with("kw_") {
                continue;
            }
            rules += 1;
            let word = KEYWORD_RULES
                .iter()
                .find(|(r, _)| *r == name)
                .map(|(_, w)| *w)
                .unwrap_or_else(|| panic!("`{name}` is not in the keyword table"));
            let parsed = Grammar::parse(*rule, word).unwrap();
            assert_eq!(parsed.as_str(), word, "{name}");
            assert!(
                Grammar::parse(*rule, &format!("{word}-x")).is_err(),
                "{name}"
            );
            assert!(all().contains(&word));
        }
        assert_eq!(rules, KEYWORD_RULES.len());
        assert_eq!(all().len(), KEYWORD_RULES.len(), "two rules match one word");
    }

    /// How far the grammar gets into a statement that starts with `phrase`
    /// and goes on with one of a few usual continuations.
    fn statement_reach(phrase: &str) -> usize {
        ["x", "\"t\"", "{}", "1"]
            .iter()
            .map(|rest| {
                let text = format!("{phrase} {rest}");
                match Grammar::parse(Rule::stmt, &text) {
                    Ok(_) => text.len(),
                    Err(e) => match e.location {
                        pest::error::InputLocation::Pos(at) => at,
                        pest::error::InputLocation::Span((_, end)) => end,
                    },
                }
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn every_statement_phrase_starts_a_statement() {
        for phrase in statement_phrases() {
            assert!(statement_reach(phrase) > phrase.len(), "{phrase}");
        }
        for word in [
            "playbook",
            "catalogue",
            "and",
            "else",
            "to",
            "each",
            "recorded",
            "url",
        ] {
            assert!(!statement_words().contains(&word), "{word}");
            assert_eq!(statement_reach(word), 0, "{word}");
        }
    }

    #[test]
    fn statements_are_offered_with_the_keyword_that_always_follows() {
        let phrases = statement_phrases();
        for phrase in [
            "applies to",
            "complete task",
            "for each",
            "do",
            "objectives",
        ] {
            assert!(phrases.contains(&phrase), "{phrase} in {phrases:?}");
        }
        assert!(!phrases.contains(&"applies") && !phrases.contains(&"request to"));
        assert_eq!(phrases.len(), statement_words().len());
    }

    #[test]
    fn the_units_are_not_expression_keywords_but_year_is() {
        let words = expression_words();
        for word in [
            "and", "or", "not", "in", "contains", "of", "year", "count", "match", "else",
            "recorded", "true", "false", "today",
        ] {
            assert!(words.contains(&word), "{word} in {words:?}");
        }
        for word in [
            "day", "days", "weeks", "months", "years", "set", "one", "if", "step",
        ] {
            assert!(!words.contains(&word), "{word} in {words:?}");
        }
    }

    #[test]
    fn expression_phrases_are_the_expression_keywords_as_typed() {
        let phrases = expression_phrases();
        for phrase in ["count of", "year of", "not", "in", "else", "match"] {
            assert!(phrases.contains(&phrase), "{phrase} in {phrases:?}");
        }
        for phrase in ["of", "not in", "count", "year", "days"] {
            assert!(!phrases.contains(&phrase), "{phrase} in {phrases:?}");
        }
        let words: Vec<&str> = phrases.iter().map(|p| first_word(p)).collect();
        let mut expected = expression_words().to_vec();
        expected.retain(|w| *w != "of");
        assert_eq!(words, expected);
    }
}
