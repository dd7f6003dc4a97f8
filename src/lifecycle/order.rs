//! The order of a plan's changes when URLs move between subscriptions. A change that takes
//! a URL another subscription holds waits for the change that frees it ([`Change::after`]).
//! A URL is held by one subscription and taken by at most one entry (the file has no URL
//! twice), so each change waits for at most one and is waited for by at most one: the
//! waits form chains, which `apply` runs in order, and cycles (swaps), which no order can
//! make without a moment where events go to a wrong URL: those are blocked.

use super::plan::{Blocked, Change};

/// Marks every change in a cycle of waits as a swap, then every change that waits (directly
/// or down a chain) for a blocked one.
pub fn mark_blocked(changes: &mut [Change]) {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; changes.len()];
    for start in 0..changes.len() {
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state[i] {
                NEW => {
                    state[i] = ON_PATH;
                    path.push(i);
                    at = changes[i].after;
                }
                ON_PATH => {
                    // Back on this walk: the path from `i` on is a cycle.
                    let from = path.iter().position(|&p| p == i).unwrap_or(0);
                    let cycle = path[from..].to_vec();
                    for &member in &cycle {
                        let others = cycle
                            .iter()
                            .filter(|&&o| o != member)
                            .filter_map(|&o| changes[o].id.clone())
                            .collect();
                        changes[member].blocked = Some(Blocked::Swap(others));
                    }
                    break;
                }
                _ => break,
            }
        }
        for p in path {
            state[p] = DONE;
        }
    }
    // What waits for a blocked change is blocked too; a chain is at most as long as the plan.
    loop {
        let mut more = false;
        for i in 0..changes.len() {
            if changes[i].blocked.is_some() {
                continue;
            }
            if let Some(j) = changes[i].after {
                if changes[j].blocked.is_some() {
                    let id = changes[j].id.clone().unwrap_or_default();
                    changes[i].blocked = Some(Blocked::Waits(id));
                    more = true;
                }
            }
        }
        if !more {
            break;
        }
    }
}

/// For each change, the one that waits for it (at most one: see the module comment).
pub fn waiters(changes: &[Change]) -> Vec<Option<usize>> {
    let mut out = vec![None; changes.len()];
    for (i, c) in changes.iter().enumerate() {
        if let Some(j) = c.after {
            out[j] = Some(i);
        }
    }
    out
}
