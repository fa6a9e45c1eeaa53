//! Elementwise maps over operands broadcast to one shape, for the layouts
//! the flat slice loops of `elementwise.rs` do not take: a per-image factor
//! `(N, 1, 1)` against `(N, H, W)` planes, a scalar against a tensor in
//! `where` and the comparisons, strided views.
//!
//! ndarray's `Zip` over dynamic-rank broadcast views calls the closure one
//! multi-index at a time (10-15 ns per element: most of a colour
//! augmentation layer's step). Here the operands' axes are merged where
//! every operand steps over them evenly (a broadcast axis steps 0), and the
//! map runs along runs of the innermost merged axis, each operand at its own
//! stride (0 for one repeated value, 1 for a contiguous run).

use crate::kernels::buffer::try_filled_vec;
use crate::kernels::isa;
use crate::kernels::parallel::worth_splitting;
use ndarray::{ArrayD, ArrayViewD, IxDyn};
use rayon::prelude::*;

/// Output elements per parallel task.
const CHUNK: usize = 1 << 14;

/// The operands' first elements, read by every task.
struct Bases<const K: usize>([*const f32; K]);

// SAFETY: the pointers are only read, from views that outlive the tasks.
unsafe impl<const K: usize> Send for Bases<K> {}
// SAFETY: as for `Send`: shared reads only.
unsafe impl<const K: usize> Sync for Bases<K> {}

impl<const K: usize> Bases<K> {
    /// The pointers (a method, so closures capture the whole `Bases`).
    fn get(&self) -> [*const f32; K] {
        self.0
    }
}

/// The shape's axes, unit axes dropped and each merged into the one before
/// it where every operand steps over it evenly; never empty.
struct Layout<const K: usize> {
    dims: Vec<usize>,
    steps: Vec<[isize; K]>,
}

impl<const K: usize> Layout<K> {
    fn of(shape: &[usize], strides: [&[isize]; K]) -> Self {
        let (mut dims, mut steps): (Vec<usize>, Vec<[isize; K]>) = (Vec::new(), Vec::new());
        for (axis, &d) in shape.iter().enumerate() {
            if d == 1 {
                continue;
            }
            let s: [isize; K] = std::array::from_fn(|k| strides[k][axis]);
            match (dims.last_mut(), steps.last_mut()) {
                (Some(ld), Some(ls)) if (0..K).all(|k| ls[k] == s[k] * d as isize) => {
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
            steps.push([0; K]);
        }
        Self { dims, steps }
    }

    /// Each operand's offset of row-major output position `at`.
    fn offsets(&self, at: usize) -> [isize; K] {
        let last = self.dims.len() - 1;
        let (mut row, col) = (at / self.dims[last], at % self.dims[last]);
        let mut off: [isize; K] = std::array::from_fn(|k| col as isize * self.steps[last][k]);
        for axis in (0..last).rev() {
            let i = (row % self.dims[axis]) as isize;
            row /= self.dims[axis];
            for (o, s) in off.iter_mut().zip(self.steps[axis]) {
                *o += i * s;
            }
        }
        off
    }
}

/// `fill(first position, chunk)` over chunks tiling `out`, on several
/// threads when it pays.
fn split(out: &mut [f32], fill: &(impl Fn(usize, &mut [f32]) + Sync)) {
    if worth_splitting(out.len()) {
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, d)| fill(c * CHUNK, d));
    } else {
        fill(0, out);
    }
}

/// `f` of the operands' elements at each position of `shape`, the operands
/// broadcast to it (None when one does not broadcast).
pub fn zip_broadcast<const K: usize>(
    operands: [ArrayViewD<'_, f32>; K],
    shape: &[usize],
    f: impl Fn([f32; K]) -> f32 + Sync,
) -> Option<ArrayD<f32>> {
    let len: usize = shape.iter().product();
    // Operands of the full shape, all row-major (`where` or a comparison of
    // same-shaped tensors): flat loops compiled for each ISA level.
    let flat: Option<Vec<&[f32]>> = operands
        .iter()
        .map(|v| {
            if v.shape() == shape {
                v.as_slice()
            } else {
                None
            }
        })
        .collect();
    if let Some(flat) = flat {
        // SAFETY: each chunk is written whole (one value per position).
        let data = unsafe {
            try_filled_vec(len, |out| {
                let fill = |start: usize, dst: &mut [f32]| {
                    isa::run(
                        #[inline(always)]
                        || {
                            for (j, d) in dst.iter_mut().enumerate() {
                                *d = f(std::array::from_fn(|k| flat[k][start + j]));
                            }
                        },
                    )
                };
                split(out, &fill);
                Ok(())
            })
        };
        return ArrayD::from_shape_vec(IxDyn(shape), data.ok()?).ok();
    }
    let mut views = Vec::with_capacity(K);
    for v in &operands {
        views.push(v.broadcast(IxDyn(shape))?);
    }
    let strides: [&[isize]; K] = std::array::from_fn(|k| views[k].strides());
    let layout = Layout::of(shape, strides);
    let bases: Bases<K> = Bases(std::array::from_fn(|k| views[k].as_ptr()));
    let inner = *layout.dims.last()?;
    let step = *layout.steps.last()?;
    let fill = |start: usize, dst: &mut [f32]| {
        let mut at = 0;
        while at < dst.len() {
            let pos = start + at;
            let n = (inner - pos % inner).min(dst.len() - at);
            let off = layout.offsets(pos);
            let ptrs: [*const f32; K] = bases.get();
            // SAFETY: `off[k] + j * step[k]` for j < n is operand k's offset
            // of an output position (`Layout::offsets` of positions below
            // `len`), inside the broadcast view's memory, which is only read.
            let read =
                |k: usize, j: usize| unsafe { *ptrs[k].offset(off[k] + j as isize * step[k]) };
            for (j, d) in dst[at..at + n].iter_mut().enumerate() {
                *d = f(std::array::from_fn(|k| read(k, j)));
            }
            at += n;
        }
    };
    // SAFETY: the chunks tile the whole buffer and `fill` writes every
    // element of each (its runs cover `0..dst.len()`).
    let data = unsafe {
        try_filled_vec(len, |out| {
            split(out, &fill);
            Ok(())
        })
    };
    ArrayD::from_shape_vec(IxDyn(shape), data.ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Zip};

    fn sample(shape: &[usize], scale: f32) -> ArrayD<f32> {
        let n = shape.iter().product();
        ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| i as f32 * scale).collect())
            .expect("sample")
    }

    #[test]
    fn matches_ndarray_zip_on_broadcasts_and_strided_views() {
        let planes = sample(&[64, 32, 32], 0.5);
        let factors = sample(&[64, 1, 1], 2.0);
        let scalar = sample(&[], 1.0) + 3.0;
        let big = sample(&[4, 6, 5, 3], 1.0);
        let strided = big.slice(s![.., ..;2, ..;-1, 1..]).to_owned().into_dyn();
        let view = big.slice(s![.., ..;2, ..;-1, 1..]).into_dyn();
        let per_channel = sample(&[2], 7.0);
        let doubled = &planes * 2.0;
        let cases: [(ArrayViewD<f32>, ArrayViewD<f32>, Vec<usize>); 5] = [
            (planes.view(), doubled.view(), vec![64, 32, 32]),
            (planes.view(), factors.view(), vec![64, 32, 32]),
            (factors.view(), planes.view(), vec![64, 32, 32]),
            (planes.view(), scalar.view(), vec![64, 32, 32]),
            (view.clone(), per_channel.view(), vec![4, 3, 5, 2]),
        ];
        for (a, b, shape) in cases {
            let got =
                zip_broadcast([a.view(), b.view()], &shape, |[x, y]| x * 3.0 - y).expect("zip");
            let (ab, bb) = (
                a.broadcast(IxDyn(&shape)).unwrap(),
                b.broadcast(IxDyn(&shape)).unwrap(),
            );
            let want = Zip::from(&ab).and(&bb).map_collect(|&x, &y| x * 3.0 - y);
            assert_eq!(got, want);
        }
        let mask = strided.mapv(|v| if (v as i64) % 3 == 0 { 1.0 } else { 0.0 });
        let got = zip_broadcast(
            [mask.view(), view.view(), scalar.view()],
            strided.shape(),
            |[c, x, y]| {
                if c != 0.0 {
                    x
                } else {
                    y
                }
            },
        )
        .expect("where");
        let want = Zip::from(&mask)
            .and(&view)
            .map_collect(|&c, &x| if c != 0.0 { x } else { 3.0 });
        assert_eq!(got, want);
        assert!(zip_broadcast(
            [planes.view(), per_channel.view()],
            &[64, 32, 32],
            |[x, _]| x
        )
        .is_none());
    }
}
