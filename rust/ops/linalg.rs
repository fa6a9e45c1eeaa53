//! matmul (batched, numpy broadcasting over batch dimensions) and bias_add.

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::broadcast::{broadcast_shape, reduce_owned};
use super::spec::{self, broadcast_dims, fmt_dims, DType, TensorSpec};
use super::{Context, Float64, Fusion, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::buffer::try_filled;
use crate::kernels::elementwise::{column_sums, rows_plus};
use crate::kernels::bf16::{gemm_into_p, runs_on_one_thread_p, Precision};
use crate::kernels::matmul_f64::{batched_matmul_f64, matmul_grads_f64};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, Axis, Dimension, Ix2, IxDyn};

/// Swaps the last two axes of a view (a free transpose).
fn t_last(a: ArrayViewD<f32>) -> ArrayViewD<f32> {
    let mut a = a;
    let r = a.ndim();
    a.swap_axes(r - 2, r - 1);
    a
}

/// `a @ b` over the last two axes, broadcasting the leading (batch) axes,
/// with its products in `precision`.
pub fn batched_matmul_p(
    op: &str,
    precision: Precision,
    a: ArrayViewD<f32>,
    b: ArrayViewD<f32>,
) -> Result<ArrayD<f32>> {
    if a.ndim() < 2 || b.ndim() < 2 {
        return Err(Error::shape(
            op,
            "operands of rank >= 2",
            format!("{} and {}", fmt_shape(a.shape()), fmt_shape(b.shape())),
        ));
    }
    let (m, k) = (a.shape()[a.ndim() - 2], a.shape()[a.ndim() - 1]);
    let (k2, n) = (b.shape()[b.ndim() - 2], b.shape()[b.ndim() - 1]);
    if k != k2 {
        return Err(Error::shape(
            op,
            format!("the last axis of the first operand ({k}) to equal the second-to-last axis of the second"),
            format!("{} and {}", fmt_shape(a.shape()), fmt_shape(b.shape())),
        ));
    }
    // Fast path: a batch of rows against one matrix is a single GEMM.
    if b.ndim() == 2 && a.is_standard_layout() {
        let rows = a.len() / k.max(1);
        let mut out_shape = a.shape().to_vec();
        *out_shape.last_mut().unwrap_or(&mut 0) = n;
        if k == 0 {
            return Ok(ArrayD::<f32>::zeros(IxDyn(&out_shape)));
        }
        let a2 = a
            .into_shape_with_order((rows, k))
            .map_err(|e| Error::shape(op, "a contiguous operand", e.to_string()))?;
        let b2 = b
            .into_dimensionality::<Ix2>()
            .map_err(|e| Error::shape(op, "a matrix", e.to_string()))?;
        // SAFETY: the GEMM writes all rows x n elements (k > 0 here), which
        // are all of the output; a failed reshape is an error, not a partial fill.
        return unsafe {
            try_filled(&out_shape, |c| {
                let c2 = c
                    .into_shape_with_order((rows, n))
                    .map_err(|e| Error::shape(op, "a contiguous result", e.to_string()))?;
                gemm_into_p(precision, a2, b2, c2, false);
                Ok(())
            })
        };
    }
    let batch_a = &a.shape()[..a.ndim() - 2];
    let batch_b = &b.shape()[..b.ndim() - 2];
    let batch = broadcast_shape(op, batch_a, batch_b)?;
    let mut full_a = batch.clone();
    full_a.extend([m, k]);
    let mut full_b = batch.clone();
    full_b.extend([k, n]);
    let mut out_shape = batch.clone();
    out_shape.extend([m, n]);
    let av = a
        .broadcast(IxDyn(&full_a))
        .ok_or_else(|| Error::shape(op, "broadcastable batch axes", fmt_shape(a.shape())))?;
    let bv = b
        .broadcast(IxDyn(&full_b))
        .ok_or_else(|| Error::shape(op, "broadcastable batch axes", fmt_shape(b.shape())))?;
    if k == 0 || out_shape.contains(&0) {
        return Ok(ArrayD::<f32>::zeros(IxDyn(&out_shape)));
    }
    // SAFETY: the batch indices cover every (m, n) block of the output and
    // each block's GEMM writes all of it (k > 0 here); any failure returns
    // early as an error, never a partial fill.
    unsafe {
        try_filled(&out_shape, |mut out| {
        // Walk the batch index by index; each operand stays a strided view, so
        // transposed or broadcast operands are read in place without a copy.
        for idx in ndarray::indices(IxDyn(&batch)) {
            let mut ai = av.view();
            let mut bi = bv.view();
            let mut ci = out.view_mut();
            for &i in idx.slice() {
                ai = ai.index_axis_move(Axis(0), i);
                bi = bi.index_axis_move(Axis(0), i);
                ci = ci.index_axis_move(Axis(0), i);
            }
            match (
                ai.into_dimensionality::<Ix2>(),
                bi.into_dimensionality::<Ix2>(),
                ci.into_dimensionality::<Ix2>(),
            ) {
                (Ok(a2), Ok(b2), Ok(c2)) => gemm_into_p(precision, a2, b2, c2, false),
                _ => {
                    return Err(Error::shape(
                        op,
                        "matrices in the last two axes",
                        "another rank",
                    ))
                }
            }
        }
        Ok(())
    })
    }
}

/// `matmul`; with `precision="bfloat16"` (the `mixed_bfloat16` policy) its
/// products, forward and backward, take bf16-rounded operands and sum in
/// float32 (`kernels::bf16`), as JAX's bf16 dots and their transposes do.
#[derive(Debug)]
pub struct MatMul {
    precision: Precision,
}

impl MatMul {
    pub fn with_precision(precision: Precision) -> Self {
        MatMul { precision }
    }
}

impl Primitive for MatMul {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "matmul";
        spec::expect_arity(op, inputs, 2)?;
        let (a, b) = (&inputs[0], &inputs[1]);
        a.expect_dtype(op, "operands", DType::F32)?;
        b.expect_dtype(op, "operands", DType::F32)?;
        if a.rank() < 2 || b.rank() < 2 {
            return Err(Error::shape(
                op,
                "operands of rank >= 2",
                format!("{} and {}", fmt_dims(&a.shape), fmt_dims(&b.shape)),
            ));
        }
        let (ra, rb) = (a.rank(), b.rank());
        if let (Some(k), Some(k2)) = (a.shape[ra - 1], b.shape[rb - 2]) {
            if k != k2 {
                return Err(Error::shape(
                    op,
                    format!("the last axis of the first operand ({k}) to equal the second-to-last axis of the second"),
                    format!("{} and {}", fmt_dims(&a.shape), fmt_dims(&b.shape)),
                ));
            }
        }
        let mut shape = broadcast_dims(op, &a.shape[..ra - 2], &b.shape[..rb - 2])?;
        shape.extend([a.shape[ra - 2], b.shape[rb - 1]]);
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        "matmul"
    }

    fn work(&self, input_shapes: &[&[usize]]) -> usize {
        let total = input_shapes.iter().map(|s| s.iter().product::<usize>()).sum();
        // One 2-D product that the kernel keeps on one thread gains nothing
        // from the pool (a one-sample Dense: the hand-off cost ~6 µs of ~20).
        match input_shapes {
            [a, b] if b.len() == 2 && a.len() >= 2 => {
                let k = a[a.len() - 1];
                let rows = a.iter().product::<usize>() / k.max(1);
                if runs_on_one_thread_p(self.precision, rows, k, b[1]) {
                    0
                } else {
                    // Small operands can still make a long product (a
                    // kernel gradient over a batch of 32: 784 x 32 x 512
                    // from 41k elements), so one the kernel splits always
                    // gets the pool.
                    usize::max(total, crate::kernels::parallel::INLINE_WORK)
                }
            }
            _ => total,
        }
    }

    fn fusion(&self) -> Fusion {
        Fusion::Linear
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("matmul", inputs, 2)?;
        if let (ValueView::F64(a), ValueView::F64(b)) = (&inputs[0], &inputs[1]) {
            return batched_matmul_f64("matmul", a.view(), b.view()).map(Value::F64);
        }
        let (a, b) = (inputs[0].f32("matmul")?, inputs[1].f32("matmul")?);
        batched_matmul_p("matmul", self.precision, a, b).map(Value::F32)
    }

    /// float64 products run in float64 whatever the precision attribute
    /// (bfloat16 products are a float32 policy).
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
        expect_arity("matmul", inputs, 2)?;
        let (a, b) = (inputs[0].f64("matmul")?, inputs[1].f64("matmul")?);
        matmul_grads_f64("matmul", a, b, grad, needed)
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
        _o: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _c: &Context,
        needed: &[bool],
    ) -> Result<InputGrads> {
        expect_arity("matmul", inputs, 2)?;
        let (a, b) = (inputs[0].f32("matmul")?, inputs[1].f32("matmul")?);
        let (need_a, need_b) = (
            needed.first() != Some(&false),
            needed.get(1) != Some(&false),
        );
        let ga = if need_a {
            let ga = batched_matmul_p("matmul", self.precision, grad.view(), t_last(b.view()))?;
            Some(reduce_owned("matmul", ga, a.shape())?)
        } else {
            None
        };
        if !need_b {
            return Ok(vec![ga, None]);
        }
        let gb = if b.ndim() == 2 && grad.is_standard_layout() && a.is_standard_layout() {
            // Sum over every leading axis at once: one (k, rows) x (rows, n) GEMM.
            let k = a.shape()[a.ndim() - 1];
            let n = b.shape()[1];
            // Not a.len() / k: an empty inner axis (k = 0) still has rows.
            let rows: usize = a.shape()[..a.ndim() - 1].iter().product();
            let a2 = a
                .view()
                .into_shape_with_order(IxDyn(&[rows, k]))
                .map_err(|e| Error::shape("matmul", "a contiguous operand", e.to_string()))?;
            let g2 = grad
                .into_shape_with_order(IxDyn(&[rows, n]))
                .map_err(|e| Error::shape("matmul", "a contiguous gradient", e.to_string()))?;
            batched_matmul_p("matmul", self.precision, t_last(a2), g2)?
        } else {
            batched_matmul_p("matmul", self.precision, t_last(a.view()), grad.view())?
        };
        Ok(vec![ga, Some(reduce_owned("matmul", gb, b.shape())?)])
    }
}

/// `bias_add(x, bias)`: adds a vector along the last axis.
#[derive(Debug)]
pub struct BiasAdd;

impl BiasAdd {
    pub fn new() -> Result<Self> {
        Ok(BiasAdd)
    }

    pub(super) fn check(x: &[usize], b: &[usize]) -> Result<()> {
        if b.len() != 1 || x.is_empty() || x[x.len() - 1] != b[0] {
            return Err(Error::shape(
                "bias_add",
                "a bias of shape (channels,) matching the input's last axis",
                format!("input {} and bias {}", fmt_shape(x), fmt_shape(b)),
            ));
        }
        Ok(())
    }
}

impl Primitive for BiasAdd {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "bias_add";
        spec::expect_arity(op, inputs, 2)?;
        let (x, b) = (&inputs[0], &inputs[1]);
        x.expect_dtype(op, "an input", DType::F32)?;
        b.expect_dtype(op, "a bias", DType::F32)?;
        let fits = b.rank() == 1
            && x.rank() >= 1
            && match (x.shape[x.rank() - 1], b.shape[0]) {
                (Some(c), Some(n)) => c == n,
                _ => true,
            };
        if !fits {
            return Err(Error::shape(
                op,
                "a bias of shape (channels,) matching the input's last axis",
                format!(
                    "input {} and bias {}",
                    fmt_dims(&x.shape),
                    fmt_dims(&b.shape)
                ),
            ));
        }
        Ok(x.clone())
    }

    fn name(&self) -> &'static str {
        "bias_add"
    }

    fn fusion(&self) -> Fusion {
        Fusion::Bias
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("bias_add", inputs, 2)?;
        if let (ValueView::F64(x), ValueView::F64(b)) = (&inputs[0], &inputs[1]) {
            Self::check(x.shape(), b.shape())?;
            return Ok(Value::F64(x + b));
        }
        let (x, b) = (inputs[0].f32("bias_add")?, inputs[1].f32("bias_add")?);
        Self::check(x.shape(), b.shape())?;
        let (x, b) = (x.as_standard_layout(), b.as_standard_layout());
        let (Some(xs), Some(bs)) = (x.as_slice(), b.as_slice()) else {
            return Err(Error::shape(
                "bias_add",
                "contiguous operands",
                "strided views",
            ));
        };
        // SAFETY: `rows_plus` writes out[i] = x[i] + b[i % len(b)] for every i
        // when the lengths agree (checked here, in release builds too, beside
        // `check` above); anything else is an error before a write.
        let out = unsafe {
            try_filled(x.shape(), |out| {
                let out = out
                    .into_slice()
                    .ok_or_else(|| Error::argument("bias_add", "output buffer not contiguous"))?;
                if out.len() != xs.len() || (!xs.is_empty() && (bs.is_empty() || xs.len() % bs.len() != 0)) {
                    return Err(Error::shape("bias_add", "a bias as long as the last axis", fmt_shape(b.shape())));
                }
                rows_plus(xs, bs, out);
                Ok(())
            })
        }?;
        Ok(Value::F32(out))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
    ) -> Result<InputGrads> {
        self.backward_owned(inputs, output, grad.to_owned(), ctx, &[true, true])
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
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        expect_arity("bias_add", inputs, 2)?;
        let b = inputs[1].f64("bias_add")?;
        Self::check(grad.shape(), b.shape())?;
        let rows = grad.len() / b.len().max(1);
        let db = grad
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order(IxDyn(&[rows, b.len()]))
            .map_err(|e| Error::shape("bias_add", "a bias-shaped gradient", e.to_string()))?
            .sum_axis(Axis(0));
        Ok(vec![Some(grad.to_owned()), Some(db)])
    }

    fn backward_owned(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        grad: ArrayD<f32>,
        _c: &Context,
        needed: &[bool],
    ) -> Result<InputGrads> {
        expect_arity("bias_add", inputs, 2)?;
        let b = inputs[1].f32("bias_add")?;
        Self::check(grad.shape(), b.shape())?;
        let grad = if grad.is_standard_layout() {
            grad
        } else {
            grad.as_standard_layout().into_owned()
        };
        let db = grad
            .as_slice()
            .map(|g| column_sums(g, b.len()))
            .ok_or_else(|| Error::shape("bias_add", "a contiguous gradient", "a strided one"))?;
        let db = ArrayD::from_shape_vec(IxDyn(b.shape()), db)
            .map_err(|e| Error::shape("bias_add", "a bias-shaped gradient", e.to_string()))?;
        // The input's gradient is the output's: handed on, not copied.
        let dx = (needed.first() != Some(&false)).then_some(grad);
        Ok(vec![dx, Some(db)])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "matmul",
        doc: "matrix product over the last two axes, batch axes broadcasting",
        inputs: &["x1", "x2"],
        attrs: &[("precision", Lit::Str("float32"))],
        dtypes: "float32",
        differentiable: true,
        build: |_, a| {
            let name = a.string("matmul", "precision", "float32")?;
            Ok(Arc::new(MatMul::with_precision(Precision::parse("matmul", &name)?)))
        },
        example: (&[], &[Sample::F32(&[2, 3, 4]), Sample::F32(&[4, 5])]),
    },
    OpInfo {
        name: "bias_add",
        doc: "x + bias along the last axis",
        inputs: &["x", "bias"],
        attrs: &[],
        dtypes: "float32",
        differentiable: true,
        build: |_, _| Ok(Arc::new(BiasAdd::new()?)),
        example: (&[], &[Sample::F32(&[3, 4]), Sample::F32(&[4])]),
    },
];
