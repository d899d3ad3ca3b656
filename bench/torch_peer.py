"""The PyTorch side of syncline's peer benchmarks: Fashion-MNIST and core's model shapes.

Debian's torch does its matmuls in OpenBLAS, whose pool ignores torch.set_num_threads and is sized
when the library loads: call pin_blas_threads() before torch is first imported (this module
imports numpy and torch only inside its functions, so importing it loads neither).
"""
import gzip
import os


def pin_blas_threads(threads):
    """Pins OpenBLAS/OpenMP (this process and the ones it starts) to `threads`."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)


def steady_malloc():
    """Stops glibc malloc from mapping and unmapping the peer's per-step tensors.

    By default every tensor over 128 KiB is its own mmap, freed with munmap, and the heap top is
    trimmed back to the OS, so each step page-faults its activations and gradients afresh (about
    1300 faults per mlp step at batch 128): the peer then runs at a third of its speed, depending
    on which sizes happened to raise glibc's dynamic threshold first. Fixed thresholds make the
    freed memory reusable, as PyTorch's own caching allocators do on GPU. syncline's throughput
    does not change with these settings (measured: 14.7k vs 15.2k samples/s, mlp).
    """
    import ctypes
    libc = ctypes.CDLL("libc.so.6")
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 << 20)
    libc.mallopt(m_trim_threshold, 128 << 20)


DATA = "/usr/share/datasets/fashion-mnist"


def load_fmnist(path=DATA, kind="train"):
    """The training set (kind "train") or the test set ("t10k"), normalised as syncline's IDX
    reader does."""
    import numpy as np
    import torch
    with gzip.open(os.path.join(path, f"{kind}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(path, f"{kind}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    return (x - 0.2860) / 0.3530, torch.from_numpy(labels.astype(np.int64))


def torch_model(name, dropout=0.25):
    """Mirrors core::BuildModel's mlp (784-512-512-10) and cnn (see core/model.h)."""
    import torch.nn as nn
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512),
                             nn.ReLU(), nn.Linear(512, 10))
    # core's cnn pools before ReLU (equal results, max commutes with ReLU); so does this.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(128, 10))
