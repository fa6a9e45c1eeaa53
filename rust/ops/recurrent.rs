//! Recurrent sequence primitives, the machinery they share, and two
//! time-axis ops. The recurrences themselves are `recurrent_simple`
//! (SimpleRNN), `recurrent_lstm` and `recurrent_gru`.
//!
//! The layer computes the input projection of every step as one GEMM over
//! the whole sequence (`xp = x @ kernel + bias`) with ordinary ops; the
//! primitives take `xp` and run only what is sequential: per step one GEMM
//! `h_prev @ recurrent_kernel` and the fused gate arithmetic. A mask of shape
//! (batch, time) (float, > 0.5 means "keep") and `go_backwards` are handled
//! inside the kernel: a masked step carries the previous state over, as
//! Keras's `backend.rnn` does. The output holds the carried state of every
//! step in processing order, which is what Keras returns as `outputs`
//! (reversed in time when `go_backwards`); the layer slices the last step
//! (`time_last`) and the state parts from it.
//!
//! Each batch row's recurrence is independent: the batch is cut into one
//! block per thread, each running every step with single-threaded GEMMs
//! (one fork and join per op). LSTM keeps its gates in its output for the
//! backward pass; GRU and SimpleRNN recompute theirs from the stored
//! states. The recurrent kernel's gradient is one GEMM over all steps at
//! the end.

#[path = "recurrent_f64.rs"]
pub(super) mod f64_scan;
#[path = "recurrent_gru_f64.rs"]
pub(super) mod gru_f64;

use super::registry::{OpInfo, Sample};
use super::spec::{self, fmt_dims, DType, TensorSpec};
use super::{Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::fastmath;
use crate::kernels::matmul::{gemm_into, gemm_serial};
use crate::kernels::parallel::threads_here;
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayView2, ArrayViewD, ArrayViewMut2, Axis, CowArray, IxDyn, Slice};
use rayon::prelude::*;
use std::sync::Arc;

/// The activations the fused kernels evaluate (Keras's names); the layers
/// fall back to a graph of ops for any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Tanh,
    Sigmoid,
    HardSigmoid,
    Relu,
    Linear,
}

impl Act {
    pub fn parse(op: &str, key: &str, name: &str) -> Result<Self> {
        Ok(match name {
            "tanh" => Act::Tanh,
            "sigmoid" => Act::Sigmoid,
            "hard_sigmoid" => Act::HardSigmoid,
            "relu" => Act::Relu,
            "linear" => Act::Linear,
            other => {
                return Err(Error::argument(
                    op,
                    format!(
                        "{key} must be one of tanh, sigmoid, hard_sigmoid, relu, linear. \
                         Received: {key}={other:?}"
                    ),
                ))
            }
        })
    }

    /// The activation over a slice in place; one loop per activation, so it
    /// vectorizes, as wide as the ISA level in force (`kernels::isa`).
    pub fn apply(self, xs: &mut [f32]) {
        crate::kernels::isa::run(#[inline(always)]
        move || self.apply_portable(xs))
    }

    /// [`Act::apply`] without its ISA dispatch, for loops already inside
    /// one `isa::run` (a whole time step at once).
    #[inline(always)]
    pub fn apply_portable(self, xs: &mut [f32]) {
        match self {
            Act::Tanh => xs.iter_mut().for_each(|x| *x = fastmath::tanh(*x)),
            Act::Sigmoid => xs.iter_mut().for_each(|x| *x = fastmath::sigmoid(*x)),
            Act::HardSigmoid => xs
                .iter_mut()
                .for_each(|x| *x = (*x / 6.0 + 0.5).clamp(0.0, 1.0)),
            Act::Relu => xs.iter_mut().for_each(|x| *x = x.max(0.0)),
            Act::Linear => {}
        }
    }

    /// The derivative, from the activation's value `y = f(x)` alone (so
    /// the backward pass keeps only activated gates).
    #[inline(always)]
    pub fn df(self, y: f32) -> f32 {
        match self {
            Act::Tanh => 1.0 - y * y,
            Act::Sigmoid => y * (1.0 - y),
            // x in (-3, 3) exactly where 0 < y < 1.
            Act::HardSigmoid => {
                if y > 0.0 && y < 1.0 {
                    1.0 / 6.0
                } else {
                    0.0
                }
            }
            Act::Relu => {
                if y > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Act::Linear => 1.0,
        }
    }
}

/// Sizes of one call: batch, time steps, units.
#[derive(Debug, Clone, Copy)]
pub struct Dims {
    pub b: usize,
    pub t: usize,
    pub h: usize,
}

impl Dims {
    /// The time index of processing step `s`.
    #[inline]
    pub fn time(&self, s: usize, backwards: bool) -> usize {
        if backwards {
            self.t - 1 - s
        } else {
            s
        }
    }
}

/// A float input as a contiguous (row-major) array.
pub fn dense<'a>(op: &str, v: &ValueView<'a>) -> Result<CowArray<'a, f32, IxDyn>> {
    let a = v.f32(op)?;
    Ok(if a.is_standard_layout() {
        CowArray::from(a)
    } else {
        CowArray::from(a.as_standard_layout().into_owned())
    })
}

pub fn slice<'a>(a: &'a CowArray<f32, IxDyn>) -> &'a [f32] {
    a.as_slice().unwrap_or(&[])
}

fn shape_err(op: &str, what: &str, expected: String, got: &[usize]) -> Error {
    Error::shape(op, expected, format!("{what} of shape {}", fmt_shape(got)))
}

/// Checks the run-time shapes: xp (B, T, g*H), states (B, H), the recurrent
/// kernel (H, g*H), the mask (B, T); returns the sizes.
pub fn check_shapes(
    op: &str,
    xp: &[usize],
    states: &[&[usize]],
    kernel: &[usize],
    mask: &[usize],
    gates: usize,
) -> Result<Dims> {
    if xp.len() != 3 {
        return Err(shape_err(
            op,
            "xp",
            "xp of rank 3 (batch, time, features)".into(),
            xp,
        ));
    }
    let (b, t) = (xp[0], xp[1]);
    if kernel.len() != 2 || kernel[1] != gates * kernel[0] || xp[2] != kernel[1] {
        return Err(Error::shape(
            op,
            format!("a recurrent kernel (units, {gates} * units) matching xp's last axis"),
            format!(
                "recurrent kernel of shape {} and xp of shape {}",
                fmt_shape(kernel),
                fmt_shape(xp)
            ),
        ));
    }
    let h = kernel[0];
    for s in states {
        if *s != [b, h] {
            return Err(shape_err(
                op,
                "a state",
                format!("states of shape ({b}, {h})"),
                s,
            ));
        }
    }
    if mask != [b, t] {
        return Err(shape_err(
            op,
            "mask",
            format!("a mask of shape ({b}, {t})"),
            mask,
        ));
    }
    Ok(Dims { b, t, h })
}

/// The output rule shared by the recurrent ops: (B, T, width * H).
pub fn spec_rule(
    op: &str,
    inputs: &[TensorSpec],
    n: usize,
    gates: usize,
    width: usize,
) -> Result<TensorSpec> {
    spec::expect_arity(op, inputs, n)?;
    for s in inputs {
        s.expect_dtype(op, "every input", DType::F32)?;
    }
    let xp = &inputs[0];
    xp.expect_rank(op, "xp", 3)?;
    let kernel = &inputs[n - 2 - usize::from(op == "gru_scan")];
    kernel.expect_rank(op, "the recurrent kernel", 2)?;
    let h = kernel.shape[0];
    if let (Some(h), Some(g), Some(f)) = (h, kernel.shape[1], xp.shape[2]) {
        if g != gates * h || f != g {
            return Err(Error::shape(
                op,
                format!("a recurrent kernel (units, {gates} * units) matching xp's last axis"),
                format!(
                    "recurrent kernel of shape {} and xp of shape {}",
                    fmt_dims(&kernel.shape),
                    fmt_dims(&xp.shape)
                ),
            ));
        }
    }
    inputs[n - 1].expect_rank(op, "the mask", 2)?;
    Ok(TensorSpec::new(
        vec![xp.shape[0], xp.shape[1], h.map(|h| h * width)],
        DType::F32,
    ))
}

/// `c (+)= a · b` on row-major slices: a (m, k), b a view (k, n), c (m, n).
/// Single-threaded: the per-step products are small, and the batch is
/// already split across threads (`batch_chunks`), so a step never waits
/// for another thread.
pub fn mm(a: &[f32], m: usize, k: usize, b: ArrayView2<f32>, c: &mut [f32], acc: bool) {
    let n = b.dim().1;
    let a = ArrayView2::from_shape((m, k), a).expect("sizes checked by the caller");
    let c = ArrayViewMut2::from_shape((m, n), c).expect("sizes checked by the caller");
    gemm_serial(a, b, c, acc);
}

/// The recurrence of each batch row is independent of the others: the
/// batch is cut into one block of rows per thread (at least 8 rows each,
/// so per-step GEMMs stay in one regime), each running every time step.
/// One fork and join per op, not per step.
pub fn batch_chunks(b: usize, work_per_row: usize) -> Vec<(usize, usize)> {
    let threads = threads_here();
    let n = if threads > 1 && b >= 16 && b * work_per_row >= 1 << 16 {
        threads.min(b / 8)
    } else {
        1
    };
    (0..n).map(|i| (i * b / n, (i + 1) * b / n)).collect()
}

/// `f(rows)` on every block of `chunks`, in parallel where there are several.
pub fn run_chunks<R: Send>(
    chunks: &[(usize, usize)],
    f: impl Fn(usize, usize) -> R + Sync + Send,
) -> Vec<R> {
    if chunks.len() == 1 {
        return vec![f(chunks[0].0, chunks[0].1)];
    }
    chunks.par_iter().map(|&(a, b)| f(a, b)).collect()
}

/// `buf` (rows of `per_row` values) cut into the blocks of `chunks`, so each
/// thread writes its rows of a result in place (no copy to join them).
pub fn split_rows<'a>(
    mut buf: &'a mut [f32],
    chunks: &[(usize, usize)],
    per_row: usize,
) -> Vec<&'a mut [f32]> {
    let mut out = Vec::with_capacity(chunks.len());
    for &(a, b) in chunks {
        let (head, tail) = std::mem::take(&mut buf).split_at_mut((b - a) * per_row);
        out.push(head);
        buf = tail;
    }
    out
}

/// `f` on every job, in parallel where there are several.
pub fn run_jobs<J: Send>(jobs: Vec<J>, f: impl Fn(J) + Sync + Send) {
    if jobs.len() == 1 {
        jobs.into_iter().for_each(f);
    } else {
        jobs.into_par_iter().for_each(f);
    }
}

/// Rows `r0..r1` of a (B, ...) row-major array with `per_row` values a row.
#[inline]
pub fn rows(x: &[f32], r0: usize, r1: usize, per_row: usize) -> &[f32] {
    &x[r0 * per_row..r1 * per_row]
}

/// `dU = A^T · D` over all rows: a (n, k), d (n, m) -> (k, m).
pub fn weight_grad(a: &[f32], d: &[f32], n: usize, k: usize, m: usize) -> Result<Vec<f32>> {
    let mut out = vec![0f32; k * m];
    let av = ArrayView2::from_shape((n, k), a).map_err(|e| Error::graph(e.to_string()))?;
    let dv = ArrayView2::from_shape((n, m), d).map_err(|e| Error::graph(e.to_string()))?;
    let ov =
        ArrayViewMut2::from_shape((k, m), &mut out[..]).map_err(|e| Error::graph(e.to_string()))?;
    gemm_into(av.t(), dv, ov, false);
    Ok(out)
}

/// Copies row block `[b, tt, :]` of a (B, T, w) array into `dst` (B, w).
pub fn gather_step(src: &[f32], d: Dims, w: usize, tt: usize, dst: &mut [f32]) {
    for bi in 0..d.b {
        let at = (bi * d.t + tt) * w;
        dst[bi * w..(bi + 1) * w].copy_from_slice(&src[at..at + w]);
    }
}

/// Copies `src` (B, w) into block `[b, tt, off..off+w]` of a (B, T, stride) array.
pub fn scatter_step(
    src: &[f32],
    d: Dims,
    w: usize,
    stride: usize,
    off: usize,
    tt: usize,
    dst: &mut [f32],
) {
    for bi in 0..d.b {
        let at = (bi * d.t + tt) * stride + off;
        dst[at..at + w].copy_from_slice(&src[bi * w..(bi + 1) * w]);
    }
}

/// The state (columns `off..off+H`) before processing step `s`: the initial
/// state at step 0, else the carried state the output holds for step s - 1.
pub fn prev_state(
    out: &[f32],
    init: &[f32],
    d: Dims,
    width: usize,
    off: usize,
    s: usize,
    dst: &mut [f32],
) {
    if s == 0 {
        dst.copy_from_slice(init);
    } else {
        for bi in 0..d.b {
            let at = (bi * d.t + s - 1) * width * d.h + off;
            dst[bi * d.h..(bi + 1) * d.h].copy_from_slice(&out[at..at + d.h]);
        }
    }
}

pub fn into_value(shape: &[usize], data: Vec<f32>, op: &str) -> Result<ArrayD<f32>> {
    ArrayD::from_shape_vec(IxDyn(shape), data)
        .map_err(|e| Error::shape(op, "a consistent result", e.to_string()))
}

/// The inputs as contiguous arrays, and the sizes they agree on.
pub fn load<'a>(
    op: &str,
    inputs: &[ValueView<'a>],
    n: usize,
    states: usize,
    gates: usize,
) -> Result<(Vec<CowArray<'a, f32, IxDyn>>, Dims)> {
    expect_arity(op, inputs, n)?;
    let v: Vec<_> = inputs.iter().map(|x| dense(op, x)).collect::<Result<_>>()?;
    let kernel = if op == "gru_scan" { 2 } else { 1 + states };
    let st: Vec<&[usize]> = v[1..=states].iter().map(|a| a.shape()).collect();
    let d = check_shapes(
        op,
        v[0].shape(),
        &st,
        v[kernel].shape(),
        v[n - 1].shape(),
        gates,
    )?;
    Ok((v, d))
}

pub fn view2<'a>(a: &'a CowArray<f32, IxDyn>) -> Result<ArrayView2<'a, f32>> {
    a.view()
        .into_dimensionality()
        .map_err(|e| Error::graph(e.to_string()))
}

// ------------------------------------------------------------ time-axis ops
//
// The last step of a sequence and a sequence reversed in time: the layers
// need them when the number of steps is only known at run time, where a
// slice or a gather would need it when the graph is built.

fn check(op: &str, shape: &[usize]) -> Result<()> {
    if shape.len() < 2 || shape[1] == 0 {
        return Err(Error::shape(
            op,
            "a sequence of rank 2 or more with at least one time step (batch, time, ...)",
            format!("a tensor of shape {}", fmt_shape(shape)),
        ));
    }
    Ok(())
}

fn spec_check(op: &str, inputs: &[TensorSpec]) -> Result<TensorSpec> {
    spec::expect_arity(op, inputs, 1)?;
    let x = &inputs[0];
    x.expect_dtype(op, "a sequence", DType::F32)?;
    x.expect_min_rank(op, "a sequence", 2)?;
    Ok(x.clone())
}

/// `x[:, -1]`.
#[derive(Debug)]
pub struct TimeLast;

/// `x[:, -1]` of any element type.
fn last_step<T: Clone>(x: ArrayViewD<T>) -> Result<ArrayD<T>> {
    check("time_last", x.shape())?;
    let t = x.shape()[1];
    Ok(x.index_axis(Axis(1), t - 1).to_owned())
}

/// The gradient of `x[:, -1]`: `grad` in the last step, zeros elsewhere.
fn last_step_grad<T: Clone + num_traits::Zero>(
    shape: &[usize],
    grad: ArrayViewD<T>,
) -> Result<ArrayD<T>> {
    check("time_last", shape)?;
    let mut g = ArrayD::<T>::zeros(IxDyn(shape));
    let mut last = g.index_axis_mut(Axis(1), shape[1] - 1);
    if last.shape() != grad.shape() {
        return Err(crate::kernels::real::grad_shape_error("time_last"));
    }
    last.assign(&grad);
    Ok(g)
}

impl Primitive for TimeLast {
    fn name(&self) -> &'static str {
        "time_last"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let mut x = spec_check("time_last", inputs)?;
        x.shape.remove(1);
        Ok(x)
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("time_last", inputs, 1)?;
        if let ValueView::F64(x) = &inputs[0] {
            return Ok(Value::F64(last_step(x.view())?));
        }
        Ok(Value::F32(last_step(inputs[0].f32("time_last")?)?))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity("time_last", inputs, 1)?;
        let x = inputs[0].f32("time_last")?;
        Ok(vec![Some(last_step_grad(x.shape(), grad)?)])
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        expect_arity("time_last", inputs, 1)?;
        let x = inputs[0].f64("time_last")?;
        Ok(vec![Some(last_step_grad(x.shape(), grad)?)])
    }
}

/// `x[:, ::-1]`.
#[derive(Debug)]
pub struct TimeReverse;

fn reversed<T: Clone>(x: ArrayViewD<T>) -> ArrayD<T> {
    x.slice_axis(Axis(1), Slice::new(0, None, -1))
        .as_standard_layout()
        .into_owned()
}

impl Primitive for TimeReverse {
    fn name(&self) -> &'static str {
        "time_reverse"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec_check("time_reverse", inputs)
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("time_reverse", inputs, 1)?;
        if let ValueView::F64(x) = &inputs[0] {
            check("time_reverse", x.shape())?;
            return Ok(Value::F64(reversed(x.view())));
        }
        let x = inputs[0].f32("time_reverse")?;
        check("time_reverse", x.shape())?;
        Ok(Value::F32(reversed(x)))
    }

    fn backward_f64(
        &self,
        _inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        Ok(vec![Some(reversed(grad))])
    }

    fn backward(
        &self,
        _inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        Ok(vec![Some(reversed(grad))])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo::plain(
        "time_last",
        "the last time step x[:, -1] of a sequence (batch, time, ...)",
        &["x"],
        true,
        |_, _| Ok(Arc::new(TimeLast)),
        &[Sample::F32(&[2, 3, 4])],
    ),
    OpInfo::plain(
        "time_reverse",
        "a sequence (batch, time, ...) reversed in time, x[:, ::-1]",
        &["x"],
        true,
        |_, _| Ok(Arc::new(TimeReverse)),
        &[Sample::F32(&[2, 3, 4])],
    ),
];
