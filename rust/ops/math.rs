//! Elementwise math the losses, metrics and normalizations are built from:
//! sqrt, square, log, abs, neg, clip to a range, exp and logarithms,
//! trigonometric and hyperbolic functions, and rounding (no gradient).

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, TensorSpec};
use super::{Attrs, Context, InputGrads, Primitive};
use crate::error::{Error, Result};
use crate::kernels::elementwise::{map, zip3};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::ArrayViewD;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Sqrt,
    Square,
    Log,
    Abs,
    Neg,
    Clip { min: f32, max: f32 },
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
                let min = attrs.float(name, "min", f64::NEG_INFINITY)? as f32;
                let max = attrs.float(name, "max", f64::INFINITY)? as f32;
                if min > max {
                    return Err(Error::argument(
                        name,
                        format!("min must not exceed max. Received: min={min}, max={max}"),
                    ));
                }
                ("clip", Kind::Clip { min, max })
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
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        match self {
            Kind::Sqrt => x.sqrt(),
            Kind::Square => x * x,
            Kind::Log => x.ln(),
            Kind::Abs => x.abs(),
            Kind::Neg => -x,
            Kind::Clip { min, max } => x.clamp(min, max),
            Kind::Exp => crate::kernels::fastmath::exp(x),
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
            Kind::Reciprocal => 1.0 / x,
            Kind::Rsqrt => 1.0 / x.sqrt(),
            Kind::Floor => x.floor(),
            Kind::Ceil => x.ceil(),
            Kind::Round => x.round_ties_even(),
            Kind::Sign => if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else { x },
        }
    }

    fn derivative(self, x: f32, y: f32) -> f32 {
        match self {
            Kind::Sqrt => 0.5 / y,
            Kind::Square => 2.0 * x,
            Kind::Log => 1.0 / x,
            Kind::Abs => {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }
            Kind::Neg => -1.0,
            // Gradient flows where the value was inside the range (as TF/JAX clip).
            Kind::Clip { min, max } => {
                if x >= min && x <= max {
                    1.0
                } else {
                    0.0
                }
            }
            Kind::Exp => y,
            Kind::Expm1 => y + 1.0,
            Kind::Log1p => 1.0 / (1.0 + x),
            Kind::Log2 => 1.0 / (x * std::f32::consts::LN_2),
            Kind::Log10 => 1.0 / (x * std::f32::consts::LN_10),
            Kind::Sin => x.cos(),
            Kind::Cos => -x.sin(),
            Kind::Tan => 1.0 + y * y,
            Kind::Sinh => x.cosh(),
            Kind::Cosh => x.sinh(),
            Kind::Arcsin => 1.0 / (1.0 - x * x).sqrt(),
            Kind::Arccos => -1.0 / (1.0 - x * x).sqrt(),
            Kind::Arctan => 1.0 / (1.0 + x * x),
            Kind::Arcsinh => 1.0 / (x * x + 1.0).sqrt(),
            Kind::Reciprocal => -y * y,
            Kind::Rsqrt => -0.5 * y * y * y,
            Kind::Floor => 0.0,
            Kind::Ceil => 0.0,
            Kind::Round => 0.0,
            Kind::Sign => 0.0,
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

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity(self.name, inputs, 1)?;
        let kind = self.kind;
        if matches!(kind, Kind::Floor | Kind::Ceil | Kind::Round | Kind::Sign) {
            // Piecewise constant: no gradient flows (zero almost everywhere).
            return Ok(vec![None]);
        }
        let g = zip3(inputs[0].f32(self.name)?, output, grad, move |x, y, g| {
            g * kind.derivative(x, y)
        })
        .ok_or_else(|| {
            Error::shape(
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
