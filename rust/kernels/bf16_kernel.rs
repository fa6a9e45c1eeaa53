//! The micro-kernels of the bf16 GEMM ([`super::bf16`]): one `MR x NR` tile
//! of `A_panel · B_panel` over `kp` k-pairs, from panels packed by
//! [`super::bf16_pack`].
//!
//! A panel word (i, p) is at `i * a.row + p * a.pair` (rows or pairs
//! contiguous, whichever the operand's layout packs faster); B panel words
//! of one k-pair are contiguous (two vectors of 16 columns).
//!
//! The native kernel runs `vdpbf16ps` on AVX512-BF16; the emulated one does
//! what the instruction does, in its order: per lane, the odd product added
//! to the accumulator, then the even one. A product of two bf16 values is
//! exact in f32 (8 x 8 significant bits), so both round the same sums the
//! same way; they differ only where the instruction flushes denormal
//! results to zero.

use super::isa::{self, Isa};

/// Rows of a micro-tile (broadcast from A).
pub const MR: usize = 12;
/// Columns of a micro-tile: two 16-lane vectors of B.
pub const NR: usize = 32;

/// Where word (i, p) of a packed A panel is: `i * row + p * pair`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct APanel {
    pub row: usize,
    pub pair: usize,
}

impl APanel {
    /// Rows contiguous ([i][p]), for `kp` pairs.
    pub fn rows(kp: usize) -> Self {
        APanel { row: kp, pair: 1 }
    }

    /// Pairs contiguous ([p][i]).
    pub fn pairs() -> Self {
        APanel { row: 1, pair: MR }
    }
}

/// Whether the micro-kernel at `level` is the native AVX512-BF16 one.
pub fn native_at(level: Isa) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        level == Isa::Avx512 && std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = level;
        false
    }
}

/// One tile: `tile = A_panel · B_panel` (row-major, NR per row), native
/// when `native` (which the caller takes from [`native_at`]) and emulated
/// at `level` otherwise.
pub fn micro_tile(
    native: bool,
    level: Isa,
    kp: usize,
    a: &[u32],
    layout: APanel,
    b: &[u32],
    tile: &mut [f32],
) {
    let a_end = if kp == 0 {
        0
    } else {
        (MR - 1) * layout.row + (kp - 1) * layout.pair + 1
    };
    assert!(
        a.len() >= a_end && b.len() >= kp * NR && tile.len() == MR * NR,
        "bf16 gemm: micro-tile buffers (a bug in the caller)"
    );
    #[cfg(target_arch = "x86_64")]
    if native {
        // SAFETY: `native` comes from `native_at`, which checked that the
        // CPU has AVX-512 F and BF16; the buffer lengths are asserted above.
        return unsafe { native_tile(kp, a.as_ptr(), layout, b.as_ptr(), tile) };
    }
    let _ = native;
    isa::run_at(
        level,
        #[inline(always)]
        move || emulated_tile(kp, a, layout, b, tile),
    )
}

/// The emulated micro-kernel: widens each bf16 pair to f32 and adds the odd
/// (high) product, then the even (low) one, as `vdpbf16ps` does per lane.
#[inline(always)]
fn emulated_tile(kp: usize, a: &[u32], layout: APanel, b: &[u32], tile: &mut [f32]) {
    let mut acc = [[0.0f32; NR]; MR];
    for (p, bw) in b.chunks_exact(NR).take(kp).enumerate() {
        let mut b_lo = [0.0f32; NR];
        let mut b_hi = [0.0f32; NR];
        for ((lo, hi), &w) in b_lo.iter_mut().zip(b_hi.iter_mut()).zip(bw) {
            *lo = f32::from_bits(w << 16);
            *hi = f32::from_bits(w & 0xffff_0000);
        }
        for (i, row) in acc.iter_mut().enumerate() {
            let w = a[i * layout.row + p * layout.pair];
            let a_lo = f32::from_bits(w << 16);
            let a_hi = f32::from_bits(w & 0xffff_0000);
            for ((c, &lo), &hi) in row.iter_mut().zip(&b_lo).zip(&b_hi) {
                // The products are exact, so this equals a fused multiply-add.
                let t = *c + a_hi * hi;
                *c = t + a_lo * lo;
            }
        }
    }
    for (dst, row) in tile.chunks_exact_mut(NR).zip(&acc) {
        dst.copy_from_slice(row);
    }
}

/// The native micro-kernel: 24 accumulators (12 rows x 2 vectors), one
/// `vdpbf16ps` per row and vector per k-pair, A's word broadcast.
///
/// # Safety
///
/// The CPU has AVX-512 F and BF16; `a` holds every word `layout` addresses
/// for MR rows and `kp` pairs, `b` holds `kp * NR` words.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16,avx512bw,avx512vl")]
unsafe fn native_tile(kp: usize, a: *const u32, layout: APanel, b: *const u32, tile: &mut [f32]) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    for p in 0..kp {
        // SAFETY (all loads): p < kp and i < MR, inside the buffers.
        let b0: __m512bh = std::mem::transmute(_mm512_loadu_si512(b.add(p * NR).cast()));
        let b1: __m512bh = std::mem::transmute(_mm512_loadu_si512(b.add(p * NR + 16).cast()));
        let ap = a.add(p * layout.pair);
        for (i, row) in acc.iter_mut().enumerate() {
            let word = *ap.add(i * layout.row) as i32;
            let av: __m512bh = std::mem::transmute(_mm512_set1_epi32(word));
            row[0] = _mm512_dpbf16_ps(row[0], av, b0);
            row[1] = _mm512_dpbf16_ps(row[1], av, b1);
        }
    }
    for (dst, row) in tile.chunks_exact_mut(NR).zip(&acc) {
        _mm512_storeu_ps(dst.as_mut_ptr(), row[0]);
        _mm512_storeu_ps(dst.as_mut_ptr().add(16), row[1]);
    }
}
