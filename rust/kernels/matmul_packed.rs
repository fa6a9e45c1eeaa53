//! The gemm crate's packed kernels, called single-threaded at pykeras's
//! instruction-set level (see [`super`] for how products are split).

use super::isa::Isa;
use gemm_common::simd::MixedSimd;
use gemm_common::Parallelism;

/// Sizes and strides (in elements) of one product, as `packed_gemm` takes them.
#[derive(Clone, Copy)]
pub(super) struct Layout {
    pub(super) m: usize,
    pub(super) n: usize,
    pub(super) k: usize,
    pub(super) c_rs: isize,
    pub(super) c_cs: isize,
    pub(super) a_rs: isize,
    pub(super) a_cs: isize,
    pub(super) b_rs: isize,
    pub(super) b_cs: isize,
    pub(super) accumulate: bool,
}

impl Layout {
    /// The same product in the orientation the micro-kernels want, as the
    /// gemm crate's front end arranges it: C column-major (else compute
    /// Cᵀ = Bᵀ·Aᵀ), and positive strides along C's axes and along K (a
    /// reversed axis is walked from its other end). Pointer moves stay
    /// inside the matrices, to the element the reversed walk starts at.
    fn oriented(
        self,
        c: *mut f32,
        a: *const f32,
        b: *const f32,
    ) -> (Layout, *mut f32, *const f32, *const f32) {
        let mut l = self;
        let (mut c, mut a, mut b) = (c, a, b);
        if l.c_cs.abs() < l.c_rs.abs() {
            l = Layout {
                m: self.n,
                n: self.m,
                c_rs: self.c_cs,
                c_cs: self.c_rs,
                a_rs: self.b_cs,
                a_cs: self.b_rs,
                b_rs: self.a_cs,
                b_cs: self.a_rs,
                ..self
            };
            std::mem::swap(&mut a, &mut b);
        }
        if l.c_rs < 0 && l.m > 0 {
            c = c.wrapping_offset((l.m - 1) as isize * l.c_rs);
            a = a.wrapping_offset((l.m - 1) as isize * l.a_rs);
            l.c_rs = -l.c_rs;
            l.a_rs = -l.a_rs;
        }
        if l.c_cs < 0 && l.n > 0 {
            c = c.wrapping_offset((l.n - 1) as isize * l.c_cs);
            b = b.wrapping_offset((l.n - 1) as isize * l.b_cs);
            l.c_cs = -l.c_cs;
            l.b_cs = -l.b_cs;
        }
        if l.a_cs < 0 && l.k > 0 {
            a = a.wrapping_offset((l.k - 1) as isize * l.a_cs);
            b = b.wrapping_offset((l.k - 1) as isize * l.b_rs);
            l.a_cs = -l.a_cs;
            l.b_rs = -l.b_rs;
        }
        (l, c, a, b)
    }
}

/// One instantiation of the gemm crate's driver: `$simd` is its SIMD token
/// type, `$kernels` the module of micro-kernels for it, `$lanes` their
/// vector width in floats. The same as the crate's own dispatch builds,
/// chosen here by pykeras's level instead of the crate's detection.
macro_rules! packed_gemm_at {
    ($simd:ty, $kernels:path, $lanes:expr, $l:expr, $c:expr, $a:expr, $b:expr) => {{
        use $kernels as kernels;
        let simd = <$simd as MixedSimd<f32, f32, f32, f32>>::try_new()
            .expect("gemm: the CPU lacks the level's features (isa::level caps it)");
        gemm_common::gemm::gemm_basic_generic::<
            _,
            f32,
            $lanes,
            { kernels::MR_DIV_N * $lanes },
            { kernels::NR },
            { kernels::MR_DIV_N },
            { kernels::H_M },
            { kernels::H_N },
        >(
            simd,
            $l.m,
            $l.n,
            $l.k,
            $c,
            $l.c_cs,
            $l.c_rs,
            $l.accumulate,
            $a,
            $l.a_cs,
            $l.a_rs,
            $b,
            $l.b_cs,
            $l.b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            |x, y, z| x * y + z,
            &kernels::UKR,
            &kernels::H_UKR,
            false,
            Parallelism::None,
        )
    }};
}

/// `c (+)= a · b` single-threaded with the micro-kernels of `level`.
///
/// # Safety
///
/// `c`, `a` and `b` point to (m, n), (m, k) and (k, n) matrices with the
/// strides in `l`, valid for the whole call, `c` not aliasing the others;
/// `level` must not exceed what the CPU has (`isa::level()` never does).
pub(super) unsafe fn packed_gemm(level: Isa, l: Layout, c: *mut f32, a: *const f32, b: *const f32) {
    let (l, c, a, b) = l.oriented(c, a, b);
    #[cfg(target_arch = "x86_64")]
    match level {
        Isa::Avx512 => packed_gemm_at!(
            gemm_common::simd::V4,
            gemm_f32::microkernel::avx512f::f32,
            16,
            l,
            c,
            a,
            b
        ),
        Isa::Avx2 => packed_gemm_at!(
            gemm_common::simd::V3,
            gemm_f32::microkernel::fma::f32,
            8,
            l,
            c,
            a,
            b
        ),
        Isa::Baseline => packed_gemm_at!(
            gemm_common::simd::Scalar,
            gemm_f32::microkernel::scalar::f32,
            1,
            l,
            c,
            a,
            b
        ),
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = level;
        packed_gemm_at!(
            gemm_common::simd::Scalar,
            gemm_f32::microkernel::scalar::f32,
            1,
            l,
            c,
            a,
            b
        )
    }
}
