#!/usr/bin/env bash
# The test command: installs what the tests need from the project's own files,
# then runs the linters, the Rust tests and the Python tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

echo "== install Graphviz (plot_model's renderer) if missing"
if ! command -v dot >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
  else
    echo "Graphviz's dot is missing and cannot be installed here; plot_model tests will fail." >&2
  fi
fi

echo "== install pykeras with its test extras"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore ".[test,examples]"

echo "== rustfmt"
cargo fmt --check
echo "== clippy"
cargo clippy --quiet --all-targets --features python -- -D warnings
echo "== ruff"
python3 -m ruff check pykeras tests benches examples
python3 -m ruff format --check pykeras tests benches examples

echo "== cargo test"
cargo test --quiet

# Run from tests/ so the installed package is imported, not the source folder
# (which has no compiled _core).
cd "$root/tests"
echo "== _core's type stubs against the compiled module (mypy stubtest)"
python3 -m mypy.stubtest --ignore-disjoint-bases pykeras._core

echo "== pytest"
python3 -m pytest python -q -p no:cacheprovider --timeout=300 --timeout-method=thread
