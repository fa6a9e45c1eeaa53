//! The SimpleRNN recurrence as one primitive (see `recurrent` for the
//! shared design): `h = activation(xp_t + h_prev @ recurrent_kernel)`.

use super::recurrent::{
    batch_chunks, gather_step, into_value, load, mm, prev_state, rows, run_chunks, scatter_step,
    slice, spec_rule, view2, weight_grad, Act, Dims,
};
use super::registry::{Lit, OpInfo, Sample};
use super::spec::TensorSpec;
use super::recurrent::f64_scan::{load64, simple_backward, simple_forward, view3};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::Result;
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayView2, ArrayViewD};
use std::sync::Arc;

#[derive(Debug)]
pub struct SimpleRnnScan {
    go_backwards: bool,
    activation: Act,
}

const SIMPLE: &str = "simple_rnn_scan";

impl SimpleRnnScan {
    fn forward_rows(
        &self,
        xs: &[f32],
        h0: &[f32],
        u: ArrayView2<f32>,
        ms: &[f32],
        d: Dims,
    ) -> Vec<f32> {
        let mut out = vec![0f32; d.b * d.t * d.h];
        let mut hp = h0.to_vec();
        let mut z = vec![0f32; d.b * d.h];
        for s in 0..d.t {
            let tt = d.time(s, self.go_backwards);
            gather_step(xs, d, d.h, tt, &mut z);
            mm(&hp, d.b, d.h, u, &mut z, true);
            for bi in 0..d.b {
                if ms[bi * d.t + tt] > 0.5 {
                    let zr = &mut z[bi * d.h..(bi + 1) * d.h];
                    self.activation.apply(zr);
                    hp[bi * d.h..(bi + 1) * d.h].copy_from_slice(zr);
                }
            }
            scatter_step(&hp, d, d.h, d.h, 0, s, &mut out);
        }
        out
    }

    /// (dxp, h_prev per step in time order, dh0) of a block of rows.
    #[allow(clippy::too_many_arguments)]
    fn backward_rows(
        &self,
        xs: &[f32],
        h0: &[f32],
        u: ArrayView2<f32>,
        ms: &[f32],
        os: &[f32],
        gs: &[f32],
        d: Dims,
    ) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let (b, h) = (d.b, d.h);
        let mut dxp = vec![0f32; b * d.t * h];
        let mut hprev_all = vec![0f32; b * d.t * h];
        let mut dh = vec![0f32; b * h];
        let (mut hp, mut z, mut dz) = (vec![0f32; b * h], vec![0f32; b * h], vec![0f32; b * h]);
        for s in (0..d.t).rev() {
            let tt = d.time(s, self.go_backwards);
            prev_state(os, h0, d, 1, 0, s, &mut hp);
            gather_step(xs, d, h, tt, &mut z);
            mm(&hp, b, h, u, &mut z, true);
            self.activation.apply(&mut z);
            for bi in 0..b {
                let keep = ms[bi * d.t + tt] > 0.5;
                for j in 0..h {
                    let k = bi * h + j;
                    let total = dh[k] + gs[(bi * d.t + s) * h + j];
                    if keep {
                        dz[k] = total * self.activation.df(z[k]);
                        dh[k] = 0.0;
                    } else {
                        dz[k] = 0.0;
                        dh[k] = total;
                    }
                }
            }
            mm(&dz, b, h, u.t(), &mut dh, true);
            scatter_step(&dz, d, h, h, 0, tt, &mut dxp);
            scatter_step(&hp, d, h, h, 0, tt, &mut hprev_all);
        }
        (dxp, hprev_all, dh)
    }
}

impl Primitive for SimpleRnnScan {
    fn name(&self) -> &'static str {
        SIMPLE
    }

    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        spec_rule(SIMPLE, inputs, 4, 1, 1)
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
        let x = load64(SIMPLE, inputs, 1, 1, self.go_backwards)?;
        let shape = [x.d.b, x.d.t, x.d.h];
        let (out, g) = (view3(SIMPLE, output, shape)?, view3(SIMPLE, grad, shape)?);
        let [dxp, dh0, du] = simple_backward(&x, self.activation, out, g);
        Ok(vec![Some(dxp), Some(dh0), Some(du), None])
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        if inputs.first().is_some_and(ValueView::is_f64) {
            let x = load64(SIMPLE, inputs, 1, 1, self.go_backwards)?;
            return Ok(Value::F64(simple_forward(&x, self.activation)));
        }
        let (v, d) = load(SIMPLE, inputs, 4, 1, 1)?;
        let (xs, h0, ms) = (slice(&v[0]), slice(&v[1]), slice(&v[3]));
        let u = view2(&v[2])?;
        let (t, h) = (d.t, d.h);
        let parts = run_chunks(&batch_chunks(d.b, t * h * h), |r0, r1| {
            let dc = Dims { b: r1 - r0, t, h };
            self.forward_rows(
                rows(xs, r0, r1, t * h),
                rows(h0, r0, r1, h),
                u,
                rows(ms, r0, r1, t),
                dc,
            )
        });
        Ok(Value::F32(into_value(
            &[d.b, t, h],
            parts.concat(),
            SIMPLE,
        )?))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let (v, d) = load(SIMPLE, inputs, 4, 1, 1)?;
        let (xs, h0, ms) = (slice(&v[0]), slice(&v[1]), slice(&v[3]));
        let u = view2(&v[2])?;
        let (out, g) = (output.as_standard_layout(), grad.as_standard_layout());
        let (os, gs) = (slice(&out), slice(&g));
        let (t, h) = (d.t, d.h);
        let parts = run_chunks(&batch_chunks(d.b, t * h * h), |r0, r1| {
            let dc = Dims { b: r1 - r0, t, h };
            let r = |x, w| rows(x, r0, r1, w);
            self.backward_rows(
                r(xs, t * h),
                r(h0, h),
                u,
                r(ms, t),
                r(os, t * h),
                r(gs, t * h),
                dc,
            )
        });
        let (mut dxp, mut hprev, mut dh) = (Vec::new(), Vec::new(), Vec::new());
        for (a, b, c) in parts {
            dxp.extend(a);
            hprev.extend(b);
            dh.extend(c);
        }
        let du = weight_grad(&hprev, &dxp, d.b * t, h, h)?;
        Ok(vec![
            Some(into_value(&[d.b, t, h], dxp, SIMPLE)?),
            Some(into_value(&[d.b, h], dh, SIMPLE)?),
            Some(into_value(&[h, h], du, SIMPLE)?),
            None,
        ])
    }
}

fn build_simple(_: &str, a: &Attrs) -> Result<Arc<dyn Primitive>> {
    Ok(Arc::new(SimpleRnnScan {
        go_backwards: a.bool(SIMPLE, "go_backwards", false)?,
        activation: Act::parse(
            SIMPLE,
            "activation",
            &a.string(SIMPLE, "activation", "tanh")?,
        )?,
    }))
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[OpInfo {
    name: "simple_rnn_scan",
    doc: "a SimpleRNN recurrence over projected inputs xp (B, T, H): carried h per step",
    inputs: &["xp", "h0", "recurrent_kernel", "mask"],
    attrs: &[
        ("go_backwards", Lit::Bool(false)),
        ("activation", Lit::Str("tanh")),
    ],
    dtypes: "float32",
    differentiable: true,
    build: build_simple,
    example: (
        &[],
        &[
            Sample::F32(&[2, 3, 3]),
            Sample::F32(&[2, 3]),
            Sample::F32(&[3, 3]),
            Sample::F32(&[2, 3]),
        ],
    ),
}];
