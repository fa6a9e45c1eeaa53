//! Tests of [`super`]: every path against a naive product, and splits and
//! thread counts against one serial call, bit for bit.

use super::*;
use ndarray::Array2;

fn naive(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f32> {
    let (m, k) = a.dim();
    let n = b.dim().1;
    Array2::from_shape_fn((m, n), |(i, j)| (0..k).map(|p| a[[i, p]] * b[[p, j]]).sum())
}

#[test]
fn matches_naive_including_transposed_views() {
    let a = Array2::from_shape_fn((37, 53), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
    let b = Array2::from_shape_fn((53, 29), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.25);
    let mut c = Array2::zeros((37, 29));
    gemm_into(a.view(), b.view(), c.view_mut(), false);
    assert_eq!(c, naive(&a, &b));
    let at = a.t().to_owned();
    let mut c2 = Array2::zeros((37, 29));
    gemm_into(at.t(), b.view(), c2.view_mut(), false);
    assert_eq!(c2, c);
    gemm_into(a.view(), b.view(), c2.view_mut(), true);
    assert_eq!(c2, &c * 2.0);
}

#[test]
fn split_blocks_give_the_serial_result_bit_for_bit() {
    // Shapes around the block alignment, both split axes, transposed
    // operands and accumulation: every split must equal one serial call.
    let shapes = [
        (128, 784, 512),
        (784, 128, 512),
        (300, 77, 35),
        (33, 64, 100),
        (17, 5, 1000),
        (72, 16000, 16),
        (1000, 600, 3),
        (130, 40, 2),
        (128, 300, 100),
        (64, 1000, 64),
        (1, 700, 600),
        (1, 50, 40),
        (200, 33, 10),
        (40, 100, 60),
    ];
    for &(m, k, n) in &shapes {
        let a = Array2::from_shape_fn((k, m), |(i, j)| ((i * 31 + j * 17) % 97) as f32 / 7.0 - 6.5);
        let b = Array2::from_shape_fn((k, n), |(i, j)| {
            ((i * 13 + j * 29) % 89) as f32 / 11.0 - 4.0
        });
        let mut serial = Array2::from_elem((m, n), 0.5f32);
        gemm_serial(a.t(), b.view(), serial.view_mut(), true);
        for parts in 2..=5 {
            let mut split = Array2::from_elem((m, n), 0.5f32);
            split_gemm(a.t(), b.view(), split.view_mut(), true, parts);
            assert_eq!(split, serial, "m={m} k={k} n={n} parts={parts}");
        }
    }
}

#[test]
fn deep_products_match_naive_and_ignore_thread_count() {
    let (m, k, n) = (9, 3 * DEEP_BLOCK + 77, 32);
    let a = Array2::from_shape_fn((k, m), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 4.0 - 1.0);
    let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 / 8.0 - 0.5);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut c = Array2::from_elem((m, n), 1.0f32);
        pool.install(|| gemm_into(a.t(), b.view(), c.view_mut(), true));
        c
    };
    let one = run(1);
    assert_eq!(run(2), one);
    assert_eq!(run(3), one);
    let exact = naive(&a.t().to_owned(), &b) + 1.0;
    for (x, y) in one.iter().zip(&exact) {
        assert!((x - y).abs() <= 1e-3 * y.abs().max(1.0), "{x} vs {y}");
    }
}

#[test]
fn every_isa_level_matches_naive_on_every_layout() {
    // Row- and column-major outputs, transposed and reversed operands
    // (negative strides), accumulation, and the crate's small regimes.
    let shapes = [
        (1, 300, 7),
        (5, 3, 1),
        (9, 17, 13),
        (64, 64, 64),
        (130, 70, 33),
        (1, 1000, 531),
        (1, 3, 300),
        (37, 45, 10),
        (2, 9, 30),
        (50, 130, 64),
    ];
    for level in isa::available() {
        for &(m, k, n) in &shapes {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
            let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.25);
            let exact = naive(&a, &b);
            let check = |c: &Array2<f32>, want: &Array2<f32>, what: &str| {
                for (x, y) in c.iter().zip(want) {
                    assert!(
                        (x - y).abs() <= 1e-4 * y.abs().max(1.0),
                        "{level:?} {what} {m}x{k}x{n}"
                    );
                }
            };
            let mut c = Array2::zeros((m, n));
            gemm_serial_at(level, a.view(), b.view(), c.view_mut(), false);
            check(&c, &exact, "plain");
            let mut ct = Array2::<f32>::zeros((n, m));
            gemm_serial_at(
                level,
                a.view(),
                b.view(),
                ct.view_mut().reversed_axes(),
                false,
            );
            check(&ct.t().to_owned(), &exact, "column-major output");
            // Reversing A's rows and C's rows together gives the same C.
            let a_rev = a.slice(ndarray::s![..;-1, ..]);
            let mut c_rev = Array2::zeros((m, n));
            gemm_serial_at(level, a_rev, b.view(), c_rev.view_mut(), false);
            check(
                &c_rev.slice(ndarray::s![..;-1, ..]).to_owned(),
                &exact,
                "reversed rows",
            );
            // Reversing K in both operands leaves the product unchanged.
            let mut c_k = Array2::from_elem((m, n), 1.0f32);
            gemm_serial_at(
                level,
                a.slice(ndarray::s![.., ..;-1]),
                b.slice(ndarray::s![..;-1, ..]),
                c_k.view_mut(),
                true,
            );
            check(&c_k, &(&exact + 1.0), "reversed k, accumulated");
        }
    }
}

#[test]
fn one_thread_products_are_the_ones_gemm_into_keeps_serial() {
    assert!(runs_on_one_thread(1, 784, 512));
    assert!(runs_on_one_thread(128, 512, 10));
    assert!(!runs_on_one_thread(128, 784, 512));
    assert!(!runs_on_one_thread(9, 3 * DEEP_BLOCK, 32));
}

#[test]
fn empty_inner_dimension_gives_zeros() {
    let a = Array2::<f32>::zeros((3, 0));
    let b = Array2::<f32>::zeros((0, 4));
    let mut c = Array2::from_elem((3, 4), 7.0);
    gemm_into(a.view(), b.view(), c.view_mut(), false);
    assert!(c.iter().all(|&v| v == 0.0));
}

#[test]
fn direct_path_takes_the_shapes_packing_costs_most() {
    let p = |m, n, k| path(Isa::Avx512, m, n, k, true);
    assert_eq!(p(1, 512, 784), Path::Direct(1));
    assert_eq!(p(1, 10, 512), Path::Direct(4));
    assert_eq!(p(2, 32, 512), Path::Direct(4));
    assert_eq!(p(128, 10, 512), Path::Direct(1));
    assert_eq!(p(64, 64, 64), Path::Direct(1));
    assert_eq!(p(128, 512, 784), Path::Packed(3));
    assert_eq!(p(64, 64, 8192), Path::Packed(2));
    // Strided rows, and levels below AVX-512, keep their former paths.
    assert_eq!(path(Isa::Avx512, 1, 512, 784, false), Path::Packed(0));
    assert_eq!(path(Isa::Avx2, 1, 512, 784, true), Path::RowLoop);
    assert_eq!(path(Isa::Avx2, 64, 64, 64, true), Path::Packed(2));
    assert_eq!(path(Isa::Avx2, 128, 10, 512, true), Path::Packed(3));
}

#[test]
fn direct_kernel_reads_strided_operands_and_accumulates() {
    // A transposed or reversed, B and C column slices of wider matrices (row
    // strides above n), C accumulated: exact sums (small multiples of 1/4),
    // so every path and order must give the naive result exactly.
    if !isa::available().contains(&Isa::Avx512) {
        return;
    }
    for &(m, k, n) in &[
        (1, 77, 300),
        (1, 5, 10),
        (2, 66, 17),
        (23, 40, 16),
        (9, 31, 50),
    ] {
        let a_t = Array2::from_shape_fn((k, m), |(i, j)| ((i * 3 + j * 7) % 11) as f32 - 5.0);
        let b_wide =
            Array2::from_shape_fn((k, n + 7), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.25 - 1.0);
        let b = b_wide.slice(ndarray::s![.., 3..3 + n]);
        let exact = naive(&a_t.t().to_owned(), &b.to_owned());
        assert_eq!(
            path(Isa::Avx512, m, n, k, true),
            Path::Direct(direct::chains(m, n))
        );
        let mut c_wide = Array2::from_elem((m, n + 5), 2.0f32);
        gemm_serial_at(
            Isa::Avx512,
            a_t.t(),
            b,
            c_wide.slice_mut(ndarray::s![.., 1..1 + n]),
            true,
        );
        assert_eq!(c_wide.slice(ndarray::s![.., 1..1 + n]), &exact + 2.0);
        // Columns outside the slice are untouched by the masked stores.
        assert!(c_wide.column(0).iter().all(|&x| x == 2.0));
        assert!(c_wide.column(n + 1).iter().all(|&x| x == 2.0));
        // A with its rows reversed gives C's rows reversed.
        let mut c_rev = Array2::zeros((m, n));
        gemm_serial_at(
            Isa::Avx512,
            a_t.t().slice(ndarray::s![..;-1, ..]),
            b,
            c_rev.view_mut(),
            false,
        );
        assert_eq!(c_rev.slice(ndarray::s![..;-1, ..]), exact);
    }
}
