//! The module dependency table of `docs/ARCHITECTURE.md`, held against the
//! code: every `crate::` path a module's files use (outside `#[cfg(test)]`
//! modules and `tests.rs` files) names a module its row allows, and the table has no circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The rows of the table under `## Dependencies`, in order: module and
/// allowed modules (`None` for "any module").
fn table() -> Vec<(String, Option<BTreeSet<String>>)> {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/ARCHITECTURE.md"))
        .expect("docs/ARCHITECTURE.md");
    let section = doc
        .split("## Dependencies")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a `## Dependencies` section");
    let mut rows = Vec::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let module = cells[0].trim_matches('`').to_string();
        let allowed = if cells[1] == "any module" {
            None
        } else {
            Some(
                cells[1]
                    .split(',')
                    .map(|m| m.trim().trim_matches('`').to_string())
                    .filter(|m| !m.is_empty())
                    .collect(),
            )
        };
        rows.push((module, allowed));
    }
    rows
}

/// The modules `src/lib.rs` declares.
fn modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(Path::new(ROOT).join("src/lib.rs")).expect("src/lib.rs");
    lib.lines()
        .filter_map(|l| {
            let l = l.trim_start_matches("pub ");
            l.strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_string)
        })
        .collect()
}

/// Every `.rs` file under `path`.
fn files(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("a folder") {
            files(&entry.expect("an entry").path(), out);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The modules a module's files use, outside their test modules.
fn uses(module: &str, known: &BTreeSet<String>) -> BTreeMap<String, String> {
    let src = Path::new(ROOT).join("src");
    let mut paths = Vec::new();
    if module == "lib" {
        paths.push(src.join("lib.rs"));
    } else {
        files(&src.join(module), &mut paths);
        files(&src.join(format!("{module}.rs")), &mut paths);
    }
    let mut out = BTreeMap::new();
    // `tests.rs` files are test modules.
    paths.retain(|p| p.file_name().is_none_or(|n| n != "tests.rs"));
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("a source file");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let shown = path
            .strip_prefix(ROOT)
            .unwrap_or(&path)
            .display()
            .to_string();
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let name = if known.contains(&name) {
                name
            } else {
                "lib".to_string()
            };
            if name != module {
                out.entry(name).or_insert_with(|| shown.clone());
            }
        }
        if module == "lib" {
            // The root names its modules without `crate::`.
            for m in known {
                let named = code.match_indices(&format!("{m}::")).any(|(i, _)| {
                    !code[..i].ends_with(|c: char| c == ':' || c == '_' || c.is_alphanumeric())
                });
                if m != "lib" && named {
                    out.entry(m.clone()).or_insert_with(|| shown.clone());
                }
            }
        }
    }
    out
}

#[test]
fn every_module_uses_only_what_the_architecture_table_allows() {
    let table = table();
    let mut known = modules();
    known.insert("lib".to_string());
    let rows: BTreeSet<&String> = table.iter().map(|(m, _)| m).collect();
    let missing: Vec<&String> = known.iter().filter(|m| !rows.contains(m)).collect();
    assert!(missing.is_empty(), "modules without a row: {missing:?}");
    let stale: Vec<&&String> = rows.iter().filter(|m| !known.contains(**m)).collect();
    assert!(
        stale.is_empty(),
        "rows for modules that do not exist: {stale:?}"
    );
    let mut broken = Vec::new();
    for (module, allowed) in &table {
        let Some(allowed) = allowed else { continue };
        for (used, file) in uses(module, &known) {
            if !allowed.contains(&used) {
                broken.push(format!("{file}: `{module}` uses `{used}`"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "not in the table:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_architecture_table_has_no_circle_and_runs_from_the_leaves() {
    let table = table();
    for (i, (module, allowed)) in table.iter().enumerate() {
        for used in allowed.iter().flatten() {
            let at = table.iter().position(|(m, _)| m == used);
            assert!(
                at.is_some_and(|at| at < i),
                "`{module}` may use `{used}`, which is not above it in the table"
            );
        }
    }
}

/// The module path of a file under `src/` (`check/smt.rs` → `check::smt`,
/// `run/engine/mod.rs` → `run::engine`).
fn module_of(path: &Path) -> Vec<String> {
    let rel = path
        .strip_prefix(Path::new(ROOT).join("src"))
        .expect("under src");
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// Circles between the files of `src/` that are known and not yet broken:
/// none. (The last, `check/analysis.rs` and `check/smt.rs`, went when the
/// solver's state moved to `check/smt_state.rs`.)
const KNOWN_CIRCLES: &[&[&str]] = &[];

#[test]
fn no_file_of_src_uses_a_file_that_uses_it_back() {
    let mut paths = Vec::new();
    files(&Path::new(ROOT).join("src"), &mut paths);
    paths.retain(|p| {
        p.file_name()
            .is_none_or(|n| n != "tests.rs" && n != "main.rs")
    });
    let by_module: BTreeMap<Vec<String>, usize> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (module_of(p), i))
        .collect();
    // Which files each file names through `crate::` or `super::` paths,
    // outside comments and test modules.
    let mut uses: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); paths.len()];
    for (i, path) in paths.iter().enumerate() {
        let text = std::fs::read_to_string(path).expect("a source file");
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let me = module_of(path);
        for (prefix, base) in [
            ("crate::", Vec::new()),
            ("super::", me[..me.len().saturating_sub(1)].to_vec()),
        ] {
            for (at, _) in code.match_indices(prefix) {
                if code[..at].ends_with(|c: char| c == ':' || c.is_alphanumeric()) {
                    continue;
                }
                let rest = &code[at + prefix.len()..];
                let mut target = base.clone();
                for seg in rest.split("::") {
                    let name: String = seg
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if name.is_empty() {
                        break;
                    }
                    target.push(name.clone());
                    if name.len() != seg.len() {
                        break;
                    }
                }
                while !target.is_empty() {
                    if let Some(&j) = by_module.get(&target) {
                        if j != i {
                            uses[i].insert(j);
                        }
                        break;
                    }
                    target.pop();
                }
            }
        }
    }
    // Every pair that reaches each other, through any number of files.
    let reach = |from: usize| -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(f) = stack.pop() {
            for &g in &uses[f] {
                if seen.insert(g) {
                    stack.push(g);
                }
            }
        }
        seen
    };
    let name = |i: usize| {
        paths[i]
            .strip_prefix(ROOT)
            .unwrap_or(&paths[i])
            .display()
            .to_string()
    };
    let reaches: Vec<BTreeSet<usize>> = (0..paths.len()).map(reach).collect();
    let mut circles: BTreeSet<Vec<String>> = BTreeSet::new();
    for i in 0..paths.len() {
        if reaches[i].contains(&i) {
            let mut circle: Vec<String> = (0..paths.len())
                .filter(|&j| reaches[i].contains(&j) && reaches[j].contains(&i))
                .map(name)
                .collect();
            circle.sort();
            circles.insert(circle);
        }
    }
    let known: BTreeSet<Vec<String>> = KNOWN_CIRCLES
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
    assert_eq!(circles, known, "circles between files (and those known)");
}
