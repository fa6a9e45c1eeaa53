//! One harness over every registered op: its output rule agrees with what
//! its kernel produces (also with the batch size unknown), and its backward
//! rule agrees with finite differences of its forward pass.

use super::{build, op_names, registry, Attrs, Context, TensorSpec};
use crate::tensor::{Value, ValueView};
use ndarray::{ArrayD, IxDyn};

/// A small deterministic generator (no crate needed for test data).
pub(super) struct Lcg(pub(super) u64);

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
    pub(super) fn array(&mut self, shape: &[usize]) -> ArrayD<f32> {
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
}

/// Op `name`'s own example (its `OpInfo`), made concrete.
pub(super) fn case(name: &str, g: &mut Lcg) -> (Attrs, Vec<Value>) {
    let info = registry::info(name).expect("registered");
    let inputs = info
        .example
        .1
        .iter()
        .map(|s| s.value(&mut |shape| g.array(shape)))
        .collect();
    (info.example_attrs(), inputs)
}

fn spec_with_unknown_batch(spec: &TensorSpec) -> TensorSpec {
    let mut s = spec.clone();
    if let Some(first) = s.shape.first_mut() {
        *first = None;
    }
    s
}

/// Ops whose output sizes come from their inputs' values (sizes known at
/// run time only, in `dynamic`): their rule leaves those sizes unknown.
pub(super) const SIZED_BY_VALUES: &[&str] =
    &["arange_dynamic", "broadcast_dynamic", "reshape_dynamic"];

#[test]
fn every_op_states_the_output_its_kernel_produces() {
    let mut g = Lcg(7);
    for name in op_names() {
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
        if SIZED_BY_VALUES.contains(&name) {
            // Sizes read from input values are unknown to the rule.
            assert!(stated.admits(&out.view()), "{name}: {stated:?}");
        } else {
            assert_eq!(stated, TensorSpec::of_value(&out), "{name}");
        }
        // With the batch size unknown, the rule still fits the result.
        let mut unknown = specs.clone();
        unknown[0] = spec_with_unknown_batch(&specs[0]);
        let loose = op
            .output_spec(&unknown)
            .unwrap_or_else(|e| panic!("{name} with an unknown batch: {e}"));
        assert!(loose.admits(&out.view()), "{name}: {loose:?}");
    }
}

#[test]
fn every_op_backward_matches_finite_differences() {
    let mut g = Lcg(11);
    // Dropout draws its mask from the seed: the same in every evaluation.
    let ctx = Context {
        training: true,
        seed: 3,
        ..Context::default()
    };
    for name in op_names() {
        if !registry::info(name).expect("registered").differentiable {
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

/// Building an op with no attributes and with its declared defaults gives
/// the same op: the defaults in the table are the ones the op uses.
#[test]
fn declared_defaults_are_the_ops_own() {
    for info in registry::all() {
        let mut defaults = Attrs::new();
        for (k, v) in info.attrs {
            defaults.insert(k, v.to_attr());
        }
        let (Ok(bare), Ok(declared)) =
            (build(info.name, &Attrs::new()), build(info.name, &defaults))
        else {
            // Ops with a required attribute (reshape's shape) build from neither.
            continue;
        };
        assert_eq!(
            format!("{bare:?}"),
            format!("{declared:?}"),
            "{}",
            info.name
        );
    }
}
