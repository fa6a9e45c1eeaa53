//! ScheduleFreeAdamW, as Keras 3's `ScheduleFreeAdamW.update_step`
//! (Defazio et al., 2024): Adam-normalized steps go into `momentum` (the
//! sequence z, which starts as a copy of the weights); the weights y are
//! kept at `(1 - beta_1) * z + beta_1 * x`, where x is the running uniform
//! average of z, recovered from y and the previous z at each step.

use super::{slot_mismatch, update_in_either_float, zip_update, Rule, Step};
use crate::error::{Error, Result};
use crate::kernels::real::Real;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["beta_1", "beta_2", "epsilon", "warmup_steps"];

#[derive(Debug)]
pub(crate) struct ScheduleFreeAdamW {
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    warmup_steps: u64,
}

impl ScheduleFreeAdamW {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "ScheduleFreeAdamW";
        let warmup_steps = config.int(op, "warmup_steps", 0)?;
        if warmup_steps < 0 {
            return Err(Error::argument(
                op,
                format!(
                    "'warmup_steps' must be a non-negative integer. \
                     Received: warmup_steps={warmup_steps}"
                ),
            ));
        }
        let beta_1 = config.float(op, "beta_1", 0.9)?;
        if beta_1 == 0.0 {
            // x is recovered by dividing by beta_1.
            return Err(Error::argument(
                op,
                "'beta_1' must be non-zero (the average is recovered by dividing by it). \
                 Received: beta_1=0",
            ));
        }
        Ok(Self {
            beta_1,
            beta_2: config.float(op, "beta_2", 0.999)?,
            epsilon: config.float(op, "epsilon", 1e-8)?,
            warmup_steps: warmup_steps as u64,
        })
    }
}

impl Rule for ScheduleFreeAdamW {
    fn class_name(&self) -> &'static str {
        "ScheduleFreeAdamW"
    }

    fn default_learning_rate(&self) -> f64 {
        0.0025
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        vec![vec!["momentum", "velocity"]]
    }

    fn slot_copies_variable(&self, slot: &str) -> bool {
        slot == "momentum"
    }

    update_in_either_float!();
}

impl ScheduleFreeAdamW {
    /// Keras's `update_step` in the variable's type.
    fn update_as<T: Real>(
        &self,
        step: &Step,
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
    ) -> Result<()> {
        let [z, v] = slots else {
            return Err(slot_mismatch("ScheduleFreeAdamW", slots.len()));
        };
        let one = T::one();
        let t: T = step.local_step_as();
        // Keras casts the betas to the variable's type first, so `1 - beta`
        // is computed in it.
        let (b1, b2, eps) = (T::of(self.beta_1), T::of(self.beta_2), T::of(self.epsilon));
        let mut lr = step.lr_as::<T>();
        if self.warmup_steps > 0 {
            lr = lr * (t / T::of(self.warmup_steps as f64)).min(one);
        }
        let bias_correction_2 = one - b2.powf(t);
        let weight = one / t;
        let (one_minus_b1, one_minus_b2, one_minus_w) = (one - b1, one - b2, one - weight);
        zip_update(var, grad, [z, v], |y, g, [z, v]| {
            let z_old = *z;
            *v += (g * g - *v) * one_minus_b2;
            let denom = (*v / bias_correction_2).sqrt() + eps;
            *z = *z - (lr * g) / denom;
            let x_old = (*y - one_minus_b1 * z_old) / b1;
            let x_new = one_minus_w * x_old + weight * *z;
            *y = one_minus_b1 * *z + b1 * x_new;
        });
        Ok(())
    }
}
