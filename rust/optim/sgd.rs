//! SGD with optional (Nesterov) momentum, as Keras 3's `SGD.update_step`.

use super::{float_in, ftz, slot_mismatch, update_in_either_float, zip_update, Rule, Step};
use crate::error::Result;
use crate::kernels::real::Real;
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

    update_in_either_float!();
}

impl Sgd {
    /// Keras's `update_step` in the variable's type (its constants cast to
    /// it, as Keras's `ops.cast(..., variable.dtype)`).
    fn update_as<T: Real>(
        &self,
        step: &Step,
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
    ) -> Result<()> {
        let lr: T = step.lr_as();
        match slots {
            [] => zip_update(var, grad, [], |w, g, []| *w = *w - g * lr),
            [m] => {
                let mu = T::of(self.momentum);
                if self.nesterov {
                    zip_update(var, grad, [m], |w, g, [m]| {
                        *m = ftz(*m * mu - g * lr);
                        *w += *m * mu - g * lr;
                    });
                } else {
                    zip_update(var, grad, [m], |w, g, [m]| {
                        *m = ftz(*m * mu - g * lr);
                        *w += *m;
                    });
                }
            }
            _ => return Err(slot_mismatch("SGD", slots.len())),
        }
        Ok(())
    }
}
