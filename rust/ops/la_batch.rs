//! Float32 and float64 tensors as batches of f64 matrices for the linear-algebra ops
//! (`decompositions.rs`, `orthogonal.rs`): reading, assembling, packing
//! several results into one tensor, and the shape rules they share.

use super::la::Mat;
use crate::error::{Error, Result};
use crate::ops::spec::{fmt_dims, DType, Dim, TensorSpec};
use crate::ops::{Context, InputGrads, Primitive};
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn};

/// A float tensor read as a batch of (rows, cols) f64 matrices (float32
/// widened exactly, so the float32 ops compute as before).
pub(crate) struct Mats {
    pub lead: Vec<usize>,
    pub rows: usize,
    pub cols: usize,
    /// Whether the tensor was float64 (results are then float64 too).
    pub wide: bool,
    data: Vec<f64>,
}

impl Mats {
    fn new<T: Copy + Into<f64>>(op: &str, x: &ArrayViewD<T>, wide: bool) -> Result<Self> {
        let r = x.ndim();
        if r < 2 {
            return Err(Error::shape(
                op,
                "a tensor of rank 2 or more (matrices in the last two axes)",
                format!("a tensor of shape {}", crate::error::fmt_shape(x.shape())),
            ));
        }
        Ok(Self {
            lead: x.shape()[..r - 2].to_vec(),
            rows: x.shape()[r - 2],
            cols: x.shape()[r - 1],
            wide,
            // Row-major order whatever the input's strides.
            data: x.iter().map(|&v| v.into()).collect(),
        })
    }

    pub fn of(op: &str, x: &ArrayViewD<f32>) -> Result<Self> {
        Self::new(op, x, false)
    }

    pub fn of64(op: &str, x: &ArrayViewD<f64>) -> Result<Self> {
        Self::new(op, x, true)
    }

    /// A float32 or float64 input.
    pub fn read(op: &str, v: &ValueView) -> Result<Self> {
        match v {
            ValueView::F64(x) => Self::of64(op, x),
            other => Self::of(op, &other.f32(op)?),
        }
    }

    pub fn count(&self) -> usize {
        self.lead.iter().product()
    }

    pub fn get(&self, i: usize) -> Mat {
        let size = self.rows * self.cols;
        Mat {
            rows: self.rows,
            cols: self.cols,
            data: self.data[i * size..(i + 1) * size].to_vec(),
        }
    }
}

/// Builds a float64 tensor of shape `lead + tail` from one matrix per
/// batch element (each holding `tail`'s product of values).
pub(crate) fn assemble(
    op: &str,
    lead: &[usize],
    tail: &[usize],
    mats: &[Mat],
) -> Result<ArrayD<f64>> {
    let mut shape = lead.to_vec();
    shape.extend_from_slice(tail);
    let data: Vec<f64> = mats.iter().flat_map(|m| m.data.iter().copied()).collect();
    ArrayD::from_shape_vec(IxDyn(&shape), data)
        .map_err(|e| Error::shape(op, "a result of the stated shape", e.to_string()))
}

/// `assemble`, as float64 when `wide`, else rounded to float32 once.
pub(crate) fn assemble_value(
    op: &str,
    lead: &[usize],
    tail: &[usize],
    mats: &[Mat],
    wide: bool,
) -> Result<Value> {
    let out = assemble(op, lead, tail, mats)?;
    Ok(if wide {
        Value::F64(out)
    } else {
        Value::F32(out.mapv(|v| v as f32))
    })
}

/// Runs `f` on every matrix of `x` and assembles the results (in `x`'s
/// float type).
pub(crate) fn map_mats(
    op: &str,
    x: &ValueView,
    tail: &[usize],
    f: impl Fn(Mat) -> Result<Mat>,
) -> Result<Value> {
    let m = Mats::read(op, x)?;
    let out: Result<Vec<Mat>> = (0..m.count()).map(|i| f(m.get(i))).collect();
    assemble_value(op, &m.lead, tail, &out?, m.wide)
}

/// The float32 backward rule of an op whose rule is written once in f64
/// (`backward_f64`): output and gradient widened exactly, the gradients
/// rounded to float32 once, as the float32 ops always did.
pub(crate) fn backward_via_f64(
    op: &dyn Primitive,
    inputs: &[ValueView],
    output: ArrayViewD<f32>,
    grad: ArrayViewD<f32>,
    ctx: &Context,
) -> Result<InputGrads> {
    let (out, g) = (output.mapv(f64::from), grad.mapv(f64::from));
    let needed = vec![true; inputs.len()];
    let grads = op.backward_f64(inputs, out.view(), g.view(), ctx, &needed)?;
    Ok(grads
        .into_iter()
        .map(|g| g.map(|g| g.mapv(|v| v as f32)))
        .collect())
}

/// The parts of a packed matrix: `sizes` are their (rows, cols), stacked
/// downwards from row 0, each from column 0.
pub(crate) fn unpack(g: &Mat, sizes: &[(usize, usize)]) -> Vec<Mat> {
    let mut row = 0;
    sizes
        .iter()
        .map(|&(r, c)| {
            let part = g.block(row, row + r, 0, c);
            row += r;
            part
        })
        .collect()
}

/// Stacks `parts` downwards, each padded with zeros to `width` columns.
pub(crate) fn pack(parts: &[&Mat], width: usize) -> Mat {
    let rows = parts.iter().map(|p| p.rows).sum();
    let mut out = Mat::zeros(rows, width);
    let mut row = 0;
    for p in parts {
        for i in 0..p.rows {
            for j in 0..p.cols {
                out.set(row + i, j, p.at(i, j));
            }
        }
        row += p.rows;
    }
    out
}

/// The batch dims, rows and cols of a float32 spec of rank >= 2.
pub(crate) fn matrix_spec(op: &str, what: &str, s: &TensorSpec) -> Result<(Vec<Dim>, Dim, Dim)> {
    s.expect_dtype(op, what, DType::F32)?;
    if s.rank() < 2 {
        return Err(Error::shape(
            op,
            format!("{what} of rank 2 or more (matrices in the last two axes)"),
            format!("{what} of shape {}", fmt_dims(&s.shape)),
        ));
    }
    let r = s.rank();
    Ok((s.shape[..r - 2].to_vec(), s.shape[r - 2], s.shape[r - 1]))
}

/// As `matrix_spec`, for square matrices: (batch dims, size).
pub(crate) fn square_spec(op: &str, what: &str, s: &TensorSpec) -> Result<(Vec<Dim>, Dim)> {
    let (lead, m, n) = matrix_spec(op, what, s)?;
    if let (Some(m), Some(n)) = (m, n) {
        if m != n {
            return Err(Error::shape(
                op,
                format!("{what} of square matrices (..., M, M)"),
                format!("{what} of shape {}", fmt_dims(&s.shape)),
            ));
        }
    }
    Ok((lead, m.or(n)))
}

/// Checks concrete inputs against an op's own rule, so kernels see only
/// shapes the rule admits.
/// float64 inputs are checked as float32 ones (the rules state float32;
/// `boundary` makes their results float64).
pub(crate) fn checked(op: &dyn Primitive, inputs: &[ValueView]) -> Result<TensorSpec> {
    let specs: Vec<TensorSpec> = inputs
        .iter()
        .map(|v| match TensorSpec::of_view(v) {
            s if s.dtype == DType::F64 => s.with_dtype(DType::F32),
            s => s,
        })
        .collect();
    op.output_spec(&specs)
}
