#!/usr/bin/python3
"""Peer for bench/compression.sh: PyTorch 1.13 DDP (gloo, CPU) on Fashion-MNIST,
uncompressed vs the PowerSGD communication hook (rank 4, error feedback, warm start).
Data and model from bench/torch_peer.py (shared with train_ddp.py): syncline's normalisation
and core's mlp / cnn shapes (the cnn with its dropout 0.25).

Run with /usr/bin/python3 (Debian's python3-torch). Bytes are not measured by
torch; they are computed from the hook's rule (a matrix is compressed iff
n*m > min_compression_rate(2) * r*(n+m), see compressed_bytes) and reported as
"bytes_sent_estimate". Prints one JSON line (rank 0's view) per run.
"""
import argparse
import json
import os
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
from torch.distributed.algorithms.ddp_comm_hooks import powerSGD_hook as psgd
from torch_peer import load_fmnist, pin_blas_threads, steady_malloc, torch_model

def compressed_bytes(model, rank, min_rate=2.0):
    """Per-step bytes of one rank under powerSGD_hook's rules (fp32 P and Q)."""
    total = 0
    for p in model.parameters():
        if p.dim() < 2:
            total += 4 * p.numel()
            continue
        n, m = p.shape[0], p.numel() // p.shape[0]
        r = min(n, m, rank)
        if n * m > min_rate * r * (n + m):  # _should_compress
            total += 4 * r * (n + m)
        else:
            total += 4 * p.numel()
    return total


def worker(rank, args, result_queue):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", str(args.port))
    torch.set_num_threads(1)
    steady_malloc()
    dist.init_process_group("gloo", rank=rank, world_size=args.world)
    torch.manual_seed(args.seed)
    model = torch_model(args.model)
    # One gradient bucket: with several, the hook's P/Q allreduces from
    # different buckets can interleave differently across ranks on gloo
    # (observed as "op.preamble.length <= op.nbytes" aborts).
    dist._DEFAULT_FIRST_BUCKET_BYTES = 256 << 20
    ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=256)
    if args.hook == "powersgd":
        state = psgd.PowerSGDState(process_group=None, matrix_approximation_rank=args.rank,
                                   start_powerSGD_iter=args.start, use_error_feedback=True,
                                   warm_start=True, random_seed=0)
        ddp.register_comm_hook(state, psgd.batched_powerSGD_hook if args.batched else psgd.powerSGD_hook)
    x, y = load_fmnist()
    if args.train_limit:
        x, y = x[:args.train_limit], y[:args.train_limit]
    tx, ty = load_fmnist(kind="t10k")
    opt = torch.optim.SGD(ddp.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                          weight_decay=1e-4)
    g = torch.Generator().manual_seed(args.seed)
    steps, seen = 0, 0
    dense_per_step = 4 * sum(p.numel() for p in model.parameters())
    comp_per_step = compressed_bytes(model, args.rank)
    est_bytes = 0
    t0 = time.time()
    done = False
    for epoch in range(args.epochs):
        perm = torch.randperm(len(x), generator=g)
        shard = perm[rank::args.world]
        for i in range(0, len(shard) - args.batch + 1, args.batch):
            idx = shard[i:i + args.batch]
            opt.zero_grad()
            loss = F.cross_entropy(ddp(x[idx]), y[idx])
            loss.backward()
            opt.step()
            use_comp = args.hook == "powersgd" and steps >= args.start
            est_bytes += comp_per_step if use_comp else dense_per_step
            steps += 1
            seen += args.batch * args.world
            if args.max_steps and steps >= args.max_steps:
                done = True
                break
        if done:
            break
    elapsed = time.time() - t0
    model.eval()
    with torch.no_grad():
        acc = (model(tx).argmax(1) == ty).float().mean().item()
    if rank == 0:
        result_queue.put({"peer": "torch_ddp_gloo", "model": args.model, "hook": args.hook,
                          "world": args.world, "steps": steps, "test_accuracy": acc,
                          "bytes_sent_estimate": est_bytes,
                          "compression_ratio_estimate": steps * dense_per_step / max(est_bytes, 1),
                          "samples_per_sec": seen / elapsed, "time_s": elapsed})
    dist.destroy_process_group()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="mlp", choices=["mlp", "cnn"])
    ap.add_argument("--hook", default="none", choices=["none", "powersgd"])
    ap.add_argument("--world", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--max_steps", type=int, default=0)
    ap.add_argument("--train_limit", type=int, default=0, help="first N training examples (0 = all)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--rank", type=int, default=4)
    ap.add_argument("--start", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batched", action="store_true", help="batched_powerSGD_hook (one matrix per bucket)")
    ap.add_argument("--port", type=int, default=29571)
    args = ap.parse_args()
    # The spawned workers load OpenBLAS afresh with this environment: one BLAS thread each, as
    # syncline's train.threads=1 (torch.set_num_threads alone leaves OpenBLAS's pool at one
    # thread per core).
    pin_blas_threads(1)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    mp.spawn(worker, args=(args, q), nprocs=args.world, join=True)
    print(json.dumps(q.get()))


if __name__ == "__main__":
    main()
