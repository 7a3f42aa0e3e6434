//! `history-out-of-order`: history entries not in date order.
//!
//! Why: readers scan the history for the latest change; entries out of order
//! hide it. Oldest first and newest first are both accepted, not a mix.

use super::Shape;
use crate::diagnostic::Diagnostic;
use crate::registry::Code;

pub fn run(a: &Shape, out: &mut Vec<Diagnostic>) {
    let h = &a.model.header.history;
    if h.len() < 2 {
        return;
    }
    let ascending = h.windows(2).all(|w| w[0].date <= w[1].date);
    let descending = h.windows(2).all(|w| w[0].date >= w[1].date);
    if ascending || descending {
        return;
    }
    // The first entry that breaks the direction the first pair sets.
    let up = h[0].date <= h[1].date;
    let Some(i) = (1..h.len()).find(|&i| {
        if up {
            h[i - 1].date > h[i].date
        } else {
            h[i - 1].date < h[i].date
        }
    }) else {
        return;
    };
    out.push(
        Diagnostic::new(
            Code::HistoryOutOfOrder,
            h[i].span,
            format!(
                "history entry {} comes after {} but is {}",
                h[i].date,
                h[i - 1].date,
                if up { "older" } else { "newer" }
            ),
        )
        .label("out of order")
        .help("list the history oldest first (or newest first) throughout"),
    );
}
