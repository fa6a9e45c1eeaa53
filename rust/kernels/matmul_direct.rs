//! Direct float32 GEMM for AVX-512: the shapes where packing costs more
//! than it saves. One row of A times a matrix (a one-sample Dense), narrow
//! outputs (n <= 16: a 10-class head at any batch), and products of at most
//! 64 x 64 outputs with a short inner axis. The gemm crate packs both
//! operands first; for these shapes the packing is a large share of the
//! work, or (one row) its GEMV walks B along columns. Here B is read in
//! place, row by row, 16 columns per register, and A one element at a time
//! (broadcast), so any strides of A work; B and C need unit column strides.
//!
//! Each output element is one dot product whose order depends only on k and
//! on [`chains`] (decided by the product's shape), never on which tile or
//! block of rows or columns computes it, so splitting the output across
//! threads gives the same bits.
//!
//! Whether a CPU takes it depends only on its features (AVX-512F, read
//! through CPUID as pykeras's ISA level): the tile sizes suit the 32
//! registers every AVX-512 CPU has, and nothing depends on the vendor.
// Only x86-64 runs the kernel; elsewhere the shape rules stay (unused).
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Columns per register.
const LANES: usize = 16;

/// Most registers of columns one tile spans: 8 x 16 = 128 columns.
const MAX_VECS: usize = 8;

/// Registers of columns [`one_row`] sums at once (256 columns).
const ROW_VECS: usize = 16;

/// Rows of B per band of [`one_row`]: 32 rows of 256 columns (32 KiB) are
/// read in one sweep before the sums go back to memory.
const ROW_BAND: usize = 32;

/// Inner-axis bound of the small-square case: up to 4096 x 64 floats of B
/// (1 MiB) stay cache-resident while every tile of rows re-reads them.
const SMALL_SQUARE_MAX_K: usize = 4096;

/// Whether the direct kernel takes an (m, k) x (k, n) product (B and C with
/// unit column strides, AVX-512). Closed under cutting the output along
/// either axis: every block of a taken product is taken too.
pub fn takes(m: usize, n: usize, k: usize) -> bool {
    m == 1 || n <= LANES || (m <= 64 && n <= 64 && k <= SMALL_SQUARE_MAX_K)
}

/// Independent partial sums per output element: four (over k = 0, 1, 2, 3
/// mod 4, added as (s0 + s1) + (s2 + s3)) when the output is so small that
/// one FMA chain per element would wait on latency (a 1 x 512 x 10 head:
/// 512 dependent FMAs); one (plain k order) otherwise.
pub fn chains(m: usize, n: usize) -> usize {
    if m <= 2 && n <= 2 * LANES {
        4
    } else {
        1
    }
}

/// One product for [`gemm`]: pointers to element (0, 0) and strides in
/// elements. B and C have unit column strides.
#[derive(Clone, Copy)]
pub struct Operands {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: *const f32,
    pub a_rs: isize,
    pub a_cs: isize,
    pub b: *const f32,
    pub b_rs: isize,
    pub c: *mut f32,
    pub c_rs: isize,
    pub accumulate: bool,
}

/// `c = a · b` (or `c += a · b`): every element's sum over k starts from
/// zero and is added to C (or stored) once, as the packed kernels do.
///
/// # Safety
///
/// The CPU has AVX-512F. `a` addresses an (m, k) matrix with strides
/// (a_rs, a_cs), `b` a (k, n) one with strides (b_rs, 1), `c` an (m, n) one
/// with strides (c_rs, 1), all valid for the call, `c` aliasing neither.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub unsafe fn gemm(p: &Operands) {
    if p.m == 0 || p.n == 0 {
        return;
    }
    let vecs = p.n.div_ceil(LANES);
    // Column blocks of equal width (in registers), at most MAX_VECS each.
    let blocks = vecs.div_ceil(MAX_VECS);
    let width = vecs.div_ceil(blocks);
    let four = chains(p.m, p.n) == 4;
    if p.m == 1 && !four {
        // Column blocks of equal width, at most ROW_VECS registers each.
        let width = vecs.div_ceil(vecs.div_ceil(ROW_VECS));
        return match width {
            1 => one_row::<1>(p),
            2 => one_row::<2>(p),
            3 => one_row::<3>(p),
            4 => one_row::<4>(p),
            5 => one_row::<5>(p),
            6 => one_row::<6>(p),
            7 => one_row::<7>(p),
            8 => one_row::<8>(p),
            9 => one_row::<9>(p),
            10 => one_row::<10>(p),
            11 => one_row::<11>(p),
            12 => one_row::<12>(p),
            13 => one_row::<13>(p),
            14 => one_row::<14>(p),
            15 => one_row::<15>(p),
            _ => one_row::<16>(p),
        };
    }
    for block in 0..blocks {
        let j0 = block * width * LANES;
        if j0 >= p.n {
            break;
        }
        match (width, four) {
            (1, true) => rows::<1, 4>(p, j0),
            (2, true) => rows::<2, 4>(p, j0),
            (1, _) => rows::<1, 1>(p, j0),
            (2, _) => rows::<2, 1>(p, j0),
            (3, _) => rows::<3, 1>(p, j0),
            (4, _) => rows::<4, 1>(p, j0),
            (5, _) => rows::<5, 1>(p, j0),
            (6, _) => rows::<6, 1>(p, j0),
            (7, _) => rows::<7, 1>(p, j0),
            _ => rows::<8, 1>(p, j0),
        }
    }
}

/// Lane masks of the V registers of the column block at `j0` (the last
/// ones partial or empty at C's right edge).
#[cfg(target_arch = "x86_64")]
#[inline]
fn masks<const V: usize>(n: usize, j0: usize) -> [__mmask16; V] {
    std::array::from_fn(|v| {
        let lanes = n.saturating_sub(j0 + v * LANES).min(LANES);
        ((1u32 << lanes) - 1) as __mmask16
    })
}

/// Every row of the column block at `j0`, in tiles of as many rows as keep
/// about 24 of the 32 registers accumulating (fewer when `CH` chains each).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn rows<const V: usize, const CH: usize>(p: &Operands, j0: usize) {
    let mask = masks::<V>(p.n, j0);
    let tile_rows = (24 / (V * CH)).clamp(1, 8);
    let mut i = 0;
    while i < p.m {
        let r = tile_rows.min(p.m - i);
        match r {
            8 => tile::<8, V, CH>(p, i, j0, &mask),
            7 => tile::<7, V, CH>(p, i, j0, &mask),
            6 => tile::<6, V, CH>(p, i, j0, &mask),
            5 => tile::<5, V, CH>(p, i, j0, &mask),
            4 => tile::<4, V, CH>(p, i, j0, &mask),
            3 => tile::<3, V, CH>(p, i, j0, &mask),
            2 => tile::<2, V, CH>(p, i, j0, &mask),
            _ => tile::<1, V, CH>(p, i, j0, &mask),
        }
        i += r;
    }
}

/// Rows i0..i0+R of C, columns j0..j0+16V (masked at the edge): the sums
/// over all of k held in registers, then added to or stored in C.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn tile<const R: usize, const V: usize, const CH: usize>(
    p: &Operands,
    i0: usize,
    j0: usize,
    mask: &[__mmask16; V],
) {
    let mut acc = [[[_mm512_setzero_ps(); V]; R]; CH];
    let a_row: [*const f32; R] =
        std::array::from_fn(|r| p.a.wrapping_offset((i0 + r) as isize * p.a_rs));
    let b0 = p.b.wrapping_add(j0);
    let whole = p.k / CH * CH;
    let mut kk = 0;
    while kk < whole {
        for (ch, acc) in acc.iter_mut().enumerate() {
            step(p, &a_row, b0, mask, acc, kk + ch);
        }
        kk += CH;
    }
    for (ch, acc) in acc.iter_mut().enumerate().take(p.k - whole) {
        step(p, &a_row, b0, mask, acc, whole + ch);
    }
    let c_rows: [*mut f32; R] = std::array::from_fn(|r| {
        p.c.wrapping_offset((i0 + r) as isize * p.c_rs)
            .wrapping_add(j0)
    });
    for (r, c_row) in c_rows.iter().enumerate() {
        for (v, &mask) in mask.iter().enumerate() {
            let parts: [__m512; CH] = std::array::from_fn(|ch| acc[ch][r][v]);
            let sum = combine(&parts);
            // Row i0 + r < m, masked columns < n: inside C.
            let dst = c_row.add(v * LANES);
            let out = if p.accumulate {
                _mm512_add_ps(_mm512_maskz_loadu_ps(mask, dst), sum)
            } else {
                sum
            };
            _mm512_mask_storeu_ps(dst, mask, out);
        }
    }
}

/// An element's partial sums added up: (s0 + s1) + (s2 + s3) for four
/// chains, the one sum for one.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn combine(parts: &[__m512]) -> __m512 {
    match *parts {
        [s0, s1, s2, s3] => _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)),
        [s0, ..] => s0,
        [] => _mm512_setzero_ps(),
    }
}

/// One k step of a tile: row `kk` of B (from column j0, at `b0`) times
/// A's elements (i, kk), into one chain's accumulators.
///
/// # Safety
///
/// As for [`tile`]; `kk < k` and the rows of `a_row` are rows of A.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn step<const R: usize, const V: usize>(
    p: &Operands,
    a_row: &[*const f32; R],
    b0: *const f32,
    mask: &[__mmask16; V],
    acc: &mut [[__m512; V]; R],
    kk: usize,
) {
    // kk < k, the rows are < m and the masked lanes are columns < n, so every
    // read is inside A and B (the caller's contract); masked-off lanes are
    // not read.
    let b_row = b0.wrapping_offset(kk as isize * p.b_rs);
    let bv: [__m512; V] =
        std::array::from_fn(|v| _mm512_maskz_loadu_ps(mask[v], b_row.wrapping_add(v * LANES)));
    for (row, a) in acc.iter_mut().zip(a_row) {
        let av = _mm512_set1_ps(*a.wrapping_offset(kk as isize * p.a_cs));
        for (c, b) in row.iter_mut().zip(&bv) {
            *c = _mm512_fmadd_ps(av, *b, *c);
        }
    }
}

/// One row of A times B (a one-sample Dense: B is the whole weight matrix,
/// read once, so the product runs at the speed B streams from cache).
/// B is swept in bands of [`ROW_BAND`] rows, each band across all columns
/// up to [`ROW_VECS`] registers at a time, so reads run along B's rows: walking
/// one column block down all of k instead (as [`tile`] does) streamed
/// 10-25% slower on a 784 x 512 matrix (1.6 MB, about L2's size). Sums
/// between bands wait in C (or, when accumulating, in a scratch row) and
/// are reloaded exactly, so each element is the same FMA chain over k in
/// order, from zero, as in [`tile`] with one chain.
///
/// # Safety
///
/// As for [`gemm`], with m = 1.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn one_row<const V: usize>(p: &Operands) {
    let mut scratch = if p.accumulate {
        vec![0.0f32; p.n]
    } else {
        Vec::new()
    };
    // Partial sums: C's row itself unless C's old values must be kept.
    let sums: *mut f32 = if p.accumulate {
        scratch.as_mut_ptr()
    } else {
        p.c
    };
    let mut k0 = 0;
    while k0 < p.k {
        let k1 = (k0 + ROW_BAND).min(p.k);
        let mut j0 = 0;
        while j0 < p.n {
            // Every read and write below is at a column < n (masked) of
            // row 0 of C or of the scratch row (n floats), or of a row < k
            // of B: inside the caller's matrices.
            let mask = masks::<V>(p.n, j0);
            let mut acc = [[_mm512_setzero_ps(); V]];
            if k0 > 0 {
                for (v, acc) in acc[0].iter_mut().enumerate() {
                    *acc = _mm512_maskz_loadu_ps(mask[v], sums.add(j0 + v * LANES));
                }
            }
            let b0 = p.b.wrapping_add(j0);
            for kk in k0..k1 {
                step::<1, V>(p, &[p.a], b0, &mask, &mut acc, kk);
            }
            for (v, acc) in acc[0].iter().enumerate() {
                _mm512_mask_storeu_ps(sums.add(j0 + v * LANES), mask[v], *acc);
            }
            j0 += V * LANES;
        }
        k0 = k1;
    }
    if p.accumulate {
        for (j, &sum) in scratch.iter().enumerate() {
            *p.c.add(j) += sum;
        }
    }
}
