//! The float64 kernels of the activations whose constants are exact in any
//! float type (a child of `activation`, so it reads `Kind`). The others
//! (elu, selu, gelu, leaky_relu, whose constants are float32 attributes or
//! need a float64 erf) keep float32 (`Float64::Narrowed`).

use super::Kind;
use crate::error::Result;
use crate::kernels::real::grad_shape_error;
use crate::ops::InputGrads64;
use ndarray::{ArrayD, ArrayViewD, Zip};

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
        | Kind::Silu
        | Kind::Softplus
        | Kind::Softsign
        | Kind::HardSigmoid
        | Kind::Exponential
        | Kind::Linear => true,
        _ => false,
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

fn eval(kind: Kind, x: f64) -> f64 {
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
        Kind::Silu => x * sigmoid(x),
        Kind::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
        Kind::Softsign => x / (1.0 + x.abs()),
        Kind::HardSigmoid => ((x + 3.0) / 6.0).clamp(0.0, 1.0),
        Kind::Exponential => x.exp(),
        _ => x,
    }
}

fn derivative(kind: Kind, x: f64, y: f64) -> f64 {
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

pub(super) fn forward(kind: Kind, x: ArrayViewD<f64>) -> ArrayD<f64> {
    x.mapv(|v| eval(kind, v))
}

pub(super) fn backward(
    kind: Kind,
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
        .map_collect(|&g, &x, &y| g * derivative(kind, x, y));
    Ok(vec![Some(g)])
}
