//! batch_norm and layer_norm. Both move the axes they treat to the end and
//! work on a (rows, features) matrix: batch_norm reduces down the rows (per
//! channel), layer_norm along each row (per sample). Sums run in a fixed order.

use super::fused::{FixedNorm, Fusion};
use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, DType, TensorSpec};
use super::norm_f64;
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::batch_norm;
use crate::kernels::real::Real;
use crate::tensor::{expect_arity, normalize_axis, Value, ValueView};
use ndarray::{Array1, Array2, ArrayD, ArrayViewD, Axis, IxDyn};
use std::borrow::Cow;
use std::sync::Arc;

/// `x` with `last` axes moved to the end, as a (rows, features) matrix, plus
/// the permutation used (to undo it).
pub(super) fn to_rows<T: Real>(
    op: &str,
    x: &ArrayViewD<T>,
    last: &[usize],
) -> Result<(Array2<T>, Vec<usize>)> {
    let mut perm: Vec<usize> = (0..x.ndim()).filter(|a| !last.contains(a)).collect();
    perm.extend_from_slice(last);
    let features: usize = last.iter().map(|&a| x.shape()[a]).product();
    let rows = x.len().checked_div(features).unwrap_or(0);
    let moved = x.view().permuted_axes(IxDyn(&perm));
    let m = moved
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((rows, features))
        .map_err(|e| Error::shape(op, "a reshapeable input", e.to_string()))?;
    Ok((m, perm))
}

/// Undoes `to_rows`: back to `shape` in the original axis order.
pub(super) fn from_rows<T: Real>(
    op: &str,
    m: Array2<T>,
    shape: &[usize],
    perm: &[usize],
) -> Result<ArrayD<T>> {
    let moved_shape: Vec<usize> = perm.iter().map(|&a| shape[a]).collect();
    let moved = m
        .into_shape_with_order(IxDyn(&moved_shape))
        .map_err(|e| Error::shape(op, "a reshapeable result", e.to_string()))?;
    let mut inverse = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i;
    }
    Ok(moved
        .permuted_axes(IxDyn(&inverse))
        .as_standard_layout()
        .into_owned())
}

/// A parameter vector (gamma, beta, moving statistics), copied so strided
/// views (e.g. `params[::2]`) work like contiguous ones.
pub(super) fn vector<T: Real>(
    op: &str,
    what: &str,
    v: &ValueView,
    len: usize,
) -> Result<Array1<T>> {
    let a = T::view_of(v, op)?;
    if a.len() != len {
        return Err(Error::shape(
            op,
            format!("{what} with {len} values (one per normalised feature)"),
            format!("{what} of shape {}", fmt_shape(a.shape())),
        ));
    }
    Ok(a.iter().copied().collect())
}

fn column_sum(m: &Array2<f32>) -> Array1<f32> {
    let mut acc = Array1::<f32>::zeros(m.ncols());
    for row in m.rows() {
        acc += &row;
    }
    acc
}

#[derive(Debug)]
pub struct BatchNorm {
    axis: i64,
    epsilon: f32,
    /// The attribute as given, for float64 inputs (1e-3 as float32 is
    /// 1.00000005e-3, which a float64 comparison would see).
    epsilon64: f64,
    training: Option<bool>,
}

/// One batch_norm call's operands: `x` as a row-major (rows, channels)
/// matrix (borrowed when the channel axis is already last and contiguous),
/// the permutation that made it, and the per-channel parameters.
struct Prepared<'a> {
    rows: Cow<'a, [f32]>,
    perm: Vec<usize>,
    gamma: Vec<f32>,
    beta: Vec<f32>,
    mean: Vec<f32>,
    var: Vec<f32>,
}

/// `x` as a row-major (rows, features) slice with the axes `last` at the end:
/// borrowed when they already are and `x` is contiguous, else copied.
pub(super) fn row_major<'a>(
    op: &str,
    x: &ArrayViewD<'a, f32>,
    last: &[usize],
) -> Result<(Cow<'a, [f32]>, Vec<usize>)> {
    let at_end = last
        .iter()
        .enumerate()
        .all(|(i, &a)| a == x.ndim() - last.len() + i);
    if at_end {
        if let Some(flat) = x.to_slice() {
            return Ok((Cow::Borrowed(flat), (0..x.ndim()).collect()));
        }
    }
    let (m, perm) = to_rows(op, x, last)?;
    Ok((Cow::Owned(m.into_raw_vec_and_offset().0), perm))
}

impl BatchNorm {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        let epsilon64 = attrs.float("batch_norm", "epsilon", 1e-3)?;
        Ok(Self {
            axis: attrs.int("batch_norm", "axis", -1)?,
            epsilon: epsilon64 as f32,
            epsilon64,
            training: attrs.opt_bool("batch_norm", "training")?,
        })
    }

    /// batch_norm with fixed (moving) statistics, as the planner fuses it.
    pub(crate) fn fixed(norm: FixedNorm) -> Self {
        Self {
            axis: norm.axis,
            epsilon: norm.epsilon,
            epsilon64: f64::from(norm.epsilon),
            training: Some(false),
        }
    }

    fn training(&self, ctx: &Context) -> bool {
        self.training.unwrap_or(ctx.training)
    }

    /// The forward pass with fixed statistics, straight over `x`'s layout
    /// (no transposes for a channel axis that is not last), with `post` run
    /// on each block of the result while it is in cache.
    pub(crate) fn infer(
        &self,
        inputs: &[ValueView],
        post: &(dyn Fn(&mut [f32]) + Sync),
    ) -> Result<Value> {
        let op = "batch_norm";
        expect_arity(op, inputs, 5)?;
        let x = inputs[0].f32(op)?;
        let axis = normalize_axis(op, self.axis, x.ndim())?;
        let c = x.shape()[axis];
        let inner: usize = x.shape()[axis + 1..].iter().product();
        let p = fixed_params(op, inputs, c, self.epsilon)?;
        let x = x.as_standard_layout();
        let flat = x
            .as_slice()
            .ok_or_else(|| Error::shape(op, "a contiguous input", "a strided one"))?;
        let affine = batch_norm::Affine {
            mean: &p.mean,
            scale: &p.scale,
            beta: &p.beta,
        };
        let y = batch_norm::normalize_with(flat, inner, &affine, post);
        ArrayD::from_shape_vec(IxDyn(x.shape()), y)
            .map(Value::F32)
            .map_err(|e| Error::shape(op, "a result shaped like x", e.to_string()))
    }

    /// The operands of this call, with the batch's moments in training.
    fn prepare<'a>(&self, inputs: &[ValueView<'a>], training: bool) -> Result<Prepared<'a>> {
        let op = "batch_norm";
        expect_arity(op, inputs, 5)?;
        let x = inputs[0].f32(op)?;
        let axis = normalize_axis(op, self.axis, x.ndim())?;
        let c = x.shape()[axis];
        let (rows, perm) = row_major(op, &x, &[axis])?;
        let gamma = vector::<f32>(op, "gamma", &inputs[1], c)?.to_vec();
        let beta = vector::<f32>(op, "beta", &inputs[2], c)?.to_vec();
        let (mean, var) = if training {
            batch_norm::moments(&rows, c)
        } else {
            (
                vector::<f32>(op, "moving_mean", &inputs[3], c)?.to_vec(),
                vector::<f32>(op, "moving_variance", &inputs[4], c)?.to_vec(),
            )
        };
        Ok(Prepared {
            rows,
            perm,
            gamma,
            beta,
            mean,
            var,
        })
    }
}

/// batch_norm's per-channel map with fixed statistics, from its inputs
/// (x, gamma, beta, moving_mean, moving_variance), each vector checked to
/// have `c` values.
pub(crate) struct FixedParams {
    pub mean: Vec<f32>,
    pub scale: Vec<f32>,
    pub beta: Vec<f32>,
}

pub(crate) fn fixed_params(
    op: &str,
    inputs: &[ValueView],
    c: usize,
    epsilon: f32,
) -> Result<FixedParams> {
    let [_, gamma, beta, mean, var] = inputs else {
        return Err(Error::graph(format!(
            "{op}: expected 5 inputs (x, gamma, beta, moving_mean, moving_variance), got {}",
            inputs.len()
        )));
    };
    let gamma = vector::<f32>(op, "gamma", gamma, c)?;
    let var = vector::<f32>(op, "moving_variance", var, c)?;
    // The scale as `forward` computes it, so fused and unfused agree exactly.
    let inv = batch_norm::inverse_std(var.as_slice().unwrap_or(&[]), epsilon);
    let scale = inv.iter().zip(&gamma).map(|(i, g)| i * g).collect();
    Ok(FixedParams {
        mean: vector::<f32>(op, "moving_mean", mean, c)?.to_vec(),
        scale,
        beta: vector::<f32>(op, "beta", beta, c)?.to_vec(),
    })
}

/// A flat row-major result back to `shape` in the original axis order.
fn unrows(op: &str, flat: Vec<f32>, shape: &[usize], perm: &[usize]) -> Result<ArrayD<f32>> {
    let moved: Vec<usize> = perm.iter().map(|&a| shape[a]).collect();
    let cols = moved.last().copied().unwrap_or(1);
    let rows = flat.len().checked_div(cols).unwrap_or(0);
    let m = Array2::from_shape_vec((rows, cols), flat)
        .map_err(|e| Error::shape(op, "a reshapeable result", e.to_string()))?;
    from_rows(op, m, shape, perm)
}

impl Primitive for BatchNorm {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "batch_norm";
        spec::expect_arity(op, inputs, 5)?;
        let x = &inputs[0];
        x.expect_dtype(op, "an input", DType::F32)?;
        let axis = spec::axis_of(op, self.axis, x.rank())?;
        let names = ["gamma", "beta", "moving_mean", "moving_variance"];
        for (v, name) in inputs[1..].iter().zip(names) {
            spec::expect_values(op, name, v, x.shape[axis])?;
        }
        Ok(x.clone())
    }

    fn name(&self) -> &'static str {
        "batch_norm"
    }

    fn fusion(&self) -> Fusion {
        // Only with fixed statistics: a per-channel affine map. In training
        // the batch's moments and their backward stay as they are.
        match self.training {
            Some(false) => Fusion::Norm(FixedNorm {
                axis: self.axis,
                epsilon: self.epsilon,
            }),
            _ => Fusion::None,
        }
    }

    fn forward(&self, inputs: &[ValueView], ctx: &Context) -> Result<Value> {
        if inputs.first().is_some_and(ValueView::is_f64) {
            let training = self.training(ctx);
            return norm_f64::batch_norm_forward(inputs, self.axis, self.epsilon64, training);
        }
        if !self.training(ctx) {
            return self.infer(inputs, &|_| {});
        }
        let p = self.prepare(inputs, true)?;
        let inv = batch_norm::inverse_std(&p.var, self.epsilon);
        let scale: Vec<f32> = inv.iter().zip(&p.gamma).map(|(i, g)| i * g).collect();
        let y = batch_norm::normalize(&p.rows, &p.mean, &scale, &p.beta);
        unrows("batch_norm", y, inputs[0].shape(), &p.perm).map(Value::F32)
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        let training = self.training(ctx);
        norm_f64::batch_norm_backward(inputs, grad, self.axis, self.epsilon64, training)
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
    ) -> Result<InputGrads> {
        let op = "batch_norm";
        let training = self.training(ctx);
        let p = self.prepare(inputs, training)?;
        let axis = p.perm[p.perm.len() - 1];
        let (g, _) = row_major(op, &grad, &[axis])?;
        if g.len() != p.rows.len() {
            return Err(Error::shape(
                op,
                format!(
                    "a gradient of the input's shape {}",
                    fmt_shape(inputs[0].shape())
                ),
                format!("shape {}", fmt_shape(grad.shape())),
            ));
        }
        let inv = batch_norm::inverse_std(&p.var, self.epsilon);
        let (dbeta, sum_g_centred) = batch_norm::grad_sums(&g, &p.rows, &p.mean);
        let dgamma: Vec<f32> = sum_g_centred.iter().zip(&inv).map(|(s, i)| s * i).collect();
        let shape = inputs[0].shape();
        let vec1 = |v: Vec<f32>| Array1::from(v).into_dyn();
        if training {
            let n = (p.rows.len() / p.mean.len().max(1)).max(1) as f32;
            let factor: Vec<f32> = inv.iter().zip(&p.gamma).map(|(i, g)| i * g / n).collect();
            let terms = batch_norm::ChannelTerms {
                mean: &p.mean,
                inv: &inv,
                sum_g: &dbeta,
                sum_g_xhat: &dgamma,
                factor: &factor,
            };
            let dx = batch_norm::grad_input_training(&g, &p.rows, &terms, n);
            return Ok(vec![
                Some(unrows(op, dx, shape, &p.perm)?),
                Some(vec1(dgamma)),
                Some(vec1(dbeta)),
                None,
                None,
            ]);
        }
        let scale: Vec<f32> = inv.iter().zip(&p.gamma).map(|(i, g)| i * g).collect();
        let dx = batch_norm::scale_rows(&g, &scale);
        let dmean: Vec<f32> = dbeta.iter().zip(&scale).map(|(d, s)| -d * s).collect();
        let dvar: Vec<f32> = (0..p.mean.len())
            .map(|c| sum_g_centred[c] * p.gamma[c] * (-0.5 * (p.var[c] + self.epsilon).powf(-1.5)))
            .collect();
        Ok(vec![
            Some(unrows(op, dx, shape, &p.perm)?),
            Some(vec1(dgamma)),
            Some(vec1(dbeta)),
            Some(vec1(dmean)),
            Some(vec1(dvar)),
        ])
    }
}

#[derive(Debug)]
pub struct LayerNorm {
    axes: Vec<i64>,
    epsilon: f32,
    /// The attribute as given, for float64 inputs.
    epsilon64: f64,
}

impl LayerNorm {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        let epsilon64 = attrs.float("layer_norm", "epsilon", 1e-3)?;
        Ok(Self {
            axes: attrs
                .opt_ints("layer_norm", "axis")?
                .unwrap_or_else(|| vec![-1]),
            epsilon: epsilon64 as f32,
            epsilon64,
        })
    }

    fn axes(&self, rank: usize) -> Result<Vec<usize>> {
        let mut axes = self
            .axes
            .iter()
            .map(|&a| normalize_axis("layer_norm", a, rank))
            .collect::<Result<Vec<_>>>()?;
        axes.sort_unstable();
        axes.dedup();
        Ok(axes)
    }

    /// Per-row statistics: (xhat, inv_std) for a (rows, features) matrix.
    fn normalise(&self, m: &Array2<f32>) -> (Array2<f32>, Array1<f32>) {
        let k = m.ncols().max(1) as f32;
        let mean = m.sum_axis(Axis(1)) / k;
        let centred = m - &mean.view().insert_axis(Axis(1));
        let var = (&centred * &centred).sum_axis(Axis(1)) / k;
        let inv = var.mapv(|v| 1.0 / (v + self.epsilon).sqrt());
        let xhat = &centred * &inv.view().insert_axis(Axis(1));
        (xhat, inv)
    }
}

impl Primitive for LayerNorm {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "layer_norm";
        spec::expect_arity(op, inputs, 3)?;
        let x = &inputs[0];
        x.expect_dtype(op, "an input", DType::F32)?;
        let axes = self.axes(x.rank())?;
        let features = spec::known_product(&axes.iter().map(|&a| x.shape[a]).collect::<Vec<_>>());
        spec::expect_values(op, "gamma", &inputs[1], features)?;
        spec::expect_values(op, "beta", &inputs[2], features)?;
        Ok(x.clone())
    }

    fn name(&self) -> &'static str {
        "layer_norm"
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = "layer_norm";
        expect_arity(op, inputs, 3)?;
        if inputs[0].is_f64() {
            let axes = self.axes(inputs[0].shape().len())?;
            return norm_f64::layer_norm_forward(inputs, &axes, self.epsilon64);
        }
        let x = inputs[0].f32(op)?;
        let axes = self.axes(x.ndim())?;
        let (m, perm) = to_rows(op, &x, &axes)?;
        let gamma = vector::<f32>(op, "gamma", &inputs[1], m.ncols())?;
        let beta = vector::<f32>(op, "beta", &inputs[2], m.ncols())?;
        let (xhat, _) = self.normalise(&m);
        let y = xhat * gamma + beta;
        from_rows(op, y, x.shape(), &perm).map(Value::F32)
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
        expect_arity("layer_norm", inputs, 3)?;
        let axes = self.axes(inputs[0].shape().len())?;
        norm_f64::layer_norm_backward(inputs, grad, &axes, self.epsilon64)
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let op = "layer_norm";
        expect_arity(op, inputs, 3)?;
        let x = inputs[0].f32(op)?;
        let axes = self.axes(x.ndim())?;
        let (m, perm) = to_rows(op, &x, &axes)?;
        let (g, _) = to_rows(op, &grad, &axes)?;
        let gamma = vector::<f32>(op, "gamma", &inputs[1], m.ncols())?;
        let (xhat, inv) = self.normalise(&m);
        let k = m.ncols().max(1) as f32;
        let dxhat = &g * &gamma;
        let sum_d = dxhat.sum_axis(Axis(1)).insert_axis(Axis(1));
        let sum_dx = (&dxhat * &xhat).sum_axis(Axis(1)).insert_axis(Axis(1));
        let dx = (&dxhat * k - &sum_d - &xhat * &sum_dx) * &(inv / k).insert_axis(Axis(1));
        let pshape = inputs[1].shape().to_vec();
        let dgamma = column_sum(&(&g * &xhat))
            .into_shape_with_order(IxDyn(&pshape))
            .map_err(|e| Error::shape(op, "gamma-shaped gradient", e.to_string()))?;
        let dbeta = column_sum(&g)
            .into_shape_with_order(IxDyn(inputs[2].shape()))
            .map_err(|e| Error::shape(op, "beta-shaped gradient", e.to_string()))?;
        Ok(vec![
            Some(from_rows(op, dx, x.shape(), &perm)?),
            Some(dgamma),
            Some(dbeta),
        ])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "batch_norm",
        doc: "normalises x along `axis` by batch statistics (training) or moving ones",
        inputs: &["x", "gamma", "beta", "moving_mean", "moving_variance"],
        attrs: &[
            ("axis", Lit::Int(-1)),
            ("epsilon", Lit::Float(1e-3)),
            ("training", Lit::None),
        ],
        dtypes: "float32",
        differentiable: true,
        build: |_, a| Ok(Arc::new(BatchNorm::new(a)?)),
        example: (
            &[],
            &[
                Sample::F32(&[4, 3]),
                Sample::F32(&[3]),
                Sample::F32(&[3]),
                Sample::F32(&[3]),
                Sample::Positive(&[3]),
            ],
        ),
    },
    OpInfo {
        name: "layer_norm",
        doc: "normalises x over `axis` per sample, then scales and shifts",
        inputs: &["x", "gamma", "beta"],
        attrs: &[("axis", Lit::Ints(&[-1])), ("epsilon", Lit::Float(1e-3))],
        dtypes: "float32",
        differentiable: true,
        build: |_, a| Ok(Arc::new(LayerNorm::new(a)?)),
        example: (
            &[],
            &[Sample::F32(&[4, 3]), Sample::F32(&[3]), Sample::F32(&[3])],
        ),
    },
];
