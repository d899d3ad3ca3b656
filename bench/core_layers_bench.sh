#!/bin/bash
# Runs build/bench/core_layers_bench and the PyTorch peer
# (bench/torch_core_layers.py, Debian python3-torch) alternately REPS times
# with the same threads and batch, keeps each side's best (least disturbed)
# time per step, and prints the table and the ratios; JSON goes to $OUT_JSON.
# Usage: bench/core_layers_bench.sh [THREADS=2] [REPS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
reps="${2:-3}"
out_json="${OUT_JSON:-build/core_layers_bench.json}"
bin=build/bench/core_layers_bench
[[ -x "$bin" ]] || { echo "build $bin first (cmake --build build --target core_layers_bench)" >&2; exit 1; }
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y python3-torch >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ((r = 0; r < reps; ++r)); do
  SYNCLINE_BENCH_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" "$bin" \
    --benchmark_filter='Step' --benchmark_format=json --benchmark_min_time=1 >"$tmp/ours.$r.json" 2>/dev/null
  OMP_NUM_THREADS="$threads" /usr/bin/python3 bench/torch_core_layers.py "$threads" 128 1 >"$tmp/torch.$r.json"
done
/usr/bin/python3 - "$tmp" "$reps" "$threads" "$out_json" <<'PY'
import json, sys
tmp, reps, threads, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ours = {"mlp": [], "cnn": []}
torch = {"mlp": [], "cnn": []}
for r in range(reps):
    for b in json.load(open(f"{tmp}/ours.{r}.json"))["benchmarks"]:
        key = "mlp" if "Mlp" in b["name"] else "cnn"
        ours[key].append(b["real_time"])  # ms (Unit kMillisecond)
    t = json.load(open(f"{tmp}/torch.{r}.json"))
    torch["mlp"].append(t["mlp"]); torch["cnn"].append(t["cnn"])
rows = []
print(f"forward+loss+backward per batch of 128, {threads} threads, best of {reps}")
print(f"{'model':6} {'syncline ms':>12} {'torch ms':>10} {'speedup':>8}")
for m in ("mlp", "cnn"):
    a, b = min(ours[m]), min(torch[m])
    rows.append({"model": m, "syncline_ms": a, "torch_ms": b, "speedup": b / a,
                 "syncline_all_ms": ours[m], "torch_all_ms": torch[m]})
    print(f"{m:6} {a:12.2f} {b:10.2f} {b / a:7.2f}x")
json.dump({"threads": threads, "batch": 128, "reps": reps, "results": rows}, open(out_path, "w"), indent=1)
PY
