//! Shape ops: reshape, transpose, concat, slice, pad. Their gradients move
//! values back to where they came from.

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, fmt_dims, DType, TensorSpec};
use super::{Attrs, Context, Float64, Fusion, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::tensor::{expect_arity, normalize_axis, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice as NdSlice};

#[path = "shape_copy.rs"]
mod copy;
#[path = "shape_f64.rs"]
mod f64_rules;

fn to_owned_shape(op: &str, a: ArrayViewD<f32>, shape: &[usize]) -> Result<ArrayD<f32>> {
    let from = a.shape().to_vec();
    // Row-major order first: an owned copy keeps a view's memory order (a
    // column-major concat result, say), which a row-major reshape refuses.
    copy::gather(&a)
        .into_shape_with_order(IxDyn(shape))
        .map_err(|_| {
            Error::shape(
                op,
                format!("a tensor with {} elements", shape.iter().product::<usize>()),
                format!("shape {}", fmt_shape(&from)),
            )
        })
}

/// The float64 methods of a `Primitive` impl here: kernels in `shape_f64`.
macro_rules! float64_rules {
    ($grad:expr) => {
        fn float64(&self) -> Float64 {
            Float64::Computed
        }

        fn backward_f64(
            &self,
            inputs: &[ValueView],
            _o: ArrayViewD<f64>,
            grad: ArrayViewD<f64>,
            _c: &Context,
            _needed: &[bool],
        ) -> Result<InputGrads64> {
            #[allow(clippy::redundant_closure_call)]
            ($grad)(self, inputs, grad)
        }
    };
}

/// `reshape(x, shape)`; one dimension may be -1 and is inferred.
#[derive(Debug)]
pub struct Reshape {
    shape: Vec<i64>,
}

impl Reshape {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        let shape = attrs
            .opt_ints("reshape", "shape")?
            .ok_or_else(|| Error::argument("reshape", "the attribute 'shape' is required"))?;
        if shape.iter().filter(|&&d| d == -1).count() > 1 || shape.iter().any(|&d| d < -1) {
            return Err(Error::argument(
                "reshape",
                format!("shape may hold one -1 and otherwise non-negative sizes. Received: shape={shape:?}"),
            ));
        }
        Ok(Self { shape })
    }

    fn target(&self, input: &[usize]) -> Result<Vec<usize>> {
        let total: usize = input.iter().product();
        let known: usize = self
            .shape
            .iter()
            .filter(|&&d| d >= 0)
            .map(|&d| d as usize)
            .product();
        let mismatch = || {
            Error::shape(
                "reshape",
                format!("an input whose size fits the target shape {:?}", self.shape),
                format!(
                    "an input of shape {} ({} elements)",
                    fmt_shape(input),
                    total
                ),
            )
        };
        let shape: Vec<usize> = if self.shape.contains(&-1) {
            if known == 0 || !total.is_multiple_of(known) {
                return Err(mismatch());
            }
            self.shape
                .iter()
                .map(|&d| if d == -1 { total / known } else { d as usize })
                .collect()
        } else {
            self.shape.iter().map(|&d| d as usize).collect()
        };
        if shape.iter().product::<usize>() != total {
            return Err(mismatch());
        }
        Ok(shape)
    }
}

impl Primitive for Reshape {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let x = spec::same_float("reshape", inputs)?;
        let shape = match spec::known_product(&x.shape) {
            Some(total) => self.target(&[total])?.into_iter().map(Some).collect(),
            None => self
                .shape
                .iter()
                .map(|&d| usize::try_from(d).ok())
                .collect(),
        };
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        "reshape"
    }

    float64_rules!(|_: &Self, i: &[ValueView], g| f64_rules::reshape_grad(i, g));

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if inputs.iter().any(ValueView::is_f64) {
            return f64_rules::reshape(self, inputs).map(Value::F64);
        }
        expect_arity("reshape", inputs, 1)?;
        let x = inputs[0].f32("reshape")?;
        let shape = self.target(x.shape())?;
        Ok(Value::F32(to_owned_shape("reshape", x, &shape)?))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _c: &Context,
    ) -> Result<InputGrads> {
        expect_arity("reshape", inputs, 1)?;
        Ok(vec![Some(to_owned_shape(
            "reshape",
            grad,
            inputs[0].shape(),
        )?)])
    }

    fn backward_owned(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        grad: ArrayD<f32>,
        _c: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads> {
        expect_arity("reshape", inputs, 1)?;
        let shape = inputs[0].shape();
        if grad.is_standard_layout() && grad.len() == shape.iter().product::<usize>() {
            // Same elements in the same order: a new shape over the same buffer.
            if let Ok(g) = grad.into_shape_with_order(IxDyn(shape)) {
                return Ok(vec![Some(g)]);
            }
            return Err(Error::shape("reshape", "a reshapeable gradient", "another"));
        }
        Ok(vec![Some(to_owned_shape("reshape", grad.view(), shape)?)])
    }
}

/// `transpose(x, axes)`; without axes the order is reversed, as in numpy.
#[derive(Debug)]
pub struct Transpose {
    axes: Option<Vec<i64>>,
}

impl Transpose {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        Ok(Self {
            axes: attrs.opt_ints("transpose", "axes")?,
        })
    }

    fn perm(&self, rank: usize) -> Result<Vec<usize>> {
        let perm: Vec<usize> = match &self.axes {
            None => (0..rank).rev().collect(),
            Some(a) => a
                .iter()
                .map(|&v| normalize_axis("transpose", v, rank))
                .collect::<Result<_>>()?,
        };
        let mut seen = perm.clone();
        seen.sort_unstable();
        if seen != (0..rank).collect::<Vec<_>>() {
            return Err(Error::argument(
                "transpose",
                format!(
                    "axes must be a permutation of 0..{rank}. Received: axes={:?}",
                    self.axes
                ),
            ));
        }
        Ok(perm)
    }
}

impl Primitive for Transpose {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let x = spec::same_float("transpose", inputs)?;
        let perm = self.perm(x.rank())?;
        Ok(TensorSpec::new(
            perm.iter().map(|&p| x.shape[p]).collect(),
            DType::F32,
        ))
    }

    fn name(&self) -> &'static str {
        "transpose"
    }

    /// `[0, r-1, 1, ..., r-2]`, as channels-first layers trace after their
    /// channels-last convolution: the planner may move it after a fused
    /// batch_norm (`graph::fuse`).
    fn fusion(&self) -> Fusion {
        match self.axes.as_deref() {
            Some([0, last, rest @ ..])
                if !rest.is_empty()
                    && *last == rest.len() as i64 + 1
                    && rest.iter().zip(1..).all(|(&a, i)| a == i) =>
            {
                Fusion::ToChannelsFirst
            }
            _ => Fusion::None,
        }
    }

    float64_rules!(f64_rules::transpose_grad);

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if inputs.iter().any(ValueView::is_f64) {
            return f64_rules::transpose(self, inputs).map(Value::F64);
        }
        expect_arity("transpose", inputs, 1)?;
        let x = inputs[0].f32("transpose")?;
        let perm = self.perm(x.ndim())?;
        Ok(Value::F32(
            x.permuted_axes(IxDyn(&perm))
                .as_standard_layout()
                .into_owned(),
        ))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _c: &Context,
    ) -> Result<InputGrads> {
        expect_arity("transpose", inputs, 1)?;
        let perm = self.perm(inputs[0].shape().len())?;
        let mut inverse = vec![0; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i;
        }
        Ok(vec![Some(
            grad.permuted_axes(IxDyn(&inverse))
                .as_standard_layout()
                .into_owned(),
        )])
    }
}

/// `concat([x, y, ...], axis)`.
#[derive(Debug)]
pub struct Concat {
    axis: i64,
}

impl Concat {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        Ok(Self {
            axis: attrs.int("concat", "axis", 0)?,
        })
    }
}

impl Primitive for Concat {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "concat";
        let Some(first) = inputs.first() else {
            return Err(Error::argument(
                op,
                "expected at least one input. Received: 0 inputs",
            ));
        };
        for x in inputs {
            x.expect_dtype(op, "inputs", DType::F32)?;
        }
        let rank = first.rank();
        let axis = spec::axis_of(op, self.axis, rank)?;
        let mut shape = first.shape.clone();
        for x in &inputs[1..] {
            let same = x.rank() == rank
                && (0..rank)
                    .all(|i| i == axis || spec::dims_compatible(&[x.shape[i]], &[shape[i]]));
            if !same {
                return Err(Error::shape(
                    op,
                    format!("inputs whose shapes match except on axis {axis}"),
                    inputs
                        .iter()
                        .map(|v| fmt_dims(&v.shape))
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            }
            for (i, d) in shape.iter_mut().enumerate() {
                *d = if i == axis {
                    d.zip(x.shape[i]).map(|(a, b)| a + b)
                } else {
                    d.or(x.shape[i])
                };
            }
        }
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        "concat"
    }

    float64_rules!(f64_rules::concat_grad);

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if inputs.iter().any(ValueView::is_f64) {
            return f64_rules::concat(self, inputs).map(Value::F64);
        }
        if inputs.is_empty() {
            return Err(Error::argument(
                "concat",
                "expected at least one input. Received: 0 inputs",
            ));
        }
        let views = inputs
            .iter()
            .map(|v| v.f32("concat"))
            .collect::<Result<Vec<_>>>()?;
        let rank = views[0].ndim();
        let axis = normalize_axis("concat", self.axis, rank)?;
        for v in &views[1..] {
            let same = v.ndim() == rank
                && (0..rank).all(|i| i == axis || v.shape()[i] == views[0].shape()[i]);
            if !same {
                return Err(Error::shape(
                    "concat",
                    format!("inputs whose shapes match except on axis {axis}"),
                    views
                        .iter()
                        .map(|v| fmt_shape(v.shape()))
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            }
        }
        // Row-major, as later kernels want.
        Ok(Value::F32(copy::concat(&views, axis)))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _c: &Context,
    ) -> Result<InputGrads> {
        let rank = grad.ndim();
        let axis = normalize_axis("concat", self.axis, rank)?;
        let mut start = 0usize;
        let mut grads = Vec::with_capacity(inputs.len());
        for v in inputs {
            let len = v.shape()[axis];
            let part = grad.slice_axis(Axis(axis), NdSlice::from(start..start + len));
            grads.push(Some(copy::gather(&part)));
            start += len;
        }
        Ok(grads)
    }
}

/// `slice(x, start_indices, shape)`, as `keras.ops.slice`; a size of -1 runs
/// to the end of that axis.
#[derive(Debug)]
pub struct Slice {
    start: Vec<i64>,
    size: Vec<i64>,
}

impl Slice {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        let start = attrs
            .opt_ints("slice", "start_indices")?
            .ok_or_else(|| Error::argument("slice", "the attribute 'start_indices' is required"))?;
        let size = attrs
            .opt_ints("slice", "shape")?
            .ok_or_else(|| Error::argument("slice", "the attribute 'shape' is required"))?;
        if start.len() != size.len() {
            return Err(Error::argument(
                "slice",
                format!("start_indices and shape must have the same length. Received: start_indices={start:?}, shape={size:?}"),
            ));
        }
        Ok(Self { start, size })
    }

    fn ranges(&self, shape: &[usize]) -> Result<Vec<(usize, usize)>> {
        if shape.len() != self.start.len() {
            return Err(Error::shape(
                "slice",
                format!("an input of rank {}", self.start.len()),
                format!("an input of shape {}", fmt_shape(shape)),
            ));
        }
        shape
            .iter()
            .zip(self.start.iter().zip(&self.size))
            .map(|(&d, (&s, &n))| {
                let len = if n == -1 { d as i64 - s } else { n };
                if s < 0 || len < 0 || s + len > d as i64 {
                    Err(Error::shape(
                        "slice",
                        format!(
                            "start_indices={:?} and shape={:?} inside the input",
                            self.start, self.size
                        ),
                        format!("an input of shape {}", fmt_shape(shape)),
                    ))
                } else {
                    Ok((s as usize, (s + len) as usize))
                }
            })
            .collect()
    }
}

impl Primitive for Slice {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let x = spec::same_float("slice", inputs)?;
        if x.rank() != self.start.len() {
            return Err(Error::shape(
                "slice",
                format!("an input of rank {}", self.start.len()),
                format!("an input of shape {}", fmt_dims(&x.shape)),
            ));
        }
        if let Some(known) = x.shape.iter().copied().collect::<Option<Vec<usize>>>() {
            let ranges = self.ranges(&known)?;
            return Ok(TensorSpec::f32(
                &ranges.iter().map(|(a, b)| b - a).collect::<Vec<_>>(),
            ));
        }
        let shape = x
            .shape
            .iter()
            .zip(self.start.iter().zip(&self.size))
            .map(|(&d, (&s, &n))| match (n, d) {
                (-1, Some(d)) => usize::try_from(d as i64 - s).ok(),
                (-1, None) => None,
                (n, _) => usize::try_from(n).ok(),
            })
            .collect();
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        "slice"
    }

    float64_rules!(f64_rules::slice_grad);

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if inputs.iter().any(ValueView::is_f64) {
            return f64_rules::slice(self, inputs).map(Value::F64);
        }
        expect_arity("slice", inputs, 1)?;
        let x = inputs[0].f32("slice")?;
        let ranges = self.ranges(x.shape())?;
        let mut v = x.view();
        for (axis, &(a, b)) in ranges.iter().enumerate() {
            v.slice_axis_inplace(Axis(axis), NdSlice::from(a..b));
        }
        Ok(Value::F32(copy::gather(&v)))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _c: &Context,
    ) -> Result<InputGrads> {
        expect_arity("slice", inputs, 1)?;
        let shape = inputs[0].shape();
        let ranges = self.ranges(shape)?;
        let mut gx = ArrayD::<f32>::zeros(IxDyn(shape));
        let mut v = gx.view_mut();
        for (axis, &(a, b)) in ranges.iter().enumerate() {
            v.slice_axis_inplace(Axis(axis), NdSlice::from(a..b));
        }
        copy::scatter(&mut v, &grad);
        Ok(vec![Some(gx)])
    }
}

/// `pad(x, pad_width, constant_values)` with a constant, as `keras.ops.pad`.
#[derive(Debug)]
pub struct Pad {
    widths: Vec<(usize, usize)>,
    value: f32,
    /// The fill as given, for float64 inputs.
    value64: f64,
}

impl Pad {
    /// `x` inside a border of `value`, `widths` wide on each side.
    fn padded<T: Clone>(&self, x: ArrayViewD<T>, value: T) -> ArrayD<T> {
        let shape: Vec<usize> = x
            .shape()
            .iter()
            .zip(&self.widths)
            .map(|(&d, &(a, b))| d + a + b)
            .collect();
        let mut out = ArrayD::from_elem(IxDyn(&shape), value);
        let mut v = out.view_mut();
        for (axis, (&d, &(a, _))) in x.shape().iter().zip(&self.widths).enumerate() {
            v.slice_axis_inplace(Axis(axis), NdSlice::from(a..a + d));
        }
        v.assign(&x);
        out
    }

    pub fn new(attrs: &Attrs) -> Result<Self> {
        let lists = attrs
            .opt_int_lists("pad", "pad_width")?
            .ok_or_else(|| Error::argument("pad", "the attribute 'pad_width' is required"))?;
        let widths = lists
            .iter()
            .map(|p| match p.as_slice() {
                [a, b] if *a >= 0 && *b >= 0 => Ok((*a as usize, *b as usize)),
                _ => Err(Error::argument(
                    "pad",
                    format!("pad_width must hold one (before, after) pair of non-negative ints per axis. Received: pad_width={lists:?}"),
                )),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            widths,
            value: attrs.float("pad", "constant_values", 0.0)? as f32,
            value64: attrs.float("pad", "constant_values", 0.0)?,
        })
    }

    fn check(&self, shape: &[usize]) -> Result<()> {
        if shape.len() != self.widths.len() {
            return Err(Error::shape(
                "pad",
                format!(
                    "an input of rank {} (one pad pair per axis)",
                    self.widths.len()
                ),
                format!("an input of shape {}", fmt_shape(shape)),
            ));
        }
        Ok(())
    }
}

impl Primitive for Pad {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let x = spec::same_float("pad", inputs)?;
        if x.rank() != self.widths.len() {
            return Err(Error::shape(
                "pad",
                format!(
                    "an input of rank {} (one pad pair per axis)",
                    self.widths.len()
                ),
                format!("an input of shape {}", fmt_dims(&x.shape)),
            ));
        }
        let shape = x
            .shape
            .iter()
            .zip(&self.widths)
            .map(|(d, &(a, b))| d.map(|d| d + a + b))
            .collect();
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        "pad"
    }

    float64_rules!(f64_rules::pad_grad);

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if inputs.iter().any(ValueView::is_f64) {
            return f64_rules::pad(self, inputs).map(Value::F64);
        }
        expect_arity("pad", inputs, 1)?;
        let x = inputs[0].f32("pad")?;
        self.check(x.shape())?;
        Ok(Value::F32(self.padded(x, self.value)))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _c: &Context,
    ) -> Result<InputGrads> {
        expect_arity("pad", inputs, 1)?;
        let shape = inputs[0].shape();
        self.check(shape)?;
        let mut v = grad.view();
        for (axis, (&d, &(a, _))) in shape.iter().zip(&self.widths).enumerate() {
            v.slice_axis_inplace(Axis(axis), NdSlice::from(a..a + d));
        }
        Ok(vec![Some(v.to_owned())])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "reshape",
        doc: "the same values in a new shape (one size may be -1)",
        inputs: &["x"],
        attrs: &[("shape", Lit::None)],
        dtypes: "float32",
        differentiable: true,
        build: |_, a| Ok(Arc::new(Reshape::new(a)?)),
        example: (&[("shape", Lit::Ints(&[-1, 6]))], &[Sample::F32(&[3, 4])]),
    },
    OpInfo {
        name: "transpose",
        doc: "axes permuted (reversed by default)",
        inputs: &["x"],
        attrs: &[("axes", Lit::None)],
        dtypes: "float32",
        differentiable: true,
        build: |_, a| Ok(Arc::new(Transpose::new(a)?)),
        example: (&[("axes", Lit::Ints(&[2, 0, 1]))], &[Sample::F32(&[2, 3, 4])]),
    },
    OpInfo {
        name: "concat",
        doc: "inputs joined along an axis",
        inputs: &["xs..."],
        attrs: &[("axis", Lit::Int(0))],
        dtypes: "float32",
        differentiable: true,
        build: |_, a| Ok(Arc::new(Concat::new(a)?)),
        example: (&[("axis", Lit::Int(1))], &[Sample::F32(&[2, 3]), Sample::F32(&[2, 2])]),
    },
    OpInfo {
        name: "slice",
        doc: "a block of x at start_indices of the given shape (-1: to the end)",
        inputs: &["x"],
        attrs: &[("start_indices", Lit::None), ("shape", Lit::None)],
        dtypes: "float32",
        differentiable: true,
        build: |_, a| Ok(Arc::new(Slice::new(a)?)),
        example: (&[("start_indices", Lit::Ints(&[1, 0])), ("shape", Lit::Ints(&[2, -1]))], &[Sample::F32(&[4, 3])]),
    },
    OpInfo {
        name: "pad",
        doc: "x padded with a constant",
        inputs: &["x"],
        attrs: &[("pad_width", Lit::None), ("constant_values", Lit::Float(0.0))],
        dtypes: "float32",
        differentiable: true,
        build: |_, a| Ok(Arc::new(Pad::new(a)?)),
        example: (&[("pad_width", Lit::IntLists(&[&[1, 0], &[0, 2]]))], &[Sample::F32(&[2, 3])]),
    },
];
