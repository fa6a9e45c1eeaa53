//! sort and argsort of float64 lanes (a child of `sort`): the same stable
//! order as the float32 kernels (NaN last ascending, first descending, ties
//! by lower index, `-0.0 == 0.0`), on plain loops.

use crate::error::{fmt_shape, Error, Result};
use ndarray::{ArrayD, ArrayView1, ArrayViewD, Axis, Zip};

/// A key whose unsigned order is NumPy's ascending order of floats (as
/// `sort::order_key`, on float64's bits).
fn order_key(v: f64) -> u64 {
    if v.is_nan() {
        return u64::MAX;
    }
    let bits = if v == 0.0 { 0 } else { v.to_bits() };
    if bits & (1 << 63) != 0 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The positions of `lane`'s elements in sorted order: a stable sort of
/// the positions by key, so ties keep their lower index first.
fn order_of(lane: &ArrayView1<f64>, descending: bool) -> Vec<usize> {
    let flip = if descending { u64::MAX } else { 0 };
    let mut order: Vec<usize> = (0..lane.len()).collect();
    order.sort_by_key(|&i| order_key(lane[i]) ^ flip);
    order
}

/// The sorted values (or, with `indices`, their positions as float32).
pub(super) fn forward(
    x: ArrayViewD<f64>,
    axis: usize,
    descending: bool,
    indices: bool,
) -> crate::tensor::Value {
    use crate::tensor::Value;
    if indices {
        let mut out = ArrayD::<f32>::zeros(x.raw_dim());
        Zip::from(out.lanes_mut(Axis(axis)))
            .and(x.lanes(Axis(axis)))
            .for_each(|mut o, lane| {
                for (dst, i) in o.iter_mut().zip(order_of(&lane, descending)) {
                    *dst = i as f32;
                }
            });
        return Value::F32(out);
    }
    let mut out = ArrayD::<f64>::zeros(x.raw_dim());
    Zip::from(out.lanes_mut(Axis(axis)))
        .and(x.lanes(Axis(axis)))
        .for_each(|mut o, lane| {
            for (dst, i) in o.iter_mut().zip(order_of(&lane, descending)) {
                *dst = lane[i];
            }
        });
    Value::F64(out)
}

/// sort's gradient: output gradient j goes back to the position the
/// forward pass took element j from (the order recomputed from `x`).
pub(super) fn backward(
    x: ArrayViewD<f64>,
    grad: ArrayViewD<f64>,
    axis: usize,
    descending: bool,
) -> Result<ArrayD<f64>> {
    if grad.shape() != x.shape() {
        return Err(Error::shape(
            "sort",
            "a gradient shaped like the output",
            fmt_shape(grad.shape()),
        ));
    }
    let mut dx = ArrayD::<f64>::zeros(x.raw_dim());
    Zip::from(dx.lanes_mut(Axis(axis)))
        .and(x.lanes(Axis(axis)))
        .and(grad.lanes(Axis(axis)))
        .for_each(|mut d, lane, g| {
            for (i, &gj) in order_of(&lane, descending).into_iter().zip(g.iter()) {
                d[i] = gj;
            }
        });
    Ok(dx)
}
