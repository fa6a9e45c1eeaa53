//! add, sub, mul, div, maximum, minimum with numpy broadcasting.

use super::registry::{OpInfo, Sample};
use std::sync::Arc;
use super::broadcast::{broadcast_shape, reduce_owned, reduce_to_shape};
use super::spec::{self, broadcast_dims, DType, TensorSpec};
use super::{Context, InputGrads, Primitive};
use crate::error::{Error, Result};
use crate::kernels::elementwise::zip2;
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Add,
    Sub,
    Mul,
    Div,
    Maximum,
    Minimum,
    Pow,
}

#[derive(Debug)]
pub struct Binary {
    kind: Kind,
}

impl Binary {
    pub fn new(name: &str) -> Result<Self> {
        let kind = match name {
            "add" => Kind::Add,
            "sub" => Kind::Sub,
            "mul" => Kind::Mul,
            "div" => Kind::Div,
            "maximum" => Kind::Maximum,
            "minimum" => Kind::Minimum,
            "pow" => Kind::Pow,
            _ => return Err(Error::argument(name, "not a binary op")),
        };
        Ok(Self { kind })
    }
}

fn apply(
    op: &'static str,
    a: ArrayViewD<f32>,
    b: ArrayViewD<f32>,
    f: impl Fn(f32, f32) -> f32 + Sync + Send,
) -> Result<ArrayD<f32>> {
    let shape = broadcast_shape(op, a.shape(), b.shape())?;
    zip2(a, b, &shape, f).ok_or_else(|| {
        Error::shape(
            op,
            "broadcastable operands",
            "operands that do not broadcast",
        )
    })
}

/// `max` that propagates NaN as numpy does (`f32::max` would drop it).
fn nan_max(x: f32, y: f32) -> f32 {
    if x.is_nan() || y.is_nan() {
        f32::NAN
    } else {
        x.max(y)
    }
}

/// `min` that propagates NaN as numpy does.
fn nan_min(x: f32, y: f32) -> f32 {
    if x.is_nan() || y.is_nan() {
        f32::NAN
    } else {
        x.min(y)
    }
}

impl Primitive for Binary {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = self.name();
        spec::expect_arity(op, inputs, 2)?;
        for x in inputs {
            x.expect_dtype(op, "operands", DType::F32)?;
        }
        let shape = broadcast_dims(op, &inputs[0].shape, &inputs[1].shape)?;
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Add => "add",
            Kind::Sub => "sub",
            Kind::Mul => "mul",
            Kind::Div => "div",
            Kind::Maximum => "maximum",
            Kind::Minimum => "minimum",
            Kind::Pow => "pow",
        }
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = self.name();
        expect_arity(op, inputs, 2)?;
        let (a, b) = (inputs[0].f32(op)?, inputs[1].f32(op)?);
        let out = match self.kind {
            Kind::Add => apply(op, a, b, |x, y| x + y)?,
            Kind::Sub => apply(op, a, b, |x, y| x - y)?,
            Kind::Mul => apply(op, a, b, |x, y| x * y)?,
            Kind::Div => apply(op, a, b, |x, y| x / y)?,
            Kind::Maximum => apply(op, a, b, nan_max)?,
            Kind::Minimum => apply(op, a, b, nan_min)?,
            Kind::Pow => apply(op, a, b, f32::powf)?,
        };
        Ok(Value::F32(out))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let op = self.name();
        expect_arity(op, inputs, 2)?;
        let (a, b) = (inputs[0].f32(op)?, inputs[1].f32(op)?);
        let (ga, gb) = match self.kind {
            Kind::Add => {
                return Ok(vec![
                    Some(reduce_to_shape(op, grad.view(), a.shape())?),
                    Some(reduce_to_shape(op, grad, b.shape())?),
                ])
            }
            Kind::Sub => {
                return Ok(vec![
                    Some(reduce_to_shape(op, grad.view(), a.shape())?),
                    Some(reduce_owned(op, grad.mapv(|g| -g), b.shape())?),
                ])
            }
            Kind::Mul => (
                apply(op, grad.view(), b.view(), |g, y| g * y)?,
                apply(op, grad.view(), a.view(), |g, x| g * x)?,
            ),
            Kind::Div => {
                let ga = apply(op, grad.view(), b.view(), |g, y| g / y)?;
                // d(a/b)/db = -a / b^2, computed as -(g * a / b) / b to stay in range.
                let gab = apply(op, grad.view(), a.view(), |g, x| g * x)?;
                let gb = apply(op, gab.view(), b.view(), |ga, y| -ga / (y * y))?;
                (ga, gb)
            }
            Kind::Pow => {
                // d(x^y)/dx = y x^(y-1); d(x^y)/dy = x^y ln x, taken as 0
                // where x <= 0 (as JAX's where the log is undefined).
                let gx = apply(op, a.view(), b.view(), |x, y| {
                    if y == 0.0 {
                        0.0
                    } else {
                        y * x.powf(y - 1.0)
                    }
                })?;
                let gy = apply(op, a.view(), b.view(), |x, y| {
                    if x > 0.0 {
                        x.powf(y) * x.ln()
                    } else {
                        0.0
                    }
                })?;
                (
                    apply(op, grad.view(), gx.view(), |g, d| g * d)?,
                    apply(op, grad.view(), gy.view(), |g, d| g * d)?,
                )
            }
            Kind::Maximum | Kind::Minimum => {
                // The gradient goes to the selected operand; ties split it
                // evenly, the convention that keeps the rule symmetric.
                let pick_a = if self.kind == Kind::Maximum {
                    |x: f32, y: f32| {
                        if x > y {
                            1.0
                        } else if x == y {
                            0.5
                        } else {
                            0.0
                        }
                    }
                } else {
                    |x: f32, y: f32| {
                        if x < y {
                            1.0
                        } else if x == y {
                            0.5
                        } else {
                            0.0
                        }
                    }
                };
                let share = apply(op, a.view(), b.view(), pick_a)?;
                let ga = apply(op, grad.view(), share.view(), |g, s| g * s)?;
                let gb = apply(op, grad.view(), share.view(), |g, s| g * (1.0 - s))?;
                (ga, gb)
            }
        };
        Ok(vec![
            Some(reduce_owned(op, ga, a.shape())?),
            Some(reduce_owned(op, gb, b.shape())?),
        ])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo::plain(
        "add",
        "x1 + x2, broadcasting",
        &["x1", "x2"],
        true,
        |n, _| Ok(Arc::new(Binary::new(n)?)),
        &[Sample::F32(&[3, 4]), Sample::F32(&[4])],
    ),
    OpInfo::plain(
        "sub",
        "x1 - x2, broadcasting",
        &["x1", "x2"],
        true,
        |n, _| Ok(Arc::new(Binary::new(n)?)),
        &[Sample::F32(&[3, 4]), Sample::F32(&[4])],
    ),
    OpInfo::plain(
        "mul",
        "x1 * x2, broadcasting",
        &["x1", "x2"],
        true,
        |n, _| Ok(Arc::new(Binary::new(n)?)),
        &[Sample::F32(&[3, 4]), Sample::F32(&[4])],
    ),
    OpInfo::plain(
        "div",
        "x1 / x2, broadcasting",
        &["x1", "x2"],
        true,
        |n, _| Ok(Arc::new(Binary::new(n)?)),
        &[Sample::F32(&[3, 4]), Sample::Positive(&[3, 1])],
    ),
    OpInfo::plain(
        "maximum",
        "elementwise maximum (NaN propagates), broadcasting",
        &["x1", "x2"],
        true,
        |n, _| Ok(Arc::new(Binary::new(n)?)),
        &[Sample::F32(&[3, 4]), Sample::F32(&[4])],
    ),
    OpInfo::plain(
        "minimum",
        "elementwise minimum (NaN propagates), broadcasting",
        &["x1", "x2"],
        true,
        |n, _| Ok(Arc::new(Binary::new(n)?)),
        &[Sample::F32(&[3, 4]), Sample::F32(&[4])],
    ),
    OpInfo::plain(
        "pow",
        "x1 to the power x2, broadcasting",
        &["x1", "x2"],
        true,
        |n, _| Ok(Arc::new(Binary::new(n)?)),
        &[Sample::Positive(&[3, 4]), Sample::F32(&[4])],
    ),
];
