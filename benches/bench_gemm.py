"""float32 GEMM: pykeras (the `gemm` crate, rayon threads) beside numpy (OpenBLAS).

Run: python benches/bench_gemm.py [--size 1024] [--repeats 40]

Both libraries use every core of the machine; the figure is the best of
`repeats` runs of C = A @ B, in GFLOP/s, and the ratio pykeras / numpy.
"""

import argparse
import os
import platform
import time

import numpy as np

from pykeras import _core


def best_seconds(fns, repeats, rounds=8):
    """Best wall time of each of `fns` over `repeats` calls.

    The calls come in `rounds` blocks that take turns, so a slow spell of a
    shared machine hits both libraries alike instead of whichever ran
    second; a pause after each block lets the other library's idle threads
    stop spinning (OpenBLAS's busy-wait took a core from the next call).
    """
    for fn in fns:
        fn()  # warm-up: page in buffers, start thread pools
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


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    n = args.size
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    np.testing.assert_allclose(_core.op("matmul", [a, b]), a @ b, rtol=1e-3, atol=1e-3)
    flops = 2.0 * n**3
    t_np, t_pk = best_seconds([lambda: a @ b, lambda: _core.op("matmul", [a, b])], args.repeats)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or ''}")
    print(f"pykeras threads: {_core.get_num_threads()}")
    print(f"{'library':<10}{'GFLOP/s':>10}{'ms':>10}")
    print(f"{'numpy':<10}{flops / t_np / 1e9:>10.1f}{t_np * 1e3:>10.2f}")
    print(f"{'pykeras':<10}{flops / t_pk / 1e9:>10.1f}{t_pk * 1e3:>10.2f}")
    print(f"ratio pykeras/numpy: {t_np / t_pk:.2f}")


if __name__ == "__main__":
    main()
