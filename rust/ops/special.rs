//! Special functions: erf, erfc and erfinv, elementwise.
//!
//! Each is computed in f64 and rounded once to float32, so results are
//! within an ulp or so of the exact value:
//!
//! - erf(x) for |x| < 0.5 from its series with only positive terms,
//!   `2/sqrt(pi) exp(-x²) Σ 2^n x^(2n+1) / (1·3···(2n+1))` (a dozen terms);
//! - erfc(x) for x >= 0.5 as `exp(-x²) erfcx(x)`, the scaled function
//!   `erfcx` (smooth and slowly varying) from Chebyshev series on four
//!   intervals up to 4 and in `1/x` beyond, so erfc keeps its relative
//!   accuracy far into the tail (erfc(10) ≈ 2e-45) where `1 - erf` is 0;
//!   erf is `1 - erfc` there.
//!
//! The Chebyshev coefficients interpolate erfcx (computed to double
//! precision) at 400 Chebyshev nodes of each interval (numpy's `chebfit`),
//! with a relative error below 1e-13; the tests check them against the
//! series and erfc's continued fraction, which need no table but are ten
//! times slower.
//! - erfinv(y) from Giles's single-precision approximation, refined by
//!   Halley steps on `erf(x) - y` (written `(1 - y) - erfc(x)` near ±1,
//!   where erf's residual would cancel).

use super::registry::{OpInfo, Sample};
use super::spec::{self, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{Error, Result};
use crate::kernels::elementwise::{map, zip3};
use crate::kernels::real::grad_shape_error;
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayViewD, Zip};
use std::sync::Arc;

const TWO_OVER_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

/// erf(a) for 0 <= a < 0.5 (about a dozen terms; exact enough up to 3).
fn erf_series(a: f64) -> f64 {
    let a2 = a * a;
    let (mut term, mut sum) = (a, a);
    let mut n = 0.0;
    while n < 300.0 {
        n += 1.0;
        term *= 2.0 * a2 / (2.0 * n + 1.0);
        sum += term;
        if term <= sum * 1e-17 {
            break;
        }
    }
    TWO_OVER_SQRT_PI * (-a2).exp() * sum
}

/// Chebyshev coefficients of erfcx(x) = exp(x²) erfc(x) on each interval.
#[allow(clippy::excessive_precision)]
const ERFCX_PIECES: &[(f64, f64, &[f64])] = &[
    (
        0.5,
        1.0,
        &[
            0.5142540300448144,
            -0.09353436157631644,
            0.007349543567965933,
            -0.0005170287683170111,
            3.3274891810422805e-05,
            -1.9877609419094833e-06,
            1.1137198400506927e-07,
            -5.898649549380459e-09,
            2.971299217375509e-10,
            -1.4304851608523569e-11,
            6.608872429403214e-13,
            -2.935680374623989e-14,
            1.2717748915338582e-15,
        ],
    ),
    (
        1.0,
        1.75,
        &[
            0.3497432923886721,
            -0.07075231906739221,
            0.006490775823200401,
            -0.0005500733990506925,
            4.360423847228392e-05,
            -3.2624198876902613e-06,
            2.3196513821642602e-07,
            -1.575814261502506e-08,
            1.027216242132557e-09,
            -6.448171430043272e-11,
            3.90954199781604e-12,
            -2.29486676376794e-13,
            1.3086720643129269e-14,
        ],
    ),
    (
        1.75,
        2.5,
        &[
            0.24526865884273175,
            -0.036907408526596915,
            0.002609427050201474,
            -0.00017484012476164584,
            1.1173036710403537e-05,
            -6.843838673919727e-07,
            4.034276437038285e-08,
            -2.2961360669904857e-09,
            1.2652931965936082e-10,
            -6.766463222798671e-12,
            3.5188323399348764e-13,
            -1.7810736328194077e-14,
            8.792517768629144e-16,
        ],
    ),
    (
        2.5,
        4.0,
        &[
            0.17008220017856515,
            -0.036520514785627206,
            0.0037834587009617526,
            -0.00037941344908125183,
            3.6926900225949346e-05,
            -3.4957223835798464e-06,
            3.224885907824983e-07,
            -2.9039201675966085e-08,
            2.556046033152061e-09,
            -2.2019846986989965e-10,
            1.858697630145832e-11,
            -1.5388152355990079e-12,
            1.2506571479645615e-13,
            -9.978428228828732e-15,
            7.83083613768533e-16,
        ],
    ),
];

/// Chebyshev coefficients of erfcx(1/u) / u for u = 1/x in [0, 0.25].
#[allow(clippy::excessive_precision)]
const ERFCX_TAIL: &[f64] = &[
    0.557980632395961,
    -0.008176370652593374,
    -0.0018938006989187431,
    8.1351918072292e-05,
    6.886433482965477e-06,
    -8.668426972186981e-07,
    -1.0605985641053718e-08,
    9.128665991389845e-09,
    -5.13707269215794e-10,
    -7.515695164770436e-11,
    1.3379753867847926e-11,
    -6.820776032858323e-14,
    -2.1210280893580456e-13,
    2.2991489456220534e-14,
    1.5151392226298435e-15,
];

/// Σ c_k T_k(t) by Clenshaw's recurrence.
fn chebyshev(c: &[f64], t: f64) -> f64 {
    let (mut b1, mut b2) = (0.0, 0.0);
    for &ck in c.iter().skip(1).rev() {
        let b0 = ck + 2.0 * t * b1 - b2;
        b2 = b1;
        b1 = b0;
    }
    c[0] + t * b1 - b2
}

/// erfc(a) for a >= 0.5 (inf included).
fn erfc_large(a: f64) -> f64 {
    for &(lo, hi, c) in ERFCX_PIECES {
        if a < hi {
            let t = (2.0 * a - lo - hi) / (hi - lo);
            return (-a * a).exp() * chebyshev(c, t);
        }
    }
    let u = 1.0 / a;
    (-a * a).exp() * u * chebyshev(ERFCX_TAIL, 8.0 * u - 1.0)
}

/// erf in f64.
pub fn erf64(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let a = x.abs();
    let r = if a < 0.5 {
        erf_series(a)
    } else {
        1.0 - erfc_large(a)
    };
    r.copysign(x)
}

/// erfc in f64 (relative accuracy kept for large x).
pub fn erfc64(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x < 0.0 {
        return 2.0 - erfc64(-x);
    }
    if x < 0.5 {
        1.0 - erf_series(x)
    } else {
        erfc_large(x)
    }
}

/// Giles (2010), "Approximating the erfinv function", single precision:
/// a starting point good to a few float32 ulps.
fn erfinv_guess(y: f64) -> f64 {
    let w = -((1.0 - y) * (1.0 + y)).ln();
    let p = if w < 5.0 {
        let w = w - 2.5;
        [
            3.432_739_39e-07,
            -3.523_387_7e-06,
            -4.391_506_54e-06,
            0.000_218_580_87,
            -0.001_253_725_03,
            -0.004_177_681_64,
            0.246_640_727,
            1.501_409_41,
        ]
        .iter()
        .fold(2.810_226_36e-08, |p, &c| c + p * w)
    } else {
        let w = w.sqrt() - 3.0;
        [
            0.000_100_950_558,
            0.001_349_343_22,
            -0.003_673_428_44,
            0.005_739_507_73,
            -0.007_622_461_3,
            0.009_438_870_47,
            1.001_674_06,
            2.832_976_82,
        ]
        .iter()
        .fold(-0.000_200_214_257, |p, &c| c + p * w)
    };
    p * y
}

/// erfinv in f64 for y in (-1, 1); ±inf at ±1, NaN outside [-1, 1].
pub fn erfinv64(y: f64) -> f64 {
    if y.is_nan() || y.abs() > 1.0 {
        return f64::NAN;
    }
    if y.abs() == 1.0 {
        return f64::INFINITY.copysign(y);
    }
    if y == 0.0 {
        return y;
    }
    let a = y.abs();
    let mut x = erfinv_guess(a);
    for _ in 0..4 {
        // erf(x) - a, without cancelling near 1 (1 - a is exact for a
        // float32 a, erfc(x) has full relative accuracy).
        let residual = if a < 0.5 {
            erf64(x) - a
        } else {
            (1.0 - a) - erfc64(x)
        };
        let slope = TWO_OVER_SQRT_PI * (-x * x).exp();
        if slope == 0.0 {
            break;
        }
        // Halley's step (erf'' / erf' = -2x): the error goes from e to
        // about e³, so one step from the guess's ~1e-7 is past f64's
        // precision, and the loop stops once the step is that small.
        let newton = residual / slope;
        x -= newton / (1.0 + x * newton);
        if newton.abs() <= 1e-5 * x.abs() {
            break;
        }
    }
    x.copysign(y)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Erf,
    Erfc,
    Erfinv,
}

/// `erf(x)`, `erfc(x)` or `erfinv(x)`, elementwise.
#[derive(Debug)]
pub struct Special {
    name: &'static str,
    kind: Kind,
}

impl Special {
    pub fn new(name: &str, _attrs: &Attrs) -> Result<Self> {
        let (name, kind) = match name {
            "erf" => ("erf", Kind::Erf),
            "erfc" => ("erfc", Kind::Erfc),
            "erfinv" => ("erfinv", Kind::Erfinv),
            _ => return Err(Error::argument(name, "not a special function")),
        };
        Ok(Self { name, kind })
    }
}

impl Kind {
    /// The function in f64 (float32 rounds its result once).
    fn apply64(self, x: f64) -> f64 {
        match self {
            Kind::Erf => erf64(x),
            Kind::Erfc => erfc64(x),
            Kind::Erfinv => erfinv64(x),
        }
    }

    fn apply(self, x: f32) -> f32 {
        self.apply64(f64::from(x)) as f32
    }

    /// d(output)/d(input) at input `x` with output `y`, in f64.
    fn derivative64(self, x: f64, y: f64) -> f64 {
        match self {
            Kind::Erf => TWO_OVER_SQRT_PI * (-x * x).exp(),
            Kind::Erfc => -TWO_OVER_SQRT_PI * (-x * x).exp(),
            // The inverse's slope: 1 / erf'(y) = sqrt(pi)/2 exp(y²).
            Kind::Erfinv => (y * y).exp() / TWO_OVER_SQRT_PI,
        }
    }

    fn derivative(self, x: f32, y: f32) -> f32 {
        self.derivative64(f64::from(x), f64::from(y)) as f32
    }
}

impl Primitive for Special {
    fn name(&self) -> &'static str {
        self.name
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::same_float(self.name, inputs)
    }

    /// The functions are computed in f64 for float32 too: float64 keeps
    /// the result unrounded.
    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        expect_arity(self.name, inputs, 1)?;
        let x = inputs[0].f64(self.name)?;
        if x.shape() != output.shape() || x.shape() != grad.shape() {
            return Err(grad_shape_error(self.name));
        }
        let kind = self.kind;
        let g = Zip::from(&x)
            .and(&output)
            .and(&grad)
            .map_collect(|&x, &y, &g| g * kind.derivative64(x, y));
        Ok(vec![Some(g)])
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity(self.name, inputs, 1)?;
        let kind = self.kind;
        if let ValueView::F64(x) = &inputs[0] {
            return Ok(Value::F64(x.mapv(|v| kind.apply64(v))));
        }
        Ok(Value::F32(map(inputs[0].f32(self.name)?, move |x| {
            kind.apply(x)
        })))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity(self.name, inputs, 1)?;
        let kind = self.kind;
        let g = zip3(inputs[0].f32(self.name)?, output, grad, move |x, y, g| {
            g * kind.derivative(x, y)
        })
        .ok_or_else(|| {
            Error::shape(
                self.name,
                "a gradient shaped like the output",
                "another shape",
            )
        })?;
        Ok(vec![Some(g)])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo::plain(
        "erf",
        "the error function",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Special::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "erfc",
        "the complementary error function 1 - erf(x), accurate for large x",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Special::new(n, a)?)),
        &[Sample::F32(&[3, 4])],
    ),
    OpInfo::plain(
        "erfinv",
        "the inverse error function (NaN outside [-1, 1], ±inf at ±1)",
        &["x"],
        true,
        |n, a| Ok(Arc::new(Special::new(n, a)?)),
        // Values stay below 0.93 in magnitude, where finite differences of
        // the steep tails near ±1 are still accurate.
        &[Sample::F32(&[2, 3])],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_and_erfc_match_known_values() {
        // Values from the defining integrals (Abramowitz & Stegun, table 7.1).
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-14 * b.abs().max(1e-300);
        assert!(close(erf64(0.5), 0.520_499_877_813_046_5));
        assert!(close(erf64(1.0), 0.842_700_792_949_714_9));
        assert!(close(erf64(-2.0), -0.995_322_265_018_952_7));
        assert!((erfc64(5.0) - 1.537_459_794_428_034_8e-12).abs() < 1e-24);
        assert_eq!(erf64(f64::INFINITY), 1.0);
        assert_eq!(erfc64(f64::NEG_INFINITY), 2.0);
        assert_eq!(erfc64(40.0), 0.0);
    }

    /// erfc(a) for a >= 3 by its continued fraction (Lentz's method):
    /// `exp(-a²)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + ...))))`.
    fn erfc_fraction(a: f64) -> f64 {
        let (mut f, mut c, mut d) = (a, a, 0.0);
        for k in 1..2000 {
            let ak = f64::from(k) * 0.5;
            d = 1.0 / (a + ak * d);
            c = a + ak / c;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-a * a).exp() / std::f64::consts::PI.sqrt() / f
    }

    #[test]
    fn tables_agree_with_the_series_and_the_continued_fraction() {
        for i in 0..=4000 {
            let a = 0.5 + f64::from(i) * 0.00625; // 0.5 to 25.5
            let want = if a < 3.0 {
                1.0 - erf_series(a)
            } else {
                erfc_fraction(a)
            };
            let err = (erfc64(a) / want - 1.0).abs();
            // 1 - series (the reference) loses digits to cancellation as erfc
            // shrinks; the table was checked against double-precision erfcx.
            let tol = if a < 3.0 { 2e-15 / want + 1e-13 } else { 1e-13 };
            assert!(err < tol, "erfc({a}): {} vs {want}", erfc64(a));
        }
    }

    #[test]
    fn erfinv_inverts_erf() {
        for &y in &[-0.999_999, -0.7, -1e-6, 0.1, 0.5, 0.9, 0.999_99] {
            let x = erfinv64(y);
            assert!((erf64(x) - y).abs() < 1e-14, "{y}");
        }
        assert_eq!(erfinv64(1.0), f64::INFINITY);
        assert!(erfinv64(1.5).is_nan());
    }
}
