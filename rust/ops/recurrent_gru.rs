//! The GRU recurrence as one primitive (see `recurrent` for the shared
//! design): Keras's gate order z, r, h, with the reset gate applied after
//! the recurrent matmul (`reset_after=True`, Keras 3's default, with a
//! separate recurrent bias) or before it (`reset_after=False`).

use super::recurrent::{
    batch_chunks, gather_step, into_value, load, mm, prev_state, rows, run_chunks, scatter_step,
    slice, spec_rule, view2, Act, Dims,
};
use super::registry::{Lit, OpInfo, Sample};
use super::spec::TensorSpec;
use super::recurrent::f64_scan::{load64, view3};
use super::recurrent::gru_f64::Gru;
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::matmul::gemm_into;
use crate::tensor::{Value, ValueView};
use ndarray::{s, ArrayView2, ArrayViewD, CowArray, IxDyn};
use std::sync::Arc;

const GRU: &str = "gru_scan";

#[derive(Debug)]
pub struct GruScan {
    go_backwards: bool,
    reset_after: bool,
    activation: Act,
    recurrent_activation: Act,
}

fn graph_err(e: impl ToString) -> Error {
    Error::graph(e.to_string())
}

/// Per-row results of a block's backward pass: dxp, h_prev (time order),
/// r * h_prev (time order), the recurrent products' gradients, dh0.
type GruGrads = (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>);

impl GruScan {
    /// The float64 recurrence with this op's settings.
    fn f64_rules(&self) -> Gru {
        Gru {
            reset_after: self.reset_after,
            act: self.activation,
            ra: self.recurrent_activation,
        }
    }

    /// The step's gates and recurrent products: `z` (B, 3H) gets the
    /// activated update and reset gates in its first 2H columns (the input
    /// part of the candidate in the last H); `rec` the recurrent products
    /// (`hp @ U + rb` with reset_after; else its last H columns hold
    /// `(r * hp) @ U_h`, with `r * hp` in `rh`).
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        xs: &[f32],
        hp: &[f32],
        u: ArrayView2<f32>,
        rb: &[f32],
        b: usize,
        h: usize,
        d: Dims,
        tt: usize,
        z: &mut [f32],
        rec: &mut [f32],
        rh: &mut [f32],
    ) {
        gather_step(xs, d, 3 * h, tt, z);
        let ra = self.recurrent_activation;
        if self.reset_after {
            for bi in 0..b {
                rec[bi * 3 * h..(bi + 1) * 3 * h].copy_from_slice(rb);
            }
            mm(hp, b, h, u, rec, true);
            for bi in 0..b {
                for j in 0..2 * h {
                    z[bi * 3 * h + j] += rec[bi * 3 * h + j];
                }
                ra.apply(&mut z[bi * 3 * h..bi * 3 * h + 2 * h]);
            }
        } else {
            let mut zr = vec![0f32; b * 2 * h];
            mm(hp, b, h, u.slice(s![.., ..2 * h]), &mut zr, false);
            for bi in 0..b {
                for j in 0..2 * h {
                    z[bi * 3 * h + j] += zr[bi * 2 * h + j];
                }
                ra.apply(&mut z[bi * 3 * h..bi * 3 * h + 2 * h]);
                for j in 0..h {
                    rh[bi * h + j] = z[bi * 3 * h + h + j] * hp[bi * h + j];
                }
            }
            let mut cand = vec![0f32; b * h];
            mm(rh, b, h, u.slice(s![.., 2 * h..]), &mut cand, false);
            for bi in 0..b {
                rec[bi * 3 * h + 2 * h..(bi + 1) * 3 * h]
                    .copy_from_slice(&cand[bi * h..(bi + 1) * h]);
            }
        }
    }

    /// The candidates `act(x_h + r * rec_h)` (or `act(x_h + (r * h) U_h)`)
    /// of every row into `hh`, from the step's `z` and `rec`.
    fn candidates(&self, z: &[f32], rec: &[f32], b: usize, h: usize, hh: &mut [f32]) {
        for bi in 0..b {
            let zrow = &z[bi * 3 * h..(bi + 1) * 3 * h];
            let recrow = &rec[bi * 3 * h..(bi + 1) * 3 * h];
            let out = &mut hh[bi * h..(bi + 1) * h];
            if self.reset_after {
                for j in 0..h {
                    out[j] = zrow[2 * h + j] + zrow[h + j] * recrow[2 * h + j];
                }
            } else {
                for j in 0..h {
                    out[j] = zrow[2 * h + j] + recrow[2 * h + j];
                }
            }
        }
        self.activation.apply(hh);
    }

    fn forward_rows(
        &self,
        xs: &[f32],
        h0: &[f32],
        u: ArrayView2<f32>,
        rbs: &[f32],
        ms: &[f32],
        d: Dims,
    ) -> Vec<f32> {
        let (b, h, t) = (d.b, d.h, d.t);
        let mut out = vec![0f32; b * t * h];
        let mut hp = h0.to_vec();
        let (mut z, mut rec) = (vec![0f32; b * 3 * h], vec![0f32; b * 3 * h]);
        let (mut rh, mut hh) = (vec![0f32; b * h], vec![0f32; b * h]);
        for s in 0..t {
            let tt = d.time(s, self.go_backwards);
            self.step(xs, &hp, u, rbs, b, h, d, tt, &mut z, &mut rec, &mut rh);
            self.candidates(&z, &rec, b, h, &mut hh);
            for bi in 0..b {
                if ms[bi * t + tt] <= 0.5 {
                    continue;
                }
                for j in 0..h {
                    let (zg, k) = (z[bi * 3 * h + j], bi * h + j);
                    hp[k] = zg * hp[k] + (1.0 - zg) * hh[k];
                }
            }
            scatter_step(&hp, d, h, h, 0, s, &mut out);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn backward_rows(
        &self,
        xs: &[f32],
        h0: &[f32],
        u: ArrayView2<f32>,
        rbs: &[f32],
        ms: &[f32],
        os: &[f32],
        gs: &[f32],
        d: Dims,
    ) -> GruGrads {
        let (b, h, t) = (d.b, d.h, d.t);
        let (act, ra) = (self.activation, self.recurrent_activation);
        let mut dxp = vec![0f32; b * t * 3 * h];
        // Per step, what multiplies the recurrent kernel's columns: h_prev
        // for all of them (reset_after), or for z, r only with r * h_prev
        // for the candidate's; and the gradients of those products.
        let mut hprev_all = vec![0f32; b * t * h];
        let mut rh_all = vec![0f32; if self.reset_after { 0 } else { b * t * h }];
        let mut drec_all = vec![0f32; b * t * 3 * h];
        let (mut dh, mut hp) = (vec![0f32; b * h], vec![0f32; b * h]);
        let (mut z, mut rec) = (vec![0f32; b * 3 * h], vec![0f32; b * 3 * h]);
        let (mut rh, mut hhs) = (vec![0f32; b * h], vec![0f32; b * h]);
        let mut drec = vec![0f32; b * 3 * h];
        let (mut drh, mut dcand) = (vec![0f32; b * h], vec![0f32; b * h]);
        let mut dzr = vec![0f32; b * 2 * h];
        for s in (0..t).rev() {
            let tt = d.time(s, self.go_backwards);
            prev_state(os, h0, d, 1, 0, s, &mut hp);
            self.step(xs, &hp, u, rbs, b, h, d, tt, &mut z, &mut rec, &mut rh);
            self.candidates(&z, &rec, b, h, &mut hhs);
            dcand.iter_mut().for_each(|x| *x = 0.0);
            for bi in 0..b {
                let keep = ms[bi * t + tt] > 0.5;
                let row = bi * 3 * h;
                for j in 0..h {
                    let k = bi * h + j;
                    let dh_t = dh[k] + gs[(bi * t + s) * h + j];
                    if !keep {
                        // A masked step passes the state (and its gradient) through.
                        dh[k] = dh_t;
                        for q in 0..3 {
                            drec[row + q * h + j] = 0.0;
                        }
                        continue;
                    }
                    let (zg, r, hh) = (z[row + j], z[row + h + j], hhs[k]);
                    let dpre = dh_t * (1.0 - zg) * act.df(hh);
                    drec[row + j] = dh_t * (hp[k] - hh) * ra.df(zg);
                    if self.reset_after {
                        drec[row + h + j] = dpre * rec[row + 2 * h + j] * ra.df(r);
                        drec[row + 2 * h + j] = dpre * r;
                    } else {
                        drec[row + h + j] = 0.0;
                        drec[row + 2 * h + j] = dpre;
                    }
                    dcand[k] = dpre;
                    dh[k] = dh_t * zg;
                }
            }
            if self.reset_after {
                mm(&drec, b, 3 * h, u.t(), &mut dh, true);
            } else {
                // Candidate: pre = x_h + (r * h_prev) @ U_h.
                mm(&dcand, b, h, u.slice(s![.., 2 * h..]).t(), &mut drh, false);
                for bi in 0..b {
                    if ms[bi * t + tt] <= 0.5 {
                        continue;
                    }
                    for j in 0..h {
                        let k = bi * h + j;
                        let r = z[bi * 3 * h + h + j];
                        dh[k] += drh[k] * r;
                        drec[bi * 3 * h + h + j] = drh[k] * hp[k] * ra.df(r);
                    }
                }
                for bi in 0..b {
                    dzr[bi * 2 * h..(bi + 1) * 2 * h]
                        .copy_from_slice(&drec[bi * 3 * h..bi * 3 * h + 2 * h]);
                }
                mm(&dzr, b, 2 * h, u.slice(s![.., ..2 * h]).t(), &mut dh, true);
                scatter_step(&rh, d, h, h, 0, tt, &mut rh_all);
            }
            // The input projection's gradient: z, r parts as the recurrent
            // ones; the candidate's is dpre.
            for bi in 0..b {
                let at = (bi * t + tt) * 3 * h;
                dxp[at..at + 2 * h].copy_from_slice(&drec[bi * 3 * h..bi * 3 * h + 2 * h]);
                dxp[at + 2 * h..at + 3 * h].copy_from_slice(&dcand[bi * h..(bi + 1) * h]);
            }
            scatter_step(&drec, d, 3 * h, 3 * h, 0, tt, &mut drec_all);
            scatter_step(&hp, d, h, h, 0, tt, &mut hprev_all);
        }
        (dxp, hprev_all, rh_all, drec_all, dh)
    }
}

impl Primitive for GruScan {
    fn name(&self) -> &'static str {
        GRU
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec_rule(GRU, inputs, 5, 3, 1)
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        let x = load64(GRU, inputs, 1, 3, self.go_backwards)?;
        let shape = [x.d.b, x.d.t, x.d.h];
        let (out, g) = (view3(GRU, output, shape)?, view3(GRU, grad, shape)?);
        let (dxp, dh0, du, drb) = self.f64_rules().backward(&x, out, g);
        let drb = drb
            .into_shape_with_order(inputs[3].shape())
            .map_err(|e| Error::graph(e.to_string()))?;
        Ok(vec![Some(dxp), Some(dh0), Some(du), Some(drb), None])
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if inputs.first().is_some_and(ValueView::is_f64) {
            let x = load64(GRU, inputs, 1, 3, self.go_backwards)?;
            return Ok(Value::F64(self.f64_rules().forward(&x)));
        }
        let (v, d) = load(GRU, inputs, 5, 1, 3)?;
        check_bias(&v[3], d.h)?;
        let (xs, h0, rbs, ms) = (slice(&v[0]), slice(&v[1]), slice(&v[3]), slice(&v[4]));
        let u = view2(&v[2])?;
        let (t, h) = (d.t, d.h);
        let parts = run_chunks(&batch_chunks(d.b, t * 3 * h * h), |r0, r1| {
            let dc = Dims { b: r1 - r0, t, h };
            let r = |x, w| rows(x, r0, r1, w);
            self.forward_rows(r(xs, t * 3 * h), r(h0, h), u, rbs, r(ms, t), dc)
        });
        Ok(Value::F32(into_value(&[d.b, t, h], parts.concat(), GRU)?))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let (v, d) = load(GRU, inputs, 5, 1, 3)?;
        check_bias(&v[3], d.h)?;
        let (xs, h0, rbs, ms) = (slice(&v[0]), slice(&v[1]), slice(&v[3]), slice(&v[4]));
        let u = view2(&v[2])?;
        let (out, g) = (output.as_standard_layout(), grad.as_standard_layout());
        let (os, gs) = (slice(&out), slice(&g));
        let (b, t, h) = (d.b, d.t, d.h);
        let parts = run_chunks(&batch_chunks(b, t * 3 * h * h), |r0, r1| {
            let dc = Dims { b: r1 - r0, t, h };
            let r = |x, w| rows(x, r0, r1, w);
            self.backward_rows(
                r(xs, t * 3 * h),
                r(h0, h),
                u,
                rbs,
                r(ms, t),
                r(os, t * h),
                r(gs, t * h),
                dc,
            )
        });
        let (mut dxp, mut hprev, mut rh, mut drec, mut dh) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (a, bb, c, e, f) in parts {
            dxp.extend(a);
            hprev.extend(bb);
            rh.extend(c);
            drec.extend(e);
            dh.extend(f);
        }
        let n = b * t;
        let mut du = ndarray::Array2::<f32>::zeros((h, 3 * h));
        let mut drb = vec![0f32; 3 * h];
        let hv = ArrayView2::from_shape((n, h), &hprev[..]).map_err(graph_err)?;
        let dv = ArrayView2::from_shape((n, 3 * h), &drec[..]).map_err(graph_err)?;
        if self.reset_after {
            gemm_into(hv.t(), dv, du.view_mut(), false);
            for row in drec.chunks(3 * h) {
                for (acc, x) in drb.iter_mut().zip(row) {
                    *acc += x;
                }
            }
        } else {
            let rv = ArrayView2::from_shape((n, h), &rh[..]).map_err(graph_err)?;
            gemm_into(
                hv.t(),
                dv.slice(s![.., ..2 * h]),
                du.slice_mut(s![.., ..2 * h]),
                false,
            );
            gemm_into(
                rv.t(),
                dv.slice(s![.., 2 * h..]),
                du.slice_mut(s![.., 2 * h..]),
                false,
            );
        }
        Ok(vec![
            Some(into_value(&[b, t, 3 * h], dxp, GRU)?),
            Some(into_value(&[b, h], dh, GRU)?),
            Some(du.into_dyn()),
            Some(into_value(v[3].shape(), drb, GRU)?),
            None,
        ])
    }
}

fn check_bias(rb: &CowArray<f32, IxDyn>, h: usize) -> Result<()> {
    if rb.len() != 3 * h {
        return Err(Error::shape(
            GRU,
            format!("a recurrent bias of {} values", 3 * h),
            format!("a recurrent bias of shape {}", fmt_shape(rb.shape())),
        ));
    }
    Ok(())
}

fn build_gru(_: &str, a: &Attrs) -> Result<Arc<dyn Primitive>> {
    Ok(Arc::new(GruScan {
        go_backwards: a.bool(GRU, "go_backwards", false)?,
        reset_after: a.bool(GRU, "reset_after", true)?,
        activation: Act::parse(GRU, "activation", &a.string(GRU, "activation", "tanh")?)?,
        recurrent_activation: Act::parse(
            GRU,
            "recurrent_activation",
            &a.string(GRU, "recurrent_activation", "sigmoid")?,
        )?,
    }))
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[OpInfo {
    name: "gru_scan",
    doc: "a GRU recurrence over projected inputs xp (B, T, 3H) with a recurrent bias: carried h per step",
    inputs: &["xp", "h0", "recurrent_kernel", "recurrent_bias", "mask"],
    attrs: &[
        ("go_backwards", Lit::Bool(false)),
        ("reset_after", Lit::Bool(true)),
        ("activation", Lit::Str("tanh")),
        ("recurrent_activation", Lit::Str("sigmoid")),
    ],
    dtypes: "float32",
    differentiable: true,
    build: build_gru,
    example: (
        &[("go_backwards", Lit::Bool(true))],
        &[
            Sample::F32(&[2, 3, 6]),
            Sample::F32(&[2, 2]),
            Sample::F32(&[2, 6]),
            Sample::F32(&[6]),
            Sample::F32(&[2, 3]),
        ],
    ),
}];
