//! Which x86-64 instruction-set level the kernels run at, chosen at run time.
//!
//! One build runs on any x86-64 CPU: hot loops are compiled three times
//! (baseline SSE2, AVX2+FMA, AVX-512) and [`run`] enters the copy for the
//! level in force. The level is the widest the CPU has, or the lower one
//! `PYKERAS_ISA` asks for, so every path can be tested on one machine.
//! GEMM follows the same level ([`crate::kernels::matmul`]).
//!
//! "avx512" is the x86-64-v4 set (AVX-512 F, BW, CD, DQ and VL over
//! AVX2+FMA): what Intel has shipped since Skylake-SP and AMD since Zen 4.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction-set level, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    /// x86-64 baseline (SSE2); also every non-x86 CPU.
    Baseline = 1,
    /// AVX2 with FMA (x86-64-v3).
    Avx2 = 2,
    /// AVX-512 F/BW/CD/DQ/VL (x86-64-v4).
    Avx512 = 3,
}

/// The names `PYKERAS_ISA` accepts, lowest first.
pub const NAMES: [&str; 3] = ["baseline", "avx2", "avx512"];

impl Isa {
    pub fn name(self) -> &'static str {
        NAMES[self as usize - 1]
    }

    pub fn parse(name: &str) -> Option<Isa> {
        match name.trim().to_ascii_lowercase().as_str() {
            "baseline" => Some(Isa::Baseline),
            "avx2" => Some(Isa::Avx2),
            "avx512" => Some(Isa::Avx512),
            _ => None,
        }
    }

    fn from_code(code: u8) -> Option<Isa> {
        match code {
            1 => Some(Isa::Baseline),
            2 => Some(Isa::Avx2),
            3 => Some(Isa::Avx512),
            _ => None,
        }
    }
}

/// The CPU features pykeras reports (and that decide its level), each with
/// whether this CPU has it.
pub fn cpu_features() -> Vec<(&'static str, bool)> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        vec![
            ("sse4.2", has!("sse4.2")),
            ("avx", has!("avx")),
            ("avx2", has!("avx2")),
            ("fma", has!("fma")),
            ("f16c", has!("f16c")),
            ("avx512f", has!("avx512f")),
            ("avx512bw", has!("avx512bw")),
            ("avx512cd", has!("avx512cd")),
            ("avx512dq", has!("avx512dq")),
            ("avx512vl", has!("avx512vl")),
            ("avx512vnni", has!("avx512vnni")),
            ("avx512bf16", has!("avx512bf16")),
            ("avx512fp16", has!("avx512fp16")),
            // AMX-TILE and AMX-BF16 (CPUID: the std macro's names are unstable).
            ("amx-bf16", super::bf16_amx::cpu_has_amx_bf16()),
        ]
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}

/// The widest level this CPU supports.
pub fn widest() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        let v3 = has!("avx2") && has!("fma");
        let v4 = v3
            && has!("avx512f")
            && has!("avx512bw")
            && has!("avx512cd")
            && has!("avx512dq")
            && has!("avx512vl");
        if v4 {
            return Isa::Avx512;
        }
        if v3 {
            return Isa::Avx2;
        }
    }
    Isa::Baseline
}

/// [`widest`], detected once.
#[inline]
fn widest_cached() -> Isa {
    static WIDEST: AtomicU8 = AtomicU8::new(0);
    match Isa::from_code(WIDEST.load(Ordering::Relaxed)) {
        Some(isa) => isa,
        None => {
            let isa = widest();
            WIDEST.store(isa as u8, Ordering::Relaxed);
            isa
        }
    }
}

/// Every level this CPU can run, lowest first.
pub fn available() -> Vec<Isa> {
    let top = widest();
    [Isa::Baseline, Isa::Avx2, Isa::Avx512]
        .into_iter()
        .filter(|&isa| isa <= top)
        .collect()
}

/// 0 until the level is first read or set.
static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The level kernels run at. Never above [`widest`]: [`set_level`] refuses
/// more, and the first read falls back to the widest when `PYKERAS_ISA` is
/// unusable (the module's import reports that through [`init_from_env`]).
#[inline]
pub fn level() -> Isa {
    match Isa::from_code(LEVEL.load(Ordering::Relaxed)) {
        Some(isa) => isa,
        None => {
            let isa = from_env().unwrap_or_else(|_| widest());
            LEVEL.store(isa as u8, Ordering::Relaxed);
            isa
        }
    }
}

/// The level `PYKERAS_ISA` asks for (the widest when unset or empty).
fn from_env() -> Result<Isa> {
    match std::env::var("PYKERAS_ISA") {
        Ok(v) if !v.trim().is_empty() => parse_supported(&v, "PYKERAS_ISA"),
        _ => Ok(widest()),
    }
}

/// Reads `PYKERAS_ISA` and sets the level; an unknown value, or a level the
/// CPU lacks, is an error naming the CPU's features.
pub fn init_from_env() -> Result<Isa> {
    let isa = from_env()?;
    LEVEL.store(isa as u8, Ordering::Relaxed);
    Ok(isa)
}

/// Sets the level by name (for tests and benchmarks that compare paths in
/// one process). Later kernel calls use it; calls already running finish on
/// the level they started with.
pub fn set_level(name: &str) -> Result<Isa> {
    let isa = parse_supported(name, "set_isa")?;
    LEVEL.store(isa as u8, Ordering::Relaxed);
    Ok(isa)
}

fn parse_supported(name: &str, what: &str) -> Result<Isa> {
    let features = cpu_features()
        .into_iter()
        .filter(|(_, has)| *has)
        .map(|(name, _)| name)
        .collect::<Vec<_>>()
        .join(", ");
    let isa = Isa::parse(name).ok_or_else(|| {
        Error::argument(
            what,
            format!(
                "expected one of {} (lowest first). Received: {name:?}. This CPU has: {features}",
                NAMES.join(", ")
            ),
        )
    })?;
    if isa > widest() {
        return Err(Error::argument(
            what,
            format!(
                "this CPU cannot run the {:?} path (widest available: {:?}). \
                 Its features: {features}",
                isa.name(),
                widest().name()
            ),
        ));
    }
    Ok(isa)
}

/// Runs `kernel` compiled for the level in force.
///
/// The closure is inlined into one of three wrappers, each compiled with its
/// level's target features, so loops inside it are vectorized for that
/// level. Keep the work inside the closure: a function it calls that is not
/// inlined runs at the baseline. Make it a `move` closure: one that borrows
/// the caller's locals reads them through a pointer the compiler cannot
/// prove unaliased, so a loop indexing them reloads them every iteration
/// and stays scalar (an RMSprop update ran 10x slower that way). Mark it
/// `#[inline(always)]` too: LLVM left a max-pool backward's closure out of
/// line (so at the baseline level) when it was only a hint.
#[inline(always)]
pub fn run<R>(kernel: impl FnOnce() -> R) -> R {
    run_at(level(), kernel)
}

/// [`run`] at a given level, which must not exceed [`widest`] (checked:
/// a level above it runs at the widest instead).
#[inline(always)]
pub fn run_at<R>(isa: Isa, kernel: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    match isa.min(widest_cached()) {
        // SAFETY: the level is capped by `widest_cached()`, which checked at
        // run time that this CPU has every feature the wrapper enables.
        Isa::Avx512 => unsafe { run_avx512(kernel) },
        // SAFETY: as above, for AVX2 and FMA.
        Isa::Avx2 => unsafe { run_avx2(kernel) },
        Isa::Baseline => kernel(),
    }
    #[cfg(not(target_arch = "x86_64"))]
    kernel()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,movbe,popcnt,f16c")]
unsafe fn run_avx2<R>(kernel: impl FnOnce() -> R) -> R {
    kernel()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(
    enable = "avx512f,avx512bw,avx512cd,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,movbe,popcnt,f16c"
)]
unsafe fn run_avx512<R>(kernel: impl FnOnce() -> R) -> R {
    kernel()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_levels_are_ordered() {
        for name in NAMES {
            assert_eq!(Isa::parse(name).unwrap().name(), name);
        }
        assert!(Isa::Baseline < Isa::Avx2 && Isa::Avx2 < Isa::Avx512);
        assert_eq!(available().last().copied(), Some(widest()));
    }

    #[test]
    fn unknown_or_unsupported_levels_are_refused_with_the_features() {
        let err = parse_supported("avx1024", "PYKERAS_ISA").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("avx1024") && text.contains("baseline, avx2, avx512"));
        assert!(text.contains("This CPU has"));
        if widest() < Isa::Avx512 {
            assert!(parse_supported("avx512", "PYKERAS_ISA").is_err());
        }
    }

    #[test]
    fn every_available_level_runs_a_vectorizable_loop_alike() {
        let x: Vec<f32> = (0..1000).map(|i| i as f32 * 0.37 - 100.0).collect();
        let at = |isa: Isa| {
            run_at(isa, || {
                x.iter()
                    .map(|v| v.mul_add(1.5, -0.25).max(0.0))
                    .collect::<Vec<f32>>()
            })
        };
        let levels = available();
        let reference = at(Isa::Baseline);
        for isa in levels {
            assert_eq!(at(isa), reference, "{isa:?}");
        }
    }
}
