//! LAMB (layer-wise adaptive moments), as Keras 3's `Lamb.update_step`: an
//! Adam direction rescaled per variable by `||w|| / ||update||`.

use super::clip::sum_squares;
use super::{slot_mismatch, zip_update, Rule, Step};
use crate::error::Result;
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
        let [m, v] = slots else {
            return Err(slot_mismatch("Lamb", slots.len()));
        };
        let t = step.local_step();
        let bias_1 = 1.0 - (self.beta_1 as f32).powf(t);
        let bias_2 = 1.0 - (self.beta_2 as f32).powf(t);
        // `1 - self.beta_1` is Python arithmetic in Keras: double, then float32.
        let one_minus_b1 = (1.0 - self.beta_1) as f32;
        let one_minus_b2 = (1.0 - self.beta_2) as f32;
        let eps = self.epsilon as f32;
        // Pass 1: the moments and the Adam direction (kept in `update`), since
        // the step size needs the direction's norm before any weight moves.
        let mut update = grad.to_vec();
        zip_update(&mut update, grad, [m, v], |u, g, [m, v]| {
            *m += (g - *m) * one_minus_b1;
            *v += (g * g - *v) * one_minus_b2;
            *u = (*m / bias_1) / ((*v / bias_2).sqrt() + eps);
        });
        let w_norm = sum_squares(var).sqrt();
        let g_norm = sum_squares(&update).sqrt();
        let ratio = if w_norm > 0.0 && g_norm > 0.0 {
            w_norm / g_norm
        } else {
            1.0
        };
        let scale = ratio * step.lr;
        // Pass 2: the step, elementwise.
        zip_update(var, &update, [], |w, u, []| *w -= scale * u);
        Ok(())
    }
}
