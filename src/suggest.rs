//! Suggestions for misspelled names, one rule for every stage that makes
//! them (names in the resolver and the checks, configuration keys, problem
//! codes, keywords in syntax errors).

/// The candidate nearest to `name` by edit distance, if it is close enough
/// to be a likely misspelling: at most one edit per three characters (and
/// at least one). Ties go to the candidate first in alphabetical order.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn a_near_name_is_suggested_and_a_far_one_is_not() {
        assert_eq!(
            closest("customer-knwon", ["customer-known", "kickoff"]),
            Some("customer-known".to_string())
        );
        assert_eq!(closest("xyz", ["customer-known"]), None);
    }

    #[test]
    fn ties_go_to_the_first_name_alphabetically() {
        assert_eq!(closest("ab", ["ac", "aa"]), Some("aa".to_string()));
    }
}
