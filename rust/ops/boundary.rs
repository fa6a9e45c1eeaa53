//! The one place that decides how an op meets float64.
//!
//! Each op says, by [`Primitive::float64`], whether it has float64 kernels.
//! Graph runs, the eager tape, `_core.op` and `_core.op_output` call ops only
//! through the functions here, so an op without float64 kernels needs no
//! code of its own: its float64 inputs are rounded to float32 here, it
//! computes in float32 and its result is float32 (as before float64 existed
//! in the core). float32-only calls take the first branch of each function,
//! one scan over the inputs' tags, and run exactly as they did.

use super::{Context, Float64, Primitive};
use crate::error::{Error, Result};
use crate::ops::spec::{DType, TensorSpec};
use crate::tensor::{Value, ValueView};
use ndarray::ArrayD;

fn any_f64_spec(inputs: &[TensorSpec]) -> bool {
    inputs.iter().any(|s| s.dtype == DType::F64)
}

fn any_f64(inputs: &[ValueView]) -> bool {
    inputs.iter().any(ValueView::is_f64)
}

/// The op's output spec. Without float64 inputs (or for ops that state
/// float64 themselves) the op's own rule; otherwise the rule on the inputs
/// as float32, with a float result in float64 for ops that compute in it.
pub fn output_spec(op: &dyn Primitive, inputs: &[TensorSpec]) -> Result<TensorSpec> {
    let mode = op.float64();
    if mode == Float64::Own || !any_f64_spec(inputs) {
        return op.output_spec(inputs);
    }
    let narrowed: Vec<TensorSpec> = inputs
        .iter()
        .map(|s| match s.dtype {
            DType::F64 => s.with_dtype(DType::F32),
            _ => s.clone(),
        })
        .collect();
    let out = op.output_spec(&narrowed)?;
    Ok(match (mode, out.dtype) {
        (Float64::Computed, DType::F32) => out.with_dtype(DType::F64),
        _ => out,
    })
}

/// The inputs an op computes on: float64 rounded to float32 for ops
/// without float64 kernels; float32 widened to float64 for ops with them
/// (mixed float inputs promote to float64, as Keras's `result_type`).
fn converted(op: &dyn Primitive, inputs: &[ValueView]) -> Vec<Value> {
    let widen = op.float64() == Float64::Computed;
    inputs
        .iter()
        .map(|v| match v {
            ValueView::F64(a) if !widen => Value::F32(a.mapv(|x| x as f32)),
            ValueView::F32(a) if widen => Value::F64(a.mapv(f64::from)),
            other => other.to_owned(),
        })
        .collect()
}

/// Whether `inputs` need converting before `op` runs on them (the views
/// are then passed on as they are, with no copy).
fn needs_conversion(op: &dyn Primitive, inputs: &[ValueView]) -> bool {
    match op.float64() {
        Float64::Own => false,
        Float64::Narrowed => any_f64(inputs),
        Float64::Computed => {
            any_f64(inputs) && inputs.iter().any(|v| matches!(v, ValueView::F32(_)))
        }
    }
}

/// Runs `op` forward (see the module's doc).
pub fn forward(op: &dyn Primitive, inputs: &[ValueView], ctx: &Context) -> Result<Value> {
    if !needs_conversion(op, inputs) {
        return op.forward(inputs, ctx);
    }
    let owned = converted(op, inputs);
    let views: Vec<ValueView> = owned.iter().map(Value::view).collect();
    op.forward(&views, ctx)
}

/// `v` in float32 (rounded) and owned.
fn to_f32(v: Value) -> Result<ArrayD<f32>> {
    match v.narrowed() {
        Value::F32(a) => Ok(a),
        _ => Err(Error::graph("a gradient must be a float tensor")),
    }
}

/// `v` in float64 (widened) and owned.
fn to_f64(v: Value) -> Result<ArrayD<f64>> {
    match v.widened() {
        Value::F64(a) => Ok(a),
        _ => Err(Error::graph("a gradient must be a float tensor")),
    }
}

/// Each input's gradient in the input's own float type.
fn in_input_types(inputs: &[ValueView], grads: Vec<Option<Value>>) -> Vec<Option<Value>> {
    grads
        .into_iter()
        .zip(inputs)
        .map(|(g, x)| {
            g.map(|g| match x {
                ValueView::F64(_) => g.widened(),
                _ => g.narrowed(),
            })
        })
        .collect()
}

/// The op's backward rule: `output` is its forward result and `grad` the
/// gradient of that result; returns each input's gradient in the input's
/// float type (`None` where none flows or none is `needed`).
pub fn backward(
    op: &dyn Primitive,
    inputs: &[ValueView],
    output: ValueView,
    grad: Value,
    ctx: &Context,
    needed: &[bool],
) -> Result<Vec<Option<Value>>> {
    let grad = match (grad, &output) {
        (Value::F32(g), ValueView::F32(out)) if !any_f64(inputs) => {
            // The float32 path, as before float64 existed (the gradient's
            // buffer handed on, no copy).
            let grads = op.backward_owned(inputs, out.view(), g, ctx, needed)?;
            return Ok(grads.into_iter().map(|g| g.map(Value::F32)).collect());
        }
        (grad, _) => grad,
    };
    if op.float64() != Float64::Narrowed {
        if let ValueView::F64(out) = &output {
            let owned = if needs_conversion(op, inputs) {
                Some(converted(op, inputs))
            } else {
                None
            };
            let views: Vec<ValueView> = match &owned {
                Some(owned) => owned.iter().map(Value::view).collect(),
                None => inputs.iter().map(ValueView::reborrow).collect(),
            };
            let g = to_f64(grad)?;
            let grads = op.backward_f64(&views, out.view(), g.view(), ctx, needed)?;
            let grads = grads.into_iter().map(|g| g.map(Value::F64)).collect();
            return Ok(in_input_types(inputs, grads));
        }
    }
    // Computed in float32: the rule runs on the rounded values.
    let owned: Vec<Value> = inputs.iter().map(|v| v.to_owned().narrowed()).collect();
    let views: Vec<ValueView> = owned.iter().map(Value::view).collect();
    let out = output.to_owned().narrowed().into_f32(op.name())?;
    let g = to_f32(grad)?;
    let grads = op.backward_owned(&views, out.view(), g, ctx, needed)?;
    let grads = grads.into_iter().map(|g| g.map(Value::F32)).collect();
    Ok(in_input_types(inputs, grads))
}

/// The default of [`Primitive::backward_f64`]: the op has no float64 rule.
pub fn no_f64_backward(op: &str) -> Error {
    Error::dtype(
        op,
        "float32 inputs (this op has no float64 backward rule)",
        "float64",
    )
}

#[cfg(test)]
#[path = "boundary_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "boundary_harness_tests.rs"]
mod harness;
