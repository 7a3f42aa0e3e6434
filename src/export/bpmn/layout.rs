//! The diagram: where each shape goes and how each flow is drawn.
//!
//! Flow nodes go in columns by their longest distance from the start, so
//! every flow points right. Each lane is a band of rows; the nodes of one
//! block (a step with its gateways and loops) share a row, and a block takes
//! the first row of its lane that is free over its columns, so parallel
//! steps of one role sit one above the other. Flows are drawn with right
//! angles: a flow within a row is straight, or passes below the row when a
//! shape stands in its way; a flow between rows turns just before its
//! target's column.

use super::{Kind, Process};
use std::collections::BTreeMap;

/// Left edge of the pool.
pub const POOL_X: i64 = 100;
/// Top edge of the pool.
pub const POOL_Y: i64 = 80;
/// Width of the pool's and of each lane's title band.
pub const HEADER: i64 = 30;
const COLUMN: i64 = 160;
const ROW: i64 = 160;
/// Space between a sub-process's border and its nodes.
const PADDING: i64 = 20;
/// Space between the lane's title band and the first column.
const MARGIN: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

impl Bounds {
    fn center_y(&self) -> i64 {
        self.y + self.height / 2
    }
}

pub struct Diagram {
    pub pool: Bounds,
    pub lanes: Vec<Bounds>,
    pub nodes: Vec<Bounds>,
    pub flows: Vec<Vec<(i64, i64)>>,
}

fn size(kind: &Kind) -> (i64, i64) {
    match kind {
        Kind::Start { .. } | Kind::End => (36, 36),
        Kind::Exclusive | Kind::Parallel => (50, 50),
        Kind::UserTask { .. } | Kind::ScriptTask { .. } => (100, 80),
        // Sized around its nodes afterwards.
        Kind::SubProcess => (0, 0),
    }
}

/// A row of the diagram: the sub-process it is in, and its middle.
type Row = (Option<usize>, i64);

pub fn layout(p: &Process) -> Diagram {
    let n = p.nodes.len();
    // A flow into a sub-process goes on from its start event, and a flow
    // out of it from its end event, for placing nodes in columns.
    // Each sub-process's first start and end event, and its nodes, found
    // in one pass (a search per flow made large playbooks quadratic).
    let mut first_start: Vec<Option<usize>> = vec![None; n];
    let mut first_end: Vec<Option<usize>> = vec![None; n];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, x) in p.nodes.iter().enumerate() {
        let Some(parent) = x.parent else { continue };
        children[parent].push(i);
        match x.kind {
            Kind::Start { .. } => {
                first_start[parent].get_or_insert(i);
            }
            Kind::End => {
                first_end[parent].get_or_insert(i);
            }
            _ => {}
        }
    }
    let inner = |sub: usize, start: bool| {
        if start {
            first_start[sub]
        } else {
            first_end[sub]
        }
    };
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut waiting = vec![0usize; n];
    for f in &p.flows {
        let mut from = f.source;
        let mut to = f.target;
        if matches!(p.nodes[from].kind, Kind::SubProcess) {
            from = inner(from, false).unwrap_or(from);
        }
        if matches!(p.nodes[to].kind, Kind::SubProcess) {
            to = inner(to, true).unwrap_or(to);
        }
        next[from].push(to);
        waiting[to] += 1;
    }
    // Columns: longest path from the nodes without incoming flows (Kahn's
    // order, no recursion).
    let mut column = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n)
        .filter(|i| waiting[*i] == 0 && !matches!(p.nodes[*i].kind, Kind::SubProcess))
        .rev()
        .collect();
    while let Some(i) = ready.pop() {
        for &t in &next[i] {
            column[t] = column[t].max(column[i] + 1);
            waiting[t] -= 1;
            if waiting[t] == 0 {
                ready.push(t);
            }
        }
    }

    // Rows: blocks in order of their first column, each in the first row
    // of its lane that is free over its columns.
    let mut blocks: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
    for (i, node) in p.nodes.iter().enumerate() {
        if matches!(node.kind, Kind::SubProcess) {
            continue;
        }
        let e = blocks
            .entry(node.block)
            .or_insert((column[i], column[i], node.lane));
        e.0 = e.0.min(column[i]);
        e.1 = e.1.max(column[i]);
    }
    let mut by_start: Vec<(usize, usize, usize, usize)> = blocks
        .iter()
        .map(|(b, (from, to, lane))| (*from, *b, *to, *lane))
        .collect();
    by_start.sort();
    let lanes = p.lanes.len().max(1);
    // Blocks come in order of their first column, so a block fits in a row
    // exactly when it starts after the last column the row uses.
    let mut taken: Vec<Vec<usize>> = vec![Vec::new(); lanes];
    let mut row_of_block: BTreeMap<usize, usize> = BTreeMap::new();
    for (from, block, to, lane) in by_start {
        let rows = &mut taken[lane];
        match rows.iter().position(|last| from > *last) {
            Some(row) => {
                rows[row] = to;
                row_of_block.insert(block, row);
            }
            None => {
                rows.push(to);
                row_of_block.insert(block, rows.len() - 1);
            }
        }
    }

    // Lanes stacked in order, as many rows high as they need.
    let columns = column.iter().max().map(|c| c + 1).unwrap_or(1) as i64;
    let width = HEADER * 2 + MARGIN * 2 + columns * COLUMN;
    let mut lane_bounds = Vec::new();
    let mut y = POOL_Y;
    for rows in &taken {
        let height = rows.len().max(1) as i64 * ROW;
        lane_bounds.push(Bounds {
            x: POOL_X + HEADER,
            y,
            width: width - HEADER,
            height,
        });
        y += height;
    }
    let pool = Bounds {
        x: POOL_X,
        y: POOL_Y,
        width,
        height: y - POOL_Y,
    };

    let left = POOL_X + HEADER * 2 + MARGIN;
    let mut nodes: Vec<Bounds> = p
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let (w, h) = size(&node.kind);
            let row = row_of_block.get(&node.block).copied().unwrap_or(0) as i64;
            let lane = lane_bounds[node.lane.min(lane_bounds.len() - 1)];
            let cx = left + column[i] as i64 * COLUMN + COLUMN / 2;
            let cy = lane.y + row * ROW + ROW / 2;
            Bounds {
                x: cx - w / 2,
                y: cy - h / 2,
                width: w,
                height: h,
            }
        })
        .collect();
    // A sub-process frames its nodes.
    for (i, node) in p.nodes.iter().enumerate() {
        if !matches!(node.kind, Kind::SubProcess) {
            continue;
        }
        let children: Vec<Bounds> = children[i].iter().map(|&c| nodes[c]).collect();
        let Some(x) = children.iter().map(|b| b.x).min() else {
            continue;
        };
        let right = children.iter().map(|b| b.x + b.width).max().unwrap_or(x);
        // Over every row its nodes use (branches of a gateway take rows
        // of their own).
        let top = children.iter().map(|b| b.center_y()).min().unwrap_or(0) - ROW / 2 + 10;
        let bottom = children.iter().map(|b| b.center_y()).max().unwrap_or(0) + ROW / 2 - 10;
        nodes[i] = Bounds {
            x: x - PADDING,
            y: top,
            width: right - x + 2 * PADDING,
            height: bottom - top,
        };
    }

    // The nodes of each parent and row, by their left edge, to find what
    // stands between the two ends of a straight flow.
    let mut on_row: BTreeMap<Row, Vec<(i64, usize)>> = BTreeMap::new();
    for (i, b) in nodes.iter().enumerate() {
        on_row
            .entry((p.nodes[i].parent, b.center_y()))
            .or_default()
            .push((b.x, i));
    }
    for row in on_row.values_mut() {
        row.sort_unstable();
    }
    let flows = p
        .flows
        .iter()
        .map(|f| {
            let (s, t) = (nodes[f.source], nodes[f.target]);
            let (sx, sy) = (s.x + s.width, s.center_y());
            let (tx, ty) = (t.x, t.center_y());
            if sy == ty {
                let parent = p.nodes[f.source].parent;
                let blocked = on_row.get(&(parent, sy)).is_some_and(|row| {
                    let first = row.partition_point(|(x, _)| *x <= sx);
                    row[first..]
                        .iter()
                        .take_while(|(x, _)| *x < tx)
                        .any(|(_, i)| *i != f.source && *i != f.target)
                });
                if blocked {
                    // Below the row, into the target from underneath.
                    let (scx, tcx) = (s.x + s.width / 2, t.x + t.width / 2);
                    let below = sy + ROW / 2 - 25;
                    vec![
                        (scx, s.y + s.height),
                        (scx, below),
                        (tcx, below),
                        (tcx, t.y + t.height),
                    ]
                } else {
                    vec![(sx, sy), (tx, ty)]
                }
            } else {
                let target = if matches!(p.nodes[f.target].kind, Kind::SubProcess) {
                    inner(f.target, true).unwrap_or(f.target)
                } else {
                    f.target
                };
                let turn = left + column[target] as i64 * COLUMN;
                vec![(sx, sy), (turn, sy), (turn, ty), (tx, ty)]
            }
        })
        .collect();

    Diagram {
        pool,
        lanes: lane_bounds,
        nodes,
        flows,
    }
}
