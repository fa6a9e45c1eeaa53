//! depthwise_conv1d/2d: the output rule, gradients and bad input (the
//! kernels' values are checked in `kernels::depthwise`).

use super::super::conv::tests::{check_grads, data, fwd, ints};
use super::super::spec::TensorSpec;
use super::super::{build, Attr, Attrs};

fn attrs(strides: &[i64], padding: &str, dilation: &[i64]) -> Attrs {
    Attrs::new()
        .with("strides", ints(strides))
        .with("padding", Attr::Str(padding.into()))
        .with("dilation_rate", ints(dilation))
}

#[test]
fn output_rule_keeps_unknown_sizes_and_multiplies_channels() {
    let op = build("depthwise_conv2d", &attrs(&[2], "same", &[1])).expect("build");
    let x = TensorSpec::new(vec![None, Some(7), None, Some(3)], super::DType::F32);
    let k = TensorSpec::f32(&[3, 3, 3, 2]);
    let y = op.output_spec(&[x, k]).expect("spec");
    assert_eq!(y.shape, vec![None, Some(4), None, Some(6)]);
    let x = data(&[2, 7, 5, 3], 1);
    let y = fwd(&op, &[x, data(&[3, 3, 3, 2], 2)]).expect("forward");
    assert_eq!(y.shape(), &[2, 4, 3, 6]);
}

#[test]
fn gradients_match_finite_differences() {
    let a = attrs(&[1, 2], "same", &[2, 1]);
    check_grads(
        "depthwise_conv2d",
        &a,
        &[data(&[2, 5, 4, 3], 1), data(&[2, 3, 3, 2], 2)],
        2e-2,
    );
    let a = attrs(&[2], "valid", &[1]);
    check_grads(
        "depthwise_conv1d",
        &a,
        &[data(&[2, 7, 4], 3), data(&[3, 4, 1], 4)],
        2e-2,
    );
}

#[test]
fn bad_input_is_refused_with_the_op_name() {
    let op = build("depthwise_conv2d", &attrs(&[1], "valid", &[1])).expect("build");
    let err = fwd(&op, &[data(&[1, 5, 5, 3], 1), data(&[3, 3, 4, 1], 2)])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("depthwise_conv2d") && err.contains("channels"),
        "{err}"
    );
    let err = fwd(&op, &[data(&[1, 2, 5, 3], 1), data(&[3, 3, 3, 1], 2)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("depthwise_conv2d"), "{err}");
    assert!(build("depthwise_conv1d", &attrs(&[0], "valid", &[1])).is_err());
    assert!(build("depthwise_conv1d", &attrs(&[1], "causal", &[1])).is_err());
}
