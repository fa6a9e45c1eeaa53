//! The phases of a training step with several updates.
//!
//! A compiled `fit` step has one update: forward, backward, apply. A
//! `train_step` override may apply several optimizers one after the other
//! (a GAN updates its discriminator, then trains its generator against the
//! updated discriminator). The trace records where each update happened as
//! a node number: nodes traced after update `k` read the variables as that
//! update left them, so they must run after it. The graph is therefore cut
//! into segments at those numbers, each planned on its own; values a later
//! segment (or the step's record) needs are carried over, never recomputed,
//! so a later segment sees exactly what the Python code saw.

use super::StepGraph;
use crate::error::{Error, Result};
use crate::graph::{Graph, NodeId, NodeKind, Plan};
use std::collections::BTreeSet;

/// One update of a step: the gradients of `loss` for `trainable`, applied by
/// optimizer `optimizer`, then the constraints.
#[derive(Debug, Clone)]
pub struct Phase {
    /// The scalar loss differentiated. Its gradients flow through the nodes
    /// of its own segment (a tape records only the ops run under it).
    pub loss: NodeId,
    /// Trainable variable nodes: differentiated and updated.
    pub trainable: Vec<NodeId>,
    /// Which of the step's optimizers applies the update.
    pub optimizer: usize,
    /// (variable node, projected value node): after the update, each
    /// constraint is evaluated on the updated variable and assigned to it.
    pub constraints: Vec<(NodeId, NodeId)>,
    /// The first node traced after this update (`NodeId::MAX` when nothing
    /// was traced after it, as in a compiled `fit`).
    pub end: NodeId,
}

impl Phase {
    /// The single update of a compiled `fit` step.
    pub fn single(loss: NodeId, trainable: Vec<NodeId>) -> Self {
        Self {
            loss,
            trainable,
            optimizer: 0,
            constraints: Vec::new(),
            end: NodeId::MAX,
        }
    }
}

/// The plans of a training step, one per segment.
#[derive(Debug, Clone)]
pub struct TrainPlans {
    /// Segment `s` runs the nodes traced between update `s - 1` and update
    /// `s`; the last one, after every update, computes the record.
    pub segments: Vec<Plan>,
    /// Per segment, the values it computes that a later segment or the
    /// record reads: carried over instead of recomputed.
    pub exports: Vec<Vec<NodeId>>,
    /// Per segment, the phases whose loss it computes (their gradients are
    /// taken right after its forward pass).
    pub gradients: Vec<Vec<usize>>,
    /// Per phase, the plan of its constraints (`None` without constraints).
    pub constraints: Vec<Option<Plan>>,
}

impl TrainPlans {
    /// Plans `step`: segments cut at the phases' ends.
    pub fn new(graph: &Graph, step: &StepGraph) -> Result<Self> {
        let phases = &step.phases;
        if phases.is_empty() {
            return Err(Error::graph("a training step needs at least one update"));
        }
        if phases.windows(2).any(|w| w[1].end < w[0].end) {
            return Err(Error::graph(
                "the updates of a training step must be in trace order",
            ));
        }
        let ends: Vec<NodeId> = phases.iter().map(|p| p.end).collect();
        let segment_of = |id: NodeId| ends.iter().take_while(|&&end| end <= id).count();
        let last = phases.len();

        // Each segment's roots: the losses and trainable variables of the
        // phases differentiated there; the record's nodes for the last one.
        let mut roots: Vec<Vec<NodeId>> = vec![Vec::new(); last + 1];
        let mut gradients: Vec<Vec<usize>> = vec![Vec::new(); last + 1];
        for (k, phase) in phases.iter().enumerate() {
            graph.node(phase.loss)?;
            let s = segment_of(phase.loss);
            if s > k {
                return Err(Error::graph(format!(
                    "update {k} differentiates a loss traced after it (node {})",
                    phase.loss
                )));
            }
            gradients[s].push(k);
            roots[s].push(phase.loss);
            roots[s].extend(&phase.trainable);
        }
        roots[last].extend(step.final_outputs());

        // Walk back from every root; a value read by a later segment than
        // its own is exported by its segment.
        let mut exports: Vec<BTreeSet<NodeId>> = vec![BTreeSet::new(); last + 1];
        let mut seen = vec![false; graph.len()];
        let mut stack: Vec<(NodeId, usize)> = Vec::new();
        for (s, nodes) in roots.iter().enumerate() {
            for &n in nodes {
                graph.node(n)?;
                stack.push((n, s));
            }
        }
        while let Some((id, reader)) = stack.pop() {
            let own = segment_of(id);
            if own < reader {
                exports[own].insert(id);
            }
            if seen[id] {
                continue;
            }
            seen[id] = true;
            if let NodeKind::Op { inputs, .. } = &graph.node(id)?.kind {
                stack.extend(inputs.iter().map(|&i| (i, own)));
            }
        }

        let mut segments = Vec::with_capacity(last + 1);
        for s in 0..=last {
            let start = if s == 0 { 0 } else { ends[s - 1] };
            let mut outputs: Vec<NodeId> = exports[s].iter().copied().collect();
            outputs.extend(&roots[s]);
            let keep: Vec<NodeId> = gradients[s]
                .iter()
                .flat_map(|&k| phases[k].trainable.iter().copied())
                .collect();
            let backward = !gradients[s].is_empty();
            segments.push(Plan::phase(graph, &outputs, backward, &keep, start)?);
        }
        let constraints = phases
            .iter()
            .map(|p| {
                if p.constraints.is_empty() {
                    return Ok(None);
                }
                let values: Vec<NodeId> = p.constraints.iter().map(|&(_, v)| v).collect();
                Plan::new(graph, &values, false).map(Some)
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            segments,
            exports: exports
                .into_iter()
                .map(|e| e.into_iter().collect())
                .collect(),
            gradients,
            constraints,
        })
    }
}
