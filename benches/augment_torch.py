"""PyTorch's side of `benches/augmentation.py`'s "jitter" workload: the same
small CNN behind a per-image colour jitter written with torch tensor ops
(brightness, contrast, saturation and hue, each image its own factors, in
the order and formulas of Keras's RandomColorJitter, then a contrast and a
brightness change as RandomContrast and RandomBrightness), trained with Adam.

torchvision's ColorJitter draws one set of factors per call (per batch when
given a batch), a lighter workload, so the per-image jitter is written out
here; torchvision is not needed.
"""

import time

import torch
from torch import nn

BATCH, SIZE = 64, 32


def rgb_to_hsv(x):
    """(N, 3, H, W) in [0, 1] to HSV (the formulas of dm_pix / Keras)."""
    r, g, b = x.unbind(1)
    value = torch.maximum(torch.maximum(r, g), b)
    minimum = torch.minimum(torch.minimum(r, g), b)
    spread = value - minimum
    saturation = torch.where(value > 0, spread / torch.where(value > 0, value, 1.0), 0.0)
    norm = 1.0 / (6.0 * torch.where(spread > 0, spread, 1.0))
    hue = torch.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = torch.where(value == r, norm * (g - b), hue)
    hue = torch.where(spread > 0, hue, 0.0) + (hue < 0).float()
    return torch.stack([hue, saturation, value], 1)


def hsv_to_rgb(x):
    hue, saturation, value = x.unbind(1)
    dh = torch.remainder(hue, 1.0) * 6.0

    def ramp(center, sign, offset):
        return (sign * (dh - center).abs() + offset).clamp(0.0, 1.0)

    planes = [
        value * (1.0 - saturation + saturation * d)
        for d in (ramp(3.0, 1.0, -1.0), ramp(2.0, -1.0, 2.0), ramp(4.0, -1.0, 2.0))
    ]
    return torch.stack(planes, 1)


def brightness(x, uniform, factor):
    return (x + uniform(-factor, factor, 1, 1, 1) * 255.0).clamp(0.0, 255.0)


def contrast(x, uniform, low, high):
    mean = x.mean(dim=(2, 3), keepdim=True)
    return ((x - mean) * uniform(low, high, 1, 1, 1) + mean).clamp(0.0, 255.0)


def augment(x, gen):
    """Keras's RandomColorJitter(value_range=(0, 255), brightness_factor=0.2,
    contrast_factor=0.2, saturation_factor=(0.3, 0.7), hue_factor=0.2), then
    RandomContrast(0.2) and RandomBrightness(0.1)."""
    n = x.shape[0]

    def uniform(low, high, *shape):
        return torch.rand((n, *shape), generator=gen) * (high - low) + low

    x = contrast(brightness(x, uniform, 0.2), uniform, 0.8, 1.2)
    u = uniform(0.3, 0.7, 1, 1)
    hsv = rgb_to_hsv(x)
    h, s, v = hsv.unbind(1)
    s = (s * (u / (1.0 - u + 1e-7))).clamp(0.0, 1.0)
    x = hsv_to_rgb(torch.stack([h, s, v], 1))
    sign = torch.where(uniform(0.0, 1.0) > 0.5, -1.0, 1.0)
    shift = (sign * uniform(0.0, 0.2) * 0.5).view(n, 1, 1)
    hsv = rgb_to_hsv(x / 255.0)
    h, s, v = hsv.unbind(1)
    h = h + shift
    h = torch.where(h > 1.0, h - 1.0, h)
    h = torch.where(h < 0.0, h + 1.0, h)
    x = hsv_to_rgb(torch.stack([h, s, v], 1)).clamp(0.0, 1.0) * 255.0
    return brightness(contrast(x, uniform, 1.0, 1.2), uniform, 0.1)


def run(samples, epochs, threads):
    """Training samples/s of the jitter workload in PyTorch."""
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(32, 10),
    )  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand((samples, 3, SIZE, SIZE), generator=gen) * 255.0
    y = torch.randint(0, 10, (samples,), generator=gen)

    def epoch():
        for i in range(0, samples, BATCH):
            with torch.no_grad():
                xb = augment(x[i : i + BATCH], gen) / 255.0
            optimizer.zero_grad()
            loss_fn(model(xb), y[i : i + BATCH]).backward()
            optimizer.step()

    epoch()
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    return samples * epochs / (time.perf_counter() - start)
