"""Training samples/s of a small CNN behind augmentation layers (issue 18,
point 2): pykeras beside Keras 3 (JAX), and PyTorch for the colour jitter,
on the CPU.

    PYTHONPATH=. python3 benches/augmentation.py [--samples 2048] [--epochs 2] [--threads 2]

Workloads, each in front of Rescaling -> Conv2D(16, 3) -> MaxPooling2D ->
Conv2D(32, 3) -> GlobalAveragePooling2D -> Dense(10), 32x32x3 images,
batch 64, Adam, sparse categorical cross-entropy:

- color: RandomHue -> RandomSaturation -> RandomSharpness -> RandomColorDegeneration
- jitter: RandomColorJitter (brightness, contrast, saturation and hue), then
  RandomContrast and RandomBrightness
- geometric: RandomShear -> RandomPerspective -> RandomGaussianBlur
- randaugment: RandAugment() (all eleven operations computed each step)
- histogram: Equalization -> AutoContrast

PyTorch has no such layers (torchvision's transforms run per sample in the
data loader, or with one draw per batch); for "jitter" the same per-image
colour jitter is written with torch ops (`augment_torch.py`) in front of the
same CNN, where PyTorch is importable. Each framework runs in its own
subprocess with the same thread cap: pykeras and PyTorch with this
interpreter, Keras with $PYKERAS_BENCH_PEER_PYTHON (default
/work/keras-env/bin/python). One warm-up epoch (compilation), then
`--epochs` timed epochs. Prints the machine and one markdown row per workload.
"""

import argparse
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
BATCH, SIZE = 64, 32
WORKLOADS = ("color", "jitter", "geometric", "randaugment", "histogram")
# Workloads with a PyTorch version (augment_torch.py).
TORCH_WORKLOADS = ("jitter",)
PEER_PYTHON = os.environ.get("PYKERAS_BENCH_PEER_PYTHON", "/work/keras-env/bin/python")


def augmenters(layers, workload):
    return {
        "color": lambda: [
            layers.RandomHue(0.2, seed=1),
            layers.RandomSaturation((0.3, 0.7), seed=2),
            layers.RandomSharpness(0.5, seed=3),
            layers.RandomColorDegeneration(0.3, seed=4),
        ],
        "geometric": lambda: [
            layers.RandomShear(0.2, 0.2, seed=1),
            layers.RandomPerspective(scale=0.3, seed=2),
            layers.RandomGaussianBlur(sigma=(0.3, 1.0), seed=3),
        ],
        "jitter": lambda: [
            layers.RandomColorJitter(
                value_range=(0, 255),
                brightness_factor=0.2,
                contrast_factor=0.2,
                saturation_factor=(0.3, 0.7),
                hue_factor=0.2,
                seed=1,
            ),
            layers.RandomContrast(0.2, seed=2),
            layers.RandomBrightness(0.1, seed=3),
        ],  # fmt: skip
        "randaugment": lambda: [layers.RandAugment(seed=1)],
        "histogram": lambda: [layers.Equalization(), layers.AutoContrast()],
    }[workload]()


def run(module, workload, samples, epochs, threads):
    if module == "torch":
        sys.path.insert(0, str(HERE))
        import augment_torch

        return augment_torch.run(samples, epochs, threads)
    if module == "keras":
        os.environ["KERAS_BACKEND"] = "jax"
        import keras
    else:
        import pykeras as keras
    import numpy as np

    layers = keras.layers
    model = keras.Sequential(
        [keras.Input((SIZE, SIZE, 3)), *augmenters(layers, workload), layers.Rescaling(1 / 255),
         layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(),
         layers.Conv2D(32, 3, activation="relu"), layers.GlobalAveragePooling2D(),
         layers.Dense(10)]
    )  # fmt: skip
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(samples, SIZE, SIZE, 3)).astype("float32")
    y = rng.integers(0, 10, size=(samples,))
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    return samples * epochs / (time.perf_counter() - start)


def spawn(python, framework, workload, args):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "PYKERAS_NUM_THREADS"):  # fmt: skip
        env[var] = str(args.threads)
    env["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'true' if args.threads > 1 else 'false'} "
        f"intra_op_parallelism_threads={args.threads}"
    )
    cmd = [python, __file__, "--worker", framework, workload]
    cmd += ["--samples", str(args.samples), "--epochs", str(args.epochs)]
    cmd += ["--threads", str(args.threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        return None, tail[0] if tail else f"exit {proc.returncode}"
    return json.loads(proc.stdout.strip().splitlines()[-1])["samples_per_s"], None


def cell(rate, error):
    return f"{rate:,.0f}" if rate else f"failed ({error})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS))
    parser.add_argument("--worker", nargs=2, metavar=("FRAMEWORK", "WORKLOAD"))
    args = parser.parse_args(argv)
    if args.worker:
        rate = run(args.worker[0], args.worker[1], args.samples, args.epochs, args.threads)
        print(json.dumps({"samples_per_s": rate}))
        return
    sys.path.insert(0, str(HERE))
    from e2e import machine_description

    print(machine_description())
    print(f"threads: {args.threads}; {args.samples} samples x {args.epochs} epochs, batch {BATCH}")
    has_torch = importlib.util.find_spec("torch") is not None
    print("| workload | pykeras | keras (jax) | pytorch | pykeras / keras | pykeras / pytorch |")
    print("|---|---|---|---|---|---|")
    for workload in args.workloads:
        pk, err = spawn(sys.executable, "pykeras", workload, args)
        kr, kerr = spawn(PEER_PYTHON, "keras", workload, args)
        th, terr = None, "n/a"
        if workload in TORCH_WORKLOADS and has_torch:
            th, terr = spawn(sys.executable, "torch", workload, args)
        cells = [cell(pk, err), cell(kr, kerr), cell(th, terr) if terr != "n/a" else "-"]
        ratios = [f"{pk / peer:.2f}x" if pk and peer else "-" for peer in (kr, th)]
        print(f"| {workload} | {' | '.join(cells + ratios)} |", flush=True)


if __name__ == "__main__":
    main()
