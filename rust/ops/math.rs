//! Elementwise math the losses, metrics and normalizations are built from:
//! sqrt, square, log, abs, neg, clip to a range, exp and logarithms,
//! trigonometric and hyperbolic functions, and rounding (no gradient).

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{Error, Result};
use crate::kernels::elementwise::map;
use crate::kernels::real::{grad_shape_error, Real};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Sqrt,
    Square,
    Log,
    Abs,
    Neg,
    /// The bounds in float32 (the float32 loop's) and as given.
    Clip { min: f32, max: f32, min64: f64, max64: f64 },
    Exp,
    Expm1,
    Log1p,
    Log2,
    Log10,
    Sin,
    Cos,
    Tan,
    Sinh,
    Cosh,
    Arcsin,
    Arccos,
    Arctan,
    Arcsinh,
    Reciprocal,
    Rsqrt,
    Floor,
    Ceil,
    Round,
    Sign,
}

#[derive(Debug)]
pub struct Unary {
    name: &'static str,
    kind: Kind,
}

impl Unary {
    pub fn new(name: &str, attrs: &Attrs) -> Result<Self> {
        let (name, kind) = match name {
            "clip" => {
                let min64 = attrs.float(name, "min", f64::NEG_INFINITY)?;
                let max64 = attrs.float(name, "max", f64::INFINITY)?;
                let (min, max) = (min64 as f32, max64 as f32);
                if min > max {
                    return Err(Error::argument(
                        name,
                        format!("min must not exceed max. Received: min={min}, max={max}"),
                    ));
                }
                (
                    "clip",
                    Kind::Clip {
                        min,
                        max,
                        min64,
                        max64,
                    },
                )
            }
            _ => {
                match name {
                    "sqrt" => ("sqrt", Kind::Sqrt),
                    "square" => ("square", Kind::Square),
                    "log" => ("log", Kind::Log),
                    "abs" => ("abs", Kind::Abs),
                    "neg" => ("neg", Kind::Neg),
                    "exp" => ("exp", Kind::Exp),
                    "expm1" => ("expm1", Kind::Expm1),
                    "log1p" => ("log1p", Kind::Log1p),
                    "log2" => ("log2", Kind::Log2),
                    "log10" => ("log10", Kind::Log10),
                    "sin" => ("sin", Kind::Sin),
                    "cos" => ("cos", Kind::Cos),
                    "tan" => ("tan", Kind::Tan),
                    "sinh" => ("sinh", Kind::Sinh),
                    "cosh" => ("cosh", Kind::Cosh),
                    "arcsin" => ("arcsin", Kind::Arcsin),
                    "arccos" => ("arccos", Kind::Arccos),
                    "arctan" => ("arctan", Kind::Arctan),
                    "arcsinh" => ("arcsinh", Kind::Arcsinh),
                    "reciprocal" => ("reciprocal", Kind::Reciprocal),
                    "rsqrt" => ("rsqrt", Kind::Rsqrt),
                    "floor" => ("floor", Kind::Floor),
                    "ceil" => ("ceil", Kind::Ceil),
                    "round" => ("round", Kind::Round),
                    "sign" => ("sign", Kind::Sign),
                    _ => return Err(Error::argument(name, "not a unary math op")),
                }
            }
        };
        Ok(Self { name, kind })
    }
}

impl Kind {
    /// The float32 loop's function: `eval`, with the fast vectorized `exp`.
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        match self {
            Kind::Exp => crate::kernels::fastmath::exp(x),
            Kind::Clip { min, max, .. } => x.clamp(min, max),
            kind => kind.eval(x),
        }
    }

    #[inline(always)]
    fn eval<F: Real>(self, x: F) -> F {
        let (zero, one) = (F::zero(), F::one());
        match self {
            Kind::Sqrt => x.sqrt(),
            Kind::Square => x * x,
            Kind::Log => x.ln(),
            Kind::Abs => x.abs(),
            Kind::Neg => -x,
            // NaN stays NaN, as numpy's clip.
            Kind::Clip { min64, max64, .. } => {
                let (lo, hi) = (F::of(min64), F::of(max64));
                if x < lo {
                    lo
                } else if x > hi {
                    hi
                } else {
                    x
                }
            }
            Kind::Exp => x.exp(),
            Kind::Expm1 => x.exp_m1(),
            Kind::Log1p => x.ln_1p(),
            Kind::Log2 => x.log2(),
            Kind::Log10 => x.log10(),
            Kind::Sin => x.sin(),
            Kind::Cos => x.cos(),
            Kind::Tan => x.tan(),
            Kind::Sinh => x.sinh(),
            Kind::Cosh => x.cosh(),
            Kind::Arcsin => x.asin(),
            Kind::Arccos => x.acos(),
            Kind::Arctan => x.atan(),
            Kind::Arcsinh => x.asinh(),
            Kind::Reciprocal => one / x,
            Kind::Rsqrt => one / x.sqrt(),
            Kind::Floor => x.floor(),
            Kind::Ceil => x.ceil(),
            Kind::Round => x.round_even(),
            Kind::Sign => {
                if x > zero {
                    one
                } else if x < zero {
                    -one
                } else {
                    x
                }
            }
        }
    }

    fn derivative<F: Real>(self, x: F, y: F) -> F {
        let (zero, one, half, two) = (F::zero(), F::one(), F::of(0.5), F::of(2.0));
        match self {
            Kind::Sqrt => half / y,
            Kind::Square => two * x,
            Kind::Log => one / x,
            Kind::Abs => {
                if x > zero {
                    one
                } else if x < zero {
                    -one
                } else {
                    zero
                }
            }
            Kind::Neg => -one,
            // Gradient flows where the value was inside the range (as TF/JAX clip).
            Kind::Clip { min64, max64, .. } => {
                if x >= F::of(min64) && x <= F::of(max64) {
                    one
                } else {
                    zero
                }
            }
            Kind::Exp => y,
            Kind::Expm1 => y + one,
            Kind::Log1p => one / (one + x),
            Kind::Log2 => one / (x * F::LN_2),
            Kind::Log10 => one / (x * F::LN_10),
            Kind::Sin => x.cos(),
            Kind::Cos => -x.sin(),
            Kind::Tan => one + y * y,
            Kind::Sinh => x.cosh(),
            Kind::Cosh => x.sinh(),
            Kind::Arcsin => one / (one - x * x).sqrt(),
            Kind::Arccos => -one / (one - x * x).sqrt(),
            Kind::Arctan => one / (one + x * x),
            Kind::Arcsinh => one / (x * x + one).sqrt(),
            Kind::Reciprocal => -y * y,
            Kind::Rsqrt => -half * y * y * y,
            Kind::Floor => zero,
            Kind::Ceil => zero,
            Kind::Round => zero,
            Kind::Sign => zero,
        }
    }
}

impl Primitive for Unary {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::same_float(self.name, inputs)
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity(self.name, inputs, 1)?;
        if let ValueView::F64(x) = &inputs[0] {
            let kind = self.kind;
            return Ok(Value::F64(f64::map(x.view(), move |v| kind.eval(v))));
        }
        let x = inputs[0].f32(self.name)?;
        // The common kinds get loops of their own (a constant kind, so the
        // closure is a small function that inlines and vectorizes); a closure
        // over a runtime kind matched it per element, out of line.
        macro_rules! own_loops {
            ($($kind:ident),*) => {
                match self.kind {
                    $(Kind::$kind => map(x, #[inline(always)] |v| Kind::$kind.apply(v)),)*
                    kind => map(x, move |v| kind.apply(v)),
                }
            };
        }
        Ok(Value::F32(own_loops!(
            Sqrt, Square, Abs, Neg, Exp, Reciprocal, Rsqrt, Floor, Ceil, Round, Sign
        )))
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
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
}

impl Unary {
    /// The backward rule in `F` (float32: the vectorized `zip3`).
    fn backward_in<F: Real>(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<F>,
        grad: ArrayViewD<F>,
    ) -> Result<Vec<Option<ArrayD<F>>>> {
        expect_arity(self.name, inputs, 1)?;
        let kind = self.kind;
        if matches!(kind, Kind::Floor | Kind::Ceil | Kind::Round | Kind::Sign) {
            // Piecewise constant: no gradient flows (zero almost everywhere).
            return Ok(vec![None]);
        }
        let g = F::zip3(inputs[0].float::<F>(self.name)?, output, grad, move |x, y, g| {
            g * kind.derivative(x, y)
        })
        .ok_or_else(|| grad_shape_error(self.name))?;
        Ok(vec![Some(g)])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo::plain(
        "sqrt",
        "square root",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::Positive(&[3, 4])],
    ),
    OpInfo::plain(
        "square",
        "x * x",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "log",
        "natural logarithm",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::Positive(&[3, 4])],
    ),
    OpInfo::plain(
        "abs",
        "absolute value",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "neg",
        "-x",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo {
        name: "clip",
        doc: "x limited to [min, max]",
        inputs: &["x"],
        attrs: &[("min", Lit::None), ("max", Lit::None)],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        example: (&[("min", Lit::Float(-0.5)), ("max", Lit::Float(0.5))], &[Sample::F32(&[3, 4])]),
    },
    OpInfo::plain(
        "exp",
        "e to the power x",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "expm1",
        "exp(x) - 1, accurate near 0",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "log1p",
        "log(1 + x), accurate near 0",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::Positive(&[3, 4])],
    ),
    OpInfo::plain(
        "log2",
        "base-2 logarithm",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::Positive(&[3, 4])],
    ),
    OpInfo::plain(
        "log10",
        "base-10 logarithm",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::Positive(&[3, 4])],
    ),
    OpInfo::plain(
        "sin",
        "sine",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "cos",
        "cosine",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "tan",
        "tangent",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "sinh",
        "hyperbolic sine",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "cosh",
        "hyperbolic cosine",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "arcsin",
        "inverse sine",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "arccos",
        "inverse cosine",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "arctan",
        "inverse tangent",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "arcsinh",
        "inverse hyperbolic sine",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "reciprocal",
        "1 / x",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::Positive(&[3, 4])],
    ),
    OpInfo::plain(
        "rsqrt",
        "1 / sqrt(x)",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::Positive(&[3, 4])],
    ),
    OpInfo::plain(
        "floor",
        "largest integer <= x (no gradient)",
        &["x"],
        false,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "ceil",
        "smallest integer >= x (no gradient)",
        &["x"],
        false,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "round",
        "nearest integer, ties to even as numpy (no gradient)",
        &["x"],
        false,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "sign",
        "-1, 0 or 1 by the sign of x (no gradient)",
        &["x"],
        false,
        |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
];
