//! Adadelta, as Keras 3's `Adadelta.update_step`.

use super::{ftz, slot_mismatch, update_in_either_float, zip_update, Rule, Step};
use crate::error::Result;
use crate::kernels::real::Real;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["rho", "epsilon"];

#[derive(Debug)]
pub(crate) struct Adadelta {
    rho: f64,
    epsilon: f64,
}

impl Adadelta {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "Adadelta";
        Ok(Self {
            rho: config.float(op, "rho", 0.95)?,
            epsilon: config.float(op, "epsilon", 1e-7)?,
        })
    }
}

impl Rule for Adadelta {
    fn class_name(&self) -> &'static str {
        "Adadelta"
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        vec![vec!["accumulated_grad", "accumulated_delta_var"]]
    }

    update_in_either_float!();
}

impl Adadelta {
    /// Keras's `update_step` in the variable's type.
    fn update_as<T: Real>(
        &self,
        step: &Step,
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
    ) -> Result<()> {
        let lr: T = step.lr_as();
        let rho = T::of(self.rho);
        let one_minus_rho = T::of(1.0 - self.rho);
        let eps = T::of(self.epsilon);
        let [acc_grad, acc_delta] = slots else {
            return Err(slot_mismatch("Adadelta", slots.len()));
        };
        zip_update(var, grad, [acc_grad, acc_delta], |w, g, [ag, ad]| {
            *ag = ftz(rho * *ag + one_minus_rho * (g * g));
            let delta = -(((*ad + eps).sqrt() * g) / (*ag + eps).sqrt());
            *ad = ftz(rho * *ad + one_minus_rho * (delta * delta));
            *w += lr * delta;
        });
        Ok(())
    }
}
