//! `keras.ops.custom_gradient`: an op whose backward rule is a graph the
//! user wrote (their `grad_fn`, traced), not a primitive's rule.
//!
//! The node's inputs are `[y, a_1, ..., a_k]`: `y`, the function's result
//! computed by ordinary nodes with its gradient stopped, then the values the
//! gradient graph reads (the function's arguments first, then whatever
//! `grad_fn` captured: intermediate results, weights). Forward, the node is
//! `y`. Backward, it runs the gradient graph on `[upstream, a_1, ..., a_k]`
//! and hands each `a_i` the gradient node the user returned for it (none
//! for captures). The gradient graph reads no variables (weights arrive as
//! inputs), so it runs without the variable store, whose lock the caller's
//! step may hold.

use super::executor::forward;
use super::node::{Graph, NodeId, NodeKind};
use super::plan::Plan;
use super::store::Store;
use crate::error::{fmt_shape, Error, Result};
use crate::ops::{Context, InputGrads, Primitive, TensorSpec};
use crate::tensor::{Value, ValueView};
use ndarray::ArrayViewD;
use std::sync::Arc;

const NAME: &str = "custom_gradient";

#[derive(Debug)]
pub struct CustomVjp {
    graph: Arc<Graph>,
    plan: Plan,
    /// The gradient graph's inputs: the upstream gradient, then one per
    /// node input after `y`.
    grad_inputs: Vec<NodeId>,
    /// For each node input after `y`, the gradient graph's node holding its
    /// gradient, or None.
    grad_outputs: Vec<Option<NodeId>>,
}

impl CustomVjp {
    /// Checks that `grad_inputs` are inputs of `graph`, `grad_outputs` its
    /// nodes, and that it reads no variables; plans it once.
    pub fn new(
        graph: Arc<Graph>,
        grad_inputs: Vec<NodeId>,
        grad_outputs: Vec<Option<NodeId>>,
    ) -> Result<Self> {
        if grad_inputs.len() != grad_outputs.len() + 1 {
            return Err(Error::argument(
                NAME,
                format!(
                    "expected one gradient input per node input (the upstream gradient, then \
                     {} values). Received: {} gradient inputs",
                    grad_outputs.len(),
                    grad_inputs.len()
                ),
            ));
        }
        for &id in &grad_inputs {
            if !matches!(graph.node(id)?.kind, NodeKind::Input { .. }) {
                return Err(Error::argument(
                    NAME,
                    format!("expected node {id} of the gradient graph to be an input"),
                ));
            }
        }
        if graph
            .nodes()
            .iter()
            .any(|n| matches!(n.kind, NodeKind::Variable { .. }))
        {
            return Err(Error::argument(
                NAME,
                "expected a gradient graph that reads no variables (weights are passed in as \
                 inputs)",
            ));
        }
        let outputs: Vec<NodeId> = grad_outputs.iter().flatten().copied().collect();
        for &id in &outputs {
            graph.node(id)?;
        }
        let plan = Plan::new(&graph, &outputs, false)?;
        Ok(Self {
            graph,
            plan,
            grad_inputs,
            grad_outputs,
        })
    }
}

impl Primitive for CustomVjp {
    fn name(&self) -> &'static str {
        NAME
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        if inputs.len() != self.grad_inputs.len() {
            return Err(Error::argument(
                NAME,
                format!(
                    "expected {} inputs (the result, then the gradient graph's values). \
                     Received: {}",
                    self.grad_inputs.len(),
                    inputs.len()
                ),
            ));
        }
        Ok(inputs[0].clone())
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let y = inputs
            .first()
            .ok_or_else(|| Error::argument(NAME, "expected the result as first input"))?;
        Ok(y.to_owned())
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
    ) -> Result<InputGrads> {
        if inputs.len() != self.grad_inputs.len() {
            return Err(Error::argument(
                NAME,
                format!(
                    "expected {} inputs. Received: {}",
                    self.grad_inputs.len(),
                    inputs.len()
                ),
            ));
        }
        let mut feeds: Vec<(NodeId, ValueView)> = Vec::with_capacity(inputs.len());
        feeds.push((self.grad_inputs[0], ValueView::F32(grad.view())));
        for (&id, v) in self.grad_inputs[1..].iter().zip(&inputs[1..]) {
            feeds.push((id, v.reborrow()));
        }
        let store = Store::default();
        let mut values = forward(&self.graph, &store, &self.plan, &feeds, ctx)?;
        let mut grads: InputGrads = vec![None];
        for (i, out) in self.grad_outputs.iter().enumerate() {
            let Some(id) = *out else {
                grads.push(None);
                continue;
            };
            let g = values.take(id)?.into_f32(NAME)?;
            let want = inputs[i + 1].shape();
            if g.shape() != want {
                return Err(Error::shape(
                    NAME,
                    format!(
                        "grad_fn to return a gradient of shape {} for argument {i} (the \
                         argument's shape)",
                        fmt_shape(want)
                    ),
                    format!("shape {}", fmt_shape(g.shape())),
                ));
            }
            grads.push(Some(g));
        }
        Ok(grads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{build, Attrs};
    use crate::tensor::Value;
    use ndarray::{ArrayD, IxDyn};

    /// grad_fn(upstream) = upstream * 3 for a function whose own derivative
    /// is something else: the node's backward is the user's.
    #[test]
    fn backward_runs_the_gradient_graph() {
        let mut g = Graph::new();
        let up = g.input("upstream");
        let x = g.input("x");
        let three = g.constant(Value::F32(ArrayD::from_elem(IxDyn(&[]), 3.0)));
        let mul = build("mul", &Attrs::new()).expect("mul");
        let out = g.op(mul, &[up, three]).expect("node");
        let op = CustomVjp::new(Arc::new(g), vec![up, x], vec![Some(out)]).expect("op");
        let y = ArrayD::from_elem(IxDyn(&[2]), 5.0f32);
        let xv = ArrayD::from_elem(IxDyn(&[2]), 1.0f32);
        let upstream = ArrayD::from_shape_vec(IxDyn(&[2]), vec![1.0f32, 2.0]).expect("up");
        let inputs = [ValueView::F32(y.view()), ValueView::F32(xv.view())];
        let grads = op
            .backward(&inputs, y.view(), upstream.view(), &Context::default())
            .expect("backward");
        assert!(grads[0].is_none());
        assert_eq!(
            grads[1].as_ref().expect("grad").as_slice(),
            Some(&[3.0, 6.0][..])
        );
        assert_eq!(
            op.forward(&inputs, &Context::default()).expect("fwd"),
            Value::F32(y.clone())
        );
    }

    #[test]
    fn a_gradient_of_the_wrong_shape_is_refused() {
        let mut g = Graph::new();
        let up = g.input("upstream");
        let x = g.input("x");
        let sum = build("sum", &Attrs::new()).expect("sum");
        let out = g.op(sum, &[up]).expect("node");
        let op = CustomVjp::new(Arc::new(g), vec![up, x], vec![Some(out)]).expect("op");
        let y = ArrayD::from_elem(IxDyn(&[2]), 5.0f32);
        let inputs = [ValueView::F32(y.view()), ValueView::F32(y.view())];
        let err = op
            .backward(&inputs, y.view(), y.view(), &Context::default())
            .expect_err("shape");
        assert!(err.to_string().contains("gradient of shape (2,)"), "{err}");
    }

    #[test]
    fn a_gradient_graph_reading_variables_is_refused() {
        let mut g = Graph::new();
        let up = g.input("upstream");
        g.new_variable(ArrayD::zeros(IxDyn(&[1])), true, "w")
            .expect("var");
        assert!(CustomVjp::new(Arc::new(g), vec![up], vec![]).is_err());
    }
}
