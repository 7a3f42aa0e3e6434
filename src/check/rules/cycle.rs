//! `cycle`: steps, or items of one step, that wait for each other.
//!
//! Why: a step that waits for itself, directly or through others, can never
//! start. The whole path is reported: `a -> b -> c -> a`.

use super::Analysis;
use crate::diagnostic::Diagnostic;
use crate::ir::Item;
use crate::registry::Code;
use rustc_hash::FxHashMap;

pub fn run(a: &Analysis, out: &mut Vec<Diagnostic>) {
    for cycle in a.graph.cycles() {
        let names: Vec<&str> = cycle.iter().map(|s| a.step(*s).id.as_str()).collect();
        let first = a.step(cycle[0]);
        let mut d = Diagnostic::new(
            Code::Cycle,
            first.span,
            format!(
                "steps wait for each other in a cycle: {}",
                names.join(" -> ")
            ),
        )
        .label(format!("`{}` is part of the cycle", first.id))
        .help(
            "remove one `after` (or one reused entry criterion) so that the steps can be ordered",
        );
        for s in &cycle[1..cycle.len() - 1] {
            d = d.with(
                a.step(*s).span,
                format!("`{}` is part of the cycle", a.step(*s).id),
            );
        }
        out.push(d);
    }
    item_cycles(a, out);
}

/// Cycles among the `after` clauses of items.
fn item_cycles(a: &Analysis, out: &mut Vec<Diagnostic>) {
    let mut graph = petgraph::Graph::<usize, ()>::new();
    let mut nodes = FxHashMap::default();
    for (i, p) in a.items.iter().enumerate() {
        if let Item::Do(_) = p.item {
            nodes.insert(i, graph.add_node(i));
        }
    }
    for (i, p) in a.items.iter().enumerate() {
        if let Item::Do(d) = p.item {
            for before in &d.after {
                if let Some(j) = a.item_index.get(before.as_str())
                    && let (Some(&from), Some(&to)) = (nodes.get(j), nodes.get(&i))
                {
                    graph.add_edge(from, to, ());
                }
            }
        }
    }
    for scc in petgraph::algo::kosaraju_scc(&graph) {
        if scc.len() < 2 {
            continue;
        }
        let mut members: Vec<usize> = scc.iter().map(|n| graph[*n]).collect();
        members.sort();
        let names: Vec<&str> = members.iter().filter_map(|i| a.items[*i].id()).collect();
        let Item::Do(first) = a.items[members[0]].item else {
            continue;
        };
        out.push(
            Diagnostic::new(
                Code::Cycle,
                first.span,
                format!(
                    "items wait for each other in a cycle: {} -> {}",
                    names.join(" -> "),
                    names[0]
                ),
            )
            .label("part of the cycle")
            .help("remove one of the `after` clauses so that the items can be ordered"),
        );
    }
}
