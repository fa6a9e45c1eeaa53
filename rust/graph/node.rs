//! The graph: a list of nodes in creation order. A node's inputs always exist
//! before it, so creation order is a topological order.

use crate::error::{fmt_shape, Error, Result};
use crate::ops::OpRef;
use crate::tensor::Value;
use ndarray::ArrayD;

pub type NodeId = usize;

#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A value fed at run time (a model input, labels, sample weights).
    Input { name: String },
    /// A value the graph owns and that training updates (a weight).
    Variable {
        value: ArrayD<f32>,
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
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: Vec<Node>,
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

    fn push(&mut self, kind: NodeKind) -> NodeId {
        self.nodes.push(Node { kind });
        self.nodes.len() - 1
    }

    pub fn input(&mut self, name: &str) -> NodeId {
        self.push(NodeKind::Input {
            name: name.to_string(),
        })
    }

    pub fn variable(&mut self, value: ArrayD<f32>, trainable: bool, name: &str) -> NodeId {
        self.push(NodeKind::Variable {
            value,
            trainable,
            name: name.to_string(),
        })
    }

    pub fn constant(&mut self, value: Value) -> NodeId {
        self.push(NodeKind::Constant(value))
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
        Ok(self.push(NodeKind::Op {
            op,
            inputs: inputs.to_vec(),
        }))
    }

    /// The value of a variable.
    pub fn variable_value(&self, id: NodeId) -> Result<&ArrayD<f32>> {
        match &self.node(id)?.kind {
            NodeKind::Variable { value, .. } => Ok(value),
            _ => Err(Error::graph(format!("node {id} is not a variable"))),
        }
    }

    /// Replaces a variable's value; the new value must have the same shape.
    pub fn set_variable(&mut self, id: NodeId, new: ArrayD<f32>) -> Result<()> {
        let count = self.nodes.len();
        match self.nodes.get_mut(id).map(|n| &mut n.kind) {
            Some(NodeKind::Variable { value, name, .. }) => {
                if value.shape() != new.shape() {
                    return Err(Error::shape(
                        "set_variable",
                        format!(
                            "a value of shape {} for variable '{name}'",
                            fmt_shape(value.shape())
                        ),
                        format!("shape {}", fmt_shape(new.shape())),
                    ));
                }
                *value = new;
                Ok(())
            }
            Some(_) => Err(Error::graph(format!("node {id} is not a variable"))),
            None => Err(Error::graph(format!(
                "no node with id {id}; the graph has {count} nodes"
            ))),
        }
    }

    /// Mutable access to a variable's value, for in-place optimizer updates.
    pub fn variable_mut(&mut self, id: NodeId) -> Result<&mut ArrayD<f32>> {
        match self.nodes.get_mut(id).map(|n| &mut n.kind) {
            Some(NodeKind::Variable { value, .. }) => Ok(value),
            _ => Err(Error::graph(format!("node {id} is not a variable"))),
        }
    }
}
