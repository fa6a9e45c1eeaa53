//! max_pool1d/2d and avg_pool1d/2d over channels-last inputs. 1-D pools run
//! as 2-D ones with a height of 1 (`kernels::pool`).

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::conv::{
    contiguous, contiguous_f64, expect_grad_shape, geometry, lift_input, lift_pair,
    output_shape, to_array, to_array_t, windowed_dims,
};
use super::padding::Padding;
use super::spec::{self, DType, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{Error, Result};
use crate::kernels::pool::{
    avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward,
};
use crate::kernels::pool_f64::{pool_backward_f64, pool_forward_f64};
use crate::kernels::window::Geometry;
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::ArrayViewD;

#[derive(Debug)]
pub struct Pool {
    name: &'static str,
    rank: usize,
    max: bool,
    pool_size: [usize; 2],
    strides: [usize; 2],
    padding: Padding,
}

impl Pool {
    pub fn new(name: &str, attrs: &Attrs) -> Result<Self> {
        let (name, rank, max) = match name {
            "max_pool1d" => ("max_pool1d", 1, true),
            "max_pool2d" => ("max_pool2d", 2, true),
            "avg_pool1d" => ("avg_pool1d", 1, false),
            "avg_pool2d" => ("avg_pool2d", 2, false),
            _ => return Err(Error::argument(name, "not a pooling op")),
        };
        let pool_size = attrs.spatial(name, "pool_size", rank, 2)?;
        // Keras: strides default to the pool size.
        let strides = match attrs.opt_ints(name, "strides")? {
            None => pool_size.clone(),
            Some(_) => attrs.spatial(name, "strides", rank, 1)?,
        };
        Ok(Self {
            name,
            rank,
            max,
            pool_size: lift_pair(&pool_size),
            strides: lift_pair(&strides),
            padding: Padding::parse(name, &attrs.string(name, "padding", "valid")?)?,
        })
    }

    fn geometry(&self, x: &[usize]) -> Result<Geometry> {
        let input = lift_input(self.name, x, self.rank)?;
        geometry(
            self.name,
            input,
            self.pool_size,
            self.strides,
            [1, 1],
            self.padding,
        )
    }
}

impl Primitive for Pool {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let x = spec::same_float(self.name, inputs)?;
        let shape = windowed_dims(
            self.name,
            &x.shape,
            self.rank,
            self.pool_size,
            self.strides,
            [1, 1],
            self.padding,
        )?;
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = self.name;
        expect_arity(op, inputs, 1)?;
        if let ValueView::F64(x) = &inputs[0] {
            let g = self.geometry(x.shape())?;
            let y = pool_forward_f64(op, &g, &contiguous_f64(x), self.max)?;
            let shape = output_shape(&g, self.rank, g.channels);
            return to_array_t(op, &shape, y).map(Value::F64);
        }
        let x = inputs[0].f32(op)?;
        let g = self.geometry(x.shape())?;
        let xs = contiguous(&x);
        let y = if self.max {
            max_pool_forward(&g, &xs)
        } else {
            avg_pool_forward(&g, &xs)
        };
        to_array(op, &output_shape(&g, self.rank, g.channels), y).map(Value::F32)
    }

    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        let op = self.name;
        expect_arity(op, inputs, 1)?;
        let x = inputs[0].f64(op)?;
        let g = self.geometry(x.shape())?;
        expect_grad_shape(op, grad.shape(), &output_shape(&g, self.rank, g.channels))?;
        let dx = pool_backward_f64(op, &g, &contiguous_f64(&x), &contiguous_f64(&grad), self.max)?;
        Ok(vec![Some(to_array_t(op, x.shape(), dx)?)])
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let op = self.name;
        expect_arity(op, inputs, 1)?;
        let x = inputs[0].f32(op)?;
        let g = self.geometry(x.shape())?;
        expect_grad_shape(op, grad.shape(), &output_shape(&g, self.rank, g.channels))?;
        let gy = contiguous(&grad);
        let dx = if self.max {
            max_pool_backward(&g, &contiguous(&x), &gy)
        } else {
            avg_pool_backward(&g, &gy)
        };
        Ok(vec![Some(to_array(op, x.shape(), dx)?)])
    }
}


/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "max_pool1d",
        doc: "max over windows of the length axis, channels last",
        inputs: &["inputs"],
        attrs: &[("pool_size", Lit::None), ("strides", Lit::None), ("padding", Lit::Str("valid"))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Pool::new(n, a)?)),
        example: (&[("pool_size", Lit::Ints(&[2]))], &[Sample::F32(&[2, 6, 3])]),
    },
    OpInfo {
        name: "max_pool2d",
        doc: "max over spatial windows, channels last",
        inputs: &["inputs"],
        attrs: &[("pool_size", Lit::None), ("strides", Lit::None), ("padding", Lit::Str("valid"))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Pool::new(n, a)?)),
        example: (&[("pool_size", Lit::Ints(&[2, 2])), ("padding", Lit::Str("same"))], &[Sample::F32(&[2, 5, 4, 3])]),
    },
    OpInfo {
        name: "avg_pool1d",
        doc: "mean over windows of the length axis, channels last",
        inputs: &["inputs"],
        attrs: &[("pool_size", Lit::None), ("strides", Lit::None), ("padding", Lit::Str("valid"))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Pool::new(n, a)?)),
        example: (&[("pool_size", Lit::Ints(&[2]))], &[Sample::F32(&[2, 6, 3])]),
    },
    OpInfo {
        name: "avg_pool2d",
        doc: "mean over spatial windows, channels last",
        inputs: &["inputs"],
        attrs: &[("pool_size", Lit::None), ("strides", Lit::None), ("padding", Lit::Str("valid"))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(Pool::new(n, a)?)),
        example: (&[("pool_size", Lit::Ints(&[2, 2])), ("padding", Lit::Str("same"))], &[Sample::F32(&[2, 5, 4, 3])]),
    },
];

#[cfg(test)]
mod tests {
    use super::super::conv::tests::{bwd, check_grads, data, fwd, ints};
    use super::super::{build, Attr, Attrs};
    use crate::error::Error;
    use ndarray::{ArrayD, IxDyn};

    fn attrs(pool: &[i64], strides: &[i64], padding: &str) -> Attrs {
        Attrs::new()
            .with("pool_size", ints(pool))
            .with("strides", ints(strides))
            .with("padding", Attr::Str(padding.into()))
    }

    fn grid(rows: usize, cols: usize, v: &[f32]) -> ArrayD<f32> {
        ArrayD::from_shape_vec(IxDyn(&[1, rows, cols, 1]), v.to_vec()).expect("shape")
    }

    fn flat(a: &ArrayD<f32>) -> Vec<f32> {
        a.iter().copied().collect()
    }

    /// Direct-loop pooling: padded cells skipped, ties to the first max.
    fn naive(
        x: &ArrayD<f32>,
        p: [usize; 2],
        s: [usize; 2],
        same: bool,
        max: bool,
        gy: &ArrayD<f32>,
    ) -> (ArrayD<f32>, ArrayD<f32>) {
        let (n, h, w, c) = (x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3]);
        let out = |len: usize, k: usize, s: usize| {
            if same {
                let o = len.div_ceil(s);
                (o, ((o - 1) * s + k).saturating_sub(len) / 2)
            } else {
                ((len - k) / s + 1, 0)
            }
        };
        let ((oh, ph), (ow, pw)) = (out(h, p[0], s[0]), out(w, p[1], s[1]));
        let mut y = ArrayD::zeros(IxDyn(&[n, oh, ow, c]));
        let mut dx = ArrayD::zeros(x.raw_dim());
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for ch in 0..c {
                        let mut cells = vec![];
                        for ky in 0..p[0] {
                            for kx in 0..p[1] {
                                let iy = (oy * s[0] + ky) as i64 - ph as i64;
                                let ix = (ox * s[1] + kx) as i64 - pw as i64;
                                if iy >= 0 && ix >= 0 && iy < h as i64 && ix < w as i64 {
                                    cells.push((iy as usize, ix as usize));
                                }
                            }
                        }
                        let g = gy[[b, oy, ox, ch]];
                        if max {
                            let mut best = cells[0];
                            for &(iy, ix) in &cells {
                                if x[[b, iy, ix, ch]] > x[[b, best.0, best.1, ch]] {
                                    best = (iy, ix);
                                }
                            }
                            y[[b, oy, ox, ch]] = x[[b, best.0, best.1, ch]];
                            dx[[b, best.0, best.1, ch]] += g;
                        } else {
                            let n = cells.len() as f32;
                            let sum: f32 = cells.iter().map(|&(iy, ix)| x[[b, iy, ix, ch]]).sum();
                            y[[b, oy, ox, ch]] = sum / n;
                            for &(iy, ix) in &cells {
                                dx[[b, iy, ix, ch]] += g / n;
                            }
                        }
                    }
                }
            }
        }
        (y, dx)
    }

    #[test]
    fn hand_computed_2d() {
        let x = grid(3, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        let op = build("max_pool2d", &attrs(&[2, 2], &[1, 1], "valid")).expect("build");
        assert_eq!(
            flat(&fwd(&op, std::slice::from_ref(&x)).expect("fwd")),
            vec![5.0, 6.0, 8.0, 9.0]
        );
        let op = build("avg_pool2d", &attrs(&[2, 2], &[1, 1], "valid")).expect("build");
        assert_eq!(
            flat(&fwd(&op, std::slice::from_ref(&x)).expect("fwd")),
            vec![3.0, 4.0, 6.0, 7.0]
        );
        // "same", stride 2 on 3x3: windows start at 0 and 2, the second one
        // half in padding, which counts for nothing.
        let op = build("avg_pool2d", &attrs(&[2, 2], &[2, 2], "same")).expect("build");
        let y = fwd(&op, std::slice::from_ref(&x)).expect("fwd");
        assert_eq!(y.shape(), &[1, 2, 2, 1]);
        assert_eq!(flat(&y), vec![3.0, 4.5, 7.5, 9.0]);
        let g = bwd(
            &op,
            std::slice::from_ref(&x),
            &ArrayD::from_elem(IxDyn(&[1, 2, 2, 1]), 1.0),
        );
        assert_eq!(
            flat(&g[0]),
            vec![0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1.0]
        );
        // Padded cells never win, even against negative values.
        let neg = x.mapv(|v| -v);
        let op = build("max_pool2d", &attrs(&[2, 2], &[2, 2], "same")).expect("build");
        assert_eq!(
            flat(&fwd(&op, &[neg]).expect("fwd")),
            vec![-1.0, -3.0, -7.0, -9.0]
        );
        // Default strides are the pool size.
        let op = build("max_pool2d", &Attrs::new().with("pool_size", ints(&[3]))).expect("b");
        assert_eq!(flat(&fwd(&op, &[x]).expect("fwd")), vec![9.0]);
    }

    #[test]
    fn max_gradient_goes_to_the_first_max() {
        let x = ArrayD::from_shape_vec(IxDyn(&[1, 4, 1]), vec![2.0, 2.0, 1.0, 1.0]).expect("s");
        let op = build("max_pool1d", &attrs(&[2], &[2], "valid")).expect("build");
        let g = bwd(&op, &[x], &ArrayD::from_elem(IxDyn(&[1, 2, 1]), 1.0));
        assert_eq!(flat(&g[0]), vec![1.0, 0.0, 1.0, 0.0]);
        // Overlapping windows add up on a shared max.
        let x = ArrayD::from_shape_vec(IxDyn(&[1, 3, 1]), vec![0.0, 5.0, 0.0]).expect("s");
        let op = build("max_pool1d", &attrs(&[2], &[1], "valid")).expect("build");
        let g = bwd(&op, &[x], &ArrayD::from_elem(IxDyn(&[1, 2, 1]), 1.0));
        assert_eq!(flat(&g[0]), vec![0.0, 2.0, 0.0]);
    }

    /// A NaN in a window makes that window's max NaN, wherever it sits.
    #[test]
    fn max_propagates_nan() {
        let x = ArrayD::from_shape_vec(IxDyn(&[1, 4, 1]), vec![f32::NAN, 1.0, 1.0, f32::NAN])
            .expect("shape");
        let op = build("max_pool1d", &attrs(&[2], &[2], "valid")).expect("build");
        let y = fwd(&op, std::slice::from_ref(&x)).expect("fwd");
        assert!(y.iter().all(|v| v.is_nan()), "{y:?}");
        let g = bwd(&op, &[x], &ArrayD::from_elem(IxDyn(&[1, 2, 1]), 1.0));
        assert_eq!(flat(&g[0]), vec![1.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn matches_naive_loops() {
        let cases: &[([usize; 4], [usize; 2], [usize; 2])] = &[
            ([2, 5, 6, 3], [2, 2], [2, 2]),
            ([2, 7, 7, 2], [3, 3], [2, 2]),
            ([1, 6, 5, 4], [3, 2], [1, 2]),
            ([2, 4, 4, 1], [2, 3], [3, 1]),
            ([1, 1, 9, 2], [1, 3], [1, 2]),
            ([1, 3, 3, 2], [3, 3], [1, 1]),
        ];
        for (seed, &(xs, p, s)) in cases.iter().enumerate() {
            let x = data(&xs, seed as u64);
            for same in [false, true] {
                for (name, max) in [("max_pool2d", true), ("avg_pool2d", false)] {
                    let a = attrs(
                        &[p[0] as i64, p[1] as i64],
                        &[s[0] as i64, s[1] as i64],
                        if same { "same" } else { "valid" },
                    );
                    let op = build(name, &a).expect("build");
                    let y = fwd(&op, std::slice::from_ref(&x)).expect("fwd");
                    let gy = data(y.shape(), 3);
                    let (y0, dx0) = naive(&x, p, s, same, max, &gy);
                    let what = format!("{name} {xs:?} p={p:?} s={s:?} same={same}");
                    assert!(
                        y.iter().zip(y0.iter()).all(|(a, b)| (a - b).abs() < 1e-5),
                        "{what}"
                    );
                    let g = bwd(&op, std::slice::from_ref(&x), &gy);
                    assert!(
                        g[0].iter()
                            .zip(dx0.iter())
                            .all(|(a, b)| (a - b).abs() < 1e-5),
                        "{what}"
                    );
                }
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let x = data(&[2, 5, 4, 2], 4);
        let x1 = data(&[2, 7, 3], 5);
        for pad in ["valid", "same"] {
            for name in ["max_pool2d", "avg_pool2d"] {
                check_grads(
                    name,
                    &attrs(&[2, 3], &[2, 1], pad),
                    std::slice::from_ref(&x),
                    1e-2,
                );
            }
            for name in ["max_pool1d", "avg_pool1d"] {
                check_grads(
                    name,
                    &attrs(&[3], &[2], pad),
                    std::slice::from_ref(&x1),
                    1e-2,
                );
            }
        }
    }

    #[test]
    fn deterministic_across_thread_counts() {
        let x = data(&[16, 30, 30, 16], 9);
        let gy = data(&[16, 15, 15, 16], 10);
        for name in ["max_pool2d", "avg_pool2d"] {
            let op = build(name, &attrs(&[3, 3], &[2, 2], "same")).expect("build");
            let run = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("pool");
                pool.install(|| {
                    let y = fwd(&op, std::slice::from_ref(&x)).expect("fwd");
                    (y, bwd(&op, std::slice::from_ref(&x), &gy))
                })
            };
            assert_eq!(run(1), run(3), "{name}");
        }
    }

    #[test]
    fn empty_batch_and_errors() {
        let op = build("max_pool2d", &attrs(&[2, 2], &[2, 2], "valid")).expect("build");
        let y = fwd(&op, &[ArrayD::zeros(IxDyn(&[0, 4, 4, 3]))]).expect("fwd");
        assert_eq!(y.shape(), &[0, 2, 2, 3]);
        let g = bwd(&op, &[ArrayD::zeros(IxDyn(&[0, 4, 4, 3]))], &y);
        assert_eq!(g[0].shape(), &[0, 4, 4, 3]);
        let e = fwd(&op, &[data(&[1, 4, 3], 0)]).unwrap_err();
        assert!(
            matches!(e, Error::Shape { .. }) && e.to_string().contains("rank 4"),
            "{e}"
        );
        let e = fwd(&op, &[data(&[1, 1, 4, 3], 0)]).unwrap_err();
        assert!(matches!(e, Error::Shape { .. }), "{e}");
        for bad in [
            attrs(&[0, 2], &[1, 1], "valid"),
            attrs(&[2, 2], &[-1, 1], "valid"),
            attrs(&[2, 2, 2], &[1, 1], "valid"),
            attrs(&[2, 2], &[1, 1], "causal"),
            Attrs::new().with("dilation_rate", ints(&[2])),
        ] {
            assert!(
                matches!(build("avg_pool2d", &bad), Err(Error::Argument { .. })),
                "{bad:?}"
            );
        }
    }
}
