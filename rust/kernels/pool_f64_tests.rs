use super::*;
use crate::kernels::pool::{
    avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward,
};
use crate::kernels::window::AxisWindow;

fn axis(input: usize, kernel: usize, stride: usize, pad: usize) -> AxisWindow {
    AxisWindow {
        input,
        kernel,
        stride,
        dilation: 1,
        pad_before: pad,
        output: (input + 2 * pad - kernel) / stride + 1,
    }
}

fn geometries() -> Vec<Geometry> {
    [
        (5, 6, 2, 2, 2, 0),
        (7, 7, 3, 3, 2, 1),
        (4, 5, 2, 3, 1, 1),
        (1, 9, 1, 3, 2, 0),
    ]
    .iter()
    .map(|&(h, w, kh, kw, s, p)| Geometry {
        batch: 2,
        channels: 3,
        h: axis(h, kh, s, p.min(kh - 1)),
        w: axis(w, kw, s, p.min(kw - 1)),
    })
    .collect()
}

/// float32-exact values with ties, so the float32 kernels are a reference.
fn data(n: usize, seed: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 37 + seed * 11) % 13) as f64 * 0.25 - 1.5)
        .collect()
}

fn narrow(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

/// On float32-exact data, the float64 kernels agree with the float32 ones:
/// max exactly (same argmax, ties included), average to float32 rounding.
#[test]
fn agree_with_the_float32_kernels() {
    for g in geometries() {
        let x = data(g.batch * g.image_len(), 1);
        let gy = data(g.batch * g.out_pixels() * g.channels, 2);
        let (x32, gy32) = (narrow(&x), narrow(&gy));
        let y = pool_forward_f64("max_pool2d", &g, &x, true).unwrap();
        assert_eq!(narrow(&y), max_pool_forward(&g, &x32), "{g:?}");
        let dx = pool_backward_f64("max_pool2d", &g, &x, &gy, true).unwrap();
        assert_eq!(narrow(&dx), max_pool_backward(&g, &x32, &gy32), "{g:?}");
        let y = pool_forward_f64("avg_pool2d", &g, &x, false).unwrap();
        for (a, b) in y.iter().zip(avg_pool_forward(&g, &x32)) {
            assert!((a - b as f64).abs() < 1e-6, "{g:?}");
        }
        let dx = pool_backward_f64("avg_pool2d", &g, &x, &gy, false).unwrap();
        for (a, b) in dx.iter().zip(avg_pool_backward(&g, &gy32)) {
            assert!((a - b as f64).abs() < 1e-6, "{g:?}");
        }
    }
}

/// Averages keep float64 precision (float32 would round 1e-12 away).
#[test]
fn average_keeps_float64_precision() {
    let g = Geometry {
        batch: 1,
        channels: 1,
        h: axis(1, 1, 1, 0),
        w: axis(2, 2, 2, 0),
    };
    let y = pool_forward_f64("avg_pool1d", &g, &[1.0, 1.0 + 2e-12], false).unwrap();
    assert!((y[0] - (1.0 + 1e-12)).abs() < 1e-15, "{y:?}");
}

/// A NaN wins its window, forward and backward, as in float32.
#[test]
fn nan_propagates() {
    let g = Geometry {
        batch: 1,
        channels: 1,
        h: axis(1, 1, 1, 0),
        w: axis(4, 2, 2, 0),
    };
    let x = [f64::NAN, 1.0, 1.0, f64::NAN];
    let y = pool_forward_f64("max_pool1d", &g, &x, true).unwrap();
    assert!(y.iter().all(|v| v.is_nan()));
    let dx = pool_backward_f64("max_pool1d", &g, &x, &[1.0, 1.0], true).unwrap();
    assert_eq!(dx, vec![1.0, 0.0, 0.0, 1.0]);
}

/// Buffers of the wrong size are errors, not panics.
#[test]
fn wrong_sizes_are_errors() {
    let g = geometries()[0];
    assert!(pool_forward_f64("max_pool2d", &g, &[1.0], true).is_err());
    let x = data(g.batch * g.image_len(), 1);
    assert!(pool_backward_f64("avg_pool2d", &g, &x, &[1.0], false).is_err());
}

/// Global pooling in float64 is the float32 kernel's rule on float32-exact
/// data (ties and all), forward and backward, and sizes are checked.
#[test]
fn global_pool_matches_float32_kernels() {
    use crate::kernels::pool::{global_pool_backward, global_pool_forward};
    let dims = (3, 7, 4);
    let x = data(dims.0 * dims.1 * dims.2, 4);
    let gy = data(dims.0 * dims.2, 9);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let gy32: Vec<f32> = gy.iter().map(|&v| v as f32).collect();
    for max in [true, false] {
        let y = global_pool_forward_f64("global_pool", &x, dims, max).unwrap();
        let y32 = global_pool_forward(&x32, dims.0, dims.1, dims.2, max);
        let dx = global_pool_backward_f64("global_pool", &x, &gy, dims, max).unwrap();
        let dx32 = global_pool_backward(&x32, &gy32, dims.0, dims.1, dims.2, max);
        for (a, b) in y.iter().zip(&y32).chain(dx.iter().zip(&dx32)) {
            assert!((a - f64::from(*b)).abs() < 1e-6, "{a} vs {b}");
        }
    }
    assert!(global_pool_forward_f64("global_pool", &[1.0], dims, true).is_err());
    assert!(global_pool_backward_f64("global_pool", &x, &[1.0], dims, false).is_err());
}
