//! Tests of `random.rs`: draws keyed by the batch's place in the global batch.

use super::*;
use crate::ops::attrs::Attr;

/// A uniform draw of shape `(-1, 3)` (rows from `like`) for a batch of
/// `rows` rows starting at global row `offset`.
fn draw(batch_major: bool, rows: usize, offset: u64, shape: &[i64]) -> Vec<f32> {
    let attrs = Attrs::new()
        .with("shape", Attr::Ints(shape.to_vec()))
        .with("seed", Attr::Int(11))
        .with("batch_major", Attr::Bool(batch_major));
    let op = Draw::new("random_uniform", &attrs).expect("a uniform draw");
    let seed = ArrayD::from_shape_vec(IxDyn(&[2]), vec![5.0f32, 2.0]).expect("seed");
    let like = ArrayD::<f32>::zeros(IxDyn(&[rows, 1]));
    let ctx = Context {
        training: true,
        seed: 3,
        sample_offset: offset,
        batch_rows: rows as u64,
    };
    let inputs = [ValueView::F32(seed.view()), ValueView::F32(like.view())];
    match op.forward(&inputs, &ctx).expect("draw") {
        Value::F32(a) => a.iter().copied().collect(),
        _ => panic!("a float32 draw"),
    }
}

#[test]
fn a_batch_major_draw_gives_each_sample_its_global_numbers() {
    // Two workers with rows 0..5 and 5..8 of a step of 8 rows draw what one
    // process draws for the 8 rows (3 numbers per row).
    let whole = draw(true, 8, 0, &[-1, 3]);
    assert_eq!(draw(true, 5, 0, &[-1, 3]), whole[..15].to_vec());
    assert_eq!(draw(true, 3, 5, &[-1, 3]), whole[15..].to_vec());
    // One process (offset 0) draws what it drew before the offsets existed.
    assert_eq!(draw(false, 8, 0, &[-1, 3]), whole);
}

#[test]
fn other_draws_ignore_the_offset() {
    // Not batch-major: every worker draws the same numbers (a per-batch draw).
    assert_eq!(draw(false, 3, 5, &[-1, 3]), draw(false, 3, 0, &[-1, 3]));
    assert_eq!(draw(false, 4, 4, &[4]), draw(false, 4, 0, &[4]));
    // A batch-major draw of a known size that is no multiple of the rows has
    // no place in the global batch either.
    assert_eq!(draw(true, 3, 5, &[4]), draw(true, 3, 0, &[4]));
}

/// A draw of `name` (shape (400,)) with `dtype`, from a float64 seed state
/// (a SeedGenerator made under `set_floatx("float64")`).
fn draw_as(name: &'static str, dtype: &str) -> Value {
    let attrs = Attrs::new()
        .with("shape", Attr::Ints(vec![400]))
        .with("seed", Attr::Int(4))
        .with("maxval", Attr::Float(1e-30))
        .with("minval", Attr::Float(-1e-30))
        .with("dtype", Attr::Str(dtype.into()));
    let op = Draw::new(name, &attrs).expect("a draw");
    let seed = ArrayD::from_shape_vec(IxDyn(&[2]), vec![5.0f64, 2.0]).expect("seed");
    let spec = op.output_spec(&[TensorSpec::of_view(&ValueView::F64(seed.view()))]);
    let out = op
        .forward(&[ValueView::F64(seed.view())], &Context::default())
        .expect("draw");
    assert_eq!(spec.expect("spec").dtype, TensorSpec::of_value(&out).dtype);
    out
}

#[test]
fn float64_draws_are_the_float32_draws_before_rounding() {
    for name in ["random_uniform", "random_normal", "random_truncated_normal"] {
        let (Value::F64(wide), Value::F32(narrow)) =
            (draw_as(name, "float64"), draw_as(name, "float32"))
        else {
            panic!("{name}: float64 and float32 draws");
        };
        let mut finer = 0;
        for (&w, &n) in wide.iter().zip(narrow.iter()) {
            assert_eq!(w as f32, n, "{name}");
            finer += usize::from(f64::from(w as f32) != w);
        }
        assert!(finer > 390, "{name}: {finer} of 400 need float64");
    }
    // The tiny uniform range stays inside [minval, maxval).
    if let Value::F64(u) = draw_as("random_uniform", "float64") {
        assert!(u.iter().all(|&v| (-1e-30..1e-30).contains(&v)));
    }
    let bad = Attrs::new().with("dtype", Attr::Str("float64".into()));
    assert!(Draw::new("random_randint", &bad).is_err());
    assert!(Draw::new("random_normal", &Attrs::new().with("dtype", Attr::Str("int8".into()))).is_err());
}
