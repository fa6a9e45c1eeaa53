//! segment_* on float64 data: the float32 rules of `segment.rs` in
//! float64 (kept apart so the float32 loops stay exactly as they were).

use super::{Kind, Segment};
use crate::error::{fmt_shape, Error, Result};
use crate::ops::InputGrads64;
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn};

/// Data as rows of `inner` values, and each row's segment.
struct Unpacked {
    data: Vec<f64>,
    rows: usize,
    inner: usize,
    segs: Vec<Option<usize>>,
}

fn identity(kind: Kind) -> f64 {
    match kind {
        Kind::Sum => 0.0,
        Kind::Max => f64::NEG_INFINITY,
        Kind::Min => f64::INFINITY,
        Kind::Prod => 1.0,
    }
}

fn combine(kind: Kind, acc: f64, v: f64) -> f64 {
    match kind {
        Kind::Sum => acc + v,
        Kind::Prod => acc * v,
        // NaN wins once seen, as XLA's max and min.
        Kind::Max if acc.is_nan() || v > acc || v.is_nan() => v,
        Kind::Min if acc.is_nan() || v < acc || v.is_nan() => v,
        Kind::Max | Kind::Min => acc,
    }
}

/// A float id's segment, if it is a whole number.
pub(super) fn float_id(
    op: &str,
    v: f64,
    keep: impl Fn(i64) -> Option<usize>,
) -> Result<Option<usize>> {
    if v.fract() != 0.0 || !v.is_finite() {
        return Err(Error::dtype(
            op,
            "whole-number segment ids",
            format!("float64 with the value {v}"),
        ));
    }
    Ok(keep(v as i64))
}

impl Segment {
    /// The inputs checked, with float64 data as a contiguous buffer.
    fn unpack_f64(&self, inputs: &[ValueView]) -> Result<Unpacked> {
        expect_arity(self.name, inputs, 2)?;
        let data = inputs[0].f64(self.name)?;
        if data.ndim() == 0 {
            return Err(Error::shape(
                self.name,
                "data of rank 1 or more (segments are taken along its first axis)",
                "a scalar",
            ));
        }
        let rows = data.shape()[0];
        let inner: usize = data.shape()[1..].iter().product();
        let segs = self.segments(&inputs[1], rows)?;
        let data = data.as_standard_layout().iter().copied().collect();
        Ok(Unpacked {
            data,
            rows,
            inner,
            segs,
        })
    }
}

impl Segment {
    /// The reduction of float64 data.
    pub(super) fn forward_f64(&self, inputs: &[ValueView]) -> Result<Value> {
        let Unpacked {
            data, inner, segs, ..
        } = self.unpack_f64(inputs)?;
        let kind = self.kind;
        let mut out = vec![identity(kind); self.num_segments * inner];
        // Rows are combined in order, so the result is deterministic.
        for (row, seg) in data.chunks(inner.max(1)).zip(&segs) {
            if let Some(s) = *seg {
                let acc = &mut out[s * inner..(s + 1) * inner];
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a = combine(kind, *a, v);
                }
            }
        }
        let shape = self.out_shape(inputs[0].shape());
        Ok(Value::F64(
            ArrayD::from_shape_vec(IxDyn(&shape), out)
                .map_err(|e| Error::shape(self.name, "a consistent output", e.to_string()))?,
        ))
    }

    /// The float64 data's gradient (the ids get none).
    pub(super) fn backward_f64_rule(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
    ) -> Result<InputGrads64> {
        let Unpacked {
            data,
            rows,
            inner,
            segs,
        } = self.unpack_f64(inputs)?;
        let shape = self.out_shape(inputs[0].shape());
        if grad.shape() != shape.as_slice() || output.shape() != shape.as_slice() {
            return Err(Error::shape(
                self.name,
                format!("a gradient of shape {}", fmt_shape(&shape)),
                fmt_shape(grad.shape()),
            ));
        }
        let g: Vec<f64> = grad.as_standard_layout().iter().copied().collect();
        let y: Vec<f64> = output.as_standard_layout().iter().copied().collect();
        let mut dx = vec![0.0; rows * inner];
        let is_hit = |v: f64, best: f64| v == best || (v.is_nan() && best.is_nan());
        match self.kind {
            Kind::Sum => {
                for (d, _, s) in kept_rows(&mut dx, &data, &segs, inner) {
                    d.copy_from_slice(&g[s * inner..(s + 1) * inner]);
                }
            }
            Kind::Max | Kind::Min => {
                // Ties share the gradient evenly (as JAX's segment_max).
                let mut count = vec![0u32; self.num_segments * inner];
                for (row, s) in data.chunks(inner.max(1)).zip(&segs) {
                    if let Some(s) = *s {
                        for (j, &v) in row.iter().enumerate() {
                            if is_hit(v, y[s * inner + j]) {
                                count[s * inner + j] += 1;
                            }
                        }
                    }
                }
                for (d, row, s) in kept_rows(&mut dx, &data, &segs, inner) {
                    for (j, (dj, &v)) in d.iter_mut().zip(row).enumerate() {
                        let at = s * inner + j;
                        if is_hit(v, y[at]) {
                            *dj = g[at] / f64::from(count[at]);
                        }
                    }
                }
            }
            Kind::Prod => {
                // Per output element: the product of the non-zero values
                // and the number of zeros, so each element's "product of the
                // others" needs no division by zero. The product is kept in
                // float64 (float32 data's products then round once).
                let mut nonzero = vec![1.0f64; self.num_segments * inner];
                let mut zeros = vec![0u32; self.num_segments * inner];
                for (row, s) in data.chunks(inner.max(1)).zip(&segs) {
                    if let Some(s) = *s {
                        for (j, &v) in row.iter().enumerate() {
                            if v == 0.0 {
                                zeros[s * inner + j] += 1;
                            } else {
                                nonzero[s * inner + j] *= wide(v);
                            }
                        }
                    }
                }
                for (d, row, s) in kept_rows(&mut dx, &data, &segs, inner) {
                    for (j, (dj, &v)) in d.iter_mut().zip(row).enumerate() {
                        let at = s * inner + j;
                        let others = match (zeros[at], v == 0.0) {
                            (0, _) => nonzero[at] / wide(v),
                            (1, true) => nonzero[at],
                            _ => 0.0,
                        };
                        *dj = wide(g[at]) * others;
                    }
                }
            }
        }
        let dx = ArrayD::from_shape_vec(IxDyn(inputs[0].shape()), dx)
            .map_err(|e| Error::shape(self.name, "a consistent gradient", e.to_string()))?;
        Ok(vec![Some(dx), None])
    }
}

/// `v` (the float32 rule widens here).
fn wide(v: f64) -> f64 {
    v
}

/// `(gradient row, data row, segment)` for every row whose id is kept.
fn kept_rows<'a, T>(
    dx: &'a mut [T],
    data: &'a [T],
    segs: &'a [Option<usize>],
    inner: usize,
) -> impl Iterator<Item = (&'a mut [T], &'a [T], usize)> {
    dx.chunks_mut(inner.max(1))
        .zip(data.chunks(inner.max(1)))
        .zip(segs)
        .filter_map(|((d, r), s)| s.map(|s| (d, r, s)))
}

