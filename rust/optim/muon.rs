//! Muon, as Keras 3's `Muon.update_step`: for 2-D variables, a momentum whose
//! (Nesterov) update is orthogonalized by Newton-Schulz iterations and scaled
//! by `sqrt(max(rows, cols)) * rms_rate`; every other variable (group 1, see
//! [`super::Optimizer::set_variable_groups`]: not 2-D, an embedding, or an
//! excluded layer, as Python decides from the variable's path) takes an AdamW
//! step with `velocity` as its second moment.

use super::clip::sum_squares;
use super::{slot_mismatch, zip_update, Rule, Step};
use crate::error::{Error, Result};
use crate::kernels::matmul::gemm_into;
use crate::kernels::real::Real;
use crate::ops::Attrs;
use ndarray::{Array2, ArrayView2};

pub(crate) const KEYS: &[&str] = &[
    "adam_beta_1",
    "adam_beta_2",
    "adam_weight_decay",
    "epsilon",
    "muon_a",
    "muon_b",
    "muon_c",
    "adam_lr_ratio",
    "momentum",
    "ns_steps",
    "nesterov",
    "rms_rate",
];

/// The group of variables Muon updates by AdamW.
pub(crate) const ADAMW_GROUP: usize = 1;

/// Keras's default `weight_decay` and `adam_weight_decay` for Muon.
const DEFAULT_WEIGHT_DECAY: f64 = 0.004;

#[derive(Debug)]
pub(crate) struct Muon {
    adam_beta_1: f64,
    adam_beta_2: f64,
    adam_weight_decay: Option<f64>,
    epsilon: f64,
    abc: (f64, f64, f64),
    adam_lr_ratio: f64,
    momentum: f64,
    ns_steps: usize,
    nesterov: bool,
    /// None: no RMS matching (Keras's `rms_rate=None`); absent from the
    /// config means None, so Python always passes Keras's default 0.2.
    rms_rate: Option<f64>,
}

impl Muon {
    pub fn from_attrs(config: &Attrs) -> Result<Self> {
        let op = "Muon";
        let ns_steps = config.int(op, "ns_steps", 5)?;
        if ns_steps < 0 {
            return Err(Error::argument(
                op,
                format!("'ns_steps' must be a non-negative integer. Received: ns_steps={ns_steps}"),
            ));
        }
        Ok(Self {
            adam_beta_1: config.float(op, "adam_beta_1", 0.9)?,
            adam_beta_2: config.float(op, "adam_beta_2", 0.999)?,
            adam_weight_decay: config.opt_float(op, "adam_weight_decay")?,
            epsilon: config.float(op, "epsilon", 1e-7)?,
            abc: (
                config.float(op, "muon_a", 3.4445)?,
                config.float(op, "muon_b", -4.7750)?,
                config.float(op, "muon_c", 2.0315)?,
            ),
            adam_lr_ratio: config.float(op, "adam_lr_ratio", 1.0)?,
            momentum: config.float(op, "momentum", 0.95)?,
            ns_steps: ns_steps as usize,
            nesterov: config.bool(op, "nesterov", true)?,
            rms_rate: config.opt_float(op, "rms_rate")?,
        })
    }

    /// Keras's `_adamw_update_step` (Adam with `adam_beta_1/2`; the decay
    /// was applied before, by `weight_decay_in`), in the variable's type.
    fn adamw<T: Real>(&self, lr: T, t: T, var: &mut [T], grad: &[T], m: &mut [T], v: &mut [T]) {
        let one = T::one();
        let b1_power = T::of(self.adam_beta_1).powf(t);
        let b2_power = T::of(self.adam_beta_2).powf(t);
        let alpha = lr * (one - b2_power).sqrt() / (one - b1_power);
        let one_minus_b1 = T::of(1.0 - self.adam_beta_1);
        let one_minus_b2 = T::of(1.0 - self.adam_beta_2);
        let eps = T::of(self.epsilon);
        zip_update(var, grad, [m, v], |w, g, [m, v]| {
            *m += (g - *m) * one_minus_b1;
            *v += (g * g - *v) * one_minus_b2;
            *w = *w - (*m * alpha) / (v.sqrt() + eps);
        });
    }

    /// Keras's `_muon_update_step` for a (rows, cols) variable, in the
    /// variable's type; `orthogonalize` is [`newton_schulz`] for it.
    fn muon<T: Real>(
        &self,
        lr: T,
        shape: &[usize],
        var: &mut [T],
        grad: &[T],
        m: &mut [T],
        orthogonalize: impl Fn(&mut [T], usize, usize, (f64, f64, f64), usize) -> Result<()>,
    ) -> Result<()> {
        // Keras: `m * (self.momentum - 1)` with the difference taken in double.
        let decay = T::of(self.momentum - 1.0);
        let mu = T::of(self.momentum);
        zip_update(m, grad, [], |m, g, []| *m += g + *m * decay);
        let mut g = if self.nesterov {
            let mut g = grad.to_vec();
            zip_update(&mut g, m, [], |g, m, []| *g += mu * m);
            g
        } else {
            m.to_vec()
        };
        let (rows, cols) = (shape[0], shape[1]);
        orthogonalize(&mut g, rows, cols, self.abc, self.ns_steps)?;
        // `lr_adjust(lr * update)`: `x * sqrt(max(rows, cols)) * rms_rate`.
        let scale = self
            .rms_rate
            .map(|r| (T::of(rows.max(cols) as f64).sqrt(), T::of(r)));
        zip_update(var, &g, [], |w, u, []| {
            let mut step = lr * u;
            if let Some((root, rate)) = scale {
                step = step * root * rate;
            }
            *w = *w - step;
        });
        Ok(())
    }

    /// Keras's `update_step` in the variable's type.
    fn update_as<T: Real>(
        &self,
        step: &Step,
        shape: &[usize],
        var: &mut [T],
        grad: &[T],
        slots: &mut [Vec<T>],
        orthogonalize: impl Fn(&mut [T], usize, usize, (f64, f64, f64), usize) -> Result<()>,
    ) -> Result<()> {
        let [m, v] = slots else {
            return Err(slot_mismatch("Muon", slots.len()));
        };
        let lr = step.lr_as::<T>();
        // As in Keras, a kept velocity is what marks a variable as AdamW's.
        if !v.is_empty() || var.is_empty() {
            let lr = lr * T::of(self.adam_lr_ratio);
            self.adamw(lr, step.local_step_as(), var, grad, m, v);
        } else if shape.len() == 2 {
            self.muon(lr, shape, var, grad, m, orthogonalize)?;
        } else {
            return Err(slot_mismatch("Muon", slots.len()));
        }
        Ok(())
    }
}

/// `zeropower_via_newtonschulz5`: orthogonalizes the (rows, cols) matrix `x`
/// in place by `steps` quintic Newton-Schulz iterations, working on the wide
/// orientation as Keras does (transposed when rows > cols).
pub(crate) fn newton_schulz(
    x: &mut [f32],
    rows: usize,
    cols: usize,
    abc: (f64, f64, f64),
    steps: usize,
) -> Result<()> {
    let tall = rows > cols;
    let (r, c) = if tall { (cols, rows) } else { (rows, cols) };
    let view = ArrayView2::from_shape((rows, cols), &*x).map_err(|_| {
        Error::graph(format!(
            "internal error in optimizer 'Muon': {} values for a ({rows}, {cols}) update \
             (please report it)",
            x.len()
        ))
    })?;
    let mut cur: Array2<f32> = if tall {
        view.t().as_standard_layout().into_owned()
    } else {
        view.to_owned()
    };
    // Frobenius norm, accumulated by chunks in double as the clip norms are.
    let norm = sum_squares(cur.as_slice().unwrap_or_default()).sqrt();
    let denom = norm + 1e-7;
    cur.mapv_inplace(|v| v / denom);
    let (a, b, c_coef) = (abc.0 as f32, abc.1 as f32, abc.2 as f32);
    let mut gram = Array2::<f32>::zeros((r, r));
    let mut gram_c = Array2::<f32>::zeros((r, r));
    let mut poly = Array2::<f32>::zeros((r, r));
    let mut next = Array2::<f32>::zeros((r, c));
    for _ in 0..steps {
        // temp_a = x @ x^T; temp_b = b * temp_a + (c * temp_a) @ temp_a.
        gemm_into(cur.view(), cur.t(), gram.view_mut(), false);
        gram_c.zip_mut_with(&gram, |gc, &g| *gc = c_coef * g);
        gemm_into(gram_c.view(), gram.view(), poly.view_mut(), false);
        poly.zip_mut_with(&gram, |p, &g| *p += b * g);
        // x = a * x + temp_b @ x.
        gemm_into(poly.view(), cur.view(), next.view_mut(), false);
        next.zip_mut_with(&cur, |n, &x| *n += a * x);
        std::mem::swap(&mut cur, &mut next);
    }
    let out = if tall {
        cur.t().as_standard_layout().into_owned()
    } else {
        cur
    };
    x.copy_from_slice(out.as_slice().unwrap_or_default());
    Ok(())
}

/// [`newton_schulz`] for a float64 variable, as Keras computes it with
/// `jax_enable_x64`: the Gram products and the update in float64 (ndarray's
/// serial float64 matrix products), the Frobenius norm in float32 as Keras's.
pub(crate) fn newton_schulz_f64(
    x: &mut [f64],
    rows: usize,
    cols: usize,
    abc: (f64, f64, f64),
    steps: usize,
) -> Result<()> {
    let tall = rows > cols;
    let view = ArrayView2::from_shape((rows, cols), &*x).map_err(|_| {
        Error::graph(format!(
            "internal error in optimizer 'Muon': {} values for a ({rows}, {cols}) update \
             (please report it)",
            x.len()
        ))
    })?;
    let mut cur: Array2<f64> = if tall {
        view.t().as_standard_layout().into_owned()
    } else {
        view.to_owned()
    };
    // Keras's `ops.norm` computes in `result_type(float64, float)`, which
    // Keras makes float32 even under `jax_enable_x64`: the elements rounded
    // to float32, their squares summed in order with fused multiply-adds
    // (as XLA on CPU sums a matrix it does not vectorize), the root and the
    // `+ 1e-7` in float32; x is then divided in float64. This is Keras's
    // eager `apply` exactly; inside a jitted `fit`, XLA may fuse the
    // transpose into the sum and add in another order, so there the norm
    // can differ from Keras's by a float32 rounding.
    let sum_sq = cur.iter().fold(0f32, |acc, &v| {
        let v = v as f32;
        v.mul_add(v, acc)
    });
    let denom = f64::from(sum_sq.sqrt() + 1e-7f32);
    cur.mapv_inplace(|v| v / denom);
    let (a, b, c) = abc;
    for _ in 0..steps {
        // temp_a = x @ x^T; temp_b = b * temp_a + (c * temp_a) @ temp_a;
        // x = a * x + temp_b @ x.
        let gram = cur.dot(&cur.t());
        let poly = &gram * b + (&gram * c).dot(&gram);
        cur = &cur * a + poly.dot(&cur);
    }
    let out = if tall {
        cur.t().as_standard_layout().into_owned()
    } else {
        cur
    };
    x.copy_from_slice(out.as_slice().unwrap_or_default());
    Ok(())
}

impl Rule for Muon {
    fn class_name(&self) -> &'static str {
        "Muon"
    }

    fn default_weight_decay(&self) -> Option<f64> {
        Some(DEFAULT_WEIGHT_DECAY)
    }

    fn slot_groups(&self) -> Vec<Vec<&'static str>> {
        // Keras adds each variable's momentum, then its velocity if AdamW's.
        vec![vec!["momentum", "velocity"]]
    }

    fn slot_shape_in(&self, slot: &str, shape: &[usize], group: usize) -> Option<Vec<usize>> {
        let adamw = group == ADAMW_GROUP || shape.len() != 2;
        (slot == "momentum" || adamw).then(|| shape.to_vec())
    }

    fn weight_decay_in(&self, group: usize, weight_decay: Option<f64>) -> Option<f64> {
        if group == ADAMW_GROUP {
            self.adam_weight_decay
        } else {
            weight_decay
        }
    }

    fn update(&self, _: &Step, _: &mut [f32], _: &[f32], slots: &mut [Vec<f32>]) -> Result<()> {
        Err(slot_mismatch("Muon", slots.len()))
    }

    fn update_shaped(
        &self,
        step: &Step,
        shape: &[usize],
        var: &mut [f32],
        grad: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()> {
        self.update_as(step, shape, var, grad, slots, newton_schulz)
    }

    fn supports_float64(&self) -> bool {
        true
    }

    fn update_f64(
        &self,
        step: &Step,
        shape: &[usize],
        var: &mut [f64],
        grad: &[f64],
        slots: &mut [Vec<f64>],
    ) -> Result<()> {
        self.update_as(step, shape, var, grad, slots, newton_schulz_f64)
    }
}
