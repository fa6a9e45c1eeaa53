//! batch_moments: the batch statistics BatchNormalization folds into its
//! moving averages, in one pass over the input (float32 through
//! `kernels::batch_norm`, float64 through `norm_f64`).

use super::norm::row_major;
use super::norm_f64;
use super::registry::{Lit, OpInfo};
use super::spec::{self, DType, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{Error, Result};
use crate::kernels::batch_norm;
use crate::tensor::{expect_arity, normalize_axis, Value, ValueView};
use ndarray::{Array2, ArrayViewD};
use std::sync::Arc;

/// The batch statistics batch_norm normalises with, as one (2, C) tensor
/// (mean, then variance): what BatchNormalization folds into its moving
/// averages in a training step. One pass over `x`; the composite (mean,
/// subtract, square, mean) made two full-size temporaries per layer and step.
#[derive(Debug)]
pub struct BatchMoments {
    axis: i64,
}

impl BatchMoments {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        Ok(Self {
            axis: attrs.int("batch_moments", "axis", -1)?,
        })
    }
}

impl Primitive for BatchMoments {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "batch_moments";
        spec::expect_arity(op, inputs, 1)?;
        let x = &inputs[0];
        x.expect_dtype(op, "an input", DType::F32)?;
        let axis = spec::axis_of(op, self.axis, x.rank())?;
        Ok(TensorSpec::new(vec![Some(2), x.shape[axis]], DType::F32))
    }

    fn name(&self) -> &'static str {
        "batch_moments"
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        _grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        expect_arity(self.name(), inputs, 1)?;
        Ok(vec![None])
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = "batch_moments";
        if inputs.first().is_some_and(ValueView::is_f64) {
            return norm_f64::batch_moments_forward(inputs, self.axis);
        }
        expect_arity(op, inputs, 1)?;
        let x = inputs[0].f32(op)?;
        let axis = normalize_axis(op, self.axis, x.ndim())?;
        let c = x.shape()[axis];
        let (rows, _) = row_major(op, &x, &[axis])?;
        let (mut stats, var) = batch_norm::moments(&rows, c);
        stats.extend(var);
        Array2::from_shape_vec((2, c), stats)
            .map(|a| Value::F32(a.into_dyn()))
            .map_err(|e| Error::shape(op, "a (2, channels) result", e.to_string()))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        _grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        // Statistics for the moving averages, which take no gradient.
        expect_arity(self.name(), inputs, 1)?;
        Ok(vec![None])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "batch_moments",
        doc: "batch mean and variance per channel along `axis`, as rows of a (2, C) tensor",
        inputs: &["x"],
        attrs: &[("axis", Lit::Int(-1))],
        dtypes: "float32",
        differentiable: false,
        build: |_, a| Ok(Arc::new(BatchMoments::new(a)?)),
        example: (&[("axis", Lit::Int(1))], &[super::registry::Sample::F32(&[4, 3, 2])]),
    },
];
