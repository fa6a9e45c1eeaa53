//! Tests of the bf16 im2col: its panels are the packed float32 columns, and
//! its product is the float32-columns product, bit for bit.

use super::*;
use crate::kernels::bf16::{gemm_serial_p, Precision};
use crate::kernels::bf16_amx;
use crate::kernels::bf16_amx_pack::pack_a_rows;
use crate::kernels::bf16_pack::Strided;
use crate::kernels::im2col::im2col;
use crate::kernels::window::AxisWindow;
use ndarray::{Array2, ArrayView2};

fn axis(input: usize, kernel: usize, stride: usize, dilation: usize, pad: usize) -> AxisWindow {
    let span = (kernel - 1) * dilation + 1;
    AxisWindow {
        input,
        kernel,
        stride,
        dilation,
        pad_before: pad,
        output: (input + 2 * pad - span) / stride + 1,
    }
}

/// A first and a second layer of the benchmark's CNN (one k block, and two
/// with a short second one), strides, a dilation and odd channel counts.
fn geometries() -> Vec<Geometry> {
    let g = |batch, channels, h, w| Geometry {
        batch,
        channels,
        h,
        w,
    };
    vec![
        g(2, 1, axis(28, 3, 1, 1, 1), axis(28, 3, 1, 1, 1)),
        g(2, 32, axis(14, 3, 1, 1, 1), axis(14, 3, 1, 1, 1)),
        g(3, 3, axis(6, 3, 1, 1, 1), axis(5, 2, 2, 1, 0)),
        g(2, 5, axis(7, 2, 2, 1, 0), axis(9, 3, 1, 2, 0)),
    ]
}

/// Values that need rounding to bf16, of both signs and several scales.
fn values(n: usize, seed: u32) -> Vec<f32> {
    (0..n as u32)
        .map(|i| {
            let h = (i.wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(40_503)) % 100_003;
            (h as f32 / 100_003.0 - 0.5) * (1 + i % 7) as f32 * 1.37
        })
        .collect()
}

fn columns(g: &Geometry, x: &[f32]) -> Vec<f32> {
    let mut cols = vec![0.0f32; g.batch * g.out_pixels() * col_width(g)];
    im2col(g, x, &mut cols);
    cols
}

#[test]
fn panels_are_the_packed_float32_columns() {
    for (n, g) in geometries().iter().enumerate() {
        let x = values(g.batch * g.image_len(), n as u32);
        let (m, k) = (g.batch * g.out_pixels(), col_width(g));
        let cols = columns(g, &x);
        let sa = Strided {
            ptr: cols.as_ptr(),
            rows: m,
            cols: k,
            rs: k as isize,
            cs: 1,
        };
        let blocks: Vec<_> = a_layout(k).collect();
        let pairs: usize = blocks.iter().map(|b| b.2).sum();
        let mut want = vec![0u32; m.div_ceil(MA) * MA * pairs];
        for (i, panel) in want.chunks_mut(MA * pairs).enumerate() {
            let mut at = 0;
            for &(k0, kc, kpp) in &blocks {
                let words = &mut panel[MA * at..][..MA * kpp];
                pack_a_rows(false, &sa, i * MA, k0, kc, kpp, words);
                at += kpp;
            }
        }
        let xb: Vec<u16> = x.iter().map(|&v| bf16_bits(v) as u16).collect();
        // Stale contents must not survive: the buffers start dirty.
        let (mut words, mut row) = (vec![u32::MAX; 7], vec![u16::MAX; 3]);
        pack_columns(g, &xb, m, k, &mut words, &mut row);
        assert_eq!(words, want, "geometry {n}");
    }
}

#[test]
fn forward_task_is_the_float32_columns_product() {
    for (n, g) in geometries().iter().enumerate() {
        let x = values(g.batch * g.image_len(), 10 + n as u32);
        let (m, k, cout) = (g.batch * g.out_pixels(), col_width(g), 40);
        let kernel = values(k * cout, 20 + n as u32);
        let w = ArrayView2::from_shape((k, cout), &kernel).expect("kernel");
        let shared = SharedB::new(Precision::Bf16, w);
        if !shared.takes_packed_a(m, k) {
            // Only AMX takes packed columns; elsewhere there is nothing to compare.
            assert!(
                !bf16_amx::available()
                    || crate::kernels::isa::level() != crate::kernels::isa::Isa::Avx512
            );
            continue;
        }
        let cols = columns(g, &x);
        let a = ArrayView2::from_shape((m, k), &cols).expect("cols");
        let mut want = Array2::<f32>::zeros((m, cout));
        gemm_serial_p(Precision::Bf16, a, w, want.view_mut(), false);
        let mut got = Array2::<f32>::from_elem((m, cout), f32::NAN);
        forward_task(g, &x, &shared, got.view_mut());
        assert_eq!(got, want, "geometry {n}");
    }
}

#[test]
fn pair_panels_are_the_packed_float32_columns() {
    for (n, g) in geometries().iter().enumerate() {
        let x = values(g.batch * g.image_len(), 30 + n as u32);
        let (m, k) = (g.batch * g.out_pixels(), col_width(g));
        let cols = columns(g, &x);
        let sb = Strided {
            ptr: cols.as_ptr(),
            rows: m,
            cols: k,
            rs: k as isize,
            cs: 1,
        };
        let want = bf16_amx::pack_b_all(&sb, false);
        let xb: Vec<u16> = x.iter().map(|&v| bf16_bits(v) as u16).collect();
        let (mut words, mut rows) = (vec![u32::MAX; 5], vec![u16::MAX; 9]);
        pack_column_pairs(g, &xb, m, k, &mut words, &mut rows);
        assert_eq!(words, want, "geometry {n}");
    }
}

#[test]
fn kernel_grad_task_is_the_float32_columns_product() {
    for (n, g) in geometries().iter().enumerate() {
        let x = values(g.batch * g.image_len(), 40 + n as u32);
        let (m, k, cout) = (g.batch * g.out_pixels(), col_width(g), 24);
        let grad = values(m * cout, 50 + n as u32);
        let gy = ArrayView2::from_shape((m, cout), &grad).expect("gy");
        if !crate::kernels::bf16::takes_packed_b(cout, m, k) {
            // Only AMX takes packed columns; elsewhere there is nothing to compare.
            assert!(
                !bf16_amx::available()
                    || crate::kernels::isa::level() != crate::kernels::isa::Isa::Avx512
            );
            continue;
        }
        let cols = columns(g, &x);
        let a = ArrayView2::from_shape((m, k), &cols).expect("cols");
        let mut want = Array2::<f32>::zeros((k, cout));
        gemm_serial_p(
            Precision::Bf16,
            gy.t(),
            a,
            want.view_mut().reversed_axes(),
            false,
        );
        let mut got = Array2::<f32>::from_elem((k, cout), f32::NAN);
        kernel_grad_task(g, &x, gy, got.view_mut());
        assert_eq!(got, want, "geometry {n}");
    }
}
