//! conv1d_transpose and conv2d_transpose, channels-last, kernel
//! (*kernel_size, out_channels, in_channels) as Keras lays it out.
//!
//! A transposed convolution is the input gradient of the convolution that
//! maps its output back to its input: the same kernel read as a conv
//! kernel (*k, in = out_channels, out = in_channels), over a window whose
//! padding before the first cell is `window - 1 - left`, where `left` is
//! the padding Keras's JAX backend puts before its zero-inserted input.
//! So the forward pass is `im2col::conv2d_backward_data` (col2im of
//! x · K^T, no zero insertion and no flipped kernel), the input gradient is
//! that convolution's forward pass and the kernel gradient its weight
//! gradient, all on the conv kernels.

use super::conv::{
    contiguous, contiguous_f64, expect_grad_shape, lift_input, lift_pair, rank_error, to_array,
    to_array_t,
};
use super::padding::Padding;
use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, fmt_dims, DType, Dim, TensorSpec};
use super::{Attrs, Context, Float64, Fusion, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::conv_f64::{
    conv2d_backward_data_f64, conv2d_backward_f64, conv2d_forward_f64,
};
use crate::kernels::im2col::{conv2d_backward, conv2d_backward_data, conv2d_forward};
use crate::kernels::window::{AxisWindow, Geometry};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::ArrayViewD;
use std::sync::Arc;

#[derive(Debug)]
pub struct ConvTranspose {
    name: &'static str,
    rank: usize,
    strides: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
    /// Keras's `output_padding`, per lifted axis (None: inferred).
    output_padding: Option<[usize; 2]>,
}

fn kernel_layout(rank: usize) -> &'static str {
    if rank == 1 {
        "(kernel_size, out_channels, in_channels)"
    } else {
        "(kernel_h, kernel_w, out_channels, in_channels)"
    }
}

/// One axis of the transposed convolution: its output length and the
/// padding before the first cell of the convolution it is the gradient of,
/// from Keras's `_convert_conv_transpose_padding_args_from_keras_to_jax`.
fn transpose_axis(
    op: &str,
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    padding: Padding,
    extra: Option<usize>,
) -> Result<(usize, usize)> {
    let too_large = || {
        Error::argument(
            op,
            format!("the dilated window is too large. Received: kernel size {kernel}, dilation_rate {dilation}"),
        )
    };
    let window = (kernel - 1)
        .checked_mul(dilation)
        .and_then(|v| v.checked_add(1))
        .ok_or_else(too_large)?;
    let (left, right) = match padding {
        Padding::Valid => {
            let extra = extra.unwrap_or(window.max(stride) - window);
            (window - 1, window - 1 + extra)
        }
        Padding::Same => {
            let total = match extra {
                None => stride + window - 2,
                Some(e) => window + window % 2 - 2 + e,
            };
            let left = (total / 2 + total % 2).min(window - 1);
            (left, total - left)
        }
    };
    // The zero-inserted, padded input is (input - 1) * stride + 1 + left +
    // right long; a valid convolution with the window leaves this many.
    let padded = (input.max(1) - 1)
        .checked_mul(stride)
        .and_then(|v| v.checked_add(1 + left + right))
        .ok_or_else(too_large)?;
    if input == 0 || padded < window {
        return Err(Error::shape(
            op,
            "room for the kernel in the output (output_padding too small for the padding)",
            format!("an axis of {input} with kernel size {kernel}, strides {stride}, dilation_rate {dilation}"),
        ));
    }
    Ok((padded - window + 1, window - 1 - left))
}

impl ConvTranspose {
    pub fn new(name: &str, attrs: &Attrs) -> Result<Self> {
        let (name, rank) = match name {
            "conv1d_transpose" => ("conv1d_transpose", 1),
            "conv2d_transpose" => ("conv2d_transpose", 2),
            _ => return Err(Error::argument(name, "not a transposed convolution")),
        };
        let output_padding = match attrs.opt_ints(name, "output_padding")? {
            None => None,
            Some(v) if v.iter().any(|&p| p < 0) || (v.len() != 1 && v.len() != rank) => {
                return Err(Error::argument(
                    name,
                    format!("'output_padding' must be None, a non-negative integer or a tuple of {rank} of them. Received: output_padding={v:?}"),
                ))
            }
            Some(v) => {
                let v: Vec<usize> = v.iter().map(|&p| p as usize).collect();
                let v = if v.len() == 1 { vec![v[0]; rank] } else { v };
                // A 1-d op's lifted height has a kernel of 1: no extra cells.
                Some(if rank == 1 { [0, v[0]] } else { [v[0], v[1]] })
            }
        };
        Ok(Self {
            name,
            rank,
            strides: lift_pair(&attrs.spatial(name, "strides", rank, 1)?),
            dilation: lift_pair(&attrs.spatial(name, "dilation_rate", rank, 1)?),
            padding: Padding::parse(name, &attrs.string(name, "padding", "valid")?)?,
            output_padding,
        })
    }

    /// Output length and conv pad of lifted axis `i` (0 height, 1 width).
    fn axis(&self, i: usize, input: usize, kernel: usize) -> Result<(usize, usize)> {
        let extra = self.output_padding.map(|p| p[i]);
        if self.rank == 1 && i == 0 {
            // The lifted height: one row in, one row out.
            return Ok((input, 0));
        }
        let (s, d) = (self.strides[i], self.dilation[i]);
        transpose_axis(self.name, input, kernel, s, d, self.padding, extra)
    }

    /// The geometry of the convolution this op is the input gradient of
    /// (its input is this op's output), and this op's in_channels.
    fn conv_geometry(&self, x: &[usize], k: &[usize]) -> Result<(Geometry, usize)> {
        let (op, rank) = (self.name, self.rank);
        let input = lift_input(op, x, rank)?;
        if k.len() != rank + 2 {
            return Err(rank_error(op, "a kernel", rank, kernel_layout(rank), k));
        }
        let (cout, cin) = (k[rank], k[rank + 1]);
        if cin != input[3] {
            return Err(Error::shape(
                op,
                "the kernel's in_channels (last axis) to equal the input's channels (last axis)",
                format!("input {} and kernel {}", fmt_shape(x), fmt_shape(k)),
            ));
        }
        if k[..rank].contains(&0) {
            return Err(Error::shape(
                op,
                "a kernel with a positive spatial size",
                format!("kernel {}", fmt_shape(k)),
            ));
        }
        let size = lift_pair(&k[..rank]);
        let axis = |i: usize| -> Result<AxisWindow> {
            let (out, pad) = self.axis(i, input[i + 1], size[i])?;
            Ok(AxisWindow {
                input: out,
                kernel: size[i],
                stride: self.strides[i],
                dilation: self.dilation[i],
                pad_before: pad,
                output: input[i + 1],
            })
        };
        let g = Geometry {
            batch: input[0],
            channels: cout,
            h: axis(0)?,
            w: axis(1)?,
        };
        Ok((g, cin))
    }

    /// This op's output shape (the convolution's input), in the caller's rank.
    fn out_shape(&self, g: &Geometry) -> Vec<usize> {
        if self.rank == 1 {
            vec![g.batch, g.w.input, g.channels]
        } else {
            vec![g.batch, g.h.input, g.w.input, g.channels]
        }
    }
}

impl Primitive for ConvTranspose {
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
        if x.rank() != rank + 2 {
            return Err(Error::shape(
                op,
                format!("an input of rank {}", rank + 2),
                format!("an input of shape {}", fmt_dims(&x.shape)),
            ));
        }
        if let (Some(kc), Some(c)) = (k.shape[rank + 1], x.shape[rank + 1]) {
            if kc != c {
                return Err(Error::shape(
                    op,
                    "the kernel's in_channels (last axis) to equal the input's channels (last axis)",
                    format!("input {} and kernel {}", fmt_dims(&x.shape), fmt_dims(&k.shape)),
                ));
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
        let lifted = lift_pair(&sizes);
        let mut shape: Vec<Dim> = vec![x.shape[0]];
        for (j, &dim) in x.shape[1..=rank].iter().enumerate() {
            let i = j + 2 - rank;
            shape.push(match dim {
                Some(n) => Some(self.axis(i, n, lifted[i])?.0),
                None => None,
            });
        }
        shape.push(k.shape[rank]);
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn fusion(&self) -> Fusion {
        Fusion::Linear
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = self.name;
        expect_arity(op, inputs, 2)?;
        if let (ValueView::F64(x), ValueView::F64(k)) = (&inputs[0], &inputs[1]) {
            let (g, cin) = self.conv_geometry(x.shape(), k.shape())?;
            let (k, x) = (contiguous_f64(k), contiguous_f64(x));
            let y = conv2d_backward_data_f64(op, &g, &k, cin, &x)?;
            return to_array_t(op, &self.out_shape(&g), y).map(Value::F64);
        }
        let (x, k) = (inputs[0].f32(op)?, inputs[1].f32(op)?);
        let (g, cin) = self.conv_geometry(x.shape(), k.shape())?;
        let y = conv2d_backward_data(op, &g, &contiguous(&k), cin, &contiguous(&x))?;
        to_array(op, &self.out_shape(&g), y).map(Value::F32)
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    /// As `backward_needed`, on the float64 convolution kernels.
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
        let (g, cin) = self.conv_geometry(x.shape(), k.shape())?;
        expect_grad_shape(op, grad.shape(), &self.out_shape(&g))?;
        let (gy, kernel) = (contiguous_f64(&grad), contiguous_f64(&k));
        let dx = if needed.first() != Some(&false) {
            let dx = conv2d_forward_f64(op, &g, &gy, &kernel, cin)?;
            Some(to_array_t(op, x.shape(), dx)?)
        } else {
            None
        };
        let dk = if needed.get(1) != Some(&false) {
            let xs = contiguous_f64(&x);
            let (_, dk) = conv2d_backward_f64(op, &g, &gy, &kernel, cin, &xs, false)?;
            Some(to_array_t(op, k.shape(), dk)?)
        } else {
            None
        };
        Ok(vec![dx, dk])
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
        let (g, cin) = self.conv_geometry(x.shape(), k.shape())?;
        expect_grad_shape(op, grad.shape(), &self.out_shape(&g))?;
        let (gy, kernel) = (contiguous(&grad), contiguous(&k));
        // dX: the convolution's forward pass over dY.
        let dx = if needed.first() != Some(&false) {
            let dx = conv2d_forward(op, &g, &gy, &kernel, cin, None)?;
            Some(to_array(op, x.shape(), dx)?)
        } else {
            None
        };
        // dK: the convolution's weight gradient, with dY as its input and
        // this op's input as its output gradient.
        let dk = if needed.get(1) != Some(&false) {
            let xs = contiguous(&x);
            let (_, dk) = conv2d_backward(op, &g, &gy, &kernel, cin, &xs, false)?;
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
        name: "conv1d_transpose",
        doc: "1-d transposed convolution, channels last, kernel (size, out, in)",
        inputs: &["inputs", "kernel"],
        attrs: &[
            ("strides", Lit::None),
            ("padding", Lit::Str("valid")),
            ("output_padding", Lit::None),
            ("dilation_rate", Lit::None),
        ],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(ConvTranspose::new(n, a)?)),
        example: (
            &[("strides", Lit::Int(2)), ("padding", Lit::Str("same"))],
            &[Sample::F32(&[2, 4, 3]), Sample::F32(&[3, 2, 3])],
        ),
    },
    OpInfo {
        name: "conv2d_transpose",
        doc: "2-d transposed convolution, channels last, kernel (h, w, out, in)",
        inputs: &["inputs", "kernel"],
        attrs: &[
            ("strides", Lit::None),
            ("padding", Lit::Str("valid")),
            ("output_padding", Lit::None),
            ("dilation_rate", Lit::None),
        ],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(ConvTranspose::new(n, a)?)),
        example: (
            &[("strides", Lit::Ints(&[2, 1]))],
            &[Sample::F32(&[2, 3, 4, 2]), Sample::F32(&[3, 2, 3, 2])],
        ),
    },
];

#[cfg(test)]
#[path = "conv_transpose_tests.rs"]
mod tests;
