//! RMSprop (plain or centered, with optional momentum), as Keras 3's
//! `RMSprop.update_step`.

use super::{ftz, slot_mismatch, update_in_either_float, zip_update, Rule, Step};
use crate::error::Result;
use crate::kernels::real::Real;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["rho", "momentum", "epsilon", "centered"];

#[derive(Debug)]
pub(crate) struct RmsProp {
    rho: f64,
    momentum: f64,
    epsilon: f64,
    centered: bool,
}

impl RmsProp {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "RMSprop";
        Ok(Self {
            rho: config.float(op, "rho", 0.9)?,
            momentum: config.float(op, "momentum", 0.0)?,
            epsilon: config.float(op, "epsilon", 1e-7)?,
            centered: config.bool(op, "centered", false)?,
        })
    }
}

impl Rule for RmsProp {
    fn class_name(&self) -> &'static str {
        "RMSprop"
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        let mut groups = vec![vec!["velocity"]];
        if self.momentum > 0.0 {
            groups.push(vec!["momentum"]);
        }
        if self.centered {
            groups.push(vec!["average_gradient"]);
        }
        groups
    }

    update_in_either_float!();
}

impl RmsProp {
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
        let mu = T::of(self.momentum);
        match (slots, self.momentum > 0.0, self.centered) {
            ([vel], false, false) => zip_update(var, grad, [vel], |w, g, [vel]| {
                *vel = ftz(rho * *vel + one_minus_rho * (g * g));
                *w = *w - (lr * g) / (*vel + eps).sqrt();
            }),
            ([vel, mom], true, false) => zip_update(var, grad, [vel, mom], |w, g, [vel, mom]| {
                *vel = ftz(rho * *vel + one_minus_rho * (g * g));
                let increment = (lr * g) / (*vel + eps).sqrt();
                *mom = ftz(mu * *mom + increment);
                *w = *w - *mom;
            }),
            ([vel, avg], false, true) => zip_update(var, grad, [vel, avg], |w, g, [vel, avg]| {
                *vel = ftz(rho * *vel + one_minus_rho * (g * g));
                *avg = ftz(rho * *avg + one_minus_rho * g);
                *w = *w - (lr * g) / (*vel - *avg * *avg + eps).sqrt();
            }),
            ([vel, mom, avg], true, true) => {
                zip_update(var, grad, [vel, mom, avg], |w, g, [vel, mom, avg]| {
                    *vel = ftz(rho * *vel + one_minus_rho * (g * g));
                    *avg = ftz(rho * *avg + one_minus_rho * g);
                    let increment = (lr * g) / (*vel - *avg * *avg + eps).sqrt();
                    *mom = ftz(mu * *mom + increment);
                    *w = *w - *mom;
                })
            }
            (slots, _, _) => return Err(slot_mismatch("RMSprop", slots.len())),
        }
        Ok(())
    }
}
