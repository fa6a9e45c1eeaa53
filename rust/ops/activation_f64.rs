//! The float64 kernels of the activations and of softmax / log_softmax (a
//! child of `activation`, so it reads `Kind`). Plain loops in libm's float64
//! functions: float64 is asked for precision, not speed. elu's alpha and
//! leaky_relu's slope come as given (`param`, not the float32 in `Kind`),
//! and selu's and gelu's constants in float64, as Keras computes them with
//! `jax_enable_x64`.

use super::Kind;
use crate::error::Result;
use crate::kernels::real::grad_shape_error;
use crate::ops::special::erfc64;
use crate::ops::InputGrads64;
use ndarray::{ArrayD, ArrayViewD, ArrayViewMut1, Axis, Zip};
use std::f64::consts::{FRAC_1_SQRT_2, PI};

/// selu's constants (Klambauer et al.), as `jax.nn.selu` has them.
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;
/// The tanh approximation of gelu: sqrt(2 / pi) and the cubic's weight.
const GELU_CUBIC: f64 = 0.044_715;

fn sqrt_2_over_pi() -> f64 {
    (2.0 / PI).sqrt()
}

/// The standard normal's cdf, as erfc so the left tail keeps its
/// relative precision (1 + erf(x) would cancel).
fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc64(-x * FRAC_1_SQRT_2)
}

/// The standard normal's density.
fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

/// Whether `kind` has a float64 kernel.
pub(super) fn supports(kind: Kind) -> bool {
    match kind {
        // relu's slope, cap and threshold are float32 attributes: exact in
        // float64 only at their (usual) whole or unset values.
        Kind::Relu {
            negative_slope,
            max_value,
            threshold,
        } => {
            negative_slope.fract() == 0.0
                && threshold.fract() == 0.0
                && max_value.is_none_or(|m| m.fract() == 0.0)
        }
        Kind::Sigmoid
        | Kind::Tanh
        | Kind::Elu { .. }
        | Kind::Selu
        | Kind::Gelu { .. }
        | Kind::LeakyRelu { .. }
        | Kind::Silu
        | Kind::Softplus
        | Kind::Softsign
        | Kind::HardSigmoid
        | Kind::Exponential
        | Kind::Linear => true,
    }
}

fn sigmoid(x: f64) -> f64 {
    // Split by sign so exp never overflows.
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn eval(kind: Kind, param: f64, x: f64) -> f64 {
    match kind {
        Kind::Relu {
            negative_slope,
            max_value,
            threshold,
        } => {
            let t = f64::from(threshold);
            let y = if x >= t {
                x
            } else {
                f64::from(negative_slope) * (x - t) + 0.0
            };
            match max_value.map(f64::from) {
                Some(m) if y > m => m,
                _ => y,
            }
        }
        Kind::Sigmoid => sigmoid(x),
        Kind::Tanh => x.tanh(),
        Kind::Elu { .. } => {
            if x > 0.0 {
                x
            } else {
                param * x.exp_m1()
            }
        }
        Kind::Selu => SELU_SCALE * if x > 0.0 { x } else { SELU_ALPHA * x.exp_m1() },
        Kind::Gelu { approximate: false } => x * normal_cdf(x),
        Kind::Gelu { approximate: true } => {
            0.5 * x * (1.0 + (sqrt_2_over_pi() * (x + GELU_CUBIC * x * x * x)).tanh())
        }
        Kind::LeakyRelu { .. } => {
            if x >= 0.0 {
                x
            } else {
                param * x
            }
        }
        Kind::Silu => x * sigmoid(x),
        Kind::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
        Kind::Softsign => x / (1.0 + x.abs()),
        Kind::HardSigmoid => ((x + 3.0) / 6.0).clamp(0.0, 1.0),
        Kind::Exponential => x.exp(),
        _ => x,
    }
}

fn derivative(kind: Kind, param: f64, x: f64, y: f64) -> f64 {
    match kind {
        Kind::Relu {
            negative_slope,
            max_value,
            threshold,
        } => {
            let t = f64::from(threshold);
            if let Some(m) = max_value {
                if y >= f64::from(m) && x >= t {
                    return 0.0;
                }
            }
            // Zero at the kink of a plain relu, as the float32 rule.
            if x > t || (x == t && negative_slope != 0.0) {
                1.0
            } else {
                f64::from(negative_slope)
            }
        }
        Kind::Sigmoid => y * (1.0 - y),
        Kind::Tanh => 1.0 - y * y,
        Kind::Elu { .. } => {
            if x > 0.0 {
                1.0
            } else {
                param * x.exp()
            }
        }
        Kind::Selu => {
            if x > 0.0 {
                SELU_SCALE
            } else {
                SELU_SCALE * SELU_ALPHA * x.exp()
            }
        }
        Kind::Gelu { approximate: false } => normal_cdf(x) + x * normal_pdf(x),
        Kind::Gelu { approximate: true } => {
            let c = sqrt_2_over_pi();
            let t = (c * (x + GELU_CUBIC * x * x * x)).tanh();
            0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * c * (1.0 + 3.0 * GELU_CUBIC * x * x)
        }
        Kind::LeakyRelu { .. } => {
            if x >= 0.0 {
                1.0
            } else {
                param
            }
        }
        Kind::Silu => {
            let s = sigmoid(x);
            s * (1.0 + x * (1.0 - s))
        }
        Kind::Softplus => sigmoid(x),
        Kind::Softsign => {
            let d = 1.0 + x.abs();
            1.0 / (d * d)
        }
        Kind::HardSigmoid => {
            if x > -3.0 && x < 3.0 {
                1.0 / 6.0
            } else {
                0.0
            }
        }
        Kind::Exponential => y,
        _ => 1.0,
    }
}

pub(super) fn forward(kind: Kind, param: f64, x: ArrayViewD<f64>) -> ArrayD<f64> {
    x.mapv(|v| eval(kind, param, v))
}

pub(super) fn backward(
    kind: Kind,
    param: f64,
    x: ArrayViewD<f64>,
    y: ArrayViewD<f64>,
    grad: ArrayViewD<f64>,
    name: &str,
) -> Result<InputGrads64> {
    if x.shape() != y.shape() || x.shape() != grad.shape() {
        return Err(grad_shape_error(name));
    }
    let g = Zip::from(&grad)
        .and(&x)
        .and(&y)
        .map_collect(|&g, &x, &y| g * derivative(kind, param, x, y));
    Ok(vec![Some(g)])
}

/// softmax (or log_softmax) of one lane in place, max-shifted so exp never
/// overflows (a lane of -inf and inf is left unshifted, as float32's).
fn softmax_lane(mut lane: ArrayViewMut1<f64>, log: bool) {
    let max = lane.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let shift = if max.is_finite() { max } else { 0.0 };
    if log {
        let sum: f64 = lane.iter().map(|&v| (v - shift).exp()).sum();
        let lse = sum.ln();
        lane.mapv_inplace(|v| v - shift - lse);
    } else {
        lane.mapv_inplace(|v| (v - shift).exp());
        let sum: f64 = lane.sum();
        lane.mapv_inplace(|v| v / sum);
    }
}

/// softmax or log_softmax of `x` along `axis` (normalized by the caller).
pub(super) fn softmax(x: ArrayViewD<f64>, axis: usize, log: bool) -> ArrayD<f64> {
    let mut out = x.to_owned();
    out.lanes_mut(Axis(axis))
        .into_iter()
        .for_each(|lane| softmax_lane(lane, log));
    out
}

/// The gradient of softmax (`y * (g - sum(g * y))`) or of log_softmax
/// (`g - exp(y) * sum(g)`) along `axis`, from the output `y`.
pub(super) fn softmax_backward(
    y: ArrayViewD<f64>,
    grad: ArrayViewD<f64>,
    axis: usize,
    log: bool,
    name: &str,
) -> Result<InputGrads64> {
    if y.shape() != grad.shape() {
        return Err(grad_shape_error(name));
    }
    let axis = Axis(axis);
    let gx = if log {
        let gsum = grad.sum_axis(axis).insert_axis(axis);
        Zip::from(&grad)
            .and(&y)
            .and_broadcast(&gsum)
            .map_collect(|&g, &y, &s| g - y.exp() * s)
    } else {
        let dot = (&grad * &y).sum_axis(axis).insert_axis(axis);
        Zip::from(&grad)
            .and(&y)
            .and_broadcast(&dot)
            .map_collect(|&g, &y, &d| y * (g - d))
    };
    Ok(vec![Some(gx)])
}
