//! equal, not_equal, greater, greater_equal, less, less_equal: broadcasting
//! comparisons that give float32 0/1 masks, so metrics and losses can mix them
//! into arithmetic. Either operand may be int64 (labels). A mask is piecewise
//! constant, so no gradient flows through it.

use super::broadcast::broadcast_shape;
use super::registry::{OpInfo, Sample};
use super::spec::{self, broadcast_dims, DType, TensorSpec};
use super::{Context, InputGrads, Primitive};
use crate::error::{Error, Result};
use crate::kernels::elementwise::zip_broadcast;
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Equal,
    NotEqual,
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
}

#[derive(Debug)]
pub struct Compare {
    kind: Kind,
}

impl Compare {
    pub fn new(name: &str) -> Result<Self> {
        let kind = match name {
            "equal" => Kind::Equal,
            "not_equal" => Kind::NotEqual,
            "greater" => Kind::Greater,
            "greater_equal" => Kind::GreaterEqual,
            "less" => Kind::Less,
            "less_equal" => Kind::LessEqual,
            _ => return Err(Error::argument(name, "not a comparison op")),
        };
        Ok(Self { kind })
    }
}

/// A value as float64: exact for float32 and for int64 labels below 2^53.
pub(crate) fn as_f64(v: &ValueView) -> ArrayD<f64> {
    match v {
        ValueView::F32(a) => a.mapv(f64::from),
        ValueView::F64(a) => a.to_owned(),
        ValueView::I64(a) => a.mapv(|x| x as f64),
    }
}

impl Primitive for Compare {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = self.name();
        spec::expect_arity(op, inputs, 2)?;
        // A 0/1 float32 mask: masks multiply losses and metrics directly.
        let shape = broadcast_dims(op, &inputs[0].shape, &inputs[1].shape)?;
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Equal => "equal",
            Kind::NotEqual => "not_equal",
            Kind::Greater => "greater",
            Kind::GreaterEqual => "greater_equal",
            Kind::Less => "less",
            Kind::LessEqual => "less_equal",
        }
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = self.name();
        expect_arity(op, inputs, 2)?;
        let shape = broadcast_shape(op, inputs[0].shape(), inputs[1].shape())?;
        let not_broadcastable = || {
            Error::shape(
                op,
                "broadcastable operands",
                "operands that do not broadcast",
            )
        };
        let test: fn(f64, f64) -> bool = match self.kind {
            Kind::Equal => |x, y| x == y,
            Kind::NotEqual => |x, y| x != y,
            Kind::Greater => |x, y| x > y,
            Kind::GreaterEqual => |x, y| x >= y,
            Kind::Less => |x, y| x < y,
            Kind::LessEqual => |x, y| x <= y,
        };
        // Float operands compare as they are (widening to f64 is exact);
        // an int64 one (labels) compares in f64.
        if let (ValueView::F32(a), ValueView::F32(b)) = (&inputs[0], &inputs[1]) {
            let out = zip_broadcast([a.view(), b.view()], &shape, |[x, y]| {
                if test(f64::from(x), f64::from(y)) {
                    1.0
                } else {
                    0.0
                }
            });
            return Ok(Value::F32(out.ok_or_else(not_broadcastable)?));
        }
        let (a, b) = (as_f64(&inputs[0]), as_f64(&inputs[1]));
        let a = a.broadcast(IxDyn(&shape)).ok_or_else(not_broadcastable)?;
        let b = b.broadcast(IxDyn(&shape)).ok_or_else(not_broadcastable)?;
        let out = Zip::from(&a)
            .and(&b)
            .map_collect(|&x, &y| if test(x, y) { 1.0f32 } else { 0.0 });
        Ok(Value::F32(out))
    }

    /// float64 operands compare as they are (the mask stays float32).
    fn float64(&self) -> super::Float64 {
        super::Float64::Own
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        _grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity(self.name(), inputs, 2)?;
        Ok(vec![None, None])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "equal",
        doc: "x1 == x2 as a 0/1 float mask, broadcasting",
        inputs: &["x1", "x2"],
        attrs: &[],
        dtypes: "float32, int64",
        differentiable: false,
        build: |n, _| Ok(Arc::new(Compare::new(n)?)),
        example: (&[], &[Sample::F32(&[3, 4]), Sample::F32(&[1, 4])]),
    },
    OpInfo {
        name: "not_equal",
        doc: "x1 != x2 as a 0/1 float mask, broadcasting",
        inputs: &["x1", "x2"],
        attrs: &[],
        dtypes: "float32, int64",
        differentiable: false,
        build: |n, _| Ok(Arc::new(Compare::new(n)?)),
        example: (&[], &[Sample::F32(&[3, 4]), Sample::F32(&[1, 4])]),
    },
    OpInfo {
        name: "greater",
        doc: "x1 > x2 as a 0/1 float mask, broadcasting",
        inputs: &["x1", "x2"],
        attrs: &[],
        dtypes: "float32, int64",
        differentiable: false,
        build: |n, _| Ok(Arc::new(Compare::new(n)?)),
        example: (&[], &[Sample::F32(&[3, 4]), Sample::F32(&[1, 4])]),
    },
    OpInfo {
        name: "greater_equal",
        doc: "x1 >= x2 as a 0/1 float mask, broadcasting",
        inputs: &["x1", "x2"],
        attrs: &[],
        dtypes: "float32, int64",
        differentiable: false,
        build: |n, _| Ok(Arc::new(Compare::new(n)?)),
        example: (&[], &[Sample::F32(&[3, 4]), Sample::F32(&[1, 4])]),
    },
    OpInfo {
        name: "less",
        doc: "x1 < x2 as a 0/1 float mask, broadcasting",
        inputs: &["x1", "x2"],
        attrs: &[],
        dtypes: "float32, int64",
        differentiable: false,
        build: |n, _| Ok(Arc::new(Compare::new(n)?)),
        example: (&[], &[Sample::F32(&[3, 4]), Sample::F32(&[1, 4])]),
    },
    OpInfo {
        name: "less_equal",
        doc: "x1 <= x2 as a 0/1 float mask, broadcasting",
        inputs: &["x1", "x2"],
        attrs: &[],
        dtypes: "float32, int64",
        differentiable: false,
        build: |n, _| Ok(Arc::new(Compare::new(n)?)),
        example: (&[], &[Sample::F32(&[3, 4]), Sample::F32(&[1, 4])]),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    #[test]
    fn compares_floats_with_int_labels_and_broadcasts() {
        let a = arr1(&[0.0f32, 1.0, 2.0]).into_dyn();
        let b = ndarray::arr0(1i64).into_dyn();
        let eq = Compare::new("equal").unwrap();
        let out = eq
            .forward(
                &[ValueView::F32(a.view()), ValueView::I64(b.view())],
                &Context::default(),
            )
            .unwrap();
        assert_eq!(out, Value::F32(arr1(&[0.0, 1.0, 0.0]).into_dyn()));
        let gt = Compare::new("greater").unwrap();
        let out = gt
            .forward(
                &[ValueView::F32(a.view()), ValueView::I64(b.view())],
                &Context::default(),
            )
            .unwrap();
        assert_eq!(out, Value::F32(arr1(&[0.0, 0.0, 1.0]).into_dyn()));
    }

    #[test]
    fn refuses_shapes_that_do_not_broadcast() {
        let a = ArrayD::<f32>::zeros(IxDyn(&[2, 3]));
        let b = ArrayD::<f32>::zeros(IxDyn(&[4]));
        let op = Compare::new("less").unwrap();
        assert!(op
            .forward(
                &[ValueView::F32(a.view()), ValueView::F32(b.view())],
                &Context::default()
            )
            .is_err());
    }
}
