//! The recurrences in float64 (a child of `recurrent`): SimpleRNN and LSTM
//! here, GRU in `recurrent_gru_f64`. The same arithmetic, masks and
//! `go_backwards` as the float32 kernels, on plain serial ndarray loops with
//! exact activations (float64 is asked for precision, not speed; the
//! float32 kernels are untouched). The output layouts are the float32 ops'.

use super::{check_shapes, Act, Dims};
use crate::error::{fmt_shape, Error, Result};
use crate::tensor::ValueView;
use ndarray::{s, Array1, Array2, Array3, ArrayD, ArrayView2, ArrayView3, ArrayViewD, Axis};
use ndarray::{Ix2, Ix3};

impl Act {
    /// The activation of one float64 value, exact (no fast approximation).
    pub fn eval64(self, x: f64) -> f64 {
        match self {
            Act::Tanh => x.tanh(),
            Act::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Act::HardSigmoid => (x / 6.0 + 0.5).clamp(0.0, 1.0),
            Act::Relu => x.max(0.0),
            Act::Linear => x,
        }
    }

    /// The derivative from the activation's value `y = f(x)` (as [`Act::df`]).
    pub fn df64(self, y: f64) -> f64 {
        match self {
            Act::Tanh => 1.0 - y * y,
            Act::Sigmoid => y * (1.0 - y),
            // x in (-3, 3) exactly where 0 < y < 1.
            Act::HardSigmoid => {
                if y > 0.0 && y < 1.0 {
                    1.0 / 6.0
                } else {
                    0.0
                }
            }
            Act::Relu => {
                if y > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Act::Linear => 1.0,
        }
    }
}

pub fn graph_err(e: impl ToString) -> Error {
    Error::graph(e.to_string())
}

/// The float64 inputs of a recurrent op, as fixed-rank views.
pub struct Seq<'a> {
    /// The input projection (B, T, g*H).
    pub xp: ArrayView3<'a, f64>,
    /// The initial states, each (B, H).
    pub states: Vec<ArrayView2<'a, f64>>,
    /// The recurrent kernel (H, g*H).
    pub u: ArrayView2<'a, f64>,
    /// GRU's recurrent bias (3H), else empty.
    pub rb: Array1<f64>,
    /// (B, T): > 0.5 where a step counts.
    pub mask: ArrayView2<'a, f64>,
    pub d: Dims,
    pub backwards: bool,
}

impl Seq<'_> {
    pub fn keep(&self, bi: usize, tt: usize) -> bool {
        self.mask[[bi, tt]] > 0.5
    }

    /// The state (columns `off..off + H` of a `width * H` output) before
    /// processing step `s`: the initial state `k` at step 0, else the
    /// carried state the output holds for step s - 1.
    pub fn prev<'b>(
        &'b self,
        out: &'b ArrayView3<f64>,
        k: usize,
        off: usize,
        s: usize,
    ) -> ArrayView2<'b, f64> {
        if s == 0 {
            self.states[k].view()
        } else {
            out.slice(s![.., s - 1, off..off + self.d.h])
        }
    }
}

/// Reads and checks the float64 inputs: xp, `states` states, the recurrent
/// kernel (GRU: then its bias), the mask.
pub fn load64<'a>(
    op: &str,
    inputs: &[ValueView<'a>],
    states: usize,
    gates: usize,
    backwards: bool,
) -> Result<Seq<'a>> {
    let gru = op == "gru_scan";
    let n = 3 + states + usize::from(gru);
    crate::tensor::expect_arity(op, inputs, n)?;
    let v: Vec<ArrayViewD<f64>> = inputs.iter().map(|x| x.f64(op)).collect::<Result<_>>()?;
    let st: Vec<&[usize]> = v[1..=states].iter().map(|a| a.shape()).collect();
    let kernel = 1 + states;
    let d = check_shapes(
        op,
        v[0].shape(),
        &st,
        v[kernel].shape(),
        v[n - 1].shape(),
        gates,
    )?;
    let rb = if gru {
        if v[3].len() != 3 * d.h {
            return Err(Error::shape(
                op,
                format!("a recurrent bias of {} values", 3 * d.h),
                format!("a recurrent bias of shape {}", fmt_shape(v[3].shape())),
            ));
        }
        v[3].iter().copied().collect()
    } else {
        Array1::zeros(0)
    };
    let two = |a: &ArrayViewD<'a, f64>| a.clone().into_dimensionality::<Ix2>().map_err(graph_err);
    Ok(Seq {
        xp: v[0].clone().into_dimensionality::<Ix3>().map_err(graph_err)?,
        states: v[1..=states].iter().map(two).collect::<Result<_>>()?,
        u: two(&v[kernel])?,
        rb,
        mask: two(&v[n - 1])?,
        d,
        backwards,
    })
}

/// A (B, T, w) output or gradient as a 3D view of the expected shape.
pub fn view3<'a>(op: &str, a: ArrayViewD<'a, f64>, shape: [usize; 3]) -> Result<ArrayView3<'a, f64>> {
    let got = fmt_shape(a.shape());
    a.into_dimensionality::<Ix3>()
        .ok()
        .filter(|a| a.shape() == shape)
        .ok_or_else(|| Error::shape(op, format!("a tensor of shape {}", fmt_shape(&shape)), got))
}

// ------------------------------------------------------------- SimpleRNN

/// `h = act(xp_t + h_prev @ U)` of every step: (B, T, H).
pub fn simple_forward(x: &Seq, act: Act) -> ArrayD<f64> {
    let d = x.d;
    let mut out = Array3::<f64>::zeros((d.b, d.t, d.h));
    let mut hp = x.states[0].to_owned();
    for s in 0..d.t {
        let tt = d.time(s, x.backwards);
        let z = &x.xp.index_axis(Axis(1), tt) + &hp.dot(&x.u);
        for bi in 0..d.b {
            if x.keep(bi, tt) {
                let zr = z.row(bi);
                hp.row_mut(bi)
                    .iter_mut()
                    .zip(zr)
                    .for_each(|(h, &z)| *h = act.eval64(z));
            }
        }
        out.index_axis_mut(Axis(1), s).assign(&hp);
    }
    out.into_dyn()
}

/// (dxp, dh0, dU) of SimpleRNN; each step's activation is read from the
/// output (it is the carried state where the step counts).
pub fn simple_backward(
    x: &Seq,
    act: Act,
    out: ArrayView3<f64>,
    g: ArrayView3<f64>,
) -> [ArrayD<f64>; 3] {
    let (b, t, h) = (x.d.b, x.d.t, x.d.h);
    let mut dxp = Array3::<f64>::zeros((b, t, h));
    let mut dh = Array2::<f64>::zeros((b, h));
    let mut du = Array2::<f64>::zeros((h, h));
    for s in (0..t).rev() {
        let tt = x.d.time(s, x.backwards);
        let hp = x.prev(&out, 0, 0, s);
        let mut dz = Array2::<f64>::zeros((b, h));
        for bi in 0..b {
            let keep = x.keep(bi, tt);
            for j in 0..h {
                let total = dh[[bi, j]] + g[[bi, s, j]];
                if keep {
                    dz[[bi, j]] = total * act.df64(out[[bi, s, j]]);
                    dh[[bi, j]] = 0.0;
                } else {
                    dh[[bi, j]] = total;
                }
            }
        }
        dh += &dz.dot(&x.u.t());
        du += &hp.t().dot(&dz);
        dxp.index_axis_mut(Axis(1), tt).assign(&dz);
    }
    [dxp.into_dyn(), dh.into_dyn(), du.into_dyn()]
}

// ------------------------------------------------------------------ LSTM

/// Values per unit and step in LSTM's output (h, c, gates i, f, c, o).
const W: usize = 6;

/// The LSTM output (B, T, 6H): carried h, c, then the activated gates
/// (zeros where a step is masked), Keras's gate order i, f, c, o.
pub fn lstm_forward(x: &Seq, act: Act, ra: Act) -> ArrayD<f64> {
    let (b, t, h) = (x.d.b, x.d.t, x.d.h);
    let mut out = Array3::<f64>::zeros((b, t, W * h));
    let (mut hp, mut cp) = (x.states[0].to_owned(), x.states[1].to_owned());
    for s in 0..t {
        let tt = x.d.time(s, x.backwards);
        let z = &x.xp.index_axis(Axis(1), tt) + &hp.dot(&x.u);
        for bi in 0..b {
            if x.keep(bi, tt) {
                for j in 0..h {
                    let i = ra.eval64(z[[bi, j]]);
                    let f = ra.eval64(z[[bi, h + j]]);
                    let gv = act.eval64(z[[bi, 2 * h + j]]);
                    let o = ra.eval64(z[[bi, 3 * h + j]]);
                    let c = f * cp[[bi, j]] + i * gv;
                    cp[[bi, j]] = c;
                    hp[[bi, j]] = o * act.eval64(c);
                    for (q, v) in [i, f, gv, o].into_iter().enumerate() {
                        out[[bi, s, (2 + q) * h + j]] = v;
                    }
                }
            }
            for j in 0..h {
                out[[bi, s, j]] = hp[[bi, j]];
                out[[bi, s, h + j]] = cp[[bi, j]];
            }
        }
    }
    out.into_dyn()
}

/// (dxp, dh0, dc0, dU) of LSTM, from the gates its output keeps; the
/// output gradient may reach the gates too (they are part of the output).
pub fn lstm_backward(
    x: &Seq,
    act: Act,
    ra: Act,
    out: ArrayView3<f64>,
    g: ArrayView3<f64>,
) -> [ArrayD<f64>; 4] {
    let (b, t, h) = (x.d.b, x.d.t, x.d.h);
    let mut dxp = Array3::<f64>::zeros((b, t, 4 * h));
    let (mut dh, mut dc) = (Array2::<f64>::zeros((b, h)), Array2::<f64>::zeros((b, h)));
    let mut du = Array2::<f64>::zeros((h, 4 * h));
    for s in (0..t).rev() {
        let tt = x.d.time(s, x.backwards);
        let hp = x.prev(&out, 0, 0, s);
        let cp = x.prev(&out, 1, h, s);
        let mut dz = Array2::<f64>::zeros((b, 4 * h));
        for bi in 0..b {
            let keep = x.keep(bi, tt);
            for j in 0..h {
                let dh_t = dh[[bi, j]] + g[[bi, s, j]];
                let mut dc_t = dc[[bi, j]] + g[[bi, s, h + j]];
                if !keep {
                    // A masked step passes the state (and its gradient) through.
                    dh[[bi, j]] = dh_t;
                    dc[[bi, j]] = dc_t;
                    continue;
                }
                let gate = |q: usize| out[[bi, s, (2 + q) * h + j]];
                let ggate = |q: usize| g[[bi, s, (2 + q) * h + j]];
                let (i, f, gv, o) = (gate(0), gate(1), gate(2), gate(3));
                let a = act.eval64(out[[bi, s, h + j]]);
                dc_t += dh_t * o * act.df64(a);
                dz[[bi, j]] = (dc_t * gv + ggate(0)) * ra.df64(i);
                dz[[bi, h + j]] = (dc_t * cp[[bi, j]] + ggate(1)) * ra.df64(f);
                dz[[bi, 2 * h + j]] = (dc_t * i + ggate(2)) * act.df64(gv);
                dz[[bi, 3 * h + j]] = (dh_t * a + ggate(3)) * ra.df64(o);
                dc[[bi, j]] = dc_t * f;
                dh[[bi, j]] = 0.0;
            }
        }
        dh += &dz.dot(&x.u.t());
        du += &hp.t().dot(&dz);
        dxp.index_axis_mut(Axis(1), tt).assign(&dz);
    }
    [dxp.into_dyn(), dh.into_dyn(), dc.into_dyn(), du.into_dyn()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_activations_and_their_derivatives_agree() {
        for act in [Act::Tanh, Act::Sigmoid, Act::HardSigmoid, Act::Relu, Act::Linear] {
            for &x in &[-4.0, -1.3, -0.2, 0.4, 2.5, 5.0] {
                let e = 1e-6;
                let numeric = (act.eval64(x + e) - act.eval64(x - e)) / (2.0 * e);
                let analytic = act.df64(act.eval64(x));
                assert!((numeric - analytic).abs() < 1e-8, "{act:?} at {x}");
            }
        }
    }
}
