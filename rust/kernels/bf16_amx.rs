//! The AMX micro-kernel of the bf16 GEMM ([`super::bf16`]): one 32 x 32
//! block of `A_panel · B_panel` as four 16 x 16 float32 tiles, one
//! `tdpbf16ps` (16 x 16 x 32 multiply-adds) per tile and 16 k-pairs.
//!
//! AMX (Intel since Sapphire Rapids) does in one instruction what
//! `vdpbf16ps` does in 16; on such a CPU the bf16 GEMM runs this kernel.
//! The panels are the ones [`super::bf16_pack`] makes, with the k-pairs
//! padded with zeros to a multiple of 16: an A panel holds [`MA`] rows with
//! each row's pairs contiguous (an AMX A tile is 16 rows of 16 pairs), a B
//! panel holds 32 columns with each k-pair's words contiguous (an AMX B
//! tile is 16 pairs of 16 columns: half a panel's row, read with a stride).
//!
//! The tile unit sums the 32 products of a tile row with more precision
//! than float32 before rounding once per instruction, so its results differ
//! from `vdpbf16ps`'s in the last bits (both are within float32 summation
//! error of the exact sum of the rounded operands); they depend only on the
//! shapes, never on the thread count.
//!
//! Linux hands out the AMX register state per process on request
//! (`arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)`); [`available`]
//! asks once and uses AMX only when the kernel grants it.

use super::bf16::{pack, Out};
pub(super) use super::bf16_amx_pack::{a_layout, a_words, b_words, AOperand, BOperand};
use super::bf16_amx_pack::{pack_a_rows, pack_b_panels};
use super::bf16_kernel::NR;
use super::bf16_pack::Strided;
use super::isa::{self, Isa};
use rayon::prelude::*;
use std::cell::RefCell;

/// Rows of an AMX block: two A tiles.
pub const MA: usize = 32;
/// k-pairs of one tile step: an A tile row is 16 pairs (64 bytes).
pub const PAIRS: usize = 16;

/// `kp` pairs padded to whole tile steps.
pub fn padded_pairs(kp: usize) -> usize {
    kp.div_ceil(PAIRS) * PAIRS
}

/// Whether this CPU has AMX-TILE and AMX-BF16 and the OS lets this process
/// use them (asked once, on the first call).
pub fn available() -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        static GRANTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *GRANTED.get_or_init(|| cpu_has_amx_bf16() && os::request_tile_data())
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    {
        false
    }
}

/// CPUID leaf 7: EDX bit 22 is AMX-BF16, bit 24 AMX-TILE.
#[cfg(target_arch = "x86_64")]
pub fn cpu_has_amx_bf16() -> bool {
    use std::arch::x86_64::{__cpuid, __cpuid_count};
    // Leaf 7 is read only where leaf 0 says it exists.
    if __cpuid(0).eax < 7 {
        return false;
    }
    let edx = __cpuid_count(7, 0).edx;
    edx & (1 << 22) != 0 && edx & (1 << 24) != 0
}

#[cfg(not(target_arch = "x86_64"))]
pub fn cpu_has_amx_bf16() -> bool {
    false
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod os {
    /// `arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)`: true when the
    /// kernel grants this process the AMX tile data state (Linux 5.16+).
    pub fn request_tile_data() -> bool {
        const SYS_ARCH_PRCTL: i64 = 158;
        const ARCH_REQ_XCOMP_PERM: i64 = 0x1023;
        const XFEATURE_XTILEDATA: i64 = 18;
        let ret: i64;
        // SAFETY: the arch_prctl system call with these arguments only
        // changes which register state the kernel saves for this process;
        // it reads and writes no memory of ours. `syscall` clobbers rcx and
        // r11, declared here.
        unsafe {
            std::arch::asm!(
                "syscall",
                inlateout("rax") SYS_ARCH_PRCTL => ret,
                in("rdi") ARCH_REQ_XCOMP_PERM,
                in("rsi") XFEATURE_XTILEDATA,
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack)
            );
        }
        ret == 0
    }
}

/// The palette-1 tile configuration: eight tiles of 16 rows x 64 bytes
/// (tmm0-3 the C block, tmm4-5 A, tmm6-7 B).
#[cfg(target_arch = "x86_64")]
#[repr(C, align(64))]
struct TileConfig {
    palette: u8,
    start_row: u8,
    reserved: [u8; 14],
    colsb: [u16; 16],
    rows: [u8; 16],
}

/// Proof that AMX tiles are usable in this process: only [`granted`] makes
/// one, so a kernel holding it needs no further check.
#[derive(Clone, Copy, Debug)]
pub struct Amx(());

/// An [`Amx`] where [`available`] holds.
pub fn granted() -> Option<Amx> {
    available().then_some(Amx(()))
}

/// The AMX tiles configured on the calling thread for the life of the
/// value; released (`tilerelease`) when dropped, so the thread does not
/// carry tile state between products.
pub struct Tiles {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Tiles {
    /// Configures the tiles on the calling thread.
    pub fn configure(_granted: Amx) -> Tiles {
        #[cfg(target_arch = "x86_64")]
        {
            let mut cfg = TileConfig {
                palette: 1,
                start_row: 0,
                reserved: [0; 14],
                colsb: [0; 16],
                rows: [0; 16],
            };
            for t in 0..8 {
                cfg.colsb[t] = 64;
                cfg.rows[t] = 16;
            }
            // SAFETY: AMX is available and granted (an `Amx` exists); the
            // configuration is a valid palette-1 one (8 tiles of 16 rows x
            // 64 bytes, the palette's maximum), 64-byte aligned as required.
            unsafe {
                std::arch::asm!("ldtilecfg [{}]", in(reg) &cfg as *const TileConfig, options(nostack, readonly));
            }
        }
        Tiles {
            _not_send: std::marker::PhantomData,
        }
    }

    /// One block: the 32 x 32 floats at `c` (rows `c_row` floats apart)
    /// become `A_panel · B_panel` over `kpp` pairs, plus what they held when
    /// `load`.
    ///
    /// `a` holds [`MA`] rows of `a_row` words, each row's first `kpp` words
    /// its pairs; `b` holds `kpp` pairs of 32 words (word (p, j) at
    /// `p * 32 + j`). `kpp` is a multiple of [`PAIRS`].
    #[allow(clippy::too_many_arguments)]
    pub fn block(
        &self,
        kpp: usize,
        a: &[u32],
        a_row: usize,
        b: &[u32],
        c: &mut [f32],
        c_row: usize,
        load: bool,
    ) {
        assert!(
            c_row >= NR && c.len() >= (MA - 1) * c_row + NR,
            "bf16 gemm: AMX block output (a bug in the caller)"
        );
        // SAFETY: `c` holds the 32 rows of 32 floats, c_row apart (asserted),
        // and the exclusive borrow keeps everything else off them.
        unsafe { self.block_at(kpp, a, a_row, b, c.as_mut_ptr(), c_row, load) }
    }

    /// [`Tiles::block`] with the C block given by a pointer.
    ///
    /// # Safety
    ///
    /// `c` points to 32 rows of 32 floats, `c_row >= 32` floats apart,
    /// valid for reads and writes, which nothing else reads or writes
    /// during the call.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn block_at(
        &self,
        kpp: usize,
        a: &[u32],
        a_row: usize,
        b: &[u32],
        c: *mut f32,
        c_row: usize,
        load: bool,
    ) {
        assert!(
            kpp.is_multiple_of(PAIRS)
                && a_row >= kpp
                && a.len() >= (MA - 1) * a_row + kpp
                && b.len() >= kpp * NR
                && c_row >= NR,
            "bf16 gemm: AMX block buffers (a bug in the caller)"
        );
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `self` exists only while the tiles are configured on this
        // thread (it is neither Send nor Sync); every tile load reads 16 rows
        // of 64 bytes inside `a` (rows i..i + 16 <= MA, words p0..p0 + 16 <=
        // kpp <= a_row) or `b` (pairs p0..p0 + 16 <= kpp, words j..j + 16 <=
        // 32), as the assertion above guarantees, and the C tiles are 16 rows
        // of 64 bytes of the block `c` points to (the caller's contract).
        unsafe {
            let a_stride = a_row * 4;
            let c_stride = c_row * 4;
            let (a, b) = (a.as_ptr(), b.as_ptr());
            let (c0, c1, c2, c3) = (c, c.add(16), c.add(16 * c_row), c.add(16 * c_row + 16));
            if load {
                std::arch::asm!(
                    "tileloadd tmm0, [{c0} + {s}*1]",
                    "tileloadd tmm1, [{c1} + {s}*1]",
                    "tileloadd tmm2, [{c2} + {s}*1]",
                    "tileloadd tmm3, [{c3} + {s}*1]",
                    c0 = in(reg) c0,
                    c1 = in(reg) c1,
                    c2 = in(reg) c2,
                    c3 = in(reg) c3,
                    s = in(reg) c_stride,
                    options(nostack, readonly)
                );
            } else {
                std::arch::asm!(
                    "tilezero tmm0",
                    "tilezero tmm1",
                    "tilezero tmm2",
                    "tilezero tmm3",
                    options(nostack, nomem)
                );
            }
            for p0 in (0..kpp).step_by(PAIRS) {
                std::arch::asm!(
                    "tileloadd tmm4, [{a0} + {sa}*1]",
                    "tileloadd tmm6, [{b0} + {sb}*1]",
                    "tdpbf16ps tmm0, tmm4, tmm6",
                    "tileloadd tmm7, [{b1} + {sb}*1]",
                    "tdpbf16ps tmm1, tmm4, tmm7",
                    "tileloadd tmm5, [{a1} + {sa}*1]",
                    "tdpbf16ps tmm2, tmm5, tmm6",
                    "tdpbf16ps tmm3, tmm5, tmm7",
                    a0 = in(reg) a.add(p0),
                    a1 = in(reg) a.add(16 * a_row + p0),
                    b0 = in(reg) b.add(p0 * NR),
                    b1 = in(reg) b.add(p0 * NR + 16),
                    sa = in(reg) a_stride,
                    sb = in(reg) NR * 4,
                    options(nostack, readonly)
                );
            }
            std::arch::asm!(
                "tilestored [{c0} + {s}*1], tmm0",
                "tilestored [{c1} + {s}*1], tmm1",
                "tilestored [{c2} + {s}*1], tmm2",
                "tilestored [{c3} + {s}*1], tmm3",
                c0 = in(reg) c0,
                c1 = in(reg) c1,
                c2 = in(reg) c2,
                c3 = in(reg) c3,
                s = in(reg) c_stride,
                options(nostack)
            );
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (a, b, c, c_row, load);
    }
}

impl Drop for Tiles {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the tiles were configured by `configure` on this thread
        // (Tiles is not Send); releasing them only resets tile state.
        unsafe {
            std::arch::asm!("tilerelease", options(nostack, nomem));
        }
    }
}

/// Inner-axis block: an A block (32 rows) and a B panel (32 columns) of
/// 128 pairs are 16 KiB each, so a B panel stays in L1 while the A blocks
/// of a tile pass it. A divisor of the bf16 GEMM's deep block, so deep
/// products sum the same blocks.
pub(super) const KC: usize = 256;
/// Rows of one parallel tile (a multiple of [`MA`]).
const MC: usize = 4 * MA;
/// Columns of one parallel tile (a multiple of the panels' 32).
const NCHUNK: usize = 4 * NR;

thread_local! {
    /// Packed A and B of the calling thread, kept between calls.
    static PACKED: RefCell<(Vec<u32>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    /// The B panels of one column chunk, packed by the task that uses them.
    static CHUNK_B: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    /// A tile's float32 sums, across its k blocks.
    static ACC: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Where k block `kb` of a panel starts, and its padded pair count:
/// blocks of [`KC`] / 2 pairs, the last one padded to whole tile steps.
pub(super) fn k_block(kb: usize, k: usize) -> (usize, usize, usize) {
    let k0 = kb * KC;
    let kc = KC.min(k - k0);
    (k0, kc, padded_pairs(kc.div_ceil(2)))
}

/// One product's operands and packing, shared by its tasks.
struct Product {
    /// A's rows and columns (k).
    m: usize,
    k: usize,
    n: usize,
    out: Out,
    accumulate: bool,
    native: bool,
    /// k blocks, and pairs of a panel row over all of them.
    blocks: usize,
    pairs: usize,
}

/// B packed once for the AMX kernel, every panel and k block (panel j at
/// `j * pairs * NR`), for several products with the same B (a
/// convolution's kernel, shared by its image tasks, which otherwise each
/// packed it again).
pub(super) fn pack_b_all(sb: &Strided, native: bool) -> Vec<u32> {
    let k = sb.rows;
    let blocks = k.div_ceil(KC);
    let pairs: usize = (0..blocks).map(|kb| k_block(kb, k).2).sum();
    let panels = sb.cols.div_ceil(NR);
    let mut words = vec![0u32; panels * pairs * NR];
    if panels > 0 && k > 0 {
        pack_b_into(sb, native, pairs, 0, panels, &mut words);
    }
    words
}

/// Packs `panels` B panels from column `c0` (all k blocks, one after
/// another in each panel) into `dst`, panels `pairs * NR` words apart.
fn pack_b_into(
    sb: &Strided,
    native: bool,
    pairs: usize,
    c0: usize,
    panels: usize,
    dst: &mut [u32],
) {
    let k = sb.rows;
    let mut at = 0;
    for kb in 0..k.div_ceil(KC) {
        let (k0, kc, kpp) = k_block(kb, k);
        let words = &mut dst[at..];
        let stride = pairs * NR;
        isa::run_at(
            Isa::Avx512,
            #[inline(always)]
            move || pack_b_panels(native, sb, c0, panels, k0, kc, kpp, stride, words),
        );
        at += kpp * NR;
    }
}

impl Product {
    /// Packs `panels` B panels from column `c0` (all k blocks, one after
    /// another in each panel) into `dst`, panels `pairs * NR` words apart.
    fn pack_b(&self, sb: &Strided, c0: usize, panels: usize, dst: &mut [u32]) {
        pack_b_into(sb, self.native, self.pairs, c0, panels, dst)
    }

    /// Computes the tile of rows `r0..` ([`MC`] at most) and columns `c0..`
    /// ([`NCHUNK`] at most) from packed A and the B panels of its columns
    /// (`b`, from panel `c0 / NR`), and writes it to C.
    fn tile(&self, tiles: &Tiles, packed_a: &[u32], b: &[u32], r0: usize, c0: usize) {
        let (m, k, n, pairs) = (self.m, self.k, self.n, self.pairs);
        let (rows, cols) = (
            MC.min(m - r0).div_ceil(MA) * MA,
            NCHUNK.min(n - c0).div_ceil(NR) * NR,
        );
        let out = self.out;
        ACC.with(|acc| {
            let mut acc = acc.borrow_mut();
            // Every block's first k block overwrites its floats: no zeroing.
            let len = acc.len().max(rows * cols);
            acc.resize(len, 0.0);
            let mut at = 0;
            for kb in 0..self.blocks {
                let kpp = k_block(kb, k).2;
                for j0 in (0..cols).step_by(NR) {
                    let panel = &b[j0 / NR * pairs * NR + at * NR..][..kpp * NR];
                    for i0 in (0..rows).step_by(MA) {
                        let a = &packed_a[(r0 + i0) / MA * MA * pairs + MA * at..][..MA * kpp];
                        match out.whole_block(r0 + i0, c0 + j0, MA, NR) {
                            // Whole blocks of a row-major C are summed in place.
                            // SAFETY: the block is inside C (checked by
                            // `whole_block`), and this task alone writes it.
                            Some((c, c_row)) => unsafe {
                                let load = kb > 0 || self.accumulate;
                                tiles.block_at(kpp, a, kpp, panel, c, c_row, load);
                            },
                            None => {
                                let c = &mut acc[i0 * cols + j0..];
                                tiles.block(kpp, a, kpp, panel, c, cols, kb > 0);
                            }
                        }
                    }
                }
                at += kpp;
            }
            for i0 in (0..MC.min(m - r0)).step_by(MA) {
                for j0 in (0..NCHUNK.min(n - c0)).step_by(NR) {
                    if out.whole_block(r0 + i0, c0 + j0, MA, NR).is_none() {
                        let (r, c) = (MA.min(m - r0 - i0), NR.min(n - c0 - j0));
                        let tile = &acc[i0 * cols + j0..];
                        out.store(tile, cols, self.accumulate, r0 + i0, c0 + j0, r, c);
                    }
                }
            }
        });
    }
}

/// `out (+)= round(a) · round(b)` with AMX tiles.
///
/// A is packed once for the whole product (in parallel by panels; a
/// panel's k blocks one after another). Then, where there are several
/// column chunks of [`NCHUNK`], each task takes one chunk: packs its B
/// panels (so they are computed on while still in cache, and B's packing
/// is shared out with the work) and computes the chunk's tiles of [`MC`]
/// rows. With one chunk, B is packed once and tasks take row tiles. Each
/// tile is summed in a buffer of its own across the k blocks (a block's B
/// panel stays in L1 while the tile's A blocks pass it) and written to C
/// once. `native` says whether packing may use AVX512-BF16 (every AMX CPU
/// has it).
///
/// `prepacked`, when given, is B as [`pack_b_all`] packs it (checked by
/// length), used instead of packing B here.
///
/// The caller (`bf16::gemm_bf16_on`) has checked the shapes.
#[allow(clippy::too_many_arguments)]
pub(super) fn gemm(
    granted: Amx,
    a: AOperand,
    b: BOperand,
    out: Out,
    accumulate: bool,
    parallel: bool,
    native: bool,
) {
    let (m, k) = match a {
        AOperand::Matrix(sa) => (sa.rows, sa.cols),
        AOperand::Packed { m, k, .. } => (m, k),
    };
    let (bk, n, sb, prepacked) = match b {
        BOperand::Matrix(sb) => (sb.rows, sb.cols, Some(sb), None),
        BOperand::Packed { words, k, n } => (k, n, None, Some(words)),
    };
    assert!(
        bk == k && k > 0 && prepacked.is_none_or(|w| w.len() == b_words(k, n)),
        "bf16 gemm: AMX operands (a bug in the caller)"
    );
    let blocks = k.div_ceil(KC);
    let pairs: usize = (0..blocks).map(|kb| k_block(kb, k).2).sum();
    let product = Product {
        m,
        k,
        n,
        out,
        accumulate,
        native,
        blocks,
        pairs,
    };
    let (mut pa, mut pb) = PACKED.with(|p| std::mem::take(&mut *p.borrow_mut()));
    let packed_a = match a {
        AOperand::Packed { words, .. } => {
            assert!(
                words.len() == a_words(m, k),
                "bf16 gemm: packed A of the wrong size (a bug in the caller)"
            );
            words
        }
        AOperand::Matrix(sa) => {
            pa.resize(a_words(m, k), 0);
            pack(&mut pa, MA * pairs, parallel, |i, panel| {
                let mut at = 0;
                for kb in 0..blocks {
                    let (k0, kc, kpp) = k_block(kb, k);
                    let words = &mut panel[at..at + MA * kpp];
                    isa::run_at(
                        Isa::Avx512,
                        #[inline(always)]
                        move || pack_a_rows(native, sa, i * MA, k0, kc, kpp, words),
                    );
                    at += MA * kpp;
                }
            });
            &pa[..]
        }
    };
    let (row_tiles, col_tiles) = (m.div_ceil(MC), n.div_ceil(NCHUNK));
    let configure = || Tiles::configure(granted);
    if col_tiles > 1 || !parallel {
        let chunk = |tj: usize| {
            let c0 = tj * NCHUNK;
            let panels = NCHUNK.min(n - c0).div_ceil(NR);
            let Some(sb) = sb else {
                let tiles = configure();
                let b = &prepacked.unwrap_or_default()[c0 / NR * pairs * NR..];
                for ti in 0..row_tiles {
                    product.tile(&tiles, packed_a, b, ti * MC, c0);
                }
                return;
            };
            CHUNK_B.with(|buf| {
                let mut b = buf.borrow_mut();
                b.resize(panels * pairs * NR, 0);
                product.pack_b(sb, c0, panels, &mut b);
                let tiles = configure();
                for ti in 0..row_tiles {
                    product.tile(&tiles, packed_a, &b, ti * MC, c0);
                }
            });
        };
        if parallel {
            (0..col_tiles).into_par_iter().for_each(chunk);
        } else {
            (0..col_tiles).for_each(chunk);
        }
    } else {
        // One column chunk: B packed once, row tiles in parallel.
        let packed_b = match sb {
            None => prepacked.unwrap_or_default(),
            Some(sb) => {
                let panels = n.div_ceil(NR);
                pb.resize(panels * pairs * NR, 0);
                product.pack_b(sb, 0, panels, &mut pb);
                &pb[..]
            }
        };
        (0..row_tiles).into_par_iter().for_each(|ti| {
            product.tile(&configure(), packed_a, packed_b, ti * MC, 0);
        });
    }
    PACKED.with(|p| *p.borrow_mut() = (pa, pb));
}
