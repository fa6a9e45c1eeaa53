//! Fused plans against unfused ones: the same values and gradients bit for
//! bit, with the absorbed nodes left out, and no fusion where a value is
//! read twice or asked for.

use super::super::{backward, forward, store, Graph, NodeId, Plan};
use crate::ops::{build, Attr, Attrs, Context};
use crate::tensor::ValueView;
use ndarray::{ArrayD, IxDyn};

fn arr(shape: &[usize], f: impl Fn(usize) -> f32) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(f).collect()).unwrap()
}

fn op(graph: &mut Graph, name: &str, inputs: &[NodeId]) -> NodeId {
    graph
        .op(build(name, &Attrs::new()).unwrap(), inputs)
        .unwrap()
}

/// Values in [-1, 1) from a simple hash, exact zeros included.
fn noise(i: usize, salt: usize) -> f32 {
    (((i * 2_654_435_761 + salt * 40_503) % 2001) as f32 - 1000.0) / 1000.0
}

/// Runs `plan` forward and backward; returns the loss and the gradients of `wrt`.
fn run(
    graph: &Graph,
    plan: &Plan,
    x: NodeId,
    xv: &ArrayD<f32>,
    loss: NodeId,
    wrt: &[NodeId],
) -> (ArrayD<f32>, Vec<ArrayD<f32>>) {
    let feeds = [(x, ValueView::F32(xv.view()))];
    let vars = store::read().unwrap();
    let ctx = Context::default();
    let values = forward(graph, &vars, plan, &feeds, &ctx).unwrap();
    let grads = backward(graph, plan, &values, loss, None, wrt, &ctx).unwrap();
    (
        values.get(loss).unwrap().f32("t").unwrap().to_owned(),
        grads,
    )
}

/// dense(tanh) -> dense(relu, no bias) -> dense(linear) -> dense(sigmoid)
/// -> bias_add then softmax (not fusable), summed.
fn stack(graph: &mut Graph) -> (NodeId, Vec<NodeId>, NodeId) {
    let x = graph.input("x");
    let mut vars = Vec::new();
    let mut var = |graph: &mut Graph, shape: &[usize], salt: usize| {
        let v = graph
            .new_variable(arr(shape, |i| noise(i, salt) * 0.5), true, "v")
            .unwrap();
        vars.push(v);
        v
    };
    let (w1, b1) = (var(graph, &[6, 5], 1), var(graph, &[5], 2));
    let h = op(graph, "matmul", &[x, w1]);
    let h = op(graph, "bias_add", &[h, b1]);
    let h = op(graph, "tanh", &[h]);
    let w2 = var(graph, &[5, 4], 3);
    let h = op(graph, "matmul", &[h, w2]);
    let h = op(graph, "relu", &[h]);
    let (w3, b3) = (var(graph, &[4, 4], 4), var(graph, &[4], 5));
    let h = op(graph, "matmul", &[h, w3]);
    let h = op(graph, "bias_add", &[h, b3]);
    let (w4, b4) = (var(graph, &[4, 3], 6), var(graph, &[3], 7));
    let h = op(graph, "matmul", &[h, w4]);
    let h = op(graph, "bias_add", &[h, b4]);
    let h = op(graph, "sigmoid", &[h]);
    let (w5, b5) = (var(graph, &[3, 3], 8), var(graph, &[3], 9));
    let h = op(graph, "matmul", &[h, w5]);
    let h = op(graph, "bias_add", &[h, b5]);
    let h = op(graph, "softmax", &[h]);
    let loss = op(graph, "sum", &[h]);
    (x, vars, loss)
}

#[test]
fn fused_dense_stack_matches_the_unfused_graph_bit_for_bit() {
    let mut graph = Graph::new();
    let (x, vars, loss) = stack(&mut graph);
    let xv = arr(&[7, 6], |i| noise(i, 11));
    let plain = Plan::new(&graph, &[loss], true).unwrap();
    let fused = Plan::fused(&graph, &[loss], true, &[]).unwrap();
    // Five chains: 3 + 2 + 2 + 3 + 2 nodes become 5 steps.
    assert_eq!(plain.order.len() - fused.order.len(), 2 + 1 + 1 + 2 + 1);
    let mut wrt = vars.clone();
    wrt.push(x);
    let (l0, g0) = run(&graph, &plain, x, &xv, loss, &wrt);
    let (l1, g1) = run(&graph, &fused, x, &xv, loss, &wrt);
    assert_eq!(l0, l1);
    assert_eq!(g0, g1);
}

#[test]
fn fused_conv_relu_matches_the_unfused_graph_bit_for_bit() {
    let mut graph = Graph::new();
    let x = graph.input("x");
    let k = graph
        .new_variable(arr(&[3, 3, 2, 4], |i| noise(i, 3) * 0.4), true, "k")
        .unwrap();
    let b = graph
        .new_variable(arr(&[4], |i| noise(i, 4) * 0.1), true, "b")
        .unwrap();
    let mut attrs = Attrs::new();
    attrs.insert("padding", Attr::Str("same".into()));
    let h = graph.op(build("conv2d", &attrs).unwrap(), &[x, k]).unwrap();
    let h = op(&mut graph, "bias_add", &[h, b]);
    let h = op(&mut graph, "relu", &[h]);
    let loss = op(&mut graph, "sum", &[h]);
    // Zero inputs make exact-zero pre-activations: the kink must agree too.
    let xv = arr(
        &[3, 9, 9, 2],
        |i| if i % 3 == 0 { 0.0 } else { noise(i, 5) },
    );
    let plain = Plan::new(&graph, &[loss], true).unwrap();
    let fused = Plan::fused(&graph, &[loss], true, &[]).unwrap();
    assert_eq!(fused.order.len() + 2, plain.order.len());
    let (l0, g0) = run(&graph, &plain, x, &xv, loss, &[k, b, x]);
    let (l1, g1) = run(&graph, &fused, x, &xv, loss, &[k, b, x]);
    assert_eq!(l0, l1);
    assert_eq!(g0, g1);
}

#[test]
fn values_read_twice_or_asked_for_are_not_absorbed() {
    let mut graph = Graph::new();
    let x = graph.input("x");
    let w = graph
        .new_variable(arr(&[3, 3], |i| noise(i, 1)), true, "w")
        .unwrap();
    let b = graph
        .new_variable(arr(&[3], |i| noise(i, 2)), true, "b")
        .unwrap();
    let h = op(&mut graph, "matmul", &[x, w]);
    let biased = op(&mut graph, "bias_add", &[h, b]);
    let act = op(&mut graph, "relu", &[biased]);
    // `biased` has a second reader: only matmul + bias_add fuse, at `biased`.
    let both = op(&mut graph, "add", &[act, biased]);
    let loss = op(&mut graph, "sum", &[both]);
    let fused = Plan::fused(&graph, &[loss], true, &[]).unwrap();
    assert!(!fused.order.contains(&h));
    assert!(fused.order.contains(&biased) && fused.order.contains(&act));
    // Asked for as an output (or a gradient target), nothing in the chain goes.
    let kept = Plan::fused(&graph, &[loss, h], true, &[]).unwrap();
    assert!(kept.order.contains(&h));
    let targeted = Plan::fused(&graph, &[loss], true, &[h]).unwrap();
    assert!(targeted.order.contains(&h));
    let xv = arr(&[2, 3], |i| noise(i, 7));
    let plain = Plan::new(&graph, &[loss], true).unwrap();
    assert_eq!(
        run(&graph, &plain, x, &xv, loss, &[w, b]),
        run(&graph, &fused, x, &xv, loss, &[w, b])
    );
    let (_, g) = run(&graph, &targeted, x, &xv, loss, &[h]);
    let (_, g_plain) = run(&graph, &plain, x, &xv, loss, &[h]);
    assert_eq!(g, g_plain);
}

#[test]
fn a_forward_only_fused_plan_frees_and_returns_the_same_values() {
    let mut graph = Graph::new();
    let (x, _, loss) = stack(&mut graph);
    let xv = arr(&[5, 6], |i| noise(i, 3));
    let feeds = [(x, ValueView::F32(xv.view()))];
    let vars = store::read().unwrap();
    let ctx = Context::default();
    let mut outs = Vec::new();
    for plan in [
        Plan::new(&graph, &[loss], false),
        Plan::fused(&graph, &[loss], false, &[]),
    ] {
        let mut values = forward(&graph, &vars, &plan.unwrap(), &feeds, &ctx).unwrap();
        outs.push(values.take(loss).unwrap().into_f32("t").unwrap());
    }
    assert_eq!(outs[0], outs[1]);
}

#[test]
fn a_bias_of_the_wrong_length_is_refused_as_unfused() {
    let mut graph = Graph::new();
    let x = graph.input("x");
    let w = graph
        .new_variable(arr(&[3, 4], |i| noise(i, 1)), true, "w")
        .unwrap();
    let b = graph
        .new_variable(arr(&[3], |i| noise(i, 2)), true, "b")
        .unwrap();
    let h = op(&mut graph, "matmul", &[x, w]);
    let h = op(&mut graph, "bias_add", &[h, b]);
    let h = op(&mut graph, "relu", &[h]);
    let xv = arr(&[2, 3], |i| noise(i, 3));
    let feeds = [(x, ValueView::F32(xv.view()))];
    let vars = store::read().unwrap();
    let ctx = Context::default();
    for plan in [
        Plan::new(&graph, &[h], false),
        Plan::fused(&graph, &[h], false, &[]),
    ] {
        let err = forward(&graph, &vars, &plan.unwrap(), &feeds, &ctx)
            .err()
            .unwrap();
        let msg = err.to_string();
        assert!(msg.contains("bias_add") && msg.contains("(3,)"), "{msg}");
    }
}
