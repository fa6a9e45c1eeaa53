//! Every op that computes in float64 (`Float64::Computed`), run on its own
//! example widened to float64: its result and stated spec are float64, it
//! agrees with its float32 kernel, and its float64 backward rule agrees
//! with float64 finite differences to a precision no float32 rule reaches.

use super::*;
use crate::ops::harness_tests::{case, Lcg, SIZED_BY_VALUES};
use crate::ops::{build, registry, Context, Float64};
use ndarray::ArrayD;

fn widen(inputs: &[Value]) -> Vec<Value> {
    inputs.iter().map(|v| v.clone().widened()).collect()
}

fn forward64(op: &dyn Primitive, inputs: &[Value], ctx: &Context) -> ArrayD<f64> {
    let views: Vec<ValueView> = inputs.iter().map(Value::view).collect();
    forward(op, &views, ctx)
        .and_then(|v| v.into_f64(op.name()))
        .unwrap_or_else(|e| panic!("{}: {e}", op.name()))
}

/// The names of the ops whose example builds an op computing in float64.
fn computed_ops() -> Vec<&'static str> {
    registry::all()
        .into_iter()
        .filter(|i| {
            (i.build)(i.name, &i.example_attrs()).is_ok_and(|op| op.float64() == Float64::Computed)
        })
        .map(|i| i.name)
        .collect()
}

#[test]
fn every_float64_op_states_and_matches_its_float32_result() {
    let mut g = Lcg(5);
    let ctx = Context::default();
    for name in computed_ops() {
        let (attrs, inputs) = case(name, &mut g);
        let op = build(name, &attrs).unwrap();
        let wide = widen(&inputs);
        let out = forward64(op.as_ref(), &wide, &ctx);
        let specs: Vec<TensorSpec> = wide.iter().map(TensorSpec::of_value).collect();
        let stated = output_spec(op.as_ref(), &specs).unwrap();
        let produced = Value::F64(out.clone());
        if SIZED_BY_VALUES.contains(&name) {
            // Sizes read from input values are unknown to the rule.
            assert!(stated.admits(&produced.view()), "{name}: {stated:?}");
            assert_eq!(stated.dtype, DType::F64, "{name}");
        } else {
            assert_eq!(stated, TensorSpec::of_value(&produced), "{name}");
        }
        let views: Vec<ValueView> = inputs.iter().map(Value::view).collect();
        let narrow = op.forward(&views, &ctx).unwrap().into_f32(name).unwrap();
        for (a, b) in out.iter().zip(narrow.iter()) {
            let b = f64::from(*b);
            assert!(
                (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                "{name}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn every_float64_backward_matches_float64_finite_differences() {
    let mut g = Lcg(13);
    let ctx = Context::default();
    let mut checked = 0;
    for name in computed_ops() {
        if !registry::info(name).expect("registered").differentiable {
            continue;
        }
        let (attrs, inputs) = case(name, &mut g);
        let op = build(name, &attrs).unwrap();
        let inputs = widen(&inputs);
        let out = forward64(op.as_ref(), &inputs, &ctx);
        let weights = g.array(out.shape()).mapv(f64::from);
        let views: Vec<ValueView> = inputs.iter().map(Value::view).collect();
        let needed = vec![true; inputs.len()];
        let grads = backward(
            op.as_ref(),
            &views,
            ValueView::F64(out.view()),
            Value::F64(weights.clone()),
            &ctx,
            &needed,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let loss = |inputs: &[Value]| -> f64 {
            let y = forward64(op.as_ref(), inputs, &ctx);
            y.iter().zip(weights.iter()).map(|(y, w)| y * w).sum()
        };
        for (i, grad) in grads.iter().enumerate() {
            let (Value::F64(x), Some(grad)) = (&inputs[i], grad) else {
                continue;
            };
            let grad = grad.clone().into_f64(name).unwrap();
            assert_eq!(grad.shape(), x.shape(), "{name} input {i}");
            // Central differences in float64: truncation about h² and
            // rounding about 1e-16 / h, both far below float32's 1e-7.
            let h = 1e-5;
            for (k, &analytic) in grad.iter().enumerate() {
                let (mut plus, mut minus) = (inputs.clone(), inputs.clone());
                if let (Value::F64(p), Value::F64(m)) = (&mut plus[i], &mut minus[i]) {
                    p.as_slice_mut().expect("contiguous")[k] += h;
                    m.as_slice_mut().expect("contiguous")[k] -= h;
                }
                let numeric = (loss(&plus) - loss(&minus)) / (2.0 * h);
                assert!(
                    (numeric - analytic).abs() <= 1e-8 * (1.0 + numeric.abs()),
                    "{name} input {i} element {k}: backward {analytic}, finite differences {numeric}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} inputs checked");
}
