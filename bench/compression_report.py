#!/usr/bin/env python3
"""Summarises bench/compression.sh output: one table per model.

Columns: final test accuracy, gradient bytes this rank sent (rank 0's
grad_bytes_sent: the compressed messages, the uncompressed small tensors and
the warm-up steps; for `none`, the fp32 gradient bytes of the same steps,
grad_bytes_uncompressed of any compressed run), ratio vs uncompressed,
L-GreCo's bytes vs the uniform setting of the same compressor, all traffic
(bytes_sent: also the initial broadcast and evaluation), samples/s, wall
time, and time to the target accuracy (first eval at or above it; evals are
per epoch, so coarse).
Usage: compression_report.py DIR [--target 0.80]
"""
import glob
import json
import os
import re
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
    # Compressed phase only: from the first logged step after the warm-up
    # (start_step, as resolved in the config line) to the end.
    start = None
    for r in rows:
        if r.get("kind") == "config":
            m = re.search(r"start_step: (\d+)", r.get("config", ""))
            start = int(m.group(1)) if m else None
    phase = None
    if start is not None and f.get("grad_bytes_sent"):
        after = [r for r in rows if r.get("kind") == "train" and r.get("step", 0) > start
                 and r.get("grad_bytes_sent")]
        if after and f["grad_bytes_sent"] > after[0]["grad_bytes_sent"]:
            phase = ((f["grad_bytes_uncompressed"] - after[0]["grad_bytes_uncompressed"]) /
                     (f["grad_bytes_sent"] - after[0]["grad_bytes_sent"]))
    tta = None
    for r in rows:
        if r.get("kind") == "eval" and r.get("test_accuracy", 0) >= target:
            tta = r.get("time_s")
            break
    return {"test_accuracy": f.get("test_accuracy"), "all_bytes": f.get("bytes_sent"),
            "bytes_sent": f.get("grad_bytes_sent"),
            "grad_bytes_uncompressed": f.get("grad_bytes_uncompressed"),
            "compression_ratio": f.get("compression_ratio"),
            "samples_per_sec": f.get("samples_per_sec"), "time_s": f.get("time_s"),
            "steps": f.get("step"), "time_to_target_s": tta, "start_step": start,
            "phase_ratio": phase}


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
        dense = [r.get("grad_bytes_uncompressed") for r in runs.values()
                 if r.get("grad_bytes_uncompressed")]
        if "none" in runs and runs["none"].get("bytes_sent") is None and dense:
            runs["none"]["bytes_sent"] = max(dense)
        base = runs.get("none", {}).get("bytes_sent")
        lines.append(f"\n### {model} (target accuracy {target:.2f})\n")
        lines.append("| run | test acc | gradient MB sent (rank 0) | vs none | vs uniform | "
                     "after warm-up: vs none | vs uniform | all MB | samples/s | wall s | "
                     "time to target s |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
        names = [n for n in ORDER if n in runs] + [n for n in runs if n not in ORDER]
        for name in names:
            r = runs[name]
            b = r.get("bytes_sent", r.get("bytes_sent_estimate"))
            vs_none = f"{base / b:.1f}x" if base and b else "-"
            vs_uni = "-"
            if name.endswith("_lgreco") and runs.get(name[:-7], {}).get("bytes_sent") and b:
                vs_uni = f"{runs[name[:-7]]['bytes_sent'] / b:.2f}x"
            ph = r.get("phase_ratio")
            ph_none = f"{ph:.1f}x" if ph else "-"
            ph_uni = "-"
            uni = runs.get(name[:-7], {}).get("phase_ratio") if name.endswith("_lgreco") else None
            if ph and uni:
                ph_uni = f"{ph / uni:.2f}x"
            est = " (est.)" if "bytes_sent_estimate" in r else ""
            if name.startswith("torch_") and r.get("compression_ratio_estimate"):
                vs_none = f"{r['compression_ratio_estimate']:.1f}x (est.)"
            tta = r.get("time_to_target_s")
            mb = f"{b / 1e6:.1f}" if b else "-"
            allb = f"{r['all_bytes'] / 1e6:.1f}" if r.get("all_bytes") else "-"
            lines.append(f"| {name} | {100 * r.get('test_accuracy', 0):.2f}% | {mb}{est} | {vs_none} | "
                         f"{vs_uni} | {ph_none} | {ph_uni} | {allb} | {r.get('samples_per_sec', 0):.0f} | {r.get('time_s', 0):.1f} | "
                         f"{'-' if tta is None else f'{tta:.1f}'} |")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
