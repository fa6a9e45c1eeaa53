//! Elementwise math the losses, metrics and normalizations are built from:
//! sqrt, square, log, abs, neg, and clip to a range.

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
                    _ => return Err(Error::argument(name, "not a unary math op")),
                }
            }
        };
        Ok(Self { name, kind })
    }
}

impl Kind {
    fn apply(self, x: f32) -> f32 {
        match self {
            Kind::Sqrt => x.sqrt(),
            Kind::Square => x * x,
            Kind::Log => x.ln(),
            Kind::Abs => x.abs(),
            Kind::Neg => -x,
            Kind::Clip { min, max } => x.clamp(min, max),
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
        let kind = self.kind;
        Ok(Value::F32(map(inputs[0].f32(self.name)?, move |x| {
            kind.apply(x)
        })))
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
    OpInfo {
        name: "sqrt",
        doc: "square root",
        inputs: &["x"],
        attrs: &[],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        example: (&[], &[Sample::Positive(&[3, 4])]),
    },
    OpInfo {
        name: "square",
        doc: "x * x",
        inputs: &["x"],
        attrs: &[],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        example: (&[], &[Sample::F32(&[3, 4])]),
    },
    OpInfo {
        name: "log",
        doc: "natural logarithm",
        inputs: &["x"],
        attrs: &[],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        example: (&[], &[Sample::Positive(&[3, 4])]),
    },
    OpInfo {
        name: "abs",
        doc: "absolute value",
        inputs: &["x"],
        attrs: &[],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        example: (&[], &[Sample::F32(&[3, 4])]),
    },
    OpInfo {
        name: "neg",
        doc: "-x",
        inputs: &["x"],
        attrs: &[],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Unary::new(n, a)?)),
        example: (&[], &[Sample::F32(&[3, 4])]),
    },
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
];
