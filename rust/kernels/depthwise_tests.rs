//! The depthwise kernels against a naive loop over every output, tap and
//! channel, and their independence from the thread count.

use super::*;
use crate::kernels::window::AxisWindow;

fn axis(input: usize, kernel: usize, stride: usize, dilation: usize, pad: usize) -> AxisWindow {
    let window = (kernel - 1) * dilation + 1;
    AxisWindow {
        input,
        kernel,
        stride,
        dilation,
        pad_before: pad,
        // Enough outputs to read every cell, some windows overhanging the end.
        output: (input + 2 * pad).saturating_sub(window) / stride + 1,
    }
}

fn values(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 37 + seed * 11) % 23) as f32 / 8.0 - 1.0)
        .collect()
}

/// (input index, tap) pairs of output `o` along `a`, by testing every tap.
fn reads(a: &AxisWindow, o: usize) -> Vec<(usize, usize)> {
    (0..a.kernel)
        .filter_map(|k| {
            let i = (o * a.stride + k * a.dilation) as i64 - a.pad_before as i64;
            (i >= 0 && i < a.input as i64).then_some((i as usize, k))
        })
        .collect()
}

/// y, dX and dK by direct summation.
fn naive(d: &Depthwise, x: &[f32], k: &[f32], gy: &[f32]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (g, m) = (&d.g, d.multiplier);
    let (c, cm) = (g.channels, d.out_channels());
    let mut y = vec![0.0f32; d.output_len()];
    let mut dx = vec![0.0f32; x.len()];
    let mut dk = vec![0.0f32; k.len()];
    for b in 0..g.batch {
        for oy in 0..g.h.output {
            for ox in 0..g.w.output {
                let o = ((b * g.h.output + oy) * g.w.output + ox) * cm;
                for (iy, ky) in reads(&g.h, oy) {
                    for (ix, kx) in reads(&g.w, ox) {
                        let xi = ((b * g.h.input + iy) * g.w.input + ix) * c;
                        let ki = (ky * g.w.kernel + kx) * cm;
                        for ch in 0..c {
                            for mm in 0..m {
                                let j = ch * m + mm;
                                y[o + j] += x[xi + ch] * k[ki + j];
                                dx[xi + ch] += gy[o + j] * k[ki + j];
                                dk[ki + j] += gy[o + j] * x[xi + ch];
                            }
                        }
                    }
                }
            }
        }
    }
    (y, dx, dk)
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-4)
}

#[test]
fn kernels_match_direct_summation() {
    let cases = [
        // (batch, channels, multiplier, h axis, w axis)
        (2, 3, 1, axis(6, 3, 1, 1, 1), axis(5, 2, 2, 1, 0)),
        (3, 4, 2, axis(7, 2, 2, 2, 1), axis(6, 3, 1, 2, 2)),
        (1, 5, 3, axis(1, 1, 1, 1, 0), axis(9, 4, 3, 1, 1)),
        (2, 16, 1, axis(9, 3, 2, 1, 1), axis(9, 3, 2, 1, 1)),
        // Channel blocks of 32, 8 and 1 in registers.
        (2, 45, 1, axis(5, 3, 1, 2, 2), axis(6, 3, 2, 1, 1)),
        (1, 37, 1, axis(4, 2, 3, 1, 0), axis(7, 4, 1, 2, 3)),
        // Runs of four pixels inside the input, channel blocks of 16 and 1.
        (2, 40, 1, axis(6, 3, 1, 1, 1), axis(12, 3, 1, 1, 1)),
        (1, 19, 1, axis(3, 3, 2, 1, 1), axis(17, 3, 2, 2, 2)),
    ];
    for (batch, channels, multiplier, h, w) in cases {
        let d = Depthwise {
            g: Geometry {
                batch,
                channels,
                h,
                w,
            },
            multiplier,
        };
        let x = values(batch * d.g.image_len(), 1);
        let k = values(d.g.taps() * d.out_channels(), 2);
        let gy = values(d.output_len(), 3);
        let (y, dx, dk) = naive(&d, &x, &k, &gy);
        assert!(close(&forward(&d, &x, &k), &y), "forward {d:?}");
        assert!(close(&input_grad(&d, &k, &gy), &dx), "dx {d:?}");
        assert!(close(&kernel_grad(&d, &x, &gy), &dk), "dk {d:?}");
    }
}

/// Results are the same bits on one thread and on several.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let d = Depthwise {
        g: Geometry {
            batch: 8,
            channels: 32,
            h: axis(20, 3, 1, 1, 1),
            w: axis(20, 3, 1, 1, 1),
        },
        multiplier: 1,
    };
    let x = values(d.g.batch * d.g.image_len(), 4);
    let k = values(d.g.taps() * d.out_channels(), 5);
    let gy = values(d.output_len(), 6);
    let all = || {
        (
            forward(&d, &x, &k),
            input_grad(&d, &k, &gy),
            kernel_grad(&d, &x, &gy),
        )
    };
    let pool = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("pool")
    };
    let one = pool(1).install(all);
    let three = pool(3).install(all);
    assert_eq!(one, three);
    assert!(d.rows_per_task(d.g.w.output * 32) < d.g.batch * d.g.h.output);
}
