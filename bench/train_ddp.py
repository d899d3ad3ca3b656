#!/usr/bin/python3
"""Data-parallel training throughput: syncline (mpirun, MPI backend) vs
PyTorch DistributedDataParallel (gloo, CPU, loopback) at the same world size,
per-rank batch, model and threads per rank, in one run.

syncline: `mpirun -np N build/syncline train --config C --set train.max_steps=S`
and the rank-0 "final" metrics line (samples/s over the whole world, steady
state). PyTorch: N processes (torch.multiprocessing) with DDP over gloo on
127.0.0.1, timing S steps after a warm-up; samples/s = N * batch * steps / time.
Each configuration runs --repeats times interleaved; the best run counts (the
machine is shared, so the best is the least disturbed).

Usage: /usr/bin/python3 bench/train_ddp.py [--model mlp|cnn] [--ranks 1,2,4]
         [--steps S] [--batch B] [--repeats R] [--json OUT]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
from torch_peer import load_fmnist, pin_blas_threads, steady_malloc, torch_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ddp_worker(rank, world, port, args, out):
    torch.set_num_threads(args.threads)
    steady_malloc()
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(1)
    x, y = load_fmnist()
    model = torch_model(args.model)
    ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=4)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9, nesterov=True,
                          weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    perm = torch.randperm(x.shape[0])
    b = args.batch

    def step(k):
        start = ((k * world + rank) * b) % (x.shape[0] - b)
        idx = perm[start:start + b]
        opt.zero_grad(set_to_none=True)
        loss_fn(ddp(x[idx]), y[idx]).backward()
        opt.step()

    for k in range(10):  # warm-up
        step(k)
    dist.barrier()
    t0 = time.perf_counter()
    for k in range(args.steps):
        step(10 + k)
    dist.barrier()
    elapsed = time.perf_counter() - t0
    if rank == 0:
        out.put(world * b * args.steps / elapsed)
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_ddp(world, args):
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    port = free_port()
    procs = [ctx.Process(target=ddp_worker, args=(r, world, port, args, out)) for r in range(world)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
    if any(p.exitcode != 0 for p in procs):
        raise RuntimeError(f"DDP world {world} failed: exit codes {[p.exitcode for p in procs]}")
    return out.get(timeout=5)


def run_syncline(world, args):
    config = os.path.join(ROOT, "configs", f"fmnist_{args.model}.textproto")
    with tempfile.TemporaryDirectory() as tmp:
        metrics = os.path.join(tmp, "m.jsonl")
        cmd = [os.path.join(ROOT, "build", "syncline"), "train", "--config", config,
               "--metrics", metrics, "--set", f"train.max_steps={args.steps + 10}",
               "--set", f"train.batch_size={args.batch}", "--set", f"train.threads={args.threads}",
               "--set", "train.eval_every_epochs=1000", "--set", "logging.progress=off",
               "--set", "checkpoint.dir="]
        if world > 1:
            cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(world),
                   "--bind-to", "none"] + cmd
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=900)
        with open(metrics) as f:
            final = [json.loads(l) for l in f if '"final"' in l][-1]
        return final["samples_per_sec"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="mlp")
    ap.add_argument("--ranks", default="1,2,4")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1, help="BLAS/intra-op threads per rank")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    # Debian's torch does its matmuls in OpenBLAS (pthreads build), whose pool
    # ignores torch.set_num_threads and starts one thread per core: pin it, and
    # OpenMP, to --threads in the spawned DDP workers (they inherit this
    # environment), as syncline's train.threads pins its OpenBLAS.
    pin_blas_threads(args.threads)
    rows = []
    for world in [int(r) for r in args.ranks.split(",")]:
        best_s, best_t = 0.0, 0.0
        for _ in range(args.repeats):
            best_s = max(best_s, run_syncline(world, args))
            best_t = max(best_t, run_ddp(world, args))
        rows.append({"model": args.model, "ranks": world, "batch_per_rank": args.batch,
                     "threads_per_rank": args.threads, "syncline_samples_per_sec": best_s,
                     "ddp_samples_per_sec": best_t, "ratio": best_s / best_t})
        print(f"{args.model} ranks={world}: syncline {best_s:9.1f}  DDP(gloo) {best_t:9.1f} "
              f" ratio {best_s / best_t:5.2f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
