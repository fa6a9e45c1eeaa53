//! Nadam, as Keras 3's `Nadam`: Adam with Nesterov momentum and Dozat's
//! momentum schedule `u_t = beta_1 * (1 - 0.5 * 0.96^t)`, whose running
//! product is optimizer state shared by all variables.

use super::{slot_mismatch, zip_update, Rule, Step};
use crate::error::Result;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["beta_1", "beta_2", "epsilon"];

const DECAY: f32 = 0.96;

#[derive(Debug)]
pub(crate) struct Nadam {
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    /// Product of `u_t` over the steps so far, this step's included once
    /// `begin_step` ran.
    u_product: f32,
}

impl Nadam {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "Nadam";
        Ok(Self {
            beta_1: config.float(op, "beta_1", 0.9)?,
            beta_2: config.float(op, "beta_2", 0.999)?,
            epsilon: config.float(op, "epsilon", 1e-7)?,
            u_product: 1.0,
        })
    }
}

impl Rule for Nadam {
    fn class_name(&self) -> &'static str {
        "Nadam"
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        vec![vec!["momentum", "velocity"]]
    }

    fn globals(&self) -> Vec<(&'static str, f32)> {
        vec![("u_product", self.u_product)]
    }

    fn set_globals(&mut self, values: &[f32]) {
        if let Some(&u) = values.first() {
            self.u_product = u;
        }
    }

    fn begin_step(&mut self, step: &Step) {
        let b1 = self.beta_1 as f32;
        self.u_product = self.u_product * b1 * (1.0 - 0.5 * DECAY.powf(step.local_step()));
    }

    fn update(
        &self,
        step: &Step,
        var: &mut [f32],
        grad: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()> {
        let lr = step.lr;
        let b1 = self.beta_1 as f32;
        let b2 = self.beta_2 as f32;
        let t = step.local_step();
        let u_t = b1 * (1.0 - 0.5 * DECAY.powf(t));
        let u_t_1 = b1 * (1.0 - 0.5 * DECAY.powf(t + 1.0));
        let u_product_t = self.u_product;
        let u_product_t_1 = u_product_t * u_t_1;
        let beta_2_power = b2.powf(t);
        let eps = self.epsilon as f32;
        // Here Keras casts beta_1 and beta_2 first, so `1 - beta` is float32.
        let (one_minus_b1, one_minus_b2) = (1.0 - b1, 1.0 - b2);
        let [m, v] = slots else {
            return Err(slot_mismatch("Nadam", slots.len()));
        };
        zip_update(var, grad, [m, v], |w, g, [m, v]| {
            *m += (g - *m) * one_minus_b1;
            *v += (g * g - *v) * one_minus_b2;
            let m_hat =
                (u_t_1 * *m) / (1.0 - u_product_t_1) + ((1.0 - u_t) * g) / (1.0 - u_product_t);
            let v_hat = *v / (1.0 - beta_2_power);
            *w -= (m_hat * lr) / (v_hat.sqrt() + eps);
        });
        Ok(())
    }
}
