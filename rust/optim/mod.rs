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
mod adagrad;
mod adam;
mod adamax;
mod adamw;
mod clip;
mod elementwise;
mod lion;
mod nadam;
mod rmsprop;
pub mod schedule;
mod sgd;

use crate::error::{fmt_shape, Error, Result};
use crate::graph::store::{Store, VarId};
use crate::ops::Attrs;
use clip::Clip;
use elementwise::{flat_mut, into_flat};
pub(crate) use elementwise::{map_inplace, zip_update, CHUNK};
use ndarray::{ArrayD, IxDyn};
use std::collections::{HashMap, HashSet};

pub use schedule::Schedule;

/// Config key naming a learning-rate schedule class (`"ExponentialDecay"`, ...)
/// in place of a float `learning_rate`; the schedule's own config keys follow
/// as `"learning_rate_schedule.<key>"` (see [`Schedule::from_attrs`]).
pub const SCHEDULE_KEY: &str = "learning_rate_schedule";

/// What a rule sees of the current step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    /// The learning rate at this step, as float32 (Keras casts it so).
    pub lr: f32,
    /// Steps taken before this one (Keras's `optimizer.iterations`).
    pub iterations: u64,
}

impl Step {
    /// Keras's `local_step = iterations + 1`, as float32.
    pub fn local_step(&self) -> f32 {
        (self.iterations + 1) as f32
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

    /// Scalar state shared by all variables, listed after the slots.
    fn globals(&self) -> Vec<(&'static str, f32)> {
        Vec::new()
    }

    fn set_globals(&mut self, _values: &[f32]) {}

    /// Work done once per step before the variables are updated.
    fn begin_step(&mut self, _step: &Step) {}

    /// Updates one variable; `slots` follow `slot_groups` flattened.
    fn update(
        &self,
        step: &Step,
        var: &mut [f32],
        grad: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()>;
}

/// The error a rule returns if its slots do not match its own layout.
pub(crate) fn slot_mismatch(rule: &str, got: usize) -> Error {
    Error::graph(format!(
        "internal error in optimizer '{rule}': unexpected slot count {got} (please report it)"
    ))
}

/// The learning rate: a float32 value Keras keeps in a variable, or a schedule.
#[derive(Debug, Clone, PartialEq)]
pub enum LearningRate {
    Constant(f32),
    Schedule(Schedule),
}

/// Optimizer state of one variable.
#[derive(Debug, Clone)]
struct VarState {
    shape: Vec<usize>,
    slots: Vec<Vec<f32>>,
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
    "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion",
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
    state: HashMap<VarId, VarState>,
    no_decay: HashSet<VarId>,
    /// Whether `build` or `apply` ran: Keras creates global state (Nadam's
    /// `u_product`) at build time, so it is listed from then on.
    built: bool,
}

fn rule_from(name: &str, config: &Attrs) -> Result<(Box<dyn Rule>, &'static [&'static str])> {
    let key: String = name
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_lowercase();
    Ok(match key.as_str() {
        "sgd" => (Box::new(sgd::Sgd::from_attrs(config)?), sgd::KEYS),
        "adam" => (Box::new(adam::Adam::from_attrs(config)?), adam::KEYS),
        "adamw" => (Box::new(adamw::adamw_from_attrs(config)?), adam::KEYS),
        "rmsprop" => (
            Box::new(rmsprop::RmsProp::from_attrs(config)?),
            rmsprop::KEYS,
        ),
        "adagrad" => (
            Box::new(adagrad::Adagrad::from_attrs(config)?),
            adagrad::KEYS,
        ),
        "adadelta" => (
            Box::new(adadelta::Adadelta::from_attrs(config)?),
            adadelta::KEYS,
        ),
        "adamax" => (Box::new(adamax::Adamax::from_attrs(config)?), adamax::KEYS),
        "nadam" => (Box::new(nadam::Nadam::from_attrs(config)?), nadam::KEYS),
        "lion" => (Box::new(lion::Lion::from_attrs(config)?), lion::KEYS),
        _ => {
            return Err(Error::argument(
                "optimizer",
                format!(
                    "unknown optimizer '{name}'. Known optimizers: [{}]",
                    OPTIMIZER_NAMES.join(", ")
                ),
            ))
        }
    })
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
    /// keys. EMA and gradient accumulation are refused, not ignored.
    pub fn new(name: &str, config: &Attrs) -> Result<Self> {
        let (rule, rule_keys) = rule_from(name, config)?;
        let op = rule.class_name();
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

        if config.bool(op, "use_ema", false)? {
            return Err(Error::argument(
                op,
                "use_ema=True (an exponential moving average of the weights) is not supported yet",
            ));
        }
        if config.opt_int(op, "gradient_accumulation_steps")?.is_some() {
            return Err(Error::argument(
                op,
                "gradient_accumulation_steps is not supported yet; leave it None",
            ));
        }
        let lr = if schedule_name.is_empty() {
            let v = config.float(op, "learning_rate", rule.default_learning_rate())?;
            LearningRate::Constant(v as f32)
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
            state: HashMap::new(),
            no_decay: HashSet::new(),
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
        self.rule.slot_groups()
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
            LearningRate::Constant(v) => *v,
            LearningRate::Schedule(s) => s.value(self.iterations as f64),
        }
    }

    /// Sets a constant learning rate; refused while a schedule drives it.
    pub fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
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

    /// Creates the slots of variables not seen before (Keras's `build`).
    pub fn build(&mut self, store: &Store, vars: &[VarId]) -> Result<()> {
        self.built = true;
        for &id in vars {
            let shape = store.get(id)?.shape().to_vec();
            self.ensure_state(id, &shape)?;
        }
        Ok(())
    }

    fn ensure_state(&mut self, id: VarId, shape: &[usize]) -> Result<()> {
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
        let n: usize = shape.iter().product();
        let slots = self
            .rule
            .slot_groups()
            .iter()
            .flatten()
            .map(|name| vec![self.rule.slot_init(name); n])
            .collect();
        self.state.insert(
            id,
            VarState {
                shape: shape.to_vec(),
                slots,
            },
        );
        Ok(())
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
        let op = self.rule.class_name();
        if vars.len() != grads.len() {
            return Err(Error::argument(
                op,
                format!(
                    "expected one gradient per variable. Received: {} variables and {} gradients",
                    vars.len(),
                    grads.len()
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
        let mut flat: Vec<Vec<f32>> = Vec::with_capacity(grads.len());
        for (&id, g) in vars.iter().zip(grads) {
            let shape = store.get(id)?.shape().to_vec();
            if g.shape() != shape.as_slice() {
                return Err(Error::shape(
                    op,
                    format!(
                        "a gradient of shape {} for variable {id}",
                        fmt_shape(&shape)
                    ),
                    format!("shape {}", fmt_shape(g.shape())),
                ));
            }
            self.ensure_state(id, &shape)?;
            flat.push(into_flat(g));
        }

        if let Some(scale) = self.loss_scale_factor {
            let s = scale as f32;
            flat.iter_mut().for_each(|g| map_inplace(g, |x| x / s));
        }
        self.clip.apply(&mut flat);

        let step = Step {
            lr: self.learning_rate(),
            iterations: self.iterations,
        };
        if let Some(wd) = self.weight_decay {
            let wd = wd as f32;
            let lr = step.lr;
            for &id in vars.iter().filter(|id| !self.no_decay.contains(id)) {
                let var = flat_mut(store.get_mut(id)?);
                map_inplace(var, |w| w - w * wd * lr);
            }
        }

        self.built = true;
        self.rule.begin_step(&step);
        for (&id, g) in vars.iter().zip(&flat) {
            let st = self
                .state
                .get_mut(&id)
                .ok_or_else(|| slot_mismatch(op, 0))?;
            let var = flat_mut(store.get_mut(id)?);
            self.rule.update(&step, var, g, &mut st.slots)?;
        }
        self.iterations += 1;
        Ok(())
    }

    /// The optimizer's state in Keras's `optimizer.variables` order:
    /// `iteration`, `learning_rate` (constant rates only), the slots group by
    /// group and within a group variable by variable, then global scalars
    /// (Nadam's `u_product`). Slot entries are named by the slot alone
    /// (`"momentum"`); Keras names them `{variable.path with / as _}_{slot}`.
    /// Variables never built or applied to are skipped.
    pub fn variables(&self, vars: &[VarId]) -> Vec<(String, ArrayD<f32>)> {
        let scalar = |v: f32| ArrayD::from_elem(IxDyn(&[]), v);
        let mut out = vec![("iteration".to_string(), scalar(self.iterations as f32))];
        if let LearningRate::Constant(v) = self.lr {
            out.push(("learning_rate".to_string(), scalar(v)));
        }
        let groups = self.rule.slot_groups();
        let mut offset = 0;
        for group in &groups {
            for &id in vars {
                let Some(st) = self.state.get(&id) else {
                    continue;
                };
                for (k, name) in group.iter().enumerate() {
                    let data = st.slots[offset + k].clone();
                    let arr = ArrayD::from_shape_vec(IxDyn(&st.shape), data)
                        .unwrap_or_else(|_| ArrayD::zeros(IxDyn(&st.shape)));
                    out.push((name.to_string(), arr));
                }
            }
            offset += group.len();
        }
        if self.built {
            for (name, v) in self.rule.globals() {
                out.push((name.to_string(), scalar(v)));
            }
        }
        out
    }

    /// Restores state saved by [`Optimizer::variables`] for the same `vars`
    /// (which must have been built or applied to).
    pub fn set_variables(&mut self, vars: &[VarId], values: Vec<ArrayD<f32>>) -> Result<()> {
        let op = self.rule.class_name();
        let expected = self.variables(vars);
        if expected.len() != values.len() {
            return Err(Error::argument(
                op,
                format!(
                    "expected {} optimizer variables ({}). Received: {} values",
                    expected.len(),
                    expected
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    values.len()
                ),
            ));
        }
        for (i, ((name, want), got)) in expected.iter().zip(&values).enumerate() {
            if want.shape() != got.shape() {
                return Err(Error::shape(
                    op,
                    format!(
                        "optimizer variable {i} ('{name}') of shape {}",
                        fmt_shape(want.shape())
                    ),
                    format!("shape {}", fmt_shape(got.shape())),
                ));
            }
        }
        let mut values = values.into_iter();
        let next_scalar = |values: &mut std::vec::IntoIter<ArrayD<f32>>| {
            values
                .next()
                .and_then(|a| a.iter().next().copied())
                .unwrap_or(0.0)
        };
        let it = next_scalar(&mut values);
        if !(it.is_finite() && it >= 0.0) {
            return Err(Error::argument(
                op,
                format!("the iteration count must be a non-negative integer. Received: {it}"),
            ));
        }
        self.iterations = it.round() as u64;
        if let LearningRate::Constant(v) = &mut self.lr {
            *v = next_scalar(&mut values);
        }
        let groups = self.rule.slot_groups();
        let mut offset = 0;
        for group in &groups {
            for &id in vars {
                let Some(st) = self.state.get_mut(&id) else {
                    continue;
                };
                for k in 0..group.len() {
                    if let Some(a) = values.next() {
                        st.slots[offset + k] = into_flat(a);
                    }
                }
            }
            offset += group.len();
        }
        let globals: Vec<f32> = values
            .map(|a| a.iter().next().copied().unwrap_or(0.0))
            .collect();
        self.rule.set_globals(&globals);
        Ok(())
    }
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

#[cfg(test)]
mod tests;
