//! The float types ops compute in, so one generic op body serves both:
//! float32 keeps its vectorized, thread-split kernels (`elementwise`), and
//! float64 runs plain ndarray loops (float64 is asked for precision, not
//! speed; see `docs/dtypes-and-dynamic-shapes.md`). A float32 instance of a
//! generic body calls exactly the kernels the float32-only code called.

use super::elementwise;
use crate::error::{Error, Result};
use crate::ops::spec::DType;
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};
use num_traits::{Float, FromPrimitive};
use std::fmt::Debug;
use std::iter::Sum;
use std::ops::AddAssign;

/// float32 or float64.
pub trait Real:
    Float + FromPrimitive + AddAssign + Sum + Debug + Send + Sync + ndarray::ScalarOperand + 'static
{
    const DTYPE: DType;
    const LN_2: Self;
    const LN_10: Self;

    /// The view of `v` in this type, or a DType error naming `op`.
    fn view_of<'a>(v: &ValueView<'a>, op: &str) -> Result<ArrayViewD<'a, Self>>;

    /// An owned array of this type as a `Value`.
    fn wrap(a: ArrayD<Self>) -> Value;

    /// `v` (an attribute, a constant) in this type.
    fn of(v: f64) -> Self;

    /// Rounds half to even, as numpy's `round`.
    fn round_even(self) -> Self;

    /// `f` applied to every element of `x`.
    fn map(x: ArrayViewD<Self>, f: impl Fn(Self) -> Self + Sync + Send) -> ArrayD<Self>;

    /// `f(a, b)` elementwise, `a` and `b` broadcast to `shape` (checked by
    /// the caller); `None` if they do not broadcast.
    fn zip2(
        a: ArrayViewD<Self>,
        b: ArrayViewD<Self>,
        shape: &[usize],
        f: impl Fn(Self, Self) -> Self + Sync + Send,
    ) -> Option<ArrayD<Self>>;

    /// `f(a, b, c)` elementwise over three tensors of one shape.
    fn zip3(
        a: ArrayViewD<Self>,
        b: ArrayViewD<Self>,
        c: ArrayViewD<Self>,
        f: impl Fn(Self, Self, Self) -> Self + Sync + Send,
    ) -> Option<ArrayD<Self>>;
}

impl Real for f32 {
    const DTYPE: DType = DType::F32;
    const LN_2: f32 = std::f32::consts::LN_2;
    const LN_10: f32 = std::f32::consts::LN_10;

    fn view_of<'a>(v: &ValueView<'a>, op: &str) -> Result<ArrayViewD<'a, f32>> {
        v.f32(op)
    }

    fn wrap(a: ArrayD<f32>) -> Value {
        Value::F32(a)
    }

    fn of(v: f64) -> f32 {
        v as f32
    }

    fn round_even(self) -> f32 {
        self.round_ties_even()
    }

    fn map(x: ArrayViewD<f32>, f: impl Fn(f32) -> f32 + Sync + Send) -> ArrayD<f32> {
        elementwise::map(x, f)
    }

    fn zip2(
        a: ArrayViewD<f32>,
        b: ArrayViewD<f32>,
        shape: &[usize],
        f: impl Fn(f32, f32) -> f32 + Sync + Send,
    ) -> Option<ArrayD<f32>> {
        elementwise::zip2(a, b, shape, f)
    }

    fn zip3(
        a: ArrayViewD<f32>,
        b: ArrayViewD<f32>,
        c: ArrayViewD<f32>,
        f: impl Fn(f32, f32, f32) -> f32 + Sync + Send,
    ) -> Option<ArrayD<f32>> {
        elementwise::zip3(a, b, c, f)
    }
}

impl Real for f64 {
    const DTYPE: DType = DType::F64;
    const LN_2: f64 = std::f64::consts::LN_2;
    const LN_10: f64 = std::f64::consts::LN_10;

    fn view_of<'a>(v: &ValueView<'a>, op: &str) -> Result<ArrayViewD<'a, f64>> {
        v.f64(op)
    }

    fn wrap(a: ArrayD<f64>) -> Value {
        Value::F64(a)
    }

    fn of(v: f64) -> f64 {
        v
    }

    fn round_even(self) -> f64 {
        self.round_ties_even()
    }

    fn map(x: ArrayViewD<f64>, f: impl Fn(f64) -> f64 + Sync + Send) -> ArrayD<f64> {
        x.mapv(f)
    }

    fn zip2(
        a: ArrayViewD<f64>,
        b: ArrayViewD<f64>,
        shape: &[usize],
        f: impl Fn(f64, f64) -> f64 + Sync + Send,
    ) -> Option<ArrayD<f64>> {
        let (a, b) = (a.broadcast(IxDyn(shape))?, b.broadcast(IxDyn(shape))?);
        Some(Zip::from(&a).and(&b).map_collect(|&x, &y| f(x, y)))
    }

    fn zip3(
        a: ArrayViewD<f64>,
        b: ArrayViewD<f64>,
        c: ArrayViewD<f64>,
        f: impl Fn(f64, f64, f64) -> f64 + Sync + Send,
    ) -> Option<ArrayD<f64>> {
        if a.shape() != b.shape() || a.shape() != c.shape() {
            return None;
        }
        Some(
            Zip::from(&a)
                .and(&b)
                .and(&c)
                .map_collect(|&x, &y, &z| f(x, y, z)),
        )
    }
}

/// A shape mismatch error for gradients of the wrong shape.
pub fn grad_shape_error(op: &str) -> Error {
    Error::shape(op, "a gradient shaped like the output", "another shape")
}
