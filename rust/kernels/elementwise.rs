//! Elementwise maps over one, two or three tensors (with broadcasting),
//! split across threads above the work threshold. Each output element depends
//! on its inputs only, so splitting never changes a result.
//!
//! Contiguous operands (the usual case) run as flat slice loops compiled for
//! each ISA level and chosen at run time (`isa::run`); ndarray's `Zip` over dynamic-rank
//! arrays called the closure once per element instead (a relu's backward
//! was 13% of a CNN training step). Broadcast and strided operands run
//! along merged axes (`elementwise_broadcast.rs`).

use super::buffer::try_filled_vec;
use super::parallel::worth_splitting;
use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};
use rayon::prelude::*;

#[path = "elementwise_broadcast.rs"]
mod broadcast;

pub use broadcast::zip_broadcast;

/// Elements per parallel task in the slice loops.
const CHUNK: usize = 1 << 14;

fn map_slice<F: Fn(f32) -> f32>(src: &[f32], dst: &mut [f32], f: &F) {
    super::isa::run(
        #[inline(always)]
        move || {
            for (d, &x) in dst.iter_mut().zip(src) {
                *d = f(x);
            }
        },
    )
}

fn zip2_slice<F: Fn(f32, f32) -> f32>(a: &[f32], b: &[f32], dst: &mut [f32], f: &F) {
    super::isa::run(
        #[inline(always)]
        move || {
            for ((d, &x), &y) in dst.iter_mut().zip(a).zip(b) {
                *d = f(x, y);
            }
        },
    )
}

fn zip3_slice<F: Fn(f32, f32, f32) -> f32>(
    a: &[f32],
    b: &[f32],
    c: &[f32],
    dst: &mut [f32],
    f: &F,
) {
    super::isa::run(
        #[inline(always)]
        move || {
            for (((d, &x), &y), &z) in dst.iter_mut().zip(a).zip(b).zip(c) {
                *d = f(x, y, z);
            }
        },
    )
}

fn update3_slice<F: Fn(f32, f32, f32) -> f32>(g: &mut [f32], a: &[f32], b: &[f32], f: &F) {
    super::isa::run(
        #[inline(always)]
        move || {
            for ((d, &x), &y) in g.iter_mut().zip(a).zip(b) {
                *d = f(*d, x, y);
            }
        },
    )
}

/// An array of `shape` whose every element `kernel` writes, given the output
/// as chunks that tile it (each with its offset), without zero-filling it
/// first. `kernel` must write every element of each chunk it is given: the
/// slice loops above do, zipping the chunk with input slices of the same
/// length, which the callers take from operands of exactly `shape`.
fn fresh(shape: &[usize], kernel: impl Fn(usize, &mut [f32]) + Sync) -> Option<ArrayD<f32>> {
    let len = shape.iter().product();
    // SAFETY: `for_chunks` hands `kernel` chunks that tile the whole buffer,
    // and `kernel` writes every element of each (the contract above, kept by
    // the three callers, whose inputs have exactly `len` elements).
    let data = unsafe {
        try_filled_vec(len, |dst| {
            for_chunks(dst, kernel);
            Ok(())
        })
    };
    ArrayD::from_shape_vec(IxDyn(shape), data.ok()?).ok()
}

/// Runs `body(offset, dst_chunk)` over `dst` in fixed chunks, on several
/// threads when it is large.
fn for_chunks(dst: &mut [f32], body: impl Fn(usize, &mut [f32]) + Sync) {
    if worth_splitting(dst.len()) {
        dst.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(i, d)| body(i * CHUNK, d));
    } else {
        body(0, dst);
    }
}

/// `f` applied to every element of `x`.
pub fn map(x: ArrayViewD<f32>, f: impl Fn(f32) -> f32 + Sync + Send) -> ArrayD<f32> {
    if let Some(src) = x.as_slice() {
        if let Some(y) = fresh(x.shape(), |at, d| map_slice(&src[at..at + d.len()], d, &f)) {
            return y;
        }
    }
    let shape = x.shape().to_vec();
    zip_broadcast([x.view()], &shape, |[v]| f(v)).unwrap_or_else(|| x.map(|&v| f(v)))
}

/// `small`'s elements as one contiguous row when `small` broadcast to
/// `shape` repeats it: its shape without leading 1s is a suffix of `shape`.
fn repeated_row<'a>(small: &ArrayViewD<'a, f32>, shape: &[usize]) -> Option<&'a [f32]> {
    let dims = small.shape();
    let lead = dims.iter().take_while(|&&d| d == 1).count();
    let tail = &dims[lead..];
    let fits = tail.len() <= shape.len() && shape[shape.len() - tail.len()..] == *tail;
    let row = small.to_slice()?;
    (fits && !row.is_empty()).then_some(row)
}

/// `dst[i] = f(big[i], row[(offset + i) % row.len()])`: `big` and `dst` are
/// the chunk of a full operand and of the result starting at element
/// `offset`; the loops run over whole stretches of the row.
fn zip_row_slice<F: Fn(f32, f32) -> f32>(
    big: &[f32],
    row: &[f32],
    offset: usize,
    dst: &mut [f32],
    f: &F,
) {
    super::isa::run(
        #[inline(always)]
        move || {
            if let [y] = row {
                for (d, &x) in dst.iter_mut().zip(big) {
                    *d = f(x, *y);
                }
                return;
            }
            let mut j = offset % row.len();
            let mut done = 0;
            while done < dst.len() {
                let n = (row.len() - j).min(dst.len() - done);
                let (d, x, r) = (
                    &mut dst[done..done + n],
                    &big[done..done + n],
                    &row[j..j + n],
                );
                for ((d, &x), &y) in d.iter_mut().zip(x).zip(r) {
                    *d = f(x, y);
                }
                done += n;
                j = 0;
            }
        },
    )
}

/// `f(a, b)` elementwise; `a` and `b` must broadcast to `shape`
/// (the caller checked this with `broadcast_shape`).
pub fn zip2(
    a: ArrayViewD<f32>,
    b: ArrayViewD<f32>,
    shape: &[usize],
    f: impl Fn(f32, f32) -> f32 + Sync + Send,
) -> Option<ArrayD<f32>> {
    if a.shape() == shape && b.shape() == shape {
        if let (Some(x), Some(y)) = (a.as_slice(), b.as_slice()) {
            return fresh(shape, |at, d| {
                let n = d.len();
                zip2_slice(&x[at..at + n], &y[at..at + n], d, &f)
            });
        }
    }
    // One operand full, the other one row repeated (a per-channel mean, a
    // bias, a scalar): slice loops over rows instead of a Zip per element.
    if a.shape() == shape {
        if let (Some(x), Some(row)) = (a.as_slice(), repeated_row(&b, shape)) {
            return fresh(shape, |at, d| {
                zip_row_slice(&x[at..at + d.len()], row, at, d, &f)
            });
        }
    }
    if b.shape() == shape {
        if let (Some(y), Some(row)) = (b.as_slice(), repeated_row(&a, shape)) {
            let g = |yv: f32, xv: f32| f(xv, yv);
            return fresh(shape, |at, d| {
                zip_row_slice(&y[at..at + d.len()], row, at, d, &g)
            });
        }
    }
    zip_broadcast([a.view(), b.view()], shape, |[x, y]| f(x, y))
}

/// `f(a, b, c)` elementwise over three tensors of the same shape.
pub fn zip3(
    a: ArrayViewD<f32>,
    b: ArrayViewD<f32>,
    c: ArrayViewD<f32>,
    f: impl Fn(f32, f32, f32) -> f32 + Sync + Send,
) -> Option<ArrayD<f32>> {
    if a.shape() != b.shape() || a.shape() != c.shape() {
        return None;
    }
    if let (Some(x), Some(y), Some(z)) = (a.as_slice(), b.as_slice(), c.as_slice()) {
        return fresh(a.shape(), |at, d| {
            let n = d.len();
            zip3_slice(&x[at..at + n], &y[at..at + n], &z[at..at + n], d, &f)
        });
    }
    let shape = a.shape().to_vec();
    zip_broadcast([a.view(), b.view(), c.view()], &shape, |[x, y, z]| {
        f(x, y, z)
    })
}

/// `g = f(g, a, b)` elementwise, in place in `g`'s buffer; `a` and `b` must
/// have `g`'s shape. Returns `None` (and drops `g`) when they do not.
pub fn update3(
    mut g: ArrayD<f32>,
    a: ArrayViewD<f32>,
    b: ArrayViewD<f32>,
    f: impl Fn(f32, f32, f32) -> f32 + Sync + Send,
) -> Option<ArrayD<f32>> {
    if g.shape() != a.shape() || g.shape() != b.shape() {
        return None;
    }
    if let (Some(x), Some(y)) = (a.as_slice(), b.as_slice()) {
        if let Some(dst) = g.as_slice_mut() {
            for_chunks(dst, |at, d| {
                let n = d.len();
                update3_slice(d, &x[at..at + n], &y[at..at + n], &f)
            });
            return Some(g);
        }
    }
    let split = worth_splitting(g.len());
    let zip = Zip::from(&mut g).and(&a).and(&b);
    if split {
        zip.par_for_each(|g, &x, &y| *g = f(*g, x, y));
    } else {
        zip.for_each(|g, &x, &y| *g = f(*g, x, y));
    }
    Some(g)
}

/// `x + v` for each row of the row-major matrix `x` (`v.len()` columns) into `out`.
pub fn rows_plus(x: &[f32], v: &[f32], out: &mut [f32]) {
    let cols = v.len().max(1);
    let add = |(o, r): (&mut [f32], &[f32])| {
        for ((o, &r), &b) in o.iter_mut().zip(r).zip(v) {
            *o = r + b;
        }
    };
    if worth_splitting(x.len()) {
        // Whole rows per task: each element is still one addition.
        let rows_per_task = (1 << 14) / cols + 1;
        out.par_chunks_mut(rows_per_task * cols)
            .zip(x.par_chunks(rows_per_task * cols))
            .for_each(|(o, r)| o.chunks_mut(cols).zip(r.chunks(cols)).for_each(add));
    } else {
        out.chunks_mut(cols).zip(x.chunks(cols)).for_each(add);
    }
}

/// `y = f(y)` in place.
pub fn map_in_place(y: &mut [f32], f: impl Fn(f32) -> f32 + Sync + Send) {
    for_chunks(y, |_, d| map_in_place_slice(d, &f));
}

fn map_in_place_slice<F: Fn(f32) -> f32>(y: &mut [f32], f: &F) {
    super::isa::run(
        #[inline(always)]
        move || {
            for v in y.iter_mut() {
                *v = f(*v);
            }
        },
    )
}

/// `g = f(g, y)` in place; `y` has `g`'s length.
pub fn scale_in_place(g: &mut [f32], y: &[f32], f: impl Fn(f32, f32) -> f32 + Sync + Send) {
    for_chunks(g, |at, d| {
        let n = d.len();
        update2_slice(d, &y[at..at + n], &f)
    });
}

fn update2_slice<F: Fn(f32, f32) -> f32>(g: &mut [f32], y: &[f32], f: &F) {
    super::isa::run(
        #[inline(always)]
        move || {
            for (d, &y) in g.iter_mut().zip(y) {
                *d = f(*d, y);
            }
        },
    )
}

/// `f(y + v)` in place for each row of the row-major matrix `y` (`v.len()`
/// columns): a bias and an activation in one pass over the output.
pub fn rows_plus_map_in_place(y: &mut [f32], v: &[f32], f: impl Fn(f32) -> f32 + Sync + Send) {
    let cols = v.len().max(1);
    if worth_splitting(y.len()) {
        let rows_per_task = (1 << 14) / cols + 1;
        y.par_chunks_mut(rows_per_task * cols)
            .for_each(|block| rows_plus_map_slice(block, v, &f));
    } else {
        rows_plus_map_slice(y, v, &f);
    }
}

fn rows_plus_map_slice<F: Fn(f32) -> f32>(y: &mut [f32], v: &[f32], f: &F) {
    super::isa::run(
        #[inline(always)]
        move || {
            for row in y.chunks_mut(v.len().max(1)) {
                for (o, &b) in row.iter_mut().zip(v) {
                    *o = f(*o + b);
                }
            }
        },
    )
}

/// `y + v` for each row of the row-major matrix `y` (`v.len()` columns), in place.
pub fn rows_plus_in_place(y: &mut [f32], v: &[f32]) {
    rows_plus_map_in_place(y, v, |x| x);
}

/// Elements per block of [`column_sums`].
const SUM_BLOCK: usize = 1 << 16;

/// Sums of the columns of the row-major matrix `g` with `cols` columns.
/// Rows are summed in order within fixed blocks of about `SUM_BLOCK`
/// elements, and the block sums in order after them: the blocks depend on
/// the shape only, so the result does not depend on the thread count, and
/// a matrix of one block is summed row after row from zero (the order
/// `sum_axis(Axis(0))` uses).
pub fn column_sums(g: &[f32], cols: usize) -> Vec<f32> {
    if cols == 0 {
        return Vec::new();
    }
    let block = (SUM_BLOCK / cols).max(1) * cols;
    let sums: Vec<Vec<f32>> = if worth_splitting(g.len()) {
        g.par_chunks(block).map(|b| block_sum(b, cols)).collect()
    } else {
        g.chunks(block).map(|b| block_sum(b, cols)).collect()
    };
    combine_block_sums(sums, cols)
}

/// `g = f(g, y)` in place, and the column sums of the new `g`, in one trip
/// through memory: each block is updated, then summed while still in cache,
/// in the same blocks and order as [`column_sums`], so the sums are equal
/// to `column_sums` of the updated `g`.
pub fn scaled_column_sums(
    g: &mut [f32],
    y: &[f32],
    cols: usize,
    f: impl Fn(f32, f32) -> f32 + Sync + Send,
) -> Vec<f32> {
    if cols == 0 {
        return Vec::new();
    }
    let block = (SUM_BLOCK / cols).max(1) * cols;
    let one = |(gb, yb): (&mut [f32], &[f32])| {
        update2_slice(gb, yb, &f);
        block_sum(gb, cols)
    };
    let sums: Vec<Vec<f32>> = if worth_splitting(g.len()) {
        g.par_chunks_mut(block)
            .zip(y.par_chunks(block))
            .map(one)
            .collect()
    } else {
        g.chunks_mut(block).zip(y.chunks(block)).map(one).collect()
    };
    combine_block_sums(sums, cols)
}

/// Column sums of one block, rows in order from zero.
fn block_sum(block: &[f32], cols: usize) -> Vec<f32> {
    let mut acc = vec![0.0f32; cols];
    for row in block.chunks(cols) {
        for (a, &x) in acc.iter_mut().zip(row) {
            *a += x;
        }
    }
    acc
}

/// Equal-length partial results added in order, from the first (an empty
/// list gives `len` zeros): a reduction split in fixed blocks, summed the
/// same way on any thread count.
pub fn combine_block_sums(sums: Vec<Vec<f32>>, cols: usize) -> Vec<f32> {
    let mut sums = sums.into_iter();
    let mut total = sums.next().unwrap_or_else(|| vec![0.0; cols]);
    for b in sums {
        for (t, x) in total.iter_mut().zip(b) {
            *t += x;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_sums_are_exact_on_integers_and_thread_independent() {
        let cols = 32;
        let g: Vec<f32> = (0..cols * 10_000).map(|i| (i % 7) as f32).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| column_sums(&g, cols))
        };
        let one = run(1);
        assert_eq!(run(2), one);
        for (j, &s) in one.iter().enumerate() {
            let exact: f32 = (0..10_000).map(|r| ((r * cols + j) % 7) as f32).sum();
            assert_eq!(s, exact);
        }
        assert_eq!(column_sums(&[], 3), vec![0.0; 3]);
    }

    /// Scaling and summing in one pass equals scaling, then `column_sums`,
    /// bit for bit, on one thread or two.
    #[test]
    fn scaled_column_sums_match_the_two_pass_result() {
        let cols = 24;
        let rows = 9_000;
        let g0: Vec<f32> = (0..cols * rows)
            .map(|i| ((i * 37) % 101) as f32 * 0.013 - 0.6)
            .collect();
        let y: Vec<f32> = (0..cols * rows)
            .map(|i| ((i * 11) % 13) as f32 * 0.07)
            .collect();
        let f = |g: f32, y: f32| g * y * (1.0 - y);
        let scaled: Vec<f32> = g0.iter().zip(&y).map(|(&g, &y)| f(g, y)).collect();
        let want = column_sums(&scaled, cols);
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut g = g0.clone();
            let sums = pool.install(|| scaled_column_sums(&mut g, &y, cols, f));
            assert_eq!(g, scaled);
            assert_eq!(sums, want);
        }
    }

    #[test]
    fn rows_plus_map_in_place_adds_the_bias_then_maps() {
        let v = [1.0f32, -2.0, 0.5];
        let mut y: Vec<f32> = (0..3 * 40_000).map(|i| (i % 5) as f32 - 2.0).collect();
        let want: Vec<f32> = y
            .iter()
            .enumerate()
            .map(|(i, &x)| (x + v[i % 3]).max(0.0))
            .collect();
        rows_plus_map_in_place(&mut y, &v, |x| x.max(0.0));
        assert_eq!(y, want);
    }
}
