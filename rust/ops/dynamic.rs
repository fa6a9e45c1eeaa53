//! Sizes known only at run time, as tensors: `dim` reads one size of a
//! tensor (the batch of a traced model) into a scalar, and `reshape_dynamic`,
//! `broadcast_dynamic` and `arange_dynamic` take such scalars as sizes.
//!
//! They are what `ops.shape(x)[0]` and `ops.ones((batch, 1))`,
//! `ops.reshape(x, (batch, -1))` or `ops.arange(batch)` lower to inside a
//! traced graph, where the batch size is unknown until each step runs.
//! Static sizes stay attributes; the `sized` attribute lists the axes whose
//! size comes from the size inputs, in order.

use super::broadcast::reduce_to_shape;
use super::registry::{Lit, OpInfo, Sample};
use super::spec::{self, fmt_dims, DType, Dim, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};

#[path = "dynamic_f64.rs"]
mod f64_rules;
use crate::error::{fmt_shape, Error, Result};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, IxDyn};
use std::sync::Arc;

/// The value of a size input: a whole, non-negative number held by a
/// one-element tensor of either element type.
fn size_value(op: &str, v: &ValueView) -> Result<usize> {
    let value = match v {
        ValueView::F32(a) if a.len() == 1 => a.iter().next().map(|&x| f64::from(x)),
        ValueView::I64(a) if a.len() == 1 => a.iter().next().map(|&x| x as f64),
        _ => None,
    };
    match value {
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 9.0e15 => Ok(x as usize),
        _ => Err(Error::argument(
            op,
            format!(
                "each size input must hold one whole number >= 0. Received: a {} tensor of shape {}",
                v.dtype_name(),
                fmt_shape(v.shape())
            ),
        )),
    }
}

/// Checks that every size input's spec is a one-element tensor.
fn check_size_specs(op: &str, sizes: &[TensorSpec], want: usize) -> Result<()> {
    if sizes.len() != want {
        return Err(Error::argument(
            op,
            format!(
                "expected {want} size input(s), one per axis in `sized`. Received: {} size input(s)",
                sizes.len()
            ),
        ));
    }
    for s in sizes {
        if spec::known_product(&s.shape).is_some_and(|n| n != 1) {
            return Err(Error::shape(
                op,
                "size inputs holding one value each",
                format!("a size input of shape {}", fmt_dims(&s.shape)),
            ));
        }
    }
    Ok(())
}

/// `shape` and `sized` attributes: static sizes, and the axes filled from
/// the size inputs in order.
#[derive(Debug)]
struct Target {
    shape: Vec<i64>,
    sized: Vec<usize>,
}

impl Target {
    fn new(op: &str, attrs: &Attrs, allow_infer: bool) -> Result<Self> {
        let shape = attrs
            .opt_ints(op, "shape")?
            .ok_or_else(|| Error::argument(op, "the attribute 'shape' is required"))?;
        let sized_raw = attrs.opt_ints(op, "sized")?.unwrap_or_default();
        let mut sized = Vec::with_capacity(sized_raw.len());
        for &a in &sized_raw {
            let ok = usize::try_from(a).ok().filter(|&a| a < shape.len());
            match ok {
                Some(a) if !sized.contains(&a) => sized.push(a),
                _ => {
                    return Err(Error::argument(
                        op,
                        format!(
                            "sized must list distinct axes of shape {shape:?}. Received: sized={sized_raw:?}"
                        ),
                    ))
                }
            }
        }
        let infer = shape
            .iter()
            .enumerate()
            .filter(|(i, &d)| d == -1 && !sized.contains(i))
            .count();
        let bad = shape
            .iter()
            .enumerate()
            .any(|(i, &d)| !sized.contains(&i) && d < -1);
        if bad || infer > usize::from(allow_infer) {
            let allowed = if allow_infer {
                "one -1 and otherwise"
            } else {
                "only"
            };
            return Err(Error::argument(
                op,
                format!("shape may hold {allowed} sizes >= 0 outside `sized`. Received: shape={shape:?}"),
            ));
        }
        Ok(Self { shape, sized })
    }

    /// Static sizes, None for the sized axes and for -1.
    fn static_dims(&self) -> Vec<Dim> {
        self.shape
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                if self.sized.contains(&i) {
                    None
                } else {
                    usize::try_from(d).ok()
                }
            })
            .collect()
    }

    /// The sizes with the size inputs' values in; -1 kept as None.
    fn run_dims(&self, op: &str, sizes: &[ValueView]) -> Result<Vec<Option<usize>>> {
        if sizes.len() != self.sized.len() {
            return Err(Error::argument(
                op,
                format!(
                    "expected {} size input(s). Received: {}",
                    self.sized.len(),
                    sizes.len()
                ),
            ));
        }
        let mut dims = self.static_dims();
        for (&axis, v) in self.sized.iter().zip(sizes) {
            dims[axis] = Some(size_value(op, v)?);
        }
        Ok(dims)
    }
}

/// `dim(x, axis)`: the size of `x` along `axis`, as an int64 scalar.
#[derive(Debug)]
pub struct DimOf {
    axis: i64,
}

impl Primitive for DimOf {
    fn name(&self) -> &'static str {
        "dim"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("dim", inputs, 1)?;
        spec::axis_of("dim", self.axis, inputs[0].rank())?;
        Ok(TensorSpec::i64(&[]))
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("dim", inputs, 1)?;
        let shape = inputs[0].shape();
        let axis = spec::axis_of("dim", self.axis, shape.len())?;
        Ok(Value::I64(ArrayD::from_elem(
            IxDyn(&[]),
            shape[axis] as i64,
        )))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        _g: ArrayViewD<f32>,
        _c: &Context,
    ) -> Result<InputGrads> {
        Ok(vec![None; inputs.len()])
    }
}

/// `broadcast_dynamic(x, *sizes)`: `x` broadcast to `shape`, whose `sized`
/// axes take the size inputs' values.
#[derive(Debug)]
pub struct BroadcastDynamic {
    target: Target,
}

impl Primitive for BroadcastDynamic {
    fn name(&self) -> &'static str {
        "broadcast_dynamic"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "broadcast_dynamic";
        let Some((x, sizes)) = inputs.split_first() else {
            return Err(Error::argument(op, "expected an input to broadcast"));
        };
        x.expect_dtype(op, "an input", DType::F32)?;
        check_size_specs(op, sizes, self.target.sized.len())?;
        let dims = self.target.static_dims();
        let fits = x.rank() <= dims.len()
            && x.shape
                .iter()
                .rev()
                .zip(dims.iter().rev())
                .all(|(have, want)| {
                    matches!((have, want), (Some(1), _) | (None, _) | (_, None)) || have == want
                });
        if !fits {
            return Err(Error::shape(
                op,
                format!("an input that broadcasts to {}", fmt_dims(&dims)),
                format!("an input of shape {}", fmt_dims(&x.shape)),
            ));
        }
        Ok(TensorSpec::new(dims, DType::F32))
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = "broadcast_dynamic";
        let Some((x, sizes)) = inputs.split_first() else {
            return Err(Error::argument(op, "expected an input to broadcast"));
        };
        let dims: Vec<usize> = self
            .target
            .run_dims(op, sizes)?
            .into_iter()
            .map(|d| d.unwrap_or(0))
            .collect();
        match x {
            ValueView::F64(x) => f64_rules::broadcast(op, x.view(), &dims).map(Value::F64),
            x => f64_rules::broadcast(op, x.f32(op)?, &dims).map(Value::F32),
        }
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _c: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        f64_rules::first_grad(inputs, |shape| {
            reduce_to_shape("broadcast_dynamic", grad, shape)
        })
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _c: &Context,
    ) -> Result<InputGrads> {
        let mut grads = vec![None; inputs.len()];
        if let Some(x) = inputs.first() {
            grads[0] = Some(reduce_to_shape("broadcast_dynamic", grad, x.shape())?);
        }
        Ok(grads)
    }
}

/// `reshape_dynamic(x, *sizes)`: `x` in `shape`, whose `sized` axes take the
/// size inputs' values; one other size may be -1 and is inferred.
#[derive(Debug)]
pub struct ReshapeDynamic {
    target: Target,
}

impl ReshapeDynamic {
    fn resolve(&self, input: &[usize], sizes: &[ValueView]) -> Result<Vec<usize>> {
        let op = "reshape_dynamic";
        let dims = self.target.run_dims(op, sizes)?;
        let total: usize = input.iter().product();
        let known: usize = dims.iter().flatten().product();
        let mismatch = || {
            Error::shape(
                op,
                format!(
                    "an input whose size fits the target shape {}",
                    fmt_dims(&dims)
                ),
                format!("an input of shape {} ({total} elements)", fmt_shape(input)),
            )
        };
        let out: Vec<usize> = if dims.contains(&None) {
            if known == 0 || !total.is_multiple_of(known) {
                return Err(mismatch());
            }
            dims.iter().map(|d| d.unwrap_or(total / known)).collect()
        } else {
            dims.iter().flatten().copied().collect()
        };
        if out.iter().product::<usize>() != total {
            return Err(mismatch());
        }
        Ok(out)
    }
}

impl Primitive for ReshapeDynamic {
    fn name(&self) -> &'static str {
        "reshape_dynamic"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "reshape_dynamic";
        let Some((x, sizes)) = inputs.split_first() else {
            return Err(Error::argument(op, "expected an input to reshape"));
        };
        x.expect_dtype(op, "an input", DType::F32)?;
        check_size_specs(op, sizes, self.target.sized.len())?;
        let mut dims = self.target.static_dims();
        let unknown = dims.iter().filter(|d| d.is_none()).count();
        let infer = self
            .target
            .shape
            .iter()
            .enumerate()
            .position(|(i, &d)| d == -1 && !self.target.sized.contains(&i));
        // -1 is known statically only when every other size and the input's
        // size are (no size inputs).
        if let (Some(i), 1, Some(total)) = (infer, unknown, spec::known_product(&x.shape)) {
            let known: usize = dims.iter().flatten().product();
            if known == 0 || !total.is_multiple_of(known) {
                return Err(Error::shape(
                    op,
                    format!(
                        "an input whose size fits the target shape {:?}",
                        self.target.shape
                    ),
                    format!("an input of shape {}", fmt_dims(&x.shape)),
                ));
            }
            dims[i] = Some(total / known);
        }
        Ok(TensorSpec::new(dims, DType::F32))
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = "reshape_dynamic";
        let Some((x, sizes)) = inputs.split_first() else {
            return Err(Error::argument(op, "expected an input to reshape"));
        };
        let shape = self.resolve(x.shape(), sizes)?;
        match x {
            ValueView::F64(x) => f64_rules::reshape(op, x.view(), &shape).map(Value::F64),
            x => f64_rules::reshape(op, x.f32(op)?, &shape).map(Value::F32),
        }
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _c: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        f64_rules::first_grad(inputs, |shape| {
            f64_rules::reshape("reshape_dynamic", grad.view(), shape)
        })
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _c: &Context,
    ) -> Result<InputGrads> {
        let op = "reshape_dynamic";
        let mut grads = vec![None; inputs.len()];
        if let Some(x) = inputs.first() {
            let g = grad
                .as_standard_layout()
                .into_owned()
                .into_shape_with_order(IxDyn(x.shape()))
                .map_err(|_| Error::shape(op, fmt_shape(x.shape()), fmt_shape(grad.shape())))?;
            grads[0] = Some(g);
        }
        Ok(grads)
    }
}

/// `arange_dynamic(stop)`: `start + i * step` for every `i` with the value
/// short of `stop` (a scalar input), as float32.
#[derive(Debug)]
pub struct ArangeDynamic {
    start: f64,
    step: f64,
}

impl Primitive for ArangeDynamic {
    fn name(&self) -> &'static str {
        "arange_dynamic"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("arange_dynamic", inputs, 1)?;
        check_size_specs("arange_dynamic", inputs, 1)?;
        Ok(TensorSpec::new(vec![None], DType::F32))
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = "arange_dynamic";
        expect_arity(op, inputs, 1)?;
        let stop = match &inputs[0] {
            ValueView::F32(a) if a.len() == 1 => a.iter().next().map(|&x| f64::from(x)),
            ValueView::I64(a) if a.len() == 1 => a.iter().next().map(|&x| x as f64),
            _ => None,
        }
        .filter(|x| x.is_finite())
        .ok_or_else(|| Error::argument(op, "stop must be one finite number"))?;
        let n = ((stop - self.start) / self.step).ceil().max(0.0);
        if n > 1e9 {
            return Err(Error::argument(
                op,
                format!("the range would hold {n} values"),
            ));
        }
        let values = (0..n as usize)
            .map(|i| (self.start + i as f64 * self.step) as f32)
            .collect();
        ArrayD::from_shape_vec(IxDyn(&[n as usize]), values)
            .map(Value::F32)
            .map_err(|e| Error::argument(op, e.to_string()))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _o: ArrayViewD<f32>,
        _g: ArrayViewD<f32>,
        _c: &Context,
    ) -> Result<InputGrads> {
        Ok(vec![None; inputs.len()])
    }
}

fn arange_dynamic(attrs: &Attrs) -> Result<ArangeDynamic> {
    let op = "arange_dynamic";
    let start = attrs.float(op, "start", 0.0)?;
    let step = attrs.float(op, "step", 1.0)?;
    if step == 0.0 || !step.is_finite() || !start.is_finite() {
        return Err(Error::argument(
            op,
            format!("start must be finite and step finite and non-zero. Received: start={start}, step={step}"),
        ));
    }
    Ok(ArangeDynamic { start, step })
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "dim",
        doc: "the size of x along an axis, as an int64 scalar",
        inputs: &["x"],
        attrs: &[("axis", Lit::Int(0))],
        dtypes: "float32, int64",
        differentiable: false,
        build: |_, a| {
            Ok(Arc::new(DimOf {
                axis: a.int("dim", "axis", 0)?,
            }))
        },
        example: (&[("axis", Lit::Int(1))], &[Sample::F32(&[3, 4])]),
    },
    OpInfo {
        name: "broadcast_dynamic",
        doc: "x broadcast to shape, the sized axes taking the size inputs' values",
        inputs: &["x", "sizes..."],
        attrs: &[("shape", Lit::None), ("sized", Lit::None)],
        dtypes: "float32; sizes float32 or int64",
        differentiable: true,
        build: |_, a| {
            Ok(Arc::new(BroadcastDynamic {
                target: Target::new("broadcast_dynamic", a, false)?,
            }))
        },
        example: (
            &[
                ("shape", Lit::Ints(&[-1, 2, 3])),
                ("sized", Lit::Ints(&[0])),
            ],
            &[Sample::F32(&[2, 1]), Sample::Ids(&[4], &[])],
        ),
    },
    OpInfo {
        name: "reshape_dynamic",
        doc:
            "x in a new shape, the sized axes taking the size inputs' values (one other may be -1)",
        inputs: &["x", "sizes..."],
        attrs: &[("shape", Lit::None), ("sized", Lit::None)],
        dtypes: "float32; sizes float32 or int64",
        differentiable: true,
        build: |_, a| {
            Ok(Arc::new(ReshapeDynamic {
                target: Target::new("reshape_dynamic", a, true)?,
            }))
        },
        example: (
            &[("shape", Lit::Ints(&[-1, -1])), ("sized", Lit::Ints(&[0]))],
            &[Sample::F32(&[3, 4]), Sample::Ids(&[2], &[])],
        ),
    },
    OpInfo {
        name: "arange_dynamic",
        doc: "start + i * step for each i whose value stays short of the scalar input stop",
        inputs: &["stop"],
        attrs: &[("start", Lit::Float(0.0)), ("step", Lit::Float(1.0))],
        dtypes: "stop float32 or int64",
        differentiable: false,
        build: |_, a| Ok(Arc::new(arange_dynamic(a)?)),
        example: (&[("step", Lit::Float(2.0))], &[Sample::Ids(&[7], &[])]),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::build;

    fn scalar(v: i64) -> Value {
        Value::I64(ArrayD::from_elem(IxDyn(&[]), v))
    }

    #[test]
    fn reshape_takes_sizes_at_run_time() {
        let attrs = Attrs::new()
            .with("shape", super::super::Attr::Ints(vec![-1, 3, -1]))
            .with("sized", super::super::Attr::Ints(vec![0]));
        let op = build("reshape_dynamic", &attrs).unwrap();
        let x = Value::F32(ArrayD::zeros(IxDyn(&[4, 6])));
        let out = op
            .forward(&[x.view(), scalar(2).view()], &Context::default())
            .unwrap();
        assert_eq!(out.shape(), &[2, 3, 4]);
        let bad = op.forward(&[x.view(), scalar(5).view()], &Context::default());
        assert!(bad.is_err());
    }

    #[test]
    fn broadcast_refuses_bad_sizes() {
        let attrs = Attrs::new()
            .with("shape", super::super::Attr::Ints(vec![-1, 2]))
            .with("sized", super::super::Attr::Ints(vec![0]));
        let op = build("broadcast_dynamic", &attrs).unwrap();
        let x = Value::F32(ArrayD::zeros(IxDyn(&[1, 2])));
        let neg = Value::F32(ArrayD::from_elem(IxDyn(&[]), -1.0));
        assert!(op
            .forward(&[x.view(), neg.view()], &Context::default())
            .is_err());
        let half = Value::F32(ArrayD::from_elem(IxDyn(&[]), 1.5));
        assert!(op
            .forward(&[x.view(), half.view()], &Context::default())
            .is_err());
        let ok = op
            .forward(&[x.view(), scalar(3).view()], &Context::default())
            .unwrap();
        assert_eq!(ok.shape(), &[3, 2]);
    }
}
