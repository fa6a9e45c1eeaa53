//! Executor and tape tests: forward values, gradients by chain rule against
//! finite differences, early frees, and error paths.

use super::*;
use crate::ops::{build, Attrs, Context};
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, IxDyn};

fn arr(shape: &[usize], f: impl Fn(usize) -> f32) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(f).collect()).unwrap()
}

fn mlp(graph: &mut Graph) -> (NodeId, NodeId, NodeId, NodeId) {
    let x = graph.input("x");
    let w = graph
        .new_variable(arr(&[3, 2], |i| (i as f32 - 2.5) * 0.3), true, "w")
        .unwrap();
    let b = graph
        .new_variable(arr(&[2], |i| i as f32 * 0.1), true, "b")
        .unwrap();
    let h = graph
        .op(build("matmul", &Attrs::new()).unwrap(), &[x, w])
        .unwrap();
    let h = graph
        .op(build("bias_add", &Attrs::new()).unwrap(), &[h, b])
        .unwrap();
    let h = graph
        .op(build("tanh", &Attrs::new()).unwrap(), &[h])
        .unwrap();
    let loss = graph
        .op(build("sum", &Attrs::new()).unwrap(), &[h])
        .unwrap();
    (x, w, b, loss)
}

fn loss_at(graph: &Graph, x: NodeId, xv: &ArrayD<f32>, loss: NodeId) -> f32 {
    let plan = Plan::new(graph, &[loss], false).unwrap();
    let feeds = [(x, ValueView::F32(xv.view()))];
    let vars = store::read().unwrap();
    let mut values = forward(graph, &vars, &plan, &feeds, &Context::default()).unwrap();
    values.take(loss).unwrap().into_f32("t").unwrap().sum()
}

#[test]
fn gradients_match_finite_differences() {
    let mut graph = Graph::new();
    let (x, w, b, loss) = mlp(&mut graph);
    let xv = arr(&[4, 3], |i| ((i * 7) % 5) as f32 * 0.2 - 0.4);
    let plan = Plan::new(&graph, &[loss], true).unwrap();
    let ctx = Context::default();
    let grads = {
        let feeds = [(x, ValueView::F32(xv.view()))];
        let vars = store::read().unwrap();
        let values = forward(&graph, &vars, &plan, &feeds, &ctx).unwrap();
        backward(&graph, &plan, &values, loss, None, &[w, b, x], &ctx).unwrap()
    };
    for (k, &id) in [w, b].iter().enumerate() {
        let var = graph.var_id(id).unwrap();
        let base = store::read().unwrap().get(var).unwrap().clone();
        for i in 0..base.len() {
            let eps = 1e-2f32;
            let mut plus = base.clone();
            plus.as_slice_mut().unwrap()[i] += eps;
            let mut minus = base.clone();
            minus.as_slice_mut().unwrap()[i] -= eps;
            store::write().unwrap().set(var, plus, "p").unwrap();
            let lp = loss_at(&graph, x, &xv, loss);
            store::write().unwrap().set(var, minus, "p").unwrap();
            let lm = loss_at(&graph, x, &xv, loss);
            store::write().unwrap().set(var, base.clone(), "p").unwrap();
            let fd = (lp - lm) / (2.0 * eps);
            let an = grads[k].as_slice().unwrap()[i];
            assert!(
                (fd - an).abs() < 2e-3,
                "param {k} elem {i}: fd {fd} vs {an}"
            );
        }
    }
    assert_eq!(grads[2].shape(), &[4, 3]);
}

#[test]
fn tape_matches_graph() {
    let mut graph = Graph::new();
    let (x, w, _b, loss) = mlp(&mut graph);
    let xv = arr(&[4, 3], |i| i as f32 * 0.05);
    let plan = Plan::new(&graph, &[loss], true).unwrap();
    let ctx = Context::default();
    let feeds = [(x, ValueView::F32(xv.view()))];
    let vars = store::read().unwrap();
    let values = forward(&graph, &vars, &plan, &feeds, &ctx).unwrap();
    let graph_grads = backward(&graph, &plan, &values, loss, None, &[w], &ctx).unwrap();
    let w_value = vars.get(graph.var_id(w).unwrap()).unwrap().clone();
    drop(values);
    drop(vars);

    let mut tape = Tape::new(ctx);
    let tx = tape.leaf(Value::F32(xv.clone()));
    let tw = tape.leaf(Value::F32(w_value));
    let tb = tape.leaf(Value::F32(arr(&[2], |i| i as f32 * 0.1)));
    let h = tape
        .apply(build("matmul", &Attrs::new()).unwrap(), &[tx, tw])
        .unwrap();
    let h = tape
        .apply(build("bias_add", &Attrs::new()).unwrap(), &[h, tb])
        .unwrap();
    let h = tape
        .apply(build("tanh", &Attrs::new()).unwrap(), &[h])
        .unwrap();
    let l = tape
        .apply(build("sum", &Attrs::new()).unwrap(), &[h])
        .unwrap();
    let tape_grads = tape.gradient(l, None, &[tw]).unwrap();
    assert_eq!(tape_grads[0], Value::F32(graph_grads[0].clone()));
}

#[test]
fn forward_only_plans_free_intermediates() {
    let mut graph = Graph::new();
    let (x, _w, _b, loss) = mlp(&mut graph);
    let plan = Plan::new(&graph, &[loss], false).unwrap();
    let xv = arr(&[2, 3], |i| i as f32);
    let feeds = [(x, ValueView::F32(xv.view()))];
    let vars = store::read().unwrap();
    let values = forward(&graph, &vars, &plan, &feeds, &Context::default()).unwrap();
    assert!(values.get(loss).is_ok());
    // The matmul result (node 3) was released after bias_add read it.
    assert!(values.get(3).is_err());
}

#[test]
fn missing_feed_names_the_input() {
    let mut graph = Graph::new();
    let (_x, _w, _b, loss) = mlp(&mut graph);
    let plan = Plan::new(&graph, &[loss], false).unwrap();
    let vars = store::read().unwrap();
    let err = forward(&graph, &vars, &plan, &[], &Context::default())
        .err()
        .unwrap();
    assert!(err.to_string().contains("input 'x'"), "{err}");
}

#[test]
fn dropping_a_graph_frees_its_variables() {
    let var = {
        let mut graph = Graph::new();
        let node = graph
            .new_variable(arr(&[3], |i| 12_345.5 + i as f32), true, "v")
            .unwrap();
        graph.var_id(node).unwrap()
    };
    // Ids are recycled, and tests run in parallel: another test may already
    // hold this id, but never with this graph's distinctive value.
    let store = store::read().unwrap();
    if let Ok(value) = store.get(var) {
        assert!(
            value.iter().all(|&v| v < 12_345.0),
            "variable {var} was not freed"
        );
    }
}

#[test]
fn unknown_node_is_an_error_not_a_panic() {
    let mut graph = Graph::new();
    let relu = build("relu", &Attrs::new()).unwrap();
    assert!(graph.op(relu, &[5]).is_err());
    assert!(Plan::new(&graph, &[9], false).is_err());
}

#[test]
fn rematerialized_values_are_dropped_and_recomputed_to_the_same_gradients() {
    let run = |remat: bool| {
        let mut graph = Graph::new();
        let (x, w, b, loss) = mlp(&mut graph);
        // matmul, bias_add and tanh (ids after x, w, b); the loss stays.
        let first_op = b + 1;
        if remat {
            assert_eq!(graph.mark_recompute(first_op..loss).unwrap(), 3);
        }
        let plan = Plan::new(&graph, &[loss], true).unwrap();
        let xv = arr(&[4, 3], |i| ((i * 5) % 7) as f32 * 0.3 - 0.9);
        let feeds = [(x, ValueView::F32(xv.view()))];
        let vars = store::read().unwrap();
        let ctx = Context::default();
        let values = forward(&graph, &vars, &plan, &feeds, &ctx).unwrap();
        let dropped = (first_op..loss).filter(|&i| values.get(i).is_err()).count();
        let grads = backward(&graph, &plan, &values, loss, None, &[w, b, x], &ctx).unwrap();
        (plan.recomputed.clone(), dropped, grads)
    };
    let (none, kept, plain) = run(false);
    let (recomputed, dropped, again) = run(true);
    assert!(none.is_empty());
    assert_eq!(kept, 0);
    assert_eq!(recomputed.len(), 3);
    assert_eq!(dropped, 3, "the forward pass frees rematerialized values");
    assert_eq!(
        plain, again,
        "recomputed values give the same gradients, bit for bit"
    );
}

#[test]
fn marking_outside_the_graph_is_an_error() {
    let mut graph = Graph::new();
    let (_, _, _, loss) = mlp(&mut graph);
    assert!(graph.mark_recompute(0..loss + 2).is_err());
}
