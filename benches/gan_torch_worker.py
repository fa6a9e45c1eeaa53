"""PyTorch's side of benches/custom_train_step.py's GAN row: the same MLP
generator and discriminator, the same two Adam updates per step (the
generator trained against the updated discriminator), on the CPU.

    python benches/gan_torch_worker.py SAMPLES EPOCHS BATCH THREADS

Prints {"samples_per_s": ...} (best epoch after a warm-up epoch).
"""

import json
import sys
import time

import numpy as np
import torch
from torch import nn


def main():
    samples, epochs, batch, threads = (int(a) for a in sys.argv[1:5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    latent = 64
    gen = nn.Sequential(nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, 784))
    disc = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 1))
    d_opt = torch.optim.Adam(disc.parameters(), 3e-4)
    g_opt = torch.optim.Adam(gen.parameters(), 3e-4)
    loss_fn = nn.BCEWithLogitsLoss()
    data = torch.from_numpy(np.random.default_rng(0).random((samples, 784), np.float32))

    def epoch():
        for i in range(0, samples, batch):
            real = data[i : i + batch]
            n = real.shape[0]
            noise = torch.randn(n, latent)
            images = torch.cat([gen(noise).detach(), real])
            labels = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)])
            d_opt.zero_grad()
            loss_fn(disc(images), labels).backward()
            d_opt.step()
            g_opt.zero_grad()
            loss_fn(disc(gen(noise)), torch.zeros(n, 1)).backward()
            g_opt.step()

    epoch()
    best = 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        epoch()
        best = max(best, samples / (time.perf_counter() - start))
    print(json.dumps({"samples_per_s": best}))


if __name__ == "__main__":
    main()
