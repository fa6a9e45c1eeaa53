//! FTRL-Proximal, as Keras 3's `Ftrl.update_step`.

use super::{slot_mismatch, update_in_either_float, zip_update, Rule, Step};
use crate::error::{Error, Result};
use crate::kernels::real::Real;
use crate::ops::Attrs;

pub(crate) const KEYS: &[&str] = &[
    "learning_rate_power",
    "initial_accumulator_value",
    "l1_regularization_strength",
    "l2_regularization_strength",
    "l2_shrinkage_regularization_strength",
    "beta",
];

#[derive(Debug)]
pub(crate) struct Ftrl {
    learning_rate_power: f64,
    initial_accumulator_value: f64,
    l1: f64,
    l2: f64,
    l2_shrinkage: f64,
    beta: f64,
}

/// A config value Keras requires to be `>= 0`.
fn non_negative(op: &str, config: &Attrs, key: &str, default: f64) -> Result<f64> {
    let v = config.float(op, key, default)?;
    // NaN is refused too.
    if v.is_nan() || v < 0.0 {
        return Err(Error::argument(
            op,
            format!("`{key}` needs to be non-negative. Received: {key}={v}"),
        ));
    }
    Ok(v)
}

impl Ftrl {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "Ftrl";
        let learning_rate_power = config.float(op, "learning_rate_power", -0.5)?;
        if learning_rate_power.is_nan() || learning_rate_power > 0.0 {
            return Err(Error::argument(
                op,
                format!(
                    "`learning_rate_power` needs to be negative or zero. Received: \
                     learning_rate_power={learning_rate_power}"
                ),
            ));
        }
        Ok(Self {
            learning_rate_power,
            initial_accumulator_value: non_negative(op, config, "initial_accumulator_value", 0.1)?,
            l1: non_negative(op, config, "l1_regularization_strength", 0.0)?,
            l2: non_negative(op, config, "l2_regularization_strength", 0.0)?,
            l2_shrinkage: non_negative(op, config, "l2_shrinkage_regularization_strength", 0.0)?,
            beta: config.float(op, "beta", 0.0)?,
        })
    }
}

impl Rule for Ftrl {
    fn class_name(&self) -> &'static str {
        "Ftrl"
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        vec![vec!["accumulator", "linear"]]
    }

    fn slot_init(&self, slot: &str) -> f32 {
        if slot == "accumulator" {
            self.initial_accumulator_value as f32
        } else {
            0.0
        }
    }

    update_in_either_float!();

    fn slot_init_f64(&self, slot: &str) -> f64 {
        if slot == "accumulator" {
            self.initial_accumulator_value
        } else {
            0.0
        }
    }
}

impl Ftrl {
    /// One step in the variable's type (float32 exactly as before: every
    /// constant is cast from double as Keras casts its Python floats).
    fn update_as<T: Real>(
        &self,
        step: &Step,
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
    ) -> Result<()> {
        let [accum, linear] = slots else {
            return Err(slot_mismatch("Ftrl", slots.len()));
        };
        let lr = step.lr_as::<T>();
        let two = T::of(2.0);
        let neg_power = T::of(-self.learning_rate_power);
        // Keras: `l2 + beta / (2.0 * lr)` with lr a floatx tensor.
        let l2_reg = T::of(self.l2) + T::of(self.beta) / (two * lr);
        let shrink = T::of(2.0 * self.l2_shrinkage);
        let l1 = T::of(self.l1);
        // `x^0.5` is `sqrt` (correctly rounded, as XLA's pow is within an ulp
        // of it) and vectorises; the default `learning_rate_power=-0.5` takes
        // this path, other powers call `powf`.
        let half = T::of(0.5);
        if neg_power == half {
            ftrl_step(var, grad, accum, linear, lr, l1, l2_reg, shrink, T::sqrt);
        } else {
            ftrl_step(var, grad, accum, linear, lr, l1, l2_reg, shrink, |x| {
                x.powf(neg_power)
            });
        }
        Ok(())
    }
}

/// One FTRL step over a variable, with `pow(x) = x^(-learning_rate_power)`.
#[allow(clippy::too_many_arguments)]
fn ftrl_step<T: Real>(
    var: &mut [T],
    grad: &[T],
    accum: &mut [T],
    linear: &mut [T],
    lr: T,
    l1: T,
    l2_reg: T,
    shrink: T,
    pow: impl Fn(T) -> T + Sync,
) {
    let two = T::of(2.0);
    zip_update(var, grad, [accum, linear], |w, g, [accum, linear]| {
        let grad_to_use = g + shrink * *w;
        let new_accum = *accum + g * g;
        let new_pow = pow(new_accum);
        *linear += grad_to_use - ((new_pow - pow(*accum)) / lr) * *w;
        let quadratic = new_pow / lr + two * l2_reg;
        // Written out so that NaN passes through, as `ops.clip` lets it.
        let lin = *linear;
        let clipped = if lin < -l1 {
            -l1
        } else if lin > l1 {
            l1
        } else {
            lin
        };
        *w = (clipped - lin) / quadratic;
        *accum = new_accum;
    });
}
