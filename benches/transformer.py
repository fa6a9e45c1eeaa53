"""Training samples/s of the keras-io text classifier with a transformer block
(issue 17), pykeras against Keras 3 (JAX) and PyTorch on this machine.

    PYTHONPATH=. python3 benches/transformer.py [--steps 60] [--config small|large|both]

- small: the keras-io example as written (maxlen 200, vocab 20000, embed 32,
  2 heads of key_dim 32, feed-forward 32, GlobalAveragePooling1D, Dense 20
  relu, Dense 2 softmax, Adam, batch 32);
- large: one block of embed 256, 8 heads of key_dim 32, feed-forward 1024,
  maxlen 512, batch 8 (the same model code otherwise).

Keras (JAX) runs in /work/keras-env (or $KERAS_PYTHON) with the same model
code (tests/reference/transformer_models.py); PyTorch runs an equivalent
module (same shapes, per-head key_dim, Adam) there if `import torch` works.
Each framework trains one warm-up epoch, then the best of three timed epochs
of `--steps` batches is reported. Prints the CPU, one markdown row per
framework and the ratio of pykeras to the faster peer.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reference"))
sys.path.insert(0, str(ROOT / "benches"))

CONFIGS = {
    "small": dict(maxlen=200, vocab=20000, embed=32, heads=2, key_dim=32, ff=32, batch=32),
    "large": dict(maxlen=512, vocab=20000, embed=256, heads=8, key_dim=32, ff=1024, batch=8),
}
PEER_PYTHON = os.environ.get("KERAS_PYTHON", "/work/keras-env/bin/python")


def data(cfg, steps):
    rng = np.random.default_rng(0)
    n = cfg["batch"] * steps
    x = rng.integers(0, cfg["vocab"], (n, cfg["maxlen"])).astype("int32")
    y = (x[:, 0] % 2).astype("int32")
    return x, y


def keras_model(keras, cfg):
    """The keras-io model; key_dim may differ from embed_dim (large config)."""
    import transformer_models as tm

    layers = keras.layers
    token_cls, block_cls = tm.define(keras)

    class Block(block_cls):
        def __init__(self, embed_dim, num_heads, ff_dim, key_dim, **kwargs):
            super().__init__(embed_dim, num_heads, ff_dim, **kwargs)
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim)

    inputs = layers.Input(shape=(cfg["maxlen"],))
    x = token_cls(cfg["maxlen"], cfg["vocab"], cfg["embed"])(inputs)
    x = Block(cfg["embed"], cfg["heads"], cfg["ff"], cfg["key_dim"])(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def time_keras(keras, cfg, steps):
    keras.utils.set_random_seed(0)
    model = keras_model(keras, cfg)
    x, y = data(cfg, steps)
    model.fit(x, y, batch_size=cfg["batch"], epochs=1, verbose=0)
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        model.fit(x, y, batch_size=cfg["batch"], epochs=1, verbose=0)
        best = max(best, len(x) / (time.perf_counter() - start))
    return best


def time_torch(cfg, steps):
    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(0)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            e, h, k = cfg["embed"], cfg["heads"], cfg["key_dim"]
            self.q, self.k, self.v = (nn.Linear(e, h * k) for _ in range(3))
            self.o = nn.Linear(h * k, e)
            self.ffn = nn.Sequential(nn.Linear(e, cfg["ff"]), nn.ReLU(), nn.Linear(cfg["ff"], e))
            self.ln1, self.ln2 = nn.LayerNorm(e, eps=1e-6), nn.LayerNorm(e, eps=1e-6)
            self.drop1, self.drop2 = nn.Dropout(0.1), nn.Dropout(0.1)

        def forward(self, x):
            b, t, _ = x.shape
            h, k = cfg["heads"], cfg["key_dim"]

            def heads(z):
                return z.view(b, t, h, k).transpose(1, 2)

            att = F.scaled_dot_product_attention(
                heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
            )
            att = self.o(att.transpose(1, 2).reshape(b, t, h * k))
            out1 = self.ln1(x + self.drop1(att))
            return self.ln2(out1 + self.drop2(self.ffn(out1)))

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(cfg["vocab"], cfg["embed"])
            self.pos = nn.Embedding(cfg["maxlen"], cfg["embed"])
            self.block = Block()
            self.head = nn.Sequential(
                nn.Dropout(0.1), nn.Linear(cfg["embed"], 20), nn.ReLU(), nn.Dropout(0.1),
                nn.Linear(20, 2),
            )  # fmt: skip

        def forward(self, x):
            positions = torch.arange(x.shape[1])
            z = self.block(self.tok(x) + self.pos(positions))
            return self.head(z.mean(dim=1))

    model = Classifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = data(cfg, steps)
    xt, yt = torch.from_numpy(x.astype("int64")), torch.from_numpy(y.astype("int64"))

    def epoch():
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), cfg["batch"]):
            idx = perm[i : i + cfg["batch"]]
            opt.zero_grad()
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    epoch()
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        epoch()
        best = max(best, len(x) / (time.perf_counter() - start))
    return best


def run_peer(framework, config, steps):
    """Samples/s of a peer, measured in the peer's Python (None if unavailable)."""
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH="")
    cmd = [PEER_PYTHON, __file__, "--worker", framework, "--config", config, "--steps", str(steps)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"{framework}: not measured ({e})", file=sys.stderr)
        return None
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    print(f"{framework}: not measured\n{out.stderr[-2000:]}", file=sys.stderr)
    return None


def worker(framework, config, steps):
    cfg = CONFIGS[config]
    if framework == "torch":
        try:
            import torch  # noqa: F401
        except ImportError:
            print("RESULT null")
            return
        print("RESULT " + json.dumps(time_torch(cfg, steps)))
        return
    import keras

    print("RESULT " + json.dumps(time_keras(keras, cfg, steps)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--config", choices=["small", "large", "both"], default="small")
    parser.add_argument("--worker", choices=["keras", "torch"])
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.config, args.steps)
        return
    from e2e import machine_description

    import pykeras as keras

    machine = machine_description()
    print(f"CPU: {machine['cpu']}, {machine['cores']} cores; threads: {keras.get_num_threads()}")
    configs = ["small", "large"] if args.config == "both" else [args.config]
    for config in configs:
        steps = args.steps if config == "small" else max(4, args.steps // 6)
        ours = time_keras(keras, CONFIGS[config], steps)
        peers = {}
        if not args.no_peers:
            peers = {"Keras 3 (JAX)": run_peer("keras", config, steps),
                     "PyTorch": run_peer("torch", config, steps)}  # fmt: skip
        print(f"\n{config}: {CONFIGS[config]}, {steps} steps per epoch")
        print("| framework | samples/s |")
        print("|---|---|")
        print(f"| pykeras | {ours:,.0f} |")
        for name, value in peers.items():
            print(f"| {name} | {'n/a' if value is None else f'{value:,.0f}'} |")
        measured = [v for v in peers.values() if v]
        if measured:
            print(f"ratio to the faster peer: {ours / max(measured):.2f}x")


if __name__ == "__main__":
    main()
