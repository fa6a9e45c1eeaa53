//! A counter-based generator: each draw is a pure function of (seed, stream,
//! index). Masks computed from it are identical whatever the thread count,
//! and a backward pass can recompute a forward pass's mask instead of storing it.

/// splitmix64's finaliser: a bijective mix with full avalanche.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The key of stream `stream` under `seed` (computed once per tensor).
pub fn stream_key(seed: u64, stream: u64) -> u64 {
    mix(seed ^ mix(stream.wrapping_add(0x9e37_79b9_7f4a_7c15)))
}

/// A uniform float in [0, 1) for element `index` of the stream with `key`.
#[inline]
pub fn uniform_keyed(key: u64, index: u64) -> f32 {
    let bits = mix(key ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    // The top 24 bits give every float32 in [0, 1) with spacing 2^-24.
    (bits >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
}

/// A uniform float in [0, 1) for element `index` of stream `stream` under `seed`.
pub fn uniform(seed: u64, stream: u64, index: u64) -> f32 {
    uniform_keyed(stream_key(seed, stream), index)
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
}
