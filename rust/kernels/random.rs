//! A counter-based generator: each draw is a pure function of (seed, stream,
//! index). Masks computed from it are identical whatever the thread count,
//! and a backward pass can recompute a forward pass's mask instead of storing it.
//!
//! Draws use 32-bit arithmetic only, so a loop over consecutive indices
//! vectorises (AVX2 has 8-lane 32-bit multiplies but no 64-bit ones); a
//! dropout mask costs about a cycle per element instead of a dozen.

/// splitmix64's finaliser: a bijective mix with full avalanche.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 32-bit bijective mix with low bias (Wellons' "lowbias32").
#[inline(always)]
fn mix32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

/// Indices per block: a block's draws share the high bits of the index, so
/// the inner loop works on 32-bit counters.
pub const BLOCK: u64 = 1 << 32;

/// One stream of draws under a seed (computed once per tensor).
#[derive(Clone, Copy, Debug)]
pub struct Stream {
    key: u64,
}

impl Stream {
    pub fn new(seed: u64, stream: u64) -> Self {
        Self {
            key: mix64(seed ^ mix64(stream.wrapping_add(0x9e37_79b9_7f4a_7c15))),
        }
    }

    /// The draws of indices `block * BLOCK ..`; see [`Block::uniform`].
    pub fn block(&self, block: u64) -> Block {
        let key = mix64(self.key ^ block.wrapping_mul(0xd6e8_feb8_6659_fd93));
        Block {
            inner: key as u32,
            outer: (key >> 32) as u32,
        }
    }

    /// A uniform float in [0, 1) for element `index` of this stream.
    pub fn uniform(&self, index: u64) -> f32 {
        self.block(index / BLOCK).uniform(index as u32)
    }
}

/// The draws of one block of 2^32 indices of a [`Stream`].
#[derive(Clone, Copy, Debug)]
pub struct Block {
    inner: u32,
    outer: u32,
}

impl Block {
    /// A uniform float in [0, 1) for the element at `offset` in the block.
    #[inline(always)]
    pub fn uniform(&self, offset: u32) -> f32 {
        // Two rounds keyed by different halves of the block key: one round
        // alone would make streams index permutations of one another.
        let bits = mix32(mix32(offset ^ self.inner).wrapping_add(self.outer));
        // The top 24 bits give every float32 in [0, 1) with spacing 2^-24.
        (bits >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
    }
}

/// Inverted dropout in place: element `offset + i` of `block` is kept (and
/// scaled by `scale`) when its draw is at least `rate`, else zeroed.
pub fn dropout_in_place(block: Block, offset: u32, rate: f32, scale: f32, data: &mut [f32]) {
    super::isa::run(
        #[inline(always)]
        move || {
            for (i, x) in data.iter_mut().enumerate() {
                let keep = block.uniform(offset.wrapping_add(i as u32)) >= rate;
                // A bit mask instead of a branch: the keep/drop pattern is random, so
                // a branch would be mispredicted half the time.
                *x = f32::from_bits((*x * scale).to_bits() & (keep as u32).wrapping_neg());
            }
        },
    )
}

/// [`dropout_in_place`] of `src` into `dst` (the forward pass, which must
/// keep its input).
pub fn dropout_into(
    block: Block,
    offset: u32,
    rate: f32,
    scale: f32,
    src: &[f32],
    dst: &mut [f32],
) {
    super::isa::run(
        #[inline(always)]
        move || {
            for (i, (d, &x)) in dst.iter_mut().zip(src).enumerate() {
                let keep = block.uniform(offset.wrapping_add(i as u32)) >= rate;
                *d = f32::from_bits((x * scale).to_bits() & (keep as u32).wrapping_neg());
            }
        },
    )
}

/// A uniform float in [0, 1) for element `index` of stream `stream` under `seed`.
pub fn uniform(seed: u64, stream: u64, index: u64) -> f32 {
    Stream::new(seed, stream).uniform(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_uniform_and_repeatable() {
        let n = 100_000;
        let draws: Vec<f32> = (0..n).map(|i| uniform(7, 3, i)).collect();
        assert!(draws.iter().all(|&u| (0.0..1.0).contains(&u)));
        let mean = draws.iter().map(|&u| u as f64).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
        let below: usize = draws.iter().filter(|&&u| u < 0.25).count();
        assert!((below as f64 / n as f64 - 0.25).abs() < 0.01);
        assert_eq!(uniform(7, 3, 11), draws[11]);
        assert_ne!(uniform(8, 3, 11), draws[11]);
        assert_ne!(uniform(7, 4, 11), draws[11]);
    }

    #[test]
    fn neighbouring_draws_and_streams_are_uncorrelated() {
        // Lag-1 correlation within a stream, and correlation between the same
        // indices of adjacent streams and seeds, all near 0 (|r| < 0.01 for
        // 200k pairs is about 4.5 standard errors).
        let n = 200_000u64;
        let corr = |a: &dyn Fn(u64) -> f32, b: &dyn Fn(u64) -> f32| {
            let (mut sa, mut sb, mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for i in 0..n {
                let (x, y) = (a(i) as f64, b(i) as f64);
                sa += x;
                sb += y;
                sab += x * y;
                saa += x * x;
                sbb += y * y;
            }
            let nf = n as f64;
            let cov = sab / nf - sa / nf * sb / nf;
            cov / ((saa / nf - (sa / nf).powi(2)) * (sbb / nf - (sb / nf).powi(2))).sqrt()
        };
        let r_lag = corr(&|i| uniform(1, 0, i), &|i| uniform(1, 0, i + 1));
        let r_stream = corr(&|i| uniform(1, 0, i), &|i| uniform(1, 1, i));
        let r_seed = corr(&|i| uniform(1, 0, i), &|i| uniform(2, 0, i));
        for r in [r_lag, r_stream, r_seed] {
            assert!(r.abs() < 0.01, "correlation {r}");
        }
    }

    #[test]
    fn blocks_differ() {
        let s = Stream::new(5, 9);
        let first: Vec<f32> = (0..64).map(|i| s.uniform(i)).collect();
        let next: Vec<f32> = (0..64).map(|i| s.uniform(BLOCK + i)).collect();
        assert_ne!(first, next);
        assert_eq!(s.block(1).uniform(3), s.uniform(BLOCK + 3));
    }
}
