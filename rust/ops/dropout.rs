//! Inverted dropout: while training, each element is kept with probability
//! 1 - rate and scaled by 1 / (1 - rate); at inference it is the identity.

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
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
    /// The rate as given, for float64's scale 1 / (1 - rate).
    rate64: f64,
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
            rate64: rate,
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

impl Dropout {
    /// [`Self::apply`] in float64: the float32 mask (element `i` is kept
    /// when the float32 draw at its global index is at least `rate`), the
    /// kept values scaled by float64's 1 / (1 - rate). A plain serial loop
    /// (float64 is asked for precision, not speed).
    fn apply_f64(&self, values: ArrayViewD<f64>, ctx: &Context) -> ArrayD<f64> {
        let stream = Stream::new(self.seed, ctx.seed);
        let scale = 1.0 / (1.0 - self.rate64);
        let mut out = values.as_standard_layout().into_owned();
        let base = ctx.element_offset(out.len());
        for (i, x) in out.iter_mut().enumerate() {
            let keep = stream.uniform(base + i as u64) >= self.rate;
            *x = if keep { *x * scale } else { 0.0 };
        }
        out
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
        if let ValueView::F64(x) = &inputs[0] {
            if !self.active(ctx) {
                return Ok(Value::F64(x.to_owned()));
            }
            return Ok(Value::F64(self.apply_f64(x.view(), ctx)));
        }
        let x = inputs[0].f32("dropout")?;
        if !self.active(ctx) {
            return Ok(Value::F32(x.to_owned()));
        }
        Ok(Value::F32(self.apply(x, ctx)?))
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        expect_arity("dropout", inputs, 1)?;
        if !self.active(ctx) {
            return Ok(vec![Some(grad.to_owned())]);
        }
        // The same mask, recomputed from the seeds.
        Ok(vec![Some(self.apply_f64(grad, ctx))])
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

    /// float64 dropout keeps float32's mask and scales in float64.
    #[test]
    fn float64_has_the_float32_mask_and_a_float64_scale() {
        let op = Dropout::new(&Attrs::new().with("rate", crate::ops::Attr::Float(0.3)))
            .expect("dropout");
        let ctx = Context {
            training: true,
            seed: 11,
            sample_offset: 0,
            batch_rows: 4,
        };
        let x64 = ArrayD::from_shape_fn(IxDyn(&[4, 50]), |i| 1.0 + (i[0] * 50 + i[1]) as f64 * 1e-3);
        let x32 = x64.mapv(|v| v as f32);
        let y64 = op.apply_f64(x64.view(), &ctx);
        let y32 = op.apply(x32.view(), &ctx).expect("dropout");
        let mut kept = 0;
        for ((&a, &b), &x) in y64.iter().zip(y32.iter()).zip(x64.iter()) {
            assert_eq!(a == 0.0, b == 0.0);
            if a != 0.0 {
                kept += 1;
                assert!((a - x / 0.7).abs() <= 1e-15 * a.abs(), "{a} vs {x}");
            }
        }
        assert!((100..180).contains(&kept), "{kept}");
    }
}
