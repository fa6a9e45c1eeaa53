//! Scaled dot-product attention in float64 (a child of `attention`): the
//! same result and gradients as the float32 kernel, per (batch, head)
//! block on plain serial ndarray products with an exact exp and JAX's
//! float64 mask constant (`-0.7 * f64::MAX`). The float32 kernel is
//! untouched.

use super::{check_specs, OP};
use crate::error::{fmt_shape, Error, Result};
use crate::ops::spec::{DType, TensorSpec};
use crate::tensor::ValueView;
use ndarray::{s, Array2, Array4, ArrayD, ArrayView2, ArrayView4, ArrayViewD, Ix4};

const LARGE_NEGATIVE: f64 = -0.7 * f64::MAX;

/// The float64 query, key, value and mask.
pub(super) struct Inputs64<'a> {
    q: ArrayView4<'a, f64>,
    k: ArrayView4<'a, f64>,
    v: ArrayView4<'a, f64>,
    mask: Option<ArrayView4<'a, f64>>,
}

fn as4<'a>(a: ArrayViewD<'a, f64>) -> Result<ArrayView4<'a, f64>> {
    a.into_dimensionality::<Ix4>()
        .map_err(|e| Error::graph(e.to_string()))
}

/// Reads the inputs, checked by the float32 op's own rule (on their
/// shapes; the rule states float32).
pub(super) fn read64<'a>(inputs: &[ValueView<'a>]) -> Result<Inputs64<'a>> {
    let specs: Vec<TensorSpec> = inputs
        .iter()
        .map(|v| TensorSpec::of_view(v).with_dtype(DType::F32))
        .collect();
    check_specs(&specs)?;
    let views: Vec<ArrayViewD<f64>> = inputs.iter().map(|v| v.f64(OP)).collect::<Result<_>>()?;
    Ok(Inputs64 {
        q: as4(views[0].clone())?,
        k: as4(views[1].clone())?,
        v: as4(views[2].clone())?,
        mask: views.get(3).cloned().map(as4).transpose()?,
    })
}

/// How one op call scales and masks its logits.
#[derive(Clone, Copy)]
pub(super) struct Scaling {
    pub scale: f64,
    pub is_causal: bool,
}

impl Scaling {
    fn kept(&self, mask: &Option<ArrayView2<f64>>, i: usize, j: usize) -> bool {
        (!self.is_causal || j <= i) && mask.as_ref().is_none_or(|m| m[[i, j]] != 0.0)
    }

    /// softmax(q kᵀ · scale, masked) of one block, (T, S).
    fn probabilities(
        &self,
        q: ArrayView2<f64>,
        k: ArrayView2<f64>,
        mask: &Option<ArrayView2<f64>>,
    ) -> Array2<f64> {
        let mut p = q.dot(&k.t());
        for (i, mut row) in p.rows_mut().into_iter().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if self.kept(mask, i, j) {
                    *v * self.scale
                } else {
                    LARGE_NEGATIVE
                };
            }
            let max = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            let shift = if max.is_finite() { max } else { 0.0 };
            row.mapv_inplace(|v| (v - shift).exp());
            let sum: f64 = row.iter().sum();
            row.mapv_inplace(|v| v / sum);
        }
        p
    }
}

/// The (T, S) mask of block (b, h), or None.
fn mask_block<'a>(
    mask: &Option<ArrayView4<'a, f64>>,
    b: usize,
    h: usize,
) -> Option<ArrayView2<'a, f64>> {
    mask.as_ref().map(|m| {
        let mb = if m.shape()[0] == 1 { 0 } else { b };
        let mh = if m.shape()[1] == 1 { 0 } else { h };
        (*m).slice_move(s![mb, mh, .., ..])
    })
}

pub(super) fn forward(x: &Inputs64, sc: Scaling) -> ArrayD<f64> {
    let (batch, t, heads, _) = x.q.dim();
    let hv = x.v.shape()[3];
    let mut out = Array4::<f64>::zeros((batch, t, heads, hv));
    for b in 0..batch {
        for h in 0..heads {
            let m = mask_block(&x.mask, b, h);
            let p = sc.probabilities(
                x.q.slice(s![b, .., h, ..]),
                x.k.slice(s![b, .., h, ..]),
                &m,
            );
            out.slice_mut(s![b, .., h, ..])
                .assign(&p.dot(&x.v.slice(s![b, .., h, ..])));
        }
    }
    out.into_dyn()
}

/// (dq, dk, dv); the probabilities are recomputed from q and k.
pub(super) fn backward(
    x: &Inputs64,
    sc: Scaling,
    grad: ArrayViewD<f64>,
) -> Result<[ArrayD<f64>; 3]> {
    let (batch, t, heads, _) = x.q.dim();
    let shape = [batch, t, heads, x.v.shape()[3]];
    let got = fmt_shape(grad.shape());
    let go = grad
        .into_dimensionality::<Ix4>()
        .ok()
        .filter(|a| a.shape() == shape)
        .ok_or_else(|| {
            Error::shape(
                OP,
                format!("an output gradient of shape {}", fmt_shape(&shape)),
                format!("one of shape {got}"),
            )
        })?;
    let mut dq = Array4::<f64>::zeros(x.q.raw_dim());
    let mut dk = Array4::<f64>::zeros(x.k.raw_dim());
    let mut dv = Array4::<f64>::zeros(x.v.raw_dim());
    for b in 0..batch {
        for h in 0..heads {
            let (qb, kb, vb) = (
                x.q.slice(s![b, .., h, ..]),
                x.k.slice(s![b, .., h, ..]),
                x.v.slice(s![b, .., h, ..]),
            );
            let m = mask_block(&x.mask, b, h);
            let p = sc.probabilities(qb, kb, &m);
            let gb = go.slice(s![b, .., h, ..]);
            dv.slice_mut(s![b, .., h, ..]).assign(&p.t().dot(&gb));
            let mut dp = gb.dot(&vb.t());
            // d logits = p * (dp - sum(dp * p)) * scale, zero where masked
            // (the constant there takes no gradient).
            for (i, (prow, mut drow)) in p.rows().into_iter().zip(dp.rows_mut()).enumerate() {
                let dot: f64 = prow.iter().zip(drow.iter()).map(|(a, b)| a * b).sum();
                for (j, (pv, dv)) in prow.iter().zip(drow.iter_mut()).enumerate() {
                    *dv = if sc.kept(&m, i, j) {
                        pv * (*dv - dot) * sc.scale
                    } else {
                        0.0
                    };
                }
            }
            dq.slice_mut(s![b, .., h, ..]).assign(&dp.dot(&kb));
            dk.slice_mut(s![b, .., h, ..]).assign(&dp.t().dot(&qb));
        }
    }
    Ok([dq.into_dyn(), dk.into_dyn(), dv.into_dyn()])
}
