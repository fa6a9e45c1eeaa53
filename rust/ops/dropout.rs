//! Inverted dropout: while training, each element is kept with probability
//! 1 - rate and scaled by 1 / (1 - rate); at inference it is the identity.

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, TensorSpec};
use super::{Attrs, Context, InputGrads, Primitive};
use crate::error::{Error, Result};
use crate::kernels::buffer::try_filled;
use crate::kernels::parallel::worth_splitting;
use crate::kernels::random::{dropout_in_place, dropout_into, Stream, BLOCK};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD};
use rayon::prelude::*;

#[derive(Debug)]
pub struct Dropout {
    rate: f32,
    seed: u64,
    /// An explicit `training=` from the layer call; otherwise the run's mode.
    training: Option<bool>,
}

impl Dropout {
    pub fn new(attrs: &Attrs) -> Result<Self> {
        let rate = attrs.float("dropout", "rate", 0.5)?;
        if !(0.0..1.0).contains(&rate) {
            return Err(Error::argument(
                "dropout",
                format!("rate must be in [0, 1). Received: rate={rate}"),
            ));
        }
        Ok(Self {
            rate: rate as f32,
            seed: attrs.int("dropout", "seed", 0)? as u64,
            training: attrs.opt_bool("dropout", "training")?,
        })
    }

    fn active(&self, ctx: &Context) -> bool {
        self.training.unwrap_or(ctx.training) && self.rate > 0.0
    }

    /// `values * mask / (1 - rate)`, the mask drawn from (attr seed, step
    /// seed) at each element's index in the step's global batch
    /// (`Context::element_offset`), so a data-parallel worker draws the mask
    /// one process would draw for the same samples.
    fn apply(&self, values: ArrayViewD<f32>, ctx: &Context) -> Result<ArrayD<f32>> {
        let Some(src) = values.as_slice() else {
            return self.apply_owned(values.as_standard_layout().into_owned(), ctx);
        };
        let (rate, stream) = (self.rate, Stream::new(self.seed, ctx.seed));
        let scale = 1.0 / (1.0 - rate);
        // Draws keyed by the element's index in the global batch.
        let base = ctx.element_offset(src.len());
        // Read from the input and write each output element once (no copy first).
        // SAFETY: the chunks tile the whole output, and `dropout_into` writes
        // every element of its chunk (kept or zeroed); a non-contiguous view
        // (impossible for a fresh array) is an error, never a partial fill.
        unsafe {
            try_filled(values.shape(), |out| {
                let dst = out
                    .into_slice()
                    .ok_or_else(|| Error::argument("dropout", "output buffer not contiguous"))?;
                let fill = |(chunk, d): (usize, &mut [f32])| {
                    let first = chunk * CHUNK;
                    let s = &src[first..first + d.len()];
                    let at = base + first as u64;
                    dropout_into(stream.block(at / BLOCK), at as u32, rate, scale, s, d);
                };
                if worth_splitting(dst.len()) {
                    dst.par_chunks_mut(CHUNK).enumerate().for_each(fill);
                } else {
                    dst.chunks_mut(CHUNK).enumerate().for_each(fill);
                }
                Ok(())
            })
        }
    }

    /// [`Self::apply`] in `values`' own buffer.
    fn apply_owned(&self, mut values: ArrayD<f32>, ctx: &Context) -> Result<ArrayD<f32>> {
        if !values.is_standard_layout() {
            values = values.as_standard_layout().into_owned();
        }
        let (rate, stream) = (self.rate, Stream::new(self.seed, ctx.seed));
        let scale = 1.0 / (1.0 - rate);
        let flat = values
            .as_slice_mut()
            .ok_or_else(|| Error::shape("dropout", "a contiguous tensor", "a strided view"))?;
        // Each element depends on its index only, so chunks can run on any
        // thread in any order and give the same mask.
        let base = ctx.element_offset(flat.len());
        let fill = |(chunk, data): (usize, &mut [f32])| {
            let at = base + (chunk * CHUNK) as u64;
            dropout_in_place(stream.block(at / BLOCK), at as u32, rate, scale, data);
        };
        if worth_splitting(flat.len()) {
            flat.par_chunks_mut(CHUNK).enumerate().for_each(fill);
        } else {
            flat.chunks_mut(CHUNK).enumerate().for_each(fill);
        }
        Ok(values)
    }
}

/// Elements per parallel task (a power of two, so no chunk straddles a
/// generator block unless the batch's global offset is not a multiple of it:
/// the draws' 32-bit offsets then wrap inside the block, 2^32 elements on).
const CHUNK: usize = 16 * 1024;

impl Primitive for Dropout {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec::same_float("dropout", inputs)
    }

    fn name(&self) -> &'static str {
        "dropout"
    }

    fn forward(&self, inputs: &[ValueView], ctx: &Context) -> Result<Value> {
        expect_arity("dropout", inputs, 1)?;
        let x = inputs[0].f32("dropout")?;
        if !self.active(ctx) {
            return Ok(Value::F32(x.to_owned()));
        }
        Ok(Value::F32(self.apply(x, ctx)?))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity("dropout", inputs, 1)?;
        if !self.active(ctx) {
            return Ok(vec![Some(grad.to_owned())]);
        }
        // The same mask, recomputed from the seeds: d(x*m*s)/dx = m*s.
        Ok(vec![Some(self.apply(grad, ctx)?)])
    }

    fn backward_owned(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayD<f32>,
        ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads> {
        expect_arity("dropout", inputs, 1)?;
        if !self.active(ctx) {
            return Ok(vec![Some(grad)]);
        }
        Ok(vec![Some(self.apply_owned(grad, ctx)?)])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "dropout",
        doc: "zeroes a fraction `rate` of x (seeded mask) and scales the rest by 1 / (1 - rate) when training",
        inputs: &["x"],
        attrs: &[("rate", Lit::Float(0.5)), ("seed", Lit::Int(0)), ("training", Lit::None)],
        dtypes: "float32",
        differentiable: true,
        build: |_, a| Ok(Arc::new(Dropout::new(a)?)),
        example: (&[("rate", Lit::Float(0.5))], &[Sample::F32(&[3, 4])]),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Attrs;
    use ndarray::IxDyn;

    fn run(rows: std::ops::Range<usize>, offset: u64, features: usize) -> ArrayD<f32> {
        let op = Dropout::new(&Attrs::new()).expect("default dropout");
        let n = rows.len() * features;
        let x = ArrayD::from_shape_vec(IxDyn(&[rows.len(), features]), vec![1.0f32; n]).expect("x");
        let ctx = Context {
            training: true,
            seed: 7,
            sample_offset: offset,
            batch_rows: rows.len() as u64,
        };
        op.apply(x.view(), &ctx).expect("dropout")
    }

    #[test]
    fn a_worker_draws_the_mask_of_its_samples_in_the_global_batch() {
        // Two workers holding rows 0..16 and 16..32 of a step draw what one
        // process draws for the 32 rows.
        let features = 3000; // rows straddle the 16K-element chunks
        let whole = run(0..32, 0, features);
        let first = run(0..16, 0, features);
        let second = run(16..32, 16, features);
        assert_eq!(whole.slice(ndarray::s![..16, ..]).into_dyn(), first.view());
        assert_eq!(whole.slice(ndarray::s![16.., ..]).into_dyn(), second.view());
        // Without the offset the second worker would repeat the first's mask.
        assert_ne!(run(16..32, 0, features), second);
    }
}
