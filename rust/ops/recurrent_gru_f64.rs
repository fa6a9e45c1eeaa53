//! The GRU recurrence in float64 (a child of `recurrent`; see
//! `recurrent_f64` for the approach): Keras's gate order z, r, h, the reset
//! gate after the recurrent product (`reset_after`, with the recurrent
//! bias) or before it (the bias then unused, as the float32 kernel).

use super::f64_scan::Seq;
use super::Act;
use ndarray::{s, Array1, Array2, Array3, ArrayD, ArrayView2, ArrayView3, Axis};

/// The GRU's activations and variant.
#[derive(Debug, Clone, Copy)]
pub struct Gru {
    pub reset_after: bool,
    pub act: Act,
    pub ra: Act,
}

/// One step's intermediate values, (B, ...) each.
struct Step {
    /// The activated update and reset gates (B, 2H).
    zr: Array2<f64>,
    /// The recurrent products: `hp @ U + rb` (reset_after), else only the
    /// candidate's `(r * hp) @ U_h` in the last H columns.
    rec: Array2<f64>,
    /// `r * hp` (without reset_after).
    rh: Array2<f64>,
    /// The candidate state.
    hh: Array2<f64>,
}

impl Gru {
    fn step(&self, x: &Seq, hp: ArrayView2<f64>, tt: usize) -> Step {
        let h = x.d.h;
        let xs = x.xp.index_axis(Axis(1), tt);
        let (ra, act) = (self.ra, self.act);
        let mut rec;
        let mut zr;
        let mut rh = Array2::<f64>::zeros((0, 0));
        if self.reset_after {
            rec = hp.dot(&x.u) + &x.rb;
            zr = &xs.slice(s![.., ..2 * h]) + &rec.slice(s![.., ..2 * h]);
            zr.mapv_inplace(|v| ra.eval64(v));
        } else {
            zr = &xs.slice(s![.., ..2 * h]) + &hp.dot(&x.u.slice(s![.., ..2 * h]));
            zr.mapv_inplace(|v| ra.eval64(v));
            rh = &zr.slice(s![.., h..]) * &hp;
            rec = Array2::zeros((x.d.b, 3 * h));
            rec.slice_mut(s![.., 2 * h..])
                .assign(&rh.dot(&x.u.slice(s![.., 2 * h..])));
        }
        let mut hh = Array2::<f64>::zeros((x.d.b, h));
        for bi in 0..x.d.b {
            for j in 0..h {
                let r = if self.reset_after { zr[[bi, h + j]] } else { 1.0 };
                hh[[bi, j]] = act.eval64(xs[[bi, 2 * h + j]] + r * rec[[bi, 2 * h + j]]);
            }
        }
        Step { zr, rec, rh, hh }
    }

    /// The carried h of every step: (B, T, H).
    pub fn forward(&self, x: &Seq) -> ArrayD<f64> {
        let (b, t, h) = (x.d.b, x.d.t, x.d.h);
        let mut out = Array3::<f64>::zeros((b, t, h));
        let mut hp = x.states[0].to_owned();
        for s in 0..t {
            let tt = x.d.time(s, x.backwards);
            let st = self.step(x, hp.view(), tt);
            for bi in 0..b {
                if !x.keep(bi, tt) {
                    continue;
                }
                for j in 0..h {
                    let zg = st.zr[[bi, j]];
                    hp[[bi, j]] = zg * hp[[bi, j]] + (1.0 - zg) * st.hh[[bi, j]];
                }
            }
            out.index_axis_mut(Axis(1), s).assign(&hp);
        }
        out.into_dyn()
    }

    /// (dxp, dh0, dU, d recurrent bias (flat 3H)).
    pub fn backward(
        &self,
        x: &Seq,
        out: ArrayView3<f64>,
        g: ArrayView3<f64>,
    ) -> (ArrayD<f64>, ArrayD<f64>, ArrayD<f64>, Array1<f64>) {
        let (b, t, h) = (x.d.b, x.d.t, x.d.h);
        let (act, ra) = (self.act, self.ra);
        let mut dxp = Array3::<f64>::zeros((b, t, 3 * h));
        let mut dh = Array2::<f64>::zeros((b, h));
        let mut du = Array2::<f64>::zeros((h, 3 * h));
        let mut drb = Array1::<f64>::zeros(3 * h);
        for s in (0..t).rev() {
            let tt = x.d.time(s, x.backwards);
            let hp = x.prev(&out, 0, 0, s);
            let st = self.step(x, hp, tt);
            let mut drec = Array2::<f64>::zeros((b, 3 * h));
            let mut dcand = Array2::<f64>::zeros((b, h));
            for bi in 0..b {
                let keep = x.keep(bi, tt);
                for j in 0..h {
                    let dh_t = dh[[bi, j]] + g[[bi, s, j]];
                    if !keep {
                        // A masked step passes the state (and its gradient) through.
                        dh[[bi, j]] = dh_t;
                        continue;
                    }
                    let (zg, r, hh) = (st.zr[[bi, j]], st.zr[[bi, h + j]], st.hh[[bi, j]]);
                    let dpre = dh_t * (1.0 - zg) * act.df64(hh);
                    drec[[bi, j]] = dh_t * (hp[[bi, j]] - hh) * ra.df64(zg);
                    if self.reset_after {
                        drec[[bi, h + j]] = dpre * st.rec[[bi, 2 * h + j]] * ra.df64(r);
                        drec[[bi, 2 * h + j]] = dpre * r;
                    }
                    dcand[[bi, j]] = dpre;
                    dh[[bi, j]] = dh_t * zg;
                }
            }
            if self.reset_after {
                dh += &drec.dot(&x.u.t());
                du += &hp.t().dot(&drec);
                drb += &drec.sum_axis(Axis(0));
            } else {
                // Candidate: pre = x_h + (r * h_prev) @ U_h.
                let drh = dcand.dot(&x.u.slice(s![.., 2 * h..]).t());
                for bi in 0..b {
                    if !x.keep(bi, tt) {
                        continue;
                    }
                    for j in 0..h {
                        let r = st.zr[[bi, h + j]];
                        dh[[bi, j]] += drh[[bi, j]] * r;
                        drec[[bi, h + j]] = drh[[bi, j]] * hp[[bi, j]] * ra.df64(r);
                    }
                }
                let dzr = drec.slice(s![.., ..2 * h]);
                dh += &dzr.dot(&x.u.slice(s![.., ..2 * h]).t());
                let mut du_zr = du.slice_mut(s![.., ..2 * h]);
                du_zr += &hp.t().dot(&dzr);
                let mut du_h = du.slice_mut(s![.., 2 * h..]);
                du_h += &st.rh.t().dot(&dcand);
            }
            // The input projection's gradient: z, r as the recurrent parts;
            // the candidate's is dpre.
            let mut dx = dxp.index_axis_mut(Axis(1), tt);
            dx.slice_mut(s![.., ..2 * h]).assign(&drec.slice(s![.., ..2 * h]));
            dx.slice_mut(s![.., 2 * h..]).assign(&dcand);
        }
        (dxp.into_dyn(), dh.into_dyn(), du.into_dyn(), drb)
    }
}
