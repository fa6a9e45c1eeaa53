//! depthwise_conv1d and depthwise_conv2d, channels-last, kernel
//! (*kernel_size, C, M), output C * M channels (`kernels::depthwise`).
//! The 1-d op runs as the 2-d one with a height of 1, as conv1d does.

use super::conv::{
    contiguous, contiguous_f64, expect_grad_shape, geometry, lift_input, lift_pair, output_shape,
    rank_error, to_array, to_array_t, windowed_dims,
};
use super::padding::Padding;
use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, fmt_dims, DType, TensorSpec};
use super::{Attrs, Context, Float64, Fusion, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::conv_f64::{
    conv2d_backward_f64, conv2d_forward_f64, depthwise_as_full, depthwise_from_full,
};
use crate::kernels::depthwise::{self, Depthwise};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::ArrayViewD;
use std::sync::Arc;

#[derive(Debug)]
pub struct DepthwiseConv {
    name: &'static str,
    rank: usize,
    strides: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
}

fn kernel_layout(rank: usize) -> &'static str {
    if rank == 1 {
        "(kernel_size, channels, depth_multiplier)"
    } else {
        "(kernel_h, kernel_w, channels, depth_multiplier)"
    }
}

fn channels_error(op: &str, x: &str, k: &str) -> Error {
    Error::shape(
        op,
        "the kernel's channels (axis -2) to equal the input's channels (last axis)",
        format!("input {x} and kernel {k}"),
    )
}

impl DepthwiseConv {
    pub fn new(name: &str, attrs: &Attrs) -> Result<Self> {
        let (name, rank) = match name {
            "depthwise_conv1d" => ("depthwise_conv1d", 1),
            "depthwise_conv2d" => ("depthwise_conv2d", 2),
            _ => return Err(Error::argument(name, "not a depthwise convolution")),
        };
        Ok(Self {
            name,
            rank,
            strides: lift_pair(&attrs.spatial(name, "strides", rank, 1)?),
            dilation: lift_pair(&attrs.spatial(name, "dilation_rate", rank, 1)?),
            padding: Padding::parse(name, &attrs.string(name, "padding", "valid")?)?,
        })
    }

    /// The shapes of one call, after checking x and the kernel against each other.
    fn shapes(&self, x: &[usize], k: &[usize]) -> Result<Depthwise> {
        let op = self.name;
        let input = lift_input(op, x, self.rank)?;
        if k.len() != self.rank + 2 {
            return Err(rank_error(
                op,
                "a kernel",
                self.rank,
                kernel_layout(self.rank),
                k,
            ));
        }
        if k[self.rank] != input[3] {
            return Err(channels_error(op, &fmt_shape(x), &fmt_shape(k)));
        }
        if k[..self.rank].contains(&0) {
            return Err(Error::shape(
                op,
                "a kernel with a positive spatial size",
                format!("kernel {}", fmt_shape(k)),
            ));
        }
        let size = lift_pair(&k[..self.rank]);
        let g = geometry(op, input, size, self.strides, self.dilation, self.padding)?;
        Ok(Depthwise {
            g,
            multiplier: k[self.rank + 1],
        })
    }
}

impl Primitive for DepthwiseConv {
    fn name(&self) -> &'static str {
        self.name
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let (op, rank) = (self.name, self.rank);
        spec::expect_arity(op, inputs, 2)?;
        let (x, k) = (&inputs[0], &inputs[1]);
        x.expect_dtype(op, "an input", DType::F32)?;
        k.expect_dtype(op, "a kernel", DType::F32)?;
        if k.rank() != rank + 2 {
            return Err(Error::shape(
                op,
                format!("a kernel of rank {} {}", rank + 2, kernel_layout(rank)),
                format!("a kernel of shape {}", fmt_dims(&k.shape)),
            ));
        }
        if x.rank() == rank + 2 {
            if let (Some(kc), Some(c)) = (k.shape[rank], x.shape[rank + 1]) {
                if kc != c {
                    return Err(channels_error(op, &fmt_dims(&x.shape), &fmt_dims(&k.shape)));
                }
            }
        }
        let sizes: Option<Vec<usize>> = k.shape[..rank].iter().copied().collect();
        let Some(sizes) = sizes.filter(|s| !s.contains(&0)) else {
            return Err(Error::shape(
                op,
                "a kernel with a known, positive spatial size",
                format!("kernel {}", fmt_dims(&k.shape)),
            ));
        };
        let window = lift_pair(&sizes);
        let (strides, dilation) = (self.strides, self.dilation);
        let mut shape = windowed_dims(op, &x.shape, rank, window, strides, dilation, self.padding)?;
        let channels = match (x.shape[rank + 1].or(k.shape[rank]), k.shape[rank + 1]) {
            (Some(c), Some(m)) => Some(c * m),
            _ => None,
        };
        if let Some(last) = shape.last_mut() {
            *last = channels;
        }
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn work(&self, input_shapes: &[&[usize]]) -> usize {
        match input_shapes {
            [x, k] => self.shapes(x, k).map(|d| d.work()).unwrap_or(0),
            _ => 0,
        }
    }

    fn fusion(&self) -> Fusion {
        Fusion::Linear
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = self.name;
        expect_arity(op, inputs, 2)?;
        if let (ValueView::F64(x), ValueView::F64(k)) = (&inputs[0], &inputs[1]) {
            // float64: the equivalent block-diagonal full convolution.
            let d = self.shapes(x.shape(), k.shape())?;
            let (c, m) = (d.g.channels, d.multiplier);
            let full = depthwise_as_full(op, &contiguous_f64(k), c, m)?;
            let y = conv2d_forward_f64(op, &d.g, &contiguous_f64(x), &full, c * m)?;
            let shape = output_shape(&d.g, self.rank, d.out_channels());
            return to_array_t(op, &shape, y).map(Value::F64);
        }
        let (x, k) = (inputs[0].f32(op)?, inputs[1].f32(op)?);
        let d = self.shapes(x.shape(), k.shape())?;
        let y = depthwise::forward(&d, &contiguous(&x), &contiguous(&k));
        let shape = output_shape(&d.g, self.rank, d.out_channels());
        to_array(op, &shape, y).map(Value::F32)
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        needed: &[bool],
    ) -> Result<InputGrads64> {
        let op = self.name;
        expect_arity(op, inputs, 2)?;
        let (x, k) = (inputs[0].f64(op)?, inputs[1].f64(op)?);
        let d = self.shapes(x.shape(), k.shape())?;
        let want = output_shape(&d.g, self.rank, d.out_channels());
        expect_grad_shape(op, grad.shape(), &want)?;
        let (c, m) = (d.g.channels, d.multiplier);
        let full = depthwise_as_full(op, &contiguous_f64(&k), c, m)?;
        let need_dx = needed.first() != Some(&false);
        let (xs, gy) = (contiguous_f64(&x), contiguous_f64(&grad));
        let (dx, dfull) = conv2d_backward_f64(op, &d.g, &xs, &full, c * m, &gy, need_dx)?;
        let dx = if need_dx {
            Some(to_array_t(op, x.shape(), dx)?)
        } else {
            None
        };
        let dk = depthwise_from_full(op, &dfull, c, m)?;
        Ok(vec![dx, Some(to_array_t(op, k.shape(), dk)?)])
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
    ) -> Result<InputGrads> {
        self.backward_needed(inputs, output, grad, ctx, &[true, true])
    }

    fn backward_needed(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
        needed: &[bool],
    ) -> Result<InputGrads> {
        let op = self.name;
        expect_arity(op, inputs, 2)?;
        let (x, k) = (inputs[0].f32(op)?, inputs[1].f32(op)?);
        let d = self.shapes(x.shape(), k.shape())?;
        let want = output_shape(&d.g, self.rank, d.out_channels());
        expect_grad_shape(op, grad.shape(), &want)?;
        let gy = contiguous(&grad);
        let dx = if needed.first() != Some(&false) {
            let dx = depthwise::input_grad(&d, &contiguous(&k), &gy);
            Some(to_array(op, x.shape(), dx)?)
        } else {
            None
        };
        let dk = if needed.get(1) != Some(&false) {
            let dk = depthwise::kernel_grad(&d, &contiguous(&x), &gy);
            Some(to_array(op, k.shape(), dk)?)
        } else {
            None
        };
        Ok(vec![dx, dk])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "depthwise_conv1d",
        doc: "1-d depthwise convolution, channels last, kernel (size, channels, multiplier)",
        inputs: &["inputs", "kernel"],
        attrs: &[
            ("strides", Lit::None),
            ("padding", Lit::Str("valid")),
            ("dilation_rate", Lit::None),
        ],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(DepthwiseConv::new(n, a)?)),
        example: (
            &[("padding", Lit::Str("same"))],
            &[Sample::F32(&[2, 5, 3]), Sample::F32(&[3, 3, 2])],
        ),
    },
    OpInfo {
        name: "depthwise_conv2d",
        doc: "2-d depthwise convolution, channels last, kernel (h, w, channels, multiplier)",
        inputs: &["inputs", "kernel"],
        attrs: &[
            ("strides", Lit::None),
            ("padding", Lit::Str("valid")),
            ("dilation_rate", Lit::None),
        ],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(DepthwiseConv::new(n, a)?)),
        example: (
            &[
                ("strides", Lit::Ints(&[2, 1])),
                ("padding", Lit::Str("same")),
            ],
            &[Sample::F32(&[2, 5, 4, 3]), Sample::F32(&[3, 2, 3, 1])],
        ),
    },
];

#[cfg(test)]
#[path = "depthwise_tests.rs"]
mod tests;
