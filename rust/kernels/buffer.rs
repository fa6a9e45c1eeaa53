//! Output buffers that skip zero-filling. A buffer a kernel overwrites
//! entirely (a GEMM result, an elementwise map) need not be zeroed first:
//! with jemalloc's recycled pages every `zeros` was a memset, 3.6% of an MLP
//! training step (callgrind) for bytes written again at once.

use ndarray::{ArrayD, ArrayViewMutD, IxDyn};
use std::cell::RefCell;

/// An array of `shape` whose elements are all written by `fill` before it is
/// returned. `fill` must write every element and never read one.
pub fn filled(shape: &[usize], fill: impl FnOnce(ArrayViewMutD<f32>)) -> ArrayD<f32> {
    let mut out = ArrayD::<f32>::uninit(IxDyn(shape));
    // SAFETY: the view covers exactly the allocation of `out` (standard
    // layout, same shape); f32 has no invalid bit patterns, and `fill`
    // writes every element, so `assume_init` sees initialised memory.
    unsafe {
        let view = ArrayViewMutD::from_shape_ptr(IxDyn(shape), out.as_mut_ptr() as *mut f32);
        fill(view);
        out.assume_init()
    }
}

/// A vector of `len` floats, every one written by `fill` (see [`filled`]).
pub fn filled_vec(len: usize, fill: impl FnOnce(&mut [f32])) -> Vec<f32> {
    let mut out: Vec<f32> = Vec::with_capacity(len);
    // SAFETY: the capacity is `len`; `fill` writes every element before the
    // length is set, and f32 has no invalid bit patterns.
    unsafe {
        fill(std::slice::from_raw_parts_mut(out.as_mut_ptr(), len));
        out.set_len(len);
    }
    out
}

thread_local! {
    /// Scratch buffers kept between calls on this thread (see [`with_scratch`]).
    static SCRATCH: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// Scratch buffers kept per thread at most: enough for a convolution's
/// column and column-gradient buffers.
const KEPT_SCRATCH: usize = 4;

/// Runs `f` with a scratch buffer of `len` floats whose contents are
/// unspecified (left over from an earlier use). The buffer is kept for the
/// next call on this thread, so a convolution's 16 MiB column buffer is
/// allocated (and zeroed) once per thread instead of once per step.
pub fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let mut buf = SCRATCH
        .with(|s| {
            let mut pool = s.borrow_mut();
            // The smallest kept buffer that is big enough, else the biggest.
            let fit = (0..pool.len())
                .filter(|&i| pool[i].len() >= len)
                .min_by_key(|&i| pool[i].len())
                .or_else(|| (0..pool.len()).max_by_key(|&i| pool[i].len()));
            fit.map(|i| pool.swap_remove(i))
        })
        .unwrap_or_default();
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
    let result = f(&mut buf[..len]);
    SCRATCH.with(|s| {
        let mut pool = s.borrow_mut();
        if pool.len() < KEPT_SCRATCH {
            pool.push(buf);
        }
    });
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_returns_what_fill_wrote() {
        let a = filled(&[2, 3], |mut v| {
            for (i, x) in v.iter_mut().enumerate() {
                *x = i as f32;
            }
        });
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(
            a.iter().copied().collect::<Vec<_>>(),
            vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        );
        let v = filled_vec(4, |s| s.copy_from_slice(&[1.0, 2.0, 3.0, 4.0]));
        assert_eq!(v, vec![1.0, 2.0, 3.0, 4.0]);
        assert!(filled(&[0, 5], |_| {}).is_empty());
    }

    #[test]
    fn scratch_buffers_are_reused_and_nest() {
        let first = with_scratch(1000, |a| {
            a.fill(1.0);
            // A nested request gets a different buffer.
            with_scratch(10, |b| {
                b.fill(2.0);
                b.as_ptr() as usize
            });
            a.as_ptr() as usize
        });
        let again = with_scratch(500, |a| {
            assert!(a.iter().all(|&v| v == 1.0 || v == 2.0));
            a.as_ptr() as usize
        });
        assert_eq!(first, again);
    }
}
