//! Random draws for `keras.random`: normal, uniform, truncated normal,
//! integers, gamma and binomial samples of a given shape, categorical
//! samples from logits and permutations.
//!
//! Every op takes a `seed` input, the float32 pair `[seed, counter]` a
//! `keras.random.SeedGenerator` holds in its state variable, and a `seed`
//! attribute (the generator's exact integer seed, which float32 cannot hold).
//! Inside a compiled step the state is a variable node that the step advances,
//! so each step draws new numbers and a fixed seed repeats a whole run. With
//! `step=True` the executor's step seed is mixed in too (unseeded draws in a
//! graph, which then change every training step).
//!
//! Each element is a pure function of (key, element index): results do not
//! depend on the thread count, and elements are drawn in parallel. A draw
//! whose leading axis is the step's batch (`batch_major`) indexes its
//! elements in the global batch (`Context::element_offset`), so a
//! data-parallel worker draws for sample `i` what one process draws.

use super::registry::{Lit, OpInfo, Sample};
use super::spec::{DType, Dim, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{Error, Result};
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use std::cmp::Ordering;
use std::sync::Arc;

#[path = "random_draws.rs"]
mod draws;

#[path = "random_categorical.rs"]
mod categorical;

use categorical::Categorical;

use draws::{fill, mix64, Draws, GOLDEN};

/// The largest float32 below `x` (uniform draws stay below `maxval` after rounding).
fn below_f32(x: f32) -> f32 {
    x.next_down()
}

/// What one element of a shaped draw is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Uniform { minval: f64, maxval: f64 },
    Normal { mean: f64, stddev: f64 },
    Truncated { mean: f64, stddev: f64 },
    Randint { minval: i64, maxval: i64 },
    Gamma { alpha: f64 },
    Binomial { counts: f64, probability: f64 },
}

/// The seed attributes and input every op of this module shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seeding {
    seed: u64,
    step: bool,
}

impl Seeding {
    fn new(op: &str, attrs: &Attrs) -> Result<Self> {
        Ok(Self {
            seed: attrs.int(op, "seed", 0)? as u64,
            step: attrs.bool(op, "step", false)?,
        })
    }

    /// The seed input must be the pair `[seed, counter]` (float32, or
    /// float64 for a state variable made under `set_floatx("float64")`).
    fn check_spec(op: &str, seed: &TensorSpec) -> Result<()> {
        if !matches!(seed.dtype, DType::F32 | DType::F64) || seed.rank() != 1 || seed.shape[0].is_some_and(|d| d != 2) {
            return Err(Error::shape(
                op,
                "a seed input of shape (2,) (a SeedGenerator state)",
                format!("{:?} of dtype {}", seed.shape, seed.dtype.name()),
            ));
        }
        Ok(())
    }

    /// One key per (op, attribute seed, state, step seed).
    fn key(&self, op: &str, salt: u64, seed: &ValueView, ctx: &Context) -> Result<u64> {
        Self::check_spec(op, &TensorSpec::of_view(seed))?;
        // A float64 state is taken as float32, as the float32 state is.
        let state: Vec<f32> = match seed {
            ValueView::F64(a) => a.iter().map(|&v| v as f32).collect(),
            other => other.f32(op)?.iter().copied().collect(),
        };
        let mut key = mix64(self.seed ^ mix64(salt));
        for &s in state.iter() {
            // 0.0 and -0.0 are the same state.
            let bits = if s == 0.0 { 0 } else { s.to_bits() };
            key = mix64(key ^ u64::from(bits).wrapping_mul(GOLDEN));
        }
        if self.step {
            key = mix64(key ^ mix64(ctx.seed.wrapping_add(GOLDEN)));
        }
        Ok(key)
    }
}

/// A tensor of independent draws of one [`Kind`].
#[derive(Debug)]
pub struct Draw {
    name: &'static str,
    kind: Kind,
    /// Sizes; -1 takes the size of the `like` input's first axis (the batch).
    shape: Vec<i64>,
    /// The leading axis is the step's batch: elements are keyed by their
    /// index in the global batch.
    batch_major: bool,
    seeding: Seeding,
    /// Float draws in float64 (the `dtype` attribute), else float32.
    wide: bool,
}

impl Draw {
    fn new(name: &'static str, attrs: &Attrs) -> Result<Self> {
        let num = |k: &str, d: f64| attrs.float(name, k, d);
        let kind = match name {
            "random_uniform" => Kind::Uniform {
                minval: num("minval", 0.0)?,
                maxval: num("maxval", 1.0)?,
            },
            "random_normal" => Kind::Normal {
                mean: num("mean", 0.0)?,
                stddev: num("stddev", 1.0)?,
            },
            "random_truncated_normal" => Kind::Truncated {
                mean: num("mean", 0.0)?,
                stddev: num("stddev", 1.0)?,
            },
            "random_randint" => Kind::Randint {
                minval: attrs.int(name, "minval", 0)?,
                maxval: attrs.int(name, "maxval", 2)?,
            },
            "random_gamma" => Kind::Gamma {
                alpha: num("alpha", 1.0)?,
            },
            _ => Kind::Binomial {
                counts: num("counts", 1.0)?,
                probability: num("probabilities", 0.5)?,
            },
        };
        let bad = |m: String| Err(Error::argument(name, m));
        match kind {
            Kind::Uniform { minval, maxval }
                if minval.partial_cmp(&maxval) != Some(Ordering::Less) =>
            {
                return bad(format!(
                    "minval must be below maxval. Received: minval={minval}, maxval={maxval}"
                ))
            }
            Kind::Randint { minval, maxval } if minval >= maxval => {
                return bad(format!(
                    "minval must be below maxval. Received: minval={minval}, maxval={maxval}"
                ))
            }
            Kind::Gamma { alpha } if alpha.is_nan() || alpha <= 0.0 || alpha.is_infinite() => {
                return bad(format!("alpha must be positive. Received: alpha={alpha}"))
            }
            Kind::Binomial {
                counts,
                probability,
            } if counts.is_nan()
                || counts < 0.0
                || counts.is_infinite()
                || !(0.0..=1.0).contains(&probability) =>
            {
                return bad(format!(
                    "counts must be a finite number >= 0 and probabilities in [0, 1]. \
                     Received: counts={counts}, probabilities={probability}"
                ))
            }
            _ => {}
        }
        let wide = match attrs.string(name, "dtype", "float32")?.as_str() {
            "float32" => false,
            "float64" if !matches!(kind, Kind::Randint { .. }) => true,
            other => {
                return bad(format!(
                    "dtype must be float32 or float64 (float draws only; randint draws \
                     int64). Received: dtype={other}"
                ))
            }
        };
        let shape = attrs.opt_ints(name, "shape")?.unwrap_or_default();
        if let Some(d) = shape.iter().find(|&&d| d < -1) {
            return bad(format!(
                "shape sizes must be >= 0 (or -1 for the batch). Received: {d} in {shape:?}"
            ));
        }
        Ok(Self {
            name,
            kind,
            shape,
            batch_major: attrs.bool(name, "batch_major", false)?,
            seeding: Seeding::new(name, attrs)?,
            wide,
        })
    }

    fn salt(&self) -> u64 {
        match self.kind {
            Kind::Uniform { .. } => 1,
            Kind::Normal { .. } => 2,
            Kind::Truncated { .. } => 3,
            Kind::Randint { .. } => 4,
            Kind::Gamma { .. } => 5,
            Kind::Binomial { .. } => 6,
        }
    }

    /// The output sizes, with -1 taken from `like`'s first size.
    fn dims(&self, like: Option<Dim>) -> Result<Vec<Dim>> {
        self.shape
            .iter()
            .map(|&d| match (d, like) {
                (-1, Some(batch)) => Ok(batch),
                (-1, None) => Err(Error::shape(
                    self.name,
                    "a `like` input (whose first size replaces -1 in shape)",
                    format!("shape={:?} and no such input", self.shape),
                )),
                (d, _) => Ok(Some(d as usize)),
            })
            .collect()
    }

    fn like_dim(&self, inputs: &[TensorSpec]) -> Result<Option<Dim>> {
        match inputs {
            [_] => Ok(None),
            [_, like] => match like.shape.first() {
                Some(&d) => Ok(Some(d)),
                None => Err(Error::shape(
                    self.name,
                    "a `like` input of rank >= 1",
                    "a scalar",
                )),
            },
            _ => Err(Error::argument(
                self.name,
                format!(
                    "takes a seed and at most one `like` input. Received {} inputs",
                    inputs.len()
                ),
            )),
        }
    }

    fn element(&self, d: &mut Draws) -> f64 {
        match self.kind {
            Kind::Uniform { minval, maxval } => minval + (maxval - minval) * d.uniform(),
            Kind::Normal { mean, stddev } => mean + stddev * d.normal(),
            Kind::Truncated { mean, stddev } => {
                // Redrawn until within two standard deviations, as Keras does;
                // a draw is accepted 95% of the time, so the cap is never met.
                let mut z = d.normal();
                for _ in 0..256 {
                    if z.abs() <= 2.0 {
                        break;
                    }
                    z = d.normal();
                }
                mean + stddev * z.clamp(-2.0, 2.0)
            }
            Kind::Randint { minval, maxval } => {
                let range = maxval.wrapping_sub(minval) as u64;
                minval.wrapping_add(d.below(range) as i64) as f64
            }
            Kind::Gamma { alpha } => d.gamma(alpha),
            Kind::Binomial {
                counts,
                probability,
            } => d.binomial(counts.floor(), probability),
        }
    }
}

impl Primitive for Draw {
    fn name(&self) -> &'static str {
        self.name
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let like = self.like_dim(inputs)?;
        Seeding::check_spec(self.name, &inputs[0])?;
        let dtype = match self.kind {
            Kind::Randint { .. } => DType::I64,
            _ if self.wide => DType::F64,
            _ => DType::F32,
        };
        Ok(TensorSpec::new(self.dims(like)?, dtype))
    }

    fn forward(&self, inputs: &[ValueView], ctx: &Context) -> Result<Value> {
        let specs: Vec<TensorSpec> = inputs.iter().map(TensorSpec::of_view).collect();
        let like = self.like_dim(&specs)?;
        let dims: Vec<usize> = self
            .dims(like)?
            .into_iter()
            .map(|d| d.unwrap_or(0))
            .collect();
        let key = self.seeding.key(self.name, self.salt(), &inputs[0], ctx)?;
        let n: usize = dims.iter().product();
        // The index of this run's first element in the global batch's draw.
        let base = if self.batch_major {
            ctx.element_offset(n)
        } else {
            0
        };
        if let Kind::Randint { minval, maxval } = self.kind {
            let range = maxval.wrapping_sub(minval) as u64;
            let mut out = vec![0i64; n];
            fill(&mut out, |i| {
                minval.wrapping_add(Draws::new(key, base + i).below(range) as i64)
            });
            return Ok(Value::I64(
                ArrayD::from_shape_vec(IxDyn(&dims), out)
                    .map_err(|e| Error::shape(self.name, "a valid shape", e.to_string()))?,
            ));
        }
        if self.wide {
            return self.forward_f64(key, base, &dims);
        }
        let upper = match self.kind {
            Kind::Uniform { maxval, .. } => Some(maxval as f32),
            _ => None,
        };
        let mut out = vec![0f32; n];
        fill(&mut out, |i| {
            let v = self.element(&mut Draws::new(key, base + i)) as f32;
            match upper {
                Some(top) if v >= top => below_f32(top),
                _ => v,
            }
        });
        Ok(Value::F32(
            ArrayD::from_shape_vec(IxDyn(&dims), out)
                .map_err(|e| Error::shape(self.name, "a valid shape", e.to_string()))?,
        ))
    }

    fn float64(&self) -> Float64 {
        // The `dtype` attribute, not the inputs, decides the result's type
        // (a float64 seed state or `like` input only lends its values or size).
        Float64::Own
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        _grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        Ok(vec![None; inputs.len()])
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

impl Draw {
    /// The float64 draw: each element as the float32 one draws it before
    /// rounding (53-bit uniforms), uniform draws kept below `maxval`.
    fn forward_f64(&self, key: u64, base: u64, dims: &[usize]) -> Result<Value> {
        let upper = match self.kind {
            Kind::Uniform { maxval, .. } => Some(maxval),
            _ => None,
        };
        let n: usize = dims.iter().product();
        let out: Vec<f64> = (0..n as u64)
            .map(|i| {
                let v = self.element(&mut Draws::new(key, base + i));
                match upper {
                    Some(top) if v >= top => top.next_down(),
                    _ => v,
                }
            })
            .collect();
        Ok(Value::F64(
            ArrayD::from_shape_vec(IxDyn(dims), out)
                .map_err(|e| Error::shape(self.name, "a valid shape", e.to_string()))?,
        ))
    }
}

/// `x` with the elements of every lane along `axis` permuted, each lane by
/// its own permutation (Fisher-Yates), as Keras's JAX and NumPy backends do.
#[derive(Debug)]
pub struct Shuffle {
    axis: i64,
    seeding: Seeding,
}

impl Shuffle {
    /// `perm[j]`, the source position of output position `j`, for lane `lane`.
    fn permutation(key: u64, lane: u64, n: usize) -> Vec<usize> {
        let mut draws = Draws::new(key, lane);
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, draws.below(i as u64 + 1) as usize);
        }
        order
    }

    /// Moves lane elements of `src` into a copy: `out[j] = src[perm[j]]`
    /// (forward) or `out[perm[j]] = src[j]` (backward).
    fn apply(
        &self,
        src: ArrayViewD<f32>,
        inputs: &[ValueView],
        ctx: &Context,
        inverse: bool,
    ) -> Result<ArrayD<f32>> {
        let axis = super::spec::axis_of(self.name(), self.axis, src.ndim())?;
        let key = self.seeding.key(self.name(), 8, &inputs[0], ctx)?;
        let n = src.shape()[axis];
        let mut out = src.to_owned();
        for (lane, (mut dst, from)) in out
            .lanes_mut(Axis(axis))
            .into_iter()
            .zip(src.lanes(Axis(axis)))
            .enumerate()
        {
            for (j, &p) in Self::permutation(key, lane as u64, n).iter().enumerate() {
                if inverse {
                    dst[p] = from[j];
                } else {
                    dst[j] = from[p];
                }
            }
        }
        Ok(out)
    }
}

impl Primitive for Shuffle {
    fn name(&self) -> &'static str {
        "random_shuffle"
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let [seed, x] = inputs else {
            return Err(Error::argument(
                self.name(),
                format!("takes a seed and x. Received {} inputs", inputs.len()),
            ));
        };
        Seeding::check_spec(self.name(), seed)?;
        x.expect_dtype(self.name(), "x", DType::F32)?;
        super::spec::axis_of(self.name(), self.axis, x.rank())?;
        Ok(x.clone())
    }

    fn forward(&self, inputs: &[ValueView], ctx: &Context) -> Result<Value> {
        let specs: Vec<TensorSpec> = inputs.iter().map(TensorSpec::of_view).collect();
        self.output_spec(&specs)?;
        Ok(Value::F32(self.apply(
            inputs[1].f32(self.name())?,
            inputs,
            ctx,
            false,
        )?))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        ctx: &Context,
    ) -> Result<InputGrads> {
        // The gradient goes back to where each element came from.
        Ok(vec![None, Some(self.apply(grad, inputs, ctx, true)?)])
    }
}

fn count(op: &str, attrs: &Attrs, key: &str, default: i64) -> Result<usize> {
    let v = attrs.int(op, key, default)?;
    usize::try_from(v)
        .map_err(|_| Error::argument(op, format!("{key} must be >= 0. Received: {key}={v}")))
}

const SEED_ATTRS: [(&str, Lit); 2] = [("seed", Lit::Int(0)), ("step", Lit::Bool(false))];
const SHAPED: &[Sample] = &[Sample::F32(&[2])];
/// The float draws' result type: "float32" or "float64".
const DTYPE: (&str, Lit) = ("dtype", Lit::Str("float32"));

macro_rules! draw_op {
    ($name:literal, $doc:literal, [$($attr:expr),*]) => {
        OpInfo {
            name: $name,
            doc: $doc,
            inputs: &["seed", "like..."],
            attrs: &[
                ("shape", Lit::Ints(&[])),
                $($attr,)*
                ("batch_major", Lit::Bool(false)),
                SEED_ATTRS[0],
                SEED_ATTRS[1],
            ],
            dtypes: "float32 seed pair",
            differentiable: false,
            build: |_, a| Ok(Arc::new(Draw::new($name, a)?)),
            example: (&[("shape", Lit::Ints(&[3, 4]))], SHAPED),
        }
    };
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    draw_op!(
        "random_uniform",
        "uniform floats in [minval, maxval) of a given shape",
        [("minval", Lit::Float(0.0)), ("maxval", Lit::Float(1.0)), DTYPE]
    ),
    draw_op!(
        "random_normal",
        "normal floats (mean, stddev) of a given shape",
        [("mean", Lit::Float(0.0)), ("stddev", Lit::Float(1.0)), DTYPE]
    ),
    draw_op!(
        "random_truncated_normal",
        "normal floats redrawn until within 2 stddevs of the mean",
        [("mean", Lit::Float(0.0)), ("stddev", Lit::Float(1.0)), DTYPE]
    ),
    draw_op!(
        "random_randint",
        "int64 integers uniform in [minval, maxval)",
        [("minval", Lit::Int(0)), ("maxval", Lit::Int(2))]
    ),
    draw_op!(
        "random_gamma",
        "Gamma(alpha, 1) floats of a given shape",
        [("alpha", Lit::Float(1.0)), DTYPE]
    ),
    draw_op!(
        "random_binomial",
        "Binomial(counts, probabilities) counts as floats",
        [
            ("counts", Lit::Float(1.0)),
            ("probabilities", Lit::Float(0.5)),
            DTYPE
        ]
    ),
    OpInfo {
        name: "random_categorical",
        doc: "num_samples class indices per row drawn from softmax(logits) (float32 indices)",
        inputs: &["seed", "logits"],
        attrs: &[("num_samples", Lit::Int(1)), SEED_ATTRS[0], SEED_ATTRS[1]],
        dtypes: "float32",
        differentiable: false,
        build: |n, a| {
            Ok(Arc::new(Categorical {
                num_samples: count(n, a, "num_samples", 1)?,
                seeding: Seeding::new(n, a)?,
            }))
        },
        example: (
            &[("num_samples", Lit::Int(5))],
            &[Sample::F32(&[2]), Sample::F32(&[3, 4])],
        ),
    },
    OpInfo {
        name: "random_shuffle",
        doc: "x with every lane along axis permuted by its own random permutation",
        inputs: &["seed", "x"],
        attrs: &[("axis", Lit::Int(0)), SEED_ATTRS[0], SEED_ATTRS[1]],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| {
            Ok(Arc::new(Shuffle {
                axis: a.int(n, "axis", 0)?,
                seeding: Seeding::new(n, a)?,
            }))
        },
        example: (
            &[("axis", Lit::Int(1))],
            &[Sample::F32(&[2]), Sample::F32(&[3, 4])],
        ),
    },
];

#[cfg(test)]
#[path = "random_tests.rs"]
mod tests;
