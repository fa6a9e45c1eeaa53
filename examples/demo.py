"""pykeras's main demo: trains classifiers on real data that ships offline.

Today it drives the Rust graph executor directly: a 64-64-10 MLP on the
8x8 handwritten digits that scikit-learn ships, trained by plain SGD on
gradients computed in Rust. As Sequential/Functional models and `fit` land,
this demo moves to them.

Run: python examples/demo.py
"""

import time

import numpy as np
from sklearn.datasets import load_digits

from pykeras import _core


def glorot_uniform(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


def build_mlp(rng, sizes):
    """Builds logits = MLP(x) and loss = mean softmax cross-entropy."""
    g = _core.Graph()
    x = g.input("x")
    y = g.input("y")
    h = x
    params = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = g.variable(glorot_uniform(rng, fan_in, fan_out), name=f"dense_{i}/kernel")
        b = g.variable(np.zeros(fan_out, np.float32), name=f"dense_{i}/bias")
        params += [w, b]
        h = g.op("bias_add", [g.op("matmul", [h, w]), b])
        if i < len(sizes) - 2:
            h = g.op("relu", [h])
    loss = g.op("mean", [g.op("softmax_cross_entropy", [h, y])])
    return g, x, y, h, loss, params


def main():
    digits = load_digits()
    features = (digits.data / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int64)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(labels))
    split = int(0.8 * len(labels))
    train, test = order[:split], order[split:]

    g, x, y, logits, loss, params = build_mlp(rng, [64, 64, 10])
    print(f"MLP 64-64-10 on sklearn digits: {len(train)} train / {len(test)} test samples")
    learning_rate, batch_size = 0.1, 32
    start = time.perf_counter()
    for epoch in range(1, 11):
        perm = rng.permutation(train)
        losses = []
        for i in range(0, len(perm), batch_size):
            idx = perm[i : i + batch_size]
            value, grads = g.gradients({x: features[idx], y: labels[idx]}, loss, params)
            losses.append(float(value))
            for p, grad in zip(params, grads):
                g.set_variable(p, g.get_variable(p) - learning_rate * grad)
        (test_logits,) = g.run({x: features[test]}, [logits])
        accuracy = float(np.mean(test_logits.argmax(axis=1) == labels[test]))
        print(f"epoch {epoch:2d}  loss {np.mean(losses):.4f}  test accuracy {accuracy:.4f}")
    print(f"trained in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
