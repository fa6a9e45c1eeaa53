//! `pykeras._core.Optimizer`: a Keras optimizer whose state and arithmetic
//! live in Rust, made from a typed `pykeras._core.OptimizerConfig`.
//! `pykeras.optimizers` wraps it; trainers take `inner` directly.

mod config;
mod sub;

use super::compute;
use super::convert::attrs_from_py;
use super::errors::to_py;
use crate::graph::store::{self, VarId};
use crate::ops::Attrs;
use crate::optim::{LearningRate, Optimizer, Schedule};
use crate::tensor::Value;
use numpy::{IntoPyArray, PyReadonlyArrayDyn};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyTuple};

pub use config::PyOptimizerConfig;
pub use sub::PySubOptimizer;

#[pyclass(name = "Optimizer", module = "pykeras._core")]
pub struct PyOptimizer {
    pub(crate) inner: Optimizer,
}

/// Lists of non-integer numbers have no attribute kind; they travel as a
/// comma-separated string, which `Schedule::from_attrs` reads back exactly
/// (Python's `repr` of a float round-trips through Rust's parser).
fn flat_value<'py>(py: Python<'py>, v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'py, PyAny>> = v.try_iter()?.collect::<PyResult<_>>()?;
        let all_ints = items
            .iter()
            .all(|x| !x.is_instance_of::<PyBool>() && x.extract::<i64>().is_ok());
        if !all_ints {
            let nums = items
                .iter()
                .map(|x| x.extract::<f64>().map(|f| format!("{f:?}")))
                .collect::<PyResult<Vec<_>>>()?;
            return Ok(nums.join(",").into_pyobject(py)?.into_any());
        }
    }
    Ok(v.clone())
}

/// A schedule's Keras config dict, its keys prefixed, added to `out`.
fn flatten_schedule<'py>(
    py: Python<'py>,
    class_name: &str,
    config: &Bound<'py, PyDict>,
    prefix: &str,
    out: &Bound<'py, PyDict>,
) -> PyResult<()> {
    if !prefix.is_empty() {
        out.set_item(prefix, class_name)?;
    }
    for (k, v) in config.iter() {
        let key: String = k.extract()?;
        let key = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        out.set_item(key, flat_value(py, &v)?)?;
    }
    Ok(())
}

fn var_ids(ids: &[i64]) -> PyResult<Vec<VarId>> {
    ids.iter()
        .map(|&i| {
            usize::try_from(i).map_err(|_| {
                PyTypeError::new_err(format!("variable ids are non-negative. Received: {i}"))
            })
        })
        .collect()
}

/// A value as a numpy array of its own type.
fn value_to_py(py: Python<'_>, v: Value) -> Py<PyAny> {
    match v {
        Value::F64(a) => a.into_pyarray(py).into_any().unbind(),
        Value::F32(a) => a.into_pyarray(py).into_any().unbind(),
        Value::I64(a) => a.into_pyarray(py).into_any().unbind(),
    }
}

/// float32 or float64 numpy arrays as values, in their own types.
fn float_values(list: &[Bound<'_, PyAny>]) -> PyResult<Vec<Value>> {
    list.iter()
        .map(|a| {
            if let Ok(a) = a.extract::<PyReadonlyArrayDyn<'_, f32>>() {
                return Ok(Value::F32(a.as_array().to_owned()));
            }
            if let Ok(a) = a.extract::<PyReadonlyArrayDyn<'_, f64>>() {
                return Ok(Value::F64(a.as_array().to_owned()));
            }
            Err(PyTypeError::new_err(
                "expected float32 or float64 numpy arrays",
            ))
        })
        .collect()
}

#[pymethods]
impl PyOptimizer {
    /// `Optimizer(config)`: the rule and hyper-parameters an `OptimizerConfig` names.
    #[new]
    fn new(config: &Bound<'_, PyOptimizerConfig>) -> PyResult<Self> {
        let inner = config.get().build().map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Creates slots for these variables (ids of `_core.Variable`s).
    fn build(&mut self, var_ids: Vec<i64>) -> PyResult<()> {
        let ids = self::var_ids(&var_ids)?;
        let store = store::read().map_err(to_py)?;
        self.inner.build(&store, &ids).map_err(to_py)
    }

    /// One optimizer step: `grads[i]` (a float32 or float64 array)
    /// updates variable `var_ids[i]` in the variable's own type.
    fn apply(
        &mut self,
        py: Python<'_>,
        var_ids: Vec<i64>,
        grads: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let ids = self::var_ids(&var_ids)?;
        let grads = float_values(&grads)?;
        let inner = &mut self.inner;
        compute(py, move || {
            let mut store = store::write()?;
            inner.apply_values(&mut store, &ids, grads)
        })
    }

    #[getter]
    fn iterations(&self) -> u64 {
        self.inner.iterations()
    }

    #[setter]
    fn set_iterations(&mut self, n: u64) {
        self.inner.set_iterations(n);
    }

    /// The learning rate of the next step.
    #[getter]
    fn learning_rate(&self) -> f32 {
        self.inner.learning_rate()
    }

    /// The learning rate of the next step in double: a constant as given
    /// (what a float64 update uses), a schedule's float32 value widened.
    #[getter]
    fn learning_rate_f64(&self) -> f64 {
        self.inner.learning_rate_f64()
    }

    /// Sets a constant rate (kept in double for float64 variables).
    #[setter]
    fn set_learning_rate(&mut self, lr: f64) -> PyResult<()> {
        self.inner.set_learning_rate_f64(lr).map_err(to_py)
    }

    /// Whether a schedule drives the learning rate.
    #[getter]
    fn has_schedule(&self) -> bool {
        matches!(self.inner.learning_rate_config(), LearningRate::Schedule(_))
    }

    /// Replaces the learning rate by a schedule: `set_schedule(class_name, config)`.
    fn set_schedule(&mut self, class_name: &str, config: &Bound<'_, PyDict>) -> PyResult<()> {
        let schedule = schedule_from(config.py(), class_name, config)?;
        self.inner
            .set_learning_rate_schedule(LearningRate::Schedule(schedule));
        Ok(())
    }

    /// Puts variables in the rule's groups before they are built
    /// (`groups[i]` for `var_ids[i]`; Muon updates group 1 by AdamW).
    fn set_variable_groups(&mut self, var_ids: Vec<i64>, groups: Vec<usize>) -> PyResult<()> {
        let ids = self::var_ids(&var_ids)?;
        self.inner.set_variable_groups(&ids, &groups).map_err(to_py)
    }

    /// A MultiOptimizer's: moves `child`'s optimizer (state included) in as
    /// a sub-optimizer and returns its index; `child` is left holding a
    /// fresh placeholder, so reach the sub-optimizer by `child(index)`.
    fn add_child(slf: &Bound<'_, Self>, child: &Bound<'_, PyOptimizer>) -> PyResult<usize> {
        if child.is(slf) {
            return Err(PyValueError::new_err(
                "a MultiOptimizer cannot be its own sub-optimizer",
            ));
        }
        let taken = std::mem::replace(&mut child.borrow_mut().inner, placeholder()?);
        slf.borrow_mut().inner.add_child(taken).map_err(to_py)
    }

    /// A view of sub-optimizer `k`, with this class's methods.
    fn child(slf: &Bound<'_, Self>, k: usize) -> PyResult<PySubOptimizer> {
        slf.borrow().inner.child(k).map_err(to_py)?;
        Ok(PySubOptimizer::new(slf.clone().unbind(), k))
    }

    /// Gives these variables to sub-optimizer `k`.
    fn assign_to_child(&mut self, var_ids: Vec<i64>, k: usize) -> PyResult<()> {
        let ids = self::var_ids(&var_ids)?;
        self.inner.assign_to_child(&ids, k).map_err(to_py)
    }

    /// The factor the loss is scaled by before differentiation, if any.
    #[getter]
    fn loss_scale_factor(&self) -> Option<f32> {
        self.inner.loss_scale_factor()
    }

    #[setter]
    fn set_loss_scale_factor(&mut self, factor: Option<f64>) -> PyResult<()> {
        self.inner.set_loss_scale_factor(factor).map_err(to_py)
    }

    /// Keeps weight decay off these variables.
    fn exclude_from_weight_decay(&mut self, var_ids: Vec<i64>) -> PyResult<()> {
        let ids = self::var_ids(&var_ids)?;
        self.inner.exclude_from_weight_decay(&ids);
        Ok(())
    }

    /// The state as `[(name, array)]` in Keras's `optimizer.variables` order.
    fn variables(&self, py: Python<'_>, var_ids: Vec<i64>) -> PyResult<Vec<(String, Py<PyAny>)>> {
        let ids = self::var_ids(&var_ids)?;
        Ok(self
            .inner
            .variable_values(&ids)
            .into_iter()
            .map(|(n, v)| (n, value_to_py(py, v)))
            .collect())
    }

    /// The slot names per group, as `variables` lists them: each group's
    /// slots for the first variable, then for the next, and so on.
    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        self.inner.slot_groups()
    }

    /// Restores the state listed by `variables(var_ids)`.
    fn set_variables(&mut self, var_ids: Vec<i64>, values: Vec<Bound<'_, PyAny>>) -> PyResult<()> {
        let ids = self::var_ids(&var_ids)?;
        let values = float_values(&values)?;
        self.inner.set_variable_values(&ids, values).map_err(to_py)
    }

    /// The value of a built-in schedule at `step`, computed as the optimizer
    /// computes it: `schedule_value("CosineDecay", config, step)`.
    #[staticmethod]
    fn schedule_value(class_name: &str, config: &Bound<'_, PyDict>, step: f64) -> PyResult<f32> {
        Ok(schedule_from(config.py(), class_name, config)?.value(step))
    }

    fn __repr__(&self) -> String {
        format!(
            "<_core.Optimizer {} iterations={}>",
            self.inner.class_name(),
            self.inner.iterations()
        )
    }
}

/// What an optimizer moved elsewhere leaves behind: plain SGD, never built.
fn placeholder() -> PyResult<Optimizer> {
    Optimizer::new("sgd", &Attrs::new()).map_err(to_py)
}

fn schedule_from(
    py: Python<'_>,
    class_name: &str,
    config: &Bound<'_, PyDict>,
) -> PyResult<Schedule> {
    let flat = PyDict::new(py);
    flatten_schedule(py, class_name, config, "", &flat)?;
    let attrs = attrs_from_py(Some(&flat))?;
    let known = Schedule::keys(class_name).map_err(to_py)?;
    attrs.check_known(class_name, known).map_err(to_py)?;
    Schedule::from_attrs(class_name, &attrs, "").map_err(to_py)
}
