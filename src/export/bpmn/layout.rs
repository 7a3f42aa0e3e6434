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
const ROW: i64 = 140;
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
    }
}

pub fn layout(p: &Process) -> Diagram {
    let n = p.nodes.len();
    // Columns: longest path from the nodes without incoming flows (Kahn's
    // order, no recursion).
    let mut column = vec![0usize; n];
    let mut waiting: Vec<usize> = p.nodes.iter().map(|x| x.incoming.len()).collect();
    let mut ready: Vec<usize> = (0..n).filter(|i| waiting[*i] == 0).rev().collect();
    while let Some(i) = ready.pop() {
        for &f in &p.nodes[i].outgoing {
            let t = p.flows[f].target;
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
    let mut taken: Vec<Vec<Vec<(usize, usize)>>> = vec![Vec::new(); lanes];
    let mut row_of_block: BTreeMap<usize, usize> = BTreeMap::new();
    for (from, block, to, lane) in by_start {
        let rows = &mut taken[lane];
        let row = rows
            .iter()
            .position(|used| used.iter().all(|(a, b)| to < *a || from > *b))
            .unwrap_or(rows.len());
        if row == rows.len() {
            rows.push(Vec::new());
        }
        rows[row].push((from, to));
        row_of_block.insert(block, row);
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
    let nodes: Vec<Bounds> = p
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

    let flows = p
        .flows
        .iter()
        .map(|f| {
            let (s, t) = (nodes[f.source], nodes[f.target]);
            let (sx, sy) = (s.x + s.width, s.center_y());
            let (tx, ty) = (t.x, t.center_y());
            if sy == ty {
                let blocked = nodes.iter().enumerate().any(|(i, b)| {
                    i != f.source && i != f.target && b.center_y() == sy && b.x > sx && b.x < tx
                });
                if blocked {
                    // Below the row, into the target from underneath.
                    let (scx, tcx) = (s.x + s.width / 2, t.x + t.width / 2);
                    let below = sy + ROW / 2 - 10;
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
                let turn = left + column[f.target] as i64 * COLUMN;
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
