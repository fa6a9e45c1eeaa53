//! Depthwise convolution, channels-last, as direct loops (no im2col).
//!
//! Output channel `c * M + m` of a pixel is input channel `c` over the
//! pixel's window times `kernel[ky, kx, c, m]` (Keras's layout, kernel
//! (kh, kw, C, M)). The loops run over a pixel's channels, the contiguous
//! axis, so they vectorize over channels; a block-diagonal GEMM would do `C`
//! times the arithmetic. With M = 1 (MobileNet's and Xception's case) each
//! block of 32 channels of a pixel is summed over all its taps in registers
//! and stored once; other multipliers add tap by tap into the output.
//!
//! - Forward: tasks of whole output rows (image, oy), each summing its taps
//!   in a fixed order.
//! - Input gradient: tasks of whole input rows (image, iy), each gathering
//!   from the output rows that read it, in a fixed order.
//! - Kernel gradient: fixed blocks of output rows, each giving a share of
//!   dK, the shares added in block order.
//!
//! Every cut depends on the shapes only, so results do not depend on the
//! thread count.

use super::buffer::try_filled_vec;
use super::elementwise::combine_block_sums;
use super::isa;
use super::parallel::worth_splitting;
use super::window::{for_each_chunk, AxisWindow, Geometry};
use rayon::prelude::*;
use std::ops::Range;

/// Multiply-adds a task aims for: enough to pay for a task hand-off.
const TASK_WORK: usize = 1 << 16;

/// A depthwise convolution's shapes: the window over (N, H, W, C) and the
/// channel multiplier M (output channels C * M).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Depthwise {
    pub g: Geometry,
    pub multiplier: usize,
}

impl Depthwise {
    /// Output channels: C * M.
    pub fn out_channels(&self) -> usize {
        self.g.channels * self.multiplier
    }

    /// Floats of the output: N * Ho * Wo * C * M.
    pub fn output_len(&self) -> usize {
        self.g.batch * self.g.out_pixels() * self.out_channels()
    }

    /// Multiply-adds of a whole pass (forward or either gradient).
    pub fn work(&self) -> usize {
        self.output_len() * self.g.taps()
    }

    /// Rows (of the output, or of the input for dX) per task, at least one.
    fn rows_per_task(&self, row_len: usize) -> usize {
        (TASK_WORK / (row_len * self.g.taps()).max(1)).max(1)
    }
}

/// `acc[j] += x[j / m] * k[j]` over one pixel's C * M values.
#[inline(always)]
fn tap(acc: &mut [f32], x: &[f32], k: &[f32], m: usize) {
    for ((a, w), &v) in acc.chunks_exact_mut(m).zip(k.chunks_exact(m)).zip(x) {
        for (a, &w) in a.iter_mut().zip(w) {
            *a += v * w;
        }
    }
}

/// `dx[c] += sum_m g[c * M + m] * k[c * M + m]` over one pixel's channels.
#[inline(always)]
fn untap(dx: &mut [f32], g: &[f32], k: &[f32], m: usize) {
    for ((d, g), k) in dx.iter_mut().zip(g.chunks_exact(m)).zip(k.chunks_exact(m)) {
        let mut s = 0.0f32;
        for (&v, &w) in g.iter().zip(k) {
            s += v * w;
        }
        *d += s;
    }
}

/// The outputs `o` whose tap `k` lands inside the input along `a`: one
/// range, since the tap's input index grows with `o`.
#[inline(always)]
fn outputs_reading(a: &AxisWindow, k: usize) -> Range<usize> {
    let offset = k * a.dilation;
    // o * stride + offset - pad_before in [0, input).
    let lo = a.pad_before.saturating_sub(offset).div_ceil(a.stride);
    let hi = (a.input + a.pad_before)
        .saturating_sub(offset)
        .div_ceil(a.stride)
        .min(a.output);
    lo.min(hi)..hi
}

/// The output `o` whose tap `k` reads input `i` along `a`, if any.
#[inline(always)]
fn output_of(a: &AxisWindow, i: usize, k: usize) -> Option<usize> {
    let t = (i + a.pad_before).checked_sub(k * a.dilation)?;
    (t % a.stride == 0 && t / a.stride < a.output).then_some(t / a.stride)
}

/// Channels `c0..c0 + N` of one pixel (M = 1) into `dst`: the sum over
/// `taps` (offsets of each tap's first channel in `x` and in `k`, in a
/// fixed order) of x times k, kept in registers until it is stored.
#[inline(always)]
fn pixel_block<const N: usize>(
    x: &[f32],
    k: &[f32],
    taps: &[(usize, usize)],
    c0: usize,
    dst: &mut [f32],
) {
    let mut acc = [0.0f32; N];
    for &(xi, ki) in taps {
        let xv = &x[xi + c0..][..N];
        let kv = &k[ki + c0..][..N];
        for l in 0..N {
            acc[l] += xv[l] * kv[l];
        }
    }
    dst[c0..c0 + N].copy_from_slice(&acc);
}

/// All channels of `dst` through [`pixel_block`]: blocks of 32 (two
/// AVX-512 or four AVX2 registers of independent sums), then 8, then 1.
#[inline(always)]
fn pixel(x: &[f32], k: &[f32], taps: &[(usize, usize)], dst: &mut [f32]) {
    let c = dst.len();
    let mut c0 = 0;
    while c0 + 32 <= c {
        pixel_block::<32>(x, k, taps, c0, dst);
        c0 += 32;
    }
    while c0 + 8 <= c {
        pixel_block::<8>(x, k, taps, c0, dst);
        c0 += 8;
    }
    while c0 < c {
        pixel_block::<1>(x, k, taps, c0, dst);
        c0 += 1;
    }
}

/// Channels `c0..c0 + N` of four neighbouring output pixels (M = 1) whose
/// windows lie inside the input, so pixel `j`'s taps are pixel 0's moved
/// by `j * step` floats: four independent sums per lane, and each kernel
/// vector loaded once for the four.
#[inline(always)]
fn quad_block<const N: usize>(
    x: &[f32],
    k: &[f32],
    taps: &[(usize, usize)],
    step: usize,
    c0: usize,
    dst: &mut [f32],
) {
    let mut acc = [[0.0f32; N]; 4];
    for &(xi, ki) in taps {
        let kv = &k[ki + c0..][..N];
        for (j, acc) in acc.iter_mut().enumerate() {
            let xv = &x[xi + j * step + c0..][..N];
            for l in 0..N {
                acc[l] += xv[l] * kv[l];
            }
        }
    }
    let c = dst.len() / 4;
    for (j, acc) in acc.iter().enumerate() {
        dst[j * c + c0..][..N].copy_from_slice(acc);
    }
}

/// Four output pixels (`dst` holds their 4 * C channels) through
/// [`quad_block`], channels in blocks of 16 then 1.
#[inline(always)]
fn quad(x: &[f32], k: &[f32], taps: &[(usize, usize)], step: usize, dst: &mut [f32]) {
    let c = dst.len() / 4;
    let mut c0 = 0;
    while c0 + 16 <= c {
        quad_block::<16>(x, k, taps, step, c0, dst);
        c0 += 16;
    }
    while c0 < c {
        quad_block::<1>(x, k, taps, step, c0, dst);
        c0 += 1;
    }
}

/// Output row `r` for M = 1, every pixel written once from registers; runs
/// of four pixels whose windows lie inside the input go together.
#[inline(always)]
fn forward_row_one(
    d: &Depthwise,
    x: &[f32],
    k: &[f32],
    r: usize,
    out: &mut [f32],
    taps: &mut Vec<(usize, usize)>,
) {
    let g = &d.g;
    let c = g.channels;
    let (b, oy) = (r / g.h.output, r % g.h.output);
    let img = &x[b * g.image_len()..][..g.image_len()];
    let (line, kw) = (g.w.input * c, g.w.kernel);
    let inside = |ox: usize| g.w.valid_taps(ox).len() == kw;
    let mut ox = 0;
    while ox < g.w.output {
        taps.clear();
        for ky in g.h.valid_taps(oy) {
            let row = g.h.source(oy, ky) * line;
            for kx in g.w.valid_taps(ox) {
                taps.push((row + g.w.source(ox, kx) * c, (ky * kw + kx) * c));
            }
        }
        // Windows inside the input form one run, so its two ends decide.
        if ox + 4 <= g.w.output && inside(ox) && inside(ox + 3) {
            quad(img, k, taps, g.w.stride * c, &mut out[ox * c..][..4 * c]);
            ox += 4;
        } else {
            pixel(img, k, taps, &mut out[ox * c..][..c]);
            ox += 1;
        }
    }
}

/// Input row `r` of dX for M = 1: each input pixel gathers, in registers,
/// dY times the kernel over the (output, tap) pairs that read it.
#[inline(always)]
fn input_grad_row_one(
    d: &Depthwise,
    k: &[f32],
    grad: &[f32],
    r: usize,
    dx: &mut [f32],
    taps: &mut Vec<(usize, usize)>,
) {
    let g = &d.g;
    let c = g.channels;
    let (b, iy) = (r / g.h.input, r % g.h.input);
    let plane = &grad[b * g.out_pixels() * c..][..g.out_pixels() * c];
    let (line, kw) = (g.w.output * c, g.w.kernel);
    for (ix, dst) in dx.chunks_exact_mut(c).enumerate() {
        taps.clear();
        for ky in 0..g.h.kernel {
            let Some(oy) = output_of(&g.h, iy, ky) else {
                continue;
            };
            for kx in 0..kw {
                if let Some(ox) = output_of(&g.w, ix, kx) {
                    taps.push((oy * line + ox * c, (ky * kw + kx) * c));
                }
            }
        }
        pixel(plane, k, taps, dst);
    }
}

/// The share of dK (M = 1) of output rows `rows`: for each tap and block
/// of channels, x times dY summed in registers over the rows' pixels.
#[inline(always)]
fn kernel_grad_rows_one(
    d: &Depthwise,
    x: &[f32],
    grad: &[f32],
    rows: Range<usize>,
    dk: &mut [f32],
    pairs: &mut Vec<(usize, usize)>,
) {
    let g = &d.g;
    let c = g.channels;
    let (line, out_line) = (g.w.input * c, g.w.output * c);
    for ky in 0..g.h.kernel {
        for kx in 0..g.w.kernel {
            // (x offset, dY offset) of every pixel this tap reads, row by row.
            pairs.clear();
            for r in rows.clone() {
                let (b, oy) = (r / g.h.output, r % g.h.output);
                if !g.h.valid_taps(oy).contains(&ky) {
                    continue;
                }
                let base = b * g.image_len() + g.h.source(oy, ky) * line;
                for ox in outputs_reading(&g.w, kx) {
                    pairs.push((base + g.w.source(ox, kx) * c, r * out_line + ox * c));
                }
            }
            let dst = &mut dk[(ky * g.w.kernel + kx) * c..][..c];
            pixel(x, grad, pairs, dst);
        }
    }
}

/// Output row `r` (image r / Ho, row r % Ho) into `out` (zeroed).
#[inline(always)]
fn forward_row(d: &Depthwise, x: &[f32], k: &[f32], r: usize, out: &mut [f32]) {
    let (g, m, cm) = (&d.g, d.multiplier, d.out_channels());
    let c = g.channels;
    let (b, oy) = (r / g.h.output, r % g.h.output);
    let img = &x[b * g.image_len()..][..g.image_len()];
    let line_len = g.w.input * c;
    for ky in g.h.valid_taps(oy) {
        let line = &img[g.h.source(oy, ky) * line_len..][..line_len];
        let krow = &k[ky * g.w.kernel * cm..][..g.w.kernel * cm];
        for (ox, acc) in out.chunks_exact_mut(cm).enumerate() {
            for kx in g.w.valid_taps(ox) {
                let ix = g.w.source(ox, kx);
                tap(acc, &line[ix * c..][..c], &krow[kx * cm..][..cm], m);
            }
        }
    }
}

/// A vector of `len` floats passed to `fill`, which runs whole rows through
/// the `_one` kernels (that store every element) when M = 1, so the buffer
/// is left unzeroed then, and adds into a zeroed one otherwise.
fn filled(len: usize, multiplier: usize, fill: impl FnOnce(&mut [f32])) -> Vec<f32> {
    if multiplier != 1 {
        let mut v = vec![0.0f32; len];
        fill(&mut v);
        return v;
    }
    // SAFETY: `fill` hands the buffer to `for_each_chunk`, whose chunks tile
    // it; each chunk is a whole number of rows (the buffer and the chunk
    // sizes are multiples of the row length), and with M = 1
    // `forward_row_one`/`input_grad_row_one` store every channel of every
    // pixel of a row (`pixel`'s blocks of 32, 8 and 1 tile the channels).
    let v = unsafe {
        try_filled_vec(len, |b| {
            fill(b);
            Ok(())
        })
    };
    v.unwrap_or_default()
}

/// Forward pass: `x` (N, H, W, C) and `k` (kh, kw, C, M), both contiguous,
/// to (N, Ho, Wo, C * M) as a flat vector.
pub fn forward(d: &Depthwise, x: &[f32], k: &[f32]) -> Vec<f32> {
    let d = *d;
    let row = d.g.w.output * d.out_channels();
    let per = d.rows_per_task(row);
    let work = d.work();
    filled(d.output_len(), d.multiplier, |y| {
        for_each_chunk(y, per * row, work, |i, block| {
            let mut taps = Vec::with_capacity(d.g.taps());
            isa::run(
                #[inline(always)]
                move || {
                    for (j, out) in block.chunks_exact_mut(row).enumerate() {
                        if d.multiplier == 1 {
                            forward_row_one(&d, x, k, i * per + j, out, &mut taps);
                        } else {
                            forward_row(&d, x, k, i * per + j, out);
                        }
                    }
                },
            )
        })
    })
}

/// Input row `r` (image r / H, row r % H) of dX into `dx` (zeroed),
/// gathered from the output rows whose windows read it.
#[inline(always)]
fn input_grad_row(d: &Depthwise, k: &[f32], grad: &[f32], r: usize, dx: &mut [f32]) {
    let (g, m, cm) = (&d.g, d.multiplier, d.out_channels());
    let c = g.channels;
    let (b, iy) = (r / g.h.input, r % g.h.input);
    let row_len = g.w.output * cm;
    for ky in 0..g.h.kernel {
        // The output row oy whose tap ky reads input row iy, if any:
        // oy * stride + ky * dilation - pad_before = iy.
        let Some(t) = (iy + g.h.pad_before).checked_sub(ky * g.h.dilation) else {
            continue;
        };
        if t % g.h.stride != 0 || t / g.h.stride >= g.h.output {
            continue;
        }
        let oy = t / g.h.stride;
        let gline = &grad[(b * g.h.output + oy) * row_len..][..row_len];
        let krow = &k[ky * g.w.kernel * cm..][..g.w.kernel * cm];
        for (ox, gp) in gline.chunks_exact(cm).enumerate() {
            for kx in g.w.valid_taps(ox) {
                let ix = g.w.source(ox, kx);
                untap(&mut dx[ix * c..][..c], gp, &krow[kx * cm..][..cm], m);
            }
        }
    }
}

/// The input gradient (N, H, W, C) from `grad` (N, Ho, Wo, C * M).
pub fn input_grad(d: &Depthwise, k: &[f32], grad: &[f32]) -> Vec<f32> {
    let d = *d;
    let g = d.g;
    let row = g.w.input * g.channels;
    let per = d.rows_per_task(row * d.multiplier);
    let work = d.work();
    filled(g.batch * g.image_len(), d.multiplier, |dx| {
        for_each_chunk(dx, per * row, work, |i, block| {
            let mut taps = Vec::with_capacity(d.g.taps());
            isa::run(
                #[inline(always)]
                move || {
                    for (j, out) in block.chunks_exact_mut(row).enumerate() {
                        if d.multiplier == 1 {
                            input_grad_row_one(&d, k, grad, i * per + j, out, &mut taps);
                        } else {
                            input_grad_row(&d, k, grad, i * per + j, out);
                        }
                    }
                },
            )
        })
    })
}

/// Output rows `rows` added into `dk` (kh * kw * C * M): each tap's share
/// x[pixel it reads] * dY[pixel].
#[inline(always)]
fn kernel_grad_rows(d: &Depthwise, x: &[f32], grad: &[f32], rows: Range<usize>, dk: &mut [f32]) {
    let (g, m, cm) = (&d.g, d.multiplier, d.out_channels());
    let c = g.channels;
    let line_len = g.w.input * c;
    let row_len = g.w.output * cm;
    for r in rows {
        let (b, oy) = (r / g.h.output, r % g.h.output);
        let img = &x[b * g.image_len()..][..g.image_len()];
        let gline = &grad[r * row_len..][..row_len];
        for ky in g.h.valid_taps(oy) {
            let line = &img[g.h.source(oy, ky) * line_len..][..line_len];
            let krow = &mut dk[ky * g.w.kernel * cm..][..g.w.kernel * cm];
            for (ox, gp) in gline.chunks_exact(cm).enumerate() {
                for kx in g.w.valid_taps(ox) {
                    let ix = g.w.source(ox, kx);
                    tap(&mut krow[kx * cm..][..cm], &line[ix * c..][..c], gp, m);
                }
            }
        }
    }
}

/// The kernel gradient (kh, kw, C, M) from `x` and `grad`, summed over
/// fixed blocks of output rows added in order.
pub fn kernel_grad(d: &Depthwise, x: &[f32], grad: &[f32]) -> Vec<f32> {
    let d = *d;
    let g = d.g;
    let len = g.taps() * d.out_channels();
    let rows = g.batch * g.h.output;
    let per = d.rows_per_task(g.w.output * d.out_channels());
    let block = |start: usize| -> Vec<f32> {
        let mut dk = vec![0.0f32; len];
        let range = start..(start + per).min(rows);
        let part = &mut dk[..];
        let mut pairs = Vec::with_capacity(per * d.g.w.output);
        isa::run(
            #[inline(always)]
            move || {
                if d.multiplier == 1 {
                    kernel_grad_rows_one(&d, x, grad, range, part, &mut pairs);
                } else {
                    kernel_grad_rows(&d, x, grad, range, part);
                }
            },
        );
        dk
    };
    let starts: Vec<usize> = (0..rows).step_by(per).collect();
    let shares: Vec<Vec<f32>> = if worth_splitting(d.work()) && starts.len() > 1 {
        starts.par_iter().map(|&s| block(s)).collect()
    } else {
        starts.iter().map(|&s| block(s)).collect()
    };
    combine_block_sums(shares, len)
}

#[cfg(test)]
#[path = "depthwise_tests.rs"]
mod tests;
