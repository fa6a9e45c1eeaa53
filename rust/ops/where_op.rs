//! `where(condition, x, y)`: x where the condition is nonzero, else y, with
//! numpy broadcasting over all three. The gradient goes to the operand that
//! was picked; the condition gets none.

use super::broadcast::{broadcast_shape, reduce_owned};
use super::registry::{OpInfo, Sample};
use super::spec::{self, broadcast_dims, DType, TensorSpec};
use super::{Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{Error, Result};
use crate::kernels::elementwise::zip_broadcast;
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};
use std::sync::Arc;

#[derive(Debug)]
pub struct Where;

const OP: &str = "where";

impl Where {
    pub fn new() -> Result<Self> {
        Ok(Where)
    }
}

fn out_shape(inputs: &[ValueView]) -> Result<Vec<usize>> {
    let s = broadcast_shape(OP, inputs[0].shape(), inputs[1].shape())?;
    broadcast_shape(OP, &s, inputs[2].shape())
}

/// `body` of the condition as float32 (a float one as it is; nonzero picks x).
fn with_condition<R>(c: &ValueView, body: impl FnOnce(&ArrayViewD<f32>) -> R) -> R {
    match c {
        ValueView::F32(a) => body(a),
        ValueView::F64(a) => body(&a.mapv(|v| if v != 0.0 { 1.0f32 } else { 0.0 }).view()),
        ValueView::I64(a) => body(&a.mapv(|v| if v != 0 { 1.0f32 } else { 0.0 }).view()),
    }
}

/// The 0/1 mask of a condition value.
fn picks(c: f32) -> f32 {
    if c != 0.0 {
        1.0
    } else {
        0.0
    }
}

/// The condition as float64 (nonzero picks x).
fn mask_f64(c: &ValueView) -> ArrayD<f64> {
    match c {
        ValueView::F64(a) => a.to_owned(),
        ValueView::F32(a) => a.mapv(f64::from),
        ValueView::I64(a) => a.mapv(|v| if v != 0 { 1.0 } else { 0.0 }),
    }
}

fn broadcast<'a>(a: &'a ArrayViewD<f64>, shape: &[usize]) -> Result<ArrayViewD<'a, f64>> {
    a.broadcast(IxDyn(shape)).ok_or_else(not_broadcast)
}

fn not_broadcast() -> Error {
    Error::shape(OP, "operands that broadcast", "ones that do not")
}

impl Primitive for Where {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity(OP, inputs, 3)?;
        inputs[1].expect_dtype(OP, "x", DType::F32)?;
        inputs[2].expect_dtype(OP, "y", DType::F32)?;
        let s = broadcast_dims(OP, &inputs[0].shape, &inputs[1].shape)?;
        let shape = broadcast_dims(OP, &s, &inputs[2].shape)?;
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        OP
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity(OP, inputs, 3)?;
        let shape = out_shape(inputs)?;
        if inputs[1].is_f64() || inputs[2].is_f64() {
            let (mask, x, y) = (mask_f64(&inputs[0]), inputs[1].f64(OP)?, inputs[2].f64(OP)?);
            let mask = mask.view();
            let (c, x, y) = (broadcast(&mask, &shape)?, broadcast(&x, &shape)?, broadcast(&y, &shape)?);
            let out = Zip::from(&c)
                .and(&x)
                .and(&y)
                .map_collect(|&c, &a, &b| if c != 0.0 { a } else { b });
            return Ok(Value::F64(out));
        }
        let (x, y) = (inputs[1].f32(OP)?, inputs[2].f32(OP)?);
        let out = with_condition(&inputs[0], |c| {
            zip_broadcast([c.view(), x.view(), y.view()], &shape, |[c, a, b]| {
                if c != 0.0 {
                    a
                } else {
                    b
                }
            })
        });
        Ok(Value::F32(out.ok_or_else(not_broadcast)?))
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
        expect_arity(OP, inputs, 3)?;
        let shape = out_shape(inputs)?;
        let mask = mask_f64(&inputs[0]);
        let mask = mask.view();
        let (c, g) = (broadcast(&mask, &shape)?, broadcast(&grad, &shape)?);
        let gx = Zip::from(&g).and(&c).map_collect(|&g, &c| if c != 0.0 { g } else { 0.0 });
        let gy = Zip::from(&g).and(&c).map_collect(|&g, &c| if c != 0.0 { 0.0 } else { g });
        Ok(vec![
            None,
            Some(reduce_owned(OP, gx, inputs[1].shape())?),
            Some(reduce_owned(OP, gy, inputs[2].shape())?),
        ])
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity(OP, inputs, 3)?;
        let shape = out_shape(inputs)?;
        let (gx, gy) = with_condition(&inputs[0], |c| {
            (
                zip_broadcast([grad.view(), c.view()], &shape, |[g, c]| g * picks(c)),
                zip_broadcast([grad.view(), c.view()], &shape, |[g, c]| {
                    g * (1.0 - picks(c))
                }),
            )
        });
        let (gx, gy) = (gx.ok_or_else(not_broadcast)?, gy.ok_or_else(not_broadcast)?);
        Ok(vec![
            None,
            Some(reduce_owned(OP, gx, inputs[1].shape())?),
            Some(reduce_owned(OP, gy, inputs[2].shape())?),
        ])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[OpInfo {
    name: "where",
    doc: "x1 where the condition is non-zero, else x2, broadcasting",
    inputs: &["condition", "x1", "x2"],
    attrs: &[],
    dtypes: "float32",
    differentiable: true,
    build: |_, _| Ok(Arc::new(Where::new()?)),
    example: (
        &[],
        &[
            Sample::F32(&[3, 1]),
            Sample::F32(&[3, 4]),
            Sample::F32(&[4]),
        ],
    ),
}];
