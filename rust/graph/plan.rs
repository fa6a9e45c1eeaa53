//! Planning: which nodes a run needs, in what order, and when each value can
//! be freed so its buffer goes back to the allocator as early as possible.

use super::fuse::{fuse, Replacements};
use super::node::{Graph, NodeId, NodeKind};
use crate::error::Result;
use crate::ops::OpRef;

/// The execution plan for a set of requested outputs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Needed nodes in topological order.
    pub order: Vec<NodeId>,
    /// `release[k]` lists the values no longer needed after step `k`.
    /// Empty when values are kept for a backward pass.
    pub release: Vec<Vec<NodeId>>,
    pub outputs: Vec<NodeId>,
    /// Nodes the run reads but does not compute: values computed by an
    /// earlier phase of the step, fed to `forward` like inputs.
    pub given: Vec<NodeId>,
    /// Fused steps: the op and inputs run at a node instead of the graph's.
    replaced: Replacements,
    /// Sorted ids of the rematerialized values a keep-all (training) run
    /// frees after their last forward reader; `backward` recomputes them.
    pub recomputed: Vec<NodeId>,
}

impl Plan {
    /// Plans a run producing `outputs`. With `keep_all`, nothing is released
    /// (the backward pass reads every forward value).
    pub fn new(graph: &Graph, outputs: &[NodeId], keep_all: bool) -> Result<Self> {
        Self::build(graph, outputs, keep_all, None, 0)
    }

    /// Like [`Plan::new`], with linear ops fused with the bias_add and
    /// activation after them (`graph::fuse`); without `keep_all` (no
    /// backward pass) also with batch_norm at inference. The outputs and the
    /// nodes in `keep` (gradient targets) keep their values.
    pub fn fused(
        graph: &Graph,
        outputs: &[NodeId],
        keep_all: bool,
        keep: &[NodeId],
    ) -> Result<Self> {
        Self::phase(graph, outputs, keep_all, keep, 0)
    }

    /// Like [`Plan::fused`] for one phase of a step with several updates:
    /// nodes numbered below `start` were traced before the update that
    /// opens this phase, so they are `given` (fed with the values the
    /// earlier phase computed), never recomputed from updated variables.
    pub fn phase(
        graph: &Graph,
        outputs: &[NodeId],
        keep_all: bool,
        keep: &[NodeId],
        start: NodeId,
    ) -> Result<Self> {
        let mut kept = outputs.to_vec();
        kept.extend_from_slice(keep);
        Self::build(graph, outputs, keep_all, Some(&kept), start)
    }

    /// Whether `backward` may recompute the value of `id` (see `recomputed`).
    pub fn recomputes(&self, id: NodeId) -> bool {
        self.recomputed.binary_search(&id).is_ok()
    }

    /// The op and inputs the plan runs at `id` (`None` for non-op nodes).
    pub fn op<'a>(
        &'a self,
        graph: &'a Graph,
        id: NodeId,
    ) -> Result<Option<(&'a OpRef, &'a [NodeId])>> {
        if let Some((op, inputs)) = self.replaced.get(&id) {
            return Ok(Some((op, inputs)));
        }
        Ok(match &graph.node(id)?.kind {
            NodeKind::Op { op, inputs } => Some((op, inputs)),
            _ => None,
        })
    }

    fn build(
        graph: &Graph,
        outputs: &[NodeId],
        keep_all: bool,
        fuse_keeping: Option<&[NodeId]>,
        start: NodeId,
    ) -> Result<Self> {
        let mut needed = vec![false; graph.len()];
        let mut given = Vec::new();
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
            if id < start {
                given.push(id);
                continue;
            }
            if let NodeKind::Op { inputs, .. } = &graph.node(id)?.kind {
                stack.extend(inputs.iter().copied().filter(|&i| !needed[i]));
            }
        }
        given.sort_unstable();
        let order: Vec<NodeId> = (start..graph.len()).filter(|&i| needed[i]).collect();
        let (order, replaced) = match fuse_keeping {
            Some(keep) => fuse(graph, &order, keep, !keep_all)?,
            None => (order, Replacements::new()),
        };
        let mut plan = Plan {
            release: vec![Vec::new(); order.len()],
            order,
            outputs: outputs.to_vec(),
            given,
            replaced,
            recomputed: Vec::new(),
        };
        let mut last_use = vec![None; graph.len()];
        for (step, &id) in plan.order.iter().enumerate() {
            if let Some((_, inputs)) = plan.op(graph, id)? {
                for &i in inputs {
                    last_use[i] = Some(step);
                }
            }
        }
        let kept = fuse_keeping.unwrap_or(outputs);
        for &id in &plan.order {
            if outputs.contains(&id) || (keep_all && kept.contains(&id)) {
                continue;
            }
            // Keep-all runs keep every value for the backward pass, except
            // the rematerialized ones, which it recomputes.
            let rematerialized = keep_all && graph.node(id)?.recompute;
            if keep_all && !rematerialized {
                continue;
            }
            if let Some(step) = last_use[id] {
                plan.release[step].push(id);
                if rematerialized {
                    plan.recomputed.push(id);
                }
            }
        }
        plan.recomputed.sort_unstable();
        Ok(plan)
    }
}
