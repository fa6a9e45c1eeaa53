"""The end-to-end benchmark (benches/e2e.py) runs and reports; no timing is asserted."""

import importlib.util
import os
import pathlib
import subprocess
import sys
import types

BENCHES = pathlib.Path(__file__).resolve().parents[2] / "benches"


def load_e2e():
    spec = importlib.util.spec_from_file_location("e2e_bench", BENCHES / "e2e.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_e2e(tmp_path, *flags, env=None):
    output = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, str(BENCHES / "e2e.py"), "--quick", "--output", str(output), *flags],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, output.read_text(encoding="utf-8")


def test_quick_run_prints_and_writes_the_table(tmp_path):
    stdout, written = run_e2e(tmp_path, "--frameworks", "pykeras")
    assert written == stdout.rstrip("\n") + "\n"
    assert "| workload | measure | pykeras | pykeras vs best peer | target |" in stdout
    for title in ("(a) MLP 784-512", "(b) MLP 784-32-10", "(c) CNN 28x28x1"):
        assert f"| {title}" in stdout
    for measure in ("training, samples/s", "`model(x)`, 1 sample", "`predict`, 1 sample"):
        assert measure in stdout
    assert "peak training memory, MiB" in stdout
    assert "failed" not in stdout
    assert "### pykeras thread scaling" in stdout
    assert "Machine:" in stdout and "cores" in stdout


def test_an_unavailable_peer_is_skipped_and_named(tmp_path):
    env = {"PYKERAS_BENCH_PEER_PYTHON": str(tmp_path / "no-such-python")}
    stdout, _ = run_e2e(
        tmp_path, "--frameworks", "pykeras,torch", "--workloads", "b", "--no-scaling", env=env
    )
    # Either this interpreter has torch (then it ran) or the report says it was skipped.
    has_torch = importlib.util.find_spec("torch") is not None
    if has_torch:
        assert "| PyTorch (CPU) |" in stdout
    else:
        assert "PyTorch (CPU) skipped: not available" in stdout
        assert "no-such-python does not exist" in stdout


def test_ratios_compare_pykeras_with_the_best_peer():
    e2e = load_e2e()
    record = {"samples_per_s": 100.0, "call_us": 50.0, "predict_us": 80.0, "memory_mib": 10.0}
    peer = {"samples_per_s": 200.0, "call_us": 100.0, "predict_us": 40.0, "memory_mib": 20.0}
    slower = dict(peer, samples_per_s=50.0, call_us=400.0)
    results = {("pykeras", "b"): record, ("keras", "b"): peer, ("torch", "b"): slower}
    table = e2e.results_table(["pykeras", "keras", "torch"], results)
    rows = [line for line in table.splitlines() if "(b)" in line or line.startswith("|  |")]
    # Throughput: 100 / best 200; model(x) latency: best 100 / 50; predict: 40 / 80.
    assert "| 0.50× | ≥ 1.0: missed |" in rows[0]
    assert "| 2.00× | ≥ 1.0: met |" in rows[1]
    assert "| 0.50× | — |" in rows[2]
    assert "| 2.00× | — |" in rows[3]


def test_report_names_skipped_peers_and_failures():
    e2e = load_e2e()
    args = types.SimpleNamespace(
        frameworks=["pykeras", "keras"],
        quick=True,
        threads=2,
        samples=256,
        epochs=1,
        repeats=5,
        rounds=1,
    )
    machine = {"cpu": "Test CPU", "cores": 2, "ram": "1.0 GiB", "os": "TestOS", "load": 0.0}
    found = {"pykeras": ("python", {"versions": {"pykeras": "0.1.0"}, "python": "3.11"})}
    text = e2e.report(
        args,
        machine,
        found,
        {"keras": ["/x/python: ModuleNotFoundError: No module named 'keras'"]},
        {("pykeras", "a"): None},
        {"a": (100.0, 180.0)},
        [("pykeras (a), 2 thread(s)", "exit code 1: boom")],
    )
    assert "Keras 3 (JAX) skipped: not available" in text
    assert "No module named 'keras'" in text
    assert "pykeras (a), 2 thread(s) failed" in text
    assert "| failed |" in text
    assert "| 1.80× | ≥ 1.7: met |" in text


def test_rounds_keep_each_measures_best():
    e2e = load_e2e()
    first = {"samples_per_s": 100.0, "call_us": 50.0, "predict_us": 80.0, "memory_mib": 10.0}
    second = {"samples_per_s": 120.0, "call_us": 60.0, "predict_us": 70.0, "memory_mib": 12.0}
    best = e2e.best_of(first, second)
    assert best == {"samples_per_s": 120.0, "call_us": 50.0, "predict_us": 70.0, "memory_mib": 10.0}
    assert e2e.best_of(None, second) == second and e2e.best_of(first, None) == first
