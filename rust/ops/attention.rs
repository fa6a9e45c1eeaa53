//! Fused scaled dot-product attention: `softmax(q kᵀ · scale + mask) v` for
//! `(batch, time, heads, depth)` inputs, one (batch, head) block at a time.
//!
//! The composite (`pykeras.ops.dot_product_attention` from matmul, softmax
//! and where) transposes q, k, v and the result, and keeps the logits and
//! the probabilities of every head for the backward pass. Here each block's
//! scores live in one (T, S) buffer while the block is computed: q, k and v
//! are read in place through their strides (no transposes), and the backward
//! pass recomputes the probabilities from q and k (flash-attention style)
//! instead of storing them. Blocks are split over threads by batch; each
//! block's floats are summed in the same order on any thread count.
//!
//! Masked logits become `-0.7 * f32::MAX` (as JAX and the composite do), so a
//! fully masked row attends uniformly instead of giving NaN, and their
//! gradient is zero.

#[path = "attention_f64.rs"]
mod f64_rules;

use super::registry::{Lit, OpInfo, Sample};
use super::spec::{fmt_dims, DType, Dim, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::kernels::fastmath;
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::matmul::gemm_serial;
use crate::kernels::parallel::worth_splitting;
use crate::tensor::{Value, ValueView};
use ndarray::{
    s, Array2, Array4, ArrayView2, ArrayView4, ArrayViewD, ArrayViewMut2, ArrayViewMut3, Axis, Ix4,
    Zip,
};
use std::sync::Arc;

const OP: &str = "dot_product_attention";
const LARGE_NEGATIVE: f32 = -0.7 * f32::MAX;

#[derive(Debug)]
pub struct DotProductAttention {
    scale: f32,
    /// The scale as given, for float64 (not float32's rounding of it).
    scale64: f64,
    is_causal: bool,
}

impl DotProductAttention {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        let scale64 = attrs.float(OP, "scale", 1.0)?;
        Ok(Self {
            scale: scale64 as f32,
            scale64,
            is_causal: attrs.bool(OP, "is_causal", false)?,
        })
    }

    fn scaling64(&self) -> f64_rules::Scaling {
        f64_rules::Scaling {
            scale: self.scale64,
            is_causal: self.is_causal,
        }
    }
}

fn as4<'a>(v: &ValueView<'a>, what: &str) -> Result<ArrayView4<'a, f32>> {
    let a = v.f32(OP)?;
    let shape = fmt_shape(a.shape());
    a.into_dimensionality::<Ix4>().map_err(|_| {
        Error::shape(
            OP,
            format!("a 4D {what} (batch, time, heads, depth)"),
            format!("{what} of shape {shape}"),
        )
    })
}

/// Fails unless two known sizes agree.
fn same(a: Dim, b: Dim, what: &str, shapes: &[&[Dim]]) -> Result<()> {
    match (a, b) {
        (Some(x), Some(y)) if x != y => Err(Error::shape(
            OP,
            format!("{what} to agree"),
            format!(
                "query {}, key {}, value {}",
                fmt_dims(shapes[0]),
                fmt_dims(shapes[1]),
                fmt_dims(shapes[2])
            ),
        )),
        _ => Ok(()),
    }
}

/// Whether a mask size may broadcast to `size` (1 or equal, where known).
fn broadcasts(m: Dim, size: Dim) -> bool {
    matches!((m, size), (Some(1), _) | (None, _) | (_, None)) || m == size
}

/// The (T, S) mask of block (b, h), or None.
fn mask_block<'a>(
    mask: &Option<ArrayView4<'a, f32>>,
    b: usize,
    h: usize,
) -> Option<ArrayView2<'a, f32>> {
    mask.as_ref().map(|m| {
        let mb = if m.shape()[0] == 1 { 0 } else { b };
        let mh = if m.shape()[1] == 1 { 0 } else { h };
        (*m).slice_move(s![mb, mh, .., ..])
    })
}

impl DotProductAttention {
    /// Softmax probabilities of one block, in `p` (T, S); returns nothing
    /// else so forward and backward share it exactly.
    fn probabilities(
        &self,
        q: ArrayView2<f32>,
        k: ArrayView2<f32>,
        mask: Option<ArrayView2<f32>>,
        p: &mut Array2<f32>,
    ) {
        gemm_serial(q, k.t(), p.view_mut(), false);
        let scale = self.scale;
        let masked = self.is_causal || mask.is_some();
        // The row loops compiled for the CPU's widest path (kernels::isa).
        crate::kernels::isa::run(
            #[inline(always)]
            move || self.softmax_rows(p, mask, scale, masked),
        );
    }

    /// Scales, masks and normalizes each row of the logits `p` in place.
    #[inline(always)]
    fn softmax_rows(
        &self,
        p: &mut Array2<f32>,
        mask: Option<ArrayView2<f32>>,
        scale: f32,
        masked: bool,
    ) {
        for (i, mut row) in p.rows_mut().into_iter().enumerate() {
            let Some(row) = row.as_slice_mut() else {
                continue; // p is a standard-layout buffer: its rows are slices
            };
            if masked {
                for (j, v) in row.iter_mut().enumerate() {
                    let keep = (!self.is_causal || j <= i)
                        && mask.as_ref().is_none_or(|m| m[[i, j]] != 0.0);
                    *v = if keep { *v * scale } else { LARGE_NEGATIVE };
                }
            } else {
                row.iter_mut().for_each(|v| *v *= scale);
            }
            let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let shift = if max.is_finite() { max } else { 0.0 };
            row.iter_mut()
                .for_each(|v| *v = fastmath::exp(*v - shift));
            let sum: f32 = row.iter().sum();
            let inv = 1.0 / sum;
            row.iter_mut().for_each(|v| *v *= inv);
        }
    }

    /// The gradient of the logits from the probabilities `p` and their
    /// gradient `dp` (in place), row by row.
    #[inline(always)]
    fn logit_grads(
        &self,
        p: &Array2<f32>,
        dp: &mut Array2<f32>,
        mb: Option<ArrayView2<f32>>,
        scale: f32,
        masked: bool,
    ) {
        for (i, (prow, mut drow)) in p.rows().into_iter().zip(dp.rows_mut()).enumerate() {
            let dot: f32 = prow.iter().zip(drow.iter()).map(|(a, b)| a * b).sum();
            if masked {
                for (j, (pv, dv)) in prow.iter().zip(drow.iter_mut()).enumerate() {
                    *dv = if self.kept(&mb, i, j) {
                        pv * (*dv - dot) * scale
                    } else {
                        0.0
                    };
                }
            } else {
                // Branch-free, so it vectorizes.
                for (pv, dv) in prow.iter().zip(drow.iter_mut()) {
                    *dv = pv * (*dv - dot) * scale;
                }
            }
        }
    }

    fn kept(&self, mask: &Option<ArrayView2<f32>>, i: usize, j: usize) -> bool {
        (!self.is_causal || j <= i) && mask.as_ref().is_none_or(|m| m[[i, j]] != 0.0)
    }
}

struct Inputs<'a> {
    q: ArrayView4<'a, f32>,
    k: ArrayView4<'a, f32>,
    v: ArrayView4<'a, f32>,
    mask: Option<ArrayView4<'a, f32>>,
}

fn read_inputs<'a>(inputs: &[ValueView<'a>]) -> Result<Inputs<'a>> {
    if !(3..=4).contains(&inputs.len()) {
        return Err(Error::argument(
            OP,
            format!(
                "expected query, key, value and an optional mask. Received: {} input(s)",
                inputs.len()
            ),
        ));
    }
    let q = as4(&inputs[0], "query")?;
    let k = as4(&inputs[1], "key")?;
    let v = as4(&inputs[2], "value")?;
    let mask = inputs.get(3).map(|m| as4(m, "mask")).transpose()?;
    let specs: Vec<TensorSpec> = inputs.iter().map(TensorSpec::of_view).collect();
    check_specs(&specs)?;
    Ok(Inputs { q, k, v, mask })
}

fn check_specs(inputs: &[TensorSpec]) -> Result<TensorSpec> {
    if !(3..=4).contains(&inputs.len()) {
        return Err(Error::argument(
            OP,
            format!(
                "expected query, key, value and an optional mask. Received: {} input(s)",
                inputs.len()
            ),
        ));
    }
    for (t, what) in inputs.iter().zip(["query", "key", "value", "mask"]) {
        t.expect_dtype(OP, what, DType::F32)?;
        if t.rank() != 4 {
            return Err(Error::shape(
                OP,
                format!("a 4D {what} (batch, time, heads, depth)"),
                format!("{what} of shape {}", fmt_dims(&t.shape)),
            ));
        }
    }
    let (q, k, v) = (&inputs[0].shape, &inputs[1].shape, &inputs[2].shape);
    let all: [&[Dim]; 3] = [q, k, v];
    same(q[0], k[0], "batch sizes", &all)?;
    same(k[0], v[0], "batch sizes", &all)?;
    same(k[1], v[1], "key and value lengths", &all)?;
    same(q[2], k[2], "numbers of heads", &all)?;
    same(k[2], v[2], "numbers of heads", &all)?;
    same(q[3], k[3], "query and key depths", &all)?;
    if let Some(m) = inputs.get(3) {
        let m = &m.shape;
        let ok = broadcasts(m[0], q[0]) && broadcasts(m[1], q[2]) && m[2] == q[1] && m[3] == k[1];
        if !ok || m[2].is_none() || m[3].is_none() {
            return Err(Error::shape(
                OP,
                format!(
                    "a mask broadcastable to (batch, heads, {}, {})",
                    fmt_dims(&q[1..2]),
                    fmt_dims(&k[1..2])
                ),
                format!("mask of shape {}", fmt_dims(m)),
            ));
        }
    }
    Ok(TensorSpec::new(
        vec![q[0].or(k[0]), q[1], q[2], v[3]],
        DType::F32,
    ))
}

/// The output gradient as (batch, time, heads, value depth), checked.
fn grad_4d(grad: ArrayViewD<'_, f32>, shape: [usize; 4]) -> Result<ArrayView4<'_, f32>> {
    let got = fmt_shape(grad.shape());
    grad.into_dimensionality::<Ix4>()
        .ok()
        .filter(|a| a.shape() == shape)
        .ok_or_else(|| {
            Error::shape(
                OP,
                format!("an output gradient of shape {}", fmt_shape(&shape)),
                format!("one of shape {got}"),
            )
        })
}

impl Primitive for DotProductAttention {
    fn name(&self) -> &'static str {
        OP
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        check_specs(inputs)
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        let x = f64_rules::read64(inputs)?;
        let [dq, dk, dv] = f64_rules::backward(&x, self.scaling64(), grad)?;
        let mut grads = vec![Some(dq), Some(dk), Some(dv)];
        if inputs.len() == 4 {
            grads.push(None);
        }
        Ok(grads)
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if inputs.first().is_some_and(ValueView::is_f64) {
            let x = f64_rules::read64(inputs)?;
            return Ok(Value::F64(f64_rules::forward(&x, self.scaling64())));
        }
        let Inputs { q, k, v, mask } = read_inputs(inputs)?;
        let (batch, t, heads, _) = q.dim();
        let (s_len, hv) = (k.shape()[1], v.shape()[3]);
        let mut out = Array4::<f32>::zeros((batch, t, heads, hv));
        let block = |b: usize, mut ob: ArrayViewMut3<f32>| {
            let mut p = Array2::<f32>::zeros((t, s_len));
            for h in 0..heads {
                let qb = q.slice(s![b, .., h, ..]);
                let kb = k.slice(s![b, .., h, ..]);
                self.probabilities(qb, kb, mask_block(&mask, b, h), &mut p);
                let o: ArrayViewMut2<f32> = ob.slice_mut(s![.., h, ..]);
                gemm_serial(p.view(), v.slice(s![b, .., h, ..]), o, false);
            }
        };
        let rows = Zip::indexed(out.axis_iter_mut(Axis(0)));
        if worth_splitting(batch * heads * t * s_len) {
            rows.par_for_each(block);
        } else {
            rows.for_each(block);
        }
        Ok(Value::F32(out.into_dyn()))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let Inputs { q, k, v, mask } = read_inputs(inputs)?;
        let (batch, t, heads, _) = q.dim();
        let s_len = k.shape()[1];
        let shape = [batch, t, heads, v.shape()[3]];
        let _ = output; // the probabilities are recomputed from q and k
        let go = grad_4d(grad, shape)?;
        let mut dq = Array4::<f32>::zeros(q.raw_dim());
        let mut dk = Array4::<f32>::zeros(k.raw_dim());
        let mut dv = Array4::<f32>::zeros(v.raw_dim());
        let scale = self.scale;
        let masked = self.is_causal || mask.is_some();
        let block = |b: usize,
                     mut dqb: ArrayViewMut3<f32>,
                     mut dkb: ArrayViewMut3<f32>,
                     mut dvb: ArrayViewMut3<f32>| {
            let mut p = Array2::<f32>::zeros((t, s_len));
            let mut dp = Array2::<f32>::zeros((t, s_len));
            for h in 0..heads {
                let (qb, kb, vb) = (
                    q.slice(s![b, .., h, ..]),
                    k.slice(s![b, .., h, ..]),
                    v.slice(s![b, .., h, ..]),
                );
                let mb = mask_block(&mask, b, h);
                self.probabilities(qb, kb, mb, &mut p);
                let gb = go.slice(s![b, .., h, ..]);
                gemm_serial(p.t(), gb, dvb.slice_mut(s![.., h, ..]), false);
                gemm_serial(gb, vb.t(), dp.view_mut(), false);
                // d logits = p * (dp - sum(dp * p)), zero where masked (the
                // constant there takes no gradient), times the scale.
                let (pr, dpr) = (&p, &mut dp);
                crate::kernels::isa::run(
                    #[inline(always)]
                    move || self.logit_grads(pr, dpr, mb, scale, masked),
                );
                gemm_serial(dp.view(), kb, dqb.slice_mut(s![.., h, ..]), false);
                gemm_serial(dp.t(), qb, dkb.slice_mut(s![.., h, ..]), false);
            }
        };
        let zip = Zip::indexed(dq.axis_iter_mut(Axis(0)))
            .and(dk.axis_iter_mut(Axis(0)))
            .and(dv.axis_iter_mut(Axis(0)));
        if worth_splitting(batch * heads * t * s_len) {
            zip.par_for_each(block);
        } else {
            zip.for_each(block);
        }
        let mut grads = vec![
            Some(dq.into_dyn()),
            Some(dk.into_dyn()),
            Some(dv.into_dyn()),
        ];
        if inputs.len() == 4 {
            grads.push(None);
        }
        Ok(grads)
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[OpInfo {
    name: OP,
    doc: "softmax(q kᵀ · scale, masked) v over (batch, time, heads, depth), fused per head",
    inputs: &["query", "key", "value", "mask..."],
    attrs: &[("scale", Lit::Float(1.0)), ("is_causal", Lit::Bool(false))],
    dtypes: "float32",
    differentiable: true,
    build: |_, a| Ok(Arc::new(DotProductAttention::new(a)?)),
    example: (
        &[("scale", Lit::Float(0.5)), ("is_causal", Lit::Bool(true))],
        &[
            Sample::F32(&[2, 3, 2, 4]),
            Sample::F32(&[2, 5, 2, 4]),
            Sample::F32(&[2, 5, 2, 3]),
        ],
    ),
}];
