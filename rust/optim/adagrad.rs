//! Adagrad, as Keras 3's `Adagrad.update_step`.

use super::{slot_mismatch, update_in_either_float, zip_update, Rule, Step};
use crate::error::Result;
use crate::kernels::real::Real;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["initial_accumulator_value", "epsilon"];

#[derive(Debug)]
pub(crate) struct Adagrad {
    initial_accumulator_value: f64,
    epsilon: f64,
}

impl Adagrad {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "Adagrad";
        Ok(Self {
            initial_accumulator_value: config.float(op, "initial_accumulator_value", 0.1)?,
            epsilon: config.float(op, "epsilon", 1e-7)?,
        })
    }
}

impl Rule for Adagrad {
    fn class_name(&self) -> &'static str {
        "Adagrad"
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        vec![vec!["accumulator"]]
    }

    fn slot_init(&self, _slot: &str) -> f32 {
        self.initial_accumulator_value as f32
    }

    fn slot_init_f64(&self, _slot: &str) -> f64 {
        self.initial_accumulator_value
    }

    update_in_either_float!();
}

impl Adagrad {
    /// Keras's `update_step` in the variable's type.
    fn update_as<T: Real>(
        &self,
        step: &Step,
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
    ) -> Result<()> {
        let lr: T = step.lr_as();
        let eps = T::of(self.epsilon);
        let [acc] = slots else {
            return Err(slot_mismatch("Adagrad", slots.len()));
        };
        zip_update(var, grad, [acc], |w, g, [acc]| {
            *acc += g * g;
            *w = *w - (lr * g) / (*acc + eps).sqrt();
        });
        Ok(())
    }
}
