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

use super::isa::{self, Isa};
use gemm_common::simd::MixedSimd;
use gemm_common::Parallelism;
use ndarray::{ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;
use std::borrow::Cow;

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
    let Some(cut) = split_point(m, n, parts) else {
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
/// every block takes the crate's code path for the whole product.
fn split_point(m: usize, n: usize, parts: usize) -> Option<usize> {
    let (len, other) = if m >= n { (m, n) } else { (n, m) };
    let cut = (len / parts.max(1)).div_ceil(BLOCK_ALIGN) * BLOCK_ALIGN;
    let whole = regime(len, other);
    let fits =
        parts >= 2 && cut < len && regime(cut, other) == whole && regime(len - cut, other) == whole;
    fits.then_some(cut)
}

/// Whether [`gemm_into`] computes an (m, k) x (k, n) product on one thread
/// however many the pool has: callers skip handing such calls to the pool.
pub fn runs_on_one_thread(m: usize, k: usize, n: usize) -> bool {
    let deep = m * n <= DEEP_MAX_OUTPUT && k >= 2 * DEEP_BLOCK;
    !deep && (m * n * k < PARALLEL_FLOPS || split_point(m, n, 2).is_none())
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

/// [`gemm_serial`] with the micro-kernels of `level`, which must not exceed
/// the CPU's (checked: the kernels' SIMD token refuses to be made otherwise).
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
    if k == 0 {
        // Nothing to multiply: the product is zero (written, so callers that
        // rely on every element of `c` being set can).
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    if m == 1 {
        if let (Some(bs), Some(cs)) = (b.as_slice(), c.as_slice_mut()) {
            let a_row = a.row(0);
            let a_row = a_row
                .as_slice()
                .map_or_else(|| a_row.to_vec().into(), Cow::Borrowed);
            return isa::run_at(
                level,
                #[inline(always)]
                move || row_times_matrix(&a_row, bs, cs, accumulate),
            );
        }
    }
    let layout = Layout {
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
    unsafe { packed_gemm(level, layout, c.as_mut_ptr(), a.as_ptr(), b.as_ptr()) }
}

/// `c (+)= a · B` for one row `a` (k) and a row-major `B` (k, n): the rows
/// of B scaled and added in order (no packing; a one-sample Dense). The
/// packed kernels' GEMV walked B's columns with a stride of n and took 2.6 µs
/// for a 512 -> 10 layer that this loop does in ~0.5 µs; each output is a
/// sum over k in order, so splitting C's columns across threads gives the
/// same bits.
#[inline(always)]
fn row_times_matrix(a: &[f32], b: &[f32], c: &mut [f32], accumulate: bool) {
    let n = c.len();
    assert!(
        b.len() == a.len() * n,
        "gemm: row_times_matrix shapes (a bug in the caller)"
    );
    if !accumulate {
        c.fill(0.0);
    }
    for (&ak, row) in a.iter().zip(b.chunks_exact(n)) {
        for (cj, &bj) in c.iter_mut().zip(row) {
            *cj += ak * bj;
        }
    }
}

/// Sizes and strides (in elements) of one product, as `packed_gemm` takes them.
#[derive(Clone, Copy)]
struct Layout {
    m: usize,
    n: usize,
    k: usize,
    c_rs: isize,
    c_cs: isize,
    a_rs: isize,
    a_cs: isize,
    b_rs: isize,
    b_cs: isize,
    accumulate: bool,
}

impl Layout {
    /// The same product in the orientation the micro-kernels want, as the
    /// gemm crate's front end arranges it: C column-major (else compute
    /// Cᵀ = Bᵀ·Aᵀ), and positive strides along C's axes and along K (a
    /// reversed axis is walked from its other end). Pointer moves stay
    /// inside the matrices, to the element the reversed walk starts at.
    fn oriented(
        self,
        c: *mut f32,
        a: *const f32,
        b: *const f32,
    ) -> (Layout, *mut f32, *const f32, *const f32) {
        let mut l = self;
        let (mut c, mut a, mut b) = (c, a, b);
        if l.c_cs.abs() < l.c_rs.abs() {
            l = Layout {
                m: self.n,
                n: self.m,
                c_rs: self.c_cs,
                c_cs: self.c_rs,
                a_rs: self.b_cs,
                a_cs: self.b_rs,
                b_rs: self.a_cs,
                b_cs: self.a_rs,
                ..self
            };
            std::mem::swap(&mut a, &mut b);
        }
        if l.c_rs < 0 && l.m > 0 {
            c = c.wrapping_offset((l.m - 1) as isize * l.c_rs);
            a = a.wrapping_offset((l.m - 1) as isize * l.a_rs);
            l.c_rs = -l.c_rs;
            l.a_rs = -l.a_rs;
        }
        if l.c_cs < 0 && l.n > 0 {
            c = c.wrapping_offset((l.n - 1) as isize * l.c_cs);
            b = b.wrapping_offset((l.n - 1) as isize * l.b_cs);
            l.c_cs = -l.c_cs;
            l.b_cs = -l.b_cs;
        }
        if l.a_cs < 0 && l.k > 0 {
            a = a.wrapping_offset((l.k - 1) as isize * l.a_cs);
            b = b.wrapping_offset((l.k - 1) as isize * l.b_rs);
            l.a_cs = -l.a_cs;
            l.b_rs = -l.b_rs;
        }
        (l, c, a, b)
    }
}

/// One instantiation of the gemm crate's driver: `$simd` is its SIMD token
/// type, `$kernels` the module of micro-kernels for it, `$lanes` their
/// vector width in floats. The same as the crate's own dispatch builds,
/// chosen here by pykeras's level instead of the crate's detection.
macro_rules! packed_gemm_at {
    ($simd:ty, $kernels:path, $lanes:expr, $l:expr, $c:expr, $a:expr, $b:expr) => {{
        use $kernels as kernels;
        let simd = <$simd as MixedSimd<f32, f32, f32, f32>>::try_new()
            .expect("gemm: the CPU lacks the level's features (isa::level caps it)");
        gemm_common::gemm::gemm_basic_generic::<
            _,
            f32,
            $lanes,
            { kernels::MR_DIV_N * $lanes },
            { kernels::NR },
            { kernels::MR_DIV_N },
            { kernels::H_M },
            { kernels::H_N },
        >(
            simd,
            $l.m,
            $l.n,
            $l.k,
            $c,
            $l.c_cs,
            $l.c_rs,
            $l.accumulate,
            $a,
            $l.a_cs,
            $l.a_rs,
            $b,
            $l.b_cs,
            $l.b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            |x, y, z| x * y + z,
            &kernels::UKR,
            &kernels::H_UKR,
            false,
            Parallelism::None,
        )
    }};
}

/// `c (+)= a · b` single-threaded with the micro-kernels of `level`.
///
/// # Safety
///
/// `c`, `a` and `b` point to (m, n), (m, k) and (k, n) matrices with the
/// strides in `l`, valid for the whole call, `c` not aliasing the others;
/// `level` must not exceed what the CPU has (`isa::level()` never does).
unsafe fn packed_gemm(level: Isa, l: Layout, c: *mut f32, a: *const f32, b: *const f32) {
    let (l, c, a, b) = l.oriented(c, a, b);
    #[cfg(target_arch = "x86_64")]
    match level {
        Isa::Avx512 => packed_gemm_at!(
            gemm_common::simd::V4,
            gemm_f32::microkernel::avx512f::f32,
            16,
            l,
            c,
            a,
            b
        ),
        Isa::Avx2 => packed_gemm_at!(
            gemm_common::simd::V3,
            gemm_f32::microkernel::fma::f32,
            8,
            l,
            c,
            a,
            b
        ),
        Isa::Baseline => packed_gemm_at!(
            gemm_common::simd::Scalar,
            gemm_f32::microkernel::scalar::f32,
            1,
            l,
            c,
            a,
            b
        ),
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = level;
        packed_gemm_at!(
            gemm_common::simd::Scalar,
            gemm_f32::microkernel::scalar::f32,
            1,
            l,
            c,
            a,
            b
        )
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
    fn every_isa_level_matches_naive_on_every_layout() {
        // Row- and column-major outputs, transposed and reversed operands
        // (negative strides), accumulation, and the crate's small regimes.
        let shapes = [
            (1, 300, 7),
            (5, 3, 1),
            (9, 17, 13),
            (64, 64, 64),
            (130, 70, 33),
        ];
        for level in isa::available() {
            for &(m, k, n) in &shapes {
                let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
                let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.25);
                let exact = naive(&a, &b);
                let check = |c: &Array2<f32>, want: &Array2<f32>, what: &str| {
                    for (x, y) in c.iter().zip(want) {
                        assert!(
                            (x - y).abs() <= 1e-4 * y.abs().max(1.0),
                            "{level:?} {what} {m}x{k}x{n}"
                        );
                    }
                };
                let mut c = Array2::zeros((m, n));
                gemm_serial_at(level, a.view(), b.view(), c.view_mut(), false);
                check(&c, &exact, "plain");
                let mut ct = Array2::<f32>::zeros((n, m));
                gemm_serial_at(
                    level,
                    a.view(),
                    b.view(),
                    ct.view_mut().reversed_axes(),
                    false,
                );
                check(&ct.t().to_owned(), &exact, "column-major output");
                // Reversing A's rows and C's rows together gives the same C.
                let a_rev = a.slice(ndarray::s![..;-1, ..]);
                let mut c_rev = Array2::zeros((m, n));
                gemm_serial_at(level, a_rev, b.view(), c_rev.view_mut(), false);
                check(
                    &c_rev.slice(ndarray::s![..;-1, ..]).to_owned(),
                    &exact,
                    "reversed rows",
                );
                // Reversing K in both operands leaves the product unchanged.
                let mut c_k = Array2::from_elem((m, n), 1.0f32);
                gemm_serial_at(
                    level,
                    a.slice(ndarray::s![.., ..;-1]),
                    b.slice(ndarray::s![..;-1, ..]),
                    c_k.view_mut(),
                    true,
                );
                check(&c_k, &(&exact + 1.0), "reversed k, accumulated");
            }
        }
    }

    #[test]
    fn one_thread_products_are_the_ones_gemm_into_keeps_serial() {
        assert!(runs_on_one_thread(1, 784, 512));
        assert!(runs_on_one_thread(128, 512, 10));
        assert!(!runs_on_one_thread(128, 784, 512));
        assert!(!runs_on_one_thread(9, 3 * DEEP_BLOCK, 32));
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
