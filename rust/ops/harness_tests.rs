//! One harness over every registered op: its output rule agrees with what
//! its kernel produces (also with the batch size unknown), and its backward
//! rule agrees with finite differences of its forward pass.

use super::{build, Attr, Attrs, Context, TensorSpec, OP_NAMES};
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, IxDyn};

/// A small deterministic generator (no crate needed for test data).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    /// Distinct values of magnitude 0.1 to 1 with random signs, at least
    /// 0.9 / n apart: no ties for max ops and no kinks (relu, abs at 0)
    /// within a finite-difference step of any value.
    fn array(&mut self, shape: &[usize]) -> ArrayD<f32> {
        let n: usize = shape.iter().product();
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = ((self.next() + 1.0) * 0.5 * (i + 1) as f32) as usize;
            order.swap(i, j.min(i));
        }
        // A shift per array, so two arrays' grids do not meet (maximum's tie).
        let step = 0.9 / n.max(1) as f32;
        let shift = (self.next() + 1.0) * 0.25 * step;
        let values = order
            .iter()
            .map(|&j| {
                let magnitude = 0.1 + shift + step * j as f32;
                if self.next() < 0.0 {
                    -magnitude
                } else {
                    magnitude
                }
            })
            .collect();
        ArrayD::from_shape_vec(IxDyn(shape), values).expect("shape")
    }

    fn positive(&mut self, shape: &[usize]) -> ArrayD<f32> {
        self.array(shape).mapv(|v| v.abs() + 0.5)
    }
}

fn ints(v: &[i64]) -> Attr {
    Attr::Ints(v.to_vec())
}

fn ids(values: &[i64], shape: &[usize]) -> Value {
    Value::I64(ArrayD::from_shape_vec(IxDyn(shape), values.to_vec()).expect("ids"))
}

/// Attributes and inputs exercising op `name`.
fn case(name: &str, g: &mut Lcg) -> (Attrs, Vec<Value>) {
    let f = |g: &mut Lcg, s: &[usize]| Value::F32(g.array(s));
    let a = Attrs::new();
    match name {
        "add" | "sub" | "mul" | "maximum" | "minimum" => (a, vec![f(g, &[3, 4]), f(g, &[4])]),
        "div" => (a, vec![f(g, &[3, 4]), Value::F32(g.positive(&[3, 1]))]),
        "matmul" => (a, vec![f(g, &[2, 3, 4]), f(g, &[4, 5])]),
        "bias_add" => (a, vec![f(g, &[3, 4]), f(g, &[4])]),
        "sqrt" | "log" => (a, vec![Value::F32(g.positive(&[3, 4]))]),
        "clip" => (
            a.with("min", Attr::Float(-0.5))
                .with("max", Attr::Float(0.5)),
            vec![f(g, &[3, 4])],
        ),
        "softmax" | "log_softmax" => (a.with("axis", Attr::Int(1)), vec![f(g, &[3, 4, 2])]),
        "sum" | "mean" | "max" => (
            a.with("axis", ints(&[1]))
                .with("keepdims", Attr::Bool(false)),
            vec![f(g, &[3, 4, 2])],
        ),
        "dropout" => (a.with("rate", Attr::Float(0.5)), vec![f(g, &[3, 4])]),
        "embedding" => (a, vec![ids(&[0, 2, 1, 2], &[2, 2]), f(g, &[3, 5])]),
        "batch_norm" => (
            a,
            vec![
                f(g, &[4, 3]),
                f(g, &[3]),
                f(g, &[3]),
                f(g, &[3]),
                Value::F32(g.positive(&[3])),
            ],
        ),
        "layer_norm" => (a, vec![f(g, &[4, 3]), f(g, &[3]), f(g, &[3])]),
        "softmax_cross_entropy" => (a, vec![f(g, &[4, 3]), ids(&[0, 2, 1, 1], &[4])]),
        "conv1d" => (
            a.with("padding", Attr::Str("same".into())),
            vec![f(g, &[2, 5, 3]), f(g, &[3, 3, 4])],
        ),
        "conv2d" => (
            a.with("strides", ints(&[2, 1])),
            vec![f(g, &[2, 5, 4, 2]), f(g, &[3, 2, 2, 3])],
        ),
        "max_pool1d" | "avg_pool1d" => (a.with("pool_size", ints(&[2])), vec![f(g, &[2, 6, 3])]),
        "max_pool2d" | "avg_pool2d" => (
            a.with("pool_size", ints(&[2, 2]))
                .with("padding", Attr::Str("same".into())),
            vec![f(g, &[2, 5, 4, 3])],
        ),
        "global_avg_pool1d" | "global_max_pool1d" => (a, vec![f(g, &[2, 5, 3])]),
        "global_avg_pool2d" | "global_max_pool2d" => (
            a.with("keepdims", Attr::Bool(true)),
            vec![f(g, &[2, 3, 4, 3])],
        ),
        "equal" | "not_equal" | "greater" | "greater_equal" | "less" | "less_equal" => {
            (a, vec![f(g, &[3, 4]), f(g, &[1, 4])])
        }
        "where" => (a, vec![f(g, &[3, 1]), f(g, &[3, 4]), f(g, &[4])]),
        "argmax" => (a.with("axis", Attr::Int(0)), vec![f(g, &[3, 4])]),
        "one_hot" => (
            a.with("num_classes", Attr::Int(4)),
            vec![ids(&[0, 3, 1], &[3])],
        ),
        "in_top_k" => (
            a.with("k", Attr::Int(2)),
            vec![ids(&[0, 3, 1], &[3]), f(g, &[3, 4])],
        ),
        "reshape" => (a.with("shape", ints(&[-1, 6])), vec![f(g, &[3, 4])]),
        "transpose" => (a.with("axes", ints(&[2, 0, 1])), vec![f(g, &[2, 3, 4])]),
        "concat" => (
            a.with("axis", Attr::Int(1)),
            vec![f(g, &[2, 3]), f(g, &[2, 2])],
        ),
        "slice" => (
            a.with("start_indices", ints(&[1, 0]))
                .with("shape", ints(&[2, -1])),
            vec![f(g, &[4, 3])],
        ),
        "pad" => (
            a.with("pad_width", Attr::IntLists(vec![vec![1, 0], vec![0, 2]])),
            vec![f(g, &[2, 3])],
        ),
        // Activations (and anything else of one float input).
        _ => (a, vec![f(g, &[3, 4])]),
    }
}

fn spec_with_unknown_batch(spec: &TensorSpec) -> TensorSpec {
    let mut s = spec.clone();
    if let Some(first) = s.shape.first_mut() {
        *first = None;
    }
    s
}

#[test]
fn every_op_states_the_output_its_kernel_produces() {
    let mut g = Lcg(7);
    for &name in OP_NAMES {
        let (attrs, inputs) = case(name, &mut g);
        let op = build(name, &attrs).unwrap_or_else(|e| panic!("{name}: {e}"));
        let views: Vec<ValueView> = inputs.iter().map(Value::view).collect();
        let out = op
            .forward(&views, &Context::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let specs: Vec<TensorSpec> = views.iter().map(TensorSpec::of_view).collect();
        let stated = op
            .output_spec(&specs)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(stated, TensorSpec::of_value(&out), "{name}");
        // With the batch size unknown, the rule still fits the result.
        let mut unknown = specs.clone();
        unknown[0] = spec_with_unknown_batch(&specs[0]);
        let loose = op
            .output_spec(&unknown)
            .unwrap_or_else(|e| panic!("{name} with an unknown batch: {e}"));
        assert!(loose.admits(&out.view()), "{name}: {loose:?}");
    }
}

/// Ops whose output does not vary smoothly with their float inputs.
const NOT_DIFFERENTIABLE: &[&str] = &[
    "equal",
    "not_equal",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "argmax",
    "one_hot",
    "in_top_k",
];

#[test]
fn every_op_backward_matches_finite_differences() {
    let mut g = Lcg(11);
    // Dropout draws its mask from the seed: the same in every evaluation.
    let ctx = Context {
        training: true,
        seed: 3,
    };
    for &name in OP_NAMES {
        if NOT_DIFFERENTIABLE.contains(&name) {
            continue;
        }
        let (attrs, inputs) = case(name, &mut g);
        let op = build(name, &attrs).expect("build");
        let forward = |inputs: &[Value]| -> ArrayD<f32> {
            let views: Vec<ValueView> = inputs.iter().map(Value::view).collect();
            op.forward(&views, &ctx)
                .and_then(|v| v.into_f32(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"))
        };
        let out = forward(&inputs);
        let weights = g.array(out.shape());
        let views: Vec<ValueView> = inputs.iter().map(Value::view).collect();
        let grads = op
            .backward(&views, out.view(), weights.view(), &ctx)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(grads.len(), inputs.len(), "{name}");
        let loss = |inputs: &[Value]| -> f64 {
            forward(inputs)
                .iter()
                .zip(weights.iter())
                .map(|(&y, &w)| f64::from(y) * f64::from(w))
                .sum()
        };
        for (i, grad) in grads.iter().enumerate() {
            let (Value::F32(x), Some(grad)) = (&inputs[i], grad) else {
                continue;
            };
            assert_eq!(grad.shape(), x.shape(), "{name} input {i}");
            let h = 1e-3f32;
            for (k, &analytic) in grad.iter().enumerate() {
                let mut plus = inputs.clone();
                let mut minus = inputs.clone();
                if let (Value::F32(p), Value::F32(m)) = (&mut plus[i], &mut minus[i]) {
                    p.as_slice_mut().expect("contiguous")[k] += h;
                    m.as_slice_mut().expect("contiguous")[k] -= h;
                }
                let numeric = (loss(&plus) - loss(&minus)) / (2.0 * f64::from(h));
                let tolerance = 2e-2 * (1.0 + numeric.abs());
                assert!(
                    (numeric - f64::from(analytic)).abs() <= tolerance,
                    "{name} input {i} element {k}: backward {analytic}, finite differences {numeric}"
                );
            }
        }
    }
}
