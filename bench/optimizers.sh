#!/usr/bin/env bash
# Optimizer experiments on Fashion-MNIST (docs/optimizers.md).
#   bench/optimizers.sh large_batch   # (a) SGD/AdamW/LAMB/LARS at global batch 256 and 8192
#   bench/optimizers.sh lamb_gap      # (a) LAMB 256 vs 8192 over SEEDS, and SGD at 8192
#   bench/optimizers.sh second_order  # (b) SGD, LAMB, MKOR(SGD), MKOR(LAMB), MKOR-H
#   bench/optimizers.sh mkor_lamb     # (b) LAMB vs MKOR(LAMB), low-rank and dense factors (LAMB_LR)
#   bench/optimizers.sh lr_grid       # (b) each optimizer over its own lr grid (SGD_LRS, MKOR_SGD_LRS,
#                                     #     LAMB_LRS, MKOR_LAMB_LRS), to compare bases at their best lr
#   bench/optimizers.sh overhead_4ranks  # (b) MKOR(LAMB) vs LAMB per-step time at 4 ranks
# Env: EPOCHS (default 3), MODEL (mlp), THREADS (2), BATCH (second_order, 1024), EVAL_EVERY
# (also evaluate every N steps; 0 = epoch ends only), EXTRA
# (more path=value overrides, e.g. "data.train_limit=12000"), BIN, OUT (bench/results/optimizers).
# Single process except overhead_4ranks. Every run uses the same seed, so the data order and initial weights are identical.
# Writes one metrics JSON-lines file per run and prints a table (bench/optimizers_table.py).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/syncline}
EXP=${1:?usage: bench/optimizers.sh large_batch|second_order}
EPOCHS=${EPOCHS:-3}
MODEL=${MODEL:-mlp}
THREADS=${THREADS:-2}
OUT=${OUT:-bench/results/optimizers}/$EXP
mkdir -p "$OUT"
CONFIG=configs/fmnist_${MODEL}.textproto

run() {  # run NAME SET...
  local name=$1; shift
  local sets=()
  for s in "$@"; do sets+=(--set "$s"); done
  echo "== $name: $*" >&2
  "$BIN" train --config "$CONFIG" --metrics "$OUT/$name.jsonl" \
    --set train.epochs="$EPOCHS" --set train.threads="$THREADS" --set logging.progress=off \
    --set train.log_every=5 --set train.eval_every_steps="${EVAL_EVERY:-0}" --set schedule.decay=polynomial --set schedule.warmup_steps=0 \
    "${sets[@]}" ${EXTRA:+$(for e in $EXTRA; do printf -- "--set %s " "$e"; done)} > "$OUT/$name.log" 2>&1 || echo "run $name FAILED (see $OUT/$name.log)" >&2
}

case "$EXP" in
  large_batch)
    # lr is the value at batch 256; lr_scaling=auto is linear for SGD/LARS, sqrt for AdamW/LAMB.
    # Warm-up: 10% of the steps (linear-epoch warm-up), then linear (power 1) decay to 0.
    for B in 256 8192; do
      common=(train.batch_size=$B optimizer.lr_scaling=auto optimizer.lr_reference_batch=256
              schedule.warmup_fraction=0.1)
      run sgd_b$B "${common[@]}" optimizer.name=sgd optimizer.lr=0.05 optimizer.momentum=0.9 \
        optimizer.nesterov=true optimizer.weight_decay=0.0001
      run adamw_b$B "${common[@]}" optimizer.name=adamw optimizer.lr=0.001 optimizer.nesterov=false \
        optimizer.weight_decay=0.01
      run lamb_b$B "${common[@]}" optimizer.name=lamb optimizer.lr=0.01 optimizer.nesterov=false \
        optimizer.weight_decay=0.01
      run lars_b$B "${common[@]}" optimizer.name=lars optimizer.lr=1.0 optimizer.momentum=0.9 \
        optimizer.nesterov=false optimizer.weight_decay=0.0001
    done
    # SGD's linear rule diverges at 8192; the square-root rule gives it a second chance.
    run sgd_sqrt_b8192 train.batch_size=8192 optimizer.lr_scaling=sqrt optimizer.lr_reference_batch=256 \
      schedule.warmup_fraction=0.1 optimizer.name=sgd optimizer.lr=0.05 optimizer.momentum=0.9 \
      optimizer.nesterov=true optimizer.weight_decay=0.0001
    ;;
  lamb_gap)
    # (a) focused: LAMB at batch 256 and 8192 over SEEDS (default "1 2 3"), lr LAMB_LR (at batch 256,
    # square-root scaled; default 0.005, the best of the 20-epoch scan at both batches), plus SGD at
    # 8192 with both scaling rules. Same schedule as large_batch.
    for seed in ${SEEDS:-1 2 3}; do
      for B in 256 8192; do
        run lamb_b${B}_s$seed train.batch_size=$B train.seed=$seed optimizer.lr_scaling=auto \
          optimizer.lr_reference_batch=256 schedule.warmup_fraction=0.1 optimizer.name=lamb \
          optimizer.lr=${LAMB_LR:-0.005} optimizer.nesterov=false optimizer.weight_decay=0.01
      done
    done
    for rule in sqrt linear; do
      run sgd_${rule}_b8192 train.batch_size=8192 optimizer.lr_scaling=$rule optimizer.lr_reference_batch=256 \
        schedule.warmup_fraction=0.1 optimizer.name=sgd optimizer.lr=0.05 optimizer.momentum=0.9 \
        optimizer.nesterov=true optimizer.weight_decay=0.0001
    done
    ;;
  second_order)
    B=${BATCH:-1024}
    common=(train.batch_size=$B schedule.warmup_steps=10 optimizer.nesterov=false)
    sgd=(optimizer.lr=0.1 optimizer.momentum=0.9 optimizer.weight_decay=0.0001)
    lamb=(optimizer.lr=0.01 optimizer.weight_decay=0.01)
    run sgd "${common[@]}" optimizer.name=sgd "${sgd[@]}"
    run lamb "${common[@]}" optimizer.name=lamb "${lamb[@]}"
    run mkor_sgd "${common[@]}" optimizer.name=mkor optimizer.mkor.base=sgd "${sgd[@]}"
    run mkor_sgd_exact "${common[@]}" optimizer.name=mkor optimizer.mkor.base=sgd "${sgd[@]}" \
      optimizer.mkor.update_variant=exact_momentum
    run mkor_lamb "${common[@]}" optimizer.name=mkor optimizer.mkor.base=lamb "${lamb[@]}"
    run mkor_h_lamb "${common[@]}" optimizer.name=mkor_h optimizer.mkor.base=lamb "${lamb[@]}" \
      optimizer.mkor.h.window=20 optimizer.mkor.h.min_steps=40 optimizer.mkor.h.check_every=5
    ;;
  mkor_lamb)
    # (b) focused: LAMB vs MKOR(LAMB) with low-rank factors (default) and with dense factors
    # (the reference's form), at the LAMB learning rate LAMB_LR (default 0.01).
    B=${BATCH:-1024}
    common=(train.batch_size=$B schedule.warmup_steps=10 optimizer.nesterov=false
            optimizer.lr=${LAMB_LR:-0.01} optimizer.weight_decay=0.01 optimizer.mkor.base=lamb)
    run lamb "${common[@]}" optimizer.name=lamb
    run mkor_lamb "${common[@]}" optimizer.name=mkor
    run mkor_lamb_dense "${common[@]}" optimizer.name=mkor optimizer.mkor.factor_form=dense
    ;;
  lr_grid)
    # (b) steps to accuracy with every optimizer at its own best lr: MKOR rescales its step to the raw
    # gradient's norm but removes the dominant (mean-activation) direction first, so at one lr it moves
    # further than its base, and a comparison at one shared lr overstates its gain. Over SEEDS
    # (default "1"); an empty list (e.g. LAMB_LRS=) skips that optimizer.
    B=${BATCH:-1024}
    common=(train.batch_size=$B schedule.warmup_steps=10 optimizer.nesterov=false)
    sgd=(optimizer.momentum=0.9 optimizer.weight_decay=0.0001)
    for seed in ${SEEDS:-1}; do
      for lr in ${SGD_LRS-0.05 0.1 0.2 0.3}; do
        run sgd_${lr}_s$seed "${common[@]}" train.seed=$seed optimizer.name=sgd optimizer.lr=$lr "${sgd[@]}"
      done
      for lr in ${MKOR_SGD_LRS-0.02 0.05 0.07 0.1}; do
        run mkor_sgd_${lr}_s$seed "${common[@]}" train.seed=$seed optimizer.name=mkor optimizer.mkor.base=sgd \
          optimizer.lr=$lr "${sgd[@]}"
      done
      for lr in ${LAMB_LRS-0.01 0.02 0.04}; do
        run lamb_${lr}_s$seed "${common[@]}" train.seed=$seed optimizer.name=lamb optimizer.lr=$lr \
          optimizer.weight_decay=0.01
      done
      for lr in ${MKOR_LAMB_LRS-0.01 0.02 0.04}; do
        run mkor_lamb_${lr}_s$seed "${common[@]}" train.seed=$seed optimizer.name=mkor optimizer.mkor.base=lamb \
          optimizer.lr=$lr optimizer.weight_decay=0.01
      done
    done
    ;;
  overhead_4ranks)
    # Per-step cost of MKOR(LAMB) over LAMB at 4 ranks (world batch 1024); timing only, so few steps.
    # _nodist: every rank preconditions every layer; _dense: the reference's dense factors.
    for name in lamb mkor_lamb mkor_lamb_nodist mkor_lamb_dense; do
      opt=mkor; variant=()
      [[ $name == lamb ]] && opt=lamb
      [[ $name == *_nodist ]] && variant=(--set optimizer.mkor.distribute_preconditioning=false)
      [[ $name == *_dense ]] && variant=(--set optimizer.mkor.factor_form=dense)
      mpirun --allow-run-as-root --oversubscribe -np 4 "$BIN" train --config "$CONFIG" "${variant[@]}" \
        --metrics "$OUT/$name.jsonl" --set train.batch_size=256 --set train.max_steps=60 \
        --set train.threads=1 --set logging.progress=off --set train.log_every=5 \
        --set optimizer.name=$opt --set optimizer.mkor.base=lamb --set optimizer.lr=0.01 \
        --set optimizer.weight_decay=0.01 --set optimizer.nesterov=false \
        --set schedule.decay=polynomial --set schedule.warmup_steps=10 > "$OUT/$name.log" 2>&1 \
        || echo "run $name FAILED (see $OUT/$name.log)" >&2
    done
    ;;
  *) echo "unknown experiment $EXP" >&2; exit 2 ;;
esac
python3 bench/optimizers_table.py "$OUT" ${TARGET:+--target "$TARGET"} | tee "$OUT/table.md"
