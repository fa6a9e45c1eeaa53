//! batch_norm at inference fused into plans without a backward pass: into a
//! convolution's or matmul's epilogue (with its bias and the activation
//! after it, past a channels-first layer's transpose), or with the
//! activation alone; the same values as the unfused plan bit for bit, in
//! either channel layout, and no fusion where a value
//! is read twice or a backward pass follows.

use super::super::{backward, forward, store, Graph, NodeId, Plan};
use crate::ops::{
    build, Attr, Attrs, Context, DType, FixedNorm, FusedLinear, FusedNorm, Primitive, TensorSpec,
};
use crate::tensor::ValueView;
use ndarray::{ArrayD, IxDyn};
use std::sync::Arc;

fn arr(shape: &[usize], f: impl Fn(usize) -> f32) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(f).collect()).unwrap()
}

/// Values in [-1, 1) from a simple hash, exact zeros included.
fn noise(i: usize, salt: usize) -> f32 {
    (((i * 2_654_435_761 + salt * 40_503) % 2001) as f32 - 1000.0) / 1000.0
}

fn op_with(graph: &mut Graph, name: &str, attrs: &[(&str, Attr)], inputs: &[NodeId]) -> NodeId {
    let mut a = Attrs::new();
    for (k, v) in attrs {
        a.insert(k, v.clone());
    }
    graph.op(build(name, &a).unwrap(), inputs).unwrap()
}

/// An input of `shape` with an unknown batch size, as models declare them.
fn input(graph: &mut Graph, shape: &[usize]) -> NodeId {
    let mut dims: Vec<Option<usize>> = shape.iter().map(|&d| Some(d)).collect();
    dims[0] = None;
    graph.input_with_spec("x", Some(TensorSpec::new(dims, DType::F32)))
}

fn var(graph: &mut Graph, shape: &[usize], f: impl Fn(usize) -> f32) -> NodeId {
    graph.new_variable(arr(shape, f), true, "v").unwrap()
}

/// batch_norm over `axis` of a `c`-channel input with moving statistics
/// (gamma, beta, mean, positive variance); `training` as the layer traces it.
fn batch_norm(graph: &mut Graph, x: NodeId, c: usize, axis: i64, training: bool) -> NodeId {
    let gamma = var(graph, &[c], |i| 1.0 + noise(i, 21) * 0.5);
    let beta = var(graph, &[c], |i| noise(i, 22) * 0.3);
    let mean = var(graph, &[c], |i| noise(i, 23) * 0.2);
    let variance = var(graph, &[c], |i| 0.5 + noise(i, 24).abs());
    op_with(
        graph,
        "batch_norm",
        &[
            ("axis", Attr::Int(axis)),
            ("training", Attr::Bool(training)),
        ],
        &[x, gamma, beta, mean, variance],
    )
}

fn conv(graph: &mut Graph, x: NodeId, cin: usize, cout: usize, bias: bool) -> NodeId {
    let k = var(graph, &[3, 3, cin, cout], |i| noise(i, 3) * 0.4);
    let h = op_with(
        graph,
        "conv2d",
        &[("padding", Attr::Str("same".into()))],
        &[x, k],
    );
    if !bias {
        return h;
    }
    let b = var(graph, &[cout], |i| noise(i, 4) * 0.1);
    op_with(graph, "bias_add", &[], &[h, b])
}

/// Runs `plan` forward; the value of `out`.
fn value(graph: &Graph, plan: &Plan, x: NodeId, xv: &ArrayD<f32>, out: NodeId) -> ArrayD<f32> {
    let feeds = [(x, ValueView::F32(xv.view()))];
    let vars = store::read().unwrap();
    let mut values = forward(graph, &vars, plan, &feeds, &Context::default()).unwrap();
    values.take(out).unwrap().into_f32("t").unwrap()
}

/// The unfused and fused forward-only plans of `out`: equal values, and the
/// fused plan `saved` steps shorter.
fn check_fused(graph: &Graph, x: NodeId, xv: &ArrayD<f32>, out: NodeId, saved: usize) {
    let plain = Plan::new(graph, &[out], false).unwrap();
    let fused = Plan::fused(graph, &[out], false, &[]).unwrap();
    assert_eq!(plain.order.len() - fused.order.len(), saved);
    assert_eq!(
        value(graph, &plain, x, xv, out),
        value(graph, &fused, x, xv, out)
    );
}

fn image(shape: &[usize]) -> ArrayD<f32> {
    // Zeros make exact-zero pre-activations: the kinks must agree too.
    arr(shape, |i| if i % 5 == 0 { 0.0 } else { noise(i, 5) })
}

#[test]
fn conv_bias_norm_activation_is_one_step_bit_for_bit() {
    for act in ["relu", "sigmoid", "silu", "gelu", "tanh"] {
        let mut graph = Graph::new();
        let x = input(&mut graph, &[2, 7, 6, 3]);
        let h = conv(&mut graph, x, 3, 5, true);
        let h = batch_norm(&mut graph, h, 5, -1, false);
        let h = op_with(&mut graph, act, &[], &[h]);
        // conv, bias_add, batch_norm and the activation: one step.
        check_fused(&graph, x, &image(&[2, 7, 6, 3]), h, 3);
    }
}

#[test]
fn relu6_and_a_positive_axis_fold_into_a_conv_without_bias() {
    let mut graph = Graph::new();
    let x = input(&mut graph, &[2, 6, 6, 4]);
    let h = conv(&mut graph, x, 4, 8, false);
    // Keras applications pass axis=3 for channels-last images.
    let h = batch_norm(&mut graph, h, 8, 3, false);
    let h = op_with(&mut graph, "relu", &[("max_value", Attr::Float(6.0))], &[h]);
    let xv = image(&[2, 6, 6, 4]).mapv(|v| v * 8.0);
    check_fused(&graph, x, &xv, h, 2);
}

#[test]
fn dense_then_norm_folds_without_an_activation() {
    let mut graph = Graph::new();
    let x = input(&mut graph, &[9, 6]);
    let w = var(&mut graph, &[6, 4], |i| noise(i, 1));
    let h = op_with(&mut graph, "matmul", &[], &[x, w]);
    let h = batch_norm(&mut graph, h, 4, -1, false);
    check_fused(&graph, x, &image(&[9, 6]), h, 1);
}

fn to_channels_first(graph: &mut Graph, h: NodeId) -> NodeId {
    op_with(
        graph,
        "transpose",
        &[("axes", Attr::Ints(vec![0, 3, 1, 2]))],
        &[h],
    )
}

#[test]
fn channels_first_norms_fold_into_the_conv_before_the_transpose() {
    for (bias, act) in [(true, "silu"), (false, "relu")] {
        let mut graph = Graph::new();
        let x = input(&mut graph, &[2, 5, 7, 3]);
        let h = conv(&mut graph, x, 3, 4, bias);
        // Channels-first layers transpose their channels-last result back.
        let h = to_channels_first(&mut graph, h);
        let h = batch_norm(&mut graph, h, 4, 1, false);
        let h = op_with(&mut graph, act, &[], &[h]);
        // One step: conv, bias_add, batch_norm and the activation over the
        // channels-last rows, then the transpose.
        let saved = if bias { 4 } else { 3 };
        check_fused(&graph, x, &image(&[2, 5, 7, 3]), h, saved);
    }
}

#[test]
fn channels_first_norm_and_activation_are_one_step_without_a_conv() {
    let mut graph = Graph::new();
    let x = input(&mut graph, &[2, 5, 7, 3]);
    let h = conv(&mut graph, x, 3, 4, true);
    let t = to_channels_first(&mut graph, h);
    let n = batch_norm(&mut graph, t, 4, 1, false);
    let a = op_with(&mut graph, "silu", &[], &[n]);
    // The transposed value is read again: it stays, and batch_norm + silu
    // are one step over the channels-first layout (conv + bias_add fuse).
    let out = op_with(&mut graph, "add", &[], &[a, t]);
    let fused = Plan::fused(&graph, &[out], false, &[]).unwrap();
    assert!(fused.order.contains(&t) && !fused.order.contains(&n));
    check_fused(&graph, x, &image(&[2, 5, 7, 3]), out, 2);
}

#[test]
fn shared_values_block_the_fusion_that_would_absorb_them() {
    let mut graph = Graph::new();
    let x = graph.input("x");
    let h = conv(&mut graph, x, 3, 4, false);
    let n = batch_norm(&mut graph, h, 4, -1, false);
    let a = op_with(&mut graph, "relu", &[], &[n]);
    // The conv's output is read again: batch_norm + relu fuse, not the conv.
    let out = op_with(&mut graph, "add", &[], &[a, h]);
    let fused = Plan::fused(&graph, &[out], false, &[]).unwrap();
    assert!(fused.order.contains(&h) && !fused.order.contains(&n));
    check_fused(&graph, x, &image(&[2, 5, 5, 3]), out, 1);

    // The normalized value is read again: conv + batch_norm fuse, the relu
    // stays a step of its own.
    let mut graph = Graph::new();
    let x = input(&mut graph, &[2, 5, 5, 3]);
    let h = conv(&mut graph, x, 3, 4, true);
    let n = batch_norm(&mut graph, h, 4, -1, false);
    let a = op_with(&mut graph, "relu", &[], &[n]);
    let out = op_with(&mut graph, "add", &[], &[a, n]);
    let fused = Plan::fused(&graph, &[out], false, &[]).unwrap();
    assert!(fused.order.contains(&n) && fused.order.contains(&a));
    check_fused(&graph, x, &image(&[2, 5, 5, 3]), out, 2);

    // Asked for as an output: nothing absorbs it.
    let kept = Plan::fused(&graph, &[out, n], false, &[]).unwrap();
    assert!(kept.order.contains(&n));
}

#[test]
fn training_norms_and_plans_with_a_backward_pass_are_not_fused() {
    let mut graph = Graph::new();
    let x = graph.input("x");
    let h = conv(&mut graph, x, 3, 4, true);
    let bn_training = batch_norm(&mut graph, h, 4, -1, true);
    let a = op_with(&mut graph, "relu", &[], &[bn_training]);
    // Batch statistics: only conv + bias_add fuse, even forward-only.
    let fused = Plan::fused(&graph, &[a], false, &[]).unwrap();
    assert!(fused.order.contains(&bn_training) && fused.order.contains(&a));

    let mut graph = Graph::new();
    let x = input(&mut graph, &[2, 4, 4, 3]);
    let h = conv(&mut graph, x, 3, 4, true);
    let n = batch_norm(&mut graph, h, 4, -1, false);
    let a = op_with(&mut graph, "silu", &[], &[n]);
    let loss = op_with(&mut graph, "sum", &[], &[a]);
    // A training plan keeps batch_norm (and silu, whose derivative needs
    // its input) as they are, and its gradients with them.
    let kept = Plan::fused(&graph, &[loss], true, &[]).unwrap();
    assert!(kept.order.contains(&n) && kept.order.contains(&a));
    let plain = Plan::new(&graph, &[loss], true).unwrap();
    let xv = image(&[2, 4, 4, 3]);
    let feeds = [(x, ValueView::F32(xv.view()))];
    let vars = store::read().unwrap();
    let ctx = Context::default();
    let grads = |plan: &Plan| {
        let values = forward(&graph, &vars, plan, &feeds, &ctx).unwrap();
        backward(&graph, plan, &values, loss, None, &[x], &ctx).unwrap()
    };
    assert_eq!(grads(&plain), grads(&kept));
}

#[test]
fn fused_norm_backward_matches_the_unfused_rules() {
    let norm = FixedNorm {
        axis: 1,
        epsilon: 1e-3,
    };
    let relu = build("relu", &Attrs::new()).unwrap();
    let Some(act) = (match relu.fusion() {
        crate::ops::Fusion::Activation(a) => Some(a),
        _ => None,
    }) else {
        panic!("relu is a fusable activation");
    };
    let fused = FusedNorm::new(norm, Some(act));
    let mut attrs = Attrs::new();
    attrs.insert("axis", Attr::Int(1));
    attrs.insert("training", Attr::Bool(false));
    let bn = build("batch_norm", &attrs).unwrap();
    let x = image(&[2, 3, 4]);
    let params: Vec<ArrayD<f32>> = (0..4)
        .map(|k| arr(&[3], |i| 0.5 + noise(i, 30 + k).abs()))
        .collect();
    let views: Vec<ValueView> = std::iter::once(&x)
        .chain(&params)
        .map(|a| ValueView::F32(a.view()))
        .collect();
    let ctx = Context::default();
    let g = arr(&[2, 3, 4], |i| noise(i, 40));
    let y = fused.forward(&views, &ctx).unwrap().into_f32("t").unwrap();
    let z = bn.forward(&views, &ctx).unwrap().into_f32("t").unwrap();
    let r = relu
        .forward(&[ValueView::F32(z.view())], &ctx)
        .unwrap()
        .into_f32("t")
        .unwrap();
    assert_eq!(y, r);
    let fused_grads = fused.backward(&views, y.view(), g.view(), &ctx).unwrap();
    let gz = relu
        .backward(&[ValueView::F32(z.view())], r.view(), g.view(), &ctx)
        .unwrap();
    let gz = gz[0].clone().unwrap();
    let plain_grads = bn.backward(&views, z.view(), gz.view(), &ctx).unwrap();
    assert_eq!(fused_grads, plain_grads);
}

#[test]
fn a_fused_norm_in_a_linear_step_has_no_backward_and_checks_its_channels() {
    let norm = FixedNorm {
        axis: -1,
        epsilon: 1e-3,
    };
    let fused =
        FusedLinear::new(build("matmul", &Attrs::new()).unwrap(), false, None).with_norm(norm);
    let x = image(&[2, 3]);
    let w = arr(&[3, 4], |i| noise(i, 1));
    // Three channels of statistics for a four-column result.
    let p = arr(&[3], |i| 1.0 + noise(i, 2).abs());
    let views: Vec<ValueView> = [&x, &w, &p, &p, &p, &p]
        .iter()
        .map(|a| ValueView::F32(a.view()))
        .collect();
    let ctx = Context::default();
    let msg = fused.forward(&views, &ctx).err().unwrap().to_string();
    assert!(
        msg.contains("batch_norm") && msg.contains("(2, 4)"),
        "{msg}"
    );
    let fused: Arc<dyn Primitive> = Arc::new(fused);
    let y = arr(&[2, 4], |_| 0.0);
    let msg = fused
        .backward(&views, y.view(), y.view(), &ctx)
        .err()
        .unwrap()
        .to_string();
    assert!(msg.contains("inference only"), "{msg}");
}
