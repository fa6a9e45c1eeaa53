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

echo "== build the wheel (one abi3 wheel for Python 3.9+, run-time CPU dispatch)"
wheel_dir="$(mktemp -d)"
trap 'rm -rf "$wheel_dir"' EXIT
python3 -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$wheel_dir" .
wheel="$(ls "$wheel_dir"/pykeras-*.whl)"
echo "$(basename "$wheel")"

echo "== install the wheel with its test extras"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  --force-reinstall --no-deps "$wheel"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  "${wheel}[test,examples]"

echo "== the wheel in a fresh virtual environment, no Rust toolchain on the path"
venv="$wheel_dir/venv"
python3 -m venv "$venv"
# The path without any directory that holds cargo or rustc.
clean_path="$venv/bin"
IFS=: read -ra path_dirs <<< "$PATH"
for d in "${path_dirs[@]}"; do
  if [ -n "$d" ] && [ ! -x "$d/cargo" ] && [ ! -x "$d/rustc" ]; then
    clean_path="$clean_path:$d"
  fi
done
(
  cd "$wheel_dir"
  export PATH="$clean_path"
  if command -v cargo >/dev/null 2>&1; then
    echo "cargo is still on the path: $(command -v cargo)" >&2
    exit 1
  fi
  python -m pip install --quiet --disable-pip-version-check "$wheel"
  python "$root/tests/wheel/smoke.py"
  # The oldest Python the abi3 wheel claims, when this machine has it.
  py39=""
  for cand in python3.9 "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.9*/bin/python3.9; do
    if "$cand" -c 'import sys; assert sys.version_info[:2] == (3, 9)' >/dev/null 2>&1; then
      py39="$cand"
      break
    fi
  done
  if [ -n "$py39" ]; then
    "$py39" -m venv "$wheel_dir/venv39"
    "$wheel_dir/venv39/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
    "$wheel_dir/venv39/bin/python" "$root/tests/wheel/smoke.py"
  fi
)

echo "== rustfmt"
cargo fmt --check
echo "== clippy"
cargo clippy --quiet --all-targets --features python -- -D warnings
echo "== ruff"
python3 -m ruff check pykeras tests benches examples
python3 -m ruff format --check pykeras tests benches examples
echo "== import layering (import-linter)"
# From the repository root, so that the source tree is checked (lint-imports puts
# the current directory first on the path; it reads files, imports nothing).
if python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  lint-imports --no-cache
else
  echo "import-linter needs Python 3.10+; layering not checked on $(python3 -V)"
fi

echo "== mypy"
# From the repository root: the source tree is checked ([tool.mypy] in
# pyproject.toml), its compiled core through pykeras/_core.pyi.
python3 -m mypy

echo "== cargo test"
cargo test --quiet

# Run from tests/ so the installed package is imported, not the source folder
# (which has no compiled _core).
cd "$root/tests"
echo "== _core's type stubs against the compiled module (mypy stubtest)"
python3 -m mypy.stubtest --ignore-disjoint-bases pykeras._core

echo "== pytest"
python3 -m pytest python -q -p no:cacheprovider --timeout=300 --timeout-method=thread

echo "== docstring examples (doctest)"
python3 -m pytest doctests -q -p no:cacheprovider --timeout=300 --timeout-method=thread

echo "== API reference (mkdocs.yml), warnings as errors"
# Built from tests/ so that its hook imports the installed package; the site
# goes to a temporary directory, never into the repository.
docs_site="$(mktemp -d)"
python3 -m mkdocs build --strict -f "$root/mkdocs.yml" -d "$docs_site/site"
rm -rf "$docs_site"

# Every instruction-set path below the CPU's widest, forced as a user would
# force it (PYKERAS_ISA), passes the whole suite too.
for isa in $(python3 -c "from pykeras import _core; print(' '.join(_core.available_isas()[:-1]))"); do
  echo "== pytest on the forced ${isa} path (PYKERAS_ISA=${isa})"
  PYKERAS_ISA="$isa" python3 -m pytest python -q -p no:cacheprovider --timeout=300 --timeout-method=thread
done
