//! Convolution as im2col + GEMM, channels-last.
//!
//! im2col lays every output pixel's receptive field out as one row, columns
//! ordered (ky, kx, c): exactly the row order of a (kh, kw, Cin, Cout) kernel
//! seen as a (kh*kw*Cin, Cout) matrix, so the forward pass is one GEMM and
//! the output (N*Ho*Wo, Cout) is already (N, Ho, Wo, Cout).
//!
//! Backward: dK = cols^T · dY (GEMM), dcols = dY · K^T (GEMM), then col2im
//! scatter-adds dcols into dX one image per task, in a fixed order.
//!
//! When an image's columns fit a core's cache, the batch is cut into tasks
//! of a few whole images, one thread each: im2col, GEMMs and col2im of a
//! task stay in that core's L2, and the tasks' dK shares are added in task
//! order. Larger images go through in chunks of whole images so the column
//! buffers stay bounded (~`CHUNK_FLOATS`), with each step split across
//! threads. Either way the cuts depend on shapes only, so results do not
//! depend on the thread count.

use super::bf16::{
    gemm_into_p, gemm_serial_p, gemm_serial_shared, takes_packed_b, Precision, SharedB,
};
use super::buffer::{try_filled_vec, with_scratch};
use super::col2im::{col2im, col2im_serial};
use super::elementwise::combine_block_sums;
use super::im2col_bf16;
use super::parallel::worth_splitting;
use super::window::{for_each_chunk, Geometry};
use crate::error::{Error, Result};
use ndarray::{ArrayView2, ArrayViewMut2};
use rayon::prelude::*;
use std::cell::Cell;

thread_local! {
    /// The precision of the convolution this thread is computing: set by
    /// [`with_precision`] around a whole call, and read once on entry by the
    /// functions below (so pool threads running their tasks use the value
    /// the calling thread captured, not their own).
    static PRECISION: Cell<Precision> = const { Cell::new(Precision::F32) };
}

/// Runs `f` (a forward or backward convolution on this thread) with its
/// GEMMs in `precision` (bf16 under the `mixed_bfloat16` policy).
pub fn with_precision<R>(precision: Precision, f: impl FnOnce() -> R) -> R {
    struct Restore(Precision);
    impl Drop for Restore {
        fn drop(&mut self) {
            PRECISION.with(|p| p.set(self.0));
        }
    }
    let _restore = Restore(PRECISION.with(|p| p.replace(precision)));
    f()
}

fn precision() -> Precision {
    PRECISION.with(Cell::get)
}

/// Column-buffer size (floats) a chunk of images aims for: 16 MiB. Measured
/// on (128, 28, 28, 32) * (3, 3, 32, 64): 4 MiB chunks are ~1.5x slower
/// (GEMM restarts too often), 64 MiB ones no faster; memory stays flat for
/// big batches.
const CHUNK_FLOATS: usize = 1 << 22;

fn matrix<'a>(op: &str, data: &'a [f32], rows: usize, cols: usize) -> Result<ArrayView2<'a, f32>> {
    ArrayView2::from_shape((rows, cols), data)
        .map_err(|e| Error::shape(op, format!("a buffer of {rows}x{cols}"), e.to_string()))
}

fn matrix_mut<'a>(
    op: &str,
    data: &'a mut [f32],
    rows: usize,
    cols: usize,
) -> Result<ArrayViewMut2<'a, f32>> {
    ArrayViewMut2::from_shape((rows, cols), data)
        .map_err(|e| Error::shape(op, format!("a buffer of {rows}x{cols}"), e.to_string()))
}

/// Columns of one im2col row: kh * kw * Cin.
pub(super) fn col_width(g: &Geometry) -> usize {
    g.taps() * g.channels
}

/// A 1x1 kernel with stride 1 and no padding reads the input as it is.
fn is_pointwise(g: &Geometry) -> bool {
    g.taps() == 1
        && g.h.stride == 1
        && g.w.stride == 1
        && g.h.pad_before == 0
        && g.w.pad_before == 0
        && g.h.output == g.h.input
        && g.w.output == g.w.input
}

/// Images per chunk: at least one, about `budget` column floats.
fn images_per_chunk(g: &Geometry, budget: usize) -> usize {
    let per_image = g.out_pixels() * col_width(g);
    (budget / per_image.max(1)).clamp(1, g.batch.max(1))
}

/// Fills `row` (kh*kw*C values) with output pixel (oy, ox)'s receptive field
/// in `img` (H*W*C); padded cells are zero (`T::default()`). float32 here,
/// bf16 bits in `im2col_bf16`.
pub(super) fn fill_row<T: Copy + Default>(
    g: &Geometry,
    img: &[T],
    oy: usize,
    ox: usize,
    row: &mut [T],
) {
    let zero = T::default();
    let c = g.channels;
    let span = g.w.kernel * c;
    let xs = g.w.valid_taps(ox);
    let ys = g.h.valid_taps(oy);
    for (ky, dst) in row.chunks_exact_mut(span).enumerate() {
        if !ys.contains(&ky) || xs.is_empty() {
            dst.fill(zero);
            continue;
        }
        dst[..xs.start * c].fill(zero);
        dst[xs.end * c..].fill(zero);
        let line = &img[g.h.source(oy, ky) * g.w.input * c..];
        let ix0 = g.w.source(ox, xs.start);
        if g.w.dilation == 1 {
            // Neighbouring taps are neighbouring cells: one copy per kernel row.
            copy_short(
                &mut dst[xs.start * c..xs.end * c],
                &line[ix0 * c..(ix0 + xs.len()) * c],
            );
        } else {
            for (j, kx) in xs.clone().enumerate() {
                let ix = ix0 + j * g.w.dilation;
                dst[kx * c..(kx + 1) * c].copy_from_slice(&line[ix * c..(ix + 1) * c]);
            }
        }
    }
}

/// `dst.copy_from_slice(src)`, with an inline loop for the few floats of a
/// kernel row over one or two channels (a memcpy call per 3 floats was most
/// of a first conv layer's im2col).
#[inline]
fn copy_short<T: Copy>(dst: &mut [T], src: &[T]) {
    if dst.len() <= 16 {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = s;
        }
    } else {
        dst.copy_from_slice(src);
    }
}

/// im2col of the images in `x` (contiguous, whole images) into `cols`
/// (one row per output pixel, `col_width` columns).
pub fn im2col(g: &Geometry, x: &[f32], cols: &mut [f32]) {
    let width = col_width(g);
    // One task per output row (image, oy): Wo rows of columns.
    for_each_chunk(cols, g.w.output * width, cols.len(), |i, block| {
        im2col_line(g, x, i, block)
    });
}

/// [`im2col`] on the calling thread only.
fn im2col_serial(g: &Geometry, x: &[f32], cols: &mut [f32]) {
    let line = g.w.output * col_width(g);
    for (i, block) in cols.chunks_mut(line).enumerate() {
        im2col_line(g, x, i, block);
    }
}

/// The columns of output row `i` (image i / Ho, row i % Ho) into `block`.
fn im2col_line(g: &Geometry, x: &[f32], i: usize, block: &mut [f32]) {
    let (img_len, width, oh) = (g.image_len(), col_width(g), g.h.output);
    let (b, oy) = (i / oh, i % oh);
    let img = &x[b * img_len..(b + 1) * img_len];
    for (ox, row) in block.chunks_exact_mut(width).enumerate() {
        fill_row(g, img, oy, ox, row);
    }
}

/// Floats of columns and output one task of the task-parallel path works
/// on: 512 KiB, so a task's im2col, GEMMs and col2im stay in its core's L2
/// cache. The big-chunk path streamed 16 MiB column buffers through memory
/// three times a step and scaled 1.33x on two threads for a (14, 14, 32)
/// -> 64 backward pass.
const TASK_FLOATS: usize = 1 << 17;

/// Floats of columns and output of one image above which the task-parallel
/// path gives way to the chunked one: 8 MiB. Between `TASK_FLOATS` and this,
/// a task is one image: its buffers outgrow L2, but the images still split
/// across threads (a (32, 32, 32) -> 32 backward pass scaled 1.33x on two
/// threads through the chunked path, whose GEMMs are too narrow to split).
const IMAGE_TASK_FLOATS: usize = 1 << 21;

/// Whole images per task, when one image fits a task; a shape-only choice,
/// so results never depend on the thread count.
fn images_per_task(g: &Geometry, cout: usize) -> Option<usize> {
    let per_image = g.out_pixels() * (col_width(g) + cout);
    // Empty outputs, kernels or images take the chunked path, which handles them.
    let empty = cout == 0 || col_width(g) == 0 || g.image_len() == 0 || g.out_pixels() == 0;
    // At least `TASK_MIN_ROWS` output pixels per task: a task's share of dK
    // is a GEMM whose inner size is its pixel count, and the shares are
    // added after; one 8x8 image per task made both the GEMM and the adding
    // of 64 (1152 x 128) shares dominate a backward pass.
    let by_rows = TASK_MIN_ROWS.div_ceil(g.out_pixels().max(1));
    (!empty && per_image <= IMAGE_TASK_FLOATS).then(|| {
        (TASK_FLOATS / per_image)
            .max(by_rows)
            .clamp(1, g.batch.max(1))
    })
}

/// Output pixels a task covers at least (see `images_per_task`).
const TASK_MIN_ROWS: usize = 256;

/// A pass over whole output rows run right after they are computed (a fused
/// bias and activation), while they are still in cache.
pub type RowsEpilogue<'a> = Option<&'a (dyn Fn(&mut [f32]) + Sync)>;

/// Forward convolution: `x` (N, H, W, Cin) and `kernel` (kh, kw, Cin, Cout),
/// both contiguous, to (N, Ho, Wo, Cout) as a flat vector, with `epilogue`
/// applied to every row of it.
pub fn conv2d_forward(
    op: &str,
    g: &Geometry,
    x: &[f32],
    kernel: &[f32],
    cout: usize,
    epilogue: RowsEpilogue,
) -> Result<Vec<f32>> {
    match images_per_task(g, cout) {
        Some(per) if !is_pointwise(g) => forward_tasks(op, g, x, kernel, cout, per, epilogue),
        _ => {
            let mut y = forward_chunked(op, g, x, kernel, cout, CHUNK_FLOATS)?;
            if let Some(e) = epilogue {
                e(&mut y);
            }
            Ok(y)
        }
    }
}

/// The forward pass in tasks of `per` whole images, each on one thread:
/// im2col into the thread's scratch buffer, then one GEMM into its rows.
fn forward_tasks(
    op: &str,
    g: &Geometry,
    x: &[f32],
    kernel: &[f32],
    cout: usize,
    per: usize,
    epilogue: RowsEpilogue,
) -> Result<Vec<f32>> {
    let p = precision();
    let (width, pixels, img_len) = (col_width(g), g.out_pixels(), g.image_len());
    // The kernel is packed once here for every task's product.
    let w = SharedB::new(p, matrix(op, kernel, width, cout)?);
    let task = |(i, out): (usize, &mut [f32])| -> Result<()> {
        let rows = out.len() / cout.max(1);
        let imgs = rows / pixels.max(1);
        let images = &x[i * per * img_len..][..imgs * img_len];
        if w.takes_packed_a(rows, width) {
            // bf16 on AMX: the columns go into the packed panels directly.
            im2col_bf16::forward_task(g, images, &w, matrix_mut(op, out, rows, cout)?);
        } else {
            with_scratch(rows * width, |cols| {
                im2col_serial(g, images, cols);
                let c = matrix_mut(op, out, rows, cout)?;
                gemm_serial_shared(p, matrix(op, cols, rows, width)?, &w, c, false);
                Ok::<(), Error>(())
            })?;
        }
        if let Some(e) = epilogue {
            e(out);
        }
        Ok(())
    };
    // SAFETY: the chunks of `step` elements tile y, and each task's GEMM
    // writes its whole chunk (all its images' pixels x cout) or fails, which
    // fails the whole fill.
    unsafe {
        try_filled_vec(g.batch * pixels * cout, |y| {
            let step = per * pixels * cout;
            if worth_splitting(y.len() * width) {
                y.par_chunks_mut(step).enumerate().try_for_each(task)
            } else {
                y.chunks_mut(step).enumerate().try_for_each(task)
            }
        })
    }
}

fn forward_chunked(
    op: &str,
    g: &Geometry,
    x: &[f32],
    kernel: &[f32],
    cout: usize,
    budget: usize,
) -> Result<Vec<f32>> {
    let pixels = g.out_pixels();
    // SAFETY: `forward_into` writes every element of y (each a GEMM result)
    // or returns an error.
    unsafe {
        try_filled_vec(g.batch * pixels * cout, |y| {
            forward_into(op, g, x, kernel, cout, budget, y)
        })
    }
}

fn forward_into(
    op: &str,
    g: &Geometry,
    x: &[f32],
    kernel: &[f32],
    cout: usize,
    budget: usize,
    y: &mut [f32],
) -> Result<()> {
    let p = precision();
    let (width, pixels, img_len) = (col_width(g), g.out_pixels(), g.image_len());
    let w = matrix(op, kernel, width, cout)?;
    if is_pointwise(g) {
        let a = matrix(op, x, g.batch * pixels, width)?;
        gemm_into_p(p, a, w, matrix_mut(op, y, g.batch * pixels, cout)?, false);
        return Ok(());
    }
    let per = images_per_chunk(g, budget);
    with_scratch(per.min(g.batch) * pixels * width, |cols| {
        for start in (0..g.batch).step_by(per) {
            let imgs = per.min(g.batch - start);
            let rows = imgs * pixels;
            let cols = &mut cols[..rows * width];
            im2col(g, &x[start * img_len..(start + imgs) * img_len], cols);
            let out = &mut y[start * pixels * cout..(start + imgs) * pixels * cout];
            gemm_into_p(
                p,
                matrix(op, cols, rows, width)?,
                w,
                matrix_mut(op, out, rows, cout)?,
                false,
            );
        }
        Ok(())
    })
}

/// Backward convolution: gradients for `x` and `kernel` (flat, same layouts)
/// from `grad` (N, Ho, Wo, Cout), all contiguous. Without `need_dx` the input
/// gradient is skipped (the first layer's data needs none) and comes back empty.
pub fn conv2d_backward(
    op: &str,
    g: &Geometry,
    x: &[f32],
    kernel: &[f32],
    cout: usize,
    grad: &[f32],
    need_dx: bool,
) -> Result<(Vec<f32>, Vec<f32>)> {
    match images_per_task(g, cout) {
        Some(per) if !is_pointwise(g) => backward_tasks(op, g, x, kernel, cout, grad, per, need_dx),
        _ => backward_chunked(op, g, x, kernel, cout, grad, CHUNK_FLOATS, need_dx),
    }
}

/// The backward pass in tasks of `per` whole images, each on one thread:
/// im2col, the task's share of dK (cols^T · dY), and dX = col2im(dY · K^T)
/// for its own images. The tasks' dK shares are added in task order.
#[allow(clippy::too_many_arguments)]
fn backward_tasks(
    op: &str,
    g: &Geometry,
    x: &[f32],
    kernel: &[f32],
    cout: usize,
    grad: &[f32],
    per: usize,
    need_dx: bool,
) -> Result<(Vec<f32>, Vec<f32>)> {
    let p = precision();
    let (width, pixels, img_len) = (col_width(g), g.out_pixels(), g.image_len());
    // Kᵀ is packed once here for every task's dcols product.
    let wt = SharedB::new(p, matrix(op, kernel, width, cout)?.reversed_axes());
    let mut dx = if need_dx {
        vec![0.0f32; g.batch * img_len]
    } else {
        Vec::new()
    };
    let starts: Vec<usize> = (0..g.batch).step_by(per).collect();
    // Each task's slice of dX (empty when dX is not wanted).
    let mut dx_parts: Vec<&mut [f32]> = if need_dx {
        dx.chunks_mut(per * img_len).collect()
    } else {
        starts.iter().map(|_| <&mut [f32]>::default()).collect()
    };
    let task = |(&start, dx_part): (&usize, &mut &mut [f32])| -> Result<Vec<f32>> {
        let imgs = per.min(g.batch - start);
        let rows = imgs * pixels;
        let gy = matrix(
            op,
            &grad[start * pixels * cout..][..rows * cout],
            rows,
            cout,
        )?;
        let mut dk = vec![0.0f32; width * cout];
        let images = &x[start * img_len..][..imgs * img_len];
        let dk_view = matrix_mut(op, &mut dk, width, cout)?;
        // bf16 with more columns than outputs: dKᵀ = dYᵀ · cols, so the
        // wider operand (cols) is B, row major, which the packing converts
        // in whole runs (as colsᵀ, A, it was transposed by gathers), or on
        // AMX the bf16 im2col writes packed. Each element sums the same
        // products, the roles of A and B swapped.
        let swap = p == Precision::Bf16 && width > cout;
        if swap && takes_packed_b(cout, rows, width) {
            im2col_bf16::kernel_grad_task(g, images, gy, dk_view);
        } else {
            with_scratch(rows * width, |cols| {
                im2col_serial(g, images, cols);
                let cols = matrix(op, cols, rows, width)?;
                if swap {
                    gemm_serial_p(p, gy.t(), cols, dk_view.reversed_axes(), false);
                } else {
                    gemm_serial_p(p, cols.t(), gy, dk_view, false);
                }
                Ok::<(), Error>(())
            })?;
        }
        if need_dx {
            with_scratch(rows * width, |dcols| {
                let out = matrix_mut(op, dcols, rows, width)?;
                gemm_serial_shared(p, gy, &wt, out, false);
                col2im_serial(g, dcols, dx_part);
                Ok::<(), Error>(())
            })?;
        }
        Ok(dk)
    };
    let shares: Vec<Vec<f32>> = if worth_splitting(grad.len() * width) {
        starts
            .par_iter()
            .zip(dx_parts.par_iter_mut())
            .map(task)
            .collect::<Result<_>>()?
    } else {
        starts
            .iter()
            .zip(dx_parts.iter_mut())
            .map(task)
            .collect::<Result<_>>()?
    };
    Ok((dx, combine_block_sums(shares, width * cout)))
}

#[allow(clippy::too_many_arguments)]
fn backward_chunked(
    op: &str,
    g: &Geometry,
    x: &[f32],
    kernel: &[f32],
    cout: usize,
    grad: &[f32],
    budget: usize,
    need_dx: bool,
) -> Result<(Vec<f32>, Vec<f32>)> {
    let p = precision();
    let (width, pixels, img_len) = (col_width(g), g.out_pixels(), g.image_len());
    let mut dx = if need_dx {
        vec![0.0f32; g.batch * img_len]
    } else {
        Vec::new()
    };
    let mut dk = vec![0.0f32; width * cout];
    let w = matrix(op, kernel, width, cout)?;
    if is_pointwise(g) {
        let rows = g.batch * pixels;
        let gy = matrix(op, grad, rows, cout)?;
        if need_dx {
            gemm_into_p(p, gy, w.t(), matrix_mut(op, &mut dx, rows, width)?, false);
        }
        let a = matrix(op, x, rows, width)?;
        gemm_into_p(p, a.t(), gy, matrix_mut(op, &mut dk, width, cout)?, false);
        return Ok((dx, dk));
    }
    let per = images_per_chunk(g, budget);
    let buffer = per.min(g.batch) * pixels * width;
    with_scratch(buffer, |cols| {
        with_scratch(if need_dx { buffer } else { 0 }, |dcols| {
            for (chunk, start) in (0..g.batch).step_by(per).enumerate() {
                let imgs = per.min(g.batch - start);
                let rows = imgs * pixels;
                let gy = matrix(
                    op,
                    &grad[start * pixels * cout..][..rows * cout],
                    rows,
                    cout,
                )?;
                // dK += cols^T · dY, chunks summed in batch order.
                let cols = &mut cols[..rows * width];
                im2col(g, &x[start * img_len..][..imgs * img_len], cols);
                gemm_into_p(
                    p,
                    matrix(op, cols, rows, width)?.t(),
                    gy,
                    matrix_mut(op, &mut dk, width, cout)?,
                    chunk > 0,
                );
                if !need_dx {
                    continue;
                }
                // dX = col2im(dY · K^T).
                let dcols = &mut dcols[..rows * width];
                gemm_into_p(p, gy, w.t(), matrix_mut(op, dcols, rows, width)?, false);
                col2im(g, dcols, &mut dx[start * img_len..][..imgs * img_len]);
            }
            Ok::<(), Error>(())
        })
    })?;
    Ok((dx, dk))
}

/// The input gradient alone, col2im(dY · K^T): also the transposed
/// convolution's forward pass (`ops::conv_transpose`), which is this
/// computation with its input as dY, so it needs no zero insertion.
/// `grad` is (N, Ho, Wo, Cout), the result (N, H, W, Cin) flat.
pub fn conv2d_backward_data(
    op: &str,
    g: &Geometry,
    kernel: &[f32],
    cout: usize,
    grad: &[f32],
) -> Result<Vec<f32>> {
    let p = precision();
    let (width, pixels, img_len) = (col_width(g), g.out_pixels(), g.image_len());
    let w = matrix(op, kernel, width, cout)?;
    let mut dx = vec![0.0f32; g.batch * img_len];
    if dx.is_empty() || pixels == 0 || cout == 0 || width == 0 {
        return Ok(dx);
    }
    if is_pointwise(g) {
        let rows = g.batch * pixels;
        gemm_into_p(
            p,
            matrix(op, grad, rows, cout)?,
            w.t(),
            matrix_mut(op, &mut dx, rows, width)?,
            false,
        );
        return Ok(dx);
    }
    // Whole images per step: one thread each when an image fits a task
    // (its GEMM and col2im stay in its core's cache), else chunks whose
    // GEMM and col2im split across threads.
    let (per, tasks) = match images_per_task(g, cout) {
        Some(per) => (per, true),
        None => (images_per_chunk(g, CHUNK_FLOATS), false),
    };
    let step = |(i, part): (usize, &mut [f32])| -> Result<()> {
        let imgs = part.len() / img_len.max(1);
        let rows = imgs * pixels;
        let gy = matrix(
            op,
            &grad[i * per * pixels * cout..][..rows * cout],
            rows,
            cout,
        )?;
        with_scratch(rows * width, |dcols| {
            let out = matrix_mut(op, dcols, rows, width)?;
            if tasks {
                gemm_serial_p(p, gy, w.t(), out, false);
                col2im_serial(g, dcols, part);
            } else {
                gemm_into_p(p, gy, w.t(), out, false);
                col2im(g, dcols, part);
            }
            Ok(())
        })
    };
    if tasks && worth_splitting(grad.len() * width) {
        dx.par_chunks_mut(per * img_len)
            .enumerate()
            .try_for_each(step)?;
    } else {
        dx.chunks_mut(per * img_len.max(1))
            .enumerate()
            .try_for_each(step)?;
    }
    Ok(dx)
}

#[cfg(test)]
#[path = "im2col_tests.rs"]
mod tests;
