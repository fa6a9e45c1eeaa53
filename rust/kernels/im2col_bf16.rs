//! The forward convolution's im2col under `mixed_bfloat16` on AMX: a task's
//! images are rounded to bf16 once, and each output pixel's receptive field
//! is written as bf16 straight into the AMX kernel's packed A panels
//! (`bf16_amx::a_layout`). No float32 column matrix is made and A is not
//! packed again: half the bytes of the float32 columns, and one pass over
//! them instead of three (write, read to pack, write packed).
//!
//! The panels hold exactly the words packing the float32 columns would (the
//! same rounding, `bf16_bits`, applied to the same values), so the product
//! and its bits are those of the float32-columns path.

use super::bf16::{gemm_serial_packed_a, gemm_serial_packed_b, SharedB};
use super::bf16_amx::{a_layout, a_words, b_words, MA};
use super::bf16_kernel::NR;
use super::bf16_pack::bf16_bits;
use super::im2col::{col_width, fill_row};
use super::window::Geometry;
use ndarray::{ArrayView2, ArrayViewMut2};
use std::cell::RefCell;

thread_local! {
    /// The calling thread's bf16 images, packed panels and one column row,
    /// kept between calls (a task's buffers are reused every step).
    static BUFFERS: RefCell<(Vec<u16>, Vec<u32>, Vec<u16>)> =
        const { RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
}

/// `out = im2col(x) · w`, with `x` whole images (contiguous, `out`'s rows
/// their output pixels), computed from bf16 columns packed in place. The
/// caller has checked `w.takes_packed_a(out rows, col_width(g))`.
pub(super) fn forward_task(g: &Geometry, x: &[f32], w: &SharedB, out: ArrayViewMut2<f32>) {
    let (m, k) = (out.dim().0, col_width(g));
    BUFFERS.with(|buffers| {
        let (xb, words, row) = &mut *buffers.borrow_mut();
        round_into(x, xb);
        pack_columns(g, xb, m, k, words, row);
        gemm_serial_packed_a(words, m, k, w, out, false);
    });
}

/// A task's kernel gradient `dk` (columns x Cout) `= im2col(x)ᵀ · gy`,
/// computed as `dkᵀ = gyᵀ · cols` with the bf16 columns written straight
/// into the AMX kernel's packed B panels (k runs over output pixels). The
/// caller has checked `takes_packed_b(Cout, gy rows, col_width(g))`.
pub(super) fn kernel_grad_task(
    g: &Geometry,
    x: &[f32],
    gy: ArrayView2<f32>,
    dk: ArrayViewMut2<f32>,
) {
    let (m, k) = (gy.dim().0, col_width(g));
    BUFFERS.with(|buffers| {
        let (xb, words, rows) = &mut *buffers.borrow_mut();
        round_into(x, xb);
        pack_column_pairs(g, xb, m, k, words, rows);
        gemm_serial_packed_b(gy.t(), words, k, dk.reversed_axes(), false);
    });
}

/// `x` rounded to bf16 bits into `xb`.
fn round_into(x: &[f32], xb: &mut Vec<u16>) {
    xb.clear();
    xb.extend(x.iter().map(|&v| bf16_bits(v) as u16));
}

/// Output pixels in row order, (image, oy, ox), stepped without divisions
/// (they were a third of the packing loops' time).
struct Pixels {
    at: (usize, usize, usize),
    oh: usize,
    ow: usize,
}

impl Pixels {
    fn new(g: &Geometry) -> Self {
        Pixels {
            at: (0, 0, 0),
            oh: g.h.output,
            ow: g.w.output,
        }
    }

    /// The next pixel.
    fn next(&mut self) -> (usize, usize, usize) {
        let here = self.at;
        let (b, oy, ox) = &mut self.at;
        *ox += 1;
        if *ox == self.ow {
            *ox = 0;
            *oy += 1;
            if *oy == self.oh {
                *oy = 0;
                *b += 1;
            }
        }
        here
    }
}

/// Writes the bf16 columns of the `m` output pixels of images `xb` (`k`
/// columns each) into `words` as the AMX kernel's packed B of `cols` (`m` x
/// `k`): word (pair p, column j) holds pixel rows 2p and 2p + 1 of its k
/// block in column j; columns past `k` and pairs past `m` are zeros.
fn pack_column_pairs(
    g: &Geometry,
    xb: &[u16],
    m: usize,
    k: usize,
    words: &mut Vec<u32>,
    rows: &mut Vec<u16>,
) {
    let img_len = g.image_len();
    let blocks: Vec<(usize, usize, usize)> = a_layout(m).collect();
    let pairs: usize = blocks.iter().map(|b| b.2).sum();
    let panels = k.div_ceil(NR);
    let len = b_words(m, k);
    assert!(
        img_len > 0 && m <= xb.len() / img_len * g.out_pixels() && len == panels * NR * pairs,
        "bf16 im2col: images and columns do not fit (a bug in the caller)"
    );
    words.resize(len, 0);
    // Two rows, each padded with zeros to whole panels.
    rows.clear();
    rows.resize(2 * panels * NR, 0);
    let (lo, hi) = rows.split_at_mut(panels * NR);
    let mut pixels = Pixels::new(g);
    let mut next_row = |dst: &mut [u16], real: bool| {
        if real {
            let (b, oy, ox) = pixels.next();
            fill_row(g, &xb[b * img_len..][..img_len], oy, ox, &mut dst[..k]);
        } else {
            dst.fill(0);
        }
    };
    let mut at = 0;
    for &(_, kc, kpp) in &blocks {
        for p in 0..kpp {
            next_row(lo, 2 * p < kc);
            next_row(hi, 2 * p + 1 < kc);
            let (lo, hi) = (&*lo, &*hi);
            for (j, (l, h)) in lo.chunks_exact(NR).zip(hi.chunks_exact(NR)).enumerate() {
                let dst = &mut words[j * pairs * NR + (at + p) * NR..][..NR];
                super::isa::run(
                    #[inline(always)]
                    move || {
                        for ((d, &l), &h) in dst.iter_mut().zip(l).zip(h) {
                            *d = u32::from(l) | u32::from(h) << 16;
                        }
                    },
                );
            }
        }
        at += kpp;
    }
}

/// Writes the bf16 columns of the `m` output pixels of images `xb` (bf16
/// bits) into `words`, laid out as the AMX kernel's packed A: rows past `m`
/// and pairs past each k block are zeros.
fn pack_columns(
    g: &Geometry,
    xb: &[u16],
    m: usize,
    k: usize,
    words: &mut Vec<u32>,
    row: &mut Vec<u16>,
) {
    let (pixels, img_len) = (g.out_pixels(), g.image_len());
    let blocks: Vec<(usize, usize, usize)> = a_layout(k).collect();
    let pairs: usize = blocks.iter().map(|b| b.2).sum();
    let len = a_words(m, k);
    assert!(
        pixels > 0
            && img_len > 0
            && m <= xb.len() / img_len * pixels
            && len == m.div_ceil(MA) * MA * pairs,
        "bf16 im2col: images and columns do not fit (a bug in the caller)"
    );
    words.resize(len, 0);
    // Two bf16 values per word, the lower k first (x86 is little-endian).
    let halves = u16_view(words);
    row.resize(k, 0);
    let mut pixels = Pixels::new(g);
    for r in 0..m.div_ceil(MA) * MA {
        let (panel, i) = (r / MA, r % MA);
        let base = panel * MA * pairs;
        let mut fill = |dst: &mut [u16]| {
            if r < m {
                let (b, oy, ox) = pixels.next();
                fill_row(g, &xb[b * img_len..][..img_len], oy, ox, dst);
            } else {
                dst.fill(0);
            }
        };
        if let [(_, kc, kpp)] = blocks[..] {
            // One k block: the row goes straight into its place.
            let dst = &mut halves[2 * (base + i * kpp)..][..2 * kpp];
            fill(&mut dst[..kc]);
            dst[kc..].fill(0);
            continue;
        }
        fill(row);
        let mut at = 0;
        for &(k0, kc, kpp) in &blocks {
            let dst = &mut halves[2 * (base + MA * at + i * kpp)..][..2 * kpp];
            dst[..kc].copy_from_slice(&row[k0..k0 + kc]);
            dst[kc..].fill(0);
            at += kpp;
        }
    }
}

/// `words` as twice as many u16 halves, in memory order.
fn u16_view(words: &mut [u32]) -> &mut [u16] {
    // SAFETY: u16 has no invalid bit patterns and a smaller alignment than
    // u32; the view covers exactly the words' bytes and borrows them
    // exclusively for its lifetime.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u16>(), words.len() * 2) }
}

#[cfg(test)]
#[path = "im2col_bf16_tests.rs"]
mod tests;
