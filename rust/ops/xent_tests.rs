//! The fused cross-entropy in float64: the loss and both inputs' gradients
//! in float64, to a precision float32 cannot reach.

use super::*;
use crate::ops::boundary;
use ndarray::arr2;

fn logits() -> ArrayD<f64> {
    // Rows whose logits differ by 1e-9: float32 cannot tell them apart.
    arr2(&[[0.3, 0.3 + 1e-9, -1.2], [2.0, -0.5, 1e-9]]).into_dyn()
}

fn log_softmax_rows(m: &ArrayD<f64>) -> Vec<Vec<f64>> {
    m.rows()
        .into_iter()
        .map(|r| {
            let max = r.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            let lse = r.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max;
            r.iter().map(|v| v - lse).collect()
        })
        .collect()
}

fn close(got: f64, want: f64) {
    assert!((got - want).abs() <= 1e-15 * want.abs().max(1.0), "{got} vs {want}");
}

#[test]
fn sparse_and_dense_labels_compute_in_float64() {
    let op = SoftmaxCrossEntropy;
    let ctx = Context::default();
    let ids = Value::I64(ndarray::arr1(&[1i64, 2]).into_dyn());
    let probs = Value::F64(arr2(&[[0.25, 0.75, 0.0], [0.5, 0.0, 0.5]]).into_dyn());
    let x = Value::F64(logits());
    let logp = log_softmax_rows(&logits());
    let sparse = boundary::forward(&op, &[x.view(), ids.view()], &ctx)
        .unwrap()
        .into_f64("test")
        .unwrap();
    close(sparse[[0]], -logp[0][1]);
    close(sparse[[1]], -logp[1][2]);
    let dense = boundary::forward(&op, &[x.view(), probs.view()], &ctx)
        .unwrap()
        .into_f64("test")
        .unwrap();
    close(dense[[0]], -(0.25 * logp[0][0] + 0.75 * logp[0][1]));
    close(dense[[1]], -(0.5 * logp[1][0] + 0.5 * logp[1][2]));
    // Float32 logits keep the float32 kernel and result.
    let x32 = Value::F32(logits().mapv(|v| v as f32));
    let out32 = boundary::forward(&op, &[x32.view(), ids.view()], &ctx).unwrap();
    assert!(matches!(out32, Value::F32(_)));
}

#[test]
fn gradients_are_softmax_minus_labels_in_float64() {
    let op = SoftmaxCrossEntropy;
    let ctx = Context::default();
    let x = Value::F64(logits());
    let ids = Value::I64(ndarray::arr1(&[1i64, 2]).into_dyn());
    let inputs = [x.view(), ids.view()];
    let out = boundary::forward(&op, &inputs, &ctx).unwrap();
    let seed = Value::F64(ndarray::arr1(&[1.0, 0.5]).into_dyn());
    let grads = boundary::backward(&op, &inputs, out.view(), seed, &ctx, &[true, false]).unwrap();
    let Some(Value::F64(g)) = &grads[0] else {
        panic!("expected a float64 gradient, got {:?}", grads[0]);
    };
    let logp = log_softmax_rows(&logits());
    for (r, (label, scale)) in [(1usize, 1.0f64), (2, 0.5)].into_iter().enumerate() {
        for c in 0..3 {
            let hot = if c == label { 1.0 } else { 0.0 };
            close(g[[r, c]], (logp[r][c].exp() - hot) * scale);
        }
    }
}
