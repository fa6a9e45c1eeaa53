use super::super::bf16_pack::bf16_bits;
use super::*;
use ndarray::Array2;

/// f64 product of the bf16-rounded operands: the exact value the kernel's
/// f32 sums approximate.
fn reference(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f64> {
    let (m, k) = a.dim();
    let n = b.dim().1;
    Array2::from_shape_fn((m, n), |(i, j)| {
        (0..k)
            .map(|p| round_bf16(a[[i, p]]) as f64 * round_bf16(b[[p, j]]) as f64)
            .sum()
    })
}

fn data(rows: usize, cols: usize, seed: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        let h = (i * 7919 + j * 104_729 + seed * 15_485_863) % 1_000_003;
        h as f32 / 1_000_003.0 * 4.0 - 2.0
    })
}

fn close(c: &Array2<f32>, want: &Array2<f64>, k: usize, what: &str) {
    for (x, y) in c.iter().zip(want) {
        let tol = 1e-5 * (k as f64).sqrt() * (1.0 + y.abs()) * 4.0;
        assert!((*x as f64 - y).abs() <= tol, "{what}: {x} vs {y}");
    }
}

#[test]
fn rounding_is_nearest_even_with_nan_and_denormals_as_the_instruction() {
    assert_eq!(bf16_bits(1.0), 0x3f80);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (down).
    assert_eq!(bf16_bits(f32::from_bits(0x3f80_8000)), 0x3f80);
    // 1 + 3 * 2^-8 is halfway between odd and even: up to even.
    assert_eq!(bf16_bits(f32::from_bits(0x3f81_8000)), 0x3f82);
    assert_eq!(bf16_bits(f32::from_bits(0x3f80_8001)), 0x3f81);
    assert_eq!(bf16_bits(f32::INFINITY), 0x7f80);
    assert_eq!(bf16_bits(f32::MAX), 0x7f80);
    assert_eq!(bf16_bits(-1e-40), 0x8000);
    assert_eq!(bf16_bits(f32::from_bits(0x7f80_0001)) & 0x7fc0, 0x7fc0);
}

#[cfg(target_arch = "x86_64")]
#[test]
fn rounding_equals_vcvtne2ps2bf16_where_the_cpu_has_it() {
    if !std::arch::is_x86_feature_detected!("avx512bf16") {
        return;
    }
    #[target_feature(enable = "avx512f,avx512bf16")]
    unsafe fn native(x: &[f32; 16]) -> [u16; 16] {
        use std::arch::x86_64::*;
        let v = _mm512_loadu_ps(x.as_ptr());
        let r: [u16; 32] = std::mem::transmute(_mm512_cvtne2ps_pbh(v, v));
        let mut out = [0u16; 16];
        out.copy_from_slice(&r[..16]);
        out
    }
    let mut state = 0x1234_5678_9abc_def0u64;
    for _ in 0..20_000 {
        let mut x = [0.0f32; 16];
        for v in &mut x {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *v = f32::from_bits((state >> 32) as u32);
        }
        // SAFETY: the CPU has AVX512-BF16 (checked above).
        let got = unsafe { native(&x) };
        for (v, g) in x.iter().zip(got) {
            let mine = bf16_bits(*v) as u16;
            if v.is_nan() {
                assert!(g & 0x7fc0 == 0x7fc0 && mine & 0x7fc0 == 0x7fc0);
            } else {
                assert_eq!(mine, g, "{v:e} ({:#x})", v.to_bits());
            }
        }
    }
}

#[test]
fn every_level_matches_the_rounded_product_on_odd_shapes_and_layouts() {
    let shapes = [
        (1, 1, 1),
        (3, 5, 7),
        (13, 33, 31),
        (12, 2 * KC + 3, 32),
        (37, 100, 130),
        (200, 50, 70),
    ];
    for level in isa::available() {
        for &(m, k, n) in &shapes {
            let a = data(m, k, 1);
            let b = data(k, n, 2);
            let want = reference(&a, &b);
            let mut c = Array2::zeros((m, n));
            gemm_bf16_at(level, a.view(), b.view(), c.view_mut(), false, 1);
            close(&c, &want, k, &format!("{level:?} {m}x{k}x{n}"));
            // Transposed operands and a column-major, accumulated output.
            let at = a.t().to_owned();
            let bt = b.t().to_owned();
            let mut ct = Array2::from_elem((n, m), 1.0f32);
            gemm_bf16_at(
                level,
                at.t(),
                bt.t(),
                ct.view_mut().reversed_axes(),
                true,
                1,
            );
            close(&ct.t().to_owned(), &(&want + 1.0), k, "transposed");
        }
    }
}

#[test]
fn amx_kernel_matches_the_rounded_product_on_odd_shapes_and_layouts() {
    let Some(amx) = bf16_amx::granted() else {
        eprintln!("no AMX here: the AMX kernel is not run");
        return;
    };
    // Past one k block (1024), one N block (1024), ragged 32 x 32 blocks.
    for (m, k, n) in [(1, 1, 1), (33, 31, 17), (70, 1025, 40), (40, 2100, 1100)] {
        let a = data(m, k, 7);
        let b = data(k, n, 8);
        let want = reference(&a, &b);
        let mut c = Array2::zeros((m, n));
        gemm_bf16_on(
            Isa::Avx512,
            Some(amx),
            a.view(),
            b.view(),
            c.view_mut(),
            false,
            1,
        );
        close(&c, &want, k, &format!("amx {m}x{k}x{n}"));
        // Row-major C summed into in place, on two threads.
        let mut c = Array2::from_elem((m, n), 1.0f32);
        gemm_bf16_on(
            Isa::Avx512,
            Some(amx),
            a.view(),
            b.view(),
            c.view_mut(),
            true,
            2,
        );
        close(&c, &(&want + 1.0), k, "amx accumulated");
        let (at, bt) = (a.t().to_owned(), b.t().to_owned());
        let mut ct = Array2::from_elem((n, m), 1.0f32);
        let c_cm = ct.view_mut().reversed_axes();
        gemm_bf16_on(Isa::Avx512, Some(amx), at.t(), bt.t(), c_cm, true, 2);
        close(&ct.t().to_owned(), &(&want + 1.0), k, "amx transposed");
    }
}

#[test]
fn native_and_emulated_kernels_give_the_same_bits_on_every_layout() {
    let levels = isa::available();
    let (m, k, n) = (50, 2 * KC + 77, 70);
    let a = data(m, k, 3);
    let b = data(k, n, 4);
    // Column-major copies: packed through the other (native) loops.
    let (at, bt) = (a.t().to_owned(), b.t().to_owned());
    // The vector kernels only: AMX tiles round their sums differently.
    let run = |level: Isa, a: ArrayView2<f32>, b: ArrayView2<f32>| {
        let mut c = Array2::zeros((m, n));
        gemm_bf16_on(level, None, a, b, c.view_mut(), false, 1);
        c
    };
    let first = run(levels[0], a.view(), b.view());
    for &level in &levels {
        assert_eq!(run(level, a.view(), b.view()), first, "{level:?}");
        assert_eq!(run(level, at.t(), bt.t()), first, "{level:?} transposed");
    }
}

#[test]
fn threads_do_not_change_the_result() {
    for (m, k, n) in [(300, 500, 260), (9, 3 * DEEP_BLOCK + 77, 32)] {
        threads_do_not_change(m, k, n);
    }
}

fn threads_do_not_change(m: usize, k: usize, n: usize) {
    let a = data(m, k, 5);
    let b = data(k, n, 6);
    let mut one = Array2::zeros((m, n));
    gemm_bf16(a.view(), b.view(), one.view_mut(), false, 1);
    for threads in [2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut c = Array2::zeros((m, n));
        pool.install(|| gemm_bf16(a.view(), b.view(), c.view_mut(), false, threads));
        assert_eq!(c, one, "{threads} threads");
    }
}

#[test]
fn precision_names_parse_and_unknown_ones_name_the_op() {
    assert_eq!(
        Precision::parse("matmul", "bfloat16").unwrap(),
        Precision::Bf16
    );
    let err = Precision::parse("matmul", "float16")
        .unwrap_err()
        .to_string();
    assert!(err.contains("matmul") && err.contains("float16") && err.contains("bfloat16"));
}

#[test]
fn one_row_takes_the_direct_path_with_the_vector_kernels_bits() {
    for (m, k, n) in [(1, 1, 1), (1, 7, 33), (2, 2 * KC + 5, 70), (1, 784, 512)] {
        let a = data(m, k, 9);
        let b = data(k, n, 10);
        for &level in &isa::available() {
            for accumulate in [false, true] {
                let mut direct = Array2::from_elem((m, n), 0.5f32);
                super::super::bf16_rows::gemm_rows(
                    level,
                    a.view(),
                    b.view(),
                    direct.view_mut(),
                    accumulate,
                );
                // The packed vector kernel (the rows path is skipped by
                // giving it a column-major B with the same values).
                let bt = b.t().to_owned();
                let mut packed = Array2::from_elem((m, n), 0.5f32);
                gemm_bf16_on(
                    level,
                    None,
                    a.view(),
                    bt.t(),
                    packed.view_mut(),
                    accumulate,
                    1,
                );
                assert_eq!(
                    direct, packed,
                    "{level:?} {m}x{k}x{n} accumulate={accumulate}"
                );
            }
        }
    }
}
