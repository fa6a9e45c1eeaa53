//! The samplers of `random.rs`: a counter-based generator per element and
//! the gamma and binomial algorithms drawn from it.

use crate::kernels::parallel::worth_splitting;
use rayon::prelude::*;

/// splitmix64's finaliser: a bijective mix with full avalanche.
pub(super) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub(super) const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The draws of one element: a splitmix64 sequence started from a hash of
/// (key, index), so any element can be drawn on any thread.
pub(super) struct Draws(u64);

impl Draws {
    pub(super) fn new(key: u64, index: u64) -> Self {
        Self(mix64(key ^ mix64(index.wrapping_add(GOLDEN))))
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub(super) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1]: safe under `ln`.
    pub(super) fn uniform_open(&mut self) -> f64 {
        1.0 - self.uniform()
    }

    /// A standard normal (Box-Muller).
    pub(super) fn normal(&mut self) -> f64 {
        let r = (-2.0 * self.uniform_open().ln()).sqrt();
        r * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// A uniform integer in [0, n) (multiply-shift; the bias is below 2^-32
    /// for any range an int32 or int64 Keras draw uses in practice).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Gamma(alpha, 1) by Marsaglia and Tsang (boosted for alpha < 1).
    pub(super) fn gamma(&mut self, alpha: f64) -> f64 {
        if alpha < 1.0 {
            let boost = self.uniform_open().powf(1.0 / alpha);
            return self.gamma(alpha + 1.0) * boost;
        }
        let d = alpha - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform_open();
            if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// Binomial(n, p): counting geometric gaps for small means, BTRS
    /// (Hörmann's transformed rejection, as TensorFlow uses) otherwise.
    pub(super) fn binomial(&mut self, n: f64, p: f64) -> f64 {
        if p <= 0.0 || n <= 0.0 {
            return 0.0;
        }
        if p >= 1.0 {
            return n;
        }
        if p > 0.5 {
            return n - self.binomial(n, 1.0 - p);
        }
        if n * p < 10.0 {
            let log_q = (-p).ln_1p();
            let (mut count, mut position) = (0.0, 0.0);
            loop {
                position += (self.uniform_open().ln() / log_q).floor() + 1.0;
                if position > n {
                    return count;
                }
                count += 1.0;
            }
        }
        let q = 1.0 - p;
        let spq = (n * p * q).sqrt();
        let b = 1.15 + 2.53 * spq;
        let a = -0.0873 + 0.0248 * b + 0.01 * p;
        let c = n * p + 0.5;
        let vr = 0.92 - 4.2 / b;
        let alpha = (2.83 + 5.1 / b) * spq;
        let lpq = (p / q).ln();
        let m = ((n + 1.0) * p).floor();
        let h = ln_factorial(m) + ln_factorial(n - m);
        loop {
            let u = self.uniform() - 0.5;
            let v = self.uniform_open();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + c).floor();
            if k < 0.0 || k > n {
                continue;
            }
            if us >= 0.07 && v <= vr {
                return k;
            }
            let v = (v * alpha / (a / (us * us) + b)).ln();
            if v <= h - ln_factorial(k) - ln_factorial(n - k) + (k - m) * lpq {
                return k;
            }
        }
    }
}

/// ln(k!) for a whole k >= 0: exact sums below 16, Stirling's series above
/// (error below 1e-12 there).
fn ln_factorial(k: f64) -> f64 {
    if k < 16.0 {
        return (2..=k as u64).map(|i| (i as f64).ln()).sum();
    }
    let k2 = k * k;
    k * k.ln() - k + 0.5 * (std::f64::consts::TAU * k).ln() + 1.0 / (12.0 * k)
        - 1.0 / (360.0 * k * k2)
        + 1.0 / (1260.0 * k * k2 * k2)
}

/// Fills `out` with `draw(element index)`, in parallel when it is worth it.
pub(super) fn fill<T: Send>(out: &mut [T], draw: impl Fn(u64) -> T + Sync) {
    const CHUNK: usize = 4096;
    let run = |(c, part): (usize, &mut [T])| {
        for (i, v) in part.iter_mut().enumerate() {
            *v = draw((c * CHUNK + i) as u64);
        }
    };
    if worth_splitting(out.len()) {
        out.par_chunks_mut(CHUNK).enumerate().for_each(run);
    } else {
        out.chunks_mut(CHUNK).enumerate().for_each(run);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(v: &[f64]) -> (f64, f64) {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        (mean, v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n)
    }

    fn sample(f: impl Fn(&mut Draws) -> f64) -> Vec<f64> {
        (0..40_000).map(|i| f(&mut Draws::new(3, i))).collect()
    }

    #[test]
    fn gamma_and_binomial_have_their_moments() {
        for alpha in [0.3, 1.0, 4.5] {
            let (m, v) = moments(&sample(|d| d.gamma(alpha)));
            assert!(
                (m - alpha).abs() < 0.05 * alpha.max(1.0),
                "gamma {alpha}: mean {m}"
            );
            assert!(
                (v - alpha).abs() < 0.1 * alpha.max(1.0),
                "gamma {alpha}: var {v}"
            );
        }
        for (n, p) in [(5.0, 0.3), (200.0, 0.4), (1000.0, 0.9)] {
            let (m, v) = moments(&sample(|d| d.binomial(n, p)));
            assert!(
                (m - n * p).abs() < 0.03 * n * p + 0.05,
                "binomial {n} {p}: mean {m}"
            );
            let var = n * p * (1.0 - p);
            assert!(
                (v - var).abs() < 0.06 * var + 0.05,
                "binomial {n} {p}: var {v}"
            );
        }
    }

    #[test]
    fn ln_factorial_is_continuous_at_the_switch() {
        let exact: f64 = (2..=16u64).map(|i| (i as f64).ln()).sum();
        assert!((ln_factorial(16.0) - exact).abs() < 1e-10);
    }
}
