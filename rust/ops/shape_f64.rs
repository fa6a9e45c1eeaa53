//! The float64 kernels and backward rules of reshape, transpose, concat,
//! slice and pad (a child of `shape`, so it reads the ops' fields). They
//! move values with ndarray's copies: float64 is asked for precision, and
//! float32 keeps the tuned copies of `shape_copy`.

use super::{Concat, Pad, Reshape, Slice, Transpose};
use crate::error::{fmt_shape, Error, Result};
use crate::ops::InputGrads64;
use crate::tensor::{expect_arity, normalize_axis, ValueView};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice as NdSlice};

/// `a`'s elements in row-major order, in `shape`.
fn reshaped(op: &str, a: ArrayViewD<f64>, shape: &[usize]) -> Result<ArrayD<f64>> {
    let from = a.shape().to_vec();
    a.as_standard_layout()
        .into_owned()
        .into_shape_with_order(IxDyn(shape))
        .map_err(|_| {
            Error::shape(
                op,
                format!("a tensor with {} elements", shape.iter().product::<usize>()),
                format!("shape {}", fmt_shape(&from)),
            )
        })
}

fn one<'a>(op: &str, inputs: &[ValueView<'a>]) -> Result<ArrayViewD<'a, f64>> {
    expect_arity(op, inputs, 1)?;
    inputs[0].f64(op)
}

pub(super) fn reshape(op: &Reshape, inputs: &[ValueView]) -> Result<ArrayD<f64>> {
    let x = one("reshape", inputs)?;
    let shape = op.target(x.shape())?;
    reshaped("reshape", x, &shape)
}

pub(super) fn reshape_grad(inputs: &[ValueView], grad: ArrayViewD<f64>) -> Result<InputGrads64> {
    let x = one("reshape", inputs)?;
    Ok(vec![Some(reshaped("reshape", grad, x.shape())?)])
}

pub(super) fn transpose(op: &Transpose, inputs: &[ValueView]) -> Result<ArrayD<f64>> {
    let x = one("transpose", inputs)?;
    let perm = op.perm(x.ndim())?;
    Ok(x.permuted_axes(IxDyn(&perm))
        .as_standard_layout()
        .into_owned())
}

pub(super) fn transpose_grad(
    op: &Transpose,
    inputs: &[ValueView],
    grad: ArrayViewD<f64>,
) -> Result<InputGrads64> {
    let x = one("transpose", inputs)?;
    let perm = op.perm(x.ndim())?;
    let mut inverse = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i;
    }
    Ok(vec![Some(
        grad.permuted_axes(IxDyn(&inverse))
            .as_standard_layout()
            .into_owned(),
    )])
}

pub(super) fn concat(op: &Concat, inputs: &[ValueView]) -> Result<ArrayD<f64>> {
    let views = inputs
        .iter()
        .map(|v| v.f64("concat"))
        .collect::<Result<Vec<_>>>()?;
    let first = views
        .first()
        .ok_or_else(|| Error::argument("concat", "expected at least one input. Received: 0 inputs"))?;
    let axis = normalize_axis("concat", op.axis, first.ndim())?;
    ndarray::concatenate(Axis(axis), &views).map_err(|_| {
        Error::shape(
            "concat",
            format!("inputs whose shapes match except on axis {axis}"),
            views
                .iter()
                .map(|v| fmt_shape(v.shape()))
                .collect::<Vec<_>>()
                .join(", "),
        )
    })
}

pub(super) fn concat_grad(
    op: &Concat,
    inputs: &[ValueView],
    grad: ArrayViewD<f64>,
) -> Result<InputGrads64> {
    let axis = normalize_axis("concat", op.axis, grad.ndim())?;
    let mut start = 0usize;
    let mut grads = Vec::with_capacity(inputs.len());
    for v in inputs {
        let len = v.shape().get(axis).copied().unwrap_or(0);
        let part = grad.slice_axis(Axis(axis), NdSlice::from(start..start + len));
        grads.push(Some(part.as_standard_layout().into_owned()));
        start += len;
    }
    Ok(grads)
}

pub(super) fn slice(op: &Slice, inputs: &[ValueView]) -> Result<ArrayD<f64>> {
    let x = one("slice", inputs)?;
    let ranges = op.ranges(x.shape())?;
    let mut v = x.view();
    for (axis, &(a, b)) in ranges.iter().enumerate() {
        v.slice_axis_inplace(Axis(axis), NdSlice::from(a..b));
    }
    Ok(v.as_standard_layout().into_owned())
}

pub(super) fn slice_grad(op: &Slice, inputs: &[ValueView], grad: ArrayViewD<f64>) -> Result<InputGrads64> {
    let x = one("slice", inputs)?;
    let ranges = op.ranges(x.shape())?;
    let mut gx = ArrayD::<f64>::zeros(IxDyn(x.shape()));
    let mut v = gx.view_mut();
    for (axis, &(a, b)) in ranges.iter().enumerate() {
        v.slice_axis_inplace(Axis(axis), NdSlice::from(a..b));
    }
    if v.shape() != grad.shape() {
        return Err(crate::kernels::real::grad_shape_error("slice"));
    }
    v.assign(&grad);
    Ok(vec![Some(gx)])
}

pub(super) fn pad(op: &Pad, inputs: &[ValueView]) -> Result<ArrayD<f64>> {
    let x = one("pad", inputs)?;
    op.check(x.shape())?;
    Ok(op.padded(x, op.value64))
}

pub(super) fn pad_grad(op: &Pad, inputs: &[ValueView], grad: ArrayViewD<f64>) -> Result<InputGrads64> {
    let x = one("pad", inputs)?;
    op.check(x.shape())?;
    let mut v = grad.view();
    for (axis, (&d, &(a, _))) in x.shape().iter().zip(&op.widths).enumerate() {
        v.slice_axis_inplace(Axis(axis), NdSlice::from(a..a + d));
    }
    Ok(vec![Some(v.to_owned())])
}
