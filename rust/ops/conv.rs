//! conv1d and conv2d, channels-last, as im2col + GEMM (`kernels::im2col`).
//! conv1d runs as conv2d with a height of 1. Bias is a separate `bias_add`.
//!
//! Strides > 1 together with dilation > 1 are accepted: the arithmetic is
//! well defined (PyTorch allows it); TensorFlow's refusal is a limit of its
//! kernels, and the Keras layers refuse it themselves before reaching here.

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::padding::{window_output, Padding};
use super::spec::{self, fmt_dims, DType, Dim, TensorSpec};
use super::{Attrs, Context, Float64, Fusion, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::bf16::Precision;
use crate::kernels::conv_f64::{conv2d_backward_f64, conv2d_forward_f64};
use crate::kernels::im2col::{conv2d_backward, conv2d_forward, with_precision, RowsEpilogue};
use crate::kernels::window::{AxisWindow, Geometry};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn};
use std::borrow::Cow;

/// A rank mismatch, e.g. "expected an input of rank 4 (batch, height,
/// width, channels). Received: an input of shape (5, 5, 3)".
pub(super) fn rank_error(
    op: &str,
    what: &str,
    rank: usize,
    layout: &str,
    shape: &[usize],
) -> Error {
    Error::shape(
        op,
        format!("{what} of rank {} {layout}", rank + 2),
        format!("{what} of shape {}", fmt_shape(shape)),
    )
}

/// Input shape (N, H, W, C) of a channels-last input with `rank` spatial
/// axes; 1-D inputs (N, L, C) become (N, 1, L, C).
pub(super) fn lift_input(op: &str, shape: &[usize], rank: usize) -> Result<[usize; 4]> {
    let layout = if rank == 1 {
        "(batch, length, channels)"
    } else {
        "(batch, height, width, channels)"
    };
    match (rank, shape) {
        (1, [n, l, c]) => Ok([*n, 1, *l, *c]),
        (2, [n, h, w, c]) => Ok([*n, *h, *w, *c]),
        _ => Err(rank_error(op, "an input", rank, layout, shape)),
    }
}

/// Per-axis attribute values lifted to two axes (1-D ops get 1 for height).
pub(super) fn lift_pair(values: &[usize]) -> [usize; 2] {
    match values {
        [w] => [1, *w],
        [h, w, ..] => [*h, *w],
        [] => [1, 1],
    }
}

/// The window geometry of one call; `input` from `lift_input`, the others
/// from `lift_pair`.
pub(super) fn geometry(
    op: &str,
    input: [usize; 4],
    kernel: [usize; 2],
    strides: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
) -> Result<Geometry> {
    let axis = |i: usize| -> Result<AxisWindow> {
        let (n, k, s, d) = (input[i + 1], kernel[i], strides[i], dilation[i]);
        let window = (k - 1)
            .checked_mul(d)
            .and_then(|v| v.checked_add(1))
            .ok_or_else(|| {
                Error::argument(
                    op,
                    format!("the dilated window is too large. Received: kernel size {k}, dilation_rate {d}"),
                )
            })?;
        let (output, pad_before) = window_output(op, n, window, s, padding)?;
        Ok(AxisWindow {
            input: n,
            kernel: k,
            stride: s,
            dilation: d,
            pad_before,
            output,
        })
    };
    Ok(Geometry {
        batch: input[0],
        channels: input[3],
        h: axis(0)?,
        w: axis(1)?,
    })
}

/// The output shape of a windowed op, in the caller's rank.
/// The output dims of a channels-last windowed op (convolution, pooling)
/// on input dims `x` of a `rank`-d op, with unknown sizes kept unknown; the
/// channels stay those of the input (a convolution replaces them).
pub(super) fn windowed_dims(
    op: &str,
    x: &[Dim],
    rank: usize,
    window: [usize; 2],
    strides: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
) -> Result<Vec<Dim>> {
    if x.len() != rank + 2 {
        let layout = if rank == 1 {
            "(batch, length, channels)"
        } else {
            "(batch, height, width, channels)"
        };
        return Err(Error::shape(
            op,
            format!("an input of rank {} {layout}", rank + 2),
            format!("an input of shape {}", fmt_dims(x)),
        ));
    }
    // Lifted as the kernels lift a 1-d op: a height of 1.
    let spatial: Vec<Dim> = if rank == 1 {
        vec![Some(1), x[1]]
    } else {
        vec![x[1], x[2]]
    };
    let mut out = vec![x[0]];
    for axis in 2 - rank..2 {
        let (k, s, d) = (window[axis], strides[axis], dilation[axis]);
        let span = (k.max(1) - 1)
            .checked_mul(d)
            .and_then(|v| v.checked_add(1))
            .ok_or_else(|| {
                Error::argument(
                    op,
                    format!("the dilated window is too large. Received: kernel size {k}, dilation_rate {d}"),
                )
            })?;
        out.push(match spatial[axis] {
            Some(n) => Some(window_output(op, n, span, s, padding)?.0),
            None => None,
        });
    }
    out.push(x[rank + 1]);
    Ok(out)
}

pub(super) fn output_shape(g: &Geometry, rank: usize, channels: usize) -> Vec<usize> {
    if rank == 1 {
        vec![g.batch, g.w.output, channels]
    } else {
        vec![g.batch, g.h.output, g.w.output, channels]
    }
}

/// A contiguous slice of `a`, copying only when it is strided.
pub(super) fn contiguous<'a>(a: &'a ArrayViewD<'_, f32>) -> Cow<'a, [f32]> {
    match a.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(a.iter().copied().collect()),
    }
}

/// Checks that `grad` has the forward output's shape.
pub(super) fn expect_grad_shape(op: &str, grad: &[usize], want: &[usize]) -> Result<()> {
    if grad != want {
        return Err(Error::shape(
            op,
            format!("a gradient of the output's shape {}", fmt_shape(want)),
            format!("a gradient of shape {}", fmt_shape(grad)),
        ));
    }
    Ok(())
}

/// A contiguous float64 slice of `a`, copying only when it is strided.
pub(super) fn contiguous_f64<'a>(a: &'a ArrayViewD<'_, f64>) -> Cow<'a, [f64]> {
    match a.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(a.iter().copied().collect()),
    }
}

/// A flat result of any float type in `shape`.
pub(super) fn to_array_t<T>(op: &str, shape: &[usize], data: Vec<T>) -> Result<ArrayD<T>> {
    ArrayD::from_shape_vec(IxDyn(shape), data)
        .map_err(|e| Error::shape(op, "a result of consistent size", e.to_string()))
}

pub(super) fn to_array(op: &str, shape: &[usize], data: Vec<f32>) -> Result<ArrayD<f32>> {
    ArrayD::from_shape_vec(IxDyn(shape), data)
        .map_err(|e| Error::shape(op, "a result of consistent size", e.to_string()))
}

#[derive(Debug)]
pub struct Conv {
    name: &'static str,
    rank: usize,
    strides: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
    /// "bfloat16" under the `mixed_bfloat16` policy: the im2col GEMMs,
    /// forward and backward, take bf16-rounded operands (`kernels::bf16`).
    precision: Precision,
}

impl Conv {
    pub fn new(name: &str, attrs: &Attrs) -> Result<Self> {
        let (name, rank) = match name {
            "conv1d" => ("conv1d", 1),
            "conv2d" => ("conv2d", 2),
            _ => return Err(Error::argument(name, "not a convolution")),
        };
        Ok(Self {
            name,
            rank,
            strides: lift_pair(&attrs.spatial(name, "strides", rank, 1)?),
            dilation: lift_pair(&attrs.spatial(name, "dilation_rate", rank, 1)?),
            padding: Padding::parse(name, &attrs.string(name, "padding", "valid")?)?,
            precision: Precision::parse(name, &attrs.string(name, "precision", "float32")?)?,
        })
    }

    /// The forward pass, with `epilogue` run over each block of output rows
    /// as soon as it is computed.
    fn forward_rows(&self, inputs: &[ValueView], epilogue: RowsEpilogue) -> Result<Value> {
        let op = self.name;
        expect_arity(op, inputs, 2)?;
        if let (ValueView::F64(x), ValueView::F64(k)) = (&inputs[0], &inputs[1]) {
            // float64 (the boundary widened any float32 operand): products
            // in float64 whatever the precision attribute, which is a
            // float32 policy; no epilogue reaches here (fusion is float32).
            if epilogue.is_some() {
                return Err(Error::graph(format!("{op}: an epilogue needs a float32 result")));
            }
            let (g, cout) = self.geometry(x.shape(), k.shape())?;
            let y = conv2d_forward_f64(op, &g, &contiguous_f64(x), &contiguous_f64(k), cout)?;
            return to_array_t(op, &output_shape(&g, self.rank, cout), y).map(Value::F64);
        }
        let (x, k) = (inputs[0].f32(op)?, inputs[1].f32(op)?);
        let (g, cout) = self.geometry(x.shape(), k.shape())?;
        let y = with_precision(self.precision, || {
            conv2d_forward(op, &g, &contiguous(&x), &contiguous(&k), cout, epilogue)
        })?;
        to_array(op, &output_shape(&g, self.rank, cout), y).map(Value::F32)
    }

    /// (geometry, Cout) after checking x and kernel against each other.
    fn geometry(&self, x: &[usize], k: &[usize]) -> Result<(Geometry, usize)> {
        let op = self.name;
        let input = lift_input(op, x, self.rank)?;
        let layout = if self.rank == 1 {
            "(kernel_size, in_channels, out_channels)"
        } else {
            "(kernel_h, kernel_w, in_channels, out_channels)"
        };
        if k.len() != self.rank + 2 {
            return Err(rank_error(op, "a kernel", self.rank, layout, k));
        }
        let (cin, cout) = (k[self.rank], k[self.rank + 1]);
        if cin != input[3] {
            return Err(Error::shape(
                op,
                "the kernel's in_channels (axis -2) to equal the input's channels (last axis)",
                format!("input {} and kernel {}", fmt_shape(x), fmt_shape(k)),
            ));
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
        Ok((g, cout))
    }
}

impl Primitive for Conv {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = self.name;
        spec::expect_arity(op, inputs, 2)?;
        let (x, k) = (&inputs[0], &inputs[1]);
        x.expect_dtype(op, "an input", DType::F32)?;
        k.expect_dtype(op, "a kernel", DType::F32)?;
        let rank = self.rank;
        if k.rank() != rank + 2 {
            let layout = if rank == 1 {
                "(kernel_size, in_channels, out_channels)"
            } else {
                "(kernel_h, kernel_w, in_channels, out_channels)"
            };
            return Err(Error::shape(
                op,
                format!("a kernel of rank {} {layout}", rank + 2),
                format!("a kernel of shape {}", fmt_dims(&k.shape)),
            ));
        }
        if x.rank() == rank + 2 {
            if let (Some(cin), Some(c)) = (k.shape[rank], x.shape[rank + 1]) {
                if cin != c {
                    return Err(Error::shape(
                        op,
                        "the kernel's in_channels (axis -2) to equal the input's channels (last axis)",
                        format!("input {} and kernel {}", fmt_dims(&x.shape), fmt_dims(&k.shape)),
                    ));
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
        let mut shape = windowed_dims(
            op,
            &x.shape,
            rank,
            lift_pair(&sizes),
            self.strides,
            self.dilation,
            self.padding,
        )?;
        *shape.last_mut().unwrap_or(&mut None) = k.shape[rank + 1];
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn fusion(&self) -> Fusion {
        Fusion::Linear
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        self.forward_rows(inputs, None)
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
        let need_dx = needed.first() != Some(&false);
        expect_arity(op, inputs, 2)?;
        let (x, k) = (inputs[0].f64(op)?, inputs[1].f64(op)?);
        let (g, cout) = self.geometry(x.shape(), k.shape())?;
        expect_grad_shape(op, grad.shape(), &output_shape(&g, self.rank, cout))?;
        let (dx, dk) = conv2d_backward_f64(
            op,
            &g,
            &contiguous_f64(&x),
            &contiguous_f64(&k),
            cout,
            &contiguous_f64(&grad),
            need_dx,
        )?;
        let dx = if need_dx {
            Some(to_array_t(op, x.shape(), dx)?)
        } else {
            None
        };
        Ok(vec![dx, Some(to_array_t(op, k.shape(), dk)?)])
    }

    fn forward_with_epilogue(
        &self,
        inputs: &[ValueView],
        _ctx: &Context,
        epilogue: &(dyn Fn(&mut [f32]) + Sync),
    ) -> Result<Value> {
        self.forward_rows(inputs, Some(epilogue))
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
        let need_dx = needed.first() != Some(&false);
        expect_arity(op, inputs, 2)?;
        let (x, k) = (inputs[0].f32(op)?, inputs[1].f32(op)?);
        let (g, cout) = self.geometry(x.shape(), k.shape())?;
        expect_grad_shape(op, grad.shape(), &output_shape(&g, self.rank, cout))?;
        let (dx, dk) = with_precision(self.precision, || {
            conv2d_backward(
                op,
                &g,
                &contiguous(&x),
                &contiguous(&k),
                cout,
                &contiguous(&grad),
                need_dx,
            )
        })?;
        let dx = if need_dx {
            Some(to_array(op, x.shape(), dx)?)
        } else {
            None
        };
        Ok(vec![dx, Some(to_array(op, k.shape(), dk)?)])
    }
}


/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "conv1d",
        doc: "1-d convolution, channels last, kernel (size, in, out)",
        inputs: &["inputs", "kernel"],
        attrs: &[("strides", Lit::None), ("padding", Lit::Str("valid")), ("dilation_rate", Lit::None), ("precision", Lit::Str("float32"))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Conv::new(n, a)?)),
        example: (&[("padding", Lit::Str("same"))], &[Sample::F32(&[2, 5, 3]), Sample::F32(&[3, 3, 4])]),
    },
    OpInfo {
        name: "conv2d",
        doc: "2-d convolution, channels last, kernel (h, w, in, out)",
        inputs: &["inputs", "kernel"],
        attrs: &[("strides", Lit::None), ("padding", Lit::Str("valid")), ("dilation_rate", Lit::None), ("precision", Lit::Str("float32"))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Conv::new(n, a)?)),
        example: (&[("strides", Lit::Ints(&[2, 1]))], &[Sample::F32(&[2, 5, 4, 2]), Sample::F32(&[3, 2, 2, 3])]),
    },
];

#[cfg(test)]
#[path = "conv_tests.rs"]
pub(super) mod tests;
