//! Updates of float64 variables (`keras.config.set_floatx("float64")`, or a
//! `Variable(dtype="float64")`), in float64 as Keras 3 on JAX with
//! `jax_enable_x64` computes them: gradients, slots, clipping, weight decay
//! and the rule's update all stay float64. The rules share one generic body
//! with their float32 update ([`super::Rule::update_f64`]); the float32 path
//! ([`Optimizer::apply`]) is untouched.
//!
//! Every rule has a float64 body; `use_ema` and `gradient_accumulation_steps`
//! keep their state in float64 too, and a `MultiOptimizer`'s sub-optimizers
//! each update their variables in their own type. Not yet in float64 (refused
//! by name rather than narrowed): one update (of one optimizer or
//! sub-optimizer) mixing float32 and float64 variables.

use super::base;
use super::clip::Clip;
use super::elementwise::{flat_mut, into_flat};
use super::rule::no_float64;
use super::{
    check_grad_shape, check_pairs, map_inplace, slot_mismatch, LearningRate, Optimizer, Step,
    VarState,
};
use crate::error::{fmt_shape, Error, Result};
use crate::graph::store::{Store, VarId, Weight};
use crate::tensor::Value;
use ndarray::ArrayD;

impl Optimizer {
    /// One Keras step from gradients in any float type: float32 variables
    /// take [`Optimizer::apply`] (a float64 gradient of one is rounded to
    /// float32, its variable's type), float64 variables the float64 update.
    pub fn apply_values(
        &mut self,
        store: &mut Store,
        vars: &[VarId],
        grads: Vec<Value>,
    ) -> Result<()> {
        let mut float64 = Vec::with_capacity(vars.len());
        for &id in vars {
            float64.push(matches!(store.weight(id)?, Weight::F64(_)));
        }
        if self.multi.is_some() && float64.iter().any(|&f| f) {
            // Each sub-optimizer updates its variables in their own type.
            return self.apply_multi_values(store, vars, grads);
        }
        if !float64.iter().any(|&f| f) {
            let grads = grads
                .into_iter()
                .map(|g| g.narrowed().into_f32("gradient"))
                .collect::<Result<Vec<_>>>()?;
            return self.apply(store, vars, grads);
        }
        let op = self.rule.class_name();
        if float64.iter().any(|&f| !f) {
            return Err(Error::argument(
                op,
                "one update mixes float32 and float64 variables; give each dtype its own \
                 optimizer (or create every variable after keras.config.set_floatx)",
            ));
        }
        let grads = grads
            .into_iter()
            .map(|g| g.widened().into_f64("gradient"))
            .collect::<Result<Vec<_>>>()?;
        self.apply_f64(store, vars, grads)
    }

    /// Whether any variable this optimizer was built on is float64 (Keras
    /// then keeps its learning rate in float64 too).
    pub fn has_float64(&self) -> bool {
        self.state.values().any(|st| st.float64)
    }

    /// The learning rate for the next step in double: a constant as given,
    /// a schedule's float32 value widened.
    pub fn learning_rate_f64(&self) -> f64 {
        match &self.lr {
            LearningRate::Constant(v) => *v,
            LearningRate::Schedule(s) => f64::from(s.value(self.iterations as f64)),
        }
    }

    pub(super) fn refuse_float64(&self) -> Result<()> {
        let op = self.rule.class_name();
        if self.multi.is_some() {
            // The parent keeps no slots and updates nothing itself; its
            // sub-optimizers check their own variables.
            return Ok(());
        }
        if !self.rule.supports_float64() {
            return Err(no_float64(op));
        }
        Ok(())
    }

    /// [`Optimizer::apply`] for float64 variables and gradients: gradient
    /// accumulation, clipping, weight decay, the rule's update and the
    /// moving average all in float64, as Keras computes them for float64
    /// variables.
    fn apply_f64(
        &mut self,
        store: &mut Store,
        vars: &[VarId],
        grads: Vec<ArrayD<f64>>,
    ) -> Result<()> {
        // Everything refused is refused before anything changes.
        self.refuse_float64()?;
        let op = self.rule.class_name();
        if self.multi.is_some() {
            return Err(Error::graph(
                "internal error: a MultiOptimizer updated float64 variables itself (please \
                 report it)",
            ));
        }
        check_pairs(op, vars, grads.len())?;
        let mut flat: Vec<Vec<f64>> = Vec::with_capacity(grads.len());
        for (&id, g) in vars.iter().zip(grads) {
            let value = store.weight(id)?;
            check_grad_shape(op, id, value.shape(), g.shape())?;
            self.ensure_state_f64(id, value)?;
            flat.push(into_flat(g));
        }
        if let Some(scale) = self.loss_scale_factor {
            flat.iter_mut().for_each(|g| map_inplace(g, |x| x / scale));
        }
        self.built = true;
        let base = self.base_slot_count();
        // With accumulation, only every `steps`-th call updates (with the
        // mean gradient); the others add into the accumulators.
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
                        base::take_mean(&mut st.slots64[acc_slot], g, steps);
                    } else {
                        base::accumulate(&mut st.slots64[acc_slot], g);
                    }
                }
                is_update
            }
        };
        if update_now {
            self.update_variables_f64(store, vars, flat)?;
        }
        if let Some(ema) = self.ema {
            let public = self.public_iterations();
            let overwrite = ema.overwrites(public);
            // Keras averages every trainable variable the optimizer was built on.
            for (&id, st) in self.state.iter_mut() {
                let var = weight_f64(store, id)?;
                ema.update(public, &mut st.slots64[0], var);
                if overwrite {
                    var.copy_from_slice(&st.slots64[0]);
                }
            }
        }
        self.iterations += 1;
        Ok(())
    }

    /// Clipping, weight decay and the rule's update of every float64 variable.
    fn update_variables_f64(
        &mut self,
        store: &mut Store,
        vars: &[VarId],
        mut flat: Vec<Vec<f64>>,
    ) -> Result<()> {
        let op = self.rule.class_name();
        let base = self.base_slot_count();
        clip_f64(self.clip, &mut flat);
        let step = Step {
            lr: self.learning_rate(),
            lr64: self.learning_rate_f64(),
            iterations: self.public_iterations(),
            scheduled: matches!(self.lr, LearningRate::Schedule(_)),
        };
        let lr = step.lr64;
        for &id in vars.iter().filter(|id| !self.no_decay.contains(id)) {
            if let Some(wd) = self.rule.weight_decay_in(self.group(id), self.weight_decay) {
                let var = weight_f64(store, id)?;
                map_inplace(var, |w| w - w * wd * lr);
            }
        }
        self.rule.begin_step_f64(&step);
        for (&id, g) in vars.iter().zip(&flat) {
            let st = self
                .state
                .get_mut(&id)
                .ok_or_else(|| slot_mismatch(op, 0))?;
            let var = weight_f64(store, id)?;
            self.rule
                .update_f64(&step, &st.shape, var, g, &mut st.slots64[base..])?;
        }
        Ok(())
    }

    /// Creates a float64 variable's slots (in float64) on first sight: the
    /// base slots (average, accumulator) at zero, then the rule's.
    pub(super) fn ensure_state_f64(&mut self, id: VarId, value: &Weight) -> Result<()> {
        let shape = value.shape();
        if let Some(st) = self.state.get(&id) {
            if st.shape != shape || !st.float64 {
                return Err(Error::shape(
                    self.rule.class_name(),
                    format!(
                        "variable {id} to keep the shape {} and dtype it had when the optimizer \
                         was built (to train new variables, create a new optimizer)",
                        fmt_shape(&st.shape)
                    ),
                    format!("a float64 variable of shape {}", fmt_shape(shape)),
                ));
            }
            return Ok(());
        }
        let base = self.base_slot_count();
        let group = self.group(id);
        let mut slots64 = Vec::new();
        let mut slot_shapes = Vec::new();
        for (k, name) in self.slot_groups().iter().flatten().enumerate() {
            let slot_shape = if k < base {
                Some(shape.to_vec())
            } else {
                self.rule.slot_shape_in(name, shape, group)
            };
            let n = slot_shape.as_ref().map_or(0, |s| s.iter().product());
            match value {
                Weight::F64(a)
                    if k >= base && n == a.len() && self.rule.slot_copies_variable(name) =>
                {
                    slots64.push(a.iter().copied().collect());
                }
                _ if k < base => slots64.push(vec![0.0; n]),
                _ => slots64.push(vec![self.rule.slot_init_f64(name); n]),
            }
            slot_shapes.push(slot_shape);
        }
        self.state.insert(
            id,
            VarState {
                shape: shape.to_vec(),
                slots: Vec::new(),
                slot_shapes,
                float64: true,
                slots64,
            },
        );
        Ok(())
    }
}

/// A float64 variable's elements, contiguous, for an in-place update.
fn weight_f64(store: &mut Store, id: VarId) -> Result<&mut [f64]> {
    match store.weight_mut(id)? {
        Weight::F64(a) => Ok(flat_mut(a)),
        Weight::F32(_) => Err(Error::graph(format!(
            "internal error: variable {id} changed dtype during an update (please report it)"
        ))),
    }
}

/// Keras's clipping in float64: the formulas of `clip.rs` (the same NaN
/// handling), summed in float64 in order.
fn clip_f64(clip: Clip, grads: &mut [Vec<f64>]) {
    let norm_sq = |g: &[f64]| g.iter().map(|x| x * x).sum::<f64>();
    let max_nan = |a: f64, b: f64| {
        if a.is_nan() || b.is_nan() {
            f64::NAN
        } else {
            a.max(b)
        }
    };
    match clip {
        Clip::None => {}
        Clip::Norm(c) => {
            for g in grads.iter_mut() {
                let l2sum = norm_sq(g);
                let l2norm = if l2sum > 0.0 { l2sum.sqrt() } else { l2sum };
                let denom = max_nan(l2norm, c);
                map_inplace(g, |x| x * c / denom);
            }
        }
        Clip::GlobalNorm(c) => {
            let norm = grads.iter().map(|g| norm_sq(g)).sum::<f64>().sqrt();
            let scale = if norm.is_finite() {
                c * (1.0 / norm).min(1.0 / c)
            } else {
                f64::NAN
            };
            grads.iter_mut().for_each(|g| map_inplace(g, |x| x * scale));
        }
        Clip::Value(c) => {
            let clamp = |x: f64| {
                if x < -c {
                    -c
                } else if x > c {
                    c
                } else {
                    x
                }
            };
            grads.iter_mut().for_each(|g| map_inplace(g, clamp));
        }
    }
}
