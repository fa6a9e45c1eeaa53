//! Gathering a batch: the rows of a whole data array picked by index, copied
//! into one contiguous array (the op kernels want contiguous inputs).

use crate::error::{Error, Result};
use crate::kernels::parallel::worth_splitting;
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use rayon::prelude::*;
use std::mem::MaybeUninit;

fn gather<T: Copy + Send + Sync>(a: &ArrayViewD<T>, rows: &[usize]) -> Result<ArrayD<T>> {
    let n = a.shape().first().copied().unwrap_or(0);
    if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
        return Err(Error::index("batch", bad as i64, n, "row"));
    }
    let mut shape = a.shape().to_vec();
    shape[0] = rows.len();
    // Consecutive rows of a contiguous array are one slice copy.
    if let Some(flat) = a.as_slice() {
        let width: usize = a.shape()[1..].iter().product();
        let total = rows.len() * width;
        let mut out: Vec<T> = Vec::with_capacity(total);
        let copy_row = |(dst, &r): (&mut [MaybeUninit<T>], &usize)| {
            for (d, s) in dst.iter_mut().zip(&flat[r * width..(r + 1) * width]) {
                d.write(*s);
            }
        };
        let dst = &mut out.spare_capacity_mut()[..total];
        if width > 0 && worth_splitting(total) {
            // Rows sit anywhere in the data (shuffled), so the copy is bound
            // by memory latency: two threads fetch twice as many lines.
            dst.par_chunks_mut(width).zip(rows).for_each(copy_row);
        } else if width > 0 {
            dst.chunks_mut(width).zip(rows).for_each(copy_row);
        }
        // SAFETY: every one of the `total` elements was written above.
        unsafe { out.set_len(total) };
        return ArrayD::from_shape_vec(IxDyn(&shape), out)
            .map_err(|e| Error::shape("batch", "a consistent batch", e.to_string()));
    }
    Ok(a.select(Axis(0), rows))
}

/// The rows `rows` of `data` (along axis 0).
pub fn gather_rows(data: &ValueView, rows: &[usize]) -> Result<Value> {
    if data.shape().is_empty() {
        return Err(Error::shape("batch", "data with a sample axis", "a scalar"));
    }
    Ok(match data {
        ValueView::F32(a) => Value::F32(gather(a, rows)?),
        ValueView::F64(a) => Value::F64(gather(a, rows)?),
        ValueView::I64(a) => Value::I64(gather(a, rows)?),
    })
}
