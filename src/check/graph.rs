//! The step graph: steps as nodes; an edge `a -> b` when `b` must wait for
//! `a`, for the reasons [`Playbook::waits`] gives (the definition runs use
//! too). Every algorithm here is iterative.

use crate::ir::Playbook;
use petgraph::graph::{DiGraph, NodeIndex};
use rustc_hash::{FxHashMap, FxHashSet};

/// Why one step waits for another.
pub use crate::ir::Wait as Edge;

pub struct StepGraph {
    pub graph: DiGraph<usize, Edge>,
    nodes: Vec<NodeIndex>,
    /// Steps in an order that respects every edge (source order when there
    /// is a cycle, which is reported separately).
    order: Vec<usize>,
    /// Position of each step in `order`.
    rank: Vec<usize>,
    pub acyclic: bool,
}

impl StepGraph {
    pub fn new(model: &Playbook) -> StepGraph {
        let mut graph = DiGraph::with_capacity(model.steps.len(), model.steps.len());
        let nodes: Vec<NodeIndex> = (0..model.steps.len()).map(|i| graph.add_node(i)).collect();
        for (b, waits) in model.waits().into_iter().enumerate() {
            for (a, why) in waits {
                graph.add_edge(nodes[a], nodes[b], why);
            }
        }
        let (order, acyclic) = match petgraph::algo::toposort(&graph, None) {
            Ok(order) => (order.into_iter().map(|n| graph[n]).collect(), true),
            Err(_) => ((0..model.steps.len()).collect::<Vec<_>>(), false),
        };
        let mut rank = vec![0; order.len()];
        for (position, step) in order.iter().enumerate() {
            rank[*step] = position;
        }
        StepGraph {
            graph,
            nodes,
            order,
            rank,
            acyclic,
        }
    }

    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// Whether `to` waits, directly or not, for `from`.
    pub fn reaches(&self, from: usize, to: usize) -> bool {
        if from == to || (self.acyclic && self.rank[from] >= self.rank[to]) {
            return false;
        }
        // Walk backwards from `to`, never below `from`'s rank.
        let mut stack = vec![self.nodes[to]];
        let mut seen = FxHashSet::default();
        while let Some(n) = stack.pop() {
            for p in self
                .graph
                .neighbors_directed(n, petgraph::Direction::Incoming)
            {
                let step = self.graph[p];
                if step == from {
                    return true;
                }
                if (!self.acyclic || self.rank[step] > self.rank[from]) && seen.insert(p) {
                    stack.push(p);
                }
            }
        }
        false
    }

    /// Each cycle of steps, as the list of steps around it (first step
    /// repeated at the end), with the edge that closes it.
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        let mut cycles = Vec::new();
        for scc in petgraph::algo::kosaraju_scc(&self.graph) {
            let self_loop = scc.len() == 1 && self.graph.find_edge(scc[0], scc[0]).is_some();
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let members: FxHashSet<NodeIndex> = scc.iter().copied().collect();
            let start = *scc
                .iter()
                .min_by_key(|n| self.graph[**n])
                .unwrap_or(&scc[0]);
            // Breadth-first search inside the component back to `start`.
            let mut previous: FxHashMap<NodeIndex, NodeIndex> = FxHashMap::default();
            let mut queue = std::collections::VecDeque::from([start]);
            let mut closing = None;
            while let Some(n) = queue.pop_front() {
                let mut next: Vec<NodeIndex> = self
                    .graph
                    .neighbors(n)
                    .filter(|m| members.contains(m))
                    .collect();
                next.sort_by_key(|m| self.graph[*m]);
                for m in next {
                    if m == start {
                        closing = Some(n);
                        break;
                    }
                    if let std::collections::hash_map::Entry::Vacant(e) = previous.entry(m) {
                        e.insert(n);
                        queue.push_back(m);
                    }
                }
                if closing.is_some() {
                    break;
                }
            }
            let Some(closing) = closing else { continue };
            let mut back = vec![closing];
            let mut n = closing;
            while n != start {
                n = previous[&n];
                back.push(n);
            }
            back.reverse();
            let mut path: Vec<usize> = back.iter().map(|n| self.graph[*n]).collect();
            path.push(self.graph[start]);
            cycles.push(path);
        }
        cycles.sort();
        cycles
    }
}
