"""Tabulates fed-experiments.sh metrics: rounds to a target accuracy, final
and best accuracy per run (markdown). Usage: fed_table.py OUT_DIR TARGET"""
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


def main():
    out, target = sys.argv[1], float(sys.argv[2])
    hyper = sorted(glob.glob(os.path.join(out, "fed*_lr*.jsonl")))
    if hyper:
        print(f"| strategy | local lr | rounds to {target:.2f} | final acc | best acc | rounds |")
        print("|---|---|---|---|---|---|")
        for path in hyper:
            name = os.path.basename(path)[:-6]
            strategy, lr = name.rsplit("_lr", 1)
            rows = load(path)
            if not rows:
                print(f"| {strategy} | {lr} | (no rounds) | | | 0 |")
                continue
            hit = next((r["round"] + 1 for r in rows if r["test_accuracy"] >= target), None)
            hit_s = str(hit) if hit else f"> {len(rows)}"
            accs = [r["test_accuracy"] for r in rows]
            print(f"| {strategy} | {lr} | {hit_s} | {accs[-1]:.4f} | {max(accs):.4f} | {len(rows)} |")
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
