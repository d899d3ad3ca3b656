#!/usr/bin/python3
"""PyTorch 1.13 CPU peer for bench/core_layers_bench: forward + cross-entropy +
backward (+ zero_grad) of the same mlp / cnn shapes at the same batch and
thread count. Prints one JSON object: {"mlp": ms_per_step, "cnn": ...}."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


def cnn(k=3):
    return nn.Sequential(nn.Conv2d(1, 32, k, padding=k // 2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, k, padding=k // 2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def time_step(model, batch, min_time):
    torch.manual_seed(0)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        model.zero_grad(set_to_none=False)
        loss = F.cross_entropy(model(x), y)
        loss.backward()

    for _ in range(5):
        step()
    iters, start = 0, time.perf_counter()
    while True:
        step()
        iters += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time and iters >= 10:
            return 1000.0 * elapsed / iters


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    min_time = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    torch.set_num_threads(threads)
    out = {"torch_version": torch.__version__, "threads": threads, "batch": batch,
           "mlp": time_step(mlp(), batch, min_time), "cnn": time_step(cnn(), batch, min_time)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
