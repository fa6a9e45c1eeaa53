//! Nadam, as Keras 3's `Nadam`: Adam with Nesterov momentum and Dozat's
//! momentum schedule `u_t = beta_1 * (1 - 0.5 * 0.96^t)`, whose running
//! product is optimizer state shared by all variables.

use super::{
    ftz_below, slot_mismatch, subnormal_floor, update_in_either_float, zip_update, Rule, Step,
};
use crate::error::Result;
use crate::kernels::real::Real;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &["beta_1", "beta_2", "epsilon"];

/// Keras's `0.96`, cast to the variable's type.
const DECAY: f64 = 0.96;

#[derive(Debug)]
pub(crate) struct Nadam {
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    /// Product of `u_t` over the steps so far, this step's included once
    /// `begin_step` ran. Keras keeps it in the first variable's dtype: for
    /// float32 variables it holds a float32 value (widened exactly), for
    /// float64 ones a float64 value.
    u_product: f64,
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

    /// `u_product *= beta_1 * (1 - 0.5 * 0.96^t)` in `T`.
    fn advance<T: Real>(&mut self, step: &Step) {
        let u: T = T::of(self.u_product);
        let t: T = step.local_step_as();
        let b1 = T::of(self.beta_1);
        let next = u * b1 * (T::one() - T::of(0.5) * T::of(DECAY).powf(t));
        self.u_product = next.to_f64().unwrap_or(f64::NAN);
    }

    /// Keras's `update_step` in the variable's type.
    fn update_as<T: Real>(
        &self,
        step: &Step,
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
    ) -> Result<()> {
        let lr = step.lr_as::<T>();
        let one = T::one();
        let half = T::of(0.5);
        let (b1, b2) = (T::of(self.beta_1), T::of(self.beta_2));
        let decay = T::of(DECAY);
        let t: T = step.local_step_as();
        let u_t = b1 * (one - half * decay.powf(t));
        let u_t_1 = b1 * (one - half * decay.powf(t + one));
        let u_product_t = T::of(self.u_product);
        let u_product_t_1 = u_product_t * u_t_1;
        let beta_2_power = b2.powf(t);
        let eps = T::of(self.epsilon);
        // Here Keras casts beta_1 and beta_2 first, so `1 - beta` is in `T`.
        let (one_minus_b1, one_minus_b2) = (one - b1, one - b2);
        let [m, v] = slots else {
            return Err(slot_mismatch("Nadam", slots.len()));
        };
        // `m` enters the update as `u_t_1 * m * lr` (over a divisor below
        // 1): below these floors a product is subnormal; see `ftz_below`.
        let m_floor = subnormal_floor(&[one_minus_b1, u_t_1 * lr]);
        let v_floor = subnormal_floor(&[one_minus_b2]);
        zip_update(var, grad, [m, v], |w, g, [m, v]| {
            *m = ftz_below(*m + (g - *m) * one_minus_b1, m_floor);
            *v = ftz_below(*v + (g * g - *v) * one_minus_b2, v_floor);
            let m_hat =
                (u_t_1 * *m) / (one - u_product_t_1) + ((one - u_t) * g) / (one - u_product_t);
            let v_hat = *v / (one - beta_2_power);
            *w = *w - (m_hat * lr) / (v_hat.sqrt() + eps);
        });
        Ok(())
    }
}

impl Rule for Nadam {
    fn class_name(&self) -> &'static str {
        "Nadam"
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        vec![vec!["momentum", "velocity"]]
    }

    fn globals(&self) -> Vec<(&'static str, f64)> {
        vec![("u_product", self.u_product)]
    }

    fn set_globals(&mut self, values: &[f64]) {
        if let Some(&u) = values.first() {
            self.u_product = u;
        }
    }

    fn begin_step(&mut self, step: &Step) {
        self.advance::<f32>(step);
    }

    fn begin_step_f64(&mut self, step: &Step) {
        self.advance::<f64>(step);
    }

    update_in_either_float!();
}
