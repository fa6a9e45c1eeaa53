//! What an update rule is: the trait every Keras optimizer class implements
//! and the step it sees.

use crate::error::{Error, Result};
use crate::kernels::real::Real;
use crate::ops::spec::DType;

/// What a rule sees of the current step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    /// The learning rate at this step, as float32 (Keras casts it so).
    pub lr: f32,
    /// The learning rate in double: what a float64 variable's update casts
    /// (Keras's learning-rate variable is floatx, float64 under
    /// `set_floatx("float64")`).
    pub lr64: f64,
    /// Steps taken before this one (Keras's `optimizer.iterations`).
    pub iterations: u64,
    /// Whether a schedule gives the rate (Adafactor's `relative_step` only
    /// applies to a constant rate).
    pub scheduled: bool,
}

impl Step {
    /// Keras's `local_step = iterations + 1`, as float32.
    pub fn local_step(&self) -> f32 {
        (self.iterations + 1) as f32
    }

    /// The learning rate in the variable's type `T` (`lr` for float32).
    pub fn lr_as<T: Real>(&self) -> T {
        match T::DTYPE {
            DType::F64 => T::of(self.lr64),
            _ => T::of(f64::from(self.lr)),
        }
    }

    /// [`Step::local_step`] in the variable's type `T`.
    pub fn local_step_as<T: Real>(&self) -> T {
        T::of((self.iterations + 1) as f64)
    }
}

/// One Keras update rule.
pub(crate) trait Rule: Send + Sync + std::fmt::Debug {
    /// The Keras class name, e.g. `"Adam"`, used in messages.
    fn class_name(&self) -> &'static str;

    /// Per-variable slots in the groups Keras creates them in: each group is
    /// one `add_optimizer_variables` call, so Keras lists a group's slots
    /// variable by variable before the next group starts.
    fn slot_groups(&self) -> Vec<Vec<&'static str>>;

    /// Keras's default `learning_rate` for this class.
    fn default_learning_rate(&self) -> f64 {
        0.001
    }

    /// Keras's default `weight_decay` for this class.
    fn default_weight_decay(&self) -> Option<f64> {
        None
    }

    /// Initial value of a slot (Adagrad starts its accumulator above zero).
    fn slot_init(&self, _slot: &str) -> f32 {
        0.0
    }

    /// [`Rule::slot_init`] for a float64 variable's slot.
    fn slot_init_f64(&self, slot: &str) -> f64 {
        f64::from(self.slot_init(slot))
    }

    /// Whether [`Rule::update_f64`] updates float64 variables (checked
    /// before a step changes anything).
    fn supports_float64(&self) -> bool {
        false
    }

    /// Updates one float64 variable in float64, as [`Rule::update_shaped`]
    /// does a float32 one. Rules that have no float64 body refuse it by name
    /// rather than narrow the variable.
    fn update_f64(
        &self,
        _step: &Step,
        _shape: &[usize],
        _var: &mut [f64],
        _grad: &[f64],
        _slots: &mut [Vec<f64>],
    ) -> Result<()> {
        Err(no_float64(self.class_name()))
    }

    /// Scalar state shared by all variables, listed after the slots. Kept
    /// in double: a float32 optimizer's globals are float32 values widened
    /// (exactly), a float64 optimizer's are float64 (Keras gives them the
    /// dtype of the first variable built on).
    fn globals(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }

    fn set_globals(&mut self, _values: &[f64]) {}

    /// Work done once per step before float32 variables are updated.
    fn begin_step(&mut self, _step: &Step) {}

    /// [`Rule::begin_step`] of an optimizer of float64 variables (Nadam's
    /// `u_product` is then float64 and advances in float64).
    fn begin_step_f64(&mut self, step: &Step) {
        self.begin_step(step)
    }

    /// The shape of a slot of a variable of shape `var_shape`, or None when
    /// Keras keeps no such slot for it (it is then empty and not listed).
    fn slot_shape(&self, _slot: &str, var_shape: &[usize]) -> Option<Vec<usize>> {
        Some(var_shape.to_vec())
    }

    /// [`Rule::slot_shape`] for a variable of `group` (see
    /// [`super::Optimizer::set_variable_groups`]): Muon keeps AdamW's extra slot only
    /// for the variables it updates by AdamW.
    fn slot_shape_in(&self, slot: &str, var_shape: &[usize], _group: usize) -> Option<Vec<usize>> {
        self.slot_shape(slot, var_shape)
    }

    /// Whether a slot starts as a copy of its variable rather than at
    /// [`Rule::slot_init`] (ScheduleFreeAdamW's `momentum`).
    fn slot_copies_variable(&self, _slot: &str) -> bool {
        false
    }

    /// The weight decay of a variable of `group`, given the optimizer's
    /// `weight_decay` (Muon decays its AdamW variables by `adam_weight_decay`).
    fn weight_decay_in(&self, _group: usize, weight_decay: Option<f64>) -> Option<f64> {
        weight_decay
    }

    /// [`Rule::update_shaped`] for a variable of `group`.
    fn update_in(
        &self,
        step: &Step,
        _group: usize,
        shape: &[usize],
        var: &mut [f32],
        grad: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()> {
        self.update_shaped(step, shape, var, grad, slots)
    }

    /// Updates one variable of shape `shape` (rules whose slots are not the
    /// variable's shape override this; the others implement `update`).
    fn update_shaped(
        &self,
        step: &Step,
        _shape: &[usize],
        var: &mut [f32],
        grad: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()> {
        self.update(step, var, grad, slots)
    }

    /// Updates one variable; `slots` follow `slot_groups` flattened.
    fn update(
        &self,
        step: &Step,
        var: &mut [f32],
        grad: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()>;
}

/// The `update`, `supports_float64` and `update_f64` methods of a rule whose
/// one generic body, `update_as::<T: Real>(step, var, grad, slots)`, serves
/// float32 and float64 variables alike.
macro_rules! update_in_either_float {
    () => {
        fn update(
            &self,
            step: &Step,
            var: &mut [f32],
            grad: &[f32],
            slots: &mut [Vec<f32>],
        ) -> Result<()> {
            self.update_as(step, var, grad, slots)
        }

        fn supports_float64(&self) -> bool {
            true
        }

        fn update_f64(
            &self,
            step: &Step,
            _shape: &[usize],
            var: &mut [f64],
            grad: &[f64],
            slots: &mut [Vec<f64>],
        ) -> Result<()> {
            self.update_as(step, var, grad, slots)
        }
    };
}
pub(crate) use update_in_either_float;

/// The error for a float64 variable given to a rule without a float64 update.
pub(crate) fn no_float64(rule: &str) -> Error {
    Error::argument(
        rule,
        "this optimizer cannot update float64 variables yet (float64 updates exist for SGD, \
         Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl, Lamb, Adafactor, \
         Muon and ScheduleFreeAdamW); use one of those, or float32 variables",
    )
}

/// The error a rule returns if its slots do not match its own layout.
pub(crate) fn slot_mismatch(rule: &str, got: usize) -> Error {
    Error::graph(format!(
        "internal error in optimizer '{rule}': unexpected slot count {got} (please report it)"
    ))
}
