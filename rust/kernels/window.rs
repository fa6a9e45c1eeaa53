//! The geometry of a window sliding over the spatial axes of a channels-last
//! (N, H, W, C) tensor, shared by convolution (im2col) and pooling. 1-D ops
//! run as 2-D ones with H = 1, so every kernel here is written once.

use super::parallel::worth_splitting;
use rayon::prelude::*;
use std::ops::Range;

/// One spatial axis: input length, window taps, stride, dilation, the padding
/// before the first cell and the output length (as `ops::padding` computed them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AxisWindow {
    pub input: usize,
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    pub pad_before: usize,
    pub output: usize,
}

impl AxisWindow {
    /// The taps `k` of output `o` that land inside the input (not in padding).
    /// Taps are evenly spaced, so the valid ones form one range.
    #[inline]
    pub fn valid_taps(&self, o: usize) -> Range<usize> {
        let start = o * self.stride;
        if self.dilation == 1 {
            // The usual case, without the divisions (per im2col row, they
            // were a fifth of the bf16 im2col's time).
            let lo = self.pad_before.saturating_sub(start);
            let hi = (self.input + self.pad_before)
                .saturating_sub(start)
                .min(self.kernel);
            return lo.min(hi)..hi;
        }
        let lo = self
            .pad_before
            .saturating_sub(start)
            .div_ceil(self.dilation);
        let hi = (self.input + self.pad_before)
            .saturating_sub(start)
            .div_ceil(self.dilation)
            .min(self.kernel);
        lo.min(hi)..hi
    }

    /// Input index of tap `k` of output `o`; only for `k` in `valid_taps(o)`.
    #[inline]
    pub fn source(&self, o: usize, k: usize) -> usize {
        o * self.stride + k * self.dilation - self.pad_before
    }
}

/// A window over (N, H, W, C): batch, channels, and the two spatial axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub batch: usize,
    pub channels: usize,
    pub h: AxisWindow,
    pub w: AxisWindow,
}

impl Geometry {
    /// Floats in one input image: H * W * C.
    pub fn image_len(&self) -> usize {
        self.h.input * self.w.input * self.channels
    }

    /// Output pixels of one image: Ho * Wo.
    pub fn out_pixels(&self) -> usize {
        self.h.output * self.w.output
    }

    /// Window taps: kh * kw.
    pub fn taps(&self) -> usize {
        self.h.kernel * self.w.kernel
    }
}

/// Runs `f(index, chunk)` over consecutive `chunk`-sized pieces of `out`, on
/// several threads when `work` (elements touched) is large enough. Each piece
/// is written by one call, so results do not depend on the thread count.
pub fn for_each_chunk(
    out: &mut [f32],
    chunk: usize,
    work: usize,
    f: impl Fn(usize, &mut [f32]) + Send + Sync,
) {
    if chunk == 0 || out.is_empty() {
        return;
    }
    if worth_splitting(work) && out.len() > chunk {
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    } else {
        out.chunks_mut(chunk).enumerate().for_each(|(i, c)| f(i, c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(input: usize, kernel: usize, stride: usize, dilation: usize, pad: usize) -> AxisWindow {
        AxisWindow {
            input,
            kernel,
            stride,
            dilation,
            pad_before: pad,
            output: 0,
        }
    }

    /// `valid_taps` agrees with testing each tap one by one.
    #[test]
    fn valid_taps_match_brute_force() {
        for input in 1..7 {
            for kernel in 1..5 {
                for stride in 1..4 {
                    for dilation in 1..4 {
                        for pad in 0..4 {
                            let a = axis(input, kernel, stride, dilation, pad);
                            for o in 0..6 {
                                let want: Vec<usize> = (0..kernel)
                                    .filter(|&k| {
                                        let i = (o * stride + k * dilation) as i64 - pad as i64;
                                        i >= 0 && i < input as i64
                                    })
                                    .collect();
                                let got: Vec<usize> = a.valid_taps(o).collect();
                                assert_eq!(got, want, "{a:?} o={o}");
                            }
                        }
                    }
                }
            }
        }
    }
}
