"""Tabulates fed-experiments.sh metrics: rounds to a target accuracy, final
and best accuracy per run (markdown). Usage: fed_table.py OUT_DIR TARGET

TARGET is a number, or "fedavg-final": then, per local lr, the fixed accuracy
A is FedAvg's test accuracy at its final round (docs/federated.md section
(a2)), and the table adds FedAvg's rounds to A over the run's rounds."""
import glob
import json
import os
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            obj = json.loads(line)
            if obj.get("kind") == "round":
                rows.append(obj)
    return rows


def rounds_to(rows, target):
    """First 1-based round with test accuracy >= target, or None."""
    return next((r["round"] + 1 for r in rows if r["test_accuracy"] >= target), None)


def fixed_target_table(hyper, target):
    print(f"| strategy | local lr | rounds to {target:.2f} | final acc | best acc | rounds |")
    print("|---|---|---|---|---|---|")
    for path in hyper:
        name = os.path.basename(path)[:-6]
        strategy, lr = name.rsplit("_lr", 1)
        rows = load(path)
        if not rows:
            print(f"| {strategy} | {lr} | (no rounds) | | | 0 |")
            continue
        hit = rounds_to(rows, target)
        hit_s = str(hit) if hit else f"> {len(rows)}"
        accs = [r["test_accuracy"] for r in rows]
        print(f"| {strategy} | {lr} | {hit_s} | {accs[-1]:.4f} | {max(accs):.4f} | {len(rows)} |")


def fedavg_final_table(hyper):
    runs = {}
    for path in hyper:
        strategy, lr = os.path.basename(path)[:-6].rsplit("_lr", 1)
        rows = load(path)
        if rows:
            runs.setdefault(lr, {})[strategy] = rows
    for lr in sorted(runs, key=float):
        base = runs[lr].get("fedavg")
        if base is None:
            print(f"lr {lr}: no fedavg run, no target")
            continue
        target = base[-1]["test_accuracy"]
        r_fa = rounds_to(base, target)
        print(f"\nlr {lr}: A = FedAvg's final accuracy {target:.3f}; FedAvg first reaches it "
              f"in round {r_fa} (r_FA / 1.5 = {r_fa / 1.5:.1f})")
        print("| strategy | rounds to A | FedAvg rounds / rounds | final | mean last 5 | best "
              "| alpha / eta_l (last) | rounds |")
        print("|---|---|---|---|---|---|---|---|")
        for strategy in sorted(runs[lr], key=lambda s: (s != "fedavg", s)):
            rows = runs[lr][strategy]
            hit = rounds_to(rows, target)
            accs = [r["test_accuracy"] for r in rows]
            last = rows[-1]
            knob = last.get("alpha", last.get("local_lr"))
            knob_s = f"{knob:.3g}" if knob is not None else ""
            ratio = f"{r_fa / hit:.2f}" if hit else "< 1"
            print(f"| {strategy} | {hit if hit else f'> {len(rows)}'} | {ratio} | {accs[-1]:.3f} "
                  f"| {sum(accs[-5:]) / len(accs[-5:]):.3f} | {max(accs):.3f} | {knob_s} "
                  f"| {len(rows)} |")


def main():
    out, target = sys.argv[1], sys.argv[2]
    hyper = sorted(glob.glob(os.path.join(out, "fed*_lr*.jsonl")))
    if hyper:
        if target == "fedavg-final":
            fedavg_final_table(hyper)
        else:
            fixed_target_table(hyper, float(target))
    robust = sorted(glob.glob(os.path.join(out, "robust_*.jsonl")))
    if robust:
        print()
        print("| run | final clean acc | final PGD-20 acc | best clean | best PGD-20 "
              "| mean clean, last 5 | mean PGD-20, last 5 | rounds |")
        print("|---|---|---|---|---|---|---|---|")
        for path in robust:
            rows = load(path)
            if not rows:
                continue
            clean = [r["test_accuracy"] for r in rows]
            rob = [r.get("robust_accuracy", float("nan")) for r in rows]
            name = os.path.basename(path)[:-6]
            tail_c, tail_r = clean[-5:], rob[-5:]
            print(f"| {name} | {clean[-1]:.4f} | {rob[-1]:.4f} | {max(clean):.4f} | {max(rob):.4f} "
                  f"| {sum(tail_c) / len(tail_c):.4f} | {sum(tail_r) / len(tail_r):.4f} | {len(rows)} |")


if __name__ == "__main__":
    main()
