//! Square-matrix linear algebra over the last two axes, batched over the
//! leading ones: inv, solve, solve_triangular, cholesky, the sign and log
//! of the determinant, and LU. Each matrix is factored in f64
//! (`la_kernels.rs`); float32 input gets its result rounded to float32
//! once, float64 input (`Float64::Computed`) the float64 result. Each
//! backward rule is written once, on f64 (`backward_f64`; the float32 rule
//! is it rounded once). Backward rules are JAX's.
//!
//! An op has one output, so ops with several results pack them into one
//! tensor, whose parts `pykeras/ops/linalg.py` slices apart (a gradient
//! through a slice scatters into the packed tensor, which is what the
//! backward rule reads): `slogdet_packed` gives `(..., 2)` = [sign, log|det|],
//! `lu_packed` gives `(..., n + 1, n)` = LU's rows, then the pivots.
//!
//! Singular input gives inf or NaN, never an error (as in JAX); a
//! non-positive-definite input gives a NaN Cholesky factor (the Python op
//! raises on it eagerly, as Keras does).

#[path = "la_batch.rs"]
mod batch;
#[path = "la_jacobi.rs"]
pub(super) mod jacobi;
#[path = "la_kernels.rs"]
pub(super) mod la;
pub(super) use batch::{
    assemble, assemble_value, backward_via_f64, checked, map_mats, matrix_spec, pack, square_spec,
    unpack, Mats,
};

use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, fmt_dims, DType, Dim, TensorSpec};
use super::{Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{Error, Result};
use crate::tensor::{Value, ValueView};
use la::Mat;
use ndarray::ArrayViewD;
use std::sync::Arc;

fn merge(op: &str, a: Dim, b: Dim, what: &str) -> Result<Dim> {
    match (a, b) {
        (Some(x), Some(y)) if x != y => {
            Err(Error::shape(op, what.to_string(), format!("{x} and {y}")))
        }
        _ => Ok(a.or(b)),
    }
}

/// The rule of `a X = b` ops: a (..., n, n), b (..., n, k) with the same
/// batch dims; the result is shaped like b.
fn system_spec(op: &str, inputs: &[TensorSpec]) -> Result<TensorSpec> {
    spec::expect_arity(op, inputs, 2)?;
    let (lead_a, n) = square_spec(op, "a", &inputs[0])?;
    let (lead_b, rows, cols) = matrix_spec(op, "b", &inputs[1])?;
    let mismatch = || {
        Error::shape(
            op,
            "a of shape (..., M, M) and b of shape (..., M, K) with the same batch dims",
            format!(
                "a of shape {} and b of shape {}",
                fmt_dims(&inputs[0].shape),
                fmt_dims(&inputs[1].shape)
            ),
        )
    };
    if lead_a.len() != lead_b.len() {
        return Err(mismatch());
    }
    let mut shape = Vec::with_capacity(lead_a.len() + 2);
    for (&x, &y) in lead_a.iter().zip(&lead_b) {
        shape.push(merge(op, x, y, "equal batch dims").map_err(|_| mismatch())?);
    }
    shape.push(merge(op, n, rows, "M").map_err(|_| mismatch())?);
    shape.push(cols);
    Ok(TensorSpec::new(shape, DType::F32))
}

fn two(op: &str, inputs: &[ValueView]) -> Result<(Mats, Mats)> {
    Ok((Mats::read(op, &inputs[0])?, Mats::read(op, &inputs[1])?))
}

/// The `Primitive` items of an op whose kernels run in f64 for float32
/// and float64 alike: it computes float64 (`Float64::Computed`), and its
/// float32 backward is its float64 rule rounded once (`backward_via_f64`).
macro_rules! f64_native {
    () => {
        fn float64(&self) -> Float64 {
            Float64::Computed
        }

        fn backward(
            &self,
            inputs: &[ValueView],
            output: ArrayViewD<f32>,
            grad: ArrayViewD<f32>,
            ctx: &Context,
        ) -> Result<InputGrads> {
            backward_via_f64(self, inputs, output, grad, ctx)
        }
    };
}
pub(super) use f64_native;

#[derive(Debug)]
pub struct Inv;

impl Primitive for Inv {
    fn name(&self) -> &'static str {
        "inv"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("inv", inputs, 1)?;
        square_spec("inv", "an input", &inputs[0])?;
        Ok(inputs[0].clone())
    }

    fn forward(&self, inputs: &[ValueView], _: &Context) -> Result<Value> {
        checked(self, inputs)?;
        let n = inputs[0].shape().last().copied().unwrap_or(0);
        map_mats("inv", &inputs[0], &[n, n], |a| Ok(la::lu(&a).inverse()))
    }

    f64_native!();

    /// d(A^-1) = -A^-1 dA A^-1, so dA = -A^-T G A^-T.
    fn backward_f64(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _: &Context,
        _: &[bool],
    ) -> Result<InputGrads64> {
        checked(self, inputs)?;
        let (y, g) = (Mats::of64("inv", &output)?, Mats::of64("inv", &grad)?);
        let out: Vec<Mat> = (0..y.count())
            .map(|i| {
                let yt = y.get(i).t();
                yt.mm(&g.get(i)).mm(&yt).map(|v| -v)
            })
            .collect();
        Ok(vec![Some(assemble(
            "inv",
            &y.lead,
            &[y.rows, y.cols],
            &out,
        )?)])
    }
}

#[derive(Debug)]
pub struct Solve;

impl Primitive for Solve {
    fn name(&self) -> &'static str {
        "solve"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        system_spec("solve", inputs)
    }

    fn forward(&self, inputs: &[ValueView], _: &Context) -> Result<Value> {
        checked(self, inputs)?;
        let (a, b) = two("solve", inputs)?;
        let out: Vec<Mat> = (0..a.count())
            .map(|i| la::lu(&a.get(i)).solve(&b.get(i)))
            .collect();
        assemble_value("solve", &b.lead, &[b.rows, b.cols], &out, a.wide || b.wide)
    }

    f64_native!();

    /// X = A^-1 B: dB = A^-T G, dA = -dB X^T.
    fn backward_f64(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _: &Context,
        _: &[bool],
    ) -> Result<InputGrads64> {
        checked(self, inputs)?;
        let (a, b) = two("solve", inputs)?;
        let (x, g) = (Mats::of64("solve", &output)?, Mats::of64("solve", &grad)?);
        let (mut ga, mut gb) = (Vec::new(), Vec::new());
        for i in 0..a.count() {
            let db = la::lu(&a.get(i).t()).solve(&g.get(i));
            ga.push(db.mm(&x.get(i).t()).map(|v| -v));
            gb.push(db);
        }
        Ok(vec![
            Some(assemble("solve", &a.lead, &[a.rows, a.cols], &ga)?),
            Some(assemble("solve", &b.lead, &[b.rows, b.cols], &gb)?),
        ])
    }
}

#[derive(Debug)]
pub struct SolveTriangular {
    lower: bool,
}

impl Primitive for SolveTriangular {
    fn name(&self) -> &'static str {
        "solve_triangular"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        system_spec("solve_triangular", inputs)
    }

    fn forward(&self, inputs: &[ValueView], _: &Context) -> Result<Value> {
        checked(self, inputs)?;
        let (a, b) = two("solve_triangular", inputs)?;
        let out: Vec<Mat> = (0..a.count())
            .map(|i| la::solve_triangular(&a.get(i), &b.get(i), self.lower, false))
            .collect();
        let wide = a.wide || b.wide;
        assemble_value("solve_triangular", &b.lead, &[b.rows, b.cols], &out, wide)
    }

    f64_native!();

    /// As solve's, with A's gradient kept to the triangle the op reads.
    fn backward_f64(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _: &Context,
        _: &[bool],
    ) -> Result<InputGrads64> {
        checked(self, inputs)?;
        let op = "solve_triangular";
        let (a, b) = two(op, inputs)?;
        let (x, g) = (Mats::of64(op, &output)?, Mats::of64(op, &grad)?);
        let lower = self.lower;
        let (mut ga, mut gb) = (Vec::new(), Vec::new());
        for i in 0..a.count() {
            let db = la::solve_triangular(&a.get(i).t(), &g.get(i), !lower, false);
            let da = db.mm(&x.get(i).t()).map(|v| -v);
            ga.push(da.masked(|r, c| if lower { c <= r } else { c >= r }));
            gb.push(db);
        }
        Ok(vec![
            Some(assemble(op, &a.lead, &[a.rows, a.cols], &ga)?),
            Some(assemble(op, &b.lead, &[b.rows, b.cols], &gb)?),
        ])
    }
}

#[derive(Debug)]
pub struct Cholesky;

impl Primitive for Cholesky {
    fn name(&self) -> &'static str {
        "cholesky"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("cholesky", inputs, 1)?;
        square_spec("cholesky", "an input", &inputs[0])?;
        Ok(inputs[0].clone())
    }

    fn forward(&self, inputs: &[ValueView], _: &Context) -> Result<Value> {
        checked(self, inputs)?;
        let n = inputs[0].shape().last().copied().unwrap_or(0);
        map_mats("cholesky", &inputs[0], &[n, n], |a| {
            Ok(la::cholesky(&a).unwrap_or_else(|| Mat::nan(n, n)))
        })
    }

    f64_native!();

    /// JAX's rule (Murray 2016), through the symmetrisation of the input:
    /// dA = sym(L^-T phi(L^T G) L^-1), phi = lower triangle, diagonal halved.
    fn backward_f64(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _: &Context,
        _: &[bool],
    ) -> Result<InputGrads64> {
        checked(self, inputs)?;
        let (l, g) = (Mats::of64("cholesky", &output)?, Mats::of64("cholesky", &grad)?);
        let out: Vec<Mat> = (0..l.count())
            .map(|i| {
                let l = l.get(i);
                let g = g.get(i).masked(|r, c| c <= r);
                let p = l.t().mm(&g).masked(|r, c| c <= r);
                let p = Mat {
                    data: p
                        .data
                        .iter()
                        .enumerate()
                        .map(|(k, &v)| if k / p.cols == k % p.cols { 0.5 * v } else { v })
                        .collect(),
                    ..p
                };
                // L^-T P L^-1 = (L^-T (L^-T P)^T)^T.
                let left = la::solve_triangular(&l.t(), &p, false, false);
                let s = la::solve_triangular(&l.t(), &left.t(), false, false).t();
                s.sym()
            })
            .collect();
        Ok(vec![Some(assemble(
            "cholesky",
            &l.lead,
            &[l.rows, l.cols],
            &out,
        )?)])
    }
}

#[derive(Debug)]
pub struct Slogdet;

impl Primitive for Slogdet {
    fn name(&self) -> &'static str {
        "slogdet_packed"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("slogdet_packed", inputs, 1)?;
        let (mut lead, _) = square_spec("slogdet_packed", "an input", &inputs[0])?;
        lead.push(Some(2));
        Ok(TensorSpec::new(lead, DType::F32))
    }

    fn forward(&self, inputs: &[ValueView], _: &Context) -> Result<Value> {
        checked(self, inputs)?;
        map_mats("slogdet_packed", &inputs[0], &[2], |a| {
            let (sign, log) = la::lu(&a).slogdet();
            Ok(Mat {
                rows: 1,
                cols: 2,
                data: vec![sign, log],
            })
        })
    }

    f64_native!();

    /// d log|det A| = tr(A^-1 dA): dA = g A^-T. The sign has no gradient.
    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _: &Context,
        _: &[bool],
    ) -> Result<InputGrads64> {
        checked(self, inputs)?;
        let a = Mats::read("slogdet_packed", &inputs[0])?;
        let g: Vec<f64> = grad.iter().copied().collect();
        let out: Vec<Mat> = (0..a.count())
            .map(|i| {
                let w = g.get(2 * i + 1).copied().unwrap_or(0.0);
                la::lu(&a.get(i)).inverse().t().map(|v| w * v)
            })
            .collect();
        Ok(vec![Some(assemble(
            "slogdet_packed",
            &a.lead,
            &[a.rows, a.cols],
            &out,
        )?)])
    }
}

#[derive(Debug)]
pub struct LuPacked;

impl Primitive for LuPacked {
    fn name(&self) -> &'static str {
        "lu_packed"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("lu_packed", inputs, 1)?;
        let (mut lead, m, n) = matrix_spec("lu_packed", "an input", &inputs[0])?;
        lead.extend([m.map(|m| m + 1), n]);
        Ok(TensorSpec::new(lead, DType::F32))
    }

    fn forward(&self, inputs: &[ValueView], _: &Context) -> Result<Value> {
        checked(self, inputs)?;
        let x = &inputs[0];
        let (m, n) = match x.shape() {
            [.., m, n] => (*m, *n),
            _ => (0, 0), // refused by `checked` above
        };
        map_mats("lu_packed", x, &[m + 1, n], |a| {
            let f = la::lu(&a);
            // min(m, n) pivots in a row of n (a wide matrix has fewer
            // pivots than columns; the rest of the row is padding).
            let pivots = Mat {
                rows: 1,
                cols: n,
                data: (0..n)
                    .map(|j| f.pivots.get(j).map_or(0.0, |&p| p as f64))
                    .collect(),
            };
            Ok(pack(&[&f.lu, &pivots], n))
        })
    }

    f64_native!();

    /// JAX's rule: with M = L^-1 P dA U^-1, dLU = L tril(M, -1) + triu(M) U,
    /// so P dA gets L^-T (tril(L^T G, -1) + triu(G U^T)) U^-T.
    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _: &Context,
        _: &[bool],
    ) -> Result<InputGrads64> {
        checked(self, inputs)?;
        let a = Mats::read("lu_packed", &inputs[0])?;
        let g = Mats::of64("lu_packed", &grad)?;
        let n = a.rows;
        if a.cols != n {
            return Err(Error::argument(
                "lu_packed",
                format!("the gradient of an LU factorisation is defined here for square matrices only. Received: a matrix of {n} rows and {} columns", a.cols),
            ));
        }
        let out: Vec<Mat> = (0..a.count())
            .map(|i| {
                let f = la::lu(&a.get(i));
                let gl = g.get(i).block(0, n, 0, n);
                let l = f.lu.masked(|r, c| c < r).add(&Mat::eye(n));
                let u = f.lu.masked(|r, c| c >= r);
                let core = l
                    .t()
                    .mm(&gl)
                    .masked(|r, c| c < r)
                    .add(&gl.mm(&u.t()).masked(|r, c| c >= r));
                let left = la::solve_triangular(&l.t(), &core, false, true);
                // (L^-T core) U^-T = (U^-1 (L^-T core)^T)^T.
                let permuted = la::solve_triangular(&u, &left.t(), false, false).t();
                let mut da = Mat::zeros(n, n);
                for (row, &src) in f.perm.iter().enumerate() {
                    for c in 0..n {
                        da.set(src, c, permuted.at(row, c));
                    }
                }
                da
            })
            .collect();
        Ok(vec![Some(assemble("lu_packed", &a.lead, &[n, n], &out)?)])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo::plain(
        "inv",
        "inverse of square matrices over the last two axes",
        &["x"],
        true,
        |_, _| Ok(Arc::new(Inv)),
        &[Sample::F32(&[2, 3, 3])],
    ),
    OpInfo::plain(
        "solve",
        "x solving a @ x = b for square a (..., M, M) and b (..., M, K)",
        &["a", "b"],
        true,
        |_, _| Ok(Arc::new(Solve)),
        &[Sample::F32(&[2, 2]), Sample::F32(&[2, 3])],
    ),
    OpInfo {
        name: "solve_triangular",
        doc: "x solving a @ x = b, reading only a's lower or upper triangle",
        inputs: &["a", "b"],
        attrs: &[("lower", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| {
            Ok(Arc::new(SolveTriangular {
                lower: a.bool(n, "lower", false)?,
            }))
        },
        example: (
            &[("lower", Lit::Bool(true))],
            &[Sample::Positive(&[3, 3]), Sample::F32(&[3, 2])],
        ),
    },
    // The example's inputs are 1x1 and positive: the harness draws values at
    // random, and only those are surely positive definite.
    OpInfo::plain(
        "cholesky",
        "lower Cholesky factor of the symmetric part (NaN if not positive definite)",
        &["x"],
        true,
        |_, _| Ok(Arc::new(Cholesky)),
        &[Sample::Positive(&[3, 1, 1])],
    ),
    OpInfo::plain(
        "slogdet_packed",
        "(..., 2): sign and log|det| of square matrices",
        &["x"],
        true,
        |_, _| Ok(Arc::new(Slogdet)),
        &[Sample::F32(&[2, 3, 3])],
    ),
    OpInfo::plain(
        "lu_packed",
        "(..., M + 1, N): LU with partial pivoting, then the min(M, N) pivots (as floats)",
        &["x"],
        true,
        |_, _| Ok(Arc::new(LuPacked)),
        &[Sample::F32(&[3, 3])],
    ),
];
