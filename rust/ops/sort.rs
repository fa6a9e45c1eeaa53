//! sort and argsort along an axis: the ordering ops `top_k`, `argpartition`,
//! medians and quantiles are built from.
//!
//! Both order each lane with a stable sort, so equal values keep their
//! original order (ties go to the lower index first). Ascending order puts
//! NaN last, as NumPy's `sort`; descending order is the exact reverse of
//! that ranking with ties still by lower index first, so NaN comes first, as
//! `jax.lax.top_k` treats it (the largest). `-0.0` and `0.0` compare equal.
//!
//! `sort` is differentiable: its output is a permutation of its input, so
//! the backward pass scatters each output gradient back to the element it
//! came from. `argsort` gives float32 positions (exact below 2**24, like
//! `argmax`'s) and has no gradient.

use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, DType, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};

#[path = "sort_f64.rs"]
mod f64_rules;
use crate::error::{Error, Result};
use crate::kernels::parallel::worth_splitting;
use crate::tensor::{expect_arity, normalize_axis, Value, ValueView};
use ndarray::{ArrayD, ArrayView1, ArrayViewD, ArrayViewMut1, Axis, Zip};
use std::cmp::Ordering;
use std::sync::Arc;

/// NumPy's ascending order for floats: NaN after everything, NaNs equal
/// among themselves, `-0.0 == 0.0`.
fn ascending(a: f32, b: f32) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// A key whose unsigned order is [`ascending`]'s: the float's bits made
/// monotonic (negatives complemented, positives with the sign bit set),
/// with `-0.0` folded onto `0.0` and every NaN onto one value above `inf`.
fn order_key(v: f32) -> u32 {
    if v.is_nan() {
        return u32::MAX;
    }
    let bits = if v == 0.0 { 0 } else { v.to_bits() };
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// The positions of `lane`'s elements in sorted order (stable).
///
/// Each element becomes one u64, its key above its position: the u64s are
/// distinct, so an unstable sort of them (pdqsort, no indirection) yields
/// the stable order, ties by position.
fn order_of(lane: &ArrayView1<f32>, descending: bool, order: &mut Vec<usize>) {
    order.clear();
    let n = lane.len();
    if u32::try_from(n).is_err() {
        // Positions do not fit beside the key: compare through indices.
        order.extend(0..n);
        if descending {
            order.sort_by(|&i, &j| ascending(lane[j], lane[i]));
        } else {
            order.sort_by(|&i, &j| ascending(lane[i], lane[j]));
        }
        return;
    }
    let flip = if descending { u32::MAX } else { 0 };
    let mut packed: Vec<u64> = lane
        .iter()
        .enumerate()
        .map(|(i, &v)| (u64::from(order_key(v) ^ flip) << 32) | i as u64)
        .collect();
    packed.sort_unstable();
    order.extend(packed.iter().map(|&p| (p & 0xFFFF_FFFF) as usize));
}

/// `sort(x, axis, descending)` (the values) or `argsort(x, axis,
/// descending)` (their positions as float32).
#[derive(Debug)]
pub struct Sort {
    name: &'static str,
    axis: i64,
    descending: bool,
    indices: bool,
}

impl Sort {
    pub fn new(name: &str, attrs: &Attrs) -> Result<Self> {
        let (name, indices) = match name {
            "sort" => ("sort", false),
            "argsort" => ("argsort", true),
            _ => return Err(Error::argument(name, "not a sorting op")),
        };
        Ok(Self {
            name,
            axis: attrs.int(name, "axis", -1)?,
            descending: attrs.bool(name, "descending", false)?,
            indices,
        })
    }

    /// Runs `each(order, lane, out_lane)` over every lane along the axis.
    fn for_lanes<F>(&self, x: &ArrayViewD<f32>, out: &mut ArrayD<f32>, axis: usize, each: F)
    where
        F: Fn(&[usize], &ArrayView1<f32>, &mut ArrayViewMut1<f32>) + Sync + Send,
    {
        let descending = self.descending;
        let zip = Zip::from(out.lanes_mut(Axis(axis))).and(x.lanes(Axis(axis)));
        // Each lane is sorted on its own, so the result does not depend on
        // how lanes are split across threads.
        if worth_splitting(x.len()) {
            zip.par_for_each(|mut o, lane| {
                let mut order = Vec::with_capacity(lane.len());
                order_of(&lane, descending, &mut order);
                each(&order, &lane, &mut o);
            });
        } else {
            let mut order = Vec::new();
            zip.for_each(|mut o, lane| {
                order_of(&lane, descending, &mut order);
                each(&order, &lane, &mut o);
            });
        }
    }
}

impl Primitive for Sort {
    fn name(&self) -> &'static str {
        self.name
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity(self.name, inputs, 1)?;
        // argsort states float64 itself (`Float64::Own`): its positions
        // stay float32.
        let x = match inputs[0].dtype {
            DType::F64 if self.indices => inputs[0].with_dtype(DType::F32),
            _ => inputs[0].clone(),
        };
        let x = spec::same_float(self.name, &[x])?;
        spec::axis_of(self.name, self.axis, x.rank())?;
        Ok(x)
    }

    /// sort moves float64 values as they are; argsort orders float64 input
    /// by its float64 values and gives float32 positions.
    fn float64(&self) -> Float64 {
        if self.indices {
            Float64::Own
        } else {
            Float64::Computed
        }
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        expect_arity(self.name, inputs, 1)?;
        if self.indices {
            return Ok(vec![None]);
        }
        let x = inputs[0].f64(self.name)?;
        let axis = normalize_axis(self.name, self.axis, x.ndim())?;
        Ok(vec![Some(f64_rules::backward(x, grad, axis, self.descending)?)])
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity(self.name, inputs, 1)?;
        if let ValueView::F64(x) = &inputs[0] {
            let axis = normalize_axis(self.name, self.axis, x.ndim())?;
            return Ok(f64_rules::forward(x.view(), axis, self.descending, self.indices));
        }
        let x = inputs[0].f32(self.name)?;
        let axis = normalize_axis(self.name, self.axis, x.ndim())?;
        let mut out = ArrayD::<f32>::zeros(x.raw_dim());
        if self.indices {
            self.for_lanes(&x, &mut out, axis, |order, _, o| {
                for (dst, &i) in o.iter_mut().zip(order) {
                    *dst = i as f32;
                }
            });
        } else {
            self.for_lanes(&x, &mut out, axis, |order, lane, o| {
                for (dst, &i) in o.iter_mut().zip(order) {
                    *dst = lane[i];
                }
            });
        }
        Ok(Value::F32(out))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity(self.name, inputs, 1)?;
        if self.indices {
            return Ok(vec![None]);
        }
        let x = inputs[0].f32(self.name)?;
        if grad.shape() != x.shape() {
            return Err(Error::shape(
                self.name,
                "a gradient shaped like the output",
                crate::error::fmt_shape(grad.shape()),
            ));
        }
        let axis = normalize_axis(self.name, self.axis, x.ndim())?;
        let descending = self.descending;
        let mut dx = ArrayD::<f32>::zeros(x.raw_dim());
        // The order is recomputed from the input (the same stable sort as
        // the forward pass), then output gradient j goes to position order[j].
        let zip = Zip::from(dx.lanes_mut(Axis(axis)))
            .and(x.lanes(Axis(axis)))
            .and(grad.lanes(Axis(axis)));
        let scatter = |order: &mut Vec<usize>,
                       mut d: ArrayViewMut1<f32>,
                       lane: ArrayView1<f32>,
                       g: ArrayView1<f32>| {
            order_of(&lane, descending, order);
            for (&i, &gj) in order.iter().zip(g.iter()) {
                d[i] = gj;
            }
        };
        if worth_splitting(x.len()) {
            zip.par_for_each(|d, lane, g| scatter(&mut Vec::new(), d, lane, g));
        } else {
            let mut order = Vec::new();
            zip.for_each(|d, lane, g| scatter(&mut order, d, lane, g));
        }
        Ok(vec![Some(dx)])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "argsort",
        doc: "positions (float32) that sort x along an axis, stable, NaN last",
        inputs: &["x"],
        attrs: &[("axis", Lit::Int(-1)), ("descending", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: false,
        build: |n, a| Ok(Arc::new(Sort::new(n, a)?)),
        example: (&[("axis", Lit::Int(0))], &[Sample::F32(&[3, 4])]),
    },
    OpInfo {
        name: "sort",
        doc: "x sorted along an axis, stable, NaN last (first when descending)",
        inputs: &["x"],
        attrs: &[("axis", Lit::Int(-1)), ("descending", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Sort::new(n, a)?)),
        example: (
            &[("axis", Lit::Int(0)), ("descending", Lit::Bool(true))],
            &[Sample::F32(&[4, 3])],
        ),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Attr;
    use ndarray::arr1;

    fn run(name: &str, x: &[f32], descending: bool) -> Vec<f32> {
        let attrs = Attrs::new().with("descending", Attr::Bool(descending));
        let op = Sort::new(name, &attrs).unwrap();
        let x = arr1(x).into_dyn();
        let out = op
            .forward(&[ValueView::F32(x.view())], &Context::default())
            .unwrap();
        out.into_f32(name).unwrap().iter().copied().collect()
    }

    #[test]
    fn nan_goes_last_ascending_and_first_descending() {
        let x = [1.0, f32::NAN, 3.0, 0.0, -0.0, 3.0];
        assert_eq!(run("argsort", &x, false), [3.0, 4.0, 0.0, 2.0, 5.0, 1.0]);
        assert_eq!(run("argsort", &x, true), [1.0, 2.0, 5.0, 0.0, 3.0, 4.0]);
        let s = run("sort", &x, false);
        assert_eq!(&s[..5], &[0.0, -0.0, 1.0, 3.0, 3.0]);
        assert!(s[5].is_nan());
    }

    #[test]
    fn keys_order_like_the_comparison() {
        let values = [
            f32::NEG_INFINITY,
            -3.5,
            -1e-40,
            -0.0,
            0.0,
            1e-40,
            2.0,
            f32::INFINITY,
            f32::NAN,
        ];
        for &a in &values {
            for &b in &values {
                assert_eq!(order_key(a).cmp(&order_key(b)), ascending(a, b), "{a} {b}");
            }
        }
        assert_eq!(order_key(-f32::NAN), u32::MAX);
    }

    #[test]
    fn backward_scatters_through_the_permutation() {
        let op = Sort::new("sort", &Attrs::new()).unwrap();
        let x = arr1(&[3.0f32, 1.0, 2.0]).into_dyn();
        let g = arr1(&[10.0f32, 20.0, 30.0]).into_dyn();
        let grads = op
            .backward(
                &[ValueView::F32(x.view())],
                x.view(),
                g.view(),
                &Context::default(),
            )
            .unwrap();
        let dx: Vec<f32> = grads[0].as_ref().unwrap().iter().copied().collect();
        assert_eq!(dx, [30.0, 10.0, 20.0]);
    }

    #[test]
    fn a_bad_axis_is_refused() {
        let attrs = Attrs::new().with("axis", Attr::Int(2));
        let op = Sort::new("sort", &attrs).unwrap();
        let x = arr1(&[1.0f32]).into_dyn();
        assert!(op
            .forward(&[ValueView::F32(x.view())], &Context::default())
            .is_err());
    }
}
