//! batch_norm, batch_moments and layer_norm in float64 (`norm` calls these
//! when its input is float64). Plain ndarray over a (rows, features) matrix,
//! as `norm` arranges float32 ones, with the same formulas: float32 keeps
//! its threaded kernels (`kernels::batch_norm`), float64 is asked for
//! precision, not speed. Sums run in a fixed order.

use super::norm::{from_rows, to_rows, vector};
use super::InputGrads64;
use crate::error::{fmt_shape, Error, Result};
use crate::tensor::{expect_arity, normalize_axis, Value, ValueView};
use ndarray::{Array1, Array2, ArrayD, ArrayViewD, Axis, IxDyn};

/// `v` in the shape of parameter input `like`.
fn shaped(op: &str, v: Array1<f64>, like: &ValueView) -> Result<ArrayD<f64>> {
    v.into_shape_with_order(IxDyn(like.shape()))
        .map_err(|e| Error::shape(op, "a parameter-shaped gradient", e.to_string()))
}

/// Per-column mean and (biased) variance of `m`, summed down the rows in order.
fn column_moments(m: &Array2<f64>) -> (Array1<f64>, Array1<f64>) {
    let n = m.nrows().max(1) as f64;
    let mean = m.sum_axis(Axis(0)) / n;
    let centred = m - &mean;
    let var = (&centred * &centred).sum_axis(Axis(0)) / n;
    (mean, var)
}

/// batch_norm's operands: x as rows (channel last), its permutation, gamma,
/// and the statistics it normalises with (the batch's in training).
struct Batch {
    rows: Array2<f64>,
    perm: Vec<usize>,
    gamma: Array1<f64>,
    mean: Array1<f64>,
    var: Array1<f64>,
}

fn batch(inputs: &[ValueView], axis: i64, training: bool) -> Result<Batch> {
    let op = "batch_norm";
    expect_arity(op, inputs, 5)?;
    let x = inputs[0].f64(op)?;
    let axis = normalize_axis(op, axis, x.ndim())?;
    let c = x.shape()[axis];
    let (rows, perm) = to_rows(op, &x, &[axis])?;
    let gamma = vector::<f64>(op, "gamma", &inputs[1], c)?;
    let (mean, var) = if training {
        column_moments(&rows)
    } else {
        (
            vector(op, "moving_mean", &inputs[3], c)?,
            vector(op, "moving_variance", &inputs[4], c)?,
        )
    };
    Ok(Batch {
        rows,
        perm,
        gamma,
        mean,
        var,
    })
}

/// batch_norm forward: (x - mean) / sqrt(var + epsilon) * gamma + beta.
pub fn batch_norm_forward(
    inputs: &[ValueView],
    axis: i64,
    epsilon: f64,
    training: bool,
) -> Result<Value> {
    let op = "batch_norm";
    let b = batch(inputs, axis, training)?;
    let beta = vector::<f64>(op, "beta", &inputs[2], b.mean.len())?;
    let scale = b.var.mapv(|v| 1.0 / (v + epsilon).sqrt()) * &b.gamma;
    let y = (&b.rows - &b.mean) * &scale + &beta;
    from_rows(op, y, inputs[0].shape(), &b.perm).map(Value::F64)
}

/// batch_norm backward: gradients of (x, gamma, beta) and, with fixed
/// statistics, of the moving mean and variance too.
pub fn batch_norm_backward(
    inputs: &[ValueView],
    grad: ArrayViewD<f64>,
    axis: i64,
    epsilon: f64,
    training: bool,
) -> Result<InputGrads64> {
    let op = "batch_norm";
    let b = batch(inputs, axis, training)?;
    if grad.shape() != inputs[0].shape() {
        return Err(Error::shape(
            op,
            format!(
                "a gradient of the input's shape {}",
                fmt_shape(inputs[0].shape())
            ),
            format!("shape {}", fmt_shape(grad.shape())),
        ));
    }
    let axis = b.perm[b.perm.len() - 1];
    let (g, _) = to_rows(op, &grad, &[axis])?;
    let inv = b.var.mapv(|v| 1.0 / (v + epsilon).sqrt());
    let centred = &b.rows - &b.mean;
    let dbeta = g.sum_axis(Axis(0));
    let sum_g_centred = (&g * &centred).sum_axis(Axis(0));
    let dgamma = &sum_g_centred * &inv;
    let shape = inputs[0].shape();
    let scale = &inv * &b.gamma;
    if training {
        // dx = gamma * inv / n * (n g - sum g - xhat sum(g xhat)).
        let n = b.rows.nrows().max(1) as f64;
        let xhat = &centred * &inv;
        let dx = (&g * n - &dbeta - &xhat * &dgamma) * &(&scale / n);
        return Ok(vec![
            Some(from_rows(op, dx, shape, &b.perm)?),
            Some(shaped(op, dgamma, &inputs[1])?),
            Some(shaped(op, dbeta, &inputs[2])?),
            None,
            None,
        ]);
    }
    let dx = &g * &scale;
    let dmean = -&dbeta * &scale;
    let dvar = Array1::from_iter(
        (0..b.mean.len())
            .map(|c| sum_g_centred[c] * b.gamma[c] * (-0.5 * (b.var[c] + epsilon).powf(-1.5))),
    );
    Ok(vec![
        Some(from_rows(op, dx, shape, &b.perm)?),
        Some(shaped(op, dgamma, &inputs[1])?),
        Some(shaped(op, dbeta, &inputs[2])?),
        Some(shaped(op, dmean, &inputs[3])?),
        Some(shaped(op, dvar, &inputs[4])?),
    ])
}

/// batch_moments: the batch's (mean, variance) per channel as a (2, C) tensor.
pub fn batch_moments_forward(inputs: &[ValueView], axis: i64) -> Result<Value> {
    let op = "batch_moments";
    expect_arity(op, inputs, 1)?;
    let x = inputs[0].f64(op)?;
    let axis = normalize_axis(op, axis, x.ndim())?;
    let (rows, _) = to_rows(op, &x, &[axis])?;
    let (mean, var) = column_moments(&rows);
    ndarray::stack(Axis(0), &[mean.view(), var.view()])
        .map(|a| Value::F64(a.into_dyn()))
        .map_err(|e| Error::shape(op, "a (2, channels) result", e.to_string()))
}

/// layer_norm's rows (the normalised axes last), permutation, and per-row
/// (xhat, inv_std).
type Normalised = (Array2<f64>, Vec<usize>, Array2<f64>, Array1<f64>);

fn layer_rows(x: &ArrayViewD<f64>, axes: &[usize], epsilon: f64) -> Result<Normalised> {
    let (m, perm) = to_rows("layer_norm", x, axes)?;
    let k = m.ncols().max(1) as f64;
    let mean = m.sum_axis(Axis(1)) / k;
    let centred = &m - &mean.view().insert_axis(Axis(1));
    let var = (&centred * &centred).sum_axis(Axis(1)) / k;
    let inv = var.mapv(|v| 1.0 / (v + epsilon).sqrt());
    let xhat = &centred * &inv.view().insert_axis(Axis(1));
    Ok((m, perm, xhat, inv))
}

/// layer_norm forward over `axes` (normalised, sorted): xhat * gamma + beta.
pub fn layer_norm_forward(inputs: &[ValueView], axes: &[usize], epsilon: f64) -> Result<Value> {
    let op = "layer_norm";
    expect_arity(op, inputs, 3)?;
    let x = inputs[0].f64(op)?;
    let (m, perm, xhat, _) = layer_rows(&x, axes, epsilon)?;
    let gamma = vector::<f64>(op, "gamma", &inputs[1], m.ncols())?;
    let beta = vector::<f64>(op, "beta", &inputs[2], m.ncols())?;
    let y = xhat * &gamma + &beta;
    from_rows(op, y, x.shape(), &perm).map(Value::F64)
}

/// layer_norm backward: gradients of (x, gamma, beta).
pub fn layer_norm_backward(
    inputs: &[ValueView],
    grad: ArrayViewD<f64>,
    axes: &[usize],
    epsilon: f64,
) -> Result<InputGrads64> {
    let op = "layer_norm";
    expect_arity(op, inputs, 3)?;
    let x = inputs[0].f64(op)?;
    if grad.shape() != x.shape() {
        return Err(Error::shape(
            op,
            format!("a gradient of the input's shape {}", fmt_shape(x.shape())),
            format!("shape {}", fmt_shape(grad.shape())),
        ));
    }
    let (m, perm, xhat, inv) = layer_rows(&x, axes, epsilon)?;
    let (g, _) = to_rows(op, &grad, axes)?;
    let gamma = vector::<f64>(op, "gamma", &inputs[1], m.ncols())?;
    let k = m.ncols().max(1) as f64;
    let dxhat = &g * &gamma;
    let sum_d = dxhat.sum_axis(Axis(1)).insert_axis(Axis(1));
    let sum_dx = (&dxhat * &xhat).sum_axis(Axis(1)).insert_axis(Axis(1));
    let dx = (&dxhat * k - &sum_d - &xhat * &sum_dx) * &(inv / k).insert_axis(Axis(1));
    let dgamma = (&g * &xhat).sum_axis(Axis(0));
    let dbeta = g.sum_axis(Axis(0));
    Ok(vec![
        Some(from_rows(op, dx, x.shape(), &perm)?),
        Some(shaped(op, dgamma, &inputs[1])?),
        Some(shaped(op, dbeta, &inputs[2])?),
    ])
}
