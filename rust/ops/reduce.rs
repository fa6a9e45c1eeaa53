//! sum, mean and max over axes. Each output element is reduced sequentially
//! in index order, so results do not depend on the thread count.

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, DType, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::kernels::real::Real;
use crate::error::{Error, Result};
use crate::tensor::{expect_arity, normalize_axis, Value, ValueView};
use crate::kernels::isa;
use crate::kernels::parallel::worth_splitting;
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sum,
    Mean,
    Max,
}

#[derive(Debug)]
pub struct Reduce {
    kind: Kind,
    axes: Option<Vec<i64>>,
    keepdims: bool,
}

impl Reduce {
    pub fn new(name: &str, attrs: &Attrs) -> Result<Self> {
        let kind = match name {
            "sum" => Kind::Sum,
            "mean" => Kind::Mean,
            "max" => Kind::Max,
            _ => return Err(Error::argument(name, "not a reduction")),
        };
        Ok(Self {
            kind,
            axes: attrs.opt_ints(name, "axis")?,
            keepdims: attrs.bool(name, "keepdims", false)?,
        })
    }

    /// The reduced axes, sorted and unique.
    fn axes(&self, rank: usize) -> Result<Vec<usize>> {
        let op = self.name();
        let mut axes = match &self.axes {
            None => (0..rank).collect::<Vec<_>>(),
            Some(list) => list
                .iter()
                .map(|&a| normalize_axis(op, a, rank))
                .collect::<Result<Vec<_>>>()?,
        };
        axes.sort_unstable();
        let before = axes.len();
        axes.dedup();
        if axes.len() != before {
            return Err(Error::argument(
                op,
                format!("repeated axis. Received: axis={:?}", self.axes),
            ));
        }
        Ok(axes)
    }

    /// The output shape with reduced axes kept as 1.
    fn kept_shape(shape: &[usize], axes: &[usize]) -> Vec<usize> {
        shape
            .iter()
            .enumerate()
            .map(|(i, &d)| if axes.contains(&i) { 1 } else { d })
            .collect()
    }
}

/// Reductions over consecutive axes of a contiguous array with at least
/// this many elements after them take the slice path of `Reduce::reduce_run`.
const RUN_MIN_INNER: usize = 8;

impl Reduce {
    /// The result when `axes` are consecutive and `x` is contiguous with
    /// `RUN_MIN_INNER` or more elements per step of the last reduced axis:
    /// `x` is then (outer, reduced, inner) and each output row of `inner`
    /// values adds (or takes the max of) `reduced` input rows in order, one
    /// vectorized pass. ndarray's `sum_axis` on a middle axis of a
    /// dynamic-rank array ran element by element (global average pooling was
    /// 3% of a residual CNN's training step). None when the shape does not fit.
    fn reduce_run(&self, x: &ArrayViewD<f32>, axes: &[usize]) -> Result<Option<ArrayD<f32>>> {
        let (Some(&first), Some(&last)) = (axes.first(), axes.last()) else {
            return Ok(None);
        };
        let shape = x.shape();
        let inner: usize = shape[last + 1..].iter().product();
        let (Some(flat), true) = (x.to_slice(), last - first + 1 == axes.len()) else {
            return Ok(None);
        };
        if inner < RUN_MIN_INNER {
            return Ok(None);
        }
        let outer: usize = shape[..first].iter().product();
        let count: usize = shape[first..=last].iter().product();
        let (init, kind) = match self.kind {
            Kind::Max => (f32::NEG_INFINITY, Kind::Max),
            _ => (0.0, Kind::Sum),
        };
        let mut y = vec![init; outer * inner];
        let scale = 1.0 / count as f32;
        let mean = self.kind == Kind::Mean;
        let body = |(o, dst): (usize, &mut [f32])| {
            let src = &flat[o * count * inner..][..count * inner];
            isa::run(
                #[inline(always)]
                move || {
                    for row in src.chunks_exact(inner) {
                        for (d, &v) in dst.iter_mut().zip(row) {
                            if kind == Kind::Sum {
                                *d += v;
                            } else if v > *d || v.is_nan() {
                                *d = v;
                            }
                        }
                    }
                    if mean {
                        dst.iter_mut().for_each(|d| *d *= scale);
                    }
                },
            )
        };
        if worth_splitting(flat.len()) && outer > 1 {
            y.par_chunks_mut(inner).enumerate().for_each(body);
        } else {
            y.chunks_mut(inner).enumerate().for_each(body);
        }
        let out_shape = if self.keepdims {
            Self::kept_shape(shape, axes)
        } else {
            let mut kept = shape[..first].to_vec();
            kept.extend_from_slice(&shape[last + 1..]);
            kept
        };
        ArrayD::from_shape_vec(IxDyn(&out_shape), y)
            .map(Some)
            .map_err(|e| Error::shape(self.name(), "a reshapeable result", e.to_string()))
    }
}

impl Primitive for Reduce {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let x = spec::same_float(self.name(), inputs)?;
        let axes = self.axes(x.rank())?;
        let shape = x
            .shape
            .iter()
            .enumerate()
            .filter_map(|(i, &d)| match (axes.contains(&i), self.keepdims) {
                (false, _) => Some(d),
                (true, true) => Some(Some(1)),
                (true, false) => None,
            })
            .collect();
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Sum => "sum",
            Kind::Mean => "mean",
            Kind::Max => "max",
        }
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = self.name();
        expect_arity(op, inputs, 1)?;
        if let ValueView::F64(x) = &inputs[0] {
            let axes = self.axes(x.ndim())?;
            self.check_nonempty(x.shape(), &axes)?;
            return self.reduce_axes(x.view(), &axes).map(Value::F64);
        }
        let x = inputs[0].f32(op)?;
        let axes = self.axes(x.ndim())?;
        self.check_nonempty(x.shape(), &axes)?;
        if let Some(y) = self.reduce_run(&x, &axes)? {
            return Ok(Value::F32(y));
        }
        self.reduce_axes(x, &axes).map(Value::F32)
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
        self.backward_in(inputs, output, grad)
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        self.backward_in(inputs, output, grad)
    }
}

impl Reduce {
    /// Fails for a max over an empty axis.
    fn check_nonempty(&self, shape: &[usize], axes: &[usize]) -> Result<()> {
        if self.kind == Kind::Max {
            if let Some(&a) = axes.iter().find(|&&a| shape[a] == 0) {
                return Err(Error::shape(
                    self.name(),
                    "non-empty reduced axes (max of nothing is undefined)",
                    format!("axis {a} of size 0"),
                ));
            }
        }
        Ok(())
    }

    /// The reduction by ndarray's axis folds (float32 shapes `reduce_run`
    /// does not take, and float64).
    fn reduce_axes<F: Real>(&self, x: ArrayViewD<F>, axes: &[usize]) -> Result<ArrayD<F>> {
        let op = self.name();
        // Reduce the highest axis first so lower axis numbers stay valid.
        let mut y = x.to_owned();
        for &a in axes.iter().rev() {
            y = match self.kind {
                Kind::Sum | Kind::Mean => y.sum_axis(Axis(a)),
                Kind::Max => y.fold_axis(Axis(a), F::neg_infinity(), |m, &v| {
                    if v > *m || v.is_nan() {
                        v
                    } else {
                        *m
                    }
                }),
            };
        }
        if self.kind == Kind::Mean {
            let count: usize = axes.iter().map(|&a| x.shape()[a]).product();
            let scale = F::one() / F::of(count as f64);
            y.mapv_inplace(|v| v * scale);
        }
        if self.keepdims {
            let kept = Self::kept_shape(x.shape(), axes);
            y = y
                .into_shape_with_order(IxDyn(&kept))
                .map_err(|e| Error::shape(op, "a reshapeable result", e.to_string()))?;
        }
        Ok(y)
    }

    /// The backward rule in `F`.
    fn backward_in<F: Real>(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<F>,
        grad: ArrayViewD<F>,
    ) -> Result<Vec<Option<ArrayD<F>>>> {
        let op = self.name();
        expect_arity(op, inputs, 1)?;
        let x = inputs[0].float::<F>(op)?;
        let axes = self.axes(x.ndim())?;
        let kept = Self::kept_shape(x.shape(), &axes);
        let reshape = |a: ArrayViewD<F>| -> Result<ArrayD<F>> {
            // Row-major first: the gradient may arrive in another memory order.
            a.as_standard_layout()
                .into_owned()
                .into_shape_with_order(IxDyn(&kept))
                .map_err(|e| Error::shape(op, "a gradient shaped like the output", e.to_string()))
        };
        let g = reshape(grad)?;
        let g = g.broadcast(IxDyn(x.shape())).ok_or_else(|| {
            Error::shape(op, "a gradient shaped like the output", "another shape")
        })?;
        let gx = match self.kind {
            Kind::Sum => g.to_owned(),
            Kind::Mean => {
                let count: usize = axes.iter().map(|&a| x.shape()[a]).product();
                let scale = F::one() / F::of(count.max(1) as f64);
                g.mapv(|v| v * scale)
            }
            Kind::Max => {
                // The gradient goes to the elements equal to the max, split
                // evenly among ties (as TensorFlow and JAX do).
                let y = reshape(output)?;
                let y = y.broadcast(IxDyn(x.shape())).ok_or_else(|| {
                    Error::shape(op, "an output of the reduced shape", "another shape")
                })?;
                let mask =
                    ndarray::Zip::from(&x)
                        .and(&y)
                        .map_collect(|&v, &m| if v == m { F::one() } else { F::zero() });
                let mut counts = mask.clone();
                for &a in axes.iter().rev() {
                    counts = counts.sum_axis(Axis(a));
                }
                let counts = counts
                    .into_shape_with_order(IxDyn(&kept))
                    .map_err(|e| Error::shape(op, "a reshapeable count", e.to_string()))?;
                let counts = counts.broadcast(IxDyn(x.shape())).ok_or_else(|| {
                    Error::shape(op, "counts of the reduced shape", "another shape")
                })?;
                ndarray::Zip::from(&mask)
                    .and(&g)
                    .and(&counts)
                    .map_collect(|&m, &g, &c| if m > F::zero() { g / c } else { F::zero() })
            }
        };
        Ok(vec![Some(gx)])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "sum",
        doc: "sum over axes (all by default)",
        inputs: &["x"],
        attrs: &[("axis", Lit::None), ("keepdims", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Reduce::new(n, a)?)),
        example: (&[("axis", Lit::Ints(&[1]))], &[Sample::F32(&[3, 4, 2])]),
    },
    OpInfo {
        name: "mean",
        doc: "mean over axes (all by default)",
        inputs: &["x"],
        attrs: &[("axis", Lit::None), ("keepdims", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Reduce::new(n, a)?)),
        example: (&[("axis", Lit::Ints(&[1]))], &[Sample::F32(&[3, 4, 2])]),
    },
    OpInfo {
        name: "max",
        doc: "maximum over axes (all by default)",
        inputs: &["x"],
        attrs: &[("axis", Lit::None), ("keepdims", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Reduce::new(n, a)?)),
        example: (&[("axis", Lit::Ints(&[1]))], &[Sample::F32(&[3, 4, 2])]),
    },
];
