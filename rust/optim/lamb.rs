//! LAMB (layer-wise adaptive moments), as Keras 3's `Lamb.update_step`: an
//! Adam direction rescaled per variable by `||w|| / ||update||`.

use super::clip::sum_squares;
use super::{ftz, slot_mismatch, zip_update, Rule, Step};
use crate::error::Result;
use crate::kernels::real::Real;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["beta_1", "beta_2", "epsilon"];

#[derive(Debug)]
pub(crate) struct Lamb {
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
}

impl Lamb {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "Lamb";
        Ok(Self {
            beta_1: config.float(op, "beta_1", 0.9)?,
            beta_2: config.float(op, "beta_2", 0.999)?,
            epsilon: config.float(op, "epsilon", 1e-7)?,
        })
    }
}

impl Rule for Lamb {
    fn class_name(&self) -> &'static str {
        "Lamb"
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        vec![vec!["momentum", "velocity"]]
    }

    fn update(
        &self,
        step: &Step,
        var: &mut [f32],
        grad: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()> {
        self.update_as(step, var, grad, slots, sum_squares)
    }

    fn supports_float64(&self) -> bool {
        true
    }

    fn update_f64(
        &self,
        step: &Step,
        _shape: &[usize],
        var: &mut [f64],
        grad: &[f64],
        slots: &mut [Vec<f64>],
    ) -> Result<()> {
        // Summed in order in double: float64 needs no wider accumulator.
        let sum_squares_f64 = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>();
        self.update_as(step, var, grad, slots, sum_squares_f64)
    }
}

impl Lamb {
    /// One step in the variable's type, with `sum_squares` the squared norm
    /// (float32 sums in double, as before).
    fn update_as<T: Real>(
        &self,
        step: &Step,
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
        sum_squares: impl Fn(&[T]) -> T,
    ) -> Result<()> {
        let [m, v] = slots else {
            return Err(slot_mismatch("Lamb", slots.len()));
        };
        let one = T::one();
        let t: T = step.local_step_as();
        let bias_1 = one - T::of(self.beta_1).powf(t);
        let bias_2 = one - T::of(self.beta_2).powf(t);
        // `1 - self.beta_1` is Python arithmetic in Keras: double, then floatx.
        let one_minus_b1 = T::of(1.0 - self.beta_1);
        let one_minus_b2 = T::of(1.0 - self.beta_2);
        let eps = T::of(self.epsilon);
        // Pass 1: the moments and the Adam direction (kept in `update`), since
        // the step size needs the direction's norm before any weight moves.
        let mut update = grad.to_vec();
        zip_update(&mut update, grad, [m, v], |u, g, [m, v]| {
            *m = ftz(*m + (g - *m) * one_minus_b1);
            *v = ftz(*v + (g * g - *v) * one_minus_b2);
            *u = (*m / bias_1) / ((*v / bias_2).sqrt() + eps);
        });
        let zero = T::zero();
        let w_norm = sum_squares(var).sqrt();
        let g_norm = sum_squares(&update).sqrt();
        let ratio = if w_norm > zero && g_norm > zero {
            w_norm / g_norm
        } else {
            one
        };
        let scale = ratio * step.lr_as::<T>();
        // Pass 2: the step, elementwise.
        zip_update(var, &update, [], |w, u, []| *w = *w - scale * u);
        Ok(())
    }
}
