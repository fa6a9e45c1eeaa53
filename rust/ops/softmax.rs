//! softmax and log_softmax along one axis (a child of `activation`, which
//! builds them and lists them with the other activations).

use super::f64_rules;
use crate::kernels::fastmath;
use crate::error::Result;
use crate::kernels::elementwise::zip2;
use crate::kernels::parallel::worth_splitting;
use crate::ops::spec::{self, TensorSpec};
use crate::ops::{Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::tensor::{expect_arity, normalize_axis, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMut1, Axis, Zip};

/// softmax or log_softmax along one axis, max-shifted for stability.
#[derive(Debug)]
pub struct Softmax {
    pub(super) axis: i64,
    pub(super) log: bool,
}

fn softmax_lane(mut lane: ArrayViewMut1<f32>, log: bool) {
    crate::kernels::isa::run(#[inline(always)]
    move || {
        let max = lane.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let shift = if max.is_finite() { max } else { 0.0 };
        if log {
            let sum: f32 = lane.iter().map(|&v| fastmath::exp(v - shift)).sum();
            let lse = sum.ln();
            lane.mapv_inplace(|v| v - shift - lse);
        } else {
            lane.mapv_inplace(|v| fastmath::exp(v - shift));
            let sum: f32 = lane.sum();
            lane.mapv_inplace(|v| v / sum);
        }
    })
}

impl Primitive for Softmax {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let out = spec::same_float(self.name(), inputs)?;
        spec::axis_of(self.name(), self.axis, out.rank())?;
        Ok(out)
    }

    fn name(&self) -> &'static str {
        if self.log {
            "log_softmax"
        } else {
            "softmax"
        }
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = self.name();
        expect_arity(op, inputs, 1)?;
        if let ValueView::F64(x) = &inputs[0] {
            let axis = normalize_axis(op, self.axis, x.ndim())?;
            return Ok(Value::F64(f64_rules::softmax(x.view(), axis, self.log)));
        }
        let x = inputs[0].f32(op)?;
        let axis = Axis(normalize_axis(op, self.axis, x.ndim())?);
        let mut out = x.to_owned();
        let log = self.log;
        let lanes = Zip::from(out.lanes_mut(axis));
        if worth_splitting(x.len()) {
            lanes.par_for_each(|lane| softmax_lane(lane, log));
        } else {
            lanes.for_each(|lane| softmax_lane(lane, log));
        }
        Ok(Value::F32(out))
    }

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
        let op = self.name();
        expect_arity(op, inputs, 1)?;
        let axis = normalize_axis(op, self.axis, output.ndim())?;
        f64_rules::softmax_backward(output, grad, axis, self.log, op)
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let op = self.name();
        expect_arity(op, inputs, 1)?;
        let axis = Axis(normalize_axis(op, self.axis, output.ndim())?);
        let shape = output.shape().to_vec();
        let gx: ArrayD<f32> = if self.log {
            // d log_softmax: g - softmax * sum(g)
            let gsum = grad.sum_axis(axis).insert_axis(axis);
            zip2(output, gsum.view(), &shape, |y, gs| fastmath::exp(y) * gs)
                .and_then(|sg| zip2(grad, sg.view(), &shape, |g, s| g - s))
        } else {
            // d softmax: y * (g - sum(g * y))
            let gy = zip2(grad.view(), output.view(), &shape, |g, y| g * y);
            gy.and_then(|gy| {
                let dot = gy.sum_axis(axis).insert_axis(axis);
                let centred = zip2(grad.view(), dot.view(), &shape, |g, d| g - d)?;
                zip2(output.view(), centred.view(), &shape, |y, c| y * c)
            })
        }
        .ok_or_else(|| {
            crate::error::Error::shape(op, "a gradient shaped like the output", "another shape")
        })?;
        Ok(vec![Some(gx)])
    }
}
