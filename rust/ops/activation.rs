//! Keras's activations as ops: elementwise ones, and softmax / log_softmax
//! along an axis. Definitions follow Keras 3 (`keras.activations`), e.g.
//! hard_sigmoid is relu6(x + 3) / 6 and gelu is exact unless `approximate`.

use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, TensorSpec};
use super::{Attrs, Context, Float64, Fusion, InputGrads, InputGrads64, OpRef, Primitive};

#[path = "activation_f64.rs"]
mod f64_rules;
#[path = "softmax.rs"]
mod softmax;
use softmax::Softmax;
use crate::kernels::fastmath::{self, sigmoid};
use crate::error::Result;
use crate::kernels::elementwise::{map, update3};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD};
use std::sync::Arc;

const SELU_ALPHA: f32 = 1.673_263_2;
const SELU_SCALE: f32 = 1.050_701;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Relu {
        negative_slope: f32,
        max_value: Option<f32>,
        threshold: f32,
    },
    Sigmoid,
    Tanh,
    Elu {
        alpha: f32,
    },
    Selu,
    Gelu {
        approximate: bool,
    },
    Silu,
    Softplus,
    Softsign,
    LeakyRelu {
        negative_slope: f32,
    },
    HardSigmoid,
    Exponential,
    Linear,
}

/// An elementwise activation.
#[derive(Debug)]
pub struct Activation {
    name: &'static str,
    kind: Kind,
    /// elu's alpha or leaky_relu's slope as given (the float64 kernels use
    /// it: `kind` holds it rounded to float32, 0.2 is not 0.2 in float32).
    exact: f64,
}

/// Builds the activation op called `name`, or `None` if `name` is not one.
pub fn build(name: &str, attrs: &Attrs) -> Result<Option<OpRef>> {
    let (static_name, kind): (&'static str, Kind) = match name {
        "relu" => {
            (
                "relu",
                Kind::Relu {
                    negative_slope: attrs.float(name, "negative_slope", 0.0)? as f32,
                    max_value: attrs.opt_float(name, "max_value")?.map(|v| v as f32),
                    threshold: attrs.float(name, "threshold", 0.0)? as f32,
                },
            )
        }
        "softmax" | "log_softmax" => {
            let axis = attrs.int(name, "axis", -1)?;
            let log = name == "log_softmax";
            return Ok(Some(Arc::new(Softmax { axis, log })));
        }
        "elu" => {
            let alpha = attrs.float(name, "alpha", 1.0)?;
            return Ok(Some(Arc::new(Activation {
                name: "elu",
                kind: Kind::Elu {
                    alpha: alpha as f32,
                },
                exact: alpha,
            })));
        }
        "gelu" => {
            (
                "gelu",
                Kind::Gelu {
                    approximate: attrs.bool(name, "approximate", false)?,
                },
            )
        }
        "leaky_relu" => {
            let slope = attrs.float(name, "negative_slope", 0.2)?;
            return Ok(Some(Arc::new(Activation {
                name: "leaky_relu",
                kind: Kind::LeakyRelu {
                    negative_slope: slope as f32,
                },
                exact: slope,
            })));
        }
        _ => {
            let (n, k) = match name {
                "sigmoid" => ("sigmoid", Kind::Sigmoid),
                "tanh" => ("tanh", Kind::Tanh),
                "selu" => ("selu", Kind::Selu),
                "silu" => ("silu", Kind::Silu),
                "swish" => ("swish", Kind::Silu),
                "softplus" => ("softplus", Kind::Softplus),
                "softsign" => ("softsign", Kind::Softsign),
                "hard_sigmoid" => ("hard_sigmoid", Kind::HardSigmoid),
                "exponential" => ("exponential", Kind::Exponential),
                "linear" => ("linear", Kind::Linear),
                _ => return Ok(None),
            };
            (n, k)
        }
    };
    Ok(Some(Arc::new(Activation {
        name: static_name,
        kind,
        exact: 0.0,
    })))
}


const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const INV_SQRT_2PI: f32 = 0.398_942_3;

/// The default `relu`: no slope, no cap, threshold 0.
const PLAIN_RELU: Kind = Kind::Relu {
    negative_slope: 0.0,
    max_value: None,
    threshold: 0.0,
};

/// `relu(x, max_value=6)`, as `ReLU(6.0)` and `activations.relu6` trace it
/// (MobileNet's activation).
const RELU6: Kind = Kind::Relu {
    negative_slope: 0.0,
    max_value: Some(6.0),
    threshold: 0.0,
};

/// Evaluates `$body` with `$k` bound to `$kind`, in one arm per activation
/// without parameters (and the plain relu) where `$k` is a `const`: a closure over a runtime kind re-ran
/// the match in `apply` for every element (6 ns each, unvectorised). A const
/// is not captured, so each arm's closure is a small constant function that
/// inlines into the vectorised slice loop.
macro_rules! with_kind {
    ($kind:expr, |$k:ident| $body:expr) => {
        match $kind {
            kind if kind == PLAIN_RELU => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = PLAIN_RELU;
                $body
            }
            kind if kind == RELU6 => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = RELU6;
                $body
            }
            Kind::Sigmoid => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = Kind::Sigmoid;
                $body
            }
            Kind::Tanh => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = Kind::Tanh;
                $body
            }
            Kind::Silu => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = Kind::Silu;
                $body
            }
            Kind::Gelu { approximate: false } => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = Kind::Gelu { approximate: false };
                $body
            }
            Kind::Gelu { approximate: true } => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = Kind::Gelu { approximate: true };
                $body
            }
            Kind::Exponential => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = Kind::Exponential;
                $body
            }
            Kind::Softplus => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = Kind::Softplus;
                $body
            }
            Kind::Selu => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = Kind::Selu;
                $body
            }
            Kind::Softsign => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = Kind::Softsign;
                $body
            }
            Kind::HardSigmoid => {
                #[allow(non_upper_case_globals)]
                const $k: Kind = Kind::HardSigmoid;
                $body
            }
            kind => {
                let $k = kind;
                $body
            }
        }
    };
}

impl Kind {
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        match self {
            Kind::Relu {
                negative_slope,
                max_value,
                threshold,
            } => {
                // `+ 0.0` turns the -0.0 of `0 * negative` into 0.0, as Keras
                // returns it (and leaves every other value as it is).
                let y = if x >= threshold {
                    x
                } else {
                    negative_slope * (x - threshold) + 0.0
                };
                match max_value {
                    Some(m) if y > m => m,
                    _ => y,
                }
            }
            Kind::Sigmoid => sigmoid(x),
            Kind::Tanh => fastmath::tanh(x),
            Kind::Elu { alpha } => {
                if x > 0.0 {
                    x
                } else {
                    alpha * x.exp_m1()
                }
            }
            Kind::Selu => SELU_SCALE * if x > 0.0 { x } else { SELU_ALPHA * x.exp_m1() },
            Kind::Gelu { approximate: false } => x * fastmath::normal_cdf(x),
            Kind::Gelu { approximate: true } => {
                0.5 * x * (1.0 + fastmath::tanh(SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x)))
            }
            Kind::Silu => x * sigmoid(x),
            Kind::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
            Kind::Softsign => x / (1.0 + x.abs()),
            Kind::LeakyRelu { negative_slope } => {
                if x >= 0.0 {
                    x
                } else {
                    negative_slope * x
                }
            }
            Kind::HardSigmoid => ((x + 3.0) / 6.0).clamp(0.0, 1.0),
            Kind::Exponential => fastmath::exp(x),
            Kind::Linear => x,
        }
    }

    /// dy/dx at input `x` with output `y`.
    #[inline(always)]
    fn derivative(self, x: f32, y: f32) -> f32 {
        match self {
            Kind::Relu {
                negative_slope,
                max_value,
                threshold,
            } => {
                if let Some(m) = max_value {
                    if y >= m && x >= threshold {
                        return 0.0;
                    }
                }
                // At the kink itself JAX, TensorFlow and PyTorch give relu
                // (no slope) a zero derivative; a fused Dense, which keeps
                // only the output, must agree: y > 0 exactly when x > 0.
                if x > threshold || (x == threshold && negative_slope != 0.0) {
                    1.0
                } else {
                    negative_slope
                }
            }
            Kind::Sigmoid => y * (1.0 - y),
            Kind::Tanh => 1.0 - y * y,
            Kind::Elu { alpha } => {
                if x > 0.0 {
                    1.0
                } else {
                    alpha * fastmath::exp(x)
                }
            }
            Kind::Selu => {
                if x > 0.0 {
                    SELU_SCALE
                } else {
                    SELU_SCALE * SELU_ALPHA * fastmath::exp(x)
                }
            }
            Kind::Gelu { approximate: false } => {
                fastmath::normal_cdf(x) + x * INV_SQRT_2PI * fastmath::exp(-0.5 * x * x)
            }
            Kind::Gelu { approximate: true } => {
                let inner = SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x);
                let t = fastmath::tanh(inner);
                0.5 * (1.0 + t)
                    + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044_715 * x * x)
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
            Kind::LeakyRelu { negative_slope } => {
                if x >= 0.0 {
                    1.0
                } else {
                    negative_slope
                }
            }
            Kind::HardSigmoid => {
                if x > -3.0 && x < 3.0 {
                    1.0 / 6.0
                } else {
                    0.0
                }
            }
            Kind::Exponential => y,
            Kind::Linear => 1.0,
        }
    }
}

// Declared after `with_kind!`, which it uses.
#[path = "output_activation.rs"]
mod output_activation;
pub use output_activation::OutputActivation;

impl Activation {
    /// This activation as a fusable epilogue.
    pub fn as_output_activation(&self) -> OutputActivation {
        OutputActivation {
            name: self.name,
            kind: self.kind,
        }
    }
}

impl Primitive for Activation {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::same_float(self.name, inputs)
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn fusion(&self) -> Fusion {
        Fusion::Activation(self.as_output_activation())
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity(self.name, inputs, 1)?;
        if let (ValueView::F64(x), true) = (&inputs[0], f64_rules::supports(self.kind)) {
            return Ok(Value::F64(f64_rules::forward(self.kind, self.exact, x.view())));
        }
        let x = inputs[0].f32(self.name)?;
        Ok(Value::F32(match self.kind {
            Kind::Linear => x.to_owned(),
            kind => with_kind!(kind, |k| map(x, #[inline(always)] move |v| k.apply(v))),
        }))
    }

    fn float64(&self) -> Float64 {
        if f64_rules::supports(self.kind) {
            Float64::Computed
        } else {
            Float64::Narrowed
        }
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        expect_arity(self.name, inputs, 1)?;
        let x = inputs[0].f64(self.name)?;
        f64_rules::backward(self.kind, self.exact, x, output, grad, self.name)
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
    ) -> Result<InputGrads> {
        self.backward_owned(inputs, output, grad.to_owned(), ctx, &[true])
    }

    fn backward_owned(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayD<f32>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads> {
        expect_arity(self.name, inputs, 1)?;
        let x = inputs[0].f32(self.name)?;
        // The derivative is applied in the gradient's own buffer.
        let g = with_kind!(self.kind, |k| update3(
            grad,
            x.view(),
            output.view(),
            move |g, x, y| g * k.derivative(x, y)
        ))
        .ok_or_else(|| {
            crate::error::Error::shape(
                self.name,
                "a gradient shaped like the output",
                "another shape",
            )
        })?;
        Ok(vec![Some(g)])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "relu",
        doc: "max(x, 0), with an optional negative slope, cap and threshold",
        inputs: &["x"],
        attrs: &[("negative_slope", Lit::Float(0.0)), ("max_value", Lit::None), ("threshold", Lit::Float(0.0))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        example: (&[], &[Sample::F32(&[3, 4])]),
    },
    OpInfo::plain(
        "sigmoid",
        "1 / (1 + exp(-x))",
        &["x"],
        true,
        |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "tanh",
        "hyperbolic tangent",
        &["x"],
        true,
        |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo {
        name: "elu",
        doc: "x if x > 0 else alpha * (exp(x) - 1)",
        inputs: &["x"],
        attrs: &[("alpha", Lit::Float(1.0))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        example: (&[], &[Sample::F32(&[3, 4])]),
    },
    OpInfo::plain(
        "selu",
        "scaled exponential linear unit",
        &["x"],
        true,
        |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo {
        name: "gelu",
        doc: "Gaussian error linear unit (exact, or the tanh approximation)",
        inputs: &["x"],
        attrs: &[("approximate", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        example: (&[], &[Sample::F32(&[3, 4])]),
    },
    OpInfo::plain(
        "silu",
        "x * sigmoid(x)",
        &["x"],
        true,
        |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "swish",
        "x * sigmoid(x) (silu)",
        &["x"],
        true,
        |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "softplus",
        "log(1 + exp(x))",
        &["x"],
        true,
        |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "softsign",
        "x / (1 + |x|)",
        &["x"],
        true,
        |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo {
        name: "leaky_relu",
        doc: "x if x > 0 else negative_slope * x",
        inputs: &["x"],
        attrs: &[("negative_slope", Lit::Float(0.2))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        example: (&[], &[Sample::F32(&[3, 4])]),
    },
    OpInfo::plain(
        "hard_sigmoid",
        "relu6(x + 3) / 6",
        &["x"],
        true,
        |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "exponential",
        "exp(x)",
        &["x"],
        true,
        |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "linear",
        "x",
        &["x"],
        true,
        |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo {
        name: "softmax",
        doc: "exp(x) / sum(exp(x)) along an axis",
        inputs: &["x"],
        attrs: &[("axis", Lit::Int(-1))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        example: (&[("axis", Lit::Int(1))], &[Sample::F32(&[3, 4, 2])]),
    },
    OpInfo {
        name: "log_softmax",
        doc: "log(softmax(x)) along an axis",
        inputs: &["x"],
        attrs: &[("axis", Lit::Int(-1))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| build(n, a)?.ok_or_else(|| crate::Error::argument(n, "not an activation")),
        example: (&[("axis", Lit::Int(1))], &[Sample::F32(&[3, 4, 2])]),
    },
];
