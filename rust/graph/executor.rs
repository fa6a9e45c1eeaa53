//! Running a plan: forward over the needed nodes, then (for training) the
//! reverse sweep that applies each op's backward rule.
//!
//! Fed inputs and variables are borrowed, never copied; only op results are
//! owned, and a forward-only plan frees each as soon as its last reader ran.

use super::node::{Graph, NodeId, NodeKind};
use super::plan::Plan;
use super::store::Store;
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::{cancel, elementwise};
use crate::ops::Context;
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};

enum Slot<'a> {
    Empty,
    Borrowed(ValueView<'a>),
    Owned(Value),
}

/// The values of one run, indexed by node id.
pub struct Values<'a> {
    slots: Vec<Slot<'a>>,
}

impl<'a> Values<'a> {
    pub fn new(len: usize) -> Self {
        Self {
            slots: (0..len).map(|_| Slot::Empty).collect(),
        }
    }

    pub fn get(&self, id: NodeId) -> Result<ValueView<'_>> {
        match self.slots.get(id) {
            Some(Slot::Borrowed(v)) => Ok(v.reborrow()),
            Some(Slot::Owned(v)) => Ok(v.view()),
            _ => Err(Error::graph(format!(
                "the value of node {id} is not available"
            ))),
        }
    }

    /// Moves a value out (copying it if it was borrowed).
    pub fn take(&mut self, id: NodeId) -> Result<Value> {
        match self
            .slots
            .get_mut(id)
            .map(|s| std::mem::replace(s, Slot::Empty))
        {
            Some(Slot::Owned(v)) => Ok(v),
            Some(Slot::Borrowed(v)) => Ok(v.to_owned()),
            _ => Err(Error::graph(format!(
                "the value of node {id} is not available"
            ))),
        }
    }

    pub fn set(&mut self, id: NodeId, value: Value) {
        if id >= self.slots.len() {
            self.slots.resize_with(id + 1, || Slot::Empty);
        }
        self.slots[id] = Slot::Owned(value);
    }

    fn borrow(&mut self, id: NodeId, value: ValueView<'a>) {
        if id >= self.slots.len() {
            self.slots.resize_with(id + 1, || Slot::Empty);
        }
        self.slots[id] = Slot::Borrowed(value);
    }

    fn release(&mut self, id: NodeId) {
        if let Some(s) = self.slots.get_mut(id) {
            *s = Slot::Empty;
        }
    }
}

/// Runs the forward pass of `plan`. `feeds` pairs input node ids (and the
/// plan's `given` nodes) with values;
/// variables are read from `store` (held locked by the caller for the run).
pub fn forward<'a>(
    graph: &'a Graph,
    store: &'a Store,
    plan: &Plan,
    feeds: &'a [(NodeId, ValueView<'_>)],
    ctx: &Context,
) -> Result<Values<'a>> {
    let mut values = Values::new(graph.len());
    for (id, v) in feeds {
        match graph.node(*id)?.kind {
            NodeKind::Input { .. } => values.borrow(*id, v.reborrow()),
            _ if plan.given.binary_search(id).is_ok() => values.borrow(*id, v.reborrow()),
            _ => {
                return Err(Error::graph(format!(
                    "node {id} is fed but is neither an input nor given to the plan"
                )))
            }
        }
    }
    for (step, &id) in plan.order.iter().enumerate() {
        // Between ops, so Ctrl-C stops a long batch too.
        cancel::check()?;
        match &graph.node(id)?.kind {
            NodeKind::Input { name } => {
                if values.get(id).is_err() {
                    return Err(Error::graph(format!(
                        "input '{name}' (node {id}) is needed but was not fed"
                    )));
                }
            }
            NodeKind::Variable { var, .. } => values.borrow(id, store.weight(*var)?.view()),
            NodeKind::Constant(v) => values.borrow(id, v.view()),
            NodeKind::Op { .. } => {
                let (op, inputs) = plan
                    .op(graph, id)?
                    .ok_or_else(|| Error::graph(format!("node {id} has no op to run")))?;
                let out = {
                    let args = inputs
                        .iter()
                        .map(|&i| values.get(i))
                        .collect::<Result<Vec<_>>>()?;
                    crate::ops::boundary::forward(op.as_ref(), &args, ctx)?
                };
                values.set(id, out);
            }
        }
        for &done in &plan.release[step] {
            values.release(done);
        }
    }
    Ok(values)
}

/// Adds gradient `g` into `slot`, in the slot's float type (a node's
/// gradients all come in its own type; a mixed pair is converted).
fn accumulate(slot: &mut Option<Value>, g: Value, op: &str) -> Result<()> {
    match (slot.take(), g) {
        (None, g) => *slot = Some(g),
        (Some(Value::F32(mut acc)), g) => {
            let g = g.narrowed().into_f32(op)?;
            add_f32(&mut acc, g, op)?;
            *slot = Some(Value::F32(acc));
        }
        (Some(acc), g) => {
            let mut acc = acc.widened().into_f64(op)?;
            let g = g.widened().into_f64(op)?;
            if acc.shape() != g.shape() {
                return Err(Error::shape(
                    op,
                    format!("a gradient of shape {}", fmt_shape(acc.shape())),
                    format!("shape {}", fmt_shape(g.shape())),
                ));
            }
            acc += &g;
            *slot = Some(Value::F64(acc));
        }
    }
    Ok(())
}

fn add_f32(acc: &mut ArrayD<f32>, g: ArrayD<f32>, op: &str) -> Result<()> {
    if acc.shape() != g.shape() {
        return Err(Error::shape(
            op,
            format!("a gradient of shape {}", fmt_shape(acc.shape())),
            format!("shape {}", fmt_shape(g.shape())),
        ));
    }
    match (acc.as_slice_mut(), g.as_slice()) {
        // The usual case: one vectorized, split pass (`Zip` over
        // dynamic-rank arrays called a closure per element; a
        // residual network's branch points each paid it).
        (Some(a), Some(b)) => elementwise::scale_in_place(a, b, |x, y| x + y),
        _ => Zip::from(acc).and(&g).for_each(|a, &b| *a += b),
    }
    Ok(())
}

/// Recomputes the rematerialized value of `id` (and, first, any of its
/// inputs that were dropped too) from the values still held. Values that are
/// present are left alone; a missing value the plan does not recompute is
/// the usual "not available" error.
fn ensure(
    graph: &Graph,
    plan: &Plan,
    values: &Values,
    recomputed: &mut Values<'static>,
    id: NodeId,
    ctx: &Context,
) -> Result<()> {
    // Depth-first without recursion: a long rematerialized chain must not
    // overflow the stack.
    let mut stack = vec![(id, false)];
    while let Some((node, inputs_ready)) = stack.pop() {
        if values.get(node).is_ok() || recomputed.get(node).is_ok() || !plan.recomputes(node) {
            continue;
        }
        let Some((op, inputs)) = plan.op(graph, node)? else {
            continue;
        };
        if !inputs_ready {
            stack.push((node, true));
            stack.extend(inputs.iter().map(|&i| (i, false)));
            continue;
        }
        cancel::check()?;
        let out = {
            let args = inputs
                .iter()
                .map(|&i| either(values, recomputed, i))
                .collect::<Result<Vec<_>>>()?;
            crate::ops::boundary::forward(op.as_ref(), &args, ctx)?
        };
        recomputed.set(node, out);
    }
    Ok(())
}

/// The value of `id` from the forward run, or recomputed.
fn either<'v>(
    values: &'v Values,
    recomputed: &'v Values<'static>,
    id: NodeId,
) -> Result<ValueView<'v>> {
    values
        .get(id)
        .or_else(|e| recomputed.get(id).map_err(|_| e))
}

/// Reverse-mode sweep: the gradient of `target` (seeded with `seed`, or ones)
/// with respect to each node of `wrt`. `values` must come from a forward run
/// of `plan` that kept every value but the plan's rematerialized ones, which
/// are recomputed here when a backward rule needs them and dropped again once
/// no later rule does. Nodes `target` does not depend on get zeros.
/// Gradients are float32 (the optimizers' type; a float64 one is rounded):
/// [`backward_values`] gives each in its node's float type.
pub fn backward(
    graph: &Graph,
    plan: &Plan,
    values: &Values,
    target: NodeId,
    seed: Option<ArrayViewD<f32>>,
    wrt: &[NodeId],
    ctx: &Context,
) -> Result<Vec<ArrayD<f32>>> {
    backward_values(graph, plan, values, target, seed, wrt, ctx)?
        .into_iter()
        .map(|g| g.narrowed().into_f32("gradient"))
        .collect()
}

/// [`backward`] with each gradient in its node's float type: float64 where
/// the node holds float64 (computed in float64 through ops with float64
/// rules; see `ops::boundary`).
pub fn backward_values(
    graph: &Graph,
    plan: &Plan,
    values: &Values,
    target: NodeId,
    seed: Option<ArrayViewD<f32>>,
    wrt: &[NodeId],
    ctx: &Context,
) -> Result<Vec<Value>> {
    let target_view = values.get(target)?;
    let target_f64 = target_view.is_f64();
    if !target_f64 {
        target_view.f32("gradient")?;
    }
    let target_shape = target_view.shape().to_vec();
    let seed = match seed {
        Some(s) => {
            if s.shape() != target_shape.as_slice() {
                return Err(Error::shape(
                    "gradient",
                    format!("an output gradient of shape {}", fmt_shape(&target_shape)),
                    format!("shape {}", fmt_shape(s.shape())),
                ));
            }
            Value::F32(s.to_owned())
        }
        None => Value::F32(ArrayD::ones(IxDyn(&target_shape))),
    };
    let seed = if target_f64 { seed.widened() } else { seed };
    let mut needs = vec![false; graph.len()];
    for &w in wrt {
        graph.node(w)?;
        needs[w] = true;
    }
    for &id in &plan.order {
        if let Some((_, inputs)) = plan.op(graph, id)? {
            if inputs.iter().any(|&i| needs[i]) {
                needs[id] = true;
            }
        }
    }
    // Backward rules still to run that read each rematerialized value (as
    // an input or as their own output); at zero a recomputed value is freed.
    let mut readers = vec![
        0usize;
        if plan.recomputed.is_empty() {
            0
        } else {
            graph.len()
        }
    ];
    if !readers.is_empty() {
        for &id in plan.order.iter().filter(|&&id| needs[id] && id <= target) {
            if let Some((_, inputs)) = plan.op(graph, id)? {
                readers[id] += 1;
                inputs.iter().for_each(|&i| readers[i] += 1);
            }
        }
    }
    let mut recomputed = Values::new(readers.len());
    let mut grads: Vec<Option<Value>> = vec![None; graph.len()];
    grads[target] = Some(seed);
    for &id in plan.order.iter().rev() {
        if !needs[id] || id > target {
            continue;
        }
        cancel::check()?;
        let Some((op, inputs)) = plan.op(graph, id)? else {
            continue;
        };
        let g = if wrt.contains(&id) {
            grads[id].clone()
        } else {
            grads[id].take()
        };
        // No gradient reaches nodes the loss does not depend on (the moving
        // statistics of a batch norm): they are passed, but still counted
        // off as readers below, so what they read can be freed.
        if let Some(g) = g {
            if !readers.is_empty() {
                for &i in inputs.iter().chain([&id]) {
                    ensure(graph, plan, values, &mut recomputed, i, ctx)?;
                }
            }
            let args = inputs
                .iter()
                .map(|&i| either(values, &recomputed, i))
                .collect::<Result<Vec<_>>>()?;
            let out = either(values, &recomputed, id)?;
            let needed: Vec<bool> = inputs.iter().map(|&i| needs[i]).collect();
            let input_grads =
                crate::ops::boundary::backward(op.as_ref(), &args, out, g, ctx, &needed)?;
            for (&i, gi) in inputs.iter().zip(input_grads) {
                if let (true, Some(gi)) = (needs[i], gi) {
                    accumulate(&mut grads[i], gi, op.name())?;
                }
            }
        }
        if !readers.is_empty() {
            for &i in inputs.iter().chain([&id]) {
                readers[i] = readers[i].saturating_sub(1);
                if readers[i] == 0 {
                    recomputed.release(i);
                }
            }
        }
    }
    wrt.iter()
        .map(|&w| {
            Ok(match grads[w].take() {
                Some(g) => g,
                None => match values.get(w)? {
                    ValueView::F64(v) => Value::F64(ArrayD::zeros(v.raw_dim())),
                    v => Value::F32(ArrayD::zeros(IxDyn(v.shape()))),
                },
            })
        })
        .collect()
}
