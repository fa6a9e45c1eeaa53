//! Products sharing one B operand, and products whose A or B a caller
//! packed itself for the AMX kernel (the bf16 im2col, `im2col_bf16`): the
//! entry points of [`super::bf16`] that take operands already packed.

use super::bf16::{blocked, gemm_bf16_with, strided, Out, Precision};
use super::bf16_amx;
use super::bf16_kernel::native_at;
use super::isa::{self, Isa};
use super::matmul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// The B operand of several products (a convolution's kernel, used by
/// each of its image tasks): the matrix, and under bf16 with AMX its panels
/// packed once here rather than once per product.
pub struct SharedB<'a> {
    view: ArrayView2<'a, f32>,
    /// AMX panels of `view` (`bf16_amx::pack_b_all`), when the products
    /// will run on AMX.
    amx: Option<Vec<u32>>,
}

impl<'a> SharedB<'a> {
    /// `b` for products in `precision`, packed now if they will run on AMX.
    pub fn new(precision: Precision, b: ArrayView2<'a, f32>) -> Self {
        let level = isa::level().min(isa::widest());
        let amx = (precision == Precision::Bf16
            && level == Isa::Avx512
            && bf16_amx::granted().is_some()
            && !b.is_empty())
        .then(|| bf16_amx::pack_b_all(&strided(&b), native_at(level)));
        SharedB { view: b, amx }
    }
}

impl SharedB<'_> {
    /// Whether an (m, k) x B product takes an A packed by the caller for
    /// AMX ([`gemm_serial_packed_a`]): B is packed for AMX and the product
    /// is one [`gemm_serial_shared`] would run on the AMX tiles (not the
    /// one-row or deep paths), so the sums are the same as from a matrix A.
    pub fn takes_packed_a(&self, m: usize, k: usize) -> bool {
        self.amx.is_some() && self.view.dim().0 == k && blocked(m, k, self.view.dim().1)
    }
}

/// `c (+)= A · b` on the calling thread's AMX tiles, with A (`m` x `k`)
/// given as the AMX kernel's packed A panels (`bf16_amx::a_layout`; a bf16
/// im2col writes them directly). The caller has checked
/// [`SharedB::takes_packed_a`]; a product that does not take it is refused
/// by panic (a bug in the caller), as is a shape mismatch.
pub(super) fn gemm_serial_packed_a(
    words: &[u32],
    m: usize,
    k: usize,
    b: &SharedB,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    let n = b.view.dim().1;
    let granted = bf16_amx::granted();
    assert!(
        b.takes_packed_a(m, k) && c.dim() == (m, n) && granted.is_some(),
        "bf16 gemm: a packed A the product cannot take (a bug in the caller)"
    );
    let (Some(granted), Some(bw)) = (granted, b.amx.as_deref()) else {
        return;
    };
    let out = Out::of(&mut c);
    let a = bf16_amx::AOperand::Packed { words, m, k };
    let b = bf16_amx::BOperand::Packed { words: bw, k, n };
    let native = native_at(isa::level().min(isa::widest()));
    bf16_amx::gemm(granted, a, b, out, accumulate, false, native);
}

/// Whether an (m, k) x (k, n) bf16 product on this thread takes a B packed
/// by the caller for AMX ([`gemm_serial_packed_b`]): AMX is in force and
/// the product is one the AMX tiles run (not the one-row or deep paths).
pub fn takes_packed_b(m: usize, k: usize, n: usize) -> bool {
    isa::level().min(isa::widest()) == Isa::Avx512
        && bf16_amx::granted().is_some()
        && blocked(m, k, n)
}

/// `c (+)= round(a) · B` on the calling thread's AMX tiles, with B (`k` x
/// `n`) given as the AMX kernel's packed panels (`bf16_amx::b_words`; a
/// bf16 im2col writes them directly). The caller has checked
/// [`takes_packed_b`]; a product that does not take it is refused by panic
/// (a bug in the caller), as is a shape mismatch.
pub(super) fn gemm_serial_packed_b(
    a: ArrayView2<f32>,
    words: &[u32],
    n: usize,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    let (m, k) = a.dim();
    let granted = bf16_amx::granted();
    assert!(
        takes_packed_b(m, k, n) && c.dim() == (m, n) && granted.is_some(),
        "bf16 gemm: a packed B the product cannot take (a bug in the caller)"
    );
    let Some(granted) = granted else {
        return;
    };
    let out = Out::of(&mut c);
    let sa = strided(&a);
    let b = bf16_amx::BOperand::Packed { words, k, n };
    let native = native_at(isa::level().min(isa::widest()));
    bf16_amx::gemm(
        granted,
        bf16_amx::AOperand::Matrix(&sa),
        b,
        out,
        accumulate,
        false,
        native,
    );
}

/// [`super::bf16::gemm_serial_p`] with a shared B.
pub fn gemm_serial_shared(
    precision: Precision,
    a: ArrayView2<f32>,
    b: &SharedB,
    c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    match precision {
        Precision::F32 => matmul::gemm_serial(a, b.view, c, accumulate),
        Precision::Bf16 => {
            let level = isa::level();
            let amx = match level.min(isa::widest()) {
                Isa::Avx512 => bf16_amx::granted(),
                _ => None,
            };
            let packed = b.amx.as_deref();
            gemm_bf16_with(level, amx, a, b.view, packed, c, accumulate, 1)
        }
    }
}
