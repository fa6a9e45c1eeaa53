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

use gemm::Parallelism;
use ndarray::{ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

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

/// Which of the gemm crate's code paths an (m, n) output takes.
fn regime(m: usize, n: usize) -> u8 {
    if m <= 1 || n <= 1 {
        0
    } else if m * n <= SMALL_OUTPUT {
        1
    } else if m <= SMALL_SIDE && n <= SMALL_SIDE {
        2
    } else {
        3
    }
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
    let len = if by_rows { m } else { n };
    let other = if by_rows { n } else { m };
    let cut = (len / parts).div_ceil(BLOCK_ALIGN) * BLOCK_ALIGN;
    // Each block must take the crate's code path for the whole product.
    let whole = regime(len, other);
    if parts < 2 || cut >= len || regime(cut, other) != whole || regime(len - cut, other) != whole {
        return gemm_serial(a, b, c, accumulate);
    }
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
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    let (m, k) = a.dim();
    let n = b.dim().1;
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    assert_shapes((m, k), b.dim(), c.dim());
    if k == 0 {
        // Nothing to multiply: the product is zero (written, so callers that
        // rely on every element of `c` being set can).
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    // SAFETY: the pointers and strides come from live ndarray views whose
    // dimensions are (m, k), (k, n) and (m, n) (asserted above, in release
    // builds too), so every index gemm touches is inside those views; `c` is
    // borrowed mutably and cannot alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            c_rs,
            accumulate,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn naive(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f32> {
        let (m, k) = a.dim();
        let n = b.dim().1;
        Array2::from_shape_fn((m, n), |(i, j)| (0..k).map(|p| a[[i, p]] * b[[p, j]]).sum())
    }

    #[test]
    fn matches_naive_including_transposed_views() {
        let a = Array2::from_shape_fn((37, 53), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let b = Array2::from_shape_fn((53, 29), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.25);
        let mut c = Array2::zeros((37, 29));
        gemm_into(a.view(), b.view(), c.view_mut(), false);
        assert_eq!(c, naive(&a, &b));
        let at = a.t().to_owned();
        let mut c2 = Array2::zeros((37, 29));
        gemm_into(at.t(), b.view(), c2.view_mut(), false);
        assert_eq!(c2, c);
        gemm_into(a.view(), b.view(), c2.view_mut(), true);
        assert_eq!(c2, &c * 2.0);
    }

    #[test]
    fn split_blocks_give_the_serial_result_bit_for_bit() {
        // Shapes around the block alignment, both split axes, transposed
        // operands and accumulation: every split must equal one serial call.
        let shapes = [
            (128, 784, 512),
            (784, 128, 512),
            (300, 77, 35),
            (33, 64, 100),
            (17, 5, 1000),
            (72, 16000, 16),
            (1000, 600, 3),
            (130, 40, 2),
            (128, 300, 100),
            (64, 1000, 64),
        ];
        for &(m, k, n) in &shapes {
            let a =
                Array2::from_shape_fn((k, m), |(i, j)| ((i * 31 + j * 17) % 97) as f32 / 7.0 - 6.5);
            let b = Array2::from_shape_fn((k, n), |(i, j)| {
                ((i * 13 + j * 29) % 89) as f32 / 11.0 - 4.0
            });
            let mut serial = Array2::from_elem((m, n), 0.5f32);
            gemm_serial(a.t(), b.view(), serial.view_mut(), true);
            for parts in 2..=5 {
                let mut split = Array2::from_elem((m, n), 0.5f32);
                split_gemm(a.t(), b.view(), split.view_mut(), true, parts);
                assert_eq!(split, serial, "m={m} k={k} n={n} parts={parts}");
            }
        }
    }

    #[test]
    fn deep_products_match_naive_and_ignore_thread_count() {
        let (m, k, n) = (9, 3 * DEEP_BLOCK + 77, 32);
        let a = Array2::from_shape_fn((k, m), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 4.0 - 1.0);
        let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 / 8.0 - 0.5);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut c = Array2::from_elem((m, n), 1.0f32);
            pool.install(|| gemm_into(a.t(), b.view(), c.view_mut(), true));
            c
        };
        let one = run(1);
        assert_eq!(run(2), one);
        assert_eq!(run(3), one);
        let exact = naive(&a.t().to_owned(), &b) + 1.0;
        for (x, y) in one.iter().zip(&exact) {
            assert!((x - y).abs() <= 1e-3 * y.abs().max(1.0), "{x} vs {y}");
        }
    }

    #[test]
    fn empty_inner_dimension_gives_zeros() {
        let a = Array2::<f32>::zeros((3, 0));
        let b = Array2::<f32>::zeros((0, 4));
        let mut c = Array2::from_elem((3, 4), 7.0);
        gemm_into(a.view(), b.view(), c.view_mut(), false);
        assert!(c.iter().all(|&v| v == 0.0));
    }
}
