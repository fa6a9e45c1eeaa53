//! Gradient clipping as Keras does it before every update: `clipnorm` per
//! gradient, `global_clipnorm` over all gradients, or `clipvalue` elementwise.

use super::elementwise::lane_sum;
use super::{map_inplace, CHUNK};
use crate::error::{Error, Result};
use crate::kernels::parallel::worth_splitting;
use crate::ops::Attrs;
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Clip {
    None,
    Norm(f64),
    GlobalNorm(f64),
    Value(f64),
}

impl Clip {
    /// Reads `clipnorm`, `global_clipnorm` and `clipvalue`; at most one may be
    /// set (Keras refuses more). Zero or negative means no clipping, as in Keras.
    pub fn from_attrs(op: &str, config: &Attrs) -> Result<Self> {
        let norm = config.opt_float(op, "clipnorm")?;
        let global = config.opt_float(op, "global_clipnorm")?;
        let value = config.opt_float(op, "clipvalue")?;
        let given = [norm, global, value].iter().filter(|v| v.is_some()).count();
        if given > 1 {
            let show = |v: Option<f64>| v.map_or("None".to_string(), |x| x.to_string());
            return Err(Error::argument(
                op,
                format!(
                    "only one of clipnorm, clipvalue and global_clipnorm can be set. \
                     Received: clipnorm={}, clipvalue={}, global_clipnorm={}",
                    show(norm),
                    show(value),
                    show(global)
                ),
            ));
        }
        Ok(match (norm, global, value) {
            (Some(c), _, _) if c > 0.0 => Clip::Norm(c),
            (_, Some(c), _) if c > 0.0 => Clip::GlobalNorm(c),
            (_, _, Some(c)) if c > 0.0 => Clip::Value(c),
            _ => Clip::None,
        })
    }

    pub fn apply(&self, grads: &mut [Vec<f32>]) {
        match *self {
            Clip::None => {}
            Clip::Norm(c) => grads.iter_mut().for_each(|g| clip_by_norm(g, c)),
            Clip::GlobalNorm(c) => clip_by_global_norm(grads, c),
            Clip::Value(c) => {
                let (lo, hi) = (-(c as f32), c as f32);
                // Written out so that NaN passes through, as `jnp.clip` lets it.
                let clamp = |x: f32| {
                    if x < lo {
                        lo
                    } else if x > hi {
                        hi
                    } else {
                        x
                    }
                };
                grads.iter_mut().for_each(|g| map_inplace(g, clamp));
            }
        }
    }
}

/// Sum of squares as float32, accumulated in double over fixed chunks added in
/// order, so it is the same on any thread count and within rounding of
/// Keras's float32 reduction.
pub(crate) fn sum_squares(x: &[f32]) -> f32 {
    let chunk_sum = |c: &[f32]| lane_sum(c, c, |v, _| (v as f64) * (v as f64));
    let total: f64 = if worth_splitting(x.len()) {
        let parts: Vec<f64> = x.par_chunks(CHUNK).map(chunk_sum).collect();
        parts.iter().sum()
    } else {
        x.chunks(CHUNK).map(chunk_sum).sum()
    };
    total as f32
}

/// NaN-propagating maximum, like `jnp.maximum`.
fn max_nan(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else {
        a.max(b)
    }
}

/// Keras's `_clip_by_norm`: `g * c / max(||g||, c)`, leaving a zero gradient alone.
fn clip_by_norm(g: &mut [f32], clipnorm: f64) {
    let c = clipnorm as f32;
    let l2sum = sum_squares(g);
    let l2norm = if l2sum > 0.0 { l2sum.sqrt() } else { l2sum };
    let denom = max_nan(l2norm, c);
    map_inplace(g, |x| x * c / denom);
}

/// Keras's `clip_by_global_norm`: every gradient times
/// `c * min(1 / norm, 1 / c)`, which turns to NaN if the norm is not finite.
fn clip_by_global_norm(grads: &mut [Vec<f32>], clipnorm: f64) {
    let squared: f32 = grads.iter().map(|g| sum_squares(g)).sum();
    let norm = squared.sqrt();
    let c = clipnorm as f32;
    let inv_c = (1.0 / clipnorm) as f32;
    // Keras adds `norm - norm`: zero for a finite norm, NaN otherwise.
    let scale = if norm.is_finite() {
        c * (1.0 / norm).min(inv_c)
    } else {
        f32::NAN
    };
    grads.iter_mut().for_each(|g| map_inplace(g, |x| x * scale));
}
