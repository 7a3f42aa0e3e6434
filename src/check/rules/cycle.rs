//! `cycle`: steps, or items of one step, that wait for each other.
//!
//! Why: a step that waits for itself, directly or through others, can never
//! start. The whole path is reported: `a -> b -> c -> a`.

use super::Shape;
use crate::diagnostic::Diagnostic;
use crate::ir::Item;
use crate::registry::Code;
use rustc_hash::FxHashMap;

pub fn run(a: &Shape, out: &mut Vec<Diagnostic>) {
    for cycle in a.graph.cycles() {
        let names: Vec<&str> = cycle.iter().map(|s| a.step(*s).id.as_str()).collect();
        let first = a.step(cycle[0]);
        // Why each step waits for the one before it in the cycle.
        let why = |from: usize, to: usize| -> Option<crate::ir::Wait> {
            a.graph
                .graph
                .edge_references()
                .find(|e| {
                    use petgraph::visit::EdgeRef;
                    a.graph.graph[e.source()] == from && a.graph.graph[e.target()] == to
                })
                .map(|e| e.weight().clone())
        };
        let reason = |from: usize, to: usize| -> String {
            let other = &a.step(from).id;
            match why(from, to) {
                Some(crate::ir::Wait::Evidence(c)) => {
                    format!("waits for `{other}`, which records `{c}`")
                }
                Some(crate::ir::Wait::Decision(d)) => {
                    format!("waits for `{other}`, which asks `{d}`")
                }
                _ => format!("comes after `{other}`"),
            }
        };
        let last = cycle[cycle.len() - 2];
        let mut d = Diagnostic::new(
            Code::Cycle,
            first.span,
            format!(
                "steps wait for each other in a cycle: {}",
                names.join(" -> ")
            ),
        )
        .label(reason(last, cycle[0]));
        for pair in cycle[..cycle.len() - 1].windows(2) {
            d = d.with(a.step(pair[1]).span, reason(pair[0], pair[1]));
        }
        let decision = cycle.windows(2).find_map(|p| match why(p[0], p[1]) {
            Some(crate::ir::Wait::Decision(d)) => Some(d),
            _ => None,
        });
        let help = match decision {
            Some(d) => format!(
                "a step waits for the step that asks a decision it reads: ask `{d}` in a step that comes before every step that reads it"
            ),
            None => "remove one `after` (or one reused entry criterion) so that the steps can be ordered"
                .to_string(),
        };
        out.push(d.help(help));
    }
    item_cycles(a, out);
}

/// Cycles among the `after` clauses of items.
fn item_cycles(a: &Shape, out: &mut Vec<Diagnostic>) {
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
