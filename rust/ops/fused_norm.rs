//! batch_norm with fixed (moving) statistics fused with the activation
//! after it, where the planner (`graph::fuse`) finds no linear op before the
//! normalization to take both as its epilogue (after an add, a pooling, a
//! depthwise convolution made of other ops). One pass: each block of the
//! result is normalized and activated while it is in cache, in either
//! channel layout, with the float operations of the unfused ops in their
//! order (results equal the unfused graph's bit for bit).

use super::activation::OutputActivation;
use super::fused::FixedNorm;
use super::norm::BatchNorm;
use super::spec::TensorSpec;
use super::{Context, InputGrads, Primitive};
use crate::error::{Error, Result};
use crate::tensor::{Value, ValueView};
use ndarray::ArrayViewD;

/// `act(batch_norm(x, gamma, beta, moving_mean, moving_variance))` with the
/// moving statistics; inputs are batch_norm's.
#[derive(Debug)]
pub struct FusedNorm {
    norm: BatchNorm,
    activation: Option<OutputActivation>,
}

impl FusedNorm {
    pub fn new(norm: FixedNorm, activation: Option<OutputActivation>) -> Self {
        Self {
            norm: BatchNorm::fixed(norm),
            activation,
        }
    }
}

impl Primitive for FusedNorm {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        self.norm.output_spec(inputs)
    }

    /// batch_norm's name, so errors name the op the user wrote.
    fn name(&self) -> &'static str {
        self.norm.name()
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        match self.activation {
            Some(act) => self
                .norm
                .infer(inputs, &|block| act.apply_rows(block, None)),
            None => self.norm.infer(inputs, &|_| {}),
        }
    }

    /// The activation's derivative from the output, then batch_norm's rule
    /// with fixed statistics (it reads x, an input, never the output).
    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
    ) -> Result<InputGrads> {
        if grad.shape() != output.shape() {
            return Err(Error::shape(
                self.name(),
                "a gradient shaped like the output",
                crate::error::fmt_shape(grad.shape()),
            ));
        }
        let Some(act) = self.activation else {
            return self.norm.backward(inputs, output, grad, ctx);
        };
        if !act.derivative_from_output() {
            return Err(Error::graph(format!(
                "fused batch_norm with {} has no backward pass: its derivative needs the pre-activation",
                act.name()
            )));
        }
        let mut g = grad.as_standard_layout().into_owned();
        let y = output.as_standard_layout();
        let (Some(gs), Some(ys)) = (g.as_slice_mut(), y.as_slice()) else {
            return Err(Error::graph("fused batch_norm gradient not contiguous"));
        };
        act.scale_grad(gs, ys, None);
        self.norm.backward(inputs, output, g.view(), ctx)
    }
}
