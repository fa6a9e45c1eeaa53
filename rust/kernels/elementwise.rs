//! Elementwise maps over one, two or three tensors (with broadcasting),
//! split across threads above the work threshold. Each output element depends
//! on its inputs only, so splitting never changes a result.

use super::parallel::worth_splitting;
use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};

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
