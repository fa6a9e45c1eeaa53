//! `MultiOptimizer`: one optimizer whose variables are split among
//! sub-optimizers, each updating its own with its own rule, settings and
//! state, in one call (so a training loop that drives one optimizer per step
//! still runs one backward pass). As Keras 3's `MultiOptimizer.apply`, the
//! parent only dispatches and counts the step; every sub-optimizer unscales,
//! clips, decays and counts its own.

use super::{Optimizer, Rule, Step};
use crate::error::{fmt_shape, Error, Result};
use crate::graph::store::{Store, VarId};
use crate::tensor::Value;
use ndarray::ArrayD;
use std::collections::{HashMap, HashSet};

/// The rule of the parent: it keeps no slots and never updates a variable
/// itself.
#[derive(Debug)]
pub(crate) struct Dispatch;

pub(crate) const CLASS_NAME: &str = "MultiOptimizer";

impl Rule for Dispatch {
    fn class_name(&self) -> &'static str {
        CLASS_NAME
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        Vec::new()
    }

    fn default_learning_rate(&self) -> f64 {
        0.0
    }

    fn update(&self, _: &Step, _: &mut [f32], _: &[f32], _: &mut [Vec<f32>]) -> Result<()> {
        Err(Error::graph(
            "internal error: a MultiOptimizer updated a variable itself (please report it)",
        ))
    }
}

/// The sub-optimizers and which of them owns each variable.
#[derive(Debug, Default)]
pub(crate) struct Multi {
    children: Vec<Optimizer>,
    owner: HashMap<VarId, usize>,
}

impl Optimizer {
    fn multi_mut(&mut self) -> Result<&mut Multi> {
        let op = self.rule.class_name();
        self.multi
            .as_mut()
            .ok_or_else(|| Error::argument(op, "only a MultiOptimizer has sub-optimizers"))
    }

    /// Adds a sub-optimizer; returns its index.
    pub fn add_child(&mut self, child: Optimizer) -> Result<usize> {
        if child.multi.is_some() {
            return Err(Error::argument(
                CLASS_NAME,
                "a MultiOptimizer cannot be used inside a MultiOptimizer",
            ));
        }
        let multi = self.multi_mut()?;
        multi.children.push(child);
        Ok(multi.children.len() - 1)
    }

    /// Changes `loss_scale_factor` (None: none), as a MultiOptimizer's
    /// setter does; it must be positive.
    pub fn set_loss_scale_factor(&mut self, factor: Option<f64>) -> Result<()> {
        if let Some(f) = factor {
            if !(f.is_finite() && f > 0.0) {
                return Err(Error::argument(
                    self.rule.class_name(),
                    format!(
                        "'loss_scale_factor' must be positive. Received: loss_scale_factor={f}"
                    ),
                ));
            }
        }
        self.loss_scale_factor = factor;
        Ok(())
    }

    /// Sub-optimizer `k`.
    pub fn child(&self, k: usize) -> Result<&Optimizer> {
        let count = self.multi.as_ref().map_or(0, |m| m.children.len());
        self.multi
            .as_ref()
            .and_then(|m| m.children.get(k))
            .ok_or_else(|| no_child(k, count))
    }

    /// Sub-optimizer `k`, to change.
    pub fn child_mut(&mut self, k: usize) -> Result<&mut Optimizer> {
        let multi = self.multi_mut()?;
        let count = multi.children.len();
        multi.children.get_mut(k).ok_or_else(|| no_child(k, count))
    }

    /// Puts `child` in place of sub-optimizer `k`; returns the one it replaces.
    pub fn replace_child(&mut self, k: usize, child: Optimizer) -> Result<Optimizer> {
        if child.multi.is_some() {
            return Err(Error::argument(
                CLASS_NAME,
                "a MultiOptimizer cannot be used inside a MultiOptimizer",
            ));
        }
        Ok(std::mem::replace(self.child_mut(k)?, child))
    }

    /// Gives `vars` to sub-optimizer `k` (replacing an earlier assignment).
    pub fn assign_to_child(&mut self, vars: &[VarId], k: usize) -> Result<()> {
        let multi = self.multi_mut()?;
        if k >= multi.children.len() {
            return Err(no_child(k, multi.children.len()));
        }
        multi.owner.extend(vars.iter().map(|&id| (id, k)));
        Ok(())
    }

    /// Keras's `MultiOptimizer.apply`: each sub-optimizer updates its own
    /// variables (in their order here), then the parent counts the step.
    /// Every variable and gradient is checked before any update.
    pub(super) fn apply_multi(
        &mut self,
        store: &mut Store,
        vars: &[VarId],
        grads: Vec<ArrayD<f32>>,
    ) -> Result<()> {
        let split = self.split_by_child(store, vars, grads, |g| g.shape())?;
        let multi = self.multi_mut()?;
        for (child, (ids, gs)) in multi.children.iter_mut().zip(split) {
            if !ids.is_empty() {
                child.apply(store, &ids, gs)?;
            }
        }
        self.built = true;
        self.iterations += 1;
        Ok(())
    }

    /// [`Optimizer::apply_multi`] from gradients in any float type: each
    /// sub-optimizer updates its variables in their own type (float64 ones
    /// in float64).
    pub(super) fn apply_multi_values(
        &mut self,
        store: &mut Store,
        vars: &[VarId],
        grads: Vec<Value>,
    ) -> Result<()> {
        let split = self.split_by_child(store, vars, grads, |g| g.shape())?;
        let multi = self.multi_mut()?;
        for (child, (ids, gs)) in multi.children.iter_mut().zip(split) {
            if !ids.is_empty() {
                child.apply_values(store, &ids, gs)?;
            }
        }
        self.built = true;
        self.iterations += 1;
        Ok(())
    }

    /// The variables and gradients of each sub-optimizer, all checked.
    fn split_by_child<G>(
        &mut self,
        store: &Store,
        vars: &[VarId],
        grads: Vec<G>,
        shape_of: impl Fn(&G) -> &[usize],
    ) -> Result<Vec<(Vec<VarId>, Vec<G>)>> {
        if vars.len() != grads.len() {
            return Err(Error::argument(
                CLASS_NAME,
                format!(
                    "expected one gradient per variable. Received: {} variables and {} gradients",
                    vars.len(),
                    grads.len()
                ),
            ));
        }
        let multi = self.multi_mut()?;
        let mut split: Vec<(Vec<VarId>, Vec<G>)> = (0..multi.children.len())
            .map(|_| (Vec::new(), Vec::new()))
            .collect();
        let mut seen = HashSet::new();
        for (&id, g) in vars.iter().zip(grads) {
            if !seen.insert(id) {
                return Err(Error::argument(
                    CLASS_NAME,
                    format!("variable {id} appears twice in one update"),
                ));
            }
            let k = *multi.owner.get(&id).ok_or_else(|| {
                Error::argument(
                    CLASS_NAME,
                    format!(
                        "variable {id} has no sub-optimizer: the optimizer can only be called \
                         for the variables it was built with"
                    ),
                )
            })?;
            let shape = store.weight(id)?.shape();
            if shape_of(&g) != shape {
                return Err(Error::shape(
                    CLASS_NAME,
                    format!("a gradient of shape {} for variable {id}", fmt_shape(shape)),
                    format!("shape {}", fmt_shape(shape_of(&g))),
                ));
            }
            split[k].0.push(id);
            split[k].1.push(g);
        }
        Ok(split)
    }
}

fn no_child(k: usize, count: usize) -> Error {
    Error::argument(
        CLASS_NAME,
        format!("there is no sub-optimizer {k}; this MultiOptimizer has {count}"),
    )
}
