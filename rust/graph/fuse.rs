//! Fusion in the planner: a linear op (matmul, convolution) followed by
//! bias_add and an activation, as Dense and Conv layers trace them, becomes
//! one [`FusedLinear`] step when the intermediate values have no other use.
//!
//! The graph itself is never changed: a plan records, for the last node of
//! each chain, the fused op and its inputs, and leaves the absorbed nodes out
//! of its order. A node another reader needs, or that the caller asked for
//! (an output, a gradient target), is never absorbed.

use super::node::{Graph, NodeId, NodeKind};
use crate::error::Result;
use crate::ops::{FusedLinear, Fusion, OpRef};
use std::collections::HashMap;
use std::sync::Arc;

/// The op and inputs a plan runs at a node instead of the graph's.
pub type Replacements = HashMap<NodeId, (OpRef, Vec<NodeId>)>;

/// Fuses the chains among `order` (topological, the needed nodes only).
/// Returns the order without the absorbed nodes, and the fused steps.
pub fn fuse(
    graph: &Graph,
    order: &[NodeId],
    keep: &[NodeId],
) -> Result<(Vec<NodeId>, Replacements)> {
    let mut readers = vec![0usize; graph.len()];
    let mut planned = vec![false; graph.len()];
    for &id in order {
        planned[id] = true;
        if let NodeKind::Op { inputs, .. } = &graph.node(id)?.kind {
            for &i in inputs {
                readers[i] += 1;
            }
        }
    }
    // Only read by the next op of its chain, not wanted by the caller, and
    // computed by this plan (not a value given by an earlier phase).
    let absorbable = |id: NodeId| readers[id] == 1 && !keep.contains(&id) && planned[id];
    let op_of = |id: NodeId| match &graph.node(id).map(|n| &n.kind) {
        Ok(NodeKind::Op { op, inputs }) => Some((op.clone(), inputs.clone())),
        _ => None,
    };
    let mut absorbed = vec![false; graph.len()];
    let mut replaced = Replacements::new();
    // Last node first: an activation claims its bias_add before the bias_add
    // is considered as the end of a shorter chain.
    for &end in order.iter().rev() {
        if absorbed[end] {
            continue;
        }
        let Some((end_op, end_inputs)) = op_of(end) else {
            continue;
        };
        let (activation, after_bias) = match (end_op.fusion(), end_inputs.as_slice()) {
            (Fusion::Activation(a), &[x]) => (Some(a), x),
            (Fusion::Bias, &[_, _]) => (None, end),
            _ => continue,
        };
        // The bias_add, if the chain has one (it ends the chain or feeds the activation).
        let bias_node = match op_of(after_bias) {
            Some((op, inputs))
                if op.fusion() == Fusion::Bias
                    && inputs.len() == 2
                    && (after_bias == end || absorbable(after_bias)) =>
            {
                Some(after_bias)
            }
            _ => None,
        };
        let linear_node = match bias_node {
            Some(b) => op_of(b).map(|(_, inputs)| inputs[0]),
            None if activation.is_some() => Some(after_bias),
            None => None,
        };
        let Some(linear_node) = linear_node else {
            continue;
        };
        let Some((linear, linear_inputs)) = op_of(linear_node) else {
            continue;
        };
        if linear.fusion() != Fusion::Linear || !absorbable(linear_node) {
            continue;
        }
        let mut inputs = linear_inputs;
        if let Some(b) = bias_node {
            let Some((_, bias_inputs)) = op_of(b) else {
                continue;
            };
            inputs.push(bias_inputs[1]);
            absorbed[b] = b != end;
        }
        absorbed[linear_node] = true;
        let fused: OpRef = Arc::new(FusedLinear::new(linear, bias_node.is_some(), activation));
        replaced.insert(end, (fused, inputs));
    }
    let order = order.iter().copied().filter(|&id| !absorbed[id]).collect();
    Ok((order, replaced))
}

#[cfg(test)]
#[path = "fuse_tests.rs"]
mod tests;
