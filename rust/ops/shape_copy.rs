//! Fast copies between strided views and row-major buffers for the shape
//! ops (`slice`, `concat`, their gradients, reshapes of strided views).
//!
//! ndarray's copies of a dynamic-rank view that is not row-major step
//! through the elements one multi-index at a time, tens of nanoseconds
//! each: taking one channel of a `(64, 32, 32, 3)` batch cost about 3 ms,
//! most of a colour augmentation layer's step. These copies drop the unit
//! axes, merge axes that step over each other exactly, and copy whole runs
//! of the innermost merged axis (a `memcpy` when it is contiguous).

use crate::kernels::parallel::worth_splitting;
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};
use rayon::prelude::*;
use std::borrow::Cow;

/// Output elements per parallel task.
const CHUNK: usize = 32 * 1024;

/// A view's first element, shared by the tasks that read (or write
/// disjoint elements of) it.
#[derive(Clone, Copy)]
struct Base(*mut f32);

// SAFETY: the tasks only read through a `Base` made from a shared view, or
// write disjoint elements through one made from an exclusive view that
// outlives them (see `gather` and `scatter`).
unsafe impl Send for Base {}
// SAFETY: as for `Send`.
unsafe impl Sync for Base {}

impl Base {
    /// The pointer (a method, so closures capture the whole `Base`).
    fn ptr(&self) -> *mut f32 {
        self.0
    }
}

/// A view's layout with unit axes dropped and each axis merged into the
/// one before it where that one steps over it exactly; never empty.
struct Layout {
    dims: Vec<usize>,
    steps: Vec<isize>,
}

impl Layout {
    fn of(shape: &[usize], strides: &[isize]) -> Self {
        let (mut dims, mut steps): (Vec<usize>, Vec<isize>) = (Vec::new(), Vec::new());
        for (&d, &s) in shape.iter().zip(strides) {
            if d == 1 {
                continue;
            }
            match (dims.last_mut(), steps.last_mut()) {
                (Some(ld), Some(ls)) if *ls == s * d as isize => {
                    *ld *= d;
                    *ls = s;
                }
                _ => {
                    dims.push(d);
                    steps.push(s);
                }
            }
        }
        if dims.is_empty() {
            dims.push(1);
            steps.push(1);
        }
        Self { dims, steps }
    }

    fn inner(&self) -> (usize, isize) {
        let last = self.dims.len() - 1;
        (self.dims[last], self.steps[last])
    }

    /// The offset (in elements from the view's first element) of row-major
    /// position `at` of the view.
    fn offset(&self, at: usize) -> isize {
        let (inner, step) = self.inner();
        let (mut row, col) = (at / inner, at % inner);
        let mut off = col as isize * step;
        for k in (0..self.dims.len() - 1).rev() {
            off += (row % self.dims[k]) as isize * self.steps[k];
            row /= self.dims[k];
        }
        off
    }

    /// Calls `run(position, offset, len)` for each run along the innermost
    /// axis among row-major positions `start..start + len`: `position` from
    /// `start`, `offset` the run's first element in the view.
    fn runs(&self, start: usize, len: usize, mut run: impl FnMut(usize, isize, usize)) {
        let (inner, _) = self.inner();
        let (mut at, end) = (start, start + len);
        while at < end {
            let n = (inner - at % inner).min(end - at);
            run(at - start, self.offset(at), n);
            at += n;
        }
    }
}

/// Runs `fill(first position, chunk)` over `out` in chunks, in parallel
/// when it pays.
fn chunked(out: &mut [f32], fill: impl Fn(usize, &mut [f32]) + Sync) {
    let task = |(c, part): (usize, &mut [f32])| fill(c * CHUNK, part);
    if worth_splitting(out.len()) {
        out.par_chunks_mut(CHUNK).enumerate().for_each(task);
    } else {
        out.chunks_mut(CHUNK).enumerate().for_each(task);
    }
}

/// A row-major copy of `v`.
pub(super) fn gather(v: &ArrayViewD<f32>) -> ArrayD<f32> {
    if v.is_standard_layout() || v.is_empty() {
        return v.as_standard_layout().into_owned();
    }
    let layout = Layout::of(v.shape(), v.strides());
    let (_, step) = layout.inner();
    let base = Base(v.as_ptr() as *mut f32);
    let mut out = vec![0f32; v.len()];
    chunked(&mut out, |start, dst| {
        layout.runs(start, dst.len(), |at, from, n| {
            let to = &mut dst[at..at + n];
            // SAFETY: `from + j * step` for j < n is the offset of a position
            // of the view (`Layout::offset` of positions `< v.len()`), so it
            // lies inside the view's memory, which outlives this call; the
            // view is only read.
            unsafe {
                let p = base.ptr().offset(from);
                if step == 1 {
                    to.copy_from_slice(std::slice::from_raw_parts(p, n));
                } else {
                    for (j, d) in to.iter_mut().enumerate() {
                        *d = *p.offset(j as isize * step);
                    }
                }
            }
        });
    });
    ArrayD::from_shape_vec(IxDyn(v.shape()), out).expect("a buffer of the view's size")
}

/// `v`'s elements in row-major order, borrowed when it is row-major already.
pub(super) fn row_major<'a>(v: &'a ArrayViewD<'_, f32>) -> Cow<'a, [f32]> {
    match v.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(gather(v).into_raw_vec_and_offset().0),
    }
}

/// Writes `src` (row-major) into the view `dst` of the same shape.
pub(super) fn scatter(dst: &mut ArrayViewMutD<f32>, src: &ArrayViewD<f32>) {
    debug_assert_eq!(dst.shape(), src.shape());
    if dst.is_standard_layout() {
        dst.assign(src);
        return;
    }
    let values = row_major(src);
    let layout = Layout::of(dst.shape(), dst.strides());
    let (_, step) = layout.inner();
    let base = Base(dst.as_mut_ptr());
    let write = |(c, part): (usize, &[f32])| {
        layout.runs(c * CHUNK, part.len(), |at, to, n| {
            // SAFETY: as in `gather`, every offset is a position of `dst`,
            // which `&mut` keeps exclusive for this call; distinct positions
            // of a view hold distinct elements, so the tasks, which cover
            // disjoint positions, never write the same element.
            unsafe {
                let p = base.ptr().offset(to);
                for (j, &v) in part[at..at + n].iter().enumerate() {
                    *p.offset(j as isize * step) = v;
                }
            }
        });
    };
    if worth_splitting(values.len()) {
        values.par_chunks(CHUNK).enumerate().for_each(write);
    } else {
        values.chunks(CHUNK).enumerate().for_each(write);
    }
}

/// `views` (of one shape but on `axis`) joined along `axis`, row-major.
pub(super) fn concat(views: &[ArrayViewD<f32>], axis: usize) -> ArrayD<f32> {
    let mut shape = views[0].shape().to_vec();
    shape[axis] = views.iter().map(|v| v.shape()[axis]).sum();
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let blocks: Vec<usize> = views.iter().map(|v| v.shape()[axis] * inner).collect();
    let row: usize = blocks.iter().sum();
    let parts: Vec<Cow<[f32]>> = views.iter().map(row_major).collect();
    let mut out = vec![0f32; outer * row];
    if let Some(per_task) = CHUNK.checked_div(row) {
        // Whole output rows per task.
        let rows_per_task = per_task.max(1);
        let fill = |(t, dst): (usize, &mut [f32])| {
            for (k, line) in dst.chunks_mut(row).enumerate() {
                let o = t * rows_per_task + k;
                let mut at = 0;
                for (part, &b) in parts.iter().zip(&blocks) {
                    let (to, from) = (&mut line[at..at + b], &part[o * b..(o + 1) * b]);
                    if b <= 4 {
                        // One channel each (a join of planes): a call to
                        // memcpy per element would cost more than the copy.
                        for (d, &v) in to.iter_mut().zip(from) {
                            *d = v;
                        }
                    } else {
                        to.copy_from_slice(from);
                    }
                    at += b;
                }
            }
        };
        if worth_splitting(out.len()) {
            out.par_chunks_mut(row * rows_per_task)
                .enumerate()
                .for_each(fill);
        } else {
            out.chunks_mut(row * rows_per_task)
                .enumerate()
                .for_each(fill);
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out).expect("a buffer of the joined size")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Axis};

    fn sample(shape: &[usize]) -> ArrayD<f32> {
        let n = shape.iter().product();
        ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| i as f32).collect()).expect("sample")
    }

    #[test]
    fn gather_matches_ndarray_on_strided_views() {
        let x = sample(&[4, 5, 6, 3]);
        let views = [
            x.slice(s![.., .., .., 1..2]).into_dyn(),
            x.slice(s![1..3, .., 2..5, ..]).into_dyn(),
            x.slice(s![.., ..;2, ..;-1, ..]).into_dyn(),
            x.view().permuted_axes(IxDyn(&[3, 1, 0, 2])),
            x.slice(s![.., 0..1, 0..1, 2..3]).into_dyn(),
        ];
        for v in views {
            assert_eq!(gather(&v), v.as_standard_layout().into_owned());
            assert!(gather(&v).is_standard_layout());
        }
        // Large enough to split across tasks.
        let big = sample(&[64, 32, 32, 3]);
        let channel = big.slice(s![.., .., .., 2..3]).into_dyn();
        assert_eq!(gather(&channel), channel.as_standard_layout().into_owned());
    }

    #[test]
    fn scatter_writes_where_gather_reads() {
        for (shape, cut) in [([4, 5, 6, 3], 1..2), ([64, 32, 32, 3], 0..2)] {
            let src = sample(&shape);
            let part = src.slice_axis(Axis(3), ndarray::Slice::from(cut.clone()));
            let mut dst = ArrayD::<f32>::zeros(IxDyn(&shape));
            let mut view = dst.view_mut();
            view.slice_axis_inplace(Axis(3), ndarray::Slice::from(cut.clone()));
            scatter(&mut view, &part.as_standard_layout().into_owned().view());
            let mut want = ArrayD::<f32>::zeros(IxDyn(&shape));
            want.slice_axis_mut(Axis(3), ndarray::Slice::from(cut))
                .assign(&part);
            assert_eq!(dst, want);
        }
    }

    #[test]
    fn concat_matches_ndarray() {
        let a = sample(&[64, 32, 32, 1]);
        let b = sample(&[64, 32, 32, 2]);
        let t = sample(&[2, 32, 32, 64]);
        let c = t.view().permuted_axes(IxDyn(&[3, 1, 2, 0]));
        let views = [a.view(), b.view(), c.view()];
        let want = ndarray::concatenate(Axis(3), &views).expect("concat");
        assert_eq!(concat(&views, 3), want);
        let views = [a.view(), a.view()];
        assert_eq!(
            concat(&views, 0),
            ndarray::concatenate(Axis(0), &views).expect("c")
        );
    }
}
