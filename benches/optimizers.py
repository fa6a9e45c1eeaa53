"""Optimizer update speed: pykeras's Rust rules beside Keras 3 (JAX) and PyTorch.

Run: python benches/optimizers.py [--quick]

Each row times one optimizer step over a 1M-parameter model's variables
(a (1024, 1024) kernel and a (1024,) bias), median over repeated steps after
warm-up. pykeras runs in this interpreter (`apply_gradients`, whose update is
the same Rust call `fit`'s loop makes); Keras+JAX (a jitted
`stateless_apply`) and PyTorch (`torch.optim`, where it has the optimizer)
run in the first interpreter that has them: this one, else
$PYKERAS_BENCH_PEER_PYTHON (default /work/oracle/bin/python, or
/work/keras-env/bin/python). A missing peer or optimizer prints "n/a".
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

SHAPES = [(1024, 1024), (1024,)]


def cases():
    """name -> (Keras class, kwargs, schedule or None, torch equivalent or None)."""
    return {
        "Adam (baseline)": ("Adam", {"learning_rate": 1e-3}, None, ("Adam", {"lr": 1e-3})),
        "Ftrl": ("Ftrl", {"learning_rate": 0.05, "l1_regularization_strength": 1e-3}, None, None),
        "Lamb": ("Lamb", {"learning_rate": 1e-3}, None, None),
        "Adafactor": ("Adafactor", {"learning_rate": 1e-2}, None, ("Adafactor", {"lr": 1e-2})),
        # Muon: 5 Newton-Schulz iterations of three (1024, 1024) matmuls on the
        # kernel; the bias takes the AdamW step. torch.optim.Muon only takes
        # 2-D parameters, so PyTorch's row times the kernel alone.
        "Muon": (
            "Muon",
            {"learning_rate": 1e-3, "weight_decay": None, "adam_weight_decay": None},
            None,
            ("Muon", {"lr": 1e-3, "weight_decay": 0.0}),
        ),
        "ScheduleFreeAdamW": ("ScheduleFreeAdamW", {"learning_rate": 2.5e-3}, None, None),
        # One native optimizer dispatching the kernel to Adam, the bias to SGD.
        "MultiOptimizer (Adam + SGD)": ("MultiOptimizer", {}, None, None),
        "Adam + use_ema": ("Adam", {"use_ema": True}, None, None),
        "Adam + gradient_accumulation_steps=4": (
            "Adam",
            {"gradient_accumulation_steps": 4},
            None,
            None,
        ),
        "SGD + CosineDecayRestarts": (
            "SGD",
            {"momentum": 0.9},
            ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10}),
            None,
        ),
        "Adam + PolynomialDecay": (
            "Adam",
            {},
            ("PolynomialDecay", {"initial_learning_rate": 1e-3, "decay_steps": 100}),
            None,
        ),
    }


def data():
    rng = np.random.RandomState(0)
    values = [rng.randn(*s).astype(np.float32) for s in SHAPES]
    grads = [rng.randn(*s).astype(np.float32) * 0.01 for s in SHAPES]
    return values, grads


def make_optimizer(module, cls, kwargs):
    """`module.optimizers.<cls>(**kwargs)`; a MultiOptimizer sends 2-D
    variables to Adam and the others to SGD."""
    if cls == "MultiOptimizer":
        adam, sgd = module.optimizers.Adam(), module.optimizers.SGD(momentum=0.9)
        return module.optimizers.MultiOptimizer(lambda v: adam if len(v.shape) == 2 else sgd)
    return getattr(module.optimizers, cls)(**kwargs)


def median_ms(step, repeats, warmup=3):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def run_pykeras(repeats):
    import pykeras as keras

    out = {}
    values, grads = data()
    for name, (cls, kwargs, schedule, _) in cases().items():
        kwargs = dict(kwargs)
        if schedule is not None:
            kwargs["learning_rate"] = getattr(keras.optimizers.schedules, schedule[0])(
                **schedule[1]
            )
        opt = make_optimizer(keras, cls, kwargs)
        variables = [keras.Variable(v) for v in values]
        pairs = list(zip(grads, variables))
        out[name] = median_ms(lambda opt=opt, pairs=pairs: opt.apply_gradients(pairs), repeats)
    return out


def run_keras(repeats):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import jax
    import keras

    out = {}
    values, grads = data()
    for name, (cls, kwargs, schedule, _) in cases().items():
        kwargs = dict(kwargs)
        if schedule is not None:
            kwargs["learning_rate"] = getattr(keras.optimizers.schedules, schedule[0])(
                **schedule[1]
            )
        opt = make_optimizer(keras, cls, kwargs)
        variables = [keras.Variable(v) for v in values]
        opt.build(variables)
        step = jax.jit(opt.stateless_apply)
        state = {"vars": [v.value for v in variables], "opt": [v.value for v in opt.variables]}
        jgrads = [jax.numpy.asarray(g) for g in grads]

        def one(step=step, state=state, jgrads=jgrads):
            new_vars, new_opt = step(state["opt"], jgrads, state["vars"])
            jax.block_until_ready(new_vars)
            state["vars"], state["opt"] = new_vars, new_opt

        out[name] = median_ms(one, repeats)
    return out


def run_torch(repeats):
    import torch

    out = {}
    values, grads = data()
    for name, (_, _, _, equivalent) in cases().items():
        if equivalent is None:
            continue
        params = [torch.nn.Parameter(torch.from_numpy(v.copy())) for v in values]
        if not hasattr(torch.optim, equivalent[0]):
            continue
        if equivalent[0] == "Muon":
            params = params[:1]
        for p, g in zip(params, grads):
            p.grad = torch.from_numpy(g)
        opt = getattr(torch.optim, equivalent[0])(params, **equivalent[1])
        out[name] = median_ms(opt.step, repeats)
    return out


def peer(framework, repeats):
    """Runs one peer in the first interpreter that has it; its timings, or None."""
    candidates = [sys.executable]
    for path in (
        os.environ.get("PYKERAS_BENCH_PEER_PYTHON"),
        "/work/oracle/bin/python",
        "/work/keras-env/bin/python",
    ):
        if path and os.path.exists(path) and path not in candidates:
            candidates.append(path)
    module = {"keras": "keras", "torch": "torch"}[framework]
    for python in candidates:
        probe = subprocess.run(
            [python, "-c", f"import {module}"], capture_output=True, env=_peer_env()
        )
        if probe.returncode != 0:
            continue
        proc = subprocess.run(
            [python, __file__, "--peer", framework, "--repeats", str(repeats)],
            capture_output=True,
            text=True,
            env=_peer_env(),
            timeout=900,
        )
        if proc.returncode == 0:
            return json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"[optimizers] {framework} failed: {proc.stderr[-500:]}", file=sys.stderr)
    return None


def _peer_env():
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "jax")
    return env


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--peer", choices=["keras", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repeats = args.repeats or (5 if args.quick else 30)
    if args.peer:
        run = run_keras if args.peer == "keras" else run_torch
        print(json.dumps(run(repeats)))
        return
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from e2e import machine_description

    print(machine_description())
    ours = run_pykeras(repeats)
    keras_times = peer("keras", repeats) or {}
    torch_times = peer("torch", repeats) or {}
    print(f"\nOne optimizer step over {sum(int(np.prod(s)) for s in SHAPES):,} parameters "
          f"(median ms of {repeats}; lower is better)\n")  # fmt: skip
    print("| optimizer | pykeras | Keras (JAX) | PyTorch | Keras ÷ pykeras |")
    print("|---|---:|---:|---:|---:|")
    for name, ms in ours.items():
        k = keras_times.get(name)
        t = torch_times.get(name)
        ratio = f"{k / ms:.2f}" if k else "n/a"
        print(
            f"| {name} | {ms:.3f} | {f'{k:.3f}' if k else 'n/a'} "
            f"| {f'{t:.3f}' if t else 'n/a'} | {ratio} |"
        )


if __name__ == "__main__":
    main()
