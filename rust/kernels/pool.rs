//! Max and average pooling over channels-last (N, H, W, C) tensors, windowed
//! and global. Forward passes split over output rows, backward passes over
//! images (windows overlap, so one image's gradient is summed by one task);
//! every sum runs in a fixed order, so results do not depend on the thread count.
//!
//! Padded cells take no part: they never win a max and an average divides by
//! the number of real cells only (as TensorFlow and Keras do).

use super::buffer::try_filled_vec;
use super::window::{for_each_chunk, AxisWindow, Geometry};

/// Whether `v` replaces `best` as the running max: strictly greater, so the
/// first maximum wins ties; a NaN wins once and then stays (NaN propagates).
/// Forward and backward use this one rule, so the gradient goes exactly
/// where the forward value came from.
/// Written with non-short-circuit operators and used through selects, so
/// the channel loops compile to branch-free vector code.
#[inline(always)]
fn beats(v: f32, best: f32) -> bool {
    (v > best) | (v.is_nan() & !best.is_nan())
}

/// Calls `f(offset)` with the flat offset (in H*W*C units, channel 0) of
/// every real cell of output pixel (oy, ox)'s window, in row-major order.
#[inline]
pub(super) fn each_cell(g: &Geometry, oy: usize, ox: usize, mut f: impl FnMut(usize)) -> usize {
    let (ys, xs) = (g.h.valid_taps(oy), g.w.valid_taps(ox));
    for ky in ys.clone() {
        let row = g.h.source(oy, ky) * g.w.input;
        for kx in xs.clone() {
            f((row + g.w.source(ox, kx)) * g.channels);
        }
    }
    ys.len() * xs.len()
}

/// Pooled output (N, Ho, Wo, C) of contiguous `x`, flat.
fn pool_forward(
    g: &Geometry,
    x: &[f32],
    pixel: impl Fn(&[f32], usize, usize, &mut [f32]) + Send + Sync,
) -> Vec<f32> {
    let (c, oh, ow, img_len) = (g.channels, g.h.output, g.w.output, g.image_len());
    let mut y = vec![0.0f32; g.batch * oh * ow * c];
    let work = y.len() * g.taps();
    for_each_chunk(&mut y, ow * c, work, |i, line| {
        let (b, oy) = (i / oh, i % oh);
        let img = &x[b * img_len..(b + 1) * img_len];
        for (ox, dst) in line.chunks_exact_mut(c).enumerate() {
            pixel(img, oy, ox, dst);
        }
    });
    y
}

/// Per-task scratch of one value and one index per channel.
struct Scratch {
    values: Vec<f32>,
    index: Vec<usize>,
}

/// Input gradient (N, H, W, C) from `grad` (N, Ho, Wo, C), one task per image.
fn pool_backward(
    g: &Geometry,
    grad: &[f32],
    pixel: impl Fn(&mut Scratch, usize, usize, usize, &[f32], &mut [f32]) + Send + Sync,
) -> Vec<f32> {
    let (c, pixels) = (g.channels, g.out_pixels());
    let mut dx = vec![0.0f32; g.batch * g.image_len()];
    if c == 0 {
        return dx;
    }
    let work = grad.len() * g.taps();
    for_each_chunk(&mut dx, g.image_len(), work, |b, img_dx| {
        let gy = &grad[b * pixels * c..(b + 1) * pixels * c];
        let mut scratch = Scratch {
            values: vec![0.0; c],
            index: vec![0; c],
        };
        for (p, gp) in gy.chunks_exact(c).enumerate() {
            pixel(&mut scratch, b, p / g.w.output, p % g.w.output, gp, img_dx);
        }
    });
    dx
}

pub fn max_pool_forward(g: &Geometry, x: &[f32]) -> Vec<f32> {
    if tiles(&g.h)
        && tiles(&g.w)
        && g.channels > 0
        && g.h.output * g.w.output > 0
        && x.len() == g.batch * g.image_len()
    {
        return tiled_max_pool_forward(g, x);
    }
    windowed_max_pool_forward(g, x)
}

/// Max-pool forward over any windows (padded, overlapping, dilated).
fn windowed_max_pool_forward(g: &Geometry, x: &[f32]) -> Vec<f32> {
    let c = g.channels;
    pool_forward(g, x, |img, oy, ox, dst| {
        let mut first = true;
        each_cell(g, oy, ox, |at| {
            let src = &img[at..at + c];
            if first {
                dst.copy_from_slice(src);
                first = false;
            } else {
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = if beats(s, *d) { s } else { *d };
                }
            }
        });
    })
}

/// Whether windows along `a` tile it exactly: stride = kernel, no padding,
/// no dilation, no cells left over (a 2x2 pool on an even size).
fn tiles(a: &AxisWindow) -> bool {
    a.stride == a.kernel && a.dilation == 1 && a.pad_before == 0 && a.output * a.kernel == a.input
}

/// Max-pool forward when windows tile the input (see [`tiles`]): output
/// row (image, oy) reads only the band of kh input rows under it, so each
/// task takes its band directly, with no per-pixel window arithmetic and
/// no zero fill. Cells are visited in the general path's order (row-major,
/// the first cell copied, the others by `beats`), so the values are its own.
fn tiled_max_pool_forward(g: &Geometry, x: &[f32]) -> Vec<f32> {
    let (c, ow) = (g.channels, g.w.output);
    let (kh, kw, row_len) = (g.h.kernel, g.w.kernel, g.w.input * c);
    let band_len = kh * row_len;
    // SAFETY: the output rows (ow * c floats each) tile y, and each task
    // writes every pixel of its row (the first cell's copy, then maxima in
    // place). Slicing x beyond its length panics (bounds-checked), which
    // frees y unread.
    let y = unsafe {
        try_filled_vec(g.batch * g.h.output * ow * c, |y| {
            for_each_chunk(y, ow * c, x.len(), |i, line| {
                let band = &x[i * band_len..][..band_len];
                super::isa::run(
                    #[inline(always)]
                    move || {
                        for (ox, dst) in line.chunks_exact_mut(c).enumerate() {
                            let cell = |n: usize| (n / kw) * row_len + (ox * kw + n % kw) * c;
                            dst.copy_from_slice(&band[cell(0)..][..c]);
                            for n in 1..kh * kw {
                                for (d, &v) in dst.iter_mut().zip(&band[cell(n)..][..c]) {
                                    *d = if beats(v, *d) { v } else { *d };
                                }
                            }
                        }
                    },
                )
            });
            Ok(())
        })
    };
    // The fill above never fails.
    y.unwrap_or_default()
}

/// One output pixel of a tiling max pool's backward pass: finds each
/// channel's first argmax among the window's cells (row-major, the rule of
/// `beats`) and writes every cell of the window: the gradient to the winner,
/// zero to the others. Branch-free over channels, so it vectorises (inlined
/// into the caller's `isa::run`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tiled_pixel_backward(
    band: &[f32],
    band_dx: &mut [f32],
    gp: &[f32],
    best: &mut [f32],
    arg: &mut [u32],
    ox: usize,
    (kh, kw, row_len): (usize, usize, usize),
    c: usize,
) {
    let cell = |ky: usize, kx: usize| ky * row_len + (ox * kw + kx) * c;
    best.copy_from_slice(&band[cell(0, 0)..][..c]);
    arg.fill(0);
    for n in 1..kh * kw {
        let src = &band[cell(n / kw, n % kw)..][..c];
        for ((b, a), &v) in best.iter_mut().zip(arg.iter_mut()).zip(src) {
            let take = beats(v, *b);
            *b = if take { v } else { *b };
            *a = if take { n as u32 } else { *a };
        }
    }
    for n in 0..kh * kw {
        let dst = &mut band_dx[cell(n / kw, n % kw)..][..c];
        for ((d, &a), &gv) in dst.iter_mut().zip(arg.iter()).zip(gp) {
            // 0.0 + gv: the same value (and signed zero) the scatter-add gave.
            *d = if a == n as u32 { 0.0 + gv } else { 0.0 };
        }
    }
}

/// Max-pool backward when windows tile the input (see [`tiles`]): every
/// input cell is in exactly one window, so each is written once, with no
/// zero fill and no scatter. One task per output row.
fn tiled_max_pool_backward(g: &Geometry, x: &[f32], grad: &[f32]) -> Vec<f32> {
    let (c, ow) = (g.channels, g.w.output);
    let (kh, kw, row_len) = (g.h.kernel, g.w.kernel, g.w.input * c);
    let band_len = kh * row_len;
    // SAFETY: the windows tile the image (`tiles`, checked by the caller with
    // the buffer lengths), so the bands of kh rows tile dx and each band's
    // pixels write every cell of their windows: all of dx. Slicing x or grad
    // beyond their lengths panics (bounds-checked), which frees dx unread.
    let dx = unsafe {
        try_filled_vec(g.batch * g.image_len(), |dx| {
            for_each_chunk(dx, band_len, x.len(), |i, band_dx| {
                let band = &x[i * band_len..][..band_len];
                let gy = &grad[i * ow * c..][..ow * c];
                let (mut best, mut arg) = (vec![0.0f32; c], vec![0u32; c]);
                // One ISA dispatch per band, not per pixel (a call each).
                super::isa::run(
                    #[inline(always)]
                    || {
                        for ox in 0..ow {
                            let gp = &gy[ox * c..][..c];
                            tiled_pixel_backward(
                                band,
                                band_dx,
                                gp,
                                &mut best,
                                &mut arg,
                                ox,
                                (kh, kw, row_len),
                                c,
                            );
                        }
                    },
                );
            });
            Ok(())
        })
    };
    // The fill above never fails.
    dx.unwrap_or_default()
}

/// The gradient goes to each window's (first) argmax, per channel.
pub fn max_pool_backward(g: &Geometry, x: &[f32], grad: &[f32]) -> Vec<f32> {
    if tiles(&g.h)
        && tiles(&g.w)
        && g.channels > 0
        && g.h.output * g.w.output > 0
        && x.len() == g.batch * g.image_len()
    {
        return tiled_max_pool_backward(g, x, grad);
    }
    let (c, img_len) = (g.channels, g.image_len());
    pool_backward(g, grad, |scratch, b, oy, ox, gp, img_dx| {
        let img = &x[b * img_len..(b + 1) * img_len];
        let (best, arg) = (&mut scratch.values[..c], &mut scratch.index[..c]);
        let mut first = true;
        // `arg` holds the winning cell's offset; the channel is added at the end.
        each_cell(g, oy, ox, |at| {
            let src = &img[at..at + c];
            if first {
                best.copy_from_slice(src);
                arg.fill(at);
                first = false;
                return;
            }
            for ((b, a), &v) in best.iter_mut().zip(arg.iter_mut()).zip(src) {
                let take = beats(v, *b);
                *b = if take { v } else { *b };
                *a = if take { at } else { *a };
            }
        });
        if !first {
            for (ch, (&at, &d)) in arg.iter().zip(gp).enumerate() {
                img_dx[at + ch] += d;
            }
        }
    })
}

pub fn avg_pool_forward(g: &Geometry, x: &[f32]) -> Vec<f32> {
    let c = g.channels;
    pool_forward(g, x, |img, oy, ox, dst| {
        let count = each_cell(g, oy, ox, |at| {
            for (d, s) in dst.iter_mut().zip(&img[at..at + c]) {
                *d += s;
            }
        });
        let n = count.max(1) as f32;
        dst.iter_mut().for_each(|d| *d /= n);
    })
}

pub fn avg_pool_backward(g: &Geometry, grad: &[f32]) -> Vec<f32> {
    let (ys, xs) = (g.h, g.w);
    pool_backward(g, grad, |scratch, _, oy, ox, gp, img_dx| {
        let n = (ys.valid_taps(oy).len() * xs.valid_taps(ox).len()).max(1) as f32;
        let share = &mut scratch.values;
        for (s, d) in share.iter_mut().zip(gp) {
            *s = d / n;
        }
        each_cell(g, oy, ox, |at| {
            for (d, s) in img_dx[at..].iter_mut().zip(share.iter()) {
                *d += s;
            }
        });
    })
}

/// Global pooling of contiguous `x` seen as (N, S, C) to (N, C): the max
/// (`max = true`) or the mean over the S positions, summed in order.
pub fn global_pool_forward(x: &[f32], batch: usize, s: usize, c: usize, max: bool) -> Vec<f32> {
    let mut y = vec![0.0f32; batch * c];
    for_each_chunk(&mut y, c, x.len(), |b, dst| {
        let img = &x[b * s * c..(b + 1) * s * c];
        for (p, src) in img.chunks_exact(c).enumerate() {
            for (d, &v) in dst.iter_mut().zip(src) {
                if !max {
                    *d += v;
                } else if p == 0 || beats(v, *d) {
                    *d = v;
                }
            }
        }
        if !max {
            let n = s.max(1) as f32;
            dst.iter_mut().for_each(|d| *d /= n);
        }
    });
    y
}

/// Gradient of `global_pool_forward` for `grad` (N, C): spread evenly over
/// the positions (mean) or given to each channel's first argmax (max).
pub fn global_pool_backward(
    x: &[f32],
    grad: &[f32],
    batch: usize,
    s: usize,
    c: usize,
    max: bool,
) -> Vec<f32> {
    let mut dx = vec![0.0f32; batch * s * c];
    for_each_chunk(&mut dx, s * c, x.len(), |b, img_dx| {
        let gb = &grad[b * c..(b + 1) * c];
        if !max {
            let n = s.max(1) as f32;
            for row in img_dx.chunks_exact_mut(c) {
                for (d, &gv) in row.iter_mut().zip(gb) {
                    *d = gv / n;
                }
            }
            return;
        }
        let img = &x[b * s * c..(b + 1) * s * c];
        let mut best = vec![0.0f32; c];
        let mut arg = vec![0usize; c];
        for (p, src) in img.chunks_exact(c).enumerate() {
            for ch in 0..c {
                if p == 0 || beats(src[ch], best[ch]) {
                    best[ch] = src[ch];
                    arg[ch] = p * c + ch;
                }
            }
        }
        for (&i, &gv) in arg.iter().zip(gb) {
            img_dx[i] = gv;
        }
    });
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tiled forward pass is the windowed one, bit for bit: ties, NaNs
    /// and signed zeros included, for 2x2 and 3x2 windows.
    #[test]
    fn tiled_forward_is_the_windowed_forward() {
        let axis = |input, kernel| AxisWindow {
            input,
            kernel,
            stride: kernel,
            dilation: 1,
            pad_before: 0,
            output: input / kernel,
        };
        for (kh, kw, c) in [(2, 2, 32), (3, 2, 5), (2, 2, 1)] {
            let g = Geometry {
                batch: 3,
                channels: c,
                h: axis(4 * kh, kh),
                w: axis(5 * kw, kw),
            };
            let specials = [f32::NAN, 0.0, -0.0, 1.0, 1.0, f32::NEG_INFINITY, -2.5];
            let x: Vec<f32> = (0..g.batch * g.image_len())
                .map(|i| match i % 11 {
                    0..=6 => specials[(i / 11 + i) % specials.len()],
                    _ => ((i * 37) % 19) as f32 - 9.0,
                })
                .collect();
            let (tiled, windowed) = (
                tiled_max_pool_forward(&g, &x),
                windowed_max_pool_forward(&g, &x),
            );
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&tiled), bits(&windowed), "{kh}x{kw}, {c} channels");
            assert_eq!(bits(&max_pool_forward(&g, &x)), bits(&tiled));
        }
    }
}
