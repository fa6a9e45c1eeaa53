//! The bf16 product of one row (a one-sample Dense under
//! `mixed_bfloat16`): `c[i, :] = round(a[i, :]) · round(b)` straight from a
//! row-major B, no packing.
//!
//! Packing B (every element rounded and paired) costs as much as the whole
//! product when A has one row, so here B's rows are rounded as they are
//! read, in order, and the products added in the order of the vector
//! kernels (per k-pair: the odd product, then the even one; per block of
//! `KC` along k, a fresh sum added to C). Products of two bf16 values are
//! exact in float32, so the results are the vector kernels', bit for bit.

use super::bf16::KC;
use super::bf16_pack::bf16_bits;
use super::isa::{self, Isa};
use ndarray::{ArrayView2, ArrayViewMut2};

/// Rows of A up to which [`gemm_rows`] is faster than packing (each row is
/// one pass over B, which costs about what packing B does).
pub const MAX_ROWS: usize = 1;

/// Whether an (m, k) x (k, n) product with B's strides takes [`gemm_rows`].
pub fn suits(m: usize, b: &ArrayView2<f32>) -> bool {
    m <= MAX_ROWS && (b.strides()[1] == 1 || b.dim().1 == 1)
}

/// `c (+)= round(a) · round(b)` row by row, B read in order, at `level`.
pub fn gemm_rows(
    level: Isa,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    let (m, k) = a.dim();
    let n = b.dim().1;
    assert!(
        b.dim().0 == k && c.dim() == (m, n),
        "bf16 gemm rows: operands do not fit (a bug in the caller)"
    );
    let mut acc = vec![0.0f32; n];
    let round = |x: f32| f32::from_bits(bf16_bits(x) << 16);
    for (i, a_row) in a.outer_iter().enumerate() {
        for k0 in (0..k).step_by(KC) {
            let pairs = k0 / 2..(KC.min(k - k0) + k0).div_ceil(2);
            acc.fill(0.0);
            isa::run_at(
                level,
                #[inline(always)]
                || {
                    for p in pairs {
                        let lo = round(a_row[2 * p]);
                        let b_lo = b.row(2 * p);
                        if 2 * p + 1 < k {
                            let hi = round(a_row[2 * p + 1]);
                            let b_hi = b.row(2 * p + 1);
                            if let (Some(l), Some(h)) = (b_lo.as_slice(), b_hi.as_slice()) {
                                for ((s, &l), &h) in acc.iter_mut().zip(l).zip(h) {
                                    *s = (*s + hi * round(h)) + lo * round(l);
                                }
                            } else {
                                for ((s, &l), &h) in acc.iter_mut().zip(&b_lo).zip(&b_hi) {
                                    *s = (*s + hi * round(h)) + lo * round(l);
                                }
                            }
                        } else {
                            // The odd last k: its pair's high half is zero.
                            for (s, &l) in acc.iter_mut().zip(&b_lo) {
                                *s += lo * round(l);
                            }
                        }
                    }
                },
            );
            let mut out = c.row_mut(i);
            let block = ndarray::ArrayView1::from(&acc);
            if accumulate || k0 > 0 {
                out += &block;
            } else {
                out.assign(&block);
            }
        }
    }
}
