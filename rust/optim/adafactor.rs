//! Adafactor, as Keras 3's `Adafactor.update_step`: second moments kept as
//! row and column factors (`r`, `c`) for variables of rank >= 2, a full
//! `velocity` otherwise, and updates scaled by the variable's RMS.

use super::clip::sum_squares;
use super::elementwise::lane_sum;
use super::{slot_mismatch, zip_update, Rule, Step, CHUNK};
use crate::error::{Error, Result};
use crate::kernels::parallel::worth_splitting;
use crate::ops::Attrs;
use rayon::prelude::*;

pub(crate) const KEYS: &[&str] = &[
    "beta_2_decay",
    "epsilon_1",
    "epsilon_2",
    "clip_threshold",
    "relative_step",
];

#[derive(Debug)]
pub(crate) struct Adafactor {
    beta_2_decay: f64,
    epsilon_1: f64,
    epsilon_2: f64,
    clip_threshold: f64,
    relative_step: bool,
}

impl Adafactor {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "Adafactor";
        Ok(Self {
            beta_2_decay: config.float(op, "beta_2_decay", -0.8)?,
            epsilon_1: config.float(op, "epsilon_1", 1e-30)?,
            epsilon_2: config.float(op, "epsilon_2", 1e-3)?,
            clip_threshold: config.float(op, "clip_threshold", 1.0)?,
            relative_step: config.bool(op, "relative_step", true)?,
        })
    }
}

/// Root mean square, accumulated in double over fixed chunks (threaded for
/// large arrays, the same on any thread count).
fn rms(x: &[f32]) -> f32 {
    if x.is_empty() {
        return 0.0;
    }
    (sum_squares(x) / x.len() as f32).sqrt()
}

/// `(batch, rows, cols)` of a shape of rank >= 2.
fn factored_dims(shape: &[usize]) -> (usize, usize, usize) {
    let rank = shape.len();
    let batch = shape[..rank - 2].iter().product();
    (batch, shape[rank - 2], shape[rank - 1])
}

impl Rule for Adafactor {
    fn class_name(&self) -> &'static str {
        "Adafactor"
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        // Keras creates r, c and velocity variable by variable.
        vec![vec!["r", "c", "velocity"]]
    }

    fn slot_shape(&self, slot: &str, shape: &[usize]) -> Option<Vec<usize>> {
        let rank = shape.len();
        match slot {
            // Rank < 2: Keras keeps r and c as scalar zeros it never reads.
            "r" | "c" if rank < 2 => Some(Vec::new()),
            "r" => Some(shape[..rank - 1].to_vec()),
            "c" => {
                let mut s = shape[..rank - 2].to_vec();
                s.push(shape[rank - 1]);
                Some(s)
            }
            _ => Some(shape.to_vec()),
        }
    }

    fn update(&self, _: &Step, _: &mut [f32], _: &[f32], slots: &mut [Vec<f32>]) -> Result<()> {
        Err(slot_mismatch("Adafactor", slots.len()))
    }

    fn update_shaped(
        &self,
        step: &Step,
        shape: &[usize],
        var: &mut [f32],
        grad: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()> {
        let [r, c, v] = slots else {
            return Err(slot_mismatch("Adafactor", slots.len()));
        };
        let t = step.local_step();
        let inv_sqrt_t = 1.0 / t.sqrt();
        let mut lr = step.lr;
        if !step.scheduled && self.relative_step {
            lr = lr.min(inv_sqrt_t);
        }
        let rho_t = lr.min(inv_sqrt_t);
        let alpha_t = (self.epsilon_2 as f32).max(rms(var)) * rho_t;
        let eps_1 = self.epsilon_1 as f32;
        let beta_2_t = 1.0 - t.powf(self.beta_2_decay as f32);
        let keep = 1.0 - beta_2_t;
        let rgs = |g: f32| g * g + eps_1;
        if shape.len() >= 2 {
            let (batch, rows, cols) = factored_dims(shape);
            if r.len() != batch * rows || c.len() != batch * cols || v.len() != var.len() {
                return Err(Error::graph(
                    "internal error in optimizer 'Adafactor': slot sizes do not match the \
                     variable (please report it)",
                ));
            }
            let size = rows * cols;
            for b in 0..batch {
                let block = b * size..(b + 1) * size;
                factored_second_moment(
                    &grad[block.clone()],
                    (rows, cols),
                    &mut r[b * rows..(b + 1) * rows],
                    &mut c[b * cols..(b + 1) * cols],
                    &mut v[block],
                    (beta_2_t, keep, eps_1),
                );
            }
        } else {
            zip_update(v, grad, [], |vi, g, []| {
                *vi = beta_2_t * *vi + keep * rgs(g)
            });
        }
        // u = g / sqrt(v), clipped by its RMS, then the step.
        let mut u = grad.to_vec();
        zip_update(&mut u, v, [], |u, vi, []| *u /= vi.sqrt());
        let denom = 1f32.max(rms(&u) / self.clip_threshold as f32);
        zip_update(var, &u, [], |w, ui, []| *w -= alpha_t * (ui / denom));
        Ok(())
    }

    fn supports_float64(&self) -> bool {
        true
    }

    /// [`Rule::update_shaped`] for a float64 variable, in serial loops, as
    /// Keras with `jax_enable_x64` computes it: in float64, except that its
    /// means are float32 ([`keras_mean`]).
    fn update_f64(
        &self,
        step: &Step,
        shape: &[usize],
        var: &mut [f64],
        grad: &[f64],
        slots: &mut [Vec<f64>],
    ) -> Result<()> {
        let [r, c, v] = slots else {
            return Err(slot_mismatch("Adafactor", slots.len()));
        };
        let t = (step.iterations + 1) as f64;
        let inv_sqrt_t = 1.0 / t.sqrt();
        let mut lr = step.lr64;
        if !step.scheduled && self.relative_step {
            lr = lr.min(inv_sqrt_t);
        }
        let rho_t = lr.min(inv_sqrt_t);
        let alpha_t = self.epsilon_2.max(rms_f64(var)) * rho_t;
        let beta_2_t = 1.0 - t.powf(self.beta_2_decay);
        let keep = 1.0 - beta_2_t;
        let rgs = |g: f64| g * g + self.epsilon_1;
        if shape.len() >= 2 {
            let (batch, rows, cols) = factored_dims(shape);
            if r.len() != batch * rows || c.len() != batch * cols || v.len() != var.len() {
                return Err(Error::graph(
                    "internal error in optimizer 'Adafactor': slot sizes do not match the \
                     variable (please report it)",
                ));
            }
            let size = rows * cols;
            for b in 0..batch {
                let g = &grad[b * size..(b + 1) * size];
                let r = &mut r[b * rows..(b + 1) * rows];
                let c = &mut c[b * cols..(b + 1) * cols];
                for (i, ri) in r.iter_mut().enumerate() {
                    let row = &g[i * cols..(i + 1) * cols];
                    let mean = keras_mean(row.iter().map(|&x| rgs(x)), cols);
                    *ri = beta_2_t * *ri + keep * mean;
                }
                for (j, cj) in c.iter_mut().enumerate() {
                    let mean = keras_mean((0..rows).map(|i| rgs(g[i * cols + j])), rows);
                    *cj = beta_2_t * *cj + keep * mean;
                }
                let r_mean = keras_mean(r.iter().copied(), rows);
                let v = &mut v[b * size..(b + 1) * size];
                for (i, &ri) in r.iter().enumerate() {
                    let scale = ri / r_mean;
                    for (vij, &cj) in v[i * cols..(i + 1) * cols].iter_mut().zip(c.iter()) {
                        *vij = scale * cj;
                    }
                }
            }
        } else {
            for (vi, &g) in v.iter_mut().zip(grad) {
                *vi = beta_2_t * *vi + keep * rgs(g);
            }
        }
        let u: Vec<f64> = grad
            .iter()
            .zip(v.iter())
            .map(|(g, vi)| g / vi.sqrt())
            .collect();
        let denom = 1f64.max(rms_f64(&u) / self.clip_threshold);
        for (w, ui) in var.iter_mut().zip(&u) {
            *w -= alpha_t * (ui / denom);
        }
        Ok(())
    }
}

/// Keras's `_rms` of float64 values: the square in float64, its mean as
/// [`keras_mean`], the root in float64.
fn rms_f64(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    keras_mean(x.iter().map(|v| v * v), x.len()).sqrt()
}

/// Keras's `ops.mean` of `n` float64 values on JAX: Keras asks `jnp.mean`
/// for `dtype=result_type(float64, "float32")`, which Keras makes float32
/// even under `jax_enable_x64`, so the values are rounded to float32, summed
/// in float32 and scaled by the float32 `1 / n` (XLA's form of the division),
/// and the mean is widened back. Summed in order, as XLA on CPU sums
/// reductions it does not vectorize (rows of any length not a multiple of
/// the vector width); other sizes agree with Keras to float32 rounding.
fn keras_mean(values: impl Iterator<Item = f64>, n: usize) -> f64 {
    let sum = values.fold(0f32, |acc, v| acc + v as f32);
    f64::from(sum * (1.0 / n as f32))
}

/// Rows of a factored block handled as one work item: about [`CHUNK`]
/// elements, fixed, so partial sums add up in the same order on any number
/// of threads.
fn rows_per_item(cols: usize) -> usize {
    (CHUNK / cols.max(1)).max(1)
}

/// Keras's factored second moment of one (rows, cols) block: `r` and `c`
/// take the decayed row and column means of `g^2 + eps_1`, then
/// `v = (r / mean(r))[:, None] * c[None, :]`. Rows are split in fixed
/// groups across threads; column sums add up group by group in order.
fn factored_second_moment(
    grad: &[f32],
    (rows, cols): (usize, usize),
    r: &mut [f32],
    c: &mut [f32],
    v: &mut [f32],
    (beta_2_t, keep, eps_1): (f32, f32, f32),
) {
    let rgs = |g: f32| (g * g + eps_1) as f64;
    let per = rows_per_item(cols);
    // Each group of rows: its rows' sums and its partial column sums.
    let group = |(g_rows, r_part): (&[f32], &mut [f32])| -> Vec<f64> {
        let mut col_sums = vec![0f64; cols];
        for (row, ri) in g_rows.chunks(cols).zip(r_part.iter_mut()) {
            for (cs, &g) in col_sums.iter_mut().zip(row) {
                *cs += rgs(g);
            }
            let sum = lane_sum(row, row, |g, _| rgs(g));
            *ri = beta_2_t * *ri + keep * (sum / cols as f64) as f32;
        }
        col_sums
    };
    let items = grad.chunks(per * cols).zip(r.chunks_mut(per));
    let partials: Vec<Vec<f64>> = if worth_splitting(grad.len()) {
        items
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(group)
            .collect()
    } else {
        items.map(group).collect()
    };
    for (j, cj) in c.iter_mut().enumerate() {
        let sum: f64 = partials.iter().map(|p| p[j]).sum();
        *cj = beta_2_t * *cj + keep * (sum / rows as f64) as f32;
    }
    let r_mean = (r.iter().map(|&x| x as f64).sum::<f64>() / rows as f64) as f32;
    let fill = |(v_rows, r_part): (&mut [f32], &[f32])| {
        for (v_row, &ri) in v_rows.chunks_mut(cols).zip(r_part) {
            let scale = ri / r_mean;
            for (vij, &cj) in v_row.iter_mut().zip(c.iter()) {
                *vij = scale * cj;
            }
        }
    };
    let items = v.chunks_mut(per * cols).zip(r.chunks(per));
    if worth_splitting(grad.len()) {
        items.collect::<Vec<_>>().into_par_iter().for_each(fill);
    } else {
        items.for_each(fill);
    }
}
