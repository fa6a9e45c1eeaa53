//! Optimizers: Keras 3's update rules, run on the variable store in place.
//!
//! An [`Optimizer`] holds what every Keras optimizer shares (the step counter,
//! the learning rate or its schedule, gradient clipping, weight decay, the loss
//! scale factor) and one [`Rule`], the update of one Keras class. Its state is
//! explicit and saveable: [`Optimizer::variables`] lists it in the order and
//! under the names of Keras's `optimizer.variables`.
//!
//! Arithmetic follows Keras's float32 graph op for op, including where Keras
//! computes a constant in Python (double precision) before it meets a float32
//! tensor, e.g. Adam's `1 - beta_1`, so results agree to the last bit or two.

mod adadelta;
mod adafactor;
mod adagrad;
mod adam;
mod adamax;
mod adamw;
mod base;
mod clip;
mod elementwise;
mod float64;
mod ftrl;
mod lamb;
mod lion;
mod multi;
mod muon;
mod nadam;
mod registry;
mod rmsprop;
mod rule;
pub mod schedule;
mod schedule_free;
mod sgd;
mod state;

use crate::error::{fmt_shape, Error, Result};
use crate::graph::store::{Store, VarId, Weight};
use crate::ops::Attrs;
use base::Ema;
use clip::Clip;
use elementwise::{flat_mut, into_flat};
pub(crate) use elementwise::{ftz, ftz_below, map_inplace, subnormal_floor, zip_update, CHUNK};
use ndarray::ArrayD;
use registry::rule_from;
pub(crate) use rule::{slot_mismatch, update_in_either_float, Rule, Step};
use std::collections::{HashMap, HashSet};

pub use schedule::Schedule;

/// Config key naming a learning-rate schedule class (`"ExponentialDecay"`, ...)
/// in place of a float `learning_rate`; the schedule's own config keys follow
/// as `"learning_rate_schedule.<key>"` (see [`Schedule::from_attrs`]).
pub const SCHEDULE_KEY: &str = "learning_rate_schedule";

/// The learning rate: a value Keras keeps in a floatx variable, or a
/// schedule. A constant is kept as given (double); float32 updates see it
/// rounded to float32, float64 updates as is.
#[derive(Debug, Clone, PartialEq)]
pub enum LearningRate {
    Constant(f64),
    Schedule(Schedule),
}

/// Optimizer state of one variable: the base slots (EMA average, gradient
/// accumulator) first, then the rule's, each with its shape (None: not kept).
#[derive(Debug, Clone)]
struct VarState {
    shape: Vec<usize>,
    slots: Vec<Vec<f32>>,
    slot_shapes: Vec<Option<Vec<usize>>>,
    /// A float64 variable's slots (in float64; `slots` is then empty).
    float64: bool,
    slots64: Vec<Vec<f64>>,
}

/// The config keys every optimizer takes (Keras's `BaseOptimizer.get_config`).
const COMMON_KEYS: &[&str] = &[
    "name",
    "learning_rate",
    "weight_decay",
    "clipnorm",
    "clipvalue",
    "global_clipnorm",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "loss_scale_factor",
    "gradient_accumulation_steps",
    SCHEDULE_KEY,
];

/// The optimizer names `Optimizer::new` knows.
pub const OPTIMIZER_NAMES: &[&str] = &[
    "sgd",
    "adam",
    "adamw",
    "rmsprop",
    "adagrad",
    "adadelta",
    "adamax",
    "nadam",
    "lion",
    "ftrl",
    "lamb",
    "adafactor",
    "muon",
    "schedulefreeadamw",
    "multioptimizer",
];

/// One Keras optimizer: shared settings, one update rule and its state.
#[derive(Debug)]
pub struct Optimizer {
    iterations: u64,
    lr: LearningRate,
    clip: Clip,
    weight_decay: Option<f64>,
    loss_scale_factor: Option<f64>,
    rule: Box<dyn Rule>,
    ema: Option<Ema>,
    accumulation_steps: Option<u64>,
    state: HashMap<VarId, VarState>,
    no_decay: HashSet<VarId>,
    /// A rule's class of each variable (absent: 0), e.g. Muon's AdamW ones.
    groups: HashMap<VarId, usize>,
    /// A `MultiOptimizer`'s sub-optimizers, which make its updates.
    multi: Option<multi::Multi>,
    /// Whether `build` or `apply` ran: Keras creates global state (Nadam's
    /// `u_product`) at build time, so it is listed from then on.
    built: bool,
}

/// A float config value that must be positive when given.
fn opt_positive(op: &str, config: &Attrs, key: &str) -> Result<Option<f64>> {
    match config.opt_float(op, key)? {
        Some(v) if !(v.is_finite() && v >= 0.0) => Err(Error::argument(
            op,
            format!("'{key}' must be a non-negative number. Received: {key}={v}"),
        )),
        v => Ok(v),
    }
}

impl Optimizer {
    /// An optimizer by name (`"sgd"`, `"adam"`, ..., case and `_` ignored)
    /// from a Keras `get_config()` dict as attributes. `learning_rate` is a
    /// float; for a schedule, omit it and give `learning_rate_schedule` (the
    /// class name) plus `learning_rate_schedule.<key>` for each of its config
    /// keys.
    pub fn new(name: &str, config: &Attrs) -> Result<Self> {
        let (rule, rule_keys) = rule_from(name, config)?;
        let op = rule.class_name();
        let multi = (op == multi::CLASS_NAME).then(multi::Multi::default);
        let schedule_name = config.string(op, SCHEDULE_KEY, "")?;
        let mut known: Vec<String> = COMMON_KEYS.iter().map(|k| k.to_string()).collect();
        known.extend(rule_keys.iter().map(|k| k.to_string()));
        if !schedule_name.is_empty() {
            known.extend(
                Schedule::keys(&schedule_name)?
                    .iter()
                    .map(|k| format!("{SCHEDULE_KEY}.{k}")),
            );
        }
        let known: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
        config.check_known(op, &known)?;

        let ema = Ema::from_attrs(op, config)?;
        let accumulation_steps = base::accumulation_steps(op, config)?;
        let lr = if schedule_name.is_empty() {
            let v = config.float(op, "learning_rate", rule.default_learning_rate())?;
            LearningRate::Constant(v)
        } else {
            if config.opt_float(op, "learning_rate")?.is_some() {
                return Err(Error::argument(
                    op,
                    format!("give either 'learning_rate' or '{SCHEDULE_KEY}', not both"),
                ));
            }
            LearningRate::Schedule(Schedule::from_attrs(&schedule_name, config, SCHEDULE_KEY)?)
        };
        let clip = Clip::from_attrs(op, config)?;
        let weight_decay = config
            .opt_float(op, "weight_decay")?
            .or(rule.default_weight_decay());
        let loss_scale_factor = opt_positive(op, config, "loss_scale_factor")?;
        if loss_scale_factor == Some(0.0) {
            return Err(Error::argument(
                op,
                "'loss_scale_factor' must be positive. Received: loss_scale_factor=0",
            ));
        }
        Ok(Self {
            iterations: 0,
            lr,
            clip,
            weight_decay,
            loss_scale_factor,
            rule,
            ema,
            accumulation_steps,
            state: HashMap::new(),
            no_decay: HashSet::new(),
            groups: HashMap::new(),
            multi,
            built: false,
        })
    }

    /// Keras's class name of the rule, e.g. `"Adam"`.
    pub fn class_name(&self) -> &'static str {
        self.rule.class_name()
    }

    /// The per-variable slot names in the groups [`Optimizer::variables`]
    /// lists them by (each group variable by variable).
    pub fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        // Keras's base `build` adds these before the rule's own slots.
        let mut groups = Vec::new();
        if self.ema.is_some() {
            groups.push(vec!["average"]);
        }
        if self.accumulation_steps.is_some() {
            groups.push(vec!["gradient_accumulator"]);
        }
        groups.extend(self.rule.slot_groups());
        groups
    }

    /// Slots kept by the optimizer itself, before the rule's.
    fn base_slot_count(&self) -> usize {
        usize::from(self.ema.is_some()) + usize::from(self.accumulation_steps.is_some())
    }

    /// Keras's public `iterations`: completed updates, i.e. the steps taken
    /// divided by `gradient_accumulation_steps` when accumulating.
    pub fn public_iterations(&self) -> u64 {
        self.iterations / self.accumulation_steps.unwrap_or(1)
    }

    /// Steps taken so far.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    pub fn set_iterations(&mut self, n: u64) {
        self.iterations = n;
    }

    /// The learning rate for the next step (a schedule's value at `iterations`).
    pub fn learning_rate(&self) -> f32 {
        match &self.lr {
            LearningRate::Constant(v) => *v as f32,
            // Keras evaluates schedules at the raw step count, even when
            // accumulating gradients.
            LearningRate::Schedule(s) => s.value(self.iterations as f64),
        }
    }

    /// Sets a constant learning rate; refused while a schedule drives it.
    pub fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        self.set_learning_rate_f64(f64::from(lr))
    }

    /// [`Optimizer::set_learning_rate`] keeping the double a float64 update
    /// uses (float32 updates round it to float32, as before).
    pub fn set_learning_rate_f64(&mut self, lr: f64) -> Result<()> {
        match &mut self.lr {
            LearningRate::Constant(v) => {
                *v = lr;
                Ok(())
            }
            LearningRate::Schedule(_) => Err(Error::argument(
                self.rule.class_name(),
                "this optimizer was created with a learning rate schedule, so its learning \
                 rate cannot be set; create it with a float learning_rate to set it",
            )),
        }
    }

    /// Replaces the learning rate (constant or schedule), as Keras's setter
    /// does when given a schedule.
    pub fn set_learning_rate_schedule(&mut self, lr: LearningRate) {
        self.lr = lr;
    }

    pub fn learning_rate_config(&self) -> &LearningRate {
        &self.lr
    }

    /// Keeps weight decay off these variables (Keras's
    /// `exclude_from_weight_decay`), replacing any earlier exclusion.
    pub fn exclude_from_weight_decay(&mut self, vars: &[VarId]) {
        self.no_decay = vars.iter().copied().collect();
    }

    /// Puts variables in rule-specific groups (`groups[i]` for `vars[i]`),
    /// before they are built: Muon updates group 1 by AdamW.
    pub fn set_variable_groups(&mut self, vars: &[VarId], groups: &[usize]) -> Result<()> {
        if let Some(&id) = vars.iter().find(|id| self.state.contains_key(id)) {
            return Err(Error::argument(
                self.rule.class_name(),
                format!("variable {id} is already built; set its group before building"),
            ));
        }
        self.groups
            .extend(vars.iter().copied().zip(groups.iter().copied()));
        Ok(())
    }

    fn group(&self, id: VarId) -> usize {
        self.groups.get(&id).copied().unwrap_or(0)
    }

    /// Creates the slots of variables not seen before (Keras's `build`).
    pub fn build(&mut self, store: &Store, vars: &[VarId]) -> Result<()> {
        self.built = true;
        for &id in vars {
            match store.weight(id)? {
                Weight::F32(value) => self.ensure_state(id, value)?,
                value @ Weight::F64(_) => {
                    self.refuse_float64()?;
                    self.ensure_state_f64(id, value)?;
                }
            }
        }
        Ok(())
    }

    fn ensure_state(&mut self, id: VarId, value: &ArrayD<f32>) -> Result<()> {
        let shape = value.shape();
        if let Some(st) = self.state.get(&id) {
            if st.shape != shape {
                return Err(Error::shape(
                    self.rule.class_name(),
                    format!(
                        "variable {id} to keep the shape {} it had when the optimizer was built \
                         (to train new variables, create a new optimizer)",
                        fmt_shape(&st.shape)
                    ),
                    format!("shape {}", fmt_shape(shape)),
                ));
            }
            return Ok(());
        }
        let base = self.base_slot_count();
        let group = self.group(id);
        let mut slots = Vec::new();
        let mut slot_shapes = Vec::new();
        for (k, name) in self.slot_groups().iter().flatten().enumerate() {
            let slot_shape = if k < base {
                Some(shape.to_vec())
            } else {
                self.rule.slot_shape_in(name, shape, group)
            };
            let n = slot_shape.as_ref().map_or(0, |s| s.iter().product());
            // Base slots (average, accumulator) start at zero, as Keras's do.
            if k >= base && n == value.len() && self.rule.slot_copies_variable(name) {
                slots.push(value.iter().copied().collect());
            } else {
                let init = if k < base {
                    0.0
                } else {
                    self.rule.slot_init(name)
                };
                slots.push(vec![init; n]);
            }
            slot_shapes.push(slot_shape);
        }
        self.state.insert(
            id,
            VarState {
                shape: shape.to_vec(),
                slots,
                slot_shapes,
                float64: false,
                slots64: Vec::new(),
            },
        );
        Ok(())
    }

    /// The factor the loss is multiplied by before differentiation
    /// (`loss_scale_factor`), as the single precision the backward pass runs in.
    pub fn loss_scale_factor(&self) -> Option<f32> {
        self.loss_scale_factor.map(|s| s as f32)
    }

    /// One Keras step: unscale by the loss scale factor, clip (clipnorm per
    /// gradient, or global_clipnorm over all, or clipvalue), decay weights,
    /// update each variable by the rule, then count the step.
    pub fn apply(
        &mut self,
        store: &mut Store,
        vars: &[VarId],
        grads: Vec<ArrayD<f32>>,
    ) -> Result<()> {
        if self.multi.is_some() {
            return self.apply_multi(store, vars, grads);
        }
        let op = self.rule.class_name();
        check_pairs(op, vars, grads.len())?;
        let mut flat: Vec<Vec<f32>> = Vec::with_capacity(grads.len());
        for (&id, g) in vars.iter().zip(grads) {
            let value = store.get(id)?;
            check_grad_shape(op, id, value.shape(), g.shape())?;
            self.ensure_state(id, value)?;
            flat.push(into_flat(g));
        }

        if let Some(scale) = self.loss_scale_factor {
            let s = scale as f32;
            flat.iter_mut().for_each(|g| map_inplace(g, |x| x / s));
        }
        self.built = true;
        let base = self.base_slot_count();
        // With accumulation, only every `steps`-th call updates (with the mean
        // gradient); the others add into the accumulators.
        let update_now = match self.accumulation_steps {
            None => true,
            Some(steps) => {
                let acc_slot = base - 1;
                let is_update = (self.iterations + 1).is_multiple_of(steps);
                for (&id, g) in vars.iter().zip(flat.iter_mut()) {
                    let st = self
                        .state
                        .get_mut(&id)
                        .ok_or_else(|| slot_mismatch(op, 0))?;
                    if is_update {
                        base::take_mean(&mut st.slots[acc_slot], g, steps);
                    } else {
                        base::accumulate(&mut st.slots[acc_slot], g);
                    }
                }
                is_update
            }
        };
        if update_now {
            self.update_variables(store, vars, flat)?;
        }
        if let Some(ema) = self.ema {
            let public = self.public_iterations();
            let overwrite = ema.overwrites(public);
            // Keras averages every trainable variable the optimizer was built on.
            for (&id, st) in self.state.iter_mut() {
                let var = flat_mut(store.get_mut(id)?);
                ema.update(public, &mut st.slots[0], var);
                if overwrite {
                    var.copy_from_slice(&st.slots[0]);
                }
            }
        }
        self.iterations += 1;
        Ok(())
    }

    /// Clipping, weight decay and the rule's update of every variable.
    fn update_variables(
        &mut self,
        store: &mut Store,
        vars: &[VarId],
        mut flat: Vec<Vec<f32>>,
    ) -> Result<()> {
        let op = self.rule.class_name();
        let base = self.base_slot_count();
        self.clip.apply(&mut flat);
        let step = Step {
            lr: self.learning_rate(),
            lr64: self.learning_rate_f64(),
            iterations: self.public_iterations(),
            scheduled: matches!(self.lr, LearningRate::Schedule(_)),
        };
        let lr = step.lr;
        for &id in vars.iter().filter(|id| !self.no_decay.contains(id)) {
            if let Some(wd) = self.rule.weight_decay_in(self.group(id), self.weight_decay) {
                let wd = wd as f32;
                let var = flat_mut(store.get_mut(id)?);
                map_inplace(var, |w| w - w * wd * lr);
            }
        }
        self.rule.begin_step(&step);
        for (&id, g) in vars.iter().zip(&flat) {
            let group = self.groups.get(&id).copied().unwrap_or(0);
            let st = self
                .state
                .get_mut(&id)
                .ok_or_else(|| slot_mismatch(op, 0))?;
            let var = flat_mut(store.get_mut(id)?);
            self.rule
                .update_in(&step, group, &st.shape, var, g, &mut st.slots[base..])?;
        }
        Ok(())
    }
}

/// Checks that an update has one gradient per variable, each variable once.
fn check_pairs(op: &str, vars: &[VarId], n_grads: usize) -> Result<()> {
    if vars.len() != n_grads {
        return Err(Error::argument(
            op,
            format!(
                "expected one gradient per variable. Received: {} variables and {n_grads} gradients",
                vars.len(),
            ),
        ));
    }
    let mut seen = HashSet::new();
    for &id in vars {
        if !seen.insert(id) {
            return Err(Error::argument(
                op,
                format!("variable {id} appears twice in one update"),
            ));
        }
    }
    Ok(())
}

/// Parses a float config value that Keras requires in `[lo, hi]`.
pub(crate) fn float_in(
    op: &str,
    config: &Attrs,
    key: &str,
    default: f64,
    lo: f64,
    hi: f64,
) -> Result<f64> {
    let v = config.float(op, key, default)?;
    if !(lo..=hi).contains(&v) {
        return Err(Error::argument(
            op,
            format!("'{key}' must be in [{lo}, {hi}]. Received: {key}={v}"),
        ));
    }
    Ok(v)
}

/// A gradient must have its variable's shape.
fn check_grad_shape(op: &str, id: VarId, var: &[usize], grad: &[usize]) -> Result<()> {
    if grad == var {
        return Ok(());
    }
    Err(Error::shape(
        op,
        format!("a gradient of shape {} for variable {id}", fmt_shape(var)),
        format!("shape {}", fmt_shape(grad)),
    ))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
#[path = "composite_tests.rs"]
mod tests_composite;
#[cfg(test)]
#[path = "float64_tests.rs"]
mod tests_float64;
#[cfg(test)]
#[path = "float64_more_tests.rs"]
mod tests_float64_more;
#[cfg(test)]
#[path = "more_tests.rs"]
mod tests_more;
