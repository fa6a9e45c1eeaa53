//! Unit tests of the optimizers. Agreement with Keras itself is checked by
//! `tests/python/test_optimizers.py` against recorded Keras steps; these pin
//! the rules' arithmetic, the state layout and the error paths.

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

fn step(opt: &mut Optimizer, store: &mut Store, ids: &[VarId], grads: &[ArrayD<f32>]) {
    opt.apply(store, ids, grads.to_vec()).unwrap();
}

#[test]
fn sgd_plain_momentum_and_nesterov() {
    let (mut store, ids) = store_with(&[vec1(&[1.0, 2.0])]);
    let g = vec1(&[0.5, -1.0]);
    let mut opt = Optimizer::new("sgd", &Attrs::new()).unwrap();
    step(&mut opt, &mut store, &ids, std::slice::from_ref(&g));
    assert_eq!(
        store.get(ids[0]).unwrap(),
        &vec1(&[1.0 - 0.005, 2.0 + 0.01])
    );
    assert_eq!(opt.iterations(), 1);

    let cfg = Attrs::new()
        .with("learning_rate", Attr::Float(0.1))
        .with("momentum", Attr::Float(0.9));
    for nesterov in [false, true] {
        let (mut store, ids) = store_with(&[vec1(&[1.0])]);
        let mut opt =
            Optimizer::new("SGD", &cfg.clone().with("nesterov", Attr::Bool(nesterov))).unwrap();
        let g = vec1(&[1.0]);
        step(&mut opt, &mut store, &ids, std::slice::from_ref(&g));
        step(&mut opt, &mut store, &ids, &[g]);
        // m1 = -0.1, m2 = 0.9 * m1 - 0.1 = -0.19
        let (lr, mu) = (0.1f32, 0.9f32);
        let m1 = -lr;
        let m2 = m1 * mu - lr;
        let want = if nesterov {
            1.0 + (m1 * mu - lr) + (m2 * mu - lr)
        } else {
            1.0 + m1 + m2
        };
        assert_eq!(store.get(ids[0]).unwrap()[[0]], want);
    }
}

#[test]
fn adam_first_step_matches_the_formula() {
    let (mut store, ids) = store_with(&[vec1(&[0.5, -0.25])]);
    let mut opt = Optimizer::new("adam", &Attrs::new()).unwrap();
    let g = vec1(&[0.1, -0.3]);
    step(&mut opt, &mut store, &ids, std::slice::from_ref(&g));
    let lr = 0.001f32;
    let alpha = lr * (1.0 - 0.999f32.powf(1.0)).sqrt() / (1.0 - 0.9f32.powf(1.0));
    for (i, w0) in [0.5f32, -0.25].iter().enumerate() {
        let gi = g[[i]];
        let m = gi * (0.1f64 as f32);
        let v = gi * gi * ((1.0 - 0.999f64) as f32);
        let want = w0 - (m * alpha) / (v.sqrt() + 1e-7);
        assert_eq!(store.get(ids[0]).unwrap()[[i]], want);
    }
}

#[test]
fn every_optimizer_runs_and_moves_against_the_gradient() {
    // A MultiOptimizer updates nothing itself (composite_tests.rs covers it).
    for name in OPTIMIZER_NAMES.iter().filter(|n| **n != "multioptimizer") {
        let (mut store, ids) = store_with(&[vec1(&[1.0, 1.0, 1.0])]);
        let mut opt = Optimizer::new(name, &Attrs::new()).unwrap();
        for _ in 0..3 {
            step(&mut opt, &mut store, &ids, &[vec1(&[1.0, 1.0, 1.0])]);
        }
        let w = store.get(ids[0]).unwrap();
        assert!(w.iter().all(|&x| x < 1.0 && x.is_finite()), "{name}: {w:?}");
        assert_eq!(opt.iterations(), 3);
    }
}

#[test]
fn variables_follow_keras_order_and_round_trip() {
    let (mut store, ids) = store_with(&[ArrayD::zeros(IxDyn(&[2, 2])), vec1(&[0.0])]);
    let cfg = Attrs::new().with("amsgrad", Attr::Bool(true));
    let mut opt = Optimizer::new("adam", &cfg).unwrap();
    let names = |o: &Optimizer| {
        o.variables(&ids)
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&opt), ["iteration", "learning_rate"]);
    let grads = [ArrayD::from_elem(IxDyn(&[2, 2]), 0.5), vec1(&[2.0])];
    step(&mut opt, &mut store, &ids, &grads);
    assert_eq!(
        names(&opt),
        [
            "iteration",
            "learning_rate",
            "momentum",
            "velocity",
            "momentum",
            "velocity",
            "velocity_hat",
            "velocity_hat"
        ]
    );
    let saved: Vec<ArrayD<f32>> = opt.variables(&ids).into_iter().map(|(_, a)| a).collect();
    assert_eq!(saved[2].shape(), &[2, 2]);
    assert_eq!(saved[4].shape(), &[1]);

    let mut fresh = Optimizer::new("adam", &cfg).unwrap();
    fresh.build(&store, &ids).unwrap();
    fresh.set_variables(&ids, saved.clone()).unwrap();
    assert_eq!(fresh.iterations(), 1);
    let restored: Vec<ArrayD<f32>> = fresh.variables(&ids).into_iter().map(|(_, a)| a).collect();
    assert_eq!(restored, saved);

    let err = fresh.set_variables(&ids, saved[..3].to_vec()).unwrap_err();
    assert!(
        err.to_string().contains("expected 8 optimizer variables"),
        "{err}"
    );
}

#[test]
fn nadam_lists_its_momentum_product_after_build() {
    let (mut store, ids) = store_with(&[vec1(&[1.0])]);
    let mut opt = Optimizer::new("nadam", &Attrs::new()).unwrap();
    assert_eq!(opt.variables(&ids).len(), 2);
    step(&mut opt, &mut store, &ids, &[vec1(&[1.0])]);
    let vars = opt.variables(&ids);
    let (name, u) = vars.last().unwrap();
    assert_eq!(name, "u_product");
    let want = 0.9f32 * (1.0 - 0.5 * 0.96f32.powf(1.0));
    assert_eq!(u[[]], want);
}

#[test]
fn clipping_by_value_norm_and_global_norm() {
    let grads = || vec![vec![3.0f32, 4.0], vec![0.0, 12.0]];

    let mut g = grads();
    Clip::Value(2.0).apply(&mut g);
    assert_eq!(g, vec![vec![2.0, 2.0], vec![0.0, 2.0]]);

    let mut g = grads();
    Clip::Norm(1.0).apply(&mut g);
    assert_eq!(g[0], vec![3.0 / 5.0, 4.0 / 5.0]);
    assert_eq!(g[1], vec![0.0, 1.0]);

    let mut g = grads();
    Clip::GlobalNorm(6.5).apply(&mut g);
    // global norm sqrt(9 + 16 + 144) = 13
    let scale = 6.5f32 * (1.0f32 / 13.0).min((1.0 / 6.5f64) as f32);
    assert_eq!(g[0], vec![3.0 * scale, 4.0 * scale]);

    let mut g = vec![vec![0.0f32; 3]];
    Clip::Norm(1.0).apply(&mut g);
    assert_eq!(g, vec![vec![0.0; 3]]);

    let cfg = Attrs::new()
        .with("clipnorm", Attr::Float(1.0))
        .with("clipvalue", Attr::Float(1.0));
    let err = Optimizer::new("sgd", &cfg).unwrap_err();
    assert!(err.to_string().contains("only one of clipnorm"), "{err}");
}

#[test]
fn weight_decay_runs_before_the_update_and_can_be_excluded() {
    let (mut store, ids) = store_with(&[vec1(&[2.0]), vec1(&[2.0])]);
    let cfg = Attrs::new()
        .with("learning_rate", Attr::Float(0.1))
        .with("weight_decay", Attr::Float(0.5));
    let mut opt = Optimizer::new("sgd", &cfg).unwrap();
    opt.exclude_from_weight_decay(&ids[1..]);
    step(&mut opt, &mut store, &ids, &[vec1(&[1.0]), vec1(&[1.0])]);
    let decayed = 2.0f32 - 2.0 * 0.5 * 0.1;
    assert_eq!(store.get(ids[0]).unwrap()[[0]], decayed - 0.1);
    assert_eq!(store.get(ids[1]).unwrap()[[0]], 2.0 - 0.1);

    let opt = Optimizer::new("adamw", &Attrs::new()).unwrap();
    assert_eq!(opt.weight_decay, Some(0.004));
}

#[test]
fn schedules_follow_keras_formulas() {
    let exp = Schedule::ExponentialDecay {
        initial_learning_rate: 0.1,
        decay_steps: 10.0,
        decay_rate: 0.5,
        staircase: true,
    };
    assert_eq!(exp.value(0.0), 0.1);
    assert_eq!(exp.value(9.0), 0.1);
    assert_eq!(exp.value(10.0), 0.05);

    let pw = Schedule::PiecewiseConstantDecay {
        boundaries: vec![2.0, 4.0],
        values: vec![1.0, 0.5, 0.1],
    };
    let got: Vec<f32> = (0..6).map(|s| pw.value(s as f64)).collect();
    assert_eq!(got, [1.0, 1.0, 1.0, 0.5, 0.5, 0.1]);

    let cos = Schedule::CosineDecay {
        initial_learning_rate: 0.0,
        decay_steps: 10.0,
        alpha: 0.0,
        warmup_target: Some(1.0),
        warmup_steps: 4.0,
    };
    assert_eq!(cos.value(0.0), 0.0);
    assert_eq!(cos.value(2.0), 0.5);
    assert_eq!(cos.value(4.0), 1.0);
    assert!(cos.value(14.0).abs() < 1e-6);
    assert!(cos.value(100.0).abs() < 1e-6);

    let inv = Schedule::InverseTimeDecay {
        initial_learning_rate: 1.0,
        decay_steps: 1.0,
        decay_rate: 0.5,
        staircase: false,
    };
    assert_eq!(inv.value(2.0), 0.5);
}

#[test]
fn schedule_from_flat_config_drives_the_learning_rate() {
    let cfg = Attrs::new()
        .with(SCHEDULE_KEY, Attr::Str("PiecewiseConstantDecay".into()))
        .with("learning_rate_schedule.boundaries", Attr::Ints(vec![1]))
        .with(
            "learning_rate_schedule.values",
            Attr::Str("0.5, 0.25".into()),
        )
        .with("learning_rate_schedule.name", Attr::Str("pw".into()));
    let mut opt = Optimizer::new("sgd", &cfg).unwrap();
    assert_eq!(opt.learning_rate(), 0.5);
    opt.set_iterations(2);
    assert_eq!(opt.learning_rate(), 0.25);
    assert!(opt.set_learning_rate(0.1).is_err());
    // no learning_rate variable with a schedule
    assert_eq!(opt.variables(&[]).len(), 1);

    let bad = Attrs::new()
        .with(SCHEDULE_KEY, Attr::Str("CosineDecay".into()))
        .with(
            "learning_rate_schedule.initial_learning_rate",
            Attr::Float(0.1),
        )
        .with("learning_rate_schedule.decay_steps", Attr::Int(0));
    assert!(Optimizer::new("sgd", &bad).is_err());
}

#[test]
fn unknown_names_and_keys_are_refused_by_name() {
    let err = Optimizer::new("adamm", &Attrs::new()).unwrap_err();
    assert!(
        err.to_string().contains("unknown optimizer 'adamm'"),
        "{err}"
    );
    assert!(err.to_string().contains("adam, adamw"), "{err}");
    let err = Optimizer::new("adam", &Attrs::new().with("beta1", Attr::Float(0.9))).unwrap_err();
    assert!(err.to_string().contains("'beta1'"), "{err}");
    let bad_ema = Attrs::new()
        .with("use_ema", Attr::Bool(true))
        .with("ema_momentum", Attr::Float(1.5));
    let err = Optimizer::new("adam", &bad_ema).unwrap_err();
    assert!(err.to_string().contains("ema_momentum"), "{err}");
}

#[test]
fn gradient_shape_and_count_mismatches_are_errors() {
    let (mut store, ids) = store_with(&[vec1(&[1.0, 2.0])]);
    let mut opt = Optimizer::new("adam", &Attrs::new()).unwrap();
    let err = opt.apply(&mut store, &ids, vec![vec1(&[1.0])]).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    let err = opt.apply(&mut store, &ids, vec![]).unwrap_err();
    assert!(
        err.to_string().contains("one gradient per variable"),
        "{err}"
    );
    assert_eq!(opt.iterations(), 0);
}

#[test]
fn loss_scale_factor_divides_the_gradients() {
    let (mut store, ids) = store_with(&[vec1(&[1.0])]);
    let cfg = Attrs::new()
        .with("learning_rate", Attr::Float(1.0))
        .with("loss_scale_factor", Attr::Float(4.0));
    let mut opt = Optimizer::new("sgd", &cfg).unwrap();
    step(&mut opt, &mut store, &ids, &[vec1(&[2.0])]);
    assert_eq!(store.get(ids[0]).unwrap()[[0]], 0.5);
}

/// Large variables are split across threads; the result must not change.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let n: usize = (1 << 16) + 123;
    let init: Vec<f32> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let grad: Vec<f32> = (0..n)
        .map(|i| ((i * 104729) % 997) as f32 / 400.0 - 1.2)
        .collect();
    let run = |threads: usize, name: &str| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let (mut store, ids) = store_with(&[vec1(&init)]);
            let cfg = Attrs::new().with("clipnorm", Attr::Float(10.0));
            let mut opt = Optimizer::new(name, &cfg).unwrap();
            for _ in 0..3 {
                step(&mut opt, &mut store, &ids, &[vec1(&grad)]);
            }
            let w = store.get(ids[0]).unwrap().clone();
            (w, opt.variables(&ids))
        })
    };
    // A MultiOptimizer updates nothing itself (composite_tests.rs covers it).
    for name in OPTIMIZER_NAMES.iter().filter(|n| **n != "multioptimizer") {
        let one = run(1, name);
        let three = run(3, name);
        assert!(
            one.0
                .iter()
                .zip(three.0.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{name}"
        );
        assert_eq!(one.1, three.1, "{name}");
    }
}
