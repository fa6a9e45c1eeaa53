//! Max and average pooling in float64, channels-last (N, H, W, C): the
//! plain, serial form of `pool`'s rules (float32 keeps its tiled, threaded
//! kernels; float64 is asked for precision, not speed). The same rules:
//! padded cells take no part, the first maximum wins ties, a NaN in a window
//! wins it, and the max gradient goes where the forward value came from.

use super::pool::each_cell;
use super::window::Geometry;
use crate::error::{Error, Result};

/// Whether `v` replaces `best` as the running max (as `pool::beats`).
fn beats(v: f64, best: f64) -> bool {
    (v > best) | (v.is_nan() & !best.is_nan())
}

/// Checks `x` (and `grad`, if any) against the geometry, so slicing cannot panic.
fn check(op: &str, g: &Geometry, x: usize, grad: Option<usize>) -> Result<()> {
    let out = g.batch * g.out_pixels() * g.channels;
    if x != g.batch * g.image_len() || grad.is_some_and(|n| n != out) {
        return Err(Error::shape(
            op,
            "an input and gradient of the pooling's sizes",
            format!("{x} and {grad:?} floats"),
        ));
    }
    Ok(())
}

/// The window's per-channel argmax offsets of output pixel (oy, ox) of
/// image `img` into `arg` (`false` if the window has no real cell).
fn argmax(
    g: &Geometry,
    img: &[f64],
    oy: usize,
    ox: usize,
    best: &mut [f64],
    arg: &mut [usize],
) -> bool {
    let c = g.channels;
    let mut first = true;
    each_cell(g, oy, ox, |at| {
        let src = &img[at..at + c];
        for ((b, a), &v) in best.iter_mut().zip(arg.iter_mut()).zip(src) {
            if first || beats(v, *b) {
                *b = v;
                *a = at;
            }
        }
        first = false;
    });
    !first
}

/// Pooled output (N, Ho, Wo, C) of contiguous `x`, flat: the max over each
/// window (`max`) or the mean over its real cells.
pub fn pool_forward_f64(op: &str, g: &Geometry, x: &[f64], max: bool) -> Result<Vec<f64>> {
    check(op, g, x.len(), None)?;
    let (c, img_len, pixels) = (g.channels, g.image_len(), g.out_pixels());
    let mut y = vec![0.0; g.batch * pixels * c];
    if c == 0 {
        return Ok(y);
    }
    let mut arg = vec![0; c];
    for (i, dst) in y.chunks_exact_mut(c).enumerate() {
        let (b, p) = (i / pixels.max(1), i % pixels.max(1));
        let (oy, ox) = (p / g.w.output, p % g.w.output);
        let img = &x[b * img_len..(b + 1) * img_len];
        if max {
            argmax(g, img, oy, ox, dst, &mut arg);
        } else {
            let count = each_cell(g, oy, ox, |at| {
                for (d, s) in dst.iter_mut().zip(&img[at..at + c]) {
                    *d += s;
                }
            });
            let n = count.max(1) as f64;
            dst.iter_mut().for_each(|d| *d /= n);
        }
    }
    Ok(y)
}

/// The input gradient (N, H, W, C) of pooling for the output gradient
/// `grad` (N, Ho, Wo, C): to each window's first argmax (`max`), or shared
/// equally among its real cells.
pub fn pool_backward_f64(
    op: &str,
    g: &Geometry,
    x: &[f64],
    grad: &[f64],
    max: bool,
) -> Result<Vec<f64>> {
    check(op, g, x.len(), Some(grad.len()))?;
    let (c, img_len, pixels) = (g.channels, g.image_len(), g.out_pixels());
    let mut dx = vec![0.0; x.len()];
    if c == 0 {
        return Ok(dx);
    }
    let (mut best, mut arg) = (vec![0.0; c], vec![0; c]);
    for (i, gp) in grad.chunks_exact(c).enumerate() {
        let (b, p) = (i / pixels.max(1), i % pixels.max(1));
        let (oy, ox) = (p / g.w.output, p % g.w.output);
        let img_dx = &mut dx[b * img_len..(b + 1) * img_len];
        if max {
            if argmax(
                g,
                &x[b * img_len..(b + 1) * img_len],
                oy,
                ox,
                &mut best,
                &mut arg,
            ) {
                for (ch, (&at, &d)) in arg.iter().zip(gp).enumerate() {
                    img_dx[at + ch] += d;
                }
            }
        } else {
            let n = (g.h.valid_taps(oy).len() * g.w.valid_taps(ox).len()).max(1) as f64;
            each_cell(g, oy, ox, |at| {
                for (d, s) in img_dx[at..at + c].iter_mut().zip(gp) {
                    *d += s / n;
                }
            });
        }
    }
    Ok(dx)
}

/// Global pooling of contiguous `x` (N, S, C) in float64: (N, C) of each
/// channel's max over the S positions (`max`; the first maximum wins, a NaN
/// wins) or their mean (the serial form of `pool::global_pool_forward`).
pub fn global_pool_forward_f64(
    op: &str,
    x: &[f64],
    (batch, s, c): (usize, usize, usize),
    max: bool,
) -> Result<Vec<f64>> {
    check_global(op, x.len(), None, (batch, s, c))?;
    let mut y = vec![0.0; batch * c];
    if c == 0 || s == 0 {
        return Ok(y);
    }
    for (img, dst) in x.chunks_exact(s * c).zip(y.chunks_exact_mut(c)) {
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
            let n = s as f64;
            dst.iter_mut().for_each(|d| *d /= n);
        }
    }
    Ok(y)
}

/// The input gradient (N, S, C) of `global_pool_forward_f64` for `grad`
/// (N, C): spread evenly over the positions (mean) or given to each
/// channel's first argmax (max).
pub fn global_pool_backward_f64(
    op: &str,
    x: &[f64],
    grad: &[f64],
    (batch, s, c): (usize, usize, usize),
    max: bool,
) -> Result<Vec<f64>> {
    check_global(op, x.len(), Some(grad.len()), (batch, s, c))?;
    let mut dx = vec![0.0; x.len()];
    if c == 0 || s == 0 {
        return Ok(dx);
    }
    let mut best = vec![0.0; c];
    let mut arg = vec![0usize; c];
    for ((img, img_dx), gb) in x
        .chunks_exact(s * c)
        .zip(dx.chunks_exact_mut(s * c))
        .zip(grad.chunks_exact(c))
    {
        if !max {
            let n = s as f64;
            for row in img_dx.chunks_exact_mut(c) {
                for (d, &gv) in row.iter_mut().zip(gb) {
                    *d = gv / n;
                }
            }
            continue;
        }
        for (p, src) in img.chunks_exact(c).enumerate() {
            for (ch, &v) in src.iter().enumerate() {
                if p == 0 || beats(v, best[ch]) {
                    best[ch] = v;
                    arg[ch] = p * c + ch;
                }
            }
        }
        for (&i, &gv) in arg.iter().zip(gb) {
            img_dx[i] = gv;
        }
    }
    Ok(dx)
}

/// Checks `x` (and `grad`) against (N, S, C), so slicing cannot panic.
fn check_global(
    op: &str,
    x: usize,
    grad: Option<usize>,
    (batch, s, c): (usize, usize, usize),
) -> Result<()> {
    if x != batch * s * c || grad.is_some_and(|n| n != batch * c) {
        return Err(Error::shape(
            op,
            "an input and gradient of the pooling's sizes",
            format!("{x} and {grad:?} floats"),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "pool_f64_tests.rs"]
mod tests;
