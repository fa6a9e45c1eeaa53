//! `where(condition, x, y)`: x where the condition is nonzero, else y, with
//! numpy broadcasting over all three. The gradient goes to the operand that
//! was picked; the condition gets none.

use super::registry::{OpInfo, Sample};
use std::sync::Arc;
use super::broadcast::{broadcast_shape, reduce_owned};
use super::compare::as_f64;
use super::spec::{self, broadcast_dims, DType, TensorSpec};
use super::{Context, InputGrads, Primitive};
use crate::error::{Error, Result};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};

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

/// The condition as a 0/1 float mask broadcast to `shape`.
fn mask(condition: &ValueView, shape: &[usize]) -> Result<ArrayD<f32>> {
    let c = as_f64(condition).mapv(|v| if v != 0.0 { 1.0f32 } else { 0.0 });
    c.broadcast(IxDyn(shape))
        .map(|v| v.to_owned())
        .ok_or_else(|| Error::shape(OP, "a condition that broadcasts", "one that does not"))
}

fn broadcast<'b>(x: &'b ArrayViewD<'_, f32>, shape: &[usize]) -> Result<ArrayViewD<'b, f32>> {
    x.broadcast(IxDyn(shape))
        .ok_or_else(|| Error::shape(OP, "operands that broadcast", "ones that do not"))
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
        let m = mask(&inputs[0], &shape)?;
        let (x, y) = (inputs[1].f32(OP)?, inputs[2].f32(OP)?);
        let (x, y) = (broadcast(&x, &shape)?, broadcast(&y, &shape)?);
        let out = Zip::from(&m)
            .and(&x)
            .and(&y)
            .map_collect(|&c, &a, &b| if c != 0.0 { a } else { b });
        Ok(Value::F32(out))
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
        let m = mask(&inputs[0], &shape)?;
        let gx = Zip::from(&grad).and(&m).map_collect(|&g, &c| g * c);
        let gy = Zip::from(&grad).and(&m).map_collect(|&g, &c| g * (1.0 - c));
        Ok(vec![
            None,
            Some(reduce_owned(OP, gx, inputs[1].shape())?),
            Some(reduce_owned(OP, gy, inputs[2].shape())?),
        ])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "where",
        doc: "x1 where the condition is non-zero, else x2, broadcasting",
        inputs: &["condition", "x1", "x2"],
        attrs: &[],
        dtypes: "float32",
        differentiable: true,
        build: |_, _| Ok(Arc::new(Where::new()?)),
        example: (&[], &[Sample::F32(&[3, 1]), Sample::F32(&[3, 4]), Sample::F32(&[4])]),
    },
];
