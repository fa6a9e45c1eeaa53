//! The LSTM recurrence as one primitive (see `recurrent` for the shared
//! design): Keras's gate order i, f, c, o in `4 * units` columns; the
//! output holds the carried `[h, c]` of every step and its gates.

use super::recurrent::{
    batch_chunks, into_value, load, mm, prev_state, rows, run_jobs,
    slice, spec_rule, split_rows, view2, weight_grad, Act, Dims,
};
use super::registry::{Lit, OpInfo, Sample};
use super::spec::TensorSpec;
use super::recurrent::f64_scan::{load64, lstm_backward, lstm_forward, view3};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::Result;
use crate::kernels::buffer::try_filled_vec;
use crate::tensor::{Value, ValueView};
use crate::kernels::matmul::gemm_serial;
use ndarray::{ArrayView2, ArrayViewD, ArrayViewMut2, ShapeBuilder};
use std::sync::Arc;

#[derive(Debug)]
pub struct LstmScan {
    go_backwards: bool,
    activation: Act,
    recurrent_activation: Act,
}

const LSTM: &str = "lstm_scan";

/// Values per unit and step in the output: h, c, then the gates i, f, c, o
/// (kept so the backward pass does not recompute them).
const W: usize = 6;

/// A block's rows of the backward pass's results, written in place: dxp,
/// h_prev per step (time order), and dh, dc (running, then dh0, dc0).
type Grads<'a> = (&'a mut [f32], &'a mut [f32], &'a mut [f32], &'a mut [f32]);

/// What one step of the backward pass reads and writes (see `gate_grads`).
struct StepGrads<'a> {
    /// The mask, (B, T): 1 where a step counts.
    keep: &'a [f32],
    /// The forward output and its gradient, (B, T, W * H).
    os: &'a [f32],
    gs: &'a [f32],
    /// act(c) and c of the previous step, (B, H).
    ac: &'a [f32],
    cp: &'a [f32],
    /// The pre-activation gradients of every step, (B, T, 4H): this step's
    /// rows are written in place (the input projection's gradient).
    dz: &'a mut [f32],
    /// The running gradients of h and c, (B, H).
    dh: &'a mut [f32],
    dc: &'a mut [f32],
}

/// Evaluates `$body` with `$a`, `$r` bound to the two activations, as
/// consts for Keras's default pair (tanh, sigmoid): a runtime kind matched
/// per element kept the loop scalar.
macro_rules! with_acts {
    ($act:expr, $ra:expr, |$a:ident, $r:ident| $body:expr) => {
        match ($act, $ra) {
            (Act::Tanh, Act::Sigmoid) => {
                const $a: Act = Act::Tanh;
                const $r: Act = Act::Sigmoid;
                $body
            }
            (a, r) => {
                #[allow(non_snake_case)]
                let ($a, $r) = (a, r);
                $body
            }
        }
    };
}

/// The gate gradients of step `s` (time index `tt`) for every row, and the
/// running dh, dc carried one step back (before the recurrent product).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gate_grads(act: Act, ra: Act, g: StepGrads, b: usize, h: usize, t: usize, s: usize, tt: usize) {
    let StepGrads {
        keep,
        os,
        gs,
        ac,
        cp,
        dz,
        dh,
        dc,
    } = g;
    with_acts!(act, ra, |A, R| {
        for bi in 0..b {
            let go = (bi * t + s) * W * h;
            let rows = bi * h..(bi + 1) * h;
            let (dh, dc) = (&mut dh[rows.clone()], &mut dc[rows.clone()]);
            let (gh, gc) = (&gs[go..go + h], &gs[go + h..go + 2 * h]);
            let dzr = &mut dz[(bi * t + tt) * 4 * h..][..4 * h];
            if keep[bi * t + tt] <= 0.5 {
                // A masked step passes the state (and its gradient) through.
                for j in 0..h {
                    dh[j] += gh[j];
                    dc[j] += gc[j];
                }
                dzr.fill(0.0);
                continue;
            }
            let (ac, cp) = (&ac[rows.clone()], &cp[rows]);
            let z = &os[go + 2 * h..go + 6 * h];
            let (zi, zf, zg, zo) = (&z[..h], &z[h..2 * h], &z[2 * h..3 * h], &z[3 * h..4 * h]);
            let gz = &gs[go + 2 * h..go + 6 * h];
            let (gi, gf, gg, g_o) = (&gz[..h], &gz[h..2 * h], &gz[2 * h..3 * h], &gz[3 * h..4 * h]);
            let (di, rest) = dzr.split_at_mut(h);
            let (df, rest) = rest.split_at_mut(h);
            let (dg, d_o) = rest.split_at_mut(h);
            for j in 0..h {
                let dh_t = dh[j] + gh[j];
                let mut dc_t = dc[j] + gc[j];
                let (i, f, gv, o) = (zi[j], zf[j], zg[j], zo[j]);
                let a = ac[j];
                dc_t += dh_t * o * A.df(a);
                // Gradients reaching the gate outputs themselves add in.
                di[j] = (dc_t * gv + gi[j]) * R.df(i);
                df[j] = (dc_t * cp[j] + gf[j]) * R.df(f);
                dg[j] = (dc_t * i + gg[j]) * A.df(gv);
                d_o[j] = (dh_t * a + g_o[j]) * R.df(o);
                dc[j] = dc_t * f;
                dh[j] = 0.0;
            }
        }
    })
}

impl LstmScan {
    #[allow(clippy::too_many_arguments)]
    fn forward_rows(
        &self,
        xs: &[f32],
        h0: &[f32],
        c0: &[f32],
        u: ArrayView2<f32>,
        ms: &[f32],
        d: Dims,
        out: &mut [f32],
    ) {
        let (b, h) = (d.b, d.h);
        let (mut hp, mut cp) = (h0.to_vec(), c0.to_vec());
        let mut z = vec![0f32; b * 4 * h];
        let (act, ra, t) = (self.activation, self.recurrent_activation, d.t);
        for s in 0..d.t {
            let tt = d.time(s, self.go_backwards);
            mm(&hp, b, h, u, &mut z, false);
            let (zs, cs, hs, os) = (&mut z[..], &mut cp[..], &mut hp[..], &mut *out);
            // The gates and the new states of the whole step in one pass on
            // the widest ISA path, reading the input projection and writing
            // the output in place (per-step gather and scatter copies were a
            // tenth of an LSTM training step).
            crate::kernels::isa::run(
                #[inline(always)]
                move || {
                    for bi in 0..b {
                        let at = (bi * t + s) * W * h;
                        let cr = &mut cs[bi * h..(bi + 1) * h];
                        let hr = &mut hs[bi * h..(bi + 1) * h];
                        let step = &mut os[at..at + W * h];
                        if ms[bi * t + tt] <= 0.5 {
                            // Masked: the states carry over, no gates.
                            step[..h].copy_from_slice(hr);
                            step[h..2 * h].copy_from_slice(cr);
                            step[2 * h..].fill(0.0);
                            continue;
                        }
                        let zr = &mut zs[bi * 4 * h..(bi + 1) * 4 * h];
                        let xr = &xs[(bi * t + tt) * 4 * h..][..4 * h];
                        zr.iter_mut().zip(xr).for_each(|(z, &x)| *z += x);
                        ra.apply_portable(&mut zr[..2 * h]);
                        act.apply_portable(&mut zr[2 * h..3 * h]);
                        ra.apply_portable(&mut zr[3 * h..]);
                        for j in 0..h {
                            cr[j] = zr[h + j] * cr[j] + zr[j] * zr[2 * h + j];
                        }
                        hr.copy_from_slice(cr);
                        act.apply_portable(hr);
                        for j in 0..h {
                            hr[j] *= zr[3 * h + j];
                        }
                        step[..h].copy_from_slice(hr);
                        step[h..2 * h].copy_from_slice(cr);
                        // The gates, for the backward pass.
                        step[2 * h..].copy_from_slice(zr);
                    }
                },
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn backward_rows(
        &self,

        h0: &[f32],
        c0: &[f32],
        u: ArrayView2<f32>,
        ms: &[f32],
        os: &[f32],
        gs: &[f32],
        d: Dims,
        (dxp, hprev_all, dh, dc): Grads,
    ) {
        let (b, h, t) = (d.b, d.h, d.t);
        let (act, ra) = (self.activation, self.recurrent_activation);
        let mut cp = vec![0f32; b * h];
        // act(c) of each step (the gates come from the forward's output).
        let mut ac = vec![0f32; b * h];
        for s in (0..t).rev() {
            let tt = d.time(s, self.go_backwards);
            // The h each step's recurrent product read, straight into the
            // rows the recurrent kernel's gradient reads (no staging copy).
            for bi in 0..b {
                let dst = &mut hprev_all[(bi * t + tt) * h..][..h];
                if s == 0 {
                    dst.copy_from_slice(&h0[bi * h..(bi + 1) * h]);
                } else {
                    dst.copy_from_slice(&os[(bi * t + s - 1) * W * h..][..h]);
                }
            }
            prev_state(os, c0, d, W, h, s, &mut cp);
            for bi in 0..b {
                let at = (bi * t + s) * W * h + h;
                ac[bi * h..(bi + 1) * h].copy_from_slice(&os[at..at + h]);
            }
            act.apply(&mut ac);
            let step = StepGrads {
                keep: ms,
                os,
                gs,
                ac: &ac,
                cp: &cp,
                dz: &mut *dxp,
                dh: &mut *dh,
                dc: &mut *dc,
            };
            let (s_, t_, tt_) = (s, t, tt);
            crate::kernels::isa::run(
                #[inline(always)]
                move || gate_grads(act, ra, step, b, h, t_, s_, tt_),
            );
            // dh += dz · Uᵀ, dz read in place from its rows of dxp.
            let dz = ArrayView2::from_shape((b, 4 * h).strides((t * 4 * h, 1)), &dxp[tt * 4 * h..])
                .expect("dxp holds (B, T, 4H) values");
            let dh_view = ArrayViewMut2::from_shape((b, h), &mut *dh).expect("dh holds (B, H)");
            gemm_serial(dz, u.t(), dh_view, true);
        }
    }
}

impl Primitive for LstmScan {
    fn name(&self) -> &'static str {
        LSTM
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec_rule(LSTM, inputs, 5, 4, W)
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
        let x = load64(LSTM, inputs, 2, 4, self.go_backwards)?;
        let shape = [x.d.b, x.d.t, W * x.d.h];
        let (out, g) = (view3(LSTM, output, shape)?, view3(LSTM, grad, shape)?);
        let (act, ra) = (self.activation, self.recurrent_activation);
        let [dxp, dh0, dc0, du] = lstm_backward(&x, act, ra, out, g);
        Ok(vec![Some(dxp), Some(dh0), Some(dc0), Some(du), None])
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if inputs.first().is_some_and(ValueView::is_f64) {
            let x = load64(LSTM, inputs, 2, 4, self.go_backwards)?;
            let (act, ra) = (self.activation, self.recurrent_activation);
            return Ok(Value::F64(lstm_forward(&x, act, ra)));
        }
        let (v, d) = load(LSTM, inputs, 5, 2, 4)?;
        let (xs, h0, c0, ms) = (slice(&v[0]), slice(&v[1]), slice(&v[2]), slice(&v[4]));
        let u = view2(&v[3])?;
        let (t, h) = (d.t, d.h);
        let chunks = batch_chunks(d.b, t * 4 * h * h);
        // SAFETY: every step of every row writes its h and c (scatter_step)
        // and its gates (or zeros where masked), so the W * h values of each
        // (row, step) are written; the row blocks tile the buffer.
        let out = unsafe {
            try_filled_vec(d.b * t * W * h, |out| {
                let jobs: Vec<_> = chunks
                    .iter()
                    .copied()
                    .zip(split_rows(out, &chunks, t * W * h))
                    .collect();
                run_jobs(jobs, |((r0, r1), o)| {
                    let dc = Dims { b: r1 - r0, t, h };
                    let r = |x, w| rows(x, r0, r1, w);
                    self.forward_rows(r(xs, t * 4 * h), r(h0, h), r(c0, h), u, r(ms, t), dc, o)
                });
                Ok(())
            })?
        };
        Ok(Value::F32(into_value(&[d.b, t, W * h], out, LSTM)?))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let (v, d) = load(LSTM, inputs, 5, 2, 4)?;
        let (h0, c0, ms) = (slice(&v[1]), slice(&v[2]), slice(&v[4]));
        let u = view2(&v[3])?;
        let (out, g) = (output.as_standard_layout(), grad.as_standard_layout());
        let (os, gs) = (slice(&out), slice(&g));
        let (t, h) = (d.t, d.h);
        let chunks = batch_chunks(d.b, t * 4 * h * h);
        // The running gradients start at zero; dxp and h_prev are written
        // whole (below), so they are not zero-filled first.
        let (mut dh, mut dc) = (vec![0f32; d.b * h], vec![0f32; d.b * h]);
        let mut hprev = Vec::new();
        // SAFETY: each step writes every row's dz (zeros where masked) into
        // dxp and its previous h into h_prev (scatter_step over all rows, all
        // steps), and the row blocks tile both buffers.
        let dxp = unsafe {
            try_filled_vec(d.b * t * 4 * h, |dxp| {
                hprev = try_filled_vec(d.b * t * h, |hp| {
                    let jobs: Vec<_> = chunks
                        .iter()
                        .copied()
                        .zip(split_rows(dxp, &chunks, t * 4 * h))
                        .zip(split_rows(hp, &chunks, t * h))
                        .zip(split_rows(&mut dh, &chunks, h))
                        .zip(split_rows(&mut dc, &chunks, h))
                        .collect();
                    run_jobs(jobs, |((((rr, a), bb), c), e)| {
                        let (r0, r1) = rr;
                        let dims = Dims { b: r1 - r0, t, h };
                        let r = |x, w| rows(x, r0, r1, w);
                        let (ox, gx) = (r(os, t * W * h), r(gs, t * W * h));
                        let grads = (a, bb, c, e);
                        self.backward_rows(r(h0, h), r(c0, h), u, r(ms, t), ox, gx, dims, grads)
                    });
                    Ok(())
                })?;
                Ok(())
            })?
        };
        let du = weight_grad(&hprev, &dxp, d.b * t, h, 4 * h)?;
        Ok(vec![
            Some(into_value(&[d.b, t, 4 * h], dxp, LSTM)?),
            Some(into_value(&[d.b, h], dh, LSTM)?),
            Some(into_value(&[d.b, h], dc, LSTM)?),
            Some(into_value(&[h, 4 * h], du, LSTM)?),
            None,
        ])
    }
}

fn build_lstm(_: &str, a: &Attrs) -> Result<Arc<dyn Primitive>> {
    Ok(Arc::new(LstmScan {
        go_backwards: a.bool(LSTM, "go_backwards", false)?,
        activation: Act::parse(LSTM, "activation", &a.string(LSTM, "activation", "tanh")?)?,
        recurrent_activation: Act::parse(
            LSTM,
            "recurrent_activation",
            &a.string(LSTM, "recurrent_activation", "sigmoid")?,
        )?,
    }))
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[OpInfo {
    name: "lstm_scan",
    doc: "an LSTM recurrence over projected inputs xp (B, T, 4H): carried [h, c] and gates [i, f, c, o] per step",
    inputs: &["xp", "h0", "c0", "recurrent_kernel", "mask"],
    attrs: &[
        ("go_backwards", Lit::Bool(false)),
        ("activation", Lit::Str("tanh")),
        ("recurrent_activation", Lit::Str("sigmoid")),
    ],
    dtypes: "float32",
    differentiable: true,
    build: build_lstm,
    example: (
        &[("go_backwards", Lit::Bool(true))],
        &[
            Sample::F32(&[2, 3, 8]),
            Sample::F32(&[2, 2]),
            Sample::F32(&[2, 2]),
            Sample::F32(&[2, 8]),
            Sample::F32(&[2, 3]),
        ],
    ),
}];
