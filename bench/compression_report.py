#!/usr/bin/env python3
"""Summarises bench/compression.sh output: one table per model.

Columns: final test accuracy, bytes this rank sent (rank 0's metrics),
ratio vs the uncompressed run of the same model, L-GreCo's bytes vs the
uniform setting of the same compressor, samples/s, wall time, and time to the
target accuracy (first eval at or above it; evals are per epoch, so coarse).
Usage: compression_report.py DIR [--target 0.80]
"""
import glob
import json
import os
import sys

ORDER = ["none", "fp16", "powersgd", "powersgd_lgreco", "topk", "topk_lgreco", "qsgd",
         "qsgd_lgreco"]


def read_jsonl(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return rows


def summarise(path, target):
    rows = read_jsonl(path)
    final = [r for r in rows if r.get("kind") == "final"]
    if not final:
        return None
    f = final[-1]
    tta = None
    for r in rows:
        if r.get("kind") == "eval" and r.get("test_accuracy", 0) >= target:
            tta = r.get("time_s")
            break
    return {"test_accuracy": f.get("test_accuracy"), "bytes_sent": f.get("bytes_sent"),
            "compression_ratio": f.get("compression_ratio"),
            "samples_per_sec": f.get("samples_per_sec"), "time_s": f.get("time_s"),
            "steps": f.get("step"), "time_to_target_s": tta}


def main():
    out = sys.argv[1]
    target = float(sys.argv[sys.argv.index("--target") + 1]) if "--target" in sys.argv else 0.80
    results = {}
    for path in sorted(glob.glob(os.path.join(out, "*.jsonl"))):
        model, name = os.path.basename(path)[:-6].split("_", 1)
        s = summarise(path, target)
        if s:
            results.setdefault(model, {})[name] = s
    for path in sorted(glob.glob(os.path.join(out, "*_torch_*.json"))):
        model, _, hook = os.path.basename(path)[:-5].split("_", 2)
        try:
            with open(path) as f:
                results.setdefault(model, {})["torch_ddp_" + hook] = json.loads(f.read())
        except (OSError, json.JSONDecodeError):
            pass
    lines = []
    for model, runs in results.items():
        base = runs.get("none", {}).get("bytes_sent")
        lines.append(f"\n### {model} (target accuracy {target:.2f})\n")
        lines.append("| run | test acc | bytes sent (rank 0) | vs none | vs uniform | samples/s | "
                     "wall s | time to target s |")
        lines.append("|---|---|---|---|---|---|---|---|")
        names = [n for n in ORDER if n in runs] + [n for n in runs if n not in ORDER]
        for name in names:
            r = runs[name]
            b = r.get("bytes_sent", r.get("bytes_sent_estimate"))
            vs_none = f"{base / b:.1f}x" if base and b else "-"
            vs_uni = "-"
            if name.endswith("_lgreco") and runs.get(name[:-7], {}).get("bytes_sent") and b:
                vs_uni = f"{runs[name[:-7]]['bytes_sent'] / b:.2f}x"
            est = " (est.)" if "bytes_sent_estimate" in r else ""
            if name.startswith("torch_") and r.get("compression_ratio_estimate"):
                vs_none = f"{r['compression_ratio_estimate']:.1f}x (est.)"
            tta = r.get("time_to_target_s")
            lines.append(f"| {name} | {100 * r.get('test_accuracy', 0):.2f}% | {b}{est} | {vs_none} | "
                         f"{vs_uni} | {r.get('samples_per_sec', 0):.0f} | {r.get('time_s', 0):.1f} | "
                         f"{'-' if tta is None else f'{tta:.1f}'} |")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
