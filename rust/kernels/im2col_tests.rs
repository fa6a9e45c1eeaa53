//! Tests of the im2col convolution kernels: task, chunk and data-only paths agree.

use super::*;
use crate::kernels::window::AxisWindow;

fn axis(input: usize, kernel: usize, stride: usize, pad: usize, output: usize) -> AxisWindow {
    AxisWindow {
        input,
        kernel,
        stride,
        dilation: 1,
        pad_before: pad,
        output,
    }
}

fn values(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 37 + seed * 11) % 23) as f32 / 8.0 - 1.0)
        .collect()
}

/// 7 images of 6x5x3, a 3x2 kernel to 4 channels, stride (1, 2), and
/// values for x, the kernel and dY drawn from `seed`.
fn small_case(seed: usize) -> (Geometry, usize, Vec<f32>, Vec<f32>, Vec<f32>) {
    let g = Geometry {
        batch: 7,
        channels: 3,
        h: axis(6, 3, 1, 1, 6),
        w: axis(5, 2, 2, 0, 3),
    };
    let cout = 4;
    let x = values(g.batch * g.image_len(), seed);
    let k = values(g.taps() * g.channels * cout, seed + 1);
    let gy = values(g.batch * g.out_pixels() * cout, seed + 2);
    (g, cout, x, k, gy)
}

/// Tasks of any size compute what one big chunk does, up to the order
/// of float additions (dK sums task shares; GEMMs of other heights may
/// block differently).
#[test]
fn tasks_match_one_big_chunk() {
    let (g, cout, x, k, gy) = small_case(4);
    let y1 = forward_chunked("t", &g, &x, &k, cout, usize::MAX).expect("forward");
    let (dx1, dk1) = backward_chunked("t", &g, &x, &k, cout, &gy, usize::MAX, true).expect("bwd");
    let close = |a: &[f32], b: &[f32]| {
        a.len() == b.len() && a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-4)
    };
    for per in [1, 2, 3, 7] {
        let y = forward_tasks("t", &g, &x, &k, cout, per, None).expect("fwd");
        assert!(close(&y, &y1));
        let add_one = |rows: &mut [f32]| rows.iter_mut().for_each(|v| *v += 1.0);
        let shifted = forward_tasks("t", &g, &x, &k, cout, per, Some(&add_one)).expect("fwd");
        assert!(shifted.iter().zip(&y).all(|(s, y)| *s == y + 1.0));
        let (dx, dk) = backward_tasks("t", &g, &x, &k, cout, &gy, per, true).expect("bwd");
        assert!(close(&dx, &dx1) && close(&dk, &dk1), "per {per}");
        let (no_dx, dk_only) = backward_tasks("t", &g, &x, &k, cout, &gy, per, false).expect("bwd");
        assert!(no_dx.is_empty());
        assert_eq!(dk_only, dk);
    }
    assert_eq!(images_per_task(&g, cout), Some(7));
}

/// Splitting the batch into chunks changes nothing but the order dK's
/// chunk sums are added in.
#[test]
fn chunked_matches_single_chunk() {
    let (g, cout, x, k, gy) = small_case(1);
    let one = forward_chunked("t", &g, &x, &k, cout, usize::MAX).expect("forward");
    let (dx1, dk1) = backward_chunked("t", &g, &x, &k, cout, &gy, usize::MAX, true).expect("bwd");
    for budget in [1, 100, 200] {
        assert_eq!(
            forward_chunked("t", &g, &x, &k, cout, budget).expect("fwd"),
            one
        );
        let (dx, dk) = backward_chunked("t", &g, &x, &k, cout, &gy, budget, true).expect("bwd");
        assert_eq!(dx, dx1);
        for (a, b) in dk.iter().zip(&dk1) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }
}

/// The data-only gradient is the full backward pass's dX, on the task path
/// and for a pointwise kernel.
#[test]
fn backward_data_matches_the_full_backward_pass() {
    let (g, cout, x, k, gy) = small_case(2);
    let (dx, _) = backward_chunked("t", &g, &x, &k, cout, &gy, usize::MAX, true).expect("bwd");
    let data = conv2d_backward_data("t", &g, &k, cout, &gy).expect("data");
    assert!(dx.iter().zip(&data).all(|(a, b)| (a - b).abs() < 1e-4));
    assert_eq!(dx.len(), data.len());
    let p = Geometry {
        batch: 3,
        channels: 5,
        h: axis(4, 1, 1, 0, 4),
        w: axis(3, 1, 1, 0, 3),
    };
    let (k, gy) = (values(5 * cout, 7), values(3 * 12 * cout, 8));
    let x = values(3 * p.image_len(), 9);
    let (dx, _) = backward_chunked("t", &p, &x, &k, cout, &gy, usize::MAX, true).expect("bwd");
    assert_eq!(
        conv2d_backward_data("t", &p, &k, cout, &gy).expect("data"),
        dx
    );
}
