//! Updates of float64 variables (`keras.config.set_floatx("float64")`, or a
//! `Variable(dtype="float64")`), in float64 as Keras 3 on JAX with
//! `jax_enable_x64` computes them: gradients, slots, clipping, weight decay
//! and the rule's update all stay float64. The rules share one generic body
//! with their float32 update ([`super::Rule::update_f64`]); the float32 path
//! ([`Optimizer::apply`]) is untouched.
//!
//! Not yet in float64 (each refused by name rather than narrowed): EMA,
//! gradient accumulation, `MultiOptimizer`, one update mixing float32 and
//! float64 variables, and the rules without a float64 body.

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
        let unsupported = if self.multi.is_some() {
            Some("MultiOptimizer")
        } else if self.ema.is_some() {
            Some("use_ema=True")
        } else if self.accumulation_steps.is_some() {
            Some("gradient_accumulation_steps")
        } else {
            None
        };
        if let Some(what) = unsupported {
            return Err(Error::argument(
                op,
                format!("{what} cannot update float64 variables yet; train them without it"),
            ));
        }
        if !self.rule.supports_float64() {
            return Err(no_float64(op));
        }
        Ok(())
    }

    /// [`Optimizer::apply`] for float64 variables and gradients.
    fn apply_f64(
        &mut self,
        store: &mut Store,
        vars: &[VarId],
        grads: Vec<ArrayD<f64>>,
    ) -> Result<()> {
        // Everything refused is refused before anything changes.
        self.refuse_float64()?;
        let op = self.rule.class_name();
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
        self.rule.begin_step(&step);
        for (&id, g) in vars.iter().zip(&flat) {
            let st = self
                .state
                .get_mut(&id)
                .ok_or_else(|| slot_mismatch(op, 0))?;
            let var = weight_f64(store, id)?;
            self.rule
                .update_f64(&step, &st.shape, var, g, &mut st.slots64)?;
        }
        self.iterations += 1;
        Ok(())
    }

    /// Creates a float64 variable's slots (in float64) on first sight.
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
        let group = self.group(id);
        let mut slots64 = Vec::new();
        let mut slot_shapes = Vec::new();
        for name in self.rule.slot_groups().iter().flatten() {
            let slot_shape = self.rule.slot_shape_in(name, shape, group);
            let n = slot_shape.as_ref().map_or(0, |s| s.iter().product());
            match value {
                Weight::F64(a) if n == a.len() && self.rule.slot_copies_variable(name) => {
                    slots64.push(a.iter().copied().collect());
                }
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
