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

#[cfg(test)]
#[path = "pool_f64_tests.rs"]
mod tests;
