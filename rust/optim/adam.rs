//! Adam (and AMSGrad), as Keras 3's `Adam.update_step`.

use super::{
    ftz_below, slot_mismatch, subnormal_floor, update_in_either_float, zip_update, Rule, Step,
};
use crate::error::Result;
use crate::kernels::real::Real;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["beta_1", "beta_2", "epsilon", "amsgrad"];

#[derive(Debug)]
pub(crate) struct Adam {
    pub(crate) class_name: &'static str,
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    amsgrad: bool,
}

impl Adam {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        Self::named("Adam", config)
    }

    pub fn named(class_name: &'static str, config: &Attrs) -> Result<Self> {
        Ok(Self {
            class_name,
            beta_1: config.float(class_name, "beta_1", 0.9)?,
            beta_2: config.float(class_name, "beta_2", 0.999)?,
            epsilon: config.float(class_name, "epsilon", 1e-7)?,
            amsgrad: config.bool(class_name, "amsgrad", false)?,
        })
    }
}

impl Rule for Adam {
    fn class_name(&self) -> &'static str {
        self.class_name
    }

    fn default_weight_decay(&self) -> Option<f64> {
        (self.class_name == "AdamW").then_some(super::adamw::DEFAULT_WEIGHT_DECAY)
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        let mut groups = vec![vec!["momentum", "velocity"]];
        if self.amsgrad {
            groups.push(vec!["velocity_hat"]);
        }
        groups
    }

    update_in_either_float!();
}

impl Adam {
    /// Keras's `update_step` in the variable's type.
    fn update_as<T: Real>(
        &self,
        step: &Step,
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
    ) -> Result<()> {
        let t: T = step.local_step_as();
        let one = T::one();
        let beta_1_power = T::of(self.beta_1).powf(t);
        let beta_2_power = T::of(self.beta_2).powf(t);
        let alpha = step.lr_as::<T>() * (one - beta_2_power).sqrt() / (one - beta_1_power);
        // Keras writes `1 - self.beta_1` on Python floats: double, then the
        // variable's type.
        let one_minus_b1 = T::of(1.0 - self.beta_1);
        let one_minus_b2 = T::of(1.0 - self.beta_2);
        let eps = T::of(self.epsilon);
        // Below these, a slot's products in the update are subnormal: see
        // `ftz_below`.
        let m_floor = subnormal_floor(&[one_minus_b1, alpha]);
        let v_floor = subnormal_floor(&[one_minus_b2]);
        match slots {
            [m, v] => zip_update(var, grad, [m, v], |w, g, [m, v]| {
                *m = ftz_below(*m + (g - *m) * one_minus_b1, m_floor);
                *v = ftz_below(*v + (g * g - *v) * one_minus_b2, v_floor);
                *w = *w - (*m * alpha) / (v.sqrt() + eps);
            }),
            [m, v, v_hat] => zip_update(var, grad, [m, v, v_hat], |w, g, [m, v, v_hat]| {
                *m = ftz_below(*m + (g - *m) * one_minus_b1, m_floor);
                *v = ftz_below(*v + (g * g - *v) * one_minus_b2, v_floor);
                *v_hat = max_nan(*v_hat, *v);
                *w = *w - (*m * alpha) / (v_hat.sqrt() + eps);
            }),
            _ => return Err(slot_mismatch(self.class_name, slots.len())),
        }
        Ok(())
    }
}

/// NaN-propagating maximum, like `jnp.maximum`.
pub(crate) fn max_nan<T: Real>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        T::nan()
    } else {
        a.max(b)
    }
}
