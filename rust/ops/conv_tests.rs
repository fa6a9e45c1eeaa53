//! Tests of conv1d/conv2d, and the helpers the pooling tests share.

use super::super::{build, Attr, Attrs, Context, OpRef};
use crate::error::Error;
use crate::tensor::Value;
use ndarray::{ArrayD, IxDyn};

/// Deterministic values in [-1, 1), distinct for small tensors.
pub fn data(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    let v = (0..n)
        .map(|i| {
            let h = (i as u64 + 1)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(seed.wrapping_mul(0xBF58_476D_1CE4_E5B9));
            ((h >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).expect("test shape")
}

pub fn ints(v: &[i64]) -> Attr {
    Attr::Ints(v.to_vec())
}

pub fn fwd(op: &OpRef, inputs: &[ArrayD<f32>]) -> crate::Result<ArrayD<f32>> {
    let views: Vec<_> = inputs.iter().map(|a| Value::F32(a.clone())).collect();
    let views: Vec<_> = views.iter().map(|v| v.view()).collect();
    op.forward(&views, &Context::default())?.into_f32(op.name())
}

pub fn bwd(op: &OpRef, inputs: &[ArrayD<f32>], grad: &ArrayD<f32>) -> Vec<ArrayD<f32>> {
    let values: Vec<_> = inputs.iter().map(|a| Value::F32(a.clone())).collect();
    let views: Vec<_> = values.iter().map(|v| v.view()).collect();
    let out = op.forward(&views, &Context::default()).expect("forward");
    let out = out.into_f32(op.name()).expect("f32");
    op.backward(&views, out.view(), grad.view(), &Context::default())
        .expect("backward")
        .into_iter()
        .map(|g| g.expect("a gradient"))
        .collect()
}

/// Central finite differences of sum(op(inputs) * w) against `backward`.
pub fn check_grads(name: &str, attrs: &Attrs, inputs: &[ArrayD<f32>], tol: f32) {
    let op = build(name, attrs).expect("build");
    let y = fwd(&op, inputs).expect("forward");
    let w = data(y.shape(), 99);
    let grads = bwd(&op, inputs, &w);
    let loss = |xs: &[ArrayD<f32>]| -> f64 {
        let y = fwd(&op, xs).expect("forward");
        y.iter()
            .zip(w.iter())
            .map(|(a, b)| (*a as f64) * (*b as f64))
            .sum()
    };
    let eps = 1e-2f32;
    for (i, g) in grads.iter().enumerate() {
        assert_eq!(g.shape(), inputs[i].shape(), "{name} grad {i} shape");
        for j in 0..inputs[i].len() {
            let mut xs = inputs.to_vec();
            let flat = xs[i].as_slice_mut().expect("contiguous");
            flat[j] += eps;
            let up = loss(&xs);
            let flat = xs[i].as_slice_mut().expect("contiguous");
            flat[j] -= 2.0 * eps;
            let down = loss(&xs);
            let numeric = ((up - down) / (2.0 * eps as f64)) as f32;
            let analytic = g.as_slice().expect("contiguous")[j];
            assert!(
                (numeric - analytic).abs() <= tol * (1.0 + numeric.abs()),
                "{name} input {i} element {j}: numeric {numeric} vs analytic {analytic}"
            );
        }
    }
}

fn conv_attrs(strides: &[i64], padding: &str, dilation: &[i64]) -> Attrs {
    Attrs::new()
        .with("strides", ints(strides))
        .with("padding", Attr::Str(padding.into()))
        .with("dilation_rate", ints(dilation))
}

/// Direct-loop conv2d with TF "same"/"valid" padding: (y, dx, dk) for
/// an output gradient `gy`.
#[allow(clippy::type_complexity)]
fn naive_conv2d(
    x: &ArrayD<f32>,
    k: &ArrayD<f32>,
    s: [usize; 2],
    d: [usize; 2],
    same: bool,
    gy: Option<&ArrayD<f32>>,
) -> (ArrayD<f32>, ArrayD<f32>, ArrayD<f32>) {
    let (n, h, w, ci) = (x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3]);
    let (kh, kw, co) = (k.shape()[0], k.shape()[1], k.shape()[3]);
    let out = |len: usize, k: usize, s: usize, d: usize| -> (usize, usize) {
        let win = (k - 1) * d + 1;
        if same {
            let o = len.div_ceil(s);
            let need = ((o - 1) * s + win).saturating_sub(len);
            (o, need / 2)
        } else {
            ((len - win) / s + 1, 0)
        }
    };
    let (oh, ph) = out(h, kh, s[0], d[0]);
    let (ow, pw) = out(w, kw, s[1], d[1]);
    let mut y = ArrayD::zeros(IxDyn(&[n, oh, ow, co]));
    let mut dx = ArrayD::zeros(x.raw_dim());
    let mut dk = ArrayD::zeros(k.raw_dim());
    for b in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for ky in 0..kh {
                    for kx in 0..kw {
                        let iy = (oy * s[0] + ky * d[0]) as i64 - ph as i64;
                        let ix = (ox * s[1] + kx * d[1]) as i64 - pw as i64;
                        if iy < 0 || ix < 0 || iy >= h as i64 || ix >= w as i64 {
                            continue;
                        }
                        let (iy, ix) = (iy as usize, ix as usize);
                        for c in 0..ci {
                            for o in 0..co {
                                y[[b, oy, ox, o]] += x[[b, iy, ix, c]] * k[[ky, kx, c, o]];
                                if let Some(g) = gy {
                                    let gv = g[[b, oy, ox, o]];
                                    dx[[b, iy, ix, c]] += gv * k[[ky, kx, c, o]];
                                    dk[[ky, kx, c, o]] += gv * x[[b, iy, ix, c]];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    (y, dx, dk)
}

fn close(a: &ArrayD<f32>, b: &ArrayD<f32>, tol: f32) -> bool {
    a.shape() == b.shape() && a.iter().zip(b.iter()).all(|(x, y)| (x - y).abs() <= tol)
}

/// A 1x3x3x1 image with a known kernel, worked by hand.
#[test]
fn conv2d_hand_computed() {
    let x = ArrayD::from_shape_vec(IxDyn(&[1, 3, 3, 1]), (1..=9).map(|v| v as f32).collect())
        .expect("shape");
    // [[1, 0], [0, -1]]: x[i, j] - x[i+1, j+1] = -4 everywhere.
    let k = ArrayD::from_shape_vec(IxDyn(&[2, 2, 1, 1]), vec![1.0, 0.0, 0.0, -1.0]).expect("shape");
    let op = build("conv2d", &conv_attrs(&[1, 1], "valid", &[1, 1])).expect("build");
    let y = fwd(&op, &[x.clone(), k.clone()]).expect("forward");
    assert_eq!(y.shape(), &[1, 2, 2, 1]);
    assert!(y.iter().all(|&v| v == -4.0));
    // "same" with an even kernel pads after only: the last row and column
    // see zeros below and to the right.
    let op = build("conv2d", &conv_attrs(&[1, 1], "same", &[1, 1])).expect("build");
    let y = fwd(&op, &[x.clone(), k.clone()]).expect("forward");
    assert_eq!(
        y.iter().copied().collect::<Vec<_>>(),
        vec![-4.0, -4.0, 3.0, -4.0, -4.0, 6.0, 7.0, 8.0, 9.0]
    );
    // A 3x3 box kernel, stride 2, "same": windows centred on (0,0), (0,2), (2,0), (2,2).
    let ones = ArrayD::from_elem(IxDyn(&[3, 3, 1, 1]), 1.0f32);
    let op = build("conv2d", &conv_attrs(&[2, 2], "same", &[1, 1])).expect("build");
    let y = fwd(&op, &[x.clone(), ones.clone()]).expect("forward");
    assert_eq!(
        y.iter().copied().collect::<Vec<_>>(),
        vec![12.0, 16.0, 24.0, 28.0]
    );
    // Dilation 2 on a 2x2 kernel picks the corners 1, 3, 7, 9.
    let op = build("conv2d", &conv_attrs(&[1, 1], "valid", &[2, 2])).expect("build");
    let k = ArrayD::from_shape_vec(IxDyn(&[2, 2, 1, 1]), vec![1.0, 10.0, 100.0, 1000.0])
        .expect("shape");
    let y = fwd(&op, &[x, k]).expect("forward");
    assert_eq!(y.iter().copied().collect::<Vec<_>>(), vec![9731.0]);
}

#[test]
fn conv1d_hand_computed() {
    let x =
        ArrayD::from_shape_vec(IxDyn(&[1, 5, 1]), vec![1.0, 2.0, 3.0, 4.0, 5.0]).expect("shape");
    let k = ArrayD::from_shape_vec(IxDyn(&[3, 1, 1]), vec![1.0, 0.0, -1.0]).expect("shape");
    let op = build("conv1d", &conv_attrs(&[1], "same", &[1])).expect("build");
    let y = fwd(&op, &[x.clone(), k.clone()]).expect("forward");
    assert_eq!(y.shape(), &[1, 5, 1]);
    assert_eq!(
        y.iter().copied().collect::<Vec<_>>(),
        vec![-2.0, -2.0, -2.0, -2.0, 4.0]
    );
    let op = build("conv1d", &conv_attrs(&[2], "valid", &[1])).expect("build");
    let y = fwd(&op, &[x, k]).expect("forward");
    assert_eq!(y.iter().copied().collect::<Vec<_>>(), vec![-2.0, -2.0]);
}

/// Forward and backward against direct loops over many geometries.
#[test]
fn conv2d_matches_naive_loops() {
    // (input shape, kernel size, strides, dilation)
    type Case = ([usize; 4], [usize; 2], [usize; 2], [usize; 2]);
    let cases: &[Case] = &[
        ([2, 5, 6, 3], [3, 3], [1, 1], [1, 1]),
        ([2, 6, 5, 3], [2, 2], [2, 2], [1, 1]),
        ([1, 7, 7, 2], [3, 2], [2, 3], [1, 1]),
        ([2, 7, 8, 2], [3, 3], [1, 1], [2, 2]),
        ([1, 9, 6, 1], [2, 3], [1, 1], [3, 1]),
        ([2, 8, 8, 3], [3, 3], [2, 2], [2, 2]),
        ([3, 4, 4, 5], [1, 1], [1, 1], [1, 1]),
        ([1, 5, 5, 2], [1, 1], [2, 2], [1, 1]),
        ([1, 4, 4, 2], [5, 5], [1, 1], [1, 1]),
    ];
    for (seed, &(xs, ks, s, d)) in cases.iter().enumerate() {
        for same in [false, true] {
            let win = |i: usize| (ks[i] - 1) * d[i] + 1;
            if !same && (xs[1] < win(0) || xs[2] < win(1)) {
                continue;
            }
            let x = data(&xs, seed as u64);
            let k = data(&[ks[0], ks[1], xs[3], 4], seed as u64 + 50);
            let attrs = conv_attrs(
                &[s[0] as i64, s[1] as i64],
                if same { "same" } else { "valid" },
                &[d[0] as i64, d[1] as i64],
            );
            let op = build("conv2d", &attrs).expect("build");
            let y = fwd(&op, &[x.clone(), k.clone()]).expect("forward");
            let gy = data(y.shape(), 7);
            let (y0, dx0, dk0) = naive_conv2d(&x, &k, s, d, same, Some(&gy));
            let what = format!("{xs:?} {ks:?} s={s:?} d={d:?} same={same}");
            assert!(close(&y, &y0, 1e-4), "forward {what}");
            let g = bwd(&op, &[x, k], &gy);
            assert!(close(&g[0], &dx0, 1e-4), "dx {what}");
            assert!(close(&g[1], &dk0, 1e-4), "dk {what}");
        }
    }
}

#[test]
fn conv_gradients_match_finite_differences() {
    let x = data(&[2, 4, 5, 2], 1);
    let k = data(&[2, 3, 2, 3], 2);
    for pad in ["valid", "same"] {
        check_grads(
            "conv2d",
            &conv_attrs(&[1, 2], pad, &[1, 1]),
            &[x.clone(), k.clone()],
            1e-2,
        );
    }
    check_grads(
        "conv2d",
        &conv_attrs(&[1, 1], "same", &[2, 1]),
        &[x, k],
        1e-2,
    );
    let x = data(&[2, 7, 3], 3);
    let k = data(&[3, 3, 2], 4);
    for pad in ["valid", "same"] {
        check_grads(
            "conv1d",
            &conv_attrs(&[2], pad, &[1]),
            &[x.clone(), k.clone()],
            1e-2,
        );
        check_grads(
            "conv1d",
            &conv_attrs(&[1], pad, &[2]),
            &[x.clone(), k.clone()],
            1e-2,
        );
    }
}

/// Large enough to run in several chunks and on several threads; the
/// result must not depend on the thread count.
#[test]
fn conv_is_deterministic_across_thread_counts() {
    let x = data(&[40, 20, 20, 8], 5);
    let k = data(&[3, 3, 8, 16], 6);
    let op = build("conv2d", &conv_attrs(&[1, 1], "same", &[1, 1])).expect("build");
    let gy = data(&[40, 20, 20, 16], 8);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            let y = fwd(&op, &[x.clone(), k.clone()]).expect("forward");
            (y, bwd(&op, &[x.clone(), k.clone()], &gy))
        })
    };
    let (y1, g1) = run(1);
    let (y3, g3) = run(3);
    assert_eq!(y1, y3);
    assert_eq!(g1, g3);
    let (y0, dx0, dk0) = naive_conv2d(&x, &k, [1, 1], [1, 1], true, Some(&gy));
    assert!(close(&y1, &y0, 1e-3));
    assert!(close(&g1[0], &dx0, 1e-3));
    assert!(close(&g1[1], &dk0, 1e-2));
}

#[test]
fn empty_batch_gives_empty_output() {
    let op = build("conv2d", &conv_attrs(&[1, 1], "same", &[1, 1])).expect("build");
    let x = ArrayD::zeros(IxDyn(&[0, 5, 5, 3]));
    let k = data(&[3, 3, 3, 4], 1);
    let y = fwd(&op, &[x.clone(), k.clone()]).expect("forward");
    assert_eq!(y.shape(), &[0, 5, 5, 4]);
    let g = bwd(&op, &[x, k], &y);
    assert_eq!(g[0].shape(), &[0, 5, 5, 3]);
    assert!(g[1].iter().all(|&v| v == 0.0));
}

#[test]
fn errors_name_the_op_and_shapes() {
    let op = build("conv2d", &conv_attrs(&[1, 1], "valid", &[1, 1])).expect("build");
    let e = fwd(&op, &[data(&[1, 5, 5, 3], 0), data(&[3, 3, 2, 4], 0)]).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Shape { .. }), "{msg}");
    assert!(
        msg.contains("conv2d") && msg.contains("(1, 5, 5, 3)") && msg.contains("(3, 3, 2, 4)"),
        "{msg}"
    );
    let e = fwd(&op, &[data(&[5, 5, 3], 0), data(&[3, 3, 3, 4], 0)]).unwrap_err();
    assert!(e.to_string().contains("rank 4"), "{e}");
    let e = fwd(&op, &[data(&[1, 5, 5, 3], 0), data(&[3, 3, 4], 0)]).unwrap_err();
    assert!(e.to_string().contains("kernel"), "{e}");
    // Window larger than the input with "valid".
    let e = fwd(&op, &[data(&[1, 2, 5, 3], 0), data(&[3, 3, 3, 4], 0)]).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    assert!(fwd(&op, &[data(&[1, 5, 5, 3], 0)]).is_err());
    for bad in [
        conv_attrs(&[0, 1], "valid", &[1, 1]),
        conv_attrs(&[1, 1], "valid", &[1, -2]),
        conv_attrs(&[1, 1, 1], "valid", &[1, 1]),
        conv_attrs(&[1, 1], "full", &[1, 1]),
        Attrs::new().with("kernel_size", ints(&[3])),
    ] {
        assert!(
            matches!(build("conv2d", &bad), Err(Error::Argument { .. })),
            "{bad:?}"
        );
    }
    let op = build("conv1d", &conv_attrs(&[1], "valid", &[1])).expect("build");
    let e = fwd(&op, &[data(&[1, 5, 3], 0), data(&[0, 3, 4], 0)]).unwrap_err();
    assert!(e.to_string().contains("positive spatial size"), "{e}");
    let x = data(&[1, 5, 3], 0);
    let k = data(&[2, 3, 4], 0);
    let values = [Value::F32(x), Value::F32(k)];
    let views: Vec<_> = values.iter().map(|v| v.view()).collect();
    let bad_grad = ArrayD::<f32>::zeros(IxDyn(&[1, 3, 4]));
    let y = ArrayD::<f32>::zeros(IxDyn(&[1, 4, 4]));
    let e = op
        .backward(&views, y.view(), bad_grad.view(), &Context::default())
        .unwrap_err();
    assert!(e.to_string().contains("(1, 4, 4)"), "{e}");
}
