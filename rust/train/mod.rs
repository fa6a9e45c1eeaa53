//! The training loop in Rust: many steps per call, with no Python between
//! batches. A [`StepGraph`] names, inside one traced graph, the data inputs,
//! the scalar loss, the per-batch metric states to sum, the trainable
//! variables and the state updates (BatchNormalization's moving statistics).
//! [`run_steps`] then gathers each batch from the whole arrays, runs forward
//! and backward, hands the gradients to the optimizer, assigns the state
//! updates and records the loss and metric sums of every step.

mod batch;

pub use batch::gather_rows;

use crate::error::{fmt_shape, Error, Result};
use crate::graph::store::{self, Store, VarId};
use crate::graph::{backward, forward, Graph, NodeId, Plan};
use crate::kernels::cancel;
use crate::ops::Context;
use crate::tensor::ValueView;
use ndarray::ArrayD;

/// What one training (or test) step computes, as nodes of a graph.
#[derive(Debug, Clone)]
pub struct StepGraph {
    /// Input nodes, fed in order with batches of the data arrays.
    pub inputs: Vec<NodeId>,
    /// The scalar total loss.
    pub loss: NodeId,
    /// Nodes whose values are summed (as float64) into the step's record:
    /// metric states such as (sum of hits, count).
    pub reports: Vec<NodeId>,
    /// Trainable variable nodes: differentiated and updated.
    pub trainable: Vec<NodeId>,
    /// (variable node, node holding its new value), assigned after a step.
    pub updates: Vec<(NodeId, NodeId)>,
}

/// The record of one step: the batch size, the loss and each report's
/// values (flattened).
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub batch_size: usize,
    pub loss: f64,
    pub reports: Vec<Vec<f64>>,
}

/// Which rows of the data each step reads.
#[derive(Debug, Clone, Copy)]
pub struct Batches<'a> {
    /// Row order for the epoch (a permutation when shuffling).
    pub order: &'a [usize],
    pub batch_size: usize,
    /// The first step to run (counted within the epoch) and how many.
    pub first_step: usize,
    pub steps: usize,
}

impl Batches<'_> {
    /// The rows of step `step` (within the epoch).
    fn rows(&self, step: usize) -> &[usize] {
        let start = (step * self.batch_size).min(self.order.len());
        let stop = (start + self.batch_size).min(self.order.len());
        &self.order[start..stop]
    }
}

/// The optimizer as the loop sees it: one update of `vars` from `grads`.
pub type ApplyGradients<'a> = dyn FnMut(&mut Store, &[VarId], Vec<ArrayD<f32>>) -> Result<()> + 'a;

impl StepGraph {
    fn check(&self, graph: &Graph, data: &[ValueView]) -> Result<()> {
        if data.len() != self.inputs.len() {
            return Err(Error::graph(format!(
                "the training step takes {} data arrays but received {}",
                self.inputs.len(),
                data.len()
            )));
        }
        let rows = data
            .first()
            .map(|d| d.shape().first().copied().unwrap_or(0));
        for d in data {
            if d.shape().first().copied() != rows {
                return Err(Error::shape(
                    "training step",
                    "data arrays with the same number of samples",
                    format!(
                        "shapes {}",
                        data.iter()
                            .map(|d| fmt_shape(d.shape()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        for &v in self
            .trainable
            .iter()
            .chain(self.updates.iter().map(|(v, _)| v))
        {
            graph.var_id(v)?;
        }
        Ok(())
    }

    /// Every node a training step must compute. The trainable variables
    /// are among them: the backward pass reads each one's value (for its
    /// shape at least) even when the loss does not depend on it.
    fn outputs(&self) -> Vec<NodeId> {
        let mut out = vec![self.loss];
        out.extend(&self.reports);
        out.extend(self.updates.iter().map(|(_, value)| *value));
        out.extend(&self.trainable);
        out
    }

    /// Plans a training step (all values kept for the backward pass).
    pub fn train_plan(&self, graph: &Graph) -> Result<Plan> {
        if std::env::var("NOFUSE").is_ok() {
            return Plan::new(graph, &self.outputs(), true);
        }
        Plan::fused(graph, &self.outputs(), true, &[])
    }

    /// Plans a test step (forward only; buffers released early). State
    /// updates are computed too: a metric's variables advance in test steps.
    pub fn test_plan(&self, graph: &Graph) -> Result<Plan> {
        let mut out = vec![self.loss];
        out.extend(&self.reports);
        out.extend(self.updates.iter().map(|(_, value)| *value));
        Plan::fused(graph, &out, false, &[])
    }

    /// The state updates of a step, read from its values.
    fn updates_of(
        &self,
        graph: &Graph,
        values: &crate::graph::Values,
    ) -> Result<Vec<(VarId, ArrayD<f32>)>> {
        self.updates
            .iter()
            .map(|&(var, value)| {
                Ok((
                    graph.var_id(var)?,
                    values.get(value)?.f32("state update")?.to_owned(),
                ))
            })
            .collect()
    }
}

/// The seed of global step `step`: distinct per step, fixed per run seed.
pub fn step_seed(seed: u64, step: u64) -> u64 {
    seed ^ step.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn record(
    values: &crate::graph::Values,
    step: &StepGraph,
    batch_size: usize,
) -> Result<StepRecord> {
    let loss = values.get(step.loss)?.f32("loss")?;
    if loss.len() != 1 {
        return Err(Error::shape(
            "loss",
            "a scalar loss",
            format!("a loss of shape {}", fmt_shape(loss.shape())),
        ));
    }
    let reports = step
        .reports
        .iter()
        .map(|&r| {
            Ok(values
                .get(r)?
                .f32("metric")?
                .iter()
                .map(|&v| f64::from(v))
                .collect())
        })
        .collect::<Result<Vec<Vec<f64>>>>()?;
    Ok(StepRecord {
        batch_size,
        loss: f64::from(loss.iter().next().copied().unwrap_or(f32::NAN)),
        reports,
    })
}

/// Runs `batches.steps` training steps. `global_step` numbers the first one
/// across the whole run (it seeds dropout). Stops early, after the step that
/// produced it, when the loss is not finite and `stop_on_nan` is set.
#[allow(clippy::too_many_arguments)]
pub fn run_steps(
    graph: &Graph,
    step: &StepGraph,
    plan: &Plan,
    data: &[ValueView],
    batches: Batches,
    seed: u64,
    global_step: u64,
    stop_on_nan: bool,
    apply: &mut ApplyGradients,
) -> Result<Vec<StepRecord>> {
    step.check(graph, data)?;
    let trainable_vars: Vec<VarId> = step
        .trainable
        .iter()
        .map(|&n| graph.var_id(n))
        .collect::<Result<_>>()?;
    let mut records = Vec::with_capacity(batches.steps);
    for k in 0..batches.steps {
        // Steps stop only between an update and the next forward pass (and
        // between the ops of a forward or backward pass): an interrupted run
        // keeps the weights and optimizer state of its last whole step.
        cancel::check()?;
        let rows = batches.rows(batches.first_step + k);
        if rows.is_empty() {
            break;
        }
        let batch = data
            .iter()
            .map(|d| gather_rows(d, rows))
            .collect::<Result<Vec<_>>>()?;
        let feeds: Vec<(NodeId, ValueView)> = step
            .inputs
            .iter()
            .zip(&batch)
            .map(|(&id, v)| (id, v.view()))
            .collect();
        let ctx = Context {
            training: true,
            seed: step_seed(seed, global_step + k as u64),
        };
        let (grads, updates, rec) = {
            let vars = store::read()?;
            let values = forward(graph, &vars, plan, &feeds, &ctx)?;
            let grads = backward(graph, plan, &values, step.loss, None, &step.trainable, &ctx)?;
            let updates = step.updates_of(graph, &values)?;
            (grads, updates, record(&values, step, rows.len())?)
        };
        let finite = rec.loss.is_finite();
        {
            let mut vars = store::write()?;
            if finite || !stop_on_nan {
                apply(&mut vars, &trainable_vars, grads)?;
                for (var, value) in updates {
                    vars.set(var, value, "state update")?;
                }
            }
        }
        records.push(rec);
        if !finite && stop_on_nan {
            break;
        }
    }
    Ok(records)
}

/// Runs test steps (forward only, training off) over consecutive batches.
pub fn run_test_steps(
    graph: &Graph,
    step: &StepGraph,
    plan: &Plan,
    data: &[ValueView],
    batches: Batches,
) -> Result<Vec<StepRecord>> {
    step.check(graph, data)?;
    let ctx = Context::default();
    let mut records = Vec::with_capacity(batches.steps);
    for k in 0..batches.steps {
        cancel::check()?;
        let rows = batches.rows(batches.first_step + k);
        if rows.is_empty() {
            break;
        }
        let batch = data
            .iter()
            .map(|d| gather_rows(d, rows))
            .collect::<Result<Vec<_>>>()?;
        let feeds: Vec<(NodeId, ValueView)> = step
            .inputs
            .iter()
            .zip(&batch)
            .map(|(&id, v)| (id, v.view()))
            .collect();
        let (rec, updates) = {
            let vars = store::read()?;
            let values = forward(graph, &vars, plan, &feeds, &ctx)?;
            (
                record(&values, step, rows.len())?,
                step.updates_of(graph, &values)?,
            )
        };
        if !updates.is_empty() {
            let mut vars = store::write()?;
            for (var, value) in updates {
                vars.set(var, value, "state update")?;
            }
        }
        records.push(rec);
    }
    Ok(records)
}

#[cfg(test)]
mod tests;
