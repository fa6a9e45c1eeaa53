//! The graph: a list of nodes in creation order. A node's inputs always exist
//! before it, so creation order is a topological order.

use super::store::{self, VarId};
use crate::error::{Error, Result};
use crate::ops::{OpRef, TensorSpec};
use crate::tensor::Value;
use ndarray::ArrayD;

pub type NodeId = usize;

#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A value fed at run time (a model input, labels, sample weights).
    Input { name: String },
    /// A weight, living in the variable store (shared with other graphs).
    Variable {
        var: VarId,
        trainable: bool,
        name: String,
    },
    /// A fixed value.
    Constant(Value),
    /// An op applied to earlier nodes.
    Op { op: OpRef, inputs: Vec<NodeId> },
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// The node's shape and element type where known before running: given
    /// for inputs, read from variables and constants, and derived for ops by
    /// their `output_spec` rule.
    pub spec: Option<TensorSpec>,
    /// Rematerialized (`keras.remat`): a training run drops this op's value
    /// after its last forward reader and recomputes it in the backward pass.
    pub recompute: bool,
}

#[derive(Debug, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    /// Store variables this graph created itself, freed with it.
    owned: Vec<VarId>,
}

impl Drop for Graph {
    fn drop(&mut self) {
        if self.owned.is_empty() {
            return;
        }
        if let Ok(mut s) = store::write() {
            for &v in &self.owned {
                s.remove(v);
            }
        }
    }
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn node(&self, id: NodeId) -> Result<&Node> {
        self.nodes.get(id).ok_or_else(|| {
            Error::graph(format!(
                "no node with id {id}; the graph has {} nodes",
                self.nodes.len()
            ))
        })
    }

    fn push(&mut self, kind: NodeKind, spec: Option<TensorSpec>) -> NodeId {
        self.nodes.push(Node {
            kind,
            spec,
            recompute: false,
        });
        self.nodes.len() - 1
    }

    /// The spec of node `id`, if known.
    pub fn spec(&self, id: NodeId) -> Result<Option<&TensorSpec>> {
        Ok(self.node(id)?.spec.as_ref())
    }

    pub fn input(&mut self, name: &str) -> NodeId {
        self.input_with_spec(name, None)
    }

    /// An input whose shape (unknown sizes as None) and type are declared.
    pub fn input_with_spec(&mut self, name: &str, spec: Option<TensorSpec>) -> NodeId {
        self.push(
            NodeKind::Input {
                name: name.to_string(),
            },
            spec,
        )
    }

    /// Adds a node reading store variable `var`.
    pub fn variable(&mut self, var: VarId, trainable: bool, name: &str) -> NodeId {
        let spec = store::read()
            .ok()
            .and_then(|s| s.weight(var).ok().map(|v| TensorSpec::of_view(&v.view())));
        self.push(
            NodeKind::Variable {
                var,
                trainable,
                name: name.to_string(),
            },
            spec,
        )
    }

    /// Puts `value` in the store as a new variable and adds a node reading it.
    pub fn new_variable(
        &mut self,
        value: ArrayD<f32>,
        trainable: bool,
        name: &str,
    ) -> Result<NodeId> {
        let var = store::write()?.insert(value);
        self.owned.push(var);
        Ok(self.variable(var, trainable, name))
    }

    pub fn constant(&mut self, value: Value) -> NodeId {
        let spec = TensorSpec::of_value(&value);
        self.push(NodeKind::Constant(value), Some(spec))
    }

    /// Adds `op` over existing nodes.
    pub fn op(&mut self, op: OpRef, inputs: &[NodeId]) -> Result<NodeId> {
        for &i in inputs {
            if i >= self.nodes.len() {
                return Err(Error::graph(format!(
                    "op '{}' refers to node {i}, which does not exist (the graph has {} nodes)",
                    op.name(),
                    self.nodes.len()
                )));
            }
        }
        // Inputs of unknown spec (declared without one) leave the result
        // unknown; otherwise the op's rule must accept them, so a bad shape
        // fails here, while the model is built, not when it first runs.
        let specs: Option<Vec<TensorSpec>> =
            inputs.iter().map(|&i| self.nodes[i].spec.clone()).collect();
        let spec = specs
            .map(|s| crate::ops::boundary::output_spec(op.as_ref(), &s))
            .transpose()?;
        Ok(self.push(
            NodeKind::Op {
                op,
                inputs: inputs.to_vec(),
            },
            spec,
        ))
    }

    /// The store id behind variable node `id`.
    /// Marks the op nodes with ids in `ids` for rematerialization (inputs,
    /// variables and constants are always kept). Returns how many were marked.
    pub fn mark_recompute(&mut self, ids: std::ops::Range<NodeId>) -> Result<usize> {
        if ids.end > self.nodes.len() || ids.start > ids.end {
            return Err(Error::graph(format!(
                "cannot mark nodes {}..{} for rematerialization: the graph has {} nodes",
                ids.start,
                ids.end,
                self.nodes.len()
            )));
        }
        let mut marked = 0;
        for node in &mut self.nodes[ids] {
            if matches!(node.kind, NodeKind::Op { .. }) {
                node.recompute = true;
                marked += 1;
            }
        }
        Ok(marked)
    }

    pub fn var_id(&self, id: NodeId) -> Result<VarId> {
        match &self.node(id)?.kind {
            NodeKind::Variable { var, .. } => Ok(*var),
            _ => Err(Error::graph(format!("node {id} is not a variable"))),
        }
    }

    /// The variable nodes of the graph, trainable ones only if `trainable_only`.
    pub fn variables(&self, trainable_only: bool) -> Vec<NodeId> {
        (0..self.nodes.len())
            .filter(|&i| matches!(&self.nodes[i].kind, NodeKind::Variable { trainable, .. } if *trainable || !trainable_only))
            .collect()
    }
}
