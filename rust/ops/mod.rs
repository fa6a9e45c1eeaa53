//! The closed set of primitive ops. Each op is a type implementing
//! [`Primitive`]: a forward kernel and a backward rule (vector-Jacobian
//! product). Autodiff, the graph executor and the eager tape are written once
//! against this trait; a new op is one file plus one line in [`build`].

pub mod attrs;
pub mod padding;
pub mod spec;

mod activation;
mod binary;
mod broadcast;
mod compare;
mod conv;
mod dropout;
mod embedding;
mod fused;
mod global_pool;
mod linalg;
mod math;
mod norm;
mod pool;
mod reduce;
mod select;
mod shape;
mod where_op;
mod xent;

pub use attrs::{Attr, Attrs};
pub use fused::{FusedLinear, Fusion};
pub use spec::{DType, Dim, TensorSpec};

use crate::error::{Error, Result};
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, ArrayViewD};
use std::fmt::Debug;
use std::sync::Arc;

/// Per-run state an op may read: training mode and the seed of this step
/// (dropout draws its mask from it, so a mask is a pure function of the seed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    pub training: bool,
    pub seed: u64,
}

/// Gradients of an op's inputs; `None` where an input has no gradient
/// (integer indices, labels).
pub type InputGrads = Vec<Option<ArrayD<f32>>>;

/// One primitive op.
pub trait Primitive: Debug + Send + Sync {
    /// The op's name, the same as `pykeras.ops.<name>`.
    fn name(&self) -> &'static str;

    /// The output's shape and element type for inputs like `inputs`, found
    /// without running anything (unknown sizes stay unknown). Wrong shapes,
    /// types or attributes fail here, naming the op, before any kernel runs.
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec>;

    /// Computes the output from the inputs.
    fn forward(&self, inputs: &[ValueView], ctx: &Context) -> Result<Value>;

    /// Given the inputs, the forward output and the gradient of the loss with
    /// respect to that output, returns the gradient for each input.
    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
    ) -> Result<InputGrads>;

    /// `backward` for the inputs marked in `needed` only; the others may come
    /// back as `None`. Ops whose input gradients are costly override it, so a
    /// first layer never computes the gradient of the data it is fed.
    fn backward_needed(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
        needed: &[bool],
    ) -> Result<InputGrads> {
        let _ = needed;
        self.backward(inputs, output, grad, ctx)
    }

    /// `backward_needed` with the output gradient handed over by value. Ops
    /// whose input gradient is the output gradient itself (bias_add,
    /// reshape) or a pointwise function of it (activations, dropout) reuse
    /// its buffer instead of allocating and copying a new one.
    fn backward_owned(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayD<f32>,
        ctx: &Context,
        needed: &[bool],
    ) -> Result<InputGrads> {
        self.backward_needed(inputs, output, grad.view(), ctx, needed)
    }

    /// `forward`, then `epilogue` over the (row-major, contiguous) result.
    /// Ops that compute their output in blocks override it to run the
    /// epilogue on each block while it is still in cache.
    fn forward_with_epilogue(
        &self,
        inputs: &[ValueView],
        ctx: &Context,
        epilogue: &(dyn Fn(&mut [f32]) + Sync),
    ) -> Result<Value> {
        let y = match self.forward(inputs, ctx)? {
            Value::F32(y) if y.is_standard_layout() => y,
            Value::F32(y) => y.as_standard_layout().into_owned(),
            _ => {
                return Err(Error::graph(format!(
                    "{}: an epilogue needs a float32 result",
                    self.name()
                )))
            }
        };
        let mut y = y;
        if let Some(data) = y.as_slice_mut() {
            epilogue(data);
        }
        Ok(Value::F32(y))
    }

    /// How the planner may fuse this op with its neighbours (`graph::fuse`).
    fn fusion(&self) -> Fusion {
        Fusion::None
    }
}

/// A shared handle to a primitive, as graphs and tapes store them.
pub type OpRef = Arc<dyn Primitive>;

/// Every op name `build` knows, for error messages and for the bindings.
pub const OP_NAMES: &[&str] = &[
    // binary, broadcasting
    "add",
    "sub",
    "mul",
    "div",
    "maximum",
    "minimum",
    // linear algebra
    "matmul",
    "bias_add",
    // activations
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "softplus",
    "softsign",
    "leaky_relu",
    "hard_sigmoid",
    "exponential",
    "linear",
    // elementwise math
    "sqrt",
    "square",
    "log",
    "abs",
    "neg",
    "clip",
    // reductions
    "sum",
    "mean",
    "max",
    // neural-network ops
    "dropout",
    "embedding",
    "batch_norm",
    "layer_norm",
    "softmax_cross_entropy",
    // convolution and pooling (channels-last)
    "conv1d",
    "conv2d",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "global_avg_pool1d",
    "global_avg_pool2d",
    "global_max_pool1d",
    "global_max_pool2d",
    // comparisons and selection (metrics, label handling; no gradient to masks)
    "equal",
    "not_equal",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "where",
    "argmax",
    "one_hot",
    "in_top_k",
    // shape
    "reshape",
    "transpose",
    "concat",
    "slice",
    "pad",
];

/// Creates the op called `name` from its attributes.
pub fn build(name: &str, attrs: &Attrs) -> Result<OpRef> {
    if let Some(op) = activation::build(name, attrs)? {
        return Ok(op);
    }
    let op: OpRef = match name {
        "add" | "sub" | "mul" | "div" | "maximum" | "minimum" => {
            Arc::new(binary::Binary::new(name, attrs)?)
        }
        "matmul" => Arc::new(linalg::MatMul::new(attrs)?),
        "sqrt" | "square" | "log" | "abs" | "neg" | "clip" => {
            Arc::new(math::Unary::new(name, attrs)?)
        }
        "bias_add" => Arc::new(linalg::BiasAdd::new(attrs)?),
        "sum" | "mean" | "max" => Arc::new(reduce::Reduce::new(name, attrs)?),
        "dropout" => Arc::new(dropout::Dropout::new(attrs)?),
        "embedding" => Arc::new(embedding::Embedding::new(attrs)?),
        "batch_norm" => Arc::new(norm::BatchNorm::new(attrs)?),
        "layer_norm" => Arc::new(norm::LayerNorm::new(attrs)?),
        "softmax_cross_entropy" => Arc::new(xent::SoftmaxCrossEntropy::new(attrs)?),
        "conv1d" | "conv2d" => Arc::new(conv::Conv::new(name, attrs)?),
        "max_pool1d" | "max_pool2d" | "avg_pool1d" | "avg_pool2d" => {
            Arc::new(pool::Pool::new(name, attrs)?)
        }
        "global_avg_pool1d" | "global_avg_pool2d" | "global_max_pool1d" | "global_max_pool2d" => {
            Arc::new(global_pool::GlobalPool::new(name, attrs)?)
        }
        "equal" | "not_equal" | "greater" | "greater_equal" | "less" | "less_equal" => {
            Arc::new(compare::Compare::new(name, attrs)?)
        }
        "where" => Arc::new(where_op::Where::new(attrs)?),
        "argmax" => Arc::new(select::ArgMax::new(attrs)?),
        "one_hot" => Arc::new(select::OneHot::new(attrs)?),
        "in_top_k" => Arc::new(select::InTopK::new(attrs)?),
        "reshape" => Arc::new(shape::Reshape::new(attrs)?),
        "transpose" => Arc::new(shape::Transpose::new(attrs)?),
        "concat" => Arc::new(shape::Concat::new(attrs)?),
        "slice" => Arc::new(shape::Slice::new(attrs)?),
        "pad" => Arc::new(shape::Pad::new(attrs)?),
        _ => {
            return Err(Error::argument(
                name,
                format!("unknown op. Known ops: [{}]", OP_NAMES.join(", ")),
            ))
        }
    };
    Ok(op)
}

/// Runs one op eagerly: build, then forward.
pub fn run(name: &str, attrs: &Attrs, inputs: &[ValueView], ctx: &Context) -> Result<Value> {
    build(name, attrs)?.forward(inputs, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every listed name is known to `build` (it may still want attributes).
    #[test]
    fn every_listed_op_is_buildable() {
        for name in OP_NAMES {
            if let Err(e) = build(name, &Attrs::new()) {
                assert!(!e.to_string().contains("unknown op"), "{name}: {e}");
            }
        }
        assert!(build("nope", &Attrs::new()).is_err());
    }
}

#[cfg(test)]
mod harness_tests;
