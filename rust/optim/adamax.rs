//! Adamax, as Keras 3's `Adamax.update_step`.

use super::adam::max_nan;
use super::{
    ftz, ftz_below, slot_mismatch, subnormal_floor, update_in_either_float, zip_update, Rule, Step,
};
use crate::error::Result;
use crate::kernels::real::Real;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["beta_1", "beta_2", "epsilon"];

#[derive(Debug)]
pub(crate) struct Adamax {
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
}

impl Adamax {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "Adamax";
        Ok(Self {
            beta_1: config.float(op, "beta_1", 0.9)?,
            beta_2: config.float(op, "beta_2", 0.999)?,
            epsilon: config.float(op, "epsilon", 1e-7)?,
        })
    }
}

impl Rule for Adamax {
    fn class_name(&self) -> &'static str {
        "Adamax"
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        vec![vec!["momentum", "norm"]]
    }

    update_in_either_float!();
}

impl Adamax {
    /// Keras's `update_step` in the variable's type.
    fn update_as<T: Real>(
        &self,
        step: &Step,
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
    ) -> Result<()> {
        let lr: T = step.lr_as();
        let beta_1_power = T::of(self.beta_1).powf(step.local_step_as());
        let one_minus_b1 = T::of(1.0 - self.beta_1);
        let b2 = T::of(self.beta_2);
        let eps = T::of(self.epsilon);
        let [m, u] = slots else {
            return Err(slot_mismatch("Adamax", slots.len()));
        };
        // `m` enters the update as `lr * m`: see `ftz_below`.
        let m_floor = subnormal_floor(&[one_minus_b1, lr]);
        zip_update(var, grad, [m, u], |w, g, [m, u]| {
            *m = ftz_below(*m + (g - *m) * one_minus_b1, m_floor);
            *u = ftz(max_nan(b2 * *u, g.abs()));
            *w = *w - (lr * *m) / ((T::one() - beta_1_power) * (*u + eps));
        });
        Ok(())
    }
}
