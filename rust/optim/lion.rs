//! Lion, as Keras 3's `Lion.update_step`: the sign of an interpolated
//! momentum, then the momentum update with the second beta.

use super::{ftz, slot_mismatch, update_in_either_float, zip_update, Rule, Step};
use crate::error::{Error, Result};
use crate::kernels::real::Real;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["beta_1", "beta_2"];

#[derive(Debug)]
pub(crate) struct Lion {
    beta_1: f64,
    beta_2: f64,
}

impl Lion {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "Lion";
        let beta_1 = config.float(op, "beta_1", 0.9)?;
        if beta_1 <= 0.0 || beta_1 > 1.0 {
            return Err(Error::argument(
                op,
                format!(
                    "'beta_1' must be in the (0, 1] range; otherwise the optimizer degenerates \
                     to SignSGD. Received: beta_1={beta_1}"
                ),
            ));
        }
        Ok(Self {
            beta_1,
            beta_2: config.float(op, "beta_2", 0.99)?,
        })
    }
}

/// `jnp.sign`: zero stays zero and NaN stays NaN (unlike `f32::signum`).
fn sign<T: Real>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else {
        x
    }
}

impl Rule for Lion {
    fn class_name(&self) -> &'static str {
        "Lion"
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        vec![vec!["momentum"]]
    }

    update_in_either_float!();
}

impl Lion {
    /// Keras's `update_step` in the variable's type.
    fn update_as<T: Real>(
        &self,
        step: &Step,
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
    ) -> Result<()> {
        let lr: T = step.lr_as();
        let (b1, b2) = (T::of(self.beta_1), T::of(self.beta_2));
        let one = T::one();
        let [m] = slots else {
            return Err(slot_mismatch("Lion", slots.len()));
        };
        zip_update(var, grad, [m], |w, g, [m]| {
            *w = *w - lr * sign(*m * b1 + g * (one - b1));
            *m = ftz(*m * b2 + g * (one - b2));
        });
        Ok(())
    }
}
