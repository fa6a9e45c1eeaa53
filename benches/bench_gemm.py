"""float32 GEMM: pykeras beside numpy (OpenBLAS), on one thread and on all.

Run: python benches/bench_gemm.py [--repeats 40] [--quick]

Shapes: square products from 64 to 2048, and the products of Dense layers
(784-512 and 512-10 forward, and both backward products) at batch 1, 32 and
128. The figure is the best of `repeats` calls of C = A @ B, in GFLOP/s, and
the ratio pykeras / numpy; the CPU and the ISA path pykeras chose head the
table.
"""

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from pykeras import _core
from pykeras.config_cpu import cpu_info_line

SQUARE = (64, 128, 256, 512, 1024, 2048)
# (name, m, k, n) with C (m, n) = A (m, k) @ B (k, n).
DENSE = tuple(
    shape
    for batch in (1, 32, 128)
    for shape in (
        (f"784->512 fwd b{batch}", batch, 784, 512),
        (f"512->10 fwd b{batch}", batch, 512, 10),
        (f"784->512 dW b{batch}", 784, batch, 512),
        (f"784->512 dX b{batch}", batch, 512, 784),
    )
)


def best_seconds(fns, repeats, rounds=4):
    """Best wall time of each of `fns`, in blocks that take turns.

    Turns keep a slow spell of a shared machine from hitting only whichever
    library ran second; the pause lets the other library's idle threads
    stop spinning (OpenBLAS busy-waits ~0.1 s after a call, taking a core
    from the next library).
    """
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    per_round = max(1, repeats // rounds)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            time.sleep(0.3)
            for _ in range(per_round):
                t0 = time.perf_counter()
                fn()
                best[i] = min(best[i], time.perf_counter() - t0)
    return best


def measure(shapes, threads, repeats):
    rng = np.random.default_rng(0)
    rows = []
    _core.set_num_threads(threads)
    with threadpool_limits(limits=threads, user_api="blas"):
        for name, m, k, n in shapes:
            a = rng.standard_normal((m, k), dtype=np.float32)
            b = rng.standard_normal((k, n), dtype=np.float32)
            np.testing.assert_allclose(
                _core.op("matmul", [a, b]), a @ b, rtol=1e-3, atol=1e-3 * np.sqrt(k)
            )
            # Enough calls for ~0.2 s per library on the smallest shapes.
            calls = max(repeats, min(2000, int(2e8 / (2.0 * m * k * n + 1e5))))
            t_np, t_pk = best_seconds(
                [lambda a=a, b=b: a @ b, lambda a=a, b=b: _core.op("matmul", [a, b])], calls
            )
            flops = 2.0 * m * k * n
            rows.append((name, flops / t_np / 1e9, flops / t_pk / 1e9, t_np / t_pk))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="square sizes only")
    args = parser.parse_args()
    all_threads = _core.get_num_threads()
    print(cpu_info_line())
    shapes = [(f"square {s}", s, s, s) for s in SQUARE]
    if not args.quick:
        shapes += list(DENSE)
    print("\n| product | threads | numpy GFLOP/s | pykeras GFLOP/s | pykeras/numpy |")
    print("|---|---|---|---|---|")
    for threads in sorted({1, all_threads}):
        for name, g_np, g_pk, ratio in measure(shapes, threads, args.repeats):
            print(f"| {name} | {threads} | {g_np:.1f} | {g_pk:.1f} | {ratio:.2f} |")
    _core.set_num_threads(all_threads)


if __name__ == "__main__":
    main()
