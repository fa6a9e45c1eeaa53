//! Orthogonal decompositions over the last two axes, batched over the
//! leading ones: QR (Householder), symmetric eigendecomposition (Jacobi) and
//! SVD (one-sided Jacobi), in f64 (`la_kernels.rs`), with JAX's backward
//! rules. Each packs its results into one tensor (see `decompositions.rs`),
//! which `pykeras/ops/linalg.py` slices apart:
//!
//! - `qr_packed`: Q's rows, then R's, each padded to the wider of the two.
//! - `eigh_packed`: (..., n + 1, n), the eigenvalues (ascending), then the
//!   eigenvectors as columns.
//! - `svd_packed`: U's rows, the singular values (descending) as one row,
//!   then V^T's rows; with `compute_uv=False` just the singular values.
//!
//! Eigen- and singular vectors have their largest entry positive (LAPACK
//! leaves the sign arbitrary; this one stays put under small changes of the
//! input, so gradients are those of a smooth function).

use super::decompositions::jacobi;
use super::decompositions::la::{self, Mat};
use super::decompositions::{
    assemble, assemble_value, backward_via_f64, checked, f64_native, matrix_spec, pack,
    square_spec, unpack, Mats,
};
use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, fmt_dims, DType, TensorSpec};
use super::{Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{Error, Result};
use crate::tensor::{Value, ValueView};
use ndarray::ArrayViewD;
use std::sync::Arc;

/// Both matrix sizes, which the packed layouts need before run time.
fn known_sizes(op: &str, s: &TensorSpec) -> Result<(Vec<Option<usize>>, usize, usize)> {
    let (lead, m, n) = matrix_spec(op, "an input", s)?;
    match (m, n) {
        (Some(m), Some(n)) => Ok((lead, m, n)),
        _ => Err(Error::shape(
            op,
            "an input whose last two sizes are known before run time",
            format!("an input of shape {}", fmt_dims(&s.shape)),
        )),
    }
}

fn with_tail(mut lead: Vec<Option<usize>>, tail: &[usize]) -> TensorSpec {
    lead.extend(tail.iter().map(|&d| Some(d)));
    TensorSpec::new(lead, DType::F32)
}

/// `X R^-T` for upper triangular R.
fn times_inv_rt(x: &Mat, r: &Mat) -> Mat {
    la::solve_triangular(r, &x.t(), false, false).t()
}

/// The reduced QR's backward rule for m >= n (Walter & Lehmann; JAX's):
/// M = R R̄^T - Q̄^T Q, dA = (Q̄ + Q copyltu(M)) R^-T.
fn thin_qr_vjp(q: &Mat, r: &Mat, gq: &Mat, gr: &Mat) -> Mat {
    let m = r.mm(&gr.t()).sub(&gq.t().mm(q));
    let low = m.masked(|i, j| j < i);
    let copyltu = low.add(&low.t()).add(&m.masked(|i, j| i == j));
    times_inv_rt(&gq.add(&q.mm(&copyltu)), r)
}

#[derive(Debug)]
pub struct QrPacked {
    complete: bool,
}

impl QrPacked {
    /// (Q's columns, R's rows, packed width) for an (m, n) input.
    fn layout(&self, m: usize, n: usize) -> (usize, usize, usize) {
        let k = if self.complete { m } else { m.min(n) };
        (k, k, k.max(n))
    }
}

impl Primitive for QrPacked {
    fn name(&self) -> &'static str {
        "qr_packed"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("qr_packed", inputs, 1)?;
        let (lead, m, n) = known_sizes("qr_packed", &inputs[0])?;
        let (_, k, w) = self.layout(m, n);
        Ok(with_tail(lead, &[m + k, w]))
    }

    fn forward(&self, inputs: &[ValueView], _: &Context) -> Result<Value> {
        checked(self, inputs)?;
        let a = Mats::read("qr_packed", &inputs[0])?;
        let (m, n) = (a.rows, a.cols);
        let (_, k, w) = self.layout(m, n);
        let out: Vec<Mat> = (0..a.count())
            .map(|i| {
                let (q, r) = la::qr(&a.get(i), self.complete);
                pack(&[&q, &r], w)
            })
            .collect();
        assemble_value("qr_packed", &a.lead, &[m + k, w], &out, a.wide)
    }

    f64_native!();

    /// JAX's rule; for a wide input (m < n), A = Q [R1 R2] splits into the
    /// square QR of A1 and R2 = Q^T A2. Complete mode with m > n has no
    /// rule here (JAX's needs a solve against Q's top block; not done).
    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _: &Context,
        _: &[bool],
    ) -> Result<InputGrads64> {
        checked(self, inputs)?;
        let a = Mats::read("qr_packed", &inputs[0])?;
        let g = Mats::of64("qr_packed", &grad)?;
        let (m, n) = (a.rows, a.cols);
        if self.complete && m > n {
            return Err(Error::argument(
                "qr_packed",
                format!("the gradient of mode='complete' is defined here for M <= N only. Received: a matrix of {m} rows and {n} columns; use mode='reduced'"),
            ));
        }
        let (qc, k, _) = self.layout(m, n);
        let mut out = Vec::with_capacity(a.count());
        for i in 0..a.count() {
            let x = a.get(i);
            let (q, r) = la::qr(&x, self.complete);
            let parts = unpack(&g.get(i), &[(m, qc), (k, n)]);
            let (gq, gr) = (&parts[0], &parts[1]);
            if m >= n {
                out.push(thin_qr_vjp(&q, &r, gq, gr));
                continue;
            }
            let (x2, r1) = (x.block(0, m, m, n), r.block(0, m, 0, m));
            let (gr1, gr2) = (gr.block(0, m, 0, m), gr.block(0, m, m, n));
            let gx1 = thin_qr_vjp(&q, &r1, &gq.add(&x2.mm(&gr2.t())), &gr1);
            let gx2 = q.mm(&gr2);
            let mut da = Mat::zeros(m, n);
            for row in 0..m {
                for c in 0..n {
                    da.set(
                        row,
                        c,
                        if c < m {
                            gx1.at(row, c)
                        } else {
                            gx2.at(row, c - m)
                        },
                    );
                }
            }
            out.push(da);
        }
        Ok(vec![Some(assemble("qr_packed", &a.lead, &[m, n], &out)?)])
    }
}

#[derive(Debug)]
pub struct EighPacked;

impl Primitive for EighPacked {
    fn name(&self) -> &'static str {
        "eigh_packed"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("eigh_packed", inputs, 1)?;
        let (mut lead, n) = square_spec("eigh_packed", "an input", &inputs[0])?;
        lead.extend([n.map(|n| n + 1), n]);
        Ok(TensorSpec::new(lead, DType::F32))
    }

    fn forward(&self, inputs: &[ValueView], _: &Context) -> Result<Value> {
        checked(self, inputs)?;
        let a = Mats::read("eigh_packed", &inputs[0])?;
        let n = a.rows;
        let out: Vec<Mat> = (0..a.count())
            .map(|i| {
                let (w, v) = jacobi::eigh(&a.get(i));
                pack(
                    &[
                        &Mat {
                            rows: 1,
                            cols: n,
                            data: w,
                        },
                        &v,
                    ],
                    n,
                )
            })
            .collect();
        assemble_value("eigh_packed", &a.lead, &[n + 1, n], &out, a.wide)
    }

    f64_native!();

    /// JAX's rule, through the symmetrisation of the input:
    /// dA = sym(V (diag(w̄) + F ∘ (V^T V̄)) V^T), F_ij = 1 / (w_j - w_i).
    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _: &Context,
        _: &[bool],
    ) -> Result<InputGrads64> {
        checked(self, inputs)?;
        let a = Mats::read("eigh_packed", &inputs[0])?;
        let g = Mats::of64("eigh_packed", &grad)?;
        let n = a.rows;
        let out: Vec<Mat> = (0..a.count())
            .map(|i| {
                let (w, v) = jacobi::eigh(&a.get(i));
                let parts = unpack(&g.get(i), &[(1, n), (n, n)]);
                let mut inner = v.t().mm(&parts[1]);
                for r in 0..n {
                    for c in 0..n {
                        let x = if r == c {
                            parts[0].at(0, r)
                        } else {
                            inner.at(r, c) / (w[c] - w[r])
                        };
                        inner.set(r, c, x);
                    }
                }
                v.mm(&inner).mm(&v.t()).sym()
            })
            .collect();
        Ok(vec![Some(assemble("eigh_packed", &a.lead, &[n, n], &out)?)])
    }
}

#[derive(Debug)]
pub struct SvdPacked {
    full_matrices: bool,
    compute_uv: bool,
}

impl SvdPacked {
    /// (U's columns, V^T's rows, packed rows, packed width) for (m, n).
    fn layout(&self, m: usize, n: usize) -> (usize, usize, usize, usize) {
        let k = m.min(n);
        let (uc, vr) = if self.full_matrices { (m, n) } else { (k, k) };
        (uc, vr, m + 1 + vr, uc.max(n))
    }
}

impl Primitive for SvdPacked {
    fn name(&self) -> &'static str {
        "svd_packed"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("svd_packed", inputs, 1)?;
        if !self.compute_uv {
            let (mut lead, m, n) = matrix_spec("svd_packed", "an input", &inputs[0])?;
            let k = match (m, n) {
                (Some(m), Some(n)) => Some(m.min(n)),
                (Some(0), None) | (None, Some(0)) => Some(0),
                _ => None,
            };
            lead.push(k);
            return Ok(TensorSpec::new(lead, DType::F32));
        }
        let (lead, m, n) = known_sizes("svd_packed", &inputs[0])?;
        let (_, _, rows, w) = self.layout(m, n);
        Ok(with_tail(lead, &[rows, w]))
    }

    fn forward(&self, inputs: &[ValueView], _: &Context) -> Result<Value> {
        checked(self, inputs)?;
        let a = Mats::read("svd_packed", &inputs[0])?;
        let (m, n) = (a.rows, a.cols);
        let k = m.min(n);
        let (_, _, rows, w) = self.layout(m, n);
        let full = self.full_matrices && self.compute_uv;
        let out: Vec<Mat> = (0..a.count())
            .map(|i| {
                let d = jacobi::svd(&a.get(i), full);
                let s = Mat {
                    rows: 1,
                    cols: k,
                    data: d.s,
                };
                if self.compute_uv {
                    pack(&[&d.u, &s, &d.v.t()], w)
                } else {
                    s
                }
            })
            .collect();
        let tail: Vec<usize> = if self.compute_uv {
            vec![rows, w]
        } else {
            vec![k]
        };
        assemble_value("svd_packed", &a.lead, &tail, &out, a.wide)
    }

    f64_native!();

    /// JAX's rule (Townsend's form), from the reduced decomposition; as in
    /// JAX there is none for full U, V of a non-square input.
    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _: &Context,
        _: &[bool],
    ) -> Result<InputGrads64> {
        checked(self, inputs)?;
        let a = Mats::read("svd_packed", &inputs[0])?;
        let (m, n) = (a.rows, a.cols);
        let k = m.min(n);
        if self.compute_uv && self.full_matrices && m != n {
            return Err(Error::argument(
                "svd_packed",
                format!("the gradient of full_matrices=True is defined for square matrices only (as in JAX). Received: a matrix of {m} rows and {n} columns; use full_matrices=False"),
            ));
        }
        let gflat: Vec<f64> = grad.iter().copied().collect();
        let per = gflat.len().checked_div(a.count()).unwrap_or(0);
        let (_, _, rows, w) = self.layout(m, n);
        let mut out = Vec::with_capacity(a.count());
        for i in 0..a.count() {
            let d = jacobi::svd(&a.get(i), false);
            let chunk = &gflat[i * per..(i + 1) * per];
            if !self.compute_uv {
                let mut inner = Mat::zeros(k, k);
                for (j, &g) in chunk.iter().enumerate().take(k) {
                    inner.set(j, j, g);
                }
                out.push(d.u.mm(&inner).mm(&d.v.t()));
                continue;
            }
            let chunk = Mat {
                rows,
                cols: w,
                data: chunk.to_vec(),
            };
            let parts = unpack(&chunk, &[(m, k), (1, k), (k, n)]);
            let (gu, gs, gv) = (&parts[0], &parts[1], parts[2].t());
            let s = &d.s;
            let f = |r: usize, c: usize| {
                if r == c {
                    0.0
                } else {
                    1.0 / (s[c] * s[c] - s[r] * s[r])
                }
            };
            let ut_gu = d.u.t().mm(gu);
            let vt_gv = d.v.t().mm(&gv);
            let mut inner = Mat::zeros(k, k);
            for r in 0..k {
                for c in 0..k {
                    let j = f(r, c) * (ut_gu.at(r, c) - ut_gu.at(c, r)) * s[c];
                    let kk = s[r] * f(r, c) * (vt_gv.at(r, c) - vt_gv.at(c, r));
                    let diag = if r == c { gs.at(0, r) } else { 0.0 };
                    inner.set(r, c, j + kk + diag);
                }
            }
            let mut da = d.u.mm(&inner).mm(&d.v.t());
            let s_inv = Mat {
                rows: k,
                cols: k,
                data: (0..k * k)
                    .map(|t| if t / k == t % k { 1.0 / s[t / k] } else { 0.0 })
                    .collect(),
            };
            if m > k {
                let proj = gu.sub(&d.u.mm(&ut_gu));
                da = da.add(&proj.mm(&s_inv).mm(&d.v.t()));
            }
            if n > k {
                let proj = gv.sub(&d.v.mm(&vt_gv));
                da = da.add(&d.u.mm(&s_inv).mm(&proj.t()));
            }
            out.push(da);
        }
        Ok(vec![Some(assemble("svd_packed", &a.lead, &[m, n], &out)?)])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "qr_packed",
        doc: "Householder QR: Q's rows then R's, packed (mode 'reduced' or 'complete')",
        inputs: &["x"],
        attrs: &[("mode", Lit::Str("reduced"))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| {
            let complete = match a.string(n, "mode", "reduced")?.as_str() {
                "reduced" => false,
                "complete" => true,
                other => {
                    return Err(Error::argument(
                        n,
                        format!("mode must be 'reduced' or 'complete'. Received: mode='{other}'"),
                    ))
                }
            };
            Ok(Arc::new(QrPacked { complete }))
        },
        example: (&[], &[Sample::F32(&[2, 3, 2])]),
    },
    OpInfo::plain(
        "eigh_packed",
        "(..., M + 1, M): eigenvalues then eigenvectors of the symmetric part",
        &["x"],
        true,
        |_, _| Ok(Arc::new(EighPacked)),
        &[Sample::F32(&[2, 3, 3])],
    ),
    OpInfo {
        name: "svd_packed",
        doc:
            "SVD: U's rows, the singular values, V^T's rows, packed (or the singular values alone)",
        inputs: &["x"],
        attrs: &[
            ("full_matrices", Lit::Bool(true)),
            ("compute_uv", Lit::Bool(true)),
        ],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| {
            Ok(Arc::new(SvdPacked {
                full_matrices: a.bool(n, "full_matrices", true)?,
                compute_uv: a.bool(n, "compute_uv", true)?,
            }))
        },
        example: (
            &[("full_matrices", Lit::Bool(false))],
            &[Sample::F32(&[2, 3, 2])],
        ),
    },
];
