//! float64 at the op boundary: ops with float64 kernels compute in float64
//! (to a precision float32 cannot reach), the others compute in float32 as
//! before, and gradients through the tape stay float64.

use super::*;
use crate::graph::Tape;
use crate::ops::{build, registry, Attrs, Context, Float64};
use ndarray::{ArrayD, IxDyn};

fn f64s(shape: &[usize], f: impl Fn(usize) -> f64) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(f).collect()).unwrap()
}

fn run(name: &str, attrs: &Attrs, inputs: &[Value]) -> Value {
    let op = build(name, attrs).unwrap();
    let views: Vec<ValueView> = inputs.iter().map(Value::view).collect();
    forward(op.as_ref(), &views, &Context::default()).unwrap()
}

/// 1 + 1e-10 is 1 in float32: a float32 sum would lose the 1e-10.
#[test]
fn add_computes_in_float64() {
    let a = f64s(&[2, 3], |i| 1.0 + i as f64);
    let b = f64s(&[3], |i| 1e-10 * (i + 1) as f64);
    let out = run(
        "add",
        &Attrs::new(),
        &[Value::F64(a.clone()), Value::F64(b.clone())],
    )
    .into_f64("test")
    .unwrap();
    for ((i, j), want) in [((0, 0), 1.0 + 1e-10), ((1, 2), 6.0 + 3e-10)] {
        assert_eq!(out[[i, j]], want);
    }
    // The same sums in float32 miss by far more than float64's rounding.
    let narrow = (1.0f32 + 1e-10f32) as f64;
    assert!((narrow - (1.0 + 1e-10)).abs() > 1e-11);
}

#[test]
fn mixed_float_inputs_promote_to_float64() {
    let a = ArrayD::from_elem(IxDyn(&[2]), 0.5f32);
    let b = f64s(&[2], |_| 0.25 + 1e-12);
    let out = run("mul", &Attrs::new(), &[Value::F32(a), Value::F64(b)]);
    assert_eq!(out, Value::F64(f64s(&[2], |_| 0.125 + 0.5e-12)));
}

/// A shuffle's seed input is the float32 pair of a SeedGenerator.
fn seed() -> Value {
    Value::F32(ArrayD::from_shape_vec(IxDyn(&[2]), vec![3.0, 0.0]).unwrap())
}

#[test]
fn ops_without_float64_kernels_compute_in_float32() {
    let x = f64s(&[3, 1], |i| i as f64 - 1.0 + 1e-12);
    let attrs = Attrs::new();
    let out = run("random_shuffle", &attrs, &[seed(), Value::F64(x.clone())]);
    let x32 = Value::F32(x.mapv(|v| v as f32));
    assert_eq!(out, run("random_shuffle", &attrs, &[seed(), x32]));
    let shuffle = build("random_shuffle", &attrs).unwrap();
    assert_eq!(shuffle.float64(), Float64::Narrowed);
}

#[test]
fn specs_say_float64_where_it_is_computed() {
    let f64_spec = TensorSpec::new(vec![None, Some(4)], DType::F64);
    let f32_spec = TensorSpec::new(vec![Some(4)], DType::F32);
    let add = build("add", &Attrs::new()).unwrap();
    let out = output_spec(add.as_ref(), &[f64_spec.clone(), f32_spec]).unwrap();
    assert_eq!(out, TensorSpec::new(vec![None, Some(4)], DType::F64));
    let shuffle = build("random_shuffle", &Attrs::new()).unwrap();
    let seed_spec = TensorSpec::new(vec![Some(2)], DType::F32);
    let f64_3d = TensorSpec::new(vec![None, Some(4), Some(2)], DType::F64);
    let out = output_spec(shuffle.as_ref(), &[seed_spec, f64_3d]).unwrap();
    assert_eq!(out.dtype, DType::F32);
    let mut attrs = Attrs::new();
    attrs.insert("dtype", crate::ops::Attr::Str("float32".into()));
    let cast = build("cast", &attrs).unwrap();
    assert_eq!(
        output_spec(cast.as_ref(), &[f64_spec]).unwrap().dtype,
        DType::F32
    );
}

#[test]
fn matmul_matches_a_float64_loop() {
    let a = f64s(&[2, 3, 4], |i| (i as f64).sin() + 1e-9);
    let b = f64s(&[4, 5], |i| (i as f64).cos() - 1e-9);
    let out = run(
        "matmul",
        &Attrs::new(),
        &[Value::F64(a.clone()), Value::F64(b.clone())],
    )
    .into_f64("test")
    .unwrap();
    assert_eq!(out.shape(), &[2, 3, 5]);
    for (n, i, j) in [(0, 0, 0), (1, 2, 4), (1, 1, 3)] {
        let want: f64 = (0..4).map(|k| a[[n, i, k]] * b[[k, j]]).sum();
        assert!(
            (out[[n, i, j]] - want).abs() < 1e-14,
            "{} vs {want}",
            out[[n, i, j]]
        );
    }
}

#[test]
fn cast_converts_between_float_types() {
    let mut attrs = Attrs::new();
    attrs.insert("dtype", crate::ops::Attr::Str("float64".into()));
    let x = ArrayD::from_elem(IxDyn(&[2]), 0.1f32);
    let out = run("cast", &attrs, &[Value::F32(x)]);
    assert_eq!(
        out,
        Value::F64(ArrayD::from_elem(IxDyn(&[2]), f64::from(0.1f32)))
    );
}

/// d/dx sum(x * y + exp(x)) = y + exp(x), and d/dy = x, all in float64.
#[test]
fn tape_gradients_stay_float64() {
    let x = f64s(&[2, 2], |i| 0.1 * i as f64 + 1e-9);
    let y = f64s(&[2], |i| 2.0 - i as f64 * 1e-9);
    let mut tape = Tape::new(Context::default());
    let (xn, yn) = (
        tape.leaf(Value::F64(x.clone())),
        tape.leaf(Value::F64(y.clone())),
    );
    let prod = tape
        .apply(build("mul", &Attrs::new()).unwrap(), &[xn, yn])
        .unwrap();
    let ex = tape
        .apply(build("exp", &Attrs::new()).unwrap(), &[xn])
        .unwrap();
    let s = tape
        .apply(build("add", &Attrs::new()).unwrap(), &[prod, ex])
        .unwrap();
    let loss = tape
        .apply(build("sum", &Attrs::new()).unwrap(), &[s])
        .unwrap();
    let grads = tape.gradient(loss, None, &[xn, yn]).unwrap();
    let gx = grads[0].clone().into_f64("test").unwrap();
    let gy = grads[1].clone().into_f64("test").unwrap();
    for i in 0..2 {
        for j in 0..2 {
            let want = y[[j]] + x[[i, j]].exp();
            assert!((gx[[i, j]] - want).abs() < 1e-14);
        }
        let want = x[[0, i]] + x[[1, i]];
        assert!((gy[[i]] - want).abs() < 1e-15);
    }
}

/// A float32 leaf meeting float64 data gets a float32 gradient.
#[test]
fn gradients_come_back_in_each_input_type() {
    let w = ArrayD::from_elem(IxDyn(&[2]), 0.5f32);
    let x = f64s(&[2], |i| 1.0 + i as f64 * 1e-10);
    let mut tape = Tape::new(Context::default());
    let (wn, xn) = (tape.leaf(Value::F32(w)), tape.leaf(Value::F64(x.clone())));
    let prod = tape
        .apply(build("mul", &Attrs::new()).unwrap(), &[wn, xn])
        .unwrap();
    let loss = tape
        .apply(build("sum", &Attrs::new()).unwrap(), &[prod])
        .unwrap();
    let grads = tape.gradient(loss, None, &[wn, xn]).unwrap();
    assert_eq!(grads[0], Value::F32(x.mapv(|v| v as f32)));
    assert_eq!(grads[1], Value::F64(ArrayD::from_elem(IxDyn(&[2]), 0.5)));
}

#[test]
fn the_registry_states_float64_support() {
    let computed: Vec<&str> = registry::all()
        .into_iter()
        .filter(|i| {
            (i.build)(i.name, &i.example_attrs()).is_ok_and(|op| op.float64() == Float64::Computed)
        })
        .map(|i| i.name)
        .collect();
    for name in [
        "add",
        "exp",
        "sum",
        "matmul",
        "reshape",
        "concat",
        "pad",
        "where",
        "relu",
        "gelu",
        "softmax",
        "conv2d",
        "lstm_scan",
        "gru_scan",
        "simple_rnn_scan",
        "time_last",
        "dot_product_attention",
        "inv",
        "solve",
        "cholesky",
        "qr_packed",
        "eigh_packed",
        "svd_packed",
    ] {
        assert!(computed.contains(&name), "{name} should compute in float64");
    }
    for name in [
        "global_avg_pool1d",
        "global_max_pool2d",
        "segment_sum",
        "dropout",
    ] {
        assert!(computed.contains(&name), "{name} should compute in float64");
    }
    assert!(!computed.contains(&"random_shuffle"));
}

/// A float64 Dense chain (matmul, bias_add, relu) in a fused plan runs op
/// by op in float64: the fused kernels are float32 only.
#[test]
fn fused_plans_leave_float64_chains_in_float64() {
    use crate::graph::{forward, store, Graph, Plan};
    let mut graph = Graph::new();
    let spec = TensorSpec::new(vec![None, Some(3)], DType::F64);
    let x = graph.input_with_spec("x", Some(spec));
    let w = graph.constant(Value::F64(f64s(&[3, 2], |i| 0.1 * i as f64 - 0.2)));
    let b = graph.constant(Value::F64(f64s(&[2], |i| 1e-10 * (i + 1) as f64)));
    let h = graph
        .op(build("matmul", &Attrs::new()).unwrap(), &[x, w])
        .unwrap();
    let h = graph
        .op(build("bias_add", &Attrs::new()).unwrap(), &[h, b])
        .unwrap();
    let y = graph
        .op(build("relu", &Attrs::new()).unwrap(), &[h])
        .unwrap();
    assert_eq!(graph.spec(y).unwrap().map(|s| s.dtype), Some(DType::F64));
    let plan = Plan::fused(&graph, &[y], false, &[]).unwrap();
    let xv = f64s(&[2, 3], |i| 1.0 + i as f64);
    let feeds = [(x, ValueView::F64(xv.view()))];
    let vars = store::read().unwrap();
    let mut values = forward(&graph, &vars, &plan, &feeds, &Context::default()).unwrap();
    let out = values.take(y).unwrap().into_f64("test").unwrap();
    for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        let dot: f64 = (0..3)
            .map(|k| xv[[i, k]] * (0.1 * (2 * k + j) as f64 - 0.2))
            .sum();
        let want = (dot + 1e-10 * (j + 1) as f64).max(0.0);
        assert!(
            (out[[i, j]] - want).abs() < 1e-15,
            "{} vs {want}",
            out[[i, j]]
        );
    }
}

/// Attributes reach the float64 kernels as given (0.2, not float32's
/// 0.2000000029...), and gelu's erf is float64's.
#[test]
fn activations_use_float64_constants() {
    let x = Value::F64(f64s(&[2], |i| if i == 0 { -1.0 } else { 1.0 }));
    let leaky = run("leaky_relu", &Attrs::new(), std::slice::from_ref(&x))
        .into_f64("test")
        .unwrap();
    assert_eq!(leaky[[0]], -0.2);
    let gelu = run("gelu", &Attrs::new(), std::slice::from_ref(&x))
        .into_f64("test")
        .unwrap();
    // x * Phi(x) at 1 (Phi(1) = 0.841344746068542948...).
    assert!((gelu[[1]] - 0.841_344_746_068_543).abs() < 1e-15);
    let softmax = run("softmax", &Attrs::new(), &[x])
        .into_f64("test")
        .unwrap();
    let e2 = (2.0f64).exp();
    assert!((softmax[[1]] - e2 / (1.0 + e2)).abs() < 1e-15);
}

/// argmax and argsort order float64 input by its float64 values (1 + 1e-12
/// and 1 are one float32), and give float32 positions.
#[test]
fn index_ops_compare_float64_values() {
    let x = Value::F64(f64s(&[3], |i| [1.0, 1.0 + 1e-12, 1.0 - 1e-12][i]));
    let mut attrs = Attrs::new();
    attrs.insert("axis", crate::ops::Attr::Int(0));
    let arg = run("argmax", &attrs, std::slice::from_ref(&x));
    assert_eq!(arg, Value::F32(ArrayD::from_elem(IxDyn(&[]), 1.0)));
    let order = run("argsort", &attrs, std::slice::from_ref(&x));
    assert_eq!(
        order,
        Value::F32(ArrayD::from_shape_vec(IxDyn(&[3]), vec![2.0, 0.0, 1.0]).unwrap())
    );
    let sorted = run("sort", &attrs, std::slice::from_ref(&x));
    assert_eq!(
        sorted,
        Value::F64(f64s(&[3], |i| [1.0 - 1e-12, 1.0, 1.0 + 1e-12][i]))
    );
    // Target 0 scores 1; 1 + 1e-12 beats it in float64 (not in float32).
    let preds = Value::F64(f64s(&[1, 3], |i| [1.0, 1.0 + 1e-12, 1.0 - 1e-12][i]));
    let target = Value::I64(ArrayD::from_elem(IxDyn(&[1]), 0));
    let mut k1 = Attrs::new();
    k1.insert("k", crate::ops::Attr::Int(1));
    let hit = run("in_top_k", &k1, &[target.clone(), preds.clone()]);
    assert_eq!(hit, Value::F32(ArrayD::from_elem(IxDyn(&[1]), 0.0)));
    let narrow = Value::F32(preds.into_f64("test").unwrap().mapv(|v| v as f32));
    let hit32 = run("in_top_k", &k1, &[target, narrow]);
    assert_eq!(hit32, Value::F32(ArrayD::from_elem(IxDyn(&[1]), 1.0)));
    for op in ["argmax", "argsort"] {
        let op = build(op, &attrs).unwrap();
        let spec = TensorSpec::new(vec![Some(3)], DType::F64);
        assert_eq!(output_spec(op.as_ref(), &[spec]).unwrap().dtype, DType::F32);
    }
}
