//! cast (between float32, float64 and int64) and stop_gradient (the
//! identity, with no gradient).

use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, DType, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{Error, Result};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD};
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
            "float16" | "bfloat16" | "float32" => DType::F32,
            "float64" => DType::F64,
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
            (ValueView::F64(x), DType::F64) => Value::F64(x.to_owned()),
            (ValueView::I64(x), DType::I64) => Value::I64(x.to_owned()),
            (ValueView::F32(x), DType::F64) => Value::F64(x.mapv(f64::from)),
            // Rounds to nearest; beyond float32's range gives +-inf (numpy's astype).
            (ValueView::F64(x), DType::F32) => Value::F32(x.mapv(|v| v as f32)),
            (ValueView::I64(x), DType::F32) => Value::F32(x.mapv(|v| v as f32)),
            (ValueView::I64(x), DType::F64) => Value::F64(x.mapv(|v| v as f64)),
            (ValueView::F32(x), DType::I64) => Value::I64(truncated(x.mapv(f64::from).view())?),
            (ValueView::F64(x), DType::I64) => Value::I64(truncated(x.view())?),
        })
    }

    /// Reads and states float64 itself: the cast converts between the types.
    fn float64(&self) -> Float64 {
        Float64::Own
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        expect_arity("cast", inputs, 1)?;
        // A float-to-float cast passes the gradient through (the boundary
        // rounds it to the input's type); from integers none flows.
        Ok(match &inputs[0] {
            ValueView::I64(_) => vec![None],
            _ => vec![Some(grad.to_owned())],
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

/// Floats truncated toward zero to int64, refusing non-finite values.
fn truncated(x: ArrayViewD<f64>) -> Result<ArrayD<i64>> {
    if let Some(bad) = x.iter().find(|v| !v.is_finite()) {
        return Err(Error::argument(
            "cast",
            format!("cannot cast the non-finite value {bad} to an integer type"),
        ));
    }
    Ok(x.mapv(|v| v.trunc() as i64))
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

    /// The identity on any value: float64 passes through as it is.
    fn float64(&self) -> Float64 {
        Float64::Own
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        _grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        expect_arity("stop_gradient", inputs, 1)?;
        Ok(vec![None])
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
        doc: "x converted to float32, float64 or int64 (floats truncate toward zero)",
        inputs: &["x"],
        attrs: &[("dtype", Lit::Str("float32"))],
        dtypes: "float32, float64, int64",
        differentiable: true,
        build: |_, a| Ok(Arc::new(Cast::new(a)?)),
        example: (&[("dtype", Lit::Str("float32"))], &[Sample::F32(&[3, 4])]),
    },
    OpInfo {
        name: "stop_gradient",
        doc: "x, through which no gradient flows",
        inputs: &["x"],
        attrs: &[],
        dtypes: "float32, float64, int64",
        differentiable: false,
        build: |_, _| Ok(Arc::new(StopGradient)),
        example: (&[], &[Sample::F32(&[3, 4])]),
    },
];
