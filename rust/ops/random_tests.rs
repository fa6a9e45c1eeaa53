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
