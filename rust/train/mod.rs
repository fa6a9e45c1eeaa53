//! The training loop in Rust: many steps per call, with no Python between
//! batches. A [`StepGraph`] names, inside one traced graph, the data inputs,
//! the scalar loss, the per-batch metric states to sum, the update phases
//! (a loss, its trainable variables, the optimizer that updates them and
//! the constraints projected after the update) and the state updates
//! (BatchNormalization's moving statistics). [`run_steps`] then gathers each
//! batch from the whole arrays and, phase by phase, runs forward and
//! backward and hands the gradients to the optimizer; it assigns the state
//! updates and records the loss and metric sums of every step.

mod batch;
mod phase;

pub use batch::gather_rows;
pub use phase::{Phase, TrainPlans};

use crate::error::{fmt_shape, Error, Result};
use crate::graph::store::{self, Store, VarId};
use crate::graph::{backward_values, forward, Graph, NodeId, Plan};
use crate::kernels::cancel;
use crate::ops::Context;
use crate::tensor::{Value, ValueView};
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
    /// The updates of a step, in the order they run: one for a compiled
    /// `fit`, one per `optimizer.apply` of a `train_step` override (a GAN's
    /// discriminator, then its generator).
    pub phases: Vec<Phase>,
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

/// The optimizers of a step as the loop sees them, by the index a
/// [`Phase`] names.
pub trait Optimizers {
    /// The factor optimizer `k` wants the loss scaled by before
    /// differentiation (`loss_scale_factor`): the backward pass of its phase
    /// is seeded with it and the optimizer divides the gradients back, as
    /// Keras's `train_step` does; the recorded loss stays unscaled.
    fn loss_scale(&self, k: usize) -> Result<Option<f32>>;
    /// The gradients of update `k` as the optimizer should see them: as
    /// given, or (data-parallel training) averaged across workers. Runs
    /// before the variable store is locked for the update.
    fn reduce(&mut self, _k: usize, grads: Vec<Value>) -> Result<Vec<Value>> {
        Ok(grads)
    }
    /// One update of `vars` from `grads` by optimizer `k`; each gradient
    /// is in its variable's float type (float64 for a float64 variable).
    fn apply(
        &mut self,
        k: usize,
        store: &mut Store,
        vars: &[VarId],
        grads: Vec<Value>,
    ) -> Result<()>;
}

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
        let phase_vars = self.phases.iter().flat_map(|p| {
            p.trainable
                .iter()
                .chain(p.constraints.iter().map(|(v, _)| v))
        });
        for &v in phase_vars.chain(self.updates.iter().map(|(v, _)| v)) {
            graph.var_id(v)?;
        }
        Ok(())
    }

    /// The nodes recorded at the end of a step: the loss, the reports and
    /// the new values of the state updates.
    fn final_outputs(&self) -> Vec<NodeId> {
        let mut out = vec![self.loss];
        out.extend(&self.reports);
        out.extend(self.updates.iter().map(|(_, value)| *value));
        out
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
    ) -> Result<Vec<(VarId, Value)>> {
        self.updates
            .iter()
            .map(|&(var, value)| Ok((graph.var_id(var)?, values.get(value)?.to_owned())))
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
    let loss_view = values.get(step.loss)?;
    let loss = float_values(&loss_view, "loss")?;
    if loss.len() != 1 {
        return Err(Error::shape(
            "loss",
            "a scalar loss",
            format!("a loss of shape {}", fmt_shape(loss_view.shape())),
        ));
    }
    let reports = step
        .reports
        .iter()
        .map(|&r| float_values(&values.get(r)?, "metric"))
        .collect::<Result<Vec<Vec<f64>>>>()?;
    Ok(StepRecord {
        batch_size,
        loss: loss.first().copied().unwrap_or(f64::NAN),
        reports,
    })
}

/// How a call of [`run_steps`] runs: `seed` and `global_step` (the number
/// of its first step across the whole run) key dropout; `stop_on_nan` stops
/// after a step whose loss is not finite, before it updates anything.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    pub seed: u64,
    pub global_step: u64,
    pub stop_on_nan: bool,
    /// This process's first row in each step's global batch (see
    /// `Context::sample_offset`); 0 outside data-parallel runs.
    pub sample_offset: u64,
}

/// Runs `batches.steps` training steps, updating through `optimizers`.
pub fn run_steps(
    graph: &Graph,
    step: &StepGraph,
    plans: &TrainPlans,
    data: &[ValueView],
    batches: Batches,
    options: RunOptions,
    optimizers: &mut dyn Optimizers,
) -> Result<Vec<StepRecord>> {
    step.check(graph, data)?;
    let phase_vars: Vec<Vec<VarId>> = step
        .phases
        .iter()
        .map(|p| p.trainable.iter().map(|&n| graph.var_id(n)).collect())
        .collect::<Result<_>>()?;
    let loss_seeds: Vec<Option<ArrayD<f32>>> = step
        .phases
        .iter()
        .map(|p| {
            Ok(optimizers
                .loss_scale(p.optimizer)?
                .map(|s| ndarray::arr0(s).into_dyn()))
        })
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
        let inputs: Vec<(NodeId, ValueView)> = step
            .inputs
            .iter()
            .zip(&batch)
            .map(|(&id, v)| (id, v.view()))
            .collect();
        let ctx = Context {
            training: true,
            seed: step_seed(options.seed, options.global_step + k as u64),
            sample_offset: options.sample_offset,
            batch_rows: rows.len() as u64,
        };
        let mut carried: Vec<(NodeId, Value)> = Vec::new();
        // Once an update is applied, an interrupt waits for the step's end:
        // no step stops with only some of its updates applied.
        let mut shield = None;
        let mut grads: Vec<Option<Vec<Value>>> = vec![None; step.phases.len()];
        // A non-finite loss (with stop_on_nan) cancels every later update.
        let mut halted = false;
        let last = step.phases.len();
        for (s, plan) in plans.segments.iter().enumerate() {
            let feeds = segment_feeds(plan, &inputs, &carried);
            let vars = store::read()?;
            let mut values = forward(graph, &vars, plan, &feeds, &ctx)?;
            for &p in &plans.gradients[s] {
                let phase = &step.phases[p];
                let seed = loss_seeds[p].as_ref().map(|a| a.view());
                grads[p] = Some(backward_values(
                    graph,
                    plan,
                    &values,
                    phase.loss,
                    seed,
                    &phase.trainable,
                    &ctx,
                )?);
                if options.stop_on_nan && !loss_is_finite(&values, phase.loss)? {
                    halted = true;
                }
            }
            if s == last {
                let rec = record(&values, step, rows.len())?;
                let updates = step.updates_of(graph, &values)?;
                drop(values);
                drop(vars);
                halted |= options.stop_on_nan && !rec.loss.is_finite();
                if !halted && !updates.is_empty() {
                    let mut vars = store::write()?;
                    for (var, value) in updates {
                        vars.set_value(var, value, "state update")?;
                    }
                }
                records.push(rec);
                break;
            }
            let exported = plans.exports[s]
                .iter()
                .map(|&id| Ok((id, values.take(id)?)))
                .collect::<Result<Vec<_>>>()?;
            drop(values);
            drop(feeds);
            drop(vars);
            carried.extend(exported);
            if halted {
                continue;
            }
            let phase = &step.phases[s];
            let g = grads[s].take().ok_or_else(|| {
                Error::graph(format!("update {s} ran before its gradients were taken"))
            })?;
            let g = optimizers.reduce(s, g)?;
            let mut vars = store::write()?;
            optimizers.apply(phase.optimizer, &mut vars, &phase_vars[s], g)?;
            if shield.is_none() {
                shield = Some(cancel::shield());
            }
            if let Some(plan) = &plans.constraints[s] {
                let projected = {
                    let values = forward(graph, &vars, plan, &[], &ctx)?;
                    phase
                        .constraints
                        .iter()
                        .map(|&(var, value)| {
                            Ok((graph.var_id(var)?, values.get(value)?.to_owned()))
                        })
                        .collect::<Result<Vec<_>>>()?
                };
                for (var, value) in projected {
                    vars.set_value(var, value, "constraint")?;
                }
            }
        }
        drop(shield);
        if halted {
            break;
        }
    }
    Ok(records)
}

/// The values a segment reads without computing them: the batch's inputs
/// and the carried values it is given.
fn segment_feeds<'a>(
    plan: &Plan,
    inputs: &'a [(NodeId, ValueView<'_>)],
    carried: &'a [(NodeId, Value)],
) -> Vec<(NodeId, ValueView<'a>)> {
    let mut feeds: Vec<(NodeId, ValueView<'a>)> =
        inputs.iter().map(|(id, v)| (*id, v.reborrow())).collect();
    feeds.extend(
        carried
            .iter()
            .filter(|(id, _)| plan.given.binary_search(id).is_ok())
            .map(|(id, v)| (*id, v.view())),
    );
    feeds
}

fn loss_is_finite(values: &crate::graph::Values, loss: NodeId) -> Result<bool> {
    Ok(float_values(&values.get(loss)?, "loss")?
        .iter()
        .all(|v| v.is_finite()))
}

/// A float32 or float64 value's elements as float64 (a float64 model's
/// loss and metrics are float64; the step records them as float64 anyway).
fn float_values(v: &crate::tensor::ValueView, what: &str) -> Result<Vec<f64>> {
    match v {
        crate::tensor::ValueView::F64(a) => Ok(a.iter().copied().collect()),
        other => Ok(other.f32(what)?.iter().map(|&x| f64::from(x)).collect()),
    }
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
                vars.set_value(var, value, "state update")?;
            }
        }
        records.push(rec);
    }
    Ok(records)
}

#[cfg(test)]
mod tests;
