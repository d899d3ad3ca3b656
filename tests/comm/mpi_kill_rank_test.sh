#!/usr/bin/env bash
# A rank SIGKILLed mid-training makes the job exit non-zero, with a message
# naming the lost rank, within the timeout (CTest label mpi).
# Usage: mpi_kill_rank_test.sh SYNCLINE_BINARY MPIEXEC [MPIEXEC_PREFLAGS...]
set -uo pipefail
syncline="$1"; mpiexec="$2"; shift 2
work="$(mktemp -d)"
trap 'kill -9 "${mpirun_pid:-}" 2>/dev/null; rm -rf "$work"' EXIT
cat > "$work/run.textproto" <<'CONF'
model { name: "mlp" hidden_sizes: [64] }
data { name: "synthetic" synthetic_train_size: 4096 synthetic_test_size: 256 }
optimizer { name: "sgd" lr: 0.05 }
train { epochs: 1000 batch_size: 16 log_every: 1 threads: 1 }
logging { progress: "off" }
comm { timeout_s: 20 }
CONF
# --enable-recovery: mpirun does not kill the survivors itself, so what they
# print and how they exit is syncline's own doing.
# Each rank's exit status is recorded by a wrapper shell (mpirun itself
# reports 0 in this mode).
"$mpiexec" -np 3 "$@" --enable-recovery sh -c '"$0" train --config "$1" --metrics "$2"
  echo "rank $OMPI_COMM_WORLD_RANK exit $?" >> "$3"' \
  "$syncline" "$work/run.textproto" "$work/m.jsonl" "$work/codes" > "$work/out.txt" 2>&1 &
mpirun_pid=$!
# Wait (bounded) until training is under way.
for _ in $(seq 1 300); do
  [[ -f "$work/m.jsonl" ]] && (( $(grep -c '"kind":"train"' "$work/m.jsonl") >= 5 )) && break
  sleep 0.1
done
victim=""
for env in /proc/[0-9]*/environ; do
  pid="${env#/proc/}"; pid="${pid%/environ}"
  if tr '\0' '\n' < "$env" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' &&
     [[ "$(readlink -f /proc/$pid/exe 2>/dev/null)" == "$(readlink -f "$syncline")" ]]; then
    victim="$pid"; break
  fi
done
[[ -n "$victim" ]] || { echo "FAIL: rank 1 never started training"; cat "$work/out.txt"; exit 1; }
start=$(date +%s)
kill -9 "$victim"
# The survivors must give up within the collective timeout (20 s) plus slack.
for _ in $(seq 1 400); do kill -0 "$mpirun_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$mpirun_pid" 2>/dev/null; then
  echo "FAIL: job still running 40 s after rank 1 was killed"; cat "$work/out.txt"; exit 1
fi
wait "$mpirun_pid"; rc=$?
elapsed=$(( $(date +%s) - start ))
cat "$work/out.txt"
echo "mpirun exit code $rc after ${elapsed}s"
cat "$work/codes"
for r in 0 2; do
  grep -q "^rank $r exit [1-9]" "$work/codes" || { echo "FAIL: rank $r did not exit non-zero"; exit 1; }
done
grep -E "rank (0|2):.*lost rank 1" "$work/out.txt" >/dev/null ||
  { echo "FAIL: no survivor named the lost rank 1"; exit 1; }
echo "PASS"
