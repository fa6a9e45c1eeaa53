//! exp, tanh, sigmoid and the normal CDF for float32, written so that loops
//! over them vectorize: no branches and no libm calls (libm's scalar `expf`
//! and `tanhf` took 2-14 ns per element, most of an activation's time).
//!
//! Each is within a few ulp of the exact value over the whole float range,
//! keeps NaN as NaN and gets infinities and underflow right. They use plain
//! `a * b + c` (never a fused multiply-add), so every ISA path
//! (`kernels::isa`) computes the same bits.

const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in two (Cody and Waite): `n * LN2_HI` is exact for |n| < 2^9.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5 * 2^23: adding and subtracting it rounds a float to an integer with
/// plain adds (`round` is a libm call on baseline x86-64).
const ROUND: f32 = 12_582_912.0;

/// `e^x`, to ~2 ulp.
///
/// `x = n ln2 + r` with `|r| <= ln2/2`; `e^r` by Cephes' degree-6
/// polynomial (relative error below 1.2e-7); `2^n` as two powers of two
/// built from exponent bits, so results in the subnormal range are rounded
/// once, and `e^x` overflows to infinity and underflows to zero where the
/// exact value does.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    // Beyond these bounds the result is infinity or zero anyway; NaN passes.
    let x = x.clamp(-110.0, 88.8);
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    // n as an integer, read from the low mantissa bits of `shifted` (a
    // float-to-int conversion saturates, which kept the loop scalar). For a
    // NaN input the bits are garbage and `y` below is NaN, so is the result.
    let n = (shifted.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // n is in [-159, 128]: each half is a normal float's exponent.
    let half = n >> 1;
    let s1 = f32::from_bits((half.wrapping_add(127) as u32) << 23);
    let s2 = f32::from_bits((n.wrapping_sub(half).wrapping_add(127) as u32) << 23);
    y * s1 * s2
}

/// `tanh(x)`, to ~3 ulp: Cephes' odd polynomial below |x| = 0.625 (where
/// `1 - 2/(e^2x + 1)` would cancel), that expression above.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let z = x * x;
    let mut p = -5.704_988_7e-3_f32;
    p = p * z + 2.063_909e-2;
    p = p * z - 5.373_971_6e-2;
    p = p * z + 1.333_144_2e-1;
    p = p * z - 3.333_328e-1;
    // x (1 + z p), not x + x z p: the product keeps the sign of -0.0.
    let small = x * (p * z + 1.0);
    let large = (1.0 - 2.0 / (exp(2.0 * a) + 1.0)).copysign(x);
    if a < 0.625 {
        small
    } else {
        large
    }
}

/// `1 / (1 + e^-x)`, to ~3 ulp, from `e^-|x|` (never overflows, so tiny
/// results for very negative `x` keep their precision).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    let e = exp(-x.abs());
    let s = 1.0 / (1.0 + e);
    if x >= 0.0 {
        s
    } else {
        e * s
    }
}

/// The standard normal CDF `Φ(x) = (1 + erf(x / √2)) / 2`, to ~1e-7
/// absolute and ~1e-6 relative (gelu's exact form is `x Φ(x)`).
///
/// `erfc(z) = t e^(-z² + P(t))`, `t = 1 / (1 + z/2)`, for `z = |x|/√2`
/// (Numerical Recipes' Chebyshev fit, fractional error below 1.2e-7); the
/// lower tail comes straight from it, the upper as `1 - ` it, so neither
/// side cancels.
#[inline(always)]
pub fn normal_cdf(x: f32) -> f32 {
    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let mut p = 0.170_872_77_f32;
    p = p * t - 0.822_152_23;
    p = p * t + 1.488_515_9;
    p = p * t - 1.135_204;
    p = p * t + 0.278_868_07;
    p = p * t - 0.186_288_06;
    p = p * t + 0.096_784_18;
    p = p * t + 0.374_091_96;
    p = p * t + 1.000_023_7;
    p = p * t - 1.265_512_2;
    let tail = 0.5 * t * exp(p - z * z);
    if x < 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative error against an f64 reference, with an absolute floor.
    fn assert_close(name: &str, got: f32, want: f64, rtol: f64, atol: f64) {
        if (want as f32).is_infinite() {
            assert_eq!(got, want as f32, "{name}: got {got:e}, want {want:e}");
            return;
        }
        let err = (got as f64 - want).abs();
        assert!(
            err <= atol + rtol * want.abs() || (got.is_nan() && want.is_nan()),
            "{name}: got {got:e}, want {want:e}"
        );
    }

    fn grid() -> impl Iterator<Item = f32> {
        (-40_000..=40_000)
            .map(|i| i as f32 * 2.5e-3)
            .chain([0.0, -0.0, 1e-30, -1e-30, 1e-6, -1e-6, 88.7, -88.7, -103.0])
    }

    #[test]
    fn exp_is_within_a_few_ulp_everywhere() {
        for x in grid() {
            assert_close("exp", exp(x), (x as f64).exp(), 3e-7, 1.5e-45);
        }
        assert_eq!(exp(89.0), f32::INFINITY);
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(-120.0), 0.0);
        assert!(exp(f32::NAN).is_nan());
        // Subnormal results, rounded once.
        let sub = exp(-100.0);
        assert!(sub > 0.0 && sub < f32::MIN_POSITIVE);
        assert_close("exp", sub, (-100.0f64).exp(), 0.0, 1.5e-45);
    }

    #[test]
    fn tanh_and_sigmoid_are_within_a_few_ulp() {
        for x in grid() {
            let xd = x as f64;
            assert_close("tanh", tanh(x), xd.tanh(), 4e-7, 1.5e-45);
            assert_close(
                "sigmoid",
                sigmoid(x),
                1.0 / (1.0 + (-xd).exp()),
                4e-7,
                1.5e-45,
            );
        }
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert!(tanh(f32::NAN).is_nan() && sigmoid(f32::NAN).is_nan());
        assert_eq!(sigmoid(f32::INFINITY), 1.0);
        assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn normal_cdf_has_no_cancellation_in_either_tail() {
        for x in grid().filter(|x| x.abs() < 14.0) {
            let xd = x as f64;
            // Φ(x) = erfc(-x/√2)/2, from the f64 complementary error function
            // by its continued fraction far out and the series near zero.
            let want = 0.5 * erfc_f64(-xd / std::f64::consts::SQRT_2);
            assert_close("normal_cdf", normal_cdf(x), want, 1.5e-6, 1e-7);
        }
        assert_eq!(normal_cdf(f32::INFINITY), 1.0);
        assert_eq!(normal_cdf(f32::NEG_INFINITY), 0.0);
    }

    /// erfc in f64 to ~1e-14: Taylor series of erf for |z| < 3, Lentz's
    /// continued fraction beyond.
    fn erfc_f64(z: f64) -> f64 {
        if z < 0.0 {
            return 2.0 - erfc_f64(-z);
        }
        if z < 3.0 {
            let (mut term, mut sum, mut k) = (z, z, 0.0);
            while term.abs() > 1e-17 * sum.abs() {
                k += 1.0;
                term *= -z * z / k;
                sum += term / (2.0 * k + 1.0);
            }
            return 1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum;
        }
        // erfc(z) = e^{-z²}/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...))))
        let mut f = z;
        for k in (1..200).rev() {
            f = z + (k as f64 / 2.0) / f;
        }
        (-z * z).exp() / std::f64::consts::PI.sqrt() / f
    }
}
