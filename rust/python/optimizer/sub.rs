//! `pykeras._core.SubOptimizer`: one sub-optimizer of a `MultiOptimizer`'s
//! native optimizer, with `Optimizer`'s methods. The state lives in the
//! parent, so that the parent's one `apply` (what `fit`'s Rust loop calls)
//! updates every sub-optimizer; this view lets the Python sub-optimizer read
//! and change its own part.

use super::{arrays, compute, schedule_from, to_py, PyOptimizer};
use crate::graph::store;
use crate::optim::{LearningRate, Optimizer};
use numpy::{IntoPyArray, PyReadonlyArrayDyn};
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

    fn apply(
        &self,
        py: Python<'_>,
        var_ids: Vec<i64>,
        grads: Vec<PyReadonlyArrayDyn<'_, f32>>,
    ) -> PyResult<()> {
        let ids = super::var_ids(&var_ids)?;
        let grads = arrays(grads);
        self.with(py, |o| {
            compute(py, move || {
                let mut store = store::write()?;
                o.apply(&mut store, &ids, grads)
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

    #[setter]
    fn set_learning_rate(&self, py: Python<'_>, lr: f32) -> PyResult<()> {
        self.with(py, |o| o.set_learning_rate(lr).map_err(to_py))
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
        let state = self.with(py, |o| Ok(o.variables(&ids)))?;
        Ok(state
            .into_iter()
            .map(|(n, a)| (n, a.into_pyarray(py).into_any().unbind()))
            .collect())
    }

    fn slot_groups(&self, py: Python<'_>) -> PyResult<Vec<Vec<&'static str>>> {
        self.with(py, |o| Ok(o.slot_groups()))
    }

    fn set_variables(
        &self,
        py: Python<'_>,
        var_ids: Vec<i64>,
        values: Vec<PyReadonlyArrayDyn<'_, f32>>,
    ) -> PyResult<()> {
        let ids = super::var_ids(&var_ids)?;
        let values = arrays(values);
        self.with(py, |o| o.set_variables(&ids, values).map_err(to_py))
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
