#!/usr/bin/env bash
# Gradient-compression experiments for docs/compression.md.
#
#   bench/compression.sh [--models "mlp cnn"] [--ranks 4] [--epochs 6] [--train-limit 20000]
#                        [--runs "none powersgd_lgreco ..."] [--out DIR] [--target 0.84]
#                        [--hostfile FILE]   (e.g. from scripts/netns-cluster) [--set k=v]...
#
# For each model, 8 runs of `syncline train` under mpirun: none, fp16,
# uniform PowerSGD (rank 4), L-GreCo PowerSGD, uniform Top-K (1%), L-GreCo
# Top-K, uniform QSGD (4 bits), L-GreCo QSGD; all from the same seed and
# config, so only the reduction differs. Then the PyTorch DDP (gloo) peer:
# uncompressed and its PowerSGD hook, same model, batch and steps.
# Writes DIR/<model>_<run>.jsonl metrics, DIR/results.json and DIR/results.md
# (bench/compression_report.py). Runs are short: 2 shared cores. The
# training set is cut to --train-limit examples and run for more epochs, so
# that the per-epoch evaluations give time-to-accuracy at a finer grain.
set -euo pipefail
cd "$(dirname "$0")/.."

models="mlp cnn"; ranks=4; epochs=6; limit=20000; out="bench/out/compression"; hostfile=""
torch_peer=1; only=""; target=0.84
extra=()
while (($#)); do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    --ranks) ranks="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --train-limit) limit="$2"; shift 2 ;;
    --runs) only="$2"; shift 2 ;;
    --target) target="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --hostfile) hostfile="$2"; shift 2 ;;
    --no-torch) torch_peer=0; shift ;;
    --set) extra+=(--set "$2"); shift 2 ;;
    *) echo "compression.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
bin="$PWD/build/syncline"
[[ -x "$bin" ]] || { echo "compression.sh: build $bin first (scripts/build.sh)" >&2; exit 1; }

mpi=(mpirun --allow-run-as-root --oversubscribe -np "$ranks")
[[ -n "$hostfile" ]] && mpi+=(--hostfile "$hostfile")

# name | compression overrides
runs=(
  "none|compression.method=none"
  "fp16|compression.method=fp16"
  "powersgd|compression.method=powersgd compression.powersgd_rank=4"
  "powersgd_lgreco|compression.method=powersgd compression.powersgd_rank=4 compression.lgreco=true"
  "topk|compression.method=topk compression.topk_density=0.01"
  "topk_lgreco|compression.method=topk compression.topk_density=0.01 compression.lgreco=true"
  "qsgd|compression.method=qsgd compression.qsgd_bits=4"
  "qsgd_lgreco|compression.method=qsgd compression.qsgd_bits=4 compression.lgreco=true"
)
# Investigation variants, run only when named in --runs: L-GreCo with the
# Transformer-XL candidate range (ranks 1..16) or exact SVD errors, and
# uniform settings near L-GreCo's bytes (equal-bytes accuracy check: MLP
# topk_d0006, CNN topk_d0005). Run overrides come after --set, so vary a
# run's own setting through a variant, not --set.
variants=(
  "powersgd_lgreco_wide|compression.method=powersgd compression.powersgd_rank=4 compression.lgreco=true compression.lgreco_rank_min_factor=0.25 compression.lgreco_rank_max_factor=4"
  "powersgd_lgreco_svd|compression.method=powersgd compression.powersgd_rank=4 compression.lgreco=true compression.lgreco_error_method=svd"
  "powersgd_r3|compression.method=powersgd compression.powersgd_rank=3"
  "topk_d0006|compression.method=topk compression.topk_density=0.006"
  "topk_d0005|compression.method=topk compression.topk_density=0.005"
)
[[ -n "$only" ]] && runs+=("${variants[@]}")
# Short runs: compression starts after the default warm-up (5 % of the
# steps), L-GreCo re-solves every 50 steps over a window of 10.
common=(--set train.epochs="$epochs" --set train.batch_size=64 --set train.threads=1
        --set data.train_limit="$limit" --set train.log_every=10 --set logging.progress=off
        --set compression.lgreco_adjust_every=50 --set compression.lgreco_window=10
        --set comm.backend=mpi "${extra[@]}")

for model in $models; do
  for run in "${runs[@]}"; do
    name="${run%%|*}"; sets=()
    [[ -n "$only" && " $only " != *" $name "* ]] && continue
    for s in ${run#*|}; do sets+=(--set "$s"); done
    metrics="$out/${model}_${name}.jsonl"
    echo "== $model $name   ($(uptime | sed 's/.*load/load/'))"
    echo "${mpi[*]} $bin train --config configs/fmnist_${model}.textproto ${common[*]} ${sets[*]}" \
      > "$out/${model}_${name}.cmd"
    uptime > "$out/${model}_${name}.load"
    nice -n 0 "${mpi[@]}" "$bin" train --config "$PWD/configs/fmnist_${model}.textproto" "${common[@]}" "${sets[@]}" \
      --metrics "$metrics" > "$out/${model}_${name}.log" 2>&1 || { echo "   failed, see $out/${model}_${name}.log"; continue; }
    grep '"kind":"final"' "$metrics" | tail -1
  done
  if ((torch_peer)) && /usr/bin/python3 -c "import torch" 2>/dev/null; then
    steps=$(grep -h '"kind":"final"' "$out/${model}_none.jsonl" | sed -E 's/.*"step":([0-9]+).*/\1/' | tail -1)
    for hook in none powersgd; do
      echo "== $model torch_ddp_$hook"
      /usr/bin/python3 bench/compression_torch_ddp.py --model "$model" --hook "$hook" --world "$ranks" \
        --batch 64 --max_steps "${steps:-0}" --epochs "$epochs" --train_limit "$limit" \
        --start "$(( (steps * 5 + 99) / 100 ))" \
        > "$out/${model}_torch_${hook}.json" 2> "$out/${model}_torch_${hook}.log" || echo "   failed"
      cat "$out/${model}_torch_${hook}.json" 2>/dev/null || true
    done
  fi
done
python3 bench/compression_report.py "$out" --target "$target"
