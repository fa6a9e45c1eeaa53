//! `pykeras._core.Variable`: a handle to one slot of the variable store.
//! Layers hold these; graphs read the slot directly, so every model sharing a
//! layer sees the same weights without copies.

use super::errors::to_py;
use crate::error::fmt_shape;
use crate::graph::store::{self, VarId};
use numpy::{IntoPyArray, PyReadonlyArrayDyn};
use pyo3::prelude::*;

#[pyclass(module = "pykeras._core", name = "Variable")]
pub struct PyVariable {
    id: VarId,
}

impl PyVariable {
    pub fn var_id(&self) -> VarId {
        self.id
    }
}

#[pymethods]
impl PyVariable {
    /// Stores a copy of `value` (a float32 array).
    #[new]
    fn new(value: PyReadonlyArrayDyn<'_, f32>) -> PyResult<Self> {
        let id = store::write()
            .map_err(to_py)?
            .insert(value.as_array().to_owned());
        Ok(Self { id })
    }

    /// A copy of the current value.
    fn numpy(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let value = store::read()
            .and_then(|s| s.get(self.id).cloned())
            .map_err(to_py)?;
        Ok(value.into_pyarray(py).into_any().unbind())
    }

    /// Replaces the value; the shape must stay the same.
    #[pyo3(signature = (value, name="variable"))]
    fn assign(&self, value: PyReadonlyArrayDyn<'_, f32>, name: &str) -> PyResult<()> {
        store::write()
            .and_then(|mut s| s.set(self.id, value.as_array().to_owned(), name))
            .map_err(to_py)
    }

    #[getter]
    fn shape(&self) -> PyResult<Vec<usize>> {
        store::read()
            .and_then(|s| s.get(self.id).map(|v| v.shape().to_vec()))
            .map_err(to_py)
    }

    #[getter]
    fn id(&self) -> VarId {
        self.id
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!(
            "<_core.Variable {} shape={}>",
            self.id,
            fmt_shape(&self.shape()?)
        ))
    }
}

impl Drop for PyVariable {
    fn drop(&mut self) {
        if let Ok(mut s) = store::write() {
            s.remove(self.id);
        }
    }
}
