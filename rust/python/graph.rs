//! `pykeras._core.Graph` and `pykeras._core.Tape`: the graph executor and the
//! eager tape, seen from Python.

use super::convert::{attr_to_py, attrs_from_py, value_to_py, Held};
use super::errors::to_py;
use super::variable::PyVariable;
use super::{compute, compute_sized};
use crate::graph::{
    backward_values, forward, store, CustomVjp, Graph, NodeId, NodeKind, Plan, Tape,
};
use crate::ops::{self, Attrs, Context, DType, Dim, TensorSpec};
use crate::tensor::{Value, ValueView};
use numpy::{IntoPyArray, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// A graph of ops, built once and run many times.
#[pyclass(module = "pykeras._core", name = "Graph")]
pub struct PyGraph {
    /// Shared with the trainers built on it; it can only grow while unshared.
    pub(crate) graph: Arc<Graph>,
    /// The attributes each op node was created with: a built op keeps only
    /// what its kernel needs, and readers of the graph (the ONNX exporter)
    /// need them as given.
    op_attrs: HashMap<NodeId, Attrs>,
    /// The last inference plan `run` made, for those outputs: a served
    /// model asks for the same outputs every call, and planning a small
    /// graph is a tenth of a one-sample call. Dropped when the graph grows.
    last_plan: Mutex<Option<(Vec<NodeId>, Arc<Plan>)>>,
}

impl PyGraph {
    /// The graph for adding nodes; refused once a trainer shares it.
    fn graph_mut(&mut self) -> PyResult<&mut Graph> {
        *self
            .last_plan
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = None;
        Arc::get_mut(&mut self.graph).ok_or_else(|| {
            to_py(crate::Error::graph(
                "this graph is used by a trainer and can no longer change",
            ))
        })
    }
}

impl PyGraph {
    /// The plan computing `outputs` (no training updates), reused while the
    /// same outputs are asked for.
    fn inference_plan(&self, outputs: &[NodeId]) -> PyResult<Arc<Plan>> {
        let mut last = self
            .last_plan
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((ids, plan)) = last.as_ref() {
            if ids == outputs {
                return Ok(Arc::clone(plan));
            }
        }
        let plan = Arc::new(Plan::fused(&self.graph, outputs, false, &[]).map_err(to_py)?);
        *last = Some((outputs.to_vec(), Arc::clone(&plan)));
        Ok(plan)
    }
}

fn hold_feeds<'py>(feeds: &Bound<'py, PyDict>) -> PyResult<Vec<(NodeId, Held<'py>)>> {
    feeds
        .iter()
        .map(|(k, v)| {
            let id: NodeId = k.extract()?;
            Ok((
                id,
                Held::extract(&v, &format!("the value fed to node {id}"))?,
            ))
        })
        .collect()
}

#[pymethods]
impl PyGraph {
    #[new]
    fn new() -> Self {
        Self {
            graph: Arc::new(Graph::new()),
            op_attrs: HashMap::new(),
            last_plan: Mutex::new(None),
        }
    }

    /// Adds an input fed at run time; returns its node id. With `shape`
    /// (None for sizes known only at run time) the ops over it know their
    /// output shapes while the graph is built.
    #[pyo3(signature = (name="input", shape=None, dtype="float32"))]
    fn input(&mut self, name: &str, shape: Option<Vec<Dim>>, dtype: &str) -> PyResult<NodeId> {
        let spec = shape
            .map(|s| DType::parse(name, dtype).map(|d| TensorSpec::new(s, d)))
            .transpose()
            .map_err(to_py)?;
        Ok(self.graph_mut()?.input_with_spec(name, spec))
    }

    /// `(shape, dtype)` of node `id`, with None for sizes known only at run
    /// time, or None when the node's spec is unknown.
    fn spec(&self, id: NodeId) -> PyResult<Option<(Vec<Dim>, &'static str)>> {
        Ok(self
            .graph
            .spec(id)
            .map_err(to_py)?
            .map(|s| (s.shape.clone(), s.dtype.name())))
    }

    /// Adds a variable node. `value` is a `Variable` (shared, not copied) or
    /// an array (copied into a new variable that lives as long as the graph).
    #[pyo3(signature = (value, trainable=true, name="variable"))]
    fn variable(
        &mut self,
        value: Bound<'_, PyAny>,
        trainable: bool,
        name: &str,
    ) -> PyResult<NodeId> {
        if let Ok(var) = value.cast::<PyVariable>() {
            let id = var.borrow().var_id();
            return Ok(self.graph_mut()?.variable(id, trainable, name));
        }
        let array: PyReadonlyArrayDyn<'_, f32> = value.extract()?;
        self.graph_mut()?
            .new_variable(array.as_array().to_owned(), trainable, name)
            .map_err(to_py)
    }

    /// Adds a constant (a copy of `value`).
    fn constant(&mut self, value: Bound<'_, PyAny>) -> PyResult<NodeId> {
        let held = Held::extract(&value, "a constant")?;
        Ok(self.graph_mut()?.constant(held.view().to_owned()))
    }

    /// Adds op `name` over existing nodes; returns its node id.
    #[pyo3(signature = (name, inputs, attrs=None))]
    fn op(
        &mut self,
        name: &str,
        inputs: Vec<NodeId>,
        attrs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<NodeId> {
        let attrs = attrs_from_py(attrs)?;
        let op = ops::build(name, &attrs).map_err(to_py)?;
        let id = self.graph_mut()?.op(op, &inputs).map_err(to_py)?;
        self.op_attrs.insert(id, attrs);
        Ok(id)
    }

    /// Adds a `keras.ops.custom_gradient` node (see `graph::CustomVjp`): its
    /// value is node `inputs[0]`, and its backward pass runs `grad_graph`
    /// fed the upstream gradient at `grad_inputs[0]` and `inputs[i]` at
    /// `grad_inputs[i]`, giving `inputs[i]` the gradient at
    /// `grad_outputs[i - 1]` (None: no gradient).
    fn custom_vjp(
        &mut self,
        grad_graph: PyRef<'_, PyGraph>,
        inputs: Vec<NodeId>,
        grad_inputs: Vec<NodeId>,
        grad_outputs: Vec<Option<NodeId>>,
    ) -> PyResult<NodeId> {
        let op =
            CustomVjp::new(grad_graph.graph.clone(), grad_inputs, grad_outputs).map_err(to_py)?;
        self.graph_mut()?.op(Arc::new(op), &inputs).map_err(to_py)
    }

    /// Marks the op nodes `start..stop` for rematerialization (`keras.remat`):
    /// training runs drop their values after the forward pass reads them and
    /// recompute them when the backward pass needs them. Returns the count.
    fn mark_recompute(&mut self, start: NodeId, stop: NodeId) -> PyResult<usize> {
        self.graph_mut()?.mark_recompute(start..stop).map_err(to_py)
    }

    /// What node `id` is: its kind, inputs, attributes, spec and value (see
    /// `NodeInfo`), for code that reads a built graph (the ONNX exporter).
    fn node(&self, py: Python<'_>, id: NodeId) -> PyResult<PyNodeInfo> {
        let node = self.graph.node(id).map_err(to_py)?;
        let attrs = PyDict::new(py);
        let (kind, name, inputs, trainable, value) = match &node.kind {
            NodeKind::Input { name } => ("input", name.clone(), vec![], false, None),
            NodeKind::Variable {
                var,
                trainable,
                name,
            } => {
                let value = store::read()
                    .and_then(|s| s.get(*var).cloned())
                    .map_err(to_py)?;
                let array = value.into_pyarray(py).into_any().unbind();
                ("variable", name.clone(), vec![], *trainable, Some(array))
            }
            NodeKind::Constant(v) => {
                let array = value_to_py(py, v.clone());
                ("constant", String::new(), vec![], false, Some(array))
            }
            NodeKind::Op { op, inputs } => {
                if let Some(given) = self.op_attrs.get(&id) {
                    for (k, v) in given.iter() {
                        attrs.set_item(k, attr_to_py(py, v)?)?;
                    }
                }
                ("op", op.name().to_string(), inputs.clone(), false, None)
            }
        };
        Ok(PyNodeInfo {
            id,
            kind,
            name,
            inputs,
            attrs: attrs.unbind(),
            shape: node.spec.as_ref().map(|s| s.shape.clone()),
            dtype: node.spec.as_ref().map(|s| s.dtype.name()),
            trainable,
            value,
            recompute: node.recompute,
        })
    }

    fn __len__(&self) -> usize {
        self.graph.len()
    }

    /// The current value of variable node `id` (a copy).
    fn get_variable(&self, py: Python<'_>, id: NodeId) -> PyResult<Py<PyAny>> {
        let var = self.graph.var_id(id).map_err(to_py)?;
        let value = store::read()
            .and_then(|s| s.get(var).cloned())
            .map_err(to_py)?;
        Ok(value.into_pyarray(py).into_any().unbind())
    }

    /// Assigns variable node `id`; the shape must not change.
    fn set_variable(&mut self, id: NodeId, value: PyReadonlyArrayDyn<'_, f32>) -> PyResult<()> {
        let var = self.graph.var_id(id).map_err(to_py)?;
        let name = format!("node {id}");
        store::write()
            .and_then(|mut s| s.set(var, value.as_array().to_owned(), &name))
            .map_err(to_py)
    }

    /// Node ids of the graph's variables (trainable ones only if asked).
    #[pyo3(signature = (trainable_only=false))]
    fn variables(&self, trainable_only: bool) -> Vec<NodeId> {
        self.graph.variables(trainable_only)
    }

    /// Runs the graph forward and returns the requested outputs.
    #[pyo3(signature = (feeds, outputs, training=false, seed=0))]
    fn run(
        &self,
        py: Python<'_>,
        feeds: &Bound<'_, PyDict>,
        outputs: Vec<NodeId>,
        training: bool,
        seed: u64,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let held = hold_feeds(feeds)?;
        let feed_views: Vec<(NodeId, ValueView)> =
            held.iter().map(|(i, h)| (*i, h.view())).collect();
        let ctx = Context {
            training,
            seed,
            ..Context::default()
        };
        let graph = &*self.graph;
        let work = feed_views
            .iter()
            .map(|(_, v)| v.shape().iter().product::<usize>())
            .sum();
        let plan = self.inference_plan(&outputs)?;
        let outs = compute_sized(py, work, || {
            let vars = store::read()?;
            let mut values = forward(graph, &vars, &plan, &feed_views, &ctx)?;
            outputs
                .iter()
                .map(|&o| values.take(o))
                .collect::<crate::Result<Vec<Value>>>()
        })?;
        Ok(outs.into_iter().map(|v| value_to_py(py, v)).collect())
    }

    /// Forward, then the gradient of `target` with respect to `wrt`.
    /// Returns `(target_value, [gradients])`.
    #[pyo3(signature = (feeds, target, wrt, grad=None, training=false, seed=0))]
    #[allow(clippy::too_many_arguments)]
    fn gradients(
        &self,
        py: Python<'_>,
        feeds: &Bound<'_, PyDict>,
        target: NodeId,
        wrt: Vec<NodeId>,
        grad: Option<Bound<'_, PyAny>>,
        training: bool,
        seed: u64,
    ) -> PyResult<(Py<PyAny>, Vec<Py<PyAny>>)> {
        let held = hold_feeds(feeds)?;
        let feed_views: Vec<(NodeId, ValueView)> =
            held.iter().map(|(i, h)| (*i, h.view())).collect();
        let grad = grad.map(|g| Held::extract(&g, "grad")).transpose()?;
        let gview = grad.as_ref().map(|g| g.view());
        let ctx = Context {
            training,
            seed,
            ..Context::default()
        };
        let graph = &*self.graph;
        let (value, grads) = compute(py, || {
            let plan = Plan::fused(graph, &[target], true, &wrt)?;
            let vars = store::read()?;
            let values = forward(graph, &vars, &plan, &feed_views, &ctx)?;
            let seed = seed_f32(gview.as_ref())?;
            let seed = seed.as_ref().map(|s| s.view());
            let grads = backward_values(graph, &plan, &values, target, seed, &wrt, &ctx)?;
            Ok((values.get(target)?.to_owned(), grads))
        })?;
        Ok((
            value_to_py(py, value),
            grads.into_iter().map(|g| value_to_py(py, g)).collect(),
        ))
    }
}

/// One node of a `Graph`, as `Graph.node(id)` reads it back.
#[pyclass(module = "pykeras._core", name = "NodeInfo", frozen, get_all)]
pub struct PyNodeInfo {
    /// The node's id in its graph.
    id: NodeId,
    /// "input", "variable", "constant" or "op".
    kind: &'static str,
    /// The input's or variable's name, the op's name ("" for a constant).
    name: String,
    /// The node ids an op reads, in order (empty for other kinds).
    inputs: Vec<NodeId>,
    /// An op's attributes as they were given when it was added.
    attrs: Py<PyDict>,
    /// The shape (None for sizes known only at run time), if known.
    shape: Option<Vec<Dim>>,
    /// "float32" or "int64", if known.
    dtype: Option<&'static str>,
    /// Whether a variable is trainable (False for other kinds).
    trainable: bool,
    /// A constant's value, or a variable's current value (copies); else None.
    value: Option<Py<PyAny>>,
    /// Whether an op is rematerialized (`keras.remat`; False for other kinds).
    recompute: bool,
}

#[pymethods]
impl PyNodeInfo {
    fn __repr__(&self) -> String {
        format!(
            "NodeInfo(id={}, kind={:?}, name={:?}, inputs={:?})",
            self.id, self.kind, self.name, self.inputs
        )
    }
}

/// The eager path: ops run as they are recorded; gradients come afterwards.
#[pyclass(module = "pykeras._core", name = "Tape")]
pub struct PyTape {
    tape: Tape,
}

#[pymethods]
impl PyTape {
    #[new]
    #[pyo3(signature = (training=false, seed=0))]
    fn new(training: bool, seed: u64) -> Self {
        Self {
            tape: Tape::new(Context {
                training,
                seed,
                ..Context::default()
            }),
        }
    }

    /// Records a leaf value (copied); returns its id.
    fn leaf(&mut self, value: Bound<'_, PyAny>) -> PyResult<NodeId> {
        let held = Held::extract(&value, "a leaf")?;
        Ok(self.tape.leaf(held.view().to_owned()))
    }

    /// Runs op `name` on recorded values now; returns the new id.
    #[pyo3(signature = (name, inputs, attrs=None))]
    fn op(
        &mut self,
        py: Python<'_>,
        name: &str,
        inputs: Vec<NodeId>,
        attrs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<NodeId> {
        let attrs = attrs_from_py(attrs)?;
        let op = ops::build(name, &attrs).map_err(to_py)?;
        let tape = &mut self.tape;
        compute(py, || tape.apply(op, &inputs))
    }

    /// Runs and records a `keras.ops.custom_gradient` node (see
    /// `Graph.custom_vjp`); returns the new id.
    fn custom_vjp(
        &mut self,
        py: Python<'_>,
        grad_graph: PyRef<'_, PyGraph>,
        inputs: Vec<NodeId>,
        grad_inputs: Vec<NodeId>,
        grad_outputs: Vec<Option<NodeId>>,
    ) -> PyResult<NodeId> {
        let op =
            CustomVjp::new(grad_graph.graph.clone(), grad_inputs, grad_outputs).map_err(to_py)?;
        let tape = &mut self.tape;
        compute(py, || tape.apply(Arc::new(op), &inputs))
    }

    fn value(&self, py: Python<'_>, id: NodeId) -> PyResult<Py<PyAny>> {
        let v = self.tape.value(id).map_err(to_py)?.to_owned();
        Ok(value_to_py(py, v))
    }

    /// Gradients of `target` with respect to the ids in `wrt`.
    #[pyo3(signature = (target, wrt, grad=None))]
    fn gradient(
        &self,
        py: Python<'_>,
        target: NodeId,
        wrt: Vec<NodeId>,
        grad: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let grad = grad.map(|g| Held::extract(&g, "grad")).transpose()?;
        let gview = grad.as_ref().map(|g| g.view());
        let tape = &self.tape;
        let grads = compute(py, || {
            let seed = seed_f32(gview.as_ref())?;
            tape.gradient(target, seed.as_ref().map(|s| s.view()), &wrt)
        })?;
        Ok(grads.into_iter().map(|g| value_to_py(py, g)).collect())
    }
}

/// The output gradient a caller gave, as float32 (a float64 one is rounded:
/// seeds are the loss's ones or an upstream gradient, and the sweep widens
/// it again for a float64 target).
fn seed_f32<'a>(
    g: Option<&ValueView<'a>>,
) -> crate::Result<Option<ndarray::CowArray<'a, f32, ndarray::IxDyn>>> {
    g.map(|g| match g {
        ValueView::F64(a) => Ok(a.mapv(|v| v as f32).into()),
        other => other.f32("gradient").map(Into::into),
    })
    .transpose()
}
