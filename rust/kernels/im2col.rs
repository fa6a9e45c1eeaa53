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
//! The batch goes through in chunks of whole images so the column buffers
//! stay bounded (~`CHUNK_FLOATS`); the chunk size depends on shapes only, and
//! chunks are summed in order, so results do not depend on the thread count.

use super::buffer::{filled_vec, with_scratch};
use super::matmul::gemm_into;
use super::window::{for_each_chunk, Geometry};
use crate::error::{Error, Result};
use ndarray::{ArrayView2, ArrayViewMut2};

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
fn col_width(g: &Geometry) -> usize {
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

/// Fills `row` (kh*kw*C floats) with output pixel (oy, ox)'s receptive field
/// in `img` (H*W*C); padded cells are zero.
fn fill_row(g: &Geometry, img: &[f32], oy: usize, ox: usize, row: &mut [f32]) {
    let c = g.channels;
    let span = g.w.kernel * c;
    let xs = g.w.valid_taps(ox);
    let ys = g.h.valid_taps(oy);
    for (ky, dst) in row.chunks_exact_mut(span).enumerate() {
        if !ys.contains(&ky) || xs.is_empty() {
            dst.fill(0.0);
            continue;
        }
        dst[..xs.start * c].fill(0.0);
        dst[xs.end * c..].fill(0.0);
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
fn copy_short(dst: &mut [f32], src: &[f32]) {
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
    let (img_len, width) = (g.image_len(), col_width(g));
    let (oh, ow) = (g.h.output, g.w.output);
    // One task per output row (image, oy): Wo rows of columns.
    for_each_chunk(cols, ow * width, cols.len(), |i, block| {
        let (b, oy) = (i / oh, i % oh);
        let img = &x[b * img_len..(b + 1) * img_len];
        for (ox, row) in block.chunks_exact_mut(width).enumerate() {
            fill_row(g, img, oy, ox, row);
        }
    });
}

/// col2im: adds each row of `dcols` back onto the cells it was read from.
/// `dx` holds whole images and must start zeroed. One task per image, and
/// inside an image a fixed order, so sums never depend on the thread count.
pub fn col2im(g: &Geometry, dcols: &[f32], dx: &mut [f32]) {
    if dcols.is_empty() {
        return;
    }
    let (c, width, pixels) = (g.channels, col_width(g), g.out_pixels());
    let line = g.w.input * c;
    for_each_chunk(dx, g.image_len(), dcols.len(), |b, img| {
        let rows = &dcols[b * pixels * width..(b + 1) * pixels * width];
        for (p, row) in rows.chunks_exact(width).enumerate() {
            let (oy, ox) = (p / g.w.output, p % g.w.output);
            let xs = g.w.valid_taps(ox);
            for ky in g.h.valid_taps(oy) {
                let base = g.h.source(oy, ky) * line;
                for kx in xs.clone() {
                    let at = base + g.w.source(ox, kx) * c;
                    let src = &row[(ky * g.w.kernel + kx) * c..][..c];
                    for (d, s) in img[at..at + c].iter_mut().zip(src) {
                        *d += s;
                    }
                }
            }
        }
    });
}

/// Forward convolution: `x` (N, H, W, Cin) and `kernel` (kh, kw, Cin, Cout),
/// both contiguous, to (N, Ho, Wo, Cout) as a flat vector.
pub fn conv2d_forward(
    op: &str,
    g: &Geometry,
    x: &[f32],
    kernel: &[f32],
    cout: usize,
) -> Result<Vec<f32>> {
    forward_chunked(op, g, x, kernel, cout, CHUNK_FLOATS)
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
    let mut result = Ok(());
    // Every element of y is a GEMM result, so it is not zero-filled first.
    let y = filled_vec(g.batch * pixels * cout, |y| {
        result = forward_into(op, g, x, kernel, cout, budget, y);
    });
    result.map(|()| y)
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
    let (width, pixels, img_len) = (col_width(g), g.out_pixels(), g.image_len());
    let w = matrix(op, kernel, width, cout)?;
    if is_pointwise(g) {
        let a = matrix(op, x, g.batch * pixels, width)?;
        gemm_into(a, w, matrix_mut(op, y, g.batch * pixels, cout)?, false);
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
            gemm_into(
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
    backward_chunked(op, g, x, kernel, cout, grad, CHUNK_FLOATS, need_dx)
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
            gemm_into(gy, w.t(), matrix_mut(op, &mut dx, rows, width)?, false);
        }
        let a = matrix(op, x, rows, width)?;
        gemm_into(a.t(), gy, matrix_mut(op, &mut dk, width, cout)?, false);
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
                gemm_into(
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
                gemm_into(gy, w.t(), matrix_mut(op, dcols, rows, width)?, false);
                col2im(g, dcols, &mut dx[start * img_len..][..imgs * img_len]);
            }
            Ok::<(), Error>(())
        })
    })?;
    Ok((dx, dk))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::window::AxisWindow;

    fn axis(input: usize, kernel: usize, stride: usize, pad: usize, output: usize) -> AxisWindow {
        AxisWindow {
            input,
            kernel,
            stride,
            dilation: 1,
            pad_before: pad,
            output,
        }
    }

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 37 + seed * 11) % 23) as f32 / 8.0 - 1.0)
            .collect()
    }

    /// Splitting the batch into chunks changes nothing but the order dK's
    /// chunk sums are added in.
    #[test]
    fn chunked_matches_single_chunk() {
        let g = Geometry {
            batch: 7,
            channels: 3,
            h: axis(6, 3, 1, 1, 6),
            w: axis(5, 2, 2, 0, 3),
        };
        let cout = 4;
        let x = values(g.batch * g.image_len(), 1);
        let k = values(g.taps() * g.channels * cout, 2);
        let gy = values(g.batch * g.out_pixels() * cout, 3);
        let one = forward_chunked("t", &g, &x, &k, cout, usize::MAX).expect("forward");
        let (dx1, dk1) =
            backward_chunked("t", &g, &x, &k, cout, &gy, usize::MAX, true).expect("bwd");
        for budget in [1, 100, 200] {
            assert_eq!(
                forward_chunked("t", &g, &x, &k, cout, budget).expect("fwd"),
                one
            );
            let (dx, dk) = backward_chunked("t", &g, &x, &k, cout, &gy, budget, true).expect("bwd");
            assert_eq!(dx, dx1);
            for (a, b) in dk.iter().zip(&dk1) {
                assert!((a - b).abs() < 1e-4, "{a} vs {b}");
            }
        }
    }
}
