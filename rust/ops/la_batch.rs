//! Float32 tensors as batches of f64 matrices for the linear-algebra ops
//! (`decompositions.rs`, `orthogonal.rs`): reading, assembling, packing
//! several results into one tensor, and the shape rules they share.

use super::la::Mat;
use crate::error::{Error, Result};
use crate::ops::spec::{fmt_dims, DType, Dim, TensorSpec};
use crate::ops::Primitive;
use crate::tensor::ValueView;
use ndarray::{ArrayD, ArrayViewD, IxDyn};

/// A float32 tensor read as a batch of (rows, cols) matrices.
pub(crate) struct Mats {
    pub lead: Vec<usize>,
    pub rows: usize,
    pub cols: usize,
    data: Vec<f32>,
}

impl Mats {
    pub fn of(op: &str, x: &ArrayViewD<f32>) -> Result<Self> {
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
            // Row-major order whatever the input's strides.
            data: x.iter().copied().collect(),
        })
    }

    pub fn count(&self) -> usize {
        self.lead.iter().product()
    }

    pub fn get(&self, i: usize) -> Mat {
        let size = self.rows * self.cols;
        Mat::from_f32(&self.data[i * size..(i + 1) * size], self.rows, self.cols)
    }
}

/// Builds a float32 tensor of shape `lead + tail` from one matrix per batch
/// element (each holding `tail`'s product of values).
pub(crate) fn assemble(
    op: &str,
    lead: &[usize],
    tail: &[usize],
    mats: &[Mat],
) -> Result<ArrayD<f32>> {
    let mut shape = lead.to_vec();
    shape.extend_from_slice(tail);
    let data: Vec<f32> = mats.iter().flat_map(|m| m.to_f32()).collect();
    ArrayD::from_shape_vec(IxDyn(&shape), data)
        .map_err(|e| Error::shape(op, "a result of the stated shape", e.to_string()))
}

/// Runs `f` on every matrix of `x` and assembles the results.
pub(crate) fn map_mats(
    op: &str,
    x: &ArrayViewD<f32>,
    tail: &[usize],
    f: impl Fn(Mat) -> Result<Mat>,
) -> Result<ArrayD<f32>> {
    let m = Mats::of(op, x)?;
    let out: Result<Vec<Mat>> = (0..m.count()).map(|i| f(m.get(i))).collect();
    assemble(op, &m.lead, tail, &out?)
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
pub(crate) fn checked(op: &dyn Primitive, inputs: &[ValueView]) -> Result<TensorSpec> {
    let specs: Vec<TensorSpec> = inputs.iter().map(TensorSpec::of_view).collect();
    op.output_spec(&specs)
}
