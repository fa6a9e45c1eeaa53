//! Kernel benches: GEMM, conv2d forward and backward, max pooling forward
//! and backward, and the fused softmax cross-entropy, each through the
//! crate's public op API (`ops::build` + `Primitive::forward/backward`), the
//! same path the graph executor takes.
//!
//! Run: `cargo bench --bench kernels` (about a minute on 2 cores). Threads
//! follow `PYKERAS_NUM_THREADS` (default: every core); compare
//! `PYKERAS_NUM_THREADS=1 cargo bench --bench kernels` for the scaling.
//! Filter with criterion's usual argument: `cargo bench --bench kernels -- gemm`.
//!
//! Shapes are the ones the end-to-end workloads of `benches/e2e.py` run
//! (MNIST-sized MLP and CNN at batch 128), plus a square GEMM to compare with
//! `benches/bench_gemm.py` (numpy). GEMM throughput is reported in elements
//! per second where one element is one floating-point operation, so
//! criterion's "Gelem/s" reads as GFLOP/s.

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use ndarray::{ArrayD, IxDyn};
use pykeras::kernels::parallel;
use pykeras::ops::{build, Attr, Attrs, Context, OpRef};
use pykeras::{Value, ValueView};
use std::hint::black_box;
use std::time::Duration;

/// Deterministic values in [-1, 1): a multiplicative hash of the index, so
/// the benches need no random-number crate and every run sees the same data.
fn data(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    let v = (0..n)
        .map(|i| {
            let h = (i as u64 + 1)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(seed.wrapping_mul(0xBF58_476D_1CE4_E5B9));
            ((h >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).expect("bench shape")
}

fn op(name: &str, attrs: Attrs) -> OpRef {
    build(name, &attrs).unwrap_or_else(|e| panic!("building {name}: {e}"))
}

fn f32_value(shape: &[usize], seed: u64) -> Value {
    Value::F32(data(shape, seed))
}

/// Runs the op's forward pass inside pykeras's thread pool, as the executor does.
fn forward(op: &OpRef, inputs: &[ValueView]) -> Value {
    let ctx = Context {
        training: true,
        seed: 0,
        ..Context::default()
    };
    parallel::run(|| op.forward(inputs, &ctx))
        .expect("thread pool")
        .unwrap_or_else(|e| panic!("{} forward: {e}", op.name()))
}

/// Runs the op's backward pass (gradients of every input) inside the pool.
fn backward(op: &OpRef, inputs: &[ValueView], output: &ArrayD<f32>, grad: &ArrayD<f32>) -> usize {
    let ctx = Context {
        training: true,
        seed: 0,
        ..Context::default()
    };
    let grads = parallel::run(|| op.backward(inputs, output.view(), grad.view(), &ctx))
        .expect("thread pool")
        .unwrap_or_else(|e| panic!("{} backward: {e}", op.name()));
    grads.len()
}

fn bench_gemm(c: &mut Criterion) {
    let matmul = op("matmul", Attrs::new());
    let mut group = c.benchmark_group("gemm");
    // Iterations of milliseconds: flat sampling keeps to the time budget.
    group.sampling_mode(SamplingMode::Flat);
    // (m, k, n): MLP (a) first layer forward at batch 128, its weight gradient
    // (k = batch), the CNN's dense layer, and a square product.
    for (m, k, n) in [
        (128, 784, 512),
        (784, 128, 512),
        (128, 3136, 100),
        (512, 512, 512),
        (1024, 1024, 1024),
    ] {
        let a = f32_value(&[m, k], 1);
        let b = f32_value(&[k, n], 2);
        let inputs = [a.view(), b.view()];
        group.throughput(Throughput::Elements(2 * (m * k * n) as u64));
        group.bench_function(
            BenchmarkId::from_parameter(format!("{m}x{k}x{n}")),
            |bench| bench.iter(|| black_box(forward(&matmul, &inputs))),
        );
    }
    group.finish();
}

/// The two convolutions of the CNN workload (c), batch 128, 'same' padding:
/// (input NHWC, kernel HWIO).
const CONVS: [([usize; 4], [usize; 4]); 2] = [
    ([128, 28, 28, 1], [3, 3, 1, 32]),
    ([128, 14, 14, 32], [3, 3, 32, 64]),
];

fn conv_attrs() -> Attrs {
    Attrs::new().with("padding", Attr::Str("same".into()))
}

fn conv_label(x: &[usize; 4], k: &[usize; 4]) -> String {
    format!(
        "{}x{}x{}x{}_k{}x{}_to{}",
        x[0], x[1], x[2], x[3], k[0], k[1], k[3]
    )
}

fn conv_flops(x: &[usize; 4], k: &[usize; 4]) -> u64 {
    // 'same', stride 1: one output pixel per input pixel.
    2 * (x[0] * x[1] * x[2] * k[0] * k[1] * k[2] * k[3]) as u64
}

fn bench_conv2d_forward(c: &mut Criterion) {
    let conv = op("conv2d", conv_attrs());
    let mut group = c.benchmark_group("conv2d_forward");
    // Iterations of milliseconds: flat sampling keeps to the time budget.
    group.sampling_mode(SamplingMode::Flat);
    for (xs, ks) in CONVS {
        let x = f32_value(&xs, 3);
        let k = f32_value(&ks, 4);
        let inputs = [x.view(), k.view()];
        group.throughput(Throughput::Elements(conv_flops(&xs, &ks)));
        group.bench_function(BenchmarkId::from_parameter(conv_label(&xs, &ks)), |bench| {
            bench.iter(|| black_box(forward(&conv, &inputs)))
        });
    }
    group.finish();
}

fn bench_conv2d_backward(c: &mut Criterion) {
    let conv = op("conv2d", conv_attrs());
    let mut group = c.benchmark_group("conv2d_backward");
    // Iterations of milliseconds: flat sampling keeps to the time budget.
    group.sampling_mode(SamplingMode::Flat);
    for (xs, ks) in CONVS {
        let x = f32_value(&xs, 5);
        let k = f32_value(&ks, 6);
        let inputs = [x.view(), k.view()];
        let y = forward(&conv, &inputs)
            .into_f32("conv2d")
            .expect("float output");
        let gy = data(y.shape(), 7);
        // Input and kernel gradients: twice the forward's arithmetic.
        group.throughput(Throughput::Elements(2 * conv_flops(&xs, &ks)));
        group.bench_function(BenchmarkId::from_parameter(conv_label(&xs, &ks)), |bench| {
            bench.iter(|| black_box(backward(&conv, &inputs, &y, &gy)))
        });
    }
    group.finish();
}

fn bench_max_pool2d(c: &mut Criterion) {
    let pool = op(
        "max_pool2d",
        Attrs::new().with("pool_size", Attr::Ints(vec![2, 2])),
    );
    let mut group = c.benchmark_group("max_pool2d");
    // Iterations of milliseconds: flat sampling keeps to the time budget.
    group.sampling_mode(SamplingMode::Flat);
    // The CNN's two pooling layers, after each convolution.
    for xs in [[128usize, 28, 28, 32], [128, 14, 14, 64]] {
        let x = f32_value(&xs, 8);
        let inputs = [x.view()];
        let y = forward(&pool, &inputs)
            .into_f32("max_pool2d")
            .expect("float output");
        let gy = data(y.shape(), 9);
        let label = format!("{}x{}x{}x{}", xs[0], xs[1], xs[2], xs[3]);
        group.throughput(Throughput::Elements(xs.iter().product::<usize>() as u64));
        group.bench_function(BenchmarkId::new("forward", &label), |bench| {
            bench.iter(|| black_box(forward(&pool, &inputs)))
        });
        group.bench_function(BenchmarkId::new("backward", &label), |bench| {
            bench.iter(|| black_box(backward(&pool, &inputs, &y, &gy)))
        });
    }
    group.finish();
}

fn bench_softmax_cross_entropy(c: &mut Criterion) {
    let xent = op("softmax_cross_entropy", Attrs::new());
    let mut group = c.benchmark_group("softmax_cross_entropy");
    // The workloads' head (10 classes at batch 128) and an ImageNet-sized one.
    for (rows, classes) in [(128usize, 10usize), (256, 1000)] {
        let logits = f32_value(&[rows, classes], 10);
        let ids = ArrayD::from_shape_vec(
            IxDyn(&[rows]),
            (0..rows).map(|i| ((i * 7) % classes) as i64).collect(),
        )
        .expect("label shape");
        let labels = Value::I64(ids);
        let inputs = [logits.view(), labels.view()];
        let loss = forward(&xent, &inputs)
            .into_f32("softmax_cross_entropy")
            .expect("float output");
        let gy = ArrayD::from_elem(loss.shape(), 1.0 / rows as f32);
        let label = format!("{rows}x{classes}");
        group.throughput(Throughput::Elements((rows * classes) as u64));
        group.bench_function(BenchmarkId::new("forward", &label), |bench| {
            bench.iter(|| black_box(forward(&xent, &inputs)))
        });
        group.bench_function(BenchmarkId::new("backward", &label), |bench| {
            bench.iter(|| black_box(backward(&xent, &inputs, &loss, &gy)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Short runs: the whole set finishes in about a minute.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = bench_gemm, bench_conv2d_forward, bench_conv2d_backward, bench_max_pool2d,
        bench_softmax_cross_entropy
}
criterion_main!(benches);
