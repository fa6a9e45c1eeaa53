//! `pykeras._core.SubOptimizer`: one sub-optimizer of a `MultiOptimizer`'s
//! native optimizer, with `Optimizer`'s methods. The state lives in the
//! parent, so that the parent's one `apply` (what `fit`'s Rust loop calls)
//! updates every sub-optimizer; this view lets the Python sub-optimizer read
//! and change its own part.

use super::{compute, float_values, schedule_from, to_py, value_to_py, PyOptimizer};
use crate::graph::store;
use crate::optim::{LearningRate, Optimizer};
use pyo3::prelude::*;
use pyo3::types::PyDict;

#[pyclass(module = "pykeras._core", name = "SubOptimizer")]
pub struct PySubOptimizer {
    parent: Py<PyOptimizer>,
    index: usize,
}

impl PySubOptimizer {
    pub(super) fn new(parent: Py<PyOptimizer>, index: usize) -> Self {
        Self { parent, index }
    }

    /// Runs `f` on the sub-optimizer (the parent borrowed for the call).
    fn with<T>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Optimizer) -> PyResult<T>,
    ) -> PyResult<T> {
        let mut parent = self.parent.bind(py).try_borrow_mut()?;
        let child = parent.inner.child_mut(self.index).map_err(to_py)?;
        f(child)
    }
}

#[pymethods]
impl PySubOptimizer {
    /// The index of this sub-optimizer in its parent.
    #[getter]
    fn index(&self) -> usize {
        self.index
    }

    /// Replaces the sub-optimizer by `new`'s optimizer (moved in, state
    /// included; `new` keeps a fresh placeholder), as a hyper-parameter
    /// change remakes it.
    fn replace(&self, py: Python<'_>, new: &Bound<'_, PyOptimizer>) -> PyResult<()> {
        let taken = std::mem::replace(&mut new.borrow_mut().inner, super::placeholder()?);
        let mut parent = self.parent.bind(py).try_borrow_mut()?;
        parent
            .inner
            .replace_child(self.index, taken)
            .map(drop)
            .map_err(to_py)
    }

    fn build(&self, py: Python<'_>, var_ids: Vec<i64>) -> PyResult<()> {
        let ids = super::var_ids(&var_ids)?;
        self.with(py, |o| {
            let store = store::read().map_err(to_py)?;
            o.build(&store, &ids).map_err(to_py)
        })
    }

    /// One step of this sub-optimizer: `grads[i]` (a float32 or float64
    /// array) updates variable `var_ids[i]` in the variable's own type.
    fn apply(
        &self,
        py: Python<'_>,
        var_ids: Vec<i64>,
        grads: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let ids = super::var_ids(&var_ids)?;
        let grads = float_values(&grads)?;
        self.with(py, |o| {
            compute(py, move || {
                let mut store = store::write()?;
                o.apply_values(&mut store, &ids, grads)
            })
        })
    }

    #[getter]
    fn iterations(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |o| Ok(o.iterations()))
    }

    #[setter]
    fn set_iterations(&self, py: Python<'_>, n: u64) -> PyResult<()> {
        self.with(py, |o| {
            o.set_iterations(n);
            Ok(())
        })
    }

    #[getter]
    fn learning_rate(&self, py: Python<'_>) -> PyResult<f32> {
        self.with(py, |o| Ok(o.learning_rate()))
    }

    /// The learning rate of the next step in double (see `Optimizer`'s).
    #[getter]
    fn learning_rate_f64(&self, py: Python<'_>) -> PyResult<f64> {
        self.with(py, |o| Ok(o.learning_rate_f64()))
    }

    /// Sets a constant rate (kept in double for float64 variables).
    #[setter]
    fn set_learning_rate(&self, py: Python<'_>, lr: f64) -> PyResult<()> {
        self.with(py, |o| o.set_learning_rate_f64(lr).map_err(to_py))
    }

    #[getter]
    fn has_schedule(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |o| {
            Ok(matches!(
                o.learning_rate_config(),
                LearningRate::Schedule(_)
            ))
        })
    }

    #[getter]
    fn loss_scale_factor(&self, py: Python<'_>) -> PyResult<Option<f32>> {
        self.with(py, |o| Ok(o.loss_scale_factor()))
    }

    fn set_schedule(
        &self,
        py: Python<'_>,
        class_name: &str,
        config: &Bound<'_, PyDict>,
    ) -> PyResult<()> {
        let schedule = schedule_from(py, class_name, config)?;
        self.with(py, |o| {
            o.set_learning_rate_schedule(LearningRate::Schedule(schedule));
            Ok(())
        })
    }

    fn exclude_from_weight_decay(&self, py: Python<'_>, var_ids: Vec<i64>) -> PyResult<()> {
        let ids = super::var_ids(&var_ids)?;
        self.with(py, |o| {
            o.exclude_from_weight_decay(&ids);
            Ok(())
        })
    }

    fn set_variable_groups(
        &self,
        py: Python<'_>,
        var_ids: Vec<i64>,
        groups: Vec<usize>,
    ) -> PyResult<()> {
        let ids = super::var_ids(&var_ids)?;
        self.with(py, |o| o.set_variable_groups(&ids, &groups).map_err(to_py))
    }

    fn variables(&self, py: Python<'_>, var_ids: Vec<i64>) -> PyResult<Vec<(String, Py<PyAny>)>> {
        let ids = super::var_ids(&var_ids)?;
        // Each entry in its own type (a float64 variable's slots are float64).
        let state = self.with(py, |o| Ok(o.variable_values(&ids)))?;
        Ok(state
            .into_iter()
            .map(|(n, v)| (n, value_to_py(py, v)))
            .collect())
    }

    fn slot_groups(&self, py: Python<'_>) -> PyResult<Vec<Vec<&'static str>>> {
        self.with(py, |o| Ok(o.slot_groups()))
    }

    fn set_variables(
        &self,
        py: Python<'_>,
        var_ids: Vec<i64>,
        values: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let ids = super::var_ids(&var_ids)?;
        let values = float_values(&values)?;
        self.with(py, |o| o.set_variable_values(&ids, values).map_err(to_py))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        self.with(py, |o| {
            Ok(format!(
                "<_core.SubOptimizer {} of a MultiOptimizer, index={} iterations={}>",
                o.class_name(),
                self.index,
                o.iterations()
            ))
        })
        .unwrap_or_else(|e| format!("<_core.SubOptimizer index={} ({e})>", self.index))
    }
}
