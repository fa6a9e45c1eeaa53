//! Jacobi methods in f64: cyclic Jacobi rotations for symmetric
//! eigenproblems and one-sided (Hestenes) Jacobi for the SVD. Both are
//! accurate to the last bits on small matrices, which is what the ops here
//! see; NaN or inf input gives NaN results.

use super::la::Mat;

/// Makes each column's largest-magnitude entry positive (the first of
/// equals), so eigen- and singular vectors have one sign that small changes
/// of the input keep; returns the signs applied.
fn fix_signs(v: &mut Mat) -> Vec<f64> {
    let mut signs = vec![1.0; v.cols];
    for (c, sign) in signs.iter_mut().enumerate() {
        let mut best = 0.0f64;
        for i in 0..v.rows {
            let x = v.at(i, c);
            if x.abs() > best.abs() + 1e-12 * best.abs().max(1e-300) {
                best = x;
            }
        }
        if best < 0.0 {
            *sign = -1.0;
            for i in 0..v.rows {
                let x = v.at(i, c);
                v.set(i, c, -x);
            }
        }
    }
    signs
}

const SWEEPS: usize = 60;

/// Eigenvalues (ascending) and eigenvectors (columns) of the symmetric part
/// of `a`, by cyclic Jacobi rotations. NaN input gives NaN output.
pub fn eigh(a: &Mat) -> (Vec<f64>, Mat) {
    let n = a.rows;
    if a.data.iter().any(|v| !v.is_finite()) {
        return (vec![f64::NAN; n], Mat::nan(n, n));
    }
    let mut s = a.sym();
    let mut v = Mat::eye(n);
    for _ in 0..SWEEPS {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| s.at(i, j).powi(2))
            .sum();
        let total: f64 = s.data.iter().map(|x| x * x).sum();
        if off <= 1e-30 * total || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = s.at(p, q);
                if apq == 0.0 {
                    continue;
                }
                let theta = (s.at(q, q) - s.at(p, p)) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let sn = t * c;
                // S <- J^T S J, V <- V J, with J the rotation in (p, q).
                for k in 0..n {
                    let (skp, skq) = (s.at(k, p), s.at(k, q));
                    s.set(k, p, c * skp - sn * skq);
                    s.set(k, q, sn * skp + c * skq);
                }
                for k in 0..n {
                    let (spk, sqk) = (s.at(p, k), s.at(q, k));
                    s.set(p, k, c * spk - sn * sqk);
                    s.set(q, k, sn * spk + c * sqk);
                }
                for k in 0..n {
                    let (vkp, vkq) = (v.at(k, p), v.at(k, q));
                    v.set(k, p, c * vkp - sn * vkq);
                    v.set(k, q, sn * vkp + c * vkq);
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| s.at(i, i).total_cmp(&s.at(j, j)));
    let w = order.iter().map(|&i| s.at(i, i)).collect();
    let mut sorted = Mat::zeros(n, n);
    for (c, &src) in order.iter().enumerate() {
        for r in 0..n {
            sorted.set(r, c, v.at(r, src));
        }
    }
    fix_signs(&mut sorted);
    (w, sorted)
}

/// A singular value decomposition `A = U diag(s) V^T`: s descending, U of
/// shape (m, m) when `full` else (m, k), V (n, n) or (n, k).
#[derive(Debug, Clone)]
pub struct Svd {
    pub u: Mat,
    pub s: Vec<f64>,
    pub v: Mat,
}

/// SVD by one-sided Jacobi (Hestenes) on the columns of `a` (of `a^T` when
/// it is wide). Columns for zero singular values, and the extra columns of
/// full matrices, complete the orthonormal bases.
pub fn svd(a: &Mat, full: bool) -> Svd {
    let (m, n) = (a.rows, a.cols);
    if a.data.iter().any(|v| !v.is_finite()) {
        let k = m.min(n);
        let (uc, vc) = if full { (m, n) } else { (k, k) };
        return Svd {
            u: Mat::nan(m, uc),
            s: vec![f64::NAN; k],
            v: Mat::nan(n, vc),
        };
    }
    if m < n {
        let t = svd(&a.t(), full);
        return Svd {
            u: t.v,
            s: t.s,
            v: t.u,
        };
    }
    // Tall or square: rotate columns of W = A until they are orthogonal.
    let mut w = a.clone();
    let mut v = Mat::eye(n);
    for _ in 0..SWEEPS {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
                for i in 0..m {
                    let (x, y) = (w.at(i, p), w.at(i, q));
                    alpha += x * x;
                    beta += y * y;
                    gamma += x * y;
                }
                if gamma == 0.0 || gamma.abs() <= 1e-15 * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let t = if zeta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for i in 0..m {
                    let (x, y) = (w.at(i, p), w.at(i, q));
                    w.set(i, p, c * x - s * y);
                    w.set(i, q, s * x + c * y);
                }
                for i in 0..n {
                    let (x, y) = (v.at(i, p), v.at(i, q));
                    v.set(i, p, c * x - s * y);
                    v.set(i, q, s * x + c * y);
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let norms: Vec<f64> = (0..n)
        .map(|c| (0..m).map(|i| w.at(i, c).powi(2)).sum::<f64>().sqrt())
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| norms[j].total_cmp(&norms[i]));
    let top = norms.iter().cloned().fold(0.0, f64::max);
    // Columns this small are rounding noise of a rank-deficient input: their
    // direction means nothing, so U's column comes from the completion.
    let tiny = top * 1e-13 * (m.max(n) as f64);
    let mut u = Mat::zeros(m, n);
    let mut vs = Mat::zeros(n, n);
    let mut s = Vec::with_capacity(n);
    let mut known = Vec::with_capacity(n);
    for (c, &src) in order.iter().enumerate() {
        let sv = norms[src];
        s.push(sv);
        for i in 0..n {
            vs.set(i, c, v.at(i, src));
        }
        if sv > tiny && sv > 0.0 {
            for i in 0..m {
                u.set(i, c, w.at(i, src) / sv);
            }
            known.push(c);
        }
    }
    let u_cols = if full { m } else { n };
    let mut u_full = Mat::zeros(m, u_cols);
    for &c in &known {
        for i in 0..m {
            u_full.set(i, c, u.at(i, c));
        }
    }
    complete_basis(&mut u_full, &known);
    // Sign: the largest entry of each V column positive; U's column follows.
    let signs = fix_signs(&mut vs);
    for (c, &sg) in signs.iter().enumerate() {
        if sg < 0.0 {
            for i in 0..m {
                let x = u_full.at(i, c);
                u_full.set(i, c, -x);
            }
        }
    }
    Svd {
        u: u_full,
        s,
        v: vs,
    }
}

/// Fills the columns of `q` not listed in `known` (orthonormal already) with
/// unit vectors orthogonal to every other column: Gram-Schmidt, twice, on
/// the standard basis vector that keeps the most after projection.
fn complete_basis(q: &mut Mat, known: &[usize]) {
    let m = q.rows;
    let mut done: Vec<usize> = known.to_vec();
    for c in 0..q.cols {
        if done.contains(&c) {
            continue;
        }
        let mut best: Option<Vec<f64>> = None;
        let mut best_norm = -1.0;
        for e in 0..m {
            let mut x = vec![0.0; m];
            x[e] = 1.0;
            for _ in 0..2 {
                for &d in &done {
                    let dot: f64 = (0..m).map(|i| q.at(i, d) * x[i]).sum();
                    for (i, xi) in x.iter_mut().enumerate() {
                        *xi -= dot * q.at(i, d);
                    }
                }
            }
            let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > best_norm {
                best_norm = norm;
                best = Some(x);
            }
        }
        if let Some(x) = best {
            if best_norm > 0.0 {
                for (i, xi) in x.iter().enumerate() {
                    q.set(i, c, xi / best_norm);
                }
            }
        }
        done.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::decompositions::la::tests::{close, sample};

    fn diag(rows: usize, cols: usize, s: &[f64]) -> Mat {
        let mut d = Mat::zeros(rows, cols);
        for (i, &v) in s.iter().enumerate() {
            d.set(i, i, v);
        }
        d
    }

    #[test]
    fn eigh_diagonalises() {
        let a = sample(5, 5, 3).sym();
        let (w, v) = eigh(&a);
        assert!(w.windows(2).all(|p| p[0] <= p[1]));
        assert!(close(&v.mm(&diag(5, 5, &w)).mm(&v.t()), &a, 1e-10));
    }

    #[test]
    fn svd_reconstructs_rank_deficient_and_wide() {
        let b = sample(4, 2, 4);
        let low_rank = b.mm(&b.t());
        for a in [sample(5, 3, 5), sample(3, 5, 6), low_rank] {
            for full in [false, true] {
                let d = svd(&a, full);
                let sigma = diag(d.u.cols, d.v.cols, &d.s);
                assert!(close(&d.u.mm(&sigma).mm(&d.v.t()), &a, 1e-10));
                assert!(close(&d.u.t().mm(&d.u), &Mat::eye(d.u.cols), 1e-10));
                assert!(close(&d.v.t().mm(&d.v), &Mat::eye(d.v.cols), 1e-10));
            }
        }
    }
}
