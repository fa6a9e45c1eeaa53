//! The moves of `broadcast_dynamic` and `reshape_dynamic`, generic over the
//! element type (a child of `dynamic`): float64 moves its values as they
//! are, float32 runs the same code it ran before.

use crate::error::{fmt_shape, Error, Result};
use crate::ops::InputGrads64;
use crate::tensor::ValueView;
use ndarray::{ArrayD, ArrayViewD, IxDyn};

/// `x` broadcast to `dims`, copied.
pub(super) fn broadcast<T: Clone>(op: &str, x: ArrayViewD<T>, dims: &[usize]) -> Result<ArrayD<T>> {
    let view = x.broadcast(IxDyn(dims)).ok_or_else(|| {
        Error::shape(
            op,
            format!("an input that broadcasts to {}", fmt_shape(dims)),
            format!("an input of shape {}", fmt_shape(x.shape())),
        )
    })?;
    Ok(view.to_owned())
}

/// `x` in `shape` (row-major order), copied.
pub(super) fn reshape<T: Clone>(op: &str, x: ArrayViewD<T>, shape: &[usize]) -> Result<ArrayD<T>> {
    let from = x.shape().to_vec();
    x.as_standard_layout()
        .into_owned()
        .into_shape_with_order(IxDyn(shape))
        .map_err(|_| Error::shape(op, fmt_shape(shape), fmt_shape(&from)))
}

/// The gradients of the inputs: `first(x's shape)` for the moved input,
/// none for the size inputs.
pub(super) fn first_grad(
    inputs: &[ValueView],
    first: impl FnOnce(&[usize]) -> Result<ArrayD<f64>>,
) -> Result<InputGrads64> {
    let mut grads = vec![None; inputs.len()];
    if let Some(x) = inputs.first() {
        grads[0] = Some(first(x.shape())?);
    }
    Ok(grads)
}
