//! A linear op (matmul, convolution) fused with the bias_add and activation
//! that follow it. The planner (`graph::fuse`) builds these from the graph a
//! Dense or Conv layer traced; the ops themselves stay the closed set.
//!
//! Forward: the linear op's result gets its bias and activation in one pass,
//! in its own buffer, so neither the linear output nor the biased one is
//! allocated, written, kept for the backward pass, or read again.
//! Backward: the activation's derivative (from the output alone) and the
//! bias gradient's column sums are one pass over the output gradient, which
//! then goes to the linear op's own backward rule. Every float operation is
//! the one the unfused ops perform, in the same order, so results are equal
//! to the unfused graph's bit for bit.

use super::activation::OutputActivation;
use super::linalg::BiasAdd;
use super::spec::TensorSpec;
use super::{Context, InputGrads, OpRef, Primitive};
use crate::error::{Error, Result};
use crate::kernels::elementwise::{column_sums, rows_plus_in_place};
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn};

/// How the planner may fuse an op.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fusion {
    None,
    /// A linear op whose channels-last output can take a bias and an
    /// activation in place, and whose backward rule does not read its output.
    Linear,
    /// bias_add along the last axis.
    Bias,
    /// An activation whose derivative needs only its output.
    Activation(OutputActivation),
}

/// `act(linear(inputs) + bias)`; inputs are the linear op's, then the bias
/// when there is one.
#[derive(Debug)]
pub struct FusedLinear {
    linear: OpRef,
    bias: bool,
    activation: Option<OutputActivation>,
}

impl FusedLinear {
    pub fn new(linear: OpRef, bias: bool, activation: Option<OutputActivation>) -> Self {
        Self {
            linear,
            bias,
            activation,
        }
    }

    fn linear_arity(&self, inputs: usize) -> Result<usize> {
        inputs.checked_sub(self.bias as usize).ok_or_else(|| {
            Error::graph(format!(
                "fused {}: missing its bias input",
                self.linear.name()
            ))
        })
    }

    /// The bias input as a contiguous vector, when the step has one.
    fn bias_of<'a>(&self, inputs: &'a [ValueView]) -> Result<Option<&'a [f32]>> {
        let Some(b) = inputs.last().filter(|_| self.bias) else {
            return Ok(None);
        };
        let b = b.f32("bias_add")?;
        if b.ndim() != 1 {
            return Err(Error::shape(
                "bias_add",
                "a bias of shape (channels,)",
                crate::error::fmt_shape(b.shape()),
            ));
        }
        b.to_slice()
            .map(Some)
            .ok_or_else(|| Error::shape("bias_add", "a contiguous bias", "a strided one"))
    }
}

impl Primitive for FusedLinear {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        // The linear op's inputs come first; the bias, if any, is last and
        // keeps the shape.
        let n = inputs.len() - usize::from(self.bias && !inputs.is_empty());
        self.linear.output_spec(&inputs[..n])
    }

    /// The linear op's name, so errors name the op the user wrote.
    fn name(&self) -> &'static str {
        self.linear.name()
    }

    fn forward(&self, inputs: &[ValueView], ctx: &Context) -> Result<Value> {
        let n = self.linear_arity(inputs.len())?;
        let bias = self.bias_of(inputs)?;
        // The rows' width is checked once the output's shape is known, below.
        let width = bias.map(|b| b.len());
        let epilogue = |rows: &mut [f32]| match (self.activation, bias) {
            (Some(act), bias) => act.apply_rows(rows, bias),
            (None, Some(b)) => rows_plus_in_place(rows, b),
            (None, None) => {}
        };
        let y = self
            .linear
            .forward_with_epilogue(&inputs[..n], ctx, &epilogue)?;
        if let (Some(w), Value::F32(y)) = (width, &y) {
            // A mismatched bias was added along the wrong rows: refuse the result.
            BiasAdd::check(y.shape(), &[w])?;
        }
        Ok(y)
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
    ) -> Result<InputGrads> {
        let needed = vec![true; inputs.len()];
        self.backward_owned(inputs, output, grad.to_owned(), ctx, &needed)
    }

    fn backward_owned(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayD<f32>,
        ctx: &Context,
        needed: &[bool],
    ) -> Result<InputGrads> {
        let n = self.linear_arity(inputs.len())?;
        if grad.shape() != output.shape() {
            return Err(Error::shape(
                self.name(),
                "a gradient shaped like the output",
                crate::error::fmt_shape(grad.shape()),
            ));
        }
        let bias = self.bias_of(inputs)?;
        if let Some(b) = bias {
            BiasAdd::check(output.shape(), &[b.len()])?;
        }
        let mut grad = if grad.is_standard_layout() {
            grad
        } else {
            grad.as_standard_layout().into_owned()
        };
        let output = output.as_standard_layout();
        let (Some(g), Some(y)) = (grad.as_slice_mut(), output.as_slice()) else {
            return Err(Error::graph("fused gradient not contiguous"));
        };
        let columns = bias.map(|b| b.len());
        let db = match self.activation {
            Some(act) => act.scale_grad(g, y, columns),
            None => columns.map(|c| column_sums(g, c)),
        };
        // The linear op's rule never reads its output (see `Fusion::Linear`),
        // which the fused op does not keep; it is handed the fused output.
        let mut grads = self.linear.backward_owned(
            &inputs[..n],
            output.view(),
            grad,
            ctx,
            &needed[..n.min(needed.len())],
        )?;
        if let Some(db) = db {
            grads.push(Some(
                ArrayD::from_shape_vec(IxDyn(&[db.len()]), db).map_err(|e| {
                    Error::shape("bias_add", "a bias-shaped gradient", e.to_string())
                })?,
            ));
        }
        Ok(grads)
    }
}
