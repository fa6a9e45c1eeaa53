//! add, sub, mul, div, maximum, minimum with numpy broadcasting.

use super::registry::{OpInfo, Sample};
use std::sync::Arc;
use super::broadcast::{broadcast_shape, reduce_owned, reduce_to_shape};
use super::spec::{self, broadcast_dims, DType, TensorSpec};
use super::{Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{Error, Result};
use crate::kernels::real::Real;
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

fn apply<F: Real>(
    op: &'static str,
    a: ArrayViewD<F>,
    b: ArrayViewD<F>,
    f: impl Fn(F, F) -> F + Sync + Send,
) -> Result<ArrayD<F>> {
    let shape = broadcast_shape(op, a.shape(), b.shape())?;
    F::zip2(a, b, &shape, f).ok_or_else(|| {
        Error::shape(
            op,
            "broadcastable operands",
            "operands that do not broadcast",
        )
    })
}

/// `max` that propagates NaN as numpy does (`f32::max` would drop it).
fn nan_max<F: Real>(x: F, y: F) -> F {
    if x.is_nan() || y.is_nan() {
        F::nan()
    } else {
        x.max(y)
    }
}

/// `min` that propagates NaN as numpy does.
fn nan_min<F: Real>(x: F, y: F) -> F {
    if x.is_nan() || y.is_nan() {
        F::nan()
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
        if inputs.iter().any(ValueView::is_f64) {
            return self.forward_in::<f64>(inputs).map(Value::F64);
        }
        self.forward_in::<f32>(inputs).map(Value::F32)
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
        self.backward_in(inputs, grad)
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        self.backward_in(inputs, grad)
    }
}

impl Binary {
    /// The forward kernel in `F` (float32: the vectorized kernels).
    fn forward_in<F: Real>(&self, inputs: &[ValueView]) -> Result<ArrayD<F>> {
        let op = self.name();
        expect_arity(op, inputs, 2)?;
        let (a, b) = (inputs[0].float::<F>(op)?, inputs[1].float::<F>(op)?);
        match self.kind {
            Kind::Add => apply(op, a, b, |x, y| x + y),
            Kind::Sub => apply(op, a, b, |x, y| x - y),
            Kind::Mul => apply(op, a, b, |x, y| x * y),
            Kind::Div => apply(op, a, b, |x, y| x / y),
            Kind::Maximum => apply(op, a, b, nan_max),
            Kind::Minimum => apply(op, a, b, nan_min),
            Kind::Pow => apply(op, a, b, F::powf),
        }
    }

    /// The backward rule in `F` (float32 or float64).
    fn backward_in<F: Real>(
        &self,
        inputs: &[ValueView],
        grad: ArrayViewD<F>,
    ) -> Result<Vec<Option<ArrayD<F>>>> {
        let op = self.name();
        expect_arity(op, inputs, 2)?;
        let (a, b) = (inputs[0].float::<F>(op)?, inputs[1].float::<F>(op)?);
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
                    if y == F::zero() {
                        F::zero()
                    } else {
                        y * x.powf(y - F::one())
                    }
                })?;
                let gy = apply(op, a.view(), b.view(), |x, y| {
                    if x > F::zero() {
                        x.powf(y) * x.ln()
                    } else {
                        F::zero()
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
                let max = self.kind == Kind::Maximum;
                let pick_a = move |x: F, y: F| {
                    if (max && x > y) || (!max && x < y) {
                        F::one()
                    } else if x == y {
                        F::of(0.5)
                    } else {
                        F::zero()
                    }
                };
                let share = apply(op, a.view(), b.view(), pick_a)?;
                let ga = apply(op, grad.view(), share.view(), |g, s| g * s)?;
                let gb = apply(op, grad.view(), share.view(), |g, s| g * (F::one() - s))?;
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
