//! The eager path: each op runs the moment it is recorded, and the record
//! (a graph whose every value is kept) serves for gradients afterwards.

use super::executor::{backward_values, Values};
use super::node::{Graph, NodeId};
use super::plan::Plan;
use crate::error::Result;
use crate::ops::{Context, OpRef};
use crate::tensor::{Value, ValueView};
use ndarray::ArrayViewD;

pub struct Tape {
    graph: Graph,
    values: Values<'static>,
    ctx: Context,
}

impl Tape {
    pub fn new(ctx: Context) -> Self {
        Self {
            graph: Graph::new(),
            values: Values::new(0),
            ctx,
        }
    }

    /// Records a leaf value (an input, or a weight to differentiate against).
    pub fn leaf(&mut self, value: Value) -> NodeId {
        let id = self.graph.input("leaf");
        self.values.set(id, value);
        id
    }

    /// Runs `op` now and records it.
    pub fn apply(&mut self, op: OpRef, inputs: &[NodeId]) -> Result<NodeId> {
        let out = {
            let args = inputs
                .iter()
                .map(|&i| self.values.get(i))
                .collect::<Result<Vec<ValueView>>>()?;
            crate::ops::boundary::forward(op.as_ref(), &args, &self.ctx)?
        };
        let id = self.graph.op(op, inputs)?;
        self.values.set(id, out);
        Ok(id)
    }

    pub fn value(&self, id: NodeId) -> Result<ValueView<'_>> {
        self.values.get(id)
    }

    /// Gradients of `target` with respect to `wrt`, each in its leaf's
    /// float type.
    pub fn gradient(
        &self,
        target: NodeId,
        seed: Option<ArrayViewD<f32>>,
        wrt: &[NodeId],
    ) -> Result<Vec<Value>> {
        let plan = Plan::new(&self.graph, &[target], true)?;
        backward_values(
            &self.graph,
            &plan,
            &self.values,
            target,
            seed,
            wrt,
            &self.ctx,
        )
    }
}
