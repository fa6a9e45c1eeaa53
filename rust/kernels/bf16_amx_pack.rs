//! Packing for the AMX kernel ([`super::bf16_amx`]): A panels of 32 rows
//! with each row's k-pairs contiguous, B panels of 32 columns with each
//! k-pair's words contiguous, the pairs padded with zeros to whole tile
//! steps. Rounding and pair layout are [`super::bf16_pack`]'s.
//!
//! The two layouts a training step packs most (a row-major weight matrix as
//! B, and the transposed layer input Xᵀ as A of the kernel gradient) have
//! whole-run AVX512-BF16 loops here: B is read pair of rows by pair of rows
//! across every panel of a group (one pass through memory), and a
//! column-major A is packed 16 pairs x 32 rows at a time as B panels are,
//! then transposed by gathers.

use super::bf16_amx::{k_block, KC, MA};
use super::bf16_kernel::NR;
use super::bf16_pack::{pack_b_panel, pack_pairs, PanelStrides, Strided};

/// Rows of an A panel.
const ROWS: usize = 32;
/// k-pairs transposed at once for a column-major A.
const STEP: usize = 16;

/// Packs the k-range `k0..k0 + kc` of A's rows `r0..r0 + 32` into `out`
/// (`32 * row_words` words): row i's pairs at `i * row_words ..`, the
/// pairs past `kc.div_ceil(2)` zeros. `row_words` is a multiple of 16.
#[inline(always)]
pub fn pack_a_rows(
    native: bool,
    a: &Strided,
    r0: usize,
    k0: usize,
    kc: usize,
    row_words: usize,
    out: &mut [u32],
) {
    let kp = kc.div_ceil(2);
    assert!(
        row_words >= kp
            && row_words.is_multiple_of(STEP)
            && out.len() == ROWS * row_words
            && k0 + kc <= a.cols,
        "bf16 gemm: AMX A panel (a bug in the caller)"
    );
    #[cfg(target_arch = "x86_64")]
    if native && a.rs == 1 && a.cs != 1 {
        // Column-major (Xᵀ): pairs for 32 rows as a B panel's, transposed.
        let mut block = [0u32; STEP * ROWS];
        for p0 in (0..kp).step_by(STEP) {
            let count = STEP.min(kp - p0);
            let k_count = (kc - 2 * p0).min(2 * STEP);
            let pairs = PanelStrides {
                other: 1,
                pair: ROWS,
            };
            block[count * ROWS..].fill(0);
            pack_pairs(
                native,
                a,
                r0,
                ROWS,
                k0 + 2 * p0,
                k_count,
                pairs,
                &mut block[..count * ROWS],
            );
            // SAFETY: AVX-512 F (`native` implies it); `block` holds 16 x 32
            // words; out row i holds words p0..p0 + 16 <= row_words (a
            // multiple of 16 above kp > p0), for i < 32 rows.
            unsafe { avx512::transpose_into(&block, &mut out[p0..], row_words) };
        }
        for row in out.chunks_exact_mut(row_words) {
            row[kp..].fill(0);
        }
        return;
    }
    let to = PanelStrides {
        other: row_words,
        pair: 1,
    };
    pack_pairs(native, a, r0, ROWS, k0, kc, to, out);
    for row in out.chunks_exact_mut(row_words) {
        row[kp..].fill(0);
    }
}

/// Packs the k-range `k0..k0 + kc` of `panels` consecutive B panels
/// (columns from `c0`, [`NR`] per panel): panel j's words at
/// `j * panel_stride ..`, laid out as [`pack_b_panel`]'s for `kpp` pairs
/// (zeros past `kc.div_ceil(2)`).
#[allow(clippy::too_many_arguments)]
pub fn pack_b_panels(
    native: bool,
    b: &Strided,
    c0: usize,
    panels: usize,
    k0: usize,
    kc: usize,
    kpp: usize,
    panel_stride: usize,
    out: &mut [u32],
) {
    let kp = kc.div_ceil(2);
    assert!(
        panels > 0
            && kpp >= kp
            && panel_stride >= kpp * NR
            && out.len() >= (panels - 1) * panel_stride + kpp * NR
            && k0 + kc <= b.rows
            && c0 < b.cols,
        "bf16 gemm: B panels (a bug in the caller)"
    );
    #[cfg(target_arch = "x86_64")]
    if native && b.cs == 1 {
        let cols = (b.cols - c0).min(panels * NR);
        for p in 0..kp {
            // SAFETY: rows k0 + 2p (+ 1) < k0 + kc <= b.rows and columns
            // c0..c0 + cols are inside B (asserted above); AVX-512 BW and
            // BF16 (`native`); the words written are p * NR.. of each of the
            // `panels` panels, inside `out` (asserted above).
            unsafe {
                let lo = b.ptr.offset((k0 + 2 * p) as isize * b.rs + c0 as isize);
                let hi = (2 * p + 1 < kc).then(|| lo.offset(b.rs));
                let dst = out[p * NR..].as_mut_ptr();
                avx512::pair_of_rows(lo, hi, cols, panels, dst, panel_stride);
            }
        }
    } else {
        for j in 0..panels {
            let panel = &mut out[j * panel_stride..][..kp * NR];
            pack_b_panel(native, b, c0 + j * NR, k0, kc, panel);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    for j in 0..panels {
        let panel = &mut out[j * panel_stride..][..kp * NR];
        pack_b_panel(native, b, c0 + j * NR, k0, kc, panel);
    }
    for j in 0..panels {
        out[j * panel_stride + kp * NR..][..(kpp - kp) * NR].fill(0);
    }
}

/// The A operand of [`super::bf16_amx::gemm`]: a matrix to pack, or panels packed by the
/// caller (a bf16 im2col writes them directly, `im2col_bf16`).
#[derive(Clone, Copy)]
pub(super) enum AOperand<'a> {
    Matrix(&'a Strided),
    /// `m` x `k`, laid out as [`a_layout`] describes, [`a_words`] long.
    Packed {
        words: &'a [u32],
        m: usize,
        k: usize,
    },
}

/// Words of A (`m` x `k`) packed: panels of [`MA`] rows, `MA * pairs`
/// words each, where `pairs` sums the padded pairs of k's blocks.
pub(super) fn a_words(m: usize, k: usize) -> usize {
    m.div_ceil(MA) * MA * a_layout(k).map(|(_, _, kpp)| kpp).sum::<usize>()
}

/// The k blocks of a packed A or B panel for inner size `k`: for each,
/// (first k, k count, padded pairs). In a packed A panel, block b's rows
/// start at `MA` times the pairs of the blocks before it, one row every
/// `kpp` words (row i's pair p: k elements 2p and 2p + 1 of the block, low
/// half first), the pairs past the block's k zero.
pub(super) fn a_layout(k: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    (0..k.div_ceil(KC)).map(move |kb| k_block(kb, k))
}

/// The B operand of [`super::bf16_amx::gemm`]: a matrix to pack, or its panels as
/// [`super::bf16_amx::pack_b_all`] lays them out (packed once for several products, or
/// written directly by a bf16 im2col).
#[derive(Clone, Copy)]
pub(super) enum BOperand<'a> {
    Matrix(&'a Strided),
    /// `k` x `n`, [`b_words`] long.
    Packed {
        words: &'a [u32],
        k: usize,
        n: usize,
    },
}

/// Words of B (`k` x `n`) packed: `n / 32` panels (rounded up) of the
/// padded pairs of all k blocks ([`a_layout`]'s blocks), each pair 32 words
/// (word (p, j) = k elements 2p and 2p + 1 of the block in column j, low
/// half first).
pub(super) fn b_words(k: usize, n: usize) -> usize {
    n.div_ceil(NR) * NR * a_layout(k).map(|(_, _, kpp)| kpp).sum::<usize>()
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{NR, ROWS, STEP};
    use std::arch::x86_64::*;

    /// u16 lanes of [lo 0..16 | hi 0..16] (one `vcvtne2ps2bf16`) in pair
    /// order: word j = (lo j, hi j).
    const PAIRS: [u16; 32] = crate::kernels::bf16_pack::avx512::interleave_index(0, 16);

    /// Writes the pair words (lo[j], hi[j]) for columns j < `cols` into
    /// `panels` panels (`panel_words` apart, NR words each from `dst`),
    /// zeros past `cols`. `hi` None is the odd last k (zeros).
    ///
    /// # Safety
    ///
    /// AVX-512 F/BW/BF16; `lo` (and `hi`) readable for `cols` floats;
    /// `dst + j * panel_words` writable for NR words for j < `panels`, and
    /// `cols <= panels * NR`.
    #[target_feature(enable = "avx512f,avx512bw,avx512bf16")]
    pub unsafe fn pair_of_rows(
        lo: *const f32,
        hi: Option<*const f32>,
        cols: usize,
        panels: usize,
        dst: *mut u32,
        panel_words: usize,
    ) {
        let order = _mm512_loadu_si512(PAIRS.as_ptr().cast());
        let mut j = 0;
        while j < panels * NR {
            let n = cols.saturating_sub(j).min(16);
            let out = dst.add(j / NR * panel_words + j % NR);
            if n == 0 {
                _mm512_storeu_si512(out.cast(), _mm512_setzero_si512());
            } else {
                let mask = ((1u32 << n) - 1) as __mmask16;
                let l = _mm512_maskz_loadu_ps(mask, lo.add(j));
                let h = match hi {
                    Some(hi) => _mm512_maskz_loadu_ps(mask, hi.add(j)),
                    None => _mm512_setzero_ps(),
                };
                // Lanes 0..16 from l, 16..32 from h; then into pairs.
                let both: __m512i = std::mem::transmute(_mm512_cvtne2ps_pbh(h, l));
                _mm512_storeu_si512(out.cast(), _mm512_permutexvar_epi16(order, both));
            }
            j += 16;
        }
    }

    /// `out[i * row_words + q] = block[q * 32 + i]` for i < 32, q < 16:
    /// 16 pairs of 32 rows from [pair][row] to [row][pair].
    ///
    /// # Safety
    ///
    /// AVX-512 F; `out` holds `31 * row_words + 16` words.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn transpose_into(block: &[u32; STEP * ROWS], out: &mut [u32], row_words: usize) {
        assert!(out.len() >= (ROWS - 1) * row_words + STEP);
        let index = _mm512_mullo_epi32(
            _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
            _mm512_set1_epi32(ROWS as i32),
        );
        for i in 0..ROWS {
            let column = _mm512_i32gather_epi32::<4>(index, block.as_ptr().add(i).cast());
            _mm512_storeu_si512(out.as_mut_ptr().add(i * row_words).cast(), column);
        }
    }
}
