//! Batch normalization of a row-major (rows, channels) matrix, per channel:
//! the batch statistics, the normalized output and the backward pass, each a
//! trip or two through memory on the CPU's widest path.
//!
//! ndarray's arithmetic made a temporary per operator (`(x - mean) * scale +
//! beta` is three passes and two allocations) and ran at the baseline level:
//! batch norm was 18% of a residual CNN's training step, serial. Here rows
//! are split into fixed blocks (a shape-only choice), each block's partial
//! sums are taken in row order and the blocks' sums added in block order, so
//! a result never depends on the thread count.

use super::buffer::try_filled_vec;
use super::elementwise::combine_block_sums;
use super::isa;
use super::parallel::worth_splitting;
use rayon::prelude::*;

/// Floats per block of rows.
const BLOCK_FLOATS: usize = 1 << 14;

/// Rows per block for `cols` channels (at least one).
fn block_rows(cols: usize) -> usize {
    (BLOCK_FLOATS / cols.max(1)).max(1)
}

/// `f` over the row blocks of a `rows` x `cols` matrix, each giving `width`
/// partial sums, added in block order.
fn block_sums(
    rows: usize,
    cols: usize,
    width: usize,
    f: impl Fn(usize, usize) -> Vec<f32> + Sync + Send,
) -> Vec<f32> {
    let per = block_rows(cols);
    let starts: Vec<usize> = (0..rows).step_by(per).collect();
    let part = |&start: &usize| f(start, (start + per).min(rows));
    let parts: Vec<Vec<f32>> = if worth_splitting(rows * cols) {
        starts.par_iter().map(part).collect()
    } else {
        starts.iter().map(part).collect()
    };
    combine_block_sums(parts, width)
}

/// Column sums of `x`'s rows `start..end`, rows in order from zero.
fn sums_of(x: &[f32], cols: usize, start: usize, end: usize) -> Vec<f32> {
    let block = &x[start * cols..end * cols];
    isa::run(
        #[inline(always)]
        move || {
            let mut acc = vec![0.0f32; cols];
            for row in block.chunks_exact(cols) {
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a += v;
                }
            }
            acc
        },
    )
}

/// Column sums of `(x - mean)²` over rows `start..end`.
fn centred_squares_of(x: &[f32], mean: &[f32], start: usize, end: usize) -> Vec<f32> {
    let cols = mean.len();
    let block = &x[start * cols..end * cols];
    isa::run(
        #[inline(always)]
        move || {
            let mut acc = vec![0.0f32; cols];
            for row in block.chunks_exact(cols) {
                for ((a, &v), &m) in acc.iter_mut().zip(row).zip(mean) {
                    let d = v - m;
                    *a += d * d;
                }
            }
            acc
        },
    )
}

/// The batch mean and (biased) variance of each column of `x`, in two
/// passes: the variance is the mean of squared deviations, as Keras (JAX's
/// `var`) computes it. A one-pass shifted form saved a pass but moved
/// trained weights by float32 noise that a three-epoch comparison with Keras
/// noticed; the statistics are worth matching Keras's rounding.
pub fn moments(x: &[f32], cols: usize) -> (Vec<f32>, Vec<f32>) {
    if cols == 0 {
        return (Vec::new(), Vec::new());
    }
    let rows = x.len() / cols;
    let n = rows.max(1) as f32;
    let mut mean = block_sums(rows, cols, cols, |s, e| sums_of(x, cols, s, e));
    mean.iter_mut().for_each(|m| *m /= n);
    let mean_ref = &mean;
    let mut var = block_sums(rows, cols, cols, |s, e| {
        centred_squares_of(x, mean_ref, s, e)
    });
    var.iter_mut().for_each(|v| *v /= n);
    (mean, var)
}

/// `1 / sqrt(var + epsilon)` per channel.
pub fn inverse_std(var: &[f32], epsilon: f32) -> Vec<f32> {
    var.iter().map(|&v| 1.0 / (v + epsilon).sqrt()).collect()
}

/// Runs `body(row_start, dst_rows)` over `dst`'s row blocks, on several
/// threads when it is large.
fn for_row_blocks(dst: &mut [f32], cols: usize, body: impl Fn(usize, &mut [f32]) + Sync) {
    let per = block_rows(cols);
    if worth_splitting(dst.len()) {
        dst.par_chunks_mut(per * cols)
            .enumerate()
            .for_each(|(i, d)| body(i * per, d));
    } else {
        dst.chunks_mut(per * cols)
            .enumerate()
            .for_each(|(i, d)| body(i * per, d));
    }
}

/// The per-channel map batch_norm applies with fixed statistics:
/// `(v - mean) * scale + beta`, `scale = gamma / sqrt(var + epsilon)`.
#[derive(Debug, Clone, Copy)]
pub struct Affine<'a> {
    pub mean: &'a [f32],
    pub scale: &'a [f32],
    pub beta: &'a [f32],
}

impl Affine<'_> {
    pub fn channels(&self) -> usize {
        self.mean.len()
    }
}

/// `(x - mean) * scale + beta`, row by row, as a new vector.
pub fn normalize(x: &[f32], mean: &[f32], scale: &[f32], beta: &[f32]) -> Vec<f32> {
    normalize_with(x, 1, &Affine { mean, scale, beta }, &|_| {})
}

/// `(x - mean) * scale + beta` per channel, with `x` laid out as (outer,
/// channels, inner): `inner` is 1 for channels last, the spatial size for
/// channels first (so neither layout is transposed). `post` runs on each
/// block of the result as soon as it is written, while it is in cache (an
/// activation fused after the normalization). A new vector.
pub fn normalize_with(
    x: &[f32],
    inner: usize,
    a: &Affine,
    post: &(dyn Fn(&mut [f32]) + Sync),
) -> Vec<f32> {
    let cols = a.channels();
    if cols == 0 || inner == 0 {
        return Vec::new();
    }
    let Affine { mean, scale, beta } = *a;
    let rows = |start: usize, dst: &mut [f32]| {
        let src = &x[start * cols..][..dst.len()];
        let out = &mut *dst;
        isa::run(
            #[inline(always)]
            move || {
                for (d, s) in out.chunks_exact_mut(cols).zip(src.chunks_exact(cols)) {
                    for ((((o, &v), &m), &k), &b) in
                        d.iter_mut().zip(s).zip(mean).zip(scale).zip(beta)
                    {
                        *o = (v - m) * k + b;
                    }
                }
            },
        );
        post(dst);
    };
    // Channels first: whole planes of `inner` values share one channel.
    let planes = |first: usize, dst: &mut [f32]| {
        let src = &x[first * inner..][..dst.len()];
        let out = &mut *dst;
        isa::run(
            #[inline(always)]
            move || {
                for (p, (d, s)) in out
                    .chunks_exact_mut(inner)
                    .zip(src.chunks_exact(inner))
                    .enumerate()
                {
                    let c = (first + p) % cols;
                    let (m, k, b) = (mean[c], scale[c], beta[c]);
                    for (o, &v) in d.iter_mut().zip(s) {
                        *o = (v - m) * k + b;
                    }
                }
            },
        );
        post(dst);
    };
    // SAFETY: `for_row_blocks` hands out chunks that tile the buffer, in
    // whole rows of `cols` (channels last) or whole planes of `inner`
    // (channels first): x.len() is a multiple of cols * inner (the caller's
    // shapes), and the inner zips write every element of each row or plane.
    let filled = unsafe {
        try_filled_vec(x.len(), |dst| {
            if inner == 1 {
                for_row_blocks(dst, cols, rows);
            } else {
                for_row_blocks(dst, inner, planes);
            }
            Ok(())
        })
    };
    filled.unwrap_or_default()
}

/// `(v + bias - mean) * scale + beta` over whole rows of `rows` (channels
/// last), in place; without `bias`, `(v - mean) * scale + beta`. The float
/// operations of bias_add then batch_norm, in their order, so a linear op
/// that runs this as its epilogue gives the unfused graph's values exactly.
/// `post` runs on each block once it is done, while it is in cache (the
/// activation after the normalization).
pub fn affine_rows_in_place(
    rows: &mut [f32],
    bias: Option<&[f32]>,
    a: &Affine,
    post: &(dyn Fn(&mut [f32]) + Sync),
) {
    let cols = a.channels();
    if cols == 0 {
        return;
    }
    for_row_blocks(rows, cols, |_, block| {
        affine_block(block, bias, a);
        post(block);
    });
}

fn affine_block(rows: &mut [f32], bias: Option<&[f32]>, a: &Affine) {
    let Affine { mean, scale, beta } = *a;
    let cols = a.channels();
    match bias {
        Some(bias) => isa::run(
            #[inline(always)]
            move || {
                for row in rows.chunks_exact_mut(cols) {
                    for ((((o, &c), &m), &k), &b) in
                        row.iter_mut().zip(bias).zip(mean).zip(scale).zip(beta)
                    {
                        *o = (*o + c - m) * k + b;
                    }
                }
            },
        ),
        None => isa::run(
            #[inline(always)]
            move || {
                for row in rows.chunks_exact_mut(cols) {
                    for (((o, &m), &k), &b) in row.iter_mut().zip(mean).zip(scale).zip(beta) {
                        *o = (*o - m) * k + b;
                    }
                }
            },
        ),
    }
}

/// Column sums of `g` and of `g * (x - mean)`, one pass over both: the first
/// `cols` values are Σg, the next `cols` Σg·(x - mean).
pub fn grad_sums(g: &[f32], x: &[f32], mean: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let cols = mean.len();
    if cols == 0 {
        return (Vec::new(), Vec::new());
    }
    let rows = x.len() / cols;
    let both = block_sums(rows, cols, 2 * cols, |start, end| {
        let (gb, xb) = (&g[start * cols..end * cols], &x[start * cols..end * cols]);
        isa::run(
            #[inline(always)]
            move || {
                let mut acc = vec![0.0f32; 2 * cols];
                let (sg, sgx) = acc.split_at_mut(cols);
                for (gr, xr) in gb.chunks_exact(cols).zip(xb.chunks_exact(cols)) {
                    for ((((a, b), &gv), &xv), &m) in
                        sg.iter_mut().zip(sgx.iter_mut()).zip(gr).zip(xr).zip(mean)
                    {
                        *a += gv;
                        *b += gv * (xv - m);
                    }
                }
                acc
            },
        )
    });
    let (sg, sgx) = both.split_at(cols);
    (sg.to_vec(), sgx.to_vec())
}

/// Per-channel values of the training-mode input gradient.
pub struct ChannelTerms<'a> {
    pub mean: &'a [f32],
    /// `1 / sqrt(var + epsilon)`.
    pub inv: &'a [f32],
    /// Σg.
    pub sum_g: &'a [f32],
    /// Σg·x̂.
    pub sum_g_xhat: &'a [f32],
    /// `inv * gamma / n`.
    pub factor: &'a [f32],
}

/// The input gradient of training-mode batch norm, per element:
/// `(g * n - Σg - x̂ * Σg·x̂) * (inv * gamma / n)` with `x̂ = (x - mean) * inv`.
pub fn grad_input_training(g: &[f32], x: &[f32], t: &ChannelTerms, n: f32) -> Vec<f32> {
    let ChannelTerms {
        mean,
        inv,
        sum_g,
        sum_g_xhat,
        factor,
    } = *t;
    let cols = mean.len();
    if cols == 0 {
        return Vec::new();
    }
    let body = |start: usize, dst: &mut [f32]| {
        let (gb, xb) = (
            &g[start * cols..][..dst.len()],
            &x[start * cols..][..dst.len()],
        );
        isa::run(
            #[inline(always)]
            move || {
                for ((d, gr), xr) in dst
                    .chunks_exact_mut(cols)
                    .zip(gb.chunks_exact(cols))
                    .zip(xb.chunks_exact(cols))
                {
                    for c in 0..cols {
                        let xhat = (xr[c] - mean[c]) * inv[c];
                        d[c] = (gr[c] * n - sum_g[c] - xhat * sum_g_xhat[c]) * factor[c];
                    }
                }
            },
        )
    };
    // SAFETY: as in `normalize`: the chunks tile the buffer and every row of
    // each is written in full (`c` runs over all `cols` entries of the row).
    let filled = unsafe {
        try_filled_vec(x.len(), |dst| {
            for_row_blocks(dst, cols, body);
            Ok(())
        })
    };
    filled.unwrap_or_default()
}

/// `g * scale`, row by row (the input gradient with fixed statistics).
pub fn scale_rows(g: &[f32], scale: &[f32]) -> Vec<f32> {
    let zeros = vec![0.0f32; scale.len()];
    normalize(g, &zeros, scale, &zeros)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 17.0)
            .collect()
    }

    #[test]
    fn moments_match_the_definition() {
        let cols = 5;
        let x = values(cols * 7001);
        let (mean, var) = moments(&x, cols);
        for c in 0..cols {
            let col: Vec<f64> = x.iter().skip(c).step_by(cols).map(|&v| v as f64).collect();
            let m = col.iter().sum::<f64>() / col.len() as f64;
            let v = col.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / col.len() as f64;
            assert!((mean[c] as f64 - m).abs() < 1e-5, "mean {c}");
            assert!((var[c] as f64 - v).abs() < 1e-4, "var {c}");
        }
    }

    #[test]
    fn variance_keeps_its_digits_when_the_mean_is_large() {
        // Mean 1000, spread ~1: E[x²] - E[x]² would lose about 6 digits here.
        let cols = 3;
        let x: Vec<f32> = values(cols * 5000)
            .iter()
            .map(|v| 1000.0 + v / 3.0)
            .collect();
        let (mean, var) = moments(&x, cols);
        for c in 0..cols {
            let col: Vec<f64> = x.iter().skip(c).step_by(cols).map(|&v| v as f64).collect();
            let m = col.iter().sum::<f64>() / col.len() as f64;
            let v = col.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / col.len() as f64;
            assert!(
                (mean[c] as f64 - m).abs() < 1e-3,
                "mean {c}: {} vs {m}",
                mean[c]
            );
            assert!(
                (var[c] as f64 - v).abs() < 1e-4 * v,
                "var {c}: {} vs {v}",
                var[c]
            );
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let cols = 48;
        let x = values(cols * 3000);
        let g: Vec<f32> = values(cols * 3000).iter().map(|v| v * 0.5 + 0.1).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a pool");
            pool.install(|| {
                let (mean, var) = moments(&x, cols);
                let (sg, sgx) = grad_sums(&g, &x, &mean);
                (mean, var, sg, sgx)
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn planes_and_rows_normalize_by_the_definition() {
        // (outer, channels, inner) = (3, 4, 2500): planes split over blocks.
        let (outer, cols, inner) = (3, 4, 2500);
        let x = values(outer * cols * inner);
        let mean = [0.5f32, -0.25, 0.0, 1.0];
        let scale = [2.0f32, 0.5, -1.0, 0.125];
        let beta = [0.0f32, 1.0, -2.0, 0.25];
        let a = Affine {
            mean: &mean,
            scale: &scale,
            beta: &beta,
        };
        let relu = |block: &mut [f32]| block.iter_mut().for_each(|v| *v = v.max(0.0));
        let y = normalize_with(&x, inner, &a, &relu);
        for (i, (&v, &o)) in x.iter().zip(&y).enumerate() {
            let c = (i / inner) % cols;
            assert_eq!(o, ((v - mean[c]) * scale[c] + beta[c]).max(0.0), "at {i}");
        }
        let y = normalize_with(&x, 1, &a, &|_| {});
        let mut z = x.clone();
        let bias = [1.0f32, 2.0, 3.0, 4.0];
        affine_rows_in_place(&mut z, Some(&bias), &a, &relu);
        for (i, ((&v, &o), &f)) in x.iter().zip(&y).zip(&z).enumerate() {
            let c = i % cols;
            assert_eq!(o, (v - mean[c]) * scale[c] + beta[c], "at {i}");
            assert_eq!(f, ((v + bias[c] - mean[c]) * scale[c] + beta[c]).max(0.0));
        }
    }

    #[test]
    fn empty_and_zero_width_inputs() {
        assert_eq!(moments(&[], 0), (vec![], vec![]));
        let (mean, var) = moments(&[], 3);
        assert_eq!((mean.len(), var.len()), (3, 3));
        assert!(normalize(&[], &[], &[], &[]).is_empty());
    }
}
