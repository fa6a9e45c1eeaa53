//! `random_categorical`: class indices drawn per row of logits (see `random.rs`).

use super::draws::{fill, Draws};
use super::Seeding;
use crate::error::{Error, Result};
use crate::ops::spec::{DType, TensorSpec};
use crate::ops::{Context, InputGrads, Primitive};
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

/// `num_samples` class indices per row of `logits`, drawn with the
/// probabilities softmax(logits) (float32 indices, as argmax gives).
#[derive(Debug)]
pub struct Categorical {
    pub(super) num_samples: usize,
    pub(super) seeding: Seeding,
}

impl Primitive for Categorical {
    fn name(&self) -> &'static str {
        "random_categorical"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let [seed, logits] = inputs else {
            return Err(Error::argument(
                self.name(),
                format!("takes a seed and logits. Received {} inputs", inputs.len()),
            ));
        };
        Seeding::check_spec(self.name(), seed)?;
        logits.expect_dtype(self.name(), "logits", DType::F32)?;
        logits.expect_rank(self.name(), "logits", 2)?;
        Ok(TensorSpec::new(
            vec![logits.shape[0], Some(self.num_samples)],
            DType::F32,
        ))
    }

    fn forward(&self, inputs: &[ValueView], ctx: &Context) -> Result<Value> {
        let specs: Vec<TensorSpec> = inputs.iter().map(TensorSpec::of_view).collect();
        self.output_spec(&specs)?;
        let key = self.seeding.key(self.name(), 7, &inputs[0], ctx)?;
        let logits = inputs[1].f32(self.name())?;
        let (rows, k) = (logits.shape()[0], logits.shape()[1]);
        let s = self.num_samples;
        // Cumulative probabilities per row, in f64 (a row's mass may sit in
        // one class while the others underflow).
        let cumulative: Vec<Vec<f64>> = logits
            .axis_iter(Axis(0))
            .map(|row| {
                let top = row
                    .iter()
                    .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
                let mut total = 0.0;
                row.iter()
                    .map(|&v| {
                        total += if top.is_finite() {
                            (f64::from(v) - top).exp()
                        } else {
                            0.0
                        };
                        total
                    })
                    .collect()
            })
            .collect();
        let mut out = vec![0f32; rows * s];
        fill(&mut out, |i| {
            let row = &cumulative[i as usize / s.max(1)];
            let total = row.last().copied().unwrap_or(0.0);
            if total.is_nan() || total <= 0.0 || total.is_infinite() {
                return 0.0;
            }
            let target = Draws::new(key, i).uniform() * total;
            // The first class whose cumulative mass exceeds the target.
            row.partition_point(|&c| c <= target).min(k - 1) as f32
        });
        Ok(Value::F32(
            ArrayD::from_shape_vec(IxDyn(&[rows, s]), out)
                .map_err(|e| Error::shape(self.name(), "a valid shape", e.to_string()))?,
        ))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        _grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        Ok(vec![None; inputs.len()])
    }
}
