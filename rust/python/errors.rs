//! Each core error kind becomes its own Python exception class, each a
//! subclass of the builtin a Keras user would catch (ValueError, TypeError).

use crate::error::Error;
use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyTypeError, PyValueError};
use pyo3::prelude::*;

create_exception!(
    pykeras,
    ShapeError,
    PyValueError,
    "A tensor had a shape the op or layer cannot take."
);
create_exception!(
    pykeras,
    DTypeError,
    PyTypeError,
    "A tensor had an element type the op cannot take."
);
create_exception!(
    pykeras,
    OutOfRangeError,
    PyValueError,
    "An index or label was outside its valid range."
);
create_exception!(
    pykeras,
    InvalidArgumentError,
    PyValueError,
    "An argument of an op was missing, of the wrong kind or out of range."
);
create_exception!(
    pykeras,
    GraphError,
    PyValueError,
    "A graph was built or run wrongly."
);

pub fn to_py(err: Error) -> PyErr {
    let msg = err.to_string();
    match err {
        Error::Shape { .. } => ShapeError::new_err(msg),
        Error::DType { .. } => DTypeError::new_err(msg),
        Error::Index { .. } => OutOfRangeError::new_err(msg),
        Error::Argument { .. } => InvalidArgumentError::new_err(msg),
        Error::Graph { .. } => GraphError::new_err(msg),
        Error::Interrupted => PyKeyboardInterrupt::new_err(msg),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ShapeError", py.get_type::<ShapeError>())?;
    m.add("DTypeError", py.get_type::<DTypeError>())?;
    m.add("OutOfRangeError", py.get_type::<OutOfRangeError>())?;
    m.add(
        "InvalidArgumentError",
        py.get_type::<InvalidArgumentError>(),
    )?;
    m.add("GraphError", py.get_type::<GraphError>())?;
    Ok(())
}
