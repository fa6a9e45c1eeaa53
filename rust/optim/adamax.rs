//! Adamax, as Keras 3's `Adamax.update_step`.

use super::adam::max_nan;
use super::{slot_mismatch, zip_update, Rule, Step};
use crate::error::Result;
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

    fn update(
        &self,
        step: &Step,
        var: &mut [f32],
        grad: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()> {
        let lr = step.lr;
        let beta_1_power = (self.beta_1 as f32).powf(step.local_step());
        let one_minus_b1 = (1.0 - self.beta_1) as f32;
        let b2 = self.beta_2 as f32;
        let eps = self.epsilon as f32;
        let [m, u] = slots else {
            return Err(slot_mismatch("Adamax", slots.len()));
        };
        zip_update(var, grad, [m, u], |w, g, [m, u]| {
            *m += (g - *m) * one_minus_b1;
            *u = max_nan(b2 * *u, g.abs());
            *w -= (lr * *m) / ((1.0 - beta_1_power) * (*u + eps));
        });
        Ok(())
    }
}
