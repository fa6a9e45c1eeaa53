#!/usr/bin/env bash
# Every benchmark of issue 6 in one command: the kernel benches (criterion),
# GEMM against numpy, then the end-to-end comparison, which also writes
# benches/results.md. Arguments go to e2e.py (e.g. --quick).
# Run pykeras's installed build: `pip install .` first after Rust changes.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== kernel benches (cargo bench --bench kernels)"
cargo bench --bench kernels
echo "== GEMM: pykeras vs numpy"
python3 benches/bench_gemm.py
echo "== end to end: pykeras vs Keras 3 (JAX) vs PyTorch"
python3 benches/e2e.py "$@"
