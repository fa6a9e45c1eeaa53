//! Output buffers that skip zero-filling. A buffer a kernel overwrites
//! entirely (a GEMM result, an elementwise map) need not be zeroed first:
//! with jemalloc's recycled pages every `zeros` was a memset, 3.6% of an MLP
//! training step (callgrind) for bytes written again at once.

use crate::error::Result;
use ndarray::{ArrayD, ArrayViewMutD, IxDyn};
use std::cell::RefCell;

/// An array of `shape` whose elements are all written by `fill` before it is
/// returned; `Err` from `fill` is passed on and the buffer freed unread.
///
/// # Safety
///
/// When `fill` returns `Ok`, it must have written every element of the view
/// (it must never read one before writing it). Returning `Err` or panicking
/// part-way is always sound: the buffer is then dropped as uninitialised
/// memory, never read.
pub unsafe fn try_filled(
    shape: &[usize],
    fill: impl FnOnce(ArrayViewMutD<f32>) -> Result<()>,
) -> Result<ArrayD<f32>> {
    let mut out = ArrayD::<f32>::uninit(IxDyn(shape));
    // SAFETY: `uninit` allocates in standard layout, so a view of `shape` over
    // its pointer covers exactly its elements, and `out` is not touched while
    // the view lives. MaybeUninit<f32> and f32 have the same layout. Only on
    // `Ok` is the array declared initialised, which the caller's contract
    // (every element written) makes true.
    unsafe {
        let view = ArrayViewMutD::from_shape_ptr(IxDyn(shape), out.as_mut_ptr() as *mut f32);
        fill(view)?;
        Ok(out.assume_init())
    }
}

/// A vector of `len` floats, every one written by `fill` (see [`try_filled`]).
///
/// # Safety
///
/// As for [`try_filled`]: on `Ok`, `fill` has written all `len` elements.
pub unsafe fn try_filled_vec(
    len: usize,
    fill: impl FnOnce(&mut [f32]) -> Result<()>,
) -> Result<Vec<f32>> {
    let mut out: Vec<f32> = Vec::with_capacity(len);
    // SAFETY: the capacity is at least `len` and the slice is the vector's
    // spare capacity, not yet part of its contents; the length is set only on
    // `Ok`, after the caller's contract says every element was written (a
    // failure leaves the length 0, so nothing unwritten is ever read).
    unsafe {
        fill(std::slice::from_raw_parts_mut(out.as_mut_ptr(), len))?;
        out.set_len(len);
    }
    Ok(out)
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
        // SAFETY: the fill writes all six elements.
        let a = unsafe {
            try_filled(&[2, 3], |mut v| {
                for (i, x) in v.iter_mut().enumerate() {
                    *x = i as f32;
                }
                Ok(())
            })
        }
        .unwrap();
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(
            a.iter().copied().collect::<Vec<_>>(),
            vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        );
        // SAFETY: the fill writes all four elements.
        let v = unsafe {
            try_filled_vec(4, |s| {
                s.copy_from_slice(&[1.0, 2.0, 3.0, 4.0]);
                Ok(())
            })
        };
        assert_eq!(v.unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
        // SAFETY: an empty array has no element to write.
        let empty = unsafe { try_filled(&[0, 5], |_| Ok(())) };
        assert!(empty.unwrap().is_empty());
    }

    #[test]
    fn a_failed_fill_is_passed_on_unread() {
        use crate::error::Error;
        // SAFETY: the fills fail, so no element is ever declared written.
        let err = unsafe { try_filled(&[1000], |_| Err(Error::argument("t", "failed"))) };
        assert!(err.is_err());
        // SAFETY: as above.
        let err = unsafe { try_filled_vec(1000, |_| Err(Error::argument("t", "failed"))) };
        assert!(err.is_err());
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
