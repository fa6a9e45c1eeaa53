//! What `BaseOptimizer.apply` adds around every rule: gradient accumulation
//! (`gradient_accumulation_steps`) and the exponential moving average of the
//! weights (`use_ema`, `ema_momentum`, `ema_overwrite_frequency`), as Keras 3
//! computes them.

use super::elementwise::zip_update;
use crate::error::{Error, Result};
use crate::kernels::real::Real;
use crate::ops::Attrs;

/// The moving average of the weights Keras keeps with `use_ema=True`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ema {
    pub momentum: f64,
    pub overwrite_frequency: Option<u64>,
}

impl Ema {
    /// `use_ema`, `ema_momentum` and `ema_overwrite_frequency`, checked as Keras does.
    pub fn from_attrs(op: &str, config: &Attrs) -> Result<Option<Self>> {
        if !config.bool(op, "use_ema", false)? {
            return Ok(None);
        }
        let momentum = config.float(op, "ema_momentum", 0.99)?;
        if !(0.0..=1.0).contains(&momentum) {
            return Err(Error::argument(
                op,
                format!(
                    "`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={momentum}"
                ),
            ));
        }
        let overwrite_frequency = match config.opt_int(op, "ema_overwrite_frequency")? {
            None | Some(0) => None,
            Some(f) if f < 0 => {
                return Err(Error::argument(
                    op,
                    format!(
                        "`ema_overwrite_frequency` must be an integer >= 1 or None. \
                         Received: ema_overwrite_frequency={f}"
                    ),
                ))
            }
            Some(f) => Some(f as u64),
        };
        Ok(Some(Self {
            momentum,
            overwrite_frequency,
        }))
    }

    /// `average = m * average + (1 - m) * var`, with `m = 0` on the first
    /// (public) step so that the average starts at the weights.
    /// In the variable's type `T`, as Keras's average is.
    pub fn update<T: Real>(&self, public_iterations: u64, average: &mut [T], var: &[T]) {
        // Keras: cast(iterations != 0, var.dtype) * ema_momentum.
        let m = if public_iterations != 0 {
            T::of(self.momentum)
        } else {
            T::zero()
        };
        let one_minus = T::one() - m;
        zip_update(average, var, [], |a, w, []| *a = m * *a + one_minus * w);
    }

    /// Whether the weights take the average's values after this step.
    pub fn overwrites(&self, public_iterations: u64) -> bool {
        self.overwrite_frequency
            .is_some_and(|f| (public_iterations + 1).is_multiple_of(f))
    }
}

/// `gradient_accumulation_steps`: an int >= 2, or None.
pub(crate) fn accumulation_steps(op: &str, config: &Attrs) -> Result<Option<u64>> {
    match config.opt_int(op, "gradient_accumulation_steps")? {
        None | Some(0) => Ok(None),
        Some(n) if n >= 2 => Ok(Some(n as u64)),
        Some(n) => Err(Error::argument(
            op,
            format!(
                "`gradient_accumulation_steps` must be an integer >= 2. \
                 Received: gradient_accumulation_steps={n}"
            ),
        )),
    }
}

/// Adds `grad` into `acc` (a step that only accumulates).
pub(crate) fn accumulate<T: Real>(acc: &mut [T], grad: &[T]) {
    zip_update(acc, grad, [], |a, g, []| *a += g);
}

/// Turns `grad` into the mean `(grad + acc) / steps` and empties `acc`.
pub(crate) fn take_mean<T: Real>(acc: &mut [T], grad: &mut [T], steps: u64) {
    let n = T::of(steps as f64);
    for (g, a) in grad.iter_mut().zip(acc.iter_mut()) {
        *g = (*g + *a) / n;
        *a = T::zero();
    }
}
