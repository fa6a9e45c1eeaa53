//! Fusion in the planner: a linear op (matmul, convolution) followed by
//! bias_add and an activation, as Dense and Conv layers trace them, becomes
//! one [`FusedLinear`] step when the intermediate values have no other use.
//!
//! Forward-only plans (predict, evaluate) also fuse batch_norm with fixed
//! statistics (BatchNormalization at inference): it is a per-channel affine
//! map, so a linear op's epilogue applies it, between the bias and the
//! activation (conv -> batch_norm -> relu is one pass over the conv's
//! output, as each block of it leaves the GEMM), and where its input is not
//! such a linear op, it and the activation after it are one [`FusedNorm`]
//! pass. A channels-first layer's transpose back to its layout, between the
//! linear op and a batch_norm over axis 1, moves after the fused step. Any
//! elementwise activation fuses there; plans with a backward pass
//! fuse only those whose derivative needs the output alone, and never a
//! batch_norm (training keeps its batch statistics and backward as they are).
//!
//! The graph itself is never changed: a plan records, for the last node of
//! each chain, the fused op and its inputs, and leaves the absorbed nodes out
//! of its order. A node another reader needs, or that the caller asked for
//! (an output, a gradient target), is never absorbed.

use super::node::{Graph, NodeId, NodeKind};
use crate::error::Result;
use crate::ops::{FixedNorm, FusedLinear, FusedNorm, Fusion, OpRef};
use std::collections::HashMap;
use std::sync::Arc;

/// The op and inputs a plan runs at a node instead of the graph's.
pub type Replacements = HashMap<NodeId, (OpRef, Vec<NodeId>)>;

/// One node's op and inputs, for op nodes.
fn op_of(graph: &Graph, id: NodeId) -> Option<(OpRef, Vec<NodeId>)> {
    match &graph.node(id).ok()?.kind {
        NodeKind::Op { op, inputs } => Some((op.clone(), inputs.clone())),
        _ => None,
    }
}

/// batch_norm node `id`'s axis, normalized by its known rank.
fn norm_axis(graph: &Graph, id: NodeId, norm: FixedNorm) -> Option<usize> {
    let Ok(Some(spec)) = graph.spec(id) else {
        return None;
    };
    let rank = spec.rank() as i64;
    let axis = if norm.axis < 0 {
        norm.axis + rank
    } else {
        norm.axis
    };
    (0..rank).contains(&axis).then_some(axis as usize)
}

/// Whether batch_norm node `id` normalizes its input's last axis (so a
/// linear op's channels-last rows can take it).
/// Whether node `id` is known to hold float64.
fn is_f64(graph: &Graph, id: NodeId) -> bool {
    matches!(graph.spec(id), Ok(Some(s)) if s.dtype == crate::ops::DType::F64)
}

fn over_last_axis(graph: &Graph, id: NodeId, norm: FixedNorm) -> bool {
    let rank = graph.spec(id).ok().flatten().map(|s| s.rank());
    norm_axis(graph, id, norm).is_some_and(|a| Some(a + 1) == rank)
}

/// Fuses the chains among `order` (topological, the needed nodes only);
/// `forward_only` for plans without a backward pass. Returns the order
/// without the absorbed nodes, and the fused steps.
pub fn fuse(
    graph: &Graph,
    order: &[NodeId],
    keep: &[NodeId],
    forward_only: bool,
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
    let mut absorbed = vec![false; graph.len()];
    let mut replaced = Replacements::new();
    // Last node first: an activation claims its batch_norm and bias_add
    // before either is considered as the end of a shorter chain.
    for &end in order.iter().rev() {
        if absorbed[end] {
            continue;
        }
        let Some((end_op, end_inputs)) = op_of(graph, end) else {
            continue;
        };
        if is_f64(graph, end) {
            // The fused kernels are float32; float64 chains run op by op.
            continue;
        }
        // A node of the chain below `end` joins it if nothing else reads it.
        let joins = |id: NodeId| id == end || absorbable(id);
        let mut at = end;
        let activation = match (end_op.fusion(), end_inputs.as_slice()) {
            (Fusion::Activation(a), &[x]) if forward_only || a.derivative_from_output() => {
                at = x;
                Some(a)
            }
            _ => None,
        };
        let mut norm = None;
        if let (true, Some((op, inputs))) = (forward_only, op_of(graph, at)) {
            if let (Fusion::Norm(n), 5, true) = (op.fusion(), inputs.len(), joins(at)) {
                norm = Some((at, n, inputs.clone()));
                at = inputs[0];
            }
        }
        // Channels first: the layer's channels-last result was transposed
        // back before the normalization over axis 1. The linear op then
        // normalizes its own rows, and the fused step transposes the result.
        let mut moved = None;
        if let Some((n, fixed, _)) = &norm {
            if let Some((op, inputs)) = op_of(graph, at) {
                if op.fusion() == Fusion::ToChannelsFirst
                    && inputs.len() == 1
                    && absorbable(at)
                    && norm_axis(graph, *n, *fixed) == Some(1)
                {
                    moved = Some((at, op));
                    at = inputs[0];
                }
            }
        }
        let mut bias = None;
        if let Some((op, inputs)) = op_of(graph, at) {
            if op.fusion() == Fusion::Bias && inputs.len() == 2 && joins(at) {
                bias = Some((at, inputs[1]));
                at = inputs[0];
            }
        }
        let linear = op_of(graph, at).filter(|(op, _)| {
            op.fusion() == Fusion::Linear && at != end && absorbable(at) && !is_f64(graph, at)
        });
        let norm_fits = moved.is_some()
            || norm
                .as_ref()
                .is_none_or(|(id, n, _)| over_last_axis(graph, *id, *n));
        match (linear, &norm) {
            (Some((op, mut inputs)), _)
                if norm_fits && (bias.is_some() || norm.is_some() || activation.is_some()) =>
            {
                let mut fused = FusedLinear::new(op, bias.is_some(), activation);
                if let Some((b, b_input)) = bias {
                    inputs.push(b_input);
                    absorbed[b] = b != end;
                }
                if let Some((n, fixed, norm_inputs)) = &norm {
                    inputs.extend_from_slice(&norm_inputs[1..]);
                    absorbed[*n] = *n != end;
                    fused = fused.with_norm(*fixed);
                }
                if let Some((t, transpose)) = moved {
                    absorbed[t] = true;
                    fused = fused.then(transpose);
                }
                absorbed[at] = true;
                replaced.insert(end, (Arc::new(fused) as OpRef, inputs));
            }
            // A batch_norm whose input is not a fusable linear op: it and
            // the activation after it are one pass.
            (_, Some((n, fixed, norm_inputs))) if activation.is_some() => {
                absorbed[*n] = *n != end;
                let fused: OpRef = Arc::new(FusedNorm::new(*fixed, activation));
                replaced.insert(end, (fused, norm_inputs.clone()));
            }
            _ => {}
        }
    }
    let order = order.iter().copied().filter(|&id| !absorbed[id]).collect();
    Ok((order, replaced))
}

#[cfg(test)]
#[path = "fuse_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "fuse_norm_tests.rs"]
mod norm_tests;
