//! float64 convolution: im2col, then ndarray's `general_mat_mul` (the
//! `matrixmultiply` crate's blocked dgemm, as `matmul_f64`), one image at a
//! time so the column buffer stays one image's size. The float32 path keeps
//! its own packed SIMD kernels (`im2col`); float64 is asked for precision,
//! not speed, so this is the plain, serial form of the same arithmetic.
//!
//! Columns are laid out as the float32 ones: one row per output pixel,
//! (ky, kx, c) across it, which is the row-major order of a (kh, kw, Cin,
//! Cout) kernel's first three axes, so the kernel is a (width, Cout) matrix
//! as it is.

use super::window::Geometry;
use crate::error::{Error, Result};
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Floats in one row of columns: kh * kw * C.
fn col_width(g: &Geometry) -> usize {
    g.taps() * g.channels
}

/// A (rows, cols) view of `data`, or a shape error naming `op`.
fn matrix<'a>(op: &str, data: &'a [f64], rows: usize, cols: usize) -> Result<ArrayView2<'a, f64>> {
    ArrayView2::from_shape((rows, cols), data)
        .map_err(|e| Error::shape(op, "a buffer of the convolution's size", e.to_string()))
}

fn matrix_mut<'a>(
    op: &str,
    data: &'a mut [f64],
    rows: usize,
    cols: usize,
) -> Result<ArrayViewMut2<'a, f64>> {
    ArrayViewMut2::from_shape((rows, cols), data)
        .map_err(|e| Error::shape(op, "a buffer of the convolution's size", e.to_string()))
}

/// Checks the flat buffers against the geometry, so slicing cannot panic.
fn check_sizes(op: &str, g: &Geometry, x: usize, kernel: usize, cout: usize) -> Result<()> {
    let want_x = g.batch.checked_mul(g.image_len());
    let want_k = col_width(g).checked_mul(cout);
    if want_x != Some(x) || want_k != Some(kernel) {
        return Err(Error::shape(
            op,
            "an input and kernel of the geometry's sizes",
            format!("{x} and {kernel} floats"),
        ));
    }
    Ok(())
}

/// The columns of one image `img` (H * W * C floats) into `cols` (one row
/// per output pixel); taps that fall in the padding are zero.
pub fn im2col_image_f64(g: &Geometry, img: &[f64], cols: &mut [f64]) {
    let (c, width) = (g.channels, col_width(g));
    let line = g.w.input * c;
    cols.fill(0.0);
    for (p, row) in cols.chunks_exact_mut(width.max(1)).enumerate() {
        let (oy, ox) = (p / g.w.output, p % g.w.output);
        for ky in g.h.valid_taps(oy) {
            let base = g.h.source(oy, ky) * line;
            for kx in g.w.valid_taps(ox) {
                let at = base + g.w.source(ox, kx) * c;
                row[(ky * g.w.kernel + kx) * c..][..c].copy_from_slice(&img[at..at + c]);
            }
        }
    }
}

/// col2im of one image: each row of `dcols` added back onto the cells of
/// `img` it was read from (the adjoint of [`im2col_image_f64`]).
pub fn col2im_image_f64(g: &Geometry, dcols: &[f64], img: &mut [f64]) {
    let (c, width) = (g.channels, col_width(g));
    let line = g.w.input * c;
    for (p, row) in dcols.chunks_exact(width.max(1)).enumerate() {
        let (oy, ox) = (p / g.w.output, p % g.w.output);
        for ky in g.h.valid_taps(oy) {
            let base = g.h.source(oy, ky) * line;
            for kx in g.w.valid_taps(ox) {
                let at = base + g.w.source(ox, kx) * c;
                let src = &row[(ky * g.w.kernel + kx) * c..][..c];
                for (d, s) in img[at..at + c].iter_mut().zip(src) {
                    *d += s;
                }
            }
        }
    }
}

/// Forward convolution in float64: `x` (N, H, W, Cin) and `kernel` (kh,
/// kw, Cin, Cout), both contiguous, to (N, Ho, Wo, Cout) as a flat vector.
pub fn conv2d_forward_f64(
    op: &str,
    g: &Geometry,
    x: &[f64],
    kernel: &[f64],
    cout: usize,
) -> Result<Vec<f64>> {
    check_sizes(op, g, x.len(), kernel.len(), cout)?;
    let (pixels, width, img_len) = (g.out_pixels(), col_width(g), g.image_len());
    let mut y = vec![0.0; g.batch * pixels * cout];
    if y.is_empty() || width == 0 {
        return Ok(y);
    }
    let k = matrix(op, kernel, width, cout)?;
    let mut cols = vec![0.0; pixels * width];
    for (b, out) in y.chunks_exact_mut(pixels * cout).enumerate() {
        im2col_image_f64(g, &x[b * img_len..(b + 1) * img_len], &mut cols);
        let a = matrix(op, &cols, pixels, width)?;
        let mut o = matrix_mut(op, out, pixels, cout)?;
        general_mat_mul(1.0, &a, &k, 0.0, &mut o);
    }
    Ok(y)
}

/// Backward convolution in float64: the gradients of `x` (empty unless
/// `need_dx`) and of `kernel`, for the output gradient `grad` (N, Ho, Wo,
/// Cout), all flat and contiguous.
pub fn conv2d_backward_f64(
    op: &str,
    g: &Geometry,
    x: &[f64],
    kernel: &[f64],
    cout: usize,
    grad: &[f64],
    need_dx: bool,
) -> Result<(Vec<f64>, Vec<f64>)> {
    check_sizes(op, g, x.len(), kernel.len(), cout)?;
    let (pixels, width, img_len) = (g.out_pixels(), col_width(g), g.image_len());
    if grad.len() != g.batch * pixels * cout {
        return Err(Error::shape(
            op,
            "a gradient of the output's size",
            format!("{} floats", grad.len()),
        ));
    }
    let mut dx = if need_dx {
        vec![0.0; x.len()]
    } else {
        Vec::new()
    };
    let mut dk = vec![0.0; kernel.len()];
    if grad.is_empty() || width == 0 || img_len == 0 {
        return Ok((dx, dk));
    }
    let k = matrix(op, kernel, width, cout)?;
    let mut cols = vec![0.0; pixels * width];
    for b in 0..g.batch {
        let gy = matrix(
            op,
            &grad[b * pixels * cout..(b + 1) * pixels * cout],
            pixels,
            cout,
        )?;
        im2col_image_f64(g, &x[b * img_len..(b + 1) * img_len], &mut cols);
        {
            // dK += colsᵀ · dY, images added in order (no thread-count dependence).
            let a = matrix(op, &cols, pixels, width)?;
            let mut dkm = matrix_mut(op, &mut dk, width, cout)?;
            general_mat_mul(1.0, &a.t(), &gy, 1.0, &mut dkm);
        }
        if need_dx {
            // dcols = dY · Kᵀ, reusing the column buffer, then col2im.
            let mut dcols = matrix_mut(op, &mut cols, pixels, width)?;
            general_mat_mul(1.0, &gy, &k.t(), 0.0, &mut dcols);
            col2im_image_f64(g, &cols, &mut dx[b * img_len..(b + 1) * img_len]);
        }
    }
    Ok((dx, dk))
}

/// The input gradient alone of a float64 convolution (no input needed):
/// col2im of dY · Kᵀ per image. A transposed convolution's forward pass.
pub fn conv2d_backward_data_f64(
    op: &str,
    g: &Geometry,
    kernel: &[f64],
    cout: usize,
    grad: &[f64],
) -> Result<Vec<f64>> {
    let (pixels, width, img_len) = (g.out_pixels(), col_width(g), g.image_len());
    check_sizes(op, g, g.batch * img_len, kernel.len(), cout)?;
    if grad.len() != g.batch * pixels * cout {
        return Err(Error::shape(
            op,
            "a gradient of the output's size",
            format!("{} floats", grad.len()),
        ));
    }
    let mut dx = vec![0.0; g.batch * img_len];
    if dx.is_empty() || pixels == 0 || cout == 0 || width == 0 {
        return Ok(dx);
    }
    let k = matrix(op, kernel, width, cout)?;
    let mut cols = vec![0.0; pixels * width];
    for (b, img) in dx.chunks_exact_mut(img_len).enumerate() {
        let gy = matrix(
            op,
            &grad[b * pixels * cout..(b + 1) * pixels * cout],
            pixels,
            cout,
        )?;
        let mut dcols = matrix_mut(op, &mut cols, pixels, width)?;
        general_mat_mul(1.0, &gy, &k.t(), 0.0, &mut dcols);
        col2im_image_f64(g, &cols, img);
    }
    Ok(dx)
}

/// A depthwise kernel (taps, C, M) as the block-diagonal convolution kernel
/// (taps, C, C * M) it equals: input channel c feeds outputs c * M to
/// c * M + M - 1 only. float64 depthwise convolutions run on the kernels
/// above through it (C times the products of a dedicated kernel; float64 is
/// asked for precision, and float32 keeps `depthwise`).
pub fn depthwise_as_full(op: &str, kernel: &[f64], c: usize, m: usize) -> Result<Vec<f64>> {
    let per_tap = c * m;
    if per_tap == 0 {
        return Ok(Vec::new());
    }
    if !kernel.len().is_multiple_of(per_tap) {
        return Err(depthwise_error(op, kernel.len(), c, m));
    }
    let mut full = vec![0.0; kernel.len() * c];
    for (tap, src) in kernel.chunks_exact(per_tap).enumerate() {
        let dst = &mut full[tap * c * per_tap..(tap + 1) * c * per_tap];
        for ch in 0..c {
            let row = &mut dst[ch * per_tap..(ch + 1) * per_tap];
            row[ch * m..(ch + 1) * m].copy_from_slice(&src[ch * m..(ch + 1) * m]);
        }
    }
    Ok(full)
}

/// The depthwise kernel's gradient (taps, C, M) out of the full kernel's
/// (taps, C, C * M): its block diagonal.
pub fn depthwise_from_full(op: &str, full: &[f64], c: usize, m: usize) -> Result<Vec<f64>> {
    let per_tap = c * m;
    if per_tap == 0 {
        return Ok(Vec::new());
    }
    if !full.len().is_multiple_of(c * per_tap) {
        return Err(depthwise_error(op, full.len() / c, c, m));
    }
    let mut out = Vec::with_capacity(full.len() / c);
    for tap in full.chunks_exact(c * per_tap) {
        for ch in 0..c {
            out.extend_from_slice(&tap[ch * per_tap + ch * m..][..m]);
        }
    }
    Ok(out)
}

fn depthwise_error(op: &str, len: usize, c: usize, m: usize) -> Error {
    Error::shape(
        op,
        format!("a depthwise kernel of (taps, {c} channels, multiplier {m})"),
        format!("{len} floats"),
    )
}

#[cfg(test)]
#[path = "conv_f64_tests.rs"]
mod tests;
