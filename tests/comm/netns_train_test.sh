#!/usr/bin/env bash
# Trains across 2 "hosts" (network namespaces made by scripts/netns-cluster,
# real TCP between them) with mpirun --hostfile. Exits 77 (CTest SKIP) with
# the reason where namespaces cannot be made (no root / CAP_NET_ADMIN).
# Usage: netns_train_test.sh SYNCLINE_BINARY NETNS_CLUSTER MPIEXEC [PREFLAGS...]
set -uo pipefail
syncline="$1"; cluster="$2"; mpiexec="$3"; shift 3
if ! reason="$("$cluster" check 2>&1)"; then
  echo "SKIP: $reason"; exit 77
fi
# Names and subnet of our own, so parallel runs do not collide.
export SYNCLINE_NETNS_PREFIX="slt$$" SYNCLINE_NETNS_NET=$((100 + $$ % 100))
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/run.textproto" <<'CONF'
model { name: "mlp" hidden_sizes: [64] }
data { name: "synthetic" synthetic_train_size: 2048 synthetic_test_size: 512 }
optimizer { name: "sgd" lr: 0.1 momentum: 0.9 }
train { epochs: 2 batch_size: 32 log_every: 10 threads: 1 }
logging { progress: "off" }
comm { backend: "mpi" timeout_s: 30 }
CONF
timeout 100 "$cluster" run 2 --rate 1gbit -- sh -c \
  "exec \"$mpiexec\" --hostfile \"\$NETNS_HOSTFILE\" -np 2 $* \"$syncline\" train \
     --config \"$work/run.textproto\" --metrics \"$work/m.jsonl\"" > "$work/out.txt" 2>&1
rc=$?
cat "$work/out.txt"
[[ $rc -eq 0 ]] || { echo "FAIL: exit code $rc"; exit 1; }
final="$(grep '"kind":"final"' "$work/m.jsonl")" || { echo "FAIL: no final metrics line"; exit 1; }
echo "$final"
acc="$(echo "$final" | sed -E 's/.*"test_accuracy":([0-9.eE+-]+).*/\1/')"
awk -v a="$acc" 'BEGIN { exit !(a >= 0.5) }' || { echo "FAIL: accuracy $acc < 0.5"; exit 1; }
echo PASS
