//! Elementwise maps over one, two or three tensors (with broadcasting),
//! split across threads above the work threshold. Each output element depends
//! on its inputs only, so splitting never changes a result.

use super::parallel::worth_splitting;
use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};
use rayon::prelude::*;

/// `f` applied to every element of `x`.
pub fn map(x: ArrayViewD<f32>, f: impl Fn(f32) -> f32 + Sync + Send) -> ArrayD<f32> {
    if worth_splitting(x.len()) {
        Zip::from(&x).par_map_collect(|&v| f(v))
    } else {
        x.map(|&v| f(v))
    }
}

/// `f(a, b)` elementwise; `a` and `b` must broadcast to `shape`
/// (the caller checked this with `broadcast_shape`).
pub fn zip2(
    a: ArrayViewD<f32>,
    b: ArrayViewD<f32>,
    shape: &[usize],
    f: impl Fn(f32, f32) -> f32 + Sync + Send,
) -> Option<ArrayD<f32>> {
    let a = a.broadcast(IxDyn(shape))?;
    let b = b.broadcast(IxDyn(shape))?;
    let zip = Zip::from(&a).and(&b);
    Some(if worth_splitting(a.len()) {
        zip.par_map_collect(|&x, &y| f(x, y))
    } else {
        zip.map_collect(|&x, &y| f(x, y))
    })
}

/// `f(a, b, c)` elementwise over three tensors of the same shape.
pub fn zip3(
    a: ArrayViewD<f32>,
    b: ArrayViewD<f32>,
    c: ArrayViewD<f32>,
    f: impl Fn(f32, f32, f32) -> f32 + Sync + Send,
) -> Option<ArrayD<f32>> {
    if a.shape() != b.shape() || a.shape() != c.shape() {
        return None;
    }
    let zip = Zip::from(&a).and(&b).and(&c);
    Some(if worth_splitting(a.len()) {
        zip.par_map_collect(|&x, &y, &z| f(x, y, z))
    } else {
        zip.map_collect(|&x, &y, &z| f(x, y, z))
    })
}

/// `g = f(g, a, b)` elementwise, in place in `g`'s buffer; `a` and `b` must
/// have `g`'s shape. Returns `None` (and drops `g`) when they do not.
pub fn update3(
    mut g: ArrayD<f32>,
    a: ArrayViewD<f32>,
    b: ArrayViewD<f32>,
    f: impl Fn(f32, f32, f32) -> f32 + Sync + Send,
) -> Option<ArrayD<f32>> {
    if g.shape() != a.shape() || g.shape() != b.shape() {
        return None;
    }
    let split = worth_splitting(g.len());
    let zip = Zip::from(&mut g).and(&a).and(&b);
    if split {
        zip.par_for_each(|g, &x, &y| *g = f(*g, x, y));
    } else {
        zip.for_each(|g, &x, &y| *g = f(*g, x, y));
    }
    Some(g)
}

/// `x + v` for each row of the row-major matrix `x` (`v.len()` columns) into `out`.
pub fn rows_plus(x: &[f32], v: &[f32], out: &mut [f32]) {
    let cols = v.len().max(1);
    let add = |(o, r): (&mut [f32], &[f32])| {
        for ((o, &r), &b) in o.iter_mut().zip(r).zip(v) {
            *o = r + b;
        }
    };
    if worth_splitting(x.len()) {
        // Whole rows per task: each element is still one addition.
        let rows_per_task = (1 << 14) / cols + 1;
        out.par_chunks_mut(rows_per_task * cols)
            .zip(x.par_chunks(rows_per_task * cols))
            .for_each(|(o, r)| o.chunks_mut(cols).zip(r.chunks(cols)).for_each(add));
    } else {
        out.chunks_mut(cols).zip(x.chunks(cols)).for_each(add);
    }
}

/// Sums of the columns of the row-major matrix `g` with `cols` columns,
/// accumulated row after row from zero (the order `sum_axis(Axis(0))` uses).
pub fn column_sums(g: &[f32], cols: usize) -> Vec<f32> {
    let mut acc = vec![0.0f32; cols];
    if cols == 0 {
        return acc;
    }
    for row in g.chunks(cols) {
        for (a, &x) in acc.iter_mut().zip(row) {
            *a += x;
        }
    }
    acc
}
