#!/usr/bin/env python3
"""Summarises bench/optimizers.sh runs: one row per metrics file.

Columns: final test accuracy, steps, wall-clock, mean time per step, the first
evaluation at which test accuracy reached each --target (comma list), the first step
at which the 5-step mean training loss fell below --loss_target, and MKOR-H
switch events. Reads the JSON-lines metrics documented in CONTRACTS.md.
"""
import argparse, glob, json, os


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return rows


def summarise(path, targets, loss_target):
    rows = load(path)
    train = [r for r in rows if r.get("kind") == "train"]
    evals = [r for r in rows if r.get("kind") == "eval"]
    final = next((r for r in rows if r.get("kind") == "final"), {})
    events = [r for r in rows if r.get("kind") == "event"]
    steps = final.get("step", train[-1]["step"] if train else 0)
    wall = final.get("time_s", train[-1]["time_s"] if train else 0)
    # Time per step from the train lines (excludes evaluation pauses as far as logged).
    per_step = None
    if len(train) >= 2:
        spans = [(b["time_s"] - a["time_s"]) / max(1, b["step"] - a["step"]) for a, b in zip(train, train[1:])]
        spans.sort()
        per_step = spans[len(spans) // 2]  # median, robust to evaluation pauses
    hits = [next((e for e in evals if e.get("test_accuracy", 0) >= t), None) for t in targets]
    loss_hit = None
    window = []
    for r in train:
        window = (window + [r["loss"]])[-5:]
        if len(window) == 5 and sum(window) / 5 < loss_target:
            loss_hit = r["step"]
            break
    return {
        "run": os.path.basename(path)[:-6],
        "final_acc": final.get("test_accuracy", evals[-1]["test_accuracy"] if evals else float("nan")),
        "steps": steps,
        "wall_s": wall,
        "ms_per_step": None if per_step is None else 1000 * per_step,
        "acc_hits": [(None, None) if h is None else (h["step"], h["time_s"]) for h in hits],
        "loss_hit_step": loss_hit,
        "switch": ",".join(str(e.get("step")) for e in events if e.get("event") == "mkor_h_switch"),
    }


def fmt(v, spec="{:.0f}"):
    return "-" if v is None else spec.format(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--target", default="0.84", help="accuracy or comma list, e.g. 0.85,0.86")
    ap.add_argument("--loss_target", type=float, default=0.45)
    a = ap.parse_args()
    targets = [float(t) for t in a.target.split(",")]
    rows = [summarise(p, targets, a.loss_target) for p in sorted(glob.glob(os.path.join(a.folder, "*.jsonl")))]
    hit_cols = "".join(f" first eval >= {t:.2f} (step / s) |" for t in targets)
    print(f"| run | final test acc | steps | wall s | ms/step (median) |{hit_cols}"
          f" step 5-step train loss < {a.loss_target} | MKOR-H switch step |")
    print("|---" * (7 + len(targets)) + "|")
    for r in rows:
        hits = "".join(f" {fmt(s)} / {fmt(t)} |" for s, t in r["acc_hits"])
        print(f"| {r['run']} | {100 * r['final_acc']:.2f} % | {r['steps']} | {r['wall_s']:.0f} | "
              f"{fmt(r['ms_per_step'], '{:.1f}')} |{hits} {fmt(r['loss_hit_step'])} | {r['switch'] or '-'} |")


if __name__ == "__main__":
    main()
