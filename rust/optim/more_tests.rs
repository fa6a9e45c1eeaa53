//! Unit tests of Ftrl, Lamb, Adafactor, the newer schedules, EMA and gradient
//! accumulation. Agreement with Keras is checked by
//! `tests/python/test_optimizers_more.py` against recorded Keras steps.

use super::*;
use crate::ops::Attr;
use ndarray::{arr1, ArrayD, IxDyn};

fn store_with(values: &[ArrayD<f32>]) -> (Store, Vec<VarId>) {
    let mut store = Store::default();
    let ids = values.iter().map(|v| store.insert(v.clone())).collect();
    (store, ids)
}

fn vec1(v: &[f32]) -> ArrayD<f32> {
    arr1(v).into_dyn()
}

#[test]
fn ftrl_first_step_matches_the_formula() {
    let (mut store, ids) = store_with(&[vec1(&[0.5])]);
    let cfg = Attrs::new()
        .with("learning_rate", Attr::Float(0.1))
        .with("l1_regularization_strength", Attr::Float(0.01));
    let mut opt = Optimizer::new("ftrl", &cfg).unwrap();
    opt.apply(&mut store, &ids, vec![vec1(&[2.0])]).unwrap();
    // n = 0.1 + 4, z = 2 - (sqrt(4.1) - sqrt(0.1)) / 0.1 * 0.5
    let (lr, n0, n1, w) = (0.1f32, 0.1f32, 4.1f32, 0.5f32);
    let z = 2.0 - ((n1.sqrt() - n0.sqrt()) / lr) * w;
    let want = (z.clamp(-0.01, 0.01) - z) / (n1.sqrt() / lr);
    let got = store.get(ids[0]).unwrap()[[0]];
    assert!((got - want).abs() <= 1e-6 * want.abs(), "{got} vs {want}");
}

#[test]
fn ftrl_refuses_a_positive_power() {
    let cfg = Attrs::new().with("learning_rate_power", Attr::Float(0.5));
    assert!(Optimizer::new("ftrl", &cfg).is_err());
}

#[test]
fn lamb_scales_the_adam_direction_by_the_trust_ratio() {
    let (mut store, ids) = store_with(&[vec1(&[3.0, 4.0])]);
    let mut opt = Optimizer::new("lamb", &Attrs::new()).unwrap();
    opt.apply(&mut store, &ids, vec![vec1(&[1.0, -1.0])])
        .unwrap();
    // First Adam direction is ~sign(g); ||w|| = 5, ||u|| ~ sqrt(2).
    let ratio = 5.0 / 2f32.sqrt();
    let w = store.get(ids[0]).unwrap();
    assert!((w[[0]] - (3.0 - 0.001 * ratio)).abs() < 1e-5);
    assert!((w[[1]] - (4.0 + 0.001 * ratio)).abs() < 1e-5);
}

#[test]
fn adafactor_keeps_factored_slots_for_matrices() {
    let m = ArrayD::from_elem(IxDyn(&[2, 3]), 1.0f32);
    let (mut store, ids) = store_with(&[m.clone(), vec1(&[1.0, 2.0])]);
    let mut opt = Optimizer::new("adafactor", &Attrs::new()).unwrap();
    let g = ArrayD::from_elem(IxDyn(&[2, 3]), 0.5f32);
    opt.apply(&mut store, &ids, vec![g, vec1(&[0.1, 0.2])])
        .unwrap();
    let shapes: Vec<Vec<usize>> = opt
        .variables(&ids)
        .iter()
        .map(|(_, a)| a.shape().to_vec())
        .collect();
    // iteration, learning_rate, then r, c, velocity of the matrix; scalar
    // r, c and a full velocity for the vector.
    assert_eq!(
        shapes,
        vec![
            vec![],
            vec![],
            vec![2],
            vec![3],
            vec![2, 3],
            vec![],
            vec![],
            vec![2]
        ]
    );
    // A uniform gradient moves every element of the matrix alike.
    let w = store.get(ids[0]).unwrap();
    assert!(w.iter().all(|&x| (x - w[[0, 0]]).abs() < 1e-7) && w[[0, 0]] < 1.0);
}

#[test]
fn polynomial_and_restart_schedules() {
    let poly = Schedule::PolynomialDecay {
        initial_learning_rate: 0.1,
        decay_steps: 10.0,
        end_learning_rate: 0.0,
        power: 2.0,
        cycle: false,
    };
    assert!((poly.value(5.0) - 0.025).abs() < 1e-8);
    assert_eq!(poly.value(20.0), 0.0);
    let cyc = Schedule::PolynomialDecay {
        initial_learning_rate: 0.1,
        decay_steps: 10.0,
        end_learning_rate: 0.0,
        power: 1.0,
        cycle: true,
    };
    // Step 15 decays over 20 steps: 0.1 * (1 - 15/20).
    assert!((cyc.value(15.0) - 0.025).abs() < 1e-8);
    let restarts = Schedule::CosineDecayRestarts {
        initial_learning_rate: 1.0,
        first_decay_steps: 4.0,
        t_mul: 2.0,
        m_mul: 0.5,
        alpha: 0.0,
    };
    assert_eq!(restarts.value(0.0), 1.0);
    // Step 4 starts the second period (length 8) at half the peak.
    assert!((restarts.value(4.0) - 0.5).abs() < 1e-6);
    assert!((restarts.value(8.0) - 0.25).abs() < 1e-6); // mid-period: half of 0.5
}

#[test]
fn ema_starts_at_the_weights_and_can_overwrite_them() {
    let (mut store, ids) = store_with(&[vec1(&[1.0])]);
    let cfg = Attrs::new()
        .with("learning_rate", Attr::Float(0.5))
        .with("use_ema", Attr::Bool(true))
        .with("ema_momentum", Attr::Float(0.5))
        .with("ema_overwrite_frequency", Attr::Int(2));
    let mut opt = Optimizer::new("sgd", &cfg).unwrap();
    opt.apply(&mut store, &ids, vec![vec1(&[1.0])]).unwrap();
    let avg = |opt: &Optimizer| opt.variables(&ids)[2].1[[0]];
    assert_eq!(avg(&opt), 0.5); // first step: the average is the weight
    opt.apply(&mut store, &ids, vec![vec1(&[1.0])]).unwrap();
    // w = 0.0 after the update; average = 0.5 * 0.5 + 0.5 * 0.0, then it overwrites w.
    assert_eq!(avg(&opt), 0.25);
    assert_eq!(store.get(ids[0]).unwrap()[[0]], 0.25);
}

#[test]
fn accumulation_updates_with_the_mean_every_n_calls() {
    let (mut store, ids) = store_with(&[vec1(&[0.0])]);
    let cfg = Attrs::new()
        .with("learning_rate", Attr::Float(1.0))
        .with("gradient_accumulation_steps", Attr::Int(2));
    let mut opt = Optimizer::new("sgd", &cfg).unwrap();
    opt.apply(&mut store, &ids, vec![vec1(&[1.0])]).unwrap();
    assert_eq!(store.get(ids[0]).unwrap()[[0]], 0.0);
    assert_eq!(opt.public_iterations(), 0);
    opt.apply(&mut store, &ids, vec![vec1(&[3.0])]).unwrap();
    assert_eq!(store.get(ids[0]).unwrap()[[0]], -2.0);
    assert_eq!((opt.iterations(), opt.public_iterations()), (2, 1));
    let bad = Attrs::new().with("gradient_accumulation_steps", Attr::Int(1));
    assert!(Optimizer::new("sgd", &bad).is_err());
}
