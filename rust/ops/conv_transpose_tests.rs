//! conv1d_transpose/conv2d_transpose: Keras's output sizes, the values of
//! zero insertion plus a flipped-kernel convolution, gradients, bad input.

use super::super::conv::tests::{check_grads, data, fwd, ints};
use super::super::{build, Attr, Attrs};
use super::transpose_axis;
use crate::ops::padding::Padding;
use ndarray::{ArrayD, IxDyn};

fn attrs(strides: i64, padding: &str, output_padding: Option<i64>, dilation: i64) -> Attrs {
    let a = Attrs::new()
        .with("strides", ints(&[strides]))
        .with("padding", Attr::Str(padding.into()))
        .with("dilation_rate", ints(&[dilation]));
    match output_padding {
        Some(p) => a.with("output_padding", ints(&[p])),
        None => a,
    }
}

/// Output lengths as Keras's `compute_conv_transpose_output_shape` gives them.
#[test]
fn output_lengths_are_keras_s() {
    let keras = |l: usize, k: usize, s: usize, d: usize, same: bool, extra: Option<usize>| {
        let w = (k - 1) * d + 1;
        match extra {
            None if same => l * s,
            None => l * s + w.saturating_sub(s),
            Some(e) => (l - 1) * s + w - 2 * if same { w / 2 } else { 0 } + e,
        }
    };
    for l in 1..6 {
        for k in 1..5 {
            for s in 1..4 {
                for d in 1..3 {
                    for same in [false, true] {
                        for extra in [None, Some(0), Some(1)] {
                            let padding = if same { Padding::Same } else { Padding::Valid };
                            let want = keras(l, k, s, d, same, extra);
                            let got = transpose_axis("t", l, k, s, d, padding, extra);
                            match got {
                                Ok((n, _)) => {
                                    assert_eq!(n, want, "{l} {k} {s} {d} {same} {extra:?}")
                                }
                                Err(_) => assert!(want == 0 || want > 1 << 20),
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Zero insertion, padding by Keras's (left, right) and a valid convolution
/// with the flipped kernel, for one image of one 1-d axis.
fn reference(
    x: &[f32],
    c: usize,
    k: &ArrayD<f32>,
    s: usize,
    left: usize,
    right: usize,
) -> Vec<f32> {
    let (kn, cout, cin) = (k.shape()[0], k.shape()[1], k.shape()[2]);
    assert_eq!(cin, c);
    let l = x.len() / c;
    let len = (l - 1) * s + 1 + left + right;
    let mut z = vec![0.0f32; len * c];
    for i in 0..l {
        z[(left + i * s) * c..][..c].copy_from_slice(&x[i * c..][..c]);
    }
    let out = len - kn + 1;
    let mut y = vec![0.0f32; out * cout];
    for o in 0..out {
        for t in 0..kn {
            for co in 0..cout {
                for ci in 0..c {
                    y[o * cout + co] += z[(o + t) * c + ci] * k[[kn - 1 - t, co, ci]];
                }
            }
        }
    }
    y
}

#[test]
fn values_are_zero_insertion_and_a_flipped_convolution() {
    // (length, kernel, stride, padding, output_padding, left, right)
    let cases = [
        (4, 3, 2, "valid", None, 2, 2),
        (4, 3, 2, "same", None, 2, 1),
        (5, 2, 3, "same", None, 1, 2),
        (3, 4, 2, "same", Some(1), 2, 1),
        (3, 3, 1, "valid", Some(0), 2, 2),
    ];
    for (l, kn, s, padding, extra, left, right) in cases {
        let x = data(&[2, l, 3], 1);
        let k = data(&[kn, 4, 3], 2);
        let op = build("conv1d_transpose", &attrs(s as i64, padding, extra, 1)).expect("build");
        let y = fwd(&op, &[x.clone(), k.clone()]).expect("forward");
        for b in 0..2 {
            let xb: Vec<f32> = x.as_slice().unwrap()[b * l * 3..][..l * 3].to_vec();
            let want = reference(&xb, 3, &k, s, left, right);
            let got = &y.as_slice().unwrap()[b * want.len()..][..want.len()];
            assert_eq!(y.shape()[1] * 4, want.len(), "{padding} {extra:?}");
            for (a, w) in got.iter().zip(&want) {
                assert!((a - w).abs() < 1e-5, "{padding} {extra:?}: {a} vs {w}");
            }
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    let a = attrs(2, "same", None, 1);
    check_grads(
        "conv2d_transpose",
        &a,
        &[data(&[2, 3, 3, 2], 1), data(&[3, 3, 4, 2], 2)],
        2e-2,
    );
    let a = attrs(3, "valid", Some(1), 2);
    check_grads(
        "conv1d_transpose",
        &a,
        &[data(&[2, 3, 2], 3), data(&[2, 3, 2], 4)],
        2e-2,
    );
}

#[test]
fn bad_input_is_refused_with_the_op_name() {
    let op = build("conv2d_transpose", &attrs(2, "same", None, 1)).expect("build");
    let x = ArrayD::<f32>::zeros(IxDyn(&[1, 3, 3, 2]));
    let wrong = ArrayD::<f32>::zeros(IxDyn(&[3, 3, 4, 5]));
    let err = fwd(&op, &[x.clone(), wrong]).unwrap_err().to_string();
    assert!(
        err.contains("conv2d_transpose") && err.contains("in_channels"),
        "{err}"
    );
    let flat = ArrayD::<f32>::zeros(IxDyn(&[3, 4, 2]));
    assert!(fwd(&op, &[x, flat]).is_err());
    let bad = Attrs::new().with("output_padding", ints(&[1, 2, 3]));
    assert!(build("conv2d_transpose", &bad).is_err());
}
