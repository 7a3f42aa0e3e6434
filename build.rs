//! Reads the grammar (`grammar/playbook.pest`) with pest's own grammar
//! parser and writes what `src/syntax/keywords.rs` derives the keyword
//! lists from, as plain data: every keyword, which rules each rule names,
//! and the keywords each rule starts with. So no list of keywords is
//! written by hand anywhere (issue 15).

use pest_meta::ast::{Expr, Rule};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

const GRAMMAR: &str = "grammar/playbook.pest";

fn main() {
    println!("cargo::rerun-if-changed={GRAMMAR}");
    println!("cargo::rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(GRAMMAR).expect("the grammar is readable");
    let pairs = pest_meta::parser::parse(pest_meta::parser::Rule::grammar_rules, &text)
        .unwrap_or_else(|e| panic!("{GRAMMAR}: {e}"));
    let rules =
        pest_meta::parser::consume_rules(pairs).unwrap_or_else(|e| panic!("{GRAMMAR}: {e:?}"));
    let grammar = Grammar {
        rules: rules.iter().map(|r| (r.name.as_str(), r)).collect(),
    };
    let mut out = String::new();
    out.push_str("// Written by build.rs from grammar/playbook.pest; do not edit.\n\n");
    out.push_str("/// Every `kw_*` rule and the word it matches, by rule name.\n");
    out.push_str("const KEYWORD_RULES: &[(&str, &str)] = &[\n");
    for rule in &rules {
        if let Some(word) = grammar.keyword(&rule.name) {
            writeln!(out, "    ({:?}, {word:?}),", rule.name).unwrap();
        }
    }
    out.push_str("];\n\n");
    out.push_str("/// Every rule and the rules it names.\n");
    out.push_str("const RULE_REFERENCES: &[(&str, &[&str])] = &[\n");
    for rule in &rules {
        let names: BTreeSet<&str> = rule
            .expr
            .iter_top_down()
            .filter_map(|e| match e {
                Expr::Ident(name) if grammar.rules.contains_key(name.as_str()) => {
                    Some(grammar.rules[name.as_str()].name.as_str())
                }
                _ => None,
            })
            .collect();
        writeln!(out, "    ({:?}, &{:?}),", rule.name, Vec::from_iter(names)).unwrap();
    }
    out.push_str("];\n\n");
    out.push_str(
        "/// Every rule that starts with a keyword and the words it may start\n\
         /// with: the keyword and the keywords that always follow it (`applies to`).\n",
    );
    out.push_str("const RULE_LEADS: &[(&str, &[&str])] = &[\n");
    for rule in &rules {
        let leads: BTreeSet<String> = grammar.leads(&rule.expr, &mut Vec::new());
        if !leads.is_empty() {
            writeln!(out, "    ({:?}, &{:?}),", rule.name, Vec::from_iter(leads)).unwrap();
        }
    }
    out.push_str("];\n");
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("keywords.rs");
    std::fs::write(path, out).unwrap();
}

struct Grammar<'a> {
    rules: BTreeMap<&'a str, &'a Rule>,
}

impl Grammar<'_> {
    /// The word a `kw_*` rule matches: `kw_next_steps = @{ "next-steps" ~ !id_tail }`.
    fn keyword(&self, name: &str) -> Option<String> {
        name.strip_prefix("kw_")?;
        let rule = self.rules.get(name)?;
        let word = rule.expr.iter_top_down().find_map(|e| match e {
            Expr::Str(s) => Some(s),
            _ => None,
        });
        Some(word.unwrap_or_else(|| panic!("`{name}` matches no word")))
    }

    /// The keyword `e` names, if it is a `kw_*` rule.
    fn keyword_of(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Ident(name) => self.keyword(name),
            _ => None,
        }
    }

    /// The keyword phrases `e` may start with: a keyword followed by every
    /// keyword right after it (`for each`). A statement's keyword is
    /// written `&kw_for ~ "for"`: the look-ahead names the keyword and the
    /// string matches it. `visiting` guards against recursion.
    fn leads(&self, e: &Expr, visiting: &mut Vec<String>) -> BTreeSet<String> {
        let mut items = Vec::new();
        flatten_seq(e, &mut items);
        let mut out = BTreeSet::new();
        let mut i = 0;
        while let Some(item) = items.get(i) {
            let start = match item {
                Expr::PosPred(inner) => self.keyword_of(inner).map(|k| {
                    // `&kw_for ~ "for"`: skip the string the look-ahead checked.
                    let skip = matches!(items.get(i + 1), Some(Expr::Str(s)) if *s == k);
                    (k, i + 1 + usize::from(skip))
                }),
                other => self.keyword_of(other).map(|k| (k, i + 1)),
            };
            if let Some((first, mut next)) = start {
                let mut phrase = vec![first];
                while let Some(k) = items.get(next).and_then(|e| self.keyword_of(e)) {
                    phrase.push(k);
                    next += 1;
                }
                out.insert(phrase.join(" "));
                return out;
            }
            match item {
                // Consume nothing: look at what follows.
                Expr::PosPred(_) | Expr::NegPred(_) => {}
                // May match nothing: what follows may start too.
                Expr::Opt(inner) | Expr::Rep(inner) => out.extend(self.leads(inner, visiting)),
                Expr::RepOnce(inner) => {
                    out.extend(self.leads(inner, visiting));
                    return out;
                }
                Expr::Choice(..) => {
                    let mut alternatives = Vec::new();
                    flatten_choice(item, &mut alternatives);
                    for a in alternatives {
                        out.extend(self.leads(a, visiting));
                    }
                    return out;
                }
                Expr::Ident(name) => {
                    if let Some(rule) = self.rules.get(name.as_str())
                        && !visiting.contains(name)
                    {
                        visiting.push(name.clone());
                        out.extend(self.leads(&rule.expr, visiting));
                        visiting.pop();
                    }
                    return out;
                }
                _ => return out,
            }
            i += 1;
        }
        out
    }
}

fn flatten_seq<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Seq(a, b) => {
            flatten_seq(a, out);
            flatten_seq(b, out);
        }
        other => out.push(other),
    }
}

fn flatten_choice<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Choice(a, b) => {
            flatten_choice(a, out);
            flatten_choice(b, out);
        }
        other => out.push(other),
    }
}
