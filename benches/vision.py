"""Vision workloads of issue 18: pykeras beside Keras 3 (JAX) and PyTorch on the CPU.

    PYTHONPATH=. python3 benches/vision.py [--samples 2048] [--epochs 2] [--threads 2]

Workloads:

- `resnet_cnn` (training samples/s): a small residual CNN with batch
  normalization, 32x32x3 inputs, a 3x3 stem then three residual stages of
  32/64/128 filters (the last two downsampling, 1x1 projection shortcuts),
  global average pooling and Dense(10); batch 64, Adam, sparse categorical
  cross-entropy on random data (seed 0).
- `conv_autoencoder` (training samples/s): the keras-io convolutional
  autoencoder, 28x28x1 inputs, Conv2D(32, 3x3, relu, same) + MaxPooling2D
  twice, Conv2DTranspose(32, 3x3, strides 2, relu, same) twice and
  Conv2D(1, 3x3, sigmoid, same); batch 128, Adam, binary cross-entropy on
  random images reconstructing themselves (seed 0). PyTorch's twin uses
  ConvTranspose2d(padding=1, output_padding=1), the same sizes and work.
- `mobilenetv2_96` (inference images/s): `keras.applications.MobileNetV2`
  (alpha 1, 96x96, weights=None), `predict` in batches of 64. PyTorch has
  no MobileNetV2 without torchvision, so it is compared where torchvision
  imports.
- `resnet50_96` (inference images/s): `keras.applications.ResNet50`
  (96x96, weights=None), `predict` in batches of 64: 53 convolutions, each
  followed by BatchNormalization with moving statistics (folded into the
  convolution's epilogue with the ReLU at inference). PyTorch's twin is the
  same bottleneck network (torchvision's layout) in eval mode under no_grad.

Each framework runs in its own subprocess with the same thread cap:
pykeras with this interpreter, Keras (JAX) and PyTorch with
$PYKERAS_BENCH_PEER_PYTHON (default /work/keras-env/bin/python) when they
import there. One warm-up pass (compilation) precedes the timed ones.
Prints the machine and one markdown row per workload with the ratios.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
BATCH = 64
WORKLOADS = ("resnet_cnn", "conv_autoencoder", "mobilenetv2_96", "resnet50_96")
# Images per timed pass of the inference workloads.
INFERENCE_IMAGES = {"mobilenetv2_96": 512, "resnet50_96": 256}
AUTOENCODER_BATCH = 128
PEER_PYTHON = os.environ.get("PYKERAS_BENCH_PEER_PYTHON", "/work/keras-env/bin/python")


def data(samples, size):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(samples, size, size, 3)).astype("float32")
    y = rng.integers(0, 10, size=(samples,)).astype("int32")
    return x, y


def residual_cnn(keras):
    layers = keras.layers

    def conv_bn(x, filters, kernel, strides=1):
        x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
        return layers.BatchNormalization()(x)

    inputs = keras.Input((32, 32, 3))
    x = layers.Activation("relu")(conv_bn(inputs, 32, 3))
    for filters in (32, 64, 128):
        stride = 1 if filters == 32 else 2
        shortcut = x if stride == 1 else conv_bn(x, filters, 1, stride)
        y = layers.Activation("relu")(conv_bn(x, filters, 3, stride))
        y = conv_bn(y, filters, 3)
        x = layers.Activation("relu")(layers.Add()([shortcut, y]))
    x = layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, layers.Dense(10)(x))
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def autoencoder(keras):
    layers = keras.layers
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    model = keras.Model(inputs, x)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def images(samples):
    import numpy as np

    return np.random.default_rng(0).uniform(0, 1, size=(samples, 28, 28, 1)).astype("float32")


def run_keras_like(module, workload, samples, epochs):
    if module == "keras":
        os.environ["KERAS_BACKEND"] = "jax"
        import keras
    else:
        import pykeras as keras
    if workload == "resnet_cnn":
        x, y = data(samples, 32)
        model = residual_cnn(keras)
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
        return samples * epochs / (time.perf_counter() - start)
    if workload == "conv_autoencoder":
        x = images(samples)
        model = autoencoder(keras)
        model.fit(x, x, batch_size=AUTOENCODER_BATCH, epochs=1, verbose=0)
        start = time.perf_counter()
        model.fit(x, x, batch_size=AUTOENCODER_BATCH, epochs=epochs, verbose=0)
        return samples * epochs / (time.perf_counter() - start)
    x, _ = data(min(samples, INFERENCE_IMAGES[workload]), 96)
    if workload == "resnet50_96":
        model = keras.applications.ResNet50(weights=None, input_shape=(96, 96, 3))
    else:
        model = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3))
    model.predict(x[:BATCH], batch_size=BATCH, verbose=0)
    start = time.perf_counter()
    for _ in range(epochs):
        model.predict(x, batch_size=BATCH, verbose=0)
    return len(x) * epochs / (time.perf_counter() - start)


def run_torch(workload, samples, epochs):
    import torch
    from torch import nn

    if workload == "mobilenetv2_96":
        import torchvision  # only a peer where it is installed

        x, _ = data(min(samples, 512), 96)
        net = torchvision.models.mobilenet_v2().eval()
        xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
        with torch.no_grad():
            net(xt[:BATCH])
            start = time.perf_counter()
            for _ in range(epochs):
                for i in range(0, len(xt), BATCH):
                    net(xt[i : i + BATCH])
        return len(x) * epochs / (time.perf_counter() - start)
    if workload == "conv_autoencoder":
        return run_torch_autoencoder(samples, epochs)
    if workload == "resnet50_96":
        return run_torch_resnet50(samples, epochs)

    def conv_bn(cin, cout, kernel, stride=1):
        return nn.Sequential(
            nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01),
        )

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.a = conv_bn(cin, cout, 3, stride)
            self.b = conv_bn(cout, cout, 3)
            self.short = None if stride == 1 and cin == cout else conv_bn(cin, cout, 1, stride)

        def forward(self, x):
            s = x if self.short is None else self.short(x)
            return torch.relu(s + self.b(torch.relu(self.a(x))))

    net = nn.Sequential(
        conv_bn(3, 32, 3), nn.ReLU(), Block(32, 32, 1), Block(32, 64, 2), Block(64, 128, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10),
    )  # fmt: skip
    x, y = data(samples, 32)
    x = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    y = torch.from_numpy(y.astype("int64"))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(samples)
        for i in range(0, samples, BATCH):
            idx = perm[i : i + BATCH]
            opt.zero_grad()
            loss_fn(net(x[idx]), y[idx]).backward()
            opt.step()

    epoch()
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    return samples * epochs / (time.perf_counter() - start)


def run_torch_autoencoder(samples, epochs):
    import torch
    from torch import nn

    def up():
        return nn.ConvTranspose2d(32, 32, 3, stride=2, padding=1, output_padding=1)

    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        up(), nn.ReLU(), up(), nn.ReLU(),
        nn.Conv2d(32, 1, 3, padding=1), nn.Sigmoid(),
    )  # fmt: skip
    x = torch.from_numpy(images(samples).transpose(0, 3, 1, 2).copy())
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()

    def epoch():
        perm = torch.randperm(samples)
        for i in range(0, samples, AUTOENCODER_BATCH):
            batch = x[perm[i : i + AUTOENCODER_BATCH]]
            opt.zero_grad()
            loss_fn(net(batch), batch).backward()
            opt.step()

    epoch()
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    return samples * epochs / (time.perf_counter() - start)


def run_torch_resnet50(samples, epochs):
    """torchvision's ResNet50 (v1.5 strides: in the 3x3 convolution) without
    torchvision, classes 1000, eval mode, no_grad."""
    import torch
    from torch import nn

    def conv_bn(cin, cout, kernel, stride=1):
        conv = nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, bias=False)
        return [conv, nn.BatchNorm2d(cout, eps=1.001e-5)]

    class Bottleneck(nn.Module):
        def __init__(self, cin, width, stride):
            super().__init__()
            cout = width * 4
            self.body = nn.Sequential(
                *conv_bn(cin, width, 1), nn.ReLU(),
                *conv_bn(width, width, 3, stride), nn.ReLU(),
                *conv_bn(width, cout, 1),
            )  # fmt: skip
            needs = stride != 1 or cin != cout
            self.short = nn.Sequential(*conv_bn(cin, cout, 1, stride)) if needs else None

        def forward(self, x):
            s = x if self.short is None else self.short(x)
            return torch.relu(self.body(x) + s)

    blocks, cin = [], 64
    for width, count, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for i in range(count):
            blocks.append(Bottleneck(cin, width, stride if i == 0 else 1))
            cin = width * 4
    net = nn.Sequential(
        *conv_bn(3, 64, 7, 2), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1), *blocks,
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000), nn.Softmax(dim=1),
    ).eval()  # fmt: skip
    x, _ = data(min(samples, INFERENCE_IMAGES["resnet50_96"]), 96)
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    with torch.no_grad():
        net(xt[:BATCH])
        start = time.perf_counter()
        for _ in range(epochs):
            for i in range(0, len(xt), BATCH):
                net(xt[i : i + BATCH])
    return len(x) * epochs / (time.perf_counter() - start)


def worker(framework, workload, samples, epochs):
    if framework == "torch":
        return run_torch(workload, samples, epochs)
    return run_keras_like(framework, workload, samples, epochs)


def spawn(python, framework, workload, args):
    env = dict(os.environ)
    for var in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "PYKERAS_NUM_THREADS",
    ):
        env[var] = str(args.threads)
    env["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'true' if args.threads > 1 else 'false'} "
        f"intra_op_parallelism_threads={args.threads}"
    )
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    cmd = [python, __file__, "--worker", framework, workload]
    cmd += ["--samples", str(args.samples), "--epochs", str(args.epochs)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        return None, tail[0] if tail else f"exit {proc.returncode}"
    return json.loads(proc.stdout.strip().splitlines()[-1])["samples_per_s"], None


def has(python, module):
    probe = f"import {module}"
    # Keras 3 needs its backend chosen before import (its default needs TensorFlow).
    env = dict(os.environ, KERAS_BACKEND="jax")
    return subprocess.run([python, "-c", probe], capture_output=True, env=env).returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS))
    parser.add_argument("--worker", nargs=2, metavar=("FRAMEWORK", "WORKLOAD"))
    args = parser.parse_args(argv)
    if args.worker:
        rate = worker(args.worker[0], args.worker[1], args.samples, args.epochs)
        print(json.dumps({"samples_per_s": rate}))
        return
    sys.path.insert(0, str(HERE))
    from e2e import machine_description

    print(machine_description())
    print(f"threads: {args.threads}; {args.samples} samples x {args.epochs} passes, batch {BATCH}")
    peers = [f for f, m in (("keras", "keras"), ("torch", "torch")) if has(PEER_PYTHON, m)]
    print("| workload | pykeras | " + " | ".join(peers) + " | pykeras / best |")
    print("|---|---|" + "---|" * len(peers) + "---|")
    for workload in args.workloads:
        pk, err = spawn(sys.executable, "pykeras", workload, args)
        rates, cells = [], []
        for peer in peers:
            rate, perr = spawn(PEER_PYTHON, peer, workload, args)
            cells.append(f"{rate:,.0f}" if rate else f"n/a ({perr})")
            if rate:
                rates.append(rate)
        pk_cell = f"{pk:,.0f}" if pk else f"failed ({err})"
        ratio = f"{pk / max(rates):.2f}x" if pk and rates else "-"
        print(f"| {workload} | {pk_cell} | " + " | ".join(cells) + f" | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
