//! Crossing the boundary: numpy arrays in (borrowed, no copy), numpy arrays
//! out (the Rust buffer handed over, no copy), and op attributes from dicts.

use super::errors::DTypeError;
use crate::ops::{Attr, Attrs};
use crate::tensor::{Value, ValueView};
use numpy::{IntoPyArray, PyReadonlyArrayDyn};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// A numpy array held for the duration of a call.
pub enum Held<'py> {
    F32(PyReadonlyArrayDyn<'py, f32>),
    F64(PyReadonlyArrayDyn<'py, f64>),
    I64(PyReadonlyArrayDyn<'py, i64>),
}

impl<'py> Held<'py> {
    /// Accepts float32, float64 or int64 arrays only (float64 arrives as it
    /// is: ops with float64 kernels compute in it, see `ops::boundary`);
    /// `pykeras` converts other dtypes
    /// by its stated rules before calling in, so anything else is a bug or a
    /// direct call, refused with the dtype named.
    pub fn extract(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Self> {
        Self::try_borrow(obj).ok_or_else(|| Self::refusal(obj, what))
    }

    /// The array borrowed, or None when it is not a float32, float64 or
    /// int64 array.
    pub fn try_borrow(obj: &Bound<'py, PyAny>) -> Option<Self> {
        if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'py, f32>>() {
            return Some(Held::F32(a));
        }
        if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'py, i64>>() {
            return Some(Held::I64(a));
        }
        if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'py, f64>>() {
            return Some(Held::F64(a));
        }
        None
    }

    /// The error for an object [`Held::try_borrow`] refused, naming it `what`.
    pub fn refusal(obj: &Bound<'py, PyAny>, what: &str) -> PyErr {
        let dtype = obj
            .getattr("dtype")
            .and_then(|d| d.str().map(|s| s.to_string()))
            .unwrap_or_else(|_| {
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            });
        DTypeError::new_err(format!(
            "{what} must be a numpy array of dtype float32, float64 or int64. Received: dtype={dtype}"
        ))
    }

    pub fn view(&self) -> ValueView<'_> {
        match self {
            Held::F32(a) => ValueView::F32(a.as_array()),
            Held::F64(a) => ValueView::F64(a.as_array()),
            Held::I64(a) => ValueView::I64(a.as_array()),
        }
    }
}

pub fn value_to_py(py: Python<'_>, v: Value) -> Py<PyAny> {
    match v {
        Value::F32(a) => a.into_pyarray(py).into_any().unbind(),
        Value::F64(a) => a.into_pyarray(py).into_any().unbind(),
        Value::I64(a) => a.into_pyarray(py).into_any().unbind(),
    }
}

fn ints(seq: &Bound<'_, PyAny>) -> Option<Vec<i64>> {
    let items: Vec<Bound<'_, PyAny>> = seq.try_iter().ok()?.collect::<PyResult<_>>().ok()?;
    items
        .iter()
        .map(|x| {
            if x.is_instance_of::<PyBool>() {
                None
            } else {
                x.extract::<i64>().ok()
            }
        })
        .collect()
}

fn attr_from_py(key: &str, v: &Bound<'_, PyAny>) -> PyResult<Attr> {
    if v.is_none() {
        return Ok(Attr::None);
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(Attr::Bool(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(Attr::Int(v.extract()?));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(Attr::Float(v.extract()?));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(Attr::Str(v.extract()?));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        if let Some(list) = ints(v) {
            return Ok(Attr::Ints(list));
        }
        let items: Vec<Bound<'_, PyAny>> = v.try_iter()?.collect::<PyResult<_>>()?;
        if let Some(lists) = items.iter().map(ints).collect::<Option<Vec<_>>>() {
            return Ok(Attr::IntLists(lists));
        }
    }
    // numpy integer and float scalars
    if let Ok(i) = v.extract::<i64>() {
        return Ok(Attr::Int(i));
    }
    if let Ok(f) = v.extract::<f64>() {
        return Ok(Attr::Float(f));
    }
    Err(PyTypeError::new_err(format!(
        "attribute '{key}' must be None, a bool, int, float, str, or a (nested) list of ints. Received: {key}={}",
        v.repr().map(|r| r.to_string()).unwrap_or_default()
    )))
}

pub fn attrs_from_py(dict: Option<&Bound<'_, PyDict>>) -> PyResult<Attrs> {
    let mut attrs = Attrs::new();
    if let Some(d) = dict {
        for (k, v) in d.iter() {
            let key: String = k.extract()?;
            let a = attr_from_py(&key, &v)?;
            attrs.insert(&key, a);
        }
    }
    Ok(attrs)
}

/// An attribute value as the Python value that would set it.
pub fn attr_to_py<'py>(py: Python<'py>, a: &Attr) -> PyResult<Bound<'py, PyAny>> {
    Ok(match a {
        Attr::None => py.None().into_bound(py),
        Attr::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Attr::Int(i) => i.into_pyobject(py)?.into_any(),
        Attr::Float(f) => f.into_pyobject(py)?.into_any(),
        Attr::Str(s) => s.into_pyobject(py)?.into_any(),
        Attr::Ints(v) => v.clone().into_pyobject(py)?.into_any(),
        Attr::IntLists(v) => v.clone().into_pyobject(py)?.into_any(),
    })
}
