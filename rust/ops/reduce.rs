//! sum, mean and max over axes. Each output element is reduced sequentially
//! in index order, so results do not depend on the thread count.

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, DType, TensorSpec};
use super::{Attrs, Context, InputGrads, Primitive};
use crate::error::{Error, Result};
use crate::tensor::{expect_arity, normalize_axis, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

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
        let x = inputs[0].f32(op)?;
        let axes = self.axes(x.ndim())?;
        if self.kind == Kind::Max {
            if let Some(&a) = axes.iter().find(|&&a| x.shape()[a] == 0) {
                return Err(Error::shape(
                    op,
                    "non-empty reduced axes (max of nothing is undefined)",
                    format!("axis {a} of size 0"),
                ));
            }
        }
        // Reduce the highest axis first so lower axis numbers stay valid.
        let mut y = x.to_owned();
        for &a in axes.iter().rev() {
            y = match self.kind {
                Kind::Sum | Kind::Mean => y.sum_axis(Axis(a)),
                Kind::Max => y.fold_axis(Axis(a), f32::NEG_INFINITY, |m, &v| {
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
            let scale = 1.0 / count as f32;
            y.mapv_inplace(|v| v * scale);
        }
        if self.keepdims {
            let kept = Self::kept_shape(x.shape(), &axes);
            y = y
                .into_shape_with_order(IxDyn(&kept))
                .map_err(|e| Error::shape(op, "a reshapeable result", e.to_string()))?;
        }
        Ok(Value::F32(y))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let op = self.name();
        expect_arity(op, inputs, 1)?;
        let x = inputs[0].f32(op)?;
        let axes = self.axes(x.ndim())?;
        let kept = Self::kept_shape(x.shape(), &axes);
        let reshape = |a: ArrayViewD<f32>| -> Result<ArrayD<f32>> {
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
                let scale = 1.0 / count.max(1) as f32;
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
                        .map_collect(|&v, &m| if v == m { 1.0f32 } else { 0.0 });
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
                    .map_collect(|&m, &g, &c| if m > 0.0 { g / c } else { 0.0 })
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
