//! bfloat16 rounding and the packing of the bf16 GEMM ([`super::bf16`]).
//!
//! Operands are rounded to bf16 while they are packed, two consecutive
//! elements along the inner axis (k) per 32-bit word, low half first: the
//! layout `vdpbf16ps` reads, so one instruction does 16 lanes x 2 products.
//! A panel of A holds `MR` rows (read by broadcasts, rows or pairs
//! contiguous: see [`APanel`]), of B `NR` columns (each k-pair's words
//! contiguous, read as vectors); rows, columns and the odd last k past the
//! operand are zeros.
//!
//! Where the CPU has AVX512-BF16, contiguous runs are converted 32 floats
//! per `vcvtne2ps2bf16` (and interleaved into pairs by a permute); the
//! scalar [`bf16_bits`] rounds exactly as that instruction does (tested),
//! so the packed words do not depend on the path.

use super::bf16_kernel::{APanel, MR, NR};

/// The bf16 bits of `x`, rounded to nearest even as `vcvtne2ps2bf16` does:
/// NaN stays a (quiet) NaN, a denormal becomes a zero of its sign (the
/// instruction treats denormal inputs as zero), and the rest keep the upper
/// 16 bits after adding half an ulp (ties to even). Branch-free, so packing
/// loops vectorize.
#[inline(always)]
pub fn bf16_bits(x: f32) -> u32 {
    let b = x.to_bits();
    let abs = b & 0x7fff_ffff;
    let rounded = b.wrapping_add(0x7fff + ((b >> 16) & 1)) >> 16;
    let quiet_nan = (b >> 16) | 0x40;
    let signed_zero = (b >> 16) & 0x8000;
    if abs > 0x7f80_0000 {
        quiet_nan
    } else if abs < 0x0080_0000 {
        signed_zero
    } else {
        rounded
    }
}

/// `x` rounded to bf16 and widened back to f32.
#[inline]
pub fn round_bf16(x: f32) -> f32 {
    f32::from_bits(bf16_bits(x) << 16)
}

/// A read-only strided matrix: element (i, j) at `ptr + i*rs + j*cs`.
#[derive(Clone, Copy)]
pub struct Strided {
    pub ptr: *const f32,
    pub rows: usize,
    pub cols: usize,
    pub rs: isize,
    pub cs: isize,
}

// SAFETY: a `Strided` is only made from a live ndarray view that outlives
// the GEMM call reading it, and it is only read.
unsafe impl Send for Strided {}
// SAFETY: as for Send: only read, from any thread, while the view lives.
unsafe impl Sync for Strided {}

impl Strided {
    /// Element (i, j), or 0 outside the matrix (the panels' padding).
    #[inline(always)]
    fn get(&self, i: usize, j: usize) -> f32 {
        if i < self.rows && j < self.cols {
            // SAFETY: (i, j) is inside the view `ptr`/`rs`/`cs` describe
            // (checked just above), which lives for the whole GEMM call.
            unsafe { *self.ptr.offset(i as isize * self.rs + j as isize * self.cs) }
        } else {
            0.0
        }
    }
}

/// Where a panel's words go: word (o, p), for the panel's row or column o
/// and k-pair p, is at `o * other + p * pair` of the panel.
#[derive(Clone, Copy)]
pub(super) struct PanelStrides {
    pub other: usize,
    pub pair: usize,
}

/// Packs elements (o0 + o, k0 + k) of `src` (indexed (other, k)), for o <
/// `count` and k < `kc`, as bf16 pairs along k into `out` (zeros past the
/// matrix and for the odd last k). Contiguous sources take loops the
/// compiler vectorizes (this runs inside `isa::run`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn pack_pairs(
    native: bool,
    src: &Strided,
    o0: usize,
    count: usize,
    k0: usize,
    kc: usize,
    to: PanelStrides,
    out: &mut [u32],
) {
    let kp = kc.div_ceil(2);
    let pairs = kc / 2;
    let live = count.min(src.rows.saturating_sub(o0));
    if live < count || kc % 2 == 1 {
        out.fill(0);
    }
    let at = |o: usize, k: usize| (o0 + o) as isize * src.rs + (k0 + k) as isize * src.cs;
    #[cfg(target_arch = "x86_64")]
    if native && live > 0 {
        // SAFETY: `native` is true only where the CPU has AVX-512 BW and
        // BF16 (`bf16_kernel::native_at`); the runs read are inside the
        // matrix (rows o0..o0 + live, k0..k0 + kc), and the words written
        // inside `out` (the callers assert its length).
        unsafe {
            if src.cs == 1 && to.pair == 1 {
                for o in 0..live {
                    let dst = out[o * to.other..][..kp].as_mut_ptr().cast::<u16>();
                    avx512::convert_run(src.ptr.offset(at(o, 0)), kc, dst);
                }
                return;
            }
            if src.rs == 1 && to.other == 1 && count <= 32 {
                for p in 0..kp {
                    let lo = src.ptr.offset(at(0, 2 * p));
                    let hi = (2 * p + 1 < kc).then(|| src.ptr.offset(at(0, 2 * p + 1)));
                    let dst = out[p * to.pair..][..count].as_mut_ptr();
                    avx512::interleave(lo, hi, live, count, dst);
                }
                return;
            }
        }
    }
    let _ = native;
    if src.cs == 1 {
        // Pairs are contiguous: one run of kc floats per row or column.
        for o in 0..live {
            // SAFETY: row o0 + o < src.rows and k0..k0 + kc < src.cols.
            let run = unsafe { std::slice::from_raw_parts(src.ptr.offset(at(o, 0)), kc) };
            let dst = &mut out[o * to.other..];
            if to.pair == 1 {
                for (w, two) in dst[..pairs].iter_mut().zip(run.chunks_exact(2)) {
                    *w = bf16_bits(two[0]) | (bf16_bits(two[1]) << 16);
                }
            } else {
                for (p, two) in run.chunks_exact(2).enumerate() {
                    dst[p * to.pair] = bf16_bits(two[0]) | (bf16_bits(two[1]) << 16);
                }
            }
            if kc % 2 == 1 {
                dst[pairs * to.pair] = bf16_bits(run[kc - 1]);
            }
        }
    } else if src.rs == 1 {
        // Rows or columns are contiguous: two runs of `live` floats per pair.
        for p in 0..kp {
            // SAFETY: rows o0..o0 + live < src.rows, k0 + 2p (+1) < k0 + kc.
            let lo = unsafe { std::slice::from_raw_parts(src.ptr.offset(at(0, 2 * p)), live) };
            let dst = &mut out[p * to.pair..];
            if 2 * p + 1 < kc {
                // SAFETY: as above, for k0 + 2p + 1 < k0 + kc (checked).
                let hi =
                    unsafe { std::slice::from_raw_parts(src.ptr.offset(at(0, 2 * p + 1)), live) };
                if to.other == 1 {
                    for ((w, &l), &h) in dst[..live].iter_mut().zip(lo).zip(hi) {
                        *w = bf16_bits(l) | (bf16_bits(h) << 16);
                    }
                } else {
                    for (o, (&l, &h)) in lo.iter().zip(hi).enumerate() {
                        dst[o * to.other] = bf16_bits(l) | (bf16_bits(h) << 16);
                    }
                }
            } else {
                for (o, &l) in lo.iter().enumerate() {
                    dst[o * to.other] = bf16_bits(l);
                }
            }
        }
    } else {
        for o in 0..live {
            for p in 0..kp {
                let lo = src.get(o0 + o, k0 + 2 * p);
                let hi = if 2 * p + 1 < kc {
                    src.get(o0 + o, k0 + 2 * p + 1)
                } else {
                    0.0
                };
                out[o * to.other + p * to.pair] = bf16_bits(lo) | (bf16_bits(hi) << 16);
            }
        }
    }
}

/// Packs the k-range `k0..k0 + kc` of A's rows `r0..r0 + MR` into `out`
/// (`kc.div_ceil(2) * MR` words). `layout` says where word (i, p) goes
/// ([`APanel::rows`] suits a row-major A, [`APanel::pairs`] a column-major one).
#[inline(always)]
pub fn pack_a_panel(
    native: bool,
    a: &Strided,
    layout: APanel,
    r0: usize,
    k0: usize,
    kc: usize,
    out: &mut [u32],
) {
    let kp = kc.div_ceil(2);
    assert_eq!(
        out.len(),
        kp * MR,
        "bf16 gemm: A panel size (a bug in the caller)"
    );
    assert!(
        k0 + kc <= a.cols,
        "bf16 gemm: A panel range (a bug in the caller)"
    );
    let to = PanelStrides {
        other: layout.row,
        pair: layout.pair,
    };
    pack_pairs(native, a, r0, MR, k0, kc, to, out);
}

/// Packs the k-range `k0..k0 + kc` of B's columns `c0..c0 + NR` into `out`
/// (`kc.div_ceil(2) * NR` words), pair by pair: word (j, p) at `p * NR + j`,
/// so a k-pair's NR columns are two vectors.
#[inline(always)]
pub fn pack_b_panel(native: bool, b: &Strided, c0: usize, k0: usize, kc: usize, out: &mut [u32]) {
    let kp = kc.div_ceil(2);
    assert_eq!(
        out.len(),
        kp * NR,
        "bf16 gemm: B panel size (a bug in the caller)"
    );
    assert!(
        k0 + kc <= b.rows,
        "bf16 gemm: B panel range (a bug in the caller)"
    );
    // B indexed (column, k): its transpose.
    let bt = Strided {
        rows: b.cols,
        cols: b.rows,
        rs: b.cs,
        cs: b.rs,
        ..*b
    };
    pack_pairs(
        native,
        &bt,
        c0,
        NR,
        k0,
        kc,
        PanelStrides { other: 1, pair: NR },
        out,
    );
}

/// The AVX512-BF16 conversions of the packing loops.
#[cfg(target_arch = "x86_64")]
pub(super) mod avx512 {
    use std::arch::x86_64::*;

    /// The low `n` bits set (n <= 16).
    fn mask16(n: usize) -> __mmask16 {
        ((1u32 << n.min(16)) - 1) as __mmask16
    }

    /// The low `n` bits set (n <= 32).
    fn mask32(n: usize) -> __mmask32 {
        if n >= 32 {
            u32::MAX
        } else {
            (1u32 << n) - 1
        }
    }

    /// 32 floats (`n` of them, the rest zeros) from `src`, as bf16 in order.
    ///
    /// # Safety
    ///
    /// AVX-512 F/BW/BF16; `src` readable for `n` floats.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512bf16")]
    unsafe fn load32(src: *const f32, n: usize) -> __m512i {
        let lo = _mm512_maskz_loadu_ps(mask16(n), src);
        let hi = _mm512_maskz_loadu_ps(mask16(n.saturating_sub(16)), src.add(16));
        std::mem::transmute(_mm512_cvtne2ps_pbh(hi, lo))
    }

    /// Writes `src[..n]` rounded to bf16 into `dst[..n]` (a row of packed
    /// pairs: the words of a row-major A panel are its bf16 values in order).
    ///
    /// # Safety
    ///
    /// AVX-512 F/BW/BF16; `src` readable and `dst` writable for `n` elements.
    #[target_feature(enable = "avx512f,avx512bw,avx512bf16")]
    pub unsafe fn convert_run(src: *const f32, n: usize, dst: *mut u16) {
        let mut i = 0;
        while i + 32 <= n {
            _mm512_storeu_si512(dst.add(i).cast(), load32(src.add(i), 32));
            i += 32;
        }
        if i < n {
            let rest = n - i;
            _mm512_mask_storeu_epi16(dst.add(i).cast(), mask32(rest), load32(src.add(i), rest));
        }
    }

    /// Word j of the pairs (lo[j], hi[j]) for the first 16 (second 16)
    /// columns: u16 indices into [lo (0..32), hi (32..64)].
    const FIRST: [u16; 32] = interleave_index(0, 32);
    const SECOND: [u16; 32] = interleave_index(16, 32);

    /// u16 lane indices that pair lane `start + j` with lane
    /// `hi + start + j`, for j < 16: word j of a permute's result.
    pub const fn interleave_index(start: u16, hi: u16) -> [u16; 32] {
        let mut idx = [0u16; 32];
        let mut j = 0;
        while j < 16 {
            idx[2 * j] = start + j as u16;
            idx[2 * j + 1] = hi + start + j as u16;
            j += 1;
        }
        idx
    }

    /// Writes the words (lo[j], hi[j]) for j < `n` (<= 32) to `dst[j]`
    /// (`width` words there, zeros past `n`): one k-pair of a B panel or of
    /// a column-major A panel. `hi` is None for the odd last k (zeros).
    ///
    /// # Safety
    ///
    /// AVX-512 F/BW/BF16; `lo` (and `hi`) readable for `n` floats; `dst`
    /// writable for `width` (12 or 32) words.
    #[target_feature(enable = "avx512f,avx512bw,avx512bf16")]
    pub unsafe fn interleave(
        lo: *const f32,
        hi: Option<*const f32>,
        n: usize,
        width: usize,
        dst: *mut u32,
    ) {
        let l = load32(lo, n);
        let h = match hi {
            Some(hi) => load32(hi, n),
            None => _mm512_setzero_si512(),
        };
        let first = _mm512_permutex2var_epi16(l, _mm512_loadu_si512(FIRST.as_ptr().cast()), h);
        _mm512_mask_storeu_epi32(dst.cast(), mask16(width), first);
        if width > 16 {
            let second =
                _mm512_permutex2var_epi16(l, _mm512_loadu_si512(SECOND.as_ptr().cast()), h);
            _mm512_mask_storeu_epi32(dst.add(16).cast(), mask16(width - 16), second);
        }
    }
}
