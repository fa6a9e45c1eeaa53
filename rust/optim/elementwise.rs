//! The elementwise loops every update rule runs: over a variable, its gradient
//! and its slots together, split into fixed chunks across threads for large
//! variables. Each element is computed alone, so results are bit-identical
//! whatever the thread count.

use crate::kernels::parallel::worth_splitting;
use crate::kernels::real::Real;
use ndarray::ArrayD;
use rayon::prelude::*;

/// Elements per work chunk when a variable is split across threads. Fixed, so
/// reductions over chunks add up in the same order on any number of threads.
pub(crate) const CHUNK: usize = 1 << 14;

/// Runs `f` on every element of `var` with the matching gradient and slot
/// elements. Large variables are split into chunks across threads; each
/// element is computed alone, so the result never depends on the thread count.
pub(crate) fn zip_update<T: Copy + Send + Sync, const N: usize>(
    var: &mut [T],
    grad: &[T],
    slots: [&mut [T]; N],
    f: impl Fn(&mut T, T, [&mut T; N]) + Sync,
) {
    let run = |v: &mut [T], g: &[T], s: [&mut [T]; N]| update_chunk(v, g, s, &f);
    if !worth_splitting(var.len()) {
        run(var, grad, slots);
        return;
    }
    let mut slot_chunks = slots.map(|s| s.chunks_mut(CHUNK));
    let work: Vec<_> = var
        .chunks_mut(CHUNK)
        .zip(grad.chunks(CHUNK))
        .map(|(v, g)| {
            let s = slot_chunks
                .each_mut()
                .map(|it| it.next().unwrap_or_default());
            (v, g, s)
        })
        .collect();
    work.into_par_iter().for_each(|(v, g, s)| run(v, g, s));
}

/// One chunk of [`zip_update`], compiled for each ISA level (`kernels::isa`):
/// with unchecked indexing the loop vectorises, sqrt and division included.
/// Rust never contracts `a * b + c` into an FMA, so every version computes
/// bit-identical results.
fn update_chunk<T: Copy, const N: usize, F: Fn(&mut T, T, [&mut T; N])>(
    var: &mut [T],
    grad: &[T],
    mut slots: [&mut [T]; N],
    f: &F,
) {
    crate::kernels::isa::run(
        #[inline(always)]
        move || {
            let n = var.len();
            assert!(grad.len() == n && slots.iter().all(|s| s.len() == n));
            for i in 0..n {
                // SAFETY: every slice has length n (asserted above) and i < n.
                unsafe {
                    f(
                        var.get_unchecked_mut(i),
                        *grad.get_unchecked(i),
                        slots.each_mut().map(|s| s.get_unchecked_mut(i)),
                    );
                }
            }
        },
    )
}

/// `x`, or a zero of its sign where it is subnormal: what a slot that decays
/// geometrically is written through.
///
/// Such slots (Adam's momentum of a unit whose gradient is zero, RMSprop's
/// velocity, SGD's momentum) reach subnormal values after a few hundred
/// steps, and an arithmetic instruction on a subnormal takes a microcode
/// assist of ~100 cycles: an MLP with dead ReLU units trained with Adam ran
/// 2.5x slower from its second epoch on. Keras on JAX never holds them (XLA
/// runs with flush-to-zero), so flushing also keeps the slots as Keras's.
/// Called inside a rule's closure it costs a compare and a blend and the
/// loop stays vectorized (applied after the closure, in [`zip_update`]'s
/// loop, it stopped LLVM from vectorizing the update).
#[inline(always)]
pub(crate) fn ftz<T: Real>(x: T) -> T {
    if x.abs() < T::min_positive_value() {
        x * T::zero()
    } else {
        x
    }
}

/// `x`, or a zero of its sign where `|x| < floor` (a floor of at least the
/// smallest normal number, so subnormals are flushed too).
///
/// For a slot whose every use multiplies it by a small factor: Adam's
/// momentum enters the update as `m * alpha` with `alpha` near the learning
/// rate, so while a decaying `m` passes from `1e-35` to `1e-38` each product
/// is subnormal (a microcode assist per element: epochs 2 to 9 of an MLP
/// with dead ReLU units ran at half speed). Below `MIN_POSITIVE / alpha` the
/// product is one XLA flushes to zero, so the update Keras on JAX computes
/// from such an `m` is none, and zeroing `m` gives the same weights.
#[inline(always)]
pub(crate) fn ftz_below<T: Real>(x: T, floor: T) -> T {
    if x.abs() < floor {
        x * T::zero()
    } else {
        x
    }
}

/// The floor for [`ftz_below`] of a slot multiplied by `factors` (each
/// positive): below it some product is subnormal.
pub(crate) fn subnormal_floor<T: Real>(factors: &[T]) -> T {
    let smallest = factors.iter().fold(T::one(), |a, &f| a.min(f));
    if smallest > T::zero() {
        T::min_positive_value() / smallest
    } else {
        T::min_positive_value()
    }
}

/// `f` applied to every element of `x` in place, split like [`zip_update`].
pub(crate) fn map_inplace<T: Copy + Send + Sync>(x: &mut [T], f: impl Fn(T) -> T + Sync) {
    if worth_splitting(x.len()) {
        x.par_chunks_mut(CHUNK)
            .for_each(|c| c.iter_mut().for_each(|v| *v = f(*v)));
    } else {
        x.iter_mut().for_each(|v| *v = f(*v));
    }
}

/// A variable's elements as one slice in logical order, making it contiguous
/// first if it is not (store values normally are).
pub(crate) fn flat_mut<T: Clone>(a: &mut ArrayD<T>) -> &mut [T] {
    if a.as_slice().is_none() {
        *a = a.as_standard_layout().into_owned();
    }
    a.as_slice_mut().unwrap_or_default()
}

pub(crate) fn into_flat<T: Clone>(a: ArrayD<T>) -> Vec<T> {
    if !a.is_standard_layout() {
        return a.iter().cloned().collect();
    }
    let n = a.len();
    match a.into_raw_vec_and_offset() {
        (v, Some(0) | None) if v.len() == n => v,
        (v, off) => {
            let start = off.unwrap_or(0);
            v[start..start + n].to_vec()
        }
    }
}

/// Independent accumulators of [`lane_sum`]: enough to hide the latency of
/// double additions and fill a vector register.
const LANES: usize = 8;

/// `sum f(a[i], b[i])` in double, over [`LANES`] interleaved accumulators
/// added in a fixed order at the end: the same result on any machine and
/// thread count, without one long chain of dependent additions (which made
/// a 1M-element sum of squares take ~1 ms).
#[inline(always)]
pub(crate) fn lane_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f64) -> f64 {
    crate::kernels::isa::run(
        #[inline(always)]
        move || {
            let n = a.len().min(b.len());
            let (a, b) = (&a[..n], &b[..n]);
            let mut acc = [0f64; LANES];
            let mut a_chunks = a.chunks_exact(LANES);
            let mut b_chunks = b.chunks_exact(LANES);
            for (ca, cb) in (&mut a_chunks).zip(&mut b_chunks) {
                // Fixed-size arrays: no bounds checks, so the lanes vectorize.
                let (ca, cb): (&[f32; LANES], &[f32; LANES]) = match (ca.try_into(), cb.try_into())
                {
                    (Ok(x), Ok(y)) => (x, y),
                    _ => continue, // unreachable: chunks_exact yields LANES items
                };
                for k in 0..LANES {
                    acc[k] += f(ca[k], cb[k]);
                }
            }
            let tail: f64 = a_chunks
                .remainder()
                .iter()
                .zip(b_chunks.remainder())
                .map(|(&x, &y)| f(x, y))
                .sum();
            acc.iter().sum::<f64>() + tail
        },
    )
}
