//! `pykeras._core.Variable`: a handle to one slot of the variable store.
//! Layers hold these; graphs read the slot directly, so every model sharing a
//! layer sees the same weights without copies.

use super::errors::to_py;
use crate::error::fmt_shape;
use crate::graph::store::{self, VarId, Weight};
use crate::tensor::Value;
use numpy::{IntoPyArray, PyReadonlyArrayDyn};
use pyo3::exceptions::PyTypeError;
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

/// A float32 or float64 numpy array as a store value (Python casts other
/// dtypes before it calls in).
fn float_value(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(a) = value.extract::<PyReadonlyArrayDyn<'_, f32>>() {
        return Ok(Value::F32(a.as_array().to_owned()));
    }
    if let Ok(a) = value.extract::<PyReadonlyArrayDyn<'_, f64>>() {
        return Ok(Value::F64(a.as_array().to_owned()));
    }
    Err(PyTypeError::new_err(
        "a variable's value must be a float32 or float64 numpy array",
    ))
}

#[pymethods]
impl PyVariable {
    /// Stores a copy of `value`; a float64 array makes a float64 variable,
    /// a float32 one a float32 variable.
    #[new]
    fn new(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        let weight = match float_value(value)? {
            Value::F64(a) => Weight::F64(a),
            Value::F32(a) => Weight::F32(a),
            Value::I64(a) => Weight::F32(a.mapv(|x| x as f32)),
        };
        let id = store::write().map_err(to_py)?.insert_weight(weight);
        Ok(Self { id })
    }

    /// A copy of the current value, in the variable's dtype.
    fn numpy(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let value = store::read()
            .and_then(|s| s.weight(self.id).cloned())
            .map_err(to_py)?;
        Ok(match value {
            Weight::F32(a) => a.into_pyarray(py).into_any().unbind(),
            Weight::F64(a) => a.into_pyarray(py).into_any().unbind(),
        })
    }

    /// Replaces the value, cast to the variable's dtype; the shape must stay
    /// the same.
    #[pyo3(signature = (value, name="variable"))]
    fn assign(&self, value: &Bound<'_, PyAny>, name: &str) -> PyResult<()> {
        let value = float_value(value)?;
        store::write()
            .and_then(|mut s| s.set_value(self.id, value, name))
            .map_err(to_py)
    }

    #[getter]
    fn shape(&self) -> PyResult<Vec<usize>> {
        store::read()
            .and_then(|s| s.weight(self.id).map(|v| v.shape().to_vec()))
            .map_err(to_py)
    }

    /// `"float32"` or `"float64"`.
    #[getter]
    fn dtype(&self) -> PyResult<&'static str> {
        store::read()
            .and_then(|s| s.weight(self.id).map(|v| v.dtype().name()))
            .map_err(to_py)
    }

    #[getter]
    fn id(&self) -> VarId {
        self.id
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!(
            "<_core.Variable {} shape={} dtype={}>",
            self.id,
            fmt_shape(&self.shape()?),
            self.dtype()?
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
