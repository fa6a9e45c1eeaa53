//! Float64 updates of the rules with their own float64 code (Nadam's
//! float64 `u_product`, Adafactor, Muon) and of the optimizer features
//! around every rule (`use_ema`, gradient accumulation), with the state they
//! keep. `tests/python/test_floatx64_optim.py` compares whole float64 `fit`
//! runs with Keras 3 (`jax_enable_x64`).

use super::*;
use crate::graph::store::Weight;
use crate::ops::Attr;
use crate::tensor::Value;
use ndarray::{arr1, ArrayD, IxDyn};

fn f64_store(values: &[ArrayD<f64>]) -> (Store, Vec<VarId>) {
    let mut store = Store::default();
    let ids = values
        .iter()
        .map(|v| store.insert_weight(Weight::F64(v.clone())))
        .collect();
    (store, ids)
}

fn vec64(v: &[f64]) -> ArrayD<f64> {
    arr1(v).into_dyn()
}

fn weight(store: &Store, id: VarId) -> ArrayD<f64> {
    match store.weight(id).unwrap() {
        Weight::F64(a) => a.clone(),
        Weight::F32(_) => panic!("the variable became float32"),
    }
}

fn values(opt: &Optimizer, ids: &[VarId]) -> Vec<Value> {
    opt.variable_values(ids)
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

#[test]
fn nadam_first_step_and_u_product_in_float64() {
    let (mut store, ids) = f64_store(&[vec64(&[0.5, -0.25])]);
    let mut opt = Optimizer::new("nadam", &Attrs::new()).unwrap();
    opt.apply_values(&mut store, &ids, vec![Value::F64(vec64(&[0.1, -0.3]))])
        .unwrap();
    let (lr, b1, b2, eps) = (0.001f64, 0.9f64, 0.999f64, 1e-7f64);
    let u_t = b1 * (1.0 - 0.5 * 0.96f64.powf(1.0));
    let u_t_1 = b1 * (1.0 - 0.5 * 0.96f64.powf(2.0));
    let u_product = 1.0 * b1 * (1.0 - 0.5 * 0.96f64.powf(1.0));
    let got = weight(&store, ids[0]);
    for (i, (&w, g)) in [0.5f64, -0.25].iter().zip([0.1f64, -0.3]).enumerate() {
        let m = g * (1.0 - b1);
        let v = g * g * (1.0 - b2);
        let m_hat = (u_t_1 * m) / (1.0 - u_product * u_t_1) + ((1.0 - u_t) * g) / (1.0 - u_product);
        let v_hat = v / (1.0 - b2);
        assert_eq!(got[[i]], w - (m_hat * lr) / (v_hat.sqrt() + eps), "{i}");
    }
    let state = opt.variable_values(&ids);
    let (name, u) = state.last().unwrap();
    assert_eq!(name, "u_product");
    assert_eq!(u, &Value::F64(ArrayD::from_elem(IxDyn(&[]), u_product)));
}

#[test]
fn nadam_float32_keeps_a_float32_u_product() {
    let mut store = Store::default();
    let id = store.insert(arr1(&[1.0f32]).into_dyn());
    let mut opt = Optimizer::new("nadam", &Attrs::new()).unwrap();
    opt.apply(&mut store, &[id], vec![arr1(&[1.0f32]).into_dyn()])
        .unwrap();
    let state = opt.variable_values(&[id]);
    let want = 0.9f32 * (1.0 - 0.5 * 0.96f32.powf(1.0));
    assert_eq!(
        state.last().unwrap().1,
        Value::F32(ArrayD::from_elem(IxDyn(&[]), want))
    );
}

#[test]
fn float64_state_with_globals_and_base_slots_restores_exactly() {
    let cases = [
        ("nadam", Attrs::new()),
        (
            "adam",
            Attrs::new()
                .with("use_ema", Attr::Bool(true))
                .with("gradient_accumulation_steps", Attr::Int(3)),
        ),
        ("adafactor", Attrs::new()),
        ("schedulefreeadamw", Attrs::new()),
    ];
    for (name, cfg) in cases {
        let w0 =
            ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![0.1, 0.2, -0.3, 0.4, 0.5, -0.6]).unwrap();
        let g = w0.mapv(|x| x * 0.7 + 0.01);
        let (mut store, ids) = f64_store(std::slice::from_ref(&w0));
        let mut opt = Optimizer::new(name, &cfg).unwrap();
        for _ in 0..2 {
            opt.apply_values(&mut store, &ids, vec![Value::F64(g.clone())])
                .unwrap();
        }
        let saved = values(&opt, &ids);
        assert!(
            saved[1..].iter().all(|v| matches!(v, Value::F64(_))),
            "{name}: {saved:?}"
        );
        let mut fresh = Optimizer::new(name, &cfg).unwrap();
        fresh.build(&store, &ids).unwrap();
        fresh.set_variable_values(&ids, saved.clone()).unwrap();
        assert_eq!(values(&fresh, &ids), saved, "{name}");
        // Both go on to the same next step, bit for bit.
        let (mut store2, ids2) = f64_store(&[weight(&store, ids[0])]);
        opt.apply_values(&mut store, &ids, vec![Value::F64(g.clone())])
            .unwrap();
        fresh
            .apply_values(&mut store2, &ids2, vec![Value::F64(g.clone())])
            .unwrap();
        assert_eq!(weight(&store, ids[0]), weight(&store2, ids2[0]), "{name}");
    }
}

#[test]
fn gradient_accumulation_in_float64_updates_with_the_mean() {
    let g1 = vec64(&[0.1, -0.7]);
    let g2 = vec64(&[0.3, 0.2]);
    let cfg = Attrs::new().with("gradient_accumulation_steps", Attr::Int(2));
    let (mut store, ids) = f64_store(&[vec64(&[1.0, 2.0])]);
    let mut opt = Optimizer::new("adam", &cfg).unwrap();
    opt.apply_values(&mut store, &ids, vec![Value::F64(g1.clone())])
        .unwrap();
    assert_eq!(weight(&store, ids[0]), vec64(&[1.0, 2.0]));
    // The accumulator holds the float64 gradient, not a float32 one.
    let acc = values(&opt, &ids);
    assert_eq!(acc[2], Value::F64(g1.clone()));
    opt.apply_values(&mut store, &ids, vec![Value::F64(g2.clone())])
        .unwrap();
    let (mut want_store, want_ids) = f64_store(&[vec64(&[1.0, 2.0])]);
    let mut plain = Optimizer::new("adam", &Attrs::new()).unwrap();
    let mean = (&g2 + &g1) / 2.0;
    plain
        .apply_values(&mut want_store, &want_ids, vec![Value::F64(mean)])
        .unwrap();
    assert_eq!(weight(&store, ids[0]), weight(&want_store, want_ids[0]));
    assert_eq!(values(&opt, &ids)[2], Value::F64(vec64(&[0.0, 0.0])));
}

#[test]
fn moving_average_in_float64_and_its_overwrite() {
    let cfg = Attrs::new()
        .with("learning_rate", Attr::Float(0.1))
        .with("use_ema", Attr::Bool(true))
        .with("ema_momentum", Attr::Float(0.9))
        .with("ema_overwrite_frequency", Attr::Int(2));
    let (mut store, ids) = f64_store(&[vec64(&[1.0])]);
    let mut opt = Optimizer::new("sgd", &cfg).unwrap();
    let g = 0.3f64;
    opt.apply_values(&mut store, &ids, vec![Value::F64(vec64(&[g]))])
        .unwrap();
    let w1 = 1.0 - 0.1 * g;
    assert_eq!(weight(&store, ids[0])[[0]], w1);
    // First step: the average starts at the weights.
    assert_eq!(values(&opt, &ids)[2], Value::F64(vec64(&[w1])));
    opt.apply_values(&mut store, &ids, vec![Value::F64(vec64(&[g]))])
        .unwrap();
    let w2 = w1 - 0.1 * g;
    let avg = 0.9 * w1 + (1.0 - 0.9) * w2;
    // Second step: the weights take the average (overwrite frequency 2).
    assert_eq!(values(&opt, &ids)[2], Value::F64(vec64(&[avg])));
    assert_eq!(weight(&store, ids[0])[[0]], avg);
}

#[test]
fn adafactor_factored_second_moment_in_float64() {
    // A (2, 3) variable: r and c factors, v their normalized outer product.
    let w0 = [0.5f64, -1.0, 0.25, 2.0, -0.75, 1.5];
    let g = [0.1f64, -0.2, 0.3, -0.4, 0.5, 0.05];
    let var = ArrayD::from_shape_vec(IxDyn(&[2, 3]), w0.to_vec()).unwrap();
    let (mut store, ids) = f64_store(&[var]);
    let mut opt = Optimizer::new("adafactor", &Attrs::new()).unwrap();
    let grad = ArrayD::from_shape_vec(IxDyn(&[2, 3]), g.to_vec()).unwrap();
    opt.apply_values(&mut store, &ids, vec![Value::F64(grad)])
        .unwrap();
    // Keras's means are float32 (its `ops.mean` asks JAX for
    // `result_type(float64, "float32")`): float32 values, sum and `1 / n`.
    let mean = |x: &[f64]| {
        let sum = x.iter().fold(0f32, |acc, &v| acc + v as f32);
        f64::from(sum * (1.0 / x.len() as f32))
    };
    let rms = |x: &[f64]| mean(&x.iter().map(|v| v * v).collect::<Vec<_>>()).sqrt();
    // Step 1: beta_2_t = 1 - 1 = 0, so r and c are the plain means.
    let rgs: Vec<f64> = g.iter().map(|x| x * x + 1e-30).collect();
    let r: Vec<f64> = (0..2).map(|i| mean(&rgs[i * 3..i * 3 + 3])).collect();
    let c: Vec<f64> = (0..3).map(|j| mean(&[rgs[j], rgs[3 + j]])).collect();
    let r_mean = mean(&r);
    let u: Vec<f64> = (0..6)
        .map(|k| g[k] / ((r[k / 3] / r_mean) * c[k % 3]).sqrt())
        .collect();
    let alpha = 1e-3f64.max(rms(&w0)) * 0.001f64.min(1.0);
    let denom = 1f64.max(rms(&u) / 1.0);
    let got = weight(&store, ids[0]);
    for k in 0..6 {
        let want = w0[k] - alpha * (u[k] / denom);
        assert!(
            (got.as_slice().unwrap()[k] - want).abs() <= 1e-15 * want.abs(),
            "{k}: {} vs {want}",
            got.as_slice().unwrap()[k]
        );
    }
    let state = values(&opt, &ids);
    assert_eq!(
        state[2],
        Value::F64(ArrayD::from_shape_vec(IxDyn(&[2]), r).unwrap())
    );
}

#[test]
fn muon_orthogonalizes_a_matrix_in_float64() {
    // A (2, 3) variable takes the Muon step; with many Newton-Schulz steps
    // of the classic cubic (a, b, c) = (1.5, -0.5, 0) the update converges
    // to U V^T, whose rows are orthonormal.
    let w0 = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![0.0; 6]).unwrap();
    let g = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1.0, 0.5, -0.25, 0.3, -1.0, 0.75]).unwrap();
    let cfg = Attrs::new()
        .with("learning_rate", Attr::Float(1.0))
        .with("weight_decay", Attr::Float(0.0))
        .with("muon_a", Attr::Float(1.5))
        .with("muon_b", Attr::Float(-0.5))
        .with("muon_c", Attr::Float(0.0))
        .with("ns_steps", Attr::Int(60))
        .with("nesterov", Attr::Bool(false));
    let (mut store, ids) = f64_store(&[w0]);
    let mut opt = Optimizer::new("muon", &cfg).unwrap();
    opt.apply_values(&mut store, &ids, vec![Value::F64(g)])
        .unwrap();
    let update = -weight(&store, ids[0]);
    let m = update.into_dimensionality::<ndarray::Ix2>().unwrap();
    let gram = m.dot(&m.t());
    for i in 0..2 {
        for j in 0..2 {
            let want = if i == j { 1.0 } else { 0.0 };
            // float32 would stop near 1e-7.
            assert!((gram[[i, j]] - want).abs() < 1e-12, "{gram}");
        }
    }
}
