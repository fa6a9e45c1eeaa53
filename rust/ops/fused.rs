//! A linear op (matmul, convolution) fused with the bias_add, batch_norm
//! and activation that follow it. The planner (`graph::fuse`) builds these
//! from the graph a Dense or Conv layer (and a BatchNormalization after it)
//! traced; the ops themselves stay the closed set.
//!
//! Forward: the linear op's result gets its bias, normalization and
//! activation while each block of it is still in cache, in its own buffer,
//! so none of the intermediate results is allocated, written, kept for the
//! backward pass, or read again.
//! Backward (without batch_norm, which is only fused into forward-only
//! plans): the activation's derivative (from the output alone) and the
//! bias gradient's column sums are one pass over the output gradient, which
//! then goes to the linear op's own backward rule. Every float operation is
//! the one the unfused ops perform, in the same order, so results are equal
//! to the unfused graph's bit for bit.

use super::activation::OutputActivation;
use super::linalg::BiasAdd;
use super::norm::{fixed_params, FixedParams};
use super::spec::TensorSpec;
use super::{Context, InputGrads, OpRef, Primitive};
use crate::error::{Error, Result};
use crate::kernels::batch_norm::{affine_rows_in_place, Affine};
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
    /// An elementwise activation (fused into plans with a backward pass only
    /// when its derivative needs only its output).
    Activation(OutputActivation),
    /// batch_norm with fixed (moving) statistics: a per-channel affine map,
    /// fused into forward-only plans.
    Norm(FixedNorm),
    /// A transpose moving the last axis to position 1, the others in order:
    /// a channels-first layer's channels-last result back to its layout.
    ToChannelsFirst,
}

/// The attributes of a batch_norm with fixed statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedNorm {
    pub axis: i64,
    pub epsilon: f32,
}

/// Inputs batch_norm adds after x: gamma, beta, moving_mean, moving_variance.
const NORM_INPUTS: usize = 4;

/// `act(norm(linear(inputs) + bias))`; inputs are the linear op's, then the
/// bias when there is one, then batch_norm's gamma, beta, moving_mean and
/// moving_variance when there is a normalization (over the last axis).
#[derive(Debug)]
pub struct FusedLinear {
    linear: OpRef,
    bias: bool,
    norm: Option<FixedNorm>,
    activation: Option<OutputActivation>,
    /// An op of the result alone run last: a channels-first layer's
    /// transpose back to its layout, with the normalization over axis 1.
    then: Option<OpRef>,
}

impl FusedLinear {
    pub fn new(linear: OpRef, bias: bool, activation: Option<OutputActivation>) -> Self {
        Self {
            linear,
            bias,
            norm: None,
            activation,
            then: None,
        }
    }

    /// Runs `op` (of one input) on the result. Forward only.
    pub fn then(mut self, op: OpRef) -> Self {
        self.then = Some(op);
        self
    }

    /// Also normalizes by a batch_norm with fixed statistics over the last
    /// axis, after the bias and before the activation. Forward only.
    pub fn with_norm(mut self, norm: FixedNorm) -> Self {
        self.norm = Some(norm);
        self
    }

    /// How many of the inputs follow the linear op's own.
    fn extra_inputs(&self) -> usize {
        usize::from(self.bias) + if self.norm.is_some() { NORM_INPUTS } else { 0 }
    }

    fn linear_arity(&self, inputs: usize) -> Result<usize> {
        inputs.checked_sub(self.extra_inputs()).ok_or_else(|| {
            Error::graph(format!(
                "fused {}: expected {} inputs after the {}'s own, got {inputs} in all",
                self.linear.name(),
                self.extra_inputs(),
                self.linear.name()
            ))
        })
    }

    /// The bias input as a contiguous vector, when the step has one.
    fn bias_of<'a>(&self, inputs: &'a [ValueView]) -> Result<Option<&'a [f32]>> {
        let n = self.linear_arity(inputs.len())?;
        let Some(b) = inputs.get(n).filter(|_| self.bias) else {
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
        let n = inputs.len().saturating_sub(self.extra_inputs());
        let y = self.linear.output_spec(&inputs[..n])?;
        match &self.then {
            Some(op) => op.output_spec(&[y]),
            None => Ok(y),
        }
    }

    /// The linear op's name, so errors name the op the user wrote.
    fn name(&self) -> &'static str {
        self.linear.name()
    }

    fn forward(&self, inputs: &[ValueView], ctx: &Context) -> Result<Value> {
        let n = self.linear_arity(inputs.len())?;
        let bias = self.bias_of(inputs)?;
        let norm = match self.norm {
            Some(norm) => Some(self.norm_params(inputs, norm)?),
            None => None,
        };
        // The rows' width is checked once the output's shape is known, below.
        let width = bias.map(|b| b.len());
        let epilogue = |rows: &mut [f32]| match (&norm, self.activation, bias) {
            (Some(p), act, bias) => {
                let affine = Affine {
                    mean: &p.mean,
                    scale: &p.scale,
                    beta: &p.beta,
                };
                match act {
                    Some(act) => affine_rows_in_place(rows, bias, &affine, &|block| {
                        act.apply_rows(block, None)
                    }),
                    None => affine_rows_in_place(rows, bias, &affine, &|_| {}),
                }
            }
            (None, Some(act), bias) => act.apply_rows(rows, bias),
            (None, None, Some(b)) => rows_plus_in_place(rows, b),
            (None, None, None) => {}
        };
        let y = self
            .linear
            .forward_with_epilogue(&inputs[..n], ctx, &epilogue)?;
        if let Value::F32(y) = &y {
            // A mismatched bias or normalization was applied along the
            // wrong rows: refuse the result.
            if let Some(w) = width {
                BiasAdd::check(y.shape(), &[w])?;
            }
            if let Some(p) = &norm {
                check_channels(y.shape(), p.mean.len())?;
            }
        }
        match &self.then {
            Some(op) => op.forward(&[y.view()], ctx),
            None => Ok(y),
        }
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
        if self.norm.is_some() || self.then.is_some() {
            // The normalization's gradients need the linear output, which
            // the fused step never keeps: the planner fuses it into
            // forward-only plans.
            return Err(Error::graph(format!(
                "fused {} with batch_norm has no backward pass: it is planned for inference only",
                self.name()
            )));
        }
        if let Some(act) = self.activation.filter(|a| !a.derivative_from_output()) {
            return Err(Error::graph(format!(
                "fused {} with {} has no backward pass: its derivative needs the pre-activation",
                self.name(),
                act.name()
            )));
        }
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

impl FusedLinear {
    /// The normalization's per-channel map from its four inputs (the last).
    fn norm_params(&self, inputs: &[ValueView], norm: FixedNorm) -> Result<FixedParams> {
        let start = inputs.len().saturating_sub(NORM_INPUTS + 1);
        let params = &inputs[start..];
        let c = params
            .get(1)
            .map(|g| g.shape().iter().product())
            .unwrap_or(0);
        // fixed_params reads (x, gamma, beta, mean, variance) and skips x:
        // the slot before gamma (the bias or the linear op's last input).
        fixed_params("batch_norm", params, c, norm.epsilon)
    }
}

/// A normalization over the last axis of `c` channels fits `shape`.
fn check_channels(shape: &[usize], c: usize) -> Result<()> {
    if shape.last() == Some(&c) {
        return Ok(());
    }
    Err(Error::shape(
        "batch_norm",
        format!("an input with {c} channels on its last axis (one per gamma value)"),
        format!("an input of shape {}", crate::error::fmt_shape(shape)),
    ))
}
