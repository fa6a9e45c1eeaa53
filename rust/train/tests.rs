//! The training loop on a linear regression whose gradient is known in
//! closed form, so each step can be checked against hand-written SGD.

use super::*;
use crate::graph::Graph;
use crate::ops::{build, Attrs};
use crate::tensor::Value;
use ndarray::{Array2, IxDyn};

struct Regression {
    graph: Graph,
    step: StepGraph,
    w: NodeId,
}

/// loss = mean((x @ w - y)^2); reports: sum of squared errors and the count.
fn regression(w0: Array2<f32>) -> Regression {
    let mut graph = Graph::new();
    let x = graph.input("x");
    let y = graph.input("y");
    let w = graph.new_variable(w0.into_dyn(), true, "w").unwrap();
    let op = |g: &mut Graph, name: &str, inputs: &[NodeId]| {
        g.op(build(name, &Attrs::new()).unwrap(), inputs).unwrap()
    };
    let pred = op(&mut graph, "matmul", &[x, w]);
    let err = op(&mut graph, "sub", &[pred, y]);
    let sq = op(&mut graph, "square", &[err]);
    let loss = op(&mut graph, "mean", &[sq]);
    let total = op(&mut graph, "sum", &[sq]);
    let step = StepGraph {
        inputs: vec![x, y],
        loss,
        reports: vec![total],
        phases: vec![Phase::single(loss, vec![w])],
        updates: vec![],
    };
    Regression { graph, step, w }
}

/// Plain SGD, one learning rate per optimizer index.
struct Sgd(Vec<f32>);

impl Optimizers for Sgd {
    fn loss_scale(&self, _k: usize) -> Result<Option<f32>> {
        Ok(None)
    }

    fn apply(
        &mut self,
        k: usize,
        store: &mut Store,
        vars: &[VarId],
        grads: Vec<Value>,
    ) -> Result<()> {
        let lr = self.0[k];
        for (&v, g) in vars.iter().zip(grads) {
            let g = g.into_f32("gradient")?;
            let value = store.get_mut(v)?;
            value.zip_mut_with(&g, |w, &g| *w -= lr * g);
        }
        Ok(())
    }
}

fn sgd(lr: f32) -> Sgd {
    Sgd(vec![lr])
}

#[test]
fn steps_match_hand_written_sgd() {
    let xs = Array2::from_shape_fn((6, 2), |(i, j)| (i as f32 - 2.0) * 0.5 + j as f32);
    let ys = Array2::from_shape_fn((6, 1), |(i, _)| i as f32 * 0.3);
    let w0 = Array2::from_shape_vec((2, 1), vec![0.1, -0.2]).unwrap();
    let r = regression(w0.clone());
    let plans = TrainPlans::new(&r.graph, &r.step).unwrap();
    let data = [
        ValueView::F32(xs.view().into_dyn()),
        ValueView::F32(ys.view().into_dyn()),
    ];
    let order = [5, 0, 3, 1, 4, 2];
    let batches = Batches {
        order: &order,
        batch_size: 4,
        first_step: 0,
        steps: 2,
    };
    let records = run_steps(
        &r.graph,
        &r.step,
        &plans,
        &data,
        batches,
        RunOptions {
            seed: 7,
            global_step: 0,
            stop_on_nan: false,
            sample_offset: 0,
        },
        &mut sgd(0.1),
    )
    .unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].batch_size, 4);
    assert_eq!(records[1].batch_size, 2);

    // The same two steps by hand.
    let mut w = w0;
    for (k, rows) in order.chunks(4).enumerate() {
        let xb = xs.select(ndarray::Axis(0), rows);
        let yb = ys.select(ndarray::Axis(0), rows);
        let err = xb.dot(&w) - &yb;
        let loss = err.mapv(|e| e * e).mean().unwrap();
        assert!((records[k].loss - f64::from(loss)).abs() < 1e-6);
        let grad = xb.t().dot(&err) * (2.0 / rows.len() as f32);
        w = w - grad * 0.1;
    }
    let var = r.graph.var_id(r.w).unwrap();
    let got = store::read().unwrap().get(var).unwrap().clone();
    for (a, b) in got.iter().zip(w.iter()) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
}

#[test]
fn test_steps_do_not_touch_weights_and_report_sums() {
    let xs = Array2::<f32>::ones((5, 2));
    let ys = Array2::<f32>::zeros((5, 1));
    let r = regression(Array2::from_elem((2, 1), 0.5));
    let plan = r.step.test_plan(&r.graph).unwrap();
    let data = [
        ValueView::F32(xs.view().into_dyn()),
        ValueView::F32(ys.view().into_dyn()),
    ];
    let order: Vec<usize> = (0..5).collect();
    let batches = Batches {
        order: &order,
        batch_size: 2,
        first_step: 0,
        steps: 10,
    };
    let records = run_test_steps(&r.graph, &r.step, &plan, &data, batches).unwrap();
    assert_eq!(
        records.iter().map(|r| r.batch_size).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    // Each prediction is 1.0, so each squared error is 1.0.
    assert_eq!(records[2].reports, vec![vec![1.0]]);
    let var = r.graph.var_id(r.w).unwrap();
    assert_eq!(
        store::read().unwrap().get(var).unwrap().clone(),
        ArrayD::from_elem(IxDyn(&[2, 1]), 0.5)
    );
}

#[test]
fn mismatched_sample_counts_are_refused() {
    let xs = Array2::<f32>::ones((5, 2));
    let ys = Array2::<f32>::zeros((4, 1));
    let r = regression(Array2::from_elem((2, 1), 0.5));
    let plans = TrainPlans::new(&r.graph, &r.step).unwrap();
    let data = [
        ValueView::F32(xs.view().into_dyn()),
        ValueView::F32(ys.view().into_dyn()),
    ];
    let order: Vec<usize> = (0..5).collect();
    let batches = Batches {
        order: &order,
        batch_size: 2,
        first_step: 0,
        steps: 1,
    };
    let err = run_steps(
        &r.graph,
        &r.step,
        &plans,
        &data,
        batches,
        RunOptions {
            seed: 0,
            global_step: 0,
            stop_on_nan: false,
            sample_offset: 0,
        },
        &mut sgd(0.1),
    )
    .unwrap_err();
    assert!(err.to_string().contains("same number of samples"), "{err}");
}

#[test]
fn nan_loss_stops_before_updating() {
    let mut xs = Array2::<f32>::ones((4, 2));
    xs[[2, 0]] = f32::NAN;
    let ys = Array2::<f32>::zeros((4, 1));
    let r = regression(Array2::from_elem((2, 1), 0.5));
    let plans = TrainPlans::new(&r.graph, &r.step).unwrap();
    let data = [
        ValueView::F32(xs.view().into_dyn()),
        ValueView::F32(ys.view().into_dyn()),
    ];
    let order: Vec<usize> = (0..4).collect();
    let batches = Batches {
        order: &order,
        batch_size: 2,
        first_step: 0,
        steps: 2,
    };
    let records = run_steps(
        &r.graph,
        &r.step,
        &plans,
        &data,
        batches,
        RunOptions {
            seed: 0,
            global_step: 0,
            stop_on_nan: true,
            sample_offset: 0,
        },
        &mut sgd(0.1),
    )
    .unwrap();
    assert_eq!(records.len(), 2);
    assert!(records[1].loss.is_nan());
    let var = r.graph.var_id(r.w).unwrap();
    let w = store::read().unwrap().get(var).unwrap().clone();
    assert!(w.iter().all(|v| v.is_finite()));
}

#[test]
fn gather_rows_copies_int_labels() {
    let labels = ndarray::arr1(&[3i64, 1, 4, 1, 5]).into_dyn();
    let got = gather_rows(&ValueView::I64(labels.view()), &[4, 0]).unwrap();
    assert_eq!(got, Value::I64(ndarray::arr1(&[5, 3]).into_dyn()));
    assert!(gather_rows(&ValueView::I64(labels.view()), &[5]).is_err());
}

/// Two updates in one step, as a GAN's `train_step` makes them: `a` is
/// pulled to 1, then `b` to the value `a` has *after* its update; the
/// recorded loss is the first phase's (carried, not recomputed), and a
/// constraint clips `b` right after its update.
#[test]
fn later_phases_see_earlier_updates_and_constraints_apply() {
    let mut graph = Graph::new();
    let x = graph.input("x");
    let a = graph
        .new_variable(ArrayD::from_elem(IxDyn(&[1]), 0.0), true, "a")
        .unwrap();
    let b = graph
        .new_variable(ArrayD::from_elem(IxDyn(&[1]), 0.0), true, "b")
        .unwrap();
    let op = |g: &mut Graph, name: &str, inputs: &[NodeId]| {
        g.op(build(name, &Attrs::new()).unwrap(), inputs).unwrap()
    };
    // Phase 0: loss0 = sum((a - x)^2) with x = 1.
    let d0 = op(&mut graph, "sub", &[a, x]);
    let sq0 = op(&mut graph, "square", &[d0]);
    let loss0 = op(&mut graph, "sum", &[sq0]);
    let end0 = graph.len();
    // Phase 1 reads `a` again (a fresh node: its updated value).
    let a_var = graph.var_id(a).unwrap();
    let a_after = graph.variable(a_var, true, "a");
    let d1 = op(&mut graph, "sub", &[b, a_after]);
    let sq1 = op(&mut graph, "square", &[d1]);
    let loss1 = op(&mut graph, "sum", &[sq1]);
    let end1 = graph.len();
    // The constraint of `b`: min(b, 0.05), on `b` as updated.
    let b_var = graph.var_id(b).unwrap();
    let b_after = graph.variable(b_var, true, "b");
    let cap = graph.constant(Value::F32(ArrayD::from_elem(IxDyn(&[1]), 0.05)));
    let clipped = op(&mut graph, "minimum", &[b_after, cap]);
    let step = StepGraph {
        inputs: vec![x],
        loss: loss0,
        reports: vec![loss1],
        phases: vec![
            Phase {
                loss: loss0,
                trainable: vec![a],
                optimizer: 0,
                constraints: vec![],
                end: end0,
            },
            Phase {
                loss: loss1,
                trainable: vec![b],
                optimizer: 1,
                constraints: vec![(b_after, clipped)],
                end: end1,
            },
        ],
        updates: vec![],
    };
    let plans = TrainPlans::new(&graph, &step).unwrap();
    let xs = ArrayD::from_elem(IxDyn(&[1, 1]), 1.0f32);
    let data = [ValueView::F32(xs.view())];
    let order = [0usize];
    let batches = Batches {
        order: &order,
        batch_size: 1,
        first_step: 0,
        steps: 1,
    };
    let records = run_steps(
        &graph,
        &step,
        &plans,
        &data,
        batches,
        RunOptions::default(),
        &mut Sgd(vec![0.25, 0.5]),
    )
    .unwrap();
    // a: 0 - 0.25 * 2 * (0 - 1) = 0.5; then b: 0 - 0.5 * 2 * (0 - 0.5) = 0.5,
    // clipped to 0.05. loss0 = 1 (before a's update); loss1 = 0.25.
    let store = store::read().unwrap();
    assert_eq!(store.get(a_var).unwrap()[[0]], 0.5);
    assert_eq!(store.get(b_var).unwrap()[[0]], 0.05);
    assert_eq!(records[0].loss, 1.0);
    assert_eq!(records[0].reports, vec![vec![0.25]]);
}
