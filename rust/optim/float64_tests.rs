//! Float64 updates: the generic rule bodies in float64, the state they keep,
//! and what is refused. `tests/python/test_floatx64.py` compares whole
//! float64 `fit` runs with Keras 3 (`jax_enable_x64`).

use super::*;
use crate::graph::store::Weight;
use crate::ops::Attr;
use crate::tensor::Value;
use ndarray::{arr1, ArrayD};

fn f64_store(values: &[&[f64]]) -> (Store, Vec<VarId>) {
    let mut store = Store::default();
    let ids = values
        .iter()
        .map(|v| store.insert_weight(Weight::F64(arr1(v).into_dyn())))
        .collect();
    (store, ids)
}

fn grad(v: &[f64]) -> Value {
    Value::F64(arr1(v).into_dyn())
}

fn weight(store: &Store, id: VarId) -> ArrayD<f64> {
    match store.weight(id).unwrap() {
        Weight::F64(a) => a.clone(),
        Weight::F32(_) => panic!("the variable became float32"),
    }
}

#[test]
fn sgd_momentum_and_nesterov_update_in_float64() {
    // 0.1 is not a float32 value: a float32 detour would show in the result.
    let cfg = Attrs::new()
        .with("learning_rate", Attr::Float(0.1))
        .with("momentum", Attr::Float(0.9));
    for nesterov in [false, true] {
        let (mut store, ids) = f64_store(&[&[1.0]]);
        let mut opt =
            Optimizer::new("sgd", &cfg.clone().with("nesterov", Attr::Bool(nesterov))).unwrap();
        for _ in 0..2 {
            opt.apply_values(&mut store, &ids, vec![grad(&[1.0])])
                .unwrap();
        }
        let (lr, mu) = (0.1f64, 0.9f64);
        let m1 = -lr;
        let m2 = m1 * mu - lr;
        let want = if nesterov {
            1.0 + (m1 * mu - lr) + (m2 * mu - lr)
        } else {
            1.0 + m1 + m2
        };
        assert_eq!(weight(&store, ids[0])[[0]], want);
        let state = opt.variable_values(&ids);
        assert!(matches!(&state[1].1, Value::F64(a) if a[[]] == 0.1));
        assert!(matches!(&state[2].1, Value::F64(a) if a[[0]] == m2));
    }
}

#[test]
fn adam_and_adamw_first_steps_in_float64() {
    for name in ["adam", "adamw"] {
        let (mut store, ids) = f64_store(&[&[0.5, -0.25]]);
        let mut opt = Optimizer::new(name, &Attrs::new()).unwrap();
        opt.apply_values(&mut store, &ids, vec![grad(&[0.1, -0.3])])
            .unwrap();
        let (lr, b1, b2, eps) = (0.001f64, 0.9f64, 0.999f64, 1e-7f64);
        let wd = if name == "adamw" { 0.004 } else { 0.0 };
        let alpha = lr * (1.0 - b2).sqrt() / (1.0 - b1);
        let got = weight(&store, ids[0]);
        for (i, (&w0, g)) in [0.5f64, -0.25].iter().zip([0.1f64, -0.3]).enumerate() {
            let w = w0 - w0 * wd * lr;
            let m = g * (1.0 - b1);
            let v = g * g * (1.0 - b2);
            assert_eq!(got[[i]], w - (m * alpha) / (v.sqrt() + eps), "{name} {i}");
        }
    }
}

#[test]
fn rmsprop_and_adagrad_update_in_float64() {
    let (mut store, ids) = f64_store(&[&[1.0]]);
    let mut opt = Optimizer::new("rmsprop", &Attrs::new()).unwrap();
    opt.apply_values(&mut store, &ids, vec![grad(&[0.2])])
        .unwrap();
    let vel = 0.1 * 0.04f64;
    assert_eq!(
        weight(&store, ids[0])[[0]],
        1.0 - (0.001 * 0.2) / (vel + 1e-7).sqrt()
    );

    let (mut store, ids) = f64_store(&[&[1.0]]);
    let mut opt = Optimizer::new("adagrad", &Attrs::new()).unwrap();
    opt.apply_values(&mut store, &ids, vec![grad(&[0.2])])
        .unwrap();
    // The accumulator starts at 0.1 in double, not float32's 0.1.
    let acc = 0.1f64 + 0.2 * 0.2;
    assert_eq!(
        weight(&store, ids[0])[[0]],
        1.0 - (0.001 * 0.2) / (acc + 1e-7).sqrt()
    );
}

#[test]
fn clipping_and_loss_scale_run_in_float64() {
    let (mut store, ids) = f64_store(&[&[0.0, 0.0]]);
    let cfg = Attrs::new()
        .with("learning_rate", Attr::Float(1.0))
        .with("clipnorm", Attr::Float(1.0))
        .with("loss_scale_factor", Attr::Float(2.0));
    let mut opt = Optimizer::new("sgd", &cfg).unwrap();
    // Unscaled (3, 4), norm 5, clipped to norm 1: (0.6, 0.8).
    opt.apply_values(&mut store, &ids, vec![grad(&[6.0, 8.0])])
        .unwrap();
    let got = weight(&store, ids[0]);
    assert_eq!(got[[0]], -(3.0 * 1.0 / 5.0));
    assert_eq!(got[[1]], -(4.0 * 1.0 / 5.0));
}

#[test]
fn float64_state_restores_exactly() {
    let (mut store, ids) = f64_store(&[&[1.0, 2.0]]);
    let mut opt = Optimizer::new("adam", &Attrs::new()).unwrap();
    opt.apply_values(&mut store, &ids, vec![grad(&[0.1, 0.2])])
        .unwrap();
    let saved: Vec<Value> = opt
        .variable_values(&ids)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    let mut fresh = Optimizer::new("adam", &Attrs::new()).unwrap();
    fresh.build(&store, &ids).unwrap();
    fresh.set_variable_values(&ids, saved.clone()).unwrap();
    let restored: Vec<Value> = fresh
        .variable_values(&ids)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(restored, saved);
}

#[test]
fn multioptimizer_sub_optimizers_update_float64_variables_in_float64() {
    // Variable 0 by Adam, variable 1 by SGD: each as its own optimizer would.
    let (mut store, ids) = f64_store(&[&[0.5, -0.25], &[1.0]]);
    let mut multi = Optimizer::new("multioptimizer", &Attrs::new()).unwrap();
    for name in ["adam", "sgd"] {
        multi
            .add_child(Optimizer::new(name, &Attrs::new()).unwrap())
            .unwrap();
    }
    multi.assign_to_child(&ids[..1], 0).unwrap();
    multi.assign_to_child(&ids[1..], 1).unwrap();
    multi.build(&store, &ids).unwrap();
    let (mut want, want_ids) = f64_store(&[&[0.5, -0.25], &[1.0]]);
    let mut alone = [
        Optimizer::new("adam", &Attrs::new()).unwrap(),
        Optimizer::new("sgd", &Attrs::new()).unwrap(),
    ];
    for _ in 0..2 {
        multi
            .apply_values(&mut store, &ids, vec![grad(&[0.1, -0.3]), grad(&[0.7])])
            .unwrap();
        alone[0]
            .apply_values(&mut want, &want_ids[..1], vec![grad(&[0.1, -0.3])])
            .unwrap();
        alone[1]
            .apply_values(&mut want, &want_ids[1..], vec![grad(&[0.7])])
            .unwrap();
    }
    for (&a, &b) in ids.iter().zip(&want_ids) {
        assert_eq!(weight(&store, a), weight(&want, b));
    }
    assert_eq!(multi.iterations(), 2);
    assert!(matches!(
        multi.child(0).unwrap().variable_values(&ids[..1])[2].1,
        Value::F64(_)
    ));
}

#[test]
fn one_update_mixing_float32_and_float64_is_refused() {
    // One update over float32 and float64 variables is refused too.
    let (mut store, mut ids) = f64_store(&[&[1.0]]);
    ids.push(store.insert(arr1(&[1.0f32]).into_dyn()));
    let mut opt = Optimizer::new("sgd", &Attrs::new()).unwrap();
    let err = opt
        .apply_values(&mut store, &ids, vec![grad(&[1.0]), grad(&[1.0])])
        .unwrap_err();
    assert!(err.to_string().contains("mixes"), "{err}");
}

#[test]
fn float32_variables_keep_the_float32_path() {
    // A float64 gradient of a float32 variable is rounded to its type, and
    // the result is the float32 rule's, bit for bit.
    let mut store = Store::default();
    let id = store.insert(arr1(&[1.0f32]).into_dyn());
    let mut a = Optimizer::new("adam", &Attrs::new()).unwrap();
    a.apply_values(&mut store, &[id], vec![grad(&[0.1])])
        .unwrap();
    let mut store2 = Store::default();
    let id2 = store2.insert(arr1(&[1.0f32]).into_dyn());
    let mut b = Optimizer::new("adam", &Attrs::new()).unwrap();
    b.apply(&mut store2, &[id2], vec![arr1(&[0.1f32]).into_dyn()])
        .unwrap();
    assert_eq!(store.get(id).unwrap(), store2.get(id2).unwrap());
}

#[test]
fn every_float64_rule_agrees_with_its_float32_run() {
    // The generic bodies: three steps in float64 land where float32 lands,
    // to float32's precision (a wrong float64 instance would be far off).
    let w0 = [0.5f64, -1.25, 2.0];
    let grads = [[0.1f64, -0.4, 0.7], [0.3, 0.2, -0.5], [-0.2, 0.6, 0.1]];
    let lr = Attrs::new().with("learning_rate", Attr::Float(0.05));
    for name in [
        "sgd",
        "adam",
        "adamw",
        "rmsprop",
        "adagrad",
        "adadelta",
        "adamax",
        "lion",
        "nadam",
        "adafactor",
        "schedulefreeadamw",
        "muon",
    ] {
        let (mut s64, ids64) = f64_store(&[&w0]);
        let mut o64 = Optimizer::new(name, &lr).unwrap();
        let mut s32 = Store::default();
        let id32 = s32.insert(arr1(&w0.map(|v| v as f32)).into_dyn());
        let mut o32 = Optimizer::new(name, &lr).unwrap();
        for g in &grads {
            o64.apply_values(&mut s64, &ids64, vec![grad(g)]).unwrap();
            o32.apply(
                &mut s32,
                &[id32],
                vec![arr1(&g.map(|v| v as f32)).into_dyn()],
            )
            .unwrap();
        }
        let got = weight(&s64, ids64[0]);
        let want = s32.get(id32).unwrap();
        for i in 0..3 {
            let (a, b) = (got[[i]], f64::from(want[[i]]));
            assert!((a - b).abs() < 1e-5, "{name}[{i}]: {a} vs {b}");
        }
        assert_ne!(got, arr1(&w0).into_dyn(), "{name} moved nothing");
    }
}
