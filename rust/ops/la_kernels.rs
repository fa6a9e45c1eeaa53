//! Dense linear algebra on small matrices, in f64: LU with partial pivoting,
//! triangular solves, Cholesky and Householder QR (the Jacobi methods are in
//! `la_jacobi.rs`). The ops of `decompositions.rs` and `orthogonal.rs` run
//! these per matrix of a batch and give the result in the input's float
//! type (float32 rounded once, so it is as accurate as the input allows;
//! float64 as computed). Nothing here panics: sizes are the caller's
//! (checked by the ops), indices stay inside them by construction.

/// A row-major dense matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Mat {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Mat {
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    pub fn eye(n: usize) -> Self {
        let mut m = Self::zeros(n, n);
        for i in 0..n {
            m.data[i * n + i] = 1.0;
        }
        m
    }

    #[inline]
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    #[inline]
    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        self.data[i * self.cols + j] = v;
    }

    pub fn t(&self) -> Self {
        let mut out = Self::zeros(self.cols, self.rows);
        for i in 0..self.rows {
            for j in 0..self.cols {
                out.data[j * self.rows + i] = self.at(i, j);
            }
        }
        out
    }

    /// `self @ other`; the caller keeps the inner sizes equal.
    pub fn mm(&self, other: &Mat) -> Mat {
        let mut out = Mat::zeros(self.rows, other.cols);
        let k = self.cols.min(other.rows);
        for i in 0..self.rows {
            for p in 0..k {
                let a = self.at(i, p);
                if a == 0.0 {
                    continue;
                }
                let row = &other.data[p * other.cols..(p + 1) * other.cols];
                let dst = &mut out.data[i * other.cols..(i + 1) * other.cols];
                for (d, &b) in dst.iter_mut().zip(row) {
                    *d += a * b;
                }
            }
        }
        out
    }

    pub fn add(&self, other: &Mat) -> Mat {
        self.zip(other, |a, b| a + b)
    }

    pub fn sub(&self, other: &Mat) -> Mat {
        self.zip(other, |a, b| a - b)
    }

    pub fn zip(&self, other: &Mat, f: impl Fn(f64, f64) -> f64) -> Mat {
        Mat {
            rows: self.rows,
            cols: self.cols,
            data: self
                .data
                .iter()
                .zip(&other.data)
                .map(|(&a, &b)| f(a, b))
                .collect(),
        }
    }

    pub fn map(&self, f: impl Fn(f64) -> f64) -> Mat {
        Mat {
            rows: self.rows,
            cols: self.cols,
            data: self.data.iter().map(|&a| f(a)).collect(),
        }
    }

    /// Keeps the entries where `keep(i, j)`, zeroes the others.
    pub fn masked(&self, keep: impl Fn(usize, usize) -> bool) -> Mat {
        let mut out = self.clone();
        for i in 0..self.rows {
            for j in 0..self.cols {
                if !keep(i, j) {
                    out.data[i * self.cols + j] = 0.0;
                }
            }
        }
        out
    }

    /// The block of rows `r0..r1` and columns `c0..c1`.
    pub fn block(&self, r0: usize, r1: usize, c0: usize, c1: usize) -> Mat {
        let mut out = Mat::zeros(r1 - r0, c1 - c0);
        for i in r0..r1 {
            for j in c0..c1 {
                out.set(i - r0, j - c0, self.at(i, j));
            }
        }
        out
    }

    /// `(self + self^T) / 2`, for square matrices.
    pub fn sym(&self) -> Mat {
        self.add(&self.t()).map(|v| 0.5 * v)
    }

    pub fn nan(rows: usize, cols: usize) -> Mat {
        Mat {
            rows,
            cols,
            data: vec![f64::NAN; rows * cols],
        }
    }
}

/// An LU factorisation `P A = L U` with partial pivoting, as LAPACK's getrf:
/// `lu` holds U on and above the diagonal and L's multipliers below it,
/// `pivots[i]` is the row swapped with row i at step i, `perm[i]` the
/// original row that ends in row i.
#[derive(Debug, Clone)]
pub struct Lu {
    pub lu: Mat,
    pub pivots: Vec<usize>,
    pub perm: Vec<usize>,
    /// The permutation's sign (+1 or -1).
    pub sign: f64,
}

/// LU with partial pivoting of an (m, n) matrix, over min(m, n) steps. A
/// zero pivot (singular input) leaves its column as it is, as getrf does;
/// solves then divide by zero and give inf or NaN, as LAPACK-backed JAX does.
pub fn lu(a: &Mat) -> Lu {
    let (m, n) = (a.rows, a.cols);
    let mut lu = a.clone();
    let mut pivots = Vec::with_capacity(m.min(n));
    let mut perm: Vec<usize> = (0..m).collect();
    let mut sign = 1.0;
    for k in 0..m.min(n) {
        let mut p = k;
        let mut best = lu.at(k, k).abs();
        for i in k + 1..m {
            let v = lu.at(i, k).abs();
            // NaN never wins, so a NaN input keeps its row and spreads NaN.
            if v > best {
                best = v;
                p = i;
            }
        }
        pivots.push(p);
        if p != k {
            for j in 0..n {
                lu.data.swap(k * n + j, p * n + j);
            }
            perm.swap(k, p);
            sign = -sign;
        }
        let pivot = lu.at(k, k);
        if pivot == 0.0 {
            continue;
        }
        for i in k + 1..m {
            let f = lu.at(i, k) / pivot;
            lu.set(i, k, f);
            if f != 0.0 {
                for j in k + 1..n {
                    let v = lu.at(i, j) - f * lu.at(k, j);
                    lu.set(i, j, v);
                }
            }
        }
    }
    Lu {
        lu,
        pivots,
        perm,
        sign,
    }
}

/// Solves, determinants and inverses read square factorisations only.
impl Lu {
    /// Solves `A X = B`.
    pub fn solve(&self, b: &Mat) -> Mat {
        let n = self.lu.rows;
        let mut x = Mat::zeros(n, b.cols);
        for (i, &p) in self.perm.iter().enumerate() {
            for j in 0..b.cols {
                x.set(i, j, b.at(p, j));
            }
        }
        let x = solve_triangular(&self.lu, &x, true, true);
        solve_triangular(&self.lu, &x, false, false)
    }

    /// `(sign, log|det|)`: `(0, -inf)` for a singular matrix.
    pub fn slogdet(&self) -> (f64, f64) {
        let mut sign = self.sign;
        let mut log = 0.0;
        for i in 0..self.lu.rows {
            let d = self.lu.at(i, i);
            if d == 0.0 {
                return (0.0, f64::NEG_INFINITY);
            }
            if d < 0.0 {
                sign = -sign;
            }
            log += d.abs().ln();
        }
        (sign, log)
    }

    pub fn inverse(&self) -> Mat {
        self.solve(&Mat::eye(self.lu.rows))
    }
}

/// Solves `T X = B` for the triangle of `t` (lower or upper, the other
/// triangle ignored); `unit`: the diagonal is taken as ones.
pub fn solve_triangular(t: &Mat, b: &Mat, lower: bool, unit: bool) -> Mat {
    let n = t.rows;
    let mut x = b.clone();
    let order: Vec<usize> = if lower {
        (0..n).collect()
    } else {
        (0..n).rev().collect()
    };
    for &i in &order {
        for j in 0..b.cols {
            let mut s = x.at(i, j);
            let range: Box<dyn Iterator<Item = usize>> = if lower {
                Box::new(0..i)
            } else {
                Box::new(i + 1..n)
            };
            for k in range {
                s -= t.at(i, k) * x.at(k, j);
            }
            x.set(i, j, if unit { s } else { s / t.at(i, i) });
        }
    }
    x
}

/// The lower Cholesky factor of the symmetric part of `a`, or None if that
/// is not positive definite.
pub fn cholesky(a: &Mat) -> Option<Mat> {
    let n = a.rows;
    let s = a.sym();
    let mut l = Mat::zeros(n, n);
    for j in 0..n {
        let mut d = s.at(j, j);
        for k in 0..j {
            d -= l.at(j, k) * l.at(j, k);
        }
        // NaN fails this test too.
        if d.is_nan() || d <= 0.0 {
            return None;
        }
        let d = d.sqrt();
        l.set(j, j, d);
        for i in j + 1..n {
            let mut v = s.at(i, j);
            for k in 0..j {
                v -= l.at(i, k) * l.at(j, k);
            }
            l.set(i, j, v / d);
        }
    }
    Some(l)
}

/// Householder QR, LAPACK's conventions (geqrf + orgqr): `R`'s diagonal is
/// `-sign(x0) |x|` for each reflected column, and a column with nothing
/// below the diagonal is not reflected. Returns `(Q, R)` with Q of shape
/// (m, m) when `complete`, else (m, k), and R (m, n) or (k, n), k = min(m, n).
pub fn qr(a: &Mat, complete: bool) -> (Mat, Mat) {
    let (m, n) = (a.rows, a.cols);
    let k = m.min(n);
    let mut r = a.clone();
    // Reflectors as (v, tau): H = I - tau v v^T, v[0] = 1 (stored from row j).
    let mut reflectors: Vec<(usize, Vec<f64>, f64)> = Vec::new();
    for j in 0..k {
        let tail: f64 = (j + 1..m).map(|i| r.at(i, j).powi(2)).sum::<f64>();
        if tail == 0.0 {
            continue;
        }
        let alpha = r.at(j, j);
        let norm = (alpha * alpha + tail).sqrt();
        let beta = if alpha >= 0.0 { -norm } else { norm };
        let tau = (beta - alpha) / beta;
        let scale = 1.0 / (alpha - beta);
        let mut v = vec![1.0];
        v.extend((j + 1..m).map(|i| r.at(i, j) * scale));
        apply_reflector(&mut r, j, &v, tau, 0);
        reflectors.push((j, v, tau));
    }
    let q_cols = if complete { m } else { k };
    let mut q = Mat::zeros(m, q_cols);
    for i in 0..q_cols.min(m) {
        q.set(i, i, 1.0);
    }
    for (j, v, tau) in reflectors.iter().rev() {
        apply_reflector(&mut q, *j, v, *tau, 0);
    }
    let r_rows = if complete { m } else { k };
    let mut r_out = Mat::zeros(r_rows, n);
    for i in 0..r_rows {
        for c in i..n {
            r_out.set(i, c, r.at(i, c));
        }
    }
    (q, r_out)
}

/// `M[j.., c0..] = (I - tau v v^T) M[j.., c0..]`.
fn apply_reflector(mat: &mut Mat, j: usize, v: &[f64], tau: f64, c0: usize) {
    for c in c0..mat.cols {
        let dot: f64 = v
            .iter()
            .enumerate()
            .map(|(t, &vi)| vi * mat.at(j + t, c))
            .sum();
        let f = tau * dot;
        if f != 0.0 {
            for (t, &vi) in v.iter().enumerate() {
                let x = mat.at(j + t, c) - f * vi;
                mat.set(j + t, c, x);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample(rows: usize, cols: usize, seed: u64) -> Mat {
        let mut state = seed;
        let data = (0..rows * cols)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect();
        Mat { rows, cols, data }
    }

    pub(crate) fn close(a: &Mat, b: &Mat, tol: f64) -> bool {
        a.rows == b.rows
            && a.cols == b.cols
            && a.data
                .iter()
                .zip(&b.data)
                .all(|(x, y)| (x - y).abs() <= tol)
    }

    #[test]
    fn lu_solves_and_inverts() {
        let a = sample(4, 4, 1);
        let f = lu(&a);
        assert!(close(&a.mm(&f.inverse()), &Mat::eye(4), 1e-10));
    }

    #[test]
    fn qr_reconstructs_in_every_shape() {
        for (m, n) in [(4, 2), (2, 4), (3, 3), (1, 3), (3, 1)] {
            let a = sample(m, n, 2);
            for complete in [false, true] {
                let (q, r) = qr(&a, complete);
                assert!(close(&q.mm(&r), &a, 1e-10), "{m}x{n}");
                assert!(close(&q.t().mm(&q), &Mat::eye(q.cols), 1e-10));
            }
        }
    }

    #[test]
    fn cholesky_refuses_indefinite() {
        let a = sample(3, 3, 7);
        let spd = a.mm(&a.t()).add(&Mat::eye(3));
        let l = cholesky(&spd).expect("positive definite");
        assert!(close(&l.mm(&l.t()), &spd, 1e-10));
        assert!(cholesky(&Mat::eye(2).map(|v| -v)).is_none());
    }
}
