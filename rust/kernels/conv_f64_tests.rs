use super::*;
use crate::kernels::window::AxisWindow;

fn axis(input: usize, kernel: usize, stride: usize, dilation: usize, pad: usize) -> AxisWindow {
    let span = (kernel - 1) * dilation + 1;
    let output = (input + 2 * pad).saturating_sub(span) / stride + 1;
    AxisWindow {
        input,
        kernel,
        stride,
        dilation,
        pad_before: pad,
        output,
    }
}

/// Values that are not exactly representable in float32.
fn data(n: usize, seed: u64) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as u64 * 2654435761 + seed) % 1000) as f64 / 997.0 - 0.5 + 1e-9 * i as f64)
        .collect()
}

/// The convolution by its definition, one output at a time.
fn naive(g: &Geometry, x: &[f64], k: &[f64], cout: usize) -> Vec<f64> {
    let c = g.channels;
    let mut y = Vec::new();
    for b in 0..g.batch {
        for oy in 0..g.h.output {
            for ox in 0..g.w.output {
                for o in 0..cout {
                    let mut s = 0.0;
                    for ky in 0..g.h.kernel {
                        for kx in 0..g.w.kernel {
                            let iy = (oy * g.h.stride + ky * g.h.dilation) as i64
                                - g.h.pad_before as i64;
                            let ix = (ox * g.w.stride + kx * g.w.dilation) as i64
                                - g.w.pad_before as i64;
                            if iy < 0 || ix < 0 || iy >= g.h.input as i64 || ix >= g.w.input as i64
                            {
                                continue;
                            }
                            for ci in 0..c {
                                let xv = x[((b * g.h.input + iy as usize) * g.w.input
                                    + ix as usize)
                                    * c
                                    + ci];
                                let kv = k[((ky * g.w.kernel + kx) * c + ci) * cout + o];
                                s += xv * kv;
                            }
                        }
                    }
                    y.push(s);
                }
            }
        }
    }
    y
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn geometries() -> Vec<(Geometry, usize)> {
    let mut out = Vec::new();
    for &(h, w, kh, kw, s, d, p) in &[
        (5, 6, 3, 3, 1, 1, 0),
        (5, 6, 3, 2, 2, 1, 1),
        (7, 7, 2, 3, 1, 2, 2),
        (1, 9, 1, 4, 3, 1, 1),
        (4, 4, 2, 2, 2, 2, 1),
    ] {
        let g = Geometry {
            batch: 2,
            channels: 3,
            h: axis(h, kh, s, d, p),
            w: axis(w, kw, s, d, p),
        };
        out.push((g, 4));
    }
    out
}

/// The forward pass agrees with the definition to float64 rounding.
#[test]
fn forward_matches_definition() {
    for (g, cout) in geometries() {
        let x = data(g.batch * g.image_len(), 1);
        let k = data(g.taps() * g.channels * cout, 7);
        let got = conv2d_forward_f64("conv2d", &g, &x, &k, cout).unwrap();
        let want = naive(&g, &x, &k, cout);
        assert_eq!(got.len(), want.len());
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-13, "{g:?}: {a} vs {b}");
        }
    }
}

/// The gradients are the adjoints of the (bilinear) forward map:
/// <conv(x, k), dy> = <x, dx> = <k, dk>, to float64 rounding.
#[test]
fn backward_is_adjoint() {
    for (g, cout) in geometries() {
        let x = data(g.batch * g.image_len(), 3);
        let k = data(g.taps() * g.channels * cout, 5);
        let y = conv2d_forward_f64("conv2d", &g, &x, &k, cout).unwrap();
        let gy = data(y.len(), 11);
        let (dx, dk) = conv2d_backward_f64("conv2d", &g, &x, &k, cout, &gy, true).unwrap();
        let want = dot(&y, &gy);
        assert!(
            (dot(&x, &dx) - want).abs() <= 1e-11 * want.abs().max(1.0),
            "{g:?}"
        );
        assert!(
            (dot(&k, &dk) - want).abs() <= 1e-11 * want.abs().max(1.0),
            "{g:?}"
        );
        let (none, dk2) = conv2d_backward_f64("conv2d", &g, &x, &k, cout, &gy, false).unwrap();
        assert!(none.is_empty());
        assert_eq!(dk, dk2);
        let data_only = conv2d_backward_data_f64("conv2d", &g, &k, cout, &gy).unwrap();
        assert_eq!(data_only, dx);
    }
}

/// Buffers of the wrong size are an error, not a panic.
#[test]
fn wrong_sizes_are_errors() {
    let (g, cout) = geometries()[0];
    let x = data(g.batch * g.image_len() - 1, 1);
    let k = data(g.taps() * g.channels * cout, 7);
    assert!(conv2d_forward_f64("conv2d", &g, &x, &k, cout).is_err());
    let x = data(g.batch * g.image_len(), 1);
    assert!(conv2d_backward_f64("conv2d", &g, &x, &k, cout, &[1.0], true).is_err());
}

/// The full kernel is block diagonal, and its diagonal comes back out.
#[test]
fn depthwise_kernel_round_trips() {
    let (taps, c, m) = (3, 2, 2);
    let k = data(taps * c * m, 4);
    let full = depthwise_as_full("depthwise_conv2d", &k, c, m).unwrap();
    assert_eq!(full.len(), taps * c * c * m);
    for tap in 0..taps {
        for ci in 0..c {
            for co in 0..c * m {
                let v = full[(tap * c + ci) * c * m + co];
                if co / m == ci {
                    assert_eq!(v, k[(tap * c + ci) * m + co % m]);
                } else {
                    assert_eq!(v, 0.0);
                }
            }
        }
    }
    assert_eq!(
        depthwise_from_full("depthwise_conv2d", &full, c, m).unwrap(),
        k
    );
}
