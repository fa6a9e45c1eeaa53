//! argmax, one_hot and in_top_k: the index ops accuracy metrics and sparse
//! losses are made of. Their outputs are float32 (indices and 0/1 flags are
//! exact in float32 for any realistic class count) and carry no gradient.

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, fmt_dims, DType, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::real::Real;
use crate::tensor::{class_ids, expect_arity, normalize_axis, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

/// `argmax(x, axis)`: the index of the first largest value along `axis`.
#[derive(Debug)]
pub struct ArgMax {
    axis: i64,
}

impl ArgMax {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        Ok(Self {
            axis: attrs.int("argmax", "axis", -1)?,
        })
    }
}

impl Primitive for ArgMax {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "argmax";
        spec::expect_arity(op, inputs, 1)?;
        let x = &inputs[0];
        if x.dtype != DType::F64 {
            x.expect_dtype(op, "an input", DType::F32)?;
        }
        let axis = spec::axis_of(op, self.axis, x.rank())?;
        let mut shape = x.shape.clone();
        shape.remove(axis);
        // Indices as float32, as the kernel returns them (metrics compare
        // them with float labels).
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        "argmax"
    }

    /// float64 input is compared in float64 (values that round to one
    /// float32 stay apart); the indices stay float32.
    fn float64(&self) -> Float64 {
        Float64::Own
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("argmax", inputs, 1)?;
        match &inputs[0] {
            ValueView::F64(x) => self.argmax(x.view()),
            other => self.argmax(other.f32("argmax")?),
        }
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        _grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity("argmax", inputs, 1)?;
        Ok(vec![None])
    }
}

impl ArgMax {
    fn argmax<T: Real>(&self, x: ArrayViewD<T>) -> Result<Value> {
        let axis = normalize_axis("argmax", self.axis, x.ndim())?;
        if x.shape()[axis] == 0 {
            return Err(Error::shape(
                "argmax",
                "a non-empty axis to take the argmax over",
                format!(
                    "shape {} with axis {} of size 0",
                    fmt_shape(x.shape()),
                    self.axis
                ),
            ));
        }
        let out = x.map_axis(Axis(axis), |lane| {
            let mut best = 0usize;
            for (i, &v) in lane.iter().enumerate() {
                // NaN wins, as in numpy: it is the "largest" value once seen.
                if v > lane[best] || (v.is_nan() && !lane[best].is_nan()) {
                    best = i;
                }
            }
            best as f32
        });
        Ok(Value::F32(out))
    }
}

/// `one_hot(ids, num_classes)`: a trailing axis of 0/1 flags.
#[derive(Debug)]
pub struct OneHot {
    num_classes: usize,
}

impl OneHot {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        let n = attrs.int("one_hot", "num_classes", 0)?;
        if n < 1 {
            return Err(Error::argument(
                "one_hot",
                format!("num_classes must be a positive int. Received: num_classes={n}"),
            ));
        }
        Ok(Self {
            num_classes: n as usize,
        })
    }
}

impl Primitive for OneHot {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::expect_arity("one_hot", inputs, 1)?;
        let mut shape = inputs[0].shape.clone();
        shape.push(Some(self.num_classes));
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        "one_hot"
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("one_hot", inputs, 1)?;
        let ids = class_ids("one_hot", &inputs[0], self.num_classes)?;
        let mut shape = inputs[0].shape().to_vec();
        shape.push(self.num_classes);
        let mut out = ArrayD::<f32>::zeros(IxDyn(&shape));
        let flat = out
            .as_slice_mut()
            .ok_or_else(|| Error::argument("one_hot", "internal: non-contiguous output"))?;
        for (row, &id) in ids.iter().enumerate() {
            flat[row * self.num_classes + id] = 1.0;
        }
        Ok(Value::F32(out))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        _grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity("one_hot", inputs, 1)?;
        Ok(vec![None])
    }
}

/// `in_top_k(targets, predictions, k)`: 1 where the target class is among
/// the k largest predictions. The rank counts only strictly larger values,
/// so ties count in the target's favour (as Keras does); a NaN at the target
/// never counts.
#[derive(Debug)]
pub struct InTopK {
    k: usize,
}

impl InTopK {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        let k = attrs.int("in_top_k", "k", 5)?;
        if k < 1 {
            return Err(Error::argument(
                "in_top_k",
                format!("k must be a positive int. Received: k={k}"),
            ));
        }
        Ok(Self { k: k as usize })
    }
}

impl InTopK {
    /// 1 where the target's score is among the `k` largest of its row.
    fn hits<T: Real>(&self, targets: &ValueView, preds: ArrayViewD<T>) -> Result<Value> {
        if preds.ndim() != 2 || targets.shape() != [preds.shape()[0]] {
            return Err(Error::shape(
                "in_top_k",
                "targets of shape (batch,) and predictions of shape (batch, classes)",
                format!(
                    "targets {} and predictions {}",
                    fmt_shape(targets.shape()),
                    fmt_shape(preds.shape())
                ),
            ));
        }
        let ids = class_ids("in_top_k", targets, preds.shape()[1])?;
        let hits: Vec<f32> = preds
            .outer_iter()
            .zip(&ids)
            .map(|(row, &id)| {
                let at = row[id];
                if at.is_nan() {
                    return 0.0;
                }
                let larger = row.iter().filter(|&&v| v > at).count();
                if larger < self.k {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        Ok(Value::F32(
            ArrayD::from_shape_vec(IxDyn(&[hits.len()]), hits)
                .map_err(|e| Error::shape("in_top_k", "a consistent output", e.to_string()))?,
        ))
    }
}

impl Primitive for InTopK {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "in_top_k";
        spec::expect_arity(op, inputs, 2)?;
        let (targets, preds) = (&inputs[0], &inputs[1]);
        if preds.dtype != DType::F64 {
            preds.expect_dtype(op, "predictions", DType::F32)?;
        }
        let fits = preds.rank() == 2
            && targets.rank() == 1
            && match (targets.shape[0], preds.shape[0]) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
        if !fits {
            return Err(Error::shape(
                op,
                "targets of shape (batch,) and predictions of shape (batch, classes)",
                format!(
                    "targets {} and predictions {}",
                    fmt_dims(&targets.shape),
                    fmt_dims(&preds.shape)
                ),
            ));
        }
        Ok(TensorSpec::new(
            vec![targets.shape[0].or(preds.shape[0])],
            DType::F32,
        ))
    }

    fn name(&self) -> &'static str {
        "in_top_k"
    }

    /// float64 predictions are compared in float64 (scores that round to
    /// one float32 stay apart); the 0/1 flags stay float32.
    fn float64(&self) -> Float64 {
        Float64::Own
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("in_top_k", inputs, 2)?;
        match &inputs[1] {
            ValueView::F64(preds) => self.hits(&inputs[0], preds.view()),
            other => self.hits(&inputs[0], other.f32("in_top_k")?),
        }
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        _grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity("in_top_k", inputs, 2)?;
        Ok(vec![None, None])
    }
}


/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "argmax",
        doc: "index of the largest value along an axis (float32 indices)",
        inputs: &["x"],
        attrs: &[("axis", Lit::Int(-1))],
        dtypes: "float32, float64",
        differentiable: false,
        build: |_, a| Ok(Arc::new(ArgMax::new(a)?)),
        example: (&[("axis", Lit::Int(0))], &[Sample::F32(&[3, 4])]),
    },
    OpInfo {
        name: "one_hot",
        doc: "0/1 rows with a one at each id",
        inputs: &["ids"],
        attrs: &[("num_classes", Lit::None)],
        dtypes: "int64 or whole float32 ids",
        differentiable: false,
        build: |_, a| Ok(Arc::new(OneHot::new(a)?)),
        example: (&[("num_classes", Lit::Int(4))], &[Sample::Ids(&[0, 3, 1], &[3])]),
    },
    OpInfo {
        name: "in_top_k",
        doc: "1 where the target's prediction is among the k largest",
        inputs: &["targets", "predictions"],
        attrs: &[("k", Lit::Int(5))],
        dtypes: "int64 or whole float targets, float32 or float64 predictions",
        differentiable: false,
        build: |_, a| Ok(Arc::new(InTopK::new(a)?)),
        example: (&[("k", Lit::Int(2))], &[Sample::Ids(&[0, 3, 1], &[3]), Sample::F32(&[3, 4])]),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr1, arr2};

    fn ctx() -> Context {
        Context::default()
    }

    #[test]
    fn argmax_takes_the_first_maximum() {
        let x = arr2(&[[1.0f32, 3.0, 3.0], [5.0, 0.0, -1.0]]).into_dyn();
        let out = ArgMax::new(&Attrs::new())
            .unwrap()
            .forward(&[ValueView::F32(x.view())], &ctx());
        assert_eq!(out.unwrap(), Value::F32(arr1(&[1.0, 0.0]).into_dyn()));
    }

    #[test]
    fn one_hot_checks_the_range() {
        let attrs = Attrs::new().with("num_classes", super::super::Attr::Int(3));
        let op = OneHot::new(&attrs).unwrap();
        let ids = arr1(&[2i64, 0]).into_dyn();
        let out = op.forward(&[ValueView::I64(ids.view())], &ctx()).unwrap();
        assert_eq!(
            out,
            Value::F32(arr2(&[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]).into_dyn())
        );
        let bad = arr1(&[3i64]).into_dyn();
        assert!(op.forward(&[ValueView::I64(bad.view())], &ctx()).is_err());
    }

    #[test]
    fn in_top_k_counts_ties_for_the_target() {
        let attrs = Attrs::new().with("k", super::super::Attr::Int(1));
        let op = InTopK::new(&attrs).unwrap();
        let preds = arr2(&[[0.5f32, 0.5, 0.0], [0.1, 0.2, 0.7]]).into_dyn();
        let ids = arr1(&[1i64, 0]).into_dyn();
        let out = op
            .forward(
                &[ValueView::I64(ids.view()), ValueView::F32(preds.view())],
                &ctx(),
            )
            .unwrap();
        assert_eq!(out, Value::F32(arr1(&[1.0, 0.0]).into_dyn()));
    }
}
