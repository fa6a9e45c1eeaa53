//! Unit tests of Muon, ScheduleFreeAdamW and MultiOptimizer's dispatch.
//! Agreement with Keras is checked by `tests/python/test_optimizers_composite.py`
//! against recorded Keras steps.

use super::muon::newton_schulz;
use super::*;
use crate::ops::Attr;
use ndarray::{ArrayD, IxDyn};

fn store_with(values: &[ArrayD<f32>]) -> (Store, Vec<VarId>) {
    let mut store = Store::default();
    let ids = values.iter().map(|v| store.insert(v.clone())).collect();
    (store, ids)
}

fn array(shape: &[usize], seed: u32) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|i| {
            ((i as u32 + 1).wrapping_mul(2_654_435_761u32.wrapping_add(seed)) % 1000) as f32 / 500.0
                - 1.0
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), data).unwrap()
}

#[test]
fn newton_schulz_nearly_orthogonalizes_wide_and_tall_matrices() {
    for (rows, cols) in [(4, 9), (9, 4), (6, 6)] {
        let mut x: Vec<f32> = array(&[rows, cols], 3).iter().copied().collect();
        newton_schulz(&mut x, rows, cols, (3.4445, -4.7750, 2.0315), 8).unwrap();
        // The quintic iteration drives singular values into roughly [0.7, 1.2]:
        // the Gram matrix of the short side is near the identity.
        let k = rows.min(cols);
        for i in 0..k {
            for j in 0..k {
                let dot: f32 = if rows <= cols {
                    (0..cols).map(|c| x[i * cols + c] * x[j * cols + c]).sum()
                } else {
                    (0..rows).map(|r| x[r * cols + i] * x[r * cols + j]).sum()
                };
                if i == j {
                    assert!((0.4..1.5).contains(&dot), "({rows}, {cols}) diag {dot}");
                } else {
                    assert!(dot.abs() < 0.35, "({rows}, {cols}) off-diagonal {dot}");
                }
            }
        }
    }
}

#[test]
fn muon_keeps_velocity_only_for_adamw_variables() {
    let (mut store, ids) = store_with(&[array(&[3, 4], 1), array(&[4], 2), array(&[5, 3], 3)]);
    let mut opt = Optimizer::new("muon", &Attrs::new()).unwrap();
    // The third (an embedding, say) goes to AdamW by group.
    opt.set_variable_groups(&ids[2..], &[muon::ADAMW_GROUP])
        .unwrap();
    opt.build(&store, &ids).unwrap();
    let names: Vec<String> = opt.variables(&ids).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "iteration",
            "learning_rate",
            "momentum",
            "momentum",
            "velocity",
            "momentum",
            "velocity"
        ]
    );
    let grads = vec![array(&[3, 4], 4), array(&[4], 5), array(&[5, 3], 6)];
    opt.apply(&mut store, &ids, grads).unwrap();
    assert!(opt.set_variable_groups(&ids[..1], &[1]).is_err());
}

#[test]
fn schedule_free_starts_its_momentum_at_the_weights() {
    let w = array(&[2, 3], 7);
    let (mut store, ids) = store_with(std::slice::from_ref(&w));
    let mut opt = Optimizer::new("schedulefreeadamw", &Attrs::new()).unwrap();
    opt.build(&store, &ids).unwrap();
    let state = opt.variables(&ids);
    assert_eq!(state[2].0, "momentum");
    assert_eq!(state[2].1, w);
    // A zero gradient leaves z, and so y = (1 - b1) z + b1 x with x = z, as is.
    opt.apply(&mut store, &ids, vec![ArrayD::zeros(IxDyn(&[2, 3]))])
        .unwrap();
    let got = store.get(ids[0]).unwrap();
    assert!(got.iter().zip(w.iter()).all(|(a, b)| (a - b).abs() < 1e-6));
}

#[test]
fn multi_dispatches_each_variable_to_its_sub_optimizer() {
    let (mut store, ids) = store_with(&[array(&[3], 1), array(&[2], 2)]);
    let mut parent = Optimizer::new("multi_optimizer", &Attrs::new()).unwrap();
    let sgd = Optimizer::new("sgd", &Attrs::new().with("learning_rate", Attr::Float(0.5))).unwrap();
    let adam = Optimizer::new("adam", &Attrs::new()).unwrap();
    assert_eq!(parent.add_child(sgd).unwrap(), 0);
    assert_eq!(parent.add_child(adam).unwrap(), 1);
    parent.assign_to_child(&ids[..1], 0).unwrap();
    parent.assign_to_child(&ids[1..], 1).unwrap();
    let before = store.get(ids[0]).unwrap().clone();
    let grads = vec![ArrayD::from_elem(IxDyn(&[3]), 1.0), array(&[2], 9)];
    parent.apply(&mut store, &ids, grads).unwrap();
    let after = store.get(ids[0]).unwrap();
    assert!(after
        .iter()
        .zip(before.iter())
        .all(|(a, b)| (a - (b - 0.5)).abs() < 1e-6));
    assert_eq!(parent.iterations(), 1);
    assert_eq!(parent.child(0).unwrap().iterations(), 1);
    assert_eq!(parent.child(1).unwrap().variables(&ids[1..]).len(), 4);
    // A variable no sub-optimizer owns, or a bad shape, changes nothing.
    let (_, stray) = (0, store.insert(array(&[2], 3)));
    let err = parent.apply(
        &mut store,
        &[ids[0], stray],
        vec![array(&[3], 1), array(&[2], 1)],
    );
    assert!(err.is_err());
    let err = parent.apply(&mut store, &ids, vec![array(&[3], 1), array(&[3], 1)]);
    assert!(err.is_err());
    assert_eq!(parent.child(0).unwrap().iterations(), 1);
    let nested = Optimizer::new("multioptimizer", &Attrs::new()).unwrap();
    assert!(parent.add_child(nested).is_err());
    assert!(parent.child(5).is_err());
}
