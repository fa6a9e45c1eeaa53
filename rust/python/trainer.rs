//! `pykeras._core.TrainStep`: the Rust training loop seen from Python. One
//! call runs many steps with the GIL released and returns one row per step,
//! `[batch_size, loss, report values...]`, with the width of each report.

use super::errors::to_py;
use super::graph::PyGraph;
use super::optimizer::PyOptimizer;
use super::{compute, hold_all};
use crate::graph::{Graph, NodeId, Plan};
use crate::tensor::ValueView;
use crate::train::{run_steps, run_test_steps, Batches, StepGraph, StepRecord};
use crate::Error;
use ndarray::Array2;
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use std::sync::Arc;

#[pyclass(module = "pykeras._core", name = "TrainStep")]
pub struct PyTrainStep {
    graph: Arc<Graph>,
    step: StepGraph,
    train_plan: Option<Plan>,
    test_plan: Option<Plan>,
}

fn rows_to_py(py: Python<'_>, records: Vec<StepRecord>) -> PyResult<(Py<PyAny>, Vec<usize>)> {
    let widths: Vec<usize> = records
        .first()
        .map(|r| r.reports.iter().map(Vec::len).collect())
        .unwrap_or_default();
    let width = 2 + widths.iter().sum::<usize>();
    let mut flat = Vec::with_capacity(records.len() * width);
    for r in &records {
        flat.push(r.batch_size as f64);
        flat.push(r.loss);
        for values in &r.reports {
            flat.extend_from_slice(values);
        }
    }
    let rows = Array2::from_shape_vec((records.len(), width), flat)
        .map_err(|e| to_py(Error::graph(format!("inconsistent step records: {e}"))))?;
    Ok((rows.into_pyarray(py).into_any().unbind(), widths))
}

fn order_of(order: &PyReadonlyArray1<'_, i64>) -> PyResult<Vec<usize>> {
    order
        .as_array()
        .iter()
        .map(|&i| {
            usize::try_from(i).map_err(|_| to_py(Error::index("batch", i, usize::MAX, "row order")))
        })
        .collect()
}

#[pymethods]
impl PyTrainStep {
    /// Names the parts of a training step inside `graph` (which stops
    /// growing from now on): data `inputs`, the scalar `loss`, `reports` to
    /// sum per batch, `trainable` variable nodes and state `updates`
    /// as (variable node, value node) pairs.
    #[new]
    fn new(
        graph: &Bound<'_, PyGraph>,
        inputs: Vec<NodeId>,
        loss: NodeId,
        reports: Vec<NodeId>,
        trainable: Vec<NodeId>,
        updates: Vec<(NodeId, NodeId)>,
    ) -> PyResult<Self> {
        let graph = graph.borrow().graph.clone();
        for &n in inputs
            .iter()
            .chain([&loss])
            .chain(&reports)
            .chain(&trainable)
        {
            graph.node(n).map_err(to_py)?;
        }
        Ok(Self {
            graph,
            step: StepGraph {
                inputs,
                loss,
                reports,
                trainable,
                updates,
            },
            train_plan: None,
            test_plan: None,
        })
    }

    /// Runs `steps` training steps from step `first_step` of the epoch whose
    /// row order is `order`; `global_step` counts steps across the run.
    #[pyo3(signature = (data, order, batch_size, first_step, steps, seed, global_step, stop_on_nan, optimizer))]
    #[allow(clippy::too_many_arguments)]
    fn train(
        &mut self,
        py: Python<'_>,
        data: Vec<Bound<'_, PyAny>>,
        order: PyReadonlyArray1<'_, i64>,
        batch_size: usize,
        first_step: usize,
        steps: usize,
        seed: u64,
        global_step: u64,
        stop_on_nan: bool,
        optimizer: &Bound<'_, PyOptimizer>,
    ) -> PyResult<(Py<PyAny>, Vec<usize>)> {
        if batch_size == 0 {
            return Err(to_py(Error::argument("fit", "batch_size must be positive")));
        }
        let held = hold_all(&data, "data array")?;
        let views: Vec<ValueView> = held.iter().map(|h| h.view()).collect();
        let order = order_of(&order)?;
        if self.train_plan.is_none() {
            self.train_plan = Some(self.step.train_plan(&self.graph).map_err(to_py)?);
        }
        let (graph, step) = (&*self.graph, &self.step);
        let plan = self
            .train_plan
            .as_ref()
            .ok_or_else(|| to_py(Error::graph("no plan")))?;
        let mut opt = optimizer.borrow_mut();
        let inner = &mut opt.inner;
        let records = compute(py, || {
            let batches = Batches {
                order: &order,
                batch_size,
                first_step,
                steps,
            };
            let mut apply = |store: &mut crate::graph::store::Store,
                             vars: &[crate::graph::store::VarId],
                             grads| inner.apply(store, vars, grads);
            run_steps(
                graph,
                step,
                plan,
                &views,
                batches,
                seed,
                global_step,
                stop_on_nan,
                &mut apply,
            )
        })?;
        rows_to_py(py, records)
    }

    /// Runs `steps` test steps (forward only) over consecutive rows.
    fn test(
        &mut self,
        py: Python<'_>,
        data: Vec<Bound<'_, PyAny>>,
        batch_size: usize,
        first_step: usize,
        steps: usize,
    ) -> PyResult<(Py<PyAny>, Vec<usize>)> {
        if batch_size == 0 {
            return Err(to_py(Error::argument(
                "evaluate",
                "batch_size must be positive",
            )));
        }
        let held = hold_all(&data, "data array")?;
        let views: Vec<ValueView> = held.iter().map(|h| h.view()).collect();
        let rows = views
            .first()
            .and_then(|v| v.shape().first().copied())
            .unwrap_or(0);
        let order: Vec<usize> = (0..rows).collect();
        if self.test_plan.is_none() {
            self.test_plan = Some(self.step.test_plan(&self.graph).map_err(to_py)?);
        }
        let (graph, step) = (&*self.graph, &self.step);
        let plan = self
            .test_plan
            .as_ref()
            .ok_or_else(|| to_py(Error::graph("no plan")))?;
        let records = compute(py, || {
            let batches = Batches {
                order: &order,
                batch_size,
                first_step,
                steps,
            };
            run_test_steps(graph, step, plan, &views, batches)
        })?;
        rows_to_py(py, records)
    }
}
