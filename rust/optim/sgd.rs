//! SGD with optional (Nesterov) momentum, as Keras 3's `SGD.update_step`.

use super::{float_in, slot_mismatch, zip_update, Rule, Step};
use crate::error::Result;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["momentum", "nesterov"];

#[derive(Debug)]
pub(crate) struct Sgd {
    momentum: f64,
    nesterov: bool,
}

impl Sgd {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        Ok(Self {
            momentum: float_in("SGD", config, "momentum", 0.0, 0.0, 1.0)?,
            nesterov: config.bool("SGD", "nesterov", false)?,
        })
    }
}

impl Rule for Sgd {
    fn class_name(&self) -> &'static str {
        "SGD"
    }

    fn default_learning_rate(&self) -> f64 {
        0.01
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        if self.momentum != 0.0 {
            vec![vec!["momentum"]]
        } else {
            Vec::new()
        }
    }

    fn update(
        &self,
        step: &Step,
        var: &mut [f32],
        grad: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()> {
        let lr = step.lr;
        match slots {
            [] => zip_update(var, grad, [], |w, g, []| *w -= g * lr),
            [m] => {
                let mu = self.momentum as f32;
                if self.nesterov {
                    zip_update(var, grad, [m], |w, g, [m]| {
                        *m = *m * mu - g * lr;
                        *w += *m * mu - g * lr;
                    });
                } else {
                    zip_update(var, grad, [m], |w, g, [m]| {
                        *m = *m * mu - g * lr;
                        *w += *m;
                    });
                }
            }
            _ => return Err(slot_mismatch("SGD", slots.len())),
        }
        Ok(())
    }
}
