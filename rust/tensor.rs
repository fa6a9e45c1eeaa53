//! Values that flow through ops and graphs: float32 tensors for data,
//! float64 tensors for data asked for in float64 (ops with a float64 kernel
//! compute in it; the others round it to float32 at their boundary, see
//! `ops::boundary`), and int64 tensors for labels and indices, all
//! n-dimensional on ndarray.
//!
//! Ops read `ValueView`s (borrowed, so numpy arrays cross without a copy) and
//! return owned `Value`s.

use crate::error::{fmt_shape, Error, Result};
use ndarray::{ArrayD, ArrayViewD};

/// An owned tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
    I64(ArrayD<i64>),
}

/// A borrowed tensor.
#[derive(Debug, Clone)]
pub enum ValueView<'a> {
    F32(ArrayViewD<'a, f32>),
    F64(ArrayViewD<'a, f64>),
    I64(ArrayViewD<'a, i64>),
}

impl Value {
    pub fn view(&self) -> ValueView<'_> {
        match self {
            Value::F32(a) => ValueView::F32(a.view()),
            Value::F64(a) => ValueView::F64(a.view()),
            Value::I64(a) => ValueView::I64(a.view()),
        }
    }

    pub fn shape(&self) -> &[usize] {
        match self {
            Value::F32(a) => a.shape(),
            Value::F64(a) => a.shape(),
            Value::I64(a) => a.shape(),
        }
    }

    /// The float32 array, or a DType error naming `op`.
    pub fn into_f32(self, op: &str) -> Result<ArrayD<f32>> {
        match self {
            Value::F32(a) => Ok(a),
            Value::F64(_) => Err(Error::dtype(op, "a float32 tensor", "float64")),
            Value::I64(_) => Err(Error::dtype(op, "a float32 tensor", "int64")),
        }
    }

    /// The float64 array, or a DType error naming `op`.
    pub fn into_f64(self, op: &str) -> Result<ArrayD<f64>> {
        match self {
            Value::F64(a) => Ok(a),
            other => Err(Error::dtype(
                op,
                "a float64 tensor",
                other.view().dtype_name(),
            )),
        }
    }

    /// A float64 value rounded to float32 (others as they are): what an op
    /// without a float64 kernel computes on.
    pub fn narrowed(self) -> Value {
        match self {
            Value::F64(a) => Value::F32(a.mapv(|v| v as f32)),
            other => other,
        }
    }

    /// A float32 value widened to float64 (exactly; others as they are).
    pub fn widened(self) -> Value {
        match self {
            Value::F32(a) => Value::F64(a.mapv(f64::from)),
            other => other,
        }
    }
}

impl<'a> ValueView<'a> {
    pub fn shape(&self) -> &[usize] {
        match self {
            ValueView::F32(a) => a.shape(),
            ValueView::F64(a) => a.shape(),
            ValueView::I64(a) => a.shape(),
        }
    }

    pub fn dtype_name(&self) -> &'static str {
        match self {
            ValueView::F32(_) => "float32",
            ValueView::F64(_) => "float64",
            ValueView::I64(_) => "int64",
        }
    }

    pub fn is_f64(&self) -> bool {
        matches!(self, ValueView::F64(_))
    }

    /// The float32 view, or a DType error naming `op`.
    pub fn f32(&self, op: &str) -> Result<ArrayViewD<'a, f32>> {
        match self {
            ValueView::F32(a) => Ok(a.clone()),
            other => Err(Error::dtype(op, "a float32 tensor", other.dtype_name())),
        }
    }

    /// The float64 view, or a DType error naming `op`.
    pub fn f64(&self, op: &str) -> Result<ArrayViewD<'a, f64>> {
        match self {
            ValueView::F64(a) => Ok(a.clone()),
            other => Err(Error::dtype(op, "a float64 tensor", other.dtype_name())),
        }
    }

    /// The float view in the type `F` (float32 or float64), or a DType error.
    pub fn float<F: crate::kernels::real::Real>(&self, op: &str) -> Result<ArrayViewD<'a, F>> {
        F::view_of(self, op)
    }

    /// The int64 view, or a DType error naming `op`.
    pub fn i64(&self, op: &str) -> Result<ArrayViewD<'a, i64>> {
        match self {
            ValueView::I64(a) => Ok(a.clone()),
            other => Err(Error::dtype(
                op,
                "an int64 tensor of indices",
                other.dtype_name(),
            )),
        }
    }

    /// The same view with a shorter lifetime (views are invariant in their
    /// lifetime, so this cannot be a plain coercion).
    pub fn reborrow(&self) -> ValueView<'_> {
        match self {
            ValueView::F32(a) => ValueView::F32(a.view()),
            ValueView::F64(a) => ValueView::F64(a.view()),
            ValueView::I64(a) => ValueView::I64(a.view()),
        }
    }

    pub fn to_owned(&self) -> Value {
        match self {
            ValueView::F32(a) => Value::F32(a.to_owned()),
            ValueView::F64(a) => Value::F64(a.to_owned()),
            ValueView::I64(a) => Value::I64(a.to_owned()),
        }
    }
}

/// Checks that an op received exactly `n` inputs.
pub fn expect_arity(op: &str, inputs: &[ValueView], n: usize) -> Result<()> {
    if inputs.len() != n {
        return Err(Error::argument(
            op,
            format!("expected {n} input(s). Received: {} input(s)", inputs.len()),
        ));
    }
    Ok(())
}

/// Checks the rank of one input.
pub fn expect_rank(op: &str, what: &str, shape: &[usize], rank: usize) -> Result<()> {
    if shape.len() != rank {
        return Err(Error::shape(
            op,
            format!("{what} of rank {rank}"),
            format!("{what} of shape {}", fmt_shape(shape)),
        ));
    }
    Ok(())
}

/// Resolves a possibly negative axis against a rank, naming `op` on failure.
pub fn normalize_axis(op: &str, axis: i64, rank: usize) -> Result<usize> {
    let r = rank as i64;
    if axis < -r || axis >= r.max(1) && axis >= r {
        return Err(Error::argument(
            op,
            format!(
                "axis must be in [-{r}, {r}) for a tensor of rank {rank}. Received: axis={axis}"
            ),
        ));
    }
    Ok(if axis < 0 {
        (axis + r) as usize
    } else {
        axis as usize
    })
}

/// Class ids or table indices as usize, each checked to lie in `[0, bound)`.
/// Whole-valued float32 ids are accepted too, since labels and model inputs
/// often arrive as floats.
pub fn class_ids(op: &str, ids: &ValueView, bound: usize) -> Result<Vec<usize>> {
    let check = |v: i64| {
        if v < 0 || v as usize >= bound {
            Err(Error::index(op, v, bound, "index"))
        } else {
            Ok(v as usize)
        }
    };
    match ids {
        ValueView::I64(a) => a.iter().map(|&v| check(v)).collect(),
        ValueView::F32(a) => a
            .iter()
            .map(|&v| {
                if v.fract() != 0.0 || !v.is_finite() {
                    Err(Error::dtype(
                        op,
                        "whole-number ids",
                        format!("float32 with the value {v}"),
                    ))
                } else {
                    check(v as i64)
                }
            })
            .collect(),
        ValueView::F64(a) => a
            .iter()
            .map(|&v| {
                if v.fract() != 0.0 || !v.is_finite() {
                    Err(Error::dtype(
                        op,
                        "whole-number ids",
                        format!("float64 with the value {v}"),
                    ))
                } else {
                    check(v as i64)
                }
            })
            .collect(),
    }
}
