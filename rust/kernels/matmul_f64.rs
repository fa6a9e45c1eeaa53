//! float64 matrix products: ndarray's `general_mat_mul` (the
//! `matrixmultiply` crate's blocked dgemm) per broadcast batch. float32
//! keeps its own packed SIMD GEMM (`matmul`); float64 is asked for
//! precision, so a second hand-tuned kernel would not earn its code.

use crate::error::{fmt_shape, Error, Result};
use crate::ops::broadcast::{broadcast_shape, reduce_owned};
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayD, ArrayViewD, Axis, Dimension, Ix2, IxDyn};

/// `a` with its last two axes swapped (a view).
pub fn t_last(a: ArrayViewD<f64>) -> ArrayViewD<f64> {
    let n = a.ndim();
    let mut a = a;
    a.swap_axes(n - 2, n - 1);
    a
}

/// The matrix at batch index `idx` of a broadcast view.
fn matrix<'a>(v: &ArrayViewD<'a, f64>, idx: &[usize]) -> Result<ndarray::ArrayView2<'a, f64>> {
    let mut v = v.clone();
    for &i in idx {
        v = v.index_axis_move(Axis(0), i);
    }
    v.into_dimensionality::<Ix2>()
        .map_err(|e| Error::shape("matmul", "matrices", e.to_string()))
}

/// `a @ b` over the last two axes, broadcasting the leading ones (numpy's
/// `matmul` for operands of rank >= 2).
pub fn batched_matmul_f64(op: &str, a: ArrayViewD<f64>, b: ArrayViewD<f64>) -> Result<ArrayD<f64>> {
    let (ra, rb) = (a.ndim(), b.ndim());
    if ra < 2 || rb < 2 || a.shape()[ra - 1] != b.shape()[rb - 2] {
        return Err(Error::shape(
            op,
            "operands of rank >= 2 whose inner sizes agree",
            format!("{} and {}", fmt_shape(a.shape()), fmt_shape(b.shape())),
        ));
    }
    let (m, k, n) = (a.shape()[ra - 2], a.shape()[ra - 1], b.shape()[rb - 1]);
    let batch = broadcast_shape(op, &a.shape()[..ra - 2], &b.shape()[..rb - 2])?;
    let with = |tail: [usize; 2]| [batch.as_slice(), &tail].concat();
    let not_broadcast = || Error::shape(op, "operands whose batch axes broadcast", "others");
    let a = a
        .broadcast(IxDyn(&with([m, k])))
        .ok_or_else(not_broadcast)?;
    let b = b
        .broadcast(IxDyn(&with([k, n])))
        .ok_or_else(not_broadcast)?;
    let mut out = ArrayD::<f64>::zeros(IxDyn(&with([m, n])));
    for idx in ndarray::indices(IxDyn(&batch)) {
        let idx = idx.slice().to_vec();
        let (a2, b2) = (matrix(&a, &idx)?, matrix(&b, &idx)?);
        let mut o = out.view_mut();
        for &i in &idx {
            o = o.index_axis_move(Axis(0), i);
        }
        let mut o2 = o
            .into_dimensionality::<Ix2>()
            .map_err(|e| Error::shape(op, "matrices", e.to_string()))?;
        general_mat_mul(1.0, &a2, &b2, 0.0, &mut o2);
    }
    Ok(out)
}

/// The gradients of `a @ b` for the output gradient `grad`, summed down to
/// each operand's shape (`None` where not `needed`).
pub fn matmul_grads_f64(
    op: &str,
    a: ArrayViewD<f64>,
    b: ArrayViewD<f64>,
    grad: ArrayViewD<f64>,
    needed: &[bool],
) -> Result<Vec<Option<ArrayD<f64>>>> {
    let need = |i: usize| needed.get(i) != Some(&false);
    let ga = if need(0) {
        let ga = batched_matmul_f64(op, grad.view(), t_last(b.view()))?;
        Some(reduce_owned(op, ga, a.shape())?)
    } else {
        None
    };
    let gb = if need(1) {
        let gb = batched_matmul_f64(op, t_last(a.view()), grad)?;
        Some(reduce_owned(op, gb, b.shape())?)
    } else {
        None
    };
    Ok(vec![ga, gb])
}
