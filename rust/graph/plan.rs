//! Planning: which nodes a run needs, in what order, and when each value can
//! be freed so its buffer goes back to the allocator as early as possible.

use super::node::{Graph, NodeId, NodeKind};
use crate::error::Result;

/// The execution plan for a set of requested outputs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Needed nodes in topological order.
    pub order: Vec<NodeId>,
    /// `release[k]` lists the values no longer needed after step `k`.
    /// Empty when values are kept for a backward pass.
    pub release: Vec<Vec<NodeId>>,
    pub outputs: Vec<NodeId>,
}

impl Plan {
    /// Plans a run producing `outputs`. With `keep_all`, nothing is released
    /// (the backward pass reads every forward value).
    pub fn new(graph: &Graph, outputs: &[NodeId], keep_all: bool) -> Result<Self> {
        let mut needed = vec![false; graph.len()];
        let mut stack: Vec<NodeId> = Vec::new();
        for &o in outputs {
            graph.node(o)?;
            stack.push(o);
        }
        while let Some(id) = stack.pop() {
            if needed[id] {
                continue;
            }
            needed[id] = true;
            if let NodeKind::Op { inputs, .. } = &graph.node(id)?.kind {
                stack.extend(inputs.iter().copied().filter(|&i| !needed[i]));
            }
        }
        let order: Vec<NodeId> = (0..graph.len()).filter(|&i| needed[i]).collect();
        let mut release = vec![Vec::new(); order.len()];
        if !keep_all {
            let mut last_use = vec![None; graph.len()];
            for (step, &id) in order.iter().enumerate() {
                if let NodeKind::Op { inputs, .. } = &graph.node(id)?.kind {
                    for &i in inputs {
                        last_use[i] = Some(step);
                    }
                }
            }
            for &id in &order {
                if outputs.contains(&id) {
                    continue;
                }
                if let Some(step) = last_use[id] {
                    release[step].push(id);
                }
            }
        }
        Ok(Plan {
            order,
            release,
            outputs: outputs.to_vec(),
        })
    }
}
