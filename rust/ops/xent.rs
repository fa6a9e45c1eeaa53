//! Fused softmax cross-entropy on logits: per-sample
//! `-sum(labels * log_softmax(logits))`, with labels either class ids
//! (int64, sparse) or probabilities (float32, dense, e.g. one-hot).
//! Fusing keeps it stable (log-sum-exp) and makes the gradient simply
//! `softmax - labels`. float64 logits (or labels) compute in float64, as
//! Keras with `jax_enable_x64` does (`set_floatx("float64")` training); one
//! generic body serves both types, float32 with its fast `exp`.

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, fmt_dims, DType, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::kernels::real::Real;
use crate::kernels::fastmath;
use crate::error::{fmt_shape, Error, Result};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{Array2, ArrayD, ArrayView2, ArrayViewD, IxDyn};

#[derive(Debug)]
pub struct SoftmaxCrossEntropy;

const OP: &str = "softmax_cross_entropy";

impl SoftmaxCrossEntropy {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        let axis = attrs.int(OP, "axis", -1)?;
        if axis != -1 {
            return Err(Error::argument(
                OP,
                format!("only the last axis holds the classes. Received: axis={axis}"),
            ));
        }
        Ok(SoftmaxCrossEntropy)
    }
}

enum Labels<F> {
    Sparse(Vec<usize>),
    Dense(Array2<F>),
}

/// Logits as (rows, classes), and the labels checked against them.
fn prepare<F: Real>(inputs: &[ValueView]) -> Result<(Array2<F>, Labels<F>, Vec<usize>)> {
    expect_arity(OP, inputs, 2)?;
    let logits = inputs[0].float::<F>(OP)?;
    if logits.ndim() == 0 {
        return Err(Error::shape(
            OP,
            "logits of rank >= 1 (classes last)",
            "a scalar",
        ));
    }
    let classes = logits.shape()[logits.ndim() - 1];
    let batch_shape = logits.shape()[..logits.ndim() - 1].to_vec();
    let rows: usize = batch_shape.iter().product();
    let m = logits
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((rows, classes))
        .map_err(|e| Error::shape(OP, "reshapeable logits", e.to_string()))?;
    let labels = match &inputs[1] {
        ValueView::I64(ids) => {
            if ids.shape() != batch_shape.as_slice() {
                return Err(Error::shape(
                    OP,
                    format!(
                        "class ids of shape {} (the logits' shape without the class axis)",
                        fmt_shape(&batch_shape)
                    ),
                    format!("ids of shape {}", fmt_shape(ids.shape())),
                ));
            }
            let ids = ids
                .iter()
                .map(|&v| {
                    if v < 0 || v as usize >= classes {
                        Err(Error::index(OP, v, classes, "label"))
                    } else {
                        Ok(v as usize)
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            Labels::Sparse(ids)
        }
        // The boundary gives float labels the logits' type.
        labels => {
            let p = labels.float::<F>(OP)?;
            if p.shape() != logits.shape() {
                return Err(Error::shape(
                    OP,
                    format!(
                        "labels shaped like the logits {}",
                        fmt_shape(logits.shape())
                    ),
                    format!("labels of shape {}", fmt_shape(p.shape())),
                ));
            }
            let p = p
                .as_standard_layout()
                .into_owned()
                .into_shape_with_order((rows, classes))
                .map_err(|e| Error::shape(OP, "reshapeable labels", e.to_string()))?;
            Labels::Dense(p)
        }
    };
    Ok((m, labels, batch_shape))
}

/// log_softmax of each row, max-shifted, in float64.
fn log_softmax_f64(m: ArrayView2<f64>) -> Array2<f64> {
    let mut out = m.to_owned();
    for mut row in out.rows_mut() {
        let max = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let shift = if max.is_finite() { max } else { 0.0 };
        let sum = row.iter().map(|&v| (v - shift).exp()).sum::<f64>();
        let lse = sum.ln() + shift;
        row.mapv_inplace(|v| v - lse);
    }
    out
}

/// log_softmax of each row, max-shifted (float32, with the vectorized `exp`).
fn log_softmax(m: ArrayView2<f32>) -> Array2<f32> {
    let mut out = m.to_owned();
    let rows = &mut out;
    crate::kernels::isa::run(#[inline(always)]
    move || {
        for mut row in rows.rows_mut() {
            let max = row.fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            let shift = if max.is_finite() { max } else { 0.0 };
            let sum = row.iter().map(|&v| fastmath::exp(v - shift)).sum::<f32>();
            let lse = sum.ln() + shift;
            row.mapv_inplace(|v| v - lse);
        }
    });
    out
}

impl Primitive for SoftmaxCrossEntropy {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity(OP, inputs, 2)?;
        let (logits, labels) = (&inputs[0], &inputs[1]);
        logits.expect_dtype(OP, "logits", DType::F32)?;
        logits.expect_min_rank(OP, "logits", 1)?;
        let batch = &logits.shape[..logits.rank() - 1];
        let fits = match labels.dtype {
            DType::I64 => spec::dims_compatible(&labels.shape, batch),
            DType::F32 | DType::F64 => spec::dims_compatible(&labels.shape, &logits.shape),
        };
        if !fits {
            return Err(Error::shape(
                OP,
                "integer labels shaped like the logits without their last axis, or float labels shaped like the logits",
                format!(
                    "logits {} and {} labels {}",
                    fmt_dims(&logits.shape),
                    labels.dtype.name(),
                    fmt_dims(&labels.shape)
                ),
            ));
        }
        Ok(TensorSpec::new(batch.to_vec(), DType::F32))
    }

    fn name(&self) -> &'static str {
        OP
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if inputs.first().is_some_and(ValueView::is_f64) {
            return forward_as(inputs, log_softmax_f64);
        }
        forward_as(inputs, log_softmax)
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        backward_as(inputs, grad, log_softmax)
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        backward_as(inputs, grad, log_softmax_f64)
    }
}

/// The forward pass in the logits' type, `lsm` its log_softmax.
fn forward_as<F: Real>(
    inputs: &[ValueView],
    lsm: fn(ArrayView2<F>) -> Array2<F>,
) -> Result<Value> {
    let (m, labels, batch_shape) = prepare::<F>(inputs)?;
    let logp = lsm(m.view());
    let loss: Vec<F> = match &labels {
        Labels::Sparse(ids) => ids
            .iter()
            .enumerate()
            .map(|(r, &c)| -logp[[r, c]])
            .collect(),
        Labels::Dense(p) => logp
            .rows()
            .into_iter()
            .zip(p.rows())
            .map(|(lr, pr)| -lr.iter().zip(pr.iter()).map(|(&l, &q)| l * q).sum::<F>())
            .collect(),
    };
    ArrayD::from_shape_vec(IxDyn(&batch_shape), loss)
        .map(F::wrap)
        .map_err(|e| Error::shape(OP, "a consistent loss shape", e.to_string()))
}

/// The backward pass in the logits' type: `softmax - labels` per row,
/// times each row's gradient.
#[allow(clippy::type_complexity)]
fn backward_as<F: Real>(
    inputs: &[ValueView],
    grad: ArrayViewD<F>,
    lsm: fn(ArrayView2<F>) -> Array2<F>,
) -> Result<Vec<Option<ArrayD<F>>>> {
    let (m, labels, _) = prepare::<F>(inputs)?;
    let logp = lsm(m.view());
    let g: Vec<F> = grad.iter().copied().collect();
    if g.len() != m.nrows() {
        return Err(Error::shape(
            OP,
            "one gradient per sample",
            format!("{} values", g.len()),
        ));
    }
    let mut dlogits = logp.mapv(F::exp);
    let dlabels = match &labels {
        Labels::Sparse(ids) => {
            for (r, &c) in ids.iter().enumerate() {
                dlogits[[r, c]] = dlogits[[r, c]] - F::one();
            }
            None
        }
        Labels::Dense(p) => {
            // d/dlogits = softmax * sum(p) - p (sum(p) is 1 for proper labels).
            for ((mut row, pr), _) in dlogits.rows_mut().into_iter().zip(p.rows()).zip(0..) {
                let total: F = pr.sum();
                row.zip_mut_with(&pr, |d, &q| *d = *d * total - q);
            }
            let mut dl = logp.mapv(|v| -v);
            for (mut row, &gr) in dl.rows_mut().into_iter().zip(&g) {
                row.mapv_inplace(|v| v * gr);
            }
            Some(
                dl.into_shape_with_order(IxDyn(inputs[1].shape()))
                    .map_err(|e| Error::shape(OP, "label-shaped gradient", e.to_string()))?,
            )
        }
    };
    for (mut row, &gr) in dlogits.rows_mut().into_iter().zip(&g) {
        row.mapv_inplace(|v| v * gr);
    }
    let dlogits = dlogits
        .into_shape_with_order(IxDyn(inputs[0].shape()))
        .map_err(|e| Error::shape(OP, "logit-shaped gradient", e.to_string()))?;
    Ok(vec![Some(dlogits), dlabels])
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "softmax_cross_entropy",
        doc: "cross-entropy of softmax(logits) against int labels or a distribution, per row",
        inputs: &["logits", "labels"],
        attrs: &[("axis", Lit::Int(-1))],
        dtypes: "float32 or float64 logits, int64 or float labels",
        differentiable: true,
        build: |_, a| Ok(Arc::new(SoftmaxCrossEntropy::new(a)?)),
        example: (&[], &[Sample::F32(&[4, 3]), Sample::Ids(&[0, 2, 1, 1], &[4])]),
    },
];

#[cfg(test)]
#[path = "xent_tests.rs"]
mod tests;
