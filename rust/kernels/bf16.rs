//! bfloat16 GEMM with float32 accumulation, for the `mixed_bfloat16` policy.
//!
//! `c (+)= round_bf16(a) · round_bf16(b)`: both operands are rounded to
//! bf16 (to nearest even) while they are packed, the products are summed in
//! float32, and the result is float32. On a CPU with AVX512-BF16 (and the
//! avx512 path in force) the micro-kernel is `vdpbf16ps`, 32 products per
//! instruction, twice the f32 FMA's; elsewhere an emulated kernel gives the
//! same sums (see [`super::bf16_pack`]).
//!
//! Blocking: for each block of `KC` along k, A (all rows) and B (`NC`
//! columns at a time) are packed once, in parallel by panels, then tiles of
//! `MC` rows x `NCHUNK` columns are computed in parallel, each tile's
//! micro-kernels reusing one B panel (in L1) across the tile's A panels.
//! Every output element is summed in the same order (k-pairs in order
//! within a block, blocks added in order), whatever the thread count.

use super::bf16_amx;
use super::bf16_kernel::{micro_tile, native_at, APanel, MR, NR};
use super::bf16_pack::{pack_a_panel, pack_b_panel, Strided};
use super::bf16_rows;
use super::isa::{self, Isa};
use super::matmul;
use crate::error::{Error, Result};
use ndarray::{ArrayView2, ArrayViewMut2};
use rayon::prelude::*;
use std::cell::RefCell;

pub use super::bf16_pack::round_bf16;
pub(super) use super::bf16_shared::{gemm_serial_packed_a, gemm_serial_packed_b};
pub use super::bf16_shared::{gemm_serial_shared, takes_packed_b, SharedB};

/// Inner-axis block (an even number, so k-pairs never straddle blocks).
pub(super) const KC: usize = 384;
/// Columns of B packed at once.
const NC: usize = 4096;
/// Rows of one parallel tile (a multiple of MR).
const MC: usize = 16 * MR;
/// Columns of one parallel tile (a multiple of NR).
const NCHUNK: usize = 4 * NR;
/// Multiply-adds below which the product stays on one thread.
const PARALLEL_FLOPS: usize = 1 << 20;

/// The precision a matmul or convolution computes its products in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// float32 operands and accumulation.
    F32,
    /// Operands rounded to bfloat16, float32 accumulation and output.
    Bf16,
}

impl Precision {
    /// Names as the ops' `precision` attribute takes them (Keras's dtype names).
    pub const NAMES: [&'static str; 2] = ["float32", "bfloat16"];

    /// Parses an op's `precision` attribute, naming the op when refused.
    pub fn parse(op: &str, name: &str) -> Result<Self> {
        match name {
            "float32" => Ok(Precision::F32),
            "bfloat16" => Ok(Precision::Bf16),
            _ => Err(Error::argument(
                op,
                format!(
                    "'precision' must be one of {}. Received: precision={name:?}",
                    Self::NAMES.join(", ")
                ),
            )),
        }
    }
}

/// Which bf16 micro-kernel runs at the level in force: "amx" (AMX tiles),
/// "native" (AVX512-BF16) or "emulated".
pub fn path() -> &'static str {
    let level = isa::level();
    if level == Isa::Avx512 && bf16_amx::available() {
        "amx"
    } else if native_at(level) {
        "native"
    } else {
        "emulated"
    }
}

/// `c (+)= a · b` in `precision`, on the threads of the pool it runs in.
pub fn gemm_into_p(
    precision: Precision,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    match precision {
        Precision::F32 => matmul::gemm_into(a, b, c, accumulate),
        Precision::Bf16 => gemm_bf16(a, b, c, accumulate, super::parallel::threads_here()),
    }
}

/// [`gemm_into_p`] on the calling thread only.
pub fn gemm_serial_p(
    precision: Precision,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
    accumulate: bool,
) {
    match precision {
        Precision::F32 => matmul::gemm_serial(a, b, c, accumulate),
        Precision::Bf16 => gemm_bf16(a, b, c, accumulate, 1),
    }
}

/// The strided description of a view, for the packing.
pub(super) fn strided(m: &ArrayView2<f32>) -> Strided {
    Strided {
        ptr: m.as_ptr(),
        rows: m.dim().0,
        cols: m.dim().1,
        rs: m.strides()[0],
        cs: m.strides()[1],
    }
}

/// Whether [`gemm_into_p`] keeps an (m, k) x (k, n) product on one thread.
pub fn runs_on_one_thread_p(precision: Precision, m: usize, k: usize, n: usize) -> bool {
    match precision {
        Precision::F32 => matmul::runs_on_one_thread(m, k, n),
        Precision::Bf16 => {
            let one_tile = tiles(m, n.min(NC)) < 2;
            let deep = one_tile && k >= 2 * DEEP_BLOCK && m * n <= DEEP_MAX_OUTPUT;
            !deep && (m * n * k < PARALLEL_FLOPS || one_tile)
        }
    }
}

/// Whether an (m, k) x (k, n) product runs on the blocked kernels (AMX
/// where granted), not on the one-row or the deep path: what a caller
/// packing an operand itself must check, so its sums are the same.
pub(super) fn blocked(m: usize, k: usize, n: usize) -> bool {
    let deep = tiles(m, n.min(NC)) < 2 && k >= 2 * DEEP_BLOCK && m * n <= DEEP_MAX_OUTPUT;
    m > bf16_rows::MAX_ROWS && k > 0 && n > 0 && !deep
}

fn tiles(m: usize, n: usize) -> usize {
    m.div_ceil(MC) * n.div_ceil(NCHUNK)
}

/// A writable strided matrix shared by tiles that write disjoint blocks.
#[derive(Clone, Copy)]
pub(super) struct Out {
    ptr: *mut f32,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
}

// SAFETY: made from the live `c` view of one GEMM call; tiles write
// disjoint (row, column) blocks of it, so no element is touched twice.
unsafe impl Send for Out {}
// SAFETY: as for Send: shared only between tiles writing disjoint blocks.
unsafe impl Sync for Out {}

thread_local! {
    /// Packed A and B of the calling thread, kept between calls so big
    /// products do not page in fresh buffers every step.
    static PACKED: RefCell<(Vec<u32>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// `c (+)= round(a) · round(b)` on up to `threads` threads. Shapes are the
/// caller's contract, checked here (a mismatch is a bug, refused by panic
/// before any unsafe access).
pub fn gemm_bf16(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
    accumulate: bool,
    threads: usize,
) {
    gemm_bf16_at(isa::level(), a, b, c, accumulate, threads)
}

/// [`gemm_bf16`] with the micro-kernels of `level` (capped at the CPU's):
/// AMX tiles where the level is avx512 and the CPU and OS allow them.
fn gemm_bf16_at(
    level: Isa,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
    accumulate: bool,
    threads: usize,
) {
    let amx = match level.min(isa::widest()) {
        Isa::Avx512 => bf16_amx::granted(),
        _ => None,
    };
    gemm_bf16_on(level, amx, a, b, c, accumulate, threads)
}

/// [`gemm_bf16_at`] on the AMX kernel when given `amx` (its proof that
/// AMX is usable), else on the vector kernels of `level`.
fn gemm_bf16_on(
    level: Isa,
    amx: Option<bf16_amx::Amx>,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
    accumulate: bool,
    threads: usize,
) {
    gemm_bf16_with(level, amx, a, b, None, c, accumulate, threads)
}

/// [`gemm_bf16_on`], with B's AMX panels `prepacked` by
/// `bf16_amx::pack_b_all` (the AMX kernel checks their length).
#[allow(clippy::too_many_arguments)]
pub(super) fn gemm_bf16_with(
    level: Isa,
    amx: Option<bf16_amx::Amx>,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    prepacked: Option<&[u32]>,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
    threads: usize,
) {
    let (m, k) = a.dim();
    let n = b.dim().1;
    assert!(
        b.dim().0 == k && c.dim() == (m, n),
        "bf16 gemm: operands ({m}, {k}) x {:?} into {:?} do not fit (a bug in the caller)",
        b.dim(),
        c.dim()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    if bf16_rows::suits(m, &b) {
        return bf16_rows::gemm_rows(level.min(isa::widest()), a, b, c, accumulate);
    }
    // Whatever the thread count, so the sums do not depend on it.
    if tiles(m, n.min(NC)) < 2 && k >= 2 * DEEP_BLOCK && m * n <= DEEP_MAX_OUTPUT {
        return deep_bf16(level, amx, a, b, c, accumulate, threads);
    }
    let level = level.min(isa::widest());
    let native = native_at(level);
    let parallel = threads > 1 && m * n * k >= PARALLEL_FLOPS;
    let (sa, sb) = (strided(&a), strided(&b));
    let out = Out {
        ptr: c.as_mut_ptr(),
        rows: m,
        cols: n,
        rs: c.strides()[0],
        cs: c.strides()[1],
    };
    if let Some(granted) = amx {
        let b = match prepacked {
            Some(words) => bf16_amx::BOperand::Packed { words, k, n },
            None => bf16_amx::BOperand::Matrix(&sb),
        };
        return bf16_amx::gemm(
            granted,
            bf16_amx::AOperand::Matrix(&sa),
            b,
            out,
            accumulate,
            parallel,
            native,
        );
    }
    let (mut pa, mut pb) = PACKED.with(|p| std::mem::take(&mut *p.borrow_mut()));
    let m_panels = m.div_ceil(MR);
    for k0 in (0..k).step_by(KC) {
        let kc = KC.min(k - k0);
        let kp = kc.div_ceil(2);
        let add = accumulate || k0 > 0;
        // A column-major A packs fastest with its pairs contiguous.
        let a_layout = if sa.rs == 1 && sa.cs != 1 {
            APanel::pairs()
        } else {
            APanel::rows(kp)
        };
        pa.resize(m_panels * kp * MR, 0);
        pack(&mut pa, kp * MR, parallel, |i, panel| {
            isa::run_at(
                level,
                #[inline(always)]
                move || pack_a_panel(native, &sa, a_layout, i * MR, k0, kc, panel),
            )
        });
        for n0 in (0..n).step_by(NC) {
            let nc = NC.min(n - n0);
            let n_panels = nc.div_ceil(NR);
            pb.resize(n_panels * kp * NR, 0);
            pack(&mut pb, kp * NR, parallel, |j, panel| {
                isa::run_at(
                    level,
                    #[inline(always)]
                    move || pack_b_panel(native, &sb, n0 + j * NR, k0, kc, panel),
                )
            });
            let block = Block {
                pa: &pa,
                pb: &pb,
                kp,
                a_layout,
                m,
                n0,
                nc,
                native,
                level,
                add,
                out,
            };
            let count = tiles(m, nc);
            let col_tiles = nc.div_ceil(NCHUNK);
            let run = |t: usize| block.tile(t / col_tiles, t % col_tiles);
            if parallel && count > 1 {
                (0..count).into_par_iter().for_each(run);
            } else {
                (0..count).for_each(run);
            }
        }
    }
    PACKED.with(|p| *p.borrow_mut() = (pa, pb));
}

/// Products whose output is one tile but whose inner axis is long (a first
/// convolution's kernel gradient: 9 x 32 outputs over 100k pixels) cut the
/// inner axis instead, in fixed blocks (a multiple of KC, so each block's
/// sums are the ones the serial product forms), computed in parallel and
/// added in block order: the result does not depend on the thread count.
const DEEP_BLOCK: usize = 16 * KC;
const DEEP_MAX_OUTPUT: usize = MC * NCHUNK;

fn deep_bf16(
    level: Isa,
    amx: Option<bf16_amx::Amx>,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
    threads: usize,
) {
    let (m, k) = a.dim();
    let n = b.dim().1;
    let starts: Vec<usize> = (0..k).step_by(DEEP_BLOCK).collect();
    let partial = |&start: &usize| {
        let end = (start + DEEP_BLOCK).min(k);
        let mut part = ndarray::Array2::<f32>::zeros((m, n));
        gemm_bf16_on(
            level,
            amx,
            a.slice(ndarray::s![.., start..end]),
            b.slice(ndarray::s![start..end, ..]),
            part.view_mut(),
            false,
            1,
        );
        part
    };
    let partials: Vec<ndarray::Array2<f32>> = if threads > 1 {
        starts.par_iter().with_max_len(1).map(partial).collect()
    } else {
        starts.iter().map(partial).collect()
    };
    if !accumulate {
        c.fill(0.0);
    }
    for part in &partials {
        c += part;
    }
}

/// Fills `buf` panel by panel (`len` words each) with `fill(index, panel)`.
pub(super) fn pack(
    buf: &mut [u32],
    len: usize,
    parallel: bool,
    fill: impl Fn(usize, &mut [u32]) + Sync,
) {
    // 64 KiB and more than one panel: worth a second thread.
    if parallel && buf.len() >= 16 * 1024 && buf.len() > len {
        buf.par_chunks_mut(len)
            .enumerate()
            .for_each(|(i, p)| fill(i, p));
    } else {
        buf.chunks_mut(len)
            .enumerate()
            .for_each(|(i, p)| fill(i, p));
    }
}

/// One packed (KC-block, NC-block) of the product.
struct Block<'a> {
    pa: &'a [u32],
    pb: &'a [u32],
    kp: usize,
    a_layout: APanel,
    m: usize,
    n0: usize,
    nc: usize,
    native: bool,
    level: Isa,
    add: bool,
    out: Out,
}

impl Block<'_> {
    /// Computes tile (row block `ti`, column chunk `tj`) and writes it to C.
    fn tile(&self, ti: usize, tj: usize) {
        let kp = self.kp;
        let mut buf = [0.0f32; MR * NR];
        let rows = ti * MC..(ti * MC + MC).min(self.m);
        let cols = tj * NCHUNK..(tj * NCHUNK + NCHUNK).min(self.nc);
        for j0 in cols.step_by(NR) {
            let b = &self.pb[j0 / NR * kp * NR..][..kp * NR];
            for i0 in rows.clone().step_by(MR) {
                let a = &self.pa[i0 / MR * kp * MR..][..kp * MR];
                micro_tile(self.native, self.level, kp, a, self.a_layout, b, &mut buf);
                self.store(&buf, i0, self.n0 + j0);
            }
        }
    }

    /// Writes (or adds) the valid part of a micro-tile at C's (i0, j0).
    fn store(&self, tile: &[f32], i0: usize, j0: usize) {
        let rows = MR.min(self.m - i0);
        let cols = NR.min(self.n0 + self.nc - j0);
        self.out.store(tile, NR, self.add, i0, j0, rows, cols);
    }
}

impl Out {
    /// The output view `c` of one product.
    pub(super) fn of(c: &mut ArrayViewMut2<f32>) -> Out {
        Out {
            ptr: c.as_mut_ptr(),
            rows: c.dim().0,
            cols: c.dim().1,
            rs: c.strides()[0],
            cs: c.strides()[1],
        }
    }

    /// Where the `rows` x `cols` block at (i0, j0) starts and how far apart
    /// its rows are, when C is row-major with non-overlapping rows and the
    /// block lies wholly inside it (so a kernel may sum into C in place).
    pub(super) fn whole_block(
        self,
        i0: usize,
        j0: usize,
        rows: usize,
        cols: usize,
    ) -> Option<(*mut f32, usize)> {
        let row = usize::try_from(self.rs).ok()?;
        let fits = self.cs == 1 && row >= self.cols && i0 + rows <= self.rows;
        if !fits || j0 + cols > self.cols {
            return None;
        }
        // SAFETY: (i0, j0) is inside C (checked above), so the offset stays
        // inside the allocation C's view lives in.
        Some((unsafe { self.ptr.add(i0 * row + j0) }, row))
    }

    /// Writes (or adds, when `add`) the top-left `rows` x `cols` of `tile`
    /// (rows `row` floats apart) at C's (i0, j0).
    ///
    /// The caller gives each thread blocks no other thread writes.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn store(
        self,
        tile: &[f32],
        row: usize,
        add: bool,
        i0: usize,
        j0: usize,
        rows: usize,
        cols: usize,
    ) {
        assert!(
            cols <= row
                && (rows == 0 || tile.len() >= (rows - 1) * row + cols)
                && i0 + rows <= self.rows
                && j0 + cols <= self.cols,
            "bf16 gemm: tile store outside C (a bug in the caller)"
        );
        let o = self;
        if o.cs == 1 {
            // Row-major C: whole row segments (the loops vectorize).
            for (i, src) in tile.chunks(row).take(rows).enumerate() {
                // SAFETY: row i0 + i, columns j0..j0 + cols are inside C
                // (asserted above against C's shape), contiguous as cs is
                // 1; tiles cover disjoint blocks, so nothing else holds them.
                let dst = unsafe {
                    let start = o.ptr.offset((i0 + i) as isize * o.rs + j0 as isize);
                    std::slice::from_raw_parts_mut(start, cols)
                };
                if add {
                    for (d, &v) in dst.iter_mut().zip(src) {
                        *d += v;
                    }
                } else {
                    dst.copy_from_slice(&src[..cols]);
                }
            }
            return;
        }
        for (i, src) in tile.chunks(row).take(rows).enumerate() {
            for (j, &v) in src[..cols].iter().enumerate() {
                // SAFETY: (i0 + i, j0 + j) is inside C (asserted above);
                // tiles cover disjoint blocks.
                unsafe {
                    let p = o
                        .ptr
                        .offset((i0 + i) as isize * o.rs + (j0 + j) as isize * o.cs);
                    *p = if add { *p + v } else { v };
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "bf16_tests.rs"]
mod tests;
