//! `pykeras._core.TrainStep`: the Rust training loop seen from Python. One
//! call runs many steps with the GIL released and returns a
//! [`PyStepResults`]: per step, the batch size, the loss and the values of
//! the report groups the step was built with (per-output losses, the states
//! of each metric, logged scalars), each group under its own name.

use super::errors::to_py;
use super::graph::PyGraph;
use super::optimizer::PyOptimizer;
use super::{compute, hold_all};
use crate::graph::store::{Store, VarId};
use crate::graph::{Graph, NodeId, Plan};
use crate::optim::Optimizer;
use crate::tensor::{Value, ValueView};
use crate::train::{
    run_steps, run_test_steps, Batches, Optimizers, Phase, RunOptions, StepGraph, StepRecord,
    TrainPlans,
};
use crate::Error;
use ndarray::ArrayD;
use ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;
use std::sync::Arc;

/// How a step's report nodes split into named groups: `output_losses`
/// scalars first, then the states of each metric, then `logged` scalars.
#[derive(Debug, Clone, Default)]
struct ReportLayout {
    output_losses: usize,
    metric_states: Vec<usize>,
    logged: usize,
}

impl ReportLayout {
    fn total(&self) -> usize {
        self.output_losses + self.metric_states.iter().sum::<usize>() + self.logged
    }
}

/// One update of a training step: the gradients of `loss` for the
/// `trainable` variable nodes, applied by the step's optimizer number
/// `optimizer`, then `constraints` ((variable node, projected value node)
/// pairs) assigned. `end` is the first node traced after the update (None
/// when the update ends the trace).
#[pyclass(module = "pykeras._core", name = "StepPhase", frozen)]
#[derive(Clone)]
pub struct PyStepPhase {
    #[pyo3(get)]
    loss: NodeId,
    #[pyo3(get)]
    trainable: Vec<NodeId>,
    #[pyo3(get)]
    optimizer: usize,
    #[pyo3(get)]
    constraints: Vec<(NodeId, NodeId)>,
    #[pyo3(get)]
    end: Option<NodeId>,
}

#[pymethods]
impl PyStepPhase {
    #[new]
    #[pyo3(signature = (loss, trainable, *, optimizer=0, constraints=Vec::new(), end=None))]
    fn new(
        loss: NodeId,
        trainable: Vec<NodeId>,
        optimizer: usize,
        constraints: Vec<(NodeId, NodeId)>,
        end: Option<NodeId>,
    ) -> Self {
        Self {
            loss,
            trainable,
            optimizer,
            constraints,
            end,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<_core.StepPhase loss={} trainable={} optimizer={} constraints={} end={:?}>",
            self.loss,
            self.trainable.len(),
            self.optimizer,
            self.constraints.len(),
            self.end
        )
    }
}

impl From<&PyStepPhase> for Phase {
    fn from(p: &PyStepPhase) -> Self {
        Phase {
            loss: p.loss,
            trainable: p.trainable.clone(),
            optimizer: p.optimizer,
            constraints: p.constraints.clone(),
            end: p.end.unwrap_or(NodeId::MAX),
        }
    }
}

/// The optimizers of one `train` call, borrowed from their Python objects,
/// and the Python callable (if any) that reduces each update's gradients.
struct Borrowed<'a> {
    optimizers: Vec<&'a mut Optimizer>,
    hook: Option<GradientHook>,
}

/// A Python callable `hook(update_index, flat_gradients) -> flat_gradients`
/// called with every update's gradients concatenated into one float32
/// vector (data-parallel training all-reduces it across workers). An
/// exception it raises is kept and raised by `train`.
struct GradientHook {
    callable: Py<PyAny>,
    raised: Arc<std::sync::Mutex<Option<PyErr>>>,
}

impl GradientHook {
    fn call(&self, k: usize, grads: Vec<ArrayD<f32>>) -> crate::Result<Vec<ArrayD<f32>>> {
        let total: usize = grads.iter().map(|g| g.len()).sum();
        let mut flat = Vec::with_capacity(total);
        for g in &grads {
            flat.extend(g.iter().copied());
        }
        let reduced: PyResult<Vec<f32>> = Python::attach(|py| {
            let array = numpy::PyArray1::from_vec(py, flat);
            let out = self.callable.bind(py).call1((k, array))?;
            let out: numpy::PyReadonlyArray1<'_, f32> = out.extract()?;
            Ok(out.as_slice()?.to_vec())
        });
        let reduced = match reduced {
            Ok(v) => v,
            Err(e) => {
                if let Ok(mut slot) = self.raised.lock() {
                    slot.get_or_insert(e);
                }
                return Err(Error::graph("the gradient hook raised an exception"));
            }
        };
        if reduced.len() != total {
            return Err(Error::shape(
                "gradient hook",
                format!("{total} gradient values back"),
                format!("{} values", reduced.len()),
            ));
        }
        let mut at = 0;
        Ok(grads
            .into_iter()
            .map(|mut g| {
                let n = g.len();
                g.iter_mut()
                    .zip(&reduced[at..at + n])
                    .for_each(|(d, &s)| *d = s);
                at += n;
                g
            })
            .collect())
    }
}

impl Borrowed<'_> {
    fn get(&mut self, k: usize) -> crate::Result<&mut Optimizer> {
        let count = self.optimizers.len();
        self.optimizers.get_mut(k).map(|o| &mut **o).ok_or_else(|| {
            Error::graph(format!(
                "the step's update names optimizer {k}, but {count} were passed"
            ))
        })
    }
}

impl Optimizers for Borrowed<'_> {
    fn loss_scale(&self, k: usize) -> crate::Result<Option<f32>> {
        Ok(self.optimizers.get(k).and_then(|o| o.loss_scale_factor()))
    }

    fn reduce(&mut self, k: usize, grads: Vec<Value>) -> crate::Result<Vec<Value>> {
        let Some(hook) = &self.hook else {
            return Ok(grads);
        };
        // The all-reduce carries float32 vectors; float64 gradients are
        // refused rather than rounded.
        let grads = grads
            .into_iter()
            .map(|g| match g {
                Value::F64(_) => Err(Error::argument(
                    "gradient hook",
                    "data-parallel training of float64 variables is not supported yet",
                )),
                other => other.into_f32("gradient hook"),
            })
            .collect::<crate::Result<Vec<_>>>()?;
        Ok(hook.call(k, grads)?.into_iter().map(Value::F32).collect())
    }

    fn apply(
        &mut self,
        k: usize,
        store: &mut Store,
        vars: &[VarId],
        grads: Vec<Value>,
    ) -> crate::Result<()> {
        self.get(k)?.apply_values(store, vars, grads)
    }
}

#[pyclass(module = "pykeras._core", name = "TrainStep")]
pub struct PyTrainStep {
    graph: Arc<Graph>,
    step: StepGraph,
    layout: ReportLayout,
    train_plans: Option<TrainPlans>,
    test_plan: Option<Plan>,
}

/// The results of the steps one `train` or `test` call ran, as float64
/// arrays with one row per step.
#[pyclass(module = "pykeras._core", name = "StepResults", frozen)]
pub struct PyStepResults {
    steps: usize,
    batch_sizes: Py<PyArray1<f64>>,
    loss: Py<PyArray1<f64>>,
    output_losses: Vec<Py<PyArray1<f64>>>,
    metric_states: Vec<Vec<Py<PyArray2<f64>>>>,
    logged: Vec<Py<PyArray1<f64>>>,
}

fn clone_all<T>(py: Python<'_>, items: &[Py<T>]) -> Vec<Py<T>> {
    items.iter().map(|a| a.clone_ref(py)).collect()
}

#[pymethods]
impl PyStepResults {
    /// The number of steps run.
    fn __len__(&self) -> usize {
        self.steps
    }

    /// Each step's batch size, shape `(steps,)`.
    #[getter]
    fn batch_sizes(&self, py: Python<'_>) -> Py<PyArray1<f64>> {
        self.batch_sizes.clone_ref(py)
    }

    /// Each step's total loss, shape `(steps,)`.
    #[getter]
    fn loss(&self, py: Python<'_>) -> Py<PyArray1<f64>> {
        self.loss.clone_ref(py)
    }

    /// Each step's loss of each output (in the order given at construction),
    /// one array of shape `(steps,)` per output.
    #[getter]
    fn output_losses(&self, py: Python<'_>) -> Vec<Py<PyArray1<f64>>> {
        clone_all(py, &self.output_losses)
    }

    /// For each metric, its states: one array of shape `(steps, size)` per
    /// state (the state's values flattened).
    #[getter]
    fn metric_states(&self, py: Python<'_>) -> Vec<Vec<Py<PyArray2<f64>>>> {
        self.metric_states
            .iter()
            .map(|states| clone_all(py, states))
            .collect()
    }

    /// Each step's value of each logged scalar, shape `(steps,)`.
    #[getter]
    fn logged(&self, py: Python<'_>) -> Vec<Py<PyArray1<f64>>> {
        clone_all(py, &self.logged)
    }

    fn __repr__(&self) -> String {
        format!(
            "<_core.StepResults steps={} output_losses={} metrics={} logged={}>",
            self.steps,
            self.output_losses.len(),
            self.metric_states.len(),
            self.logged.len()
        )
    }
}

fn inconsistent(what: String) -> PyErr {
    to_py(Error::graph(format!(
        "internal error: inconsistent step records ({what}); please report it"
    )))
}

/// Report `j` of every record as a `(steps, size)` array.
fn report_block(records: &[StepRecord], j: usize) -> PyResult<Array2<f64>> {
    let width = records.first().map_or(0, |r| r.reports[j].len());
    let mut flat = Vec::with_capacity(records.len() * width);
    for r in records {
        let values = &r.reports[j];
        if values.len() != width {
            return Err(inconsistent(format!(
                "report {j} has {} values in one step and {width} in another",
                values.len()
            )));
        }
        flat.extend_from_slice(values);
    }
    Array2::from_shape_vec((records.len(), width), flat).map_err(|e| inconsistent(e.to_string()))
}

/// Report `j` of every record, a scalar per step, as a `(steps,)` array.
fn report_scalars(records: &[StepRecord], j: usize) -> PyResult<Array1<f64>> {
    records
        .iter()
        .map(|r| match r.reports[j].as_slice() {
            [v] => Ok(*v),
            values => Err(inconsistent(format!(
                "report {j} should be a scalar but has {} values",
                values.len()
            ))),
        })
        .collect()
}

/// Reports `range` of every record, each a scalar per step, as `(steps,)` arrays.
fn scalar_group(
    py: Python<'_>,
    records: &[StepRecord],
    range: std::ops::Range<usize>,
) -> PyResult<Vec<Py<PyArray1<f64>>>> {
    range
        .map(|j| Ok(report_scalars(records, j)?.into_pyarray(py).unbind()))
        .collect()
}

fn results_to_py(
    py: Python<'_>,
    records: Vec<StepRecord>,
    layout: &ReportLayout,
) -> PyResult<PyStepResults> {
    if let Some(r) = records.iter().find(|r| r.reports.len() != layout.total()) {
        return Err(inconsistent(format!(
            "{} reports for a layout of {}",
            r.reports.len(),
            layout.total()
        )));
    }
    let column = |f: fn(&StepRecord) -> f64| -> Py<PyArray1<f64>> {
        records
            .iter()
            .map(f)
            .collect::<Array1<f64>>()
            .into_pyarray(py)
            .unbind()
    };
    let output_losses = scalar_group(py, &records, 0..layout.output_losses)?;
    let mut next = layout.output_losses;
    let mut metric_states = Vec::with_capacity(layout.metric_states.len());
    for &count in &layout.metric_states {
        let states = (next..next + count)
            .map(|j| Ok(report_block(&records, j)?.into_pyarray(py).unbind()))
            .collect::<PyResult<Vec<_>>>()?;
        metric_states.push(states);
        next += count;
    }
    let logged = scalar_group(py, &records, next..next + layout.logged)?;
    Ok(PyStepResults {
        steps: records.len(),
        batch_sizes: column(|r| r.batch_size as f64),
        loss: column(|r| r.loss),
        output_losses,
        metric_states,
        logged,
    })
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
    /// growing from now on): data `inputs`, the scalar `loss` recorded per
    /// step, the update `phases` in the order they run, state `updates` as
    /// (variable node, value node) pairs, and the nodes each step reports,
    /// in named groups: the scalar loss of each output, the state nodes of
    /// each metric (summed per batch by the caller), and scalars to log.
    #[new]
    #[pyo3(signature = (graph, inputs, loss, phases, updates, *, output_losses=Vec::new(), metric_states=Vec::new(), logged=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        graph: &Bound<'_, PyGraph>,
        inputs: Vec<NodeId>,
        loss: NodeId,
        phases: Vec<PyRef<'_, PyStepPhase>>,
        updates: Vec<(NodeId, NodeId)>,
        output_losses: Vec<NodeId>,
        metric_states: Vec<Vec<NodeId>>,
        logged: Vec<NodeId>,
    ) -> PyResult<Self> {
        let graph = graph.borrow().graph.clone();
        let layout = ReportLayout {
            output_losses: output_losses.len(),
            metric_states: metric_states.iter().map(Vec::len).collect(),
            logged: logged.len(),
        };
        let reports: Vec<NodeId> = output_losses
            .into_iter()
            .chain(metric_states.into_iter().flatten())
            .chain(logged)
            .collect();
        let phases: Vec<Phase> = phases.iter().map(|p| Phase::from(&**p)).collect();
        let phase_nodes = phases.iter().flat_map(|p| {
            std::iter::once(&p.loss)
                .chain(&p.trainable)
                .chain(p.constraints.iter().flat_map(|(v, c)| [v, c]))
        });
        for &n in inputs
            .iter()
            .chain([&loss])
            .chain(&reports)
            .chain(phase_nodes)
        {
            graph.node(n).map_err(to_py)?;
        }
        Ok(Self {
            graph,
            step: StepGraph {
                inputs,
                loss,
                reports,
                phases,
                updates,
            },
            layout,
            train_plans: None,
            test_plan: None,
        })
    }

    /// Runs `steps` training steps from step `first_step` of the epoch whose
    /// row order is `order`; `global_step` counts steps across the run.
    /// `optimizers` are the optimizers the phases name by position (each
    /// object once). `gradient_hook(update_index, flat_gradients)`, when
    /// given, returns the gradients each update applies (see `GradientHook`).
    /// `sample_offset` is this process's first row in each step's global
    /// batch (a data-parallel worker's), so dropout masks follow the samples.
    #[pyo3(signature = (data, order, batch_size, first_step, steps, seed, global_step, stop_on_nan, optimizers, gradient_hook=None, sample_offset=0))]
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
        optimizers: Vec<Bound<'_, PyOptimizer>>,
        gradient_hook: Option<Py<PyAny>>,
        sample_offset: u64,
    ) -> PyResult<PyStepResults> {
        if batch_size == 0 {
            return Err(to_py(Error::argument("fit", "batch_size must be positive")));
        }
        let held = hold_all(&data, "data array")?;
        let views: Vec<ValueView> = held.iter().map(|h| h.view()).collect();
        let order = order_of(&order)?;
        if self.train_plans.is_none() {
            self.train_plans = Some(TrainPlans::new(&self.graph, &self.step).map_err(to_py)?);
        }
        let (graph, step) = (&*self.graph, &self.step);
        let plans = self
            .train_plans
            .as_ref()
            .ok_or_else(|| to_py(Error::graph("no plan")))?;
        // An optimizer passed twice would be borrowed twice: refused here.
        let mut guards = optimizers
            .iter()
            .map(|o| o.try_borrow_mut())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                to_py(Error::argument(
                    "fit",
                    "each optimizer of a step must be passed once (one is in use or repeated)",
                ))
            })?;
        let raised = Arc::new(std::sync::Mutex::new(None));
        let mut borrowed = Borrowed {
            optimizers: guards.iter_mut().map(|g| &mut g.inner).collect(),
            hook: gradient_hook.map(|callable| GradientHook {
                callable,
                raised: Arc::clone(&raised),
            }),
        };
        let options = RunOptions {
            seed,
            global_step,
            stop_on_nan,
            sample_offset,
        };
        let records = compute(py, || {
            let batches = Batches {
                order: &order,
                batch_size,
                first_step,
                steps,
            };
            run_steps(graph, step, plans, &views, batches, options, &mut borrowed)
        });
        // An exception the gradient hook raised is the one to see.
        if let Some(err) = raised.lock().ok().and_then(|mut slot| slot.take()) {
            return Err(err);
        }
        let records = records?;
        results_to_py(py, records, &self.layout)
    }

    /// Runs `steps` test steps (forward only) over consecutive rows.
    fn test(
        &mut self,
        py: Python<'_>,
        data: Vec<Bound<'_, PyAny>>,
        batch_size: usize,
        first_step: usize,
        steps: usize,
    ) -> PyResult<PyStepResults> {
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
        results_to_py(py, records, &self.layout)
    }
}
