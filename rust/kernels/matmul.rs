//! float32 GEMM through the `gemm` crate: packed, cache-blocked SIMD
//! micro-kernels with rayon threading. Strides are passed through, so
//! transposed operands (as in the backward pass) cost no copy.
//!
//! Threads split the output into one block of rows or columns each, and
//! each block is one single-threaded `gemm` call. The crate's own rayon mode
//! scaled 1.2x on two threads for the shapes of a Dense layer at batch 128
//! (OpenBLAS: 1.95x); whole blocks scale ~1.6-1.9x. Every output element is
//! still one dot product accumulated in the same order (the crate's K
//! blocking depends on k only), so results are identical on any number of
//! threads, provided every block stays in the crate's regime for the whole
//! product: it picks a different K blocking when both sides are at most 64,
//! a dot-product kernel when the output has at most 256 elements, and a
//! GEMV for a single row or column. Blocks are kept clear of all three.
//!
//! At the AVX-512 level, shapes where packing costs more than it saves
//! (one row of A, at most 16 columns of C, or at most 64 x 64 outputs over
//! a short k) take a direct kernel instead ([`direct`]); which kernel a
//! product takes is its [`Path`], and a split is made only where every
//! block takes the same one.

use super::isa::{self, Isa};
use ndarray::{ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;
use std::borrow::Cow;

#[path = "matmul_direct.rs"]
mod direct;
#[path = "matmul_packed.rs"]
mod packed;
#[cfg(test)]
#[path = "matmul_tests.rs"]
mod tests;

/// Multiply-adds below which one thread is faster than several: a
/// one-sample Dense (1 x 784 x 512) takes ~10 µs alone, less than handing
/// half of it to a sleeping pool thread.
const PARALLEL_FLOPS: usize = 1 << 20;

/// `c = a · b` (or `c += a · b` when `accumulate`).
///
/// Shapes are the caller's contract: `a` is (m, k), `b` is (k, n), `c` is (m, n);
/// the ops layer checks them and reports mismatches as errors. A mismatch that
/// got past it is a bug in pykeras: [`gemm_serial`], where the unsafe call is,
/// refuses it with a panic (in release builds too) rather than read or write
/// out of bounds.
pub fn gemm_into(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    let (m, k) = a.dim();
    let n = b.dim().1;
    assert_shapes(a.dim(), b.dim(), c.dim());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    if m * n <= DEEP_MAX_OUTPUT && k >= 2 * DEEP_BLOCK {
        return deep_gemm(a, b, c, accumulate);
    }
    let threads = super::parallel::threads_here();
    if m * n * k >= PARALLEL_FLOPS && threads > 1 {
        split_gemm(a, b, c, accumulate, threads);
    } else {
        gemm_serial(a, b, c, accumulate);
    }
}

/// Products with at most this many outputs and a long inner axis (a first
/// convolution's kernel gradient: 9 x 32 outputs over 100k pixels) have too
/// few rows and columns to share out, so their inner axis is cut instead.
const DEEP_MAX_OUTPUT: usize = 64 * 64;

/// Inner-axis block of [`deep_gemm`]: fixed, so the summation order (and
/// the result) depends on the shapes only, never on the thread count.
const DEEP_BLOCK: usize = 8192;

/// `c (+)= a · b` as a sum of partial products over fixed blocks of the
/// inner axis, computed in parallel and added in block order.
fn deep_gemm(a: ArrayView2<f32>, b: ArrayView2<f32>, mut c: ArrayViewMut2<f32>, accumulate: bool) {
    let (m, k) = a.dim();
    let n = b.dim().1;
    let blocks: Vec<usize> = (0..k).step_by(DEEP_BLOCK).collect();
    let partial = |&start: &usize| {
        let len = DEEP_BLOCK.min(k - start);
        let mut p = ndarray::Array2::<f32>::zeros((m, n));
        gemm_serial(
            a.slice(ndarray::s![.., start..start + len]),
            b.slice(ndarray::s![start..start + len, ..]),
            p.view_mut(),
            false,
        );
        p
    };
    let partials: Vec<_> = if super::parallel::threads_here() > 1 {
        blocks.par_iter().map(partial).collect()
    } else {
        blocks.iter().map(partial).collect()
    };
    if !accumulate {
        c.fill(0.0);
    }
    for p in &partials {
        c += p;
    }
}

/// Rows or columns of a block are a multiple of this (the micro-kernel's
/// 16-float height), so blocks do not end in ragged micro-tiles.
const BLOCK_ALIGN: usize = 16;

/// The gemm crate's small-problem thresholds (gemm-common 0.19, gemm.rs):
/// both sides at most 64 change the K blocking, at most 256 outputs switch
/// to dot-product kernels, one row or column to a GEMV.
const SMALL_SIDE: usize = 64;
const SMALL_OUTPUT: usize = 256;

/// The kernel [`gemm_serial`] runs a product with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// [`direct`]'s AVX-512 kernel, with this many partial sums per element.
    Direct(usize),
    /// One row of A times B, B's rows scaled and added (below AVX-512).
    RowLoop,
    /// The gemm crate, in one of its regimes: 0 GEMV (one row or column),
    /// 1 dot products (at most 256 outputs), 2 small K blocking (both sides
    /// at most 64), 3 the general blocking.
    Packed(u8),
}

/// The path of an (m, k) x (k, n) product at `level`; `unit_cols` says
/// whether B and C have unit column strides (row-major rows).
fn path(level: Isa, m: usize, n: usize, k: usize, unit_cols: bool) -> Path {
    if unit_cols && level == Isa::Avx512 && direct::takes(m, n, k) {
        Path::Direct(direct::chains(m, n))
    } else if unit_cols && m == 1 {
        Path::RowLoop
    } else if m <= 1 || n <= 1 {
        Path::Packed(0)
    } else if m * n <= SMALL_OUTPUT {
        Path::Packed(1)
    } else if m <= SMALL_SIDE && n <= SMALL_SIDE {
        Path::Packed(2)
    } else {
        Path::Packed(3)
    }
}

/// Whether B and C are read and written along unit-stride rows (any
/// stride does for a single column).
fn unit_cols(b: &ArrayView2<f32>, c: &ArrayViewMut2<f32>) -> bool {
    let n = c.dim().1;
    n <= 1 || (b.strides()[1] == 1 && c.strides()[1] == 1)
}

/// `gemm_into` on `parts` threads: the longer of C's two axes is cut into
/// `parts` aligned blocks, each computed alone (the other operand is
/// packed once per block, the cheaper of the two to repeat).
fn split_gemm(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
    accumulate: bool,
    parts: usize,
) {
    let (m, n) = c.dim();
    let by_rows = m >= n;
    let fits = |mb, nb| path(isa::level(), mb, nb, a.dim().1, unit_cols(&b, &c));
    let Some(cut) = split_point(m, n, parts, fits) else {
        return gemm_serial(a, b, c, accumulate);
    };
    let axis = Axis(if by_rows { 0 } else { 1 });
    let (c_head, c_tail) = c.split_at(axis, cut);
    let (a_head, a_tail, b_head, b_tail) = if by_rows {
        let (ah, at) = a.split_at(Axis(0), cut);
        (ah, at, b, b)
    } else {
        let (bh, bt) = b.split_at(Axis(1), cut);
        (a, a, bh, bt)
    };
    rayon::join(
        || gemm_serial(a_head, b_head, c_head, accumulate),
        || split_gemm(a_tail, b_tail, c_tail, accumulate, parts - 1),
    );
}

/// Where [`split_gemm`] cuts an (m, n) output into a first block and the
/// rest (along its longer axis), or `None` when it cannot be cut so that
/// every block takes the path of the whole product (`path_of` an (m, n)
/// output), which keeps each element's summation order.
fn split_point(
    m: usize,
    n: usize,
    parts: usize,
    path_of: impl Fn(usize, usize) -> Path,
) -> Option<usize> {
    let by_rows = m >= n;
    let len = if by_rows { m } else { n };
    let cut = (len / parts.max(1)).div_ceil(BLOCK_ALIGN) * BLOCK_ALIGN;
    if parts < 2 || cut >= len {
        return None;
    }
    let block = |l| {
        if by_rows {
            path_of(l, n)
        } else {
            path_of(m, l)
        }
    };
    let whole = path_of(m, n);
    (block(cut) == whole && block(len - cut) == whole).then_some(cut)
}

/// Whether [`gemm_into`] computes an (m, k) x (k, n) product on one thread
/// however many the pool has (for row-major operands at the current level):
/// callers skip handing such calls to the pool.
pub fn runs_on_one_thread(m: usize, k: usize, n: usize) -> bool {
    let deep = m * n <= DEEP_MAX_OUTPUT && k >= 2 * DEEP_BLOCK;
    let path_of = |mb, nb| path(isa::level(), mb, nb, k, true);
    !deep && (m * n * k < PARALLEL_FLOPS || split_point(m, n, 2, path_of).is_none())
}

/// Panics unless `a` is (m, k), `b` is (k, n) and `c` is (m, n): the bounds
/// `gemm_serial`'s unsafe call relies on. Three comparisons per product.
fn assert_shapes((m, k): (usize, usize), (kb, n): (usize, usize), c: (usize, usize)) {
    assert!(
        kb == k && c == (m, n),
        "gemm: operands ({m}, {k}) x ({kb}, {n}) into {c:?} do not fit (a bug in the caller)"
    );
}

/// One single-threaded `gemm` call (for callers that split work themselves).
/// Shapes as for [`gemm_into`], checked here.
pub fn gemm_serial(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    gemm_serial_at(isa::level(), a, b, c, accumulate)
}

/// [`gemm_serial`] with the kernels of `level`, which must not exceed the
/// CPU's (checked: the packed kernels' SIMD token refuses to be made
/// otherwise, and the direct kernel is taken only when the CPU has AVX-512).
fn gemm_serial_at(
    level: Isa,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    let (m, k) = a.dim();
    let n = b.dim().1;
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    assert_shapes((m, k), b.dim(), c.dim());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        // Nothing to multiply: the product is zero (written, so callers that
        // rely on every element of `c` being set can).
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    match path(level, m, n, k, unit_cols(&b, &c)) {
        #[cfg(target_arch = "x86_64")]
        Path::Direct(_) if std::arch::is_x86_feature_detected!("avx512f") => {
            let p = direct::Operands {
                m,
                n,
                k,
                a: a.as_ptr(),
                a_rs,
                a_cs,
                b: b.as_ptr(),
                b_rs,
                c: c.as_mut_ptr(),
                c_rs,
                accumulate,
            };
            // SAFETY: the CPU has AVX-512F (checked just above); the pointers
            // and strides come from live views of (m, k), (k, n) and (m, n)
            // (asserted above, in release builds too), B's and C's column
            // strides are 1 (or n is 1, where only column 0 is touched), and
            // `c` is borrowed mutably, so it aliases neither operand.
            return unsafe { direct::gemm(&p) };
        }
        Path::RowLoop => {
            let a_row = a.row(0);
            let a_row = a_row
                .as_slice()
                .map_or_else(|| a_row.to_vec().into(), Cow::Borrowed);
            let mut c_row = c.row_mut(0);
            if let Some(cs) = c_row.as_slice_mut() {
                return isa::run_at(
                    level,
                    #[inline(always)]
                    move || row_times_matrix(&a_row, b, cs, accumulate),
                );
            }
        }
        _ => {}
    }
    let layout = packed::Layout {
        m,
        n,
        k,
        c_rs,
        c_cs,
        a_rs,
        a_cs,
        b_rs,
        b_cs,
        accumulate,
    };
    // SAFETY: the pointers and strides come from live ndarray views whose
    // dimensions are (m, k), (k, n) and (m, n) (asserted above, in release
    // builds too), so every index the kernel touches is inside those views;
    // `c` is borrowed mutably and cannot alias `a` or `b`.
    unsafe { packed::packed_gemm(level, layout, c.as_mut_ptr(), a.as_ptr(), b.as_ptr()) }
}

/// `c (+)= a · B` for one row `a` (k) and a `B` (k, n) with unit-stride
/// rows: the rows of B scaled and added in order (no packing; a one-sample
/// Dense). The packed kernels' GEMV walked B's columns with a stride of n
/// and took 2.6 µs for a 512 -> 10 layer that this loop does in ~0.5 µs;
/// each output is a sum over k in order, so splitting C's columns across
/// threads gives the same bits.
#[inline(always)]
fn row_times_matrix(a: &[f32], b: ArrayView2<f32>, c: &mut [f32], accumulate: bool) {
    if !accumulate {
        c.fill(0.0);
    }
    for (&ak, row) in a.iter().zip(b.rows()) {
        match row.to_slice() {
            Some(row) => {
                for (cj, &bj) in c.iter_mut().zip(row) {
                    *cj += ak * bj;
                }
            }
            None => {
                for (cj, &bj) in c.iter_mut().zip(row.iter()) {
                    *cj += ak * bj;
                }
            }
        }
    }
}
