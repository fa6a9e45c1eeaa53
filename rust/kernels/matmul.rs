//! float32 GEMM through the `gemm` crate: packed, cache-blocked SIMD
//! micro-kernels with rayon threading. Strides are passed through, so
//! transposed operands (as in the backward pass) cost no copy.

use gemm::Parallelism;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Multiply-adds below which one thread is faster than several: a
/// one-sample Dense (1 x 784 x 512) takes ~10 µs alone, less than handing
/// half of it to a sleeping pool thread.
const PARALLEL_FLOPS: usize = 1 << 20;

/// `c = a · b` (or `c += a · b` when `accumulate`).
///
/// Shapes are the caller's contract: `a` is (m, k), `b` is (k, n), `c` is (m, n);
/// the ops layer checks them and reports mismatches as errors.
pub fn gemm_into(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    let (m, k) = a.dim();
    let n = b.dim().1;
    debug_assert_eq!(b.dim().0, k);
    debug_assert_eq!(c.dim(), (m, n));
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    let threads = rayon::current_num_threads();
    let parallelism = if m * n * k >= PARALLEL_FLOPS && threads > 1 {
        Parallelism::Rayon(threads)
    } else {
        Parallelism::None
    };
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    // SAFETY: the pointers and strides come from live ndarray views whose
    // dimensions are (m, k), (k, n) and (m, n), so every index gemm touches is
    // inside those views; `c` is borrowed mutably and cannot alias `a` or `b`.
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
            parallelism,
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
    fn empty_inner_dimension_gives_zeros() {
        let a = Array2::<f32>::zeros((3, 0));
        let b = Array2::<f32>::zeros((0, 4));
        let mut c = Array2::from_elem((3, 4), 7.0);
        gemm_into(a.view(), b.view(), c.view_mut(), false);
        assert!(c.iter().all(|&v| v == 0.0));
    }
}
