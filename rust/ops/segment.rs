//! Segment reductions: segment_sum, segment_max, segment_min, segment_prod.
//!
//! `data` of shape `(n, ...)` and `segment_ids` of shape `(n,)` give
//! `num_segments` rows, row `s` reducing the rows of `data` whose id is `s`.
//! As in Keras on JAX (`jax.ops.segment_*`):
//!
//! - ids outside `[0, num_segments)`, negative ones included, are dropped;
//! - an empty segment holds the reduction's identity: 0 for sum, -inf for
//!   max, inf for min, 1 for prod;
//! - NaN propagates through max and min.
//!
//! Backward: sum gathers the output gradient; max and min send it to the
//! elements equal to the result, split evenly among ties (as JAX does);
//! prod gives each element the product of the others in its segment
//! (exact with zeros: one zero gets the product of the rest, the others 0).

use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, fmt_dims, DType, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Sum,
    Max,
    Min,
    Prod,
}

impl Kind {
    fn identity(self) -> f32 {
        match self {
            Kind::Sum => 0.0,
            Kind::Max => f32::NEG_INFINITY,
            Kind::Min => f32::INFINITY,
            Kind::Prod => 1.0,
        }
    }

    fn combine(self, acc: f32, v: f32) -> f32 {
        match self {
            Kind::Sum => acc + v,
            Kind::Prod => acc * v,
            // NaN wins once seen, as XLA's max and min.
            Kind::Max if acc.is_nan() || v > acc || v.is_nan() => v,
            Kind::Min if acc.is_nan() || v < acc || v.is_nan() => v,
            Kind::Max | Kind::Min => acc,
        }
    }
}

/// A call's inputs: data as rows of `inner` values, and each row's segment
/// (None for a dropped id).
struct Unpacked {
    data: Vec<f32>,
    rows: usize,
    inner: usize,
    segs: Vec<Option<usize>>,
}

/// One of the four segment reductions.
#[derive(Debug)]
pub struct Segment {
    name: &'static str,
    kind: Kind,
    num_segments: usize,
}

impl Segment {
    pub fn new(name: &str, attrs: &Attrs) -> Result<Self> {
        let (name, kind) = match name {
            "segment_sum" => ("segment_sum", Kind::Sum),
            "segment_max" => ("segment_max", Kind::Max),
            "segment_min" => ("segment_min", Kind::Min),
            "segment_prod" => ("segment_prod", Kind::Prod),
            _ => return Err(Error::argument(name, "not a segment reduction")),
        };
        let n = attrs.opt_int(name, "num_segments")?.ok_or_else(|| {
            Error::argument(name, "num_segments is required (a non-negative int)")
        })?;
        if n < 0 {
            return Err(Error::argument(
                name,
                format!("num_segments must be a non-negative int. Received: num_segments={n}"),
            ));
        }
        Ok(Self {
            name,
            kind,
            num_segments: n as usize,
        })
    }

    /// Each row's segment, None for a dropped (out-of-range) id.
    fn segments(&self, ids: &ValueView, rows: usize) -> Result<Vec<Option<usize>>> {
        if ids.shape() != [rows] {
            return Err(Error::shape(
                self.name,
                format!("segment_ids of shape ({rows},), one id per row of data"),
                format!("segment_ids of shape {}", fmt_shape(ids.shape())),
            ));
        }
        let bound = self.num_segments as i64;
        let keep = |v: i64| (0..bound).contains(&v).then_some(v as usize);
        match ids {
            ValueView::I64(a) => Ok(a.iter().map(|&v| keep(v)).collect()),
            // float32 ids are widened to float64 with float64 data.
            ValueView::F64(a) => a.iter().map(|&v| float_id(self.name, v, keep)).collect(),
            ValueView::F32(a) => a
                .iter()
                .map(|&v| {
                    if v.fract() != 0.0 || !v.is_finite() {
                        Err(Error::dtype(
                            self.name,
                            "whole-number segment ids",
                            format!("float32 with the value {v}"),
                        ))
                    } else {
                        Ok(keep(v as i64))
                    }
                })
                .collect(),
        }
    }

    /// The inputs checked, with data as a contiguous (rows, inner) buffer.
    fn unpack(&self, inputs: &[ValueView]) -> Result<Unpacked> {
        expect_arity(self.name, inputs, 2)?;
        let data = inputs[0].f32(self.name)?;
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

    fn out_shape(&self, data_shape: &[usize]) -> Vec<usize> {
        let mut shape = vec![self.num_segments];
        shape.extend_from_slice(&data_shape[1..]);
        shape
    }
}

impl Primitive for Segment {
    fn name(&self) -> &'static str {
        self.name
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity(self.name, inputs, 2)?;
        let (data, ids) = (&inputs[0], &inputs[1]);
        data.expect_dtype(self.name, "data", DType::F32)?;
        data.expect_min_rank(self.name, "data", 1)?;
        ids.expect_rank(self.name, "segment_ids", 1)?;
        if let (Some(a), Some(b)) = (data.shape[0], ids.shape[0]) {
            if a != b {
                return Err(Error::shape(
                    self.name,
                    "one segment id per row of data",
                    format!(
                        "data of shape {} and segment_ids of shape {}",
                        fmt_dims(&data.shape),
                        fmt_dims(&ids.shape)
                    ),
                ));
            }
        }
        let mut shape = vec![Some(self.num_segments)];
        shape.extend_from_slice(&data.shape[1..]);
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if let Some(ValueView::F64(_)) = inputs.first() {
            return self.forward_f64(inputs);
        }
        let Unpacked {
            data, inner, segs, ..
        } = self.unpack(inputs)?;
        let kind = self.kind;
        let mut out = vec![kind.identity(); self.num_segments * inner];
        // Rows are combined in order, so the result is deterministic.
        for (row, seg) in data.chunks(inner.max(1)).zip(&segs) {
            if let Some(s) = *seg {
                let acc = &mut out[s * inner..(s + 1) * inner];
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a = kind.combine(*a, v);
                }
            }
        }
        let shape = self.out_shape(inputs[0].shape());
        Ok(Value::F32(
            ArrayD::from_shape_vec(IxDyn(&shape), out)
                .map_err(|e| Error::shape(self.name, "a consistent output", e.to_string()))?,
        ))
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        self.backward_f64_rule(inputs, output, grad)
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let Unpacked {
            data,
            rows,
            inner,
            segs,
        } = self.unpack(inputs)?;
        let shape = self.out_shape(inputs[0].shape());
        if grad.shape() != shape.as_slice() || output.shape() != shape.as_slice() {
            return Err(Error::shape(
                self.name,
                format!("a gradient of shape {}", fmt_shape(&shape)),
                fmt_shape(grad.shape()),
            ));
        }
        let g: Vec<f32> = grad.as_standard_layout().iter().copied().collect();
        let y: Vec<f32> = output.as_standard_layout().iter().copied().collect();
        let mut dx = vec![0.0f32; rows * inner];
        let is_hit = |v: f32, best: f32| v == best || (v.is_nan() && best.is_nan());
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
                            *dj = g[at] / count[at] as f32;
                        }
                    }
                }
            }
            Kind::Prod => {
                // Per output element: the product of the non-zero values
                // and the number of zeros, so each element's "product of the
                // others" needs no division by zero.
                let mut nonzero = vec![1.0f64; self.num_segments * inner];
                let mut zeros = vec![0u32; self.num_segments * inner];
                for (row, s) in data.chunks(inner.max(1)).zip(&segs) {
                    if let Some(s) = *s {
                        for (j, &v) in row.iter().enumerate() {
                            if v == 0.0 {
                                zeros[s * inner + j] += 1;
                            } else {
                                nonzero[s * inner + j] *= f64::from(v);
                            }
                        }
                    }
                }
                for (d, row, s) in kept_rows(&mut dx, &data, &segs, inner) {
                    for (j, (dj, &v)) in d.iter_mut().zip(row).enumerate() {
                        let at = s * inner + j;
                        let others = match (zeros[at], v == 0.0) {
                            (0, _) => nonzero[at] / f64::from(v),
                            (1, true) => nonzero[at],
                            _ => 0.0,
                        };
                        *dj = (f64::from(g[at]) * others) as f32;
                    }
                }
            }
        }
        let dx = ArrayD::from_shape_vec(IxDyn(inputs[0].shape()), dx)
            .map_err(|e| Error::shape(self.name, "a consistent gradient", e.to_string()))?;
        Ok(vec![Some(dx), None])
    }
}

/// `(gradient row, data row, segment)` for every row whose id is kept.
fn kept_rows<'a>(
    dx: &'a mut [f32],
    data: &'a [f32],
    segs: &'a [Option<usize>],
    inner: usize,
) -> impl Iterator<Item = (&'a mut [f32], &'a [f32], usize)> {
    dx.chunks_mut(inner.max(1))
        .zip(data.chunks(inner.max(1)))
        .zip(segs)
        .filter_map(|((d, r), s)| s.map(|s| (d, r, s)))
}

#[path = "segment_f64.rs"]
mod f64_rule;

use f64_rule::float_id;

/// Ids 3 and -1 are outside `num_segments`: the example checks they are
/// dropped (every segment holds a row, so no identity reaches the loss).
const EXAMPLE: (&[(&str, Lit)], &[Sample]) = (
    &[("num_segments", Lit::Int(3))],
    &[
        Sample::F32(&[6, 2]),
        Sample::Ids(&[0, 2, 0, 3, 1, -1], &[6]),
    ],
);

fn make(name: &str, attrs: &Attrs) -> Result<super::OpRef> {
    Ok(Arc::new(Segment::new(name, attrs)?))
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "segment_max",
        doc: "largest value of each segment of rows (-inf when empty)",
        inputs: &["data", "segment_ids"],
        attrs: &[("num_segments", Lit::None)],
        dtypes: "float32 data, int64 or whole float32 ids",
        differentiable: true,
        build: make,
        example: EXAMPLE,
    },
    OpInfo {
        name: "segment_min",
        doc: "smallest value of each segment of rows (inf when empty)",
        inputs: &["data", "segment_ids"],
        attrs: &[("num_segments", Lit::None)],
        dtypes: "float32 data, int64 or whole float32 ids",
        differentiable: true,
        build: make,
        example: EXAMPLE,
    },
    OpInfo {
        name: "segment_prod",
        doc: "product of each segment of rows (1 when empty)",
        inputs: &["data", "segment_ids"],
        attrs: &[("num_segments", Lit::None)],
        dtypes: "float32 data, int64 or whole float32 ids",
        differentiable: true,
        build: make,
        example: EXAMPLE,
    },
    OpInfo {
        name: "segment_sum",
        doc: "sum of each segment of rows; out-of-range ids are dropped",
        inputs: &["data", "segment_ids"],
        attrs: &[("num_segments", Lit::None)],
        dtypes: "float32 data, int64 or whole float32 ids",
        differentiable: true,
        build: make,
        example: EXAMPLE,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Attr;
    use ndarray::arr1;

    fn run(name: &str, data: &[f32], ids: &[i64], n: i64) -> Vec<f32> {
        let op = Segment::new(name, &Attrs::new().with("num_segments", Attr::Int(n))).unwrap();
        let (d, i) = (arr1(data).into_dyn(), arr1(ids).into_dyn());
        let out = op
            .forward(
                &[ValueView::F32(d.view()), ValueView::I64(i.view())],
                &Context::default(),
            )
            .unwrap();
        out.into_f32(name).unwrap().iter().copied().collect()
    }

    #[test]
    fn out_of_range_ids_are_dropped_and_empty_segments_hold_the_identity() {
        let data = [1.0, 2.0, 3.0, 4.0, 5.0];
        let ids = [0, 0, 2, -1, 5];
        assert_eq!(run("segment_sum", &data, &ids, 4), [3.0, 0.0, 3.0, 0.0]);
        let inf = f32::INFINITY;
        assert_eq!(run("segment_max", &data, &ids, 4), [2.0, -inf, 3.0, -inf]);
        assert_eq!(run("segment_min", &data, &ids, 4), [1.0, inf, 3.0, inf]);
        assert_eq!(run("segment_prod", &data, &ids, 4), [2.0, 1.0, 3.0, 1.0]);
    }

    #[test]
    fn max_ties_share_the_gradient() {
        let op = Segment::new(
            "segment_max",
            &Attrs::new().with("num_segments", Attr::Int(2)),
        )
        .unwrap();
        let d = arr1(&[2.0f32, 2.0, 1.0, 3.0]).into_dyn();
        let i = arr1(&[0i64, 0, 0, 1]).into_dyn();
        let inputs = [ValueView::F32(d.view()), ValueView::I64(i.view())];
        let y = op.forward(&inputs, &Context::default()).unwrap();
        let y = y.into_f32("t").unwrap();
        let g = arr1(&[1.0f32, 1.0]).into_dyn();
        let dx = op
            .backward(&inputs, y.view(), g.view(), &Context::default())
            .unwrap();
        let dx: Vec<f32> = dx[0].as_ref().unwrap().iter().copied().collect();
        assert_eq!(dx, [0.5, 0.5, 0.0, 1.0]);
    }

    #[test]
    fn prod_gradient_handles_zeros() {
        let op = Segment::new(
            "segment_prod",
            &Attrs::new().with("num_segments", Attr::Int(1)),
        )
        .unwrap();
        let d = arr1(&[2.0f32, 0.0, 3.0]).into_dyn();
        let i = arr1(&[0i64, 0, 0]).into_dyn();
        let inputs = [ValueView::F32(d.view()), ValueView::I64(i.view())];
        let y = arr1(&[0.0f32]).into_dyn();
        let g = arr1(&[1.0f32]).into_dyn();
        let dx = op
            .backward(&inputs, y.view(), g.view(), &Context::default())
            .unwrap();
        let dx: Vec<f32> = dx[0].as_ref().unwrap().iter().copied().collect();
        assert_eq!(dx, [0.0, 6.0, 0.0]);
    }
}
