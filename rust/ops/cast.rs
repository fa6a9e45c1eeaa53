//! cast (between float32 and int64) and stop_gradient (the identity, with
//! no gradient).

use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, DType, TensorSpec};
use super::{Attrs, Context, InputGrads, Primitive};
use crate::error::{Error, Result};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::ArrayViewD;
use std::sync::Arc;

/// `cast(x, dtype)`: float32 to int64 truncates toward zero, as NumPy's
/// `astype`; a cast to the same type is the identity.
#[derive(Debug)]
pub struct Cast {
    to: DType,
}

impl Cast {
    fn new(attrs: &Attrs) -> Result<Self> {
        let name = attrs.string("cast", "dtype", "float32")?;
        let to = match name.as_str() {
            "float16" | "bfloat16" | "float32" | "float64" => DType::F32,
            "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64"
            | "bool" => DType::I64,
            other => {
                return Err(Error::argument(
                    "cast",
                    format!("unknown dtype '{other}'. Expected a float or integer type name"),
                ))
            }
        };
        Ok(Self { to })
    }
}

impl Primitive for Cast {
    fn name(&self) -> &'static str {
        "cast"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("cast", inputs, 1)?;
        Ok(inputs[0].with_dtype(self.to))
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("cast", inputs, 1)?;
        Ok(match (&inputs[0], self.to) {
            (ValueView::F32(x), DType::F32) => Value::F32(x.to_owned()),
            (ValueView::I64(x), DType::I64) => Value::I64(x.to_owned()),
            (ValueView::I64(x), DType::F32) => Value::F32(x.mapv(|v| v as f32)),
            (ValueView::F32(x), DType::I64) => {
                if let Some(bad) = x.iter().find(|v| !v.is_finite()) {
                    return Err(Error::argument(
                        "cast",
                        format!("cannot cast the non-finite value {bad} to an integer type"),
                    ));
                }
                Value::I64(x.mapv(|v| v.trunc() as i64))
            }
        })
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity("cast", inputs, 1)?;
        // Only a float-to-float cast passes a gradient through.
        Ok(match (&inputs[0], self.to) {
            (ValueView::F32(_), DType::F32) => vec![Some(grad.to_owned())],
            _ => vec![None],
        })
    }
}

/// `stop_gradient(x)`: `x`, through which no gradient flows.
#[derive(Debug)]
pub struct StopGradient;

impl Primitive for StopGradient {
    fn name(&self) -> &'static str {
        "stop_gradient"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("stop_gradient", inputs, 1)?;
        Ok(inputs[0].clone())
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("stop_gradient", inputs, 1)?;
        Ok(inputs[0].to_owned())
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        _grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity("stop_gradient", inputs, 1)?;
        Ok(vec![None])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "cast",
        doc: "x converted to float32 or int64 (floats truncate toward zero)",
        inputs: &["x"],
        attrs: &[("dtype", Lit::Str("float32"))],
        dtypes: "float32, int64",
        differentiable: true,
        build: |_, a| Ok(Arc::new(Cast::new(a)?)),
        example: (&[("dtype", Lit::Str("float32"))], &[Sample::F32(&[3, 4])]),
    },
    OpInfo {
        name: "stop_gradient",
        doc: "x, through which no gradient flows",
        inputs: &["x"],
        attrs: &[],
        dtypes: "float32, int64",
        differentiable: false,
        build: |_, _| Ok(Arc::new(StopGradient)),
        example: (&[], &[Sample::F32(&[3, 4])]),
    },
];
